"""Huawei CEC request builders: every iSales (seed 001 chapter 7) and CC-FS (13.2.1) call as a
:class:`~callcore.platforms._request.Request`, validated against the seed's field limits before
anything is sent, with the reading of its answer (HTTP-200 error codes per seed section, 401 clock
skew, the 5-minute statistics limit)."""
from __future__ import annotations

import json
import re
from dataclasses import asdict, dataclass
from datetime import datetime
from functools import partial
from pathlib import Path, PurePosixPath
from typing import Any, Callable, Literal, Mapping, Sequence
from urllib.parse import quote

import httpx

from .. import _http
from .._request import Download, Request, json_content, no_result
from ..errors import PlatformError, ProtocolError, auth_failure, huawei_ccfs_error, huawei_isales_error
from ..models import (CUSTOM_FIELD_FORBIDDEN, check_dial, check_len, check_no_chars, check_range, check_time,
                      check_unique, drop_none, fail)
from .models import (PLATFORM, BlacklistAdd, BlacklistEntry, CallData, CallDataV2, CallResult, Campaign, CampaignSpec,
                     CampaignSpecV2, CampaignStatistics, ImportTask, as_int)

ISALES_OK = {"0200000", "020000", "0"}  # 020000 in 7.4.3's sample (001:25838), 0 in 7.4.4's (001:25942)
ISALES_V1 = "/rest/isales/v1/openapi/campaigns"
ISALES_V2 = "/rest/isales/v2/openapi/campaigns"
CCFS = "/CCFS/resource/ccfs"
#: the add-numbers API: 7.4.1 (v1, <= 20 records a call) or 7.4.2 (v2, <= isales.api.calldata.max)
AddApi = Literal["v1", "v2"]
#: what queryBillData asks for: call records, recording records or both (001:65246)
BillDataType = Literal["call", "record", "call_record"]


@dataclass(frozen=True, kw_only=True)
class PreparedRequest(Request[int]):
    """An add-numbers request whose JSON body is already serialised, ready for
    :meth:`HuaweiClient.send_prepared` / :meth:`AsyncHuaweiClient.send_prepared`.

    Build it with :meth:`HuaweiClient.prepare_add_numbers` (records given as strings, checked in
    bulk, body written without a per-record ``json.dumps``) or
    :meth:`HuaweiClient.prepare_add_numbers_body` (a body serialised elsewhere). Building sends
    nothing; sending signs the request (auth-v2) and reads the answer exactly like the ordinary
    methods (typed errors, HTTP-200 error codes). It is immutable and can be sent again (e.g. after
    a flow-control answer); it holds no credentials. ``path`` is under the client's base URL.
    """

    section: str  # the seed section, e.g. "7.4.2" (selects the per-endpoint error-code meanings)
    records: int  # how many records the body carries


JSON_HEADERS = {"Content-Type": "application/json; charset=UTF-8"}
_DIALS = re.compile(r"[0-9*#]+\Z")
_FAST_ID = re.compile(r"[A-Za-z0-9_\-]*\Z")  # needs no JSON escaping, none of customField's forbidden characters
_ADD_BODY_HEAD = re.compile(rb'\s*\{\s*"callDataList"\s*:\s*\[')


def _seg(value: Any) -> str:
    """One path segment, percent-encoded whole (UTF-8, every byte outside the unreserved set):
    a ``/``, ``?``, ``#`` or ``%`` in a data id must stay inside its segment, and httpx leaves a
    ``%`` that happens to form an escape (``100%25``) as it is, so the platform would decode a
    different id. The signature covers the path as sent (auth-v2 signs ``uri`` unchanged,
    001:1442), so what is signed is exactly this text."""
    return quote(str(value), safe="")


def _returned(answer: Any, key: str) -> Any:
    """A field of an answer's ``returnObject``."""
    return (answer.get("returnObject") or {}).get(key)


def _returned_id(answer: Any) -> int:
    return int(_returned(answer, "id"))


def _total_size(answer: Any) -> int:
    return as_int(_returned(answer, "totalSize"))


