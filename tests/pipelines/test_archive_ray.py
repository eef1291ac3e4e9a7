"""`callcore recordings convert` on Ray: one local Ray (2 CPUs) and one real sshd on loopback for
the module. A few hundred recordings from SFTP to a local folder and back, decoded and compared;
a Ray worker SIGKILLed mid-shard; the driver SIGKILLed mid-job and the command run again.

Credentials as in production: the SFTP key comes from fsspec's environment configuration
(``FSSPEC_SFTP_KEY_FILENAME``), set before Ray starts so its workers inherit it."""
from __future__ import annotations

import csv
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Iterator

import numpy as np
import pytest
import ray

import callcore.audio as audio
from callcore.pipelines.archive import ARCHIVE_DIR, ConvertOptions, convert_archive
from callcore.pipelines.sftp import LoopbackSshd

from .test_archive import check_outputs, make_recordings

N = 240  # recordings per test


@pytest.fixture(scope="module")
def sshd(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LoopbackSshd]:
    if not LoopbackSshd.available():
        pytest.fail("/usr/sbin/sshd is missing: install Debian openssh-server (CI does)")
    with LoopbackSshd(tmp_path_factory.mktemp("sftp-root")) as s:
        yield s


@pytest.fixture(scope="module")
def cluster(sshd: LoopbackSshd) -> Iterator[str]:
    """A local Ray with 2 CPUs whose workers read the SFTP key from the environment; its address."""
    import fsspec.config

    saved = os.environ.get("FSSPEC_SFTP_KEY_FILENAME")
    os.environ["FSSPEC_SFTP_KEY_FILENAME"] = sshd.key_file
    fsspec.config.set_conf_env(fsspec.config.conf)  # fsspec read the environment when first imported
    ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False)
    try:
        yield ray.get_runtime_context().gcs_address
    finally:
        ray.shutdown()
        if saved is None:
            os.environ.pop("FSSPEC_SFTP_KEY_FILENAME", None)
        else:
            os.environ["FSSPEC_SFTP_KEY_FILENAME"] = saved
        fsspec.config.conf.pop("sftp", None)
        fsspec.config.set_conf_env(fsspec.config.conf)


def sftp_url(sshd: LoopbackSshd, folder: str) -> str:
    return f"sftp://{sshd.user}@127.0.0.1:{sshd.port}{sshd.root / folder}"


def outputs(dst: Path) -> dict[Path, int]:
    return {p: p.stat().st_ino for p in dst.rglob("*.wav") if ARCHIVE_DIR not in p.parts}


@pytest.mark.parametrize("mode", ["ray", "off"])
def test_sftp_to_local_and_back(sshd: LoopbackSshd, cluster: str, tmp_path: Path, mode: str) -> None:
    folder = f"archive-{mode}"
    sources = make_recordings(sshd.root / folder, N, seed=3)
    local = tmp_path / "local"
    ray_opt = cluster if mode == "ray" else "off"
    s = convert_archive(ConvertOptions(sftp_url(sshd, folder), str(local), to="wav", source="alaw", ray=ray_opt,
                                       shard_files=16))
    assert (s.sources, s.converted, s.failed, s.complete) == (N, N, 0, True), s.errors
    check_outputs(local, sources)
    # and back: the PCM WAVs to A-law WAVs on the SFTP server (G.711 round trip: the very samples)
    back = f"{folder}-back"
    s2 = convert_archive(ConvertOptions(str(local), sftp_url(sshd, back), to="wav-alaw", source="auto",
                                        ray=ray_opt, shard_files=16))
    assert (s2.sources, s2.converted, s2.failed, s2.complete) == (N, N, 0, True), s2.errors
    root = sshd.root / back
    with open(root / ARCHIVE_DIR / "manifest.csv", encoding="utf-8") as f:
        rows = {r["source"]: r for r in csv.DictReader(f)}
    assert len(rows) == N and all(r["writes"] == "1" for r in rows.values())
    for rel, data in sources.items():
        pcm, rate, channels, codec, _ = audio.read_wav((root / rel).with_suffix(".wav").read_bytes())
        assert (rate, channels, codec) == (8000, 1, "alaw")
        np.testing.assert_array_equal(pcm, audio.decode(data, "alaw"), err_msg=rel)
    assert not list(root.rglob("*.part")), "partial uploads left on the server"
    # a second run finds everything committed
    again = convert_archive(ConvertOptions(str(local), sftp_url(sshd, back), to="wav-alaw", ray=ray_opt))
    assert (again.done_before, again.converted) == (N, 0)


def _scratch_pids(dst: Path) -> list[int]:
    """PIDs of the workers running a shard now: each shard's scratch folder is DST/.callcore-archive/tmp/<shard>-<pid>-<thread>."""
    tmp = dst / ARCHIVE_DIR / "tmp"
    try:
        return [int(d.name.split("-")[1]) for d in tmp.iterdir()]
    except (FileNotFoundError, ValueError, IndexError):
        return []


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


