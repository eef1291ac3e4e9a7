//! The Chinese phone-number normalizer.
//!
//! One input (UTF-8 bytes) becomes a [`Normalized`]: a `u64` key (the E.164 digits read as an
//! integer, e.g. `+8613800138000` -> `8613800138000`; E.164 has no leading zero, so the key is
//! unique and reversible), a [`Kind`], a reject [`Reason`], and an extension kept apart.
//! The hot path works on a fixed stack buffer and never allocates.
//!
//! Rules (facts in `shared/notes/references.md` §3; choices documented in the README):
//! * noise: ASCII and full-width spaces, dashes, dots, parentheses, slashes, quotes, `=` (Excel's
//!   `="..."`), a UTF-8 BOM, zero-width spaces; full-width digits and `＋`; a trailing Excel `.0`.
//! * prefixes: `+86`, `0086`, `86` (when the rest is a valid national number), an optional `(0)`
//!   after `+86`; IP-dial prefixes from the table (17951, 12593, ...); a trunk `0` before a mobile.
//! * mobile: 11 digits `1[3-9]…`, checked against the prefix table unless `structural_only`.
//! * fixed line: trunk `0` + area code from the table + a 7/8-digit subscriber
//!   (not starting with `0`) of a length the table allows for that code; local 7/8-digit numbers need
//!   `default_area_code`.
//! * non-geographic: `400` and `800` + 7 digits.
//! * service short codes: 110/112/114/117/119/120/121/122, `10xxx`/`11xxx`/`12xxx`, `95xxx`…`95xxxxxx`,
//!   `96xxx(x)`.
//! * other countries: `+`/`00` + an assigned country code, 7 to 15 digits in all: kept as E.164
//!   with kind `foreign`, or rejected, as configured.
//! * extensions after `转`, `分机`, `ext`, `x`, `,`, `;`, `p`, `w` are kept apart (up to 10 digits).

use std::sync::Arc;

use super::tables::Tables;
use super::{CalllistError, Result};

/// What a number is. `Invalid` for rejects.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default)]
#[repr(u8)]
pub enum Kind {
    #[default]
    Invalid = 0,
    Mobile = 1,
    Fixed = 2,
    /// 400 (shared cost) and 800 (toll free) numbers.
    NonGeo = 3,
    /// Service short codes (110, 10086, 95588, ...).
    Short = 4,
    /// A number of another country (kept only when configured).
    Foreign = 5,
}

impl Kind {
    pub const ALL: [Kind; 6] = [
        Kind::Invalid,
        Kind::Mobile,
        Kind::Fixed,
        Kind::NonGeo,
        Kind::Short,
        Kind::Foreign,
    ];

    pub const fn as_str(self) -> &'static str {
        match self {
            Kind::Invalid => "invalid",
            Kind::Mobile => "mobile",
            Kind::Fixed => "fixed",
            Kind::NonGeo => "nongeo",
            Kind::Short => "short",
            Kind::Foreign => "foreign",
        }
    }

    pub fn from_u8(v: u8) -> Kind {
        Kind::ALL.get(v as usize).copied().unwrap_or(Kind::Invalid)
    }
}

/// Why a row was rejected. `Ok` for accepted numbers. The pipeline-level reasons (duplicate,
/// blacklisted, already imported, too long for the platform) share the same code space.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default)]
#[repr(u8)]
pub enum Reason {
    #[default]
    Ok = 0,
    /// Nothing but whitespace/separators.
    Empty = 1,
    /// A character that is neither a digit, a separator, nor an extension marker.
    BadChar = 2,
    /// Excel turned the number into scientific notation (`1.38001E+10`); digits are lost.
    ExcelScientific = 3,
    TooShort = 4,
    TooLong = 5,
    /// 11 digits starting with `1` but not an allocated (or structurally possible) mobile prefix.
    BadMobilePrefix = 6,
    /// A trunk `0` followed by a code that is not in the area-code table.
    BadAreaCode = 7,
    /// A subscriber number of the wrong length for its area code, or starting with 0.
    BadSubscriber = 8,
    /// A 7/8-digit local number and no `default_area_code`.
    LocalNoAreaCode = 9,
    /// `+`/`00` followed by no assigned country code.
    BadCountryCode = 10,
    /// A foreign number while foreign numbers are configured to be rejected.
    Foreign = 11,
    /// A length/shape that is none of the above (e.g. 9 digits without a valid area code).
    BadNumber = 12,
    /// More than 10 extension digits.
    BadExtension = 13,
    /// A service short code (95588, 10086, 114, ...): rejected unless `allow_short_codes`.
    ShortCode = 14,
    /// The row has no field at the phone column's index (a ragged row).
    MissingField = 15,
    /// An emergency number (see [`EMERGENCY`]): rejected always, whatever the options.
    Emergency = 16,
    // pipeline reasons
    Duplicate = 32,
    Blacklisted = 33,
    AlreadyImported = 34,
    /// The platform's dialing string cannot carry this number (e.g. Huawei: > 24 chars).
    Platform = 35,
}

