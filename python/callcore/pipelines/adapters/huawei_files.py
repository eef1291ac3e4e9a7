"""Huawei's file route: a batch of up to 500,000 rows (001:26377) written as a 7.4.8 workbook by
the Rust core, uploaded over SFTP (:mod:`callcore.pipelines.sftp`), imported by the server (7.4.8)
and its result read (7.4.9), each step journaled::

    planned -> written -> uploaded -> importing -> imported(task_id) -> done
                                      (unknown: looked up by 7.4.7 statistics, then uploaded/done)
"""
from __future__ import annotations

import os
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from callcore import _crashpoint
from callcore.platforms.errors import ApiError, AuthenticationError, NotFoundError, PlatformError, StateError

from ..dial_column import DialColumn
from ..options import ImportFailed
from ..retrying import log_wait, retry_call
from .base import BatchJournal, PlatformAdapter, not_applied

MAX_FILE_ROWS = 500_000  # 001:26377


def write_batch_workbook(path: str | os.PathLike[str], session_prefix: str, first_row: int,
                         numbers: Sequence[str], tag: str) -> int:
    """The 7.4.8 workbook of one file batch, written by the Rust core
    (``callcore._core.calllist.write_huawei_batch``): sessionId ``{session_prefix}{first_row + k}``,
    called ``[{"calledNo":"…"}]``, customField *tag*; durably and atomically (a hidden ``.*.part``
    file renamed into place, which :func:`callcore.pipelines.journal.sweep_partials` removes after
    a kill). Returns the rows written."""
    from callcore._core import calllist as core

    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    # the numbers cross as one buffer of lines: no temporary CSV, no per-string conversion (the
    # engine's packed dial column already is that buffer)
    if isinstance(numbers, DialColumn):
        lines = numbers.lines(0, len(numbers))
    else:
        lines = ("\n".join(numbers) + "\n").encode() if numbers else b""
    rows = core.write_huawei_batch(str(path), lines, session_prefix=session_prefix, first_row=first_row,
                                   custom_field=tag)
    _crashpoint.reached("commit")  # the workbook is in place under its final name
    return rows


class HuaweiFileRoute:
    """The file route of one Huawei import, an object of its
    :class:`~callcore.pipelines.adapters.huawei.HuaweiAdapter` (whose client and retry policy it
    uses): *sftp* is the file server (a :class:`~callcore.pipelines.sftp.SftpTarget` with the
    platform's ``server_id``), *import_poll* the seconds between looks at a server-side import."""

    name = "file"
    parallel = 2  # server-side imports at once

    def __init__(self, adapter: PlatformAdapter[Any], sftp: Any, import_poll: float) -> None:
        self.adapter = adapter
        self.sftp = sftp
        self.import_poll = import_poll

    def start_import(self, target: int, name: str) -> str:
        return str(self.adapter.client().import_file(target, self.sftp.server_id, name, file_path=self.sftp.file_path))

    def import_result(self, target: int, task_id: str) -> Any:
        tasks = self.adapter.call(self.adapter.client().import_results, target, task_ids=[task_id],
                                  what=f"campaign {target}: import task {task_id} (7.4.9)")
        return next((t for t in tasks if t.id == task_id), None)

    def run(self, journal: BatchJournal, batch_id: int) -> None:
        from callcore.pipelines import sftp as sftp_upload

        poll = self.import_poll
        while not journal.stop.is_set():
            b = journal.batch(batch_id)
            state = b["state"]
            name = f"{b['tag']}.xlsx"
            local = journal.workdir / "workbooks" / name
            if state == "planned" or (state == "written" and not local.exists()):
                write_batch_workbook(local, journal.job, b["start"], journal.numbers(b["start"], b["n"]),
                                     b["tag"])
                journal.set_state(batch_id, "written", file=str(local))
            elif state == "written":
                sftp_upload.upload(self.sftp, local, name)
                journal.set_state(batch_id, "uploaded")
            elif state == "uploaded":
                journal.set_state(batch_id, "importing")
                try:
                    task_id = retry_call(self.start_import, b["campaign"], name, policy=self.adapter.retry,
                                         what=f"campaign {b['campaign']}: import {name} (7.4.8)", retry_on=not_applied)
                except (StateError, NotFoundError, AuthenticationError) as e:
                    journal.set_state(batch_id, "uploaded", code=e.code, msg=str(e)[:300])
                    raise ImportFailed(f"campaign {b['campaign']}: {e}") from e
                except PlatformError as e:
                    if e.retryable:
                        journal.set_state(batch_id, "unknown", code=e.code, msg=str(e)[:300])
                        continue
                    # an error code is a definitive answer; anything else may have started the import
                    journal.set_state(batch_id, "uploaded" if isinstance(e, ApiError) else "unknown", code=e.code,
                                      msg=str(e)[:300])
                    raise ImportFailed(f"file import of {name}: {e}") from e
                journal.set_state(batch_id, "imported", task_id=task_id)
            elif state in ("importing", "unknown"):
                journal.reconcile(b["campaign"], [b])
            elif state == "imported":
                task = self.import_result(b["campaign"], b["task_id"])
                if task is None or not task.done:
                    log_wait(f"campaign {b['campaign']}: import task {b['task_id']}", poll, "the server is importing")
                    time.sleep(poll)
                    continue
                if task.status == "2":
                    journal.set_state(batch_id, "done", accepted=task.succNum, platform_dup=task.repeatNum,
                                      failed=task.failNum, code="file-import" if task.failNum else None,
                                      msg=task.errMsg or None)
                else:
                    journal.set_state(batch_id, "done", accepted=task.succNum, platform_dup=task.repeatNum,
                                      failed=b["n"] - task.succNum - task.repeatNum, code="file-import-failed",
                                      msg=task.errMsg)
                journal.progress("rows", b["n"], 0)
                try:
                    local.unlink()
                except OSError:
                    pass
                return
            else:
                return
