"""Recording files for the sandboxes, made by the codec engine (:mod:`callcore.audio`).

Huawei CEC keeps recordings as headerless ``.V3`` files in one of three encodings per deployment
(recording.md): 64K A-law (8 kHz G.711, the default here), 32K VOX (OKI ADPCM at 8 kHz) and 24K
VOX (OKI ADPCM at 6 kHz). The other platforms serve WAV (A-law by default) or MP3; their
sandboxes can be set to serve another format (:func:`served`).
"""
from __future__ import annotations

import functools
import hashlib

import numpy as np

from callcore import audio

#: ``.V3`` encodings a sandbox deployment can be configured with, and their sample rates
V3_FORMATS = {"alaw": 8000, "vox8k": 8000, "vox6k": 6000}
#: what the SCCC, 八百呼 and 九五 sandboxes can serve as a recording download (``record_format``):
#: WAV (A-law, PCM, µ-law), MP3, a mix of those four, or the raw recording without a header in a
#: deployment encoding (``raw-alaw``, ``raw-vox8k``, ``raw-vox6k``). Their seeds name no codec
#: (003:2816, 004:646-652, 000:2896), so a deployment that stores raw recordings and serves the
#: files as stored is as possible as one that wraps them: the sandboxes can be set to either.
SERVED_FORMATS = ("alaw", "pcm16", "ulaw", "mp3", "mixed")
RAW_FORMATS = tuple(f"raw-{f}" for f in V3_FORMATS)


def lin2alaw(pcm16: np.ndarray) -> bytes:
    """16-bit signed PCM samples -> A-law bytes (callcore.audio, equal to audioop)."""
    return audio.encode(np.asarray(pcm16, dtype=np.int16), "alaw")


def alaw2lin(data: bytes) -> np.ndarray:
    """A-law bytes -> 16-bit PCM."""
    return audio.decode(data, "alaw")


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


# A platform serves a recording from storage; the sandboxes make it from its key on demand, which
# costs ~2 ms of CPU for a few seconds of audio (the numpy synthesis), more than every client's own
# work on a download. The last recordings made are kept, so a recording served twice (each
# benchmark round, a retried download) costs what a stored file costs. Bounded: each of the two
# caches below keeps 512 recordings; 512 of 2-8 s are at most 64 MiB even as 16-bit PCM WAV, and
# half that as raw A-law.
_KEPT_RECORDINGS = 512


@functools.lru_cache(maxsize=_KEPT_RECORDINGS)
def v3_bytes(key: str, seconds: float, fmt: str = "alaw") -> bytes:
    """A headerless ``.V3`` recording in the deployment's encoding (``alaw``, ``vox8k``, ``vox6k``)."""
    if fmt not in V3_FORMATS:
        raise ValueError(f"recording format {fmt!r}: expected one of {', '.join(V3_FORMATS)}")
    pcm = synth_call_pcm(key, seconds, V3_FORMATS[fmt])
    return audio.encode(pcm, "alaw" if fmt == "alaw" else "vox")


def v3_pcm(v3: bytes, fmt: str = "alaw") -> tuple[np.ndarray, int]:
    """Decodes a ``.V3`` made by :func:`v3_bytes`: (samples, sample rate)."""
    return audio.decode(v3, "alaw" if fmt == "alaw" else "vox"), V3_FORMATS[fmt]


def alaw_wav(alaw: bytes, rate: int = 8000) -> bytes:
    """A-law bytes in RIFF/WAVE (format tag 6, mono, 8 bit). A-law -> PCM -> A-law is exact."""
    return audio.wav_bytes(alaw2lin(alaw), rate, format="alaw")


def pcm_wav(pcm16: np.ndarray, rate: int = 8000) -> bytes:
    """PCM16 mono WAV."""
    return audio.wav_bytes(np.asarray(pcm16, dtype=np.int16), rate)


def mp3(pcm16: np.ndarray, rate: int = 8000, bitrate: int = 32) -> bytes:
    """CBR MP3 through the engine's LAME."""
    return audio.mp3_bytes(np.asarray(pcm16, dtype=np.int16), rate, bitrate=bitrate)


@functools.lru_cache(maxsize=_KEPT_RECORDINGS)
def served(key: str, seconds: float, fmt: str = "alaw") -> tuple[bytes, str]:
    """A call's recording as a download serves it, with its media type: ``alaw`` (A-law WAV, 8 kHz
    mono: what the sandboxes serve by default), ``pcm16`` / ``ulaw`` WAV, ``mp3`` (LAME, 32 kbps),
    or ``mixed`` (one of those four per recording, picked by *key*). The audio is the same
    ``int(seconds * 8000)`` samples whatever the format. ``raw-alaw`` / ``raw-vox8k`` /
    ``raw-vox6k``: the headerless recording in that encoding (:func:`v3_bytes`), ``seconds`` long
    at its own rate (6 kHz for 24K VOX)."""
    if fmt in RAW_FORMATS:
        return v3_bytes(key, seconds, fmt[4:]), "application/octet-stream"
    if fmt == "mixed":
        fmt = SERVED_FORMATS[int(hashlib.sha256(key.encode()).hexdigest(), 16) % 4]
    if fmt not in SERVED_FORMATS:
        raise ValueError(f"record format {fmt!r}: expected one of {', '.join(SERVED_FORMATS + RAW_FORMATS)}")
    a = v3_bytes(key, seconds)
    if fmt == "alaw":
        return alaw_wav(a), "audio/x-wav"
    pcm = alaw2lin(a)
    if fmt == "mp3":
        return mp3(pcm, 8000, bitrate=32), "audio/mpeg"
    return audio.wav_bytes(pcm, 8000, format="pcm16" if fmt == "pcm16" else "ulaw"), "audio/x-wav"
