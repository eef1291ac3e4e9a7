//! File-level transcoding: sniff, decode (streaming, constant memory), optional DC blocker,
//! resample, write WAV or MP3 atomically (temporary file, then rename); merge tracks; run a
//! batch on all cores with one result per file.

use std::fs::{self, File};
use std::io::{self, BufWriter, Cursor, Read};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};

use rayon::prelude::*;

use super::detect::{self, Container, Raw};
use super::dsp::DcBlocker;
use super::g711::{self, Law};
use super::mp3::{Mp3Writer, MP3_RATES};
use super::resample::Resampler;
use super::vox::{Variant, VoxDecoder};
use super::wav::{self, read_full, WavCodec, WavFormat, WavWriter};
use super::AudioError;
use crate::fsutil::HashingWriter;

const CHUNK_BYTES: usize = 256 * 1024;
const HEAD_BYTES: usize = 64 * 1024;

/// What the input is, as the caller knows it (`Auto`: sniff and guess).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SourceKind {
    /// Headerless VOX at 6 kHz ("24K VOX", Huawei `recordFormat` 1).
    Vox6k,
    /// Headerless VOX at 8 kHz ("32K VOX", `recordFormat` 2).
    Vox8k,
    /// Headerless A-law at 8 kHz ("64K ALAW", `recordFormat` 3).
    Alaw,
    /// Headerless µ-law at 8 kHz.
    Ulaw,
    /// Sniff RIFF/WAVE and MP3; for headerless data tell A-law from VOX by content (VOX is then
    /// taken at [`TranscodeOptions::auto_vox_rate`]).
    Auto,
}

impl SourceKind {
    /// Parses `vox6k`, `vox8k`, `alaw`, `ulaw`, `auto`.
    pub fn parse(s: &str) -> Result<Self, AudioError> {
        Ok(match s.to_ascii_lowercase().as_str() {
            "vox6k" | "vox24k" | "24kvox" => SourceKind::Vox6k,
            "vox8k" | "vox32k" | "32kvox" | "vox" => SourceKind::Vox8k,
            "alaw" | "64kalaw" => SourceKind::Alaw,
            "ulaw" | "mulaw" => SourceKind::Ulaw,
            "auto" => SourceKind::Auto,
            _ => {
                return Err(AudioError::InvalidOption(format!(
                    "source {s:?} is not one of 'vox6k', 'vox8k', 'alaw', 'ulaw', 'auto'"
                )))
            }
        })
    }
}

/// The VOX rule to decode with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum VariantChoice {
    /// This rule.
    Fixed(Variant),
    /// Decode the head with each rule and keep the one with the least drift/DC/clipping.
    Auto,
}

impl VariantChoice {
    /// Parses a rule name or `auto`.
    pub fn parse(s: &str) -> Result<Self, AudioError> {
        if s.eq_ignore_ascii_case("auto") {
            Ok(VariantChoice::Auto)
        } else {
            super::parse_variant(s).map(VariantChoice::Fixed)
        }
    }
}

/// Output container and sample format.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OutputFormat {
    /// WAV, 16-bit PCM.
    Wav,
    /// WAV, 8-bit A-law (the platform's prompt profile with mono 8 kHz).
    WavAlaw,
    /// WAV, 8-bit µ-law.
    WavUlaw,
    /// MP3 (LAME, CBR).
    Mp3,
}

impl OutputFormat {
    /// Parses `wav`, `wav-alaw` (`alaw`), `wav-ulaw` (`ulaw`), `mp3`.
    pub fn parse(s: &str) -> Result<Self, AudioError> {
        Ok(match s.to_ascii_lowercase().as_str() {
            "wav" | "wav-pcm" | "pcm" => OutputFormat::Wav,
            "wav-alaw" | "alaw" => OutputFormat::WavAlaw,
            "wav-ulaw" | "ulaw" => OutputFormat::WavUlaw,
            "mp3" => OutputFormat::Mp3,
            _ => {
                return Err(AudioError::InvalidOption(format!(
                    "output format {s:?} is not one of 'wav', 'wav-alaw', 'wav-ulaw', 'mp3'"
                )))
            }
        })
    }

    /// File extension of the output.
    pub fn extension(self) -> &'static str {
        match self {
            OutputFormat::Mp3 => "mp3",
            _ => "wav",
        }
    }
}

/// Options shared by [`transcode`], [`merge`] and [`transcode_many`].
#[derive(Debug, Clone)]
pub struct TranscodeOptions {
    /// What the inputs are.
    pub source: SourceKind,
    /// VOX rule.
    pub variant: VariantChoice,
    /// Output format.
    pub to: OutputFormat,
    /// Output sample rate; default: the input rate, raised to a legal MP3 rate for MP3 (6 kHz
    /// VOX becomes 8 kHz) and 8 kHz for A-law/µ-law WAV.
    pub rate: Option<u32>,
    /// MP3 bitrate in kbit/s.
    pub bitrate: u32,
    /// LAME quality 0 (best) .. 9 (fastest); default 7 (speech at telephone bitrates loses
    /// nothing measurable against 5 and encodes twice as fast).
    pub quality: u8,
    /// Apply the one-pole DC blocker after decoding.
    pub dc_block: bool,
    /// Replace existing outputs instead of skipping them.
    pub overwrite: bool,
    /// Mix multichannel inputs down to mono (channel average) before anything else.
    pub mono: bool,
    /// Rate of headerless VOX found by `SourceKind::Auto`.
    pub auto_vox_rate: u32,
}

impl Default for TranscodeOptions {
    fn default() -> Self {
        TranscodeOptions {
            source: SourceKind::Auto,
            variant: VariantChoice::Fixed(Variant::Dialogic),
            to: OutputFormat::Wav,
            rate: None,
            bitrate: 16,
            quality: 7,
            dc_block: false,
            overwrite: false,
            mono: false,
            auto_vox_rate: 8000,
        }
    }
}

impl TranscodeOptions {
    /// Checks values that do not depend on the input.
    pub fn validate(&self) -> Result<(), AudioError> {
        if let Some(r) = self.rate {
            if super::limits::sample_rate("rate", r).is_err() {
                return Err(AudioError::InvalidOption(format!(
                    "rate {r} Hz is out of range {}..={}",
                    super::limits::MIN_SAMPLE_RATE,
                    super::limits::MAX_SAMPLE_RATE
                )));
            }
            if self.to == OutputFormat::Mp3 && !MP3_RATES.contains(&r) {
                return Err(AudioError::InvalidOption(format!(
                    "MP3 does not allow {r} Hz; use one of {MP3_RATES:?}"
                )));
            }
        }
        if self.to == OutputFormat::Mp3 && super::mp3::bitrate(self.bitrate).is_none() {
            return Err(AudioError::InvalidOption(format!(
                "bitrate {} kbit/s is not a layer III bitrate (8, 16, 24, 32, 40, 48, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320)",
                self.bitrate
            )));
        }
        if self.quality > 9 {
            return Err(AudioError::InvalidOption(format!(
                "quality {} is not in 0..=9",
                self.quality
            )));
        }
        if let Err(l) = super::limits::sample_rate("auto_vox_rate", self.auto_vox_rate) {
            return Err(AudioError::InvalidOption(l.to_string()));
        }
        Ok(())
    }
}

/// Whether the output was written or already there.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    /// Written now.
    Done,
    /// The output existed and `overwrite` was off; nothing was read or written.
    Skipped,
}

