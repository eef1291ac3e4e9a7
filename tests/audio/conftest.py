"""Shared helpers for the audio tests: the real peers (sox, ffmpeg, spandsp, audioop) as oracles.

Peers that are Debian packages are required, never skipped: CI installs sox, ffmpeg and
libspandsp-dev (see Makefile), so a missing one is a failure, not a silent skip.
"""

from __future__ import annotations

import shutil
import subprocess
import warnings
from pathlib import Path

import numpy as np
import pytest

DATA = Path(__file__).resolve().parents[1] / "data" / "audio"

SPANDSP_HELPER = r"""
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <spandsp.h>
/* usage: oki dec|enc < in > out ; OKI ADPCM at 32 kbit/s (8 kHz), spandsp's own state */
int main(int argc, char **argv) {
    int enc = argc > 1 && strcmp(argv[1], "enc") == 0;
    oki_adpcm_state_t *s = oki_adpcm_init(NULL, 32000);
    uint8_t in[4096]; int16_t pcm[8192]; uint8_t out[8192];
    size_t n;
    if (!enc) {
        while ((n = fread(in, 1, sizeof in, stdin)) > 0) {
            int k = oki_adpcm_decode(s, pcm, in, (int) n);
            fwrite(pcm, 2, (size_t) k, stdout);
        }
    } else {
        while ((n = fread(pcm, 2, 4096, stdin)) > 0) {
            int k = oki_adpcm_encode(s, out, pcm, (int) n);
            fwrite(out, 1, (size_t) k, stdout);
        }
    }
    oki_adpcm_free(s);
    return 0;
}
"""


def require(binary: str) -> str:
    path = shutil.which(binary)
    if path is None:
        pytest.fail(f"{binary} is required for this test (apt-get install {binary}); see Makefile system-deps")
    return path


def run(cmd: list[str], data: bytes | None = None) -> bytes:
    p = subprocess.run(cmd, input=data, capture_output=True, check=False)
    if p.returncode != 0:
        raise AssertionError(f"{cmd[0]} failed ({p.returncode}): {p.stderr.decode(errors='replace')[-800:]}")
    return p.stdout


@pytest.fixture(scope="session")
def spandsp(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A tiny C program linked against libspandsp: `oki dec` / `oki enc` on stdin/stdout."""
    cc = shutil.which("cc") or shutil.which("gcc")
    if cc is None:
        pytest.fail("a C compiler is required to build the spandsp reference helper")
    d = tmp_path_factory.mktemp("spandsp")
    (d / "oki.c").write_text(SPANDSP_HELPER)
    run([cc, "-O2", "-o", str(d / "oki"), str(d / "oki.c"), "-lspandsp"])
    return d / "oki"


def ffmpeg_vox_decode(vox: bytes, tmp: Path) -> np.ndarray:
    """`ffmpeg -f u8 -ar 8000 -ac 1 -c:a adpcm_ima_oki -i x.vox -f s16le -` (references.md §2.2)."""
    f = tmp / "in.vox"
    f.write_bytes(vox)
    out = run([require("ffmpeg"), "-v", "error", "-f", "u8", "-ar", "8000", "-ac", "1", "-c:a", "adpcm_ima_oki",
               "-i", str(f), "-f", "s16le", "-"])
    return np.frombuffer(out, dtype="<i2")


def sox_vox_decode(vox: bytes, tmp: Path) -> np.ndarray:
    """`sox -t vox -r 8000 x.vox -t s16 -`."""
    f = tmp / "in.vox"
    f.write_bytes(vox)
    out = run([require("sox"), "-V1", "-t", "vox", "-r", "8000", str(f), "-t", "s16", "-L", "-"])
    return np.frombuffer(out, dtype="<i2")


def speechish(seconds: float, rate: int = 8000, level: float = 9000.0, seed: int = 1) -> np.ndarray:
    """300 + 1170 + 2450 Hz with a 0.7 Hz envelope and a little noise (references.md §7)."""
    t = np.arange(int(seconds * rate)) / rate
    env = 0.55 + 0.45 * np.sin(2 * np.pi * 0.7 * t)
    s = np.sin(2 * np.pi * 300 * t) + 0.6 * np.sin(2 * np.pi * 1170 * t) + 0.3 * np.sin(2 * np.pi * 2450 * t)
    noise = np.random.default_rng(seed).normal(0, 0.02, t.size)
    return np.clip((s * env + noise) * level, -32768, 32767).astype(np.int16)


def snr_db(ref: np.ndarray, test: np.ndarray) -> float:
    n = min(ref.size, test.size)
    r = ref[:n].astype(np.float64)
    e = r - test[:n].astype(np.float64)
    return float(10 * np.log10(np.sum(r * r) / max(np.sum(e * e), 1e-9)))


@pytest.fixture(autouse=True)
def _quiet_audioop_deprecation() -> None:
    warnings.filterwarnings("ignore", category=DeprecationWarning, message=".*audioop.*")
