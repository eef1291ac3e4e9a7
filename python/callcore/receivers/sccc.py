"""SCCC pushes (seed 003), all on ``POST /sccc/notify`` and told apart by ``notify.type``:

=============  ==========  ============================================================
kind           seed line   event key (a re-push with the same key is stored once)
=============  ==========  ============================================================
callstart      003:2398    接通: the notify block's content
callend        003:2492    通话结束: the notify block's content
popup          003:2586    弹屏: its sample has no ``type``; the notify block's content
callin         003:2820    呼入: the notify block's content
callout        003:2912    呼出: the notify block's content
billing        003:3002    话单 with ``recordFile``: ``session`` (通话标识)
taskinfo       003:3357    任务状态: the notify block's content
=============  ==========  ============================================================

Every push carries the ``authentication`` block of the requests (003:2413-2418). It is checked
with the push credentials, or, when either of them is not defined, with the request credentials
(003:425-429). The digest covers customer, timestamp and seq but not the notify block, so a captured
block could be replayed with another body: a push outside the replay window is refused, and within
it an authentication block already seen with a different notify block is refused.
"""
from __future__ import annotations

import hashlib
import json
import time
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from callcore import _extras

_extras.require("receivers", "callcore.receivers")  # before starlette: name the extra to install

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from ._http import DEFAULT_MAX_BODY, Refused, commit, read_body, refused
from .store import Event, EventStore, ReplayedAuth

PLATFORM = "sccc"
KINDS = ("callstart", "callend", "callin", "callout", "billing", "taskinfo")
#: 响应格式 {"result": {"error": ..., "msg": ...}} (003:2471); error 0 is success as in every answer
SUCCESS = {"result": {"error": 0, "msg": "success"}}
# 003:3047-3061: the billing fields marked required (Y); timeLength is in the table but not the sample
_BILLING_REQUIRED = ("startTime", "ringTime", "answerTime", "byeTime", "callee", "caller", "recordFile",
                     "service", "session")


def _fail(reason: str) -> dict[str, Any]:
    return {"result": {"error": 1, "msg": reason}}


class ScccCredentials:
    """The credentials a push is checked with (003:425-429): the push pair when both are defined,
    else the request pair. ``repr`` never shows a password."""

    def __init__(self, customer: str, password: str, push_customer: str | None = None,
                 push_password: str | None = None) -> None:
        if push_customer and push_password:
            self.customer, self._password, self.source = push_customer, push_password, "push"
        else:
            self.customer, self._password, self.source = customer, password, "request"
        if not self.customer or not self._password:
            raise ValueError("SCCC receiver: a customer and a password are needed to check pushes")

    def __repr__(self) -> str:
        return f"ScccCredentials(customer={self.customer!r}, from={self.source})"


def _check_window(auth: dict[str, Any], window: float, now: float) -> None:
    try:
        ts = int(str(auth["timestamp"])) / 1000  # milliseconds (003:410 example 1471918933001)
    except ValueError:
        raise Refused(401, "authentication.timestamp: expected Unix milliseconds") from None
    if abs(now - ts) > window:
        raise Refused(401, f"authentication.timestamp is {abs(now - ts):.0f} s from this clock, "
                           f"outside the {window:g} s replay window")


