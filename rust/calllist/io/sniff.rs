//! Layout detection: delimiter, header and the phone and scope columns.

use std::fs::File;
use std::io::Read;
use std::path::Path;

use encoding_rs::Encoding;

use crate::calllist::normalize::Normalizer;
use crate::calllist::{io_err, CalllistError, Result};

use super::decode::detect_encoding;
use super::options::{CleanOptions, ColumnSel};

pub(super) fn field_has_number(f: &[u8]) -> bool {
    let mut run = 0;
    let mut best = 0;
    for &b in f {
        if b.is_ascii_digit() || (0x90..=0x99).contains(&b) {
            run += 1;
            best = best.max(run);
        } else if !matches!(b, b' ' | b'-' | b'(' | b')' | b'+' | 0xEF | 0xBC) {
            run = 0;
        }
    }
    best >= 5
}

/// The records of a CSV sample: split at newlines outside quoted cells. A quote opens a quoted
/// cell only where a cell starts (at the record's start or after one of the candidate
/// delimiters), so a stray `"` inside a bare cell (`5" screen`) does not swallow the lines after
/// it; inside a quoted cell `""` is a quote and a lone `"` closes it.
pub(crate) fn split_records(text: &[u8]) -> Vec<&[u8]> {
    let mut records = Vec::new();
    let (mut start, mut quoted, mut i) = (0, false, 0);
    while i < text.len() {
        let b = text[i];
        if quoted {
            if b == b'"' {
                if text.get(i + 1) == Some(&b'"') {
                    i += 1; // an escaped quote
                } else {
                    quoted = false;
                }
            }
        } else if b == b'"' && (i == start || b",\t;|".contains(&text[i - 1])) {
            quoted = true;
        } else if b == b'\n' {
            records.push(&text[start..i]);
            start = i + 1;
        }
        i += 1;
    }
    records.push(&text[start..]);
    records
}

/// Picks the delimiter: the candidate whose per-line count (outside quotes) is the same non-zero
/// number on most lines. `None`: one value per line.
pub fn sniff_delimiter(lines: &[&[u8]]) -> Option<u8> {
    let mut best: Option<(u8, f64)> = None;
    for &c in b",\t;|" {
        let counts: Vec<usize> = lines
            .iter()
            .map(|l| {
                let mut q = false;
                l.iter()
                    .filter(|&&b| {
                        if b == b'"' {
                            q = !q;
                        }
                        b == c && !q
                    })
                    .count()
            })
            .collect();
        if counts.is_empty() {
            continue;
        }
        let mut sorted = counts.clone();
        sorted.sort_unstable();
        let mode = sorted[sorted.len() / 2];
        if mode == 0 {
            continue;
        }
        let frac = counts.iter().filter(|&&x| x == mode).count() as f64 / counts.len() as f64;
        let nonzero = counts.iter().filter(|&&x| x > 0).count() as f64 / counts.len() as f64;
        if (frac >= 0.6 || nonzero >= 0.7) && best.is_none_or(|(_, f)| frac > f) {
            best = Some((c, frac));
        }
    }
    best.map(|b| b.0)
}

pub(super) const PHONE_NAMES: &[&str] = &[
    "phone",
    "mobile",
    "tel",
    "telephone",
    "number",
    "phone_number",
    "phonenumber",
    "mobile_phone",
    "called",
    "calledno",
    "callee",
    "msisdn",
    "cell",
    "手机",
    "手机号",
    "手机号码",
    "电话",
    "电话号码",
    "号码",
    "联系电话",
    "联系方式",
    "被叫",
    "被叫号码",
    "客户电话",
    "客户号码",
];

/// Where the phone column is, how the file is laid out.
#[derive(Clone, Debug)]
pub struct Layout {
    pub encoding: &'static Encoding,
    pub delimiter: Option<u8>,
    pub header: bool,
    pub column: usize,
    pub scope: Option<usize>,
    pub columns: Vec<String>,
    /// Average bytes per line in the sample (to size the dedup table).
    pub avg_row_bytes: u64,
}

