"""A service's code using callcore's public API, checked with ``mypy --strict`` by
test_mypy.py (never run: the calls only need to type-check). Every name annotated here is one
a user can write in their own signatures; every result is used as its declared type, so an
``Any`` leaking from callcore would go unnoticed only where this script does not look."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import numpy.typing as npt

from callcore import audio, calllist, sign
from callcore.calllist import Blacklist, CleanResult, NormalizeResult, Normalizer, Summary
from callcore.platforms.babaihu import AsyncBabaihuClient, BabaihuClient, TaskRecord
from callcore.platforms.errors import FlowControlError, PlatformError
from callcore.platforms.hl95 import AsyncHl95Client, Hl95Client
from callcore.platforms.huawei import (AsyncHuaweiClient, CallData, CallResult, Campaign, CampaignSpec,
                                       HuaweiClient)
from callcore.platforms.sccc import AsyncScccClient, Recording, ScccClient
from callcore.sign import AuthError, SignError, Verifier


# --- signing ---------------------------------------------------------------------------------
def signed_header(body: bytes) -> str:
    header: str = sign.auth_v2("POST", "/rest/cmsapp/v1/ping", headers={"host": "cc:28080"},
                               access_key="ak", secret_key="sk", body=body)
    many: list[str] = sign.auth_v2_many([("GET", "/a", {"host": "h"}, b"")], access_key="ak", secret_key="sk")
    return header + many[0]


def check(verifier: Verifier, header: str) -> str:
    try:
        access_key: str = verifier.verify("POST", "/p", headers={"host": "h", "authorization": header}, body=b"")
    except AuthError as e:
        return f"refused: {e}"
    except SignError:
        raise
    return access_key


# --- call lists: a path gives a Summary, a column a CleanResult (overloads) --------------------
def clean_file(path: Path) -> int:
    summary: Summary = calllist.clean(path, path.with_suffix(".clean.csv"), path.with_suffix(".rej.csv"),
                                      platform="huawei", foreign="reject")
    return summary.clean + summary.rejected


def clean_column(numbers: list[str]) -> npt.NDArray[np.bool_]:
    result: CleanResult = calllist.clean(numbers, platform="sccc")
    first: NormalizeResult = result.result
    e164: list[str | None] = first.e164
    assert len(e164) == result.summary.rows
    return result.mask


def blacklist_from(path: Path) -> Blacklist:
    bl: Blacklist = calllist.load_blacklist(path, default_area_code="0755")
    again: Summary = calllist.clean(path, blacklist=bl)
    assert again.blacklisted >= 0
    return bl


class RegionalNormalizer(Normalizer):  # the core's classes are classes: annotate and subclass
    pass


def normalized(numbers: list[str]) -> list[str]:
    r: NormalizeResult = calllist.normalize(numbers, default_area_code="0755")
    return [n for n in r.e164 if n is not None]


# --- audio: options are Literal types -------------------------------------------------------
def decode(data: bytes) -> npt.NDArray[np.int16]:
    pcm: npt.NDArray[np.int16] = audio.decode(data, "vox", variant="sox")
    alaw: bytes = audio.encode(pcm, "alaw")
    return audio.decode(alaw, "alaw")


def best_rule(data: bytes) -> float:
    found: audio.Detection = audio.detect(data, rate=6000)
    rule: audio.RuleScore = found["scores"][found["variant"]]
    return rule["score"]


def transcode(src: Path, dst: Path) -> bool:
    r: audio.TranscodeResult = audio.transcode(src, dst, source="vox6k", to="mp3", bitrate=16)
    results: list[audio.TranscodeResult] = audio.transcode_many([(src, dst)], to="wav-alaw", jobs=0)
    return r.ok and all(x.ok for x in results)


# --- platforms: sync and async clients -----------------------------------------------------
def huawei(url: str, ak: str, sk: str, spec: CampaignSpec) -> int:
    with HuaweiClient(url, ak, sk, vdn_id=1) as hw:
        campaign_id: int = hw.create_campaign(spec)
        total: int = hw.add_numbers(campaign_id, [CallData(called="13800000000", customField="batch-1")])
        info: Campaign = hw.get_campaign(campaign_id)
        count, results = hw.call_results(campaign_id)
        first: list[CallResult] = results
        try:
            hw.pause_campaign(campaign_id)
        except FlowControlError as e:
            retry: float | None = e.retry_after
            assert retry is None or retry >= 0
        except PlatformError as e:
            code: str | None = e.code
            assert code is None or code
        return total + count + len(first) + info.status


async def huawei_async(url: str, ak: str, sk: str) -> int:
    async with AsyncHuaweiClient(url, ak, sk, vdn_id=1) as hw:
        total: int = await hw.add_numbers(1, [CallData(called="13800000000")])
        path: Path = await hw.download_record(Path("out"), call_id="1")
        return total + len(path.name)


def sccc(url: str) -> int:
    with ScccClient(url, "customer", "password") as c:
        records: list[Recording] = c.records()
        return len(records)


async def sccc_async(url: str) -> int:
    async with AsyncScccClient(url, "customer", "password") as c:
        records: list[Recording] = await c.records()
        return len(records)


def babaihu(url: str) -> str:
    with BabaihuClient(url, "user", "pw") as c:
        flow: str = c.add_task("t", [TaskRecord(phone="13800000000")])
        return flow


async def babaihu_async(url: str) -> list[str]:
    async with AsyncBabaihuClient(url, "user", "pw") as c:
        numbers: list[str] = await c.blacklist()
        return numbers


def hl95(url: str) -> str:
    with Hl95Client(url, "id", "secret") as c:
        token: str = c.token()
        return token


async def hl95_async(url: str) -> Path:
    async with AsyncHl95Client(url, "id", "secret") as c:
        return await c.download_recording("a.wav", Path("out"))


def wrong_option(data: bytes) -> None:
    audio.decode(data, "v0x")  # type: ignore[arg-type]  # a typo in an option string is a type error


# --- the rest of each capability's front door ------------------------------------------------
def other_schemes(params: dict[str, str]) -> list[str]:
    digest: str = sign.sccc_digest("C01", 1700000000, 1, "pw")
    babaihu_fields: dict[str, str] = sign.babaihu_params("user", "0123456789abcdef0123456789abcdef")
    callback: str = sign.callback_signature("secret", 1700000000, "nonce", params)
    return [digest, callback, *babaihu_fields.values()]


def workbooks(clean_csv: Path) -> list[Path]:
    limits: dict[str, int | None] = calllist.platform_limits("huawei")
    assert limits["max_batch"] == 20
    return calllist.write_huawei_workbooks(clean_csv, clean_csv.with_suffix(".xlsx"), custom_field="batch-1")


def audio_buffers(pcm: npt.NDArray[np.int16], wav: bytes, tracks: list[Path]) -> int:
    up: npt.NDArray[np.int16] = audio.resample(pcm, 6000, 8000)
    parts: list[bytes] = [audio.wav_bytes(up, 8000, format="alaw"), audio.mp3_bytes(up, 8000, bitrate=16)]
    samples, rate, channels, codec, notes = audio.read_wav(wav)
    merged: audio.TranscodeResult = audio.merge(tracks, "call.wav", source="alaw", mode="channels")
    return len(parts) + len(samples) + rate + channels + len(codec) + len(notes) + merged.frames
