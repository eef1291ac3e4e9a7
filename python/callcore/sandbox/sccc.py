"""SCCC sandbox (seed 003): ``POST /openapi/V2.0.x/<Api>`` with the MD5 ``authentication`` block
verified by :func:`callcore.sign.verify_sccc_authentication`, single (``request``) and multiple
(``requests``, same type) commands, the documented limits (1000 callees / 100 callers per command,
userData <= 30, agent 1-8 digits, mode 2|5), duplicates and invalid numbers counted in
``report``, recordings served at ``/<filename>`` (A-law WAV; ``record_format`` for others), CDRs.
State in SQLite.

Strict twin of the seed (each rule cites its line): the JSON Accept and Content-Type headers, the
authentication fields' formats (lowercase hex digest, integer seq unique within a window, a
timestamp within ``max_skew``), the ``param`` domain, ``request`` xor ``requests``, each API only in
the versions it names, every command's seq/agent/taskID as a Number, callers that must be the
customer's, tasks scoped to their customer (and AddNumbers to the task's agent), the task status of
003:3432 with Start|stop (a no-op action is 非法操作), only running tasks dialled, getRecordsList's
Int startKey and 500 rows, getCdrList's required fields.
"""
from __future__ import annotations

import hashlib
import json
import re
import time
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from callcore import _extras

_extras.require("sandbox", "callcore.sandbox")  # before starlette: name the extra to install

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from . import audio, pushes
from ._server import FaultMiddleware, Faults, SandboxServer, State

SCHEMA = """
CREATE TABLE IF NOT EXISTS tasks (id INTEGER PRIMARY KEY AUTOINCREMENT, agent TEXT, name TEXT, mode INTEGER,
    status INTEGER, user_data TEXT, created REAL, customer TEXT);
CREATE TABLE IF NOT EXISTS numbers (task INTEGER, number TEXT, state TEXT DEFAULT 'pending', PRIMARY KEY (task, number));
CREATE TABLE IF NOT EXISTS records (key INTEGER PRIMARY KEY AUTOINCREMENT, caller TEXT, callee TEXT, filename TEXT,
    type INTEGER, agent TEXT, start_time INTEGER, duration INTEGER, result INTEGER);
CREATE TABLE IF NOT EXISTS seen_seq (customer TEXT, seq TEXT, at REAL, PRIMARY KEY (customer, seq));
"""

E_SUCC, E_S_AUTH_FAIL, E_C_INVALID_PARAM, E_C_INVALID_MSG = 0, 1, 5, 8
E_C_UNSUPPORT_API_VERSION, E_C_UNSUPPORT_API_REQUEST = 10, 11
E_G_INVALID_PARAM, E_G_RES_NOT_EXIST, E_G_API_TO_FREQUENTLY = 0xF1000001, 0xF1000008, 0xF1000021
NUMBER = re.compile(r"^\+?[0-9]{3,20}$")
VERSION = re.compile(r"^V2\.0\.(1|2|3|4|6)$")


class ScccErrorReply(Exception):
    """An error the sandbox answers with: SCCC's result code and message in its reply envelope."""

    def __init__(self, code: int, msg: str) -> None:
        super().__init__(msg)
        self.code, self.msg = code, msg


E_G_INVALID_OPT, E_G_NUMBER_INVALID = 0xF100000E, 0xF1000017
# task status "0 进行中，1 暂停，2 结束" (the task-state push, 003:3432); the actions are Start|stop
# (003:2178), stop pausing a task Start can resume; a created task "已经准备开始发起呼叫了"
# (003:1935), so it starts running. The seed never says when a task reaches 2 结束.
RUNNING, STOPPED = 0, 1
# the versions each API exists in: "(x=1,2,3,4,6)" for the task APIs (003:1803...), "(x=4,6)" for
# getRecordsList (003:2676); getCdrList names none (003:3121)
API_VERSIONS = {"CallTaskCreate": "12346", "CallTaskQuery": "12346", "CallTaskControl": "12346",
                "CallTaskAddNumbers": "12346", "getRecordsList": "46", "getCdrList": "12346"}
SERVICE_TYPES = ("1", "2", "3", "4", "5", "7", "9", "17", "18", "19")  # 003:3189-3206
CDR_FIELDS = ("seq", "agent", "serviceType", "startTime", "endTime", "caller", "callee", "timeLengthMin",
              "timeLengthMax")  # every Y of 003:3183-3222


