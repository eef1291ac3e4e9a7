//! Call-list engine: Chinese phone-number normalization, dedup, blacklists, an "already imported"
//! store, CSV reading/writing and per-platform batching (see `shared/notes/outbound.md`).
//!
//! * [`normalize`]: allocation-free normalizer, one input (bytes) -> [`normalize::Normalized`]
//!   (u64 key = the E.164 digits as an integer, kind, reject reason, extension).
//! * [`tables`]: area codes, mobile prefixes, IP-dial prefixes, country codes (data files under
//!   `rust/calllist/data/`, embedded at build time, replaceable at run time).
//! * [`dedup`]: keep-first dedup (optionally scoped), blacklist key sets, the import store.
//! * [`io`]: encoding/delimiter/header detection, the streaming clean pipeline, writers.
//! * [`dial_column`]: the dial column of a clean CSV, packed for the import engine.
//! * [`platform`]: dialing string and batch limits per platform.
//! * [`xlsx`]: spreadsheet input (XLSX/XLS/ODS) and the Huawei server-import workbook.
//! * [`xlsx_write`]: the minimal streaming XLSX writer that workbook is written with.
//!
//! Nothing here knows about Python; the bindings convert types and errors.

pub mod dedup;
pub mod dial_column;
pub mod fuzz_targets;
pub mod io;
pub mod normalize;
pub mod platform;
pub mod sheet_guard;
pub mod tables;
pub mod xlsx;
pub mod xlsx_write;

use std::fmt;
use std::path::PathBuf;

/// Errors of the call-list engine. Messages name the input and the problem.
#[derive(Debug)]
pub enum CalllistError {
    /// A file could not be opened, read or written.
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    /// The input is neither UTF-8 nor GB18030, or was begun as UTF-8 (a BOM, or UTF-8 text)
    /// and holds bytes that are not UTF-8: the byte offset of the first bad sequence and its
    /// 1-based line (newlines before it + 1; 0 when the file could not be read again to count).
    Decode {
        path: PathBuf,
        offset: u64,
        line: u64,
    },
    /// The requested phone column does not exist.
    MissingColumn {
        path: PathBuf,
        column: String,
        available: Vec<String>,
    },
    /// The file has no data rows.
    Empty { path: PathBuf },
    /// A CSV syntax problem the reader cannot recover from.
    Csv {
        path: PathBuf,
        row: u64,
        message: String,
    },
    /// A data/table file line that cannot be parsed.
    Data {
        path: PathBuf,
        line: u64,
        message: String,
    },
    /// An invalid option value.
    Config(String),
    /// The input passes one of the documented limits (`limit` names it, e.g. `max_cells`).
    Limit {
        path: PathBuf,
        message: String,
        limit: &'static str,
    },
}

impl fmt::Display for CalllistError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CalllistError::Io { path, source } => write!(f, "{}: {source}", path.display()),
            CalllistError::Decode { path, offset, line } => write!(
                f,
                "{}: line {line}, byte {offset}: cannot decode the text: it is neither UTF-8 nor \
                 GB18030/GBK, or the file is UTF-8 (it starts with a BOM or with UTF-8 text) and \
                 these bytes are not",
                path.display()
            ),
            CalllistError::MissingColumn {
                path,
                column,
                available,
            } => write!(
                f,
                "{}: no column {column:?}; the columns are {}",
                path.display(),
                if available.is_empty() {
                    "(none)".to_string()
                } else {
                    format!("{available:?}")
                }
            ),
            CalllistError::Empty { path } => {
                write!(f, "{}: the file has no data rows", path.display())
            }
            CalllistError::Csv {
                path,
                row: 0,
                message,
            } => write!(f, "{}: {message}", path.display()),
            CalllistError::Csv { path, row, message } => {
                write!(f, "{}: row {row}: {message}", path.display())
            }
            CalllistError::Data {
                path,
                line,
                message,
            } => {
                write!(f, "{}: line {line}: {message}", path.display())
            }
            CalllistError::Config(m) => write!(f, "{m}"),
            CalllistError::Limit {
                path,
                message,
                limit,
            } => {
                write!(
                    f,
                    "{}: {message} ({limit}); refused before reading it",
                    path.display()
                )
            }
        }
    }
}

impl std::error::Error for CalllistError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            CalllistError::Io { source, .. } => Some(source),
            _ => None,
        }
    }
}

pub type Result<T> = std::result::Result<T, CalllistError>;

impl CalllistError {
    /// A decode error at byte `offset` of `path`, with the line counted by reading the file
    /// again up to there (errors are rare; the readers need not count lines as they go).
    pub fn decode_at(path: &std::path::Path, offset: u64) -> CalllistError {
        use std::io::Read;
        let line = std::fs::File::open(path)
            .and_then(|f| {
                let mut r = f.take(offset);
                let mut buf = vec![0u8; 1 << 16];
                let mut nl = 0u64;
                loop {
                    let n = r.read(&mut buf)?;
                    if n == 0 {
                        return Ok(nl + 1);
                    }
                    nl += memchr::memchr_iter(b'\n', &buf[..n]).count() as u64;
                }
            })
            .unwrap_or(0);
        CalllistError::Decode {
            path: path.into(),
            offset,
            line,
        }
    }
}

pub(crate) fn io_err(path: impl Into<PathBuf>) -> impl FnOnce(std::io::Error) -> CalllistError {
    let path = path.into();
    move |source| CalllistError::Io { path, source }
}
