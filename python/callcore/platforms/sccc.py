"""SCCC client (seed 003): outbound tasks (create, query, control, append numbers, several commands
per request), recording list and download, CDR request.

Every request body carries the ``authentication`` block from :func:`callcore.sign.sccc_authentication`
(MD5 digest, 003:388-423). A reply whose ``result.error`` (or a command's ``response.result.error``)
is not 0 raises a typed :mod:`callcore.platforms.errors` exception; codes are accepted in decimal,
hex, unsigned or signed 32-bit form.
"""
from __future__ import annotations

import itertools
from dataclasses import dataclass
from functools import partial
from pathlib import Path, PurePosixPath
from typing import Any, AsyncIterator, Callable, Iterator, Literal, Sequence, TypeVar
from urllib.parse import quote

from ._http import HttpOptions
from ._request import Download, Request, json_content
from ._transport import AsyncClient, PlatformClient, SyncClient
from .codes import sccc_code
from .errors import ProtocolError, from_code, hold_secret
from .models import check_len, fail
from .retry import RetryPolicy

PLATFORM = "sccc"
HEADERS = {"Accept": "application/json", "Content-Type": "application/json"}
AnswerT = TypeVar("AnswerT")
#: CallTaskControl's action, spelt as the seed spells it: Start(开始任务)|stop(停止任务) (003:2178)
TaskAction = Literal["Start", "stop"]


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


def _int(value: Any) -> int:
    try:
        return int(value)
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
    raise from_code(info, platform=PLATFORM, endpoint=api, code=str(code), message=str(msg or ""), body=body)


def check_envelope(api: str, doc: Any, status: int) -> Any:
    """The request-level ``result`` of an answer; the whole answer goes on to ``parse``."""
    if not isinstance(doc, dict):
        raise ProtocolError(f"sccc {api}: expected a JSON object", platform=PLATFORM, endpoint=api, http_status=status)
    _check_result(doc.get("result"), api, doc)
    return doc


def _command_answers(api: str, parse_one: Callable[[dict[str, Any]], AnswerT], doc: dict[str, Any]) -> list[AnswerT]:
    """Every command's answer (``data.responses``, or the one ``data.response``), each checked."""
    data = doc.get("data") or {}
    responses = data.get("responses")
    if responses is None:
        responses = [data.get("response") or {}]
    answers = []
    for response in responses:
        _check_result(response.get("result"), api, doc)
        answers.append(parse_one(response))
    return answers


def _recordings(doc: dict[str, Any]) -> list[Recording]:
    """getRecordsList: the records at data.record (003:2720), after the command's own result."""
    data = doc.get("data") or {}
    _check_result((data.get("response") or {}).get("result"), "getRecordsList", doc)
    return [Recording(str(r.get("key")), str(r.get("caller", "")), str(r.get("callee", "")),
                      str(r.get("filename", "")), str(r.get("type", "")), str(r.get("agent", "")),
                      _int(r.get("startTime")), _int(r.get("duration"))) for r in data.get("record") or []]


def next_start_key(page: list[Recording]) -> int | None:
    """Where the page after *page* starts (the largest key, 003:2808); ``None`` after the last."""
    return max(_int(r.key) for r in page) if page else None


def _check_agent(agent: Any) -> str:
    a = str(agent)
    if not a.isdigit() or not 1 <= len(a) <= 8:
        raise fail(PLATFORM, "agent", f"{a!r}: 1-8 digits", "003:1864")
    return a


def _check_numbers(field: str, numbers: Sequence[str], limit: int, line: str) -> list[str]:
    if len(numbers) > limit:
        raise fail(PLATFORM, field, f"{len(numbers)} numbers, at most {limit} per command", line)
    return [str(n) for n in numbers]


def _user_data(user_data: str | None) -> str | None:
    check_len(PLATFORM, "userData", user_data, 30, line="003:1862")
    return user_data


