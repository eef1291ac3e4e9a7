"""The per-platform part of ``callcore recordings sync``: one small adapter per platform.

A :class:`RecordingSource` does three things, everything else (state, resumption, bounded
concurrent downloads with retries, safe local names, zips, transcoding, manifest) is the
pipeline's (:mod:`callcore.pipelines.recordings`):

* :meth:`~RecordingSource.list_window`: the recordings of the calls that started in a window
  ``[begin, end]`` (both ``YYYY-MM-DD HH:MM:SS``, inclusive, local time), as
  :class:`RemoteRecording` rows, paging through the platform's listing APIs;
* :meth:`~RecordingSource.source_name`: the remote path (and forced suffix) the downloaded file
  is named by under the state folder;
* :meth:`~RecordingSource.download`: one recording to a path, atomically (the clients write a
  temporary file and rename it into place); raises :class:`~callcore.platforms.errors.PlatformError`,
  whose ``retryable`` tells the pipeline whether to try again.

``max_window`` cuts long periods into windows (Huawei: 3 days, 0300014; 八百呼 and 九五: one day,
so that a long sync resumes by the day; SCCC: none, its listing has no time filter and is read
once from the first key). A listing call is retried with the sync's :class:`RetryPolicy`.

What each platform's listing gives (the manifest's columns a listing lacks stay empty):

* huawei: call_id, agent, caller_no, callee_no, call_begin, call_end from the index; every field.
* sccc: ``key`` (录音 ID), ``agent``, ``caller``, ``callee``, ``startTime`` (epoch s) and
  ``duration``; there is no call id, so ``call_id`` holds the record ``key``; ``end`` is
  ``startTime + duration``.
* babaihu: ``cdrId`` (call_id), ``cdrExtension`` (agent), ``cdrPhoneNum`` (the customer: caller
  when cdrPeer is 2 呼入 or 5 语音留言, else callee: 1 呼出, 3 外呼呼出, 4 外呼接听, 004:897; the
  other side's number is not listed and stays empty), ``cdrStartTime``, ``cdrHangupTime``, ``cdrTalktime`` (duration).
* hl95: ``agent``, ``customer`` (caller when callType is 2 客户呼入, else callee; the other side
  stays empty), ``cStartTime``, ``endTime`` (else start + ``talksec``), ``talksec``; the recording
  list has no call id, so ``call_id`` is the ``callId`` of the call-history row with the same
  ``filename`` (empty when there is none).
"""
from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, Callable, Iterable, Iterator, Protocol

from callcore.platforms.errors import PlatformError, ProtocolError

from .retrying import retry_call

FMT = "%Y-%m-%d %H:%M:%S"
PLATFORMS = ("huawei", "sccc", "babaihu", "hl95")

#: The encodings a deployment can record in, by the ``source`` names of :mod:`callcore.audio`:
#: headerless data (Huawei's ``.V3``) carries no rate or codec, so the sync must be told.
#: ``vox6k`` = 24K VOX (recordFormat 1), ``vox8k`` = 32K VOX (2), ``alaw`` = 64K A-law (3)
#: (001:64386); ``auto`` tells A-law from VOX by content and takes VOX at 8 kHz.
RECORDING_FORMATS = ("auto", "alaw", "vox8k", "vox6k", "ulaw")
#: other spellings accepted for them: the seed's labels and Huawei's recordFormat numbers
RECORDING_FORMAT_ALIASES = {
    "vox24k": "vox6k", "24kvox": "vox6k", "1": "vox6k",
    "vox32k": "vox8k", "32kvox": "vox8k", "2": "vox8k",
    "alaw64k": "alaw", "64kalaw": "alaw", "3": "alaw",
    "mulaw": "ulaw", "0": "auto",
}


