"""Plumbing shared by the four sandboxes: SQLite state, fault injection, the server thread.

Fault SPEC (``--faults``): comma-separated ``kind=rate[:param]`` items, rate in 0..1:

* ``latency=0.5:0.2``  delay half of the requests by 0.2 s
* ``5xx=0.1[:503]``     answer 10 % with an HTML 5xx error page
* ``drop=0.05``        drop the connection mid-response (declared Content-Length, short body)
* ``flow=0.2``         answer the platform's flow-control error (Huawei 0200022/0300008, SCCC
  0xF1000021, HTTP 429 elsewhere)
* ``skew=1:600``       the server clock runs 600 s ahead (negative: behind) for that share of
  requests: its Date header shows it, and signed requests outside the allowed skew get 401
* ``seed=7``           the random seed (default 0), so runs are reproducible
"""
from __future__ import annotations

import asyncio
import email.utils
import json
import random
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Awaitable, Callable, ClassVar, Iterable, Self

from callcore._sqlite import LockedDatabase

FAULT_KINDS = ("latency", "5xx", "drop", "flow", "skew")


@dataclass
class Faults:
    """Parsed fault-injection settings (see the module docstring)."""

    rates: dict[str, float] = field(default_factory=dict)
    params: dict[str, float] = field(default_factory=dict)
    seed: int = 0

    @classmethod
    def parse(cls, spec: str | None) -> "Faults":
        f = cls()
        if not spec:
            return f
        for item in spec.split(","):
            item = item.strip()
            if not item:
                continue
            if "=" not in item:
                raise ValueError(f"fault {item!r}: expected kind=rate[:param]")
            kind, _, val = item.partition("=")
            kind = kind.strip().lower()
            if kind == "seed":
                f.seed = int(val)
                continue
            if kind not in FAULT_KINDS:
                raise ValueError(f"fault {kind!r}: unknown kind (known: {', '.join(FAULT_KINDS)}, seed)")
            rate_s, _, param_s = val.partition(":")
            rate = float(rate_s)
            if not 0.0 <= rate <= 1.0:
                raise ValueError(f"fault {kind}: rate {rate} is outside 0..1")
            f.rates[kind] = rate
            if param_s:
                f.params[kind] = float(param_s)
            elif kind == "latency":
                f.params[kind] = 0.1
            elif kind == "5xx":
                f.params[kind] = 503
            elif kind == "skew":
                f.params[kind] = 3600.0
        return f

    def __str__(self) -> str:
        items = [f"{k}={r}" + (f":{self.params[k]:g}" if k in self.params else "") for k, r in self.rates.items()]
        return ",".join(items + ([f"seed={self.seed}"] if self.seed else [])) or "none"


class State(LockedDatabase):
    """A SQLite database in the state folder (``:memory:`` when none); one connection guarded by a
    lock, used from the server's event-loop thread and from the controlling thread."""

    def __init__(self, state_dir: str | Path | None, name: str, schema: str) -> None:
        self.dir = Path(state_dir) if state_dir else None
        if self.dir:
            self.dir.mkdir(parents=True, exist_ok=True)
            path = str(self.dir / f"{name}.sqlite3")
        else:
            path = ":memory:"
        super().__init__(path)
        self.db.execute("PRAGMA journal_mode=WAL" if self.dir else "PRAGMA journal_mode=MEMORY")
        with self.lock:
            self.db.executescript(schema)

    def execute(self, sql: str, args: Iterable[Any] = ()) -> int:
        """Executes a statement; returns the number of rows changed."""
        with self.lock:
            return self.db.execute(sql, tuple(args)).rowcount

    def insert(self, sql: str, args: Iterable[Any] = ()) -> int:
        """Executes an INSERT; returns the new rowid."""
        with self.lock:
            return int(self.db.execute(sql, tuple(args)).lastrowid or 0)

    def many(self, sql: str, rows: Iterable[Iterable[Any]]) -> None:
        with self.lock:
            self.db.execute("BEGIN")
            try:
                self.db.executemany(sql, [tuple(r) for r in rows])
                self.db.execute("COMMIT")
            except BaseException:
                self.db.execute("ROLLBACK")
                raise

    def close(self) -> None:
        with self.lock:
            self.db.close()


def http_date(ts: float) -> bytes:
    return email.utils.formatdate(ts, usegmt=True).encode()


