"""SCCC client against the SCCC sandbox over real HTTP."""
from __future__ import annotations

import json
from pathlib import Path

import httpx
import pytest
import soundfile

from callcore.platforms import errors as E
from callcore.platforms.codes import sccc_code
from callcore.platforms.sccc import AsyncScccClient, ScccClient
from callcore.sandbox.sccc import ScccSandbox
from callcore.sign import sccc_authentication


@pytest.fixture
def sccc(sccc_sandbox: ScccSandbox):
    with ScccClient(sccc_sandbox.url, sccc_sandbox.customer, sccc_sandbox.password) as c:
        yield c


def test_task_flow_and_reports(sccc_sandbox: ScccSandbox, sccc: ScccClient) -> None:
    created = sccc.create_task("1000", ["13800000001", "13800000002", "13800000002", "bad-number"],
                               callers=["15612343021"], user_data="u1")  # the customer's own caller
    assert created.task_id and (created.report.total, created.report.error, created.report.repeat) == (4, 1, 1)
    assert sccc.query_task("1000") == created.task_id
    r = sccc.add_numbers(created.task_id, ["13800000003", "13800000001"], "1000")
    assert (r.total, r.error, r.repeat) == (2, 0, 1)
    t2 = sccc.create_task("1000", ["13900000001"])
    reports = sccc.add_numbers_many([(created.task_id, ["13800000004"]), (t2.task_id, ["13900000002"])], "1000")
    assert [x.total for x in reports] == [1, 1]
    assert sccc.control_task(created.task_id, "stop", "1000") == created.task_id
    with pytest.raises(E.NotFoundError) as ei:
        sccc.control_task("9999", "Start", "1000")
    assert ei.value.code == str(0xF1000008)


def test_limits_validated_before_sending(sccc: ScccClient) -> None:
    with pytest.raises(E.ClientValidationError, match="1000"):
        sccc.create_task("1000", [f"138{i:08d}" for i in range(1001)])
    with pytest.raises(E.ClientValidationError, match="agent"):
        sccc.create_task("123456789", ["13800000001"])
    with pytest.raises(E.ClientValidationError, match="userData"):
        sccc.create_task("1000", ["13800000001"], user_data="x" * 31)
    with pytest.raises(E.ClientValidationError, match="mode"):
        sccc.create_task("1000", ["13800000001"], mode=3)


def test_server_rejects_bad_auth_bom_and_replay(sccc_sandbox: ScccSandbox) -> None:
    url = sccc_sandbox.url + "/openapi/V2.0.4/CallTaskQuery"
    auth = sccc_authentication(sccc_sandbox.customer, sccc_sandbox.password)
    body = {"authentication": auth, "request": {"seq": "1", "agent": "1000"}}
    h = {"Accept": "application/json", "Content-Type": "application/json"}  # required (003:460-464)
    first = httpx.post(url, json=body, headers=h).json()
    assert first["result"]["error"] == 0 and first["data"]["response"]["result"]["error"] == 0xF1000008
    again = httpx.post(url, json=body, headers=h).json()  # same seq again: refused
    assert again["result"]["error"] == 1
    wrong = dict(body, authentication=sccc_authentication(sccc_sandbox.customer, "wrong"))
    assert httpx.post(url, json=wrong, headers=h).json()["result"]["error"] == 1
    bom = b"\xef\xbb\xbf" + json.dumps(dict(body, authentication=sccc_authentication(
        sccc_sandbox.customer, sccc_sandbox.password))).encode()
    assert httpx.post(url, content=bom, headers=h).json()["result"]["error"] == 8
    with ScccClient(sccc_sandbox.url, sccc_sandbox.customer, "wrong") as bad:
        with pytest.raises(E.AuthenticationError) as ei:
            bad.query_task("1000")
    assert ei.value.code == "1" and "认证失败" in str(ei.value)


