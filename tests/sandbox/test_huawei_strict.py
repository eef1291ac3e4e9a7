"""The Huawei sandbox as a strict twin of seed 001: authentication holes (issue 11 item 6) and the
rules written from the seed (issue 10, "the sandboxes as strict twins"). Real HTTP on loopback,
requests signed by the independent reference signer where the test needs to forge something
callcore's own signer refuses to produce."""
from __future__ import annotations

import json
import socket
import sys
from datetime import datetime, timedelta, timezone
from pathlib import Path

import httpx
import pytest

from callcore import sign
from callcore.sandbox.huawei import HuaweiSandbox
from callcore.sign.httpx_auth import AuthV2

sys.path.insert(0, str(Path(__file__).parents[1] / "sign"))
import reference  # noqa: E402

FMT = "%Y-%m-%d %H:%M:%S"
CT = "application/json; charset=UTF-8"


def send_raw(sb: HuaweiSandbox, method: str, target: str, headers: list[tuple[str, str]],
             body: bytes = b"") -> tuple[int, dict]:
    """One request written byte by byte (repeated headers kept as given)."""
    lines = [f"{method} {target} HTTP/1.1"] + [f"{k}: {v}" for k, v in headers]
    lines += [f"Content-Length: {len(body)}", "Connection: close", "", ""]
    with socket.create_connection(("127.0.0.1", sb.server.port), timeout=10) as s:
        s.sendall("\r\n".join(lines).encode("utf-8") + body)
        data = b""
        while chunk := s.recv(65536):
            data += chunk
    head, _, rest = data.partition(b"\r\n\r\n")
    return int(head.split(b" ", 2)[1]), json.loads(rest or b"{}")


def ts_now() -> str:
    return sign.format_timestamp(datetime.now(timezone.utc), millis=False)


@pytest.fixture
def sb() -> HuaweiSandbox:
    with HuaweiSandbox() as s:
        yield s


def signed(sb: HuaweiSandbox, method: str, path: str, body: dict | None = None,
           query: dict | None = None) -> httpx.Response:
    with httpx.Client(base_url=sb.url, auth=AuthV2(sb.access_key, sb.secret_key)) as c:
        content = json.dumps(body, ensure_ascii=False).encode() if body is not None else None
        return c.request(method, path, content=content, params=query, headers={"Content-Type": CT})


# --- authentication holes (issue 11 item 6)


def test_duplicated_signed_header_is_refused(sb: HuaweiSandbox) -> None:
    """Two Content-Type headers, the signature over the last one (the one a dict keeps): a
    platform cannot know which one the signer meant, and the Verifier refuses it; so must the
    sandbox."""
    host = f"127.0.0.1:{sb.server.port}"
    path = "/rest/isales/v1/openapi/campaigns/1"
    hdrs = {"host": host, "content-type": CT}
    auth = reference.auth_v2("GET", path, hdrs, sb.access_key, sb.secret_key, ts_now())
    ok, _ = send_raw(sb, "GET", path, [("Host", host), ("Content-Type", CT), ("Authorization", auth)])
    assert ok == 200
    status, answer = send_raw(sb, "GET", path, [("Host", host), ("Content-Type", "text/plain"),
                                                 ("Content-Type", CT), ("Authorization", auth)])
    assert status == 401 and answer["error"] == "Unauthorized"


def test_duplicated_query_key_is_refused(sb: HuaweiSandbox) -> None:
    host = f"127.0.0.1:{sb.server.port}"
    path = "/rest/isales/v1/openapi/campaigns/1"
    hdrs = {"host": host, "content-type": CT}
    auth = reference.auth_v2("GET", path, hdrs, sb.access_key, sb.secret_key, ts_now(), query={"status": "2"})
    ok, _ = send_raw(sb, "GET", path + "?status=2", [("Host", host), ("Content-Type", CT), ("Authorization", auth)])
    assert ok == 200
    status, _ = send_raw(sb, "GET", path + "?status=3&status=2",
                         [("Host", host), ("Content-Type", CT), ("Authorization", auth)])
    assert status == 401