class ScccRequests:
    """Builds the validated requests of one customer account, each signed with a fresh digest;
    the sync and async clients only send them."""

    def __init__(self, customer: str, password: str, version: str) -> None:
        from callcore.sign import sccc_authentication  # noqa: F401  (fail early if missing)

        self.customer, self._password, self.version = customer, password, version
        hold_secret(password)  # never sent, but a server may know and print it
        self._command_seq = itertools.count(1)  # next() on a count is atomic under the GIL

    def __repr__(self) -> str:
        return f"ScccRequests(customer={self.customer!r})"

    def _seq(self) -> str:
        return str(next(self._command_seq))

    def _post(self, api: str, command: dict[str, Any] | list[dict[str, Any]], parse: Callable[[Any], Any], *,
              agent: str | None = None) -> Request[Any]:
        from callcore.sign import sccc_authentication

        authentication = sccc_authentication(self.customer, self._password, agent=agent)
        body: dict[str, Any] = {"authentication": authentication}
        body["requests" if isinstance(command, list) else "request"] = command
        return Request(platform=PLATFORM, method="POST", path=f"/openapi/{self.version}/{api}", endpoint=api,
                       content=json_content(body), headers=HEADERS, check=partial(check_envelope, api), parse=parse,
                       secrets=(str(authentication.get("digest") or ""),))

    def create_task(self, agent: str | int, callees: Sequence[str], *, mode: int = 2,
                    callers: Sequence[str] | None = None, task_name: str | None = None,
                    multiplier: int | None = None, user_data: str | None = None) -> Request[TaskCreated]:
        a = _check_agent(agent)
        if not callees:
            raise fail(PLATFORM, "callees", "is required", "003:1870")
        cmd: dict[str, Any] = {"seq": self._seq(), "agent": a,
                               "callees": _check_numbers("callees", callees, 1000, "003:1870"), "mode": mode}
        if mode not in (2, 5):
            raise fail(PLATFORM, "mode", "must be 2 (customer first) or 5 (agent first)", "003:1874")
        if callers:
            cmd["callers"] = _check_numbers("callers", callers, 100, "003:1872")
        if multiplier is not None:
            # "Number(1<a<5)" and "默认为 1" (003:1876-1877): 1 (the default) or 2..4; 5 is outside both
            if int(multiplier) not in (1, 2, 3, 4):
                raise fail(PLATFORM, "multiplier", "must be 1..4 (Number(1<a<5), default 1)", "003:1876")
            cmd["multiplier"] = multiplier
        if task_name:
            cmd["taskName"] = task_name
        if _user_data(user_data):
            cmd["userData"] = user_data

        def created(r: dict[str, Any]) -> TaskCreated:
            return TaskCreated(str(r.get("taskID", "")), _report(r.get("report")))
        return self._post("CallTaskCreate", cmd, _one("CallTaskCreate", created), agent=a)

    def query_task(self, agent: str | int) -> Request[str]:
        a = _check_agent(agent)
        return self._post("CallTaskQuery", {"seq": self._seq(), "agent": a}, _one("CallTaskQuery", _task_id), agent=a)

    def control_task(self, task_id: str | int, action: TaskAction, agent: str | int) -> Request[str]:
        a = _check_agent(agent)
        if action not in ("Start", "stop"):
            raise fail(PLATFORM, "action", "must be 'Start' or 'stop'", "003:2117")
        cmd = {"seq": self._seq(), "agent": a, "taskID": str(task_id), "action": action}
        return self._post("CallTaskControl", cmd, _one("CallTaskControl", _task_id), agent=a)

    def _add_commands(self, batches: Sequence[tuple[str | int, Sequence[str]]], agent: str) -> list[dict[str, Any]]:
        if not batches:
            raise fail(PLATFORM, "requests", "no commands")
        return [{"seq": self._seq(), "agent": agent, "taskID": str(t),
                 "callees": _check_numbers("callees", c, 1000, "003:2316")} for t, c in batches]

    def add_numbers(self, task_id: str | int, callees: Sequence[str], agent: str | int) -> Request[Report]:
        a = _check_agent(agent)
        [cmd] = self._add_commands([(task_id, callees)], a)
        return self._post("CallTaskAddNumbers", cmd, _one("CallTaskAddNumbers", _reported), agent=a)

    def add_numbers_many(self, batches: Sequence[tuple[str | int, Sequence[str]]],
                         agent: str | int) -> Request[list[Report]]:
        a = _check_agent(agent)
        cmds = self._add_commands(batches, a)
        # one command goes as ``request`` (003:454-458), several as ``requests``
        return self._post("CallTaskAddNumbers", cmds if len(cmds) > 1 else cmds[0],
                          partial(_command_answers, "CallTaskAddNumbers", _reported), agent=a)

    def records(self, start_key: int = 0) -> Request[list[Recording]]:
        return self._post("getRecordsList", {"seq": self._seq(), "startKey": int(start_key)}, _recordings)

    def cdrs(self, agents: Sequence[str], *, service_type: str = "", start: str = "", end: str = "",
             caller: str = "", callee: str = "", min_len: str = "",
             max_len: str = "") -> Request[tuple[int, list[dict[str, Any]]]]:
        cmd = {"seq": self._seq(), "agent": [str(a) for a in agents], "serviceType": str(service_type),
               "startTime": start, "endTime": end, "caller": caller, "callee": callee, "timeLengthMin": str(min_len),
               "timeLengthMax": str(max_len)}

        def total_and_rows(r: dict[str, Any]) -> tuple[int, list[dict[str, Any]]]:
            return _int(r.get("total")), list(r.get("cdr") or [])
        return self._post("getCdrList", cmd, _one("getCdrList", total_and_rows))

    def download_recording(self, filename: str, dest: str | Path) -> Request[Path]:
        # 录音文件的 URL 为 http://ip:port/<filename> (003:2816)
        rel = filename.replace("\\", "/").lstrip("/")
        if ".." in PurePosixPath(rel).parts:
            raise fail(PLATFORM, "filename", f"{filename!r} contains '..'")
        return Request(platform=PLATFORM, method="GET", path=f"/{quote(rel)}", endpoint="recording",
                       check=partial(check_envelope, "recording"),
                       download=Download(Path(dest), PurePosixPath(rel).name))


