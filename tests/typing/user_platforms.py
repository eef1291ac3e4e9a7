"""A service's code driving each platform's sync and async client (Huawei, SCCC, 八百呼, 九五),
checked like user_capabilities.py. Each async function mirrors its sync twin, awaited."""
from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

from callcore.platforms import (ApiError, AuthenticationError, BlacklistedError, ClientValidationError,
                                ClockSkewError, DuplicateError, FlowControlError, HttpOptions, HTTPStatusError,
                                LimitExceededError, NotFoundError, ParameterError, PlatformError, ProtocolError,
                                RateLimitError, RetryPolicy, ServerError, StateError, TransportError,
                                UnsafeArchiveError, acall_with_retry, call_with_retry)
from callcore.platforms.babaihu import AsyncBabaihuClient, BabaihuClient, TaskRecord
from callcore.platforms.hl95 import AsyncHl95Client, Hl95Client, ManualTask
from callcore.platforms.huawei import (CALL_COLUMNS, RECORD_COLUMNS, RESULT_CALLBACK_REPLY, TIMESTAMP_MILLIS_ENV,
                                       AsyncHuaweiClient, BillCallback, BillIndex, BlacklistAdd, BlacklistEntry,
                                       CallData, CallDataV2, CalledNo, CallerNo, CallResult, Campaign, CampaignSpec,
                                       CampaignSpecV2, CampaignStatistics, HuaweiClient, HuaweiRequests, ImportTask,
                                       PreparedRequest, RecordRow, ScheduleParam, bill_file_name, check_skill_param,
                                       fail_code_meaning, parse_bill_callback, parse_result_callback, read_bill_index,
                                       safe_extract, timestamp_millis_setting)
from callcore.platforms.sccc import AsyncScccClient, Recording, Report, ScccClient, TaskCreated

OPTIONS = HttpOptions(timeout=10.0, verify=True)
RETRY = RetryPolicy(attempts=3, base_delay=0.5)  # a client retries its own calls this way, logging each


# --- Huawei CEC ------------------------------------------------------------------------------
def campaign_spec() -> CampaignSpec:
    return CampaignSpec(name="spring", strBeginTime="2026-01-01 00:00:00", strEndTime="2026-01-31 00:00:00",
                        deviceType=2, callerNo="95555", maxAlertingTime=30,
                        scheduleParam=ScheduleParam(workdayBeginTime1="09:00", workdayEndTime1="18:00"),
                        callbackUrl="https://example.invalid/results")


def huawei(url: str, ak: str, sk: str, spec: CampaignSpec) -> int:
    with HuaweiClient(url, ak, sk, vdn_id=1, options=OPTIONS, retry=RETRY) as hw:
        campaign_id: int = hw.create_campaign(spec)
        total: int = hw.add_numbers(campaign_id, [CallData(called="13800000000", customField="batch-1")])
        info: Campaign = hw.get_campaign(campaign_id)
        listed, campaigns = hw.list_campaigns(status=3)
        stats: list[CampaignStatistics] = hw.statistics(campaign_id)
        tasks: list[ImportTask] = hw.import_results(campaign_id, limit=10)
        count, results = hw.call_results(campaign_id, pageSize=50)
        first: list[CallResult] = results
        response_id: str = hw.query_bill_data("2026-01-01 00:00:00", "2026-01-02 00:00:00", "https://cb.invalid")
        try:
            hw.pause_campaign(campaign_id)
            hw.resume_campaign(campaign_id)
        except FlowControlError as e:
            retry: float | None = e.retry_after
            assert retry is None or retry >= 0
        except PlatformError as e:
            code: str | None = e.code
            assert code is None or code
        bill: Path = hw.download_bill_file(response_id, Path("bills"))
        index: BillIndex = read_bill_index(bill)
        return (total + count + listed + len(campaigns) + len(stats) + len(tasks) + len(first) + info.status
                + len(index.records))


async def huawei_async(url: str, ak: str, sk: str, spec: CampaignSpec) -> int:
    async with AsyncHuaweiClient(url, ak, sk, vdn_id=1, options=OPTIONS, retry=RETRY) as hw:
        campaign_id: int = await hw.create_campaign(spec)
        total: int = await hw.add_numbers(campaign_id, [CallData(called="13800000000")])
        info: Campaign = await hw.get_campaign(campaign_id)
        count, results = await hw.call_results(campaign_id)
        first: list[CallResult] = results
        await hw.pause_campaign(campaign_id)
        path: Path = await hw.download_record(Path("out"), call_id="1")
        return total + count + len(first) + info.status + len(path.name)