def test_records_cdrs_and_download(tmp_path: Path, sccc_sandbox: ScccSandbox, sccc: ScccClient) -> None:
    t = sccc.create_task("8000", [f"1380000{i:04d}" for i in range(12)])
    assert sccc_sandbox.dial(t.task_id, 12) == 12
    recs = list(sccc.iter_records())
    assert recs and all(r.filename.endswith(".wav") for r in recs)
    assert [r.key for r in sccc.records(int(recs[0].key))] == [r.key for r in recs[1:]]
    total, cdr = sccc.cdrs(["8000"])
    assert total == 12 and {c["result"] for c in cdr} <= {1, 2}
    path = sccc.download_recording(recs[0].filename, tmp_path)
    info = soundfile.info(str(path))
    assert (info.samplerate, info.channels, info.subtype) == (8000, 1, "ALAW")
    with pytest.raises(E.HTTPStatusError):
        sccc.download_recording("recordings/none.wav", tmp_path)
    with pytest.raises(E.ClientValidationError):
        sccc.download_recording("../../etc/passwd", tmp_path)


def test_flow_control_fault(tmp_path: Path) -> None:
    with ScccSandbox(tmp_path, faults="flow=1") as sb, ScccClient(sb.url, sb.customer, sb.password) as c:
        with pytest.raises(E.FlowControlError) as ei:
            c.query_task("1000")
    assert ei.value.retryable and "太频繁" in str(ei.value)


def test_codes_signed_and_unsigned() -> None:
    assert sccc_code(0xF1000021).kind == sccc_code(-251658207).kind == sccc_code("0xF1000021").kind == \
        "FlowControlError"
    assert sccc_code(0xF1000017).meaning.startswith("E_G_NUMBER_INVALID")



@pytest.mark.anyio
async def test_async(sccc_sandbox: ScccSandbox, tmp_path: Path) -> None:
    async with AsyncScccClient(sccc_sandbox.url, sccc_sandbox.customer, sccc_sandbox.password) as c:
        t = await c.create_task("1000", ["13800000001", "13800000002"])
        assert (await c.add_numbers(t.task_id, ["13800000003"], "1000")).total == 1
        sccc_sandbox.dial(t.task_id, 3)
        recs = await c.records()
        assert recs and [r.key async for r in c.iter_records()] == [r.key for r in recs]
        reps = await c.add_numbers_many([(t.task_id, ["13800000009"]), (t.task_id, ["13800000009"])], "1000")
        assert [(r.total, r.repeat) for r in reps] == [(1, 0), (1, 1)]
        p = await c.download_recording(recs[0].filename, tmp_path)
        assert p.read_bytes()[:4] == b"RIFF"


def test_seed_response_shapes(sccc_sandbox: ScccSandbox, sccc: ScccClient) -> None:
    """The sandbox answers with the shapes printed in the seed (003:2725, 003:3228)."""
    samples = {s["api"]: s["response"] for s in json.loads(
        (Path(__file__).parents[1] / "data/platforms/sccc_seed_samples.json").read_text("utf-8")) if "response" in s}
    t = sccc.create_task("8000", ["13770761337", "13813902888", "13900000001", "13900000002"])
    sccc_sandbox.dial(t.task_id, 4)

    def post(api: str, request: dict) -> dict:
        body = {"authentication": sccc_authentication(sccc_sandbox.customer, sccc_sandbox.password),
                "param": {"debug": "true", "lang": "en_US"}, "request": request}
        return httpx.post(f"{sccc_sandbox.url}/openapi/V2.0.4/{api}", json=body,
                          headers={"Accept": "application/json"}).json()

    got = post("getRecordsList", {"seq": "1", "startKey": "0"})
    want = samples["getRecordsList"]
    assert set(want) <= set(got) and set(want["data"]) <= set(got["data"])
    assert set(want["data"]["record"][0]) <= set(got["data"]["record"][0])
    got = post("getCdrList", {"userData": "123", "seq": "123", "agent": ["8000"], "serviceType": "", "startTime": "",
                              "endTime": "", "caller": "", "callee": "", "timeLengthMin": "", "timeLengthMax": ""})
    want = samples["getCdrList"]
    resp = got["data"]["response"]
    assert set(want["data"]["response"]) <= set(resp) and resp["total"] == "4"
    assert set(want["data"]["response"]["cdr"][0]) <= set(resp["cdr"][0])
