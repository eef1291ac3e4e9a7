"""Huawei CEC sandbox: CC-iSales (seed 001 ch. 7) and CC-FS (13.2.1) on loopback.

A strict twin written from the seed, each rule with its seed line: auth-v2 verified on the request
target as it arrived (``Verifier.verify_asgi``: raw path, every header pair; a repeated signed
header or query key is refused), one 401/403 body for every failure (001:66982); campaigns v1
(7.1.1) and v2 (7.1.2) with every field rule of tables 7-3..7-35; the campaign state machine
(numbers added only while not started, pause only when started, resume only when paused, delete
and number deletion only when not started, with the seed's codes 0200019/0200011/0200009/0200028);
the answers' fields as the seed prints them. ``tests/sandbox/test_huawei_seed_routes.py`` lists
every ch. 7 and 13.2.1 route as served or not emulated and replays every printed request sample.

Same URLs, JSON shapes and codes as the seed; auth-v2 checked by :class:`callcore.sign.Verifier`
(401 with the CC-FS error body, 403 after repeated failures from one IP); limits enforced:
20 numbers per v1 call (0200029), 1 s between add calls per campaign (0200022), the v2 maximum
(``isales.api.calldata.max``), 200,000 uncompleted numbers per campaign (0200020), duplicates in a
request (0200018), blacklisted numbers (0200024), field lengths/characters (020000NN), adding to a
running/finished campaign (0200019), statistics once per 5 minutes (HTTP 429). State lives in
SQLite. Calls are simulated on demand (:meth:`HuaweiSandbox.dial` or ``POST /_sandbox/dial``),
producing call results, CDRs and A-law ``.V3`` recordings; queryBillData builds the 13.2.2 index zip
and POSTs the auth-v2-signed callback.
"""
from __future__ import annotations

import asyncio
import collections
import csv
import hashlib
import io
import json
import re
import time
import uuid
import zipfile
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path, PurePosixPath
from typing import Any
from xml.etree import ElementTree

from callcore import _extras

_extras.require("sandbox", "callcore.sandbox")  # before starlette: name the extra to install

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from . import audio
from ._server import FaultMiddleware, Faults, SandboxServer, State

OK = "0200000"
ISALES = "/rest/isales/{ver}/openapi/campaigns/{vdn:int}"
DIAL = re.compile(r"^[0-9*#]+$")
FORBIDDEN = set("`~!@#$%^&*()+={} '\";<>/?.[]!¥…—【】‘’:“”,\\？。、！（）；：，|")

SCHEMA = """
CREATE TABLE IF NOT EXISTS campaigns (id INTEGER PRIMARY KEY AUTOINCREMENT, vdn INTEGER, name TEXT, status INTEGER,
    device_type INTEGER, spec TEXT, created REAL);
CREATE TABLE IF NOT EXISTS calldata (id INTEGER PRIMARY KEY AUTOINCREMENT, vdn INTEGER, campaign INTEGER,
    session_id TEXT, called TEXT, numbers TEXT, caller TEXT, custom_field TEXT, recycle_time TEXT, call_data TEXT,
    state TEXT DEFAULT 'pending', created REAL);
CREATE INDEX IF NOT EXISTS calldata_c ON calldata(vdn, campaign, state);
CREATE TABLE IF NOT EXISTS blacklist (vdn INTEGER, number TEXT, expiry TEXT, restrict_times INTEGER,
    restrict_period TEXT, PRIMARY KEY (vdn, number));
CREATE TABLE IF NOT EXISTS file_servers (id TEXT PRIMARY KEY, vdn INTEGER, ip TEXT, port TEXT, path TEXT,
    user TEXT, pwd_sha TEXT);
CREATE TABLE IF NOT EXISTS import_tasks (id TEXT PRIMARY KEY, vdn INTEGER, campaign TEXT, kind TEXT, status TEXT,
    succ INTEGER, rep INTEGER, fail INTEGER, err TEXT, begin_time TEXT, end_time TEXT);
CREATE TABLE IF NOT EXISTS calls (call_id TEXT PRIMARY KEY, vdn INTEGER, campaign INTEGER, data_id INTEGER,
    session_id TEXT, called TEXT, caller TEXT, custom_field TEXT, call_time TEXT, status INTEGER, fail_code TEXT,
    agent TEXT, begin_time TEXT, end_time TEXT);
CREATE TABLE IF NOT EXISTS recordings (original_file_name TEXT PRIMARY KEY, file_name TEXT UNIQUE, call_id TEXT,
    vdn INTEGER, agent TEXT, begin_time TEXT, end_time TEXT, seconds REAL);
CREATE INDEX IF NOT EXISTS rec_call ON recordings(call_id);
CREATE TABLE IF NOT EXISTS bills (response_id TEXT PRIMARY KEY, file_name TEXT, begin_time TEXT, end_time TEXT,
    data_type TEXT, callback_url TEXT, account_id TEXT, created REAL);
"""


class HuaweiErrorReply(Exception):
    """An error the sandbox answers with: Huawei's result code and description, HTTP status ``http``."""

    def __init__(self, code: str, desc: str, http: int = 200) -> None:
        super().__init__(desc)
        self.code, self.desc, self.http = code, desc, http


def envelope(code: str = OK, desc: str = "", **extra: Any) -> dict[str, Any]:
    return {"resultCode": code, "resultDesc": desc, "returnCode": code, "returnDesc": desc, **extra}


@dataclass
class HuaweiConfig:
    """Sandbox settings. ``keys`` maps access keys to secret keys."""

    keys: dict[str, str] = field(default_factory=lambda: {"sandbox-ak": "sandbox-sk-0123456789abcdef"})
    v1_max: int = 20  # 001:25433
    v2_max: int = 20  # isales.api.calldata.max, default 20 (001:25586)
    min_interval: float = 1.0  # 001:25433
    max_pending: int = 200_000  # 001:25432
    stats_interval: float = 300.0  # 001:26271
    max_skew: float = 900.0
    lock_after_failures: int = 20  # 403 "Ip被锁定" (001:66975)
    callback_delay: float = 0.05
    callback_verify_tls: bool = True
    sftp_root: Path | None = None  # where registered SFTP servers' files are looked up
    max_file_rows: int = 500_000  # 001:26377
    push_results: bool = False  # POST 7.6.1 result callbacks to the campaign's callbackUrl after dial()
    recording_format: str = "alaw"  # the deployment's .V3 encoding: alaw (64K), vox8k (32K) or vox6k (24K)


# ----------------------------------------------------------------------------------------------
# field checks answering the 020000NN family


def need(body: dict, key: str) -> Any:
    v = body.get(key)
    if v is None or v == "":
        raise HuaweiErrorReply("02000001", f"参数值为空: {key}")
    return v


def s_len(key: str, v: Any, n: int) -> None:
    if v is None:
        return
    if not isinstance(v, (str, int)):
        raise HuaweiErrorReply("02000006", f"参数值类型不正确: {key}")
    if len(str(v)) > n:
        raise HuaweiErrorReply("02000003", f"参数长度不能大于规定长度: {key} ({n})")


def s_dial(key: str, v: Any, n: int = 24) -> None:
    if v is None or v == "":
        raise HuaweiErrorReply("02000001", f"参数值为空: {key}")
    s_len(key, v, n)
    if not DIAL.match(str(v)):
        raise HuaweiErrorReply("02000002", f"参数包含非法字符: {key}")


def s_chars(key: str, v: Any, forbidden: set[str] = FORBIDDEN) -> None:
    if v and any(c in forbidden for c in str(v)):
        raise HuaweiErrorReply("02000002", f"参数包含非法字符: {key}")


def s_int(key: str, v: Any, lo: int, hi: int) -> int:
    try:
        n = int(v)
    except (TypeError, ValueError):
        raise HuaweiErrorReply("02000006", f"参数值类型不正确: {key}") from None
    if not lo <= n <= hi:
        raise HuaweiErrorReply("02000007", f"参数值大小不正确: {key}")
    return n


def s_time(key: str, v: Any, fmt: str = "%Y-%m-%d %H:%M:%S", code: str = "0200030") -> None:
    if v in (None, ""):
        return
    try:
        datetime.strptime(str(v), fmt)
    except ValueError:
        raise HuaweiErrorReply(code, f"时间格式不正确: {key}") from None


def check_schedule(sched: dict[str, Any]) -> None:
    """scheduleParam, table 7-4 and its notes (001:21428-21452; v2 table 7-19, 001:21695-21719)."""
    for kind in ("workday", "holiday"):
        for i in (1, 2, 3):
            b, e = sched.get(f"{kind}BeginTime{i}") or "", sched.get(f"{kind}EndTime{i}") or ""
            s_time(f"{kind}BeginTime{i}", b or None, "%H:%M", code="02000006")
            s_time(f"{kind}EndTime{i}", e or None, "%H:%M", code="02000006")
            if bool(b) != bool(e):  # note 2: begin and end both empty or both set
                raise HuaweiErrorReply("02000009", f"参数组合不正确: {kind}BeginTime{i}/{kind}EndTime{i}")
            if b and str(b) >= str(e):  # note 3: begin before end
                raise HuaweiErrorReply("02000009", f"参数组合不正确: {kind}BeginTime{i} >= {kind}EndTime{i}")
    if not any(sched.get(f"workdayBeginTime{i}") for i in (1, 2, 3)):  # note 1: not all workday windows empty
        raise HuaweiErrorReply("02000009", "参数组合不正确: workday windows 1-3 are all empty")


# predictMethod -> (its parameter object, {field: (lo, hi)}), tables 7-9 to 7-12 (001:21492-21520)
PREDICT_PARAMS: dict[int, tuple[str, dict[str, tuple[int, int]]]] = {
    1: ("expPredictParam", {"maxAvgCallTime": (50, 200), "minAvgCallTime": (50, 200), "outBoundRate": (0, 100)}),
    2: ("agentPredictParam", {"maxAvgCallTime": (50, 200), "minAvgCallTime": (50, 200), "lossRate": (0, 100),
                              "utilRate": (0, 100), "utilRateMethod": (1, 2)}),
    # table 7-11 prints maxAvgCallTime 5-200 (001:21511) where every sibling says 50-200; the
    # strict reading takes 50-200 (and min <= max holds either way)
    3: ("connectPredictParam", {"maxAvgCallTime": (50, 200), "minAvgCallTime": (50, 200), "lossRate": (0, 100),
                                "waitTime": (0, 16), "connRate": (0, 100)}),
    5: ("offhookPredictParam", {"offHookRate": (50, 200)}),
}


