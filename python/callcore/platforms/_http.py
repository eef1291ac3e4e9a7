"""HTTP plumbing the transports (:mod:`._transport`) share: connection options, decoding of JSON
bodies that may be HTML pages or truncated, status and transport-error mapping, sniffing what a
download body is, and the atomic file every download is written through."""
from __future__ import annotations

import functools
import hashlib
import json
import os
import re
import ssl
import tempfile
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable, Iterator, Mapping, Self

import httpx

from callcore import _crashpoint

from .errors import HTTPStatusError, PlatformError, ProtocolError, RateLimitError, ServerError, TransportError


@dataclass(frozen=True)
class HttpOptions:
    """Connection settings shared by every client.

    TLS verification is ON by default (the vendor demos turn it off; we do not). ``ca_file`` adds a
    custom CA bundle (a private platform CA); ``verify=False`` is possible but must be explicit.
    """

    timeout: float = 30.0
    connect_timeout: float = 10.0
    verify: bool = True
    ca_file: str | os.PathLike[str] | None = None
    max_connections: int = 20
    max_keepalive: int = 10
    headers: Mapping[str, str] = field(default_factory=dict)

    def _verify(self) -> bool | ssl.SSLContext:
        if not self.verify:
            return False
        return _tls_context(None if self.ca_file is None else os.fspath(self.ca_file))

    def client_kwargs(self, base_url: str) -> dict[str, Any]:
        return dict(
            base_url=base_url,
            timeout=httpx.Timeout(self.timeout, connect=self.connect_timeout),
            verify=self._verify(),
            limits=httpx.Limits(max_connections=self.max_connections, max_keepalive_connections=self.max_keepalive),
            headers=dict(self.headers),
        )

    def _merge(self, base_url: str, kw: dict[str, Any]) -> dict[str, Any]:
        args = self.client_kwargs(base_url)
        args["headers"] = {**args["headers"], **kw.pop("headers", {})}
        args.update(kw)
        return args

    def sync_client(self, base_url: str, **kw: Any) -> httpx.Client:
        args = self._merge(base_url, kw)
        if _crashpoint.active():  # the crash-point harness counts every response (tests only)
            args.setdefault("event_hooks", {}).setdefault("response", []).append(_count_response)
        return httpx.Client(**args)

    def async_client(self, base_url: str, **kw: Any) -> httpx.AsyncClient:
        args = self._merge(base_url, kw)
        if _crashpoint.active():
            args.setdefault("event_hooks", {}).setdefault("response", []).append(_count_response_async)
        return httpx.AsyncClient(**args)


@functools.lru_cache(maxsize=8)
def _tls_context(ca_file: str | None) -> ssl.SSLContext:
    """The verifying TLS context for a CA bundle (None: httpx's default, certifi's), made once per
    process: loading the bundle costs ~18 ms, which every client paid again (a recording sync opens
    one per run, a receiver one per forward). A context is safe to share between clients and
    threads; it holds trust settings only."""
    if ca_file is not None:
        return ssl.create_default_context(cafile=ca_file)
    return httpx.create_ssl_context()


def _count_response(_response: httpx.Response) -> None:
    _crashpoint.reached("request")


async def _count_response_async(_response: httpx.Response) -> None:
    _crashpoint.reached("request")


def transport_error(exc: Exception, *, platform: str, endpoint: str) -> TransportError | ProtocolError:
    """Maps an httpx exception to our types."""
    if isinstance(exc, httpx.TimeoutException):
        return TransportError(f"{platform} {endpoint}: timed out ({type(exc).__name__})", platform=platform,
                              endpoint=endpoint)
    if isinstance(exc, httpx.RemoteProtocolError):
        return TransportError(f"{platform} {endpoint}: connection dropped or response truncated: {exc}",
                              platform=platform, endpoint=endpoint)
    return TransportError(f"{platform} {endpoint}: {type(exc).__name__}: {exc}", platform=platform,
                          endpoint=endpoint)


def body_snippet(content: bytes, n: int = 120) -> str:
    text = content[:n].decode("utf-8", "replace")
    return " ".join(text.split()) + ("..." if len(content) > n else "")


