//! Spreadsheets: reading call lists from XLSX/XLSM/XLS/ODS (calamine), and writing the Huawei
//! CEC server-import workbook of 7.4.8 (`shared/notes/outbound.md` §7.1) with the minimal writer
//! of [`super::xlsx_write`].
//!
//! Spreadsheet input is read a sheet at a time (calamine holds the sheet in memory; a sheet has
//! at most 1,048,576 rows). Numeric cells that hold phone numbers (Excel turns `13800138000`
//! into a number) are written back as integer digits, never in scientific notation.

use std::path::{Path, PathBuf};

use super::xlsx_write::SheetWriter;
use super::{io_err, CalllistError, Result};
use crate::fsutil::AtomicFile;
use calamine::{open_workbook_auto, Data, Reader};

/// True for file names calamine reads (by extension).
pub fn is_spreadsheet(path: &Path) -> bool {
    matches!(
        path.extension()
            .and_then(|e| e.to_str())
            .map(|e| e.to_ascii_lowercase())
            .as_deref(),
        Some("xlsx" | "xlsm" | "xlsb" | "xls" | "ods")
    )
}

fn cell_text(c: &Data, out: &mut String) {
    use std::fmt::Write;
    out.clear();
    match c {
        Data::Empty => {}
        Data::String(s) | Data::DateTimeIso(s) | Data::DurationIso(s) => out.push_str(s),
        Data::Int(i) => {
            let _ = write!(out, "{i}");
        }
        Data::Float(f) => crate::digits::float_text(*f, out),
        Data::Bool(b) => out.push_str(if *b { "TRUE" } else { "FALSE" }),
        Data::DateTime(d) => {
            let _ = write!(out, "{}", d.as_f64());
        }
        Data::Error(e) => {
            let _ = write!(out, "#{e:?}");
        }
    }
}

/// All rows of a sheet (the first one unless named) as records of text cells, each as wide as
/// the sheet's used range. Interior empty rows are kept (they are rows a user sees); rows above
/// the used range are not returned (`read_rows_at` says how many there are).
pub fn read_rows(path: &Path, sheet: Option<&str>) -> Result<Vec<csv::ByteRecord>> {
    read_rows_at(path, sheet).map(|(rows, _)| rows)
}

/// Like [`read_rows`], plus the number of sheet rows above the first returned row.
pub fn read_rows_at(path: &Path, sheet: Option<&str>) -> Result<(Vec<csv::ByteRecord>, u64)> {
    let bad = |m: String| CalllistError::Csv {
        path: path.into(),
        row: 0,
        message: m,
    };
    if !path.exists() {
        return Err(CalllistError::Io {
            path: path.into(),
            source: std::io::Error::new(std::io::ErrorKind::NotFound, "no such file"),
        });
    }
    // calamine sizes its allocations from the file: check the file against the limits first
    super::sheet_guard::check(path)?;
    let mut wb =
        open_workbook_auto(path).map_err(|e| bad(format!("cannot open as a spreadsheet: {e}")))?;
    let names = wb.sheet_names();
    let name = match sheet {
        Some(s) => names
            .iter()
            .find(|n| n.as_str() == s)
            .cloned()
            .ok_or_else(|| CalllistError::MissingColumn {
                path: path.into(),
                column: format!("sheet {s}"),
                available: names.clone(),
            })?,
        None => names
            .first()
            .cloned()
            .ok_or_else(|| CalllistError::Empty { path: path.into() })?,
    };
    let range = wb
        .worksheet_range(&name)
        .map_err(|e| bad(format!("sheet {name:?}: {e}")))?;
    let mut out = Vec::with_capacity(range.height());
    let mut text = String::new();
    for row in range.rows() {
        // every row has the used range's width: an empty row is a row of empty cells
        let mut rec = csv::ByteRecord::with_capacity(64, row.len());
        for c in row {
            cell_text(c, &mut text);
            rec.push_field(text.as_bytes());
        }
        out.push(rec);
    }
    if out.is_empty() {
        return Err(CalllistError::Empty { path: path.into() });
    }
    let above = range.start().map_or(0, |(r, _)| r as u64);
    Ok((out, above))
}