/// What happened to one file.
#[derive(Debug, Clone)]
pub struct TranscodeReport {
    /// Input path(s), joined by `+` for a merge.
    pub src: String,
    /// Output path.
    pub dst: PathBuf,
    /// Done or skipped.
    pub status: Status,
    /// What the input was found to be, e.g. `vox 6000 Hz (dialogic)` or `wav alaw 8000 Hz x1`.
    pub input: String,
    /// The VOX rule used, if VOX.
    pub variant: Option<Variant>,
    /// Output channels.
    pub channels: u16,
    /// Input sample rate.
    pub in_rate: u32,
    /// Output sample rate.
    pub out_rate: u32,
    /// Output sample frames.
    pub frames: u64,
    /// Input bytes read.
    pub input_bytes: u64,
    /// Size of the output file (written now, or already there when skipped).
    pub output_bytes: u64,
    /// Bytes written by this call (0 when skipped).
    pub bytes_written: u64,
    /// SHA-256 of the output file, computed as it was written; `None` when nothing was written.
    pub sha256: Option<[u8; 32]>,
    /// Problems met and worked around (truncation, lying header, odd byte count, clipping...).
    pub notes: Vec<String>,
}

impl TranscodeReport {
    fn skipped(src: &Path, dst: &Path) -> Self {
        TranscodeReport {
            src: src.display().to_string(),
            dst: dst.to_path_buf(),
            status: Status::Skipped,
            input: String::new(),
            variant: None,
            channels: 0,
            in_rate: 0,
            out_rate: 0,
            frames: 0,
            input_bytes: 0,
            output_bytes: fs::metadata(dst).map(|m| m.len()).unwrap_or(0),
            bytes_written: 0,
            sha256: None,
            notes: vec!["output exists; skipped".into()],
        }
    }

    /// Output duration in seconds.
    pub fn seconds(&self) -> f64 {
        if self.out_rate == 0 {
            0.0
        } else {
            self.frames as f64 / self.out_rate as f64
        }
    }
}

enum Dec {
    Vox(VoxDecoder),
    G711(Law),
    /// Linear PCM of any width (8/16/24/32-bit integer, 32/64-bit float); `carry` holds the
    /// bytes of a sample split by a read chunk.
    Linear {
        codec: WavCodec,
        carry: Vec<u8>,
    },
    Mp3(Box<Mp3In>),
}

/// MP3 input (a `.V3` or `.wav` that is really MP3), decoded by symphonia with gapless trimming.
struct Mp3In {
    format: Box<dyn symphonia::core::formats::FormatReader + 'static>,
    decoder: Box<dyn symphonia::core::codecs::audio::AudioDecoder>,
    track: u32,
    scratch: Vec<i16>,
    bad_frames: u64,
}

fn open_mp3(path: &Path) -> Result<(Mp3In, u32, u16), AudioError> {
    use symphonia::core::codecs::audio::AudioDecoderOptions;
    use symphonia::core::formats::probe::Hint;
    use symphonia::core::formats::{FormatOptions, TrackType};
    use symphonia::core::io::MediaSourceStream;
    use symphonia::core::meta::MetadataOptions;
    let f = File::open(path).map_err(|e| AudioError::io(path, "open the input", e))?;
    let mss = MediaSourceStream::new(Box::new(f), Default::default());
    let mut hint = Hint::new();
    hint.with_extension("mp3");
    let bad = |r: String| AudioError::format(path, format!("MP3: {r}"));
    let format = symphonia::default::get_probe()
        .probe(
            &hint,
            mss,
            FormatOptions::default(),
            MetadataOptions::default(),
        )
        .map_err(|e| bad(e.to_string()))?;
    let track = format
        .default_track(TrackType::Audio)
        .ok_or_else(|| bad("no audio track".into()))?;
    let params = track
        .codec_params
        .as_ref()
        .and_then(|p| p.audio())
        .ok_or_else(|| bad("no audio codec parameters".into()))?
        .clone();
    let rate = params
        .sample_rate
        .ok_or_else(|| bad("unknown sample rate".into()))?;
    // symphonia's MP3 reader only yields MPEG rates and 1-2 channels, but the limits are the
    // transcoder's contract for every input, so they are checked here too
    super::limits::sample_rate("sample rate", rate).map_err(|l| AudioError::limit(path, l))?;
    let channels = params.channels.as_ref().map(|c| c.count()).unwrap_or(1);
    let channels = u16::try_from(channels).unwrap_or(u16::MAX);
    super::limits::channels("channel count", channels).map_err(|l| AudioError::limit(path, l))?;
    let id = track.id;
    let decoder = symphonia::default::get_codecs()
        .make_audio_decoder(&params, &AudioDecoderOptions::default())
        .map_err(|e| bad(e.to_string()))?;
    Ok((
        Mp3In {
            format,
            decoder,
            track: id,
            scratch: Vec::new(),
            bad_frames: 0,
        },
        rate,
        channels,
    ))
}

impl Mp3In {
    /// Decodes packets until some samples are appended; false at the end of the stream.
    fn next(&mut self, out: &mut Vec<i16>) -> bool {
        use symphonia::core::errors::Error;
        loop {
            let packet = match self.format.next_packet() {
                Ok(Some(p)) => p,
                Ok(None) | Err(_) => return false,
            };
            if packet.track_id != self.track {
                continue;
            }
            match self.decoder.decode(&packet) {
                Ok(buf) => {
                    let n = buf.samples_interleaved();
                    if n == 0 {
                        continue;
                    }
                    self.scratch.resize(n, 0);
                    buf.copy_to_slice_interleaved::<i16, _>(&mut self.scratch[..]);
                    out.extend_from_slice(&self.scratch);
                    return true;
                }
                Err(Error::DecodeError(_)) => self.bad_frames += 1,
                Err(_) => return false,
            }
        }
    }
}

/// A decoded input stream (interleaved PCM16 at its own rate).
struct Input {
    path: PathBuf,
    reader: Box<dyn Read + Send>,
    remaining: u64,
    dec: Dec,
    rate: u32,
    channels: u16,
    desc: String,
    variant: Option<Variant>,
    notes: Vec<String>,
    bytes_read: u64,
    /// Samples (all channels) the input will decode to, when its size tells (not for MP3)
    expected_samples: Option<u64>,
    buf: Vec<u8>,
    /// samples of a frame split by a chunk boundary, handed out with the next chunk
    partial: Vec<i16>,
}

enum Opened {
    Decoded(Input),
    /// An MP3 file (sniffed): only copied through to MP3 output.
    Mp3 {
        reader: Box<dyn Read + Send>,
        len: u64,
    },
}

