//! What a transcode is asked to do: the input kind, the VOX rule, the output format and rate.

use crate::audio::mp3::MP3_RATES;
use crate::audio::vox::Variant;
use crate::audio::AudioError;
use std::str::FromStr;

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

impl FromStr for SourceKind {
    type Err = AudioError;

    /// Parses `vox6k`, `vox8k`, `alaw`, `ulaw`, `auto`.
    fn from_str(s: &str) -> Result<Self, AudioError> {
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

impl FromStr for VariantChoice {
    type Err = AudioError;

    /// Parses a rule name or `auto`.
    fn from_str(s: &str) -> Result<Self, AudioError> {
        if s.eq_ignore_ascii_case("auto") {
            Ok(VariantChoice::Auto)
        } else {
            s.parse().map(VariantChoice::Fixed)
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

impl FromStr for OutputFormat {
    type Err = AudioError;

    /// Parses `wav`, `wav-alaw` (`alaw`), `wav-ulaw` (`ulaw`), `mp3`.
    fn from_str(s: &str) -> Result<Self, AudioError> {
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
}

impl OutputFormat {
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
    /// Mix multichannel inputs down to mono (channel average) before anything else; `None`:
    /// only for A-law/µ-law WAV, the platform's mono prompt profile (see [`Self::mixes_to_mono`]).
    pub mono: Option<bool>,
    /// Rate of headerless VOX found by `SourceKind::Auto`.
    pub auto_vox_rate: u32,
    /// Compute the output's SHA-256 as it is written (`TranscodeReport::sha256`); off by
    /// default, since it costs about as much CPU as writing the file.
    pub hash: bool,
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
            mono: None,
            auto_vox_rate: 8000,
            hash: false,
        }
    }
}

impl TranscodeOptions {
    /// Whether multichannel inputs are mixed down to mono: as asked, else for the G.711 WAV
    /// outputs (the platform's prompt profile is mono 8 kHz).
    pub fn mixes_to_mono(&self) -> bool {
        self.mono.unwrap_or(matches!(
            self.to,
            OutputFormat::WavAlaw | OutputFormat::WavUlaw
        ))
    }

    /// Checks values that do not depend on the input.
    pub fn validate(&self) -> Result<(), AudioError> {
        if let Some(r) = self.rate {
            if crate::audio::limits::sample_rate("rate", r).is_err() {
                return Err(AudioError::InvalidOption(format!(
                    "rate {r} Hz is out of range {}..={}",
                    crate::audio::limits::MIN_SAMPLE_RATE,
                    crate::audio::limits::MAX_SAMPLE_RATE
                )));
            }
            if self.to == OutputFormat::Mp3 && !MP3_RATES.contains(&r) {
                return Err(AudioError::InvalidOption(format!(
                    "MP3 does not allow {r} Hz; use one of {MP3_RATES:?}"
                )));
            }
        }
        if self.to == OutputFormat::Mp3 && crate::audio::mp3::bitrate(self.bitrate).is_none() {
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
        if let Err(l) = crate::audio::limits::sample_rate("auto_vox_rate", self.auto_vox_rate) {
            return Err(AudioError::InvalidOption(l.to_string()));
        }
        Ok(())
    }
}

pub(super) fn default_rate(in_rate: u32, opts: &TranscodeOptions) -> u32 {
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
