"""The receiver killed right after each of its durable commits in turn (the crash-point harness):
the platform gets no answer for that push and pushes it again to the restarted receiver; in the
end every push is acknowledged and stored exactly once, and a file a box uploaded is whole."""
from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
from pathlib import Path
from typing import Any

import httpx
import pytest

from callcore import _crashpoint

BASE_ENV = {k: v for k, v in os.environ.items() if not k.startswith("CALLCORE_")}


def _serve(platform: str, store: Path, **env: str) -> tuple[subprocess.Popen, str]:
    p = subprocess.Popen([sys.executable, "-m", "callcore.cli", "receive", "serve", "--platform", platform, "--port",
                          "0", "--store", str(store)], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True,
                         env=dict(BASE_ENV, **env))
    line = p.stdout.readline()  # type: ignore[union-attr]
    assert line.startswith("receiving"), line
    return p, line.split(" on ", 1)[1].split()[0]


def _huawei_push(c: httpx.Client, base: str, i: int) -> bool:
    r = c.post(base + "/huawei/results", json=[{"campaignId": "9", "sessionId": f"s{i}", "called": "13800000000",
                                                "callStatus": 6, "failCode": "0", "callId": f"c{i}",
                                                "recordPath": f"Y:/r/{i}.V3"}])
    return r.status_code == 200


AUDIO = bytes(range(256)) * 40


def _babaihu_push(c: httpx.Client, base: str, i: int) -> bool:
    r = c.post(base + "/babaihu/upload_record", data={"cmd": "upload", "satellite": "00:00:00:00:01", "recorded": "1",
                                                      "callid": str(1000 + i)},
               files={"file": ("r.wav", AUDIO, "audio/wav")})
    return r.status_code == 200 and r.json()["status"] == 0


def _sccc_push(c: httpx.Client, base: str, i: int) -> bool:
    from callcore import sign

    r = c.post(base + "/sccc/notify", json={
        "authentication": sign.sccc_authentication("C2", "pw-EXAMPLE"),
        "notify": {"type": "billing", "startTime": "2026-12-04 10:00:00", "ringTime": "2026-12-04 10:00:01",
                   "answerTime": "2026-12-04 10:00:05", "byeTime": "2026-12-04 10:01:00", "callee": "13800000000",
                   "caller": "10086", "recordFile": f"rec/{i}.wav", "service": "4", "session": f"sess-{i}",
                   "timeLength": "55", "seq": str(i), "userData": ""}})
    return r.status_code == 200


PUSHES = 2
# what each receiver needs to start (the restarted one too)
NEEDS = {"sccc": {"CALLCORE_SCCC_CUSTOMER": "C2", "CALLCORE_SCCC_PASSWORD": "pw-EXAMPLE"}}


def _platform_run(platform: str, store: Path, push: Any, **env: str) -> int:
    """Pushes PUSHES events as a platform does: anything without a 200 is pushed again (to a
    restarted receiver when it died). Returns how many times the receiver had to be restarted."""
    p, base = _serve(platform, store, **NEEDS.get(platform, {}), **env)
    restarts = 0
    try:
        with httpx.Client(timeout=10) as c:
            for i in range(PUSHES):
                while True:
                    try:
                        if push(c, base, i):
                            break
                    except httpx.HTTPError:
                        pass
                    assert p.wait(timeout=20) == -9, "only a crash-point kill may stop the receiver"
                    restarts += 1
                    assert restarts <= 2
                    p, base = _serve(platform, store, **NEEDS.get(platform, {}))  # runs to the end
    finally:
        p.terminate()
        p.wait(timeout=20)
    return restarts


@pytest.mark.parametrize("platform, push, points", [("huawei", _huawei_push, 1), ("sccc", _sccc_push, 1),
                                                    ("babaihu", _babaihu_push, 2)])
def test_killed_at_every_commit_point_each_push_is_stored_once(tmp_path: Path, platform: str, push: Any,
                                                               points: int) -> None:
    count = tmp_path / "count"
    assert _platform_run(platform, tmp_path / "clean", push, **{_crashpoint.COUNT_FILE_ENV: str(count)}) == 0
    total = _crashpoint.counted(count)["commit"]
    assert total == PUSHES * points  # one commit a push (+ the uploaded file renamed into place)
    for n in range(1, total + 1):
        store = tmp_path / f"kill-{n}"
        assert _platform_run(platform, store, push, **{_crashpoint.ENV: f"commit:{n}"}) == 1
        with sqlite3.connect(store / "events.sqlite3") as db:
            keys = [r[0] for r in db.execute("SELECT event_key FROM events")]
        assert len(keys) == len(set(keys)) == PUSHES, (n, keys)
        if platform == "babaihu":
            files = sorted((store / "uploads").rglob("*"))
            files = [f for f in files if f.is_file()]
            assert len(files) == PUSHES and all(f.read_bytes() == AUDIO for f in files)
            assert not list((store / "uploads").rglob("*.part"))
