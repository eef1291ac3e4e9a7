"""Helpers for the recording-sync tests of SCCC, 八百呼 and 九五: start a sandbox, make calls at
given times through the platform's own API, read back what the sandbox holds, count the
recording downloads it serves."""
from __future__ import annotations

import hashlib
from collections import Counter
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, unquote

from callcore.pipelines.recordings import SyncOptions

FMT = "%Y-%m-%d %H:%M:%S"
PLATFORMS = ("sccc", "babaihu", "hl95")


@dataclass
class Expected:
    """A recording as the sandbox holds it."""

    remote_file: str
    call_id: str
    agent: str
    callee: str
    begin: str
    seconds: float


class DownloadCounter:
    """An ASGI wrapper inside the sandbox's fault middleware: counts the recording downloads the
    app served (status 200) per remote file name."""

    def __init__(self, app: Any, platform: str) -> None:
        self.app, self.platform = app, platform
        self.served: Counter[str] = Counter()
        self.requests = 0

    def _file(self, scope: dict) -> str | None:
        path = scope["path"]
        if self.platform == "sccc":
            return None if path.startswith(("/openapi/", "/_sandbox")) else unquote(path.lstrip("/"))
        if self.platform == "babaihu":
            return unquote(path[len("/voip/record/"):]) if path.startswith("/voip/record/") else (
                "id:" + parse_qs(scope["query_string"].decode()).get("id", [""])[0]
                if path == "/voip/api/client/download/record.json" else None)
        if path == "/record/recordDownload":
            return parse_qs(scope["query_string"].decode()).get("path", [""])[0]
        return None

    async def __call__(self, scope: dict, receive: Any, send: Any) -> None:
        name = self._file(scope) if scope["type"] == "http" else None
        if name is None:
            return await self.app(scope, receive, send)
        self.requests += 1
        status = {}

        async def watch(msg: dict) -> None:
            if msg["type"] == "http.response.start":
                status["s"] = msg["status"]
            await send(msg)

        await self.app(scope, receive, watch)
        if status.get("s") == 200:
            self.served[name] += 1


def start(platform: str, state: Path, faults: str | None = None, record_format: str = "alaw") -> Any:
    """A started sandbox of *platform* with a :class:`DownloadCounter` at ``sb.counter``."""
    if platform == "sccc":
        from callcore.sandbox.sccc import ScccConfig, ScccSandbox

        sb = ScccSandbox(state, faults=faults, config=ScccConfig(record_format=record_format))
    elif platform == "babaihu":
        from callcore.sandbox.babaihu import BabaihuConfig, BabaihuSandbox

        sb = BabaihuSandbox(state, faults=faults, config=BabaihuConfig(record_format=record_format))
    else:
        from callcore.sandbox.hl95 import Hl95Config, Hl95Sandbox

        sb = Hl95Sandbox(state, faults=faults, config=Hl95Config(record_format=record_format))
    sb.counter = DownloadCounter(sb.app.faults.app, platform)
    sb.app.faults.app = sb.counter
    return sb.start()


def set_faults(sb: Any, spec: str) -> None:
    """Turns the sandbox's fault injection on (after the calls were set up without faults)."""
    import random

    from callcore.sandbox._server import Faults

    f = Faults.parse(spec)
    sb.app.faults.faults, sb.app.faults.rng = f, random.Random(f.seed)


def user_secret(platform: str, sb: Any) -> tuple[str, str]:
    if platform == "sccc":
        return sb.customer, sb.password
    if platform == "babaihu":
        return sb.user, sb.password
    return sb.client_id, sb.client_secret


def make_calls(platform: str, sb: Any, n: int, at: datetime, tag: int) -> None:
    """*n* calls (about 3 in 4 answered and recorded) through the platform's API, the sandbox
    dialling them so that they end just before *at*."""
    nums = [f"13{tag % 10}{tag // 10 % 10}{i:07d}" for i in range(n)]
    user, secret = user_secret(platform, sb)
    if platform == "sccc":
        from callcore.platforms.sccc import ScccClient

        with ScccClient(sb.url, user, secret) as c:
            task = c.create_task("8000", nums)
        sb.dial(task.task_id, n, at=at)
    elif platform == "babaihu":
        from callcore.platforms.babaihu import BabaihuClient, TaskRecord

        with BabaihuClient(sb.url, user, secret) as c:
            task = c.add_task(f"sync-{tag}", [TaskRecord(x) for x in nums], flow_name=sb.flow_name,
                              send_time=(at - timedelta(hours=1)).strftime("%Y-%m-%d %H:%M:%S"))
        sb.dial(task, n, at=at)
    else:
        from callcore.platforms.hl95 import Hl95Client, ManualTask

        with Hl95Client(sb.url, user, secret) as c:
            if not c.projects()["total"]:
                c.create_project("SYNC01", "recording sync")
            r = c.create_manual_task(ManualTask(outProjectId="PRO_100002_SYNC01", taskId=f"T{tag}", name=f"t{tag}",
                                                timeFrom="00:00", timeTo="23:59", dataObjId="OBJ_100002_1",
                                                numbers=[(x, "") for x in nums]))
            c.start_task(r["outboundInstanceId"])
        sb.dial(r["outboundInstanceId"], n, at=at)


def expected(platform: str, sb: Any, begin: str, end: str) -> list[Expected]:
    """Every recording the sandbox holds of calls started in [begin, end]."""
    st = sb.app.state
    if platform == "sccc":
        rows = [Expected(r["filename"], str(r["key"]), r["agent"], r["callee"],
                         datetime.fromtimestamp(r["start_time"]).strftime(FMT), float(r["duration"]))
                for r in st.rows("SELECT * FROM records WHERE filename != ''")]
    elif platform == "babaihu":
        rows = [Expected(r["record_file"], str(r["id"]), r["extension"], r["phone"], r["start_time"], float(r["talk"]))
                for r in st.rows("SELECT * FROM cdrs WHERE record_file != ''")]
    else:
        rows = [Expected(r["filename"], r["sid"], r["agent"], r["customer"],
                         datetime.strptime(r["start"], "%Y%m%d%H%M%S").strftime(FMT), float(r["talksec"]))
                for r in st.rows("SELECT * FROM history WHERE filename != ''")]
    return [r for r in rows if begin <= r.begin <= end]


def options(platform: str, sb: Any, out: Path, begin: str, end: str, **kw: Any) -> SyncOptions:
    user, secret = user_secret(platform, sb)
    return SyncOptions(sb.url, user, secret, begin=begin, end=end, out_dir=str(out), platform=platform, **kw)


def cli_env(platform: str, sb: Any, base: dict[str, str]) -> tuple[dict[str, str], list[str]]:
    """Environment (the secret) and options (the user) for ``callcore recordings sync``."""
    user, secret = user_secret(platform, sb)
    env = {k: v for k, v in base.items() if not k.startswith("CALLCORE_")}
    env[{"sccc": "CALLCORE_SCCC_PASSWORD", "babaihu": "CALLCORE_BABAIHU_PASSWORD",
         "hl95": "CALLCORE_HL95_CLIENT_SECRET"}[platform]] = secret
    opt = {"sccc": "--customer", "babaihu": "--sa-user", "hl95": "--client-id"}[platform]
    return env, ["--platform", platform, "--endpoint", sb.url, opt, user]


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()