def huawei_pushed_results(body: bytes) -> list[str]:
    return [r.called for r in parse_result_callback(body)]


def huawei_bulk(hw: HuaweiClient, numbers: list[str]) -> int:
    builders: HuaweiRequests = hw.requests  # what the client sends, built and validated before any I/O
    prepared: PreparedRequest = builders.prepare_add_numbers(1, numbers, custom_field="batch-1")
    check_skill_param({"skillId": 1}, max_alerting=30)
    return hw.send_prepared(prepared) + hw.send_prepared(hw.prepare_add_numbers(2, numbers, api="v2"))


def huawei_v2(hw: HuaweiClient, spec: CampaignSpec) -> int:
    spec_v2 = CampaignSpecV2(name=spec.name, strBeginTime=spec.strBeginTime, strEndTime=spec.strEndTime,
                             deviceType=2, callerNo=[CallerNo("95555", priority=1)], maxAlertingTime=30,
                             scheduleParam=spec.scheduleParam, callbackUrl=spec.callbackUrl, retryPolicy={})
    campaign_id: int = hw.create_campaign_v2(spec_v2)
    rows = [CallDataV2(called=[CalledNo("13800000000"), CalledNo("13900000000", delayTime="60")])]
    added: int = hw.add_numbers_v2(campaign_id, rows)
    hw.blacklist_add(BlacklistAdd(blocklist=["13800000000"], validityTime=3600))
    blocked: list[BlacklistEntry] = hw.blacklist_query(["13800000000"])
    return added + len(blocked)


def huawei_bill(body: bytes, headers: dict[str, str], folder: Path) -> list[str]:
    callback: BillCallback = parse_bill_callback("POST", "/bill", headers, body)
    files: list[Path] = safe_extract(folder / callback.billFileName, folder / "bill")
    rows: list[RecordRow] = read_bill_index(files[0]).records
    columns: tuple[str, ...] = (*CALL_COLUMNS, *RECORD_COLUMNS)
    reply: dict[str, object] = dict(RESULT_CALLBACK_REPLY)
    millis: bool = timestamp_millis_setting()
    return [bill_file_name(callback.responseId), fail_code_meaning("0200019"), TIMESTAMP_MILLIS_ENV,
            *columns, *(r.call_id for r in rows), str(reply), str(millis)]


def what_went_wrong(error: PlatformError) -> str:
    """Every platform error is a class a service can catch by what it means."""
    match error:
        case AuthenticationError() | ClockSkewError():
            return "credentials or clock"
        case FlowControlError() | RateLimitError() | ServerError() | TransportError() | HTTPStatusError():
            return f"try again in {error.retry_after}s" if error.retryable else "gave up"
        case ParameterError() | ClientValidationError() | LimitExceededError() | BlacklistedError():
            return f"fix the request: {error.meaning} ({error.seed_line})"
        case DuplicateError() | NotFoundError() | StateError():
            return "the platform's state differs"
        case ProtocolError() | UnsafeArchiveError() | ApiError():
            return f"unexpected answer from {error.platform} {error.endpoint}"
        case _:
            return str(error)


# --- SCCC ------------------------------------------------------------------------------------
def sccc(url: str) -> int:
    with ScccClient(url, "customer", "password", options=OPTIONS) as c:
        created: TaskCreated = c.create_task("1001", ["13800000000"])
        report: Report = c.add_numbers(created.task_id, ["13900000000"], "1001")
        reports: list[Report] = c.add_numbers_many([(created.task_id, ["13700000000"])], "1001")
        state: str = c.query_task("1001")
        c.control_task(created.task_id, "Start", "1001")
        records: list[Recording] = c.records()
        every: Iterator[Recording] = c.iter_records()
        total, cdrs = c.cdrs(["1001"])
        first_cdr: dict[str, Any] = cdrs[0]
        saved: Path = c.download_recording(records[0].filename, Path("out"))
        return (report.total + len(reports) + len(state) + len(records) + len(list(every)) + total
                + len(first_cdr) + len(saved.name))


