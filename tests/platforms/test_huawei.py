"""Huawei client against the Huawei sandbox over real HTTP on loopback, including error paths."""
from __future__ import annotations

import json
import zipfile
from datetime import datetime, timedelta
from pathlib import Path

import httpx
import numpy as np
import pytest

from callcore.platforms import errors as E
from callcore.platforms.huawei import (AsyncHuaweiClient, BlacklistAdd, CallData, CallDataV2, CalledNo, CampaignSpec,
                                       HuaweiClient, RECORD_COLUMNS, ScheduleParam, bill_file_name,
                                       parse_bill_callback, read_bill_index)
from callcore.sandbox.huawei import HuaweiConfig, HuaweiSandbox

FMT = "%Y-%m-%d %H:%M:%S"


def spec(name: str = "camp", **kw) -> CampaignSpec:
    now = datetime.now()
    base = dict(name=name, strBeginTime=now.strftime(FMT), strEndTime=(now + timedelta(days=5)).strftime(FMT),
                deviceType=2, callerNo="10085", maxAlertingTime=20,
                scheduleParam=ScheduleParam("00:00", "23:59"), callbackUrl="https://cb.example/r",
                skillParam={"skillId": 5, "outBoundType": 2, "predictParam": {"predictMethod": 5, "offhookPredictParam": {"offHookRate": 100}}})
    base.update(kw)
    return CampaignSpec(**base)


def raw(sb: HuaweiSandbox, method: str, path: str, body=None) -> httpx.Response:
    """A correctly signed request that skips the client's validation (to reach server checks)."""
    from callcore.sign.httpx_auth import AuthV2

    with httpx.Client(base_url=sb.url, auth=AuthV2(sb.access_key, sb.secret_key)) as c:
        content = json.dumps(body, ensure_ascii=False).encode() if body is not None else None
        return c.request(method, path, content=content, headers={"Content-Type": "application/json; charset=UTF-8"})


def numbers(n: int, start: int = 0) -> list[CallData]:
    return [CallData(called=f"1380000{start + i:04d}", sessionId=f"s{start + i}", customField="batch-1")
            for i in range(n)]


def test_campaign_lifecycle(huawei_client: HuaweiClient) -> None:
    cid = huawei_client.create_campaign(spec())
    camp = huawei_client.get_campaign(cid)
    assert (camp.name, camp.status) == ("camp", camp.PAUSED)
    huawei_client.resume_campaign(cid)
    assert huawei_client.get_campaign(cid).status == camp.STARTED
    with pytest.raises(E.StateError) as ei:
        huawei_client.resume_campaign(cid)
    assert ei.value.code == "0200011" and not ei.value.retryable
    huawei_client.pause_campaign(cid)
    with pytest.raises(E.DuplicateError) as ei:
        huawei_client.create_campaign(spec())
    assert ei.value.code == "0200005"
    with pytest.raises(E.NotFoundError) as ei:
        huawei_client.get_campaign(999)
    assert ei.value.code == "0200007"


def test_campaign_validation_before_sending(huawei_client: HuaweiClient) -> None:
    with pytest.raises(E.ClientValidationError, match="name"):
        huawei_client.create_campaign(spec(name="x" * 33))
    with pytest.raises(E.ClientValidationError, match="maxAlertingTime"):
        huawei_client.create_campaign(spec(maxAlertingTime=3))
    with pytest.raises(E.ClientValidationError, match="skillParam"):
        huawei_client.create_campaign(spec(skillParam=None))


def test_add_numbers_limits(huawei_sandbox: HuaweiSandbox, huawei_client: HuaweiClient) -> None:
    cid = huawei_client.create_campaign(spec())
    assert huawei_client.add_numbers(cid, numbers(20)) == 20
    # a second call within 1 s of the first: flow control, retryable
    with pytest.raises(E.FlowControlError) as ei:
        huawei_client.add_numbers(cid, numbers(1, 100))
    assert ei.value.code == "0200022" and ei.value.retryable and "太快" in str(ei.value)
    # the client refuses 21 records without sending; the server refuses them too
    with pytest.raises(E.ClientValidationError, match="at most 20"):
        huawei_client.add_numbers(cid, numbers(21))
    huawei_sandbox.app.last_add.clear()
    body = {"callDataList": [{"called": f"1390000{i:04d}"} for i in range(21)]}
    r = raw(huawei_sandbox, "POST", f"/rest/isales/v1/openapi/campaigns/1/calldata/{cid}", body)
    assert r.json()["returnCode"] == "0200029"


