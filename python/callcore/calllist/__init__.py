"""Call-list engine: normalize Chinese phone numbers, dedup, blacklist, batch, write.

The heavy lifting is in Rust (``callcore._core.calllist``): an allocation-free normalizer
(E.164 key as a ``uint64``, a kind, a reject reason, the extension apart), keep-first dedup,
blacklist sets and a streaming CSV pipeline. This module is the typed front door:

* :func:`normalize`: a column of numbers -> :class:`NormalizeResult` (``.e164``, ``.reason``,
  ``.kind``, ``.national``, ``.ext`` lists and numpy ``.keys``/``.kinds``/``.reasons``).
* :func:`clean`: a file (CSV / one number per line, UTF-8 or GB18030) -> clean and rejects CSVs,
  or an in-memory column -> :class:`CleanResult`; both with a :class:`Summary`.
* :class:`Blacklist`, :func:`load_blacklist`, :func:`platform_limits`.

Kinds: ``mobile``, ``fixed``, ``nongeo`` (400/800), ``short`` (service short codes),
``foreign``. Reject reasons: see :data:`REASONS`.

Service short codes (95588, 10086, 114) are refused with reason ``short_code`` unless
``allow_short_codes=True`` (a list of service numbers); emergency numbers (110, 112, 119, 120,
122, 999, 12110, 12119, 12395) are refused with reason ``emergency`` whatever the options.
"""

from __future__ import annotations

import atexit
import os
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
import functools
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal, Protocol, overload


from callcore._core import calllist as _c

if TYPE_CHECKING:  # numpy (39 ms to import) is loaded only by the calls that return arrays
    import numpy as np
    import numpy.typing as npt

# a clean that replaces existing outputs removes their old contents on a background thread;
# let it finish before the interpreter exits so no `<output>.part` is left behind
atexit.register(_c.wait_for_removals)

__all__ = [
    "KINDS",
    "LIMITS",
    "REASONS",
    "Blacklist",
    "CalllistError",
    "CleanResult",
    "MissingColumn",
    "NormalizeResult",
    "Normalizer",
    "Summary",
    "clean",
    "dedup_first",
    "load_blacklist",
    "normalize",
    "platform_limits",
    "write_huawei_workbooks",
]

CalllistError = _c.CalllistError
MissingColumn = _c.MissingColumn
Blacklist = _c.Blacklist
Normalizer = _c.Normalizer

_CODES = _c.codes()
#: kind code -> name
KINDS: dict[int, str] = dict(_CODES["kinds"])
#: reason code -> name (0 is "ok")
REASONS: dict[int, str] = dict(_CODES["reasons"])


@functools.cache
def _names() -> tuple[Any, Any]:
    """Kind and reason names by code, as object arrays for numpy's take (built on first use)."""
    import numpy as np

    return (np.array([KINDS.get(i, "invalid") for i in range(256)], dtype=object),
            np.array([None if i == 0 else REASONS.get(i, "bad_number") for i in range(256)], dtype=object))

#: documented input limits, checked before anything is allocated (a file past one is refused
#: with a CalllistError naming the file and the limit): spreadsheet rows, columns and cells,
#: zip entries and decompressed bytes, the longest XML text run, the file size, and the
#: longest first (header) line of a CSV
LIMITS: dict[str, int] = dict(_c.limits())

Foreign = Literal["keep", "reject"]
#: the platforms whose dialing rules and batch limits ``clean(platform=...)`` applies
Platform = Literal["huawei", "huawei-v2", "huawei-file", "sccc", "babaihu", "hl95"]


class _Column(Protocol):
    """A dataframe column (polars/pandas Series, pyarrow array): anything with ``to_list``."""

    def to_list(self) -> list[Any]: ...


class _ArrowColumn(Protocol):
    """An Arrow array or chunked array, read in place through the PyCapsule stream interface."""

    def __arrow_c_stream__(self, requested_schema: object | None = None) -> object: ...
PathLike = str | os.PathLike[str]


def _normalizer(
    default_area_code: str | None = None,
    structural_only: bool = False,
    foreign: Foreign = "keep",
    allow_short_codes: bool = False,
    mobile_prefixes: PathLike | None = None,
    area_codes: PathLike | None = None,
    ip_prefixes: PathLike | None = None,
) -> Any:
    return _c.Normalizer(
        default_area_code=default_area_code,
        structural_only=structural_only,
        foreign=foreign,
        allow_short_codes=allow_short_codes,
        mobile_prefixes=None if mobile_prefixes is None else os.fspath(mobile_prefixes),
        area_codes=None if area_codes is None else os.fspath(area_codes),
        ip_prefixes=None if ip_prefixes is None else os.fspath(ip_prefixes),
    )


