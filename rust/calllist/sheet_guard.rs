//! Guards spreadsheet input before calamine reads it.
//!
//! calamine trusts the file: it sizes its dense cell grid from the cells' positions
//! (`Range::from_sparse`: cells at A1 and XFD1048576 ask for 512 GiB and abort the process),
//! keeps a whole XML text run in memory (1.5 MB of zip holding 1.5 GB of whitespace takes 1.5 GB
//! of RAM), expands ODS repeat counts, and loops forever when an ODS `table:table` is never
//! closed. None of that can be bounded through its API, so the zip containers (XLSX/XLSM/XLSB,
//! ODS) are read here first, as a stream, and refused when they pass one of [`LIMITS`]:
//!
//! * every entry is decompressed with a byte budget (the actual bytes, not the declared size);
//! * XML entries are scanned byte by byte: one text run, tag, comment or CDATA section may not
//!   exceed [`SheetLimits::max_xml_run`];
//! * XLSX sheets: each `<c>` holding a value (`<v>`/`<is>`) is placed as calamine places it
//!   (its `r`, else the next column of the current row), and the bounding box of those cells,
//!   which is what calamine allocates, must fit the row, column and cell limits;
//! * XLSB sheets (`xl/worksheets/*.bin`): the BIFF12 row and cell records, placed as calamine
//!   places them, the same bounding-box check;
//! * ODS `content.xml`: repeat counts must be 1 ..= the row/column limit, every `table:table` must
//!   be closed, and the cells calamine would store (each row up to its last non-empty cell,
//!   repeats expanded) and the grid it would build must fit the cell limit.
//!
//! * XLS (BIFF records in an OLE compound file, which calamine reads whole at open): the
//!   compound file's header counts must fit the file, every sector chain must end without a
//!   loop and stay inside the file, and in the workbook stream every sheet's `Dimensions`
//!   record (calamine reserves rows x columns from it) and the bounding box of its cell
//!   records must fit the limits; a `BoundSheet8` must point inside the stream.
//! The limits sit far above any real call list and far below what hurts the process.

use std::io::Read;
use std::path::Path;

use super::{io_err, CalllistError, Result};

/// The documented maxima of spreadsheet input. All are checked before calamine allocates.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SheetLimits {
    /// Rows of a sheet: Excel's own maximum.
    pub max_rows: u64,
    /// Columns of a sheet: Excel's own maximum (XFD).
    pub max_columns: u64,
    /// Cells calamine would hold for the sheet (its dense grid): 2^24, a full-height sheet of
    /// 16 columns; calamine keeps ~32-56 bytes a cell, so this bounds the grid near 1 GiB.
    pub max_cells: u64,
    /// Entries of the zip container (a workbook has tens).
    pub max_entries: u64,
    /// Decompressed bytes of one entry (a 1,048,576-row sheet of a few columns is ~200 MB).
    pub max_entry_bytes: u64,
    /// Decompressed bytes of all entries together.
    pub max_total_bytes: u64,
    /// Decompressed bytes of one entry that is not XML (images, printer settings: `.png`,
    /// `.bin`, ... outside XLSB).
    pub max_binary_entry_bytes: u64,
    /// One XML text run, tag, comment or CDATA section. Excel caps a cell at 32,767
    /// characters (<= 160 KiB even fully escaped), so 1 MiB is never a real cell.
    pub max_xml_run: u64,
    /// Bytes of any spreadsheet file on disk (calamine reads XLS whole).
    pub max_file_bytes: u64,
}

/// The limits in force.
pub const LIMITS: SheetLimits = SheetLimits {
    max_rows: 1_048_576,
    max_columns: 16_384,
    max_cells: 1 << 24,
    max_entries: 10_000,
    max_entry_bytes: 1 << 30,
    max_total_bytes: 2 << 30,
    max_binary_entry_bytes: 64 << 20,
    max_xml_run: 1 << 20,
    max_file_bytes: 1 << 30,
};

fn limit(path: &Path, what: &str, value: u64, max: u64, name: &'static str) -> CalllistError {
    CalllistError::Limit {
        path: path.into(),
        message: format!("{what} {value} exceeds the limit of {max}"),
        limit: name,
    }
}

fn corrupt(path: &Path, message: String) -> CalllistError {
    CalllistError::Csv {
        path: path.into(),
        row: 0,
        message,
    }
}

/// Checks a spreadsheet file against [`LIMITS`] before calamine opens it.
pub fn check(path: &Path) -> Result<()> {
    check_with(path, &LIMITS)
}

/// [`check`] with other limits (tests use small ones).
pub fn check_with(path: &Path, lim: &SheetLimits) -> Result<()> {
    let meta = std::fs::metadata(path).map_err(io_err(path))?;
    if meta.len() > lim.max_file_bytes {
        return Err(limit(
            path,
            "the file's size",
            meta.len(),
            lim.max_file_bytes,
            "max_file_bytes",
        ));
    }
    let mut head = [0u8; 4];
    let n = std::fs::File::open(path)
        .and_then(|mut f| f.read(&mut head))
        .map_err(io_err(path))?;
    if n >= 4 && head == [0xD0, 0xCF, 0x11, 0xE0] {
        let data = std::fs::read(path).map_err(io_err(path))?;
        return xls::check(&data, lim).map_err(|e| e.into_error(path, "the workbook"));
    }
    // a zip is found by its end (the central directory), whatever precedes it: the zip crate,
    // and so calamine, opens a file with any prefix (fuzzing found one), so no magic at the start
    // decides it
    let f = std::fs::File::open(path).map_err(io_err(path))?;
    let mut zip = match zip::ZipArchive::new(std::io::BufReader::new(f)) {
        Ok(z) => z,
        Err(e) if n >= 4 && head == *b"PK\x03\x04" => {
            return Err(corrupt(
                path,
                format!("cannot open as a spreadsheet (zip): {e}"),
            ))
        }
        // neither a zip nor a compound file: calamine refuses it with its own message
        Err(_) => return Ok(()),
    };
    check_zip(path, &mut zip, lim)
}

fn ext_of(name: &str) -> String {
    name.rsplit_once('.')
        .map(|(_, e)| e.to_ascii_lowercase())
        .unwrap_or_default()
}

