"""Resumable outbound import: clean a list, plan batches, submit them, reconcile.

Platforms: Huawei (below), SCCC, 八百呼 and 九五; the per-platform parts (how a batch is sent,
how an unknown outcome is looked up) sit behind :class:`callcore.pipelines.adapters.PlatformAdapter`,
and everything here (journal, pacing, retries, splitting, reconciliation, summary) is shared.

``import_list(LIST, workdir, ImportOptions(...))`` (and ``callcore outbound import``):

1. **clean** with the call-list engine (invalid, duplicate and blacklisted rows are set aside);
2. **plan** batches from the platform profile: API batches (v1: 20 records per call; v2: the
   server's ``isales.api.calldata.max``), one call per second per campaign (001:25433), and, when an
   SFTP file server is configured, **file batches** (7.4.8 workbooks, <= 500,000 rows, 001:26377)
   for the bulk: a tail goes by API when the API would finish it sooner than a file import's
   overhead. Each campaign takes at most ``pending_cap`` (200,000, 001:25432) minus what it holds;
   the rest spills into the next campaign given, or waits for the campaign to drain (Huawei:
   resumed so that it dials, paused again before numbers are added, 001:25436-25437; ``leave``
   says how each campaign is left at the end);
3. **submit** with one lane per campaign (paced, bounded by ``workers``); every batch is written to
   the SQLite journal BEFORE it is sent (``sending``) and AFTER the answer (``accepted``...);
4. **reconcile**: a batch whose outcome is unknown (killed, dropped connection, 5xx) is looked up on
   the platform by the customField tag put on each of its rows (7.4.7 statistics per batch, once
   per 5 minutes; when that is rate-limited, 7.4.3 delete-by-customField, which answers how many
   rows were there and removes them) before it is sent again. Nothing accepted is lost, nothing
   is added twice;
5. **summary**: accepted, rejected by the platform (per code), invalid, duplicate, blacklisted;
   they add up to the input rows.

The work folder belongs to one process (:func:`import_list` holds it with
:func:`callcore.pipelines.folder_lock.hold`), and every multi-step state change is one journal
transaction, so a kill at any commit or after any response leaves a state the next run resumes
from (``tests/pipelines/test_crash_points.py`` tries every such point).
"""
from __future__ import annotations

import csv
import json
import math
import os
import secrets
import threading
import time
from collections.abc import Callable
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from callcore.platforms.errors import (ApiError, AuthenticationError, BlacklistedError, ClientValidationError,
                                       ClockSkewError, FlowControlError,
                                       LimitExceededError, NotFoundError, PlatformError, RateLimitError, StateError)
from callcore.platforms.retry import RetryPolicy

from .adapters import (PENDING_CAP, V1_MAX, Found, ImportFailed, NotApplied, PlatformAdapter, Unknown,
                       make_adapter)
from .journal import Journal, sweep_partials

MAX_FILE_ROWS = 500_000  # 001:26377
MAX_ATTEMPTS = 50  # sends of one batch without a definite answer before the job stops

SCHEMA = """
CREATE TABLE IF NOT EXISTS batches (id INTEGER PRIMARY KEY, parent INTEGER, campaign INTEGER, route TEXT,
    start INTEGER, n INTEGER, tag TEXT UNIQUE, state TEXT, code TEXT, msg TEXT, accepted INTEGER DEFAULT 0,
    platform_dup INTEGER DEFAULT 0, failed INTEGER DEFAULT 0, attempts INTEGER DEFAULT 0, task_id TEXT,
    file TEXT, reconciled TEXT, updated REAL);
CREATE INDEX IF NOT EXISTS batches_state ON batches(state, campaign);
CREATE TABLE IF NOT EXISTS rejects (row INTEGER PRIMARY KEY, batch INTEGER, code TEXT, msg TEXT);
CREATE TABLE IF NOT EXISTS events (t REAL, batch INTEGER, what TEXT);
"""
# batch states: planned -> sending -> accepted | (unknown: reconciled -> planned/accepted)
#               file: planned -> written -> uploaded -> importing -> imported(task_id) -> done
#               split (replaced by two halves), rejected (one row, the platform's code), held (no campaign room)
FINAL = ("accepted", "done", "split", "rejected")


