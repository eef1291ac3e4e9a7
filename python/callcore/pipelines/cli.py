"""``callcore outbound import``, ``callcore recordings sync``/``convert`` and the ``callcore demo`` main job.

Credentials come from the environment, never from the command line: ``CALLCORE_ACCESS_KEY``,
``CALLCORE_SECRET_KEY`` (and ``CALLCORE_ENDPOINT`` for the default ``--endpoint``).
"""
from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

from callcore.platforms import registry

from .cli_common import _Bars, _creds, _endpoint, _http_options, import_table  # noqa: F401  (sync, results)
from .options import import_platforms

if TYPE_CHECKING:
    from .recording_sources import PlatformSyncOptions


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    ob = sub.add_parser("outbound", help="outbound campaigns: resumable list imports")
    obs = ob.add_subparsers(dest="outbound_command", metavar="SUBCOMMAND", required=True)
    p = obs.add_parser("import", help="clean a list and import it into campaigns (journaled, resumable)",
                       description="Clean LIST, plan batches, submit them with the platform's rate rules and "
                                   "reconcile. Run the same command again to resume after a crash. "
                                   "Credentials: CALLCORE_ACCESS_KEY / CALLCORE_SECRET_KEY (Huawei AK/SK; SCCC "
                                   "customer/password; babaihu sa_user/sa_password; hl95 client_id/client_secret).")
    p.add_argument("list", metavar="LIST", help="call list (CSV or one number per line)")
    p.add_argument("--platform", default="huawei", choices=import_platforms())
    p.add_argument("--campaign", type=int, action="append", required=True, metavar="ID",
                   help="campaign id; repeat to give further campaigns to spill into at the 200,000 cap "
                        "(sccc: task id; babaihu: flow id cflId; hl95: manual task outboundInstanceId)")
    p.add_argument("--endpoint", metavar="URL", help="iSales base URL (default $CALLCORE_ENDPOINT)")
    p.add_argument("--vdn", type=int, help="huawei: VDN id (default 1)")
    p.add_argument("--workdir", type=Path, help="journal and work files (default LIST.callcore-import/)")
    p.add_argument("--route", choices=["auto", "api", "file"],
                   help="huawei: auto (default): workbooks over SFTP for the bulk when a file server is given, API for the rest")
    p.add_argument("--api", choices=["v1", "v2"], help="huawei: add-numbers API (v1, the default: 20 a call)")
    p.add_argument("--v2-max", type=int, help="huawei: records per v2 call (default 20; the platform's "
                                              "isales.api.calldata.max)")
    p.add_argument("--on-cap", choices=["spill", "wait", "stop"], default="spill",
                   help="at 200,000 pending: spill into the next --campaign, wait for it to drain, or stop")
    p.add_argument("--workers", type=int, default=4, help="campaign lanes / file imports at once (default 4)")
    p.add_argument("--rows-per-file", type=int, help="huawei: rows per import workbook (<= 500,000; default 100,000)")
    p.add_argument("--blacklist", metavar="FILE", help="local blacklist (one number a line)")
    p.add_argument("--default-area-code", metavar="C")
    p.add_argument("--column", help="phone column by header name (default: detect)")
    p.add_argument("--sftp-host", help="huawei: SFTP file server for the file route")
    p.add_argument("--sftp-port", type=int, default=22)
    p.add_argument("--sftp-user")
    p.add_argument("--sftp-key", help="private key file (or CALLCORE_SFTP_PASSWORD in the environment)")
    p.add_argument("--sftp-dir", default=".", help="remote folder to upload into")
    p.add_argument("--server-id", help="the platform's serverId of that SFTP server (7.8.1)")
    p.add_argument("--file-path", help="filePath for the import call, relative to the server's folder")
    p.add_argument("--ca-file", help="CA bundle for the platform's TLS certificate (a private CA)")
    p.add_argument("--create-campaigns", type=int, default=0, metavar="N",
                   help="huawei: when every --campaign is full (200,000 pending), create up to N more, copies of "
                        "the first one's settings, created paused (journaled: never twice)")
    p.add_argument("--batch-size", type=int, help="numbers per call (sccc <= 1000, default 1000; babaihu 500; "
                                                  "hl95 1000; huawei: see --api/--v2-max)")
    p.add_argument("--min-interval", type=float, help="seconds between calls on one target (huawei 1.0, others 0)")
    p.add_argument("--agent", help="sccc: the task's agent (1-8 digits)")
    p.add_argument("--sccc-version", help="sccc: API version in the path (default V2.0.4)")
    p.add_argument("--flow-name", help="babaihu: addTask cflName (needed for automatic dialling)")
    p.add_argument("--add-type", type=int, choices=[1, 2], help="babaihu: 1 automatic (default), 2 manual dialling")
    p.add_argument("--leave", choices=["paused", "running"], default="paused",
                   help="huawei: how to leave each campaign the import resumed to let it drain (--on-cap wait): "
                        "paused (default) or running")
    p.add_argument("--stats-interval", type=float, metavar="S",
                   help="huawei: seconds between 7.4.7 statistics calls, the platform's flow control (default 300)")
    p.add_argument("--drain-poll", type=float, default=300.0, metavar="S",
                   help="--on-cap wait: seconds between looks at how many numbers are left to call (default 300)")
    p.add_argument("--import-poll", type=float, metavar="S",
                   help="huawei file route: seconds between looks at a server-side import's result (default 1)")
    p.add_argument("--wait", action="store_true",
                   help="another process holds the work folder: wait for it instead of failing")
    p.add_argument("--json", action="store_true", help="print the summary as JSON on stdout")
    p.add_argument("-q", "--quiet", action="store_true", help="no progress bars")
    p.set_defaults(func=_cmd_import, check=_check_import)
    from .outcomes import register_cli as _register_results  # `outbound results` (issue 13)

    _register_results(obs)

    rc = sub.add_parser("recordings", help="call recordings: resumable sync to WAV/MP3")
    rcs = rc.add_subparsers(dest="recordings_command", metavar="SUBCOMMAND", required=True)
    s = rcs.add_parser("sync", help="download and transcode a period's recordings, with a manifest",
                       description="Find the calls of [--from, --to] (Huawei: the bill/recording index files; SCCC: "
                                   "getRecordsList; 八百呼: findDialrecord; 九五: the recording list), download "
                                   "their recordings, transcode them and write OUT/manifest.csv. Resumable. "
                                   "Credentials: CALLCORE_ACCESS_KEY / CALLCORE_SECRET_KEY (Huawei AK/SK); the other "
                                   "platforms take their user on the command line (or CALLCORE_ACCESS_KEY) and their "
                                   "secret from CALLCORE_SCCC_PASSWORD, CALLCORE_BABAIHU_PASSWORD or "
                                   "CALLCORE_HL95_CLIENT_SECRET (else CALLCORE_SECRET_KEY).")
    from .recording_sources import sync_platforms

    s.add_argument("--platform", default="huawei", choices=sync_platforms())
    s.add_argument("--from", dest="begin", required=True, metavar="T1", help="YYYY-MM-DD[ HH:MM[:SS]]")
    s.add_argument("--to", dest="end", required=True, metavar="T2", help="like --from, or 'now'")
    s.add_argument("-o", "--output", required=True, type=Path, metavar="DIR")
    s.add_argument("--to-format", choices=["wav", "mp3"], default="wav")
    s.add_argument("--endpoint", metavar="URL", help="the platform's base URL (Huawei: CC-FS; default $CALLCORE_ENDPOINT)")
    s.add_argument("--vdn", type=int, help="huawei: the VDN (default 1)")
    s.add_argument("--workers", type=int, default=4, help="downloads at once (default 4)")
    s.add_argument("--callback-url", help="huawei: queryBillData callBackURL (the bill file name is also derived "
                                          "from the responseId; default http://127.0.0.1:9/callcore-bill-callback)")
    s.add_argument("--ca-file", help="CA bundle for the platform's TLS certificate (a private CA)")
    s.add_argument("--customer", help="sccc: the customer id (default $CALLCORE_ACCESS_KEY)")
    s.add_argument("--api-version", help="sccc: the API version in the URL (default V2.0.4)")
    s.add_argument("--files-url", metavar="URL", help="sccc: the recording file server http://ip:port (default --endpoint)")
    s.add_argument("--sa-user", help="babaihu: sa_user (default $CALLCORE_ACCESS_KEY)")
    s.add_argument("--platform-mp3", action="store_true", default=None,
                   help="babaihu: fetch the platform's own MP3 (ismp3=1) instead of its WAV")
    s.add_argument("--client-id", help="hl95: the OAuth client_id (default $CALLCORE_ACCESS_KEY)")
    s.add_argument("--scope", help="hl95: OAuth scope (default: the platform's)")
    s.add_argument("--page-size", type=int, help="babaihu, hl95: rows per listing page (default 100)")
    s.add_argument("--settle-minutes", type=float, default=15.0,
                   help="a window ending less than this before the run is listed again by the next run (default 15)")
    s.add_argument("--recording-format", metavar="FMT",
                   help="the deployment's recording encoding, for downloads without a header (Huawei .V3): vox6k "
                        "(24K VOX, recordFormat 1), vox8k (32K VOX, 2), alaw (64K A-law, 3), ulaw, or auto (tell "
                        "A-law from VOX by content, VOX taken at 8 kHz); default: the platform's (auto)")
    s.add_argument("--huawei-route", choices=["auto", "file", "original", "call"],
                   help="huawei: download by file_name (file: the platform's WAV), by original_file_name (original: "
                        "the raw .V3), or by callId (call: a zip when the call has several); auto: file when the "
                        "index gives a file_name, else original")
    s.add_argument("--wait", nargs="?", type=float, const=-1.0, default=None, metavar="SECONDS",
                   help="when another process is syncing into the same -o folder, wait for it (at most SECONDS "
                        "when given) instead of stopping with an error")
    s.add_argument("--json", action="store_true")
    s.add_argument("-q", "--quiet", action="store_true")
    s.add_argument("--from-pushes", action="store_true",
                   help="sync exactly the recordings the platform's pushes named, queued in --store DIR by "
                        "`callcore receive serve` (instead of the platform's listing)")
    s.add_argument("--store", metavar="DIR", help="the receiver's store folder, for --from-pushes")
    s.set_defaults(func=_cmd_sync, check=_check_sync)
    register_convert(rcs)


