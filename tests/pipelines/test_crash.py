"""kill -9 at random points, resume, repeat: every clean row lands on the platform exactly once,
and every recording is fetched once, converted once, with no partial file left behind."""
from __future__ import annotations

import os
import random
import sys
from datetime import datetime, timedelta

from .conftest import KILLS, calldata, client_for, kill_cycles, make_campaign, write_list



def _env(sb):
    return dict(os.environ, CALLCORE_ACCESS_KEY=sb.access_key, CALLCORE_SECRET_KEY=sb.secret_key)


def test_import_survives_20_kills(sandbox_factory, tmp_path):
    # the sandbox's real 1 s pacing per campaign; v2 with a large per-call max keeps each cycle short
    sb = sandbox_factory(v2_max=100)
    good = write_list(tmp_path / "l.csv", 6000, seed=7)  # ~50 paced calls: longer than 20 kill cycles
    with client_for(sb) as c:
        cid = make_campaign(c, "crash")
    cmd = [sys.executable, "-m", "callcore.cli", "outbound", "import", str(tmp_path / "l.csv"), "--campaign", str(cid),
           "--endpoint", sb.url, "--workdir", str(tmp_path / "w"), "--api", "v2", "--v2-max", "100", "--json"]
    kills, r = kill_cycles(cmd, _env(sb), random.Random(11), 0.6, 2.2)
    assert r.returncode == 0, r.stderr[-2000:]
    assert kills >= KILLS, f"only {kills} runs were killed mid-way"
    rows = calldata(sb, cid)
    assert sorted(r["called"] for r in rows) == sorted(good), "every clean row exactly once"
    assert len({r["session_id"] for r in rows}) == len(rows)


def test_recording_sync_survives_20_kills(sandbox_factory, tmp_path):
    # 100 ms latency on every request stretches the sync so that the kills land mid-way
    sb = sandbox_factory(faults="latency=1:0.1", v2_max=1000, min_interval=0.0)
    write_list(tmp_path / "l.csv", 400, dirty=False)
    with client_for(sb) as c:
        cid = make_campaign(c, "rec")
    from callcore.pipelines.outbound import import_list

    from .options_kit import import_options

    import_list(tmp_path / "l.csv", tmp_path / "w", import_options(
        campaigns=[cid], endpoint=sb.url, access_key=sb.access_key, secret_key=sb.secret_key, api="v2", v2_max=1000,
        min_interval=0))
    with client_for(sb) as c:
        c.resume_campaign(cid)  # the platform dials only a running campaign
    sb.dial(1, cid, 400)
    recs = sb.app.state.rows("SELECT * FROM recordings")
    now = datetime.now()
    out = tmp_path / "out"
    cmd = [sys.executable, "-m", "callcore.cli", "recordings", "sync", "--from",
           (now - timedelta(hours=12)).strftime("%Y-%m-%d %H:%M:%S"), "--to",
           (now + timedelta(minutes=1)).strftime("%Y-%m-%d %H:%M:%S"), "-o", str(out), "--endpoint", sb.url,
           "--to-format", "mp3", "--workers", "2", "--json"]
    kills, r = kill_cycles(cmd, _env(sb), random.Random(5), 0.45, 1.0)
    assert r.returncode == 0, r.stderr[-2000:]
    assert kills >= KILLS, f"only {kills} runs were killed mid-way"
    import csv
    import sqlite3

    man = list(csv.DictReader(open(out / "manifest.csv")))
    assert len(man) == len(recs) and all(m["state"] == "converted" for m in man)
    assert {m["remote_file"] for m in man} == {r["file_name"] for r in recs}
    for m in man:
        p = out / m["output"]
        assert p.is_file() and p.stat().st_size == int(m["output_bytes"])
    db = sqlite3.connect(out / ".callcore-sync" / "state.sqlite3")
    assert db.execute("SELECT MAX(fetches), MAX(converts) FROM recs").fetchone() == (1, 1), "nothing fetched or converted twice"
    leftovers = [p for p in out.rglob("*") if p.name.endswith(".part") or p.name.startswith(".part-")]
    assert leftovers == []


def test_file_route_import_survives_20_kills(sandbox_factory, sshd, tmp_path):
    """The file route killed at random points (writing, uploading, importing, polling): each
    workbook's rows land once."""
    # 150 ms on every request (wall time, whatever the CPU) and 120 workbooks keep the job
    # longer than 20 kill cycles
    sb = sandbox_factory(faults="latency=1:0.15", sftp_root=sshd.root)
    good = write_list(tmp_path / "l.csv", 6000, seed=9, dirty=False)
    with client_for(sb) as c:
        cid = make_campaign(c, "crash-file")
        sid = c.add_file_server("127.0.0.1", sshd.port, "/", sshd.user, "password-1234")
    cmd = [sys.executable, "-m", "callcore.cli", "outbound", "import", str(tmp_path / "l.csv"), "--campaign", str(cid),
           "--endpoint", sb.url, "--workdir", str(tmp_path / "w"), "--route", "file", "--rows-per-file", "50",
           "--workers", "2", "--sftp-host", "127.0.0.1", "--sftp-port", str(sshd.port), "--sftp-user", sshd.user,
           "--sftp-key", sshd.key_file, "--server-id", sid, "--json"]
    kills, r = kill_cycles(cmd, _env(sb), random.Random(3), 0.45, 0.9)
    assert r.returncode == 0, r.stderr[-2000:]
    assert kills >= KILLS, f"only {kills} runs were killed mid-way"
    rows = calldata(sb, cid)
    assert sorted(r["called"] for r in rows) == sorted(good), "every clean row exactly once"
    assert not list((tmp_path / "w" / "workbooks").glob(".part-*"))


def test_a_kill_after_the_first_journal_commit_is_resumed(sandbox_factory, tmp_path):
    """Issue 10 item 3: the job's identity (input, job id, platform) was written in three commits;
    a kill after the first left no job id and every later run died with a TypeError. Now it is one
    transaction: killed right after it, or before it, the next run resumes."""
    import subprocess

    from callcore import _crashpoint

    sb = sandbox_factory(min_interval=0.0, v2_max=10)
    good = write_list(tmp_path / "l.csv", 25, dirty=False)
    with client_for(sb) as c:
        cid = make_campaign(c, "first-commit")
    cmd = [sys.executable, "-m", "callcore.cli", "outbound", "import", str(tmp_path / "l.csv"), "--campaign", str(cid),
           "--endpoint", sb.url, "--workdir", str(tmp_path / "w"), "--api", "v2", "--v2-max", "10", "--min-interval",
           "0", "--json"]
    killed = subprocess.run(cmd, env=dict(_env(sb), **{_crashpoint.ENV: "commit:1"}), capture_output=True)
    assert killed.returncode == -9
    r = subprocess.run(cmd, env=_env(sb), capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stderr[-2000:]
    assert sorted(x["called"] for x in calldata(sb, cid)) == sorted(good)
