//! Small signal helpers: DC blocker, track merge and mixdown, and the statistics used by
//! `--variant auto` and codec sniffing.

/// One-pole DC blocker `y[n] = a (x[n] - x[n-1]) + b y[n-1]`, `b = exp(-120 / rate)`,
/// `a = (1 + b) / 2` (unity gain at Nyquist; corner ≈ 19 Hz), the filter libsndfile PR #85
/// proposed against ADPCM drift.
#[derive(Debug, Clone)]
pub struct DcBlocker {
    a: f32,
    b: f32,
    x1: f32,
    y1: f32,
}

impl DcBlocker {
    /// A blocker for a stream at `rate` Hz.
    pub fn new(rate: u32) -> Self {
        let b = (-120.0f64 / rate as f64).exp() as f32;
        DcBlocker {
            a: (1.0 + b) / 2.0,
            b,
            x1: 0.0,
            y1: 0.0,
        }
    }

    /// Filters in place.
    pub fn process(&mut self, pcm: &mut [i16]) {
        for s in pcm {
            let x = *s as f32;
            let y = self.a * (x - self.x1) + self.b * self.y1;
            self.x1 = x;
            self.y1 = y;
            *s = y.round().clamp(-32768.0, 32767.0) as i16;
        }
    }
}

/// Interleaves mono tracks into one multichannel buffer; shorter tracks are padded with silence.
pub fn interleave(tracks: &[&[i16]]) -> Vec<i16> {
    let n = tracks.iter().map(|t| t.len()).max().unwrap_or(0);
    let c = tracks.len();
    let mut out = vec![0i16; n * c];
    for (ch, t) in tracks.iter().enumerate() {
        for (i, &s) in t.iter().enumerate() {
            out[i * c + ch] = s;
        }
    }
    out
}

/// Mixes mono tracks into one by summing with saturation (the parties of a call rarely talk
/// at once, so summing keeps each voice at its level; a sum beyond full scale is clipped).
pub fn mixdown(tracks: &[&[i16]]) -> Vec<i16> {
    let n = tracks.iter().map(|t| t.len()).max().unwrap_or(0);
    let mut acc = vec![0i32; n];
    for t in tracks {
        for (a, &s) in acc.iter_mut().zip(t.iter()) {
            *a += s as i32;
        }
    }
    acc.into_iter()
        .map(|a| a.clamp(-32768, 32767) as i16)
        .collect()
}

/// Statistics of a decoded stretch, used to tell a right decode from a wrong one.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Stats {
    /// |mean| / 32768.
    pub dc: f64,
    /// RMS of the 250 ms window means / 32768: the wandering baseline of a mismatched decoder.
    pub drift: f64,
    /// Fraction of samples at or within 16 of a rail.
    pub clipped: f64,
}

impl Stats {
    /// A single badness score (lower is better).
    pub fn score(&self) -> f64 {
        self.dc + self.drift + 4.0 * self.clipped
    }
}

/// Computes [`Stats`] over `pcm` sampled at `rate`.
pub fn stats(pcm: &[i16], rate: u32) -> Stats {
    if pcm.is_empty() {
        return Stats {
            dc: 0.0,
            drift: 0.0,
            clipped: 0.0,
        };
    }
    let sum: f64 = pcm.iter().map(|&s| s as f64).sum();
    let clipped = pcm.iter().filter(|&&s| s >= 32752 || s <= -32752).count();
    let win = (rate as usize / 4).max(1);
    let (mut sq, mut nw) = (0.0f64, 0usize);
    for w in pcm.chunks(win) {
        let m = w.iter().map(|&s| s as f64).sum::<f64>() / w.len() as f64;
        sq += m * m;
        nw += 1;
    }
    Stats {
        dc: (sum / pcm.len() as f64).abs() / 32768.0,
        drift: (sq / nw as f64).sqrt() / 32768.0,
        clipped: clipped as f64 / pcm.len() as f64,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dc_blocker_removes_offset() {
        let mut x: Vec<i16> = (0..16000)
            .map(|i| 3000 + ((i as f64 * 0.4).sin() * 3000.0) as i16)
            .collect();
        DcBlocker::new(8000).process(&mut x);
        let tail = &x[8000..];
        let mean = tail.iter().map(|&s| s as f64).sum::<f64>() / tail.len() as f64;
        assert!(mean.abs() < 20.0, "{mean}");
    }

    #[test]
    fn merge_and_mix() {
        let a = [1i16, 2, 3];
        let b = [10i16, 20];
        assert_eq!(interleave(&[&a, &b]), vec![1, 10, 2, 20, 3, 0]);
        assert_eq!(mixdown(&[&a, &b]), vec![11, 22, 3]);
        assert_eq!(mixdown(&[&[30000], &[30000]]), vec![32767]);
    }
}
