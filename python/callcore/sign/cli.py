"""``callcore sign ...``: sign and verify from the shell, and a loopback demo."""

from __future__ import annotations

import argparse
import json
import os
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qsl, quote, urlsplit

SECRET_ENV = "CALLCORE_SECRET_KEY"


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = sub.add_parser("sign", help="request signing (Huawei auth-v2, SCCC digest, ...)")
    cmds = p.add_subparsers(dest="sign_command", metavar="SUBCOMMAND", required=True)

    a = cmds.add_parser("auth-v2", help="print the auth-v2 Authorization value of a request")
    a.add_argument("url", help="full URL, e.g. https://10.22.26.181:28080/rest/cmsapp/v1/ping?x=1")
    a.add_argument("-X", "--method", default="POST")
    a.add_argument("-d", "--data", default=None, help="body; @FILE reads a file")
    a.add_argument("-H", "--header", action="append", default=[], metavar="NAME:VALUE", help="extra header to sign")
    a.add_argument("--content-type", default="application/json;charset=UTF-8")
    a.add_argument("--access-key", required=True)
    a.add_argument(
        "--secret-key-env", default=SECRET_ENV, metavar="VAR",
        help=f"environment variable holding the secret key (default {SECRET_ENV}); never pass secrets on the command line",
    )
    a.add_argument("--timestamp", default=None, help="sign at this timestamp instead of now")
    a.add_argument(
        "--timestamp-millis", action=argparse.BooleanOptionalAction, default=None,
        help="sign with a millisecond timestamp (2018-10-17T11:48:24.000Z, seed 4.3 code); the default is "
             "seconds (2018-10-17T11:48:24Z), the form Huawei's demo signs and its verifier rebuilds",
    )
    a.add_argument("--no-millis", action="store_true", help=argparse.SUPPRESS)  # the former spelling of seconds
    a.add_argument("--canonical", action="store_true", help="also print the CanonicalRequest")
    a.set_defaults(func=_cmd_auth_v2)

    s = cmds.add_parser("sccc", help="print an SCCC authentication block")
    s.add_argument("--customer", required=True)
    s.add_argument("--secret-key-env", default=SECRET_ENV, metavar="VAR", help="variable holding the SCCC password")
    s.add_argument("--timestamp", type=int, default=None)
    s.add_argument("--seq", type=int, default=None)
    s.set_defaults(func=_cmd_sccc)

    d = cmds.add_parser("demo", help="sign requests with httpx and verify them on a loopback server")
    d.set_defaults(func=lambda args: run_demo())


def _secret(var: str) -> str:
    value = os.environ.get(var)
    if not value:
        raise ValueError(f"the secret key is read from ${var}, which is not set")
    return value


def _timestamp_millis(args: argparse.Namespace) -> bool:
    from callcore.sign.httpx_auth import DEFAULT_TIMESTAMP_MILLIS

    if args.no_millis and args.timestamp_millis:
        raise ValueError("--no-millis and --timestamp-millis contradict each other")
    if args.no_millis:
        return False
    return DEFAULT_TIMESTAMP_MILLIS if args.timestamp_millis is None else args.timestamp_millis


def _cmd_auth_v2(args: argparse.Namespace) -> int:
    from callcore.sign import auth_v2, canonical_request

    secret = _secret(args.secret_key_env)
    parts = urlsplit(args.url)
    if not parts.hostname:
        raise ValueError(f"url: {args.url!r} has no host")
    body: bytes = b""
    if args.data is not None:
        body = open(args.data[1:], "rb").read() if args.data.startswith("@") else args.data.encode()
    headers = {"host": parts.netloc.rsplit("@", 1)[-1]}
    if body:
        headers["content-length"] = str(len(body))
    if args.content_type:
        headers["content-type"] = args.content_type
    for h in args.header:
        name, sep, value = h.partition(":")
        if not sep:
            raise ValueError(f"--header: {h!r} is not NAME:VALUE")
        headers[name.strip()] = value.strip()
    query = dict(parse_qsl(parts.query, keep_blank_values=True)) or None
    # the path as a client puts it on the wire (percent-encoded UTF-8; an escape already written
    # stays as written): auth-v2 signs the request target's path unchanged (001:1442)
    path = quote(parts.path or "/", safe="/%!$&'()*+,;=:@~-._")
    if args.canonical:
        print(canonical_request(args.method, path, headers=headers, body=body, query=query))
        print()
    for k, v in headers.items():
        print(f"{k}: {v}")
    auth = auth_v2(
        args.method, path, headers=headers, access_key=args.access_key, secret_key=secret,
        timestamp=args.timestamp, body=body, query=query, millis=_timestamp_millis(args),
    )
    print(f"authorization: {auth}")
    return 0


def _cmd_sccc(args: argparse.Namespace) -> int:
    from callcore.sign import sccc_authentication

    block = sccc_authentication(args.customer, _secret(args.secret_key_env), timestamp=args.timestamp, seq=args.seq)
    print(json.dumps({"authentication": block}, ensure_ascii=False))
    return 0


# --- demo ----------------------------------------------------------------------------------

DEMO_AK = "globalaktest"
DEMO_SK = "EXAMPLE-SK-NOT-FROM-SEED"  # the placeholder of auth.md's derived vectors, not a real secret


