use _core::audio::{transcode, SourceKind, TranscodeOptions};
use std::time::Instant;
fn main() {
    let src = std::path::Path::new("/tmp/h.vox");
    for (name, dst) in [("tmp", "/tmp/hx.wav"), ("shm", "/dev/shm/hx.wav")] {
        let o = TranscodeOptions { source: SourceKind::Vox8k, overwrite: true, ..Default::default() };
        let mut best = f64::MAX;
        for _ in 0..5 {
            let _ = std::fs::remove_file(dst);
            let t = Instant::now();
            transcode(src, std::path::Path::new(dst), &o).unwrap();
            best = best.min(t.elapsed().as_secs_f64());
        }
        println!("{name}: {:.1} ms", best * 1e3);
    }
    let data = std::fs::read(src).unwrap();
    let t = Instant::now();
    let mut f = std::fs::File::create("/tmp/raw.bin").unwrap();
    use std::io::Write;
    let buf = vec![1u8; 262144];
    for _ in 0..(data.len() * 4 / 262144) { f.write_all(&buf).unwrap(); }
    drop(f);
    println!("raw write 57.6MB in 256K writes: {:.1} ms", t.elapsed().as_secs_f64() * 1e3);
    use _core::audio::{vox, wav};
    let t = Instant::now();
    let mut d = vox::VoxDecoder::new(vox::Variant::Dialogic);
    let mut out = Vec::with_capacity(200000);
    let mut total = 0;
    for c in data.chunks(65536) { out.clear(); d.decode(c, &mut out); total += out.len(); }
    println!("decode in 64K chunks: {:.1} ms ({total})", t.elapsed().as_secs_f64() * 1e3);
    let pcm = vec![3i16; 131072];
    let t = Instant::now();
    let f = std::io::BufWriter::with_capacity(256 * 1024, std::fs::File::create("/tmp/w.wav").unwrap());
    let mut w = wav::WavWriter::new(f, wav::WavFormat::Pcm16, 1, 8000).unwrap();
    for _ in 0..(data.len() * 2 / 131072) { w.write(&pcm).unwrap(); }
    w.finish().unwrap();
    println!("WavWriter 57.6MB: {:.1} ms", t.elapsed().as_secs_f64() * 1e3);
}
#[allow(dead_code)]
fn parts() {}
