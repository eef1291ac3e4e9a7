"""The Huawei CEC clients: :class:`HuaweiClient` (sync) and :class:`AsyncHuaweiClient` (async),
each a :class:`~.requests.HuaweiRequests` (one VDN's request builders) plus a transport that signs
with auth-v2 (C2) through :mod:`callcore.sign`. Every method hands its builder's request to the
transport in one line, so the two clients cannot drift apart (``tests/platforms/test_client_parity.py``)."""
from __future__ import annotations

import os
from pathlib import Path
from typing import Sequence

from .._http import HttpOptions
from .._transport import AsyncClient, PlatformClient, SyncClient
from ..errors import ClientValidationError, hold_secret
from ..retry import RetryPolicy
from .models import (PLATFORM, BlacklistAdd, BlacklistEntry, CallData, CallDataV2, CallResult, Campaign, CampaignSpec,
                     CampaignSpecV2, CampaignStatistics, ImportTask)
from .requests import AddApi, BillDataType, HuaweiRequests, PreparedRequest

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
                                platform=PLATFORM, endpoint="auth-v2")


class _HuaweiSettings(PlatformClient):
    """What both clients hold: the VDN's request builders, the servers and the auth-v2 signer."""

    def __init__(self, base_url: str, access_key: str, secret_key: str, *, vdn_id: int,
                 ccfs_url: str | None = None, options: HttpOptions | None = None, v2_max_per_call: int = 20,
                 max_skew: float = 900.0, timestamp_millis: bool | None = None,
                 retry: RetryPolicy | None = None) -> None:
        from callcore.sign.httpx_auth import AuthV2

        self.requests = HuaweiRequests(vdn_id, v2_max_per_call, max_skew)
        self.ccfs_url = (ccfs_url or base_url).rstrip("/")
        self.max_skew = max_skew
        self.timestamp_millis = timestamp_millis_setting(timestamp_millis)
        self._signer = AuthV2(access_key, secret_key, timestamp_millis=self.timestamp_millis)
        hold_secret(secret_key)  # a gateway that echoes a request never gets the SK into error text
        self._connect(PLATFORM, base_url, options, retry, other_servers={"ccfs": self.ccfs_url}, auth=self._signer)

    def __repr__(self) -> str:  # never the secret
        return (f"{type(self).__name__}({self.base_url!r}, vdn_id={self.requests.vdn}, "
                f"timestamp_millis={self.timestamp_millis})")

    def prepare_add_numbers(self, campaign_id: int, called: Sequence[str], *,
                            session_ids: Sequence[str | int] | None = None, session_prefix: str = "",
                            custom_field: str | None = None, api: AddApi = "v1") -> PreparedRequest:
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
        return self.requests.prepare_add_numbers(campaign_id, called, session_ids=session_ids,
                                                 session_prefix=session_prefix, custom_field=custom_field, api=api)

    def prepare_add_numbers_body(self, campaign_id: int, content: bytes, *, records: int,
                                 api: AddApi = "v1") -> PreparedRequest:
        """Wraps an add-numbers body serialised elsewhere (UTF-8 JSON ``{"callDataList":[...]}``
        with *records* records) for :meth:`send_prepared`. Only the envelope and the record count
        are checked: the records are the caller's responsibility."""
        return self.requests.prepare_add_numbers_body(campaign_id, content, records=records, api=api)


