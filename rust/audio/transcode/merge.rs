//! Merging the tracks of one call into one file.

use std::path::{Path, PathBuf};

use super::input::{open_input, Opened};
use super::options::{default_rate, OutputFormat, TranscodeOptions};
use super::pipeline::Pipeline;
use super::report::{Status, TranscodeReport};
use super::sink::Sink;
use crate::audio::AudioError;

/// How [`merge`] combines tracks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MergeMode {
    /// One channel per input, in order (e.g. agent, customer, conference).
    Channels,
    /// One channel: the inputs summed with saturation.
    Mix,
}

impl std::str::FromStr for MergeMode {
    type Err = AudioError;

    /// Parses `channels` or `mix`.
    fn from_str(s: &str) -> Result<Self, AudioError> {
        match s {
            "channels" => Ok(MergeMode::Channels),
            "mix" => Ok(MergeMode::Mix),
            _ => Err(AudioError::InvalidOption(format!(
                "mode {s:?} is not 'channels' or 'mix'"
            ))),
        }
    }
}

/// Merges 2..=8 mono recordings of one call into one file (multichannel or mixed down).
/// All inputs are resampled to the output rate; a shorter track is padded with silence.
pub fn merge(
    srcs: &[PathBuf],
    dst: &Path,
    mode: MergeMode,
    opts: &TranscodeOptions,
) -> Result<TranscodeReport, AudioError> {
    opts.validate()?;
    if !(1..=8).contains(&srcs.len()) {
        return Err(AudioError::InvalidOption(format!(
            "merge takes 1 to 8 inputs, not {}",
            srcs.len()
        )));
    }
    let joined = srcs
        .iter()
        .map(|p| p.display().to_string())
        .collect::<Vec<_>>()
        .join("+");
    if !opts.overwrite && dst.exists() {
        let mut r = TranscodeReport::skipped(Path::new(&joined), dst);
        r.src = joined;
        return Ok(r);
    }
    let mut inputs = Vec::new();
    // MP3 inputs are decoded here, never copied through
    let dec_opts = TranscodeOptions {
        to: OutputFormat::Wav,
        ..opts.clone()
    };
    for s in srcs {
        match open_input(s, &dec_opts)? {
            Opened::Mp3 { .. } => unreachable!("open_input decodes MP3 unless the output is MP3"),
            Opened::Decoded(i) if i.channels != 1 => {
                return Err(AudioError::format(
                    s,
                    format!(
                        "merge takes mono inputs; this one has {} channels",
                        i.channels
                    ),
                ))
            }
            Opened::Decoded(i) => inputs.push(i),
        }
    }
    let max_rate = inputs.iter().map(|i| i.rate).max().unwrap_or(8000);
    let out_rate = default_rate(max_rate, opts);
    let channels = if mode == MergeMode::Channels {
        srcs.len() as u16
    } else {
        1
    };
    if opts.to == OutputFormat::Mp3 && channels > 2 {
        return Err(AudioError::InvalidOption(format!(
            "MP3 holds at most 2 channels; merging {channels} tracks needs --to wav or mix mode"
        )));
    }
    let descs: Vec<String> = inputs.iter().map(|i| i.desc.clone()).collect();
    let mut pipes: Vec<Pipeline> = inputs
        .into_iter()
        .map(|i| Pipeline::new(i, out_rate, opts.dc_block, false))
        .collect::<Result<_, _>>()?;
    // the longest track sets the length; shorter ones are padded with silence
    let expected_frames = pipes
        .iter()
        .map(Pipeline::expected_frames)
        .collect::<Option<Vec<u64>>>()
        .and_then(|f| f.into_iter().max());
    let mut sink = Sink::create(dst, opts, channels, out_rate, expected_frames)?;
    let mut bufs: Vec<Vec<i16>> = vec![Vec::new(); pipes.len()];
    let mut ended = vec![false; pipes.len()];
    let mut frames = 0u64;
    let mut mixed = Vec::new();
    const STEP: usize = 32 * 1024;
    loop {
        for (k, p) in pipes.iter_mut().enumerate() {
            while !ended[k] && bufs[k].len() < STEP {
                if !p.next(&mut bufs[k])? {
                    ended[k] = true;
                }
            }
        }
        let n = bufs.iter().map(|b| b.len()).max().unwrap_or(0).min(STEP);
        if n == 0 {
            break;
        }
        let tracks: Vec<Vec<i16>> = bufs
            .iter_mut()
            .map(|b| {
                let take = n.min(b.len());
                let mut t: Vec<i16> = b.drain(..take).collect();
                t.resize(n, 0);
                t
            })
            .collect();
        let refs: Vec<&[i16]> = tracks.iter().map(|t| t.as_slice()).collect();
        mixed.clear();
        mixed.extend(match mode {
            MergeMode::Channels => crate::audio::dsp::interleave(&refs),
            MergeMode::Mix => crate::audio::dsp::mixdown(&refs),
        });
        sink.write(&mixed)
            .map_err(|e| AudioError::io(dst, "write", e))?;
        frames += n as u64;
    }
    let written = sink.finish(dst)?;
    let mut notes = Vec::new();
    for p in &mut pipes {
        notes.extend(
            p.input
                .notes
                .drain(..)
                .map(|n| format!("{}: {n}", p.input.path.display())),
        );
    }
    Ok(TranscodeReport {
        src: joined,
        dst: dst.to_path_buf(),
        status: Status::Done,
        input: descs.join(" + "),
        variant: pipes.iter().find_map(|p| p.input.variant),
        channels,
        in_rate: max_rate,
        out_rate,
        frames,
        input_bytes: pipes.iter().map(|p| p.input.bytes_read).sum(),
        output_bytes: written.bytes,
        bytes_written: written.bytes,
        sha256: written.sha256,
        notes,
    })
}
