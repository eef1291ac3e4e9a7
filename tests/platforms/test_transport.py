"""The one transport: a retry is logged on ``callcore.platforms`` with the platform, the endpoint,
the reason and the wait, and never with a secret; a download lands whole or not at all."""
from __future__ import annotations

import asyncio
import hashlib
import logging
from pathlib import Path
from typing import Iterator

import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from callcore.platforms import errors as E
from callcore.platforms._http import AtomicFile, collect_written_files
from callcore.platforms.babaihu import AsyncBabaihuClient, BabaihuClient
from callcore.platforms.retry import RetryPolicy
from callcore.sandbox._server import ServerThread

PASSWORD = "5f4dcc3b5aa765d61d8327deb882cf99"
RECORDING = b"RIFF\x24\x00\x00\x00WAVEfmt " + bytes(range(256)) * 300
HITS: list[str] = []


async def unavailable(req: Request) -> Response:
    """A gateway in front of the platform that is down and echoes the request it got."""
    HITS.append(req.url.path)
    if req.url.path.startswith("/voip/record/"):
        return Response(RECORDING, 200, media_type="audio/wav")
    return Response((await req.body()).decode() + " is not available", 503, media_type="text/plain")


@pytest.fixture(scope="module")
def server() -> Iterator[str]:
    s = ServerThread(Starlette(routes=[Route("/{p:path}", unavailable, methods=["GET", "POST"])]))
    s.start()
    yield f"http://127.0.0.1:{s.port}"
    s.stop()


def _retries(caplog: pytest.LogCaptureFixture) -> list[logging.LogRecord]:
    return [r for r in caplog.records if r.name == "callcore.platforms" and r.levelno == logging.WARNING]


def test_each_retry_is_logged_with_its_wait_and_no_secret(server: str, caplog: pytest.LogCaptureFixture) -> None:
    waits: list[float] = []
    policy = RetryPolicy(attempts=3, base_delay=0.25, jitter=0.0, sleep=waits.append)
    HITS.clear()
    with caplog.at_level(logging.WARNING, logger="callcore.platforms"), \
            BabaihuClient(server, "user", PASSWORD, retry=policy) as client:
        with pytest.raises(E.ServerError):
            client.blacklist()
    assert len(HITS) == 3 and waits == [0.25, 0.5]
    records = _retries(caplog)
    assert [r.getMessage().split(":")[0] for r in records] == ["babaihu getBlacklists"] * 2
    assert "ServerError" in records[0].getMessage() and "retry 1 of 2 in 0.2 s" in records[0].getMessage()
    assert "retry 2 of 2 in 0.5 s" in records[1].getMessage()
    for r in records:
        assert PASSWORD not in r.getMessage() and PASSWORD.upper() not in r.getMessage()


def test_without_a_policy_a_call_is_tried_once(server: str, caplog: pytest.LogCaptureFixture) -> None:
    HITS.clear()
    with BabaihuClient(server, "user", PASSWORD) as client, pytest.raises(E.ServerError):
        client.blacklist()
    assert len(HITS) == 1 and not _retries(caplog)


def test_async_retries_are_logged_too(server: str, caplog: pytest.LogCaptureFixture) -> None:
    async def no_wait(_seconds: float) -> None:
        return None

    async def go() -> None:
        async with AsyncBabaihuClient(server, "user", PASSWORD,
                                      retry=RetryPolicy(attempts=2, jitter=0.0, asleep=no_wait)) as client:
            await client.blacklist()

    with caplog.at_level(logging.WARNING, logger="callcore.platforms"), pytest.raises(E.ServerError):
        asyncio.run(go())
    [record] = _retries(caplog)
    assert record.getMessage().startswith("babaihu getBlacklists: ServerError") and PASSWORD not in record.getMessage()


def test_the_atomic_file_keeps_no_short_body(tmp_path: Path) -> None:
    """Fewer bytes than the Content-Length said is an error, and no file, not even a temporary one."""
    with pytest.raises(E.ProtocolError, match="truncated download: got 4 of 4000 bytes"):
        with AtomicFile(tmp_path / "a.wav") as out:
            out.write(b"RIFF")
            out.commit(4000)
    assert list(tmp_path.iterdir()) == []
    with AtomicFile(tmp_path / "a.wav") as out:
        out.write(b"RIFF")
        assert out.commit(4) == 4
    assert [p.name for p in tmp_path.iterdir()] == ["a.wav"]


def test_downloads_are_hashed_while_written(server: str, tmp_path: Path) -> None:
    """Inside collect_written_files every download reports its SHA-256, size and head, sync and
    async alike, so nobody reads the file back to hash it."""
    async def download_async() -> Path:
        async with AsyncBabaihuClient(server, "user", PASSWORD) as client:
            return await client.download_record(tmp_path / "async", record_file="rec/b.wav")

    with collect_written_files() as written:
        with BabaihuClient(server, "user", PASSWORD) as client:
            sync_path = client.download_record(tmp_path, record_file="rec/a.wav")
        async_path = asyncio.run(download_async())
    assert (sync_path, async_path) == (tmp_path / "a.wav", tmp_path / "async")
    assert [(w.path, w.sha256, w.size, w.head) for w in written] == [
        (path, hashlib.sha256(RECORDING).hexdigest(), len(RECORDING), RECORDING[:8]) for path in (sync_path, async_path)]
    assert sync_path.read_bytes() == async_path.read_bytes() == RECORDING
