"""End to end over real HTTP on loopback: httpx clients with the auth objects against servers
that verify with callcore's Verifier, and token providers against a token endpoint."""

from __future__ import annotations

import asyncio
import json
import threading
import time
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, parse_qsl, urlsplit

import httpx
import pytest

from callcore import sign
from callcore.sign.httpx_auth import AuthV2
from callcore.sign.tokens import BearerAuth, HL95OAuthToken, HuaweiAkSkToken, TokenError

AK, SK = "ak-e2e", "sk-e2e-секрет"


def serve(handle: Callable[[BaseHTTPRequestHandler, bytes], tuple[int, dict]]) -> ThreadingHTTPServer:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def _do(self) -> None:
            n = int(self.headers.get("Content-Length") or 0)
            status, answer = handle(self, self.rfile.read(n) if n else b"")
            data = json.dumps(answer).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        do_GET = do_POST = do_PUT = do_DELETE = _do

        def log_message(self, *a: object) -> None:
            pass

    class Server(ThreadingHTTPServer):
        request_queue_size = 128  # the default backlog of 5 resets bursts of parallel connections
        daemon_threads = True

    server = Server(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


@pytest.fixture
def verifying_server() -> Iterator[str]:
    verifier = sign.Verifier({AK: SK})

    def handle(h: BaseHTTPRequestHandler, body: bytes) -> tuple[int, dict]:
        parts = urlsplit(h.path)
        query = dict(parse_qsl(parts.query, keep_blank_values=True)) or None
        try:
            return 200, {"ak": verifier.verify(h.command, parts.path, headers=list(h.headers.items()), body=body, query=query)}
        except sign.AuthError as e:
            return 401, {"error": type(e).__name__}

    server = serve(handle)
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()


def test_httpx_auth_v2_signs_what_it_sends(verifying_server: str) -> None:
    with httpx.Client(base_url=verifying_server, auth=AuthV2(AK, SK)) as c:
        assert c.post("/rest/cmsapp/v1/ping", json={"say": "Hello world!"}).status_code == 200
        assert c.post("/rest/isales/v2/x", json={"名字": "张三", "note": "a b/c"}).status_code == 200
        assert c.get("/rest/isales/v1/q", params={"pageSize": "10", "name": "测试 1", "empty": ""}).status_code == 200
        assert c.put("/rest/isales/v1/campaigns/1", content=b"x" * 100_000).status_code == 200
        assert c.delete("/rest/isales/v1/campaigns/1").status_code == 200
        assert c.post("/p", data={"form": "1"}).status_code == 200
    with httpx.Client(base_url=verifying_server, auth=AuthV2(AK, SK, millis=False)) as c:
        assert c.post("/rest/ccikbs/v1/x", json={}).status_code == 200


def test_httpx_async(verifying_server: str) -> None:
    async def main() -> list[int]:
        async with httpx.AsyncClient(base_url=verifying_server, auth=AuthV2(AK, SK)) as c:
            rs = await asyncio.gather(*(c.post("/p", json={"i": i}) for i in range(20)))
        return [r.status_code for r in rs]

    assert asyncio.run(main()) == [200] * 20


def test_tampered_in_flight_is_rejected(verifying_server: str) -> None:
    with httpx.Client(base_url=verifying_server) as c:
        req = c.build_request("POST", "/p", content=b'{"n":1}', headers={"Content-Type": "application/json"})
        AuthV2(AK, SK).sign(req)
        forged = c.build_request("POST", "/p", content=b'{"n":2}', headers={"Content-Type": "application/json", "Authorization": req.headers["Authorization"]})
        r = c.send(forged)
        assert (r.status_code, r.json()["error"]) == (401, "SignatureMismatch")
    with httpx.Client(base_url=verifying_server, auth=AuthV2(AK, "wrong")) as c:
        assert c.post("/p", json={}).json()["error"] == "SignatureMismatch"


def test_repeated_query_parameter_is_refused() -> None:
    req = httpx.Request("GET", "http://h/p?a=1&a=2")
    with pytest.raises(sign.SignError, match="'a' is repeated"):
        AuthV2(AK, SK).sign(req)


class TokenEndpoint:
    """A token server that counts how often it is asked and can make callers wait."""

    def __init__(self, lifetime: float = 7200, delay: float = 0.0) -> None:
        self.calls = 0
        self.lifetime = lifetime
        self.delay = delay
        self.lock = threading.Lock()
        self.seen: list[dict] = []

    def __call__(self, h: BaseHTTPRequestHandler, body: bytes) -> tuple[int, dict]:
        path = urlsplit(h.path).path
        if path == "/api":  # a protected resource: echoes the bearer token
            return (200, {"auth": h.headers.get("Authorization"), "appkey": h.headers.get("X-APP-Key")})
        time.sleep(self.delay)
        with self.lock:
            self.calls += 1
            n = self.calls
        if path == "/oauth/token":
            form = {k: v[0] for k, v in parse_qs(body.decode()).items()}
            self.seen.append(form)
            if form.get("client_secret") != "s3cret":
                return 400, {"error": "invalid_client", "error_description": "Bad client credentials"}
            return 200, {"access_token": f"tok-{n}", "token_type": "bearer", "expires_in": self.lifetime, "scope": "read,write"}
        data = json.loads(body)
        self.seen.append({"X-Token-Expire": h.headers.get("X-Token-Expire"), **data})
        return 200, {"AccessToken": f"hw-{n}", "ApplyType": "Bearer", "CreateTime": "1545650171", "Expires": str(self.lifetime), "AppKey": data["app_key"], "UserID": "Anonymous"}


@pytest.fixture
def token_server() -> Iterator[tuple[str, TokenEndpoint]]:
    endpoint = TokenEndpoint(delay=0.05)
    server = serve(endpoint)
    yield f"http://127.0.0.1:{server.server_address[1]}", endpoint
    server.shutdown()


def test_one_refresh_under_thread_concurrency(token_server: tuple[str, TokenEndpoint]) -> None:
    base, endpoint = token_server
    provider = HL95OAuthToken(base, "client", "s3cret")
    got: list[str] = []
    threads = [threading.Thread(target=lambda: got.append(provider.get())) for _ in range(16)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert got == ["tok-1"] * 16 and endpoint.calls == 1
    assert endpoint.seen[0]["grant_type"] == "client_credentials"


def test_one_refresh_under_async_concurrency(token_server: tuple[str, TokenEndpoint]) -> None:
    base, endpoint = token_server
    provider = HuaweiAkSkToken(base, "appkey", "appsecret", expire=600)

    async def main() -> list[str]:
        return await asyncio.gather(*(provider.aget() for _ in range(16)))

    assert asyncio.run(main()) == ["hw-1"] * 16 and endpoint.calls == 1
    assert endpoint.seen[0] == {"X-Token-Expire": "600", "app_key": "appkey", "app_secret": "appsecret"}


def test_refreshed_before_expiry() -> None:
    now = [1000.0]
    endpoint = TokenEndpoint(lifetime=600)
    server = serve(endpoint)
    try:
        provider = HL95OAuthToken(f"http://127.0.0.1:{server.server_address[1]}", "client", "s3cret", refresh_margin=60, clock=lambda: now[0])
        assert provider.get() == "tok-1"
        now[0] += 539  # 61 s left: still good
        assert provider.get() == "tok-1"
        now[0] += 2  # 59 s left: inside the margin, refreshed
        assert provider.get() == "tok-2"
        assert endpoint.calls == 2
    finally:
        server.shutdown()


def test_bearer_auth_and_401_retry(token_server: tuple[str, TokenEndpoint]) -> None:
    base, endpoint = token_server
    provider = HuaweiAkSkToken(base, "appkey", "appsecret")
    with httpx.Client(base_url=base, auth=BearerAuth(provider)) as c:
        r = c.get("/api").json()
        assert r == {"auth": "Bearer hw-1", "appkey": "appkey"}


def test_token_errors_are_clear(token_server: tuple[str, TokenEndpoint]) -> None:
    base, _ = token_server
    with pytest.raises(TokenError, match="Bad client credentials|HTTP 400") as info:
        HL95OAuthToken(base, "client", "wrong-secret").get()
    assert "wrong-secret" not in str(info.value)
