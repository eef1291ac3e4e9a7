"""The signed path (issue 10 item 2): the signer signs the path as it goes on the wire and a server
verifies the request target as it arrives, never the path its framework decoded.

Both directions over real HTTP on loopback: callcore's clients against a server verifying with
``Verifier.verify_asgi`` (and against the Huawei sandbox), and requests signed by the independent
pure-Python reference (tests/sign/reference.py) sent byte by byte over a socket to the same
server and to ``Verifier.verify_target``.
"""

from __future__ import annotations

import json
import socket
from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from urllib.parse import quote

import httpx
import pytest
import reference
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from callcore import sign
from callcore.platforms import errors as E
from callcore.platforms.huawei import CallData, CampaignSpec, HuaweiClient, ScheduleParam
from callcore.sandbox._server import ServerThread
from callcore.sandbox.huawei import HuaweiSandbox
from callcore.sign.httpx_auth import AuthV2

AK, SK = "ak-path", "sk-path-秘密"
# spaces, CJK, '%' (alone and forming an escape), '+', ';' and a mix of them
FMT = "%Y-%m-%d %H:%M:%S"
AWKWARD = ["数据 1", "a b", "100%", "100%25", "a+b", "a;b", "x;y=1+2 数据%"]


@pytest.fixture
def huawei_sandbox() -> Iterator[HuaweiSandbox]:
    with HuaweiSandbox() as sb:
        yield sb


@pytest.fixture
def huawei_client(huawei_sandbox: HuaweiSandbox) -> Iterator[HuaweiClient]:
    with HuaweiClient(huawei_sandbox.url, huawei_sandbox.access_key, huawei_sandbox.secret_key, vdn_id=1) as c:
        yield c


@pytest.fixture(scope="module")
def echo_server() -> Iterator[str]:
    """Verifies every request from its ASGI scope and echoes the decoded path segment and query."""
    verifier = sign.Verifier({AK: SK})

    async def echo(req: Request) -> JSONResponse:
        body = await req.body()
        try:
            ak = verifier.verify_asgi(req.scope, body)
        except sign.AuthError as e:
            return JSONResponse({"error": type(e).__name__, "detail": str(e)}, status_code=401)
        return JSONResponse({"ak": ak, "segment": req.path_params["segment"], "query": dict(req.query_params)})

    server = ServerThread(Starlette(routes=[Route("/items/{segment}", echo, methods=["GET", "POST"])]))
    server.start()
    yield f"http://127.0.0.1:{server.port}"
    server.stop()


@pytest.mark.parametrize("value", AWKWARD)
def test_httpx_auth_to_verifying_server(echo_server: str, value: str) -> None:
    with httpx.Client(base_url=echo_server, auth=AuthV2(AK, SK)) as c:
        r = c.get("/items/" + quote(value, safe=""), params={"q": value, "k;": "v+w"})
    assert r.status_code == 200, r.text
    assert r.json() == {"ak": AK, "segment": value, "query": {"q": value, "k;": "v+w"}}


@pytest.mark.parametrize("millis", [False, True])
@pytest.mark.parametrize("value", AWKWARD)
def test_reference_signed_raw_request_to_verifying_server(echo_server: str, value: str, millis: bool) -> None:
    """A request signed by the independent reference over the encoded target, sent raw."""
    port = int(echo_server.rsplit(":", 1)[1])
    host = f"127.0.0.1:{port}"
    path = "/items/" + quote(value, safe="")
    query = {"q": value}
    target = path + "?q=" + quote(value, safe="")  # %20 for a space here: the server must decode either
    ts = sign.format_timestamp(datetime.now(timezone.utc), millis=millis)
    auth = reference.auth_v2("GET", path, {"host": host}, AK, SK, ts, query=query)
    status, answer = _raw_get(port, target, [("Host", host), ("Authorization", auth)])
    assert status == 200, answer
    assert answer["segment"] == value and answer["query"] == query


def test_decoded_path_is_refused(echo_server: str) -> None:
    """Signing the decoded path (what the sandbox used to verify) does not match the target sent."""
    port = int(echo_server.rsplit(":", 1)[1])
    host = f"127.0.0.1:{port}"
    ts = sign.format_timestamp(datetime.now(timezone.utc), millis=False)
    auth = reference.auth_v2("GET", "/items/数据 1", {"host": host}, AK, SK, ts)
    status, answer = _raw_get(port, "/items/" + quote("数据 1", safe=""), [("Host", host), ("Authorization", auth)])
    assert status == 401 and answer["error"] == "SignatureMismatch"


