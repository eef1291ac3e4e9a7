//! Opening an input (sniffing RIFF/WAVE, MP3 or headerless data) and decoding it in chunks.

use std::fs::File;
use std::io::{self, Cursor, Read};
use std::path::{Path, PathBuf};

use super::options::{OutputFormat, SourceKind, TranscodeOptions, VariantChoice};
use crate::audio::detect::{self, Container, Raw};
use crate::audio::g711::{self, Law};
use crate::audio::vox::{Variant, VoxDecoder};
use crate::audio::wav::{self, read_full, WavCodec};
use crate::audio::AudioError;

pub(super) const CHUNK_BYTES: usize = 256 * 1024;
pub(super) const HEAD_BYTES: usize = 64 * 1024;

pub(super) enum Dec {
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
pub(super) struct Mp3In {
    pub(super) format: Box<dyn symphonia::core::formats::FormatReader + 'static>,
    pub(super) decoder: Box<dyn symphonia::core::codecs::audio::AudioDecoder>,
    pub(super) track: u32,
    pub(super) scratch: Vec<i16>,
    pub(super) bad_frames: u64,
}

pub(super) fn open_mp3(path: &Path) -> Result<(Mp3In, u32, u16), AudioError> {
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
    crate::audio::limits::sample_rate("sample rate", rate)
        .map_err(|l| AudioError::limit(path, l))?;
    let channels = params.channels.as_ref().map(|c| c.count()).unwrap_or(1);
    let channels = u16::try_from(channels).unwrap_or(u16::MAX);
    crate::audio::limits::channels("channel count", channels)
        .map_err(|l| AudioError::limit(path, l))?;
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
pub(super) struct Input {
    pub(super) path: PathBuf,
    pub(super) reader: Box<dyn Read + Send>,
    pub(super) remaining: u64,
    pub(super) dec: Dec,
    pub(super) rate: u32,
    pub(super) channels: u16,
    pub(super) desc: String,
    pub(super) variant: Option<Variant>,
    pub(super) notes: Vec<String>,
    pub(super) bytes_read: u64,
    /// Samples (all channels) the input will decode to, when its size tells (not for MP3)
    pub(super) expected_samples: Option<u64>,
    pub(super) buf: Vec<u8>,
    /// samples of a frame split by a chunk boundary, handed out with the next chunk
    pub(super) partial: Vec<i16>,
}

pub(super) enum Opened {
    Decoded(Input),
    /// An MP3 file (sniffed): only copied through to MP3 output.
    Mp3 {
        reader: Box<dyn Read + Send>,
        len: u64,
    },
}

pub(super) fn open_input(path: &Path, opts: &TranscodeOptions) -> Result<Opened, AudioError> {
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
    pub(super) fn next_chunk(&mut self, out: &mut Vec<i16>) -> Result<bool, AudioError> {
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
