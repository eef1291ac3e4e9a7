"""WAV in and out: outputs read by soundfile, sox and ffmpeg; inputs written by them; headers
that lie, truncation and odd byte counts; content sniffing of `.V3` files."""

from __future__ import annotations

import struct
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

import callcore.audio as audio
from conftest import require, run, speechish


@pytest.mark.parametrize(("fmt", "subtype"), [("pcm16", "PCM_16"), ("alaw", "ALAW"), ("ulaw", "ULAW")])
def test_written_wav_is_read_by_soundfile_sox_and_ffmpeg(fmt: str, subtype: str, tmp_path: Path) -> None:
    pcm = speechish(1.5)
    f = tmp_path / f"x.{fmt}.wav"
    f.write_bytes(audio.wav_bytes(pcm, 8000, format=fmt))
    info = sf.info(str(f))
    assert (info.samplerate, info.channels, info.frames, info.subtype) == (8000, 1, pcm.size, subtype)
    expect = pcm if fmt == "pcm16" else audio.decode(audio.encode(pcm, fmt), fmt)
    data, _ = sf.read(str(f), dtype="int16")
    np.testing.assert_array_equal(data, expect)
    sox = np.frombuffer(run([require("sox"), "-V1", str(f), "-t", "s16", "-L", "-"]), dtype="<i2")
    np.testing.assert_array_equal(sox, expect)
    ff = np.frombuffer(run([require("ffmpeg"), "-v", "error", "-i", str(f), "-f", "s16le", "-"]), dtype="<i2")
    np.testing.assert_array_equal(ff, expect)


def test_platform_prompt_profile(tmp_path: Path) -> None:
    """CEC uploads: RIFF/WAVE, A-law (tag 6), mono, 8 bit, 8000 Hz, 64 kbit/s."""
    b = audio.wav_bytes(speechish(0.5), 8000, format="alaw")
    tag, ch, rate, byte_rate, align, bits = struct.unpack("<HHIIHH", b[20:36])
    assert (tag, ch, rate, byte_rate, align, bits) == (6, 1, 8000, 8000, 1, 8)


@pytest.mark.parametrize("codec", ["pcm_s16le", "pcm_alaw", "pcm_mulaw"])
def test_reads_wavs_written_by_ffmpeg(codec: str, tmp_path: Path) -> None:
    pcm = speechish(1.0)
    raw = tmp_path / "in.raw"
    raw.write_bytes(pcm.astype("<i2").tobytes())
    out = tmp_path / "o.wav"
    run([require("ffmpeg"), "-v", "error", "-f", "s16le", "-ar", "8000", "-ac", "1", "-i", str(raw), "-c:a", codec, str(out)])
    got, rate, ch, _codec, notes = audio.read_wav(out.read_bytes())
    ref, _ = sf.read(str(out), dtype="int16")
    assert (rate, ch) == (8000, 1)
    np.testing.assert_array_equal(got, ref)


def test_reads_stereo_and_oki_adpcm_wav(tmp_path: Path) -> None:
    st = np.stack([speechish(0.5), speechish(0.5, seed=3)], axis=1).ravel()
    got, rate, ch, codec, _ = audio.read_wav(audio.wav_bytes(st, 16000, channels=2))
    assert (rate, ch, codec) == (16000, 2, "pcm16")
    np.testing.assert_array_equal(got, st)
    # WAVE tag 0x17 (Dialogic OKI ADPCM), hand-built
    vox = audio.encode(speechish(0.5), "vox")
    fmt = struct.pack("<HHIIHHHH", 0x17, 1, 8000, 4000, 1, 4, 2, 0)
    body = b"WAVE" + b"fmt " + struct.pack("<I", len(fmt)) + fmt + b"data" + struct.pack("<I", len(vox)) + vox
    wav = b"RIFF" + struct.pack("<I", len(body)) + body
    got, rate, ch, codec, _ = audio.read_wav(wav)
    assert codec == "oki"
    np.testing.assert_array_equal(got, audio.decode(vox, "vox"))


def test_lying_header_truncation_and_odd_bytes() -> None:
    pcm = speechish(0.25)
    wav = bytearray(audio.wav_bytes(pcm, 8000))
    struct.pack_into("<I", wav, 40, 10_000_000)  # data size far beyond the file
    got, *_, notes = audio.read_wav(bytes(wav))
    np.testing.assert_array_equal(got, pcm)
    assert any("truncated" in n for n in notes)
    struct.pack_into("<I", wav, 40, 0xFFFFFFFF)  # streamed header
    got, *_, notes = audio.read_wav(bytes(wav[:-1]))  # and an odd byte count
    np.testing.assert_array_equal(got, pcm[:-1])
    assert any("odd byte" in n for n in notes)
    with pytest.raises(audio.AudioFormatError, match="fmt"):
        audio.read_wav(bytes(wav[:30]))
    with pytest.raises(audio.AudioFormatError, match="RIFF"):
        audio.read_wav(b"\x00" * 100)


