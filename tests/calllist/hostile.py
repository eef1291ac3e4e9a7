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


def _put(z: zipfile.ZipFile, name: str, data: str | bytes, compress: int = zipfile.ZIP_DEFLATED) -> None:
    """An entry with a fixed time stamp, so the same call builds the same bytes."""
    info = zipfile.ZipInfo(name, date_time=(2020, 1, 1, 0, 0, 0))
    info.compress_type = compress
    z.writestr(info, data)


def xlsx(path: Path, sheet_data: str) -> Path:
    """A minimal workbook whose one sheet holds ``sheet_data`` inside ``<sheetData>``."""
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        for name, text in _PARTS:
            _put(z, name, text)
        _put(z, "xl/worksheets/sheet1.xml", SHEET_HEAD + sheet_data + SHEET_TAIL)
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
            _put(z, name, text)
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
        _put(z, "mimetype", "application/vnd.oasis.opendocument.spreadsheet", zipfile.ZIP_STORED)
        _put(z, "META-INF/manifest.xml", _MANIFEST)
        _put(z, "content.xml", content)
    return path


def _biff(typ: int, data: bytes) -> bytes:
    return struct.pack("<HH", typ, len(data)) + data


def xls_stream(cells: list[tuple[int, int, float]], dims: tuple[int, int, int, int] | None = None,
               label: tuple[int, int, str] | None = None) -> bytes:
    """A BIFF8 workbook stream of one sheet: ``cells`` as Number records at (row, col),
    ``dims`` = (first row, last row + 1, first col, last col + 1) for its Dimensions record
    (by default the cells' own), and an optional Label cell."""
    bof = lambda dt: _biff(0x0809, struct.pack("<HHHHII", 0x0600, dt, 0x0DBB, 0x07CC, 0, 0x0006))  # noqa: E731
    name = b"Sheet1"
    globals_ = bof(0x0005)
    boundsheet_len = 4 + 4 + 2 + 2 + len(name)
    sheet_pos = len(globals_) + boundsheet_len + 4  # + EOF record
    globals_ += _biff(0x0085, struct.pack("<IBBBB", sheet_pos, 0, 0, len(name), 0) + name) + _biff(0x000A, b"")
    assert len(globals_) == sheet_pos
    all_cells = [(r, c) for r, c, _ in cells] + ([label[:2]] if label else [])
    if dims is None:
        dims = (min(r for r, _ in all_cells), max(r for r, _ in all_cells) + 1,
                min(c for _, c in all_cells), max(c for _, c in all_cells) + 1)
    sheet = bof(0x0010) + _biff(0x0200, struct.pack("<IIHHH", *dims, 0))
    if label:
        text = label[2].encode("utf-16-le")
        sheet += _biff(0x0204, struct.pack("<HHHHB", label[0], label[1], 0, len(label[2]), 1) + text)
    for r, c, v in cells:
        sheet += _biff(0x0203, struct.pack("<HHHd", r, c, 0, v))
    sheet += _biff(0x000A, b"")
    stream = globals_ + sheet
    return stream + b"\0" * max(0, 4096 - len(stream))  # >= 4096: kept in regular sectors


def xls(path: Path, stream: bytes, *, fat_len: int = 1, dir_loops: bool = False) -> Path:
    """An OLE compound file (v3, 512-byte sectors) holding ``stream`` as its Workbook: sector 0
    the FAT, sector 1 the directory, the stream from sector 2 on. ``fat_len`` is the header's
    FAT sector count; ``dir_loops`` links the directory sector to itself."""
    n = -(-len(stream) // 512)
    free, end = 0xFFFFFFFF, 0xFFFFFFFE
    fat = [0xFFFFFFFD, 1 if dir_loops else end] + [3 + i for i in range(n - 1)] + [end]
    fat += [free] * (128 - len(fat))
    header = bytearray(512)
    header[0:8] = bytes.fromhex("D0CF11E0A1B11AE1")
    struct.pack_into("<HHHHH", header, 24, 0x3E, 3, 0xFFFE, 9, 6)
    struct.pack_into("<IIIIIIIII", header, 40, 0, fat_len, 1, 0, 4096, end, 0, end, 0)
    struct.pack_into("<I", header, 76, 0)
    for i in range(1, 109):
        struct.pack_into("<I", header, 76 + 4 * i, free)

    def entry(name: str, typ: int, child: int, start: int, size: int) -> bytes:
        e = bytearray(128)
        raw = (name + "\0").encode("utf-16-le") if name else b""
        e[: len(raw)] = raw
        struct.pack_into("<HBBIII", e, 64, len(raw), typ, 1, 0xFFFFFFFF, 0xFFFFFFFF, child)
        struct.pack_into("<III", e, 116, start, size, 0)
        return bytes(e)

    directory = (entry("Root Entry", 5, 1, end, 0) + entry("Workbook", 2, 0xFFFFFFFF, 2, len(stream)) +
                 entry("", 0, 0xFFFFFFFF, 0, 0) * 2)
    body = struct.pack("<128I", *fat) + directory + stream + b"\0" * (n * 512 - len(stream))
    path.write_bytes(bytes(header) + body)
    return path
