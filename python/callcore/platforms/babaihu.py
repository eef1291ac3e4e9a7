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
from functools import partial
from pathlib import Path, PurePosixPath
from typing import Any, AsyncIterator, Callable, Iterator, Sequence
from urllib.parse import quote

from ._http import HttpOptions
from ._request import Download, Request, no_result
from ._transport import AsyncClient, PlatformClient, SyncClient
from .codes import babaihu_code
from .errors import ProtocolError, from_code, hold_secret
from .models import check_len, check_time, fail
from .retry import RetryPolicy

PLATFORM = "babaihu"
API = "/voip/api/jsondata.html"


@dataclass
class TaskRecord:
    """One ``data`` item of addTask (004:1077-1086)."""

    phone: str
    key: str | None = None
    memo: str | None = None
    extra: dict[str, str] | None = None  # woOther1..N work-order fields

    def to_json(self, i: int) -> dict[str, Any]:
        check_len(PLATFORM, f"data[{i}].phone", self.phone, 32, required=True, line="004:1077")
        if self.memo and "#" in self.memo:
            raise fail(PLATFORM, f"data[{i}].memo", "must not contain '#' (文字转语音注意不要具有#号)", "004:1080")
        d: dict[str, Any] = {"phone": self.phone}
        if self.key is not None:
            d["key"] = self.key
        if self.memo is not None:
            d["memo"] = self.memo
        for k, v in (self.extra or {}).items():
            if not k.startswith("woOther"):
                raise fail(PLATFORM, f"data[{i}].{k}", "extra fields are woOther1..N", "004:1081")
            d[k] = v
        return d


def check_code(method: str, doc: Any, status: int) -> dict[str, Any]:
    """An answer's ``code`` (or findDialrecord's ``success``): anything but 0 raises its typed error."""
    if not isinstance(doc, dict):
        raise ProtocolError(f"babaihu {method}: expected a JSON object", platform=PLATFORM, endpoint=method,
                            http_status=status)
    code = doc.get("code")
    if code is None and "success" in doc:  # findDialrecord answers {success, recordTotal, rows} (004:622)
        if doc["success"] in (True, "true"):
            return doc
        code = -3
    if code is None:
        raise ProtocolError(f"babaihu {method}: answer without code", platform=PLATFORM, endpoint=method)
    if str(code).strip() not in ("0", "0.0"):
        raise from_code(babaihu_code(code), platform=PLATFORM, endpoint=method, code=str(code),
                        message=str(doc.get("message") or ""), body=doc)
    return doc


def _total(d: dict[str, Any]) -> int:
    """findDialrecord's record count: ``recordTotal`` in 2.4.1 (004:622), ``total`` in 2.7.1 (004:906)."""
    v = d.get("recordTotal", d.get("total"))
    try:
        return int(v or 0)
    except (TypeError, ValueError):
        raise ProtocolError(f"babaihu findDialrecord: record count {v!r} is not a number", platform=PLATFORM,
                            endpoint="findDialrecord") from None


def _phones(phones: Sequence[str]) -> str:
    if not phones:
        raise fail(PLATFORM, "phones", "is required", "004:521")
    for p in phones:
        if "," in p or not str(p).strip():
            raise fail(PLATFORM, "phones", f"{p!r}: one number per item, no commas", "004:521")
    return ",".join(str(p).strip() for p in phones)


def _count_and_rows(d: dict[str, Any]) -> tuple[int, list[dict[str, Any]]]:
    return int(d.get("count") or 0), list(d.get("data") or [])


def _flows(d: dict[str, Any]) -> dict[int, str]:
    return {int(f["cfId"]): str(f.get("cfName", "")) for f in d.get("callflow") or [] if "cfId" in f}


def _blacklisted(d: dict[str, Any]) -> list[str]:
    listed = d.get("blaPhone")
    if isinstance(listed, str):
        return [p.strip() for p in listed.split(",") if p.strip()]
    return list(listed or [])


def _total_and_rows(d: dict[str, Any]) -> tuple[int, list[dict[str, Any]]]:
    return _total(d), list(d.get("rows") or [])


