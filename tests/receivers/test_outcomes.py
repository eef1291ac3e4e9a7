"""``outbound results`` end to end: import into the Huawei sandbox, the sandbox dials and pushes
through a lossy network (one push lost for good: polling finds it), the receiver stores the rest,
and every input row gets one outcome that matches the sandbox's own records."""
from __future__ import annotations

import csv
import json
import os
import subprocess
import sys
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from callcore.pipelines.outbound import ImportOptions, import_list
from callcore.pipelines.outcomes import huawei_poller, outcomes
from callcore.platforms.huawei import CampaignSpec, HuaweiClient, ScheduleParam
from callcore.platforms.retry import RetryPolicy
from callcore.receivers import EventStore, huawei_app
from callcore.sandbox import pushes
from callcore.sandbox.huawei import HuaweiConfig, HuaweiSandbox


def _list(path: Path, n: int) -> list[str]:
    good = [f"1380000{i:04d}" for i in range(n)]
    rows = [f"{g},ok" for g in good] + [f"+86 {good[0]},dup", "abc,bad", "1380013800,short"]
    path.write_text("phone,name\n" + "\n".join(rows) + "\n")
    return good


@pytest.fixture
def loop(tmp_path: Path, serve: Any) -> Any:
    """Import 45 rows (+3 set aside) into a sandbox campaign whose callbackUrl is our receiver."""
    store = EventStore(tmp_path / "store")
    base = serve(huawei_app(store))
    sb = HuaweiSandbox(tmp_path / "hw", config=HuaweiConfig(min_interval=0.05)).start()
    now = datetime.now()
    fmt = "%Y-%m-%d %H:%M:%S"
    with HuaweiClient(sb.url, sb.access_key, sb.secret_key, vdn_id=1) as c:
        cid = c.create_campaign(CampaignSpec(
            name="loop", strBeginTime=now.strftime(fmt), strEndTime=(now + timedelta(days=2)).strftime(fmt),
            deviceType=2, callerNo="10085", maxAlertingTime=20, scheduleParam=ScheduleParam("00:00", "11:59", "12:00",
                                                                                          "23:59"),
            callbackUrl=base + "/huawei/results", skillParam={"skillId": 5, "outBoundType": 2, "predictParam": {"predictMethod": 5, "offhookPredictParam": {"offHookRate": 100}}}))
    good = _list(tmp_path / "l.csv", 45)
    s = import_list(tmp_path / "l.csv", tmp_path / "w", ImportOptions(
        campaigns=[cid], endpoint=sb.url, access_key=sb.access_key, secret_key=sb.secret_key, min_interval=0.05,
        retry=RetryPolicy(attempts=10, base_delay=0.05, flow_delay=0.2, max_delay=0.5)))
    assert s.complete and s.accepted == 45
    with HuaweiClient(sb.url, sb.access_key, sb.secret_key, vdn_id=1) as c:
        c.resume_campaign(cid)  # the import leaves it paused; the platform dials only running ones (001:22758)
    yield sb, cid, store, good, tmp_path
    store.close()
    sb.stop()


def test_every_row_gets_one_outcome_matching_the_sandbox(loop: Any) -> None:
    sb, cid, store, good, tmp = loop
    lossy = pushes.attach(sb.app, pushes.Pusher(speed=6000, lose=0.3, lose_answer=0.1, seed=5))
    sb.dial(1, cid, 15, push=True)
    assert lossy.drain(60)
    # one push lost for good: 6 deliveries, none arrived (001:27166); polling must find these
    gone = pushes.attach(sb.app, pushes.Pusher(speed=6000, lose=1.0))
    sb.dial(1, cid, 10, push=True)
    assert gone.drain(60) and len(gone.log) == 6 and not any(e["ok"] for e in gone.log)
    # 20 rows are never dialled: pending
    calls = {r["session_id"]: dict(r) for r in sb.app.state.rows("SELECT * FROM calls WHERE campaign=?", (cid,))}
    assert len(calls) == 25

    pushed_only = outcomes(tmp / "w", store=tmp / "store")
    assert pushed_only.summary["outcomes"]["pending"] == 30  # 20 not dialled + 10 whose push was lost
    with HuaweiClient(sb.url, sb.access_key, sb.secret_key, vdn_id=1) as c:
        slept: list[float] = []
        res = outcomes(tmp / "w", store=tmp / "store", poll=huawei_poller(c, sleep=slept.append, min_interval=0.0))
    s = res.summary
    assert s["rows"] == s["input_rows"] == 48 and s["reconciles"]
    o = s["outcomes"]
    assert o["not_imported"] == 3 and o["pending"] == 20 and o["refused"] == 0 and o["not_sent"] == 0
    assert o["answered"] + o["failed"] == 25
    assert s["from_push"] == 15 and s["from_poll"] == 10
    by_sid = {r["session_id"]: r for r in res.rows if r["session_id"]}
    for sid, c in calls.items():
        r = by_sid[sid]
        assert r["outcome"] == ("answered" if c["status"] == 6 else "failed")
        assert (r["call_id"], r["number"]) == (c["call_id"], c["called"])
        if c["status"] == 5:
            assert r["code"] == c["fail_code"] and r["meaning"] == "用户侧拆线: 外呼号码被叫忙。"
    dialled = set(calls)
    assert all(r["outcome"] == "pending" for r in res.rows if r["session_id"] and r["session_id"] not in dialled)
    # input rows are the list's lines: 2..49 minus nothing lost
    assert sorted(int(r["input_row"]) for r in res.rows) == list(range(2, 50))
    assert {r["number"] for r in res.rows if r["outcome"] == "not_imported"} == {f"'+86 {good[0]}", "abc", "1380013800"}
    # (the list's cells as rejects.csv has them: defused against spreadsheet formulas)