impl Reason {
    pub const ALL: [Reason; 21] = [
        Reason::Ok,
        Reason::Empty,
        Reason::BadChar,
        Reason::ExcelScientific,
        Reason::TooShort,
        Reason::TooLong,
        Reason::BadMobilePrefix,
        Reason::BadAreaCode,
        Reason::BadSubscriber,
        Reason::LocalNoAreaCode,
        Reason::BadCountryCode,
        Reason::Foreign,
        Reason::BadNumber,
        Reason::BadExtension,
        Reason::ShortCode,
        Reason::MissingField,
        Reason::Emergency,
        Reason::Duplicate,
        Reason::Blacklisted,
        Reason::AlreadyImported,
        Reason::Platform,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Reason::Ok => "ok",
            Reason::Empty => "empty",
            Reason::BadChar => "bad_char",
            Reason::ExcelScientific => "excel_scientific",
            Reason::TooShort => "too_short",
            Reason::TooLong => "too_long",
            Reason::BadMobilePrefix => "bad_mobile_prefix",
            Reason::BadAreaCode => "bad_area_code",
            Reason::BadSubscriber => "bad_subscriber",
            Reason::LocalNoAreaCode => "local_no_area_code",
            Reason::BadCountryCode => "bad_country_code",
            Reason::Foreign => "foreign",
            Reason::BadNumber => "bad_number",
            Reason::BadExtension => "bad_extension",
            Reason::ShortCode => "short_code",
            Reason::MissingField => "missing_field",
            Reason::Emergency => "emergency",
            Reason::Duplicate => "duplicate",
            Reason::Blacklisted => "blacklisted",
            Reason::AlreadyImported => "already_imported",
            Reason::Platform => "platform",
        }
    }

    pub fn from_u8(v: u8) -> Reason {
        Reason::ALL
            .iter()
            .copied()
            .find(|r| *r as u8 == v)
            .unwrap_or(Reason::BadNumber)
    }

    #[cfg(test)]
    fn index_is_dense() -> bool {
        Reason::ALL.iter().enumerate().all(|(i, r)| r.index() == i)
    }

    /// Index into a dense counter array of `Reason::ALL.len()` entries.
    #[inline]
    pub fn index(self) -> usize {
        let v = self as usize;
        if v < 32 {
            v
        } else {
            v - 32 + 17
        }
    }
}

/// The result of normalizing one input. `Copy`, 24 bytes, no heap.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub struct Normalized {
    /// E.164 digits as an integer (0 when rejected).
    pub key: u64,
    /// Extension digits as an integer (see `ext_len` for leading zeros).
    pub ext: u64,
    pub ext_len: u8,
    pub kind: Kind,
    pub reason: Reason,
    /// Digits of the country code (2 for `86`).
    pub cc_len: u8,
    /// Digits of the area code for fixed lines (2 or 3), else 0.
    pub area_len: u8,
}

/// What to do with numbers of other countries.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ForeignPolicy {
    /// Keep as E.164 with kind `foreign` when structurally valid.
    Keep,
    /// Reject with reason `foreign`.
    Reject,
}

impl std::str::FromStr for ForeignPolicy {
    type Err = CalllistError;

    /// Parses `keep` or `reject`.
    fn from_str(s: &str) -> std::result::Result<Self, CalllistError> {
        match s {
            "keep" => Ok(ForeignPolicy::Keep),
            "reject" => Ok(ForeignPolicy::Reject),
            other => Err(CalllistError::Config(format!(
                "foreign: expected 'keep' or 'reject', got {other:?}"
            ))),
        }
    }
}

/// Normalizer options.
#[derive(Clone, Debug)]
pub struct Config {
    /// Area code (with or without its trunk `0`) for local 7/8-digit numbers.
    pub default_area_code: Option<String>,
    /// Accept any `1[3-9]` + 9 digits as a mobile, ignoring the prefix table.
    pub structural_only: bool,
    pub foreign: ForeignPolicy,
    /// Accept service short codes (kind `short`). Off by default: an outbound list must never
    /// dial 95588 or 10086 unless the list really is of service numbers. Emergency numbers are
    /// refused whatever this says.
    pub allow_short_codes: bool,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            default_area_code: None,
            structural_only: false,
            foreign: ForeignPolicy::Keep,
            allow_short_codes: false,
        }
    }
}

/// A configured normalizer. Cheap to clone and `Sync`: share one across threads.
#[derive(Clone)]
pub struct Normalizer {
    tables: Arc<Tables>,
    structural_only: bool,
    foreign: ForeignPolicy,
    allow_short: bool,
    /// (area code value, mask of allowed subscriber lengths, digits of the code)
    default_area: Option<(u32, u8, u8)>,
}

const MAXD: usize = 24;

/// Emergency numbers: refused with [`Reason::Emergency`] in every dress (`110`, `+86 110`,
/// `0086-119`, `120转1`) and whatever the options, so no outbound list can ever dial them.
/// * 110 police, 119 fire, 120 ambulance: phonenumbers' CN short-number metadata, `emergency`
///   = `1(?:1[09]|20)` (`phonenumbers/shortdata/region_CN.py`);
/// * 122 road-traffic accidents, 112 (the GSM handsets' emergency number, routed to 110 by
///   Chinese networks), 999 (Beijing Red Cross ambulance): issue 10 item 5, which names them;
/// * 12110 (SMS to the police), 12119 (forest fire), 12395 (maritime distress): the emergency
///   members of phonenumbers' CN `toll_free` pattern `1(?:1[09]|2(?:[02]|1\d\d|395))`.
pub const EMERGENCY: [&[u8]; 9] = [
    b"110", b"112", b"119", b"120", b"122", b"999", b"12110", b"12119", b"12395",
];

#[inline]
fn is_emergency(d: &[u8]) -> bool {
    (d.len() == 3 || d.len() == 5) && EMERGENCY.contains(&d)
}

