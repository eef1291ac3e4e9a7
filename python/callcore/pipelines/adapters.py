"""The per-platform parts of ``callcore outbound import``, behind one small interface.

The engine (:mod:`callcore.pipelines.outbound`) cleans, plans, journals, paces, retries, splits and
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
"""
from __future__ import annotations

import re
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Sequence

from callcore.platforms.errors import (AuthenticationError, NotFoundError, PlatformError, TransportError)

from .journal import retry_call

if TYPE_CHECKING:
    from .outbound import ImportOptions

PENDING_CAP = 200_000  # 001:25432
V1_MAX = 20  # 001:25433


class NotApplied(PlatformError):
    """The request was certainly not applied (e.g. the OAuth token could not be fetched before it
    was sent): safe to send again at once."""

    retryable = True


class ImportFailed(RuntimeError):
    """The import cannot continue (campaign running/missing, credentials rejected...). The journal
    keeps everything done so far; fix the cause and run the same command again."""


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


class PlatformAdapter:
    """The per-platform parts of the import. Subclasses set the class attributes and implement
    :meth:`send` and :meth:`find`; the rest has safe defaults."""

    name = ""
    clean_profile = ""  # the call-list engine's platform profile for cleaning
    default_per_call = 20
    max_per_call: int | None = None
    default_min_interval = 0.0
    pending_cap: int | None = None  # per target; None: the platform states none
    file_route = False  # SFTP workbooks (Huawei 7.4.8)
    can_query = True  # False: unknown outcomes cannot be looked up; see find()
    can_create = False  # find_target / create_target (new campaigns past the pending cap)
    can_pause = False  # status / pause / resume (--on-cap wait lets a campaign dial, --leave)

    def __init__(self, o: "ImportOptions") -> None:
        self.o = o
        self._client: Any = None
        per = o.batch_size or self.default_per_call
        if self.max_per_call is not None and per > self.max_per_call:
            raise ValueError(f"--batch-size {per}: {self.name} takes at most {self.max_per_call} numbers a call")
        self.per_call = int(per)
        self.min_interval = self.default_min_interval if o.min_interval is None else float(o.min_interval)

    # --- client
    def make_client(self) -> Any:
        raise NotImplementedError

    def client(self) -> Any:
        if self._client is None:
            self._client = self.o.client_factory() if self.o.client_factory is not None else self.make_client()
        return self._client

    def close(self) -> None:
        if self._client is not None and self.o.client_factory is None:
            self._client.close()
        self._client = None

    def _http_kw(self) -> dict[str, Any]:
        return {} if self.o.http_options is None else {"options": self.o.http_options}

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

    # file route (file_route = True only)
    def start_file_import(self, target: int, name: str) -> str:
        raise NotImplementedError

    def file_import_result(self, target: int, task_id: str) -> Any:
        raise NotImplementedError


def _ids_back(job: str, ids: Any, want: set[int]) -> set[int]:
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


def _scan_backwards(fetch: Any, total: int, size: int, job: str, batches: list[Unknown]) -> dict[int, set[int]]:
    """Pages a platform's number list (``fetch(k)``: the record ids of page k, ``size`` a page)
    from its newest end, where a lost batch would be, and collects our rows; stops once every
    batch is found whole, else reads it all (a batch that is not there is only known absent after
    the last page)."""
    want = {b.id: set(b.rows) for b in batches}
    got: dict[int, set[int]] = {b.id: set() for b in batches}
    every = set().union(*want.values()) if want else set()
    k = (total + size - 1) // size - 1
    while k >= 0 and any(got[i] != want[i] for i in want):
        rows = _ids_back(job, fetch(k), every)
        for i, w in want.items():
            got[i] |= rows & w
        k -= 1
    return got


# ----------------------------------------------------------------------------------------------
# Huawei