class NormalizeResult:
    """Per-input results, in input order. Arrays are numpy; list views are built on first use."""

    def __init__(self, keys: npt.NDArray[np.uint64], kinds: npt.NDArray[np.uint8], reasons: npt.NDArray[np.uint8],
                 ext: npt.NDArray[np.uint64], ext_len: npt.NDArray[np.uint8]) -> None:
        #: uint64 E.164 digits as an integer (0 when rejected): the dedup key
        self.keys = keys
        #: uint8 kind codes (see KINDS)
        self.kinds = kinds
        #: uint8 reason codes (0 = accepted; see REASONS)
        self.reasons = reasons
        self._ext = ext
        self._ext_len = ext_len

    def __len__(self) -> int:
        return len(self.keys)

    @cached_property
    def e164(self) -> list[str | None]:
        """``+8613800138000`` strings, None where rejected."""
        return _c.format_e164(self.keys)

    @cached_property
    def national(self) -> list[str | None]:
        """National dialing forms (``13800138000``, ``01012345678``, ``0016502530000``)."""
        return _c.format_national(self.keys, self.kinds)

    @cached_property
    def reason(self) -> list[str | None]:
        """Reject reason names, None where accepted."""
        return _names()[1][self.reasons].tolist()

    @cached_property
    def kind(self) -> list[str]:
        """Kind names (``invalid`` where rejected)."""
        return _names()[0][self.kinds].tolist()

    @cached_property
    def ext(self) -> list[str | None]:
        """Extensions (digits, leading zeros kept), None where there is none."""
        out: list[str | None] = []
        for v, n in zip(self._ext.tolist(), self._ext_len.tolist()):
            out.append(str(v).zfill(n) if n else None)
        return out

    @property
    def ok(self) -> npt.NDArray[np.bool_]:
        """Boolean mask of accepted inputs."""
        return self.reasons == 0

    def __repr__(self) -> str:
        return f"NormalizeResult({len(self)} numbers, {int(self.ok.sum())} accepted)"


def _run_normalize(norm: Any, numbers: Any) -> tuple[np.ndarray, ...]:
    import numpy as np

    if isinstance(numbers, np.ndarray):
        arr = np.ascontiguousarray(numbers)
        if arr.ndim != 1:
            raise ValueError(f"numbers: expected a 1-d array, got shape {arr.shape}")
        if arr.dtype.kind == "U" and arr.dtype.byteorder == ">":
            arr = arr.astype(arr.dtype.newbyteorder("<"))
        if arr.dtype.kind in "SU":
            if arr.dtype.itemsize == 0 or len(arr) == 0:
                return _c.normalize_list(norm, [])
            return _c.normalize_fixed(norm, arr.view(np.uint8).reshape(-1), arr.dtype.itemsize, arr.dtype.kind == "U")
        if arr.dtype.kind in "iu":
            return _c.normalize_ints(norm, arr.astype(np.int64, copy=False))
        return _c.normalize_list(norm, arr.tolist())
    if hasattr(numbers, "to_list") and not hasattr(numbers, "__arrow_c_stream__"):
        # a pandas Series (a polars Series is read through the Arrow stream interface: its
        # text buffers are used in place, with no list of Python strings made)
        numbers = numbers.to_list()
    if isinstance(numbers, (str, bytes)):
        raise TypeError("numbers: expected a sequence of numbers, got a single str/bytes")
    return _c.normalize_list(norm, numbers)


