"""Request signing and verification for the platforms' auth schemes.

The algorithms and every choice between contradicting seed readings are documented in
``shared/notes/auth.md``; the Rust core (``rust/sign/``) cites the sections it follows.

* :func:`auth_v2`, :func:`canonical_request`, :func:`auth_v2_many`: Huawei CEC AK/SK signing
  (CC-CMS, CC-iSales, CC-FS, CC-iKBS), byte-exact with the vendor demo.
* :class:`Verifier`: the server side of auth-v2, also for CC-FS callbacks, which CC-FS signs.
* :func:`sccc_digest`, :func:`sccc_authentication`, :func:`verify_sccc_authentication`: SCCC.
* :func:`babaihu_params`: 八百呼 ``sa_user``/``sa_password``.
* :func:`callback_signature`, :func:`verify_callback_signature`: Huawei AICC callbacks.
* :func:`chatbot_checksum`: ODFS third-party chatbot login.
* :mod:`callcore.sign.httpx_auth` and :mod:`callcore.sign.tokens`: ``httpx`` integration.
"""

from __future__ import annotations

import itertools
import json
import random
import re
import threading
import time
from collections.abc import Callable, Iterable, Mapping
from datetime import datetime
from typing import Any

from callcore._core import sign as _core

SignError = _core.SignError
AuthError = _core.AuthError
MalformedAuthorization = _core.MalformedAuthorization
UnknownAccessKey = _core.UnknownAccessKey
ClockSkew = _core.ClockSkew
UnsignedHost = _core.UnsignedHost
SignatureMismatch = _core.SignatureMismatch

__all__ = [
    "AuthError",
    "ClockSkew",
    "MalformedAuthorization",
    "SignError",
    "SignatureMismatch",
    "UnknownAccessKey",
    "UnsignedHost",
    "Verifier",
    "auth_v2",
    "auth_v2_many",
    "babaihu_params",
    "callback_signature",
    "canonical_request",
    "chatbot_checksum",
    "format_timestamp",
    "parse_authorization",
    "sccc_authentication",
    "sccc_digest",
    "verify_callback_signature",
    "verify_sccc_authentication",
]

Timestamp = str | datetime | None
Body = bytes | str | None


def format_timestamp(when: datetime, *, millis: bool = True) -> str:
    """Format an aware ``datetime`` as an auth-v2 timestamp in UTC.

    ``yyyy-MM-ddTHH:mm:ss.SSSZ`` with ``millis`` (CC-CMS, CC-iSales, CC-FS; seed 4.3), else
    ``yyyy-MM-ddTHH:mm:ssZ`` (CC-iKBS; seed 9.1.2). A naive datetime is refused: its zone would be
    a guess, and a guess that is off by eight hours fails every request.
    """
    return _core.format_datetime(when, millis)


def _timestamp_text(timestamp: Timestamp, millis: bool) -> str | None:
    if timestamp is None or isinstance(timestamp, str):
        return timestamp
    return format_timestamp(timestamp, millis=millis)


# ``auth_v2`` is the extension's function itself, called with no Python frame in between (the
# hot path: a wrapper would cost a tenth of a signature). Its docstring and keyword-only
# signature live in rust/bindings/sign.rs, its types in _core.pyi:
#   auth_v2(method, uri, *, headers, access_key, secret_key, timestamp=None, body=None,
#           query=None, millis=True) -> str
auth_v2 = _core.auth_v2


def canonical_request(
    method: str,
    uri: str,
    *,
    headers: Mapping[str, str],
    body: Body = None,
    query: Mapping[str, str] | None = None,
) -> str:
    """The auth-v2 CanonicalRequest of a request: what the signature is computed over.

    Useful to compare with a server's log when a signature is refused.
    """
    return _core.canonical_request(method, uri, headers, body, query)


def auth_v2_many(
    requests: Iterable[tuple[Any, ...]],
    *,
    access_key: str,
    secret_key: str,
    timestamp: Timestamp = None,
    millis: bool = True,
) -> list[str]:
    """Sign many requests in parallel on all cores, with the GIL released.

    Each request is a tuple ``(method, uri, headers[, body[, query]])``. All share the key pair
    and one timestamp (now, by default). Returns the Authorization values in input order. A bad
    request raises :class:`SignError` naming its index (``requests[17]: ...``).
    """
    return _core.auth_v2_many(requests, access_key, secret_key, _timestamp_text(timestamp, millis), millis)


