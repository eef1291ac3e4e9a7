"""`callcore recordings convert` without Ray (``--ray off``): naming, hostile names, per-file
failures, resume, and the driver killed at every durable commit (crash-point harness).
The Ray runs, SFTP and the worker kill are in test_archive_ray.py."""
from __future__ import annotations

import csv
import os
import subprocess
import sys
from pathlib import Path, PurePosixPath

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import callcore.audio as audio
from callcore import _crashpoint
from callcore.pipelines.archive import ARCHIVE_DIR, ConvertOptions, convert_archive, output_name, plan_names


def make_recordings(root: Path, n: int, *, seed: int = 7, folder: str = "calls") -> dict[str, bytes]:
    """*n* headerless 64K A-law `.V3` recordings (0.1-0.5 s) under root/folder/dayK/; returns
    {path relative to root: bytes}."""
    rng = np.random.default_rng(seed)
    out = {}
    for i in range(n):
        pcm = (rng.standard_normal(int(rng.integers(800, 4000))) * 4000).clip(-32768, 32767).astype(np.int16)
        rel = f"{folder}/day{i % 4}/{100000 + i}.V3"
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        data = audio.encode(pcm, "alaw")
        (root / rel).write_bytes(data)
        out[rel] = data
    return out


def manifest(dst: Path) -> dict[str, dict[str, str]]:
    with open(dst / ARCHIVE_DIR / "manifest.csv", encoding="utf-8") as f:
        return {r["source"]: r for r in csv.DictReader(f)}


def check_outputs(dst: Path, sources: dict[str, bytes]) -> None:
    """Every source has one committed output that decodes to the source's samples, the manifest
    says so with matching checksums, no attempt wrote one twice, and no partial file is left."""
    m = manifest(dst)
    assert set(m) == set(sources)
    for rel, data in sources.items():
        row = m[rel]
        assert row["state"] in ("converted", "present"), row
        assert int(row["writes"]) <= 1, row
        out = dst / row["output"]
        pcm, rate, channels, codec, _ = audio.read_wav(out.read_bytes())
        assert (rate, channels) == (8000, 1)
        np.testing.assert_array_equal(pcm, audio.decode(data, "alaw"), err_msg=rel)
        import hashlib

        assert hashlib.sha256(out.read_bytes()).hexdigest() == row["output_sha256"]
    outputs = {str(p.relative_to(dst)) for p in dst.rglob("*") if p.is_file() and ARCHIVE_DIR not in p.parts}
    assert outputs == {m[r]["output"] for r in sources}, "stray or partial files in DST"
    assert not (dst / ARCHIVE_DIR / "tmp").exists()
    assert not list((dst / ARCHIVE_DIR / "manifest").glob("shard-*.csv")), "shard manifests not folded"


@pytest.mark.parametrize("name", [
    "../../escape.V3", "/etc/passwd.V3", "C:\\Windows\\x.V3", "C:x.V3", "..\\..\\x.V3", "a/../../../x.V3",
    ".callcore-archive/rows.V3", "\\\\server\\share\\y.V3", "..", "a/./b/../c.V3",
])
def test_output_names_stay_relative_inside_dst(name: str) -> None:
    out = output_name(name, "wav")
    p = PurePosixPath(out)
    assert not p.is_absolute() and ".." not in p.parts and ":" not in out and "\\" not in out
    assert p.parts[0] != ARCHIVE_DIR
    assert p.suffix == ".wav"


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(["..", ".", "", "a", "C:", "c:x", "\\", "/", "\x00", " ", ".callcore-archive", "é", "x.V3"]),
                max_size=8).map("/".join) | st.text(max_size=40))
def test_no_source_name_leaves_dst(name: str) -> None:
    out = PurePosixPath(output_name(name, "mp3"))
    assert not out.is_absolute() and ".." not in out.parts and out.parts[0] != ARCHIVE_DIR
    assert (_ANCHOR_CHECK / out).resolve().is_relative_to(_ANCHOR_CHECK.resolve())
    assert out.suffix == ".mp3"


_ANCHOR_CHECK = Path("/nonexistent-dst")


def test_two_sources_for_one_name_get_two_outputs() -> None:
    names = plan_names(["a/x.V3", "a/x.wav", "a\\x.V3"], "wav")
    assert len(set(names.values())) == 3
    assert names["a/x.V3"] == "a/x.wav"
    # a name already in the manifest is kept whatever sorts first now
    again = plan_names(["a/x.V3", "a/x.wav", "0/x.V3"], "wav", known={"a/x.wav": "a/x.wav"})
    assert again["a/x.wav"] == "a/x.wav" and again["a/x.V3"] != "a/x.wav"


