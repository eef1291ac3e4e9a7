"""The receivers over loopback HTTP: the seeds' push samples stored, re-pushes stored once, bad
signatures, malformed, truncated and oversized bodies refused with nothing stored."""
from __future__ import annotations

import json
import socket
import time
from typing import Any
from urllib.parse import urlparse

import httpx
import pytest

from callcore import sign
from callcore.receivers import ScccCredentials, babaihu_app, huawei_app, sccc_app
from callcore.sign.httpx_auth import AuthV2

# 7.6.1 request sample, verbatim (001:27257-27271)
HW_SAMPLE = b"""[
  {
    "campaignId": "3",
    "sessionId": "1202_test013",
    "called": "60584",
    "callTimeStr": "2020-08-30 20:00:00",
    "callStatus": 6,
    "failCode": "0",
    "vdnId": 11,
    "callId": "0023-134864174",
    "recordPath": "Y:/1/11/20200830/3408/0949218.V3"
  }
]"""
SUCCESS = {"retCode": "0", "retMsg": "success"}


def _events(store: Any) -> list[dict[str, Any]]:
    return list(store.events())


def _raw_post(url: str, head_extra: str, body: bytes) -> bytes:
    """An HTTP/1.1 POST sent by hand, so a test can declare more bytes than it sends."""
    u = urlparse(url)
    with socket.create_connection((u.hostname, u.port), timeout=10) as s:
        s.sendall(f"POST {u.path} HTTP/1.1\r\nHost: {u.netloc}\r\nContent-Type: application/json\r\n"
                  f"{head_extra}Connection: close\r\n\r\n".encode() + body)
        s.shutdown(socket.SHUT_WR)
        out = b""
        while chunk := s.recv(65536):
            out += chunk
    return out


# --- Huawei 7.6.1


def test_huawei_seed_sample_is_stored_with_its_fields_and_recording(store: Any, serve: Any) -> None:
    base = serve(huawei_app(store))
    r = httpx.post(base + "/huawei/results", content=HW_SAMPLE, headers={"content-type": "application/json"})
    assert r.status_code == 200 and r.json() == SUCCESS
    [ev] = _events(store)
    assert ev["platform"] == "huawei" and ev["kind"] == "result"
    assert (ev["callId"], ev["sessionId"], ev["callStatus"], ev["failCode"], ev["recordPath"]) == \
        ("0023-134864174", "1202_test013", 6, "0", "Y:/1/11/20200830/3408/0949218.V3")
    assert ev["received"].endswith("Z")
    [q] = store.queued_recordings()
    assert (q["platform"], q["path"], q["call_key"]) == ("huawei", "Y:/1/11/20200830/3408/0949218.V3", "0023-134864174")


def test_huawei_repush_is_acknowledged_and_stored_once(store: Any, serve: Any) -> None:
    base = serve(huawei_app(store))
    for _ in range(6):  # the platform's most deliveries of one result (001:27166)
        r = httpx.post(base + "/huawei/results", content=HW_SAMPLE)
        assert r.status_code == 200 and r.json() == SUCCESS
    assert len(_events(store)) == 1
    assert store.counts() == {"events": 1, "duplicates": 5, "recordings": 1}
    # the same session dialled again is another call (another callId): a new event
    again = json.loads(HW_SAMPLE)
    again[0]["callId"] = "0023-134864999"
    assert httpx.post(base + "/huawei/results", json=again).status_code == 200
    assert len(_events(store)) == 2