class HuaweiAdapter(PlatformAdapter):
    name = "huawei"
    clean_profile = "huawei-file"
    default_min_interval = 1.0  # 001:25433
    pending_cap = PENDING_CAP
    file_route = True
    can_create = True
    can_pause = True

    def __init__(self, o: "ImportOptions") -> None:
        if o.batch_size and o.batch_size != o.per_call:
            raise ValueError("--batch-size: Huawei batches are set by --api (v1: 20) and --v2-max")
        self.default_per_call = o.per_call
        super().__init__(o)
        self.pending_cap = o.pending_cap
        self._stats_at: dict[int, float] = {}

    def make_client(self) -> Any:
        from callcore.platforms.huawei import HuaweiClient

        return HuaweiClient(self.o.endpoint, self.o.access_key, self.o.secret_key, vdn_id=self.o.vdn_id,
                            v2_max_per_call=max(self.o.v2_max, V1_MAX), **self._http_kw())

    def preflight(self, targets: Sequence[int]) -> None:
        c = self.client()

        def get(cid: int) -> Any:
            try:
                return c.get_campaign(cid)
            except TransportError as e:
                text = str(e)
                if "CERTIFICATE" in text.upper() or "SSL" in text.upper():
                    raise ImportFailed(f"{self.o.endpoint}: TLS verification failed ({text[:200]}); give the "
                                       "platform's CA bundle with --ca-file") from e
                raise

        for cid in targets:
            try:
                camp = retry_call(get, cid, policy=self.o.retry)
            except NotFoundError as e:
                raise ImportFailed(f"campaign {cid}: not found on {self.o.endpoint} ({e})") from e
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
                                         api=self.o.api)
        total = c.send_prepared(prepared)
        return Sent(len(rows), info=f"totalSize={total}")

    def find(self, target: int, job: str, batches: list[Unknown]) -> dict[int, Found]:
        """7.4.7 statistics per batch tag (all of a campaign's unknown batches in one call, once per
        ``stats_interval``); when that is rate-limited, 7.4.3 delete-by-customField, which removes
        what arrived (the campaign is paused) so the batch is sent again."""
        c = self.client()
        counts: dict[str, int] | None = None
        last = self._stats_at.get(target)
        if last is None or time.monotonic() - last >= self.o.stats_interval:
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
            n = retry_call(c.delete_numbers, target, customField=b.tag, policy=self.o.retry)
            out[b.id] = Found("delete-by-tag: removed and sent again" if n else
                              "delete-by-tag: not on the platform, sent again")
        return out

    def blacklisted(self, numbers: list[str]) -> set[str]:
        """7.3.4, 20 numbers a call."""
        c = self.client()
        bad: set[str] = set()
        try:
            for k in range(0, len(numbers), 20):
                for entry in retry_call(c.blacklist_query, numbers[k:k + 20], policy=self.o.retry):
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
        st = retry_call(self.client().get_campaign, target, policy=self.o.retry).status
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
            total, items = retry_call(c.list_campaigns, name=name, page=page, rows_per_page=100, policy=self.o.retry)
            for it in items:
                if it.name == name:
                    return it.id
            if not items or page * 100 >= total:
                return None
            page += 1

    def create_target(self, template: int, name: str) -> int:
        """7.1.1 with the settings 7.1.6 reports for *template*, created paused (initStatus 1)."""
        from datetime import datetime

        from callcore.platforms.huawei import CampaignSpec, ScheduleParam

        c = self.client()
        raw = dict(retry_call(c.get_campaign, template, policy=self.o.retry).raw)
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
        return c.create_campaign(spec)

    def start_file_import(self, target: int, name: str) -> str:
        sftp = self.o.sftp
        return self.client().import_file(target, sftp.server_id, name, file_path=sftp.file_path)

    def file_import_result(self, target: int, task_id: str) -> Any:
        tasks = retry_call(self.client().import_results, target, task_ids=[task_id], policy=self.o.retry)
        return next((t for t in tasks if t.id == task_id), None)


# ----------------------------------------------------------------------------------------------
# SCCC


class ScccAdapter(PlatformAdapter):
    """CallTaskAddNumbers into an existing task (003:2249), <= 1000 callees a command (003:2316).

    SCCC has no call that lists a task's numbers (CallTaskQuery only names the agent's task), so
    an unknown outcome cannot be looked up. The guarantee rests on the task itself: it keeps one
    copy of a number and counts a repeat in ``report.repeat`` instead of adding it (003:1978), so
    a batch of unknown outcome is simply sent again; numbers the first attempt delivered come back
    as repeats and are counted as accepted (they are in the task, once). Exactly once therefore
    holds per task and number; what is NOT known is whether a repeat came from our lost attempt or
    was in the task before the import (the summary counts both as "already in the task")."""

    name = "sccc"
    clean_profile = "sccc"
    default_per_call = 1000
    max_per_call = 1000
    can_query = False

    def __init__(self, o: "ImportOptions") -> None:
        super().__init__(o)
        if not o.agent:
            raise ValueError("sccc: give --agent (the agent the task belongs to, 1-8 digits, 003:1864)")

    def make_client(self) -> Any:
        from callcore.platforms.sccc import ScccClient

        kw = self._http_kw()
        if self.o.sccc_version:
            kw["version"] = self.o.sccc_version
        return ScccClient(self.o.endpoint, self.o.access_key, self.o.secret_key, **kw)

    def send(self, target: int, numbers: list[str], rows: list[int], job: str, tag: str) -> Sent:
        r = self.client().add_numbers(target, numbers, self.o.agent)
        failed = min(max(int(r.error), 0), len(numbers))
        return Sent(len(numbers) - failed, failed=failed, already=min(int(r.repeat), len(numbers) - failed),
                    code="sccc report.error" if failed else None,
                    info=f"report total={r.total} error={r.error} repeat={r.repeat}")

    def find(self, target: int, job: str, batches: list[Unknown]) -> dict[int, Found]:
        return {b.id: Found("sccc: no number query; sent again (the task keeps one copy, report.repeat)")
                for b in batches}


# ----------------------------------------------------------------------------------------------
# 八百呼


