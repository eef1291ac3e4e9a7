"""The Verifier: each failure mode is its own exception type; tampering with any signed byte
is caught."""

from __future__ import annotations

import pytest

from callcore import sign

SK = "EXAMPLE-SK-NOT-FROM-SEED"
TS = "2018-10-17T11:48:24.000Z"
NOW = 1539776904.0
HEADERS = {"Host": "10.22.26.181:28080", "Content-Length": "22", "Content-Type": "application/json;charset=UTF-8"}
BODY = b'{"say":"Hello world!"}'
QUERY = {"pageSize": "10", "pageNum": "1"}


def signed(**kw: object) -> dict[str, str]:
    args: dict = dict(headers=HEADERS, access_key="globalaktest", secret_key=SK, timestamp=TS, body=BODY, query=QUERY)
    args.update(kw)
    return dict(HEADERS, Authorization=sign.auth_v2("POST", "/rest/cmsapp/v1/ping", **args))


def verify(headers: dict[str, str], body: bytes = BODY, query: dict | None = QUERY, uri: str = "/rest/cmsapp/v1/ping", method: str = "POST", now: float = NOW, v: sign.Verifier | None = None) -> str:
    v = v or sign.Verifier({"globalaktest": SK})
    return v.verify(method, uri, headers=headers, body=body, query=query, now=now)


def test_accepts() -> None:
    assert verify(signed()) == "globalaktest"
    # a callable secret store, and header pairs as a server framework hands them over
    v = sign.Verifier(lambda ak: SK if ak == "globalaktest" else None)
    assert v.verify("POST", "/rest/cmsapp/v1/ping", headers=list(signed().items()), body=BODY, query=QUERY, now=NOW) == "globalaktest"


def test_each_failure_has_its_type() -> None:
    with pytest.raises(sign.UnknownAccessKey, match='"globalaktest"'):
        verify(signed(), v=sign.Verifier({"other": SK}))
    with pytest.raises(sign.ClockSkew) as info:
        verify(signed(), now=NOW + 3600)
    assert info.value.skew_seconds == pytest.approx(-3600)
    assert "behind" in str(info.value)
    with pytest.raises(sign.MalformedAuthorization):
        verify(dict(HEADERS, Authorization="Bearer abc"))
    with pytest.raises(sign.MalformedAuthorization, match="no Authorization header"):
        verify(HEADERS)
    h = signed(headers={"Content-Type": HEADERS["Content-Type"], "Host": HEADERS["Host"]})
    h["Authorization"] = h["Authorization"].replace("/content-type;host/", "/content-type/")
    with pytest.raises(sign.UnsignedHost):
        verify(h)
    with pytest.raises(sign.SignatureMismatch):
        verify(signed(), v=sign.Verifier({"globalaktest": SK + "x"}))
    for exc in (sign.UnknownAccessKey, sign.ClockSkew, sign.MalformedAuthorization, sign.UnsignedHost, sign.SignatureMismatch):
        assert issubclass(exc, sign.AuthError)


def test_tampering_with_any_signed_byte_is_rejected() -> None:
    good = signed()
    # every byte of the body
    for i in range(len(BODY)):
        tampered = BODY[:i] + bytes([BODY[i] ^ 1]) + BODY[i + 1 :]
        with pytest.raises(sign.SignatureMismatch):
            verify(good, body=tampered)
    # every signed header value, the path, the method, the query
    for name in HEADERS:
        with pytest.raises(sign.SignatureMismatch):
            verify(dict(good, **{name: good[name] + "0"}))
    with pytest.raises(sign.SignatureMismatch):
        verify(good, uri="/rest/cmsapp/v1/pinG")
    with pytest.raises(sign.SignatureMismatch):
        verify(good, method="PUT")
    with pytest.raises(sign.SignatureMismatch):
        verify(good, query={"pageSize": "10", "pageNum": "2"})
    with pytest.raises(sign.SignatureMismatch):
        verify(good, query=None)
    # every character of the signature and of the timestamp
    auth = good["Authorization"]
    for i in range(len(auth) - 64, len(auth)):
        flipped = auth[:i] + ("0" if auth[i] != "0" else "1") + auth[i + 1 :]
        with pytest.raises(sign.SignatureMismatch):
            verify(dict(good, Authorization=flipped))
    with pytest.raises(sign.SignatureMismatch):
        verify(dict(good, Authorization=auth.replace(TS, "2018-10-17T11:48:24.001Z")))


def test_unsigned_headers_may_change_but_signed_ones_must_be_present() -> None:
    good = signed()
    assert verify(dict(good, Accept="*/*", **{"User-Agent": "x"})) == "globalaktest"
    h = dict(good)
    del h["Content-Length"]
    with pytest.raises(sign.SignatureMismatch, match="'content-length'|\"content-length\" is not in the request"):
        verify(h)
    pairs = list(good.items()) + [("host", "evil:1")]
    with pytest.raises(sign.MalformedAuthorization, match="more than once"):
        sign.Verifier({"globalaktest": SK}).verify("POST", "/rest/cmsapp/v1/ping", headers=pairs, body=BODY, query=QUERY, now=NOW)


def test_parse_authorization() -> None:
    ak, ts, names, sig = sign.parse_authorization(signed()["Authorization"])
    assert (ak, ts, names, len(sig)) == ("globalaktest", TS, ["content-length", "content-type", "host"], 64)
    for bad in ["", "auth-v2/", "auth-v2/ak/ts/host/" + "0" * 64, "auth-v2/ak/" + TS + "/host/xyz", "auth-v1/ak/" + TS + "/host/" + "0" * 64, "auth-v2/ak/" + TS + "/Host/" + "0" * 64]:
        with pytest.raises(sign.MalformedAuthorization):
            sign.parse_authorization(bad)