@pytest.mark.parametrize("body, why", [
    (b"[{\"campaignId\": \"3\", \"sessionId\"", "not JSON"),
    (b"{}", "expected a non-empty JSON list"),
    (b"[]", "expected a non-empty JSON list"),
    (b'[{"campaignId":"3","sessionId":"s","called":"1","callStatus":6}]', "missing callId"),
    (b'[{"campaignId":"3","sessionId":"s","called":"1","callStatus":7,"callId":"c"}]', "callStatus 7"),
    (b'[{"campaignId":"3","sessionId":"s","called":"1","callStatus":6,"callId":"c"}, 5]', "result [1]"),
    (b"\xff\xfe[", "not JSON"),
])
def test_huawei_malformed_body_gets_a_failure_answer_and_nothing_is_stored(store: Any, serve: Any, body: bytes,
                                                                           why: str) -> None:
    base = serve(huawei_app(store))
    r = httpx.post(base + "/huawei/results", content=body)
    assert r.status_code == 400
    assert r.json()["retCode"] != "0" and why in r.json()["retMsg"]
    assert _events(store) == [] and store.counts()["events"] == 0


def test_huawei_truncated_body_is_refused_and_nothing_stored(store: Any, serve: Any) -> None:
    base = serve(huawei_app(store))
    cut = HW_SAMPLE[: len(HW_SAMPLE) // 2]
    out = _raw_post(base + "/huawei/results", f"Content-Length: {len(HW_SAMPLE)}\r\n", cut)
    # the client hung up before the declared length: either a 400 or no answer at all, never a 200
    assert not out.startswith(b"HTTP/1.1 200")
    # a body cut at a point where it is still valid JSON (the list closed early) cannot be told from
    # a complete one by JSON alone: the declared length catches it
    whole = b'[{"campaignId":"3","sessionId":"s","called":"1","callStatus":6,"callId":"c"}]'
    out = _raw_post(base + "/huawei/results", f"Content-Length: {len(whole) + 40}\r\n", whole)
    assert not out.startswith(b"HTTP/1.1 200")
    assert _events(store) == []


def test_huawei_oversized_body_is_refused_before_it_is_read(store: Any, serve: Any) -> None:
    base = serve(huawei_app(store, max_body=4096))
    items = [dict(json.loads(HW_SAMPLE)[0], sessionId=f"s{i}", callId=f"c{i}") for i in range(200)]
    r = httpx.post(base + "/huawei/results", json=items)
    assert r.status_code == 413 and "4096-byte limit" in r.json()["retMsg"]

    def chunks() -> Any:  # no Content-Length: the limit is enforced while reading
        body = json.dumps(items).encode()
        for i in range(0, len(body), 1000):
            yield body[i:i + 1000]

    r = httpx.post(base + "/huawei/results", content=chunks())
    assert r.status_code == 413
    assert _events(store) == []


def test_huawei_secret_path_segment_and_allow_list(store: Any, serve: Any) -> None:
    base = serve(huawei_app(store, path_secret="k9-long-random", allow=["127.0.0.0/8"]))
    assert httpx.post(base + "/huawei/results", content=HW_SAMPLE).status_code == 404
    r = httpx.post(base + "/huawei/results/wrong", content=HW_SAMPLE)
    assert r.status_code == 404 and "k9-long-random" not in r.text
    assert _events(store) == []
    assert httpx.post(base + "/huawei/results/k9-long-random", content=HW_SAMPLE).status_code == 200
    assert len(_events(store)) == 1
    other = serve(huawei_app(store, allow=["10.0.0.0/8"]))
    r = httpx.post(other + "/huawei/results", json=[dict(json.loads(HW_SAMPLE)[0], callId="x")])
    assert r.status_code == 403 and "allow-list" in r.json()["retMsg"]
    assert len(_events(store)) == 1


# --- Huawei CC-FS bill callback (auth-v2)

BILL_SAMPLE = {"request": {"version": "2.0"},  # 001:65356-65366
               "msgBody": {"responseld": "9239cb50a8384bb0ab503441bf089446",
                           "billFileName": "20180702_9239cb50a8384bb0ab503441bf089446.zip", "accountId": ""}}


def test_huawei_bill_callback_verified_with_auth_v2(store: Any, serve: Any) -> None:
    verifier = sign.Verifier({"ccfs-ak": "ccfs-sk-EXAMPLE"})
    base = serve(huawei_app(store, bill_verifier=verifier))
    body = json.dumps(BILL_SAMPLE).encode()
    headers = {"content-type": "application/json;charset=UTF-8"}
    with httpx.Client(auth=AuthV2("ccfs-ak", "ccfs-sk-EXAMPLE")) as c:
        for _ in range(2):
            r = c.post(base + "/huawei/bill", content=body, headers=headers)
            assert r.status_code == 200 and r.json()["resultCode"] == "0"
    [ev] = _events(store)
    assert ev["kind"] == "bill" and ev["billFileName"] == "20180702_9239cb50a8384bb0ab503441bf089446.zip"
    with httpx.Client(auth=AuthV2("ccfs-ak", "not-the-secret")) as c:
        r = c.post(base + "/huawei/bill", content=json.dumps(dict(BILL_SAMPLE, msgBody=dict(
            BILL_SAMPLE["msgBody"], responseld="other"))).encode(), headers=headers)
    assert r.status_code == 401 and "SignatureMismatch" in r.text and "not-the-secret" not in r.text
    r = httpx.post(base + "/huawei/bill", content=body, headers=headers)  # unsigned
    assert r.status_code == 401
    assert len(_events(store)) == 1


# --- Huawei release callbacks (HMAC signature, recordfile)

RELEASE_SAMPLE = {  # 6.2.14.3 sample (001:17838-17860); the seed masks the signature, so it is recomputed
    "agentAlertingTime": "2022/02/22,10:04:29:004", "agentReleaseTime": "2022/02/22,10:04:29:004",
    "agentTalkDuration": "2022/02/22,10:04:29:004", "agentTalkingTime": "2022/02/22,10:04:29:004",
    "alertingTime": "2022/02/22,10:04:29:004", "callData": None, "callSerialNo": "1197765398201387012",
    "called": "88880067", "caller": "960003", "callerPresent": "960003", "createCallTime": "2022/02/22,10:04:28:823",
    "locationId": "0", "recordfile": "Y:/mobileAgent/20220222/1645524268-824.wav", "releaseReason": "0",
    "releaseTime": "2022/02/22,10:04:36:318", "serviceNo": None, "talkDuration": "0",
    "talkingTime": "2022/02/22,10:04:30:418",
}


def _signed_release(secret: str, body: dict[str, Any], ts_ms: int) -> dict[str, Any]:
    out = dict(body, timestamp=str(ts_ms), nonce="-1482421808053124529")
    out["signature"] = sign.callback_signature(secret, out["timestamp"], out["nonce"], body)
    return out


def test_huawei_release_callback_signed_and_recording_queued(store: Any, serve: Any) -> None:
    base = serve(huawei_app(store, release_secret="app-secret-EXAMPLE"))
    now_ms = int(time.time() * 1000)
    good = _signed_release("app-secret-EXAMPLE", RELEASE_SAMPLE, now_ms)
    for _ in range(2):
        r = httpx.post(base + "/huawei/release", json=good)
        assert r.status_code == 200 and r.json() == SUCCESS
    [ev] = _events(store)
    assert ev["kind"] == "release" and ev["recordfile"] == RELEASE_SAMPLE["recordfile"]
    assert "signature" not in ev and "nonce" not in ev
    assert [q["path"] for q in store.queued_recordings()] == [RELEASE_SAMPLE["recordfile"]]
    tampered = dict(good, recordfile="Y:/elsewhere.wav", callSerialNo="2")
    assert httpx.post(base + "/huawei/release", json=tampered).status_code == 401
    assert httpx.post(base + "/huawei/release", json=RELEASE_SAMPLE).status_code == 401  # unsigned
    stale = _signed_release("app-secret-EXAMPLE", dict(RELEASE_SAMPLE, callSerialNo="3"), now_ms - 3_600_000)
    r = httpx.post(base + "/huawei/release", json=stale)
    assert r.status_code == 401 and "window" in r.json()["retMsg"]
    assert len(_events(store)) == 1


# --- SCCC


def _sccc_notify(kind: str) -> dict[str, Any]:
    """The notify blocks of 003:2398-3357, filled in."""
    base = {"customer": "C2", "agent": "8000", "number": "13770761337", "call_type": "1", "seq": "17",
            "userData": "row-17"}
    if kind == "popup":  # 003:2586: the sample has no type
        return {k: base[k] for k in ("customer", "agent", "number", "call_type", "seq")}
    if kind == "billing":
        return {"type": "billing", "startTime": "2018-09-10 14:39:10", "ringTime": "2018-09-10 14:39:12",
                "answerTime": "2018-09-10 14:39:20", "byeTime": "2018-09-10 14:39:27", "callee": "13770761337",
                "caller": "15612343021", "recordFile": "record/20180910/8000/143910.wav", "service": "4",
                "session": "sess-0001", "timeLength": "7", "seq": "17", "userData": "row-17"}
    if kind == "taskinfo":
        return {"type": "taskinfo", "taskID": "T1", "taskName": "campaign", "calleeAmount": "10",
                "remainAmount": "4", "status": "0", "seq": "17", "userData": ""}
    return dict(base, type=kind)


def _sccc_push(customer: str, password: str, notify: dict[str, Any], ts: int | None = None,
               seq: int | None = None) -> dict[str, Any]:
    return {"authentication": sign.sccc_authentication(customer, password, timestamp=ts, seq=seq),
            "notify": notify, "param": {"debug": "", "lang": ""}}


@pytest.mark.parametrize("kind", ["callstart", "callend", "popup", "callin", "callout", "billing", "taskinfo"])
def test_sccc_every_push_kind_is_stored_once(store: Any, serve: Any, kind: str) -> None:
    base = serve(sccc_app(store, ScccCredentials("C2", "api-pass", "P2", "push-pass")))
    notify = _sccc_notify(kind)
    for _ in range(2):  # the re-push carries a fresh authentication block
        r = httpx.post(base + "/sccc/notify", json=_sccc_push("P2", "push-pass", notify))
        assert r.status_code == 200 and r.json()["result"]["error"] == 0
    [ev] = _events(store)
    assert ev["platform"] == "sccc" and ev["kind"] == kind
    expect = notify.get("type")
    assert ev.get("type") == expect
    if kind == "billing":
        assert ev["recordFile"] == "record/20180910/8000/143910.wav"
        [q] = store.queued_recordings()
        assert q["call_key"] == "sess-0001"


def test_sccc_push_credentials_fall_back_to_request_credentials(store: Any, serve: Any) -> None:
    # 003:425-429: when either push credential is not defined, the request pair signs the push
    base = serve(sccc_app(store, ScccCredentials("C2", "api-pass", "P2", None)))
    r = httpx.post(base + "/sccc/notify", json=_sccc_push("P2", "push-pass", _sccc_notify("billing")))
    assert r.status_code == 401
    r = httpx.post(base + "/sccc/notify", json=_sccc_push("C2", "api-pass", _sccc_notify("billing")))
    assert r.status_code == 200
    assert len(_events(store)) == 1


def test_sccc_bad_digest_stale_timestamp_and_replayed_auth_are_refused(store: Any, serve: Any) -> None:
    base = serve(sccc_app(store, ScccCredentials("C2", "api-pass"), replay_window=300))
    r = httpx.post(base + "/sccc/notify", json=_sccc_push("C2", "wrong", _sccc_notify("billing")))
    assert r.status_code == 401 and r.json()["result"]["error"] != 0 and "api-pass" not in r.text
    old = int(time.time() * 1000) - 3_600_000
    r = httpx.post(base + "/sccc/notify", json=_sccc_push("C2", "api-pass", _sccc_notify("billing"), ts=old))
    assert r.status_code == 401 and "replay window" in r.json()["result"]["msg"]
    push = _sccc_push("C2", "api-pass", _sccc_notify("billing"))
    assert httpx.post(base + "/sccc/notify", json=push).status_code == 200
    # the digest does not cover the notify block: the same block with another body is a replay
    forged = dict(push, notify=dict(_sccc_notify("billing"), session="sess-forged", recordFile="x.wav"))
    r = httpx.post(base + "/sccc/notify", json=forged)
    assert r.status_code == 401 and "replayed" in r.json()["result"]["msg"]
    no_auth = {"notify": _sccc_notify("billing")}
    assert httpx.post(base + "/sccc/notify", json=no_auth).status_code == 401
    [ev] = _events(store)
    assert ev["session"] == "sess-0001"


@pytest.mark.parametrize("notify, why", [
    ({"type": "billing", "session": "s"}, "missing"),
    ({"type": "hangup"}, "not a push the seed defines"),
    ({"type": "taskinfo", "status": "2"}, "taskID"),
])
def test_sccc_malformed_notify_refused(store: Any, serve: Any, notify: dict[str, Any], why: str) -> None:
    base = serve(sccc_app(store, ScccCredentials("C2", "api-pass")))
    r = httpx.post(base + "/sccc/notify", json=_sccc_push("C2", "api-pass", notify))
    assert r.status_code == 400 and why in r.json()["result"]["msg"]
    assert _events(store) == []


def test_sccc_credentials_repr_hides_the_password() -> None:
    c = ScccCredentials("C2", "api-pass-SECRET", "P2", "push-pass-SECRET")
    assert "SECRET" not in repr(c) and "P2" in repr(c)


# --- 八百呼

# 2.10.4's example URL (004:1127), its memo completed with fields of the table (004:1133-1160)
BBH_MEMO = {"cdrId": 23, "cdrExtension": "2323232", "cdrPhoneNum": "13688888888", "cdrTalktime": "35",
            "cdrHangupReasonCode": "16", "cdrRecordFile": "20190731/2323232/23.mp3", "cdrPeer": "1"}


def test_babaihu_recording_push_stored_once_with_recording(store: Any, serve: Any) -> None:
    base = serve(babaihu_app(store))
    params = {"type": "4", "phone": "13688888888", "peer": "1", "memo": json.dumps(BBH_MEMO)}
    for _ in range(2):
        r = httpx.get(base + "/babaihu/voip", params=params)
        assert r.status_code == 200 and r.json() == {"code": 0, "message": "OK"}
    r = httpx.post(base + "/babaihu/voip", data=dict(params, type="3"))  # the hang-up push, form-encoded
    assert r.status_code == 200
    evs = _events(store)
    assert [e["kind"] for e in evs] == ["recording", "hangup"]
    assert evs[0]["memo"]["cdrRecordFile"] == "20190731/2323232/23.mp3"
    assert [q["path"] for q in store.queued_recordings()] == ["20190731/2323232/23.mp3"]
    for bad, why in [(dict(params, type="9"), "type"), (dict(params, peer="0"), "peer"),
                     (dict(params, memo="{not json"), "memo"), (dict(params, memo="{}"), "cdrId")]:
        r = httpx.get(base + "/babaihu/voip", params=bad)
        assert r.status_code == 400 and why in r.json()["message"]
    assert len(_events(store)) == 2


def test_babaihu_box_upload_file_written_before_the_event(store: Any, serve: Any, tmp_path: Any) -> None:
    base = serve(babaihu_app(store, max_upload=100_000))
    fields = {"cmd": "upload", "satellite": "00:00:00:00:01", "channel": "1", "start_time_secs": "1563957000",
              "start_time_hangup": "1563957071", "direction": "out", "callid_dialed": "13508383464",
              "duration_secs": "60", "id": "7", "recorded": "1", "callid": "7687658987667780097"}
    audio = b"RIFF" + bytes(2000)
    for _ in range(2):
        r = httpx.post(base + "/babaihu/upload_record", data=fields, files={"file": ("rec.wav", audio, "audio/wav")})
        assert r.status_code == 200 and r.json()["status"] == 0 and r.json()["callid"] == "7687658987667780097"
    [ev] = _events(store)
    assert ev["kind"] == "upload" and ev["file"].endswith("7687658987667780097.wav")
    assert (tmp_path / "store" / ev["file"]).read_bytes() == audio
    # status uploads and unknown commands get {"time":..,"status":0} (004:351) and store nothing
    r = httpx.post(base + "/babaihu/upload_record", data={"cmd": "channelstatus", "satellite": "00:00:00:00:01"},
                   files={"x": ("a", b"", "text/plain")})
    assert r.json()["status"] == 0
    r = httpx.post(base + "/babaihu/upload_record", data={"cmd": "upload"}, files={"x": ("a", b"", "text/plain")})
    assert r.status_code == 400 and r.json()["status"] == 3002  # 004:381
    big = httpx.post(base + "/babaihu/upload_record", data=dict(fields, callid="1"),
                     files={"file": ("rec.wav", bytes(200_000), "audio/wav")})
    assert big.status_code == 413
    missing = httpx.post(base + "/babaihu/upload_record", data=dict(fields, callid="2"),
                         files={"x": ("a", b"", "text/plain")})
    assert missing.status_code == 400 and "no file part" in missing.json()["message"]
    assert len(_events(store)) == 1


def test_sccc_replay_is_refused_after_a_restart_too(tmp_path: Any, serve: Any) -> None:
    from callcore.receivers import EventStore

    first = EventStore(tmp_path / "s")
    base = serve(sccc_app(first, ScccCredentials("C2", "api-pass")))
    push = _sccc_push("C2", "api-pass", _sccc_notify("billing"))
    assert httpx.post(base + "/sccc/notify", json=push).status_code == 200
    first.close()
    restarted = EventStore(tmp_path / "s")  # a new process on the same store remembers the block
    base2 = serve(sccc_app(restarted, ScccCredentials("C2", "api-pass")))
    forged = dict(push, notify=dict(_sccc_notify("billing"), session="sess-forged"))
    r = httpx.post(base2 + "/sccc/notify", json=forged)
    assert r.status_code == 401 and "replayed" in r.json()["result"]["msg"]
    assert httpx.post(base2 + "/sccc/notify", json=push).status_code == 200  # the same push again: a re-push
    assert [e["session"] for e in restarted.events()] == ["sess-0001"]
    restarted.close()


def test_apps_mount_in_the_users_own_starlette_app(store: Any, serve: Any) -> None:
    """Mounted under a prefix: the routes answer there, and auth-v2 is checked over the full path
    the platform signed."""
    from starlette.applications import Starlette
    from starlette.responses import PlainTextResponse
    from starlette.routing import Mount, Route

    from callcore.sign import Verifier

    async def home(_req: Any) -> PlainTextResponse:
        return PlainTextResponse("the user's own app")

    app = Starlette(routes=[Route("/", home),
                            Mount("/hooks", app=huawei_app(store, bill_verifier=Verifier({"ak": "sk-EXAMPLE"})))])
    base = serve(app)
    assert httpx.get(base + "/").text == "the user's own app"
    assert httpx.post(base + "/hooks/huawei/results", content=HW_SAMPLE).json() == SUCCESS
    with httpx.Client(auth=AuthV2("ak", "sk-EXAMPLE")) as c:
        r = c.post(base + "/hooks/huawei/bill", content=json.dumps(BILL_SAMPLE).encode(),
                   headers={"content-type": "application/json;charset=UTF-8"})
    assert r.status_code == 200, r.text
    assert [e["kind"] for e in store.events()] == ["result", "bill"]


def test_a_push_cannot_rename_its_platform_or_kind(store: Any, serve: Any) -> None:
    base = serve(huawei_app(store))
    item = dict(json.loads(HW_SAMPLE)[0], platform="sccc", kind="billing", received="1970-01-01")
    assert httpx.post(base + "/huawei/results", json=[item]).status_code == 200
    [ev] = _events(store)
    assert (ev["platform"], ev["kind"]) == ("huawei", "result") and ev["received"] != "1970-01-01"
