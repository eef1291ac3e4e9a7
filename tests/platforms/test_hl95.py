"""九五云客服 client against the 九五 sandbox over real HTTP."""
from __future__ import annotations

from pathlib import Path

import httpx
import pytest
import soundfile

from callcore.platforms import errors as E
from callcore.platforms.hl95 import AsyncHl95Client, Hl95Client, ManualTask, mobile_and_des
from callcore.sandbox.hl95 import Hl95Config, Hl95Sandbox

from datetime import datetime

IN_WINDOW = datetime(2026, 3, 2, 10, 30)  # inside the tasks' 09:00-18:00 window
#: the fields of a /files/search answer (000:1011-1016)
SEARCH_FIELDS = ("name", "size", "lastModified", "createdDateTime", "targetURL", "directory")


@pytest.fixture
def nf(hl95_sandbox: Hl95Sandbox):
    with Hl95Client(hl95_sandbox.url, hl95_sandbox.client_id, hl95_sandbox.client_secret) as c:
        yield c


def task(**kw) -> ManualTask:
    base = dict(outProjectId="PRO_100002_JH0001", taskId="T001", name="manual", timeFrom="09:00", timeTo="18:00",
                dataObjId="OBJ_100002_1", numbers=[("18219678378", "data"), ("18219678372", "data2")])
    base.update(kw)
    return ManualTask(**base)


def test_project_task_append_history_recordings(tmp_path: Path, hl95_sandbox: Hl95Sandbox, nf: Hl95Client) -> None:
    nf.create_project("JH0001", "项目一", remark="r")
    with pytest.raises(E.ApiError, match="已存在"):
        nf.create_project("JH0001", "again")
    assert nf.projects()["pageData"][0]["projectId"] == "PRO_100002_JH0001"
    created = nf.create_manual_task(task())
    iid = created["outboundInstanceId"]
    (tmp_path / "nums.txt").write_text("mobile,data\n13800000001,a\n13800000002\n", encoding="utf-8")
    nf.upload_file(tmp_path / "nums.txt")
    found = nf.search_files("nums.txt")
    assert [sorted(f) for f in found] == [sorted(SEARCH_FIELDS)] and found[0]["name"] == "nums.txt"
    assert found[0]["size"] > 0 and found[0]["targetURL"].endswith("/outAddress/nums.txt")
    nf.append_numbers(iid, remote_file="nums.txt")
    nf.append_numbers(iid, [("13800000003", "x")])
    nf.append_numbers(iid, import_file=tmp_path / "nums.txt")
    page = nf.tasks()["pageData"]
    assert page[0]["contactNum"] == 7
    contacts = nf.contacts(iid, page_size=100)
    assert contacts["total"] == 7 and contacts["pageData"][0]["mobileDes"] == "data"
    assert hl95_sandbox.dial(iid, 7, at=IN_WINDOW) == 0  # 2 规划中: nothing dials before startCall
    nf.start_task(iid)
    assert hl95_sandbox.dial(iid, 7, at=IN_WINDOW) == 7
    hist = nf.call_history(page_size=100)
    assert hist["total"] == 7
    recs = nf.recordings(page_size=100)["pageData"]
    assert recs and recs[0]["filename"].endswith(".wav")
    p = nf.download_recording(recs[0]["filename"], tmp_path)
    assert soundfile.info(str(p)).samplerate == 8000
    with pytest.raises(E.ApiError, match="不存在"):
        nf.download_recording("116/none.wav", tmp_path)


def test_validation(nf: Hl95Client) -> None:
    with pytest.raises(E.ClientValidationError, match="projectId"):
        nf.create_project("wangsheng-project-id", "x")  # the seed's own example breaks its rule
    with pytest.raises(E.ClientValidationError, match="idleTime"):
        nf.create_manual_task(task(idleTime="5000"))
    with pytest.raises(E.ClientValidationError, match="';'"):
        mobile_and_des([("13800000001", "a;b")])
    with pytest.raises(E.ClientValidationError, match="exactly one"):
        nf.create_manual_task(task(remote_file="x.xls"))
    with pytest.raises(E.ClientValidationError, match="extension"):
        nf.search_files("ivr_example")


