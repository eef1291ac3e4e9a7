"""Archive conversion at scale: a store of recordings -> WAV/MP3 in another store, in shards, on
Ray or on the local cores, resumable (``callcore recordings convert SRC DST``).

``convert_archive(ConvertOptions(src, dst, to="mp3"))``:

1. SRC and DST are fsspec URLs (a local path, ``sftp://user@host:port/path``, ``s3://bucket/prefix``
   or anything fsspec opens). Credentials come from the environment or fsspec's own configuration
   (``FSSPEC_SFTP_KEY_FILENAME``, ``FSSPEC_S3_KEY``..., ``~/.config/fsspec/``), never from the URL:
   a URL carrying a password is refused, so that it never lands in shell history or ``ps``.
2. The driver lists SRC (recording suffixes only), reads what DST's manifest already holds, names
   every output from its source path as the recording sync does (:func:`safe_local_path`: nothing
   can land outside DST) and cuts what is left into shards of ``shard_files`` files.
3. Each shard (:func:`run_shard`, a Ray task or, with ``ray="off"``, a thread on this machine)
   fetches its files, converts them with :func:`callcore.audio.transcode_many` (GIL released),
   commits each output under its final name, then commits its manifest rows
   (``DST/.callcore-archive/manifest/shard-<id>.csv``).
4. The driver folds the shard manifests into ``DST/.callcore-archive/rows.csv`` (every attempt's
   row) and writes ``DST/.callcore-archive/manifest.csv``, one row per source.

Commits never replace: a local output is hard-linked into place (``link`` refuses an existing
name), an SFTP output is uploaded as ``.part`` and renamed with SFTP's RENAME (OpenSSH refuses an
existing target), an object store gets one complete PUT (the store's commit; such stores cannot
refuse a second writer, so there the guarantee rests on one driver per DST). A shard retried
after its worker died finds the outputs the dead attempt committed and records them as
``present`` without writing them again; a second run converts only sources with no committed
output. Failures are per file (``error`` rows with the reason) and never stop the job.
"""
from __future__ import annotations

import csv
import hashlib
import io
import os
import shutil
import socket
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import FIRST_COMPLETED, ThreadPoolExecutor, wait
from dataclasses import asdict, dataclass, field
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING, Any, Literal, get_args

from callcore import _crashpoint
from callcore.audio import INPUT_SUFFIXES as SUFFIXES
from callcore.audio import SOURCES  # the deployment's format: the sandbox's --recording-format names + ulaw, auto

from ..recordings import safe_local_path
from .shard import FIELDS, _ext, rows_csv, run_shard, shard_id
from .store import ARCHIVE_DIR, Store, _check_url

if TYPE_CHECKING:
    from callcore.audio import Source, Variant

__all__ = ["ARCHIVE_DIR", "FIELDS", "ConvertOptions", "ConvertSummary", "Progress", "Store", "TO_FORMATS",
           "best_rows", "convert_archive", "output_name", "plan_names", "read_rows", "rows_csv", "run_shard",
           "shard_id"]

#: what an archive converts to (a subset of audio.Format)
ArchiveFormat = Literal["mp3", "wav", "wav-alaw"]
TO_FORMATS: tuple[ArchiveFormat, ...] = get_args(ArchiveFormat)
# only used to turn a source path into a relative output name; never created
_ANCHOR = Path("/callcore-archive-names")


def output_name(source: str, to: str) -> str:
    """The output path (relative to DST, ``/``-separated) for a source path relative to SRC: the
    recording sync's :func:`safe_local_path` naming (``\\`` -> ``/``, drive letters become folders,
    ``..`` and empty parts dropped), the extension of ``to``, kept out of DST's state folder."""
    anchor = _ANCHOR.resolve()
    rel = safe_local_path(source, anchor, _ext(to)).relative_to(anchor)
    if rel.parts[0] == ARCHIVE_DIR:
        rel = Path("_" + ARCHIVE_DIR, *rel.parts[1:])
    return rel.as_posix()


def _tagged(out: str, source: str) -> str:
    p = PurePosixPath(out)
    return str(p.with_name(f"{p.stem}.{hashlib.sha256(source.encode()).hexdigest()[:10]}{p.suffix}"))


def plan_names(sources: list[str], to: str, known: dict[str, str] | None = None) -> dict[str, str]:
    """``{source: output}``: sources already in the manifest keep their output; two sources that
    map to one name (``a/x.V3`` and ``a/x.wav``, ``a\\x.V3`` and ``a/x.V3``) get distinct ones (the
    later in sorted order carries a hash of its source path)."""
    known = dict(known or {})
    taken = {out: src for src, out in known.items()}
    names: dict[str, str] = {}
    for s in sorted(sources):
        if s in known:
            names[s] = known[s]
            continue
        out = output_name(s, to)
        if taken.get(out, s) != s:
            out = _tagged(out, s)
        taken[out] = s
        names[s] = out
    return names


