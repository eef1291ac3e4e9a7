//! The parallel CSV path of [`clean_file`](super::clean_file): both cores from reading to writing.
//!
//! A producer thread reads the file in blocks (a few MiB, ending at a newline), decodes them
//! (UTF-8 is validated in place; GB18030/GBK is transcoded; a UTF-8 file that turns out GBK after
//! an ASCII prefix switches over, exactly as the sequential reader does), cuts each block into
//! pieces at newlines and parses + normalizes the pieces in parallel (rayon), each with its own
//! `csv_core` reader (the engine of the `csv` crate, so the records are the same).
//!
//! A newline may sit inside a quoted (multi-line) cell, so a piece may start inside a record.
//! Each piece reports whether it ended inside a record ("dirty"); piece 0 of a block always
//! starts at a record boundary, so the first dirty piece and everything after it in the block
//! are parsed again sequentially, and a record still open at the end of the block is carried
//! into the next one. Files without multi-line cells never take the slow route.
//!
//! The caller's thread decides (keep-first dedup, blacklist, store, batches) in input order
//! while the producer parses the next block; formatting runs in parallel per piece and a writer
//! thread writes the pieces in order. Memory: a few blocks plus the dedup table.

use std::fs::File;
use std::io::Read;
use std::sync::mpsc::sync_channel;

use csv_core::{ReadRecordResult, Reader as CoreReader, ReaderBuilder as CoreBuilder};
use encoding_rs::{DecoderResult, GB18030, UTF_8};
use rayon::prelude::*;

use super::gate::{Gate, Summary};
use super::pipeline::{tap_dial, write_out, CleanOut};
use super::sniff::Layout;
use super::write::{clean_tail, format_row, needs_defuse, CsvBuf, Fields, RowOut, TAIL_MAX};
use crate::calllist::dedup::scope_hash;
use crate::calllist::dial_column::DialTap;
use crate::calllist::normalize::{Normalized, Normalizer, Reason};
use crate::calllist::platform::{Batcher, Profile};
use crate::calllist::{io_err, CalllistError, Result};
use crate::digits::write_u64;
use crate::fsutil::AtomicFile;

#[derive(Clone, Copy, Default)]
struct RecMeta {
    /// index of its first field in `Piece::spans`
    first: usize,
    /// number of fields
    n: u32,
    /// the `csv_core` line counter after the record (1 + newlines consumed in the piece)
    line: u64,
    /// one line, comma-delimited, no cell holding a comma, quote or newline: its cells go out
    /// as they are, unquoted (see [`fast_clean_row`])
    simple: bool,
}

/// Bytes after a piece's text that may be read (never used) by the 64-byte blocks of
/// [`Specials`] and the unaligned 16-byte copies of [`fast_clean_row`].
const SLACK: usize = 64;

/// One parsed piece of a block, with every buffer reused from block to block.
#[derive(Default)]
pub(super) struct Piece {
    scratch: Vec<u8>,
    /// the field bytes: the piece's text itself (simple lines), or `csv_core`'s unquoted output
    fields: Vec<u8>,
    /// `(start, end)` of every field in `fields`, record after record
    spans: Vec<(usize, usize)>,
    /// `csv_core`'s field ends (relative to the record's start in `fields`)
    core_ends: Vec<usize>,
    recs: Vec<RecMeta>,
    norms: Vec<Normalized>,
    scopes: Vec<u64>,
    /// newlines in the piece
    newlines: u64,
    /// ended inside a record
    dirty: bool,
    /// (UTF-8 input) not valid UTF-8 / has non-ASCII bytes
    bad_utf8: bool,
    non_ascii: bool,
    /// newlines in the file before this piece
    base: u64,
    /// records to skip (the header row)
    skip: usize,
    decided: Vec<RowOut>,
    /// the parser, built once per buffer slot (building its DFA costs more than a small piece)
    core: Option<CoreReader>,
    clean: Option<CsvBuf>,
    rej: Option<CsvBuf>,
}

struct PRec<'a> {
    data: &'a [u8],
    spans: &'a [(usize, usize)],
}

impl Fields for PRec<'_> {
    #[inline]
    fn count(&self) -> usize {
        self.spans.len()
    }
    #[inline]
    fn field(&self, i: usize) -> Option<&[u8]> {
        let &(s, e) = self.spans.get(i)?;
        Some(&self.data[s..e])
    }
}

#[inline]
fn rec<'a>(fields: &'a [u8], spans: &'a [(usize, usize)], m: &RecMeta) -> PRec<'a> {
    PRec {
        data: fields,
        spans: &spans[m.first..m.first + m.n as usize],
    }
}

