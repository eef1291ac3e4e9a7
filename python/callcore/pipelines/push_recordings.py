"""``recordings sync --from-pushes --store DIR``: sync exactly the recordings that pushes named.

A receiver queues every recording a push names (Huawei 7.6.1 ``recordPath`` and the release
callbacks' ``recordfile``, SCCC billing ``recordFile``, 八百呼 recording push ``cdrRecordFile``
and box uploads). :class:`PushSource` lists those instead of asking the platform's listing API,
and downloads each through the platform's own source (same client, same download call), so the
sync's state, manifest, retries, transcoding and resume are the ones of a listed sync.

A box upload (八百呼 ``upload_record``) is already in the store folder: it is copied, not fetched.
Recordings are selected by their call's start time within ``[begin, end]`` when the push gives
one, else by the time the push was received. Pushes keep coming for up to 40 minutes after a call
(Huawei: 6 deliveries, 10 minutes apart), so give ``--settle-minutes 60`` for a window that ends
close to now.
"""
from __future__ import annotations

import json
import os
import shutil
import time
from collections.abc import Callable, Iterator
from datetime import datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .recording_sources import FMT, RecordingSource, RemoteRecording, make_source

if TYPE_CHECKING:
    from .recordings import SyncOptions


def _epoch_text(v: Any) -> str:
    try:
        return datetime.fromtimestamp(int(v)).strftime(FMT)
    except (TypeError, ValueError, OverflowError, OSError):
        return ""


def _recording(platform: str, queued: dict[str, Any]) -> RemoteRecording:
    """A queued recording as the platform's source would have listed it."""
    fields = json.loads(queued["fields"])
    path = queued["path"]
    received = datetime.fromtimestamp(queued["received"]).strftime(FMT)
    if platform == "huawei":
        begin = str(fields.get("callTimeStr") or "")[:19]
        if queued["kind"] == "release":  # 2022/02/22,10:04:28:823 (001:17848)
            raw = str(fields.get("createCallTime") or "")
            try:
                begin = datetime.strptime(raw[:19], "%Y/%m/%d,%H:%M:%S").strftime(FMT)
            except ValueError:
                begin = ""
        # the .V3 original path: downloaded by 13.2.1.5 downloadRecord (a zip when a call has several)
        return RemoteRecording(key=f"huawei:{path}", call_id=str(queued["call_key"] or ""),
                               callee=str(fields.get("called") or ""), begin=begin or received, remote_original=path,
                               local_name=path)
    if platform == "sccc":
        return RemoteRecording(key=f"sccc:{path}", call_id=str(queued["call_key"] or ""),
                               agent=str(fields.get("agent") or ""), caller=str(fields.get("caller") or ""),
                               callee=str(fields.get("callee") or ""),
                               begin=str(fields.get("startTime") or "")[:19] or received,
                               end=str(fields.get("byeTime") or "")[:19], remote_file=path)
    if queued["kind"] == "upload":  # a box upload: the file is in the store folder
        began = _epoch_text(fields.get("start_time_secs"))
        return RemoteRecording(key=f"babaihu-upload:{fields.get('callid')}", call_id=str(fields.get("callid") or ""),
                               callee=str(fields.get("callid_dialed") or ""), begin=began or received,
                               end=_epoch_text(fields.get("start_time_hangup")), remote_file=path, local_name=path)
    memo = fields.get("memo") or {}
    return RemoteRecording(key=f"babaihu:{memo.get('cdrId') or path}", call_id=str(memo.get("cdrId") or ""),
                           agent=str(memo.get("cdrExtension") or ""), callee=str(memo.get("cdrPhoneNum") or ""),
                           begin=str(memo.get("cdrStartTime") or "")[:19] or received,
                           end=str(memo.get("cdrHangupTime") or "")[:19], remote_file=path)


class PushSource:
    """Lists the recordings queued in a receiver's store; downloads through ``inner`` (the
    platform's own :class:`RecordingSource`, made from the sync's options on first use)."""

    max_window: timedelta | None = None

    def __init__(self, platform: str, store: str | os.PathLike[str], inner: Callable[[], RecordingSource]) -> None:
        from callcore.receivers.store import STORE_FILE

        from callcore.platforms import registry

        if platform not in registry.names() or registry.get(platform).receiver is None:
            # hl95: seed 000 defines no pushes
            raise ValueError(f"--from-pushes: {platform} defines no pushes (no receiver in the platform registry): "
                             "use the listed sync")
        if not (Path(store) / STORE_FILE).is_file():
            raise FileNotFoundError(f"--store {store}: no {STORE_FILE} there (has a receiver stored anything?)")
        self.platform = platform
        self.store = Path(store)
        self._make_inner = inner
        self._inner: RecordingSource | None = None

    def inner(self) -> RecordingSource:
        if self._inner is None:
            self._inner = self._make_inner()
        return self._inner

    @property
    def client(self) -> Any:
        return getattr(self.inner(), "client", None)

    def list_window(self, begin: str, end: str, note: Callable[[str, str], None]) -> Iterator[RemoteRecording]:
        from callcore.receivers.store import EventStore

        store = EventStore(self.store)
        try:
            queued = store.queued_recordings(self.platform)
        finally:
            store.close()
        seen: set[str] = set()
        for entry in queued:
            rec = _recording(self.platform, entry)
            if rec.key in seen or not begin <= rec.begin <= end:
                continue
            seen.add(rec.key)
            yield rec

    def source_name(self, rec: RemoteRecording) -> tuple[str, str | None]:
        if rec.key.startswith("babaihu-upload:"):
            return rec.remote_file, None
        return self.inner().source_name(rec)

    def download(self, rec: RemoteRecording, dest: Path) -> Path:
        if rec.key.startswith("babaihu-upload:"):
            src = (self.store / rec.remote_file).resolve()
            if self.store.resolve() not in src.parents:
                raise ValueError(f"{rec.remote_file}: outside the store folder")
            dest.parent.mkdir(parents=True, exist_ok=True)
            tmp = dest.with_name(f".part-{dest.name}-{time.monotonic_ns()}")
            shutil.copyfile(src, tmp)
            os.replace(tmp, dest)
            return dest
        return self.inner().download(rec, dest)

    def close(self) -> None:
        if self._inner is not None:
            self._inner.close()


def use_pushes(options: SyncOptions, store: str | os.PathLike[str] | None) -> SyncOptions:
    """``options`` with its source set to the recordings queued in ``store`` for
    ``options.platform``; each is downloaded by the platform's own source, made from ``options``
    (its ``platform_options`` included)."""
    from dataclasses import replace

    from .recordings import STATE_DIR

    if not store:
        raise ValueError("--from-pushes: give --store DIR, the receiver's store folder")
    listed_sync = replace(options, source=None)
    state_dir = Path(options.out_dir).resolve() / STATE_DIR
    return replace(options, source=PushSource(options.platform, store, lambda: make_source(listed_sync, state_dir)))
