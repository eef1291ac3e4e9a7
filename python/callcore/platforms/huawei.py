"""Huawei CEC client: CC-iSales outbound campaigns (seed 001 chapter 7) and CC-FS bill/recording
access (13.2.1), both signed with auth-v2 (C2) through :mod:`callcore.sign`.

Two clients with the same methods: :class:`HuaweiClient` (sync) and :class:`AsyncHuaweiClient`
(async). Each method validates its request against the seed's field limits before sending, reads
an HTTP-200 body carrying an error code as an error, and raises a typed
:mod:`callcore.platforms.errors` exception that says whether a retry can help.

    with HuaweiClient("https://cc.example:28080", ak, sk, vdn_id=1) as hw:
        cid = hw.create_campaign(CampaignSpec(...))
        hw.add_numbers(cid, [CallData(called="13800000000", customField="batch-1")])
"""
from __future__ import annotations

import csv
import inspect
import io
import json
import os
import re
import zipfile
import zlib
from dataclasses import asdict, dataclass, field
from datetime import date, datetime
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING, Any, Callable, Iterator, Mapping, Sequence
from urllib.parse import quote

import httpx

from . import _http
from ._http import HttpOptions
from .errors import (ClientValidationError, hold_secret, PlatformError, ProtocolError, UnsafeArchiveError, auth_failure,
                     huawei_ccfs_error, huawei_isales_error)
from .models import (CUSTOM_FIELD_FORBIDDEN, TYPE_FORBIDDEN, check_dial, check_len, check_no_chars, check_range,
                     check_time, check_unique, drop_none, fail)

P = "huawei"
ISALES_OK = {"0200000", "020000", "0"}  # 020000 in 7.4.3's sample (001:25838), 0 in 7.4.4's (001:25942)
ISALES_V1 = "/rest/isales/v1/openapi/campaigns"
ISALES_V2 = "/rest/isales/v2/openapi/campaigns"
CCFS = "/CCFS/resource/ccfs"


# ----------------------------------------------------------------------------------------------
# request models


@dataclass
class ScheduleParam:
    """Call-time windows, HH:mm (001:21431-21452); at least one workday window."""

    workdayBeginTime1: str | None = None
    workdayEndTime1: str | None = None
    workdayBeginTime2: str | None = None
    workdayEndTime2: str | None = None
    workdayBeginTime3: str | None = None
    workdayEndTime3: str | None = None
    holidayBeginTime1: str | None = None
    holidayEndTime1: str | None = None
    holidayBeginTime2: str | None = None
    holidayEndTime2: str | None = None
    holidayBeginTime3: str | None = None
    holidayEndTime3: str | None = None

    def validate(self) -> None:
        d = asdict(self)
        for k, v in d.items():
            check_time(P, f"scheduleParam.{k}", v, "%H:%M", line="001:21431")
        if not any(d[f"workdayBeginTime{i}"] for i in (1, 2, 3)):
            raise fail(P, "scheduleParam", "workday windows 1-3 cannot all be empty", "001:21452")
        for kind in ("workday", "holiday"):
            for i in (1, 2, 3):
                b, e = d[f"{kind}BeginTime{i}"], d[f"{kind}EndTime{i}"]
                if bool(b) != bool(e):
                    raise fail(P, f"scheduleParam.{kind}{i}", "begin and end must both be set or both empty",
                               "001:21452")
                if b and e and b >= e:
                    raise fail(P, f"scheduleParam.{kind}{i}", f"begin {b} is not before end {e}", "001:21452")


# predictMethod -> its parameter object and the fields' ranges (tables 7-9 to 7-12, 001:21492-21520)
_PREDICT_PARAMS: dict[int, tuple[str, dict[str, tuple[int, int]]]] = {
    1: ("expPredictParam", {"maxAvgCallTime": (50, 200), "minAvgCallTime": (50, 200), "outBoundRate": (0, 100)}),
    2: ("agentPredictParam", {"maxAvgCallTime": (50, 200), "minAvgCallTime": (50, 200), "lossRate": (0, 100),
                              "utilRate": (0, 100), "utilRateMethod": (1, 2)}),
    3: ("connectPredictParam", {"maxAvgCallTime": (50, 200), "minAvgCallTime": (50, 200), "lossRate": (0, 100),
                                "waitTime": (0, 16), "connRate": (0, 100)}),
    5: ("offhookPredictParam", {"offHookRate": (50, 200)}),
}


def check_skill_param(skill: Mapping[str, Any], max_alerting: int) -> None:
    """skillParam of a skill-queue campaign (tables 7-6 to 7-12, 001:21466-21520): the platform
    refuses a predictive campaign without its prediction parameters (02000009), so this says so
    before sending."""
    check_range(P, "skillParam.skillId", skill.get("skillId"), 1, 1000, required=True, line="001:21470")
    check_len(P, "skillParam.skillName", skill.get("skillName"), 100, line="001:21471")
    ob = skill.get("outBoundType")
    if ob not in (2, 5, 6):
        raise fail(P, "skillParam.outBoundType", f"{ob!r} is not 2 (predictive), 5 (preview) or 6 (progressive)",
                   "001:21472")
    if ob == 2:
        pp = skill.get("predictParam")
        if not isinstance(pp, Mapping):
            raise fail(P, "skillParam.predictParam", "required when outBoundType is 2", "001:21473")
        method = pp.get("predictMethod")
        if method not in _PREDICT_PARAMS:
            raise fail(P, "skillParam.predictParam.predictMethod", f"{method!r} is not 1, 2, 3 or 5", "001:21486")
        key, ranges = _PREDICT_PARAMS[method]
        sub = pp.get(key)
        if not isinstance(sub, Mapping):
            raise fail(P, f"skillParam.predictParam.{key}", f"required when predictMethod is {method}", "001:21487")
        for f, (lo, hi) in ranges.items():
            check_range(P, f"skillParam.predictParam.{key}.{f}", sub.get(f), lo, hi, required=True, line="001:21492")
        if "minAvgCallTime" in ranges and int(sub["minAvgCallTime"]) > int(sub["maxAvgCallTime"]):
            raise fail(P, f"skillParam.predictParam.{key}.minAvgCallTime", "must be <= maxAvgCallTime", "001:21496")
    if ob == 5:
        pv = skill.get("previewParam")
        if not isinstance(pv, Mapping):
            raise fail(P, "skillParam.previewParam", "required when outBoundType is 5", "001:21474")
        check_range(P, "skillParam.previewParam.failInterval", pv.get("failInterval"), 3, 60, required=True,
                    line="001:21479")
        check_range(P, "skillParam.previewParam.obCallCount", pv.get("obCallCount"), 1, 100, required=True,
                    line="001:21480")
        check_range(P, "skillParam.previewParam.autoCallTime", pv.get("autoCallTime"), 5, max(5, max_alerting - 3),
                    required=True, line="001:21481")


@dataclass
class CampaignSpec:
    """7.1.1 新增外呼活动 (v1) request body (001:21403-21422)."""

    name: str
    strBeginTime: str
    strEndTime: str
    deviceType: int
    callerNo: str
    maxAlertingTime: int
    scheduleParam: ScheduleParam
    callbackUrl: str
    description: str | None = None
    ivrParam: dict[str, Any] | None = None
    skillParam: dict[str, Any] | None = None
    initStatus: int = 1  # created paused: numbers can only be added to a non-running campaign

    def validate(self) -> None:
        check_len(P, "name", self.name, 32, required=True, line="001:21410")
        check_len(P, "description", self.description, 200, line="001:21412")
        check_no_chars(P, "description", self.description, set('"[]=;<>'), "001:21412")
        check_time(P, "strBeginTime", self.strBeginTime, required=True, line="001:21413")
        check_time(P, "strEndTime", self.strEndTime, required=True, line="001:21414")
        if self.strBeginTime >= self.strEndTime:
            raise fail(P, "strEndTime", "must be after strBeginTime", "001:21414")
        if self.deviceType not in (1, 2, 3, 5, 6):
            raise fail(P, "deviceType", f"{self.deviceType} not in 1, 2, 3, 5, 6", "001:21415")
        check_dial(P, "callerNo", self.callerNo, line="001:21416")
        lo = 9 if self.deviceType == 5 else 5
        check_range(P, "maxAlertingTime", self.maxAlertingTime, lo, 120, required=True, line="001:21417")
        self.scheduleParam.validate()
        if self.deviceType in (1, 3):
            if not self.ivrParam:
                raise fail(P, "ivrParam", "required when deviceType is 1 or 3", "001:21419")
            if not self.ivrParam.get("deviceSign"):
                raise fail(P, "ivrParam.deviceSign", "is required (the IVR flow or access code)", "001:21457")
            check_range(P, "ivrParam.callCount", self.ivrParam.get("callCount"), 1, 100, required=True,
                        line="001:21458")
            check_range(P, "ivrParam.callInterval", self.ivrParam.get("callInterval"), 1, 9999, required=True,
                        line="001:21459")
        if self.deviceType in (2, 5, 6):
            if not self.skillParam:
                raise fail(P, "skillParam", "required when deviceType is 2, 5 or 6", "001:21420")
            check_skill_param(self.skillParam, self.maxAlertingTime)
            if self.skillParam.get("outBoundType") != self.deviceType:
                raise fail(P, "skillParam.outBoundType", f"must equal deviceType {self.deviceType} (the same mode)",
                           "001:21472")
        if self.initStatus not in (0, 1):
            raise fail(P, "initStatus", "must be 0 (started) or 1 (paused)", "001:21421")
        check_len(P, "callbackUrl", self.callbackUrl, 2048, required=True, line="001:21425")
        if not self.callbackUrl.startswith(("https://", "http://")):
            raise fail(P, "callbackUrl", "must start with https:// or http://", "001:21686")

    def to_json(self) -> dict[str, Any]:
        d = drop_none(asdict(self))
        d["scheduleParam"] = {k: v for k, v in d["scheduleParam"].items() if v}
        return d


