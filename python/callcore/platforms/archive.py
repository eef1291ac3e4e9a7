"""Extracting a zip that came from a platform, which is untrusted input.

:func:`safe_extract` checks the whole member list before writing anything and refuses, each with
its own error naming the archive, the member and the limit:

* a member that would land outside the destination (absolute path, drive letter, ``..``) or is a
  symlink: :class:`~callcore.platforms.errors.UnsafeArchiveError`;
* an empty name (``""``, ``/``, ``./``), a name component over :data:`MAX_NAME_BYTES` bytes of
  UTF-8 or a member path over :data:`MAX_PATH_BYTES`: :class:`ArchiveNameError` (the OS would
  refuse them half-way through, with ``OSError``);
* two members that cannot both exist on disk: the same name twice, a file ``a`` and a member
  ``a/b``, or names that differ only in letter case (one file on a case-insensitive disk):
  :class:`ArchiveCollisionError`;
* more than :data:`MAX_MEMBERS` members, more than :data:`MAX_TOTAL_BYTES` uncompressed, or a
  zip bomb (over :data:`BOMB_FLOOR_BYTES` uncompressed at more than :data:`MAX_RATIO` times its
  compressed size), or a member that expands past the size it declares: :class:`ArchiveLimitError`.

A member that cannot be read (bad CRC, unknown compression, encryption) is a
:class:`~callcore.platforms.errors.ProtocolError`; a file that is not a zip at all too; a member
that cannot be written is :class:`ArchiveWriteError`. On any error the files already written by
this call are removed. Nothing else escapes: no ``OSError``, ``IndexError`` or ``zlib.error``.

The limits sit far above a real call's recordings (8 hours of 64 kbit/s A-law is 230 MB; a call
has a handful of recordings; audio deflates by well under 2:1) and far below what would fill a
disk or stall a sync.
"""
from __future__ import annotations

import os
import re
import struct
import unicodedata
import zipfile
import zlib
from pathlib import Path
from typing import Iterator

from . import _http
from .errors import ProtocolError, UnsafeArchiveError

#: members in one archive
MAX_MEMBERS = 10_000
#: uncompressed bytes of all members together (1 GiB)
MAX_TOTAL_BYTES = 1 << 30
#: an archive expanding past this many bytes must do so at most MAX_RATIO times its compressed size
BOMB_FLOOR_BYTES = 10 << 20
#: uncompressed / compressed, above BOMB_FLOOR_BYTES (audio deflates by less than 2:1)
MAX_RATIO = 100
#: bytes (UTF-8) of one path component: NAME_MAX of Linux, macOS and NTFS
MAX_NAME_BYTES = 255
#: bytes (UTF-8) of a member's whole path inside the archive
MAX_PATH_BYTES = 1024

ZIP_MAGICS = (b"PK\x03\x04", b"PK\x05\x06", b"PK\x07\x08")


class ArchiveError(UnsafeArchiveError):
    """An archive refused by :func:`safe_extract`; ``archive``, ``member`` and ``limit`` say which
    archive, which member (or ``None`` for the archive as a whole) and which limit."""

    def __init__(self, message: str, *, archive: str, member: str | None = None, limit: str = "",
                 platform: str = "") -> None:
        super().__init__(message, platform=platform)
        self.archive = archive
        self.member = member
        self.limit = limit


class ArchiveNameError(ArchiveError):
    """A member name that is empty or too long to be written."""


class ArchiveCollisionError(ArchiveError):
    """Two members that would be the same file (or a file and a folder) on disk."""


class ArchiveLimitError(ArchiveError):
    """Too many members, too many bytes, or a zip bomb."""


class ArchiveWriteError(ArchiveError):
    """A member could not be written (the OS error is in the message)."""


def is_zip(head: bytes) -> bool:
    """True when *head* (a file's first bytes) starts a zip archive, whatever the file is named."""
    return head[:4] in ZIP_MAGICS


def is_zip_file(path: str | os.PathLike[str]) -> bool:
    with open(path, "rb") as f:
        return is_zip(f.read(4))


_DRIVE = re.compile(r"^[A-Za-z]:")


