# Type stubs for the Rust extension `callcore._core`.
# Each capability is a submodule, typed here as a module class with one instance; one section a
# capability, in the order of rust/bindings/mod.rs.

from collections.abc import Callable, Iterable, Mapping
from datetime import datetime
from types import ModuleType
from typing import Any

__version__: str

# ---- sign -------------------------------------------------------------------------------

class _SignError(ValueError): ...
class _AuthError(Exception): ...
class _MalformedAuthorization(_AuthError): ...
class _UnknownAccessKey(_AuthError): ...
class _ClockSkew(_AuthError):
    skew_seconds: float

class _UnsignedHost(_AuthError): ...
class _SignatureMismatch(_AuthError): ...

_Body = bytes | str | bytearray | None

class _SignModule(ModuleType):
    SignError: type[_SignError]
    AuthError: type[_AuthError]
    MalformedAuthorization: type[_MalformedAuthorization]
    UnknownAccessKey: type[_UnknownAccessKey]
    ClockSkew: type[_ClockSkew]
    UnsignedHost: type[_UnsignedHost]
    SignatureMismatch: type[_SignatureMismatch]
    def auth_v2(
        self,
        method: str,
        uri: str,
        *,
        headers: Mapping[str, str],
        access_key: str,
        secret_key: str,
        timestamp: str | datetime | None = None,
        body: _Body = None,
        query: Mapping[str, str] | None = None,
        millis: bool = True,
    ) -> str: ...
    def auth_v2_many(
        self,
        requests: Iterable[tuple[Any, ...]],
        access_key: str,
        secret_key: str,
        timestamp: str | None = None,
        millis: bool = True,
    ) -> list[str]: ...
    def canonical_request(
        self,
        method: str,
        uri: str,
        headers: Mapping[str, str],
        body: _Body = None,
        query: Mapping[str, str] | None = None,
    ) -> str: ...
    def verify_auth_v2(
        self,
        authorization: str,
        method: str,
        uri: str,
        headers: Any,
        secrets: Mapping[str, str] | Callable[[str], str | None],
        body: _Body = None,
        query: Mapping[str, str] | None = None,
        now_ms: int | None = None,
        max_skew_ms: int | None = None,
    ) -> tuple[str, str]: ...
    def parse_authorization(self, authorization: str) -> tuple[str, str, str, str]: ...
    def format_timestamp(self, unix_ms: int, millis: bool = True) -> str: ...
    def parse_timestamp(self, ts: str) -> int: ...
    def sccc_digest(self, customer: str, timestamp: str, seq: str, password: str) -> str: ...
    def sccc_digest_matches(self, customer: str, timestamp: str, seq: str, password: str, digest: str) -> bool: ...
    def chatbot_checksum(self, nonce: str, key: str) -> str: ...
    def callback_parameter_string(self, params: list[tuple[str, str]]) -> str: ...
    def callback_signature(self, secret: str, timestamp: str, nonce: str, params: list[tuple[str, str]]) -> str: ...
    def callback_signature_matches(
        self, secret: str, timestamp: str, nonce: str, params: list[tuple[str, str]], signature: str
    ) -> bool: ...

sign: _SignModule

# ---- calllist ---------------------------------------------------------------------------

import numpy as np
import numpy.typing as npt

class _CalllistError(ValueError): ...
class _MissingColumn(_CalllistError): ...

_Arrays = tuple[
    npt.NDArray[np.uint64], npt.NDArray[np.uint8], npt.NDArray[np.uint8], npt.NDArray[np.uint64], npt.NDArray[np.uint8]
]

class _Normalizer:
    def __init__(
        self,
        *,
        default_area_code: str | None = None,
        structural_only: bool = False,
        foreign: str = "keep",
        allow_short_codes: bool = False,
        mobile_prefixes: str | None = None,
        area_codes: str | None = None,
        ip_prefixes: str | None = None,
    ) -> None: ...
    def one(self, value: str) -> tuple[str | None, str | None, str, str | None, str | None]: ...
    def area_city(self, code: int) -> str | None: ...

class _Blacklist:
    @staticmethod
    def load(path: str, norm: _Normalizer) -> _Blacklist: ...
    @staticmethod
    def from_keys(keys: npt.NDArray[np.uint64]) -> _Blacklist: ...
    def __len__(self) -> int: ...
    @property
    def invalid_lines(self) -> int: ...
    def contains_key(self, key: int) -> bool: ...

