"""``_core.pyi`` tells the truth about the extension: what it declares as a class is a class at
run time, with the declared base (so ``except``, ``isinstance`` and subclassing behave as the
checkers say), what it declares as a function or constant is one, and nothing the extension
exports is missing from it. The checkers trust the stub; only a run can check the stub."""
from __future__ import annotations

import ast
import builtins
import types
from pathlib import Path

import pytest

import callcore
from callcore import _core

STUB = Path(callcore.__file__).parent / "_core.pyi"


def _namespaces() -> dict[str, ast.ClassDef]:
    # each capability is a submodule of the extension, declared as a class used as a namespace
    tree = ast.parse(STUB.read_text())
    return {node.name: node for node in tree.body if isinstance(node, ast.ClassDef)}


def _declared(namespace: ast.ClassDef) -> dict[str, ast.stmt]:
    names: dict[str, ast.stmt] = {}
    for node in namespace.body:
        if isinstance(node, (ast.ClassDef, ast.FunctionDef)):
            names[node.name] = node
        elif isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name):
            names[node.target.id] = node
    return names


def _runtime(module: types.ModuleType) -> set[str]:
    return {name for name in vars(module) if not (name.startswith("__") and name.endswith("__"))}


NAMESPACES = sorted(_namespaces())


def test_every_submodule_is_declared() -> None:
    submodules = {name for name, value in vars(_core).items() if isinstance(value, types.ModuleType)}
    assert submodules == set(NAMESPACES)


@pytest.mark.parametrize("namespace", NAMESPACES)
def test_stub_matches_the_extension(namespace: str) -> None:
    module = getattr(_core, namespace)
    declared = _declared(_namespaces()[namespace])
    assert set(declared) == _runtime(module), set(declared) ^ _runtime(module)
    for name, node in declared.items():
        value = getattr(module, name)
        if isinstance(node, ast.ClassDef):
            assert isinstance(value, type), (namespace, name, value)
            # the declared direct base: a sibling in the stub or a builtin exception
            bases = [b.id for b in node.bases if isinstance(b, ast.Name)]
            for base in bases:
                expected = getattr(module, base) if base in declared else getattr(builtins, base)
                assert expected in value.__bases__, (namespace, name, base, value.__bases__)
            if not bases:
                assert value.__bases__ == (object,), (namespace, name, value.__bases__)
        elif isinstance(node, ast.FunctionDef):
            assert callable(value) and not isinstance(value, type), (namespace, name)
        else:
            assert isinstance(node, ast.AnnAssign)
            annotation = ast.unparse(node.annotation)
            origin = annotation.split("[", 1)[0]
            assert isinstance(value, getattr(builtins, origin)), (namespace, name, annotation, value)


# every extension class prints as the name its stub declares (calllist.CalllistError once printed as CalllistError_)
@pytest.mark.parametrize("namespace", NAMESPACES)
def test_classes_print_as_their_names(namespace: str) -> None:
    module = getattr(_core, namespace)
    for name, node in _declared(_namespaces()[namespace]).items():
        if isinstance(node, ast.ClassDef):
            assert getattr(module, name).__name__ == name, (namespace, name)
