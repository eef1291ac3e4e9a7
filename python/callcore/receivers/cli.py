"""``callcore receive serve|list``. Secrets come from environment variables, never the command line."""
from __future__ import annotations

import argparse
import json
import os
import socket
import sys
from typing import Any

from callcore.platforms import registry

ENV_HELP = """\
secrets (environment variables, never arguments):
  CALLCORE_RECEIVER_PATH_SECRET    secret path segment for pushes the seeds do not sign
                                   (Huawei 7.6.1, 八百呼): served at <path>/<secret>
  CALLCORE_HUAWEI_AK, CALLCORE_HUAWEI_SK   auth-v2 key pair CC-FS signs the bill callback with
  CALLCORE_HUAWEI_CALLBACK_SECRET  shared key of the release callbacks' HMAC signature
  CALLCORE_SCCC_CUSTOMER, CALLCORE_SCCC_PASSWORD            request credentials
  CALLCORE_SCCC_PUSH_CUSTOMER, CALLCORE_SCCC_PUSH_PASSWORD  push credentials (used when both set)

九五云客服 defines no pushes (seed 000): use polling for its results and recordings."""


def platforms() -> tuple[str, ...]:
    """The platforms of :mod:`callcore.platforms.registry` that push (have a receiver)."""
    return tuple(name for name in registry.names() if registry.get(name).receiver)


def _paths_text() -> str:
    lines = ["paths served, by platform:"]
    for name in platforms():
        try:
            module = registry.load(registry.get(name).receiver or "")
        except ImportError as e:  # callcore[receivers] is not installed: --help still works
            return f"paths served: {e}"
        for path, what in module.PATHS.items():
            lines.append(f"  {name:8} {path:24} {what}")
    return "\n".join(lines)


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    rc = sub.add_parser("receive", help="receive the platforms' pushes (results, bills, recordings)")
    rcs = rc.add_subparsers(dest="receive_command", metavar="SUBCOMMAND", required=True)
    s = rcs.add_parser("serve", help="serve one platform's push receiver (uvicorn)",
                       formatter_class=argparse.RawDescriptionHelpFormatter,
                       epilog=_paths_text() + "\n\n" + ENV_HELP)
    s.add_argument("--platform", required=True, choices=platforms())
    s.add_argument("--host", default="127.0.0.1")
    s.add_argument("--port", type=int, default=8090, help="0 picks a free port (printed on start)")
    s.add_argument("--store", required=True, help="store folder (events.sqlite3, uploaded recordings)")
    s.add_argument("--allow", action="append", default=[], metavar="CIDR",
                   help="IP allow-list for unsigned pushes (repeatable); default: any")
    s.add_argument("--max-body", type=int, default=1 << 20, help="largest accepted body in bytes (default 1 MiB)")
    s.add_argument("--replay-window", type=float, default=300.0,
                   help="seconds a signed push's timestamp may be from this clock (default 300)")
    s.add_argument("--wait", action="store_true", help="wait for the store folder if another process holds it")
    s.set_defaults(func=_serve)
    ls = rcs.add_parser("list", help="print the stored events")
    ls.add_argument("--store", required=True)
    ls.add_argument("--platform", choices=platforms())
    ls.add_argument("--kind")
    ls.add_argument("--json", action="store_true", help="one JSON object a line")
    ls.set_defaults(func=_list)


def build_app(platform: str, store: Any, *, allow: list[str], max_body: int, replay_window: float,
              env: dict[str, str] | None = None) -> Any:
    """The receiver of *platform* (its registry entry's ``receiver`` module), secrets from *env*
    (default: this process's environment)."""
    spec = registry.get(platform)
    if spec.receiver is None:
        raise ValueError(f"platform {spec.name}: no pushes to receive (receivers: {', '.join(platforms())})")
    return registry.load(spec.receiver).from_environment(
        store, allow=allow, max_body=max_body, replay_window=replay_window,
        env=dict(os.environ if env is None else env))


def _serve(args: argparse.Namespace) -> int:
    import uvicorn

    from callcore.pipelines.folder_lock import FolderBusy, hold

    try:
        return _serve_held(args, hold)
    except FolderBusy as e:
        print(f"callcore: error: {e}", file=sys.stderr)
        return 2


def _serve_held(args: argparse.Namespace, hold: Any) -> int:
    import uvicorn

    from .store import EventStore

    with hold(args.store, wait=args.wait, what=f"callcore receive serve --platform {args.platform}"):
        store = EventStore(args.store)
        app = build_app(args.platform, store, allow=args.allow, max_body=args.max_body,
                        replay_window=args.replay_window)
        sock = socket.socket(socket.AF_INET6 if ":" in args.host else socket.AF_INET)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((args.host, args.port))
        # listening before the line below is printed: a script that waits for the line and connects at
        # once must not be refused while uvicorn is still starting
        sock.listen(2048)
        port = sock.getsockname()[1]
        paths = sorted(r.path for r in app.routes)
        # the first line is for scripts and tests waiting on the port; the secret segment stays {secret}
        print(f"receiving {args.platform} pushes on http://{args.host}:{port} store={args.store} "
              f"paths={','.join(paths)}", flush=True)
        config = uvicorn.Config(app, log_level="warning", access_log=False, lifespan="off",
                                server_header=False, timeout_graceful_shutdown=2)
        try:
            uvicorn.Server(config).run(sockets=[sock])
        except KeyboardInterrupt:
            pass  # uvicorn re-raises the SIGINT it shut down on: stopping is the normal end here
        counts = store.counts()
        print(f"stopped: {counts['events']} events stored, {counts['duplicates']} re-pushes acknowledged "
              f"and not stored again, {counts['recordings']} recordings queued", flush=True)
        store.close()
    return 0


def _list(args: argparse.Namespace) -> int:
    from .store import STORE_FILE, EventStore

    if not os.path.exists(os.path.join(args.store, STORE_FILE)):
        raise ValueError(f"--store {args.store}: no {STORE_FILE} there (nothing received yet, or the wrong folder)")
    store = EventStore(args.store)
    n = 0
    for ev in store.events(args.platform, args.kind):
        n += 1
        if args.json:
            sys.stdout.write(json.dumps(ev, ensure_ascii=False) + "\n")
        else:
            core = {k: v for k, v in ev.items() if k not in ("platform", "kind", "received")}
            sys.stdout.write(f"{ev['received']}  {ev['platform']:8} {ev['kind']:10} "
                             f"{json.dumps(core, ensure_ascii=False)[:160]}\n")
    if not args.json:
        c = store.counts()
        print(f"{n} events; {c['duplicates']} re-pushes were acknowledged and not stored again; "
              f"{c['recordings']} recordings queued")
    store.close()
    return 0