fn open_input(path: &Path, opts: &TranscodeOptions) -> Result<Opened, AudioError> {
    let mut file = File::open(path).map_err(|e| AudioError::io(path, "open the input", e))?;
    let meta = file
        .metadata()
        .map_err(|e| AudioError::io(path, "stat the input", e))?;
    if meta.is_dir() {
        return Err(AudioError::format(path, "is a directory"));
    }
    let total = meta.len();
    if total == 0 {
        return Err(AudioError::Empty {
            path: path.display().to_string(),
        });
    }
    let mut head = vec![0u8; HEAD_BYTES.min(total as usize)];
    let n =
        read_full(&mut file, &mut head).map_err(|e| AudioError::io(path, "read the input", e))?;
    head.truncate(n);
    let container = detect::sniff(&head);
    let head_c = head.clone();
    let mut reader: Box<dyn Read + Send> = Box::new(Cursor::new(head_c).chain(file));
    let mut notes = Vec::new();
    let vox_variant = |data: &[u8], rate: u32, notes: &mut Vec<String>| match opts.variant {
        VariantChoice::Fixed(v) => v,
        VariantChoice::Auto => {
            let g = detect::guess_variant(data, rate);
            let s: Vec<String> = g
                .scores
                .iter()
                .map(|(v, s)| format!("{v}={:.4}", s.score()))
                .collect();
            notes.push(format!(
                "variant auto: {} (scores {})",
                g.variant,
                s.join(", ")
            ));
            g.variant
        }
    };
    match container {
        Container::Mp3 if opts.to == OutputFormat::Mp3 => Ok(Opened::Mp3 { reader, len: total }),
        Container::Mp3 => {
            drop(reader);
            let (m, rate, channels) = open_mp3(path)?;
            Ok(Opened::Decoded(Input {
                path: path.to_path_buf(),
                reader: Box::new(io::empty()),
                remaining: u64::MAX,
                dec: Dec::Mp3(Box::new(m)),
                rate,
                channels,
                desc: format!("mp3 {rate} Hz x{channels}"),
                variant: None,
                notes,
                bytes_read: total,
                expected_samples: None,
                buf: Vec::new(),
                partial: Vec::new(),
            }))
        }
        Container::Wav => {
            let info = wav::read_header(&mut reader, Some(total)).map_err(|e| e.at(path))?;
            notes.extend(info.notes.iter().cloned());
            let data_head = head.get(info.data_offset as usize..).unwrap_or(&[]);
            let (dec, desc, variant) = match info.codec {
                WavCodec::Pcm16 => (
                    Dec::Linear {
                        codec: info.codec,
                        carry: Vec::new(),
                    },
                    "pcm16",
                    None,
                ),
                WavCodec::Pcm8 => (
                    Dec::Linear {
                        codec: info.codec,
                        carry: Vec::new(),
                    },
                    "pcm8",
                    None,
                ),
                WavCodec::Pcm24 => (
                    Dec::Linear {
                        codec: info.codec,
                        carry: Vec::new(),
                    },
                    "pcm24",
                    None,
                ),
                WavCodec::Pcm32 => (
                    Dec::Linear {
                        codec: info.codec,
                        carry: Vec::new(),
                    },
                    "pcm32",
                    None,
                ),
                WavCodec::Float32 => (
                    Dec::Linear {
                        codec: info.codec,
                        carry: Vec::new(),
                    },
                    "float32",
                    None,
                ),
                WavCodec::Float64 => (
                    Dec::Linear {
                        codec: info.codec,
                        carry: Vec::new(),
                    },
                    "float64",
                    None,
                ),
                WavCodec::Alaw => (Dec::G711(Law::Alaw), "alaw", None),
                WavCodec::Ulaw => (Dec::G711(Law::Ulaw), "ulaw", None),
                WavCodec::Oki => {
                    let v = vox_variant(data_head, info.sample_rate, &mut notes);
                    (Dec::Vox(VoxDecoder::new(v)), "oki-adpcm", Some(v))
                }
            };
            if info.data_len == 0 {
                return Err(AudioError::format(path, "WAV: the 'data' chunk is empty"));
            }
            // read_header has already cut a `data` length that lies down to what the file holds
            let expected_samples = (info.data_len != u64::MAX).then(|| match &dec {
                Dec::Linear { codec, .. } => info.data_len / codec.width() as u64,
                Dec::G711(_) => info.data_len,
                Dec::Vox(_) => info.data_len * 2,
                Dec::Mp3(_) => unreachable!("a WAV container holds no MP3 decoder here"),
            });
            let desc = format!(
                "wav {desc} {} Hz x{}{}",
                info.sample_rate,
                info.channels,
                variant.map(|v| format!(" ({v})")).unwrap_or_default()
            );
            Ok(Opened::Decoded(Input {
                path: path.to_path_buf(),
                reader,
                remaining: info.data_len,
                dec,
                rate: info.sample_rate,
                channels: info.channels,
                desc,
                variant,
                notes,
                bytes_read: info.data_offset,
                expected_samples,
                buf: vec![0; CHUNK_BYTES],
                partial: Vec::new(),
            }))
        }
        Container::Raw => {
            let kind = match opts.source {
                SourceKind::Auto => {
                    let (raw, clipped) = detect::guess_raw_codec(&head);
                    notes.push(format!(
                        "source auto: {} (VOX trial decode clips {:.2}% of samples)",
                        if raw == Raw::Alaw { "alaw" } else { "vox" },
                        clipped * 100.0
                    ));
                    match raw {
                        Raw::Alaw => SourceKind::Alaw,
                        Raw::Vox if opts.auto_vox_rate == 6000 => SourceKind::Vox6k,
                        Raw::Vox => SourceKind::Vox8k,
                    }
                }
                k => k,
            };
            let (dec, rate, desc, variant) = match kind {
                SourceKind::Alaw => (Dec::G711(Law::Alaw), 8000, "alaw 8000 Hz".to_string(), None),
                SourceKind::Ulaw => (Dec::G711(Law::Ulaw), 8000, "ulaw 8000 Hz".to_string(), None),
                SourceKind::Vox6k | SourceKind::Vox8k | SourceKind::Auto => {
                    let rate = match kind {
                        SourceKind::Vox6k => 6000,
                        SourceKind::Vox8k => 8000,
                        _ => opts.auto_vox_rate,
                    };
                    let v = vox_variant(&head, rate, &mut notes);
                    (
                        Dec::Vox(VoxDecoder::new(v)),
                        rate,
                        format!("vox {rate} Hz ({v})"),
                        Some(v),
                    )
                }
            };
            // VOX gives two samples a byte, G.711 one
            let expected_samples = if matches!(dec, Dec::Vox(_)) {
                total * 2
            } else {
                total
            };
            Ok(Opened::Decoded(Input {
                path: path.to_path_buf(),
                reader,
                remaining: total,
                dec,
                rate,
                channels: 1,
                desc,
                variant,
                notes,
                bytes_read: 0,
                expected_samples: Some(expected_samples),
                buf: vec![0; CHUNK_BYTES],
                partial: Vec::new(),
            }))
        }
    }
}

impl Input {
    /// Appends the next decoded chunk (interleaved); returns false at the end.
    fn next_chunk(&mut self, out: &mut Vec<i16>) -> Result<bool, AudioError> {
        if let Dec::Mp3(m) = &mut self.dec {
            let more = m.next(out);
            if !more && m.bad_frames > 0 {
                self.notes
                    .push(format!("{} corrupt MP3 frames skipped", m.bad_frames));
                m.bad_frames = 0;
            }
            return Ok(more);
        }
        if self.remaining == 0 {
            return self.finish_stream();
        }
        let want = self.remaining.min(self.buf.len() as u64) as usize;
        let n = read_full(&mut self.reader, &mut self.buf[..want])
            .map_err(|e| AudioError::io(&self.path, "read the input", e))?;
        if n == 0 {
            if self.remaining != u64::MAX {
                // a header promised more than the file holds, on a stream we could not measure
                self.notes.push(format!(
                    "truncated: {} declared bytes missing",
                    self.remaining
                ));
            }
            self.remaining = 0;
            return self.finish_stream();
        }
        self.remaining = self.remaining.saturating_sub(n as u64);
        self.bytes_read += n as u64;
        let b = &self.buf[..n];
        let start = out.len();
        out.append(&mut self.partial);
        match &mut self.dec {
            Dec::Vox(d) => d.decode(b, out),
            Dec::G711(law) => {
                let s = out.len();
                out.resize(s + n, 0);
                g711::decode_into(b, *law, &mut out[s..]);
            }
            Dec::Mp3(_) => unreachable!("MP3 is decoded above"),
            Dec::Linear { codec, carry } => {
                let w = codec.width();
                let mut b = b;
                if !carry.is_empty() {
                    let k = (w - carry.len()).min(b.len());
                    carry.extend_from_slice(&b[..k]);
                    b = &b[k..];
                    if carry.len() == w {
                        wav::linear_to_i16(*codec, carry, out);
                        carry.clear();
                    }
                }
                let whole = b.len() / w * w;
                wav::linear_to_i16(*codec, &b[..whole], out);
                carry.extend_from_slice(&b[whole..]);
            }
        }
        // hand out whole frames only: a chunk boundary may split a multichannel frame
        let c = self.channels as usize;
        let rem = (out.len() - start) % c;
        if rem > 0 {
            self.partial.extend_from_slice(&out[out.len() - rem..]);
            out.truncate(out.len() - rem);
        }
        Ok(true)
    }

