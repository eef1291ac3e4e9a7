"""``callcore calllist ...``: clean a call list from the shell, normalize single numbers."""

from __future__ import annotations

import argparse
import os
import sys
from typing import Any

from callcore.platforms import registry


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = sub.add_parser("calllist", help="call lists: normalize, dedup, blacklist, batch")
    cmds = p.add_subparsers(dest="calllist_command", metavar="SUBCOMMAND", required=True)

    c = cmds.add_parser(
        "clean",
        help="clean a CSV / one-number-per-line file into a clean CSV and a rejects CSV",
        description="Every input row ends in exactly one of OUTPUT or REJECTS.",
    )
    c.add_argument("input", metavar="INPUT", help="CSV or one number per line (UTF-8, UTF-8 BOM, GB18030/GBK)")
    c.add_argument("-o", "--output", required=True, metavar="OUTPUT", help="clean CSV to write")
    c.add_argument("--rejects", required=True, metavar="REJECTS", help="rejects CSV to write (row, input, reason, e164)")
    c.add_argument("--blacklist", metavar="FILE", help="file of numbers never to call (one per line)")
    c.add_argument("--platform", choices=registry.profiles(),
                   help="add the platform's dialing string and batch number columns")
    c.add_argument("--batch-size", type=int, help="batch size (within the platform's limit)")
    c.add_argument("--default-area-code", metavar="C", help="area code for local 7/8-digit numbers, e.g. 0755")
    col = c.add_mutually_exclusive_group()
    col.add_argument("--column", metavar="NAME", help="phone column by header name (default: detect)")
    col.add_argument("--column-index", type=int, metavar="N", help="phone column by 0-based index")
    c.add_argument("--scope-column", metavar="NAME", help="dedup within this column's values (e.g. sessionId)")
    c.add_argument("--delimiter", help="field delimiter (default: detect; 'tab' for TAB)")
    hdr = c.add_mutually_exclusive_group()
    hdr.add_argument("--header", dest="has_header", action="store_const", const=True, default=None, help="the first row is a header")
    hdr.add_argument("--no-header", dest="has_header", action="store_const", const=False, help="the first row is data")
    c.add_argument("--store", metavar="FILE", help="'already imported' store file (created if missing)")
    c.add_argument("--window-days", type=float, help="only numbers imported within this many days count as already imported")
    c.add_argument("--record", action="store_true", help="add this run's clean numbers to --store")
    c.add_argument("--reject-foreign", action="store_true", help="reject numbers of other countries (default: keep, kind foreign)")
    c.add_argument("--structural-only", action="store_true", help="accept any 1[3-9] + 9-digit mobile (ignore the prefix table)")
    c.add_argument("--allow-short-codes", action="store_true",
                   help="keep service short codes such as 95588 (default: reject, reason short_code); "
                        "emergency numbers (110, 119, 120, ...) are rejected always")
    c.add_argument("--mobile-prefixes", metavar="FILE", help="updated mobile prefix table (one 3-5 digit prefix a line)")
    c.add_argument("--no-defuse", action="store_true", help="do not prefix formula-like cells (=,+,-,@) with '")
    c.add_argument("--bom", action="store_true", help="write a UTF-8 BOM (for Excel)")
    c.add_argument("--sheet", help="sheet of an XLSX/XLS/ODS input (default: the first)")
    c.add_argument("--huawei-workbook", metavar="XLSX",
                   help="also write the Huawei 7.4.8 server-import workbook(s) (500,000 rows a file)")
    c.add_argument("--custom-field", metavar="TEXT", help="customField for the Huawei workbook, e.g. a batch id")
    c.add_argument("--json", action="store_true", help="print the summary as one JSON object instead of a table")
    c.add_argument("-q", "--quiet", action="store_true", help="no progress bar")
    c.set_defaults(func=_cmd_clean)

    n = cmds.add_parser("normalize", help="normalize numbers given as arguments (or stdin lines)")
    n.add_argument("numbers", nargs="*")
    n.add_argument("--default-area-code", metavar="C")
    n.add_argument("--allow-short-codes", action="store_true",
                   help="accept service short codes (emergency numbers are rejected always)")
    n.set_defaults(func=_cmd_normalize)


