"""九五云客服 sandbox (seed 000): OAuth2 client credentials at ``POST /oauth/token`` (tokens with
expiry, a new token replacing the previous one, 000:76), bearer or ``?access_token=`` on every other
call (401 ``invalid_token`` when missing/expired), outbound projects, number files, manual outbound
tasks (insert/append/pageSearch), outbound contacts, call history, recordings (list + download).
Replies ``{data, code, message, success}``. State in SQLite.

Number files: the seed gives no layout (notes/outbound.md 7.4); the sandbox reads UTF-8 text with one
``mobile``, ``mobile:data`` or ``mobile,data`` per line (a header line without digits is skipped).
"""
from __future__ import annotations

import hashlib
import json
import re
import time
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from callcore import _extras

_extras.require("sandbox", "callcore.sandbox")  # before starlette: name the extra to install

from starlette.applications import Starlette
from starlette.datastructures import UploadFile
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from . import audio
from ._server import FaultMiddleware, Faults, ServerThread, State

SCHEMA = """
CREATE TABLE IF NOT EXISTS tokens (token TEXT PRIMARY KEY, client_id TEXT, expires REAL);
CREATE TABLE IF NOT EXISTS projects (project_id TEXT PRIMARY KEY, name TEXT, remark TEXT, created TEXT);
CREATE TABLE IF NOT EXISTS files (name TEXT PRIMARY KEY, content BLOB, created TEXT);
CREATE TABLE IF NOT EXISTS tasks (id INTEGER PRIMARY KEY AUTOINCREMENT, task_id TEXT UNIQUE, project TEXT, name TEXT,
    status INTEGER, call_type TEXT, ratio TEXT, idle_time TEXT, time_from TEXT, time_to TEXT, created TEXT);
CREATE TABLE IF NOT EXISTS contacts (id INTEGER PRIMARY KEY AUTOINCREMENT, task INTEGER, mobile TEXT, des TEXT,
    call_state INTEGER DEFAULT 0);
CREATE TABLE IF NOT EXISTS history (id INTEGER PRIMARY KEY AUTOINCREMENT, customer TEXT, agent TEXT, start TEXT,
    answer TEXT, end_time TEXT, talksec INTEGER, result INTEGER, filename TEXT, call_type INTEGER, sid TEXT);
"""
CORP = "100002"
# every field of the seed's item samples, so answers have the seed's shapes; fields the sandbox
# does not simulate are null
CONTACT_KEYS = (  # /outboundContacts/pageSearch sample, 000:2265-2321
    "aAnswerTime", "aEndTime", "aStartTime", "agentId", "arrangesec", "billsec", "cAnswerTime", "cEndTime",
    "cHangupCause", "cStartTime", "callId", "callState", "callTime", "callerId", "cityCode", "customerGrade",
    "customerTag", "cutomerTag", "fileName", "groupDn", "id", "isSendMsg", "ivrEndTime", "ivrStartTime", "mobile",
    "mobileDes", "outCallType", "outProjectId", "outboundId", "queue", "queueEndTime", "queueStartTime",
    "queueTimes", "ringsec", "robotId", "sceneCount", "talkCount", "talksec", "taskId", "taskName", "tenantId")
HISTORY_KEYS = (  # /callHistory/pageSearchCallHistory sample, 000:2530-2612
    "aAnswerTime", "aEndTime", "aStartTime", "abridgeTime", "agent", "agentName", "agentType", "alreadyCallback",
    "answerAt", "arrangesec", "autoAnswerTimes", "autoTimes", "auuid", "billsec", "cAnswerTime", "cEndTime",
    "cHangupCause", "cStartTime", "callData", "callId", "callResult", "callSid", "callType", "campaignId",
    "cbridgeTime", "cityCode", "cost", "customer", "dnis", "exitStatus", "filename", "id", "isRobotGuide",
    "ivrDigits", "ivrEndTime", "ivrId", "ivrLastDigit", "ivrLastNode", "ivrName", "ivrSec", "ivrStartTime",
    "lastCallbackAgent", "lastCallbackAgentName", "lastCallbackTime", "manualAnswerTimes", "manualTimes",
    "maxTimes", "orderTime", "qcSv", "queue", "queueEndTime", "queueName", "queueSec", "queueStartTime",
    "queueTimes", "recordId", "recordsec", "releaseAt", "ringsec", "robotGuideEndTime", "robotGuideStartTime",
    "robotGuideTimeLength", "satisfaction", "startAt", "talksec", "taskId", "tenantId")


