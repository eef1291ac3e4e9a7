"""八百呼 sandbox (seed 004): ``/voip/api/jsondata.html`` (GET or POST, query or form parameters)
checking ``sa_user``/``sa_password`` (-2 验证错误), methods addTask, findTaskMx, addBlacklists,
delBlacklists, getBlacklists, findDialrecord; recordings at ``/voip/record/{cdrRecordFile}`` (A-law
WAV; ``record_format`` for others) and ``/voip/api/client/download/record.json?id=&ismp3=1`` (MP3, encoded by the codec engine's LAME). State in
SQLite. Blacklisted numbers are never dialled (the seed does not say how the two interact).

Strict twin of the seed (each rule cites its line): credentials exactly as issued (-2 验证错误), a
parameter given twice refused, addTask's required fields, formats and references (cflName and
wotName must name a flow / work order the platform has: -11 数据不存在), tasks belong to the flow of
their cflName and findTaskMx lists a flow's tasks only, only automatic tasks (addType 1/3) are dialled
and not before their sendTime, blacklist add/delete of numbers already in / not in the list refused
(-10 / -11), findDialrecord's filters and formats, and each method's answer shape as printed.
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
CREATE TABLE IF NOT EXISTS tasks (id INTEGER PRIMARY KEY AUTOINCREMENT, name TEXT, add_type INTEGER, flow INTEGER,
    created TEXT, send_time TEXT);
CREATE TABLE IF NOT EXISTS details (id INTEGER PRIMARY KEY AUTOINCREMENT, task INTEGER, phone TEXT, key TEXT,
    memo TEXT, status INTEGER DEFAULT 0, call_time TEXT, end_time TEXT, talk INTEGER, wav TEXT);
CREATE TABLE IF NOT EXISTS blacklist (phone TEXT PRIMARY KEY);
CREATE TABLE IF NOT EXISTS cdrs (id INTEGER PRIMARY KEY, extension TEXT, phone TEXT, start_time TEXT,
    hangup_time TEXT, talk INTEGER, peer INTEGER, record_file TEXT);
"""
FLOW_ID = 100355
# every field of the seed's samples, so answers have the seed's shapes (unsimulated fields empty)
TASK_DETAIL_KEYS = (  # findTaskMx JSON sample, 004:1115-1117
    "cnrReasonType", "ctdBeginTime", "ctdCallTalktimes", "ctdCallTime", "ctdEndTime", "ctdExtension", "ctdId",
    "ctdKey", "ctdPhone", "ctdPhoneName", "ctdReNum", "ctdResultCode", "ctdResultJson", "ctdResultValue",
    "ctdSipRound", "ctdSmsSendStatus", "ctdStatus", "ctdSuccessTime", "ctdText", "ctdTimes", "ctdTransferEndTime",
    "ctdTransferPhone", "ctdTransferSuccessTime", "ctdTransferTimes", "ctdType", "ctdWavFile", "ctdWavPaths",
    "ctdWheelSum", "ctd_ResultText", "ctd_all_word", "ctd_ctkId", "ctd_timeArea", "ctd_word", "ctd_wordSum",
    "ctkName", "exteName")
DIALRECORD_KEYS = (  # findDialrecord output table, 004:624-646
    "cdrCalledName", "cdrExtensionIp", "cdrHangupTime", "cdrPhonePort", "cdrStartTime", "cdrId", "cdrExtension",
    "cdrIVR", "cdrTalktime", "cdrChargingTimes", "cdrLastPhoneNum", "cdrPeer", "exteName", "cdrHangupReasonText",
    "cdrPhoneNum", "cdrPhoneIp", "cdrHangupReasonCode", "cdrTrunkRoute", "cdrCmmId", "cdrExtensionPort", "cdrIVRKey",
    "cdrRecordFile")


def shaped(keys: tuple[str, ...], **values: Any) -> dict[str, Any]:
    return {**dict.fromkeys(keys, ""), **values}


class BabaihuErrorReply(Exception):
    """An error the sandbox answers with: 八百呼's ``code`` and ``message``."""

    def __init__(self, code: int, message: str) -> None:
        super().__init__(message)
        self.code, self.message = code, message


# Parameter errors: addTask's own table says "0 为成功,大于 0 表示失败" (004:1091) while the code
# table lists only negative codes (004:129-142). addTask answers 1 (its table); every other method
# answers -3 方法内部错误 (004:134), the table's code for a failure inside a method.
ADDTASK_BAD = 1
BAD, AUTH, EXISTS, MISSING = -3, -2, -10, -11
TIME_FMT = "%Y-%m-%d %H:%M:%S"  # "Yyyy-mm-dd hh:nn:ss 如：2014-02-21 00:00:00" (004:610-613), sendTime 004:1068


