"""Huawei CEC pushes: 7.6.1 outbound results, the CC-FS ``queryBillData`` callback and the
release callbacks that carry ``recordfile``.

==========================  ===========================  =====================================
path                        push                         checked with
==========================  ===========================  =====================================
``POST /huawei/results``    7.6.1 results (001:27155)    none in the seed: secret path
                                                         segment and IP allow-list offered
``POST /huawei/bill``       queryBillData callback       auth-v2 (:class:`callcore.sign.Verifier`)
                            (001:65345-65367)
``POST /huawei/release``    release callbacks, double     HMAC-SHA256 ``signature`` over the body
                            call 6.2.14.3 (001:17800)    (``verify_callback_signature``)
                            and voice notification
                            14.4.2 (001:68387)
==========================  ===========================  =====================================
"""
from __future__ import annotations

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

from ._http import DEFAULT_MAX_BODY, PATH_SECRET_ENV, Access, Refused, commit, read_body, refused
from .store import Event, EventStore

PLATFORM = "huawei"

#: the 7.6.1 success answer, HTTP 200 (001:27193-27212); any other answer is a failed push (001:27161)
SUCCESS = {"retCode": "0", "retMsg": "success"}

# 7-293 (001:27180-27190): the fields a result must carry for us to tell it from every other one
_RESULT_REQUIRED = ("campaignId", "sessionId", "called", "callStatus", "callId")


def _fail(reason: str) -> dict[str, str]:
    # 7-294: retCode "0" is success, any other value a failure with retMsg the reason (001:27196-27199)
    return {"retCode": "1", "retMsg": reason}


def parse_results(body: bytes) -> list[Event]:
    """The 7.6.1 body, a bare JSON list ("response直接返回List", 001:27176), as one event per result."""
    try:
        doc = json.loads(body.decode("utf-8"))
    except (ValueError, UnicodeDecodeError) as e:
        raise Refused(400, f"body is not JSON ({type(e).__name__}: {str(e)[:80]})") from None
    if not isinstance(doc, list) or not doc:
        raise Refused(400, "body: expected a non-empty JSON list of results (7-292)")
    events = []
    for i, item in enumerate(doc):
        if not isinstance(item, dict):
            raise Refused(400, f"result [{i}]: expected an object, got {type(item).__name__}")
        missing = [k for k in _RESULT_REQUIRED if k not in item]
        if missing:
            raise Refused(400, f"result [{i}]: missing {', '.join(missing)} (7-293)")
        if str(item["callStatus"]) not in ("5", "6"):  # 5 呼叫失败, 6 呼叫成功 (001:27184)
            raise Refused(400, f"result [{i}]: callStatus {item['callStatus']!r} is not 5 or 6 (7-293)")
        if not str(item["campaignId"]) or not str(item["sessionId"]):
            raise Refused(400, f"result [{i}]: campaignId and sessionId must not be empty")
        key = f"huawei/result/{item['campaignId']}/{item['sessionId']}/{item['callId']}"
        rec = str(item.get("recordPath") or "")
        events.append(Event(PLATFORM, "result", key, dict(item), [rec] if rec else [], str(item["callId"])))
    return events


def parse_bill(body: bytes) -> Event:
    """The queryBillData callback body (001:65356-65366); the seed misspells responseId as
    ``responseld`` in both samples, so either spelling is taken."""
    try:
        doc = json.loads(body.decode("utf-8"))
        msg = doc["msgBody"]
        rid = str(msg.get("responseId") or msg.get("responseld") or "")
        name = str(msg["billFileName"])
    except (ValueError, UnicodeDecodeError, KeyError, TypeError, AttributeError) as e:
        raise Refused(400, f"bill callback body: expected msgBody with responseId and billFileName ({e!s:.80})") from None
    if not rid or not name:
        raise Refused(400, "bill callback body: responseId and billFileName must not be empty")
    return Event(PLATFORM, "bill", f"huawei/bill/{rid}", dict(msg))


