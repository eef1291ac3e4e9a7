"""The command line's shared conventions (callcore._cli_conventions): one flag for one thing in
every command, an example in every --help, documented exit codes, `python -m callcore`, bash
completion, and preflight errors that name the real cause of a bad URL or a busy port."""
from __future__ import annotations

import http.server
import os
import shutil
import socket
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from callcore import _cli_conventions as conventions
from callcore.cli import build_parser


def _callcore(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("CALLCORE_")}
    return subprocess.run([sys.executable, "-m", "callcore", *args], capture_output=True, text=True,
                          cwd=cwd, env=env, timeout=120)


def test_python_dash_m_callcore_is_the_cli() -> None:
    run = _callcore("--version")
    assert run.returncode == 0 and run.stdout.startswith("callcore "), run.stderr


def test_every_command_help_has_an_example_and_the_root_lists_exit_codes() -> None:
    parser = build_parser()
    assert "exit codes:\n  0    success\n  1    failure" in parser.format_help()
    assert "\n  2    usage error" in parser.format_help() and "\n  3    partial" in parser.format_help()
    commands = conventions.subcommands(parser)
    leaves = [path for path in commands if not any(other.startswith(path + " ") for other in commands)]
    missing = [path for path in leaves if "example:\n  callcore" not in commands[path].format_help()
               and "example:\n  CALLCORE_" not in commands[path].format_help()]
    assert not missing, missing


def test_one_name_for_one_thing() -> None:
    commands = conventions.subcommands(build_parser())
    for path, sub in commands.items():
        shown = {s for a in sub._actions for s in a.option_strings}
        # an output is -o/--output everywhere; --out is only a hidden old spelling
        assert "--out" not in shown, path
        if "-o" in shown:
            assert sub._option_string_actions["-o"] is sub._option_string_actions["--output"], path
        # --to is a format, never a time: the time range is --since/--until
        assert "--from" not in shown, path
    sync = commands["recordings sync"]
    a = sync.parse_args(["--since", "2026-01-01", "--until", "2026-01-02", "-o", "x"])
    b = sync.parse_args(["--from", "2026-01-01", "--to", "2026-01-02", "-o", "x"])  # old scripts still work
    assert (a.begin, a.end) == (b.begin, b.end) == ("2026-01-01", "2026-01-02")
    assert "--to T2" not in sync.format_help() and "--until T2" in sync.format_help()
    old = commands["audio transcode"].parse_args(["in", "--out", "o"])
    assert old.out == "o"
    # the batch commands all have --json and -q
    for path in ("audio transcode", "calllist clean", "outbound import", "recordings sync"):
        shown = {s for a in commands[path]._actions for s in a.option_strings}
        assert {"--json", "-q", "--quiet"} <= shown, path


@pytest.mark.skipif(shutil.which("bash") is None, reason="bash is needed")
def test_bash_completion(tmp_path: Path) -> None:
    run = _callcore("completion", "bash")
    assert run.returncode == 0, run.stderr
    script = tmp_path / "callcore.bash"
    script.write_text(run.stdout)
    assert subprocess.run(["bash", "-n", str(script)], capture_output=True).returncode == 0

    def complete(*words: str) -> list[str]:
        line = " ".join(f"'{w}'" for w in words)
        out = subprocess.run(["bash", "-c", f"source {script}; COMP_WORDS=({line}); COMP_CWORD={len(words) - 1}; "
                              "_callcore; printf '%s\\n' \"${COMPREPLY[@]}\""], capture_output=True, text=True)
        return out.stdout.split()

    assert complete("callcore", "au") == ["audio"]
    assert complete("callcore", "audio", "tr") == ["transcode"]
    assert complete("callcore", "audio", "transcode", "--ou") == ["--output"]
    assert complete("callcore", "audio", "transcode", "--o") == ["--output", "--overwrite"]
    assert "--until" in complete("callcore", "recordings", "sync", "--un")


def _sync(*extra: str, tmp_path: Path) -> subprocess.CompletedProcess[str]:
    return _callcore("recordings", "sync", "--since", "2026-01-01T00:00", "--until", "2026-01-01T01:00",
                     "-o", str(tmp_path / "out"), *extra, cwd=tmp_path)


def test_url_without_scheme_is_a_usage_error(tmp_path: Path) -> None:
    run = _sync("--endpoint", "cc.example:28080", tmp_path=tmp_path)
    assert run.returncode == 2, run.stderr
    assert "--endpoint 'cc.example:28080': not an http(s) URL (no scheme); did you mean 'https://cc.example:28080'" \
        in run.stderr and "Traceback" not in run.stderr


def test_refused_connection_is_reported_by_the_preflight(tmp_path: Path) -> None:
    with socket.socket() as s:  # a port nothing listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    run = _sync("--endpoint", f"https://127.0.0.1:{port}", tmp_path=tmp_path)
    assert run.returncode == 2, run.stderr
    assert f"connection refused by 127.0.0.1:{port}" in run.stderr, run.stderr
    assert not (tmp_path / "out").exists()  # nothing was started


@pytest.fixture
def plain_http_port() -> Iterator[int]:
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), http.server.BaseHTTPRequestHandler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server.server_address[1]
    finally:
        server.shutdown()
        server.server_close()


def test_plain_http_given_as_https_is_named(tmp_path: Path, plain_http_port: int) -> None:
    run = _sync("--endpoint", f"https://127.0.0.1:{plain_http_port}", tmp_path=tmp_path)
    assert run.returncode == 2, run.stderr
    assert f"127.0.0.1:{plain_http_port} speaks plain HTTP, not TLS: use http://127.0.0.1:{plain_http_port}" \
        in run.stderr, run.stderr


def test_sandbox_port_in_use_is_named() -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        s.listen()
        port = s.getsockname()[1]
        run = _callcore("sandbox", "huawei", "--port", str(port))
    assert run.returncode == 2, run.stderr
    assert f"--port {port}: already in use on 127.0.0.1" in run.stderr and "Traceback" not in run.stderr
