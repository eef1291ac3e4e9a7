"""``callcore receive serve|list`` as a process: the public contract, and SIGKILL during a bounded
flood on loopback (after a restart every acknowledged event is present, none twice)."""
from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

ENV = {k: v for k, v in os.environ.items() if not k.startswith("CALLCORE_")}


class Receiver:
    def __init__(self, store: Path, platform: str = "huawei", env: dict[str, str] | None = None) -> None:
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "callcore.cli", "receive", "serve", "--platform", platform, "--host", "127.0.0.1",
             "--port", "0", "--store", str(store)],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=dict(ENV, **(env or {})))
        assert self.proc.stdout is not None
        line = self.proc.stdout.readline()
        if not line.startswith("receiving"):
            self.proc.kill()
            raise AssertionError(f"receiver did not start: {line!r} {self.proc.stderr.read()}")  # type: ignore[union-attr]
        self.line = line
        self.base = line.split(" on ", 1)[1].split()[0]

    def stop(self) -> tuple[str, str]:
        self.proc.send_signal(signal.SIGINT)
        out, err = self.proc.communicate(timeout=20)
        return out, err


@pytest.fixture
def receivers() -> Iterator[list[Receiver]]:
    started: list[Receiver] = []
    yield started
    for r in started:
        if r.proc.poll() is None:
            r.proc.kill()
            r.proc.wait()


def _list(store: Path) -> list[dict[str, Any]]:
    out = subprocess.run([sys.executable, "-m", "callcore.cli", "receive", "list", "--store", str(store), "--json"],
                         capture_output=True, text=True, check=True, env=ENV).stdout
    return [json.loads(line) for line in out.splitlines()]


def _result(i: int) -> dict[str, Any]:
    return {"campaignId": "3", "sessionId": f"row-{i}", "called": f"1380000{i:04d}", "callTimeStr": "2026-12-04 10:00:00",
            "callStatus": 6 if i % 5 else 5, "failCode": "0" if i % 5 else "00537", "vdnId": 11,
            "callId": f"call-{i}", "customField": "batch-1", "recordPath": f"Y:/1/11/20261204/100/{i}.V3" if i % 5 else ""}


def test_serve_and_list_contract(tmp_path: Path, receivers: list[Receiver]) -> None:
    store = tmp_path / "store"
    rc = Receiver(store)
    receivers.append(rc)
    assert "/huawei/results" in rc.line
    r = httpx.post(rc.base + "/huawei/results", json=[_result(1), _result(5)])
    assert r.status_code == 200 and r.json() == {"retCode": "0", "retMsg": "success"}
    # one process per store folder
    second = subprocess.run([sys.executable, "-m", "callcore.cli", "receive", "serve", "--platform", "huawei",
                             "--port", "0", "--store", str(store)], capture_output=True, text=True, env=ENV, timeout=30)
    assert second.returncode == 2 and "in use by" in second.stderr
    out, _err = rc.stop()
    assert "2 events stored" in out
    events = _list(store)
    assert [(e["platform"], e["kind"], e["callId"], e["sessionId"], e["callStatus"], e["failCode"], e["recordPath"])
            for e in events] == [("huawei", "result", "call-1", "row-1", 6, "0", "Y:/1/11/20261204/100/1.V3"),
                                 ("huawei", "result", "call-5", "row-5", 5, "00537", "")]
    assert all(e["received"].endswith("Z") for e in events)
    help_text = subprocess.run([sys.executable, "-m", "callcore.cli", "receive", "serve", "--help"],
                               capture_output=True, text=True, env=ENV).stdout
    for path in ("/huawei/results", "/huawei/bill", "/huawei/release", "/sccc/notify", "/babaihu/voip",
                 "/babaihu/upload_record"):
        assert path in help_text
    bad = subprocess.run([sys.executable, "-m", "callcore.cli", "receive", "list", "--store", str(tmp_path / "none")],
                         capture_output=True, text=True, env=ENV)
    assert bad.returncode == 2 and "no events.sqlite3" in bad.stderr


def test_secrets_never_reach_the_logs(tmp_path: Path, receivers: list[Receiver]) -> None:
    rc = Receiver(tmp_path / "store", "sccc", {"CALLCORE_SCCC_CUSTOMER": "C2", "CALLCORE_SCCC_PASSWORD": "pw-SECRET-1",
                                               "CALLCORE_RECEIVER_PATH_SECRET": "seg-SECRET-2"})
    receivers.append(rc)
    from callcore import sign

    bad = {"authentication": sign.sccc_authentication("C2", "wrong-SECRET-3"), "notify": {"type": "callend"}}
    assert httpx.post(rc.base + "/sccc/notify", json=bad).status_code == 401
    out, err = rc.stop()
    assert "refused" in err
    for s in ("pw-SECRET-1", "seg-SECRET-2", "wrong-SECRET-3"):
        assert s not in out + err + rc.line


def test_sigkill_during_a_flood_loses_no_acknowledged_event_and_stores_none_twice(
        tmp_path: Path, receivers: list[Receiver]) -> None:
    store = tmp_path / "store"
    total, kill_after = 240, 80
    acked: set[int] = set()
    lock = threading.Lock()
    killed = threading.Event()
    rc = Receiver(store)
    receivers.append(rc)

    def flood(ids: list[int], base: str) -> None:
        with httpx.Client(timeout=10) as c:
            for i in ids:
                try:
                    r = c.post(base + "/huawei/results", json=[_result(i)])
                except httpx.HTTPError:
                    continue  # the platform will push it again
                if r.status_code == 200 and r.json() == {"retCode": "0", "retMsg": "success"}:
                    with lock:
                        acked.add(i)
                        if len(acked) >= kill_after and not killed.is_set():
                            killed.set()
                            rc.proc.send_signal(signal.SIGKILL)

    workers = [threading.Thread(target=flood, args=(list(range(k, total, 4)), rc.base)) for k in range(4)]
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    rc.proc.wait()
    assert killed.is_set() and kill_after <= len(acked) < total
    # after the restart, every acknowledged event is there
    stored = {int(e["sessionId"].split("-")[1]) for e in _list(store)}
    assert acked <= stored
    # the platform re-pushes everything it has no 200 for, and (a lost answer) some it has
    rc2 = Receiver(store)
    receivers.append(rc2)
    with httpx.Client(timeout=10) as c:
        for i in range(total):
            if i not in acked or i % 7 == 0:
                assert c.post(rc2.base + "/huawei/results", json=[_result(i)]).status_code == 200
    rc2.stop()
    events = _list(store)
    sessions = [e["sessionId"] for e in events]
    assert len(sessions) == len(set(sessions)) == total
