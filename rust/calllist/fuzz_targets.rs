//! Fuzz targets of the call-list core: one function per target, taking arbitrary bytes. The
//! cargo-fuzz binaries in `fuzz/fuzz_targets/calllist_*.rs` call them under libFuzzer
//! (`make fuzz`), and the test below replays every file of `tests/data/fuzz/<target>/` (seeds
//! and the inputs found) through them on plain `cargo test`, so CI runs the corpus.
//!
//! A target panics on a broken promise, not only on a crash:
//! * `calllist_csv`: the parallel reader and the sequential one give the same summary and the
//!   same clean and rejects bytes, or the same error; every row is counted once.
//! * `calllist_sheet`: a spreadsheet is read or refused with an error (no abort, no endless
//!   loop, no allocation past the limits), and what is read fits the limits.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

use super::io::{clean_file, CleanOptions, CleanPaths};
use super::normalize::{Config, Normalizer};
use super::sheet_guard::LIMITS;
use super::xlsx;

/// Where the last panic inside calamine's sources happened (set by the hook below).
static CALAMINE_PANIC: std::sync::Mutex<Option<String>> = std::sync::Mutex::new(None);

/// Installs, once, a panic hook that records (quietly) a panic raised inside calamine's own
/// source files and hands every other panic to the hook that was there before.
fn calamine_panics_are_upstream() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        let previous = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            let file = info
                .location()
                .map(|l| l.file().to_string())
                .unwrap_or_default();
            if file.contains("/calamine-") {
                if let Ok(mut g) = CALAMINE_PANIC.lock() {
                    *g = Some(format!("{file}: {info}"));
                }
            } else {
                previous(info)
            }
        }));
    });
}

/// The targets, by name (the name of the cargo-fuzz binary and of the corpus folder).
pub const TARGETS: [(&str, fn(&[u8])); 2] = [
    ("calllist_csv", csv_paths_agree),
    ("calllist_sheet", spreadsheet),
];

/// A scratch folder of this process (the targets write the input to a file: the readers take
/// paths), removed by nobody: it is under the system's temporary folder.
fn scratch() -> PathBuf {
    static N: AtomicU64 = AtomicU64::new(0);
    let d = std::env::temp_dir().join(format!(
        "cc-fuzz-calllist-{}-{}",
        std::process::id(),
        N.fetch_add(1, Ordering::Relaxed) % 4
    ));
    std::fs::create_dir_all(&d).expect("scratch folder");
    d
}

fn run(
    input: &Path,
    out: &Path,
    opts: &CleanOptions,
    norm: &Normalizer,
) -> Result<(String, Vec<u8>, Vec<u8>), String> {
    let (c, r) = (out.join("clean.csv"), out.join("rejects.csv"));
    let s = clean_file(
        &CleanPaths {
            input,
            clean: &c,
            rejects: &r,
        },
        opts,
        norm,
        None,
        None,
        &mut |_, _, _| true,
    )
    .map_err(|e| e.to_string())?;
    assert_eq!(s.rows, s.clean + s.rejected, "rows add up");
    assert_eq!(
        s.per_reason.iter().sum::<u64>(),
        s.rejected,
        "reasons add up"
    );
    assert_eq!(s.per_kind.iter().sum::<u64>(), s.clean, "kinds add up");
    let clean = std::fs::read(&c).expect("clean file");
    let rejects = std::fs::read(&r).expect("rejects file");
    if opts.hash_clean {
        // hashed while written, in pieces, on the writer thread: the finished file's digest
        use sha2::{Digest, Sha256};
        let want = crate::fsutil::FileDigest {
            bytes: clean.len() as u64,
            sha256: Sha256::digest(&clean).into(),
        };
        assert_eq!(s.clean_digest, Some(want), "clean file digest");
    }
    Ok((format!("{s:?}"), clean, rejects))
}

/// CSV bytes (byte 0 picks the piece size and the header option, the rest is the file): both
/// reader paths agree on every input.
pub fn csv_paths_agree(data: &[u8]) {
    let Some((&ctl, body)) = data.split_first() else {
        return;
    };
    let dir = scratch();
    let input = dir.join("in.csv");
    std::fs::write(&input, body).expect("write input");
    let chunk_rows = [1usize, 2, 7, 16_384][(ctl & 3) as usize];
    let has_header = [None, Some(true), Some(false), None][((ctl >> 2) & 3) as usize];
    let norm = Normalizer::new(&Config::default()).expect("normalizer");
    let mut results = Vec::new();
    for parallel in [false, true] {
        let opts = CleanOptions {
            chunk_rows,
            has_header,
            parallel,
            hash_clean: true,
            ..CleanOptions::default()
        };
        results.push(run(&input, &dir, &opts, &norm));
    }
    assert_eq!(
        results[0], results[1],
        "sequential vs parallel, chunk_rows {chunk_rows}"
    );
}

