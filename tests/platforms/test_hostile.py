"""Bad input from the server side: truncated bodies, HTML error pages, wrong content types, zips
with ``../`` paths. Each gives a clear typed error, never a crash or a file outside its folder."""
from __future__ import annotations

import io
import json
import stat
import zipfile
from pathlib import Path
from typing import Any, Iterator

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from callcore.platforms import errors as E
from callcore.platforms.huawei import HuaweiClient, read_bill_index, safe_extract
from callcore.platforms.babaihu import BabaihuClient
from callcore.platforms.hl95 import Hl95Client
from callcore.platforms.sccc import ScccClient
from callcore.sandbox._server import ServerThread

MODE: dict[str, Any] = {}


async def truncating(scope: dict, receive: Any, send: Any) -> None:
    await send({"type": "http.response.start", "status": 200,
                "headers": [(b"content-type", b"application/json"), (b"content-length", b"500")]})
    await send({"type": "http.response.body", "body": b'{"resultCode": "0", "resultData": {"resp', "more_body": True})
    raise ConnectionResetError("hostile: cut")


async def handler(req: Request) -> Response:
    await req.body()
    if req.url.path == "/oauth/token":  # 九五 clients need a token before the call under test
        return Response(b'{"access_token":"t","token_type":"bearer","expires_in":7200}',
                        media_type="application/json")
    kind = MODE["kind"]
    if kind == "truncate":
        raise AssertionError("handled by the ASGI wrapper")
    return MODE["response"]()


class Hostile:
    def __init__(self) -> None:
        app = Starlette(routes=[Route("/{p:path}", handler, methods=["GET", "POST", "PUT", "DELETE"])])

        async def outer(scope: dict, receive: Any, send: Any) -> None:
            if scope["type"] == "http" and MODE.get("kind") == "truncate":
                return await truncating(scope, receive, send)
            return await app(scope, receive, send)
        self.server = ServerThread(outer)


@pytest.fixture(scope="module")
def hostile() -> Iterator[str]:
    h = Hostile()
    h.server.start()
    yield f"http://127.0.0.1:{h.server.port}"
    h.server.stop()


@pytest.fixture
def hw(hostile: str) -> Iterator[HuaweiClient]:
    with HuaweiClient(hostile, "ak", "sk-secret", vdn_id=1) as c:
        yield c


def serve(response: Any, kind: str = "normal") -> None:
    MODE["kind"] = kind
    MODE["response"] = response


def zip_bytes(members: dict[str, bytes], symlink: str | None = None) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        for name, data in members.items():
            z.writestr(name, data)
        if symlink:
            info = zipfile.ZipInfo(symlink)
            info.external_attr = (stat.S_IFLNK | 0o777) << 16
            z.writestr(info, "/etc/passwd")
    return buf.getvalue()


def test_truncated_json(hw: HuaweiClient) -> None:
    serve(None, "truncate")
    with pytest.raises(E.TransportError, match="dropped or response truncated") as ei:
        hw.get_campaign(1)
    assert ei.value.retryable


def test_html_page_with_200(hw: HuaweiClient) -> None:
    serve(lambda: Response("<!DOCTYPE html><html><body>Login required</body></html>", media_type="text/html"))
    with pytest.raises(E.ProtocolError, match="HTML") as ei:
        hw.get_campaign(1)
    assert not ei.value.retryable and "Login required" in str(ei.value)


def test_html_502(hw: HuaweiClient) -> None:
    serve(lambda: Response("<html><h1>502 Bad Gateway</h1></html>", status_code=502, media_type="text/html"))
    with pytest.raises(E.ServerError, match="502") as ei:
        hw.get_campaign(1)
    assert ei.value.retryable


