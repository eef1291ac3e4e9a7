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
once from the first key). A listing call is retried with the sync's :class:`RetryPolicy`, each
retry and wait logged on ``callcore.pipelines`` with its reason and length.

Each source owns its platform's settings as a typed options class (:class:`HuaweiSyncOptions`,
:class:`ScccSyncOptions`, :class:`BabaihuSyncOptions`, :class:`Hl95SyncOptions`), given as
``SyncOptions.platform_options``; the generic settings (endpoint, credentials, period, folder,
workers, retry, HTTP options) stay on :class:`~callcore.pipelines.recordings.SyncOptions`.
Another platform's options class is refused with the platform it belongs to.

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

import logging
import time
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, Callable, ClassVar, Iterable, Iterator, Literal, Protocol, TypeVar, Union, get_args

from callcore.audio._types import Source
from callcore.platforms.errors import PlatformError, ProtocolError
from callcore.platforms.retry import RetryPolicy

from .retrying import retry_call

log = logging.getLogger("callcore.pipelines")

FMT = "%Y-%m-%d %H:%M:%S"

#: The encodings a deployment can record in, by the ``source`` names of :mod:`callcore.audio`:
#: headerless data (Huawei's ``.V3``) carries no rate or codec, so the sync must be told.
#: ``vox6k`` = 24K VOX (recordFormat 1), ``vox8k`` = 32K VOX (2), ``alaw`` = 64K A-law (3)
#: (001:64386); ``auto`` tells A-law from VOX by content and takes VOX at 8 kHz.
#: One owner: the list is :data:`callcore.audio.Source`, the transcoder's ``source`` option.
RecordingFormat = Source
RECORDING_FORMATS: tuple[RecordingFormat, ...] = get_args(Source)
#: other spellings accepted for them: the seed's labels and Huawei's recordFormat numbers
RECORDING_FORMAT_ALIASES = {
    "vox24k": "vox6k", "24kvox": "vox6k", "1": "vox6k",
    "vox32k": "vox8k", "32kvox": "vox8k", "2": "vox8k",
    "alaw64k": "alaw", "64kalaw": "alaw", "3": "alaw",
    "mulaw": "ulaw", "0": "auto",
}


def recording_format(name: str | None, platform_default: str = "auto") -> RecordingFormat:
    """A recording format name (or alias, or None for the platform's default) -> one of
    :data:`RECORDING_FORMATS`; anything else is a ``ValueError`` naming the value."""
    if name is None or str(name).strip() == "":
        name = platform_default
    key = str(name).strip().lower().replace("-", "").replace("_", "")
    key = RECORDING_FORMAT_ALIASES.get(key, key)
    if key not in RECORDING_FORMATS:
        raise ValueError(f"recording format {name!r}: expected one of {', '.join(RECORDING_FORMATS)} "
                         "(or vox24k, vox32k, alaw64k, or Huawei recordFormat 1, 2, 3)")
    return next(known for known in RECORDING_FORMATS if known == key)


HuaweiRoute = Literal["auto", "file", "original", "call"]
HUAWEI_ROUTES: tuple[HuaweiRoute, ...] = ("auto", "file", "original", "call")


@dataclass(frozen=True)
class HuaweiSyncOptions:
    """Huawei's settings of a recording sync. ``vdn_id``: the VDN the bills are asked for;
    ``callback_url``: queryBillData's callBackURL (the bill file name is derived from the
    responseId, so nothing needs to listen there); ``ccfs_url``: the CC-FS base URL when it is
    not the endpoint; ``bill_wait``: seconds to wait for a bill file to be generated; ``route``:
    how a recording is downloaded (see :class:`HuaweiSource`)."""

    platform: ClassVar[str] = "huawei"
    vdn_id: int = 1
    callback_url: str = "http://127.0.0.1:9/callcore-bill-callback"
    ccfs_url: str | None = None
    bill_wait: float = 120.0
    route: HuaweiRoute = "auto"

    def __post_init__(self) -> None:
        if self.route not in HUAWEI_ROUTES:
            raise ValueError(f"huawei route {self.route!r}: expected auto, file, original or call")


