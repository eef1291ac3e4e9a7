"""Regenerates the VOX / G.711 known-answer vectors in this folder from the real peers.

    python tests/data/audio/make_vectors.py   # needs ffmpeg, sox, cc + libspandsp-dev

Inputs are deterministic; expected outputs come from spandsp (dialogic), the ffmpeg binary
(ffmpeg), the sox binary (sox) and audioop (G.711). tests/audio/test_vectors.py checks the
library against these files and, with the binaries present, that the files are still true.
"""

from __future__ import annotations

import audioop
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parents[1] / "audio"))

import conftest  # noqa: E402  (tests/audio/conftest.py helpers)


def inputs() -> dict[str, bytes]:
    rng = np.random.default_rng(20260101)
    random = rng.integers(0, 256, 20000, dtype=np.uint8).tobytes()
    rails = (b"\x77" * 400 + b"\xff" * 400 + b"\x70\x07" * 200 + b"\x77" * 50 + b"\x08\x80" * 100
             + rng.integers(0, 256, 1000, dtype=np.uint8).tobytes() + b"\xf7" * 300)
    # a speech-like signal encoded with the SoX-rule encoder (via sox itself)
    with tempfile.TemporaryDirectory() as t:
        pcm = conftest.speechish(4.0)
        raw = Path(t) / "s.raw"
        raw.write_bytes(pcm.astype("<i2").tobytes())
        speech = conftest.run(["sox", "-D", "-t", "s16", "-r", "8000", "-c", "1", str(raw), "-t", "vox", "-"])
    return {"random": random, "rails": rails, "speech_sox": speech}


def main() -> None:
    with tempfile.TemporaryDirectory() as t:
        tmp = Path(t)
        (tmp / "oki.c").write_text(conftest.SPANDSP_HELPER)
        subprocess.run(["cc", "-O2", "-o", str(tmp / "oki"), str(tmp / "oki.c"), "-lspandsp"], check=True)
        for name, data in inputs().items():
            (HERE / f"{name}.vox").write_bytes(data)
            dialogic = conftest.run([str(tmp / "oki"), "dec"], data)
            (HERE / f"{name}.dialogic.s16").write_bytes(dialogic)
            (HERE / f"{name}.ffmpeg.s16").write_bytes(conftest.ffmpeg_vox_decode(data, tmp).astype("<i2").tobytes())
            (HERE / f"{name}.sox.s16").write_bytes(conftest.sox_vox_decode(data, tmp).astype("<i2").tobytes())
    codes = bytes(range(256))
    (HERE / "alaw_codes.s16").write_bytes(audioop.alaw2lin(codes, 2))
    (HERE / "ulaw_codes.s16").write_bytes(audioop.ulaw2lin(codes, 2))
    print("vectors written to", HERE)


if __name__ == "__main__":
    main()
