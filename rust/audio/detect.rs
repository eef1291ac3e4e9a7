//! Content sniffing (RIFF/WAVE, MP3, raw) and detection of the raw codec and of the VOX rule.

use super::dsp;
use super::vox::{self, Variant};

/// What the first bytes of a file look like.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Container {
    /// `RIFF....WAVE`.
    Wav,
    /// ID3v2 tag or an MPEG audio layer III frame sync.
    Mp3,
    /// Anything else: headerless samples.
    Raw,
}

/// Sniffs the container from the first bytes.
pub fn sniff(head: &[u8]) -> Container {
    if head.len() >= 12 && &head[0..4] == b"RIFF" && &head[8..12] == b"WAVE" {
        return Container::Wav;
    }
    if head.len() >= 10 && &head[0..3] == b"ID3" && head[3] < 0x10 {
        return Container::Mp3;
    }
    if is_mp3_frame(head) {
        // require a second frame right after the first to avoid taking raw data for MP3
        if let Some(len) = mp3_frame_len(head) {
            if head.len() < len + 4 || is_mp3_frame(&head[len..]) {
                return Container::Mp3;
            }
        }
    }
    Container::Raw
}

fn is_mp3_frame(h: &[u8]) -> bool {
    h.len() >= 4
        && h[0] == 0xFF
        && h[1] & 0xE0 == 0xE0
        && (h[1] >> 3) & 3 != 1 // version not reserved
        && (h[1] >> 1) & 3 == 1 // layer III
        && (h[2] >> 4) != 15 && (h[2] >> 4) != 0 // bitrate index valid, not free format
        && (h[2] >> 2) & 3 != 3 // sample rate index valid
}

fn mp3_frame_len(h: &[u8]) -> Option<usize> {
    const BR1: [u32; 16] = [
        0, 32, 40, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320, 0,
    ];
    const BR2: [u32; 16] = [
        0, 8, 16, 24, 32, 40, 48, 56, 64, 80, 96, 112, 128, 144, 160, 0,
    ];
    const SR: [u32; 3] = [44100, 48000, 32000];
    let ver = (h[1] >> 3) & 3; // 3 = MPEG1, 2 = MPEG2, 0 = MPEG2.5
    let bri = (h[2] >> 4) as usize;
    let sri = ((h[2] >> 2) & 3) as usize;
    let pad = ((h[2] >> 1) & 1) as usize;
    let (br, sr, coef) = match ver {
        3 => (BR1[bri], SR[sri], 144),
        2 => (BR2[bri], SR[sri] / 2, 72),
        0 => (BR2[bri], SR[sri] / 4, 72),
        _ => return None,
    };
    if br == 0 {
        return None;
    }
    Some((coef * br as usize * 1000) / sr as usize + pad)
}

/// Guess for a headerless buffer: A-law or VOX.
///
/// VOX decoding of anything that is not VOX (A-law, random bytes) runs the ADPCM step to the top
/// of the table and pins the output on the rails: a share of clipped samples above 0.2 %, or of
/// samples decoded with a step index of 44 or more above 5 %, or a DC offset above 15 % of full
/// scale means "not VOX". Returns the guess and the clipped share.
pub fn guess_raw_codec(head: &[u8]) -> (Raw, f64) {
    let mut d = vox::VoxDecoder::new(Variant::Dialogic);
    let mut pcm = Vec::with_capacity(head.len() * 2);
    let mut big_steps = 0usize;
    for b in head {
        for c in [b >> 4, b & 15] {
            pcm.push(d.decode_nibble(c));
            big_steps += (d.state().1 >= 44) as usize;
        }
    }
    let st = dsp::stats(&pcm, 8000);
    let big = big_steps as f64 / pcm.len().max(1) as f64;
    if st.clipped > 0.002 || st.dc > 0.15 || big > 0.05 {
        (Raw::Alaw, st.clipped)
    } else {
        (Raw::Vox, st.clipped)
    }
}

/// Raw codec families told apart by [`guess_raw_codec`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Raw {
    /// OKI ADPCM.
    Vox,
    /// G.711 A-law.
    Alaw,
}