@dataclass(frozen=True)
class ScccSyncOptions:
    """SCCC's settings of a recording sync: the API version in the URL, and the recording file
    server (``http://ip:port``, 003:2816) when it is not the endpoint."""

    platform: ClassVar[str] = "sccc"
    api_version: str = "V2.0.4"
    files_url: str | None = None


@dataclass(frozen=True)
class BabaihuSyncOptions:
    """八百呼's settings of a recording sync: ``platform_mp3`` fetches the platform's own MP3
    (``ismp3=1``, 004:650) instead of its WAV; ``page_size`` rows per findDialrecord page."""

    platform: ClassVar[str] = "babaihu"
    platform_mp3: bool = False
    page_size: int = 100


@dataclass(frozen=True)
class Hl95SyncOptions:
    """九五's settings of a recording sync: the OAuth ``scope`` (None: the platform's) and
    ``page_size`` rows per listing page."""

    platform: ClassVar[str] = "hl95"
    scope: str | None = None
    page_size: int = 100


#: one platform's own settings of a recording sync
PlatformSyncOptions = Union[HuaweiSyncOptions, ScccSyncOptions, BabaihuSyncOptions, Hl95SyncOptions]
_PlatformOptionsT = TypeVar("_PlatformOptionsT", HuaweiSyncOptions, ScccSyncOptions, BabaihuSyncOptions,
                            Hl95SyncOptions)


def check_platform_options(platform: str, given: PlatformSyncOptions | None) -> None:
    """Refuses another platform's options class, naming the platform it belongs to."""
    if given is not None and given.platform != platform:
        raise ValueError(f"platform_options: {type(given).__name__} holds {given.platform}'s settings, "
                         f"but the sync's platform is {platform}")


