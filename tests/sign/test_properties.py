"""Hypothesis: the extension agrees with the plain reference on arbitrary requests (unicode in
every field, empty query values, header names that prefix each other, whitespace)."""

from __future__ import annotations

import string

import reference
from hypothesis import given, settings
from hypothesis import strategies as st

from callcore import sign

TOKEN = string.ascii_letters + string.digits + "!#$%&'*+-.^_`|~"
header_names = st.text(TOKEN, min_size=1, max_size=12).filter(lambda n: n.lower() not in ("host", "authorization"))
# any text without CR/LF/NUL; leading and trailing whitespace included on purpose
header_values = st.text(st.characters(blacklist_characters="\r\n\x00", blacklist_categories=("Cs",)), max_size=40)
unicode_text = st.text(st.characters(blacklist_categories=("Cs",)), max_size=60)
timestamps = st.builds(
    lambda y, mo, d, h, mi, s, ms: f"{y:04}-{mo:02}-{d:02}T{h:02}:{mi:02}:{s:02}" + (f".{ms:03}Z" if ms is not None else "Z"),
    st.integers(1970, 2100), st.integers(1, 12), st.integers(1, 28), st.integers(0, 23), st.integers(0, 59), st.integers(0, 59),
    st.none() | st.integers(0, 999),
)


@st.composite
def requests(draw: st.DrawFn) -> dict:
    names = draw(st.lists(header_names, max_size=5, unique_by=str.lower))
    # names that prefix each other, the case where record order and name order differ
    if names and draw(st.booleans()):
        names.append(names[0] + draw(st.sampled_from(["-b", "b", "-", "."])))
        names = list({n.lower(): n for n in names}.values())
    headers = {n: draw(header_values) for n in names}
    headers[draw(st.sampled_from(["host", "Host", "HOST"]))] = draw(header_values)
    return {
        "method": draw(st.sampled_from(["GET", "POST", "PUT", "DELETE", "post"])),
        "uri": "/" + draw(st.text(string.ascii_letters + string.digits + "/_-.", max_size=40)),
        "headers": headers,
        "query": draw(st.none() | st.dictionaries(unicode_text, unicode_text, max_size=4)),
        "body": draw(st.none() | unicode_text | st.binary(max_size=300)),
        "access_key": draw(st.text(st.characters(blacklist_characters="/", blacklist_categories=("Cs",)), min_size=1, max_size=20)),
        "secret_key": draw(unicode_text),
        "timestamp": draw(timestamps),
    }


@settings(max_examples=400, deadline=None)
@given(requests())
def test_matches_reference(r: dict) -> None:
    got = sign.auth_v2(r["method"], r["uri"], headers=r["headers"], access_key=r["access_key"], secret_key=r["secret_key"], timestamp=r["timestamp"], body=r["body"], query=r["query"])
    want = reference.auth_v2(r["method"], r["uri"], r["headers"], r["access_key"], r["secret_key"], r["timestamp"], r["body"], r["query"])
    assert got == want
    assert sign.canonical_request(r["method"], r["uri"], headers=r["headers"], body=r["body"], query=r["query"]) == reference.canonical_request(r["method"], r["uri"], r["headers"], r["body"], r["query"])[1]


@settings(max_examples=200, deadline=None)
@given(requests())
def test_sign_then_verify_round_trips(r: dict) -> None:
    from callcore._core import sign as core

    auth = sign.auth_v2(r["method"], r["uri"], headers=r["headers"], access_key=r["access_key"], secret_key=r["secret_key"], timestamp=r["timestamp"], body=r["body"], query=r["query"])
    v = sign.Verifier({r["access_key"]: r["secret_key"]}, max_skew=None)
    received = dict(r["headers"], Authorization=auth)
    body = r["body"].encode() if isinstance(r["body"], str) else (r["body"] or b"")
    assert v.verify(r["method"].upper(), r["uri"], headers=received, body=body, query=r["query"]) == r["access_key"]
    # the timestamp goes in verbatim and parses back
    assert core.format_timestamp(core.parse_timestamp(r["timestamp"]), len(r["timestamp"]) == 24) == r["timestamp"]


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=200))
def test_normalize_escapes_exactly_the_reserved_bytes(data: bytes) -> None:
    canon = sign.canonical_request("POST", "/", headers={"host": "h"}, body=data)
    assert canon.split("\n")[-1] == reference.normalize(data)
