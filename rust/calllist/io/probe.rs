use std::fs::File;
use std::path::Path;
use std::sync::atomic::AtomicU64;
use std::sync::Arc;

use encoding_rs::UTF_8;

use crate::calllist::normalize::Normalizer;

use super::{decode::*, options::*, pipeline::*, sniff::*};
use crate::calllist::normalize::Config;

/// `CALLLIST_PROBE=/path/list.csv cargo test --release --lib probe -- --ignored --nocapture`
#[test]
#[ignore]
fn stages() {
    let Ok(p) = std::env::var("CALLLIST_PROBE") else {
        return;
    };
    let path = Path::new(&p);
    let norm = Normalizer::new(&Config::default()).unwrap();
    let mut phones: Vec<Vec<u8>> = Vec::new();
    let mut r = csv_reader(File::open(path).unwrap(), Some(b','));
    let mut rec = csv::ByteRecord::new();
    while r.read_byte_record(&mut rec).unwrap() {
        phones.push(rec.get(2).unwrap_or(b"").to_vec());
    }
    for _ in 0..3 {
        let t = std::time::Instant::now();
        let mut k = 0u64;
        for p in &phones {
            k = k.wrapping_add(norm.normalize(p).key);
        }
        let dt = t.elapsed().as_secs_f64();
        println!(
            "normalize 1 thread: {:.1} M/s ({k})",
            phones.len() as f64 / dt / 1e6
        );
    }
    for _ in 0..3 {
        let t = std::time::Instant::now();
        let f = File::open(path).unwrap();
        let mut r = csv_reader(
            Decoding::new(f, UTF_8, Some(b','), Arc::new(AtomicU64::new(0))),
            Some(b','),
        );
        let mut rec = csv::ByteRecord::new();
        let mut n = 0;
        while r.read_byte_record(&mut rec).unwrap() {
            n += rec.len();
        }
        println!("read+parse: {:?} ({n})", t.elapsed());
        let t = std::time::Instant::now();
        let out = std::env::temp_dir();
        let s = clean_file(
            &CleanPaths {
                input: path,
                clean: &out.join("probe_c.csv"),
                rejects: &out.join("probe_r.csv"),
            },
            &CleanOptions::default(),
            &norm,
            None,
            None,
            &mut |_, _, _| true,
        )
        .unwrap();
        println!("clean_file: {:?} ({} rows)", t.elapsed(), s.rows);
        assert_eq!(s.rows as usize, phones.len() - 1);
        assert_eq!(s.rows, s.clean + s.rejected);
    }
}