def _own_options(sync: Any, options_type: type[_PlatformOptionsT]) -> _PlatformOptionsT:
    """The sync's ``platform_options`` when they are *options_type*, its defaults when none
    were given; another platform's options are a ``ValueError``."""
    given = getattr(sync, "platform_options", None)
    if given is None:
        return options_type()
    if not isinstance(given, options_type):
        check_platform_options(options_type.platform, given)
        raise ValueError(f"platform_options: expected {options_type.__name__}, got {type(given).__name__}")
    return given


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
    """The per-platform adapter of a recording sync (see the module docs). A custom source may
    also carry ``recording_format`` (its deployment's encoding); the built-in ones take theirs
    from the platform registry (``PlatformSpec.recording_format``)."""

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
    (13.2.1.5; a zip when the call has several). :attr:`HuaweiSyncOptions.route` picks another
    way: ``file`` (downloadRecordFile by ``file_name`` only), ``original`` (downloadRecord by
    ``original_file_name``: the raw ``.V3``, in the deployment's encoding) or ``call``
    (downloadRecord by ``callId``: "callId 对应多个录音文件会下载 zip 压缩包", 001:65619; the
    recording is then the zip member named like its ``original_file_name``)."""

    platform = "huawei"
    options_type = HuaweiSyncOptions
    max_window: timedelta | None = timedelta(days=3)
    # the .V3 encoding is the deployment's choice (001:64386: "一套环境中，只能使用一种录音格式") and
    # the downloads carry no header: give it with --recording-format; the registry's default
    # (PlatformSpec.recording_format, auto) guesses (VOX at 8 kHz)

    def __init__(self, sync: Any, state_dir: Path) -> None:
        from callcore.platforms.huawei import HuaweiClient

        self.options = _own_options(sync, HuaweiSyncOptions)
        self.retry: RetryPolicy = sync.retry
        self.state_dir = state_dir
        client_kw: dict[str, Any] = {"vdn_id": self.options.vdn_id}
        if self.options.ccfs_url:
            client_kw["ccfs_url"] = self.options.ccfs_url
        if sync.http_options is not None:
            client_kw["options"] = sync.http_options
        self.client = HuaweiClient(sync.endpoint, sync.access_key, sync.secret_key, **client_kw)

    def _bill_file(self, name: str, bills: Path) -> Path:
        """Downloads bill file *name* into *bills*, waiting up to ``bill_wait`` seconds while the
        platform has not generated it yet (a retryable error); each wait is logged."""
        deadline = time.monotonic() + self.options.bill_wait
        attempt = 0
        while True:
            try:
                return Path(retry_call(self.client.download_bill_file, name, bills / name, policy=self.retry,
                                         what=f"huawei downloadBillFile {name}"))
            except PlatformError as err:
                left = deadline - time.monotonic()
                if not err.retryable or left <= 0:
                    raise
                attempt += 1
                wait = min(self.retry.delay(err, attempt), left)
                log.info("huawei bill file %s not ready (%s: %s); waiting %.1f s more (%.0f s left of bill_wait)",
                         name, type(err).__name__, err, wait, left)
                self.retry.sleep(wait)

    def list_window(self, begin: str, end: str, note: Callable[[str, str], None]) -> list[RemoteRecording]:
        from callcore.platforms.huawei import bill_file_name, read_bill_index

        response_id = retry_call(self.client.query_bill_data, begin, end, self.options.callback_url,
                                   policy=self.retry, what="huawei queryBillData")
        name = bill_file_name(response_id)
        note(response_id, name)
        bills = self.state_dir / "bills"
        bills.mkdir(parents=True, exist_ok=True)
        path = self._bill_file(name, bills)
        index = read_bill_index(path)
        calls = {row.get("call_id", ""): row for row in index.calls}
        self.calls = len(calls)
        found = []
        for row in index.records:
            key = row.file_name or row.original_file_name
            if not key:
                continue
            found.append(RemoteRecording(
                key=key, call_id=row.call_id, agent=row.agent_id or calls.get(row.call_id, {}).get("agent_id", ""),
                caller=row.caller_no, callee=row.callee_no, begin=row.call_begin, end=row.call_end,
                seconds=_secs(row.call_begin, row.call_end), remote_file=row.file_name,
                remote_original=row.original_file_name, local_name=row.original_file_name or row.file_name))
        try:
            path.unlink()
        except OSError:
            pass
        return found

    def _route(self, rec: RemoteRecording) -> str:
        route = self.options.route
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
    ``http://ip:port/<filename>`` (003:2816; :attr:`ScccSyncOptions.files_url` when the file
    server is not the API host). The listing has no call id: ``call_id`` holds the record ``key``
    (录音 ID)."""

    platform = "sccc"
    options_type = ScccSyncOptions
    max_window: timedelta | None = None
    # 003:2816 names no codec: a WAV/MP3 header, when there is one, says what it is

    def __init__(self, sync: Any, state_dir: Path) -> None:
        from callcore.platforms.sccc import ScccClient

        self.options = _own_options(sync, ScccSyncOptions)
        self.retry: RetryPolicy = sync.retry
        client_kw: dict[str, Any] = {"version": self.options.api_version}
        if sync.http_options is not None:
            client_kw["options"] = sync.http_options
        self.client = ScccClient(sync.endpoint, sync.access_key, sync.secret_key, **client_kw)
        self.files = (ScccClient(self.options.files_url, sync.access_key, sync.secret_key, **client_kw)
                      if self.options.files_url else self.client)

    def list_window(self, begin: str, end: str, note: Callable[[str, str], None]) -> Iterator[RemoteRecording]:
        lo = datetime.strptime(begin, FMT).timestamp()
        hi = datetime.strptime(end, FMT).timestamp()
        start = 0
        while True:
            page = retry_call(self.client.records, start, policy=self.retry, what=f"sccc getRecordsList from {start}")
            if not page:
                return
            for row in page:
                if not row.filename or not lo <= row.startTime <= hi:
                    continue
                began = datetime.fromtimestamp(row.startTime)
                yield RemoteRecording(
                    key=row.key, call_id=row.key, agent=row.agent, caller=row.caller, callee=row.callee,
                    begin=began.strftime(FMT), end=(began + timedelta(seconds=row.duration)).strftime(FMT),
                    seconds=float(row.duration), remote_file=row.filename)
            numeric_keys = [int(row.key) for row in page if str(row.key).isdigit()]
            next_start = max(numeric_keys) if numeric_keys else start
            if next_start <= start:
                raise ProtocolError(f"sccc getRecordsList: keys do not grow past {start}; cannot page on",
                                    platform="sccc", endpoint="getRecordsList")
            start = next_start

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
    ``/voip/record/{cdrRecordFile}``, or, with :attr:`BabaihuSyncOptions.platform_mp3`, the
    platform's own MP3 at ``/voip/api/client/download/record.json?id={cdrId}&ismp3=1``
    (004:650-652). caller/callee: the listing gives only the customer's number (``cdrPhoneNum``)
    and the extension; the other side's number is left empty."""

    platform = "babaihu"
    options_type = BabaihuSyncOptions
    max_window: timedelta | None = timedelta(days=1)
    # WAV or MP3 (004:646-652): a header says what it is

    def __init__(self, sync: Any, state_dir: Path) -> None:
        from callcore.platforms.babaihu import BabaihuClient

        self.options = _own_options(sync, BabaihuSyncOptions)
        self.retry: RetryPolicy = sync.retry
        client_kw: dict[str, Any] = {}
        if sync.http_options is not None:
            client_kw["options"] = sync.http_options
        self.client = BabaihuClient(sync.endpoint, sync.access_key, sync.secret_key, **client_kw)

    def list_window(self, begin: str, end: str, note: Callable[[str, str], None]) -> Iterator[RemoteRecording]:
        start = 0
        while True:
            total, rows = retry_call(self.client.call_records, start=start, limit=self.options.page_size,
                                       start_time=begin, end_time=end, policy=self.retry,
                                       what=f"babaihu findDialrecord from {start}")
            for row in rows:
                record_file = _show(row.get("cdrRecordFile")).strip()
                began = _show(row.get("cdrStartTime"))[:19]
                if not record_file or not begin <= began <= end:
                    continue
                phone = _show(row.get("cdrPhoneNum"))
                inbound = _show(row.get("cdrPeer")) in ("2", "5")  # 呼入, 语音留言 (004:897)
                yield RemoteRecording(key=_show(row.get("cdrId")) or record_file, call_id=_show(row.get("cdrId")),
                                      agent=_show(row.get("cdrExtension")), caller=phone if inbound else "",
                                      callee="" if inbound else phone, begin=began,
                                      end=_show(row.get("cdrHangupTime"))[:19], seconds=_num(row.get("cdrTalktime")),
                                      remote_file=record_file)
            start += len(rows)
            if not rows or start >= total:
                return

    def source_name(self, rec: RemoteRecording) -> tuple[str, str | None]:
        return rec.remote_file, ".mp3" if self.options.platform_mp3 else None

    def download(self, rec: RemoteRecording, dest: Path) -> Path:
        return Path(self.client.download_record(dest, record_file=rec.remote_file, cdr_id=rec.call_id or None,
                                                mp3=self.options.platform_mp3))

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
    options_type = Hl95SyncOptions
    max_window: timedelta | None = timedelta(days=1)
    # 000:2896 names no codec: a WAV/MP3 header, when there is one, says what it is

    def __init__(self, sync: Any, state_dir: Path) -> None:
        from callcore.platforms.hl95 import Hl95Client

        self.options = _own_options(sync, Hl95SyncOptions)
        self.retry: RetryPolicy = sync.retry
        client_kw: dict[str, Any] = {}
        if sync.http_options is not None:
            client_kw["options"] = sync.http_options
        if self.options.scope:
            client_kw["scope"] = self.options.scope
        self.client = Hl95Client(sync.endpoint, sync.access_key, sync.secret_key, **client_kw)

    @staticmethod
    def _compact_time(text: str) -> str:
        """``YYYY-MM-DD HH:MM:SS`` -> the listing's ``yyyyMMddHHmmss``."""
        return datetime.strptime(text, FMT).strftime("%Y%m%d%H%M%S")

    def _pages(self, fn: Callable[..., Any], begin: str, end: str) -> Iterator[dict[str, Any]]:
        page, seen = 1, 0
        while True:
            data = retry_call(fn, current_page=page, page_size=self.options.page_size,
                                start_from=self._compact_time(begin), start_end=self._compact_time(end),
                                policy=self.retry, what=f"hl95 {getattr(fn, '__name__', 'listing')} page {page}") or {}
            rows = list(data.get("pageData") or [])
            yield from rows
            seen += len(rows)
            page += 1
            if not rows or seen >= int(data.get("total") or 0):
                return

    def list_window(self, begin: str, end: str, note: Callable[[str, str], None]) -> Iterator[RemoteRecording]:
        call_ids = {_show(h.get("filename")): _show(h.get("callId"))
                    for h in self._pages(self.client.call_history, begin, end) if h.get("filename")}
        for row in self._pages(self.client.recordings, begin, end):
            filename = _show(row.get("filename")).strip()
            began = _show(row.get("cStartTime"))[:19]
            if not filename or not begin <= began <= end:
                continue
            talk = _num(row.get("talksec"))
            ended = _show(row.get("endTime"))[:19]
            if not ended and talk is not None:
                ended = (datetime.strptime(began, FMT) + timedelta(seconds=talk)).strftime(FMT)
            customer = _show(row.get("customer"))
            inbound = _show(row.get("callType")) == "2"
            yield RemoteRecording(key=_show(row.get("id")) or filename, call_id=call_ids.get(filename, ""),
                                  agent=_show(row.get("agent")), caller=customer if inbound else "",
                                  callee="" if inbound else customer, begin=began, end=ended, seconds=talk,
                                  remote_file=filename)

    def source_name(self, rec: RemoteRecording) -> tuple[str, str | None]:
        return rec.remote_file, None

    def download(self, rec: RemoteRecording, dest: Path) -> Path:
        return Path(self.client.download_recording(rec.remote_file, dest))

    def close(self) -> None:
        self.client.close()


def sync_platforms() -> tuple[str, ...]:
    """The registered platforms that have a recording source (:mod:`callcore.platforms.registry`):
    the choices of ``recordings sync --platform``."""
    from callcore.platforms import registry

    return tuple(name for name in registry.names() if registry.get(name).recording_source)


def source_type(platform: str) -> Any:
    """The recording source class of *platform*, as its registry entry names it."""
    from callcore.platforms import registry

    if platform not in sync_platforms():
        raise ValueError(f"platform {platform!r}: expected one of {', '.join(sync_platforms())}")
    return registry.load(registry.get(platform).recording_source or "")


def default_recording_format(platform: str) -> str:
    """The deployment's recording encoding when the sync is not told one: the registry entry's
    (``auto`` for a platform the registry does not know, e.g. a custom source's)."""
    from callcore.platforms import registry

    return registry.get(platform).recording_format if platform in registry.names() else "auto"


def make_source(sync: Any, state_dir: Path) -> RecordingSource:
    """The adapter for ``sync.platform`` (or ``sync.source`` itself when given)."""
    if sync.source is not None:
        return sync.source
    return source_type(sync.platform)(sync, state_dir)
