"""``recordings sync --from-pushes``: exactly the recordings that pushes named are fetched and
converted, with the listed sync's state, manifest and resume."""
from __future__ import annotations

import csv
import os
import subprocess
import sys
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from callcore.pipelines.push_recordings import use_pushes
from callcore.pipelines.recordings import SyncOptions, sync_recordings
from callcore.platforms.huawei import CallData, CampaignSpec, HuaweiClient, ScheduleParam
from callcore.receivers import EventStore, babaihu_app, huawei_app
from callcore.sandbox import pushes
from callcore.sandbox.huawei import HuaweiSandbox

FMT = "%Y-%m-%d %H:%M:%S"


def _window() -> tuple[str, str]:
    now = datetime.now()
    return (now - timedelta(days=1)).strftime(FMT), (now + timedelta(hours=1)).strftime(FMT)


def test_huawei_pushed_recordings_synced_exactly_and_resumed(tmp_path: Path, serve: Any) -> None:
    store = EventStore(tmp_path / "store")
    base = serve(huawei_app(store))
    with HuaweiSandbox(tmp_path / "hw") as sb:
        now = datetime.now()
        with HuaweiClient(sb.url, sb.access_key, sb.secret_key, vdn_id=1) as c:
            cid = c.create_campaign(CampaignSpec(
                name="rec", strBeginTime=now.strftime(FMT), strEndTime=(now + timedelta(days=2)).strftime(FMT),
                deviceType=2, callerNo="10085", maxAlertingTime=20,
                scheduleParam=ScheduleParam("00:00", "11:59", "12:00", "23:59"), callbackUrl=base + "/huawei/results",
                skillParam={"skillId": 5, "outBoundType": 2, "predictParam": {"predictMethod": 5, "offhookPredictParam": {"offHookRate": 100}}}))
            c.add_numbers(cid, [CallData(called=f"1380000{i:04d}", sessionId=f"r{i}") for i in range(12)])
            c.resume_campaign(cid)  # the platform dials only running campaigns (001:22758)
        pushes.attach(sb.app, pushes.Pusher(speed=6000))
        sb.dial(1, cid, 8, push=True)
        sb.dial(1, cid, 4, push=False)  # dialled, results never pushed: their recordings are not ours to sync
        pushed_paths = {q["path"] for q in store.queued_recordings("huawei")}
        all_recs = sb.app.state.rows("SELECT * FROM recordings")
        assert pushed_paths and len(all_recs) > len(pushed_paths)
        b, e = _window()
        o = use_pushes(SyncOptions(sb.url, sb.access_key, sb.secret_key, begin=b, end=e, out_dir=str(tmp_path / "out"),
                                   settle_minutes=60), tmp_path / "store")
        s = sync_recordings(o)
        assert s.complete and s.failed == 0 and s.recordings == len(pushed_paths) and s.converted == len(pushed_paths)
        with open(tmp_path / "out" / "manifest.csv", newline="", encoding="utf-8") as f:
            man = list(csv.DictReader(f))
        assert {m["remote_original"] for m in man} == pushed_paths
        assert all(m["output_sha256"] and m["state"] == "converted" for m in man), man[0]
        # a second run after more pushes fetches only the new ones
        sb.dial(1, cid, 0, push=True)
        s2 = sync_recordings(use_pushes(SyncOptions(sb.url, sb.access_key, sb.secret_key, begin=b, end=e,
                                                    out_dir=str(tmp_path / "out"), settle_minutes=60),
                                        tmp_path / "store"))
        assert s2.complete and s2.downloaded_now == 0 and s2.recordings == len(pushed_paths)
    store.close()