class HuaweiRequests:
    """Builds the validated iSales and CC-FS requests of one VDN; the sync and async clients
    only send them. ``max_skew`` is the clock difference a 401 is blamed on (seconds)."""

    def __init__(self, vdn_id: int, v2_max_per_call: int = 20, max_skew: float = 900.0) -> None:
        check_range(PLATFORM, "vdnId", vdn_id, 1, 9999, required=True, line="001:21396")
        self.vdn = int(vdn_id)
        self.v2_max = v2_max_per_call
        self.max_skew = max_skew

    def _isales(self, method: str, version: int, under_vdn: str, endpoint: str, section: str, body: Any = None, *,
                query: Mapping[str, Any] | None = None, parse: Callable[[Any], Any] = no_result) -> Request[Any]:
        """An iSales request to ``/rest/isales/v{version}/openapi/campaigns/{vdnId}{under_vdn}``."""
        path = f"{ISALES_V1 if version == 1 else ISALES_V2}/{self.vdn}{under_vdn}"
        return Request(platform=PLATFORM, method=method, path=path, endpoint=endpoint, query=query or None,
                       content=None if body is None else json_content(body), headers=JSON_HEADERS,
                       check=partial(check_isales, endpoint, section),
                       status_error=partial(status_error, endpoint, section, self.max_skew), parse=parse)

    def _prepared(self, path: str, endpoint: str, section: str, content: bytes, records: int) -> PreparedRequest:
        return PreparedRequest(platform=PLATFORM, method="POST", path=path, endpoint=endpoint, section=section,
                               content=content, records=records, headers=JSON_HEADERS,
                               check=partial(check_isales, endpoint, section),
                               status_error=partial(status_error, endpoint, section, self.max_skew),
                               parse=_total_size)

    def _ccfs(self, endpoint: str, message: dict[str, Any], *, parse: Callable[[Any], Any] | None = None,
              download: Download | None = None, not_ready_retryable: bool = False) -> Request[Any]:
        return Request(platform=PLATFORM, method="POST", path=f"{CCFS}/{endpoint}", endpoint=endpoint, server="ccfs",
                       content=json_content({"request": {"version": "2.0"}, "msgBody": message}),
                       headers=JSON_HEADERS, check=partial(check_ccfs, endpoint, not_ready_retryable),
                       status_error=partial(status_error, endpoint, None, self.max_skew), parse=parse,
                       download=download)

    # --- campaigns (7.1)
    def create_campaign(self, spec: CampaignSpec) -> Request[int]:
        spec.validate()
        return self._isales("POST", 1, "", "createCampaign", "7.1.1", spec.to_json(),
                            parse=_returned_id)

    def create_campaign_v2(self, spec: CampaignSpecV2) -> Request[int]:
        spec.validate()
        return self._isales("POST", 2, "", "createCampaignV2", "7.1.2", spec.to_json(),
                            parse=_returned_id)

    def get_campaign(self, campaign_id: int) -> Request[Campaign]:
        def parse(b: Any) -> Campaign:
            o = b.get("returnObject") or {}
            return Campaign(int(campaign_id), o.get("name", ""), as_int(o.get("status")), o)
        return self._isales("GET", 1, f"/{int(campaign_id)}", "queryCampaign", "7.1.6", parse=parse)

    def list_campaigns(self, *, name: str | None = None, status: int = 0, device_type: int = 0, page: int = 1,
                       rows_per_page: int = 100) -> Request[tuple[int, list[Campaign]]]:
        check_len(PLATFORM, "name", name, 30, line="001:23013")
        if status not in (0, 2, 3, 4):
            raise fail(PLATFORM, "status", "0 (all), 2, 3 or 4", "001:23014")
        if device_type not in (0, 1, 2, 3, 5, 6):
            raise fail(PLATFORM, "deviceType", "0 (all), 1, 2, 3, 5 or 6", "001:23015")
        check_range(PLATFORM, "rowsPerPage", rows_per_page, 1, 100, required=True, line="001:23019")
        params = drop_none({"name": name, "status": status, "deviceType": device_type, "curPage": max(1, int(page)),
                            "rowsPerPage": rows_per_page})

        def parse(b: Any) -> tuple[int, list[Campaign]]:
            items = [Campaign(as_int(o.get("id")), str(o.get("name", "")), as_int(o.get("status")), o)
                     for o in b.get("data") or []]
            return as_int(b.get("totalSize")), items
        return self._isales("GET", 1, "", "queryCampaignList", "7.1.7", query=params, parse=parse)

    def delete_campaign(self, campaign_id: int, *, archive_history: bool = False) -> Request[None]:
        """7.1.5: only a campaign that is not started (pause it first, else 0200009, 001:22610)."""
        return self._isales("DELETE", 1, f"/{int(campaign_id)}", "deleteCampaign", "7.1.5",
                            {"archiveHistory": 1 if archive_history else 0})

    def pause_campaign(self, campaign_id: int) -> Request[None]:
        return self._isales("PUT", 1, f"/{int(campaign_id)}/pause", "pauseCampaign", "7.1.8")

    def resume_campaign(self, campaign_id: int) -> Request[None]:
        return self._isales("PUT", 1, f"/{int(campaign_id)}/resume", "resumeCampaign", "7.1.9")

    # --- numbers (7.4)
    def add_numbers(self, campaign_id: int, records: Sequence[CallData]) -> Request[int]:
        if not records:
            raise fail(PLATFORM, "callDataList", "is empty", "001:25466")
        if len(records) > 20:
            raise fail(PLATFORM, "callDataList", f"{len(records)} records, at most 20 per call", "001:25433")
        for i, r in enumerate(records):
            r.validate(i)
        check_unique(PLATFORM, "callDataList.called", (r.called for r in records), "001:25434")
        body = {"callDataList": [{k: v for k, v in vars(r).items() if v is not None} for r in records]}
        return self._isales("POST", 1, f"/calldata/{int(campaign_id)}", "addCallData", "7.4.1", body,
                            parse=_total_size)

    def add_numbers_v2(self, campaign_id: int, records: Sequence[CallDataV2]) -> Request[int]:
        if not records:
            raise fail(PLATFORM, "callDataList", "is empty", "001:25619")
        if len(records) > self.v2_max:
            raise fail(PLATFORM, "callDataList", f"{len(records)} records, at most {self.v2_max} per call "
                       "(server setting isales.api.calldata.max)", "001:25586")
        for i, r in enumerate(records):
            r.validate(i)
        body = {"callDataList": [r.to_json() for r in records]}
        return self._isales("POST", 2, f"/calldata/{int(campaign_id)}", "addCallDataV2", "7.4.2", body,
                            parse=_total_size)

    def _add_target(self, campaign_id: int, api: AddApi) -> tuple[str, str, str, int]:
        if api == "v1":
            return f"{ISALES_V1}/{self.vdn}/calldata/{int(campaign_id)}", "addCallData", "7.4.1", 20
        if api == "v2":
            return f"{ISALES_V2}/{self.vdn}/calldata/{int(campaign_id)}", "addCallDataV2", "7.4.2", self.v2_max
        raise fail(PLATFORM, "api", f"{api!r}: 'v1' (7.4.1) or 'v2' (7.4.2)")

    def prepare_add_numbers(self, campaign_id: int, called: Sequence[str], *,
                            session_ids: Sequence[str | int] | None = None, session_prefix: str = "",
                            custom_field: str | None = None, api: AddApi = "v1") -> PreparedRequest:
        lines = ("001:25466", "001:25472", "001:25471", "001:25476") if api == "v1" else \
            ("001:25619", "001:25636", "001:25624", "001:25627")
        path, endpoint, section, most = self._add_target(campaign_id, api)
        n = len(called)
        if n == 0:
            raise fail(PLATFORM, "callDataList", "is empty", lines[0])
        if n > most:
            raise fail(PLATFORM, "callDataList", f"{n} records, at most {most} per call", lines[0])
        nums = called if isinstance(called, list) else list(called)
        if not _DIALS.match("".join(nums)) or max(map(len, nums)) > 24 or min(map(len, nums)) == 0:
            bad = next(x for x in nums if not _DIALS.match(x) or len(x) > 24)
            raise fail(PLATFORM, "called", f"{bad!r}: 1-24 characters of 0-9, *, #", lines[1])
        if api == "v1" and len(set(nums)) != n:
            raise fail(PLATFORM, "callDataList.called", "the same number twice in one call", "001:25434")
        if custom_field is not None and (not _FAST_ID.match(custom_field) or not 0 < len(custom_field) <= 200):
            raise fail(PLATFORM, "customField", f"{custom_field!r}: 1-200 of A-Z a-z 0-9 _ - on this path (use "
                       "add_numbers for other characters)", lines[3])
        head = '{"called":"' if api == "v1" else '{"called":[{"calledNo":"'
        close = '"' if api == "v1" else '"}]'
        tail = (f',"customField":"{custom_field}"}}' if custom_field is not None else "}")
        if session_ids is not None:
            sids = list(map(str, session_ids))
            if len(sids) != n:
                raise fail(PLATFORM, "sessionId", f"{len(sids)} session ids for {n} numbers", lines[2])
            if not _FAST_ID.match(session_prefix + "".join(sids)) or len(session_prefix) + max(map(len, sids)) > 32:
                raise fail(PLATFORM, "sessionId", "at most 32 of A-Z a-z 0-9 _ - on this path (use add_numbers for "
                           "other characters)", lines[2])
            mid = close + ',"sessionId":"' + session_prefix
            tail = '"' + tail
            body = ",".join([head + d + mid + s + tail for d, s in zip(nums, sids)])
        else:
            body = ",".join([head + d + close + tail for d in nums])
        return self._prepared(path, endpoint, section, ('{"callDataList":[' + body + "]}").encode(), n)

    def prepare_add_numbers_body(self, campaign_id: int, content: bytes, *, records: int,
                                 api: AddApi = "v1") -> PreparedRequest:
        path, endpoint, section, most = self._add_target(campaign_id, api)
        if not isinstance(content, (bytes, bytearray)) or not _ADD_BODY_HEAD.match(bytes(content[:64])):
            raise fail(PLATFORM, "body", 'a UTF-8 JSON object body {"callDataList": [...]} expected', "001:25466")
        if not 0 < records <= most:
            raise fail(PLATFORM, "callDataList", f"{records} records, 1 to {most} per call", "001:25466")
        return self._prepared(path, endpoint, section, bytes(content), records)

    def delete_numbers(self, campaign_id: int, *, sessionId: str | None = None, called: str | None = None,
                       customField: str | None = None, recycleTime: str | None = None,
                       recycleType: str | None = None, archiveHistory: int | None = None) -> Request[int]:
        check_len(PLATFORM, "sessionId", sessionId, 32, line="001:25778")
        check_dial(PLATFORM, "called", called, required=False, line="001:25779")
        check_len(PLATFORM, "customField", customField, 200, line="001:25780")
        check_time(PLATFORM, "recycleTime", recycleTime, line="001:25781")
        if recycleType is not None and str(recycleType) not in ("1", "2", "3"):
            raise fail(PLATFORM, "recycleType", "must be 1, 2 or 3", "001:25782")
        if archiveHistory is not None and archiveHistory not in (0, 1):
            raise fail(PLATFORM, "archiveHistory", "must be 0 or 1", "001:25785")
        body = drop_none(dict(sessionId=sessionId, called=called, customField=customField, recycleTime=recycleTime,
                              recycleType=None if recycleType is None else str(recycleType),
                              archiveHistory=archiveHistory))
        if not body:
            raise fail(PLATFORM, "delete filter", "give at least one of sessionId, called, customField, recycleTime")
        return self._isales("POST", 1, f"/calldata/{int(campaign_id)}/delete", "deleteCallData", "7.4.3", body,
                            parse=lambda b: as_int(b.get("successCount")))

    def query_number(self, campaign_id: int, data_id: str) -> Request[dict[str, object]]:
        return self._isales("GET", 1, f"/calldata/{int(campaign_id)}/{_seg(data_id)}", "queryCallData", "7.4.6",
                            parse=lambda b: b.get("returnObject") or b.get("data") or {})

    def statistics(self, campaign_id: str | int | None = None,
                   batch_id: str | None = None) -> Request[list[CampaignStatistics]]:
        if batch_id is not None and campaign_id is None:
            raise fail(PLATFORM, "batchId", "needs campaignId", "001:26195")
        params = drop_none({"campaignId": None if campaign_id is None else str(campaign_id), "batchId": batch_id})

        def parse(b: Any) -> list[CampaignStatistics]:
            out = []
            for item in b.get("countDetail") or []:
                known = {k: item[k] for k in CampaignStatistics.__dataclass_fields__ if k in item}
                known["campaignId"] = str(item.get("campaignId", ""))
                out.append(CampaignStatistics(**known))
            return out
        return self._isales("GET", 2, "/statistics", "statistics", "7.4.7", query=params, parse=parse)

    # --- server-side file imports (7.4.8/7.4.9, 7.3.5/7.3.6)
    @staticmethod
    def _file_body(server_id: str, file_name: str, file_path: str | None, hour: int | None,
                   minute: str | None) -> dict[str, Any]:
        check_len(PLATFORM, "serverId", server_id, 64, required=True, line="001:26403")
        check_len(PLATFORM, "fileName", file_name, 255, required=True, line="001:26405")
        if (hour is None) != (minute is None):
            raise fail(PLATFORM, "hour/minute", "both or neither", "001:26409")
        check_range(PLATFORM, "hour", hour, 0, 23, line="001:26409")
        if minute is not None and str(minute) not in ("00", "30"):
            raise fail(PLATFORM, "minute", "must be '00' or '30'", "001:26410")
        return drop_none({"serverId": server_id, "filePath": file_path, "fileName": file_name,
                          "hour": None if hour is None else str(hour), "minute": minute})

    def import_file(self, campaign_id: int | str, server_id: str, file_name: str, *, file_path: str | None = None,
                    hour: int | None = None, minute: str | None = None) -> Request[str]:
        body = self._file_body(server_id, file_name, file_path, hour, minute)
        return self._isales("POST", 1, f"/calldatafile/uploadFileServer/{_seg(campaign_id)}", "importCallDataFile",
                            "7.4.8", body, parse=lambda b: str(b.get("importTaskId")))

    @staticmethod
    def _parse_tasks(b: Any) -> list[ImportTask]:
        out = []
        for t in b.get("result") or []:
            out.append(ImportTask(id=str(t.get("id")), status=str(t.get("status")), succNum=as_int(t.get("succNum")),
                                  repeatNum=as_int(t.get("repeatNum")), failNum=as_int(t.get("failNum")),
                                  errMsg=str(t.get("errMsg") or ""), beginTime=t.get("beginTime"),
                                  endTime=t.get("endTime")))
        return out

    def import_results(self, campaign_id: int | str, *, offset: int = 0, limit: int = 100,
                       task_ids: Sequence[str] | None = None) -> Request[list[ImportTask]]:
        check_range(PLATFORM, "limit", limit, 1, 100, required=True, line="001:26514")
        body = drop_none({"offset": offset, "limit": limit, "importTaskIds": list(task_ids) if task_ids else None})
        return self._isales("POST", 1, f"/calldatafile/queryDataImportTask/{_seg(campaign_id)}", "queryDataImportTask",
                            "7.4.9", body, parse=self._parse_tasks)

    # --- blacklist (7.3)
    def blacklist_add(self, req: BlacklistAdd) -> Request[None]:
        req.validate()
        return self._isales("POST", 1, "/blocklist/add", "addBlocklist", "7.3.1", drop_none(asdict(req)))

    def blacklist_delete(self, number: str) -> Request[None]:
        check_dial(PLATFORM, "blocklistNo", number, line="001:24892")
        return self._isales("POST", 1, "/blocklist/delete", "deleteBlocklist", "7.3.2", {"blocklistNo": number})

    def blacklist_clear(self) -> Request[None]:
        return self._isales("DELETE", 1, "/blocklist", "deleteAllBlocklist", "7.3.3")

    def blacklist_query(self, numbers: Sequence[str] | None = None, *, offset: int | None = None,
                        limit: int | None = None) -> Request[list[BlacklistEntry]]:
        if (numbers is None) == (offset is None and limit is None):
            raise fail(PLATFORM, "blocklist/offset/limit", "give either numbers or offset+limit, not both", "001:25072")
        if numbers is not None:
            if len(numbers) > 20:
                raise fail(PLATFORM, "blocklist", "at most 20 numbers", "001:25070")
            for i, n in enumerate(numbers):
                check_dial(PLATFORM, f"blocklist[{i}]", n, line="001:25070")
            body: dict[str, Any] = {"blocklist": list(numbers)}
        else:
            check_range(PLATFORM, "limit", limit, 1, 100, required=True, line="001:25072")
            body = {"offset": offset or 0, "limit": limit}

        def parse(b: Any) -> list[BlacklistEntry]:
            data = b.get("data") or []
            if isinstance(data, dict):
                data = [data]
            return [BlacklistEntry(str(d.get("blockNum")), d.get("validityExpirationTime"), d.get("flag"))
                    for d in data]
        return self._isales("POST", 1, "/blocklist/query", "queryBlocklist", "7.3.4", body, parse=parse)

    def blacklist_import_file(self, server_id: str, file_name: str, *, file_path: str | None = None,
                              hour: int | None = None, minute: str | None = None) -> Request[str]:
        body = self._file_body(server_id, file_name, file_path, hour, minute)
        return self._isales("POST", 1, "/blackfile/uploadFileServer", "importBlackFile", "7.3.5", body,
                            parse=lambda b: str(b.get("importTaskId")))

    def blacklist_import_results(self, *, offset: int = 0, limit: int = 100,
                                 task_ids: Sequence[str] | None = None) -> Request[list[ImportTask]]:
        check_range(PLATFORM, "limit", limit, 1, 100, required=True, line="001:25328")
        body = drop_none({"offset": offset, "limit": limit, "importTaskIds": list(task_ids) if task_ids else None})
        return self._isales("POST", 1, "/blackfile/queryDataImportTask", "queryBlackImportTask", "7.3.6", body,
                            parse=self._parse_tasks)

    # --- file servers (7.8)
    def add_file_server(self, ip: str, port: int | str, file_path: str, user_name: str, password: str) -> Request[str]:
        check_len(PLATFORM, "serverInfo.ip", ip, 64, required=True, line="001:27446")
        check_len(PLATFORM, "serverInfo.filePath", file_path, 255, required=True, line="001:27448")
        check_len(PLATFORM, "userName", user_name, 30, required=True, line="001:27408")
        check_no_chars(PLATFORM, "userName", user_name, CUSTOM_FIELD_FORBIDDEN - {"-"}, "001:27408")
        check_range(PLATFORM, "serverInfo.port", port, 1, 65535, required=True, line="001:27447")
        if not 8 <= len(password or "") <= 80:
            raise fail(PLATFORM, "serverPwd", "must be 8-80 characters", "001:27409")
        body = {"serverInfo": {"ip": ip, "port": str(port), "filePath": file_path}, "userName": user_name,
                "serverPwd": password}
        return self._isales("POST", 1, "/file/addServer", "addServer", "7.8.1", body,
                            parse=lambda b: str(b.get("serverId")))

    def delete_file_server(self, server_id: str) -> Request[None]:
        return self._isales("POST", 1, f"/file/{_seg(server_id)}/deleteServer", "deleteServer", "7.8.2", {})

    def query_file_servers(self, *, offset: int = 0, limit: int = 100,
                           server_ids: Sequence[str] | None = None) -> Request[list[dict[str, object]]]:
        check_range(PLATFORM, "limit", limit, 1, 100, required=True, line="001:27766")
        body = drop_none({"offset": offset, "limit": limit, "serverIds": list(server_ids) if server_ids else None})
        return self._isales("POST", 1, "/file/queryServer", "queryServer", "7.8.4", body,
                            parse=lambda b: list(b.get("server") or []))

    # --- results (7.5.1)
    def call_results(self, campaign_id: int, *, sessionId: str | None = None, customField: str | None = None,
                     pageSize: int = 100, pageNum: int = 1, showDetail: int = 0, beginTime: str | None = None,
                     endTime: str | None = None) -> Request[tuple[int, list[CallResult]]]:
        check_len(PLATFORM, "sessionId", sessionId, 32, line="001:26651")
        check_range(PLATFORM, "pageSize", pageSize, 1, 100 if showDetail else 500, line="001:26654")
        if (beginTime is None) != (endTime is None):
            raise fail(PLATFORM, "beginTime/endTime", "both or neither", "001:26658")
        if beginTime and endTime:
            check_time(PLATFORM, "beginTime", beginTime, "%Y-%m-%d", line="001:26658")
            check_time(PLATFORM, "endTime", endTime, "%Y-%m-%d", line="001:26659")
            span = (datetime.strptime(endTime, "%Y-%m-%d") - datetime.strptime(beginTime, "%Y-%m-%d")).days
            if not 0 < span <= 30:
                raise fail(PLATFORM, "beginTime/endTime", "begin must be before end, at most 30 days apart",
                           "001:26658")
        body = drop_none(dict(sessionId=sessionId, customField=customField, pageSize=pageSize, pageNum=pageNum,
                              showDetail=showDetail, beginTime=beginTime, endTime=endTime))

        def parse(b: Any) -> tuple[int, list[CallResult]]:
            rows = []
            for d in b.get("data") or []:
                known = {k: d.get(k) for k in CallResult.__dataclass_fields__}
                known["campaignId"] = str(known["campaignId"])
                known["callStatus"] = as_int(known["callStatus"])
                rows.append(CallResult(**known))
            return as_int(b.get("totalCount")), rows
        return self._isales("POST", 1, f"/callresult/{int(campaign_id)}", "queryCallResult", "7.5.1", body, parse=parse)

    # --- CC-FS (13.2.1)
    def query_bill_data(self, begin: str, end: str, callback_url: str, *, data_type: BillDataType = "call_record",
                        accountId: str | None = None, agentId: str | None = None, callId: str | None = None,
                        callerNo: str | None = None, calleeNo: str | None = None) -> Request[str]:
        check_time(PLATFORM, "beginTime", begin, required=True, line="001:65238")
        check_time(PLATFORM, "endTime", end, required=True, line="001:65239")
        span = (datetime.strptime(end, "%Y-%m-%d %H:%M:%S") - datetime.strptime(begin, "%Y-%m-%d %H:%M:%S"))
        if span.total_seconds() < 0:
            raise fail(PLATFORM, "beginTime", "is later than endTime (0300013)", "001:66916")
        if span.total_seconds() > 3 * 86400:
            raise fail(PLATFORM, "beginTime/endTime", "span over 3 days (0300014)", "001:66917")
        if data_type not in ("call", "record", "call_record"):
            raise fail(PLATFORM, "dataType", "must be call, record or call_record", "001:65246")
        check_len(PLATFORM, "accountId", accountId, 20)
        check_len(PLATFORM, "agentId", agentId, 20)
        check_len(PLATFORM, "callId", callId, 25)
        check_len(PLATFORM, "callBackURL", callback_url, 1024, required=True)
        msg = drop_none(dict(beginTime=begin, endTime=end, accountId=accountId, agentId=agentId, callId=callId,
                             callerNo=callerNo, calleeNo=calleeNo, dataType=data_type, callBackURL=callback_url))

        def parse(b: Any) -> str:
            rd = b.get("resultData") or {}
            rid = rd.get("responseId") or rd.get("responseld")  # the seed's OCR spelling (001:65351)
            if not rid:
                raise ProtocolError("huawei queryBillData: success without resultData.responseId", platform=PLATFORM)
            return str(rid)
        return self._ccfs("queryBillData", msg, parse=parse)

    def download_bill_file(self, bill_file: str, dest: Path) -> Request[Path]:
        check_len(PLATFORM, "billFileName", bill_file, 49, required=True, line="001:65419")
        if not all(c.isascii() and (c.isalnum() or c in ".-_") for c in bill_file):
            raise fail(PLATFORM, "billFileName", "only a-zA-Z0-9.-_ allowed (0300022)", "001:66926")
        return self._ccfs("downloadBillFile", {"billFileName": bill_file}, download=_download(dest, bill_file),
                          not_ready_retryable=True)

    def download_record_file(self, file_name: str, dest: Path) -> Request[Path]:
        check_len(PLATFORM, "fileName", file_name, 225, required=True, line="001:65516")
        if not all(c.isascii() and (c.isalnum() or c in "/.") for c in file_name):
            raise fail(PLATFORM, "fileName", "only a-zA-Z0-9/. allowed (0300022)", "001:66926")
        return self._ccfs("downloadRecordFile", {"fileName": file_name}, download=_download(dest, file_name))

    def download_record(self, dest: Path, *, file_name: str | None = None, call_id: str | None = None,
                        cc_id: str | None = "1") -> Request[Path]:
        if not file_name and not call_id:
            raise fail(PLATFORM, "fileName/callId", "give at least one (0300019)", "001:66923")
        if file_name:
            file_name = file_name.replace("\\", "/")  # original_file_name uses either separator
            check_len(PLATFORM, "fileName", file_name, 225, line="001:65613")
            if not all(c.isascii() and (c.isalnum() or c in ":/.") for c in file_name):
                raise fail(PLATFORM, "fileName", "only a-zA-Z0-9:/. allowed (0300022)", "001:66926")
        check_len(PLATFORM, "callId", call_id, 25, line="001:65614")
        check_len(PLATFORM, "ccId", cc_id, 64, line="001:65615")
        msg = drop_none({"fileName": file_name, "callId": call_id, "ccId": cc_id})
        return self._ccfs("downloadRecord", msg, download=_download(dest, file_name or call_id or "record"))


