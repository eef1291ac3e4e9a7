"""八百呼 client against the 八百呼 sandbox over real HTTP."""
from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import httpx
import pytest
import soundfile

from callcore.platforms import errors as E
from callcore.platforms.babaihu import AsyncBabaihuClient, BabaihuClient, TaskRecord
from callcore.sandbox.babaihu import BabaihuSandbox


@pytest.fixture
def bh(babaihu_sandbox: BabaihuSandbox):
    with BabaihuClient(babaihu_sandbox.url, babaihu_sandbox.user, babaihu_sandbox.password) as c:
        yield c


def test_blacklist(bh: BabaihuClient) -> None:
    bh.blacklist_add(["13002300000", "13002300001"])
    assert bh.blacklist() == ["13002300000", "13002300001"]
    with pytest.raises(E.DuplicateError) as ei:
        bh.blacklist_add(["13002300000"])
    assert ei.value.code == "-10" and "已经存在" in ei.value.meaning
    bh.blacklist_delete(["13002300000"])
    assert bh.blacklist() == ["13002300001"]
    with pytest.raises(E.ClientValidationError):
        bh.blacklist_add(["1300,1301"])


def test_task_records_and_downloads(tmp_path: Path, babaihu_sandbox: BabaihuSandbox, bh: BabaihuClient) -> None:
    bh.blacklist_add(["13000000003"])
    tid = bh.add_task("测试测试", [TaskRecord(f"1300000000{i}", key=f"k{i}", memo="你好") for i in range(6)],
                      flow_name="外呼流程")
    count, rows = bh.task_detail(babaihu_sandbox.flow_id, task_id=tid)
    assert count == 6 and {r["ctdStatus"] for r in rows} == {0}
    assert babaihu_sandbox.dial(tid, 10) == 5  # the blacklisted number is not dialled
    _, done = bh.task_detail(babaihu_sandbox.flow_id, task_id=tid, type=2)
    assert len(done) == 5 and {r["ctdStatus"] for r in done} <= {3, 4}
    total, cdrs = bh.call_records(limit=2)
    assert total == 5 and len(cdrs) == 2
    recs = [r for r in bh.iter_call_records(page=2) if r["cdrRecordFile"]]
    assert recs
    wav = bh.download_record(tmp_path, record_file=recs[0]["cdrRecordFile"])
    assert soundfile.info(str(wav)).samplerate == 8000
    if shutil.which("ffmpeg"):
        mp3 = bh.download_record(tmp_path, cdr_id=recs[0]["cdrId"], mp3=True)
        assert mp3.suffix == ".mp3"
        probe = subprocess.run(["ffprobe", "-v", "error", "-show_entries", "stream=codec_name", "-of", "csv=p=0",
                                str(mp3)], capture_output=True, text=True, check=True)
        assert probe.stdout.strip() == "mp3"
    with pytest.raises(E.NotFoundError):
        bh.download_record(tmp_path / "x.mp3", cdr_id="1", mp3=True)


def test_validation_and_auth(babaihu_sandbox: BabaihuSandbox, bh: BabaihuClient) -> None:
    with pytest.raises(E.ClientValidationError, match="#"):
        bh.add_task("t", [TaskRecord("13000000000", memo="a#b")], flow_name="f")
    with pytest.raises(E.ClientValidationError, match="cflName"):
        bh.add_task("t", [TaskRecord("13000000000")])
    with BabaihuClient(babaihu_sandbox.url, babaihu_sandbox.user, "0" * 32) as bad:
        with pytest.raises(E.AuthenticationError) as ei:
            bad.blacklist()
    assert ei.value.code == "-2"
    # the seed's GET form with query parameters works too (004:120), with the value as issued
    url = babaihu_sandbox.url + "/voip/api/jsondata.html"
    q = {"sa_user": babaihu_sandbox.user, "sa_password": babaihu_sandbox.password, "method": "getBlacklists"}
    assert httpx.get(url, params=q).json()["code"] == 0
    assert httpx.get(url, params={**q, "sa_password": q["sa_password"].lower()}).json()["code"] == -2



@pytest.mark.anyio
async def test_async(babaihu_sandbox: BabaihuSandbox, tmp_path: Path) -> None:
    async with AsyncBabaihuClient(babaihu_sandbox.url, babaihu_sandbox.user, babaihu_sandbox.password) as c:
        tid = await c.add_task("a", [TaskRecord("13100000000"), TaskRecord("13100000001")], add_type=2,
                               flow_name=babaihu_sandbox.flow_name)
        assert babaihu_sandbox.dial(tid, 2) == 0  # 手工拨号: agents dial it, not the platform's dialler
        assert babaihu_sandbox.dial(tid, 2, by_agent=True) == 2
        total, rows = await c.call_records()
        assert total == 2
        rec = [r for r in rows if r["cdrRecordFile"]]
        if rec:
            p = await c.download_record(tmp_path, record_file=rec[0]["cdrRecordFile"])
            assert p.read_bytes()[:4] == b"RIFF"


def test_seed_shapes(babaihu_sandbox: BabaihuSandbox, bh: BabaihuClient) -> None:
    """Task detail rows carry every field of the findTaskMx sample (004:1115-1117) and call records
    every field of the findDialrecord table (004:624-646)."""
    from callcore.sandbox.babaihu import DIALRECORD_KEYS, TASK_DETAIL_KEYS

    tid = bh.add_task("t", [TaskRecord("13000000001", key="k", memo="m")], flow_name=babaihu_sandbox.flow_name)
    babaihu_sandbox.dial(tid, 1)
    _, rows = bh.task_detail(babaihu_sandbox.flow_id, task_id=tid)
    assert set(TASK_DETAIL_KEYS) <= set(rows[0]) and rows[0]["ctdText"] == "m"
    _, cdrs = bh.call_records()
    assert set(DIALRECORD_KEYS) <= set(cdrs[0]) and cdrs[0]["cdrPhoneNum"] == "13000000001"
