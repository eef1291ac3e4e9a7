//! Outputs written beside their place and swapped in only when the run succeeds.

use std::fs::File;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::atomic::Ordering;

use crate::calllist::{io_err, Result};

/// An output written to `<path>.part` and renamed into place only when the run succeeds, so a
/// failed run never leaves a truncated file that looks complete.
pub(super) struct OutFile {
    pub(super) file: File,
    pub(super) path: PathBuf,
    pub(super) part: PathBuf,
    pub(super) done: bool,
}

impl OutFile {
    pub(super) fn create(path: &Path) -> Result<OutFile> {
        // a device or pipe (e.g. /dev/null, /dev/stdout) is written directly
        if std::fs::metadata(path).is_ok_and(|m| !m.is_file()) {
            let file = std::fs::OpenOptions::new()
                .write(true)
                .open(path)
                .map_err(io_err(path))?;
            return Ok(OutFile {
                file,
                path: path.into(),
                part: path.into(),
                done: true,
            });
        }
        let mut part = path.as_os_str().to_owned();
        part.push(".part");
        let part = PathBuf::from(part);
        let file = File::create(&part).map_err(io_err(path))?;
        Ok(OutFile {
            file,
            path: path.into(),
            part,
            done: false,
        })
    }
    pub(super) fn write(&mut self, b: &[u8]) -> Result<()> {
        self.file.write_all(b).map_err(io_err(&self.path))
    }
    pub(super) fn commit(mut self) -> Result<()> {
        self.file.flush().map_err(io_err(&self.path))?;
        if self.part != self.path && !exchange(&self.part, &self.path) {
            std::fs::rename(&self.part, &self.path).map_err(io_err(&self.path))?;
        }
        self.done = true;
        Ok(())
    }
}

/// Puts `part` in the place of an existing `path` by swapping the two atomically
/// (`renameat2(RENAME_EXCHANGE)`), then removes the old content now at `part`. Returns false
/// (nothing done) when `path` does not exist or the system cannot swap; `rename` then does it.
///
/// Why not just `rename`: ext4 (`auto_da_alloc`) writes a file renamed over an existing one out
/// to disk before `rename` returns, which for a 50 MB output took 50 ms, a quarter of a whole
/// 1M-row clean. Like the plain rename, neither way fsyncs: the outputs are regenerable, the
/// guarantee is that a failed or killed run never leaves a truncated file in their place.
#[cfg(target_os = "linux")]
pub(super) fn exchange(part: &Path, path: &Path) -> bool {
    use std::os::unix::ffi::OsStrExt;
    if !std::fs::symlink_metadata(path).is_ok_and(|m| m.is_file()) {
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

/// Removals of replaced outputs still running (see [`remove_in_background`]).
pub(super) static REMOVALS: std::sync::Mutex<Vec<std::thread::JoinHandle<()>>> =
    std::sync::Mutex::new(Vec::new());

/// Removes a replaced output's old content on another thread: freeing the pages of a large
/// file took ~7 ms, the last serial step of a clean. The caller's result does not wait for it;
/// [`wait_for_removals`] does (the Python package calls it at exit, so no `.part` file is left).
pub(super) fn remove_in_background(part: PathBuf) {
    // a name of its own first: the next run creates `part` again at once, and the removal
    // must not take that new file
    static N: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
    let mut name = part.as_os_str().to_owned();
    name.push(format!(
        ".old.{}.{}",
        std::process::id(),
        N.fetch_add(1, Ordering::Relaxed)
    ));
    let path = PathBuf::from(name);
    if std::fs::rename(&part, &path).is_err() {
        let _ = std::fs::remove_file(&part);
        return;
    }
    let mut pending = REMOVALS.lock().unwrap_or_else(|e| e.into_inner());
    pending.retain(|h| !h.is_finished());
    let spawned = std::thread::Builder::new()
        .name("callcore-remove".into())
        .spawn({
            let path = path.clone();
            move || {
                let _ = std::fs::remove_file(&path);
            }
        });
    match spawned {
        Ok(h) => pending.push(h),
        Err(_) => {
            let _ = std::fs::remove_file(&path);
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

#[cfg(not(target_os = "linux"))]
pub(super) fn exchange(_part: &Path, _path: &Path) -> bool {
    false
}

impl Drop for OutFile {
    fn drop(&mut self) {
        if !self.done {
            let _ = std::fs::remove_file(&self.part);
        }
    }
}