def _platform_options(args: argparse.Namespace, built: dict[str, Any]) -> Any:
    """The chosen platform's own import options from the command line (``built``: values made
    from several options, by the name of the one that stands for them); an option of another
    platform is an error that names both (it would otherwise be ignored without a word)."""
    import dataclasses

    from .adapters import adapter_class

    chosen = adapter_class(args.platform).options_type
    values: dict[str, Any] = {}
    for name in import_platforms():
        adapter = adapter_class(name)
        for f in dataclasses.fields(adapter.options_type):
            arg = f.metadata.get("arg")
            given = None if arg is None else built.get(arg, getattr(args, arg, None))
            if given is None:
                continue
            if adapter.options_type is not chosen:
                raise ValueError(f"--{arg.replace('_', '-')} belongs to --platform {name}; it does not apply to "
                                 f"--platform {args.platform}")
            values[f.name] = given
    return chosen(**values)


def _check_import(args: argparse.Namespace) -> None:
    """The import's own option rules, before the network preflight: no option of another platform."""
    _platform_options(args, {})


def _show_log_lines() -> None:
    """Retries and waits of the pipelines (logger ``callcore.pipelines``, WARNING) go to stderr,
    so a wrong endpoint or a slow platform is never silent while the bars stand still."""
    import logging

    logger = logging.getLogger("callcore.pipelines")
    if not any(getattr(h, "callcore_cli", False) for h in logger.handlers):
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(logging.Formatter("callcore: %(message)s"))
        handler.callcore_cli = True  # type: ignore[attr-defined]
        logger.addHandler(handler)
    if logger.level == logging.NOTSET or logger.level > logging.WARNING:
        logger.setLevel(logging.WARNING)


