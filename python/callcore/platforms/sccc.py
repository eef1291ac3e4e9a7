"""SCCC client (seed 003): outbound tasks (create, query, control, append numbers, several commands
per request), recording list and download, CDR request.

Every request body carries the ``authentication`` block from :func:`callcore.sign.sccc_authentication`
(MD5 digest, 003:388-423). A reply whose ``result.error`` (or a command's ``response.result.error``)
is not 0 raises a typed :mod:`callcore.platforms.errors` exception; codes are accepted in decimal,
hex, unsigned or signed 32-bit form.
"""
from __future__ import annotations

import itertools
import json
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Any, AsyncIterator, Iterator, Sequence
from urllib.parse import quote

import httpx

from . import _http
from ._http import HttpOptions
from .codes import sccc_code
from .errors import PlatformError, ProtocolError, from_code, hold_secret, scrub_error
from .models import check_len, fail

P = "sccc"


@dataclass
class Report:
    """号码导入结果汇报 (003:1970-1978): total, error and repeat (duplicates) counts."""

    total: int
    error: int
    repeat: int


@dataclass
class TaskCreated:
    task_id: str
    report: Report


@dataclass
class Recording:
    """getRecordsList record (003:2790-2800); ``type`` 0 inbound, 1 outbound."""

    key: str
    caller: str
    callee: str
    filename: str
    type: str
    agent: str
    startTime: int
    duration: int


def _int(v: Any) -> int:
    try:
        return int(v)
    except (TypeError, ValueError):
        return 0


def _report(r: Any) -> Report:
    r = r or {}
    return Report(_int(r.get("total")), _int(r.get("error")), _int(r.get("repeat", r.get("report"))))


def _check_result(result: Any, api: str, body: Any) -> None:
    if result in (None, "", {}):
        return
    code = result.get("error") if isinstance(result, dict) else result
    if code in (None, "", 0, "0"):
        return
    info = sccc_code(code)
    msg = result.get("msg", "") if isinstance(result, dict) else ""
    raise from_code(info, platform=P, endpoint=api, code=str(code), message=str(msg or ""), body=body)


def _check_agent(agent: Any) -> str:
    a = str(agent)
    if not a.isdigit() or not 1 <= len(a) <= 8:
        raise fail(P, "agent", f"{a!r}: 1-8 digits", "003:1864")
    return a


def _check_numbers(field: str, numbers: Sequence[str], limit: int, line: str) -> list[str]:
    if len(numbers) > limit:
        raise fail(P, field, f"{len(numbers)} numbers, at most {limit} per command", line)
    return [str(n) for n in numbers]


class _Api:
    def __init__(self, customer: str, password: str, version: str) -> None:
        from callcore.sign import sccc_authentication  # noqa: F401  (fail early if missing)

        self.customer, self._password, self.version = customer, password, version
        hold_secret(password)  # never sent, but a server may know and print it
        self._cmd_seq = itertools.count(1)  # next() on a count is atomic under the GIL

    def __repr__(self) -> str:
        return f"ScccApi(customer={self.customer!r})"

    def seq(self) -> str:
        return str(next(self._cmd_seq))

    def envelope(self, command: dict[str, Any] | list[dict[str, Any]], agent: str | None = None) -> dict[str, Any]:
        from callcore.sign import sccc_authentication

        body: dict[str, Any] = {"authentication": sccc_authentication(self.customer, self._password, agent=agent)}
        if isinstance(command, list):
            body["requests"] = command
        else:
            body["request"] = command
        return body

    def path(self, api: str) -> str:
        return f"/openapi/{self.version}/{api}"


def _user_data(user_data: str | None) -> str | None:
    check_len(P, "userData", user_data, 30, line="003:1862")
    return user_data