@dataclass
class CallerNo:
    """One calling number of a v2 campaign (table 7-28, 001:21789-21793)."""

    accessCode: str
    priority: int = 1

    def validate(self, i: int) -> None:
        check_len(P, f"callerNo[{i}].accessCode", self.accessCode, 32, required=True, line="001:21792")
        if not str(self.accessCode).isdigit() or not str(self.accessCode).isascii():
            raise fail(P, f"callerNo[{i}].accessCode", f"{self.accessCode!r}: digits 0-9 only", "001:21792")
        check_range(P, f"callerNo[{i}].priority", self.priority, 1, 5, required=True, line="001:21793")


@dataclass
class CampaignSpecV2:
    """7.1.2 新增外呼活动 (v2) request body (tables 7-18 to 7-35, 001:21665-21870): several calling
    numbers, a retry policy (required) and an optional call policy in the one call. ``retryPolicy``
    and ``callPolicy`` are the seed's objects as dicts, e.g. ``{"policyType": 0, "retryDay": 2,
    "retryTimes": 2, "callInterval": 600}``; the platform checks their inner rules (the sandbox
    does too)."""

    name: str
    strBeginTime: str
    strEndTime: str
    deviceType: int
    callerNo: list[CallerNo]
    maxAlertingTime: int
    scheduleParam: ScheduleParam
    callbackUrl: str
    retryPolicy: dict[str, Any]
    description: str | None = None
    priority: int | None = None
    ivrParam: dict[str, Any] | None = None
    skillParam: dict[str, Any] | None = None
    callPolicy: dict[str, Any] | None = None
    initStatus: int = 1  # created paused, as CampaignSpec

    def validate(self) -> None:
        if not self.callerNo:
            raise fail(P, "callerNo", "at least one calling number", "001:21677")
        for i, c in enumerate(self.callerNo):
            c.validate(i)
        check_range(P, "priority", self.priority, 1, 5, line="001:21679")
        if not isinstance(self.retryPolicy, Mapping) or self.retryPolicy.get("policyType") not in (0, 1):
            raise fail(P, "retryPolicy.policyType", "required, 0 (global) or 1 (by number type)", "001:21798")
        if self.skillParam is not None and not self.skillParam.get("skillName"):
            raise fail(P, "skillParam.skillName", "required in v2", "001:21738")
        # the fields v1 shares are checked by v1's rules, with a stand-in calling number
        CampaignSpec(name=self.name, strBeginTime=self.strBeginTime, strEndTime=self.strEndTime,
                     deviceType=self.deviceType, callerNo="0", maxAlertingTime=self.maxAlertingTime,
                     scheduleParam=self.scheduleParam, callbackUrl=self.callbackUrl, description=self.description,
                     ivrParam=self.ivrParam, skillParam=self.skillParam, initStatus=self.initStatus).validate()

    def to_json(self) -> dict[str, Any]:
        d = drop_none(asdict(self))
        d["scheduleParam"] = {k: v for k, v in d["scheduleParam"].items() if v}
        return d


@dataclass
class CallData:
    """One record of 7.4.1 新增外呼号码 v1 (001:25466-25478)."""

    called: str
    sessionId: str | None = None
    caller: str | None = None
    customField: str | None = None
    recycleTime: str | None = None
    callData: str | None = None

    def validate(self, i: int = 0) -> None:
        f = f"callDataList[{i}]"
        check_len(P, f + ".sessionId", self.sessionId, 32, line="001:25471")
        check_dial(P, f + ".called", self.called, line="001:25472")
        check_len(P, f + ".caller", self.caller, 24, line="001:25475")
        check_len(P, f + ".customField", self.customField, 200, line="001:25476")
        check_no_chars(P, f + ".customField", self.customField, CUSTOM_FIELD_FORBIDDEN, "001:25476")
        check_time(P, f + ".recycleTime", self.recycleTime, line="001:25477")
        check_len(P, f + ".callData", self.callData, 1024, line="001:25478")


@dataclass
class CalledNo:
    """An element of 7.4.2's ``called`` list (001:25636-25638)."""

    calledNo: str
    delayTime: str | None = None
    type: str | None = None

    def validate(self, f: str) -> None:
        check_dial(P, f + ".calledNo", self.calledNo, line="001:25636")
        check_range(P, f + ".delayTime", self.delayTime, 0, 86400, line="001:25637")
        check_len(P, f + ".type", self.type, 20, line="001:25638")
        check_no_chars(P, f + ".type", self.type, TYPE_FORBIDDEN, "001:25638")


@dataclass
class CallDataV2:
    """One customer record of 7.4.2 新增外呼号码 v2: several numbers per record (001:25619-25638)."""

    called: list[CalledNo]
    sessionId: str | None = None
    caller: str | None = None
    customField: str | None = None
    recycleTime: str | None = None
    callData: str | None = None

    def validate(self, i: int = 0) -> None:
        f = f"callDataList[{i}]"
        check_len(P, f + ".sessionId", self.sessionId, 32, line="001:25624")
        if not self.called:
            raise fail(P, f + ".called", "needs at least one number", "001:25625")
        for j, c in enumerate(self.called):
            c.validate(f"{f}.called[{j}]")
        check_unique(P, f + ".called", (c.calledNo for c in self.called), "001:25587")
        check_len(P, f + ".caller", self.caller, 24, line="001:25626")
        check_len(P, f + ".customField", self.customField, 200, line="001:25627")
        check_no_chars(P, f + ".customField", self.customField, CUSTOM_FIELD_FORBIDDEN, "001:25627")
        check_time(P, f + ".recycleTime", self.recycleTime, line="001:25628")
        check_len(P, f + ".callData", self.callData, 1024, line="001:25631")

    def to_json(self) -> dict[str, Any]:
        d = drop_none(asdict(self))
        d["called"] = [drop_none(c) for c in d["called"]]
        return d


@dataclass
class BlacklistAdd:
    """7.3.1 新增外呼黑名单 (001:24779-24785)."""

    blocklist: list[str]
    validityExpirationTime: str | None = None
    validityTime: int | None = None
    restrictTimes: int | None = None
    restrictPeriod: str | None = None

    def validate(self) -> None:
        if not self.blocklist:
            raise fail(P, "blocklist", "is required", "001:24779")
        if len(self.blocklist) > 20:
            raise fail(P, "blocklist", f"{len(self.blocklist)} numbers, at most 20 per call", "001:24748")
        for i, n in enumerate(self.blocklist):
            check_dial(P, f"blocklist[{i}]", n, line="001:24779")
        check_unique(P, "blocklist", self.blocklist, "001:24749")
        check_time(P, "validityExpirationTime", self.validityExpirationTime, line="001:24780")
        check_range(P, "validityTime", self.validityTime, 1, 120, line="001:24781")
        if (self.restrictTimes is None) != (self.restrictPeriod is None):
            raise fail(P, "restrictTimes/restrictPeriod", "both or neither", "001:24782")
        check_range(P, "restrictTimes", self.restrictTimes, 1, 100, line="001:24782")
        if self.restrictPeriod is not None and str(self.restrictPeriod) not in ("0", "1"):
            raise fail(P, "restrictPeriod", "must be '0' (hourly) or '1' (daily)", "001:24785")


# ----------------------------------------------------------------------------------------------
# response models


@dataclass
class Campaign:
    """7.1.6 returnObject (001:22760-22775); ``raw`` keeps every field."""

    id: int
    name: str
    status: int
    raw: dict[str, Any] = field(repr=False)

    STARTED, PAUSED, FINISHED = 2, 3, 4


@dataclass
class CampaignStatistics:
    """7.4.7 countDetail item (001:26210-26245)."""

    campaignId: str
    unCallCount: int = 0
    calledCount: int = 0
    finishCount: int = 0
    totalCount: int = 0
    totalCalledCount: int = 0
    totalCallSucc: int = 0
    totalFinishCount: int = 0
    dailyCount: int = 0
    dailyCalledCount: int = 0
    dailyCallSucc: int = 0
    dailyFinishCount: int = 0
    batchDetail: list[dict[str, Any]] = field(default_factory=list)