/// Byte classes of `normalize`'s fast scan. The separators are a subset of those the general
/// scanner skips (not '.', which the general scanner treats specially at the end: "….0").
const FAST_OTHER: u8 = 0;
const FAST_DIGIT: u8 = 1;
const FAST_SEP: u8 = 2;
const FAST_PLUS: u8 = 3;
const FAST_CLASS: [u8; 256] = {
    let mut t = [FAST_OTHER; 256];
    let mut b = b'0';
    while b <= b'9' {
        t[b as usize] = FAST_DIGIT;
        b += 1;
    }
    t[b' ' as usize] = FAST_SEP;
    t[b'-' as usize] = FAST_SEP;
    t[b'(' as usize] = FAST_SEP;
    t[b')' as usize] = FAST_SEP;
    t[b'/' as usize] = FAST_SEP;
    t[b'_' as usize] = FAST_SEP;
    t[b'\t' as usize] = FAST_SEP;
    t[b'+' as usize] = FAST_PLUS;
    t
};

#[inline(always)]
fn val(d: &[u8]) -> u64 {
    let mut v = 0u64;
    for &c in d {
        v = v * 10 + (c - b'0') as u64;
    }
    v
}

#[inline(always)]
fn pow10(n: usize) -> u64 {
    const P: [u64; 20] = [
        1,
        10,
        100,
        1_000,
        10_000,
        100_000,
        1_000_000,
        10_000_000,
        100_000_000,
        1_000_000_000,
        10_000_000_000,
        100_000_000_000,
        1_000_000_000_000,
        10_000_000_000_000,
        100_000_000_000_000,
        1_000_000_000_000_000,
        10_000_000_000_000_000,
        100_000_000_000_000_000,
        1_000_000_000_000_000_000,
        10_000_000_000_000_000_000,
    ];
    P[n]
}

/// Accepted number before the extension is attached.
#[derive(Clone, Copy)]
struct Num {
    key: u64,
    kind: Kind,
    cc_len: u8,
    area_len: u8,
}

type Cls = std::result::Result<Num, Reason>;

#[inline(always)]
fn cn(nsn: &[u8], kind: Kind, area_len: u8) -> Num {
    Num {
        key: 86 * pow10(nsn.len()) + val(nsn),
        kind,
        cc_len: 2,
        area_len,
    }
}

impl Normalizer {
    /// A normalizer over the built-in tables.
    pub fn new(cfg: &Config) -> Result<Normalizer> {
        Normalizer::with_tables(cfg, Tables::builtin())
    }

    /// A normalizer over custom tables (e.g. an updated mobile-prefix file).
    pub fn with_tables(cfg: &Config, tables: Arc<Tables>) -> Result<Normalizer> {
        let default_area = match &cfg.default_area_code {
            None => None,
            Some(code) => {
                let c = code.trim();
                let c = c.strip_prefix('0').unwrap_or(c);
                let ok = (2..=3).contains(&c.len()) && c.bytes().all(|b| b.is_ascii_digit());
                let v: u32 = if ok { c.parse().unwrap() } else { 0 };
                let mask = if ok { tables.area_mask(v) } else { 0 };
                // a 3-digit value below 300 is not an area code (e.g. "101")
                if mask == 0 || (c.len() == 3 && v < 300) || (c.len() == 2 && v >= 300) {
                    return Err(CalllistError::Config(format!(
                        "default_area_code: {code:?} is not in the area-code table"
                    )));
                }
                Some((v, mask, c.len() as u8))
            }
        };
        Ok(Normalizer {
            tables,
            structural_only: cfg.structural_only,
            foreign: cfg.foreign,
            allow_short: cfg.allow_short_codes,
            default_area,
        })
    }

    pub fn tables(&self) -> &Tables {
        &self.tables
    }

    /// Normalize one input given as UTF-8 bytes. Never allocates.
    #[inline]
    pub fn normalize(&self, input: &[u8]) -> Normalized {
        // the most common input of all, a bare 11-digit mobile number, skips the general
        // scanner; it gets exactly what the scanner would give (a unit test compares them)
        if input.len() == 11 && input[0] == b'1' && input.iter().all(u8::is_ascii_digit) {
            return Self::finish(self.mobile(input), 0, 0);
        }
        // next most common: ASCII digits with plain separators and perhaps a leading '+'; the
        // first byte outside that (full-width forms, dots, extension markers, letters...) hands
        // the input to the general scanner, which gives such inputs the same result
        let mut d = [0u8; MAXD];
        let mut n = 0usize;
        let mut plus = false;
        for &b in input {
            match FAST_CLASS[b as usize] {
                FAST_DIGIT if n < MAXD => {
                    d[n] = b;
                    n += 1;
                }
                FAST_SEP => {}
                FAST_PLUS if n == 0 && !plus => plus = true,
                _ => return self.normalize_general(input),
            }
        }
        if n == 0 {
            return self.normalize_general(input);
        }
        Self::finish(self.classify(&d[..n], plus), 0, 0)
    }

    #[inline]
    fn finish(c: Cls, ext: u64, ext_len: u8) -> Normalized {
        match c {
            Ok(num) => Normalized {
                key: num.key,
                ext,
                ext_len,
                kind: num.kind,
                reason: Reason::Ok,
                cc_len: num.cc_len,
                area_len: num.area_len,
            },
            Err(r) => Normalized {
                reason: r,
                ..Normalized::default()
            },
        }
    }