@dataclass
class ConvertOptions:
    """An archive conversion. ``src``/``dst``: fsspec URLs; ``src_options``/``dst_options``:
    extra fsspec arguments (e.g. from a secrets manager; never printed). ``ray``: ``"off"`` (threads
    on this machine), ``"local"`` (start a local Ray) or a Ray cluster's address (``auto``
    on a node of it, ``HEAD:6379``). ``workers``: shards at once with ``ray="off"`` (0 = the cores), CPUs of
    a local Ray. ``source``: the deployment's recording format (``vox6k`` 24K VOX, ``vox8k`` 32K
    VOX, ``alaw`` 64K A-law, ``ulaw``, or ``auto`` to sniff each file)."""

    src: str
    dst: str
    to: ArchiveFormat = "mp3"
    source: Source = "auto"
    rate: int | None = None
    variant: Variant = "dialogic"
    bitrate: int = 16
    ray: str = "off"
    shard_files: int = 64
    workers: int = 0
    max_retries: int = 3
    suffixes: tuple[str, ...] = SUFFIXES
    src_options: dict[str, Any] = field(default_factory=dict, repr=False)
    dst_options: dict[str, Any] = field(default_factory=dict, repr=False)


@dataclass
class ConvertSummary:
    sources: int
    done_before: int
    converted: int
    present: int
    failed: int
    audio_hours: float
    seconds: float
    files_per_second: float
    ray_startup_seconds: float
    manifest: str
    complete: bool
    errors: list[str]

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class Progress:
    files_done: int
    files_total: int
    audio_seconds: float
    elapsed: float

    @property
    def rate(self) -> float:
        return self.files_done / self.elapsed if self.elapsed > 0 else 0.0

    @property
    def eta(self) -> float | None:
        return (self.files_total - self.files_done) / self.rate if self.rate > 0 else None

    def line(self) -> str:
        eta = "?" if self.eta is None else f"{self.eta:,.0f} s"
        rt = self.audio_seconds / self.elapsed if self.elapsed > 0 else 0.0
        return (f"{self.files_done:,}/{self.files_total:,} files, {self.audio_seconds / 3600:,.2f} h of audio, "
                f"{self.rate:,.1f} files/s ({rt:,.0f}x realtime), ETA {eta}")


def _row_key(r: dict[str, Any]) -> tuple[str, ...]:
    return (r["source"], r.get("shard", ""), r.get("worker", ""), r["state"], r.get("output_sha256", ""))


def read_rows(dst: Store) -> tuple[list[dict[str, Any]], list[str]]:
    """Every attempt's row (``rows.csv``, the folded history, plus the shard manifests not folded
    yet), each once, and the shard files read. A row is identified by source, shard, worker,
    state and output checksum, so a shard file read again after a crash between folding and
    removing it adds nothing."""
    texts: list[str] = []
    shards: list[str] = []
    if dst.exists(f"{ARCHIVE_DIR}/rows.csv"):
        texts.append(dst.read_text(f"{ARCHIVE_DIR}/rows.csv"))
    mdir = dst.path(f"{ARCHIVE_DIR}/manifest")
    if dst.fs.exists(mdir):
        for p in sorted(dst.fs.find(mdir)):
            name = PurePosixPath(p).name
            if name.startswith("shard-") and name.endswith(".csv"):
                rel = f"{ARCHIVE_DIR}/manifest/{name}"
                shards.append(rel)
                texts.append(dst.read_text(rel))
    seen: dict[tuple[str, ...], dict[str, Any]] = {}
    for text in texts:
        for r in csv.DictReader(io.StringIO(text)):
            seen.setdefault(_row_key(r), r)
    return list(seen.values()), shards


