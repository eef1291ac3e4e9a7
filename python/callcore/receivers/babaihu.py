"""八百呼 pushes (seed 004):

* ``/babaihu/voip`` (GET or POST): the recording push to a third party (2.10.4, 004:1123-1173),
  ``type`` 1 呼叫 / 2 接听 / 3 挂断 / 4 录音推送, ``peer``, ``phone`` and the ``memo`` JSON with
  ``cdrId`` and ``cdrRecordFile``; answered ``{"code":0,"message":"OK"}`` (004:1167).
* ``/babaihu/upload_record`` (POST, multipart): the box's status and recording upload
  (2.1.10, 004:345-400), ``cmd=upload`` with the recording ``file`` and ``callid`` (unique across
  boxes, 004:362), answered ``{"time":..., "status":0, "callid":...}`` (004:383).

The seed defines no signature for either push (and the box speaks plain HTTP only, 004:385), so
the receiver offers what a push without a signature can get: a secret path segment and an IP
allow-list. An uploaded file is written and fsync'd before the event that names it is committed.
"""
from __future__ import annotations

import hashlib
import json
import os
import re
import time
from collections.abc import Iterable, Mapping
from typing import Any
from urllib.parse import parse_qsl

from callcore import _extras

_extras.require("receivers", "callcore.receivers")  # before starlette: name the extra to install

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from ._http import DEFAULT_MAX_BODY, PATH_SECRET_ENV, Access, Refused, commit, read_body, refused
from callcore import _crashpoint

from .store import Event, EventStore

PLATFORM = "babaihu"
SUCCESS = {"code": 0, "message": "OK"}
VOIP_TYPES = {"1": "call", "2": "answer", "3": "hangup", "4": "recording"}  # 004:1130
DEFAULT_MAX_UPLOAD = 64 << 20
_SAFE = re.compile(r"[^0-9A-Za-z._-]")


def parse_voip(params: dict[str, str]) -> Event:
    t = params.get("type", "")
    if t not in VOIP_TYPES:
        raise Refused(400, f"type {t[:20]!r}: expected 1, 2, 3 or 4 (004:1130)")
    if params.get("peer", "") not in ("1", "2"):  # 1 呼出 2 呼入 (004:1131)
        raise Refused(400, f"peer {params.get('peer', '')[:20]!r}: expected 1 or 2 (004:1131)")
    fields: dict[str, Any] = dict(params)
    memo: dict[str, Any] = {}
    if params.get("memo"):
        try:
            memo = json.loads(params["memo"])
        except ValueError:
            raise Refused(400, "memo: not JSON (004:1133)") from None
        if not isinstance(memo, dict):
            raise Refused(400, "memo: expected a JSON object (004:1133)")
        fields["memo"] = memo
    kind = VOIP_TYPES[t]
    if kind in ("hangup", "recording") and not memo.get("cdrId"):
        # the memo is "在挂机的时候返回的 JSON" (004:1133): hang-up and recording pushes identify the call by it
        raise Refused(400, f"{kind} push: memo.cdrId is required (004:1133)")
    if memo.get("cdrId"):
        key = f"babaihu/voip/{t}/{memo['cdrId']}"
    else:
        canonical = json.dumps(fields, ensure_ascii=False, sort_keys=True)
        key = f"babaihu/voip/{t}/{hashlib.sha256(canonical.encode()).hexdigest()[:32]}"
    rec = str(memo.get("cdrRecordFile") or "")
    return Event(PLATFORM, kind, key, fields, [rec] if rec else [], str(memo.get("cdrId") or "") or None)


def _store_file(folder: str, satellite: str, callid: str, filename: str, data: bytes) -> str:
    ext = os.path.splitext(filename or "")[1][:8] or ".wav"
    rel = os.path.join("uploads", _SAFE.sub("_", satellite), _SAFE.sub("_", callid) + _SAFE.sub("_", ext))
    path = os.path.join(folder, rel)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    tmp = path + ".part"
    with open(tmp, "wb") as f:
        f.write(data)
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, path)
    dfd = os.open(os.path.dirname(path), os.O_RDONLY)
    try:
        os.fsync(dfd)
    finally:
        os.close(dfd)
    _crashpoint.reached("commit")  # the file is durable; its event is not committed yet
    return rel


