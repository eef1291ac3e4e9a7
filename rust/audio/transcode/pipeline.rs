//! Decoder, DC blocker, channel mix-down and resampler for one input, chunk by chunk.

use super::input::{Input, CHUNK_BYTES};
use crate::audio::dsp::DcBlocker;
use crate::audio::resample::Resampler;
use crate::audio::AudioError;

/// Decoder + DC blocker + resampler for one input.
pub(super) struct Pipeline {
    pub(super) input: Input,
    pub(super) dc: Vec<DcBlocker>,
    pub(super) rs: Vec<Resampler>,
    pub(super) tmp: Vec<i16>,
    pub(super) planar: Vec<Vec<i16>>,
    pub(super) planar_out: Vec<Vec<i16>>,
    pub(super) done: bool,
    /// mix the input's channels down to one
    pub(super) mono: bool,
    pub(super) out_rate: u32,
}

impl Pipeline {
    /// Refused when the conversion's filter is past the limits (checked before it is built);
    /// the channels share one filter, so its cost does not grow with the channel count.
    pub(super) fn new(
        input: Input,
        out_rate: u32,
        dc_block: bool,
        mono: bool,
    ) -> Result<Self, AudioError> {
        let mono = mono && input.channels > 1;
        let c = if mono { 1 } else { input.channels as usize };
        let dc = if dc_block {
            (0..c).map(|_| DcBlocker::new(input.rate)).collect()
        } else {
            vec![]
        };
        let rs = if out_rate != input.rate {
            let r = Resampler::new(input.rate, out_rate)
                .map_err(|l| AudioError::limit(&input.path, l))?;
            vec![r; c]
        } else {
            vec![]
        };
        let mut input = input;
        // Upsampling multiplies each read chunk (1,000 -> 192,000 Hz: x192, so 256 KiB of
        // 8-bit PCM would become 96 MiB of output per chunk, times the buffers in flight):
        // read less so that one chunk's output stays near CHUNK_BYTES x 2 whatever the ratio.
        let ratio = (out_rate as usize).div_ceil(input.rate as usize).max(1);
        if ratio > 1 && !input.buf.is_empty() {
            input.buf.truncate((CHUNK_BYTES / ratio).max(4096));
        }
        Ok(Pipeline {
            input,
            dc,
            rs,
            tmp: Vec::new(),
            planar: vec![Vec::new(); c],
            planar_out: vec![Vec::new(); c],
            done: false,
            mono,
            out_rate,
        })
    }

    /// Channels of the output.
    fn channels(&self) -> u16 {
        if self.mono {
            1
        } else {
            self.input.channels
        }
    }

    /// Output frames the input should give: the resampler gives ceil(n * out / in) for n input
    /// frames. A guess for the WAV header only; the writer patches it if the stream disagrees.
    pub(super) fn expected_frames(&self) -> Option<u64> {
        let frames = self.input.expected_samples? / self.input.channels as u64;
        let (f_in, f_out) = (self.input.rate as u64, self.out_rate as u64);
        Some((frames.checked_mul(f_out)?).div_ceil(f_in))
    }

    /// Appends the next chunk of output (interleaved); returns false when nothing is left.
    pub(super) fn next(&mut self, out: &mut Vec<i16>) -> Result<bool, AudioError> {
        if self.done {
            return Ok(false);
        }
        let c = self.channels() as usize;
        if self.dc.is_empty() && self.rs.is_empty() && !self.mono {
            // nothing between decoder and writer: decode straight into the output
            let more = self.input.next_chunk(out)?;
            self.done = !more;
            return Ok(more || !out.is_empty());
        }
        self.tmp.clear();
        let more = self.input.next_chunk(&mut self.tmp)?;
        if self.mono {
            // average the channels of each frame (rounded), in place
            let ci = self.input.channels as usize;
            let frames = self.tmp.len() / ci;
            for i in 0..frames {
                let sum: i32 = self.tmp[i * ci..(i + 1) * ci]
                    .iter()
                    .map(|&x| x as i32)
                    .sum();
                self.tmp[i] = ((sum as f32) / ci as f32).round() as i16;
            }
            self.tmp.truncate(frames);
        }
        if c == 1 {
            if let Some(d) = self.dc.first_mut() {
                d.process(&mut self.tmp);
            }
            match self.rs.first_mut() {
                Some(r) => {
                    r.process(&self.tmp, out);
                    if !more {
                        r.finish(out);
                    }
                }
                None => out.extend_from_slice(&self.tmp),
            }
        } else {
            let frames = self.tmp.len() / c;
            for (ch, p) in self.planar.iter_mut().enumerate() {
                p.clear();
                p.extend(self.tmp[..frames * c].iter().skip(ch).step_by(c));
                if let Some(d) = self.dc.get_mut(ch) {
                    d.process(p);
                }
            }
            if self.rs.is_empty() {
                out.extend_from_slice(&self.tmp[..frames * c]);
            } else {
                for ch in 0..c {
                    self.planar_out[ch].clear();
                    self.rs[ch].process(&self.planar[ch], &mut self.planar_out[ch]);
                    if !more {
                        self.rs[ch].finish(&mut self.planar_out[ch]);
                    }
                }
                let n = self.planar_out.iter().map(|p| p.len()).min().unwrap_or(0);
                for i in 0..n {
                    for ch in 0..c {
                        out.push(self.planar_out[ch][i]);
                    }
                }
            }
        }
        if !more {
            self.done = true;
        }
        Ok(more || !out.is_empty())
    }
}
