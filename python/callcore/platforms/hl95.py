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
from functools import partial
from pathlib import Path, PurePosixPath
from typing import Any, Callable, Sequence

import httpx

from ._http import HttpOptions
from ._request import Download, Request, json_content, no_result, payload_as_is
from ._transport import AsyncClient, PlatformClient, SyncClient
from .codes import hl95_code
from .errors import AuthenticationError, PlatformError, ProtocolError, ServerError, from_code, hold_secret
from .models import check_len, fail
from .retry import RetryPolicy

PLATFORM = "hl95"
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
            raise fail(PLATFORM, "outProjectId", "long form PRO_企业标识_短号 expected", "000:1174")
        if not TASK_ID.match(self.taskId or ""):
            raise fail(PLATFORM, "taskId", "1-16 digits or letters", "000:1175")
        check_len(PLATFORM, "name", self.name, 64, required=True, line="000:1176")
        for f in ("timeFrom", "timeTo"):
            if not HHMM.match(getattr(self, f) or ""):
                raise fail(PLATFORM, f, "HH:mm expected", "000:1182")
        if self.timeFrom >= self.timeTo:
            raise fail(PLATFORM, "timeFrom", "must be before timeTo", "000:1182")
        check_len(PLATFORM, "dataObjId", self.dataObjId, 64, required=True, line="000:1184")
        if str(self.callType) not in ("0", "1"):
            raise fail(PLATFORM, "callType", "0 预测拨号 or 1 精确预览", "000:1185")
        if str(self.ratio) not in ("1", "2", "3", "4", "5"):
            raise fail(PLATFORM, "ratio", "1..5", "000:1186")
        if int(self.idleTime) not in IDLE_TIMES:
            raise fail(PLATFORM, "idleTime", f"one of {IDLE_TIMES} ms", "000:1188")
        sources = [self.numbers is not None, bool(self.remote_file), self.import_file is not None]
        if sum(sources) != 1:
            raise fail(PLATFORM, "createType", "give exactly one of numbers, remote_file, import_file", "000:1178")


def mobile_and_des(numbers: Sequence[tuple[str, str]]) -> str:
    """``18219678378:data;18219678372:data2`` (000:1181). ``:`` and ``;`` are the delimiters, so the
    number may not contain either and the 随路数据 may not contain ``;``."""
    if not numbers:
        raise fail(PLATFORM, "mobileAndDes", "no numbers", "000:1181")
    parts = []
    for i, (mobile, des) in enumerate(numbers):
        mobile, des = str(mobile).strip(), str(des or "")
        if not mobile or not re.match(r"^[0-9*#+]+$", mobile):
            raise fail(PLATFORM, f"mobileAndDes[{i}]", f"number {mobile!r} is not a phone number", "000:1181")
        if ";" in des:
            raise fail(PLATFORM, f"mobileAndDes[{i}]", "随路数据 may not contain ';' (the record separator)", "000:1181")
        parts.append(f"{mobile}:{des}" if des else mobile)
    return ";".join(parts)


def check_answer(endpoint: str, doc: Any, status: int) -> Any:
    """An answer's ``code``/``success`` (or an OAuth ``error``): the ``data`` of a success."""
    if not isinstance(doc, dict):
        raise ProtocolError(f"hl95 {endpoint}: expected a JSON object", platform=PLATFORM, endpoint=endpoint)
    if "error" in doc and "code" not in doc:  # OAuth error bodies (000:285-288)
        raise from_code(hl95_code(doc["error"]), platform=PLATFORM, endpoint=endpoint, code=str(doc["error"]),
                        message=str(doc.get("error_description") or ""), http_status=status, body=doc)
    code = doc.get("code", 0 if doc.get("success") else None)
    if code is None or str(code) != "0" or doc.get("success") is False:
        c = "-1" if code is None or str(code) == "0" else str(code)
        raise from_code(hl95_code(c), platform=PLATFORM, endpoint=endpoint, code=c,
                        message=str(doc.get("message") or ""),
                        http_status=status, body=doc)
    return doc.get("data")