class _Base:
    def __init__(self, base_url: str, customer: str, password: str, *, version: str = "V2.0.4",
                 options: HttpOptions | None = None) -> None:
        self.api = _Api(customer, password, version)
        self.base_url = base_url.rstrip("/")
        self.options = options or HttpOptions()

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.base_url!r}, customer={self.api.customer!r})"

    # request builders: (api, body, parse)
    def _create(self, agent: str | int, callees: Sequence[str], *, mode: int = 2, callers: Sequence[str] | None = None,
                task_name: str | None = None, multiplier: int | None = None, user_data: str | None = None):
        a = _check_agent(agent)
        if not callees:
            raise fail(P, "callees", "is required", "003:1870")
        cmd: dict[str, Any] = {"seq": self.api.seq(), "agent": a, "callees": _check_numbers("callees", callees, 1000,
                                                                                            "003:1870"),
                               "mode": mode}
        if mode not in (2, 5):
            raise fail(P, "mode", "must be 2 (customer first) or 5 (agent first)", "003:1874")
        if callers:
            cmd["callers"] = _check_numbers("callers", callers, 100, "003:1872")
        if multiplier is not None:
            # "Number(1<a<5)" and "默认为 1" (003:1876-1877): 1 (the default) or 2..4; 5 is outside both
            if int(multiplier) not in (1, 2, 3, 4):
                raise fail(P, "multiplier", "must be 1..4 (Number(1<a<5), default 1)", "003:1876")
            cmd["multiplier"] = multiplier
        if task_name:
            cmd["taskName"] = task_name
        if _user_data(user_data):
            cmd["userData"] = user_data

        def parse(resp: dict) -> TaskCreated:
            return TaskCreated(str(resp.get("taskID", "")), _report(resp.get("report")))
        return "CallTaskCreate", self.api.envelope(cmd, a), parse

    def _query(self, agent: str | int):
        a = _check_agent(agent)
        return "CallTaskQuery", self.api.envelope({"seq": self.api.seq(), "agent": a}, a), \
            lambda r: str(r.get("taskID", ""))

    def _control(self, task_id: str | int, action: str, agent: str | int):
        a = _check_agent(agent)
        if action not in ("Start", "stop"):
            raise fail(P, "action", "must be 'Start' or 'stop'", "003:2117")
        cmd = {"seq": self.api.seq(), "agent": a, "taskID": str(task_id), "action": action}
        return "CallTaskControl", self.api.envelope(cmd, a), lambda r: str(r.get("taskID", ""))

    def _add(self, batches: Sequence[tuple[str | int, Sequence[str]]], agent: str | int):
        a = _check_agent(agent)
        if not batches:
            raise fail(P, "requests", "no commands")
        cmds = [{"seq": self.api.seq(), "agent": a, "taskID": str(t),
                 "callees": _check_numbers("callees", c, 1000, "003:2316")} for t, c in batches]
        return "CallTaskAddNumbers", self.api.envelope(cmds if len(cmds) > 1 else cmds[0], a), \
            lambda r: _report(r.get("report"))

    def _records(self, start_key: int):
        return "getRecordsList", self.api.envelope({"seq": self.api.seq(), "startKey": int(start_key)}), None

    def _cdrs(self, agents: Sequence[str], *, service_type: str = "", start: str = "", end: str = "",
              caller: str = "", callee: str = "", min_len: str = "", max_len: str = ""):
        cmd = {"seq": self.api.seq(), "agent": [str(a) for a in agents], "serviceType": str(service_type),
               "startTime": start, "endTime": end, "caller": caller, "callee": callee, "timeLengthMin": str(min_len),
               "timeLengthMax": str(max_len)}
        return "getCdrList", self.api.envelope(cmd), \
            lambda r: (_int(r.get("total")), list(r.get("cdr") or []))

    def _finish(self, api: str, resp: httpx.Response, parse) -> Any:
        err = _http.generic_status_error(resp, platform=P, endpoint=api)
        if err is not None:
            raise err
        doc = _http.decode_json(resp, platform=P, endpoint=api)
        if not isinstance(doc, dict):
            raise ProtocolError(f"sccc {api}: expected a JSON object", platform=P, endpoint=api)
        _check_result(doc.get("result"), api, doc)
        data = doc.get("data") or {}
        if parse is None:  # getRecordsList: records at data.record (003:2720)
            _check_result((data.get("response") or {}).get("result"), api, doc)
            return [Recording(str(r.get("key")), str(r.get("caller", "")), str(r.get("callee", "")),
                              str(r.get("filename", "")), str(r.get("type", "")), str(r.get("agent", "")),
                              _int(r.get("startTime")), _int(r.get("duration"))) for r in data.get("record") or []]
        responses = data.get("responses")
        if responses is None:
            responses = [data.get("response") or {}]
        out = []
        for r in responses:
            _check_result(r.get("result"), api, doc)
            out.append(parse(r))
        return out if "responses" in data else out[0]

    def _file_url(self, filename: str) -> str:
        # 录音文件的 URL 为 http://ip:port/<filename> (003:2816)
        rel = filename.replace("\\", "/").lstrip("/")
        if ".." in PurePosixPath(rel).parts:
            raise fail(P, "filename", f"{filename!r} contains '..'")
        return f"{self.base_url}/{quote(rel)}"


