"""MP3 outputs decoded by ffmpeg and by soundfile (mpg123): rate, channels, duration within one
frame, and an SNR against the source that matches ffmpeg's own libmp3lame at the same bitrate."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

import callcore.audio as audio
from conftest import require, run, snr_db, speechish

FRAME = 576  # samples per MPEG-2/2.5 layer III frame


def ffprobe(path: Path) -> dict:
    out = run(["ffprobe", "-v", "error", "-show_streams", "-of", "json", str(path)])
    return json.loads(out)["streams"][0]


def ffmpeg_decode(path: Path) -> np.ndarray:
    return np.frombuffer(run([require("ffmpeg"), "-v", "error", "-i", str(path), "-f", "s16le", "-"]), dtype="<i2")


@pytest.mark.parametrize(
    ("source", "rate_in", "rate_out", "bitrate"),
    [("vox6k", 6000, 8000, 16), ("vox8k", 8000, 8000, 16), ("alaw", 8000, 8000, 32), ("vox6k", 6000, 16000, 32)],
)
def test_mp3_outputs_decode_with_right_shape(source: str, rate_in: int, rate_out: int, bitrate: int, tmp_path: Path) -> None:
    pcm = speechish(3.0, rate=rate_in)
    src = tmp_path / "in.V3"
    src.write_bytes(audio.encode(pcm, "alaw" if source == "alaw" else "vox"))
    dst = tmp_path / "out.mp3"
    r = audio.transcode(src, dst, source=source, to="mp3", rate=rate_out if rate_out != 8000 else None, bitrate=bitrate)
    assert r.ok and r.out_rate == rate_out
    expected = -(-pcm.size * rate_out // rate_in)
    assert r.frames == expected
    info = ffprobe(dst)
    assert (int(info["sample_rate"]), int(info["channels"]), info["codec_name"]) == (rate_out, 1, "mp3")
    assert abs(int(info.get("bit_rate", bitrate * 1000)) - bitrate * 1000) <= 1000
    ff = ffmpeg_decode(dst)
    assert abs(ff.size - expected) <= FRAME
    data, sr = sf.read(str(dst), dtype="int16")
    assert sr == rate_out and data.ndim == 1
    assert abs(data.size - expected) <= FRAME


def test_stereo_merge_to_mp3(tmp_path: Path) -> None:
    a, b = tmp_path / "agent.V3", tmp_path / "cust.V3"
    a.write_bytes(audio.encode(speechish(2.0), "alaw"))
    b.write_bytes(audio.encode(speechish(1.5, seed=9), "alaw"))
    r = audio.merge([a, b], tmp_path / "call.mp3", source="alaw", bitrate=32)
    assert r.ok and r.channels == 2 and r.frames == 16000
    data, sr = sf.read(str(tmp_path / "call.mp3"), dtype="int16")
    assert sr == 8000 and data.shape[1] == 2 and abs(data.shape[0] - 16000) <= FRAME
    with pytest.raises(ValueError, match="2 channels"):
        audio.merge([a, b, a], tmp_path / "three.mp3", source="alaw")


@pytest.mark.parametrize("bitrate", [16, 32])
def test_snr_matches_ffmpeg_libmp3lame(bitrate: int, tmp_path: Path) -> None:
    if b"libmp3lame" not in run([require("ffmpeg"), "-hide_banner", "-encoders"]):
        pytest.fail("this ffmpeg has no libmp3lame; the Debian ffmpeg package has it")
    pcm = speechish(6.0, level=8000)
    raw = tmp_path / "in.raw"
    raw.write_bytes(pcm.astype("<i2").tobytes())
    ours = tmp_path / "ours.mp3"
    ours.write_bytes(audio.mp3_bytes(pcm, 8000, bitrate=bitrate, quality=2))
    theirs = tmp_path / "ffmpeg.mp3"
    run([require("ffmpeg"), "-v", "error", "-f", "s16le", "-ar", "8000", "-ac", "1", "-i", str(raw),
         "-c:a", "libmp3lame", "-b:a", f"{bitrate}k", "-compression_level", "2", str(theirs)])
    a, b = ffmpeg_decode(ours), ffmpeg_decode(theirs)
    # both streams carry encoder delay/padding in their Info tag, so decodes are aligned to the source
    assert abs(a.size - pcm.size) <= FRAME and abs(b.size - pcm.size) <= FRAME
    snr_ours, snr_ff = snr_db(pcm, a), snr_db(pcm, b)
    assert snr_ours > 5
    assert snr_ours >= snr_ff - 1.0, (snr_ours, snr_ff)


def test_bad_mp3_options(tmp_path: Path) -> None:
    src = tmp_path / "a.V3"
    src.write_bytes(audio.encode(speechish(0.5), "alaw"))
    with pytest.raises(ValueError, match="bitrate"):
        audio.transcode(src, tmp_path / "a.mp3", source="alaw", bitrate=17)
    with pytest.raises(ValueError, match="6000"):
        audio.transcode(src, tmp_path / "a.mp3", source="alaw", rate=6000)
