"""八百呼 for the import: addTask into a flow (004:1056), looked up by findTaskMx (004:1095)."""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, ClassVar

from callcore.platforms.errors import PlatformError

from ..options import ImportFailed, ImportOptions, PlatformImportOptions
from .base import Found, PlatformAdapter, Sent, Unknown, scan_backwards

if TYPE_CHECKING:
    from callcore.calllist import Platform


@dataclass
class BabaihuImportOptions(PlatformImportOptions):
    """What only a 八百呼 import takes."""

    # ``metadata["arg"]``: the ``callcore outbound import`` option that sets the field
    flow_name: str | None = field(default=None, metadata={"arg": "flow_name"})  # addTask cflName (automatic dialling)
    add_type: int = field(default=1, metadata={"arg": "add_type"})  # addTask addType: 1 自动拨号, 2 手工拨号


class BabaihuAdapter(PlatformAdapter[BabaihuImportOptions]):
    """addTask (004:1056): each batch becomes one task of the flow, named by the batch tag, each
    record keyed (``key``, echoed as ``ctdKey``) by our sessionId. An unknown outcome is looked up
    with findTaskMx of the flow (004:1095), newest rows first, by those keys."""

    name: ClassVar[str] = "babaihu"
    options_type: ClassVar[type[PlatformImportOptions]] = BabaihuImportOptions
    clean_profile: ClassVar[Platform] = "babaihu"
    default_per_call: ClassVar[int] = 500
    page = 1000

    def __init__(self, settings: ImportOptions, options: BabaihuImportOptions | None = None) -> None:
        super().__init__(settings, options)
        if self.options.add_type in (1, 3) and not self.options.flow_name:
            raise ValueError("babaihu: give --flow-name (cflName) for automatic dialling (--add-type 1 or 3)")
        self._checked: set[int] = set()
        self._blind: dict[int, str] = {}

    def make_client(self) -> Any:
        from callcore.platforms.babaihu import BabaihuClient

        return BabaihuClient(self.settings.endpoint, self.settings.access_key, self.settings.secret_key, **self._http_kw())

    def preflight(self, targets: Sequence[int]) -> None:
        """findTaskMx of each flow, one row: the credentials and the flow id are accepted."""
        for t in targets:
            try:
                self.call(self.client().task_detail, t, start=0, limit=1, what=f"flow {t}: findTaskMx")
            except PlatformError as e:
                raise ImportFailed(f"babaihu flow {t}: {e}") from e

    def send(self, target: int, numbers: list[str], rows: list[int], job: str, tag: str) -> Sent:
        """addTask; the first task of each flow in a run is then looked for under ``--campaign``
        (findTaskMx with its ctkId): if the flow id does not list the tasks made with
        ``--flow-name``, reconciliation would be blind, so the import stops before the next batch
        (the one just sent is journaled as accepted)."""
        from callcore.platforms.babaihu import TaskRecord

        if target in self._blind:
            raise ImportFailed(self._blind[target])
        recs = [TaskRecord(phone=n, key=job + str(r)) for n, r in zip(numbers, rows)]
        c = self.client()
        tid = c.add_task(tag, recs, add_type=self.options.add_type, flow_name=self.options.flow_name)
        if target not in self._checked:
            try:
                n, _ = self.call(c.task_detail, target, task_id=tid, start=0, limit=1,
                                 what=f"flow {target}: findTaskMx of task {tid}")
            except PlatformError:
                n = None  # could not check now: the next batch checks again
            if n == 0:
                self._blind[target] = (f"babaihu: task {tid} (made with --flow-name {self.options.flow_name!r}) is not "
                                       f"listed by findTaskMx of flow {target}: give the cflId of that flow as "
                                       "--campaign, or unknown outcomes could not be looked up")
            elif n is not None:
                self._checked.add(target)
        return Sent(len(rows), info=f"task {tid}")

    def find(self, target: int, job: str, batches: list[Unknown]) -> dict[int, Found]:
        c = self.client()
        total, _ = self.call(c.task_detail, target, start=0, limit=1, what=f"flow {target}: findTaskMx")

        def fetch(k: int) -> list[str]:
            _, rows = self.call(c.task_detail, target, start=k * self.page, limit=self.page,
                                what=f"flow {target}: findTaskMx page {k}")
            return [r.get("ctdKey") for r in rows]

        got = scan_backwards(fetch, int(total), self.page, job, batches)
        return {b.id: Found("findTaskMx: on the platform, not sent again" if got[b.id] else
                            "findTaskMx: not on the platform, sent again", count=len(got[b.id]), rows=got[b.id])
                for b in batches}
