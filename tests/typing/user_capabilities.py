"""A service's code using callcore's capabilities (sign, calllist, audio), checked with
``mypy --strict`` and pyright strict by test_mypy.py and test_pyright.py (never run: the calls
only need to type-check). Every name annotated here is one a user can write in their own
signatures; every result is used as its declared type, so an ``Any`` leaking from callcore would
go unnoticed only where these scripts do not look."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import numpy.typing as npt

from callcore import audio, calllist, sign
from callcore.calllist import Blacklist, CleanResult, NormalizeResult, Normalizer, Summary
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