def recording_format(name: str | None, platform_default: str = "auto") -> str:
    """A recording format name (or alias, or None for the platform's default) -> one of
    :data:`RECORDING_FORMATS`; anything else is a ``ValueError`` naming the value."""
    if name is None or str(name).strip() == "":
        return platform_default
    key = str(name).strip().lower().replace("-", "").replace("_", "")
    key = RECORDING_FORMAT_ALIASES.get(key, key)
    if key not in RECORDING_FORMATS:
        raise ValueError(f"recording format {name!r}: expected one of {', '.join(RECORDING_FORMATS)} "
                         "(or vox24k, vox32k, alaw64k, or Huawei recordFormat 1, 2, 3)")
    return key


@dataclass
class RemoteRecording:
    """One recording as a platform lists it; ``key`` is unique per recording and stable across
    runs (the state's primary key). Empty strings where the listing has no such field."""

    key: str
    call_id: str = ""
    agent: str = ""
    caller: str = ""
    callee: str = ""
    begin: str = ""  # YYYY-MM-DD HH:MM:SS
    end: str = ""
    seconds: float | None = None
    remote_file: str = ""  # what the platform serves it by (manifest ``remote_file``)
    remote_original: str = ""  # Huawei's original .V3 path (manifest ``remote_original``)
    local_name: str = ""  # the remote path the local output path is built from

    @property
    def name(self) -> str:
        return self.local_name or self.remote_file or self.remote_original or self.key


class RecordingSource(Protocol):
    """The per-platform adapter of a recording sync (see the module docs)."""

    platform: str
    max_window: timedelta | None

    def list_window(self, begin: str, end: str, note: Callable[[str, str], None]) -> Iterable[RemoteRecording]:
        """The recordings of calls started in ``[begin, end]``; ``note(response_id, file)`` may
        journal an asynchronous job's handle (Huawei's queryBillData)."""

    def source_name(self, rec: RemoteRecording) -> tuple[str, str | None]:
        """(remote path to name the downloaded file by, suffix to force or None)."""

    def download(self, rec: RemoteRecording, dest: Path) -> Path:
        """Downloads one recording to ``dest`` (or a zip beside it); returns the written path."""

    def close(self) -> None:
        ...


def _secs(begin: str, end: str) -> float | None:
    try:
        return (datetime.strptime(end, FMT) - datetime.strptime(begin, FMT)).total_seconds()
    except ValueError:
        return None


def _num(v: Any) -> float | None:
    try:
        return float(v)
    except (TypeError, ValueError):
        return None


def _show(v: Any) -> str:
    return "" if v is None else str(v)


