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


def _later(new: dict[str, Any], old: dict[str, Any] | None) -> bool:
    # a number dialled again: its latest call is its outcome
    return old is None or str(new.get("call_time", "")) >= str(old.get("call_time", ""))


# --- each platform's results, normalised to {key, outcome, code, meaning, call_time, call_id, recording}.
# The key is what joins a result to an input row: Huawei echoes our sessionId (with the campaign), 八百呼
# (ctdKey) and 九五 (mobileDes) echo it in their listings; SCCC echoes neither, so its results join by number.


def huawei_result(r: dict[str, Any]) -> dict[str, Any] | None:
    """A 7.6.1 push or a 7.5.1 row (001:27180-27190, 26677-26688)."""
    status = str(r.get("callStatus", ""))
    code = str(r.get("failCode") or "")
    if status == "6":  # 6 呼叫成功 (001:27184)
        outcome, code, meaning = "answered", code or "00000", "外呼成功"
    elif status == "5":
        outcome, meaning = "failed", _huawei_meaning(code) if code else "呼叫失败 (no failCode)"
    else:
        return None
    return {"key": (str(r.get("campaignId")), str(r.get("sessionId"))), "outcome": outcome, "code": code,
            "meaning": meaning, "call_time": str(r.get("callTimeStr") or ""), "call_id": str(r.get("callId") or ""),
            "recording": str(r.get("recordPath") or "")}


def sccc_billing_result(n: dict[str, Any]) -> dict[str, Any] | None:
    """An SCCC billing push (003:3002-3061): answered when it has an answerTime."""
    answered = bool(str(n.get("answerTime") or "").strip())
    return {"key": str(n.get("callee") or ""), "outcome": "answered" if answered else "failed",
            "code": "" if answered else "no answerTime", "meaning": "接通" if answered else "未接通 (billing without answerTime)",
            "call_time": str(n.get("startTime") or ""), "call_id": str(n.get("session") or ""),
            "recording": str(n.get("recordFile") or "")}


_SCCC_CDR_RESULT = {"1": ("answered", "接通"), "2": ("failed", "未接通"), "3": ("failed", "空号")}  # 003:3348-3352


def sccc_cdr_result(r: dict[str, Any]) -> dict[str, Any] | None:
    """A getCdrList row (003:3330-3353): ``result`` 1 接通 / 2 未接通 / 3 空号, ``releaseCause`` a SIP code."""
    res = _SCCC_CDR_RESULT.get(str(r.get("result", "")))
    if res is None:
        return None
    outcome, meaning = res
    cause = str(r.get("releaseCause") or "")
    return {"key": str(r.get("callee") or ""), "outcome": outcome, "code": str(r.get("result")),
            "meaning": meaning + (f" (SIP {cause})" if cause else ""), "call_time": str(r.get("answerTime") or ""),
            "call_id": str(r.get("key") or ""), "recording": str(r.get("filename") or "")}


def babaihu_hangup_result(ev: dict[str, Any]) -> dict[str, Any] | None:
    """A 八百呼 hang-up push's memo (004:1133-1160): answered when it has talk time."""
    m = ev.get("memo") or {}
    talk = str(m.get("cdrTalktime") or "0")
    answered = talk not in ("", "0")
    reason = str(m.get("cdrHangupReasonText") or m.get("cdrHangupReasonCode") or "")
    return {"key": str(m.get("cdrPhoneNum") or ev.get("phone") or ""), "outcome": "answered" if answered else "failed",
            "code": str(m.get("cdrHangupReasonCode") or ""), "meaning": ("已接听" if answered else "未接听") +
            (f" ({reason})" if reason else ""), "call_time": str(m.get("cdrStartTime") or ""),
            "call_id": str(m.get("cdrId") or ""), "recording": str(m.get("cdrRecordFile") or "")}


# findTaskMx ctdStatus (004:1115): 0 未呼叫 1 呼叫中 2 暂停 3 未接听 4 已接听 5 已转接
_BABAIHU_STATUS = {"3": ("failed", "未接听"), "4": ("answered", "已接听"), "5": ("answered", "已转接")}


