"""The outbound import engine: one job bound to a work folder, generic over the platforms.

It cleans (once), plans batches by the adapter's capacity (``per_call``, pending cap, file
route), journals every batch BEFORE it is sent and AFTER the answer, runs one paced lane per
target (and the adapter's file route), splits a batch the platform refuses as a whole,
reconciles unknown outcomes through the adapter, and sums up. Everything a platform does
differently sits behind :class:`callcore.pipelines.adapters.base.PlatformAdapter`; the target
states (pause/resume/create) are :class:`.targets.TargetStates`.
"""
from __future__ import annotations

import os
import secrets
import sqlite3
import threading
import time
from collections.abc import Callable, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import asdict
from pathlib import Path
from typing import Any

from callcore.platforms.errors import (ApiError, AuthenticationError, BlacklistedError, LimitExceededError,
                                       NotFoundError, PlatformError, StateError)

from ..adapters import make_adapter
from ..adapters.base import Found, PlatformAdapter, Unknown, not_applied
from ..dial_column import DialColumn, read_journaled
from ..journal import Journal, sweep_partials
from ..options import ImportFailed, ImportOptions, ImportSummary, PlatformImportOptions
from ..retrying import retry_call
from .summary import summarize
from .targets import TargetStates


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
#               file route: planned -> ... -> done (the adapter's states, e.g. Huawei's workbooks)
#               split (replaced by two halves), rejected (one row, the platform's code), held (no campaign room)
FINAL = ("accepted", "done", "split", "rejected")


