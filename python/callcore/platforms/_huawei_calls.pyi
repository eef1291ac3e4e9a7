"""(A stub: type checkers only.) What the Huawei clients' API methods take and return, for type checkers.

``HuaweiClient``/``AsyncHuaweiClient`` get their iSales and CC-FS methods at import time from
``_HuaweiApi`` (one request builder, two transports), which a type checker cannot see. These
two classes declare those methods; ``huawei.py`` adds them as bases only under
``TYPE_CHECKING``, so nothing changes at run time. ``tests/typing/test_mypy.py`` checks that
every generated method is declared here with the request builder's exact parameters.
"""
from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from .huawei import (BlacklistAdd, BlacklistEntry, CallData, CallDataV2, CallResult, Campaign, CampaignSpec,
                     CampaignSpecV2, CampaignStatistics, ImportTask)


class HuaweiCalls:
    """The synchronous client's API methods (see :class:`callcore.platforms.huawei.HuaweiClient`)."""

    def create_campaign(self, spec: CampaignSpec) -> int:
        """7.1.1: create a campaign; returns its id. Created paused by default (initStatus=1)."""

    def create_campaign_v2(self, spec: CampaignSpecV2) -> int:
        """7.1.2: create a campaign with several calling numbers and its retry/call policies (CampaignSpecV2); returns its id."""

    def get_campaign(self, campaign_id: int) -> Campaign:
        """7.1.6: campaign details (status 2 started, 3 paused, 4 finished)."""

    def list_campaigns(self, *, name: str | None = None, status: int = 0, device_type: int = 0, page: int = 1, rows_per_page: int = 100) -> tuple[int, list[Campaign]]:
        """7.1.7: (totalSize, [Campaign]) of the campaigns matching name/status/device_type, one page (rows_per_page <= 100)."""

    def pause_campaign(self, campaign_id: int) -> None:
        """7.1.8: pause a running campaign."""

    def delete_campaign(self, campaign_id: int, *, archive_history: bool = False) -> None:
        """7.1.5: delete a campaign that is not started (archive_history=True keeps its data in the history tables)."""

    def resume_campaign(self, campaign_id: int) -> None:
        """7.1.9: resume a paused campaign."""

    def add_numbers(self, campaign_id: int, records: Sequence[CallData]) -> int:
        """7.4.1: add <= 20 records; returns totalSize (numbers still to call). 0200022 if < 1 s apart."""

    def add_numbers_v2(self, campaign_id: int, records: Sequence[CallDataV2]) -> int:
        """7.4.2: add records with several numbers each; at most v2_max_per_call per call."""

    def delete_numbers(self, campaign_id: int, *, sessionId: str | None = None, called: str | None = None, customField: str | None = None, recycleTime: str | None = None, recycleType: str | None = None, archiveHistory: int | None = None) -> int:
        """7.4.3: delete numbers by sessionId/called/customField/recycleTime; returns successCount."""

    def query_number(self, campaign_id: int, data_id: str) -> dict[str, object]:
        """7.4.6: one record by dataId."""

    def statistics(self, campaign_id: str | int | None = None, batch_id: str | None = None) -> list[CampaignStatistics]:
        """7.4.7: per-campaign and per-batch (customField) counts. Once per 5 min, else HTTP 429."""

    def import_file(self, campaign_id: int | str, server_id: str, file_name: str, *, file_path: str | None = None, hour: int | None = None, minute: str | None = None) -> str:
        """7.4.8: import a data file from a registered SFTP server; returns importTaskId."""

    def import_results(self, campaign_id: int | str, *, offset: int = 0, limit: int = 100, task_ids: Sequence[str] | None = None) -> list[ImportTask]:
        """7.4.9: import tasks of a campaign (counts only)."""

    def blacklist_add(self, req: BlacklistAdd) -> None:
        """7.3.1: add <= 20 blacklist numbers."""

    def blacklist_delete(self, number: str) -> None:
        """7.3.2: delete one blacklist number."""

    def blacklist_clear(self) -> None:
        """7.3.3: delete all blacklist numbers of the VDN."""

    def blacklist_query(self, numbers: Sequence[str] | None = None, *, offset: int | None = None, limit: int | None = None) -> list[BlacklistEntry]:
        """7.3.4: membership check of <= 20 numbers, or a page (offset/limit)."""

    def blacklist_import_file(self, server_id: str, file_name: str, *, file_path: str | None = None, hour: int | None = None, minute: str | None = None) -> str:
        """7.3.5: import a blacklist file from a registered SFTP server."""

    def blacklist_import_results(self, *, offset: int = 0, limit: int = 100, task_ids: Sequence[str] | None = None) -> list[ImportTask]:
        """7.3.6: blacklist import tasks."""

    def add_file_server(self, ip: str, port: int | str, file_path: str, user_name: str, password: str) -> str:
        """7.8.1: register an SFTP file server; returns serverId."""

    def delete_file_server(self, server_id: str) -> None:
        """7.8.2: delete a file server."""

    def query_file_servers(self, *, offset: int = 0, limit: int = 100, server_ids: Sequence[str] | None = None) -> list[dict[str, object]]:
        """7.8.4: list file servers."""

    def call_results(self, campaign_id: int, *, sessionId: str | None = None, customField: str | None = None, pageSize: int = 100, pageNum: int = 1, showDetail: int = 0, beginTime: str | None = None, endTime: str | None = None) -> tuple[int, list[CallResult]]:
        """7.5.1: (totalCount, [CallResult]) of completed calls."""

    def query_bill_data(self, begin: str, end: str, callback_url: str, *, data_type: str = 'call_record', accountId: str | None = None, agentId: str | None = None, callId: str | None = None, callerNo: str | None = None, calleeNo: str | None = None) -> str:
        """13.2.1.2: ask CC-FS to build the CDR + recording index zip; returns responseId. The file name arrives on callback_url (see parse_bill_callback) or via bill_file_name()."""

    def download_bill_file(self, bill_file: str, dest: Path) -> Path:
        """13.2.1.3: download the index zip to dest (a file or a folder); returns the path."""

    def download_record_file(self, file_name: str, dest: Path) -> Path:
        """13.2.1.4: download a recording by its index file_name (.wav) to dest."""

    def download_record(self, dest: Path, *, file_name: str | None = None, call_id: str | None = None, cc_id: str | None = '1') -> Path:
        """13.2.1.5: download a recording by original_file_name (.V3 path) or callId (zip when the call has several recordings) to dest; returns the path."""


