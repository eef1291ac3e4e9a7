"""Huawei CEC/AICC for the import: 7.4.1/7.4.2 add-numbers (v1: 20 a call; v2: the server's
``isales.api.calldata.max``), campaigns paused/resumed/created (7.1.x), unknown outcomes looked up
by 7.4.7 statistics per tag or 7.4.3 delete-by-tag, and the file route (7.4.8 workbooks over SFTP,
:mod:`callcore.pipelines.adapters.huawei_files`)."""
from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, ClassVar, Literal

from callcore.platforms.errors import NotFoundError, PlatformError, TransportError

from ..options import ImportFailed, PlatformImportOptions
from .base import Chunk, Found, PlatformAdapter, Sent, Unknown
from .huawei_files import MAX_FILE_ROWS, HuaweiFileRoute

if TYPE_CHECKING:
    from callcore.calllist import Platform

PENDING_CAP = 200_000  # 001:25432
V1_MAX = 20  # 001:25433
NAME_TAKEN = "0200005"  # 7.1.1: a campaign of that name exists (names are unique)

Route = Literal["auto", "api", "file"]
AddApi = Literal["v1", "v2"]


@dataclass
class HuaweiImportOptions(PlatformImportOptions):
    """What only a Huawei import takes."""

    # ``metadata["arg"]``: the ``callcore outbound import`` option that sets the field
    vdn_id: int = field(default=1, metadata={"arg": "vdn"})
    route: Route = field(default="auto", metadata={"arg": "route"})  # auto | api | file
    api: AddApi = field(default="v1", metadata={"arg": "api"})  # v1 (20 records a call) | v2 (v2_max a call)
    v2_max: int = field(default=20, metadata={"arg": "v2_max"})  # the platform's isales.api.calldata.max
    pending_cap: int = PENDING_CAP
    rows_per_file: int = field(default=100_000, metadata={"arg": "rows_per_file"})
    file_overhead: float = 30.0  # seconds a file import costs (upload, server import, polling), for the planner
    #: callcore.pipelines.sftp.SftpTarget with server_id, or None (API only)
    sftp: Any = field(default=None, metadata={"arg": "sftp_host"})
    stats_interval: float = field(default=300.0, metadata={"arg": "stats_interval"})  # 7.4.7: once per 5 minutes
    #: file route: seconds between looks at a server-side import's result
    import_poll: float = field(default=1.0, metadata={"arg": "import_poll"})

    @property
    def per_call(self) -> int:
        return V1_MAX if self.api == "v1" else int(self.v2_max)


