from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest

from callcore.receivers import EventStore
from callcore.sandbox._server import ServerThread


@pytest.fixture
def store(tmp_path: Any) -> Iterator[EventStore]:
    s = EventStore(tmp_path / "store")
    yield s
    s.close()


@pytest.fixture
def serve() -> Iterator[Callable[[Any], str]]:
    """Serves an ASGI app on a loopback port; returns its base URL."""
    servers: list[ServerThread] = []

    def start(app: Any) -> str:
        t = ServerThread(app)
        t.start()
        servers.append(t)
        return f"http://127.0.0.1:{t.port}"

    yield start
    for t in servers:
        t.stop()