/// The input line of a record: the line after it minus its own newlines (as the sequential
/// reader computes it).
#[inline]
fn line_of(fields: &[u8], spans: &[(usize, usize)], m: &RecMeta, base: u64) -> u64 {
    let data = match m.n {
        0 => &[][..],
        n => &fields[spans[m.first].0..spans[m.first + n as usize - 1].1],
    };
    let embedded = if memchr::memchr(b'\n', data).is_some() {
        memchr::memchr_iter(b'\n', data).count() as u64
    } else {
        0
    };
    (base + m.line).saturating_sub(embedded + 1).max(1)
}

/// Parses `src` without `csv_core` when every record in it is one line of plain fields or simply
/// quoted ones (`"..."` holding no quote and no newline, followed by the delimiter or the line's
/// end): the common shape of exported lists. The text is copied into `p.fields` once, in bulk,
/// and the fields are spans of it, so no field is copied on its own. Returns false, having
/// filled nothing that matters, on anything else (a doubled quote, a quote inside a plain
/// field, text after a closing quote, a multi-line cell, a CR), and `csv_core` then parses the
/// piece; the records are the same either way (a property test compares them).
fn fast_piece(src: &[u8], delim: u8, p: &mut Piece) -> bool {
    // lines end in '\n' (the producer cuts pieces after newlines; at the end of the file the
    // text is given a final newline)
    if src.last().is_some_and(|&b| b != b'\n') {
        return false;
    }
    p.fields.clear();
    p.fields.extend_from_slice(src);
    p.fields.extend_from_slice(&[0u8; SLACK]);
    p.spans.clear();
    p.recs.clear();
    let (s, spans, recs) = (&p.fields[..], &mut p.spans, &mut p.recs);
    let n = src.len();
    // every byte that matters (delimiter, quote, LF, CR) in order, found 64 bytes at a time
    let mut ev = Specials::new(s, n, delim);
    let mut pos = 0usize;
    let mut line = 1u64;
    while pos < n {
        if s[pos] == b'\n' {
            // a blank line: csv_core skips it
            ev.next();
            pos += 1;
            line += 1;
            continue;
        }
        let first = spans.len();
        // a comma inside a quoted cell (or any cell of a file with another delimiter) needs
        // quoting in the comma-delimited output
        let mut comma = delim != b',';
        loop {
            // the events before `pos` are consumed; `end`: the delimiter or LF after the cell
            let end;
            if s[pos] == b'"' {
                ev.next(); // the opening quote
                let close = loop {
                    let Some(e) = ev.next() else {
                        return false;
                    };
                    match s[e] {
                        b'"' => break e,
                        b'\n' | b'\r' => return false, // a multi-line cell, a CR
                        _ => comma = true,             // the delimiter inside quotes
                    }
                };
                end = close + 1;
                if end >= n || (s[end] != delim && s[end] != b'\n') {
                    return false; // a doubled quote, text after the closing quote
                }
                ev.next(); // `end` itself
                spans.push((pos + 1, close));
            } else {
                let Some(e) = ev.next() else {
                    return false;
                };
                if s[e] == b'"' || s[e] == b'\r' {
                    return false; // a quote inside a plain cell, a CR (a record end to csv_core)
                }
                end = e;
                spans.push((pos, end));
            }
            pos = end + 1;
            if s[end] == b'\n' {
                break;
            }
        }
        line += 1;
        recs.push(RecMeta {
            first,
            n: (spans.len() - first) as u32,
            line,
            simple: !comma,
        });
    }
    p.newlines = line - 1;
    p.dirty = false;
    true
}

/// The positions of the delimiter, `"`, LF and CR in `s[..n]`, in order: each 64-byte block is
/// compared at once (SSE2 on x86-64) into a bit mask whose set bits are walked. `s` must have
/// [`SLACK`] (>= 64) readable bytes after `n`.
struct Specials<'a> {
    s: &'a [u8],
    n: usize,
    delim: u8,
    /// start of the block `mask` describes
    base: usize,
    mask: u64,
}

