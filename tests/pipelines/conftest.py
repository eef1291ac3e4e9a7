"""Fixtures for the pipelines tests: Huawei sandboxes with tunable pacing, campaigns, lists, and a
real OpenSSH server on loopback (``/usr/sbin/sshd``; CI installs Debian ``openssh-server``)."""
from __future__ import annotations

import os
import random
import signal
import subprocess
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, Iterator

import pytest

from callcore.pipelines.sftp import LoopbackSshd
from callcore.platforms.huawei import CampaignSpec, HuaweiClient, ScheduleParam
from callcore.sandbox.huawei import HuaweiConfig, HuaweiSandbox

PREFIXES = ["130", "135", "138", "139", "150", "158", "186", "189"]


def make_campaign(client: HuaweiClient, name: str) -> int:
    """A paused campaign (the client's default initStatus 1) that dials all day when running: the
    seed's own whole-day window (001:21935-21936), so that no test depends on the hour it runs."""
    today = datetime.now()
    return client.create_campaign(CampaignSpec(
        name=name, strBeginTime=today.strftime("%Y-%m-%d 00:00:00"),
        strEndTime=(today + timedelta(days=10)).strftime("%Y-%m-%d 23:00:00"), deviceType=2, callerNo="4008001234",
        maxAlertingTime=30, scheduleParam=ScheduleParam(workdayBeginTime1="00:00", workdayEndTime1="23:59"),
        callbackUrl="http://127.0.0.1:9/cb", skillParam={"skillId": 1, "outBoundType": 2, "predictParam": {"predictMethod": 5, "offhookPredictParam": {"offHookRate": 100}}}))


# SIGKILLs each crash test makes
KILLS = 20


def kill_cycles(cmd: list[str], env: dict[str, str], rng: random.Random, lo: float, hi: float,
                kills_wanted: int = KILLS) -> tuple[int, subprocess.CompletedProcess]:
    """Starts *cmd* until it has been killed with SIGKILL *kills_wanted* times, each after a
    random delay (a run that finishes first just counts as a run); then once more to completion.

    A run that finishes before its kill means the job is done and later runs have nothing left to
    interrupt, so each test gives the job enough work (rows, and sandbox latency where needed)
    for well over *kills_wanted* kills at these delays, on a fast machine too: the count must not
    hang on timing.
    """
    kills = 0
    for _ in range(4 * kills_wanted):
        if kills >= kills_wanted:
            break
        p = subprocess.Popen(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        try:
            p.wait(rng.uniform(lo, hi))
        except subprocess.TimeoutExpired:
            os.kill(p.pid, signal.SIGKILL)
            p.wait()
            kills += 1
        else:
            p.communicate()
    r = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=300)
    return kills, r


def write_list(path: Path, n_unique: int, *, seed: int = 1, dirty: bool = True) -> list[str]:
    """A CSV list with *n_unique* distinct valid mobiles (returned, national form), plus, when
    *dirty*, duplicates in other spellings and invalid rows."""
    rng = random.Random(seed)
    nums: set[str] = set()
    while len(nums) < n_unique:
        nums.add(rng.choice(PREFIXES) + f"{rng.randrange(10**8):08d}")
    good = sorted(nums)
    rows = [f"{g},ok" for g in good]
    if dirty:
        rows += [f"+86 {g[:3]} {g[3:7]} {g[7:]},dup" for g in good[: max(1, n_unique // 10)]]
        rows += ["abc,bad", ",empty", "1380013800,short"]
    rng.shuffle(rows)
    path.write_text("phone,name\n" + "\n".join(rows) + "\n")
    return good


@pytest.fixture
def sandbox_factory(tmp_path: Path) -> Iterator[Any]:
    started: list[HuaweiSandbox] = []

    def make(faults: str | None = None, **cfg: Any) -> HuaweiSandbox:
        sb = HuaweiSandbox(tmp_path / f"hw-{len(started)}", faults=faults, config=HuaweiConfig(**cfg)).start()
        started.append(sb)
        return sb

    yield make
    for sb in started:
        sb.stop()


@pytest.fixture
def sshd(tmp_path: Path) -> Iterator[LoopbackSshd]:
    if not LoopbackSshd.available():
        pytest.fail("/usr/sbin/sshd is missing: install Debian openssh-server (CI does)")
    with LoopbackSshd(tmp_path / "sftp-root") as s:
        yield s


def client_for(sb: HuaweiSandbox) -> HuaweiClient:
    return HuaweiClient(sb.url, sb.access_key, sb.secret_key, vdn_id=1, v2_max_per_call=sb.app.cfg.v2_max)


def calldata(sb: HuaweiSandbox, campaign: int | None = None) -> list[Any]:
    if campaign is None:
        return sb.app.state.rows("SELECT * FROM calldata")
    return sb.app.state.rows("SELECT * FROM calldata WHERE campaign=?", (campaign,))