def _time(value: str, name: str, code: int = BAD) -> datetime:
    try:
        return datetime.strptime(value, TIME_FMT)
    except ValueError:
        raise BabaihuErrorReply(code, f"{name}: 时间格式 yyyy-MM-dd HH:mm:ss ({value!r})") from None


def _int(p: dict[str, str], name: str, default: int | None, lo: int = 0, code: int = BAD) -> int:
    v = p.get(name, "")
    if v == "":
        if default is None:
            raise BabaihuErrorReply(code, f"{name} 不能为空")
        return default
    if not re.fullmatch(r"-?[0-9]{1,12}", v) or int(v) < lo:
        raise BabaihuErrorReply(code, f"{name}: 需要整数 >= {lo} ({v!r})")
    return int(v)


@dataclass
class BabaihuConfig:
    # the seed's test account: user 100008800 with the 32-hex sa_password of its example (004:114-120)
    accounts: dict[str, str] = field(default_factory=lambda: {"100008800": "92868F142BE5DD78DD0ACF4370B4EB94"})
    extension: str = "100001800"  # allotExte/attriExte example (004:1071-1072)
    # call flows by id: cfId 100355 from the wfPath example (004:1048), cflName 外呼流程 from addTask's (004:1067)
    flows: dict[int, str] = field(default_factory=lambda: {FLOW_ID: "外呼流程"})
    work_orders: tuple[str, ...] = ("售后工单",)  # wotName example (004:1073)
    # findDialrecord's total: "recordTotal" in 2.4.1 (004:622), "total" in 2.7.1 (004:906)
    dialrecord_total_key: str = "recordTotal"
    record_format: str = "alaw"  # what /voip/record/ serves: sandbox.audio.SERVED_FORMATS


