"""The SCCC sandbox holds the seed's rules (003), written from the seed: each test names the line."""
from __future__ import annotations

import itertools
from typing import Any, Iterator

import httpx
import pytest

from callcore.platforms import errors as E
from callcore.platforms.sccc import ScccClient
from callcore.sandbox.sccc import ScccSandbox
from callcore.sign import sccc_authentication

H = {"Accept": "application/json", "Content-Type": "application/json"}
_cmd_seq = itertools.count(1)


@pytest.fixture
def sb() -> Iterator[ScccSandbox]:
    with ScccSandbox() as s:
        yield s


def post(sb: ScccSandbox, api: str, request: Any = None, *, version: str = "V2.0.4", headers: dict | None = None,
         **body: Any) -> dict[str, Any]:
    doc = {"authentication": sccc_authentication(sb.customer, sb.password), **body}
    if request is not None:
        doc["request"] = request
    return httpx.post(f"{sb.url}/openapi/{version}/{api}", json=doc, headers=H if headers is None else headers).json()


def cmd_error(r: dict[str, Any]) -> int:
    assert r["result"]["error"] == 0, r
    return r["data"]["response"]["result"]["error"]


def create(sb: ScccSandbox, **over: Any) -> dict[str, Any]:
    return post(sb, "CallTaskCreate", {"seq": str(next(_cmd_seq)), "agent": "1000", "mode": 2,
                                       "callees": ["13800000001"], **over})


def test_envelope_rules(sb: ScccSandbox) -> None:
    q = {"seq": "1", "agent": "1000"}
    # both headers are required (003:460-464)
    assert post(sb, "CallTaskQuery", q, headers={"Content-Type": "application/json"})["result"]["error"] == 8
    # request xor requests (003:452-458)
    assert post(sb, "CallTaskQuery", q, requests=[q])["result"]["error"] == 8
    assert post(sb, "CallTaskQuery")["result"]["error"] == 8
    # param: debug bool, lang zh_CN|en_US (003:441-447)
    assert post(sb, "CallTaskQuery", q, param={"debug": "true", "lang": "fr_FR"})["result"]["error"] == 5
    assert post(sb, "CallTaskQuery", q, param={"debug": True, "lang": "zh_CN"})["result"]["error"] == 0
    # the API's versions: getRecordsList only in x=4,6 (003:2676); V2.0.5 names no version (003:433)
    assert post(sb, "getRecordsList", {"seq": "1", "startKey": 0}, version="V2.0.3")["result"]["error"] == 11
    assert post(sb, "getRecordsList", {"seq": "1", "startKey": 0}, version="V2.0.6")["result"]["error"] == 0
    assert post(sb, "CallTaskQuery", q, version="V2.0.5")["result"]["error"] == 10
    # authentication field formats (003:372-382): customer [A-Za-z0-9-_], seq an integer
    a = sccc_authentication(sb.customer, sb.password)
    for bad in ({"customer": "C 2"}, {"seq": "x1"}, {"timestamp": "2016-08-23"}, {"digest": a["digest"].upper()}):
        r = httpx.post(f"{sb.url}/openapi/V2.0.4/CallTaskQuery", json={"authentication": {**a, **bad},
                                                                       "request": q}, headers=H).json()
        assert r["result"]["error"] == 1, bad


def test_create_fields(sb: ScccSandbox) -> None:
    assert cmd_error(create(sb)) == 0
    for over in ({"mode": 3}, {"mode": None}, {"agent": "123456789"}, {"agent": ""}, {"seq": ""},
                 {"multiplier": 5}, {"userData": "x" * 31}, {"callees": []}, {"callers": ["1"] * 101}):
        assert cmd_error(create(sb, **over)) == 0xF1000001, over
    # callers must be the customer's (003:1895-1897); with mode 5 they are not processed (003:1888)
    assert cmd_error(create(sb, callers=["10086"])) == 0xF1000017
    assert cmd_error(create(sb, callers=["10086"], mode=5)) == 0
    assert cmd_error(create(sb, callers=list(sb.app.cfg.callers), multiplier=1)) == 0


def test_control_state_machine_and_dialling(sb: ScccSandbox) -> None:
    with ScccClient(sb.url, sb.customer, sb.password) as c:
        t = c.create_task("1000", ["13800000001", "13800000002", "13800000003"])  # running at once (003:1935)
        assert sb.dial(t.task_id, 1) == 1
        with pytest.raises(E.StateError):
            c.control_task(t.task_id, "Start", "1000")  # already running: 非法操作 0xF100000E
        c.control_task(t.task_id, "stop", "1000")
        assert sb.dial(t.task_id, 5) == 0  # a stopped task dials nothing
        with pytest.raises(E.StateError):
            c.control_task(t.task_id, "stop", "1000")
        c.control_task(t.task_id, "Start", "1000")
        assert sb.dial(t.task_id, 5) == 2
        r = post(sb, "CallTaskControl", {"seq": "9", "taskID": t.task_id, "action": "start"})  # as printed: Start
        assert cmd_error(r) == 0xF1000001
        # AddNumbers names the task's own agent (003:2314); another agent's task does not exist for it
        with pytest.raises(E.NotFoundError):
            c.add_numbers(t.task_id, ["13800000009"], "2000")


def test_tasks_belong_to_their_customer(tmp_path) -> None:
    cfg_customers = {"C2": "E416D0F85DC0CB67C85E070A32D9F0123AFF4762", "C3": "0" * 40}
    from callcore.sandbox.sccc import ScccConfig

    with ScccSandbox(config=ScccConfig(customers=cfg_customers)) as sb, \
            ScccClient(sb.url, "C2", cfg_customers["C2"]) as c2, ScccClient(sb.url, "C3", cfg_customers["C3"]) as c3:
        t = c2.create_task("1000", ["13800000001"])
        with pytest.raises(E.NotFoundError):
            c3.control_task(t.task_id, "stop", "1000")
        with pytest.raises(E.NotFoundError):
            c3.query_task("1000")


def test_records_and_cdr_fields(sb: ScccSandbox) -> None:
    # startKey Int Y (003:2719): the sample's "" is not one
    assert cmd_error(post(sb, "getRecordsList", {"seq": "1", "startKey": ""})) == 0xF1000001
    full = {"seq": "1", "agent": ["8000"], "serviceType": "", "startTime": "", "endTime": "", "caller": "",
            "callee": "", "timeLengthMin": "", "timeLengthMax": ""}
    assert cmd_error(post(sb, "getCdrList", full)) == 0
    for k in ("serviceType", "timeLengthMax", "agent"):  # every field is Y (003:3183-3222)
        assert cmd_error(post(sb, "getCdrList", {x: v for x, v in full.items() if x != k})) == 0xF1000001, k
    assert cmd_error(post(sb, "getCdrList", {**full, "serviceType": "6"})) == 0xF1000001  # 003:3189-3206


def test_client_refuses_what_the_seed_excludes(sb: ScccSandbox) -> None:
    """multiplier "Number(1<a<5)", default 1 (003:1876-1878): the client allowed 5, which the
    platform refuses; now it is a validation error before sending."""
    with ScccClient(sb.url, sb.customer, sb.password) as c:
        with pytest.raises(E.ClientValidationError, match="multiplier"):
            c.create_task("1000", ["13800000001"], multiplier=5)
        assert c.create_task("1000", ["13800000001"], multiplier=4).task_id
