//! The crate's one number formatter: unsigned integers to decimal digits (the call-list
//! writers' hot path) and the text of a number a spreadsheet or Python holds as a float.

/// Writes `v`'s decimal digits at the start of `out` (>= 20 bytes), two per step from the
/// end; returns how many.
#[inline]
pub fn write_u64(mut v: u64, out: &mut [u8]) -> usize {
    const PAIRS: &[u8; 200] = b"0001020304050607080910111213141516171819\
        2021222324252627282930313233343536373839\
        4041424344454647484950515253545556575859\
        6061626364656667686970717273747576777879\
        8081828384858687888990919293949596979899";
    // the digit count without a division per digit
    let n = v.checked_ilog10().unwrap_or(0) as usize + 1;
    let mut i = n;
    while v >= 100 {
        let r = (v % 100) as usize * 2;
        v /= 100;
        i -= 2;
        out[i] = PAIRS[r];
        out[i + 1] = PAIRS[r + 1];
    }
    if v >= 10 {
        let r = v as usize * 2;
        out[i - 2] = PAIRS[r];
        out[i - 1] = PAIRS[r + 1];
    } else {
        out[i - 1] = b'0' + v as u8;
    }
    n
}

/// The text of a number held as a float: a whole number as its integer digits (a phone number
/// read by Excel or pandas as `13912345678.0` is `13912345678`), anything else in the shortest
/// form that reads back to the same float.
pub fn float_text(f: f64, out: &mut String) {
    use std::fmt::Write;
    // below 1e18 a whole float is an exact i64
    if f.fract() == 0.0 && f.abs() < 1e18 {
        let _ = write!(out, "{}", f as i64);
    } else {
        let _ = write!(out, "{f}");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn integers_and_floats() {
        for v in [0u64, 7, 10, 99, 100, 12345, 13912345678, u64::MAX] {
            let mut b = [0u8; 24];
            let n = write_u64(v, &mut b);
            assert_eq!(&b[..n], v.to_string().as_bytes());
        }
        let text = |f: f64| {
            let mut s = String::new();
            float_text(f, &mut s);
            s
        };
        assert_eq!(text(13912345678.0), "13912345678");
        assert_eq!(text(-3.0), "-3");
        assert_eq!(text(1.5), "1.5");
        assert_eq!(text(1e20), "100000000000000000000");
    }
}
