"""Huawei CEC request and response models: the iSales bodies with their field limits checked
before sending (seed 001 chapter 7), and what the answers and the CC-FS index files hold."""
from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any, Mapping

from ..models import (CUSTOM_FIELD_FORBIDDEN, TYPE_FORBIDDEN, check_dial, check_len, check_no_chars, check_range,
                      check_time, check_unique, drop_none, fail)

PLATFORM = "huawei"


def as_int(value: Any, default: int = 0) -> int:
    """An answer's number field, *default* when absent or not a number."""
    try:
        return int(value)
    except (TypeError, ValueError):
        return default

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
            check_time(PLATFORM, f"scheduleParam.{k}", v, "%H:%M", line="001:21431")
        if not any(d[f"workdayBeginTime{i}"] for i in (1, 2, 3)):
            raise fail(PLATFORM, "scheduleParam", "workday windows 1-3 cannot all be empty", "001:21452")
        for kind in ("workday", "holiday"):
            for i in (1, 2, 3):
                b, e = d[f"{kind}BeginTime{i}"], d[f"{kind}EndTime{i}"]
                if bool(b) != bool(e):
                    raise fail(PLATFORM, f"scheduleParam.{kind}{i}", "begin and end must both be set or both empty",
                               "001:21452")
                if b and e and b >= e:
                    raise fail(PLATFORM, f"scheduleParam.{kind}{i}", f"begin {b} is not before end {e}", "001:21452")


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
    check_range(PLATFORM, "skillParam.skillId", skill.get("skillId"), 1, 1000, required=True, line="001:21470")
    check_len(PLATFORM, "skillParam.skillName", skill.get("skillName"), 100, line="001:21471")
    ob = skill.get("outBoundType")
    if ob not in (2, 5, 6):
        raise fail(PLATFORM, "skillParam.outBoundType", f"{ob!r} is not 2 (predictive), 5 (preview) or 6 (progressive)",
                   "001:21472")
    if ob == 2:
        pp = skill.get("predictParam")
        if not isinstance(pp, Mapping):
            raise fail(PLATFORM, "skillParam.predictParam", "required when outBoundType is 2", "001:21473")
        method = pp.get("predictMethod")
        if method not in _PREDICT_PARAMS:
            raise fail(PLATFORM, "skillParam.predictParam.predictMethod", f"{method!r} is not 1, 2, 3 or 5",
                       "001:21486")
        key, ranges = _PREDICT_PARAMS[method]
        sub = pp.get(key)
        if not isinstance(sub, Mapping):
            raise fail(PLATFORM, f"skillParam.predictParam.{key}", f"required when predictMethod is {method}",
                       "001:21487")
        for f, (lo, hi) in ranges.items():
            check_range(PLATFORM, f"skillParam.predictParam.{key}.{f}", sub.get(f), lo, hi, required=True,
                        line="001:21492")
        if "minAvgCallTime" in ranges and int(sub["minAvgCallTime"]) > int(sub["maxAvgCallTime"]):
            raise fail(PLATFORM, f"skillParam.predictParam.{key}.minAvgCallTime", "must be <= maxAvgCallTime",
                       "001:21496")
    if ob == 5:
        pv = skill.get("previewParam")
        if not isinstance(pv, Mapping):
            raise fail(PLATFORM, "skillParam.previewParam", "required when outBoundType is 5", "001:21474")
        check_range(PLATFORM, "skillParam.previewParam.failInterval", pv.get("failInterval"), 3, 60, required=True,
                    line="001:21479")
        check_range(PLATFORM, "skillParam.previewParam.obCallCount", pv.get("obCallCount"), 1, 100, required=True,
                    line="001:21480")
        check_range(PLATFORM, "skillParam.previewParam.autoCallTime", pv.get("autoCallTime"), 5, max(5,
                                                                                                     max_alerting - 3),
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
        check_len(PLATFORM, "name", self.name, 32, required=True, line="001:21410")
        check_len(PLATFORM, "description", self.description, 200, line="001:21412")
        check_no_chars(PLATFORM, "description", self.description, set('"[]=;<>'), "001:21412")
        check_time(PLATFORM, "strBeginTime", self.strBeginTime, required=True, line="001:21413")
        check_time(PLATFORM, "strEndTime", self.strEndTime, required=True, line="001:21414")
        if self.strBeginTime >= self.strEndTime:
            raise fail(PLATFORM, "strEndTime", "must be after strBeginTime", "001:21414")
        if self.deviceType not in (1, 2, 3, 5, 6):
            raise fail(PLATFORM, "deviceType", f"{self.deviceType} not in 1, 2, 3, 5, 6", "001:21415")
        check_dial(PLATFORM, "callerNo", self.callerNo, line="001:21416")
        lo = 9 if self.deviceType == 5 else 5
        check_range(PLATFORM, "maxAlertingTime", self.maxAlertingTime, lo, 120, required=True, line="001:21417")
        self.scheduleParam.validate()
        if self.deviceType in (1, 3):
            if not self.ivrParam:
                raise fail(PLATFORM, "ivrParam", "required when deviceType is 1 or 3", "001:21419")
            if not self.ivrParam.get("deviceSign"):
                raise fail(PLATFORM, "ivrParam.deviceSign", "is required (the IVR flow or access code)", "001:21457")
            check_range(PLATFORM, "ivrParam.callCount", self.ivrParam.get("callCount"), 1, 100, required=True,
                        line="001:21458")
            check_range(PLATFORM, "ivrParam.callInterval", self.ivrParam.get("callInterval"), 1, 9999, required=True,
                        line="001:21459")
        if self.deviceType in (2, 5, 6):
            if not self.skillParam:
                raise fail(PLATFORM, "skillParam", "required when deviceType is 2, 5 or 6", "001:21420")
            check_skill_param(self.skillParam, self.maxAlertingTime)
            if self.skillParam.get("outBoundType") != self.deviceType:
                raise fail(PLATFORM, "skillParam.outBoundType",
                           f"must equal deviceType {self.deviceType} (the same mode)",
                           "001:21472")
        if self.initStatus not in (0, 1):
            raise fail(PLATFORM, "initStatus", "must be 0 (started) or 1 (paused)", "001:21421")
        check_len(PLATFORM, "callbackUrl", self.callbackUrl, 2048, required=True, line="001:21425")
        if not self.callbackUrl.startswith(("https://", "http://")):
            raise fail(PLATFORM, "callbackUrl", "must start with https:// or http://", "001:21686")

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
        check_len(PLATFORM, f"callerNo[{i}].accessCode", self.accessCode, 32, required=True, line="001:21792")
        if not str(self.accessCode).isdigit() or not str(self.accessCode).isascii():
            raise fail(PLATFORM, f"callerNo[{i}].accessCode", f"{self.accessCode!r}: digits 0-9 only", "001:21792")
        check_range(PLATFORM, f"callerNo[{i}].priority", self.priority, 1, 5, required=True, line="001:21793")


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
            raise fail(PLATFORM, "callerNo", "at least one calling number", "001:21677")
        for i, c in enumerate(self.callerNo):
            c.validate(i)
        check_range(PLATFORM, "priority", self.priority, 1, 5, line="001:21679")
        if not isinstance(self.retryPolicy, Mapping) or self.retryPolicy.get("policyType") not in (0, 1):
            raise fail(PLATFORM, "retryPolicy.policyType", "required, 0 (global) or 1 (by number type)", "001:21798")
        if self.skillParam is not None and not self.skillParam.get("skillName"):
            raise fail(PLATFORM, "skillParam.skillName", "required in v2", "001:21738")
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
        check_len(PLATFORM, f + ".sessionId", self.sessionId, 32, line="001:25471")
        check_dial(PLATFORM, f + ".called", self.called, line="001:25472")
        check_len(PLATFORM, f + ".caller", self.caller, 24, line="001:25475")
        check_len(PLATFORM, f + ".customField", self.customField, 200, line="001:25476")
        check_no_chars(PLATFORM, f + ".customField", self.customField, CUSTOM_FIELD_FORBIDDEN, "001:25476")
        check_time(PLATFORM, f + ".recycleTime", self.recycleTime, line="001:25477")
        check_len(PLATFORM, f + ".callData", self.callData, 1024, line="001:25478")


@dataclass
class CalledNo:
    """An element of 7.4.2's ``called`` list (001:25636-25638)."""

    calledNo: str
    delayTime: str | None = None
    type: str | None = None

    def validate(self, f: str) -> None:
        check_dial(PLATFORM, f + ".calledNo", self.calledNo, line="001:25636")
        check_range(PLATFORM, f + ".delayTime", self.delayTime, 0, 86400, line="001:25637")
        check_len(PLATFORM, f + ".type", self.type, 20, line="001:25638")
        check_no_chars(PLATFORM, f + ".type", self.type, TYPE_FORBIDDEN, "001:25638")


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
        check_len(PLATFORM, f + ".sessionId", self.sessionId, 32, line="001:25624")
        if not self.called:
            raise fail(PLATFORM, f + ".called", "needs at least one number", "001:25625")
        for j, c in enumerate(self.called):
            c.validate(f"{f}.called[{j}]")
        check_unique(PLATFORM, f + ".called", (c.calledNo for c in self.called), "001:25587")
        check_len(PLATFORM, f + ".caller", self.caller, 24, line="001:25626")
        check_len(PLATFORM, f + ".customField", self.customField, 200, line="001:25627")
        check_no_chars(PLATFORM, f + ".customField", self.customField, CUSTOM_FIELD_FORBIDDEN, "001:25627")
        check_time(PLATFORM, f + ".recycleTime", self.recycleTime, line="001:25628")
        check_len(PLATFORM, f + ".callData", self.callData, 1024, line="001:25631")

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
            raise fail(PLATFORM, "blocklist", "is required", "001:24779")
        if len(self.blocklist) > 20:
            raise fail(PLATFORM, "blocklist", f"{len(self.blocklist)} numbers, at most 20 per call", "001:24748")
        for i, n in enumerate(self.blocklist):
            check_dial(PLATFORM, f"blocklist[{i}]", n, line="001:24779")
        check_unique(PLATFORM, "blocklist", self.blocklist, "001:24749")
        check_time(PLATFORM, "validityExpirationTime", self.validityExpirationTime, line="001:24780")
        check_range(PLATFORM, "validityTime", self.validityTime, 1, 120, line="001:24781")
        if (self.restrictTimes is None) != (self.restrictPeriod is None):
            raise fail(PLATFORM, "restrictTimes/restrictPeriod", "both or neither", "001:24782")
        check_range(PLATFORM, "restrictTimes", self.restrictTimes, 1, 100, line="001:24782")
        if self.restrictPeriod is not None and str(self.restrictPeriod) not in ("0", "1"):
            raise fail(PLATFORM, "restrictPeriod", "must be '0' (hourly) or '1' (daily)", "001:24785")


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


RECORD_COLUMNS = [f.name for f in RecordRow.__dataclass_fields__.values()]
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