def check_skill(skill: dict[str, Any], max_alerting: int, *, name_required: bool) -> None:
    """skillParam, tables 7-6 to 7-12 (v1, 001:21466-21520) / 7-21 to 7-27 (v2)."""
    s_int("skillId", need(skill, "skillId"), 1, 1000)  # 001:21470
    if name_required:  # v2: skillName True (001:21738); v1: False (001:21471)
        need(skill, "skillName")
    s_len("skillName", skill.get("skillName"), 100)
    ob = s_int("outBoundType", need(skill, "outBoundType"), 2, 6)
    if ob not in (2, 5, 6):  # 001:21472
        raise HuaweiErrorReply("02000007", "参数值大小不正确: outBoundType")
    if ob == 2:
        pp = skill.get("predictParam")
        if not isinstance(pp, dict):  # required when outBoundType is 2 (001:21473)
            raise HuaweiErrorReply("02000009", "参数组合不正确: predictParam")
        method = s_int("predictMethod", need(pp, "predictMethod"), 1, 5)
        if method not in PREDICT_PARAMS:  # 1, 2, 3, 5 (001:21486)
            raise HuaweiErrorReply("02000007", "参数值大小不正确: predictMethod")
        key, ranges = PREDICT_PARAMS[method]
        sub = pp.get(key)
        if not isinstance(sub, dict):  # required for its method (001:21487-21490)
            raise HuaweiErrorReply("02000009", f"参数组合不正确: {key}")
        vals = {f: s_int(f, need(sub, f), lo, hi) for f, (lo, hi) in ranges.items()}
        if "minAvgCallTime" in vals and vals["minAvgCallTime"] > vals["maxAvgCallTime"]:
            raise HuaweiErrorReply("02000009", "参数组合不正确: minAvgCallTime > maxAvgCallTime")  # 001:21496
    if ob == 5:
        pv = skill.get("previewParam")
        if not isinstance(pv, dict):  # required when outBoundType is 5 (001:21474)
            raise HuaweiErrorReply("02000009", "参数组合不正确: previewParam")
        s_int("failInterval", need(pv, "failInterval"), 3, 60)  # 001:21479
        s_int("obCallCount", need(pv, "obCallCount"), 1, 100)  # 001:21480
        s_int("autoCallTime", need(pv, "autoCallTime"), 5, max(5, max_alerting - 3))  # 001:21481


def fastjson_text(key: str, text: Any) -> Any:
    """A "json串" field (retryPolicy.policyJson/resultRetry/busiPolicy). The tables say JSON
    (001:21802-21807) but the seed's own samples write it with single quotes (001:21963,
    001:22575, 001:23457), which the platform's parser accepts: iSales is Java on fastjson (the
    demo imports com.alibaba.fastjson, 001:2118), and fastjson reads single-quoted strings. So
    this accepts exactly that one leniency, and nothing else that strict JSON refuses."""
    if not isinstance(text, str) or not text.strip():
        raise HuaweiErrorReply("02000001", f"参数值为空: {key}")
    for candidate in (text, text.replace("'", '"')):
        try:
            return json.loads(candidate)
        except ValueError:
            continue
    raise HuaweiErrorReply("02000008", f"参数转换异常，请检查请求参数: {key}")


def check_retry_policy(rp: Any, cp: Any) -> None:
    """7.1.2 retryPolicy (tables 7-29 to 7-33, 001:21795-21848) and callPolicy (7-34/7-35)."""
    if not isinstance(rp, dict):  # retryPolicy True (001:21687)
        raise HuaweiErrorReply("02000001", "参数值为空: retryPolicy")
    ptype = s_int("policyType", need(rp, "policyType"), 0, 1)
    if ptype == 0:
        if rp.get("resultRetry") not in (None, ""):  # by-result global policy (001:21802, 001:21811, 001:21822-21824)
            items = fastjson_text("resultRetry", rp["resultRetry"])
            if not isinstance(items, list) or not items:
                raise HuaweiErrorReply("02000006", "参数值类型不正确: resultRetry")
            for it in items:
                if not isinstance(it, dict):
                    raise HuaweiErrorReply("02000006", "参数值类型不正确: resultRetry")
                s_int("result", need(it, "result"), 1, 9)
                s_int("callInterval", need(it, "callInterval"), 1, 86400)
                s_int("retryNumber", need(it, "retryNumber"), 0, 9)
        else:  # the ordinary global policy needs all three (001:21799-21801, 001:21811)
            s_int("retryDay", need(rp, "retryDay"), 1, 5)
            s_int("retryTimes", need(rp, "retryTimes"), 1, 6)
            s_int("callInterval", need(rp, "callInterval"), 1, 86400)
    else:
        if rp.get("noRetryPolicy"):  # not allowed with policyType 1 (001:21807)
            raise HuaweiErrorReply("02000009", "参数组合不正确: noRetryPolicy")
        items = fastjson_text("policyJson", need(rp, "policyJson"))
        if not isinstance(items, list) or not items:
            raise HuaweiErrorReply("02000006", "参数值类型不正确: policyJson")
        for it in items:
            if not isinstance(it, dict):
                raise HuaweiErrorReply("02000006", "参数值类型不正确: policyJson")
            s_len("dataType", need(it, "dataType"), 20)  # 001:21829
            s_chars("dataType", it["dataType"])
            kind = s_int("type", need(it, "type"), 0, 1)
            pol = it.get("policy")
            # table 7-31 shows a result policy as a list (001:21817), the samples as one object
            # (001:21963): both carry the same fields, so both are read
            pols = pol if isinstance(pol, list) else [pol]
            if not pols or not all(isinstance(x, dict) for x in pols):
                raise HuaweiErrorReply("02000001", "参数值为空: policy")
            for x in pols:
                if kind == 0:
                    s_int("retryDay", need(x, "retryDay"), 1, 5)
                    s_int("retryTimes", need(x, "retryTimes"), 1, 6)
                else:
                    s_int("result", need(x, "result"), 0, 9)
                    s_int("callInterval", need(x, "callInterval"), 1, 86400)
                    s_int("retryNumber", need(x, "retryNumber"), 0, 9)
    if rp.get("busiPolicy") not in (None, ""):
        items = fastjson_text("busiPolicy", rp["busiPolicy"])
        for it in items if isinstance(items, list) else [items]:
            if not isinstance(it, dict):
                raise HuaweiErrorReply("02000006", "参数值类型不正确: busiPolicy")
            need(it, "busiResultCode")
            bp = s_int("busiResultPolicy", need(it, "busiResultPolicy"), 0, 2)  # 001:21847
            if bp != 0:
                s_int("callInterval", need(it, "callInterval"), 1, 3600)  # 001:21848
    if cp in (None, {}):
        return
    if not isinstance(cp, dict):
        raise HuaweiErrorReply("02000006", "参数值类型不正确: callPolicy")
    call_type = s_int("callType", cp.get("callType", 0), 0, 1)  # 001:21853
    if call_type == 1:
        choose = s_int("chooseType", need(cp, "chooseType"), 0, 1)  # 001:21854
        turns = cp.get("turns")
        if not isinstance(turns, list) or not turns:  # 001:21855
            raise HuaweiErrorReply("02000001", "参数值为空: turns")
        for t in turns:
            if not isinstance(t, dict):
                raise HuaweiErrorReply("02000006", "参数值类型不正确: turns")
            if choose == 0:
                s_len("turnType", need(t, "turnType"), 20)  # 001:21860
                s_chars("turnType", t["turnType"])
            else:
                s_int("turnOrder", need(t, "turnOrder"), 1, 10)  # 001:21861
        if ptype != 1:  # callType 1 needs policyType 1 (001:21693)
            raise HuaweiErrorReply("02000009", "参数组合不正确: callType 1 needs retryPolicy.policyType 1")


# ----------------------------------------------------------------------------------------------
# the application


