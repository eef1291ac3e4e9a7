"""A minimal streaming ``.xlsx`` writer for the Huawei import workbooks (7.4.8 template).

One worksheet, inline strings, streamed into the zip so memory stays flat for 500,000 rows. The
calllist engine writes CSV only, and the platform takes Excel workbooks (``demo.xlsx``,
notes/outbound.md 7.1), so this is the smallest thing that produces a valid workbook.
"""
from __future__ import annotations

import os
import tempfile
import zipfile
from collections.abc import Iterable, Sequence
from pathlib import Path

from callcore import _crashpoint

#: 7.4.8 template header (001:26350), in template order
DATA_HEADER = ("sessionId", "called", "caller", "callData", "customField", "recycleTime")

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


def huawei_data_rows(session_ids: Sequence[str], numbers: Sequence[str], tag: str) -> Iterable[tuple[str, str, None, None, str, None]]:
    """7.4.8 rows: sessionId, called as a JSON array (``[{"calledNo":"…"}]``), customField = tag."""
    for sid, num in zip(session_ids, numbers):
        yield (sid, '[{"calledNo":"' + num + '"}]', None, None, tag, None)


def write_huawei_data_workbook(path: str | os.PathLike[str], session_prefix: str, first_row: int,
                               numbers: Sequence[str], tag: str) -> int:
    """The 7.4.8 workbook of one file batch, fast: sessionId ``{session_prefix}{first_row + k}``,
    called ``[{"calledNo":"…"}]``, customField *tag*. The values must be XML-safe as they are
    (engine-checked dialing strings, alphanumeric prefix and tag); checked here."""
    import re

    if not re.fullmatch(r"[A-Za-z0-9]*", session_prefix + tag) or not re.fullmatch(r"[0-9*#]*", "".join(numbers)):
        raise ValueError("write_huawei_data_workbook: values outside [A-Za-z0-9] / [0-9*#]")
    a = '"><c r="A'
    rows = (f'<row r="{r}{a}{r}" t="inlineStr"><is><t>{session_prefix}{i}</t></is></c><c r="B{r}" t="inlineStr">'
            f'<is><t>[{{"calledNo":"{d}"}}]</t></is></c><c r="E{r}" t="inlineStr"><is><t>{tag}</t></is></c></row>'
            for r, i, d in zip(range(2, len(numbers) + 2), range(first_row, first_row + len(numbers)), numbers))
    return write_workbook(path, DATA_HEADER, (), raw_rows=rows)