def parse_authorization(authorization: str) -> tuple[str, str, list[str], str]:
    """Split an auth-v2 value into (access key, timestamp, signed header names, signature).

    Raises :class:`MalformedAuthorization` when it is not one.
    """
    ak, ts, signed, sig = _core.parse_authorization(authorization)
    return ak, ts, signed.split(";"), sig


class Verifier:
    """Verifies auth-v2 signed requests, as a server or as the receiver of CC-FS callbacks.

    ``secrets`` maps access keys to secret keys, or is a callable returning the secret (or
    ``None``) for an access key, e.g. a database lookup. ``max_skew`` is the allowed distance in
    seconds between the signed timestamp and this machine's clock; the seeds state none, and
    15 minutes is the usual window for HMAC request signing. ``None`` turns the check off
    (replaying recorded traffic).

    Failures raise distinct :class:`AuthError` subclasses: :class:`MalformedAuthorization`,
    :class:`UnknownAccessKey`, :class:`ClockSkew` (with ``.skew_seconds``),
    :class:`UnsignedHost`, :class:`SignatureMismatch`. Signatures are compared in constant time.
    """

    def __init__(
        self,
        secrets: Mapping[str, str] | Callable[[str], str | None],
        *,
        max_skew: float | None = 900.0,
    ) -> None:
        if not (callable(secrets) or hasattr(secrets, "get")):
            raise TypeError("secrets: expected a mapping or a callable from access key to secret")
        self._secrets = secrets
        self.max_skew = max_skew

    def __repr__(self) -> str:
        kind = "callable" if callable(self._secrets) else f"{len(self._secrets)} access keys"  # type: ignore[arg-type]
        return f"Verifier({kind}, max_skew={self.max_skew})"

    def verify(
        self,
        method: str,
        uri: str,
        *,
        headers: Mapping[str, str] | Iterable[tuple[str, str]],
        body: Body = b"",
        query: Mapping[str, str] | None = None,
        authorization: str | None = None,
        now: float | None = None,
    ) -> str:
        """Verify one request and return its access key.

        ``uri`` is the path exactly as it arrived, still percent-encoded (``/a/%E6%95%B0``); a
        server should rather call :meth:`verify_target` or :meth:`verify_asgi`, which take it from
        the request line. ``query`` holds the decoded values. ``headers`` are the request's
        headers as received (a mapping, or (name, value) pairs when a name may repeat).
        ``authorization`` defaults to the ``Authorization`` header.
        ``now`` (Unix seconds) defaults to this machine's clock.
        """
        pairs = list(headers.items()) if isinstance(headers, Mapping) else list(headers)
        if authorization is None:
            found = [v for k, v in pairs if isinstance(k, str) and k.lower() == "authorization"]
            if len(found) != 1:
                raise MalformedAuthorization(
                    "no Authorization header" if not found else "more than one Authorization header"
                )
            authorization = found[0]
        max_skew_ms = None if self.max_skew is None else int(self.max_skew * 1000)
        now_ms = None if now is None else int(now * 1000)
        ak, _ts = _core.verify_auth_v2(
            authorization, method, uri, _PairMapping(pairs), self._secrets, body, query, now_ms, max_skew_ms
        )
        return ak

    def verify_target(
        self,
        method: str,
        target: str | bytes,
        *,
        headers: Mapping[str, str] | Iterable[tuple[str, str]],
        body: Body = b"",
        authorization: str | None = None,
        now: float | None = None,
    ) -> str:
        """Verify one request from its request-target exactly as it arrived on the wire.

        ``target`` is the path and query of the request line (``/a/%E6%95%B0?x=1``), not
        decoded. The signer put the path into its CanonicalRequest as it sent it (the demo
        appends ``uri`` unchanged, 001:1442; auth.md 4.2.3 step 8), so the path is verified raw:
        decoding it first would turn ``%20`` into a space that no signer signed. The query is
        split here and its values decoded, because the signer signs decoded values (auth.md 4.2.3
        step 5). A query key given twice is refused: auth-v2 signs a map (a demo ``Map<String,
        String>``), so a second value could ride along unsigned.

        This is what a server should call; :meth:`verify` is for callers that already hold the
        parts. :meth:`verify_asgi` does it for an ASGI scope.
        """
        raw = target.encode("latin-1") if isinstance(target, str) else bytes(target)
        path, sep, query_bytes = raw.partition(b"?")
        if not path.startswith(b"/"):
            raise MalformedAuthorization(f"request target {raw[:200]!r}: must start with '/'")
        try:
            uri = path.decode("ascii")
        except UnicodeDecodeError:
            raise MalformedAuthorization(
                "request target: the path holds raw non-ASCII bytes; a client percent-encodes them"
            ) from None
        query = _decode_query(query_bytes) if sep else {}
        return self.verify(method, uri, headers=headers, body=body, query=query or None,
                           authorization=authorization, now=now)

    def verify_asgi(self, scope: Mapping[str, Any], body: Body = b"", *, now: float | None = None) -> str:
        """Verify the request of an ASGI HTTP ``scope`` (its ``raw_path`` and ``query_string``,
        the bytes as received, and every header pair, repeats kept)."""
        raw_path = scope.get("raw_path")
        if raw_path is None:
            # ASGI makes raw_path optional; re-encoding the decoded path is the best a server
            # without it can do (uvicorn and hypercorn both provide it).
            from urllib.parse import quote

            raw_path = quote(scope["path"], safe="/!$&'()*+,;=:@~-._").encode("ascii")
        qs = scope.get("query_string") or b""
        target = bytes(raw_path) + (b"?" + bytes(qs) if qs else b"")
        headers = [(k.decode("latin-1"), v.decode("latin-1")) for k, v in scope.get("headers", [])]
        return self.verify_target(scope["method"], target, headers=headers, body=body, now=now)