def _cmd_import(args: argparse.Namespace) -> int:
    from rich.console import Console

    from .outbound import ImportOptions, import_list
    from .sftp import SftpTarget

    ak, sk = _creds()
    _show_log_lines()
    built: dict[str, Any] = {}
    if args.sftp_host:
        if not args.server_id:
            raise ValueError("--sftp-host: also give --server-id (the platform's id of that file server)")
        built["sftp_host"] = SftpTarget(args.sftp_host, args.sftp_port, args.sftp_user or "", key_file=args.sftp_key,
                                        password=os.environ.get("CALLCORE_SFTP_PASSWORD"), remote_dir=args.sftp_dir,
                                        server_id=args.server_id, file_path=args.file_path)
    opts = ImportOptions(campaigns=args.campaign, endpoint=_endpoint(args), access_key=ak, secret_key=sk,
                         platform=args.platform, platform_options=_platform_options(args, built), on_cap=args.on_cap,
                         workers=args.workers, blacklist=args.blacklist, default_area_code=args.default_area_code,
                         column=args.column, http_options=_http_options(args), batch_size=args.batch_size,
                         min_interval=args.min_interval, create_campaigns=args.create_campaigns, leave=args.leave,
                         wait_for_folder=args.wait, drain_poll=args.drain_poll)
    workdir = args.workdir or Path(str(args.list) + ".callcore-import")
    from callcore.platforms.errors import PlatformError

    from .folder_lock import FolderBusy
    from .outbound import ImportFailed

    try:
        with _Bars(args.quiet or args.json) as bars:
            s = import_list(args.list, workdir, opts, progress=bars.import_cb)
    except FolderBusy as e:
        print(f"callcore: error: {e}", file=sys.stderr)
        return 3
    except (ImportFailed, PlatformError) as e:
        print(f"callcore: error: {e}\n(the journal in {workdir} keeps what was done; run the same command again "
              "to resume)", file=sys.stderr)
        return 2
    if args.json:
        print(json.dumps(s.to_dict(), ensure_ascii=False, indent=2))
    else:
        out = Console()
        out.print(import_table(s))
        out.print(f"journal -> {s.journal}\nclean -> {s.clean_file}\nrejects -> {s.rejects_file}")
    return 0 if s.complete else 1