# ----------------------------------------------------------------------------------------------
# reading the answers


def check_isales(endpoint: str, section: str, body: Any, status: int) -> Any:
    """An iSales answer's envelope: ``returnCode``/``resultCode`` other than success raises the
    typed error of the code's meaning in *section*."""
    if not isinstance(body, dict):
        raise ProtocolError(f"huawei {endpoint}: expected a JSON object, got {type(body).__name__}",
                            platform=PLATFORM, endpoint=endpoint, http_status=status)
    code = body.get("returnCode", body.get("resultCode"))
    if code is None:
        if section == "7.4.7" and "countDetail" in body:  # statistics has no envelope (001:26281)
            return body
        raise ProtocolError(f"huawei {endpoint}: response has no resultCode/returnCode: "
                            f"{json.dumps(body, ensure_ascii=False)[:200]}", platform=PLATFORM, endpoint=endpoint,
                            http_status=status)
    if "".join(str(code).split()) not in ISALES_OK:
        msg = body.get("returnDesc") or body.get("resultDesc") or body.get("description") or ""
        raise huawei_isales_error(code, endpoint=endpoint, section=section, message=str(msg),
                                  http_status=status, body=body)
    return body


def check_ccfs(endpoint: str, not_ready_retryable: bool, body: Any, status: int) -> Any:
    """A CC-FS answer's envelope: ``resultCode`` (top level or in ``response``) must be 0."""
    if not isinstance(body, dict):
        raise ProtocolError(f"huawei {endpoint}: expected a JSON object, got {type(body).__name__}",
                            platform=PLATFORM, endpoint=endpoint, http_status=status)
    code = body.get("resultCode")
    if code is None and isinstance(body.get("response"), dict):
        code = body["response"].get("resultCode")
    if code is None or str(code).strip() != "0":
        raise huawei_ccfs_error(code if code is not None else "missing", endpoint=endpoint,
                                message=str(body.get("resultDesc") or ""), http_status=status, body=body,
                                not_ready_retryable=not_ready_retryable)
    return body