@dataclass
class ImportOptions:
    """What to import into and how. Secrets are never printed (``repr`` hides them).

    ``campaigns`` are the platform's targets: Huawei campaign ids, SCCC task ids, 八百呼 flow ids
    (cflId), 九五 manual-task instance ids (outboundInstanceId). ``access_key``/``secret_key`` are
    the platform's credentials: Huawei AK/SK, SCCC customer/password, 八百呼 sa_user/sa_password,
    九五 client_id/client_secret."""

    campaigns: list[int]
    endpoint: str
    access_key: str
    secret_key: str = field(repr=False)
    vdn_id: int = 1
    platform: str = "huawei"  # huawei | sccc | babaihu | hl95
    route: str = "auto"  # auto | api | file
    api: str = "v1"  # v1 (20 records a call) | v2 (v2_max records a call)
    v2_max: int = 20  # the platform's isales.api.calldata.max
    min_interval: float | None = None  # seconds between add calls on one target (None: Huawei 1.0, 001:25433; others 0)
    pending_cap: int = PENDING_CAP
    on_cap: str = "spill"  # spill (next campaign) | wait (poll statistics until drained) | stop
    workers: int = 4
    rows_per_file: int = 100_000
    file_overhead: float = 30.0  # seconds a file import costs (upload, server import, polling), for the planner
    sftp: Any = None  # callcore.pipelines.sftp.SftpTarget with server_id, or None (API only)
    blacklist: Any = None
    default_area_code: str | None = None
    column: str | int | None = None
    stats_interval: float = 300.0  # 7.4.7: once per 5 minutes
    drain_poll: float = 300.0
    import_poll: float = 1.0
    retry: RetryPolicy = field(default_factory=lambda: RetryPolicy(attempts=8, max_delay=30.0))
    http_options: Any = None
    client_factory: Callable[[], Any] | None = field(default=None, repr=False)
    preflight: bool = True  # check each campaign (exists, not running, TLS, credentials) before sending
    batch_size: int | None = None  # numbers per call (SCCC <= 1000, default 1000; 八百呼 500; 九五 1000)
    agent: str | None = None  # SCCC: the task's agent (1-8 digits)
    sccc_version: str | None = None  # SCCC API version in the path (default V2.0.4)
    flow_name: str | None = None  # 八百呼 addTask cflName (automatic dialling)
    add_type: int = 1  # 八百呼 addTask addType: 1 自动拨号, 2 手工拨号
    create_campaigns: int = 0  # Huawei: at most this many new campaigns (copies of the first) when all are full
    leave: str = "paused"  # Huawei: how the import leaves each campaign it resumed (--on-cap wait): paused | running
    wait_for_folder: bool | float = False  # another process holds the work folder: False fail, True wait, N seconds

    @property
    def per_call(self) -> int:
        return V1_MAX if self.api == "v1" else int(self.v2_max)


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


def read_dial_column(path: str | os.PathLike[str]) -> list[str]:
    """The ``dial`` column of a calllist clean CSV, in row order (polars for big files; importing
    it costs ~0.4 s, more than the csv module takes for a few megabytes)."""
    try:
        if os.path.getsize(path) < (8 << 20):
            raise ImportError("small file: the csv module is quicker")
        import polars as pl

        df = pl.read_csv(os.fspath(path), columns=["dial"], schema_overrides={"dial": pl.Utf8},
                         infer_schema_length=0)
        return df["dial"].to_list()
    except Exception:  # noqa: BLE001  (polars missing or a ragged file: the csv module reads anything)
        with open(path, newline="", encoding="utf-8-sig") as f:
            r = csv.reader(f)
            i = next(r).index("dial")
            return [row[i] for row in r]


