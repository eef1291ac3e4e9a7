"""What every ``callcore`` command shares, applied once to the assembled parser by
:func:`callcore.cli.build_parser`: exit codes, an example in each ``--help``, hidden aliases for
renamed flags, shell completion, and preflight checks that turn a wrong URL or a busy port into
one line naming the cause before any work (or a minute of retries) starts.
"""
from __future__ import annotations

import argparse
import os
import sys

TYPE_CHECKING = False  # not typing's: `callcore audio transcode` does not import typing (~2 ms)
if TYPE_CHECKING:
    from typing import Any

# socket, ssl and urllib are imported by the preflight functions only: every command builds the
# parser, and `callcore audio transcode` of one file is measured in milliseconds

#: exit codes, the same for every command (documented in ``callcore --help``)
EXIT_OK = 0
EXIT_FAILURE = 1   # the command failed: nothing (more) was done
EXIT_USAGE = 2     # bad arguments or input: the message names it (argparse uses 2 as well)
EXIT_PARTIAL = 3   # some items were done and some failed: each failure is reported
EXIT_CODES_TEXT = """exit codes:
  0    success
  1    failure: nothing (more) was done, or a needed extra is not installed
  2    usage error: bad arguments or input, named in the message
  3    partial: some items were done and some failed; each failure is reported
  130  interrupted"""

#: an example per command, shown at the end of its --help ("callcore X Y" -> example lines)
EXAMPLES: dict[str, str] = {
    "sign": "callcore sign auth-v2 https://cc.example:28080/rest/cmsapp/v1/ping -d '{}' --access-key AK",
    "sign auth-v2": "CALLCORE_SECRET_KEY=... callcore sign auth-v2 https://10.22.26.181:28080/rest/cmsapp/v1/ping "
                    "-d '{\"say\":\"Hello world!\"}' --access-key globalaktest --canonical",
    "sign sccc": "CALLCORE_SECRET_KEY=... callcore sign sccc --customer C01",
    "sign demo": "callcore sign demo",
    "calllist": "callcore calllist clean list.csv -o clean.csv --rejects rejects.csv --platform huawei",
    "calllist clean": "callcore calllist clean list.csv -o clean.csv --rejects rejects.csv --platform huawei "
                      "--blacklist blacklist.txt --json",
    "calllist normalize": "callcore calllist normalize '138 0013 8000' '0755-8888 9999'",
    "audio": "callcore audio transcode recordings/ --source vox6k --to mp3 -o out/",
    "audio transcode": "callcore audio transcode recordings/ --source vox6k --to mp3 -o out/ --json",
    "audio merge": "callcore audio merge agent.V3 customer.V3 -o call.wav --source alaw",
    "audio detect": "callcore audio detect rec.V3 --rate 6000",
    "sandbox": "callcore sandbox huawei --port 8080 --state ./hw-state --faults 'flow=0.1,seed=1'",
    "outbound": "callcore outbound import list.csv --campaign 1 --endpoint https://cc.example:28080",
    "outbound import": "CALLCORE_ACCESS_KEY=... CALLCORE_SECRET_KEY=... callcore outbound import list.csv "
                       "--campaign 1 --endpoint https://cc.example:28080 --workdir ./import-1",
    "recordings": "callcore recordings sync --since 2026-01-01T00:00 --until 2026-01-02T00:00 -o recs/ "
                  "--endpoint https://cc.example:28080",
    "recordings sync": "callcore recordings sync --since 2026-01-01T00:00 --until 2026-01-02T00:00 -o recs/ "
                       "--endpoint https://cc.example:28080 --to-format mp3",
    "recordings convert": "callcore recordings convert sftp://archive@files.example.cn/recordings ./mp3 --to mp3 "
                          "--recording-format vox8k --ray off",
    "outbound results": "callcore outbound results ./import-1 --store ./pushes --poll -o results.csv",
    "receive": "callcore receive serve --platform huawei --port 8090 --store ./pushes",
    "receive serve": "CALLCORE_RECEIVER_PATH_SECRET=... callcore receive serve --platform huawei --host 0.0.0.0 "
                     "--port 8090 --store ./pushes --allow 10.0.0.0/8",
    "receive list": "callcore receive list --store ./pushes --json",
    "demo": "callcore demo --rows 100000",
    "completion": "callcore completion bash > ~/.local/share/bash-completion/completions/callcore",
}

#: flags renamed so that one name means one thing everywhere: (command, old, new). The old
#: spelling still parses (scripts keep working) but is no longer shown. ``--to`` is a format
#: (``audio transcode --to mp3``), so the time range is ``--since``/``--until``.
RENAMED = (
    ("recordings sync", "--from", "--since"),
    ("recordings sync", "--to", "--until"),
)
#: old spellings kept parsing for options already renamed in their command: (command, new, old)
HIDDEN_ALIASES = (
    ("audio transcode", "--output", "--out"),
    ("audio merge", "--output", "--out"),
)


