//! The decisions every row passes (dedup, blacklist, import store, platform dialability) and
//! the counts of a run.

use rayon::prelude::*;

use crate::calllist::dedup::{Blacklist, Dedup, ImportStore};
use crate::calllist::normalize::{Normalized, Normalizer, Reason};
use crate::calllist::platform::Profile;

/// Counts of one clean run. `rows == clean + rejected`, and the per-reason counts add up to
/// `rejected`, the per-kind counts to `clean`.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Summary {
    pub rows: u64,
    pub clean: u64,
    pub rejected: u64,
    /// indexed by `Kind as usize`
    pub per_kind: [u64; 6],
    /// indexed by `Reason::index()`
    pub per_reason: [u64; Reason::ALL.len()],
    /// Rows whose field count differs from the header's (kept; shorter rows padded in output).
    pub ragged: u64,
    /// Rows with no field at the phone column's index.
    pub missing_field: u64,
    pub batches: u64,
    pub encoding: String,
    pub delimiter: Option<u8>,
    pub header: bool,
    pub column: usize,
    pub columns: Vec<String>,
    /// The clean rows' `dial` column, when [`super::CleanOptions::keep_dial`] asked for it.
    pub dial: Option<crate::calllist::dial_column::DialColumn>,
    /// The clean file's size and SHA-256, when [`super::CleanOptions::hash_clean`] asked for them.
    pub clean_digest: Option<crate::fsutil::FileDigest>,
}

impl Summary {
    pub fn duplicates(&self) -> u64 {
        self.per_reason[Reason::Duplicate.index()]
    }
    pub fn blacklisted(&self) -> u64 {
        self.per_reason[Reason::Blacklisted.index()]
    }
    pub fn already_imported(&self) -> u64 {
        self.per_reason[Reason::AlreadyImported.index()]
    }
    #[inline]
    pub(super) fn count(&mut self, n: &Normalized, final_reason: Reason) {
        self.rows += 1;
        if final_reason == Reason::Ok {
            self.clean += 1;
            self.per_kind[n.kind as usize] += 1;
        } else {
            self.rejected += 1;
            self.per_reason[final_reason.index()] += 1;
        }
    }
}

/// Decisions shared by the file and in-memory pipelines: dedup, blacklist, import store.
pub struct Gate<'a> {
    pub dedup: Dedup,
    pub blacklist: Option<&'a Blacklist>,
    pub store: Option<&'a mut ImportStore>,
    pub imported_since: i64,
    pub record_at: Option<i64>,
    pub platform: Option<&'a Profile>,
}

impl<'a> Gate<'a> {
    pub fn new(blacklist: Option<&'a Blacklist>, store: Option<&'a mut ImportStore>) -> Gate<'a> {
        Gate {
            dedup: Dedup::default(),
            blacklist,
            store,
            imported_since: i64::MIN,
            record_at: None,
            platform: None,
        }
    }

    /// The final reason for one normalized row, in input order (keep first).
    #[inline]
    pub fn decide(&mut self, n: &Normalized, scope: Option<u64>) -> Reason {
        if !n.is_ok() {
            return n.reason;
        }
        if let Some(p) = self.platform {
            let mut b = [0u8; 24];
            if let Err(r) = p.dial(n, &mut b) {
                return r;
            }
        }
        if !self.dedup.first(n.key, scope) {
            return Reason::Duplicate;
        }
        if let Some(bl) = self.blacklist {
            if bl.contains(n.key) {
                return Reason::Blacklisted;
            }
        }
        if let Some(st) = self.store.as_deref_mut() {
            if st.seen_since(n.key, self.imported_since) {
                return Reason::AlreadyImported;
            }
            if let Some(t) = self.record_at {
                st.record([n.key], t);
            }
        }
        Reason::Ok
    }
}

/// Normalize a column in parallel (rayon), in input order.
pub fn normalize_many<'s, I>(norm: &Normalizer, values: I) -> Vec<Normalized>
where
    I: IndexedParallelIterator<Item = &'s [u8]>,
{
    values
        .with_min_len(4096)
        .map(|v| norm.normalize(v))
        .collect()
}