def parse_release(body: bytes, secret: str, replay_window: float | None, now: float) -> Event:
    """A release callback (6.2.14.3 table 6-400 / 14.4.2), verified with the shared key."""
    from callcore.sign import AuthError, verify_callback_signature

    try:
        doc = json.loads(body.decode("utf-8"))
    except (ValueError, UnicodeDecodeError) as e:
        raise Refused(400, f"body is not JSON ({type(e).__name__})") from None
    if not isinstance(doc, dict):
        raise Refused(400, "body: expected a JSON object (table 6-400)")
    try:
        verify_callback_signature(secret, doc)
    except AuthError as e:
        raise Refused(401, f"signature rejected: {type(e).__name__}") from None
    # the seed gives no replay rule; the timestamp is signed, so a window bounds replays of a capture
    if replay_window is not None:
        try:
            skew = abs(now - int(str(doc["timestamp"])) / 1000)
        except ValueError:
            raise Refused(400, "timestamp: expected Unix milliseconds") from None
        if skew > replay_window:
            raise Refused(401, f"timestamp is {skew:.0f} s from this clock, outside the {replay_window:g} s window")
    serial = str(doc.get("callSerialNo") or "")
    if not serial or not str(doc.get("called") or ""):
        raise Refused(400, "callSerialNo and called are required (table 6-400)")
    fields = {k: v for k, v in doc.items() if k not in ("signature", "nonce", "timestamp")}
    rec = str(doc.get("recordfile") or "")
    return Event(PLATFORM, "release", f"huawei/release/{serial}", fields, [rec] if rec else [], serial)


def huawei_app(store: EventStore, *, path_secret: str | None = None, allow: Iterable[str] | None = None,
               bill_verifier: Any | None = None, release_secret: str | None = None,
               replay_window: float | None = 900.0, max_body: int = DEFAULT_MAX_BODY,
               clock: Callable[[], float] = time.time) -> Starlette:
    """The Huawei receiver. ``/huawei/bill`` is served only with ``bill_verifier`` (a
    :class:`callcore.sign.Verifier`), ``/huawei/release`` only with ``release_secret``: an
    unverifiable callback is never stored."""
    access = Access(path_secret, allow)

    async def results(request: Request) -> JSONResponse:
        try:
            access.check(request)
            events = parse_results(await read_body(request, max_body))
        except Refused as e:
            return refused(PLATFORM, "result", request, e, _fail(e.reason))
        await commit(store, events)
        return JSONResponse(SUCCESS)

    async def bill(request: Request) -> JSONResponse:
        from callcore.sign import AuthError

        try:
            body = await read_body(request, max_body)
            try:
                bill_verifier.verify("POST", request.url.path, headers=list(request.headers.items()), body=body,
                                     now=clock())
            except AuthError as e:
                raise Refused(401, f"auth-v2 rejected: {type(e).__name__}") from None
            event = parse_bill(body)
        except Refused as e:
            return refused(PLATFORM, "bill", request, e, {"resultCode": "1", "resultDesc": e.reason})
        await commit(store, [event])
        return JSONResponse({"resultCode": "0", "resultDesc": "success"})

    async def release(request: Request) -> JSONResponse:
        try:
            body = await read_body(request, max_body)
            event = parse_release(body, release_secret or "", replay_window, clock())
        except Refused as e:
            return refused(PLATFORM, "release", request, e, _fail(e.reason))
        await commit(store, [event])
        return JSONResponse(SUCCESS)

    routes = [Route("/huawei/results" + access.suffix(), results, methods=["POST"])]
    if bill_verifier is not None:
        routes.append(Route("/huawei/bill", bill, methods=["POST"]))
    if release_secret:
        routes.append(Route("/huawei/release", release, methods=["POST"]))
    return Starlette(routes=routes)


def from_environment(store: EventStore, *, allow: Iterable[str] | None, max_body: int, replay_window: float,
                     env: Mapping[str, str]) -> Starlette:
    """The receiver ``callcore receive serve --platform huawei`` serves, its secrets from *env*
    (``CALLCORE_RECEIVER_PATH_SECRET``, ``CALLCORE_HUAWEI_AK``/``SK``,
    ``CALLCORE_HUAWEI_CALLBACK_SECRET``), never from the command line."""
    from callcore.sign import Verifier

    ak, sk = env.get("CALLCORE_HUAWEI_AK"), env.get("CALLCORE_HUAWEI_SK")
    verifier = Verifier({ak: sk}, max_skew=replay_window) if ak and sk else None
    return huawei_app(store, path_secret=env.get(PATH_SECRET_ENV) or None, allow=allow, bill_verifier=verifier,
                      release_secret=env.get("CALLCORE_HUAWEI_CALLBACK_SECRET") or None,
                      replay_window=replay_window, max_body=max_body)


PATHS = {
    "/huawei/results": "7.6.1 outbound results (001:27155); with CALLCORE_RECEIVER_PATH_SECRET: /huawei/results/<secret>",
    "/huawei/bill": "CC-FS queryBillData callback, auth-v2 signed (001:65345); needs CALLCORE_HUAWEI_AK/SK",
    "/huawei/release": "release callbacks with recordfile, HMAC-signed (001:17800, 68387); needs "
                       "CALLCORE_HUAWEI_CALLBACK_SECRET",
}
