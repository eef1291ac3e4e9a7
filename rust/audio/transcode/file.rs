//! Transcoding one file.

use std::path::Path;

use super::input::{open_input, Dec, Opened};
use super::options::{default_rate, OutputFormat, TranscodeOptions};
use super::pipeline::Pipeline;
use super::report::{Status, TranscodeReport};
use super::sink::{copy_to, pump, pump_threaded, wav_size_check, Sink};
use crate::audio::AudioError;

/// Transcodes one file. Skips (status `Skipped`) when `dst` exists and `overwrite` is off.
/// Decoding and encoding/writing run on two threads.
pub fn transcode(
    src: &Path,
    dst: &Path,
    opts: &TranscodeOptions,
) -> Result<TranscodeReport, AudioError> {
    transcode_impl(src, dst, opts, true)
}

pub(crate) fn transcode_impl(
    src: &Path,
    dst: &Path,
    opts: &TranscodeOptions,
    pipelined: bool,
) -> Result<TranscodeReport, AudioError> {
    opts.validate()?;
    // unit tests only: a panic on one named file shows that a batch records it and goes on
    #[cfg(test)]
    if src.file_name().is_some_and(|n| n == "panics-in-test") {
        panic!("deliberate test panic");
    }
    if !opts.overwrite && dst.exists() {
        return Ok(TranscodeReport::skipped(src, dst));
    }
    match open_input(src, opts)? {
        Opened::Mp3 { mut reader, len } => {
            let written = copy_to(&mut reader, dst, opts.hash)?;
            Ok(TranscodeReport {
                src: src.display().to_string(),
                dst: dst.to_path_buf(),
                status: Status::Done,
                input: "mp3 (copied unchanged)".into(),
                variant: None,
                channels: 0,
                in_rate: 0,
                out_rate: 0,
                frames: 0,
                input_bytes: len,
                output_bytes: len,
                bytes_written: written.bytes,
                sha256: written.sha256,
                notes: vec!["content is MP3: copied unchanged".into()],
            })
        }
        Opened::Decoded(input) => {
            let out_rate = default_rate(input.rate, opts);
            wav_size_check(src, input.remaining, &input, out_rate, opts)?;
            let channels = if opts.mixes_to_mono() {
                1
            } else {
                input.channels
            };
            if opts.to == OutputFormat::Mp3 && channels > 2 {
                return Err(AudioError::format(
                    src,
                    format!("MP3 holds at most 2 channels; the input has {channels}"),
                ));
            }
            // the filter is checked (and built) before the output file exists
            let mut p = Pipeline::new(input, out_rate, opts.dc_block, opts.mixes_to_mono())?;
            let sink = Sink::create(dst, opts, channels, out_rate, p.expected_frames())?;
            let (frames, sink) = if pipelined {
                pump_threaded(&mut p, sink, channels, dst)?
            } else {
                pump(&mut p, sink, channels, dst)?
            };
            if frames == 0 {
                return Err(AudioError::format(src, "no complete sample in the input"));
            }
            let written = sink.finish(dst)?;
            let mut notes = std::mem::take(&mut p.input.notes);
            if let Dec::Vox(d) = &p.input.dec {
                if d.clips() > 0 {
                    notes.push(format!(
                        "{} decoded samples hit the 12/16-bit rails",
                        d.clips()
                    ));
                }
            }
            Ok(TranscodeReport {
                src: src.display().to_string(),
                dst: dst.to_path_buf(),
                status: Status::Done,
                input: p.input.desc.clone(),
                variant: p.input.variant,
                channels,
                in_rate: p.input.rate,
                out_rate,
                frames,
                input_bytes: p.input.bytes_read,
                output_bytes: written.bytes,
                bytes_written: written.bytes,
                sha256: written.sha256,
                notes,
            })
        }
    }
}
