"""Spreadsheet input and the Huawei 7.4.8 server-import workbook, round-tripped through the
engine's own reader (no third-party xlsx package is needed)."""

from __future__ import annotations

import csv
import re
import zipfile
from pathlib import Path
from xml.etree import ElementTree

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from callcore import calllist as cl


def _clean_csv(tmp_path: Path, n: int) -> Path:
    src = tmp_path / "list.csv"
    with open(src, "w", encoding="utf-8", newline="") as f:
        w = csv.writer(f)
        w.writerow(["sid", "phone", "note"])
        for i in range(n):
            w.writerow([f"139{i:08d}", f"138 {i:04d} {i:04d}", f"客户{i}"])
    s = cl.clean(src, tmp_path / "clean.csv", tmp_path / "rejects.csv", platform="huawei-file", column="phone")
    assert isinstance(s, cl.Summary) and s.clean == n
    return tmp_path / "clean.csv"


def test_huawei_workbook_round_trip(tmp_path: Path) -> None:
    clean = _clean_csv(tmp_path, 25)
    files = cl.write_huawei_workbooks(clean, tmp_path / "import.xlsx", session_column="sid",
                                      custom_field="batch-20261122-001", rows_per_file=10)
    assert [f.name for f in files] == ["import_001.xlsx", "import_002.xlsx", "import_003.xlsx"]
    # read the workbook back: sessionId holds phone numbers here, so the engine can clean it
    s = cl.clean(files[0], tmp_path / "c.csv", tmp_path / "r.csv", column="sessionId(非必填)")
    assert (s.rows, s.clean, s.header) == (10, 10, True)
    assert s.columns == ["sessionId(非必填)", "called必填", "caller(非必填)", "callData(非必填)", "customField(非必填)", "recycleTime(非必填)"]
    rows = list(csv.reader((tmp_path / "c.csv").open(encoding="utf-8")))
    assert rows[1][:2] == ["13900000000", '[{"calledNo":"13800000000"}]']
    assert rows[1][4] == "batch-20261122-001"
    one = cl.write_huawei_workbooks(clean, tmp_path / "one.xlsx")
    assert one == [tmp_path / "one.xlsx"]


def test_huawei_workbook_rules(tmp_path: Path) -> None:
    clean = _clean_csv(tmp_path, 3)
    with pytest.raises(ValueError, match="customField"):
        cl.write_huawei_workbooks(clean, tmp_path / "x.xlsx", custom_field="batch.1")
    with pytest.raises(ValueError, match="500,000"):
        cl.write_huawei_workbooks(clean, tmp_path / "x.xlsx", rows_per_file=500_001)
    with pytest.raises(cl.MissingColumn, match="nope"):
        cl.write_huawei_workbooks(clean, tmp_path / "x.xlsx", session_column="nope")


def test_xlsx_input_numeric_cells_and_sheet(tmp_path: Path) -> None:
    clean = _clean_csv(tmp_path, 3)
    [wb] = cl.write_huawei_workbooks(clean, tmp_path / "in.xlsx", session_column="sid")
    with pytest.raises(cl.MissingColumn, match="sheet Nope"):
        cl.clean(wb, tmp_path / "c.csv", tmp_path / "r.csv", sheet="Nope")
    s = cl.clean(wb, tmp_path / "c.csv", tmp_path / "r.csv", sheet="Sheet1", column="called必填")
    # the JSON cell is not a phone number: every row is a reject, with its spreadsheet row number
    assert (s.rows, s.rejected) == (3, 3)
    rej = list(csv.reader((tmp_path / "r.csv").open(encoding="utf-8")))
    assert [r[0] for r in rej[1:]] == ["2", "3", "4"]
    assert rej[1][1:3] == ['[{"calledNo":"13800000000"}]', "bad_char"]


def test_bad_spreadsheet(tmp_path: Path) -> None:
    bad = tmp_path / "bad.xlsx"
    bad.write_bytes(b"not a zip")
    with pytest.raises(ValueError, match="spreadsheet"):
        cl.clean(bad, tmp_path / "c.csv", tmp_path / "r.csv")
    with pytest.raises(FileNotFoundError):
        cl.clean(tmp_path / "missing.xlsx", tmp_path / "c.csv", tmp_path / "r.csv")


_EXCEL_ESCAPE = re.compile(r"_x([0-9A-Fa-f]{4})_")


def _cell_texts(book: Path) -> list[list[str]]:
    """Every row's cell texts, decoded as Excel reads them (XML, then ``_xHHHH_`` escapes)."""
    ns = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
    root = ElementTree.fromstring(zipfile.ZipFile(book).read("xl/worksheets/sheet1.xml"))
    rows = []
    for row in root.iter(f"{ns}row"):
        cells = {}
        for c in row.iter(f"{ns}c"):
            col = ord(c.get("r", "A")[0]) - ord("A")
            text = "".join(t.text or "" for t in c.iter(f"{ns}t"))
            cells[col] = _EXCEL_ESCAPE.sub(lambda m: chr(int(m.group(1), 16)), text)
        rows.append([cells.get(i, "") for i in range(6)])
    return rows


@settings(max_examples=200, deadline=None)
@given(st.lists(st.lists(st.sampled_from(
    list("&<>\"'_x0D9aF张呼 \t\n\r\x00\x01\x1f\x7f\u2028😀") + ["_x000D_", "_x005F_", "]]>", "&amp;"]),
    max_size=20).map("".join), min_size=1, max_size=5))
def test_any_call_data_text_reads_back_as_written(tmp_path_factory, notes):
    """XML specials, CJK, whitespace at the ends, control characters and Excel's own ``_xHHHH_``
    escape pattern: every callData cell reads back as the clean CSV held it."""
    tmp = tmp_path_factory.mktemp("prop")
    clean = tmp / "clean.csv"
    with open(clean, "w", encoding="utf-8", newline="") as f:
        w = csv.writer(f)
        w.writerow(["note", "dial"])
        for i, n in enumerate(notes):
            w.writerow([n, f"138{i:08d}"])
    [book] = cl.write_huawei_workbooks(clean, tmp / "p.xlsx", call_data_column="note", undefuse=False)
    rows = _cell_texts(book)
    assert rows[0][1] == "called必填"
    assert [r[3] for r in rows[1:]] == notes