def status_error(endpoint: str, resp: httpx.Response) -> PlatformError | None:
    """400/401/403: the OAuth error body's typed error when there is one, else an authentication
    error (the bearer token was refused after the one renewal :class:`_Bearer` makes)."""
    if resp.status_code not in (400, 401, 403):
        return None
    try:
        doc = resp.json()
    except ValueError:
        doc = None
    if isinstance(doc, dict) and "error" in doc:
        try:
            check_answer(endpoint, doc, resp.status_code)
        except PlatformError as e:
            return e
    return AuthenticationError(f"hl95 {endpoint}: HTTP {resp.status_code}", platform=PLATFORM, endpoint=endpoint,
                               http_status=resp.status_code)


def _token_error(error: Exception) -> PlatformError:
    """A failed token request: the endpoint's fault (5xx, 429) can be retried, refused credentials not."""
    status = getattr(error, "status", None)
    if status is not None and (status >= 500 or status == 429):
        return ServerError(f"hl95 /oauth/token: {error}", platform=PLATFORM, endpoint="/oauth/token",
                           http_status=status,
                           retryable=True)
    return AuthenticationError(f"hl95 /oauth/token: {error}", platform=PLATFORM, endpoint="/oauth/token")


class _Bearer(httpx.Auth):
    """``Authorization: Bearer`` from the token provider, fetching tokens with a client built from
    the same :class:`HttpOptions` (TLS settings); on a 401 the token is dropped and the request sent
    once more (the token may have expired or been replaced, 000:76)."""

    def __init__(self, provider: Any, options: HttpOptions) -> None:
        self.provider = provider
        self.options = options
        self._token_client: httpx.Client | None = None

    def token(self) -> str:
        from callcore.sign.tokens import TokenError

        if self._token_client is None:
            self._token_client = self.options.sync_client("")
        try:
            token: str = self.provider.get(self._token_client)
        except TokenError as e:
            raise _token_error(e) from None
        hold_secret(token)  # an echoed Authorization header must not print it
        return token

    async def atoken(self) -> str:
        from callcore.sign.tokens import TokenError

        try:
            async with self.options.async_client("") as token_client:
                token: str = await self.provider.aget(token_client)
        except TokenError as e:
            raise _token_error(e) from None
        hold_secret(token)
        return token

    def sync_auth_flow(self, request: httpx.Request) -> Any:
        request.headers["Authorization"] = f"Bearer {self.token()}"
        response = yield request
        if response.status_code == 401:
            self.provider.invalidate()
            request.headers["Authorization"] = f"Bearer {self.token()}"
            yield request

    async def async_auth_flow(self, request: httpx.Request) -> Any:
        request.headers["Authorization"] = f"Bearer {await self.atoken()}"
        response = yield request
        if response.status_code == 401:
            self.provider.invalidate()
            request.headers["Authorization"] = f"Bearer {await self.atoken()}"
            yield request

    def close(self) -> None:
        if self._token_client is not None:
            self._token_client.close()


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

def _append_form(instance_id: str, numbers: Sequence[tuple[str, str]] | None, remote_file: str | None,
                 import_file: str | Path | None) -> tuple[dict[str, str], dict[str, Any] | None]:
    check_len(PLATFORM, "id", str(instance_id), 32, required=True, line="000:1531")
    if sum([numbers is not None, bool(remote_file), import_file is not None]) != 1:
        raise fail(PLATFORM, "createType", "give exactly one of numbers, remote_file, import_file", "000:1532")
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
    check_len(PLATFORM, "id", str(instance_id), 32, required=True, line="000:1590")
    return str(instance_id)


def _recall(instance_id: str | int, type: int) -> dict[str, Any]:
    if str(type) not in ("1", "2", "3"):
        raise fail(PLATFORM, "type", "1 拒接, 2 漏接, 3 全部", "000:1719")
    return {"id": _instance(instance_id), "type": int(type)}