@dataclass
class ScccConfig:
    # the seed's worked example: customer C2 and its password (003:403-405)
    customers: dict[str, str] = field(default_factory=lambda: {"C2": "E416D0F85DC0CB67C85E070A32D9F0123AFF4762"})
    # the customer's own caller numbers: "系统会判断这些主叫号码是否是该客户的" (003:1895); the
    # number is the CDR sample's caller (003:3267)
    callers: tuple[str, ...] = ("15612343021",)
    # The seed has no freshness window (only seq "保证一段时间内序列号不重复即可", 003:380-382): strict,
    # a timestamp outside this window is refused, or an old request could be replayed forever
    max_skew: float = 900.0
    seq_window: float = 600.0
    record_format: str = "alaw"  # what recording downloads serve: sandbox.audio.SERVED_FORMATS


def _number(v: Any, name: str, *, length: tuple[int, int] | None = None) -> str:
    """A "Number" field (003:1860...): digits, as a JSON number or a string of digits."""
    s = str(v) if isinstance(v, (int, str)) and not isinstance(v, bool) else ""
    if not s.isdigit() or (length and not length[0] <= len(s) <= length[1]):
        raise ScccErrorReply(E_G_INVALID_PARAM, f"参数错误: {name}" + (f" Number length[{length[0]}-{length[1]}]" if length
                                                              else " Number"))
    return s