class HuaweiApp:
    """The Starlette application and its state; see :class:`HuaweiSandbox` to run it."""

    def __init__(self, state_dir: str | Path | None = None, config: HuaweiConfig | None = None,
                 faults: Faults | str | None = None) -> None:
        from callcore.sign import Verifier

        self.cfg = config or HuaweiConfig()
        self.state = State(state_dir, "huawei", SCHEMA)
        self.files = Path(state_dir) / "huawei-files" if state_dir else None
        self._mem_files: dict[str, bytes] = {}
        self.verifier = Verifier(dict(self.cfg.keys), max_skew=self.cfg.max_skew)
        self.last_add: dict[tuple[int, int], float] = {}
        self.last_stats: dict[tuple[int, str], float] = {}
        self.auth_failures: dict[str, list[float]] = {}
        self.callbacks: list[dict[str, Any]] = []  # delivery log, for tests
        self.auth_timestamps: collections.deque[str] = collections.deque(maxlen=10_000)
        self._tasks: set[asyncio.Task] = set()
        faults = faults if isinstance(faults, Faults) else Faults.parse(faults)
        routes = [
            Route("/rest/isales/v1/openapi/campaigns/{vdn:int}", self.create_campaign, methods=["POST"]),
            Route("/rest/isales/v1/openapi/campaigns/{vdn:int}", self.list_campaigns, methods=["GET"]),
            Route("/rest/isales/v2/openapi/campaigns/{vdn:int}", self.create_campaign_v2, methods=["POST"]),
            Route("/rest/isales/v1/openapi/campaigns/{vdn:int}/{cid:int}", self.get_campaign, methods=["GET"]),
            Route("/rest/isales/v1/openapi/campaigns/{vdn:int}/{cid:int}", self.delete_campaign, methods=["DELETE"]),
            Route("/rest/isales/v1/openapi/campaigns/{vdn:int}/{cid:int}/pause", self.pause, methods=["PUT"]),
            Route("/rest/isales/v1/openapi/campaigns/{vdn:int}/{cid:int}/resume", self.resume, methods=["PUT"]),
            Route("/rest/isales/v1/openapi/campaigns/{vdn:int}/calldata/{cid:int}", self.add_v1, methods=["POST"]),
            Route("/rest/isales/v2/openapi/campaigns/{vdn:int}/calldata/{cid:int}", self.add_v2, methods=["POST"]),
            Route("/rest/isales/v1/openapi/campaigns/{vdn:int}/calldata/{cid:int}/delete", self.delete_numbers,
                  methods=["POST"]),
            Route("/rest/isales/v1/openapi/campaigns/{vdn:int}/calldata/{cid:int}/{data_id}", self.query_number,
                  methods=["GET"]),
            Route("/rest/isales/v2/openapi/campaigns/{vdn:int}/statistics", self.statistics, methods=["GET"]),
            Route("/rest/isales/v1/openapi/campaigns/{vdn:int}/calldatafile/uploadFileServer/{cid}",
                  self.import_file, methods=["POST"]),
            Route("/rest/isales/v1/openapi/campaigns/{vdn:int}/calldatafile/queryDataImportTask/{cid}",
                  self.import_results, methods=["POST"]),
            Route("/rest/isales/v1/openapi/campaigns/{vdn:int}/blocklist/add", self.bl_add, methods=["POST"]),
            Route("/rest/isales/v1/openapi/campaigns/{vdn:int}/blocklist/delete", self.bl_delete, methods=["POST"]),
            Route("/rest/isales/v1/openapi/campaigns/{vdn:int}/blocklist", self.bl_clear, methods=["DELETE"]),
            Route("/rest/isales/v1/openapi/campaigns/{vdn:int}/blocklist/query", self.bl_query, methods=["POST"]),
            Route("/rest/isales/v1/openapi/campaigns/{vdn:int}/blackfile/uploadFileServer", self.bl_import,
                  methods=["POST"]),
            Route("/rest/isales/v1/openapi/campaigns/{vdn:int}/blackfile/queryDataImportTask", self.bl_import_results,
                  methods=["POST"]),
            Route("/rest/isales/v1/openapi/campaigns/{vdn:int}/file/addServer", self.add_server, methods=["POST"]),
            Route("/rest/isales/v1/openapi/campaigns/{vdn:int}/file/{sid}/deleteServer", self.delete_server,
                  methods=["POST"]),
            Route("/rest/isales/v1/openapi/campaigns/{vdn:int}/file/queryServer", self.query_servers,
                  methods=["POST"]),
            Route("/rest/isales/v1/openapi/campaigns/{vdn:int}/callresult/{cid:int}", self.call_results,
                  methods=["POST"]),
            Route("/CCFS/resource/ccfs/queryBillData", self.query_bill_data, methods=["POST"]),
            Route("/CCFS/resource/ccfs/downloadBillFile", self.download_bill_file, methods=["POST"]),
            Route("/CCFS/resource/ccfs/downloadRecordFile", self.download_record_file, methods=["POST"]),
            Route("/CCFS/resource/ccfs/downloadRecord", self.download_record, methods=["POST"]),
            Route("/_sandbox/dial/{vdn:int}/{cid:int}", self.ctl_dial, methods=["POST"]),
            Route("/_sandbox/health", lambda r: JSONResponse({"ok": True}), methods=["GET"]),
        ]
        self.starlette = Starlette(routes=routes)
        self.faults = FaultMiddleware(self._guarded, faults, self._flow_response)
        self.app = self.faults

    # --- plumbing

    def _flow_response(self, scope: dict) -> tuple[int, dict]:
        if scope["path"].startswith("/CCFS/"):
            code = "0300008" if "download" in scope["path"] else "0300009"
            return 200, {"resultCode": code, "resultDesc": "Reached the flow control threshold.", "resultData": None}
        if scope["path"].endswith("/statistics"):
            return 429, envelope("429", "请勿频繁操作，请稍后再试。")
        return 200, envelope("0200022", "接口调用太快")

    async def _guarded(self, scope: dict, receive: Any, send: Any) -> None:
        """auth-v2 check before routing (control paths excepted)."""
        if scope["type"] == "http" and not scope["path"].startswith("/_sandbox"):
            req = Request(scope, receive)
            body = await req.body()
            err = self._check_auth(req, body, scope.get("state", {}).get("clock_offset", 0.0))
            if err is not None:
                return await err(scope, receive, send)

            async def replay() -> dict:
                return {"type": "http.request", "body": body, "more_body": False}
            return await self.starlette(scope, replay, send)
        return await self.starlette(scope, receive, send)

    def _check_auth(self, req: Request, body: bytes, offset: float) -> Response | None:
        from callcore.sign import AuthError, parse_authorization

        ip = req.client.host if req.client else "?"
        now = time.time()
        fails = [t for t in self.auth_failures.get(ip, []) if now - t < 600]
        self.auth_failures[ip] = fails
        if self.cfg.lock_after_failures and len(fails) >= self.cfg.lock_after_failures:
            return self._auth_error(403, "Forbidden", "No message available", req.url.path)  # 001:66975
        try:
            # The request target as it arrived (raw_path, query_string) and every header pair with
            # its repeats: a server verifies what the client sent, not what the framework decoded
            # or folded into a dict (a repeated signed header or query key is refused there).
            self.verifier.verify_asgi(req.scope, body, now=now + offset)
            # the timestamp text of every accepted request, so tests can see which form a client
            # signs with (the platform accepts both, auth.md 4.2.4 row 7)
            self.auth_timestamps.append(parse_authorization(req.headers["authorization"])[1])
            return None
        except AuthError:
            fails.append(now)
            # One answer for every failure: naming the cause (unknown key vs bad signature vs
            # clock) would tell a caller which access keys exist. The seed's example message is
            # "No message available" (001:66982, 001:66987).
            return self._auth_error(401, "Unauthorized", "No message available", req.url.path)

    @staticmethod
    def _auth_error(status: int, error: str, message: str, path: str) -> Response:
        # 13-127 (001:66978-66990)
        return JSONResponse({"timestamp": int(time.time() * 1000), "status": status, "error": error,
                             "message": message, "path": path}, status_code=status)

    @staticmethod
    async def _json(req: Request) -> dict[str, Any]:
        raw = await req.body()
        if not raw.strip():
            return {}
        try:
            d = json.loads(raw)
        except ValueError:
            raise HuaweiErrorReply("0200001", "参数异常: body is not JSON") from None
        if not isinstance(d, dict):
            raise HuaweiErrorReply("0200001", "参数异常: body is not a JSON object")
        return d

    @staticmethod
    def _vdn(req: Request) -> int:
        vdn = req.path_params["vdn"]
        if not 1 <= vdn <= 9999:
            raise HuaweiErrorReply("02000007", "参数值大小不正确: vdnId")
        return vdn

    def _campaign(self, vdn: int, cid: Any) -> Any:
        try:
            cid = int(cid)
        except (TypeError, ValueError):
            raise HuaweiErrorReply("02000006", "参数值类型不正确: campaignId") from None
        row = self.state.row("SELECT * FROM campaigns WHERE vdn=? AND id=?", (vdn, cid))
        if row is None:
            raise HuaweiErrorReply("0200007", "外呼活动不存在")
        return row

    def _pending(self, vdn: int, cid: int) -> int:
        return self.state.row("SELECT COUNT(*) n FROM calldata WHERE vdn=? AND campaign=? AND state='pending'",
                              (vdn, cid))["n"]

    def _blacklisted(self, vdn: int, numbers: list[str]) -> list[str]:
        """Numbers on the blacklist without a frequency restriction (those with restrictTimes and
        restrictPeriod may still be called, 001:25435)."""
        if not numbers:
            return []
        now = datetime.now().strftime("%Y-%m-%d %H:%M:%S")
        marks = ",".join("?" * len(numbers))
        rows = self.state.rows(f"SELECT number FROM blacklist WHERE vdn=? AND number IN ({marks}) AND "
                            "(expiry IS NULL OR expiry='' OR expiry>?) AND restrict_times IS NULL",
                            (vdn, *numbers, now))
        return [r["number"] for r in rows]

    @staticmethod
    def _handle(fn: Any) -> Any:
        async def wrapper(self: "HuaweiApp", req: Request) -> Response:
            try:
                return await fn(self, req)
            except HuaweiErrorReply as e:
                if req.url.path.startswith("/CCFS/"):
                    return JSONResponse({"resultCode": e.code, "resultDesc": e.desc, "resultData": None,
                                         "response": {"version": "2.0", "resultCode": e.code, "resultMsg": e.desc}},
                                        status_code=e.http)
                return JSONResponse(envelope(e.code, e.desc), status_code=e.http)
        return wrapper

    # --- 7.1 campaigns

    @_handle
    async def create_campaign(self, req: Request) -> Response:
        """7.1.1 新增外呼活动 (v1), fields per tables 7-3 to 7-12 (001:21409-21520)."""
        return self._create_campaign(self._vdn(req), await self._json(req), v2=False)

    @_handle
    async def create_campaign_v2(self, req: Request) -> Response:
        """7.1.2 新增外呼活动 (v2), fields per tables 7-18 to 7-35 (001:21665-21870): callerNo is a
        list, retryPolicy is required, callPolicy and priority are new."""  # 001:21622-21990
        return self._create_campaign(self._vdn(req), await self._json(req), v2=True)

    def _create_campaign(self, vdn: int, b: dict[str, Any], *, v2: bool) -> Response:
        name = need(b, "name")
        s_len("name", name, 32)
        s_len("description", b.get("description"), 200)
        # v1 forbids "[]=;<> (001:21413); v2 prints "[]=<>" (001:21671) without ';'. Strict: both refuse ';'.
        s_chars("description", b.get("description"), set('"[]=;<>'))
        begin, end = need(b, "strBeginTime"), need(b, "strEndTime")
        s_time("strBeginTime", begin, code="02000006")
        s_time("strEndTime", end, code="02000006")
        if datetime.strptime(begin, "%Y-%m-%d %H:%M:%S") < datetime.now().replace(hour=0, minute=0, second=0,
                                                                                   microsecond=0):
            raise HuaweiErrorReply("0200002", "外呼活动的开始时间早于今天凌晨。")  # 001:21414, code 001:21548
        if str(end) <= str(begin):
            # The seed states no rule for the end (001:21415); an end at or before the start leaves a
            # campaign that can never dial, so the strict reading refuses it as a bad combination.
            raise HuaweiErrorReply("02000009", "参数组合不正确: strEndTime")
        dt = s_int("deviceType", need(b, "deviceType"), 1, 6)
        if dt == 4:  # 1, 2, 3, 5, 6 (001:21416)
            raise HuaweiErrorReply("02000007", "参数值大小不正确: deviceType")
        if v2:
            callers = b.get("callerNo")
            if not isinstance(callers, list) or not callers:  # table 7-28 (001:21677, 001:21789-21793)
                raise HuaweiErrorReply("02000001", "参数值为空: callerNo")
            for c in callers:
                if not isinstance(c, dict):
                    raise HuaweiErrorReply("02000006", "参数值类型不正确: callerNo")
                code = need(c, "accessCode")
                s_len("accessCode", code, 32)
                if not re.fullmatch(r"[0-9]+", str(code)):
                    raise HuaweiErrorReply("02000002", "参数包含非法字符: accessCode")
                s_int("priority", need(c, "priority"), 1, 5)
            if b.get("priority") is not None:
                s_int("priority", b["priority"], 1, 5)  # 001:21679
        else:
            s_dial("callerNo", need(b, "callerNo"))  # 24 characters of 0-9 * # (001:21417)
        max_alert = s_int("maxAlertingTime", need(b, "maxAlertingTime"), 9 if dt == 5 else 5, 120)  # 001:21418
        sched = b.get("scheduleParam")
        if not isinstance(sched, dict):
            raise HuaweiErrorReply("02000001", "参数值为空: scheduleParam")
        check_schedule(sched)
        if dt in (1, 3):
            ivr = b.get("ivrParam")
            if not isinstance(ivr, dict):  # required for deviceType 1, 3 (001:21420, 001:21457)
                raise HuaweiErrorReply("02000009", "参数组合不正确: ivrParam")
            need(ivr, "deviceSign")  # True, no length printed (001:21457)
            s_int("callCount", need(ivr, "callCount"), 1, 100)  # 001:21458
            s_int("callInterval", need(ivr, "callInterval"), 1, 9999)  # 001:21459
        if dt in (2, 5, 6):
            skill = b.get("skillParam")
            if not isinstance(skill, dict):  # required for deviceType 2, 5, 6 (001:21421)
                raise HuaweiErrorReply("02000009", "参数组合不正确: skillParam")
            check_skill(skill, max_alert, name_required=v2)
            if int(skill["outBoundType"]) != dt:
                # deviceType 2/5/6 and outBoundType 2/5/6 name the same three modes (001:21416,
                # 001:21472); the seed never says a mismatch is allowed, so the strict reading
                # refuses a predictive queue asked to dial in preview mode
                raise HuaweiErrorReply("02000009", "参数组合不正确: skillParam.outBoundType != deviceType")
        url = b.get("callbackUrl") or b.get("callBackUrl")  # the samples spell callBackUrl (001:21603, 001:21976)
        if not url:
            raise HuaweiErrorReply("02000001", "参数值为空: callbackUrl")
        if not str(url).startswith(("https://", "http://")):
            # v2 and the v2 modify call say it must start with https:// or http (001:21686, 001:22307);
            # v1 says nothing (001:21425). Strict: v1 too.
            raise HuaweiErrorReply("02000002", "参数包含非法字符: callbackUrl")
        if v2:
            check_retry_policy(b.get("retryPolicy"), b.get("callPolicy"))
        init = s_int("initStatus", b.get("initStatus", 0), 0, 1)  # 0 started, 1 paused (001:21422)
        if self.state.row("SELECT 1 FROM campaigns WHERE vdn=? AND name=?", (vdn, name)):
            raise HuaweiErrorReply("0200005", "外呼活动名称不能重复。")
        kind_ivr = dt in (1, 3)
        n_same = self.state.row("SELECT COUNT(*) n FROM campaigns WHERE vdn=? AND status!=4 AND device_type IN "
                                + ("(1,3)" if kind_ivr else "(2,5,6)"), (vdn,))["n"]
        if n_same >= 20:  # 001:21375-21376
            raise HuaweiErrorReply("0200004" if kind_ivr else "0200003", "外呼活动已达到上限")
        cid = self.state.insert("INSERT INTO campaigns (vdn, name, status, device_type, spec, created) VALUES (?,?,?,?,?,?)",
                           (vdn, name, 3 if init == 1 else 2, dt, json.dumps(b, ensure_ascii=False), time.time()))
        return JSONResponse(envelope(returnObject={"id": cid}))

    @_handle
    async def delete_campaign(self, req: Request) -> Response:
        """7.1.5 删除外呼活动 (001:22604-22700): only a campaign that is not started (status != 2,
        001:22610; else 0200009 外呼任务还在启动中, 001:22667); archiveHistory 0 or 1 (001:22643)."""
        vdn = self._vdn(req)
        row = self._campaign(vdn, req.path_params["cid"])
        b = await self._json(req)
        if b.get("archiveHistory") is not None:
            s_int("archiveHistory", b["archiveHistory"], 0, 1)
        if row["status"] == 2:
            raise HuaweiErrorReply("0200009", "外呼任务还在启动中")
        with self.state.lock:
            self.state.db.execute("BEGIN")
            try:
                self.state.db.execute("DELETE FROM calldata WHERE vdn=? AND campaign=?", (vdn, row["id"]))
                self.state.db.execute("DELETE FROM campaigns WHERE vdn=? AND id=?", (vdn, row["id"]))
                self.state.db.execute("COMMIT")
            except BaseException:
                self.state.db.execute("ROLLBACK")
                raise
        return JSONResponse(envelope(desc="delete task success"))

    @_handle
    async def list_campaigns(self, req: Request) -> Response:
        """7.1.7 (001:23000): name (substring), status and deviceType (0: all), curPage, rowsPerPage <= 100."""
        vdn = self._vdn(req)
        q = req.query_params
        # status and deviceType are True with no default (0 asks for all, 001:23023-23024);
        # curPage and rowsPerPage are True too but carry defaults (1, 10; 001:23027-23028)
        status = s_int("status", need(dict(q), "status"), 0, 4)
        dt = s_int("deviceType", need(dict(q), "deviceType"), 0, 6)
        if status == 1 or dt == 4:
            raise HuaweiErrorReply("02000007", "参数值大小不正确: " + ("status" if status == 1 else "deviceType"))
        try:
            page, per = max(1, int(q.get("curPage") or 1)), int(q.get("rowsPerPage") or 10)
        except ValueError:
            raise HuaweiErrorReply("02000006", "参数值类型不正确") from None
        if not 1 <= per <= 100:
            raise HuaweiErrorReply("02000007", "参数值大小不正确: rowsPerPage")
        s_time("beginTime", q.get("beginTime"), code="02000006")  # 001:23025
        s_time("endTime", q.get("endTime"), code="02000006")  # 001:23026
        where, args = ["vdn=?"], [vdn]
        if q.get("beginTime"):
            where.append("json_extract(spec, '$.strBeginTime') >= ?")
            args.append(q["beginTime"])
        if q.get("endTime"):
            where.append("json_extract(spec, '$.strEndTime') <= ?")
            args.append(q["endTime"])
        if q.get("name"):
            s_len("name", q["name"], 30)  # 001:23022
            where.append("instr(name, ?) > 0")
            args.append(q["name"])
        if status:
            where.append("status=?")
            args.append(status)
        if dt:
            where.append("device_type=?")
            args.append(dt)
        rows = self.state.rows("SELECT * FROM campaigns WHERE " + " AND ".join(where) + " ORDER BY id", args)
        data = []
        for r in rows[(page - 1) * per: page * per]:
            spec = json.loads(r["spec"])
            data.append({"id": r["id"], "name": r["name"], "status": r["status"], "strBeginTime": spec.get(
                "strBeginTime"), "strEndTime": spec.get("strEndTime"), "deviceType": r["device_type"],
                "callerNo": spec.get("callerNo")})
        # 当前技能队列/IVR外呼活动总数 (table 7-103, 001:23053-23054): the campaigns of each kind that
        # count towards the limit of 20 (not finished, 001:21375-21376). The seed prints the second
        # name "curlvrCount" in the table and the sample alike; read as OCR of curIvrCount, as
        # "responseld" is of responseId (13.2.1.2).
        live = {k: self.state.row("SELECT COUNT(*) n FROM campaigns WHERE vdn=? AND status!=4 AND device_type IN "
                                  + kinds, (vdn,))["n"] for k, kinds in (("skill", "(2,5,6)"), ("ivr", "(1,3)"))}
        return JSONResponse(envelope(curPage=page, totalSize=len(rows), rowsPerPage=per,
                                     curSkillQueueCount=live["skill"], curIvrCount=live["ivr"], data=data))

    @_handle
    async def get_campaign(self, req: Request) -> Response:
        vdn = self._vdn(req)
        row = self._campaign(vdn, req.path_params["cid"])
        spec = json.loads(row["spec"])
        # table 7-83 (001:22752-22772) plus what the sample prints beyond it (001:22952-22997): the
        # id, the twelve schedule keys and the four prediction objects with null for those unset,
        # and previewParam beside skillParam. callBackUrl goes where the table puts it (5.12,
        # 001:22769); the sample prints it after returnObject closes, read as a layout slip.
        obj: dict[str, Any] = {"id": row["id"]}
        obj.update({k: spec.get(k) for k in ("name", "description", "status", "strBeginTime", "strEndTime",
                                             "deviceType", "callerNo", "maxAlertingTime")})
        obj["status"] = row["status"]
        sched = spec.get("scheduleParam") or {}
        obj["scheduleParam"] = {f"{kind}{edge}Time{i}": sched.get(f"{kind}{edge}Time{i}") or None
                                for kind in ("workday", "holiday") for i in (1, 2, 3) for edge in ("Begin", "End")}
        obj["ivrParam"] = spec.get("ivrParam")
        skill = spec.get("skillParam")
        if isinstance(skill, dict):
            skill = dict(skill)
            if isinstance(skill.get("predictParam"), dict):
                pp = dict(skill["predictParam"])
                for key, _ in PREDICT_PARAMS.values():
                    pp.setdefault(key, None)
                skill["predictParam"] = pp
        obj["skillParam"] = skill
        obj["previewParam"] = (skill or {}).get("previewParam")
        obj["callBackUrl"] = spec.get("callbackUrl") or spec.get("callBackUrl")
        for key in ("retryPolicy", "callPolicy"):  # v2 campaigns (5.13, 5.14)
            if key in spec:
                obj[key] = spec[key]
        return JSONResponse(envelope(returnObject=obj))

    async def _set_status(self, req: Request, want_from: int, to: int) -> Response:
        vdn = self._vdn(req)
        row = self._campaign(vdn, req.path_params["cid"])
        if row["status"] != want_from:
            raise HuaweiErrorReply("0200011", "当前状态不允许" + ("暂停" if to == 3 else "恢复"))
        self.state.execute("UPDATE campaigns SET status=? WHERE id=?", (to, row["id"]))
        return JSONResponse(envelope())

    @_handle
    async def pause(self, req: Request) -> Response:
        return await self._set_status(req, 2, 3)

    @_handle
    async def resume(self, req: Request) -> Response:
        return await self._set_status(req, 3, 2)

    # --- 7.4 numbers

    def _add_common(self, vdn: int, cid: int, recs: list[dict], limit: int) -> Any:
        row = self._campaign(vdn, cid)
        if not isinstance(recs, list) or not recs:
            raise HuaweiErrorReply("02000001", "参数值为空: callDataList")
        if len(recs) > limit:
            raise HuaweiErrorReply("0200029", "超过了每次添加允许的最大值")
        if row["status"] == 4 or row["status"] == 2:  # 已完成 / 执行中 (001:25436-25437)
            raise HuaweiErrorReply("0200019", "当前状态不允许追加号码")
        now = time.monotonic()
        last = self.last_add.get((vdn, cid))
        if last is not None and now - last < self.cfg.min_interval:
            raise HuaweiErrorReply("0200022", "接口调用太快")
        self.last_add[(vdn, cid)] = now
        return row

    def _check_record(self, i: int, r: Any) -> None:
        if not isinstance(r, dict):
            raise HuaweiErrorReply("02000006", f"参数值类型不正确: callDataList[{i}]")
        s_len("sessionId", r.get("sessionId"), 32)
        s_len("caller", r.get("caller"), 24)
        s_len("customField", r.get("customField"), 200)
        s_chars("customField", r.get("customField"))
        s_time("recycleTime", r.get("recycleTime"))
        s_len("callData", r.get("callData"), 1024)

    def _insert(self, vdn: int, cid: int, rows: list[tuple]) -> int:
        if self._pending(vdn, cid) + len(rows) > self.cfg.max_pending:
            raise HuaweiErrorReply("0200020", "号码数量超过了最大规格20w条")
        now = time.time()
        self.state.many("INSERT INTO calldata (vdn, campaign, session_id, called, numbers, caller, custom_field, "
                        "recycle_time, call_data, created) VALUES (?,?,?,?,?,?,?,?,?,?)",
                        [(vdn, cid, *r, now) for r in rows])
        return self._pending(vdn, cid)

    @_handle
    async def add_v1(self, req: Request) -> Response:
        vdn = self._vdn(req)
        cid = req.path_params["cid"]
        b = await self._json(req)
        recs = b.get("callDataList")
        self._add_common(vdn, cid, recs, self.cfg.v1_max)
        called = []
        for i, r in enumerate(recs):
            self._check_record(i, r)
            s_dial("called", r.get("called"))
            called.append(str(r["called"]))
        if len(set(called)) != len(called):
            raise HuaweiErrorReply("0200018", "存在重复的号码")
        if self._blacklisted(vdn, called):
            raise HuaweiErrorReply("0200024", "添加的号码中存在黑名单号码")
        total = self._insert(vdn, cid, [(r.get("sessionId"), str(r["called"]), None, r.get("caller"),
                                         r.get("customField"), r.get("recycleTime"), r.get("callData")) for r in recs])
        return JSONResponse(envelope(returnObject={"totalSize": total}))

    @_handle
    async def add_v2(self, req: Request) -> Response:
        vdn = self._vdn(req)
        cid = req.path_params["cid"]
        b = await self._json(req)
        recs = b.get("callDataList")
        self._add_common(vdn, cid, recs, self.cfg.v2_max)
        numbers: list[str] = []
        for i, r in enumerate(recs):
            self._check_record(i, r)
            called = r.get("called")
            if not isinstance(called, list) or not called:
                raise HuaweiErrorReply("02000001", "参数值为空: called")
            mine = []
            for c in called:
                if not isinstance(c, dict):
                    raise HuaweiErrorReply("02000006", "参数值类型不正确: called")
                s_dial("calledNo", c.get("calledNo"))
                if c.get("delayTime") not in (None, ""):
                    s_int("delayTime", c.get("delayTime"), 0, 86400)
                s_len("type", c.get("type"), 20)
                s_chars("type", c.get("type"), FORBIDDEN - {"-"})
                mine.append(str(c["calledNo"]))
            if len(set(mine)) != len(mine):  # duplicates under one sessionId (001:25587)
                raise HuaweiErrorReply("0200018", "存在重复的号码")
            numbers += mine
        if self._blacklisted(vdn, numbers):
            raise HuaweiErrorReply("0200024", "添加的号码中存在黑名单号码")
        total = self._insert(vdn, cid, [(r.get("sessionId"), str(r["called"][0]["calledNo"]),
                                         json.dumps(r["called"]), r.get("caller"), r.get("customField"),
                                         r.get("recycleTime"), r.get("callData")) for r in recs])
        return JSONResponse(envelope(returnObject={"totalSize": total}))

    @_handle
    async def delete_numbers(self, req: Request) -> Response:
        vdn = self._vdn(req)
        row = self._campaign(vdn, req.path_params["cid"])
        if row["status"] == 2:
            raise HuaweiErrorReply("0200028", "当前状态不允许删除号码")
        b = await self._json(req)
        # only numbers not yet called: one being dialled or already called is never deleted (001:25747-25748)
        where, args = ["vdn=?", "campaign=?", "state='pending'"], [vdn, row["id"]]
        for key, col in (("sessionId", "session_id"), ("called", "called"), ("customField", "custom_field")):
            if b.get(key) not in (None, ""):
                s_len(key, b[key], 200 if key == "customField" else 32 if key == "sessionId" else 24)
                where.append(f"{col}=?")
                args.append(str(b[key]))
        if b.get("called") not in (None, ""):
            s_dial("called", b["called"])  # 0-9 * # (table 7-232, 001:25779)
        if b.get("archiveHistory") is not None:
            s_int("archiveHistory", b["archiveHistory"], 0, 1)  # 001:25785
        if b.get("recycleType") not in (None, "") and str(b["recycleType"]) not in ("1", "2", "3"):
            raise HuaweiErrorReply("02000007", "参数值大小不正确: recycleType")  # 1, 2, 3 (001:25784)
        if b.get("recycleTime"):
            s_time("recycleTime", b["recycleTime"])
            rt = str(b["recycleTime"])
            kind = str(b.get("recycleType") or "3")
            if kind == "1":
                where.append("substr(recycle_time,1,10)<=?")
                args.append(rt[:10])
            elif kind == "2":
                where.append("substr(recycle_time,1,10)=?")
                args.append(rt[:10])
            else:
                where.append("recycle_time=?")
                args.append(rt)
        if len(where) == 3:
            raise HuaweiErrorReply("02000009", "参数组合不正确: no filter")
        n = self.state.execute("DELETE FROM calldata WHERE " + " AND ".join(where), args)
        return JSONResponse(envelope(successCount=n))

    @_handle
    async def query_number(self, req: Request) -> Response:
        vdn = self._vdn(req)
        self._campaign(vdn, req.path_params["cid"])
        data_id = req.path_params["data_id"]
        if not re.fullmatch(r"[0-9]{1,20}", data_id):  # dataId int (001:26058)
            raise HuaweiErrorReply("02000006", "参数值类型不正确: dataId")
        r = self.state.row("SELECT * FROM calldata WHERE vdn=? AND campaign=? AND id=?",
                           (vdn, req.path_params["cid"], int(data_id)))
        if r is None:
            raise HuaweiErrorReply("0200007", "外呼数据不存在")
        nums = json.loads(r["numbers"]) if r["numbers"] else [{"calledNo": r["called"], "type": None}]
        props = [{"propCode": "customField", "propName": "customField", "propValue": r["custom_field"]}]
        # the answer's object is "data" (table 7-246, 001:26080, and the sample 001:26135)
        return JSONResponse(envelope(data={"dataId": str(r["id"]), "properties": props,
                                                   "calledNos": [{"calledNo": n["calledNo"], "type": n.get("type")}
                                                                 for n in nums]}))

    @_handle
    async def statistics(self, req: Request) -> Response:
        vdn = self._vdn(req)
        cid = req.query_params.get("campaignId")
        batch = req.query_params.get("batchId")
        if batch and not cid:
            raise HuaweiErrorReply("02000009", "参数组合不正确: batchId needs campaignId")
        key = (vdn, cid or "*")
        now = time.monotonic()
        last = self.last_stats.get(key)
        if last is not None and now - last < self.cfg.stats_interval:
            return JSONResponse({"resultCode": "429", "resultDesc": "请勿频繁操作，请稍后再试。"}, status_code=429)
        self.last_stats[key] = now
        if cid:
            camps = [self._campaign(vdn, cid)["id"]]
        else:
            camps = [r["id"] for r in self.state.rows("SELECT id FROM campaigns WHERE vdn=? ORDER BY id", (vdn,))]
        today = datetime.now().strftime("%Y-%m-%d")
        out = []
        for c in camps:
            item = self._counts(vdn, c, None, today)
            item["campaignId"] = str(c)
            batches = ([batch] if batch else [r["custom_field"] for r in self.state.rows(
                "SELECT DISTINCT custom_field FROM calldata WHERE vdn=? AND campaign=? AND custom_field IS NOT NULL "
                "UNION SELECT DISTINCT custom_field FROM calls WHERE vdn=? AND campaign=? AND custom_field IS NOT NULL",
                (vdn, c, vdn, c))])
            item["batchDetail"] = [dict(self._counts(vdn, c, bt, today), batchId=bt) for bt in batches]
            out.append(item)
        return JSONResponse({"countDetail": out})

    def _counts(self, vdn: int, cid: int, batch: str | None, today: str) -> dict[str, int]:
        bw, ba = ("AND custom_field=?", (batch,)) if batch is not None else ("", ())
        pending = self.state.row(f"SELECT COUNT(*) n FROM calldata WHERE vdn=? AND campaign=? AND state='pending' {bw}",
                                 (vdn, cid, *ba))["n"]
        c = self.state.row(
            f"SELECT COUNT(*) n, SUM(status=6) s, SUM(substr(call_time,1,10)=?) dn, "
            f"SUM(substr(call_time,1,10)=? AND status=6) ds FROM calls WHERE vdn=? AND campaign=? {bw}",
            (today, today, vdn, cid, *ba))
        n, s, dn, ds = c["n"] or 0, c["s"] or 0, c["dn"] or 0, c["ds"] or 0
        return {"unCallCount": pending, "calledCount": dn, "finishCount": n, "totalCalledCount": n,
                "totalCallSucc": s, "totalFinishCount": n, "totalCount": n + pending, "dailyCalledCount": dn,
                "dailyCallSucc": ds, "dailyFinishCount": dn, "dailyCount": dn + pending}

    # --- 7.8 file servers, 7.4.8/7.3.5 file imports

    @_handle
    async def add_server(self, req: Request) -> Response:
        vdn = self._vdn(req)
        b = await self._json(req)
        info = b.get("serverInfo")
        if not isinstance(info, dict):
            raise HuaweiErrorReply("02000001", "参数值为空: serverInfo")
        ip, port, path = need(info, "ip"), need(info, "port"), need(info, "filePath")
        user, pwd = need(b, "userName"), need(b, "serverPwd")
        s_len("userName", user, 30)
        s_chars("userName", user, FORBIDDEN - {"-"})
        if not 8 <= len(str(pwd)) <= 80:
            raise HuaweiErrorReply("02000005", "参数长度需要介于8和80之间")
        if self.state.row("SELECT 1 FROM file_servers WHERE vdn=? AND ip=? AND port=? AND path=? AND user=?",
                          (vdn, ip, str(port), path, user)):
            raise HuaweiErrorReply("0200001", "参数异常: 同一个租间下，服务器信息不允许相同")
        sid = f"{int(time.time() * 1000)}{uuid.uuid4().int % 10**17:017d}"
        self.state.execute("INSERT INTO file_servers VALUES (?,?,?,?,?,?,?)",
                     (sid, vdn, ip, str(port), path, user, hashlib.sha256(str(pwd).encode()).hexdigest()))
        return JSONResponse(envelope(serverId=sid))

    @_handle
    async def delete_server(self, req: Request) -> Response:
        vdn = self._vdn(req)
        n = self.state.execute("DELETE FROM file_servers WHERE vdn=? AND id=?", (vdn, req.path_params["sid"]))
        if not n:
            raise HuaweiErrorReply("0200006", "服务器配置信息不存在。")  # 7.8.2 table 7-309 (001:27574)
        return JSONResponse(envelope())

    @_handle
    async def query_servers(self, req: Request) -> Response:
        vdn = self._vdn(req)
        b = await self._json(req)
        off = s_int("offset", need(b, "offset") if "offset" in b else 0, 0, 10**9)
        lim = s_int("limit", need(b, "limit"), 1, 100)
        rows = self.state.rows("SELECT * FROM file_servers WHERE vdn=? ORDER BY id", (vdn,))
        if b.get("serverIds"):
            rows = [r for r in rows if r["id"] in set(b["serverIds"])]
        page = [{"port": r["port"], "ip": r["ip"], "filePath": r["path"], "userName": r["user"], "serverId": r["id"]}
                for r in rows[off:off + lim]]
        return JSONResponse(envelope(server=page, count=len(rows)))

    def _resolve_file(self, vdn: int, b: dict) -> Path | None:
        sid = need(b, "serverId")
        name = need(b, "fileName")
        if (b.get("hour") is None) != (b.get("minute") is None):
            raise HuaweiErrorReply("02000010", "hour和minute必须同时存在")
        if b.get("hour") is not None:
            s_int("hour", b["hour"], 0, 23)
            if str(b["minute"]) not in ("00", "30", "0"):
                raise HuaweiErrorReply("02000007", "参数值大小不正确: minute")
        srv = self.state.row("SELECT * FROM file_servers WHERE vdn=? AND id=?", (vdn, sid))
        if srv is None:
            raise HuaweiErrorReply("0200001", "参数异常: 文件服务器不存在")
        root = self.cfg.sftp_root
        if root is None:
            return None
        rel = PurePosixPath(str(b.get("filePath") or "").lstrip("/")) / str(name)
        if ".." in rel.parts:
            raise HuaweiErrorReply("02000002", "参数包含非法字符: filePath")
        return Path(root) / rel

    def _new_task(self, vdn: int, cid: str, kind: str) -> str:
        tid = f"{int(time.time() * 1000)}{uuid.uuid4().int % 10**17:017d}"
        now = datetime.utcnow().strftime("%Y-%m-%dT%H:%M:%S.000+00:00")
        self.state.execute("INSERT INTO import_tasks VALUES (?,?,?,?,?,?,?,?,?,?,?)",
                     (tid, vdn, cid, kind, "0", 0, 0, 0, "", now, None))
        return tid

    def _finish_task(self, tid: str, status: str, succ: int, rep: int, fail: int, err: str) -> None:
        now = datetime.utcnow().strftime("%Y-%m-%dT%H:%M:%S.000+00:00")
        self.state.execute("UPDATE import_tasks SET status=?, succ=?, rep=?, fail=?, err=?, end_time=? WHERE id=?",
                     (status, succ, rep, fail, err, now, tid))

    @_handle
    async def import_file(self, req: Request) -> Response:
        vdn = self._vdn(req)
        cid = req.path_params["cid"]
        camp = self._campaign(vdn, cid)
        b = await self._json(req)
        path = self._resolve_file(vdn, b)
        tid = self._new_task(vdn, str(cid), "data")
        self._run_data_import(vdn, camp["id"], tid, path)
        return JSONResponse(envelope(desc="数据导入中, 请通过“导入结果”查看详细信息。", importTaskId=tid))

    def _run_data_import(self, vdn: int, cid: int, tid: str, path: Path | None) -> None:
        try:
            rows = read_table(path)
        except (OSError, ValueError) as e:
            self._finish_task(tid, "3", 0, 0, 0, f"file cannot be read: {type(e).__name__}")
            return
        if len(rows) > self.cfg.max_file_rows:
            self._finish_task(tid, "3", 0, 0, len(rows), f"more than {self.cfg.max_file_rows} rows")
            return
        seen = {r["called"] for r in self.state.rows("SELECT called FROM calldata WHERE vdn=? AND campaign=?",
                                                  (vdn, cid))}
        good, rep, fail = [], 0, 0
        for r in rows:
            nums = parse_called_cell(r.get("called", ""))
            sid = none_dash(r.get("sessionId"))
            cf = none_dash(r.get("customField"))
            if not nums or any(not DIAL.match(n) or len(n) > 24 for n in nums) or \
                    (sid and len(sid) > 32) or (cf and len(cf) > 200):
                fail += 1
                continue
            if nums[0] in seen:
                rep += 1
                continue
            seen.add(nums[0])
            good.append((sid, nums[0], json.dumps([{"calledNo": n} for n in nums]), none_dash(r.get("caller")), cf,
                         none_dash(r.get("recycleTime")), none_dash(r.get("callData"))))
        now = time.time()
        self.state.many("INSERT INTO calldata (vdn, campaign, session_id, called, numbers, caller, custom_field, "
                        "recycle_time, call_data, created) VALUES (?,?,?,?,?,?,?,?,?,?)",
                        [(vdn, cid, *g, now) for g in good])
        self._finish_task(tid, "2", len(good), rep, fail, "")

    def _task_page(self, rows: list, b: dict) -> Response:
        off = s_int("offset", b.get("offset", 0), 0, 10**9)
        lim = s_int("limit", need(b, "limit"), 1, 100)
        ids = b.get("importTaskIds")
        if ids:
            rows = [r for r in rows if r["id"] in set(map(str, ids))]
        res = [{"id": r["id"], "beginTime": r["begin_time"], "endTime": r["end_time"], "status": r["status"],
                "succNum": r["succ"], "repeatNum": r["rep"], "failNum": r["fail"], "errMsg": r["err"]}
               for r in rows[off:off + lim]]
        return JSONResponse(envelope(desc="success", result=res, count=len(rows)))

    @_handle
    async def import_results(self, req: Request) -> Response:
        vdn = self._vdn(req)
        cid = str(req.path_params["cid"])
        self._campaign(vdn, cid)
        b = await self._json(req)
        rows = self.state.rows("SELECT * FROM import_tasks WHERE vdn=? AND campaign=? AND kind='data' ORDER BY id",
                            (vdn, cid))
        return self._task_page(rows, b)

    # --- 7.3 blacklist

    @_handle
    async def bl_add(self, req: Request) -> Response:
        vdn = self._vdn(req)
        b = await self._json(req)
        nums = b.get("blocklist")
        if not isinstance(nums, list) or not nums:  # True, at most 20, 24 of 0-9 * # (001:24779)
            raise HuaweiErrorReply("02000001", "参数值为空: blocklist")
        if len(nums) > 20:
            raise HuaweiErrorReply("0200029", "超过单次新增最大数量")  # 001:24812
        for n in nums:
            s_dial("blocklist", n)
        nums = [str(n) for n in nums]
        if len(set(nums)) != len(nums):
            raise HuaweiErrorReply("0200018", "号码重复")  # 001:24811
        s_time("validityExpirationTime", b.get("validityExpirationTime"))  # 001:24780
        vt = b.get("validityTime")
        if vt not in (None, ""):
            vt = s_int("validityTime", vt, 1, 120)  # 001:24781
        rt, rp = b.get("restrictTimes"), b.get("restrictPeriod")
        if (rt in (None, "")) != (rp in (None, "")):  # both or neither, 1-100 (001:24782); period 0/1 (001:24785)
            raise HuaweiErrorReply("02000009", "参数组合不正确: restrictTimes/restrictPeriod")
        if rt not in (None, ""):
            rt = s_int("restrictTimes", rt, 1, 100)
            if str(rp) not in ("0", "1"):
                raise HuaweiErrorReply("02000007", "参数值大小不正确: restrictPeriod")
        marks = ",".join("?" * len(nums))
        if self.state.rows(f"SELECT 1 FROM blacklist WHERE vdn=? AND number IN ({marks})", (vdn, *nums)):
            raise HuaweiErrorReply("0200007", "号码已存在黑名单中")  # 001:24810
        expiry = b.get("validityExpirationTime") or (
            (datetime.now() + timedelta(hours=vt)).strftime("%Y-%m-%d %H:%M:%S") if vt else None)
        self.state.many("INSERT INTO blacklist VALUES (?,?,?,?,?)",
                        [(vdn, n, expiry, rt if rt not in (None, "") else None,
                          str(rp) if rp not in (None, "") else None) for n in nums])
        return JSONResponse(envelope())

    @_handle
    async def bl_delete(self, req: Request) -> Response:
        vdn = self._vdn(req)
        b = await self._json(req)
        n = need(b, "blocklistNo")
        s_dial("blocklistNo", n)
        self.state.execute("DELETE FROM blacklist WHERE vdn=? AND number=?", (vdn, str(n)))
        return JSONResponse(envelope())

    @_handle
    async def bl_clear(self, req: Request) -> Response:
        vdn = self._vdn(req)
        self.state.execute("DELETE FROM blacklist WHERE vdn=?", (vdn,))
        return JSONResponse(envelope())

    @_handle
    async def bl_query(self, req: Request) -> Response:
        vdn = self._vdn(req)
        b = await self._json(req)
        has_list = b.get("blocklist") not in (None, [])
        has_page = b.get("offset") is not None or b.get("limit") is not None
        if has_list == has_page:
            raise HuaweiErrorReply("02000009", "参数组合不正确: limit offset和blocklist存在且仅存在其一")
        now = datetime.now().strftime("%Y-%m-%d %H:%M:%S")
        if has_list:
            nums = b["blocklist"]
            if len(nums) > 20:
                raise HuaweiErrorReply("02000011", "参数个数不能大于规定个数")
            for n in nums:
                s_dial("blocklist", n)
            marks = ",".join("?" * len(nums))
            rows = self.state.rows(f"SELECT * FROM blacklist WHERE vdn=? AND number IN ({marks})",
                                (vdn, *map(str, nums)))
            data = [{"validityExpirationTime": r["expiry"], "blockNum": r["number"],
                     "flag": not r["expiry"] or r["expiry"] > now} for r in rows]
        else:
            off = s_int("offset", b.get("offset", 0), 0, 10**9)
            lim = s_int("limit", need(b, "limit"), 1, 100)
            rows = self.state.rows("SELECT * FROM blacklist WHERE vdn=? ORDER BY number LIMIT ? OFFSET ?",
                                (vdn, lim, off))
            data = [{"validityExpirationTime": r["expiry"], "blockNum": r["number"]} for r in rows]
        return JSONResponse(envelope(data=data))

    @_handle
    async def bl_import(self, req: Request) -> Response:
        vdn = self._vdn(req)
        b = await self._json(req)
        path = self._resolve_file(vdn, b)
        tid = self._new_task(vdn, "", "black")
        try:
            rows = read_table(path, header_map=BLACK_COLUMNS)
        except (OSError, ValueError) as e:
            self._finish_task(tid, "3", 0, 0, 0, f"file cannot be read: {type(e).__name__}")
            return JSONResponse(envelope(importTaskId=tid))
        good: dict[str, tuple] = {}
        rep = fail = 0
        for r in rows:
            n = (r.get("number") or "").strip()
            if not n or not DIAL.match(n) or len(n) > 24:
                fail += 1
                continue
            if n in good:
                rep += 1
            good[n] = (vdn, n, none_dash(r.get("expiry")), None, None)
        self.state.many("INSERT OR REPLACE INTO blacklist VALUES (?,?,?,?,?)", good.values())
        self._finish_task(tid, "2", len(good), rep, fail, "")
        return JSONResponse(envelope(importTaskId=tid))

    @_handle
    async def bl_import_results(self, req: Request) -> Response:
        vdn = self._vdn(req)
        b = await self._json(req)
        rows = self.state.rows("SELECT * FROM import_tasks WHERE vdn=? AND kind='black' ORDER BY id", (vdn,))
        return self._task_page(rows, b)

    # --- 7.5.1 results

    @_handle
    async def call_results(self, req: Request) -> Response:
        vdn = self._vdn(req)
        row = self._campaign(vdn, req.path_params["cid"])
        b = await self._json(req)
        detail = s_int("showDetail", b.get("showDetail", 0), 0, 1)
        size = s_int("pageSize", b.get("pageSize", 100), 1, 100 if detail else 500)
        num = s_int("pageNum", b.get("pageNum", 1), 1, 10**9)
        where, args = ["vdn=?", "campaign=?"], [vdn, row["id"]]
        if b.get("sessionId"):
            where.append("session_id=?")
            args.append(b["sessionId"])
        if b.get("customField"):
            where.append("custom_field=?")
            args.append(b["customField"])
        if bool(b.get("beginTime")) != bool(b.get("endTime")):
            raise HuaweiErrorReply("02000009", "参数组合不正确: beginTime/endTime")
        if b.get("beginTime"):
            s_time("beginTime", b["beginTime"], "%Y-%m-%d")
            s_time("endTime", b["endTime"], "%Y-%m-%d")
            where.append("substr(call_time,1,10) BETWEEN ? AND ?")
            args += [b["beginTime"], b["endTime"]]
        total = self.state.row("SELECT COUNT(*) n FROM calls WHERE " + " AND ".join(where), args)["n"]
        rows = self.state.rows("SELECT * FROM calls WHERE " + " AND ".join(where) + " ORDER BY call_time, call_id "
                            "LIMIT ? OFFSET ?", (*args, size, (num - 1) * size))
        data = []
        for r in rows:
            rec = self.state.row("SELECT original_file_name FROM recordings WHERE call_id=? ORDER BY begin_time",
                                 (r["call_id"],))
            data.append({"campaignId": str(r["campaign"]), "sessionId": r["session_id"], "called": r["called"],
                         "callTimeStr": r["call_time"], "callStatus": r["status"], "failCode": r["fail_code"],
                         "resultCode": "OB99999" if r["status"] == 6 else "OB" + r["fail_code"], "vdnId": vdn,
                         "callId": r["call_id"], "recordPath": rec["original_file_name"] if rec else ""})
        return JSONResponse(envelope(desc="Query Success!", totalCount=total, data=data))

    # --- CC-FS

    async def _ccfs_body(self, req: Request) -> dict[str, Any]:
        b = await self._json(req)
        if not isinstance(b.get("request"), dict) or str(b["request"].get("version")) != "2.0":
            raise HuaweiErrorReply("0300006", "The value of version is error, current version is 2.0.")
        msg = b.get("msgBody")
        if not isinstance(msg, dict):
            raise HuaweiErrorReply("0300007", "The params of requestBody is null.")
        return msg

    @staticmethod
    def _ccfs_ok(**data: Any) -> JSONResponse:
        return JSONResponse({"resultData": data or "", "resultCode": "0", "resultDesc": "success"})

    @staticmethod
    def _octet(content: bytes) -> Response:
        return Response(content, media_type="Application/Octet-stream;charset=UTF-8")

    def _store(self, name: str, data: bytes) -> None:
        if self.files:
            self.files.mkdir(parents=True, exist_ok=True)
            (self.files / name).write_bytes(data)
        else:
            self._mem_files[name] = data

    def _load(self, name: str) -> bytes | None:
        if self.files:
            p = self.files / name
            return p.read_bytes() if p.is_file() else None
        return self._mem_files.get(name)

    @_handle
    async def query_bill_data(self, req: Request) -> Response:
        m = await self._ccfs_body(req)
        for k in ("beginTime", "endTime", "dataType", "callBackURL"):
            if m.get(k) in (None, ""):
                raise HuaweiErrorReply("0300001", f"The value of {k} cannot be null.")
        try:
            begin = datetime.strptime(m["beginTime"], "%Y-%m-%d %H:%M:%S")
            end = datetime.strptime(m["endTime"], "%Y-%m-%d %H:%M:%S")
        except ValueError:
            raise HuaweiErrorReply("0300004", "The format of beginTime/endTime is incorrect.") from None
        if begin > end:
            raise HuaweiErrorReply("0300013", "The beginTime cannot be later than the endTime.")
        if end - begin > timedelta(days=3):
            raise HuaweiErrorReply("0300014", "The maximum duration between the beginTime and endTime is 3 days.")
        if m["dataType"] not in ("call", "record", "call_record"):
            raise HuaweiErrorReply("0300004", "The format of dataType is incorrect.")
        # lengths of table 13-55 (001:65241-65246)
        for k, n in (("accountId", 20), ("agentId", 20), ("callId", 25), ("callerNo", 25), ("calleeNo", 25),
                     ("calleeNo2", 25)):
            if m.get(k) and len(str(m[k])) > n:
                raise HuaweiErrorReply("0300003", f"The length of {k} is too long.")
        rid = uuid.uuid4().hex
        name = f"{datetime.now():%Y%m%d}_{rid}.zip"
        self._store(name, self._bill_zip(m, begin, end))
        self.state.execute("INSERT INTO bills VALUES (?,?,?,?,?,?,?,?)",
                     (rid, name, m["beginTime"], m["endTime"], m["dataType"], m["callBackURL"], m.get("accountId"),
                      time.time()))
        ak = req.headers.get("authorization", "").split("/")[1] if "/" in req.headers.get("authorization", "") else ""
        task = asyncio.get_running_loop().create_task(
            self._callback(m["callBackURL"], rid, name, m.get("accountId"), ak))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        return self._ccfs_ok(responseId=rid)

    async def _callback(self, url: str, rid: str, name: str, account: str | None, ak: str) -> None:
        import httpx
        from callcore.sign.httpx_auth import AuthV2

        await asyncio.sleep(self.cfg.callback_delay)
        msg: dict[str, Any] = {"responseId": rid, "billFileName": name}
        if account:
            msg["accountId"] = account
        body = json.dumps({"request": {"version": "2.0"}, "msgBody": msg}).encode()
        entry: dict[str, Any] = {"url": url, "billFileName": name, "status": None, "error": None}
        try:
            sk = self.cfg.keys.get(ak) or next(iter(self.cfg.keys.values()))
            async with httpx.AsyncClient(verify=self.cfg.callback_verify_tls, timeout=10) as c:
                r = await c.post(url, content=body, auth=AuthV2(ak or next(iter(self.cfg.keys)), sk),
                                 headers={"Content-Type": "application/json;charset=UTF-8"})
                entry["status"] = r.status_code
        except Exception as e:  # noqa: BLE001  (a failed delivery is logged, as a platform would)
            entry["error"] = f"{type(e).__name__}: {e}"
        self.callbacks.append(entry)

    def _bill_zip(self, m: dict, begin: datetime, end: datetime) -> bytes:
        b, e = begin.strftime("%Y-%m-%d %H:%M:%S"), end.strftime("%Y-%m-%d %H:%M:%S")
        where, args = ["c.begin_time BETWEEN ? AND ?"], [b, e]
        for k, col in (("agentId", "c.agent"), ("callId", "c.call_id"), ("callerNo", "c.caller"),
                       ("calleeNo", "c.called")):
            if m.get(k):
                where.append(f"{col}=?")
                args.append(m[k])
        calls = self.state.rows("SELECT c.* FROM calls c WHERE " + " AND ".join(where) + " ORDER BY c.begin_time", args)
        stamp = datetime.now().strftime("%Y%m%d%H%M%S%f")[:17] + f"{uuid.uuid4().int % 1000:03d}"
        buf = io.BytesIO()
        with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
            if m["dataType"] in ("call", "call_record"):
                z.writestr(f"{stamp}_call_1.csv", self._call_csv(calls))
            if m["dataType"] in ("record", "call_record"):
                z.writestr(f"{stamp}_record_1.csv", self._record_csv(calls))
        return buf.getvalue()

    @staticmethod
    def _csv(header: list[str], rows: list[list[Any]]) -> bytes:
        out = io.StringIO()
        w = csv.writer(out, lineterminator="\r\n")
        w.writerow(header)
        w.writerows(rows)
        return out.getvalue().encode("utf-8")

    def _call_csv(self, calls: list) -> bytes:
        from callcore.platforms.huawei import CALL_COLUMNS

        rows = []
        for c in calls:
            ok = c["status"] == 6
            rows.append(["sandbox-dev", "sandbox-account", "1", c["agent"] if ok else "", c["call_id"], c["caller"],
                         c["called"], c["begin_time"], c["begin_time"], c["begin_time"] if ok else "",
                         c["end_time"] if ok else "", c["begin_time"], c["end_time"], 2 if ok else 1,
                         c["agent"] if ok else "", 7, 0 if ok else 1, -1, c["vdn"], 1, "", "", "", "DEVICE_AGENT",
                         "DEVICE_QUEUE", "", 0, 5, ""])
        return self._csv(CALL_COLUMNS, rows)

    def _record_csv(self, calls: list) -> bytes:
        from callcore.platforms.huawei import RECORD_COLUMNS

        rows = []
        for c in calls:
            for r in self.state.rows("SELECT * FROM recordings WHERE call_id=? ORDER BY begin_time", (c["call_id"],)):
                rows.append(["sandbox-dev", "sandbox-account", "1", r["agent"], c["call_id"], c["caller"],
                             c["called"], r["begin_time"], r["end_time"], r["file_name"], "0", "",
                             r["original_file_name"].replace("/", "\\"), str(c["vdn"]), "7", "5", "", ""])
        return self._csv(RECORD_COLUMNS, rows)

    @_handle
    async def download_bill_file(self, req: Request) -> Response:
        m = await self._ccfs_body(req)
        name = m.get("billFileName")
        if not name:
            raise HuaweiErrorReply("0300001", "The value of billFileName cannot be null.")
        if len(name) > 49:
            raise HuaweiErrorReply("0300003", "The length of billFileName is too long.")
        if not re.fullmatch(r"[A-Za-z0-9.\-_]+", name):
            raise HuaweiErrorReply("0300022", "The parameter billFileName value contains illegal characters.")
        data = self._load(name)
        if data is None:
            raise HuaweiErrorReply("0300011", "The file does not exist.")
        return self._octet(data)

    def _recording_bytes(self, rec: Any) -> bytes:
        return audio.v3_bytes(rec["original_file_name"], float(rec["seconds"]), self.cfg.recording_format)

    @_handle
    async def download_record_file(self, req: Request) -> Response:
        m = await self._ccfs_body(req)
        name = m.get("fileName")
        if not name:
            raise HuaweiErrorReply("0300001", "The value of fileName cannot be null.")
        if len(name) > 225:
            raise HuaweiErrorReply("0300003", "The length of fileName is too long.")
        if not re.fullmatch(r"[A-Za-z0-9/.]+", name):
            raise HuaweiErrorReply("0300022", "The parameter fileName value contains illegal characters.")
        rec = self.state.row("SELECT * FROM recordings WHERE file_name=?", (name,))
        if rec is None:
            raise HuaweiErrorReply("0300011", "The file does not exist.")
        v3 = self._recording_bytes(rec)
        if self.cfg.recording_format == "alaw":
            return self._octet(audio.alaw_wav(v3))
        return self._octet(audio.pcm_wav(*audio.v3_pcm(v3, self.cfg.recording_format)))

    @_handle
    async def download_record(self, req: Request) -> Response:
        m = await self._ccfs_body(req)
        name, call_id = m.get("fileName"), m.get("callId")
        if not name and not call_id:
            raise HuaweiErrorReply("0300019", "Specify at least one of fileName and callId.")
        if name:
            if len(name) > 225:
                raise HuaweiErrorReply("0300003", "The length of fileName is too long.")
            if not re.fullmatch(r"[A-Za-z0-9:/.]+", name):
                raise HuaweiErrorReply("0300022", "The parameter fileName value contains illegal characters.")
        if call_id and len(call_id) > 25:
            raise HuaweiErrorReply("0300003", "The length of callId is too long.")
        if name:
            recs = self.state.rows("SELECT * FROM recordings WHERE original_file_name=?", (name,))
        else:
            recs = self.state.rows("SELECT * FROM recordings WHERE call_id=? ORDER BY begin_time", (call_id,))
        if not recs:
            raise HuaweiErrorReply("0300012", "No data found.")
        if len(recs) == 1:
            return self._octet(self._recording_bytes(recs[0]))
        buf = io.BytesIO()
        with zipfile.ZipFile(buf, "w", zipfile.ZIP_STORED) as z:
            for r in recs:
                z.writestr(PurePosixPath(r["original_file_name"]).name, self._recording_bytes(r))
        return self._octet(buf.getvalue())

    # --- control

    async def ctl_dial(self, req: Request) -> Response:
        n = int(req.query_params.get("n", "10"))
        return JSONResponse({"dialled": self.dial(req.path_params["vdn"], req.path_params["cid"], n)})

    def _push_results(self, vdn: int, cid: int, calls: list[tuple], recs: list[tuple]) -> None:
        """7.6.1: POST the results as a bare JSON array, no auth header, on the platform's schedule
        (at once, again at once on a non-200 answer, then every 10 minutes, 6 deliveries at most,
        001:27160-27171): see :mod:`callcore.sandbox.pushes`."""
        from . import pushes

        camp = self.state.row("SELECT spec FROM campaigns WHERE id=?", (cid,))
        spec = json.loads(camp["spec"]) if camp else {}
        url = spec.get("callbackUrl") or spec.get("callBackUrl")
        if not url:
            return
        first_rec = {}
        for r in recs:
            first_rec.setdefault(r[2], r[0])
        items = [{"campaignId": str(cid), "sessionId": c[4], "called": c[5], "callTimeStr": c[8], "callStatus": c[9],
                  "failCode": c[10], "vdnId": vdn, "callId": c[0], "customField": c[7],
                  "recordPath": first_rec.get(c[0], "")} for c in calls]
        pusher = pushes.for_sandbox(self, verify_tls=self.cfg.callback_verify_tls)
        first = len(pusher.log)
        pusher.huawei_results(url, items, key=f"campaign {cid}")
        last = pusher.log[-1] if len(pusher.log) > first else {}
        self.callbacks.append({"url": url, "results": len(items), "status": last.get("status"),
                               "error": last.get("error")})

    def dial(self, vdn: int, campaign_id: int, n: int = 10, *, when: datetime | None = None,
             push: bool | None = None) -> int:
        """Simulates dialling up to *n* pending numbers of a campaign at *when* (default now): call
        results (4 in 5 answered), CDRs and recordings (every 4th answered call has two recordings).

        Only a running campaign inside its time windows is dialled (:func:`dialling_allowed`); any
        other dials nothing and returns 0, as the platform would."""
        base = when or datetime.now()
        camp = self.state.row("SELECT status, spec FROM campaigns WHERE vdn=? AND id=?", (vdn, campaign_id))
        if camp is None or not dialling_allowed(camp["status"], json.loads(camp["spec"] or "{}"), base):
            return 0
        rows = self.state.rows("SELECT * FROM calldata WHERE vdn=? AND campaign=? AND state='pending' ORDER BY id "
                            "LIMIT ?", (vdn, campaign_id, n))
        out_calls, out_recs = [], []
        for i, r in enumerate(rows):
            h = int(hashlib.sha256(f"{vdn}/{campaign_id}/{r['id']}".encode()).hexdigest(), 16)
            start = base - timedelta(seconds=(len(rows) - i) * 60)
            call_id = f"{int(start.timestamp())}-{r['id']}"
            ok = h % 5 != 0
            agent = str(100 + h % 50)
            seconds = 2 + (h >> 8) % 9
            endt = start + timedelta(seconds=seconds if ok else 0)
            fmt = "%Y-%m-%d %H:%M:%S"
            out_calls.append((call_id, vdn, campaign_id, r["id"], r["session_id"], r["called"], r["caller"] or "10085",
                              r["custom_field"], start.strftime(fmt), 6 if ok else 5, "0" if ok else "00537",
                              agent, start.strftime(fmt), endt.strftime(fmt)))
            if ok:
                parts = 2 if h % 4 == 1 else 1
                for k in range(parts):
                    rs = start + timedelta(seconds=k * seconds / parts)
                    main = rs.strftime("%H%M%S") + str((r["id"] + k) % 10)
                    day = rs.strftime("%Y%m%d")
                    orig = f"Y:/{vdn}/0/{day}/{agent}/{main}{r['id'] % 1000:03d}.V3"
                    fname = f"/10/1/record/{vdn}/{day}/{agent}/{main}{r['id'] % 1000:03d}.wav"
                    out_recs.append((orig, fname, call_id, vdn, agent, rs.strftime(fmt),
                                     (rs + timedelta(seconds=seconds / parts)).strftime(fmt), seconds / parts))
        self.state.many("INSERT OR REPLACE INTO calls VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?)", out_calls)
        if out_calls and (self.cfg.push_results if push is None else push):
            self._push_results(vdn, campaign_id, out_calls, out_recs)
        self.state.many("INSERT OR REPLACE INTO recordings VALUES (?,?,?,?,?,?,?,?)", out_recs)
        self.state.many("UPDATE calldata SET state='done' WHERE id=?", [(r["id"],) for r in rows])
        return len(rows)


