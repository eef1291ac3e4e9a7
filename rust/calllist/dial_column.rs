//! The `dial` column of a clean CSV, packed: every value followed by `\n` in one buffer, and the
//! offset where each row's value starts. The import engine keeps a million-row list in this form
//! (~13 bytes a row plus 8 of offset, against ~60 for a Python string in a list) and makes
//! strings only for the batch it sends.
//!
//! The clean writes `,e164,national,kind,ext,dial,batch\n` after the input's cells, and those
//! tail cells are digits and letters, never quoted (`io/write.rs`, `clean_tail`): so the value is
//! the next-to-last field of each record, found by looking back from the record's end. Only the
//! record ends need the quoting: a newline inside a quoted input cell is not one. That is a
//! `memchr2` pass over the file instead of a CSV parse of every cell.

use std::io::Read;
use std::path::Path;

use sha2::{Digest, Sha256};

use super::{io_err, CalllistError, Result};
use crate::fsutil::FileDigest;

/// The tail after the dial value: `,` + a batch number of at most 20 digits.
const BATCH_MAX: usize = 21;
/// Bytes of an unfinished record kept from one piece of input to the next: enough for
/// `,dial,batch` (24 + 21 + 1).
const KEEP: usize = 64;

/// The packed column; `offsets` has one entry per row plus the end of `lines`.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct DialColumn {
    pub lines: Vec<u8>,
    pub offsets: Vec<u64>,
}

impl DialColumn {
    pub fn len(&self) -> usize {
        self.offsets.len().saturating_sub(1)
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Row `i`'s value.
    pub fn get(&self, i: usize) -> &[u8] {
        &self.lines[self.offsets[i] as usize..self.offsets[i + 1] as usize - 1]
    }
}

/// Collects the column from the clean CSV's record bytes, given in order in pieces of any size
/// (the header not among them): the clean feeds it what it writes, the reader what it reads.
#[derive(Debug)]
pub(crate) struct DialTap {
    column: DialColumn,
    /// inside a quoted cell at the end of the bytes seen so far
    quoted: bool,
    /// the last bytes of the unfinished record
    carry: Vec<u8>,
}

impl DialTap {
    pub(crate) fn new() -> Self {
        DialTap {
            column: DialColumn {
                lines: Vec::new(),
                offsets: vec![0],
            },
            quoted: false,
            carry: Vec::with_capacity(2 * KEEP),
        }
    }

    pub(crate) fn feed(&mut self, bytes: &[u8]) -> std::result::Result<(), String> {
        let mut start = 0;
        for at in memchr::memchr2_iter(b'"', b'\n', bytes) {
            if bytes[at] == b'"' {
                self.quoted = !self.quoted;
                continue;
            }
            if self.quoted {
                continue;
            }
            if start == 0 && !self.carry.is_empty() {
                let mut record = std::mem::take(&mut self.carry);
                record.extend_from_slice(&bytes[..at]);
                self.push(&record)?;
                record.clear();
                self.carry = record;
            } else {
                self.push(&bytes[start..at])?;
            }
            start = at + 1;
        }
        let rest = &bytes[start..];
        if start > 0 {
            self.carry.clear();
        }
        self.carry
            .extend_from_slice(&rest[rest.len().saturating_sub(KEEP)..]);
        if self.carry.len() > KEEP {
            self.carry.drain(..self.carry.len() - KEEP);
        }
        Ok(())
    }

    /// Takes the next-to-last field of `record` (without its `\n`).
    fn push(&mut self, record: &[u8]) -> std::result::Result<(), String> {
        let record = record.strip_suffix(b"\r").unwrap_or(record);
        let tail = &record[record.len().saturating_sub(KEEP)..];
        let value = memchr::memrchr(b',', tail)
            .filter(|&last| tail.len() - last <= BATCH_MAX)
            .and_then(|last| {
                memchr::memrchr(b',', &tail[..last]).map(|before| &tail[before + 1..last])
            })
            .ok_or_else(|| {
                format!(
                    "row {}: no dial and batch cells at the end of the record",
                    self.column.len() + 2
                )
            })?;
        self.column.lines.extend_from_slice(value);
        self.column.lines.push(b'\n');
        self.column.offsets.push(self.column.lines.len() as u64);
        Ok(())
    }

