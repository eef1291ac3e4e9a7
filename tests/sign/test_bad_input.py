"""Every bad input gets a clear error naming it, and no secret appears in any message or repr."""

from __future__ import annotations

from datetime import datetime

import pytest

from callcore import sign
from callcore.sign.httpx_auth import AuthV2
from callcore.sign.tokens import BearerAuth, HL95OAuthToken, HuaweiAkSkToken

SECRET = "TOP-SECRET-VALUE-123"
OK = dict(access_key="ak", secret_key=SECRET, timestamp="2018-10-17T11:48:24Z")


def sign_with(headers: object, **kw: object) -> str:
    args = dict(OK, **kw)
    return sign.auth_v2("POST", "/p", headers=headers, **args)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("headers", "kw", "exc", "fragment"),
    [
        ({"content-type": "x"}, {}, sign.SignError, "'host' is missing"),
        ({"host": "h", "Authorization": "x"}, {}, sign.SignError, "'authorization' must not be"),
        ({"Host": "h", "host": "h2"}, {}, sign.SignError, "same header name"),
        ({"host": "h", "Content-Length": 22}, {}, TypeError, "'Content-Length' must be a str, got int"),
        ({"host": "h", 7: "x"}, {}, TypeError, "every name must be a str"),
        ({"host": "h"}, {"timestamp": "2018-10-17 11:48:24"}, sign.SignError, "'2018-10-17 11:48:24' is not a UTC auth-v2 timestamp"),
        ({"host": "h"}, {"timestamp": datetime(2018, 10, 17)}, sign.SignError, "naive datetime"),
        ({"host": "h"}, {"timestamp": 1539776904}, sign.SignError, "expected str, datetime or None, got int"),
        ({"host": "h\r\nX-Evil: 1"}, {}, sign.SignError, "contains CR, LF or NUL"),
        ({"host": "h", "bad name": "x"}, {}, sign.SignError, "invalid header name 'bad name'"),
        ({"host": "h"}, {"access_key": "a/b"}, sign.SignError, "access_key"),
        ({"host": "h"}, {"body": 12}, TypeError, "body: expected bytes, str or None, got int"),
        ({"host": "h"}, {"query": {"a": 1}}, TypeError, "query: the value of 'a' must be a str"),
        ("host: h", {}, TypeError, "headers: expected a mapping"),
    ],
)
def test_bad_input_is_named(headers: object, kw: dict, exc: type, fragment: str) -> None:
    with pytest.raises(exc) as info:
        sign_with(headers, **kw)
    assert fragment in str(info.value).replace("\"", "'")
    assert SECRET not in str(info.value)


def test_bad_uri() -> None:
    with pytest.raises(sign.SignError, match="pass the query parameters separately"):
        sign.auth_v2("GET", "/p?x=1", headers={"host": "h"}, **OK)
    with pytest.raises(sign.SignError, match="pass only the path"):
        sign.auth_v2("GET", "https://h/p", headers={"host": "h"}, **OK)
    with pytest.raises(sign.SignError, match="method"):
        sign.auth_v2("PO ST", "/p", headers={"host": "h"}, **OK)


def test_batch_names_the_bad_request() -> None:
    good = ("POST", "/p", {"host": "h"}, b"{}")
    with pytest.raises(sign.SignError, match=r"requests\[2\]: headers: 'host' is missing"):
        sign.auth_v2_many([good, good, ("POST", "/p", {"x": "y"})], access_key="ak", secret_key=SECRET)
    with pytest.raises(TypeError, match=r"requests\[1\]: expected a tuple"):
        sign.auth_v2_many([good, ["POST", "/p", {}]], access_key="ak", secret_key=SECRET)
    with pytest.raises(TypeError, match=r"requests\[0\]: headers: the value of \"host\" must be a str"):
        sign.auth_v2_many([("POST", "/p", {"host": None})], access_key="ak", secret_key=SECRET)


def test_other_schemes_bad_input() -> None:
    with pytest.raises(sign.SignError, match="seq"):
        sign.sccc_digest("C2", 1, "12a", SECRET)
    with pytest.raises(sign.SignError, match="customer"):
        sign.sccc_authentication("C 2", SECRET)
    with pytest.raises(sign.SignError, match="sa_password"):
        sign.babaihu_params("100008800", "not-hex")


def test_secrets_never_in_reprs() -> None:
    objs = [
        AuthV2("ak", SECRET),
        HuaweiAkSkToken("https://x", "appkey", SECRET),
        HL95OAuthToken("https://x", "client", SECRET),
        BearerAuth(HL95OAuthToken("https://x", "client", SECRET)),
        sign.Verifier({"ak": SECRET}),
    ]
    for o in objs:
        assert SECRET not in repr(o) and SECRET not in str(o)
