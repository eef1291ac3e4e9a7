"""八百呼 client (seed 004): addTask, findTaskMx (task detail numbers), blacklist add/delete/list,
findDialrecord (call records), recording download as WAV (``/voip/record/{cdrRecordFile}``) or MP3
(``/voip/api/client/download/record.json?id=..&ismp3=1``).

Every call is ``POST /voip/api/jsondata.html`` with ``sa_user``, ``sa_password`` (from
:func:`callcore.sign.babaihu_params`) and ``method`` as form fields (004:104-127). Any non-zero
``code`` is a failure (004:1091 says "> 0", the table lists negatives: both are read as errors).
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Any, Iterator, Sequence
from urllib.parse import quote

import httpx

from . import _http
from ._http import HttpOptions
from .codes import babaihu_code
from .errors import ProtocolError, from_code, hold_secret
from .models import check_len, check_time, fail

P = "babaihu"
API = "/voip/api/jsondata.html"


@dataclass
class TaskRecord:
    """One ``data`` item of addTask (004:1077-1086)."""

    phone: str
    key: str | None = None
    memo: str | None = None
    extra: dict[str, str] | None = None  # woOther1..N work-order fields

    def to_json(self, i: int) -> dict[str, Any]:
        check_len(P, f"data[{i}].phone", self.phone, 32, required=True, line="004:1077")
        if self.memo and "#" in self.memo:
            raise fail(P, f"data[{i}].memo", "must not contain '#' (文字转语音注意不要具有#号)", "004:1080")
        d: dict[str, Any] = {"phone": self.phone}
        if self.key is not None:
            d["key"] = self.key
        if self.memo is not None:
            d["memo"] = self.memo
        for k, v in (self.extra or {}).items():
            if not k.startswith("woOther"):
                raise fail(P, f"data[{i}].{k}", "extra fields are woOther1..N", "004:1081")
            d[k] = v
        return d


def _check_code(doc: Any, method: str) -> dict[str, Any]:
    if not isinstance(doc, dict):
        raise ProtocolError(f"babaihu {method}: expected a JSON object", platform=P, endpoint=method)
    code = doc.get("code")
    if code is None and "success" in doc:  # findDialrecord answers {success, recordTotal, rows} (004:622)
        if doc["success"] in (True, "true"):
            return doc
        code = -3
    if code is None:
        raise ProtocolError(f"babaihu {method}: answer without code", platform=P, endpoint=method)
    if str(code).strip() not in ("0", "0.0"):
        raise from_code(babaihu_code(code), platform=P, endpoint=method, code=str(code),
                        message=str(doc.get("message") or ""), body=doc)
    return doc


def _total(d: dict[str, Any]) -> int:
    """findDialrecord's record count: ``recordTotal`` in 2.4.1 (004:622), ``total`` in 2.7.1 (004:906)."""
    v = d.get("recordTotal", d.get("total"))
    try:
        return int(v or 0)
    except (TypeError, ValueError):
        raise ProtocolError(f"babaihu findDialrecord: record count {v!r} is not a number", platform=P,
                            endpoint="findDialrecord") from None


def _phones(phones: Sequence[str]) -> str:
    if not phones:
        raise fail(P, "phones", "is required", "004:521")
    for p in phones:
        if "," in p or not str(p).strip():
            raise fail(P, "phones", f"{p!r}: one number per item, no commas", "004:521")
    return ",".join(str(p).strip() for p in phones)