def babaihu_task_result(r: dict[str, Any]) -> dict[str, Any] | None:
    res = _BABAIHU_STATUS.get(str(r.get("ctdStatus", "")))
    if res is None:
        return None  # 0 未呼叫, 1 呼叫中, 2 暂停: not dialled yet
    return {"key": str(r.get("ctdKey") or ""), "outcome": res[0], "code": str(r.get("ctdStatus")), "meaning": res[1],
            "call_time": str(r.get("ctdCallTime") or ""), "call_id": str(r.get("ctdId") or ""), "recording": ""}


# outboundContacts callState (000:2224): 0 呼叫失败 1 联系成功 4 用户应答 5 无人应答 7 座席拒接 8 座席全忙 9 未联系
_HL95_STATE = {"0": ("failed", "呼叫失败"), "1": ("answered", "联系成功"), "4": ("answered", "用户应答"),
               "5": ("failed", "无人应答"), "7": ("failed", "座席拒接"), "8": ("failed", "座席全忙")}


def hl95_contact_result(r: dict[str, Any]) -> dict[str, Any] | None:
    res = _HL95_STATE.get(str(r.get("callState", "")))
    if res is None:
        return None  # 9 未联系, or no state yet
    cause = str(r.get("cHangupCause") or "")
    return {"key": str(r.get("mobileDes") or ""), "outcome": res[0], "code": str(r.get("callState")),
            "meaning": res[1] + (f" ({cause})" if cause else ""),
            "call_time": str(r.get("cStartTime") or r.get("callTime") or ""), "call_id": str(r.get("callId") or ""),
            "recording": str(r.get("fileName") or "")}


def _row_key(platform: str, campaign: Any, sid: str, number: str, *, pushed: bool) -> Any:
    """What joins a row to a result: the 八百呼 hang-up push carries only the number (its listing
    findTaskMx carries our key); SCCC only numbers; Huawei our sessionId in a campaign."""
    if platform == "huawei":
        return (str(campaign), sid)
    if platform == "sccc" or (platform == "babaihu" and pushed):
        return number
    return sid


def _pushed_results(platform: str, store: str | os.PathLike[str]) -> dict[Any, dict[str, Any]]:
    from callcore.receivers.store import STORE_FILE, EventStore

    if not (Path(store) / STORE_FILE).exists():
        raise FileNotFoundError(f"--store {store}: no {STORE_FILE} there")
    kinds = {"huawei": ("result", huawei_result), "sccc": ("billing", sccc_billing_result),
             "babaihu": ("hangup", babaihu_hangup_result)}
    if platform not in kinds:
        return {}  # 九五 defines no pushes (seed 000)
    kind, norm = kinds[platform]
    out: dict[Any, dict[str, Any]] = {}
    es = EventStore(store)
    try:
        for ev in es.events(platform, kind):
            r = norm(ev)
            if r is not None and _later(r, out.get(r["key"])):
                out[r["key"]] = r
    finally:
        es.close()
    return out


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
            for i in items:
                r = huawei_result({k: getattr(i, k) for k in ("campaignId", "sessionId", "callTimeStr", "callStatus",
                                                               "failCode", "callId", "recordPath")})
                if r is not None:
                    out.append(r)
            if not items or page * HUAWEI_PAGE >= int(total):
                return out
            page += 1

    return fetch


def babaihu_poller(client: Any, page: int = 1000) -> Callable[[int, str], list[dict[str, Any]]]:
    """findTaskMx (004:1095) of the flow, every page; joined by ctdKey (our sessionId)."""
    done: set[int] = set()

    def fetch(flow: int, _tag: str) -> list[dict[str, Any]]:
        if flow in done:  # one listing of the flow serves every batch in it
            return []
        done.add(flow)
        out, start = [], 0
        while True:
            total, rows = client.task_detail(flow, start=start, limit=page)
            out.extend(r for r in map(babaihu_task_result, rows) if r is not None)
            start += len(rows)
            if not rows or start >= int(total):
                return out

    return fetch