def _parts(archive: str, raw: str, platform: str) -> tuple[list[str], bool]:
    """(path components, is a folder entry) of a member name, or an error."""
    name = raw.replace("\\", "/")
    is_dir = name.endswith("/")
    if "\x00" in name:
        raise ArchiveNameError(f"{archive}: zip member {raw!r} has a NUL in its name", archive=archive, member=raw,
                               limit="name", platform=platform)
    if name.startswith("/") or _DRIVE.match(name) or ".." in name.split("/"):
        raise UnsafeArchiveError(f"{platform + ': ' if platform else ''}{archive}: zip member {raw!r} would escape "
                                 "the destination folder", platform=platform)
    parts = [p for p in name.split("/") if p not in ("", ".")]
    if not parts:
        raise ArchiveNameError(f"{archive}: a zip member has an empty name ({raw!r})", archive=archive, member=raw,
                               limit="name", platform=platform)
    for p in parts:
        if len(p.encode("utf-8", "surrogatepass")) > MAX_NAME_BYTES:
            raise ArchiveNameError(f"{archive}: zip member {raw[:80]!r}...: a name component is longer than "
                                   f"{MAX_NAME_BYTES} bytes", archive=archive, member=raw,
                                   limit=f"MAX_NAME_BYTES={MAX_NAME_BYTES}", platform=platform)
    if len("/".join(parts).encode("utf-8", "surrogatepass")) > MAX_PATH_BYTES:
        raise ArchiveNameError(f"{archive}: zip member {raw[:80]!r}...: the path is longer than {MAX_PATH_BYTES} "
                               "bytes", archive=archive, member=raw, limit=f"MAX_PATH_BYTES={MAX_PATH_BYTES}",
                               platform=platform)
    return parts, is_dir


def _fold(parts: list[str]) -> str:
    # one key per on-disk file on every common filesystem: NFC (macOS) and case-insensitive
    return "/".join(unicodedata.normalize("NFC", p).casefold() for p in parts)


def safe_extract(zip_path: str | os.PathLike[str], dest: str | os.PathLike[str], *,
                 platform: str = "", max_members: int = MAX_MEMBERS,
                 max_total_bytes: int = MAX_TOTAL_BYTES) -> list[Path]:
    """Extracts a zip into *dest* after checking every member (see the module docs); returns the
    files written, in archive order."""
    archive = os.fspath(zip_path)
    dest = Path(dest).resolve()
    try:
        zf = zipfile.ZipFile(zip_path)
        infos = zf.infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, EOFError, ValueError, struct.error, NotImplementedError,
            UnicodeDecodeError, IndexError) as e:
        raise ProtocolError(f"{platform + ': ' if platform else ''}{archive} is not a valid zip ({e})",
                            platform=platform) from None
    with zf:
        check_limits(infos, archive, platform=platform, max_members=max_members, max_total_bytes=max_total_bytes)
        plan: list[tuple[zipfile.ZipInfo, Path, bool]] = []
        seen: dict[str, tuple[str, str]] = {}  # folded path -> (file|dir, member name)
        for info in infos:
            parts, is_dir = _parts(archive, info.filename, platform)
            if (info.external_attr >> 16) & 0o170000 == 0o120000:
                raise UnsafeArchiveError(f"{platform + ': ' if platform else ''}{archive}: zip member "
                                         f"{info.filename!r} is a symlink", platform=platform)
            for k in range(1, len(parts)):
                key = _fold(parts[:k])
                kind, other = seen.get(key, ("dir", ""))
                if kind == "file":
                    raise ArchiveCollisionError(f"{archive}: zip members {other!r} and {info.filename!r} collide "
                                                f"({other!r} is a file, {info.filename!r} needs it as a folder)",
                                                archive=archive, member=info.filename, limit="collision",
                                                platform=platform)
                seen.setdefault(key, ("dir", info.filename))
            key = _fold(parts)
            if key in seen:
                kind, other = seen[key]
                if not (is_dir and kind == "dir"):
                    raise ArchiveCollisionError(f"{archive}: zip members {other!r} and {info.filename!r} are the "
                                                "same file on disk (same name, or names differing only in case)",
                                                archive=archive, member=info.filename, limit="collision",
                                                platform=platform)
            seen[key] = ("dir" if is_dir else "file", info.filename)
            target = dest.joinpath(*parts)
            if dest not in target.resolve().parents:
                raise UnsafeArchiveError(f"{platform + ': ' if platform else ''}{archive}: zip member "
                                         f"{info.filename!r} would escape {dest}", platform=platform)
            plan.append((info, target, is_dir))
        written: list[Path] = []
        try:
            for info, target, is_dir in plan:
                if is_dir:
                    _mkdir(archive, info.filename, target, platform)
                    continue
                _mkdir(archive, info.filename, target.parent, platform)
                _write_member(zf, info, target, archive, platform)
                written.append(target)
        except BaseException:
            for p in written:
                try:
                    p.unlink()
                except OSError:
                    pass
            raise
        return written