impl<'a> Specials<'a> {
    fn new(s: &'a [u8], n: usize, delim: u8) -> Specials<'a> {
        debug_assert!(s.len() >= n + 64);
        let mut sp = Specials {
            s,
            n,
            delim,
            base: 0,
            mask: 0,
        };
        sp.mask = sp.block(0);
        sp
    }

    #[inline]
    fn block(&self, at: usize) -> u64 {
        let mut m = block_mask(&self.s[at..at + 64], self.delim);
        if at + 64 > self.n {
            // bytes past the text are slack
            m &= (1u64 << (self.n - at)) - 1;
        }
        m
    }

    #[inline]
    fn next(&mut self) -> Option<usize> {
        while self.mask == 0 {
            self.base += 64;
            if self.base >= self.n {
                return None;
            }
            self.mask = self.block(self.base);
        }
        let i = self.mask.trailing_zeros() as usize;
        self.mask &= self.mask - 1;
        Some(self.base + i)
    }
}

/// Bit i set when `b[i]` is the delimiter, `"`, LF or CR (`b` is 64 bytes).
#[inline]
fn block_mask(b: &[u8], delim: u8) -> u64 {
    #[cfg(target_arch = "x86_64")]
    {
        use std::arch::x86_64::*;
        debug_assert!(b.len() >= 64);
        // SAFETY: SSE2 is part of x86-64; the four unaligned 16-byte loads read b[0..64]
        unsafe {
            let (d, q, lf, cr) = (
                _mm_set1_epi8(delim as i8),
                _mm_set1_epi8(b'"' as i8),
                _mm_set1_epi8(b'\n' as i8),
                _mm_set1_epi8(b'\r' as i8),
            );
            let mut m = 0u64;
            for k in 0..4 {
                let v = _mm_loadu_si128(b.as_ptr().add(16 * k) as *const __m128i);
                let hit = _mm_or_si128(
                    _mm_or_si128(_mm_cmpeq_epi8(v, d), _mm_cmpeq_epi8(v, q)),
                    _mm_or_si128(_mm_cmpeq_epi8(v, lf), _mm_cmpeq_epi8(v, cr)),
                );
                m |= (_mm_movemask_epi8(hit) as u32 as u64) << (16 * k);
            }
            m
        }
    }
    #[cfg(not(target_arch = "x86_64"))]
    {
        let mut m = 0u64;
        for (i, &c) in b[..64].iter().enumerate() {
            if c == delim || c == b'"' || c == b'\n' || c == b'\r' {
                m |= 1 << i;
            }
        }
        m
    }
}

fn new_core(delim: Option<u8>) -> CoreReader {
    // the same settings as `csv_reader` (csv::ReaderBuilder's defaults otherwise)
    let mut c = CoreBuilder::new()
        .delimiter(delim.unwrap_or(0x1F))
        .quoting(true)
        .build();
    prime(&mut c);
    c
}

/// Back to a record start at line 1, as a reader that has read before.
fn prime(c: &mut CoreReader) {
    c.reset();
    // mark the reader as used: a fresh csv_core reader strips a UTF-8 BOM at its start, which
    // must happen only at the start of the file (handled by the producer). A blank line is
    // skipped by the parser and leaves it at a record start.
    let (mut o, mut e) = ([0u8; 8], [0usize; 8]);
    let _ = c.read_record(b"\n", &mut o, &mut e);
    c.set_line(1);
}

struct Parse<'a> {
    delim: Option<u8>,
    norm: &'a Normalizer,
    col: usize,
    scope: Option<usize>,
}

