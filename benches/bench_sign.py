"""auth-v2 signing: callcore against the pure-Python implementation, same run.

Targets (issue 15): one call with a 200-byte body >= 15x pure Python, reported beside its floor
(the SHA-256 blocks a signature hashes + one Python call with the same arguments); the batch call
>= 1.5M signatures/s on 2 cores with the GIL released for the signing (another thread's share of
the GIL during the batch is reported); cost linear in body size."""

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


def _sha256_block_seconds() -> float:
    """Seconds per 64-byte SHA-256 block on this machine (hashlib, i.e. OpenSSL, which uses SHA-NI
    where the CPU has it, as callcore's sha2 does): a 1 MiB hash, so the call costs nothing."""
    import hashlib
    import time

    data = bytes(1 << 20)
    best = float("inf")
    for _ in range(20):
        t = time.perf_counter()
        hashlib.sha256(data).digest()
        best = min(best, time.perf_counter() - t)
    return best / (len(data) // 64)


def _blocks_hashed(canonical_len: int) -> int:
    """SHA-256 blocks one signature hashes with the SigningKey's HMAC states already keyed (the
    single call and the batch both reuse them within one timestamp): the inner hash over the
    CanonicalRequest (plus padding: 9 bytes at least) and the outer hash over the 32-byte inner
    digest (one block)."""
    return -(-(canonical_len + 9) // 64) + 1


def test_auth_v2_floor(measure, record) -> None:  # type: ignore[no-untyped-def]
    """The floor of one call with a 200 B body: the SHA-256 blocks it must hash, plus one Python
    call of a C function with the same seven arguments (``dict``, which only stores them)."""
    body = body_of(200)
    headers = headers_for(body)
    canonical = sign.canonical_request("POST", URI, headers=headers, body=body).encode()
    measure("auth_v2 floor parts: a C call, 7 arguments", "dict(...)", lambda: dict(
        method="POST", uri=URI, headers=headers, access_key=AK, secret_key=SK, timestamp=TS, body=body), unit="call")
    from conftest import _MEDIANS

    call_s = _MEDIANS["auth_v2 floor parts: a C call, 7 arguments"]["dict(...)"][0]
    block_s = _sha256_block_seconds()
    blocks = _blocks_hashed(len(canonical))
    record("auth_v2 one call, 200 B body", "floor: SHA-256 + call", blocks * block_s + call_s, "sig")
    record.note(f"auth_v2 200 B floor: {blocks} SHA-256 blocks x {block_s * 1e9:.0f} ns + one 7-argument C call "
                f"{call_s * 1e9:.0f} ns = {(blocks * block_s + call_s) * 1e6:.2f} µs")
    n_batch_blocks = _blocks_hashed(len(sign.canonical_request("POST", URI, headers=headers_for(b"x" * 36), body=b"x" * 36)))
    cores = len(__import__("os").sched_getaffinity(0))
    record("auth_v2 batch of 100k, ~40 B bodies", f"floor: SHA-256 on {cores} cores", n_batch_blocks * block_s / cores, "sig")


def test_auth_v2_batch_leaves_the_gil(measure, record) -> None:  # type: ignore[no-untyped-def]
    """How much another Python thread runs while auth_v2_many signs 100k requests: its counting
    rate during the batches over its rate alone (100% = the batch never holds the GIL)."""
    import threading
    import time

    n = 100_000
    reqs = []
    for i in range(n):
        body = b'{"called":"138%08d","callData":"x"}' % i
        reqs.append(("POST", URI, headers_for(body), body))
    count = [0]
    stop = threading.Event()

    def counter() -> None:
        while not stop.is_set():
            count[0] += 1

    t = threading.Thread(target=counter)
    t.start()
    try:
        time.sleep(0.1)
        c0, t0 = count[0], time.perf_counter()
        time.sleep(0.5)
        alone = (count[0] - c0) / (time.perf_counter() - t0)
        c0, t0 = count[0], time.perf_counter()
        measure("auth_v2 batch of 100k, another thread counting", "callcore",
                lambda: sign.auth_v2_many(reqs, access_key=AK, secret_key=SK, timestamp=TS), per=n, unit="sig", rounds=5)
        during = (count[0] - c0) / (time.perf_counter() - t0)
    finally:
        stop.set()
        t.join()
    record.note(f"auth_v2_many, 100k requests: another Python thread ran at {100 * during / alone:.0f}% of its rate "
                f"alone during the batches (the GIL is held only to copy the requests and make the results)")
