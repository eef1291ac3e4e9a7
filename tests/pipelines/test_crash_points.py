"""Crash safety as a property: every import pipeline is killed (SIGKILL) right after each of its
durable commits and right after each of its HTTP responses in turn (``CALLCORE_CRASH_AFTER``,
:mod:`callcore._crashpoint`), then resumed without the variable; after every resume each clean row
is on the platform exactly once (read from the sandbox's own state), the summary adds up and no
partial file sits in the work folder.

A clean run with ``CALLCORE_CRASH_COUNT_FILE`` first counts the points; each point is then tried
on a fresh, identical job (a new work folder and a new target), so every kill interrupts the job
at that point and nowhere else. The jobs are small (3 batches) to keep the points in the tens."""
from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any, Callable

import pytest

from callcore import _crashpoint

from .conftest import calldata, client_for, make_campaign, write_list
from .platform_kit import start

ROWS = 30  # 3 batches of 10


class Job:
    """One instance of a pipeline: the command, its environment and the check after the resume."""

    def __init__(self, cmd: list[str], env: dict[str, str], workdir: Path,
                 check: Callable[[dict[str, Any]], None], done: Callable[[], None] = lambda: None) -> None:
        self.cmd, self.env, self.workdir, self.check, self.done = cmd, env, workdir, check, done


def _run(job: Job, **extra_env: str) -> subprocess.CompletedProcess:
    return subprocess.run(job.cmd, env=dict(job.env, **extra_env), capture_output=True, text=True, timeout=300)


def _finish(job: Job, r: subprocess.CompletedProcess, what: str) -> None:
    assert r.returncode == 0, f"{what}: rc {r.returncode}\n{r.stderr[-3000:]}"
    s = json.loads(r.stdout)
    assert s["complete"] and s["adds_up"] and s["accepted"] == ROWS, (what, s)
    job.check(s)
    parts = [p for p in job.workdir.rglob("*") if p.name.startswith(".part-") or p.name.endswith(".part")]
    assert parts == [], (what, parts)
    job.done()


def every_crash_point(make_job: Callable[[], Job], tmp: Path) -> dict[str, Any]:
    """Counts the crash points of a clean run, then kills a fresh job at each one and resumes it.
    Returns the counts, the kills that happened and the seconds taken (for the report)."""
    t0 = time.monotonic()
    count_file = tmp / "crash-count.txt"
    job = make_job()
    _finish(job, _run(job, **{_crashpoint.COUNT_FILE_ENV: str(count_file)}), "the counting run")
    points = _crashpoint.counted(count_file)
    assert points["commit"] > 0 and points["request"] > 0, points
    killed = 0
    for kind in _crashpoint.KINDS:
        for n in range(1, points[kind] + 1):
            job = make_job()
            r = _run(job, **{_crashpoint.ENV: f"{kind}:{n}"})
            if r.returncode == -9:
                killed += 1
            else:  # a point past the end of this run (request counts vary a little with polling)
                assert r.returncode == 0, f"{kind}:{n}: rc {r.returncode}\n{r.stderr[-3000:]}"
            _finish(job, _run(job), f"resumed after {kind}:{n}")
    return {"points": points, "killed": killed, "seconds": round(time.monotonic() - t0, 1)}


def _cli(src: Path, workdir: Path, *args: str) -> list[str]:
    return [sys.executable, "-m", "callcore.cli", "outbound", "import", str(src), "--workdir", str(workdir),
            "--json", *args]


def _huawei_maker(sb: Any, tmp: Path, good: list[str], *args: str, cap_check: Callable[[list[int]], None] | None = None
                  ) -> Callable[[], Job]:
    env = dict(os.environ, CALLCORE_ACCESS_KEY=sb.access_key, CALLCORE_SECRET_KEY=sb.secret_key)
    k = [0]

    def make() -> Job:
        k[0] += 1
        with client_for(sb) as c:
            cid = make_campaign(c, f"cp-{k[0]}")
        wd = tmp / f"w{k[0]}"

        def mine() -> list[int]:
            made = json.loads(_run_summary(wd))["created_campaigns"] if (wd / "journal.sqlite3").exists() else []
            return [cid, *made]

        def check(s: dict[str, Any]) -> None:
            camps = [cid, *s["created_campaigns"]]
            rows = [r for c in camps for r in calldata(sb, c)]
            assert sorted(r["called"] for r in rows) == sorted(good), "every clean row on the platform exactly once"
            assert len({r["session_id"] for r in rows}) == len(rows)
            if cap_check:
                cap_check(camps)

        def done() -> None:  # finished campaigns do not count towards the 20 active ones (001:21375)
            for c in mine():
                sb.app.state.execute("UPDATE campaigns SET status=4 WHERE id=?", (c,))

        return Job(_cli(tmp / "l.csv", wd, "--campaign", str(cid), "--endpoint", sb.url, "--api", "v2", "--v2-max",
                        "10", "--min-interval", "0", *args), env, wd, check, done)

    return make


