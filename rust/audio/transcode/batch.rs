//! Transcoding many files on all cores, one result per file.

use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};

use rayon::prelude::*;

use super::file::transcode_impl;
use super::options::TranscodeOptions;
use super::report::TranscodeReport;
use crate::audio::AudioError;

/// Transcodes many files on `threads` threads (0 = all cores). Returns one result per job, in
/// order; a failing (or even panicking) file never stops the others. `on_done(index, result)` is
/// called from the worker threads as each file finishes. Once `cancel` is set, files not yet
/// started come back as [`AudioError::Cancelled`] (files in flight finish).
pub fn transcode_many<F>(
    jobs: &[(PathBuf, PathBuf)],
    opts: &TranscodeOptions,
    threads: usize,
    cancel: &AtomicBool,
    on_done: F,
) -> Result<Vec<Result<TranscodeReport, AudioError>>, AudioError>
where
    F: Fn(usize, &Result<TranscodeReport, AudioError>) + Sync,
{
    opts.validate()?;
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()
        .map_err(|e| {
            AudioError::InvalidOption(format!("cannot start {threads} worker threads: {e}"))
        })?;
    // fewer files than threads (e.g. one long recording from the CLI): the idle cores decode and
    // write each file on two threads, as `transcode` does
    let pipelined = jobs.len() < pool.current_num_threads();
    Ok(pool.install(|| {
        jobs.par_iter()
            .enumerate()
            .with_max_len(1)
            .map(|(i, (src, dst))| {
                if cancel.load(Ordering::Relaxed) {
                    return Err(AudioError::Cancelled {
                        path: src.display().to_string(),
                    });
                }
                let r = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                    transcode_impl(src, dst, opts, pipelined)
                }))
                .unwrap_or_else(|_| {
                    Err(AudioError::format(
                        src,
                        "internal error (panic) while transcoding",
                    ))
                });
                on_done(i, &r);
                r
            })
            .collect()
    }))
}