def test_401_body_does_not_tell_whether_the_access_key_exists(sb: HuaweiSandbox) -> None:
    host = f"127.0.0.1:{sb.server.port}"
    path = "/rest/isales/v1/openapi/campaigns/1"
    hdrs = {"host": host, "content-type": CT}
    bodies = []
    for ak, sk, ts in ((sb.access_key, "wrong-secret", ts_now()),   # known key, bad signature
                       ("no-such-key", "whatever", ts_now()),        # unknown key
                       (sb.access_key, sb.secret_key, "2001-01-01T00:00:00Z"),  # known key, stale clock
                       ("no-such-key", "whatever", "2001-01-01T00:00:00Z")):
        auth = reference.auth_v2("GET", path, hdrs, ak, sk, ts)
        status, answer = send_raw(sb, "GET", path, [("Host", host), ("Content-Type", CT), ("Authorization", auth)])
        assert status == 401
        answer.pop("timestamp")
        bodies.append(answer)
    assert all(b == bodies[0] for b in bodies), bodies
    assert bodies[0] == {"status": 401, "error": "Unauthorized", "message": "No message available",
                         "path": path}  # 13-127 (001:66978-66987)


# --- campaigns written from the seed (7.1.1, 7.1.2, 7.1.5, 7.1.8, 7.1.9, 7.4.1, 7.4.3)

PREDICT = {"predictMethod": 5, "offhookPredictParam": {"offHookRate": 100}}


def v1_body(name: str = "c1", **kw) -> dict:
    now = datetime.now()
    body = {"name": name, "strBeginTime": now.strftime(FMT), "strEndTime": (now + timedelta(days=2)).strftime(FMT),
            "deviceType": 2, "callerNo": "10085", "maxAlertingTime": 20,
            "scheduleParam": {"workdayBeginTime1": "08:00", "workdayEndTime1": "20:00"},
            "skillParam": {"skillId": 5, "outBoundType": 2, "predictParam": PREDICT},
            "callbackUrl": "https://cb.example/r", "initStatus": 1}
    body.update(kw)
    return body


def v2_body(name: str = "c2", **kw) -> dict:
    body = v1_body(name, callerNo=[{"accessCode": "88889527", "priority": 3}],
                   skillParam={"skillId": 5, "skillName": "q", "outBoundType": 2, "predictParam": PREDICT},
                   retryPolicy={"policyType": 0, "retryDay": 2, "retryTimes": 2, "callInterval": 600})
    body.update(kw)
    return body


V1 = "/rest/isales/v1/openapi/campaigns/1"
V2 = "/rest/isales/v2/openapi/campaigns/1"


def code(r: httpx.Response) -> str:
    assert r.status_code == 200, r.text
    return r.json()["returnCode"]


@pytest.mark.parametrize("change, want", [
    ({}, "0200000"),
    ({"skillParam": {"skillId": 5, "outBoundType": 2}}, "02000009"),  # predictParam needed (001:21473)
    ({"skillParam": {"skillId": 5, "outBoundType": 2, "predictParam": {"predictMethod": 5}}}, "02000009"),
    ({"skillParam": {"skillId": 5, "outBoundType": 2, "predictParam": {"predictMethod": 4}}}, "02000007"),
    ({"skillParam": {"skillId": 5, "outBoundType": 2, "predictParam": {
        "predictMethod": 1, "expPredictParam": {"maxAvgCallTime": 60, "minAvgCallTime": 70, "outBoundRate": 5}}}},
     "02000009"),  # min <= max (001:21496)
    ({"skillParam": {"skillId": 5, "outBoundType": 5, "previewParam": {"failInterval": 3, "obCallCount": 1,
                                                                      "autoCallTime": 5}}}, "02000009"),  # mode
    ({"skillParam": {"skillId": 1001, "outBoundType": 2, "predictParam": PREDICT}}, "02000007"),  # 1-1000
    ({"deviceType": 3, "ivrParam": {"deviceSign": "f1", "callCount": 101, "callInterval": 3}}, "02000007"),
    ({"scheduleParam": {"holidayBeginTime1": "08:00", "holidayEndTime1": "09:00"}}, "02000009"),  # note 1
    ({"scheduleParam": {"workdayBeginTime1": "08:00"}}, "02000009"),  # note 2
    ({"scheduleParam": {"workdayBeginTime1": "20:00", "workdayEndTime1": "08:00"}}, "02000009"),  # note 3
    ({"scheduleParam": {"workdayBeginTime1": "8h", "workdayEndTime1": "20:00"}}, "02000006"),
    ({"callbackUrl": "ftp://cb.example/r"}, "02000002"),  # https:// or http (001:21686)
    ({"strEndTime": "2001-01-01 00:00:00"}, "02000009"),
    ({"strBeginTime": "2001-01-01 00:00:00"}, "0200002"),  # before today's midnight (001:21414)
    ({"description": "a;b"}, "02000002"),
    ({"maxAlertingTime": 4}, "02000007"),
])
def test_create_v1_field_rules(sb: HuaweiSandbox, change: dict, want: str) -> None:
    assert code(signed(sb, "POST", V1, v1_body(**change))) == want


