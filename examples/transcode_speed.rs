//! Where the time of a 1 h VOX -> WAV file transcode goes (read, decode, write, whole call).
//! `cargo run --release --example transcode_speed -- /tmp/hour.vox /tmp/out.wav`
use _core::audio::{transcode, vox, SourceKind, TranscodeOptions};
use std::io::Write;
use std::time::Instant;

fn median(mut v: Vec<f64>) -> String {
    v.sort_by(|a, b| a.partial_cmp(b).unwrap());
    format!(
        "median {:.1} ms (min {:.1}, max {:.1})",
        v[v.len() / 2] * 1e3,
        v[0] * 1e3,
        v[v.len() - 1] * 1e3
    )
}

fn time<F: FnMut()>(name: &str, mut setup: impl FnMut(), mut f: F) {
    let mut ts = Vec::new();
    for _ in 0..9 {
        setup();
        let t = Instant::now();
        f();
        ts.push(t.elapsed().as_secs_f64());
    }
    println!("{name:<44} {}", median(ts));
}

fn main() {
    let a: Vec<String> = std::env::args().collect();
    let (src, dst) = (&a[1], &a[2]);
    let rm = || {
        let _ = std::fs::remove_file(dst);
    };
    let data = std::fs::read(src).unwrap();
    let only_transcode = a.get(4).is_some();
    if only_transcode {
        let source = a[3].parse::<SourceKind>().unwrap();
        let o = TranscodeOptions {
            source,
            overwrite: true,
            ..Default::default()
        };
        time("transcode() file to file, new output", rm, || {
            transcode(std::path::Path::new(src), std::path::Path::new(dst), &o).unwrap();
        });
        return;
    }
    time(
        "read input",
        || {},
        || {
            std::hint::black_box(std::fs::read(src).unwrap());
        },
    );
    let mut out = vec![0i16; data.len() * 2];
    time(
        "decode into a warm buffer",
        || {},
        || {
            vox::VoxDecoder::new(vox::Variant::Dialogic).decode_into(&data, &mut out);
        },
    );
    time(
        "decode into a fresh Vec",
        || {},
        || {
            std::hint::black_box(vox::decode(&data, vox::Variant::Dialogic));
        },
    );
    let bytes: Vec<u8> = out.iter().flat_map(|s| s.to_le_bytes()).collect();
    time("write 57.6 MB to a new file, 256 KiB writes", rm, || {
        let mut f = std::fs::File::create(dst).unwrap();
        for c in bytes.chunks(256 * 1024) {
            f.write_all(c).unwrap();
        }
    });
    time("write to a new file, one write", rm, || {
        std::fs::write(dst, &bytes).unwrap();
    });
    time("write to a new file, set_len first, 256 KiB", rm, || {
        let mut f = std::fs::File::create(dst).unwrap();
        f.set_len(bytes.len() as u64).unwrap();
        for c in bytes.chunks(256 * 1024) {
            f.write_all(c).unwrap();
        }
    });
    let source = a
        .get(3)
        .map(String::as_str)
        .unwrap_or("vox8k")
        .parse::<SourceKind>()
        .unwrap();
    let o = TranscodeOptions {
        source,
        overwrite: true,
        ..Default::default()
    };
    let srcp = std::path::Path::new(src);
    let dstp = std::path::Path::new(dst);
    time("transcode() file to file, new output", rm, || {
        transcode(srcp, dstp, &o).unwrap();
    });
}
