"""One work folder belongs to one process at a time.

An import, a recording sync or a receiver store keeps a journal and files in its folder; two
processes on one folder would each plan and send the same batch (issue 11: a second import started
1-10 s after the first sent one batch twice). :func:`hold` takes an exclusive ``flock`` on
``<folder>/.callcore.lock`` for as long as the job runs. The OS drops the lock when the holder
exits, however it exits (SIGKILL included), so a stale lock file never blocks the next run; the
PID and command written into it only serve the error message.
"""
from __future__ import annotations

import errno
import fcntl
import os
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager

LOCK_NAME = ".callcore.lock"


class FolderBusy(RuntimeError):
    """Another process holds the work folder."""

    def __init__(self, folder: str, holder: str) -> None:
        self.folder = folder
        self.holder = holder
        super().__init__(f"{folder}: this work folder is in use by {holder}; wait for it to finish "
                         "(or pass --wait to wait here), or use another folder")


def _holder(fd: int, patience: float = 1.0) -> str:
    """Who holds the lock, as the holder wrote it. A holder writes its name just after taking the
    lock (truncate, then write), so a refused process can read the file between the two and find
    it empty: it reads again for up to *patience* seconds before naming nobody."""
    deadline = time.monotonic() + patience
    while True:
        try:
            text = os.pread(fd, 4096, 0).decode("utf-8", "replace").strip()
        except OSError:
            text = ""
        if text or time.monotonic() >= deadline:
            return text or "another process"
        time.sleep(0.01)


@contextmanager
def hold(folder: str | os.PathLike[str], *, wait: bool | float = False, what: str = "") -> Iterator[None]:
    """Holds ``folder`` exclusively for the ``with`` block.

    ``wait=False`` raises :class:`FolderBusy` at once when another process holds it; ``True`` waits
    as long as it takes; a number waits at most that many seconds, then raises.
    """
    folder = os.fspath(folder)
    os.makedirs(folder, exist_ok=True)
    fd = os.open(os.path.join(folder, LOCK_NAME), os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o644)
    try:
        deadline = None if wait is True or wait is False else time.monotonic() + float(wait)
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except OSError as e:
                if e.errno not in (errno.EAGAIN, errno.EACCES, errno.EWOULDBLOCK):
                    raise
                if wait is False or (deadline is not None and time.monotonic() >= deadline):
                    raise FolderBusy(folder, _holder(fd)) from None
                time.sleep(0.1)
        label = what or " ".join(os.path.basename(a) if i == 0 else a for i, a in enumerate(sys.argv[:3]))
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"PID {os.getpid()} ({label})".encode(), 0)
        try:
            yield
        finally:
            try:
                os.ftruncate(fd, 0)
            except OSError:
                pass
            fcntl.flock(fd, fcntl.LOCK_UN)
    finally:
        os.close(fd)
