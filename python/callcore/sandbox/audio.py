"""Recording files for the sandboxes: G.711 A-law (ITU-T G.711, 8 kHz) as headerless ``.V3``
(Huawei ``recordFormat`` 3, 64KALAW) and as A-law WAV (format tag 6), plus PCM WAV.

Temporary: the lead will switch this to the audio engine (callcore.audio). The encoder is the
classic segment/quantisation algorithm, checked against Python's ``audioop.lin2alaw`` in tests.
"""
from __future__ import annotations

import hashlib
import struct

import numpy as np

_SEG_END = np.array([0x1F, 0x3F, 0x7F, 0xFF, 0x1FF, 0x3FF, 0x7FF, 0xFFF], dtype=np.int32)


def _build_lut() -> np.ndarray:
    pcm = np.arange(-32768, 32768, dtype=np.int32) >> 3  # 13-bit
    mask = np.where(pcm >= 0, 0xD5, 0x55)
    mag = np.where(pcm >= 0, pcm, -pcm - 1)
    seg = np.searchsorted(_SEG_END, mag, side="left")
    shift = np.where(seg < 2, 1, seg)
    aval = (np.minimum(seg, 7) << 4) | ((mag >> shift) & 0x0F)
    out = np.where(seg >= 8, 0x7F, aval) ^ mask
    return out.astype(np.uint8)


_LUT = _build_lut()


def lin2alaw(pcm16: np.ndarray) -> bytes:
    """16-bit signed PCM samples -> A-law bytes."""
    a = np.asarray(pcm16, dtype=np.int16).astype(np.int32) + 32768
    return _LUT[a].tobytes()


def alaw2lin(data: bytes) -> np.ndarray:
    """A-law bytes -> 16-bit PCM (G.711 decoder)."""
    a = np.frombuffer(data, dtype=np.uint8).astype(np.int32) ^ 0x55
    t = (a & 0x0F) << 4
    seg = (a & 0x70) >> 4
    t = np.where(seg == 0, t + 8, np.where(seg == 1, t + 0x108, (t + 0x108) << np.maximum(seg - 1, 0)))
    return np.where(a & 0x80, t, -t).astype(np.int16)


def synth_call_pcm(key: str, seconds: float, rate: int = 8000) -> np.ndarray:
    """A deterministic, speech-like test signal for a call: alternating tone bursts (two talkers)
    with pauses and a little noise, derived from *key*."""
    seed = int.from_bytes(hashlib.sha256(key.encode()).digest()[:8], "little")
    rng = np.random.default_rng(seed)
    n = max(1, int(seconds * rate))
    t = np.arange(n) / rate
    out = np.zeros(n)
    pos = 0
    while pos < n:
        seg = int(rng.uniform(0.3, 1.2) * rate)
        f0 = rng.choice([180.0, 240.0, 320.0, 440.0])
        env = np.hanning(min(seg, n - pos) + 2)[1:-1]
        s = slice(pos, pos + len(env))
        out[s] = env * (0.5 * np.sin(2 * np.pi * f0 * t[s]) + 0.25 * np.sin(2 * np.pi * 2.5 * f0 * t[s]))
        pos += len(env) + int(rng.uniform(0.1, 0.5) * rate)
    out += rng.normal(0, 0.01, n)
    return np.clip(out * 12000, -32768, 32767).astype(np.int16)


def v3_bytes(key: str, seconds: float) -> bytes:
    """A headerless 8 kHz A-law ``.V3`` recording."""
    return lin2alaw(synth_call_pcm(key, seconds))


def alaw_wav(alaw: bytes, rate: int = 8000) -> bytes:
    """Wraps A-law bytes in RIFF/WAVE, format tag 6, mono, 8 bit, with a fact chunk."""
    fmt = struct.pack("<HHIIHHH", 6, 1, rate, rate, 1, 8, 0)
    fact = struct.pack("<I", len(alaw))
    pad = b"\x00" if len(alaw) % 2 else b""
    body = (b"WAVE" + b"fmt " + struct.pack("<I", len(fmt)) + fmt + b"fact" + struct.pack("<I", 4) + fact
            + b"data" + struct.pack("<I", len(alaw)) + alaw + pad)
    return b"RIFF" + struct.pack("<I", len(body)) + body


def pcm_wav(pcm16: np.ndarray, rate: int = 8000) -> bytes:
    data = np.asarray(pcm16, dtype="<i2").tobytes()
    fmt = struct.pack("<HHIIHH", 1, 1, rate, rate * 2, 2, 16)
    body = b"WAVE" + b"fmt " + struct.pack("<I", len(fmt)) + fmt + b"data" + struct.pack("<I", len(data)) + data
    return b"RIFF" + struct.pack("<I", len(body)) + body
