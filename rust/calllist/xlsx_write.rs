//! A minimal streaming XLSX writer: one worksheet of inline strings, the four fixed package
//! parts, the sheet XML deflated at level 1 as it is produced, so memory stays flat whatever the
//! row count. It writes what the Huawei import workbook needs and nothing more (no shared
//! strings, styles or numbers): rust_xlsxwriter's general writer took 2.5 ms per 1,000 rows for
//! it, this one a fraction of that (`benches/bench_pipelines.py`, "workbook" row).
//!
//! Cell text is escaped as Excel writes it: `&`, `<`, `>` as entities; control characters XML
//! 1.0 cannot hold (and CR, which an XML reader turns into LF) as `_xHHHH_`; a literal
//! `_xHHHH` in the text has its `_` written as `_x005F_` so readers do not decode it.

use std::io::{self, Seek, Write};

use zip::write::SimpleFileOptions;
use zip::{CompressionMethod, ZipWriter};

/// Rows of one worksheet (Excel 2007 and later).
pub const MAX_SHEET_ROWS: u32 = 1_048_576;

/// One package part: the XML declaration every part starts with, then the part's own text.
macro_rules! xml_part {
    ($($text:expr),+ $(,)?) => {
        concat!(r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>"#, "\n", $($text),+)
    };
}

const CONTENT_TYPES: &str = xml_part!(
    r#"<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">"#,
    r#"<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>"#,
    r#"<Default Extension="xml" ContentType="application/xml"/>"#,
    r#"<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>"#,
    r#"<Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>"#,
    "</Types>"
);
const ROOT_RELS: &str = xml_part!(
    r#"<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">"#,
    r#"<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/>"#,
    "</Relationships>"
);
const WORKBOOK: &str = xml_part!(
    r#"<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">"#,
    r#"<sheets><sheet name="Sheet1" sheetId="1" r:id="rId1"/></sheets></workbook>"#
);
const WORKBOOK_RELS: &str = xml_part!(
    r#"<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">"#,
    r#"<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/>"#,
    "</Relationships>"
);
const SHEET_HEAD: &str = xml_part!(
    r#"<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>"#
);
const SHEET_TAIL: &str = "</sheetData></worksheet>";

/// Bytes of sheet XML gathered before they go to the compressor (fewer, larger deflate calls).
const CHUNK: usize = 1 << 16;

fn zip_err(e: zip::result::ZipError) -> io::Error {
    match e {
        zip::result::ZipError::Io(e) => e,
        e => io::Error::other(e.to_string()),
    }
}

/// One worksheet streamed into a zip on `W`. Rows are numbered from 1 in the order given;
/// [`SheetWriter::finish`] closes the sheet and the zip and hands `W` back.
pub struct SheetWriter<W: Write + Seek> {
    zip: ZipWriter<W>,
    xml: Vec<u8>,
    rows: u32,
}

impl<W: Write + Seek> SheetWriter<W> {
    pub fn new(out: W) -> io::Result<Self> {
        let mut zip = ZipWriter::new(out);
        // level 1: the sheet is repetitive XML, level 1 already takes it to ~10% and is several
        // times quicker than the default level 6
        let opts = SimpleFileOptions::default()
            .compression_method(CompressionMethod::Deflated)
            .compression_level(Some(1));
        for (name, text) in [
            ("[Content_Types].xml", CONTENT_TYPES),
            ("_rels/.rels", ROOT_RELS),
            ("xl/workbook.xml", WORKBOOK),
            ("xl/_rels/workbook.xml.rels", WORKBOOK_RELS),
        ] {
            zip.start_file(name, opts).map_err(zip_err)?;
            zip.write_all(text.as_bytes())?;
        }
        // a 500,000-row sheet stays far below 4 GiB, but a caller may write up to the sheet
        // limit with long cells: ZIP64 sizes cost 20 bytes and never fail
        zip.start_file("xl/worksheets/sheet1.xml", opts.large_file(true))
            .map_err(zip_err)?;
        let mut xml = Vec::with_capacity(CHUNK + 4096);
        xml.extend_from_slice(SHEET_HEAD.as_bytes());
        Ok(SheetWriter { zip, xml, rows: 0 })
    }

    /// Rows written so far.
    pub fn rows(&self) -> u32 {
        self.rows
    }

    /// Appends a row; empty cells are left out (a reader sees them empty).
    pub fn row(&mut self, cells: &[&str]) -> io::Result<()> {
        if self.rows == MAX_SHEET_ROWS {
            return Err(io::Error::other(format!(
                "a worksheet holds at most {MAX_SHEET_ROWS} rows"
            )));
        }
        self.rows += 1;
        let mut number = [0u8; 10];
        let number = decimal(self.rows, &mut number);
        let xml = &mut self.xml;
        xml.extend_from_slice(b"<row r=\"");
        xml.extend_from_slice(number);
        xml.extend_from_slice(b"\">");
        for (col, text) in cells.iter().enumerate() {
            if text.is_empty() {
                continue;
            }
            xml.extend_from_slice(b"<c r=\"");
            column_name(col, xml);
            xml.extend_from_slice(number);
            if text.starts_with(char::is_whitespace) || text.ends_with(char::is_whitespace) {
                xml.extend_from_slice(b"\" t=\"inlineStr\"><is><t xml:space=\"preserve\">");
            } else {
                xml.extend_from_slice(b"\" t=\"inlineStr\"><is><t>");
            }
            escape_cell_text(text, xml);
            xml.extend_from_slice(b"</t></is></c>");
        }
        xml.extend_from_slice(b"</row>");
        if xml.len() >= CHUNK {
            self.zip.write_all(xml)?;
            xml.clear();
        }
        Ok(())
    }

    pub fn finish(mut self) -> io::Result<W> {
        self.xml.extend_from_slice(SHEET_TAIL.as_bytes());
        self.zip.write_all(&self.xml)?;
        self.zip.finish().map_err(zip_err)
    }
}

/// `n` in decimal, in the tail of `buf`.
fn decimal(mut n: u32, buf: &mut [u8; 10]) -> &[u8] {
    let mut i = buf.len();
    loop {
        i -= 1;
        buf[i] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            return &buf[i..];
        }
    }
}

