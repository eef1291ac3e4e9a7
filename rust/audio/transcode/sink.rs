//! The output side: the atomic temporary file, the WAV or MP3 writer over a hashing writer, and
//! the pumps that move decoded chunks into it.

use std::fs::{self, File};
use std::io::{self, BufWriter};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

use super::input::{Dec, Input, CHUNK_BYTES};
use super::options::{OutputFormat, TranscodeOptions};
use super::pipeline::Pipeline;
use crate::audio::mp3::Mp3Writer;
use crate::audio::wav::{WavFormat, WavWriter};
use crate::audio::AudioError;
use crate::fsutil::HashingWriter;

pub(super) static TMP_COUNTER: AtomicU64 = AtomicU64::new(0);

/// A temporary file next to `dst`, renamed over it by [`AtomicOut::commit`] and removed on drop.
pub(super) struct AtomicOut {
    pub(super) tmp: PathBuf,
    pub(super) dst: PathBuf,
    pub(super) committed: bool,
}

impl AtomicOut {
    pub(super) fn create(dst: &Path) -> Result<(Self, File), AudioError> {
        let dir = match dst.parent() {
            Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
            _ => PathBuf::from("."),
        };
        fs::create_dir_all(&dir)
            .map_err(|e| AudioError::io(&dir, "create the output folder", e))?;
        let name = dst
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let tmp = dir.join(format!(
            ".{name}.{}-{}.part",
            std::process::id(),
            TMP_COUNTER.fetch_add(1, Ordering::Relaxed)
        ));
        // readable too: a writer that patches its header has the file hashed back once
        let f = fs::OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(true)
            .open(&tmp)
            .map_err(|e| AudioError::io(&tmp, "create a temporary output file", e))?;
        Ok((
            AtomicOut {
                tmp,
                dst: dst.to_path_buf(),
                committed: false,
            },
            f,
        ))
    }

    pub(super) fn commit(mut self) -> Result<(), AudioError> {
        fs::rename(&self.tmp, &self.dst)
            .map_err(|e| AudioError::io(&self.dst, "rename the finished output into place", e))?;
        self.committed = true;
        Ok(())
    }
}

impl Drop for AtomicOut {
    fn drop(&mut self) {
        if !self.committed {
            let _ = fs::remove_file(&self.tmp);
        }
    }
}

/// The output file: its bytes go through a [`HashingWriter`], so its SHA-256 is known when it is
/// finished without reading it again.
pub(super) enum Sink {
    Wav(WavWriter<BufWriter<HashingWriter>>),
    Mp3(Box<Mp3Writer<BufWriter<HashingWriter>>>),
}

/// What a finished sink wrote.
pub(super) struct Written {
    pub(super) bytes: u64,
    pub(super) sha256: [u8; 32],
}

impl Sink {
    pub(super) fn new(
        f: File,
        opts: &TranscodeOptions,
        channels: u16,
        rate: u32,
        expected_frames: Option<u64>,
        dst: &Path,
    ) -> Result<Self, AudioError> {
        let w = BufWriter::with_capacity(256 * 1024, HashingWriter::new(f));
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
            .map(Sink::Wav)
            .map_err(|e| AudioError::io(dst, "write", e))
    }

    pub(super) fn write(&mut self, pcm: &[i16]) -> io::Result<()> {
        match self {
            Sink::Wav(w) => w.write(pcm),
            Sink::Mp3(m) => m.write(pcm),
        }
    }

    pub(super) fn finish(self) -> io::Result<Written> {
        let w = match self {
            Sink::Wav(w) => w.finish()?,
            Sink::Mp3(m) => m.finish()?,
        };
        let (f, sha256) = w.into_inner().map_err(|e| e.into_error())?.finish()?;
        Ok(Written {
            bytes: f.metadata()?.len(),
            sha256,
        })
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
