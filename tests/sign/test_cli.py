"""The command line, run as a user would run it."""

from __future__ import annotations

import json
import os
import subprocess
import sys

from callcore.cli import main


def run(*args: str, env: dict | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "callcore.cli", *args], capture_output=True, text=True, env=env, timeout=120)


def test_auth_v2_command_reproduces_the_vector() -> None:
    env = dict(os.environ, CALLCORE_SECRET_KEY="EXAMPLE-SK-NOT-FROM-SEED")
    r = run("sign", "auth-v2", "https://10.22.26.181:28080/rest/cmsapp/v1/ping", "-d", '{"say":"Hello world!"}', "--access-key", "globalaktest", "--timestamp", "2018-10-17T11:48:24Z", env=env)
    assert r.returncode == 0, r.stderr
    assert "authorization: auth-v2/globalaktest/2018-10-17T11:48:24Z/content-length;content-type;host/97ad57212b6670aec82b39b1543ffd36586a7419f378174ae55f2c562cdce460" in r.stdout


def test_missing_secret_is_a_clear_error() -> None:
    env = {k: v for k, v in os.environ.items() if k != "CALLCORE_SECRET_KEY"}
    r = run("sign", "auth-v2", "https://h/p", "--access-key", "ak", env=env)
    assert r.returncode == 2
    assert "CALLCORE_SECRET_KEY" in r.stderr and "Traceback" not in r.stderr


def test_sccc_command(capsys) -> None:  # type: ignore[no-untyped-def]
    os.environ["CALLCORE_TEST_PW"] = "E416D0F85DC0CB67C85E070A32D9F0123AFF4762"
    assert main(["sign", "sccc", "--customer", "C2", "--secret-key-env", "CALLCORE_TEST_PW", "--timestamp", "1471918933001", "--seq", "5271"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["authentication"]["digest"] == "ae62e11cab746436b64a26f4ed8e41a3"


def test_sign_demo_runs_clean() -> None:
    r = run("sign", "demo")
    assert r.returncode == 0, r.stdout + r.stderr
    assert "demo OK" in r.stdout