def test_add_numbers_server_side_checks(huawei_sandbox: HuaweiSandbox, huawei_client: HuaweiClient) -> None:
    cid = huawei_client.create_campaign(spec())
    path = f"/rest/isales/v1/openapi/campaigns/1/calldata/{cid}"
    cases = [
        ([{"called": "13800000001"}, {"called": "13800000001"}], "0200018"),
        ([{"called": "+8613800000001"}], "02000002"),
        ([{"called": "1" * 25}], "02000003"),
        ([{"called": ""}], "02000001"),
        ([{"called": "13800000001", "customField": "a.b"}], "02000002"),
        ([{"called": "13800000001", "recycleTime": "2020/01/01"}], "0200030"),
    ]
    for recs, code in cases:
        huawei_sandbox.app.last_add.clear()
        assert raw(huawei_sandbox, "POST", path, {"callDataList": recs}).json()["returnCode"] == code, recs
    # the client maps the same codes to types (sent by bypassing validation through the request builder)
    with pytest.raises(E.ClientValidationError, match="duplicate"):
        huawei_client.add_numbers(cid, [CallData("13800000001"), CallData("13800000001")])
    with pytest.raises(E.ClientValidationError, match="forbidden"):
        huawei_client.add_numbers(cid, [CallData("13800000001", customField="batch 1")])


def test_blacklist_and_add(huawei_sandbox: HuaweiSandbox, huawei_client: HuaweiClient) -> None:
    cid = huawei_client.create_campaign(spec())
    huawei_client.blacklist_add(BlacklistAdd(["13800000005", "13800000006"]))
    with pytest.raises(E.DuplicateError) as ei:  # 7.3.1: 0200007 号码已存在黑名单中
        huawei_client.blacklist_add(BlacklistAdd(["13800000005"]))
    assert ei.value.code == "0200007" and "黑名单" in ei.value.meaning
    with pytest.raises(E.BlacklistedError) as ei:
        huawei_client.add_numbers(cid, numbers(10))
    assert ei.value.code == "0200024"
    found = huawei_client.blacklist_query(["13800000005", "13900000000"])
    assert [(b.blockNum, b.flag) for b in found] == [("13800000005", True)]
    assert {b.blockNum for b in huawei_client.blacklist_query(offset=0, limit=10)} == {"13800000005", "13800000006"}
    with pytest.raises(E.ClientValidationError):
        huawei_client.blacklist_query(["1"], offset=0, limit=10)
    # restricted entries (restrictTimes + restrictPeriod) do not block adding (001:25435)
    huawei_client.blacklist_delete("13800000005")
    huawei_client.blacklist_delete("13800000006")
    huawei_client.blacklist_add(BlacklistAdd(["13800000005"], restrictTimes=2, restrictPeriod="1"))
    huawei_sandbox.app.last_add.clear()  # the rejected call above counts for the 1 s rule too
    assert huawei_client.add_numbers(cid, numbers(10)) == 10
    huawei_client.blacklist_clear()
    assert huawei_client.blacklist_query(offset=0, limit=100) == []
    with pytest.raises(E.ClientValidationError, match="at most 20"):
        huawei_client.blacklist_add(BlacklistAdd([f"1{i:010d}" for i in range(21)]))


