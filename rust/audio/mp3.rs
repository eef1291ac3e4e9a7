//! MP3 output through LAME 3.100 (crate `mp3lame-encoder`, which builds the bundled LAME from
//! source; LAME is LGPL, see the README). CBR.
//!
//! LAME will not write its own Xing/Info frame in CBR when the frame is smaller than its tag with
//! a seek table (8 kHz at 16 kbit/s: 144-byte frames), so this writer writes an "Info" frame
//! itself (no seek table, which CBR does not need): frame count, byte count and the LAME
//! extension with the encoder delay (576) and the padding, so that FFmpeg and mpg123
//! (libsndfile, soundfile) trim the decode to the exact input length.

use std::io::{self, Seek, SeekFrom, Write};

use mp3lame_encoder::{Bitrate, Builder, DualPcm, Encoder, FlushGap, MonoPcm, Quality};

/// LAME's encoder delay in samples (ENCDELAY in LAME 3.100).
const ENCODER_DELAY: u32 = 576;

/// Sample rates MPEG-1/2/2.5 layer III allows.
pub const MP3_RATES: [u32; 9] = [8000, 11025, 12000, 16000, 22050, 24000, 32000, 44100, 48000];

/// Maps kbit/s to LAME's bitrate enum (56 kbit/s is not exposed by the crate).
pub fn bitrate(kbps: u32) -> Option<Bitrate> {
    Some(match kbps {
        8 => Bitrate::Kbps8,
        16 => Bitrate::Kbps16,
        24 => Bitrate::Kbps24,
        32 => Bitrate::Kbps32,
        40 => Bitrate::Kbps40,
        48 => Bitrate::Kbps48,
        64 => Bitrate::Kbps64,
        80 => Bitrate::Kbps80,
        96 => Bitrate::Kbps96,
        112 => Bitrate::Kbps112,
        128 => Bitrate::Kbps128,
        160 => Bitrate::Kbps160,
        192 => Bitrate::Kbps192,
        224 => Bitrate::Kbps224,
        256 => Bitrate::Kbps256,
        320 => Bitrate::Kbps320,
        _ => return None,
    })
}

fn quality(q: u8) -> Quality {
    match q {
        0 => Quality::Best,
        1 => Quality::SecondBest,
        2 => Quality::NearBest,
        3 => Quality::VeryNice,
        4 => Quality::Nice,
        5 => Quality::Good,
        6 => Quality::Decent,
        7 => Quality::Ok,
        8 => Quality::SecondWorst,
        _ => Quality::Worst,
    }
}

/// Streaming MP3 writer (1 or 2 channels, interleaved input).
pub struct Mp3Writer<W: Write + Seek> {
    w: W,
    enc: Encoder,
    channels: u16,
    start: u64,
    out: Vec<u8>,
    left: Vec<i16>,
    right: Vec<i16>,
    rate: u32,
    kbps: u32,
    tag_len: usize,
    samples: u64,
    counter: FrameCounter,
    audio_bytes: u64,
}

/// Counts MPEG audio frames in a byte stream fed in arbitrary pieces.
#[derive(Default)]
struct FrameCounter {
    frames: u64,
    skip: usize,
    carry: Vec<u8>,
}

impl FrameCounter {
    fn feed(&mut self, mut b: &[u8]) {
        loop {
            if self.skip > 0 {
                let k = self.skip.min(b.len());
                self.skip -= k;
                b = &b[k..];
            }
            if b.is_empty() {
                return;
            }
            let need = 4 - self.carry.len();
            let k = need.min(b.len());
            self.carry.extend_from_slice(&b[..k]);
            b = &b[k..];
            if self.carry.len() < 4 {
                return;
            }
            let len = frame_len(&self.carry).unwrap_or(4);
            self.frames += 1;
            self.carry.clear();
            self.skip = len - 4;
        }
    }
}

const BR1: [u32; 16] = [
    0, 32, 40, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320, 0,
];
const BR2: [u32; 16] = [
    0, 8, 16, 24, 32, 40, 48, 56, 64, 80, 96, 112, 128, 144, 160, 0,
];

/// (version bits, sample-rate index, samples per frame, slot coefficient) for a rate.
fn mpeg_params(rate: u32) -> (u8, u8, u32, u32) {
    match rate {
        44100 => (3, 0, 1152, 144),
        48000 => (3, 1, 1152, 144),
        32000 => (3, 2, 1152, 144),
        22050 => (2, 0, 576, 72),
        24000 => (2, 1, 576, 72),
        16000 => (2, 2, 576, 72),
        11025 => (0, 0, 576, 72),
        12000 => (0, 1, 576, 72),
        _ => (0, 2, 576, 72), // 8000
    }
}