# ------------------------------------------------------------------------------------------ huawei
class HuaweiSource:
    """Huawei CEC CC-FS: per window (<= 3 days, 0300014) queryBillData (13.2.1.2), then
    downloadBillFile (13.2.1.3), retried while the file is not generated yet; the index CSVs are
    read by column name (:func:`callcore.platforms.huawei.read_bill_index`). A recording is
    downloaded by the index's ``file_name`` (13.2.1.4, ``.wav``), else by ``original_file_name``
    (13.2.1.5; a zip when the call has several). ``huawei_route`` picks another way: ``file``
    (downloadRecordFile by ``file_name`` only), ``original`` (downloadRecord by
    ``original_file_name``: the raw ``.V3``, in the deployment's encoding) or ``call``
    (downloadRecord by ``callId``: "callId 对应多个录音文件会下载 zip 压缩包", 001:65619; the
    recording is then the zip member named like its ``original_file_name``)."""

    platform = "huawei"
    max_window: timedelta | None = timedelta(days=3)
    # the .V3 encoding is the deployment's choice (001:64386: "一套环境中，只能使用一种录音格式") and
    # the downloads carry no header: give it with --recording-format; auto guesses (VOX at 8 kHz)
    recording_format = "auto"

    def __init__(self, o: Any, state_dir: Path) -> None:
        from callcore.platforms.huawei import HuaweiClient

        self.o = o
        self.state_dir = state_dir
        kw: dict[str, Any] = {"vdn_id": o.vdn_id}
        if o.ccfs_url:
            kw["ccfs_url"] = o.ccfs_url
        if o.http_options is not None:
            kw["options"] = o.http_options
        self.client = HuaweiClient(o.endpoint, o.access_key, o.secret_key, **kw)

    def list_window(self, begin: str, end: str, note: Callable[[str, str], None]) -> list[RemoteRecording]:
        from callcore.platforms.huawei import bill_file_name, read_bill_index

        c = self.client
        rid = retry_call(c.query_bill_data, begin, end, self.o.callback_url, policy=self.o.retry)
        name = bill_file_name(rid)
        note(rid, name)
        bills = self.state_dir / "bills"
        bills.mkdir(parents=True, exist_ok=True)
        deadline = time.monotonic() + self.o.bill_wait
        while True:
            try:
                path = retry_call(c.download_bill_file, name, bills / name, policy=self.o.retry)
                break
            except PlatformError as err:
                if not err.retryable or time.monotonic() > deadline:
                    raise
                time.sleep(1.0)
        idx = read_bill_index(path)
        calls = {r.get("call_id", ""): r for r in idx.calls}
        self.calls = len(calls)
        out = []
        for r in idx.records:
            key = r.file_name or r.original_file_name
            if not key:
                continue
            out.append(RemoteRecording(
                key=key, call_id=r.call_id, agent=r.agent_id or calls.get(r.call_id, {}).get("agent_id", ""),
                caller=r.caller_no, callee=r.callee_no, begin=r.call_begin, end=r.call_end,
                seconds=_secs(r.call_begin, r.call_end), remote_file=r.file_name, remote_original=r.original_file_name,
                local_name=r.original_file_name or r.file_name))
        try:
            path.unlink()
        except OSError:
            pass
        return out

    def _route(self, rec: RemoteRecording) -> str:
        route = getattr(self.o, "huawei_route", "auto") or "auto"
        if route == "auto":
            return "file" if rec.remote_file else "original"
        if route == "call" and not rec.call_id:
            return "original"
        return route

    def source_name(self, rec: RemoteRecording) -> tuple[str, str | None]:
        route = self._route(rec)
        if route == "file":
            return rec.remote_file, ".wav"
        return rec.remote_original or rec.remote_file, None

    def download(self, rec: RemoteRecording, dest: Path) -> Path:
        route = self._route(rec)
        if route == "file":
            if not rec.remote_file:
                raise PlatformError(f"huawei: recording {rec.key}: the index gives no file_name for the file route",
                                    platform="huawei")
            return Path(self.client.download_record_file(rec.remote_file, dest))
        if route == "call":
            return Path(self.client.download_record(dest, call_id=rec.call_id))
        if not rec.remote_original:
            raise PlatformError(f"huawei: recording {rec.key}: the index gives no original_file_name for the "
                                "original route", platform="huawei")
        return Path(self.client.download_record(dest, file_name=rec.remote_original))

    def close(self) -> None:
        self.client.close()