class BabaihuRequests:
    """Builds the validated requests of one account (``sa_user`` and the issued ``sa_password``
    ride in every form, 004:104-127); the sync and async clients only send them."""

    def __init__(self, sa_user: str, sa_password: str) -> None:
        from callcore.sign import babaihu_params

        self._auth = babaihu_params(sa_user, sa_password)
        hold_secret(sa_password, self._auth["sa_password"])  # servers echo requests into error text
        self.sa_user = self._auth["sa_user"]

    def __repr__(self) -> str:
        return f"BabaihuRequests(sa_user={self.sa_user!r})"

    def _post(self, method: str, parse: Callable[[Any], Any], **params: Any) -> Request[Any]:
        form = {**self._auth, "method": method}
        for k, v in params.items():
            if v is not None:
                form[k] = v if isinstance(v, str) else json.dumps(v, ensure_ascii=False) if isinstance(
                    v, (list, dict)) else str(v)
        return Request(platform=PLATFORM, method="POST", path=API, endpoint=method, form=form,
                       check=partial(check_code, method), parse=parse)

    def add_task(self, name: str, records: Sequence[TaskRecord], *, add_type: int = 1, flow_name: str | None = None,
                 send_time: str | None = None, repeat_send: int | None = None, send_interval: int | None = None,
                 allot_exte: str | None = None, attri_exte: str | None = None,
                 work_order: str | None = None) -> Request[str]:
        check_len(PLATFORM, "name", name, 100, required=True, line="004:1066")
        if add_type not in (1, 2, 3, 4):
            raise fail(PLATFORM, "addType", "1 自动拨号, 2 手工拨号, 3 工单自动拨号, 4 工单手工拨号", "004:1064")
        if add_type in (1, 3) and not flow_name:
            raise fail(PLATFORM, "cflName", "required for automatic dialling", "004:1067")
        if add_type in (3, 4) and not work_order:
            raise fail(PLATFORM, "wotName", "required for work-order tasks", "004:1073")
        if not records:
            raise fail(PLATFORM, "data", "is required", "004:1062")
        check_time(PLATFORM, "sendTime", send_time, line="004:1068")
        if repeat_send not in (None, 0, 1):
            raise fail(PLATFORM, "repeatSend", "0 or 1", "004:1069")
        data = [r.to_json(i) for i, r in enumerate(records)]
        return self._post("addTask", lambda d: str(d.get("id")), data=data, addType=add_type, name=name,
                          cflName=flow_name, sendTime=send_time, repeatSend=repeat_send, sendInterval=send_interval,
                          allotExte=allot_exte, attriExte=attri_exte, wotName=work_order)

    def task_detail(self, flow_id: str | int, *, task_id: str | int | None = None, type: int = 0, start: int = 0,
                    limit: int = 25) -> Request[tuple[int, list[dict[str, Any]]]]:
        return self._post("findTaskMx", _count_and_rows, cflId=flow_id, ctkId=task_id, type=type, start=start,
                          limit=limit)

    def call_flows(self) -> Request[dict[int, str]]:
        return self._post("findCallFlow", _flows)

    def blacklist_add(self, phones: Sequence[str]) -> Request[None]:
        return self._post("addBlacklists", no_result, phones=_phones(phones))

    def blacklist_delete(self, phones: Sequence[str]) -> Request[None]:
        return self._post("delBlacklists", no_result, phones=_phones(phones))

    def blacklist(self) -> Request[list[str]]:
        return self._post("getBlacklists", _blacklisted)

    def call_records(self, *, start: int = 0, limit: int = 20, extension: str | None = None,
                     phone: str | None = None, start_time: str | None = None, end_time: str | None = None,
                     peer: int | None = None) -> Request[tuple[int, list[dict[str, Any]]]]:
        check_time(PLATFORM, "startTime", start_time, line="004:612")
        check_time(PLATFORM, "endTime", end_time, line="004:614")
        return self._post("findDialrecord", _total_and_rows, start=start, limit=limit, extension=extension,
                          phoneNum=phone, startTime=start_time, endTime=end_time, cdrPeer=peer)

    def download_record(self, dest: str | Path, *, record_file: str | None = None, cdr_id: str | None = None,
                        mp3: bool = False) -> Request[Path]:
        """WAV at ``/voip/record/{cdrRecordFile}`` (004:650), MP3 by cdrId with ``ismp3=1`` (004:652)."""
        if mp3:
            if not cdr_id:
                raise fail(PLATFORM, "id", "the MP3 download needs the cdrId", "004:652")
            return Request(platform=PLATFORM, method="GET", path="/voip/api/client/download/record.json",
                           endpoint="record",
                           query={"id": cdr_id, "ismp3": "1"}, check=partial(check_code, "record"),
                           download=Download(Path(dest), f"{cdr_id}.mp3"))
        if not record_file:
            raise fail(PLATFORM, "cdrRecordFile", "is required for the WAV download", "004:650")
        rel = record_file.replace("\\", "/").lstrip("/")
        if ".." in PurePosixPath(rel).parts:
            raise fail(PLATFORM, "cdrRecordFile", f"{record_file!r} contains '..'")
        return Request(platform=PLATFORM, method="GET", path=f"/voip/record/{quote(rel)}", endpoint="record",
                       check=partial(check_code, "record"), download=Download(Path(dest), PurePosixPath(rel).name))


