//! Rational polyphase resampler (L/M) with a Kaiser-windowed sinc prototype.
//!
//! Design rule: with `f = min(f_in, f_out) / 2`, the passband ends at `0.9 f` and the stopband
//! starts at `1.1 f` (6 kHz -> 8 kHz: 2.7 kHz / 3.3 kHz), for at least 80 dB of rejection
//! (Kaiser beta 7.86). The output is delay-compensated: sample n of the output is aligned with
//! time n / f_out of the input, and a stream of N input samples gives ceil(N * L / M) outputs.

/// Stopband attenuation the prototype is designed for, in dB.
pub const DESIGN_ATTENUATION_DB: f64 = 80.0;

use std::sync::Arc;

use super::limits::{self, LimitExceeded};

fn gcd(a: u64, b: u64) -> u64 {
    if b == 0 {
        a
    } else {
        gcd(b, a % b)
    }
}

fn bessel_i0(x: f64) -> f64 {
    let (mut sum, mut term, mut k) = (1.0f64, 1.0f64, 1.0f64);
    loop {
        term *= (x / (2.0 * k)).powi(2);
        sum += term;
        if term < sum * 1e-17 {
            return sum;
        }
        k += 1.0;
    }
}

/// The filter's shape for `f_in -> f_out`: (taps, L, M), taps a whole number of phases.
/// Nothing is allocated, so the size can be checked first.
fn shape(f_in: u32, f_out: u32) -> (u64, u64, u64) {
    let g = gcd(f_in as u64, f_out as u64);
    let l = f_out as u64 / g;
    let m = f_in as u64 / g;
    let fs_up = f_in as f64 * l as f64;
    let half = f_in.min(f_out) as f64 / 2.0;
    let dw = 2.0 * std::f64::consts::PI * (0.2 * half) / fs_up;
    let n = ((DESIGN_ATTENUATION_DB - 8.0) / (2.285 * dw)).ceil() as u64 + 1;
    (n.div_ceil(l) * l, l, m)
}

/// Checks both rates against [`limits`] and the filter `f_in -> f_out` needs against
/// [`limits::MAX_RESAMPLER_TAPS`], before anything is allocated. The tap count grows with
/// L = f_out / gcd(f_in, f_out) and with the ratio f_in / f_out: 1,000 -> 191,999 Hz would
/// need 9.8 million taps.
pub fn check(f_in: u32, f_out: u32) -> Result<(), LimitExceeded> {
    limits::sample_rate("input rate", f_in)?;
    limits::sample_rate("output rate", f_out)?;
    let (taps, _, _) = shape(f_in, f_out);
    if taps > limits::MAX_RESAMPLER_TAPS {
        return Err(LimitExceeded {
            what: format!("resampling {f_in} Hz -> {f_out} Hz needs a filter whose tap count"),
            value: taps,
            limit: limits::MAX_RESAMPLER_TAPS,
            unit: "",
            below: false,
        });
    }
    Ok(())
}

/// The prototype low-pass filter at rate `L * f_in`, gain `L`, plus L and M. The rates and
/// the filter size are checked first ([`check`]).
pub fn design(f_in: u32, f_out: u32) -> Result<(Vec<f64>, usize, usize), LimitExceeded> {
    check(f_in, f_out)?;
    let (n, l, m) = shape(f_in, f_out);
    let (n, l, m) = (n as usize, l as usize, m as usize);
    let fs_up = f_in as f64 * l as f64;
    let half = f_in.min(f_out) as f64 / 2.0;
    let (pass, stop) = (0.9 * half, 1.1 * half);
    let a = DESIGN_ATTENUATION_DB;
    let beta = 0.1102 * (a - 8.7);
    let fc = (pass + stop) / 2.0 / fs_up; // cycles per upsampled sample
                                          // an odd symmetric design (integer group delay), zero-padded to the whole-phase length
    let nd = if n % 2 == 0 { n - 1 } else { n };
    let mid = (nd - 1) as f64 / 2.0;
    let mut h: Vec<f64> = (0..nd)
        .map(|j| {
            let t = j as f64 - mid;
            let sinc = if t == 0.0 {
                2.0 * fc
            } else {
                (2.0 * std::f64::consts::PI * fc * t).sin() / (std::f64::consts::PI * t)
            };
            let r = t / mid;
            let w = bessel_i0(beta * (1.0 - r * r).max(0.0).sqrt()) / bessel_i0(beta);
            l as f64 * sinc * w
        })
        .collect();
    h.resize(n, 0.0);
    Ok((h, l, m))
}