/// Options of the Huawei 7.4.8 import workbook.
#[derive(Clone, Debug)]
pub struct HuaweiWorkbook {
    /// Column of the clean CSV holding the called number (default `dial`, else `national`).
    pub called_column: Option<String>,
    /// Column used as `sessionId` (<= 32 characters).
    pub session_column: Option<String>,
    /// Column used as `callData` (<= 1024 characters).
    pub call_data_column: Option<String>,
    /// Constant `customField` for every row, e.g. a batch id (<= 200, no special characters).
    pub custom_field: Option<String>,
    /// Constant `caller` (<= 24 characters).
    pub caller: Option<String>,
    /// Rows per file (Huawei: at most 500,000).
    pub rows_per_file: usize,
    /// The clean CSV was written with defusing on (the default of the clean pipeline): the `'`
    /// put in front of formula-like cells is taken off, so the platform gets the original value.
    /// An XLSX string cell is never a formula, so nothing needs defusing in the workbook.
    pub undefuse: bool,
}

impl Default for HuaweiWorkbook {
    /// What the clean pipeline writes: a defused clean CSV, files of Huawei's 500,000 rows.
    fn default() -> Self {
        HuaweiWorkbook {
            called_column: None,
            session_column: None,
            call_data_column: None,
            custom_field: None,
            caller: None,
            rows_per_file: 500_000,
            undefuse: true,
        }
    }
}

/// The header labels of the template in 7.4.8 (`001:26350`).
pub const HUAWEI_HEADER: [&str; 6] = [
    "sessionId(非必填)",
    "called必填",
    "caller(非必填)",
    "callData(非必填)",
    "customField(非必填)",
    "recycleTime(非必填)",
];

/// Characters 7.4.1 forbids in `customField` (`001:25476`), full-width forms included.
const CUSTOM_FORBIDDEN: &str = "`~!@#$%^&*()+={} '\";<>/?.[]！¥…（）—【】‘；：“”’，\\？。、:|,";

fn check_custom_field(v: &str) -> std::result::Result<(), String> {
    if v.chars().count() > 200 {
        return Err("customField is longer than 200 characters".into());
    }
    if let Some(c) = v.chars().find(|c| CUSTOM_FORBIDDEN.contains(*c)) {
        return Err(format!(
            "customField contains {c:?}, which Huawei forbids (use letters, digits, CJK, - and _)"
        ));
    }
    Ok(())
}

fn json_string(s: &str, out: &mut String) {
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            c if (c as u32) < 0x20 => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
}

/// One data row of the import workbook, before the checks of 7.4.8.
struct HuaweiRow<'a> {
    session: &'a str,
    called: &'a str,
    call_data: &'a str,
}

/// An import workbook being written: the template's header, then rows checked against 7.4.8's
/// limits; in place under its name only once [`HuaweiSheet::commit`] ran.
struct HuaweiSheet<'o> {
    sheet: SheetWriter<AtomicFile>,
    opts: &'o HuaweiWorkbook,
    /// `[{"calledNo":"…"}]` of the current row, reused
    called: String,
}

impl<'o> HuaweiSheet<'o> {
    fn create(path: &Path, opts: &'o HuaweiWorkbook) -> Result<Self> {
        let file = AtomicFile::create(path).map_err(io_err(path))?;
        let mut sheet = SheetWriter::new(file).map_err(io_err(path))?;
        sheet.row(&HUAWEI_HEADER).map_err(io_err(path))?;
        Ok(HuaweiSheet {
            sheet,
            opts,
            called: String::with_capacity(64),
        })
    }

    /// Adds a row; the error message names what 7.4.8 refuses (the caller adds where it came from).
    fn push(&mut self, row: &HuaweiRow<'_>) -> std::result::Result<(), String> {
        let num = row.called;
        if num.is_empty()
            || num.len() > 24
            || !num
                .bytes()
                .all(|b| b.is_ascii_digit() || b == b'*' || b == b'#')
        {
            return Err(format!(
                "called number {num:?} is not 1-24 characters of 0-9*#"
            ));
        }
        if row.session.chars().count() > 32 {
            return Err(format!(
                "sessionId {:?} is longer than 32 characters",
                row.session
            ));
        }
        if row.call_data.chars().count() > 1024 {
            return Err("callData is longer than 1024 characters".into());
        }
        self.called.clear();
        self.called.push_str("[{\"calledNo\":");
        json_string(num, &mut self.called);
        self.called.push_str("}]");
        let opts = self.opts;
        self.sheet
            .row(&[
                row.session,
                &self.called,
                opts.caller.as_deref().unwrap_or(""),
                row.call_data,
                opts.custom_field.as_deref().unwrap_or(""),
            ])
            .map_err(|e| e.to_string())
    }

