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
interface. Which adapter a platform has is its registry entry's ``import_adapter``
(:mod:`callcore.platforms.registry`): adding a platform's import is a :class:`PlatformAdapter`
subclass with its options dataclass, named there.
"""
from __future__ import annotations

from typing import Any

from callcore.platforms import registry

from ..options import ImportFailed, ImportOptions, PlatformImportOptions, import_platforms
from .babaihu import BabaihuAdapter, BabaihuImportOptions
from .base import Chunk, FileRoute, Found, NotApplied, PlatformAdapter, Sent, Unknown
from .hl95 import Hl95Adapter, Hl95ImportOptions
from .huawei import PENDING_CAP, V1_MAX, HuaweiAdapter, HuaweiImportOptions
from .sccc import ScccAdapter, ScccImportOptions

__all__ = ["BabaihuAdapter", "BabaihuImportOptions", "Chunk", "FileRoute", "Found", "Hl95Adapter",
           "Hl95ImportOptions", "HuaweiAdapter", "HuaweiImportOptions", "ImportFailed", "NotApplied", "PENDING_CAP",
           "PlatformAdapter", "ScccAdapter", "ScccImportOptions", "Sent", "Unknown", "V1_MAX", "adapter_class", "import_platforms", "make_adapter"]


def adapter_class(platform: str) -> type[PlatformAdapter[Any]]:
    """The import adapter class of *platform*, from its registry entry."""
    spec = registry.get(platform)
    if spec.import_adapter is None:
        raise ValueError(f"platform {spec.name}: it has no import adapter (importable: "
                         f"{', '.join(import_platforms())})")
    cls: type[PlatformAdapter[Any]] = registry.load(spec.import_adapter)
    return cls


def make_adapter(settings: ImportOptions) -> PlatformAdapter[PlatformImportOptions]:
    """The adapter of ``settings.platform``, with its ``settings.platform_options`` (checked to
    be that platform's options type)."""
    return adapter_class(settings.platform)(settings, settings.platform_options)