def test_worker_killed_mid_shard_job_completes_exactly_once(sshd: LoopbackSshd, cluster: str, tmp_path: Path) -> None:
    folder = "archive-kill-worker"
    sources = make_recordings(sshd.root / folder, N, seed=5)
    dst = tmp_path / "dst"
    result: dict[str, object] = {}

    def job() -> None:
        result["summary"] = convert_archive(ConvertOptions(sftp_url(sshd, folder), str(dst), to="wav", source="alaw",
                                                           ray=cluster, shard_files=30))

    t = threading.Thread(target=job)
    t.start()
    killed = None
    # kill the Ray worker of a shard in progress, once the job has committed some outputs
    while t.is_alive() and killed is None:
        pids = _scratch_pids(dst)
        if pids and outputs(dst):
            killed = pids[0]
            os.kill(killed, signal.SIGKILL)
            committed_then = outputs(dst)
        time.sleep(0.005)
    t.join(300)
    assert killed is not None, "the job ended before a worker could be killed"
    assert not _alive(killed)
    s = result["summary"]
    assert (s.sources, s.failed, s.complete) == (N, 0, True), s.errors  # type: ignore[attr-defined]
    assert s.converted + s.present == N  # type: ignore[attr-defined]
    check_outputs(dst, sources)
    assert {p: p.stat().st_ino for p in committed_then} == committed_then, "an output was written twice"


def test_driver_killed_mid_job_then_the_command_resumes(sshd: LoopbackSshd, cluster: str, tmp_path: Path) -> None:
    folder = "archive-kill-driver"
    sources = make_recordings(sshd.root / folder, N, seed=9)
    dst = tmp_path / "dst"
    cmd = [sys.executable, "-m", "callcore.cli", "recordings", "convert", sftp_url(sshd, folder), str(dst),
           "--to", "wav", "--source", "alaw", "--ray", cluster, "--shard-files", "10", "-q"]
    p = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    shards = dst / ARCHIVE_DIR / "manifest"
    while p.poll() is None and not (shards.is_dir() and list(shards.glob("shard-*.csv"))):
        time.sleep(0.005)
    p.send_signal(signal.SIGKILL)
    _, err = p.communicate()
    assert p.returncode == -9, f"the driver ended before it was killed: {err[-2000:]}"
    # Ray stops the dead driver's tasks; wait until no worker of it is still inside a shard
    deadline = time.monotonic() + 60
    while any(_alive(pid) for pid in _scratch_pids(dst)) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not any(_alive(pid) for pid in _scratch_pids(dst)), "workers of the killed driver still running"
    committed = outputs(dst)
    assert committed, "the killed driver committed nothing"
    r = subprocess.run(cmd[:-1] + ["--json"], capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stderr[-3000:]
    import json

    s = json.loads(r.stdout)
    assert s["done_before"] >= 10 and s["done_before"] + s["converted"] + s["present"] == N
    check_outputs(dst, sources)
    assert {q: q.stat().st_ino for q in committed} == committed, "an output was written twice"


def test_sftp_commit_never_replaces_a_committed_output(sshd: LoopbackSshd, tmp_path: Path) -> None:
    """The SFTP commit is an upload to parts/ then SSH_FXP_RENAME, which OpenSSH refuses onto an
    existing name: a second writer of one output gets False and the first file stays."""
    from callcore.pipelines.archive import Store

    store = Store(sftp_url(sshd, "commit-test"), {"key_filename": sshd.key_file})
    for n, body in enumerate([b"first", b"second"]):
        (tmp_path / f"{n}").write_bytes(body)
        assert store.commit(str(tmp_path / f"{n}"), "a/b.wav", f"t{n}") is (n == 0)
        assert not (tmp_path / f"{n}").exists()  # the local file is consumed either way
    assert (sshd.root / "commit-test" / "a" / "b.wav").read_bytes() == b"first"
    # a writer that checked before the other committed (the race): the rename itself refuses
    real_exists, calls = store.fs.exists, []

    def exists_once_stale(path: str) -> bool:
        calls.append(path)
        return False if len(calls) == 1 else real_exists(path)

    store.fs.exists = exists_once_stale  # type: ignore[method-assign]
    (tmp_path / "late").write_bytes(b"late")
    assert store.commit(str(tmp_path / "late"), "a/b.wav", "t-late") is False
    assert (sshd.root / "commit-test" / "a" / "b.wav").read_bytes() == b"first"
    assert list((sshd.root / "commit-test" / ARCHIVE_DIR / "parts").iterdir()) == []


def test_sftp_commit_into_a_folder_another_shard_just_made(sshd: LoopbackSshd, tmp_path: Path) -> None:
    """Two shards making one output folder at once: fsspec's SFTP makedirs checks, then mkdirs,
    and the loser got OpenSSH's bare "Failure" (a file lost as ``write: Failure`` in a run with 2
    threads). The folder's existence check going stale reproduces the race."""
    from callcore.pipelines.archive import Store

    store = Store(sftp_url(sshd, "race"), {"key_filename": sshd.key_file})
    (sshd.root / "race" / "a").mkdir(parents=True)
    real_exists = store.fs.exists
    store.fs.exists = lambda p: False if str(p).rstrip("/").endswith("race/a") else real_exists(p)  # type: ignore[method-assign]
    (tmp_path / "out").write_bytes(b"data")
    assert store.commit(str(tmp_path / "out"), "a/x.wav", "t1") is True
    assert (sshd.root / "race" / "a" / "x.wav").read_bytes() == b"data"


def test_a_bad_remote_file_is_reported_by_its_source_name(sshd: LoopbackSshd, cluster: str, tmp_path: Path) -> None:
    """The core names the file it read, which for SFTP is a scratch copy: the reason must name
    the source instead (the scratch path said nothing to the user)."""
    (sshd.root / "bad-remote" / "d").mkdir(parents=True)
    (sshd.root / "bad-remote" / "d" / "empty.V3").write_bytes(b"")
    s = convert_archive(ConvertOptions(sftp_url(sshd, "bad-remote"), str(tmp_path / "dst"), to="wav", source="alaw"))
    assert s.errors == ["d/empty.V3: empty: d/empty.V3: empty file (0 bytes)"]