class OutboundImport(TargetStates):
    """One import job, bound to a work folder (journal, clean/rejects CSVs, workbooks)."""

    def __init__(self, source: str | os.PathLike[str], workdir: str | os.PathLike[str], options: ImportOptions,
                 progress: Callable[[str, int, int], object] | None = None) -> None:
        self.source = Path(source)
        self.workdir = Path(workdir)
        self.settings = options
        self.progress: Callable[[str, int, int], object] = progress or (lambda *a: None)
        self.workdir.mkdir(parents=True, exist_ok=True)
        self.journal = Journal(self.workdir / "journal.sqlite3", SCHEMA)
        self.clean_file = self.workdir / "clean.csv"
        self.rejects_file = self.workdir / "rejects.csv"
        self.dial = DialColumn(b"", b"")
        self.job = ""
        self.adapter: PlatformAdapter[PlatformImportOptions] = make_adapter(options)
        if options.create_campaigns and not self.adapter.can_create:
            raise ValueError(f"--create-campaigns: {self.adapter.name} targets cannot be created by the import")
        if options.leave not in ("paused", "running"):
            raise ValueError(f"--leave: {options.leave!r} is not 'paused' or 'running'")
        if options.leave == "running" and not self.adapter.can_pause:
            raise ValueError(f"--leave running: the import cannot start {self.adapter.name} targets")
        self.campaigns: list[int] = list(options.campaigns)
        self._create_lock = threading.Lock()
        self.stop = threading.Event()
        self._full_targets: set[int] = set()
        self._campaigns_lock = threading.Lock()

    # ------------------------------------------------------------------ setup
    def _fingerprint(self) -> dict[str, Any]:
        st = self.source.stat()
        return {"path": str(self.source.resolve()), "size": st.st_size, "mtime_ns": st.st_mtime_ns}

    def prepare(self) -> None:
        """Cleans the list (once) and plans the batches (once); a second call only reloads."""
        if not self.source.is_file():
            raise FileNotFoundError(f"{self.source}: no such file")
        fp = self._fingerprint()
        old = self.journal.get("input")
        if old is not None and (old["size"], old["mtime_ns"]) != (fp["size"], fp["mtime_ns"]):
            raise ValueError(f"{self.source}: the list changed since this job started (journal {self.journal.path}); "
                             "use a new work folder for a new list")
        if old is None:  # one transaction: a kill leaves all three or none (issue 10 item 3)
            with self.journal.tx() as db:
                self.journal.set("input", fp, db)
                self.journal.set("job", secrets.token_hex(4), db)
                self.journal.set("platform", self.adapter.name, db)
        if self.journal.get("platform", "huawei") != self.adapter.name:
            raise ValueError(f"{self.workdir}: this work folder holds a {self.journal.get('platform', 'huawei')} import, "
                             f"not {self.adapter.name}; use a new work folder")
        self.job = self.journal.get("job")
        for e in self.journal.get("created_campaigns", []):
            if e["id"] is not None and e["id"] not in self.campaigns:
                self.campaigns.append(e["id"])
        if self.journal.get("clean") is None:
            self.progress("clean", 0, 0)
            from callcore import calllist

            handed: list[DialColumn] = []
            s = calllist.clean(self.source, self.clean_file, self.rejects_file, platform=self.adapter.clean_profile,
                               blacklist=self.settings.blacklist, default_area_code=self.settings.default_area_code,
                               column=self.settings.column,
                               progress=lambda done, tot, rows: self.progress("clean", done, tot),
                               on_dial_column=lambda lines, offsets: handed.append(DialColumn(lines, offsets)),
                               hash_clean=True)
            with self.journal.tx() as db:  # the clean's counts and its file's size and SHA-256 (hashed as written), together
                self.journal.set("clean_file", {"bytes": s.clean_bytes, "sha256": s.clean_sha256}, db)
                self.journal.set("clean", asdict(s), db)
            self.dial = handed[0]
        else:  # cleaned by an earlier run (the journal says so): its clean.csv, read back and hashed in one Rust call
            self.dial = read_journaled(self.clean_file, self.journal.get("clean_file"), what="resumed import")
        if len(self.dial) != self.journal.get("clean")["clean"]:
            raise ValueError(f"{self.clean_file}: {len(self.dial)} rows, but the clean of this work folder wrote "
                             f"{self.journal.get('clean')['clean']}; restore the file or start again in a new work folder")
        if self.journal.row("SELECT 1 FROM batches LIMIT 1") is None:
            self._plan()
        else:
            self._place_held()

    def _place_held(self) -> None:
        """Rows held for want of campaign room go to campaigns given on this run that the journal
        has not used yet (e.g. a campaign created after the cap stopped the last run)."""
        held = self.journal.rows("SELECT * FROM batches WHERE state='held' ORDER BY start")
        if not held:
            return
        used = {r["campaign"] for r in self.journal.rows("SELECT DISTINCT campaign FROM batches WHERE campaign IS NOT NULL")}
        fresh = [c for c in self.campaigns if c not in used]
        if not fresh:
            return
        with self.journal.tx() as db:
            nxt = db.execute("SELECT MAX(id) m FROM batches").fetchone()["m"] + 1
            for h in held:
                pos, end = h["start"], h["start"] + h["n"]
                while pos < end and fresh:
                    cid = fresh[0]
                    room = self._room(cid) - int(self.journal.get(f"assigned:{cid}", 0))
                    if room <= 0:
                        fresh.pop(0)
                        continue
                    k = min(self.adapter.per_call, end - pos, room)
                    db.execute("INSERT INTO batches (id, parent, campaign, route, start, n, tag, state, updated) "
                               "VALUES (?,?,?,?,?,?,?,?,?)", (nxt, h["id"], cid, "api", pos, k, f"cc{self.job}b{nxt}",
                                                              "planned", time.time()))
                    self.journal.set(f"assigned:{cid}", int(self.journal.get(f"assigned:{cid}", 0)) + k, db)
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
        todo = [r["campaign"] for r in self.journal.rows(
            "SELECT DISTINCT campaign FROM batches WHERE campaign IS NOT NULL AND state NOT IN "
            "('accepted','done','split','rejected')")]
        if todo:
            self.adapter.preflight(todo)

    def _room(self, cid: int) -> int:
        if self.adapter.pending_cap is None:
            return 1 << 62
        return self.adapter.pending_cap - int(self.journal.get(f"base_pending:{cid}", 0))

    def _plan(self) -> None:
        """Cuts the clean rows into batches: each target takes what its pending cap leaves room
        for, cut by the adapter (API batches, or its file route's workbooks); the rest spills into
        the next target, waits on the last one (``--on-cap wait``) or is held."""
        n = len(self.dial)
        settings = self.settings
        plan: list[tuple[int | None, str, int, int]] = []
        pos = 0
        for cid in self.campaigns:
            fits = min(max(self._room(cid), 0), n - pos)
            if fits <= 0:
                continue
            for chunk in self.adapter.plan_target(fits):
                plan.append((cid, chunk.route, pos, chunk.rows))
                pos += chunk.rows
            if settings.on_cap != "wait" and pos >= n:
                break
        if pos < n:
            if settings.on_cap == "wait" and self.campaigns:
                last = self.campaigns[-1]
                while pos < n:
                    k = min(self.adapter.per_call, n - pos)
                    plan.append((last, "api", pos, k))
                    pos += k
            else:
                plan.append((None, "api", pos, n - pos))  # held: no campaign has room
        now = time.time()
        with self.journal.tx() as db:
            for i, (target, route, start, k) in enumerate(plan, 1):
                state = "planned" if target is not None else "held"
                db.execute("INSERT INTO batches (id, campaign, route, start, n, tag, state, updated) VALUES "
                           "(?,?,?,?,?,?,?,?)", (i, target, route, start, k, f"cc{self.job}b{i}", state, now))

    # ------------------------------------------------------------------ journal helpers
    def set_state(self, batch_id: int, state: str, count: str | None = None, **columns: Any) -> None:
        """One batch's new state and *columns* (and, with *count*, one more reconciliation of that
        kind for the summary) in one transaction."""
        assignments = ", ".join(f"{k}=?" for k in columns)
        with self.journal.tx() as db:
            db.execute(f"UPDATE batches SET state=?, updated=?{', ' + assignments if assignments else ''} WHERE id=?",
                       (state, time.time(), *columns.values(), batch_id))
            db.execute("INSERT INTO events VALUES (?,?,?)", (time.time(), batch_id, state))
            if count is not None:
                self.count_reconcile(count, db)

    def batch(self, bid: int) -> sqlite3.Row:
        row = self.journal.row("SELECT * FROM batches WHERE id=?", (bid,))
        if row is None:
            raise KeyError(f"batch {bid}: not in the journal {self.journal.path}")
        return row

    def numbers(self, start: int, n: int) -> Sequence[str]:
        """The dialing strings of clean rows ``start`` .. ``start + n - 1`` (a view of the packed
        column: the file route hands its bytes to the workbook writer without making strings)."""
        return self.dial.view(start, n)

    def _rows(self, b: Any) -> list[int]:
        rej = {r["row"] for r in self.journal.rows("SELECT row FROM rejects WHERE row>=? AND row<?", (b["start"], b["start"] + b["n"]))}
        return [i for i in range(b["start"], b["start"] + b["n"]) if i not in rej]

    # ------------------------------------------------------------------ API route
    def _lane(self, cid: int) -> None:
        """Sends the target's API batches one by one, min_interval apart."""
        last = 0.0
        while not self.stop.is_set():
            b = self.journal.row("SELECT * FROM batches WHERE campaign=? AND route='api' AND state IN ('planned','unknown',"
                           "'sending') ORDER BY start, id LIMIT 1", (cid,))
            if b is None:
                return
            if b["state"] in ("unknown", "sending"):  # all of this campaign's unknowns in one look
                self.reconcile(cid, self.journal.rows("SELECT * FROM batches WHERE campaign=? AND route='api' AND "
                                              "state IN ('unknown','sending')", (cid,)))
                continue
            rows = self._rows(b)
            if not rows:
                self.set_state(b["id"], "accepted", accepted=0)
                continue
            if b["attempts"] >= MAX_ATTEMPTS:
                raise ImportFailed(f"batch {b['id']} (rows {b['start']}-{b['start'] + b['n'] - 1}): sent "
                                   f"{b['attempts']} times without a definite answer ({b['code']}: {b['msg']})")
            wait_s = last + self.adapter.min_interval - time.monotonic()
            if wait_s > 0:
                time.sleep(wait_s)
            with self.journal.tx() as db:  # BEFORE: the journal says it may be on the platform from now on
                db.execute("UPDATE batches SET state='sending', attempts=attempts+1, updated=? WHERE id=?",
                           (time.time(), b["id"]))
            try:
                sent = retry_call(self.adapter.send, cid, self.dial.take(rows), rows, self.job, b["tag"],
                                  policy=self.settings.retry, retry_on=not_applied,
                                  what=f"{self.adapter.name} target {cid}: batch {b['id']}")
                last = time.monotonic()  # paced from the answer: arrivals stay >= min_interval apart
            except LimitExceededError as e:  # 0200020: the campaign holds 200,000 uncompleted numbers
                last = time.monotonic()
                self.set_state(b["id"], "planned")
                if not self._on_cap(cid, e):
                    return
                continue
            except (BlacklistedError,) as e:
                last = time.monotonic()
                self.set_state(b["id"], "planned")
                self._split_blacklisted(b, rows, e)
                continue
            except (StateError, NotFoundError, AuthenticationError) as e:
                self.set_state(b["id"], "planned", code=e.code, msg=str(e)[:300])
                raise ImportFailed(f"campaign {cid}: {e}") from e
            except ApiError as e:
                last = time.monotonic()
                if e.retryable:  # ambiguous (e.g. an internal-error code)
                    self.set_state(b["id"], "unknown", code=e.code, msg=str(e)[:300])
                    continue
                self._split_or_reject(b, rows, e)
                continue
            except PlatformError as e:  # transport, 5xx, truncated, odd pages: it may or may not have been applied
                if not e.retryable:  # e.g. an HTML page with HTTP 200: stop, the next run reconciles it
                    self.set_state(b["id"], "unknown", code=e.code, msg=str(e)[:300])
                    raise ImportFailed(f"campaign {cid}: {e}") from e
                self.set_state(b["id"], "unknown", code=e.code, msg=str(e)[:300])
                last = time.monotonic()
                continue
            self.set_state(b["id"], "accepted", accepted=sent.accepted, failed=sent.failed, platform_dup=sent.already,
                      code=sent.code, msg=sent.info)
            self.progress("rows", len(rows), 0)

    def _split_or_reject(self, b: Any, rows: list[int], e: PlatformError) -> None:
        """A request rejected as a whole: halve it until the offending row is alone, then record
        that row as rejected with the platform's code."""
        if len(rows) == 1:
            with self.journal.tx() as db:
                db.execute("INSERT OR REPLACE INTO rejects VALUES (?,?,?,?)", (rows[0], b["id"], e.code, str(e)[:300]))
                db.execute("UPDATE batches SET state='accepted', accepted=0, code=?, msg=?, updated=? WHERE id=?",
                           (e.code, str(e)[:300], time.time(), b["id"]))
            self.progress("rows", 1, 0)
            return
        half = b["n"] // 2
        with self.journal.tx() as db:
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
        bad = self.adapter.blacklisted(self.dial.take(rows))
        if not bad:
            self._split_or_reject(b, rows, e)
            return
        with self.journal.tx() as db:
            for i in rows:
                if self.dial[i] in bad:
                    db.execute("INSERT OR REPLACE INTO rejects VALUES (?,?,?,?)", (i, b["id"], e.code, str(e)[:300]))
        self.progress("rows", sum(1 for i in rows if self.dial[i] in bad), 0)

    def _on_cap(self, cid: int, e: PlatformError) -> bool:
        """Campaign full: spill its planned API batches into the next campaign with room, or wait
        for it to drain. Returns True when this lane should go on."""
        if self.settings.on_cap == "wait":
            self.wait_drain(cid)
            return True
        with self._campaigns_lock:
            self._full_targets.add(cid)
            nxt = next((c for c in self.campaigns if c not in self._full_targets and
                        self.campaigns.index(c) > self.campaigns.index(cid)), None)
        if nxt is None and self.settings.create_campaigns:
            nxt = self.new_campaign()
        with self.journal.tx() as db:
            if nxt is None:
                db.execute("UPDATE batches SET state='held', campaign=NULL WHERE campaign=? AND route='api' AND "
                           "state='planned'", (cid,))
            else:
                db.execute("UPDATE batches SET campaign=? WHERE campaign=? AND route='api' AND state='planned'",
                           (nxt, cid))
        return False

    # ------------------------------------------------------------------ reconciliation
    def reconcile(self, cid: int, batches: list[Any]) -> None:
        """Finds out through the adapter whether batches of unknown outcome reached the platform
        (by their tags or their rows' ids) before anything is sent again."""
        batches = [self.batch(b["id"]) for b in batches]
        rows = {b["id"]: self._rows(b) if b["route"] == "api" else list(range(b["start"], b["start"] + b["n"]))
                for b in batches}
        found = self.adapter.find(cid, self.job, [Unknown(b["id"], b["tag"], b["route"], rows[b["id"]], b["n"])
                                             for b in batches])
        for b in batches:
            f: Found = found[b["id"]]
            mine = rows[b["id"]]
            present = f.rows if f.rows is not None else (set(mine) if f.count else set())
            # each outcome and its count in the summary are one transaction (_set/_resend_missing)
            if not present:
                self.set_state(b["id"], "planned" if b["route"] == "api" else "uploaded", reconciled=f.label,
                          count=f.label)
            elif b["route"] == "file":
                self.set_state(b["id"], "done", accepted=f.count, failed=b["n"] - f.count, code="file-import",
                          msg="import outcome found by statistics; per-row reasons unknown", reconciled=f.label,
                          count=f.label)
                self.progress("rows", b["n"], 0)
            elif present >= set(mine):
                self.set_state(b["id"], "accepted", accepted=len(mine), reconciled=f.label, count=f.label)
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
        with self.journal.tx() as db:
            nxt = db.execute("SELECT MAX(id) m FROM batches").fetchone()["m"] + 1
            for k, (s0, s1) in enumerate(runs):
                db.execute("INSERT INTO batches (id, parent, campaign, route, start, n, tag, state, updated) VALUES "
                           "(?,?,?,?,?,?,?,?,?)", (nxt + k, b["id"], b["campaign"], "api", s0, s1 - s0,
                                                  f"cc{self.job}b{nxt + k}", "planned", time.time()))
            db.execute("UPDATE batches SET state='accepted', accepted=?, reconciled=?, msg=?, updated=? WHERE id=?",
                       (len(present), label, f"partly found: {len(present)} of {len(mine)} rows; the rest resent",
                        time.time(), b["id"]))
            self.count_reconcile(label, db)
        self.progress("rows", len(present), 0)

    def count_reconcile(self, what: str, db: Any) -> None:
        """Counts one reconciliation for the summary, inside the caller's transaction."""
        k = f"reconciled:{what}"
        r = db.execute("SELECT v FROM meta WHERE k=?", (k,)).fetchone()
        db.execute("INSERT OR REPLACE INTO meta VALUES (?,?)", (k, str(int(r["v"]) + 1 if r else 1)))

    # ------------------------------------------------------------------ run
    def run(self) -> ImportSummary:
        """Prepares (once), then sends, reconciles and leaves the targets; returns the summary."""
        t0 = time.monotonic()
        sweep_partials(self.workdir / "workbooks")
        self.prepare()
        self.progress("total", len(self.dial), 0)
        self.progress("rows", self._done_rows(), 0)
        # a 'sending' API batch on start means the last run stopped mid-request: unknown outcome
        self.journal.execute("UPDATE batches SET state='unknown' WHERE state='sending'")
        if self.settings.create_campaigns:
            made = self.journal.get("created_campaigns", [])
            if made and made[-1]["id"] is None:
                self.new_campaign()  # a creation a crash left unfinished: look it up first
                self._place_held()
            while self.journal.row("SELECT 1 FROM batches WHERE state='held'") and self.new_campaign() is not None:
                self._place_held()
        if self.adapter.can_pause:
            self.settle_campaigns()
        if self.settings.preflight:
            self._preflight()
        try:
            with ThreadPoolExecutor(max_workers=max(1, self.settings.workers)) as pool:
                running: dict[Future[None], str] = {}
                while True:
                    busy = set(running.values())
                    for r in self.journal.rows("SELECT DISTINCT campaign FROM batches WHERE route='api' AND campaign IS NOT "
                                      "NULL AND state IN ('planned','unknown','sending')"):
                        key = f"lane:{r['campaign']}"
                        if key not in busy and len(running) < self.settings.workers:
                            running[pool.submit(self._lane, r["campaign"])] = key
                            busy.add(key)
                    files = self.adapter.files
                    for r in self.journal.rows("SELECT id FROM batches WHERE route!='api' AND state NOT IN "
                                               "('done','held','split','rejected','accepted') ORDER BY id"):
                        if files is None:
                            raise ImportFailed(f"batch {r['id']}: planned for a file route, which this run has not "
                                               "(give the same SFTP options as the run that planned it)")
                        key = f"file:{r['id']}"
                        files_running = sum(1 for v in busy if v.startswith("file:"))
                        if key not in busy and len(running) < self.settings.workers and files_running < files.parallel:
                            running[pool.submit(files.run, self, r["id"])] = key
                            busy.add(key)
                    if not running:
                        break
                    done, _ = wait(list(running), return_when=FIRST_COMPLETED)
                    for f in done:
                        running.pop(f)
                        exc = f.exception()
                        if exc is not None:
                            self.stop.set()
                            wait(list(running))
                            raise exc
            self.leave_campaigns()
        finally:
            self.adapter.close()
        s = summarize(self.journal, self.adapter.name, self.workdir, self.clean_file, self.rejects_file)
        s.seconds = time.monotonic() - t0
        return s

    def _done_rows(self) -> int:
        r = self.journal.row("SELECT SUM(n) s FROM batches WHERE state IN ('accepted','done') AND parent IS NULL")
        return int(r["s"] or 0) if r else 0

    def summary(self) -> ImportSummary:
        """The reconciliation so far (see :class:`ImportSummary`)."""
        return summarize(self.journal, self.adapter.name, self.workdir, self.clean_file, self.rejects_file)

    def close(self) -> None:
        self.journal.close()


def import_list(source: str | os.PathLike[str], workdir: str | os.PathLike[str], options: ImportOptions,
                progress: Callable[[str, int, int], object] | None = None) -> ImportSummary:
    """Imports (or resumes importing) *source* into ``options.campaigns``; see
    :mod:`callcore.pipelines.outbound`. Running it again with the same *workdir* continues where
    it stopped.

    The work folder belongs to this call from before anything in it is read until the end
    (:func:`callcore.pipelines.folder_lock.hold`): a second import on the same folder raises
    :class:`~callcore.pipelines.folder_lock.FolderBusy` naming the holder's PID, or waits
    (``options.wait_for_folder``), instead of planning and sending the same batches again."""
    from ..folder_lock import hold

    with hold(workdir, wait=options.wait_for_folder, what="callcore outbound import"):
        job = OutboundImport(source, workdir, options, progress)
        try:
            return job.run()
        finally:
            job.close()