def _sync_creds(args: argparse.Namespace) -> tuple[str, str]:
    """(user, secret) of the platform of ``recordings sync``, as its registry entry says: the user
    from its option or CALLCORE_ACCESS_KEY, the secret from the environment only."""
    credentials = registry.get(args.platform).credentials
    user = getattr(args, credentials.user_field, None) if credentials.user_option else None
    return credentials.read(user, os.environ)


#: the sync's flags that belong to some platforms only: (args attribute, flag, its platforms, the
#: field of that platform's options class, None for a credential read by _sync_creds)
_SYNC_PLATFORM_FLAGS: tuple[tuple[str, str, tuple[str, ...], str | None], ...] = (
    ("vdn", "--vdn", ("huawei",), "vdn_id"),
    ("callback_url", "--callback-url", ("huawei",), "callback_url"),
    ("huawei_route", "--huawei-route", ("huawei",), "route"),
    ("customer", "--customer", ("sccc",), None),
    ("api_version", "--api-version", ("sccc",), "api_version"),
    ("files_url", "--files-url", ("sccc",), "files_url"),
    ("sa_user", "--sa-user", ("babaihu",), None),
    ("platform_mp3", "--platform-mp3", ("babaihu",), "platform_mp3"),
    ("client_id", "--client-id", ("hl95",), None),
    ("scope", "--scope", ("hl95",), "scope"),
    ("page_size", "--page-size", ("babaihu", "hl95"), "page_size"),
)