@dataclass
class ImportTask:
    """7.4.9 DataImportTask (001:26531-26538). status: 0 准备, 1 执行中, 2 完成, 3 失败."""

    id: str
    status: str
    succNum: int = 0
    repeatNum: int = 0
    failNum: int = 0
    errMsg: str = ""
    beginTime: str | None = None
    endTime: str | None = None

    @property
    def done(self) -> bool:
        return self.status in ("2", "3")


@dataclass
class CallResult:
    """7.5.1 data item (001:26677-26688)."""

    campaignId: str
    sessionId: str | None
    called: str
    callTimeStr: str
    callStatus: int
    failCode: str | None = None
    resultCode: str | None = None
    vdnId: int | None = None
    callId: str | None = None
    recordPath: str | None = None
    customField: str | None = None


@dataclass
class BlacklistEntry:
    blockNum: str
    validityExpirationTime: str | None = None
    flag: bool | None = None


@dataclass
class RecordRow:
    """One row of a ``*_record_N.csv`` recording index (13.2.2.1, 001:66789-66811)."""

    developer: str
    account_id: str
    cc_id: str
    agent_id: str
    call_id: str
    caller_no: str
    callee_no: str
    call_begin: str
    call_end: str
    file_name: str
    task_status: str = ""
    task_result: str = ""
    original_file_name: str = ""
    vdn_id: str = ""
    call_type: str = ""
    media_type: str = ""
    user_wanted_skill_id: str = ""
    current_skill_id: str = ""


RECORD_COLUMNS = [f.name for f in RecordRow.__dataclass_fields__.values()]  # type: ignore[attr-defined]
CALL_COLUMNS = [
    "developer", "account_id", "cc_id", "agent_id", "call_id", "caller_no", "callee_no", "wait_begin", "wait_end",
    "ack_begin", "ack_end", "call_begin", "call_end", "device_type", "device_no", "call_type", "release_cause",
    "call_id_num", "vdn_id", "pre_device_type", "pre_device_no", "skill_id", "current_skill_id", "device_in",
    "pre_device_in", "service_no", "leave_reason", "media_type", "sub_media_type",
]  # 13.2.2.2, 001:66815-66856


@dataclass
class BillIndex:
    """The parsed content of a downloadBillFile zip: CDR rows and recording-index rows."""

    calls: list[dict[str, str]]
    records: list[RecordRow]


# ----------------------------------------------------------------------------------------------
# zips and index files


def safe_extract(zip_path: str | os.PathLike[str], dest: str | os.PathLike[str]) -> list[Path]:
    """Extracts a zip into *dest* with :func:`callcore.platforms.archive.safe_extract`: refuses
    members that would escape, symlinks, empty/overlong/colliding names, and archives past the
    member and size limits, each with its own error, before writing anything."""
    from .archive import safe_extract as _safe_extract

    return _safe_extract(zip_path, dest, platform=P)


def _decode(data: bytes) -> str:
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:  # encoding is not specified (notes/recording.md 3.1); GB18030 is the usual other
        return data.decode("gb18030", "replace")


def _rows(data: bytes) -> tuple[list[str], Iterator[list[str]]]:
    reader = csv.reader(io.StringIO(_decode(data)))
    header = [h.strip().lower() for h in next(reader, [])]
    return header, reader


def read_bill_index(zip_path: str | os.PathLike[str]) -> BillIndex:
    """Parses a downloadBillFile zip by header name (the column layout grew from 13 to 18 in
    2022; notes/recording.md 3.1): ``*_call_N.csv`` -> CDR rows, ``*_record_N.csv`` -> RecordRow.
    Nothing is extracted to disk."""
    calls: list[dict[str, str]] = []
    records: list[RecordRow] = []
    try:
        zf = zipfile.ZipFile(zip_path)
    except zipfile.BadZipFile as e:
        raise ProtocolError(f"huawei: bill file {os.fspath(zip_path)} is not a valid zip ({e})", platform=P) from None
    with zf:
        for info in sorted(zf.infolist(), key=lambda i: i.filename):
            base = PurePosixPath(info.filename.replace("\\", "/")).name.lower()
            if not base.endswith(".csv"):
                continue
            try:
                header, rows = _rows(zf.read(info))
            except (zipfile.BadZipFile, EOFError, zlib.error) as e:
                raise ProtocolError(f"huawei: {info.filename} in the bill zip is corrupt ({e})", platform=P) from None
            if "_record" in base:
                pos = {h: i for i, h in enumerate(header)}
                if "vdn_id" not in pos and "vdn" in pos:  # the change log's spelling (001:1093)
                    pos["vdn_id"] = pos["vdn"]
                idx = [pos.get(c) for c in RECORD_COLUMNS]
                n = len(header)
                for r in rows:
                    if len(r) < n:
                        if not any(c.strip() for c in r):
                            continue
                        r = r + [""] * (n - len(r))
                    records.append(RecordRow(*[r[i].strip() if i is not None else "" for i in idx]))
            elif "_call" in base:
                for r in rows:
                    if any(c.strip() for c in r):
                        calls.append(dict(zip(header, (c.strip() for c in r))))
    return BillIndex(calls, records)


def bill_file_name(response_id: str, day: date | None = None) -> str:
    """``yyyyMMdd_{responseId}.zip`` with hyphens removed (001:65290)."""
    day = day or date.today()
    return f"{day:%Y%m%d}_{response_id.replace('-', '')}.zip"


# ----------------------------------------------------------------------------------------------
# the calls


@dataclass
class _Req:
    method: str
    path: str
    endpoint: str
    section: str | None = None
    body: Any = None
    params: dict[str, Any] | None = None
    parse: Callable[[Any], Any] = lambda b: b
    ccfs: bool = False
    dest: Path | None = None  # binary download target
    not_ready_retryable: bool = False


@dataclass(frozen=True)
class PreparedRequest:
    """An iSales request whose JSON body is already serialised, ready for
    :meth:`HuaweiClient.send_prepared` / :meth:`AsyncHuaweiClient.send_prepared`.

    Build it with :meth:`HuaweiClient.prepare_add_numbers` (records given as strings, checked in
    bulk, body written without a per-record ``json.dumps``) or
    :meth:`HuaweiClient.prepare_add_numbers_body` (a body serialised elsewhere). Building sends
    nothing; sending signs the request (auth-v2) and reads the answer exactly like the ordinary
    methods (typed errors, HTTP-200 error codes). It is immutable and can be sent again (e.g. after
    a flow-control answer); it holds no credentials.
    """

    method: str
    path: str  # under the client's base URL
    endpoint: str  # the name used in error messages, e.g. "addCallDataV2"
    section: str  # the seed section, e.g. "7.4.2" (selects the per-endpoint error-code meanings)
    content: bytes = field(repr=False)
    records: int  # how many records the body carries
    parse: Callable[[Any], Any] = field(repr=False, compare=False)
    ccfs: bool = field(default=False, init=False, repr=False)
    not_ready_retryable: bool = field(default=False, init=False, repr=False)


_JSON_HEADERS = {"Content-Type": "application/json; charset=UTF-8"}
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


def _total_size(b: Any) -> int:
    return _int((b.get("returnObject") or {}).get("totalSize"))


def _int(v: Any, default: int = 0) -> int:
    try:
        return int(v)
    except (TypeError, ValueError):
        return default