def shaped(keys: tuple[str, ...], **values: Any) -> dict[str, Any]:
    return {**dict.fromkeys(keys), **values}
FMT = "%Y%m%d%H%M%S"


class NfErr(Exception):
    def __init__(self, message: str, code: int = -1, status: int = 200) -> None:
        super().__init__(message)
        self.message, self.code, self.status = message, code, status


@dataclass
class Hl95Config:
    clients: dict[str, str] = field(default_factory=lambda: {"sandbox-client": "sandbox-secret"})
    token_ttl: float = 7200.0  # "access_token 有效期默认 2 个小时" (000:76)
    record_format: str = "alaw"  # what /record/recordDownload serves: sandbox.audio.SERVED_FORMATS


def ok(data: Any = None) -> JSONResponse:
    body: dict[str, Any] = {"code": 0, "message": "成功", "success": True}
    if data is not None:
        body["data"] = data
    return JSONResponse(body)


class Hl95App:
    def __init__(self, state_dir: str | Path | None = None, config: Hl95Config | None = None,
                 faults: Faults | str | None = None) -> None:
        self.cfg = config or Hl95Config()
        self.state = State(state_dir, "hl95", SCHEMA)
        faults = faults if isinstance(faults, Faults) else Faults.parse(faults)
        r = [
            ("/oauth/token", self.token, ["POST"]),
            ("/outProject/insert", self.project_insert, ["POST"]),
            ("/outProject/pageSearch", self.project_search, ["GET"]),
            ("/files/upload", self.file_upload, ["POST"]),
            ("/files/search", self.file_search, ["GET"]),
            ("/artificialOutTask/insert", self.task_insert, ["POST"]),
            ("/artificialOutTask/append", self.task_append, ["POST"]),
            ("/artificialOutTask/pageSearch", self.task_search, ["GET"]),
            ("/outboundContacts/pageSearch", self.contacts, ["GET"]),
            ("/callHistory/pageSearchCallHistory", self.call_history, ["GET"]),
            ("/record/pageSearch4Record", self.records, ["GET"]),
            ("/record/recordDownload", self.record_download, ["GET"]),
        ]
        self.starlette = Starlette(routes=[Route(p, self._wrap(f), methods=m) for p, f, m in r])
        self.faults = FaultMiddleware(self.starlette, faults,
                                      lambda scope: (429, {"code": -1, "message": "请求太频繁", "success": False}))
        self.app = self.faults

    def _wrap(self, fn: Any) -> Any:
        async def handler(req: Request) -> Response:
            try:
                if getattr(fn, "__name__", "") != "token":
                    self._authorize(req)
                return await fn(req)
            except NfErr as e:
                if e.status == 401:
                    return JSONResponse({"error": "invalid_token", "error_description": e.message}, status_code=401)
                return JSONResponse({"code": e.code, "message": e.message, "success": False}, status_code=e.status)
        return handler

    def _authorize(self, req: Request) -> None:
        tok = req.query_params.get("access_token")
        auth = req.headers.get("authorization", "")
        if not tok and auth.lower().startswith("bearer "):
            tok = auth[7:].strip()
        if not tok:
            raise NfErr("Full authentication is required to access this resource", status=401)
        row = self.state.one("SELECT * FROM tokens WHERE token=?", (tok,))
        if row is None:
            raise NfErr(f"Invalid access token: {tok[:8]}...", status=401)
        offset = req.scope.get("state", {}).get("clock_offset", 0.0)
        if row["expires"] < time.time() + offset:
            raise NfErr(f"Access token expired: {tok[:8]}...", status=401)

    async def token(self, req: Request) -> Response:
        form = await req.form()
        cid, secret = str(form.get("client_id") or ""), str(form.get("client_secret") or "")
        grant = str(form.get("grant_type") or "")
        if self.cfg.clients.get(cid) != secret or not cid:
            return JSONResponse({"error": "invalid_client", "error_description": "Bad client credentials"},
                                status_code=401)
        if grant not in ("client_credentials", "client_credential"):  # the table's spelling too (000:237)
            return JSONResponse({"error": "invalid_request", "error_description": "Missing grant type"},
                                status_code=400)
        scope = str(form.get("scope") or "read,write").replace(" ", "")
        if any(s not in ("read", "write") for s in scope.split(",")):
            return JSONResponse({"error": "invalid_scope", "error_description": "Invalid scope"}, status_code=400)
        tok = str(uuid.uuid4())
        self.state.x("DELETE FROM tokens WHERE client_id=?", (cid,))  # 刷新后前一个 token 自动失效
        self.state.x("INSERT INTO tokens VALUES (?,?,?)", (tok, cid, time.time() + self.cfg.token_ttl))
        return JSONResponse({"access_token": tok, "token_type": "bearer", "expires_in": int(self.cfg.token_ttl),
                             "scope": scope.split(",")[-1]})

    async def _body(self, req: Request) -> dict[str, Any]:
        ctype = req.headers.get("content-type", "")
        if "json" in ctype:
            try:
                d = json.loads(await req.body())
            except ValueError:
                raise NfErr("请求格式错误") from None
            return d if isinstance(d, dict) else {}
        form = await req.form()
        return dict(form.items())

    async def project_insert(self, req: Request) -> Response:
        b = await self._body(req)
        pid, name = str(b.get("projectId") or ""), str(b.get("projectName") or "")
        if not re.fullmatch(r"[0-9A-Za-z]{6,12}", pid):
            raise NfErr("项目标识(6-12 位数字或字母)")
        if not name:
            raise NfErr("项目名称不能为空")
        long_id = f"PRO_{CORP}_{pid}"
        if self.state.one("SELECT 1 FROM projects WHERE project_id=?", (long_id,)):
            raise NfErr("项目标识已存在")
        self.state.x("INSERT INTO projects VALUES (?,?,?,?)",
                     (long_id, name, None if b.get("remark") is None else str(b["remark"]), datetime.now().strftime(FMT)))
        return ok()

    @staticmethod
    def _page(req: Request) -> tuple[int, int]:
        try:
            cur = int(req.query_params.get("currentPage") or 1)
            size = int(req.query_params.get("pageSize") or 10)
        except ValueError:
            raise NfErr("分页参数错误") from None
        return max(cur, 1), max(size, 1)

    async def project_search(self, req: Request) -> Response:
        cur, size = self._page(req)
        rows = self.state.q("SELECT * FROM projects ORDER BY created, project_id")
        if req.query_params.get("projectName"):
            rows = [r for r in rows if req.query_params["projectName"] in r["name"]]
        page = [{"corpId": CORP, "projectId": r["project_id"], "projectName": r["name"], "remark": r["remark"],
                 "createTime": r["created"]} for r in rows[(cur - 1) * size: cur * size]]
        return ok({"pageData": page, "total": len(rows)})

    async def file_upload(self, req: Request) -> Response:
        form = await req.form()
        f = form.get("fileName")
        if not isinstance(f, UploadFile) or not f.filename:
            raise NfErr("文件不能为空")
        self.state.x("INSERT OR REPLACE INTO files VALUES (?,?,?)",
                     (Path(f.filename).name, await f.read(), datetime.now().strftime(FMT)))
        return ok()

    async def file_search(self, req: Request) -> Response:
        name = req.query_params.get("fileName", "")
        row = self.state.one("SELECT name, created FROM files WHERE name=?", (name,))
        data = [] if row is None else [{"fileName": row["name"], "createTime": row["created"],
                                        "url": f"http://hlmedia:8800/media/{CORP}/outAddress/{row['name']}"}]
        return ok(data)

    @staticmethod
    def _parse_numbers(text: str) -> list[tuple[str, str]]:
        out = []
        for line in re.split(r"[;\r\n]+", text):
            line = line.strip()
            if not line:
                continue
            mobile, _, des = line.replace(",", ":", 1).partition(":")
            mobile = mobile.strip()
            if not re.fullmatch(r"\+?[0-9*#]{3,24}", mobile):
                if not re.search(r"\d", mobile):  # a header line
                    continue
                raise NfErr(f"号码格式错误: {mobile}")
            out.append((mobile, des.strip()))
        return out

    async def _numbers(self, form: Any) -> list[tuple[str, str]]:
        ct = str(form.get("createType") or "")
        if ct == "input":
            nums = self._parse_numbers(str(form.get("mobileAndDes") or ""))
        elif ct == "remoteFile":
            row = self.state.one("SELECT content FROM files WHERE name=?", (str(form.get("remoteFileName") or ""),))
            if row is None:
                raise NfErr("文件不存在")
            nums = self._parse_numbers(bytes(row["content"]).decode("utf-8-sig", "replace"))
        elif ct == "file":
            f = form.get("importFile")
            if not isinstance(f, UploadFile):
                raise NfErr("文件不能为空")
            nums = self._parse_numbers((await f.read()).decode("utf-8-sig", "replace"))
        else:
            raise NfErr("号码来源错误 (input, file, remoteFile)")
        if not nums:
            raise NfErr("外呼数据不能为空")
        return nums

    async def task_insert(self, req: Request) -> Response:
        form = await req.form()
        need = ("outProjectId", "taskId", "name", "createType", "timeFrom", "timeTo", "dataObjId", "callType", "ratio",
                "idleTime")
        for k in need:
            if not form.get(k):
                raise NfErr(f"{k} 不能为空")
        if self.state.one("SELECT 1 FROM projects WHERE project_id=?", (form["outProjectId"],)) is None:
            raise NfErr("项目不存在")
        if not re.fullmatch(r"[0-9A-Za-z]{1,16}", str(form["taskId"])):
            raise NfErr("任务标识（短号，1-16 位数字或字母）")
        if str(form["ratio"]) not in "12345" or str(form["idleTime"]) not in ("8000", "16000", "24000", "32000",
                                                                              "40000"):
            raise NfErr("外呼速率或二次呼叫间隔错误")
        nums = await self._numbers(form)
        long_task = f"{int(CORP):012d}{form['taskId']}"
        if self.state.one("SELECT 1 FROM tasks WHERE task_id=?", (long_task,)):
            raise NfErr("任务标识已存在")
        iid = self.state.insert("INSERT INTO tasks (task_id, project, name, status, call_type, ratio, idle_time, "
                                "time_from, time_to, created) VALUES (?,?,?,?,?,?,?,?,?,?)",
                                (long_task, form["outProjectId"], form["name"], 2, form["callType"], form["ratio"],
                                 form["idleTime"], form["timeFrom"], form["timeTo"], datetime.now().strftime(FMT)))
        self.state.many("INSERT INTO contacts (task, mobile, des) VALUES (?,?,?)", [(iid, m, d) for m, d in nums])
        return ok({"groupDn": f"1021{iid:05d}", "groupId": str(3000 + iid), "outboundInstanceId": str(iid)})

    async def task_append(self, req: Request) -> Response:
        form = await req.form()
        row = self.state.one("SELECT * FROM tasks WHERE id=?", (str(form.get("id") or ""),))
        if row is None:
            raise NfErr("外呼实例不存在")
        if row["status"] in (5, 6):
            raise NfErr("任务已结束")
        nums = await self._numbers(form)
        self.state.many("INSERT INTO contacts (task, mobile, des) VALUES (?,?,?)", [(row["id"], m, d) for m, d in nums])
        return JSONResponse({"message": "成功", "success": True, "code": 0})

    async def task_search(self, req: Request) -> Response:
        cur, size = self._page(req)
        rows = self.state.q("SELECT * FROM tasks ORDER BY id")
        if req.query_params.get("taskId"):
            rows = [r for r in rows if r["task_id"].endswith(req.query_params["taskId"])]
        if req.query_params.get("status"):
            rows = [r for r in rows if str(r["status"]) == req.query_params["status"]]
        page = []
        for r in rows[(cur - 1) * size: cur * size]:
            c = self.state.one("SELECT COUNT(*) n, SUM(call_state!=0) called, SUM(call_state=2) touched FROM contacts "
                               "WHERE task=?", (r["id"],))
            page.append({"id": r["id"], "tenantId": 10211, "userId": 0, "groupId": 3000 + r["id"],
                         "groupDn": f"1021{r['id']:05d}", "name": r["name"], "status": r["status"],
                         "callType": int(r["call_type"]), "callNum": c["called"] or 0, "contactNum": c["n"],
                         "touchNum": c["touched"] or 0, "ratio": r["ratio"], "idleTime": int(r["idle_time"]),
                         "createTime": r["created"], "startTime": None, "endTime": None, "taskId": r["task_id"],
                         "outProjectId": r["project"], "timeFrom": r["time_from"], "timeTo": r["time_to"]})
        return ok({"pageData": page, "total": len(rows)})

    async def contacts(self, req: Request) -> Response:
        cur, size = self._page(req)
        rows = self.state.q("SELECT * FROM contacts WHERE task=? ORDER BY id", (req.query_params.get("outboundId"),))
        page = [shaped(CONTACT_KEYS, id=r["id"], mobile=r["mobile"], mobileDes=r["des"], callState=r["call_state"],
                       outboundId=str(r["task"]), tenantId=10211) for r in rows[(cur - 1) * size: cur * size]]
        return ok({"pageData": page, "total": len(rows)})

    def _history_rows(self, req: Request) -> list[Any]:
        where, args = ["1=1"], []
        for k, op in (("cStartTimeFrom", ">="), ("cStartTimeEnd", "<=")):
            v = req.query_params.get(k)
            if v:
                if not re.fullmatch(r"\d{14}", v):
                    raise NfErr(f"{k} 格式错误 (yyyyMMddHHmmss)")
                where.append(f"start {op} ?")
                args.append(v)
        for k, col in (("customer", "customer"), ("agent", "agent")):
            if req.query_params.get(k):
                where.append(f"{col}=?")
                args.append(req.query_params[k])
        return self.state.q("SELECT * FROM history WHERE " + " AND ".join(where) + " ORDER BY id", args)

    @staticmethod
    def _show(t: str | None) -> str | None:
        return datetime.strptime(t, FMT).strftime("%Y-%m-%d %H:%M:%S") if t else None

    async def call_history(self, req: Request) -> Response:
        cur, size = self._page(req)
        rows = self._history_rows(req)
        page = [shaped(HISTORY_KEYS, id=r["id"], customer=r["customer"], talksec=r["talksec"], callResult=r["result"],
                       callId=r["sid"], callSid=r["sid"], cStartTime=self._show(r["start"]),
                       cAnswerTime=self._show(r["answer"]), cEndTime=self._show(r["end_time"]),
                       cHangupCause="NORMAL_CLEARING" if r["result"] == 2 else "NO_ANSWER", agent=r["agent"],
                       filename=r["filename"], callType=r["call_type"], recordsec=r["talksec"], tenantId=10211)
                for r in rows[(cur - 1) * size: cur * size]]
        return ok({"pageData": page, "total": len(rows)})

    async def records(self, req: Request) -> Response:
        cur, size = self._page(req)
        rows = [r for r in self._history_rows(req) if r["filename"]]
        page = [{"id": r["id"], "tenantId": 10211, "filename": r["filename"], "customer": r["customer"],
                 "cStartTime": self._show(r["start"]), "answerTime": self._show(r["answer"]),
                 "endTime": self._show(r["end_time"]), "agent": r["agent"], "agentName": None, "talksec": r["talksec"],
                 "satisfaction": -1, "ivrName": None, "ivrLastDigit": None, "callType": r["call_type"]}
                for r in rows[(cur - 1) * size: cur * size]]
        return ok({"pageData": page, "total": len(rows)})

    async def record_download(self, req: Request) -> Response:
        path = req.query_params.get("path", "")
        row = self.state.one("SELECT * FROM history WHERE filename=? AND filename!=''", (path,))
        if row is None:
            raise NfErr("录音文件不存在")
        body, media = audio.served(path, row["talksec"], self.cfg.record_format)
        return Response(body, media_type=media)

    def dial(self, instance_id: int, n: int = 10, at: datetime | None = None) -> int:
        """Dials up to *n* numbers of an outbound instance, the calls 40 s apart, the last one
        starting 40 s before *at* (default now)."""
        rows = self.state.q("SELECT * FROM contacts WHERE task=? AND call_state=0 ORDER BY id LIMIT ?",
                            (instance_id, n))
        now = at or datetime.now()
        for i, r in enumerate(rows):
            h = int(hashlib.sha256(f"{instance_id}/{r['id']}".encode()).hexdigest(), 16)
            ok_ = h % 4 != 0
            start = now - timedelta(seconds=(len(rows) - i) * 40)
            talk = 2 + h % 6 if ok_ else 0
            answer = start + timedelta(seconds=3)
            end = answer + timedelta(seconds=talk)
            sid = str(uuid.UUID(int=h % (1 << 128)))
            fname = f"116/10211/{start:%Y%m%d}/{sid}.wav" if ok_ else ""
            self.state.x("UPDATE contacts SET call_state=? WHERE id=?", (2 if ok_ else 1, r["id"]))
            self.state.x("INSERT INTO history (customer, agent, start, answer, end_time, talksec, result, filename, "
                         "call_type, sid) VALUES (?,?,?,?,?,?,?,?,?,?)",
                         (r["mobile"], "102111008", start.strftime(FMT), answer.strftime(FMT) if ok_ else None,
                          end.strftime(FMT), talk, 2 if ok_ else 0, fname, 8, sid))
        return len(rows)


class Hl95Sandbox:
    """In-process 九五云客服 sandbox on a loopback port."""

    def __init__(self, state_dir: str | Path | None = None, *, port: int = 0, faults: str | Faults | None = None,
                 config: Hl95Config | None = None, host: str = "127.0.0.1") -> None:
        self.app = Hl95App(state_dir, config, faults)
        self.server = ServerThread(self.app.app, host, port)

    @property
    def url(self) -> str:
        return f"http://{self.server.host}:{self.server.port}"

    @property
    def client_id(self) -> str:
        return next(iter(self.app.cfg.clients))

    @property
    def client_secret(self) -> str:
        return self.app.cfg.clients[self.client_id]

    def dial(self, instance_id: int | str, n: int = 10, at: datetime | None = None) -> int:
        return self.app.dial(int(instance_id), n, at)

    def start(self) -> "Hl95Sandbox":
        self.server.start()
        return self

    def stop(self) -> None:
        self.server.stop()
        self.app.state.close()

    def __enter__(self) -> "Hl95Sandbox":
        return self.start()

    def __exit__(self, *exc: Any) -> None:
        self.stop()
