//! What happened to one file.

use std::fs::{self};
use std::path::{Path, PathBuf};

use crate::audio::vox::Variant;

/// Whether the output was written or already there.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    /// Written now.
    Done,
    /// The output existed and `overwrite` was off; nothing was read or written.
    Skipped,
}

/// What happened to one file.
#[derive(Debug, Clone)]
pub struct TranscodeReport {
    /// Input path(s), joined by `+` for a merge.
    pub src: String,
    /// Output path.
    pub dst: PathBuf,
    /// Done or skipped.
    pub status: Status,
    /// What the input was found to be, e.g. `vox 6000 Hz (dialogic)` or `wav alaw 8000 Hz x1`.
    pub input: String,
    /// The VOX rule used, if VOX.
    pub variant: Option<Variant>,
    /// Output channels.
    pub channels: u16,
    /// Input sample rate.
    pub in_rate: u32,
    /// Output sample rate.
    pub out_rate: u32,
    /// Output sample frames.
    pub frames: u64,
    /// Input bytes read.
    pub input_bytes: u64,
    /// Size of the output file (written now, or already there when skipped).
    pub output_bytes: u64,
    /// Bytes written by this call (0 when skipped).
    pub bytes_written: u64,
    /// SHA-256 of the output file, computed as it was written; `None` when nothing was written
    /// or the options did not ask for it (`hash`).
    pub sha256: Option<[u8; 32]>,
    /// Problems met and worked around (truncation, lying header, odd byte count, clipping...).
    pub notes: Vec<String>,
}

impl TranscodeReport {
    pub(super) fn skipped(src: &Path, dst: &Path) -> Self {
        TranscodeReport {
            src: src.display().to_string(),
            dst: dst.to_path_buf(),
            status: Status::Skipped,
            input: String::new(),
            variant: None,
            channels: 0,
            in_rate: 0,
            out_rate: 0,
            frames: 0,
            input_bytes: 0,
            output_bytes: fs::metadata(dst).map(|m| m.len()).unwrap_or(0),
            bytes_written: 0,
            sha256: None,
            notes: vec!["output exists; skipped".into()],
        }
    }

    /// Output duration in seconds.
    pub fn seconds(&self) -> f64 {
        if self.out_rate == 0 {
            0.0
        } else {
            self.frames as f64 / self.out_rate as f64
        }
    }
}