class BabaihuAdapter(PlatformAdapter):
    """addTask (004:1056): each batch becomes one task of the flow, named by the batch tag, each
    record keyed (``key``, echoed as ``ctdKey``) by our sessionId. An unknown outcome is looked up
    with findTaskMx of the flow (004:1095), newest rows first, by those keys."""

    name = "babaihu"
    clean_profile = "babaihu"
    default_per_call = 500
    page = 1000

    def __init__(self, o: "ImportOptions") -> None:
        super().__init__(o)
        if o.add_type in (1, 3) and not o.flow_name:
            raise ValueError("babaihu: give --flow-name (cflName) for automatic dialling (--add-type 1 or 3)")
        self._checked: set[int] = set()
        self._blind: dict[int, str] = {}

    def make_client(self) -> Any:
        from callcore.platforms.babaihu import BabaihuClient

        return BabaihuClient(self.o.endpoint, self.o.access_key, self.o.secret_key, **self._http_kw())

    def preflight(self, targets: Sequence[int]) -> None:
        """findTaskMx of each flow, one row: the credentials and the flow id are accepted."""
        for t in targets:
            try:
                retry_call(self.client().task_detail, t, start=0, limit=1, policy=self.o.retry)
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
        tid = c.add_task(tag, recs, add_type=self.o.add_type, flow_name=self.o.flow_name)
        if target not in self._checked:
            try:
                n, _ = retry_call(c.task_detail, target, task_id=tid, start=0, limit=1, policy=self.o.retry)
            except PlatformError:
                n = None  # could not check now: the next batch checks again
            if n == 0:
                self._blind[target] = (f"babaihu: task {tid} (made with --flow-name {self.o.flow_name!r}) is not "
                                       f"listed by findTaskMx of flow {target}: give the cflId of that flow as "
                                       "--campaign, or unknown outcomes could not be looked up")
            elif n is not None:
                self._checked.add(target)
        return Sent(len(rows), info=f"task {tid}")

    def find(self, target: int, job: str, batches: list[Unknown]) -> dict[int, Found]:
        c = self.client()
        total, _ = retry_call(c.task_detail, target, start=0, limit=1, policy=self.o.retry)

        def fetch(k: int) -> list[str]:
            _, rows = retry_call(c.task_detail, target, start=k * self.page, limit=self.page, policy=self.o.retry)
            return [r.get("ctdKey") for r in rows]

        got = _scan_backwards(fetch, int(total), self.page, job, batches)
        return {b.id: Found("findTaskMx: on the platform, not sent again" if got[b.id] else
                            "findTaskMx: not on the platform, sent again", count=len(got[b.id]), rows=got[b.id])
                for b in batches}


# ----------------------------------------------------------------------------------------------
# 九五


_TRANSIENT_TOKEN = re.compile(r"HTTP (5\d\d|429)|non-JSON")


class Hl95Adapter(PlatformAdapter):
    """人工外呼-追加 (000:1525) into an existing manual task (its outboundInstanceId), numbers as
    ``mobileAndDes`` with our sessionId as the 随路数据. An unknown outcome is looked up in
    outboundContacts of the instance (000:2197), newest page first, by ``mobileDes``."""

    name = "hl95"
    clean_profile = "hl95"
    default_per_call = 1000
    page = 1000

    def make_client(self) -> Any:
        from callcore.platforms.hl95 import Hl95Client

        return Hl95Client(self.o.endpoint, self.o.access_key, self.o.secret_key, **self._http_kw())

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
                d = retry_call(self._call, c.tasks, current_page=page, page_size=100, policy=self.o.retry)
                rows = d.get("pageData") or []
                seen.update({str(r.get("id")): r for r in rows})
                if not rows or page * 100 >= int(d.get("total") or 0):
                    break
                page += 1
        except PlatformError as e:
            raise ImportFailed(f"hl95 {self.o.endpoint}: {e}") from e
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
            return retry_call(self._call, c.contacts, str(target), current_page=page, page_size=size,
                              policy=self.o.retry)

        total = int(contacts(1, 1).get("total") or 0)

        def fetch(k: int) -> list[str]:
            return [r.get("mobileDes") for r in contacts(k + 1, self.page).get("pageData") or []]

        got = _scan_backwards(fetch, total, self.page, job, batches)
        return {b.id: Found("outboundContacts: on the platform, not sent again" if got[b.id] else
                            "outboundContacts: not on the platform, sent again", count=len(got[b.id]),
                            rows=got[b.id])
                for b in batches}


ADAPTERS: dict[str, type[PlatformAdapter]] = {"huawei": HuaweiAdapter, "sccc": ScccAdapter,
                                                "babaihu": BabaihuAdapter, "hl95": Hl95Adapter}


def make_adapter(o: "ImportOptions") -> PlatformAdapter:
    try:
        cls = ADAPTERS[o.platform]
    except KeyError:
        raise ValueError(f"platform: {o.platform!r} is not one of {', '.join(ADAPTERS)}") from None
    return cls(o)
