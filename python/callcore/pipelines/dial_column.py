"""The ``dial`` column of a call-list clean CSV, kept packed for the import and its outcomes.

A million-row list is one ``bytes`` of ``number\\n`` lines and one array of row offsets (~21 bytes a
row, against ~60 for a Python string in a list); strings are made only for the rows a batch sends.
On a fresh run the clean hands it over as it writes the rows (``calllist.clean(on_dial_column=…)``);
a resumed run reads clean.csv back in one Rust call (a scan for record ends, no CSV parse of every
cell) that also hashes the bytes it reads, so the run checks the file against its journal without
reading it a second time.
"""
from __future__ import annotations

import hashlib
import os
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any, overload


class DialColumn(Sequence[str]):
    """Row ``i``'s dialing string is ``column[i]``; a slice is a list of strings."""

    __slots__ = ("_lines", "_offsets")

    def __init__(self, lines: bytes, offsets: bytes | memoryview) -> None:
        self._lines = lines
        # native-endian u64 offsets into `lines`, one per row plus the end of the last row
        view = memoryview(offsets)
        self._offsets = view if view.format == "Q" else view.cast("Q")

    def __len__(self) -> int:
        return max(len(self._offsets) - 1, 0)

    @overload
    def __getitem__(self, index: int) -> str: ...

    @overload
    def __getitem__(self, index: slice) -> list[str]: ...

    def __getitem__(self, index: int | slice) -> str | list[str]:
        n = len(self)
        if isinstance(index, slice):
            start, stop, step = index.indices(n)
            if step != 1:
                return [self[i] for i in range(start, stop, step)]
            if start >= stop:
                return []
            # one decode and one split for the whole range
            return self.lines(start, stop - start).decode().split("\n")[:-1]
        if index < 0:
            index += n
        if not 0 <= index < n:
            raise IndexError("dial column index out of range")
        return self._lines[self._offsets[index]:self._offsets[index + 1] - 1].decode()

    def lines(self, start: int, n: int) -> bytes:
        """Rows ``start`` .. ``start + n - 1`` as ``number\\n`` lines (what the Rust workbook writer takes)."""
        stop = min(start + n, len(self))
        if start >= stop:
            return b""
        return self._lines[self._offsets[start]:self._offsets[stop]]

    def view(self, start: int, n: int) -> DialColumn:
        """Rows ``start`` .. ``start + n - 1`` as a column sharing this one's buffers (no copy)."""
        start = min(max(start, 0), len(self))
        stop = min(start + max(n, 0), len(self))
        return DialColumn(self._lines, self._offsets[start:stop + 1])

    def take(self, rows: Iterable[int]) -> list[str]:
        """The strings of *rows* (ascending, e.g. a batch's rows less its refused ones), decoded
        as one range."""
        rows = list(rows)
        if not rows:
            return []
        first = rows[0]
        block = self[first:rows[-1] + 1]
        return [block[i - first] for i in rows]


def read_dial_column(path: str | os.PathLike[str]) -> tuple[DialColumn, dict[str, Any]]:
    """The ``dial`` column of a calllist clean CSV written with a platform, in row order, and the
    file's size and SHA-256 as read (``{"bytes": n, "sha256": hex}``, the journal's form)."""
    from callcore._core import calllist as core

    lines, offsets, (size, sha256) = core.read_dial_column(os.fspath(path))
    return DialColumn(lines, offsets), {"bytes": size, "sha256": sha256}


def read_journaled(path: Path, kept: dict[str, Any] | None, *, what: str = "import") -> DialColumn:
    """The dial column of an import's ``clean.csv``, refused when the file is not the one its clean
    wrote: *kept* is the size and SHA-256 the journal took from the clean (``None`` in work folders
    from before they were kept: not checked). The rows of clean.csv are matched to the journal's
    batches by position, so a file edited, cut or replaced since would send, or report outcomes
    for, rows that were never cleaned or other rows than the batches say."""
    try:
        column, now = read_dial_column(path)
    except FileNotFoundError:
        if kept is None:
            raise
        raise ValueError(f"{path}: missing; this work folder's {what} needs the file its clean wrote "
                         f"(restore it, or start again in a new work folder)") from None
    except ValueError:
        # not readable as a clean CSV any more: say it changed when it did (the likelier cause)
        if kept is None or (now := _digest(path)) == kept:
            raise
        raise ValueError(_changed(path, kept, now, what)) from None
    if kept is not None and now != kept:
        raise ValueError(_changed(path, kept, now, what))
    return column


def _digest(path: Path) -> dict[str, Any]:
    """Size and SHA-256 of a file, the journal's form (only for a file the Rust reader refused)."""
    with open(path, "rb") as f:
        return {"bytes": os.fstat(f.fileno()).st_size, "sha256": hashlib.file_digest(f, "sha256").hexdigest()}


def _changed(path: Path, kept: dict[str, Any], now: dict[str, Any], what: str) -> str:
    other = ", other content" if now["bytes"] == kept["bytes"] else ""
    return (f"{path}: changed since the clean of this work folder ({kept['bytes']:,} bytes then, {now['bytes']:,} "
            f"now{other}); the {what} matches its rows by position, so it refuses to go on: restore the file or "
            f"start again in a new work folder")
