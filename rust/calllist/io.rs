//! Reading call lists (CSV in UTF-8, UTF-8 with BOM or GB18030/GBK; one number per line), the
//! streaming clean pipeline, and the writers for the clean and rejects files.
//!
//! The pipeline reads chunks of records on one thread while the calling thread normalizes the
//! previous chunk in parallel (rayon), dedups it in order and writes it, so memory is bounded by
//! a few chunks plus the dedup set (8-16 bytes per distinct number).

use std::fs::File;
use std::io::{self, Read, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc::sync_channel;
use std::sync::Arc;

use encoding_rs::{DecoderResult, Encoding, GB18030, UTF_8};
use rayon::prelude::*;

use super::dedup::{scope_hash, Blacklist, Dedup, ImportStore};
use super::normalize::{write_digits, Kind, Normalized, Normalizer, Reason};
use super::platform::{Batcher, Profile};
use super::{io_err, CalllistError, Result};

mod par;

/// Which column holds the phone number.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ColumnSel {
    /// By header name, else the column whose sample values normalize best.
    Auto,
    /// By header name (case-insensitive, trimmed). Requires a header row.
    Name(String),
    /// By 0-based index.
    Index(usize),
}

/// Options of [`clean_file`].
#[derive(Clone, Debug)]
pub struct CleanOptions {
    pub column: ColumnSel,
    /// Dedup within this column's values (e.g. Huawei v2 `sessionId`); `None` = global.
    pub scope_column: Option<ColumnSel>,
    /// `None` = detect.
    pub has_header: Option<bool>,
    /// `None` = detect among `,` TAB `;` `|`, else one value per line.
    pub delimiter: Option<u8>,
    pub platform: Option<Profile>,
    /// Prefix cells starting with `=`, `+`, `-`, `@`, TAB or CR with `'` in carried-through
    /// columns and in the rejects file (spreadsheet formula injection).
    pub defuse: bool,
    /// Write a UTF-8 BOM in the outputs (Excel then opens them as UTF-8).
    pub bom: bool,
    pub chunk_rows: usize,
    /// Treat numbers imported at or after this unix time as already imported.
    pub imported_since: i64,
    /// Record the clean numbers in the import store at this unix time (`None`: check only).
    pub record_at: Option<i64>,
    /// Sheet of a spreadsheet input (`None`: the first sheet).
    pub sheet: Option<String>,
    /// CSV input: parse, normalize and format on all cores (see `io/par.rs`). `false` takes the
    /// single-reader path (same output; kept for comparison and tests).
    pub parallel: bool,
}

impl Default for CleanOptions {
    fn default() -> Self {
        CleanOptions {
            column: ColumnSel::Auto,
            scope_column: None,
            has_header: None,
            delimiter: None,
            platform: None,
            defuse: true,
            bom: false,
            chunk_rows: 16_384,
            imported_since: i64::MIN,
            record_at: None,
            sheet: None,
            parallel: true,
        }
    }
}

/// Counts of one clean run. `rows == clean + rejected`, and the per-reason counts add up to
/// `rejected`, the per-kind counts to `clean`.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Summary {
    pub rows: u64,
    pub clean: u64,
    pub rejected: u64,
    /// indexed by `Kind as usize`
    pub per_kind: [u64; 6],
    /// indexed by `Reason::index()`
    pub per_reason: [u64; Reason::ALL.len()],
    /// Rows whose field count differs from the header's (kept; shorter rows padded in output).
    pub ragged: u64,
    /// Rows with no field at the phone column's index.
    pub missing_field: u64,
    pub batches: u64,
    pub encoding: String,
    pub delimiter: Option<u8>,
    pub header: bool,
    pub column: usize,
    pub columns: Vec<String>,
}

impl Summary {
    pub fn duplicates(&self) -> u64 {
        self.per_reason[Reason::Duplicate.index()]
    }
    pub fn blacklisted(&self) -> u64 {
        self.per_reason[Reason::Blacklisted.index()]
    }
    pub fn already_imported(&self) -> u64 {
        self.per_reason[Reason::AlreadyImported.index()]
    }
    #[inline]
    fn count(&mut self, n: &Normalized, final_reason: Reason) {
        self.rows += 1;
        if final_reason == Reason::Ok {
            self.clean += 1;
            self.per_kind[n.kind as usize] += 1;
        } else {
            self.rejected += 1;
            self.per_reason[final_reason.index()] += 1;
        }
    }
}

/// Decisions shared by the file and in-memory pipelines: dedup, blacklist, import store.
pub struct Gate<'a> {
    pub dedup: Dedup,
    pub blacklist: Option<&'a Blacklist>,
    pub store: Option<&'a mut ImportStore>,
    pub imported_since: i64,
    pub record_at: Option<i64>,
    pub platform: Option<&'a Profile>,
}

impl<'a> Gate<'a> {
    pub fn new(blacklist: Option<&'a Blacklist>, store: Option<&'a mut ImportStore>) -> Gate<'a> {
        Gate {
            dedup: Dedup::default(),
            blacklist,
            store,
            imported_since: i64::MIN,
            record_at: None,
            platform: None,
        }
    }

    /// The final reason for one normalized row, in input order (keep first).
    #[inline]
    pub fn decide(&mut self, n: &Normalized, scope: Option<u64>) -> Reason {
        if !n.is_ok() {
            return n.reason;
        }
        if let Some(p) = self.platform {
            let mut b = [0u8; 24];
            if let Err(r) = p.dial(n, &mut b) {
                return r;
            }
        }
        if !self.dedup.first(n.key, scope) {
            return Reason::Duplicate;
        }
        if let Some(bl) = self.blacklist {
            if bl.contains(n.key) {
                return Reason::Blacklisted;
            }
        }
        if let Some(st) = self.store.as_deref_mut() {
            if st.seen_since(n.key, self.imported_since) {
                return Reason::AlreadyImported;
            }
            if let Some(t) = self.record_at {
                st.record([n.key], t);
            }
        }
        Reason::Ok
    }
}

/// Normalize a column in parallel (rayon), in input order.
pub fn normalize_many<'s, I>(norm: &Normalizer, values: I) -> Vec<Normalized>
where
    I: IndexedParallelIterator<Item = &'s [u8]>,
{
    values
        .with_min_len(4096)
        .map(|v| norm.normalize(v))
        .collect()
}

// ---------------------------------------------------------------- decoding

#[derive(Debug)]
struct DecodeAt(u64);
impl std::fmt::Display for DecodeAt {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "undecodable input near byte {}", self.0)
    }
}
impl std::error::Error for DecodeAt {}

/// Turns CRLF into LF outside quoted cells, exactly where the CSV reader would take it as a
/// record end, and leaves a CRLF inside a quoted cell as it is (issue 11: the cell is the
/// user's data). Quoting follows the `csv` crate: a `"` opens a quoted cell only at the start of
/// a field, `""` inside one is a quote, and any other `"` closes it. Both readers run their text
/// through it, so they see the same bytes; line numbers stay exact because every record outside
/// quotes then ends in LF. Feed bytes in order; the state carries across chunks.
#[derive(Clone, Copy, Debug)]
pub(crate) struct CrlfOutsideQuotes {
    delim: u8,
    quoted: bool,
    quote_pending: bool,
    field_start: bool,
    cr_pending: bool,
}