@pytest.mark.parametrize("change, want", [
    ({}, "0200000"),
    ({"retryPolicy": None}, "02000001"),  # retryPolicy True (001:21687)
    ({"callerNo": "10085"}, "02000001"),  # a list in v2 (001:21677)
    ({"callerNo": [{"accessCode": "1008#", "priority": 1}]}, "02000002"),  # digits only (001:21792)
    ({"callerNo": [{"accessCode": "10085", "priority": 6}]}, "02000007"),  # 1-5 (001:21793)
    ({"priority": 0}, "02000007"),
    ({"skillParam": {"skillId": 5, "outBoundType": 2, "predictParam": PREDICT}}, "02000001"),  # skillName (21738)
    ({"retryPolicy": {"policyType": 0, "retryDay": 6, "retryTimes": 2, "callInterval": 600}}, "02000007"),
    ({"retryPolicy": {"policyType": 0, "resultRetry": '[{"result":2,"retryNumber":1,"callInterval":600}]'}},
     "0200000"),
    ({"retryPolicy": {"policyType": 1, "policyJson": "[{'dataType':'SI','type':1,'policy':{'result':4,"
                                                     "'retryNumber':3,'callInterval':600}}]"}}, "0200000"),
    ({"retryPolicy": {"policyType": 1, "policyJson": "not json"}}, "02000008"),
    ({"retryPolicy": {"policyType": 1, "policyJson": '[{"dataType":"SI","type":0,"policy":{"retryDay":2,'
                                                     '"retryTimes":2}}]', "noRetryPolicy": ["1"]}}, "02000009"),
    ({"callPolicy": {"callType": 1, "chooseType": 0, "turns": [{"turnType": "SI"}]}}, "02000009"),  # 001:21693
])
def test_create_v2_field_rules(sb: HuaweiSandbox, change: dict, want: str) -> None:
    body = {k: v for k, v in v2_body(**change).items() if v is not None}
    assert code(signed(sb, "POST", V2, body)) == want


def test_campaign_state_machine(sb: HuaweiSandbox) -> None:
    """Which operation each status allows, with the seed's codes: created paused (initStatus 1),
    numbers only while not started, pause only when started, resume only when paused, delete and
    number deletion only when not started."""
    cid = signed(sb, "POST", V1, v1_body()).json()["returnObject"]["id"]
    c = f"{V1}/{cid}"
    add = {"callDataList": [{"called": "13800000001"}]}
    status = lambda: signed(sb, "GET", c).json()["returnObject"]["status"]  # noqa: E731
    assert status() == 3
    assert code(signed(sb, "PUT", c + "/pause")) == "0200011"  # 当前状态不允许暂停 (001:23151)
    assert code(signed(sb, "POST", f"{V1}/calldata/{cid}", add)) == "0200000"
    assert code(signed(sb, "PUT", c + "/resume")) == "0200000"
    assert status() == 2
    assert code(signed(sb, "PUT", c + "/resume")) == "0200011"  # 当前状态不允许恢复 (001:23242)
    sb.app.last_add.clear()
    assert code(signed(sb, "POST", f"{V1}/calldata/{cid}", add)) == "0200019"  # running (001:25437)
    assert code(signed(sb, "POST", f"{V1}/calldata/{cid}/delete", {"called": "13800000001"})) == "0200028"
    assert code(signed(sb, "DELETE", c, {"archiveHistory": 0})) == "0200009"  # 外呼任务还在启动中 (001:22667)
    assert code(signed(sb, "PUT", c + "/pause")) == "0200000"
    assert code(signed(sb, "POST", f"{V1}/calldata/{cid}/delete", {"called": "1380000000A"})) == "02000002"
    assert code(signed(sb, "POST", f"{V1}/calldata/{cid}/delete",
                       {"recycleTime": "2024-01-01 00:00:00", "recycleType": "4"})) == "02000007"
    assert code(signed(sb, "DELETE", c, {"archiveHistory": 2})) == "02000007"  # 0 or 1 (001:22643)
    assert code(signed(sb, "DELETE", c, {"archiveHistory": 1})) == "0200000"
    assert code(signed(sb, "GET", c)) == "0200007"
    assert code(signed(sb, "PUT", c + "/resume")) == "0200007"  # 外呼活动已经不存在


