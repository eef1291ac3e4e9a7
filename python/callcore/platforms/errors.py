"""Typed exceptions for every platform client.

Every exception is a :class:`PlatformError` carrying ``platform``, ``endpoint``, ``code``
(normalised), ``meaning`` (from the seed's table), ``retryable`` (whether sending the same request
again after a pause can succeed), ``retry_after`` (seconds, when known), ``http_status`` and
``seed_line``. Secrets never appear in messages.
"""
from __future__ import annotations

import email.utils
import time
from typing import Any

from . import codes as _codes


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
        super().__init__(message)
        self.platform = platform
        self.endpoint = endpoint
        self.code = code
        self.meaning = meaning
        if retryable is not None:
            self.retryable = retryable
        self.retry_after = retry_after
        self.http_status = http_status
        self.seed_line = seed_line
        self.body = body

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
