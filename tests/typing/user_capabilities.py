"""A service's code using callcore's capabilities (sign, calllist, audio), checked with
``mypy --strict`` and pyright strict by test_mypy.py and test_pyright.py (never run: the calls
only need to type-check). Every name annotated here is one a user can write in their own
signatures; every result is used as its declared type, so an ``Any`` leaking from callcore would
go unnoticed only where these scripts do not look."""
from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from pathlib import Path
from typing import Any, assert_type

import httpx
import numpy as np
import numpy.typing as npt

from callcore import audio, calllist, sign
from callcore.calllist import Blacklist, CleanResult, NormalizeResult, Normalizer, Summary
from callcore.sign import (AuthError, ClockSkew, MalformedAuthorization, SignatureMismatch, SignError,
                           UnknownAccessKey, UnsignedHost, Verifier)
from callcore.sign.httpx_auth import AuthV2
from callcore.sign.tokens import BearerAuth, HL95OAuthToken, HuaweiAkSkToken, Token, TokenError, TokenProvider


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


# --- classes from the extension are classes: except, isinstance, annotations ---------------------
def refused(verifier: Verifier, scope: Mapping[str, Any], body: bytes) -> str | None:
    try:
        verifier.verify_asgi(scope, body)
    except ClockSkew as e:
        skew: float = e.skew_seconds
        return f"clock {skew:+.0f}s off"
    except (MalformedAuthorization, UnknownAccessKey, UnsignedHost, SignatureMismatch) as e:
        assert isinstance(e, AuthError)
        return type(e).__name__
    return None


def bad_rows(path: Path) -> str | None:
    try:
        calllist.clean(path, path.with_suffix(".out.csv"), column="phone")
    except calllist.MissingColumn as e:
        assert isinstance(e, calllist.CalllistError) and isinstance(e, ValueError)
        return str(e)
    return None


def bad_audio(data: bytes) -> type[audio.AudioFormatError] | None:
    try:
        audio.read_wav(data)
    except (audio.AudioLimitError, audio.AudioInternalError) as e:
        return type(e)
    except audio.AudioFormatError:
        return audio.AudioFormatError
    return None


# --- signing: the other schemes, tokens and httpx auth ------------------------------------------
def signing_parts(when: datetime, body: Mapping[str, Any]) -> list[str]:
    canonical = sign.canonical_request("GET", "/a", headers={"host": "h"}, query={"b": "1"})
    access_key, stamp, signed_headers, signature = sign.parse_authorization("auth-v2/ak/20260101T000000Z//host/x")
    headers: list[str] = signed_headers
    sccc_block: dict[str, str] = sign.sccc_authentication("C01", "pw", agent="1001")
    sign.verify_sccc_authentication(sccc_block, "pw")
    sign.verify_callback_signature("secret", body)
    return [assert_type(canonical, str), access_key, stamp, signature, *headers,
            sign.format_timestamp(when, millis=False), sign.chatbot_checksum("nonce", "key")]


def token_clients(url: str) -> list[httpx.Client]:
    huawei_token: TokenProvider = HuaweiAkSkToken(url, "app", "secret", expire=600)
    hl95_token: TokenProvider = HL95OAuthToken(url, "id", "secret", scope="all")
    try:
        value: str = hl95_token.get()
    except TokenError as e:
        raise RuntimeError(f"no token: {e}") from e
    assert value and Token(value, expires_at=0.0).value == value
    return [httpx.Client(auth=BearerAuth(huawei_token)), httpx.Client(auth=AuthV2("ak", "sk", millis=True))]


# --- call lists: arrays keep their dtypes, tables their names -----------------------------------
def arrays(numbers: list[str]) -> int:
    r = calllist.normalize(numbers, foreign="reject", normalizer=RegionalNormalizer(default_area_code="0755"))
    ok = assert_type(r.ok, npt.NDArray[np.bool_])
    keys = assert_type(r.keys, npt.NDArray[np.uint64])
    first = assert_type(calllist.dedup_first(keys), npt.NDArray[np.bool_])
    kinds: dict[int, str] = calllist.KINDS
    reasons: dict[int, str] = calllist.REASONS
    limits: dict[str, int] = calllist.LIMITS
    kind_names: list[str] = r.kind
    reject_reasons: list[str | None] = r.reason
    return int(np.count_nonzero(ok)) + int(np.count_nonzero(first)) + len(kinds) + len(reasons) + len(limits) + len(kind_names) \
        + len(reject_reasons)


def blacklist_size(bl: Blacklist) -> int:
    return len(bl) + bl.invalid_lines


# --- audio: the rest of the module ------------------------------------------------------------
def plan(folder: Path) -> list[tuple[Path, Path]]:
    rates: tuple[int, ...] = audio.MP3_RATES
    assert audio.MIN_SAMPLE_RATE <= rates[0] <= audio.MAX_SAMPLE_RATE and audio.MAX_CHANNELS >= 2
    names: tuple[str, ...] = audio.CODECS + audio.SOURCES + audio.FORMATS + audio.VARIANTS
    print(*names)
    return audio.plan_outputs([folder], folder / "out", to="mp3")


# --- the option types, in a service's own signatures ------------------------------------------
def convert_settings(codec: audio.Codec, source: audio.Source, to: audio.Format, variant: audio.Variant,
                     rule: audio.VoxRule, wav: audio.WavFormat) -> str:
    assert audio.MAX_RESAMPLER_TAPS > 0
    return "/".join((codec, source, to, variant, rule, wav))