def _pages(params: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in params.items() if v is not None}


class Hl95Requests:
    """Builds the validated requests of the 九五 API (paths under the base URL, 000); the sync and
    async clients only send them, signed with the bearer token."""

    @staticmethod
    def _request(method: str, path: str, *, query: dict[str, Any] | None = None, json_body: Any = None,
                 form: dict[str, str] | None = None, files: dict[str, Any] | None = None,
                 parse: Callable[[Any], Any] = payload_as_is) -> Request[Any]:
        return Request(platform=PLATFORM, method=method, path=path, endpoint=path, query=query,
                       content=None if json_body is None else json_content(json_body),
                       headers={"Content-Type": "application/json"} if json_body is not None else None,
                       form=form, files=files, check=partial(check_answer, path),
                       status_error=partial(status_error, path), parse=parse)

    def create_project(self, project_id: str, name: str, remark: str | None = None) -> Request[None]:
        if not PROJECT_ID.match(project_id or ""):
            raise fail(PLATFORM, "projectId", "6-12 digits or letters", "000:726")
        check_len(PLATFORM, "projectName", name, 64, required=True, line="000:727")
        body = {"projectId": project_id, "projectName": name}
        if remark is not None:
            body["remark"] = remark
        return self._request("POST", "/outProject/insert", json_body=body, parse=no_result)

    def projects(self, *, current_page: int = 1, page_size: int = 10,
                 name: str | None = None) -> Request[dict[str, Any]]:
        return self._request("GET", "/outProject/pageSearch",
                             query=_pages({"currentPage": current_page, "pageSize": page_size, "projectName": name}))

    def upload_file(self, path: str | Path) -> Request[None]:
        p = Path(path)
        return self._request("POST", "/files/upload", files={"fileName": (p.name, p.read_bytes())}, parse=no_result)

    def search_files(self, file_name: str) -> Request[list[dict[str, Any]]]:
        if "." not in file_name:
            raise fail(PLATFORM, "fileName", "needs the extension (文件名需要带后缀)", "000:998")
        return self._request("GET", "/files/search", query={"fileName": file_name})

    def create_manual_task(self, task: ManualTask) -> Request[dict[str, Any]]:
        form, files = _task_form(task)
        # multipart even without a file: the platform reads these fields only from a multipart body
        return self._request("POST", "/artificialOutTask/insert", form=form, files=files or {"_": ("", b"")})

    def append_numbers(self, instance_id: str, numbers: Sequence[tuple[str, str]] | None = None, *,
                       remote_file: str | None = None, import_file: str | Path | None = None) -> Request[None]:
        form, files = _append_form(instance_id, numbers, remote_file, import_file)
        return self._request("POST", "/artificialOutTask/append", form=form, files=files or {"_": ("", b"")},
                             parse=no_result)

    def start_task(self, instance_id: str | int) -> Request[None]:
        return self._request("PUT", "/artificialOutTask/startCall", json_body={"id": _instance(instance_id)},
                             parse=no_result)

    def pause_task(self, instance_id: str | int) -> Request[None]:
        return self._request("PUT", "/artificialOutTask/pauseCall", json_body={"id": _instance(instance_id)},
                             parse=no_result)

    def stop_task(self, instance_id: str | int) -> Request[None]:
        return self._request("PUT", "/artificialOutTask/stopCall", json_body={"id": _instance(instance_id)},
                             parse=no_result)

    def terminate_task(self, instance_id: str | int) -> Request[None]:
        return self._request("PUT", "/artificialOutTask/changeState",
                             json_body={"instanceId": _instance(instance_id)}, parse=no_result)

    def recall(self, instance_id: str | int, type: int = 3) -> Request[None]:
        return self._request("PUT", "/artificialOutTask/recall", json_body=_recall(instance_id, type),
                             parse=no_result)

    def tasks(self, *, current_page: int = 1, page_size: int = 10, task_id: str | None = None,
              status: str | None = None) -> Request[dict[str, Any]]:
        return self._request("GET", "/artificialOutTask/pageSearch",
                             query=_pages({"currentPage": current_page, "pageSize": page_size, "taskId": task_id,
                                           "status": status}))

    def contacts(self, outbound_id: str, *, current_page: int = 1, page_size: int = 10) -> Request[dict[str, Any]]:
        return self._request("GET", "/outboundContacts/pageSearch",
                             query={"outboundId": outbound_id, "currentPage": current_page, "pageSize": page_size})

    def call_history(self, *, current_page: int = 1, page_size: int = 10, start_from: str | None = None,
                     start_end: str | None = None, customer: str | None = None) -> Request[dict[str, Any]]:
        return self._request("GET", "/callHistory/pageSearchCallHistory",
                             query=_pages({"currentPage": current_page, "pageSize": page_size,
                                           "cStartTimeFrom": start_from, "cStartTimeEnd": start_end,
                                           "customer": customer}))

    def recordings(self, *, current_page: int = 1, page_size: int = 10, start_from: str | None = None,
                   start_end: str | None = None, agent: str | None = None) -> Request[dict[str, Any]]:
        return self._request("GET", "/record/pageSearch4Record",
                             query=_pages({"currentPage": current_page, "pageSize": page_size,
                                           "cStartTimeFrom": start_from, "cStartTimeEnd": start_end,
                                           "agent": agent}))

    def download_recording(self, filename: str, dest: str | Path) -> Request[Path]:
        path = "/record/recordDownload"
        return Request(platform=PLATFORM, method="GET", path=path, endpoint=path, query={"path": filename},
                       check=partial(check_answer, path), status_error=partial(status_error, path),
                       download=Download(Path(dest), PurePosixPath(filename.replace("\\", "/")).name))


