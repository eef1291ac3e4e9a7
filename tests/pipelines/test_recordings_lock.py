"""One recording-sync folder, one process (issue 11 item 4, sync part): ``callcore recordings
sync`` holds ``OUT/.callcore-sync`` for its whole run; a second process on the same folder stops
with an error naming the holder's PID (exit 3), or waits with ``--wait``; either way every
recording is fetched and converted once."""
from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from datetime import datetime, timedelta

import pytest

from callcore.pipelines.folder_lock import LOCK_NAME

from . import platform_sync as ps

FMT = ps.FMT


def _setup(tmp_path, n=16):
    sb = ps.start("sccc", tmp_path / "sccc")
    now = datetime.now().replace(microsecond=0)
    ps.make_calls("sccc", sb, n, now, 0)
    b, e = (now - timedelta(hours=1)).strftime(FMT), now.strftime(FMT)
    exp = ps.expected("sccc", sb, b, e)
    # 150 ms a request keeps the first run busy while the second starts
    ps.set_faults(sb, "latency=1:0.15")
    env, opts = ps.cli_env("sccc", sb, dict(os.environ))
    out = tmp_path / "out"
    cmd = [sys.executable, "-m", "callcore.cli", "recordings", "sync", *opts, "--from", b, "--to", e, "-o", str(out),
           "--workers", "1", "--json", "-q"]
    return sb, exp, env, cmd, out


def _wait_for_holder(out, proc):
    """Until the first process has written its PID into the lock file (or ended)."""
    lock = out / ".callcore-sync" / LOCK_NAME
    while proc.poll() is None:
        if lock.exists() and f"PID {proc.pid}" in lock.read_text():
            return
        time.sleep(0.02)
    raise AssertionError(f"the first sync ended before it was seen holding the folder: {proc.communicate()}")


def _check_once(sb, exp, out):
    assert sorted(sb.counter.served) == sorted(x.remote_file for x in exp)
    assert set(sb.counter.served.values()) == {1}, "a recording was fetched twice"
    import sqlite3

    db = sqlite3.connect(out / ".callcore-sync" / "state.sqlite3")
    try:
        assert db.execute("SELECT COUNT(*), MAX(fetches), MAX(converts) FROM recs WHERE state='converted'").fetchone() \
            == (len(exp), 1, 1)
    finally:
        db.close()


def test_second_sync_is_refused_naming_the_holder(tmp_path):
    sb, exp, env, cmd, out = _setup(tmp_path)
    first = subprocess.Popen(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    _wait_for_holder(out, first)
    second = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=120)
    assert second.returncode == 3, second.stderr
    assert f"in use by PID {first.pid}" in second.stderr and "--wait" in second.stderr
    fo, fe = first.communicate(timeout=300)
    assert first.returncode == 0, fe[-2000:]
    assert json.loads(fo)["converted"] == len(exp)
    _check_once(sb, exp, out)
    sb.stop()


def test_second_sync_waits_with_wait(tmp_path):
    sb, exp, env, cmd, out = _setup(tmp_path)
    first = subprocess.Popen(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    _wait_for_holder(out, first)
    second = subprocess.run(cmd + ["--wait"], env=env, capture_output=True, text=True, timeout=300)
    fo, fe = first.communicate(timeout=300)
    assert (first.returncode, second.returncode) == (0, 0), fe[-1000:] + second.stderr[-1000:]
    d1, d2 = json.loads(fo), json.loads(second.stdout)
    assert d1["downloaded_now"] == len(exp) and d2["downloaded_now"] == 0 and d2["converted"] == len(exp)
    _check_once(sb, exp, out)
    sb.stop()


def test_two_syncs_started_together(tmp_path):
    """Started at once: one runs, the other is refused (or, with --wait, runs after it); the
    platform serves each recording once."""
    sb, exp, env, cmd, out = _setup(tmp_path)
    procs = [subprocess.Popen(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
             for _ in range(2)]
    res = [p.communicate(timeout=300) for p in procs]
    codes = sorted(p.returncode for p in procs)
    # one holds the folder; the other is refused naming it, unless (on a loaded machine) it
    # started only after the first had finished, and then found nothing left to do
    assert codes in ([0, 3], [0, 0]), [r[1][-500:] for r in res]
    if codes == [0, 3]:
        loser = next(i for i, p in enumerate(procs) if p.returncode == 3)
        assert f"in use by PID {procs[1 - loser].pid}" in res[loser][1]
    else:
        assert sorted(json.loads(r[0])["downloaded_now"] for r in res) == [0, len(exp)]
    _check_once(sb, exp, out)
    # and two with --wait started together both succeed, the second finding nothing to do
    procs = [subprocess.Popen(cmd + ["--wait", "120"], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                              text=True) for _ in range(2)]
    res = [p.communicate(timeout=300) for p in procs]
    assert [p.returncode for p in procs] == [0, 0], [r[1][-500:] for r in res]
    _check_once(sb, exp, out)
    sb.stop()


def test_a_refused_process_names_a_holder_that_has_just_taken_the_folder(tmp_path):
    """The holder writes its name just after taking the lock: a process refused in between waits
    for the name instead of saying "another process" (a CI run caught the race)."""
    import fcntl
    import threading

    from callcore.pipelines.folder_lock import FolderBusy, hold

    fd = os.open(tmp_path / LOCK_NAME, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)  # taken, name not written yet
        writer = threading.Timer(0.2, lambda: os.pwrite(fd, b"PID 4242 (callcore outbound import)", 0))
        writer.start()
        with pytest.raises(FolderBusy) as refused:
            with hold(tmp_path):
                pass
        writer.join()
        assert refused.value.holder == "PID 4242 (callcore outbound import)"
    finally:
        os.close(fd)
