"""Pipelines: the jobs users run from batch scripts, built on calllist, audio and platforms.

* :func:`import_list` / :class:`OutboundImport` (``callcore outbound import``): a resumable,
  journaled import of a call list into Huawei campaigns (API and SFTP file routes, 200,000-pending
  cap, reconciliation of unknown outcomes by tag), SCCC tasks, 八百呼 flows or 九五 manual tasks
  (the generic engine in :mod:`callcore.pipelines.engine`; per-platform parts and options in
  :mod:`callcore.pipelines.adapters`).
* :func:`sync_recordings` (``callcore recordings sync``): find a period's calls in the bill and
  recording index files, download and transcode their recordings, write a manifest; resumable.
  Huawei, SCCC, 八百呼 and 九五 through one small adapter each (:class:`RecordingSource`).
* :func:`convert_archive` (``callcore recordings convert``): an archive of recordings converted in
  bulk from and to any fsspec store, on Ray or the local cores, resumable.
* :func:`callcore.pipelines.demo.run_demo` (``callcore demo``): the whole story on the sandbox.
"""
from __future__ import annotations

from .outbound import (BabaihuImportOptions, Hl95ImportOptions, HuaweiImportOptions, ImportOptions, ImportSummary,
                       OutboundImport, ScccImportOptions, import_list)
from .recordings import SyncOptions, SyncSummary, safe_local_path, sync_recordings

__all__ = ["ImportOptions", "ImportSummary", "OutboundImport", "import_list", "HuaweiImportOptions",
           "ScccImportOptions", "BabaihuImportOptions", "Hl95ImportOptions", "SyncOptions", "SyncSummary",
           "safe_local_path", "sync_recordings"]

from .recording_sources import (  # noqa: E402
    BabaihuSyncOptions,
    Hl95SyncOptions,
    HuaweiSyncOptions,
    RecordingSource,
    RemoteRecording,
    ScccSyncOptions,
)

__all__ += ["RecordingSource", "RemoteRecording", "HuaweiSyncOptions", "ScccSyncOptions", "BabaihuSyncOptions",
            "Hl95SyncOptions"]

# ``callcore recordings convert``: fsspec and Ray are imported only when a job runs (callcore[ray])
from .archive import ConvertOptions, ConvertSummary, convert_archive  # noqa: E402

__all__ += ["ConvertOptions", "ConvertSummary", "convert_archive"]
