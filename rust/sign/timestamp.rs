//! auth-v2 timestamps: UTC `yyyy-MM-ddTHH:mm:ss.SSSZ` (CC-CMS/iSales/FS, seed 4.3) or
//! `yyyy-MM-ddTHH:mm:ssZ` (CC-iKBS, seed 9.1.2). Both are in real use (auth.md 4.2.4 row 7),
//! so both are accepted; the string is always signed verbatim.

use std::time::{SystemTime, UNIX_EPOCH};

/// Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's `days_from_civil`).
fn days_from_civil(y: i64, m: u32, d: u32) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = if y >= 0 { y } else { y - 399 } / 400;
    let yoe = y - era * 400;
    let mp = (m as i64 + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d as i64 - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146097 + doe - 719468
}

/// The date of a day count since 1970-01-01 (inverse of [`days_from_civil`]).
fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719468;
    let era = if z >= 0 { z } else { z - 146096 } / 146097;
    let doe = z - era * 146097;
    let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let y = yoe + era * 400 + i64::from(m <= 2);
    (y, m, d)
}

fn days_in_month(y: i64, m: u32) -> u32 {
    match m {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        _ if (y % 4 == 0 && y % 100 != 0) || y % 400 == 0 => 29,
        _ => 28,
    }
}

/// Formats Unix milliseconds as an auth-v2 timestamp, with or without the `.SSS` part.
pub fn format_millis(unix_millis: i64, with_millis: bool) -> String {
    let secs = unix_millis.div_euclid(1000);
    let ms = unix_millis.rem_euclid(1000);
    let (y, mo, d) = civil_from_days(secs.div_euclid(86400));
    let sod = secs.rem_euclid(86400);
    let (h, mi, s) = (sod / 3600, sod % 3600 / 60, sod % 60);
    if with_millis {
        format!("{y:04}-{mo:02}-{d:02}T{h:02}:{mi:02}:{s:02}.{ms:03}Z")
    } else {
        format!("{y:04}-{mo:02}-{d:02}T{h:02}:{mi:02}:{s:02}Z")
    }
}

/// A wall-clock time and its offset from UTC, as a `datetime` holds them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct WallClock {
    pub year: i32,
    pub month: u8,
    pub day: u8,
    pub hour: u8,
    pub minute: u8,
    pub second: u8,
    pub microsecond: u32,
    /// local time minus UTC, in microseconds
    pub utc_offset_us: i64,
}

impl WallClock {
    /// Milliseconds since the Unix epoch of this instant, rounded down (as `timedelta // 1 ms`).
    pub fn unix_millis(&self) -> i64 {
        let days = days_from_civil(self.year as i64, self.month as u32, self.day as u32);
        let secs =
            days * 86400 + self.hour as i64 * 3600 + self.minute as i64 * 60 + self.second as i64;
        (secs * 1_000_000 + self.microsecond as i64 - self.utc_offset_us).div_euclid(1000)
    }
}

/// Milliseconds since the Unix epoch, now.
pub fn now_millis() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_millis() as i64)
        .unwrap_or(0)
}

/// The current time as an auth-v2 timestamp.
pub fn now(with_millis: bool) -> String {
    format_millis(now_millis(), with_millis)
}

/// Parses either auth-v2 timestamp form to Unix milliseconds; `None` when it is not exactly one
/// of them (wrong separators, a field out of range, a missing `Z`, extra characters).
pub fn parse_millis(ts: &str) -> Option<i64> {
    let b = ts.as_bytes();
    let digits = |r: std::ops::Range<usize>| -> Option<u32> {
        let part = b.get(r)?;
        if part.is_empty() || !part.iter().all(u8::is_ascii_digit) {
            return None;
        }
        Some(
            part.iter()
                .fold(0u32, |acc, &c| acc * 10 + (c - b'0') as u32),
        )
    };
    let ms = match b.len() {
        20 => 0,
        24 if b[19] == b'.' => digits(20..23)? as i64,
        _ => return None,
    };
    if b[4] != b'-'
        || b[7] != b'-'
        || b[10] != b'T'
        || b[13] != b':'
        || b[16] != b':'
        || b[b.len() - 1] != b'Z'
    {
        return None;
    }
    let (y, mo, d) = (digits(0..4)? as i64, digits(5..7)?, digits(8..10)?);
    let (h, mi, s) = (digits(11..13)?, digits(14..16)?, digits(17..19)?);
    if !(1..=12).contains(&mo) || d == 0 || d > days_in_month(y, mo) || h > 23 || mi > 59 || s > 59
    {
        return None;
    }
    let secs = days_from_civil(y, mo, d) * 86400 + (h * 3600 + mi * 60 + s) as i64;
    Some(secs * 1000 + ms)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wall_clock_with_offset_to_unix_millis() {
        // 2021-08-31T17:38:50.872999+08:00 is 09:38:50.872Z (milliseconds rounded down)
        let t = WallClock {
            year: 2021,
            month: 8,
            day: 31,
            hour: 17,
            minute: 38,
            second: 50,
            microsecond: 872_999,
            utc_offset_us: 8 * 3600 * 1_000_000,
        };
        assert_eq!(
            format_millis(t.unix_millis(), true),
            "2021-08-31T09:38:50.872Z"
        );
        let before_epoch = WallClock {
            year: 1969,
            month: 12,
            day: 31,
            hour: 23,
            minute: 59,
            second: 59,
            microsecond: 999_500,
            utc_offset_us: 0,
        };
        assert_eq!(before_epoch.unix_millis(), -1);
    }

    #[test]
    fn known_instants() {
        // 2018-10-17T11:48:24Z, the demo table's time
        assert_eq!(
            parse_millis("2018-10-17T11:48:24Z"),
            Some(1_539_776_904_000)
        );
        assert_eq!(
            parse_millis("2021-08-31T09:38:50.872Z"),
            Some(1_630_402_730_872)
        );
        assert_eq!(
            format_millis(1_630_402_730_872, true),
            "2021-08-31T09:38:50.872Z"
        );
        assert_eq!(
            format_millis(1_539_776_904_000, false),
            "2018-10-17T11:48:24Z"
        );
        assert_eq!(format_millis(0, true), "1970-01-01T00:00:00.000Z");
    }

    #[test]
    fn round_trip_many_days() {
        let mut t = -86_400_000i64 * 365 * 3;
        while t < 86_400_000i64 * 365 * 200 {
            assert_eq!(parse_millis(&format_millis(t, true)), Some(t));
            t += 86_400_000 * 17 + 3_723_456;
        }
    }

    #[test]
    fn rejects_malformed() {
        for bad in [
            "",
            "2018-10-17 11:48:24Z",
            "2018-10-17T11:48:24",
            "2018-13-17T11:48:24Z",
            "2018-02-29T11:48:24Z",
            "2018-10-17T24:00:00Z",
            "2018-10-17T11:48:24.1Z",
            "2018-10-17T11:48:24.000+08:00",
            "2018-10-17T11:48:24ZZ",
            "2018-1a-17T11:48:24Z",
        ] {
            assert_eq!(parse_millis(bad), None, "{bad}");
        }
        assert!(parse_millis("2020-02-29T00:00:00Z").is_some());
    }
}
