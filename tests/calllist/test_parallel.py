"""The parallel CSV path (rust/calllist/io/par.rs) against the single-reader path
(``parallel=False``): byte-identical clean and rejects files and the same summary, on
generated CSVs with quoted and multi-line cells, CRLF, lone CR, blank lines, BOMs, a missing
final newline, GBK, and pieces as small as 32 bytes so records straddle every boundary."""

from __future__ import annotations

import tempfile
from pathlib import Path

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from callcore import calllist as cl

from .corpus import generate


def both(tmp: Path, data: bytes, **kw) -> tuple[tuple, tuple]:
    src = tmp / "in.csv"
    src.write_bytes(data)
    out = []
    for parallel in (False, True):
        c, r = tmp / f"clean_{parallel}.csv", tmp / f"rej_{parallel}.csv"
        try:
            s = cl.clean(src, c, r, parallel=parallel, **kw)
            out.append(("ok", s, c.read_bytes(), r.read_bytes()))
        except Exception as e:  # the two paths must fail the same way too
            out.append(("err", type(e).__name__, str(e)))
    return out[0], out[1]


phones = st.one_of(
    st.sampled_from(generate(400, seed=7)),
    st.sampled_from(["13800138000", "+86 138 0013 8000", "010-12345678", "", "abc", "=1+1", "95588"]),
)
plain_cell = st.text(alphabet="abc 张三,\"\r\n-+=;|\t@", max_size=8)


def cell(draw, value: str, quote: bool, delim: str = ",") -> str:
    odd = draw(st.integers(0, 15))
    if odd == 0 and not any(ch in value for ch in delim + "\r\n"):
        return value  # a quote inside an unquoted cell is kept literally by the CSV reader
    if odd == 1 and not any(ch in value for ch in '"\r\n'):
        return '"' + value + '"x'  # text after the closing quote is appended to the cell
    if quote or any(ch in value for ch in delim + '"\r\n'):
        return '"' + value.replace('"', '""') + '"'
    return value


