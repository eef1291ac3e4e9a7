//! Reading call lists (CSV in UTF-8, UTF-8 with BOM or GB18030/GBK; one number per line), the
//! streaming clean pipeline, and the writers for the clean and rejects files.
//!
//! The pipeline reads chunks of records on one thread while the calling thread normalizes the
//! previous chunk in parallel (rayon), dedups it in order and writes it, so memory is bounded by
//! a few chunks plus the dedup set (8-16 bytes per distinct number).
//!
//! One idea a file: [`options`] (what a run is asked), [`decode`] (bytes to UTF-8), [`sniff`]
//! (delimiter, header, columns), [`gate`] (the decisions each row passes, the counts),
//! [`write`] (formatting the output rows),
//! [`pipeline`] (the file and in-memory cleans) and [`par`] (the parallel CSV path of a file
//! clean).

mod decode;
mod gate;
mod options;
mod par;
mod pipeline;
mod sniff;
mod write;

#[cfg(test)]
mod probe;
#[cfg(test)]
mod tests;

use std::path::{Path, PathBuf};

pub use decode::detect_encoding;
pub use gate::{normalize_many, Gate, Summary};
pub use options::{imported_since, CleanOptions, ColumnSel, Delimiter};
pub use pipeline::{clean_file, clean_values, CleanPaths};
pub use sniff::{detect_layout, layout_from_records, sniff_delimiter, Layout, MAX_HEADER_BYTES};
pub use write::undefuse;

/// Tests' clean of one file with the default options and normalizer, every row let through.
#[cfg(test)]
pub(crate) fn clean_with_defaults(
    input: &Path,
    clean: &Path,
    rejects: &Path,
    options: &CleanOptions,
) -> crate::calllist::Result<Summary> {
    use crate::calllist::normalize::{Config, Normalizer};
    let norm = Normalizer::new(&Config::default()).unwrap();
    let paths = CleanPaths {
        input,
        clean,
        rejects,
    };
    clean_file(&paths, options, &norm, None, None, &mut |_, _, _| true)
}

/// Convenience for tests and tools: the path of a sibling file.
pub fn sibling(path: &Path, name: &str) -> PathBuf {
    path.with_file_name(name)
}