def subcommands(parser: argparse.ArgumentParser, path: str = "") -> dict[str, argparse.ArgumentParser]:
    """Every (sub)command parser under *parser*, keyed by its command path ("audio transcode")."""
    out: dict[str, argparse.ArgumentParser] = {}
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, sub in action.choices.items():
                key = f"{path} {name}".strip()
                out[key] = sub
                out.update(subcommands(sub, key))
    return out


def rename(parser: argparse.ArgumentParser, old: str, new: str) -> None:
    """Shows *new* instead of *old* for the same option; *old* keeps parsing (hidden)."""
    action = parser._option_string_actions.get(old)
    if action is None or new in parser._option_string_actions:
        return
    action.option_strings = [new if s == old else s for s in action.option_strings]
    parser._option_string_actions[new] = action  # old stays mapped: a hidden alias


def _terminal_columns() -> int:
    """``shutil.get_terminal_size().columns`` (``COLUMNS``, else stdout's terminal, else 80),
    without importing shutil: argparse's formatter imports it (with bz2, lzma and fnmatch,
    ~1.7 ms) on every ``add_argument``, a few percent of a one-file ``callcore audio transcode``."""
    try:
        columns = int(os.environ["COLUMNS"])
    except (KeyError, ValueError):
        columns = 0
    if columns <= 0:
        try:
            columns = os.get_terminal_size(sys.__stdout__.fileno()).columns  # type: ignore[union-attr]
        except (AttributeError, ValueError, OSError):
            columns = 0
    return columns or 80


class _PlainFormatter(argparse.HelpFormatter):
    """argparse's formatter, its default width taken from :func:`_terminal_columns`."""

    def __init__(self, prog: str, indent_increment: int = 2, max_help_position: int = 24,
                 width: int | None = None) -> None:
        # argparse's own default: the terminal's columns minus 2
        super().__init__(prog, indent_increment, max_help_position,
                         _terminal_columns() - 2 if width is None else width)


class CommandParser(argparse.ArgumentParser):
    """The parser of every ``callcore`` command: argparse's, with :class:`_PlainFormatter` as
    the default formatter. Subcommand parsers are made of the parent's class (argparse's
    ``add_subparsers`` default), so one root parser of this class covers every command."""

    def __init__(self, **options: Any) -> None:
        options.setdefault("formatter_class", _PlainFormatter)
        super().__init__(**options)


class _HelpFormatter(_PlainFormatter):
    """Wraps one-paragraph descriptions as usual but keeps text with line breaks as written
    (the examples and exit-code lists added here)."""

    def _fill_text(self, text: str, width: int, indent: str) -> str:
        if "\n" in text:
            return "".join(indent + line for line in text.splitlines(keepends=True))
        return super()._fill_text(text, width, indent)


def _keep_lines(parser: argparse.ArgumentParser) -> None:
    if parser.formatter_class in (argparse.HelpFormatter, _PlainFormatter):  # a command's own choice is kept
        parser.formatter_class = _HelpFormatter


def apply(parser: argparse.ArgumentParser) -> None:
    """Examples, exit codes and renamed flags on every command of the assembled *parser*."""
    _keep_lines(parser)
    parser.epilog = ((parser.epilog + "\n\n") if parser.epilog else "") + EXIT_CODES_TEXT
    commands = subcommands(parser)
    for path, sub in commands.items():
        example = EXAMPLES.get(path)
        if example and "example:" not in (sub.epilog or ""):
            _keep_lines(sub)
            sub.epilog = ((sub.epilog + "\n\n") if sub.epilog else "") + f"example:\n  {example}"
    for path, old, new in RENAMED:
        if path in commands:
            rename(commands[path], old, new)
    for path, new, old in HIDDEN_ALIASES:
        aliased = commands.get(path)
        if aliased is not None and new in aliased._option_string_actions:
            aliased._option_string_actions.setdefault(old, aliased._option_string_actions[new])


# --- shell completion ------------------------------------------------------------------------

def bash_completion(parser: argparse.ArgumentParser) -> str:
    """A static bash completion script for *parser*'s commands and options."""
    commands = subcommands(parser)
    children: dict[str, list[str]] = {}
    for key in commands:
        parent, _, name = key.rpartition(" ")
        children.setdefault(parent, []).append(name)
    lines = ["# bash completion for callcore (generated by `callcore completion bash`)",
             "_callcore() {",
             "    local cur=\"${COMP_WORDS[COMP_CWORD]}\" path=\"\" words i",
             "    # the command path typed so far: each word that names a subcommand of the path extends it",
             "    for ((i = 1; i < COMP_CWORD; i++)); do",
             "        case \"$path\" in"]
    for parent, names in children.items():
        branches = " ".join(f"{n}) path=\"{(parent + ' ' + n).strip()}\" ;;" for n in names)
        lines.append(f"            \"{parent}\") case \"${{COMP_WORDS[i]}}\" in {branches} esac ;;")
    lines += ["        esac", "    done", "    case \"$path\" in"]
    for key, sub in {"": parser, **commands}.items():
        words = {s for a in sub._actions for s in a.option_strings if a.help != argparse.SUPPRESS}
        words |= set(children.get(key, []))
        lines.append(f"        \"{key}\") words=\"{' '.join(sorted(words))}\" ;;")
    lines += ["    esac",
              "    COMPREPLY=($(compgen -W \"$words\" -- \"$cur\"))",
              "    [[ ${#COMPREPLY[@]} -eq 0 ]] && COMPREPLY=($(compgen -f -- \"$cur\"))",
              "}",
              "complete -o filenames -F _callcore callcore",
              ""]
    return "\n".join(lines)


