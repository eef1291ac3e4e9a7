"""The one sync and one async transport of every platform client.

A client is its platform's request builders plus one of these: each client method hands the
:class:`~._request.Request` its builder returns to :meth:`SyncTransport.send` (or awaits
:meth:`AsyncTransport.send`). The transport owns what the platforms share: sending through httpx
(:class:`~._http.HttpOptions`, with the crash-point hook), downloading to an atomic file,
mapping transport errors and statuses to typed errors, reading the answer through the request's
``check`` and ``parse``, scrubbing the request's own secrets from errors, and retrying through
the client's :class:`~.retry.RetryPolicy` when one was given (each retry logged on
``callcore.platforms``). Without a policy a call is attempted once, as the pipelines expect:
they choose what is safe to repeat.
"""
from __future__ import annotations

from pathlib import Path
from typing import Any, AsyncIterator, Mapping, Self, TypeVar, cast

import httpx

from ._http import (HEAD_BYTES, AtomicFile, HttpOptions, body_kind, decode_json, declared_length,
                    generic_status_error, read_head, rejoin, transport_error, body_snippet)
from ._request import Request
from .errors import PlatformError, ProtocolError, scrub_error
from .retry import RetryPolicy, acall_with_retry, call_with_retry

ResultT = TypeVar("ResultT")


def status_failure(request: Request[Any], response: httpx.Response) -> PlatformError | None:
    """The typed error of a non-2xx answer (its body read), or ``None`` for 2xx."""
    if 200 <= response.status_code < 300:
        return None
    if request.status_error is not None:
        error = request.status_error(response)
        if error is not None:
            return error
    return generic_status_error(response, platform=request.platform, endpoint=request.endpoint)


def read_answer(request: Request[ResultT], response: httpx.Response) -> ResultT:
    """The typed result of a JSON answer, or its typed error."""
    error = status_failure(request, response)
    if error is not None:
        raise error
    document = decode_json(response, platform=request.platform, endpoint=request.endpoint)
    payload = request.check(document, response.status_code)
    return request.parse(payload) if request.parse is not None else cast(ResultT, payload)


def download_kind(request: Request[Any], response: httpx.Response, head: bytes, complete: bool) -> str:
    """What a download body is, from its first bytes ('zip', 'wav', 'mp3' or 'binary'). A JSON
    body is the platform's error answered with HTTP 200: its code is raised as the typed error;
    JSON without an error code, or an HTML page, is a :class:`ProtocolError`."""
    kind = body_kind(head, complete)
    if kind == "json":
        document = decode_json(httpx.Response(200, content=head), platform=request.platform,
                               endpoint=request.endpoint)
        request.check(document, response.status_code)
        raise ProtocolError(f"{request.platform} {request.endpoint}: expected a file, got JSON without an error "
                            f"code: {body_snippet(head)}", platform=request.platform, endpoint=request.endpoint,
                            http_status=response.status_code)
    if kind == "html":
        raise ProtocolError(f"{request.platform} {request.endpoint}: expected a file, got an HTML page: "
                            f"{body_snippet(head, 100)}", platform=request.platform, endpoint=request.endpoint,
                            http_status=response.status_code)
    return kind


def download_target(request: Request[Any], kind: str) -> Path:
    assert request.download is not None
    target = request.download.target()
    return request.download.rename(target, kind) if request.download.rename is not None else target


class _Transport:
    def __init__(self, platform: str, servers: Mapping[str, str], retry: RetryPolicy | None) -> None:
        self.platform = platform
        self.servers = {name: url.rstrip("/") for name, url in servers.items()}
        self.retry = retry

    def url(self, request: Request[Any]) -> str:
        return self.servers[request.server] + request.path

    def _scrubbed(self, request: Request[Any], error: PlatformError) -> PlatformError:
        # a server echoing the request must not print its one-request secrets (an SCCC digest)
        return scrub_error(error, request.secrets) if request.secrets else error


class SyncTransport(_Transport):
    def __init__(self, platform: str, servers: Mapping[str, str], options: HttpOptions, *,
                 retry: RetryPolicy | None = None, **client_arguments: Any) -> None:
        super().__init__(platform, servers, retry)
        self.http = options.sync_client("", **client_arguments)

    def send(self, request: Request[ResultT]) -> ResultT:
        if self.retry is None:
            return self._attempt(request)
        return cast(ResultT, call_with_retry(self._attempt, request, policy=self.retry))

    def _attempt(self, request: Request[ResultT]) -> ResultT:
        try:
            try:
                if request.download is not None:
                    return cast(ResultT, self._download(request))
                response = self.http.request(request.method, self.url(request), **request.send_arguments())
            except httpx.HTTPError as e:
                raise transport_error(e, platform=request.platform, endpoint=request.endpoint) from e
            return read_answer(request, response)
        except PlatformError as e:
            raise self._scrubbed(request, e) from e.__cause__

    def _download(self, request: Request[Any]) -> Path:
        with self.http.stream(request.method, self.url(request), **request.send_arguments()) as response:
            if not 200 <= response.status_code < 300:
                response.read()
                raise cast(PlatformError, status_failure(request, response))
            head, rest, complete = read_head(response.iter_bytes(HEAD_BYTES))
            target = download_target(request, download_kind(request, response, head, complete))
            with AtomicFile(target) as out:
                for chunk in rejoin(head, rest):
                    out.write(chunk)
                out.commit(declared_length(response))
            return target

    def close(self) -> None:
        self.http.close()