    fn finish_stream(&mut self) -> Result<bool, AudioError> {
        if let Dec::Linear { codec, carry } = &mut self.dec {
            if !carry.is_empty() {
                self.notes.push(if codec.width() == 2 {
                    "odd byte count: the last byte (half a sample) was dropped".into()
                } else {
                    format!(
                        "the last {} byte(s), an incomplete sample, were dropped",
                        carry.len()
                    )
                });
                carry.clear();
            }
        }
        if !self.partial.is_empty() {
            self.notes.push(format!(
                "truncated inside a frame: the last {} sample(s) of an incomplete {}-channel frame were dropped",
                self.partial.len(),
                self.channels
            ));
            self.partial.clear();
        }
        Ok(false)
    }
}

/// Decoder + DC blocker + resampler for one input.
struct Pipeline {
    input: Input,
    dc: Vec<DcBlocker>,
    rs: Vec<Resampler>,
    tmp: Vec<i16>,
    planar: Vec<Vec<i16>>,
    planar_out: Vec<Vec<i16>>,
    done: bool,
    /// mix the input's channels down to one
    mono: bool,
    out_rate: u32,
}

impl Pipeline {
    /// Refused when the conversion's filter is past the limits (checked before it is built);
    /// the channels share one filter, so its cost does not grow with the channel count.
    fn new(input: Input, out_rate: u32, dc_block: bool, mono: bool) -> Result<Self, AudioError> {
        let mono = mono && input.channels > 1;
        let c = if mono { 1 } else { input.channels as usize };
        let dc = if dc_block {
            (0..c).map(|_| DcBlocker::new(input.rate)).collect()
        } else {
            vec![]
        };
        let rs = if out_rate != input.rate {
            let r = Resampler::new(input.rate, out_rate)
                .map_err(|l| AudioError::limit(&input.path, l))?;
            vec![r; c]
        } else {
            vec![]
        };
        let mut input = input;
        // Upsampling multiplies each read chunk (1,000 -> 192,000 Hz: x192, so 256 KiB of
        // 8-bit PCM would become 96 MiB of output per chunk, times the buffers in flight):
        // read less so that one chunk's output stays near CHUNK_BYTES x 2 whatever the ratio.
        let ratio = (out_rate as usize).div_ceil(input.rate as usize).max(1);
        if ratio > 1 && !input.buf.is_empty() {
            input.buf.truncate((CHUNK_BYTES / ratio).max(4096));
        }
        Ok(Pipeline {
            input,
            dc,
            rs,
            tmp: Vec::new(),
            planar: vec![Vec::new(); c],
            planar_out: vec![Vec::new(); c],
            done: false,
            mono,
            out_rate,
        })
    }

    /// Channels of the output.
    fn channels(&self) -> u16 {
        if self.mono {
            1
        } else {
            self.input.channels
        }
    }

    /// Output frames the input should give: the resampler gives ceil(n * out / in) for n input
    /// frames. A guess for the WAV header only; the writer patches it if the stream disagrees.
    fn expected_frames(&self) -> Option<u64> {
        let frames = self.input.expected_samples? / self.input.channels as u64;
        let (f_in, f_out) = (self.input.rate as u64, self.out_rate as u64);
        Some((frames.checked_mul(f_out)?).div_ceil(f_in))
    }

    /// Appends the next chunk of output (interleaved); returns false when nothing is left.
    fn next(&mut self, out: &mut Vec<i16>) -> Result<bool, AudioError> {
        if self.done {
            return Ok(false);
        }
        let c = self.channels() as usize;
        if self.dc.is_empty() && self.rs.is_empty() && !self.mono {
            // nothing between decoder and writer: decode straight into the output
            let more = self.input.next_chunk(out)?;
            self.done = !more;
            return Ok(more || !out.is_empty());
        }
        self.tmp.clear();
        let more = self.input.next_chunk(&mut self.tmp)?;
        if self.mono {
            // average the channels of each frame (rounded), in place
            let ci = self.input.channels as usize;
            let frames = self.tmp.len() / ci;
            for i in 0..frames {
                let sum: i32 = self.tmp[i * ci..(i + 1) * ci]
                    .iter()
                    .map(|&x| x as i32)
                    .sum();
                self.tmp[i] = ((sum as f32) / ci as f32).round() as i16;
            }
            self.tmp.truncate(frames);
        }
        if c == 1 {
            if let Some(d) = self.dc.first_mut() {
                d.process(&mut self.tmp);
            }
            match self.rs.first_mut() {
                Some(r) => {
                    r.process(&self.tmp, out);
                    if !more {
                        r.finish(out);
                    }
                }
                None => out.extend_from_slice(&self.tmp),
            }
        } else {
            let frames = self.tmp.len() / c;
            for (ch, p) in self.planar.iter_mut().enumerate() {
                p.clear();
                p.extend(self.tmp[..frames * c].iter().skip(ch).step_by(c));
                if let Some(d) = self.dc.get_mut(ch) {
                    d.process(p);
                }
            }
            if self.rs.is_empty() {
                out.extend_from_slice(&self.tmp[..frames * c]);
            } else {
                for ch in 0..c {
                    self.planar_out[ch].clear();
                    self.rs[ch].process(&self.planar[ch], &mut self.planar_out[ch]);
                    if !more {
                        self.rs[ch].finish(&mut self.planar_out[ch]);
                    }
                }
                let n = self.planar_out.iter().map(|p| p.len()).min().unwrap_or(0);
                for i in 0..n {
                    for ch in 0..c {
                        out.push(self.planar_out[ch][i]);
                    }
                }
            }
        }
        if !more {
            self.done = true;
        }
        Ok(more || !out.is_empty())
    }
}

fn default_rate(in_rate: u32, opts: &TranscodeOptions) -> u32 {
    if let Some(r) = opts.rate {
        return r;
    }
    match opts.to {
        OutputFormat::Mp3 if !MP3_RATES.contains(&in_rate) => MP3_RATES
            .iter()
            .copied()
            .find(|&r| r >= in_rate)
            .unwrap_or(48000),
        OutputFormat::WavAlaw | OutputFormat::WavUlaw => 8000,
        _ => in_rate,
    }
}

static TMP_COUNTER: AtomicU64 = AtomicU64::new(0);

/// A temporary file next to `dst`, renamed over it by [`AtomicOut::commit`] and removed on drop.
struct AtomicOut {
    tmp: PathBuf,
    dst: PathBuf,
    committed: bool,
}

impl AtomicOut {
    fn create(dst: &Path) -> Result<(Self, File), AudioError> {
        let dir = match dst.parent() {
            Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
            _ => PathBuf::from("."),
        };
        fs::create_dir_all(&dir)
            .map_err(|e| AudioError::io(&dir, "create the output folder", e))?;
        let name = dst
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let tmp = dir.join(format!(
            ".{name}.{}-{}.part",
            std::process::id(),
            TMP_COUNTER.fetch_add(1, Ordering::Relaxed)
        ));
        // readable too: a writer that patches its header has the file hashed back once
        let f = fs::OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(true)
            .open(&tmp)
            .map_err(|e| AudioError::io(&tmp, "create a temporary output file", e))?;
        Ok((
            AtomicOut {
                tmp,
                dst: dst.to_path_buf(),
                committed: false,
            },
            f,
        ))
    }