pub(super) fn csv_reader<R: Read>(r: R, delim: Option<u8>) -> csv::Reader<R> {
    csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .delimiter(delim.unwrap_or(0x1F))
        .quoting(true)
        .buffer_capacity(1 << 20)
        .from_reader(r)
}

pub(super) fn resolve(
    sel: &ColumnSel,
    header: Option<&csv::ByteRecord>,
    path: &Path,
    what: &str,
) -> Result<usize> {
    let names = || -> Vec<String> {
        header
            .map(|h| {
                h.iter()
                    .map(|f| String::from_utf8_lossy(f).into_owned())
                    .collect()
            })
            .unwrap_or_default()
    };
    match sel {
        ColumnSel::Index(i) => {
            let n = header.map(|h| h.len()).unwrap_or(usize::MAX);
            if *i >= n {
                return Err(CalllistError::MissingColumn {
                    path: path.into(),
                    column: format!("{what} #{i}"),
                    available: names(),
                });
            }
            Ok(*i)
        }
        ColumnSel::Name(name) => {
            let want = name.trim().to_lowercase();
            header
                .and_then(|h| {
                    h.iter().position(|f| {
                        String::from_utf8_lossy(f)
                            .trim()
                            .trim_start_matches('\u{feff}')
                            .to_lowercase()
                            == want
                    })
                })
                .ok_or_else(|| CalllistError::MissingColumn {
                    path: path.into(),
                    column: name.clone(),
                    available: names(),
                })
        }
        ColumnSel::Auto => unreachable!(),
    }
}

/// The longest first line (the header, or the first record) layout detection reads: it reads
/// the first line whole, since a header cut short hides the phone column's name. Past it the file
/// is refused with a [`CalllistError::Limit`] (`max_header_bytes`).
pub const MAX_HEADER_BYTES: usize = 1 << 20;

/// Sniffs encoding, delimiter, header and the phone column from the first 64 KiB, or more when
/// the first two lines need more (up to [`MAX_HEADER_BYTES`] for the first line).
pub fn detect_layout(path: &Path, opts: &CleanOptions, norm: &Normalizer) -> Result<Layout> {
    let mut f = File::open(path).map_err(io_err(path))?;
    let mut want = 1usize << 16;
    let mut sample = vec![0u8; want];
    let mut got = 0;
    let complete = loop {
        while got < want {
            let n = f.read(&mut sample[got..want]).map_err(io_err(path))?;
            if n == 0 {
                break;
            }
            got += n;
        }
        if got < want {
            break true;
        }
        let newlines = memchr::memchr_iter(b'\n', &sample[..got]).take(2).count();
        if newlines >= 2 {
            break false;
        }
        if newlines == 0 && got >= MAX_HEADER_BYTES {
            return Err(CalllistError::Limit {
                path: path.into(),
                message: format!("the first line is longer than {MAX_HEADER_BYTES} bytes"),
                limit: "max_header_bytes",
            });
        }
        if want >= 2 * MAX_HEADER_BYTES {
            break false; // the first line is whole; the second is long: go on without it
        }
        want *= 2;
        sample.resize(want, 0);
    };
    sample.truncate(got);
    let enc = detect_encoding(&sample, complete, path)?;
    let (text, _, _) = enc.decode(&sample);
    let text = text.into_owned();
    // records, not lines: a quoted cell may hold newlines (a header "phone\nnumber", a note over
    // three lines), and cutting there made the sniffer see ragged lines and no delimiter
    let mut lines: Vec<&[u8]> = split_records(text.as_bytes());
    if !complete && lines.len() > 1 {
        lines.pop(); // partial last record
    }
    lines.retain(|l| !l.trim_ascii().is_empty());
    if lines.is_empty() {
        return Err(CalllistError::Empty { path: path.into() });
    }
    lines.truncate(200);
    let delimiter = match opts.delimiter {
        Some(d) => Some(d),
        None => sniff_delimiter(&lines),
    };
    let joined = lines.join(&b'\n');
    let mut rdr = csv_reader(&joined[..], delimiter);
    let recs: Vec<csv::ByteRecord> = rdr
        .byte_records()
        .take(100)
        .filter_map(|r| r.ok())
        .collect();
    let avg_row_bytes = (joined.len() as u64 / lines.len().max(1) as u64).max(1);
    layout_from_records(path, &recs, opts, norm, enc, delimiter, avg_row_bytes)
}

