"""auth-v2 signing: callcore against the pure-Python implementation, same run.

Targets (issue 2): one call >= 10x pure Python at a 200-byte body; the batch call >= 500,000
signatures/s on 2 cores; cost linear in body size."""

from __future__ import annotations

import itertools
import json
import random

import pytest
from peers import sign_pure

from callcore import sign

AK, SK, TS = "globalaktest", "EXAMPLE-SK-NOT-FROM-SEED", "2018-10-17T11:48:24.000Z"
URI = "/rest/isales/v1/openapi/campaigns/1/callData"


def body_of(size: int) -> bytes:
    rnd = random.Random(size)
    rows = []
    while len(json.dumps(rows)) < size:
        rows.append({"called": f"1{rnd.randrange(3, 10)}{rnd.randrange(10**9):09d}", "callData": "客户 VIP"})
    return json.dumps(rows, ensure_ascii=False).encode()[:size]


def headers_for(body: bytes) -> dict[str, str]:
    return {"host": "10.22.26.181:28080", "content-type": "application/json;charset=UTF-8", "content-length": str(len(body))}


@pytest.mark.parametrize("size", [100, 200, 1000, 10_000])
@pytest.mark.parametrize("impl", ["callcore", "pure-python"])
def test_auth_v2_single(measure, impl: str, size: int) -> None:  # type: ignore[no-untyped-def]
    body = body_of(size)
    headers = headers_for(body)
    ours = sign.auth_v2("POST", URI, headers=headers, access_key=AK, secret_key=SK, timestamp=TS, body=body)
    assert sign_pure.auth_v2("POST", URI, headers, AK, SK, TS, body) == ours
    if impl == "callcore":
        measure(f"auth_v2 one call, {size} B body", impl, lambda: sign.auth_v2("POST", URI, headers=headers, access_key=AK, secret_key=SK, timestamp=TS, body=body), unit="sig")
    else:
        measure(f"auth_v2 one call, {size} B body", impl, lambda: sign_pure.auth_v2("POST", URI, headers, AK, SK, TS, body), unit="sig")


@pytest.mark.parametrize("impl", ["callcore", "pure-python"])
def test_auth_v2_fresh_timestamp(measure, impl: str) -> None:  # type: ignore[no-untyped-def]
    """Every call with a different timestamp, so no SigningKey is reused: the worst case."""
    body = body_of(200)
    headers = headers_for(body)
    stamps = itertools.cycle([f"2018-10-17T11:{m:02}:{s:02}.{ms:03}Z" for m in range(60) for s in range(60) for ms in (0, 500)])
    if impl == "callcore":
        measure("auth_v2 one call, 200 B, new timestamp", impl, lambda: sign.auth_v2("POST", URI, headers=headers, access_key=AK, secret_key=SK, timestamp=next(stamps), body=body), unit="sig")
    else:
        measure("auth_v2 one call, 200 B, new timestamp", impl, lambda: sign_pure.auth_v2("POST", URI, headers, AK, SK, next(stamps), body), unit="sig")


@pytest.mark.parametrize("impl", ["callcore", "pure-python"])
def test_auth_v2_batch(measure, impl: str) -> None:  # type: ignore[no-untyped-def]
    n = 100_000
    reqs = []
    for i in range(n):
        body = b'{"called":"138%08d","callData":"x"}' % i
        reqs.append(("POST", URI, headers_for(body), body))
    if impl == "callcore":
        measure("auth_v2 batch of 100k, ~40 B bodies", impl, lambda: sign.auth_v2_many(reqs, access_key=AK, secret_key=SK, timestamp=TS), per=n, unit="sig", rounds=7)
    else:
        sample = reqs[:5000]
        measure("auth_v2 batch of 100k, ~40 B bodies", impl, lambda: [sign_pure.auth_v2(m, u, h, AK, SK, TS, b) for m, u, h, b in sample], per=len(sample), unit="sig", rounds=5)