def _run_summary(wd: Path) -> str:
    from callcore.pipelines.journal import Journal

    j = Journal(wd / "journal.sqlite3", "")
    try:
        return json.dumps({"created_campaigns": [e["id"] for e in j.get("created_campaigns", []) if e["id"]]})
    finally:
        j.close()



def test_every_crash_point_of_the_huawei_api_import(sandbox_factory, tmp_path):
    sb = sandbox_factory(min_interval=0.0, v2_max=10)
    good = write_list(tmp_path / "l.csv", ROWS, dirty=False, seed=41)
    r = every_crash_point(_huawei_maker(sb, tmp_path, good), tmp_path)
    print("crash points, huawei API import:", r)
    assert r["killed"] >= r["points"]["commit"]


def test_every_crash_point_of_create_campaigns(sandbox_factory, tmp_path):
    """--create-campaigns past the pending cap: a kill between the name and the id of a new
    campaign never creates it twice (the check counts the rows in every campaign the job made)."""
    sb = sandbox_factory(min_interval=0.0, v2_max=10, max_pending=20)
    good = write_list(tmp_path / "l.csv", ROWS, dirty=False, seed=42)

    def one_copy(camps: list[int]) -> None:
        names = [r["name"] for r in sb.app.state.rows("SELECT name FROM campaigns WHERE name LIKE 'callcore-%'")]
        assert len(names) == len(set(names))
        assert len(camps) == 2, camps

    r = every_crash_point(_huawei_maker(sb, tmp_path, good, "--create-campaigns", "1", cap_check=one_copy), tmp_path)
    made = sb.app.state.row("SELECT COUNT(*) n FROM campaigns WHERE name LIKE 'callcore-%'")["n"]
    assert made == 1 + r["points"]["commit"] + r["points"]["request"], "one new campaign per job, never two"
    print("crash points, huawei --create-campaigns:", r)


def test_every_crash_point_of_the_on_cap_wait(sandbox_factory, tmp_path):
    """--on-cap wait: killed while resuming, waiting, pausing or adding, the next run pauses a
    campaign left running before it adds, and the import leaves it paused."""
    sb = sandbox_factory(min_interval=0.0, v2_max=10, max_pending=20, stats_interval=0.05)
    good = write_list(tmp_path / "l.csv", ROWS, dirty=False, seed=43)
    stop = threading.Event()

    def dialler() -> None:  # the platform dials every running campaign
        while not stop.wait(0.05):
            for c in sb.app.state.rows("SELECT id FROM campaigns WHERE status=2"):
                sb.dial(1, c["id"], 10)

    def paused(camps: list[int]) -> None:
        st = {r["status"] for r in sb.app.state.rows(f"SELECT status FROM campaigns WHERE id IN ({camps[0]})")}
        assert st == {3}, "left paused (--leave paused)"

    d = threading.Thread(target=dialler, daemon=True)
    d.start()
    try:
        r = every_crash_point(_huawei_maker(sb, tmp_path, good, "--on-cap", "wait", "--stats-interval", "0.1",
                                            "--drain-poll", "0.1", cap_check=paused), tmp_path)
    finally:
        stop.set()
        d.join()
    print("crash points, huawei --on-cap wait:", r)


def test_every_crash_point_of_the_file_route(sandbox_factory, sshd, tmp_path):
    sb = sandbox_factory(min_interval=0.0, sftp_root=sshd.root)
    good = write_list(tmp_path / "l.csv", ROWS, dirty=False, seed=44)
    with client_for(sb) as c:
        sid = c.add_file_server("127.0.0.1", sshd.port, "/", sshd.user, "password-1234")
    make = _huawei_maker(sb, tmp_path, good, "--route", "file", "--rows-per-file", "10", "--workers", "2",
                         "--sftp-host", "127.0.0.1", "--sftp-port", str(sshd.port), "--sftp-user", sshd.user,
                         "--sftp-key", sshd.key_file, "--server-id", sid, "--import-poll", "0.05")
    r = every_crash_point(make, tmp_path)
    print("crash points, huawei file route:", r)


@pytest.mark.parametrize("platform", ["sccc", "babaihu", "hl95"])
def test_every_crash_point_of_each_platform_import(tmp_path, platform):
    good = write_list(tmp_path / "l.csv", ROWS, dirty=False, seed=45)
    kits: list[Any] = []

    def make() -> Job:
        kit = start(platform, tmp_path / f"sb{len(kits)}")
        kits.append(kit)
        wd = tmp_path / f"w{len(kits)}"

        def check(s: dict[str, Any]) -> None:
            assert sorted(kit.landed()) == sorted(good), "every clean row on the platform exactly once"
            ids = kit.ids()
            assert len(set(ids)) == len(ids)

        return Job(kit.cli(tmp_path / "l.csv", wd, "--batch-size", "10", "--json"), kit.env(), wd, check,
                   kit.sb.stop)

    try:
        r = every_crash_point(make, tmp_path)
    finally:
        for k in kits:
            k.sb.stop()
    print(f"crash points, {platform} import:", r)
