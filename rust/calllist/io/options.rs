//! What a clean run is asked to do: the phone column and the options.

use std::str::FromStr;

use crate::calllist::platform::Profile;
use crate::calllist::CalllistError;

/// A CSV delimiter given as text: one ASCII character, or `\t`, a TAB or `tab`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Delimiter(pub u8);

impl FromStr for Delimiter {
    type Err = CalllistError;

    fn from_str(s: &str) -> Result<Self, CalllistError> {
        match s {
            "\\t" | "\t" | "tab" => Ok(Delimiter(b'\t')),
            d if d.len() == 1 && d.is_ascii() => Ok(Delimiter(d.as_bytes()[0])),
            d => Err(CalllistError::Config(format!(
                "delimiter: expected one ASCII character, got {d:?}"
            ))),
        }
    }
}

/// The unix time from which a number counts as already imported: `window_days` before `now`
/// (fractions of a day allowed), or every earlier import when there is no window.
pub fn imported_since(window_days: Option<f64>, now: i64) -> i64 {
    window_days
        .map(|days| now - (days * 86400.0) as i64)
        .unwrap_or(i64::MIN)
}

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
    /// With a platform: hand the `dial` column over in [`super::Summary::dial`], collected from
    /// the clean rows as they are written (the import engine's numbers, no second read).
    pub keep_dial: bool,
    /// Hash the clean file while writing it: its size and SHA-256 in
    /// [`super::Summary::clean_digest`] (the import journals them; a resumed run checks the file
    /// it reads back against them without a read of its own).
    pub hash_clean: bool,
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
            keep_dial: false,
            hash_clean: false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn delimiter_text_and_the_import_window() {
        assert_eq!("\\t".parse::<Delimiter>().unwrap(), Delimiter(b'\t'));
        assert_eq!("tab".parse::<Delimiter>().unwrap(), Delimiter(b'\t'));
        assert_eq!(";".parse::<Delimiter>().unwrap(), Delimiter(b';'));
        let e = ",,".parse::<Delimiter>().unwrap_err().to_string();
        assert_eq!(e, "delimiter: expected one ASCII character, got \",,\"");
        assert_eq!(imported_since(None, 1_000_000), i64::MIN);
        assert_eq!(imported_since(Some(1.5), 1_000_000), 1_000_000 - 129_600);
    }
}
