"""Builders of hostile spreadsheet files (issue 11 item 2), shared by the tests and the fuzz
corpus tool. Each is small on disk; what it asks of a reader that trusts it is not."""

from __future__ import annotations

import struct
import zipfile
import zlib
from pathlib import Path

_CT = ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
       '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
       '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
       '<Default Extension="xml" ContentType="application/xml"/>'
       '<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
       '<Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
       '</Types>')
_RELS = ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
         '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
         '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/>'
         '</Relationships>')
_WB = ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
       '<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
       'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
       '<sheets><sheet name="Sheet1" sheetId="1" r:id="rId1"/></sheets></workbook>')
_WBRELS = ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
           '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
           '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/>'
           '</Relationships>')
SHEET_HEAD = ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
              '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>')
SHEET_TAIL = '</sheetData></worksheet>'
_PARTS = [("[Content_Types].xml", _CT), ("_rels/.rels", _RELS), ("xl/workbook.xml", _WB),
          ("xl/_rels/workbook.xml.rels", _WBRELS)]


def xlsx(path: Path, sheet_data: str) -> Path:
    """A minimal workbook whose one sheet holds ``sheet_data`` inside ``<sheetData>``."""
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        for name, text in _PARTS:
            z.writestr(name, text)
        z.writestr("xl/worksheets/sheet1.xml", SHEET_HEAD + sheet_data + SHEET_TAIL)
    return path


def far_cells_xlsx(path: Path) -> Path:
    """1.5 KB: a header at A1 and one value at XFD1048576 (a 16,384 x 1,048,576 grid)."""
    return xlsx(path, '<row r="1"><c r="A1" t="inlineStr"><is><t>phone</t></is></c></row>'
                      '<row r="1048576"><c r="XFD1048576"><v>13800138000</v></c></row>')


def whitespace_xlsx(path: Path, gib: float = 1.5) -> Path:
    """~1.5 MB of zip holding ``gib`` GiB of whitespace inside the sheet XML.

    Built without compressing 1.5 GB: a full flush makes every deflated 16 MiB block of spaces
    independent of what came before, so one compressed block is written again and again."""
    head = (SHEET_HEAD + '<row r="1"><c r="A1"><v>13800138000</v></c></row>').encode()
    tail = SHEET_TAIL.encode()
    block = b" " * (16 << 20)
    n = max(1, int(gib * (1 << 30)) // len(block))
    c = zlib.compressobj(9, zlib.DEFLATED, -15)
    first = c.compress(head) + c.flush(zlib.Z_FULL_FLUSH)
    one = c.compress(block) + c.flush(zlib.Z_FULL_FLUSH)
    again = c.compress(block) + c.flush(zlib.Z_FULL_FLUSH)
    assert one == again, "a full flush must make the blocks independent"
    last = c.compress(tail) + c.flush()
    crc = zlib.crc32(head)
    for _ in range(n):
        crc = zlib.crc32(block, crc)
    crc = zlib.crc32(tail, crc)
    usize = len(head) + n * len(block) + len(tail)
    csize = len(first) + n * len(one) + len(last)
    assert usize < 1 << 32
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        for name, text in _PARTS:
            z.writestr(name, text)
    # append the big entry by hand: local header, data, then a rebuilt central directory
    data = path.read_bytes()
    eocd = data.rindex(b"PK\x05\x06")
    cd_size, cd_off = struct.unpack("<II", data[eocd + 12:eocd + 20])
    entries = struct.unpack("<H", data[eocd + 10:eocd + 12])[0]
    central = data[cd_off:cd_off + cd_size]
    name = b"xl/worksheets/sheet1.xml"
    off = cd_off
    local = struct.pack("<IHHHHHIIIHH", 0x04034B50, 20, 0, 8, 0, 0x21, crc, csize, usize, len(name), 0) + name
    with open(path, "r+b") as f:
        f.seek(off)
        f.truncate()
        f.write(local + first)
        for _ in range(n):
            f.write(one)
        f.write(last)
        cd_start = f.tell()
        f.write(central)
        f.write(struct.pack("<IHHHHHHIIIHHHHHII", 0x02014B50, 20, 20, 0, 8, 0, 0x21, crc, csize, usize,
                            len(name), 0, 0, 0, 0, 0, off) + name)
        cd_len = f.tell() - cd_start
        f.write(struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, entries + 1, entries + 1, cd_len, cd_start, 0))
    return path


_MANIFEST = ('<?xml version="1.0" encoding="UTF-8"?><manifest:manifest '
             'xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0" manifest:version="1.2">'
             '<manifest:file-entry manifest:full-path="/" manifest:media-type="application/vnd.oasis.opendocument.spreadsheet"/>'
             '<manifest:file-entry manifest:full-path="content.xml" manifest:media-type="text/xml"/></manifest:manifest>')


def ods_row(value: str, attrs: str = "") -> str:
    return (f'<table:table-row{attrs}><table:table-cell office:value-type="string"><text:p>{value}</text:p>'
            '</table:table-cell></table:table-row>')


def ods(path: Path, rows: str, *, close: str = "</table:table>") -> Path:
    content = ('<?xml version="1.0" encoding="UTF-8"?><office:document-content '
               'xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
               'xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" '
               'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" office:version="1.2">'
               '<office:body><office:spreadsheet><table:table table:name="Sheet1">' + rows + close +
               '</office:spreadsheet></office:body></office:document-content>')
    with zipfile.ZipFile(path, "w") as z:
        z.writestr("mimetype", "application/vnd.oasis.opendocument.spreadsheet", compress_type=zipfile.ZIP_STORED)
        z.writestr("META-INF/manifest.xml", _MANIFEST, compress_type=zipfile.ZIP_DEFLATED)
        z.writestr("content.xml", content, compress_type=zipfile.ZIP_DEFLATED)
    return path
