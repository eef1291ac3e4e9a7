"""The 九五 sandbox holds the seed's rules (000), written from the seed: each test names the line."""
from __future__ import annotations

from datetime import datetime
from typing import Any, Iterator

import httpx
import pytest

from callcore.platforms import errors as E
from callcore.platforms.hl95 import Hl95Client, ManualTask
from callcore.sandbox.hl95 import Hl95Sandbox

IN_WINDOW = datetime(2026, 3, 2, 10, 30)
BEFORE_WINDOW = datetime(2026, 3, 2, 8, 59)


@pytest.fixture
def sb() -> Iterator[Hl95Sandbox]:
    with Hl95Sandbox() as s:
        yield s


@pytest.fixture
def nf(sb: Hl95Sandbox) -> Iterator[Hl95Client]:
    with Hl95Client(sb.url, sb.client_id, sb.client_secret) as c:
        c.create_project("JH0001", "p")
        yield c


def make_task(nf: Hl95Client, task_id: str = "T1", n: int = 3) -> str:
    return nf.create_manual_task(ManualTask(outProjectId="PRO_100002_JH0001", taskId=task_id, name="t",
                                            timeFrom="09:00", timeTo="18:00", dataObjId="OBJ_100002_1",
                                            numbers=[(f"1380000000{i}", f"d{i}") for i in range(n)])
                                 )["outboundInstanceId"]


def status(nf: Hl95Client, iid: str) -> int:
    return next(t["status"] for t in nf.tasks(page_size=100)["pageData"] if str(t["id"]) == str(iid))


def raw(sb: Hl95Sandbox, method: str, path: str, **kw: Any) -> dict[str, Any]:
    tok = httpx.post(sb.url + "/oauth/token", data={"client_id": sb.client_id, "client_secret": sb.client_secret,
                                                    "grant_type": "client_credentials"}).json()["access_token"]
    return httpx.request(method, sb.url + path, headers={"Authorization": f"Bearer {tok}"}, **kw).json()


def test_task_state_machine(sb: Hl95Sandbox, nf: Hl95Client) -> None:
    """2 规划中 -> startCall -> 3 执行中 <-> pauseCall 4 暂停中; stopCall -> 5 已结束; changeState
    -> 6 已终结 (000:1297, 000:1577-1790). An operation the status does not allow is refused."""
    iid = make_task(nf)
    assert status(nf, iid) == 2
    with pytest.raises(E.ApiError, match="pauseCall"):
        nf.pause_task(iid)  # not running
    with pytest.raises(E.ApiError, match="stopCall"):
        nf.stop_task(iid)
    nf.start_task(iid)
    assert status(nf, iid) == 3
    with pytest.raises(E.ApiError, match="startCall"):
        nf.start_task(iid)  # already running
    nf.pause_task(iid)
    assert status(nf, iid) == 4
    nf.start_task(iid)
    nf.stop_task(iid)
    assert status(nf, iid) == 5
    with pytest.raises(E.ApiError, match="任务已结束"):
        nf.append_numbers(iid, [("13900000000", "")])
    nf.terminate_task(iid)
    assert status(nf, iid) == 6
    with pytest.raises(E.ApiError, match="changeState"):
        nf.terminate_task(iid)
    with pytest.raises(E.ApiError, match="外呼实例不存在"):
        nf.start_task("999")


def test_dials_only_running_tasks_inside_their_window(sb: Hl95Sandbox, nf: Hl95Client) -> None:
    """Only 3 执行中 dials, inside timeFrom-timeTo (000:1182-1183); contacts stay 9 未联系 until then and
    become 1 联系成功 or 5 无人应答 (000:2224)."""
    iid = make_task(nf, n=4)
    assert sb.dial(iid, 4, at=IN_WINDOW) == 0
    nf.start_task(iid)
    assert sb.dial(iid, 4, at=BEFORE_WINDOW) == 0
    assert {c["callState"] for c in nf.contacts(iid)["pageData"]} == {9}
    nf.pause_task(iid)
    assert sb.dial(iid, 4, at=IN_WINDOW) == 0
    nf.start_task(iid)
    assert sb.dial(iid, 4, at=IN_WINDOW) == 4
    assert {c["callState"] for c in nf.contacts(iid)["pageData"]} <= {1, 5}


def test_recall_puts_unreached_numbers_back(sb: Hl95Sandbox, nf: Hl95Client) -> None:
    iid = make_task(nf, n=8)
    nf.start_task(iid)
    sb.dial(iid, 8, at=IN_WINDOW)
    missed = sum(c["callState"] == 5 for c in nf.contacts(iid, page_size=20)["pageData"])
    assert missed, "some calls go unanswered in the sandbox's deterministic outcomes"
    nf.recall(iid, 2)
    assert sum(c["callState"] == 9 for c in nf.contacts(iid, page_size=20)["pageData"]) == missed
    sb.dial(iid, 8, at=IN_WINDOW)
    # nothing to recall: the answer as printed, success false without a code (000:1739-1742)
    if not any(c["callState"] == 5 for c in nf.contacts(iid, page_size=20)["pageData"]):
        with pytest.raises(E.ApiError, match="没有可恢复的号码"):
            nf.recall(iid, 2)
    with pytest.raises(E.ClientValidationError, match="type"):
        nf.recall(iid, 4)


