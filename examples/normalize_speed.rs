//! Timing probe for `Normalizer::normalize` on one thread:
//! `cargo run --release --example normalize_speed -- FILE.csv` (the bench's `id,name,"phone",city`).
use _core::calllist::normalize::{Config, Normalizer};
use std::time::Instant;

fn main() {
    let path = std::env::args().nth(1).expect("a CSV file");
    let text = std::fs::read(&path).unwrap();
    let phones: Vec<&[u8]> = text
        .split(|&b| b == b'\n')
        .skip(1)
        .filter_map(|l| {
            let q: Vec<usize> = l
                .iter()
                .enumerate()
                .filter(|(_, &b)| b == b'"')
                .map(|(i, _)| i)
                .collect();
            (q.len() == 2).then(|| &l[q[0] + 1..q[1]])
        })
        .collect();
    let norm = Normalizer::new(&Config::default()).unwrap();
    let mut best = f64::MAX;
    for _ in 0..15 {
        let t = Instant::now();
        let mut acc = 0u64;
        for p in &phones {
            acc = acc.wrapping_add(norm.normalize(p).key);
        }
        std::hint::black_box(acc);
        best = best.min(t.elapsed().as_secs_f64());
    }
    println!(
        "{} numbers, best {:.1} ms, {:.1} M numbers/s",
        phones.len(),
        best * 1e3,
        phones.len() as f64 / best / 1e6
    );
}