impl Parse<'_> {
    /// Parses `input` (whole lines) into `p`; `eof`: the input ends the file.
    /// `ascii_matters`: no non-ASCII byte seen yet (only then can a UTF-8 error still mean a
    /// GB18030 file, so only then is the piece checked for being all ASCII).
    fn piece(&self, input: &[u8], eof: bool, utf8: bool, ascii_matters: bool, p: &mut Piece) {
        // validation here, in parallel; the producer handles an error in order (it may be the
        // switch to GB18030 that the sequential decoder makes)
        p.bad_utf8 = utf8 && simdutf8::basic::from_utf8(input).is_err();
        p.non_ascii = utf8 && ascii_matters && !p.bad_utf8 && !input.is_ascii();
        // CRLF -> LF outside quoted cells, exactly as the sequential decoder does (a piece starts
        // at a record start; one that does not is parsed again from an earlier start)
        let mut scratch = std::mem::take(&mut p.scratch);
        let has_cr = memchr::memchr(b'\r', input).is_some();
        let src: &[u8] = if has_cr || (eof && input.last().is_some_and(|&b| b != b'\n')) {
            scratch.clear();
            if has_cr && memchr::memchr(b'"', input).is_none() {
                // no quote, so no quoted cell: every CR before an LF ends a record (memchr
                // instead of the byte-wise tracker; the same bytes come out)
                let mut rest = input;
                while let Some(i) = memchr::memchr(b'\r', rest) {
                    scratch.extend_from_slice(&rest[..i]);
                    if rest.get(i + 1) != Some(&b'\n') {
                        scratch.push(if eof && i + 1 == rest.len() {
                            b'\n'
                        } else {
                            b'\r'
                        });
                    }
                    rest = &rest[i + 1..];
                }
                scratch.extend_from_slice(rest);
            } else if has_cr {
                let mut fix = super::decode::CrlfOutsideQuotes::new(self.delim);
                for &b in input {
                    fix.step(b, &mut |o| scratch.push(o));
                }
                if eof {
                    fix.finish(&mut |o| scratch.push(o));
                }
            } else {
                scratch.extend_from_slice(input);
            }
            if eof && scratch.last().is_some_and(|&b| b != b'\n') {
                // the sequential decoder ends the text with a newline
                scratch.push(b'\n');
            }
            &scratch
        } else {
            input
        };
        let delim = self.delim.unwrap_or(0x1F);
        if !fast_piece(src, delim, p) {
            self.core_piece(src, eof, p);
        }
        p.base = 0;
        p.skip = 0;
        p.norms.clear();
        p.scopes.clear();
        let (fields, spans) = (&p.fields, &p.spans);
        p.norms.extend(
            p.recs
                .iter()
                .map(|m| match rec(fields, spans, m).field(self.col) {
                    Some(v) => self.norm.normalize(v),
                    None => Normalized {
                        reason: Reason::MissingField,
                        ..Normalized::default()
                    },
                }),
        );
        if let Some(s) = self.scope {
            p.scopes.extend(
                p.recs
                    .iter()
                    .map(|m| scope_hash(rec(fields, spans, m).field(s).unwrap_or(b""))),
            );
        }
        p.scratch = scratch;
    }

    /// Parses `src` with `csv_core` (any CSV: doubled quotes, multi-line cells, lone CRs).
    fn core_piece(&self, src: &[u8], eof: bool, p: &mut Piece) {
        if p.fields.len() < src.len() + 16 {
            p.fields.resize(src.len() + 16, 0);
        }
        if p.core_ends.len() < 4096 {
            p.core_ends.resize(4096, 0);
        }
        p.recs.clear();
        p.spans.clear();
        let mut core = match p.core.take() {
            Some(mut c) => {
                prime(&mut c);
                c
            }
            None => new_core(self.delim),
        };
        let (mut pos, mut out, mut ne) = (0usize, 0usize, 0usize);
        let (mut rec_out, mut rec_end) = (0usize, 0usize);
        loop {
            if pos >= src.len() && !eof {
                break;
            }
            let (res, nin, nout, nend) =
                core.read_record(&src[pos..], &mut p.fields[out..], &mut p.core_ends[ne..]);
            pos += nin;
            out += nout;
            ne += nend;
            match res {
                ReadRecordResult::InputEmpty => {}
                ReadRecordResult::OutputFull => {
                    let n = p.fields.len() * 2;
                    p.fields.resize(n, 0);
                }
                ReadRecordResult::OutputEndsFull => {
                    let n = p.core_ends.len() * 2;
                    p.core_ends.resize(n, 0);
                }
                ReadRecordResult::Record => {
                    let first = p.spans.len();
                    let mut start = rec_out;
                    for &e in &p.core_ends[rec_end..ne] {
                        p.spans.push((start, rec_out + e));
                        start = rec_out + e;
                    }
                    p.recs.push(RecMeta {
                        first,
                        n: (ne - rec_end) as u32,
                        line: core.line(),
                        simple: false,
                    });
                    rec_out = out;
                    rec_end = ne;
                }
                ReadRecordResult::End => break,
            }
        }
        p.dirty = rec_out != out || rec_end != ne;
        p.newlines = core.line() - 1;
        p.core = Some(core);
    }
}