def test_hostile_names_and_symlinks_never_leave_dst(tmp_path: Path) -> None:
    src, dst, outside = tmp_path / "src", tmp_path / "dst", tmp_path / "outside"
    src.mkdir()
    outside.mkdir()
    alaw = audio.encode(np.arange(-800, 800, dtype=np.int16) * 10, "alaw")
    hostile = ["..\\..\\escape.V3", "C:\\evil.V3", "\\abs.V3", "..\\..\\..\\..\\tmp\\x.V3"]
    for name in hostile:
        (src / name).write_bytes(alaw)
    # a folder in DST that is a symlink to somewhere else: an output through it would leave DST
    (src / "link").mkdir()
    (src / "link" / "y.V3").write_bytes(alaw)
    dst.mkdir()
    (dst / "link").symlink_to(outside, target_is_directory=True)
    s = convert_archive(ConvertOptions(str(src), str(dst), to="wav", source="alaw"))
    assert s.sources == 5 and s.converted == 4 and s.failed == 1
    assert s.errors == [f"link/y.V3: output: 'link/y.wav' would leave {dst.resolve()} (through a symlink)"]
    assert list(outside.iterdir()) == []
    for p in tmp_path.rglob("*.wav"):
        assert dst.resolve() in p.resolve().parents, p
    assert sorted(r["output"] for r in manifest(dst).values() if r["state"] == "converted") == \
        ["C/evil.wav", "abs.wav", "escape.wav", "tmp/x.wav"]


def test_bad_files_are_reported_and_do_not_stop_the_job_then_resume(tmp_path: Path) -> None:
    src, dst = tmp_path / "src", tmp_path / "dst"
    good = make_recordings(src, 30)
    (src / "calls" / "empty.V3").write_bytes(b"")
    (src / "calls" / "broken.wav").write_bytes(b"RIFF\x10\x00\x00\x00WAVEfmt \xff\xff")
    (src / "calls" / "notes.txt").write_text("not a recording")  # not a recording suffix: not listed
    s = convert_archive(ConvertOptions(str(src), str(dst), to="wav", source="alaw", shard_files=7))
    assert (s.sources, s.converted, s.failed, s.complete) == (32, 30, 2, False)
    reasons = dict(e.split(": ", 1) for e in s.errors)
    assert set(reasons) == {"calls/empty.V3", "calls/broken.wav"}
    assert reasons["calls/empty.V3"].startswith("empty:")
    m = manifest(dst)
    assert m["calls/broken.wav"]["state"] == "error" and m["calls/broken.wav"]["error"]
    # a second run converts nothing already committed, and tries the failed files again
    again = convert_archive(ConvertOptions(str(src), str(dst), to="wav", source="alaw", shard_files=7))
    assert (again.done_before, again.converted, again.failed) == (30, 0, 2)
    (src / "calls" / "empty.V3").write_bytes(audio.encode(np.zeros(800, np.int16), "alaw"))
    (src / "calls" / "broken.wav").unlink()
    third = convert_archive(ConvertOptions(str(src), str(dst), to="wav", source="alaw", shard_files=7))
    assert (third.converted, third.failed, third.complete) == (1, 0, True)
    good["calls/empty.V3"] = (src / "calls" / "empty.V3").read_bytes()
    assert manifest(dst)["calls/broken.wav"]["state"] == "error"  # removed from SRC: its last outcome stays
    check_outputs_subset(dst, good)


def check_outputs_subset(dst: Path, sources: dict[str, bytes]) -> None:
    m = manifest(dst)
    for rel, data in sources.items():
        pcm = audio.read_wav((dst / m[rel]["output"]).read_bytes())[0]
        np.testing.assert_array_equal(pcm, audio.decode(data, "alaw"))
        assert int(m[rel]["writes"]) == 1


def test_bad_options_name_the_option(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match=r"--to 'flac'"):
        convert_archive(ConvertOptions(str(tmp_path), str(tmp_path / "o"), to="flac"))
    with pytest.raises(ValueError, match=r"--source 'vox'"):
        convert_archive(ConvertOptions(str(tmp_path), str(tmp_path / "o"), source="vox"))
    with pytest.raises(ValueError, match=r"SRC .*missing.*not found"):
        convert_archive(ConvertOptions(str(tmp_path / "missing"), str(tmp_path / "o")))
    (tmp_path / "recs").mkdir()
    with pytest.raises(ValueError, match=r"DST .*recs/out: inside SRC"):
        convert_archive(ConvertOptions(str(tmp_path / "recs"), str(tmp_path / "recs" / "out")))
    with pytest.raises(ValueError, match=r"password") as e:
        convert_archive(ConvertOptions("sftp://me:hunter2@127.0.0.1/x", str(tmp_path / "o")))
    assert "hunter2" not in str(e.value)