/// Magnitude response (linear) of the prototype at `f` Hz, normalised by L (1.0 = unity).
pub fn response(h: &[f64], l: usize, f_in: u32, f: f64) -> f64 {
    let fs_up = f_in as f64 * l as f64;
    let w = 2.0 * std::f64::consts::PI * f / fs_up;
    let (mut re, mut im) = (0.0, 0.0);
    for (j, c) in h.iter().enumerate() {
        re += c * (w * j as f64).cos();
        im -= c * (w * j as f64).sin();
    }
    (re * re + im * im).sqrt() / l as f64
}

/// Streaming mono resampler. Clones share the filter (one per conversion, not per channel).
#[derive(Clone)]
pub struct Resampler {
    l: usize,
    m: usize,
    k: usize,
    /// phase p, taps reversed so that a dot product with the input window is contiguous
    phases: Arc<[Vec<f32>]>,
    buf: Vec<f32>,
    /// position of the next output, in upsampled units, relative to buf[k - 1]
    u_rel: usize,
    consumed: u64,
    produced: u64,
    f_in: u32,
    f_out: u32,
}

impl Resampler {
    /// A resampler from `f_in` to `f_out` Hz; refused past [`limits`] (see [`check`]).
    pub fn new(f_in: u32, f_out: u32) -> Result<Self, LimitExceeded> {
        let (h, l, m) = design(f_in, f_out)?;
        let k = h.len() / l;
        let phases = (0..l)
            .map(|p| (0..k).rev().map(|j| h[j * l + p] as f32).collect())
            .collect();
        let delay = if h.len() % 2 == 0 {
            (h.len() - 2) / 2
        } else {
            (h.len() - 1) / 2
        };
        Ok(Resampler {
            l,
            m,
            k,
            phases,
            buf: vec![0.0; k - 1],
            u_rel: delay,
            consumed: 0,
            produced: 0,
            f_in,
            f_out,
        })
    }

    /// (L, M, taps per phase).
    pub fn shape(&self) -> (usize, usize, usize) {
        (self.l, self.m, self.k)
    }

    fn expected(&self) -> u64 {
        (self.consumed * self.l as u64).div_ceil(self.m as u64)
    }

    fn run(&mut self, out: &mut Vec<i16>, limit: u64) {
        let avail = self.buf.len() - (self.k - 1);
        while self.u_rel / self.l < avail && self.produced < limit {
            let i = self.u_rel / self.l;
            let p = self.u_rel % self.l;
            let taps = &self.phases[p];
            let win = &self.buf[i..i + self.k];
            let mut acc = [0f32; 8];
            let mut tc = taps.chunks_exact(8);
            let mut wc = win.chunks_exact(8);
            for (t, x) in (&mut tc).zip(&mut wc) {
                for q in 0..8 {
                    acc[q] += t[q] * x[q];
                }
            }
            let mut s: f32 = acc.iter().sum();
            for (t, x) in tc.remainder().iter().zip(wc.remainder()) {
                s += t * x;
            }
            out.push(s.round().clamp(-32768.0, 32767.0) as i16);
            self.produced += 1;
            self.u_rel += self.m;
        }
        // keep the last k-1 input samples
        let drop = (self.u_rel / self.l).min(avail);
        self.buf.drain(..drop);
        self.u_rel -= drop * self.l;
    }

    /// Feeds input, appending whatever output is ready.
    pub fn process(&mut self, input: &[i16], out: &mut Vec<i16>) {
        if self.l == self.m {
            out.extend_from_slice(input);
            return;
        }
        self.buf.extend(input.iter().map(|&x| x as f32));
        self.consumed += input.len() as u64;
        self.run(out, u64::MAX);
    }

    /// Flushes the filter tail so that the total output is ceil(N * L / M) samples.
    pub fn finish(&mut self, out: &mut Vec<i16>) {
        if self.l == self.m {
            return;
        }
        let limit = self.expected();
        let zeros = self.k + self.u_rel / self.l + 1;
        self.buf.extend(std::iter::repeat_n(0.0, zeros));
        self.run(out, limit);
    }