class BabaihuApp:
    def __init__(self, state_dir: str | Path | None = None, config: BabaihuConfig | None = None,
                 faults: Faults | str | None = None) -> None:
        self.cfg = config or BabaihuConfig()
        self.state = State(state_dir, "babaihu", SCHEMA)
        faults = faults if isinstance(faults, Faults) else Faults.parse(faults)
        self.starlette = Starlette(routes=[
            Route("/voip/api/jsondata.html", self.api, methods=["GET", "POST"]),
            Route("/voip/record/{path:path}", self.record, methods=["GET"]),
            Route("/voip/api/client/download/record.json", self.record_mp3, methods=["GET", "POST"]),
        ])
        self.faults = FaultMiddleware(self.starlette, faults, lambda scope: (429, {"code": -12,
                                                                                   "message": "请求太频繁"}))
        self.app = self.faults

    async def _params(self, req: Request) -> dict[str, str]:
        """Parameters from the query string and the body, urlencoded or multipart (004:106-108). A
        name given twice (in either, or in both) is ambiguous: which value the platform reads is not
        documented, so it is refused."""
        pairs = list(req.query_params.multi_items())
        if req.method == "POST":
            form = await req.form()
            pairs += [(k, v) for k, v in form.multi_items() if isinstance(v, str)]
        params: dict[str, str] = {}
        for k, v in pairs:
            if k in params:
                raise BabaihuErrorReply(AUTH if k in ("sa_user", "sa_password") else BAD, f"参数 {k} 重复")
            params[k] = v
        return params

    def _auth(self, p: dict[str, str]) -> None:
        # sa_user, sa_password (32 位 MD5 码) both Y (004:125-126); the value compared as issued:
        # both seed examples are uppercase (004:120, 004:676) and the seed never says case is folded
        want = self.cfg.accounts.get(p.get("sa_user", ""))
        got = p.get("sa_password", "")
        if want is None or not re.fullmatch(r"[0-9A-Fa-f]{32}", got) or got != want:
            raise BabaihuErrorReply(AUTH, "验证错误")  # -2 验证错误 (004:133); one answer whatever was wrong

    async def api(self, req: Request) -> Response:
        try:
            p = await self._params(req)
            self._auth(p)
            if not p.get("method"):
                raise BabaihuErrorReply(BAD, "method 不能为空")  # method Y (004:127)
            fn = getattr(self, "m_" + p["method"], None)
            if fn is None:
                raise BabaihuErrorReply(BAD, f"方法内部错误: unknown method {p['method']!r}")
            return JSONResponse(fn(p))
        except BabaihuErrorReply as e:
            return JSONResponse({"code": e.code, "message": e.message})

    def m_getExtension(self, p: dict[str, str]) -> dict[str, Any]:
        """登录 (004:147-164): the account's extension."""
        return {"code": 0, "message": "", "exteId": 1, "name": p["sa_user"], "extension": self.cfg.extension,
                "compNumber": p["sa_user"][:6], "compName": "sandbox", "disablePhoneNum": 0, "exteLoginType": 0}

    def m_findCallFlow(self, p: dict[str, str]) -> dict[str, Any]:
        """查找任务流程信息 (004:1031-1048): callflow[] with cfId and cfName."""
        return {"code": 0, "message": "", "callflow": [
            {"cfId": fid, "cfName": name, "ctkName": "", "compGroupCallTimes": 30,
             "cfIsend_wfPath": f"{fid}/366304549136128.wav", "cfItransferMode": 1, "cfItransferTimes": 0,
             "cfIIsRecord": 2, "cfISendInterval": 0, "cfISmsStatus": 0, "cfISmsTims": 0, "cfISmsContent": ""}
            for fid, name in sorted(self.cfg.flows.items())]}

    @staticmethod
    def _phones(p: dict[str, str]) -> list[str]:
        # phones Y, "13002300000, 13002300001": 电话号码, 用逗号分隔 (004:521, 004:534)
        raw = p.get("phones", "")
        if not raw.strip():
            raise BabaihuErrorReply(BAD, "phones 不能为空")
        phones = [x.strip() for x in raw.split(",")]
        for x in phones:
            if not re.fullmatch(r"\+?[0-9]{3,20}", x):
                raise BabaihuErrorReply(BAD, f"phones: 号码格式错误 ({x!r})")
        return phones

    def m_addBlacklists(self, p: dict[str, str]) -> dict[str, Any]:
        phones = self._phones(p)
        marks = ",".join("?" * len(phones))
        # The seed is silent on adding a number already listed; strict: -10 数据已经存在 (004:137)
        if self.state.rows(f"SELECT 1 FROM blacklist WHERE phone IN ({marks})", phones) or len(set(phones)) < len(phones):
            raise BabaihuErrorReply(EXISTS, "数据已经存在")
        self.state.many("INSERT INTO blacklist VALUES (?)", [(x,) for x in phones])
        return {"code": 0, "message": ""}

    def m_delBlacklists(self, p: dict[str, str]) -> dict[str, Any]:
        phones = self._phones(p)
        marks = ",".join("?" * len(phones))
        have = {r["phone"] for r in self.state.rows(f"SELECT phone FROM blacklist WHERE phone IN ({marks})", phones)}
        # silent on deleting a number not listed; strict: -11 数据不存在 (004:138), nothing deleted
        if set(phones) - have:
            raise BabaihuErrorReply(MISSING, f"数据不存在: {sorted(set(phones) - have)[0]}")
        self.state.many("DELETE FROM blacklist WHERE phone=?", [(x,) for x in phones])
        return {"code": 0, "message": ""}

    def m_getBlacklists(self, p: dict[str, str]) -> dict[str, Any]:
        return {"code": 0, "message": "",
                "blaPhone": ",".join(r["phone"] for r in self.state.rows("SELECT phone FROM blacklist ORDER BY phone"))}

    def m_addTask(self, p: dict[str, str]) -> dict[str, Any]:
        for k in ("data", "addType", "name"):  # 是 (004:1062-1066)
            if not p.get(k, "").strip():
                raise BabaihuErrorReply(ADDTASK_BAD, f"{k} 不能为空")
        try:
            data = json.loads(p["data"])
        except ValueError:
            raise BabaihuErrorReply(ADDTASK_BAD, "data: 不是合法的 JSON") from None
        if p["addType"] not in ("1", "2", "3", "4"):  # 004:1063-1065
            raise BabaihuErrorReply(ADDTASK_BAD, "addType: 1 自动拨号,2 手工拨号,3 工单自动拨号,4 工单手工拨号")
        add_type = int(p["addType"])
        if not isinstance(data, list) or not data:
            raise BabaihuErrorReply(ADDTASK_BAD, "data: 任务 json 数组 [{},{}...]")  # 004:1062
        flow = None
        if add_type in (1, 3) or p.get("cflName"):
            if not p.get("cflName"):
                raise BabaihuErrorReply(ADDTASK_BAD, "cflName: 自动拨号必填")  # 004:1067
            flow = next((fid for fid, name in self.cfg.flows.items() if name == p["cflName"]), None)
            if flow is None:
                raise BabaihuErrorReply(MISSING, f"数据不存在: cflName {p['cflName']!r}")  # a flow the platform lacks
        if add_type in (3, 4) or p.get("wotName"):
            if not p.get("wotName"):
                raise BabaihuErrorReply(ADDTASK_BAD, "wotName: 工单任务必填")  # 004:1073
            if p["wotName"] not in self.cfg.work_orders:
                raise BabaihuErrorReply(MISSING, f"数据不存在: wotName {p['wotName']!r}")
        send_time = _time(p["sendTime"], "sendTime", ADDTASK_BAD) if p.get("sendTime") else datetime.now()
        if p.get("repeatSend", "") not in ("", "0", "1"):
            raise BabaihuErrorReply(ADDTASK_BAD, "repeatSend: 1 是,0 否")  # 004:1069
        _int(p, "sendInterval", 0, code=ADDTASK_BAD)  # 004:1070
        for k in ("allotExte", "attriExte"):  # 坐席号, 多个用逗号分隔 (004:1071-1072)
            for ext in (x.strip() for x in p.get(k, "").split(",") if p.get(k)):
                if ext != self.cfg.extension:
                    raise BabaihuErrorReply(MISSING, f"数据不存在: {k} {ext!r}")
        rows = []
        for i, d in enumerate(data):
            if not isinstance(d, dict):
                raise BabaihuErrorReply(ADDTASK_BAD, f"data[{i}]: 需要 JSON 对象")
            phone = d.get("phone")
            if not isinstance(phone, str) or not phone.strip():  # phone 字符串 是 (004:1078)
                raise BabaihuErrorReply(ADDTASK_BAD, f"data[{i}].phone: 字符串, 不能为空")
            for k, v in d.items():  # phone, key, memo, woOther1..N (004:1077-1085)
                if k not in ("phone", "key", "memo") and not re.fullmatch(r"woOther[1-9][0-9]*", str(k)):
                    raise BabaihuErrorReply(ADDTASK_BAD, f"data[{i}]: 未知字段 {k!r}")
                if not isinstance(v, str):
                    raise BabaihuErrorReply(ADDTASK_BAD, f"data[{i}].{k}: 字符串")
            if "#" in d.get("memo", ""):
                raise BabaihuErrorReply(ADDTASK_BAD, f"data[{i}].memo: 文字转语音注意不要具有#号")  # 004:1080
            rows.append((phone.strip(), d.get("key"), d.get("memo")))
        tid = self.state.insert("INSERT INTO tasks (name, add_type, flow, created, send_time) VALUES (?,?,?,?,?)",
                                (p["name"], add_type, flow, datetime.now().strftime(TIME_FMT),
                                 send_time.strftime(TIME_FMT)))
        self.state.many("INSERT INTO details (task, phone, key, memo) VALUES (?,?,?,?)", [(tid, *r) for r in rows])
        return {"code": 0, "message": "", "id": tid}  # code, message, id (004:1091-1093)

    def m_findTaskMx(self, p: dict[str, str]) -> dict[str, Any]:
        if not p.get("cflId"):
            raise BabaihuErrorReply(BAD, "cflId 不能为空")  # Y (004:1100)
        if not p["cflId"].isdigit() or int(p["cflId"]) not in self.cfg.flows:
            raise BabaihuErrorReply(MISSING, f"数据不存在: cflId {p['cflId']!r}")
        # start and limit are Y with defaults 0 and 25 (004:1107-1108); strict: required
        start, limit = _int(p, "start", None), _int(p, "limit", None, lo=1)
        where, args = ["t.flow=?"], [int(p["cflId"])]
        if p.get("ctkId"):
            where.append("d.task=?")
            args.append(p["ctkId"])
        t = p.get("type", "") or "0"
        if t not in ("0", "1", "2"):
            raise BabaihuErrorReply(BAD, "type: 0 全部, 1 未开始, 2 已完成")  # 004:1101
        if t == "1":
            where.append("d.status=0")
        elif t == "2":
            where.append("d.status IN (3,4,5)")
        if p.get("ctkName"):  # 任务名称模糊查询 (004:1104)
            where.append("t.name LIKE ?")
            args.append(f"%{p['ctkName']}%")
        for k, op in (("startTime", ">="), ("endTime", "<=")):  # startTime<=创建时间<=endTime (004:1105)
            if p.get(k):
                where.append(f"t.created {op} ?")
                args.append(_time(p[k], k).strftime(TIME_FMT))
        w = " AND ".join(where)
        cnt = self.state.row(f"SELECT COUNT(*) n FROM details d JOIN tasks t ON t.id=d.task WHERE {w}", args)["n"]
        rows = self.state.rows(f"SELECT d.*, t.name FROM details d JOIN tasks t ON t.id=d.task WHERE {w} "
                            "ORDER BY d.id LIMIT ? OFFSET ?", (*args, limit, start))
        data = [shaped(TASK_DETAIL_KEYS, ctdId=str(r["id"]), ctd_ctkId=str(r["task"]), ctkName=r["name"],
                       ctdPhone=r["phone"], ctdKey=r["key"] or "", ctdStatus=r["status"],
                       ctdCallTime=r["call_time"] or "", ctdEndTime=r["end_time"] or "", ctdTimes=r["talk"] or 0,
                       ctdWavFile=r["wav"] or "", ctdText=r["memo"] or "", ctdReNum=1 if r["status"] else 0)
                for r in rows]
        groups = self.state.rows("SELECT task, status, COUNT(*) n FROM details d JOIN tasks t ON t.id=d.task "
                              "WHERE t.flow=? GROUP BY task, status", (int(p["cflId"]),))
        # the JSON sample's keys (004:1115-1117) and the table's groupData[] (004:1118-1121)
        return {"code": 0, "data": data, "count": cnt,
                "groupData": [{"ctkId": str(g["task"]), "ctdStatus": g["status"], "num": g["n"]} for g in groups]}

    def m_findDialrecord(self, p: dict[str, str]) -> dict[str, Any]:
        where, args = ["1=1"], []
        if p.get("extension"):  # 多个分机号用“,”号分隔 (004:606)
            exts = [e.strip() for e in p["extension"].split(",")]
            where.append(f"extension IN ({','.join('?' * len(exts))})")
            args += exts
        if p.get("phoneNum"):
            where.append("phone=?")
            args.append(p["phoneNum"])
        if p.get("talktime", "") != "":  # talktimeSql 0 大于 1 小于, with talktime in s (004:608-609)
            sql = p.get("talktimeSql", "")
            if sql not in ("0", "1"):
                raise BabaihuErrorReply(BAD, "talktimeSql: 0 大于 1 小于")
            where.append("talk > ?" if sql == "0" else "talk < ?")
            args.append(_int(p, "talktime", None))
        # 2.4.1 spells startTime (004:610), 2.7.1 statrTime (004:895): the first, with endTime
        for k, op in (("startTime", ">="), ("endTime", "<=")):
            if p.get(k):
                where.append(f"start_time {op} ?")
                args.append(_time(p[k], k).strftime(TIME_FMT))
        if p.get("cdrPeer"):
            if p["cdrPeer"] not in ("1", "2", "3", "4", "5"):  # 004:614, 004:897
                raise BabaihuErrorReply(BAD, "cdrPeer: 1 呼出 2 呼入 3 外呼呼出 4 外呼接听 5 语音留言")
            where.append("peer=?")
            args.append(int(p["cdrPeer"]))
        if p.get("scdrId"):  # 通话记录 ID (004:615)
            where.append("id=?")
            args.append(_int(p, "scdrId", None))
        start, limit = _int(p, "start", 0), _int(p, "limit", 20, lo=1)  # 开始行：0, 默认：20 (004:616-617)
        w = " AND ".join(where)
        total = self.state.row(f"SELECT COUNT(*) n FROM cdrs WHERE {w}", args)["n"]
        rows = self.state.rows(f"SELECT * FROM cdrs WHERE {w} ORDER BY id LIMIT ? OFFSET ?", (*args, limit, start))
        out = [shaped(DIALRECORD_KEYS, cdrId=str(r["id"]), cdrExtension=r["extension"], cdrPhoneNum=r["phone"],
                      cdrLastPhoneNum=r["phone"].lstrip("0"), cdrStartTime=r["start_time"],
                      cdrHangupTime=r["hangup_time"], cdrTalktime=r["talk"], cdrPeer=r["peer"],
                      cdrRecordFile=r["record_file"], cdrCmmId=str(r["id"]),
                      cdrChargingTimes=(r["talk"] + 59) // 60) for r in rows]
        # the output table documents success, the total and rows, no code (004:620-650, 004:902-906)
        return {"success": True, self.cfg.dialrecord_total_key: total, "rows": out}

    def _cdr(self, cdr_id: str) -> Any:
        return self.state.row("SELECT * FROM cdrs WHERE id=?", (cdr_id,))

    async def record(self, req: Request) -> Response:
        row = self.state.row("SELECT * FROM cdrs WHERE record_file=?", (req.path_params["path"],))
        if row is None or not row["record_file"]:
            return Response(b"<html><body>404</body></html>", status_code=404, media_type="text/html")
        body, media = audio.served(row["record_file"], row["talk"], self.cfg.record_format)
        return Response(body, media_type=media)

    async def record_mp3(self, req: Request) -> Response:
        p = dict(req.query_params)
        row = self._cdr(p.get("id", ""))
        if row is None or not row["record_file"]:
            return JSONResponse({"code": -11, "message": "数据不存在"})
        wav = audio.alaw_wav(audio.v3_bytes(row["record_file"], row["talk"]))
        if p.get("ismp3") != "1":
            return Response(wav, media_type="audio/x-wav")
        pcm = audio.alaw2lin(audio.v3_bytes(row["record_file"], row["talk"]))
        return Response(audio.mp3(pcm, 8000, bitrate=32), media_type="audio/mpeg")

    def dial(self, task: int, n: int = 10, at: datetime | None = None, by_agent: bool = False) -> int:
        """Dials up to *n* not-yet-called numbers of a task (blacklisted numbers are skipped), the
        calls 45 s apart, the last one starting 45 s before *at* (default now). The platform's
        dialler calls only automatic tasks (addType 1 or 3; 2 and 4 are dialled by hand, 004:1063)
        and not before their sendTime (发送时间, 004:1068): otherwise 0. *by_agent* simulates agents
        working a manual task."""
        t = self.state.row("SELECT * FROM tasks WHERE id=?", (task,))
        when = at or datetime.now()
        if t is None or (t["add_type"] in (2, 4) and not by_agent) or (t["send_time"] or "") > f"{when:%Y-%m-%d %H:%M:%S}":
            return 0
        rows = self.state.rows("SELECT * FROM details WHERE task=? AND status=0 AND phone NOT IN "
                            "(SELECT phone FROM blacklist) ORDER BY id LIMIT ?", (task, n))
        now = at or datetime.now()
        for i, r in enumerate(rows):
            h = int(hashlib.sha256(f"{task}/{r['id']}".encode()).hexdigest(), 16)
            ok = h % 4 != 0
            start = now - timedelta(seconds=(len(rows) - i) * 45)
            talk = 2 + h % 6 if ok else 0
            end = start + timedelta(seconds=talk)
            fmt = "%Y-%m-%d %H:%M:%S"
            wav = (f"{start:%Y%m}/{start:%d}/{r['phone']}-0{r['phone']}-{start:%Y%m%d%H%M}-{r['id']}.wav"
                   if ok else "")
            cdr_id = int(time.time() * 1000) * 1000 + r["id"] % 1000
            self.state.execute("UPDATE details SET status=?, call_time=?, end_time=?, talk=?, wav=? WHERE id=?",
                         (4 if ok else 3, start.strftime(fmt), end.strftime(fmt), talk, wav, r["id"]))
            self.state.execute("INSERT INTO cdrs VALUES (?,?,?,?,?,?,?,?)",
                         (cdr_id, self.cfg.extension, r["phone"], start.strftime(fmt), end.strftime(fmt), talk, 1,
                          wav))
        pushes.babaihu_after_dial(self, task, [r["id"] for r in rows])  # 2.10.4 pushes, when a URL is set
        return len(rows)


class BabaihuSandbox(SandboxServer):
    """In-process 八百呼 sandbox on a loopback port."""

    app: BabaihuApp
    app_class = BabaihuApp
    config_class = BabaihuConfig

    @property
    def user(self) -> str:
        return next(iter(self.app.cfg.accounts))

    @property
    def password(self) -> str:
        return self.app.cfg.accounts[self.user]

    flow_id = FLOW_ID

    def dial(self, task: int | str, n: int = 10, at: datetime | None = None, by_agent: bool = False) -> int:
        return self.app.dial(int(task), n, at, by_agent)

    @property
    def flow_name(self) -> str:
        """The name of the flow ``flow_id`` (addTask's cflName)."""
        return self.app.cfg.flows[FLOW_ID]
