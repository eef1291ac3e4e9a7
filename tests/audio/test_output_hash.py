"""Asked with ``hash=True``, each written output carries the SHA-256 of its bytes and its size,
computed while writing, so that callers (the recording sync) need not read the file back:
checked against ``hashlib`` on the file for every output format, for the header-patched cases,
for merges and batches, and for the skipped and failed files that write nothing."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

import callcore.audio as audio
from conftest import speechish


def _assert_hash_of_file(r: audio.TranscodeResult) -> None:
    data = Path(r.dst).read_bytes()
    assert r.ok and r.status == "done"
    assert r.sha256 == hashlib.sha256(data).hexdigest()
    assert r.bytes_written == r.output_bytes == len(data)


@pytest.mark.parametrize("to", ["wav", "wav-alaw", "wav-ulaw", "mp3"])
@pytest.mark.parametrize("source", ["vox6k", "alaw"])
def test_transcode_hash_is_the_written_files(source: str, to: str, tmp_path: Path) -> None:
    pcm = speechish(1.3, rate=6000 if source == "vox6k" else 8000)
    src = tmp_path / "rec.V3"
    src.write_bytes(audio.encode(pcm, "vox" if source == "vox6k" else "alaw"))
    _assert_hash_of_file(audio.transcode(src, tmp_path / f"out.{to}", source=source, to=to, hash=True))  # type: ignore[arg-type]
    # resampled to a rate the input does not divide (6000 -> 11025)
    if to != "mp3":
        r = audio.transcode(src, tmp_path / f"out11k.{to}", source=source, to=to, rate=11025, hash=True)  # type: ignore[arg-type]
        _assert_hash_of_file(r)


def test_hash_when_the_header_must_be_patched(tmp_path: Path) -> None:
    # a WAV whose data length lies and one with an odd byte count: the stream ends elsewhere
    # than the header first said
    lying = bytearray(audio.wav_bytes(speechish(0.5), 8000))
    lying[40:44] = (10**7).to_bytes(4, "little")
    (tmp_path / "lying.wav").write_bytes(bytes(lying))
    (tmp_path / "odd.wav").write_bytes(audio.wav_bytes(speechish(0.5), 8000)[:-1])
    # three channels whose last frame is cut short
    three = audio.wav_bytes(speechish(0.3).repeat(3), 8000, channels=3)[:-2]
    (tmp_path / "three.wav").write_bytes(three)
    # MP3 content decoded to WAV: its length is only known at the end
    (tmp_path / "really.mp3").write_bytes(audio.mp3_bytes(speechish(1.0)))
    for name in ("lying.wav", "odd.wav", "three.wav", "really.mp3"):
        for to in ("wav", "wav-alaw"):
            _assert_hash_of_file(audio.transcode(tmp_path / name, tmp_path / f"{name}.{to}.wav", to=to, hash=True))  # type: ignore[arg-type]
    # MP3 content to MP3 is copied unchanged
    r = audio.transcode(tmp_path / "really.mp3", tmp_path / "copy.mp3", hash=True)
    _assert_hash_of_file(r)
    assert r.sha256 == hashlib.sha256((tmp_path / "really.mp3").read_bytes()).hexdigest()


@pytest.mark.parametrize("to", ["wav", "mp3"])
def test_merge_hash(to: str, tmp_path: Path) -> None:
    paths = []
    for i in range(2):
        p = tmp_path / f"t{i}.V3"
        p.write_bytes(audio.encode(speechish(1.0, seed=i)[: 8000 - 1500 * i], "alaw"))
        paths.append(p)
    _assert_hash_of_file(audio.merge(paths, tmp_path / f"call.{to}", source="alaw", hash=True))
    _assert_hash_of_file(audio.merge(paths, tmp_path / f"mix.{to}", source="alaw", mode="mix", hash=True))


def test_batch_hashes_done_files_and_none_for_skipped_or_failed(tmp_path: Path) -> None:
    (tmp_path / "a.V3").write_bytes(audio.encode(speechish(1.0), "alaw"))
    (tmp_path / "v.V3").write_bytes(audio.encode(speechish(0.7), "vox"))
    (tmp_path / "empty.V3").write_bytes(b"")
    out = tmp_path / "out"
    jobs = [(tmp_path / n, out / (n + ".wav")) for n in ("a.V3", "v.V3", "empty.V3")]
    done = audio.transcode_many(jobs, jobs=2, hash=True)
    for r in done[:2]:
        _assert_hash_of_file(r)
    failed = done[2]
    assert not failed.ok and failed.sha256 is None and failed.bytes_written == 0
    skipped = audio.transcode_many(jobs[:1], jobs=1, hash=True)[0]
    assert skipped.status == "skipped" and skipped.sha256 is None and skipped.bytes_written == 0
    assert skipped.output_bytes == (out / "a.V3.wav").stat().st_size
    mp3 = audio.transcode_many([(tmp_path / "a.V3", out / "a.mp3")], to="mp3", hash=True)[0]
    _assert_hash_of_file(mp3)



def test_no_hash_unless_asked(tmp_path: Path) -> None:
    (tmp_path / "a.V3").write_bytes(audio.encode(speechish(0.5), "alaw"))
    r = audio.transcode(tmp_path / "a.V3", tmp_path / "a.wav")
    assert r.ok and r.sha256 is None and r.bytes_written == r.output_bytes == (tmp_path / "a.wav").stat().st_size