fn frame_len(h: &[u8]) -> Option<usize> {
    if h[0] != 0xFF || h[1] & 0xE0 != 0xE0 {
        return None;
    }
    let ver = (h[1] >> 3) & 3;
    let bri = (h[2] >> 4) as usize;
    let sri = ((h[2] >> 2) & 3) as usize;
    let pad = ((h[2] >> 1) & 1) as u32;
    let base = [44100u32, 48000, 32000].get(sri).copied()?;
    let (br, sr, coef) = match ver {
        3 => (BR1[bri], base, 144),
        2 => (BR2[bri], base / 2, 72),
        0 => (BR2[bri], base / 4, 72),
        _ => return None,
    };
    if br == 0 {
        return None;
    }
    Some((coef * br * 1000 / sr + pad) as usize)
}

fn crc16_a001(data: &[u8]) -> u16 {
    let mut crc = 0u16;
    for &b in data {
        crc ^= b as u16;
        for _ in 0..8 {
            crc = if crc & 1 != 0 {
                (crc >> 1) ^ 0xA001
            } else {
                crc >> 1
            };
        }
    }
    crc
}

/// Builds an "Info" frame (Xing header for CBR) with the LAME extension.
fn info_frame(
    rate: u32,
    channels: u16,
    kbps: u32,
    frames: u32,
    bytes: u32,
    delay: u32,
    padding: u32,
) -> Vec<u8> {
    let (ver, sri, _spf, coef) = mpeg_params(rate);
    let side = match (ver == 3, channels) {
        (true, 1) => 17,
        (true, _) => 32,
        (false, 1) => 9,
        (false, _) => 17,
    };
    let need = 4 + side + 16 + 36;
    let table = if ver == 3 { &BR1 } else { &BR2 };
    // the stream's own bitrate when the tag fits, else the smallest that does
    let fits = |br: u32| (coef * br * 1000 / rate) as usize >= need;
    let bri = table
        .iter()
        .position(|&b| b == kbps && fits(b))
        .or_else(|| table.iter().position(|&b| b != 0 && fits(b)))
        .unwrap_or(14);
    let size = (coef * table[bri] * 1000 / rate) as usize;
    let mut f = vec![0u8; size];
    f[0] = 0xFF;
    f[1] = 0xE0 | (ver << 3) | (1 << 1) | 1; // layer III, no CRC
    f[2] = ((bri as u8) << 4) | (sri << 2);
    f[3] = if channels == 1 { 0xC0 } else { 0x40 } | 0x04;
    let mut o = 4 + side;
    f[o..o + 4].copy_from_slice(b"Info");
    f[o + 4..o + 8].copy_from_slice(&3u32.to_be_bytes()); // frames + bytes fields present
    f[o + 8..o + 12].copy_from_slice(&frames.to_be_bytes());
    f[o + 12..o + 16].copy_from_slice(&bytes.to_be_bytes());
    o += 16;
    let lame = o;
    f[o..o + 9].copy_from_slice(b"LAME3.100");
    f[o + 9] = 0x01; // tag revision 0, VBR method 1 = CBR
    f[o + 10] = 0; // lowpass unknown
    f[o + 20] = kbps.min(255) as u8;
    let dp = ((delay & 0xFFF) << 12) | (padding & 0xFFF);
    f[o + 21..o + 24].copy_from_slice(&dp.to_be_bytes()[1..]);
    f[o + 28..o + 32].copy_from_slice(&bytes.to_be_bytes()); // music length (whole file)
    let crc = crc16_a001(&f[..lame + 34]);
    f[lame + 34..lame + 36].copy_from_slice(&crc.to_be_bytes());
    f
}

impl<W: Write + Seek> Mp3Writer<W> {
    /// `kbps` must be a layer III bitrate valid for the rate (8 kHz: 8..=64); `quality` 0 (best,
    /// slowest) to 9 (fastest).
    pub fn new(
        mut w: W,
        channels: u16,
        sample_rate: u32,
        kbps: u32,
        q: u8,
    ) -> Result<Self, String> {
        if !(1..=2).contains(&channels) {
            return Err(format!(
                "MP3 holds 1 or 2 channels, not {channels} (mix down first)"
            ));
        }
        if !MP3_RATES.contains(&sample_rate) {
            return Err(format!(
                "MP3 does not allow {sample_rate} Hz; resample to one of {MP3_RATES:?}"
            ));
        }
        let br = bitrate(kbps).ok_or_else(|| format!("unsupported MP3 bitrate {kbps} kbit/s"))?;
        let max = if sample_rate < 32000 { 160 } else { 320 };
        let min = if sample_rate < 32000 { 8 } else { 32 };
        if kbps < min || kbps > max || (sample_rate <= 12000 && kbps > 64) {
            return Err(format!("{kbps} kbit/s is not allowed at {sample_rate} Hz"));
        }
        let mut b = Builder::new().ok_or("LAME could not allocate an encoder")?;
        let e = |e: mp3lame_encoder::BuildError| format!("LAME: {e:?}");
        b.set_num_channels(channels as u8).map_err(e)?;
        b.set_sample_rate(sample_rate).map_err(e)?;
        b.set_output_sample_rate(std::num::NonZeroU32::new(sample_rate))
            .map_err(e)?;
        b.set_brate(br).map_err(e)?;
        b.set_mode(if channels == 1 {
            mp3lame_encoder::Mode::Mono
        } else {
            mp3lame_encoder::Mode::JointStereo
        })
        .map_err(e)?;
        b.set_quality(quality(q)).map_err(e)?;
        b.set_vbr_mode(mp3lame_encoder::VbrMode::Off).map_err(e)?;
        b.set_to_write_vbr_tag(false).map_err(e)?;
        let enc = b.build().map_err(e)?;
        let start = w.stream_position().map_err(|e| e.to_string())?;
        let tag = info_frame(sample_rate, channels, kbps, 0, 0, 0, 0);
        w.write_all(&tag).map_err(|e| e.to_string())?;
        Ok(Mp3Writer {
            w,
            enc,
            channels,
            start,
            out: Vec::new(),
            left: Vec::new(),
            right: Vec::new(),
            rate: sample_rate,
            kbps,
            tag_len: tag.len(),
            samples: 0,
            counter: FrameCounter::default(),
            audio_bytes: 0,
        })
    }

