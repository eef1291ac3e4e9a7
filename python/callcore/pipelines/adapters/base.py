"""What every import adapter is: :class:`PlatformAdapter` (the per-platform parts of the import
behind one small interface) and the values it trades with the engine (:class:`Sent`,
:class:`Found`, :class:`Unknown`, :class:`Chunk`)."""
from __future__ import annotations

import sqlite3
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar, Generic, Protocol, TypeVar

from callcore.platforms.errors import ClockSkewError, FlowControlError, PlatformError, RateLimitError
from callcore.platforms.retry import RetryPolicy

from ..options import ImportFailed, ImportOptions, PlatformImportOptions
from ..retrying import retry_call

if TYPE_CHECKING:
    from callcore.calllist import Platform

__all__ = ["BatchJournal", "Chunk", "FileRoute", "Found", "ImportFailed", "NotApplied", "PlatformAdapter", "Sent",
           "Unknown", "not_applied", "scan_backwards"]

OptionsT = TypeVar("OptionsT", bound=PlatformImportOptions)


class NotApplied(PlatformError):
    """The request was certainly not applied (e.g. the OAuth token could not be fetched before it
    was sent): safe to send again at once."""

    retryable = True


def not_applied(error: BaseException) -> bool:
    """Retry test for calls that must not be repeated blindly (adding numbers, starting an
    import): only errors that say the request was NOT applied (flow control, HTTP 429, a
    clock-skew 401: auth-v2 is checked before anything is applied; a token that could not be
    fetched)."""
    return isinstance(error, (FlowControlError, RateLimitError, ClockSkewError, NotApplied))


@dataclass
class Sent:
    """What the platform said about one batch it took: ``accepted`` rows are on it now (``already``
    of them were there before this send), ``failed`` rows were refused with ``code``."""

    accepted: int
    failed: int = 0
    already: int = 0
    code: str | None = None
    info: str | None = None


@dataclass
class Found:
    """What reconciliation found of a batch on the platform: ``rows`` (the exact rows, when the
    platform echoes our ids back) or ``count`` (how many, when it only counts); neither means not
    there (send again). ``label`` says how it was found, for the summary."""

    label: str
    count: int = 0
    rows: set[int] | None = None


@dataclass
class Unknown:
    """A batch whose outcome is unknown, as the adapter sees it."""

    id: int
    tag: str
    route: str  # api | file
    rows: list[int]  # api: the rows sent; file: all rows of the workbook
    n: int


@dataclass(frozen=True)
class Chunk:
    """A piece of the plan for one target: ``rows`` rows by ``route`` (``api``, or the
    adapter's file route)."""

    route: str
    rows: int


class BatchJournal(Protocol):
    """What the engine lends a file route to move one batch through its states: the batch's
    journal row, a state change (one durable transaction), reconciliation of an unknown outcome,
    the batch's numbers, progress and the stop flag."""

    workdir: Path
    job: str
    stop: threading.Event

    def batch(self, batch_id: int) -> sqlite3.Row: ...

    def set_state(self, batch_id: int, state: str, count: str | None = None, **columns: Any) -> None: ...

    def reconcile(self, target: int, batches: list[sqlite3.Row]) -> None: ...

    def numbers(self, start: int, n: int) -> Sequence[str]: ...

    def progress(self, event: str, a: int, b: int) -> object: ...


class FileRoute(Protocol):
    """A platform's route for whole files of numbers (Huawei: 7.4.8 workbooks over SFTP). The
    engine plans its batches (``route`` = :attr:`name`), runs at most :attr:`parallel` at once
    and hands each to :meth:`run`, which brings it to ``done`` (or raises)."""

    name: str
    parallel: int

    def run(self, journal: BatchJournal, batch_id: int) -> None: ...


