"""Retrying calls whose error says a retry can help (``PlatformError.retryable``).

The wait honours ``retry_after`` when the error carries one (HTTP 429 ``Retry-After``, 300 s for
Huawei statistics), else grows exponentially from ``base_delay`` with jitter, capped at
``max_delay``. Flow-control codes (Huawei 0200022 "接口调用太快": calls on one campaign must be
>= 1 s apart, 001:25433) start at ``flow_delay``. Errors that retrying cannot fix are raised at once.

Every retry is logged at WARNING on ``callcore.platforms`` (platform, endpoint, error class and
code, the wait, the attempt), so that a wrong endpoint or a throttled account shows at once
instead of after a minute of silent waits. Messages are scrubbed of held secrets.
"""
from __future__ import annotations

import asyncio
import itertools
import logging
import random
import time
from dataclasses import dataclass, field
from typing import Any, Awaitable, Callable, TypeVar

from .errors import FlowControlError, PlatformError, scrub

T = TypeVar("T")
log = logging.getLogger("callcore.platforms")


@dataclass
class RetryPolicy:
    attempts: int = 5
    base_delay: float = 0.5
    flow_delay: float = 1.0
    max_delay: float = 60.0
    jitter: float = 0.1
    sleep: Callable[[float], None] = time.sleep
    asleep: Callable[[float], Awaitable[None]] = asyncio.sleep
    rng: random.Random = field(default_factory=random.Random)

    def delay(self, error: PlatformError, attempt: int) -> float:
        """Seconds to wait before attempt ``attempt + 1`` (attempt counts from 1)."""
        if error.retry_after is not None:
            return float(error.retry_after)
        base = self.flow_delay if isinstance(error, FlowControlError) else self.base_delay
        grown: float = min(self.max_delay, base * (2 ** (attempt - 1)))
        return grown * (1 + self.rng.uniform(0, self.jitter))


    def wait_before_retry(self, error: PlatformError, attempt: int, retry_also: tuple[type[PlatformError], ...] = (),
                          on_retry: OnRetry | None = None) -> float:
        """After the failed attempt ``attempt``: the seconds to wait before the next one, the retry
        logged (and told to ``on_retry``); *error* itself when it is not retried."""
        if not ((error.retryable or isinstance(error, retry_also)) and attempt < self.attempts):
            raise error
        wait = self.delay(error, attempt)
        log.warning("%s %s: %s%s, retry %d of %d in %.1f s: %s", error.platform or "?", error.endpoint or "?",
                    type(error).__name__, f" code {error.code}" if error.code is not None else "", attempt,
                    self.attempts - 1, wait, scrub(str(error)))
        if on_retry:
            on_retry(error, attempt, wait)
        return wait


OnRetry = Callable[[PlatformError, int, float], None]


def call_with_retry(fn: Callable[..., T], *args: Any, policy: RetryPolicy | None = None,
                    on_retry: OnRetry | None = None, retry_also: tuple[type[PlatformError], ...] = (),
                    **kw: Any) -> T:
    """``fn(*args, **kw)``, retried while it raises a retryable :class:`PlatformError` (or one of
    ``retry_also``, e.g. a clock skew that may come and go), each retry logged."""
    policy = policy or RetryPolicy()
    for attempt in itertools.count(1):
        try:
            return fn(*args, **kw)
        except PlatformError as e:
            policy.sleep(policy.wait_before_retry(e, attempt, retry_also, on_retry))
    raise AssertionError("unreachable")


async def acall_with_retry(fn: Callable[..., Awaitable[T]], *args: Any, policy: RetryPolicy | None = None,
                           on_retry: OnRetry | None = None, retry_also: tuple[type[PlatformError], ...] = (),
                           **kw: Any) -> T:
    """The asyncio twin of :func:`call_with_retry`."""
    policy = policy or RetryPolicy()
    for attempt in itertools.count(1):
        try:
            return await fn(*args, **kw)
        except PlatformError as e:
            await policy.asleep(policy.wait_before_retry(e, attempt, retry_also, on_retry))
    raise AssertionError("unreachable")
