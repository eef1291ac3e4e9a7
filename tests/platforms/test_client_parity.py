"""Every platform's sync and async clients come from one definition: each public sync method has
an async twin with the same parameters and result (awaited), and each is the one-line hand-over of
the same request builder's value to the transport."""
from __future__ import annotations

import ast
import inspect
import textwrap
from typing import Any

import pytest

from callcore.platforms.babaihu import AsyncBabaihuClient, BabaihuClient, BabaihuRequests
from callcore.platforms.hl95 import AsyncHl95Client, Hl95Client, Hl95Requests
from callcore.platforms.huawei import AsyncHuaweiClient, HuaweiClient, HuaweiRequests
from callcore.platforms.sccc import AsyncScccClient, ScccClient, ScccRequests

CLIENTS = [
    pytest.param(HuaweiClient, AsyncHuaweiClient, HuaweiRequests, id="huawei"),
    pytest.param(ScccClient, AsyncScccClient, ScccRequests, id="sccc"),
    pytest.param(BabaihuClient, AsyncBabaihuClient, BabaihuRequests, id="babaihu"),
    pytest.param(Hl95Client, AsyncHl95Client, Hl95Requests, id="hl95"),
]
# what a client does besides sending one request: paging loops over a sending method, the token
LOOPS_AND_TOKENS = {"iter_records", "iter_call_records", "token", "send_prepared"}


def public_methods(cls: type) -> dict[str, Any]:
    return {name: fn for name, fn in inspect.getmembers(cls, inspect.isfunction) if not name.startswith("_")}


@pytest.mark.parametrize("sync_cls, async_cls, requests_cls", CLIENTS)
def test_every_sync_method_has_an_async_twin(sync_cls: type, async_cls: type, requests_cls: type) -> None:
    sync_methods, async_methods = public_methods(sync_cls), public_methods(async_cls)
    assert set(sync_methods) - {"close"} == set(async_methods) - {"aclose"}
    for name, sync_fn in sync_methods.items():
        if name == "close":
            continue
        async_fn = async_methods[name]
        if async_fn is sync_fn:  # a shared builder (Huawei's prepare_add_numbers): no I/O, nothing to await
            assert not inspect.iscoroutinefunction(sync_fn), name
            continue
        sync_sig, async_sig = inspect.signature(sync_fn), inspect.signature(async_fn)
        assert list(sync_sig.parameters.values()) == list(async_sig.parameters.values()), name
        if inspect.isgeneratorfunction(sync_fn):
            assert inspect.isasyncgenfunction(async_fn), name
            assert async_sig.return_annotation == "Async" + sync_sig.return_annotation, name
        else:
            assert inspect.iscoroutinefunction(async_fn), name
            assert async_sig.return_annotation == sync_sig.return_annotation, name


def _statements(fn: Any) -> list[ast.stmt]:
    node = ast.parse(textwrap.dedent(inspect.getsource(fn))).body[0]
    assert isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef))
    body = node.body
    if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant):
        body = body[1:]  # the docstring
    return body


@pytest.mark.parametrize("sync_cls, async_cls, requests_cls", CLIENTS)
def test_each_method_hands_its_builders_request_to_the_transport(sync_cls: type, async_cls: type,
                                                                 requests_cls: type) -> None:
    """No logic in a client method: one ``return self._transport.send(self.requests.<same name>(...))``
    (awaited in the async client), so nothing can differ between the two."""
    for cls in (sync_cls, async_cls):
        for name, fn in public_methods(cls).items():
            inherited = fn.__qualname__.split(".")[0] != cls.__name__  # the lifecycle, Huawei's prepare_*
            if inherited or name in LOOPS_AND_TOKENS or name in ("close", "aclose"):
                continue
            body = _statements(fn)
            assert len(body) == 1 and isinstance(body[0], ast.Return), (cls.__name__, name)
            call = body[0].value
            if isinstance(call, ast.Await):
                assert inspect.iscoroutinefunction(fn), (cls.__name__, name)
                call = call.value
            assert isinstance(call, ast.Call) and ast.unparse(call.func) == "self._transport.send", (cls.__name__, name)
            [built] = call.args
            assert isinstance(built, ast.Call) and ast.unparse(built.func) == f"self.requests.{name}", (cls.__name__, name)
            assert hasattr(requests_cls, name), (requests_cls.__name__, name)


def test_requests_are_values_built_before_any_io(tmp_path: Any) -> None:
    """A builder returns the request without sending it: tests and bulk callers can read it."""
    from callcore.platforms._request import Request
    from callcore.platforms.huawei import CallData

    request = HuaweiRequests(vdn_id=3).add_numbers(7, [CallData(called="13800000000")])
    assert isinstance(request, Request)
    assert (request.method, request.path, request.endpoint, request.server) == \
        ("POST", "/rest/isales/v1/openapi/campaigns/3/calldata/7", "addCallData", "api")
    assert request.content == b'{"callDataList": [{"called": "13800000000"}]}' and request.download is None
    download = BabaihuRequests("user", "0123456789abcdef0123456789abcdef").download_record(tmp_path, cdr_id="9",
                                                                                            mp3=True)
    assert download.download is not None and download.download.target() == tmp_path / "9.mp3"
    assert download.query == {"id": "9", "ismp3": "1"} and download.form is None
    form = BabaihuRequests("user", "0123456789abcdef0123456789abcdef").blacklist()
    assert form.form is not None and form.form["method"] == "getBlacklists"
    assert "0123456789abcdef" not in repr(form)  # the form, with the password, is not in the repr