class _HuaweiApi:
    """Builds validated requests; the sync and async clients only send them."""

    def __init__(self, vdn_id: int, v2_max_per_call: int = 20) -> None:
        check_range(P, "vdnId", vdn_id, 1, 9999, required=True, line="001:21396")
        self.vdn = int(vdn_id)
        self.v2_max = v2_max_per_call

    # --- campaigns (7.1)
    def create_campaign(self, spec: CampaignSpec) -> _Req:
        spec.validate()
        return _Req("POST", f"{ISALES_V1}/{self.vdn}", "createCampaign", "7.1.1", spec.to_json(),
                    parse=lambda b: int((b.get("returnObject") or {}).get("id")))

    def create_campaign_v2(self, spec: CampaignSpecV2) -> _Req:
        spec.validate()
        return _Req("POST", f"{ISALES_V2}/{self.vdn}", "createCampaignV2", "7.1.2", spec.to_json(),
                    parse=lambda b: int((b.get("returnObject") or {}).get("id")))

    def get_campaign(self, campaign_id: int) -> _Req:
        def parse(b: Any) -> Campaign:
            o = b.get("returnObject") or {}
            return Campaign(int(campaign_id), o.get("name", ""), _int(o.get("status")), o)
        return _Req("GET", f"{ISALES_V1}/{self.vdn}/{int(campaign_id)}", "queryCampaign", "7.1.6", parse=parse)

    def list_campaigns(self, *, name: str | None = None, status: int = 0, device_type: int = 0, page: int = 1,
                       rows_per_page: int = 100) -> _Req:
        check_len(P, "name", name, 30, line="001:23013")
        if status not in (0, 2, 3, 4):
            raise fail(P, "status", "0 (all), 2, 3 or 4", "001:23014")
        if device_type not in (0, 1, 2, 3, 5, 6):
            raise fail(P, "deviceType", "0 (all), 1, 2, 3, 5 or 6", "001:23015")
        check_range(P, "rowsPerPage", rows_per_page, 1, 100, required=True, line="001:23019")
        params = drop_none({"name": name, "status": status, "deviceType": device_type, "curPage": max(1, int(page)),
                            "rowsPerPage": rows_per_page})

        def parse(b: Any) -> tuple[int, list[Campaign]]:
            items = [Campaign(_int(o.get("id")), str(o.get("name", "")), _int(o.get("status")), o)
                     for o in b.get("data") or []]
            return _int(b.get("totalSize")), items
        return _Req("GET", f"{ISALES_V1}/{self.vdn}", "queryCampaignList", "7.1.7", params=params, parse=parse)

    def delete_campaign(self, campaign_id: int, *, archive_history: bool = False) -> _Req:
        """7.1.5: only a campaign that is not started (pause it first, else 0200009, 001:22610)."""
        return _Req("DELETE", f"{ISALES_V1}/{self.vdn}/{int(campaign_id)}", "deleteCampaign", "7.1.5",
                    {"archiveHistory": 1 if archive_history else 0}, parse=lambda b: None)

    def pause_campaign(self, campaign_id: int) -> _Req:
        return _Req("PUT", f"{ISALES_V1}/{self.vdn}/{int(campaign_id)}/pause", "pauseCampaign", "7.1.8",
                    parse=lambda b: None)

    def resume_campaign(self, campaign_id: int) -> _Req:
        return _Req("PUT", f"{ISALES_V1}/{self.vdn}/{int(campaign_id)}/resume", "resumeCampaign", "7.1.9",
                    parse=lambda b: None)

    # --- numbers (7.4)
    def add_numbers(self, campaign_id: int, records: Sequence[CallData]) -> _Req:
        if not records:
            raise fail(P, "callDataList", "is empty", "001:25466")
        if len(records) > 20:
            raise fail(P, "callDataList", f"{len(records)} records, at most 20 per call", "001:25433")
        for i, r in enumerate(records):
            r.validate(i)
        check_unique(P, "callDataList.called", (r.called for r in records), "001:25434")
        body = {"callDataList": [{k: v for k, v in vars(r).items() if v is not None} for r in records]}
        return _Req("POST", f"{ISALES_V1}/{self.vdn}/calldata/{int(campaign_id)}", "addCallData", "7.4.1", body,
                    parse=lambda b: _int((b.get("returnObject") or {}).get("totalSize")))

    def add_numbers_v2(self, campaign_id: int, records: Sequence[CallDataV2]) -> _Req:
        if not records:
            raise fail(P, "callDataList", "is empty", "001:25619")
        if len(records) > self.v2_max:
            raise fail(P, "callDataList", f"{len(records)} records, at most {self.v2_max} per call "
                       "(server setting isales.api.calldata.max)", "001:25586")
        for i, r in enumerate(records):
            r.validate(i)
        body = {"callDataList": [r.to_json() for r in records]}
        return _Req("POST", f"{ISALES_V2}/{self.vdn}/calldata/{int(campaign_id)}", "addCallDataV2", "7.4.2", body,
                    parse=lambda b: _int((b.get("returnObject") or {}).get("totalSize")))

    def _add_target(self, campaign_id: int, api: str) -> tuple[str, str, str, int]:
        if api == "v1":
            return f"{ISALES_V1}/{self.vdn}/calldata/{int(campaign_id)}", "addCallData", "7.4.1", 20
        if api == "v2":
            return f"{ISALES_V2}/{self.vdn}/calldata/{int(campaign_id)}", "addCallDataV2", "7.4.2", self.v2_max
        raise fail(P, "api", f"{api!r}: 'v1' (7.4.1) or 'v2' (7.4.2)")

    def prepare_add_numbers(self, campaign_id: int, called: Sequence[str], *,
                            session_ids: Sequence[str | int] | None = None, session_prefix: str = "",
                            custom_field: str | None = None, api: str = "v1") -> PreparedRequest:
        lines = ("001:25466", "001:25472", "001:25471", "001:25476") if api == "v1" else \
            ("001:25619", "001:25636", "001:25624", "001:25627")
        path, ep, sec, most = self._add_target(campaign_id, api)
        n = len(called)
        if n == 0:
            raise fail(P, "callDataList", "is empty", lines[0])
        if n > most:
            raise fail(P, "callDataList", f"{n} records, at most {most} per call", lines[0])
        nums = called if isinstance(called, list) else list(called)
        if not _DIALS.match("".join(nums)) or max(map(len, nums)) > 24 or min(map(len, nums)) == 0:
            bad = next(x for x in nums if not _DIALS.match(x) or len(x) > 24)
            raise fail(P, "called", f"{bad!r}: 1-24 characters of 0-9, *, #", lines[1])
        if api == "v1" and len(set(nums)) != n:
            raise fail(P, "callDataList.called", "the same number twice in one call", "001:25434")
        if custom_field is not None and (not _FAST_ID.match(custom_field) or not 0 < len(custom_field) <= 200):
            raise fail(P, "customField", f"{custom_field!r}: 1-200 of A-Z a-z 0-9 _ - on this path (use "
                       "add_numbers for other characters)", lines[3])
        head = '{"called":"' if api == "v1" else '{"called":[{"calledNo":"'
        close = '"' if api == "v1" else '"}]'
        tail = (f',"customField":"{custom_field}"}}' if custom_field is not None else "}")
        if session_ids is not None:
            sids = list(map(str, session_ids))
            if len(sids) != n:
                raise fail(P, "sessionId", f"{len(sids)} session ids for {n} numbers", lines[2])
            if not _FAST_ID.match(session_prefix + "".join(sids)) or len(session_prefix) + max(map(len, sids)) > 32:
                raise fail(P, "sessionId", "at most 32 of A-Z a-z 0-9 _ - on this path (use add_numbers for "
                           "other characters)", lines[2])
            mid = close + ',"sessionId":"' + session_prefix
            tail = '"' + tail
            body = ",".join([head + d + mid + s + tail for d, s in zip(nums, sids)])
        else:
            body = ",".join([head + d + close + tail for d in nums])
        return PreparedRequest("POST", path, ep, sec, ('{"callDataList":[' + body + "]}").encode(), n, _total_size)

    def prepare_add_numbers_body(self, campaign_id: int, content: bytes, *, records: int,
                                 api: str = "v1") -> PreparedRequest:
        path, ep, sec, most = self._add_target(campaign_id, api)
        if not isinstance(content, (bytes, bytearray)) or not _ADD_BODY_HEAD.match(bytes(content[:64])):
            raise fail(P, "body", 'a UTF-8 JSON object body {"callDataList": [...]} expected', "001:25466")
        if not 0 < records <= most:
            raise fail(P, "callDataList", f"{records} records, 1 to {most} per call", "001:25466")
        return PreparedRequest("POST", path, ep, sec, bytes(content), records, _total_size)

    def delete_numbers(self, campaign_id: int, *, sessionId: str | None = None, called: str | None = None,
                       customField: str | None = None, recycleTime: str | None = None,
                       recycleType: str | None = None, archiveHistory: int | None = None) -> _Req:
        check_len(P, "sessionId", sessionId, 32, line="001:25778")
        check_dial(P, "called", called, required=False, line="001:25779")
        check_len(P, "customField", customField, 200, line="001:25780")
        check_time(P, "recycleTime", recycleTime, line="001:25781")
        if recycleType is not None and str(recycleType) not in ("1", "2", "3"):
            raise fail(P, "recycleType", "must be 1, 2 or 3", "001:25782")
        if archiveHistory is not None and archiveHistory not in (0, 1):
            raise fail(P, "archiveHistory", "must be 0 or 1", "001:25785")
        body = drop_none(dict(sessionId=sessionId, called=called, customField=customField, recycleTime=recycleTime,
                              recycleType=None if recycleType is None else str(recycleType),
                              archiveHistory=archiveHistory))
        if not body:
            raise fail(P, "delete filter", "give at least one of sessionId, called, customField, recycleTime")
        return _Req("POST", f"{ISALES_V1}/{self.vdn}/calldata/{int(campaign_id)}/delete", "deleteCallData", "7.4.3",
                    body, parse=lambda b: _int(b.get("successCount")))

    def query_number(self, campaign_id: int, data_id: str) -> _Req:
        return _Req("GET", f"{ISALES_V1}/{self.vdn}/calldata/{int(campaign_id)}/{_seg(data_id)}", "queryCallData",
                    "7.4.6", parse=lambda b: b.get("returnObject") or b.get("data") or {})

    def statistics(self, campaign_id: str | int | None = None, batch_id: str | None = None) -> _Req:
        if batch_id is not None and campaign_id is None:
            raise fail(P, "batchId", "needs campaignId", "001:26195")
        params = drop_none({"campaignId": None if campaign_id is None else str(campaign_id), "batchId": batch_id})

        def parse(b: Any) -> list[CampaignStatistics]:
            out = []
            for item in b.get("countDetail") or []:
                known = {k: item[k] for k in CampaignStatistics.__dataclass_fields__ if k in item}
                known["campaignId"] = str(item.get("campaignId", ""))
                out.append(CampaignStatistics(**known))
            return out
        return _Req("GET", f"{ISALES_V2}/{self.vdn}/statistics", "statistics", "7.4.7", params=params, parse=parse)

    # --- server-side file imports (7.4.8/7.4.9, 7.3.5/7.3.6)
    @staticmethod
    def _file_body(server_id: str, file_name: str, file_path: str | None, hour: int | None,
                   minute: str | None) -> dict[str, Any]:
        check_len(P, "serverId", server_id, 64, required=True, line="001:26403")
        check_len(P, "fileName", file_name, 255, required=True, line="001:26405")
        if (hour is None) != (minute is None):
            raise fail(P, "hour/minute", "both or neither", "001:26409")
        check_range(P, "hour", hour, 0, 23, line="001:26409")
        if minute is not None and str(minute) not in ("00", "30"):
            raise fail(P, "minute", "must be '00' or '30'", "001:26410")
        return drop_none({"serverId": server_id, "filePath": file_path, "fileName": file_name,
                          "hour": None if hour is None else str(hour), "minute": minute})

    def import_file(self, campaign_id: int | str, server_id: str, file_name: str, *, file_path: str | None = None,
                    hour: int | None = None, minute: str | None = None) -> _Req:
        body = self._file_body(server_id, file_name, file_path, hour, minute)
        return _Req("POST", f"{ISALES_V1}/{self.vdn}/calldatafile/uploadFileServer/{_seg(campaign_id)}", "importCallDataFile",
                    "7.4.8", body, parse=lambda b: str(b.get("importTaskId")))

    @staticmethod
    def _parse_tasks(b: Any) -> list[ImportTask]:
        out = []
        for t in b.get("result") or []:
            out.append(ImportTask(id=str(t.get("id")), status=str(t.get("status")), succNum=_int(t.get("succNum")),
                                  repeatNum=_int(t.get("repeatNum")), failNum=_int(t.get("failNum")),
                                  errMsg=str(t.get("errMsg") or ""), beginTime=t.get("beginTime"),
                                  endTime=t.get("endTime")))
        return out

    def import_results(self, campaign_id: int | str, *, offset: int = 0, limit: int = 100,
                       task_ids: Sequence[str] | None = None) -> _Req:
        check_range(P, "limit", limit, 1, 100, required=True, line="001:26514")
        body = drop_none({"offset": offset, "limit": limit, "importTaskIds": list(task_ids) if task_ids else None})
        return _Req("POST", f"{ISALES_V1}/{self.vdn}/calldatafile/queryDataImportTask/{_seg(campaign_id)}",
                    "queryDataImportTask", "7.4.9", body, parse=self._parse_tasks)

    # --- blacklist (7.3)
    def blacklist_add(self, req: BlacklistAdd) -> _Req:
        req.validate()
        return _Req("POST", f"{ISALES_V1}/{self.vdn}/blocklist/add", "addBlocklist", "7.3.1",
                    drop_none(asdict(req)), parse=lambda b: None)

    def blacklist_delete(self, number: str) -> _Req:
        check_dial(P, "blocklistNo", number, line="001:24892")
        return _Req("POST", f"{ISALES_V1}/{self.vdn}/blocklist/delete", "deleteBlocklist", "7.3.2",
                    {"blocklistNo": number}, parse=lambda b: None)

    def blacklist_clear(self) -> _Req:
        return _Req("DELETE", f"{ISALES_V1}/{self.vdn}/blocklist", "deleteAllBlocklist", "7.3.3", parse=lambda b: None)

    def blacklist_query(self, numbers: Sequence[str] | None = None, *, offset: int | None = None,
                        limit: int | None = None) -> _Req:
        if (numbers is None) == (offset is None and limit is None):
            raise fail(P, "blocklist/offset/limit", "give either numbers or offset+limit, not both", "001:25072")
        if numbers is not None:
            if len(numbers) > 20:
                raise fail(P, "blocklist", "at most 20 numbers", "001:25070")
            for i, n in enumerate(numbers):
                check_dial(P, f"blocklist[{i}]", n, line="001:25070")
            body: dict[str, Any] = {"blocklist": list(numbers)}
        else:
            check_range(P, "limit", limit, 1, 100, required=True, line="001:25072")
            body = {"offset": offset or 0, "limit": limit}

        def parse(b: Any) -> list[BlacklistEntry]:
            data = b.get("data") or []
            if isinstance(data, dict):
                data = [data]
            return [BlacklistEntry(str(d.get("blockNum")), d.get("validityExpirationTime"), d.get("flag"))
                    for d in data]
        return _Req("POST", f"{ISALES_V1}/{self.vdn}/blocklist/query", "queryBlocklist", "7.3.4", body, parse=parse)

    def blacklist_import_file(self, server_id: str, file_name: str, *, file_path: str | None = None,
                              hour: int | None = None, minute: str | None = None) -> _Req:
        body = self._file_body(server_id, file_name, file_path, hour, minute)
        return _Req("POST", f"{ISALES_V1}/{self.vdn}/blackfile/uploadFileServer", "importBlackFile", "7.3.5", body,
                    parse=lambda b: str(b.get("importTaskId")))

    def blacklist_import_results(self, *, offset: int = 0, limit: int = 100,
                                 task_ids: Sequence[str] | None = None) -> _Req:
        check_range(P, "limit", limit, 1, 100, required=True, line="001:25328")
        body = drop_none({"offset": offset, "limit": limit, "importTaskIds": list(task_ids) if task_ids else None})
        return _Req("POST", f"{ISALES_V1}/{self.vdn}/blackfile/queryDataImportTask", "queryBlackImportTask", "7.3.6",
                    body, parse=self._parse_tasks)

    # --- file servers (7.8)
    def add_file_server(self, ip: str, port: int | str, file_path: str, user_name: str, password: str) -> _Req:
        check_len(P, "serverInfo.ip", ip, 64, required=True, line="001:27446")
        check_len(P, "serverInfo.filePath", file_path, 255, required=True, line="001:27448")
        check_len(P, "userName", user_name, 30, required=True, line="001:27408")
        check_no_chars(P, "userName", user_name, CUSTOM_FIELD_FORBIDDEN - {"-"}, "001:27408")
        check_range(P, "serverInfo.port", port, 1, 65535, required=True, line="001:27447")
        if not 8 <= len(password or "") <= 80:
            raise fail(P, "serverPwd", "must be 8-80 characters", "001:27409")
        body = {"serverInfo": {"ip": ip, "port": str(port), "filePath": file_path}, "userName": user_name,
                "serverPwd": password}
        return _Req("POST", f"{ISALES_V1}/{self.vdn}/file/addServer", "addServer", "7.8.1", body,
                    parse=lambda b: str(b.get("serverId")))

    def delete_file_server(self, server_id: str) -> _Req:
        return _Req("POST", f"{ISALES_V1}/{self.vdn}/file/{_seg(server_id)}/deleteServer", "deleteServer", "7.8.2", {},
                    parse=lambda b: None)

    def query_file_servers(self, *, offset: int = 0, limit: int = 100,
                           server_ids: Sequence[str] | None = None) -> _Req:
        check_range(P, "limit", limit, 1, 100, required=True, line="001:27766")
        body = drop_none({"offset": offset, "limit": limit, "serverIds": list(server_ids) if server_ids else None})
        return _Req("POST", f"{ISALES_V1}/{self.vdn}/file/queryServer", "queryServer", "7.8.4", body,
                    parse=lambda b: list(b.get("server") or []))

    # --- results (7.5.1)
    def call_results(self, campaign_id: int, *, sessionId: str | None = None, customField: str | None = None,
                     pageSize: int = 100, pageNum: int = 1, showDetail: int = 0, beginTime: str | None = None,
                     endTime: str | None = None) -> _Req:
        check_len(P, "sessionId", sessionId, 32, line="001:26651")
        check_range(P, "pageSize", pageSize, 1, 100 if showDetail else 500, line="001:26654")
        if (beginTime is None) != (endTime is None):
            raise fail(P, "beginTime/endTime", "both or neither", "001:26658")
        if beginTime and endTime:
            check_time(P, "beginTime", beginTime, "%Y-%m-%d", line="001:26658")
            check_time(P, "endTime", endTime, "%Y-%m-%d", line="001:26659")
            span = (datetime.strptime(endTime, "%Y-%m-%d") - datetime.strptime(beginTime, "%Y-%m-%d")).days
            if not 0 < span <= 30:
                raise fail(P, "beginTime/endTime", "begin must be before end, at most 30 days apart", "001:26658")
        body = drop_none(dict(sessionId=sessionId, customField=customField, pageSize=pageSize, pageNum=pageNum,
                              showDetail=showDetail, beginTime=beginTime, endTime=endTime))

        def parse(b: Any) -> tuple[int, list[CallResult]]:
            rows = []
            for d in b.get("data") or []:
                known = {k: d.get(k) for k in CallResult.__dataclass_fields__}
                known["campaignId"] = str(known["campaignId"])
                known["callStatus"] = _int(known["callStatus"])
                rows.append(CallResult(**known))
            return _int(b.get("totalCount")), rows
        return _Req("POST", f"{ISALES_V1}/{self.vdn}/callresult/{int(campaign_id)}", "queryCallResult", "7.5.1", body,
                    parse=parse)

    # --- CC-FS (13.2.1)
    @staticmethod
    def _ccfs_body(msg: dict[str, Any]) -> dict[str, Any]:
        return {"request": {"version": "2.0"}, "msgBody": msg}

    def query_bill_data(self, begin: str, end: str, callback_url: str, *, data_type: str = "call_record",
                        accountId: str | None = None, agentId: str | None = None, callId: str | None = None,
                        callerNo: str | None = None, calleeNo: str | None = None) -> _Req:
        check_time(P, "beginTime", begin, required=True, line="001:65238")
        check_time(P, "endTime", end, required=True, line="001:65239")
        span = (datetime.strptime(end, "%Y-%m-%d %H:%M:%S") - datetime.strptime(begin, "%Y-%m-%d %H:%M:%S"))
        if span.total_seconds() < 0:
            raise fail(P, "beginTime", "is later than endTime (0300013)", "001:66916")
        if span.total_seconds() > 3 * 86400:
            raise fail(P, "beginTime/endTime", "span over 3 days (0300014)", "001:66917")
        if data_type not in ("call", "record", "call_record"):
            raise fail(P, "dataType", "must be call, record or call_record", "001:65246")
        check_len(P, "accountId", accountId, 20)
        check_len(P, "agentId", agentId, 20)
        check_len(P, "callId", callId, 25)
        check_len(P, "callBackURL", callback_url, 1024, required=True)
        msg = drop_none(dict(beginTime=begin, endTime=end, accountId=accountId, agentId=agentId, callId=callId,
                             callerNo=callerNo, calleeNo=calleeNo, dataType=data_type, callBackURL=callback_url))

        def parse(b: Any) -> str:
            rd = b.get("resultData") or {}
            rid = rd.get("responseId") or rd.get("responseld")  # the seed's OCR spelling (001:65351)
            if not rid:
                raise ProtocolError("huawei queryBillData: success without resultData.responseId", platform=P)
            return str(rid)
        return _Req("POST", f"{CCFS}/queryBillData", "queryBillData", None, self._ccfs_body(msg), parse=parse, ccfs=True)

    def download_bill_file(self, bill_file: str, dest: Path) -> _Req:
        check_len(P, "billFileName", bill_file, 49, required=True, line="001:65419")
        if not all(c.isascii() and (c.isalnum() or c in ".-_") for c in bill_file):
            raise fail(P, "billFileName", "only a-zA-Z0-9.-_ allowed (0300022)", "001:66926")
        return _Req("POST", f"{CCFS}/downloadBillFile", "downloadBillFile", None,
                    self._ccfs_body({"billFileName": bill_file}), ccfs=True, dest=dest, not_ready_retryable=True)

    def download_record_file(self, file_name: str, dest: Path) -> _Req:
        check_len(P, "fileName", file_name, 225, required=True, line="001:65516")
        if not all(c.isascii() and (c.isalnum() or c in "/.") for c in file_name):
            raise fail(P, "fileName", "only a-zA-Z0-9/. allowed (0300022)", "001:66926")
        return _Req("POST", f"{CCFS}/downloadRecordFile", "downloadRecordFile", None,
                    self._ccfs_body({"fileName": file_name}), ccfs=True, dest=dest)

    def download_record(self, dest: Path, *, file_name: str | None = None, call_id: str | None = None,
                        cc_id: str | None = "1") -> _Req:
        if not file_name and not call_id:
            raise fail(P, "fileName/callId", "give at least one (0300019)", "001:66923")
        if file_name:
            file_name = file_name.replace("\\", "/")  # original_file_name uses either separator
            check_len(P, "fileName", file_name, 225, line="001:65613")
            if not all(c.isascii() and (c.isalnum() or c in ":/.") for c in file_name):
                raise fail(P, "fileName", "only a-zA-Z0-9:/. allowed (0300022)", "001:66926")
        check_len(P, "callId", call_id, 25, line="001:65614")
        check_len(P, "ccId", cc_id, 64, line="001:65615")
        msg = drop_none({"fileName": file_name, "callId": call_id, "ccId": cc_id})
        return _Req("POST", f"{CCFS}/downloadRecord", "downloadRecord", None, self._ccfs_body(msg), ccfs=True,
                    dest=dest)


