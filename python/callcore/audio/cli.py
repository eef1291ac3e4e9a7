"""``callcore audio ...``: batch transcoding of call recordings, track merge and detection."""

from __future__ import annotations

import argparse
import os
import sys
import time

from callcore._cli_conventions import EXIT_FAILURE, EXIT_OK, EXIT_PARTIAL


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    from callcore.audio import FORMATS, SOURCES

    p = sub.add_parser("audio", help="transcode VOX / A-law recordings (.V3) to WAV and MP3")
    cmds = p.add_subparsers(dest="audio_command", metavar="SUBCOMMAND", required=True)

    t = cmds.add_parser("transcode", help="transcode files and folders (recursively) into OUTDIR")
    t.add_argument("src", nargs="+", help="input files or folders")
    t.add_argument("-o", "--output", dest="out", required=True, metavar="OUTDIR", help="output folder (created)")
    t.add_argument("--source", choices=SOURCES, default="auto",
                   help="input codec: vox6k (24K VOX), vox8k (32K VOX), alaw (64K ALAW), ulaw, auto (default)")
    t.add_argument("--to", choices=FORMATS, default="wav", help="output format (default wav = PCM16)")
    t.add_argument("--variant", default="dialogic", choices=("dialogic", "ffmpeg", "sox", "auto"),
                   help="VOX decode rule (default dialogic)")
    t.add_argument("--rate", type=int, default=None, help="output sample rate (e.g. 8000, 16000 for ASR)")
    t.add_argument("--bitrate", type=int, default=16, help="MP3 bitrate in kbit/s (default 16)")
    t.add_argument("--quality", type=int, default=7, help="LAME quality 0 (best) .. 9 (fastest), default 7")
    t.add_argument("--jobs", type=int, default=0, help="worker threads (default: all cores)")
    t.add_argument("--dc-block", action="store_true", help="remove DC offset / drift after decoding")
    t.add_argument("--mono", action=argparse.BooleanOptionalAction, default=None,
                   help="mix multichannel inputs down to mono (default: on for wav-alaw/wav-ulaw)")
    t.add_argument("--overwrite", action="store_true", help="redo outputs that already exist")
    t.add_argument("--vox-rate", type=int, choices=(6000, 8000), default=8000,
                   help="rate of headerless VOX found by --source auto (default 8000)")
    t.add_argument("--json", action="store_true", help="print one JSON result per file instead of a summary")
    t.add_argument("-q", "--quiet", action="store_true", help="no progress bar and no summary; errors only")
    t.set_defaults(func=_cmd_transcode)

    m = cmds.add_parser("merge", help="merge 2-3 mono recordings of one call into one file")
    m.add_argument("src", nargs="+", help="mono inputs, in channel order (agent, customer, conference)")
    m.add_argument("-o", "--output", dest="out", required=True, metavar="FILE", help="output .wav or .mp3")
    m.add_argument("--mode", choices=("channels", "mix"), default="channels")
    m.add_argument("--source", choices=SOURCES, default="auto")
    m.add_argument("--variant", default="dialogic", choices=("dialogic", "ffmpeg", "sox", "auto"))
    m.add_argument("--rate", type=int, default=None)
    m.add_argument("--bitrate", type=int, default=16)
    m.add_argument("--dc-block", action="store_true")
    m.add_argument("--overwrite", action="store_true")
    m.set_defaults(func=_cmd_merge)

    d = cmds.add_parser("detect", help="sniff a file and score each VOX rule on it")
    d.add_argument("file")
    d.add_argument("--rate", type=int, default=8000)
    d.set_defaults(func=_cmd_detect)


