"""The sandboxes push as the platforms do (Huawei 7.6.1's schedule on a compressed clock), and the
receiver ends with exactly the sandbox's own records although deliveries and answers get lost."""
from __future__ import annotations

import itertools
from datetime import datetime, timedelta
from typing import Any

import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from callcore.platforms.huawei import CallData, CampaignSpec, HuaweiClient, ScheduleParam
from callcore.receivers import huawei_app
from callcore.sandbox import pushes
from callcore.sandbox.huawei import HuaweiSandbox

SPEED = 6000.0  # 10 platform minutes in 0.1 s


def _answering(codes: list[int]) -> tuple[Starlette, list[bytes]]:
    """A receiver answering ``codes`` in turn (then 200), recording every body it got."""
    got: list[bytes] = []
    answers = itertools.chain(codes, itertools.repeat(200))

    async def results(req: Request) -> JSONResponse:
        got.append(await req.body())
        return JSONResponse({"retCode": "0", "retMsg": "success"}, status_code=next(answers))

    return Starlette(routes=[Route("/r", results, methods=["POST"])]), got


def test_huawei_schedule_at_once_again_at_once_then_every_10_minutes_6_at_most(serve: Any) -> None:
    app, got = _answering([503] * 100)
    url = serve(app) + "/r"
    p = pushes.Pusher(speed=SPEED)
    assert p.huawei_results(url, [{"campaignId": "1", "sessionId": "s", "callId": "c"}]) is False
    # the first round (a delivery and its immediate re-push) happened before huawei_results returned
    assert [e["delivery"] for e in p.log] == [1, 2] and len(got) == 2
    assert p.drain(30)
    assert len(got) == pushes.HUAWEI_MAX_DELIVERIES == 6
    at = [e["at"] for e in p.log]
    assert [e["delivery"] for e in p.log] == [1, 2, 3, 4, 5, 6]
    # rounds are 10 platform minutes apart (001:27167); within a round the re-push is immediate
    assert at[2] - at[1] >= 600 and at[4] - at[3] >= 600
    assert all(e["status"] == 503 and not e["ok"] for e in p.log)
    p.close()


def test_huawei_repush_stops_at_the_first_200(serve: Any) -> None:
    app, got = _answering([500, 500, 502])  # round 1 fails twice, round 2's first delivery fails
    url = serve(app) + "/r"
    p = pushes.Pusher(speed=SPEED)
    assert p.huawei_results(url, [{"campaignId": "1", "sessionId": "s", "callId": "c"}]) is False
    assert p.drain(30)
    assert [(e["delivery"], e["status"], e["ok"]) for e in p.log] == [(1, 500, False), (2, 500, False),
                                                                       (3, 502, False), (4, 200, True)]
    assert p.log[2]["at"] >= 600 and len(got) == 4
    p.close()


def test_pusher_rejects_bad_settings() -> None:
    with pytest.raises(ValueError, match="speed"):
        pushes.Pusher(speed=0)
    with pytest.raises(ValueError, match="lose 1.5"):
        pushes.Pusher(lose=1.5)


def test_end_to_end_sandbox_dials_and_pushes_through_a_lossy_network(tmp_path: Any, serve: Any) -> None:
    from callcore.receivers import EventStore

    store = EventStore(tmp_path / "store")
    receiver = serve(huawei_app(store, path_secret="seg-1"))
    with HuaweiSandbox(tmp_path / "hw") as sb:
        pusher = pushes.attach(sb.app, pushes.Pusher(speed=SPEED, lose=0.35, lose_answer=0.15, seed=3))
        now = datetime.now()
        fmt = "%Y-%m-%d %H:%M:%S"
        spec = CampaignSpec(name="e2e", strBeginTime=now.strftime(fmt), strEndTime=(now + timedelta(days=2)).strftime(fmt),
                            deviceType=2, callerNo="10085", maxAlertingTime=20,
                            scheduleParam=ScheduleParam("00:00", "11:59", "12:00", "23:59"),
                            callbackUrl=receiver + "/huawei/results/seg-1",
                            skillParam={"skillId": 5, "outBoundType": 2, "predictParam": {"predictMethod": 5, "offhookPredictParam": {"offHookRate": 100}}})
        with HuaweiClient(sb.url, sb.access_key, sb.secret_key, vdn_id=1) as hw:
            cid = hw.create_campaign(spec)
            hw.add_numbers(cid, [CallData(called=f"1380000{i:04d}", sessionId=f"row-{i}", customField="b")
                                 for i in range(20)])
            hw.resume_campaign(cid)  # the platform dials only running campaigns (001:22758)
        for _ in range(4):  # 5 numbers a dial: 4 pushes
            sb.dial(1, cid, 5, push=True)
            assert pusher.drain(60)  # one push at a time keeps the seeded faults in a fixed order
        calls = {r["session_id"]: r for r in sb.app.state.rows("SELECT * FROM calls WHERE campaign=?", (cid,))}
    log = pusher.log
    # the network really lost deliveries and answers, and some results needed a 10-minute round
    assert any(e["error"] and "lost in the network" in e["error"] for e in log)
    assert any(e["error"] and "answer lost" in e["error"] for e in log)
    assert any(e["delivery"] >= 3 for e in log)
    events = list(store.events())
    assert len(events) == len({e["sessionId"] for e in events}) == len(calls) == 20
    for e in events:
        c = calls[e["sessionId"]]
        assert (e["callId"], e["callStatus"], e["failCode"], e["called"]) == \
            (c["call_id"], c["status"], c["fail_code"], c["called"])
    acknowledged = sum(1 for e in log if e["ok"])
    assert acknowledged == 4  # every push was acknowledged once in the end (none gave up at 6)
    assert store.counts()["duplicates"] == sum(5 for e in log if e["error"] and "answer lost" in e["error"])
    store.close()
    pusher.close()