class _CalllistModule(ModuleType):
    CalllistError: type[_CalllistError]
    MissingColumn: type[_MissingColumn]
    Normalizer: type[_Normalizer]
    Blacklist: type[_Blacklist]
    def normalize_list(self, norm: _Normalizer, values: Iterable[Any]) -> _Arrays: ...
    def wait_for_removals(self) -> None: ...
    def normalize_fixed(self, norm: _Normalizer, buf: npt.NDArray[np.uint8], itemsize: int, ucs4: bool) -> _Arrays: ...
    def normalize_packed(
        self, norm: _Normalizer, data: npt.NDArray[np.uint8], offsets: npt.NDArray[np.int64], threads: int | None = None
    ) -> _Arrays: ...
    def normalize_ints(self, norm: _Normalizer, values: npt.NDArray[np.int64]) -> _Arrays: ...
    def format_e164(self, keys: npt.NDArray[np.uint64]) -> list[str | None]: ...
    def format_national(self, keys: npt.NDArray[np.uint64], kinds: npt.NDArray[np.uint8]) -> list[str | None]: ...
    def codes(self) -> dict[str, dict[int, str]]: ...
    def limits(self) -> dict[str, int]: ...
    def _panic_probe(self) -> None: ...
    def first_flags(self, keys: npt.NDArray[np.uint64]) -> npt.NDArray[np.bool_]: ...
    def clean_values(
        self,
        norm: _Normalizer,
        values: Iterable[Any],
        scopes: Iterable[Any] | None = None,
        blacklist: _Blacklist | None = None,
        store: str | None = None,
        window_days: float | None = None,
        record: bool = False,
        platform: str | None = None,
        batch_size: int | None = None,
    ) -> tuple[
        npt.NDArray[np.uint64], npt.NDArray[np.uint8], npt.NDArray[np.uint8], npt.NDArray[np.uint64],
        npt.NDArray[np.uint8], dict[str, Any],
    ]: ...
    def clean_file(
        self,
        norm: _Normalizer,
        input: str,
        clean: str,
        rejects: str,
        *,
        column: str | None = None,
        column_index: int | None = None,
        scope_column: str | None = None,
        has_header: bool | None = None,
        delimiter: str | None = None,
        platform: str | None = None,
        batch_size: int | None = None,
        defuse: bool = True,
        bom: bool = False,
        blacklist: _Blacklist | None = None,
        store: str | None = None,
        window_days: float | None = None,
        record: bool = False,
        chunk_rows: int = 16384,
        sheet: str | None = None,
        progress: Callable[[int, int, int], object] | None = None,
        parallel: bool = True,
    ) -> dict[str, Any]: ...
    def write_huawei_workbooks(
        self,
        clean_csv: str,
        out: str,
        *,
        called_column: str | None = None,
        session_column: str | None = None,
        call_data_column: str | None = None,
        custom_field: str | None = None,
        caller: str | None = None,
        rows_per_file: int = 500000,
    ) -> list[str]: ...

calllist: _CalllistModule
# ---- audio ------------------------------------------------------------------------------

import numpy as _np
import numpy.typing as _npt

class _AudioFormatError(ValueError): ...

_Buffer = bytes | bytearray | memoryview
_I16 = _npt.NDArray[_np.int16]

class _AudioModule(ModuleType):
    AudioFormatError: type[_AudioFormatError]
    MP3_RATES: list[int]
    def decode(self, data: _Buffer, codec: str, variant: str = "dialogic") -> _I16: ...
    def encode(self, pcm: _I16, codec: str, variant: str = "dialogic") -> bytes: ...
    def resample(self, pcm: _I16, f_in: int, f_out: int) -> _I16: ...
    def resampler_response(self, f_in: int, f_out: int, freqs: list[float]) -> tuple[list[float], int, int, int]: ...
    def wav_bytes(self, pcm: _I16, sample_rate: int = 8000, channels: int = 1, format: str = "pcm16") -> bytes: ...
    def read_wav(self, data: _Buffer, variant: str = "dialogic") -> tuple[_I16, int, int, str, list[str]]: ...
    def mp3_bytes(self, pcm: _I16, sample_rate: int = 8000, channels: int = 1, bitrate: int = 16, quality: int = 7) -> bytes: ...
    def detect(self, data: _Buffer, rate: int = 8000) -> dict[str, Any]: ...
    def transcode(
        self, src: str, dst: str, source: str = "auto", to: str = "wav", variant: str = "dialogic",
        rate: int | None = None, bitrate: int = 16, quality: int = 7, dc_block: bool = False,
        overwrite: bool = False, auto_vox_rate: int = 8000, mono: bool | None = None,
    ) -> dict[str, Any]: ...
    def merge(
        self, srcs: list[str], dst: str, mode: str = "channels", source: str = "auto", to: str = "wav",
        variant: str = "dialogic", rate: int | None = None, bitrate: int = 16, quality: int = 7,
        dc_block: bool = False, overwrite: bool = False, auto_vox_rate: int = 8000, mono: bool | None = None,
    ) -> dict[str, Any]: ...
    def transcode_many(
        self, jobs: list[tuple[str, str]], source: str = "auto", to: str = "wav", variant: str = "dialogic",
        rate: int | None = None, bitrate: int = 16, quality: int = 7, dc_block: bool = False,
        overwrite: bool = False, auto_vox_rate: int = 8000, mono: bool | None = None, threads: int = 0,
        progress: Callable[[int, bool], object] | None = None,
    ) -> list[dict[str, Any]]: ...

audio: _AudioModule
