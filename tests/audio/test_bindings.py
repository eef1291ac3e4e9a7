"""What the extension hands back and takes in: the result is a frozen typed class built once in
Rust (equality, hash, pattern matching, ``vars()``), and byte inputs of every buffer kind decode
alike (``bytes`` and views of ``bytes`` read in place, writable buffers copied)."""

from __future__ import annotations

from pathlib import Path

import pytest

import callcore.audio as audio
from conftest import speechish


def test_result_is_a_frozen_typed_object(tmp_path: Path) -> None:
    (tmp_path / "a.V3").write_bytes(audio.encode(speechish(0.2), "alaw"))
    r = audio.transcode(tmp_path / "a.V3", tmp_path / "a.wav", hash=True)
    copy = audio.TranscodeResult(**vars(r))
    assert isinstance(r, audio.TranscodeResult) and r == copy and hash(r) == hash(copy)
    assert r != audio.TranscodeResult(**{**vars(r), "sha256": None})
    with pytest.raises(AttributeError):
        r.ok = False  # type: ignore[misc]
    match r:
        case audio.TranscodeResult(src, dst, True, "done"):
            assert (src, dst) == (str(tmp_path / "a.V3"), str(tmp_path / "a.wav"))
        case _:
            pytest.fail("the result does not match its positional pattern")


def test_byte_inputs_of_every_kind_decode_alike() -> None:
    data = audio.encode(speechish(0.3), "vox")
    want = audio.decode(data[3:], "vox")
    view = memoryview(data)[3:]  # read in place: a view of immutable bytes
    for given in (data[3:], view, bytearray(data[3:]), memoryview(bytearray(data))[3:]):
        assert (audio.decode(given, "vox") == want).all()