    /// Any input: separators, prefixes, full-width forms, extensions.
    fn normalize_general(&self, input: &[u8]) -> Normalized {
        let mut d = [0u8; MAXD];
        let mut n = 0usize;
        let mut over = false;
        let mut plus = false;
        let mut in_ext = false;
        let mut ext = 0u64;
        let mut ext_len = 0u8;
        let mut ext_over = false;

        let mut s = input;
        // trim ASCII whitespace
        while let [first, rest @ ..] = s {
            if first.is_ascii_whitespace() {
                s = rest
            } else {
                break;
            }
        }
        while let [rest @ .., last] = s {
            if last.is_ascii_whitespace() {
                s = rest
            } else {
                break;
            }
        }
        // Excel/pandas float artifact: "13800138000.0"
        if s.len() > 2 && s.ends_with(b".0") && s[..s.len() - 2].iter().all(u8::is_ascii_digit) {
            s = &s[..s.len() - 2];
        }

        let rej = |r: Reason| Normalized {
            reason: r,
            ..Normalized::default()
        };
        let len = s.len();
        let mut i = 0usize;
        while i < len {
            let b = s[i];
            let mut digit = 255u8;
            let mut step = 1usize;
            let mut marker = false;
            match b {
                b'0'..=b'9' => digit = b - b'0',
                b' ' | b'-' | b'.' | b'(' | b')' | b'/' | b'\t' | b'_' | b'\'' | b'"' | b'='
                | b'[' | b']' | b'\r' | b'\n' => {}
                b'+' => {
                    if n == 0 && !plus && !in_ext {
                        plus = true
                    } else {
                        return rej(Reason::BadChar);
                    }
                }
                b',' | b';' | b'x' | b'X' | b'p' | b'P' | b'w' | b'W' | b'#' | b'*' => {
                    marker = true
                }
                b'e' | b'E' => {
                    if s.len() >= i + 3 && s[i + 1..i + 3].eq_ignore_ascii_case(b"xt") {
                        marker = true;
                        step = 3;
                    } else if n > 0 && s.contains(&b'.') {
                        return rej(Reason::ExcelScientific);
                    } else {
                        return rej(Reason::BadChar);
                    }
                }
                0xEF if i + 2 < len && s[i + 1] == 0xBC => {
                    step = 3;
                    match s[i + 2] {
                        c @ 0x90..=0x99 => digit = c - 0x90, // ０-９
                        0x8B => {
                            // ＋
                            if n == 0 && !plus && !in_ext {
                                plus = true
                            } else {
                                return rej(Reason::BadChar);
                            }
                        }
                        0x88 | 0x89 | 0x8D | 0x8E | 0x8F | 0x9A => {} // （ ）－ ． ／ ：
                        0x8C | 0x9B | 0x83 => marker = true,          // ， ； ＃
                        _ => return rej(Reason::BadChar),
                    }
                }
                0xEF if i + 2 < len && s[i + 1] == 0xBB && s[i + 2] == 0xBF => step = 3, // BOM
                0xEF if i + 2 < len && s[i + 1] == 0xBD && s[i + 2] == 0x98 => {
                    marker = true; // ｘ
                    step = 3;
                }
                0xE3 if i + 2 < len && s[i + 1] == 0x80 && matches!(s[i + 2], 0x80 | 0x81) => {
                    step = 3 // ideographic space, 、
                }
                0xE2 if i + 2 < len
                    && s[i + 1] == 0x80
                    && matches!(s[i + 2], 0x8B..=0x8D | 0x90..=0x95) =>
                {
                    step = 3 // zero-width spaces, dashes
                }
                0xC2 if i + 1 < len && s[i + 1] == 0xA0 => step = 2, // NBSP
                0xE8 if i + 2 < len && s[i + 1] == 0xBD && s[i + 2] == 0xAC => {
                    marker = true; // 转
                    step = 3;
                }
                0xE5 if i + 5 < len && s[i..i + 6] == [0xE5, 0x88, 0x86, 0xE6, 0x9C, 0xBA] => {
                    marker = true; // 分机
                    step = 6;
                }
                _ => return rej(Reason::BadChar),
            }
            if marker {
                // markers only between the number and its extension
                if n == 0 || (in_ext && (b == b'#' || b == b'*')) {
                    return rej(Reason::BadChar);
                }
                in_ext = true;
                // skip a '.' after "ext"
                if step == 3 && i + 3 < len && s[i + 3] == b'.' {
                    step = 4;
                }
            } else if digit != 255 {
                if in_ext {
                    if ext_len < 10 {
                        ext = ext * 10 + digit as u64;
                        ext_len += 1;
                    } else {
                        ext_over = true;
                    }
                } else if n < MAXD {
                    d[n] = b'0' + digit;
                    n += 1;
                } else {
                    over = true;
                }
            }
            i += step;
        }
        if over {
            return rej(Reason::TooLong);
        }
        if n == 0 {
            return rej(if plus { Reason::BadChar } else { Reason::Empty });
        }
        if ext_over {
            return rej(Reason::BadExtension);
        }
        Self::finish(self.classify(&d[..n], plus), ext, ext_len)
    }

    /// Normalize a `&str`.
    pub fn normalize_str(&self, input: &str) -> Normalized {
        self.normalize(input.as_bytes())
    }

    #[inline]
    fn classify(&self, d: &[u8], plus: bool) -> Cls {
        if plus {
            return self.international(d);
        }
        if d.len() >= 2 && d[0] == b'0' && d[1] == b'0' {
            return self.international(&d[2..]);
        }
        if d.len() >= 14 && d[0] == b'1' && self.tables.is_ip_prefix(val(&d[..5]) as u32) {
            let r = &d[5..];
            if r.len() >= 2 && r[0] == b'0' && r[1] == b'0' {
                return self.international(&r[2..]);
            }
            return self.national(r);
        }
        if d.len() >= 11 && d[0] == b'8' && d[1] == b'6' {
            if let Ok(x) = self.after_86(&d[2..]) {
                return Ok(x);
            }
        }
        self.national(d)
    }