def test_cli_writes_csv_xlsx_and_json(loop: Any) -> None:
    sb, cid, store, good, tmp = loop
    pushes.attach(sb.app, pushes.Pusher(speed=6000))
    sb.dial(1, cid, 5, push=True)
    env = {k: v for k, v in os.environ.items() if not k.startswith("CALLCORE_")}
    r = subprocess.run([sys.executable, "-m", "callcore.cli", "outbound", "results", str(tmp / "w"), "--store",
                        str(tmp / "store"), "--xlsx", "--json"], capture_output=True, text=True, env=env)
    assert r.returncode == 0, r.stderr
    summary = json.loads(r.stdout)
    assert summary["outcomes"]["pending"] == 40 and summary["reconciles"]
    with open(tmp / "w" / "results.csv", newline="", encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    assert len(rows) == 48 and rows[0].keys() >= {"input_row", "number", "campaign", "outcome", "code", "meaning",
                                                  "recording"}
    assert (tmp / "w" / "results.xlsx").stat().st_size > 0
    text = subprocess.run([sys.executable, "-m", "callcore.cli", "outbound", "results", str(tmp / "w"), "--store",
                           str(tmp / "store")], capture_output=True, text=True, env=env).stdout
    assert "reconciles with 48 input rows" in text
    bad = subprocess.run([sys.executable, "-m", "callcore.cli", "outbound", "results", str(tmp / "nowhere")],
                         capture_output=True, text=True, env=env)
    assert bad.returncode == 2 and "no import journal here" in bad.stderr


def test_cli_poll_finds_results_that_were_never_pushed(loop: Any) -> None:
    sb, cid, store, good, tmp = loop
    sb.dial(1, cid, 6, push=False)  # dialled; the pushes never happened
    env = {k: v for k, v in os.environ.items() if not k.startswith("CALLCORE_")}
    env.update(CALLCORE_ACCESS_KEY=sb.access_key, CALLCORE_SECRET_KEY=sb.secret_key)
    cmd = [sys.executable, "-m", "callcore.cli", "outbound", "results", str(tmp / "w"), "--store", str(tmp / "store"),
           "--json"]
    without = json.loads(subprocess.run(cmd, capture_output=True, text=True, env=env, check=True).stdout)
    assert without["outcomes"]["pending"] == 45 and without["from_poll"] == 0
    r = subprocess.run(cmd + ["--poll", "--endpoint", sb.url], capture_output=True, text=True, env=env)
    assert r.returncode == 0, r.stderr
    polled = json.loads(r.stdout)
    assert polled["from_poll"] == 6 and polled["outcomes"]["pending"] == 39 and polled["reconciles"]
    assert sb.secret_key not in r.stdout + r.stderr


@pytest.mark.parametrize("damage", ["one digit", "missing"])
def test_outcomes_refuse_a_clean_file_changed_since_the_import(loop: Any, damage: str) -> None:
    """The join matches clean.csv's rows to the journal's batches by position: a clean.csv edited
    (same size, other content) or removed since the clean would give rows another number's
    outcome, so it is refused by name, as a resumed import refuses it."""
    sb, cid, store, good, tmp = loop
    clean = tmp / "w" / "clean.csv"
    text = clean.read_bytes()
    if damage == "one digit":
        at = text.index(good[7].encode()) + len(good[7]) - 1
        clean.write_bytes(text[:at] + (b"1" if text[at:at + 1] != b"1" else b"2") + text[at + 1:])
    else:
        clean.unlink()
    with pytest.raises(ValueError, match=r"clean\.csv: (changed since the clean .*other content|missing).* outcome join"):
        outcomes(tmp / "w", store=tmp / "store")
