"""One SQLite connection shared by threads behind one lock: the reads every store of callcore
makes the same way (the pipelines' journals, the receivers' store, the sandboxes' state). How a
store writes differs (a journal commits each statement durably, a sandbox does not), so writing
stays with each store."""
from __future__ import annotations

import sqlite3
import threading
from typing import Any, Iterable


class LockedDatabase:
    """``db`` (autocommit, rows as :class:`sqlite3.Row`) and the ``lock`` every use holds."""

    def __init__(self, path: str, timeout: float = 5.0) -> None:
        self.db = sqlite3.connect(path, check_same_thread=False, isolation_level=None, timeout=timeout)
        self.db.row_factory = sqlite3.Row
        self.lock = threading.RLock()

    def rows(self, sql: str, args: Iterable[Any] = ()) -> list[sqlite3.Row]:
        """Every row a query returns."""
        with self.lock:
            return self.db.execute(sql, tuple(args)).fetchall()

    def row(self, sql: str, args: Iterable[Any] = ()) -> sqlite3.Row | None:
        """The first row a query returns, or None."""
        rows = self.rows(sql, args)
        return rows[0] if rows else None
