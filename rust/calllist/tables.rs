//! Numbering tables: area codes with their subscriber lengths, allocated mobile prefixes, IP-dial
//! prefixes and country calling codes. The defaults are the files in `rust/calllist/data/`,
//! embedded at build time; each can be replaced at run time from an updated file.

use std::path::Path;
use std::sync::{Arc, OnceLock};

use super::{io_err, CalllistError, Result};

const AREA_CODES: &str = include_str!("data/cn_area_codes.txt");
const MOBILE_PREFIXES: &str = include_str!("data/cn_mobile_prefixes.txt");
const IP_PREFIXES: &str = include_str!("data/ip_prefixes.txt");
const COUNTRY_CODES: &str = include_str!("data/country_codes.txt");

/// Lookup tables used by the normalizer. All lookups are array indexing (no hashing, no allocation).
#[derive(Clone)]
pub struct Tables {
    /// index = area code value without the trunk 0 (10, 20..29, 300..999);
    /// bit 0 = 7-digit subscribers allowed, bit 1 = 8-digit.
    pub(crate) area: Box<[u8; 1000]>,
    /// City names per area code (informational; not used in the hot loop).
    pub(crate) area_city: Vec<(u16, String)>,
    /// index = the 4 digits after the leading `1` of an 11-digit mobile (i.e. 5-digit prefix 1xxxx).
    pub(crate) mobile: Box<[bool; 10000]>,
    /// 5-digit IP-dial prefixes, as integers.
    pub(crate) ip: Vec<u32>,
    /// index = country calling code value (1..999), true when assigned (86 excluded).
    pub(crate) cc: Box<[bool; 1000]>,
}

fn lines(text: &str) -> impl Iterator<Item = (u64, &str)> {
    text.lines()
        .enumerate()
        .map(|(i, l)| (i as u64 + 1, l.trim_end_matches('\r')))
        .filter(|(_, l)| !l.trim().is_empty() && !l.trim_start().starts_with('#'))
}

fn digits_value(s: &str) -> Option<u32> {
    if s.is_empty() || s.len() > 9 || !s.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    s.parse().ok()
}

fn bad(origin: &str, line: u64, message: String) -> CalllistError {
    CalllistError::Data {
        path: origin.into(),
        line,
        message,
    }
}

impl Tables {
    /// The tables built from the embedded data files (shared, built once).
    pub fn builtin() -> Arc<Tables> {
        static CELL: OnceLock<Arc<Tables>> = OnceLock::new();
        CELL.get_or_init(|| {
            Arc::new(
                Tables::from_texts(AREA_CODES, MOBILE_PREFIXES, IP_PREFIXES, COUNTRY_CODES)
                    .expect("embedded calllist tables are valid"),
            )
        })
        .clone()
    }

    /// Build from the four table texts (same formats as the files in `data/`).
    pub fn from_texts(area: &str, mobile: &str, ip: &str, cc: &str) -> Result<Tables> {
        let mut t = Tables {
            area: Box::new([0u8; 1000]),
            area_city: Vec::new(),
            mobile: Box::new([false; 10000]),
            ip: Vec::new(),
            cc: Box::new([false; 1000]),
        };
        t.set_area_codes(area, "area codes")?;
        t.set_mobile_prefixes(mobile, "mobile prefixes")?;
        t.set_ip_prefixes(ip, "ip prefixes")?;
        for (n, l) in lines(cc) {
            let v = digits_value(l.trim()).filter(|v| (1..1000).contains(v) && *v != 86);
            let v =
                v.ok_or_else(|| bad("country codes", n, format!("{l:?} is not a country code")))?;
            t.cc[v as usize] = true;
        }
        Ok(t)
    }

