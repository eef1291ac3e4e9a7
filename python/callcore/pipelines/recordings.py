"""Resumable recording sync: a period's calls -> downloaded recordings -> WAV/MP3 + manifest.

``sync_recordings(SyncOptions(...))`` (and ``callcore recordings sync``):

1. split ``[begin, end]`` into windows of at most 3 days (0300014) and, for each, ask CC-FS for the
   bill + recording index zip (13.2.1.2 queryBillData, then 13.2.1.3 downloadBillFile, retried
   while the file is not generated yet); the index CSVs are read by column name
   (:func:`callcore.platforms.huawei.read_bill_index`: old 13 and new 18 column sets);
2. download every recording (13.2.1.4 by the index's ``file_name``, else 13.2.1.5 by
   ``original_file_name``) with bounded concurrency and retries, written atomically;
3. transcode them on all cores (:func:`callcore.audio.transcode_many`) while downloads go on;
4. write ``manifest.csv`` (call id, agent, times, duration, remote and local paths, SHA-256).

State lives in ``OUT/.callcore-sync/state.sqlite3``: a second run fetches and converts only what is
missing. No partial file is ever left under a final name (temporary files are renamed into place).
Local names come from remote paths through :func:`safe_local_path` (drive letters and
backslashes mapped, ``..`` dropped, nothing can land outside ``OUT``).
"""
from __future__ import annotations

import csv
import hashlib
import io
import os
import re
import threading
import time
from collections.abc import Callable
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import asdict, dataclass, field
from datetime import datetime, timedelta
from pathlib import Path, PurePosixPath
from typing import Any

from callcore.platforms.errors import PlatformError
from callcore.platforms.retry import RetryPolicy

from .journal import Journal, retry_call, sweep_partials

FMT = "%Y-%m-%d %H:%M:%S"
STATE_DIR = ".callcore-sync"
SCHEMA = """
CREATE TABLE IF NOT EXISTS windows (begin TEXT, end TEXT, response_id TEXT, bill_file TEXT, state TEXT,
    calls INTEGER, PRIMARY KEY (begin, end));
CREATE TABLE IF NOT EXISTS recs (key TEXT PRIMARY KEY, call_id TEXT, agent TEXT, caller TEXT, callee TEXT,
    begin TEXT, end TEXT, seconds REAL, file_name TEXT, original TEXT, src TEXT, out TEXT, src_sha TEXT,
    src_bytes INTEGER, out_sha TEXT, out_bytes INTEGER, state TEXT, error TEXT, fetches INTEGER DEFAULT 0,
    converts INTEGER DEFAULT 0);
CREATE INDEX IF NOT EXISTS recs_state ON recs(state);
"""
_UNSAFE = re.compile(r'[\x00-\x1f<>:"|?*]')


def safe_local_path(remote: str, root: str | os.PathLike[str], suffix: str | None = None) -> Path:
    """A path under *root* for a remote path: ``\\`` -> ``/``, a drive letter ``Y:`` becomes a
    folder ``Y``, empty/``.``/``..`` components are dropped, characters Windows forbids become
    ``_``; the result is checked to stay inside *root*. ``suffix`` replaces the extension."""
    s = remote.replace("\\", "/")
    m = re.match(r"^([A-Za-z]):(.*)$", s)
    if m:
        s = f"{m.group(1)}/{m.group(2)}"
    parts = [_UNSAFE.sub("_", p).strip() for p in s.split("/")]
    parts = [p for p in parts if p not in ("", ".", "..") and not set(p) <= {"."}]
    if not parts:
        parts = ["unnamed"]
    rel = PurePosixPath(*parts)
    if suffix is not None:
        rel = rel.with_suffix(suffix) if rel.suffix else rel.with_name(rel.name + suffix)
    base = Path(root).resolve()
    target = (base / rel).resolve()
    if target != base and base not in target.parents:
        raise ValueError(f"remote path {remote!r} would leave {base}")
    return target


@dataclass
class SyncOptions:
    """A recording sync. Secrets are never printed."""

    endpoint: str
    access_key: str
    secret_key: str = field(repr=False)
    begin: str = ""
    end: str = ""
    out_dir: str = "recordings"
    vdn_id: int = 1
    to_format: str = "wav"  # wav | mp3
    workers: int = 4
    transcode_jobs: int = 0  # 0 = all cores
    chunk: int = 32
    keep_sources: bool = False
    callback_url: str = "http://127.0.0.1:9/callcore-bill-callback"
    ccfs_url: str | None = None
    bill_wait: float = 120.0
    retry: RetryPolicy = field(default_factory=lambda: RetryPolicy(attempts=8, max_delay=10.0))
    http_options: Any = None


