# Type stubs for the Rust extension `callcore._core`.
# Each capability is a submodule of the extension (`callcore._core.sign`, ...), declared here as
# a class used as a namespace: its classes are nested classes, so that `callcore.calllist.Blacklist`
# and the error types are real classes to a type checker (annotate, subclass, except) and not
# variables of type `type[...]`; its functions are static methods. One section a capability, in
# the order of rust/bindings/mod.rs.

from collections.abc import Callable, Iterable, Mapping
from datetime import datetime
from typing import Any, Literal

from callcore import audio as _audio

__version__: str

# ---- sign -------------------------------------------------------------------------------


_Body = bytes | str | bytearray | None

class sign:
    class SignError(ValueError): ...
    class SignInternalError(SignError): ...
    @staticmethod
    def _panic_for_test() -> None: ...
    class AuthError(Exception): ...
    class MalformedAuthorization(AuthError): ...
    class UnknownAccessKey(AuthError): ...
    class ClockSkew(AuthError):
        skew_seconds: float
    class UnsignedHost(AuthError): ...
    class SignatureMismatch(AuthError): ...
    @staticmethod
    def auth_v2(
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
    @staticmethod
    def auth_v2_many(
        requests: Iterable[tuple[Any, ...]],
        access_key: str,
        secret_key: str,
        timestamp: str | None = None,
        millis: bool = True,
    ) -> list[str]: ...
    @staticmethod
    def canonical_request(
        method: str,
        uri: str,
        headers: Mapping[str, str],
        body: _Body = None,
        query: Mapping[str, str] | None = None,
    ) -> str: ...
    @staticmethod
    def verify_auth_v2(
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
    @staticmethod
    def parse_authorization(authorization: str) -> tuple[str, str, str, str]: ...
    @staticmethod
    def format_timestamp(unix_ms: int, millis: bool = True) -> str: ...
    @staticmethod
    def format_datetime(when: datetime, millis: bool = True) -> str: ...
    @staticmethod
    def parse_timestamp(ts: str) -> int: ...
    @staticmethod
    def sccc_digest(customer: str, timestamp: str, seq: str, password: str) -> str: ...
    @staticmethod
    def sccc_digest_matches(customer: str, timestamp: str, seq: str, password: str, digest: str) -> bool: ...
    @staticmethod
    def chatbot_checksum(nonce: str, key: str) -> str: ...
    @staticmethod
    def callback_parameter_string(params: list[tuple[str, str]]) -> str: ...
    @staticmethod
    def callback_signature(secret: str, timestamp: str, nonce: str, params: list[tuple[str, str]]) -> str: ...
    @staticmethod
    def callback_signature_matches(
        secret: str, timestamp: str, nonce: str, params: list[tuple[str, str]], signature: str
    ) -> bool: ...


# ---- calllist ---------------------------------------------------------------------------

import numpy as np
import numpy.typing as npt


_Arrays = tuple[
    npt.NDArray[np.uint64], npt.NDArray[np.uint8], npt.NDArray[np.uint8], npt.NDArray[np.uint64], npt.NDArray[np.uint8]
]


class calllist:
    class CalllistError(ValueError): ...
    class MissingColumn(CalllistError): ...
    class CleanSummary:
        """Counts of one clean run as the core counted them (frozen)."""

        @property
        def rows(self) -> int: ...
        @property
        def clean(self) -> int: ...
        @property
        def rejected(self) -> int: ...
        @property
        def dial_column(self) -> tuple[bytes, bytes] | None: ...
        @property
        def clean_digest(self) -> tuple[int, str] | None: ...
        @property
        def per_kind(self) -> dict[str, int]: ...
        @property
        def per_reason(self) -> dict[str, int]: ...
        @property
        def duplicates(self) -> int: ...
        @property
        def blacklisted(self) -> int: ...
        @property
        def already_imported(self) -> int: ...
        @property
        def ragged(self) -> int: ...
        @property
        def missing_field(self) -> int: ...
        @property
        def batches(self) -> int: ...
        @property
        def encoding(self) -> str: ...
        @property
        def delimiter(self) -> str | None: ...
        @property
        def header(self) -> bool: ...
        @property
        def column(self) -> int: ...
        @property
        def columns(self) -> list[str]: ...
    class Normalizer:
        def __init__(
            self,
            *,
            default_area_code: str | None = None,
            structural_only: bool = False,
            foreign: Literal["keep", "reject"] = "keep",
            allow_short_codes: bool = False,
            mobile_prefixes: str | None = None,
            area_codes: str | None = None,
            ip_prefixes: str | None = None,
        ) -> None: ...
        def one(self, value: str) -> tuple[str | None, str | None, str, str | None, str | None]: ...
        def area_city(self, code: int) -> str | None: ...
    class Blacklist:
        @staticmethod
        def load(path: str, norm: calllist.Normalizer) -> calllist.Blacklist: ...
        @staticmethod
        def from_keys(keys: npt.NDArray[np.uint64]) -> calllist.Blacklist: ...
        def __len__(self) -> int: ...
        @property
        def invalid_lines(self) -> int: ...
        def contains_key(self, key: int) -> bool: ...
    @staticmethod
    def normalize_list(norm: calllist.Normalizer, values: Iterable[Any]) -> _Arrays: ...
    @staticmethod
    def wait_for_removals() -> None: ...
    @staticmethod
    def normalize_fixed(norm: calllist.Normalizer, buf: npt.NDArray[np.uint8], itemsize: int, ucs4: bool) -> _Arrays: ...
    @staticmethod
    def normalize_packed(
        norm: calllist.Normalizer, data: npt.NDArray[np.uint8], offsets: npt.NDArray[np.int64], threads: int | None = None
    ) -> _Arrays: ...
    @staticmethod
    def normalize_ints(norm: calllist.Normalizer, values: npt.NDArray[np.int64]) -> _Arrays: ...
    @staticmethod
    def format_e164(keys: npt.NDArray[np.uint64]) -> list[str | None]: ...
    @staticmethod
    def format_national(keys: npt.NDArray[np.uint64], kinds: npt.NDArray[np.uint8]) -> list[str | None]: ...
    @staticmethod
    def codes() -> dict[str, dict[int, str]]: ...
    @staticmethod
    def limits() -> dict[str, int]: ...
    @staticmethod
    def platform_profiles() -> list[tuple[str, str, int, int | None, int | None, int | None]]: ...
    @staticmethod
    def _panic_probe() -> None: ...
    @staticmethod
    def first_flags(keys: npt.NDArray[np.uint64]) -> npt.NDArray[np.bool_]: ...
    @staticmethod
    def clean_values(
        norm: calllist.Normalizer,
        values: Iterable[Any],
        scopes: Iterable[Any] | None = None,
        blacklist: calllist.Blacklist | None = None,
        store: str | None = None,
        window_days: float | None = None,
        record: bool = False,
        platform: str | None = None,
        batch_size: int | None = None,
    ) -> tuple[
        npt.NDArray[np.uint64], npt.NDArray[np.uint8], npt.NDArray[np.uint8], npt.NDArray[np.uint64],
        npt.NDArray[np.uint8], calllist.CleanSummary,
    ]: ...
    @staticmethod
    def clean_file(
        norm: calllist.Normalizer,
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
        blacklist: calllist.Blacklist | None = None,
        store: str | None = None,
        window_days: float | None = None,
        record: bool = False,
        chunk_rows: int = 16384,
        sheet: str | None = None,
        progress: Callable[[int, int, int], object] | None = None,
        parallel: bool = True,
        keep_dial: bool = False,
        hash_clean: bool = False,
    ) -> calllist.CleanSummary: ...
    @staticmethod
    def write_huawei_workbooks(
        clean_csv: str,
        out: str,
        *,
        called_column: str | None = None,
        session_column: str | None = None,
        call_data_column: str | None = None,
        custom_field: str | None = None,
        caller: str | None = None,
        rows_per_file: int = 500000,
        undefuse: bool = True,
    ) -> list[str]: ...
    @staticmethod
    def write_huawei_batch(
        out: str,
        numbers: bytes,
        *,
        session_prefix: str,
        first_row: int,
        custom_field: str | None = None,
    ) -> int: ...
    @staticmethod
    def read_dial_column(path: str) -> tuple[bytes, bytes, tuple[int, str]]: ...

# ---- audio ------------------------------------------------------------------------------

import numpy as _np
import numpy.typing as _npt


_Buffer = bytes | bytearray | memoryview
_I16 = _npt.NDArray[_np.int16]

class audio:
    class AudioFormatError(ValueError): ...
    class AudioLimitError(AudioFormatError): ...
    class AudioInternalError(AudioFormatError): ...
    MP3_RATES: list[int]
    MIN_SAMPLE_RATE: int
    MAX_SAMPLE_RATE: int
    MAX_CHANNELS: int
    MAX_RESAMPLER_TAPS: int
    @staticmethod
    def _panic_for_test() -> None: ...
    class TranscodeResult:
        """The outcome of one file (frozen): what was done, or the error and its reason."""

        __match_args__ = ("src", "dst", "ok", "status")
        @property
        def src(self) -> str: ...
        @property
        def dst(self) -> str: ...
        @property
        def ok(self) -> bool: ...
        @property
        def status(self) -> Literal["done", "skipped", "error"]: ...
        @property
        def error(self) -> str | None: ...
        @property
        def error_kind(self) -> Literal["io", "empty", "format", "limit", "invalid-option", "cancelled"] | None: ...
        @property
        def input(self) -> str: ...
        @property
        def variant(self) -> str | None: ...
        @property
        def channels(self) -> int: ...
        @property
        def in_rate(self) -> int: ...
        @property
        def out_rate(self) -> int: ...
        @property
        def frames(self) -> int: ...
        @property
        def seconds(self) -> float: ...
        @property
        def input_bytes(self) -> int: ...
        @property
        def output_bytes(self) -> int: ...
        @property
        def bytes_written(self) -> int: ...
        @property
        def sha256(self) -> str | None: ...
        @property
        def notes(self) -> list[str]: ...
        def __init__(
            self, src: str, dst: str, ok: bool, status: str, error: str | None = None,
            error_kind: str | None = None, input: str = "", variant: str | None = None, channels: int = 0,
            in_rate: int = 0, out_rate: int = 0, frames: int = 0, seconds: float = 0.0, input_bytes: int = 0,
            output_bytes: int = 0, bytes_written: int = 0, sha256: str | None = None, notes: list[str] | None = None,
        ) -> None: ...
        def __hash__(self) -> int: ...

    @staticmethod
    def decode(data: _Buffer, codec: _audio.Codec, variant: _audio.VoxRule = "dialogic") -> _I16: ...
    @staticmethod
    def encode(pcm: _I16, codec: _audio.Codec, variant: _audio.VoxRule = "dialogic") -> bytes: ...
    @staticmethod
    def resample(pcm: _I16, f_in: int, f_out: int) -> _I16: ...
    @staticmethod
    def resampler_response(f_in: int, f_out: int, freqs: list[float]) -> tuple[list[float], int, int, int]: ...
    @staticmethod
    def wav_bytes(pcm: _I16, sample_rate: int = 8000, channels: int = 1, format: _audio.WavFormat = "pcm16") -> bytes: ...
    @staticmethod
    def read_wav(data: _Buffer, variant: _audio.VoxRule = "dialogic") -> tuple[_I16, int, int, str, list[str]]: ...
    @staticmethod
    def mp3_bytes(pcm: _I16, sample_rate: int = 8000, channels: int = 1, bitrate: int = 16, quality: int = 7) -> bytes: ...
    @staticmethod
    def detect(data: _Buffer, rate: int = 8000) -> dict[str, Any]: ...
    @staticmethod
    def transcode(src: str, dst: str, options: _audio._TranscodeOptions) -> audio.TranscodeResult: ...
    @staticmethod
    def merge(
        srcs: list[str], dst: str, mode: _audio.MergeMode, options: _audio._TranscodeOptions
    ) -> audio.TranscodeResult: ...
    @staticmethod
    def transcode_many(
        jobs: list[tuple[str, str]], options: _audio._TranscodeOptions, threads: int = 0,
        progress: Callable[[int, bool], object] | None = None,
    ) -> list[audio.TranscodeResult]: ...


# ---- textcsv ----------------------------------------------------------------------------

class textcsv:
    class TextCsvInternalError(RuntimeError): ...

    @staticmethod
    def read_rows(data: bytes) -> list[list[str]]: ...
