"""What the pipeline commands share: credentials and endpoint from the environment, the
progress bars and the import's reconciliation table (used by ``callcore outbound``, ``callcore
recordings`` and the demo, which import this module rather than each other)."""
from __future__ import annotations

import argparse
import os
from typing import Any


def _creds() -> tuple[str, str]:
    """(user, secret) from CALLCORE_ACCESS_KEY and CALLCORE_SECRET_KEY only (the import's, every platform)."""
    from callcore.platforms.registry import GENERIC_SECRET_ENV, Credentials

    return Credentials(user_field="access_key", secret_env=GENERIC_SECRET_ENV).read(None, os.environ)


def _endpoint(args: argparse.Namespace) -> str:
    ep = args.endpoint or os.environ.get("CALLCORE_ENDPOINT")
    if not ep:
        raise ValueError("--endpoint: give the platform's base URL (or set CALLCORE_ENDPOINT)")
    return ep


def _http_options(args: argparse.Namespace) -> Any:
    if not args.ca_file:
        return None
    from callcore.platforms.huawei import HttpOptions

    return HttpOptions(ca_file=args.ca_file)


class _Bars:
    """rich progress bars fed by the pipelines' progress callbacks."""

    def __init__(self, quiet: bool) -> None:
        from rich.console import Console
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

        self.console = Console(stderr=True)
        self.p = None if quiet else Progress(TextColumn("[bold]{task.description:<12}"), BarColumn(),
                                             MofNCompleteColumn(), TimeElapsedColumn(), console=self.console,
                                             transient=False)
        self.tasks: dict[str, Any] = {}

    def __enter__(self) -> "_Bars":
        if self.p:
            self.p.start()
        return self

    def __exit__(self, *exc: Any) -> None:
        if self.p:
            self.p.stop()

    def task(self, name: str, total: int | None = None) -> Any:
        if self.p is None:
            return None
        if name not in self.tasks:
            self.tasks[name] = self.p.add_task(name, total=total)
        elif total is not None:
            self.p.update(self.tasks[name], total=total)
        return self.tasks[name]

    def import_cb(self, event: str, a: int, b: int) -> None:
        if self.p is None:
            return
        if event == "clean":
            self.p.update(self.task("cleaning", b or None), completed=a, total=b or None)
        elif event == "total":
            self.task("importing", a)
        elif event == "rows":
            self.p.advance(self.task("importing"), a)

    def sync_cb(self, event: str, a: int, b: int) -> None:
        if self.p is None:
            return
        if event == "total":
            self.task("downloading", a)
            t = self.task("transcoding", a)
            self.p.update(t, completed=b)
            self.p.update(self.tasks["downloading"], completed=b)
        elif event == "downloaded":
            self.p.advance(self.task("downloading"), a)
        elif event == "converted":
            self.p.advance(self.task("transcoding"), a)


def import_table(s: Any) -> Any:
    from rich.table import Table

    t = Table(title=f"import reconciliation: {s.input_rows:,} input rows", title_justify="left")
    t.add_column("outcome")
    t.add_column("rows", justify="right")
    t.add_row("[green]accepted by the platform[/]", f"{s.accepted:,}")
    for route, n in sorted(s.routes.items()):
        t.add_row(f"  via {'SFTP workbooks' if route == 'file' else 'API'}", f"{n:,}")
    for code, n in sorted(s.platform_rejected.items()):
        t.add_row(f"[red]rejected by the platform[/] ({code})", f"{n:,}")
    t.add_row("invalid", f"{s.invalid:,}")
    for r, n in sorted(s.invalid_reasons.items(), key=lambda kv: -kv[1]):
        if n:
            t.add_row(f"  {r}", f"{n:,}")
    t.add_row("duplicate", f"{s.duplicate:,}")
    t.add_row("blacklisted", f"{s.blacklisted:,}")
    if s.already_imported:
        t.add_row("already imported", f"{s.already_imported:,}")
    if s.not_imported:
        t.add_row("[yellow]not imported yet (run again to resume)[/]", f"{s.not_imported:,}")
    t.add_row("[bold]total[/]", f"{s.input_rows:,}" + ("" if s.adds_up else " [red](does not add up)[/]"))
    return t
