"""The per-platform parts of ``callcore outbound import``, behind one small interface.

The engine (:mod:`callcore.pipelines.engine`) cleans, plans, journals, paces, retries, splits and
reconciles; an adapter only knows how its platform takes a batch of numbers and how to ask it what
arrived:

=========  ======================================  ====================  ==========================
platform   a batch is                              target (--campaign)   unknown outcome looked up by
=========  ======================================  ====================  ==========================
huawei     7.4.1/7.4.2 add-numbers (20 / v2 max)   campaign id           7.4.7 statistics per tag,
           or a 7.4.8 workbook over SFTP                                 else 7.4.3 delete-by-tag
sccc       CallTaskAddNumbers, <= 1000 callees     task id (+ --agent)   no query exists: resent; the
                                                                         task keeps one copy of a
                                                                         number (report.repeat)
babaihu    one addTask (a new task per batch),     flow id (cflId;       findTaskMx of the flow,
           records keyed by our sessionId          + --flow-name)        by each record's key
hl95       人工外呼-追加 (append) to a manual      outbound instance id  outboundContacts of the
           task, 随路数据 = our sessionId                                 instance, by mobileDes
=========  ======================================  ====================  ==========================

Every record carries an id of its own (``sessionId`` = job + row) wherever the platform echoes one
back, so reconciliation finds rows, not just batches.

One module per platform (its adapter and its options dataclass); :mod:`.base` holds the
interface. Adding a platform's import: a module here with a :class:`PlatformAdapter` subclass and
its options, and an entry in :data:`ADAPTERS`.
"""
from __future__ import annotations

from ..options import ImportFailed, ImportOptions, PlatformImportOptions
from .babaihu import BabaihuAdapter, BabaihuImportOptions
from .base import Chunk, FileRoute, Found, NotApplied, PlatformAdapter, Sent, Unknown
from .hl95 import Hl95Adapter, Hl95ImportOptions
from .huawei import PENDING_CAP, V1_MAX, HuaweiAdapter, HuaweiImportOptions
from .sccc import ScccAdapter, ScccImportOptions

__all__ = ["ADAPTERS", "BabaihuAdapter", "BabaihuImportOptions", "Chunk", "FileRoute", "Found", "Hl95Adapter",
           "Hl95ImportOptions", "HuaweiAdapter", "HuaweiImportOptions", "ImportFailed", "NotApplied", "PENDING_CAP",
           "PlatformAdapter", "ScccAdapter", "ScccImportOptions", "Sent", "Unknown", "V1_MAX", "make_adapter"]

ADAPTERS: dict[str, type[PlatformAdapter[PlatformImportOptions]]] = {
    "huawei": HuaweiAdapter, "sccc": ScccAdapter, "babaihu": BabaihuAdapter, "hl95": Hl95Adapter}  # type: ignore[dict-item]


def make_adapter(settings: ImportOptions) -> PlatformAdapter[PlatformImportOptions]:
    """The adapter of ``settings.platform``, with its ``settings.platform_options`` (checked to
    be that platform's options type)."""
    try:
        cls = ADAPTERS[settings.platform]
    except KeyError:
        raise ValueError(f"platform: {settings.platform!r} is not one of {', '.join(ADAPTERS)}") from None
    return cls(settings, settings.platform_options)