class HuaweiAdapter(PlatformAdapter[HuaweiImportOptions]):
    name: ClassVar[str] = "huawei"
    options_type: ClassVar[type[PlatformImportOptions]] = HuaweiImportOptions
    clean_profile: ClassVar[Platform] = "huawei-file"
    default_min_interval: ClassVar[float] = 1.0  # 001:25433
    can_create: ClassVar[bool] = True
    can_pause: ClassVar[bool] = True

    def __init__(self, settings: Any, options: HuaweiImportOptions | None = None) -> None:
        super().__init__(settings, options)
        if settings.batch_size and settings.batch_size != self.options.per_call:
            raise ValueError("--batch-size: Huawei batches are set by --api (v1: 20) and --v2-max")
        self.pending_cap = self.options.pending_cap
        self.poll_interval = self.options.stats_interval  # 7.4.7 answers once per interval
        self._stats_at: dict[int, float] = {}
        sftp = self.options.sftp
        if sftp is not None and getattr(sftp, "server_id", None) and self.options.route in ("auto", "file"):
            self.files = HuaweiFileRoute(self, sftp, self.options.import_poll)
        if self.options.route == "file" and self.files is None:
            raise ValueError("route file: needs Huawei and an SFTP target with the platform's serverId "
                             "(--sftp-*, --server-id)")

    def per_call_default(self) -> int:
        return self.options.per_call

    def plan_target(self, rows: int) -> list[Chunk]:
        """With a file route: whole workbooks of ``rows_per_file`` first, and the tail as one more
        workbook when by API it would take longer than a file import's overhead (or
        ``route=file``); the rest as API batches (v1/v2)."""
        if self.files is None:
            return super().plan_target(rows)
        per_file = max(1, min(self.options.rows_per_file, MAX_FILE_ROWS))
        chunks = [Chunk(self.files.name, per_file)] * (rows // per_file)
        tail = rows % per_file
        api_seconds = -(-tail // self.per_call) * self.min_interval
        if tail and (self.options.route == "file" or api_seconds > self.options.file_overhead):
            return chunks + [Chunk(self.files.name, tail)]
        return chunks + super().plan_target(tail)

    def name_taken(self, error: PlatformError) -> bool:
        return error.code == NAME_TAKEN

    def make_client(self) -> Any:
        from callcore.platforms.huawei import HuaweiClient

        return HuaweiClient(self.settings.endpoint, self.settings.access_key, self.settings.secret_key, vdn_id=self.options.vdn_id,
                            v2_max_per_call=max(self.options.v2_max, V1_MAX), **self._http_kw())

    def preflight(self, targets: Sequence[int]) -> None:
        c = self.client()

        def get(cid: int) -> Any:
            try:
                return c.get_campaign(cid)
            except TransportError as e:
                text = str(e)
                if "CERTIFICATE" in text.upper() or "SSL" in text.upper():
                    raise ImportFailed(f"{self.settings.endpoint}: TLS verification failed ({text[:200]}); give the "
                                       "platform's CA bundle with --ca-file") from e
                raise

        for cid in targets:
            try:
                camp = self.call(get, cid, what=f"campaign {cid}: details (7.1.6)")
            except NotFoundError as e:
                raise ImportFailed(f"campaign {cid}: not found on {self.settings.endpoint} ({e})") from e
            except PlatformError as e:
                raise ImportFailed(f"campaign {cid}: {e}") from e
            if camp.status == 2:
                raise ImportFailed(f"campaign {cid} is running: numbers can only be added to a paused campaign "
                                   "(7.4.1, 0200019); pause it (7.1.8) and run the same command again")
            if camp.status == 4:
                raise ImportFailed(f"campaign {cid} is finished: give another --campaign")

    def send(self, target: int, numbers: list[str], rows: list[int], job: str, tag: str) -> Sent:
        """7.4.1/7.4.2 through the client's public fast path (body written straight from the
        dialing strings, checked once per batch: per-row CPU is what keeps the client cheap)."""
        c = self.client()
        prepared = c.prepare_add_numbers(target, numbers, session_ids=rows, session_prefix=job, custom_field=tag,
                                         api=self.options.api)
        total = c.send_prepared(prepared)
        return Sent(len(rows), info=f"totalSize={total}")

    def find(self, target: int, job: str, batches: list[Unknown]) -> dict[int, Found]:
        """7.4.7 statistics per batch tag (all of a campaign's unknown batches in one call, once per
        ``stats_interval``); when that is rate-limited, 7.4.3 delete-by-customField, which removes
        what arrived (the campaign is paused) so the batch is sent again."""
        c = self.client()
        counts: dict[str, int] | None = None
        last = self._stats_at.get(target)
        if last is None or time.monotonic() - last >= self.options.stats_interval:
            try:
                stats = c.statistics(target)
                self._stats_at[target] = time.monotonic()
                st = next((s for s in stats if str(s.campaignId) == str(target)), None)
                counts = {str(d.get("batchId")): int(d.get("totalCount") or 0) for d in (st.batchDetail if st else [])}
            except PlatformError:
                self._stats_at[target] = time.monotonic()
        out: dict[int, Found] = {}
        for b in batches:
            if counts is not None:
                got = counts.get(b.tag, 0)
                out[b.id] = Found("statistics: on the platform, not sent again" if got else
                                  "statistics: not on the platform, sent again", count=got)
                continue
            n = self.call(c.delete_numbers, target, customField=b.tag, what=f"campaign {target}: delete by tag {b.tag}")
            out[b.id] = Found("delete-by-tag: removed and sent again" if n else
                              "delete-by-tag: not on the platform, sent again")
        return out

    def blacklisted(self, numbers: list[str]) -> set[str]:
        """7.3.4, 20 numbers a call."""
        c = self.client()
        bad: set[str] = set()
        try:
            for k in range(0, len(numbers), 20):
                for entry in self.call(c.blacklist_query, numbers[k:k + 20], what="blacklist query (7.3.4)"):
                    if entry.flag is not False:
                        bad.add(entry.blockNum)
        except PlatformError:
            return set()
        return bad

    def uncalled(self, target: int) -> int | None:
        stats = self.client().statistics(target)
        self._stats_at[target] = time.monotonic()
        st = next((s for s in stats if str(s.campaignId) == str(target)), None)
        return None if st is None else int(st.unCallCount)

    def status(self, target: int) -> str:
        """7.1.6 status: 2 已开始, 3 暂停, 4 已完成 (001:22758)."""
        st = self.call(self.client().get_campaign, target, what=f"campaign {target}: status").status
        return {2: "running", 3: "paused", 4: "finished"}.get(int(st), f"status {st}")

    def pause(self, target: int) -> None:
        """7.1.8 (001:23163)."""
        self.client().pause_campaign(target)

    def resume(self, target: int) -> None:
        """7.1.9 (001:23254)."""
        self.client().resume_campaign(target)

    def find_target(self, name: str) -> int | None:
        """7.1.7 by name (campaign names are unique, 0200005), every page."""
        c = self.client()
        page = 1
        while True:
            total, items = self.call(c.list_campaigns, name=name, page=page, rows_per_page=100,
                                     what=f"campaigns named {name}")
            for it in items:
                if it.name == name:
                    return int(it.id)
            if not items or page * 100 >= total:
                return None
            page += 1

    def create_target(self, template: int, name: str) -> int:
        """7.1.1 with the settings 7.1.6 reports for *template*, created paused (initStatus 1)."""
        from datetime import datetime

        from callcore.platforms.huawei import CampaignSpec, ScheduleParam

        c = self.client()
        raw = dict(self.call(c.get_campaign, template, what=f"campaign {template}: details (7.1.6)").raw)
        today = datetime.now().strftime("%Y-%m-%d 00:00:00")
        try:
            sched = {k: v for k, v in (raw.get("scheduleParam") or {}).items()
                     if k in ScheduleParam.__dataclass_fields__}
            spec = CampaignSpec(
                name=name, strBeginTime=max(str(raw["strBeginTime"]), today), strEndTime=str(raw["strEndTime"]),
                deviceType=int(raw["deviceType"]), callerNo=str(raw["callerNo"]),
                maxAlertingTime=int(raw["maxAlertingTime"]), scheduleParam=ScheduleParam(**sched),
                callbackUrl=str(raw.get("callbackUrl") or raw.get("callBackUrl") or ""),
                description=raw.get("description"), ivrParam=raw.get("ivrParam"), skillParam=raw.get("skillParam"),
                initStatus=1)
        except (KeyError, TypeError, ValueError) as e:
            raise ImportFailed(f"campaign {template}: its details (7.1.6) lack what a copy needs ({e})") from e
        return int(c.create_campaign(spec))