    fn data_rows(&self) -> usize {
        self.sheet.rows() as usize - 1
    }

    /// Closes the workbook and puts it in place at `path` (in the folder it was created in).
    fn commit(self, path: &Path, durable: bool) -> Result<()> {
        let mut file = self.sheet.finish().map_err(io_err(path))?;
        file.rename_target(path);
        if durable {
            file.commit_durable()
        } else {
            file.commit()
        }
        .map_err(io_err(path))
    }
}

/// Checks the options every workbook of a list shares; returns the rows a file may hold.
fn checked_limit(opts: &HuaweiWorkbook) -> Result<usize> {
    let limit = if opts.rows_per_file == 0 {
        500_000
    } else {
        opts.rows_per_file
    };
    if limit > 500_000 {
        return Err(CalllistError::Config(format!(
            "rows_per_file: {limit} exceeds Huawei's 500,000 rows per import file"
        )));
    }
    if let Some(c) = &opts.custom_field {
        check_custom_field(c).map_err(CalllistError::Config)?;
    }
    if let Some(c) = &opts.caller {
        if c.len() > 24 {
            return Err(CalllistError::Config(
                "caller is longer than 24 characters".into(),
            ));
        }
    }
    Ok(limit)
}

/// Writes the Huawei server-import workbook(s) from a clean CSV written by the clean pipeline.
/// One file when the rows fit in `rows_per_file`, else `<stem>_001.xlsx`, `<stem>_002.xlsx`, ...
/// Returns the files written. `called` holds the JSON array `[{"calledNo":"..."}]`. Each file
/// is written beside its place and renamed into it when complete.
pub fn write_huawei_workbooks(
    clean_csv: &Path,
    out: &Path,
    opts: &HuaweiWorkbook,
) -> Result<Vec<PathBuf>> {
    let limit = checked_limit(opts)?;
    let f = std::fs::File::open(clean_csv).map_err(io_err(clean_csv))?;
    let mut rdr = csv::ReaderBuilder::new()
        .flexible(true)
        .from_reader(std::io::BufReader::with_capacity(1 << 20, f));
    let headers = rdr
        .headers()
        .map_err(|e| CalllistError::Csv {
            path: clean_csv.into(),
            row: 1,
            message: e.to_string(),
        })?
        .clone();
    let find = |name: &str| -> Result<usize> {
        headers
            .iter()
            .position(|h| h.trim_start_matches('\u{feff}') == name)
            .ok_or_else(|| CalllistError::MissingColumn {
                path: clean_csv.into(),
                column: name.to_string(),
                available: headers.iter().map(str::to_string).collect(),
            })
    };
    let called = match &opts.called_column {
        Some(c) => find(c)?,
        None => find("dial").or_else(|_| find("national"))?,
    };
    let session = opts.session_column.as_deref().map(find).transpose()?;
    let call_data = opts.call_data_column.as_deref().map(find).transpose()?;

    let stem = out
        .file_stem()
        .and_then(|s| s.to_str())
        .unwrap_or("import")
        .to_string();
    let dir = out.parent().map(Path::to_path_buf).unwrap_or_default();
    let numbered = |n: usize| dir.join(format!("{stem}_{n:03}.xlsx"));
    // the first file's name is known only when a second one is needed (`<stem>_001.xlsx`) or
    // the list ends (`out`): it is named when committed, so a list that fits writes exactly
    // `out`, in one pass over the CSV, and a split list leaves a file at `out` alone
    let mut files: Vec<PathBuf> = Vec::new();
    let mut sheet: Option<(HuaweiSheet<'_>, PathBuf)> = None;
    let mut rec = csv::StringRecord::new();
    let mut line = 1u64;
    let original = |v: &'_ str| -> String {
        if opts.undefuse {
            crate::calllist::io::undefuse(v).to_string()
        } else {
            v.to_string()
        }
    };
    loop {
        let more = rdr.read_record(&mut rec).map_err(|e| CalllistError::Csv {
            path: clean_csv.into(),
            row: line,
            message: e.to_string(),
        })?;
        if !more {
            break;
        }
        line += 1;
        if sheet.as_ref().is_none_or(|(s, _)| s.data_rows() == limit) {
            if let Some((full, path)) = sheet.take() {
                let path = if files.is_empty() { numbered(1) } else { path };
                full.commit(&path, false)?;
                files.push(path);
            }
            let path = if files.is_empty() {
                out.to_path_buf()
            } else {
                numbered(files.len() + 1)
            };
            sheet = Some((HuaweiSheet::create(&path, opts)?, path));
        }
        let session_text = session.map(|i| original(rec.get(i).unwrap_or("")));
        let call_data_text = call_data.map(|i| original(rec.get(i).unwrap_or("")));
        let row = HuaweiRow {
            session: session_text.as_deref().unwrap_or(""),
            called: rec.get(called).unwrap_or(""),
            call_data: call_data_text.as_deref().unwrap_or(""),
        };
        let (s, _) = sheet.as_mut().expect("a sheet is open");
        s.push(&row).map_err(|message| CalllistError::Csv {
            path: clean_csv.into(),
            row: line,
            message,
        })?;
    }
    match sheet {
        None => Err(CalllistError::Empty {
            path: clean_csv.into(),
        }),
        Some((last, path)) => {
            last.commit(&path, false)?;
            files.push(path);
            Ok(files)
        }
    }
}

