//! File helpers shared by the capabilities: the one atomic output file of the crate, and a
//! writer that hashes the bytes it writes.

use std::fs::{self, File};
use std::io::{self, Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;
use std::thread::JoinHandle;

use sha2::{Digest, Sha256};

/// An output written to a hidden temporary file beside its place and put there only by
/// [`AtomicFile::commit`], so a failed or killed run never leaves a truncated file that looks
/// complete; dropped uncommitted, the temporary file is removed. Neither way fsyncs (the
/// outputs are regenerable) unless [`AtomicFile::commit_durable`] is asked for.
///
/// A path that is a device or a pipe (`/dev/null`, `/dev/stdout`) is written directly.
pub struct AtomicFile {
    file: File,
    path: PathBuf,
    /// the temporary file (`path` itself for a device)
    part: PathBuf,
    /// nothing left to remove on drop
    settled: bool,
}

impl AtomicFile {
    /// Creates the temporary file `.<name>.<pid>-<n>.part` in `path`'s folder (which must exist),
    /// readable as well as writable (a writer that patches a header may hash the file back).
    pub fn create(path: &Path) -> io::Result<AtomicFile> {
        if fs::metadata(path).is_ok_and(|m| !m.is_file()) {
            let file = fs::OpenOptions::new().write(true).open(path)?;
            return Ok(AtomicFile {
                file,
                path: path.into(),
                part: path.into(),
                settled: true,
            });
        }
        // unique per process and call: two writers of one path never share a temporary file
        static N: AtomicU64 = AtomicU64::new(0);
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let part = path.with_file_name(format!(
            ".{name}.{}-{}.part",
            std::process::id(),
            N.fetch_add(1, Ordering::Relaxed)
        ));
        let file = fs::OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(true)
            .open(&part)?;
        Ok(AtomicFile {
            file,
            path: path.into(),
            part,
            settled: false,
        })
    }

    /// The final path.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Changes the final path to `path`, a name in the same folder (the temporary file stays
    /// where it is: the rename into place must not cross file systems). For a writer that learns
    /// the output's name only at the end (the first of several workbooks, or the only one).
    pub fn rename_target(&mut self, path: &Path) {
        debug_assert_eq!(path.parent(), self.path.parent());
        if self.part != self.path {
            self.path = path.into();
        }
    }

    /// Bytes written so far.
    pub fn size(&self) -> io::Result<u64> {
        Ok(self.file.metadata()?.len())
    }

    /// Puts the file in its place.
    pub fn commit(mut self) -> io::Result<()> {
        self.file.flush()?;
        if self.part != self.path && !exchange(&self.part, &self.path) {
            fs::rename(&self.part, &self.path)?;
        }
        self.settled = true;
        Ok(())
    }

    /// Writes the file to disk, then puts it in its place (for state that is not regenerable).
    pub fn commit_durable(self) -> io::Result<()> {
        self.file.sync_all()?;
        self.commit()
    }
}

impl Write for AtomicFile {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.file.write(buf)
    }

    fn write_all(&mut self, buf: &[u8]) -> io::Result<()> {
        self.file.write_all(buf)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.file.flush()
    }
}

impl Read for AtomicFile {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        self.file.read(buf)
    }
}

impl Seek for AtomicFile {
    fn seek(&mut self, to: SeekFrom) -> io::Result<u64> {
        self.file.seek(to)
    }
}

impl Drop for AtomicFile {
    fn drop(&mut self) {
        if !self.settled {
            let _ = fs::remove_file(&self.part);
        }
    }
}

/// Puts `part` in the place of an existing `path` by swapping the two atomically
/// (`renameat2(RENAME_EXCHANGE)`), then removes the old content now at `part`. Returns false
/// (nothing done) when `path` does not exist or the system cannot swap; `rename` then does it.
///
/// Why not just `rename`: ext4 (`auto_da_alloc`) writes a file renamed over an existing one out
/// to disk before `rename` returns, which for a 50 MB output took 50 ms, a quarter of a whole
/// 1M-row clean.
#[cfg(target_os = "linux")]
fn exchange(part: &Path, path: &Path) -> bool {
    use std::os::unix::ffi::OsStrExt;
    if !fs::symlink_metadata(path).is_ok_and(|m| m.is_file()) {
        return false;
    }
    let (Ok(a), Ok(b)) = (
        std::ffi::CString::new(part.as_os_str().as_bytes()),
        std::ffi::CString::new(path.as_os_str().as_bytes()),
    ) else {
        return false;
    };
    // SAFETY: two valid NUL-terminated paths; renameat2 only reads them
    let rc = unsafe {
        libc::renameat2(
            libc::AT_FDCWD,
            a.as_ptr(),
            libc::AT_FDCWD,
            b.as_ptr(),
            libc::RENAME_EXCHANGE,
        )
    };
    if rc != 0 {
        return false;
    }
    remove_in_background(part.to_path_buf());
    true
}

#[cfg(not(target_os = "linux"))]
fn exchange(_part: &Path, _path: &Path) -> bool {
    false
}

/// Removals of replaced outputs still running (see [`remove_in_background`]).
static REMOVALS: Mutex<Vec<JoinHandle<()>>> = Mutex::new(Vec::new());