def _cli(src: Path, dst: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "callcore.cli", "recordings", "convert", str(src), str(dst),
                           "--to", "wav", "--source", "alaw", "--shard-files", "4", "--workers", "1", "-q"],
                          env=env, capture_output=True, text=True, timeout=120)


def test_driver_killed_at_every_commit_resumes_exactly_once(tmp_path: Path) -> None:
    """``--ray off`` runs the shards in the driver: CALLCORE_CRASH_AFTER=commit:N kills it right
    after its Nth durable commit (an output linked into place, a shard manifest, the merged
    manifest), for every N of a clean run; the same command run again completes, never rewrites
    an output the killed run committed (same inode), and leaves no partial file."""
    src = tmp_path / "src"
    sources = make_recordings(src, 10)
    env = {k: v for k, v in os.environ.items() if not k.startswith("CALLCORE_CRASH")}
    count_file = tmp_path / "count"
    clean = _cli(src, tmp_path / "clean", {**env, _crashpoint.COUNT_FILE_ENV: str(count_file)})
    assert clean.returncode == 0, clean.stderr
    points = _crashpoint.counted(count_file)["commit"]
    assert points == 10 + 3 + 2  # outputs, shard manifests (4+4+2 files), rows.csv + manifest.csv
    for n in range(1, points + 1):
        dst = tmp_path / f"dst{n}"
        killed = _cli(src, dst, {**env, _crashpoint.ENV: f"commit:{n}"})
        assert killed.returncode == -9, (n, killed.stderr)
        before = {p: p.stat().st_ino for p in dst.rglob("*.wav") if ARCHIVE_DIR not in p.parts}
        assert before, f"commit:{n}: the killed run committed no output"
        resumed = _cli(src, dst, env)
        assert resumed.returncode == 0, (n, resumed.stderr)
        check_outputs(dst, sources)
        assert {p: p.stat().st_ino for p in before} == before, f"commit:{n}: an output was written again"