def register_completion(sub: argparse._SubParsersAction, root: argparse.ArgumentParser) -> None:  # type: ignore[type-arg]
    p = sub.add_parser("completion", help="print a shell completion script",
                       description="Print a bash completion script for callcore (commands and options).")
    p.add_argument("shell", choices=["bash"])

    def run(args: argparse.Namespace) -> int:
        print(bash_completion(root))
        return EXIT_OK

    p.set_defaults(func=run, needs_cli_extra=False)


# --- preflight -------------------------------------------------------------------------------

class PreflightError(ValueError):
    """A URL or port that cannot work, found before the command starts."""


def check_url(url: str, flag: str) -> tuple[str, str, int]:
    """(scheme, host, port) of an http(s) URL, or a PreflightError naming *flag* and the fix."""
    from urllib.parse import urlsplit

    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        hint = f"https://{url}" if "://" not in url else None
        raise PreflightError(f"{flag} {url!r}: not an http(s) URL (no scheme)"
                             + (f"; did you mean {hint!r}?" if hint else ""))
    try:
        port = parts.port or (443 if parts.scheme == "https" else 80)
    except ValueError:
        raise PreflightError(f"{flag} {url!r}: the port is not a number in 1-65535") from None
    if not parts.hostname:
        raise PreflightError(f"{flag} {url!r}: no host")
    return parts.scheme, parts.hostname, port


def preflight(url: str, flag: str, timeout: float = 3.0) -> None:
    """Connects once to *url*'s host and port (and, for https, shakes hands) within *timeout*
    seconds, so that a refused connection or plain HTTP behind an https URL is reported at once
    with its cause instead of after the clients' retries. TLS certificates are not judged here:
    the client does that with its own settings (``--ca-file``)."""
    import socket
    import ssl

    scheme, host, port = check_url(url, flag)
    try:
        sock = socket.create_connection((host, port), timeout=timeout)
    except socket.gaierror as e:
        raise PreflightError(f"{flag} {url!r}: cannot resolve host {host!r} ({e.strerror})") from None
    except ConnectionRefusedError:
        raise PreflightError(f"{flag} {url!r}: connection refused by {host}:{port} "
                             "(nothing listens there: is the service running, is the port right?)") from None
    except TimeoutError:
        raise PreflightError(f"{flag} {url!r}: no answer from {host}:{port} within {timeout:g} s "
                             "(a firewall, or the wrong host?)") from None
    except OSError as e:
        raise PreflightError(f"{flag} {url!r}: cannot connect to {host}:{port} ({e.strerror or e})") from None
    with sock:
        if scheme != "https":
            return
        ctx = ssl.create_default_context()
        ctx.check_hostname = False
        ctx.verify_mode = ssl.CERT_NONE
        sock.settimeout(timeout)
        try:
            with ctx.wrap_socket(sock, server_hostname=host):
                pass
        except ssl.SSLError as e:
            if "WRONG_VERSION_NUMBER" in str(e) or "wrong version number" in str(e) or "record layer" in str(e):
                raise PreflightError(f"{flag} {url!r}: {host}:{port} speaks plain HTTP, not TLS: "
                                     f"use http://{host}:{port} or the platform's https port") from None
            raise PreflightError(f"{flag} {url!r}: TLS handshake with {host}:{port} failed ({e.reason or e})") from None
        except (TimeoutError, OSError) as e:
            raise PreflightError(f"{flag} {url!r}: TLS handshake with {host}:{port} failed ({e})") from None


def check_port_free(host: str, port: int) -> None:
    """A PreflightError when *port* on *host* is taken (0 picks a free one)."""
    import errno
    import socket

    if not port:
        return
    with socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET, socket.SOCK_STREAM) as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            s.bind((host, port))
        except OSError as e:
            if e.errno == errno.EADDRINUSE:
                raise PreflightError(f"--port {port}: already in use on {host} (another sandbox or service?); "
                                     "choose another port, or --port 0 for any free one") from None
            raise PreflightError(f"--host {host} --port {port}: cannot listen there ({e.strerror})") from None


#: the options holding a platform URL, checked (and connected to) before the command runs
URL_FLAGS = (("endpoint", "--endpoint"), ("files_url", "--files-url"))


def run_preflight(args: argparse.Namespace) -> None:
    # a command's own rules on its options (set_defaults(check=...)): usage errors come before
    # any network check
    check = getattr(args, "check", None)
    if check is not None:
        check(args)
    for attr, flag in URL_FLAGS:
        url = getattr(args, attr, None)
        if url:
            preflight(url, flag)
    if getattr(args, "command", None) == "sandbox" and isinstance(getattr(args, "port", None), int):
        check_port_free(getattr(args, "host", "127.0.0.1"), args.port)