def test_state_rules_pending_cap_and_v2(tmp_path: Path) -> None:
    cfg = HuaweiConfig(max_pending=25, v2_max=50, min_interval=0.0)
    with HuaweiSandbox(tmp_path, config=cfg) as sb, \
            HuaweiClient(sb.url, sb.access_key, sb.secret_key, vdn_id=1, v2_max_per_call=50) as c:
        cid = c.create_campaign(spec())
        assert c.add_numbers(cid, numbers(20)) == 20
        with pytest.raises(E.LimitExceededError) as ei:
            c.add_numbers(cid, numbers(10, 50))
        assert ei.value.code == "0200020"
        recs = [CallDataV2([CalledNo("88880088", "0", "ST"), CalledNo("88880089", "1", "SA")], sessionId="00750"),
                CallDataV2([CalledNo("88880088")], sessionId="00850")]  # same number, another session: allowed
        assert c.add_numbers_v2(cid, recs) == 22
        with pytest.raises(E.ClientValidationError, match="duplicate"):
            c.add_numbers_v2(cid, [CallDataV2([CalledNo("1"), CalledNo("1")])])
        with pytest.raises(E.ClientValidationError, match="delayTime"):
            c.add_numbers_v2(cid, [CallDataV2([CalledNo("1", delayTime="86401")])])
        c.resume_campaign(cid)
        with pytest.raises(E.StateError) as ei:  # 执行中的任务不允许新增外呼号码
            c.add_numbers(cid, numbers(1, 90))
        assert ei.value.code == "0200019"
        c.pause_campaign(cid)
        assert c.delete_numbers(cid, customField="batch-1") == 20
        assert c.query_number(cid, "21")["calledNos"][0]["calledNo"] == "88880088"


def test_statistics_and_results(huawei_sandbox: HuaweiSandbox, huawei_client: HuaweiClient) -> None:
    cid = huawei_client.create_campaign(spec())
    huawei_client.add_numbers(cid, numbers(20))
    huawei_client.resume_campaign(cid)  # only a running campaign is dialled
    assert huawei_sandbox.dial(1, cid, 12) == 12
    stats = huawei_client.statistics(cid)
    assert len(stats) == 1
    s = stats[0]
    assert (s.campaignId, s.unCallCount, s.totalCount, s.totalCalledCount) == (str(cid), 8, 20, 12)
    assert s.batchDetail[0]["batchId"] == "batch-1"
    with pytest.raises(E.RateLimitError) as ei:  # 五分钟执行一次 -> 429
        huawei_client.statistics(cid)
    assert ei.value.http_status == 429 and ei.value.retryable and ei.value.retry_after == 300.0
    total, rows = huawei_client.call_results(cid, pageSize=5)
    assert total == 12 and len(rows) == 5
    assert {r.callStatus for r in huawei_client.call_results(cid, pageSize=100)[1]} <= {5, 6}
    ok = [r for r in huawei_client.call_results(cid, pageSize=100)[1] if r.callStatus == 6]
    assert ok and all(r.recordPath.endswith(".V3") for r in ok)
    with pytest.raises(E.ClientValidationError):
        huawei_client.call_results(cid, showDetail=1, pageSize=101)