class HuaweiClient(_HuaweiSettings, SyncClient):
    """Synchronous Huawei CEC client (iSales + CC-FS), one VDN. Thread-safe; use as a context
    manager or call :meth:`close`.

    ``timestamp_millis`` chooses the auth-v2 timestamp form: seconds by default
    (``2018-10-17T11:48:24Z``, what Huawei's demo signer sends and its verifier rebuilds), ``True``
    for milliseconds (the seed's 4.3 code); see :func:`timestamp_millis_setting`. ``retry`` (a
    :class:`~callcore.platforms.retry.RetryPolicy`) retries what the error says can be retried,
    each retry logged; without it every call is attempted once."""

    def send_prepared(self, prepared: PreparedRequest) -> int:
        """Signs and sends a :class:`PreparedRequest`; returns ``totalSize`` or raises the same
        typed errors as the ordinary methods."""
        return self._transport.send(prepared)

    def create_campaign(self, spec: CampaignSpec) -> int:
        """7.1.1: create a campaign; returns its id. Created paused by default (initStatus=1)."""
        return self._transport.send(self.requests.create_campaign(spec))

    def create_campaign_v2(self, spec: CampaignSpecV2) -> int:
        """7.1.2: create a campaign with several calling numbers and its retry/call policies (CampaignSpecV2); returns
        its id."""
        return self._transport.send(self.requests.create_campaign_v2(spec))

    def get_campaign(self, campaign_id: int) -> Campaign:
        """7.1.6: campaign details (status 2 started, 3 paused, 4 finished)."""
        return self._transport.send(self.requests.get_campaign(campaign_id))

    def list_campaigns(self, *, name: str | None = None, status: int = 0, device_type: int = 0, page: int = 1,
                       rows_per_page: int = 100) -> tuple[int, list[Campaign]]:
        """7.1.7: (totalSize, [Campaign]) of the campaigns matching name/status/device_type, one page (rows_per_page <=
        100)."""
        return self._transport.send(self.requests.list_campaigns(name=name, status=status, device_type=device_type,
                                                                 page=page, rows_per_page=rows_per_page))

    def pause_campaign(self, campaign_id: int) -> None:
        """7.1.8: pause a running campaign."""
        return self._transport.send(self.requests.pause_campaign(campaign_id))

    def delete_campaign(self, campaign_id: int, *, archive_history: bool = False) -> None:
        """7.1.5: delete a campaign that is not started (archive_history=True keeps its data in the history tables)."""
        return self._transport.send(self.requests.delete_campaign(campaign_id, archive_history=archive_history))

    def resume_campaign(self, campaign_id: int) -> None:
        """7.1.9: resume a paused campaign."""
        return self._transport.send(self.requests.resume_campaign(campaign_id))

    def add_numbers(self, campaign_id: int, records: Sequence[CallData]) -> int:
        """7.4.1: add <= 20 records; returns totalSize (numbers still to call). 0200022 if < 1 s apart."""
        return self._transport.send(self.requests.add_numbers(campaign_id, records))

    def add_numbers_v2(self, campaign_id: int, records: Sequence[CallDataV2]) -> int:
        """7.4.2: add records with several numbers each; at most v2_max_per_call per call."""
        return self._transport.send(self.requests.add_numbers_v2(campaign_id, records))

    def delete_numbers(self, campaign_id: int, *, sessionId: str | None = None, called: str | None = None,
                       customField: str | None = None, recycleTime: str | None = None, recycleType: str | None = None,
                       archiveHistory: int | None = None) -> int:
        """7.4.3: delete numbers by sessionId/called/customField/recycleTime; returns successCount."""
        return self._transport.send(self.requests.delete_numbers(campaign_id, sessionId=sessionId, called=called,
                                                                 customField=customField, recycleTime=recycleTime,
                                                                 recycleType=recycleType,
                                                                 archiveHistory=archiveHistory))

    def query_number(self, campaign_id: int, data_id: str) -> dict[str, object]:
        """7.4.6: one record by dataId."""
        return self._transport.send(self.requests.query_number(campaign_id, data_id))

    def statistics(self, campaign_id: str | int | None = None, batch_id: str | None = None) -> list[CampaignStatistics]:
        """7.4.7: per-campaign and per-batch (customField) counts. Once per 5 min, else HTTP 429."""
        return self._transport.send(self.requests.statistics(campaign_id, batch_id))

    def import_file(self, campaign_id: int | str, server_id: str, file_name: str, *, file_path: str | None = None,
                    hour: int | None = None, minute: str | None = None) -> str:
        """7.4.8: import a data file from a registered SFTP server; returns importTaskId."""
        return self._transport.send(self.requests.import_file(campaign_id, server_id, file_name, file_path=file_path,
                                                              hour=hour, minute=minute))

    def import_results(self, campaign_id: int | str, *, offset: int = 0, limit: int = 100,
                       task_ids: Sequence[str] | None = None) -> list[ImportTask]:
        """7.4.9: import tasks of a campaign (counts only)."""
        return self._transport.send(self.requests.import_results(campaign_id, offset=offset, limit=limit,
                                                                 task_ids=task_ids))

    def blacklist_add(self, req: BlacklistAdd) -> None:
        """7.3.1: add <= 20 blacklist numbers."""
        return self._transport.send(self.requests.blacklist_add(req))

    def blacklist_delete(self, number: str) -> None:
        """7.3.2: delete one blacklist number."""
        return self._transport.send(self.requests.blacklist_delete(number))

    def blacklist_clear(self, ) -> None:
        """7.3.3: delete all blacklist numbers of the VDN."""
        return self._transport.send(self.requests.blacklist_clear())

    def blacklist_query(self, numbers: Sequence[str] | None = None, *, offset: int | None = None,
                        limit: int | None = None) -> list[BlacklistEntry]:
        """7.3.4: membership check of <= 20 numbers, or a page (offset/limit)."""
        return self._transport.send(self.requests.blacklist_query(numbers, offset=offset, limit=limit))

    def blacklist_import_file(self, server_id: str, file_name: str, *, file_path: str | None = None,
                              hour: int | None = None, minute: str | None = None) -> str:
        """7.3.5: import a blacklist file from a registered SFTP server."""
        return self._transport.send(self.requests.blacklist_import_file(server_id, file_name, file_path=file_path,
                                                                        hour=hour, minute=minute))

    def blacklist_import_results(self, *, offset: int = 0, limit: int = 100,
                                 task_ids: Sequence[str] | None = None) -> list[ImportTask]:
        """7.3.6: blacklist import tasks."""
        return self._transport.send(self.requests.blacklist_import_results(offset=offset, limit=limit,
                                                                           task_ids=task_ids))

    def add_file_server(self, ip: str, port: int | str, file_path: str, user_name: str, password: str) -> str:
        """7.8.1: register an SFTP file server; returns serverId."""
        return self._transport.send(self.requests.add_file_server(ip, port, file_path, user_name, password))

    def delete_file_server(self, server_id: str) -> None:
        """7.8.2: delete a file server."""
        return self._transport.send(self.requests.delete_file_server(server_id))

    def query_file_servers(self, *, offset: int = 0, limit: int = 100,
                           server_ids: Sequence[str] | None = None) -> list[dict[str, object]]:
        """7.8.4: list file servers."""
        return self._transport.send(self.requests.query_file_servers(offset=offset, limit=limit, server_ids=server_ids))

    def call_results(self, campaign_id: int, *, sessionId: str | None = None, customField: str | None = None,
                     pageSize: int = 100, pageNum: int = 1, showDetail: int = 0, beginTime: str | None = None,
                     endTime: str | None = None) -> tuple[int, list[CallResult]]:
        """7.5.1: (totalCount, [CallResult]) of completed calls."""
        return self._transport.send(self.requests.call_results(campaign_id, sessionId=sessionId,
                                                               customField=customField, pageSize=pageSize,
                                                               pageNum=pageNum, showDetail=showDetail,
                                                               beginTime=beginTime, endTime=endTime))

    def query_bill_data(self, begin: str, end: str, callback_url: str, *, data_type: BillDataType = 'call_record',
                        accountId: str | None = None, agentId: str | None = None, callId: str | None = None,
                        callerNo: str | None = None, calleeNo: str | None = None) -> str:
        """13.2.1.2: ask CC-FS to build the CDR + recording index zip; returns responseId. The file name arrives on
        callback_url (see parse_bill_callback) or via bill_file_name()."""
        return self._transport.send(self.requests.query_bill_data(begin, end, callback_url, data_type=data_type,
                                                                  accountId=accountId, agentId=agentId, callId=callId,
                                                                  callerNo=callerNo, calleeNo=calleeNo))

    def download_bill_file(self, bill_file: str, dest: Path) -> Path:
        """13.2.1.3: download the index zip to dest (a file or a folder); returns the path."""
        return self._transport.send(self.requests.download_bill_file(bill_file, dest))

    def download_record_file(self, file_name: str, dest: Path) -> Path:
        """13.2.1.4: download a recording by its index file_name (.wav) to dest."""
        return self._transport.send(self.requests.download_record_file(file_name, dest))

    def download_record(self, dest: Path, *, file_name: str | None = None, call_id: str | None = None,
                        cc_id: str | None = '1') -> Path:
        """13.2.1.5: download a recording by original_file_name (.V3 path) or callId (zip when the call has several
        recordings) to dest; returns the path."""
        return self._transport.send(self.requests.download_record(dest, file_name=file_name, call_id=call_id,
                                                                  cc_id=cc_id))