def _decode_query(raw: bytes) -> dict[str, str]:
    """Decoded query map of a raw query string; a repeated key is an error (see verify_target)."""
    from urllib.parse import unquote_plus

    out: dict[str, str] = {}
    for item in raw.split(b"&"):
        if not item:
            continue
        k, _, v = item.partition(b"=")
        try:
            key = unquote_plus(k.decode("ascii"), errors="strict")
            value = unquote_plus(v.decode("ascii"), errors="strict")
        except UnicodeError:
            raise MalformedAuthorization(f"query item {item[:100]!r}: not percent-encoded UTF-8") from None
        if key in out:
            raise MalformedAuthorization(f"query: key {key!r} is given more than once; auth-v2 signs one value each")
        out[key] = value
    return out


class _PairMapping:
    """A list of header pairs with the ``.items()`` the core reads (names may repeat)."""

    __slots__ = ("_pairs",)

    def __init__(self, pairs: list[tuple[str, str]]) -> None:
        self._pairs = pairs

    def items(self) -> list[tuple[str, str]]:
        return self._pairs


# --- SCCC ---------------------------------------------------------------------------------

_sccc_seq = itertools.count(random.randrange(1, 1 << 30))
_sccc_seq_lock = threading.Lock()
_SCCC_CUSTOMER = re.compile(r"[A-Za-z0-9_-]+")


def sccc_digest(customer: str, timestamp: int | str, seq: int | str, password: str) -> str:
    """SCCC digest: lowercase hex MD5 of ``customer@timestamp@seq@password`` (seed 003:388-423).

    ``timestamp`` (epoch milliseconds) and ``seq`` enter as their decimal text, whether given
    as numbers or strings, as both appear in the seed's examples.
    """
    return _core.sccc_digest(customer, _decimal(timestamp, "timestamp"), _decimal(seq, "seq"), password)


def _decimal(value: int | str, what: str) -> str:
    if isinstance(value, bool) or not isinstance(value, (int, str)):
        raise SignError(f"{what}: expected an int or a decimal str, got {type(value).__name__}")
    text = str(value)
    if not text.isdigit() or not text.isascii():
        raise SignError(f"{what}: {text!r} is not a non-negative decimal integer")
    return text