    fn commit(mut self) -> Result<(), AudioError> {
        fs::rename(&self.tmp, &self.dst)
            .map_err(|e| AudioError::io(&self.dst, "rename the finished output into place", e))?;
        self.committed = true;
        Ok(())
    }
}

impl Drop for AtomicOut {
    fn drop(&mut self) {
        if !self.committed {
            let _ = fs::remove_file(&self.tmp);
        }
    }
}

/// The output file: its bytes go through a [`HashingWriter`], so its SHA-256 is known when it is
/// finished without reading it again.
enum Sink {
    Wav(WavWriter<BufWriter<HashingWriter>>),
    Mp3(Box<Mp3Writer<BufWriter<HashingWriter>>>),
}

/// What a finished sink wrote.
struct Written {
    bytes: u64,
    sha256: [u8; 32],
}

impl Sink {
    fn new(
        f: File,
        opts: &TranscodeOptions,
        channels: u16,
        rate: u32,
        expected_frames: Option<u64>,
        dst: &Path,
    ) -> Result<Self, AudioError> {
        let w = BufWriter::with_capacity(256 * 1024, HashingWriter::new(f));
        let fmt = match opts.to {
            OutputFormat::Mp3 => {
                return Mp3Writer::new(w, channels, rate, opts.bitrate, opts.quality)
                    .map(|m| Sink::Mp3(Box::new(m)))
                    .map_err(|r| AudioError::format(dst, r));
            }
            OutputFormat::Wav => WavFormat::Pcm16,
            OutputFormat::WavAlaw => WavFormat::Alaw,
            OutputFormat::WavUlaw => WavFormat::Ulaw,
        };
        WavWriter::with_expected_frames(w, fmt, channels, rate, expected_frames)
            .map(Sink::Wav)
            .map_err(|e| AudioError::io(dst, "write", e))
    }

    fn write(&mut self, pcm: &[i16]) -> io::Result<()> {
        match self {
            Sink::Wav(w) => w.write(pcm),
            Sink::Mp3(m) => m.write(pcm),
        }
    }

    fn finish(self) -> io::Result<Written> {
        let w = match self {
            Sink::Wav(w) => w.finish()?,
            Sink::Mp3(m) => m.finish()?,
        };
        let (f, sha256) = w.into_inner().map_err(|e| e.into_error())?.finish()?;
        Ok(Written {
            bytes: f.metadata()?.len(),
            sha256,
        })
    }
}

fn wav_size_check(
    path: &Path,
    in_bytes: u64,
    input: &Input,
    out_rate: u32,
    opts: &TranscodeOptions,
) -> Result<(), AudioError> {
    if opts.to == OutputFormat::Mp3 || in_bytes == u64::MAX || matches!(input.dec, Dec::Mp3(_)) {
        return Ok(());
    }
    let per_byte = match &input.dec {
        Dec::Vox(_) => 2.0,
        Dec::Linear { codec, .. } => 1.0 / codec.width() as f64,
        _ => 1.0,
    };
    let out_bps = if opts.to == OutputFormat::Wav {
        2.0
    } else {
        1.0
    };
    let est = in_bytes as f64 * per_byte * out_rate as f64 / input.rate as f64 * out_bps;
    if est > (u32::MAX - 64) as f64 {
        return Err(AudioError::format(
            path,
            format!(
                "the WAV output would be {:.2} GiB, over the 4 GiB RIFF limit; write MP3 or split the input",
                est / (1u64 << 30) as f64
            ),
        ));
    }
    Ok(())
}

/// Decoder to writer on this thread.
fn pump(
    p: &mut Pipeline,
    mut sink: Sink,
    channels: u16,
    dst: &Path,
) -> Result<(u64, Sink), AudioError> {
    let mut buf = Vec::with_capacity(CHUNK_BYTES * 3);
    let mut frames = 0u64;
    loop {
        buf.clear();
        let more = p.next(&mut buf)?;
        if !buf.is_empty() {
            sink.write(&buf)
                .map_err(|e| AudioError::io(dst, "write", e))?;
            frames += (buf.len() / channels as usize) as u64;
        }
        if !more {
            return Ok((frames, sink));
        }
    }
}

/// Decoder on this thread, encoder/writer on a second one (a single file then uses two cores;
/// batches do not, they already keep every core busy with one file each).
fn pump_threaded(
    p: &mut Pipeline,
    mut sink: Sink,
    channels: u16,
    dst: &Path,
) -> Result<(u64, Sink), AudioError> {
    use std::sync::mpsc;
    std::thread::scope(|scope| {
        let (tx, rx) = mpsc::sync_channel::<Vec<i16>>(3);
        let (back_tx, back_rx) = mpsc::channel::<Vec<i16>>();
        let writer = scope.spawn(move || -> io::Result<Sink> {
            for buf in rx {
                sink.write(&buf)?;
                let _ = back_tx.send(buf);
            }
            Ok(sink)
        });
        let mut frames = 0u64;
        let produced: Result<(), AudioError> = (|| loop {
            let mut buf = back_rx
                .try_recv()
                .unwrap_or_else(|_| Vec::with_capacity(CHUNK_BYTES * 3));
            buf.clear();
            let more = p.next(&mut buf)?;
            if !buf.is_empty() {
                frames += (buf.len() / channels as usize) as u64;
                if tx.send(buf).is_err() {
                    return Ok(()); // the writer failed; its error is reported below
                }
            }
            if !more {
                return Ok(());
            }
        })();
        drop(tx);
        let written = writer
            .join()
            .unwrap_or_else(|_| Err(io::Error::other("writer thread panicked")));
        produced?;
        let sink = written.map_err(|e| AudioError::io(dst, "write", e))?;
        Ok((frames, sink))
    })
}

/// Transcodes one file. Skips (status `Skipped`) when `dst` exists and `overwrite` is off.
/// Decoding and encoding/writing run on two threads.
pub fn transcode(
    src: &Path,
    dst: &Path,
    opts: &TranscodeOptions,
) -> Result<TranscodeReport, AudioError> {
    transcode_impl(src, dst, opts, true)
}

