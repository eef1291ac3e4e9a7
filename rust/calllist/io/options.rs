//! What a clean run is asked to do: the phone column and the options.

use crate::calllist::platform::Profile;

/// Which column holds the phone number.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ColumnSel {
    /// By header name, else the column whose sample values normalize best.
    Auto,
    /// By header name (case-insensitive, trimmed). Requires a header row.
    Name(String),
    /// By 0-based index.
    Index(usize),
}

/// Options of [`clean_file`].
#[derive(Clone, Debug)]
pub struct CleanOptions {
    pub column: ColumnSel,
    /// Dedup within this column's values (e.g. Huawei v2 `sessionId`); `None` = global.
    pub scope_column: Option<ColumnSel>,
    /// `None` = detect.
    pub has_header: Option<bool>,
    /// `None` = detect among `,` TAB `;` `|`, else one value per line.
    pub delimiter: Option<u8>,
    pub platform: Option<Profile>,
    /// Prefix cells starting with `=`, `+`, `-`, `@`, TAB or CR with `'` in carried-through
    /// columns and in the rejects file (spreadsheet formula injection).
    pub defuse: bool,
    /// Write a UTF-8 BOM in the outputs (Excel then opens them as UTF-8).
    pub bom: bool,
    pub chunk_rows: usize,
    /// Treat numbers imported at or after this unix time as already imported.
    pub imported_since: i64,
    /// Record the clean numbers in the import store at this unix time (`None`: check only).
    pub record_at: Option<i64>,
    /// Sheet of a spreadsheet input (`None`: the first sheet).
    pub sheet: Option<String>,
    /// CSV input: parse, normalize and format on all cores (see `io/par.rs`). `false` takes the
    /// single-reader path (same output; kept for comparison and tests).
    pub parallel: bool,
}

impl Default for CleanOptions {
    fn default() -> Self {
        CleanOptions {
            column: ColumnSel::Auto,
            scope_column: None,
            has_header: None,
            delimiter: None,
            platform: None,
            defuse: true,
            bom: false,
            chunk_rows: 16_384,
            imported_since: i64::MIN,
            record_at: None,
            sheet: None,
            parallel: true,
        }
    }
}