    /// Digits after `+86`/`0086`/`86`: an optional `(0)`, then a significant number.
    #[inline]
    fn after_86(&self, r: &[u8]) -> Cls {
        let r = if r.len() > 1 && r[0] == b'0' {
            &r[1..]
        } else {
            r
        };
        if r.is_empty() {
            return Err(Reason::TooShort);
        }
        if is_emergency(r) {
            return Err(Reason::Emergency);
        }
        if self.is_short(r) && (r[0] == b'1' || r[1] == b'5' || r[1] == b'6') && r.len() <= 8 {
            return self.short(r);
        }
        match r[0] {
            b'1' if r.len() == 11 && r[1] != b'0' => self.mobile(r),
            b'4' | b'8' if r.len() == 10 && (r[..3] == *b"400" || r[..3] == *b"800") => {
                Ok(cn(r, Kind::NonGeo, 0))
            }
            b'1'..=b'9' => self.geographic(r),
            _ => Err(Reason::BadNumber),
        }
    }

    #[inline]
    fn international(&self, r: &[u8]) -> Cls {
        if r.len() < 2 {
            return Err(Reason::TooShort);
        }
        if r[0] == b'8' && r[1] == b'6' {
            return self.after_86(&r[2..]);
        }
        if r[0] == b'0' {
            return Err(Reason::BadCountryCode);
        }
        let mut cc_len = 0;
        for l in 1..=3.min(r.len()) {
            if self.tables.cc[val(&r[..l]) as usize] {
                cc_len = l;
                break;
            }
        }
        if cc_len == 0 {
            return Err(Reason::BadCountryCode);
        }
        if r.len() < 7 {
            return Err(Reason::TooShort);
        }
        if r.len() > 15 {
            return Err(Reason::TooLong);
        }
        if self.foreign == ForeignPolicy::Reject {
            return Err(Reason::Foreign);
        }
        Ok(Num {
            key: val(r),
            kind: Kind::Foreign,
            cc_len: cc_len as u8,
            area_len: 0,
        })
    }

    /// A number in national format (with or without the trunk `0`).
    #[inline]
    fn national(&self, d: &[u8]) -> Cls {
        let n = d.len();
        if is_emergency(d) {
            return Err(Reason::Emergency);
        }
        if d[0] == b'0' {
            let r = &d[1..];
            if r.len() == 11 && r[0] == b'1' && r[1] != b'0' {
                return self.mobile(r);
            }
            if r.is_empty() {
                return Err(Reason::TooShort);
            }
            return self.geographic(r);
        }
        match d[0] {
            b'1' => {
                if n == 11 {
                    return self.mobile(d);
                }
                if self.is_short(d) {
                    return self.short(d);
                }
            }
            b'4' | b'8' if n == 10 && (d[..3] == *b"400" || d[..3] == *b"800") => {
                return Ok(cn(d, Kind::NonGeo, 0));
            }
            b'9' if self.is_short(d) => return self.short(d),
            _ => {}
        }
        if n == 7 || n == 8 {
            if d[0] == b'1' {
                return Err(Reason::BadNumber);
            }
            return match self.default_area {
                None => Err(Reason::LocalNoAreaCode),
                Some((code, mask, alen)) => {
                    if d[0] == b'0' || mask & (1 << (n - 7)) == 0 {
                        return Err(Reason::BadSubscriber);
                    }
                    let nsn_len = alen as usize + n;
                    Ok(Num {
                        key: 86 * pow10(nsn_len) + code as u64 * pow10(n) + val(d),
                        kind: Kind::Fixed,
                        cc_len: 2,
                        area_len: alen,
                    })
                }
            };
        }
        if n < 7 {
            return Err(if n < 3 {
                Reason::TooShort
            } else {
                Reason::BadNumber
            });
        }
        if n > 12 {
            return Err(Reason::TooLong);
        }
        // 9..12 digits without the trunk 0: an area code + subscriber (phonenumbers accepts it)
        if d[0] != b'1' || d[1] == b'0' {
            return self.geographic(d);
        }
        Err(Reason::BadNumber)
    }

    #[inline]
    fn mobile(&self, r: &[u8]) -> Cls {
        if r[1] < b'3' {
            return Err(Reason::BadMobilePrefix);
        }
        if !self.structural_only && !self.tables.mobile[val(&r[1..5]) as usize] {
            return Err(Reason::BadMobilePrefix);
        }
        Ok(cn(r, Kind::Mobile, 0))
    }

    /// Area code + subscriber, digits after the trunk 0.
    #[inline]
    fn geographic(&self, r: &[u8]) -> Cls {
        if r.len() < 2 {
            return Err(Reason::TooShort);
        }
        let (code, alen) = match r[0] {
            b'1' if r[1] == b'0' => (10u32, 2usize),
            b'2' => (20 + (r[1] - b'0') as u32, 2),
            b'3'..=b'9' if r.len() >= 3 => (val(&r[..3]) as u32, 3),
            _ => return Err(Reason::BadAreaCode),
        };
        let mask = self.tables.area_mask(code);
        if mask == 0 {
            return Err(Reason::BadAreaCode);
        }
        let sub = &r[alen..];
        let sl = sub.len();
        if !(sl == 7 && mask & 1 != 0 || sl == 8 && mask & 2 != 0) {
            return Err(if sl > 8 {
                Reason::TooLong
            } else {
                Reason::BadSubscriber
            });
        }
        if sub[0] == b'0' {
            return Err(Reason::BadSubscriber);
        }
        Ok(cn(r, Kind::Fixed, alen as u8))
    }

    #[inline]
    fn is_short(&self, d: &[u8]) -> bool {
        match d.len() {
            // 110 police, 112, 114 directory, 117 time, 119 fire, 120 ambulance, 121 weather, 122 traffic
            3 => matches!(
                d,
                b"110" | b"112" | b"114" | b"117" | b"119" | b"120" | b"121" | b"122"
            ),
            5 => (d[0] == b'1' && d[1] <= b'2') || (d[0] == b'9' && (d[1] == b'5' || d[1] == b'6')),
            6 => d[0] == b'9' && (d[1] == b'5' || d[1] == b'6'),
            7 | 8 => d[0] == b'9' && d[1] == b'5',
            _ => false,
        }
    }