impl CrlfOutsideQuotes {
    pub(crate) fn new(delim: Option<u8>) -> Self {
        CrlfOutsideQuotes {
            delim: delim.unwrap_or(0x1F),
            quoted: false,
            quote_pending: false,
            field_start: true,
            cr_pending: false,
        }
    }

    /// One input byte; `emit` receives the output bytes (0, 1 or 2 of them).
    #[inline]
    pub(crate) fn step(&mut self, b: u8, emit: &mut impl FnMut(u8)) {
        if self.quoted {
            if self.quote_pending {
                self.quote_pending = false;
                if b == b'"' {
                    emit(b);
                    return;
                }
                self.quoted = false; // the quote closed the cell; `b` follows it unquoted
            } else {
                if b == b'"' {
                    self.quote_pending = true;
                }
                emit(b);
                return;
            }
        }
        if self.cr_pending {
            self.cr_pending = false;
            if b == b'\n' {
                emit(b'\n');
                self.field_start = true;
                return;
            }
            emit(b'\r');
        }
        match b {
            b'\r' => {
                self.cr_pending = true;
                self.field_start = true;
            }
            b'"' if self.field_start => {
                self.quoted = true;
                self.field_start = false;
                emit(b);
            }
            b'\n' => {
                self.field_start = true;
                emit(b);
            }
            _ => {
                self.field_start = b == self.delim;
                emit(b);
            }
        }
    }

    /// The end of the text: a CR still held back is a line end.
    pub(crate) fn finish(&mut self, emit: &mut impl FnMut(u8)) {
        if self.cr_pending {
            self.cr_pending = false;
            emit(b'\n');
        }
    }
}

/// A `Read` that turns UTF-8 (BOM removed) or GB18030 into validated UTF-8. A file detected as
/// UTF-8 whose first non-ASCII bytes are not UTF-8 switches to GB18030 (ASCII is common to both).
struct Decoding<R: Read> {
    inner: R,
    dec: encoding_rs::Decoder,
    utf8: bool,
    seen_non_ascii: bool,
    inbuf: Box<[u8]>,
    in_start: usize,
    in_end: usize,
    out: Box<[u8]>,
    out_start: usize,
    out_end: usize,
    eof: bool,
    done: bool,
    consumed: u64,
    progress: Arc<AtomicU64>,
    last: u8,
    final_nl: bool,
    crlf: CrlfOutsideQuotes,
}

impl<R: Read> Decoding<R> {
    fn new(inner: R, enc: &'static Encoding, delim: Option<u8>, progress: Arc<AtomicU64>) -> Self {
        Decoding {
            inner,
            dec: enc.new_decoder_with_bom_removal(),
            utf8: enc == UTF_8,
            seen_non_ascii: false,
            inbuf: vec![0u8; 1 << 18].into_boxed_slice(),
            in_start: 0,
            in_end: 0,
            out: vec![0u8; (1 << 18) * 2 + 16].into_boxed_slice(),
            out_start: 0,
            out_end: 0,
            eof: false,
            done: false,
            consumed: 0,
            progress,
            last: b'\n',
            final_nl: false,
            crlf: CrlfOutsideQuotes::new(delim),
        }
    }
}

impl<R: Read> Read for Decoding<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        while self.out_start == self.out_end {
            if self.done {
                // every record ends with a newline, so line numbers are exact (see the reader)
                if self.last != b'\n' && !self.final_nl {
                    self.final_nl = true;
                    self.out[0] = b'\n';
                    self.out_start = 0;
                    self.out_end = 1;
                    self.last = b'\n';
                    break;
                }
                return Ok(0);
            }
            if self.in_start == self.in_end && !self.eof {
                let n = self.inner.read(&mut self.inbuf)?;
                self.in_start = 0;
                self.in_end = n;
                self.eof = n == 0;
            }
            let src = &self.inbuf[self.in_start..self.in_end];
            let (res, read, written) =
                self.dec
                    .decode_to_utf8_without_replacement(src, &mut self.out[1..], self.eof);
            // CRLF -> LF outside quoted cells, in place (a CR pending from the last chunk may
            // come out before this chunk's first byte: out[0] is the room for it)
            let mut w = 0usize;
            {
                let out = &mut self.out;
                let mut fix = self.crlf;
                for i in 1..=written {
                    let b = out[i];
                    fix.step(b, &mut |o| {
                        out[w] = o;
                        w += 1;
                    });
                }
                if self.eof && matches!(res, DecoderResult::InputEmpty) {
                    fix.finish(&mut |o| {
                        out[w] = o;
                        w += 1;
                    });
                }
                self.crlf = fix;
            }
            if w > 0 {
                self.last = self.out[w - 1];
            }
            self.out_start = 0;
            self.out_end = w;
            match res {
                DecoderResult::Malformed(bad, extra) => {
                    let good = read - bad as usize - extra as usize;
                    if self.utf8 && !self.seen_non_ascii && src[..good].is_ascii() {
                        // ASCII so far: the file is GB18030/GBK after all
                        self.utf8 = false;
                        self.dec = GB18030.new_decoder_without_bom_handling();
                        self.in_start += good;
                        self.consumed += good as u64;
                        continue;
                    }
                    return Err(io::Error::new(
                        io::ErrorKind::InvalidData,
                        DecodeAt(self.consumed + good as u64),
                    ));
                }
                DecoderResult::InputEmpty => {
                    if self.utf8 && !self.seen_non_ascii && !src[..read].is_ascii() {
                        self.seen_non_ascii = true;
                    }
                    if self.eof {
                        self.done = true;
                    }
                }
                DecoderResult::OutputFull => {
                    if self.utf8 && !self.seen_non_ascii && !src[..read].is_ascii() {
                        self.seen_non_ascii = true;
                    }
                }
            }
            self.in_start += read;
            self.consumed += read as u64;
            self.progress.store(self.consumed, Ordering::Relaxed);
        }
        let n = buf.len().min(self.out_end - self.out_start);
        buf[..n].copy_from_slice(&self.out[self.out_start..self.out_start + n]);
        self.out_start += n;
        Ok(n)
    }
}

/// Detects the encoding from the first bytes: BOM or valid UTF-8 -> UTF-8, else GB18030
/// (a superset of GBK and GB2312) when that decodes cleanly, else an error.
pub fn detect_encoding(sample: &[u8], complete: bool, path: &Path) -> Result<&'static Encoding> {
    if sample.starts_with(b"\xEF\xBB\xBF") {
        return Ok(UTF_8);
    }
    match std::str::from_utf8(sample) {
        Ok(_) => return Ok(UTF_8),
        Err(e) if e.error_len().is_none() && !complete => return Ok(UTF_8),
        Err(_) => {}
    }
    let mut dec = GB18030.new_decoder_without_bom_handling();
    let mut out = vec![0u8; sample.len() * 2 + 16];
    let (res, read, _) = dec.decode_to_utf8_without_replacement(sample, &mut out, complete);
    match res {
        DecoderResult::Malformed(bad, extra) => Err(CalllistError::decode_at(
            path,
            (read - bad as usize - extra as usize) as u64,
        )),
        _ => Ok(GB18030),
    }
}

