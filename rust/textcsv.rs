//! The small CSV files a platform hands over whole (Huawei's bill-file zip holds a CDR and a
//! recording-index CSV per day, 13.2.2): decoded, parsed and trimmed in one pass, for the
//! bindings to turn into rows of Python strings.
//!
//! What the Python reader it replaces did, kept exactly (a property test compares the two):
//! * the text is UTF-8 (a BOM is dropped) or, when it is not valid UTF-8, GB18030 with invalid
//!   sequences replaced by U+FFFD (the seed names no encoding, notes/recording.md 3.1; GB18030 is
//!   the usual other);
//! * the dialect is Excel's, as Python's `csv.reader` reads it: `,` between cells, `"` quotes,
//!   `""` inside quotes, a quote inside an unquoted cell kept as text, `\r\n`, `\n` or `\r` between
//!   records; an empty line is no record;
//! * every cell is trimmed of what Python's `str.strip()` removes: Unicode white space plus the
//!   four separator controls U+001C..U+001F, which Python counts as space and Rust does not.

use std::borrow::Cow;

use encoding_rs::GB18030;

/// The rows of a CSV text: every cell (trimmed) is `text[spans[i].0..spans[i].1]`, and row `r`
/// holds the cells `row_ends[r - 1]..row_ends[r]` (from 0 for the first). The first row is the
/// header, as written.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Rows {
    pub text: String,
    pub spans: Vec<(usize, usize)>,
    pub row_ends: Vec<usize>,
}

impl Rows {
    pub fn len(&self) -> usize {
        self.row_ends.len()
    }

    pub fn is_empty(&self) -> bool {
        self.row_ends.is_empty()
    }

    /// The cells of row `r`.
    pub fn row(&self, r: usize) -> impl ExactSizeIterator<Item = &str> + '_ {
        let start = if r == 0 { 0 } else { self.row_ends[r - 1] };
        self.spans[start..self.row_ends[r]]
            .iter()
            .map(|&(a, b)| &self.text[a..b])
    }
}

/// `data` as text: UTF-8 without its BOM, else GB18030 (invalid sequences replaced).
pub fn decode(data: &[u8]) -> Cow<'_, str> {
    let data = data.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(data);
    match std::str::from_utf8(data) {
        Ok(text) => Cow::Borrowed(text),
        Err(_) => GB18030.decode_without_bom_handling(data).0,
    }
}

/// Python's `str.isspace()` for one character.
fn is_python_space(c: char) -> bool {
    c.is_whitespace() || ('\u{1c}'..='\u{1f}').contains(&c)
}

/// Decodes and parses `data` (see the module docs).
pub fn read_rows(data: &[u8]) -> Rows {
    let decoded = decode(data);
    let mut rows = Rows {
        text: String::with_capacity(decoded.len()),
        spans: Vec::new(),
        row_ends: Vec::new(),
    };
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .terminator(csv::Terminator::CRLF) // \r\n, \n or \r, as Python's reader
        .from_reader(decoded.as_bytes());
    let mut record = csv::ByteRecord::new();
    // the input is valid UTF-8 and cells are cut at ASCII bytes only, so each cell is UTF-8
    while reader.read_byte_record(&mut record).unwrap_or(false) {
        for cell in record.iter() {
            let cell = std::str::from_utf8(cell).expect("cells of UTF-8 text cut at ASCII bytes");
            let cell = cell.trim_matches(is_python_space);
            let start = rows.text.len();
            rows.text.push_str(cell);
            rows.spans.push((start, rows.text.len()));
        }
        rows.row_ends.push(rows.spans.len());
    }
    rows
}

/// The fuzz target (cargo-fuzz binary `textcsv_rows`; its corpus in `tests/data/fuzz/textcsv_rows/`
/// is replayed by `cargo test`): any bytes read without a panic, every cell trimmed, and reading
/// the rows written back as CSV gives the same rows.
pub fn fuzz_rows(data: &[u8]) {
    let rows = read_rows(data);
    let mut again = String::new();
    for r in 0..rows.len() {
        let cells: Vec<&str> = rows.row(r).collect();
        for cell in &cells {
            assert_eq!(cell.trim_matches(is_python_space), *cell, "a cell is not trimmed");
        }
        // an empty line is no row: a row of one empty cell is written as `""`
        let line: Vec<String> = cells
            .iter()
            .map(|c| format!("\"{}\"", c.replace('"', "\"\"")))
            .collect();
        again.push_str(&line.join(","));
        again.push('\n');
    }
    let back = read_rows(again.as_bytes());
    assert_eq!(back.len(), rows.len(), "rows written back read as another count");
    for r in 0..rows.len() {
        assert!(back.row(r).eq(rows.row(r)), "row {r} reads back otherwise");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn all(rows: &Rows) -> Vec<Vec<&str>> {
        (0..rows.len()).map(|r| rows.row(r).collect()).collect()
    }

    #[test]
    fn quoted_cells_newlines_and_ragged_rows() {
        let rows =
            read_rows("\u{feff}a, b ,c\r\n\"x, \"\"y\"\"\n z\",2\n\n3,4,5,6\r7\n".as_bytes());
        assert_eq!(
            all(&rows),
            vec![
                vec!["a", "b", "c"],
                vec!["x, \"y\"\n z", "2"],
                vec!["3", "4", "5", "6"],
                vec!["7"],
            ]
        );
    }

    #[test]
    fn gb18030_when_not_utf8_and_python_spaces_trimmed() {
        let (gbk, _, _) = GB18030.encode("主叫,被叫\n张三 ,\u{3000}李四\u{1f}\n");
        let rows = read_rows(&gbk);
        assert_eq!(all(&rows), vec![vec!["主叫", "被叫"], vec!["张三", "李四"]]);
    }

    #[test]
    fn the_fuzz_corpus_replays() {
        crate::fuzz_corpus::replay(&[("textcsv_rows", fuzz_rows)]);
    }

    #[test]
    fn a_quote_inside_an_unquoted_cell_is_text() {
        assert_eq!(all(&read_rows(b"a\"b,c\n")), vec![vec!["a\"b", "c"]]);
    }
}
