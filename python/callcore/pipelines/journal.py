"""The SQLite journals of the pipelines: WAL, ``synchronous=FULL`` (every commit is fsync'd),
one connection shared by the worker threads under a lock, one short transaction per state change."""
from __future__ import annotations

import json
import os
import sqlite3
from collections.abc import Iterable
from contextlib import contextmanager
from typing import Any, Iterator

from callcore import _crashpoint
from callcore._sqlite import LockedDatabase


class Journal(LockedDatabase):
    """A SQLite file with ``meta`` key/value rows and the tables of ``schema``."""

    def __init__(self, path: str | os.PathLike[str], schema: str) -> None:
        self.path = os.fspath(path)
        os.makedirs(os.path.dirname(os.path.abspath(self.path)), exist_ok=True)
        super().__init__(self.path, timeout=30)
        self.db.execute("PRAGMA journal_mode=WAL")
        self.db.execute("PRAGMA synchronous=FULL")
        with self.lock:
            self.db.executescript("CREATE TABLE IF NOT EXISTS meta (k TEXT PRIMARY KEY, v TEXT);" + schema)

    @contextmanager
    def tx(self) -> Iterator[sqlite3.Connection]:
        """One durable transaction: committed (and fsync'd) on exit, rolled back on error."""
        with self.lock:
            self.db.execute("BEGIN IMMEDIATE")
            try:
                yield self.db
            except BaseException:
                self.db.execute("ROLLBACK")
                raise
            self.db.execute("COMMIT")
        _crashpoint.reached("commit")

    def execute(self, sql: str, args: Iterable[Any] = ()) -> int:
        """One statement in its own durable transaction; returns the rows it changed."""
        with self.tx() as db:
            return db.execute(sql, tuple(args)).rowcount

    def get(self, key: str, default: Any = None) -> Any:
        r = self.row("SELECT v FROM meta WHERE k=?", (key,))
        return default if r is None else json.loads(r["v"])

    def set(self, key: str, value: Any, db: sqlite3.Connection | None = None) -> None:
        sql, args = "INSERT OR REPLACE INTO meta VALUES (?,?)", (key, json.dumps(value, ensure_ascii=False))
        if db is not None:
            db.execute(sql, args)
        else:
            self.execute(sql, args)

    def close(self) -> None:
        with self.lock:
            self.db.close()


def sweep_partials(*folders: Any) -> int:
    """Removes temporary files left by a killed run (``.part-*`` from downloads, ``.*.part`` from
    transcoding, ``*.part`` uploads); returns how many."""
    n = 0
    for d in folders:
        if not os.path.isdir(d):
            continue
        for root, _dirs, files in os.walk(d):
            for f in files:
                if f.startswith(".part-") or (f.startswith(".") and f.endswith(".part")):
                    try:
                        os.unlink(os.path.join(root, f))
                        n += 1
                    except OSError:
                        pass
    return n
