"""Known-answer vectors (tests/data/sign/vectors.json) through the public Python API."""

from __future__ import annotations

import reference

from callcore import sign


def test_auth_v2_vectors(vectors: dict) -> None:
    assert len(vectors["auth_v2"]) == 3
    for v in vectors["auth_v2"]:
        got = sign.auth_v2(
            v["method"], v["uri"], headers=v["headers"], access_key=v["access_key"], secret_key=v["secret_key"],
            timestamp=v["timestamp"], body=v["body"], query=v["query"],
        )
        assert got == v["authorization"], v["name"]
        assert sign.canonical_request(v["method"], v["uri"], headers=v["headers"], body=v["body"], query=v["query"]) == v["canonical_request"]
        # the plain reference agrees on the published vectors too, so it is a fair oracle
        assert reference.auth_v2(v["method"], v["uri"], v["headers"], v["access_key"], v["secret_key"], v["timestamp"], v["body"], v["query"]) == v["authorization"]


def test_body_as_bytes_or_str_is_the_same(vectors: dict) -> None:
    v = vectors["auth_v2"][0]
    kw = dict(headers=v["headers"], access_key=v["access_key"], secret_key=v["secret_key"], timestamp=v["timestamp"])
    assert sign.auth_v2("POST", v["uri"], body=v["body"].encode(), **kw) == sign.auth_v2("POST", v["uri"], body=v["body"], **kw)
    assert sign.auth_v2("POST", v["uri"], body=bytearray(v["body"].encode()), **kw) == v["authorization"]


def test_batch_equals_single(vectors: dict) -> None:
    v = vectors["auth_v2"][1]
    reqs = [(v["method"], v["uri"], v["headers"], v["body"])] * 3000
    got = sign.auth_v2_many(reqs, access_key=v["access_key"], secret_key=v["secret_key"], timestamp=v["timestamp"])
    assert got == [v["authorization"]] * 3000
    q = vectors["auth_v2"][2]
    got = sign.auth_v2_many([(q["method"], q["uri"], q["headers"], None, q["query"])], access_key=q["access_key"], secret_key=q["secret_key"], timestamp=q["timestamp"])
    assert got == [q["authorization"]]


def test_datetime_timestamp(vectors: dict) -> None:
    from datetime import datetime, timedelta, timezone

    v = vectors["auth_v2"][1]
    beijing = timezone(timedelta(hours=8))
    when = datetime(2018, 10, 17, 19, 48, 24, tzinfo=beijing)  # 11:48:24Z
    got = sign.auth_v2(v["method"], v["uri"], headers=v["headers"], access_key=v["access_key"], secret_key=v["secret_key"], timestamp=when, body=v["body"])
    assert got == v["authorization"]
    got = sign.auth_v2(v["method"], v["uri"], headers=v["headers"], access_key=v["access_key"], secret_key=v["secret_key"], timestamp=when, body=v["body"], millis=False)
    assert got == vectors["auth_v2"][0]["authorization"]
    assert sign.format_timestamp(datetime(2021, 8, 31, 9, 38, 50, 872000, tzinfo=timezone.utc)) == "2021-08-31T09:38:50.872Z"


def test_default_timestamp_is_now() -> None:
    import time

    auth = sign.auth_v2("POST", "/x", headers={"host": "h"}, access_key="ak", secret_key="sk")
    ak, ts, signed, sig = sign.parse_authorization(auth)
    assert (ak, signed, len(sig)) == ("ak", ["host"], 64)
    from callcore._core import sign as core

    assert abs(core.parse_timestamp(ts) / 1000 - time.time()) < 60
    assert len(ts) == 24  # with millis
    no_ms = sign.auth_v2("POST", "/x", headers={"host": "h"}, access_key="ak", secret_key="sk", millis=False)
    assert len(sign.parse_authorization(no_ms)[1]) == 20


def test_sccc_vectors(vectors: dict) -> None:
    for v in vectors["sccc_digest"]:
        assert sign.sccc_digest(v["customer"], v["timestamp"], v["seq"], v["password"]) == v["digest"]
        assert sign.sccc_digest(v["customer"], int(v["timestamp"]), int(v["seq"]), v["password"]) == v["digest"]


def test_callback_vectors(vectors: dict) -> None:
    from callcore._core import sign as core

    for v in vectors["callback_signature"]:
        body = dict(v["body"])
        params = {k: x for k, x in body.items() if k not in ("timestamp", "nonce")}
        assert sign.callback_signature(v["secret"], body["timestamp"], body["nonce"], params) == v["signature"]
        prefix = f'{v["secret"]}_{body["timestamp"]}_{body["nonce"]}_'
        assert prefix + core.callback_parameter_string(sign._callback_params(params)) == v["string_to_sign"]
        body["signature"] = v["signature"]
        sign.verify_callback_signature(v["secret"], body)
