"""The two sides of an archive job: an fsspec filesystem and its root, with the commit rule of
its kind (a local hard link, an SFTP rename, an object store's single PUT), none of which replaces
a committed file."""
from __future__ import annotations

import errno
import hashlib
import os
import posixpath
import shutil
import urllib.parse
from pathlib import Path, PurePosixPath
from typing import Any

from callcore.audio import INPUT_SUFFIXES as SUFFIXES

from ..recordings import stream_sha256

ARCHIVE_DIR = ".callcore-archive"


def _check_url(what: str, url: str) -> None:
    parts = urllib.parse.urlsplit(url)
    if parts.password:
        shown = parts._replace(netloc=f"{parts.username}:***@{parts.hostname}" + (f":{parts.port}" if parts.port else ""))
        raise ValueError(f"{what} {urllib.parse.urlunsplit(shown)}: the URL carries a password; give credentials "
                         "in the environment (e.g. FSSPEC_SFTP_PASSWORD, FSSPEC_SFTP_KEY_FILENAME) or fsspec's "
                         "configuration, never on the command line")


class Store:
    """One side (SRC or DST) of the job: an fsspec filesystem and its root, with the commit rule
    of its kind (local link, SFTP rename, object-store PUT)."""

    def __init__(self, url: str, options: dict[str, Any] | None = None) -> None:
        try:
            import fsspec.core
            from fsspec.implementations.local import LocalFileSystem
        except ImportError:
            raise ValueError("recordings convert needs fsspec: pip install 'callcore[ray]' (or fsspec; s3fs for s3://)") from None

        self.url = url
        # a filesystem of its own: fsspec's shared instances would share one SFTP channel between threads
        self.fs, root = fsspec.core.url_to_fs(url, skip_instance_cache=True, **(options or {}))
        self.local = isinstance(self.fs, LocalFileSystem)
        self.root = str(Path(root).resolve()) if self.local else root.rstrip("/")
        self.sftp = hasattr(self.fs, "ftp")

    def path(self, rel: str) -> str:
        p = posixpath.join(self.root, rel)
        if self.local:
            # an existing symlinked folder inside DST must not carry an output outside it
            base, target = Path(self.root), Path(p).resolve()
            if target != base and base not in target.parents:
                raise ValueError(f"{rel!r} would leave {self.root} (through a symlink)")
        return p

    def makedirs(self, path: str) -> None:
        """``makedirs`` that tolerates another shard making the same folder at the same time
        (fsspec's SFTP checks, then mkdirs; OpenSSH answers a lost race with a bare "Failure")."""
        for attempt in range(3):
            try:
                self.fs.makedirs(path, exist_ok=True)
                return
            except OSError:
                if self.fs.isdir(path):
                    return
                if attempt == 2:
                    raise

    def exists(self, rel: str) -> bool:
        return bool(self.fs.exists(self.path(rel)))

    def list_sources(self, suffixes: tuple[str, ...] = SUFFIXES) -> list[tuple[str, str, int]]:
        """``(full path, path relative to the root, size)`` of every recording under the root,
        sorted; the state folder (when SRC is DST) is left out."""
        if not self.fs.exists(self.root):
            raise ValueError(f"SRC {self.url}: not found")
        if not self.fs.isdir(self.root):
            raise ValueError(f"SRC {self.url}: not a folder")
        found = self.fs.find(self.root, detail=True)
        out = []
        sfx = {s.lower() for s in suffixes}
        prefix = self.root.rstrip("/") + "/"
        for path, info in found.items():
            if info.get("type") != "file" or not path.startswith(prefix):
                continue
            rel = path[len(prefix):]
            leaf = rel.rsplit("/", 1)[-1]
            # names starting with "." are kept: a recording named "..\\x.V3" is renamed, not lost
            if rel.split("/", 1)[0] == ARCHIVE_DIR:
                continue
            if PurePosixPath(leaf).suffix.lower() in sfx:
                out.append((path, rel, int(info.get("size") or 0)))
        return sorted(out, key=lambda t: t[1])

    def read_text(self, rel: str) -> str:
        with self.fs.open(self.path(rel), "rb") as f:
            return f.read().decode("utf-8")

    def commit(self, local_tmp: str, rel: str, token: str) -> bool:
        """Puts the complete file *local_tmp* under *rel*, never replacing: True when written now,
        False when something was already committed there. *local_tmp* is consumed."""
        final = self.path(rel)
        try:
            if self.local:
                os.makedirs(os.path.dirname(final), exist_ok=True)
                try:
                    if not _durable_link(local_tmp, final):
                        return False
                except OSError as e:  # scratch on another filesystem: copy next to the output first
                    if e.errno != errno.EXDEV:
                        raise
                    part = f"{final}.{token}.part"
                    shutil.copyfile(local_tmp, part)
                    try:
                        if not _durable_link(part, final):
                            return False
                    finally:
                        os.unlink(part)
                dfd = os.open(os.path.dirname(final), os.O_RDONLY)
                try:
                    os.fsync(dfd)
                finally:
                    os.close(dfd)
                return True
            if self.fs.exists(final):
                return False
            self.makedirs(posixpath.dirname(final))
            if self.sftp:
                # uploads in progress live in one folder, so that the sweep of a dead attempt's
                # leftovers lists that folder, not the millions of outputs
                parts = self.path(f"{ARCHIVE_DIR}/parts")
                self.makedirs(parts)
                part = f"{parts}/{token}-{hashlib.sha256(rel.encode()).hexdigest()[:16]}.part"
                self.fs.put_file(local_tmp, part)
                try:
                    # SSH_FXP_RENAME, not fsspec's posix-rename: OpenSSH refuses an existing target
                    self.fs.ftp.rename(part, final)
                except OSError:
                    self.fs.rm_file(part)
                    if self.fs.exists(final):
                        return False
                    raise
                return True
            self.fs.put_file(local_tmp, final)  # an object store: one complete PUT is the commit
            return True
        finally:
            try:
                os.unlink(local_tmp)
            except FileNotFoundError:
                pass

    def replace_text(self, rel: str, text: str) -> None:
        """Writes a small state file whole (renamed/PUT into place, replacing the previous one)."""
        final = self.path(rel)
        data = text.encode("utf-8")
        part = f"{final}.{os.getpid()}.part"
        if self.local:
            os.makedirs(os.path.dirname(final), exist_ok=True)
            with open(part, "wb") as f:
                f.write(data)
                f.flush()
                os.fsync(f.fileno())
            os.replace(part, final)
        elif self.sftp:
            self.makedirs(posixpath.dirname(final))
            self.fs.pipe_file(part, data)
            self.fs.ftp.posix_rename(part, final)
        else:
            self.fs.pipe_file(final, data)


def _sha_remote(store: Store, rel: str) -> tuple[str, int]:
    with store.fs.open(store.path(rel), "rb") as f:
        return stream_sha256(f)


def _durable_link(src: str, final: str) -> bool:
    """Makes *src*'s bytes durable and links it as *final*, never replacing: False when *final*
    exists (another attempt committed it first). The directory's fsync is the caller's."""
    with open(src, "rb") as f:
        os.fsync(f.fileno())
    try:
        os.link(src, final)
    except FileExistsError:
        return False
    return True