def best_rows(rows: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """One row per source: a committed output (``converted``, else ``present``) wins over an
    error; ``writes`` counts the attempts that wrote the output (exactly-once: never above 1)."""
    rank = {"converted": 2, "present": 1, "error": 0}
    best: dict[str, dict[str, Any]] = {}
    writes: dict[str, int] = {}
    for r in rows:
        s = r["source"]
        writes[s] = writes.get(s, 0) + int(r.get("writes") or 0)
        if s not in best or rank.get(r["state"], 0) > rank.get(best[s]["state"], 0):
            best[s] = dict(r)
    for s, r in best.items():
        r["writes"] = writes[s]
    return best


def _shards(items: list[tuple[str, str, int, str]], n: int) -> Iterator[list[tuple[str, str, int, str]]]:
    for i in range(0, len(items), n):
        yield items[i:i + n]


def _shard_failed(spec: dict[str, Any], e: BaseException) -> list[dict[str, Any]]:
    reason = f"shard {spec['id']}: {type(e).__name__}: {str(e).splitlines()[0] if str(e) else ''}"
    return [{"source": rel, "source_bytes": size, "output": out, "state": "error", "error": reason, "writes": 0,
             "shard": spec["id"], "worker": "driver"} for _, rel, size, out in spec["items"]]


def _probe(address: str) -> None:
    """Fails fast on an unreachable ``HOST:PORT``: ray.init retries a dead address for minutes."""
    host, sep, port = address.rpartition(":")
    if not sep or not port.isdigit() or "://" in address:
        return
    try:
        socket.create_connection((host, int(port)), timeout=10).close()
    except OSError as e:
        raise ConnectionError(f"nothing answers at {address} ({e.strerror or e}); start the head with "
                              "`ray start --head --port=6379`") from None


def _run_ray(o: ConvertOptions, specs: list[dict[str, Any]], on_rows: Callable[[list[dict[str, Any]]], None]) -> float:
    """Runs the shards as Ray tasks; returns Ray's start-up (connect) time."""
    try:
        import ray
    except ImportError:
        raise ValueError("--ray: Ray is not installed; pip install 'callcore[ray]' (or use --ray off)") from None
    t0 = time.monotonic()
    started = False
    if not ray.is_initialized():
        try:
            if o.ray == "local":
                ray.init(num_cpus=o.workers or None, include_dashboard=False, log_to_driver=False)
            else:
                _probe(o.ray)
                ray.init(address=o.ray, log_to_driver=False)
        except (ConnectionError, RuntimeError, ValueError) as e:
            raise ValueError(f"--ray {o.ray}: could not start or reach Ray: {str(e).splitlines()[0] if str(e) else type(e).__name__}") from None
        started = True
    startup = time.monotonic() - t0
    try:
        # max_retries: Ray runs a shard again when its worker process died (SIGKILL, OOM, node lost)
        task = ray.remote(num_cpus=1, max_retries=o.max_retries)(run_shard)
        cap = max(2, 2 * int(ray.cluster_resources().get("CPU", 1)))
        todo = list(specs)
        running: dict[Any, dict[str, Any]] = {}
        while todo or running:
            while todo and len(running) < cap:
                spec = todo.pop(0)
                running[task.remote(spec)] = spec
            ready, _ = ray.wait(list(running), num_returns=1)
            for ref in ready:
                spec = running.pop(ref)
                try:
                    rows = ray.get(ref)
                except Exception as e:  # noqa: BLE001 - retries exhausted: the shard's files are reported, the job goes on
                    rows = _shard_failed(spec, e)
                on_rows(rows)
    finally:
        if started:
            ray.shutdown()
    return startup


def _run_local(o: ConvertOptions, specs: list[dict[str, Any]], on_rows: Callable[[list[dict[str, Any]]], None]) -> None:
    with ThreadPoolExecutor(max_workers=o.workers or os.cpu_count() or 1, thread_name_prefix="archive") as ex:
        futs = {ex.submit(run_shard, s): s for s in specs}
        while futs:
            done, _ = wait(futs, return_when=FIRST_COMPLETED)
            for f in done:
                spec = futs.pop(f)
                try:
                    rows = f.result()
                except Exception as e:  # noqa: BLE001 - the shard's files are reported, the job goes on
                    rows = _shard_failed(spec, e)
                on_rows(rows)


def convert_archive(o: ConvertOptions, progress: Callable[[Progress], object] | None = None) -> ConvertSummary:
    """Converts every recording under ``o.src`` that has no committed output under ``o.dst``."""
    t0 = time.monotonic()
    if o.to not in TO_FORMATS:
        raise ValueError(f"--to {o.to!r}: expected one of {', '.join(TO_FORMATS)}")
    if o.source not in SOURCES:
        raise ValueError(f"--source {o.source!r}: expected one of {', '.join(SOURCES)}")
    if o.shard_files < 1:
        raise ValueError(f"--shard-files {o.shard_files}: expected at least 1")
    if o.ray != "off" and o.ray != "local" and not o.ray:
        raise ValueError("--ray: expected off, local or a Ray address")
    _check_url("SRC", o.src)
    _check_url("DST", o.dst)
    src, dst = Store(o.src, o.src_options), Store(o.dst, o.dst_options)
    if type(src.fs) is type(dst.fs) and (dst.root + "/").startswith(src.root.rstrip("/") + "/"):
        # the next run would list the outputs (.wav is a recording suffix) as sources
        raise ValueError(f"DST {o.dst}: inside SRC {o.src}; give an output folder outside the recordings")
    lock = None
    if dst.local:  # one driver per DST folder (a remote DST cannot be locked: run one driver)
        from ..folder_lock import hold

        lock = hold(os.path.join(dst.root, ARCHIVE_DIR), what="recordings convert")
        lock.__enter__()
    try:
        listed = src.list_sources(tuple(o.suffixes))
        best = best_rows(read_rows(dst)[0])
        done = {s for s, r in best.items() if r["state"] in ("converted", "present")}
        names = plan_names([rel for _, rel, _ in listed],
                           o.to, {s: best[s]["output"] for s in done})
        todo = [(full, rel, size, names[rel]) for full, rel, size in listed if rel not in done]
        run = os.urandom(8).hex()
        conv = dict(source=o.source, to=o.to, rate=o.rate, variant=o.variant, bitrate=o.bitrate)
        specs = [dict(src=o.src, dst=o.dst, src_options=o.src_options, dst_options=o.dst_options, items=items,
                      conv=conv, jobs=1, id=shard_id(run, [it[1] for it in items]))
                 for items in _shards(todo, o.shard_files)]
        state = {"files": 0, "audio": 0.0}
        run_rows: list[dict[str, Any]] = []
        failed_shards: list[dict[str, Any]] = []  # rows of shards that raised: no worker committed them
        lock_rows = threading.Lock()
        t_run = time.monotonic()

        def on_rows(rows: list[dict[str, Any]]) -> None:
            with lock_rows:
                run_rows.extend(rows)
                failed_shards.extend(r for r in rows if r.get("worker") == "driver")
                state["files"] += len(rows)
                state["audio"] += sum(float(r.get("seconds") or 0) for r in rows)
                if progress is not None:
                    progress(Progress(state["files"], len(todo), state["audio"], time.monotonic() - t_run))

        startup = 0.0
        if specs:
            if o.ray == "off":
                _run_local(o, specs, on_rows)
            else:
                startup = _run_ray(o, specs, on_rows)
        # fold the shard manifests into rows.csv (then remove them) and write the one-row-per-source view
        all_rows, shard_files = read_rows(dst)
        all_rows += failed_shards
        dst.replace_text(f"{ARCHIVE_DIR}/rows.csv", rows_csv(all_rows))
        _crashpoint.reached("commit")
        best = best_rows(all_rows)
        merged = [best[s] for s in sorted(best)]
        dst.replace_text(f"{ARCHIVE_DIR}/manifest.csv", rows_csv(merged))
        _crashpoint.reached("commit")
        for rel in shard_files:
            dst.fs.rm_file(dst.path(rel))
        _sweep(dst)
        listed_set = {rel for _, rel, _ in listed}
        ok = {s for s, r in best.items() if r["state"] in ("converted", "present")}
        errors = [f"{r['source']}: {r['error']}" for r in run_rows if r["state"] == "error"]
        elapsed = time.monotonic() - t0
        n_run = sum(1 for r in run_rows if r["state"] != "error")
        return ConvertSummary(
            sources=len(listed), done_before=len(listed) - len(todo),
            converted=sum(1 for r in run_rows if r["state"] == "converted"),
            present=sum(1 for r in run_rows if r["state"] == "present"),
            failed=len(errors), audio_hours=round(sum(float(r.get("seconds") or 0) for r in merged) / 3600, 4),
            seconds=round(elapsed, 3),
            files_per_second=round(n_run / max(1e-9, time.monotonic() - t_run - startup), 1) if n_run else 0.0,
            ray_startup_seconds=round(startup, 3), manifest=dst.path(f"{ARCHIVE_DIR}/manifest.csv"),
            complete=listed_set <= ok, errors=errors)
    finally:
        if lock is not None:
            lock.__exit__(None, None, None)


def _sweep(dst: Store) -> None:
    """Removes what dead attempts left behind: scratch folders (local DST), uploads that never got
    renamed (``.callcore-archive/parts/``) and state files never renamed into place. Only called
    when every shard of the run has returned (no live writer of this driver)."""
    if dst.local:
        # a local commit is a hard link from the scratch folder; the cross-filesystem fallback's
        # .part next to the output is removed by its attempt (one SIGKILLed there is left: rare)
        shutil.rmtree(os.path.join(dst.root, ARCHIVE_DIR, "tmp"), ignore_errors=True)
    for folder in (dst.path(ARCHIVE_DIR), dst.path(f"{ARCHIVE_DIR}/parts")):
        try:
            names = dst.fs.ls(folder, detail=False)
        except (FileNotFoundError, OSError):
            continue
        for p in names:
            if str(p).endswith(".part"):
                dst.fs.rm_file(p)
