"""Typed exceptions for every platform client.

Every exception is a :class:`PlatformError` carrying ``platform``, ``endpoint``, ``code``
(normalised), ``meaning`` (from the seed's table), ``retryable`` (whether sending the same request
again after a pause can succeed), ``retry_after`` (seconds, when known), ``http_status`` and
``seed_line``. Secrets never appear in messages.

Servers echo requests into their error text (a form body with ``client_secret``, a query string
with ``sa_password``, an ``Authorization`` header), and that text goes into our messages. So every
client registers the credential values it holds with :func:`hold_secret`, and every
:class:`PlatformError` scrubs them from its message and ``body`` when it is built, whoever built it
(the clients, :mod:`._http`, the token wrappers).
"""
from __future__ import annotations

import email.utils
import json
import re
import threading
import time
from typing import Any
from urllib.parse import quote, quote_plus

from . import codes as _codes

REDACTED = "***"
# A shorter value cannot be told apart from ordinary text ("error 1"), and scrubbing it would
# mangle every message; a credential that short gives no protection anyway.
MIN_SECRET_LEN = 4
_secrets_lock = threading.Lock()
_secret_forms: set[str] = set()
_secret_pattern: re.Pattern[str] | None = None


def _forms(value: str) -> set[str]:
    """The spellings a value takes when a server echoes a request: as is, URL-encoded (form bodies
    and query strings, ``+`` or ``%20`` for a space), JSON-escaped, and with its runs of white
    space collapsed (error snippets are collapsed)."""
    out = {value, quote_plus(value), quote(value, safe=""), quote(value, safe="/"),
           json.dumps(value)[1:-1], json.dumps(value, ensure_ascii=False)[1:-1], " ".join(value.split())}
    return {f for f in out if len(f) >= MIN_SECRET_LEN}


def hold_secret(*values: str | None) -> None:
    """Registers credential values (passwords, secrets, tokens, digests) that must never appear in
    an error message or body. Matching ignores case, since servers echo hex digests in either."""
    global _secret_pattern
    new = set()
    for v in values:
        if v and len(v) >= MIN_SECRET_LEN:
            new |= _forms(str(v))
    with _secrets_lock:
        if new <= _secret_forms:
            return
        _secret_forms.update(new)
        ordered = sorted(_secret_forms, key=len, reverse=True)  # the longest spelling first
        _secret_pattern = re.compile("|".join(re.escape(f) for f in ordered), re.IGNORECASE)


def _cut_tail(text: str, forms: set[str]) -> str:
    """A snippet cut mid-secret ends with the secret's first characters, then "...": those go too.
    (Only a text marked as cut: an ordinary one ending with a secret's first letters is left.)"""
    if not text.endswith(("...", "…")):
        return text
    end = text[:-3] if text.endswith("...") else text[:-1]
    tail = end.lower()
    # the longest cut prefix of any spelling, so that no shorter match leaves a secret's head
    cut = max((k for f in forms for k in range(min(len(f) - 1, len(end)), MIN_SECRET_LEN - 1, -1)
               if tail.endswith(f[:k].lower())), default=0)
    return end[:-cut] + REDACTED + text[len(end):] if cut else text


def scrub(obj: Any, extra: tuple[str, ...] = ()) -> Any:
    """*obj* (text, or JSON-like data) with every held secret, and every value of *extra* (secrets
    of one request, e.g. an SCCC digest), replaced by ``***``."""
    pattern, forms = _secret_pattern, _secret_forms
    if extra:
        forms = forms | set().union(*(_forms(str(v)) for v in extra if v))
        ordered = sorted(forms, key=len, reverse=True)
        pattern = re.compile("|".join(re.escape(f) for f in ordered), re.IGNORECASE) if ordered else None
    if pattern is None:
        return obj
    return _scrub(obj, pattern, forms)


