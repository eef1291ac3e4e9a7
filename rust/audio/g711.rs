//! G.711 A-law and µ-law, bit-exact with ITU-T G.191 (STL `g711.c`) and CPython's `audioop`.
//!
//! Decoding is a 256-entry table per law. Encoding truncates like the references: A-law works on
//! `x >> 3` (13 bits), µ-law on `x >> 2` (14 bits); both are table lookups on that shifted value.

/// A-law code to PCM16 (G.191 `alaw_expand`, left-justified 13-bit values).
pub static ALAW_TO_LINEAR: [i16; 256] = build_alaw_decode();
/// µ-law code to PCM16 (G.191 `ulaw_expand`, left-justified 14-bit values).
pub static ULAW_TO_LINEAR: [i16; 256] = build_ulaw_decode();
static ALAW_ENCODE: [u8; 8192] = build_alaw_encode();
static ULAW_ENCODE: [u8; 16384] = build_ulaw_encode();

const fn alaw_expand(code: u8) -> i16 {
    let ix = (code ^ 0x55) & 0x7F;
    let exp = (ix >> 4) as i32;
    let mut mant = (ix & 15) as i32;
    if exp > 0 {
        mant += 16;
    }
    mant = (mant << 4) + 8;
    if exp > 1 {
        mant <<= exp - 1;
    }
    if code > 127 {
        mant as i16
    } else {
        -mant as i16
    }
}

const fn ulaw_expand(code: u8) -> i16 {
    // G.191: sign = code < 0x80 (negative), exponent, mantissa with bias 33 removed.
    let sign = code < 0x80;
    let exp = ((0x7F - (code & 0x7F)) >> 4) as i32;
    let mant = (0x0F - (code & 0x0F)) as i32;
    let mag = (((mant << 3) + 0x84) << exp) - 0x84;
    if sign {
        -mag as i16
    } else {
        mag as i16
    }
}

const fn build_alaw_decode() -> [i16; 256] {
    let mut t = [0i16; 256];
    let mut i = 0;
    while i < 256 {
        t[i] = alaw_expand(i as u8);
        i += 1;
    }
    t
}

const fn build_ulaw_decode() -> [i16; 256] {
    let mut t = [0i16; 256];
    let mut i = 0;
    while i < 256 {
        t[i] = ulaw_expand(i as u8);
        i += 1;
    }
    t
}

/// A-law code for a 13-bit two's-complement value (`pcm16 >> 3`), truncating (G.191 / audioop).
const fn alaw_compress13(v: i32) -> u8 {
    let (mask, mut mag) = if v >= 0 {
        (0xD5u8, v)
    } else {
        (0x55u8, -v - 1)
    };
    if mag >= 4096 {
        mag = 4095;
    }
    // segment = number of significant bits above the 5-bit first segment
    let aval = if mag < 32 {
        mag >> 1
    } else {
        let mut seg = 1;
        while mag >= (32 << seg) {
            seg += 1;
        }
        // seg in 1..=7, mag in [16 << seg, 32 << seg)
        (seg << 4) | ((mag >> seg) & 0x0F)
    };
    (aval as u8) ^ mask
}

/// µ-law code for a 14-bit two's-complement value (`pcm16 >> 2`), as audioop / Sun g711.c.
const fn ulaw_compress14(v: i32) -> u8 {
    let (mask, mut mag) = if v < 0 { (0x7Fu8, -v) } else { (0xFFu8, v) };
    if mag > 8159 {
        mag = 8159;
    }
    mag += 0x84 >> 2;
    let mut seg = 0;
    while seg < 8 && mag > ((0x40 << seg) - 1) {
        seg += 1;
    }
    if seg >= 8 {
        return 0x7F ^ mask;
    }
    (((seg << 4) | ((mag >> (seg + 1)) & 0x0F)) as u8) ^ mask
}

const fn build_alaw_encode() -> [u8; 8192] {
    let mut t = [0u8; 8192];
    let mut i = 0;
    while i < 8192 {
        t[i] = alaw_compress13(i as i32 - 4096);
        i += 1;
    }
    t
}

const fn build_ulaw_encode() -> [u8; 16384] {
    let mut t = [0u8; 16384];
    let mut i = 0;
    while i < 16384 {
        t[i] = ulaw_compress14(i as i32 - 8192);
        i += 1;
    }
    t
}

