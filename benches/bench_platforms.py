"""platforms/sandbox: callcore against peers measured in the same run.

* A-law encoding of sandbox recordings (numpy lookup table) vs CPython's ``audioop.lin2alaw``.
* Recording-index parsing (``read_bill_index``, 18-column 13.2.2 rows from a zip) vs
  ``pandas.read_csv`` on the same member.
* One add-numbers call (20 records) through ``HuaweiClient`` (validation, auth-v2, typed result)
  vs a bare ``httpx`` POST of the same signed body, both against the loopback sandbox.
"""
from __future__ import annotations

import csv
import io
import json
import warnings
import zipfile
from pathlib import Path

import httpx
import pytest

from callcore.platforms.huawei import RECORD_COLUMNS, CallData, HuaweiClient, read_bill_index
from callcore.sandbox.audio import lin2alaw, synth_call_pcm
from callcore.sandbox.huawei import HuaweiConfig, HuaweiSandbox

with warnings.catch_warnings():
    warnings.simplefilter("ignore", DeprecationWarning)
    import audioop


@pytest.mark.parametrize("impl", ["callcore", "audioop"])
def test_alaw_encode_60s(measure, impl: str) -> None:  # type: ignore[no-untyped-def]
    pcm = synth_call_pcm("bench", 60.0)
    raw = pcm.tobytes()
    assert lin2alaw(pcm) == audioop.lin2alaw(raw, 2)
    if impl == "callcore":
        measure("A-law encode, 60 s of 8 kHz", impl, lambda: lin2alaw(pcm), per=60, unit="audio-s")
    else:
        measure("A-law encode, 60 s of 8 kHz", impl, lambda: audioop.lin2alaw(raw, 2), per=60, unit="audio-s")


@pytest.fixture(scope="module")
def bill_zip(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = io.StringIO()
    w = csv.writer(out)
    w.writerow(RECORD_COLUMNS)
    for i in range(10_000):
        w.writerow(["dev", "acc", "1", "120", f"1700000000-{i}", "10085", f"138{i:08d}", "2024-01-01 10:00:00",
                    "2024-01-01 10:01:00", f"/10/1/record/1/20240101/120/{i:07d}.wav", "0", "",
                    f"Y:\\1\\0\\20240101\\120\\{i:07d}.V3", "1", "7", "5", "", ""])
    p = tmp_path_factory.mktemp("bill") / "20240101_x.zip"
    with zipfile.ZipFile(p, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("20240101000000000123_record_1.csv", out.getvalue())
    return p


@pytest.mark.parametrize("impl", ["callcore", "pandas"])
def test_bill_index_10k_rows(measure, bill_zip: Path, impl: str) -> None:  # type: ignore[no-untyped-def]
    import pandas as pd

    def with_pandas() -> int:
        with zipfile.ZipFile(bill_zip) as z, z.open(z.namelist()[0]) as f:
            return len(pd.read_csv(f, dtype=str, keep_default_na=False))

    assert len(read_bill_index(bill_zip).records) == with_pandas() == 10_000
    if impl == "callcore":
        measure("recording index parse, 10k rows", impl, lambda: read_bill_index(bill_zip), per=10_000, unit="row")
    else:
        measure("recording index parse, 10k rows", impl, with_pandas, per=10_000, unit="row")


@pytest.fixture
def sandbox(tmp_path: Path):  # type: ignore[no-untyped-def]
    """A fresh sandbox per implementation, so neither inherits the other's rows or warm caches."""
    cfg = HuaweiConfig(min_interval=0.0, max_pending=10**9)
    with HuaweiSandbox(tmp_path, config=cfg) as sb:
        yield sb


@pytest.mark.parametrize("impl", ["callcore", "bare-httpx"])
def test_add_numbers_roundtrip(measure, sandbox: HuaweiSandbox, impl: str) -> None:  # type: ignore[no-untyped-def]
    from callcore.sign.httpx_auth import AuthV2

    records = [CallData(called=f"1380000{i:04d}", customField="batch-1") for i in range(20)]
    with HuaweiClient(sandbox.url, sandbox.access_key, sandbox.secret_key, vdn_id=1) as c, \
            httpx.Client(base_url=sandbox.url, auth=AuthV2(sandbox.access_key, sandbox.secret_key)) as bare:
        from callcore.platforms.huawei import CampaignSpec, ScheduleParam
        from datetime import datetime, timedelta

        now = datetime.now()
        cid = c.create_campaign(CampaignSpec(
            name=f"bench-{impl}", strBeginTime=now.strftime("%Y-%m-%d %H:%M:%S"),
            strEndTime=(now + timedelta(days=1)).strftime("%Y-%m-%d %H:%M:%S"), deviceType=3, callerNo="10085",
            maxAlertingTime=20, scheduleParam=ScheduleParam("08:00", "20:00"), callbackUrl="https://x/y",
            ivrParam={"deviceSign": "1", "callCount": 1, "callInterval": 1}))
        body = json.dumps({"callDataList": [{"called": r.called, "customField": r.customField} for r in records]})
        path = f"/rest/isales/v1/openapi/campaigns/1/calldata/{cid}"

        def raw() -> int:
            r = bare.post(path, content=body, headers={"Content-Type": "application/json; charset=UTF-8"})
            return r.json()["returnObject"]["totalSize"]

        if impl == "callcore":
            measure("add_numbers 20 records, loopback", impl, lambda: c.add_numbers(cid, records), rounds=200,
                    unit="call")
        else:
            measure("add_numbers 20 records, loopback", impl, raw, rounds=200, unit="call")