def test_invalid_and_wrong_shape_json(hw: HuaweiClient) -> None:
    serve(lambda: Response(b'{"resultCode": "0200000", "retu', media_type="application/json"))
    with pytest.raises(E.ProtocolError, match="not valid JSON"):
        hw.get_campaign(1)
    serve(lambda: Response(b"[1, 2]", media_type="application/json"))
    with pytest.raises(E.ProtocolError, match="JSON object"):
        hw.get_campaign(1)
    serve(lambda: Response(b'{"hello": 1}', media_type="application/json"))
    with pytest.raises(E.ProtocolError, match="no resultCode"):
        hw.get_campaign(1)
    serve(lambda: Response(b"\xff\xfe\x00garbage", media_type="application/json"))
    with pytest.raises(E.ProtocolError):
        hw.get_campaign(1)
    serve(lambda: Response(b"", media_type="application/json"))
    with pytest.raises(E.ProtocolError, match="empty"):
        hw.get_campaign(1)


def test_wrong_content_type_is_not_trusted(hw: HuaweiClient, tmp_path: Path) -> None:
    serve(lambda: Response(b'{"resultCode":"0200000","returnCode":"0200000","returnObject":{"name":"n","status":3}}',
                           media_type="text/plain"))
    assert hw.get_campaign(1).status == 3
    # CC-FS answers errors as JSON with an octet-stream content type (001:66144): read as the error
    serve(lambda: Response(b'{"resultData":null,"resultCode":"0300008","resultDesc":"flow"}',
                           media_type="application/octet-stream;charset=UTF-8"))
    with pytest.raises(E.FlowControlError) as ei:
        hw.download_bill_file("20240101_abc.zip", tmp_path)
    assert ei.value.code == "0300008" and ei.value.retryable
    assert list(tmp_path.iterdir()) == []
    serve(lambda: Response(b"<html>oops</html>", media_type="application/octet-stream"))
    with pytest.raises(E.ProtocolError, match="HTML"):
        hw.download_record(tmp_path, call_id="1-1")
    assert list(tmp_path.iterdir()) == []


def test_truncated_download_leaves_nothing(hw: HuaweiClient, tmp_path: Path) -> None:
    serve(None, "truncate")
    with pytest.raises(E.TransportError):
        hw.download_bill_file("20240101_abc.zip", tmp_path)
    assert list(tmp_path.iterdir()) == []


def test_401_without_date_header(hw: HuaweiClient) -> None:
    serve(lambda: Response(b'{"status":401,"error":"Unauthorized"}', status_code=401))
    with pytest.raises(E.AuthenticationError, match="no Date header") as ei:
        hw.get_campaign(1)
    assert not isinstance(ei.value, E.ClockSkewError)


def test_zip_with_parent_paths(hw: HuaweiClient, tmp_path: Path) -> None:
    evil = zip_bytes({"20240101_record_1.csv": b"developer,call_id\nd,1\n", "../../escaped.txt": b"owned"})
    serve(lambda: Response(evil, media_type="Application/Octet-stream;charset=UTF-8"))
    dest = tmp_path / "bills"
    dest.mkdir()
    path = hw.download_bill_file("20240101_abc.zip", dest)
    assert path.parent == dest
    out = dest / "x"
    with pytest.raises(E.UnsafeArchiveError, match="escape"):
        safe_extract(path, out)
    assert not (tmp_path / "escaped.txt").exists() and not (tmp_path.parent / "escaped.txt").exists()
    assert not out.exists() or list(out.rglob("*")) == []
    # the index reader parses in memory and never writes members to disk
    assert read_bill_index(path).records[0].call_id == "1"
    for members, sym in (({"/abs/evil.csv": b"x"}, None), ({"C:/evil.csv": b"x"}, None), ({"ok.csv": b"x"}, "link")):
        p = tmp_path / "z.zip"
        p.write_bytes(zip_bytes(members, sym))
        with pytest.raises(E.UnsafeArchiveError):
            safe_extract(p, tmp_path / "y")
    p = tmp_path / "good.zip"
    p.write_bytes(zip_bytes({"a/b.csv": b"1"}))
    assert [q.relative_to(tmp_path / "g").as_posix() for q in safe_extract(p, tmp_path / "g")] == ["a/b.csv"]