/// Writes one batch of the import's file route as a workbook at `out`, durably: sessionId
/// `{session_prefix}{first_row + k}`, called from `numbers` (one number per `\n`-terminated
/// line, the form the clean hands the dial column over in), customField `custom_field`.
/// Returns the rows written.
pub fn write_huawei_batch(
    out: &Path,
    numbers: &[u8],
    session_prefix: &str,
    first_row: u64,
    custom_field: Option<&str>,
) -> Result<usize> {
    let opts = HuaweiWorkbook {
        custom_field: custom_field.map(str::to_string),
        ..HuaweiWorkbook::default()
    };
    checked_limit(&opts)?;
    let text = std::str::from_utf8(numbers)
        .map_err(|e| CalllistError::Config(format!("numbers are not UTF-8: {e}")))?;
    let text = text.strip_suffix('\n').unwrap_or(text);
    let mut sheet = HuaweiSheet::create(out, &opts)?;
    let mut session = String::with_capacity(session_prefix.len() + 20);
    for (k, num) in text.split('\n').enumerate() {
        if text.is_empty() {
            break;
        }
        if k == 500_000 {
            return Err(CalllistError::Config(
                "a batch holds more than Huawei's 500,000 rows per import file".into(),
            ));
        }
        session.clear();
        session.push_str(session_prefix);
        let _ = std::fmt::Write::write_fmt(&mut session, format_args!("{}", first_row + k as u64));
        let row = HuaweiRow {
            session: &session,
            called: num,
            call_data: "",
        };
        sheet
            .push(&row)
            .map_err(|m| CalllistError::Config(format!("row {}: {m}", first_row + k as u64)))?;
    }
    let rows = sheet.data_rows();
    sheet.commit(out, true)?;
    Ok(rows)
}

#[cfg(test)]
mod tests {
    use super::*;
    use rust_xlsxwriter::Workbook;

