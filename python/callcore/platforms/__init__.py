"""Clients for the contact-center platforms of the seeds: Huawei CEC (:mod:`.huawei`), SCCC
(:mod:`.sccc`), 八百呼 (:mod:`.babaihu`) and 九五云客服 (:mod:`.hl95`).

All clients share :class:`~callcore.platforms._http.HttpOptions` (timeouts, pooling, TLS
verification on by default, custom CA) and raise :mod:`callcore.platforms.errors` exceptions.
"""
from __future__ import annotations

from ._http import HttpOptions
from .errors import (ApiError, AuthenticationError, BlacklistedError, ClientValidationError, ClockSkewError,
                     DuplicateError, FlowControlError, HTTPStatusError, LimitExceededError, NotFoundError,
                     ParameterError, PlatformError, ProtocolError, RateLimitError, ServerError, StateError,
                     TransportError, UnsafeArchiveError)
from .retry import RetryPolicy, acall_with_retry, call_with_retry

__all__ = [
    "HttpOptions", "ApiError", "AuthenticationError", "BlacklistedError", "ClientValidationError", "ClockSkewError",
    "DuplicateError", "FlowControlError", "HTTPStatusError", "LimitExceededError", "NotFoundError", "ParameterError",
    "PlatformError", "ProtocolError", "RateLimitError", "ServerError", "StateError", "TransportError",
    "UnsafeArchiveError", "RetryPolicy", "call_with_retry", "acall_with_retry",
]
