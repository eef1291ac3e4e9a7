"""A server that echoes the whole request (request line, query string, headers, body) into its error
text must not get a credential printed: not in an exception's message, repr or body, not on the
CLI's stderr. Secrets: 八百呼 ``sa_password``, 九五 ``client_secret`` and its access token, the SCCC
password and the per-request digest (issue 11 item 6)."""
from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any, Iterator
from urllib.parse import quote, quote_plus

import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from callcore.platforms import errors as E
from callcore.platforms.babaihu import AsyncBabaihuClient, BabaihuClient, TaskRecord
from callcore.platforms.hl95 import AsyncHl95Client, Hl95Client
from callcore.platforms.sccc import AsyncScccClient, ScccClient
from callcore.sandbox._server import ServerThread

BH_PASSWORD = "92868f142be5dd78dd0acf4370b4eb94"  # given lowercase; the client sends it uppercase
HL_SECRET = "s3cr3t/+= 九五&x;y"  # characters that URL and JSON encoding change
HL_TOKEN = "0d1f2e3c-4b5a-6978-8a9b-acbdcedfe0f1"
SC_PASSWORD = "E416D0F85DC0CB67C85E070A32D9F0123AFF4762"
MODE: dict[str, Any] = {"shape": "platform"}
SEEN: dict[str, list[str]] = {"digests": []}


async def echo(req: Request) -> Response:
    body = await req.body()
    # the body and the query first, where the secrets are: our messages keep only a snippet's head
    text = (body.decode("utf-8", "replace") + f"\n{req.method} {req.url.path}?{req.url.query}\n"
            + "".join(f"{k}: {v}\n" for k, v in req.headers.items()))
    if req.url.path.startswith("/openapi/"):
        SEEN["digests"].append(json.loads(body)["authentication"]["digest"])
    shape = MODE["shape"]
    if req.url.path == "/oauth/token" and shape != "token":
        return JSONResponse({"access_token": HL_TOKEN, "token_type": "bearer", "expires_in": 7200})
    if shape == "html":
        return Response(f"<html><body><h1>500</h1><pre>{text}</pre></body></html>", 500, media_type="text/html")
    if shape == "text":
        return Response(text, 200, media_type="text/plain")
    if shape == "truncated":  # the secret cut in half by our 120-character snippet of a 5xx page
        return Response(text[text.index("sa_password=") - 100:] if "sa_password=" in text else text, 502,
                        media_type="text/plain")
    if req.url.path == "/oauth/token":
        return JSONResponse({"error": "invalid_client", "error_description": text}, 401)
    if req.url.path.startswith("/openapi/"):
        return JSONResponse({"result": {"error": 1, "msg": text}, "data": {"seq": ""}, "logs": text})
    if "jsondata" in req.url.path:
        return JSONResponse({"code": -2, "message": text, "echo": [text]})
    return JSONResponse({"code": -1, "message": text, "success": False})


@pytest.fixture(scope="module")
def server() -> Iterator[str]:
    s = ServerThread(Starlette(routes=[Route("/{p:path}", echo, methods=["GET", "POST"])]))
    s.start()
    yield f"http://127.0.0.1:{s.port}"
    s.stop()


def spellings(secret: str) -> list[str]:
    return [f for v in (secret, secret.upper(), secret.lower())
            for f in (v, quote_plus(v), quote(v, safe=""), json.dumps(v)[1:-1], v[:6])]


def assert_clean(text: str, *secrets: str) -> None:
    for s in secrets:
        for f in spellings(s):
            assert f not in text, f"{f!r} leaked into: {text[:400]!r}"


def exc_text(e: BaseException) -> str:
    return "\n".join([str(e), repr(e), json.dumps(getattr(e, "body", None), ensure_ascii=False, default=str),
                      getattr(e, "meaning", "")])


@pytest.mark.parametrize("shape", ["platform", "html", "text", "truncated"])
def test_babaihu_error_text_never_holds_sa_password(server: str, shape: str) -> None:
    MODE["shape"] = shape
    with BabaihuClient(server, "100008800", BH_PASSWORD) as c:
        for call in (lambda: c.add_task("t", [TaskRecord("13800000000")], flow_name="外呼流程"), c.blacklist):
            with pytest.raises(E.PlatformError) as ei:
                call()
            if shape == "platform":
                assert ei.value.code == "-2" and "***" in str(ei.value)
            assert_clean(exc_text(ei.value), BH_PASSWORD)


@pytest.mark.parametrize("shape", ["token", "platform", "html", "text"])
def test_hl95_error_text_never_holds_client_secret_or_token(server: str, shape: str) -> None:
    MODE["shape"] = shape
    with Hl95Client(server, "cid-1", HL_SECRET) as c:
        with pytest.raises(E.PlatformError) as ei:
            c.projects()
        assert_clean(exc_text(ei.value), HL_SECRET, HL_TOKEN)
        if shape == "token":
            assert isinstance(ei.value, E.AuthenticationError) and "***" in str(ei.value)


@pytest.mark.parametrize("shape", ["platform", "html", "text"])
def test_sccc_error_text_never_holds_password_or_digest(server: str, shape: str) -> None:
    MODE["shape"] = shape
    SEEN["digests"].clear()
    with ScccClient(server, "C2", SC_PASSWORD) as c:
        with pytest.raises(E.PlatformError) as ei:
            c.query_task("8000")
    assert SEEN["digests"], "the request reached the server"
    assert_clean(exc_text(ei.value), SC_PASSWORD, *SEEN["digests"])


