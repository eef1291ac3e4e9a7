"""The Huawei client's public fast path for bulk callers: ``prepare_add_numbers`` /
``prepare_add_numbers_body`` build a :class:`PreparedRequest` (nothing sent), ``send_prepared``
signs and sends it (sync and async) against the sandbox over real HTTP."""
from __future__ import annotations

import asyncio
import json
from datetime import datetime, timedelta
from typing import Iterator

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from callcore.platforms import errors as E
from callcore.platforms.huawei import AsyncHuaweiClient, CampaignSpec, HuaweiClient, PreparedRequest, ScheduleParam
from callcore.sandbox.huawei import HuaweiConfig, HuaweiSandbox



def spec(name: str) -> CampaignSpec:
    now = datetime.now()
    return CampaignSpec(name=name, strBeginTime=now.strftime("%Y-%m-%d %H:%M:%S"),
                        strEndTime=(now + timedelta(days=5)).strftime("%Y-%m-%d %H:%M:%S"), deviceType=2,
                        callerNo="10085", maxAlertingTime=20, scheduleParam=ScheduleParam("08:00", "11:30"),
                        callbackUrl="https://cb.example/r", skillParam={"skillId": 5, "outBoundType": 2,
                                                                    "predictParam": {"predictMethod": 5, "offhookPredictParam": {"offHookRate": 100}}})

dials = st.text("0123456789*#", min_size=1, max_size=24)
ids = st.text("abcXYZ019_-", min_size=0, max_size=10)


@pytest.fixture
def sb(tmp_path) -> Iterator[HuaweiSandbox]:
    with HuaweiSandbox(tmp_path / "hw", config=HuaweiConfig(min_interval=0.0, v2_max=50)) as s:
        yield s


@pytest.fixture
def hw(sb: HuaweiSandbox) -> Iterator[HuaweiClient]:
    with HuaweiClient(sb.url, sb.access_key, sb.secret_key, vdn_id=1, v2_max_per_call=50) as c:
        yield c


def offline() -> HuaweiClient:
    return HuaweiClient("http://127.0.0.1:9", "ak", "sk", vdn_id=7, v2_max_per_call=2000)


@settings(max_examples=60, deadline=None)
@given(st.lists(dials, min_size=1, max_size=20, unique=True), ids, st.none() | st.text("ab-_9", min_size=1, max_size=9),
       st.sampled_from(["v1", "v2"]), st.booleans())
def test_body_is_the_json_of_the_records(called, prefix, tag, api, with_sessions):
    """Whatever the inputs, the fast body parses to exactly the records json.dumps would write."""
    c = offline()
    try:
        sids = list(range(len(called))) if with_sessions else None
        p = c.prepare_add_numbers(42, called, session_ids=sids, session_prefix=prefix, custom_field=tag, api=api)
    finally:
        c.close()
    want = []
    for i, d in enumerate(called):
        r: dict = {"called": d} if api == "v1" else {"called": [{"calledNo": d}]}
        if with_sessions:
            r["sessionId"] = prefix + str(i)
        if tag is not None:
            r["customField"] = tag
        want.append(r)
    assert json.loads(p.content) == {"callDataList": want}
    assert p.records == len(called) and p.method == "POST"
    assert p.path == f"/rest/isales/{api}/openapi/campaigns/7/calldata/42"
    assert (p.endpoint, p.section) == (("addCallData", "7.4.1") if api == "v1" else ("addCallDataV2", "7.4.2"))


def test_checks_run_before_anything_is_sent():
    c = offline()
    try:
        bad = [
            dict(called=[]),
            dict(called=[f"1380000{i:04d}" for i in range(21)]),  # v1: 20 a call
            dict(called=["13800001234", "13800001234"]),  # v1: no repeats (0200018)
            dict(called=["138-0000"]),
            dict(called=["1" * 25]),
            dict(called=[""]),
            dict(called=["13800001234"], custom_field="a.b"),  # forbidden in customField
            dict(called=["13800001234"], custom_field='x"y'),
            dict(called=["13800001234"], session_ids=["a", "b"]),
            dict(called=["13800001234"], session_ids=["x" * 33]),
            dict(called=["13800001234"], session_ids=['a"b']),
            dict(called=["13800001234"], api="v3"),
        ]
        for kw in bad:
            with pytest.raises(E.ClientValidationError):
                c.prepare_add_numbers(1, **kw)
        # v2 takes up to v2_max_per_call records
        assert c.prepare_add_numbers(1, [f"138{i:08d}" for i in range(2000)], api="v2").records == 2000
        with pytest.raises(E.ClientValidationError):
            c.prepare_add_numbers(1, [f"138{i:08d}" for i in range(2001)], api="v2")
        with pytest.raises(E.ClientValidationError):
            c.prepare_add_numbers_body(1, b'{"x":1}', records=1)
        with pytest.raises(E.ClientValidationError):
            c.prepare_add_numbers_body(1, b'{"callDataList":[]}', records=21)
        p = c.prepare_add_numbers_body(1, b'{"callDataList":[{"called":"1"}]}', records=1)
        assert isinstance(p, PreparedRequest) and "callDataList" not in repr(p)
        with pytest.raises(AttributeError):
            p.content = b""  # type: ignore[misc]  (immutable)
    finally:
        c.close()


def test_send_prepared_lands_rows_and_maps_errors(sb, hw):
    cid = hw.create_campaign(spec("prep"))
    p = hw.prepare_add_numbers(cid, ["13800000001", "13800000002"], session_ids=[1, 2], session_prefix="job",
                               custom_field="tag1", api="v1")
    assert hw.send_prepared(p) == 2  # totalSize
    rows = sb.app.state.rows("SELECT called, session_id, custom_field FROM calldata WHERE campaign=? ORDER BY called",
                          (cid,))
    assert [tuple(r) for r in rows] == [("13800000001", "job1", "tag1"), ("13800000002", "job2", "tag1")]
    body = json.dumps({"callDataList": [{"called": [{"calledNo": "13900000003"}], "sessionId": "z"}]}).encode()
    assert hw.send_prepared(hw.prepare_add_numbers_body(cid, body, records=1, api="v2")) == 3
    # the platform's refusals arrive as the same typed errors as add_numbers raises
    with pytest.raises(E.NotFoundError) as ei:
        hw.send_prepared(hw.prepare_add_numbers(999, ["13800000009"]))
    assert ei.value.code == "0200007"
    dup = hw.prepare_add_numbers_body(cid, json.dumps({"callDataList": [{"called": "1"}, {"called": "1"}]}).encode(),
                                      records=2)
    with pytest.raises(E.PlatformError) as ei:
        hw.send_prepared(dup)
    assert ei.value.code == "0200018"
    with HuaweiClient(sb.url, sb.access_key, "wrong-secret", vdn_id=1) as bad:
        with pytest.raises(E.AuthenticationError):
            bad.send_prepared(p)


def test_async_send_prepared(sb, hw):
    cid = hw.create_campaign(spec("aprep"))

    async def go() -> int:
        async with AsyncHuaweiClient(sb.url, sb.access_key, sb.secret_key, vdn_id=1, v2_max_per_call=50) as c:
            p = c.prepare_add_numbers(cid, [f"1390000{i:04d}" for i in range(50)], session_ids=range(50),
                                      custom_field="b2", api="v2")
            return await c.send_prepared(p)

    assert asyncio.run(go()) == 50
    assert sb.app.state.row("SELECT COUNT(*) n FROM calldata WHERE campaign=? AND custom_field='b2'", (cid,))["n"] == 50
