//! Spreadsheets: reading call lists from XLSX/XLSM/XLS/ODS (calamine), and writing the Huawei
//! CEC server-import workbook of 7.4.8 (`shared/notes/outbound.md` §7.1) with rust_xlsxwriter.
//!
//! Spreadsheet input is read a sheet at a time (calamine holds the sheet in memory; a sheet has
//! at most 1,048,576 rows). Numeric cells that hold phone numbers (Excel turns `13800138000`
//! into a number) are written back as integer digits, never in scientific notation.

use std::path::{Path, PathBuf};

use calamine::{open_workbook_auto, Data, Reader};
use rust_xlsxwriter::{Workbook, XlsxError};

use super::{io_err, CalllistError, Result};

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

fn xerr(path: &Path) -> impl Fn(XlsxError) -> CalllistError + '_ {
    move |e| CalllistError::Io {
        path: path.into(),
        source: std::io::Error::other(e.to_string()),
    }
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

/// Writes the Huawei server-import workbook(s) from a clean CSV written by the clean pipeline.
/// One file when the rows fit in `rows_per_file`, else `<stem>_001.xlsx`, `<stem>_002.xlsx`, ...
/// Returns the files written. `called` holds the JSON array `[{"calledNo":"..."}]`.
pub fn write_huawei_workbooks(
    clean_csv: &Path,
    out: &Path,
    opts: &HuaweiWorkbook,
) -> Result<Vec<PathBuf>> {
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

    // count rows first so a list that fits writes exactly `out`
    let stem = out
        .file_stem()
        .and_then(|s| s.to_str())
        .unwrap_or("import")
        .to_string();
    let dir = out.parent().map(Path::to_path_buf).unwrap_or_default();
    let mut files = Vec::new();
    let mut wb: Option<Workbook> = None;
    let mut row_in_file = 0usize;
    let mut file_no = 0usize;
    let mut rec = csv::StringRecord::new();
    let mut line = 1u64;
    let mut cell = String::with_capacity(64);
    let mut pending: Vec<PathBuf> = Vec::new();
    let save = |wb: &mut Workbook, p: &Path| -> Result<()> { wb.save(p).map_err(xerr(p)) };
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
        if wb.is_none() || row_in_file == limit {
            if let Some(mut w) = wb.take() {
                let p = dir.join(format!("{stem}_{file_no:03}.xlsx"));
                save(&mut w, &p)?;
                pending.push(p);
            }
            file_no += 1;
            let mut w = Workbook::new();
            {
                let ws = w.add_worksheet_with_constant_memory();
                for (c, h) in HUAWEI_HEADER.iter().enumerate() {
                    ws.write_string(0, c as u16, *h).map_err(xerr(out))?;
                }
            }
            wb = Some(w);
            row_in_file = 0;
        }
        let w = wb.as_mut().unwrap();
        let ws = w.worksheet_from_index(0).map_err(xerr(out))?;
        let r = (row_in_file + 1) as u32;
        let num = rec.get(called).unwrap_or("");
        if num.is_empty()
            || num.len() > 24
            || !num
                .bytes()
                .all(|b| b.is_ascii_digit() || b == b'*' || b == b'#')
        {
            return Err(CalllistError::Csv {
                path: clean_csv.into(),
                row: line,
                message: format!("called number {num:?} is not 1-24 characters of 0-9*#"),
            });
        }
        let original = |v: &'_ str| -> String {
            if opts.undefuse {
                crate::calllist::io::undefuse(v).to_string()
            } else {
                v.to_string()
            }
        };
        if let Some(i) = session {
            let v = original(rec.get(i).unwrap_or(""));
            let v = v.as_str();
            if v.chars().count() > 32 {
                return Err(CalllistError::Csv {
                    path: clean_csv.into(),
                    row: line,
                    message: format!("sessionId {v:?} is longer than 32 characters"),
                });
            }
            ws.write_string(r, 0, v).map_err(xerr(out))?;
        }
        cell.clear();
        cell.push_str("[{\"calledNo\":");
        json_string(num, &mut cell);
        cell.push_str("}]");
        ws.write_string(r, 1, &cell).map_err(xerr(out))?;
        if let Some(c) = &opts.caller {
            ws.write_string(r, 2, c).map_err(xerr(out))?;
        }
        if let Some(i) = call_data {
            let v = original(rec.get(i).unwrap_or(""));
            let v = v.as_str();
            if v.chars().count() > 1024 {
                return Err(CalllistError::Csv {
                    path: clean_csv.into(),
                    row: line,
                    message: "callData is longer than 1024 characters".into(),
                });
            }
            ws.write_string(r, 3, v).map_err(xerr(out))?;
        }
        if let Some(c) = &opts.custom_field {
            ws.write_string(r, 4, c).map_err(xerr(out))?;
        }
        row_in_file += 1;
    }
    match wb.take() {
        None => {
            return Err(CalllistError::Empty {
                path: clean_csv.into(),
            })
        }
        Some(mut w) => {
            if file_no == 1 {
                save(&mut w, out)?;
                files.push(out.to_path_buf());
            } else {
                let p = dir.join(format!("{stem}_{file_no:03}.xlsx"));
                save(&mut w, &p)?;
                pending.push(p);
                files = pending;
            }
        }
    }
    Ok(files)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spreadsheet_input_through_the_pipeline() {
        use crate::calllist::io::{clean_file, CleanOptions, CleanPaths};
        use crate::calllist::normalize::{Config, Normalizer};
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
        let norm = Normalizer::new(&Config::default()).unwrap();
        let s = clean_file(
            &CleanPaths {
                input: &input,
                clean: &c,
                rejects: &r,
            },
            &CleanOptions::default(),
            &norm,
            None,
            None,
            &mut |_, _, _| true,
        )
        .unwrap();
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
        use crate::calllist::io::{clean_file, CleanOptions, CleanPaths};
        use crate::calllist::normalize::{Config, Normalizer};
        let dir = std::env::temp_dir().join(format!("cc-xlsx-defuse-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let input = dir.join("list.csv");
        std::fs::write(
            &input,
            "id,phone,note\n-s1,13800138000,=1+1\ns2,13900139000,'=kept\ns3,13700137000,'plain\n",
        )
        .unwrap();
        let (c, r) = (dir.join("c.csv"), dir.join("r.csv"));
        let norm = Normalizer::new(&Config::default()).unwrap();
        let paths = CleanPaths {
            input: &input,
            clean: &c,
            rejects: &r,
        };
        clean_file(
            &paths,
            &CleanOptions::default(),
            &norm,
            None,
            None,
            &mut |_, _, _| true,
        )
        .unwrap();
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
        let files = write_huawei_workbooks(&clean, &dir.join("import.xlsx"), &opts).unwrap();
        assert_eq!(files.len(), 3);
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
