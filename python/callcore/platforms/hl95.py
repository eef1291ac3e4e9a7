"""九五云客服 client (seed 000): OAuth token, outbound projects, number files, manual outbound tasks
(create, append, query), call history, recordings (list and download).

Authentication: client credentials at ``POST /oauth/token`` (:class:`callcore.sign.tokens.HL95OAuthToken`,
cached and refreshed before expiry), sent as ``Authorization: Bearer`` (000:81); a 401 drops the
token and retries once (:class:`callcore.sign.tokens.BearerAuth`). Replies are
``{code, message, success, data}``; ``code != 0`` or ``success == false`` is an error even with HTTP 200.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Any, Sequence

import httpx

from . import _http
from ._http import HttpOptions
from .codes import hl95_code
from .errors import AuthenticationError, ProtocolError, ServerError, from_code, hold_secret
from .models import check_len, fail

P = "hl95"
PROJECT_ID = re.compile(r"^[0-9A-Za-z]{6,12}$")
TASK_ID = re.compile(r"^[0-9A-Za-z]{1,16}$")
HHMM = re.compile(r"^([01][0-9]|2[0-3]):[0-5][0-9]$")
IDLE_TIMES = (8000, 16000, 24000, 32000, 40000)  # 000:1188


@dataclass
class ManualTask:
    """人工外呼-新增 fields (000:1173-1190). ``numbers`` is ``[(mobile, 随路数据), ...]`` for
    createType ``input``; ``remote_file`` for ``remoteFile``; ``import_file`` (a path) for ``file``."""

    outProjectId: str
    taskId: str
    name: str
    timeFrom: str
    timeTo: str
    dataObjId: str
    callType: str = "0"
    ratio: str = "1"
    idleTime: str = "8000"
    callerId: str | None = None
    numbers: Sequence[tuple[str, str]] | None = None
    remote_file: str | None = None
    import_file: str | Path | None = None
    wordsKey: str | None = None
    remark: str | None = None

    @property
    def createType(self) -> str:
        return "input" if self.numbers is not None else "remoteFile" if self.remote_file else "file"

    def validate(self) -> None:
        if not re.match(r"^PRO_[0-9A-Za-z]+_[0-9A-Za-z]+$", self.outProjectId or ""):
            raise fail(P, "outProjectId", "long form PRO_企业标识_短号 expected", "000:1174")
        if not TASK_ID.match(self.taskId or ""):
            raise fail(P, "taskId", "1-16 digits or letters", "000:1175")
        check_len(P, "name", self.name, 64, required=True, line="000:1176")
        for f in ("timeFrom", "timeTo"):
            if not HHMM.match(getattr(self, f) or ""):
                raise fail(P, f, "HH:mm expected", "000:1182")
        if self.timeFrom >= self.timeTo:
            raise fail(P, "timeFrom", "must be before timeTo", "000:1182")
        check_len(P, "dataObjId", self.dataObjId, 64, required=True, line="000:1184")
        if str(self.callType) not in ("0", "1"):
            raise fail(P, "callType", "0 预测拨号 or 1 精确预览", "000:1185")
        if str(self.ratio) not in ("1", "2", "3", "4", "5"):
            raise fail(P, "ratio", "1..5", "000:1186")
        if int(self.idleTime) not in IDLE_TIMES:
            raise fail(P, "idleTime", f"one of {IDLE_TIMES} ms", "000:1188")
        sources = [self.numbers is not None, bool(self.remote_file), self.import_file is not None]
        if sum(sources) != 1:
            raise fail(P, "createType", "give exactly one of numbers, remote_file, import_file", "000:1178")


def mobile_and_des(numbers: Sequence[tuple[str, str]]) -> str:
    """``18219678378:data;18219678372:data2`` (000:1181). ``:`` and ``;`` are the delimiters, so the
    number may not contain either and the 随路数据 may not contain ``;``."""
    if not numbers:
        raise fail(P, "mobileAndDes", "no numbers", "000:1181")
    parts = []
    for i, (mobile, des) in enumerate(numbers):
        mobile, des = str(mobile).strip(), str(des or "")
        if not mobile or not re.match(r"^[0-9*#+]+$", mobile):
            raise fail(P, f"mobileAndDes[{i}]", f"number {mobile!r} is not a phone number", "000:1181")
        if ";" in des:
            raise fail(P, f"mobileAndDes[{i}]", "随路数据 may not contain ';' (the record separator)", "000:1181")
        parts.append(f"{mobile}:{des}" if des else mobile)
    return ";".join(parts)


def _check(doc: Any, endpoint: str, status: int) -> Any:
    if not isinstance(doc, dict):
        raise ProtocolError(f"hl95 {endpoint}: expected a JSON object", platform=P, endpoint=endpoint)
    if "error" in doc and "code" not in doc:  # OAuth error bodies (000:285-288)
        raise from_code(hl95_code(doc["error"]), platform=P, endpoint=endpoint, code=str(doc["error"]),
                        message=str(doc.get("error_description") or ""), http_status=status, body=doc)
    code = doc.get("code", 0 if doc.get("success") else None)
    if code is None or str(code) != "0" or doc.get("success") is False:
        c = "-1" if code is None or str(code) == "0" else str(code)
        raise from_code(hl95_code(c), platform=P, endpoint=endpoint, code=c, message=str(doc.get("message") or ""),
                        http_status=status, body=doc)
    return doc.get("data")


class _Bearer(httpx.Auth):
    """``Authorization: Bearer`` from the token provider, fetching tokens with a client built from
    the same :class:`HttpOptions` (TLS settings); on a 401 the token is dropped and the request sent
    once more (the token may have expired or been replaced, 000:76)."""

    def __init__(self, provider: Any, options: HttpOptions, base_url: str) -> None:
        self.provider = provider
        self.options = options
        self.base_url = base_url
        self._sync: httpx.Client | None = None

    def _get(self) -> str:
        from callcore.sign.tokens import TokenError

        if self._sync is None:
            self._sync = self.options.sync_client("")
        try:
            token = self.provider.get(self._sync)
            hold_secret(token)  # an echoed Authorization header must not print it
            return token
        except TokenError as e:
            if e.status is not None and (e.status >= 500 or e.status == 429):  # the endpoint, not the credentials
                raise ServerError(f"hl95 /oauth/token: {e}", platform=P, endpoint="/oauth/token",
                                  http_status=e.status, retryable=True) from None
            raise AuthenticationError(f"hl95 /oauth/token: {e}", platform=P, endpoint="/oauth/token") from None

    async def _aget(self) -> str:
        from callcore.sign.tokens import TokenError

        try:
            async with self.options.async_client("") as c:
                token = await self.provider.aget(c)
                hold_secret(token)
                return token
        except TokenError as e:
            raise AuthenticationError(f"hl95 /oauth/token: {e}", platform=P, endpoint="/oauth/token") from None

    def sync_auth_flow(self, request: httpx.Request) -> Any:
        request.headers["Authorization"] = f"Bearer {self._get()}"
        response = yield request
        if response.status_code == 401:
            self.provider.invalidate()
            request.headers["Authorization"] = f"Bearer {self._get()}"
            yield request

    async def async_auth_flow(self, request: httpx.Request) -> Any:
        request.headers["Authorization"] = f"Bearer {await self._aget()}"
        response = yield request
        if response.status_code == 401:
            self.provider.invalidate()
            request.headers["Authorization"] = f"Bearer {await self._aget()}"
            yield request

    def close(self) -> None:
        if self._sync is not None:
            self._sync.close()


class _Base:
    def __init__(self, base_url: str, client_id: str, client_secret: str, *, scope: str | None = None,
                 options: HttpOptions | None = None, refresh_margin: float = 60.0) -> None:
        from callcore.sign.tokens import HL95OAuthToken

        self.base_url = base_url.rstrip("/")
        self.options = options or HttpOptions()
        hold_secret(client_secret)  # servers echo the token request's form body into error text
        self.tokens = HL95OAuthToken(self.base_url, client_id, client_secret, scope=scope,
                                     refresh_margin=refresh_margin)
        self._auth = _Bearer(self.tokens, self.options, self.base_url)

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.base_url!r}, client_id={self.tokens.client_id!r})"

    def _finish(self, endpoint: str, resp: httpx.Response) -> Any:
        if resp.status_code in (400, 401, 403):
            doc = None
            try:
                doc = resp.json()
            except ValueError:
                pass
            if isinstance(doc, dict) and "error" in doc:
                return _check(doc, endpoint, resp.status_code)
            raise AuthenticationError(f"hl95 {endpoint}: HTTP {resp.status_code}", platform=P, endpoint=endpoint,
                                      http_status=resp.status_code)
        err = _http.generic_status_error(resp, platform=P, endpoint=endpoint)
        if err is not None:
            raise err
        return _check(_http.decode_json(resp, platform=P, endpoint=endpoint), endpoint, resp.status_code)

    @staticmethod
    def _project(project_id: str, name: str, remark: str | None) -> dict[str, Any]:
        if not PROJECT_ID.match(project_id or ""):
            raise fail(P, "projectId", "6-12 digits or letters", "000:726")
        check_len(P, "projectName", name, 64, required=True, line="000:727")
        body = {"projectId": project_id, "projectName": name}
        if remark is not None:
            body["remark"] = remark
        return body

    @staticmethod
    def _task_form(task: ManualTask) -> tuple[dict[str, str], dict[str, Any] | None]:
        task.validate()
        form = {k: str(getattr(task, k)) for k in ("outProjectId", "taskId", "name", "timeFrom", "timeTo", "dataObjId",
                                                     "callType", "ratio", "idleTime")}
        form["createType"] = task.createType
        for k in ("callerId", "wordsKey", "remark"):
            if getattr(task, k) is not None:
                form[k] = str(getattr(task, k))
        files = None
        if task.numbers is not None:
            form["mobileAndDes"] = mobile_and_des(task.numbers)
        elif task.remote_file:
            form["remoteFileName"] = task.remote_file
        else:
            p = Path(task.import_file)  # type: ignore[arg-type]
            files = {"importFile": (p.name, p.read_bytes())}
        return form, files

    @staticmethod
    def _append_form(instance_id: str, numbers: Sequence[tuple[str, str]] | None, remote_file: str | None,
                     import_file: str | Path | None) -> tuple[dict[str, str], dict[str, Any] | None]:
        check_len(P, "id", str(instance_id), 32, required=True, line="000:1531")
        if sum([numbers is not None, bool(remote_file), import_file is not None]) != 1:
            raise fail(P, "createType", "give exactly one of numbers, remote_file, import_file", "000:1532")
        form = {"id": str(instance_id)}
        files = None
        if numbers is not None:
            form.update(createType="input", mobileAndDes=mobile_and_des(numbers))
        elif remote_file:
            form.update(createType="remoteFile", remoteFileName=remote_file)
        else:
            p = Path(import_file)  # type: ignore[arg-type]
            form["createType"] = "file"
            files = {"importFile": (p.name, p.read_bytes())}
        return form, files


def _instance(instance_id: str | int) -> str:
    check_len(P, "id", str(instance_id), 32, required=True, line="000:1590")
    return str(instance_id)


def _recall(instance_id: str | int, type: int) -> dict[str, Any]:
    if str(type) not in ("1", "2", "3"):
        raise fail(P, "type", "1 拒接, 2 漏接, 3 全部", "000:1719")
    return {"id": _instance(instance_id), "type": int(type)}


def _pages(params: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in params.items() if v is not None}


class Hl95Client(_Base, _http.SyncClientLifecycle):
    """Synchronous 九五云客服 client."""

    def __init__(self, base_url: str, client_id: str, client_secret: str, **kw: Any) -> None:
        super().__init__(base_url, client_id, client_secret, **kw)
        self._client = self.options.sync_client("", auth=self._auth, headers={"Accept": "application/json"})

    def close(self) -> None:
        self._client.close()
        self._auth.close()

    def _call(self, method: str, path: str, **kw: Any) -> Any:
        try:
            resp = self._client.request(method, self.base_url + path, **kw)
        except httpx.HTTPError as e:
            raise _http.transport_error(e, platform=P, endpoint=path) from e
        return self._finish(path, resp)

    def token(self) -> str:
        """The current access token (fetched or refreshed as needed)."""
        return self._auth._get()

    def create_project(self, project_id: str, name: str, remark: str | None = None) -> None:
        """外呼项目-新增 (000:712)."""
        self._call("POST", "/outProject/insert", json=self._project(project_id, name, remark))

    def projects(self, *, current_page: int = 1, page_size: int = 10, name: str | None = None) -> dict[str, Any]:
        """外呼项目-分页查询 (000:760): ``{"pageData": [...], "total": n}``."""
        return self._call("GET", "/outProject/pageSearch",
                          params=_pages({"currentPage": current_page, "pageSize": page_size, "projectName": name}))

    def upload_file(self, path: str | Path) -> None:
        """号码文件-上传 (000:948): multipart field ``fileName``."""
        p = Path(path)
        self._call("POST", "/files/upload", files={"fileName": (p.name, p.read_bytes())})

    def search_files(self, file_name: str) -> list[dict[str, Any]]:
        """号码文件-列表查询 (000:985): the name needs its extension; ``data`` is a list of file
        objects (000:1022)."""
        if "." not in file_name:
            raise fail(P, "fileName", "needs the extension (文件名需要带后缀)", "000:998")
        return self._call("GET", "/files/search", params={"fileName": file_name})

    def create_manual_task(self, task: ManualTask) -> dict[str, Any]:
        """人工外呼-新增 (000:1167): ``{groupDn, groupId, outboundInstanceId}``."""
        form, files = self._task_form(task)
        return self._call("POST", "/artificialOutTask/insert", data=form, files=files or {"_": ("", b"")})

    def append_numbers(self, instance_id: str, numbers: Sequence[tuple[str, str]] | None = None, *,
                       remote_file: str | None = None, import_file: str | Path | None = None) -> None:
        """人工外呼-追加 (000:1525)."""
        form, files = self._append_form(instance_id, numbers, remote_file, import_file)
        self._call("POST", "/artificialOutTask/append", data=form, files=files or {"_": ("", b"")})

    def start_task(self, instance_id: str | int) -> None:
        """人工外呼-启动 (000:1577): a 规划中 or 暂停中 task starts dialling (status 3)."""
        self._call("PUT", "/artificialOutTask/startCall", json={"id": _instance(instance_id)})

    def pause_task(self, instance_id: str | int) -> None:
        """人工外呼-暂停 (000:1619): a running task pauses (status 4)."""
        self._call("PUT", "/artificialOutTask/pauseCall", json={"id": _instance(instance_id)})

    def stop_task(self, instance_id: str | int) -> None:
        """人工外呼-停止 (000:1661): the task ends (status 5)."""
        self._call("PUT", "/artificialOutTask/stopCall", json={"id": _instance(instance_id)})

    def terminate_task(self, instance_id: str | int) -> None:
        """人工外呼-终结 (000:1753, field ``instanceId``): status 6."""
        self._call("PUT", "/artificialOutTask/changeState", json={"instanceId": _instance(instance_id)})

    def recall(self, instance_id: str | int, type: int = 3) -> None:
        """人工外呼-重呼 (000:1707): dial again the 1 拒接, 2 漏接 or 3 all unreached numbers."""
        self._call("PUT", "/artificialOutTask/recall", json=_recall(instance_id, type))

    def tasks(self, *, current_page: int = 1, page_size: int = 10, task_id: str | None = None,
              status: str | None = None) -> dict[str, Any]:
        """人工外呼-分页查询 (000:1266)."""
        return self._call("GET", "/artificialOutTask/pageSearch",
                          params=_pages({"currentPage": current_page, "pageSize": page_size, "taskId": task_id,
                                         "status": status}))

    def contacts(self, outbound_id: str, *, current_page: int = 1, page_size: int = 10) -> dict[str, Any]:
        """外呼号码明细 /outboundContacts/pageSearch (000:2197)."""
        return self._call("GET", "/outboundContacts/pageSearch",
                          params={"outboundId": outbound_id, "currentPage": current_page, "pageSize": page_size})

    def call_history(self, *, current_page: int = 1, page_size: int = 10, start_from: str | None = None,
                     start_end: str | None = None, customer: str | None = None) -> dict[str, Any]:
        """通话记录 /callHistory/pageSearchCallHistory (000:2423); times yyyyMMddHHmmss."""
        return self._call("GET", "/callHistory/pageSearchCallHistory",
                          params=_pages({"currentPage": current_page, "pageSize": page_size,
                                         "cStartTimeFrom": start_from, "cStartTimeEnd": start_end,
                                         "customer": customer}))

    def recordings(self, *, current_page: int = 1, page_size: int = 10, start_from: str | None = None,
                   start_end: str | None = None, agent: str | None = None) -> dict[str, Any]:
        """录音-分页查询 /record/pageSearch4Record (000:2818)."""
        return self._call("GET", "/record/pageSearch4Record",
                          params=_pages({"currentPage": current_page, "pageSize": page_size,
                                         "cStartTimeFrom": start_from, "cStartTimeEnd": start_end, "agent": agent}))

    def download_recording(self, filename: str, dest: str | Path) -> Path:
        """录音-下载 /record/recordDownload?path=<filename> (000:2896)."""
        dest = Path(dest)
        if dest.is_dir():
            dest = dest / PurePosixPath(filename.replace("\\", "/")).name
        try:
            with self._client.stream("GET", self.base_url + "/record/recordDownload", params={"path": filename}) as r:
                if not 200 <= r.status_code < 300:
                    r.read()
                    self._finish("/record/recordDownload", r)
                first, it, complete = _http.read_head(r.iter_bytes(1 << 16))
                kind = _http.body_kind(first, complete)
                if kind == "json":
                    self._finish("/record/recordDownload", httpx.Response(200, content=first))
                    raise ProtocolError("hl95 recordDownload: JSON instead of audio", platform=P)
                if kind == "html":
                    raise ProtocolError("hl95 recordDownload: HTML instead of audio", platform=P)
                _http.atomic_write(dest, _http.rejoin(first, it))
        except httpx.HTTPError as e:
            raise _http.transport_error(e, platform=P, endpoint="/record/recordDownload") from e
        return dest


class AsyncHl95Client(_Base, _http.AsyncClientLifecycle):
    """Asynchronous 九五云客服 client (the main calls, awaited)."""

    def __init__(self, base_url: str, client_id: str, client_secret: str, **kw: Any) -> None:
        super().__init__(base_url, client_id, client_secret, **kw)
        self._client = self.options.async_client("", auth=self._auth, headers={"Accept": "application/json"})

    async def _call(self, method: str, path: str, **kw: Any) -> Any:
        try:
            resp = await self._client.request(method, self.base_url + path, **kw)
        except httpx.HTTPError as e:
            raise _http.transport_error(e, platform=P, endpoint=path) from e
        return self._finish(path, resp)

    async def create_project(self, project_id: str, name: str, remark: str | None = None) -> None:
        await self._call("POST", "/outProject/insert", json=self._project(project_id, name, remark))

    async def create_manual_task(self, task: ManualTask) -> dict[str, Any]:
        form, files = self._task_form(task)
        return await self._call("POST", "/artificialOutTask/insert", data=form, files=files or {"_": ("", b"")})

    async def append_numbers(self, instance_id: str, numbers: Sequence[tuple[str, str]] | None = None, *,
                             remote_file: str | None = None, import_file: str | Path | None = None) -> None:
        form, files = self._append_form(instance_id, numbers, remote_file, import_file)
        await self._call("POST", "/artificialOutTask/append", data=form, files=files or {"_": ("", b"")})

    async def start_task(self, instance_id: str | int) -> None:
        """人工外呼-启动 (000:1577): a 规划中 or 暂停中 task starts dialling (status 3)."""
        await self._call("PUT", "/artificialOutTask/startCall", json={"id": _instance(instance_id)})

    async def pause_task(self, instance_id: str | int) -> None:
        """人工外呼-暂停 (000:1619): a running task pauses (status 4)."""
        await self._call("PUT", "/artificialOutTask/pauseCall", json={"id": _instance(instance_id)})

    async def stop_task(self, instance_id: str | int) -> None:
        """人工外呼-停止 (000:1661): the task ends (status 5)."""
        await self._call("PUT", "/artificialOutTask/stopCall", json={"id": _instance(instance_id)})

    async def terminate_task(self, instance_id: str | int) -> None:
        """人工外呼-终结 (000:1753, field ``instanceId``): status 6."""
        await self._call("PUT", "/artificialOutTask/changeState", json={"instanceId": _instance(instance_id)})

    async def recall(self, instance_id: str | int, type: int = 3) -> None:
        """人工外呼-重呼 (000:1707): dial again the 1 拒接, 2 漏接 or 3 all unreached numbers."""
        await self._call("PUT", "/artificialOutTask/recall", json=_recall(instance_id, type))

    async def tasks(self, *, current_page: int = 1, page_size: int = 10) -> dict[str, Any]:
        return await self._call("GET", "/artificialOutTask/pageSearch",
                                params={"currentPage": current_page, "pageSize": page_size})

    async def recordings(self, *, current_page: int = 1, page_size: int = 10, start_from: str | None = None,
                         start_end: str | None = None, agent: str | None = None) -> dict[str, Any]:
        return await self._call("GET", "/record/pageSearch4Record",
                                params=_pages({"currentPage": current_page, "pageSize": page_size,
                                               "cStartTimeFrom": start_from, "cStartTimeEnd": start_end,
                                               "agent": agent}))

    async def projects(self, *, current_page: int = 1, page_size: int = 10, name: str | None = None) -> dict[str, Any]:
        return await self._call("GET", "/outProject/pageSearch",
                                params=_pages({"currentPage": current_page, "pageSize": page_size,
                                               "projectName": name}))

    async def upload_file(self, path: str | Path) -> None:
        p = Path(path)
        await self._call("POST", "/files/upload", files={"fileName": (p.name, p.read_bytes())})

    async def search_files(self, file_name: str) -> list[dict[str, Any]]:
        if "." not in file_name:
            raise fail(P, "fileName", "needs the extension (文件名需要带后缀)", "000:998")
        return await self._call("GET", "/files/search", params={"fileName": file_name})

    async def contacts(self, outbound_id: str, *, current_page: int = 1, page_size: int = 10) -> dict[str, Any]:
        return await self._call("GET", "/outboundContacts/pageSearch",
                                params={"outboundId": outbound_id, "currentPage": current_page,
                                        "pageSize": page_size})

    async def call_history(self, *, current_page: int = 1, page_size: int = 10, start_from: str | None = None,
                           start_end: str | None = None, customer: str | None = None) -> dict[str, Any]:
        return await self._call("GET", "/callHistory/pageSearchCallHistory",
                                params=_pages({"currentPage": current_page, "pageSize": page_size,
                                               "cStartTimeFrom": start_from, "cStartTimeEnd": start_end,
                                               "customer": customer}))

    async def download_recording(self, filename: str, dest: str | Path) -> Path:
        dest = Path(dest)
        if dest.is_dir():
            dest = dest / PurePosixPath(filename.replace("\\", "/")).name
        try:
            r = await self._client.get(self.base_url + "/record/recordDownload", params={"path": filename})
        except httpx.HTTPError as e:
            raise _http.transport_error(e, platform=P, endpoint="/record/recordDownload") from e
        kind = _http.body_kind(r.content, True)
        if not 200 <= r.status_code < 300 or kind == "json":
            self._finish("/record/recordDownload", r)
            raise ProtocolError("hl95 recordDownload: JSON instead of audio", platform=P)
        if kind == "html":
            raise ProtocolError("hl95 recordDownload: HTML instead of audio", platform=P)
        _http.atomic_write(dest, [r.content])
        return dest