def test_tokens_cached_expired_and_replaced(tmp_path: Path) -> None:
    with Hl95Sandbox(tmp_path, config=Hl95Config(token_ttl=3600)) as sb, \
            Hl95Client(sb.url, sb.client_id, sb.client_secret) as c:
        c.projects()
        c.projects()
        assert c.tokens.refreshes == 1
        # the server forgets/expires the token: a 401 makes the client fetch a new one and retry once
        sb.app.state.execute("UPDATE tokens SET expires=0")
        c.projects()
        assert c.tokens.refreshes == 2
        # a new token replaces the previous one (000:76)
        old = c.token()
        httpx.post(sb.url + "/oauth/token", data={"client_id": sb.client_id, "client_secret": sb.client_secret,
                                                  "grant_type": "client_credentials"})
        assert httpx.get(sb.url + "/outProject/pageSearch", params={"access_token": old}).status_code == 401
        c.projects()
        assert c.tokens.refreshes == 3


def test_bad_credentials_and_missing_token(hl95_sandbox: Hl95Sandbox) -> None:
    with Hl95Client(hl95_sandbox.url, hl95_sandbox.client_id, "wrong") as c:
        with pytest.raises(E.AuthenticationError, match="oauth/token"):
            c.projects()
    r = httpx.get(hl95_sandbox.url + "/outProject/pageSearch")
    assert r.status_code == 401 and r.json()["error"] == "invalid_token"
    r = httpx.post(hl95_sandbox.url + "/oauth/token", data={"client_id": hl95_sandbox.client_id,
                                                            "client_secret": hl95_sandbox.client_secret,
                                                            "grant_type": "password"})
    assert r.json()["error"] == "invalid_request"



@pytest.mark.anyio
async def test_async(hl95_sandbox: Hl95Sandbox, tmp_path: Path) -> None:
    async with AsyncHl95Client(hl95_sandbox.url, hl95_sandbox.client_id, hl95_sandbox.client_secret) as c:
        await c.create_project("JH0002", "p2")
        created = await c.create_manual_task(task(outProjectId="PRO_100002_JH0002", taskId="A1"))
        await c.append_numbers(created["outboundInstanceId"], [("13900000000", "")])
        assert (await c.tasks())["pageData"][0]["contactNum"] == 3
        await c.start_task(created["outboundInstanceId"])
        assert hl95_sandbox.dial(created["outboundInstanceId"], 3, at=IN_WINDOW) == 3
        recs = (await c.recordings(page_size=50))["pageData"]
        assert recs and (await c.projects())["total"] == 1
        assert (await c.call_history(page_size=50))["total"] == 3
        assert (await c.contacts(created["outboundInstanceId"]))["total"] == 3
        p = await c.download_recording(recs[0]["filename"], tmp_path)
        assert p.read_bytes()[:4] == b"RIFF"
        with pytest.raises(E.ApiError):
            await c.download_recording("116/none.wav", tmp_path)
        (tmp_path / "n.txt").write_text("13700000000\n", encoding="utf-8")
        await c.upload_file(tmp_path / "n.txt")
        assert (await c.search_files("n.txt"))[0]["name"] == "n.txt"


def test_seed_response_shapes(hl95_sandbox: Hl95Sandbox, nf: Hl95Client) -> None:
    """The sandbox answers with every field of the seed's samples (000:1243, 2265, 2530, 2861)."""
    import json

    samples = {s["api"]: s["response"] for s in json.loads(
        (Path(__file__).parents[1] / "data/platforms/hl95_seed_samples.json").read_text("utf-8")) if "response" in s}
    nf.create_project("JH0001", "p")
    created = nf.create_manual_task(task())
    assert set(samples["/artificialOutTask/insert"]["data"]) == set(created)
    nf.start_task(created["outboundInstanceId"])
    assert hl95_sandbox.dial(created["outboundInstanceId"], 2, at=IN_WINDOW) == 2
    for api, page in (("/outboundContacts/pageSearch", nf.contacts(created["outboundInstanceId"])),
                      ("/callHistory/pageSearchCallHistory", nf.call_history()),
                      ("/record/pageSearch4Record", nf.recordings())):
        want = samples[api]["data"]
        assert set(want) <= set(page), api
        assert set(want["pageData"][0]) <= set(page["pageData"][0]), (api, set(want["pageData"][0]) - set(
            page["pageData"][0]))