def test_babaihu_box_uploads_are_copied_from_the_store(tmp_path: Path, serve: Any) -> None:
    import httpx

    store = EventStore(tmp_path / "store")
    base = serve(babaihu_app(store))
    wav = tmp_path / "a.wav"
    subprocess.run(["sox", "-n", "-r", "8000", "-c", "1", "-b", "16", str(wav), "synth", "1", "sine", "440"], check=True)
    start = int(datetime.now().timestamp()) - 60
    r = httpx.post(base + "/babaihu/upload_record", data={
        "cmd": "upload", "satellite": "00:00:00:00:01", "callid": "77", "recorded": "1", "callid_dialed": "13508383464",
        "start_time_secs": str(start), "start_time_hangup": str(start + 1)},
        files={"file": ("rec.wav", wav.read_bytes(), "audio/wav")})
    assert r.json()["status"] == 0
    b, e = _window()
    o = use_pushes(SyncOptions("http://127.0.0.1:9", "100008800", "92868F142BE5DD78DD0ACF4370B4EB94", begin=b, end=e,
                               out_dir=str(tmp_path / "out"), platform="babaihu"), tmp_path / "store")
    s = sync_recordings(o)
    assert s.complete and s.recordings == 1 and s.converted == 1, s.errors
    store.close()


def test_from_pushes_bad_input(tmp_path: Path) -> None:
    o = SyncOptions("http://127.0.0.1:9", "ak", "sk", begin="2026-01-01 00:00:00", end="2026-01-02 00:00:00",
                    out_dir=str(tmp_path / "out"))
    with pytest.raises(ValueError, match="--store"):
        use_pushes(o, None)
    with pytest.raises(FileNotFoundError, match="no events.sqlite3"):
        use_pushes(o, tmp_path / "nothing")
    (tmp_path / "s").mkdir()
    EventStore(tmp_path / "s").close()
    from dataclasses import replace

    with pytest.raises(ValueError, match="defines no pushes"):
        use_pushes(replace(o, platform="hl95"), tmp_path / "s")
    env = {k: v for k, v in os.environ.items() if not k.startswith("CALLCORE_")}
    env.update(CALLCORE_ACCESS_KEY="ak", CALLCORE_SECRET_KEY="sk")
    r = subprocess.run([sys.executable, "-m", "callcore.cli", "recordings", "sync", "--from-pushes", "--from",
                        "2026-01-01", "--to", "2026-01-02", "-o", str(tmp_path / "o"), "--endpoint", "http://127.0.0.1:9"],
                       capture_output=True, text=True, env=env)
    assert r.returncode == 2 and "--store" in r.stderr


def test_sccc_and_babaihu_pushed_recordings_synced(tmp_path: Path, serve: Any) -> None:
    from callcore.platforms.babaihu import BabaihuClient, TaskRecord
    from callcore.platforms.sccc import ScccClient
    from callcore.receivers import ScccCredentials, sccc_app
    from callcore.sandbox.babaihu import BabaihuSandbox
    from callcore.sandbox.sccc import ScccSandbox

    b, e = _window()
    with ScccSandbox(tmp_path / "sccc") as sb:
        store = EventStore(tmp_path / "s-store")
        base = serve(sccc_app(store, ScccCredentials(sb.customer, sb.password)))
        pushes.attach(sb.app, pushes.Pusher(), url=base + "/sccc/notify")
        with ScccClient(sb.url, sb.customer, sb.password) as c:
            task = c.create_task("1000", [f"1380000{i:04d}" for i in range(8)])
        sb.dial(task.task_id, 8)
        named = {q["path"] for q in store.queued_recordings("sccc")}
        store.close()
        s = sync_recordings(use_pushes(SyncOptions(sb.url, sb.customer, sb.password, begin=b, end=e, platform="sccc",
                                                   out_dir=str(tmp_path / "s-out")), tmp_path / "s-store"))
    assert named and s.complete and s.recordings == s.converted == len(named), s.errors
    with BabaihuSandbox(tmp_path / "bbh") as sb:
        store = EventStore(tmp_path / "b-store")
        base = serve(babaihu_app(store))
        pushes.attach(sb.app, pushes.Pusher(), url=base + "/babaihu/voip")
        with BabaihuClient(sb.url, sb.user, sb.password) as c:
            tid = c.add_task("t", [TaskRecord(f"1300000000{i}") for i in range(6)], flow_name="外呼流程")
        sb.dial(tid, 6)
        named = {q["path"] for q in store.queued_recordings("babaihu")}
        store.close()
        s = sync_recordings(use_pushes(SyncOptions(sb.url, sb.user, sb.password, begin=b, end=e, platform="babaihu",
                                                   out_dir=str(tmp_path / "b-out")), tmp_path / "b-store"))
    assert named and s.complete and s.recordings == s.converted == len(named), s.errors
