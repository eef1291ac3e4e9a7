//! The two whole pipelines: a file clean (streaming, chunked, in order) and the in-memory
//! clean of a column of values.

use std::fs::File;
use std::io::Write;
use std::path::Path;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc::sync_channel;
use std::sync::Arc;

use encoding_rs::{GB18030, UTF_8};
use rayon::prelude::*;

use crate::calllist::dedup::{scope_hash, Blacklist, Dedup, ImportStore};
use crate::calllist::dial_column::DialTap;
use crate::calllist::normalize::{Normalized, Normalizer, Reason};
use crate::calllist::platform::Batcher;
use crate::calllist::{io_err, CalllistError, Result};
use crate::fsutil::{AtomicFile, FileDigest, HashingWriter};

use super::decode::{DecodeAt, Decoding};
use super::gate::{normalize_many, Gate, Summary};
use super::options::CleanOptions;
use super::sniff::{csv_reader, detect_layout, layout_from_records};
use super::write::{format_rows, CsvBuf, RowOut};

pub(super) fn map_csv(path: &Path, row: u64) -> impl Fn(csv::Error) -> CalllistError + '_ {
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
pub(super) enum Source {
    Csv(Box<csv::Reader<Decoding<File>>>),
    Rows(std::vec::IntoIter<csv::ByteRecord>, u64),
    /// A CSV file for the parallel path (`io/par.rs`), which reads it itself.
    Plain(Option<File>),
}