def test_fields_formats_and_content_types(sb: Hl95Sandbox, nf: Hl95Client) -> None:
    base = dict(outProjectId="PRO_100002_JH0001", taskId="T9", name="t", createType="input",
                mobileAndDes="13800000000:a", timeFrom="09:00", timeTo="18:00", dataObjId="OBJ_100002_1",
                callType="1", ratio="2", idleTime="8000")
    multipart = {"_": ("", b"")}

    def insert(**over: str) -> dict[str, Any]:
        return raw(sb, "POST", "/artificialOutTask/insert", data={**base, **over}, files=multipart)

    assert insert()["success"] is True
    for over, word in (({"dataObjId": "OBJ_1"}, "dataObjId"),            # OBJ_企业标识_短号 (000:1185)
                       ({"dataObjId": ""}, "dataObjId"),                 # 是 (000:1185)
                       ({"timeFrom": "18:00", "timeTo": "09:00"}, "timeFrom"),  # 000:1182
                       ({"outProjectId": "PRO_777777_123456"}, "项目不存在"),  # 000:1174
                       ({"taskId": "T-9"}, "taskId"),                   # 1-16 digits or letters (000:1175)
                       ({"ratio": "6"}, "ratio"), ({"idleTime": "5000"}, "idleTime"),
                       ({"createType": "remoteFile"}, "remoteFileName"),   # 000:1180
                       ({"mobileAndDes": "13800000000:a;;13800000001"}, "空号码")):
        r = insert(**{"taskId": "T10", **over})
        assert r["success"] is False and r["code"] == -1 and word in r["message"], (over, r)
    # the task form is multipart (000:1169); a urlencoded one is refused
    r = raw(sb, "POST", "/artificialOutTask/insert", data={**base, "taskId": "T11"})
    assert r["success"] is False and "Content-Type" in r["message"]
    # outProject/insert takes JSON (000:722)
    r = raw(sb, "POST", "/outProject/insert", data={"projectId": "JH0002", "projectName": "x"})
    assert r["success"] is False and "Content-Type" in r["message"]
    # a field sent twice is ambiguous (append's own example sends id twice, 000:1545-1548)
    r = raw(sb, "POST", "/artificialOutTask/append", files=[("id", (None, "1")), ("id", (None, "2")),
                                                            ("createType", (None, "input")),
                                                            ("mobileAndDes", (None, "13800000009"))])
    assert r["success"] is False and "重复" in r["message"]
    # paging: empty is the default, anything but a positive integer is refused (000:775-776)
    assert raw(sb, "GET", "/outProject/pageSearch", params={"currentPage": "", "pageSize": ""})["success"]
    assert raw(sb, "GET", "/outProject/pageSearch", params={"currentPage": "0"})["success"] is False
    assert raw(sb, "GET", "/outboundContacts/pageSearch")["success"] is False  # outboundId 是 (000:2205)


def test_oauth_as_printed(sb: Hl95Sandbox) -> None:
    form = {"client_id": sb.client_id, "client_secret": sb.client_secret}
    # the example's grant_type and its stray space in scope (000:243-245)
    r = httpx.post(sb.url + "/oauth/token", data={**form, "grant_type": "client_credentials", "scope": " read,write"})
    assert r.status_code == 200 and set(r.json()) == {"access_token", "token_type", "expires_in", "scope"}
    # the table's spelling (000:237) is not the grant OAuth2 knows: refused, invalid_request (000:280)
    r = httpx.post(sb.url + "/oauth/token", data={**form, "grant_type": "client_credential"})
    assert r.status_code == 400 and r.json()["error"] == "invalid_request"
    r = httpx.post(sb.url + "/oauth/token", data={**form, "client_secret": "wrong", "grant_type": "client_credentials"})
    assert r.status_code == 401 and r.json() == {"error": "invalid_client", "error_description": "Bad client credentials"}
    # an unknown token: 401 without any part of the token in the answer
    r = httpx.get(sb.url + "/outProject/pageSearch", headers={"Authorization": "Bearer c3ed84ef-7cfc-449d"})
    assert r.status_code == 401 and "c3ed84ef" not in r.text


def test_history_filters(sb: Hl95Sandbox, nf: Hl95Client) -> None:
    """callType, callResult, hangupType, talksecStart/End (000:2435-2439) filter or are refused."""
    iid = make_task(nf, n=8)
    nf.start_task(iid)
    sb.dial(iid, 8, at=IN_WINDOW)
    every = raw(sb, "GET", "/callHistory/pageSearchCallHistory", params={"pageSize": 50})["data"]["total"]
    answered = raw(sb, "GET", "/callHistory/pageSearchCallHistory", params={"pageSize": 50, "callResult": "2"})
    assert 0 < answered["data"]["total"] < every
    assert raw(sb, "GET", "/callHistory/pageSearchCallHistory", params={"callType": "8"})["data"]["total"] == every
    assert raw(sb, "GET", "/callHistory/pageSearchCallHistory", params={"callType": "3"})["data"]["total"] == 0
    longer = raw(sb, "GET", "/callHistory/pageSearchCallHistory", params={"pageSize": 50, "talksecStart": "5"})
    assert all(r["talksec"] >= 5 for r in longer["data"]["pageData"])
    for bad in ({"callResult": "1"}, {"callType": "11"}, {"hangupType": "2"}, {"talksecEnd": "x"}):
        assert raw(sb, "GET", "/callHistory/pageSearchCallHistory", params=bad)["success"] is False, bad
