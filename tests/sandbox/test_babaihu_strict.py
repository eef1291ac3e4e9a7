"""The 八百呼 sandbox holds the seed's rules (004), written from the seed: each test names the line."""
from __future__ import annotations

import json
from datetime import datetime, timedelta
from typing import Any, Iterator

import httpx
import pytest

from callcore.platforms import errors as E
from callcore.platforms.babaihu import BabaihuClient, TaskRecord
from callcore.sandbox.babaihu import BabaihuConfig, BabaihuSandbox


@pytest.fixture
def sb() -> Iterator[BabaihuSandbox]:
    with BabaihuSandbox() as s:
        yield s


def call(sb: BabaihuSandbox, method: str, **params: Any) -> dict[str, Any]:
    form = {"sa_user": sb.user, "sa_password": sb.password, "method": method, **params}
    return httpx.post(sb.url + "/voip/api/jsondata.html", data=form).json()


def test_credentials_exactly_as_issued(sb: BabaihuSandbox) -> None:
    url = sb.url + "/voip/api/jsondata.html"
    ok = {"sa_user": sb.user, "sa_password": sb.password, "method": "getExtension"}
    assert httpx.get(url, params=ok).json()["code"] == 0  # the seed's own URL form (004:120)
    for bad in ({"sa_password": sb.password.lower()}, {"sa_password": "02367073578"}, {"sa_user": "100088601"},
                {"sa_password": ""}):
        r = httpx.get(url, params={**ok, **bad}).json()
        assert r == {"code": -2, "message": "验证错误"}, bad  # 004:133, the same answer for every cause
    # a credential given twice (query and body) is ambiguous
    r = httpx.post(url, params={"sa_password": sb.password}, data=ok).json()
    assert r["code"] == -2
    assert httpx.get(url, params={**ok, "method": ""}).json()["code"] == -3


def test_add_task_fields_and_references(sb: BabaihuSandbox) -> None:
    data = json.dumps([{"phone": "13000000000", "key": "0001", "memo": "你好"}], ensure_ascii=False)
    base = {"data": data, "addType": "1", "name": "测试测试", "cflName": sb.flow_name}
    assert set(call(sb, "addTask", **base)) == {"code", "message", "id"}  # 004:1091-1093
    for over, code, word in (({"cflName": "outbound-flow"}, -11, "cflName"),  # no such flow
                             ({"cflName": ""}, 1, "cflName"),                # 自动拨号必填 (004:1067)
                             ({"addType": "3"}, 1, "wotName"),               # 工单任务必填 (004:1073)
                             ({"addType": "4", "wotName": "无此工单"}, -11, "wotName"),
                             ({"addType": "5"}, 1, "addType"),               # 004:1063-1065
                             ({"sendTime": "2019/01/01"}, 1, "sendTime"),    # 2019-01-01 00:00:00 (004:1068)
                             ({"repeatSend": "2"}, 1, "repeatSend"),         # 004:1069
                             ({"allotExte": "999"}, -11, "allotExte"),
                             ({"data": json.dumps([{"phone": 13000000000}])}, 1, "phone"),  # 字符串 (004:1078)
                             ({"data": json.dumps([{"phone": "1", "memo": "a#b"}])}, 1, "memo"),  # 004:1080
                             ({"data": json.dumps([{"phone": "1", "other": "x"}])}, 1, "other"),
                             ({"data": "[]"}, 1, "data"), ({"name": ""}, 1, "name")):
        r = call(sb, "addTask", **{**base, **over})
        assert r["code"] == code and word in r["message"], (over, r)
    wo = call(sb, "addTask", **{**base, "addType": "3", "wotName": "售后工单",
                                "data": json.dumps([{"phone": "13000000009", "woOther1": "x"}])})
    assert wo["code"] == 0


def test_tasks_belong_to_their_flow_and_only_automatic_ones_dial(sb: BabaihuSandbox) -> None:
    with BabaihuClient(sb.url, sb.user, sb.password) as c:
        assert c.call_flows() == {sb.flow_id: sb.flow_name}  # findCallFlow (004:1031-1048)
        auto = c.add_task("auto", [TaskRecord("13000000001"), TaskRecord("13000000002")], flow_name=sb.flow_name)
        later = c.add_task("later", [TaskRecord("13000000003")], flow_name=sb.flow_name,
                           send_time=(datetime.now() + timedelta(days=1)).strftime("%Y-%m-%d %H:%M:%S"))
        manual = c.add_task("manual", [TaskRecord("13000000004")], add_type=2)  # no flow
        assert c.task_detail(sb.flow_id)[0] == 3  # the manual task has no flow: not listed under it
        with pytest.raises(E.NotFoundError):
            c.task_detail(999)  # -11: no such flow
        assert sb.dial(manual, 5) == 0  # 手工拨号 (004:1064): agents dial it
        assert sb.dial(later, 5) == 0  # not before its sendTime (004:1068)
        assert sb.dial(later, 5, at=datetime.now() + timedelta(days=2)) == 1
        assert sb.dial(auto, 5) == 2
        n, done = c.task_detail(sb.flow_id, type=2)  # 2 已完成 (004:1101)
        assert n == 3 and {r["ctdStatus"] for r in done} <= {3, 4}
        assert c.task_detail(sb.flow_id, type=1)[0] == 0
        r = call(sb, "findTaskMx", cflId=str(sb.flow_id))  # start and limit are Y (004:1107-1108)
        assert r["code"] == -3 and "start" in r["message"]
        r = call(sb, "findTaskMx", cflId=str(sb.flow_id), start="0", limit="25")
        assert set(r) == {"code", "data", "count", "groupData"}  # the sample's keys (004:1115-1121)


def test_blacklist_strict(sb: BabaihuSandbox) -> None:
    assert call(sb, "addBlacklists", phones="13002300000, 13002300001")["code"] == 0  # the example (004:521)
    assert call(sb, "addBlacklists", phones="13002300001")["code"] == -10
    assert call(sb, "delBlacklists", phones="13002300000,13009999999")["code"] == -11  # nothing deleted
    assert call(sb, "getBlacklists")["blaPhone"] == "13002300000,13002300001"
    assert call(sb, "addBlacklists", phones="1300-2300")["code"] == -3


def test_dial_records_filters_and_both_total_spellings() -> None:
    """2.4.1 answers recordTotal (004:622), 2.7.1 total (004:906): the client pages with either."""
    for key in ("recordTotal", "total"):
        with BabaihuSandbox(config=BabaihuConfig(dialrecord_total_key=key)) as sb, \
                BabaihuClient(sb.url, sb.user, sb.password) as c:
            tid = c.add_task("t", [TaskRecord(f"1300000000{i}") for i in range(5)], flow_name=sb.flow_name)
            assert sb.dial(tid, 5) == 5
            r = call(sb, "findDialrecord", limit="2")
            assert set(r) == {"success", key, "rows"} and r[key] == 5
            assert len(list(c.iter_call_records(page=2))) == 5, key
            assert call(sb, "findDialrecord", startTime="2014-02-21")["code"] == -3  # Yyyy-mm-dd hh:nn:ss
            assert call(sb, "findDialrecord", cdrPeer="9")["code"] == -3
            longer = call(sb, "findDialrecord", talktimeSql="0", talktime="3")
            assert all(int(x["cdrTalktime"]) > 3 for x in longer["rows"])