class _Hl95Settings(PlatformClient):
    def __init__(self, base_url: str, client_id: str, client_secret: str, *, scope: str | None = None,
                 options: HttpOptions | None = None, refresh_margin: float = 60.0,
                 retry: RetryPolicy | None = None) -> None:
        from callcore.sign.tokens import HL95OAuthToken

        options = options or HttpOptions()
        hold_secret(client_secret)  # servers echo the token request's form body into error text
        self.tokens = HL95OAuthToken(base_url.rstrip("/"), client_id, client_secret, scope=scope,
                                     refresh_margin=refresh_margin)
        self._bearer = _Bearer(self.tokens, options)  # the token requests use the same TLS settings
        self.requests = Hl95Requests()
        self._connect(PLATFORM, base_url, options, retry, auth=self._bearer, headers={"Accept": "application/json"})

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.base_url!r}, client_id={self.tokens.client_id!r})"


class Hl95Client(_Hl95Settings, SyncClient):
    """Synchronous 九五云客服 client."""

    def close(self) -> None:
        super().close()
        self._bearer.close()

    def token(self) -> str:
        """The current access token (fetched or refreshed as needed)."""
        return self._bearer.token()

    def create_project(self, project_id: str, name: str, remark: str | None = None) -> None:
        """外呼项目-新增 (000:712)."""
        return self._transport.send(self.requests.create_project(project_id, name, remark))

    def projects(self, *, current_page: int = 1, page_size: int = 10, name: str | None = None) -> dict[str, Any]:
        """外呼项目-分页查询 (000:760): ``{"pageData": [...], "total": n}``."""
        return self._transport.send(self.requests.projects(current_page=current_page, page_size=page_size, name=name))

    def upload_file(self, path: str | Path) -> None:
        """号码文件-上传 (000:948): multipart field ``fileName``."""
        return self._transport.send(self.requests.upload_file(path))

    def search_files(self, file_name: str) -> list[dict[str, Any]]:
        """号码文件-列表查询 (000:985): the name needs its extension; ``data`` is a list of file
        objects (000:1022)."""
        return self._transport.send(self.requests.search_files(file_name))

    def create_manual_task(self, task: ManualTask) -> dict[str, Any]:
        """人工外呼-新增 (000:1167): ``{groupDn, groupId, outboundInstanceId}``."""
        return self._transport.send(self.requests.create_manual_task(task))

    def append_numbers(self, instance_id: str, numbers: Sequence[tuple[str, str]] | None = None, *,
                       remote_file: str | None = None, import_file: str | Path | None = None) -> None:
        """人工外呼-追加 (000:1525)."""
        return self._transport.send(self.requests.append_numbers(instance_id, numbers, remote_file=remote_file,
                                                                 import_file=import_file))

    def start_task(self, instance_id: str | int) -> None:
        """人工外呼-启动 (000:1577): a 规划中 or 暂停中 task starts dialling (status 3)."""
        return self._transport.send(self.requests.start_task(instance_id))

    def pause_task(self, instance_id: str | int) -> None:
        """人工外呼-暂停 (000:1619): a running task pauses (status 4)."""
        return self._transport.send(self.requests.pause_task(instance_id))

    def stop_task(self, instance_id: str | int) -> None:
        """人工外呼-停止 (000:1661): the task ends (status 5)."""
        return self._transport.send(self.requests.stop_task(instance_id))

    def terminate_task(self, instance_id: str | int) -> None:
        """人工外呼-终结 (000:1753, field ``instanceId``): status 6."""
        return self._transport.send(self.requests.terminate_task(instance_id))

    def recall(self, instance_id: str | int, type: int = 3) -> None:
        """人工外呼-重呼 (000:1707): dial again the 1 拒接, 2 漏接 or 3 all unreached numbers."""
        return self._transport.send(self.requests.recall(instance_id, type))

    def tasks(self, *, current_page: int = 1, page_size: int = 10, task_id: str | None = None,
              status: str | None = None) -> dict[str, Any]:
        """人工外呼-分页查询 (000:1266)."""
        return self._transport.send(self.requests.tasks(current_page=current_page, page_size=page_size, task_id=task_id,
                                                        status=status))

    def contacts(self, outbound_id: str, *, current_page: int = 1, page_size: int = 10) -> dict[str, Any]:
        """外呼号码明细 /outboundContacts/pageSearch (000:2197)."""
        return self._transport.send(self.requests.contacts(outbound_id, current_page=current_page, page_size=page_size))

    def call_history(self, *, current_page: int = 1, page_size: int = 10, start_from: str | None = None,
                     start_end: str | None = None, customer: str | None = None) -> dict[str, Any]:
        """通话记录 /callHistory/pageSearchCallHistory (000:2423); times yyyyMMddHHmmss."""
        return self._transport.send(self.requests.call_history(current_page=current_page, page_size=page_size,
                                                               start_from=start_from, start_end=start_end,
                                                               customer=customer))

    def recordings(self, *, current_page: int = 1, page_size: int = 10, start_from: str | None = None,
                   start_end: str | None = None, agent: str | None = None) -> dict[str, Any]:
        """录音-分页查询 /record/pageSearch4Record (000:2818)."""
        return self._transport.send(self.requests.recordings(current_page=current_page, page_size=page_size,
                                                             start_from=start_from, start_end=start_end, agent=agent))

    def download_recording(self, filename: str, dest: str | Path) -> Path:
        """录音-下载 /record/recordDownload?path=<filename> (000:2896)."""
        return self._transport.send(self.requests.download_recording(filename, dest))