/// Appends the clean row of a simple record: its cells as they are (they need no quotes), empty
/// cells up to `width`, then `tail[..tail_len]` (the added columns and the newline). Equal, byte for byte, to
/// what [`format_row`] writes for it (a property test compares the two paths' files); faster
/// because the cells, mostly short, are moved 16 bytes at a time without a call per cell.
/// `data` must have [`SLACK`] readable bytes after every span.
#[inline]
fn fast_clean_row(
    out: &mut Vec<u8>,
    data: &[u8],
    spans: &[(usize, usize)],
    width: usize,
    tail: &[u8; TAIL_MAX],
    tail_len: usize,
) {
    let cells: usize = match spans {
        [] => 0,
        [f, .., l] => l.1 - f.0,
        [f] => f.1 - f.0,
    };
    let need = cells + width + TAIL_MAX + SLACK;
    out.reserve(need);
    let mut at = out.len();
    let base = out.as_mut_ptr();
    for (i, &(a, b)) in spans.iter().enumerate() {
        let len = b - a;
        debug_assert!(b + SLACK <= data.len());
        // SAFETY: `out` has room for every cell, separator and the slack reserved above (the
        // cells of one line are no longer than the line); `data[a..a + 16]` is readable as the
        // caller guarantees SLACK bytes after every span; the ranges do not overlap (different
        // buffers). Bytes copied past a cell's end are overwritten or lie beyond `len`.
        unsafe {
            if i > 0 {
                *base.add(at) = b',';
                at += 1;
            }
            if len <= 16 {
                std::ptr::copy_nonoverlapping(data.as_ptr().add(a), base.add(at), 16);
            } else {
                std::ptr::copy_nonoverlapping(data.as_ptr().add(a), base.add(at), len);
            }
        }
        at += len;
    }
    // a record has at least one cell, so each missing cell is one more comma
    debug_assert!(!spans.is_empty());
    // SAFETY: the commas of the missing cells and the tail fit in the reserved room
    unsafe {
        for _ in spans.len()..width {
            *base.add(at) = b',';
            at += 1;
        }
        // the whole tail buffer (a fixed-size move); only `tail_len` bytes count
        std::ptr::copy_nonoverlapping(tail.as_ptr(), base.add(at), TAIL_MAX);
        out.set_len(at + tail_len);
    }
}

/// Appends the rejects row of a simple record (`row,input,reason,e164`): the same bytes as
/// [`format_row`] writes for it (its cells need no quotes; the caller checked the input cell
/// needs no defusing), without the cell-by-cell formatter.
#[inline]
fn fast_reject_row(out: &mut Vec<u8>, line: u64, input: &[u8], n: &Normalized, reason: Reason) {
    let mut buf = [0u8; 64];
    let l = write_u64(line, &mut buf);
    out.extend_from_slice(&buf[..l]);
    out.push(b',');
    out.extend_from_slice(input);
    out.push(b',');
    out.extend_from_slice(reason.as_str().as_bytes());
    out.push(b',');
    if n.is_ok() {
        buf[0] = b'+';
        let l = write_u64(n.key, &mut buf[1..]);
        out.extend_from_slice(&buf[..l + 1]);
    }
    out.push(b'\n');
}

/// Piece boundaries of `text[..end]`: about `size` bytes each, ending after a newline.
fn cut(text: &[u8], end: usize, size: usize, out: &mut Vec<(usize, usize)>) {
    out.clear();
    let mut s = 0;
    while s < end {
        let target = s + size;
        let e = if target >= end {
            end
        } else {
            match memchr::memchr(b'\n', &text[target..end]) {
                Some(i) => target + i + 1,
                None => end,
            }
        };
        out.push((s, e));
        s = e;
    }
}

struct Round {
    pieces: Vec<Piece>,
    n: usize,
    consumed: u64,
}

fn decode_err(path: &std::path::Path, offset: u64) -> CalllistError {
    CalllistError::decode_at(path, offset)
}

/// Reads `want` more bytes (or to the end) onto `buf`; returns true at the end of the file.
fn fill(file: &mut File, buf: &mut Vec<u8>, want: usize, path: &std::path::Path) -> Result<bool> {
    // `read_to_end` reads into the spare capacity without zero-filling it first
    buf.reserve(want);
    let n = file
        .take(want as u64)
        .read_to_end(buf)
        .map_err(io_err(path))?;
    Ok(n < want)
}

/// Everything the parallel path needs from `clean_file`.
pub(super) struct Job<'a, 'g> {
    pub input: &'a std::path::Path,
    pub file: File,
    pub layout: &'a Layout,
    pub norm: &'a Normalizer,
    pub piece_bytes: usize,
    pub width: usize,
    pub defuse: bool,
    pub platform: Option<&'a Profile>,
    pub gate: &'a mut Gate<'g>,
    pub summary: &'a mut Summary,
    pub batcher: &'a mut Option<Batcher>,
    pub total: u64,
}

