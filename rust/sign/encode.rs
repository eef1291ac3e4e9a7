//! The percent-encoding ("Normalize") of Huawei auth-v2.
//!
//! Every byte outside the RFC 3986 unreserved set `A-Z a-z 0-9 - . _ ~` becomes `%` plus two
//! uppercase hex digits (the demo's `PathUtils` bit set, with the missing `%` of the printed
//! listing restored as auth.md 4.2.4 row 6 resolves). Strings are taken as their UTF-8 bytes.
//!
//! Written here rather than taken from the `percent-encoding` crate because this is the hot loop
//! of signing: encoding straight into the HMAC through [`Sink`] avoids building the
//! (up to three times larger) encoded body at all.

/// `true` for the bytes that pass through unchanged.
const UNRESERVED: [bool; 256] = {
    let mut t = [false; 256];
    let mut b = 0;
    while b < 256 {
        let c = b as u8;
        t[b] = c.is_ascii_alphanumeric() || c == b'-' || c == b'.' || c == b'_' || c == b'~';
        b += 1;
    }
    t
};

const HEX_UPPER: &[u8; 16] = b"0123456789ABCDEF";

/// Something canonical text can be written to: a `Vec<u8>` (to show it) or a MAC (to sign it).
pub trait Sink {
    fn put(&mut self, bytes: &[u8]);
}

impl Sink for Vec<u8> {
    #[inline]
    fn put(&mut self, bytes: &[u8]) {
        self.extend_from_slice(bytes);
    }
}

/// Writes `normalize(input)` to `sink`, in runs: unreserved runs are passed as one slice and the
/// escapes are collected in a small stack buffer, so a sink sees few, large writes.
pub fn normalize_into<S: Sink + ?Sized>(input: &[u8], sink: &mut S) {
    let mut buf = [0u8; 1024];
    let mut fill = 0usize;
    let mut run_start = 0usize;
    for (i, &b) in input.iter().enumerate() {
        if UNRESERVED[b as usize] {
            continue;
        }
        // flush the unreserved run before this byte
        if run_start < i {
            if fill > 0 {
                sink.put(&buf[..fill]);
                fill = 0;
            }
            sink.put(&input[run_start..i]);
        }
        if fill + 3 > buf.len() {
            sink.put(&buf[..fill]);
            fill = 0;
        }
        buf[fill] = b'%';
        buf[fill + 1] = HEX_UPPER[(b >> 4) as usize];
        buf[fill + 2] = HEX_UPPER[(b & 0x0f) as usize];
        fill += 3;
        run_start = i + 1;
    }
    if fill > 0 {
        sink.put(&buf[..fill]);
    }
    if run_start < input.len() {
        sink.put(&input[run_start..]);
    }
}

/// `normalize` as a `String`.
pub fn normalize(input: &[u8]) -> String {
    let mut out = Vec::with_capacity(input.len() + input.len() / 2);
    normalize_into(input, &mut out);
    // only ASCII is ever written
    String::from_utf8(out).expect("percent-encoding writes ASCII only")
}

/// Lowercase hex of `bytes`.
pub fn hex_lower(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len() * 2);
    push_hex_lower(bytes, &mut out);
    out
}

/// Appends the lowercase hex of `bytes` to `out`.
pub fn push_hex_lower(bytes: &[u8], out: &mut String) {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    out.reserve(bytes.len() * 2);
    for &b in bytes {
        out.push(HEX[(b >> 4) as usize] as char);
        out.push(HEX[(b & 0x0f) as usize] as char);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unreserved_pass_through() {
        let s = "AZaz09-._~";
        assert_eq!(normalize(s.as_bytes()), s);
    }

    #[test]
    fn reserved_and_unicode_escape_uppercase() {
        assert_eq!(
            normalize(b"a b/c:d;e=f\"{!"),
            "a%20b%2Fc%3Ad%3Be%3Df%22%7B%21"
        );
        assert_eq!(normalize("呼".as_bytes()), "%E5%91%BC");
        assert_eq!(normalize(b"%"), "%25");
        assert_eq!(normalize(b"+"), "%2B");
    }

    #[test]
    fn long_escape_runs_cross_the_buffer() {
        let input = vec![b'/'; 5000];
        let out = normalize(&input);
        assert_eq!(out.len(), 15000);
        assert!(out
            .chars()
            .collect::<Vec<_>>()
            .chunks(3)
            .all(|c| c == ['%', '2', 'F']));
    }

    #[test]
    fn every_byte() {
        for b in 0u8..=255 {
            let out = normalize(&[b]);
            if UNRESERVED[b as usize] {
                assert_eq!(out.as_bytes(), &[b]);
            } else {
                assert_eq!(out, format!("%{:02X}", b));
            }
        }
    }
}
