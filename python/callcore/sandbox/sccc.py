"""SCCC sandbox (seed 003): ``POST /openapi/V2.0.x/<Api>`` with the MD5 ``authentication`` block
verified by :func:`callcore.sign.verify_sccc_authentication`, single (``request``) and multiple
(``requests``, same type) commands, the documented limits (1000 callees / 100 callers per command,
userData <= 30, agent 1-8 digits, mode 2|5), duplicates and invalid numbers counted in
``report``, recordings served at ``/<filename>`` (A-law WAV; ``record_format`` for others), CDRs.
State in SQLite.
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

from . import audio
from ._server import FaultMiddleware, Faults, ServerThread, State

SCHEMA = """
CREATE TABLE IF NOT EXISTS tasks (id INTEGER PRIMARY KEY AUTOINCREMENT, agent TEXT, name TEXT, mode INTEGER,
    status INTEGER, user_data TEXT, created REAL);
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


class ScErr(Exception):
    def __init__(self, code: int, msg: str) -> None:
        super().__init__(msg)
        self.code, self.msg = code, msg


@dataclass
class ScccConfig:
    customers: dict[str, str] = field(default_factory=lambda: {"C2": "E416D0F85DC0CB67C85E070A32D9F0123AFF4762"})
    max_skew: float = 900.0  # not in the seed; a replay window for timestamps
    seq_window: float = 600.0  # "保证一段时间内序列号不重复即可" (003:383)
    record_format: str = "alaw"  # what recording downloads serve: sandbox.audio.SERVED_FORMATS


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
            raise ScErr(E_S_AUTH_FAIL, "认证失败: no authentication")
        customer = str(a.get("customer", ""))
        pw = self.cfg.customers.get(customer)
        if pw is None:
            raise ScErr(E_S_AUTH_FAIL, "认证失败")
        try:
            verify_sccc_authentication(a, pw)
        except AuthError:
            raise ScErr(E_S_AUTH_FAIL, "认证失败") from None
        try:
            ts = int(str(a.get("timestamp"))) / 1000
        except ValueError:
            raise ScErr(E_S_AUTH_FAIL, "认证失败: timestamp") from None
        if abs(ts - (time.time() + offset)) > self.cfg.max_skew:
            raise ScErr(E_S_AUTH_FAIL, "认证失败: timestamp outside the allowed window")
        seq = str(a.get("seq"))
        now = time.time()
        self.state.x("DELETE FROM seen_seq WHERE at < ?", (now - self.cfg.seq_window,))
        if self.state.one("SELECT 1 FROM seen_seq WHERE customer=? AND seq=?", (customer, seq)):
            raise ScErr(E_S_AUTH_FAIL, "认证失败: seq repeated")
        self.state.x("INSERT INTO seen_seq VALUES (?,?,?)", (customer, seq, now))
        return customer

    async def handle(self, req: Request) -> Response:
        try:
            raw = await req.body()
            if raw.startswith(b"\xef\xbb\xbf"):
                raise ScErr(E_C_INVALID_MSG, "请求数据格式错误: UTF-8 BOM")
            try:
                body = json.loads(raw)
            except ValueError:
                raise ScErr(E_C_INVALID_MSG, "请求数据格式错误") from None
            if not isinstance(body, dict):
                raise ScErr(E_C_INVALID_MSG, "请求数据格式错误")
            if not VERSION.match(req.path_params["version"]):
                raise ScErr(E_C_UNSUPPORT_API_VERSION, "不支持的 API 版本")
            self._auth(body, req.scope.get("state", {}).get("clock_offset", 0.0))
            api = req.path_params["api"]
            fn = getattr(self, "api_" + api, None)
            if fn is None:
                raise ScErr(E_C_UNSUPPORT_API_REQUEST, "不支持的 API 请求")
            seq = str(body["authentication"].get("seq"))
            if isinstance(body.get("requests"), list):
                responses = [self._run(fn, c) for c in body["requests"]]
                data: dict[str, Any] = {"seq": seq, "responses": responses}
            elif isinstance(body.get("request"), dict):
                data = {"seq": seq, "response": self._run(fn, body["request"])}
                if api == "getRecordsList":
                    data["record"] = data["response"].pop("record", [])
            else:
                raise ScErr(E_C_INVALID_MSG, "请求数据格式错误: no request")
            return JSONResponse(self._reply(E_SUCC, "成功", data))
        except ScErr as e:
            return JSONResponse(self._reply(e.code, e.msg, None))

    def _run(self, fn: Any, cmd: Any) -> dict[str, Any]:
        if not isinstance(cmd, dict):
            return {"seq": "", "userData": "", "result": {"error": E_C_INVALID_MSG, "msg": "请求数据格式错误"}}
        base = {"seq": str(cmd.get("seq", "")), "userData": cmd.get("userData", "")}
        try:
            ud = cmd.get("userData")
            if ud is not None and len(str(ud)) > 30:
                raise ScErr(E_G_INVALID_PARAM, "参数错误: userData")
            out = fn(cmd)
            return {**base, "result": {"error": 0, "msg": ""}, **out}
        except ScErr as e:
            return {**base, "result": {"error": e.code, "msg": e.msg}}

    @staticmethod
    def _agent(cmd: dict) -> str:
        a = str(cmd.get("agent", ""))
        if not a.isdigit() or not 1 <= len(a) <= 8:
            raise ScErr(E_G_INVALID_PARAM, "参数错误: agent")
        return a

    def _add(self, task: int, callees: Any) -> dict[str, int]:
        if not isinstance(callees, list) or not callees:
            raise ScErr(E_G_INVALID_PARAM, "参数错误: callees")
        if len(callees) > 1000:
            raise ScErr(E_G_INVALID_PARAM, "参数错误: callees 最多 1000 个")
        err = rep = 0
        existing = {r["number"] for r in self.state.q("SELECT number FROM numbers WHERE task=?", (task,))}
        new = []
        for c in callees:
            n = str(c).strip()
            if not NUMBER.match(n):
                err += 1
            elif n in existing:
                rep += 1
            else:
                existing.add(n)
                new.append((task, n))
        self.state.many("INSERT INTO numbers (task, number) VALUES (?,?)", new)
        return {"total": len(callees), "error": err, "repeat": rep}

    def api_CallTaskCreate(self, cmd: dict) -> dict[str, Any]:
        agent = self._agent(cmd)
        mode = cmd.get("mode")
        if str(mode) not in ("2", "5"):
            raise ScErr(E_G_INVALID_PARAM, "参数错误: mode")
        callers = cmd.get("callers") or []
        if not isinstance(callers, list) or len(callers) > 100:
            raise ScErr(E_G_INVALID_PARAM, "参数错误: callers 最多 100 个")
        if cmd.get("multiplier") not in (None, "") and not 1 <= int(cmd["multiplier"]) <= 5:
            raise ScErr(E_G_INVALID_PARAM, "参数错误: multiplier")
        callees = cmd.get("callees")
        if not isinstance(callees, list) or not callees or len(callees) > 1000:
            raise ScErr(E_G_INVALID_PARAM, "参数错误: callees")
        name = cmd.get("taskName") or f"task-{int(time.time() * 1000)}"
        tid = self.state.insert("INSERT INTO tasks (agent, name, mode, status, user_data, created) VALUES "
                                "(?,?,?,?,?,?)", (agent, name, int(mode), 0, cmd.get("userData"), time.time()))
        return {"taskID": str(tid), "report": self._add(tid, callees)}

    def _task(self, cmd: dict) -> Any:
        row = self.state.one("SELECT * FROM tasks WHERE id=?", (str(cmd.get("taskID", "")),))
        if row is None:
            raise ScErr(E_G_RES_NOT_EXIST, "资源不存在")
        return row

    def api_CallTaskQuery(self, cmd: dict) -> dict[str, Any]:
        agent = self._agent(cmd)
        row = self.state.one("SELECT id FROM tasks WHERE agent=? AND status!=2 ORDER BY id DESC", (agent,))
        if row is None:
            raise ScErr(E_G_RES_NOT_EXIST, "资源不存在")
        return {"taskID": str(row["id"])}

    def api_CallTaskControl(self, cmd: dict) -> dict[str, Any]:
        self._agent(cmd)
        row = self._task(cmd)
        action = cmd.get("action")
        if action not in ("Start", "stop"):
            raise ScErr(E_G_INVALID_PARAM, "参数错误: action")
        self.state.x("UPDATE tasks SET status=? WHERE id=?", (0 if action == "Start" else 1, row["id"]))
        return {"taskID": str(row["id"])}

    def api_CallTaskAddNumbers(self, cmd: dict) -> dict[str, Any]:
        self._agent(cmd)
        row = self._task(cmd)
        if row["status"] == 2:
            raise ScErr(0xF100000E, "非法操作: task ended")
        return {"report": self._add(row["id"], cmd.get("callees"))}

    def api_getRecordsList(self, cmd: dict) -> dict[str, Any]:
        try:
            start = int(cmd.get("startKey", 0) or 0)
        except ValueError:
            raise ScErr(E_G_INVALID_PARAM, "参数错误: startKey") from None
        rows = self.state.q("SELECT * FROM records WHERE key > ? AND filename != '' ORDER BY key LIMIT 500", (start,))
        return {"record": [{"key": str(r["key"]), "caller": r["caller"], "callee": r["callee"],
                            "filename": r["filename"], "type": str(r["type"]), "agent": r["agent"],
                            "startTime": str(r["start_time"]), "duration": str(r["duration"])} for r in rows]}

    def api_getCdrList(self, cmd: dict) -> dict[str, Any]:
        agents = cmd.get("agent") or []
        if not isinstance(agents, list):
            raise ScErr(E_G_INVALID_PARAM, "参数错误: agent")
        where, args = ["1=1"], []
        if agents:
            where.append(f"agent IN ({','.join('?' * len(agents))})")
            args += [str(a) for a in agents]
        start, end = cmd.get("startTime") or "", cmd.get("endTime") or ""
        if not start and not end:
            day = datetime.now().replace(hour=0, minute=0, second=0, microsecond=0)
            start, end = day.strftime("%Y-%m-%d %H:%M:%S"), (day + timedelta(days=1)).strftime("%Y-%m-%d %H:%M:%S")
        for k, op, v in (("start", ">=", start), ("end", "<", end)):
            if v:
                try:
                    t = datetime.strptime(v, "%Y-%m-%d %H:%M:%S").timestamp()
                except ValueError:
                    raise ScErr(E_G_INVALID_PARAM, f"参数错误: {k}Time") from None
                where.append(f"start_time {op} ?")
                args.append(int(t))
        for k, col in (("caller", "caller"), ("callee", "callee")):
            if cmd.get(k):
                where.append(f"{col}=?")
                args.append(str(cmd[k]))
        rows = self.state.q("SELECT * FROM records WHERE " + " AND ".join(where) + " ORDER BY key", args)
        cdr = [{"key": str(r["key"]), "agent": r["agent"], "serviceType": "4",
                "answerTime": datetime.fromtimestamp(r["start_time"]).strftime("%Y-%m-%d %H:%M:%S"),
                "caller": r["caller"], "callee": r["callee"], "timeLength": str(r["duration"]), "fee": 0.06,
                "releaseCause": "200" if r["result"] == 1 else "480", "result": r["result"],
                "filename": r["filename"]} for r in rows]
        return {"total": str(len(cdr)), "cdr": cdr}

    async def recording(self, req: Request) -> Response:
        path = req.path_params["path"]
        row = self.state.one("SELECT * FROM records WHERE filename=?", (path,))
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
        t = self.state.one("SELECT * FROM tasks WHERE id=?", (task,))
        if t is None:
            return 0
        rows = self.state.q("SELECT number FROM numbers WHERE task=? AND state='pending' LIMIT ?", (task, n))
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
        return len(rows)


class ScccSandbox:
    """In-process SCCC sandbox on a loopback port."""

    def __init__(self, state_dir: str | Path | None = None, *, port: int = 0, faults: str | Faults | None = None,
                 config: ScccConfig | None = None, host: str = "127.0.0.1") -> None:
        self.app = ScccApp(state_dir, config, faults)
        self.server = ServerThread(self.app.app, host, port)

    @property
    def url(self) -> str:
        return f"http://{self.server.host}:{self.server.port}"

    @property
    def customer(self) -> str:
        return next(iter(self.app.cfg.customers))

    @property
    def password(self) -> str:
        return self.app.cfg.customers[self.customer]

    def dial(self, task: int | str, n: int = 10, at: datetime | None = None) -> int:
        return self.app.dial(int(task), n, at)

    def start(self) -> "ScccSandbox":
        self.server.start()
        return self

    def stop(self) -> None:
        self.server.stop()
        self.app.state.close()

    def __enter__(self) -> "ScccSandbox":
        return self.start()

    def __exit__(self, *exc: Any) -> None:
        self.stop()