class AsyncHl95Client(_Hl95Settings, AsyncClient):
    """Asynchronous 九五云客服 client (same methods, awaited)."""

    async def aclose(self) -> None:
        await super().aclose()
        self._bearer.close()

    async def token(self) -> str:
        """Awaitable :meth:`Hl95Client.token`."""
        return await self._bearer.atoken()

    async def create_project(self, project_id: str, name: str, remark: str | None = None) -> None:
        """Awaitable :meth:`Hl95Client.create_project`."""
        return await self._transport.send(self.requests.create_project(project_id, name, remark))

    async def projects(self, *, current_page: int = 1, page_size: int = 10, name: str | None = None) -> dict[str, Any]:
        """Awaitable :meth:`Hl95Client.projects`."""
        return await self._transport.send(self.requests.projects(current_page=current_page, page_size=page_size,
                                                                 name=name))

    async def upload_file(self, path: str | Path) -> None:
        """Awaitable :meth:`Hl95Client.upload_file`."""
        return await self._transport.send(self.requests.upload_file(path))

    async def search_files(self, file_name: str) -> list[dict[str, Any]]:
        """Awaitable :meth:`Hl95Client.search_files`."""
        return await self._transport.send(self.requests.search_files(file_name))

    async def create_manual_task(self, task: ManualTask) -> dict[str, Any]:
        """Awaitable :meth:`Hl95Client.create_manual_task`."""
        return await self._transport.send(self.requests.create_manual_task(task))

    async def append_numbers(self, instance_id: str, numbers: Sequence[tuple[str, str]] | None = None, *,
                             remote_file: str | None = None, import_file: str | Path | None = None) -> None:
        """Awaitable :meth:`Hl95Client.append_numbers`."""
        return await self._transport.send(self.requests.append_numbers(instance_id, numbers, remote_file=remote_file,
                                                                       import_file=import_file))

    async def start_task(self, instance_id: str | int) -> None:
        """Awaitable :meth:`Hl95Client.start_task`."""
        return await self._transport.send(self.requests.start_task(instance_id))

    async def pause_task(self, instance_id: str | int) -> None:
        """Awaitable :meth:`Hl95Client.pause_task`."""
        return await self._transport.send(self.requests.pause_task(instance_id))

    async def stop_task(self, instance_id: str | int) -> None:
        """Awaitable :meth:`Hl95Client.stop_task`."""
        return await self._transport.send(self.requests.stop_task(instance_id))

    async def terminate_task(self, instance_id: str | int) -> None:
        """Awaitable :meth:`Hl95Client.terminate_task`."""
        return await self._transport.send(self.requests.terminate_task(instance_id))

    async def recall(self, instance_id: str | int, type: int = 3) -> None:
        """Awaitable :meth:`Hl95Client.recall`."""
        return await self._transport.send(self.requests.recall(instance_id, type))

    async def tasks(self, *, current_page: int = 1, page_size: int = 10, task_id: str | None = None,
                    status: str | None = None) -> dict[str, Any]:
        """Awaitable :meth:`Hl95Client.tasks`."""
        return await self._transport.send(self.requests.tasks(current_page=current_page, page_size=page_size,
                                                              task_id=task_id, status=status))

    async def contacts(self, outbound_id: str, *, current_page: int = 1, page_size: int = 10) -> dict[str, Any]:
        """Awaitable :meth:`Hl95Client.contacts`."""
        return await self._transport.send(self.requests.contacts(outbound_id, current_page=current_page,
                                                                 page_size=page_size))

    async def call_history(self, *, current_page: int = 1, page_size: int = 10, start_from: str | None = None,
                           start_end: str | None = None, customer: str | None = None) -> dict[str, Any]:
        """Awaitable :meth:`Hl95Client.call_history`."""
        return await self._transport.send(self.requests.call_history(current_page=current_page, page_size=page_size,
                                                                     start_from=start_from, start_end=start_end,
                                                                     customer=customer))

    async def recordings(self, *, current_page: int = 1, page_size: int = 10, start_from: str | None = None,
                         start_end: str | None = None, agent: str | None = None) -> dict[str, Any]:
        """Awaitable :meth:`Hl95Client.recordings`."""
        return await self._transport.send(self.requests.recordings(current_page=current_page, page_size=page_size,
                                                                   start_from=start_from, start_end=start_end,
                                                                   agent=agent))

    async def download_recording(self, filename: str, dest: str | Path) -> Path:
        """Awaitable :meth:`Hl95Client.download_recording`."""
        return await self._transport.send(self.requests.download_recording(filename, dest))
