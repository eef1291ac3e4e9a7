"""The sandboxes' pushes, sent as the platforms send them.

* Huawei 7.6.1 results (001:27160-27171): a non-200 answer is pushed again at once; if that fails
  too, "本次推送失败" and the result is pushed again 10 minutes later; at most 6 deliveries of
  one call's data. The seed does not say whether the 10-minute re-push also gets its immediate
  retry; the text puts the immediate retry after *any* non-200 answer, so each 10-minute round is
  a delivery and an immediate retry: deliveries at 0, 0, 10, 10, 20 and 20 minutes, 6 in all.
  The first round is delivered in the caller's thread (``dial()`` returns after it, as the
  platform's own dialler does not wait either but tests need a point to look); the later rounds
  run on a background thread whose clock ``speed`` compresses (``speed=6000``: 10 minutes in 0.1 s).
* SCCC notify pushes (003:2398-3357): the ``authentication`` block signed with the push
  credentials, or the request credentials when either is undefined (003:425-429). The seed states
  no re-push, so each push is delivered once and a failure is only logged.
* 八百呼 recording push (004:1123-1173): ``GET <url>?type=..&phone=..&peer=..&memo=<json>``,
  delivered once (no re-push in the seed); the seed defines no signature for it.

Network faults (seeded, reproducible): ``lose`` is the share of deliveries lost before they reach
the receiver, ``lose_answer`` the share whose 200 answer is lost on the way back (the receiver
stored it, the platform pushes again: the receiver must not store it twice).
"""
from __future__ import annotations

import heapq
import itertools
import json
import random
import threading
import time
from dataclasses import dataclass, field
from typing import Any

#: deliveries of one call's data at most (001:27166)
HUAWEI_MAX_DELIVERIES = 6
#: the pause after a failed round (001:27167)
HUAWEI_REPUSH_AFTER = 600.0


_PUSH_IDS = itertools.count(1)


@dataclass(order=True)
class _Due:
    at: float
    seq: int
    push: "_Push" = field(compare=False)


@dataclass
class _Push:
    kind: str
    url: str
    key: str
    method: str
    payload: Any
    headers: dict[str, str]
    max_deliveries: int
    deliveries: int = 0
    done: bool = False
    id: int = field(default_factory=lambda: next(_PUSH_IDS))


