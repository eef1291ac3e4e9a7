"""Write the seed corpus of the calllist fuzz targets into tests/data/fuzz/<target>/.

Each file is the target's input: byte 0 is the control byte the target reads (see
rust/calllist/fuzz_targets.rs), the rest the file. Seeds cover what the readers must get right
(quotes, multi-line cells, CRLF, lone CR, BOM, GBK, ragged rows; XLSX/ODS shapes and the
hostile ones of issue 11). Inputs found by fuzzing are added next to them by hand as
``regression-*`` files. Run: python3 tools/calllist/make_fuzz_seeds.py
"""

from __future__ import annotations

import io
import sys
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from tests.calllist import hostile  # noqa: E402

CSV = {
    "plain": b"phone,name\n13800138000,a\n13900139000,b\n",
    "crlf_quoted": b'phone,note\r\n13800138000,"x\r\ny"\r\n"139 0013\r\n9000",z\r\n',
    "lone_cr": b"phone\r13800138000\r\r13900139000",
    "quotes": b'"phone","n"\n"13800138000","a ""q"" b"\n"x"y,1\n',
    "bom_gbk": b"\xef\xbb\xbfphone,name\n13800138000,abc\n13900139000," + "李四".encode("gbk") + b"\n",
    "gbk": "电话;姓名\r\n13800138000;张三\r\n".encode("gbk"),
    "late_gbk": b"phone\n" + b"13800138000\n" * 50 + "张三\n".encode("gbk"),
    "ragged": b"a,phone,c\n1,13800138000\n2,13900139000,3,4\n\n\n,,\n",
    "unclosed": b'phone\n"13800138000\n13900139000\n',
    "one_per_line": b"13800138000\n+86 139 0013 9000\n95588\n110\n\n",
    "tabs": b"name\tphone\nx\t010-12345678\ny\t0755 8888 9999\n",
    "bad_utf8": b"phone\n13800138000\n\xff\xfe\n",
}


def zip_bytes(parts: list[tuple[str, bytes]]) -> bytes:
    b = io.BytesIO()
    with zipfile.ZipFile(b, "w", zipfile.ZIP_DEFLATED) as z:
        for n, d in parts:
            z.writestr(n, d)
    return b.getvalue()


def main() -> None:
    out = ROOT / "tests" / "data" / "fuzz"
    d = out / "calllist_csv"
    d.mkdir(parents=True, exist_ok=True)
    for name, body in CSV.items():
        for ctl in (0, 5):  # chunk_rows 1 / 2, header detected / forced
            (d / f"seed-{name}-{ctl}").write_bytes(bytes([ctl]) + body)
    d = out / "calllist_sheet"
    d.mkdir(parents=True, exist_ok=True)
    tmp = ROOT / "target" / "fuzz-seeds"
    tmp.mkdir(parents=True, exist_ok=True)
    files = {
        "far_xlsx": (0, hostile.far_cells_xlsx(tmp / "far.xlsx")),
        "ok_xlsx": (0, hostile.xlsx(tmp / "ok.xlsx", '<row r="1"><c r="A1" t="inlineStr"><is><t>phone</t></is></c></row>'
                                                     '<row r="2"><c r="A2"><v>13800138000</v></c></row>')),
        "ok_ods": (1, hostile.ods(tmp / "ok.ods", hostile.ods_row("phone") + hostile.ods_row("13800138000"))),
        "rep0_ods": (1, hostile.ods(tmp / "rep0.ods", hostile.ods_row("phone") +
                                    hostile.ods_row("1", ' table:number-rows-repeated="0"'))),
        "open_ods": (1, hostile.ods(tmp / "open.ods", hostile.ods_row("phone"), close="</table:tablX>")),
    }
    one = hostile.xls_stream
    files.update({
        "ok_xls": (4, hostile.xls(tmp / "ok.xls", one([(1, 0, 13800138000.0)], label=(0, 0, "phone")))),
        "far_xls": (4, hostile.xls(tmp / "far.xls", one([(0, 0, 1.0), (65535, 65535, 1.0)], dims=(0, 1, 0, 1)))),
        "dims_xls": (4, hostile.xls(tmp / "dims.xls", one([(0, 0, 1.0)], dims=(0, 1 << 20, 0, 255)))),
        "fatlen_xls": (4, hostile.xls(tmp / "fatlen.xls", one([(0, 0, 1.0)]), fat_len=0x7FFFFFFF)),
        "loop_xls": (4, hostile.xls(tmp / "loop.xls", one([(0, 0, 1.0)]), dir_loops=True)),
    })
    for name, (ctl, p) in files.items():
        (d / f"seed-{name}").write_bytes(bytes([ctl]) + p.read_bytes())
    sheets = {
        "cells": '<worksheet><sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>phone</t></is></c></row>'
                 '<row r="2"><c r="A2"><v>13800138000</v></c><c t="s"><v>0</v></c><c><v>1</v></c></row>'
                 '</sheetData></worksheet>',
        "far": '<worksheet><sheetData><row><c r="A1"><v>1</v></c><c r="XFD1048576"><v>1</v></c></row></sheetData></worksheet>',
        "noref": '<worksheet><sheetData><row><c><v>1</v></c><c><v>2</v></c></row><row><c><v>3</v></c></row>'
                 '</sheetData></worksheet>',
    }
    for name, xml in sheets.items():
        (d / f"seed-sheetxml-{name}").write_bytes(b"\x02" + xml.encode())
    contents = {
        "cells": hostile.ods_row("phone") + hostile.ods_row("13800138000") +
                 '<table:table-row table:number-rows-repeated="3"><table:table-cell table:number-columns-repeated="2" '
                 'office:value-type="float" office:value="1"/></table:table-row>',
        "rep0": hostile.ods_row("phone", ' table:number-rows-repeated="0"'),
    }
    for name, rows in contents.items():
        xml = ('<office:document-content xmlns:office="o" xmlns:table="t" xmlns:text="x"><office:body>'
               '<office:spreadsheet><table:table table:name="S">' + rows +
               '</table:table></office:spreadsheet></office:body></office:document-content>')
        (d / f"seed-content-{name}").write_bytes(b"\x03" + xml.encode())


if __name__ == "__main__":
    main()
