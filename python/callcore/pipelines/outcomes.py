"""``callcore outbound results``: the outcome of every input row of an import.

An import's work folder says, for every input row, whether the list cleaning set it aside
(invalid, duplicate, blacklisted), the platform refused it, or which campaign took it under which
sessionId (``job`` + clean row, :mod:`callcore.pipelines.outbound`). The journal is only read.
The results come from the pushes a receiver stored (``callcore receive serve --store DIR``), joined
by our sessionId and the campaign; rows without a pushed result are looked up by polling (Huawei
7.5.1 by the batch's customField tag, at most 500 a page, one call at a time at least 1 s apart,
001:26604-26660). A row taken by the platform with no result anywhere is **pending** (not yet
dialled), never failed.

Outcomes: ``answered``, ``failed`` (with the platform's code and its meaning: table 7-295 for
Huawei failCodes, 001:27220-27250), ``pending``, ``refused`` (by the platform at import),
``not_imported`` (set aside by the cleaning: invalid, duplicate, blacklisted), ``not_sent`` (the
import has not finished that row's batch). Every input row gets exactly one.
"""
from __future__ import annotations

import bisect
import csv
import json
import os
import sqlite3
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .outcome_sources import (HUAWEI_MIN_INTERVAL, HUAWEI_PAGE, OutcomeSource, Poll, PollOptions, Result,
                              babaihu_hangup_result, babaihu_poller, babaihu_task_result, hl95_contact_result,
                              hl95_poller, huawei_poller, huawei_release_cause_meaning, huawei_result,
                              sccc_billing_result, sccc_cdr_result, sccc_poller)

# the platforms' result parsers and pollers live in outcome_sources; these names stay importable from here
__all__ = ["COLUMNS", "OUTCOMES", "OutcomeJoin", "Outcomes", "PollOptions", "babaihu_hangup_result",
           "babaihu_poller", "babaihu_task_result", "hl95_contact_result", "hl95_poller", "huawei_poller",
           "huawei_release_cause_meaning", "huawei_result", "outcome_source", "outcomes", "sccc_billing_result",
           "sccc_cdr_result", "sccc_poller", "summary_table", "write_csv", "write_outcomes", "write_xlsx",
           "HUAWEI_MIN_INTERVAL", "HUAWEI_PAGE"]

COLUMNS = ("input_row", "number", "campaign", "session_id", "call_time", "outcome", "code", "meaning", "call_id",
           "recording", "source")
OUTCOMES = ("answered", "failed", "pending", "refused", "not_imported", "not_sent")


@dataclass
class Outcomes:
    rows: list[dict[str, Any]]
    summary: dict[str, Any] = field(default_factory=dict)


def _ro(path: Path) -> sqlite3.Connection:
    if not path.is_file():
        raise FileNotFoundError(f"{path}: no import journal here (give the import's work folder)")
    db = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    db.row_factory = sqlite3.Row
    return db


def _meta(db: sqlite3.Connection, key: str, default: Any = None) -> Any:
    r = db.execute("SELECT v FROM meta WHERE k=?", (key,)).fetchone()
    return default if r is None else json.loads(r["v"])


def _read_csv(path: Path) -> tuple[list[str], list[list[str]]]:
    with open(path, newline="", encoding="utf-8-sig") as f:
        r = csv.reader(f)
        header = next(r, [])
        return header, list(r)


def _later(new: dict[str, Any], old: dict[str, Any] | None) -> bool:
    # a number dialled again: its latest call is its outcome
    return old is None or str(new.get("call_time", "")) >= str(old.get("call_time", ""))


def _pushed_results(source: OutcomeSource, platform: str, store: str | os.PathLike[str]) -> dict[Any, Result]:
    from callcore.receivers.store import STORE_FILE, EventStore

    if not (Path(store) / STORE_FILE).exists():
        raise FileNotFoundError(f"--store {store}: no {STORE_FILE} there")
    if source.push_kind is None:
        return {}  # a platform without pushes (九五: seed 000 defines none)
    out: dict[Any, Result] = {}
    es = EventStore(store)
    try:
        for ev in es.events(platform, source.push_kind):
            r = source.from_push(ev)
            if r is not None and _later(r, out.get(r["key"])):
                out[r["key"]] = r
    finally:
        es.close()
    return out


def outcome_source(platform: str) -> OutcomeSource:
    """The platform's :class:`~callcore.pipelines.outcome_sources.OutcomeSource`, from the registry."""
    from callcore.platforms import registry

    spec = registry.get(platform)
    if spec.outcome_source is None:
        raise ValueError(f"platform {platform}: no outcome source is registered (PlatformSpec.outcome_source)")
    source: OutcomeSource = registry.load(spec.outcome_source)()
    return source