def _task_id(r: dict[str, Any]) -> str:
    return str(r.get("taskID", ""))


def _reported(r: dict[str, Any]) -> Report:
    return _report(r.get("report"))


def _one(api: str, parse_one: Callable[[dict[str, Any]], AnswerT]) -> Callable[[dict[str, Any]], AnswerT]:
    """``parse`` of a one-command request: its one answer."""
    def parse(doc: dict[str, Any]) -> AnswerT:
        return _command_answers(api, parse_one, doc)[0]
    return parse


class _ScccSettings(PlatformClient):
    def __init__(self, base_url: str, customer: str, password: str, *, version: str = "V2.0.4",
                 options: HttpOptions | None = None, retry: RetryPolicy | None = None) -> None:
        self.requests = ScccRequests(customer, password, version)
        self._connect(PLATFORM, base_url, options, retry)

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.base_url!r}, customer={self.requests.customer!r})"


class ScccClient(_ScccSettings, SyncClient):
    """Synchronous SCCC client."""

    def create_task(self, agent: str | int, callees: Sequence[str], *, mode: int = 2,
                    callers: Sequence[str] | None = None, task_name: str | None = None,
                    multiplier: int | None = None, user_data: str | None = None) -> TaskCreated:
        """CallTaskCreate (003:1803): <= 1000 callees, <= 100 callers; returns taskID and report."""
        return self._transport.send(self.requests.create_task(agent, callees, mode=mode, callers=callers,
                                                              task_name=task_name, multiplier=multiplier,
                                                              user_data=user_data))

    def query_task(self, agent: str | int) -> str:
        """CallTaskQuery (003:1992): the agent's task ID."""
        return self._transport.send(self.requests.query_task(agent))

    def control_task(self, task_id: str | int, action: TaskAction, agent: str | int) -> str:
        """CallTaskControl (003:2117): action 'Start' or 'stop'."""
        return self._transport.send(self.requests.control_task(task_id, action, agent))

    def add_numbers(self, task_id: str | int, callees: Sequence[str], agent: str | int) -> Report:
        """CallTaskAddNumbers (003:2249): <= 1000 callees; returns the import report."""
        return self._transport.send(self.requests.add_numbers(task_id, callees, agent))

    def add_numbers_many(self, batches: Sequence[tuple[str | int, Sequence[str]]], agent: str | int) -> list[Report]:
        """Several CallTaskAddNumbers commands in one request (``requests``, 003:454-458)."""
        return self._transport.send(self.requests.add_numbers_many(batches, agent))

    def records(self, start_key: int = 0) -> list[Recording]:
        """getRecordsList (003:2668): <= 500 records with key > start_key."""
        return self._transport.send(self.requests.records(start_key))

    def iter_records(self, start_key: int = 0) -> Iterator[Recording]:
        """Every recording after start_key, paging by the largest key (003:2808)."""
        next_key: int | None = start_key
        while next_key is not None:
            page = self.records(next_key)
            yield from page
            next_key = next_start_key(page)

    def cdrs(self, agents: Sequence[str], *, service_type: str = "", start: str = "", end: str = "",
             caller: str = "", callee: str = "", min_len: str = "",
             max_len: str = "") -> tuple[int, list[dict[str, Any]]]:
        """getCdrList (003:3116): (total, cdr rows)."""
        return self._transport.send(self.requests.cdrs(agents, service_type=service_type, start=start, end=end,
                                                       caller=caller, callee=callee, min_len=min_len,
                                                       max_len=max_len))

    def download_recording(self, filename: str, dest: str | Path) -> Path:
        """GET http://ip:port/<filename> into dest (a file, or a folder keeping the base name)."""
        return self._transport.send(self.requests.download_recording(filename, dest))