def _check_sync(args: argparse.Namespace) -> None:
    if args.from_pushes and not args.store:
        raise ValueError("--from-pushes: give --store DIR, the receiver's store folder")
    # a flag of another platform would be ignored without a word: refused instead
    for attr, flag, platforms, _field in _SYNC_PLATFORM_FLAGS:
        if getattr(args, attr) is not None and args.platform not in platforms:
            raise ValueError(f"{flag} is an option of {' and '.join(platforms)}, not of --platform {args.platform}")


def _sync_platform_options(args: argparse.Namespace) -> PlatformSyncOptions:
    """The options object of ``--platform``'s recording source, from the flags given (the
    others keep the class's defaults)."""
    from .recording_sources import source_type

    given = {field: getattr(args, attr) for attr, _flag, platforms, field in _SYNC_PLATFORM_FLAGS
             if field is not None and args.platform in platforms and getattr(args, attr) is not None}
    return source_type(args.platform).options_type(**given)


def _cmd_sync(args: argparse.Namespace) -> int:
    from rich.console import Console

    from .recordings import SyncOptions, parse_time, sync_recordings

    ak, sk = _sync_creds(args)
    sync = SyncOptions(_endpoint(args), ak, sk, begin=parse_time(args.begin), end=parse_time(args.end),
                       out_dir=str(args.output), platform=args.platform, platform_options=_sync_platform_options(args),
                       to_format=args.to_format, workers=args.workers, http_options=_http_options(args),
                       settle_minutes=args.settle_minutes, recording_format=args.recording_format,
                       wait=False if args.wait is None else True if args.wait < 0 else args.wait)
    if args.from_pushes:
        from .push_recordings import use_pushes

        sync = use_pushes(sync, args.store)
    from callcore.platforms.errors import PlatformError

    from .folder_lock import FolderBusy

    try:
        with _Bars(args.quiet or args.json) as bars:
            s = sync_recordings(sync, progress=bars.sync_cb)
    except FolderBusy as e:
        print(f"callcore: error: {e}", file=sys.stderr)
        return 3
    except PlatformError as e:
        print(f"callcore: error: {e}\n(run the same command again to resume)", file=sys.stderr)
        return 2
    if args.json:
        print(json.dumps(s.to_dict(), ensure_ascii=False, indent=2))
    else:
        Console().print(f"{s.recordings} recordings of {s.calls} calls: {s.converted} converted "
                        f"({s.downloaded_now} downloaded and {s.converted_now} converted this run), {s.failed} failed\n"
                        f"output -> {s.out_dir}\nmanifest -> {s.manifest}")
        for e in s.errors:
            print(f"  {e}", file=sys.stderr)
    return 0 if s.complete else 1


