"""Huawei CEC: CC-iSales outbound campaigns (seed 001 chapter 7) and CC-FS bill/recording access
(13.2.1), both signed with auth-v2 (C2) through :mod:`callcore.sign`.

Two clients with the same methods: :class:`HuaweiClient` (sync) and :class:`AsyncHuaweiClient`
(async). Each method validates its request against the seed's field limits before sending, reads
an HTTP-200 body carrying an error code as an error, and raises a typed
:mod:`callcore.platforms.errors` exception that says whether a retry can help.

    with HuaweiClient("https://cc.example:28080", ak, sk, vdn_id=1) as hw:
        cid = hw.create_campaign(CampaignSpec(...))
        hw.add_numbers(cid, [CallData(called="13800000000", customField="batch-1")])

The package: :mod:`.models` (request and answer models), :mod:`.requests` (the request builders
and the reading of the answers), :mod:`.client` (the two clients), :mod:`.bill` (CC-FS files
and the callbacks).
"""
from __future__ import annotations

from .._http import HttpOptions
from ..errors import PlatformError
from .bill import (RESULT_CALLBACK_REPLY, BillCallback, bill_file_name, fail_code_meaning, parse_bill_callback,
                   parse_result_callback, read_bill_index, safe_extract)
from .client import TIMESTAMP_MILLIS_ENV, AsyncHuaweiClient, HuaweiClient, timestamp_millis_setting
from .models import (CALL_COLUMNS, RECORD_COLUMNS, BillIndex, BlacklistAdd, BlacklistEntry, CallData, CallDataV2,
                     CalledNo, CallerNo, CallResult, Campaign, CampaignSpec, CampaignSpecV2, CampaignStatistics,
                     ImportTask, RecordRow, ScheduleParam, check_skill_param)
from .requests import HuaweiRequests, PreparedRequest

__all__ = [
    "HuaweiClient", "AsyncHuaweiClient", "HttpOptions", "CampaignSpec", "CampaignSpecV2", "CallerNo",
    "ScheduleParam", "CallData", "CallDataV2", "CalledNo", "BlacklistAdd", "Campaign", "CampaignStatistics",
    "ImportTask", "CallResult", "BlacklistEntry", "RecordRow", "BillIndex", "BillCallback", "read_bill_index",
    "safe_extract", "bill_file_name", "parse_bill_callback", "PlatformError", "RECORD_COLUMNS", "CALL_COLUMNS",
    "RESULT_CALLBACK_REPLY", "fail_code_meaning", "parse_result_callback", "timestamp_millis_setting",
    "TIMESTAMP_MILLIS_ENV", "PreparedRequest", "HuaweiRequests", "check_skill_param",
]
