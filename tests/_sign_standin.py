"""TEMPORARY pure-Python stand-in for callcore.sign, used only until the lead's module lands on
main. Installed by tests/conftest.py when ``import callcore.sign`` fails. Remove after merging."""
from __future__ import annotations

import hashlib
import hmac
import sys
import time
import types
from datetime import datetime, timezone

import httpx

_SAFE = set(b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~")


def _norm(b: bytes | str) -> str:
    if isinstance(b, str):
        b = b.encode()
    return "".join(chr(c) if c in _SAFE else "%%%02X" % c for c in b)


def _ts(t) -> str:
    if t is None:
        t = datetime.now(timezone.utc)
    if isinstance(t, datetime):
        return t.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.") + "%03dZ" % (t.microsecond // 1000)
    return t


def _parse_ts(ts: str) -> float:
    fmt = "%Y-%m-%dT%H:%M:%S.%fZ" if "." in ts else "%Y-%m-%dT%H:%M:%SZ"
    return datetime.strptime(ts, fmt).replace(tzinfo=timezone.utc).timestamp()


def _canonical(method, uri, headers, body, query):
    hs = sorted((k.lower(), v.strip()) for k, v in headers.items() if k.lower() != "authorization")
    signed = ";".join(k for k, _ in hs)
    recs = sorted(_norm(k) + ":" + _norm(v) for k, v in hs)
    parts = [method.upper(), uri or "/"]
    if query:
        parts.append("&".join(sorted({_norm(k) + "=" + _norm(v) for k, v in query.items()})))
    parts += [signed, "\n".join(recs), _norm(body or b"")]
    return signed, "\n".join(parts)


def auth_v2(method, uri, *, headers, access_key, secret_key, timestamp=None, body=None, query=None):
    ts = _ts(timestamp)
    signed, canon = _canonical(method, uri, headers, body, query)
    prefix = f"auth-v2/{access_key}/{ts}/{signed}"
    key = hmac.new(secret_key.encode(), prefix.encode(), hashlib.sha256).hexdigest()
    return prefix + "/" + hmac.new(key.encode(), canon.encode(), hashlib.sha256).hexdigest()


class AuthError(Exception):
    pass


class MalformedAuthorization(AuthError):
    pass


class UnknownAccessKey(AuthError):
    pass


class ClockSkew(AuthError):
    pass


class UnsignedHost(AuthError):
    pass


class SignatureMismatch(AuthError):
    pass


class Verifier:
    def __init__(self, secrets, *, max_skew: float = 900.0):
        self._secrets = secrets
        self.max_skew = max_skew

    def verify(self, method, uri, *, headers, body=b"", query=None, authorization=None):
        lower = {k.lower(): v for k, v in headers.items()}
        auth = authorization if authorization is not None else lower.get("authorization", "")
        parts = auth.split("/")
        if len(parts) != 5 or parts[0] != "auth-v2":
            raise MalformedAuthorization("not auth-v2")
        _, ak, ts, signed, sig = parts
        names = signed.split(";")
        if "host" not in names:
            raise UnsignedHost("host not signed")
        sk = self._secrets(ak) if callable(self._secrets) else self._secrets.get(ak)
        if sk is None:
            raise UnknownAccessKey(ak)
        try:
            t = _parse_ts(ts)
        except ValueError:
            raise MalformedAuthorization("bad timestamp")
        if abs(t - time.time()) > self.max_skew:
            raise ClockSkew(f"skew {t - time.time():.0f}s")
        missing = [n for n in names if n not in lower]
        if missing:
            raise SignatureMismatch(f"signed header {missing[0]} missing")
        want = auth_v2(method, uri, headers={n: lower[n] for n in names}, access_key=ak, secret_key=sk,
                       timestamp=ts, body=body, query=query)
        if not hmac.compare_digest(want, auth):
            raise SignatureMismatch("signature does not match")
        return ak


def sccc_digest(customer, timestamp, seq, password) -> str:
    return hashlib.md5(f"{customer}@{timestamp}@{seq}@{password}".encode()).hexdigest()


_seq = [0]


def sccc_authentication(customer, password, *, timestamp=None, seq=None, agent=None):
    ts = str(timestamp if timestamp is not None else int(time.time() * 1000))
    if seq is None:
        _seq[0] += 1
        seq = int(time.time()) * 1000 + _seq[0] % 1000
    d = {"customer": customer, "timestamp": ts, "seq": str(seq), "digest": sccc_digest(customer, ts, seq, password)}
    if agent is not None:
        d["agent"] = str(agent)
    return d


class AuthV2(httpx.Auth):
    requires_request_body = True

    def __init__(self, access_key, secret_key, *, millis=True):
        self._ak, self._sk = access_key, secret_key

    def auth_flow(self, request):
        hs = {"host": request.headers["host"]}
        for n in ("content-type", "content-length"):
            if n in request.headers:
                hs[n] = request.headers[n]
        q = dict(request.url.params) or None
        request.headers["Authorization"] = auth_v2(request.method, request.url.path, headers=hs,
                                                   access_key=self._ak, secret_key=self._sk,
                                                   body=request.content, query=q)
        yield request


def install() -> None:
    mod = types.ModuleType("callcore.sign")
    for name, val in dict(globals()).items():
        if not name.startswith("__"):
            setattr(mod, name, val)
    ha = types.ModuleType("callcore.sign.httpx_auth")
    ha.AuthV2 = AuthV2
    mod.httpx_auth = ha
    sys.modules["callcore.sign"] = mod
    sys.modules["callcore.sign.httpx_auth"] = ha
