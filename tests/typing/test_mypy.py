"""The public API type-checks as a user's code sees it: the ``user_*.py`` scripts pass
``mypy --strict`` against the installed-style package (callcore found on the path, like
site-packages, with its py.typed and _core.pyi), and misuse fails it. The checker runs come from
conftest.py, shared with test_pyright.py. (That every platform client's sync and async methods
match is ``tests/platforms/test_client_parity.py``.)"""
from __future__ import annotations

from pathlib import Path
from typing import Any


def test_user_scripts_pass_mypy_strict(mypy: Any, user_scripts: list[Path]) -> None:
    run = mypy(*user_scripts)
    assert run.returncode == 0, run.output


def test_misuse_fails_mypy(mypy: Any, misuse: Any) -> None:
    # the check is not vacuous: misuse_script.py fails on exactly its marked lines
    run = mypy(misuse.script)
    assert run.returncode == 1, run.output
    assert run.error_lines(misuse.script.name) == misuse.lines, run.output
    assert 'Incompatible return value type (got "int", expected "str")' in run.output, run.output


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