def test_file_server_and_import(tmp_path: Path) -> None:
    root = tmp_path / "sftp"
    (root / "isales" / "upload").mkdir(parents=True)
    rows = ["sessionId(非必填),called必填,caller(非必填),callData(非必填),customField(非必填),recycleTime(非必填)",
            "-,[[{'calledNo':1234566}]],-,-,-,-",
            's1,"[{""calledNo"":""13800000001""}]",,,batch-f,',
            "s2,13800000001,,,batch-f,",  # repeat of the row above
            "s3,+86138,,,batch-f,"]  # invalid
    (root / "isales" / "upload" / "demo.csv").write_text("\n".join(rows), encoding="utf-8")
    with HuaweiSandbox(tmp_path / "st", config=HuaweiConfig(sftp_root=root)) as sb, \
            HuaweiClient(sb.url, sb.access_key, sb.secret_key, vdn_id=1) as c:
        with pytest.raises(E.ClientValidationError, match="serverPwd"):
            c.add_file_server("127.0.0.1", 22, "/home/sftp", "zhangsan", "short")
        r = raw(sb, "POST", "/rest/isales/v1/openapi/campaigns/1/file/addServer",
                {"userName": "zhangsan", "serverInfo": {"ip": "1.2.3.4", "port": "22", "filePath": "/h"},
                 "serverPwd": "*****"})
        assert r.json()["resultCode"] == "02000005"
        sid = c.add_file_server("127.0.0.1", 22, "/home/sftp", "zhangsan", "secret-password")
        assert [s["serverId"] for s in c.query_file_servers()] == [sid]
        cid = c.create_campaign(spec())
        tid = c.import_file(cid, sid, "demo.csv", file_path="/isales/upload")
        [task] = c.import_results(cid, task_ids=[tid])
        assert task.done and (task.succNum, task.repeatNum, task.failNum) == (2, 1, 1)
        tid2 = c.import_file(cid, sid, "missing.xlsx")
        assert [t.status for t in c.import_results(cid, task_ids=[tid2])] == ["3"]
        with pytest.raises(E.ClientValidationError, match="minute"):
            c.import_file(cid, sid, "demo.csv", hour=3, minute="15")
        # the blacklist template of 001:25169-25173, 88888888 listed twice
        (root / "demoBlack.csv").write_text(
            "黑名单号码,到期时间,有效时长,限制次数,限制周期\n65676950,-,-,1,1\n88888888,2099-05-27 23:06:25,-,-,-\n"
            "88888888,2099-06-24 10:06:25,-,-,-\n12345678,2099-06-24 10:06:25,-,-,-\n", encoding="utf-8")
        btid = c.blacklist_import_file(sid, "demoBlack.csv")
        [bt] = c.blacklist_import_results(task_ids=[btid])
        assert bt.done and (bt.succNum, bt.repeatNum, bt.failNum) == (3, 1, 0)
        assert {b.blockNum for b in c.blacklist_query(["88888888", "12345678", "1"])} == {"88888888", "12345678"}
        c.delete_file_server(sid)
        assert c.query_file_servers() == []


def test_bill_index_callback_and_recordings(tmp_path: Path, huawei_sandbox: HuaweiSandbox,
                                            huawei_client: HuaweiClient) -> None:
    from starlette.applications import Starlette
    from starlette.requests import Request
    from starlette.responses import JSONResponse
    from starlette.routing import Route

    from callcore.sandbox._server import ServerThread
    from callcore.sign import Verifier

    got = []

    async def receive(req: Request) -> JSONResponse:
        body = await req.body()
        got.append(parse_bill_callback(req.method, req.scope["raw_path"], req.headers.items(), body,
                                       Verifier({huawei_sandbox.access_key: huawei_sandbox.secret_key})))
        return JSONResponse({"ok": True})

    receiver = ServerThread(Starlette(routes=[Route("/bills", receive, methods=["POST"])]))
    receiver.start()
    try:
        cid = huawei_client.create_campaign(spec())
        huawei_client.add_numbers(cid, numbers(20))
        huawei_client.resume_campaign(cid)
        huawei_sandbox.dial(1, cid, 20)
        now = datetime.now()
        rid = huawei_client.query_bill_data((now - timedelta(days=1)).strftime(FMT),
                                            (now + timedelta(minutes=5)).strftime(FMT),
                                            f"http://127.0.0.1:{receiver.port}/bills")
        import time
        for _ in range(200):
            if got:
                break
            time.sleep(0.02)
    finally:
        receiver.stop()
    assert got and got[0].responseId == rid and got[0].billFileName == bill_file_name(rid)
    path = huawei_client.download_bill_file(got[0].billFileName, tmp_path)
    assert path.parent == tmp_path and zipfile.is_zipfile(path)
    with zipfile.ZipFile(path) as z:
        rec_csv = [n for n in z.namelist() if "_record_" in n][0]
        header = z.read(rec_csv).decode().splitlines()[0].split(",")
    assert header == RECORD_COLUMNS and len(header) == 18
    idx = read_bill_index(path)
    assert len(idx.calls) == 20 and idx.records
    row = idx.records[0]
    v3 = huawei_client.download_record(tmp_path / "a.V3", file_name=row.original_file_name)
    data = v3.read_bytes()
    seconds = (datetime.strptime(row.call_end, FMT) - datetime.strptime(row.call_begin, FMT)).total_seconds()
    assert abs(len(data) - seconds * 8000) <= 8000  # 8 kHz A-law: 8000 bytes per second
    wav = huawei_client.download_record_file(row.file_name, tmp_path)
    import soundfile
    info = soundfile.info(str(wav))
    assert (info.samplerate, info.channels, info.subtype) == (8000, 1, "ALAW")
    pcm = soundfile.read(str(wav), dtype="int16")[0]
    from callcore.sandbox.audio import alaw2lin
    assert np.array_equal(pcm, alaw2lin(data))  # same audio in both forms
    multi = [c for c in {r.call_id for r in idx.records} if sum(r.call_id == c for r in idx.records) > 1]
    assert multi, "the sandbox gives some calls two recordings"
    z = huawei_client.download_record(tmp_path / "multi", call_id=multi[0])
    assert z.suffix == ".zip" and len(zipfile.ZipFile(z).namelist()) == 2
    with pytest.raises(E.NotFoundError) as ei:
        huawei_client.download_record(tmp_path, file_name="Y:/1/0/20200101/1/1.V3")
    assert ei.value.code == "0300012"
    with pytest.raises(E.NotFoundError) as ei:
        huawei_client.download_bill_file("20200101_0123.zip", tmp_path)
    assert ei.value.retryable  # the file may not be built yet
    with pytest.raises(E.ClientValidationError):
        huawei_client.query_bill_data("2024-01-01 00:00:00", "2024-01-05 00:00:00", "http://x")
    assert not list(tmp_path.glob(".part-*"))