    /// Input and output rates.
    pub fn rates(&self) -> (u32, u32) {
        (self.f_in, self.f_out)
    }
}

/// One-shot convenience; refused past [`limits`] (see [`check`]).
pub fn resample(input: &[i16], f_in: u32, f_out: u32) -> Result<Vec<i16>, LimitExceeded> {
    let mut r = Resampler::new(f_in, f_out)?;
    let mut out =
        Vec::with_capacity((input.len() as u64 * f_out as u64 / f_in as u64) as usize + 16);
    r.process(input, &mut out);
    r.finish(&mut out);
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn db(x: f64) -> f64 {
        20.0 * x.log10()
    }

    #[test]
    fn passband_ripple_and_stopband_rejection_6k_to_8k() {
        for (fi, fo) in [
            (6000u32, 8000u32),
            (6000, 16000),
            (8000, 16000),
            (16000, 8000),
        ] {
            let (h, l, _) = design(fi, fo).unwrap();
            let half = fi.min(fo) as f64 / 2.0;
            let pass: Vec<f64> = (0..=270)
                .map(|i| response(&h, l, fi, i as f64 / 270.0 * 0.9 * half))
                .collect();
            let ripple = db(pass.iter().cloned().fold(0.0, f64::max))
                - db(pass.iter().cloned().fold(f64::MAX, f64::min));
            assert!(ripple < 0.01, "{fi}->{fo}: ripple {ripple} dB");
            let fs_up = fi as f64 * l as f64;
            let worst = (0..=2000)
                .map(|i| 1.1 * half + (fs_up / 2.0 - 1.1 * half) * i as f64 / 2000.0)
                .map(|f| response(&h, l, fi, f))
                .fold(0.0, f64::max);
            assert!(db(worst) < -75.0, "{fi}->{fo}: stopband {} dB", db(worst));
        }
    }

    #[test]
    fn length_and_alignment() {
        let x: Vec<i16> = (0..6000)
            .map(|i| {
                ((i as f64 * 2.0 * std::f64::consts::PI * 500.0 / 6000.0).sin() * 10000.0) as i16
            })
            .collect();
        let y = resample(&x, 6000, 8000).unwrap();
        assert_eq!(y.len(), 8000);
        // compare with the analytic sine at 8 kHz away from the edges
        let mut err = 0f64;
        for (n, v) in y.iter().enumerate().skip(200).take(7600) {
            let want = (n as f64 * 2.0 * std::f64::consts::PI * 500.0 / 8000.0).sin() * 10000.0;
            err = err.max((want - *v as f64).abs());
        }
        assert!(err < 6.0, "max error {err}");
        // chunked streaming equals one-shot
        let mut r = Resampler::new(6000, 8000).unwrap();
        let mut z = Vec::new();
        for c in x.chunks(123) {
            r.process(c, &mut z);
        }
        r.finish(&mut z);
        assert_eq!(z, y);
        assert_eq!(resample(&x[..7], 6000, 16000).unwrap().len(), 19);
    }

    #[test]
    fn filter_size_is_checked_before_allocating() {
        // the call: audio.resample(pcm, 1, 4294967295) asked for 344 GB and aborted
        let e = resample(&[0; 10], 1, u32::MAX).unwrap_err();
        assert_eq!(
            e.to_string(),
            "input rate 1 Hz is below the minimum of 1000 Hz"
        );
        let e = resample(&[0; 10], 8000, u32::MAX).unwrap_err();
        assert_eq!(
            e.to_string(),
            "output rate 4294967295 Hz is above the limit of 192000 Hz"
        );
        // within the rate limits, coprime rates need millions of taps: refused by size
        let e = check(1000, 191_999).unwrap_err();
        assert!(e.value > limits::MAX_RESAMPLER_TAPS, "{e}");
        assert!(e.to_string().contains("1000 Hz -> 191999 Hz"), "{e}");
        // every pair of the usual rates fits
        let usual = [
            6000u32, 8000, 11025, 12000, 16000, 22050, 24000, 32000, 44100, 48000, 96000, 192000,
        ];
        for a in usual {
            for b in usual {
                let (taps, _, _) = shape(a, b);
                assert!(taps <= 130_560, "{a} -> {b}: {taps} taps");
            }
        }
    }
}