class AsyncScccClient(_ScccSettings, AsyncClient):
    """Asynchronous SCCC client (same methods, awaited)."""

    async def create_task(self, agent: str | int, callees: Sequence[str], *, mode: int = 2,
                          callers: Sequence[str] | None = None, task_name: str | None = None,
                          multiplier: int | None = None, user_data: str | None = None) -> TaskCreated:
        """Awaitable :meth:`ScccClient.create_task`."""
        return await self._transport.send(self.requests.create_task(agent, callees, mode=mode, callers=callers,
                                                                    task_name=task_name, multiplier=multiplier,
                                                                    user_data=user_data))

    async def query_task(self, agent: str | int) -> str:
        """Awaitable :meth:`ScccClient.query_task`."""
        return await self._transport.send(self.requests.query_task(agent))

    async def control_task(self, task_id: str | int, action: TaskAction, agent: str | int) -> str:
        """Awaitable :meth:`ScccClient.control_task`."""
        return await self._transport.send(self.requests.control_task(task_id, action, agent))

    async def add_numbers(self, task_id: str | int, callees: Sequence[str], agent: str | int) -> Report:
        """Awaitable :meth:`ScccClient.add_numbers`."""
        return await self._transport.send(self.requests.add_numbers(task_id, callees, agent))

    async def add_numbers_many(self, batches: Sequence[tuple[str | int, Sequence[str]]],
                               agent: str | int) -> list[Report]:
        """Awaitable :meth:`ScccClient.add_numbers_many`."""
        return await self._transport.send(self.requests.add_numbers_many(batches, agent))

    async def records(self, start_key: int = 0) -> list[Recording]:
        """Awaitable :meth:`ScccClient.records`."""
        return await self._transport.send(self.requests.records(start_key))

    async def iter_records(self, start_key: int = 0) -> AsyncIterator[Recording]:
        """Every recording after start_key (an async iterator), paging by the largest key."""
        next_key: int | None = start_key
        while next_key is not None:
            page = await self.records(next_key)
            for recording in page:
                yield recording
            next_key = next_start_key(page)

    async def cdrs(self, agents: Sequence[str], *, service_type: str = "", start: str = "", end: str = "",
                   caller: str = "", callee: str = "", min_len: str = "",
                   max_len: str = "") -> tuple[int, list[dict[str, Any]]]:
        """Awaitable :meth:`ScccClient.cdrs`."""
        return await self._transport.send(self.requests.cdrs(agents, service_type=service_type, start=start, end=end,
                                                             caller=caller, callee=callee, min_len=min_len,
                                                             max_len=max_len))

    async def download_recording(self, filename: str, dest: str | Path) -> Path:
        """Awaitable :meth:`ScccClient.download_recording`."""
        return await self._transport.send(self.requests.download_recording(filename, dest))
