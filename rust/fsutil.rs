//! File helpers shared by the capabilities: a writer that hashes the bytes it writes.

use std::fs::File;
use std::io::{self, Read, Seek, SeekFrom, Write};

use sha2::{Digest, Sha256};

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
pub struct HashingWriter {
    file: File,
    sha: Sha256,
    /// where the next write lands
    pos: u64,
    /// bytes 0..hashed are in `sha`
    hashed: u64,
    /// a write landed somewhere other than at `hashed`
    stale: bool,
}

impl HashingWriter {
    /// Wraps a file opened for writing at its start.
    pub fn new(file: File) -> Self {
        HashingWriter {
            file,
            sha: Sha256::new(),
            pos: 0,
            hashed: 0,
            stale: false,
        }
    }

    /// The file (still open) and the SHA-256 of its bytes.
    pub fn finish(mut self) -> io::Result<(File, [u8; 32])> {
        if !self.stale {
            return Ok((self.file, self.sha.finalize().into()));
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
        Ok((self.file, sha.finalize().into()))
    }
}

impl Write for HashingWriter {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let n = self.file.write(buf)?;
        if self.pos == self.hashed && !self.stale {
            self.sha.update(&buf[..n]);
            self.hashed += n as u64;
        } else {
            self.stale = true;
        }
        self.pos += n as u64;
        Ok(n)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.file.flush()
    }
}

impl Seek for HashingWriter {
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
        let mut w = HashingWriter::new(File::create(&path).unwrap());
        w.write_all(b"header..").unwrap();
        w.write_all(b"body").unwrap();
        // a seek that lands where the next write would anyway keeps the running hash
        w.seek(SeekFrom::Current(0)).unwrap();
        w.write_all(b"!").unwrap();
        assert!(!w.stale);
        let (_, sha) = w.finish().unwrap();
        assert_eq!(sha, sha_of(b"header..body!"));

        let mut w = HashingWriter::new(
            std::fs::OpenOptions::new()
                .read(true)
                .write(true)
                .truncate(true)
                .open(&path)
                .unwrap(),
        );
        w.write_all(b"header..body").unwrap();
        w.seek(SeekFrom::Start(0)).unwrap();
        w.write_all(b"HEADER").unwrap();
        w.seek(SeekFrom::End(0)).unwrap();
        let (_, sha) = w.finish().unwrap();
        assert_eq!(sha, sha_of(b"HEADER..body"));
        assert_eq!(std::fs::read(&path).unwrap(), b"HEADER..body");
        assert_eq!(hex(&[0x0f, 0xa0]), "0fa0");
        let _ = std::fs::remove_dir_all(&dir);
    }
}