# ----------------------------------------------------------------------------------------------
# response handling shared by both clients


def _check_body(req: _Req | PreparedRequest, body: Any, status: int) -> Any:
    if not isinstance(body, dict):
        raise ProtocolError(f"huawei {req.endpoint}: expected a JSON object, got {type(body).__name__}",
                            platform=P, endpoint=req.endpoint, http_status=status)
    if req.ccfs:
        code = body.get("resultCode")
        if code is None and isinstance(body.get("response"), dict):
            code = body["response"].get("resultCode")
        if code is None or str(code).strip() != "0":
            raise huawei_ccfs_error(code if code is not None else "missing", endpoint=req.endpoint,
                                    message=str(body.get("resultDesc") or ""), http_status=status, body=body,
                                    not_ready_retryable=req.not_ready_retryable)
        return body
    code = body.get("returnCode", body.get("resultCode"))
    if code is None:
        if req.section == "7.4.7" and "countDetail" in body:  # statistics has no envelope (001:26281)
            return body
        raise ProtocolError(f"huawei {req.endpoint}: response has no resultCode/returnCode: "
                            f"{json.dumps(body, ensure_ascii=False)[:200]}", platform=P, endpoint=req.endpoint,
                            http_status=status)
    if "".join(str(code).split()) not in ISALES_OK:
        msg = body.get("returnDesc") or body.get("resultDesc") or body.get("description") or ""
        raise huawei_isales_error(code, endpoint=req.endpoint, section=req.section, message=str(msg),
                                  http_status=status, body=body)
    return body