def test_auth_wrong_key_and_ip_lock(tmp_path: Path) -> None:
    with HuaweiSandbox(tmp_path, config=HuaweiConfig(lock_after_failures=3)) as sb:
        with HuaweiClient(sb.url, sb.access_key, "wrong-secret", vdn_id=1) as bad:
            for _ in range(3):
                with pytest.raises(E.AuthenticationError) as ei:
                    bad.get_campaign(1)
                assert ei.value.http_status == 401 and not isinstance(ei.value, E.ClockSkewError)
            with pytest.raises(E.AuthenticationError) as ei:
                bad.get_campaign(1)
            assert ei.value.http_status == 403 and "locked" in str(ei.value)


def test_clock_skew_reported_plainly(tmp_path: Path) -> None:
    with HuaweiSandbox(tmp_path, faults="skew=1:3600") as sb, \
            HuaweiClient(sb.url, sb.access_key, sb.secret_key, vdn_id=1) as c:
        with pytest.raises(E.ClockSkewError) as ei:
            c.get_campaign(1)
    msg = str(ei.value)
    assert "clock skew" in msg and "behind" in msg and "NTP" in msg


@pytest.mark.parametrize("fault,exc", [("5xx=1", E.ServerError), ("drop=1", E.TransportError),
                                       ("flow=1", E.FlowControlError)])
def test_faults(tmp_path: Path, fault: str, exc: type) -> None:
    with HuaweiSandbox(tmp_path, faults=fault) as sb, \
            HuaweiClient(sb.url, sb.access_key, sb.secret_key, vdn_id=1) as c:
        with pytest.raises(exc) as ei:
            c.get_campaign(1)
        assert ei.value.retryable
        assert sb.app.faults.counts[fault.split("=")[0]] == 1


def test_fault_rates_and_latency(tmp_path: Path) -> None:
    with HuaweiSandbox(tmp_path, faults="latency=1:0.01,5xx=0.5,seed=3") as sb, \
            HuaweiClient(sb.url, sb.access_key, sb.secret_key, vdn_id=1) as c:
        outcomes = []
        for _ in range(20):
            try:
                c.get_campaign(1)
            except E.ServerError:
                outcomes.append("5xx")
            except E.NotFoundError:
                outcomes.append("ok")
        assert 0 < outcomes.count("5xx") < 20 and sb.app.faults.counts["latency"] == 20


def test_state_survives_restart(tmp_path: Path) -> None:
    with HuaweiSandbox(tmp_path) as sb, HuaweiClient(sb.url, sb.access_key, sb.secret_key, vdn_id=1) as c:
        cid = c.create_campaign(spec())
        c.add_numbers(cid, numbers(5))
        c.blacklist_add(BlacklistAdd(["111"]))
    with HuaweiSandbox(tmp_path) as sb, HuaweiClient(sb.url, sb.access_key, sb.secret_key, vdn_id=1) as c:
        assert c.get_campaign(cid).name == "camp"
        assert c.delete_numbers(cid, customField="batch-1") == 5
        assert [b.blockNum for b in c.blacklist_query(["111"])] == ["111"]


