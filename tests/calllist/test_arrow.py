"""Text columns read through the Arrow PyCapsule stream interface (`__arrow_c_stream__`,
rust/bindings/arrow.rs): polars Series in every shape its buffers take (inline and
out-of-line string views, nulls, slices with an offset, several chunks) give exactly what the
same values as a Python list give."""

from __future__ import annotations

import numpy as np
import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from callcore import calllist as cl

from .corpus import generate


def same(a, b) -> None:
    assert list(a.e164) == list(b.e164)
    assert list(a.reason) == list(b.reason)
    assert np.array_equal(a.keys, b.keys)


VALUES = generate(2_000, seed=11) + [
    "", "13800138000", "+86 138 0013 8000 转 123 and a long tail to leave the inline view",
    "０１０－１２３４５６７８", "abc", "13800138000" * 3,
]


def test_series_equals_list() -> None:
    s = pl.Series(VALUES)
    same(cl.normalize(s), cl.normalize(VALUES))


def test_nulls_are_empty_values() -> None:
    vals = ["13800138000", None, "010-12345678", None]
    r = cl.normalize(pl.Series(vals, dtype=pl.String))
    assert r.e164 == ["+8613800138000", None, "+861012345678", None]
    assert r.reason[1] == r.reason[3] == cl.normalize([""]).reason[0]


def test_slices_and_chunks() -> None:
    s = pl.Series(VALUES)
    same(cl.normalize(s.slice(7, 500)), cl.normalize(VALUES[7:507]))
    parts = [pl.Series(VALUES[:300]), pl.Series(VALUES[300:900]), pl.Series(VALUES[900:])]
    chunked = pl.concat(parts, rechunk=False)
    assert chunked.n_chunks() == 3
    same(cl.normalize(chunked), cl.normalize(VALUES))


def test_non_text_series_fall_back() -> None:
    ints = pl.Series([13800138000, 1012345678, None])
    assert cl.normalize(ints).e164 == cl.normalize([13800138000, 1012345678, None]).e164


class Exporter:
    """An object whose export fails (like pandas without pyarrow): iterated instead."""

    def __init__(self, values: list[str]) -> None:
        self.values = values

    def __arrow_c_stream__(self, requested_schema=None):
        raise ImportError("pyarrow is needed")

    def __iter__(self):
        return iter(self.values)


def test_failing_export_is_iterated() -> None:
    same(cl.normalize(Exporter(VALUES[:50])), cl.normalize(VALUES[:50]))


def test_clean_over_a_series() -> None:
    r1 = cl.clean(pl.Series(VALUES))
    r2 = cl.clean(VALUES)
    same(r1.result, r2.result)
    assert r1.summary == r2.summary


@settings(max_examples=60, deadline=None)
@given(st.lists(st.one_of(st.none(), st.text(max_size=30), st.sampled_from(VALUES)), max_size=200),
       st.integers(0, 20))
def test_any_strings(values: list[str | None], cut: int) -> None:
    s = pl.Series(values, dtype=pl.String)
    as_list = [v if v is not None else "" for v in values]
    same(cl.normalize(s), cl.normalize(as_list))
    same(cl.normalize(s.slice(cut)), cl.normalize(as_list[cut:]))


# ---------------------------------------------------------------- offsets layouts, by hand
# polars exports text as string views; the offsets layouts (`u`: int32, `U`: int64, as pyarrow
# exports them) are checked with a minimal stream made here with ctypes.

import ctypes  # noqa: E402


class _Schema(ctypes.Structure):
    pass


class _Array(ctypes.Structure):
    pass


_Schema._fields_ = [("format", ctypes.c_char_p), ("name", ctypes.c_char_p), ("metadata", ctypes.c_char_p),
                    ("flags", ctypes.c_int64), ("n_children", ctypes.c_int64), ("children", ctypes.c_void_p),
                    ("dictionary", ctypes.c_void_p), ("release", ctypes.c_void_p), ("private_data", ctypes.c_void_p)]
_Array._fields_ = [("length", ctypes.c_int64), ("null_count", ctypes.c_int64), ("offset", ctypes.c_int64),
                   ("n_buffers", ctypes.c_int64), ("n_children", ctypes.c_int64), ("buffers", ctypes.c_void_p),
                   ("children", ctypes.c_void_p), ("dictionary", ctypes.c_void_p), ("release", ctypes.c_void_p),
                   ("private_data", ctypes.c_void_p)]