pub(crate) fn transcode_impl(
    src: &Path,
    dst: &Path,
    opts: &TranscodeOptions,
    pipelined: bool,
) -> Result<TranscodeReport, AudioError> {
    opts.validate()?;
    // unit tests only: a panic on one named file shows that a batch records it and goes on
    #[cfg(test)]
    if src.file_name().is_some_and(|n| n == "panics-in-test") {
        panic!("deliberate test panic");
    }
    if !opts.overwrite && dst.exists() {
        return Ok(TranscodeReport::skipped(src, dst));
    }
    match open_input(src, opts)? {
        Opened::Mp3 { mut reader, len } => {
            let (out, f) = AtomicOut::create(dst)?;
            let mut hashing = HashingWriter::new(f);
            io::copy(&mut reader, &mut hashing).map_err(|e| AudioError::io(dst, "write", e))?;
            let (f, sha256) = hashing
                .finish()
                .map_err(|e| AudioError::io(dst, "write", e))?;
            drop(f);
            out.commit()?;
            Ok(TranscodeReport {
                src: src.display().to_string(),
                dst: dst.to_path_buf(),
                status: Status::Done,
                input: "mp3 (copied unchanged)".into(),
                variant: None,
                channels: 0,
                in_rate: 0,
                out_rate: 0,
                frames: 0,
                input_bytes: len,
                output_bytes: len,
                bytes_written: len,
                sha256: Some(sha256),
                notes: vec!["content is MP3: copied unchanged".into()],
            })
        }
        Opened::Decoded(input) => {
            let out_rate = default_rate(input.rate, opts);
            wav_size_check(src, input.remaining, &input, out_rate, opts)?;
            let channels = if opts.mono { 1 } else { input.channels };
            if opts.to == OutputFormat::Mp3 && channels > 2 {
                return Err(AudioError::format(
                    src,
                    format!("MP3 holds at most 2 channels; the input has {channels}"),
                ));
            }
            // the filter is checked (and built) before the output file exists
            let mut p = Pipeline::new(input, out_rate, opts.dc_block, opts.mono)?;
            let (out, f) = AtomicOut::create(dst)?;
            let sink = Sink::new(f, opts, channels, out_rate, p.expected_frames(), dst)?;
            let (frames, sink) = if pipelined {
                pump_threaded(&mut p, sink, channels, dst)?
            } else {
                pump(&mut p, sink, channels, dst)?
            };
            if frames == 0 {
                return Err(AudioError::format(src, "no complete sample in the input"));
            }
            let written = sink.finish().map_err(|e| AudioError::io(dst, "write", e))?;
            out.commit()?;
            let mut notes = std::mem::take(&mut p.input.notes);
            if let Dec::Vox(d) = &p.input.dec {
                if d.clips() > 0 {
                    notes.push(format!(
                        "{} decoded samples hit the 12/16-bit rails",
                        d.clips()
                    ));
                }
            }
            Ok(TranscodeReport {
                src: src.display().to_string(),
                dst: dst.to_path_buf(),
                status: Status::Done,
                input: p.input.desc.clone(),
                variant: p.input.variant,
                channels,
                in_rate: p.input.rate,
                out_rate,
                frames,
                input_bytes: p.input.bytes_read,
                output_bytes: written.bytes,
                bytes_written: written.bytes,
                sha256: Some(written.sha256),
                notes,
            })
        }
    }
}

/// How [`merge`] combines tracks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MergeMode {
    /// One channel per input, in order (e.g. agent, customer, conference).
    Channels,
    /// One channel: the inputs summed with saturation.
    Mix,
}

/// Merges 2..=8 mono recordings of one call into one file (multichannel or mixed down).
/// All inputs are resampled to the output rate; a shorter track is padded with silence.
pub fn merge(
    srcs: &[PathBuf],
    dst: &Path,
    mode: MergeMode,
    opts: &TranscodeOptions,
) -> Result<TranscodeReport, AudioError> {
    opts.validate()?;
    if !(1..=8).contains(&srcs.len()) {
        return Err(AudioError::InvalidOption(format!(
            "merge takes 1 to 8 inputs, not {}",
            srcs.len()
        )));
    }
    let joined = srcs
        .iter()
        .map(|p| p.display().to_string())
        .collect::<Vec<_>>()
        .join("+");
    if !opts.overwrite && dst.exists() {
        let mut r = TranscodeReport::skipped(Path::new(&joined), dst);
        r.src = joined;
        return Ok(r);
    }
    let mut inputs = Vec::new();
    // MP3 inputs are decoded here, never copied through
    let dec_opts = TranscodeOptions {
        to: OutputFormat::Wav,
        ..opts.clone()
    };
    for s in srcs {
        match open_input(s, &dec_opts)? {
            Opened::Mp3 { .. } => unreachable!("open_input decodes MP3 unless the output is MP3"),
            Opened::Decoded(i) if i.channels != 1 => {
                return Err(AudioError::format(
                    s,
                    format!(
                        "merge takes mono inputs; this one has {} channels",
                        i.channels
                    ),
                ))
            }
            Opened::Decoded(i) => inputs.push(i),
        }
    }
    let max_rate = inputs.iter().map(|i| i.rate).max().unwrap_or(8000);
    let out_rate = default_rate(max_rate, opts);
    let channels = if mode == MergeMode::Channels {
        srcs.len() as u16
    } else {
        1
    };
    if opts.to == OutputFormat::Mp3 && channels > 2 {
        return Err(AudioError::InvalidOption(format!(
            "MP3 holds at most 2 channels; merging {channels} tracks needs --to wav or mix mode"
        )));
    }
    let descs: Vec<String> = inputs.iter().map(|i| i.desc.clone()).collect();
    let mut pipes: Vec<Pipeline> = inputs
        .into_iter()
        .map(|i| Pipeline::new(i, out_rate, opts.dc_block, false))
        .collect::<Result<_, _>>()?;
    // the longest track sets the length; shorter ones are padded with silence
    let expected_frames = pipes
        .iter()
        .map(Pipeline::expected_frames)
        .collect::<Option<Vec<u64>>>()
        .and_then(|f| f.into_iter().max());
    let (out, f) = AtomicOut::create(dst)?;
    let mut sink = Sink::new(f, opts, channels, out_rate, expected_frames, dst)?;
    let mut bufs: Vec<Vec<i16>> = vec![Vec::new(); pipes.len()];
    let mut ended = vec![false; pipes.len()];
    let mut frames = 0u64;
    let mut mixed = Vec::new();
    const STEP: usize = 32 * 1024;
    loop {
        for (k, p) in pipes.iter_mut().enumerate() {
            while !ended[k] && bufs[k].len() < STEP {
                if !p.next(&mut bufs[k])? {
                    ended[k] = true;
                }
            }
        }
        let n = bufs.iter().map(|b| b.len()).max().unwrap_or(0).min(STEP);
        if n == 0 {
            break;
        }
        let tracks: Vec<Vec<i16>> = bufs
            .iter_mut()
            .map(|b| {
                let take = n.min(b.len());
                let mut t: Vec<i16> = b.drain(..take).collect();
                t.resize(n, 0);
                t
            })
            .collect();
        let refs: Vec<&[i16]> = tracks.iter().map(|t| t.as_slice()).collect();
        mixed.clear();
        mixed.extend(match mode {
            MergeMode::Channels => super::dsp::interleave(&refs),
            MergeMode::Mix => super::dsp::mixdown(&refs),
        });
        sink.write(&mixed)
            .map_err(|e| AudioError::io(dst, "write", e))?;
        frames += n as u64;
    }
    let written = sink.finish().map_err(|e| AudioError::io(dst, "write", e))?;
    out.commit()?;
    let mut notes = Vec::new();
    for p in &mut pipes {
        notes.extend(
            p.input
                .notes
                .drain(..)
                .map(|n| format!("{}: {n}", p.input.path.display())),
        );
    }
    Ok(TranscodeReport {
        src: joined,
        dst: dst.to_path_buf(),
        status: Status::Done,
        input: descs.join(" + "),
        variant: pipes.iter().find_map(|p| p.input.variant),
        channels,
        in_rate: max_rate,
        out_rate,
        frames,
        input_bytes: pipes.iter().map(|p| p.input.bytes_read).sum(),
        output_bytes: written.bytes,
        bytes_written: written.bytes,
        sha256: Some(written.sha256),
        notes,
    })
}