@dataclass
class SyncSummary:
    windows: int
    calls: int
    recordings: int
    downloaded_now: int
    converted_now: int
    converted: int
    failed: int
    bytes_in: int
    bytes_out: int
    out_dir: str
    manifest: str
    complete: bool
    errors: list[str]
    seconds: float = 0.0

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def _windows(begin: str, end: str) -> list[tuple[str, str]]:
    b, e = datetime.strptime(begin, FMT), datetime.strptime(end, FMT)
    if b > e:
        raise ValueError(f"--from {begin} is after --to {end}")
    out = []
    while True:
        w = min(e, b + timedelta(days=3))
        out.append((b.strftime(FMT), w.strftime(FMT)))
        if w >= e:
            return out
        b = w + timedelta(seconds=1)


def _sha(path: Path) -> tuple[str, int]:
    h = hashlib.sha256()
    n = 0
    with open(path, "rb") as f:
        for c in iter(lambda: f.read(1 << 20), b""):
            h.update(c)
            n += len(c)
    return h.hexdigest(), n


def parse_time(s: str) -> str:
    """Accepts ``YYYY-MM-DD``, ``YYYY-MM-DD HH:MM[:SS]`` or ISO ``T`` forms; returns ``YYYY-MM-DD HH:MM:SS``."""
    s = s.strip().replace("T", " ")
    for fmt in (FMT, "%Y-%m-%d %H:%M", "%Y-%m-%d"):
        try:
            return datetime.strptime(s, fmt).strftime(FMT)
        except ValueError:
            pass
    raise ValueError(f"time {s!r}: expected YYYY-MM-DD[ HH:MM[:SS]]")


