//! RIFF/WAVE: a streaming writer (PCM16, 8-bit A-law, 8-bit µ-law) and a tolerant header reader.
//!
//! The reader walks the chunk list and stops at `data`; it never trusts a length it can check:
//! a `data` size of 0 or 0xFFFFFFFF (streamed WAVs), or one larger than the file, is replaced by
//! what the file holds and reported in [`WavInfo::notes`].

use std::io::{self, Read, Seek, SeekFrom, Write};

use super::g711::{self, Law};
use super::limits::{self, LimitExceeded};

/// Why a WAV header was refused: broken, or past one of the [`limits`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum WavError {
    /// Not a WAV, or a header this reader cannot use.
    Format(String),
    /// A declared value (rate, channels) is past a limit.
    Limit(LimitExceeded),
}

impl std::fmt::Display for WavError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            WavError::Format(m) => f.write_str(m),
            WavError::Limit(l) => l.fmt(f),
        }
    }
}

impl From<String> for WavError {
    fn from(s: String) -> Self {
        WavError::Format(s)
    }
}

impl From<&str> for WavError {
    fn from(s: &str) -> Self {
        WavError::Format(s.into())
    }
}

impl From<LimitExceeded> for WavError {
    fn from(l: LimitExceeded) -> Self {
        WavError::Limit(l)
    }
}

impl WavError {
    /// The core error for the input at `path` (format errors prefixed `WAV: `).
    pub fn at(self, path: &std::path::Path) -> super::AudioError {
        match self {
            WavError::Format(m) => super::AudioError::format(path, format!("WAV: {m}")),
            WavError::Limit(l) => super::AudioError::limit(path, l),
        }
    }
}

/// Sample encodings this crate reads from WAV.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WavCodec {
    /// Tag 1, 16 bits.
    Pcm16,
    /// Tag 1, 8 bits unsigned.
    Pcm8,
    /// Tag 1, 24 bits.
    Pcm24,
    /// Tag 1, 32 bits.
    Pcm32,
    /// Tag 3, 32-bit float.
    Float32,
    /// Tag 3, 64-bit float.
    Float64,
    /// Tag 6 (8-bit A-law).
    Alaw,
    /// Tag 7 (8-bit µ-law).
    Ulaw,
    /// Tag 0x10 (OKI ADPCM) or 0x17 (Dialogic OKI ADPCM), 4 bits, mono.
    Oki,
}

impl WavCodec {
    /// Bytes per sample of the linear encodings (1 for the 8-bit laws; OKI is 4 bits: 1).
    pub fn width(self) -> usize {
        match self {
            WavCodec::Pcm16 => 2,
            WavCodec::Pcm24 => 3,
            WavCodec::Pcm32 | WavCodec::Float32 => 4,
            WavCodec::Float64 => 8,
            _ => 1,
        }
    }
}

/// Converts whole linear samples (`bytes.len() / width`) to PCM16, appending to `out`: 24/32-bit
/// integers rounded to 16 bits, floats scaled by 32768, rounded and clipped.
pub fn linear_to_i16(codec: WavCodec, bytes: &[u8], out: &mut Vec<i16>) {
    fn sat(x: i64) -> i16 {
        x.clamp(-32768, 32767) as i16
    }
    fn fsat(x: f64) -> i16 {
        (x * 32768.0).round().clamp(-32768.0, 32767.0) as i16
    }
    match codec {
        WavCodec::Pcm16 => out.extend(
            bytes
                .chunks_exact(2)
                .map(|p| i16::from_le_bytes([p[0], p[1]])),
        ),
        WavCodec::Pcm8 => out.extend(bytes.iter().map(|&x| ((x as i16) - 128) << 8)),
        WavCodec::Pcm24 => out.extend(
            bytes
                .chunks_exact(3)
                .map(|p| sat(((i32::from_le_bytes([0, p[0], p[1], p[2]]) >> 8) as i64 + 128) >> 8)),
        ),
        WavCodec::Pcm32 => out.extend(
            bytes
                .chunks_exact(4)
                .map(|p| sat((i32::from_le_bytes([p[0], p[1], p[2], p[3]]) as i64 + 32768) >> 16)),
        ),
        WavCodec::Float32 => out.extend(
            bytes
                .chunks_exact(4)
                .map(|p| fsat(f32::from_le_bytes([p[0], p[1], p[2], p[3]]) as f64)),
        ),
        WavCodec::Float64 => out.extend(bytes.chunks_exact(8).map(|p| {
            fsat(f64::from_le_bytes([
                p[0], p[1], p[2], p[3], p[4], p[5], p[6], p[7],
            ]))
        })),
        WavCodec::Alaw => g711::decode_into_vec(bytes, Law::Alaw, out),
        WavCodec::Ulaw => g711::decode_into_vec(bytes, Law::Ulaw, out),
        WavCodec::Oki => unreachable!("OKI ADPCM is stateful; use vox::VoxDecoder"),
    }
}