class _Base:
    def __init__(self, base_url: str, sa_user: str, sa_password: str, *, options: HttpOptions | None = None) -> None:
        from callcore.sign import babaihu_params

        self.base_url = base_url.rstrip("/")
        self._auth = babaihu_params(sa_user, sa_password)
        hold_secret(sa_password, self._auth["sa_password"])  # servers echo requests into error text
        self.options = options or HttpOptions()

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.base_url!r}, sa_user={self._auth['sa_user']!r})"

    def _form(self, method: str, **params: Any) -> dict[str, str]:
        form = {**self._auth, "method": method}
        for k, v in params.items():
            if v is not None:
                form[k] = v if isinstance(v, str) else json.dumps(v, ensure_ascii=False) if isinstance(
                    v, (list, dict)) else str(v)
        return form

    def _add_task(self, name: str, records: Sequence[TaskRecord], *, add_type: int = 1, flow_name: str | None = None,
                  send_time: str | None = None, repeat_send: int | None = None, send_interval: int | None = None,
                  allot_exte: str | None = None, attri_exte: str | None = None, work_order: str | None = None):
        check_len(P, "name", name, 100, required=True, line="004:1066")
        if add_type not in (1, 2, 3, 4):
            raise fail(P, "addType", "1 自动拨号, 2 手工拨号, 3 工单自动拨号, 4 工单手工拨号", "004:1064")
        if add_type in (1, 3) and not flow_name:
            raise fail(P, "cflName", "required for automatic dialling", "004:1067")
        if add_type in (3, 4) and not work_order:
            raise fail(P, "wotName", "required for work-order tasks", "004:1073")
        if not records:
            raise fail(P, "data", "is required", "004:1062")
        check_time(P, "sendTime", send_time, line="004:1068")
        if repeat_send not in (None, 0, 1):
            raise fail(P, "repeatSend", "0 or 1", "004:1069")
        data = [r.to_json(i) for i, r in enumerate(records)]
        return "addTask", self._form("addTask", data=data, addType=add_type, name=name, cflName=flow_name,
                                     sendTime=send_time, repeatSend=repeat_send, sendInterval=send_interval,
                                     allotExte=allot_exte, attriExte=attri_exte, wotName=work_order), \
            lambda d: str(d.get("id"))

    def _task_detail(self, flow_id: str | int, *, task_id: str | int | None = None, type: int = 0, start: int = 0,
                     limit: int = 25):
        return "findTaskMx", self._form("findTaskMx", cflId=flow_id, ctkId=task_id, type=type, start=start,
                                        limit=limit), \
            lambda d: (int(d.get("count") or 0), list(d.get("data") or []))

    def _call_flows(self):
        return "findCallFlow", self._form("findCallFlow"), \
            lambda d: {int(f["cfId"]): str(f.get("cfName", "")) for f in d.get("callflow") or [] if "cfId" in f}

    def _blacklist(self, method: str, phones: Sequence[str] | None):
        params = {} if phones is None else {"phones": _phones(phones)}
        parse = (lambda d: [p.strip() for p in (d.get("blaPhone") or "").split(",") if p.strip()]
                 if isinstance(d.get("blaPhone"), str) else list(d.get("blaPhone") or [])) \
            if method == "getBlacklists" else (lambda d: None)
        return method, self._form(method, **params), parse

    def _dialrecords(self, *, start: int = 0, limit: int = 20, extension: str | None = None,
                     phone: str | None = None, start_time: str | None = None, end_time: str | None = None,
                     peer: int | None = None):
        check_time(P, "startTime", start_time, line="004:612")
        check_time(P, "endTime", end_time, line="004:614")
        return "findDialrecord", self._form("findDialrecord", start=start, limit=limit, extension=extension,
                                            phoneNum=phone, startTime=start_time, endTime=end_time, cdrPeer=peer), \
            lambda d: (_total(d), list(d.get("rows") or []))

    def _finish(self, method: str, resp: httpx.Response, parse) -> Any:
        err = _http.generic_status_error(resp, platform=P, endpoint=method)
        if err is not None:
            raise err
        return parse(_check_code(_http.decode_json(resp, platform=P, endpoint=method), method))

    def _record_url(self, record_file: str | None, cdr_id: str | None, mp3: bool) -> tuple[str, dict | None]:
        if mp3:
            if not cdr_id:
                raise fail(P, "id", "the MP3 download needs the cdrId", "004:652")
            return f"{self.base_url}/voip/api/client/download/record.json", {"id": cdr_id, "ismp3": "1"}
        if not record_file:
            raise fail(P, "cdrRecordFile", "is required for the WAV download", "004:650")
        rel = record_file.replace("\\", "/").lstrip("/")
        if ".." in PurePosixPath(rel).parts:
            raise fail(P, "cdrRecordFile", f"{record_file!r} contains '..'")
        return f"{self.base_url}/voip/record/{quote(rel)}", None


def _target(dest: str | Path, record_file: str | None, cdr_id: str | None, mp3: bool) -> Path:
    dest = Path(dest)
    if dest.is_dir():
        name = f"{cdr_id}.mp3" if mp3 else PurePosixPath((record_file or "record.wav").replace("\\", "/")).name
        dest = dest / name
    return dest


def _check_audio(first: bytes, mp3: bool, complete: bool = True) -> None:
    kind = _http.body_kind(first, complete)
    if kind in ("json", "html"):
        raise ProtocolError(f"babaihu record download: expected {'MP3' if mp3 else 'WAV'}, got "
                            f"{first[:80].decode('utf-8', 'replace')!r}", platform=P, endpoint="record")


