"""The generic outbound import engine (journal, planning by adapter capacity, lanes,
split/reconcile, summary); the per-platform parts are in :mod:`callcore.pipelines.adapters`."""
from __future__ import annotations

from ..options import ImportFailed, ImportOptions, ImportSummary
from .job import OutboundImport, import_list

__all__ = ["ImportFailed", "ImportOptions", "ImportSummary", "OutboundImport", "import_list"]