/// What the header says (corrected where it lies).
#[derive(Debug, Clone)]
pub struct WavInfo {
    /// Sample encoding.
    pub codec: WavCodec,
    /// WAVE format tag as found (0xFFFE resolved to the sub-format's tag).
    pub format_tag: u16,
    /// Channels.
    pub channels: u16,
    /// Sample rate in Hz.
    pub sample_rate: u32,
    /// Byte offset of the first sample.
    pub data_offset: u64,
    /// Bytes of sample data to read (corrected).
    pub data_len: u64,
    /// Problems met and worked around (header lengths that lie, truncation...).
    pub notes: Vec<String>,
}

fn le16(b: &[u8]) -> u16 {
    u16::from_le_bytes([b[0], b[1]])
}
fn le32(b: &[u8]) -> u32 {
    u32::from_le_bytes([b[0], b[1], b[2], b[3]])
}

/// Reads until `n` bytes or EOF; returns how many were read.
pub(crate) fn read_full<R: Read + ?Sized>(r: &mut R, buf: &mut [u8]) -> io::Result<usize> {
    let mut n = 0;
    while n < buf.len() {
        match r.read(&mut buf[n..]) {
            Ok(0) => break,
            Ok(k) => n += k,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(n)
}

/// Parses a WAV header from `r`, positioned at the start of the file, leaving `r` at the first
/// sample. `total_len` (the file size, when known) lets the reader correct the `data` length.
/// The sample rate and channel count are checked against [`limits`] before anything is sized
/// from them. Errors do not name the file; the caller adds it ([`WavError::at`]).
pub fn read_header<R: Read>(r: &mut R, total_len: Option<u64>) -> Result<WavInfo, WavError> {
    let mut head = [0u8; 12];
    let n = read_full(r, &mut head).map_err(|e| e.to_string())?;
    if n < 12 || &head[0..4] != b"RIFF" || &head[8..12] != b"WAVE" {
        return Err("not a RIFF/WAVE file".into());
    }
    let mut notes = Vec::new();
    let riff_len = le32(&head[4..8]) as u64;
    if let Some(t) = total_len {
        if riff_len + 8 != t {
            notes.push(format!(
                "RIFF size says {} bytes, file has {}",
                riff_len + 8,
                t
            ));
        }
    }
    let mut pos = 12u64;
    let mut fmt: Option<(WavCodec, u16, u16, u32)> = None;
    loop {
        let mut ch = [0u8; 8];
        let n = read_full(r, &mut ch).map_err(|e| e.to_string())?;
        if n < 8 {
            return Err(if fmt.is_none() {
                "no 'fmt ' chunk before the end of the file (truncated header)".into()
            } else {
                "no 'data' chunk before the end of the file (truncated header)".into()
            });
        }
        pos += 8;
        let id = [ch[0], ch[1], ch[2], ch[3]];
        let len = le32(&ch[4..8]) as u64;
        if &id == b"data" {
            let (codec, format_tag, channels, sample_rate) =
                fmt.ok_or_else(|| "'data' chunk before any 'fmt ' chunk".to_string())?;
            let mut data_len = len;
            if let Some(t) = total_len {
                let avail = t.saturating_sub(pos);
                if len == 0 || len == 0xFFFF_FFFF {
                    notes.push(format!(
                        "'data' size is {len:#x} (streamed/unfinished header); using the {avail} bytes present"
                    ));
                    data_len = avail;
                } else if len > avail {
                    notes.push(format!(
                        "truncated: 'data' declares {len} bytes, only {avail} present"
                    ));
                    data_len = avail;
                }
            } else if len == 0 || len == 0xFFFF_FFFF {
                data_len = u64::MAX;
                notes.push(format!(
                    "'data' size is {len:#x}; reading to the end of the stream"
                ));
            }
            return Ok(WavInfo {
                codec,
                format_tag,
                channels,
                sample_rate,
                data_offset: pos,
                data_len,
                notes,
            });
        }
        let padded = len + (len & 1);
        if &id == b"fmt " {
            if len < 14 {
                return Err(format!("'fmt ' chunk too short ({len} bytes)").into());
            }
            let mut b = vec![0u8; len.min(4096) as usize];
            let got = read_full(r, &mut b).map_err(|e| e.to_string())?;
            if got < 14.min(b.len()) || got < 14 {
                return Err("'fmt ' chunk truncated".into());
            }
            let mut tag = le16(&b[0..2]);
            let channels = le16(&b[2..4]);
            let rate = le32(&b[4..8]);
            let bits = if got >= 16 { le16(&b[14..16]) } else { 8 };
            if tag == 0xFFFE && got >= 26 {
                tag = le16(&b[24..26]); // first two bytes of the sub-format GUID
            }
            if channels == 0 {
                return Err("'fmt ' says 0 channels".into());
            }
            if rate == 0 {
                return Err("'fmt ' says a sample rate of 0 Hz".into());
            }
            limits::sample_rate("sample rate", rate)?;
            limits::channels("channel count", channels)?;
            let codec = match (tag, bits) {
                (1, 16) => WavCodec::Pcm16,
                (1, 8) => WavCodec::Pcm8,
                (1, 24) => WavCodec::Pcm24,
                (1, 32) => WavCodec::Pcm32,
                (3, 32) => WavCodec::Float32,
                (3, 64) => WavCodec::Float64,
                (3, b) => {
                    return Err(
                        format!("float PCM with {b} bits per sample is not supported").into(),
                    )
                }
                (6, _) => WavCodec::Alaw,
                (7, _) => WavCodec::Ulaw,
                (0x10 | 0x17, _) => {
                    if channels != 1 {
                        return Err(
                            format!("OKI ADPCM with {channels} channels is not supported").into(),
                        );
                    }
                    WavCodec::Oki
                }
                (1, b) => {
                    return Err(format!("PCM with {b} bits per sample is not supported").into())
                }
                (0x11, _) => return Err("IMA/DVI ADPCM (tag 0x0011) is not supported".into()),
                (0x31, _) => return Err("GSM 6.10 (tag 0x0031) is not supported".into()),
                (0x55, _) => return Err("MP3-in-WAV (tag 0x0055) is not supported".into()),
                (t, _) => return Err(format!("unsupported WAVE format tag {t:#06x}").into()),
            };
            fmt = Some((codec, tag, channels, rate));
            // skip the rest of the chunk (and the pad byte)
            skip(r, padded - got as u64)?;
        } else {
            skip(r, padded)?;
        }
        pos += padded;
    }
}

fn skip<R: Read>(r: &mut R, n: u64) -> Result<(), WavError> {
    let k = io::copy(&mut r.take(n), &mut io::sink()).map_err(|e| e.to_string())?;
    if k < n {
        return Err(WavError::Format("header truncated inside a chunk".into()));
    }
    Ok(())
}

/// Decodes a whole WAV file held in memory to interleaved PCM16. OKI ADPCM uses `variant`.
/// Returns the samples and the (corrected) header; a truncated file decodes what is there.
pub fn decode(bytes: &[u8], variant: super::vox::Variant) -> Result<(Vec<i16>, WavInfo), WavError> {
    let mut r = bytes;
    let mut info = read_header(&mut r, Some(bytes.len() as u64))?;
    let start = info.data_offset as usize;
    let end = (start as u64)
        .saturating_add(info.data_len)
        .min(bytes.len() as u64) as usize;
    let data = &bytes[start.min(end)..end];
    let pcm = match info.codec {
        WavCodec::Pcm16
        | WavCodec::Pcm8
        | WavCodec::Pcm24
        | WavCodec::Pcm32
        | WavCodec::Float32
        | WavCodec::Float64 => {
            let w = info.codec.width();
            if data.len() % w != 0 {
                info.notes.push(if w == 2 {
                    "odd byte count: the last byte (half a sample) was dropped".into()
                } else {
                    format!(
                        "the last {} byte(s), an incomplete sample, were dropped",
                        data.len() % w
                    )
                });
            }
            let mut v = Vec::with_capacity(data.len() / w);
            linear_to_i16(info.codec, data, &mut v);
            v
        }
        WavCodec::Alaw => g711::decode(data, Law::Alaw),
        WavCodec::Ulaw => g711::decode(data, Law::Ulaw),
        WavCodec::Oki => super::vox::decode(data, variant),
    };
    Ok((pcm, info))
}

/// Output sample encodings.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WavFormat {
    /// 16-bit PCM.
    Pcm16,
    /// 8-bit A-law (the Huawei platform's prompt format at 8 kHz mono).
    Alaw,
    /// 8-bit µ-law.
    Ulaw,
}

impl std::str::FromStr for WavFormat {
    type Err = String;

    /// Parses `pcm16` (`pcm`), `alaw`, `ulaw`.
    fn from_str(s: &str) -> Result<Self, String> {
        match s.to_ascii_lowercase().as_str() {
            "pcm16" | "pcm" => Ok(WavFormat::Pcm16),
            "alaw" => Ok(WavFormat::Alaw),
            "ulaw" => Ok(WavFormat::Ulaw),
            _ => Err(format!(
                "format {s:?} is not one of 'pcm16', 'alaw', 'ulaw'"
            )),
        }
    }
}

/// Streaming WAV writer; sizes are patched by [`WavWriter::finish`].
pub struct WavWriter<W: Write + Seek> {
    w: W,
    format: WavFormat,
    channels: u16,
    data_bytes: u64,
    header_len: u64,
    /// the data length the header was written with (0 when unknown): when the stream ends
    /// there, `finish` has nothing to patch and never seeks back
    header_data_bytes: u64,
    buf: Vec<u8>,
}

impl<W: Write + Seek> WavWriter<W> {
    /// Writes a provisional header. The rate and channel count must be within [`limits`];
    /// the byte rate and block align are computed checked, so a value that does not fit its
    /// header field is refused (`InvalidInput`) instead of wrapping around.
    pub fn new(w: W, format: WavFormat, channels: u16, sample_rate: u32) -> io::Result<Self> {
        Self::with_expected_frames(w, format, channels, sample_rate, None)
    }

    /// As [`WavWriter::new`], with the sizes in the header taken from `expected_frames`: a
    /// stream that ends there is written front to back, never patched (so a hash of the bytes
    /// as they are written is the file's hash); one that does not is patched as usual.
    pub fn with_expected_frames(
        mut w: W,
        format: WavFormat,
        channels: u16,
        sample_rate: u32,
        expected_frames: Option<u64>,
    ) -> io::Result<Self> {
        let (tag, bits, bps) = match format {
            WavFormat::Pcm16 => (1u16, 16u16, 2u32),
            WavFormat::Alaw => (6, 8, 1),
            WavFormat::Ulaw => (7, 8, 1),
        };
        let invalid = |m: String| io::Error::new(io::ErrorKind::InvalidInput, m);
        limits::sample_rate("WAV sample rate", sample_rate).map_err(|l| invalid(l.to_string()))?;
        limits::channels("WAV channel count", channels).map_err(|l| invalid(l.to_string()))?;
        let block_align = u16::try_from(bps * channels as u32).map_err(|_| {
            invalid(format!(
                "WAV block align of {channels} channels x {bps} bytes does not fit 16 bits"
            ))
        })?;
        let byte_rate = sample_rate.checked_mul(block_align as u32).ok_or_else(|| {
            invalid(format!(
                "WAV byte rate of {sample_rate} Hz x {block_align} bytes does not fit 32 bits"
            ))
        })?;
        let header_len: u64 = if format == WavFormat::Pcm16 { 44 } else { 58 };
        let header_data_bytes = expected_frames
            .and_then(|f| f.checked_mul(block_align as u64))
            .filter(|&d| header_len + d + (d & 1) <= u32::MAX as u64)
            .unwrap_or(0);
        let (riff, frames, data) = header_sizes(header_len, header_data_bytes, channels);
        let mut h = Vec::with_capacity(58);
        h.extend_from_slice(b"RIFF");
        h.extend_from_slice(&riff.to_le_bytes());
        h.extend_from_slice(b"WAVEfmt ");
        let fmt_len: u32 = if format == WavFormat::Pcm16 { 16 } else { 18 };
        h.extend_from_slice(&fmt_len.to_le_bytes());
        h.extend_from_slice(&tag.to_le_bytes());
        h.extend_from_slice(&channels.to_le_bytes());
        h.extend_from_slice(&sample_rate.to_le_bytes());
        h.extend_from_slice(&byte_rate.to_le_bytes());
        h.extend_from_slice(&block_align.to_le_bytes());
        h.extend_from_slice(&bits.to_le_bytes());
        if format != WavFormat::Pcm16 {
            h.extend_from_slice(&0u16.to_le_bytes()); // cbSize
            h.extend_from_slice(b"fact\x04\0\0\0"); // sample frames
            h.extend_from_slice(&frames.to_le_bytes());
        }
        h.extend_from_slice(b"data");
        h.extend_from_slice(&data.to_le_bytes());
        debug_assert_eq!(h.len() as u64, header_len);
        w.write_all(&h)?;
        Ok(WavWriter {
            w,
            format,
            channels,
            data_bytes: 0,
            header_len,
            header_data_bytes,
            buf: Vec::new(),
        })
    }

    /// Appends interleaved samples.
    pub fn write(&mut self, pcm: &[i16]) -> io::Result<()> {
        self.buf.clear();
        let bytes: &[u8] = match self.format {
            // PCM16 on a little-endian machine is already the file's byte order: no copy
            WavFormat::Pcm16 if cfg!(target_endian = "little") => pcm_as_le_bytes(pcm),
            WavFormat::Pcm16 => {
                self.buf.resize(pcm.len() * 2, 0);
                for (o, s) in self.buf.chunks_exact_mut(2).zip(pcm) {
                    o.copy_from_slice(&s.to_le_bytes());
                }
                &self.buf
            }
            WavFormat::Alaw => {
                g711::encode_into(pcm, Law::Alaw, &mut self.buf);
                &self.buf
            }
            WavFormat::Ulaw => {
                g711::encode_into(pcm, Law::Ulaw, &mut self.buf);
                &self.buf
            }
        };
        if self.header_len + self.data_bytes + bytes.len() as u64 > u32::MAX as u64 {
            return Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                "WAV output would exceed 4 GiB",
            ));
        }
        self.data_bytes += bytes.len() as u64;
        self.w.write_all(bytes)
    }

    /// Pads to an even size, patches the lengths and returns the inner writer.
    pub fn finish(mut self) -> io::Result<W> {
        if self.data_bytes & 1 == 1 {
            self.w.write_all(&[0])?;
        }
        if self.data_bytes != self.header_data_bytes {
            let (riff, frames, data) =
                header_sizes(self.header_len, self.data_bytes, self.channels);
            self.w.seek(SeekFrom::Start(4))?;
            self.w.write_all(&riff.to_le_bytes())?;
            if self.format != WavFormat::Pcm16 {
                self.w.seek(SeekFrom::Start(46))?;
                self.w.write_all(&frames.to_le_bytes())?;
            }
            self.w.seek(SeekFrom::Start(self.header_len - 4))?;
            self.w.write_all(&data.to_le_bytes())?;
            self.w.seek(SeekFrom::End(0))?;
        }
        self.w.flush()?;
        Ok(self.w)
    }
}