class OutcomeJoin:
    """The join of one import's rows to their results, prepared once; :meth:`rows` streams the
    outcomes in input-line order (a million-row import is never held as a million dicts)."""

    def __init__(self, workdir: str | os.PathLike[str], *, store: str | os.PathLike[str] | None = None,
                 poll: Poll | None = None) -> None:
        from .dial_column import read_journaled

        work = Path(workdir)
        db = _ro(work / "journal.sqlite3")
        try:
            self.platform = str(_meta(db, "platform", "huawei"))
            self.job = _meta(db, "job")
            clean = _meta(db, "clean")
            clean_file = _meta(db, "clean_file")
            if self.job is None or clean is None:
                raise ValueError(f"{work}: the import has not cleaned its list yet: run `callcore outbound import` "
                                 "first")
            self.batches = [dict(r) for r in db.execute("SELECT * FROM batches WHERE state != 'split' ORDER BY start")]
            self.refused = {r["row"]: dict(r) for r in db.execute("SELECT * FROM rejects")}
        finally:
            db.close()
        self.input_rows = int(clean.get("rows", 0))
        # every row is looked up by index below: one decode of the packed column into a list
        # (checked against the journal: outcomes are matched to the batches' rows by position)
        clean_csv = work / "clean.csv"
        self.numbers = (read_journaled(clean_csv, clean_file, what="outcome join")[:]
                        if clean_file is not None or clean_csv.exists() else [])
        _h, rej_rows = _read_csv(work / "rejects.csv") if (work / "rejects.csv").exists() else ([], [])
        self.set_aside = sorted((int(r[0]), r) for r in rej_rows if r and r[0].isdigit())
        # clean rows are the input lines the cleaning did not set aside, in order (rejects.csv: row = input line)
        self.first_line = 2 if clean.get("header") else 1
        self.lines_known = len(self.numbers) + len(self.set_aside) == self.input_rows
        self._starts = [b["start"] for b in self.batches]
        self.source = outcome_source(self.platform)
        self.pushed = _pushed_results(self.source, self.platform, store) if store is not None else {}
        self.polled: dict[Any, dict[str, Any]] = {}
        self.poll_results_read = 0
        if poll is not None:
            wanted: set[tuple[int, str]] = set()
            for b in self.batches:
                if b["state"] not in ("accepted", "done"):
                    continue
                for row in range(b["start"], min(b["start"] + b["n"], len(self.numbers))):
                    if row not in self.refused and self._key(b, row, pushed=True) not in self.pushed:
                        wanted.add((int(b["campaign"]), str(b["tag"])))
                        break
            for campaign, tag in sorted(wanted):
                for r in poll(campaign, tag):
                    self.poll_results_read += 1
                    if _later(r, self.polled.get(r["key"])):
                        self.polled[r["key"]] = r

    def _key(self, b: dict[str, Any], row: int, *, pushed: bool) -> Any:
        return self.source.join_key(b["campaign"], f"{self.job}{row}", self.numbers[row], pushed=pushed)

    def _batch(self, row: int) -> dict[str, Any] | None:
        i = bisect.bisect_right(self._starts, row) - 1
        if i >= 0:
            b = self.batches[i]
            if b["start"] <= row < b["start"] + b["n"]:
                return b
        return None

    def _clean_row(self, row: int, line: Any) -> dict[str, Any]:
        number = self.numbers[row]
        rec: dict[str, Any] = {"input_row": line, "number": number, "campaign": "", "session_id": "",
                               "call_time": "", "outcome": "", "code": "", "meaning": "", "call_id": "",
                               "recording": "", "source": ""}
        b = self._batch(row)
        if row in self.refused:
            r = self.refused[row]
            rec.update(outcome="refused", code=str(r["code"] or ""), meaning=str(r["msg"] or ""),
                       campaign=str(b["campaign"] if b else ""), source="import")
        elif b is None or b["state"] not in ("accepted", "done"):
            rec.update(outcome="not_sent", meaning=f"batch {b['state'] if b else 'not planned'}: run the import "
                                                   "again to finish it", source="import")
        else:
            sid = f"{self.job}{row}"
            rec.update(campaign=str(b["campaign"]), session_id=sid if self.source.shows_session_id else "")
            result, source = self.pushed.get(self._key(b, row, pushed=True)), "push"
            if result is None and self.polled:
                result, source = self.polled.get(self._key(b, row, pushed=False)), "poll"
            if result is None:
                rec.update(outcome="pending", meaning="taken by the platform, no result yet (not yet dialled)")
            else:
                rec.update({k: result[k] for k in ("outcome", "code", "meaning", "call_time", "call_id", "recording")},
                           source=source)
        return rec

    @staticmethod
    def _set_aside_row(line: int, r: list[str]) -> dict[str, Any]:
        reason = r[2] if len(r) > 2 else ""
        return {"input_row": line, "number": r[1] if len(r) > 1 else "", "campaign": "", "session_id": "",
                "call_time": "", "outcome": "not_imported", "code": reason, "meaning": _REASONS.get(reason, reason),
                "call_id": "", "recording": "", "source": "clean"}

    def rows(self) -> Iterator[dict[str, Any]]:
        """Every input row's outcome, in input-line order."""
        aside = iter(self.set_aside)
        nxt = next(aside, None)
        if not self.lines_known:
            # the input had lines the cleaning did not count (blank lines): clean rows are "clean row N"
            for row in range(len(self.numbers)):
                yield self._clean_row(row, f"clean row {row + 1}")
            for line, r in self.set_aside:
                yield self._set_aside_row(line, r)
            return
        line = self.first_line
        for row in range(len(self.numbers)):
            while nxt is not None and nxt[0] == line:
                yield self._set_aside_row(*nxt)
                nxt = next(aside, None)
                line += 1
            yield self._clean_row(row, line)
            line += 1
        while nxt is not None:
            yield self._set_aside_row(*nxt)
            nxt = next(aside, None)


