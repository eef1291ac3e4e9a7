"""The pipelines' one retry loop: what it retries, how long it waits, and that every retry is
logged (with the reason and the wait, never a secret) and shown by the CLI."""
from __future__ import annotations

import json
import logging
import os
import subprocess
import sys

import pytest

from callcore.pipelines.adapters.base import NotApplied, not_applied
from callcore.pipelines.retrying import retry_call
from callcore.platforms.errors import ApiError, ClockSkewError, FlowControlError, ServerError, hold_secret
from callcore.platforms.retry import RetryPolicy

from .conftest import client_for, make_campaign, write_list


def _policy(waits: list[float], attempts: int = 4) -> RetryPolicy:
    return RetryPolicy(attempts=attempts, base_delay=0.25, flow_delay=1.0, max_delay=2.0, jitter=0.0,
                       sleep=waits.append)


def _failing(errors: list[Exception]):
    calls = []

    def fn() -> str:
        calls.append(1)
        if errors:
            raise errors.pop(0)
        return "ok"

    return fn, calls


def test_retries_what_may_pass_and_logs_each_retry(caplog):
    waits: list[float] = []
    fn, calls = _failing([ServerError("HTTP 503 from the gateway"), ClockSkewError("clock skew"),
                          FlowControlError("0200022 too fast")])
    with caplog.at_level(logging.WARNING, logger="callcore.pipelines"):
        assert retry_call(fn, policy=_policy(waits), what="campaign 7: status") == "ok"
    assert len(calls) == 4 and waits == [0.25, 0.5, 2.0]  # flow control: 1 s * 2**2, capped at max_delay
    lines = [r.getMessage() for r in caplog.records]
    assert len(lines) == 3
    assert lines[0].startswith("campaign 7: status: ServerError: HTTP 503 from the gateway")
    assert lines[0].endswith("; retry 1 of 3 in 0.2 s")
    assert "FlowControlError" in lines[2] and lines[2].endswith("retry 3 of 3 in 2.0 s")


def test_stops_at_the_last_attempt_and_at_an_error_retrying_cannot_fix():
    waits: list[float] = []
    fn, calls = _failing([ServerError("503")] * 5)
    with pytest.raises(ServerError):
        retry_call(fn, policy=_policy(waits, attempts=3), what="x")
    assert len(calls) == 3 and len(waits) == 2
    fn, calls = _failing([ApiError("0200019 campaign running")])
    with pytest.raises(ApiError):
        retry_call(fn, policy=_policy(waits), what="x")
    assert len(calls) == 1


def test_not_applied_retries_only_what_was_certainly_not_applied():
    assert not_applied(FlowControlError("x")) and not_applied(NotApplied("token")) and not_applied(ClockSkewError("x"))
    assert not not_applied(ServerError("503: it may have been applied"))
    waits: list[float] = []
    fn, calls = _failing([ServerError("503")])
    with pytest.raises(ServerError):
        retry_call(fn, policy=_policy(waits), what="send", retry_on=not_applied)
    assert len(calls) == 1


def test_a_caller_may_set_the_wait_and_secrets_stay_out_of_the_log(caplog):
    secret = "S3CRET-for-the-log-test"
    hold_secret(secret)
    waits: list[float] = []
    fn, _ = _failing([ServerError(f"gateway echoed password={secret}")])
    with caplog.at_level(logging.WARNING, logger="callcore.pipelines"):
        retry_call(fn, policy=_policy(waits), what="poll", wait=lambda e, n: 7.5)
    assert waits == [7.5]
    assert secret not in caplog.text and "in 7.5 s" in caplog.text


def test_the_cli_shows_each_retry_on_stderr(sandbox_factory, tmp_path):
    """A platform that keeps refusing for a while is not silent: each retry is a line on stderr
    (reason and wait), and the import still ends complete."""
    from callcore.sandbox._server import Faults

    sb = sandbox_factory(min_interval=0.0)
    write_list(tmp_path / "l.csv", 30, dirty=False)
    with client_for(sb) as c:
        cid = make_campaign(c, "noisy")
    sb.app.faults.faults = Faults.parse("flow=0.5,seed=4")  # from now on, half the calls are refused as too fast
    env = dict(os.environ, CALLCORE_ACCESS_KEY=sb.access_key, CALLCORE_SECRET_KEY=sb.secret_key)
    cmd = [sys.executable, "-m", "callcore.cli", "outbound", "import", str(tmp_path / "l.csv"), "--campaign", str(cid),
           "--endpoint", sb.url, "--workdir", str(tmp_path / "w"), "--min-interval", "0", "--json"]
    r = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stderr
    assert json.loads(r.stdout)["complete"]
    retries = [line for line in r.stderr.splitlines() if line.startswith("callcore: ") and " retry " in line]
    assert retries, r.stderr
    assert all("FlowControlError" in line and line.endswith(" s") for line in retries), retries
    assert sb.secret_key not in r.stderr