def _status_error(req: _Req | PreparedRequest, resp: httpx.Response, max_skew: float) -> Exception | None:
    if resp.status_code in (401, 403):
        return auth_failure(platform=P, endpoint=req.endpoint, status=resp.status_code,
                            date_header=resp.headers.get("date"), body=resp.text[:300], max_skew=max_skew)
    if resp.status_code == 429:
        err = _http.generic_status_error(resp, platform=P, endpoint=req.endpoint)
        if req.section == "7.4.7" and err is not None and err.retry_after is None:  # type: ignore[union-attr]
            err.retry_after = 300.0  # type: ignore[union-attr]  # "五分钟执行一次" (001:26271)
        return err
    return _http.generic_status_error(resp, platform=P, endpoint=req.endpoint)


def _finish(req: _Req | PreparedRequest, resp: httpx.Response, max_skew: float) -> Any:
    err = _status_error(req, resp, max_skew)
    if err is not None:
        raise err
    body = _http.decode_json(resp, platform=P, endpoint=req.endpoint)
    return req.parse(_check_body(req, body, resp.status_code))


def _download_target(req: _Req, resp: httpx.Response) -> Path:
    assert req.dest is not None
    dest = Path(req.dest)
    if dest.is_dir():
        name = req.body["msgBody"].get("billFileName") or PurePosixPath(
            (req.body["msgBody"].get("fileName") or req.body["msgBody"].get("callId") or "record")).name
        dest = dest / name.replace(":", "_")
    return dest


def _binary_result(req: _Req, resp: httpx.Response, head: bytes, complete: bool) -> str:
    """Classifies a download from its first bytes: JSON means an error answered with HTTP 200."""
    kind = _http.body_kind(head, complete)
    if kind == "html":
        raise ProtocolError(f"huawei {req.endpoint}: expected a file, got an HTML page: "
                            f"{head[:100].decode('utf-8', 'replace')}", platform=P, endpoint=req.endpoint,
                            http_status=resp.status_code)
    return kind


def _fix_suffix(dest: Path, kind: str) -> Path:
    if kind == "binary" and not dest.suffix:  # headerless audio: the platform's raw .V3 form
        return dest.with_name(dest.name + ".V3")
    want = {"zip": ".zip", "wav": ".wav"}.get(kind)
    if want and dest.suffix.lower() != want and dest.suffix.lower() not in (".v3",):
        return dest.with_suffix(want) if dest.suffix else dest.with_name(dest.name + want)
    return dest


