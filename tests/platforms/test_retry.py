"""Retrying against the sandbox: flow control and injected 5xx are retried, validation is not."""
from __future__ import annotations

from pathlib import Path

import pytest

from callcore.platforms import errors as E
from callcore.platforms.huawei import CallData, HuaweiClient
from callcore.platforms.retry import RetryPolicy, acall_with_retry, call_with_retry
from callcore.sandbox.huawei import HuaweiSandbox

from test_huawei import numbers, spec  # same folder (pytest prepend import mode)


def test_flow_control_is_retried_with_its_delay(huawei_sandbox: HuaweiSandbox, huawei_client: HuaweiClient) -> None:
    cid = huawei_client.create_campaign(spec())
    huawei_client.add_numbers(cid, numbers(5))
    waits: list[float] = []

    def fake_sleep(s: float) -> None:
        waits.append(s)
        huawei_sandbox.app.last_add.clear()  # "time passes" on the server

    policy = RetryPolicy(sleep=fake_sleep, jitter=0.0)
    assert call_with_retry(huawei_client.add_numbers, cid, numbers(5, 10), policy=policy) == 10
    assert waits == [1.0]  # one 0200022, waited flow_delay


def test_not_retryable_raises_at_once(huawei_client: HuaweiClient) -> None:
    calls = []

    def fake_sleep(s: float) -> None:
        calls.append(s)

    with pytest.raises(E.NotFoundError):
        call_with_retry(huawei_client.get_campaign, 12345, policy=RetryPolicy(sleep=fake_sleep))
    with pytest.raises(E.ClientValidationError):
        call_with_retry(huawei_client.add_numbers, 1, [CallData("+1")], policy=RetryPolicy(sleep=fake_sleep))
    assert calls == []


def test_5xx_gives_up_after_attempts(tmp_path: Path) -> None:
    with HuaweiSandbox(tmp_path, faults="5xx=1") as sb, \
            HuaweiClient(sb.url, sb.access_key, sb.secret_key, vdn_id=1) as c:
        seen: list[int] = []
        with pytest.raises(E.ServerError):
            call_with_retry(c.get_campaign, 1, policy=RetryPolicy(attempts=3, sleep=lambda s: None),
                            on_retry=lambda e, n, w: seen.append(n))
        assert seen == [1, 2] and sb.app.faults.counts["5xx"] == 3


def test_retry_after_is_honoured() -> None:
    err = E.RateLimitError("429", retry_after=300.0)
    assert RetryPolicy().delay(err, 1) == 300.0
    assert 0.5 <= RetryPolicy(jitter=0.0).delay(E.ServerError("x"), 1) == 0.5
    assert RetryPolicy(jitter=0.0, max_delay=3).delay(E.ServerError("x"), 10) == 3



@pytest.mark.anyio
async def test_async_retry() -> None:
    state = {"n": 0}

    async def flaky() -> str:
        state["n"] += 1
        if state["n"] < 3:
            raise E.TransportError("dropped")
        return "ok"

    async def no_wait(s: float) -> None:
        return None

    assert await acall_with_retry(flaky, policy=RetryPolicy(asleep=no_wait)) == "ok" and state["n"] == 3
