"""Crash points of the recording sync (issue 10, "crash safety as a property"): for each platform,
a small ``callcore recordings sync`` is run once to count its durable commits (journal
transactions and the manifest's rename), then, in a fresh folder each time, killed with SIGKILL
right after commit N for every N in turn (``CALLCORE_CRASH_AFTER=commit:N``) and resumed. After
each resume: every recording converted exactly once (the journal's fetch and convert counts),
the outputs decode to the sandbox's audio, no temporary or partial file is left, the output
folder holds exactly the manifest's files, and the summary adds up. SCCC is also killed right
after every HTTP response (``request:N``), the window where the platform has answered and the
client has not recorded it yet."""
from __future__ import annotations

import csv
import json
import os
import sqlite3
import subprocess
import sys
import time
from datetime import datetime, timedelta
from pathlib import Path

import numpy as np
import pytest
import soundfile

from callcore import _crashpoint
from callcore.sandbox import audio as sbaudio

from . import platform_sync as ps
from .test_recordings import _seed_calls, _window

FMT = ps.FMT


class Job:
    """One platform's small sync: the command, its environment, the expected recordings
    (remote name -> (seconds, reference PCM)), and the sandbox's download counter."""

    def __init__(self, platform: str, sb, cmd_base: list[str], env: dict[str, str], expected: dict):
        self.platform, self.sb, self.cmd_base, self.env, self.expected = platform, sb, cmd_base, env, expected

    def cmd(self, out: Path) -> list[str]:
        return self.cmd_base + ["-o", str(out)]

    def served(self) -> int:
        if self.platform.startswith("huawei"):
            return 0  # counted by the sandbox only for the other platforms
        return sum(self.sb.counter.served.values())


def _clean_env() -> dict[str, str]:
    return {k: v for k, v in os.environ.items() if k not in (_crashpoint.ENV, _crashpoint.COUNT_FILE_ENV)}


def _job(platform: str, tmp_path: Path, sandbox_factory) -> Job:
    base = [sys.executable, "-m", "callcore.cli", "recordings", "sync", "--workers", "2", "--json", "-q"]
    if platform.startswith("huawei"):
        sb = sandbox_factory()
        recs = _seed_calls(sb, 4)
        b, e = _window()
        if platform == "huawei-call":  # by callId: a call with two recordings arrives as a zip
            assert len({r["call_id"] for r in recs}) < len(recs)
            base = base + ["--huawei-route", "call"]
        env = dict(_clean_env(), CALLCORE_ACCESS_KEY=sb.access_key, CALLCORE_SECRET_KEY=sb.secret_key)
        exp = {r["file_name"]: (float(r["seconds"]), sbaudio.alaw2lin(
            sbaudio.v3_bytes(r["original_file_name"], float(r["seconds"])))) for r in recs}
        return Job(platform, sb, base + ["--platform", "huawei", "--endpoint", sb.url, "--from", b, "--to", e], env,
                   exp)
    sb = ps.start(platform, tmp_path / platform)
    now = datetime.now().replace(microsecond=0)
    ps.make_calls(platform, sb, 6, now, 0)
    b, e = (now - timedelta(hours=1)).strftime(FMT), now.strftime(FMT)
    env, opts = ps.cli_env(platform, sb, _clean_env())
    exp = {x.remote_file: (x.seconds, sbaudio.alaw2lin(sbaudio.v3_bytes(x.remote_file, x.seconds)))
           for x in ps.expected(platform, sb, b, e)}
    return Job(platform, sb, base + opts + ["--from", b, "--to", e], env, exp)


