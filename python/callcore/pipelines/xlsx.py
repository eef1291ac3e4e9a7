"""A minimal streaming ``.xlsx`` writer for the outcomes workbook (``callcore outbound results
--xlsx``): one worksheet, inline strings, streamed into the zip so memory stays flat.

The Huawei import workbooks (7.4.8) are written by the Rust core
(:func:`callcore.calllist.write_huawei_workbooks`, used by the file route in
:mod:`callcore.pipelines.adapters.huawei_files`).
"""
from __future__ import annotations

import os
import tempfile
import zipfile
from collections.abc import Iterable, Sequence
from pathlib import Path

from callcore import _crashpoint

_CT = ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
       '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
       '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
       '<Default Extension="xml" ContentType="application/xml"/>'
       '<Override PartName="/xl/workbook.xml" '
       'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
       '<Override PartName="/xl/worksheets/sheet1.xml" '
       'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
       '</Types>')
_RELS = ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
         '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
         '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/'
         'officeDocument" Target="xl/workbook.xml"/></Relationships>')
_WB = ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
       '<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
       'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
       '<sheets><sheet name="Sheet1" sheetId="1" r:id="rId1"/></sheets></workbook>')
_WB_RELS = ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
            '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
            '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/'
            'worksheet" Target="worksheets/sheet1.xml"/></Relationships>')
_SHEET_HEAD = ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
               '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>')
_SHEET_TAIL = '</sheetData></worksheet>'
_COLS = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"


def _esc(s: str) -> str:
    if "&" in s or "<" in s or ">" in s:
        s = s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return s


def _row(r: int, cells: Sequence[str | None]) -> str:
    return f'<row r="{r}">' + "".join(
        f'<c r="{_COLS[i]}{r}" t="inlineStr"><is><t>{_esc(v)}</t></is></c>'
        for i, v in enumerate(cells) if v) + "</row>"


def write_workbook(path: str | os.PathLike[str], header: Sequence[str], rows: Iterable[Sequence[str | None]],
                   *, raw_rows: Iterable[str] | None = None) -> int:
    """Writes ``header`` and ``rows`` (empty/None cells are left out) to an ``.xlsx`` at *path*,
    atomically (temporary file renamed into place). Returns the number of data rows.
    ``raw_rows`` (instead of ``rows``) are ready ``<row>`` elements, numbered from 2."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=".part-", dir=path.parent)
    os.close(fd)
    n = 0
    try:
        with zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as z:
            z.writestr("[Content_Types].xml", _CT)
            z.writestr("_rels/.rels", _RELS)
            z.writestr("xl/workbook.xml", _WB)
            z.writestr("xl/_rels/workbook.xml.rels", _WB_RELS)
            with z.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as f:
                buf = [_SHEET_HEAD, _row(1, list(header))]
                gen = raw_rows if raw_rows is not None else (_row(k + 1, cells) for k, cells in enumerate(rows, 1))
                for n, xml in enumerate(gen, 1):
                    buf.append(xml)
                    if len(buf) >= 4096:
                        f.write("".join(buf).encode("utf-8"))
                        buf.clear()
                buf.append(_SHEET_TAIL)
                f.write("".join(buf).encode("utf-8"))
        with open(tmp, "rb+") as fh:
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise
    _crashpoint.reached("commit")  # the workbook is in place under its final name
    return n
