"""The user scripts reach every public name: each name a module lists in ``__all__`` appears in
some ``user_*.py``, so a name added to the public API is type-checked as users call it (or this
test says which script should use it)."""
from __future__ import annotations

import ast
import importlib
from pathlib import Path

import pytest

# the public modules that declare their names; the platform modules without __all__ are reached
# through their clients in user_platforms.py
MODULES = ["callcore.sign", "callcore.sign.tokens", "callcore.sign.httpx_auth", "callcore.calllist", "callcore.audio",
           "callcore.platforms", "callcore.platforms.huawei", "callcore.pipelines", "callcore.receivers",
           "callcore.platforms.registry"]


def _names_used(scripts: list[Path]) -> set[str]:
    used: set[str] = set()
    for script in scripts:
        for node in ast.walk(ast.parse(script.read_text())):
            if isinstance(node, ast.Attribute):
                used.add(node.attr)
            elif isinstance(node, ast.Name):
                used.add(node.id)
            elif isinstance(node, ast.alias):
                used.add(node.name)
    return used


@pytest.mark.parametrize("module", MODULES)
def test_every_public_name_is_used_by_a_user_script(module: str, user_scripts: list[Path]) -> None:
    public = set(importlib.import_module(module).__all__)
    missing = public - _names_used(user_scripts)
    assert not missing, f"{module}: no user_*.py uses {sorted(missing)}"