class _Tally:
    def __init__(self) -> None:
        self.rows = 0
        self.outcomes: Counter[str] = Counter()
        self.failed: Counter[str] = Counter()
        self.sources: Counter[str] = Counter()
        self.with_recording = 0

    def add(self, r: dict[str, Any]) -> dict[str, Any]:
        self.rows += 1
        self.outcomes[r["outcome"]] += 1
        self.sources[r["source"]] += 1
        if r["outcome"] == "failed":
            self.failed[f"{r['code']} {r['meaning']}"] += 1
        if r["recording"]:
            self.with_recording += 1
        return r

    def summary(self, j: OutcomeJoin) -> dict[str, Any]:
        s = {"platform": j.platform, "input_rows": j.input_rows, "rows": self.rows,
             "outcomes": {k: self.outcomes.get(k, 0) for k in OUTCOMES},
             "failed_by_code": dict(self.failed.most_common()), "from_push": self.sources.get("push", 0),
             "from_poll": self.sources.get("poll", 0), "poll_results_read": j.poll_results_read,
             "with_recording": self.with_recording}
        s["reconciles"] = s["rows"] == s["input_rows"]
        return s


def outcomes(workdir: str | os.PathLike[str], *, store: str | os.PathLike[str] | None = None,
             poll: Poll | None = None) -> Outcomes:
    """The outcome of every input row of the import in ``workdir`` (all in memory; see
    :func:`write_outcomes` for large imports); see the module docs."""
    j = OutcomeJoin(workdir, store=store, poll=poll)
    t = _Tally()
    rows = [t.add(r) for r in j.rows()]
    return Outcomes(rows, t.summary(j))


def write_outcomes(workdir: str | os.PathLike[str], csv_path: str | os.PathLike[str], *,
                   store: str | os.PathLike[str] | None = None,
                   poll: Poll | None = None,
                   xlsx_path: str | os.PathLike[str] | None = None) -> dict[str, Any]:
    """Streams every row's outcome to ``csv_path`` (and ``xlsx_path``); returns the summary."""
    j = OutcomeJoin(workdir, store=store, poll=poll)
    t = _Tally()
    write_csv(csv_path, (t.add(r) for r in j.rows()))
    if xlsx_path is not None:
        write_xlsx(xlsx_path, j.rows())
    return t.summary(j)


_REASONS = {"duplicate": "duplicate of an earlier row", "blacklisted": "on the blacklist",
            "already_imported": "imported before (store)"}


#: first characters that make a spreadsheet run a cell as a formula
_FORMULA = frozenset("=+-@")


def _defuse(v: Any) -> Any:
    """A cell that a spreadsheet would run as a formula gets a leading ``'``, as the calllist
    engine does in clean and rejects CSVs (rust/calllist/io.rs); rejects.csv cells come defused.
    Push fields are the platform's (or anyone's who reaches the receiver): every cell is checked."""
    if isinstance(v, str) and v[:1] in _FORMULA:
        return "'" + v
    return v


def write_csv(path: str | os.PathLike[str], rows: Iterable[dict[str, Any]]) -> int:
    path = Path(path)
    tmp = path.with_name(f".{path.name}.part")
    n = 0
    formula = _FORMULA
    with open(tmp, "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(COLUMNS)
        for r in rows:
            # the same check as _defuse, inlined: this loop runs once per input row
            w.writerow(["'" + v if v.__class__ is str and v[:1] in formula else v for v in map(r.__getitem__, COLUMNS)])
            n += 1
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, path)
    return n


