//! File-level transcoding: sniff, decode (streaming, constant memory), optional DC blocker,
//! resample, write WAV or MP3 atomically (temporary file, then rename); merge tracks; run a
//! batch on all cores with one result per file.
//!
//! One idea a file: [`options`] (what is asked), [`input`] (sniff and decode), [`pipeline`]
//! (DC blocker, mix-down, resampler), [`sink`] (the atomic, hashed output and the pumps into it),
//! [`report`] (what happened), and the three operations [`file`], [`merge`] and [`batch`].

mod batch;
mod file;
mod input;
mod merge;
mod options;
mod pipeline;
mod report;
mod sink;

#[cfg(test)]
mod tests;

pub use batch::transcode_many;
pub use file::transcode;
pub(crate) use file::transcode_impl;
pub use merge::{merge, MergeMode};
pub use options::{OutputFormat, SourceKind, TranscodeOptions, VariantChoice};
pub use report::{Status, TranscodeReport};