class PlatformAdapter(Generic[OptionsT]):
    """The per-platform parts of the import. Subclasses set the class attributes and implement
    :meth:`send` and :meth:`find`; the rest has safe defaults. ``self.settings`` are the generic
    :class:`ImportOptions`, ``self.options`` the platform's own (``options_type``)."""

    name: ClassVar[str] = ""
    options_type: ClassVar[type[PlatformImportOptions]] = PlatformImportOptions
    clean_profile: ClassVar[Platform]  # the call-list engine's platform profile for cleaning
    default_per_call: ClassVar[int] = 20
    max_per_call: ClassVar[int | None] = None
    default_min_interval: ClassVar[float] = 0.0
    can_query: ClassVar[bool] = True  # False: unknown outcomes cannot be looked up; see find()
    can_create: ClassVar[bool] = False  # find_target / create_target (new campaigns past the pending cap)
    can_pause: ClassVar[bool] = False  # status / pause / resume (--on-cap wait lets a campaign dial, --leave)
    #: per target; None: the platform states none
    pending_cap: int | None = None
    #: seconds between two looks at what a target still has to call (--on-cap wait)
    poll_interval: float = 0.0
    #: the file route (SFTP workbooks for Huawei), or None: API batches only
    files: FileRoute | None = None

    def __init__(self, settings: ImportOptions, options: OptionsT | None = None) -> None:
        if options is None:
            options = self.options_type()  # type: ignore[assignment]
        if not isinstance(options, self.options_type):
            raise ValueError(f"platform_options: {type(options).__name__} does not apply to {self.name} "
                             f"(it takes {self.options_type.__name__})")
        self.settings = settings
        self.options: OptionsT = options
        self.retry: RetryPolicy = settings.retry
        self._client: Any = None
        per = settings.batch_size or self.per_call_default()
        if self.max_per_call is not None and per > self.max_per_call:
            raise ValueError(f"--batch-size {per}: {self.name} takes at most {self.max_per_call} numbers a call")
        self.per_call = int(per)
        self.min_interval = self.default_min_interval if settings.min_interval is None else float(settings.min_interval)

    def per_call_default(self) -> int:
        """Numbers a call when ``--batch-size`` is not given."""
        return self.default_per_call

    def call(self, fn: Callable[..., Any], *args: Any, what: str, **kwargs: Any) -> Any:
        """A call that is safe to repeat, through the import's one retry policy."""
        return retry_call(fn, *args, policy=self.retry, what=f"{self.name}: {what}", **kwargs)

    # --- client
    def make_client(self) -> Any:
        raise NotImplementedError

    def client(self) -> Any:
        if self._client is None:
            factory = self.settings.client_factory
            self._client = factory() if factory is not None else self.make_client()
        return self._client

    def close(self) -> None:
        if self._client is not None and self.settings.client_factory is None:
            self._client.close()
        self._client = None

    def _http_kw(self) -> dict[str, Any]:
        return {} if self.settings.http_options is None else {"options": self.settings.http_options}

    # --- planning
    def plan_target(self, rows: int) -> list[Chunk]:
        """How *rows* rows that fit in one target are cut: API batches of ``per_call``."""
        chunks = [Chunk("api", self.per_call)] * (rows // self.per_call)
        return chunks + ([Chunk("api", rows % self.per_call)] if rows % self.per_call else [])

    # --- the interface
    def preflight(self, targets: Sequence[int]) -> None:
        """Fails fast (:class:`ImportFailed`) when a target cannot take numbers; default: nothing."""

    def send(self, target: int, numbers: list[str], rows: list[int], job: str, tag: str) -> Sent:
        """Sends one batch (``numbers[i]`` is clean row ``rows[i]``, its id ``job + str(rows[i])``,
        the batch's ``tag``); raises :class:`PlatformError` (flow control, 429 and
        :class:`NotApplied` are sent again at once, other retryable errors make the outcome unknown)."""
        raise NotImplementedError

    def find(self, target: int, job: str, batches: list[Unknown]) -> dict[int, Found]:
        """Looks up batches of unknown outcome on the platform."""
        raise NotImplementedError

    def blacklisted(self, numbers: list[str]) -> set[str]:
        """Which of *numbers* the platform's own blacklist refuses (empty: it cannot say)."""
        return set()

    def uncalled(self, target: int) -> int | None:
        """Numbers still to call on *target* (for ``--on-cap wait``), or None when unknown."""
        return None

    # running and pausing targets (can_pause = True only)
    def status(self, target: int) -> str:
        """``running``, ``paused`` or ``finished``."""
        raise NotImplementedError

    def pause(self, target: int) -> None:
        raise NotImplementedError

    def resume(self, target: int) -> None:
        raise NotImplementedError

    # new targets (can_create = True only)
    def find_target(self, name: str) -> int | None:
        """The id of the target named *name* (names are unique), or None."""
        raise NotImplementedError

    def create_target(self, template: int, name: str) -> int:
        """Creates a target named *name* with *template*'s settings; returns its id."""
        raise NotImplementedError

    def name_taken(self, error: PlatformError) -> bool:
        """Whether *error* says a target of that name exists already (then it is looked up again)."""
        return False


def ids_back(job: str, ids: Any, want: set[int]) -> set[int]:
    """Rows of *want* among record ids ``job + row`` read back from the platform."""
    out = set()
    n = len(job)
    for s in ids:
        s = str(s or "")
        if s.startswith(job) and s[n:].isdigit():
            r = int(s[n:])
            if r in want:
                out.add(r)
    return out


def scan_backwards(fetch: Callable[[int], list[Any]], total: int, size: int, job: str,
                   batches: list[Unknown]) -> dict[int, set[int]]:
    """Pages a platform's number list (``fetch(k)``: the record ids of page k, ``size`` a page)
    from its newest end, where a lost batch would be, and collects our rows; stops once every
    batch is found whole, else reads it all (a batch that is not there is only known absent after
    the last page)."""
    want = {b.id: set(b.rows) for b in batches}
    got: dict[int, set[int]] = {b.id: set() for b in batches}
    every: set[int] = set().union(*want.values()) if want else set()
    k = (total + size - 1) // size - 1
    while k >= 0 and any(got[i] != want[i] for i in want):
        rows = ids_back(job, fetch(k), every)
        for i, w in want.items():
            got[i] |= rows & w
        k -= 1
    return got