def check_limits(infos: list[zipfile.ZipInfo], archive: str, *, platform: str = "", max_members: int = MAX_MEMBERS,
                 max_total_bytes: int = MAX_TOTAL_BYTES) -> None:
    """Refuses an archive whose directory declares too many members, too many bytes in all, or
    more than MAX_RATIO times its compressed size (past BOMB_FLOOR_BYTES), before anything is
    decompressed; :func:`member_chunks` holds each member to the size it declares."""
    if len(infos) > max_members:
        raise ArchiveLimitError(f"{archive}: {len(infos)} members, more than the limit of {max_members}",
                                archive=archive, limit=f"MAX_MEMBERS={max_members}", platform=platform)
    total = sum(i.file_size for i in infos)
    packed = sum(i.compress_size for i in infos)
    if total > max_total_bytes:
        raise ArchiveLimitError(f"{archive}: expands to {total} bytes, more than the limit of {max_total_bytes}",
                                archive=archive, limit=f"MAX_TOTAL_BYTES={max_total_bytes}", platform=platform)
    if total > BOMB_FLOOR_BYTES and total > MAX_RATIO * max(packed, 1):
        raise ArchiveLimitError(f"{archive}: {packed} compressed bytes expand to {total} (more than {MAX_RATIO} "
                                "times): refused as a zip bomb", archive=archive,
                                limit=f"MAX_RATIO={MAX_RATIO}", platform=platform)


def member_chunks(zf: zipfile.ZipFile, info: zipfile.ZipInfo, archive: str, platform: str = "") -> Iterator[bytes]:
    """A member's bytes, 64 KiB at a time; ArchiveLimitError as soon as the stream runs on past the
    size the directory declares (which :func:`check_limits` checked)."""
    left = info.file_size
    with zf.open(info) as src:
        while True:
            c = src.read(1 << 16)
            if not c:
                return
            left -= len(c)
            if left < 0:
                raise ArchiveLimitError(f"{archive}: zip member {info.filename!r} expands past the "
                                        f"{info.file_size} bytes it declares", archive=archive,
                                        member=info.filename, limit="declared size", platform=platform)
            yield c


def _mkdir(archive: str, member: str, path: Path, platform: str) -> None:
    try:
        path.mkdir(parents=True, exist_ok=True)
    except OSError as e:
        raise ArchiveWriteError(f"{archive}: zip member {member!r}: cannot make folder {path}: {e.strerror or e}",
                                archive=archive, member=member, limit="write", platform=platform) from None


def _write_member(zf: zipfile.ZipFile, info: zipfile.ZipInfo, target: Path, archive: str, platform: str) -> None:
    try:
        _http.atomic_write(target, member_chunks(zf, info, archive, platform))
    except ArchiveError:
        raise
    except (zipfile.BadZipFile, zlib.error, EOFError, NotImplementedError, RuntimeError, ValueError,
            struct.error) as e:
        raise ProtocolError(f"{platform + ': ' if platform else ''}{archive}: zip member {info.filename!r} is "
                            f"corrupt or unreadable ({e})", platform=platform) from None
    except OSError as e:
        raise ArchiveWriteError(f"{archive}: zip member {info.filename!r}: cannot write {target}: "
                                f"{e.strerror or e}", archive=archive, member=info.filename, limit="write",
                                platform=platform) from None


__all__ = ["safe_extract", "check_limits", "member_chunks", "is_zip", "is_zip_file", "ArchiveError", "ArchiveNameError", "ArchiveCollisionError",
           "ArchiveLimitError", "ArchiveWriteError", "MAX_MEMBERS", "MAX_TOTAL_BYTES", "BOMB_FLOOR_BYTES",
           "MAX_RATIO", "MAX_NAME_BYTES", "MAX_PATH_BYTES"]