/// PCM16 sample to A-law.
#[inline(always)]
pub fn linear_to_alaw(x: i16) -> u8 {
    ALAW_ENCODE[((x >> 3) as i32 + 4096) as usize]
}

/// PCM16 sample to µ-law.
#[inline(always)]
pub fn linear_to_ulaw(x: i16) -> u8 {
    ULAW_ENCODE[((x >> 2) as i32 + 8192) as usize]
}

/// The two G.711 laws.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Law {
    /// A-law (Europe, China; WAVE format tag 6).
    Alaw,
    /// µ-law (North America, Japan; WAVE format tag 7).
    Ulaw,
}

impl Law {
    /// The decode table of this law.
    pub fn table(self) -> &'static [i16; 256] {
        match self {
            Law::Alaw => &ALAW_TO_LINEAR,
            Law::Ulaw => &ULAW_TO_LINEAR,
        }
    }
}

/// Decodes `codes` into `out[..codes.len()]`.
pub fn decode_into(codes: &[u8], law: Law, out: &mut [i16]) {
    let t = law.table();
    for (o, &c) in out[..codes.len()].iter_mut().zip(codes) {
        *o = t[c as usize];
    }
}

/// Decodes `codes`, appending to `out`.
pub fn decode_into_vec(codes: &[u8], law: Law, out: &mut Vec<i16>) {
    let t = law.table();
    out.extend(codes.iter().map(|&c| t[c as usize]));
}

/// Decodes a whole G.711 buffer.
pub fn decode(codes: &[u8], law: Law) -> Vec<i16> {
    let t = law.table();
    codes.iter().map(|&c| t[c as usize]).collect()
}

/// Encodes PCM16 into `out` (at least `pcm.len()` bytes), one code per sample.
pub fn encode_to_slice(pcm: &[i16], law: Law, out: &mut [u8]) {
    let out = &mut out[..pcm.len()];
    match law {
        Law::Alaw => out
            .iter_mut()
            .zip(pcm)
            .for_each(|(o, &x)| *o = linear_to_alaw(x)),
        Law::Ulaw => out
            .iter_mut()
            .zip(pcm)
            .for_each(|(o, &x)| *o = linear_to_ulaw(x)),
    }
}

/// Encodes PCM16, appending one byte per sample to `out`.
pub fn encode_into(pcm: &[i16], law: Law, out: &mut Vec<u8>) {
    match law {
        Law::Alaw => out.extend(pcm.iter().map(|&x| linear_to_alaw(x))),
        Law::Ulaw => out.extend(pcm.iter().map(|&x| linear_to_ulaw(x))),
    }
}

/// Encodes a whole PCM16 buffer.
pub fn encode(pcm: &[i16], law: Law) -> Vec<u8> {
    let mut out = Vec::with_capacity(pcm.len());
    encode_into(pcm, law, &mut out);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn alaw_table_known_values() {
        assert_eq!(ALAW_TO_LINEAR[0xD5], 8);
        assert_eq!(ALAW_TO_LINEAR[0x55], -8);
        assert_eq!(&ALAW_TO_LINEAR[..4], &[-5504, -5248, -6016, -5760]);
        assert_eq!(
            ALAW_TO_LINEAR.iter().map(|v| v.unsigned_abs()).max(),
            Some(32256)
        );
    }

    #[test]
    fn ulaw_table_known_values() {
        assert_eq!(ULAW_TO_LINEAR[0xFF], 0);
        assert_eq!(ULAW_TO_LINEAR[0x7F], 0);
        assert_eq!(ULAW_TO_LINEAR[0x80], 32124);
        assert_eq!(ULAW_TO_LINEAR[0x00], -32124);
    }

    #[test]
    fn encode_decode_is_idempotent_on_codes() {
        for law in [Law::Alaw, Law::Ulaw] {
            for c in 0..=255u8 {
                let x = law.table()[c as usize];
                let back = encode(&[x], law)[0];
                // every decoded value re-encodes to a code decoding to the same value
                assert_eq!(law.table()[back as usize], x, "{law:?} {c:#x}");
            }
        }
    }

    #[test]
    fn alaw_encoding_is_monotonic() {
        let mut last = i16::MIN;
        for x in (i16::MIN..=i16::MAX).step_by(3) {
            let y = ALAW_TO_LINEAR[linear_to_alaw(x) as usize];
            assert!(y >= last);
            last = y;
        }
    }
}