def _cmd_transcode(args: argparse.Namespace) -> int:
    from callcore.audio import _plan_outputs, transcode_many

    for s in args.src:
        if not os.path.exists(s):
            raise FileNotFoundError(f"{s}: no such file or folder")
    pairs = _plan_outputs(args.src, args.out, args.to)
    # rich draws the progress bar and the summary table on a terminal; otherwise (a script, a
    # pipe, a log) the summary is plain lines, and rich, ~40 ms of imports (a third of a one-hour
    # file's whole run), is never imported
    live = not args.json and not args.quiet and sys.stderr.isatty()
    if not pairs:
        if live:
            from rich.console import Console

            Console(stderr=True).print("[yellow]no input files found[/]")
        else:
            print("no input files found", file=sys.stderr)
        return 1
    os.makedirs(args.out, exist_ok=True)
    started = time.perf_counter()
    failed = 0
    opts = dict(
        source=args.source, to=args.to, variant=args.variant, rate=args.rate, bitrate=args.bitrate,
        quality=args.quality, dc_block=args.dc_block, overwrite=args.overwrite, vox_rate=args.vox_rate,
        mono=args.mono, jobs=args.jobs,
    )
    if live:
        from rich.console import Console
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn, TimeRemainingColumn

        with Progress(
            TextColumn("[bold]transcoding"), BarColumn(), MofNCompleteColumn(), TextColumn("{task.fields[failed]} failed"),
            TimeElapsedColumn(), TimeRemainingColumn(), console=Console(stderr=True), transient=False,
        ) as prog:
            task = prog.add_task("t", total=len(pairs), failed=0)

            def on_done(_i: int, ok: bool) -> None:
                nonlocal failed
                failed += 0 if ok else 1
                prog.update(task, advance=1, failed=failed)

            results = transcode_many(pairs, progress=on_done, **opts)
    else:
        results = transcode_many(pairs, **opts)
    elapsed = time.perf_counter() - started
    if args.json:
        import json  # only here: a run without --json does not import it

        for r in results:
            print(json.dumps(r.__dict__, ensure_ascii=False))
    done = [r for r in results if r.status == "done"]
    skipped = [r for r in results if r.status == "skipped"]
    errors = [r for r in results if not r.ok]
    audio_s = sum(r.seconds for r in done)
    out_bytes = sum(r.output_bytes for r in done)
    rows = [
        ("files", str(len(results))),
        ("done", str(len(done))),
        ("skipped (output exists)", str(len(skipped))),
        ("failed", str(len(errors))),
        ("audio", f"{audio_s / 3600:.2f} h"),
        ("written", f"{out_bytes / 1e6:.1f} MB"),
        ("elapsed", f"{elapsed:.2f} s" + (f" ({audio_s / elapsed:,.0f}x realtime)" if elapsed > 0 and audio_s else "")),
    ]
    noted = [r for r in done if r.notes]
    if noted:
        rows.append(("with notes", str(len(noted))))
    more = f"... and {len(errors) - 20} more errors (use --json for all)" if len(errors) > 20 else None
    if live:
        from rich.console import Console
        from rich.table import Table

        console = Console(stderr=True)
        table = Table(title="callcore audio transcode", show_header=False)
        for name, value in rows:
            table.add_row(name, f"[red]{value}[/]" if name == "failed" and errors else value)
        console.print(table)
        for r in errors[:20]:
            console.print(f"[red]error[/] {r.error}", highlight=False, soft_wrap=True)
        if more:
            console.print(more)
    else:
        width = max(len(name) for name, _ in rows)
        lines = [] if args.quiet else ["callcore audio transcode"] + [f"  {name:<{width}}  {value}" for name, value in rows]
        lines += [f"error {r.error}" for r in errors[:20]] + ([more] if more else [])
        if lines:
            print("\n".join(lines), file=sys.stderr)
    if not errors:
        return EXIT_OK
    return EXIT_PARTIAL if len(errors) < len(results) else EXIT_FAILURE


def _cmd_merge(args: argparse.Namespace) -> int:
    import json

    from callcore.audio import merge

    r = merge(
        args.src, args.out, mode=args.mode, source=args.source, variant=args.variant, rate=args.rate,
        bitrate=args.bitrate, dc_block=args.dc_block, overwrite=args.overwrite,
    )
    print(json.dumps(r.__dict__, ensure_ascii=False, indent=2))
    return 0


def _cmd_detect(args: argparse.Namespace) -> int:
    import json

    from callcore.audio import detect

    with open(args.file, "rb") as f:
        head = f.read(256 * 1024)
    if not head:
        print(f"{args.file}: empty file", file=sys.stderr)
        return 1
    print(json.dumps(detect(head, rate=args.rate), indent=2))
    return 0
