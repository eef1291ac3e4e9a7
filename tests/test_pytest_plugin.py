"""The sandbox fixtures are opt-in: a project that merely has callcore installed gets none of
them, and ``-p callcore.sandbox.pytest_plugin`` brings them."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

USER_TEST = '''
def test_uses_the_sandbox(huawei_sandbox):
    assert huawei_sandbox.url.startswith("http://127.0.0.1:")
'''


def _pytest(folder: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", *args, str(folder)],
                          cwd=folder, capture_output=True, text=True, timeout=300)


def test_plugin_is_not_loaded_by_installing_callcore(tmp_path: Path) -> None:
    (tmp_path / "test_user.py").write_text(USER_TEST)
    run = _pytest(tmp_path)
    assert run.returncode == 1 and "fixture 'huawei_sandbox' not found" in run.stdout, run.stdout[-2000:]
    assert "callcore" not in _pytest(tmp_path, "--trace-config").stdout.split("active plugins:")[-1]


def test_plugin_loads_on_request(tmp_path: Path) -> None:
    (tmp_path / "test_user.py").write_text(USER_TEST)
    run = _pytest(tmp_path, "-p", "callcore.sandbox.pytest_plugin")
    assert run.returncode == 0, run.stdout[-2000:] + run.stderr[-2000:]
