"""The crash-point harness: a process that kills itself with SIGKILL right after its Nth durable
step, so that tests can kill a pipeline at *every* commit point in turn instead of at random times.

Set ``CALLCORE_CRASH_AFTER`` in the environment of the process under test:

* ``commit:N`` kills the process right after its Nth durable commit (a journal transaction that
  reached disk, a manifest or state file renamed into place);
* ``request:N`` kills it right after the Nth HTTP response arrives (the platform has applied the
  request, the client has not recorded it yet: the window that makes exactly-once hard);
* ``N`` alone means ``commit:N``.

``CALLCORE_CRASH_COUNT_FILE``, when set, receives the running count of each kind (one
``kind count`` line a step, appended and flushed before a kill), so a test can learn how many
points a clean run has and then try each one. Without the variables every hook is one dict look-up.
"""
from __future__ import annotations

import os
import signal
import threading

ENV = "CALLCORE_CRASH_AFTER"
COUNT_FILE_ENV = "CALLCORE_CRASH_COUNT_FILE"
KINDS = ("commit", "request")

_lock = threading.Lock()
_counts: dict[str, int] = {kind: 0 for kind in KINDS}


def _target() -> tuple[str, int] | None:
    spec = os.environ.get(ENV)
    if not spec:
        return None
    kind, _, n = spec.rpartition(":")
    kind = kind or "commit"
    if kind not in KINDS or not n.isdigit() or int(n) < 1:
        raise ValueError(f"{ENV}={spec!r}: expected 'commit:N' or 'request:N' with N >= 1")
    return kind, int(n)


def active() -> bool:
    """True when this process counts its steps (either variable is set)."""
    return bool(os.environ.get(ENV) or os.environ.get(COUNT_FILE_ENV))


def reached(kind: str) -> None:
    """Marks one durable step of ``kind`` done; kills the process if it is the chosen one."""
    if not active():
        return
    target = _target()
    with _lock:
        _counts[kind] += 1
        count = _counts[kind]
        log = os.environ.get(COUNT_FILE_ENV)
        if log:
            with open(log, "a", encoding="ascii") as f:
                f.write(f"{kind} {count}\n")
                f.flush()
                os.fsync(f.fileno())
        if target == (kind, count):
            os.kill(os.getpid(), signal.SIGKILL)


def counted(path: str | os.PathLike[str]) -> dict[str, int]:
    """Reads a count file: the number of steps of each kind a run made."""
    out = {kind: 0 for kind in KINDS}
    try:
        with open(path, encoding="ascii") as f:
            for line in f:
                kind, _, n = line.strip().partition(" ")
                if kind in out:
                    out[kind] = max(out[kind], int(n))
    except FileNotFoundError:
        pass
    return out