def normalize(
    numbers: Sequence[str] | np.ndarray | Any,
    *,
    default_area_code: str | None = None,
    structural_only: bool = False,
    foreign: Foreign = "keep",
    allow_short_codes: bool = False,
    mobile_prefixes: PathLike | None = None,
    normalizer: Normalizer | None = None,
) -> NormalizeResult:
    """Normalize a column of Chinese phone numbers.

    ``numbers`` may be a list/tuple of ``str`` (``bytes``, ``int`` and ``None`` also accepted), a
    numpy ``S``/``U``/integer array, a polars Series or pyarrow array (text columns are read in
    place through the Arrow PyCapsule stream interface, ``__arrow_c_stream__``; pyarrow is not
    needed), or a pandas Series. ``default_area_code`` (e.g.
    ``"0755"``) completes local 7/8-digit numbers; ``structural_only`` accepts any
    ``1[3-9]xxxxxxxxx`` mobile instead of checking the allocated-prefix table (or pass an updated
    table file as ``mobile_prefixes``); ``foreign="reject"`` rejects numbers of other countries.
    Service short codes are rejected (``short_code``) unless ``allow_short_codes=True``;
    emergency numbers are rejected (``emergency``) always.
    """
    norm = normalizer or _normalizer(default_area_code, structural_only, foreign, allow_short_codes, mobile_prefixes)
    return NormalizeResult(*_run_normalize(norm, numbers))


def dedup_first(keys: npt.ArrayLike) -> npt.NDArray[np.bool_]:
    """Keep-first mask over uint64 keys (key 0, i.e. rejected, is never a duplicate)."""
    import numpy as np

    return _c.first_flags(np.ascontiguousarray(keys, dtype=np.uint64))


def load_blacklist(path: PathLike, *, default_area_code: str | None = None) -> Blacklist:
    """Load a blacklist file (one number per line, or the first CSV field); numbers are
    normalized, so ``+86 138…`` and ``138…`` block the same line. ``.invalid_lines`` counts the
    lines that are not numbers."""
    return _c.Blacklist.load(os.fspath(path), _normalizer(default_area_code))


def _as_blacklist(b: Any, default_area_code: str | None) -> Any:
    if b is None or isinstance(b, _c.Blacklist):
        return b
    if isinstance(b, (str, os.PathLike)):
        return load_blacklist(b, default_area_code=default_area_code)
    res = normalize(list(b), default_area_code=default_area_code)
    return _c.Blacklist.from_keys(res.keys[res.keys != 0])


@dataclass(frozen=True)
class Summary:
    """Counts of one clean run: ``rows == clean + rejected``; ``per_reason`` adds up to
    ``rejected`` and ``per_kind`` to ``clean``."""

    rows: int
    clean: int
    rejected: int
    per_kind: dict[str, int]
    per_reason: dict[str, int]
    duplicates: int
    blacklisted: int
    already_imported: int
    ragged: int = 0
    missing_field: int = 0
    batches: int = 0
    encoding: str | None = None
    delimiter: str | None = None
    header: bool | None = None
    column: int | None = None
    columns: list[str] = field(default_factory=list)
    #: the clean file's size and hex SHA-256, computed while writing it (``clean(hash_clean=True)``)
    clean_bytes: int | None = None
    clean_sha256: str | None = None

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Summary:
        return cls(**{k: d.get(k) for k in cls.__dataclass_fields__ if k in d})  # type: ignore[arg-type]

    @classmethod
    def _from_core(cls, s: _c.CleanSummary) -> Summary:
        digest = s.clean_digest
        return cls(
            rows=s.rows, clean=s.clean, rejected=s.rejected, per_kind=s.per_kind, per_reason=s.per_reason,
            duplicates=s.duplicates, blacklisted=s.blacklisted, already_imported=s.already_imported,
            ragged=s.ragged, missing_field=s.missing_field, batches=s.batches, encoding=s.encoding,
            delimiter=s.delimiter, header=s.header, column=s.column, columns=s.columns,
            clean_bytes=None if digest is None else digest[0], clean_sha256=None if digest is None else digest[1],
        )


@dataclass
class CleanResult:
    """In-memory clean of a column: per-row arrays (final reasons include ``duplicate``,
    ``blacklisted``, ``already_imported``) and the summary."""

    result: NormalizeResult
    summary: Summary

    @property
    def mask(self) -> npt.NDArray[np.bool_]:
        """Boolean mask of the rows that are clean."""
        return self.result.reasons == 0


def platform_limits(platform: str) -> dict[str, int | None]:
    """Batch size (default), maximum batch, longest dialing string and pending cap of a platform
    profile (``huawei``, ``huawei-v2``, ``huawei-file``, ``sccc``, ... or an alias the core accepts):
    the core's figures, through :func:`callcore.platforms.registry.limits`."""
    from callcore.platforms import registry

    return registry.limits(platform).as_dict()