def status_error(endpoint: str, section: str | None, max_skew: float, resp: httpx.Response) -> PlatformError | None:
    """401/403 as authentication errors (clock skew named when the server's Date says so); a 429
    of statistics waits the seed's five minutes when the server names no wait."""
    if resp.status_code in (401, 403):
        return auth_failure(platform=PLATFORM, endpoint=endpoint, status=resp.status_code,
                            date_header=resp.headers.get("date"), body=resp.text[:300], max_skew=max_skew)
    if resp.status_code == 429 and section == "7.4.7":
        err = _http.generic_status_error(resp, platform=PLATFORM, endpoint=endpoint)
        if err is not None and err.retry_after is None:
            err.retry_after = 300.0  # "五分钟执行一次" (001:26271)
        return err
    return None


def _download(dest: Path, name: str) -> Download:
    """A CC-FS download into *dest* (a file, or a folder where the file keeps the name the request
    gives, a ``:`` of a ``.V3`` path made ``_``)."""
    return Download(Path(dest), PurePosixPath(name).name.replace(":", "_"), rename=_fix_suffix)


def _fix_suffix(dest: Path, kind: str) -> Path:
    if kind == "binary" and not dest.suffix:  # headerless audio: the platform's raw .V3 form
        return dest.with_name(dest.name + ".V3")
    want = {"zip": ".zip", "wav": ".wav"}.get(kind)
    if want and dest.suffix.lower() != want and dest.suffix.lower() not in (".v3",):
        return dest.with_suffix(want) if dest.suffix else dest.with_name(dest.name + want)
    return dest
