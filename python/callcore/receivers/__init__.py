"""Receivers for the platforms' pushes: one ASGI application per platform on a shared event store.

Mount one in your own Starlette app, or serve it with ``callcore receive serve``::

    from starlette.applications import Starlette
    from starlette.routing import Mount
    from callcore.receivers import EventStore, huawei_app

    store = EventStore("./pushes")
    app = Starlette(routes=[Mount("/hooks", app=huawei_app(store, path_secret="long-random-text"))])

An event is committed (SQLite WAL, ``synchronous=FULL``) before the platform gets its success
answer; a re-push is acknowledged and not stored twice; a bad signature, a malformed, truncated or
oversized body gets the platform's failure answer with a 4xx status and stores nothing.

九五云客服 (seed 000, V1.3) defines no pushes: its results and recordings are only polled.
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .store import Event, EventStore

if TYPE_CHECKING:
    from .babaihu import babaihu_app
    from .huawei import huawei_app
    from .sccc import ScccCredentials, sccc_app

__all__ = ["EventStore", "Event", "huawei_app", "sccc_app", "ScccCredentials", "babaihu_app"]

# The apps need starlette (callcore[receivers]); the store does not, and `outbound results` reads
# it without the extra, so the apps are imported when first asked for: ``<platform>_app`` from the
# platform's receiver module in the registry.
_LAZY_CLASSES = {"ScccCredentials": "callcore.receivers.sccc"}


def __getattr__(name: str) -> Any:
    from callcore.platforms import registry

    module = _LAZY_CLASSES.get(name)
    platform = name[:-len("_app")] if name.endswith("_app") else ""
    if module is None and platform in registry.names():
        module = registry.get(platform).receiver
    if module is None:
        raise AttributeError(f"module 'callcore.receivers' has no attribute {name!r}")
    return getattr(registry.load(module), name)