def dialling_allowed(status: int, spec: dict[str, Any], when: datetime) -> bool:
    """Whether the platform dials a campaign of *status* and creation body *spec* at *when*.

    * Only status 2 (已开始, running) is dialled: 3 is 暂停 (paused), 4 已完成 (001:22758); a
      campaign is created running or paused by initStatus (001:21422).
    * Between strBeginTime and strEndTime (001:21414-21415).
    * Inside one of the workday windows 1-3 of scheduleParam, HH:mm (001:21431-21446). Every day
      is a workday unless holidays are named through 6.2 (001:21451), which this sandbox does not
      hold, so the holiday windows never apply. The seed says nothing on whether the end minute is
      inside; its own whole-day sample is "00:00"-"23:59" (001:21935-21936), so the end minute is
      dialled (a window ends at HH:mm:59).

    A campaign put into the state table directly by a test, with no strBeginTime/scheduleParam in
    its spec (the platform would refuse to create it, 001:21414, 001:21416), is checked on its
    status only."""
    if int(status) != 2:
        return False
    fmt = "%Y-%m-%d %H:%M:%S"
    try:
        if spec.get("strBeginTime") and when < datetime.strptime(str(spec["strBeginTime"]), fmt):
            return False
        if spec.get("strEndTime") and when > datetime.strptime(str(spec["strEndTime"]), fmt):
            return False
    except ValueError:
        return False
    sched = spec.get("scheduleParam")
    if not isinstance(sched, dict):
        return True
    hm = when.strftime("%H:%M")
    for k in (1, 2, 3):
        b, e = sched.get(f"workdayBeginTime{k}"), sched.get(f"workdayEndTime{k}")
        if b and e and str(b) <= hm <= str(e):
            return True
    return False