def _cmd_clean(args: argparse.Namespace) -> int:
    from callcore import calllist as cl

    # rich (~20 ms of imports, a tenth of a million-row run) draws the progress bar and the table
    # on a terminal only; a script, a pipe or a log gets plain lines
    bar_on_tty = not (args.quiet or args.json) and sys.stderr.isatty()
    table_on_tty = not args.json and sys.stdout.isatty()
    if not os.path.exists(args.input):
        raise FileNotFoundError(f"{args.input}: no such file")
    blacklist = None
    if args.blacklist:
        blacklist = cl.load_blacklist(args.blacklist, default_area_code=args.default_area_code)
        if blacklist.invalid_lines:
            print(f"blacklist: {blacklist.invalid_lines} line(s) are not numbers and were not loaded",
                  file=sys.stderr)
    column: str | int | None = args.column if args.column is not None else args.column_index
    total = os.path.getsize(args.input)
    kwargs: dict[str, Any] = dict(
        column=column, scope_column=args.scope_column, has_header=args.has_header,
        delimiter=args.delimiter, blacklist=blacklist, store=args.store, window_days=args.window_days,
        record=args.record, platform=args.platform, batch_size=args.batch_size,
        default_area_code=args.default_area_code, structural_only=args.structural_only,
        foreign="reject" if args.reject_foreign else "keep", mobile_prefixes=args.mobile_prefixes,
        allow_short_codes=args.allow_short_codes,
        defuse=not args.no_defuse, bom=args.bom, sheet=args.sheet,
    )
    if not bar_on_tty:
        summary = cl.clean(args.input, args.output, args.rejects, **kwargs)
    else:
        from rich.console import Console
        from rich.progress import (BarColumn, DownloadColumn, Progress, TextColumn, TimeRemainingColumn,
                                   TransferSpeedColumn)

        with Progress(
            TextColumn("[bold]cleaning[/]"), BarColumn(), DownloadColumn(), TransferSpeedColumn(),
            TextColumn("{task.fields[rows]:,} rows"), TimeRemainingColumn(), console=Console(stderr=True),
            transient=False,
        ) as bar:
            task = bar.add_task("clean", total=total or 1, rows=0)

            def progress(done: int, tot: int, rows: int) -> None:
                bar.update(task, completed=done, total=tot or 1, rows=rows)

            summary = cl.clean(args.input, args.output, args.rejects, progress=progress, **kwargs)
    assert isinstance(summary, cl.Summary)
    if args.json:
        import dataclasses
        import json

        print(json.dumps({**dataclasses.asdict(summary), "output": args.output, "rejects": args.rejects},
                         ensure_ascii=False))
    title = (f"{args.input}: {summary.rows:,} rows ({summary.encoding}, "
             f"delimiter {summary.delimiter!r}, header {'yes' if summary.header else 'no'}, "
             f"column {summary.columns[summary.column] if summary.column is not None and summary.column < len(summary.columns) else summary.column})")
    rows: list[tuple[str, str, str, str]] = []  # outcome, rows, share, rich style

    def row(name: str, n: int, style: str = "") -> None:
        rows.append((name, f"{n:,}", f"{100 * n / summary.rows:.2f}%" if summary.rows else "-", style))

    row("clean", summary.clean, "green")
    for k, n in summary.per_kind.items():
        if n:
            row(f"  {k}", n)
    row("rejected", summary.rejected, "red")
    for r, n in sorted(summary.per_reason.items(), key=lambda kv: -kv[1]):
        row(f"  {r}", n)
    if summary.ragged:
        row("ragged rows (kept)", summary.ragged, "yellow")
    if summary.batches:
        rows.append(("batches", f"{summary.batches:,}", "", ""))
    out = _Out(table_on_tty, quiet=args.json)
    out.table(title, rows)
    out.print(f"clean -> {args.output}\nrejects -> {args.rejects}")
    if args.huawei_workbook and summary.clean == 0:
        out.print("[yellow]huawei workbook: no clean rows, nothing written[/]")
    elif args.huawei_workbook:
        files = cl.write_huawei_workbooks(
            args.output, args.huawei_workbook, session_column=args.scope_column, custom_field=args.custom_field,
        )
        out.print("huawei workbook -> " + ", ".join(str(f) for f in files))
    return 0


def _cmd_normalize(args: argparse.Namespace) -> int:
    from callcore import calllist as cl

    numbers = args.numbers or [line.rstrip("\n") for line in sys.stdin]
    r = cl.normalize(numbers, default_area_code=args.default_area_code, allow_short_codes=args.allow_short_codes)
    for s, e, nat, k, why, ext in zip(numbers, r.e164, r.national, r.kind, r.reason, r.ext):
        if e is None:
            print(f"{s}\t-\t-\treject:{why}")
        else:
            print(f"{s}\t{e}\t{nat}\t{k}" + (f"\text={ext}" if ext else ""))
    return 0


class _Out:
    """The clean's report: rich on a terminal, plain lines elsewhere (no rich import)."""

    def __init__(self, rich: bool, quiet: bool) -> None:
        self.quiet = quiet
        self.console = None
        if rich and not quiet:
            from rich.console import Console

            self.console = Console()

    def table(self, title: str, rows: list[tuple[str, str, str, str]]) -> None:
        if self.quiet:
            return
        if self.console is not None:
            from rich.table import Table

            t = Table(title=title)
            t.add_column("outcome")
            t.add_column("rows", justify="right")
            t.add_column("share", justify="right")
            for name, n, share, style in rows:
                t.add_row(f"[{style}]{name}[/]" if style else name, n, share)
            self.console.print(t)
            return
        w = [max(len(r[i]) for r in rows + [("outcome", "rows", "share", "")]) for i in range(3)]
        lines = [title, f"{'outcome':<{w[0]}}  {'rows':>{w[1]}}  {'share':>{w[2]}}"]
        lines += [f"{name:<{w[0]}}  {n:>{w[1]}}  {share:>{w[2]}}" for name, n, share, _ in rows]
        print("\n".join(lines))

    def print(self, text: str) -> None:
        if self.quiet:
            return
        if self.console is not None:
            self.console.print(text)
        else:
            import re

            print(re.sub(r"\[/?[a-z ]*\]", "", text))