class AsyncHuaweiCalls:
    """The asynchronous client's API methods (awaited)."""

    async def create_campaign(self, spec: CampaignSpec) -> int:
        """7.1.1: create a campaign; returns its id. Created paused by default (initStatus=1)."""

    async def create_campaign_v2(self, spec: CampaignSpecV2) -> int:
        """7.1.2: create a campaign with several calling numbers and its retry/call policies (CampaignSpecV2); returns its id."""

    async def get_campaign(self, campaign_id: int) -> Campaign:
        """7.1.6: campaign details (status 2 started, 3 paused, 4 finished)."""

    async def list_campaigns(self, *, name: str | None = None, status: int = 0, device_type: int = 0, page: int = 1, rows_per_page: int = 100) -> tuple[int, list[Campaign]]:
        """7.1.7: (totalSize, [Campaign]) of the campaigns matching name/status/device_type, one page (rows_per_page <= 100)."""

    async def pause_campaign(self, campaign_id: int) -> None:
        """7.1.8: pause a running campaign."""

    async def delete_campaign(self, campaign_id: int, *, archive_history: bool = False) -> None:
        """7.1.5: delete a campaign that is not started (archive_history=True keeps its data in the history tables)."""

    async def resume_campaign(self, campaign_id: int) -> None:
        """7.1.9: resume a paused campaign."""

    async def add_numbers(self, campaign_id: int, records: Sequence[CallData]) -> int:
        """7.4.1: add <= 20 records; returns totalSize (numbers still to call). 0200022 if < 1 s apart."""

    async def add_numbers_v2(self, campaign_id: int, records: Sequence[CallDataV2]) -> int:
        """7.4.2: add records with several numbers each; at most v2_max_per_call per call."""

    async def delete_numbers(self, campaign_id: int, *, sessionId: str | None = None, called: str | None = None, customField: str | None = None, recycleTime: str | None = None, recycleType: str | None = None, archiveHistory: int | None = None) -> int:
        """7.4.3: delete numbers by sessionId/called/customField/recycleTime; returns successCount."""

    async def query_number(self, campaign_id: int, data_id: str) -> dict[str, object]:
        """7.4.6: one record by dataId."""

    async def statistics(self, campaign_id: str | int | None = None, batch_id: str | None = None) -> list[CampaignStatistics]:
        """7.4.7: per-campaign and per-batch (customField) counts. Once per 5 min, else HTTP 429."""

    async def import_file(self, campaign_id: int | str, server_id: str, file_name: str, *, file_path: str | None = None, hour: int | None = None, minute: str | None = None) -> str:
        """7.4.8: import a data file from a registered SFTP server; returns importTaskId."""

    async def import_results(self, campaign_id: int | str, *, offset: int = 0, limit: int = 100, task_ids: Sequence[str] | None = None) -> list[ImportTask]:
        """7.4.9: import tasks of a campaign (counts only)."""

    async def blacklist_add(self, req: BlacklistAdd) -> None:
        """7.3.1: add <= 20 blacklist numbers."""

    async def blacklist_delete(self, number: str) -> None:
        """7.3.2: delete one blacklist number."""

    async def blacklist_clear(self) -> None:
        """7.3.3: delete all blacklist numbers of the VDN."""

    async def blacklist_query(self, numbers: Sequence[str] | None = None, *, offset: int | None = None, limit: int | None = None) -> list[BlacklistEntry]:
        """7.3.4: membership check of <= 20 numbers, or a page (offset/limit)."""

    async def blacklist_import_file(self, server_id: str, file_name: str, *, file_path: str | None = None, hour: int | None = None, minute: str | None = None) -> str:
        """7.3.5: import a blacklist file from a registered SFTP server."""

    async def blacklist_import_results(self, *, offset: int = 0, limit: int = 100, task_ids: Sequence[str] | None = None) -> list[ImportTask]:
        """7.3.6: blacklist import tasks."""

    async def add_file_server(self, ip: str, port: int | str, file_path: str, user_name: str, password: str) -> str:
        """7.8.1: register an SFTP file server; returns serverId."""

    async def delete_file_server(self, server_id: str) -> None:
        """7.8.2: delete a file server."""

    async def query_file_servers(self, *, offset: int = 0, limit: int = 100, server_ids: Sequence[str] | None = None) -> list[dict[str, object]]:
        """7.8.4: list file servers."""

    async def call_results(self, campaign_id: int, *, sessionId: str | None = None, customField: str | None = None, pageSize: int = 100, pageNum: int = 1, showDetail: int = 0, beginTime: str | None = None, endTime: str | None = None) -> tuple[int, list[CallResult]]:
        """7.5.1: (totalCount, [CallResult]) of completed calls."""

    async def query_bill_data(self, begin: str, end: str, callback_url: str, *, data_type: str = 'call_record', accountId: str | None = None, agentId: str | None = None, callId: str | None = None, callerNo: str | None = None, calleeNo: str | None = None) -> str:
        """13.2.1.2: ask CC-FS to build the CDR + recording index zip; returns responseId. The file name arrives on callback_url (see parse_bill_callback) or via bill_file_name()."""

    async def download_bill_file(self, bill_file: str, dest: Path) -> Path:
        """13.2.1.3: download the index zip to dest (a file or a folder); returns the path."""

    async def download_record_file(self, file_name: str, dest: Path) -> Path:
        """13.2.1.4: download a recording by its index file_name (.wav) to dest."""

    async def download_record(self, dest: Path, *, file_name: str | None = None, call_id: str | None = None, cc_id: str | None = '1') -> Path:
        """13.2.1.5: download a recording by original_file_name (.V3 path) or callId (zip when the call has several recordings) to dest; returns the path."""