def hl95_poller(client: Any, page: int = 1000) -> Callable[[int, str], list[dict[str, Any]]]:
    """outboundContacts (000:2197) of the manual task instance, every page; joined by mobileDes."""
    done: set[int] = set()

    def fetch(instance: int, _tag: str) -> list[dict[str, Any]]:
        if instance in done:
            return []
        done.add(instance)
        out, current = [], 1
        while True:
            d = client.contacts(str(instance), current_page=current, page_size=page)
            rows = d.get("pageData") or []
            out.extend(r for r in map(hl95_contact_result, rows) if r is not None)
            if not rows or current * page >= int(d.get("total") or 0):
                return out
            current += 1

    return fetch


def sccc_poller(client: Any, agent: str, start: str = "", end: str = "") -> Callable[[int, str], list[dict[str, Any]]]:
    """getCdrList (003:3116) of the task's agent over [start, end] (both empty: today, 003:3208-3213);
    joined by callee number."""
    done: list[bool] = []

    def fetch(_task: int, _tag: str) -> list[dict[str, Any]]:
        if done:
            return []
        done.append(True)
        _total, rows = client.cdrs([agent], start=start, end=end)
        return [r for r in map(sccc_cdr_result, rows) if r is not None]

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

    pushed = _pushed_results(platform, store) if store is not None else {}
    by_row_batch: dict[int, dict[str, Any]] = {}
    for b in batches:
        for row in range(b["start"], b["start"] + b["n"]):
            by_row_batch[row] = b

    def number_of(row: int) -> str:
        values = clean_rows[row]
        return values[dial_i] if dial_i < len(values) else ""

    polled: dict[Any, dict[str, Any]] = {}
    polled_calls = 0
    if poll is not None:
        wanted: set[tuple[int, str]] = set()
        for row, b in by_row_batch.items():
            if row < len(clean_rows) and b["state"] in ("accepted", "done") and row not in refused and \
                    _row_key(platform, b["campaign"], f"{job}{row}", number_of(row), pushed=True) not in pushed:
                wanted.add((int(b["campaign"]), str(b["tag"])))
        for campaign, tag in sorted(wanted):
            for r in poll(campaign, tag):
                polled_calls += 1
                if _later(r, polled.get(r["key"])):
                    polled[r["key"]] = r

    out: list[dict[str, Any]] = []
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
            # SCCC takes no id of ours with a number (its results join by number)
            rec.update(campaign=str(b["campaign"]), session_id="" if platform == "sccc" else sid)
            result, source = pushed.get(_row_key(platform, b["campaign"], sid, number, pushed=True)), "push"
            if result is None:
                result, source = polled.get(_row_key(platform, b["campaign"], sid, number, pushed=False)), "poll"
            if result is None:
                rec.update(outcome="pending", meaning="taken by the platform, no result yet (not yet dialled)")
            else:
                rec.update({k: result[k] for k in ("outcome", "code", "meaning", "call_time", "call_id", "recording")},
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


def _client_and_poller(platform: str, args: Any) -> tuple[Any, Callable[[int, str], list[dict[str, Any]]]]:
    from .cli import _creds, _endpoint

    ak, sk = _creds()
    ep = _endpoint(args)
    if platform == "huawei":
        from callcore.platforms.huawei import HuaweiClient

        c: Any = HuaweiClient(ep, ak, sk, vdn_id=args.vdn)
        return c, huawei_poller(c)
    if platform == "sccc":
        from callcore.platforms.sccc import ScccClient

        if not args.agent:
            raise ValueError("--poll for sccc: give --agent (getCdrList lists by agent, 003:3187)")
        c = ScccClient(ep, ak, sk)
        return c, sccc_poller(c, args.agent, args.since or "", args.until or "")
    if platform == "babaihu":
        from callcore.platforms.babaihu import BabaihuClient

        c = BabaihuClient(ep, ak, sk)
        return c, babaihu_poller(c)
    from callcore.platforms.hl95 import Hl95Client

    c = Hl95Client(ep, ak, sk)
    return c, hl95_poller(c)


def _cmd_results(args: Any) -> int:
    poll = None
    client = None
    if args.poll:
        client, poll = _client_and_poller(import_platform(args.workdir), args)
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