def _scrub(obj: Any, pattern: re.Pattern[str], forms: set[str]) -> Any:
    if isinstance(obj, str):
        return _cut_tail(pattern.sub(REDACTED, obj), forms)
    if isinstance(obj, bytes):
        return _scrub(obj.decode("utf-8", "replace"), pattern, forms)
    if isinstance(obj, dict):
        return {_scrub(k, pattern, forms): _scrub(v, pattern, forms) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [_scrub(v, pattern, forms) for v in obj]
    return obj


def scrub_error(exc: "PlatformError", extra: tuple[str, ...]) -> "PlatformError":
    """*exc* with the secrets of one request (*extra*) scrubbed from its message and body too."""
    if exc.args:
        exc.args = (scrub(exc.args[0], extra), *exc.args[1:])
    exc.body = scrub(exc.body, extra)
    return exc


class PlatformError(Exception):
    """Base of every error raised by :mod:`callcore.platforms`."""

    retryable: bool = False

    def __init__(
        self,
        message: str,
        *,
        platform: str = "",
        endpoint: str = "",
        code: str | None = None,
        meaning: str = "",
        retryable: bool | None = None,
        retry_after: float | None = None,
        http_status: int | None = None,
        seed_line: str = "",
        body: Any = None,
    ) -> None:
        super().__init__(scrub(message))
        self.platform = platform
        self.endpoint = endpoint
        self.code = code
        self.meaning = meaning
        if retryable is not None:
            self.retryable = retryable
        self.retry_after = retry_after
        self.http_status = http_status
        self.seed_line = seed_line
        self.body = scrub(body)

    def __str__(self) -> str:
        parts = [super().__str__()]
        if self.code is not None and self.code not in parts[0]:
            parts.append(f"[code {self.code}]")
        parts.append("(retrying can help)" if self.retryable else "(retrying will not help)")
        return " ".join(parts)


class ClientValidationError(PlatformError, ValueError):
    """A request broke a documented field limit; it was not sent."""


class TransportError(PlatformError):
    """Connection refused/reset/dropped or timed out; the request may or may not have been applied."""

    retryable = True


class ProtocolError(PlatformError):
    """The server answered something that is not what the API documents (HTML page, truncated
    or unparseable body, unexpected content type)."""


class UnsafeArchiveError(ProtocolError):
    """A zip from the server holds a member that would be written outside its folder."""


class HTTPStatusError(PlatformError):
    """An HTTP status the API does not document."""


class ServerError(PlatformError):
    """The platform failed internally (HTTP 5xx or an internal-error code)."""

    retryable = True


class AuthenticationError(PlatformError):
    """Credentials, signature or token rejected."""


class ClockSkewError(AuthenticationError):
    """The signature was rejected and the server's clock differs from ours by more than the
    allowed skew: fix the local clock (NTP)."""


class RateLimitError(PlatformError):
    """Too many requests (HTTP 429 or a flow-control code)."""

    retryable = True


class ApiError(PlatformError):
    """The platform reported an error code in the response body."""


class FlowControlError(RateLimitError, ApiError):
    """A flow-control code, e.g. Huawei 0200022 接口调用太快, 0300008/0300009, SCCC 0xF1000021."""


class ParameterError(ApiError):
    """The platform rejected a parameter."""


class NotFoundError(ApiError):
    """The campaign, task, record or file does not exist (yet)."""


class StateError(ApiError):
    """The object's state does not allow the operation (e.g. adding numbers to a running campaign)."""


class DuplicateError(ApiError):
    """Duplicate numbers in the request, or an object that already exists."""


class BlacklistedError(ApiError):
    """The request holds blacklisted numbers."""


class LimitExceededError(ApiError):
    """A documented limit was exceeded (20 per call, 200,000 pending, campaign count...)."""


_KINDS: dict[str, type[PlatformError]] = {
    c.__name__: c
    for c in (ApiError, FlowControlError, ParameterError, NotFoundError, StateError, DuplicateError,
              BlacklistedError, LimitExceededError, ServerError, AuthenticationError, RateLimitError)
}


def from_code(info: _codes.CodeInfo, *, platform: str, endpoint: str, code: str, message: str = "",
              http_status: int | None = None, body: Any = None) -> PlatformError:
    """Builds the typed exception for a documented code."""
    cls = _KINDS.get(info.kind, ApiError)
    text = f"{platform} {endpoint}: error {code}: {info.meaning}"
    if message and message not in info.meaning:
        text += f" (server said: {message})"
    if info.line:
        text += f" [seed {info.line}]"
    return cls(text, platform=platform, endpoint=endpoint, code=code, meaning=info.meaning,
               retryable=info.retryable, http_status=http_status, seed_line=info.line, body=body)


def huawei_isales_error(code: object, *, endpoint: str, section: str | None, message: str = "",
                        http_status: int | None = None, body: Any = None) -> PlatformError:
    c = _codes.normalise_code(code)
    return from_code(_codes.huawei_isales_code(c, section), platform="huawei", endpoint=endpoint, code=c,
                     message=message, http_status=http_status, body=body)


def huawei_ccfs_error(code: object, *, endpoint: str, message: str = "", http_status: int | None = None,
                      body: Any = None, not_ready_retryable: bool = False) -> PlatformError:
    c = _codes.normalise_code(code)
    info = _codes.huawei_ccfs_code(c)
    if not_ready_retryable and c in ("0300011", "0300029"):
        # downloadBillFile before the callback arrived: the file may simply not exist yet.
        info = info._replace(retryable=True, meaning=info.meaning + " (the file may not be generated yet)")
    return from_code(info, platform="huawei", endpoint=endpoint, code=c, message=message,
                     http_status=http_status, body=body)


def parse_http_date(value: str | None) -> float | None:
    """Unix time of an HTTP ``Date`` header, or None."""
    if not value:
        return None
    try:
        dt = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    return dt.timestamp() if dt is not None else None


def auth_failure(*, platform: str, endpoint: str, status: int, date_header: str | None, body: Any,
                 max_skew: float = 900.0, now: float | None = None) -> AuthenticationError:
    """A 401/403: reports clock skew plainly when the server's Date header says so."""
    now = time.time() if now is None else now
    server = parse_http_date(date_header)
    if status == 403:
        return AuthenticationError(
            f"{platform} {endpoint}: HTTP 403: IP locked after repeated authentication failures "
            "(001:66975); wait, then check the AK/SK and the signature", platform=platform, endpoint=endpoint,
            http_status=status, body=body, seed_line="001:66975")
    if server is not None and abs(server - now) > max_skew:
        skew = now - server
        return ClockSkewError(
            f"{platform} {endpoint}: HTTP 401: clock skew: the local clock is {abs(skew):.0f} s "
            f"{'ahead of' if skew > 0 else 'behind'} the server's (server Date: {date_header}); auth-v2 "
            f"timestamps must be within {max_skew:.0f} s: fix the local clock (NTP)",
            platform=platform, endpoint=endpoint, http_status=status, body=body, retryable=False)
    return AuthenticationError(
        f"{platform} {endpoint}: HTTP 401: signature or access key rejected (clocks agree"
        f"{'' if server is not None else ' or the server sent no Date header'}); check AK/SK and the signed headers",
        platform=platform, endpoint=endpoint, http_status=status, body=body, seed_line="001:1264")