class Pusher:
    """Delivers one sandbox's pushes; ``log`` holds one entry per delivery for tests and the demo."""

    def __init__(self, *, speed: float = 1.0, lose: float = 0.0, lose_answer: float = 0.0, seed: int = 0,
                 verify_tls: bool = True, timeout: float = 5.0) -> None:
        if speed <= 0:
            raise ValueError(f"speed {speed}: must be > 0")
        for name, rate in (("lose", lose), ("lose_answer", lose_answer)):
            if not 0.0 <= rate <= 1.0:
                raise ValueError(f"{name} {rate}: must be within 0..1")
        self.speed, self.lose, self.lose_answer = speed, lose, lose_answer
        self.rng = random.Random(seed)
        self.verify_tls, self.timeout = verify_tls, timeout
        self.log: list[dict[str, Any]] = []
        self._heap: list[_Due] = []
        self._seq = itertools.count()
        self._cond = threading.Condition()
        self._start = time.monotonic()
        self._thread: threading.Thread | None = None
        self._closed = False
        self._busy = 0

    # the platform's clock: real seconds times speed since the pusher started
    def now(self) -> float:
        return (time.monotonic() - self._start) * self.speed

    def _deliver(self, p: _Push) -> bool:
        import httpx

        p.deliveries += 1
        entry: dict[str, Any] = {"push": p.id, "kind": p.kind, "key": p.key, "url": p.url, "delivery": p.deliveries,
                                 "at": round(self.now(), 3), "status": None, "error": None}
        with self._cond:
            lost = self.rng.random() < self.lose
            answer_lost = self.rng.random() < self.lose_answer
        ok = False
        if lost:
            entry["error"] = "lost in the network (sandbox fault)"
        else:
            try:
                if p.method == "GET":
                    r = httpx.get(p.url, params=p.payload, timeout=self.timeout, verify=self.verify_tls)
                else:
                    r = httpx.post(p.url, content=p.payload, headers=p.headers, timeout=self.timeout,
                                   verify=self.verify_tls)
                entry["status"] = r.status_code
                ok = r.status_code == 200
                if answer_lost:
                    entry["error"] = "answer lost in the network (sandbox fault)"
                    ok = False
            except httpx.HTTPError as e:
                entry["error"] = f"{type(e).__name__}: {e}"
        entry["ok"] = ok
        with self._cond:
            self.log.append(entry)
        if ok:
            p.done = True
        return ok

    def _schedule(self, p: _Push, delay: float) -> None:
        with self._cond:
            heapq.heappush(self._heap, _Due(self.now() + delay, next(self._seq), p))
            if self._thread is None:
                self._thread = threading.Thread(target=self._run, name="sandbox-pusher", daemon=True)
                self._thread.start()
            self._cond.notify_all()

    def _run(self) -> None:
        while True:
            with self._cond:
                while not self._closed and (not self._heap or self._heap[0].at > self.now()):
                    wait = None if not self._heap else (self._heap[0].at - self.now()) / self.speed
                    self._cond.wait(wait)
                if self._closed:
                    return
                due = heapq.heappop(self._heap)
                self._busy += 1
            try:
                self._huawei_round(due.push)
            finally:
                with self._cond:
                    self._busy -= 1
                    self._cond.notify_all()

    def _huawei_round(self, p: _Push) -> None:
        # one round: a delivery and, on a non-200 answer, an immediate re-push (001:27162-27163)
        for _ in range(2):
            if p.deliveries >= p.max_deliveries:
                return
            if self._deliver(p):
                return
        if p.deliveries < p.max_deliveries:
            self._schedule(p, HUAWEI_REPUSH_AFTER)  # 推送失败后 10 分钟再次推送 (001:27167)

    # --- the platforms' pushes

    def huawei_results(self, url: str, results: list[dict[str, Any]], key: str = "") -> bool:
        """Pushes a 7.6.1 result list: the first round now, later rounds on the background clock.
        Returns whether the first round was answered 200."""
        body = json.dumps(results, ensure_ascii=False).encode()
        p = _Push("huawei/result", url, key or f"{len(results)} results", "POST", body,
                  {"content-type": "application/json;charset=UTF-8"}, HUAWEI_MAX_DELIVERIES)
        self._huawei_round(p)
        return p.done

    def sccc_notify(self, url: str, notify: dict[str, Any], customer: str, password: str,
                    push_customer: str | None = None, push_password: str | None = None) -> bool:
        from callcore import sign

        if push_customer and push_password:  # 003:425-429
            customer, password = push_customer, push_password
        body = {"authentication": sign.sccc_authentication(customer, password), "notify": notify,
                "param": {"debug": "", "lang": ""}}
        p = _Push(f"sccc/{notify.get('type', 'popup')}", url, str(notify.get("session") or notify.get("seq") or ""),
                  "POST", json.dumps(body, ensure_ascii=False).encode(),
                  {"content-type": "application/json;charset=UTF-8"}, 1)
        return self._deliver(p)

    def babaihu_voip(self, url: str, push_type: int, phone: str, peer: int, memo: dict[str, Any]) -> bool:
        params = {"type": str(push_type), "phone": phone, "peer": str(peer),
                  "memo": json.dumps(memo, ensure_ascii=False)}
        p = _Push(f"babaihu/{push_type}", url, str(memo.get("cdrId", "")), "GET", params, {}, 1)
        return self._deliver(p)

    # --- control

    def pending(self) -> int:
        with self._cond:
            return len(self._heap) + self._busy

    def drain(self, timeout: float = 30.0) -> bool:
        """Waits (real seconds) until no re-push is due any more; True when drained."""
        deadline = time.monotonic() + timeout
        with self._cond:
            while self._heap or self._busy:
                left = deadline - time.monotonic()
                if left <= 0:
                    return False
                self._cond.wait(min(left, 0.05))
        return True

    def close(self) -> None:
        with self._cond:
            self._closed = True
            self._cond.notify_all()


