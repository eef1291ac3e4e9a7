"""``callcore sandbox PLATFORM --port P [--state DIR] [--faults SPEC]``: PLATFORM is any platform of
:mod:`callcore.platforms.registry` that has a sandbox."""
from __future__ import annotations

import argparse
import dataclasses
import threading
from pathlib import Path
from typing import Any

from callcore.platforms import registry


def platforms() -> tuple[str, ...]:
    """The platforms that have a sandbox, in the registry's order."""
    return tuple(name for name in registry.names() if registry.get(name).sandbox)


def register(subparsers: Any) -> None:
    """Adds ``callcore sandbox ...`` to the ``callcore`` command line."""
    p = subparsers.add_parser(
        "sandbox", help="run a local platform sandbox (real HTTP on loopback)",
        description="Run a local sandbox of one platform: the seeds' URLs, JSON shapes, error codes, auth and "
                    "limits, with state in SQLite under --state and optional fault injection.",
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog="fault SPEC: comma-separated kind=rate[:param], e.g.\n"
               "  latency=0.5:0.2   delay half of the requests by 0.2 s\n"
               "  5xx=0.1[:503]     HTML 5xx error pages\n"
               "  drop=0.05         drop the connection mid-response\n"
               "  flow=0.2          the platform's flow-control error\n"
               "  skew=1:600        server clock 600 s ahead (401 for signed requests)\n"
               "  seed=7            random seed")
    p.add_argument("platform", choices=platforms())
    p.add_argument("--port", type=int, default=8080, help="TCP port on 127.0.0.1 (0: any free port)")
    p.add_argument("--host", default="127.0.0.1", help="address to bind (default loopback)")
    p.add_argument("--state", type=Path, default=None, help="folder for the SQLite state (default: in memory)")
    p.add_argument("--faults", default=None, metavar="SPEC", help="fault injection, see below")
    p.add_argument("--sftp-root", type=Path, default=None,
                   help="huawei: folder standing in for registered SFTP servers (file imports)")
    p.add_argument("--v2-max", type=int, default=20,
                   help="huawei: isales.api.calldata.max, records per add-numbers v2 call (default 20)")
    p.add_argument("--recording-format", choices=("alaw", "vox8k", "vox6k"), default="alaw",
                   help="huawei: the deployment's .V3 encoding: 64K A-law, 32K VOX or 24K VOX (default alaw)")
    p.set_defaults(func=run)


def make(platform: str, state: Path | None, *, port: int, host: str, faults: str | None,
         sftp_root: Path | None = None, v2_max: int = 20, recording_format: str = "alaw") -> Any:
    """Builds (does not start) the sandbox object for *platform*. ``sftp_root``, ``v2_max`` and
    ``recording_format`` set the fields of that name in the sandbox's ``config_class`` (Huawei's);
    a sandbox whose config has none of them gets its default config."""
    from ._server import Faults

    spec = registry.get(platform)
    if spec.sandbox is None:
        raise ValueError(f"platform {spec.name}: no sandbox (known: {', '.join(platforms())})")
    sandbox_class = registry.load(spec.sandbox)
    options = {"sftp_root": sftp_root, "v2_max": v2_max, "recording_format": recording_format}
    config_fields = {f.name for f in dataclasses.fields(sandbox_class.config_class)}
    config_options = {name: value for name, value in options.items() if name in config_fields}
    config = sandbox_class.config_class(**config_options) if config_options else None
    return sandbox_class(state, port=port, host=host, faults=Faults.parse(faults), config=config)


def credentials(sb: Any) -> dict[str, str]:
    """What a client needs to talk to *sb* (test credentials of the sandbox, not secrets)."""
    out: dict[str, str] = {"url": sb.url}
    for attr in ("access_key", "secret_key", "customer", "password", "user", "client_id", "client_secret"):
        if hasattr(sb, attr):
            out[attr] = str(getattr(sb, attr))
    return out


def run(args: argparse.Namespace) -> int:
    from rich.console import Console

    console = Console(stderr=True)
    sb = make(args.platform, args.state, port=args.port, host=args.host, faults=args.faults,
              sftp_root=args.sftp_root, v2_max=args.v2_max, recording_format=args.recording_format)
    sb.start()
    console.print(f"[bold]{args.platform}[/] sandbox on [cyan]{sb.url}[/] "
                  f"(state: {args.state or 'in memory'}; faults: {sb.app.faults.faults})")
    for k, v in credentials(sb).items():
        console.print(f"  {k:14} {v}")
    console.print("Ctrl-C to stop")
    try:
        threading.Event().wait()
    except KeyboardInterrupt:
        pass
    finally:
        sb.stop()
    return 0