/// The RIFF length, the `fact` frame count (8-bit formats) and the `data` length of a WAV whose
/// header is `header_len` bytes and whose data is `data_bytes` (padded to even in the file).
fn header_sizes(header_len: u64, data_bytes: u64, channels: u16) -> (u32, u32, u32) {
    let riff = header_len - 8 + data_bytes + (data_bytes & 1);
    // the frame count only matters for the 8-bit formats, where a frame is `channels` bytes
    let frames = data_bytes / channels as u64;
    (riff as u32, frames as u32, data_bytes as u32)
}

/// The bytes of `pcm` in memory order (little-endian samples on a little-endian machine).
#[cfg(target_endian = "little")]
fn pcm_as_le_bytes(pcm: &[i16]) -> &[u8] {
    // SAFETY: i16 has no padding and any byte pattern is a valid u8; the length is exact and
    // u8's alignment (1) is satisfied by any pointer.
    unsafe { std::slice::from_raw_parts(pcm.as_ptr().cast::<u8>(), std::mem::size_of_val(pcm)) }
}

#[cfg(not(target_endian = "little"))]
fn pcm_as_le_bytes(_pcm: &[i16]) -> &[u8] {
    unreachable!("only used on little-endian targets")
}

/// Builds a complete WAV file in memory. Fails only on a rate or channel count past
/// [`limits`], or on more than 4 GiB of data.
pub fn to_bytes(
    pcm: &[i16],
    format: WavFormat,
    channels: u16,
    sample_rate: u32,
) -> io::Result<Vec<u8>> {
    let frames = (pcm.len() / channels.max(1) as usize) as u64;
    let mut w = WavWriter::with_expected_frames(
        io::Cursor::new(Vec::new()),
        format,
        channels,
        sample_rate,
        Some(frames),
    )?;
    w.write(pcm)?;
    Ok(w.finish()?.into_inner())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A writer that refuses to seek: a WAV whose length was known up front must not need to.
    struct FrontToBack(Vec<u8>);

    impl Write for FrontToBack {
        fn write(&mut self, b: &[u8]) -> io::Result<usize> {
            self.0.extend_from_slice(b);
            Ok(b.len())
        }
        fn flush(&mut self) -> io::Result<()> {
            Ok(())
        }
    }

    impl Seek for FrontToBack {
        fn seek(&mut self, _: SeekFrom) -> io::Result<u64> {
            Err(io::Error::other("seeked"))
        }
    }

    #[test]
    fn a_known_length_is_written_front_to_back_and_equals_the_patched_file() {
        let pcm: Vec<i16> = (0..1001).map(|i| (i * 37 % 2000) as i16).collect();
        for f in [WavFormat::Pcm16, WavFormat::Alaw, WavFormat::Ulaw] {
            let mut w =
                WavWriter::with_expected_frames(FrontToBack(Vec::new()), f, 1, 8000, Some(1001))
                    .unwrap();
            w.write(&pcm[..500]).unwrap();
            w.write(&pcm[500..]).unwrap();
            let front_to_back = w.finish().unwrap().0;
            let mut patched = WavWriter::new(io::Cursor::new(Vec::new()), f, 1, 8000).unwrap();
            patched.write(&pcm).unwrap();
            assert_eq!(front_to_back, patched.finish().unwrap().into_inner());
        }
        // a wrong guess is patched
        let mut w = WavWriter::with_expected_frames(
            io::Cursor::new(Vec::new()),
            WavFormat::Alaw,
            1,
            8000,
            Some(7),
        )
        .unwrap();
        w.write(&pcm).unwrap();
        assert_eq!(
            w.finish().unwrap().into_inner(),
            to_bytes(&pcm, WavFormat::Alaw, 1, 8000).unwrap()
        );
    }

    #[test]
    fn roundtrip_headers() {
        for (f, codec) in [
            (WavFormat::Pcm16, WavCodec::Pcm16),
            (WavFormat::Alaw, WavCodec::Alaw),
            (WavFormat::Ulaw, WavCodec::Ulaw),
        ] {
            let b = to_bytes(&[1, 2, 3], f, 1, 8000).unwrap();
            let info = read_header(&mut &b[..], Some(b.len() as u64)).unwrap();
            assert_eq!(info.codec, codec);
            assert_eq!(info.sample_rate, 8000);
            assert_eq!(info.channels, 1);
            let bps = if f == WavFormat::Pcm16 { 2 } else { 1 };
            assert_eq!(info.data_len, 3 * bps);
            assert_eq!(
                info.data_offset as usize + 3 * bps as usize + (3 * bps as usize & 1),
                b.len()
            );
            assert!(info.notes.is_empty(), "{:?}", info.notes);
        }
    }

    #[test]
    fn lying_and_truncated_headers() {
        let mut b = to_bytes(&[7; 100], WavFormat::Pcm16, 1, 8000).unwrap();
        b[40..44].copy_from_slice(&1_000_000u32.to_le_bytes());
        let info = read_header(&mut &b[..], Some(b.len() as u64)).unwrap();
        assert_eq!(info.data_len, 200);
        assert!(info.notes.iter().any(|n| n.contains("truncated")));
        b[40..44].copy_from_slice(&0xFFFF_FFFFu32.to_le_bytes());
        let info = read_header(&mut &b[..], Some(b.len() as u64)).unwrap();
        assert_eq!(info.data_len, 200);
        assert!(read_header(&mut &b[..20], Some(20)).is_err());
        assert!(read_header(&mut &b"garbage garbage"[..], Some(15)).is_err());
    }
}