def sccc_authentication(
    customer: str,
    password: str,
    *,
    timestamp: int | None = None,
    seq: int | None = None,
    agent: str | None = None,
) -> dict[str, str]:
    """The ``authentication`` block every SCCC request body carries (seed 003:366-386).

    ``timestamp`` defaults to now in milliseconds; ``seq`` to a process-wide counter (the seed
    asks only that it not repeat within a period). Values are strings, as in the per-API
    examples. ``agent`` (坐席工号) is added when given; it is not part of the digest.
    """
    if not _SCCC_CUSTOMER.fullmatch(customer or ""):
        raise SignError(f"customer: {customer!r} must be non-empty [A-Za-z0-9_-] (seed 003:375)")
    ts = str(timestamp if timestamp is not None else time.time_ns() // 1_000_000)
    if seq is None:
        with _sccc_seq_lock:
            seq = next(_sccc_seq)
    block = {"customer": customer, "timestamp": ts, "seq": str(seq), "digest": sccc_digest(customer, ts, seq, password)}
    if agent is not None:
        block["agent"] = agent
    return block


class DigestMismatch(AuthError):  # type: ignore[misc, valid-type]
    """An SCCC ``authentication`` block whose digest does not match."""


def verify_sccc_authentication(block: Mapping[str, Any], password: str) -> None:
    """Check the ``authentication`` block of an SCCC request or push.

    Raises :class:`MalformedAuthorization` when a field is missing and :class:`DigestMismatch`
    when the digest differs (compared in constant time, hex case ignored).
    """
    try:
        customer, ts, seq, digest = (block[k] for k in ("customer", "timestamp", "seq", "digest"))
    except (KeyError, TypeError) as e:
        raise MalformedAuthorization(f"SCCC authentication block: missing field {e}") from None
    if not _core.sccc_digest_matches(str(customer), str(ts), str(seq), password, str(digest)):
        raise DigestMismatch(f"SCCC digest mismatch for customer {customer!r}, seq {seq}")


# --- 八百呼 ---------------------------------------------------------------------------------

_HEX32 = re.compile(r"[0-9A-Fa-f]{32}")


def babaihu_params(sa_user: str, sa_password: str) -> dict[str, str]:
    """The 八百呼 base parameters ``sa_user`` and ``sa_password`` (seed 004:104-127).

    The seed never says what is hashed into the 32-hex ``sa_password`` (its example does not
    reproduce from the stated test password, auth.md 3.2), so it is taken as the opaque value
    the operator issues, checked for shape and sent uppercase as in both seed examples.
    """
    if not sa_user:
        raise SignError("sa_user: empty")
    if not _HEX32.fullmatch(sa_password or ""):
        raise SignError("sa_password: expected the 32-hex-digit MD5 value issued by 八百呼")
    return {"sa_user": sa_user, "sa_password": sa_password.upper()}


# --- Huawei AICC callbacks --------------------------------------------------------------------

_CALLBACK_RESERVED = ("timestamp", "nonce", "signature")


def _java_text(value: Any) -> str:
    """A value as Java's ``TreeMap.toString()`` prints it after fastjson parsing.

    ``None`` is ``null``, booleans are ``true``/``false``, nested objects are compact JSON.
    Floats print as Python does; Java may differ for exponents (e.g. ``1.0E10``), which no seed
    callback field carries.
    """
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return value
    if isinstance(value, (int, float)):
        return repr(value)
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def _callback_params(params: Mapping[str, Any]) -> list[tuple[str, str]]:
    return [(str(k), _java_text(v)) for k, v in params.items() if k not in _CALLBACK_RESERVED]


def callback_signature(secret: str, timestamp: int | str, nonce: str, params: Mapping[str, Any]) -> str:
    """Huawei AICC callback signature (seed 6.2.14.1 and 14.4.1; auth.md 4.9).

    ``Base64(HMAC-SHA256(secret, secret_timestamp_nonce_k1=v1,k2=v2...))`` over the body
    parameters other than ``timestamp``, ``nonce`` and ``signature``, sorted as Java sorts
    strings, with every space removed, as the seed's reference code does.
    """
    return _core.callback_signature(secret, str(timestamp), str(nonce), _callback_params(params))


def verify_callback_signature(secret: str, body: Mapping[str, Any]) -> None:
    """Verify a received callback body that carries ``timestamp``, ``nonce`` and ``signature``.

    Raises :class:`MalformedAuthorization` if one of them is missing and
    :class:`SignatureMismatch` if the signature differs (constant-time comparison).
    """
    missing = [k for k in _CALLBACK_RESERVED if body.get(k) in (None, "")]
    if missing:
        raise MalformedAuthorization(f"callback body: missing {', '.join(missing)}")
    ok = _core.callback_signature_matches(
        secret, str(body["timestamp"]), str(body["nonce"]), _callback_params(body), str(body["signature"])
    )
    if not ok:
        raise SignatureMismatch("callback signature does not match the body")


def chatbot_checksum(nonce: str, key: str) -> str:
    """ODFS third-party chatbot login checksum: hex HMAC-SHA256 of the nonce under the local key."""
    return _core.chatbot_checksum(nonce, key)
