"""An independent, deliberately plain pure-Python auth-v2, written from the algorithm text of
auth.md 4.2.3 (not from the Rust code). The property tests compare the extension with it, and
the benchmarks measure it as the pure-Python peer."""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Mapping

# Java String.trim() removes every char <= U+0020 from both ends
JAVA_TRIM = "".join(map(chr, range(0x21)))
UNRESERVED = frozenset(b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~")


def normalize(text: str | bytes) -> str:
    data = text.encode("utf-8") if isinstance(text, str) else text
    return "".join(chr(b) if b in UNRESERVED else "%%%02X" % b for b in data)


def canonical_request(method: str, uri: str, headers: Mapping[str, str], body: bytes | str | None, query: Mapping[str, str] | None) -> tuple[str, str]:
    lowered = {k.lower(): v.strip(JAVA_TRIM) for k, v in headers.items()}
    signed_headers = ";".join(sorted(lowered))
    canonical_headers = "\n".join(sorted(normalize(k) + ":" + normalize(v) for k, v in lowered.items()))
    lines = [method.upper(), uri or "/"]
    if query:
        lines.append("&".join(sorted({normalize(k) + "=" + (normalize(v) if v else "") for k, v in query.items()})))
    lines += [signed_headers, canonical_headers, normalize(body) if body else ""]
    return signed_headers, "\n".join(lines)


def auth_v2(method: str, uri: str, headers: Mapping[str, str], access_key: str, secret_key: str, timestamp: str, body: bytes | str | None = None, query: Mapping[str, str] | None = None) -> str:
    signed_headers, canonical = canonical_request(method, uri, headers, body, query)
    prefix = f"auth-v2/{access_key}/{timestamp}/{signed_headers}"
    signing_key = hmac.new(secret_key.encode(), prefix.encode(), hashlib.sha256).hexdigest()
    signature = hmac.new(signing_key.encode(), canonical.encode(), hashlib.sha256).hexdigest()
    return f"{prefix}/{signature}"
