//! Formatting the clean and rejects rows: CSV quoting, formula defusing and the added columns.

use crate::calllist::normalize::{Kind, Normalized, Reason};
use crate::calllist::platform::Profile;
use crate::digits::write_u64;

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
pub(super) fn needs_quote(cell: &[u8]) -> bool {
    if cell.len() < 24 {
        cell.iter()
            .any(|&b| matches!(b, b',' | b'"' | b'\n' | b'\r'))
    } else {
        memchr::memchr3(b',', b'"', b'\n', cell).is_some() || memchr::memchr(b'\r', cell).is_some()
    }
}

/// A minimal RFC 4180 CSV formatter into a byte buffer (comma, `\n` records, quotes only when
/// needed). Chunks of rows are formatted in parallel into separate buffers, then written in order.
pub(super) struct CsvBuf {
    pub(super) buf: Vec<u8>,
    pub(super) fields: usize,
    pub(super) rec_start: usize,
    pub(super) defuse: bool,
}

impl CsvBuf {
    pub(super) fn new(cap: usize, defuse: bool) -> CsvBuf {
        CsvBuf {
            buf: Vec::with_capacity(cap),
            fields: 0,
            rec_start: 0,
            defuse,
        }
    }

    #[inline]
    pub(super) fn quoted(&mut self, prefix: Option<u8>, cell: &[u8]) {
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
    pub(super) fn raw(&mut self, cell: &[u8]) {
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
    pub(super) fn plain(&mut self, cell: &[u8]) {
        if self.fields > 0 {
            self.buf.push(b',');
        }
        self.fields += 1;
        self.buf.extend_from_slice(cell);
    }

    /// A cell from the input: prefixed with `'` when it could start a spreadsheet formula.
    #[inline]
    pub(super) fn cell(&mut self, cell: &[u8]) {
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
    pub(super) fn end_with(&mut self, tail: &[u8]) {
        self.buf.extend_from_slice(tail);
        self.fields = 0;
        self.rec_start = self.buf.len();
    }

    #[inline]
    pub(super) fn end(&mut self) {
        if self.fields <= 1 && self.buf.len() == self.rec_start {
            // a record of one empty field must not read back as a blank line
            self.buf.extend_from_slice(b"\"\"");
        }
        self.buf.push(b'\n');
        self.fields = 0;
        self.rec_start = self.buf.len();
    }
}

/// Everything needed to format one row's output.
#[derive(Clone, Copy)]
pub(super) struct RowOut {
    pub(super) reason: Reason,
    pub(super) batch: u64,
}

/// The fields of one input record: a `csv::ByteRecord` (sequential path, spreadsheets) or a
/// record inside a parsed piece of the parallel path.
pub(super) trait Fields {
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
pub(super) fn format_rows<'r, R: Fields + 'r>(
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
pub(super) fn format_row<R: Fields>(
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
        let l = write_u64(line, &mut itoa);
        rej.plain(&itoa[..l]);
        rej.cell(rec.field(col).unwrap_or(b""));
        rej.plain(d.reason.as_str().as_bytes());
        let l1 = n.write_e164(&mut b1);
        rej.plain(&b1[..l1]);
        rej.end();
    }
}

/// Longest [`clean_tail`]: six separators, E.164 and national forms (<= 20 each), the kind,
/// an extension (<= 20 digits), the dialing string (<= 24), a batch number (<= 20 digits), `\n`.
pub(super) const TAIL_MAX: usize = 160;

/// The columns a clean row gets after the input's cells, each after its comma, and the newline:
/// `,e164,national,kind,ext[,dial,batch]\n` (all digits and letters: never quoted). Every piece
/// is moved as a fixed 24- or 8-byte block and the position advanced by its real length (later
/// pieces overwrite the excess): one call per row of no variable-length copy.
#[inline]
pub(super) fn clean_tail(
    n: &Normalized,
    d: &RowOut,
    platform: Option<&Profile>,
    out: &mut [u8; TAIL_MAX],
) -> usize {
    pub(super) const KINDS: [[u8; 8]; 6] = {
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
        nd = write_u64(n.key, &mut out[digits_at..digits_at + 20]);
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
        at += write_u64(d.batch, &mut out[at..]);
    }
    out[at] = b'\n';
    at + 1
}
