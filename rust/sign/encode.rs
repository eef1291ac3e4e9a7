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

    /// Writes `normalize(input)`: by default encoded a chunk at a time into a stack buffer, so
    /// that a MAC sees one large write per 512 input bytes instead of one per run of unreserved
    /// bytes (a JSON body alternates short runs and escapes, and each small MAC update cost more
    /// than the encoding itself).
    fn put_normalized(&mut self, input: &[u8]) {
        if input.len() <= SMALL {
            // a header value: a buffer of its size, not a 1.5 KB one to clear
            let mut buf = [0u8; 3 * SMALL + 4];
            let n = encode_into(input, &mut buf);
            self.put(&buf[..n]);
            return;
        }
        let mut buf = [0u8; 3 * CHUNK + 4];
        for chunk in input.chunks(CHUNK) {
            let n = encode_into(chunk, &mut buf);
            self.put(&buf[..n]);
        }
    }
}

impl Sink for Vec<u8> {
    #[inline]
    fn put(&mut self, bytes: &[u8]) {
        self.extend_from_slice(bytes);
    }

    /// Encoded straight into the vector's spare room: no stack buffer to clear and copy.
    fn put_normalized(&mut self, input: &[u8]) {
        let start = self.len();
        self.resize(start + 3 * input.len() + 4, 0);
        let n = encode_into(input, &mut self[start..]);
        self.truncate(start + n);
    }
}

/// What `normalize` writes for each byte, packed for one 4-byte store: the output bytes in the
/// low three bytes (little-endian: the first byte written is the lowest) and their count (1 or 3)
/// in the top byte.
const ENCODED: [u32; 256] = {
    let mut t = [0u32; 256];
    let mut b = 0;
    while b < 256 {
        t[b] = if UNRESERVED[b] {
            (1 << 24) | b as u32
        } else {
            (3 << 24)
                | (HEX_UPPER[b & 0x0f] as u32) << 16
                | (HEX_UPPER[b >> 4] as u32) << 8
                | b'%' as u32
        };
        b += 1;
    }
    t
};

/// Input bytes encoded per flush of the default [`Sink::put_normalized`]: their encoding (at
/// most 3 bytes each) fits its stack buffer.
const CHUNK: usize = 512;
/// Inputs this short are encoded in one small stack buffer.
const SMALL: usize = 64;

/// Whether normalizing `text` leaves it unchanged (every byte unreserved).
pub fn is_unreserved_text(text: &[u8]) -> bool {
    text.iter().all(|&b| UNRESERVED[b as usize])
}

/// Encodes `input` into `out` (which has room for `3 * input.len() + 4` bytes) and returns the
/// encoded length. Each byte is one table load and one 4-byte store; the store's spare byte is
/// overwritten by the next one or cut off by the caller.
#[inline]
fn encode_into(input: &[u8], out: &mut [u8]) -> usize {
    let mut n = 0usize;
    for &b in input {
        let e = ENCODED[b as usize];
        // an array assignment is one 4-byte store (copy_from_slice can become a memmove call)
        let slot: &mut [u8; 4] = (&mut out[n..n + 4]).try_into().expect("4 bytes");
        *slot = e.to_le_bytes();
        n += (e >> 24) as usize;
    }
    n
}

/// Writes `normalize(input)` to `sink` (see [`Sink::put_normalized`]).
#[inline]
pub fn normalize_into<S: Sink + ?Sized>(input: &[u8], sink: &mut S) {
    sink.put_normalized(input);
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
    // a digest at a time through a stack buffer: one append instead of a push (and its capacity
    // check) per character
    let mut buf = [0u8; 64];
    for chunk in bytes.chunks(32) {
        for (i, &b) in chunk.iter().enumerate() {
            buf[2 * i] = HEX[(b >> 4) as usize];
            buf[2 * i + 1] = HEX[(b & 0x0f) as usize];
        }
        out.push_str(std::str::from_utf8(&buf[..2 * chunk.len()]).expect("hex digits are ASCII"));
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

    /// The byte-at-a-time definition, to check the chunked encoder against.
    fn normalize_reference(input: &[u8]) -> String {
        input
            .iter()
            .map(|&b| {
                if UNRESERVED[b as usize] {
                    (b as char).to_string()
                } else {
                    format!("%{b:02X}")
                }
            })
            .collect()
    }

    #[test]
    fn mixed_input_across_chunk_boundaries() {
        // lengths around the chunk size, every byte value, escapes straddling each flush
        let pattern: Vec<u8> = (0u8..=255).chain(b"abc-._~XYZ".iter().copied()).collect();
        for len in [0, 1, CHUNK - 1, CHUNK, CHUNK + 1, 2 * CHUNK + 7, 5000] {
            let input: Vec<u8> = pattern.iter().copied().cycle().take(len).collect();
            assert_eq!(
                normalize(&input),
                normalize_reference(&input),
                "length {len}"
            );
        }
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
