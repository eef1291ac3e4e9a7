"""The public API type-checks under pyright in strict mode as a user's code sees it (the checker
behind VS Code's Pylance): the user scripts pass, and misuse fails on exactly the marked lines."""
from __future__ import annotations

from pathlib import Path
from typing import Any


def test_user_scripts_pass_pyright_strict(pyright: Any, user_scripts: list[Path]) -> None:
    run = pyright(*user_scripts)
    assert run.returncode == 0 and not run.errors, run.output


def test_misuse_fails_pyright(pyright: Any, misuse: Any) -> None:
    run = pyright(misuse.script)
    assert run.returncode == 1, run.output
    assert run.error_lines(misuse.script.name) == misuse.lines, run.output
