"""The one retry loop of the pipelines: every call the import, its adapters and the SFTP upload
repeat goes through :func:`retry_call` with a :class:`~callcore.platforms.retry.RetryPolicy`, and
every retry and wait is logged on ``callcore.pipelines`` (WARNING: the CLI shows it) with the
reason and the wait, so that a wrong endpoint is never silent for a minute.

Messages carry the exception's text: platform errors scrub every held secret when they are built
(:func:`callcore.platforms.errors.hold_secret`), and the SFTP errors never hold a password.
"""
from __future__ import annotations

import logging
from collections.abc import Callable
from typing import TypeVar

from callcore.platforms.errors import ClockSkewError, PlatformError
from callcore.platforms.retry import RetryPolicy

log = logging.getLogger("callcore.pipelines")

T = TypeVar("T")


def repeatable(error: BaseException) -> bool:
    """Retry test for calls that are safe to repeat: a retryable platform error, or a clock-skew
    401 (auth-v2 is checked before anything is applied, and a skewed gateway clock may come and go)."""
    return isinstance(error, PlatformError) and (error.retryable or isinstance(error, ClockSkewError))


def reason(error: BaseException) -> str:
    """One line naming an error for a log record (the text is cut: a server page can be long)."""
    text = " ".join(str(error).split())
    return f"{type(error).__name__}: {text[:200]}" if text else type(error).__name__


def wait_seconds(policy: RetryPolicy, error: BaseException, attempt: int) -> float:
    """The policy's wait before attempt ``attempt + 1``; an error that is not a platform error
    (an SFTP socket failing) waits like a platform error without ``retry_after``."""
    if isinstance(error, PlatformError):
        return policy.delay(error, attempt)
    return policy.delay(PlatformError(reason(error)), attempt)


def retry_call(fn: Callable[..., T], *args: object, policy: RetryPolicy, what: str | None = None,
               retry_on: Callable[[BaseException], bool] = repeatable,
               wait: Callable[[BaseException, int], float] | None = None, **kwargs: object) -> T:
    """``fn(*args, **kwargs)``, called again after the policy's wait while ``retry_on`` says the
    error it raised may pass, at most ``policy.attempts`` calls; the last error is raised. *what*
    names the call in the log ("campaign 7: status"; default the function's name). *wait*
    replaces the policy's wait where the caller knows better (a configured polling interval)."""
    what = what or getattr(fn, "__qualname__", None) or "call"
    for attempt in range(1, policy.attempts + 1):
        try:
            return fn(*args, **kwargs)
        except Exception as e:
            if not retry_on(e) or attempt == policy.attempts:
                raise
            seconds = wait(e, attempt) if wait is not None else wait_seconds(policy, e, attempt)
            log.warning("%s: %s; retry %d of %d in %.1f s", what, reason(e), attempt, policy.attempts - 1, seconds)
            policy.sleep(seconds)
    raise AssertionError("unreachable: the last attempt returns or raises")


def log_wait(what: str, seconds: float, why: str) -> None:
    """Logs a wait that is not a retry (a campaign draining, a server-side import still running)."""
    log.warning("%s: waiting %.1f s (%s)", what, seconds, why)