def _digest(body: dict) -> tuple[str, ...]:
    return (str((body.get("authentication") or {}).get("digest") or ""),)


def _post_kwargs(body: dict) -> dict[str, Any]:
    return {"content": json.dumps(body, ensure_ascii=False).encode("utf-8"),
            "headers": {"Accept": "application/json", "Content-Type": "application/json"}}


class ScccClient(_Base, _http.SyncClientLifecycle):
    """Synchronous SCCC client."""

    def __init__(self, base_url: str, customer: str, password: str, **kw: Any) -> None:
        super().__init__(base_url, customer, password, **kw)
        self._client = self.options.sync_client("")

    def _send(self, api: str, body: dict, parse) -> Any:
        try:
            try:
                resp = self._client.post(self.base_url + self.api.path(api), **_post_kwargs(body))
            except httpx.HTTPError as e:
                raise _http.transport_error(e, platform=P, endpoint=api) from e
            return self._finish(api, resp, parse)
        except PlatformError as e:  # a server echoing the request must not print its digest
            raise scrub_error(e, _digest(body)) from e.__cause__

    def create_task(self, agent: str | int, callees: Sequence[str], **kw: Any) -> TaskCreated:
        """CallTaskCreate (003:1803): <= 1000 callees, <= 100 callers; returns taskID and report."""
        return self._send(*self._create(agent, callees, **kw))

    def query_task(self, agent: str | int) -> str:
        """CallTaskQuery (003:1992): the agent's task ID."""
        return self._send(*self._query(agent))

    def control_task(self, task_id: str | int, action: str, agent: str | int) -> str:
        """CallTaskControl (003:2117): action 'Start' or 'stop'."""
        return self._send(*self._control(task_id, action, agent))

    def add_numbers(self, task_id: str | int, callees: Sequence[str], agent: str | int) -> Report:
        """CallTaskAddNumbers (003:2249): <= 1000 callees; returns the import report."""
        return self._send(*self._add([(task_id, callees)], agent))

    def add_numbers_many(self, batches: Sequence[tuple[str | int, Sequence[str]]], agent: str | int) -> list[Report]:
        """Several CallTaskAddNumbers commands in one request (``requests``, 003:454-458)."""
        r = self._send(*self._add(batches, agent))
        return r if isinstance(r, list) else [r]

    def records(self, start_key: int = 0) -> list[Recording]:
        """getRecordsList (003:2668): <= 500 records with key > start_key."""
        return self._send(*self._records(start_key))

    def iter_records(self, start_key: int = 0) -> Iterator[Recording]:
        """Every recording after start_key, paging by the largest key (003:2808)."""
        while True:
            page = self.records(start_key)
            if not page:
                return
            yield from page
            start_key = max(_int(r.key) for r in page)

    def cdrs(self, agents: Sequence[str], **kw: Any) -> tuple[int, list[dict[str, Any]]]:
        """getCdrList (003:3116): (total, cdr rows)."""
        return self._send(*self._cdrs(agents, **kw))

    def download_recording(self, filename: str, dest: str | Path) -> Path:
        """GET http://ip:port/<filename> into dest (a file, or a folder keeping the base name)."""
        url = self._file_url(filename)
        dest = Path(dest)
        if dest.is_dir():
            dest = dest / PurePosixPath(filename.replace("\\", "/")).name
        try:
            with self._client.stream("GET", url) as resp:
                if not 200 <= resp.status_code < 300:
                    resp.read()
                    err = _http.generic_status_error(resp, platform=P, endpoint="recording")
                    if err is not None:
                        raise err
                first, it, complete = _http.read_head(resp.iter_bytes(1 << 16))
                if _http.body_kind(first, complete) == "json":  # e.g. the flow-control answer: typed, retryable
                    doc = _http.decode_json(httpx.Response(200, content=first), platform=P, endpoint="recording")
                    if isinstance(doc, dict):
                        _check_result(doc.get("result"), "recording", doc)
                if _http.body_kind(first, complete) in ("html", "json"):
                    raise ProtocolError(f"sccc recording {filename}: expected audio, got "
                                        f"{first[:80].decode('utf-8', 'replace')!r}", platform=P, endpoint="recording")
                _http.atomic_write(dest, _http.rejoin(first, it), expected_length=_http.declared_length(resp))
        except httpx.HTTPError as e:
            raise _http.transport_error(e, platform=P, endpoint="recording") from e
        return dest