class AsyncTransport(_Transport):
    def __init__(self, platform: str, servers: Mapping[str, str], options: HttpOptions, *,
                 retry: RetryPolicy | None = None, **client_arguments: Any) -> None:
        super().__init__(platform, servers, retry)
        self.http = options.async_client("", **client_arguments)

    async def send(self, request: Request[ResultT]) -> ResultT:
        if self.retry is None:
            return await self._attempt(request)
        return cast(ResultT, await acall_with_retry(self._attempt, request, policy=self.retry))

    async def _attempt(self, request: Request[ResultT]) -> ResultT:
        try:
            try:
                if request.download is not None:
                    return cast(ResultT, await self._download(request))
                response = await self.http.request(request.method, self.url(request), **request.send_arguments())
            except httpx.HTTPError as e:
                raise transport_error(e, platform=request.platform, endpoint=request.endpoint) from e
            return read_answer(request, response)
        except PlatformError as e:
            raise self._scrubbed(request, e) from e.__cause__

    async def _download(self, request: Request[Any]) -> Path:
        async with self.http.stream(request.method, self.url(request), **request.send_arguments()) as response:
            if not 200 <= response.status_code < 300:
                await response.aread()
                raise cast(PlatformError, status_failure(request, response))
            chunks = response.aiter_bytes(HEAD_BYTES)
            head, complete = await _aread_head(chunks)
            target = download_target(request, download_kind(request, response, head, complete))
            with AtomicFile(target) as out:
                out.write(head)
                if not complete:
                    async for chunk in chunks:
                        out.write(chunk)
                out.commit(declared_length(response))
            return target

    async def aclose(self) -> None:
        await self.http.aclose()


async def _aread_head(chunks: AsyncIterator[bytes], size: int = HEAD_BYTES) -> tuple[bytes, bool]:
    """The async :func:`~._http.read_head`: at least *size* bytes (or all), and whether that is
    the whole body; the rest stays in *chunks*."""
    parts: list[bytes] = []
    taken = 0
    async for chunk in chunks:
        parts.append(chunk)
        taken += len(chunk)
        if taken >= size:
            return b"".join(parts), False
    return b"".join(parts), True


class PlatformClient:
    """What every client holds beside its platform's request builders and credentials: the base
    URL, the connection options, the retry policy, and the sync or async transport."""

    base_url: str
    options: HttpOptions
    retry: RetryPolicy | None

    def _connect(self, platform: str, base_url: str, options: HttpOptions | None, retry: RetryPolicy | None, *,
                 other_servers: Mapping[str, str] | None = None, **client_arguments: Any) -> None:
        """Opens the transport to *base_url* (the ``"api"`` server) and *other_servers*."""
        self.base_url = base_url.rstrip("/")
        self.options = options or HttpOptions()
        self.retry = retry
        servers = {"api": self.base_url, **(other_servers or {})}
        self._open_transport(platform, servers, self.options, retry, **client_arguments)

    def _open_transport(self, platform: str, servers: Mapping[str, str], options: HttpOptions,
                        retry: RetryPolicy | None, **client_arguments: Any) -> None:
        raise NotImplementedError("a client is a SyncClient or an AsyncClient")


class SyncClient(PlatformClient):
    """The sync transport, ``close()`` and the ``with`` statement of every sync platform client."""

    _transport: SyncTransport

    def _open_transport(self, platform: str, servers: Mapping[str, str], options: HttpOptions,
                        retry: RetryPolicy | None, **client_arguments: Any) -> None:
        self._transport = SyncTransport(platform, servers, options, retry=retry, **client_arguments)

    def close(self) -> None:
        self._transport.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class AsyncClient(PlatformClient):
    """The async transport, ``aclose()`` and ``async with`` of every async platform client."""

    _transport: AsyncTransport

    def _open_transport(self, platform: str, servers: Mapping[str, str], options: HttpOptions,
                        retry: RetryPolicy | None, **client_arguments: Any) -> None:
        self._transport = AsyncTransport(platform, servers, options, retry=retry, **client_arguments)

    async def aclose(self) -> None:
        await self._transport.aclose()

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()
