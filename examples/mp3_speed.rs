use _core::audio::mp3;
use std::time::Instant;
fn main() {
    let n = 8000 * 600;
    let pcm: Vec<i16> = (0..n)
        .map(|i| {
            let t = i as f64 / 8000.0;
            ((2.0 * std::f64::consts::PI * 300.0 * t).sin() * 6000.0
                + (2.0 * std::f64::consts::PI * 1170.0 * t).sin() * 3000.0) as i16
        })
        .collect();
    for q in [5u8, 7] {
        let mut best = f64::MAX;
        for _ in 0..3 {
            let t = Instant::now();
            std::hint::black_box(mp3::encode(&pcm, 1, 8000, 16, q).unwrap());
            best = best.min(t.elapsed().as_secs_f64());
        }
        println!("q{q}: {:.0} ms, {:.0}x realtime", best * 1e3, 600.0 / best);
    }
}