class AsyncScccClient(_Base, _http.AsyncClientLifecycle):
    """Asynchronous SCCC client (same methods, awaited)."""

    def __init__(self, base_url: str, customer: str, password: str, **kw: Any) -> None:
        super().__init__(base_url, customer, password, **kw)
        self._client = self.options.async_client("")

    async def _send(self, api: str, body: dict, parse) -> Any:
        try:
            try:
                resp = await self._client.post(self.base_url + self.api.path(api), **_post_kwargs(body))
            except httpx.HTTPError as e:
                raise _http.transport_error(e, platform=P, endpoint=api) from e
            return self._finish(api, resp, parse)
        except PlatformError as e:
            raise scrub_error(e, _digest(body)) from e.__cause__

    async def create_task(self, agent: str | int, callees: Sequence[str], **kw: Any) -> TaskCreated:
        return await self._send(*self._create(agent, callees, **kw))

    async def query_task(self, agent: str | int) -> str:
        return await self._send(*self._query(agent))

    async def control_task(self, task_id: str | int, action: str, agent: str | int) -> str:
        return await self._send(*self._control(task_id, action, agent))

    async def add_numbers(self, task_id: str | int, callees: Sequence[str], agent: str | int) -> Report:
        return await self._send(*self._add([(task_id, callees)], agent))

    async def add_numbers_many(self, batches: Sequence[tuple[str | int, Sequence[str]]],
                               agent: str | int) -> list[Report]:
        r = await self._send(*self._add(batches, agent))
        return r if isinstance(r, list) else [r]

    async def records(self, start_key: int = 0) -> list[Recording]:
        return await self._send(*self._records(start_key))

    async def iter_records(self, start_key: int = 0) -> AsyncIterator[Recording]:
        """Every recording after start_key (an async iterator), paging by the largest key."""
        while True:
            page = await self.records(start_key)
            if not page:
                return
            for r in page:
                yield r
            start_key = max(_int(r.key) for r in page)

    async def cdrs(self, agents: Sequence[str], **kw: Any) -> tuple[int, list[dict[str, Any]]]:
        return await self._send(*self._cdrs(agents, **kw))

    async def download_recording(self, filename: str, dest: str | Path) -> Path:
        url = self._file_url(filename)
        dest = Path(dest)
        if dest.is_dir():
            dest = dest / PurePosixPath(filename.replace("\\", "/")).name
        try:
            resp = await self._client.get(url)
        except httpx.HTTPError as e:
            raise _http.transport_error(e, platform=P, endpoint="recording") from e
        err = _http.generic_status_error(resp, platform=P, endpoint="recording")
        if err is not None:
            raise err
        if _http.body_kind(resp.content, True) in ("html", "json"):
            raise ProtocolError(f"sccc recording {filename}: expected audio", platform=P, endpoint="recording")
        _http.atomic_write(dest, [resp.content])
        return dest