def babaihu_app(store: EventStore, *, path_secret: str | None = None, allow: Iterable[str] | None = None,
                max_body: int = DEFAULT_MAX_BODY, max_upload: int = DEFAULT_MAX_UPLOAD) -> Starlette:
    access = Access(path_secret, allow)

    async def voip(request: Request) -> JSONResponse:
        try:
            access.check(request)
            params = dict(request.query_params)
            if request.method == "POST":
                body = await read_body(request, max_body)
                try:
                    params.update(parse_qsl(body.decode("utf-8"), keep_blank_values=True, strict_parsing=bool(body)))
                except (ValueError, UnicodeDecodeError):
                    raise Refused(400, "body: expected form-encoded parameters") from None
            event = parse_voip(params)
        except Refused as e:
            return refused(PLATFORM, "voip", request, e, {"code": 1, "message": e.reason})
        await commit(store, [event])
        return JSONResponse(SUCCESS)

    async def upload_record(request: Request) -> JSONResponse:
        now_ms = str(int(time.time() * 1000))
        try:
            access.check(request)
            declared = request.headers.get("content-length")
            if declared is None or not declared.isdigit():
                raise Refused(411, "upload: Content-Length is required")
            if int(declared) > max_upload:
                raise Refused(413, f"upload of {declared} bytes is over the {max_upload}-byte limit")
            try:
                form = await request.form(max_files=1, max_fields=64)
            except Exception as e:  # multipart parse errors have no common base class
                raise Refused(400, f"upload: not a valid form ({type(e).__name__})") from None
            fields = {k: v for k, v in form.items() if isinstance(v, str)}
            upload = form.get("file")
            cmd = fields.get("cmd", "")
            satellite = fields.get("satellite", "")
            if not satellite:
                return JSONResponse({"time": now_ms, "status": 3002, "message": "MAC 参数不能少，参数名 satellite"},
                                    status_code=400)  # 004:381
            if cmd == "getMessageList":
                return JSONResponse({"time": now_ms, "status": 3003, "message": "没有可处理的消息"})  # 004:381
            if cmd != "upload":
                # other commands, channelstatus included, get {"time":..,"status":0} (004:351)
                return JSONResponse({"time": now_ms, "status": 0})
            callid = fields.get("callid", "")
            if not callid.isdigit():
                raise Refused(400, f"upload: callid {callid[:30]!r} is required and numeric (004:362)")
            recorded = fields.get("recorded", "0")
            rel = ""
            if recorded == "1":
                if upload is None or isinstance(upload, str):
                    raise Refused(400, "upload: recorded=1 but no file part (004:363)")
                data = await upload.read()
                rel = _store_file(store.folder, satellite, callid, upload.filename or "", data)
                fields["file"] = rel
            event = Event(PLATFORM, "upload", f"babaihu/upload/{callid}", fields, [rel] if rel else [], callid)
        except Refused as e:
            return refused(PLATFORM, "upload", request, e, {"time": now_ms, "status": 1, "message": e.reason})
        await commit(store, [event])
        return JSONResponse({"time": now_ms, "status": 0, "callid": callid})

    suffix = access.suffix()
    return Starlette(routes=[Route("/babaihu/voip" + suffix, voip, methods=["GET", "POST"]),
                             Route("/babaihu/upload_record" + suffix, upload_record, methods=["POST"])])


def from_environment(store: EventStore, *, allow: Iterable[str] | None, max_body: int, replay_window: float,
                     env: Mapping[str, str]) -> Starlette:
    """The receiver ``callcore receive serve --platform babaihu`` serves: its secret path segment
    from *env*. The seed signs nothing, so *replay_window* does not apply."""
    return babaihu_app(store, path_secret=env.get(PATH_SECRET_ENV) or None, allow=allow, max_body=max_body)


PATHS = {
    "/babaihu/voip": "recording push 2.10.4, type 1-4 with memo (004:1123); with CALLCORE_RECEIVER_PATH_SECRET: /babaihu/voip/<secret>",
    "/babaihu/upload_record": "box upload 2.1.10, multipart with the recording (004:345); same secret segment as /babaihu/voip",
}