def test_unsupported_wav_format_is_named() -> None:
    fmt = struct.pack("<HHIIHH", 0x11, 1, 8000, 4055, 256, 4)
    body = b"WAVE" + b"fmt " + struct.pack("<I", len(fmt)) + fmt + b"data" + struct.pack("<I", 4) + b"\0" * 4
    with pytest.raises(audio.AudioFormatError, match="IMA"):
        audio.read_wav(b"RIFF" + struct.pack("<I", len(body)) + body)


def test_v3_that_is_really_a_wav_or_mp3(tmp_path: Path) -> None:
    pcm = speechish(1.0)
    v3 = tmp_path / "really_wav.V3"
    v3.write_bytes(audio.wav_bytes(pcm, 8000, format="alaw"))
    r = audio.transcode(v3, tmp_path / "o.wav", source="vox6k")  # the hint is overruled by the content
    assert r.ok and r.input.startswith("wav alaw 8000") and r.frames == pcm.size
    data, rate = sf.read(str(tmp_path / "o.wav"), dtype="int16")
    np.testing.assert_array_equal(data, audio.decode(audio.encode(pcm, "alaw"), "alaw"))
    mp3 = tmp_path / "really_mp3.V3"
    mp3.write_bytes(audio.mp3_bytes(pcm, 8000))
    r = audio.transcode(mp3, tmp_path / "m.mp3")
    assert r.ok and "mp3" in r.input
    assert (tmp_path / "m.mp3").read_bytes() == mp3.read_bytes()
    # to WAV it is decoded (symphonia, gapless): same length as the PCM that went in
    r = audio.transcode(mp3, tmp_path / "m.wav")
    assert r.ok and r.input == "mp3 8000 Hz x1" and abs(r.frames - pcm.size) <= 576
    got, rate = sf.read(str(tmp_path / "m.wav"), dtype="int16")
    ref = np.frombuffer(run([require("ffmpeg"), "-v", "error", "-f", "mp3", "-i", str(mp3), "-f", "s16le", "-"]), dtype="<i2")
    assert rate == 8000 and abs(ref.size - got.size) <= 576
    n = min(got.size, ref.size)
    err = np.abs(got[:n].astype(float) - ref[:n]).max()
    assert err <= 64  # two MP3 decoders (symphonia vs ffmpeg) agree to within rounding


from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=200), st.integers(0, 2**32 - 1), st.sampled_from([1, 6, 7, 0x10, 0x17, 0xFFFE, 0x55]))
def test_reader_never_crashes_on_mangled_headers(tail: bytes, size: int, tag: int) -> None:
    """Random chunk sizes and payloads after a plausible header: decode or AudioFormatError."""
    fmt = struct.pack("<HHIIHH", tag, 1, 8000, 16000, 2, 16)
    wav = b"RIFF" + struct.pack("<I", size) + b"WAVEfmt " + struct.pack("<I", 16) + fmt + b"data" + struct.pack("<I", size) + tail
    for data in (wav, wav[: len(wav) // 2], b"RIFF" + struct.pack("<I", size) + b"WAVE" + tail):
        try:
            pcm, rate, ch, codec, notes = audio.read_wav(data)
        except audio.AudioFormatError:
            continue
        assert pcm.dtype == np.int16 and rate == 8000 and ch >= 1


@pytest.mark.parametrize("subtype", ["PCM_24", "PCM_32", "FLOAT", "DOUBLE", "PCM_U8"])
def test_upload_to_platform_prompt_profile(subtype: str, tmp_path: Path) -> None:
    """An IVR prompt as editors save it (44.1 kHz stereo, various sample formats) becomes the
    platform's upload format: A-law, mono, 8 bit, 8000 Hz (recording.md §1.2)."""
    t = np.arange(44100 * 2) / 44100
    left = 0.5 * np.sin(2 * np.pi * 440 * t)
    src = tmp_path / f"prompt_{subtype}.wav"
    sf.write(str(src), np.stack([left, left], axis=1), 44100, subtype=subtype)
    r = audio.transcode(src, tmp_path / "platform.wav", to="wav-alaw")
    assert r.ok and (r.channels, r.out_rate, r.frames) == (1, 8000, 16000)
    info = sf.info(str(tmp_path / "platform.wav"))
    assert (info.samplerate, info.channels, info.subtype, info.format) == (8000, 1, "ALAW", "WAV")
    got, _ = sf.read(str(tmp_path / "platform.wav"), dtype="int16")
    peak = np.abs(got[2000:14000]).max()
    assert 15000 < peak < 17500  # 0.5 full scale survives resampling and A-law
    # stereo kept when asked
    r = audio.transcode(src, tmp_path / "stereo.wav", mono=False)
    assert r.channels == 2 and r.out_rate == 44100