const XLSX_PARTS: [(&str, &str); 2] = [
    (
        "[Content_Types].xml",
        r#"<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/></Types>"#,
    ),
    (
        "xl/workbook.xml",
        r#"<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets><sheet name="S" sheetId="1" r:id="rId1"/></sheets></workbook>"#,
    ),
];
const XLSX_RELS: [(&str, &str); 2] = [
    (
        "_rels/.rels",
        r#"<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>"#,
    ),
    (
        "xl/_rels/workbook.xml.rels",
        r#"<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/></Relationships>"#,
    ),
];

/// A valid zip holding `parts` (stored, so the fuzzed bytes reach the XML readers as they are).
fn zip_of(path: &Path, parts: &[(&str, &[u8])]) {
    use std::io::Write;
    let mut z = zip::ZipWriter::new(std::fs::File::create(path).expect("create zip"));
    let opts =
        zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Stored);
    for (name, data) in parts {
        z.start_file(*name, opts).expect("zip entry");
        z.write_all(data).expect("zip write");
    }
    z.finish().expect("zip finish");
}

/// Spreadsheet bytes. Byte 0 picks the form: 0/1 the rest is a whole `.xlsx`/`.ods` file; 2 the
/// rest is the sheet XML of an otherwise valid XLSX; 3 the `content.xml` of a valid ODS (so
/// the mutations reach calamine's XML readers instead of stopping at the zip's checksums);
/// 4 a whole `.xls` (OLE compound file).
pub fn spreadsheet(data: &[u8]) {
    let Some((&ctl, body)) = data.split_first() else {
        return;
    };
    let dir = scratch();
    let path = match ctl & 7 {
        4 => {
            let p = dir.join("in.xls");
            std::fs::write(&p, body).expect("write");
            p
        }
        0 => {
            let p = dir.join("in.xlsx");
            std::fs::write(&p, body).expect("write");
            p
        }
        1 => {
            let p = dir.join("in.ods");
            std::fs::write(&p, body).expect("write");
            p
        }
        2 => {
            let p = dir.join("in.xlsx");
            let mut parts: Vec<(&str, &[u8])> =
                XLSX_PARTS.iter().map(|(n, t)| (*n, t.as_bytes())).collect();
            parts.extend(XLSX_RELS.iter().map(|(n, t)| (*n, t.as_bytes())));
            parts.push(("xl/worksheets/sheet1.xml", body));
            zip_of(&p, &parts);
            p
        }
        3 => {
            let p = dir.join("in.ods");
            zip_of(
                &p,
                &[
                    (
                        "mimetype",
                        b"application/vnd.oasis.opendocument.spreadsheet",
                    ),
                    ("content.xml", body),
                ],
            );
            p
        }
        _ => return,
    };
    // calamine's own record parsers index without length checks (XLS `Lbl`, `BoundSheet8`, ...):
    // such a panic is calamine's (reported upstream) and the bindings turn it into a
    // CalllistError (`detach_guarded`); a panic anywhere else, an abort, an allocation past
    // libFuzzer's limit or a hang still fails the target
    calamine_panics_are_upstream();
    let read = std::panic::catch_unwind(|| xlsx::read_rows_at(&path, None));
    let read = match read {
        Ok(r) => r,
        Err(p) => {
            if CALAMINE_PANIC
                .lock()
                .map(|mut g| g.take())
                .ok()
                .flatten()
                .is_some()
            {
                return;
            }
            std::panic::resume_unwind(p)
        }
    };
    if let Ok((rows, above)) = read {
        assert!(
            above + rows.len() as u64 <= LIMITS.max_rows,
            "rows within the limit"
        );
        let width = rows.iter().map(|r| r.len() as u64).max().unwrap_or(0);
        assert!(width <= LIMITS.max_columns, "columns within the limit");
        assert!(
            rows.len() as u64 * width <= LIMITS.max_cells,
            "cells within the limit"
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Replays the corpus of every target (seeds and regression inputs) through it.
    #[test]
    fn fuzz_corpus_replays() {
        crate::fuzz_corpus::replay(&TARGETS);
    }
}