# ------------------------------------------------------------------------------------------ sccc
class ScccSource:
    """SCCC (seed 003): getRecordsList (003:2668) pages by the largest ``key`` (<= 500 a call,
    003:2808) and has no time filter, so the whole list is read once from key 0 and filtered by
    ``startTime`` (epoch seconds, compared in local time); files are fetched from
    ``http://ip:port/<filename>`` (003:2816; ``files_url`` when the file server is not the API
    host). The listing has no call id: ``call_id`` holds the record ``key`` (录音 ID)."""

    platform = "sccc"
    max_window: timedelta | None = None
    recording_format = "auto"  # 003:2816 names no codec; a WAV/MP3 header, when there is one, says what it is

    def __init__(self, o: Any, state_dir: Path) -> None:
        from callcore.platforms.sccc import ScccClient

        self.o = o
        kw: dict[str, Any] = {"version": o.sccc_version}
        if o.http_options is not None:
            kw["options"] = o.http_options
        self.client = ScccClient(o.endpoint, o.access_key, o.secret_key, **kw)
        self.files = ScccClient(o.files_url, o.access_key, o.secret_key, **kw) if o.files_url else self.client

    def list_window(self, begin: str, end: str, note: Callable[[str, str], None]) -> Iterator[RemoteRecording]:
        lo = datetime.strptime(begin, FMT).timestamp()
        hi = datetime.strptime(end, FMT).timestamp()
        start = 0
        while True:
            page = retry_call(self.client.records, start, policy=self.o.retry)
            if not page:
                return
            for r in page:
                if not r.filename or not lo <= r.startTime <= hi:
                    continue
                b = datetime.fromtimestamp(r.startTime)
                yield RemoteRecording(
                    key=r.key, call_id=r.key, agent=r.agent, caller=r.caller, callee=r.callee, begin=b.strftime(FMT),
                    end=(b + timedelta(seconds=r.duration)).strftime(FMT), seconds=float(r.duration),
                    remote_file=r.filename)
            nxt = max(int(r.key) for r in page if str(r.key).isdigit()) if any(
                str(r.key).isdigit() for r in page) else start
            if nxt <= start:
                raise ProtocolError(f"sccc getRecordsList: keys do not grow past {start}; cannot page on",
                                    platform="sccc", endpoint="getRecordsList")
            start = nxt

    def source_name(self, rec: RemoteRecording) -> tuple[str, str | None]:
        return rec.remote_file, None

    def download(self, rec: RemoteRecording, dest: Path) -> Path:
        return Path(self.files.download_recording(rec.remote_file, dest))

    def close(self) -> None:
        self.client.close()
        if self.files is not self.client:
            self.files.close()


# ------------------------------------------------------------------------------------------ babaihu
class BabaihuSource:
    """八百呼 (seed 004): findDialrecord (004:601) by ``startTime``/``endTime``, paged with
    ``start``/``limit``; rows without ``cdrRecordFile`` have no recording. The WAV is fetched at
    ``/voip/record/{cdrRecordFile}``, or, with ``platform_mp3``, the platform's own MP3 at
    ``/voip/api/client/download/record.json?id={cdrId}&ismp3=1`` (004:650-652). caller/callee:
    the listing gives only the customer's number (``cdrPhoneNum``) and the extension; the
    other side's number is left empty."""

    platform = "babaihu"
    max_window: timedelta | None = timedelta(days=1)
    recording_format = "auto"  # WAV or MP3 (004:646-652): a header says what it is

    def __init__(self, o: Any, state_dir: Path) -> None:
        from callcore.platforms.babaihu import BabaihuClient

        self.o = o
        kw: dict[str, Any] = {}
        if o.http_options is not None:
            kw["options"] = o.http_options
        self.client = BabaihuClient(o.endpoint, o.access_key, o.secret_key, **kw)

    def list_window(self, begin: str, end: str, note: Callable[[str, str], None]) -> Iterator[RemoteRecording]:
        start = 0
        while True:
            total, rows = retry_call(self.client.call_records, start=start, limit=self.o.page_size, start_time=begin,
                                     end_time=end, policy=self.o.retry)
            for r in rows:
                f = _show(r.get("cdrRecordFile")).strip()
                b = _show(r.get("cdrStartTime"))[:19]
                if not f or not begin <= b <= end:
                    continue
                cid = _show(r.get("cdrId")) or f
                phone = _show(r.get("cdrPhoneNum"))
                inbound = _show(r.get("cdrPeer")) in ("2", "5")  # 呼入, 语音留言 (004:897)
                talk = _num(r.get("cdrTalktime"))
                yield RemoteRecording(key=cid, call_id=_show(r.get("cdrId")), agent=_show(r.get("cdrExtension")),
                                      caller=phone if inbound else "", callee="" if inbound else phone, begin=b,
                                      end=_show(r.get("cdrHangupTime"))[:19], seconds=talk, remote_file=f)
            start += len(rows)
            if not rows or start >= total:
                return

    def source_name(self, rec: RemoteRecording) -> tuple[str, str | None]:
        return rec.remote_file, ".mp3" if self.o.platform_mp3 else None

    def download(self, rec: RemoteRecording, dest: Path) -> Path:
        return Path(self.client.download_record(dest, record_file=rec.remote_file, cdr_id=rec.call_id or None,
                                                mp3=self.o.platform_mp3))

    def close(self) -> None:
        self.client.close()