def write_xlsx(path: str | os.PathLike[str], rows: Iterable[dict[str, Any]]) -> int:
    from .xlsx import write_workbook

    return write_workbook(path, COLUMNS, ([str(r[c]) if r[c] != "" else None for c in COLUMNS] for r in rows))


def summary_table(s: dict[str, Any]) -> str:
    lines = [f"outcomes of {s['rows']} input rows ({s['platform']}):"]
    for k in OUTCOMES:
        lines.append(f"  {k:13} {s['outcomes'][k]:>9,}")
    lines.append(f"  {'total':13} {sum(s['outcomes'].values()):>9,}  "
                 f"({'reconciles with' if s['reconciles'] else 'DOES NOT reconcile with'} {s['input_rows']:,} input rows)")
    lines.append(f"  results from pushes: {s['from_push']:,}, from polling: {s['from_poll']:,}; "
                 f"with a recording: {s['with_recording']:,}")
    for code, n in list(s["failed_by_code"].items())[:10]:
        lines.append(f"  failed {n:>7,}  {code}")
    return "\n".join(lines)


# ----------------------------------------------------------------------------------------------
# `callcore outbound results` (registered from pipelines/cli.py)


def register_cli(obs: Any) -> None:
    p = obs.add_parser("results", help="the outcome of every input row of an import (pushes, then polling)",
                       description="Join an import's rows (its work folder, read only) to the results a receiver "
                                   "stored (--store) and, with --poll, to the platform's own results for rows "
                                   "without a push (Huawei 7.5.1 by the batch's customField, 500 a page, 1 s apart; "
                                   "SCCC getCdrList by number; 八百呼 findTaskMx and 九五 outboundContacts by our "
                                   "sessionId; credentials CALLCORE_ACCESS_KEY / CALLCORE_SECRET_KEY). Rows not yet "
                                   "dialled are pending, never failed.")
    p.add_argument("workdir", metavar="WORKDIR", type=Path, help="the import's work folder")
    p.add_argument("--store", metavar="DIR", help="the receiver's store folder (callcore receive serve --store)")
    p.add_argument("--poll", action="store_true", help="look up rows without a pushed result on the platform")
    p.add_argument("--endpoint", metavar="URL", help="iSales base URL for --poll (default $CALLCORE_ENDPOINT)")
    p.add_argument("--vdn", type=int, default=1)
    p.add_argument("--agent", help="sccc --poll: the task's agent (getCdrList is per agent)")
    p.add_argument("--since", metavar="T", help="sccc --poll: getCdrList startTime YYYY-MM-DD HH:MM:SS (default today)")
    p.add_argument("--until", metavar="T", help="sccc --poll: getCdrList endTime")
    p.add_argument("-o", "--output", type=Path, help="CSV to write (default WORKDIR/results.csv)")
    p.add_argument("--xlsx", action="store_true", help="also write the same table as .xlsx next to the CSV")
    p.add_argument("--json", action="store_true", help="print the summary as JSON")
    p.set_defaults(func=_cmd_results)


def import_platform(workdir: str | os.PathLike[str]) -> str:
    db = _ro(Path(workdir) / "journal.sqlite3")
    try:
        return str(_meta(db, "platform", "huawei"))
    finally:
        db.close()


def _client_and_poller(platform: str, args: Any) -> tuple[Any, Poll]:
    from callcore.platforms import registry

    from .cli_common import _creds, _endpoint

    ak, sk = _creds()
    source = outcome_source(platform)
    options = PollOptions(vdn=args.vdn, agent=args.agent, since=args.since or "", until=args.until or "")
    client = registry.load(registry.get(platform).client)(_endpoint(args), ak, sk, **source.client_arguments(options))
    try:
        return client, source.poller(client, options)
    except BaseException:
        client.close()
        raise


def _cmd_results(args: Any) -> int:
    poll = None
    client = None
    if args.poll:
        client, poll = _client_and_poller(import_platform(args.workdir), args)
    out = args.output or Path(args.workdir) / "results.csv"
    xl = Path(out).with_suffix(".xlsx") if args.xlsx else None
    try:
        summary = write_outcomes(args.workdir, out, store=args.store, poll=poll, xlsx_path=xl)
    finally:
        if client is not None:
            client.close()
    files = [str(out)] + ([str(xl)] if xl else [])
    if args.json:
        print(json.dumps(dict(summary, files=files), ensure_ascii=False, indent=2))
    else:
        print(summary_table(summary))
        print("results -> " + ", ".join(files))
    return 0