# ----------------------------------------------------------------------------------------------
# file-import tables (.csv or .xlsx with the 7.4.8 template header)

DATA_COLUMNS = ["sessionId", "called", "caller", "callData", "customField", "recycleTime"]  # 001:26350
BLACK_COLUMNS = ["number", "expiry", "validity", "restrictTimes", "restrictPeriod"]  # 001:25169


def none_dash(v: Any) -> str | None:
    if v is None:
        return None
    s = str(v).strip()
    return None if s in ("", "-") else s


def parse_called_cell(cell: Any) -> list[str]:
    """``[{"calledNo":"1"}]``, the template's literal ``[[{'calledNo':1234566}]]`` (001:26351), or a
    bare number."""
    s = str(cell or "").strip()
    if not s:
        return []
    if s.startswith("["):
        try:
            v = json.loads(s.replace("'", '"'))
        except ValueError:
            return []
        while isinstance(v, list) and len(v) == 1 and isinstance(v[0], list):
            v = v[0]
        if not isinstance(v, list):
            return []
        return [str(x.get("calledNo", "")) if isinstance(x, dict) else str(x) for x in v]
    return [s]


def read_table(path: Path | None, header_map: list[str] = DATA_COLUMNS) -> list[dict[str, str]]:
    """Rows of a .csv or .xlsx (first sheet), first row the header; columns by position."""
    if path is None:
        raise FileNotFoundError("no sftp_root configured")
    if path.suffix.lower() == ".xlsx":
        rows = _read_xlsx(path)
    else:
        text = path.read_bytes().decode("utf-8-sig")
        rows = list(csv.reader(io.StringIO(text)))
    return [dict(zip(header_map, r)) for r in rows[1:] if any(str(c).strip() for c in r)]


