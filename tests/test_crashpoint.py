"""The crash-point harness itself: a child process dies by SIGKILL right after its Nth durable
commit or Nth HTTP response, and the count file tells how many points a clean run has."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from callcore import _crashpoint

CHILD = textwrap.dedent("""
    import sys
    from callcore.pipelines.journal import Journal
    j = Journal(sys.argv[1], "CREATE TABLE IF NOT EXISTS t (n INTEGER);")
    for n in range(1, 6):
        with j.tx() as db:
            db.execute("INSERT INTO t VALUES (?)", (n,))
    print("done")
""")


def _run(tmp_path: Path, **env: str) -> subprocess.CompletedProcess[str]:
    full = {k: v for k, v in os.environ.items() if k not in (_crashpoint.ENV, _crashpoint.COUNT_FILE_ENV)}
    full.update(env)
    return subprocess.run([sys.executable, "-c", CHILD, str(tmp_path / "j.sqlite")], env=full,
                          capture_output=True, text=True, timeout=60)


def _rows(tmp_path: Path) -> list[int]:
    import sqlite3

    with sqlite3.connect(tmp_path / "j.sqlite") as db:
        return [r[0] for r in db.execute("SELECT n FROM t ORDER BY n")]


def test_count_file_counts_every_commit(tmp_path: Path) -> None:
    count = tmp_path / "count"
    run = _run(tmp_path, **{_crashpoint.COUNT_FILE_ENV: str(count)})
    assert run.returncode == 0 and "done" in run.stdout
    assert _crashpoint.counted(count) == {"commit": 5, "request": 0}


@pytest.mark.parametrize("n", [1, 3, 5])
def test_killed_right_after_the_nth_commit(tmp_path: Path, n: int) -> None:
    run = _run(tmp_path, **{_crashpoint.ENV: f"commit:{n}"})
    assert run.returncode == -signal.SIGKILL and "done" not in run.stdout
    assert _rows(tmp_path) == list(range(1, n + 1))  # the Nth commit is durable, nothing after it


def test_bad_spec_is_an_error_naming_the_variable(tmp_path: Path) -> None:
    run = _run(tmp_path, **{_crashpoint.ENV: "commit:zero"})
    assert run.returncode == 1 and _crashpoint.ENV in run.stderr


def test_request_points_count_http_responses(tmp_path: Path) -> None:
    import http.server
    import threading

    class Ok(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            self.send_response(200)
            self.send_header("Content-Length", "2")
            self.end_headers()
            self.wfile.write(b"ok")

        def log_message(self, *a: object) -> None:
            pass

    srv = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Ok)
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    code = textwrap.dedent(f"""
        from callcore.platforms._http import HttpOptions
        with HttpOptions().sync_client("http://127.0.0.1:{srv.server_port}") as c:
            for i in range(4):
                c.get("/")
                print(i, flush=True)
    """)
    try:
        env = {**os.environ, _crashpoint.ENV: "request:2"}
        run = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=60)
    finally:
        srv.shutdown()
    assert run.returncode == -signal.SIGKILL
    assert run.stdout.split() == ["0"]  # killed after the 2nd response, before its caller saw it
