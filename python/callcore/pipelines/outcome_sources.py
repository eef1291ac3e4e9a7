"""Where each platform's call results come from, for ``callcore outbound results``
(:mod:`callcore.pipelines.outcomes`): one :class:`OutcomeSource` per platform, named by the
platform registry (``PlatformSpec.outcome_source``), as the recording sync's sources are.

A source says which receiver events carry results (``push_kind``) and reads them
(:meth:`~OutcomeSource.from_push`), lists the platform's own results for rows without a push
(:meth:`~OutcomeSource.poller`), and says what joins a result to an input row
(:meth:`~OutcomeSource.join_key`): Huawei echoes our sessionId (with the campaign), 八百呼's
listing (ctdKey) and 九五's (mobileDes) echo it, and SCCC echoes neither, so its results join by
number, as 八百呼's hang-up push does. Every result is normalised to ``{key, outcome, code,
meaning, call_time, call_id, recording}``.
"""
from __future__ import annotations

import functools
import json
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, ClassVar, Protocol

__all__ = ["BabaihuOutcomes", "Hl95Outcomes", "HuaweiOutcomes", "OutcomeSource", "Poll", "PollOptions", "Result",
           "ScccOutcomes", "babaihu_hangup_result", "babaihu_poller", "babaihu_task_result", "hl95_contact_result",
           "hl95_poller", "huawei_poller", "huawei_release_cause_meaning", "huawei_result", "sccc_billing_result",
           "sccc_cdr_result", "sccc_poller"]

#: one call's result: key, outcome, code, meaning, call_time, call_id, recording
Result = dict[str, Any]
#: looks up the results of one batch: (campaign or task, our batch tag) -> results
Poll = Callable[[int, str], list[Result]]

HUAWEI_PAGE = 500  # 7.5.1 pageSize without details (001:26654)
HUAWEI_MIN_INTERVAL = 1.0  # 7.5.1: "并发 ≤ 10, 且并发批次间隔在1s以上" (001:26622); we send one at a time


@dataclass(frozen=True)
class PollOptions:
    """What a lookup of results needs beyond the client: ``vdn`` (Huawei's VDN, the client's
    ``vdn_id``); ``agent``, ``since`` and ``until`` (SCCC's getCdrList lists one agent's CDRs over
    a period, 003:3187, 003:3208-3213: both times empty means today)."""

    vdn: int = 1
    agent: str | None = None
    since: str = ""
    until: str = ""


class OutcomeSource(Protocol):
    """One platform's results (see the module docs)."""

    #: the receiver store's event kind that carries results; None: the platform pushes none
    push_kind: ClassVar[str | None]
    #: False when the platform takes no id of ours with a number (SCCC): the outcome shows none
    shows_session_id: ClassVar[bool]

    def from_push(self, event: dict[str, Any]) -> Result | None:
        """The result a stored push carries, or None when it carries none."""
        ...

    def join_key(self, campaign: Any, session_id: str, number: str, *, pushed: bool) -> Any:
        """What joins an input row to a pushed (``pushed``) or a polled result."""
        ...

    def client_arguments(self, options: PollOptions) -> dict[str, Any]:
        """Keyword arguments for the registry's client class, beyond (base_url, user, secret)."""
        ...

    def poller(self, client: Any, options: PollOptions) -> Poll:
        """The lookup of one batch's results through *client*."""
        ...


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
        out: list[Result] = []
        start = 0
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
        out: list[Result] = []
        current = 1
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


class HuaweiOutcomes:
    """7.6.1 result pushes and 7.5.1 lookups, joined by (campaign, our sessionId)."""

    push_kind: ClassVar[str | None] = "result"
    shows_session_id: ClassVar[bool] = True

    def from_push(self, event: dict[str, Any]) -> Result | None:
        return huawei_result(event)

    def join_key(self, campaign: Any, session_id: str, number: str, *, pushed: bool) -> Any:
        return (str(campaign), session_id)

    def client_arguments(self, options: PollOptions) -> dict[str, Any]:
        return {"vdn_id": options.vdn}

    def poller(self, client: Any, options: PollOptions) -> Poll:
        return huawei_poller(client)


class ScccOutcomes:
    """Billing pushes and getCdrList, joined by number (SCCC takes no id of ours)."""

    push_kind: ClassVar[str | None] = "billing"
    shows_session_id: ClassVar[bool] = False

    def from_push(self, event: dict[str, Any]) -> Result | None:
        return sccc_billing_result(event)

    def join_key(self, campaign: Any, session_id: str, number: str, *, pushed: bool) -> Any:
        return number

    def client_arguments(self, options: PollOptions) -> dict[str, Any]:
        return {}

    def poller(self, client: Any, options: PollOptions) -> Poll:
        if not options.agent:
            raise ValueError("--poll for sccc: give --agent (getCdrList lists by agent, 003:3187)")
        return sccc_poller(client, options.agent, options.since, options.until)


class BabaihuOutcomes:
    """Hang-up pushes, joined by number (the push carries no id of ours), and findTaskMx, joined
    by ctdKey (our sessionId)."""

    push_kind: ClassVar[str | None] = "hangup"
    shows_session_id: ClassVar[bool] = True

    def from_push(self, event: dict[str, Any]) -> Result | None:
        return babaihu_hangup_result(event)

    def join_key(self, campaign: Any, session_id: str, number: str, *, pushed: bool) -> Any:
        return number if pushed else session_id

    def client_arguments(self, options: PollOptions) -> dict[str, Any]:
        return {}

    def poller(self, client: Any, options: PollOptions) -> Poll:
        return babaihu_poller(client)


class Hl95Outcomes:
    """No pushes (seed 000 defines none); outboundContacts, joined by mobileDes (our sessionId)."""

    push_kind: ClassVar[str | None] = None
    shows_session_id: ClassVar[bool] = True

    def from_push(self, event: dict[str, Any]) -> Result | None:
        return None

    def join_key(self, campaign: Any, session_id: str, number: str, *, pushed: bool) -> Any:
        return session_id

    def client_arguments(self, options: PollOptions) -> dict[str, Any]:
        return {}

    def poller(self, client: Any, options: PollOptions) -> Poll:
        return hl95_poller(client)
