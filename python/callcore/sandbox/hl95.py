"""九五云客服 sandbox (seed 000): OAuth2 client credentials at ``POST /oauth/token`` (tokens with
expiry, a new token replacing the previous one, 000:76), bearer or ``?access_token=`` on every other
call (401 ``invalid_token`` when missing/expired), outbound projects, number files, manual outbound
tasks (insert/append/pageSearch), outbound contacts, call history, recordings (list + download).
Replies ``{data, code, message, success}``. State in SQLite.

Strict twin of the seed (each rule cites its line): the task state machine (2 规划中 -> startCall ->
3 执行中 <-> pauseCall 4 暂停中, stopCall -> 5 已结束, changeState -> 6 已终结; 000:1297,
000:1577-1790), dialling only tasks in 3 执行中 inside their timeFrom-timeTo window (000:1182),
contact states as printed (9 未联系 until dialled, 1 联系成功, 5 无人应答; 000:2224), content types
as printed (JSON for outProject/insert and the PUT controls, multipart for the task forms), every
required field and format of the request tables, error answers ``{code: -1, message, success:
false}`` (附录一 000:2921) and answer shapes as printed (append answers without ``code``, 000:1563-1566).

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
from ._server import FaultMiddleware, Faults, SandboxServer, State

SCHEMA = """
CREATE TABLE IF NOT EXISTS tokens (token TEXT PRIMARY KEY, client_id TEXT, expires REAL);
CREATE TABLE IF NOT EXISTS projects (project_id TEXT PRIMARY KEY, name TEXT, remark TEXT, created TEXT);
CREATE TABLE IF NOT EXISTS files (name TEXT PRIMARY KEY, content BLOB, created TEXT);
CREATE TABLE IF NOT EXISTS tasks (id INTEGER PRIMARY KEY AUTOINCREMENT, task_id TEXT UNIQUE, project TEXT, name TEXT,
    status INTEGER, call_type TEXT, ratio TEXT, idle_time TEXT, time_from TEXT, time_to TEXT, created TEXT);
CREATE TABLE IF NOT EXISTS contacts (id INTEGER PRIMARY KEY AUTOINCREMENT, task INTEGER, mobile TEXT, des TEXT,
    call_state INTEGER DEFAULT 9);
CREATE TABLE IF NOT EXISTS history (id INTEGER PRIMARY KEY AUTOINCREMENT, customer TEXT, agent TEXT, start TEXT,
    answer TEXT, end_time TEXT, talksec INTEGER, result INTEGER, filename TEXT, call_type INTEGER, sid TEXT);
"""
CORP = "100002"
# task status (000:1297): 0 无效活动, 2 规划中, 3 执行中, 4 暂停中, 5 已结束, 6 已终结
PLANNED, RUNNING, PAUSED, ENDED, TERMINATED = 2, 3, 4, 5, 6
# contact callState (000:2224): 0 呼叫失败, 1 联系成功, 4 用户应答, 5 无人应答, 7 座席拒接, 8 座席全忙, 9 未联系
NOT_CONTACTED, CONTACTED, NO_ANSWER, AGENT_REJECTED = 9, 1, 5, 7
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


class Hl95ErrorReply(Exception):
    """An error the sandbox answers with: 九五's ``message`` and ``code``, HTTP ``status``."""

    def __init__(self, message: str, code: int = -1, status: int = 200) -> None:
        super().__init__(message)
        self.message, self.code, self.status = message, code, status