fn field_has_number(f: &[u8]) -> bool {
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

const PHONE_NAMES: &[&str] = &[
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

fn csv_reader<R: Read>(r: R, delim: Option<u8>) -> csv::Reader<R> {
    csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .delimiter(delim.unwrap_or(0x1F))
        .quoting(true)
        .buffer_capacity(1 << 20)
        .from_reader(r)
}

fn resolve(
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
    let mut lines: Vec<&[u8]> = text.as_bytes().split(|&b| b == b'\n').collect();
    if !complete && lines.len() > 1 {
        lines.pop(); // partial last line
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

// ---------------------------------------------------------------- writing

/// A cell a spreadsheet program could run as a formula: it starts with `=`, `+`, `-`, `@`, TAB or
/// CR, after any number of `'`. The clean step prefixes one more `'`; counting the user's own
/// `'`s in makes the prefix exactly reversible (`'=x` -> `''=x`), so a reader of the clean CSV
/// that writes real cells (the Huawei workbook) takes exactly one `'` off again.
#[inline]
pub(crate) fn needs_defuse(cell: &[u8]) -> bool {
    let mut i = 0;
    while cell.get(i) == Some(&b'\'') {
        i += 1;
    }
    matches!(cell.get(i), Some(b'=' | b'+' | b'-' | b'@' | b'\t' | b'\r'))
}

/// The original value of a cell of a clean/rejects file written with defusing on: the one `'` the
/// writer put in front of a cell that [`needs_defuse`] is taken off.
pub fn undefuse(cell: &str) -> &str {
    match cell.strip_prefix('\'') {
        Some(rest) if needs_defuse(rest.as_bytes()) => rest,
        _ => cell,
    }
}

#[inline(always)]
fn needs_quote(cell: &[u8]) -> bool {
    if cell.len() < 24 {
        cell.iter()
            .any(|&b| matches!(b, b',' | b'"' | b'\n' | b'\r'))
    } else {
        memchr::memchr3(b',', b'"', b'\n', cell).is_some() || memchr::memchr(b'\r', cell).is_some()
    }
}

/// A minimal RFC 4180 CSV formatter into a byte buffer (comma, `\n` records, quotes only when
/// needed). Chunks of rows are formatted in parallel into separate buffers, then written in order.
struct CsvBuf {
    buf: Vec<u8>,
    fields: usize,
    rec_start: usize,
    defuse: bool,
}

impl CsvBuf {
    fn new(cap: usize, defuse: bool) -> CsvBuf {
        CsvBuf {
            buf: Vec::with_capacity(cap),
            fields: 0,
            rec_start: 0,
            defuse,
        }
    }

    #[inline]
    fn quoted(&mut self, prefix: Option<u8>, cell: &[u8]) {
        self.buf.push(b'"');
        if let Some(p) = prefix {
            self.buf.push(p);
        }
        let mut rest = cell;
        while let Some(i) = memchr::memchr(b'"', rest) {
            self.buf.extend_from_slice(&rest[..=i]);
            self.buf.push(b'"');
            rest = &rest[i + 1..];
        }
        self.buf.extend_from_slice(rest);
        self.buf.push(b'"');
    }

    #[inline]
    fn raw(&mut self, cell: &[u8]) {
        if self.fields > 0 {
            self.buf.push(b',');
        }
        self.fields += 1;
        if needs_quote(cell) {
            self.quoted(None, cell);
        } else {
            self.buf.extend_from_slice(cell);
        }
    }

    /// A field we produced that never needs quoting (digits, names).
    #[inline]
    fn plain(&mut self, cell: &[u8]) {
        if self.fields > 0 {
            self.buf.push(b',');
        }
        self.fields += 1;
        self.buf.extend_from_slice(cell);
    }

    /// A cell from the input: prefixed with `'` when it could start a spreadsheet formula.
    #[inline]
    fn cell(&mut self, cell: &[u8]) {
        if self.defuse && needs_defuse(cell) {
            if self.fields > 0 {
                self.buf.push(b',');
            }
            self.fields += 1;
            if needs_quote(cell) {
                self.quoted(Some(b'\''), cell);
            } else {
                self.buf.push(b'\'');
                self.buf.extend_from_slice(cell);
            }
        } else {
            self.raw(cell);
        }
    }

    /// Ends the record with `tail`: further cells, each after its comma, and the newline.
    #[inline]
    fn end_with(&mut self, tail: &[u8]) {
        self.buf.extend_from_slice(tail);
        self.fields = 0;
        self.rec_start = self.buf.len();
    }

    #[inline]
    fn end(&mut self) {
        if self.fields <= 1 && self.buf.len() == self.rec_start {
            // a record of one empty field must not read back as a blank line
            self.buf.extend_from_slice(b"\"\"");
        }
        self.buf.push(b'\n');
        self.fields = 0;
        self.rec_start = self.buf.len();
    }
}

/// An output written to `<path>.part` and renamed into place only when the run succeeds, so a
/// failed run never leaves a truncated file that looks complete.
struct OutFile {
    file: File,
    path: PathBuf,
    part: PathBuf,
    done: bool,
}

impl OutFile {
    fn create(path: &Path) -> Result<OutFile> {
        // a device or pipe (e.g. /dev/null, /dev/stdout) is written directly
        if std::fs::metadata(path).is_ok_and(|m| !m.is_file()) {
            let file = std::fs::OpenOptions::new()
                .write(true)
                .open(path)
                .map_err(io_err(path))?;
            return Ok(OutFile {
                file,
                path: path.into(),
                part: path.into(),
                done: true,
            });
        }
        let mut part = path.as_os_str().to_owned();
        part.push(".part");
        let part = PathBuf::from(part);
        let file = File::create(&part).map_err(io_err(path))?;
        Ok(OutFile {
            file,
            path: path.into(),
            part,
            done: false,
        })
    }
    fn write(&mut self, b: &[u8]) -> Result<()> {
        self.file.write_all(b).map_err(io_err(&self.path))
    }
    fn commit(mut self) -> Result<()> {
        self.file.flush().map_err(io_err(&self.path))?;
        if self.part != self.path && !exchange(&self.part, &self.path) {
            std::fs::rename(&self.part, &self.path).map_err(io_err(&self.path))?;
        }
        self.done = true;
        Ok(())
    }
}

/// Puts `part` in the place of an existing `path` by swapping the two atomically
/// (`renameat2(RENAME_EXCHANGE)`), then removes the old content now at `part`. Returns false
/// (nothing done) when `path` does not exist or the system cannot swap; `rename` then does it.
///
/// Why not just `rename`: ext4 (`auto_da_alloc`) writes a file renamed over an existing one out
/// to disk before `rename` returns, which for a 50 MB output took 50 ms, a quarter of a whole
/// 1M-row clean. Like the plain rename, neither way fsyncs: the outputs are regenerable, the
/// guarantee is that a failed or killed run never leaves a truncated file in their place.
#[cfg(target_os = "linux")]
fn exchange(part: &Path, path: &Path) -> bool {
    use std::os::unix::ffi::OsStrExt;
    if !std::fs::symlink_metadata(path).is_ok_and(|m| m.is_file()) {
        return false;
    }
    let (Ok(a), Ok(b)) = (
        std::ffi::CString::new(part.as_os_str().as_bytes()),
        std::ffi::CString::new(path.as_os_str().as_bytes()),
    ) else {
        return false;
    };
    // SAFETY: two valid NUL-terminated paths; renameat2 only reads them
    let rc = unsafe {
        libc::renameat2(
            libc::AT_FDCWD,
            a.as_ptr(),
            libc::AT_FDCWD,
            b.as_ptr(),
            libc::RENAME_EXCHANGE,
        )
    };
    if rc != 0 {
        return false;
    }
    remove_in_background(part.to_path_buf());
    true
}

/// Removals of replaced outputs still running (see [`remove_in_background`]).
static REMOVALS: std::sync::Mutex<Vec<std::thread::JoinHandle<()>>> =
    std::sync::Mutex::new(Vec::new());

/// Removes a replaced output's old content on another thread: freeing the pages of a large
/// file took ~7 ms, the last serial step of a clean. The caller's result does not wait for it;
/// [`wait_for_removals`] does (the Python package calls it at exit, so no `.part` file is left).
fn remove_in_background(part: PathBuf) {
    // a name of its own first: the next run creates `part` again at once, and the removal
    // must not take that new file
    static N: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
    let mut name = part.as_os_str().to_owned();
    name.push(format!(
        ".old.{}.{}",
        std::process::id(),
        N.fetch_add(1, Ordering::Relaxed)
    ));
    let path = PathBuf::from(name);
    if std::fs::rename(&part, &path).is_err() {
        let _ = std::fs::remove_file(&part);
        return;
    }
    let mut pending = REMOVALS.lock().unwrap_or_else(|e| e.into_inner());
    pending.retain(|h| !h.is_finished());
    let spawned = std::thread::Builder::new()
        .name("callcore-remove".into())
        .spawn({
            let path = path.clone();
            move || {
                let _ = std::fs::remove_file(&path);
            }
        });
    match spawned {
        Ok(h) => pending.push(h),
        Err(_) => {
            let _ = std::fs::remove_file(&path);
        }
    }
}

/// Waits until the old contents of replaced outputs are removed.
pub fn wait_for_removals() {
    let pending = std::mem::take(&mut *REMOVALS.lock().unwrap_or_else(|e| e.into_inner()));
    for h in pending {
        let _ = h.join();
    }
}

#[cfg(not(target_os = "linux"))]
fn exchange(_part: &Path, _path: &Path) -> bool {
    false
}

impl Drop for OutFile {
    fn drop(&mut self) {
        if !self.done {
            let _ = std::fs::remove_file(&self.part);
        }
    }
}

/// Everything needed to format one row's output.
#[derive(Clone, Copy)]
struct RowOut {
    reason: Reason,
    batch: u64,
}

/// The fields of one input record: a `csv::ByteRecord` (sequential path, spreadsheets) or a
/// record inside a parsed piece of the parallel path.
trait Fields {
    fn count(&self) -> usize;
    fn field(&self, i: usize) -> Option<&[u8]>;
}

impl Fields for csv::ByteRecord {
    #[inline]
    fn count(&self) -> usize {
        self.len()
    }
    #[inline]
    fn field(&self, i: usize) -> Option<&[u8]> {
        self.get(i)
    }
}

impl<T: Fields> Fields for &T {
    #[inline]
    fn count(&self) -> usize {
        (**self).count()
    }
    #[inline]
    fn field(&self, i: usize) -> Option<&[u8]> {
        (**self).field(i)
    }
}

#[allow(clippy::too_many_arguments)]
fn format_rows<'r, R: Fields + 'r>(
    rows: impl Iterator<Item = (u64, R)>,
    outs: &[Normalized],
    decided: &[RowOut],
    col: usize,
    width: usize,
    platform: Option<&Profile>,
    clean: &mut CsvBuf,
    rej: &mut CsvBuf,
) {
    for (((line, rec), n), d) in rows.zip(outs).zip(decided) {
        format_row(line, &rec, n, d, col, width, platform, clean, rej);
    }
}

/// One row's output: the clean row (input cells, then the added columns) or the rejects row.
#[inline]
#[allow(clippy::too_many_arguments)]
fn format_row<R: Fields>(
    line: u64,
    rec: &R,
    n: &Normalized,
    d: &RowOut,
    col: usize,
    width: usize,
    platform: Option<&Profile>,
    clean: &mut CsvBuf,
    rej: &mut CsvBuf,
) {
    if d.reason == Reason::Ok {
        for i in 0..rec.count() {
            clean.cell(rec.field(i).unwrap_or(b""));
        }
        for _ in rec.count()..width {
            clean.plain(b"");
        }
        let mut tail = [0u8; TAIL_MAX];
        let l = clean_tail(n, d, platform, &mut tail);
        clean.end_with(&tail[..l]);
    } else {
        let mut b1 = [0u8; 24];
        let mut itoa = [0u8; 24];
        rej.plain(fmt_u64(line, &mut itoa));
        rej.cell(rec.field(col).unwrap_or(b""));
        rej.plain(d.reason.as_str().as_bytes());
        let l1 = n.write_e164(&mut b1);
        rej.plain(&b1[..l1]);
        rej.end();
    }
}

/// Longest [`clean_tail`]: six separators, E.164 and national forms (<= 20 each), the kind,
/// an extension (<= 20 digits), the dialing string (<= 24), a batch number (<= 20 digits), `\n`.
const TAIL_MAX: usize = 160;

/// The columns a clean row gets after the input's cells, each after its comma, and the newline:
/// `,e164,national,kind,ext[,dial,batch]\n` (all digits and letters: never quoted). Every piece
/// is moved as a fixed 24- or 8-byte block and the position advanced by its real length (later
/// pieces overwrite the excess): one call per row of no variable-length copy.
#[inline]
fn clean_tail(
    n: &Normalized,
    d: &RowOut,
    platform: Option<&Profile>,
    out: &mut [u8; TAIL_MAX],
) -> usize {
    const KINDS: [[u8; 8]; 6] = {
        let mut t = [[0u8; 8]; 6];
        let mut k = 0;
        while k < 6 {
            let s = Kind::ALL[k].as_str().as_bytes();
            let mut i = 0;
            while i < s.len() {
                t[k][i] = s[i];
                i += 1;
            }
            k += 1;
        }
        t
    };
    let mut at = 0;
    out[at] = b',';
    at += 1;
    // the E.164 digits go straight into `out`; the national form copies them from there
    let mut nd = 0;
    let digits_at = at + 1;
    if n.is_ok() {
        out[at] = b'+';
        nd = write_digits(n.key, &mut out[digits_at..digits_at + 20]);
        at = digits_at + nd;
    }
    out[at] = b',';
    at += 1;
    // the national form from the E.164 digits (no second conversion)
    let cc = (n.cc_len as usize).min(nd);
    match n.kind {
        Kind::Invalid => {}
        Kind::Foreign => {
            out[at..at + 2].copy_from_slice(b"00");
            out.copy_within(digits_at..digits_at + 24, at + 2);
            at += 2 + nd;
        }
        k => {
            if k == Kind::Fixed {
                out[at] = b'0';
                at += 1;
            }
            out.copy_within(digits_at + cc..digits_at + cc + 24, at);
            at += nd - cc;
        }
    }
    out[at] = b',';
    at += 1;
    let k = n.kind as usize;
    out[at..at + 8].copy_from_slice(&KINDS[k]);
    at += Kind::ALL[k].as_str().len();
    out[at] = b',';
    at += 1;
    if n.ext_len > 0 {
        let mut b2 = [0u8; 24];
        let l3 = n.write_ext(&mut b2);
        out[at..at + 24].copy_from_slice(&b2);
        at += l3;
    }
    if let Some(p) = platform {
        out[at] = b',';
        at += 1;
        let mut b3 = [0u8; 24];
        let l = p.dial(n, &mut b3).unwrap_or(0);
        out[at..at + 24].copy_from_slice(&b3);
        at += l;
        out[at] = b',';
        at += 1;
        let mut itoa = [0u8; 24];
        let v = fmt_u64(d.batch, &mut itoa);
        out[at..at + v.len()].copy_from_slice(v);
        at += v.len();
    }
    out[at] = b'\n';
    at + 1
}

fn map_csv(path: &Path, row: u64) -> impl Fn(csv::Error) -> CalllistError + '_ {
    move |e| {
        let pos_row = e.position().map(|p| p.line()).unwrap_or(row);
        match e.into_kind() {
            csv::ErrorKind::Io(ioe) => {
                if let Some(d) = ioe.get_ref().and_then(|x| x.downcast_ref::<DecodeAt>()) {
                    return CalllistError::decode_at(path, d.0);
                }
                CalllistError::Io {
                    path: path.into(),
                    source: ioe,
                }
            }
            other => CalllistError::Csv {
                path: path.into(),
                row: pos_row,
                message: format!("{other:?}"),
            },
        }
    }
}

/// Paths of a clean run.
pub struct CleanPaths<'p> {
    pub input: &'p Path,
    pub clean: &'p Path,
    pub rejects: &'p Path,
}

/// Where records come from: a CSV stream, or spreadsheet rows already read.
enum Source {
    Csv(Box<csv::Reader<Decoding<File>>>),
    Rows(std::vec::IntoIter<csv::ByteRecord>, u64),
    /// A CSV file for the parallel path (`io/par.rs`), which reads it itself.
    Plain(Option<File>),
}

impl Source {
    /// Reads the next record into `rec`; returns its line (CSV) or row (spreadsheet) number.
    fn next(&mut self, rec: &mut csv::ByteRecord) -> std::result::Result<Option<u64>, csv::Error> {
        match self {
            Source::Csv(rdr) => {
                if !rdr.read_byte_record(rec)? {
                    return Ok(None);
                }
                // the decoder turns CRLF into LF and ends the text with a newline, so the
                // record's first line is the line after it minus its own newlines
                let embedded = rec.as_slice().iter().filter(|&&b| b == b'\n').count() as u64;
                Ok(Some(
                    rdr.position().line().saturating_sub(embedded + 1).max(1),
                ))
            }
            Source::Plain(_) => Ok(None),
            Source::Rows(it, row) => match it.next() {
                None => Ok(None),
                Some(r) => {
                    *row += 1;
                    *rec = r;
                    Ok(Some(*row))
                }
            },
        }
    }
}

/// Records (with their line numbers) and their normalized phone values.
type Chunk = (Vec<(u64, csv::ByteRecord)>, Vec<Normalized>, Vec<u32>);

/// Reads, normalizes, dedups and writes a whole file. `progress(bytes_read, total_bytes, rows)`
/// is called after each chunk (return `false` to abort with an error).
pub fn clean_file(
    paths: &CleanPaths<'_>,
    opts: &CleanOptions,
    norm: &Normalizer,
    blacklist: Option<&Blacklist>,
    store: Option<&mut ImportStore>,
    progress: &mut dyn FnMut(u64, u64, u64) -> bool,
) -> Result<Summary> {
    let input = paths.input;
    let total = std::fs::metadata(input).map_err(io_err(input))?.len();
    for out in [paths.clean, paths.rejects] {
        let same = match (std::fs::canonicalize(input), std::fs::canonicalize(out)) {
            (Ok(a), Ok(b)) => a == b,
            _ => false,
        };
        let device = std::fs::metadata(out).is_ok_and(|m| !m.is_file());
        if same || (paths.clean == paths.rejects && !device) {
            return Err(CalllistError::Config(format!(
                "{}: the outputs must differ from the input and from each other",
                out.display()
            )));
        }
    }
    let consumed = Arc::new(AtomicU64::new(0));
    let (layout, mut source) = if super::xlsx::is_spreadsheet(input) {
        let (rows, above) = super::xlsx::read_rows_at(input, opts.sheet.as_deref())?;
        let take = rows.len().min(100);
        let layout = layout_from_records(input, &rows[..take], opts, norm, UTF_8, Some(b','), 64)?;
        consumed.store(total, Ordering::Relaxed);
        (layout, Source::Rows(rows.into_iter(), above))
    } else {
        let layout = detect_layout(input, opts, norm)?;
        let file = File::open(input).map_err(io_err(input))?;
        if opts.parallel && (layout.encoding == UTF_8 || layout.encoding == GB18030) {
            (layout.clone(), Source::Plain(Some(file)))
        } else {
            let dec = Decoding::new(file, layout.encoding, layout.delimiter, consumed.clone());
            (
                layout.clone(),
                Source::Csv(Box::new(csv_reader(dec, layout.delimiter))),
            )
        }
    };

    let mut summary = Summary {
        encoding: layout.encoding.name().to_string(),
        delimiter: layout.delimiter,
        header: layout.header,
        column: layout.column,
        columns: layout.columns.clone(),
        ..Summary::default()
    };
    let width = layout.columns.len();
    let mut clean_f = OutFile::create(paths.clean)?;
    let mut rej_f = OutFile::create(paths.rejects)?;
    let mut head = CsvBuf::new(4096, opts.defuse);
    let mut rhead = CsvBuf::new(256, opts.defuse);
    if opts.bom {
        head.buf.extend_from_slice(b"\xEF\xBB\xBF");
        rhead.buf.extend_from_slice(b"\xEF\xBB\xBF");
        head.rec_start = 3;
        rhead.rec_start = 3;
    }
    for c in &layout.columns {
        head.cell(c.as_bytes());
    }
    let extra: &[&str] = if opts.platform.is_some() {
        &["e164", "national", "kind", "ext", "dial", "batch"]
    } else {
        &["e164", "national", "kind", "ext"]
    };
    for c in extra {
        head.plain(c.as_bytes());
    }
    head.end();
    for c in ["row", "input", "reason", "e164"] {
        rhead.plain(c.as_bytes());
    }
    rhead.end();
    clean_f.write(&head.buf)?;
    rej_f.write(&rhead.buf)?;

    if let Source::Plain(file) = &mut source {
        let file = file.take().expect("the input file");
        let mut gate = Gate::new(blacklist, store);
        gate.dedup = Dedup::with_capacity((total / layout.avg_row_bytes.max(8)) as usize + 1024);
        gate.imported_since = opts.imported_since;
        gate.record_at = opts.record_at;
        gate.platform = opts.platform.as_ref();
        let mut batcher = opts.platform.as_ref().map(|p| Batcher::new(p.batch_size));
        let (clean_f, rej_f) = par::run(
            par::Job {
                input,
                file,
                layout: &layout,
                norm,
                piece_bytes: opts.chunk_rows.max(1).saturating_mul(8).min(1 << 22),
                width,
                defuse: opts.defuse,
                platform: opts.platform.as_ref(),
                gate: &mut gate,
                summary: &mut summary,
                batcher: &mut batcher,
                total,
            },
            clean_f,
            rej_f,
            progress,
        )?;
        return finish(
            summary, batcher, clean_f, rej_f, gate.store, input, total, progress,
        );
    }

    // reader thread
    let chunk_rows = opts.chunk_rows.max(1);
    let skip_header = layout.header;
    let (tx, rx) = sync_channel::<std::result::Result<Chunk, csv::Error>>(2);
    let (back_tx, back_rx) = sync_channel::<Chunk>(4);
    let rnorm = norm.clone();
    let col = layout.column;
    // set when a file begun as UTF-8 turned out GB18030 (see `Decoding`)
    let switched = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let switched_r = switched.clone();
    let reader = std::thread::spawn(move || {
        let mut first = true;
        loop {
            let (mut chunk, mut outs, mut widths): Chunk =
                back_rx.try_recv().unwrap_or_else(|_| {
                    (
                        Vec::with_capacity(chunk_rows),
                        Vec::with_capacity(chunk_rows),
                        Vec::with_capacity(chunk_rows),
                    )
                });
            let mut filled = 0;
            while filled < chunk_rows {
                if filled == chunk.len() {
                    chunk.push((0, csv::ByteRecord::new()));
                }
                let slot = &mut chunk[filled];
                match source.next(&mut slot.1) {
                    Ok(Some(line)) => {
                        slot.0 = line;
                        if first && skip_header {
                            first = false;
                            continue;
                        }
                        first = false;
                        filled += 1;
                    }
                    Ok(None) => {
                        if let Source::Csv(rdr) = &source {
                            if !rdr.get_ref().utf8 {
                                switched_r.store(true, Ordering::Relaxed);
                            }
                        }
                        break;
                    }
                    Err(e) => {
                        let _ = tx.send(Err(e));
                        return;
                    }
                }
            }
            chunk.truncate(filled);
            // normalize here: this thread parses and normalizes chunk N+1 while the caller's
            // thread dedups and writes chunk N
            outs.clear();
            outs.extend(chunk.iter().map(|(_, r)| match r.get(col) {
                Some(v) => rnorm.normalize(v),
                None => Normalized {
                    reason: Reason::MissingField,
                    ..Normalized::default()
                },
            }));
            // field counts travel with the chunk so the deciding loop does not touch the records
            widths.clear();
            widths.extend(chunk.iter().map(|(_, r)| r.len() as u32));
            let last = filled < chunk_rows;
            if filled > 0 && tx.send(Ok((chunk, outs, widths))).is_err() {
                return;
            }
            if last {
                return;
            }
        }
    });

    let mut gate = Gate::new(blacklist, store);
    // size the dedup table for the whole file up front (rows estimated from the sample)
    gate.dedup = Dedup::with_capacity((total / layout.avg_row_bytes.max(8)) as usize + 1024);
    gate.imported_since = opts.imported_since;
    gate.record_at = opts.record_at;
    gate.platform = opts.platform.as_ref();
    let mut batcher = opts.platform.as_ref().map(|p| Batcher::new(p.batch_size));
    let mut decided: Vec<RowOut> = Vec::new();
    let mut result: Result<()> = Ok(());
    const AHEAD: usize = 32;
    const PIECE: usize = 2048;
    // a writer thread: formatted buffers go out in order while the next chunk is formatted
    let (wtx, wrx) = sync_channel::<(Vec<(CsvBuf, CsvBuf)>, usize)>(2);
    let (wback_tx, wback_rx) = sync_channel::<Vec<(CsvBuf, CsvBuf)>>(4);
    let writer = std::thread::spawn(move || -> Result<(OutFile, OutFile)> {
        for (bufs, pieces) in wrx.iter() {
            for (cb, rb) in &bufs[..pieces] {
                clean_f.write(&cb.buf)?;
                rej_f.write(&rb.buf)?;
            }
            let _ = wback_tx.try_send(bufs);
        }
        Ok((clean_f, rej_f))
    });

    let timing = std::env::var_os("CALLLIST_TIMING").is_some();
    let (mut t_wait, mut t_norm, mut t_rows) = (0f64, 0f64, 0f64);
    let mut t0 = std::time::Instant::now();
    for msg in rx.iter() {
        t_wait += t0.elapsed().as_secs_f64();
        let t1 = std::time::Instant::now();
        let (chunk, outcomes, widths) = match msg {
            Ok(c) => c,
            Err(e) => {
                result = Err(map_csv(input, 0)(e));
                break;
            }
        };
        t_norm += t1.elapsed().as_secs_f64();
        let t2 = std::time::Instant::now();
        // decisions in input order (keep first), then formatting in parallel, then writing in order
        decided.clear();
        for (i, (n, &w)) in outcomes.iter().zip(widths.iter()).enumerate() {
            if layout.scope.is_none() {
                if let Some(a) = outcomes.get(i + AHEAD) {
                    if a.key != 0 {
                        gate.dedup.prefetch(a.key);
                    }
                }
            }
            if w as usize != width {
                summary.ragged += 1;
            }
            if n.reason == Reason::MissingField {
                summary.missing_field += 1;
            }
            let scope = layout
                .scope
                .map(|s| scope_hash(chunk[i].1.get(s).unwrap_or(b"")));
            let reason = gate.decide(n, scope);
            summary.count(n, reason);
            let batch = match (&mut batcher, reason) {
                (Some(b), Reason::Ok) => b.next_batch(),
                _ => 0,
            };
            decided.push(RowOut { reason, batch });
        }
        t_norm += t2.elapsed().as_secs_f64(); // (decide)
        let pieces = chunk.len().div_ceil(PIECE);
        let mut bufs = wback_rx.try_recv().unwrap_or_default();
        while bufs.len() < pieces {
            bufs.push((
                CsvBuf::new(PIECE * 96, opts.defuse),
                CsvBuf::new(PIECE * 24, opts.defuse),
            ));
        }
        let platform = opts.platform.as_ref();
        bufs[..pieces]
            .par_iter_mut()
            .enumerate()
            .for_each(|(k, (cb, rb))| {
                cb.buf.clear();
                cb.rec_start = 0;
                rb.buf.clear();
                rb.rec_start = 0;
                let lo = k * PIECE;
                let hi = (lo + PIECE).min(chunk.len());
                format_rows(
                    chunk[lo..hi].iter().map(|(l, r)| (*l, r)),
                    &outcomes[lo..hi],
                    &decided[lo..hi],
                    col,
                    width,
                    platform,
                    cb,
                    rb,
                );
            });
        let t3 = std::time::Instant::now();
        if wtx.send((bufs, pieces)).is_err() {
            break; // the writer failed; its error is reported below
        }
        t_wait += t3.elapsed().as_secs_f64(); // (hand-off to the writer)
        t_rows += t2.elapsed().as_secs_f64();
        let _ = back_tx.try_send((chunk, outcomes, widths));
        t0 = std::time::Instant::now();
        if !progress(consumed.load(Ordering::Relaxed), total, summary.rows) {
            result = Err(CalllistError::Config("interrupted".into()));
            break;
        }
    }
    drop(rx);
    drop(wtx);
    let _ = reader.join();
    let written = writer
        .join()
        .unwrap_or_else(|_| Err(CalllistError::Config("writer thread panicked".into())));
    if timing {
        eprintln!("calllist timing: waiting+writing {t_wait:.3}s deciding {t_norm:.3}s deciding+formatting+writing {t_rows:.3}s");
    }
    result?;
    let (clean_f, rej_f) = written?;
    if switched.load(Ordering::Relaxed) {
        // begun as UTF-8, read as GB18030 after an ASCII prefix: say what it was
        summary.encoding = GB18030.name().to_string();
    }
    finish(
        summary, batcher, clean_f, rej_f, gate.store, input, total, progress,
    )
}

/// The end of a successful file clean, shared by the parallel and sequential paths: count the
/// batches, refuse an input with no rows, rename both outputs into place, save the import store,
/// and report 100 %.
#[allow(clippy::too_many_arguments)]
fn finish(
    mut summary: Summary,
    batcher: Option<Batcher>,
    clean_f: OutFile,
    rej_f: OutFile,
    store: Option<&mut ImportStore>,
    input: &Path,
    total: u64,
    progress: &mut dyn FnMut(u64, u64, u64) -> bool,
) -> Result<Summary> {
    summary.batches = batcher.map(|b| b.batches()).unwrap_or(0);
    if summary.rows == 0 {
        return Err(CalllistError::Empty { path: input.into() });
    }
    clean_f.commit()?;
    rej_f.commit()?;
    if let Some(st) = store {
        st.save()?;
    }
    progress(total, total, summary.rows);
    Ok(summary)
}

#[inline]
fn fmt_u64(mut v: u64, buf: &mut [u8; 24]) -> &[u8] {
    let mut i = 24;
    loop {
        i -= 1;
        buf[i] = b'0' + (v % 10) as u8;
        v /= 10;
        if v == 0 {
            break;
        }
    }
    &buf[i..]
}

/// In-memory clean over a column of values: per-row final reason codes plus the summary.
pub fn clean_values(
    values: &[&[u8]],
    scopes: Option<&[&[u8]]>,
    norm: &Normalizer,
    mut gate: Gate<'_>,
) -> (Vec<Normalized>, Vec<Reason>, Summary) {
    let outcomes = normalize_many(norm, values.par_iter().copied());
    let mut summary = Summary::default();
    let mut reasons = Vec::with_capacity(values.len());
    for (i, n) in outcomes.iter().enumerate() {
        let scope = scopes.map(|s| scope_hash(s.get(i).copied().unwrap_or(b"")));
        let r = gate.decide(n, scope);
        summary.count(n, r);
        reasons.push(r);
    }
    if let Some(st) = gate.store {
        let _ = st;
    }
    (outcomes, reasons, summary)
}

/// Convenience for tests and tools: the path of a sibling file.
pub fn sibling(path: &Path, name: &str) -> PathBuf {
    path.with_file_name(name)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::calllist::normalize::Config;

    fn tmpdir(tag: &str) -> PathBuf {
        let d = std::env::temp_dir().join(format!("cc-io-{tag}-{}", std::process::id()));
        std::fs::create_dir_all(&d).unwrap();
        d
    }

    fn run(tag: &str, content: &[u8], opts: &CleanOptions) -> Result<(Summary, String, String)> {
        let d = tmpdir(tag);
        let input = d.join("in.csv");
        std::fs::write(&input, content).unwrap();
        let (c, r) = (d.join("clean.csv"), d.join("rejects.csv"));
        let norm = Normalizer::new(&Config::default()).unwrap();
        let s = clean_file(
            &CleanPaths {
                input: &input,
                clean: &c,
                rejects: &r,
            },
            opts,
            &norm,
            None,
            None,
            &mut |_, _, _| true,
        )?;
        Ok((
            s,
            std::fs::read_to_string(c).unwrap(),
            std::fs::read_to_string(r).unwrap(),
        ))
    }

    #[test]
    fn csv_with_header_dups_and_rejects() {
        let data = "name,手机号,note\n张三,138-0013-8000,=cmd\n李四,+8613800138000,x\n王五,abc,y\n赵六,010 12345678,\n";
        let (s, clean, rej) = run("a", data.as_bytes(), &CleanOptions::default()).unwrap();
        assert_eq!((s.rows, s.clean, s.rejected), (4, 2, 2));
        assert_eq!(s.duplicates(), 1);
        assert_eq!(s.column, 1);
        assert!(s.header);
        assert!(clean.starts_with("name,手机号,note,e164,national,kind,ext\n"));
        assert!(clean.contains("张三,138-0013-8000,'=cmd,+8613800138000,13800138000,mobile,"));
        assert!(rej.contains("3,'+8613800138000,duplicate,+8613800138000"));
        assert!(rej.contains("4,abc,bad_char,"));
    }

    #[test]
    fn gbk_and_one_per_line() {
        let (gbk, _, _) = GB18030.encode("电话;姓名\n13800138000;张三\n13900139000;李四\n");
        let (s, clean, _) = run("b", &gbk, &CleanOptions::default()).unwrap();
        assert_eq!(s.encoding, "gb18030");
        assert_eq!(s.delimiter, Some(b';'));
        assert_eq!(s.clean, 2);
        assert!(clean.contains("13800138000,张三,+8613800138000"));
        let (s, _, _) = run(
            "c",
            b"13800138000\n010-12345678,123\n\n95588\n",
            &CleanOptions::default(),
        )
        .unwrap();
        // the service short code is refused by default
        assert_eq!((s.rows, s.clean), (3, 2));
        assert_eq!(s.per_reason[Reason::ShortCode.index()], 1);
        assert_eq!(s.delimiter, None);
    }

    #[test]
    fn late_gbk_switches_and_garbage_errors() {
        let mut data = b"phone,name\n".to_vec();
        for _ in 0..5000 {
            data.extend_from_slice(b"13800138000,abc\n");
        }
        let (g, _, _) = GB18030.encode("13900139000,张三\n");
        data.extend_from_slice(&g);
        let (s, clean, _) = run("d", &data, &CleanOptions::default()).unwrap();
        assert_eq!(s.rows, 5001);
        assert!(clean.contains("张三"));
        let bad = b"phone\n13800138000\n\xff\xff\xff\xfe\x80\n".to_vec();
        let e = run("e", &bad, &CleanOptions::default()).unwrap_err();
        assert!(matches!(e, CalllistError::Decode { .. }), "{e}");
    }

    #[test]
    fn row_numbers_are_line_numbers() {
        for data in [
            &b"phone\n13800138000\n\n\nbad1\n\"x\ny\"\nbad2"[..],
            &b"phone\r\n13800138000\r\n\r\n\r\nbad1\r\n\"x\r\ny\"\r\nbad2\r\n"[..],
        ] {
            let (s, _, rej) = run("rows", data, &CleanOptions::default()).unwrap();
            assert_eq!(s.rows, 4);
            let mut r = csv::Reader::from_reader(rej.as_bytes());
            let rows: Vec<String> = r.records().map(|x| x.unwrap()[0].to_string()).collect();
            assert_eq!(rows, vec!["5", "6", "8"], "{rej}");
        }
    }

    /// The parallel path gives the same files and summary as the single-reader path, also
    /// with pieces of a few bytes (every boundary case: multi-line cells split across pieces,
    /// CRLF, blank lines, a missing final newline, a late GBK switch, a BOM).
    #[test]
    fn parallel_matches_sequential() {
        let (gbk, _, _) =
            GB18030.encode("电话,姓名\r\n13800138000,张三\r\n\"139 0013\r\n9000\",李四\r\n");
        let mut late = b"phone,n\n".to_vec();
        for i in 0..300 {
            late.extend_from_slice(format!("1380013{i:04},a\n").as_bytes());
        }
        late.extend_from_slice(&GB18030.encode("13900139000,张三\n").0);
        let inputs: Vec<Vec<u8>> = vec![
            b"name,phone,note\na,13800138000,\"x\ny\"\nb,\"1390013\n9000\",z\n\n\nc,abc,\"q\"\"\"\n".to_vec(),
            b"\xEF\xBB\xBFphone\r\n13800138000\r\n\r\n\"x\r\ny\"\r\n+8613800138000\r\nbad\r".to_vec(),
            b"phone,x\n\"13800138000\",\"open quote\n13900139000,b\n13700137000,c".to_vec(),
            b"13800138000\n010-12345678\n\n95588\n\xEF\xBB\xBF13900139000\n".to_vec(),
            b"a\rb,13800138000\r\r\nc,13900139000\n".to_vec(),
            b",\"16018\n159083\",,\r,16018159083,,\r,\"16018\n159083\",,\r\r".to_vec(),
            b"phone\n\"13800138000\r\r".to_vec(),
            gbk.to_vec(),
            late,
        ];
        for (k, data) in inputs.iter().enumerate() {
            for rows in [1usize, 2, 3, 7, 16384] {
                let seq = CleanOptions {
                    parallel: false,
                    chunk_rows: rows,
                    ..CleanOptions::default()
                };
                let par = CleanOptions {
                    parallel: true,
                    chunk_rows: rows,
                    ..CleanOptions::default()
                };
                let a = run(&format!("pa{k}"), data, &seq);
                let b = run(&format!("pb{k}"), data, &par);
                match (a, b) {
                    (Ok(a), Ok(b)) => assert_eq!(a, b, "input {k}, chunk_rows {rows}"),
                    (Err(a), Err(b)) => assert_eq!(a.to_string(), b.to_string()),
                    (a, b) => panic!("input {k}, chunk_rows {rows}: {a:?} vs {b:?}"),
                }
            }
        }
        // errors agree too: undecodable after non-ASCII text
        let bad = "phone,n\n13800138000,张三\n"
            .as_bytes()
            .iter()
            .chain(b"\xff\xfe\n")
            .copied()
            .collect::<Vec<u8>>();
        for parallel in [false, true] {
            let o = CleanOptions {
                parallel,
                chunk_rows: 1,
                ..CleanOptions::default()
            };
            let e = run("perr", &bad, &o).unwrap_err();
            assert_eq!(
                e.to_string(),
                run(
                    "perr",
                    &bad,
                    &CleanOptions {
                        parallel: false,
                        ..CleanOptions::default()
                    }
                )
                .unwrap_err()
                .to_string()
            );
        }
    }

    #[test]
    fn bad_inputs() {
        assert!(matches!(
            run("f", b"", &CleanOptions::default()),
            Err(CalllistError::Empty { .. })
        ));
        let o = CleanOptions {
            column: ColumnSel::Name("mobile".into()),
            ..CleanOptions::default()
        };
        let e = run("g", b"phone,name\n13800138000,a\n", &o).unwrap_err();
        assert!(e.to_string().contains("mobile"), "{e}");
        let (s, _, rej) = run(
            "h",
            b"name,phone\na,13800138000\nb\nc,13900139000,extra\n",
            &CleanOptions::default(),
        )
        .unwrap();
        assert_eq!((s.rows, s.clean, s.ragged, s.missing_field), (3, 2, 2, 1));
        assert!(rej.contains("3,,missing_field"));
    }
}

#[cfg(test)]
mod probe {
    use super::*;
    use crate::calllist::normalize::Config;

    /// `CALLLIST_PROBE=/path/list.csv cargo test --release --lib probe -- --ignored --nocapture`
    #[test]
    #[ignore]
    fn stages() {
        let Ok(p) = std::env::var("CALLLIST_PROBE") else {
            return;
        };
        let path = Path::new(&p);
        let norm = Normalizer::new(&Config::default()).unwrap();
        let mut phones: Vec<Vec<u8>> = Vec::new();
        let mut r = csv_reader(File::open(path).unwrap(), Some(b','));
        let mut rec = csv::ByteRecord::new();
        while r.read_byte_record(&mut rec).unwrap() {
            phones.push(rec.get(2).unwrap_or(b"").to_vec());
        }
        for _ in 0..3 {
            let t = std::time::Instant::now();
            let mut k = 0u64;
            for p in &phones {
                k = k.wrapping_add(norm.normalize(p).key);
            }
            let dt = t.elapsed().as_secs_f64();
            println!(
                "normalize 1 thread: {:.1} M/s ({k})",
                phones.len() as f64 / dt / 1e6
            );
        }
        for _ in 0..3 {
            let t = std::time::Instant::now();
            let f = File::open(path).unwrap();
            let mut r = csv_reader(
                Decoding::new(f, UTF_8, Some(b','), Arc::new(AtomicU64::new(0))),
                Some(b','),
            );
            let mut rec = csv::ByteRecord::new();
            let mut n = 0;
            while r.read_byte_record(&mut rec).unwrap() {
                n += rec.len();
            }
            println!("read+parse: {:?} ({n})", t.elapsed());
            let t = std::time::Instant::now();
            let out = std::env::temp_dir();
            let s = clean_file(
                &CleanPaths {
                    input: path,
                    clean: &out.join("probe_c.csv"),
                    rejects: &out.join("probe_r.csv"),
                },
                &CleanOptions::default(),
                &norm,
                None,
                None,
                &mut |_, _, _| true,
            )
            .unwrap();
            println!("clean_file: {:?} ({} rows)", t.elapsed(), s.rows);
            assert_eq!(s.rows as usize, phones.len() - 1);
            assert_eq!(s.rows, s.clean + s.rejected);
        }
    }
}