impl Source {
    /// Reads the next record into `rec`; returns its line (CSV) or row (spreadsheet) number.
    pub(super) fn next(
        &mut self,
        rec: &mut csv::ByteRecord,
    ) -> std::result::Result<Option<u64>, csv::Error> {
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
pub(super) type Chunk = (Vec<(u64, csv::ByteRecord)>, Vec<Normalized>, Vec<u32>);

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
    let (layout, mut source) = if crate::calllist::xlsx::is_spreadsheet(input) {
        let (rows, above) = crate::calllist::xlsx::read_rows_at(input, opts.sheet.as_deref())?;
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
    let mut clean_f = HashingWriter::new(
        AtomicFile::create(paths.clean).map_err(io_err(paths.clean))?,
        opts.hash_clean,
    );
    let mut rej_f = AtomicFile::create(paths.rejects).map_err(io_err(paths.rejects))?;
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
    write_out(&mut clean_f, &head.buf)?;
    write_out(&mut rej_f, &rhead.buf)?;
    // the header is not a row: the tap sees the rows only
    let dial = (opts.keep_dial && opts.platform.is_some()).then(DialTap::new);

    if let Source::Plain(file) = &mut source {
        let file = file.take().expect("the input file");
        let (mut gate, mut batcher) =
            file_gate(opts, blacklist, store, total / layout.avg_row_bytes.max(8));
        let (clean_f, rej_f, dial) = super::par::run(
            super::par::Job {
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
            dial,
            progress,
        )?;
        return finish(
            summary, batcher, clean_f, rej_f, dial, gate.store, input, total, progress,
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

    let (mut gate, mut batcher) =
        file_gate(opts, blacklist, store, total / layout.avg_row_bytes.max(8));
    let mut decided: Vec<RowOut> = Vec::new();
    let mut result: Result<()> = Ok(());
    pub(super) const AHEAD: usize = 32;
    pub(super) const PIECE: usize = 2048;
    // a writer thread: formatted buffers go out in order while the next chunk is formatted
    let (wtx, wrx) = sync_channel::<(Vec<(CsvBuf, CsvBuf)>, usize)>(2);
    let (wback_tx, wback_rx) = sync_channel::<Vec<(CsvBuf, CsvBuf)>>(4);
    let writer = std::thread::spawn(move || -> Result<(CleanOut, AtomicFile, Option<DialTap>)> {
        let mut dial = dial;
        for (bufs, pieces) in wrx.iter() {
            for (cb, rb) in &bufs[..pieces] {
                write_out(&mut clean_f, &cb.buf)?;
                tap_dial(&mut dial, &cb.buf)?;
                write_out(&mut rej_f, &rb.buf)?;
            }
            let _ = wback_tx.try_send(bufs);
        }
        Ok((clean_f, rej_f, dial))
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
    let (clean_f, rej_f, dial) = written?;
    if switched.load(Ordering::Relaxed) {
        // begun as UTF-8, read as GB18030 after an ASCII prefix: say what it was
        summary.encoding = GB18030.name().to_string();
    }
    finish(
        summary, batcher, clean_f, rej_f, dial, gate.store, input, total, progress,
    )
}

/// The end of a successful file clean, shared by the parallel and sequential paths: count the
/// batches, refuse an input with no rows, hand the dial column over, rename both outputs into
/// place, save the import store, and report 100 %.
#[allow(clippy::too_many_arguments)]
/// The gate and batcher of a file clean, for the parallel and the single-reader path alike: the
/// dedup table sized for the whole file up front (*estimated_rows* from the sample), the run's
/// import window, record time and platform.
fn file_gate<'a>(
    opts: &'a CleanOptions,
    blacklist: Option<&'a Blacklist>,
    store: Option<&'a mut ImportStore>,
    estimated_rows: u64,
) -> (Gate<'a>, Option<Batcher>) {
    let mut gate = Gate::new(blacklist, store);
    gate.dedup = Dedup::with_capacity(estimated_rows as usize + 1024);
    gate.imported_since = opts.imported_since;
    gate.record_at = opts.record_at;
    gate.platform = opts.platform.as_ref();
    (
        gate,
        opts.platform.as_ref().map(|p| Batcher::new(p.batch_size)),
    )
}

pub(super) fn finish(
    mut summary: Summary,
    batcher: Option<Batcher>,
    clean_f: CleanOut,
    rej_f: AtomicFile,
    dial: Option<DialTap>,
    store: Option<&mut ImportStore>,
    input: &Path,
    total: u64,
    progress: &mut dyn FnMut(u64, u64, u64) -> bool,
) -> Result<Summary> {
    summary.batches = batcher.map(|b| b.batches()).unwrap_or(0);
    if summary.rows == 0 {
        return Err(CalllistError::Empty { path: input.into() });
    }
    summary.dial = dial
        .map(DialTap::finish)
        .transpose()
        .map_err(|m| CalllistError::Config(format!("dial column: {m}")))?;
    let clean_path = clean_f.get_ref().path().to_path_buf();
    let (clean_f, sha256) = clean_f.finish().map_err(io_err(&clean_path))?;
    if let Some(sha256) = sha256 {
        let bytes = clean_f.size().map_err(io_err(&clean_path))?;
        summary.clean_digest = Some(FileDigest { bytes, sha256 });
    }
    commit(clean_f)?;
    commit(rej_f)?;
    if let Some(st) = store {
        st.save()?;
    }
    progress(total, total, summary.rows);
    Ok(summary)
}

/// Gives the dial column's collector the clean rows just written (when the caller asked for it).
pub(super) fn tap_dial(dial: &mut Option<DialTap>, rows: &[u8]) -> Result<()> {
    match dial {
        Some(tap) => tap
            .feed(rows)
            .map_err(|m| CalllistError::Config(format!("dial column: {m}"))),
        None => Ok(()),
    }
}

/// The clean file as the pipeline writes it: hashed on the way when the options ask for it.
pub(super) type CleanOut = HashingWriter<AtomicFile>;

/// An output of the pipeline, named in its errors.
pub(super) trait Output: Write {
    fn path(&self) -> &Path;
}

impl Output for AtomicFile {
    fn path(&self) -> &Path {
        AtomicFile::path(self)
    }
}

impl Output for CleanOut {
    fn path(&self) -> &Path {
        self.get_ref().path()
    }
}

/// Appends to an output, naming it in the error.
pub(super) fn write_out(out: &mut impl Output, bytes: &[u8]) -> Result<()> {
    out.write_all(bytes).map_err(|e| io_err(out.path())(e))
}

/// Puts a finished output in its place.
fn commit(out: AtomicFile) -> Result<()> {
    let path = out.path().to_path_buf();
    out.commit().map_err(io_err(path))
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