class BabaihuClient(_Base, _http.SyncClientLifecycle):
    """Synchronous 八百呼 client."""

    def __init__(self, base_url: str, sa_user: str, sa_password: str, **kw: Any) -> None:
        super().__init__(base_url, sa_user, sa_password, **kw)
        self._client = self.options.sync_client("")

    def _send(self, method: str, form: dict, parse) -> Any:
        try:
            resp = self._client.post(self.base_url + API, data=form)
        except httpx.HTTPError as e:
            raise _http.transport_error(e, platform=P, endpoint=method) from e
        return self._finish(method, resp, parse)

    def add_task(self, name: str, records: Sequence[TaskRecord], **kw: Any) -> str:
        """addTask (004:1056): returns the task id."""
        return self._send(*self._add_task(name, records, **kw))

    def task_detail(self, flow_id: str | int, **kw: Any) -> tuple[int, list[dict[str, Any]]]:
        """findTaskMx (004:1095): (count, rows) of a task's numbers and their call state."""
        return self._send(*self._task_detail(flow_id, **kw))

    def call_flows(self) -> dict[int, str]:
        """findCallFlow (004:1031): ``{cfId: cfName}``, the flow ids findTaskMx takes (cflId) and
        the names addTask takes (cflName)."""
        return self._send(*self._call_flows())

    def blacklist_add(self, phones: Sequence[str]) -> None:
        """addBlacklists (004:516)."""
        return self._send(*self._blacklist("addBlacklists", phones))

    def blacklist_delete(self, phones: Sequence[str]) -> None:
        """delBlacklists (004:529)."""
        return self._send(*self._blacklist("delBlacklists", phones))

    def blacklist(self) -> list[str]:
        """getBlacklists (004:544)."""
        return self._send(*self._blacklist("getBlacklists", None))

    def call_records(self, **kw: Any) -> tuple[int, list[dict[str, Any]]]:
        """findDialrecord (004:601): (recordTotal, rows) with cdrId and cdrRecordFile."""
        return self._send(*self._dialrecords(**kw))

    def iter_call_records(self, page: int = 100, **kw: Any) -> Iterator[dict[str, Any]]:
        start = 0
        while True:
            total, rows = self.call_records(start=start, limit=page, **kw)
            yield from rows
            start += len(rows)
            if not rows or start >= total:
                return

    def download_record(self, dest: str | Path, *, record_file: str | None = None, cdr_id: str | None = None,
                        mp3: bool = False) -> Path:
        """The recording as WAV (by cdrRecordFile) or MP3 (by cdrId, ``ismp3=1``)."""
        url, params = self._record_url(record_file, cdr_id, mp3)
        target = _target(dest, record_file, cdr_id, mp3)
        try:
            with self._client.stream("GET", url, params=params) as resp:
                if not 200 <= resp.status_code < 300:
                    resp.read()
                    raise _http.generic_status_error(resp, platform=P, endpoint="record")  # type: ignore[misc]
                first, it, complete = _http.read_head(resp.iter_bytes(1 << 16))
                if _http.body_kind(first, complete) == "json":
                    _check_code(_http.decode_json(httpx.Response(200, content=first), platform=P, endpoint="record"),
                                "record")
                _check_audio(first, mp3, complete)
                _http.atomic_write(target, _http.rejoin(first, it), expected_length=_http.declared_length(resp))
        except httpx.HTTPError as e:
            raise _http.transport_error(e, platform=P, endpoint="record") from e
        return target


class AsyncBabaihuClient(_Base, _http.AsyncClientLifecycle):
    """Asynchronous 八百呼 client (same methods, awaited)."""

    def __init__(self, base_url: str, sa_user: str, sa_password: str, **kw: Any) -> None:
        super().__init__(base_url, sa_user, sa_password, **kw)
        self._client = self.options.async_client("")

    async def _send(self, method: str, form: dict, parse) -> Any:
        try:
            resp = await self._client.post(self.base_url + API, data=form)
        except httpx.HTTPError as e:
            raise _http.transport_error(e, platform=P, endpoint=method) from e
        return self._finish(method, resp, parse)

    async def add_task(self, name: str, records: Sequence[TaskRecord], **kw: Any) -> str:
        return await self._send(*self._add_task(name, records, **kw))

    async def task_detail(self, flow_id: str | int, **kw: Any) -> tuple[int, list[dict[str, Any]]]:
        return await self._send(*self._task_detail(flow_id, **kw))

    async def call_flows(self) -> dict[int, str]:
        return await self._send(*self._call_flows())

    async def blacklist_add(self, phones: Sequence[str]) -> None:
        return await self._send(*self._blacklist("addBlacklists", phones))

    async def blacklist_delete(self, phones: Sequence[str]) -> None:
        return await self._send(*self._blacklist("delBlacklists", phones))

    async def blacklist(self) -> list[str]:
        return await self._send(*self._blacklist("getBlacklists", None))

    async def call_records(self, **kw: Any) -> tuple[int, list[dict[str, Any]]]:
        return await self._send(*self._dialrecords(**kw))

    async def download_record(self, dest: str | Path, *, record_file: str | None = None, cdr_id: str | None = None,
                              mp3: bool = False) -> Path:
        url, params = self._record_url(record_file, cdr_id, mp3)
        target = _target(dest, record_file, cdr_id, mp3)
        try:
            resp = await self._client.get(url, params=params)
        except httpx.HTTPError as e:
            raise _http.transport_error(e, platform=P, endpoint="record") from e
        err = _http.generic_status_error(resp, platform=P, endpoint="record")
        if err is not None:
            raise err
        if _http.body_kind(resp.content, True) == "json":
            _check_code(_http.decode_json(resp, platform=P, endpoint="record"), "record")
        _check_audio(resp.content, mp3)
        _http.atomic_write(target, [resp.content])
        return target