def test_a_bill_zip_bomb_is_refused_before_it_is_read(tmp_path: Path) -> None:
    """The index reader parses members in memory, so it keeps the extraction's limits: a recording
    index that expands 1,000 times past 10 MiB is refused from the zip's directory, unread."""
    import zipfile

    p = tmp_path / "20240101_bomb.zip"
    with zipfile.ZipFile(p, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("20240101000000000123_record_1.csv", b"developer,call_id\n" + b"0" * (20 << 20))
    assert p.stat().st_size < 100_000
    with pytest.raises(E.UnsafeArchiveError, match="zip bomb"):
        read_bill_index(p)


def test_not_a_zip(tmp_path: Path) -> None:
    p = tmp_path / "bill.zip"
    p.write_bytes(b"PK\x03\x04 but not really a zip")
    with pytest.raises(E.ProtocolError, match="not a valid zip"):
        read_bill_index(p)
    with pytest.raises(E.ProtocolError, match="not a valid zip"):
        safe_extract(p, tmp_path / "o")


def test_sccc_html_and_truncation(hostile: str, tmp_path: Path) -> None:
    with ScccClient(hostile, "C2", "pw") as c:
        serve(lambda: Response("<html>maintenance</html>", media_type="text/html"))
        with pytest.raises(E.ProtocolError, match="HTML"):
            c.query_task("1000")
        serve(None, "truncate")
        with pytest.raises(E.TransportError):
            c.query_task("1000")
        serve(lambda: Response(b'{"result":{"error":"0xF1000017","msg":"x"}}', media_type="text/plain"))
        with pytest.raises(E.ParameterError, match="E_G_NUMBER_INVALID"):
            c.query_task("1000")
        serve(lambda: Response("<html>not audio</html>", media_type="audio/wav"))
        with pytest.raises(E.ProtocolError):
            c.download_recording("r/1.wav", tmp_path)
        assert list(tmp_path.iterdir()) == []


def test_babaihu_and_hl95_bodies(hostile: str) -> None:
    with BabaihuClient(hostile, "100008800", "92868F142BE5DD78DD0ACF4370B4EB94") as c:
        serve(lambda: Response("<html>502</html>", media_type="text/html"))
        with pytest.raises(E.ProtocolError, match="HTML"):
            c.blacklist()
        # addTask's "大于 0 表示失败" (004:1091) with the seed's message, HTTP 200
        serve(lambda: Response('{"code": 1, "message": "用户名密码错误"}'.encode(), media_type="text/html"))
        with pytest.raises(E.ApiError, match="用户名密码错误") as ei:
            c.blacklist()
        assert ei.value.code == "1"
        serve(lambda: Response(b'{"message": "?"}', media_type="application/json"))
        with pytest.raises(E.ProtocolError, match="without code"):
            c.blacklist()
    with Hl95Client(hostile, "id", "secret") as h:
        # the seed's recall failure sample (000:1739-1742): no code, success false
        serve(lambda: Response('{"message":"没有可恢复的号码","success":false}'.encode(), media_type="application/json"))
        with pytest.raises(E.ApiError, match="没有可恢复的号码"):
            h.tasks()
        serve(lambda: Response(b"<html>gateway</html>", media_type="text/html"))
        with pytest.raises(E.ProtocolError, match="HTML"):
            h.tasks()
        serve(None, "truncate")
        with pytest.raises(E.TransportError):
            h.tasks()


def test_headerless_audio_starting_like_json_or_html(hw: HuaweiClient, tmp_path: Path) -> None:
    """Raw A-law .V3 bytes can begin with '{' or '<': they are audio, not error bodies."""
    for i, lead in enumerate((b"{\xd3\xd5U", b"<\xd5\x55\xd4", b'{"resultCode": 7', b"[\x00\x01")):
        audio = lead + bytes(range(256)) * 40
        serve(lambda audio=audio: Response(audio, media_type="Application/Octet-stream;charset=UTF-8"))
        p = hw.download_record(tmp_path / f"r{i}.V3", file_name="Y:/1/0/20240101/100/1000000.V3")
        assert p.read_bytes() == audio


@given(st.binary(min_size=1, max_size=300))
@settings(max_examples=300, deadline=None)
def test_body_kind_only_calls_real_json_json(data: bytes) -> None:
    from callcore.platforms._http import body_kind

    kind = body_kind(data, True)
    if kind == "json":
        json.loads(data.decode("utf-8-sig"))  # it really is JSON
    assert body_kind(b"{" + data, False) != "json"  # an incomplete body is never an error document