class FaultMiddleware:
    """Pure ASGI middleware: injects faults, stamps the (possibly skewed) Date header, and tells
    the app the clock offset through ``scope["state"]["clock_offset"]``. Paths under
    ``/_sandbox`` (test control) are never faulted."""

    def __init__(self, app: Any, faults: Faults,
                 flow_response: Callable[[dict], tuple[int, dict[str, Any] | str]]) -> None:
        self.app = app
        self.faults = faults
        self.flow_response = flow_response
        self.rng = random.Random(faults.seed)
        self.counts: dict[str, int] = {k: 0 for k in FAULT_KINDS}

    def _hit(self, kind: str) -> bool:
        rate = self.faults.rates.get(kind, 0.0)
        if rate <= 0:
            return False
        hit = rate >= 1.0 or self.rng.random() < rate
        if hit:
            self.counts[kind] += 1
        return hit

    async def __call__(self, scope: dict, receive: Callable[[], Awaitable[dict]],
                       send: Callable[[dict], Awaitable[None]]) -> None:
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        control = scope["path"].startswith("/_sandbox")
        offset = 0.0
        if not control:
            if self._hit("latency"):
                await asyncio.sleep(self.faults.params.get("latency", 0.1))
            if self._hit("skew"):
                offset = self.faults.params.get("skew", 3600.0)
        scope.setdefault("state", {})["clock_offset"] = offset
        now = time.time() + offset

        async def send_dated(msg: dict) -> None:
            if msg["type"] == "http.response.start":
                headers = [(k, v) for k, v in msg.get("headers", []) if k.lower() != b"date"]
                headers.append((b"date", http_date(now)))
                msg = dict(msg, headers=headers)
            await send(msg)

        if not control:
            if self._hit("drop"):
                await send_dated({"type": "http.response.start", "status": 200,
                                  "headers": [(b"content-type", b"application/json;charset=UTF-8"),
                                              (b"content-length", b"4096")]})
                await send_dated({"type": "http.response.body", "body": b'{"resultCode": "02', "more_body": True})
                raise ConnectionResetError("sandbox fault: connection dropped")
            if self._hit("5xx"):
                status = int(self.faults.params.get("5xx", 503))
                body = (f"<html><head><title>{status} Service Unavailable</title></head><body><h1>{status}</h1>"
                        "<p>sandbox fault injection</p></body></html>").encode()
                await send_dated({"type": "http.response.start", "status": status,
                                  "headers": [(b"content-type", b"text/html"),
                                              (b"content-length", str(len(body)).encode())]})
                await send_dated({"type": "http.response.body", "body": body})
                return
            if self._hit("flow"):
                status, payload = self.flow_response(scope)
                body = (payload if isinstance(payload, str) else json.dumps(payload, ensure_ascii=False)).encode()
                ctype = b"application/json;charset=UTF-8" if not isinstance(payload, str) else b"text/plain"
                await send_dated({"type": "http.response.start", "status": status,
                                  "headers": [(b"content-type", ctype), (b"content-length", str(len(body)).encode())]})
                await send_dated({"type": "http.response.body", "body": body})
                return
        await self.app(scope, receive, send_dated)


class ServerThread:
    """Runs an ASGI app with uvicorn on a loopback port in a background thread."""

    def __init__(self, app: Any, host: str = "127.0.0.1", port: int = 0, *, ssl_certfile: str | None = None,
                 ssl_keyfile: str | None = None) -> None:
        import uvicorn

        self.config = uvicorn.Config(app, host=host, port=port, log_level="warning", lifespan="off",
                                     date_header=False, server_header=False, access_log=False,
                                     ssl_certfile=ssl_certfile, ssl_keyfile=ssl_keyfile, timeout_graceful_shutdown=1)
        self.server = uvicorn.Server(self.config)
        self.thread = threading.Thread(target=self.server.run, name="callcore-sandbox", daemon=True)
        self.host = host
        self.port = port

    def start(self, timeout: float = 10.0) -> None:
        self.thread.start()
        deadline = time.monotonic() + timeout
        while not self.server.started:
            if not self.thread.is_alive():
                raise RuntimeError("sandbox server failed to start")
            if time.monotonic() > deadline:
                raise RuntimeError("sandbox server did not start in time")
            time.sleep(0.01)
        sock = self.server.servers[0].sockets[0]
        self.port = sock.getsockname()[1]

    def stop(self) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=10)


class SandboxServer:
    """What every platform's sandbox is: its app (rules and SQLite state) served on a loopback
    port by a background uvicorn, started by ``with`` (or :meth:`start`) and stopped with its
    state closed. A platform's sandbox adds its credentials and its ``dial``."""

    #: the platform's app, built as ``app_class(state_dir, config, faults)``: ``.app`` is the ASGI
    #: callable, ``.state`` its State; ``config_class`` is what ``callcore sandbox`` builds from its options
    app_class: ClassVar[Callable[..., Any]]
    config_class: ClassVar[type[Any]]
    app: Any

    def __init__(self, state_dir: str | Path | None = None, *, port: int = 0, faults: str | Faults | None = None,
                 config: Any = None, host: str = "127.0.0.1", ssl_certfile: str | None = None,
                 ssl_keyfile: str | None = None) -> None:
        if config is not None and not isinstance(config, self.config_class):
            raise TypeError(f"config: expected {self.config_class.__name__}, got {type(config).__name__}")
        self.app = self.app_class(state_dir, config, faults)
        self.server = ServerThread(self.app.app, host, port, ssl_certfile=ssl_certfile, ssl_keyfile=ssl_keyfile)
        self.scheme = "https" if ssl_certfile else "http"

    @property
    def url(self) -> str:
        return f"{self.scheme}://{self.server.host}:{self.server.port}"

    def start(self) -> Self:
        self.server.start()
        return self

    def stop(self) -> None:
        self.server.stop()
        self.app.state.close()

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