def test_async_clients_scrub_too(server: str) -> None:
    MODE["shape"] = "platform"
    SEEN["digests"].clear()

    async def run() -> list[BaseException]:
        out = []
        async with AsyncBabaihuClient(server, "100008800", BH_PASSWORD) as b, \
                AsyncHl95Client(server, "cid-1", HL_SECRET) as h, AsyncScccClient(server, "C2", SC_PASSWORD) as s:
            for call in (b.blacklist, h.projects, lambda: s.query_task("8000")):
                try:
                    await call()
                except E.PlatformError as e:
                    out.append(e)
        return out

    errs = asyncio.run(run())
    assert len(errs) == 3
    for e in errs:
        assert_clean(exc_text(e), BH_PASSWORD, HL_SECRET, HL_TOKEN, SC_PASSWORD, *SEEN["digests"])


def test_scrub_is_not_fooled_by_encodings() -> None:
    E.hold_secret("pa ss/wörd+1")
    text = "a pa+ss%2Fw%C3%B6rd%2B1 b pa%20ss%2Fw%C3%B6rd%2B1 c \"pa ss/w\\u00f6rd+1\" d PA SS/WÖRD+1 e pa ss/wö..."
    out = E.scrub(text)
    assert "ss" not in out.replace("***", "") and out.count("***") == 5, out
    assert E.scrub({"k": ["x pa ss/wörd+1"]}) == {"k": ["x ***"]}
    assert E.scrub("error 1 of 20") == "error 1 of 20"


CLI_CASES = {
    "babaihu": (["--flow-name", "外呼流程"], {"CALLCORE_ACCESS_KEY": "100008800", "CALLCORE_SECRET_KEY": BH_PASSWORD},
                {"CALLCORE_BABAIHU_PASSWORD": BH_PASSWORD}, ["--sa-user", "100008800"], BH_PASSWORD),
    "hl95": ([], {"CALLCORE_ACCESS_KEY": "cid-1", "CALLCORE_SECRET_KEY": HL_SECRET},
             {"CALLCORE_HL95_CLIENT_SECRET": HL_SECRET}, ["--client-id", "cid-1"], HL_SECRET),
    "sccc": (["--agent", "8000"], {"CALLCORE_ACCESS_KEY": "C2", "CALLCORE_SECRET_KEY": SC_PASSWORD},
             {"CALLCORE_SCCC_PASSWORD": SC_PASSWORD}, ["--customer", "C2"], SC_PASSWORD),
}


@pytest.mark.parametrize("platform", sorted(CLI_CASES))
def test_cli_stderr_never_holds_the_secret(server: str, platform: str, tmp_path: Path) -> None:
    MODE["shape"] = "token" if platform == "hl95" else "platform"
    SEEN["digests"].clear()
    imp_opts, imp_env, sync_env, sync_opts, secret = CLI_CASES[platform]
    lst = tmp_path / "list.csv"
    lst.write_text("phone\n13800138000\n13900139000\n", encoding="utf-8")
    base = {k: v for k, v in os.environ.items() if not k.startswith("CALLCORE_")}
    runs = [
        (["outbound", "import", str(lst), "--platform", platform, "--campaign", "7", "--endpoint", server,
          "--quiet", *imp_opts], imp_env),
        (["recordings", "sync", "--platform", platform, "--from", "2026-01-01", "--to", "2026-01-02",
          "--output", str(tmp_path / "rec"), "--endpoint", server, "--quiet", *sync_opts], sync_env),
    ]
    for argv, env in runs:
        p = subprocess.run([sys.executable, "-m", "callcore.cli", *argv], env={**base, **env}, capture_output=True,
                           text=True, timeout=120)
        assert p.returncode != 0, p.stdout
        assert "***" in p.stderr or platform == "sccc", p.stderr  # the echo reached the message, scrubbed
        assert_clean(p.stdout + p.stderr, secret, HL_TOKEN, *SEEN["digests"])
        journal_text = "".join(f.read_text("utf-8", "replace") for f in tmp_path.rglob("*")
                               if f.is_file() and f.suffix in (".csv", ".json", ".jsonl", ".txt", ".log"))
        assert_clean(journal_text, secret)


from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

ENCODINGS = [lambda v: v, quote_plus, lambda v: quote(v, safe=""), lambda v: json.dumps(v)[1:-1],
             lambda v: json.dumps(v, ensure_ascii=False)[1:-1], str.upper, str.lower]


# secrets whose case mapping keeps their length (so that matching without case is well defined) and
# without "*", the redaction mark itself
SECRETS = st.text(st.characters(blacklist_characters="*", blacklist_categories=("Cs",)), min_size=E.MIN_SECRET_LEN,
                  max_size=40).filter(lambda v: v.strip() == v and len(v.upper()) == len(v) == len(v.lower())
                                      and v.upper().lower() == v.lower())


@settings(max_examples=150, deadline=None)
@given(secret=SECRETS, before=st.text(max_size=30), after=st.text(max_size=30),
       enc=st.sampled_from(range(len(ENCODINGS))), cut=st.integers(min_value=0, max_value=200))
def test_scrub_property(secret: str, before: str, after: str, enc: int, cut: int) -> None:
    """Whatever surrounds it and however it is spelled, a secret does not survive scrubbing; nor
    does its head where a snippet was cut inside it (scrub's extra= path, the one the held secrets
    take, without holding random values for the rest of the process)."""
    form = ENCODINGS[enc](secret)
    assert form.lower() not in E.scrub(before + form + after, (secret,)).lower()
    k = cut % (len(form) + 1)
    if k >= E.MIN_SECRET_LEN:
        snippet = E.scrub(before + form[:k] + "...", (secret,))
        assert snippet.endswith("...") and not snippet[:-3].lower().endswith(form[:k].lower()), snippet