def generic_status_error(resp: httpx.Response, *, platform: str, endpoint: str) -> PlatformError | None:
    """5xx / 429 / other non-2xx statuses, or None for 2xx."""
    s = resp.status_code
    if 200 <= s < 300:
        return None
    snippet = body_snippet(resp.content)
    if s == 429:
        ra = resp.headers.get("retry-after")
        try:
            retry_after = float(ra) if ra else None
        except ValueError:
            retry_after = None
        return RateLimitError(f"{platform} {endpoint}: HTTP 429 too many requests: {snippet}", platform=platform,
                              endpoint=endpoint, http_status=s, retry_after=retry_after, body=snippet)
    if s >= 500:
        return ServerError(f"{platform} {endpoint}: HTTP {s}: {snippet}", platform=platform, endpoint=endpoint,
                           http_status=s, body=snippet)
    return HTTPStatusError(f"{platform} {endpoint}: unexpected HTTP {s}: {snippet}", platform=platform,
                           endpoint=endpoint, http_status=s, body=snippet)


def decode_json(resp: httpx.Response, *, platform: str, endpoint: str) -> Any:
    """The JSON body of a response, or a clear :class:`ProtocolError` for HTML pages, truncated or
    unparseable bodies. The content type is not trusted (CC-FS sends JSON errors as octet-stream)."""
    content = resp.content
    if not content.strip():
        raise ProtocolError(f"{platform} {endpoint}: empty response body (HTTP {resp.status_code})",
                            platform=platform, endpoint=endpoint, http_status=resp.status_code)
    head = content.lstrip()[:15].lower()
    if head.startswith((b"<!doctype", b"<html", b"<?xml", b"<")):
        raise ProtocolError(
            f"{platform} {endpoint}: expected JSON, got an HTML/XML page (HTTP {resp.status_code}, "
            f"content-type {resp.headers.get('content-type')!r}): {body_snippet(content)}",
            platform=platform, endpoint=endpoint, http_status=resp.status_code, body=body_snippet(content))
    try:
        return json.loads(content.decode("utf-8-sig"))
    except UnicodeDecodeError as e:
        raise ProtocolError(f"{platform} {endpoint}: response is not UTF-8 text ({e})", platform=platform,
                            endpoint=endpoint, http_status=resp.status_code) from None
    except json.JSONDecodeError as e:
        raise ProtocolError(
            f"{platform} {endpoint}: response is not valid JSON (truncated or corrupt at byte {e.pos} of "
            f"{len(content)}): {body_snippet(content)}", platform=platform, endpoint=endpoint,
            http_status=resp.status_code, body=body_snippet(content), retryable=True) from None


def sniff(content: bytes) -> str:
    """'json', 'zip', 'wav', 'mp3', 'html' or 'binary' from the first bytes."""
    h = content[:16]
    s = h.lstrip()
    if h.startswith(b"PK\x03\x04") or h.startswith(b"PK\x05\x06"):
        return "zip"
    if h.startswith(b"RIFF") and content[8:12] == b"WAVE":
        return "wav"
    if h.startswith(b"ID3") or (len(h) > 1 and h[0] == 0xFF and (h[1] & 0xE0) == 0xE0 and h[1] != 0xFF):
        return "mp3"
    if s.startswith((b"{", b"[")):
        return "json"
    if s[:1] == b"<":
        return "html"
    return "binary"


HEAD_BYTES = 1 << 16
_HTML_TAG = re.compile(rb"<\s*(!doctype|html|head|body|title|h1|h2|p|div|pre)\b", re.I)


def read_head(chunks: Iterator[bytes], n: int = HEAD_BYTES) -> tuple[bytes, Iterator[bytes], bool]:
    """Reads at least *n* bytes (or everything) from a chunk iterator: (head, the remaining
    iterator, whether the body is complete)."""
    parts: list[bytes] = []
    size = 0
    for c in chunks:
        parts.append(c)
        size += len(c)
        if size >= n:
            return b"".join(parts), chunks, False
    return b"".join(parts), iter(()), True


def rejoin(head: bytes, rest: Iterator[bytes]) -> Iterator[bytes]:
    """The chunks of a body whose head :func:`read_head` took off, in order again."""
    if head:
        yield head
    yield from rest


