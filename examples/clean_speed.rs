//! Timing probe for the call-list clean path: `cargo run --release --example clean_speed -- FILE`.
use _core::calllist::io::{clean_file, CleanOptions, CleanPaths};
use _core::calllist::normalize::{Config, Normalizer};
use _core::fsutil::wait_for_removals;
use std::path::Path;
use std::time::Instant;

fn main() {
    let input = std::env::args().nth(1).expect("a CSV file");
    let rounds: usize = std::env::args()
        .nth(2)
        .map(|s| s.parse().unwrap())
        .unwrap_or(9);
    let norm = Normalizer::new(&Config::default()).unwrap();
    let out = std::env::temp_dir().join("callcore-clean-speed");
    std::fs::create_dir_all(&out).unwrap();
    let (c, r) = (out.join("clean.csv"), out.join("rejects.csv"));
    let mut times = Vec::new();
    let mut cpu = Vec::new();
    let cpu_now = || {
        // SAFETY: getrusage fills the struct it is given
        let mut u: libc::rusage = unsafe { std::mem::zeroed() };
        unsafe { libc::getrusage(libc::RUSAGE_SELF, &mut u) };
        let t = |v: libc::timeval| v.tv_sec as f64 + v.tv_usec as f64 * 1e-6;
        t(u.ru_utime) + t(u.ru_stime)
    };
    for _ in 0..rounds {
        let c0 = cpu_now();
        let t = Instant::now();
        let paths = CleanPaths {
            input: Path::new(&input),
            clean: &c,
            rejects: &r,
        };
        let s = clean_file(
            &paths,
            &CleanOptions::default(),
            &norm,
            None,
            None,
            &mut |_, _, _| true,
        )
        .unwrap();
        times.push(t.elapsed().as_secs_f64());
        cpu.push(cpu_now() - c0);
        std::hint::black_box(s.rows);
    }
    wait_for_removals();
    times.sort_by(|a, b| a.partial_cmp(b).unwrap());
    cpu.sort_by(|a, b| a.partial_cmp(b).unwrap());
    println!(
        "median {:.1} ms, min {:.1} ms; cpu median {:.1} ms",
        times[rounds / 2] * 1e3,
        times[0] * 1e3,
        cpu[rounds / 2] * 1e3
    );
}
