//! Telephony audio: VOX (Dialogic/OKI ADPCM) and G.711 codecs, WAV in and out, MP3 out, a
//! polyphase resampler, track merge/mixdown, codec/rule detection and a parallel batch
//! transcoder. See `shared/notes/recording.md` and `references.md` §2.
//!
//! Nothing here knows about Python; `rust/bindings/audio.rs` converts types and errors.

pub mod detect;
pub mod dsp;
#[doc(hidden)]
pub mod fuzz_targets;
pub mod g711;
pub mod limits;
pub mod mp3;
pub mod resample;
pub mod transcode;
pub mod vox;
pub mod wav;

use std::fmt;
use std::io;

pub use g711::Law;
pub use transcode::{
    merge, transcode, transcode_many, MergeMode, OutputFormat, SourceKind, Status,
    TranscodeOptions, TranscodeReport, VariantChoice,
};
pub use vox::Variant;

/// Why audio could not be decoded, encoded or written. Messages name the input and the problem.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AudioError {
    /// An argument is out of range or unknown (codec, variant, rate, bitrate...).
    InvalidOption(String),
    /// A file could not be opened, read, written or renamed.
    Io {
        path: String,
        action: &'static str,
        kind: io::ErrorKind,
        message: String,
    },
    /// The input has no bytes.
    Empty { path: String },
    /// The input's content cannot be decoded (garbage, unsupported WAV tag, broken header...).
    Format { path: String, reason: String },
    /// The batch was cancelled (e.g. Ctrl-C) before this file started.
    Cancelled { path: String },
    /// A value the input (or an argument) declares is past one of [`limits`]; `path` names the
    /// input (the file, or the call for in-memory data).
    Limit {
        path: String,
        limit: limits::LimitExceeded,
    },
}

impl AudioError {
    pub(crate) fn io(path: &std::path::Path, action: &'static str, e: io::Error) -> Self {
        AudioError::Io {
            path: path.display().to_string(),
            action,
            kind: e.kind(),
            message: e.to_string(),
        }
    }

    pub(crate) fn format(path: &std::path::Path, reason: impl Into<String>) -> Self {
        AudioError::Format {
            path: path.display().to_string(),
            reason: reason.into(),
        }
    }

    pub(crate) fn limit(path: &std::path::Path, limit: limits::LimitExceeded) -> Self {
        AudioError::Limit {
            path: path.display().to_string(),
            limit,
        }
    }

    /// A short machine-readable category: `invalid-option`, `io`, `empty`, `format`,
    /// `cancelled`, `limit`.
    pub fn kind(&self) -> &'static str {
        match self {
            AudioError::InvalidOption(_) => "invalid-option",
            AudioError::Io { .. } => "io",
            AudioError::Empty { .. } => "empty",
            AudioError::Format { .. } => "format",
            AudioError::Cancelled { .. } => "cancelled",
            AudioError::Limit { .. } => "limit",
        }
    }
}

impl fmt::Display for AudioError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            AudioError::InvalidOption(m) => f.write_str(m),
            AudioError::Io {
                path,
                action,
                message,
                ..
            } => write!(f, "{path}: cannot {action}: {message}"),
            AudioError::Empty { path } => write!(f, "{path}: empty file (0 bytes)"),
            AudioError::Format { path, reason } => write!(f, "{path}: {reason}"),
            AudioError::Cancelled { path } => {
                write!(f, "{path}: not started, the batch was cancelled")
            }
            AudioError::Limit { path, limit } => write!(f, "{path}: {limit}"),
        }
    }
}

impl std::error::Error for AudioError {}

/// A headerless codec as named by the API (`vox`, `alaw`, `ulaw`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Codec {
    /// OKI/Dialogic ADPCM.
    Vox,
    /// G.711 A-law.
    Alaw,
    /// G.711 µ-law.
    Ulaw,
}

impl std::str::FromStr for Codec {
    type Err = AudioError;

    /// Parses `vox`/`adpcm`/`oki`, `alaw`/`a-law`, `ulaw`/`mulaw`/`u-law`/`µ-law`.
    fn from_str(s: &str) -> Result<Codec, AudioError> {
        match s.to_ascii_lowercase().as_str() {
            "vox" | "oki" | "adpcm" | "dialogic" => Ok(Codec::Vox),
            "alaw" | "a-law" | "pcma" | "g711a" => Ok(Codec::Alaw),
            "ulaw" | "mulaw" | "u-law" | "µ-law" | "mu-law" | "pcmu" | "g711u" => Ok(Codec::Ulaw),
            _ => Err(AudioError::InvalidOption(format!(
                "codec {s:?} is not one of 'vox', 'alaw', 'ulaw'"
            ))),
        }
    }
}

impl std::str::FromStr for Variant {
    type Err = AudioError;

    /// Parses a VOX rule name.
    fn from_str(s: &str) -> Result<Variant, AudioError> {
        Variant::parse(s).ok_or_else(|| {
            AudioError::InvalidOption(format!(
                "variant {s:?} is not one of 'dialogic' (= 'spandsp'), 'ffmpeg', 'sox'"
            ))
        })
    }
}

/// Decodes a headerless buffer to PCM16.
pub fn decode(data: &[u8], codec: Codec, variant: Variant) -> Vec<i16> {
    match codec {
        Codec::Vox => vox::decode(data, variant),
        Codec::Alaw => g711::decode(data, Law::Alaw),
        Codec::Ulaw => g711::decode(data, Law::Ulaw),
    }
}

/// Encodes PCM16 to a headerless buffer.
pub fn encode(pcm: &[i16], codec: Codec, variant: Variant) -> Vec<u8> {
    match codec {
        Codec::Vox => vox::encode(pcm, variant),
        Codec::Alaw => g711::encode(pcm, Law::Alaw),
        Codec::Ulaw => g711::encode(pcm, Law::Ulaw),
    }
}
