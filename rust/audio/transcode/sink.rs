//! The output side: the atomic temporary file, the WAV or MP3 writer over a hashing writer, and
//! the pumps that move decoded chunks into it.

use std::fs;
use std::io::{self, BufWriter};
use std::path::Path;

use super::input::{Dec, Input, CHUNK_BYTES};
use super::options::{OutputFormat, TranscodeOptions};
use super::pipeline::Pipeline;
use crate::audio::mp3::Mp3Writer;
use crate::audio::wav::{WavFormat, WavWriter};
use crate::audio::AudioError;
use crate::fsutil::{AtomicFile, HashingWriter};

/// Creates `dst`'s folder and the temporary file `dst` is written to.
fn create_output(dst: &Path) -> Result<AtomicFile, AudioError> {
    let dir = match dst.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    fs::create_dir_all(dir).map_err(|e| AudioError::io(dir, "create the output folder", e))?;
    AtomicFile::create(dst).map_err(|e| AudioError::io(dst, "create a temporary output file", e))
}

/// Hashes the finished file and puts it in its place.
fn commit(hashing: HashingWriter<AtomicFile>, dst: &Path) -> Result<Written, AudioError> {
    let (file, sha256) = hashing
        .finish()
        .map_err(|e| AudioError::io(dst, "write", e))?;
    let bytes = file.size().map_err(|e| AudioError::io(dst, "write", e))?;
    file.commit()
        .map_err(|e| AudioError::io(dst, "rename the finished output into place", e))?;
    Ok(Written { bytes, sha256 })
}

/// Copies `reader` (MP3 content for an MP3 output) unchanged to `dst`.
pub(super) fn copy_to(
    reader: &mut dyn io::Read,
    dst: &Path,
    hash: bool,
) -> Result<Written, AudioError> {
    let mut hashing = HashingWriter::new(create_output(dst)?, hash);
    io::copy(reader, &mut hashing).map_err(|e| AudioError::io(dst, "write", e))?;
    commit(hashing, dst)
}

/// The output file: its bytes go through a [`HashingWriter`], so its SHA-256 is known when it is
/// finished without reading it again.
pub(super) enum Sink {
    Wav(Box<WavWriter<BufWriter<HashingWriter<AtomicFile>>>>),
    Mp3(Box<Mp3Writer<BufWriter<HashingWriter<AtomicFile>>>>),
}

/// What a finished sink wrote.
pub(super) struct Written {
    pub(super) bytes: u64,
    /// when [`TranscodeOptions::hash`] asked for it
    pub(super) sha256: Option<[u8; 32]>,
}

impl Sink {
    /// Creates the temporary output file and writes the container's header.
    pub(super) fn create(
        dst: &Path,
        opts: &TranscodeOptions,
        channels: u16,
        rate: u32,
        expected_frames: Option<u64>,
    ) -> Result<Self, AudioError> {
        let w = BufWriter::with_capacity(
            256 * 1024,
            HashingWriter::new(create_output(dst)?, opts.hash),
        );
        let fmt = match opts.to {
            OutputFormat::Mp3 => {
                return Mp3Writer::new(w, channels, rate, opts.bitrate, opts.quality)
                    .map(|m| Sink::Mp3(Box::new(m)))
                    .map_err(|r| AudioError::format(dst, r));
            }
            OutputFormat::Wav => WavFormat::Pcm16,
            OutputFormat::WavAlaw => WavFormat::Alaw,
            OutputFormat::WavUlaw => WavFormat::Ulaw,
        };
        WavWriter::with_expected_frames(w, fmt, channels, rate, expected_frames)
            .map(|w| Sink::Wav(Box::new(w)))
            .map_err(|e| AudioError::io(dst, "write", e))
    }

    pub(super) fn write(&mut self, pcm: &[i16]) -> io::Result<()> {
        match self {
            Sink::Wav(w) => w.write(pcm),
            Sink::Mp3(m) => m.write(pcm),
        }
    }

