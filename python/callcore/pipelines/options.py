"""The values the outbound import takes and gives back: :class:`ImportOptions` (what every
platform's import shares), :class:`PlatformImportOptions` (the base of each adapter's own options),
:class:`ImportSummary` and :class:`ImportFailed`.

They live apart from the engine and the adapters so that both can read them without importing
each other.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from typing import Any, Literal

from callcore.platforms import registry
from callcore.platforms.retry import RetryPolicy

OnCap = Literal["spill", "wait", "stop"]
Leave = Literal["paused", "running"]


def import_platforms() -> tuple[str, ...]:
    """The platforms the import takes (``--platform``): the registry's entries with an import adapter."""
    return tuple(name for name in registry.names() if registry.get(name).import_adapter is not None)


class ImportFailed(RuntimeError):
    """The import cannot continue (campaign running/missing, credentials rejected...). The journal
    keeps everything done so far; fix the cause and run the same command again."""


@dataclass
class PlatformImportOptions:
    """Base of one platform's own import options (each adapter module defines its subclass,
    e.g. :class:`callcore.pipelines.adapters.huawei.HuaweiImportOptions`)."""


@dataclass
class ImportOptions:
    """What to import into and how, for every platform. Secrets are never printed (``repr``
    hides them).

    ``campaigns`` are the platform's targets: Huawei campaign ids, SCCC task ids, 八百呼 flow ids
    (cflId), 九五 manual-task instance ids (outboundInstanceId). ``access_key``/``secret_key`` are
    the platform's credentials: Huawei AK/SK, SCCC customer/password, 八百呼 sa_user/sa_password,
    九五 client_id/client_secret. ``platform_options`` holds what only that platform takes
    (``HuaweiImportOptions``, ``ScccImportOptions``, ``BabaihuImportOptions``,
    ``Hl95ImportOptions`` in :mod:`callcore.pipelines.adapters`); None takes its defaults."""

    campaigns: list[int]
    endpoint: str
    access_key: str
    secret_key: str = field(repr=False)
    platform: str = "huawei"  # huawei | sccc | babaihu | hl95 (the registry's names)
    platform_options: PlatformImportOptions | None = None
    min_interval: float | None = None  # seconds between add calls on one target (None: the platform's own)
    on_cap: OnCap = "spill"  # spill (next campaign) | wait (let it dial until drained) | stop
    workers: int = 4
    blacklist: Any = None
    default_area_code: str | None = None
    column: str | int | None = None
    drain_poll: float = 300.0  # --on-cap wait: seconds between looks at a draining target
    retry: RetryPolicy = field(default_factory=lambda: RetryPolicy(attempts=8, max_delay=30.0))
    http_options: Any = None
    client_factory: Callable[[], Any] | None = field(default=None, repr=False)
    preflight: bool = True  # check each target (exists, can take numbers, TLS, credentials) before sending
    batch_size: int | None = None  # numbers per call (default and maximum: the platform's)
    create_campaigns: int = 0  # at most this many new targets (copies of the first) when all are full
    leave: Leave = "paused"  # how the import leaves each target it resumed (--on-cap wait): paused | running
    wait_for_folder: bool | float = False  # another process holds the work folder: False fail, True wait, N seconds


@dataclass
class ImportSummary:
    """The reconciliation: ``input_rows == invalid + duplicate + blacklisted + already_imported +
    accepted + platform_rejected + not_imported``."""

    input_rows: int
    clean: int
    invalid: int
    duplicate: int
    blacklisted: int
    already_imported: int
    accepted: int
    platform_rejected: dict[str, int]
    not_imported: int
    batches: dict[str, int]
    campaigns: dict[str, int]
    routes: dict[str, int]
    reconciled: dict[str, int]
    invalid_reasons: dict[str, int]
    complete: bool
    workdir: str
    clean_file: str
    rejects_file: str
    journal: str
    seconds: float = 0.0
    created_campaigns: list[int] = field(default_factory=list)

    @property
    def adds_up(self) -> bool:
        return self.input_rows == (self.invalid + self.duplicate + self.blacklisted + self.already_imported
                                   + self.accepted + sum(self.platform_rejected.values()) + self.not_imported)

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["adds_up"] = self.adds_up
        return d
