"""The sandbox's fault injection (5xx pages, dropped connections, flow-control codes, latency,
clock skew): the jobs complete, nothing lost, nothing duplicated."""
from __future__ import annotations

import csv
from datetime import datetime, timedelta

import pytest

from callcore.pipelines.outbound import import_list
from callcore.pipelines.recordings import SyncOptions, sync_recordings
from callcore.platforms.retry import RetryPolicy

from .conftest import write_list
from .test_outbound import assert_exactly_once, opts

FAULTS = [
    "5xx=0.2,seed=1",
    "drop=0.2,seed=2",
    "flow=0.3,seed=3",
    "latency=0.5:0.05,seed=4",
    "skew=0.1:3600,seed=5",  # (20 auth failures in 10 minutes lock the IP out, 001:66975)
    "5xx=0.1,drop=0.1,flow=0.1,latency=0.3:0.02,skew=0.05:3600,seed=6",
]


def _campaign(sb) -> int:
    """A paused campaign put straight into the sandbox's state (setting up is not under test)."""
    return sb.app.state.insert("INSERT INTO campaigns (vdn, name, status, device_type, spec, created) "
                               "VALUES (1, 'faults', 3, 2, '{}', 0)")


@pytest.mark.parametrize("faults", FAULTS)
def test_import_completes_under_faults(sandbox_factory, tmp_path, faults):
    sb = sandbox_factory(faults=faults, v2_max=10, min_interval=0.05)
    cid = _campaign(sb)
    good = write_list(tmp_path / "l.csv", 120, dirty=False, seed=3)
    o = opts(sb, [cid], api="v2", v2_max=10, min_interval=0.05,
             retry=RetryPolicy(attempts=30, base_delay=0.01, flow_delay=0.05, max_delay=0.1))
    s = import_list(tmp_path / "l.csv", tmp_path / "w", o)
    assert s.complete and s.adds_up and s.accepted == 120
    assert_exactly_once(sb, good)
    assert sum(sb.app.faults.counts.values()) > 0, "faults were injected"


@pytest.mark.parametrize("faults", ["5xx=0.2,drop=0.15,flow=0.15,latency=0.3:0.02,seed=8", "skew=0.05:3600,seed=9"])
def test_recording_sync_completes_under_faults(sandbox_factory, tmp_path, faults):
    sb = sandbox_factory(faults=faults, v2_max=1000, min_interval=0.0)
    cid = _campaign(sb)
    sb.app.state.many("INSERT INTO calldata (vdn, campaign, session_id, called, state) VALUES (1,?,?,?,'pending')",
                      [(cid, f"s{i}", f"1380000{i:04d}") for i in range(60)])
    sb.app.state.execute("UPDATE campaigns SET status=2 WHERE id=?", (cid,))  # running: only those are dialled
    sb.dial(1, cid, 60)
    recs = sb.app.state.rows("SELECT * FROM recordings")
    now = datetime.now()
    o = SyncOptions(sb.url, sb.access_key, sb.secret_key, begin=(now - timedelta(hours=2)).strftime("%Y-%m-%d %H:%M:%S"),
                    end=(now + timedelta(minutes=1)).strftime("%Y-%m-%d %H:%M:%S"), out_dir=str(tmp_path / "out"),
                    retry=RetryPolicy(attempts=30, base_delay=0.01, flow_delay=0.05, max_delay=0.1))
    s = sync_recordings(o)
    assert s.complete and s.recordings == len(recs) and s.failed == 0
    man = list(csv.DictReader(open(tmp_path / "out" / "manifest.csv")))
    assert sorted(m["remote_file"] for m in man) == sorted(r["file_name"] for r in recs)
    assert sum(sb.app.faults.counts.values()) > 0
