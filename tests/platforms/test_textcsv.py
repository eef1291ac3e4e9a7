"""The core's reader of the CSV files platforms hand over (``callcore._core.textcsv``) against
the standard ``csv`` module, which the Huawei bill-index parser used before: same rows, same
cells, trimmed as ``str.strip()`` trims, for any text the ``csv`` module writes and for text no
writer made (stray quotes, bare CRs, ragged rows)."""
from __future__ import annotations

import codecs
import csv
import io

from hypothesis import given, settings
from hypothesis import strategies as st

from callcore import _core

# the characters that matter to a CSV reader and to strip(), and text around them
CELL_CHARS = st.sampled_from([",", '"', "\n", "\r", " ", "\t", "\u3000", "\x1c", "\x1f", "\xa0", "a", "Z", "0",
                              "张", "三", "·", "'", "=", ";"])
CELL = st.text(CELL_CHARS, max_size=8)


def python_rows(text: str) -> list[list[str]]:
    """What the bill parser read with the csv module: empty lines are no rows, cells stripped."""
    return [[cell.strip() for cell in row] for row in csv.reader(io.StringIO(text, newline="")) if row]


@settings(max_examples=400, deadline=None)
@given(st.lists(st.lists(CELL, min_size=1, max_size=6), max_size=8), st.sampled_from(["\r\n", "\n"]),
       st.booleans(), st.sampled_from(["utf-8", "gb18030"]))
def test_what_the_csv_module_writes_reads_back_the_same(rows, terminator, bom, encoding):
    out = io.StringIO()
    csv.writer(out, lineterminator=terminator).writerows(rows)
    text = out.getvalue()
    data = text.encode(encoding)
    if bom and encoding == "utf-8":
        data = codecs.BOM_UTF8 + data
    if encoding == "gb18030" and data.isascii():
        data = text.encode("utf-8")  # all ASCII: both decodings agree, nothing to tell apart
    assert _core.textcsv.read_rows(data) == python_rows(text)


@settings(max_examples=400, deadline=None)
@given(st.text(st.sampled_from([",", '"', "\n", "\r", " ", "a", "张", "\u3000"]), max_size=40))
def test_text_no_writer_made_reads_as_the_csv_module_reads_it(text):
    assert _core.textcsv.read_rows(text.encode()) == python_rows(text)


def test_gb18030_and_invalid_utf8():
    assert _core.textcsv.read_rows("主叫, 被叫\n张三,李四 \n".encode("gb18030")) == [["主叫", "被叫"], ["张三", "李四"]]
    assert _core.textcsv.read_rows(b"") == []