@overload
def clean(  # type: ignore[overload-overlap]  # a str is a path here, never a column of characters
    source: PathLike,
    output: PathLike | None = None,
    rejects: PathLike | None = None,
    *,
    column: str | int | None = None,
    scope_column: str | None = None,
    scopes: Sequence[str] | None = None,
    has_header: bool | None = None,
    delimiter: str | None = None,
    blacklist: Blacklist | PathLike | Iterable[str] | None = None,
    store: PathLike | None = None,
    window_days: float | None = None,
    record: bool = False,
    platform: Platform | None = None,
    batch_size: int | None = None,
    default_area_code: str | None = None,
    structural_only: bool = False,
    foreign: Foreign = "keep",
    allow_short_codes: bool = False,
    mobile_prefixes: PathLike | None = None,
    defuse: bool = True,
    bom: bool = False,
    chunk_rows: int = 16384,
    sheet: str | None = None,
    progress: Callable[[int, int, int], object] | None = None,
    parallel: bool = True,
    on_dial_column: Callable[[bytes, bytes], object] | None = None,
    hash_clean: bool = False,
) -> Summary: ...
@overload
def clean(
    source: Sequence[str | int | bytes | None] | np.ndarray | _Column | _ArrowColumn,
    output: None = None,
    rejects: None = None,
    *,
    column: str | int | None = None,
    scope_column: str | None = None,
    scopes: Sequence[str] | None = None,
    has_header: bool | None = None,
    delimiter: str | None = None,
    blacklist: Blacklist | PathLike | Iterable[str] | None = None,
    store: PathLike | None = None,
    window_days: float | None = None,
    record: bool = False,
    platform: Platform | None = None,
    batch_size: int | None = None,
    default_area_code: str | None = None,
    structural_only: bool = False,
    foreign: Foreign = "keep",
    allow_short_codes: bool = False,
    mobile_prefixes: PathLike | None = None,
    defuse: bool = True,
    bom: bool = False,
    chunk_rows: int = 16384,
    sheet: str | None = None,
    progress: Callable[[int, int, int], object] | None = None,
    parallel: bool = True,
) -> CleanResult: ...
def clean(
    source: PathLike | Sequence[str] | np.ndarray | Any,
    output: PathLike | None = None,
    rejects: PathLike | None = None,
    *,
    column: str | int | None = None,
    scope_column: str | None = None,
    scopes: Sequence[str] | None = None,
    has_header: bool | None = None,
    delimiter: str | None = None,
    blacklist: Blacklist | PathLike | Iterable[str] | None = None,
    store: PathLike | None = None,
    window_days: float | None = None,
    record: bool = False,
    platform: Platform | None = None,
    batch_size: int | None = None,
    default_area_code: str | None = None,
    structural_only: bool = False,
    foreign: Foreign = "keep",
    allow_short_codes: bool = False,
    mobile_prefixes: PathLike | None = None,
    defuse: bool = True,
    bom: bool = False,
    chunk_rows: int = 16384,
    sheet: str | None = None,
    progress: Callable[[int, int, int], object] | None = None,
    parallel: bool = True,
    on_dial_column: Callable[[bytes, bytes], object] | None = None,
    hash_clean: bool = False,
) -> Summary | CleanResult:
    """Clean a call list: normalize, reject invalid numbers, keep the first of duplicates
    (within ``scope_column``/``scopes`` when given), refuse ``blacklist`` numbers (a path, a
    :class:`Blacklist`, or a list of numbers) and numbers in the import ``store`` (a file; within
    ``window_days`` if given; ``record=True`` adds this run's clean numbers), check the
    ``platform`` dialing-string rules and cut batches.

    A path ``source`` (CSV or one number per line in UTF-8/GB18030; or XLSX/XLS/ODS, ``sheet``
    choosing the sheet) streams the file to ``output`` (clean CSV: the input's columns, then
    ``e164,national,kind,ext`` and, with a platform, ``dial,batch``) and ``rejects`` (``row`` =
    the input line number, ``input``, ``reason``, ``e164``) and returns a :class:`Summary`.
    Any other ``source`` is an in-memory column and returns a :class:`CleanResult`.
    Every row ends in exactly one of clean or rejects.
    CSV files are parsed, normalized and written on all cores; ``parallel=False`` takes the
    single-reader path instead (the same output; for comparison). ``chunk_rows`` sets the
    chunk size (rows on the single-reader path, ``8 * chunk_rows`` bytes a piece on the
    parallel one). ``on_dial_column`` (a file ``source`` with a ``platform``) is called once,
    before the function returns, with the clean rows' ``dial`` column as the clean wrote it,
    packed: ``lines`` (every value followed by ``\n``) and ``offsets`` (native-endian u64 start
    of each row's value, plus the end), as :func:`callcore._core.calllist.read_dial_column`
    reads it back from the file. ``hash_clean`` (a file ``source``) hashes the clean file as it is
    written: its size and SHA-256 come back as ``Summary.clean_bytes`` and ``clean_sha256``
    (without a second read of the file; an import journals them to know its clean.csv later).
    """
    if on_dial_column is not None and (platform is None or not isinstance(source, (str, os.PathLike))):
        raise ValueError("on_dial_column needs a file source and a platform (the dial column is the platform's)")
    if hash_clean and not isinstance(source, (str, os.PathLike)):
        raise ValueError("hash_clean needs a file source (an in-memory clean writes no clean file)")
    norm = _normalizer(default_area_code, structural_only, foreign, allow_short_codes, mobile_prefixes)
    bl = _as_blacklist(blacklist, default_area_code)
    store_s = None if store is None else os.fspath(store)
    if isinstance(source, (str, os.PathLike)):
        src = Path(source)
        out = Path(output) if output is not None else src.with_name(src.stem + ".clean.csv")
        rej = Path(rejects) if rejects is not None else src.with_name(src.stem + ".rejects.csv")
        kw: dict[str, Any] = {}
        if isinstance(column, int):
            kw["column_index"] = column
        elif column is not None:
            kw["column"] = column
        core_summary = _c.clean_file(
            norm, os.fspath(src), os.fspath(out), os.fspath(rej),
            scope_column=scope_column, has_header=has_header, delimiter=delimiter,
            platform=platform, batch_size=batch_size, defuse=defuse, bom=bom, blacklist=bl,
            store=store_s, window_days=window_days, record=record, chunk_rows=chunk_rows,
            sheet=sheet, progress=progress, parallel=parallel, keep_dial=on_dial_column is not None,
            hash_clean=hash_clean, **kw,
        )
        packed = core_summary.dial_column
        if on_dial_column is not None and packed is not None:
            on_dial_column(*packed)
        return Summary._from_core(core_summary)
    values = source
    import numpy as np

    if isinstance(values, np.ndarray):
        values = values.tolist()
    elif hasattr(values, "to_list") and not hasattr(values, "__arrow_c_stream__"):
        values = values.to_list()
    if scopes is not None and not isinstance(scopes, (list, tuple)):
        scopes = list(scopes)
    keys, kinds, reasons, ext, ext_len, core_summary = _c.clean_values(
        norm, values, scopes=scopes, blacklist=bl, store=store_s, window_days=window_days,
        record=record, platform=platform, batch_size=batch_size,
    )
    return CleanResult(NormalizeResult(keys, kinds, reasons, ext, ext_len), Summary._from_core(core_summary))


