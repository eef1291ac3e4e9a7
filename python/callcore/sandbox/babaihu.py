"""八百呼 sandbox (seed 004): ``/voip/api/jsondata.html`` (GET or POST, query or form parameters)
checking ``sa_user``/``sa_password`` (-2 验证错误), methods addTask, findTaskMx, addBlacklists,
delBlacklists, getBlacklists, findDialrecord; recordings at ``/voip/record/{cdrRecordFile}`` (A-law
WAV; ``record_format`` for others) and ``/voip/api/client/download/record.json?id=&ismp3=1`` (MP3, encoded by the codec engine's LAME). State in
SQLite. Blacklisted numbers are never dialled (the seed does not say how the two interact).
"""
from __future__ import annotations

import hashlib
import json
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
CREATE TABLE IF NOT EXISTS tasks (id INTEGER PRIMARY KEY AUTOINCREMENT, name TEXT, add_type INTEGER, flow TEXT,
    created TEXT);
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
    return {**dict.fromkeys(keys, ""), **values}  # the flow the sandbox knows (004:1048 uses 100355 in a prompt path)


class BhErr(Exception):
    def __init__(self, code: int, message: str) -> None:
        super().__init__(message)
        self.code, self.message = code, message


@dataclass
class BabaihuConfig:
    accounts: dict[str, str] = field(default_factory=lambda: {"100008800": "92868F142BE5DD78DD0ACF4370B4EB94"})
    extension: str = "100001800"
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
        params = dict(req.query_params)
        if req.method == "POST":
            form = await req.form()
            params.update({k: v for k, v in form.items() if isinstance(v, str)})
        return params

    def _auth(self, p: dict[str, str]) -> None:
        want = self.cfg.accounts.get(p.get("sa_user", ""))
        if want is None or want.upper() != p.get("sa_password", "").upper():
            raise BhErr(-2, "用户名密码错误")

    async def api(self, req: Request) -> Response:
        try:
            p = await self._params(req)
            self._auth(p)
            fn = getattr(self, "m_" + p.get("method", ""), None)
            if fn is None:
                raise BhErr(-3, f"方法内部错误: unknown method {p.get('method')!r}")
            return JSONResponse({"code": 0, "message": "", **fn(p)})
        except BhErr as e:
            return JSONResponse({"code": e.code, "message": e.message})

    @staticmethod
    def _phones(p: dict[str, str]) -> list[str]:
        raw = p.get("phones", "")
        phones = [x.strip() for x in raw.split(",") if x.strip()]
        if not phones:
            raise BhErr(-11, "数据不存在: phones")
        return phones

    def m_addBlacklists(self, p: dict[str, str]) -> dict[str, Any]:
        phones = self._phones(p)
        marks = ",".join("?" * len(phones))
        if self.state.q(f"SELECT 1 FROM blacklist WHERE phone IN ({marks})", phones):
            raise BhErr(-10, "数据已经存在")
        self.state.many("INSERT OR IGNORE INTO blacklist VALUES (?)", [(x,) for x in phones])
        return {}

    def m_delBlacklists(self, p: dict[str, str]) -> dict[str, Any]:
        phones = self._phones(p)
        self.state.many("DELETE FROM blacklist WHERE phone=?", [(x,) for x in phones])
        return {}

    def m_getBlacklists(self, p: dict[str, str]) -> dict[str, Any]:
        return {"blaPhone": ",".join(r["phone"] for r in self.state.q("SELECT phone FROM blacklist ORDER BY phone"))}

    def m_addTask(self, p: dict[str, str]) -> dict[str, Any]:
        for k in ("data", "addType", "name"):
            if not p.get(k):
                raise BhErr(1, f"{k} 不能为空")
        try:
            data = json.loads(p["data"])
            add_type = int(p["addType"])
        except ValueError:
            raise BhErr(1, "参数格式错误: data/addType") from None
        if add_type not in (1, 2, 3, 4) or not isinstance(data, list) or not data:
            raise BhErr(1, "参数错误: addType/data")
        if add_type in (1, 3) and not p.get("cflName"):
            raise BhErr(1, "自动拨号必填 cflName")
        if add_type in (3, 4) and not p.get("wotName"):
            raise BhErr(1, "工单任务必填 wotName")
        rows = []
        for d in data:
            if not isinstance(d, dict) or not str(d.get("phone") or "").strip():
                raise BhErr(1, "phone 不能为空")
            if "#" in str(d.get("memo") or ""):
                raise BhErr(1, "memo 不能含有 #")
            rows.append((str(d["phone"]).strip(), d.get("key"), d.get("memo")))
        tid = self.state.insert("INSERT INTO tasks (name, add_type, flow, created) VALUES (?,?,?,?)",
                                (p["name"], add_type, p.get("cflName"), datetime.now().strftime("%Y-%m-%d %H:%M:%S")))
        self.state.many("INSERT INTO details (task, phone, key, memo) VALUES (?,?,?,?)", [(tid, *r) for r in rows])
        return {"id": tid}

    def m_findTaskMx(self, p: dict[str, str]) -> dict[str, Any]:
        if not p.get("cflId"):
            raise BhErr(-11, "cflId 不能为空")
        where, args = ["1=1"], []
        if p.get("ctkId"):
            where.append("d.task=?")
            args.append(p["ctkId"])
        t = p.get("type", "0")
        if t == "1":
            where.append("d.status=0")
        elif t == "2":
            where.append("d.status!=0")
        start, limit = int(p.get("start", 0) or 0), int(p.get("limit", 25) or 25)
        cnt = self.state.one("SELECT COUNT(*) n FROM details d WHERE " + " AND ".join(where), args)["n"]
        rows = self.state.q("SELECT d.*, t.name FROM details d JOIN tasks t ON t.id=d.task WHERE "
                            + " AND ".join(where) + " ORDER BY d.id LIMIT ? OFFSET ?", (*args, limit, start))
        data = [shaped(TASK_DETAIL_KEYS, ctdId=str(r["id"]), ctd_ctkId=str(r["task"]), ctkName=r["name"],
                       ctdPhone=r["phone"], ctdKey=r["key"] or "", ctdStatus=r["status"],
                       ctdCallTime=r["call_time"] or "", ctdEndTime=r["end_time"] or "", ctdTimes=r["talk"] or 0,
                       ctdWavFile=r["wav"] or "", ctdText=r["memo"] or "", ctdReNum=1 if r["status"] else 0)
                for r in rows]
        groups = self.state.q("SELECT task, status, COUNT(*) n FROM details GROUP BY task, status")
        return {"data": data, "count": cnt,
                "groupData": [{"ctkId": str(g["task"]), "ctdStatus": g["status"], "num": g["n"]} for g in groups]}

    def m_findDialrecord(self, p: dict[str, str]) -> dict[str, Any]:
        where, args = ["1=1"], []
        if p.get("extension"):
            exts = [e.strip() for e in p["extension"].split(",")]
            where.append(f"extension IN ({','.join('?' * len(exts))})")
            args += exts
        if p.get("phoneNum"):
            where.append("phone=?")
            args.append(p["phoneNum"])
        for k, op in (("startTime", ">="), ("endTime", "<=")):
            if p.get(k):
                where.append(f"start_time {op} ?")
                args.append(p[k])
        if p.get("cdrPeer"):
            where.append("peer=?")
            args.append(int(p["cdrPeer"]))
        start, limit = int(p.get("start", 0) or 0), int(p.get("limit", 20) or 20)
        total = self.state.one("SELECT COUNT(*) n FROM cdrs WHERE " + " AND ".join(where), args)["n"]
        rows = self.state.q("SELECT * FROM cdrs WHERE " + " AND ".join(where) + " ORDER BY id LIMIT ? OFFSET ?",
                            (*args, limit, start))
        out = [shaped(DIALRECORD_KEYS, cdrId=str(r["id"]), cdrExtension=r["extension"], cdrPhoneNum=r["phone"],
                      cdrLastPhoneNum=r["phone"].lstrip("0"), cdrStartTime=r["start_time"],
                      cdrHangupTime=r["hangup_time"], cdrTalktime=r["talk"], cdrPeer=r["peer"],
                      cdrRecordFile=r["record_file"], cdrCmmId=str(r["id"]),
                      cdrChargingTimes=(r["talk"] + 59) // 60) for r in rows]
        # findDialrecord's output table documents success/recordTotal/rows (004:620-650)
        return {"success": True, "recordTotal": total, "rows": out}

    def _cdr(self, cdr_id: str) -> Any:
        return self.state.one("SELECT * FROM cdrs WHERE id=?", (cdr_id,))

    async def record(self, req: Request) -> Response:
        row = self.state.one("SELECT * FROM cdrs WHERE record_file=?", (req.path_params["path"],))
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

    def dial(self, task: int, n: int = 10, at: datetime | None = None) -> int:
        """Dials up to *n* not-yet-called numbers of a task (blacklisted numbers are skipped), the
        calls 45 s apart, the last one starting 45 s before *at* (default now)."""
        rows = self.state.q("SELECT * FROM details WHERE task=? AND status=0 AND phone NOT IN "
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
            self.state.x("UPDATE details SET status=?, call_time=?, end_time=?, talk=?, wav=? WHERE id=?",
                         (4 if ok else 3, start.strftime(fmt), end.strftime(fmt), talk, wav, r["id"]))
            self.state.x("INSERT INTO cdrs VALUES (?,?,?,?,?,?,?,?)",
                         (cdr_id, self.cfg.extension, r["phone"], start.strftime(fmt), end.strftime(fmt), talk, 1,
                          wav))
        return len(rows)


class BabaihuSandbox:
    """In-process 八百呼 sandbox on a loopback port."""

    def __init__(self, state_dir: str | Path | None = None, *, port: int = 0, faults: str | Faults | None = None,
                 config: BabaihuConfig | None = None, host: str = "127.0.0.1") -> None:
        self.app = BabaihuApp(state_dir, config, faults)
        self.server = ServerThread(self.app.app, host, port)

    @property
    def url(self) -> str:
        return f"http://{self.server.host}:{self.server.port}"

    @property
    def user(self) -> str:
        return next(iter(self.app.cfg.accounts))

    @property
    def password(self) -> str:
        return self.app.cfg.accounts[self.user]

    flow_id = FLOW_ID

    def dial(self, task: int | str, n: int = 10, at: datetime | None = None) -> int:
        return self.app.dial(int(task), n, at)

    def start(self) -> "BabaihuSandbox":
        self.server.start()
        return self

    def stop(self) -> None:
        self.server.stop()
        self.app.state.close()

    def __enter__(self) -> "BabaihuSandbox":
        return self.start()

    def __exit__(self, *exc: Any) -> None:
        self.stop()