def register_convert(rcs: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    c = rcs.add_parser("convert", help="convert an archive of recordings (any fsspec store) on Ray or the local cores",
                       description="Convert every recording under SRC into DST, in shards (Ray tasks, or threads with "
                                   "--ray off), each output committed atomically and never replaced, with a manifest in "
                                   "DST/.callcore-archive/. Run the same command again to resume: only sources with no "
                                   "committed output are converted. SRC and DST are fsspec URLs (a path, "
                                   "sftp://user@host:port/path, s3://bucket/prefix...); credentials come from the "
                                   "environment or fsspec's configuration (FSSPEC_SFTP_KEY_FILENAME, "
                                   "FSSPEC_SFTP_PASSWORD, FSSPEC_S3_KEY/FSSPEC_S3_SECRET, ~/.config/fsspec/), never from "
                                   "the command line.")
    c.add_argument("src", metavar="SRC", help="the recordings: a folder or fsspec URL (searched recursively)")
    c.add_argument("dst", metavar="DST", help="the output folder or fsspec URL")
    c.add_argument("--to", choices=["mp3", "wav", "wav-alaw"], default="mp3",
                   help="mp3 (storage), wav (PCM16, e.g. with --rate 16000 for speech analytics) or wav-alaw")
    c.add_argument("--source", "--recording-format", dest="source", choices=["auto", "alaw", "vox8k", "vox6k", "ulaw"],
                   default="auto",
                   help="the deployment's .V3 format: alaw (64K A-law), vox8k (32K VOX), vox6k (24K VOX); "
                        "auto sniffs each file (WAV and MP3 are always recognised)")
    c.add_argument("--rate", type=int, help="output sample rate (default: the input's; 8000 for 6 kHz VOX to MP3)")
    c.add_argument("--variant", default="dialogic", choices=["dialogic", "ffmpeg", "sox", "auto"], help="VOX rule")
    c.add_argument("--ray", default="off", metavar="ADDRESS|local|off",
                   help="off: threads on this machine (default); local: start a local Ray; else the address of a "
                        "Ray cluster whose nodes have callcore[ray] installed: auto (on a node of it) or HEAD:6379")
    c.add_argument("--shard-files", type=int, default=64, help="files per shard (one Ray task; default 64)")
    c.add_argument("--workers", type=int, default=0,
                   help="--ray off: shards at once; --ray local: CPUs of the local Ray (default: the cores)")
    c.add_argument("--retries", type=int, default=3, help="Ray: runs of a shard again when its worker died (default 3)")
    c.add_argument("--json", action="store_true", help="print the summary as JSON on stdout")
    c.add_argument("-q", "--quiet", action="store_true", help="no progress lines")
    c.set_defaults(func=_cmd_convert)


def _cmd_convert(args: argparse.Namespace) -> int:
    import time

    from .archive import ConvertOptions, Progress, convert_archive

    last = [0.0]

    def show(p: Progress) -> None:
        now = time.monotonic()
        if now - last[0] >= 1.0 or p.files_done == p.files_total:
            last[0] = now
            print(p.line(), file=sys.stderr, flush=True)

    from .folder_lock import FolderBusy

    o = ConvertOptions(args.src, args.dst, to=args.to, source=args.source, rate=args.rate, variant=args.variant,
                       ray=args.ray, shard_files=args.shard_files, workers=args.workers, max_retries=args.retries)
    try:
        s = convert_archive(o, progress=None if args.quiet or args.json else show)
    except FolderBusy as e:
        print(f"callcore: error: {e}", file=sys.stderr)
        return 2
    if args.json:
        print(json.dumps(s.to_dict(), ensure_ascii=False, indent=2))
    else:
        print(f"{s.sources:,} recordings: {s.done_before:,} done before, {s.converted:,} converted now"
              + (f", {s.present:,} found committed by an interrupted attempt" if s.present else "")
              + f", {s.failed:,} failed; {s.audio_hours:,.2f} h of audio in DST\n"
              f"{s.files_per_second:,.1f} files/s over {s.seconds:,.1f} s"
              + (f" (Ray start-up {s.ray_startup_seconds:,.1f} s, not counted in the rate)" if s.ray_startup_seconds else "")
              + f"\nmanifest -> {s.manifest}")
        for e in s.errors:
            print(f"  {e}", file=sys.stderr)
    return 0 if s.complete else 1


def _cmd_demo(args: argparse.Namespace) -> int:
    from .demo import run_demo

    return run_demo(workdir=args.workdir, rows=args.rows, quiet=args.quiet, sftp=not args.no_sftp)


def register_demo(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    d = sub.add_parser("demo", help="run the main job on its embedded defaults (Huawei sandbox, 1,000,000 rows)",
                       description="Starts the Huawei sandbox in process, makes a dirty list, cleans and imports it "
                                   "(SFTP workbooks for the bulk, API for the rest), syncs and transcodes the "
                                   "recordings, and prints where everything is.")
    d.add_argument("--workdir", type=Path, default=Path("callcore-demo"), help="output folder (default ./callcore-demo)")
    d.add_argument("--rows", type=int, default=1_000_000, help="rows in the dirty list (default 1,000,000)")
    d.add_argument("-q", "--quiet", action="store_true", help="no progress bars")
    d.add_argument("--no-sftp", action="store_true", help="do not start sshd: the API route only")
    d.set_defaults(func=_cmd_demo)
