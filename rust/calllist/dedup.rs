//! Keep-first dedup on u64 keys (optionally within a scope), blacklist key sets, and the
//! persistent "already imported" store (a compact sorted file of (key, unix time) pairs).

use std::collections::{HashMap, HashSet};
use std::hash::{BuildHasherDefault, Hasher};
use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};

use super::normalize::Normalizer;
use super::{io_err, CalllistError, Result};

/// A hasher for u64 keys (splitmix64 finalizer): keys are already well spread integers, so a
/// full SipHash would only cost time.
#[derive(Default, Clone, Copy)]
pub struct KeyHasher(u64);

impl Hasher for KeyHasher {
    #[inline]
    fn finish(&self) -> u64 {
        let mut z = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    #[inline]
    fn write(&mut self, bytes: &[u8]) {
        for chunk in bytes.chunks(8) {
            let mut b = [0u8; 8];
            b[..chunk.len()].copy_from_slice(chunk);
            self.write_u64(u64::from_le_bytes(b));
        }
    }
    #[inline]
    fn write_u64(&mut self, v: u64) {
        self.0 = (self.0.rotate_left(5) ^ v).wrapping_mul(0x517C_C1B7_2722_0A95);
    }
}

pub type KeyBuild = BuildHasherDefault<KeyHasher>;
pub type KeySet = HashSet<u64, KeyBuild>;

/// 64-bit hash of a scope value (e.g. Huawei v2 `sessionId`).
pub fn scope_hash(s: &[u8]) -> u64 {
    // FNV-1a then the splitmix finalizer
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for &b in s {
        h = (h ^ b as u64).wrapping_mul(0x0000_0100_0000_01B3);
    }
    let mut k = KeyHasher(h);
    k.write_u64(s.len() as u64);
    k.finish()
}

/// An open-addressing set of non-zero u64 keys (linear probing, load <= 1/2). Faster than a
/// general hash set for this one job, and `insert_batch` prefetches slots ahead so the cache
/// misses of a multi-million-entry table overlap instead of queueing.
pub struct KeyTable {
    slots: Vec<u64>,
    mask: usize,
    len: usize,
}

impl Default for KeyTable {
    fn default() -> Self {
        KeyTable::with_capacity(1024)
    }
}

#[inline(always)]
fn mix(k: u64) -> u64 {
    let mut z = k.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

#[inline(always)]
fn prefetch(p: *const u64) {
    #[cfg(target_arch = "x86_64")]
    // SAFETY: prefetch is a hint; it never faults, even on an invalid address.
    unsafe {
        std::arch::x86_64::_mm_prefetch(p as *const i8, std::arch::x86_64::_MM_HINT_T0);
    }
    #[cfg(not(target_arch = "x86_64"))]
    let _ = p;
}

/// Gives `advice` for the whole pages inside a large slot array (madvise wants a page-aligned
/// start). Small arrays are left alone: they live in the heap, not in pages of their own.
/// Advice changes no contents, and failure (an older kernel) is harmless.
fn advise(slots: &[u64], advice: libc::c_int) {
    #[cfg(target_os = "linux")]
    if slots.len() * 8 >= 4 << 20 {
        let start = slots.as_ptr() as usize;
        let end = start + slots.len() * 8;
        let a = (start + 4095) & !4095;
        // SAFETY: advice on whole pages inside memory `slots` covers; neither advice used here
        // changes its contents (the pages are zero either way).
        unsafe {
            libc::madvise(a as *mut libc::c_void, (end & !4095) - a, advice);
        }
    }
    #[cfg(not(target_os = "linux"))]
    let _ = (slots, advice);
}

/// A zeroed slot array. A large one is fresh `mmap`ed memory; on Linux it is marked for
/// transparent huge pages before it is touched, so filling a multi-million-entry table takes a
/// few 2 MiB page faults instead of thousands of 4 KiB ones (each probe reads, then writes, so
/// every small page used to fault twice).
fn zeroed_slots(cap: usize) -> Vec<u64> {
    let v = vec![0u64; cap];
    #[cfg(target_os = "linux")]
    advise(&v, libc::MADV_HUGEPAGE);
    v
}

impl KeyTable {
    /// Maps (and zeroes) the whole slot array now rather than page by page at first use, so a
    /// caller can pay for it while its thread would otherwise wait (the parallel clean does it
    /// while the first block is being parsed, instead of in the middle of its serial
    /// decisions). Harmless where unsupported (Linux < 5.14 refuses `MADV_POPULATE_WRITE`).
    pub fn prefault(&self) {
        const MADV_POPULATE_WRITE: libc::c_int = 23;
        advise(&self.slots, MADV_POPULATE_WRITE);
    }

    pub fn with_capacity(n: usize) -> KeyTable {
        let cap = (n.max(16) * 2).next_power_of_two();
        KeyTable {
            slots: zeroed_slots(cap),
            mask: cap - 1,
            len: 0,
        }
    }

    pub fn len(&self) -> usize {
        self.len
    }

    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    fn grow(&mut self) {
        let old = std::mem::take(&mut self.slots);
        let cap = old.len() * 2;
        self.slots = zeroed_slots(cap);
        self.mask = cap - 1;
        self.len = 0;
        for k in old {
            if k != 0 {
                self.insert(k);
            }
        }
    }

    /// True when `key` (non-zero) was not yet present.
    #[inline]
    pub fn insert(&mut self, key: u64) -> bool {
        debug_assert!(key != 0);
        if (self.len + 1) * 2 > self.slots.len() {
            self.grow();
        }
        let mut i = mix(key) as usize & self.mask;
        loop {
            let s = self.slots[i];
            if s == key {
                return false;
            }
            if s == 0 {
                self.slots[i] = key;
                self.len += 1;
                return true;
            }
            i = (i + 1) & self.mask;
        }
    }

    #[inline]
    pub fn contains(&self, key: u64) -> bool {
        let mut i = mix(key) as usize & self.mask;
        loop {
            let s = self.slots[i];
            if s == key {
                return true;
            }
            if s == 0 {
                return false;
            }
            i = (i + 1) & self.mask;
        }
    }

    /// Hint that `key` is about to be inserted or looked up.
    #[inline(always)]
    pub fn prefetch(&self, key: u64) {
        let i = mix(key) as usize & self.mask;
        prefetch(self.slots.as_ptr().wrapping_add(i));
    }
}

/// Keep-first dedup. Without a scope the key alone decides; with a scope, `(scope, key)`.
#[derive(Default)]
pub struct Dedup {
    plain: KeyTable,
    scoped: HashSet<(u64, u64), KeyBuild>,
}

impl Dedup {
    /// See [`KeyTable::prefault`].
    pub fn prefault(&self) {
        self.plain.prefault();
    }

    pub fn with_capacity(n: usize) -> Dedup {
        Dedup {
            plain: KeyTable::with_capacity(n),
            scoped: Default::default(),
        }
    }
    /// True the first time a key (in its scope) is seen.
    #[inline]
    pub fn first(&mut self, key: u64, scope: Option<u64>) -> bool {
        match scope {
            None => self.plain.insert(key),
            Some(s) => self.scoped.insert((s, key)),
        }
    }
    /// Prefetch hint for an upcoming unscoped key.
    #[inline(always)]
    pub fn prefetch(&self, key: u64) {
        self.plain.prefetch(key)
    }
    pub fn len(&self) -> usize {
        self.plain.len() + self.scoped.len()
    }
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// Keep-first flags over a key column: `true` for the first occurrence, `false` for repeats.
/// Key 0 (rejected) is never a duplicate.
pub fn first_flags(keys: &[u64]) -> Vec<bool> {
    let mut d = Dedup::with_capacity(keys.len());
    keys.iter().map(|&k| k == 0 || d.first(k, None)).collect()
}

/// A blacklist: the keys of its numbers.
#[derive(Default, Clone)]
pub struct Blacklist {
    pub keys: KeySet,
    /// Lines that did not normalize (kept out of the set; reported, not silently dropped).
    pub invalid_lines: u64,
}

impl Blacklist {
    pub fn contains(&self, key: u64) -> bool {
        self.keys.contains(&key)
    }

    pub fn from_keys(keys: impl IntoIterator<Item = u64>) -> Blacklist {
        Blacklist {
            keys: keys.into_iter().filter(|&k| k != 0).collect(),
            invalid_lines: 0,
        }
    }

    /// Load a file of numbers, one per line (a CSV line: its first field). Lines are normalized
    /// with `norm`, so `+86 138...` and `138...` block the same number. Blank lines and `#`
    /// comments are skipped; a first line without digits is taken as a header.
    pub fn load(path: &Path, norm: &Normalizer) -> Result<Blacklist> {
        let f = std::fs::File::open(path).map_err(io_err(path))?;
        let mut r = BufReader::with_capacity(1 << 20, f);
        let mut bl = Blacklist::default();
        let mut line = Vec::new();
        let mut first = true;
        loop {
            line.clear();
            let n = r.read_until(b'\n', &mut line).map_err(io_err(path))?;
            if n == 0 {
                break;
            }
            let mut l: &[u8] = &line;
            if first && l.starts_with(b"\xEF\xBB\xBF") {
                l = &l[3..];
            }
            let field = l.split(|&b| b == b',' || b == b'\t').next().unwrap_or(b"");
            let t = field.trim_ascii();
            let was_first = std::mem::replace(&mut first, false);
            if t.is_empty() || t[0] == b'#' {
                continue;
            }
            if was_first && !t.iter().any(u8::is_ascii_digit) {
                continue; // header
            }
            let x = norm.normalize(t);
            if x.is_ok() {
                bl.keys.insert(x.key);
            } else {
                bl.invalid_lines += 1;
            }
        }
        Ok(bl)
    }
}

const MAGIC: &[u8; 8] = b"CCLIMP01";

/// Numbers imported before, with the time of their last import, kept in a compact sorted file:
/// an 8-byte magic `CCLIMP01` then little-endian `(key: u64, unix_seconds: i64)` records sorted
/// by key. Saved atomically (temporary file + rename).
pub struct ImportStore {
    path: PathBuf,
    map: HashMap<u64, i64, KeyBuild>,
    dirty: bool,
}

impl ImportStore {
    /// Open (or start) the store at `path`. A missing file is an empty store.
    pub fn open(path: &Path) -> Result<ImportStore> {
        let mut map: HashMap<u64, i64, KeyBuild> = HashMap::default();
        match std::fs::read(path) {
            Ok(buf) => {
                if buf.len() < 8 || &buf[..8] != MAGIC || (buf.len() - 8) % 16 != 0 {
                    return Err(CalllistError::Data {
                        path: path.into(),
                        line: 0,
                        message: "not a callcore import store (bad magic or truncated)".into(),
                    });
                }
                map.reserve((buf.len() - 8) / 16);
                for rec in buf[8..].chunks_exact(16) {
                    let k = u64::from_le_bytes(rec[..8].try_into().unwrap());
                    let t = i64::from_le_bytes(rec[8..].try_into().unwrap());
                    map.insert(k, t);
                }
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => {
                return Err(CalllistError::Io {
                    path: path.into(),
                    source: e,
                })
            }
        }
        Ok(ImportStore {
            path: path.into(),
            map,
            dirty: false,
        })
    }

    /// True when `key` was imported at or after `since` (unix seconds; `i64::MIN` = ever).
    #[inline]
    pub fn seen_since(&self, key: u64, since: i64) -> bool {
        matches!(self.map.get(&key), Some(&t) if t >= since)
    }

    /// Record keys as imported at `now`.
    pub fn record(&mut self, keys: impl IntoIterator<Item = u64>, now: i64) {
        for k in keys {
            if k != 0 {
                self.map.insert(k, now);
                self.dirty = true;
            }
        }
    }

    /// Drop entries older than `before` (unix seconds).
    pub fn prune(&mut self, before: i64) -> usize {
        let n = self.map.len();
        self.map.retain(|_, t| *t >= before);
        let removed = n - self.map.len();
        self.dirty |= removed > 0;
        removed
    }

    pub fn len(&self) -> usize {
        self.map.len()
    }

    pub fn is_empty(&self) -> bool {
        self.map.is_empty()
    }

    /// Write the store if it changed.
    pub fn save(&mut self) -> Result<()> {
        if !self.dirty {
            return Ok(());
        }
        let mut v: Vec<(u64, i64)> = self.map.iter().map(|(k, t)| (*k, *t)).collect();
        v.sort_unstable_by_key(|x| x.0);
        let mut buf = Vec::with_capacity(8 + v.len() * 16);
        buf.extend_from_slice(MAGIC);
        for (k, t) in v {
            buf.extend_from_slice(&k.to_le_bytes());
            buf.extend_from_slice(&t.to_le_bytes());
        }
        // the store is not regenerable: on disk before it replaces the old one
        let mut out = crate::fsutil::AtomicFile::create(&self.path).map_err(io_err(&self.path))?;
        out.write_all(&buf).map_err(io_err(&self.path))?;
        out.commit_durable().map_err(io_err(&self.path))?;
        self.dirty = false;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::calllist::normalize::Config;

    #[test]
    fn key_table_grows_and_agrees_with_hashset() {
        let mut t = KeyTable::with_capacity(4);
        let mut h = std::collections::HashSet::new();
        let mut x = 12345u64;
        for _ in 0..100_000 {
            x = x
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            let k = (x >> 40) | 1; // many repeats
            assert_eq!(t.insert(k), h.insert(k));
        }
        assert_eq!(t.len(), h.len());
        assert!(h.iter().all(|k| t.contains(*k)));
        assert!(!t.contains(2));
    }

    #[test]
    fn keep_first_and_scopes() {
        assert_eq!(
            first_flags(&[5, 6, 5, 0, 0, 6, 7]),
            vec![true, true, false, true, true, false, true]
        );
        let mut d = Dedup::default();
        assert!(d.first(1, Some(scope_hash(b"a"))));
        assert!(d.first(1, Some(scope_hash(b"b"))));
        assert!(!d.first(1, Some(scope_hash(b"a"))));
    }

    #[test]
    fn blacklist_file_normalizes() {
        let dir = std::env::temp_dir().join(format!("cc-bl-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let p = dir.join("bl.txt");
        std::fs::write(
            &p,
            "number\n+86 138 0013 8000\n# note\n\n010-12345678\nnonsense\n",
        )
        .unwrap();
        let n = Normalizer::new(&Config::default()).unwrap();
        let bl = Blacklist::load(&p, &n).unwrap();
        assert!(bl.contains(8613800138000));
        assert!(bl.contains(861012345678));
        assert_eq!(bl.keys.len(), 2);
        assert_eq!(bl.invalid_lines, 1);
        assert!(Blacklist::load(&dir.join("missing.txt"), &n).is_err());
    }

    #[test]
    fn import_store_roundtrip_and_window() {
        let dir = std::env::temp_dir().join(format!("cc-st-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let p = dir.join("imported.bin");
        let _ = std::fs::remove_file(&p);
        let mut s = ImportStore::open(&p).unwrap();
        assert!(s.is_empty());
        s.record([10, 20], 1000);
        s.record([30], 5000);
        s.save().unwrap();
        let s = ImportStore::open(&p).unwrap();
        assert_eq!(s.len(), 3);
        assert!(s.seen_since(10, i64::MIN));
        assert!(!s.seen_since(10, 2000));
        assert!(s.seen_since(30, 2000));
        std::fs::write(&p, b"garbage").unwrap();
        assert!(ImportStore::open(&p).is_err());
    }
}

#[cfg(test)]
mod probe {
    use super::*;

    /// `cargo test --release --lib dedup::probe -- --ignored --nocapture`
    #[test]
    #[ignore]
    fn insert_rate() {
        let mut x = 1u64;
        let keys: Vec<u64> = (0..1_000_000)
            .map(|i| {
                x = x
                    .wrapping_mul(6364136223846793005)
                    .wrapping_add(1442695040888963407);
                if i % 5 == 0 {
                    8613800138000 + (x >> 50)
                } else {
                    8613000000000 + (x >> 30) % 1_000_000_000
                }
            })
            .collect();
        for ahead in [0usize, 8, 16, 32] {
            let t = std::time::Instant::now();
            let mut d = Dedup::with_capacity(1_000_000);
            let mut n = 0;
            for i in 0..keys.len() {
                if ahead > 0 {
                    if let Some(&k) = keys.get(i + ahead) {
                        d.prefetch(k);
                    }
                }
                n += d.first(keys[i], None) as usize;
            }
            println!("ahead {ahead}: {:?} ({n})", t.elapsed());
            let distinct: std::collections::HashSet<u64> = keys.iter().copied().collect();
            assert_eq!(n, distinct.len());
        }
    }
}
