"""Misuse of the public API that both checkers must refuse (test_mypy.py, test_pyright.py): each
line ending in the error marker must fail, and no other line may, so the user scripts' clean runs
are not vacuous. Never run."""
from __future__ import annotations

from callcore import audio, calllist
from callcore.pipelines import ConvertOptions, SyncOptions
from callcore.platforms.babaihu import AsyncBabaihuClient, BabaihuClient
from callcore.platforms.hl95 import Hl95Client
from callcore.platforms.huawei import HuaweiClient
from callcore.platforms.sccc import AsyncScccClient, Recording, ScccClient

# a column's result is a CleanResult, not a Summary (the overloads of clean)
summary: calllist.Summary = calllist.clean(["13800138000"])  # error
# option strings are Literal types: a typo in a codec, source, format, variant, mode or platform
pcm = audio.decode(b"", "v0x")  # error
audio.transcode("a.V3", "a.wav", source="vox7k")  # error
audio.transcode("a.V3", "a.flac", to="flac")  # error
audio.decode(b"", "vox", variant="soxx")  # error
audio.merge(["a.wav", "b.wav"], "ab.wav", mode="stereo")  # error
audio.wav_bytes(pcm, 8000, format="gsm")  # error
calllist.clean("in.csv", platform="huawei-v3")  # error
calllist.clean("in.csv", foreign="drop")  # error
SyncOptions("https://cc.invalid", "ak", "sk", to_format="flac")  # error
SyncOptions("https://cc.invalid", "ak", "sk", recording_format="vox7k")  # error
ConvertOptions("src", "dst", to="wav-ulaw")  # error
ConvertOptions("src", "dst", source="gsm")  # error
# a core class is a class: not an exception type, and not constructed with unknown options
try:
    calllist.normalize(["13800138000"])
except calllist.Blacklist:  # error
    pass
calllist.Normalizer(area_code="0755")  # error


# the Huawei methods have their request builders' parameters and results
def huawei_total(hw: HuaweiClient) -> str:
    hw.prepare_add_numbers(1, ["13800138000"], api="v3")  # error
    hw.query_bill_data("2026-01-01 00:00:00", "2026-01-02 00:00:00", "https://cb.invalid", data_type="bill")  # error
    return hw.add_numbers(1, ["13800138000"])  # error


# an async client's methods are awaited: their value is a coroutine until then
async def sccc_records(client: AsyncScccClient) -> list[Recording]:
    return client.records()  # error


# every client method has explicit parameters (no **kw swallowing a misspelt option) and types
def platform_calls(sccc: ScccClient, babaihu: BabaihuClient, babaihu_async: AsyncBabaihuClient,
                   hl95: Hl95Client) -> None:
    sccc.cdrs(["1001"], begin="2026-01-01 00:00:00")  # error
    sccc.create_task("1001", ["13800000000"], mode="preview")  # error
    sccc.control_task(7, "start", "1001")  # error
    babaihu.add_task("t", ["13800000000"])  # error
    babaihu_async.call_records(start_time=20260101)  # error
    hl95.append_numbers("1", ["13800000000"])  # error
    ScccClient("https://sccc.invalid", "C01", "pw", timeout=5)  # error