@st.composite
def csv_files(draw) -> tuple[bytes, int]:
    header = draw(st.booleans())
    width = draw(st.integers(1, 4))
    col = draw(st.integers(0, width - 1))
    # "\n" files without quirks take the parallel path's own parser (fast_piece), the others
    # csv_core: both must give the records the sequential reader gives
    eol = draw(st.sampled_from(["\n", "\n", "\n", "\r\n", "\r"]))
    delim = draw(st.sampled_from([",", ",", ";", "\t"]))
    lines = []
    if header:
        names = [f"c{i}" for i in range(width)]
        names[col] = "phone"
        lines.append(delim.join(names))
    for _ in range(draw(st.integers(0, 40))):
        kind = draw(st.integers(0, 9))
        if kind == 0:
            lines.append("")  # blank line
            continue
        n = width if kind > 2 else draw(st.integers(1, width + 1))  # ragged rows
        cells = []
        for i in range(n):
            if i == col:
                v = draw(phones)
                if draw(st.integers(0, 11)) == 0:
                    v = v[: len(v) // 2] + draw(st.sampled_from(["\n", "\r\n"])) + v[len(v) // 2:]
            else:
                v = draw(plain_cell)
            cells.append(cell(draw, v, draw(st.booleans()), delim))
        lines.append(delim.join(cells))
    text = eol.join(lines)
    if draw(st.booleans()):
        text += eol
    if draw(st.integers(0, 7)) == 0:
        text = text + '"unterminated' + eol + "13800138000"  # an open quote up to the end
    enc = draw(st.sampled_from(["utf-8", "utf-8", "utf-8-sig", "gb18030"]))
    return text.encode(enc), col, delim


@settings(max_examples=300, deadline=None)
@given(csv_files(), st.sampled_from([1, 2, 3, 8, 16384]), st.booleans())
# found by this test: CR-terminated records and a final "\r\r" (the sequential decoder turns
# the last CR into LF after its CRLF folding, so the text ends "\r\n", not "\n")
@example(f=(b',"16018\n159083",,\r,16018159083,,\r,"16018\n159083",,\r\r', 1, ","), chunk_rows=1, platform=False)
def test_parallel_path_is_byte_identical(f: tuple[bytes, int, str], chunk_rows: int, platform: bool) -> None:
    data, col, delim = f
    with tempfile.TemporaryDirectory() as d:
        kw = {"chunk_rows": chunk_rows, "column": col, "delimiter": delim}
        if platform:
            kw["platform"] = "sccc"
        seq, par = both(Path(d), data, **kw)
    assert seq[0] == par[0], (seq, par)
    if seq[0] == "ok":
        s1, s2 = seq[1], par[1]
        assert s1 == s2
        assert s1.rows == s1.clean + s1.rejected
        assert seq[2] == par[2]  # clean file, byte for byte
        assert seq[3] == par[3]  # rejects file, byte for byte
    else:
        assert seq[1:] == par[1:]


def test_parallel_many_pieces_and_scope(tmp_path: Path) -> None:
    """A larger file cut into hundreds of pieces, with multi-line cells and scoped dedup."""
    vals = generate(3000, seed=11)
    rows = ["sessionId,phone,note"]
    for i, v in enumerate(vals):
        note = '"line1\r\nline2"' if i % 97 == 0 else f"n{i}"
        rows.append(f"s{i % 3},\"{v.replace(chr(34), chr(34) * 2)}\",{note}")
    data = ("\r\n".join(rows) + "\r\n").encode()
    seq, par = both(tmp_path, data, chunk_rows=64, scope_column="sessionId", column="phone")
    assert seq[0] == par[0] == "ok"
    assert seq[1] == par[1] and seq[1].rows == 3000
    assert seq[2] == par[2] and seq[3] == par[3]
    rejects = par[3].decode().splitlines()[1:]
    # line numbers are file lines: the multi-line notes shift every later row by one
    assert all(int(r.split(",")[0]) >= 2 for r in rejects)


@pytest.mark.parametrize("parallel", [False, True])
def test_rejects_line_numbers_with_multiline_cells(tmp_path: Path, parallel: bool) -> None:
    data = b'phone,note\n13800138000,"a\nb\nc"\nbad1,x\n\n"1390013\n9000",y\nbad2,z\n'
    src = tmp_path / "in.csv"
    src.write_bytes(data)
    s = cl.clean(src, tmp_path / "c.csv", tmp_path / "r.csv", parallel=parallel, chunk_rows=1,
                 column="phone", delimiter=",")
    assert (s.rows, s.clean, s.rejected) == (4, 2, 2)
    rows = [line.split(",")[0] for line in (tmp_path / "r.csv").read_text().splitlines()[1:]]
    assert rows == ["5", "9"]


@pytest.mark.parametrize("prefix_rows", [1, 100_000])
def test_a_utf8_bom_decides_utf8_on_both_paths(tmp_path: Path, prefix_rows: int) -> None:
    """Issue 11 item 5: a file that starts with a UTF-8 BOM but holds one GBK byte pair was
    re-decoded whole as GB18030 by the parallel reader (its UTF-8 rows garbled, reported as
    UTF-8) while the sequential reader raised. Now both raise, naming the file, line and byte."""
    head = "\ufeffphone,name\n".encode() + b"13700137000,abc\n" * prefix_rows
    data = head + b"13900139000," + "李四".encode("gbk") + b"\n13600136000,x\n"
    line = 2 + prefix_rows
    seq, par = both(tmp_path, data)
    assert seq == par
    assert seq[0] == "err" and seq[1] == "UnicodeDecodeError", seq
    assert f"in.csv: line {line}, byte {len(head) + 12}:" in seq[2], seq
    # without the BOM, an ASCII prefix says nothing: the file is GB18030 (as before)
    seq, par = both(tmp_path, data[3:])
    assert seq[0] == par[0] == "ok" and seq[1:] == par[1:] and seq[1].encoding == "gb18030", (seq, par)