def test_tls_with_custom_ca(tmp_path: Path) -> None:
    import subprocess

    key, cert = tmp_path / "k.pem", tmp_path / "c.pem"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", str(key), "-out",
                    str(cert), "-days", "1", "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1"],
                   check=True, capture_output=True)
    from callcore.platforms import HttpOptions

    with HuaweiSandbox(tmp_path / "st", ssl_certfile=str(cert), ssl_keyfile=str(key)) as sb:
        assert sb.url.startswith("https://")
        with HuaweiClient(sb.url, sb.access_key, sb.secret_key, vdn_id=1) as c:
            with pytest.raises(E.TransportError, match="CERTIFICATE_VERIFY_FAILED|certificate"):
                c.get_campaign(1)  # verification is on by default
        with HuaweiClient(sb.url, sb.access_key, sb.secret_key, vdn_id=1, options=HttpOptions(ca_file=cert)) as c:
            with pytest.raises(E.NotFoundError):
                c.get_campaign(1)



@pytest.mark.anyio
async def test_async_client(huawei_sandbox: HuaweiSandbox, tmp_path: Path) -> None:
    async with AsyncHuaweiClient(huawei_sandbox.url, huawei_sandbox.access_key, huawei_sandbox.secret_key,
                                 vdn_id=1) as c:
        cid = await c.create_campaign(spec("async"))
        assert await c.add_numbers(cid, numbers(20)) == 20
        with pytest.raises(E.FlowControlError):
            await c.add_numbers(cid, numbers(1, 50))
        await c.resume_campaign(cid)
        huawei_sandbox.dial(1, cid, 5)
        total, _ = await c.call_results(cid)
        assert total == 5
        now = datetime.now()
        rid = await c.query_bill_data((now - timedelta(hours=2)).strftime(FMT), (now + timedelta(minutes=1)).strftime(FMT),
                                      "http://127.0.0.1:9/none")
        p = await c.download_bill_file(bill_file_name(rid), tmp_path)
        assert len(read_bill_index(p).calls) == 5
        with pytest.raises(E.NotFoundError):
            await c.download_record(tmp_path, call_id="nope")


def test_seed_samples_replayed(huawei_sandbox: HuaweiSandbox) -> None:
    """The requests printed in the seed are accepted and the answers have the seed's shapes."""
    samples = json.loads((Path(__file__).parents[1] / "data/platforms/huawei_seed_samples.json").read_text("utf-8"))
    by = {s["section"]: s for s in samples}
    sb = huawei_sandbox
    create = dict(by["7.1.1"]["request"])
    now = datetime.now()  # the sample's 2020 dates would be rejected (0200002), as on a real system
    create["strBeginTime"], create["strEndTime"] = now.strftime(FMT), (now + timedelta(days=30)).strftime(FMT)
    create["initStatus"] = 1
    r = raw(sb, "POST", by["7.1.1"]["path"], create).json()
    assert set(r) == set(by["7.1.1"]["response"]) and r["returnCode"] == "0200000"
    cid = r["returnObject"]["id"]

    def check(sec: str, body=None, error: str | None = None, **fmt) -> dict:
        s = by[sec]
        resp = raw(sb, s["method"], s["path"].format(cid=cid, **fmt),
                   s["request"] if body is None else body)
        doc = resp.json()
        if s["response"] is not None:
            want = s["response"]
            code = doc.get("returnCode", doc.get("resultCode"))
            if code is not None and code not in ("0200000", "0"):
                assert code == error, doc  # e.g. the seed's own 7.8.1 sample is an error answer
            assert set(want) <= set(doc) | {"description"}, (sec, set(want) - set(doc))
        return doc

    assert check("7.4.1")["returnObject"]["totalSize"] == 4
    sb.app.last_add.clear()
    assert check("7.4.2")["returnObject"]["totalSize"] == 6
    check("7.3.1")
    assert {d["blockNum"] for d in check("7.3.4")["data"]} == {"13100000000", "13100000001", "13100000002",
                                                                 "13100000003"}
    doc = check("7.8.1", error="02000005")
    assert doc["resultCode"] == "02000005"  # "*****" is 5 characters: the seed's own answer
    # the platform dials a running campaign within its windows (the sample's 08:00-11:30): run it for
    # three calls tomorrow at 09:00, then pause it again
    sb.app.state.execute("UPDATE campaigns SET status=2 WHERE id=?", (cid,))
    assert sb.dial(1, cid, 3, when=(now + timedelta(days=1)).replace(hour=9, minute=0)) == 3
    sb.app.state.execute("UPDATE campaigns SET status=3 WHERE id=?", (cid,))
    doc = check("7.5.1", {"pageSize": 500, "pageNum": 1})
    assert set(by["7.5.1"]["response"]["data"][0]) <= set(doc["data"][0])
    assert set(by["7.4.7"]["response"]["countDetail"][0]) <= set(check("7.4.7")["countDetail"][0])
    assert check("7.4.3")["successCount"] == 0  # sessionId "1" matches nothing
    assert check("7.1.8", error="0200011")["returnCode"] == "0200011"  # already paused
    doc = check("13.2.1.2")
    assert doc["resultCode"] == "0" and doc["resultData"]["responseId"]