def test_end_to_end_sccc_billing_and_taskinfo_pushes(tmp_path: Any, serve: Any) -> None:
    from callcore.platforms.sccc import ScccClient
    from callcore.receivers import EventStore, ScccCredentials, sccc_app
    from callcore.sandbox.sccc import ScccSandbox

    store = EventStore(tmp_path / "store")
    with ScccSandbox(tmp_path / "sccc") as sb:
        receiver = serve(sccc_app(store, ScccCredentials(sb.customer, sb.password)))
        pusher = pushes.attach(sb.app, pushes.Pusher(), url=receiver + "/sccc/notify")
        with ScccClient(sb.url, sb.customer, sb.password) as c:
            task = c.create_task("1000", [f"1380000{i:04d}" for i in range(6)], user_data="import-1")
        assert sb.dial(task.task_id, 10) == 6
        records = sb.app.state.rows("SELECT * FROM records ORDER BY key")
    billing = list(store.events("sccc", "billing"))
    assert len(billing) == len(records) == 6
    assert {(e["callee"], e["recordFile"], e["userData"]) for e in billing} == \
        {(r["callee"], r["filename"], "import-1") for r in records}
    assert sorted(q["path"] for q in store.queued_recordings("sccc")) == sorted(r["filename"] for r in records
                                                                              if r["filename"])
    [info] = store.events("sccc", "taskinfo")
    assert (info["taskID"], info["calleeAmount"], info["remainAmount"], info["status"]) == (str(task.task_id), "6",
                                                                                          "0", "2")
    assert all(e["ok"] for e in pusher.log)
    store.close()


def test_end_to_end_babaihu_hangup_and_recording_pushes(tmp_path: Any, serve: Any) -> None:
    from callcore.platforms.babaihu import BabaihuClient, TaskRecord
    from callcore.receivers import EventStore, babaihu_app
    from callcore.sandbox.babaihu import BabaihuSandbox

    store = EventStore(tmp_path / "store")
    receiver = serve(babaihu_app(store, path_secret="seg-2"))
    with BabaihuSandbox(tmp_path / "bbh") as sb:
        pushes.attach(sb.app, pushes.Pusher(), url=receiver + "/babaihu/voip/seg-2")
        with BabaihuClient(sb.url, sb.user, sb.password) as c:
            tid = c.add_task("t", [TaskRecord(f"1300000000{i}", key=f"k{i}") for i in range(5)], flow_name="外呼流程")
        assert sb.dial(tid, 10) == 5
        details = sb.app.state.rows("SELECT * FROM details WHERE task=?", (int(tid),))
    hangups = list(store.events("babaihu", "hangup"))
    recordings = list(store.events("babaihu", "recording"))
    assert sorted(e["phone"] for e in hangups) == sorted(d["phone"] for d in details)
    assert sorted(e["memo"]["cdrRecordFile"] for e in recordings) == sorted(d["wav"] for d in details if d["wav"])
    assert len(store.queued_recordings("babaihu")) == sum(1 for d in details if d["wav"])
    store.close()


def test_sandbox_bill_callback_is_verified_and_stored(tmp_path: Any, serve: Any) -> None:
    """The Huawei sandbox's CC-FS queryBillData callback (auth-v2 signed by the platform, 001:65345)
    lands in the receiver, verified with the AK/SK pair, once."""
    import time

    from callcore.platforms.huawei import bill_file_name
    from callcore.receivers import EventStore
    from callcore.sign import Verifier

    store = EventStore(tmp_path / "store")
    with HuaweiSandbox(tmp_path / "hw") as sb:
        base = serve(huawei_app(store, bill_verifier=Verifier({sb.access_key: sb.secret_key})))
        now = datetime.now()
        fmt = "%Y-%m-%d %H:%M:%S"
        with HuaweiClient(sb.url, sb.access_key, sb.secret_key, vdn_id=1) as hw:
            rid = hw.query_bill_data((now - timedelta(days=1)).strftime(fmt), (now + timedelta(minutes=5)).strftime(fmt),
                                     base + "/huawei/bill")
        for _ in range(500):  # the sandbox calls back from its own task: wait until it has delivered
            if sb.app.callbacks:
                break
            time.sleep(0.02)
        assert [c["status"] for c in sb.app.callbacks] == [200]
    [ev] = store.events("huawei", "bill")
    assert (ev["responseId"], ev["billFileName"]) == (rid, bill_file_name(rid))
    store.close()