def parse_notify(doc: Any) -> Event:
    if not isinstance(doc, dict) or not isinstance(doc.get("notify"), dict):
        raise Refused(400, "body: expected a JSON object with a notify block")
    notify = doc["notify"]
    kind = str(notify.get("type") or "popup")
    if kind not in KINDS and kind != "popup":
        raise Refused(400, f"notify.type {kind[:40]!r} is not a push the seed defines ({', '.join(KINDS)})")
    canonical = json.dumps(notify, ensure_ascii=False, sort_keys=True)
    if kind == "billing":
        missing = [k for k in _BILLING_REQUIRED if k not in notify]
        if missing:
            raise Refused(400, f"billing notify: missing {', '.join(missing)} (003:3047-3061)")
        if not str(notify["session"]):
            raise Refused(400, "billing notify: session is empty")
        key = f"sccc/billing/{notify['session']}"
        rec = str(notify.get("recordFile") or "")
        return Event(PLATFORM, kind, key, dict(notify), [rec] if rec else [], str(notify["session"]))
    if kind == "taskinfo" and not str(notify.get("taskID") or ""):
        raise Refused(400, "taskinfo notify: taskID is required (003:3395)")
    digest = hashlib.sha256(canonical.encode()).hexdigest()[:32]
    return Event(PLATFORM, kind, f"sccc/{kind}/{digest}", dict(notify))


def sccc_app(store: EventStore, credentials: ScccCredentials, *, replay_window: float = 300.0,
             max_body: int = DEFAULT_MAX_BODY, clock: Callable[[], float] = time.time) -> Starlette:
    from callcore.sign import AuthError, verify_sccc_authentication

    async def notify(request: Request) -> JSONResponse:
        kind = "notify"
        try:
            body = await read_body(request, max_body)
            try:
                doc = json.loads(body.decode("utf-8"))
            except (ValueError, UnicodeDecodeError) as e:
                raise Refused(400, f"body is not JSON ({type(e).__name__})") from None
            auth = doc.get("authentication") if isinstance(doc, dict) else None
            if not isinstance(auth, dict):
                raise Refused(401, "authentication block missing")
            if str(auth.get("customer", "")) != credentials.customer:
                raise Refused(401, f"authentication.customer {str(auth.get('customer'))[:40]!r} is not the "
                                   f"configured {credentials.source} customer")
            try:
                verify_sccc_authentication(auth, credentials._password)
            except AuthError as e:
                raise Refused(401, f"digest rejected: {type(e).__name__}") from None
            event = parse_notify(doc)
            kind = event.kind
            _check_window(auth, replay_window, clock())
            # the block seen again with another notify block is a replay; kept in the store, so that a
            # restart does not forget it (a block is only good within the window anyway)
            content = hashlib.sha256(json.dumps(doc["notify"], sort_keys=True).encode()).hexdigest()
            event.auth = (f"sccc/{auth['customer']}/{auth['timestamp']}/{auth['seq']}", content)
            try:
                await commit(store, [event], auth_horizon=2 * replay_window)
            except ReplayedAuth:
                raise Refused(401, "authentication block replayed with a different notify block") from None
        except Refused as e:
            return refused(PLATFORM, kind, request, e, _fail(e.reason))
        return JSONResponse(SUCCESS)

    return Starlette(routes=[Route("/sccc/notify", notify, methods=["POST"])])


def from_environment(store: EventStore, *, allow: Iterable[str] | None, max_body: int, replay_window: float,
                     env: Mapping[str, str]) -> Starlette:
    """The receiver ``callcore receive serve --platform sccc`` serves, its credentials from *env*
    (``CALLCORE_SCCC_CUSTOMER``/``PASSWORD``, ``CALLCORE_SCCC_PUSH_CUSTOMER``/``PASSWORD``). The
    digest is the check, so *allow* does not apply."""
    credentials = ScccCredentials(env.get("CALLCORE_SCCC_CUSTOMER", ""), env.get("CALLCORE_SCCC_PASSWORD", ""),
                                  env.get("CALLCORE_SCCC_PUSH_CUSTOMER"), env.get("CALLCORE_SCCC_PUSH_PASSWORD"))
    return sccc_app(store, credentials, replay_window=replay_window, max_body=max_body)


PATHS = {"/sccc/notify": "every SCCC push (callstart, callend, 弹屏, callin, callout, billing, taskinfo), "
                         "digest-checked with CALLCORE_SCCC_PUSH_CUSTOMER/PASSWORD, else "
                         "CALLCORE_SCCC_CUSTOMER/PASSWORD (003:425-429)"}