/// Removes a replaced output's old content on another thread: freeing the pages of a large
/// file took ~7 ms, the last serial step of a clean. The caller's result does not wait for it;
/// [`wait_for_removals`] does (the Python package calls it at exit, so no `.part` file is left).
fn remove_in_background(part: PathBuf) {
    // a name of its own first, so that the removal can never take a newer file of that name
    static N: AtomicU64 = AtomicU64::new(0);
    let mut name = part.as_os_str().to_owned();
    name.push(format!(
        ".old.{}.{}",
        std::process::id(),
        N.fetch_add(1, Ordering::Relaxed)
    ));
    let path = PathBuf::from(name);
    if fs::rename(&part, &path).is_err() {
        let _ = fs::remove_file(&part);
        return;
    }
    let mut pending = REMOVALS.lock().unwrap_or_else(|e| e.into_inner());
    pending.retain(|h| !h.is_finished());
    let spawned = std::thread::Builder::new()
        .name("callcore-remove".into())
        .spawn({
            let path = path.clone();
            move || {
                let _ = fs::remove_file(&path);
            }
        });
    match spawned {
        Ok(h) => pending.push(h),
        Err(_) => {
            let _ = fs::remove_file(&path);
        }
    }
}

/// Waits until the old contents of replaced outputs are removed.
pub fn wait_for_removals() {
    let pending = std::mem::take(&mut *REMOVALS.lock().unwrap_or_else(|e| e.into_inner()));
    for h in pending {
        let _ = h.join();
    }
}

/// A file's size and SHA-256: what a journal keeps to know a file later read back is the one
/// written (the import's clean CSV).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct FileDigest {
    pub bytes: u64,
    pub sha256: [u8; 32],
}

/// Lowercase hex of a digest.
pub fn hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut s = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        s.push(DIGITS[(b >> 4) as usize] as char);
        s.push(DIGITS[(b & 15) as usize] as char);
    }
    s
}

/// Hashes the bytes written through it, in file order, so that the caller gets the file's
/// SHA-256 without reading the file back.
///
/// Writers that patch a header after the data (a seek back, then a write over bytes already
/// hashed) make the running hash stale; [`HashingWriter::finish`] then hashes the finished file
/// once from the start (it is still in the page cache). Writers that know their header in
/// advance never seek back, and their hash is the one computed while writing.
pub struct HashingWriter<F: Read + Write + Seek> {
    file: F,
    /// `None`: a plain writer (the caller did not ask for the hash; it costs ~1 ms a MB)
    sha: Option<Sha256>,
    /// where the next write lands
    pos: u64,
    /// bytes 0..hashed are in `sha`
    hashed: u64,
    /// a write landed somewhere other than at `hashed`
    stale: bool,
}

impl<F: Read + Write + Seek> HashingWriter<F> {
    /// Wraps a file opened for reading and writing, at its start; `hash` off makes it a plain
    /// writer.
    pub fn new(file: F, hash: bool) -> Self {
        HashingWriter {
            file,
            sha: hash.then(Sha256::new),
            pos: 0,
            hashed: 0,
            stale: false,
        }
    }

    /// The file being written.
    pub fn get_ref(&self) -> &F {
        &self.file
    }

    /// The file (still open) and the SHA-256 of its bytes.
    pub fn finish(mut self) -> io::Result<(F, Option<[u8; 32]>)> {
        let Some(running) = self.sha.take() else {
            return Ok((self.file, None));
        };
        if !self.stale {
            return Ok((self.file, Some(running.finalize().into())));
        }
        let mut sha = Sha256::new();
        self.file.seek(SeekFrom::Start(0))?;
        let mut buf = vec![0u8; 256 * 1024];
        loop {
            let n = self.file.read(&mut buf)?;
            if n == 0 {
                break;
            }
            sha.update(&buf[..n]);
        }
        Ok((self.file, Some(sha.finalize().into())))
    }
}

impl<F: Read + Write + Seek> Write for HashingWriter<F> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let n = self.file.write(buf)?;
        if let Some(sha) = &mut self.sha {
            if self.pos == self.hashed && !self.stale {
                sha.update(&buf[..n]);
                self.hashed += n as u64;
            } else {
                self.stale = true;
            }
        }
        self.pos += n as u64;
        Ok(n)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.file.flush()
    }
}

impl<F: Read + Write + Seek> Seek for HashingWriter<F> {
    fn seek(&mut self, to: SeekFrom) -> io::Result<u64> {
        self.pos = self.file.seek(to)?;
        Ok(self.pos)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sha_of(b: &[u8]) -> [u8; 32] {
        Sha256::digest(b).into()
    }

    #[test]
    fn sequential_writes_hash_as_they_go_and_patches_rehash_the_file() {
        let dir = std::env::temp_dir().join(format!("callcore-fsutil-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("h.bin");
        let mut w = HashingWriter::new(File::create(&path).unwrap(), true);
        w.write_all(b"header..").unwrap();
        w.write_all(b"body").unwrap();
        // a seek that lands where the next write would anyway keeps the running hash
        w.stream_position().unwrap();
        w.write_all(b"!").unwrap();
        assert!(!w.stale);
        let (_, sha) = w.finish().unwrap();
        assert_eq!(sha, Some(sha_of(b"header..body!")));

        let mut w = HashingWriter::new(
            std::fs::OpenOptions::new()
                .read(true)
                .write(true)
                .truncate(true)
                .open(&path)
                .unwrap(),
            true,
        );
        w.write_all(b"header..body").unwrap();
        w.seek(SeekFrom::Start(0)).unwrap();
        w.write_all(b"HEADER").unwrap();
        w.seek(SeekFrom::End(0)).unwrap();
        let (_, sha) = w.finish().unwrap();
        assert_eq!(sha, Some(sha_of(b"HEADER..body")));
        assert_eq!(std::fs::read(&path).unwrap(), b"HEADER..body");
        assert_eq!(hex(&[0x0f, 0xa0]), "0fa0");
        let _ = std::fs::remove_dir_all(&dir);
    }
}