class ScccApp:
    def __init__(self, state_dir: str | Path | None = None, config: ScccConfig | None = None,
                 faults: Faults | str | None = None) -> None:
        self.cfg = config or ScccConfig()
        self.state = State(state_dir, "sccc", SCHEMA)
        faults = faults if isinstance(faults, Faults) else Faults.parse(faults)
        self.starlette = Starlette(routes=[
            Route("/openapi/{version}/{api}", self.handle, methods=["POST"]),
            Route("/_sandbox/dial/{task:int}", self.ctl_dial, methods=["POST"]),
            Route("/{path:path}", self.recording, methods=["GET"]),
        ])
        self.faults = FaultMiddleware(self.starlette, faults, lambda scope: (200, self._reply(
            E_G_API_TO_FREQUENTLY, "API 请求太频繁", None)))
        self.app = self.faults

    @staticmethod
    def _reply(error: int, msg: str, data: Any, seq: str = "") -> dict[str, Any]:
        return {"data": data if data is not None else {"seq": seq}, "logs": "", "result": {"error": error, "msg": msg}}

    def _auth(self, body: dict, offset: float) -> str:
        from callcore.sign import AuthError, verify_sccc_authentication

        a = body.get("authentication")
        if not isinstance(a, dict):
            raise ScccErrorReply(E_S_AUTH_FAIL, "认证失败")
        customer = a.get("customer")
        # customer [A-Za-z0-9-_], timestamp 毫秒级别时间戳, seq 整数 (003:372-382)
        if not isinstance(customer, str) or not re.fullmatch(r"[A-Za-z0-9_-]+", customer):
            raise ScccErrorReply(E_S_AUTH_FAIL, "认证失败")
        ts_s, seq = str(a.get("timestamp", "")), str(a.get("seq", ""))
        if not re.fullmatch(r"[0-9]{1,15}", ts_s) or not re.fullmatch(r"[0-9]{1,19}", seq):
            raise ScccErrorReply(E_S_AUTH_FAIL, "认证失败")
        # The seed never gives the digest's hex case; its push examples are PHP arrays (003:2614),
        # whose md5() is lowercase. Strict: lowercase only, as a PHP "==" would compare.
        if not re.fullmatch(r"[0-9a-f]{32}", str(a.get("digest", ""))):
            raise ScccErrorReply(E_S_AUTH_FAIL, "认证失败")
        pw = self.cfg.customers.get(customer)
        try:
            if pw is None:
                raise AuthError("unknown customer")
            verify_sccc_authentication(a, pw)
        except AuthError:
            raise ScccErrorReply(E_S_AUTH_FAIL, "认证失败") from None  # one answer for every cause
        if abs(int(ts_s) / 1000 - (time.time() + offset)) > self.cfg.max_skew:
            raise ScccErrorReply(E_S_AUTH_FAIL, "认证失败: timestamp outside the allowed window")
        now = time.time()
        self.state.execute("DELETE FROM seen_seq WHERE at < ?", (now - self.cfg.seq_window,))
        if self.state.row("SELECT 1 FROM seen_seq WHERE customer=? AND seq=?", (customer, seq)):
            raise ScccErrorReply(E_S_AUTH_FAIL, "认证失败: seq repeated")
        self.state.execute("INSERT INTO seen_seq VALUES (?,?,?)", (customer, seq, now))
        return customer

    async def handle(self, req: Request) -> Response:
        try:
            raw = await req.body()
            # "http请求头中必须携带如下信息 Accept: application/json, Content-Type: application/json" (003:460-464)
            for h in ("accept", "content-type"):
                if "application/json" not in req.headers.get(h, "").lower():
                    raise ScccErrorReply(E_C_INVALID_MSG, f"请求数据格式错误: {h} application/json")
            if raw.startswith(b"\xef\xbb\xbf"):
                raise ScccErrorReply(E_C_INVALID_MSG, "请求数据格式错误: UTF-8 BOM")  # UTF-8 无 Bom (003:437)
            try:
                body = json.loads(raw.decode("utf-8"))
            except ValueError:
                raise ScccErrorReply(E_C_INVALID_MSG, "请求数据格式错误") from None  # 合法的 json (003:439)
            if not isinstance(body, dict):
                raise ScccErrorReply(E_C_INVALID_MSG, "请求数据格式错误")
            m = VERSION.match(req.path_params["version"])
            if not m:
                raise ScccErrorReply(E_C_UNSUPPORT_API_VERSION, "不支持的 API 版本")
            customer = self._auth(body, req.scope.get("state", {}).get("clock_offset", 0.0))
            api = req.path_params["api"]
            fn = getattr(self, "api_" + api, None)
            if fn is None or m.group(1) not in API_VERSIONS.get(api, ""):
                raise ScccErrorReply(E_C_UNSUPPORT_API_REQUEST, "不支持的 API 请求")
            self._param(body.get("param"))
            seq = str(body["authentication"].get("seq"))
            if ("request" in body) == ("requests" in body):
                raise ScccErrorReply(E_C_INVALID_MSG, "请求数据格式错误: one of request / requests")  # 003:452-458
            if "requests" in body:
                if not isinstance(body["requests"], list) or not body["requests"]:
                    raise ScccErrorReply(E_C_INVALID_MSG, "请求数据格式错误: requests")
                data: dict[str, Any] = {"seq": seq, "responses": [self._run(fn, c, customer) for c in body["requests"]]}
            else:
                data = {"seq": seq, "response": self._run(fn, body["request"], customer)}
                if api == "getRecordsList":  # the records sit beside the response (003:2725-2781)
                    data["record"] = data["response"].pop("record", [])
            return JSONResponse(self._reply(E_SUCC, "成功", data))
        except ScccErrorReply as e:
            return JSONResponse(self._reply(e.code, e.msg, None))

    @staticmethod
    def _param(param: Any) -> None:
        """"param": {"debug": bool, "lang": "zh_CN|en_US"} (003:441-447); the samples send debug as
        the string "true" (e.g. 003:1825), so both spellings of a bool pass."""
        if param is None:
            return
        if not isinstance(param, dict) or set(param) - {"debug", "lang"}:
            raise ScccErrorReply(E_C_INVALID_PARAM, "参数错误: param")
        if "debug" in param and param["debug"] not in (True, False, "true", "false"):
            raise ScccErrorReply(E_C_INVALID_PARAM, "参数错误: param.debug")
        if "lang" in param and param["lang"] not in ("zh_CN", "en_US"):
            raise ScccErrorReply(E_C_INVALID_PARAM, "参数错误: param.lang")

    def _run(self, fn: Any, cmd: Any, customer: str) -> dict[str, Any]:
        if not isinstance(cmd, dict):
            return {"seq": "", "userData": "", "result": {"error": E_C_INVALID_MSG, "msg": "请求数据格式错误"}}
        base = {"seq": str(cmd.get("seq", "")), "userData": cmd.get("userData", "")}
        try:
            ud = cmd.get("userData")
            if ud is not None and (not isinstance(ud, str) or len(ud) > 30):
                raise ScccErrorReply(E_G_INVALID_PARAM, "参数错误: userData String(30)")  # 003:1862
            out = fn(cmd, customer)
            return {**base, "result": {"error": 0, "msg": ""}, **out}
        except ScccErrorReply as e:
            return {**base, "result": {"error": e.code, "msg": e.msg}}

    @staticmethod
    def _agent(cmd: dict) -> str:
        return _number(cmd.get("agent"), "agent", length=(1, 8))  # Number|length[1-8] (003:1864)

    @staticmethod
    def _seq(cmd: dict) -> None:
        _number(cmd.get("seq"), "seq")  # 命令序列号 Y Number (003:1860)

    def _add(self, task: int, callees: Any) -> dict[str, int]:
        if not isinstance(callees, list) or not callees:
            raise ScccErrorReply(E_G_INVALID_PARAM, "参数错误: callees")
        if len(callees) > 1000:
            raise ScccErrorReply(E_G_INVALID_PARAM, "参数错误: callees 最多 1000 个")  # 003:1870, 003:2316
        err = rep = 0
        existing = {r["number"] for r in self.state.rows("SELECT number FROM numbers WHERE task=?", (task,))}
        new = []
        for c in callees:
            n = c.strip() if isinstance(c, str) else ""
            if not NUMBER.match(n):
                err += 1
            elif n in existing:
                rep += 1
            else:
                existing.add(n)
                new.append((task, n))
        self.state.many("INSERT INTO numbers (task, number) VALUES (?,?)", new)
        return {"total": len(callees), "error": err, "repeat": rep}  # 003:1972-1978

    def api_CallTaskCreate(self, cmd: dict, customer: str) -> dict[str, Any]:
        self._seq(cmd)
        agent = self._agent(cmd)
        mode = cmd.get("mode")
        if str(mode) not in ("2", "5") or isinstance(mode, bool):
            raise ScccErrorReply(E_G_INVALID_PARAM, "参数错误: mode Number(2|5)")  # Y (003:1874)
        callers = cmd.get("callers")
        if callers is not None and (not isinstance(callers, list) or len(callers) > 100):
            raise ScccErrorReply(E_G_INVALID_PARAM, "参数错误: callers 最多 100 个")  # 003:1872
        if callers and str(mode) == "2":  # with mode 5 callers are not processed (003:1888)
            for c in callers:
                if str(c) not in self.cfg.callers:  # not the customer's number: the API fails (003:1895-1897)
                    raise ScccErrorReply(E_G_NUMBER_INVALID, f"号码非法: caller {c!r}")
        # multiplier "Number(1<a<5)" yet "不填或没有该字段默认为 1" (003:1876-1878): the range and its
        # stated default contradict; strict: only the values the seed names, 1 and 2..4
        if "multiplier" in cmd and str(cmd["multiplier"]) not in ("1", "2", "3", "4"):
            raise ScccErrorReply(E_G_INVALID_PARAM, "参数错误: multiplier")
        callees = cmd.get("callees")
        if not isinstance(callees, list) or not callees or len(callees) > 1000:
            raise ScccErrorReply(E_G_INVALID_PARAM, "参数错误: callees 最多 1000 个")  # Y (003:1870)
        name = cmd.get("taskName") or f"task-{int(time.time() * 1000)}"
        tid = self.state.insert("INSERT INTO tasks (agent, name, mode, status, user_data, created, customer) VALUES "
                                "(?,?,?,?,?,?,?)", (agent, name, int(mode), RUNNING, cmd.get("userData"), time.time(),
                                                    customer))
        return {"taskID": str(tid), "report": self._add(tid, callees)}

    def _task(self, cmd: dict, customer: str, agent: str | None = None) -> Any:
        tid = _number(cmd.get("taskID"), "taskID")  # 任务 ID Y Number (003:2176, 003:2312)
        # a row a test inserted straight into the table (no customer) belongs to the first customer
        row = self.state.row("SELECT * FROM tasks WHERE id=? AND COALESCE(customer, ?)=?",
                             (tid, next(iter(self.cfg.customers)), customer))
        if row is None or (agent is not None and row["agent"] != agent):
            raise ScccErrorReply(E_G_RES_NOT_EXIST, "资源不存在")
        return row

    def api_CallTaskQuery(self, cmd: dict, customer: str) -> dict[str, Any]:
        self._seq(cmd)
        agent = _number(cmd.get("agent"), "agent")  # Y Number (003:2047)
        row = self.state.row("SELECT id FROM tasks WHERE agent=? AND COALESCE(customer, ?)=? ORDER BY id DESC",
                             (agent, next(iter(self.cfg.customers)), customer))
        if row is None:
            raise ScccErrorReply(E_G_RES_NOT_EXIST, "资源不存在")
        return {"taskID": str(row["id"])}

    def api_CallTaskControl(self, cmd: dict, customer: str) -> dict[str, Any]:
        self._seq(cmd)
        if cmd.get("agent") not in (None, ""):  # in the sample (003:2123-2156), not in the table
            _number(cmd["agent"], "agent")
        row = self._task(cmd, customer)
        action = cmd.get("action")
        if action not in ("Start", "stop"):  # Start(开始任务)|stop(停止任务), as printed (003:2178)
            raise ScccErrorReply(E_G_INVALID_PARAM, "参数错误: action Start|stop")
        want = RUNNING if action == "Start" else STOPPED
        if row["status"] == want:
            # the seed is silent on starting a running task; strict: 非法操作 (a no-op that says
            # yes would hide a caller's wrong idea of the task's state)
            raise ScccErrorReply(E_G_INVALID_OPT, f"非法操作: the task is already {'running' if want == RUNNING else 'stopped'}")
        self.state.execute("UPDATE tasks SET status=? WHERE id=?", (want, row["id"]))
        return {"taskID": str(row["id"])}

    def api_CallTaskAddNumbers(self, cmd: dict, customer: str) -> dict[str, Any]:
        self._seq(cmd)
        agent = _number(cmd.get("agent"), "agent")  # Y Number (003:2314)
        row = self._task(cmd, customer, agent)
        return {"taskID": str(row["id"]), "report": self._add(row["id"], cmd.get("callees"))}

    def api_getRecordsList(self, cmd: dict, customer: str) -> dict[str, Any]:
        if cmd.get("seq") in (None, ""):
            raise ScccErrorReply(E_G_INVALID_PARAM, "参数错误: seq")  # seq String Y (003:2717)
        start = cmd.get("startKey")  # startKey Int Y (003:2719): the sample's "" is not an Int
        if isinstance(start, bool) or not (isinstance(start, int) or (isinstance(start, str) and start.isdigit())):
            raise ScccErrorReply(E_G_INVALID_PARAM, "参数错误: startKey Int")
        rows = self.state.rows("SELECT * FROM records WHERE key > ? AND filename != '' ORDER BY key LIMIT 500",
                            (int(start),))  # key > startKey, at most 500 (003:2721, 003:2808)
        return {"record": [{"key": str(r["key"]), "caller": r["caller"], "callee": r["callee"],
                            "filename": r["filename"], "type": str(r["type"]), "agent": r["agent"],
                            "startTime": str(r["start_time"]), "duration": str(r["duration"])} for r in rows]}

    def api_getCdrList(self, cmd: dict, customer: str) -> dict[str, Any]:
        missing = [k for k in CDR_FIELDS if k not in cmd]
        if missing:
            raise ScccErrorReply(E_G_INVALID_PARAM, f"参数错误: {', '.join(missing)}")  # every field is Y (003:3183-3222)
        agents = cmd["agent"]
        if not isinstance(agents, list) or not all(isinstance(a, str) and a.isdigit() for a in agents):
            raise ScccErrorReply(E_G_INVALID_PARAM, "参数错误: agent")
        if str(cmd["serviceType"]) not in ("", *SERVICE_TYPES):
            raise ScccErrorReply(E_G_INVALID_PARAM, "参数错误: serviceType")
        where, args = ["1=1"], []
        if agents:
            where.append(f"agent IN ({','.join('?' * len(agents))})")
            args += [str(a) for a in agents]
        start, end = cmd.get("startTime") or "", cmd.get("endTime") or ""
        if not start and not end:  # 这两个时间都不填默认查当天话单数据 (003:3208-3214)
            day = datetime.now().replace(hour=0, minute=0, second=0, microsecond=0)
            start, end = day.strftime("%Y-%m-%d %H:%M:%S"), (day + timedelta(days=1)).strftime("%Y-%m-%d %H:%M:%S")
        for k, op, v in (("start", ">=", start), ("end", "<", end)):
            if v:
                try:
                    t = datetime.strptime(v, "%Y-%m-%d %H:%M:%S").timestamp()
                except ValueError:
                    raise ScccErrorReply(E_G_INVALID_PARAM, f"参数错误: {k}Time") from None
                where.append(f"start_time {op} ?")
                args.append(int(t))
        for k, col in (("caller", "caller"), ("callee", "callee")):
            if cmd.get(k):
                where.append(f"{col}=?")
                args.append(str(cmd[k]))
        for k, op in (("timeLengthMin", ">="), ("timeLengthMax", "<=")):
            if str(cmd.get(k) or "") != "":
                where.append(f"duration {op} ?")
                args.append(int(_number(cmd[k], k)))
        rows = self.state.rows("SELECT * FROM records WHERE " + " AND ".join(where) + " ORDER BY key", args)
        cdr = [{"key": str(r["key"]), "agent": r["agent"], "serviceType": "4",
                "answerTime": datetime.fromtimestamp(r["start_time"]).strftime("%Y-%m-%d %H:%M:%S"),
                "caller": r["caller"], "callee": r["callee"], "timeLength": str(r["duration"]), "fee": 0.06,
                "releaseCause": "200" if r["result"] == 1 else "480", "result": r["result"],
                "filename": r["filename"]} for r in rows]
        return {"total": str(len(cdr)), "cdr": cdr}

    async def recording(self, req: Request) -> Response:
        path = req.path_params["path"]
        row = self.state.row("SELECT * FROM records WHERE filename=?", (path,))
        if row is None:
            return Response(b"<html><body><h1>404 Not Found</h1></body></html>", status_code=404,
                            media_type="text/html")
        body, media = audio.served(path, float(row["duration"]), self.cfg.record_format)
        return Response(body, media_type=media)

    async def ctl_dial(self, req: Request) -> Response:
        return JSONResponse({"dialled": self.dial(req.path_params["task"], int(req.query_params.get("n", "10")))})

    def dial(self, task: int, n: int = 10, at: datetime | None = None) -> int:
        """Simulates dialling up to *n* pending numbers of a task: CDRs and recordings, the calls
        30 s apart and the last one starting 30 s before *at* (default now)."""
        t = self.state.row("SELECT * FROM tasks WHERE id=?", (task,))
        if t is None or t["status"] != RUNNING:  # a stopped task dials nothing (CallTaskControl stop, 003:2178)
            return 0
        rows = self.state.rows("SELECT number FROM numbers WHERE task=? AND state='pending' LIMIT ?", (task, n))
        now = int(at.timestamp() if at is not None else time.time())
        recs = []
        for i, r in enumerate(rows):
            h = int(hashlib.sha256(f"{task}/{r['number']}".encode()).hexdigest(), 16)
            ok = h % 4 != 0
            start = now - (len(rows) - i) * 30
            dur = 2 + h % 7 if ok else 0
            fname = f"recordings/{datetime.fromtimestamp(start):%Y%m%d}/{task}_{r['number']}_{start}.wav" if ok else ""
            recs.append(("15612343021", r["number"], fname, 1, t["agent"], start, dur, 1 if ok else 2))
        self.state.many("INSERT INTO records (caller, callee, filename, type, agent, start_time, duration, result) "
                        "VALUES (?,?,?,?,?,?,?,?)", recs)
        self.state.many("UPDATE numbers SET state='done' WHERE task=? AND number=?", [(task, r["number"]) for r in rows])
        pushes.sccc_after_dial(self, t, recs)  # billing + taskinfo pushes, when a push URL is set
        return len(rows)


class ScccSandbox(SandboxServer):
    """In-process SCCC sandbox on a loopback port."""

    app: ScccApp
    app_class = ScccApp
    config_class = ScccConfig

    @property
    def customer(self) -> str:
        return next(iter(self.app.cfg.customers))

    @property
    def password(self) -> str:
        return self.app.cfg.customers[self.customer]

    def dial(self, task: int | str, n: int = 10, at: datetime | None = None) -> int:
        return self.app.dial(int(task), n, at)
