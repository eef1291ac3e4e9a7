"""The public API type-checks as a user's code sees it: the ``user_*.py`` scripts pass
``mypy --strict`` against the installed-style package (callcore found on the path, like
site-packages, with its py.typed and _core.pyi), misuse fails it, and the Huawei clients' typed
method declarations match the request builders they are generated from. The checker runs come
from conftest.py, shared with test_pyright.py."""
from __future__ import annotations

import ast
import inspect
from pathlib import Path
from typing import Any


PACKAGE = Path(__file__).resolve().parents[2] / "python" / "callcore"


def test_user_scripts_pass_mypy_strict(mypy: Any, user_scripts: list[Path]) -> None:
    run = mypy(*user_scripts)
    assert run.returncode == 0, run.output


def test_misuse_fails_mypy(mypy: Any, misuse: Any) -> None:
    # the check is not vacuous: misuse_script.py fails on exactly its marked lines
    run = mypy(misuse.script)
    assert run.returncode == 1, run.output
    assert run.error_lines(misuse.script.name) == misuse.lines, run.output
    assert 'Incompatible return value type (got "int", expected "str")' in run.output, run.output


def _declared(cls: ast.ClassDef) -> dict[str, ast.FunctionDef | ast.AsyncFunctionDef]:
    return {n.name: n for n in cls.body if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef))}


def test_huawei_declarations_match_the_request_builders() -> None:
    from callcore.platforms import huawei

    tree = ast.parse((PACKAGE / "platforms" / "_huawei_calls.pyi").read_text())
    classes = {n.name: n for n in tree.body if isinstance(n, ast.ClassDef)}
    for cls_name, is_async in (("HuaweiCalls", False), ("AsyncHuaweiCalls", True)):
        declared = _declared(classes[cls_name])
        assert set(declared) == set(huawei._JSON_CALLS), set(declared) ^ set(huawei._JSON_CALLS)
        for name, node in declared.items():
            assert isinstance(node, ast.AsyncFunctionDef) == is_async, (cls_name, name)
            builder = inspect.signature(getattr(huawei._HuaweiApi, name))
            a = node.args
            params = [(p.arg, "positional") for p in a.args] + [(p.arg, "keyword") for p in a.kwonlyargs]
            want = [(p.name, "keyword" if p.kind is inspect.Parameter.KEYWORD_ONLY else "positional")
                    for p in builder.parameters.values()]
            assert params == want, (cls_name, name, params, want)
            defaults = [ast.literal_eval(d) for d in a.defaults] + \
                       [ast.literal_eval(d) for d in a.kw_defaults if d is not None]
            want_defaults = [p.default for p in builder.parameters.values() if p.default is not inspect.Parameter.empty]
            assert defaults == want_defaults, (cls_name, name)
            # the runtime methods are the generated ones, with the builder's signature
            assert inspect.signature(getattr(huawei.HuaweiClient, name)) == builder


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
