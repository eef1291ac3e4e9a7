"""G.711 A-law / µ-law: bit-exact with audioop and the ITU-T G.191 formulas, all codes and all
16-bit inputs; the stored tables; round-trip properties."""

from __future__ import annotations

import audioop

import numpy as np
from hypothesis import given
from hypothesis import strategies as st

import callcore.audio as audio
from conftest import DATA

ALL16 = np.arange(-32768, 32768, dtype=np.int16)
CODES = bytes(range(256))


def g191_alaw_expand(code: int) -> int:
    ix = (code ^ 0x55) & 0x7F
    exp, mant = ix >> 4, ix & 15
    if exp > 0:
        mant += 16
    mant = (mant << 4) + 8
    if exp > 1:
        mant <<= exp - 1
    return mant if code > 127 else -mant


def g191_alaw_compress(x: int) -> int:
    ix = ((~x) >> 4) if x < 0 else (x >> 4)  # 12-bit magnitude, one's complement for negatives
    if ix > 15:
        iexp = 1
        while ix > 16 + 15:
            ix >>= 1
            iexp += 1
        ix -= 16
        ix += iexp << 4
    if x >= 0:
        ix |= 0x80
    return ix ^ 0x55


def g191_ulaw_expand(code: int) -> int:
    sign = -1 if code < 0x80 else 1
    mant = ~code & 0xFF
    exp = (mant >> 4) & 7
    seg = exp + 1
    mant &= 0x0F
    step = 4 << seg
    return sign * ((0x80 << exp) + step * mant + step // 2 - 4 * 33)


def test_decode_tables_equal_audioop_g191_and_stored_vectors() -> None:
    for law, ref, g191, stored in (
        ("alaw", audioop.alaw2lin(CODES, 2), g191_alaw_expand, "alaw_codes.s16"),
        ("ulaw", audioop.ulaw2lin(CODES, 2), g191_ulaw_expand, "ulaw_codes.s16"),
    ):
        got = audio.decode(CODES, law)
        assert got.tobytes() == ref
        assert got.tolist() == [g191(c) for c in range(256)]
        assert got.tobytes() == (DATA / stored).read_bytes()


def test_alaw_encode_all_inputs_equals_audioop_and_g191() -> None:
    ours = audio.encode(ALL16, "alaw")
    assert ours == audioop.lin2alaw(ALL16.tobytes(), 2)
    g191 = bytes(g191_alaw_compress(int(x)) for x in ALL16[::7])
    assert ours[::7] == g191


def test_ulaw_encode_all_inputs_equals_audioop() -> None:
    assert audio.encode(ALL16, "ulaw") == audioop.lin2ulaw(ALL16.tobytes(), 2)


def test_known_values() -> None:
    a = audio.decode(CODES, "alaw")
    assert (a[0xD5], a[0x55], int(np.abs(a).max())) == (8, -8, 32256)
    assert a[:4].tolist() == [-5504, -5248, -6016, -5760]


@given(st.binary(max_size=400), st.sampled_from(["alaw", "ulaw"]))
def test_codes_survive_decode_encode(data: bytes, law: str) -> None:
    back = audio.encode(audio.decode(data, law), law)
    # every code maps back to itself, except µ-law's two zeros (0x7F = -0 -> 0xFF = +0)
    expect = data.replace(b"\x7f", b"\xff") if law == "ulaw" else data
    assert back == expect


@given(st.lists(st.integers(-32768, 32767), max_size=300), st.sampled_from(["alaw", "ulaw"]))
def test_encode_is_idempotent_after_one_pass(samples: list[int], law: str) -> None:
    pcm = np.array(samples, dtype=np.int16)
    once = audio.decode(audio.encode(pcm, law), law)
    assert audio.decode(audio.encode(once, law), law).tolist() == once.tolist()
    assert len(audio.encode(pcm, law)) == pcm.size


def g191_ulaw_compress(x: int) -> int:
    absno = ((~x) >> 2) + 33 if x < 0 else (x >> 2) + 33
    absno = min(absno, 0x1FFF)
    i, segno = absno >> 6, 1
    while i:
        segno += 1
        i >>= 1
    v = ((8 - segno) << 4) | (15 - ((absno >> segno) & 15))
    return v | 0x80 if x >= 0 else v


def test_ulaw_encode_vs_g191_differs_only_on_negative_boundaries() -> None:
    """G.191 takes the one's complement of negative inputs (~x >> 2), audioop/Sun g711.c negate
    (-(x >> 2)); we follow audioop. The two disagree on 508 negative inputs, each one code apart,
    at the 4-sample-wide edges of the quantiser steps; everything else is identical."""
    ours = audio.encode(ALL16, "ulaw")
    g191 = bytes(g191_ulaw_compress(int(x)) for x in ALL16)
    diff = [i for i in range(len(ALL16)) if ours[i] != g191[i]]
    assert len(diff) == 508
    assert all(ALL16[i] < 0 for i in diff)
    assert all(abs((ours[i] & 0x7F) - (g191[i] & 0x7F)) == 1 for i in diff)