_GET_SCHEMA = ctypes.CFUNCTYPE(ctypes.c_int, ctypes.c_void_p, ctypes.POINTER(_Schema))
_GET_NEXT = ctypes.CFUNCTYPE(ctypes.c_int, ctypes.c_void_p, ctypes.POINTER(_Array))
_LAST_ERROR = ctypes.CFUNCTYPE(ctypes.c_char_p, ctypes.c_void_p)
_RELEASE_STREAM = ctypes.CFUNCTYPE(None, ctypes.c_void_p)
_RELEASE = ctypes.CFUNCTYPE(None, ctypes.c_void_p)


class _Stream(ctypes.Structure):
    _fields_ = [("get_schema", _GET_SCHEMA), ("get_next", _GET_NEXT), ("get_last_error", _LAST_ERROR),
                ("release", _RELEASE_STREAM), ("private_data", ctypes.c_void_p)]


class HandMadeColumn:
    """A text column exported as an Arrow C stream of `chunks` (lists of str | None), with
    int32 (`u`) or int64 (`U`) offsets, each chunk sliced by `offset` values."""

    def __init__(self, chunks: list[list[str | None]], fmt: bytes, offset: int = 0) -> None:
        self.fmt, self.offset, self.keep, self.arrays, self.released = fmt, offset, [], [], []
        itype = ctypes.c_int32 if fmt == b"u" else ctypes.c_int64
        for values in chunks:
            data = b"".join((v or "").encode() for v in values)
            offs, at = [], 0
            for v in values:
                offs.append(at)
                at += len((v or "").encode())
            offs.append(at)
            valid = bytearray((len(values) + 7) // 8)
            for i, v in enumerate(values):
                if v is not None:
                    valid[i // 8] |= 1 << (i % 8)
            vb = (ctypes.c_uint8 * len(valid)).from_buffer_copy(bytes(valid)) if valid else (ctypes.c_uint8 * 1)()
            ob = (itype * len(offs))(*offs)
            db = ctypes.create_string_buffer(data, max(len(data), 1))
            bufs = (ctypes.c_void_p * 3)(ctypes.addressof(vb), ctypes.addressof(ob), ctypes.addressof(db))
            self.keep += [vb, ob, db, bufs]
            self.arrays.append((len(values) - offset, offset, bufs))
        self.next = 0
        self.release_array = _RELEASE(lambda p: self.released.append(p))
        self.stream = _Stream(_GET_SCHEMA(self._schema), _GET_NEXT(self._next),
                              _LAST_ERROR(lambda p: b"no error"), _RELEASE_STREAM(lambda p: self.released.append("stream")))

    def _schema(self, _s, out) -> int:
        out.contents.format = self.fmt
        out.contents.release = ctypes.cast(self.release_array, ctypes.c_void_p).value
        return 0

    def _next(self, _s, out) -> int:
        if self.next == len(self.arrays):
            out.contents.release = None
            return 0
        length, offset, bufs = self.arrays[self.next]
        self.next += 1
        a = out.contents
        a.length, a.null_count, a.offset, a.n_buffers, a.n_children = length, -1, offset, 3, 0
        a.buffers = ctypes.addressof(bufs)
        a.release = ctypes.cast(self.release_array, ctypes.c_void_p).value
        return 0

    def __arrow_c_stream__(self, requested_schema=None):
        new = ctypes.pythonapi.PyCapsule_New
        new.restype, new.argtypes = ctypes.py_object, [ctypes.c_void_p, ctypes.c_char_p, ctypes.c_void_p]
        self.name = ctypes.create_string_buffer(b"arrow_array_stream")
        return new(ctypes.addressof(self.stream), self.name, None)


@pytest.mark.parametrize("fmt", [b"u", b"U"])
def test_offsets_layouts(fmt: bytes) -> None:
    chunks = [VALUES[:700] + [None], [None, "13800138000"] + VALUES[700:1500], VALUES[1500:]]
    col = HandMadeColumn(chunks, fmt, offset=3)
    got = cl.normalize(col)
    want = cl.normalize([v or "" for c in chunks for v in c[3:]])
    same(got, want)
    # every array and the schema released once, and the stream
    assert col.released.count("stream") == 1
    assert len([r for r in col.released if r != "stream"]) == len(chunks) + 1


class WrongCapsule:
    """A hostile exporter: a capsule that is not an Arrow stream, or no capsule at all."""

    def __init__(self, value) -> None:
        self.value = value

    def __arrow_c_stream__(self, requested_schema=None):
        return self.value


def test_a_wrong_export_is_a_clear_error() -> None:
    import datetime

    capsule = datetime.datetime_CAPI  # a real capsule, of another kind
    with pytest.raises(ValueError, match=r"numbers: Arrow stream: .*not an arrow_array_stream"):
        cl.normalize(WrongCapsule(capsule))
    with pytest.raises(ValueError, match=r"numbers: Arrow stream: .*did not return a capsule"):
        cl.normalize(WrongCapsule("not a capsule"))