_ATTACH_LOCK = threading.Lock()


def attach(sandbox_app: Any, pusher: Pusher, url: str | None = None) -> Pusher:
    """Makes ``pusher`` deliver the pushes of one sandbox application (tests and the demo attach
    one with a compressed clock and network faults before dialling). ``url`` is the push URL
    configured in the platform for SCCC and 八百呼 ("由用户提供并配置到系统中", 003:2405); Huawei
    takes each campaign's ``callbackUrl`` instead."""
    with _ATTACH_LOCK:
        sandbox_app._pusher = pusher
        sandbox_app._push_url = url
    return pusher


def for_sandbox(sandbox_app: Any, **defaults: Any) -> Pusher:
    """The pusher attached to a sandbox application, or a real-time one without faults."""
    with _ATTACH_LOCK:
        p = getattr(sandbox_app, "_pusher", None)
        if p is None:
            p = sandbox_app._pusher = Pusher(**defaults)
        return p


def sccc_after_dial(app: Any, task: Any, records: list[tuple]) -> None:
    """The SCCC sandbox's pushes for the calls one ``dial()`` made: a billing notify per call with
    its ``recordFile`` (003:3002-3061), then the task's taskinfo (003:3357-3400). Nothing without a
    configured push URL."""
    url = getattr(app, "_push_url", None)
    if not url:
        return
    pusher = for_sandbox(app)
    customer, password = next(iter(app.cfg.customers.items()))
    fmt = "%Y-%m-%d %H:%M:%S"
    for caller, callee, fname, _typ, _agent, start, dur, result in records:
        begin = time.strftime(fmt, time.localtime(start))
        answered = result == 1
        notify = {"type": "billing", "startTime": begin, "ringTime": begin,
                  "answerTime": begin if answered else "", "byeTime": time.strftime(fmt, time.localtime(start + dur)),
                  "callee": callee, "caller": caller, "recordFile": fname, "service": "4",  # 4 自动外呼 (003:3095)
                  "session": f"{task['id']}_{callee}_{start}", "timeLength": str(dur), "seq": str(start),
                  "userData": task["user_data"] or ""}
        pusher.sccc_notify(url, notify, customer, password)
    left = app.state.row("SELECT COUNT(*) n FROM numbers WHERE task=? AND state='pending'", (task["id"],))["n"]
    total = app.state.row("SELECT COUNT(*) n FROM numbers WHERE task=?", (task["id"],))["n"]
    pusher.sccc_notify(url, {"type": "taskinfo", "taskID": str(task["id"]), "taskName": task["name"] or "",
                             "calleeAmount": str(total), "remainAmount": str(left),
                             "status": "2" if left == 0 else "0", "seq": str(int(time.time())),
                             "userData": task["user_data"] or ""}, customer, password)


def babaihu_after_dial(app: Any, task: int, detail_ids: list[int]) -> None:
    """The 八百呼 sandbox's pushes for the calls one ``dial()`` made: the hang-up push (type 3) for
    every call and the recording push (type 4) for the recorded ones (004:1123-1173)."""
    url = getattr(app, "_push_url", None)
    if not url:
        return
    pusher = for_sandbox(app)
    if not detail_ids:
        return
    marks = ",".join("?" * len(detail_ids))
    details = app.state.rows(f"SELECT d.*, c.id AS cdr_id FROM details d JOIN cdrs c ON c.phone=d.phone AND "
                          f"c.start_time=d.call_time WHERE d.id IN ({marks}) ORDER BY d.id", detail_ids)
    for d in details:
        memo = {"cdrId": d["cdr_id"], "cdrExtension": app.cfg.extension, "cdrPhoneNum": d["phone"],
                "cdrStartTime": d["call_time"], "cdrHangupTime": d["end_time"], "cdrTalktime": str(d["talk"]),
                "cdrPeer": "3", "cdrRecordFile": d["wav"], "paramvalue": str(task)}  # 3 群呼呼出 (004:1161)
        pusher.babaihu_voip(url, 3, d["phone"], 1, memo)
        if d["wav"]:
            pusher.babaihu_voip(url, 4, d["phone"], 1, memo)
