"""One shard of an archive job: fetch, convert, commit each output, commit the manifest rows.
Runs as a Ray task or on a thread of the driver; takes and returns plain data."""
from __future__ import annotations

import csv
import hashlib
import io
import os
import shutil
import socket
import tempfile
import threading
from typing import Any

from callcore import _crashpoint

from ..recordings import file_sha256, output_digest
from .store import ARCHIVE_DIR, Store, _sha_remote

FIELDS = ("source", "source_bytes", "source_sha256", "output", "output_bytes", "output_sha256", "seconds", "state",
          "error", "writes", "shard", "worker")


def _ext(to: str) -> str:
    return ".mp3" if to == "mp3" else ".wav"


def shard_id(run: str, sources: list[str]) -> str:
    """The shard's name: its files and the run, so that a Ray retry of the shard (same spec) meets
    the manifest its dead attempt may have committed, while a later run's shard never does."""
    return hashlib.sha256("\n".join([run, *sources]).encode()).hexdigest()[:16]


def rows_csv(rows: list[dict[str, Any]]) -> str:
    buf = io.StringIO()
    w = csv.DictWriter(buf, fieldnames=FIELDS, extrasaction="ignore", lineterminator="\n")
    w.writeheader()
    w.writerows(rows)
    return buf.getvalue()


def run_shard(spec: dict[str, Any]) -> list[dict[str, Any]]:
    """Converts one shard and commits its outputs and manifest; returns its manifest rows.

    ``spec``: ``src``/``dst`` URLs (+ ``src_options``/``dst_options``), ``items`` (full source
    path, source relative to SRC, size, output relative to DST), ``conv`` (transcode options),
    ``jobs`` (transcode threads), ``id``. Runs in a Ray worker or a thread of the driver."""
    from callcore import audio

    src, dst = Store(spec["src"], spec.get("src_options")), Store(spec["dst"], spec.get("dst_options"))
    worker = f"{socket.gethostname()}:{os.getpid()}"
    token = f"{spec['id']}-{os.getpid()}-{threading.get_ident()}"
    if dst.local:  # same filesystem as the outputs: committed with a hard link, no copy
        scratch = os.path.join(dst.root, ARCHIVE_DIR, "tmp", token)
        os.makedirs(scratch, exist_ok=True)
    else:
        scratch = tempfile.mkdtemp(prefix=f"callcore-archive-{spec['id']}-")
    rows: list[dict[str, Any]] = []
    try:
        pairs: list[tuple[str, str]] = []
        pending: list[dict[str, Any]] = []
        for i, (full, rel, size, out) in enumerate(spec["items"]):
            row: dict[str, Any] = {"source": rel, "source_bytes": size, "output": out, "writes": 0, "worker": worker,
                                   "error": "", "source_sha256": "", "output_sha256": "", "output_bytes": "",
                                   "seconds": "", "shard": spec["id"]}
            try:
                dst.path(out)
            except ValueError as e:
                row.update(state="error", error=f"output: {e}")
                rows.append(row)
                continue
            try:
                if dst.exists(out):  # committed by an attempt that died before its manifest
                    row["output_sha256"], row["output_bytes"] = _sha_remote(dst, out)
                    row["state"] = "present"
                    rows.append(row)
                    continue
                if src.local:
                    local_src = full
                else:
                    local_src = os.path.join(scratch, f"{i}-src")
                    src.fs.get_file(full, local_src)
                row["source_sha256"], row["source_bytes"] = file_sha256(local_src)
            except (OSError, ValueError) as e:
                row.update(state="error", error=f"fetch: {e}")
                rows.append(row)
                continue
            pairs.append((local_src, os.path.join(scratch, f"{i}-out{_ext(spec['conv']['to'])}")))
            pending.append(row)
        results = audio.transcode_many(pairs, overwrite=True, hash=True, jobs=spec.get("jobs", 1), **spec["conv"]) if pairs else []
        for (local_src, local_out), row, result in zip(pairs, pending, results):
            if not result.ok:
                # the core names the file it read: the scratch copy of a remote source, not the source
                reason = (result.error or "").replace(local_src, row["source"])
                row.update(state="error", error=f"{result.error_kind or 'error'}: {reason}")
            else:
                try:
                    row["output_sha256"], row["output_bytes"] = output_digest(result, local_out)
                    row["seconds"] = round(result.seconds, 3)
                    written = dst.commit(local_out, row["output"], token)
                    row.update(state="converted" if written else "present", writes=int(written))
                    if written:
                        _crashpoint.reached("commit")
                except (OSError, ValueError) as e:
                    row.update(state="error", error=f"write: {e}")
            if not src.local and os.path.exists(local_src):
                os.unlink(local_src)
            rows.append(row)
        rows.sort(key=lambda r: r["source"])
        manifest = os.path.join(scratch, "manifest.csv")
        with open(manifest, "w", encoding="utf-8") as f:
            f.write(rows_csv(rows))
        # a retried shard (same id) finds its manifest committed: its rows are the same files
        if dst.commit(manifest, f"{ARCHIVE_DIR}/manifest/shard-{spec['id']}.csv", token):
            _crashpoint.reached("commit")
        return rows
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