# ----------------------------------------------------------------------------------------------
# clients

TIMESTAMP_MILLIS_ENV = "CALLCORE_HUAWEI_TIMESTAMP_MILLIS"


def timestamp_millis_setting(value: bool | None = None) -> bool:
    """The auth-v2 timestamp form a Huawei client signs with: ``value`` when given, else
    ``$CALLCORE_HUAWEI_TIMESTAMP_MILLIS`` (``1``/``true``/``yes`` or ``0``/``false``/``no``, so
    every command that builds a client, e.g. ``callcore outbound import``, follows it), else
    seconds (:data:`callcore.sign.httpx_auth.DEFAULT_TIMESTAMP_MILLIS`, where the seed lines for
    that choice are)."""
    from callcore.sign.httpx_auth import DEFAULT_TIMESTAMP_MILLIS

    if value is not None:
        return bool(value)
    raw = os.environ.get(TIMESTAMP_MILLIS_ENV, "").strip().lower()
    if not raw:
        return DEFAULT_TIMESTAMP_MILLIS
    if raw in ("1", "true", "yes", "on"):
        return True
    if raw in ("0", "false", "no", "off"):
        return False
    raise ClientValidationError(f"${TIMESTAMP_MILLIS_ENV}: {raw!r} is not one of 1/true/yes/on or 0/false/no/off",
                                platform=P, endpoint="auth-v2")


class _ClientBase:
    def __init__(self, base_url: str, access_key: str, secret_key: str, *, vdn_id: int,
                 ccfs_url: str | None = None, options: HttpOptions | None = None, v2_max_per_call: int = 20,
                 max_skew: float = 900.0, timestamp_millis: bool | None = None) -> None:
        from callcore.sign.httpx_auth import AuthV2

        self.api = _HuaweiApi(vdn_id, v2_max_per_call)
        self.options = options or HttpOptions()
        self.base_url = base_url.rstrip("/")
        self.ccfs_url = (ccfs_url or base_url).rstrip("/")
        self.max_skew = max_skew
        self.timestamp_millis = timestamp_millis_setting(timestamp_millis)
        self._auth = AuthV2(access_key, secret_key, timestamp_millis=self.timestamp_millis)
        hold_secret(secret_key)  # a gateway that echoes a request never gets the SK into error text

    def __repr__(self) -> str:  # never the secret
        return f"{type(self).__name__}({self.base_url!r}, vdn_id={self.api.vdn}, timestamp_millis={self.timestamp_millis})"

    def prepare_add_numbers(self, campaign_id: int, called: Sequence[str], *,
                            session_ids: Sequence[str | int] | None = None, session_prefix: str = "",
                            custom_field: str | None = None, api: str = "v1") -> PreparedRequest:
        """Builds (does not send) a 7.4.1 (``api="v1"``, <= 20 records) or 7.4.2 (``api="v2"``, <=
        ``v2_max_per_call`` records, one number each) add-numbers request for bulk callers.

        Record *i* is ``called[i]`` with sessionId ``session_prefix + str(session_ids[i])`` (when
        given) and the shared ``custom_field`` (the batch tag 7.4.7 statistics and 7.4.3 delete
        filter on). The checks run once over the whole batch rather than per record: numbers are
        1-24 characters of ``0-9*#``, no repeats (v1), sessionIds <= 32 and customField <= 200
        characters of ``A-Z a-z 0-9 _ -`` (so the JSON needs no escaping); anything else raises
        :class:`~callcore.platforms.errors.ClientValidationError`; use :meth:`add_numbers` /
        :meth:`add_numbers_v2` for records with other characters or fields.
        Send with :meth:`send_prepared`, which returns ``totalSize``."""
        return self.api.prepare_add_numbers(campaign_id, called, session_ids=session_ids,
                                            session_prefix=session_prefix, custom_field=custom_field, api=api)

    def prepare_add_numbers_body(self, campaign_id: int, content: bytes, *, records: int,
                                 api: str = "v1") -> PreparedRequest:
        """Wraps an add-numbers body serialised elsewhere (UTF-8 JSON ``{"callDataList":[...]}``
        with *records* records) for :meth:`send_prepared`. Only the envelope and the record count
        are checked: the records are the caller's responsibility."""
        return self.api.prepare_add_numbers_body(campaign_id, content, records=records, api=api)

    def _url(self, req: _Req) -> str:
        return (self.ccfs_url if req.ccfs else self.base_url) + req.path

    def _kwargs(self, req: _Req) -> dict[str, Any]:
        kw: dict[str, Any] = {"auth": self._auth, "params": req.params or None}
        if req.body is not None:
            kw["content"] = json.dumps(req.body, ensure_ascii=False).encode("utf-8")
            kw["headers"] = {"Content-Type": "application/json; charset=UTF-8"}
        else:
            kw["headers"] = {"Content-Type": "application/json; charset=UTF-8"}
        return kw


def _make_sync(name: str, doc: str | None):
    def method(self: "HuaweiClient", *a: Any, **kw: Any) -> Any:
        return self._run(getattr(self.api, name)(*a, **kw))
    method.__name__ = name
    method.__doc__ = doc
    method.__signature__ = inspect.signature(getattr(_HuaweiApi, name))  # type: ignore[attr-defined]
    return method


def _make_async(name: str, doc: str | None):
    async def method(self: "AsyncHuaweiClient", *a: Any, **kw: Any) -> Any:
        return await self._run(getattr(self.api, name)(*a, **kw))
    method.__name__ = name
    method.__doc__ = doc
    method.__signature__ = inspect.signature(getattr(_HuaweiApi, name))  # type: ignore[attr-defined]
    return method


_JSON_CALLS = {
    "create_campaign": "7.1.1: create a campaign; returns its id. Created paused by default (initStatus=1).",
    "create_campaign_v2": "7.1.2: create a campaign with several calling numbers and its retry/call policies "
                          "(CampaignSpecV2); returns its id.",
    "get_campaign": "7.1.6: campaign details (status 2 started, 3 paused, 4 finished).",
    "list_campaigns": "7.1.7: (totalSize, [Campaign]) of the campaigns matching name/status/device_type, one page "
                      "(rows_per_page <= 100).",
    "pause_campaign": "7.1.8: pause a running campaign.",
    "delete_campaign": "7.1.5: delete a campaign that is not started (archive_history=True keeps its data in the "
                       "history tables).",
    "resume_campaign": "7.1.9: resume a paused campaign.",
    "add_numbers": "7.4.1: add <= 20 records; returns totalSize (numbers still to call). 0200022 if < 1 s apart.",
    "add_numbers_v2": "7.4.2: add records with several numbers each; at most v2_max_per_call per call.",
    "delete_numbers": "7.4.3: delete numbers by sessionId/called/customField/recycleTime; returns successCount.",
    "query_number": "7.4.6: one record by dataId.",
    "statistics": "7.4.7: per-campaign and per-batch (customField) counts. Once per 5 min, else HTTP 429.",
    "import_file": "7.4.8: import a data file from a registered SFTP server; returns importTaskId.",
    "import_results": "7.4.9: import tasks of a campaign (counts only).",
    "blacklist_add": "7.3.1: add <= 20 blacklist numbers.",
    "blacklist_delete": "7.3.2: delete one blacklist number.",
    "blacklist_clear": "7.3.3: delete all blacklist numbers of the VDN.",
    "blacklist_query": "7.3.4: membership check of <= 20 numbers, or a page (offset/limit).",
    "blacklist_import_file": "7.3.5: import a blacklist file from a registered SFTP server.",
    "blacklist_import_results": "7.3.6: blacklist import tasks.",
    "add_file_server": "7.8.1: register an SFTP file server; returns serverId.",
    "delete_file_server": "7.8.2: delete a file server.",
    "query_file_servers": "7.8.4: list file servers.",
    "call_results": "7.5.1: (totalCount, [CallResult]) of completed calls.",
    "query_bill_data": "13.2.1.2: ask CC-FS to build the CDR + recording index zip; returns responseId. The file "
                       "name arrives on callback_url (see parse_bill_callback) or via bill_file_name().",
    "download_bill_file": "13.2.1.3: download the index zip to dest (a file or a folder); returns the path.",
    "download_record_file": "13.2.1.4: download a recording by its index file_name (.wav) to dest.",
    "download_record": "13.2.1.5: download a recording by original_file_name (.V3 path) or callId (zip when the "
                       "call has several recordings) to dest; returns the path.",
}


if TYPE_CHECKING:  # the API methods are attached below with setattr; declared for type checkers there
    from ._huawei_calls import AsyncHuaweiCalls as _AsyncCalls
    from ._huawei_calls import HuaweiCalls as _Calls
else:
    _Calls = _AsyncCalls = object


