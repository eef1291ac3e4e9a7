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

import csv
import json
import os
import sqlite3
import time
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

COLUMNS = ("input_row", "number", "campaign", "session_id", "call_time", "outcome", "code", "meaning", "call_id",
           "recording", "source")
OUTCOMES = ("answered", "failed", "pending", "refused", "not_imported", "not_sent")
HUAWEI_PAGE = 500  # 7.5.1 pageSize without details (001:26654)
HUAWEI_MIN_INTERVAL = 1.0  # 7.5.1: "并发 ≤ 10, 且并发批次间隔在1s以上" (001:26622); we send one at a time


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


def _huawei_meaning(code: str) -> str:
    from callcore.platforms.huawei import fail_code_meaning

    return fail_code_meaning(code)


def _result_outcome(platform: str, r: dict[str, Any]) -> tuple[str, str, str]:
    """(outcome, code, meaning) of one platform result."""
    if platform == "huawei":
        status = str(r.get("callStatus", ""))
        code = str(r.get("failCode") or "")
        if status == "6":  # 6 呼叫成功 (001:27184)
            return "answered", code or "00000", "外呼成功"
        return "failed", code, _huawei_meaning(code) if code else "呼叫失败 (no failCode)"
    raise ValueError(f"platform {platform}: results are joined for huawei only")


def huawei_poller(client: Any, *, sleep: Callable[[float], None] = time.sleep,
                  min_interval: float = HUAWEI_MIN_INTERVAL) -> Callable[[int, str], list[dict[str, Any]]]:
    """A 7.5.1 lookup of one campaign's results by customField (our batch tag), every page of 500,
    one call at a time and at least ``min_interval`` apart."""
    last = [0.0]

    def fetch(campaign: int, tag: str) -> list[dict[str, Any]]:
        out: list[dict[str, Any]] = []
        page = 1
        while True:
            wait = last[0] + min_interval - time.monotonic()
            if wait > 0:
                sleep(wait)
            total, items = client.call_results(campaign, customField=tag, pageSize=HUAWEI_PAGE, pageNum=page)
            last[0] = time.monotonic()
            out.extend({k: getattr(i, k) for k in ("campaignId", "sessionId", "called", "callTimeStr", "callStatus",
                                                    "failCode", "callId", "recordPath", "customField")} for i in items)
            if not items or page * HUAWEI_PAGE >= int(total):
                return out
            page += 1

    return fetch


def outcomes(workdir: str | os.PathLike[str], *, store: str | os.PathLike[str] | None = None,
             poll: Callable[[int, str], list[dict[str, Any]]] | None = None) -> Outcomes:
    """The outcome of every input row of the import in ``workdir``; see the module docs."""
    work = Path(workdir)
    db = _ro(work / "journal.sqlite3")
    try:
        platform = _meta(db, "platform", "huawei")
        job = _meta(db, "job")
        clean = _meta(db, "clean")
        if job is None or clean is None:
            raise ValueError(f"{work}: the import has not cleaned its list yet: run `callcore outbound import` first")
        batches = [dict(r) for r in db.execute("SELECT * FROM batches WHERE state != 'split' ORDER BY start")]
        refused = {r["row"]: dict(r) for r in db.execute("SELECT * FROM rejects")}
    finally:
        db.close()
    header, clean_rows = _read_csv(work / "clean.csv")
    dial_i = header.index("dial") if "dial" in header else 0
    rej_header, rej_rows = _read_csv(work / "rejects.csv") if (work / "rejects.csv").exists() else ([], [])
    # clean rows are the input lines the cleaning did not set aside, in order (rejects.csv: row = input line)
    first_line = 2 if clean.get("header") else 1
    set_aside = {int(r[0]): r for r in rej_rows if r and r[0].isdigit()}
    lines = [n for n in range(first_line, first_line + int(clean.get("rows", 0))) if n not in set_aside]
    if len(lines) != len(clean_rows):
        lines = []  # the input had lines the cleaning did not count (blank lines): say "clean row N" instead

    pushed: dict[tuple[str, str], dict[str, Any]] = {}
    if store is not None:
        from callcore.receivers.store import STORE_FILE, EventStore

        if not (Path(store) / STORE_FILE).exists():
            raise FileNotFoundError(f"--store {store}: no {STORE_FILE} there")
        es = EventStore(store)
        try:
            if platform == "huawei":
                for ev in es.events("huawei", "result"):
                    key = (str(ev.get("campaignId")), str(ev.get("sessionId")))
                    prev = pushed.get(key)
                    # a session dialled again: its latest call is its outcome
                    if prev is None or str(ev.get("callTimeStr", "")) >= str(prev.get("callTimeStr", "")):
                        pushed[key] = ev
        finally:
            es.close()

    out: list[dict[str, Any]] = []
    polled_calls = 0
    by_row_batch: dict[int, dict[str, Any]] = {}
    for b in batches:
        for row in range(b["start"], b["start"] + b["n"]):
            by_row_batch[row] = b
    polled: dict[tuple[str, str], dict[str, Any]] = {}
    if poll is not None and platform == "huawei":
        wanted: set[tuple[int, str]] = set()
        for row, b in by_row_batch.items():
            if b["state"] in ("accepted", "done") and row not in refused and \
                    (str(b["campaign"]), f"{job}{row}") not in pushed:
                wanted.add((int(b["campaign"]), str(b["tag"])))
        for campaign, tag in sorted(wanted):
            for r in poll(campaign, tag):
                polled_calls += 1
                key = (str(r.get("campaignId")), str(r.get("sessionId")))
                prev = polled.get(key)
                if prev is None or str(r.get("callTimeStr", "")) >= str(prev.get("callTimeStr", "")):
                    polled[key] = r

    for row, values in enumerate(clean_rows):
        number = values[dial_i] if dial_i < len(values) else ""
        rec: dict[str, Any] = {"input_row": lines[row] if lines else f"clean row {row + 1}", "number": number,
                               "campaign": "", "session_id": "", "call_time": "", "outcome": "", "code": "",
                               "meaning": "", "call_id": "", "recording": "", "source": ""}
        b = by_row_batch.get(row)
        if row in refused:
            r = refused[row]
            rec.update(outcome="refused", code=str(r["code"] or ""), meaning=str(r["msg"] or ""),
                       campaign=str(b["campaign"] if b else ""), source="import")
        elif b is None or b["state"] not in ("accepted", "done"):
            rec.update(outcome="not_sent", meaning=f"batch {b['state'] if b else 'not planned'}: run the import "
                                                   "again to finish it", source="import")
        else:
            sid = f"{job}{row}"
            rec.update(campaign=str(b["campaign"]), session_id=sid)
            result = pushed.get((str(b["campaign"]), sid))
            source = "push"
            if result is None:
                result, source = polled.get((str(b["campaign"]), sid)), "poll"
            if result is None:
                rec.update(outcome="pending", meaning="taken by the platform, no result yet (not yet dialled)")
            else:
                outcome, code, meaning = _result_outcome(platform, result)
                rec.update(outcome=outcome, code=code, meaning=meaning, call_time=str(result.get("callTimeStr") or ""),
                           call_id=str(result.get("callId") or ""), recording=str(result.get("recordPath") or ""),
                           source=source)
        out.append(rec)
    for line, r in sorted(set_aside.items()):
        reason = r[2] if len(r) > 2 else ""
        out.append({"input_row": line, "number": r[1] if len(r) > 1 else "", "campaign": "", "session_id": "",
                    "call_time": "", "outcome": "not_imported", "code": reason, "meaning": _REASONS.get(reason, reason),
                    "call_id": "", "recording": "", "source": "clean"})
    if lines:
        out.sort(key=lambda r: int(r["input_row"]))
    counts = Counter(r["outcome"] for r in out)
    failed_codes = Counter(f"{r['code']} {r['meaning']}" for r in out if r["outcome"] == "failed")
    summary = {
        "platform": platform, "input_rows": int(clean.get("rows", 0)), "rows": len(out),
        "outcomes": {k: counts.get(k, 0) for k in OUTCOMES},
        "failed_by_code": dict(failed_codes.most_common()),
        "from_push": sum(1 for r in out if r["source"] == "push"),
        "from_poll": sum(1 for r in out if r["source"] == "poll"), "poll_results_read": polled_calls,
        "with_recording": sum(1 for r in out if r["recording"]),
    }
    summary["reconciles"] = summary["rows"] == summary["input_rows"]
    return Outcomes(out, summary)


