"""``outbound results`` for SCCC and 八百呼: results joined from their pushes (billing / hang-up),
the rest from polling (getCdrList / findTaskMx), not-yet-dialled rows pending; every row one
outcome that matches the sandbox's records. 九五 (no pushes) is checked on the seed's contact rows."""
from __future__ import annotations

from pathlib import Path
from typing import Any

from callcore.pipelines.outbound import BabaihuImportOptions, ImportOptions, ScccImportOptions, import_list
from callcore.pipelines.outcomes import (babaihu_poller, hl95_contact_result, outcomes, sccc_poller)
from callcore.platforms.retry import RetryPolicy
from callcore.receivers import EventStore, ScccCredentials, babaihu_app, sccc_app
from callcore.sandbox import pushes

FAST = RetryPolicy(attempts=30, base_delay=0.01, flow_delay=0.05, max_delay=0.1)


def _list(path: Path, n: int, prefix: str = "1380000") -> list[str]:
    good = [f"{prefix}{i:04d}" for i in range(n)]
    path.write_text("phone\n" + "\n".join(good + ["abc"]) + "\n")
    return good


def test_sccc_outcomes_from_billing_pushes_then_getcdrlist(tmp_path: Path, serve: Any) -> None:
    from callcore.platforms.sccc import ScccClient
    from callcore.sandbox.sccc import ScccSandbox

    store = EventStore(tmp_path / "store")
    with ScccSandbox(tmp_path / "sccc") as sb:
        receiver = serve(sccc_app(store, ScccCredentials(sb.customer, sb.password)))
        tid = sb.app.state.insert("INSERT INTO tasks (agent, name, mode, status, user_data, created) VALUES "
                                  "('1001', 'import', 2, 0, NULL, 0)")
        _list(tmp_path / "l.csv", 12)
        s = import_list(tmp_path / "l.csv", tmp_path / "w", ImportOptions(
            campaigns=[tid], endpoint=sb.url, access_key=sb.customer, secret_key=sb.password, platform="sccc",
            platform_options=ScccImportOptions(agent="1001"), retry=FAST))
        assert s.complete and s.accepted == 12
        pushes.attach(sb.app, pushes.Pusher(), url=receiver + "/sccc/notify")
        sb.dial(tid, 5)
        pushes.attach(sb.app, pushes.Pusher(), url=None)  # these calls' pushes never come
        sb.dial(tid, 4)
        records = {r["callee"]: dict(r) for r in sb.app.state.rows("SELECT * FROM records")}
        assert len(records) == 9
        with ScccClient(sb.url, sb.customer, sb.password) as c:
            res = outcomes(tmp_path / "w", store=tmp_path / "store", poll=sccc_poller(c, "1001"))
    s = res.summary
    assert s["reconciles"] and s["rows"] == 13
    assert s["outcomes"]["pending"] == 3 and s["outcomes"]["not_imported"] == 1
    assert s["from_push"] == 5 and s["from_poll"] == 4
    for r in res.rows:
        rec = records.get(r["number"])
        if rec is None:
            assert r["outcome"] in ("pending", "not_imported")
            continue
        assert r["outcome"] == ("answered" if rec["result"] == 1 else "failed")
        assert r["recording"] == rec["filename"]
    store.close()


def test_babaihu_outcomes_from_hangup_pushes_then_findtaskmx(tmp_path: Path, serve: Any) -> None:
    from callcore.platforms.babaihu import BabaihuClient
    from callcore.sandbox.babaihu import BabaihuSandbox

    store = EventStore(tmp_path / "store")
    with BabaihuSandbox(tmp_path / "bbh") as sb:
        receiver = serve(babaihu_app(store))
        _list(tmp_path / "l.csv", 10, "1300000")
        s = import_list(tmp_path / "l.csv", tmp_path / "w", ImportOptions(
            campaigns=[sb.flow_id], endpoint=sb.url, access_key=sb.user, secret_key=sb.password, platform="babaihu",
            platform_options=BabaihuImportOptions(flow_name=sb.flow_name), retry=FAST))
        assert s.complete and s.accepted == 10
        [task] = [r["task"] for r in sb.app.state.rows("SELECT DISTINCT task FROM details")]
        pushes.attach(sb.app, pushes.Pusher(), url=receiver + "/babaihu/voip")
        sb.dial(task, 4)
        pushes.attach(sb.app, pushes.Pusher(), url=None)
        sb.dial(task, 3)
        details = {r["key"]: dict(r) for r in sb.app.state.rows("SELECT * FROM details")}
        with BabaihuClient(sb.url, sb.user, sb.password) as c:
            res = outcomes(tmp_path / "w", store=tmp_path / "store", poll=babaihu_poller(c))
    s = res.summary
    assert s["reconciles"] and s["rows"] == 11
    assert s["outcomes"]["pending"] == 3 and s["from_push"] == 4 and s["from_poll"] == 3
    for r in res.rows:
        if r["outcome"] == "not_imported":
            continue
        d = details[r["session_id"]]
        expect = {0: "pending", 3: "failed", 4: "answered"}[d["status"]]
        assert r["outcome"] == expect, (r, d)
    store.close()


def test_hl95_contact_states_as_the_seed_defines_them() -> None:
    # outboundContacts callState (000:2224); the seed's sample row is 9 未联系 (000:2274): pending
    sample = {"id": 2149469, "outboundId": 2716, "mobile": "18219694903", "callState": 9, "mobileDes": "123"}
    assert hl95_contact_result(sample) is None
    answered = hl95_contact_result(dict(sample, callState=4, cStartTime="2019-12-28 10:00:00", fileName="a.wav"))
    assert answered is not None and (answered["key"], answered["outcome"], answered["meaning"]) == \
        ("123", "answered", "用户应答")
    failed = hl95_contact_result(dict(sample, callState=5, cHangupCause="NO_ANSWER"))
    assert failed is not None and (failed["outcome"], failed["meaning"]) == ("failed", "无人应答 (NO_ANSWER)")


def test_outcome_code_tables_are_the_seeds() -> None:
    from callcore.pipelines.outcomes import huawei_release_cause_meaning, huawei_result

    # 13-128 (001:67006, 67018), 13-130 (the PDF split "332<br>2", 001:67290)
    assert huawei_release_cause_meaning(0) == "流程拆线。呼叫正常拆除。"
    assert huawei_release_cause_meaning("47") == "被叫忙"
    assert huawei_release_cause_meaning("3322") == "呼叫释放时，收到不需要的消息"
    assert huawei_release_cause_meaning("99999999") == "undocumented release cause"
    # 7-295 (001:27220-27250) for 7.6.1/7.5.1 results
    r = huawei_result({"campaignId": "1", "sessionId": "s", "callStatus": 5, "failCode": "00548"})
    assert r is not None and (r["outcome"], r["meaning"]) == ("failed", "用户侧拆线: 外呼手机号码关机。")
    assert huawei_result({"campaignId": "1", "sessionId": "s", "callStatus": 7}) is None
