//! The audio core's limits, in one place, checked before anything is allocated from a value an
//! input declares. Each maximum sits far above any real telephony or desktop audio file (VOX at
//! 6/8 kHz, G.711 at 8 kHz, WAV up to 192 kHz and 7.1 surround) and far below what can hurt the
//! process: a WAV header is 44 bytes, so without these a hostile header alone decides how much
//! memory and time a conversion takes (issue 11 item 1: 4,294,967,295 Hz aborted the process
//! asking for 344 GB; 64,276 channels at 127 Hz ran for over a minute).

use std::fmt;

/// Lowest sample rate accepted anywhere (input header, output option, resampler), in Hz.
/// Below it the resampler's filter for a conversion up to 8 kHz grows with the ratio and
/// nothing real is recorded there (the slowest telephony codec, 24K VOX, runs at 6 kHz).
pub const MIN_SAMPLE_RATE: u32 = 1_000;

/// Highest sample rate accepted anywhere, in Hz (studio WAVs go to 192 kHz).
pub const MAX_SAMPLE_RATE: u32 = 192_000;

/// Most channels an input may declare or an output may have. WAV's common layouts stop at 7.1
/// (8); `merge` makes at most 8. Each channel gets its own DC blocker and resampler state.
pub const MAX_CHANNELS: u16 = 16;

/// Most taps of one resampling filter (taps per phase x phases). The prototype is designed in
/// f64 and kept as f32 phases shared by every channel, so this bounds the filter at 12 MiB
/// while it is built and 4 MiB after, and its design time at a few hundred milliseconds.
/// Every pair of the usual rates (6, 8, 11.025, 12, 16, 22.05, 24, 32, 44.1, 48, 96, 192 kHz)
/// needs at most 130,560 (11,025 -> 192,000 Hz); only near-coprime odd rates go past it
/// (44,099 -> 48,000 Hz needs 2,448,000).
pub const MAX_RESAMPLER_TAPS: u64 = 1 << 20;

/// A value an input or argument declares, over (or under) its limit.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LimitExceeded {
    /// What the value is, e.g. `sample rate`, `channel count`.
    pub what: String,
    /// The value found.
    pub value: u64,
    /// The limit it breaks.
    pub limit: u64,
    /// Unit appended to both numbers (`" Hz"`, or empty).
    pub unit: &'static str,
    /// True when the value is below a minimum rather than above a maximum.
    pub below: bool,
}

impl fmt::Display for LimitExceeded {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (what, value, limit, unit) = (&self.what, self.value, self.limit, self.unit);
        if self.below {
            write!(
                f,
                "{what} {value}{unit} is below the minimum of {limit}{unit}"
            )
        } else {
            write!(
                f,
                "{what} {value}{unit} is above the limit of {limit}{unit}"
            )
        }
    }
}

impl std::error::Error for LimitExceeded {}

/// Checks a sample rate (`what` names it: `sample rate`, `output rate`, ...).
pub fn sample_rate(what: &str, rate: u32) -> Result<(), LimitExceeded> {
    if rate < MIN_SAMPLE_RATE {
        return Err(LimitExceeded {
            what: what.into(),
            value: rate as u64,
            limit: MIN_SAMPLE_RATE as u64,
            unit: " Hz",
            below: true,
        });
    }
    if rate > MAX_SAMPLE_RATE {
        return Err(LimitExceeded {
            what: what.into(),
            value: rate as u64,
            limit: MAX_SAMPLE_RATE as u64,
            unit: " Hz",
            below: false,
        });
    }
    Ok(())
}

/// Checks a channel count (0 is refused too, as below the minimum of 1).
pub fn channels(what: &str, n: u16) -> Result<(), LimitExceeded> {
    if n == 0 || n > MAX_CHANNELS {
        return Err(LimitExceeded {
            what: what.into(),
            value: n as u64,
            limit: if n == 0 { 1 } else { MAX_CHANNELS as u64 },
            unit: "",
            below: n == 0,
        });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_name_value_and_limit() {
        assert_eq!(
            sample_rate("sample rate", u32::MAX)
                .unwrap_err()
                .to_string(),
            "sample rate 4294967295 Hz is above the limit of 192000 Hz"
        );
        assert_eq!(
            sample_rate("sample rate", 127).unwrap_err().to_string(),
            "sample rate 127 Hz is below the minimum of 1000 Hz"
        );
        assert_eq!(
            channels("channel count", 64276).unwrap_err().to_string(),
            "channel count 64276 is above the limit of 16"
        );
        assert!(channels("channel count", 0).unwrap_err().below);
        assert!(sample_rate("x", 6000).is_ok() && channels("x", 2).is_ok());
    }
}