_REASONS = {"duplicate": "duplicate of an earlier row", "blacklisted": "on the blacklist",
            "already_imported": "imported before (store)"}


def _defuse(v: Any) -> Any:
    """A cell that a spreadsheet would run as a formula gets a leading ``'``, as the calllist
    engine does in clean and rejects CSVs (rust/calllist/io.rs); rejects.csv cells come defused."""
    if isinstance(v, str) and v[:1] in ("=", "+", "-", "@"):
        return "'" + v
    return v


def write_csv(path: str | os.PathLike[str], rows: Iterable[dict[str, Any]]) -> int:
    path = Path(path)
    tmp = path.with_name(f".{path.name}.part")
    n = 0
    with open(tmp, "w", newline="", encoding="utf-8") as f:
        w = csv.DictWriter(f, fieldnames=COLUMNS)
        w.writeheader()
        for r in rows:
            w.writerow({k: _defuse(v) for k, v in r.items()})
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
                                   "credentials CALLCORE_ACCESS_KEY / CALLCORE_SECRET_KEY). Rows not yet dialled "
                                   "are pending, never failed.")
    p.add_argument("workdir", metavar="WORKDIR", type=Path, help="the import's work folder")
    p.add_argument("--store", metavar="DIR", help="the receiver's store folder (callcore receive serve --store)")
    p.add_argument("--poll", action="store_true", help="look up rows without a pushed result on the platform")
    p.add_argument("--endpoint", metavar="URL", help="iSales base URL for --poll (default $CALLCORE_ENDPOINT)")
    p.add_argument("--vdn", type=int, default=1)
    p.add_argument("-o", "--output", type=Path, help="CSV to write (default WORKDIR/results.csv)")
    p.add_argument("--xlsx", action="store_true", help="also write the same table as .xlsx next to the CSV")
    p.add_argument("--json", action="store_true", help="print the summary as JSON")
    p.set_defaults(func=_cmd_results)


def _cmd_results(args: Any) -> int:
    poll = None
    client = None
    if args.poll:
        from callcore.platforms.huawei import HuaweiClient

        from .cli import _creds, _endpoint

        ak, sk = _creds()
        client = HuaweiClient(_endpoint(args), ak, sk, vdn_id=args.vdn)
        poll = huawei_poller(client)
    try:
        res = outcomes(args.workdir, store=args.store, poll=poll)
    finally:
        if client is not None:
            client.close()
    out = args.output or Path(args.workdir) / "results.csv"
    write_csv(out, res.rows)
    files = [str(out)]
    if args.xlsx:
        xl = Path(out).with_suffix(".xlsx")
        write_xlsx(xl, res.rows)
        files.append(str(xl))
    if args.json:
        print(json.dumps(dict(res.summary, files=files), ensure_ascii=False, indent=2))
    else:
        print(summary_table(res.summary))
        print("results -> " + ", ".join(files))
    return 0
