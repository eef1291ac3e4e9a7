"""The receivers' event store: one SQLite file (WAL, ``synchronous=FULL``) in the store folder.

Every push becomes one or more events (a Huawei 7.6.1 push carries a list, one event per result).
An event is keyed by what the platform itself uses to tell one result from another (Huawei 7.6.1:
campaign, sessionId and callId), so a re-push commits nothing new and is still acknowledged.
Recordings named by an event are queued in the same transaction, for ``recordings sync
--from-pushes``.
"""
from __future__ import annotations

import json
import os
import time
from dataclasses import dataclass, field
from typing import Any, Iterator

from callcore.pipelines.journal import Journal

STORE_FILE = "events.sqlite3"

SCHEMA = """
CREATE TABLE IF NOT EXISTS events (
    id INTEGER PRIMARY KEY,
    platform TEXT NOT NULL,
    kind TEXT NOT NULL,
    event_key TEXT NOT NULL UNIQUE,
    received REAL NOT NULL,
    fields TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS recordings (
    platform TEXT NOT NULL,
    path TEXT NOT NULL,
    event_id INTEGER NOT NULL,
    call_key TEXT,
    PRIMARY KEY (platform, path)
);
CREATE TABLE IF NOT EXISTS duplicates (
    event_key TEXT PRIMARY KEY,
    count INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS seen_auth (
    auth_key TEXT PRIMARY KEY,
    content TEXT NOT NULL,
    at REAL NOT NULL
);
"""


@dataclass
class Event:
    """One event of a push: ``fields`` are the push's own fields, as the platform sent them."""

    platform: str
    kind: str
    key: str
    fields: dict[str, Any]
    recordings: list[str] = field(default_factory=list)
    call_key: str | None = None  # what the recording belongs to (Huawei callId, SCCC session, ...)
    # a signature that does not cover the body (SCCC's digest): (its key, a hash of what it came with)
    auth: tuple[str, str] | None = None


class ReplayedAuth(Exception):
    """An authentication block already seen with another body."""


@dataclass
class Stored:
    new: int
    duplicates: int


class EventStore:
    """The store folder's event database; safe to share between the server's threads."""

    def __init__(self, folder: str | os.PathLike[str]) -> None:
        self.folder = os.fspath(folder)
        os.makedirs(self.folder, exist_ok=True)
        self.journal = Journal(os.path.join(self.folder, STORE_FILE), SCHEMA)

    def put(self, events: list[Event], *, auth_horizon: float = 3600.0) -> Stored:
        """Commits the events of one push in one transaction (fsync'd before this returns); events
        already stored are counted as duplicates and left as they are. An event whose ``auth`` key
        was seen (within ``auth_horizon`` seconds) with other content raises :class:`ReplayedAuth`
        and nothing is stored."""
        now = time.time()
        new = dup = 0
        with self.journal.tx() as db:
            for e in events:
                if e.auth is not None:
                    db.execute("DELETE FROM seen_auth WHERE at < ?", (now - auth_horizon,))
                    seen = db.execute("SELECT content FROM seen_auth WHERE auth_key=?", (e.auth[0],)).fetchone()
                    if seen is not None and seen["content"] != e.auth[1]:
                        raise ReplayedAuth(e.auth[0])
                    db.execute("INSERT OR IGNORE INTO seen_auth VALUES (?,?,?)", (e.auth[0], e.auth[1], now))
                cur = db.execute(
                    "INSERT OR IGNORE INTO events (platform, kind, event_key, received, fields) VALUES (?,?,?,?,?)",
                    (e.platform, e.kind, e.key, now, json.dumps(e.fields, ensure_ascii=False, sort_keys=True)))
                if cur.rowcount == 0:
                    dup += 1
                    db.execute("INSERT INTO duplicates VALUES (?,1) ON CONFLICT(event_key) DO UPDATE SET count=count+1",
                               (e.key,))
                    continue
                new += 1
                for path in e.recordings:
                    if path:
                        db.execute("INSERT OR IGNORE INTO recordings VALUES (?,?,?,?)",
                                   (e.platform, path, cur.lastrowid, e.call_key))
        return Stored(new, dup)

    def events(self, platform: str | None = None, kind: str | None = None) -> Iterator[dict[str, Any]]:
        """Stored events in arrival order: the push's fields at the top level, plus ``platform``,
        ``kind`` and ``received`` (ISO 8601, UTC)."""
        sql, args = "SELECT * FROM events", []
        where = []
        if platform:
            where.append("platform=?")
            args.append(platform)
        if kind:
            where.append("kind=?")
            args.append(kind)
        if where:
            sql += " WHERE " + " AND ".join(where)
        for r in self.journal.rows(sql + " ORDER BY id", args):
            out: dict[str, Any] = {"platform": r["platform"], "kind": r["kind"]}
            # a push cannot pass itself off as another platform or kind: those three names are ours
            out.update((k, v) for k, v in json.loads(r["fields"]).items() if k not in ("platform", "kind", "received"))
            out["received"] = _iso(r["received"])
            yield out

    def queued_recordings(self, platform: str | None = None) -> list[dict[str, Any]]:
        sql = ("SELECT r.platform, r.path, r.call_key, e.kind, e.fields, e.received FROM recordings r "
               "JOIN events e ON e.id = r.event_id")
        args: list[Any] = []
        if platform:
            sql += " WHERE r.platform=?"
            args.append(platform)
        return [dict(r) for r in self.journal.rows(sql + " ORDER BY e.id, r.path", args)]

    def counts(self) -> dict[str, int]:
        r = self.journal.row("SELECT COUNT(*) n FROM events")
        d = self.journal.row("SELECT COALESCE(SUM(count),0) n FROM duplicates")
        q = self.journal.row("SELECT COUNT(*) n FROM recordings")
        return {"events": int(r["n"]), "duplicates": int(d["n"]), "recordings": int(q["n"])}

    def close(self) -> None:
        self.journal.close()


def _iso(ts: float) -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(ts)) + f".{int(ts % 1 * 1000):03d}Z"
