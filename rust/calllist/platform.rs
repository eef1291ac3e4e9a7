//! Platform profiles: the dialing string each platform expects and the batch limits it imposes
//! (figures from `shared/notes/outbound.md` §3 and §4).

use super::normalize::{Normalized, Reason};
use super::{CalllistError, Result};

/// A platform's rules for called numbers and batches.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Profile {
    pub name: &'static str,
    /// Numbers per request (or rows per file for file imports).
    pub batch_size: usize,
    /// Upper bound the platform accepts for `batch_size`.
    pub max_batch: usize,
    /// Longest dialing string accepted (`None`: not specified by the platform).
    pub max_len: Option<usize>,
    /// Pending (uncompleted) numbers per campaign, when the platform caps it.
    pub pending_cap: Option<usize>,
}

impl Profile {
    /// Every name [`Profile::by_name`] accepts, aliases included (`huawei-v1` is `huawei`, `800ing`
    /// is `babaihu`, `95` is `hl95`), so that callers can list them without parsing an error text.
    pub const NAMES: &'static [&'static str] = &[
        "huawei",
        "huawei-v1",
        "huawei-v2",
        "huawei-file",
        "sccc",
        "babaihu",
        "800ing",
        "hl95",
        "95",
    ];

    /// Known names: `huawei` (7.4.1 v1 API: 20 per call), `huawei-v2` (7.4.2: default 20,
    /// `isales.api.calldata.max` up to 2,000), `huawei-file` (7.4.8: 500,000 rows a file),
    /// `sccc` (1,000 callees per command), `babaihu` and `hl95` (no limit documented: 500 and
    /// 1,000 as conservative, configurable defaults).
    pub fn by_name(name: &str) -> Result<Profile> {
        let p = match name.to_ascii_lowercase().replace('_', "-").as_str() {
            "huawei" | "huawei-v1" => Profile {
                name: "huawei",
                batch_size: 20,
                max_batch: 20,
                max_len: Some(24),
                pending_cap: Some(200_000),
            },
            "huawei-v2" => Profile {
                name: "huawei-v2",
                batch_size: 20,
                max_batch: 2000,
                max_len: Some(24),
                pending_cap: Some(200_000),
            },
            "huawei-file" => Profile {
                name: "huawei-file",
                batch_size: 500_000,
                max_batch: 500_000,
                max_len: Some(24),
                pending_cap: None,
            },
            "sccc" => Profile { name: "sccc", batch_size: 1000, max_batch: 1000, max_len: None, pending_cap: None },
            "babaihu" | "800ing" => {
                Profile { name: "babaihu", batch_size: 500, max_batch: usize::MAX, max_len: None, pending_cap: None }
            }
            "hl95" | "95" => {
                Profile { name: "hl95", batch_size: 1000, max_batch: usize::MAX, max_len: None, pending_cap: None }
            }
            other => {
                return Err(CalllistError::Config(format!(
                    "platform: unknown {other:?} (known: huawei, huawei-v2, huawei-file, sccc, babaihu, hl95)"
                )))
            }
        };
        Ok(p)
    }

    /// Set the batch size, checked against the platform's maximum.
    pub fn with_batch_size(mut self, n: usize) -> Result<Profile> {
        if n == 0 || n > self.max_batch {
            return Err(CalllistError::Config(format!(
                "batch_size: {n} is outside 1..={} for platform {}",
                self.max_batch, self.name
            )));
        }
        self.batch_size = n;
        Ok(self)
    }

    /// The dialing string: every platform here takes the national dialing form (digits only;
    /// Huawei's `called` allows only `0-9*#`, so never `+`). Returns the length written, or the
    /// reason the number cannot be carried.
    pub fn dial(&self, n: &Normalized, out: &mut [u8; 24]) -> std::result::Result<usize, Reason> {
        let len = n.write_national(out);
        if len == 0 {
            return Err(n.reason);
        }
        if let Some(m) = self.max_len {
            if len > m {
                return Err(Reason::Platform);
            }
        }
        Ok(len)
    }
}

/// Cuts a stream of accepted rows into batches: returns the 1-based batch number of each row.
#[derive(Clone, Debug)]
pub struct Batcher {
    size: usize,
    in_batch: usize,
    batch: u64,
}

impl Batcher {
    pub fn new(size: usize) -> Batcher {
        Batcher {
            size: size.max(1),
            in_batch: 0,
            batch: 1,
        }
    }
    #[inline]
    pub fn next_batch(&mut self) -> u64 {
        if self.in_batch == self.size {
            self.in_batch = 0;
            self.batch += 1;
        }
        self.in_batch += 1;
        self.batch
    }
    pub fn batches(&self) -> u64 {
        if self.in_batch == 0 {
            0
        } else {
            self.batch
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::calllist::normalize::{Config, Normalizer};

    #[test]
    fn profiles_and_dialing() {
        let n = Normalizer::new(&Config::default()).unwrap();
        let hw = Profile::by_name("huawei").unwrap();
        let mut b = [0u8; 24];
        let x = n.normalize_str("+86 10 1234 5678");
        let l = hw.dial(&x, &mut b).unwrap();
        assert_eq!(&b[..l], b"01012345678");
        assert!(Profile::by_name("huawei-v2")
            .unwrap()
            .with_batch_size(2000)
            .is_ok());
        assert!(Profile::by_name("huawei")
            .unwrap()
            .with_batch_size(21)
            .is_err());
        assert_eq!(Profile::by_name("sccc").unwrap().batch_size, 1000);
        assert!(Profile::by_name("nope").is_err());
        for name in Profile::NAMES {
            assert!(Profile::by_name(name).is_ok(), "{name}");
        }
    }

    #[test]
    fn batches_cut_at_size() {
        let mut b = Batcher::new(2);
        let v: Vec<u64> = (0..5).map(|_| b.next_batch()).collect();
        assert_eq!(v, vec![1, 1, 2, 2, 3]);
        assert_eq!(b.batches(), 3);
    }
}
