"""Plumbing shared by the receivers: bounded body reads, access checks, answers, commit off the loop."""
from __future__ import annotations

import hmac
import ipaddress
import logging
from collections.abc import Iterable
from typing import Any

import anyio.to_thread
from starlette.requests import ClientDisconnect, Request
from starlette.responses import JSONResponse

from .store import Event, EventStore, Stored

log = logging.getLogger("callcore.receivers")

#: default body limit: a 7.6.1 push of a full page of results is far below this
DEFAULT_MAX_BODY = 1 << 20
#: the secret path segment of the pushes the seeds do not sign (Huawei 7.6.1, 八百呼)
PATH_SECRET_ENV = "CALLCORE_RECEIVER_PATH_SECRET"


class Refused(Exception):
    """A push refused: ``status`` is the HTTP status, ``reason`` says why (never a secret)."""

    def __init__(self, status: int, reason: str) -> None:
        super().__init__(reason)
        self.status = status
        self.reason = reason


async def read_body(request: Request, limit: int) -> bytes:
    """The body, refused with 413 as soon as it passes ``limit`` bytes (before reading it all when
    Content-Length says so), and with 400 when the client hangs up before the declared length."""
    declared = request.headers.get("content-length")
    if declared is not None:
        if not declared.isdigit():
            raise Refused(400, f"Content-Length {declared[:20]!r} is not a number")
        if int(declared) > limit:
            raise Refused(413, f"body of {declared} bytes is over the {limit}-byte limit")
    chunks, size = [], 0
    try:
        async for chunk in request.stream():
            size += len(chunk)
            if size > limit:
                raise Refused(413, f"body is over the {limit}-byte limit")
            chunks.append(chunk)
    except ClientDisconnect:
        raise Refused(400, "the client closed the connection before the body was complete") from None
    body = b"".join(chunks)
    if declared is not None and len(body) != int(declared):
        raise Refused(400, f"body truncated: {len(body)} of {declared} bytes")
    return body


class Access:
    """The checks a push without a signature can get: a secret path segment and an IP allow-list."""

    def __init__(self, path_secret: str | None = None, allow: Iterable[str] | None = None) -> None:
        self.path_secret = path_secret or None
        self.networks = [ipaddress.ip_network(a, strict=False) for a in (allow or [])]

    def check(self, request: Request) -> None:
        if self.path_secret is not None:
            given = str(request.path_params.get("secret", ""))
            if not hmac.compare_digest(given.encode(), self.path_secret.encode()):
                # 404, not 401: a wrong secret segment is a path that does not exist
                raise Refused(404, "unknown path (wrong or missing secret path segment)")
        if self.networks:
            host = request.client.host if request.client else ""
            try:
                ip = ipaddress.ip_address(host)
            except ValueError:
                raise Refused(403, f"client address {host!r} is not an IP address") from None
            if not any(ip in n for n in self.networks):
                raise Refused(403, f"client {host} is not in the IP allow-list")

    def suffix(self) -> str:
        """The route suffix: ``/{secret}`` when a secret path segment is configured."""
        return "/{secret}" if self.path_secret is not None else ""


async def commit(store: EventStore, events: list[Event], **kw: Any) -> Stored:
    """Commits in a worker thread (the fsync must not stall the event loop)."""
    return await anyio.to_thread.run_sync(lambda: store.put(events, **kw))


def refused(platform: str, kind: str, request: Request, e: Refused, body: dict[str, Any]) -> JSONResponse:
    client = request.client.host if request.client else "?"
    log.warning("%s %s push from %s refused (%d): %s", platform, kind, client, e.status, e.reason)
    return JSONResponse(body, status_code=e.status)
