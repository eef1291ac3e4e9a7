"""The one request value of every platform client.

A platform module's request builders validate their arguments against the seed's limits and
return a :class:`Request`: everything the transport (:mod:`._transport`) needs to send it and
to turn the answer into the typed result, built before any I/O so that tests (and bulk callers,
see Huawei's ``PreparedRequest``) can inspect it. The transport owns sending, status and
transport-error mapping, retry and logging; the request owns what is platform-specific:

* ``check`` reads a decoded JSON answer's envelope (the platform's own error codes, answered
  with HTTP 200) and returns the part ``parse`` reads, or raises the typed error;
* ``status_error`` maps a non-2xx answer when the platform gives statuses a meaning of its own
  (Huawei's 401 clock skew, 九五's OAuth error bodies); the generic mapping applies otherwise;
* ``download`` makes it a file download: the body goes to an atomic file instead of ``parse``.
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Generic, Mapping, TypeVar

import httpx

from .errors import PlatformError

ResultT = TypeVar("ResultT")

#: what ``check`` gets: the decoded JSON answer and its HTTP status; returns what ``parse`` reads
EnvelopeCheck = Callable[[Any, int], Any]
#: a platform's reading of a non-2xx answer (its body already read); ``None`` leaves it to the
#: generic mapping (429 rate limit, 5xx server error, other statuses)
StatusError = Callable[[httpx.Response], "PlatformError | None"]


def json_content(document: Any) -> bytes:
    """A JSON request body as the platforms take it: UTF-8, non-ASCII characters unescaped."""
    return json.dumps(document, ensure_ascii=False).encode("utf-8")


def no_result(_payload: Any) -> None:
    """``parse`` of the calls that answer nothing but success."""
    return None


def payload_as_is(payload: Any) -> Any:
    """``parse`` of the calls whose checked payload is the result."""
    return payload


@dataclass(frozen=True)
class Download:
    """Where a download goes. ``dest`` is a file, or an existing folder, in which the file is
    named ``name_in_folder``; ``rename`` may change the name once the body's first bytes say what
    it is (Huawei answers a raw ``.V3`` recording or a zip for one request)."""

    dest: Path
    name_in_folder: str
    rename: Callable[[Path, str], Path] | None = field(default=None, compare=False)

    def target(self) -> Path:
        dest = Path(self.dest)
        return dest / self.name_in_folder if dest.is_dir() else dest


@dataclass(frozen=True, kw_only=True)
class Request(Generic[ResultT]):
    """One HTTP request of a platform API and how to read its answer.

    ``path`` is under one of the client's servers (``server``: ``"api"``, or Huawei's ``"ccfs"``).
    The body is at most one of ``content`` (bytes, e.g. :func:`json_content`), ``form`` (URL-
    encoded fields) and ``files`` (multipart, with ``form`` as its fields). ``secrets`` are values
    of this request alone (an SCCC digest) that errors must not print, beside the held ones."""

    platform: str
    method: str
    path: str
    endpoint: str  # the name errors and logs use, e.g. "addCallData" or "/record/recordDownload"
    check: EnvelopeCheck = field(repr=False, compare=False)
    # the typed result of a checked payload; a download's result is the file's path instead
    parse: Callable[[Any], ResultT] | None = field(default=None, repr=False, compare=False)
    server: str = "api"
    query: Mapping[str, Any] | None = None
    content: bytes | None = field(default=None, repr=False)
    form: Mapping[str, str] | None = field(default=None, repr=False)
    files: Mapping[str, Any] | None = field(default=None, repr=False)
    headers: Mapping[str, str] | None = None
    status_error: StatusError | None = field(default=None, repr=False, compare=False)
    download: Download | None = None
    secrets: tuple[str, ...] = field(default=(), repr=False, compare=False)

    def send_arguments(self) -> dict[str, Any]:
        """The keyword arguments of ``httpx.Client.request`` / ``stream`` for this request."""
        arguments: dict[str, Any] = {}
        if self.query:
            arguments["params"] = dict(self.query)
        if self.content is not None:
            arguments["content"] = self.content
        if self.form is not None:
            arguments["data"] = dict(self.form)
        if self.files is not None:
            arguments["files"] = dict(self.files)
        if self.headers:
            arguments["headers"] = dict(self.headers)
        return arguments
