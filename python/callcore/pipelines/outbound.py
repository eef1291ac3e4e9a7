"""Resumable outbound import: clean a list, plan batches, submit them, reconcile.

Platforms: Huawei (below), SCCC, 八百呼 and 九五; the per-platform parts (how a batch is sent,
how an unknown outcome is looked up, Huawei's file route) sit behind
:class:`callcore.pipelines.adapters.PlatformAdapter`, each with its own options dataclass, and the
engine (:mod:`callcore.pipelines.engine`: journal, pacing, retries, splitting, reconciliation,
summary) is shared. This module is the import's front door.

``import_list(LIST, workdir, ImportOptions(..., platform_options=HuaweiImportOptions(...)))`` (and ``callcore outbound import``):

1. **clean** with the call-list engine (invalid, duplicate and blacklisted rows are set aside);
2. **plan** batches from the platform profile: API batches (v1: 20 records per call; v2: the
   server's ``isales.api.calldata.max``), one call per second per campaign (001:25433), and, when an
   SFTP file server is configured, **file batches** (7.4.8 workbooks, <= 500,000 rows, 001:26377)
   for the bulk: a tail goes by API when the API would finish it sooner than a file import's
   overhead. Each campaign takes at most ``pending_cap`` (200,000, 001:25432) minus what it holds;
   the rest spills into the next campaign given, or waits for the campaign to drain (Huawei:
   resumed so that it dials, paused again before numbers are added, 001:25436-25437; ``leave``
   says how each campaign is left at the end);
3. **submit** with one lane per campaign (paced, bounded by ``workers``); every batch is written to
   the SQLite journal BEFORE it is sent (``sending``) and AFTER the answer (``accepted``...);
4. **reconcile**: a batch whose outcome is unknown (killed, dropped connection, 5xx) is looked up on
   the platform by the customField tag put on each of its rows (7.4.7 statistics per batch, once
   per 5 minutes; when that is rate-limited, 7.4.3 delete-by-customField, which answers how many
   rows were there and removes them) before it is sent again. Nothing accepted is lost, nothing
   is added twice;
5. **summary**: accepted, rejected by the platform (per code), invalid, duplicate, blacklisted;
   they add up to the input rows.

The work folder belongs to one process (:func:`import_list` holds it with
:func:`callcore.pipelines.folder_lock.hold`), and every multi-step state change is one journal
transaction, so a kill at any commit or after any response leaves a state the next run resumes
from (``tests/pipelines/test_crash_points.py`` tries every such point).
"""
from __future__ import annotations

from .adapters import (BabaihuImportOptions, Hl95ImportOptions, HuaweiImportOptions, PlatformAdapter,
                       ScccImportOptions)
from .engine import OutboundImport, import_list
from .options import ImportFailed, ImportOptions, ImportSummary, PlatformImportOptions

__all__ = ["BabaihuImportOptions", "Hl95ImportOptions", "HuaweiImportOptions", "ImportFailed", "ImportOptions",
           "ImportSummary", "OutboundImport", "PlatformAdapter", "PlatformImportOptions", "ScccImportOptions",
           "import_list"]
