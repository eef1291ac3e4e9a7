"""A batch script running callcore's pipelines: an outbound import, its outcomes, a recording
sync (with a platform's source and with its own), an archive conversion. Checked like
user_capabilities.py; never run."""
from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

from callcore.pipelines import (BabaihuImportOptions, BabaihuSyncOptions, ConvertOptions, ConvertSummary,
                                Hl95ImportOptions, Hl95SyncOptions, HuaweiImportOptions, HuaweiSyncOptions,
                                ImportOptions, ImportSummary, OutboundImport, RecordingSource, RemoteRecording,
                                ScccImportOptions, ScccSyncOptions, SyncOptions, SyncSummary, convert_archive,
                                import_list, safe_local_path, sync_recordings)
from callcore.platforms import registry
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
                            retry=RetryPolicy(attempts=4), default_area_code="0755",
                            platform_options=HuaweiImportOptions(vdn_id=2, route="file", api="v2", v2_max=100))
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
                            platform="sccc", batch_size=1000, platform_options=ScccImportOptions(agent="1001"))
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


def other_imports(calls: Path, work: Path) -> int:
    options = [ImportOptions(campaigns=[3], endpoint="https://800.invalid", access_key="sa", secret_key="pw",
                             platform="babaihu", platform_options=BabaihuImportOptions(flow_name="flow", add_type=1)),
               ImportOptions(campaigns=[4], endpoint="https://95.invalid", access_key="u", secret_key="pw",
                             platform="hl95", platform_options=Hl95ImportOptions())]
    return sum(import_list(calls, work / o.platform, o).accepted for o in options)


# --- the platform registry --------------------------------------------------------------------
def describe_platforms() -> list[str]:
    lines: list[str] = []
    for name in registry.names():
        spec: registry.PlatformSpec = registry.get(name)
        batch: registry.Limits = registry.limits(spec.profiles[0])
        credentials: registry.Credentials = spec.credentials
        lines.append(f"{spec.title}: batches of {batch.batch_size}, secret in {credentials.secret_env}")
    # a dotted reference imported at run time is Any by nature (the entry names any class)
    client_type: object = registry.load(registry.get("huawei").client)  # pyright: ignore[reportAny]
    return lines + [str(client_type), *registry.profiles()]


def plugin_platform() -> None:
    spec = registry.PlatformSpec(name="acme", title="ACME", profiles=("sccc-acme",),
                                 credentials=registry.Credentials(user_field="user", secret_env="ACME_SECRET"),
                                 client="acme.client:AcmeClient", async_client="acme.client:AsyncAcmeClient",
                                 declared_limits={"sccc-acme": registry.Limits(batch_size=10, max_batch=10,
                                                                               max_len=None, pending_cap=None)})
    registry.register(spec)
    user, secret = spec.credentials.read(None, {registry.GENERIC_USER_ENV: "u", registry.GENERIC_SECRET_ENV: "s"})
    assert (user, secret) == ("u", "s")
    registry.unregister(spec.name)


# --- recording sync ----------------------------------------------------------------------------
def nightly_sync(out: Path) -> SyncSummary:
    options = SyncOptions(endpoint="https://cc.invalid:28443", access_key="ak", secret_key="sk",
                          begin="2026-01-01 00:00:00", end="2026-01-02 00:00:00", out_dir=str(out),
                          to_format="mp3", platform="huawei", recording_format="vox6k", wait=60.0,
                          platform_options=HuaweiSyncOptions(vdn_id=2, route="original", bill_wait=30.0))
    summary: SyncSummary = sync_recordings(options, progress=show)
    errors: list[str] = summary.errors
    assert summary.complete or errors
    return summary


def other_syncs(out: Path) -> int:
    per_platform: list[tuple[str, ScccSyncOptions | BabaihuSyncOptions | Hl95SyncOptions]] = [
        ("sccc", ScccSyncOptions(files_url="https://files.invalid")),
        ("babaihu", BabaihuSyncOptions(platform_mp3=True, page_size=200)),
        ("hl95", Hl95SyncOptions(page_size=50))]
    return sum(sync_recordings(SyncOptions(endpoint="https://x.invalid", access_key="u", secret_key="pw",
                                           out_dir=str(out / name), platform=name,
                                           platform_options=options)).recordings
               for name, options in per_platform)


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
