"""Clients for the contact-center platforms of the seeds: Huawei CEC (:mod:`.huawei`), SCCC
(:mod:`.sccc`), 八百呼 (:mod:`.babaihu`) and 九五云客服 (:mod:`.hl95`); which platforms exist and
where each one's parts live: :mod:`.registry`.

All clients share :class:`~callcore.platforms._http.HttpOptions` (timeouts, pooling, TLS
verification on by default, custom CA) and raise :mod:`callcore.platforms.errors` exceptions.
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
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

# httpx costs about 0.1 s to import: the names above are imported when first asked for, so that
# `callcore sandbox` and `callcore calllist`, which read the registry, do not pay for it
_MODULE_OF = {"HttpOptions": "._http", "RetryPolicy": ".retry", "call_with_retry": ".retry",
              "acall_with_retry": ".retry"}


def __getattr__(name: str) -> Any:
    if name not in __all__:
        raise AttributeError(f"module 'callcore.platforms' has no attribute {name!r}")
    import importlib

    return getattr(importlib.import_module(_MODULE_OF.get(name, ".errors"), __name__), name)