    /// Replace the area-code table: lines `code<TAB>lengths[<TAB>city]`, code without trunk 0
    /// (`10`, `2x`, or 3 digits `3xx`..`9xx`), lengths a comma list of 7 and/or 8.
    pub fn set_area_codes(&mut self, text: &str, origin: &str) -> Result<()> {
        let mut area = Box::new([0u8; 1000]);
        let mut city = Vec::new();
        for (n, l) in lines(text) {
            let mut parts = l.split('\t');
            let code = parts.next().unwrap_or("").trim();
            let ok_code = match code.len() {
                2 => code == "10" || code.starts_with('2'),
                3 => matches!(code.as_bytes()[0], b'3'..=b'9'),
                _ => false,
            };
            let v = digits_value(code).filter(|_| ok_code).ok_or_else(|| {
                bad(
                    origin,
                    n,
                    format!("{code:?} is not an area code (10, 2x or 3xx-9xx)"),
                )
            })?;
            let mut mask = 0u8;
            for len in parts.next().unwrap_or("7,8").split(',') {
                match len.trim() {
                    "7" => mask |= 1,
                    "8" => mask |= 2,
                    other => {
                        return Err(bad(
                            origin,
                            n,
                            format!("subscriber length {other:?} is not 7 or 8"),
                        ))
                    }
                }
            }
            area[v as usize] = mask;
            if let Some(c) = parts.next() {
                city.push((v as u16, c.trim().to_string()));
            }
        }
        if area.iter().all(|&m| m == 0) {
            return Err(bad(origin, 0, "no area codes".into()));
        }
        self.area = area;
        self.area_city = city;
        Ok(())
    }

    /// Replace the mobile prefix table: one prefix per line, 3 to 5 digits, starting with `1`.
    pub fn set_mobile_prefixes(&mut self, text: &str, origin: &str) -> Result<()> {
        let mut m = Box::new([false; 10000]);
        for (n, l) in lines(text) {
            let p = l.trim();
            if !(3..=5).contains(&p.len()) || !p.starts_with('1') || digits_value(p).is_none() {
                return Err(bad(
                    origin,
                    n,
                    format!("{p:?} is not a 3- to 5-digit mobile prefix"),
                ));
            }
            let rest: u32 = if p.len() > 1 {
                p[1..].parse().unwrap()
            } else {
                0
            };
            let span = 10u32.pow(5 - p.len() as u32);
            let start = rest * span;
            for i in start..start + span {
                m[i as usize] = true;
            }
        }
        self.mobile = m;
        Ok(())
    }

    /// Replace the IP-dial prefix list: one 5-digit prefix per line.
    pub fn set_ip_prefixes(&mut self, text: &str, origin: &str) -> Result<()> {
        let mut v = Vec::new();
        for (n, l) in lines(text) {
            let p = l.trim();
            let x = digits_value(p)
                .filter(|_| p.len() == 5)
                .ok_or_else(|| bad(origin, n, format!("{p:?} is not a 5-digit prefix")))?;
            v.push(x);
        }
        v.sort_unstable();
        v.dedup();
        self.ip = v;
        Ok(())
    }

    /// Load a replacement table file (`kind` is "area_codes", "mobile_prefixes" or "ip_prefixes").
    pub fn load_file(&mut self, kind: &str, path: &Path) -> Result<()> {
        let text = std::fs::read_to_string(path).map_err(io_err(path))?;
        let origin = path.display().to_string();
        match kind {
            "area_codes" => self.set_area_codes(&text, &origin),
            "mobile_prefixes" => self.set_mobile_prefixes(&text, &origin),
            "ip_prefixes" => self.set_ip_prefixes(&text, &origin),
            _ => Err(CalllistError::Config(format!(
                "unknown table kind {kind:?}"
            ))),
        }
    }

    /// Subscriber lengths allowed after an area code (bit 0: 7 digits, bit 1: 8 digits; 0 = unknown).
    pub fn area_mask(&self, code: u32) -> u8 {
        if code < 1000 {
            self.area[code as usize]
        } else {
            0
        }
    }

    /// The city name(s) recorded for an area code.
    pub fn area_city(&self, code: u32) -> Option<&str> {
        self.area_city
            .iter()
            .find(|(c, _)| *c as u32 == code)
            .map(|(_, s)| s.as_str())
    }

    /// All area codes in the table (without trunk 0).
    pub fn area_codes(&self) -> Vec<u32> {
        (0..1000u32)
            .filter(|&c| self.area[c as usize] != 0)
            .collect()
    }

    #[inline]
    pub(crate) fn is_ip_prefix(&self, v: u32) -> bool {
        self.ip.binary_search(&v).is_ok()
    }
}
