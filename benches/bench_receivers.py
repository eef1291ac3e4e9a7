"""Receivers: sustained Huawei 7.6.1 pushes per second and p50/p99 latency on loopback.

callcore's receiver (``callcore receive serve``, a separate process: validation, size limit,
idempotent store, commit fsync'd in a worker thread before the answer) against the minimal
Starlette handler a user would write, storing the same row with the same durability
(``peers/receiver_peer.py``), measured in the same run with the same client: 8 threads, each push
a one-result list with a new sessionId, ``PUSHES`` pushes a round. The per-push median is the
round's wall time / PUSHES (1 / that is the sustained rate); p50/p99 of the single requests'
latencies are printed at the end of each benchmark and kept in ``extra_info``."""
from __future__ import annotations

import itertools
import os
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

import httpx
import pytest

PUSHES = 400
THREADS = 8
_counter = itertools.count()


def _start(cmd: list[str], marker: str) -> tuple[subprocess.Popen, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("CALLCORE_")}
    p = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, env=env)
    line = p.stdout.readline()  # type: ignore[union-attr]
    if marker not in line:
        p.kill()
        raise RuntimeError(f"{cmd[:4]} did not start: {line!r}")
    if line.startswith("port "):
        return p, f"http://127.0.0.1:{line.split()[1]}"
    return p, line.split(" on ", 1)[1].split()[0]


@pytest.fixture(scope="module")
def servers(tmp_path_factory: Any) -> Any:
    tmp = tmp_path_factory.mktemp("receivers")
    ours = _start([sys.executable, "-m", "callcore.cli", "receive", "serve", "--platform", "huawei", "--port", "0",
                   "--store", str(tmp / "ours")], "receiving")
    peer = _start([sys.executable, str(Path(__file__).parent / "peers" / "receiver_peer.py"), str(tmp / "peer")],
                  "port")
    yield {"callcore": ours[1], "minimal starlette + sqlite": peer[1]}
    for p in (ours[0], peer[0]):
        p.terminate()
        p.wait(10)


def _flood(base: str, latencies: list[float]) -> None:
    def worker(n: int) -> None:
        with httpx.Client(timeout=30) as c:
            for _ in range(n):
                i = next(_counter)
                item = [{"campaignId": "3", "sessionId": f"b{i}", "called": "13800000000", "callTimeStr":
                         "2026-12-04 10:00:00", "callStatus": 6, "failCode": "0", "vdnId": 1, "callId": f"c{i}",
                         "recordPath": f"Y:/1/0/20261204/100/{i}.V3"}]
                t0 = time.perf_counter()
                r = c.post(base + "/huawei/results", json=item)
                latencies.append(time.perf_counter() - t0)
                assert r.status_code == 200 and r.json()["retCode"] == "0"

    ts = [threading.Thread(target=worker, args=(PUSHES // THREADS,)) for _ in range(THREADS)]
    for t in ts:
        t.start()
    for t in ts:
        t.join()


@pytest.mark.parametrize("impl", ["callcore", "minimal starlette + sqlite"])
def test_receiver_pushes(measure: Any, benchmark: Any, servers: dict[str, str], impl: str, request: Any) -> None:
    latencies: list[float] = []
    measure("receivers: Huawei 7.6.1 push, 8 clients", impl, _flood, servers[impl], latencies, per=PUSHES,
            unit="push", rounds=3)
    q = statistics.quantiles(latencies, n=100)
    benchmark.extra_info.update(p50_ms=round(q[49] * 1000, 2), p99_ms=round(q[98] * 1000, 2), pushes=len(latencies))
    tr = request.config.pluginmanager.get_plugin("terminalreporter")
    if tr is not None:
        tr.write_line(f"\nreceivers {impl}: {len(latencies)} pushes, p50 {q[49] * 1000:.2f} ms, "
                      f"p99 {q[98] * 1000:.2f} ms")