    #[inline]
    fn short(&self, d: &[u8]) -> Cls {
        if !self.allow_short {
            return Err(Reason::ShortCode);
        }
        Ok(cn(d, Kind::Short, 0))
    }
}

impl Normalized {
    pub fn is_ok(&self) -> bool {
        self.reason == Reason::Ok
    }

    /// Writes the key's decimal digits into `buf`, returns how many (two digits per division).
    #[inline]
    pub(crate) fn key_digits(&self, buf: &mut [u8; 24]) -> usize {
        crate::digits::write_u64(self.key, buf)
    }

    /// E.164 (`+8613800138000`) into `out`; returns the length (0 when rejected).
    pub fn write_e164(&self, out: &mut [u8; 24]) -> usize {
        if !self.is_ok() {
            return 0;
        }
        let mut b = [0u8; 24];
        let n = self.key_digits(&mut b);
        out[0] = b'+';
        out[1..=n].copy_from_slice(&b[..n]);
        n + 1
    }

    /// The national dialing form: mobile/400/800/short as is, fixed lines with trunk `0`
    /// (`01012345678`), foreign numbers with China's international prefix `00`.
    pub fn write_national(&self, out: &mut [u8; 24]) -> usize {
        if !self.is_ok() {
            return 0;
        }
        let mut b = [0u8; 24];
        let n = self.key_digits(&mut b);
        // a key made outside the normalizer (format_national takes arrays from the caller) may
        // be shorter than its country code: it has no national form
        if n <= self.cc_len as usize {
            return 0;
        }
        match self.kind {
            Kind::Foreign => {
                out[0] = b'0';
                out[1] = b'0';
                out[2..n + 2].copy_from_slice(&b[..n]);
                n + 2
            }
            Kind::Fixed => {
                let cc = self.cc_len as usize;
                out[0] = b'0';
                out[1..n - cc + 1].copy_from_slice(&b[cc..n]);
                n - cc + 1
            }
            _ => {
                let cc = self.cc_len as usize;
                out[..n - cc].copy_from_slice(&b[cc..n]);
                n - cc
            }
        }
    }

    /// The extension digits (with their leading zeros) into `out`; returns the length.
    pub fn write_ext(&self, out: &mut [u8; 24]) -> usize {
        let n = self.ext_len as usize;
        let mut e = self.ext;
        for i in (0..n).rev() {
            out[i] = b'0' + (e % 10) as u8;
            e /= 10;
        }
        n
    }

    pub fn e164(&self) -> Option<String> {
        let mut b = [0u8; 24];
        let n = self.write_e164(&mut b);
        (n > 0).then(|| String::from_utf8_lossy(&b[..n]).into_owned())
    }

    pub fn national(&self) -> Option<String> {
        let mut b = [0u8; 24];
        let n = self.write_national(&mut b);
        (n > 0).then(|| String::from_utf8_lossy(&b[..n]).into_owned())
    }

    pub fn extension(&self) -> Option<String> {
        let mut b = [0u8; 24];
        let n = self.write_ext(&mut b);
        (n > 0).then(|| String::from_utf8_lossy(&b[..n]).into_owned())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn nz() -> Normalizer {
        Normalizer::new(&Config::default()).unwrap()
    }

    fn e(s: &str) -> std::result::Result<String, &'static str> {
        let r = nz().normalize_str(s);
        r.e164().ok_or(r.reason.as_str())
    }

    #[test]
    fn mobiles_in_every_dress() {
        for s in [
            "13800138000",
            "+8613800138000",
            "008613800138000",
            "8613800138000",
            "013800138000",
            "1795113800138000",
            "12593 13800138000",
            "138-0013-8000",
            "138 0013 8000",
            "(138)00138000",
            "１３８００１３８０００",
            "＋８６ １３８ ００１３ ８０００",
            "+86 (0) 138 0013 8000",
            "=\"13800138000\"",
            "13800138000.0",
            "\u{feff}13800138000",
            "138\u{3000}0013\u{3000}8000",
            "138－0013－8000",
            "  13800138000\t",
        ] {
            assert_eq!(e(s), Ok("+8613800138000".into()), "{s:?}");
        }
        let r = nz().normalize_str("13800138000");
        assert_eq!(r.kind, Kind::Mobile);
        assert_eq!(r.key, 8613800138000);
        assert_eq!(r.national().unwrap(), "13800138000");
    }

    #[test]
    fn fixed_lines() {
        for (s, want) in [
            ("010-12345678", "+861012345678"),
            ("01012345678", "+861012345678"),
            ("+86 10 12345678", "+861012345678"),
            ("+86 (0)10 12345678", "+861012345678"),
            ("0755-88889999", "+8675588889999"),
            ("(0755)88889999", "+8675588889999"),
            ("0086 755 88889999", "+8675588889999"),
            ("0310-2345678", "+863102345678"),
            ("17951 010 12345678", "+861012345678"),
            ("75588889999", "+8675588889999"),
        ] {
            assert_eq!(e(s), Ok(want.into()), "{s:?}");
        }
        let r = nz().normalize_str("0755-88889999");
        assert_eq!(r.kind, Kind::Fixed);
        assert_eq!(r.area_len, 3);
        assert_eq!(r.national().unwrap(), "075588889999");
        assert_eq!(e("0755-8888999"), Err("bad_subscriber")); // 0755 takes 8 digits
        assert_eq!(e("0310-23456789"), Err("bad_subscriber")); // 0310 takes 7
        assert_eq!(e("0260-12345678"), Err("bad_area_code"));
        assert_eq!(e("010-02345678"), Err("bad_subscriber"));
        assert_eq!(e("010-123456789"), Err("too_long"));
    }