# ------------------------------------------------------------------------------------------ hl95
class Hl95Source:
    """九五云客服 (seed 000): 录音-分页查询 ``/record/pageSearch4Record`` (000:2818) by
    ``cStartTimeFrom``/``cStartTimeEnd`` (``yyyyMMddHHmmss``), paged with ``currentPage`` /
    ``pageSize``; 录音-下载 ``/record/recordDownload?path=`` (000:2896). The recording list has no
    call id: the call history (``/callHistory/pageSearchCallHistory``, 000:2423) of the same
    window is read too and its ``callId`` joined by ``filename``."""

    platform = "hl95"
    max_window: timedelta | None = timedelta(days=1)
    recording_format = "auto"  # 000:2896 names no codec; a WAV/MP3 header, when there is one, says what it is

    def __init__(self, o: Any, state_dir: Path) -> None:
        from callcore.platforms.hl95 import Hl95Client

        self.o = o
        kw: dict[str, Any] = {}
        if o.http_options is not None:
            kw["options"] = o.http_options
        if o.hl95_scope:
            kw["scope"] = o.hl95_scope
        self.client = Hl95Client(o.endpoint, o.access_key, o.secret_key, **kw)

    @staticmethod
    def _t(s: str) -> str:
        return datetime.strptime(s, FMT).strftime("%Y%m%d%H%M%S")

    def _pages(self, fn: Callable[..., Any], begin: str, end: str) -> Iterator[dict[str, Any]]:
        page, seen = 1, 0
        while True:
            data = retry_call(fn, current_page=page, page_size=self.o.page_size, start_from=self._t(begin),
                              start_end=self._t(end), policy=self.o.retry) or {}
            rows = list(data.get("pageData") or [])
            yield from rows
            seen += len(rows)
            page += 1
            if not rows or seen >= int(data.get("total") or 0):
                return

    def list_window(self, begin: str, end: str, note: Callable[[str, str], None]) -> Iterator[RemoteRecording]:
        call_ids = {_show(h.get("filename")): _show(h.get("callId"))
                    for h in self._pages(self.client.call_history, begin, end) if h.get("filename")}
        for r in self._pages(self.client.recordings, begin, end):
            f = _show(r.get("filename")).strip()
            b = _show(r.get("cStartTime"))[:19]
            if not f or not begin <= b <= end:
                continue
            talk = _num(r.get("talksec"))
            e = _show(r.get("endTime"))[:19]
            if not e and talk is not None:
                e = (datetime.strptime(b, FMT) + timedelta(seconds=talk)).strftime(FMT)
            customer = _show(r.get("customer"))
            inbound = _show(r.get("callType")) == "2"
            yield RemoteRecording(key=_show(r.get("id")) or f, call_id=call_ids.get(f, ""), agent=_show(r.get("agent")),
                                  caller=customer if inbound else "", callee="" if inbound else customer, begin=b,
                                  end=e, seconds=talk, remote_file=f)

    def source_name(self, rec: RemoteRecording) -> tuple[str, str | None]:
        return rec.remote_file, None

    def download(self, rec: RemoteRecording, dest: Path) -> Path:
        return Path(self.client.download_recording(rec.remote_file, dest))

    def close(self) -> None:
        self.client.close()


SOURCES: dict[str, Any] = {"huawei": HuaweiSource, "sccc": ScccSource, "babaihu": BabaihuSource, "hl95": Hl95Source}


def make_source(options: Any, state_dir: Path) -> RecordingSource:
    """The adapter for ``options.platform`` (or ``options.source`` itself when given)."""
    if options.source is not None:
        return options.source
    try:
        cls = SOURCES[options.platform]
    except KeyError:
        raise ValueError(f"platform {options.platform!r}: expected one of {', '.join(PLATFORMS)}") from None
    return cls(options, state_dir)