@dataclass
class Hl95Config:
    clients: dict[str, str] = field(default_factory=lambda: {"sandbox-client": "sandbox-secret"})
    token_ttl: float = 7200.0  # "access_token 有效期默认 2 个小时" (000:76)
    corp: str = CORP  # 企业标识 in PRO_企业标识_短号 and OBJ_企业标识_短号 (000:1174, 000:1185)
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
            ("/artificialOutTask/startCall", self.task_start, ["PUT"]),
            ("/artificialOutTask/pauseCall", self.task_pause, ["PUT"]),
            ("/artificialOutTask/stopCall", self.task_stop, ["PUT"]),
            ("/artificialOutTask/changeState", self.task_terminate, ["PUT"]),
            ("/artificialOutTask/recall", self.task_recall, ["PUT"]),
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
            except Hl95ErrorReply as e:
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
            raise Hl95ErrorReply("Full authentication is required to access this resource", status=401)
        row = self.state.row("SELECT * FROM tokens WHERE token=?", (tok,))
        if row is None:
            raise Hl95ErrorReply("Invalid access token", status=401)  # never echo a credential
        offset = req.scope.get("state", {}).get("clock_offset", 0.0)
        if row["expires"] < time.time() + offset:
            raise Hl95ErrorReply("Access token expired", status=401)

    async def token(self, req: Request) -> Response:
        form = await req.form()
        cid, secret = str(form.get("client_id") or ""), str(form.get("client_secret") or "")
        grant = str(form.get("grant_type") or "")
        if not cid or self.cfg.clients.get(cid) != secret:  # 000:278 invalid_client, body 000:285-288
            return JSONResponse({"error": "invalid_client", "error_description": "Bad client credentials"},
                                status_code=401)
        # The table spells the grant "client_credential" (000:237), the example "client_credentials"
        # (000:245), the OAuth2 name. Strict: only the example's (and OAuth2's) spelling; anything
        # else is invalid_request, "grant_type 缺失或错误" (000:280).
        if grant != "client_credentials":
            return JSONResponse({"error": "invalid_request", "error_description": "Missing grant type"},
                                status_code=400)
        # scope may be left out for client credentials (000:238); the example has a space (000:245)
        scope = str(form.get("scope") or "read,write").replace(" ", "")
        if any(s not in ("read", "write") for s in scope.split(",")):
            return JSONResponse({"error": "invalid_scope", "error_description": "Invalid scope"}, status_code=400)
        tok = str(uuid.uuid4())
        self.state.execute("DELETE FROM tokens WHERE client_id=?", (cid,))  # 刷新后前一个 token 自动失效 (000:76)
        self.state.execute("INSERT INTO tokens VALUES (?,?,?)", (tok, cid, time.time() + self.cfg.token_ttl))
        return JSONResponse({"access_token": tok, "token_type": "bearer", "expires_in": int(self.cfg.token_ttl),
                             "scope": scope.split(",")[-1]})

    @staticmethod
    def _need_type(req: Request, *kinds: str) -> None:
        """Each interface prints its Content-Type (e.g. 000:722 JSON, 000:1169 multipart)."""
        ctype = req.headers.get("content-type", "").lower()
        if not any(k in ctype for k in kinds):
            raise Hl95ErrorReply(f"Content-Type {ctype or '(none)'} not supported: {' or '.join(kinds)}")

    async def _json(self, req: Request) -> dict[str, Any]:
        self._need_type(req, "application/json")
        try:
            d = json.loads(await req.body())
        except ValueError:
            raise Hl95ErrorReply("请求格式错误: the body is not JSON") from None
        if not isinstance(d, dict):
            raise Hl95ErrorReply("请求格式错误: a JSON object expected")
        return d

    async def _multipart(self, req: Request) -> Any:
        self._need_type(req, "multipart/form-data")
        form = await req.form()
        for k in set(form.keys()):
            if len(form.getlist(k)) > 1:  # append's example sends "id" twice (000:1545-1548): ambiguous
                raise Hl95ErrorReply(f"参数 {k} 重复")
        return form

    async def project_insert(self, req: Request) -> Response:
        b = await self._json(req)  # Content-Type application/json (000:722)
        pid, name = b.get("projectId"), b.get("projectName")
        if not isinstance(pid, str) or not re.fullmatch(r"[0-9A-Za-z]{6,12}", pid):
            raise Hl95ErrorReply("projectId: 项目标识(6-12 位数字或字母)")  # 000:727
        if not isinstance(name, str) or not name.strip():
            raise Hl95ErrorReply("projectName: 项目名称不能为空")  # 000:728
        long_id = f"PRO_{self.cfg.corp}_{pid}"  # the long form (000:793)
        if self.state.row("SELECT 1 FROM projects WHERE project_id=?", (long_id,)):
            raise Hl95ErrorReply("项目标识已存在")
        self.state.execute("INSERT INTO projects VALUES (?,?,?,?)",
                     (long_id, name, None if b.get("remark") is None else str(b["remark"]), datetime.now().strftime(FMT)))
        return JSONResponse({"code": 0, "message": "成功", "success": True})  # 000:749-757

    @staticmethod
    def _page(req: Request) -> tuple[int, int]:
        """currentPage (default 1) and pageSize (default 10) (000:775-776); an empty value is the
        default (the examples send ``currentPage=&pageSize=``), anything else must be a positive int."""
        out = []
        for k, default in (("currentPage", 1), ("pageSize", 10)):
            v = req.query_params.get(k) or ""
            if not v:
                out.append(default)
                continue
            if not re.fullmatch(r"[0-9]{1,9}", v) or int(v) < 1:
                raise Hl95ErrorReply(f"{k}: 分页参数错误 ({v!r})")
            out.append(int(v))
        return out[0], out[1]

    async def project_search(self, req: Request) -> Response:
        cur, size = self._page(req)
        rows = self.state.rows("SELECT * FROM projects ORDER BY created, project_id")
        if req.query_params.get("projectName"):
            rows = [r for r in rows if req.query_params["projectName"] in r["name"]]
        if req.query_params.get("projectId"):  # 项目标识 (短号) (000:778)
            rows = [r for r in rows if r["project_id"] == f"PRO_{self.cfg.corp}_{req.query_params['projectId']}"]
        page = [{"corpId": self.cfg.corp, "projectId": r["project_id"], "projectName": r["name"], "remark": r["remark"],
                 "createTime": r["created"]} for r in rows[(cur - 1) * size: cur * size]]
        return ok({"pageData": page, "total": len(rows)})

    async def file_upload(self, req: Request) -> Response:
        form = await self._multipart(req)  # multipart/form-data, field fileName (000:954, 000:959)
        f = form.get("fileName")
        if not isinstance(f, UploadFile) or not f.filename:
            raise Hl95ErrorReply("fileName: 文件不能为空")
        self.state.execute("INSERT OR REPLACE INTO files VALUES (?,?,?)",
                     (Path(f.filename).name, await f.read(), datetime.now().strftime(FMT)))
        return JSONResponse({"code": 0, "message": "成功", "success": True})

    async def file_search(self, req: Request) -> Response:
        name = req.query_params.get("fileName", "")
        if not name or "." not in name:  # 是, 文件名(需要带后缀) (000:998)
            raise Hl95ErrorReply("fileName: 文件名需要带后缀")
        row = self.state.row("SELECT name, length(content) AS size, created FROM files WHERE name=?", (name,))
        # the answer's fields as 000:1011-1016 list them. ``size`` is a number as the example prints
        # it (000:1025) although the table says String (000:1012); ``directory`` is listed in the
        # table and printed apart from the example's object (000:1031): the strict reading is one
        # object with every listed field. Upload and modification are one event here.
        data = [] if row is None else [{
            "name": row["name"], "size": row["size"], "lastModified": row["created"],
            "createdDateTime": row["created"],
            "targetURL": f"http://hlmedia:8800/media/{self.cfg.corp}/outAddress/{row['name']}",
            "directory": False}]
        return ok(data)

    @staticmethod
    def _parse_numbers(text: str, *, file: bool) -> list[tuple[str, str]]:
        """mobileAndDes: 号码和随路数据以冒号分隔，多个号码以分号分隔 (000:1181). Number files have no
        documented layout (notes/outbound.md 7.4): one ``mobile``, ``mobile:data`` or ``mobile,data``
        a line, a header line without digits skipped."""
        out = []
        for line in re.split(r"[\r\n]+", text) if file else text.split(";"):
            line = line.strip()
            if not line:
                if not file:
                    raise Hl95ErrorReply("mobileAndDes: 空号码 (';;' or a trailing ';')")
                continue
            mobile, _, des = (line.replace(",", ":", 1) if file else line).partition(":")
            mobile = mobile.strip()
            if not re.fullmatch(r"\+?[0-9*#]{3,24}", mobile):
                if file and not re.search(r"\d", mobile):  # a header line
                    continue
                raise Hl95ErrorReply(f"号码格式错误: {mobile}")
            out.append((mobile, des.strip()))
        return out

    async def _numbers(self, form: Any) -> list[tuple[str, str]]:
        ct = str(form.get("createType") or "")
        if ct == "input":  # mobileAndDes 必填 for input (000:1181)
            nums = self._parse_numbers(str(form.get("mobileAndDes") or ""), file=False) \
                if form.get("mobileAndDes") else []
        elif ct == "remoteFile":  # remoteFileName 必填 for remoteFile (000:1180)
            if not form.get("remoteFileName"):
                raise Hl95ErrorReply("remoteFileName: 来源为现有文件，必填")
            row = self.state.row("SELECT content FROM files WHERE name=?", (str(form.get("remoteFileName")),))
            if row is None:
                raise Hl95ErrorReply("文件不存在")
            nums = self._parse_numbers(bytes(row["content"]).decode("utf-8-sig", "replace"), file=True)
        elif ct == "file":  # importFile 必填 for file (000:1179)
            f = form.get("importFile")
            if not isinstance(f, UploadFile) or not f.filename:
                raise Hl95ErrorReply("importFile: 来源为文件，必填")
            nums = self._parse_numbers((await f.read()).decode("utf-8-sig", "replace"), file=True)
        else:
            raise Hl95ErrorReply("createType: 号码来源错误 (input, file, remoteFile)")  # 000:1178
        if not nums:
            raise Hl95ErrorReply("外呼数据不能为空")
        return nums

    async def task_insert(self, req: Request) -> Response:
        form = await self._multipart(req)  # multipart/form-data (000:1169)
        need = ("outProjectId", "taskId", "name", "createType", "timeFrom", "timeTo", "dataObjId", "callType", "ratio",
                "idleTime")  # the 是 rows of 000:1173-1188
        for k in need:
            if not str(form.get(k) or "").strip():
                raise Hl95ErrorReply(f"{k} 不能为空")
        if self.state.row("SELECT 1 FROM projects WHERE project_id=?", (form["outProjectId"],)) is None:
            raise Hl95ErrorReply("outProjectId: 项目不存在 (长号 PRO_企业标识_短号)")  # 000:1174
        if not re.fullmatch(r"[0-9A-Za-z]{1,16}", str(form["taskId"])):
            raise Hl95ErrorReply("taskId: 任务标识（短号，1-16 位数字或字母）")  # 000:1175
        times = [str(form[k]) for k in ("timeFrom", "timeTo")]
        if not all(re.fullmatch(r"([01][0-9]|2[0-3]):[0-5][0-9]", t) for t in times) or times[0] >= times[1]:
            raise Hl95ErrorReply("timeFrom/timeTo: 任务时段 小时:分钟, 开始早于结束")  # 000:1182-1183
        if not re.fullmatch(rf"OBJ_{re.escape(self.cfg.corp)}_[0-9A-Za-z]+", str(form["dataObjId"])):
            raise Hl95ErrorReply("dataObjId: 工单标识（OBJ_企业标识_工单标识短号）")  # 000:1185
        if str(form["callType"]) not in ("0", "1"):
            raise Hl95ErrorReply("callType: 0 预测拨号；1 精确预览")  # 000:1186
        if str(form["ratio"]) not in ("1", "2", "3", "4", "5"):
            raise Hl95ErrorReply("ratio: 外呼速率(1,2,3,4,5)")  # 000:1187
        if str(form["idleTime"]) not in ("8000", "16000", "24000", "32000", "40000"):
            raise Hl95ErrorReply("idleTime: 二次呼叫间隔 8000，16000，24000，32000，40000")  # 000:1188
        nums = await self._numbers(form)
        long_task = f"{int(self.cfg.corp):012d}{form['taskId']}"  # the long form of 000:1347
        if self.state.row("SELECT 1 FROM tasks WHERE task_id=?", (long_task,)):
            raise Hl95ErrorReply("任务标识已存在")
        iid = self.state.insert("INSERT INTO tasks (task_id, project, name, status, call_type, ratio, idle_time, "
                                "time_from, time_to, created) VALUES (?,?,?,?,?,?,?,?,?,?)",
                                (long_task, form["outProjectId"], form["name"], PLANNED, form["callType"],
                                 form["ratio"], form["idleTime"], times[0], times[1], datetime.now().strftime(FMT)))
        self.state.many("INSERT INTO contacts (task, mobile, des) VALUES (?,?,?)", [(iid, m, d) for m, d in nums])
        return ok({"groupDn": f"1021{iid:05d}", "groupId": str(3000 + iid), "outboundInstanceId": str(iid)})

    def _instance(self, value: Any, field: str = "id") -> Any:
        if value is None or str(value).strip() == "":
            raise Hl95ErrorReply(f"{field} 不能为空")
        row = self.state.row("SELECT * FROM tasks WHERE id=?", (str(value),))
        if row is None:
            raise Hl95ErrorReply(f"{field}: 外呼实例不存在")
        return row

    async def task_append(self, req: Request) -> Response:
        form = await self._multipart(req)  # multipart/form-data (000:1527)
        row = self._instance(form.get("id"))  # id 是 (000:1532)
        if row["status"] in (ENDED, TERMINATED):
            # The seed does not say which states take numbers; an ended or terminated task dials
            # nothing more, so numbers added to it would silently never be called.
            raise Hl95ErrorReply("任务已结束")
        nums = await self._numbers(form)
        self.state.many("INSERT INTO contacts (task, mobile, des) VALUES (?,?,?)", [(row["id"], m, d) for m, d in nums])
        return JSONResponse({"message": "成功", "success": True})  # as printed, without code (000:1563-1566)

    async def _control(self, req: Request, field: str, allowed: tuple[int, ...], to: int, what: str) -> Response:
        b = await self._json(req)  # Content-Type application/json (000:1579)
        row = self._instance(b.get(field), field)
        if row["status"] not in allowed:
            raise Hl95ErrorReply(f"{what}: 任务状态 {row['status']} 不允许此操作")
        self.state.execute("UPDATE tasks SET status=? WHERE id=?", (to, row["id"]))
        return JSONResponse({"code": 0, "message": "成功", "success": True})  # 000:1604-1609

    async def task_start(self, req: Request) -> Response:
        # 启动 (000:1577): a planned or paused task runs
        return await self._control(req, "id", (PLANNED, PAUSED), RUNNING, "startCall")

    async def task_pause(self, req: Request) -> Response:
        return await self._control(req, "id", (RUNNING,), PAUSED, "pauseCall")  # 暂停 (000:1619)

    async def task_stop(self, req: Request) -> Response:
        return await self._control(req, "id", (RUNNING, PAUSED), ENDED, "stopCall")  # 停止 (000:1661)

    async def task_terminate(self, req: Request) -> Response:
        # 终结 (000:1753) takes instanceId, not id (000:1760)
        return await self._control(req, "instanceId", (PLANNED, RUNNING, PAUSED, ENDED), TERMINATED, "changeState")

    async def task_recall(self, req: Request) -> Response:
        """重呼 (000:1707): type 1 拒接, 2 漏接, 3 全部 (000:1715); with nothing to recall the answer
        is printed as ``{"message": "没有可恢复的号码", "success": false}`` (000:1739-1742)."""
        b = await self._json(req)
        row = self._instance(b.get("id"))
        if row["status"] == TERMINATED:
            raise Hl95ErrorReply("recall: 任务已终结")
        states = {"1": (AGENT_REJECTED,), "2": (NO_ANSWER,), "3": (0, AGENT_REJECTED, NO_ANSWER, 8)}.get(str(b.get("type")))
        if states is None:
            raise Hl95ErrorReply("type: 重呼类型（1:拒接,2:漏接,3:全部）")
        n = self.state.execute(f"UPDATE contacts SET call_state={NOT_CONTACTED} WHERE task=? AND call_state IN "
                         f"({','.join(map(str, states))})", (row["id"],))
        if not n:
            return JSONResponse({"message": "没有可恢复的号码", "success": False})
        return JSONResponse({"code": 0, "message": "成功", "success": True})

    async def task_search(self, req: Request) -> Response:
        cur, size = self._page(req)
        rows = self.state.rows("SELECT * FROM tasks ORDER BY id")
        q = req.query_params
        if q.get("taskId"):
            rows = [r for r in rows if r["task_id"].endswith(q["taskId"])]
        if q.get("status"):
            rows = [r for r in rows if str(r["status"]) == q["status"]]
        if q.get("name"):
            rows = [r for r in rows if r["name"] == q["name"]]
        if q.get("callType"):
            rows = [r for r in rows if str(r["call_type"]) == q["callType"]]
        if q.get("outProjectId"):
            rows = [r for r in rows if r["project"] == q["outProjectId"]]
        page = []
        for r in rows[(cur - 1) * size: cur * size]:
            c = self.state.row(f"SELECT COUNT(*) n, SUM(call_state!={NOT_CONTACTED}) called, "
                               f"SUM(call_state={CONTACTED}) touched FROM contacts WHERE task=?", (r["id"],))
            page.append({"id": r["id"], "tenantId": 10211, "userId": 0, "groupId": 3000 + r["id"],
                         "groupDn": f"1021{r['id']:05d}", "name": r["name"], "status": r["status"],
                         "callType": int(r["call_type"]), "callNum": c["called"] or 0, "contactNum": c["n"],
                         "touchNum": c["touched"] or 0, "ratio": r["ratio"], "idleTime": int(r["idle_time"]),
                         "createTime": r["created"], "startTime": None, "endTime": None, "taskId": r["task_id"],
                         "outProjectId": r["project"], "timeFrom": r["time_from"], "timeTo": r["time_to"]})
        return ok({"pageData": page, "total": len(rows)})

    async def contacts(self, req: Request) -> Response:
        cur, size = self._page(req)
        oid = req.query_params.get("outboundId")
        if not oid:
            raise Hl95ErrorReply("outboundId 不能为空")  # 是 (000:2205)
        rows = self.state.rows("SELECT * FROM contacts WHERE task=? ORDER BY id", (oid,))
        page = [shaped(CONTACT_KEYS, id=r["id"], mobile=r["mobile"], mobileDes=r["des"], callState=r["call_state"],
                       outboundId=str(r["task"]), tenantId=10211) for r in rows[(cur - 1) * size: cur * size]]
        return ok({"pageData": page, "total": len(rows)})

    def _history_rows(self, req: Request) -> list[Any]:
        where, args = ["1=1"], []
        for k, op in (("cStartTimeFrom", ">="), ("cStartTimeEnd", "<=")):
            v = req.query_params.get(k)
            if v:
                if not re.fullmatch(r"\d{14}", v):
                    raise Hl95ErrorReply(f"{k} 格式错误 (yyyyMMddHHmmss)")
                where.append(f"start {op} ?")
                args.append(v)
        for k, col in (("customer", "customer"), ("agent", "agent")):
            if req.query_params.get(k):
                where.append(f"{col}=?")
                args.append(req.query_params[k])
        q = req.query_params
        # callType 1-10, callResult 0|2, talksecStart/End (000:2435-2439, 000:2829)
        if q.get("callType"):
            if q["callType"] not in [str(i) for i in range(1, 11)]:
                raise Hl95ErrorReply("callType: 呼叫方式 1-10")
            where.append("call_type=?")
            args.append(int(q["callType"]))
        if q.get("callResult"):
            if q["callResult"] not in ("0", "2"):
                raise Hl95ErrorReply("callResult: 0 未接通;2 已接通")
            where.append("result=?")
            args.append(int(q["callResult"]))
        if q.get("hangupType") and q["hangupType"] not in ("0", "1"):
            raise Hl95ErrorReply("hangupType: 0 座席先挂断;1 客户先挂断")
        for k, op in (("talksecStart", ">="), ("talksecEnd", "<=")):
            if q.get(k):
                if not q[k].isdigit():
                    raise Hl95ErrorReply(f"{k}: 通话时长 (秒)")
                where.append(f"talksec {op} ?")
                args.append(int(q[k]))
        return self.state.rows("SELECT * FROM history WHERE " + " AND ".join(where) + " ORDER BY id", args)

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
        row = self.state.row("SELECT * FROM history WHERE filename=? AND filename!=''", (path,))
        if row is None:
            raise Hl95ErrorReply("录音文件不存在")
        body, media = audio.served(path, row["talksec"], self.cfg.record_format)
        return Response(body, media_type=media)

    def dial(self, instance_id: int, n: int = 10, at: datetime | None = None) -> int:
        """Dials up to *n* numbers of an outbound instance, the calls 40 s apart, the last one
        starting 40 s before *at* (default now). Only a task in 3 执行中 dials, and only inside its
        timeFrom-timeTo window (000:1182-1183, both ends inclusive to the minute): otherwise 0."""
        now = at or datetime.now()
        task = self.state.row("SELECT * FROM tasks WHERE id=?", (instance_id,))
        if task is None or task["status"] != RUNNING or not task["time_from"] <= f"{now:%H:%M}" <= task["time_to"]:
            return 0
        rows = self.state.rows("SELECT * FROM contacts WHERE task=? AND call_state=? ORDER BY id LIMIT ?",
                            (instance_id, NOT_CONTACTED, n))
        for i, r in enumerate(rows):
            h = int(hashlib.sha256(f"{instance_id}/{r['id']}".encode()).hexdigest(), 16)
            ok_ = h % 4 != 0
            start = now - timedelta(seconds=(len(rows) - i) * 40)
            talk = 2 + h % 6 if ok_ else 0
            answer = start + timedelta(seconds=3)
            end = answer + timedelta(seconds=talk)
            sid = str(uuid.UUID(int=h % (1 << 128)))
            fname = f"116/10211/{start:%Y%m%d}/{sid}.wav" if ok_ else ""
            self.state.execute("UPDATE contacts SET call_state=? WHERE id=?", (CONTACTED if ok_ else NO_ANSWER, r["id"]))
            self.state.execute("INSERT INTO history (customer, agent, start, answer, end_time, talksec, result, filename, "
                         "call_type, sid) VALUES (?,?,?,?,?,?,?,?,?,?)",
                         (r["mobile"], "102111008", start.strftime(FMT), answer.strftime(FMT) if ok_ else None,
                          end.strftime(FMT), talk, 2 if ok_ else 0, fname, 8, sid))
        return len(rows)


class Hl95Sandbox(SandboxServer):
    """In-process 九五云客服 sandbox on a loopback port."""

    app: Hl95App
    app_class = Hl95App
    config_class = Hl95Config

    @property
    def client_id(self) -> str:
        return next(iter(self.app.cfg.clients))

    @property
    def client_secret(self) -> str:
        return self.app.cfg.clients[self.client_id]

    def dial(self, instance_id: int | str, n: int = 10, at: datetime | None = None) -> int:
        return self.app.dial(int(instance_id), n, at)