class OutboundImport:
    """One import job, bound to a work folder (journal, clean/rejects CSVs, workbooks)."""

    def __init__(self, source: str | os.PathLike[str], workdir: str | os.PathLike[str], options: ImportOptions,
                 progress: Callable[[str, int, int], object] | None = None) -> None:
        self.source = Path(source)
        self.workdir = Path(workdir)
        self.o = options
        self.progress = progress or (lambda *a: None)
        self.workdir.mkdir(parents=True, exist_ok=True)
        self.j = Journal(self.workdir / "journal.sqlite3", SCHEMA)
        self.clean_file = self.workdir / "clean.csv"
        self.rejects_file = self.workdir / "rejects.csv"
        self.dial: list[str] = []
        self.job = ""
        self.ad: PlatformAdapter = make_adapter(options)
        if options.create_campaigns and not self.ad.can_create:
            raise ValueError(f"--create-campaigns: {self.ad.name} targets cannot be created by the import")
        if options.leave not in ("paused", "running"):
            raise ValueError(f"--leave: {options.leave!r} is not 'paused' or 'running'")
        if options.leave == "running" and not self.ad.can_pause:
            raise ValueError(f"--leave running: the import cannot start {self.ad.name} targets")
        self.campaigns: list[int] = list(options.campaigns)
        self._create_lock = threading.Lock()
        self._stop = threading.Event()
        self._full: set[int] = set()
        self._lock = threading.Lock()

    # ------------------------------------------------------------------ setup
    def _fingerprint(self) -> dict[str, Any]:
        st = self.source.stat()
        return {"path": str(self.source.resolve()), "size": st.st_size, "mtime_ns": st.st_mtime_ns}

    def prepare(self) -> None:
        """Cleans the list (once) and plans the batches (once); a second call only reloads."""
        if not self.source.is_file():
            raise FileNotFoundError(f"{self.source}: no such file")
        fp = self._fingerprint()
        old = self.j.get("input")
        if old is not None and (old["size"], old["mtime_ns"]) != (fp["size"], fp["mtime_ns"]):
            raise ValueError(f"{self.source}: the list changed since this job started (journal {self.j.path}); "
                             "use a new work folder for a new list")
        if old is None:  # one transaction: a kill leaves all three or none (issue 10 item 3)
            with self.j.tx() as db:
                self.j.set("input", fp, db)
                self.j.set("job", secrets.token_hex(4), db)
                self.j.set("platform", self.ad.name, db)
        if self.j.get("platform", "huawei") != self.ad.name:
            raise ValueError(f"{self.workdir}: this work folder holds a {self.j.get('platform', 'huawei')} import, "
                             f"not {self.ad.name}; use a new work folder")
        self.job = self.j.get("job")
        for e in self.j.get("created_campaigns", []):
            if e["id"] is not None and e["id"] not in self.campaigns:
                self.campaigns.append(e["id"])
        if self.j.get("clean") is None:
            self.progress("clean", 0, 0)
            from callcore import calllist

            s = calllist.clean(self.source, self.clean_file, self.rejects_file, platform=self.ad.clean_profile,
                               blacklist=self.o.blacklist, default_area_code=self.o.default_area_code,
                               column=self.o.column,
                               progress=lambda done, tot, rows: self.progress("clean", done, tot))
            self.j.set("clean", asdict(s))
        self.dial = read_dial_column(self.clean_file)
        if len(self.dial) != self.j.get("clean")["clean"]:
            raise RuntimeError(f"{self.clean_file}: {len(self.dial)} rows, the journal says {self.j.get('clean')['clean']}")
        if self.j.one("SELECT 1 FROM batches LIMIT 1") is None:
            self._plan()
        else:
            self._place_held()

    def _place_held(self) -> None:
        """Rows held for want of campaign room go to campaigns given on this run that the journal
        has not used yet (e.g. a campaign created after the cap stopped the last run)."""
        held = self.j.q("SELECT * FROM batches WHERE state='held' ORDER BY start")
        if not held:
            return
        used = {r["campaign"] for r in self.j.q("SELECT DISTINCT campaign FROM batches WHERE campaign IS NOT NULL")}
        fresh = [c for c in self.campaigns if c not in used]
        if not fresh:
            return
        with self.j.tx() as db:
            nxt = db.execute("SELECT MAX(id) m FROM batches").fetchone()["m"] + 1
            for h in held:
                pos, end = h["start"], h["start"] + h["n"]
                while pos < end and fresh:
                    cid = fresh[0]
                    room = self._room(cid) - int(self.j.get(f"assigned:{cid}", 0))
                    if room <= 0:
                        fresh.pop(0)
                        continue
                    k = min(self.ad.per_call, end - pos, room)
                    db.execute("INSERT INTO batches (id, parent, campaign, route, start, n, tag, state, updated) "
                               "VALUES (?,?,?,?,?,?,?,?,?)", (nxt, h["id"], cid, "api", pos, k, f"cc{self.job}b{nxt}",
                                                              "planned", time.time()))
                    self.j.set(f"assigned:{cid}", int(self.j.get(f"assigned:{cid}", 0)) + k, db)
                    nxt += 1
                    pos += k
                if pos == end:
                    db.execute("UPDATE batches SET state='split', msg='placed in campaigns given later' WHERE id=?",
                               (h["id"],))
                else:
                    db.execute("UPDATE batches SET start=?, n=? WHERE id=?", (pos, end - pos, h["id"]))

    def _preflight(self) -> None:
        """Fails fast, before anything is sent, when a target cannot take numbers (the adapter's
        checks: for Huawei a missing, running or finished campaign, TLS or credentials refused)."""
        todo = [r["campaign"] for r in self.j.q(
            "SELECT DISTINCT campaign FROM batches WHERE campaign IS NOT NULL AND state NOT IN "
            "('accepted','done','split','rejected')")]
        if todo:
            self.ad.preflight(todo)

    def _room(self, cid: int) -> int:
        if self.ad.pending_cap is None:
            return 1 << 62
        return self.ad.pending_cap - int(self.j.get(f"base_pending:{cid}", 0))

    def _plan(self) -> None:
        n = len(self.dial)
        o = self.o
        files = self.ad.file_route and o.route in ("auto", "file") and o.sftp is not None and \
            getattr(o.sftp, "server_id", None)
        if o.route == "file" and not files:
            raise ValueError("route file: needs Huawei and an SFTP target with the platform's serverId "
                             "(--sftp-*, --server-id)")
        per_call = self.ad.per_call
        rows_per_file = max(1, min(o.rows_per_file, MAX_FILE_ROWS))
        plan: list[tuple[int | None, str, int, int]] = []
        pos = 0
        for cid in self.campaigns:
            m = min(max(self._room(cid), 0), n - pos)
            if m <= 0:
                continue
            if files:
                while m >= rows_per_file:
                    plan.append((cid, "file", pos, rows_per_file))
                    pos += rows_per_file
                    m -= rows_per_file
                api_time = math.ceil(m / per_call) * self.ad.min_interval
                if m and (o.route == "file" or api_time > o.file_overhead):
                    plan.append((cid, "file", pos, m))
                    pos += m
                    m = 0
            while m > 0:
                k = min(per_call, m)
                plan.append((cid, "api", pos, k))
                pos += k
                m -= k
            if o.on_cap != "wait" and pos >= n:
                break
        if pos < n:
            if o.on_cap == "wait" and self.campaigns:
                cid = self.campaigns[-1]
                while pos < n:
                    k = min(per_call, n - pos)
                    plan.append((cid, "api", pos, k))
                    pos += k
            else:
                plan.append((None, "api", pos, n - pos))  # held: no campaign has room
        now = time.time()
        with self.j.tx() as db:
            for i, (cid, route, start, k) in enumerate(plan, 1):
                state = "planned" if cid is not None else "held"
                db.execute("INSERT INTO batches (id, campaign, route, start, n, tag, state, updated) VALUES "
                           "(?,?,?,?,?,?,?,?)", (i, cid, route, start, k, f"cc{self.job}b{i}", state, now))

    # ------------------------------------------------------------------ journal helpers
    def _set(self, bid: int, state: str, count: str | None = None, **kw: Any) -> None:
        """One batch's new state (and, with *count*, one more reconciliation of that kind for the
        summary) in one transaction."""
        cols = ", ".join(f"{k}=?" for k in kw)
        with self.j.tx() as db:
            db.execute(f"UPDATE batches SET state=?, updated=?{', ' + cols if cols else ''} WHERE id=?",
                       (state, time.time(), *kw.values(), bid))
            db.execute("INSERT INTO events VALUES (?,?,?)", (time.time(), bid, state))
            if count is not None:
                self._count_reconcile(count, db)

    def _batch(self, bid: int) -> Any:
        return self.j.one("SELECT * FROM batches WHERE id=?", (bid,))

    def _rows(self, b: Any) -> list[int]:
        rej = {r["row"] for r in self.j.q("SELECT row FROM rejects WHERE row>=? AND row<?", (b["start"], b["start"] + b["n"]))}
        return [i for i in range(b["start"], b["start"] + b["n"]) if i not in rej]

    def _sid(self, row: int) -> str:
        return f"{self.job}{row}"

    # ------------------------------------------------------------------ API route
    def _definitive_retry(self, fn: Callable[..., Any], *a: Any, **kw: Any) -> Any:
        """Retries only errors that say the request was NOT applied (flow control, HTTP 429, a
        clock-skew 401: auth-v2 is checked before anything is applied; a token that could not be
        fetched)."""
        o = self.o.retry
        for attempt in range(1, o.attempts + 1):
            try:
                return fn(*a, **kw)
            except (FlowControlError, RateLimitError, ClockSkewError, NotApplied) as e:
                if attempt == o.attempts:
                    raise
                o.sleep(o.delay(e, attempt))
        raise AssertionError("unreachable")

    def _lane(self, cid: int) -> None:
        """Sends the target's API batches one by one, min_interval apart."""
        last = 0.0
        while not self._stop.is_set():
            b = self.j.one("SELECT * FROM batches WHERE campaign=? AND route='api' AND state IN ('planned','unknown',"
                           "'sending') ORDER BY start, id LIMIT 1", (cid,))
            if b is None:
                return
            if b["state"] in ("unknown", "sending"):  # all of this campaign's unknowns in one look
                self._reconcile(cid, self.j.q("SELECT * FROM batches WHERE campaign=? AND route='api' AND "
                                              "state IN ('unknown','sending')", (cid,)))
                continue
            rows = self._rows(b)
            if not rows:
                self._set(b["id"], "accepted", accepted=0)
                continue
            if b["attempts"] >= MAX_ATTEMPTS:
                raise ImportFailed(f"batch {b['id']} (rows {b['start']}-{b['start'] + b['n'] - 1}): sent "
                                   f"{b['attempts']} times without a definite answer ({b['code']}: {b['msg']})")
            wait_s = last + self.ad.min_interval - time.monotonic()
            if wait_s > 0:
                time.sleep(wait_s)
            with self.j.tx() as db:  # BEFORE: the journal says it may be on the platform from now on
                db.execute("UPDATE batches SET state='sending', attempts=attempts+1, updated=? WHERE id=?",
                           (time.time(), b["id"]))
            try:
                sent = self._definitive_retry(self.ad.send, cid, [self.dial[i] for i in rows], rows, self.job,
                                              b["tag"])
                last = time.monotonic()  # paced from the answer: arrivals stay >= min_interval apart
            except LimitExceededError as e:  # 0200020: the campaign holds 200,000 uncompleted numbers
                last = time.monotonic()
                self._set(b["id"], "planned")
                if not self._on_cap(cid, e):
                    return
                continue
            except (BlacklistedError,) as e:
                last = time.monotonic()
                self._set(b["id"], "planned")
                self._split_blacklisted(b, rows, e)
                continue
            except (StateError, NotFoundError, AuthenticationError) as e:
                self._set(b["id"], "planned", code=e.code, msg=str(e)[:300])
                raise ImportFailed(f"campaign {cid}: {e}") from e
            except ApiError as e:
                last = time.monotonic()
                if e.retryable:  # ambiguous (e.g. an internal-error code)
                    self._set(b["id"], "unknown", code=e.code, msg=str(e)[:300])
                    continue
                self._split_or_reject(b, rows, e)
                continue
            except PlatformError as e:  # transport, 5xx, truncated, odd pages: it may or may not have been applied
                if not e.retryable:  # e.g. an HTML page with HTTP 200: stop, the next run reconciles it
                    self._set(b["id"], "unknown", code=e.code, msg=str(e)[:300])
                    raise ImportFailed(f"campaign {cid}: {e}") from e
                self._set(b["id"], "unknown", code=e.code, msg=str(e)[:300])
                last = time.monotonic()
                continue
            self._set(b["id"], "accepted", accepted=sent.accepted, failed=sent.failed, platform_dup=sent.already,
                      code=sent.code, msg=sent.info)
            self.progress("rows", len(rows), 0)

    def _split_or_reject(self, b: Any, rows: list[int], e: PlatformError) -> None:
        """A request rejected as a whole: halve it until the offending row is alone, then record
        that row as rejected with the platform's code."""
        if len(rows) == 1:
            with self.j.tx() as db:
                db.execute("INSERT OR REPLACE INTO rejects VALUES (?,?,?,?)", (rows[0], b["id"], e.code, str(e)[:300]))
                db.execute("UPDATE batches SET state='accepted', accepted=0, code=?, msg=?, updated=? WHERE id=?",
                           (e.code, str(e)[:300], time.time(), b["id"]))
            self.progress("rows", 1, 0)
            return
        half = b["n"] // 2
        with self.j.tx() as db:
            nxt = db.execute("SELECT MAX(id) m FROM batches").fetchone()["m"] + 1
            for k, (s, n) in enumerate(((b["start"], half), (b["start"] + half, b["n"] - half))):
                db.execute("INSERT INTO batches (id, parent, campaign, route, start, n, tag, state, updated) VALUES "
                           "(?,?,?,?,?,?,?,?,?)", (nxt + k, b["id"], b["campaign"], "api", s, n,
                                                  f"cc{self.job}b{nxt + k}", "planned", time.time()))
            db.execute("UPDATE batches SET state='split', code=?, msg=?, updated=? WHERE id=?",
                       (e.code, str(e)[:300], time.time(), b["id"]))

    def _split_blacklisted(self, b: Any, rows: list[int], e: PlatformError) -> None:
        """0200024: ask the platform's blacklist (7.3.4, 20 numbers a call) which rows it refuses,
        record them with the code, and send the rest again."""
        bad = self.ad.blacklisted([self.dial[i] for i in rows])
        if not bad:
            self._split_or_reject(b, rows, e)
            return
        with self.j.tx() as db:
            for i in rows:
                if self.dial[i] in bad:
                    db.execute("INSERT OR REPLACE INTO rejects VALUES (?,?,?,?)", (i, b["id"], e.code, str(e)[:300]))
        self.progress("rows", sum(1 for i in rows if self.dial[i] in bad), 0)

    def _on_cap(self, cid: int, e: PlatformError) -> bool:
        """Campaign full: spill its planned API batches into the next campaign with room, or wait
        for it to drain. Returns True when this lane should go on."""
        if self.o.on_cap == "wait":
            self._wait_drain(cid)
            return True
        with self._lock:
            self._full.add(cid)
            nxt = next((c for c in self.campaigns if c not in self._full and
                        self.campaigns.index(c) > self.campaigns.index(cid)), None)
        if nxt is None and self.o.create_campaigns:
            nxt = self._new_campaign()
        with self.j.tx() as db:
            if nxt is None:
                db.execute("UPDATE batches SET state='held', campaign=NULL WHERE campaign=? AND route='api' AND "
                           "state='planned'", (cid,))
            else:
                db.execute("UPDATE batches SET campaign=? WHERE campaign=? AND route='api' AND state='planned'",
                           (nxt, cid))
        return False

    def _new_campaign(self) -> int | None:
        """Creates the next campaign, at most ``create_campaigns`` in all, journaled so that a crash
        never creates one twice: the name (unique: job + number) is written BEFORE the create call
        and the id AFTER it; a name without an id (killed, or the answer lost) is looked up on the
        platform (7.1.7) before anything is created again."""
        with self._create_lock:
            made = self.j.get("created_campaigns", [])
            if made and made[-1]["id"] is None:
                entry = made[-1]
            else:
                if len(made) >= self.o.create_campaigns:
                    return None
                entry = {"name": f"callcore-{self.job}-{len(made) + 1}", "id": None}
                made.append(entry)
                self.j.set("created_campaigns", made)  # BEFORE
            pol = self.o.retry
            for attempt in range(1, pol.attempts + 1):
                try:
                    cid = self.ad.find_target(entry["name"])
                    if cid is None:
                        cid = self.ad.create_target(self.campaigns[0], entry["name"])
                except PlatformError as e:
                    if isinstance(e, ClientValidationError) or not (e.retryable or e.code == "0200005") \
                            or attempt == pol.attempts:
                        raise ImportFailed(f"creating campaign {entry['name']}: {e}") from e
                    pol.sleep(pol.delay(e, attempt))  # outcome unknown or name taken: look it up again
                    continue
                with self.j.tx() as db:  # AFTER: the id and its count in one transaction
                    self.j.set("created_campaigns", [*made[:-1], {**entry, "id": int(cid)}], db)
                    self._count_reconcile("campaigns created past the pending cap", db)
                entry["id"] = int(cid)  # in memory only once it is durable
                with self._lock:
                    self.campaigns.append(int(cid))
                return int(cid)
        raise AssertionError("unreachable")

    def _wait_drain(self, cid: int) -> None:
        """--on-cap wait: the platform dials only a running campaign, and numbers can be added only
        to one that is not running (001:25436-25437). So: resume it, wait until it has dialled
        enough for the rest of its batches (or everything), pause it, and let the lane add again.
        Each status change is journaled before and after (:meth:`_put`), so a run killed at any
        point leaves a known state that the next run puts right (:meth:`_settle_campaigns`)."""
        if not self.ad.can_pause:
            raise ImportFailed(f"--on-cap wait: {self.ad.name} targets cannot be resumed by the import; "
                               "use --on-cap spill with further --campaign targets")
        cap = self.ad.pending_cap or self.o.pending_cap
        self._put(cid, "running")
        while not self._stop.is_set():
            try:
                left = self.ad.uncalled(cid)
                if left is None:
                    raise ImportFailed(f"--on-cap wait: {self.ad.name} offers no count of numbers still to call; "
                                       "use --on-cap spill with further --campaign targets")
                rest = self.j.one("SELECT SUM(n) s FROM batches WHERE campaign=? AND route='api' AND state IN "
                                  "('planned','unknown','sending')", (cid,))["s"] or 0
                # room for all its remaining rows, or for as many as the cap allows (then it is empty)
                if left + min(int(rest), cap) <= cap:
                    break
                time.sleep(max(self.o.drain_poll, self.o.stats_interval))  # 7.4.7 answers once per interval
            except RateLimitError:
                time.sleep(self.o.stats_interval)  # the platform's 7.4.7 interval (001:26271), as configured
            except PlatformError as e:
                if not e.retryable:
                    raise
                time.sleep(e.retry_after if e.retry_after is not None else self.o.drain_poll)
        self._put(cid, "paused")

    # ------------------------------------------------------------------ campaign status
    def _put(self, cid: int, want: str) -> None:
        """Brings campaign *cid* to ``running`` or ``paused``: the intent is journaled before the
        call (``campaign:<id>`` = resuming / pausing) and the result after it, so that a kill
        between the two leaves a state the next run recognises. The call is made only when the
        platform's status differs, and a refused or lost answer is judged by reading the status
        again (a pause whose answer was lost must not be taken for a failure)."""
        key = f"campaign:{cid}"
        self.j.set(key, "resuming" if want == "running" else "pausing")  # BEFORE
        pol = self.o.retry
        # one look more than calls: the status read after the last call says whether it worked
        for attempt in range(1, pol.attempts + 2):
            try:
                now = self.ad.status(cid)
                if now == want:
                    break
                if now == "finished":
                    raise ImportFailed(f"campaign {cid} is finished: it cannot be {want}")
                if attempt > pol.attempts:
                    raise ImportFailed(f"campaign {cid}: still {now}, not {want}, after {pol.attempts} attempts")
                (self.ad.resume if want == "running" else self.ad.pause)(cid)
            except PlatformError as e:
                if isinstance(e, (AuthenticationError, NotFoundError)) and not isinstance(e, ClockSkewError):
                    raise ImportFailed(f"campaign {cid}: {e}") from e
                if attempt >= pol.attempts:
                    raise ImportFailed(f"campaign {cid}: could not make it {want}: {e}") from e
                pol.sleep(pol.delay(e, attempt))  # then look at its status again
        else:
            raise ImportFailed(f"campaign {cid}: still not {want} after {pol.attempts} attempts")
        self.j.set(key, want)  # AFTER

    def _settle_campaigns(self) -> None:
        """Before anything is added: a campaign a killed run left running, or was resuming or
        pausing, is paused again (numbers cannot be added to a running campaign, 001:25437); so is
        one an earlier run left running at the user's request that has rows to take now."""
        for r in self.j.q("SELECT k, v FROM meta WHERE k LIKE 'campaign:%'"):
            cid, state = int(r["k"].split(":", 1)[1]), json.loads(r["v"])
            if state == "paused":
                continue
            if state == "running" and not self.j.one(
                    "SELECT 1 FROM batches WHERE campaign=? AND state NOT IN ('accepted','done','split','rejected',"
                    "'held')", (cid,)) and self.j.get("left") == "running":
                continue
            self._put(cid, "paused")

    def _leave_campaigns(self) -> None:
        """--leave: every campaign the import put rows into ends ``paused`` or ``running``."""
        if not self.ad.can_pause:
            return
        want = self.o.leave
        used = [r["campaign"] for r in self.j.q("SELECT DISTINCT campaign FROM batches WHERE campaign IS NOT NULL "
                                                "AND state IN ('accepted','done') ORDER BY campaign")]
        mine = {int(r["k"].split(":", 1)[1]) for r in self.j.q("SELECT k FROM meta WHERE k LIKE 'campaign:%'")}
        for cid in used:
            # paused: only campaigns this import ever ran need it (the others were never started by it)
            if want == "running" or cid in mine:
                self._put(cid, want)
        self.j.set("left", want)

    # ------------------------------------------------------------------ reconciliation
    def _reconcile(self, cid: int, batches: list[Any]) -> None:
        """Finds out through the adapter whether batches of unknown outcome reached the platform
        (by their tags or their rows' ids) before anything is sent again."""
        batches = [self._batch(b["id"]) for b in batches]
        rows = {b["id"]: self._rows(b) if b["route"] == "api" else list(range(b["start"], b["start"] + b["n"]))
                for b in batches}
        found = self.ad.find(cid, self.job, [Unknown(b["id"], b["tag"], b["route"], rows[b["id"]], b["n"])
                                             for b in batches])
        for b in batches:
            f: Found = found[b["id"]]
            mine = rows[b["id"]]
            present = f.rows if f.rows is not None else (set(mine) if f.count else set())
            # each outcome and its count in the summary are one transaction (_set/_resend_missing)
            if not present:
                self._set(b["id"], "planned" if b["route"] == "api" else "uploaded", reconciled=f.label,
                          count=f.label)
            elif b["route"] == "file":
                self._set(b["id"], "done", accepted=f.count, failed=b["n"] - f.count, code="file-import",
                          msg="import outcome found by statistics; per-row reasons unknown", reconciled=f.label,
                          count=f.label)
                self.progress("rows", b["n"], 0)
            elif present >= set(mine):
                self._set(b["id"], "accepted", accepted=len(mine), reconciled=f.label, count=f.label)
                self.progress("rows", len(mine), 0)
            else:  # part of it arrived: that part is done, the rest goes again as new batches
                self._resend_missing(b, mine, present, f.label)

    def _resend_missing(self, b: Any, mine: list[int], present: set[int], label: str) -> None:
        runs: list[list[int]] = []
        for i in mine:
            if i in present:
                continue
            if runs and runs[-1][1] == i:
                runs[-1][1] = i + 1
            else:
                runs.append([i, i + 1])
        with self.j.tx() as db:
            nxt = db.execute("SELECT MAX(id) m FROM batches").fetchone()["m"] + 1
            for k, (s0, s1) in enumerate(runs):
                db.execute("INSERT INTO batches (id, parent, campaign, route, start, n, tag, state, updated) VALUES "
                           "(?,?,?,?,?,?,?,?,?)", (nxt + k, b["id"], b["campaign"], "api", s0, s1 - s0,
                                                  f"cc{self.job}b{nxt + k}", "planned", time.time()))
            db.execute("UPDATE batches SET state='accepted', accepted=?, reconciled=?, msg=?, updated=? WHERE id=?",
                       (len(present), label, f"partly found: {len(present)} of {len(mine)} rows; the rest resent",
                        time.time(), b["id"]))
            self._count_reconcile(label, db)
        self.progress("rows", len(present), 0)

    def _count_reconcile(self, what: str, db: Any) -> None:
        """Counts one reconciliation for the summary, inside the caller's transaction."""
        k = f"reconciled:{what}"
        r = db.execute("SELECT v FROM meta WHERE k=?", (k,)).fetchone()
        db.execute("INSERT OR REPLACE INTO meta VALUES (?,?)", (k, str(int(r["v"]) + 1 if r else 1)))

    # ------------------------------------------------------------------ file route
    def _file_job(self, bid: int) -> None:
        from callcore.pipelines import sftp as sftp_mod
        from callcore.pipelines.xlsx import write_huawei_data_workbook

        o = self.o
        while not self._stop.is_set():
            b = self._batch(bid)
            st = b["state"]
            name = f"{b['tag']}.xlsx"
            local = self.workdir / "workbooks" / name
            if st == "planned" or (st == "written" and not local.exists()):
                write_huawei_data_workbook(local, self.job, b["start"], self.dial[b["start"]:b["start"] + b["n"]],
                                           b["tag"])
                self._set(bid, "written", file=str(local))
            elif st == "written":
                sftp_mod.upload(o.sftp, local, name)
                self._set(bid, "uploaded")
            elif st == "uploaded":
                self._set(bid, "importing")
                try:
                    tid = self._definitive_retry(self.ad.start_file_import, b["campaign"], name)
                except (StateError, NotFoundError, AuthenticationError) as e:
                    self._set(bid, "uploaded", code=e.code, msg=str(e)[:300])
                    raise ImportFailed(f"campaign {b['campaign']}: {e}") from e
                except PlatformError as e:
                    if e.retryable:
                        self._set(bid, "unknown", code=e.code, msg=str(e)[:300])
                        continue
                    # an error code is a definitive answer; anything else may have started the import
                    self._set(bid, "uploaded" if isinstance(e, ApiError) else "unknown", code=e.code,
                              msg=str(e)[:300])
                    raise ImportFailed(f"file import of {name}: {e}") from e
                self._set(bid, "imported", task_id=tid)
            elif st in ("importing", "unknown"):
                self._reconcile(b["campaign"], [b])
            elif st == "imported":
                t = self.ad.file_import_result(b["campaign"], b["task_id"])
                if t is None or not t.done:
                    time.sleep(o.import_poll)
                    continue
                if t.status == "2":
                    self._set(bid, "done", accepted=t.succNum, platform_dup=t.repeatNum, failed=t.failNum,
                              code="file-import" if t.failNum else None, msg=t.errMsg or None)
                else:
                    self._set(bid, "done", accepted=t.succNum, platform_dup=t.repeatNum,
                              failed=b["n"] - t.succNum - t.repeatNum, code="file-import-failed", msg=t.errMsg)
                self.progress("rows", b["n"], 0)
                try:
                    local.unlink()
                except OSError:
                    pass
                return
            else:
                return

    # ------------------------------------------------------------------ run
    def run(self) -> ImportSummary:
        t0 = time.monotonic()
        sweep_partials(self.workdir / "workbooks")
        self.prepare()
        self.progress("total", len(self.dial), 0)
        self.progress("rows", self._done_rows(), 0)
        # a 'sending' API batch on start means the last run stopped mid-request: unknown outcome
        self.j.x("UPDATE batches SET state='unknown' WHERE state='sending'")
        if self.o.create_campaigns:
            made = self.j.get("created_campaigns", [])
            if made and made[-1]["id"] is None:
                self._new_campaign()  # a creation a crash left unfinished: look it up first
                self._place_held()
            while self.j.one("SELECT 1 FROM batches WHERE state='held'") and self._new_campaign() is not None:
                self._place_held()
        if self.ad.can_pause:
            self._settle_campaigns()
        if self.o.preflight:
            self._preflight()
        try:
            with ThreadPoolExecutor(max_workers=max(1, self.o.workers)) as pool:
                running: dict[Future[None], str] = {}
                while True:
                    busy = set(running.values())
                    for r in self.j.q("SELECT DISTINCT campaign FROM batches WHERE route='api' AND campaign IS NOT "
                                      "NULL AND state IN ('planned','unknown','sending')"):
                        key = f"lane:{r['campaign']}"
                        if key not in busy and len(running) < self.o.workers:
                            running[pool.submit(self._lane, r["campaign"])] = key
                            busy.add(key)
                    for r in self.j.q("SELECT id FROM batches WHERE route='file' AND state NOT IN "
                                      "('done','held','split','rejected','accepted') ORDER BY id"):
                        key = f"file:{r['id']}"
                        files_running = sum(1 for v in busy if v.startswith("file:"))
                        if key not in busy and len(running) < self.o.workers and files_running < 2:
                            running[pool.submit(self._file_job, r["id"])] = key
                            busy.add(key)
                    if not running:
                        break
                    done, _ = wait(list(running), return_when=FIRST_COMPLETED)
                    for f in done:
                        running.pop(f)
                        exc = f.exception()
                        if exc is not None:
                            self._stop.set()
                            wait(list(running))
                            raise exc
            self._leave_campaigns()
        finally:
            self.ad.close()
        s = self.summary()
        s.seconds = time.monotonic() - t0
        return s

    def _done_rows(self) -> int:
        r = self.j.one("SELECT SUM(n) s FROM batches WHERE state IN ('accepted','done') AND parent IS NULL")
        return int(r["s"] or 0) if r else 0

    def summary(self) -> ImportSummary:
        cs = self.j.get("clean") or {}
        per = dict(cs.get("per_reason") or {})
        dup, bl, ai = per.pop("duplicate", 0), per.pop("blacklisted", 0), per.pop("already_imported", 0)
        accepted = 0
        rejected: dict[str, int] = {}
        for r in self.j.q("SELECT code, COUNT(*) n FROM rejects GROUP BY code"):
            rejected[str(r["code"])] = r["n"]
        api_acc = self.j.one("SELECT SUM(accepted) s FROM batches WHERE route='api' AND state='accepted'")["s"] or 0
        accepted += int(api_acc)
        for r in self.j.q("SELECT code, SUM(failed) n FROM batches WHERE route='api' AND state='accepted' AND failed>0 "
                          "GROUP BY code"):  # refused by count only (SCCC report.error)
            k = str(r["code"] or f"{self.ad.name}: refused")
            rejected[k] = rejected.get(k, 0) + int(r["n"])
        for r in self.j.q("SELECT * FROM batches WHERE route='file' AND state='done'"):
            accepted += r["accepted"]
            if r["platform_dup"]:
                rejected["file-import: duplicate (repeatNum)"] = rejected.get("file-import: duplicate (repeatNum)", 0) + r["platform_dup"]
            if r["failed"]:
                k = f"{r['code'] or 'file-import'}: failed (failNum)"
                rejected[k] = rejected.get(k, 0) + r["failed"]
        clean = int(cs.get("clean", 0))
        not_imported = clean - accepted - sum(rejected.values())
        states = {r["state"]: r["n"] for r in self.j.q("SELECT state, COUNT(*) n FROM batches GROUP BY state")}
        camps = {str(r["campaign"]): int(r["s"] or 0) for r in self.j.q(
            "SELECT campaign, SUM(accepted) s FROM batches WHERE state IN ('accepted','done') GROUP BY campaign")}
        routes = {r["route"]: int(r["s"] or 0) for r in self.j.q(
            "SELECT route, SUM(accepted) s FROM batches WHERE state IN ('accepted','done') GROUP BY route")}
        rec = {r["k"].split(":", 1)[1]: int(r["v"]) for r in self.j.q("SELECT k, v FROM meta WHERE k LIKE 'reconciled:%'")}
        already = self.j.one("SELECT SUM(platform_dup) s FROM batches WHERE route='api' AND state='accepted'")["s"]
        if already:
            rec["rows already on the platform when sent (SCCC report.repeat), counted as accepted"] = int(already)
        return ImportSummary(
            input_rows=int(cs.get("rows", 0)), clean=clean, invalid=sum(per.values()), duplicate=dup, blacklisted=bl,
            already_imported=ai, accepted=accepted, platform_rejected=rejected, not_imported=not_imported,
            batches=states, campaigns=camps, routes=routes, reconciled=rec, invalid_reasons=per,
            complete=not_imported == 0, workdir=str(self.workdir), clean_file=str(self.clean_file),
            rejects_file=str(self.rejects_file), journal=self.j.path,
            created_campaigns=[e["id"] for e in self.j.get("created_campaigns", []) if e["id"] is not None])

    def close(self) -> None:
        self.j.close()


def import_list(source: str | os.PathLike[str], workdir: str | os.PathLike[str], options: ImportOptions,
                progress: Callable[[str, int, int], object] | None = None) -> ImportSummary:
    """Imports (or resumes importing) *source* into ``options.campaigns``; see the module docs.
    Running it again with the same *workdir* continues where it stopped.

    The work folder belongs to this call from before anything in it is read until the end
    (:func:`callcore.pipelines.folder_lock.hold`): a second import on the same folder raises
    :class:`~callcore.pipelines.folder_lock.FolderBusy` naming the holder's PID, or waits
    (``options.wait_for_folder``), instead of planning and sending the same batches again."""
    from .folder_lock import hold

    with hold(workdir, wait=options.wait_for_folder, what="callcore outbound import"):
        job = OutboundImport(source, workdir, options, progress)
        try:
            return job.run()
        finally:
            job.close()
