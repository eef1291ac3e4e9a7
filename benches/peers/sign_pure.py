"""The pure-Python auth-v2 a user would write: stdlib ``hmac`` and ``urllib.parse.quote``.
(The peer of benches/bench_sign.py; correctness is checked against callcore before timing.)"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Mapping
from urllib.parse import quote


def auth_v2(method: str, uri: str, headers: Mapping[str, str], access_key: str, secret_key: str, timestamp: str, body: bytes = b"", query: Mapping[str, str] | None = None) -> str:
    lowered = {k.lower(): v.strip() for k, v in headers.items()}
    signed = ";".join(sorted(lowered))
    canon_headers = "\n".join(sorted(quote(k, safe="-._~") + ":" + quote(v, safe="-._~") for k, v in lowered.items()))
    parts = [method.upper(), uri]
    if query:
        parts.append("&".join(sorted(quote(k, safe="-._~") + "=" + quote(v, safe="-._~") for k, v in query.items())))
    parts += [signed, canon_headers, quote(body, safe="-._~") if body else ""]
    prefix = f"auth-v2/{access_key}/{timestamp}/{signed}"
    key = hmac.new(secret_key.encode(), prefix.encode(), hashlib.sha256).hexdigest()
    return prefix + "/" + hmac.new(key.encode(), "\n".join(parts).encode(), hashlib.sha256).hexdigest()