class AsyncHuaweiClient(_HuaweiSettings, AsyncClient):
    """Asynchronous twin of :class:`HuaweiClient` (same methods, awaited)."""

    async def send_prepared(self, prepared: PreparedRequest) -> int:
        """Awaitable :meth:`HuaweiClient.send_prepared`."""
        return await self._transport.send(prepared)

    async def create_campaign(self, spec: CampaignSpec) -> int:
        """Awaitable :meth:`HuaweiClient.create_campaign`."""
        return await self._transport.send(self.requests.create_campaign(spec))

    async def create_campaign_v2(self, spec: CampaignSpecV2) -> int:
        """Awaitable :meth:`HuaweiClient.create_campaign_v2`."""
        return await self._transport.send(self.requests.create_campaign_v2(spec))

    async def get_campaign(self, campaign_id: int) -> Campaign:
        """Awaitable :meth:`HuaweiClient.get_campaign`."""
        return await self._transport.send(self.requests.get_campaign(campaign_id))

    async def list_campaigns(self, *, name: str | None = None, status: int = 0, device_type: int = 0, page: int = 1,
                             rows_per_page: int = 100) -> tuple[int, list[Campaign]]:
        """Awaitable :meth:`HuaweiClient.list_campaigns`."""
        return await self._transport.send(self.requests.list_campaigns(name=name, status=status,
                                                                       device_type=device_type, page=page,
                                                                       rows_per_page=rows_per_page))

    async def pause_campaign(self, campaign_id: int) -> None:
        """Awaitable :meth:`HuaweiClient.pause_campaign`."""
        return await self._transport.send(self.requests.pause_campaign(campaign_id))

    async def delete_campaign(self, campaign_id: int, *, archive_history: bool = False) -> None:
        """Awaitable :meth:`HuaweiClient.delete_campaign`."""
        return await self._transport.send(self.requests.delete_campaign(campaign_id, archive_history=archive_history))

    async def resume_campaign(self, campaign_id: int) -> None:
        """Awaitable :meth:`HuaweiClient.resume_campaign`."""
        return await self._transport.send(self.requests.resume_campaign(campaign_id))

    async def add_numbers(self, campaign_id: int, records: Sequence[CallData]) -> int:
        """Awaitable :meth:`HuaweiClient.add_numbers`."""
        return await self._transport.send(self.requests.add_numbers(campaign_id, records))

    async def add_numbers_v2(self, campaign_id: int, records: Sequence[CallDataV2]) -> int:
        """Awaitable :meth:`HuaweiClient.add_numbers_v2`."""
        return await self._transport.send(self.requests.add_numbers_v2(campaign_id, records))

    async def delete_numbers(self, campaign_id: int, *, sessionId: str | None = None, called: str | None = None,
                             customField: str | None = None, recycleTime: str | None = None,
                             recycleType: str | None = None, archiveHistory: int | None = None) -> int:
        """Awaitable :meth:`HuaweiClient.delete_numbers`."""
        return await self._transport.send(self.requests.delete_numbers(campaign_id, sessionId=sessionId, called=called,
                                                                       customField=customField, recycleTime=recycleTime,
                                                                       recycleType=recycleType,
                                                                       archiveHistory=archiveHistory))

    async def query_number(self, campaign_id: int, data_id: str) -> dict[str, object]:
        """Awaitable :meth:`HuaweiClient.query_number`."""
        return await self._transport.send(self.requests.query_number(campaign_id, data_id))

    async def statistics(self, campaign_id: str | int | None = None,
                         batch_id: str | None = None) -> list[CampaignStatistics]:
        """Awaitable :meth:`HuaweiClient.statistics`."""
        return await self._transport.send(self.requests.statistics(campaign_id, batch_id))

    async def import_file(self, campaign_id: int | str, server_id: str, file_name: str, *, file_path: str | None = None,
                          hour: int | None = None, minute: str | None = None) -> str:
        """Awaitable :meth:`HuaweiClient.import_file`."""
        return await self._transport.send(self.requests.import_file(campaign_id, server_id, file_name,
                                                                    file_path=file_path, hour=hour, minute=minute))

    async def import_results(self, campaign_id: int | str, *, offset: int = 0, limit: int = 100,
                             task_ids: Sequence[str] | None = None) -> list[ImportTask]:
        """Awaitable :meth:`HuaweiClient.import_results`."""
        return await self._transport.send(self.requests.import_results(campaign_id, offset=offset, limit=limit,
                                                                       task_ids=task_ids))

    async def blacklist_add(self, req: BlacklistAdd) -> None:
        """Awaitable :meth:`HuaweiClient.blacklist_add`."""
        return await self._transport.send(self.requests.blacklist_add(req))

    async def blacklist_delete(self, number: str) -> None:
        """Awaitable :meth:`HuaweiClient.blacklist_delete`."""
        return await self._transport.send(self.requests.blacklist_delete(number))

    async def blacklist_clear(self, ) -> None:
        """Awaitable :meth:`HuaweiClient.blacklist_clear`."""
        return await self._transport.send(self.requests.blacklist_clear())

    async def blacklist_query(self, numbers: Sequence[str] | None = None, *, offset: int | None = None,
                              limit: int | None = None) -> list[BlacklistEntry]:
        """Awaitable :meth:`HuaweiClient.blacklist_query`."""
        return await self._transport.send(self.requests.blacklist_query(numbers, offset=offset, limit=limit))

    async def blacklist_import_file(self, server_id: str, file_name: str, *, file_path: str | None = None,
                                    hour: int | None = None, minute: str | None = None) -> str:
        """Awaitable :meth:`HuaweiClient.blacklist_import_file`."""
        return await self._transport.send(self.requests.blacklist_import_file(server_id, file_name, file_path=file_path,
                                                                              hour=hour, minute=minute))

    async def blacklist_import_results(self, *, offset: int = 0, limit: int = 100,
                                       task_ids: Sequence[str] | None = None) -> list[ImportTask]:
        """Awaitable :meth:`HuaweiClient.blacklist_import_results`."""
        return await self._transport.send(self.requests.blacklist_import_results(offset=offset, limit=limit,
                                                                                 task_ids=task_ids))

    async def add_file_server(self, ip: str, port: int | str, file_path: str, user_name: str, password: str) -> str:
        """Awaitable :meth:`HuaweiClient.add_file_server`."""
        return await self._transport.send(self.requests.add_file_server(ip, port, file_path, user_name, password))

    async def delete_file_server(self, server_id: str) -> None:
        """Awaitable :meth:`HuaweiClient.delete_file_server`."""
        return await self._transport.send(self.requests.delete_file_server(server_id))

    async def query_file_servers(self, *, offset: int = 0, limit: int = 100,
                                 server_ids: Sequence[str] | None = None) -> list[dict[str, object]]:
        """Awaitable :meth:`HuaweiClient.query_file_servers`."""
        return await self._transport.send(self.requests.query_file_servers(offset=offset, limit=limit,
                                                                           server_ids=server_ids))

    async def call_results(self, campaign_id: int, *, sessionId: str | None = None, customField: str | None = None,
                           pageSize: int = 100, pageNum: int = 1, showDetail: int = 0, beginTime: str | None = None,
                           endTime: str | None = None) -> tuple[int, list[CallResult]]:
        """Awaitable :meth:`HuaweiClient.call_results`."""
        return await self._transport.send(self.requests.call_results(campaign_id, sessionId=sessionId,
                                                                     customField=customField, pageSize=pageSize,
                                                                     pageNum=pageNum, showDetail=showDetail,
                                                                     beginTime=beginTime, endTime=endTime))

    async def query_bill_data(self, begin: str, end: str, callback_url: str, *, data_type: BillDataType = 'call_record',
                              accountId: str | None = None, agentId: str | None = None, callId: str | None = None,
                              callerNo: str | None = None, calleeNo: str | None = None) -> str:
        """Awaitable :meth:`HuaweiClient.query_bill_data`."""
        return await self._transport.send(self.requests.query_bill_data(begin, end, callback_url, data_type=data_type,
                                                                        accountId=accountId, agentId=agentId,
                                                                        callId=callId, callerNo=callerNo,
                                                                        calleeNo=calleeNo))

    async def download_bill_file(self, bill_file: str, dest: Path) -> Path:
        """Awaitable :meth:`HuaweiClient.download_bill_file`."""
        return await self._transport.send(self.requests.download_bill_file(bill_file, dest))

    async def download_record_file(self, file_name: str, dest: Path) -> Path:
        """Awaitable :meth:`HuaweiClient.download_record_file`."""
        return await self._transport.send(self.requests.download_record_file(file_name, dest))

    async def download_record(self, dest: Path, *, file_name: str | None = None, call_id: str | None = None,
                              cc_id: str | None = '1') -> Path:
        """Awaitable :meth:`HuaweiClient.download_record`."""
        return await self._transport.send(self.requests.download_record(dest, file_name=file_name, call_id=call_id,
                                                                        cc_id=cc_id))
