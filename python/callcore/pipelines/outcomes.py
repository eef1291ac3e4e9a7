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
import functools
import json
import os
import sqlite3
import time
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
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


@functools.lru_cache(maxsize=1)
def _release_causes() -> dict[str, dict[str, Any]]:
    from importlib import resources

    text = resources.files("callcore.platforms").joinpath("data/huawei_release_causes.json").read_text("utf-8")
    return dict(json.loads(text)["causes"])


def huawei_release_cause_meaning(code: Any) -> str:
    """The meaning of a Huawei call release cause (tables 13-128..13-133, 001:66993-67645, extracted
    by tools/extract_release_causes.py), the code CDRs and the bill index carry; 7.6.1 and 7.5.1
    results carry a failCode instead (table 7-295, :func:`callcore.platforms.huawei.fail_code_meaning`)."""
    e = _release_causes().get(str(code).strip())
    return e["meaning"] if e else "undocumented release cause"


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


class OutcomeJoin:
    """The join of one import's rows to their results, prepared once; :meth:`rows` streams the
    outcomes in input-line order (a million-row import is never held as a million dicts)."""

    def __init__(self, workdir: str | os.PathLike[str], *, store: str | os.PathLike[str] | None = None,
                 poll: Callable[[int, str], list[dict[str, Any]]] | None = None) -> None:
        from .dial_column import read_dial_column

        work = Path(workdir)
        db = _ro(work / "journal.sqlite3")
        try:
            self.platform = str(_meta(db, "platform", "huawei"))
            self.job = _meta(db, "job")
            clean = _meta(db, "clean")
            if self.job is None or clean is None:
                raise ValueError(f"{work}: the import has not cleaned its list yet: run `callcore outbound import` "
                                 "first")
            self.batches = [dict(r) for r in db.execute("SELECT * FROM batches WHERE state != 'split' ORDER BY start")]
            self.refused = {r["row"]: dict(r) for r in db.execute("SELECT * FROM rejects")}
        finally:
            db.close()
        self.input_rows = int(clean.get("rows", 0))
        # every row is looked up by index below: one decode of the packed column into a list
        self.numbers = read_dial_column(work / "clean.csv")[:] if (work / "clean.csv").exists() else []
        _h, rej_rows = _read_csv(work / "rejects.csv") if (work / "rejects.csv").exists() else ([], [])
        self.set_aside = sorted((int(r[0]), r) for r in rej_rows if r and r[0].isdigit())
        # clean rows are the input lines the cleaning did not set aside, in order (rejects.csv: row = input line)
        self.first_line = 2 if clean.get("header") else 1
        self.lines_known = len(self.numbers) + len(self.set_aside) == self.input_rows
        self._starts = [b["start"] for b in self.batches]
        self.pushed = _pushed_results(self.platform, store) if store is not None else {}
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
        return _row_key(self.platform, b["campaign"], f"{self.job}{row}", self.numbers[row], pushed=pushed)

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
            # SCCC takes no id of ours with a number (its results join by number)
            rec.update(campaign=str(b["campaign"]), session_id="" if self.platform == "sccc" else sid)
            key = self._key(b, row, pushed=True)
            result, source = self.pushed.get(key), "push"
            if result is None and self.polled:
                if self.platform == "babaihu":  # its push joins by number, its listing by our key
                    key = self._key(b, row, pushed=False)
                result, source = self.polled.get(key), "poll"
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
             poll: Callable[[int, str], list[dict[str, Any]]] | None = None) -> Outcomes:
    """The outcome of every input row of the import in ``workdir`` (all in memory; see
    :func:`write_outcomes` for large imports); see the module docs."""
    j = OutcomeJoin(workdir, store=store, poll=poll)
    t = _Tally()
    rows = [t.add(r) for r in j.rows()]
    return Outcomes(rows, t.summary(j))


def write_outcomes(workdir: str | os.PathLike[str], csv_path: str | os.PathLike[str], *,
                   store: str | os.PathLike[str] | None = None,
                   poll: Callable[[int, str], list[dict[str, Any]]] | None = None,
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


def _client_and_poller(platform: str, args: Any) -> tuple[Any, Callable[[int, str], list[dict[str, Any]]]]:
    from .cli_common import _creds, _endpoint

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