fn check_zip<R: Read + std::io::Seek>(
    path: &Path,
    zip: &mut zip::ZipArchive<R>,
    lim: &SheetLimits,
) -> Result<()> {
    let entries = zip.len() as u64;
    if entries > lim.max_entries {
        return Err(limit(
            path,
            "the zip's entry count",
            entries,
            lim.max_entries,
            "max_entries",
        ));
    }
    let is_ods = zip.index_for_name("content.xml").is_some()
        && zip.index_for_name("xl/workbook.xml").is_none();
    let is_xlsb = zip
        .file_names()
        .any(|n| n.eq_ignore_ascii_case("xl/workbook.bin"));
    let mut total = 0u64;
    for i in 0..zip.len() {
        let mut entry = zip
            .by_index(i)
            .map_err(|e| corrupt(path, format!("zip entry {i}: {e}")))?;
        if entry.is_dir() {
            continue;
        }
        let name = entry.name().to_string();
        let ext = ext_of(&name);
        let binary = matches!(
            ext.as_str(),
            "png" | "jpg" | "jpeg" | "gif" | "bmp" | "tif" | "tiff" | "emf" | "wmf" | "bin"
        );
        let (cap, cap_name) = if binary && !(is_xlsb && ext == "bin") {
            (lim.max_binary_entry_bytes, "max_binary_entry_bytes")
        } else {
            (lim.max_entry_bytes, "max_entry_bytes")
        };
        let what = format!("entry {name:?}");
        let mut sink = Budget {
            path,
            what: &what,
            cap,
            cap_name,
            total_before: total,
            total_cap: lim.max_total_bytes,
            seen: 0,
        };
        if is_xlsb && ext == "bin" && name.to_ascii_lowercase().contains("worksheets/") {
            // an XLSB sheet: BIFF12 records, placed as calamine places them
            scan_xlsb_sheet(&mut entry, &mut sink, lim).map_err(|e| e.into_error(path, &what))?;
        } else if binary
            || (is_xlsb && !ext.eq_ignore_ascii_case("xml") && !ext.eq_ignore_ascii_case("rels"))
        {
            // read through, counting: the byte caps are all that applies
            let mut buf = vec![0u8; 64 << 10];
            loop {
                let n = entry
                    .read(&mut buf)
                    .map_err(|e| corrupt(path, format!("{what}: {e}")))?;
                if n == 0 {
                    break;
                }
                sink.take(n)?;
            }
        } else {
            let ods_content = is_ods && name == "content.xml";
            let mut cells = if ods_content {
                Cells::Ods(OdsScan::default())
            } else if is_ods {
                Cells::None
            } else {
                Cells::Xlsx(XlsxScan::default())
            };
            scan_xml(&mut entry, &mut sink, lim, &mut |tag| cells.tag(tag, lim))
                .map_err(|e| e.into_error(path, &what))?;
            cells.finish(lim).map_err(|e| e.into_error(path, &what))?;
        }
        total += sink.seen;
    }
    Ok(())
}

struct Budget<'a> {
    path: &'a Path,
    what: &'a str,
    cap: u64,
    cap_name: &'static str,
    total_before: u64,
    total_cap: u64,
    seen: u64,
}

impl Budget<'_> {
    fn take(&mut self, n: usize) -> Result<()> {
        self.seen += n as u64;
        if self.seen > self.cap {
            return Err(limit(
                self.path,
                &format!("{}: decompressed size (at least)", self.what),
                self.seen,
                self.cap,
                self.cap_name,
            ));
        }
        if self.total_before + self.seen > self.total_cap {
            return Err(limit(
                self.path,
                "decompressed size of all entries (at least)",
                self.total_before + self.seen,
                self.total_cap,
                "max_total_bytes",
            ));
        }
        Ok(())
    }
}

/// What went wrong inside one entry, before the path and entry name are known.
enum ScanError {
    Limit {
        what: String,
        value: u64,
        max: u64,
        name: &'static str,
    },
    Corrupt(String),
    Outer(CalllistError),
}

impl ScanError {
    fn into_error(self, path: &Path, entry: &str) -> CalllistError {
        match self {
            ScanError::Limit {
                what,
                value,
                max,
                name,
            } => limit(path, &format!("{entry}: {what}"), value, max, name),
            ScanError::Corrupt(m) => corrupt(path, format!("{entry}: {m}")),
            ScanError::Outer(e) => e,
        }
    }
}

/// One XML tag as the scanner saw it: `name` without its namespace prefix, the raw bytes
/// between `<` and `>`.
struct Tag<'a> {
    raw: &'a [u8],
    closing: bool,
    self_closing: bool,
}

impl<'a> Tag<'a> {
    fn qname(&self) -> &'a [u8] {
        let s = if self.closing {
            &self.raw[1..]
        } else {
            self.raw
        };
        let end = s
            .iter()
            .position(|b| b.is_ascii_whitespace() || *b == b'/')
            .unwrap_or(s.len());
        &s[..end]
    }

    fn local_name(&self) -> &'a [u8] {
        let q = self.qname();
        match q.iter().rposition(|b| *b == b':') {
            Some(i) => &q[i + 1..],
            None => q,
        }
    }

    /// The raw value of attribute `key` (matched literally, as calamine matches it).
    fn attr(&self, key: &[u8]) -> Option<&'a [u8]> {
        let s = self.raw;
        let mut i = self.qname().len();
        loop {
            while i < s.len() && (s[i].is_ascii_whitespace() || s[i] == b'/') {
                i += 1;
            }
            if i >= s.len() {
                return None;
            }
            let k0 = i;
            while i < s.len() && s[i] != b'=' && !s[i].is_ascii_whitespace() {
                i += 1;
            }
            let k = &s[k0..i];
            while i < s.len() && s[i].is_ascii_whitespace() {
                i += 1;
            }
            if i >= s.len() || s[i] != b'=' {
                continue;
            }
            i += 1;
            while i < s.len() && s[i].is_ascii_whitespace() {
                i += 1;
            }
            if i >= s.len() {
                return None;
            }
            let q = s[i];
            if q != b'"' && q != b'\'' {
                return None;
            }
            let v0 = i + 1;
            let v1 = s[v0..].iter().position(|b| *b == q).map(|p| v0 + p)?;
            if k == key {
                return Some(&s[v0..v1]);
            }
            i = v1 + 1;
        }
    }
}