    #[test]
    fn local_numbers_need_default_area_code() {
        assert_eq!(e("88889999"), Err("local_no_area_code"));
        let cfg = Config {
            default_area_code: Some("0755".into()),
            ..Config::default()
        };
        let n = Normalizer::new(&cfg).unwrap();
        assert_eq!(
            n.normalize_str("8888-9999").e164().unwrap(),
            "+8675588889999"
        );
        assert_eq!(n.normalize_str("8888999").reason, Reason::BadSubscriber);
        let cfg = Config {
            default_area_code: Some("10".into()),
            ..Config::default()
        };
        let n = Normalizer::new(&cfg).unwrap();
        assert_eq!(
            n.normalize_str("88889999").national().unwrap(),
            "01088889999"
        );
        assert!(Normalizer::new(&Config {
            default_area_code: Some("0260".into()),
            ..Config::default()
        })
        .is_err());
    }

    #[test]
    fn nongeo_short_foreign() {
        assert_eq!(e("400-123-4567"), Ok("+864001234567".into()));
        assert_eq!(e("800 123 4567"), Ok("+868001234567".into()));
        assert_eq!(nz().normalize_str("4001234567").kind, Kind::NonGeo);
        let short = Normalizer::new(&Config {
            allow_short_codes: true,
            ..Config::default()
        })
        .unwrap();
        let s = short.normalize_str("95588");
        assert_eq!(
            (s.kind, s.national().unwrap()),
            (Kind::Short, "95588".into())
        );
        assert_eq!(short.normalize_str("10086").kind, Kind::Short);
        assert_eq!(short.normalize_str("114").kind, Kind::Short);
        let f = nz().normalize_str("+1 650 253 0000");
        assert_eq!(f.kind, Kind::Foreign);
        assert_eq!(f.e164().unwrap(), "+16502530000");
        assert_eq!(f.national().unwrap(), "0016502530000");
        assert_eq!(e("001 650 253 0000"), Ok("+16502530000".into()));
        assert_eq!(e("+999 1234567"), Err("bad_country_code"));
        let rej = Normalizer::new(&Config {
            foreign: ForeignPolicy::Reject,
            ..Config::default()
        })
        .unwrap();
        assert_eq!(
            rej.normalize_str("+44 20 7946 0958").reason,
            Reason::Foreign
        );
        // short codes are refused by default
        for x in ["95588", "10086", "114", "+86 95588", "96110"] {
            assert_eq!(nz().normalize_str(x).reason, Reason::ShortCode, "{x}");
        }
    }

    #[test]
    fn emergency_numbers_are_refused_whatever_the_options() {
        let short = Normalizer::new(&Config {
            allow_short_codes: true,
            default_area_code: Some("0755".into()),
            ..Config::default()
        })
        .unwrap();
        for x in [
            "110",
            "112",
            "119",
            "120",
            "122",
            "999",
            "+86 110",
            "0086-119",
            "+86 999",
            "120转1",
            "１１０",
            "12110",
            "12119",
            "12395",
            "(110)",
        ] {
            for n in [&nz(), &short] {
                let r = n.normalize_str(x);
                assert_eq!(
                    (r.reason, r.key, r.e164()),
                    (Reason::Emergency, 0, None),
                    "{x}"
                );
            }
        }
        // their neighbours are not emergency numbers
        assert_eq!(short.normalize_str("121").reason, Reason::Ok);
        assert_eq!(short.normalize_str("12345").reason, Reason::Ok);
    }

    #[test]
    fn extensions_kept_apart() {
        for s in [
            "010-12345678转0123",
            "010-12345678 ext. 0123",
            "010-12345678,0123",
            "01012345678分机0123",
            "010 12345678 x0123",
        ] {
            let r = nz().normalize_str(s);
            assert_eq!(r.e164().unwrap(), "+861012345678", "{s:?}");
            assert_eq!(r.extension().unwrap(), "0123", "{s:?}");
        }
        assert_eq!(e("010-12345678转12345678901"), Err("bad_extension"));
    }

    #[test]
    fn mobile_prefix_table_and_structural_mode() {
        assert_eq!(e("14012345678"), Err("bad_mobile_prefix"));
        assert_eq!(e("12012345678"), Err("bad_mobile_prefix"));
        assert_eq!(e("19147005807"), Ok("+8619147005807".into()));
        assert_eq!(e("19945009001"), Ok("+8619945009001".into()));
        let s = Normalizer::new(&Config {
            structural_only: true,
            ..Config::default()
        })
        .unwrap();
        assert_eq!(
            s.normalize_str("14012345678").e164().unwrap(),
            "+8614012345678"
        );
        assert_eq!(
            s.normalize_str("12012345678").reason,
            Reason::BadMobilePrefix
        );
        let mut t = (*Tables::builtin()).clone();
        t.set_mobile_prefixes("140\n", "test").unwrap();
        let n = Normalizer::with_tables(&Config::default(), Arc::new(t)).unwrap();
        assert!(n.normalize_str("14012345678").is_ok());
        assert!(!n.normalize_str("13800138000").is_ok());
    }

