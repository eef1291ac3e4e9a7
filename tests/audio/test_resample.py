"""The polyphase resampler: passband ripple and stopband rejection, measured twice: from the
prototype filter's response and with tones through the real streaming resampler."""

from __future__ import annotations

import numpy as np
import pytest

import callcore.audio as audio
from callcore._core import audio as core


@pytest.mark.parametrize(("f_in", "f_out"), [(6000, 8000), (6000, 16000), (8000, 16000)])
def test_prototype_ripple_and_rejection(f_in: int, f_out: int) -> None:
    half = min(f_in, f_out) / 2
    fs_up_probe = np.linspace(0, 0.9 * half, 400).tolist()
    resp, L, M, taps = core.resampler_response(f_in, f_out, fs_up_probe)
    db = 20 * np.log10(np.array(resp))
    assert db.max() - db.min() < 0.01  # passband 0 .. 0.9 x Nyquist of the lower rate
    stop = np.linspace(1.1 * half, f_in * L / 2, 3000).tolist()
    sresp, *_ = core.resampler_response(f_in, f_out, stop)
    assert 20 * np.log10(max(sresp)) < -75  # stopband from 1.1 x that Nyquist


def _tone_gain(f: float, f_in: int, f_out: int) -> tuple[float, float]:
    """Gain at f and the strongest other component (images/aliases), both in dB."""
    n = f_in * 4
    t = np.arange(n) / f_in
    x = (10000 * np.sin(2 * np.pi * f * t)).astype(np.int16)
    y = audio.resample(x, f_in, f_out).astype(np.float64)
    assert y.size == -(-n * f_out // f_in)
    seg = y[f_out // 2 : f_out // 2 + f_out * 2]
    n_ = np.arange(seg.size) + f_out // 2
    basis = np.stack([np.sin(2 * np.pi * f * n_ / f_out), np.cos(2 * np.pi * f * n_ / f_out), np.ones(seg.size)], 1)
    coef, *_ = np.linalg.lstsq(basis, seg, rcond=None)
    main = float(np.hypot(coef[0], coef[1]))
    resid = seg - basis @ coef  # everything that is not the tone: images, aliases, rounding
    w = np.hanning(seg.size)
    spec = np.abs(np.fft.rfft(resid * w)) / (w.sum() / 2)
    return 20 * np.log10(main / 10000), 20 * np.log10(spec.max() / 10000 + 1e-12)


@pytest.mark.parametrize(("f_in", "f_out"), [(6000, 8000), (6000, 16000)])
def test_tones_through_the_streaming_resampler(f_in: int, f_out: int) -> None:
    gains, spurs = [], []
    for f in np.linspace(200, 2650, 12):
        g, s = _tone_gain(float(f), f_in, f_out)
        gains.append(g)
        spurs.append(s)
    assert max(gains) - min(gains) < 0.1  # passband flatness through the whole chain
    assert max(spurs) < -70  # images of 6 kHz content suppressed (int16 rounding floor ~ -90 dB)
