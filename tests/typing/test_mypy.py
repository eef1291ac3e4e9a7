"""The public API type-checks as a user's code sees it: ``user_script.py`` passes
``mypy --strict`` against the installed-style package (callcore found on the path, like
site-packages, with its py.typed and _core.pyi), and misuse fails it. (That every platform
client's sync and async methods match is ``tests/platforms/test_client_parity.py``.)"""
from __future__ import annotations

import importlib.util
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

HERE = Path(__file__).parent
PACKAGE = Path(__file__).resolve().parents[2] / "python" / "callcore"


def _mypy() -> list[str]:
    if importlib.util.find_spec("mypy") is not None:
        return [sys.executable, "-m", "mypy"]
    exe = os.environ.get("CALLCORE_MYPY") or shutil.which("mypy")
    if exe is None:
        pytest.skip("mypy is not installed: pip install '.[test]' (make setup) brings it")
    return [exe]


def _check(tmp_path: Path, *files: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*_mypy(), "--strict", "--no-incremental", "--cache-dir", str(tmp_path / "cache"),
         "--python-executable", sys.executable, *map(str, files)],
        capture_output=True, text=True, timeout=600, env={**os.environ, "MYPY_FORCE_COLOR": "0"},
    )


def test_user_script_passes_mypy_strict(tmp_path: Path) -> None:
    run = _check(tmp_path, HERE / "user_script.py")
    assert run.returncode == 0, run.stdout[-4000:] + run.stderr[-2000:]


def test_misuse_fails_mypy(tmp_path: Path) -> None:
    # the check is not vacuous: a column's result is not a Summary, an unknown option string or
    # platform is an error, and Huawei methods have their builders' parameters and results
    bad = tmp_path / "misuse.py"
    bad.write_text(
        "from callcore import audio, calllist\n"
        "from callcore.platforms.huawei import HuaweiClient\n"
        "s: calllist.Summary = calllist.clean(['13800138000'])\n"
        "audio.transcode('a.V3', 'a.wav', source='vox7k')\n"
        "calllist.clean('in.csv', platform='huawei-v3')\n"
        "def f(hw: HuaweiClient) -> str:\n"
        "    return hw.add_numbers(1, ['13800138000'])\n"
    )
    run = _check(tmp_path, bad)
    out = run.stdout
    assert run.returncode == 1, out
    for line in (3, 4, 5, 7):
        assert f"misuse.py:{line}: error" in out, out
    assert 'Incompatible return value type (got "int", expected "str")' in out, out


def test_core_classes_are_classes_users_can_subclass() -> None:
    from callcore import calllist

    class AreaNormalizer(calllist.Normalizer):
        pass

    norm = AreaNormalizer(default_area_code="0755")
    assert isinstance(norm, calllist.Normalizer)
    r = calllist.normalize(["88889999"], normalizer=norm)
    assert r.e164 == ["+8675588889999"]

    class Blocked(calllist.Blacklist):
        pass

    assert issubclass(Blocked, calllist.Blacklist)
