"""The auth-v2 timestamp form (issue 10 item 6): seconds by default, milliseconds on request, in
AuthV2, both Huawei clients (argument and environment) and the ``callcore sign auth-v2`` command;
the Verifier and the sandbox accept both.

The default is seconds because Huawei's own demo signs with seconds and its ``SignInfo`` rebuilds
the timestamp without milliseconds: ``demo_like_verify`` below does what such a Java verifier does,
and refuses a millisecond request (see DEFAULT_TIMESTAMP_MILLIS in sign/httpx_auth.py for the seed
lines)."""
from __future__ import annotations

import asyncio
import os
import re
import subprocess
import sys
from datetime import datetime, timedelta

import httpx
import pytest
import reference

from callcore import sign
from callcore.platforms.errors import ClientValidationError
from callcore.platforms.huawei import (TIMESTAMP_MILLIS_ENV, AsyncHuaweiClient, CampaignSpec, HuaweiClient,
                                       ScheduleParam, timestamp_millis_setting)
from callcore.sandbox.huawei import HuaweiSandbox
from callcore.sign.httpx_auth import AuthV2

SECONDS = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ\Z")
MILLIS = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z\Z")
AK, SK = "ak-ts", "sk-ts"


def timestamp_of(request: httpx.Request) -> str:
    return sign.parse_authorization(request.headers["Authorization"])[1]


def demo_like_verify(request: httpx.Request) -> bool:
    """A verifier on the unchanged demo: it parses the header's timestamp and formats it again
    with ``yyyy-MM-dd'T'HH:mm:ss'Z'`` before deriving the signing key."""
    _ak, ts, _signed, sig = sign.parse_authorization(request.headers["Authorization"])
    rebuilt = ts[:19] + "Z"
    headers = {k: request.headers[k] for k in ("host", "content-length", "content-type") if k in request.headers}
    expected = reference.auth_v2(request.method, request.url.raw_path.decode().split("?")[0], headers, AK, SK,
                                 rebuilt, body=request.content or None)
    return expected.rsplit("/", 1)[1] == sig


def signed_request(auth: AuthV2) -> httpx.Request:
    req = httpx.Request("POST", "https://10.22.26.181:28080/rest/cmsapp/v1/ping", json={"say": "Hello world!"})
    auth.sign(req)
    return req


def test_auth_v2_default_is_seconds_and_a_demo_verifier_accepts_it() -> None:
    req = signed_request(AuthV2(AK, SK))
    assert SECONDS.match(timestamp_of(req)) and demo_like_verify(req)
    assert "timestamp_millis=False" in repr(AuthV2(AK, SK))


def test_auth_v2_millis_on_request_is_refused_by_a_demo_verifier() -> None:
    req = signed_request(AuthV2(AK, SK, timestamp_millis=True))
    assert MILLIS.match(timestamp_of(req))
    assert not demo_like_verify(req)  # why millis is not the default
    verifier = sign.Verifier({AK: SK})  # ours re-derives from the header text: both forms pass
    for auth in (AuthV2(AK, SK, timestamp_millis=True), AuthV2(AK, SK)):
        r = signed_request(auth)
        assert verifier.verify_target(r.method, r.url.raw_path, headers=list(r.headers.items()), body=r.content) == AK


def test_auth_v2_former_name_still_works_and_contradiction_is_an_error() -> None:
    assert MILLIS.match(timestamp_of(signed_request(AuthV2(AK, SK, millis=True))))
    assert SECONDS.match(timestamp_of(signed_request(AuthV2(AK, SK, millis=False))))
    with pytest.raises(sign.SignError, match="disagree"):
        AuthV2(AK, SK, timestamp_millis=True, millis=False)


def _spec(name: str) -> CampaignSpec:
    now = datetime.now()
    return CampaignSpec(name=name, strBeginTime=now.strftime("%Y-%m-%d %H:%M:%S"),
                        strEndTime=(now + timedelta(days=5)).strftime("%Y-%m-%d %H:%M:%S"), deviceType=2,
                        callerNo="10085", maxAlertingTime=20, scheduleParam=ScheduleParam("08:00", "11:30"),
                        callbackUrl="https://cb.example/r", skillParam={"skillId": 5, "outBoundType": 2, "predictParam": {"predictMethod": 5, "offhookPredictParam": {"offHookRate": 100}}})


@pytest.mark.parametrize("choice, form", [(None, SECONDS), (False, SECONDS), (True, MILLIS)])
def test_huawei_clients_sign_the_chosen_form_and_the_sandbox_accepts_it(choice, form,
                                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(TIMESTAMP_MILLIS_ENV, raising=False)
    with HuaweiSandbox() as sb:
        with HuaweiClient(sb.url, sb.access_key, sb.secret_key, vdn_id=1, timestamp_millis=choice) as c:
            cid = c.create_campaign(_spec("sync"))
            assert c.get_campaign(cid).name == "sync"
        assert len(sb.app.auth_timestamps) == 2 and all(form.match(t) for t in sb.app.auth_timestamps)
        sb.app.auth_timestamps.clear()

        async def run() -> None:
            async with AsyncHuaweiClient(sb.url, sb.access_key, sb.secret_key, vdn_id=1,
                                         timestamp_millis=choice) as c:
                await c.get_campaign(cid)

        asyncio.run(run())
        assert len(sb.app.auth_timestamps) == 1 and form.match(sb.app.auth_timestamps[0])


def test_environment_chooses_for_commands_that_build_clients(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(TIMESTAMP_MILLIS_ENV, "1")
    assert timestamp_millis_setting() is True and timestamp_millis_setting(False) is False
    with HuaweiSandbox() as sb, HuaweiClient(sb.url, sb.access_key, sb.secret_key, vdn_id=1) as c:
        c.list_campaigns()
        assert MILLIS.match(sb.app.auth_timestamps[-1])
    monkeypatch.setenv(TIMESTAMP_MILLIS_ENV, "no")
    assert timestamp_millis_setting() is False
    monkeypatch.setenv(TIMESTAMP_MILLIS_ENV, "sometimes")
    with pytest.raises(ClientValidationError, match=f"{TIMESTAMP_MILLIS_ENV}: 'sometimes'"):
        HuaweiClient("http://127.0.0.1:9", "ak", "sk", vdn_id=1)


def _cli(*args: str) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ, CALLCORE_SECRET_KEY="EXAMPLE-SK-NOT-FROM-SEED")
    return subprocess.run([sys.executable, "-m", "callcore.cli", "sign", "auth-v2",
                           "https://10.22.26.181:28080/rest/cmsapp/v1/ping", "-d", '{"say":"Hello world!"}',
                           "--access-key", "globalaktest", *args], capture_output=True, text=True, env=env, timeout=120)


@pytest.mark.parametrize("flags, form", [((), SECONDS), (("--no-timestamp-millis",), SECONDS),
                                         (("--timestamp-millis",), MILLIS), (("--no-millis",), SECONDS)])
def test_cli_flag(flags: tuple[str, ...], form: re.Pattern[str]) -> None:
    r = _cli(*flags)
    assert r.returncode == 0, r.stderr
    auth = next(line for line in r.stdout.splitlines() if line.startswith("authorization: "))
    assert form.match(sign.parse_authorization(auth.split(": ", 1)[1])[1]), auth


def test_cli_contradicting_flags() -> None:
    r = _cli("--timestamp-millis", "--no-millis")
    assert r.returncode == 2 and "contradict" in r.stderr and "Traceback" not in r.stderr