def declared_length(resp: httpx.Response) -> int | None:
    """The Content-Length to check a download against: ``None`` when absent, unparsable, or
    describing an encoded body (httpx hands over the decoded bytes)."""
    try:
        v = resp.headers.get("content-length")
        return int(v) if v is not None and "content-encoding" not in resp.headers else None
    except ValueError:
        return None


def body_kind(head: bytes, complete: bool) -> str:
    """What a download body is: 'json' or 'html' only when it really is one (headerless audio such
    as raw A-law ``.V3`` can start with any byte, ``{`` and ``<`` included), else as :func:`sniff`.
    JSON error answers are small, so a body must be complete and parse to count as JSON."""
    kind = sniff(head)
    if kind == "json":
        if not complete:
            return "binary"
        try:
            json.loads(head.decode("utf-8-sig"))
            return "json"
        except (UnicodeDecodeError, ValueError):
            return "binary"
    if kind == "html":
        sample = head[:512]
        printable = sum(32 <= b < 127 or b in (9, 10, 13) or b >= 0x80 for b in sample) / max(len(sample), 1)
        return "html" if _HTML_TAG.search(sample) and printable > 0.95 else "binary"
    return kind


@dataclass(frozen=True)
class WrittenFile:
    """A file an :class:`AtomicFile` renamed into place: its SHA-256 and size, computed from the
    chunks as they were written, and its first bytes (to tell a zip from audio without opening
    it again)."""

    path: Path
    sha256: str
    size: int
    head: bytes


#: set by :func:`collect_written_files`: the list every :class:`AtomicFile` reports to
_written_files: ContextVar[list[WrittenFile] | None] = ContextVar("callcore_written_files", default=None)
_WRITTEN_HEAD_BYTES = 8


@contextmanager
def collect_written_files() -> Iterator[list[WrittenFile]]:
    """Collects every file an :class:`AtomicFile` (so every download) renames into place in this
    thread (or task) while the block runs, hashed while its chunks pass: a caller that needs a
    download's SHA-256 (the recording sync's manifest) does not read the file back."""
    written: list[WrittenFile] = []
    token = _written_files.set(written)
    try:
        yield written
    finally:
        _written_files.reset(token)


class AtomicFile:
    """A file written beside its destination under a temporary name and renamed into place by
    :meth:`commit`: a reader never sees a partial file, and a short body (fewer bytes than the
    Content-Length) is an error, never a file. Leaving the ``with`` block without committing
    removes the temporary file. Sync and async downloads both write through it; inside
    :func:`collect_written_files` it hashes what it writes and reports the file there."""

    def __init__(self, dest: Path) -> None:
        self.dest = Path(dest)
        self.dest.parent.mkdir(parents=True, exist_ok=True)
        fd, self._temporary = tempfile.mkstemp(prefix=".part-", dir=self.dest.parent)
        self._file = os.fdopen(fd, "wb")
        self.written = 0
        self._committed = False
        self._report_to = _written_files.get()
        self._digest = hashlib.sha256() if self._report_to is not None else None
        self._head = b""

    def write(self, chunk: bytes) -> None:
        self._file.write(chunk)
        self.written += len(chunk)
        if self._digest is not None:
            self._digest.update(chunk)
            if len(self._head) < _WRITTEN_HEAD_BYTES:
                self._head += chunk[:_WRITTEN_HEAD_BYTES - len(self._head)]

    def commit(self, expected_length: int | None = None) -> int:
        """Renames the file into place; returns its size."""
        self._file.close()
        if expected_length is not None and self.written != expected_length:
            raise ProtocolError(f"truncated download: got {self.written} of {expected_length} bytes", retryable=True)
        os.replace(self._temporary, self.dest)
        self._committed = True
        if self._report_to is not None and self._digest is not None:
            self._report_to.append(WrittenFile(self.dest, self._digest.hexdigest(), self.written, self._head))
        return self.written

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        if not self._committed:
            self._file.close()
            try:
                os.unlink(self._temporary)
            except OSError:
                pass


def atomic_write(dest: Path, chunks: Iterable[bytes], *, expected_length: int | None = None) -> int:
    """Writes *chunks* to *dest* through an :class:`AtomicFile`; returns the bytes written."""
    with AtomicFile(dest) as out:
        for chunk in chunks:
            out.write(chunk)
        return out.commit(expected_length)