def next_page_start(start: int, rows: list[dict[str, Any]], total: int) -> int | None:
    """Where the page of call records after the one at *start* begins; ``None`` after the last."""
    start += len(rows)
    return None if not rows or start >= total else start


class _BabaihuSettings(PlatformClient):
    def __init__(self, base_url: str, sa_user: str, sa_password: str, *, options: HttpOptions | None = None,
                 retry: RetryPolicy | None = None) -> None:
        self.requests = BabaihuRequests(sa_user, sa_password)
        self._connect(PLATFORM, base_url, options, retry)

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.base_url!r}, sa_user={self.requests.sa_user!r})"


class BabaihuClient(_BabaihuSettings, SyncClient):
    """Synchronous 八百呼 client."""

    def add_task(self, name: str, records: Sequence[TaskRecord], *, add_type: int = 1, flow_name: str | None = None,
                 send_time: str | None = None, repeat_send: int | None = None, send_interval: int | None = None,
                 allot_exte: str | None = None, attri_exte: str | None = None, work_order: str | None = None) -> str:
        """addTask (004:1056): returns the task id."""
        return self._transport.send(self.requests.add_task(
            name, records, add_type=add_type, flow_name=flow_name, send_time=send_time, repeat_send=repeat_send,
            send_interval=send_interval, allot_exte=allot_exte, attri_exte=attri_exte, work_order=work_order))

    def task_detail(self, flow_id: str | int, *, task_id: str | int | None = None, type: int = 0, start: int = 0,
                    limit: int = 25) -> tuple[int, list[dict[str, Any]]]:
        """findTaskMx (004:1095): (count, rows) of a task's numbers and their call state."""
        return self._transport.send(self.requests.task_detail(flow_id, task_id=task_id, type=type, start=start,
                                                              limit=limit))

    def call_flows(self) -> dict[int, str]:
        """findCallFlow (004:1031): ``{cfId: cfName}``, the flow ids findTaskMx takes (cflId) and
        the names addTask takes (cflName)."""
        return self._transport.send(self.requests.call_flows())

    def blacklist_add(self, phones: Sequence[str]) -> None:
        """addBlacklists (004:516)."""
        return self._transport.send(self.requests.blacklist_add(phones))

    def blacklist_delete(self, phones: Sequence[str]) -> None:
        """delBlacklists (004:529)."""
        return self._transport.send(self.requests.blacklist_delete(phones))

    def blacklist(self) -> list[str]:
        """getBlacklists (004:544)."""
        return self._transport.send(self.requests.blacklist())

    def call_records(self, *, start: int = 0, limit: int = 20, extension: str | None = None,
                     phone: str | None = None, start_time: str | None = None, end_time: str | None = None,
                     peer: int | None = None) -> tuple[int, list[dict[str, Any]]]:
        """findDialrecord (004:601): (recordTotal, rows) with cdrId and cdrRecordFile."""
        return self._transport.send(self.requests.call_records(
            start=start, limit=limit, extension=extension, phone=phone, start_time=start_time, end_time=end_time,
            peer=peer))

    def iter_call_records(self, page: int = 100, *, extension: str | None = None, phone: str | None = None,
                          start_time: str | None = None, end_time: str | None = None,
                          peer: int | None = None) -> Iterator[dict[str, Any]]:
        """Every call record matching the filters, *page* at a time."""
        start: int | None = 0
        while start is not None:
            total, rows = self.call_records(start=start, limit=page, extension=extension, phone=phone,
                                            start_time=start_time, end_time=end_time, peer=peer)
            yield from rows
            start = next_page_start(start, rows, total)

    def download_record(self, dest: str | Path, *, record_file: str | None = None, cdr_id: str | None = None,
                        mp3: bool = False) -> Path:
        """The recording as WAV (by cdrRecordFile) or MP3 (by cdrId, ``ismp3=1``)."""
        return self._transport.send(self.requests.download_record(dest, record_file=record_file, cdr_id=cdr_id,
                                                                  mp3=mp3))