class RecordingSync:
    def __init__(self, options: SyncOptions, progress: Callable[[str, int, int], object] | None = None) -> None:
        self.o = options
        self.out = Path(options.out_dir).resolve()
        self.state_dir = self.out / STATE_DIR
        self.j = Journal(self.state_dir / "state.sqlite3", SCHEMA)
        self.progress = progress or (lambda *a: None)
        self._client: Any = None
        self.errors: list[str] = []
        self._lock = threading.Lock()

    def client(self) -> Any:
        if self._client is None:
            from callcore.platforms.huawei import HuaweiClient

            kw: dict[str, Any] = {"vdn_id": self.o.vdn_id}
            if self.o.ccfs_url:
                kw["ccfs_url"] = self.o.ccfs_url
            if self.o.http_options is not None:
                kw["options"] = self.o.http_options
            self._client = HuaweiClient(self.o.endpoint, self.o.access_key, self.o.secret_key, **kw)
        return self._client

    # -------------------------------------------------------------- index
    def index(self) -> None:
        from callcore.platforms.huawei import bill_file_name, read_bill_index

        fmt = self.j.get("format")
        if fmt is None:
            self.j.set("format", self.o.to_format)
        elif fmt != self.o.to_format:
            raise ValueError(f"{self.out}: this folder holds a {fmt} sync; use another -o folder for {self.o.to_format}")

        c = self.client()
        ext = ".mp3" if self.o.to_format == "mp3" else ".wav"
        for b, e in _windows(self.o.begin, self.o.end):
            w = self.j.one("SELECT * FROM windows WHERE begin=? AND end=?", (b, e))
            if w is not None and w["state"] == "indexed":
                continue
            rid = retry_call(c.query_bill_data, b, e, self.o.callback_url, policy=self.o.retry)
            name = bill_file_name(rid)
            self.j.x("INSERT OR REPLACE INTO windows VALUES (?,?,?,?,?,?)", (b, e, rid, name, "queried", None))
            bills = self.state_dir / "bills"
            bills.mkdir(parents=True, exist_ok=True)
            deadline = time.monotonic() + self.o.bill_wait
            while True:
                try:
                    path = retry_call(c.download_bill_file, name, bills / name, policy=self.o.retry)
                    break
                except PlatformError as err:
                    if not err.retryable or time.monotonic() > deadline:
                        raise
                    time.sleep(1.0)
            idx = read_bill_index(path)
            calls = {r.get("call_id", ""): r for r in idx.calls}
            with self.j.tx() as db:
                for r in idx.records:
                    key = r.file_name or r.original_file_name
                    if not key:
                        continue
                    remote = r.original_file_name or r.file_name
                    out = safe_local_path(remote, self.out, ext)
                    try:
                        secs = (datetime.strptime(r.call_end, FMT) - datetime.strptime(r.call_begin, FMT)).total_seconds()
                    except ValueError:
                        secs = None
                    cdr = calls.get(r.call_id, {})
                    db.execute("INSERT OR IGNORE INTO recs (key, call_id, agent, caller, callee, begin, end, seconds, "
                               "file_name, original, out, state) VALUES (?,?,?,?,?,?,?,?,?,?,?,?)",
                               (key, r.call_id, r.agent_id or cdr.get("agent_id", ""), r.caller_no, r.callee_no,
                                r.call_begin, r.call_end, secs, r.file_name, r.original_file_name,
                                str(out.relative_to(self.out)), "listed"))
                db.execute("UPDATE windows SET state='indexed', calls=? WHERE begin=? AND end=?", (len(calls), b, e))
            try:
                path.unlink()
            except OSError:
                pass

    # -------------------------------------------------------------- download + transcode
    def _fetch(self, key: str) -> tuple[str, Path | None, str | None, bool]:
        r = self.j.one("SELECT * FROM recs WHERE key=?", (key,))
        c = self.client()
        src_root = self.state_dir / "src"
        try:
            if r["file_name"]:
                dest = safe_local_path(r["file_name"], src_root, ".wav")
                if dest.is_file():  # renamed into place by a run that was stopped before recording it
                    return key, dest, None, False
                path = retry_call(c.download_record_file, r["file_name"], dest, policy=self.o.retry)
            else:
                dest = safe_local_path(r["original"], src_root)
                if dest.is_file():
                    return key, dest, None, False
                path = retry_call(c.download_record, dest, file_name=r["original"], policy=self.o.retry)
            path = Path(path)
            if path.suffix.lower() == ".zip":  # several recordings of one call arrive as a zip
                path = self._unzip_one(path)
        except PlatformError as e:
            return key, None, str(e), False
        return key, path, None, True

    @staticmethod
    def _unzip_one(path: Path) -> Path:
        """Unpacks a downloaded zip with :func:`callcore.platforms.huawei.safe_extract` (no member
        may leave its folder) and returns its single recording."""
        from callcore.platforms.huawei import safe_extract

        dest = path.with_suffix("")
        files = [p for p in safe_extract(path, dest) if p.is_file()]
        path.unlink()
        if len(files) != 1:
            raise PlatformError(f"{path.name}: expected one recording in the zip, got {len(files)}")
        return files[0]

    def transfer(self) -> tuple[int, int]:
        from callcore import audio

        todo = [r["key"] for r in self.j.q("SELECT key FROM recs WHERE state='listed' ORDER BY key")]
        ready = [(r["key"], r["src"]) for r in self.j.q("SELECT key, src FROM recs WHERE state='downloaded' ORDER BY key")]
        total = self.j.one("SELECT COUNT(*) n FROM recs")["n"]
        self.progress("total", total, self.j.one("SELECT COUNT(*) n FROM recs WHERE state='converted'")["n"])
        fetched = converted = 0
        pending_conv: list[tuple[str, str]] = list(ready)

        def convert(items: list[tuple[str, str]]) -> int:
            pairs = []
            rows = {}
            for key, src in items:
                r = self.j.one("SELECT * FROM recs WHERE key=?", (key,))
                rows[key] = r
                pairs.append((self.state_dir / src, self.out / r["out"]))
            results = audio.transcode_many(pairs, to="mp3" if self.o.to_format == "mp3" else "wav",
                                           jobs=self.o.transcode_jobs)
            n = 0
            for (key, _), (srcp, dst), res in zip(items, pairs, results):
                if res.ok:
                    sha, size = _sha(dst)
                    with self.j.tx() as db:
                        db.execute("UPDATE recs SET state='converted', out_sha=?, out_bytes=?, error=NULL, "
                                   "converts=converts+? WHERE key=?", (sha, size, 1 if res.status == "done" else 0, key))
                    if not self.o.keep_sources:
                        try:
                            srcp.unlink()
                        except OSError:
                            pass
                    n += 1
                    self.progress("converted", 1, 0)
                else:
                    self.j.x("UPDATE recs SET state='failed', error=? WHERE key=?", (f"transcode: {res.error}", key))
                    self.errors.append(f"{key}: transcode: {res.error}")
            return n

        with ThreadPoolExecutor(max_workers=max(1, self.o.workers)) as pool:
            futs: set[Future[tuple[str, Path | None, str | None, bool]]] = set()
            it = iter(todo)
            exhausted = False
            while True:
                while not exhausted and len(futs) < self.o.workers * 2:
                    k = next(it, None)
                    if k is None:
                        exhausted = True
                        break
                    futs.add(pool.submit(self._fetch, k))
                if len(pending_conv) >= self.o.chunk or (not futs and pending_conv):
                    converted += convert(pending_conv)
                    pending_conv = []
                    continue
                if not futs:
                    break
                done, futs = wait(futs, return_when=FIRST_COMPLETED)
                for f in done:
                    key, path, err, now = f.result()
                    if path is None:
                        self.j.x("UPDATE recs SET error=? WHERE key=?", (err, key))
                        self.errors.append(f"{key}: download: {err}")
                        continue
                    sha, size = _sha(path)
                    rel = str(path.relative_to(self.state_dir))
                    with self.j.tx() as db:
                        db.execute("UPDATE recs SET state='downloaded', src=?, src_sha=?, src_bytes=?, error=NULL, "
                                   "fetches=fetches+? WHERE key=?", (rel, sha, size, int(now), key))
                    fetched += int(now)
                    pending_conv.append((key, rel))
                    self.progress("downloaded", 1, 0)
        return fetched, converted

    def manifest(self) -> Path:
        path = self.out / "manifest.csv"
        buf = io.StringIO()
        w = csv.writer(buf, lineterminator="\n")
        w.writerow(["call_id", "agent", "caller", "callee", "begin", "end", "duration_s", "remote_file",
                    "remote_original", "output", "output_sha256", "output_bytes", "source_sha256", "state"])
        for r in self.j.q("SELECT * FROM recs ORDER BY begin, key"):
            w.writerow([r["call_id"], r["agent"], r["caller"], r["callee"], r["begin"], r["end"],
                        "" if r["seconds"] is None else f"{r['seconds']:g}", r["file_name"], r["original"], r["out"],
                        r["out_sha"] or "", r["out_bytes"] or "", r["src_sha"] or "", r["state"]])
        tmp = path.with_name(".manifest.csv.part")
        tmp.write_text(buf.getvalue(), encoding="utf-8")
        os.replace(tmp, path)
        return path

    def run(self) -> SyncSummary:
        t0 = time.monotonic()
        sweep_partials(self.out)
        try:
            self.index()
            fetched, conv = self.transfer()
        finally:
            if self._client is not None:
                self._client.close()
                self._client = None
        man = self.manifest()
        st = {r["state"]: r["n"] for r in self.j.q("SELECT state, COUNT(*) n FROM recs GROUP BY state")}
        agg = self.j.one("SELECT COUNT(DISTINCT call_id) calls, COUNT(*) n, SUM(src_bytes) bi, SUM(out_bytes) bo FROM recs")
        wins = self.j.one("SELECT COUNT(*) n FROM windows")["n"]
        total = agg["n"] or 0
        return SyncSummary(windows=wins, calls=agg["calls"] or 0, recordings=total, downloaded_now=fetched,
                           converted_now=conv, converted=st.get("converted", 0), failed=st.get("failed", 0),
                           bytes_in=int(agg["bi"] or 0), bytes_out=int(agg["bo"] or 0), out_dir=str(self.out),
                           manifest=str(man), complete=st.get("converted", 0) == total, errors=self.errors[:20],
                           seconds=time.monotonic() - t0)

    def close(self) -> None:
        self.j.close()


def sync_recordings(options: SyncOptions, progress: Callable[[str, int, int], object] | None = None) -> SyncSummary:
    """Runs (or resumes) a recording sync; see the module docs."""
    job = RecordingSync(options, progress)
    try:
        return job.run()
    finally:
        job.close()