/// The letters of column `col` (0 = A, 26 = AA).
fn column_name(col: usize, out: &mut Vec<u8>) {
    if col >= 26 {
        column_name(col / 26 - 1, out);
    }
    out.push(b'A' + (col % 26) as u8);
}

/// True when `s` starts with `_xHHHH`: followed by `_`, readers take it for the escaped
/// character U+HHHH, and that `_` may be the start of this writer's own escape of the next
/// character (`_x000D` then U+001F is written `_x000D_x001F_`): such a `_` is always escaped.
fn looks_escaped(s: &[u8]) -> bool {
    s.len() >= 6 && s[0] == b'_' && s[1] == b'x' && s[2..6].iter().all(u8::is_ascii_hexdigit)
}

/// Appends `text` as the content of a `<t>` element, escaped as Excel writes it.
pub fn escape_cell_text(text: &str, out: &mut Vec<u8>) {
    let bytes = text.as_bytes();
    // most cells (digits, JSON of digits, CJK) need nothing: copy them whole
    let needs =
        |b: u8| matches!(b, b'&' | b'<' | b'>' | b'_') || (b < 0x20 && b != b'\t' && b != b'\n');
    if !bytes.iter().any(|&b| needs(b)) && !text.contains(['\u{fffe}', '\u{ffff}']) {
        out.extend_from_slice(bytes);
        return;
    }
    let mut buf = [0u8; 4];
    for (i, c) in text.char_indices() {
        match c {
            '&' => out.extend_from_slice(b"&amp;"),
            '<' => out.extend_from_slice(b"&lt;"),
            '>' => out.extend_from_slice(b"&gt;"),
            '_' if looks_escaped(&bytes[i..]) => out.extend_from_slice(b"_x005F_"),
            '\t' | '\n' => out.push(c as u8),
            c if (c as u32) < 0x20 || c == '\u{fffe}' || c == '\u{ffff}' => {
                out.extend_from_slice(format!("_x{:04X}_", c as u32).as_bytes())
            }
            c => out.extend_from_slice(c.encode_utf8(&mut buf).as_bytes()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use calamine::{Data, Reader, Xlsx};
    use std::io::Cursor;

    fn read_back(bytes: Vec<u8>) -> Vec<Vec<String>> {
        let mut wb: Xlsx<_> = Xlsx::new(Cursor::new(bytes)).unwrap();
        let range = wb.worksheet_range("Sheet1").unwrap();
        range
            .rows()
            .map(|r| {
                r.iter()
                    .map(|c| match c {
                        Data::Empty => String::new(),
                        Data::String(s) => s.clone(),
                        other => panic!("not a string cell: {other:?}"),
                    })
                    .collect()
            })
            .collect()
    }

    fn write(rows: &[Vec<&str>]) -> Vec<u8> {
        let mut w = SheetWriter::new(Cursor::new(Vec::new())).unwrap();
        for r in rows {
            w.row(r).unwrap();
        }
        w.finish().unwrap().into_inner()
    }

    #[test]
    fn column_names() {
        let name = |c| {
            let mut v = Vec::new();
            column_name(c, &mut v);
            String::from_utf8(v).unwrap()
        };
        assert_eq!(
            [
                name(0),
                name(25),
                name(26),
                name(51),
                name(52),
                name(701),
                name(702),
                name(16383)
            ],
            ["A", "Z", "AA", "AZ", "BA", "ZZ", "AAA", "XFD"]
        );
    }

    #[test]
    fn every_cell_reads_back() {
        let rows: Vec<Vec<&str>> = vec![
            vec!["sessionId(非必填)", "called必填", "x"],
            vec!["a&b<c>d\"e'f", "[{\"calledNo\":\"13800138000\"}]", ""],
            vec!["", "张三 李四", " lead"],
            vec!["trail ", "tab\tand\nnewline", "cr\rhere"],
            vec![
                "bell\u{7}nul\u{0}",
                "_x000D_ literal",
                "_x41_ short, _X000D_ upper x",
            ],
        ];
        let got = read_back(write(&rows));
        let want: Vec<Vec<String>> = rows
            .iter()
            .map(|r| r.iter().map(|s| s.to_string()).collect())
            .collect();
        assert_eq!(got, want);
    }

    #[test]
    fn many_rows_and_columns_past_z() {
        let wide: Vec<String> = (0..30).map(|i| format!("c{i}")).collect();
        let wide: Vec<&str> = wide.iter().map(String::as_str).collect();
        let mut w = SheetWriter::new(Cursor::new(Vec::new())).unwrap();
        w.row(&wide).unwrap();
        let numbers: Vec<String> = (0..20_000).map(|i| format!("138{i:08}")).collect();
        for n in &numbers {
            w.row(&["", n]).unwrap();
        }
        assert_eq!(w.rows(), 20_001);
        let got = read_back(w.finish().unwrap().into_inner());
        assert_eq!(got.len(), 20_001);
        assert_eq!(got[0][29], "c29");
        assert_eq!(got[20_000][1], numbers[19_999]);
        assert_eq!(got[1][0], "");
    }

    #[test]
    fn the_sheet_row_limit_is_refused() {
        let mut w = SheetWriter::new(Cursor::new(Vec::new())).unwrap();
        w.rows = MAX_SHEET_ROWS - 1;
        w.row(&["last"]).unwrap();
        let e = w.row(&["one too many"]).unwrap_err();
        assert!(e.to_string().contains("1048576"), "{e}");
    }

    /// Property: any text made of XML specials, the escape pattern's pieces, CJK, whitespace and
    /// control characters reads back unchanged (a small deterministic generator: no proptest in
    /// the dependency tree).
    #[test]
    fn property_any_cell_text_reads_back() {
        const PIECES: &[&str] = &[
            "&", "<", ">", "\"", "'", "_", "x", "_x", "000D", "_x005F_", "_x0041_", "0", "9", "A",
            "f", "张", "呼叫", "😀", " ", "\t", "\n", "\r", "\u{0}", "\u{1}", "\u{1f}", "\u{7f}",
            "\u{85}", "\u{2028}", "]]>", "&amp;",
        ];
        let mut seed = 0x2545_f491_4f6c_dd1du64;
        let mut next = move || {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            seed
        };
        let mut texts = Vec::new();
        for _ in 0..3000 {
            let len = (next() % 12) as usize;
            let t: String = (0..len)
                .map(|_| PIECES[(next() % PIECES.len() as u64) as usize])
                .collect();
            texts.push(t);
        }
        let rows: Vec<Vec<&str>> = texts
            .chunks(3)
            .map(|c| c.iter().map(String::as_str).collect())
            .collect();
        let got = read_back(write(&rows));
        for (g, w) in got.iter().zip(&rows) {
            // calamine pads every row to the used range: compare the written cells
            assert_eq!(
                &g[..w.len()],
                &w.iter().map(|s| s.to_string()).collect::<Vec<_>>()[..]
            );
        }
        assert_eq!(
            got.len(),
            rows.iter()
                .rposition(|r| r.iter().any(|c| !c.is_empty()))
                .unwrap()
                + 1
        );
    }
}