    #[test]
    fn bare_mobile_shortcut_equals_the_scanner() {
        let n = Normalizer::new(&Config::default()).unwrap();
        let s = Normalizer::new(&Config {
            structural_only: true,
            ..Config::default()
        })
        .unwrap();
        let mut x = 0x2545_F491_4F6C_DD1Du64;
        for i in 0..200_000u64 {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            // every second prefix digit, and random tails
            let v = format!("1{}{:09}", i % 10, x % 1_000_000_000);
            for norm in [&n, &s] {
                assert_eq!(
                    norm.normalize(v.as_bytes()),
                    norm.normalize_general(v.as_bytes()),
                    "{v}"
                );
            }
        }
        for v in [
            "1380013800a",
            "13800138000",
            "10000000000",
            "19999999999",
            "1380013800",
        ] {
            assert_eq!(
                n.normalize(v.as_bytes()),
                n.normalize_general(v.as_bytes()),
                "{v}"
            );
        }
    }

    #[test]
    fn fast_scan_equals_the_general_scanner() {
        // random strings over the bytes that matter to either scanner, in both table modes
        let alphabet: Vec<&[u8]> = vec![
            b"0",
            b"1",
            b"1",
            b"3",
            b"8",
            b"6",
            b"9",
            b"4",
            b"5",
            b"2",
            b"7",
            b" ",
            b"-",
            b"(",
            b")",
            b"/",
            b"_",
            b"\t",
            b"+",
            b".",
            b"x",
            b"#",
            b"*",
            b",",
            b"e",
            b"\r",
            b"\n",
            b"'",
            "\u{ff11}".as_bytes(),
            "\u{3000}".as_bytes(),
            "转".as_bytes(),
            b"86",
            b"0086",
            b"17951",
            b"138",
            b"010",
            b"400",
            b".0",
            b"\x0c",
        ];
        let norms = [
            Normalizer::new(&Config::default()).unwrap(),
            Normalizer::new(&Config {
                structural_only: true,
                default_area_code: Some("010".into()),
                ..Config::default()
            })
            .unwrap(),
        ];
        let mut x = 0x9E37_79B9_7F4A_7C15u64;
        let mut next = || {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x
        };
        for _ in 0..300_000 {
            let len = (next() % 20) as usize;
            let mut v = Vec::new();
            for _ in 0..len {
                v.extend_from_slice(alphabet[(next() % alphabet.len() as u64) as usize]);
            }
            for norm in &norms {
                assert_eq!(
                    norm.normalize(&v),
                    norm.normalize_general(&v),
                    "{:?}",
                    String::from_utf8_lossy(&v)
                );
            }
        }
    }

    #[test]
    fn key_digits_roundtrip() {
        for k in [
            1u64,
            9,
            10,
            99,
            100,
            101,
            8613800138000,
            861012345678,
            u64::MAX / 2,
        ] {
            let n = Normalized {
                key: k,
                ..Normalized::default()
            };
            let mut b = [0u8; 24];
            let l = n.key_digits(&mut b);
            assert_eq!(std::str::from_utf8(&b[..l]).unwrap(), k.to_string());
        }
    }

    #[test]
    fn reason_index_is_dense() {
        assert!(Reason::index_is_dense());
    }

    #[test]
    fn rejects_have_reasons() {
        assert_eq!(e(""), Err("empty"));
        assert_eq!(e(" - "), Err("empty"));
        assert_eq!(e("abc"), Err("bad_char"));
        assert_eq!(e("1.38001E+10"), Err("excel_scientific"));
        assert_eq!(e("12"), Err("too_short"));
        assert_eq!(e("1380013800012345678901234567"), Err("too_long"));
        assert_eq!(e("138001380001"), Err("bad_number"));
        assert_eq!(e("+"), Err("bad_char"));
        assert_eq!(e("13800+138000"), Err("bad_char"));
    }

    #[test]
    fn keys_shorter_than_their_country_code_have_no_national_form() {
        for kind in Kind::ALL {
            for key in [1u64, 8, 86, 9] {
                let n = Normalized {
                    key,
                    kind,
                    cc_len: 2,
                    ..Normalized::default()
                };
                assert_eq!(n.national(), None, "{key} {kind:?}");
            }
        }
    }

    #[test]
    fn idempotent_on_output() {
        let n = Normalizer::new(&Config {
            allow_short_codes: true,
            ..Config::default()
        })
        .unwrap();
        for s in [
            "13800138000",
            "010-12345678",
            "400 123 4567",
            "+1 650 253 0000",
            "95588",
        ] {
            let a = n.normalize_str(s);
            let b = n.normalize_str(&a.e164().unwrap());
            let c = n.normalize_str(&a.national().unwrap());
            assert_eq!(a.key, b.key, "{s}");
            assert_eq!(a.key, c.key, "{s}");
        }
    }
}

#[cfg(test)]
mod throughput {
    use super::*;

    /// `cargo test --release --lib throughput -- --ignored --nocapture` prints single-thread
    /// numbers/s (speed lives in benches/; this is a quick local probe, it asserts nothing timed).
    #[test]
    #[ignore]
    fn single_thread_rate() {
        let n = Normalizer::new(&Config::default()).unwrap();
        let forms = [
            "13800138000",
            "+86 138 0013 8000",
            "010-12345678",
            "0755-88889999",
            "138-0013-8000",
            "8613912345678",
        ];
        let mut inputs = Vec::new();
        for i in 0..1_000_000u64 {
            let f = forms[(i % forms.len() as u64) as usize];
            inputs.push(f.replace("8000", &format!("{:04}", i % 10000)));
        }
        let mut sum = 0u64;
        for _ in 0..3 {
            let t = std::time::Instant::now();
            for s in &inputs {
                sum = sum.wrapping_add(n.normalize(s.as_bytes()).key);
            }
            let dt = t.elapsed().as_secs_f64();
            println!(
                "{:.1} M numbers/s (checksum {sum})",
                inputs.len() as f64 / dt / 1e6
            );
        }
        assert_ne!(sum, 0);
    }
}