@pytest.mark.parametrize("fmt", ["vox6k", "vox8k"])
def test_the_deployments_vox_format_is_an_option(tmp_path: Path, fmt: str) -> None:
    """``--recording-format`` (= ``--source``) picks the .V3 encoding; each output is what
    ``callcore.audio.transcode`` makes of that file alone."""
    src, dst, ref = tmp_path / "src", tmp_path / "dst", tmp_path / "ref"
    rng = np.random.default_rng(2)
    for i in range(6):
        (src / "d").mkdir(parents=True, exist_ok=True)
        (src / "d" / f"{i}.V3").write_bytes(audio.encode((rng.standard_normal(3000) * 3000).astype(np.int16), "vox"))
    r = subprocess.run([sys.executable, "-m", "callcore.cli", "recordings", "convert", str(src), str(dst), "--to", "wav",
                        "--recording-format", fmt, "--rate", "16000", "-q"], capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stderr
    assert "6 recordings: 0 done before, 6 converted now, 0 failed" in r.stdout
    for i in range(6):
        want = audio.transcode(src / "d" / f"{i}.V3", ref / f"{i}.wav", source=fmt, to="wav", rate=16000)
        assert want.ok and want.out_rate == 16000
        assert (dst / "d" / f"{i}.wav").read_bytes() == (ref / f"{i}.wav").read_bytes()


def test_a_shard_that_fails_as_a_whole_is_reported_per_file_and_rerun(tmp_path: Path) -> None:
    """A shard that raises before converting (here: its scratch folder cannot be made) reports
    each of its files with the reason, in the summary and the manifest; the job goes on."""
    src, dst = tmp_path / "src", tmp_path / "dst"
    sources = make_recordings(src, 9)
    (dst / ARCHIVE_DIR).mkdir(parents=True)
    (dst / ARCHIVE_DIR / "tmp").write_text("a file where the scratch folder goes")
    s = convert_archive(ConvertOptions(str(src), str(dst), to="wav", source="alaw", shard_files=4))
    assert (s.converted, s.failed, s.complete) == (0, 9, False)
    assert all("NotADirectoryError" in e for e in s.errors) and len(s.errors) == 9
    assert {r["state"] for r in manifest(dst).values()} == {"error"} and len(manifest(dst)) == 9
    (dst / ARCHIVE_DIR / "tmp").unlink()
    again = convert_archive(ConvertOptions(str(src), str(dst), to="wav", source="alaw", shard_files=4))
    assert (again.converted, again.failed, again.complete) == (9, 0, True)
    check_outputs(dst, sources)


def test_a_later_run_records_its_shards_even_when_a_killed_run_left_the_same_files_failed(tmp_path: Path) -> None:
    """A run killed right after a shard manifest of failures (before folding), then the files are
    fixed and the command run again with the same shards: the new outcomes reach the manifest."""
    src, dst = tmp_path / "src", tmp_path / "dst"
    for i in range(4):
        (src / f"{i}.V3").parent.mkdir(parents=True, exist_ok=True)
        (src / f"{i}.V3").write_bytes(b"")
    env = {k: v for k, v in os.environ.items() if not k.startswith("CALLCORE_CRASH")}
    killed = _cli(src, dst, {**env, _crashpoint.ENV: "commit:1"})
    assert killed.returncode == -9, killed.stderr
    fixed = make_recordings(tmp_path / "fixed", 4)
    for i, data in enumerate(fixed.values()):
        (src / f"{i}.V3").write_bytes(data)
    r = _cli(src, dst, env)
    assert r.returncode == 0, r.stderr
    m = manifest(dst)
    assert {(k, v["state"], v["writes"]) for k, v in m.items()} == {(f"{i}.V3", "converted", "1") for i in range(4)}


def test_an_unreachable_ray_address_is_a_clear_error_not_a_hang(tmp_path: Path) -> None:
    import socket

    with socket.socket() as s:  # a port nothing listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    make_recordings(tmp_path / "src", 2)
    with pytest.raises(ValueError, match=rf"--ray 127.0.0.1:{port}: could not start or reach Ray: nothing answers"):
        convert_archive(ConvertOptions(str(tmp_path / "src"), str(tmp_path / "dst"), ray=f"127.0.0.1:{port}"))


def test_a_store_without_rename_gets_one_complete_put_per_output(tmp_path: Path) -> None:
    """fsspec's in-memory store stands for an object store (no rename): each output is one PUT
    of the whole file, the manifest is there, and a second run converts nothing."""
    import fsspec

    src = tmp_path / "src"
    sources = make_recordings(src, 12)
    dst = f"memory://archive-test-{os.getpid()}/out"
    s = convert_archive(ConvertOptions(str(src), dst, to="wav", source="alaw", shard_files=5))
    assert (s.converted, s.failed, s.complete) == (12, 0, True)
    mem = fsspec.filesystem("memory")
    root = f"/archive-test-{os.getpid()}/out"
    with mem.open(f"{root}/{ARCHIVE_DIR}/manifest.csv", "r") as f:
        rows = {r["source"]: r for r in csv.DictReader(f)}
    for rel, data in sources.items():
        assert rows[rel]["writes"] == "1"
        pcm = audio.read_wav(mem.cat_file(f"{root}/{rows[rel]['output']}"))[0]
        np.testing.assert_array_equal(pcm, audio.decode(data, "alaw"))
    assert not [p for p in mem.find(root) if p.endswith(".part")]
    again = convert_archive(ConvertOptions(str(src), dst, to="wav", source="alaw"))
    assert (again.done_before, again.converted) == (12, 0)
    mem.rm(f"/archive-test-{os.getpid()}", recursive=True)


def test_local_commit_never_replaces_a_committed_output(tmp_path: Path) -> None:
    from callcore.pipelines.archive import Store

    store = Store(str(tmp_path / "dst"))
    for n, body in enumerate([b"first", b"second"]):
        (tmp_path / f"{n}").write_bytes(body)
        assert store.commit(str(tmp_path / f"{n}"), "a/b.wav", f"t{n}") is (n == 0)
        assert not (tmp_path / f"{n}").exists()
    assert (tmp_path / "dst" / "a" / "b.wav").read_bytes() == b"first"


def test_a_second_driver_on_one_dst_is_refused_with_a_clear_message(tmp_path: Path) -> None:
    from callcore.pipelines.folder_lock import hold

    src, dst = tmp_path / "src", tmp_path / "dst"
    make_recordings(src, 2)
    with hold(dst / ARCHIVE_DIR, what="recordings convert (the first driver)"):
        r = _cli(src, dst, {k: v for k, v in os.environ.items() if not k.startswith("CALLCORE_CRASH")})
    assert r.returncode == 2
    assert "in use by PID" in r.stderr and "Traceback" not in r.stderr
    assert not list(dst.rglob("*.wav"))