/// Scores of each VOX rule on the same bytes (lower is better) and the winner.
#[derive(Debug, Clone)]
pub struct VariantGuess {
    /// The rule with the lowest score; `dialogic` wins ties within 5 %.
    pub variant: Variant,
    /// (rule, stats) for dialogic, ffmpeg, sox.
    pub scores: Vec<(Variant, dsp::Stats)>,
}

/// Decodes `head` with each rule and picks the one with the least drift, DC and clipping.
/// A file encoded with one rule and decoded with another drifts away (the ADPCM integrator has
/// no leak), so the wrong rules show large window means and rail hits.
pub fn guess_variant(head: &[u8], rate: u32) -> VariantGuess {
    let scores: Vec<(Variant, dsp::Stats)> = Variant::DECODE_RULES
        .iter()
        .map(|&v| (v, dsp::stats(&vox::decode(head, v), rate)))
        .collect();
    let best = scores
        .iter()
        .map(|(_, s)| s.score())
        .fold(f64::INFINITY, f64::min);
    let pick = |v: Variant| scores.iter().find(|(w, _)| *w == v).unwrap().1.score();
    let tol = best * 0.05 + 1e-6;
    let variant = if pick(Variant::Dialogic) <= best + tol {
        Variant::Dialogic
    } else if pick(Variant::Ffmpeg) <= best + tol && pick(Variant::Ffmpeg) <= pick(Variant::Sox) {
        Variant::Ffmpeg
    } else if pick(Variant::Sox) <= best + tol {
        Variant::Sox
    } else {
        Variant::Ffmpeg
    };
    VariantGuess { variant, scores }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::audio::g711::{self, Law};

    pub(super) fn speechish(n: usize, rate: f64) -> Vec<i16> {
        (0..n)
            .map(|i| {
                let t = i as f64 / rate;
                let env = 0.55 + 0.45 * (2.0 * std::f64::consts::PI * 0.7 * t).sin();
                let s = (2.0 * std::f64::consts::PI * 300.0 * t).sin()
                    + 0.6 * (2.0 * std::f64::consts::PI * 1170.0 * t).sin()
                    + 0.3 * (2.0 * std::f64::consts::PI * 2450.0 * t).sin();
                (s * env * 9000.0) as i16
            })
            .collect()
    }

    #[test]
    fn sniffing() {
        let wav =
            super::super::wav::to_bytes(&[0; 10], super::super::wav::WavFormat::Pcm16, 1, 8000)
                .unwrap();
        assert_eq!(sniff(&wav), Container::Wav);
        assert_eq!(sniff(b"ID3\x03\0\0\0\0\0\0rest"), Container::Mp3);
        let mp3 = super::super::mp3::encode(&speechish(8000, 8000.0), 1, 8000, 16, 5).unwrap();
        assert_eq!(sniff(&mp3), Container::Mp3);
        assert_eq!(sniff(&[0x55; 100]), Container::Raw);
        assert_eq!(sniff(&[]), Container::Raw);
    }

    #[test]
    fn raw_codec_guess() {
        let pcm = speechish(80000, 8000.0);
        let a = g711::encode(&pcm, Law::Alaw);
        assert_eq!(guess_raw_codec(&a).0, Raw::Alaw);
        let v = vox::encode(&pcm, Variant::Dialogic);
        assert_eq!(guess_raw_codec(&v).0, Raw::Vox);
        let silence = g711::encode(&vec![0i16; 8000], Law::Alaw);
        assert_eq!(guess_raw_codec(&silence).0, Raw::Alaw);
    }

    #[test]
    fn variant_guess_finds_the_encoder_rule() {
        let pcm = speechish(8000 * 20, 8000.0);
        for v in [Variant::Dialogic, Variant::Ffmpeg] {
            let bytes = vox::encode(&pcm, v);
            let g = guess_variant(&bytes, 8000);
            assert_eq!(g.variant, v, "{v}: {:?}", g.scores);
        }
    }
}
