"""SCCC for the import: CallTaskAddNumbers into an existing task (003:2249)."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, ClassVar

from ..options import ImportOptions, PlatformImportOptions
from .base import Found, PlatformAdapter, Sent, Unknown

if TYPE_CHECKING:
    from callcore.calllist import Platform


@dataclass
class ScccImportOptions(PlatformImportOptions):
    """What only an SCCC import takes."""

    # ``metadata["arg"]``: the ``callcore outbound import`` option that sets the field
    agent: str | None = field(default=None, metadata={"arg": "agent"})  # the task's agent (1-8 digits, 003:1864)
    #: the API version in the path (default: the client's, V2.0.4)
    version: str | None = field(default=None, metadata={"arg": "sccc_version"})


class ScccAdapter(PlatformAdapter[ScccImportOptions]):
    """CallTaskAddNumbers into an existing task (003:2249), <= 1000 callees a command (003:2316).

    SCCC has no call that lists a task's numbers (CallTaskQuery only names the agent's task), so
    an unknown outcome cannot be looked up. The guarantee rests on the task itself: it keeps one
    copy of a number and counts a repeat in ``report.repeat`` instead of adding it (003:1978), so
    a batch of unknown outcome is simply sent again; numbers the first attempt delivered come back
    as repeats and are counted as accepted (they are in the task, once). Exactly once therefore
    holds per task and number; what is NOT known is whether a repeat came from our lost attempt or
    was in the task before the import (the summary counts both as "already in the task")."""

    name: ClassVar[str] = "sccc"
    options_type: ClassVar[type[PlatformImportOptions]] = ScccImportOptions
    clean_profile: ClassVar[Platform] = "sccc"
    default_per_call: ClassVar[int] = 1000
    max_per_call: ClassVar[int | None] = 1000
    can_query: ClassVar[bool] = False

    def __init__(self, settings: ImportOptions, options: ScccImportOptions | None = None) -> None:
        super().__init__(settings, options)
        if not self.options.agent:
            raise ValueError("sccc: give --agent (the agent the task belongs to, 1-8 digits, 003:1864)")

    def make_client(self) -> Any:
        from callcore.platforms.sccc import ScccClient

        kw = self._http_kw()
        if self.options.version:
            kw["version"] = self.options.version
        return ScccClient(self.settings.endpoint, self.settings.access_key, self.settings.secret_key, **kw)

    def send(self, target: int, numbers: list[str], rows: list[int], job: str, tag: str) -> Sent:
        r = self.client().add_numbers(target, numbers, self.options.agent)
        failed = min(max(int(r.error), 0), len(numbers))
        return Sent(len(numbers) - failed, failed=failed, already=min(int(r.repeat), len(numbers) - failed),
                    code="sccc report.error" if failed else None,
                    info=f"report total={r.total} error={r.error} repeat={r.repeat}")

    def find(self, target: int, job: str, batches: list[Unknown]) -> dict[int, Found]:
        return {b.id: Found("sccc: no number query; sent again (the task keeps one copy, report.repeat)")
                for b in batches}