/// Transcodes many files on `threads` threads (0 = all cores). Returns one result per job, in
/// order; a failing (or even panicking) file never stops the others. `on_done(index, result)` is
/// called from the worker threads as each file finishes. Once `cancel` is set, files not yet
/// started come back as [`AudioError::Cancelled`] (files in flight finish).
pub fn transcode_many<F>(
    jobs: &[(PathBuf, PathBuf)],
    opts: &TranscodeOptions,
    threads: usize,
    cancel: &AtomicBool,
    on_done: F,
) -> Result<Vec<Result<TranscodeReport, AudioError>>, AudioError>
where
    F: Fn(usize, &Result<TranscodeReport, AudioError>) + Sync,
{
    opts.validate()?;
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()
        .map_err(|e| {
            AudioError::InvalidOption(format!("cannot start {threads} worker threads: {e}"))
        })?;
    // fewer files than threads (e.g. one long recording from the CLI): the idle cores decode and
    // write each file on two threads, as `transcode` does
    let pipelined = jobs.len() < pool.current_num_threads();
    Ok(pool.install(|| {
        jobs.par_iter()
            .enumerate()
            .with_max_len(1)
            .map(|(i, (src, dst))| {
                if cancel.load(Ordering::Relaxed) {
                    return Err(AudioError::Cancelled {
                        path: src.display().to_string(),
                    });
                }
                let r = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                    transcode_impl(src, dst, opts, pipelined)
                }))
                .unwrap_or_else(|_| {
                    Err(AudioError::format(
                        src,
                        "internal error (panic) while transcoding",
                    ))
                });
                on_done(i, &r);
                r
            })
            .collect()
    }))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::audio::{vox, wav as w};

    fn tmpdir(name: &str) -> PathBuf {
        let d = std::env::temp_dir().join(format!("callcore-audio-{name}-{}", std::process::id()));
        let _ = fs::remove_dir_all(&d);
        fs::create_dir_all(&d).unwrap();
        d
    }

    fn tone(n: usize, rate: f64) -> Vec<i16> {
        (0..n)
            .map(|i| ((i as f64 * 2.0 * std::f64::consts::PI * 440.0 / rate).sin() * 9000.0) as i16)
            .collect()
    }

    #[test]
    fn vox6k_to_wav_8k_and_mp3() {
        let d = tmpdir("t1");
        let src = d.join("a.V3");
        fs::write(&src, vox::encode(&tone(6000, 6000.0), Variant::Dialogic)).unwrap();
        let mut o = TranscodeOptions {
            source: SourceKind::Vox6k,
            rate: Some(8000),
            ..Default::default()
        };
        let r = transcode(&src, &d.join("a.wav"), &o).unwrap();
        assert_eq!((r.frames, r.out_rate, r.status), (8000, 8000, Status::Done));
        let bytes = fs::read(d.join("a.wav")).unwrap();
        let info = w::read_header(&mut &bytes[..], Some(bytes.len() as u64)).unwrap();
        assert_eq!(info.data_len, 16000);
        // second run skips
        let r = transcode(&src, &d.join("a.wav"), &o).unwrap();
        assert_eq!(r.status, Status::Skipped);
        o.to = OutputFormat::Mp3;
        o.rate = None;
        let r = transcode(&src, &d.join("a.mp3"), &o).unwrap();
        assert_eq!(r.out_rate, 8000);
        // no temporary files left behind
        assert!(fs::read_dir(&d).unwrap().all(|e| !e
            .unwrap()
            .file_name()
            .to_string_lossy()
            .ends_with(".part")));
    }

    #[test]
    fn batch_reports_each_file() {
        let d = tmpdir("t2");
        fs::write(
            d.join("good.V3"),
            g711::encode(&tone(8000, 8000.0), Law::Alaw),
        )
        .unwrap();
        fs::write(d.join("empty.V3"), b"").unwrap();
        let jobs = vec![
            (d.join("good.V3"), d.join("out/good.wav")),
            (d.join("empty.V3"), d.join("out/empty.wav")),
            (d.join("missing.V3"), d.join("out/missing.wav")),
        ];
        let o = TranscodeOptions {
            source: SourceKind::Alaw,
            ..Default::default()
        };
        let res = transcode_many(&jobs, &o, 2, &AtomicBool::new(false), |_, _| {}).unwrap();
        let cancelled = transcode_many(&jobs, &o, 1, &AtomicBool::new(true), |_, _| {}).unwrap();
        assert!(cancelled
            .iter()
            .all(|r| matches!(r, Err(AudioError::Cancelled { .. }))));
        assert!(res[0].is_ok());
        assert!(matches!(res[1], Err(AudioError::Empty { .. })));
        assert!(matches!(
            res[2],
            Err(AudioError::Io {
                kind: io::ErrorKind::NotFound,
                ..
            })
        ));
    }

    #[test]
    fn batch_records_a_panicking_or_hostile_file_and_goes_on() {
        let d = tmpdir("t7");
        fs::write(
            d.join("good.V3"),
            g711::encode(&tone(8000, 8000.0), Law::Alaw),
        )
        .unwrap();
        fs::write(d.join("panics-in-test"), b"x").unwrap();
        // a WAV header claiming 4,294,967,295 Hz (issue 11: aborted the process)
        let mut hostile = w::to_bytes(&[0; 32], WavFormat::Pcm16, 1, 8000).unwrap();
        hostile[24..28].copy_from_slice(&u32::MAX.to_le_bytes());
        fs::write(d.join("hostile.wav"), &hostile).unwrap();
        let jobs: Vec<(PathBuf, PathBuf)> = ["panics-in-test", "hostile.wav", "good.V3"]
            .iter()
            .map(|n| (d.join(n), d.join("out").join(format!("{n}.wav"))))
            .collect();
        let o = TranscodeOptions {
            to: OutputFormat::WavAlaw,
            ..Default::default()
        };
        let res = transcode_many(&jobs, &o, 2, &AtomicBool::new(false), |_, _| {}).unwrap();
        let e = res[0].as_ref().unwrap_err();
        assert!(e.to_string().contains("internal error (panic)"), "{e}");
        match &res[1] {
            Err(AudioError::Limit { path, limit }) => {
                assert_eq!(path, &d.join("hostile.wav").display().to_string());
                assert_eq!(
                    limit.to_string(),
                    "sample rate 4294967295 Hz is above the limit of 192000 Hz"
                );
            }
            other => panic!("{other:?}"),
        }
        assert_eq!(res[2].as_ref().unwrap().status, Status::Done);
        let left: Vec<String> = fs::read_dir(d.join("out"))
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        assert_eq!(left, vec!["good.V3.wav".to_string()]);
    }

    #[test]
    fn upsampling_keeps_each_chunk_small_whatever_the_ratio() {
        // 8-bit PCM at the lowest legal rate, upsampled x192: a 256 KiB read chunk would have
        // become 48 million samples (96 MiB) at once, times the buffers in flight; here the
        // whole 10,000-byte file was one chunk of 1.92 million samples
        let d = tmpdir("t8");
        let body: Vec<u8> = (0..10_000u32).map(|i| (i % 251) as u8).collect();
        let mut f = b"RIFF\0\0\0\0WAVEfmt \x10\0\0\0".to_vec();
        for x in [1u16, 1] {
            f.extend_from_slice(&x.to_le_bytes());
        }
        f.extend_from_slice(&1000u32.to_le_bytes());
        f.extend_from_slice(&1000u32.to_le_bytes());
        f.extend_from_slice(&1u16.to_le_bytes());
        f.extend_from_slice(&8u16.to_le_bytes());
        f.extend_from_slice(b"data");
        f.extend_from_slice(&(body.len() as u32).to_le_bytes());
        f.extend_from_slice(&body);
        fs::write(d.join("slow.wav"), &f).unwrap();
        let o = TranscodeOptions {
            rate: Some(192_000),
            ..Default::default()
        };
        let input = match open_input(&d.join("slow.wav"), &o).unwrap() {
            Opened::Decoded(i) => i,
            Opened::Mp3 { .. } => unreachable!(),
        };
        let mut p = Pipeline::new(input, 192_000, false, false).unwrap();
        let (mut buf, mut total, mut biggest) = (Vec::new(), 0usize, 0usize);
        loop {
            buf.clear();
            let more = p.next(&mut buf).unwrap();
            biggest = biggest.max(buf.len());
            total += buf.len();
            if !more {
                break;
            }
        }
        assert_eq!(total, 10_000 * 192);
        assert!(
            biggest <= 4096 * 192 + 256,
            "{biggest} samples in one chunk"
        );
    }

    #[test]
    fn wav_input_with_odd_bytes_and_lying_header() {
        let d = tmpdir("t3");
        let mut b = w::to_bytes(&tone(1000, 8000.0), WavFormat::Pcm16, 1, 8000).unwrap();
        b.truncate(b.len() - 1); // odd byte count
        b[40..44].copy_from_slice(&100_000u32.to_le_bytes());
        fs::write(d.join("x.V3"), &b).unwrap();
        let r = transcode(
            &d.join("x.V3"),
            &d.join("x.wav"),
            &TranscodeOptions::default(),
        )
        .unwrap();
        assert_eq!(r.frames, 999);
        assert!(
            r.notes.iter().any(|n| n.contains("truncated")),
            "{:?}",
            r.notes
        );
        assert!(
            r.notes.iter().any(|n| n.contains("odd byte")),
            "{:?}",
            r.notes
        );
    }

    #[test]
    fn three_channel_wav_keeps_frames_aligned_across_chunks() {
        let d = tmpdir("t5");
        // 3 channels x 16 bit: 64 KiB read chunks split frames; channel k holds the value k
        let frames = 40_000;
        let pcm: Vec<i16> = (0..frames * 3).map(|i| (i % 3) as i16 * 1000).collect();
        let mut b = w::to_bytes(&pcm, WavFormat::Pcm16, 3, 8000).unwrap();
        b.truncate(b.len() - 2); // and end inside a frame
        fs::write(d.join("x.wav"), &b).unwrap();
        let o = TranscodeOptions {
            dc_block: true,
            overwrite: true,
            ..Default::default()
        };
        let r = transcode(&d.join("x.wav"), &d.join("y.wav"), &o).unwrap();
        assert_eq!(r.frames, frames as u64 - 1);
        assert!(
            r.notes
                .iter()
                .any(|n| n.contains("incomplete 3-channel frame")),
            "{:?}",
            r.notes
        );
        let o = TranscodeOptions {
            overwrite: true,
            ..Default::default()
        };
        transcode(&d.join("x.wav"), &d.join("z.wav"), &o).unwrap();
        let out = fs::read(d.join("z.wav")).unwrap();
        let (got, info) = w::decode(&out, Variant::Dialogic).unwrap();
        assert_eq!(info.channels, 3);
        assert!(got.chunks_exact(3).all(|f| f == [0, 1000, 2000]));
    }

    #[test]
    fn float_and_24_bit_stereo_to_mono_8k() {
        let d = tmpdir("t6");
        // 44.1 kHz stereo float32: left 440 Hz at 0.5, right silent -> mono 440 Hz at 0.25
        let n = 44100;
        let mut body = Vec::new();
        for i in 0..n {
            let x = (i as f64 * 2.0 * std::f64::consts::PI * 440.0 / 44100.0).sin() as f32 * 0.5;
            body.extend_from_slice(&x.to_le_bytes());
            body.extend_from_slice(&0f32.to_le_bytes());
        }
        let mut f = b"RIFF\0\0\0\0WAVEfmt \x10\0\0\0".to_vec();
        f.extend_from_slice(&3u16.to_le_bytes());
        f.extend_from_slice(&2u16.to_le_bytes());
        f.extend_from_slice(&44100u32.to_le_bytes());
        f.extend_from_slice(&(44100u32 * 8).to_le_bytes());
        f.extend_from_slice(&8u16.to_le_bytes());
        f.extend_from_slice(&32u16.to_le_bytes());
        f.extend_from_slice(b"data");
        f.extend_from_slice(&(body.len() as u32).to_le_bytes());
        f.extend_from_slice(&body);
        fs::write(d.join("in.wav"), &f).unwrap();
        let o = TranscodeOptions {
            to: OutputFormat::WavAlaw,
            mono: true,
            ..Default::default()
        };
        let r = transcode(&d.join("in.wav"), &d.join("out.wav"), &o).unwrap();
        assert_eq!((r.channels, r.out_rate, r.frames), (1, 8000, 8000));
        let (pcm, info) =
            w::decode(&fs::read(d.join("out.wav")).unwrap(), Variant::Dialogic).unwrap();
        assert_eq!((info.codec, info.channels), (WavCodec::Alaw, 1));
        let peak = pcm[1000..7000]
            .iter()
            .map(|x| x.unsigned_abs())
            .max()
            .unwrap();
        assert!((7900..=8500).contains(&peak), "{peak}");
        // 24-bit: one sample split across the 64 KiB read chunks still decodes exactly
        let vals: Vec<i32> = (0..30000)
            .map(|i| (i * 277) % 8_000_000 - 4_000_000)
            .collect();
        let mut body = Vec::new();
        for v in &vals {
            body.extend_from_slice(&v.to_le_bytes()[..3]);
        }
        let mut f = b"RIFF\0\0\0\0WAVEfmt \x10\0\0\0".to_vec();
        for x in [1u16, 1] {
            f.extend_from_slice(&x.to_le_bytes());
        }
        f.extend_from_slice(&8000u32.to_le_bytes());
        f.extend_from_slice(&24000u32.to_le_bytes());
        f.extend_from_slice(&3u16.to_le_bytes());
        f.extend_from_slice(&24u16.to_le_bytes());
        f.extend_from_slice(b"data");
        f.extend_from_slice(&(body.len() as u32).to_le_bytes());
        f.extend_from_slice(&body);
        fs::write(d.join("in24.wav"), &f).unwrap();
        let r = transcode(
            &d.join("in24.wav"),
            &d.join("out24.wav"),
            &TranscodeOptions::default(),
        )
        .unwrap();
        assert_eq!(r.frames, 30000);
        let (pcm, _) =
            w::decode(&fs::read(d.join("out24.wav")).unwrap(), Variant::Dialogic).unwrap();
        let want: Vec<i16> = vals
            .iter()
            .map(|v| ((v + 128) >> 8).clamp(-32768, 32767) as i16)
            .collect();
        assert_eq!(pcm, want);
    }

    #[test]
    fn merge_two_tracks() {
        let d = tmpdir("t4");
        fs::write(
            d.join("a.V3"),
            vox::encode(&tone(6000, 6000.0), Variant::Dialogic),
        )
        .unwrap();
        fs::write(
            d.join("b.V3"),
            vox::encode(&tone(3000, 6000.0), Variant::Dialogic),
        )
        .unwrap();
        let o = TranscodeOptions {
            source: SourceKind::Vox6k,
            rate: Some(8000),
            ..Default::default()
        };
        let r = merge(
            &[d.join("a.V3"), d.join("b.V3")],
            &d.join("m.wav"),
            MergeMode::Channels,
            &o,
        )
        .unwrap();
        assert_eq!((r.channels, r.frames), (2, 8000));
        let r = merge(
            &[d.join("a.V3"), d.join("b.V3")],
            &d.join("mix.wav"),
            MergeMode::Mix,
            &o,
        )
        .unwrap();
        assert_eq!((r.channels, r.frames), (1, 8000));
    }
}