/// Runs the pipeline; returns the output files for the caller to commit, and `dial` having
/// seen every clean row.
pub(super) fn run(
    job: Job<'_, '_>,
    clean_f: CleanOut,
    rej_f: AtomicFile,
    dial: Option<DialTap>,
    progress: &mut dyn FnMut(u64, u64, u64) -> bool,
) -> Result<(CleanOut, AtomicFile, Option<DialTap>)> {
    let Job {
        input,
        mut file,
        layout,
        norm,
        piece_bytes,
        width,
        defuse,
        platform,
        gate,
        summary,
        batcher,
        total,
    } = job;
    let piece_bytes = piece_bytes.max(16);
    let block_bytes = piece_bytes * 8;
    let parse = Parse {
        delim: layout.delimiter,
        norm,
        col: layout.column,
        scope: layout.scope,
    };
    let (tx, rx) = sync_channel::<Result<Round>>(1);
    let (wtx, wrx) = sync_channel::<Round>(2);
    // a fixed pool of block buffers circulates producer -> decider -> writer -> producer: memory
    // stays bounded and the buffers are reused instead of being allocated and freed per block
    const POOL: usize = 3;
    let trim_at = (piece_bytes * 16).max(4 << 20);
    let (back_tx, back_rx) = sync_channel::<Vec<Piece>>(POOL);
    for _ in 0..POOL {
        let _ = back_tx.send(Vec::new());
    }
    let gb_start = layout.encoding == GB18030;
    let header = layout.header;
    debug_assert!(layout.encoding == UTF_8 || gb_start);

    // set when a file begun as UTF-8 turns out GB18030: the summary then says so
    let switched = std::sync::atomic::AtomicBool::new(false);
    let switched_ref = &switched;
    let result = std::thread::scope(|sc| {
        // ------------------------------------------------------------ producer
        let producer = sc.spawn(move || {
            let mut text: Vec<u8> = Vec::with_capacity(block_bytes + piece_bytes);
            let mut raw: Vec<u8> = Vec::new();
            let mut gb = gb_start.then(|| GB18030.new_decoder_with_bom_removal());
            let mut raw_off: u64 = 0; // file offset of raw[0] (GB mode)
            let mut text_off: u64 = 0; // file offset of text[0] (UTF-8 mode)
            let mut validated = 0usize; // text[..validated] is decoded, valid UTF-8
            let mut read_total: u64 = 0;
            let mut eof = false;
            let mut started = false;
            let mut seen_non_ascii = false;
            let mut header_pending = header;
            let mut lines_before: u64 = 0;
            let mut want = block_bytes;
            let mut carrying = false;
            let mut ranges: Vec<(usize, usize)> = Vec::new();
            let mut spare: Option<Vec<Piece>> = None;
            let result: Result<()> = (|| loop {
                // 1. read and decode up to the last newline
                let mut end;
                if gb.is_none() {
                    if !eof && text.len() - validated < want {
                        let before = text.len();
                        eof = fill(&mut file, &mut text, want, input)?;
                        read_total += (text.len() - before) as u64;
                    }
                    if !started {
                        started = true;
                        if text.starts_with(b"\xEF\xBB\xBF") {
                            text.drain(..3);
                            text_off = 3;
                            // a BOM decides UTF-8: no later switch to GB18030, bad bytes are an
                            // error (the sequential reader counts the BOM as non-ASCII text too)
                            seen_non_ascii = true;
                        }
                    }
                    let stop = if eof {
                        text.len()
                    } else {
                        match memchr::memrchr(b'\n', &text[validated..]) {
                            Some(i) => validated + i + 1,
                            None => {
                                want = want.saturating_mul(2);
                                continue;
                            }
                        }
                    };
                    end = stop;
                } else {
                    end = 0;
                }
                let check = |text: &mut Vec<u8>,
                             raw: &mut Vec<u8>,
                             raw_off: &mut u64,
                             gb: &mut Option<encoding_rs::Decoder>,
                             validated: usize,
                             stop: usize,
                             seen_non_ascii: bool|
                 -> Result<()> {
                    match std::str::from_utf8(&text[validated..stop]) {
                        Ok(_) => Ok(()),
                        Err(e) => {
                            let bad = validated + e.valid_up_to();
                            if !seen_non_ascii && text[validated..bad].is_ascii() {
                                // ASCII so far: the file is GB18030/GBK after all
                                *raw = text.split_off(validated);
                                *raw_off = text_off + validated as u64;
                                *gb = Some(GB18030.new_decoder_without_bom_handling());
                                switched_ref.store(true, std::sync::atomic::Ordering::Relaxed);
                                Ok(())
                            } else {
                                Err(decode_err(input, text_off + bad as u64))
                            }
                        }
                    }
                };
                let utf8 = gb.is_none();
                if let Some(dec) = gb.as_mut() {
                    if !eof && raw.len() < want {
                        let before = raw.len();
                        let more = want - raw.len();
                        eof = fill(&mut file, &mut raw, more, input)?;
                        read_total += (raw.len() - before) as u64;
                    }
                    let stop = if eof {
                        raw.len()
                    } else {
                        match memchr::memrchr(b'\n', &raw) {
                            Some(i) => i + 1,
                            None => {
                                want = want.saturating_mul(2);
                                continue;
                            }
                        }
                    };
                    let last = eof;
                    let need = dec
                        .max_utf8_buffer_length_without_replacement(stop)
                        .unwrap_or(stop * 3 + 16);
                    let at = text.len();
                    text.resize(at + need, 0);
                    let (res, read, written) =
                        dec.decode_to_utf8_without_replacement(&raw[..stop], &mut text[at..], last);
                    text.truncate(at + written);
                    if let DecoderResult::Malformed(b, x) = res {
                        let good = read - b as usize - x as usize;
                        return Err(decode_err(input, raw_off + good as u64));
                    }
                    raw.drain(..read);
                    raw_off += read as u64;
                    validated = text.len();
                    end = validated;
                }

                // 2. cut into pieces and parse them in parallel
                cut(&text, end, piece_bytes, &mut ranges);
                if carrying && end > 0 {
                    // the block starts inside a record that ran past the last block's end (a long
                    // multi-line cell, or an unclosed quote): every piece but this one would be
                    // parsed for nothing, so parse the block in one piece
                    ranges.clear();
                    ranges.push((0, end));
                }
                let Ok(mut pieces) = spare.take().map(Ok).unwrap_or_else(|| back_rx.recv()) else {
                    return Ok(()); // the writer stopped
                };
                if pieces.len() < ranges.len() {
                    pieces.resize_with(ranges.len(), Piece::default);
                }
                let nr = ranges.len();
                let tref = &text;
                pieces[..nr]
                    .par_iter_mut()
                    .zip(ranges.par_iter())
                    .enumerate()
                    .for_each(|(k, (p, &(s, e)))| {
                        parse.piece(&tref[s..e], eof && k + 1 == nr, utf8, !seen_non_ascii, p)
                    });
                if utf8 {
                    if pieces[..nr].iter().any(|p| p.bad_utf8) {
                        // find the error in order: a decode error, or the switch to GB18030
                        // (then this block is decoded and parsed again)
                        check(
                            &mut text,
                            &mut raw,
                            &mut raw_off,
                            &mut gb,
                            validated,
                            end,
                            seen_non_ascii,
                        )?;
                        if gb.is_none() {
                            return Err(CalllistError::Config("UTF-8 check disagrees".into()));
                        }
                        spare = Some(pieces);
                        continue;
                    }
                    seen_non_ascii |= pieces[..nr].iter().any(|p| p.non_ascii);
                    validated = end;
                }
                // 3. a piece that ended inside a record: parse the rest of the block in order
                let mut n = nr;
                if let Some(j) = pieces[..nr].iter().position(|p| p.dirty) {
                    if j + 1 < nr {
                        parse.piece(&text[ranges[j].0..end], eof, false, false, &mut pieces[j]);
                        ranges[j].1 = end;
                        n = j + 1;
                    }
                }
                let mut carry = end;
                if n > 0 && pieces[n - 1].dirty {
                    // a record still open at the end of the block: carry it into the next one
                    debug_assert!(!eof);
                    carry = ranges[n - 1].0;
                    n -= 1;
                    want = want.max((end - carry).saturating_mul(2));
                    carrying = true;
                } else {
                    want = block_bytes;
                    carrying = false;
                }
                for p in &mut pieces[..n] {
                    if header_pending && !p.recs.is_empty() {
                        p.skip = 1;
                        header_pending = false;
                    }
                    p.base = lines_before;
                    lines_before += p.newlines;
                }
                if tx
                    .send(Ok(Round {
                        pieces,
                        n,
                        consumed: read_total,
                    }))
                    .is_err()
                {
                    return Ok(());
                }
                // 4. keep the unparsed tail
                text.drain(..carry);
                text_off += carry as u64;
                validated -= carry;
                if eof {
                    return Ok(());
                }
            })();
            if let Err(e) = result {
                let _ = tx.send(Err(e));
            }
        });

        // ------------------------------------------------------------ writer
        let writer = sc.spawn(move || -> Result<(CleanOut, AtomicFile, Option<DialTap>)> {
            let (mut clean_f, mut rej_f, mut dial) = (clean_f, rej_f, dial);
            for round in wrx.iter() {
                for p in &round.pieces[..round.n] {
                    if let (Some(c), Some(r)) = (&p.clean, &p.rej) {
                        write_out(&mut clean_f, &c.buf)?;
                        tap_dial(&mut dial, &c.buf)?;
                        write_out(&mut rej_f, &r.buf)?;
                    }
                }
                // buffers grown by an unusual block (a huge cell, a giant line) are released
                // rather than kept for the rest of the run
                let mut pieces = round.pieces;
                pieces.truncate(16);
                for p in &mut pieces {
                    if p.fields.capacity() > trim_at
                        || p.scratch.capacity() > trim_at
                        || p.clean.as_ref().is_some_and(|b| b.buf.capacity() > trim_at)
                        || p.rej.as_ref().is_some_and(|b| b.buf.capacity() > trim_at)
                    {
                        *p = Piece::default();
                    }
                }
                let _ = back_tx.send(pieces);
            }
            Ok((clean_f, rej_f, dial))
        });

        // ------------------------------------------------------------ deciding, formatting
        // the first block is being read and parsed: map the dedup table meanwhile
        gate.dedup.prefault();
        const AHEAD: usize = 32;
        let mut result: Result<()> = Ok(());
        let scoped = layout.scope.is_some();
        for msg in rx.iter() {
            let mut round = match msg {
                Ok(r) => r,
                Err(e) => {
                    result = Err(e);
                    break;
                }
            };
            for p in &mut round.pieces[..round.n] {
                p.decided.clear();
                let m = p.recs.len();
                for i in p.skip..m {
                    let n = &p.norms[i];
                    if !scoped {
                        if let Some(a) = p.norms.get(i + AHEAD) {
                            if a.key != 0 {
                                gate.dedup.prefetch(a.key);
                            }
                        }
                    }
                    if p.recs[i].n as usize != width {
                        summary.ragged += 1;
                    }
                    if n.reason == Reason::MissingField {
                        summary.missing_field += 1;
                    }
                    let scope = if scoped { Some(p.scopes[i]) } else { None };
                    let reason = gate.decide(n, scope);
                    summary.count(n, reason);
                    let batch = match (batcher.as_mut(), reason) {
                        (Some(b), Reason::Ok) => b.next_batch(),
                        _ => 0,
                    };
                    p.decided.push(RowOut { reason, batch });
                }
            }
            let col = layout.column;
            round.pieces[..round.n].par_iter_mut().for_each(|p| {
                let cb = p
                    .clean
                    .get_or_insert_with(|| CsvBuf::new(piece_bytes * 2, defuse));
                let rb = p
                    .rej
                    .get_or_insert_with(|| CsvBuf::new(piece_bytes / 4, defuse));
                for b in [&mut *cb, &mut *rb] {
                    b.buf.clear();
                    b.rec_start = 0;
                    b.fields = 0;
                }
                let (fields, spans, recs, base, skip) =
                    (&p.fields, &p.spans, &p.recs, p.base, p.skip);
                // a clean row of a simple record (most rows) is written by `fast_clean_row`
                cb.buf
                    .reserve(fields.len() + (recs.len() - skip) * (TAIL_MAX / 2));
                // one tail buffer for the piece (zeroing it for every row cost 3 % of a clean)
                let mut tail = [0u8; TAIL_MAX];
                for ((m, n), d) in recs[skip..].iter().zip(&p.norms[skip..]).zip(&p.decided) {
                    let r = rec(fields, spans, m);
                    if d.reason == Reason::Ok
                        && m.simple
                        && !(defuse && r.spans.iter().any(|&(a, b)| needs_defuse(&fields[a..b])))
                    {
                        let l = clean_tail(n, d, platform, &mut tail);
                        fast_clean_row(&mut cb.buf, fields, r.spans, width, &tail, l);
                        cb.rec_start = cb.buf.len();
                    } else if d.reason != Reason::Ok
                        && m.simple
                        && !(defuse && needs_defuse(r.field(col).unwrap_or(b"")))
                    {
                        // one line: the record's line is the line after it minus one
                        let line = (base + m.line).saturating_sub(1).max(1);
                        fast_reject_row(
                            &mut rb.buf,
                            line,
                            r.field(col).unwrap_or(b""),
                            n,
                            d.reason,
                        );
                        rb.rec_start = rb.buf.len();
                    } else {
                        format_row(
                            line_of(fields, spans, m, base),
                            &r,
                            n,
                            d,
                            col,
                            width,
                            platform,
                            cb,
                            rb,
                        );
                    }
                }
            });
            let consumed = round.consumed;
            if wtx.send(round).is_err() {
                break; // the writer failed; its error is reported below
            }
            if !progress(consumed, total, summary.rows) {
                result = Err(CalllistError::Config("interrupted".into()));
                break;
            }
        }
        drop(rx);
        drop(wtx);
        // a panic in the reading thread ends its channel like a normal end: never commit then
        let read_ok = producer.join().is_ok();
        let written = writer
            .join()
            .unwrap_or_else(|_| Err(CalllistError::Config("writer thread panicked".into())));
        result?;
        if !read_ok {
            return Err(CalllistError::Config("reader thread panicked".into()));
        }
        written
    });
    if switched.load(std::sync::atomic::Ordering::Relaxed) {
        summary.encoding = GB18030.name().to_string();
    }
    result
}