_NS = {"m": "http://schemas.openxmlformats.org/spreadsheetml/2006/main"}


def _read_xlsx(path: Path) -> list[list[str]]:
    """A minimal reader for the first worksheet of an .xlsx (shared and inline strings, numbers)."""
    with zipfile.ZipFile(path) as z:
        shared: list[str] = []
        if "xl/sharedStrings.xml" in z.namelist():
            root = ElementTree.fromstring(z.read("xl/sharedStrings.xml"))
            for si in root.findall("m:si", _NS):
                shared.append("".join(t.text or "" for t in si.iter(f"{{{_NS['m']}}}t")))
        sheets = sorted(n for n in z.namelist() if n.startswith("xl/worksheets/sheet") and n.endswith(".xml"))
        if not sheets:
            raise ValueError("xlsx without worksheets")
        root = ElementTree.fromstring(z.read(sheets[0]))
    rows = []
    for row in root.iter(f"{{{_NS['m']}}}row"):
        cells: dict[int, str] = {}
        for c in row.findall("m:c", _NS):
            ref = c.get("r", "")
            col = 0
            for ch in ref:
                if ch.isalpha():
                    col = col * 26 + (ord(ch.upper()) - 64)
            t = c.get("t")
            v = c.find("m:v", _NS)
            if t == "s" and v is not None:
                val = shared[int(v.text or 0)]
            elif t == "inlineStr":
                val = "".join(x.text or "" for x in c.iter(f"{{{_NS['m']}}}t"))
            else:
                val = v.text if v is not None and v.text else ""
                if val.endswith(".0"):
                    val = val[:-2]
            cells[max(col - 1, len(cells)) if not ref else col - 1] = val
        if cells:
            rows.append([cells.get(i, "") for i in range(max(cells) + 1)])
    return rows


# ----------------------------------------------------------------------------------------------
# running it


class HuaweiSandbox(SandboxServer):
    """In-process Huawei sandbox on a loopback port::

        with HuaweiSandbox(state_dir=tmp) as sb:
            client = HuaweiClient(sb.url, sb.access_key, sb.secret_key, vdn_id=1)
    """

    app: HuaweiApp
    app_class = HuaweiApp
    config_class = HuaweiConfig

    @property
    def access_key(self) -> str:
        return next(iter(self.app.cfg.keys))

    @property
    def secret_key(self) -> str:
        return self.app.cfg.keys[self.access_key]

    def dial(self, vdn: int, campaign_id: int, n: int = 10, **kw: Any) -> int:
        return self.app.dial(vdn, campaign_id, n, **kw)