class AsyncBabaihuClient(_BabaihuSettings, AsyncClient):
    """Asynchronous 八百呼 client (same methods, awaited)."""

    async def add_task(self, name: str, records: Sequence[TaskRecord], *, add_type: int = 1,
                       flow_name: str | None = None, send_time: str | None = None, repeat_send: int | None = None,
                       send_interval: int | None = None, allot_exte: str | None = None,
                       attri_exte: str | None = None, work_order: str | None = None) -> str:
        """Awaitable :meth:`BabaihuClient.add_task`."""
        return await self._transport.send(self.requests.add_task(
            name, records, add_type=add_type, flow_name=flow_name, send_time=send_time, repeat_send=repeat_send,
            send_interval=send_interval, allot_exte=allot_exte, attri_exte=attri_exte, work_order=work_order))

    async def task_detail(self, flow_id: str | int, *, task_id: str | int | None = None, type: int = 0,
                          start: int = 0, limit: int = 25) -> tuple[int, list[dict[str, Any]]]:
        """Awaitable :meth:`BabaihuClient.task_detail`."""
        return await self._transport.send(self.requests.task_detail(flow_id, task_id=task_id, type=type,
                                                                    start=start, limit=limit))

    async def call_flows(self) -> dict[int, str]:
        """Awaitable :meth:`BabaihuClient.call_flows`."""
        return await self._transport.send(self.requests.call_flows())

    async def blacklist_add(self, phones: Sequence[str]) -> None:
        """Awaitable :meth:`BabaihuClient.blacklist_add`."""
        return await self._transport.send(self.requests.blacklist_add(phones))

    async def blacklist_delete(self, phones: Sequence[str]) -> None:
        """Awaitable :meth:`BabaihuClient.blacklist_delete`."""
        return await self._transport.send(self.requests.blacklist_delete(phones))

    async def blacklist(self) -> list[str]:
        """Awaitable :meth:`BabaihuClient.blacklist`."""
        return await self._transport.send(self.requests.blacklist())

    async def call_records(self, *, start: int = 0, limit: int = 20, extension: str | None = None,
                           phone: str | None = None, start_time: str | None = None, end_time: str | None = None,
                           peer: int | None = None) -> tuple[int, list[dict[str, Any]]]:
        """Awaitable :meth:`BabaihuClient.call_records`."""
        return await self._transport.send(self.requests.call_records(
            start=start, limit=limit, extension=extension, phone=phone, start_time=start_time, end_time=end_time,
            peer=peer))

    async def iter_call_records(self, page: int = 100, *, extension: str | None = None, phone: str | None = None,
                                start_time: str | None = None, end_time: str | None = None,
                                peer: int | None = None) -> AsyncIterator[dict[str, Any]]:
        """Every call record matching the filters (an async iterator), *page* at a time."""
        start: int | None = 0
        while start is not None:
            total, rows = await self.call_records(start=start, limit=page, extension=extension, phone=phone,
                                                  start_time=start_time, end_time=end_time, peer=peer)
            for row in rows:
                yield row
            start = next_page_start(start, rows, total)

    async def download_record(self, dest: str | Path, *, record_file: str | None = None, cdr_id: str | None = None,
                              mp3: bool = False) -> Path:
        """Awaitable :meth:`BabaihuClient.download_record`."""
        return await self._transport.send(self.requests.download_record(dest, record_file=record_file,
                                                                        cdr_id=cdr_id, mp3=mp3))