def test_client_delete_campaign_and_typed_errors(sb: HuaweiSandbox) -> None:
    from callcore.platforms import errors as E
    from callcore.platforms.huawei import CampaignSpec, HuaweiClient, ScheduleParam

    now = datetime.now()
    spec = CampaignSpec(name="del", strBeginTime=now.strftime(FMT), strEndTime=(now + timedelta(days=1)).strftime(FMT),
                        deviceType=2, callerNo="10085", maxAlertingTime=20,
                        scheduleParam=ScheduleParam("08:00", "20:00"), callbackUrl="https://cb.example/r",
                        skillParam={"skillId": 5, "outBoundType": 2, "predictParam": PREDICT}, initStatus=0)
    with HuaweiClient(sb.url, sb.access_key, sb.secret_key, vdn_id=1) as c:
        cid = c.create_campaign(spec)
        with pytest.raises(E.StateError) as ei:
            c.delete_campaign(cid)
        assert ei.value.code == "0200009" and not ei.value.retryable
        c.pause_campaign(cid)
        c.delete_campaign(cid, archive_history=True)
        with pytest.raises(E.NotFoundError):
            c.get_campaign(cid)
        with pytest.raises(E.NotFoundError) as ei:
            c.delete_file_server("164690088271159234793429225848")
        assert ei.value.code == "0200006" and not ei.value.retryable  # not a database fault here
        with pytest.raises(E.ClientValidationError, match="predictParam"):
            c.create_campaign(CampaignSpec(**{**spec.__dict__, "skillParam": {"skillId": 5, "outBoundType": 2}}))
        with pytest.raises(E.ClientValidationError, match="outBoundType"):
            c.create_campaign(CampaignSpec(**{**spec.__dict__, "skillParam": {"skillId": 5, "outBoundType": 5}}))


def test_client_create_campaign_v2(sb: HuaweiSandbox) -> None:
    from callcore.platforms import errors as E
    from callcore.platforms.huawei import CallerNo, CampaignSpecV2, HuaweiClient, ScheduleParam

    now = datetime.now()
    spec = CampaignSpecV2(
        name="v2", strBeginTime=now.strftime(FMT), strEndTime=(now + timedelta(days=1)).strftime(FMT), deviceType=2,
        callerNo=[CallerNo("88889527", 3), CallerNo("88880066", 4)], maxAlertingTime=20,
        scheduleParam=ScheduleParam("08:00", "20:00"), callbackUrl="https://cb.example/r",
        retryPolicy={"policyType": 1, "policyJson": '[{"dataType":"SI","type":1,"policy":{"result":4,'
                                                   '"retryNumber":3,"callInterval":600}}]'},
        callPolicy={"callType": 1, "chooseType": 0, "turns": [{"turnType": "SI"}]},
        skillParam={"skillId": 2, "skillName": "defaultAudioSkill", "outBoundType": 2, "predictParam": PREDICT})
    with HuaweiClient(sb.url, sb.access_key, sb.secret_key, vdn_id=1) as c:
        cid = c.create_campaign_v2(spec)
        camp = c.get_campaign(cid)
        assert camp.status == camp.PAUSED and camp.raw["retryPolicy"]["policyType"] == 1
        with pytest.raises(E.ClientValidationError, match="accessCode"):
            c.create_campaign_v2(CampaignSpecV2(**{**spec.__dict__, "name": "x", "callerNo": [CallerNo("1#")]}))
        with pytest.raises(E.ParameterError) as ei:  # the platform's own rule (001:21693)
            c.create_campaign_v2(CampaignSpecV2(**{**spec.__dict__, "name": "y", "retryPolicy": {
                "policyType": 0, "retryDay": 1, "retryTimes": 1, "callInterval": 60}}))
        assert ei.value.code == "02000009"