def _check(job: Job, out: Path, summary: dict) -> None:
    exp = job.expected
    n = len(exp)
    assert summary["complete"] and summary["recordings"] == summary["converted"] == n and summary["failed"] == 0
    assert summary["converted"] + summary["failed"] == summary["recordings"]
    man = list(csv.DictReader(open(out / "manifest.csv", encoding="utf-8")))
    assert sorted(m["remote_file"] for m in man) == sorted(exp)
    outputs = set()
    for m in man:
        assert m["state"] == "converted"
        p = out / m["output"]
        outputs.add(p.resolve())
        assert p.stat().st_size == int(m["output_bytes"]) and ps.sha256(p) == m["output_sha256"]
        got, rate = soundfile.read(str(p), dtype="int16")
        assert rate == 8000 and np.array_equal(got, exp[m["remote_file"]][1]), m["output"]
    on_disk = {p.resolve() for p in out.rglob("*") if p.is_file() and ".callcore-sync" not in p.parts
               and p.name != "manifest.csv"}
    assert on_disk == outputs, "the output folder holds exactly the manifest's files"
    leftovers = [p for p in out.rglob("*") if p.name.startswith(".part-") or p.name.endswith(".part")]
    assert leftovers == []
    src = out / ".callcore-sync" / "src"
    assert not src.exists() or [p for p in src.rglob("*") if p.is_file()] == []
    db = sqlite3.connect(out / ".callcore-sync" / "state.sqlite3")
    try:
        counts = db.execute("SELECT MIN(fetches), MAX(fetches), MIN(converts), MAX(converts), COUNT(*) FROM recs").fetchone()
    finally:
        db.close()
    assert counts == (1, 1, 1, 1, n), f"fetched/converted exactly once: {counts}"


def crash_every_point(job: Job, root: Path, kind: str = "commit") -> tuple[int, int]:
    """Counts the ``kind`` points of a clean run, then kills a fresh run at each one and resumes
    it; returns (points, runs actually killed)."""
    count_file = root / f"count-{kind}"
    out = root / "clean"
    if not job.platform.startswith("huawei"):
        job.sb.counter.served.clear()
    r = subprocess.run(job.cmd(out), env=dict(job.env, **{_crashpoint.COUNT_FILE_ENV: str(count_file)}),
                       capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stderr[-2000:]
    _check(job, out, json.loads(r.stdout))
    points = _crashpoint.counted(count_file)[kind]
    assert points >= 3, points
    killed = 0
    for n in range(1, points + 1):
        out = root / f"{kind}-{n}"
        if not job.platform.startswith("huawei"):
            job.sb.counter.served.clear()
        r = subprocess.run(job.cmd(out), env=dict(job.env, **{_crashpoint.ENV: f"{kind}:{n}"}), capture_output=True,
                           text=True, timeout=300)
        # the two download workers finish in either order, so a run may have a point fewer
        assert r.returncode in (-9, 0), r.stderr[-2000:]
        killed += r.returncode == -9
        r = subprocess.run(job.cmd(out), env=job.env, capture_output=True, text=True, timeout=300)
        assert r.returncode == 0, (kind, n, r.stderr[-2000:])
        _check(job, out, json.loads(r.stdout))
        if not job.platform.startswith("huawei"):
            # a kill may cut one download per worker short: it is fetched again, nothing more
            assert len(job.expected) <= job.served() <= len(job.expected) + 2, (kind, n, job.sb.counter.served)
    assert killed >= points - 2, f"only {killed} of {points} runs were killed"
    return points, killed


@pytest.mark.parametrize("platform", ("huawei", "huawei-call", "sccc", "babaihu", "hl95"))
def test_sync_killed_at_every_commit(platform, tmp_path, sandbox_factory):
    job = _job(platform, tmp_path, sandbox_factory)
    t0 = time.monotonic()
    try:
        points, killed = crash_every_point(job, tmp_path / "runs")
    finally:
        if not platform.startswith("huawei"):
            job.sb.stop()
    print(f"{platform}: {len(job.expected)} recordings, {points} commit points, {killed} killed, "
          f"{time.monotonic() - t0:.1f} s")


def test_sccc_sync_killed_after_every_response(tmp_path, sandbox_factory):
    job = _job("sccc", tmp_path, sandbox_factory)
    t0 = time.monotonic()
    try:
        points, killed = crash_every_point(job, tmp_path / "runs", kind="request")
    finally:
        job.sb.stop()
    print(f"sccc: {len(job.expected)} recordings, {points} request points, {killed} killed, "
          f"{time.monotonic() - t0:.1f} s")