class HuaweiClient(_ClientBase, _http.SyncClientLifecycle, _Calls):
    """Synchronous Huawei CEC client (iSales + CC-FS), one VDN. Thread-safe; use as a context
    manager or call :meth:`close`.

    ``timestamp_millis`` chooses the auth-v2 timestamp form: seconds by default
    (``2018-10-17T11:48:24Z``, what Huawei's demo signer sends and its verifier rebuilds), ``True``
    for milliseconds (the seed's 4.3 code); see :func:`timestamp_millis_setting`."""

    def __init__(self, base_url: str, access_key: str, secret_key: str, **kw: Any) -> None:
        super().__init__(base_url, access_key, secret_key, **kw)
        self._client = self.options.sync_client("")

    def _run(self, req: _Req) -> Any:
        try:
            if req.dest is not None:
                return self._download(req)
            resp = self._client.request(req.method, self._url(req), **self._kwargs(req))
        except httpx.HTTPError as e:
            raise _http.transport_error(e, platform=P, endpoint=req.endpoint) from e
        return _finish(req, resp, self.max_skew)

    def send_prepared(self, prepared: PreparedRequest) -> Any:
        """Signs and sends a :class:`PreparedRequest`; returns its parsed answer (``totalSize``
        for add-numbers) or raises the same typed errors as the ordinary methods."""
        try:
            resp = self._client.request(prepared.method, self.base_url + prepared.path, content=prepared.content,
                                        auth=self._auth, headers=_JSON_HEADERS)
        except httpx.HTTPError as e:
            raise _http.transport_error(e, platform=P, endpoint=prepared.endpoint) from e
        return _finish(prepared, resp, self.max_skew)

    def _download(self, req: _Req) -> Path:
        with self._client.stream(req.method, self._url(req), **self._kwargs(req)) as resp:
            if not 200 <= resp.status_code < 300:
                resp.read()
                err = _status_error(req, resp, self.max_skew)
                if err is not None:
                    raise err
            first, chunks, complete = _http.read_head(resp.iter_bytes(1 << 16))
            kind = _binary_result(req, resp, first, complete)
            if kind == "json":
                body = _http.decode_json(httpx.Response(200, content=first), platform=P, endpoint=req.endpoint)
                _check_body(req, body, resp.status_code)
                raise ProtocolError(f"huawei {req.endpoint}: expected a file, got JSON without an error code",
                                    platform=P, endpoint=req.endpoint)
            dest = _fix_suffix(_download_target(req, resp), kind)
            _http.atomic_write(dest, _http.rejoin(first, chunks), expected_length=_http.declared_length(resp))
            return dest


class AsyncHuaweiClient(_ClientBase, _http.AsyncClientLifecycle, _AsyncCalls):
    """Asynchronous twin of :class:`HuaweiClient` (same methods, awaited)."""

    def __init__(self, base_url: str, access_key: str, secret_key: str, **kw: Any) -> None:
        super().__init__(base_url, access_key, secret_key, **kw)
        self._client = self.options.async_client("")

    async def _run(self, req: _Req) -> Any:
        try:
            if req.dest is not None:
                return await self._download(req)
            resp = await self._client.request(req.method, self._url(req), **self._kwargs(req))
        except httpx.HTTPError as e:
            raise _http.transport_error(e, platform=P, endpoint=req.endpoint) from e
        return _finish(req, resp, self.max_skew)

    async def send_prepared(self, prepared: PreparedRequest) -> Any:
        """Awaitable :meth:`HuaweiClient.send_prepared`."""
        try:
            resp = await self._client.request(prepared.method, self.base_url + prepared.path,
                                              content=prepared.content, auth=self._auth, headers=_JSON_HEADERS)
        except httpx.HTTPError as e:
            raise _http.transport_error(e, platform=P, endpoint=prepared.endpoint) from e
        return _finish(prepared, resp, self.max_skew)

    async def _download(self, req: _Req) -> Path:
        async with self._client.stream(req.method, self._url(req), **self._kwargs(req)) as resp:
            if not 200 <= resp.status_code < 300:
                await resp.aread()
                err = _status_error(req, resp, self.max_skew)
                if err is not None:
                    raise err
            content = await resp.aread()  # recordings are <= 30 MB (001:64658); read, then write atomically
            kind = _binary_result(req, resp, content, True)
            if kind == "json":
                body = _http.decode_json(httpx.Response(200, content=content), platform=P, endpoint=req.endpoint)
                _check_body(req, body, resp.status_code)
                raise ProtocolError(f"huawei {req.endpoint}: expected a file, got JSON without an error code",
                                    platform=P, endpoint=req.endpoint)
            dest = _fix_suffix(_download_target(req, resp), kind)
            _http.atomic_write(dest, [content], expected_length=_http.declared_length(resp))
            return dest


for _name, _doc in _JSON_CALLS.items():
    setattr(HuaweiClient, _name, _make_sync(_name, _doc))
    setattr(AsyncHuaweiClient, _name, _make_async(_name, _doc))


# ----------------------------------------------------------------------------------------------
# the queryBillData callback (CC-FS -> us), signed with auth-v2


@dataclass
class BillCallback:
    responseId: str
    billFileName: str
    accountId: str | None = None


def parse_bill_callback(method: str, path: str | bytes, headers: Mapping[str, str] | Sequence[tuple[str, str]],
                        body: bytes, verifier: Any | None = None) -> BillCallback:
    """Verifies (when *verifier*, a :class:`callcore.sign.Verifier`, is given) and parses the
    queryBillData callback body (001:65345-65367).

    ``path`` is the request target as it arrived (raw path and query, e.g. ASGI ``raw_path`` +
    ``query_string``), not a decoded path: CC-FS signs what it sends. ``headers`` are all the
    received pairs (a mapping, or pairs when a name repeats, which is refused)."""
    if verifier is not None:
        from callcore.sign import AuthError

        pairs = list(headers.items()) if isinstance(headers, Mapping) else list(headers)
        try:
            verifier.verify_target(method, path, headers=pairs, body=body)
        except AuthError as e:
            raise ClientValidationError(f"huawei bill callback: signature rejected: {e}", platform=P) from None
    try:
        doc = json.loads(body.decode("utf-8"))
        msg = doc["msgBody"]
        return BillCallback(str(msg.get("responseId") or msg.get("responseld")), str(msg["billFileName"]),
                            msg.get("accountId"))
    except (ValueError, KeyError, TypeError, AttributeError) as e:
        raise ProtocolError(f"huawei bill callback: unexpected body ({e})", platform=P) from None


# ----------------------------------------------------------------------------------------------
# the outbound-result callback (7.6.1, iSales -> us): a bare JSON array, no auth header


#: what the receiver must answer with HTTP 200 (001:27193-27212)
RESULT_CALLBACK_REPLY = {"retCode": "0", "retMsg": "success"}


def fail_code_meaning(code: str) -> str:
    """Category and meaning of a call outcome ``failCode`` (table 7-295, 001:27220-27250)."""
    from .codes import huawei_table

    e = huawei_table()["fail_codes"].get(str(code).strip())
    if e is None:
        return "其他 (undocumented failCode)"
    return e["category"] if e["desc"] == e["category"] else f"{e['category']}: {e['desc']}"


def parse_result_callback(body: bytes) -> list[CallResult]:
    """The 7.6.1 callback body: a JSON list of results (the seed's ``callResultList`` is only a
    name, "response直接返回List", 001:27176)."""
    try:
        doc = json.loads(body.decode("utf-8"))
    except (ValueError, UnicodeDecodeError) as e:
        raise ProtocolError(f"huawei result callback: not JSON ({e})", platform=P) from None
    if isinstance(doc, dict):
        doc = doc.get("callResultList", doc.get("data"))
    if not isinstance(doc, list):
        raise ProtocolError("huawei result callback: expected a JSON list", platform=P)
    out = []
    for d in doc:
        if not isinstance(d, dict) or "called" not in d:
            raise ProtocolError(f"huawei result callback: bad item {str(d)[:80]}", platform=P)
        known = {k: d.get(k) for k in CallResult.__dataclass_fields__}
        known["campaignId"] = str(known["campaignId"])
        known["callStatus"] = _int(known["callStatus"])
        out.append(CallResult(**known))
    return out


__all__ = [
    "HuaweiClient", "AsyncHuaweiClient", "HttpOptions", "CampaignSpec", "CampaignSpecV2", "CallerNo",
    "ScheduleParam", "CallData", "CallDataV2", "CalledNo", "BlacklistAdd", "Campaign", "CampaignStatistics", "ImportTask", "CallResult", "BlacklistEntry",
    "RecordRow", "BillIndex", "BillCallback", "read_bill_index", "safe_extract", "bill_file_name",
    "parse_bill_callback", "PlatformError", "RECORD_COLUMNS", "CALL_COLUMNS", "RESULT_CALLBACK_REPLY",
    "fail_code_meaning", "parse_result_callback", "timestamp_millis_setting", "TIMESTAMP_MILLIS_ENV",
]