def write_huawei_workbooks(
    clean_csv: PathLike,
    out: PathLike,
    *,
    called_column: str | None = None,
    session_column: str | None = None,
    call_data_column: str | None = None,
    custom_field: str | None = None,
    caller: str | None = None,
    rows_per_file: int = 500_000,
    undefuse: bool = True,
) -> list[Path]:
    """Write the Huawei CEC server-import workbook (7.4.8) from a clean CSV produced by
    :func:`clean`: the template's six columns (``sessionId``, ``called`` as the JSON array
    ``[{"calledNo":"..."}]``, ``caller``, ``callData``, ``customField``, ``recycleTime``), at most
    ``rows_per_file`` (<= 500,000) rows a file; beyond that ``<stem>_001.xlsx``, ``_002``, ...

    ``called_column`` defaults to ``dial`` (clean with ``platform="huawei-file"``) or ``national``.
    ``custom_field`` (e.g. a batch id) is checked against the characters Huawei forbids.
    ``undefuse`` (default, as :func:`clean` defuses by default): the ``'`` the clean file put in
    front of formula-like cells is taken off, so ``callData``/``sessionId`` reach the platform as
    they were in the input (an XLSX string cell is not a formula); pass False for a clean file
    written with ``defuse=False``.
    Returns the files written."""
    files = _c.write_huawei_workbooks(
        os.fspath(clean_csv), os.fspath(out), called_column=called_column, session_column=session_column,
        call_data_column=call_data_column, custom_field=custom_field, caller=caller, rows_per_file=rows_per_file,
        undefuse=undefuse,
    )
    return [Path(f) for f in files]