    pub(crate) fn finish(self) -> std::result::Result<DialColumn, String> {
        if self.quoted || !self.carry.is_empty() {
            return Err(format!(
                "row {}: the file ends inside a record",
                self.column.len() + 2
            ));
        }
        Ok(self.column)
    }
}

/// Reads the `dial` column of a clean CSV written by the clean pipeline with a platform (whose
/// header ends `dial,batch`), and the size and SHA-256 of the bytes it read (hashed as they pass:
/// a resumed import checks the file against its journal without reading it twice).
pub fn read_dial_column(path: &Path) -> Result<(DialColumn, FileDigest)> {
    let mut file = std::fs::File::open(path).map_err(io_err(path))?;
    let bad = |message: String| CalllistError::Csv {
        path: path.into(),
        row: 0,
        message,
    };
    let mut buf = vec![0u8; 1 << 20];
    let mut tap = DialTap::new();
    let mut header: Option<Vec<u8>> = Some(Vec::new());
    let mut sha = Sha256::new();
    let mut bytes = 0u64;
    loop {
        let n = file.read(&mut buf).map_err(io_err(path))?;
        if n == 0 {
            break;
        }
        let mut piece = &buf[..n];
        sha.update(piece);
        bytes += n as u64;
        if let Some(head) = header.as_mut() {
            // the header's cells are the input's column names: a quoted one may hold a newline
            let mut quoted = head.iter().filter(|&&b| b == b'"').count() % 2 == 1;
            let end = memchr::memchr2_iter(b'"', b'\n', piece).find(|&at| {
                if piece[at] == b'"' {
                    quoted = !quoted;
                }
                piece[at] == b'\n' && !quoted
            });
            match end {
                None => {
                    head.extend_from_slice(piece);
                    continue;
                }
                Some(at) => {
                    head.extend_from_slice(&piece[..at]);
                    check_header(head).map_err(bad)?;
                    header = None;
                    piece = &piece[at + 1..];
                }
            }
        }
        tap.feed(piece)
            .map_err(|m| bad(format!("{m} (not a clean CSV of the clean pipeline?)")))?;
    }
    if let Some(head) = header {
        if head.is_empty() {
            return Err(CalllistError::Empty { path: path.into() });
        }
        check_header(&head).map_err(bad)?;
    }
    let column = tap.finish().map_err(bad)?;
    let digest = FileDigest {
        bytes,
        sha256: sha.finalize().into(),
    };
    Ok((column, digest))
}

fn check_header(head: &[u8]) -> std::result::Result<(), String> {
    let head = head.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(head);
    let head = head.strip_suffix(b"\r").unwrap_or(head);
    if head.ends_with(b",dial,batch") {
        Ok(())
    } else {
        Err(format!(
            "the header does not end with the dial and batch columns of a clean run with a \
             platform: {:?}",
            String::from_utf8_lossy(&head[head.len().saturating_sub(60)..])
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tap_in_pieces(records: &[u8], piece: usize) -> DialColumn {
        let mut tap = DialTap::new();
        for p in records.chunks(piece) {
            tap.feed(p).unwrap();
        }
        tap.finish().unwrap()
    }

    #[test]
    fn the_next_to_last_cell_of_every_record_in_pieces_of_any_size() {
        let records = concat!(
            "张三,13800138000,+8613800138000,13800138000,mobile,,13800138000,1\n",
            "\"a, \"\"quoted\"\"\nline\",x,+862112345678,02112345678,fixed,12,02112345678*12,1\n",
            "'=1+1,y,+8613900139000,13900139000,mobile,,13900139000,2\n",
            ",,,,,,4008001234#,12345678901234567890\n",
        );
        let want: Vec<&[u8]> = vec![
            b"13800138000",
            b"02112345678*12",
            b"13900139000",
            b"4008001234#",
        ];
        for piece in [1, 2, 3, 7, 64, 65, 4096] {
            let col = tap_in_pieces(records.as_bytes(), piece);
            let got: Vec<&[u8]> = (0..col.len()).map(|i| col.get(i)).collect();
            assert_eq!(got, want, "pieces of {piece}");
        }
    }

    #[test]
    fn a_record_without_the_tail_is_refused() {
        let mut tap = DialTap::new();
        assert!(tap.feed(b"no commas here\n").is_err());
        let mut tap = DialTap::new();
        tap.feed(b"a,b,1\n\"open").unwrap();
        assert!(tap.finish().is_err());
    }

    #[test]
    fn reads_the_clean_file_of_the_pipeline() {
        use crate::calllist::io::{clean_file, CleanOptions, CleanPaths};
        use crate::calllist::normalize::{Config, Normalizer};
        use crate::calllist::platform::Profile;
        let dir = std::env::temp_dir().join(format!("cc-dial-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let input = dir.join("list.csv");
        let mut text = String::from("\"name\nwith newline\",phone\n");
        for i in 0..5000 {
            text.push_str(&format!("\"n,{i}\",138{i:08}\n"));
        }
        text.push_str("dup,13800000001\nbad,abc\n");
        std::fs::write(&input, text).unwrap();
        let (c, r) = (dir.join("c.csv"), dir.join("r.csv"));
        let norm = Normalizer::new(&Config::default()).unwrap();
        let opts = CleanOptions {
            platform: Some(Profile::by_name("huawei").unwrap()),
            bom: true,
            ..CleanOptions::default()
        };
        let paths = CleanPaths {
            input: &input,
            clean: &c,
            rejects: &r,
        };
        let s = clean_file(&paths, &opts, &norm, None, None, &mut |_, _, _| true).unwrap();
        assert_eq!(s.dial, None, "not asked for");
        assert_eq!(s.clean_digest, None, "not asked for");
        let (col, read) = read_dial_column(&c).unwrap();
        assert_eq!(col.len() as u64, s.clean);
        // the digest of the bytes read is the file's, computed independently
        let text = std::fs::read(&c).unwrap();
        let want = FileDigest {
            bytes: text.len() as u64,
            sha256: Sha256::digest(&text).into(),
        };
        assert_eq!(read, want);
        // the clean hands over the same column, and the same digest, from what it writes, on
        // both of its paths
        for parallel in [true, false] {
            let keep = CleanOptions {
                keep_dial: true,
                hash_clean: true,
                parallel,
                chunk_rows: 700,
                ..opts.clone()
            };
            let s = clean_file(&paths, &keep, &norm, None, None, &mut |_, _, _| true).unwrap();
            assert_eq!(s.dial.as_ref(), Some(&col), "parallel: {parallel}");
            assert_eq!(s.clean_digest, Some(want), "parallel: {parallel}");
        }
        // the csv crate's reading of the same file agrees on every row
        let mut rdr = csv::Reader::from_path(&c).unwrap();
        let i = rdr
            .headers()
            .unwrap()
            .iter()
            .position(|h| h == "dial")
            .unwrap();
        for (k, rec) in rdr.records().enumerate() {
            assert_eq!(col.get(k), rec.unwrap()[i].as_bytes());
        }
        let plain = dir.join("plain.csv");
        std::fs::write(&plain, "phone,e164\n1,2\n").unwrap();
        assert!(read_dial_column(&plain).is_err());
    }
}
