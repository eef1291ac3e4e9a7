"""A batch script running callcore's pipelines: an outbound import, its outcomes, a recording
sync (with a platform's source and with its own), an archive conversion. Checked like
user_capabilities.py; never run."""
from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

from callcore.pipelines import (ConvertOptions, ConvertSummary, ImportOptions, ImportSummary, OutboundImport,
                                RecordingSource, RemoteRecording, SyncOptions, SyncSummary, convert_archive,
                                import_list, safe_local_path, sync_recordings)
from callcore.pipelines.folder_lock import FolderBusy
from callcore.pipelines.outcomes import (OutcomeJoin, Outcomes, babaihu_poller, hl95_poller, huawei_poller, outcomes,
                                         sccc_poller, summary_table, write_csv, write_outcomes, write_xlsx)
from callcore.platforms.babaihu import BabaihuClient
from callcore.platforms.hl95 import Hl95Client
from callcore.platforms.sccc import ScccClient
from callcore.platforms import RetryPolicy
from callcore.platforms.huawei import HuaweiClient


def show(stage: str, done: int, total: int) -> None:
    print(f"{stage}: {done}/{total}")


# --- outbound import ---------------------------------------------------------------------------
def huawei_import(calls: Path, work: Path) -> ImportSummary:
    options = ImportOptions(campaigns=[101, 102], endpoint="https://cc.invalid:28443", access_key="ak",
                            secret_key="sk", platform="huawei", on_cap="wait", workers=2,
                            retry=RetryPolicy(attempts=4), default_area_code="0755")
    job = OutboundImport(calls, work, options, progress=show)
    try:
        job.prepare()
        summary: ImportSummary = job.run()
    except FolderBusy as busy:
        raise SystemExit(f"another import holds {work}: {busy}") from busy
    finally:
        job.close()
    assert summary.adds_up
    counted: dict[str, int] = summary.platform_rejected
    return summary if summary.complete or not counted else job.summary()


def sccc_import(calls: Path, work: Path) -> int:
    options = ImportOptions(campaigns=[7], endpoint="https://sccc.invalid", access_key="C01", secret_key="pw",
                            platform="sccc", batch_size=1000)
    summary = import_list(calls, work, options)
    as_dict: dict[str, Any] = summary.to_dict()
    return summary.accepted + summary.not_imported + len(as_dict)


def import_outcomes(work: Path, client: HuaweiClient, csv_path: Path) -> int:
    poll: Callable[[int, str], list[dict[str, Any]]] = huawei_poller(client, min_interval=1.0)
    found: Outcomes = outcomes(work, poll=poll)
    rows: list[dict[str, Any]] = found.rows
    joined: Iterator[dict[str, Any]] = OutcomeJoin(work, store=work / "pushes").rows()
    written: dict[str, Any] = write_outcomes(work, csv_path, poll=poll, xlsx_path=csv_path.with_suffix(".xlsx"))
    print(summary_table(found.summary))
    return len(rows) + len(list(joined)) + len(written) + write_csv(csv_path, rows) + write_xlsx(csv_path, rows)


def other_outcomes(work: Path, sccc: ScccClient, babaihu: BabaihuClient, hl95: Hl95Client) -> int:
    polls: list[Callable[[int, str], list[dict[str, Any]]]] = [
        sccc_poller(sccc, "1001", start="2026-01-01 00:00:00"), babaihu_poller(babaihu, page=500), hl95_poller(hl95)]
    return sum(len(outcomes(work, poll=poll).rows) for poll in polls)


# --- recording sync ----------------------------------------------------------------------------
def nightly_sync(out: Path) -> SyncSummary:
    options = SyncOptions(endpoint="https://cc.invalid:28443", access_key="ak", secret_key="sk",
                          begin="2026-01-01 00:00:00", end="2026-01-02 00:00:00", out_dir=str(out),
                          to_format="mp3", platform="huawei", recording_format="vox6k", wait=60.0)
    summary: SyncSummary = sync_recordings(options, progress=show)
    errors: list[str] = summary.errors
    assert summary.complete or errors
    return summary


class ArchiveSource:
    """A user's own recording source (an in-house archive), satisfying the RecordingSource protocol."""

    platform = "archive"
    max_window: timedelta | None = timedelta(days=1)

    def __init__(self, root: Path) -> None:
        self.root = root

    def list_window(self, begin: str, end: str, note: Callable[[str, str], None]) -> Iterable[RemoteRecording]:
        for path in sorted(self.root.glob("*.V3")):
            yield RemoteRecording(key=path.stem, begin=begin, end=end, remote_file=path.name)

    def source_name(self, rec: RemoteRecording) -> tuple[str, str | None]:
        return rec.name, ".V3"

    def download(self, rec: RemoteRecording, dest: Path) -> Path:
        dest.write_bytes((self.root / rec.remote_file).read_bytes())
        return dest

    def close(self) -> None:
        pass


def sync_own_source(root: Path, out: Path) -> int:
    source: RecordingSource = ArchiveSource(root)
    options = SyncOptions(endpoint="", access_key="", secret_key="", out_dir=str(out), source=source)
    local: Path = safe_local_path("2026/01/01/a.V3", out, suffix=".wav")
    return sync_recordings(options).recordings + len(local.parts)


# --- archive conversion ----------------------------------------------------------------------
def convert(src: str, dst: str) -> float:
    options = ConvertOptions(src=src, dst=dst, to="mp3", source="vox6k", bitrate=16, ray="off", workers=2,
                             src_options={"key": "id"})
    summary: ConvertSummary = convert_archive(options, progress=lambda p: print(p.line()))
    return summary.audio_hours + summary.files_per_second