async def sccc_async(url: str) -> int:
    async with AsyncScccClient(url, "customer", "password", version="V2.0.4", options=OPTIONS, retry=RETRY) as c:
        created: TaskCreated = await c.create_task("1001", ["13800000000"])
        report: Report = await c.add_numbers(created.task_id, ["13900000000"], "1001")
        records: list[Recording] = await c.records()
        every: AsyncIterator[Recording] = c.iter_records()
        keys = [r.key async for r in every]
        total, cdrs = await c.cdrs(["1001"])
        first_cdr: dict[str, Any] = cdrs[0]
        saved: Path = await c.download_recording(records[0].filename, Path("out"))
        return report.total + len(records) + len(keys) + total + len(first_cdr) + len(saved.name)


# --- 八百呼 ------------------------------------------------------------------------------------
def babaihu(url: str) -> int:
    with BabaihuClient(url, "user", "pw", options=OPTIONS) as c:
        flows: dict[int, str] = c.call_flows()
        flow_id: str = c.add_task("t", [TaskRecord(phone="13800000000", memo="batch-1")])
        total, rows = c.task_detail(flow_id)
        first_row: dict[str, Any] = rows[0]
        c.blacklist_add(["13800000000"])
        numbers: list[str] = c.blacklist()
        records: Iterator[dict[str, Any]] = c.iter_call_records(page=100)
        saved: Path = c.download_record(Path("out"), cdr_id="1", mp3=True)
        return len(flows) + total + len(first_row) + len(numbers) + len(list(records)) + len(saved.name)


async def babaihu_async(url: str) -> int:
    async with AsyncBabaihuClient(url, "user", "pw", options=OPTIONS) as c:
        flow_id: str = await c.add_task("t", [TaskRecord(phone="13800000000")])
        total, rows = await c.task_detail(flow_id)
        first_row: dict[str, Any] = rows[0]
        numbers: list[str] = await c.blacklist()
        count, records = await c.call_records()
        first_record: dict[str, Any] = records[0]
        saved: Path = await c.download_record(Path("out"), record_file="a.wav")
        return total + len(first_row) + len(numbers) + count + len(first_record) + len(saved.name)


# --- 九五云客服 ----------------------------------------------------------------------------------
def manual_task() -> ManualTask:
    return ManualTask(outProjectId="p1", taskId="t1", name="spring", timeFrom="2026-01-01 09:00:00",
                      timeTo="2026-01-01 18:00:00", dataObjId="d1", numbers=[("13800000000", "a customer")])


def hl95(url: str) -> int:
    with Hl95Client(url, "id", "secret", options=OPTIONS) as c:
        token: str = c.token()
        c.create_project("p1", "spring")
        c.upload_file(Path("numbers.txt"))
        files: list[dict[str, Any]] = c.search_files("numbers.txt")
        created: dict[str, Any] = c.create_manual_task(manual_task())
        c.append_numbers("1", [("13900000000", "another")])
        c.start_task("1")
        page: dict[str, Any] = c.tasks(task_id="t1", status="1")
        history: dict[str, Any] = c.call_history(page_size=50)
        saved: Path = c.download_recording("a.wav", Path("out"))
        return len(token) + len(files) + len(created) + len(page) + len(history) + len(saved.name)


async def hl95_async(url: str) -> int:
    async with AsyncHl95Client(url, "id", "secret", scope="all", options=OPTIONS, retry=RETRY) as c:
        await c.create_project("p1", "spring")
        await c.upload_file(Path("numbers.txt"))
        files: list[dict[str, Any]] = await c.search_files("numbers.txt")
        created: dict[str, Any] = await c.create_manual_task(manual_task())
        await c.start_task("1")
        page: dict[str, Any] = await c.tasks(page_size=50, task_id="t1", status="1")
        saved: Path = await c.download_recording("a.wav", Path("out"))
        return len(files) + len(created) + len(page) + len(saved.name)


# --- errors and retries, shared by every client ------------------------------------------------
def with_retries(c: ScccClient) -> list[Recording]:
    policy = RetryPolicy(attempts=3, base_delay=0.1)

    def note(error: PlatformError, attempt: int, wait: float) -> None:
        print(f"retry {attempt} in {wait:.1f}s: {error.meaning}")

    try:
        return call_with_retry(c.records, 0, policy=policy, on_retry=note)
    except (AuthenticationError, RateLimitError, TransportError) as e:
        status: int | None = e.http_status
        raise RuntimeError(f"{e.platform} {e.endpoint} {status}") from e


async def with_retries_async(c: AsyncScccClient) -> list[Recording]:
    return await acall_with_retry(c.records, 0, policy=RetryPolicy(attempts=2))
