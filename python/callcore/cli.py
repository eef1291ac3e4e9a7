"""The ``callcore`` command line.

Each capability adds its own subcommands from ``callcore.<capability>.cli.register``; this
module only assembles them and turns expected errors into one readable line and exit code 2.
Exit codes, examples, completion and preflight checks: ``callcore._cli_conventions``.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence

# capabilities whose ``cli`` module registers subcommands, in the order shown by --help
CAPABILITIES = ("sign", "calllist", "audio", "sandbox", "pipelines", "receivers")


def build_parser(only: str | None = None) -> argparse.ArgumentParser:
    """The full parser, or (``only``) one with just that capability's subcommands, so that
    ``callcore audio ...`` does not import every other capability's CLI."""
    from callcore import __version__
    from callcore import _cli_conventions as conventions

    parser = conventions.CommandParser(
        prog="callcore",
        description="Signing, call lists and recordings for Chinese contact-center platforms.",
    )
    parser.add_argument("--version", action="version", version=f"callcore {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    # the main job lives in callcore.pipelines; the signing demo is `callcore sign demo`. Not
    # for `callcore <capability> ...`: importing the pipelines (httpx, paramiko) took 0.16 s,
    # more than cleaning a million rows
    if only is None:
        importlib.import_module("callcore.pipelines.cli").register_demo(sub)
    for name in CAPABILITIES:
        if only is None or name == only:
            importlib.import_module(f"callcore.{name}.cli").register(sub)
    if only is None:
        conventions.register_completion(sub, parser)
    conventions.apply(parser)  # examples in every --help, exit codes, renamed flags
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    from callcore._extras import MissingExtra, require

    argv = sys.argv[1:] if argv is None else list(argv)
    try:
        parser = build_parser(argv[0] if argv and argv[0] in CAPABILITIES else None)
        args = parser.parse_args(argv)
        # the commands' tables and progress bars are rich's, which the core install lacks
        # (--help and --version, answered by parse_args, work without it)
        if getattr(args, "needs_cli_extra", True):
            require("cli", "the callcore command line")
        from callcore._cli_conventions import run_preflight

        run_preflight(args)  # a wrong URL or a busy port: one line now, not a minute of retries
        return int(args.func(args) or 0)
    except MissingExtra as e:
        print(f"callcore: error: {e}", file=sys.stderr)
        return 1  # EXIT_FAILURE
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    except (OSError, ValueError) as e:
        # expected, actionable failures: one line, no traceback
        print(f"callcore: error: {e}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
