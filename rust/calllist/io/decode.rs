//! Decoding the input to UTF-8: encoding detection (UTF-8, BOM, GB18030/GBK) and CRLF
//! handling outside quoted cells.

use std::io::{self, Read};
use std::path::Path;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use encoding_rs::{DecoderResult, Encoding, GB18030, UTF_8};

use crate::calllist::{CalllistError, Result};

#[derive(Debug)]
pub(super) struct DecodeAt(pub(super) u64);
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
pub(super) struct Decoding<R: Read> {
    pub(super) inner: R,
    pub(super) dec: encoding_rs::Decoder,
    pub(super) utf8: bool,
    pub(super) seen_non_ascii: bool,
    pub(super) inbuf: Box<[u8]>,
    pub(super) in_start: usize,
    pub(super) in_end: usize,
    pub(super) out: Box<[u8]>,
    pub(super) out_start: usize,
    pub(super) out_end: usize,
    pub(super) eof: bool,
    pub(super) done: bool,
    pub(super) consumed: u64,
    pub(super) progress: Arc<AtomicU64>,
    pub(super) last: u8,
    pub(super) final_nl: bool,
    pub(super) crlf: CrlfOutsideQuotes,
}

impl<R: Read> Decoding<R> {
    pub(super) fn new(
        inner: R,
        enc: &'static Encoding,
        delim: Option<u8>,
        progress: Arc<AtomicU64>,
    ) -> Self {
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