def _serve(verifier: object) -> ThreadingHTTPServer:
    from callcore.sign import AuthError, Verifier

    assert isinstance(verifier, Verifier)

    class Handler(BaseHTTPRequestHandler):
        def _handle(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length else b""
            try:
                # self.path is the request target as received: verified raw (Verifier.verify_target)
                ak = verifier.verify_target(self.command, self.path, headers=list(self.headers.items()), body=body)
                status, answer = 200, {"resultCode": "0", "accessKey": ak}
            except AuthError as e:
                status, answer = 401, {"resultCode": "401", "error": type(e).__name__, "message": str(e)}
            data = json.dumps(answer).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        do_POST = do_GET = _handle

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


def run_demo() -> int:
    """Sign real requests with httpx, verify them on a loopback server, and show what a tampered,
    unknown-key or skewed request gets. Returns 0 when every outcome is the expected one."""
    import httpx
    from rich.console import Console
    from rich.table import Table

    from callcore.sign import Verifier, auth_v2, auth_v2_many
    from callcore.sign.httpx_auth import AuthV2

    console = Console()
    server = _serve(Verifier({DEMO_AK: DEMO_SK}))
    base = f"http://127.0.0.1:{server.server_address[1]}"
    table = Table(title="auth-v2 over loopback (httpx client, callcore Verifier server)")
    for col in ("request", "expected", "got", "server says"):
        table.add_column(col)
    ok = True

    def check(label: str, expected: int, response: httpx.Response) -> None:
        nonlocal ok
        body = response.json()
        ok &= response.status_code == expected
        mark = "[green]" if response.status_code == expected else "[red]"
        table.add_row(label, str(expected), f"{mark}{response.status_code}", body.get("error") or "verified")

    try:
        good = AuthV2(DEMO_AK, DEMO_SK)
        with httpx.Client(base_url=base, auth=good) as client:
            check("POST /rest/cmsapp/v1/ping", 200, client.post("/rest/cmsapp/v1/ping", content=b'{"say":"Hello world!"}', headers={"Content-Type": "application/json;charset=UTF-8"}))
            check("GET with query", 200, client.get("/rest/isales/v1/openapi/campaigns/1/queryBusinessResults", params={"pageSize": "10", "pageNum": "1"}))
            check("unicode body", 200, client.post("/rest/isales/v2/openapi/campaigns/1/callData", json={"called": "13800138000", "customField": "张三 VIP"}))
        with httpx.Client(base_url=base, auth=AuthV2("someone-else", DEMO_SK)) as client:
            check("unknown access key", 401, client.post("/rest/cmsapp/v1/ping", content=b"{}"))
        with httpx.Client(base_url=base) as client:
            req = client.build_request("POST", "/rest/cmsapp/v1/ping", content=b'{"say":"Hello world!"}')
            good.sign(req)
            req = client.build_request("POST", "/rest/cmsapp/v1/ping", content=b'{"say":"Hello world?"}', headers={"Authorization": req.headers["Authorization"]})
            check("body tampered after signing", 401, client.send(req))
            req = client.build_request("POST", "/rest/cmsapp/v1/ping", content=b"{}")
            stale = auth_v2("POST", "/rest/cmsapp/v1/ping", headers={"host": req.headers["host"], "content-length": "2"}, access_key=DEMO_AK, secret_key=DEMO_SK, timestamp="2018-10-17T11:48:24.000Z", body=b"{}")
            req.headers["Authorization"] = stale
            check("signed in 2018 (clock skew)", 401, client.send(req))
    finally:
        server.shutdown()
    console.print(table)

    # The seed-derived vector (auth.md 4.2.3), recomputed.
    vector = auth_v2(
        "POST", "/rest/cmsapp/v1/ping",
        headers={"host": "10.22.26.181:28080", "Content-Length": "22", "Content-Type": "application/json;charset=UTF-8"},
        access_key=DEMO_AK, secret_key=DEMO_SK, timestamp="2018-10-17T11:48:24Z", body=b'{"say":"Hello world!"}',
    )
    expected = "auth-v2/globalaktest/2018-10-17T11:48:24Z/content-length;content-type;host/97ad57212b6670aec82b39b1543ffd36586a7419f378174ae55f2c562cdce460"
    ok &= vector == expected
    console.print(f"derived vector (auth.md 4.2.3): {'[green]matches' if vector == expected else '[red]DIFFERS'}[/] {vector}")

    n = 200_000
    reqs = [("POST", "/rest/isales/v1/openapi/campaigns/1/callData", {"host": "10.22.26.181:28080", "content-type": "application/json;charset=UTF-8", "content-length": "200"}, b"x" * 200)] * n
    t0 = time.perf_counter()
    auth_v2_many(reqs, access_key=DEMO_AK, secret_key=DEMO_SK)
    dt = time.perf_counter() - t0
    console.print(f"batch signing: {n:,} requests with 200-byte bodies in {dt:.3f} s ({n / dt:,.0f} signatures/s on {os.cpu_count()} cores)")
    console.print("[green]demo OK[/]" if ok else "[red]demo FAILED: an outcome differed from the expected one[/]")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(run_demo())
