use _core::audio::{g711, vox};
use std::time::Instant;
fn main() {
    let n = 8000 * 3600;
    let pcm: Vec<i16> = (0..n)
        .map(|i| ((i as f64 * 0.05).sin() * 8000.0) as i16)
        .collect();
    let bytes = vox::encode(&pcm, vox::Variant::Dialogic);
    let mut out = vec![0i16; 8192];
    for v in [
        vox::Variant::Dialogic,
        vox::Variant::Ffmpeg,
        vox::Variant::Sox,
    ] {
        let mut best = f64::MAX;
        for _ in 0..5 {
            let t = Instant::now();
            let mut d = vox::VoxDecoder::new(v);
            let mut acc = 0i64;
            for c in bytes.chunks(4096) {
                d.decode_into(c, &mut out);
                acc += out[0] as i64;
            }
            std::hint::black_box(acc);
            best = best.min(t.elapsed().as_secs_f64());
        }
        println!(
            "{v}: {:.1} ms, {:.0} M samples/s, {:.0}x realtime",
            best * 1e3,
            n as f64 / best / 1e6,
            3600.0 / best
        );
    }
    let al = g711::encode(&pcm, g711::Law::Alaw);
    let t = Instant::now();
    for c in al.chunks(8192) {
        g711::decode_into(c, g711::Law::Alaw, &mut out);
    }
    let e = t.elapsed().as_secs_f64();
    println!("alaw: {:.0}x realtime", 3600.0 / e);
}
