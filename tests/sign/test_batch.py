"""auth_v2_many copies the requests out of their Python objects a chunk at a time (4,096) and signs
each chunk on other threads while the next is copied: batches across chunk boundaries, every kind
of input the single call takes, and the error of a request in a later chunk."""

from __future__ import annotations

from collections.abc import Iterator, Mapping

import pytest

from callcore import sign

AK, SK, TS = "ak-batch", "sk-batch-secret", "2018-10-17T11:48:24.000Z"
CHUNK = 4096


class Headers(Mapping[str, str]):
    """A mapping that is not a dict: read through ``.items()``."""

    def __init__(self, d: dict[str, str]) -> None:
        self.d = d

    def __getitem__(self, k: str) -> str:
        return self.d[k]

    def __iter__(self) -> Iterator[str]:
        return iter(self.d)

    def __len__(self) -> int:
        return len(self.d)


def request(i: int) -> tuple:  # type: ignore[type-arg]
    """Request i: bodies as bytes, str, bytearray or none, queries on some, mapping kinds mixed."""
    body: object = [b'{"n":%d}' % i, f'{{"名":"客户{i}"}}', bytearray(b"x" * (i % 7)), None][i % 4]
    headers = {"Host": "10.0.0.1:28080", "Content-Type": "application/json", "X-N": str(i)}
    req: list[object] = ["post" if i % 5 == 0 else "POST", f"/rest/p/{i}", Headers(headers) if i % 3 == 0 else headers]
    if i % 4 != 3 or i % 8 == 3:
        req.append(body)
    if i % 6 == 0:
        if len(req) == 3:
            req.append(None)
        req.append({"page": str(i), "q": "a b&c"})
    return tuple(req)


def single(req: tuple) -> str:  # type: ignore[type-arg]
    method, uri, headers, *rest = req
    body = rest[0] if rest else None
    query = rest[1] if len(rest) > 1 else None
    if isinstance(body, bytearray):
        body = bytes(body)
    return sign.auth_v2(method, uri, headers=headers, access_key=AK, secret_key=SK, timestamp=TS, body=body, query=query)


@pytest.mark.parametrize("n", [0, 1, CHUNK - 1, CHUNK, CHUNK + 1, 2 * CHUNK + 17])
def test_batch_matches_single_calls_across_chunks(n: int) -> None:
    reqs = [request(i) for i in range(n)]
    got = sign.auth_v2_many(reqs, access_key=AK, secret_key=SK, timestamp=TS)
    assert got == [single(r) for r in reqs]


def test_a_generator_is_taken_too() -> None:
    n = CHUNK + 5
    got = sign.auth_v2_many((request(i) for i in range(n)), access_key=AK, secret_key=SK, timestamp=TS)
    assert got == [single(request(i)) for i in range(n)]


def test_a_bad_request_in_a_later_chunk_is_named() -> None:
    reqs = [request(i) for i in range(2 * CHUNK + 10)]
    reqs[CHUNK + 3] = ("POST", "/p", {"x": "y"})  # no host
    with pytest.raises(sign.SignError, match=rf"requests\[{CHUNK + 3}\]: headers: 'host' is missing"):
        sign.auth_v2_many(reqs, access_key=AK, secret_key=SK, timestamp=TS)
    reqs[CHUNK + 3] = ("POST", "/p", {"host": 1})
    with pytest.raises(TypeError, match=rf"requests\[{CHUNK + 3}\]: headers: the value of \"host\" must be a str"):
        sign.auth_v2_many(reqs, access_key=AK, secret_key=SK, timestamp=TS)


def test_shared_arguments_are_checked_before_the_requests() -> None:
    reqs = [request(0), ("POST", "/p", {"host": 1})]
    with pytest.raises(sign.SignError, match="access_key"):
        sign.auth_v2_many(reqs, access_key="a/b", secret_key=SK, timestamp=TS)
    with pytest.raises(sign.SignError, match="timestamp"):
        sign.auth_v2_many(reqs, access_key=AK, secret_key=SK, timestamp="yesterday")