/// Streams `r` as XML, checking the run limit, handing every tag to `on_tag`.
fn scan_xml(
    r: &mut impl Read,
    budget: &mut Budget<'_>,
    lim: &SheetLimits,
    on_tag: &mut dyn FnMut(&Tag<'_>) -> std::result::Result<(), ScanError>,
) -> std::result::Result<(), ScanError> {
    let mut buf = vec![0u8; 64 << 10];
    let mut tag: Vec<u8> = Vec::with_capacity(256);
    let mut in_tag = false;
    let mut quote = 0u8;
    let mut run = 0u64;
    let run_err = |what: &str, v: u64| ScanError::Limit {
        what: what.to_string(),
        value: v,
        max: lim.max_xml_run,
        name: "max_xml_run",
    };
    loop {
        let n = r
            .read(&mut buf)
            .map_err(|e| ScanError::Corrupt(e.to_string()))?;
        if n == 0 {
            break;
        }
        budget.take(n).map_err(ScanError::Outer)?;
        for &b in &buf[..n] {
            if !in_tag {
                if b == b'<' {
                    in_tag = true;
                    tag.clear();
                    quote = 0;
                    run = 0;
                } else {
                    run += 1;
                    if run > lim.max_xml_run {
                        return Err(run_err("an XML text run, in bytes (at least):", run));
                    }
                }
                continue;
            }
            if tag.len() as u64 >= lim.max_xml_run {
                return Err(run_err(
                    "an XML tag, comment or CDATA section, in bytes (at least):",
                    tag.len() as u64 + 1,
                ));
            }
            let special = tag.first() == Some(&b'!');
            if quote != 0 {
                if b == quote {
                    quote = 0;
                }
                tag.push(b);
                continue;
            }
            if !special && (b == b'"' || b == b'\'') {
                quote = b;
                tag.push(b);
                continue;
            }
            if b == b'>' {
                if special
                    && ((tag.starts_with(b"!--") && !(tag.len() >= 5 && tag.ends_with(b"--")))
                        || (tag.starts_with(b"![CDATA[") && !tag.ends_with(b"]]")))
                {
                    tag.push(b);
                    continue;
                }
                in_tag = false;
                if special || tag.first() == Some(&b'?') {
                    continue;
                }
                let closing = tag.first() == Some(&b'/');
                let self_closing = tag.last() == Some(&b'/');
                on_tag(&Tag {
                    raw: &tag,
                    closing,
                    self_closing,
                })?;
                continue;
            }
            tag.push(b);
        }
    }
    Ok(())
}

/// The records of an XLSB sheet part (`calamine/src/xlsb`: a type of 1-2 varint bytes, a length
/// of 1-4): `BrtRowHdr` (0x0000) sets the row, every value cell record (0x0002-0x000B) starts
/// with its column; their bounding box is what calamine allocates.
fn scan_xlsb_sheet(
    r: &mut impl Read,
    budget: &mut Budget<'_>,
    lim: &SheetLimits,
) -> std::result::Result<(), ScanError> {
    let mut inp = std::io::BufReader::with_capacity(64 << 10, r);
    let mut counted = 0u64;
    let mut seen = 0u64;
    fn byte(inp: &mut impl Read, seen: &mut u64) -> std::result::Result<Option<u8>, ScanError> {
        let mut b = [0u8; 1];
        match inp.read(&mut b) {
            Ok(0) => Ok(None),
            Ok(_) => {
                *seen += 1;
                Ok(Some(b[0]))
            }
            Err(e) => Err(ScanError::Corrupt(e.to_string())),
        }
    }
    let mut row = 0u64;
    let mut cells = XlsxScan::default();
    loop {
        budget
            .take((seen - counted) as usize)
            .map_err(ScanError::Outer)?;
        counted = seen;
        let Some(b) = byte(&mut inp, &mut seen)? else {
            return Ok(());
        };
        let typ = if b & 0x80 != 0 {
            let Some(b2) = byte(&mut inp, &mut seen)? else {
                return Ok(());
            };
            (b & 0x7F) as u32 + (((b2 & 0x7F) as u32) << 7)
        } else {
            b as u32
        };
        let mut len = 0u64;
        for i in 0..4 {
            let Some(b) = byte(&mut inp, &mut seen)? else {
                return Ok(());
            };
            len += ((b & 0x7F) as u64) << (7 * i);
            if b & 0x80 == 0 {
                break;
            }
        }
        // the first 4 bytes (the row or the column), then the rest skipped, counted
        let want = len.min(4) as usize;
        let mut head = [0u8; 4];
        for slot in head.iter_mut().take(want) {
            match byte(&mut inp, &mut seen)? {
                Some(b) => *slot = b,
                None => return Ok(()),
            }
        }
        let rest = len - want as u64;
        let skipped = std::io::copy(&mut (&mut inp).take(rest), &mut std::io::sink())
            .map_err(|e| ScanError::Corrupt(e.to_string()))?;
        seen += skipped;
        if skipped < rest {
            budget
                .take((seen - counted) as usize)
                .map_err(ScanError::Outer)?;
            return Ok(());
        }
        let v = u32::from_le_bytes(head) as u64;
        match typ {
            0x0000 if want == 4 => {
                if v > 0x0010_0000 {
                    return Ok(()); // calamine stops reading the sheet here
                }
                row = v;
            }
            0x0002..=0x000B if want == 4 => {
                check_pos(row + 1, v.saturating_add(1), lim)?;
                cells.value_at((row + 1, v + 1), lim)?;
            }
            _ => {}
        }
    }
}

enum Cells {
    None,
    Xlsx(XlsxScan),
    Ods(OdsScan),
}

impl Cells {
    fn tag(&mut self, t: &Tag<'_>, lim: &SheetLimits) -> std::result::Result<(), ScanError> {
        match self {
            Cells::None => Ok(()),
            Cells::Xlsx(s) => s.tag(t, lim),
            Cells::Ods(s) => s.tag(t, lim),
        }
    }

    fn finish(&self, lim: &SheetLimits) -> std::result::Result<(), ScanError> {
        match self {
            Cells::None => Ok(()),
            Cells::Xlsx(s) => s.finish(lim),
            Cells::Ods(s) => s.finish(lim),
        }
    }
}

/// An A1-style cell reference -> 1-based (row, column), refusing what passes the limits.
fn cell_ref(r: &[u8], lim: &SheetLimits) -> std::result::Result<(u64, u64), ScanError> {
    let letters = r.iter().take_while(|b| b.is_ascii_alphabetic()).count();
    let digits = &r[letters..];
    if letters == 0 || digits.is_empty() || !digits.iter().all(u8::is_ascii_digit) {
        return Err(ScanError::Corrupt(format!(
            "cell reference {:?} is not of the form A1",
            String::from_utf8_lossy(&r[..r.len().min(40)])
        )));
    }
    let mut col = 0u64;
    for b in &r[..letters] {
        col = col
            .saturating_mul(26)
            .saturating_add((b.to_ascii_uppercase() - b'A') as u64 + 1);
    }
    let mut row = 0u64;
    for b in digits {
        row = row.saturating_mul(10).saturating_add((b - b'0') as u64);
    }
    if row == 0 {
        return Err(ScanError::Corrupt(format!(
            "cell reference {:?} has row 0",
            String::from_utf8_lossy(r)
        )));
    }
    check_pos(row, col, lim)?;
    Ok((row, col))
}

fn check_pos(row: u64, col: u64, lim: &SheetLimits) -> std::result::Result<(), ScanError> {
    if row > lim.max_rows {
        return Err(ScanError::Limit {
            what: "row".into(),
            value: row,
            max: lim.max_rows,
            name: "max_rows",
        });
    }
    if col > lim.max_columns {
        return Err(ScanError::Limit {
            what: "column".into(),
            value: col,
            max: lim.max_columns,
            name: "max_columns",
        });
    }
    Ok(())
}

fn check_cells(what: &str, n: u64, lim: &SheetLimits) -> std::result::Result<(), ScanError> {
    if n > lim.max_cells {
        return Err(ScanError::Limit {
            what: what.into(),
            value: n,
            max: lim.max_cells,
            name: "max_cells",
        });
    }
    Ok(())
}

#[derive(Default)]
struct XlsxScan {
    row: u64,
    col: u64,
    in_cell: bool,
    cell_pos: (u64, u64),
    has_value: bool,
    cells: u64,
    bbox: Option<(u64, u64, u64, u64)>,
    shared_strings: u64,
}

impl XlsxScan {
    fn tag(&mut self, t: &Tag<'_>, lim: &SheetLimits) -> std::result::Result<(), ScanError> {
        let name = t.local_name();
        if t.closing {
            if name == b"c" && self.in_cell {
                self.in_cell = false;
                if self.has_value {
                    self.value_at(self.cell_pos, lim)?;
                }
            }
            return Ok(());
        }
        match name {
            b"row" => {
                self.row = match t.attr(b"r") {
                    Some(r) => {
                        let mut v = 0u64;
                        for b in r {
                            if !b.is_ascii_digit() {
                                return Err(ScanError::Corrupt(format!(
                                    "row number {:?} is not a number",
                                    String::from_utf8_lossy(&r[..r.len().min(40)])
                                )));
                            }
                            v = v.saturating_mul(10).saturating_add((b - b'0') as u64);
                        }
                        v
                    }
                    None => self.row + 1,
                };
                check_pos(self.row, 1, lim)?;
                self.col = 0;
            }
            b"c" => {
                let pos = match t.attr(b"r") {
                    Some(r) => cell_ref(r, lim)?,
                    None => (self.row.max(1), self.col + 1),
                };
                check_pos(pos.0, pos.1, lim)?;
                self.row = self.row.max(pos.0);
                self.col = pos.1;
                self.cell_pos = pos;
                self.in_cell = !t.self_closing;
                self.has_value = false;
            }
            b"v" | b"is" if self.in_cell => self.has_value = true,
            b"si" => {
                // calamine keeps every shared string (24 bytes each before its text): 1 GiB
                // of `<si><t/></si>` would be 80 million of them
                self.shared_strings += 1;
                check_cells("shared strings:", self.shared_strings, lim)?;
            }
            _ => {}
        }
        Ok(())
    }

    fn value_at(
        &mut self,
        (r, c): (u64, u64),
        lim: &SheetLimits,
    ) -> std::result::Result<(), ScanError> {
        self.cells += 1;
        check_cells("cells with a value:", self.cells, lim)?;
        let b = self.bbox.get_or_insert((r, r, c, c));
        b.0 = b.0.min(r);
        b.1 = b.1.max(r);
        b.2 = b.2.min(c);
        b.3 = b.3.max(c);
        let area = (b.1 - b.0 + 1) * (b.3 - b.2 + 1);
        check_cells(
            "the sheet's used range in cells (rows x columns between its first and last values):",
            area,
            lim,
        )
    }

    fn finish(&self, _lim: &SheetLimits) -> std::result::Result<(), ScanError> {
        Ok(())
    }
}

#[derive(Default)]
struct OdsScan {
    /// open `table:table` elements
    tables_open: u64,
    tables_seen: u64,
    /// rows of the current table so far (repeats expanded)
    rows: u64,
    in_row: bool,
    row_repeat: u64,
    /// width of the current row so far, and up to its last non-empty cell
    row_width: u64,
    row_last_value: u64,
    /// the current cell: its repeat count, whether it holds anything
    in_cell: bool,
    cell_repeat: u64,
    cell_has_value: bool,
    /// cells calamine stores before building its grid (each row up to its last value)
    stored: u64,
    first_value_row: Option<u64>,
    last_value_row: u64,
    max_width: u64,
}

impl OdsScan {
    fn repeat(
        t: &Tag<'_>,
        key: &[u8],
        max: u64,
        name: &'static str,
    ) -> std::result::Result<u64, ScanError> {
        let Some(v) = t.attr(key) else { return Ok(1) };
        let key_s = String::from_utf8_lossy(key);
        if v.is_empty() || v.len() > 20 || !v.iter().all(u8::is_ascii_digit) {
            return Err(ScanError::Corrupt(format!(
                "{key_s}={:?} is not a positive number",
                String::from_utf8_lossy(&v[..v.len().min(40)])
            )));
        }
        let n: u64 = std::str::from_utf8(v).unwrap().parse().unwrap_or(u64::MAX);
        if n == 0 {
            // calamine drops such a row without a word (the rows vanish) or misplaces the rest
            return Err(ScanError::Corrupt(format!(
                "{key_s}=\"0\": a repeat count must be at least 1"
            )));
        }
        if n > max {
            return Err(ScanError::Limit {
                what: key_s.into_owned(),
                value: n,
                max,
                name,
            });
        }
        Ok(n)
    }

    fn end_cell(&mut self, lim: &SheetLimits) -> std::result::Result<(), ScanError> {
        self.in_cell = false;
        self.row_width = self.row_width.saturating_add(self.cell_repeat);
        check_pos(1, self.row_width, lim)?;
        if self.cell_has_value {
            self.row_last_value = self.row_width;
        }
        Ok(())
    }

    fn end_row(&mut self, lim: &SheetLimits) -> std::result::Result<(), ScanError> {
        self.in_row = false;
        let first = self.rows + 1;
        self.rows = self.rows.saturating_add(self.row_repeat);
        if self.row_last_value > 0 {
            self.stored = self.stored.saturating_add(self.row_last_value);
            check_cells(
                "cells stored for the sheet (repeats expanded):",
                self.stored,
                lim,
            )?;
            self.first_value_row.get_or_insert(first);
            self.last_value_row = self.rows.min(lim.max_rows);
            self.max_width = self.max_width.max(self.row_last_value);
            let area = (self.last_value_row + 1 - self.first_value_row.unwrap_or(first))
                .saturating_mul(self.max_width);
            check_cells("the sheet's grid in cells (repeats expanded):", area, lim)?;
        }
        Ok(())
    }

    fn tag(&mut self, t: &Tag<'_>, lim: &SheetLimits) -> std::result::Result<(), ScanError> {
        let q = t.qname();
        if t.closing {
            match q {
                b"table:table" => {
                    self.tables_open = self.tables_open.saturating_sub(1);
                }
                b"table:table-row" if self.in_row => {
                    if self.in_cell {
                        self.end_cell(lim)?;
                    }
                    self.end_row(lim)?;
                }
                b"table:table-cell" | b"table:covered-table-cell" if self.in_cell => {
                    self.end_cell(lim)?
                }
                _ => {}
            }
            return Ok(());
        }
        match q {
            b"table:table" if !t.self_closing => {
                self.tables_open += 1;
                self.tables_seen += 1;
                self.rows = 0;
                self.stored = 0;
                self.first_value_row = None;
                self.last_value_row = 0;
                self.max_width = 0;
            }
            b"table:table-row" => {
                self.row_repeat =
                    Self::repeat(t, b"table:number-rows-repeated", lim.max_rows, "max_rows")?;
                self.row_width = 0;
                self.row_last_value = 0;
                self.in_row = true;
                if t.self_closing {
                    self.end_row(lim)?;
                }
            }
            b"table:table-cell" | b"table:covered-table-cell" if self.in_row => {
                self.cell_repeat = Self::repeat(
                    t,
                    b"table:number-columns-repeated",
                    lim.max_columns,
                    "max_columns",
                )?;
                self.cell_has_value = t.attr(b"office:value-type").is_some();
                self.in_cell = true;
                if t.self_closing {
                    self.end_cell(lim)?;
                }
            }
            _ if self.in_cell => {
                // any element inside a cell (text:p, ...) may carry a value
                self.cell_has_value = true;
            }
            _ => {}
        }
        Ok(())
    }

    fn finish(&self, _lim: &SheetLimits) -> std::result::Result<(), ScanError> {
        if self.tables_open > 0 {
            // calamine reads a table until its end tag and never stops at the end of the file
            return Err(ScanError::Corrupt(
                "a table:table element is never closed (a corrupt or truncated file)".into(),
            ));
        }
        Ok(())
    }
}

/// The OLE compound file and BIFF checks of XLS input, mirroring the steps calamine takes
/// (`calamine/src/cfb.rs`, `xls.rs`) so that each of them is known to end and to stay small.
mod xls {
    use super::{check_cells, check_pos, ScanError, SheetLimits};

    const ENDOFCHAIN: u32 = 0xFFFF_FFFE;
    const RESERVED_SECTORS: u32 = 0xFFFF_FFFA;
    const DIFSECT: u32 = 0xFFFF_FFFC;

    fn u16_at(b: &[u8], at: usize) -> u16 {
        b.get(at..at + 2)
            .map_or(0, |s| u16::from_le_bytes([s[0], s[1]]))
    }

    fn u32_at(b: &[u8], at: usize) -> u32 {
        b.get(at..at + 4)
            .map_or(0, |s| u32::from_le_bytes([s[0], s[1], s[2], s[3]]))
    }

    fn corrupt(m: String) -> ScanError {
        ScanError::Corrupt(m)
    }

    struct Cfb<'a> {
        body: &'a [u8],
        size: usize,
        /// calamine's bound on sector ids (`file length / sector size`)
        maxid: u32,
    }

    impl<'a> Cfb<'a> {
        /// Sector `id`, short or empty at the end of the file (as calamine reads it).
        fn sector(&self, id: u32) -> &'a [u8] {
            let s = (id as usize).saturating_mul(self.size);
            let e = s.saturating_add(self.size).min(self.body.len());
            self.body.get(s..e).unwrap_or(&[])
        }

        /// [`Self::sector`] for a sector a chain or table uses: one that starts past the end
        /// of the data made calamine slice backwards and panic (found by fuzzing).
        fn used(&self, id: u32) -> Result<&'a [u8], ScanError> {
            if (id as usize).saturating_mul(self.size) > self.body.len() {
                return Err(corrupt(format!(
                    "sector {id} lies past the end of the file"
                )));
            }
            Ok(self.sector(id))
        }

        /// The sector ids of the chain from `start`, stopping once `len` bytes are covered; a
        /// chain that comes back to a sector (calamine would loop forever) is refused.
        fn chain(
            &self,
            start: u32,
            fats: &[u32],
            len: u64,
            what: &str,
        ) -> Result<Vec<u32>, ScanError> {
            let mut ids = Vec::new();
            let mut seen = vec![false; self.maxid as usize + 1];
            let mut id = start;
            let mut covered = 0u64;
            while id != ENDOFCHAIN {
                if id > self.maxid {
                    // calamine stops with an error of its own here
                    return Ok(ids);
                }
                if std::mem::replace(&mut seen[id as usize], true) {
                    return Err(corrupt(format!(
                        "the {what} sector chain loops (sector {id} again)"
                    )));
                }
                ids.push(id);
                covered += self.used(id)?.len() as u64;
                if covered >= len {
                    break;
                }
                id = *fats.get(id as usize).ok_or_else(|| {
                    corrupt(format!(
                        "the {what} sector chain leaves the allocation table at sector {id}"
                    ))
                })?;
            }
            Ok(ids)
        }

        fn read(&self, ids: &[u32], len: u64) -> Vec<u8> {
            let mut out = Vec::new();
            for &id in ids {
                out.extend_from_slice(self.sector(id));
                if out.len() as u64 >= len {
                    break;
                }
            }
            out.truncate(len.min(out.len() as u64) as usize);
            out
        }
    }

    fn u32s(b: &[u8]) -> impl Iterator<Item = u32> + '_ {
        b.chunks_exact(4)
            .map(|c| u32::from_le_bytes([c[0], c[1], c[2], c[3]]))
    }

    pub(super) fn check(data: &[u8], lim: &SheetLimits) -> Result<(), ScanError> {
        if data.len() < 512 || data[..8] != [0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1] {
            return Ok(()); // calamine refuses it
        }
        let size = match u16_at(data, 30) {
            9 => 512usize,
            12 => 4096,
            _ => return Ok(()),
        };
        if data.len() < size {
            return Ok(());
        }
        if (data.len() - size) % 4 != 0 {
            // calamine reads allocation-table sectors as u32s and asserts whole ones: a file cut
            // inside one made it panic (found by fuzzing)
            return Err(corrupt(format!(
                "a compound file of {} bytes is cut short: its sectors do not end on a 4-byte boundary",
                data.len()
            )));
        }
        let cfb = Cfb {
            body: &data[size..],
            size,
            maxid: (data.len() / size) as u32,
        };
        let sectors = cfb.maxid as u64 + 1;
        // calamine sizes vectors from these header counts before reading anything
        let fat_len = u32_at(data, 44) as u64;
        if fat_len > sectors {
            return Err(corrupt(format!(
                "the header declares {fat_len} FAT sectors; the file has {sectors}"
            )));
        }
        // calamine reserves its DIFAT from bytes 62..66 (the header's DIFAT count is at 72;
        // 62..66 straddle the mini FAT's start and length, so an ordinary file reads 65,535
        // there): refuse what would reserve more than 64 MiB
        let difat_cap = u32_at(data, 62) as u64;
        if difat_cap > 1 << 24 {
            return Err(corrupt(format!(
                "header bytes 62..66 read {difat_cap}, which calamine would reserve as DIFAT entries (at most {} taken)",
                1u64 << 24
            )));
        }
        let mini_fat_len = u32_at(data, 64) as u64;
        if mini_fat_len > sectors {
            return Err(corrupt(format!(
                "the header declares {mini_fat_len} mini FAT sectors; the file has {sectors}"
            )));
        }
        // the DIFAT: 109 entries in the header, then a chain of sectors whose last entry links on
        let mut difat: Vec<u32> = u32s(&data[76..512]).collect();
        let mut id = u32_at(data, 68);
        let mut steps = 0u64;
        while id < RESERVED_SECTORS {
            steps += 1;
            if steps > sectors || id > cfb.maxid {
                if id > cfb.maxid {
                    return Ok(()); // calamine stops with an error
                }
                return Err(corrupt("the DIFAT sector chain loops".into()));
            }
            difat.extend(u32s(cfb.used(id)?));
            id = difat
                .pop()
                .ok_or_else(|| corrupt("the DIFAT sector chain runs out of entries".into()))?;
        }
        let mut fats = Vec::new();
        for id in difat.into_iter().filter(|id| *id < DIFSECT) {
            if id > cfb.maxid {
                return Ok(());
            }
            fats.extend(u32s(cfb.used(id)?));
        }
        let file_len = data.len() as u64;
        let dir_ids = cfb.chain(u32_at(data, 48), &fats, u64::MAX, "directory")?;
        let dirs = cfb.read(&dir_ids, u64::MAX);
        if dirs.len() % 128 != 0 {
            // calamine cuts the directory into 128-byte entries and indexes each: a short last
            // one made it panic (found by fuzzing)
            return Err(corrupt(format!(
                "the directory ({} bytes) is cut inside an entry of 128 bytes",
                dirs.len()
            )));
        }
        let entries: Vec<(String, u32, u64)> = dirs
            .chunks(128)
            .filter(|c| c.len() == 128)
            .map(|c| {
                let units: Vec<u16> = c[..64]
                    .chunks_exact(2)
                    .map(|p| u16::from_le_bytes([p[0], p[1]]))
                    .collect();
                let mut name = String::from_utf16_lossy(&units);
                if let Some(l) = name.find('\0') {
                    name.truncate(l);
                }
                let len = if size == 512 {
                    u32_at(c, 120) as u64
                } else {
                    u32_at(c, 120) as u64 | (u32_at(c, 124) as u64) << 32
                };
                (name, u32_at(c, 116), len)
            })
            .collect();
        let Some(root) = entries.first() else {
            return Ok(());
        };
        let (mini_fats, ministream) = if mini_fat_len > 0 {
            if root.2 > file_len {
                return Err(corrupt(format!(
                    "the mini stream declares {} bytes; the file has {file_len}",
                    root.2
                )));
            }
            let ms = cfb.read(&cfb.chain(root.1, &fats, root.2, "mini stream")?, root.2);
            let mf_len = mini_fat_len * size as u64;
            let mf = cfb.read(
                &cfb.chain(u32_at(data, 60), &fats, mf_len, "mini FAT")?,
                mf_len,
            );
            (u32s(&mf).collect::<Vec<u32>>(), ms)
        } else {
            (Vec::new(), Vec::new())
        };
        let Some(wb) = ["Workbook", "Book", "WORKBOOK", "BOOK"]
            .iter()
            .find_map(|n| entries.iter().find(|e| e.0 == *n))
        else {
            return Ok(());
        };
        if wb.2 > file_len {
            return Err(corrupt(format!(
                "the workbook stream declares {} bytes; the file has {file_len}",
                wb.2
            )));
        }
        let stream = if wb.2 < 4096 {
            let mini = Cfb {
                body: &ministream,
                size: 64,
                maxid: (cfb.maxid as usize * 8) as u32,
            };
            mini.read(
                &mini.chain(wb.1, &mini_fats, wb.2, "workbook (mini)")?,
                wb.2,
            )
        } else {
            cfb.read(&cfb.chain(wb.1, &fats, wb.2, "workbook")?, wb.2)
        };
        check_biff(&stream, lim)
    }

    /// Records as calamine's `RecordIter` walks them (a `Continue` is a record of its own here;
    /// no cell record is one).
    fn records(mut s: &[u8]) -> impl Iterator<Item = (u16, &[u8])> {
        std::iter::from_fn(move || {
            if s.len() < 4 {
                return None;
            }
            let t = u16_at(s, 0);
            let len = u16_at(s, 2) as usize;
            if s.len() < len + 4 {
                return None;
            }
            let d = &s[4..4 + len];
            s = &s[4 + len..];
            Some((t, d))
        })
    }

    fn check_biff(stream: &[u8], lim: &SheetLimits) -> Result<(), ScanError> {
        let mut sheets = Vec::new();
        for (t, d) in records(stream) {
            match t {
                0x0085 if d.len() >= 4 => sheets.push(u32_at(d, 0) as usize),
                0x000A => break,
                _ => {}
            }
        }
        for pos in sheets {
            if pos > stream.len() {
                return Err(corrupt(format!(
                    "a sheet starts at byte {pos}, past the workbook stream's end ({})",
                    stream.len()
                )));
            }
            let mut bbox: Option<(u64, u64, u64, u64)> = None;
            let mut add = |r: u64, c0: u64, c1: u64| -> Result<(), ScanError> {
                check_pos(r + 1, c1 + 1, lim)?;
                let b = bbox.get_or_insert((r, r, c0, c1));
                b.0 = b.0.min(r);
                b.1 = b.1.max(r);
                b.2 = b.2.min(c0);
                b.3 = b.3.max(c1);
                check_cells(
                    "the sheet's used range in cells:",
                    (b.1 - b.0 + 1) * (b.3 - b.2 + 1),
                    lim,
                )
            };
            for (t, d) in records(&stream[pos..]) {
                match t {
                    0x0200 => {
                        let (rf, rl, mut cf, cl) = match d.len() {
                            10 => (
                                u16_at(d, 0) as u64,
                                u16_at(d, 2) as u64,
                                u16_at(d, 4) as u64,
                                u16_at(d, 6) as u64,
                            ),
                            14 => (
                                u32_at(d, 0) as u64,
                                u32_at(d, 4) as u64,
                                u16_at(d, 8) as u64,
                                u16_at(d, 10) as u64,
                            ),
                            _ => continue,
                        };
                        if cf > 0xFF || cl < cf {
                            cf = 0;
                        }
                        if rl >= 1 && cl >= 1 {
                            if rl - 1 < rf || cl - 1 < cf {
                                return Err(corrupt(format!(
                                    "a Dimensions record ends (row {rl}, column {cl}) before it starts (row {rf}, column {cf})"
                                )));
                            }
                            check_cells(
                                "the Dimensions record in cells:",
                                (rl - rf).saturating_mul(cl - cf),
                                lim,
                            )?;
                        }
                    }
                    0x0203 | 0x0204 | 0x0205 | 0x027E | 0x00FD | 0x0006 if d.len() >= 4 => {
                        let (r, c) = (u16_at(d, 0) as u64, u16_at(d, 2) as u64);
                        add(r, c, c)?;
                    }
                    0x00BD if d.len() >= 6 => {
                        let (r, c0, c1) = (
                            u16_at(d, 0) as u64,
                            u16_at(d, 2) as u64,
                            u16_at(d, d.len() - 2) as u64,
                        );
                        if c1 < c0 {
                            return Err(corrupt(format!(
                                "a MulRk record's last column {c1} is before its first {c0}"
                            )));
                        }
                        add(r, c0, c1)?;
                    }
                    0x000A => break,
                    _ => {}
                }
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    const SHEET_HEAD: &str = r#"<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>"#;
    const SHEET_TAIL: &str = "</sheetData></worksheet>";

    fn zip_file(name: &str, entries: &[(&str, &[u8])]) -> std::path::PathBuf {
        let dir = std::env::temp_dir().join(format!("cc-sheet-guard-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let p = dir.join(name);
        let mut z = zip::ZipWriter::new(std::fs::File::create(&p).unwrap());
        let opts = zip::write::SimpleFileOptions::default()
            .compression_method(zip::CompressionMethod::Deflated)
            .large_file(true);
        for (n, data) in entries {
            z.start_file(*n, opts).unwrap();
            z.write_all(data).unwrap();
        }
        z.finish().unwrap();
        p
    }

    fn xlsx(name: &str, sheet: &str) -> std::path::PathBuf {
        zip_file(
            name,
            &[
                ("xl/workbook.xml", b"<workbook/>"),
                (
                    "xl/worksheets/sheet1.xml",
                    format!("{SHEET_HEAD}{sheet}{SHEET_TAIL}").as_bytes(),
                ),
            ],
        )
    }

    fn ods(name: &str, table: &str) -> std::path::PathBuf {
        let content = format!(
            r#"<?xml version="1.0"?><office:document-content xmlns:office="o" xmlns:table="t" xmlns:text="x"><office:body><office:spreadsheet>{table}</office:spreadsheet></office:body></office:document-content>"#
        );
        zip_file(
            name,
            &[
                (
                    "mimetype",
                    b"application/vnd.oasis.opendocument.spreadsheet",
                ),
                ("content.xml", content.as_bytes()),
            ],
        )
    }

    fn limit_name(r: Result<()>) -> &'static str {
        match r {
            Err(CalllistError::Limit { limit, .. }) => limit,
            other => panic!("expected a limit error, got {other:?}"),
        }
    }

    #[test]
    fn far_apart_cells_are_refused_before_calamine_allocates() {
        let p = xlsx(
            "far.xlsx",
            r#"<row r="1"><c r="A1"><v>1</v></c></row><row r="1048576"><c r="XFD1048576"><v>1</v></c></row>"#,
        );
        let e = check(&p).unwrap_err();
        assert!(
            matches!(
                e,
                CalllistError::Limit {
                    limit: "max_cells",
                    ..
                }
            ),
            "{e}"
        );
        let msg = e.to_string();
        assert!(
            msg.contains("far.xlsx") && msg.contains("16777216") && msg.contains("sheet1.xml"),
            "{msg}"
        );
        // the same cells close together are fine, and so is an empty styled cell far away
        let ok = xlsx(
            "near.xlsx",
            r#"<row r="1"><c r="A1"><v>1</v></c><c r="B2" t="s"><v>0</v></c><c r="XFD1048576" s="1"/></row>"#,
        );
        check(&ok).unwrap();
        // past Excel's grid, and wrapping references
        assert_eq!(
            limit_name(check(&xlsx(
                "col.xlsx",
                r#"<row><c r="XFE1"><v>1</v></c></row>"#
            ))),
            "max_columns"
        );
        assert_eq!(
            limit_name(check(&xlsx(
                "row.xlsx",
                r#"<row><c r="A1048577"><v>1</v></c></row>"#
            ))),
            "max_rows"
        );
        assert_eq!(
            limit_name(check(&xlsx(
                "wrap.xlsx",
                r#"<row><c r="AAAAAAAAAAAAAAAA1"><v>1</v></c></row>"#
            ))),
            "max_columns"
        );
        assert_eq!(
            limit_name(check(&xlsx(
                "wrapr.xlsx",
                r#"<row><c r="A99999999999999999999999"><v>1</v></c></row>"#
            ))),
            "max_rows"
        );
        assert!(matches!(
            check(&xlsx("r0.xlsx", r#"<row><c r="A0"><v>1</v></c></row>"#)),
            Err(CalllistError::Csv { .. })
        ));
    }

    #[test]
    fn xlsb_sheet_records_are_placed_and_bounded() {
        fn rec(typ: u8, payload: &[u8]) -> Vec<u8> {
            let mut v = vec![typ, payload.len() as u8];
            v.extend_from_slice(payload);
            v
        }
        let row = |r: u32| rec(0x00, &[&r.to_le_bytes()[..], &[0u8; 8]].concat());
        let real = |c: u32| {
            rec(
                0x05,
                &[&c.to_le_bytes()[..], &[0u8; 4], &1.0f64.to_le_bytes()].concat(),
            )
        };
        let sheet = |cells: &[(u32, u32)]| -> Vec<u8> {
            cells
                .iter()
                .flat_map(|&(r, c)| [row(r), real(c)].concat())
                .collect()
        };
        let book = |name: &str, s: &[u8]| {
            zip_file(
                name,
                &[
                    ("xl/workbook.bin", b"\x83\x01\x00"),
                    ("xl/worksheets/sheet1.bin", s),
                ],
            )
        };
        check(&book("ok.xlsb", &sheet(&[(0, 0), (5, 3)]))).unwrap();
        assert_eq!(
            limit_name(check(&book(
                "far.xlsb",
                &sheet(&[(0, 0), (1_048_575, 16_383)])
            ))),
            "max_cells"
        );
        assert_eq!(
            limit_name(check(&book("col.xlsb", &sheet(&[(0, 70_000)])))),
            "max_columns"
        );
        // calamine stops a sheet at a row past 0x100000: nothing after it is read
        check(&book(
            "stop.xlsb",
            &sheet(&[(0, 0), (0x0010_0001, 0), (1_048_575, 16_383)]),
        ))
        .unwrap();
    }

    #[test]
    fn a_zip_behind_a_prefix_is_checked_too() {
        // found by fuzzing: the zip crate (and so calamine) finds a zip by its end, so bytes
        // before it must not let the file pass unchecked
        let p = xlsx(
            "prefixed.xlsx",
            r#"<row r="1"><c r="A1"><v>1</v></c></row><row r="1048576"><c r="XFD1048576"><v>1</v></c></row>"#,
        );
        let mut data = b"PK\xf6\xf6\xf6 junk".to_vec();
        data.extend(std::fs::read(&p).unwrap());
        std::fs::write(&p, &data).unwrap();
        assert_eq!(limit_name(check(&p)), "max_cells");
    }

    #[test]
    fn cells_without_references_are_placed_as_calamine_places_them() {
        let lim = SheetLimits {
            max_cells: 6,
            ..LIMITS
        };
        let p = xlsx(
            "seq.xlsx",
            r#"<row><c><v>1</v></c><c><v>1</v></c><c><v>1</v></c></row><row><c><v>1</v></c></row><row><c><v>1</v></c></row>"#,
        );
        // 3 columns x 3 rows = 9 > 6
        assert_eq!(limit_name(check_with(&p, &lim)), "max_cells");
        check_with(
            &p,
            &SheetLimits {
                max_cells: 9,
                ..LIMITS
            },
        )
        .unwrap();
    }

    #[test]
    fn long_text_runs_and_tags_are_refused() {
        let lim = SheetLimits {
            max_xml_run: 1000,
            ..LIMITS
        };
        let ws = " ".repeat(1001);
        assert_eq!(
            limit_name(check_with(&xlsx("ws.xlsx", &ws), &lim)),
            "max_xml_run"
        );
        let tag = format!("<row{ws}>");
        assert_eq!(
            limit_name(check_with(&xlsx("tag.xlsx", &tag), &lim)),
            "max_xml_run"
        );
        let comment = format!("<!--{ws}-->");
        assert_eq!(
            limit_name(check_with(&xlsx("com.xlsx", &comment), &lim)),
            "max_xml_run"
        );
        check_with(&xlsx("fine.xlsx", &" ".repeat(999)), &lim).unwrap();
        // quotes may hold '>' and comments may hold quotes
        check_with(
            &xlsx("q.xlsx", r#"<row x="a>b"><!-- it's " --></row>"#),
            &lim,
        )
        .unwrap();
    }

    #[test]
    fn shared_strings_are_counted() {
        let lim = SheetLimits {
            max_cells: 3,
            ..LIMITS
        };
        let sst = |n: usize| "<sst>".to_string() + &"<si><t/></si>".repeat(n) + "</sst>";
        let book = |name: &str, n: usize| {
            zip_file(
                name,
                &[
                    ("xl/workbook.xml", b"<workbook/>"),
                    ("xl/sharedStrings.xml", sst(n).as_bytes()),
                ],
            )
        };
        check_with(&book("sst3.xlsx", 3), &lim).unwrap();
        assert_eq!(
            limit_name(check_with(&book("sst4.xlsx", 4), &lim)),
            "max_cells"
        );
    }

    #[test]
    fn byte_budgets() {
        let p = xlsx("big.xlsx", &" ".repeat(4000));
        let lim = SheetLimits {
            max_entry_bytes: 3000,
            ..LIMITS
        };
        assert_eq!(limit_name(check_with(&p, &lim)), "max_entry_bytes");
        let lim = SheetLimits {
            max_total_bytes: 3000,
            ..LIMITS
        };
        assert_eq!(limit_name(check_with(&p, &lim)), "max_total_bytes");
        let img = vec![7u8; 5000];
        let p = zip_file(
            "img.xlsx",
            &[
                ("xl/workbook.xml", b"<workbook/>"),
                ("xl/media/a.png", &img),
            ],
        );
        let lim = SheetLimits {
            max_binary_entry_bytes: 4096,
            ..LIMITS
        };
        assert_eq!(limit_name(check_with(&p, &lim)), "max_binary_entry_bytes");
        let many: Vec<(String, Vec<u8>)> = (0..12)
            .map(|i| (format!("x{i}.xml"), b"<a/>".to_vec()))
            .collect();
        let refs: Vec<(&str, &[u8])> = many
            .iter()
            .map(|(n, d)| (n.as_str(), d.as_slice()))
            .collect();
        let p = zip_file("many.xlsx", &refs);
        assert_eq!(
            limit_name(check_with(
                &p,
                &SheetLimits {
                    max_entries: 10,
                    ..LIMITS
                }
            )),
            "max_entries"
        );
    }

    #[test]
    fn ods_repeat_counts_and_unclosed_tables() {
        let row = |v: &str, extra: &str| {
            format!(
                r#"<table:table-row{extra}><table:table-cell office:value-type="string"><text:p>{v}</text:p></table:table-cell></table:table-row>"#
            )
        };
        let good = format!(
            r#"<table:table table:name="S">{}{}</table:table>"#,
            row("phone", ""),
            row("13800138000", "")
        );
        check(&ods("ok.ods", &good)).unwrap();
        let zero = good.replace(
            "<table:table-row>",
            r#"<table:table-row table:number-rows-repeated="0">"#,
        );
        let e = check(&ods("zero.ods", &zero)).unwrap_err().to_string();
        assert!(e.contains("zero.ods") && e.contains("at least 1"), "{e}");
        let huge = good.replace(
            "<table:table-row>",
            r#"<table:table-row table:number-rows-repeated="99999999999">"#,
        );
        assert_eq!(limit_name(check(&ods("huge.ods", &huge))), "max_rows");
        let e = check(&ods(
            "open.ods",
            &good.replace("</table:table>", "</table:tablX>"),
        ))
        .unwrap_err()
        .to_string();
        assert!(e.contains("never closed"), "{e}");
        // trailing empty rows as LibreOffice writes them are fine
        let trailing = good.replace(
            "</table:table>",
            r#"<table:table-row table:number-rows-repeated="1048574"><table:table-cell table:number-columns-repeated="16384"/></table:table-row></table:table>"#,
        );
        check(&ods("trail.ods", &trailing)).unwrap();
        // a value repeated over the whole grid is not
        let wide = format!(
            r#"<table:table>{}</table:table>"#,
            r#"<table:table-row table:number-rows-repeated="1048576"><table:table-cell table:number-columns-repeated="16384" office:value-type="float" office:value="1"/></table:table-row>"#
        );
        assert_eq!(limit_name(check(&ods("wide.ods", &wide))), "max_cells");
    }

    #[test]
    fn real_workbooks_pass() {
        let dir = std::env::temp_dir().join(format!("cc-sheet-guard-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let p = dir.join("real.xlsx");
        let mut wb = rust_xlsxwriter::Workbook::new();
        let ws = wb.add_worksheet();
        ws.write_string(0, 0, "phone").unwrap();
        for r in 1..2000u32 {
            ws.write_number(r, 0, 13800000000.0 + r as f64).unwrap();
            ws.write_string(r, 1, "张三").unwrap();
        }
        wb.save(&p).unwrap();
        check(&p).unwrap();
    }
}