    #[test]
    fn spreadsheet_input_through_the_pipeline() {
        use crate::calllist::io::{clean_with_defaults, CleanOptions};
        let dir = std::env::temp_dir().join(format!("cc-xlsx-in-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let input = dir.join("list.xlsx");
        let mut wb = Workbook::new();
        let ws = wb.add_worksheet();
        ws.write_string(0, 0, "姓名").unwrap();
        ws.write_string(0, 1, "手机").unwrap();
        ws.write_string(1, 0, "张三").unwrap();
        ws.write_number(1, 1, 13800138000.0).unwrap(); // Excel stores it as a number
        ws.write_string(2, 0, "李四").unwrap();
        ws.write_string(2, 1, "+86 138 0013 8000").unwrap();
        ws.write_string(4, 0, "王五").unwrap();
        ws.write_string(4, 1, "abc").unwrap();
        wb.save(&input).unwrap();
        let (c, r) = (dir.join("c.csv"), dir.join("r.csv"));
        let s = clean_with_defaults(&input, &c, &r, &CleanOptions::default()).unwrap();
        assert_eq!((s.rows, s.clean, s.duplicates()), (4, 1, 1));
        let clean = std::fs::read_to_string(&c).unwrap();
        assert!(clean.contains("张三,13800138000,+8613800138000"), "{clean}");
        let rej = std::fs::read_to_string(&r).unwrap();
        // rows are spreadsheet row numbers; the empty row 4 is a row too
        assert!(rej.contains("3,'+86 138 0013 8000,duplicate"), "{rej}");
        assert!(rej.contains("4,,empty"), "{rej}");
        assert!(rej.contains("5,abc,bad_char"), "{rej}");
    }

    #[test]
    fn the_defuse_prefix_stays_out_of_the_workbook() {
        use crate::calllist::io::{clean_with_defaults, CleanOptions};
        let dir = std::env::temp_dir().join(format!("cc-xlsx-defuse-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let input = dir.join("list.csv");
        std::fs::write(
            &input,
            "id,phone,note\n-s1,13800138000,=1+1\ns2,13900139000,'=kept\ns3,13700137000,'plain\n",
        )
        .unwrap();
        let (c, r) = (dir.join("c.csv"), dir.join("r.csv"));
        clean_with_defaults(&input, &c, &r, &CleanOptions::default()).unwrap();
        let clean = std::fs::read_to_string(&c).unwrap();
        assert!(clean.contains("'-s1,13800138000,'=1+1,"), "{clean}");
        assert!(clean.contains("s2,13900139000,''=kept,"), "{clean}");
        assert!(clean.contains("s3,13700137000,'plain,"), "{clean}");
        let opts = HuaweiWorkbook {
            session_column: Some("id".into()),
            call_data_column: Some("note".into()),
            ..HuaweiWorkbook::default()
        };
        let files = write_huawei_workbooks(&c, &dir.join("w.xlsx"), &opts).unwrap();
        let rows = read_rows(&files[0], None).unwrap();
        assert_eq!((&rows[1][0], &rows[1][3]), (&b"-s1"[..], &b"=1+1"[..]));
        // values that start with ' of their own keep it
        assert_eq!(&rows[2][3], b"'=kept");
        assert_eq!(&rows[3][3], b"'plain");
    }

    #[test]
    fn custom_field_rules() {
        assert!(check_custom_field("batch-20240101_001").is_ok());
        assert!(check_custom_field("批次-1").is_ok());
        assert!(check_custom_field("a.b").is_err());
        assert!(check_custom_field("a：b").is_err());
        assert!(check_custom_field(&"x".repeat(201)).is_err());
    }

    #[test]
    fn workbook_split_and_read_back() {
        let dir = std::env::temp_dir().join(format!("cc-xlsx-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let clean = dir.join("clean.csv");
        let mut s = String::from("id,phone,e164,national,kind,ext,dial,batch\n");
        for i in 0..25 {
            s.push_str(&format!(
                "s{i},x,+86138{i:08},138{i:08},mobile,,138{i:08},1\n"
            ));
        }
        std::fs::write(&clean, s).unwrap();
        let opts = HuaweiWorkbook {
            session_column: Some("id".into()),
            custom_field: Some("batch-1".into()),
            rows_per_file: 10,
            ..HuaweiWorkbook::default()
        };
        // a file already at `out` is not touched when the list is split
        std::fs::write(dir.join("import.xlsx"), b"earlier").unwrap();
        let files = write_huawei_workbooks(&clean, &dir.join("import.xlsx"), &opts).unwrap();
        assert_eq!(files.len(), 3);
        assert_eq!(std::fs::read(dir.join("import.xlsx")).unwrap(), b"earlier");
        let leftovers: Vec<_> = std::fs::read_dir(&dir)
            .unwrap()
            .filter_map(|e| e.ok())
            .filter(|e| e.file_name().to_string_lossy().ends_with(".part"))
            .collect();
        assert!(leftovers.is_empty(), "{leftovers:?}");
        assert!(files[0].ends_with("import_001.xlsx"));
        let rows = read_rows(&files[2], None).unwrap();
        assert_eq!(rows.len(), 6); // header + 5
        assert_eq!(&rows[0][1], "called必填".as_bytes());
        assert_eq!(&rows[1][0], b"s20");
        assert_eq!(&rows[1][1], br#"[{"calledNo":"13800000020"}]"#);
        assert_eq!(&rows[1][4], b"batch-1");
        let one = write_huawei_workbooks(&clean, &dir.join("one.xlsx"), &HuaweiWorkbook::default())
            .unwrap();
        assert_eq!(one, vec![dir.join("one.xlsx")]);
        let bad = HuaweiWorkbook {
            custom_field: Some("a/b".into()),
            ..HuaweiWorkbook::default()
        };
        assert!(write_huawei_workbooks(&clean, &dir.join("x.xlsx"), &bad).is_err());
    }
}
