"""Hostile headers (issue 11 item 1): every size-deciding value is checked against a limit before
anything is allocated, a batch records the hostile file as failed and converts the rest, and a
panic in the core reaches Python as an ordinary exception.

The reproductions run in a child process under a 3 GB address-space limit: before the limits
existed they aborted the interpreter (SIGABRT on a failed 344 GB allocation), which would have
taken pytest down with them; in a child the abort is just a failed assertion here.
"""

from __future__ import annotations

import json
import os
import resource
import struct
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

import callcore.audio as audio
from conftest import speechish

CHILD_MEMORY = 3 << 30
# a hang guard, not a timed assertion: before the fix the 64,276-channel file ran for minutes
CHILD_TIMEOUT_S = 120


def wav_header_only(rate: int, channels: int, body: bytes, bits: int = 16, tag: int = 1) -> bytes:
    """A WAV whose fmt chunk says what a hostile producer wants; the byte rate and block align
    are wrapped into their fields the way a careless writer would."""
    block = (channels * bits // 8) & 0xFFFF
    fmt = struct.pack("<HHIIHH", tag, channels, rate, (rate * block) & 0xFFFFFFFF, block, bits)
    chunks = b"WAVE" + b"fmt " + struct.pack("<I", len(fmt)) + fmt + b"data" + struct.pack("<I", len(body)) + body
    return b"RIFF" + struct.pack("<I", len(chunks)) + chunks


def in_child(code: str) -> subprocess.CompletedProcess[str]:
    """Runs `code` in a fresh interpreter limited to 3 GB of address space."""

    def limit() -> None:
        resource.setrlimit(resource.RLIMIT_AS, (CHILD_MEMORY, CHILD_MEMORY))

    return subprocess.run([sys.executable, "-c", textwrap.dedent(code)], capture_output=True, text=True,
                          preexec_fn=limit, timeout=CHILD_TIMEOUT_S, env=os.environ.copy())


def child_result(code: str) -> dict[str, object]:
    """The JSON the child prints last; the child must exit normally (no abort, no kill)."""
    p = in_child(code)
    assert p.returncode == 0, f"child died with {p.returncode}: {p.stderr[-2000:]}"
    return json.loads(p.stdout.strip().splitlines()[-1])  # type: ignore[no-any-return]


TRANSCODE_ONE = """
    import json, sys
    import callcore.audio as audio
    try:
        r = audio.transcode(sys.argv[1] if len(sys.argv) > 1 else {src!r}, {dst!r}, to={to!r}, overwrite=True)
        print(json.dumps({{"ok": True, "result": r.__dict__}}))
    except audio.AudioFormatError as e:
        print(json.dumps({{"ok": False, "type": type(e).__name__, "error": str(e)}}))
"""


@pytest.mark.parametrize(
    ("name", "rate", "channels", "body", "to", "message"),
    [
        # the first case: aborted with "memory allocation of 344624601592 bytes failed"
        ("huge_rate.wav", 4_294_967_295, 1, b"\0" * 64, "wav-alaw",
         "sample rate 4294967295 Hz is above the limit of 192000 Hz"),
        # 1,000,003 Hz on a 100-byte file: 6 s and 589 MB building a resampling filter
        ("mhz.wav", 1_000_003, 1, b"\1" * 56, "wav-alaw",
         "sample rate 1000003 Hz is above the limit of 192000 Hz"),
        # 127 Hz with 64,276 channels: over a minute, one resampler per channel
        ("many_channels.wav", 127, 64_276, b"\1" * 128, "wav",
         "sample rate 127 Hz is below the minimum of 1000 Hz"),
        ("many_channels_8k.wav", 8000, 64_276, b"\1" * 128, "wav-alaw",
         "channel count 64276 is above the limit of 16"),
    ],
    ids=["4294967295Hz", "1000003Hz", "127Hz-64276ch", "8000Hz-64276ch"],
)
def test_hostile_wav_header_is_a_limit_error_naming_file_and_limit(
    tmp_path: Path, name: str, rate: int, channels: int, body: bytes, to: str, message: str
) -> None:
    src = tmp_path / name
    src.write_bytes(wav_header_only(rate, channels, body))
    out = child_result(TRANSCODE_ONE.format(src=str(src), dst=str(tmp_path / "out.wav"), to=to))
    assert out == {"ok": False, "type": "AudioLimitError", "error": f"{src}: {message}"}
    assert not (tmp_path / "out.wav").exists()
    assert not [p for p in tmp_path.iterdir() if p.name.endswith(".part")]


def test_resample_to_4294967295_hz_is_refused_before_allocating() -> None:
    out = child_result("""
        import json
        import numpy as np
        import callcore.audio as audio
        res = []
        for f_in, f_out in [(1, 4294967295), (8000, 4294967295), (1000, 191999)]:
            try:
                audio.resample(np.zeros(10, dtype=np.int16), f_in, f_out)
                res.append("accepted")
            except audio.AudioLimitError as e:
                res.append(str(e))
        print(json.dumps(res))
    """)
    assert out == [
        "resample: input rate 1 Hz is below the minimum of 1000 Hz",
        "resample: output rate 4294967295 Hz is above the limit of 192000 Hz",
        # both rates legal, but coprime: the filter would need 9.8 million taps
        "resample: resampling 1000 Hz -> 191999 Hz needs a filter whose tap count 9791949 is above "
        "the limit of 1048576",
    ]


def test_usual_rates_still_resample() -> None:
    x = speechish(0.5, rate=44100)
    for f_out in (8000, 16000, 48000):
        assert audio.resample(x, 44100, f_out).size == -(-x.size * f_out // 44100)


def test_wav_writer_refuses_what_does_not_fit_its_header() -> None:
    """The writer computed byte rate and block align unchecked: 4,294,967,295 Hz x 2 bytes
    wrapped to a byte rate of 4,294,967,294 (a panic in a debug build)."""
    pcm = np.zeros(4, dtype=np.int16)
    with pytest.raises(audio.AudioLimitError, match=r"wav_bytes: sample_rate 4294967295 Hz is above the limit of 192000 Hz"):
        audio.wav_bytes(pcm, 4_294_967_295)
    with pytest.raises(audio.AudioLimitError, match=r"wav_bytes: channels 65535 is above the limit of 16"):
        audio.wav_bytes(np.zeros(65535, dtype=np.int16), 8000, channels=65535)
    # the largest legal header is written exactly
    b = audio.wav_bytes(np.zeros(32, dtype=np.int16), audio.MAX_SAMPLE_RATE, channels=audio.MAX_CHANNELS)
    info = sf.info(__import__("io").BytesIO(b))
    assert (info.samplerate, info.channels) == (192000, 16)
    byte_rate, block_align = struct.unpack("<IH", b[28:34])
    assert (byte_rate, block_align) == (192000 * 32, 32)


def test_read_wav_in_memory_refuses_hostile_header() -> None:
    with pytest.raises(audio.AudioLimitError, match="read_wav: sample rate 4294967295 Hz is above the limit"):
        audio.read_wav(wav_header_only(4_294_967_295, 1, b"\0" * 8))
    with pytest.raises(audio.AudioLimitError, match="read_wav: channel count 64276 is above the limit of 16"):
        audio.read_wav(wav_header_only(8000, 64_276, b"\0" * 8))


def hostile_folder(tmp_path: Path) -> tuple[Path, list[str]]:
    """Three good recordings around three hostile headers, as a recording folder would hold."""
    src = tmp_path / "recs"
    src.mkdir()
    good = []
    for i in range(3):
        (src / f"good{i}.wav").write_bytes(audio.wav_bytes(speechish(0.3, seed=i), 8000))
        good.append(f"good{i}")
    (src / "bad_rate.wav").write_bytes(wav_header_only(4_294_967_295, 1, b"\0" * 64))
    (src / "bad_mhz.wav").write_bytes(wav_header_only(1_000_003, 1, b"\1" * 56))
    (src / "bad_channels.wav").write_bytes(wav_header_only(127, 64_276, b"\1" * 128))
    return src, good


def test_transcode_many_records_hostile_files_and_converts_the_rest(tmp_path: Path) -> None:
    src, good = hostile_folder(tmp_path)
    out = tmp_path / "out"
    results = child_result(f"""
        import json
        import callcore.audio as audio
        pairs = audio.plan_outputs([{str(src)!r}], {str(out)!r})
        print(json.dumps([r.__dict__ for r in audio.transcode_many(pairs, to="wav-alaw", jobs=2)]))
    """)
    assert isinstance(results, list)
    by_name = {Path(str(r["src"])).stem: r for r in results}
    assert sorted(by_name) == sorted([*good, "bad_rate", "bad_mhz", "bad_channels"])
    for g in good:
        assert by_name[g]["ok"] and by_name[g]["status"] == "done"
        assert sf.info(str(out / f"{g}.wav")).samplerate == 8000
    for bad, why in [("bad_rate", "sample rate 4294967295 Hz is above the limit of 192000 Hz"),
                     ("bad_mhz", "sample rate 1000003 Hz is above the limit of 192000 Hz"),
                     ("bad_channels", "sample rate 127 Hz is below the minimum of 1000 Hz")]:
        r = by_name[bad]
        assert (r["ok"], r["status"], r["error_kind"]) == (False, "error", "limit")
        assert r["error"] == f"{src / (bad + '.wav')}: {why}"
        assert not (out / f"{bad}.wav").exists()
    assert not [p for p in out.rglob("*") if p.name.endswith(".part")]


def test_cli_transcode_dir_reports_hostile_files_and_converts_the_rest(tmp_path: Path) -> None:
    src, good = hostile_folder(tmp_path)
    out = tmp_path / "out"

    def limit() -> None:
        resource.setrlimit(resource.RLIMIT_AS, (CHILD_MEMORY, CHILD_MEMORY))

    p = subprocess.run([sys.executable, "-m", "callcore.cli", "audio", "transcode", str(src), "-o", str(out),
                        "--to", "wav-alaw", "--json"], capture_output=True, text=True, preexec_fn=limit,
                       timeout=CHILD_TIMEOUT_S, env={**os.environ, "COLUMNS": "200"})
    assert p.returncode == 3, p.stderr  # some files failed, others done: exit 3 (partial), not a signal
    rows = [json.loads(line) for line in p.stdout.splitlines()]
    assert sorted(Path(r["src"]).stem for r in rows if r["ok"]) == good
    failed = {Path(r["src"]).stem: r["error"] for r in rows if not r["ok"]}
    assert set(failed) == {"bad_rate", "bad_mhz", "bad_channels"}
    assert "above the limit of 192000 Hz" in failed["bad_rate"]
    assert "failed" in p.stderr and "bad_rate.wav" in p.stderr
    assert sorted(q.name for q in out.iterdir()) == [f"{g}.wav" for g in good]


def test_panic_in_audio_binding_is_an_ordinary_exception() -> None:
    from callcore._core import audio as core

    with pytest.raises(audio.AudioInternalError, match=r"^audio\._panic_for_test: internal error \(Rust panic"):
        core._panic_for_test()
    # catchable by `except Exception` and by the module's error type, unlike PyO3's PanicException
    assert issubclass(audio.AudioInternalError, audio.AudioFormatError)
    assert issubclass(audio.AudioInternalError, Exception)


def test_panic_in_sign_binding_is_an_ordinary_exception() -> None:
    from callcore._core import sign as core

    with pytest.raises(core.SignInternalError, match=r"^sign\._panic_for_test: internal error \(Rust panic"):
        core._panic_for_test()
    assert issubclass(core.SignInternalError, core.SignError)
