"""九五 for the import: 人工外呼-追加 (000:1525) into a manual task, looked up in outboundContacts
(000:2197)."""
from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar

from callcore.platforms.errors import AuthenticationError, PlatformError

from ..options import ImportFailed, PlatformImportOptions
from .base import Found, NotApplied, PlatformAdapter, Sent, Unknown, scan_backwards

if TYPE_CHECKING:
    from callcore.calllist import Platform


@dataclass
class Hl95ImportOptions(PlatformImportOptions):
    """九五 takes nothing beyond the generic options (the instance id is the ``--campaign``)."""


_TRANSIENT_TOKEN = re.compile(r"HTTP (5\d\d|429)|non-JSON")


class Hl95Adapter(PlatformAdapter[Hl95ImportOptions]):
    """人工外呼-追加 (000:1525) into an existing manual task (its outboundInstanceId), numbers as
    ``mobileAndDes`` with our sessionId as the 随路数据. An unknown outcome is looked up in
    outboundContacts of the instance (000:2197), newest page first, by ``mobileDes``."""

    name: ClassVar[str] = "hl95"
    options_type: ClassVar[type[PlatformImportOptions]] = Hl95ImportOptions
    clean_profile: ClassVar[Platform] = "hl95"
    default_per_call: ClassVar[int] = 1000
    page = 1000

    def make_client(self) -> Any:
        from callcore.platforms.hl95 import Hl95Client

        return Hl95Client(self.settings.endpoint, self.settings.access_key, self.settings.secret_key, **self._http_kw())

    def preflight(self, targets: Sequence[int]) -> None:
        """Each instance is among the manual tasks (人工外呼-分页查询, 000:1266) and not ended; this
        also proves the credentials. (Appending to a missing instance answers the generic -1, which
        would otherwise read as every number being refused.)"""
        c = self.client()
        want = {str(t) for t in targets}
        seen: dict[str, Any] = {}
        page = 1
        try:
            while want - seen.keys():
                d = self.call(self._call, c.tasks, current_page=page, page_size=100,
                              what=f"manual tasks page {page}")
                rows = d.get("pageData") or []
                seen.update({str(r.get("id")): r for r in rows})
                if not rows or page * 100 >= int(d.get("total") or 0):
                    break
                page += 1
        except PlatformError as e:
            raise ImportFailed(f"hl95 {self.settings.endpoint}: {e}") from e
        for t in sorted(want):
            if t not in seen:
                raise ImportFailed(f"hl95: manual task instance {t} not found (give its outboundInstanceId)")
            if str(seen[t].get("status")) in ("5", "6"):
                raise ImportFailed(f"hl95: manual task instance {t} has ended "
                                   f"(status {seen[t].get('status')}, 000:1274)")

    def _call(self, fn: Any, *a: Any, **kw: Any) -> Any:
        try:
            return fn(*a, **kw)
        except AuthenticationError as e:
            # the OAuth token endpoint failing for a moment (5xx, 429, an HTML page) is not a
            # credentials problem, and the request it was fetched for was never sent
            if e.endpoint == "/oauth/token" and _TRANSIENT_TOKEN.search(str(e)):
                raise NotApplied(str(e), platform="hl95", endpoint=e.endpoint) from e
            raise

    def send(self, target: int, numbers: list[str], rows: list[int], job: str, tag: str) -> Sent:
        self._call(self.client().append_numbers, str(target), [(n, job + str(r)) for n, r in zip(numbers, rows)])
        return Sent(len(rows))

    def find(self, target: int, job: str, batches: list[Unknown]) -> dict[int, Found]:
        c = self.client()

        def contacts(page: int, size: int) -> dict[str, Any]:
            page_data: dict[str, Any] = self.call(self._call, c.contacts, str(target), current_page=page,
                                                  page_size=size, what=f"instance {target}: outboundContacts page {page}")
            return page_data

        total = int(contacts(1, 1).get("total") or 0)

        def fetch(k: int) -> list[str]:
            return [r.get("mobileDes") for r in contacts(k + 1, self.page).get("pageData") or []]

        got = scan_backwards(fetch, total, self.page, job, batches)
        return {b.id: Found("outboundContacts: on the platform, not sent again" if got[b.id] else
                            "outboundContacts: not on the platform, sent again", count=len(got[b.id]),
                            rows=got[b.id])
                for b in batches}