/// Header, phone column and scope column from the first records (CSV sample or spreadsheet rows).
pub fn layout_from_records(
    path: &Path,
    recs: &[csv::ByteRecord],
    opts: &CleanOptions,
    norm: &Normalizer,
    enc: &'static Encoding,
    delimiter: Option<u8>,
    avg_row_bytes: u64,
) -> Result<Layout> {
    if recs.is_empty() {
        return Err(CalllistError::Empty { path: path.into() });
    }
    let header = match (opts.has_header, &opts.column) {
        (Some(h), _) => h,
        (None, ColumnSel::Name(_)) => true,
        (None, _) => {
            let first_has = recs[0].iter().any(field_has_number);
            let later_has = recs[1..].iter().any(|r| r.iter().any(field_has_number));
            !first_has && (later_has || recs.len() == 1)
        }
    };
    let hdr = if header { Some(&recs[0]) } else { None };
    let data = if header { &recs[1..] } else { recs };
    let column = match &opts.column {
        ColumnSel::Auto => {
            let by_name = hdr.and_then(|h| {
                h.iter().position(|f| {
                    let s = String::from_utf8_lossy(f)
                        .trim()
                        .trim_start_matches('\u{feff}')
                        .to_lowercase();
                    PHONE_NAMES.contains(&s.as_str())
                })
            });
            match by_name {
                Some(i) => i,
                None => {
                    let width = recs.iter().map(|r| r.len()).max().unwrap_or(1);
                    let mut best = (0usize, 0usize);
                    for c in 0..width {
                        let ok = data
                            .iter()
                            .filter(|r| r.get(c).is_some_and(|v| norm.normalize(v).is_ok()))
                            .count();
                        let digits = data
                            .iter()
                            .filter(|r| r.get(c).is_some_and(field_has_number))
                            .count();
                        let score = ok * 2 + digits;
                        if score > best.1 {
                            best = (c, score);
                        }
                    }
                    best.0
                }
            }
        }
        sel => resolve(sel, hdr, path, "column")?,
    };
    let scope = match &opts.scope_column {
        None => None,
        Some(ColumnSel::Auto) => None,
        Some(sel) => Some(resolve(sel, hdr, path, "scope column")?),
    };
    let width = hdr
        .map(|h| h.len())
        .unwrap_or_else(|| recs.iter().map(|r| r.len()).max().unwrap_or(1));
    let columns = match hdr {
        Some(h) => h
            .iter()
            .enumerate()
            .map(|(i, f)| {
                let s = String::from_utf8_lossy(f)
                    .trim_start_matches('\u{feff}')
                    .to_string();
                if s.is_empty() {
                    format!("column_{}", i + 1)
                } else {
                    s
                }
            })
            .collect(),
        None => (0..width)
            .map(|i| {
                if i == column {
                    "phone".to_string()
                } else {
                    format!("column_{}", i + 1)
                }
            })
            .collect(),
    };
    if column >= width.max(column + 1) {
        return Err(CalllistError::MissingColumn {
            path: path.into(),
            column: format!("#{column}"),
            available: columns,
        });
    }
    Ok(Layout {
        encoding: enc,
        delimiter,
        header,
        column,
        scope,
        columns,
        avg_row_bytes,
    })
}