@pytest.mark.parametrize("value", AWKWARD)
def test_verify_target_direct(value: str) -> None:
    verifier = sign.Verifier({AK: SK}, max_skew=None)
    path = "/rest/isales/v1/openapi/campaigns/1/calldata/2/" + quote(value, safe="")
    headers = {"host": "10.0.0.1:28080", "content-type": "application/json;charset=UTF-8"}
    for millis in (False, True):
        ts = sign.format_timestamp(datetime(2024, 5, 6, 7, 8, 9, 123000, tzinfo=timezone.utc), millis=millis)
        auth = reference.auth_v2("GET", path, headers, AK, SK, ts, query={"name": value})
        for target in (path + "?name=" + quote(value, safe=""), path + "?name=" + quote(value, safe="").replace("%20", "+")):
            assert verifier.verify_target("GET", target, headers={**headers, "authorization": auth}) == AK
            assert verifier.verify_target("GET", target.encode(), headers={**headers, "authorization": auth}) == AK


def test_verify_target_refuses_repeated_query_key() -> None:
    verifier = sign.Verifier({AK: SK}, max_skew=None)
    headers = {"host": "h"}
    auth = reference.auth_v2("GET", "/p", headers, AK, SK, "2024-05-06T07:08:09Z", query={"a": "1"})
    assert verifier.verify_target("GET", "/p?a=1", headers={**headers, "authorization": auth}) == AK
    with pytest.raises(sign.MalformedAuthorization, match="'a' is given more than once"):
        verifier.verify_target("GET", "/p?a=1&a=2", headers={**headers, "authorization": auth})


def test_verify_target_refuses_raw_non_ascii_path() -> None:
    verifier = sign.Verifier({AK: SK}, max_skew=None)
    with pytest.raises(sign.MalformedAuthorization, match="non-ASCII"):
        verifier.verify_target("GET", "/数据".encode(), headers={"host": "h", "authorization": "x"})


@pytest.mark.parametrize("value", AWKWARD)
def test_huawei_client_query_number_awkward_ids_pass_auth(huawei_sandbox: HuaweiSandbox,
                                                          huawei_client: HuaweiClient, value: str) -> None:
    """``query_number(1, "数据 1")`` used to get 401 from our own sandbox. Now the request is
    authenticated and the platform answers on the dataId itself: the seed types it int
    (001:26058), so a non-numeric id is 02000006, not an authentication failure."""
    cid = _campaign(huawei_client)
    with pytest.raises(E.PlatformError) as ei:
        huawei_client.query_number(cid, value)
    assert ei.value.code == "02000006", ei.value


def test_huawei_client_query_number_found(huawei_sandbox: HuaweiSandbox, huawei_client: HuaweiClient) -> None:
    cid = _campaign(huawei_client)
    huawei_client.add_numbers(cid, [CallData(called="13800000001", sessionId="s1")])
    data_id = huawei_sandbox.app.state.row("SELECT id FROM calldata WHERE campaign=?", (cid,))["id"]
    got = huawei_client.query_number(cid, str(data_id))
    assert got["calledNos"][0]["calledNo"] == "13800000001"


def _campaign(client: HuaweiClient) -> int:
    now = datetime.now()
    return client.create_campaign(CampaignSpec(
        name="path", strBeginTime=now.strftime(FMT), strEndTime=(now + timedelta(days=5)).strftime(FMT),
        deviceType=2, callerNo="10085", maxAlertingTime=20, scheduleParam=ScheduleParam("08:00", "11:30"),
        callbackUrl="https://cb.example/r", skillParam={"skillId": 5, "outBoundType": 2, "predictParam": {"predictMethod": 5, "offhookPredictParam": {"offHookRate": 100}}}))


def _raw_get(port: int, target: str, headers: list[tuple[str, str]]) -> tuple[int, dict]:
    lines = [f"GET {target} HTTP/1.1"] + [f"{k}: {v}" for k, v in headers] + ["Connection: close", "", ""]
    with socket.create_connection(("127.0.0.1", port), timeout=10) as s:
        s.sendall("\r\n".join(lines).encode("utf-8"))
        data = b""
        while chunk := s.recv(65536):
            data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    status = int(head.split(b" ", 2)[1])
    return status, json.loads(body or b"{}")


def test_sign_cli_signs_the_encoded_path(echo_server: str) -> None:
    """``callcore sign auth-v2 URL`` with a raw space and CJK in the path signs what curl/httpx send."""
    import os
    import subprocess
    import sys

    url = echo_server + "/items/数据 1"
    env = dict(os.environ, CALLCORE_SECRET_KEY=SK)
    r = subprocess.run([sys.executable, "-m", "callcore.cli", "sign", "auth-v2", url, "-X", "GET", "--content-type", "",
                        "--access-key", AK], capture_output=True, text=True, env=env, timeout=120)
    assert r.returncode == 0, r.stderr
    auth = next(line.split(": ", 1)[1] for line in r.stdout.splitlines() if line.startswith("authorization: "))
    port = int(echo_server.rsplit(":", 1)[1])
    status, answer = _raw_get(port, "/items/" + quote("数据 1", safe=""),
                              [("Host", f"127.0.0.1:{port}"), ("Authorization", auth)])
    assert status == 200 and answer["segment"] == "数据 1", answer
