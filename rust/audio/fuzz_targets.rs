//! Fuzz targets of the audio core: one function per target, taking arbitrary bytes. The
//! cargo-fuzz binaries in `fuzz/fuzz_targets/audio_*.rs` call them under libFuzzer
//! (`make fuzz`), and the test below replays every file of `tests/data/fuzz/<target>/` (seeds
//! and the crashing inputs found) through them on plain `cargo test`, so CI runs the corpus.
//!
//! A target panics on a broken invariant, not only on a crash: each checks what the code
//! promises for every input (limits respected, lengths exact, streaming equal to one-shot,
//! no temporary file left behind).

use std::path::PathBuf;

use super::g711::{self, Law};
use super::limits;
use super::transcode::{self, OutputFormat, SourceKind, TranscodeOptions, VariantChoice};
use super::vox::{self, Variant, VoxDecoder};
use super::{detect, wav, AudioError};

/// The targets, by name (the name of the cargo-fuzz binary and of the corpus folder).
pub const TARGETS: [(&str, fn(&[u8])); 5] = [
    ("audio_wav", wav_reader),
    ("audio_detect", detection),
    ("audio_vox", vox_decoder),
    ("audio_g711", g711_codec),
    ("audio_transcode", transcode_file),
];

/// WAV header reader and in-memory decoder: a header is refused or within the limits, and
/// the data it points at lies inside the input.
pub fn wav_reader(data: &[u8]) {
    let mut r = data;
    if let Ok(info) = wav::read_header(&mut r, Some(data.len() as u64)) {
        assert!(limits::sample_rate("", info.sample_rate).is_ok());
        assert!(limits::channels("", info.channels).is_ok());
        assert!(info.data_offset <= data.len() as u64 || info.data_len == 0);
        assert!(info.data_offset.saturating_add(info.data_len) <= data.len() as u64);
    }
    if let Ok((pcm, info)) = wav::decode(data, Variant::Dialogic) {
        // at most two samples per input byte (4-bit OKI), never more than the file holds
        assert!(pcm.len() <= 2 * data.len());
        assert!(info.channels >= 1);
    }
}

/// Container sniffing and the raw-codec / VOX-rule guesses, on the head as `transcode` does.
pub fn detection(data: &[u8]) {
    let head = &data[..data.len().min(64 * 1024)];
    let _ = detect::sniff(head);
    let (_, clipped) = detect::guess_raw_codec(head);
    assert!((0.0..=1.0).contains(&clipped), "{clipped}");
    let rate = if data.first().is_some_and(|b| b & 1 == 1) {
        6000
    } else {
        8000
    };
    let g = detect::guess_variant(head, rate);
    assert_eq!(g.scores.len(), Variant::DECODE_RULES.len());
}

/// VOX decoder: two samples per byte, and decoding in two pieces (any split) equals one shot.
pub fn vox_decoder(data: &[u8]) {
    let split = data.first().map_or(0, |&b| b as usize).min(data.len());
    for v in Variant::DECODE_RULES {
        let whole = vox::decode(data, v);
        assert_eq!(whole.len(), 2 * data.len());
        let mut d = VoxDecoder::new(v);
        let mut parts = Vec::new();
        d.decode(&data[..split], &mut parts);
        d.decode(&data[split..], &mut parts);
        assert_eq!(parts, whole, "{v}: split at {split}");
    }
}

/// G.711: one sample per byte; A-law decode is a bijection (encode undoes it), µ-law's two
/// zero codes (0x7F, 0xFF) make it idempotent after one round trip.
pub fn g711_codec(data: &[u8]) {
    let a = g711::decode(data, Law::Alaw);
    assert_eq!(a.len(), data.len());
    assert_eq!(g711::encode(&a, Law::Alaw), data);
    let u = g711::decode(data, Law::Ulaw);
    assert_eq!(u.len(), data.len());
    assert_eq!(g711::decode(&g711::encode(&u, Law::Ulaw), Law::Ulaw), u);
}

/// A folder of this process for the transcode target's files.
fn scratch() -> PathBuf {
    let d = std::env::temp_dir().join(format!("callcore-fuzz-{}", std::process::id()));
    std::fs::create_dir_all(&d).expect("create the fuzz scratch folder");
    d
}

/// Whole-file transcoding of arbitrary bytes: the first byte picks the source kind (bits 0-2),
/// the output format (bits 3-4), one thread or the decoder/writer pair (bit 5), the VOX rule
/// guess (bit 6) and mono (bit 7); the rest is the file. Every input ends in a report or a typed
/// error (never a panic or an abort), and no temporary `.part` file is left behind.
pub fn transcode_file(data: &[u8]) {
    let Some((&sel, body)) = data.split_first() else {
        return;
    };
    let source = [
        SourceKind::Auto,
        SourceKind::Vox6k,
        SourceKind::Vox8k,
        SourceKind::Alaw,
        SourceKind::Ulaw,
    ][(sel & 7) as usize % 5];
    let to = [
        OutputFormat::Wav,
        OutputFormat::WavAlaw,
        OutputFormat::WavUlaw,
        OutputFormat::Mp3,
    ][((sel >> 3) & 3) as usize];
    let d = scratch();
    let (src, dst) = (d.join("in.bin"), d.join(format!("out.{}", to.extension())));
    std::fs::write(&src, body).expect("write the fuzz input");
    let opts = TranscodeOptions {
        source,
        to,
        variant: if sel & 0x40 != 0 {
            VariantChoice::Auto
        } else {
            VariantChoice::Fixed(Variant::Dialogic)
        },
        mono: Some(sel & 0x80 != 0),
        overwrite: true,
        ..Default::default()
    };
    let pipelined = sel & 0x20 == 0;
    match transcode::transcode_impl(&src, &dst, &opts, pipelined) {
        Ok(r) => {
            assert!(dst.exists());
            if to != OutputFormat::Mp3 {
                let out = std::fs::read(&dst).expect("read the output back");
                let (_, info) = wav::decode(&out, Variant::Dialogic).expect("our own WAV reads");
                assert_eq!(info.channels, r.channels);
                assert_eq!(info.sample_rate, r.out_rate);
            }
        }
        Err(AudioError::InvalidOption(m)) => panic!("options are valid, yet: {m}"),
        Err(_) => {}
    }
    for e in std::fs::read_dir(&d).expect("list the scratch folder") {
        let name = e.expect("entry").file_name();
        assert!(
            !name.to_string_lossy().ends_with(".part"),
            "{name:?} left behind"
        );
    }
    let _ = std::fs::remove_file(&dst);
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