    /// Encodes interleaved samples.
    pub fn write(&mut self, pcm: &[i16]) -> io::Result<()> {
        let frames = pcm.len() / self.channels as usize;
        self.out.clear();
        self.out.reserve(frames * 5 / 4 + 7200);
        let r = if self.channels == 1 {
            self.enc.encode_to_vec(MonoPcm(pcm), &mut self.out)
        } else {
            self.left.clear();
            self.right.clear();
            for f in pcm.chunks_exact(2) {
                self.left.push(f[0]);
                self.right.push(f[1]);
            }
            self.enc.encode_to_vec(
                DualPcm {
                    left: &self.left,
                    right: &self.right,
                },
                &mut self.out,
            )
        };
        r.map_err(|e| io::Error::other(format!("LAME encode: {e:?}")))?;
        self.samples += frames as u64;
        self.counter.feed(&self.out);
        self.audio_bytes += self.out.len() as u64;
        self.w.write_all(&self.out)
    }

    /// Flushes LAME, writes the LAME/Info tag into the first frame and returns the writer.
    pub fn finish(mut self) -> io::Result<W> {
        self.out.clear();
        self.out.reserve(7200);
        self.enc
            .flush_to_vec::<FlushGap>(&mut self.out)
            .map_err(|e| io::Error::other(format!("LAME flush: {e:?}")))?;
        self.w.write_all(&self.out)?;
        self.counter.feed(&self.out);
        self.audio_bytes += self.out.len() as u64;
        let spf = mpeg_params(self.rate).2 as u64;
        let delay = ENCODER_DELAY;
        let padding = (self.counter.frames * spf).saturating_sub(delay as u64 + self.samples);
        let total = self.tag_len as u64 + self.audio_bytes;
        let tag = info_frame(
            self.rate,
            self.channels,
            self.kbps,
            self.counter.frames.min(u32::MAX as u64) as u32,
            total.min(u32::MAX as u64) as u32,
            delay,
            padding.min(4095) as u32,
        );
        let end = self.w.stream_position()?;
        self.w.seek(SeekFrom::Start(self.start))?;
        self.w.write_all(&tag)?;
        self.w.seek(SeekFrom::Start(end))?;
        self.w.flush()?;
        Ok(self.w)
    }
}

/// Encodes a whole buffer to MP3 bytes in memory.
pub fn encode(
    pcm: &[i16],
    channels: u16,
    sample_rate: u32,
    kbps: u32,
    q: u8,
) -> Result<Vec<u8>, String> {
    let mut w = Mp3Writer::new(io::Cursor::new(Vec::new()), channels, sample_rate, kbps, q)?;
    w.write(pcm).map_err(|e| e.to_string())?;
    Ok(w.finish().map_err(|e| e.to_string())?.into_inner())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn encodes_8k_mono_16k_cbr() {
        let pcm: Vec<i16> = (0..8000)
            .map(|i| ((i as f64 * 0.3).sin() * 8000.0) as i16)
            .collect();
        let b = encode(&pcm, 1, 8000, 16, 5).unwrap();
        // frame sync, MPEG-2.5 (bits 20..19 = 00), layer III
        assert_eq!(b[0], 0xFF);
        assert_eq!(b[1] & 0xE0, 0xE0);
        assert_eq!(b[1] & 0x18, 0x00);
        // ~1 s at 16 kbit/s = ~2000 bytes (+ the tag frame, + a frame of padding)
        assert!((1900..=2600).contains(&b.len()), "{}", b.len());
        assert!(b.windows(4).any(|w| w == b"Info" || w == b"Xing"));
    }

    #[test]
    fn rejects_bad_parameters() {
        assert!(encode(&[0; 10], 3, 8000, 16, 5).is_err());
        assert!(encode(&[0; 10], 1, 6000, 16, 5).is_err());
        assert!(encode(&[0; 10], 1, 8000, 17, 5).is_err());
        assert!(encode(&[0; 10], 1, 8000, 128, 5).is_err());
    }
}