def test_result_callback_pushed_and_parsed(huawei_sandbox: HuaweiSandbox, huawei_client: HuaweiClient) -> None:
    from starlette.applications import Starlette
    from starlette.requests import Request
    from starlette.responses import JSONResponse
    from starlette.routing import Route

    from callcore.platforms.huawei import RESULT_CALLBACK_REPLY, fail_code_meaning, parse_result_callback
    from callcore.sandbox._server import ServerThread

    got = []
    answers = iter([500, 200])  # the first push fails: the platform pushes again at once (001:27163)

    async def receive(req: Request) -> JSONResponse:
        got.append(parse_result_callback(await req.body()))
        return JSONResponse(RESULT_CALLBACK_REPLY, status_code=next(answers))

    receiver = ServerThread(Starlette(routes=[Route("/results", receive, methods=["POST"])]))
    receiver.start()
    try:
        cid = huawei_client.create_campaign(spec(callbackUrl=f"http://127.0.0.1:{receiver.port}/results"))
        huawei_client.add_numbers(cid, numbers(10))
        huawei_client.resume_campaign(cid)
        huawei_sandbox.dial(1, cid, 10, push=True)
    finally:
        receiver.stop()
    assert len(got) == 2 and got[0] == got[1] and len(got[0]) == 10
    assert huawei_sandbox.app.callbacks[-1]["status"] == 200
    res = got[1]
    assert {r.customField for r in res} == {"batch-1"} and {r.callStatus for r in res} <= {5, 6}
    failed = [r for r in res if r.callStatus == 5]
    assert failed and all(fail_code_meaning(r.failCode) == "用户侧拆线: 外呼号码被叫忙。" for r in failed)
    assert all(r.recordPath.endswith(".V3") for r in res if r.callStatus == 6)
    assert fail_code_meaning("01048").startswith("系统资源不足")
    with pytest.raises(E.ProtocolError):
        parse_result_callback(b"<html>")


def test_download_by_call_id_names_the_file(tmp_path: Path, huawei_sandbox: HuaweiSandbox,
                                            huawei_client: HuaweiClient) -> None:
    cid = huawei_client.create_campaign(spec())
    huawei_client.add_numbers(cid, numbers(20))
    huawei_client.resume_campaign(cid)
    huawei_sandbox.dial(1, cid, 20)
    _, rows = huawei_client.call_results(cid, pageSize=100)
    single = [r for r in rows if r.callStatus == 6]
    paths = [huawei_client.download_record(tmp_path, call_id=r.callId) for r in single]
    assert {p.suffix for p in paths} == {".V3", ".zip"}  # one recording: raw V3; several: a zip
    assert all(p.parent == tmp_path for p in paths)
