"""Files and batches: sox/ffmpeg as references for whole-file transcodes, bad inputs with clear
errors while the rest of the batch completes, atomic writes, skipping, detection, the CLI."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import callcore.audio as audio
from conftest import require, run, snr_db, speechish


def test_vox6k_to_wav_matches_sox_at_the_codec_level(tmp_path: Path) -> None:
    pcm = speechish(3.0, rate=6000)
    src = tmp_path / "rec.V3"
    src.write_bytes(audio.encode(pcm, "vox", variant="sox"))
    r = audio.transcode(src, tmp_path / "rec.wav", source="vox6k", variant="sox")
    assert r.ok and (r.in_rate, r.out_rate, r.frames) == (6000, 6000, pcm.size)
    ref = tmp_path / "sox.wav"
    run([require("sox"), "-V1", "-t", "vox", "-r", "6000", str(src), "-b", "16", str(ref)])
    ours, sr = sf.read(str(tmp_path / "rec.wav"), dtype="int16")
    theirs, sr2 = sf.read(str(ref), dtype="int16")
    assert sr == sr2 == 6000
    np.testing.assert_array_equal(ours, theirs)


def test_vox6k_to_16k_for_asr_and_to_alaw_prompt(tmp_path: Path) -> None:
    pcm = speechish(2.0, rate=6000)
    src = tmp_path / "rec.V3"
    src.write_bytes(audio.encode(pcm, "vox"))
    r = audio.transcode(src, tmp_path / "asr.wav", source="vox6k", rate=16000)
    assert r.frames == pcm.size * 16000 // 6000
    info = sf.info(str(tmp_path / "asr.wav"))
    assert (info.samplerate, info.frames) == (16000, r.frames)
    r = audio.transcode(src, tmp_path / "prompt.wav", source="vox6k", to="wav-alaw")
    info = sf.info(str(tmp_path / "prompt.wav"))
    assert (info.samplerate, info.channels, info.subtype) == (8000, 1, "ALAW")
    # the resampled decode still resembles the source (resampled by the same filter)
    ref = audio.resample(audio.decode(audio.encode(pcm, "vox"), "vox"), 6000, 8000)
    got, _ = sf.read(str(tmp_path / "prompt.wav"), dtype="int16")
    assert snr_db(ref, got) > 30


def test_auto_source_and_variant(tmp_path: Path) -> None:
    pcm = speechish(10.0)
    (tmp_path / "a.V3").write_bytes(audio.encode(pcm, "alaw"))
    (tmp_path / "v.V3").write_bytes(audio.encode(pcm, "vox", variant="ffmpeg"))
    r = audio.transcode(tmp_path / "a.V3", tmp_path / "a.wav")
    assert r.input.startswith("alaw")
    r = audio.transcode(tmp_path / "v.V3", tmp_path / "v.wav", variant="auto")
    assert r.input.startswith("vox 8000") and r.variant in ("ffmpeg", "sox")
    assert any("variant auto" in n for n in r.notes)
    got, _ = sf.read(str(tmp_path / "v.wav"), dtype="int16")
    assert snr_db(pcm, got) > 15


def test_dc_blocker_removes_wrong_rule_drift(tmp_path: Path) -> None:
    pcm = speechish(10.0)
    (tmp_path / "d.V3").write_bytes(audio.encode(pcm, "vox", variant="dialogic"))
    plain = audio.transcode(tmp_path / "d.V3", tmp_path / "p.wav", source="vox8k", variant="sox")
    blocked = audio.transcode(tmp_path / "d.V3", tmp_path / "b.wav", source="vox8k", variant="sox", dc_block=True)
    assert plain.ok and blocked.ok
    p, _ = sf.read(str(tmp_path / "p.wav"), dtype="int16")
    b, _ = sf.read(str(tmp_path / "b.wav"), dtype="int16")
    assert abs(b[8000:].astype(float).mean()) < abs(p[8000:].astype(float).mean()) / 10


def test_merge_three_tracks_to_wav(tmp_path: Path) -> None:
    tracks = [speechish(1.0, seed=s) for s in (1, 2, 3)]
    paths = []
    for i, t in enumerate(tracks):
        p = tmp_path / f"t{i}.V3"
        p.write_bytes(audio.encode(t[: 8000 - 1000 * i], "alaw"))
        paths.append(p)
    r = audio.merge(paths, tmp_path / "call.wav", source="alaw")
    data, sr = sf.read(str(tmp_path / "call.wav"), dtype="int16")
    assert data.shape == (8000, 3) and r.channels == 3
    np.testing.assert_array_equal(data[:6000, 2], audio.decode(audio.encode(tracks[2][:6000], "alaw"), "alaw"))
    assert not data[6000:, 2].any()  # shorter track padded with silence
    r = audio.merge(paths, tmp_path / "mix.wav", source="alaw", mode="mix")
    mix, _ = sf.read(str(tmp_path / "mix.wav"), dtype="int16")
    expect = np.clip(data.astype(np.int32).sum(axis=1), -32768, 32767)
    np.testing.assert_array_equal(mix, expect)


def _bad_batch(tmp_path: Path) -> list[tuple[Path, Path]]:
    d = tmp_path / "in"
    d.mkdir()
    (d / "good.V3").write_bytes(audio.encode(speechish(1.0), "alaw"))
    (d / "empty.V3").write_bytes(b"")
    (d / "garbage.V3").write_bytes(b"RIFF\x10\x00\x00\x00WAVEjunkjunk")
    lying = bytearray(audio.wav_bytes(speechish(0.5), 8000))
    lying[40:44] = (10**7).to_bytes(4, "little")
    (d / "lying.V3").write_bytes(bytes(lying))
    (d / "odd.V3").write_bytes(audio.wav_bytes(speechish(0.5), 8000)[:-1])
    (d / "good2.V3").write_bytes(audio.encode(speechish(0.7), "vox"))
    blocker = tmp_path / "not_a_dir"
    blocker.write_text("a file where a folder should be")
    out = tmp_path / "out"
    return [
        (d / "good.V3", out / "good.wav"),
        (d / "empty.V3", out / "empty.wav"),
        (d / "garbage.V3", out / "garbage.wav"),
        (d / "missing.V3", out / "missing.wav"),
        (d / "lying.V3", out / "lying.wav"),
        (d / "odd.V3", out / "odd.wav"),
        (d / "good.V3", blocker / "unwritable.wav"),
        (d / "good2.V3", out / "good2.wav"),
    ]


def test_batch_never_aborts_and_reports_each_file(tmp_path: Path) -> None:
    jobs = _bad_batch(tmp_path)
    seen: list[tuple[int, bool]] = []
    res = audio.transcode_many(jobs, jobs=2, progress=lambda i, ok: seen.append((i, ok)))
    assert len(res) == len(jobs) and sorted(i for i, _ in seen) == list(range(len(jobs)))
    by = {Path(r.src).name + ":" + Path(r.dst).name: r for r in res}
    assert by["good.V3:good.wav"].ok and by["good2.V3:good2.wav"].ok
    e = by["empty.V3:empty.wav"]
    assert not e.ok and e.error_kind == "empty" and "empty" in e.error
    g = by["garbage.V3:garbage.wav"]
    assert not g.ok and g.error_kind == "format" and "WAV" in g.error
    m = by["missing.V3:missing.wav"]
    assert not m.ok and m.error_kind == "io" and "missing.V3" in m.error
    u = by["good.V3:unwritable.wav"]
    assert not u.ok and u.error_kind == "io" and "output folder" in u.error
    lying = by["lying.V3:lying.wav"]
    assert lying.ok and lying.frames == 4000 and any("truncated" in n for n in lying.notes)
    odd = by["odd.V3:odd.wav"]
    assert odd.ok and odd.frames == 3999 and any("odd byte" in n for n in odd.notes)
    out = tmp_path / "out"
    assert not [p for p in out.iterdir() if p.name.endswith(".part")]  # atomic: no leftovers
    # second run: everything done is skipped, the errors are reported again
    res2 = audio.transcode_many(jobs, jobs=2)
    assert [r.status for r in res2 if r.ok] == ["skipped"] * 4
    assert sum(not r.ok for r in res2) == 4


def test_single_file_errors_raise_clear_exceptions(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError, match="nope.V3"):
        audio.transcode(tmp_path / "nope.V3", tmp_path / "x.wav")
    (tmp_path / "e.V3").write_bytes(b"")
    with pytest.raises(audio.AudioFormatError, match="empty"):
        audio.transcode(tmp_path / "e.V3", tmp_path / "x.wav")
    with pytest.raises(ValueError, match="source"):
        audio.transcode(tmp_path / "e.V3", tmp_path / "x.wav", source="gsm")


def test_two_gigabyte_input_is_refused_up_front_for_wav(tmp_path: Path) -> None:
    big = tmp_path / "big.V3"
    with open(big, "wb") as f:  # sparse: no disk used
        f.truncate(2 * 1024**3)
    with pytest.raises(audio.AudioFormatError, match="4 GiB"):
        audio.transcode(big, tmp_path / "big.wav", source="alaw")
    assert not (tmp_path / "big.wav").exists()


def test_cli_recurses_shows_summary_and_fails_on_bad_files(tmp_path: Path) -> None:
    src = tmp_path / "recs"
    (src / "2024" / "agent7").mkdir(parents=True)
    for i in range(3):
        (src / "2024" / "agent7" / f"{i}.V3").write_bytes(audio.encode(speechish(0.5, rate=6000, seed=i), "vox"))
    (src / "2024" / "bad.V3").write_bytes(b"")
    (src / "notes.txt").write_text("not audio")
    out = tmp_path / "out"
    cmd = [sys.executable, "-m", "callcore.cli", "audio", "transcode", str(src), "--source", "vox6k",
           "--to", "mp3", "-o", str(out), "--jobs", "2"]
    p = subprocess.run(cmd, capture_output=True, text=True, env={**os.environ, "COLUMNS": "120"})
    assert p.returncode == 3, p.stderr  # partial: three done, one failed (callcore._cli_conventions)
    assert "failed" in p.stderr and "bad.V3" in p.stderr and "empty" in p.stderr
    made = sorted(q.relative_to(out).as_posix() for q in out.rglob("*.mp3"))
    assert made == ["2024/agent7/0.mp3", "2024/agent7/1.mp3", "2024/agent7/2.mp3"]
    for q in out.rglob("*.mp3"):
        assert sf.info(str(q)).samplerate == 8000
    p2 = subprocess.run(cmd, capture_output=True, text=True)
    assert "skipped" in p2.stderr


@pytest.mark.parametrize("source", ["vox8k", "alaw"])
def test_streaming_file_decode_equals_in_memory_decode(source: str, tmp_path: Path) -> None:
    """Several 64 KiB read chunks, an odd total: the streamed WAV holds exactly decode(bytes)."""
    data = np.random.default_rng(5).integers(0, 256, 3 * 65536 + 12345, dtype=np.uint8).tobytes()
    codec = "vox" if source == "vox8k" else "alaw"
    if codec == "vox":  # random nibbles would clip; use a real stream
        data = audio.encode(speechish(len(data) * 2 / 8000, level=12000), "vox")[: len(data)]
    (tmp_path / "x.V3").write_bytes(data)
    r = audio.transcode(tmp_path / "x.V3", tmp_path / "x.wav", source=source, variant="sox")
    got, *_ = audio.read_wav((tmp_path / "x.wav").read_bytes())
    np.testing.assert_array_equal(got, audio.decode(data, codec, variant="sox"))
    assert r.input_bytes == len(data)


def test_cli_merge_and_detect(tmp_path: Path) -> None:
    import json

    a, b = tmp_path / "agent.V3", tmp_path / "customer.V3"
    a.write_bytes(audio.encode(speechish(1.0), "alaw"))
    b.write_bytes(audio.encode(speechish(1.0, seed=4), "alaw"))
    cli = [sys.executable, "-m", "callcore.cli", "audio"]
    p = subprocess.run(cli + ["merge", str(a), str(b), "-o", str(tmp_path / "call.wav"), "--source", "alaw"],
                       capture_output=True, text=True)
    assert p.returncode == 0, p.stderr
    assert json.loads(p.stdout)["channels"] == 2
    assert sf.info(str(tmp_path / "call.wav")).channels == 2
    p = subprocess.run(cli + ["detect", str(a)], capture_output=True, text=True)
    assert p.returncode == 0 and json.loads(p.stdout)["raw_codec"] == "alaw"
    p = subprocess.run(cli + ["transcode", str(tmp_path / "nope"), "-o", str(tmp_path / "o")], capture_output=True, text=True)
    assert p.returncode == 2 and "nope" in p.stderr


def test_plan_outputs_keeps_layout_and_avoids_collisions(tmp_path: Path) -> None:
    from callcore.audio import plan_outputs

    d = tmp_path / "in" / "Y" / "1"
    d.mkdir(parents=True)
    for name in ("1406470.V3", "1406470.wav", "0951044.v3", ".hidden.V3", "notes.txt"):
        (d / name).write_bytes(b"x")
    pairs = plan_outputs([tmp_path / "in"], tmp_path / "out", "wav")
    got = sorted((s.name, d.relative_to(tmp_path / "out").as_posix()) for s, d in pairs)
    assert got == [
        ("0951044.v3", "Y/1/0951044.wav"),
        ("1406470.V3", "Y/1/1406470.wav"),
        ("1406470.wav", "Y/1/1406470.wav.wav"),
    ]
    assert len({d for _, d in pairs}) == len(pairs)


def _plan_with_pathlib(srcs: list[Path], out_dir: Path, to: str) -> list[tuple[Path, Path]]:
    """The reference for plan_outputs: its rule written with pathlib, as it was before the CLI
    stopped importing pathlib (rglob's order and links, stem, with_suffix, with_name)."""
    ext = ".mp3" if to == "mp3" else ".wav"
    sfx = {s.lower() for s in audio.INPUT_SUFFIXES}
    pairs: list[tuple[Path, Path]] = []
    taken: set[Path] = set()

    def add(src: Path, dst: Path) -> None:
        if dst in taken:
            dst = dst.with_name(src.name + ext)
        taken.add(dst)
        pairs.append((src, dst))

    for p in srcs:
        if p.is_dir():
            for f in sorted(p.rglob("*")):
                if f.is_file() and f.suffix.lower() in sfx and not f.name.startswith("."):
                    add(f, out_dir / f.relative_to(p).with_suffix(ext))
        else:
            add(p, out_dir / (p.stem + ext))
    return pairs


_names = st.sampled_from(["a", "B", "a.V3", "a.wav", "a.v3", "b.vox", ".h.V3", "x.y.al", "a.", "c.WAV", "z.txt",
                          "a.V3.wav", "d"])


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(tree=st.lists(st.tuples(st.lists(_names, min_size=0, max_size=3), _names, st.sampled_from(["file", "link"])),
                     min_size=1, max_size=14),
       linked_dir=st.booleans(), to=st.sampled_from(["wav", "mp3"]), explicit=st.booleans())
def test_plan_outputs_agrees_with_the_pathlib_rule(tmp_path: Path, tree, linked_dir, to, explicit) -> None:
    """The CLI's string planner (no pathlib import: ~3 ms of a one-hour file's whole process)
    gives the pathlib rule's pairs, in its order, on generated trees: nested folders, hidden and
    suffix-less names, upper-case and double suffixes, colliding outputs, links to files, and a
    link to a folder (listed by rglob, never followed)."""
    import shutil
    import uuid

    from callcore.audio import _plan_outputs, plan_outputs

    root = tmp_path / uuid.uuid4().hex
    top = root / "in"
    top.mkdir(parents=True)
    (root / "elsewhere").mkdir()
    (root / "elsewhere" / "far.V3").write_bytes(b"x")
    for folders, name, kind in tree:
        where = top.joinpath(*folders)
        try:
            where.mkdir(parents=True, exist_ok=True)
            target = where / name
            if target.exists() or target.is_symlink():
                continue
            if kind == "file":
                target.write_bytes(b"x")
            else:
                target.symlink_to(root / "elsewhere" / "far.V3")
        except (FileExistsError, NotADirectoryError):
            continue  # a file where a folder of the tree would go
    if linked_dir:
        (top / "linked").symlink_to(root / "elsewhere", target_is_directory=True)
    srcs = [top]
    if explicit:  # a file given by name, next to the folder: its output may collide with one inside
        (root / "a.V3").write_bytes(b"x")
        srcs.append(root / "a.V3")
    want = _plan_with_pathlib(srcs, root / "out", to)
    assert plan_outputs(srcs, root / "out", to) == want
    assert _plan_outputs(srcs, root / "out", to) == [(str(s), str(d)) for s, d in want]
    shutil.rmtree(root)


def test_plan_outputs_names_a_folder_it_cannot_read(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """An unreadable folder under an input is an error naming it, before anything is converted
    (pathlib's rglob, which the planner used before, skipped it and its recordings silently)."""
    import callcore.audio as audio_module

    (tmp_path / "in" / "locked").mkdir(parents=True)
    (tmp_path / "in" / "a.V3").write_bytes(b"x")
    (tmp_path / "in" / "locked" / "b.V3").write_bytes(b"x")
    real_scandir = os.scandir

    def scandir(path: str):  # type: ignore[no-untyped-def]
        if path.endswith("locked"):  # what a folder without read permission gives (tests run as root)
            raise PermissionError(13, "Permission denied", path)
        return real_scandir(path)

    monkeypatch.setattr(audio_module.os, "scandir", scandir)
    with pytest.raises(PermissionError, match="locked"):
        audio_module.plan_outputs([tmp_path / "in"], tmp_path / "out")


#: modules `callcore audio transcode` must not import: each costs ~1-40 ms of a one-hour file's
#: ~60 ms whole process (shutil: argparse's formatter sizing itself; typing: callcore.audio's
#: types, kept in callcore.audio._types; json: only with --json; pathlib: ~3 ms with the urllib.parse
#: and ipaddress it imports, so the command plans its outputs with os paths)
CLI_HEAVY_MODULES = (
    "numpy", "rich", "shutil", "typing", "json", "dataclasses", "inspect", "subprocess", "threading", "concurrent.futures",
    "tempfile", "logging", "socket", "ssl", "asyncio", "httpx", "callcore.sign", "callcore.calllist",
    "callcore.pipelines", "callcore.sandbox", "callcore.receivers", "callcore.platforms", "pathlib",
)


def test_cli_import_path_is_lean(tmp_path: Path) -> None:
    """`callcore audio transcode` registers only the audio subcommands and imports none of
    CLI_HEAVY_MODULES, rich included when stderr is not a terminal (interpreter start-up and
    imports are part of every CLI call: rich alone was a third of a one-hour file's whole run);
    the summary still comes out."""
    src = tmp_path / "a.V3"
    src.write_bytes(audio.encode(speechish(1.0), "vox"))
    code = ("import sys; from callcore.cli import main; rc = main(sys.argv[1:]); "
            f"print(sorted(m for m in {CLI_HEAVY_MODULES!r} if m in sys.modules), rc)")
    p = subprocess.run([sys.executable, "-c", code, "audio", "transcode", str(src), "--source", "vox8k", "-o", str(tmp_path / "o")],
                       capture_output=True, text=True)
    assert p.returncode == 0, p.stderr
    assert p.stdout.strip() == "[] 0"
    assert "callcore audio transcode" in p.stderr
    assert sf.info(str(tmp_path / "o" / "a.wav")).frames == 8000
