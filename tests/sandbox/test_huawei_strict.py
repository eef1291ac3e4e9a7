"""The Huawei sandbox as a strict twin of seed 001: authentication holes (issue 11 item 6) and the
rules written from the seed (issue 10, "the sandboxes as strict twins"). Real HTTP on loopback,
requests signed by the independent reference signer where the test needs to forge something
callcore's own signer refuses to produce."""
from __future__ import annotations

import json
import socket
import sys
from datetime import datetime, timedelta, timezone
from pathlib import Path

import httpx
import pytest

from callcore import sign
from callcore.sandbox.huawei import HuaweiSandbox
from callcore.sign.httpx_auth import AuthV2

sys.path.insert(0, str(Path(__file__).parents[1] / "sign"))
import reference  # noqa: E402

FMT = "%Y-%m-%d %H:%M:%S"
CT = "application/json; charset=UTF-8"


def send_raw(sb: HuaweiSandbox, method: str, target: str, headers: list[tuple[str, str]],
             body: bytes = b"") -> tuple[int, dict]:
    """One request written byte by byte (repeated headers kept as given)."""
    lines = [f"{method} {target} HTTP/1.1"] + [f"{k}: {v}" for k, v in headers]
    lines += [f"Content-Length: {len(body)}", "Connection: close", "", ""]
    with socket.create_connection(("127.0.0.1", sb.server.port), timeout=10) as s:
        s.sendall("\r\n".join(lines).encode("utf-8") + body)
        data = b""
        while chunk := s.recv(65536):
            data += chunk
    head, _, rest = data.partition(b"\r\n\r\n")
    return int(head.split(b" ", 2)[1]), json.loads(rest or b"{}")


def ts_now() -> str:
    return sign.format_timestamp(datetime.now(timezone.utc), millis=False)


@pytest.fixture
def sb() -> HuaweiSandbox:
    with HuaweiSandbox() as s:
        yield s


def signed(sb: HuaweiSandbox, method: str, path: str, body: dict | None = None,
           query: dict | None = None) -> httpx.Response:
    with httpx.Client(base_url=sb.url, auth=AuthV2(sb.access_key, sb.secret_key)) as c:
        content = json.dumps(body, ensure_ascii=False).encode() if body is not None else None
        return c.request(method, path, content=content, params=query, headers={"Content-Type": CT})


# --- authentication holes (issue 11 item 6)


def test_duplicated_signed_header_is_refused(sb: HuaweiSandbox) -> None:
    """Two Content-Type headers, the signature over the last one (the one a dict keeps): a
    platform cannot know which one the signer meant, and the Verifier refuses it; so must the
    sandbox."""
    host = f"127.0.0.1:{sb.server.port}"
    path = "/rest/isales/v1/openapi/campaigns/1"
    hdrs = {"host": host, "content-type": CT}
    auth = reference.auth_v2("GET", path, hdrs, sb.access_key, sb.secret_key, ts_now())
    ok, _ = send_raw(sb, "GET", path, [("Host", host), ("Content-Type", CT), ("Authorization", auth)])
    assert ok == 200
    status, answer = send_raw(sb, "GET", path, [("Host", host), ("Content-Type", "text/plain"),
                                                 ("Content-Type", CT), ("Authorization", auth)])
    assert status == 401 and answer["error"] == "Unauthorized"


def test_duplicated_query_key_is_refused(sb: HuaweiSandbox) -> None:
    host = f"127.0.0.1:{sb.server.port}"
    path = "/rest/isales/v1/openapi/campaigns/1"
    hdrs = {"host": host, "content-type": CT}
    auth = reference.auth_v2("GET", path, hdrs, sb.access_key, sb.secret_key, ts_now(), query={"status": "2"})
    ok, _ = send_raw(sb, "GET", path + "?status=2", [("Host", host), ("Content-Type", CT), ("Authorization", auth)])
    assert ok == 200
    status, _ = send_raw(sb, "GET", path + "?status=3&status=2",
                         [("Host", host), ("Content-Type", CT), ("Authorization", auth)])
    assert status == 401


def test_401_body_does_not_tell_whether_the_access_key_exists(sb: HuaweiSandbox) -> None:
    host = f"127.0.0.1:{sb.server.port}"
    path = "/rest/isales/v1/openapi/campaigns/1"
    hdrs = {"host": host, "content-type": CT}
    bodies = []
    for ak, sk, ts in ((sb.access_key, "wrong-secret", ts_now()),   # known key, bad signature
                       ("no-such-key", "whatever", ts_now()),        # unknown key
                       (sb.access_key, sb.secret_key, "2001-01-01T00:00:00Z"),  # known key, stale clock
                       ("no-such-key", "whatever", "2001-01-01T00:00:00Z")):
        auth = reference.auth_v2("GET", path, hdrs, ak, sk, ts)
        status, answer = send_raw(sb, "GET", path, [("Host", host), ("Content-Type", CT), ("Authorization", auth)])
        assert status == 401
        answer.pop("timestamp")
        bodies.append(answer)
    assert all(b == bodies[0] for b in bodies), bodies
    assert bodies[0] == {"status": 401, "error": "Unauthorized", "message": "No message available",
                         "path": path}  # 13-127 (001:66978-66987)