    /// Finishes the container, hashes the file and puts it in its place.
    pub(super) fn finish(self, dst: &Path) -> Result<Written, AudioError> {
        let w = match self {
            Sink::Wav(w) => w.finish(),
            Sink::Mp3(m) => m.finish(),
        };
        let hashing = w
            .and_then(|w| w.into_inner().map_err(|e| e.into_error()))
            .map_err(|e| AudioError::io(dst, "write", e))?;
        commit(hashing, dst)
    }
}

pub(super) fn wav_size_check(
    path: &Path,
    in_bytes: u64,
    input: &Input,
    out_rate: u32,
    opts: &TranscodeOptions,
) -> Result<(), AudioError> {
    if opts.to == OutputFormat::Mp3 || in_bytes == u64::MAX || matches!(input.dec, Dec::Mp3(_)) {
        return Ok(());
    }
    let per_byte = match &input.dec {
        Dec::Vox(_) => 2.0,
        Dec::Linear { codec, .. } => 1.0 / codec.width() as f64,
        _ => 1.0,
    };
    let out_bps = if opts.to == OutputFormat::Wav {
        2.0
    } else {
        1.0
    };
    let est = in_bytes as f64 * per_byte * out_rate as f64 / input.rate as f64 * out_bps;
    if est > (u32::MAX - 64) as f64 {
        return Err(AudioError::format(
            path,
            format!(
                "the WAV output would be {:.2} GiB, over the 4 GiB RIFF limit; write MP3 or split the input",
                est / (1u64 << 30) as f64
            ),
        ));
    }
    Ok(())
}

/// Decoder to writer on this thread.
pub(super) fn pump(
    p: &mut Pipeline,
    mut sink: Sink,
    channels: u16,
    dst: &Path,
) -> Result<(u64, Sink), AudioError> {
    let mut buf = Vec::with_capacity(CHUNK_BYTES * 3);
    let mut frames = 0u64;
    loop {
        buf.clear();
        let more = p.next(&mut buf)?;
        if !buf.is_empty() {
            sink.write(&buf)
                .map_err(|e| AudioError::io(dst, "write", e))?;
            frames += (buf.len() / channels as usize) as u64;
        }
        if !more {
            return Ok((frames, sink));
        }
    }
}

/// Decoder on this thread, encoder/writer on a second one (a single file then uses two cores;
/// batches do not, they already keep every core busy with one file each).
pub(super) fn pump_threaded(
    p: &mut Pipeline,
    mut sink: Sink,
    channels: u16,
    dst: &Path,
) -> Result<(u64, Sink), AudioError> {
    use std::sync::mpsc;
    std::thread::scope(|scope| {
        let (tx, rx) = mpsc::sync_channel::<Vec<i16>>(3);
        let (back_tx, back_rx) = mpsc::channel::<Vec<i16>>();
        let writer = scope.spawn(move || -> io::Result<Sink> {
            for buf in rx {
                sink.write(&buf)?;
                let _ = back_tx.send(buf);
            }
            Ok(sink)
        });
        let mut frames = 0u64;
        let produced: Result<(), AudioError> = (|| loop {
            let mut buf = back_rx
                .try_recv()
                .unwrap_or_else(|_| Vec::with_capacity(CHUNK_BYTES * 3));
            buf.clear();
            let more = p.next(&mut buf)?;
            if !buf.is_empty() {
                frames += (buf.len() / channels as usize) as u64;
                if tx.send(buf).is_err() {
                    return Ok(()); // the writer failed; its error is reported below
                }
            }
            if !more {
                return Ok(());
            }
        })();
        drop(tx);
        let written = writer
            .join()
            .unwrap_or_else(|_| Err(io::Error::other("writer thread panicked")));
        produced?;
        let sink = written.map_err(|e| AudioError::io(dst, "write", e))?;
        Ok((frames, sink))
    })
}
