"""Telephony audio: VOX (Dialogic/OKI ADPCM) and G.711 codecs, WAV and MP3, batch transcoding.

Huawei CEC keeps call recordings as headerless ``.V3`` files: 24K VOX (OKI ADPCM at 6 kHz),
32K VOX (8 kHz) or 64K A-law (``shared/notes/recording.md``). The Rust core (``rust/audio/``)
decodes them with one of three VOX rules (``shared/notes/references.md`` §2.2):

* ``"dialogic"`` (default): the Dialogic application note, bit-exact with spandsp;
* ``"ffmpeg"``: bit-exact with ``ffmpeg -f u8 -ar 8000 -c:a adpcm_ima_oki -i FILE``;
* ``"sox"``: bit-exact with ``sox -t vox`` and libsndfile.

Decoding with the wrong rule makes the audio drift; ``variant="auto"`` (in :func:`transcode`)
decodes the head with each rule and keeps the one with the least drift, DC and clipping.
The initial state is the documented one (predictor 0, step index 0), high nibble first.

* :func:`decode`, :func:`encode`: headerless ``vox``/``alaw``/``ulaw`` bytes <-> int16 arrays.
* :func:`transcode`, :func:`transcode_many`, :func:`merge`: files to WAV (PCM16, A-law,
  µ-law) or MP3 (LAME), streaming in constant memory, written atomically, in parallel.
* :func:`read_wav`, :func:`wav_bytes`, :func:`mp3_bytes`, :func:`resample`, :func:`detect`.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Sequence

from callcore import _extras
from callcore._core import audio as _core

# typing is ~2 ms of imports, a few percent of a one-hour file's whole `callcore audio transcode`:
# the option and result types live in callcore.audio._types, imported here for type checkers
# (which read any name TYPE_CHECKING as true) and at run time on first use (__getattr__ below)
TYPE_CHECKING = False
if TYPE_CHECKING:
    from pathlib import Path
    from typing import Any, Literal

    import numpy as np  # numpy is imported on first use: `callcore audio transcode` never needs it
    import numpy.typing as npt

    from callcore.audio._types import Codec as Codec
    from callcore.audio._types import Detection as Detection
    from callcore.audio._types import Format as Format
    from callcore.audio._types import MergeMode as MergeMode
    from callcore.audio._types import _TranscodeOptions
    from callcore.audio._types import RuleScore as RuleScore
    from callcore.audio._types import Source as Source
    from callcore.audio._types import Variant as Variant
    from callcore.audio._types import VoxRule as VoxRule
    from callcore.audio._types import WavFormat as WavFormat
else:
    _TYPES = frozenset({"Codec", "Detection", "Format", "MergeMode", "RuleScore", "Source", "Variant", "VoxRule", "WavFormat"})

    def __getattr__(name: str) -> object:
        if name in _TYPES:
            from callcore.audio import _types

            value = getattr(_types, name)
            globals()[name] = value  # looked up once
            return value
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")

AudioFormatError = _core.AudioFormatError
#: a declared value (sample rate, channel count, resampling filter size) is past a limit below;
#: a subclass of :class:`AudioFormatError`, so ``except AudioFormatError`` still catches it
AudioLimitError = _core.AudioLimitError
#: a bug in the Rust core (a panic) stopped the call: an ordinary exception, never an abort
AudioInternalError = _core.AudioInternalError
#: the limits every input, argument and output is checked against before anything is sized
#: from it (``rust/audio/limits.rs``): far above real recordings, far below what hurts
MIN_SAMPLE_RATE: int = _core.MIN_SAMPLE_RATE
MAX_SAMPLE_RATE: int = _core.MAX_SAMPLE_RATE
MAX_CHANNELS: int = _core.MAX_CHANNELS
MAX_RESAMPLER_TAPS: int = _core.MAX_RESAMPLER_TAPS
MP3_RATES: tuple[int, ...] = tuple(_core.MP3_RATES)
VARIANTS = ("dialogic", "ffmpeg", "sox")
CODECS = ("vox", "alaw", "ulaw")
SOURCES = ("vox6k", "vox8k", "alaw", "ulaw", "auto")
FORMATS = ("wav", "wav-alaw", "wav-ulaw", "mp3")
#: file extensions picked up when a folder is given
INPUT_SUFFIXES = (".v3", ".vox", ".al", ".alaw", ".wav", ".ul", ".ulaw", ".raw")

__all__ = [
    "AudioFormatError",
    "AudioInternalError",
    "AudioLimitError",
    "CODECS",
    "Codec",
    "Detection",
    "Format",
    "Source",
    "RuleScore",
    "Variant",
    "VoxRule",
    "WavFormat",
    "FORMATS",
    "MAX_CHANNELS",
    "MAX_RESAMPLER_TAPS",
    "MAX_SAMPLE_RATE",
    "MIN_SAMPLE_RATE",
    "MP3_RATES",
    "SOURCES",
    "TranscodeResult",
    "VARIANTS",
    "decode",
    "detect",
    "encode",
    "merge",
    "mp3_bytes",
    "plan_outputs",
    "read_wav",
    "resample",
    "transcode",
    "transcode_many",
    "wav_bytes",
]

PathLike = str | os.PathLike[str]


def _pcm(pcm: npt.ArrayLike) -> npt.NDArray[np.int16]:
    numpy = _extras.numpy()

    a = numpy.asarray(pcm)
    if a.dtype != numpy.int16:
        if a.dtype.kind not in "iu":
            raise TypeError(f"pcm: expected an int16 array (or integers in int16 range), got dtype {a.dtype}")
        if a.size and (a.min() < -32768 or a.max() > 32767):
            raise ValueError("pcm: values outside the int16 range")
        a = a.astype(numpy.int16)
    if a.ndim != 1:
        raise ValueError(f"pcm: expected a 1-D array, got shape {a.shape}")
    checked: npt.NDArray[np.int16] = a  # numpy comes through _extras untyped: the type is said here
    return checked


def decode(data: bytes | bytearray | memoryview, codec: Codec, *, variant: Variant = "dialogic") -> npt.NDArray[np.int16]:
    """Decodes headerless ``vox``, ``alaw`` or ``ulaw`` bytes to an int16 array.

    VOX gives two samples per byte (high nibble first) from the documented initial state;
    ``variant`` picks the rule (``dialogic``, ``ffmpeg``, ``sox``; ``spandsp`` = ``dialogic``),
    or ``auto`` to pick it from the first 64 KiB (see :func:`detect`).
    G.711 is bit-exact with ITU-T G.191 and :mod:`audioop`.
    """
    _extras.numpy()  # a clear ImportError, not the core's panic, when numpy is missing
    if variant == "auto":
        variant = _core.detect(memoryview(data)[:65536].tobytes(), 8000)["variant"] if codec == "vox" else "dialogic"
    return _core.decode(data, codec, variant)


def encode(pcm: npt.ArrayLike, codec: Codec, *, variant: VoxRule = "dialogic") -> bytes:
    """Encodes int16 samples to headerless ``vox``, ``alaw`` or ``ulaw`` bytes.

    VOX encoders: ``dialogic`` (application note; bit-exact with libspandsp 0.0.6's
    ``oki_adpcm_encode``), ``sox`` (bit-exact with ``sox -t vox``), ``ffmpeg`` (FFmpeg has no
    OKI encoder: the SoX quantiser tracked with FFmpeg's decoder). An odd sample count pads the
    last low nibble with 0. G.711 encoding equals ``audioop.lin2alaw``/``lin2ulaw`` on every input.
    """
    return _core.encode(_pcm(pcm), codec, variant)


def resample(pcm: npt.ArrayLike, f_in: int, f_out: int) -> npt.NDArray[np.int16]:
    """Polyphase resampling (e.g. 6000 -> 8000 or 16000 Hz); output length ceil(n * f_out / f_in).

    Both rates must lie in ``MIN_SAMPLE_RATE..=MAX_SAMPLE_RATE`` and the filter for the pair
    within ``MAX_RESAMPLER_TAPS`` (every pair of the usual rates needs at most 130,560), else
    :class:`AudioLimitError`, raised before anything is allocated."""
    return _core.resample(_pcm(pcm), f_in, f_out)


def wav_bytes(pcm: npt.ArrayLike, sample_rate: int = 8000, *, channels: int = 1, format: WavFormat = "pcm16") -> bytes:
    """A complete WAV file: ``pcm16``, ``alaw`` (the platform's prompt format at 8 kHz mono) or ``ulaw``."""
    return _core.wav_bytes(_pcm(pcm), sample_rate, channels, format)


def read_wav(data: bytes | bytearray | memoryview, *, variant: VoxRule = "dialogic") -> tuple[npt.NDArray[np.int16], int, int, str, list[str]]:
    """Decodes a WAV held in memory (PCM16/8, A-law, µ-law, OKI ADPCM).

    Returns ``(interleaved int16 samples, sample_rate, channels, codec, notes)``; ``notes`` says
    what was worked around (a ``data`` length that lies, truncation, an odd byte count).
    """
    _extras.numpy()
    return _core.read_wav(data, variant)


def mp3_bytes(pcm: npt.ArrayLike, sample_rate: int = 8000, *, channels: int = 1, bitrate: int = 16, quality: int = 7) -> bytes:
    """Encodes int16 samples (interleaved if stereo) to CBR MP3 with LAME."""
    return _core.mp3_bytes(_pcm(pcm), sample_rate, channels, bitrate, quality)


def detect(data: bytes | bytearray | memoryview, *, rate: int = 8000) -> Detection:
    """Sniffs the container and scores each VOX rule on ``data`` (lower score is better)."""
    return _core.detect(data, rate)  # type: ignore[return-value]  # the core builds exactly this dict


# The outcome of one file, built by the extension once (a frozen class with ``ok``, ``status``
# ("done", "skipped" or "error"), ``error``/``error_kind``, what was found and written, the
# output's ``sha256`` and ``bytes_written``); see its stub in _core.pyi.
TranscodeResult = _core.TranscodeResult


def _opts(
    source: Source, to: Format | None, dst: PathLike | None, variant: Variant, rate: int | None, bitrate: int,
    quality: int, dc_block: bool, overwrite: bool, vox_rate: int, mono: bool | None, hash: bool,
) -> _TranscodeOptions:
    if to is None:
        to = "mp3" if dst is not None and str(dst).lower().endswith(".mp3") else "wav"
    return {
        "source": source, "to": to, "variant": variant, "rate": rate, "bitrate": bitrate, "quality": quality,
        "dc_block": dc_block, "overwrite": overwrite, "auto_vox_rate": vox_rate, "mono": mono, "hash": hash,
    }


def transcode(
    src: PathLike,
    dst: PathLike,
    *,
    source: Source = "auto",
    to: Format | None = None,
    variant: Variant = "dialogic",
    rate: int | None = None,
    bitrate: int = 16,
    quality: int = 7,
    dc_block: bool = False,
    overwrite: bool = False,
    vox_rate: int = 8000,
    mono: bool | None = None,
    hash: bool = False,
) -> TranscodeResult:
    """Transcodes one recording to WAV or MP3 (``to`` defaults from ``dst``'s extension).

    ``source``: ``vox6k``, ``vox8k``, ``alaw``, ``ulaw`` or ``auto`` (RIFF/WAVE and MP3 are
    sniffed whatever the extension; headerless data is told apart as A-law or VOX, VOX taken at
    ``vox_rate``). ``variant``: a VOX rule or ``auto``. ``rate``: output rate (default: the input
    rate, 8 kHz for 6 kHz VOX to MP3 and for A-law/µ-law WAV). Streams in constant memory and
    writes a temporary file renamed into place; an existing ``dst`` is skipped unless
    ``overwrite``. An input declaring a sample rate outside ``MIN_SAMPLE_RATE..=MAX_SAMPLE_RATE``
    or more than ``MAX_CHANNELS`` channels raises :class:`AudioLimitError` naming the file, the
    value and the limit. Raises :class:`AudioFormatError` for undecodable content, :class:`OSError`
    for file problems, :class:`ValueError` for bad options. ``mono`` averages the channels of a
    multichannel input (default: on for ``wav-alaw``/``wav-ulaw``, the platform's mono prompt
    profile; off otherwise). WAV inputs may be 8/16/24/32-bit integer or 32/64-bit float PCM.
    ``hash`` computes the output's SHA-256 while writing it (``result.sha256``, lowercase hex),
    so a caller that records it need not read the file back; it costs about as much CPU as
    writing the file, hence off by default.
    """
    o = _opts(source, to, dst, variant, rate, bitrate, quality, dc_block, overwrite, vox_rate, mono, hash)
    return _core.transcode(os.fspath(src), os.fspath(dst), o)


def merge(
    srcs: Sequence[PathLike],
    dst: PathLike,
    *,
    mode: MergeMode = "channels",
    source: Source = "auto",
    to: Format | None = None,
    variant: Variant = "dialogic",
    rate: int | None = None,
    bitrate: int = 16,
    quality: int = 7,
    dc_block: bool = False,
    overwrite: bool = False,
    vox_rate: int = 8000,
    hash: bool = False,
) -> TranscodeResult:
    """Merges mono recordings of one call (e.g. agent, customer, conference) into one file:
    ``mode="channels"`` gives one channel per input, ``"mix"`` sums them (with saturation).
    Shorter tracks are padded with silence; inputs are resampled to a common rate. ``hash``: as
    for :func:`transcode`."""
    o = _opts(source, to, dst, variant, rate, bitrate, quality, dc_block, overwrite, vox_rate, None, hash)
    return _core.merge([os.fspath(s) for s in srcs], os.fspath(dst), mode, o)


def transcode_many(
    pairs: Iterable[tuple[PathLike, PathLike]],
    *,
    source: Source = "auto",
    to: Format = "wav",
    variant: Variant = "dialogic",
    rate: int | None = None,
    bitrate: int = 16,
    quality: int = 7,
    dc_block: bool = False,
    overwrite: bool = False,
    vox_rate: int = 8000,
    mono: bool | None = None,
    hash: bool = False,
    jobs: int = 0,
    progress: Callable[[int, bool], object] | None = None,
) -> list[TranscodeResult]:
    """Transcodes ``(src, dst)`` pairs on ``jobs`` threads (0 = all cores), GIL released.

    Returns one :class:`TranscodeResult` per pair, in order; one bad file never stops the batch:
    a file past a limit (``error_kind="limit"``), undecodable, or even one that hits a bug in
    the core (a panic) comes back with ``ok=False`` and its reason, and leaves no temporary
    ``.part`` file behind.
    ``progress(index, ok)`` is called as each file finishes (from worker threads). ``hash``: as
    for :func:`transcode` (each written file's SHA-256 in its result).
    """
    todo = [(os.fspath(s), os.fspath(d)) for s, d in pairs]
    o = _opts(source, to, None, variant, rate, bitrate, quality, dc_block, overwrite, vox_rate, mono, hash)
    return _core.transcode_many(todo, o, threads=jobs, progress=progress)


def plan_outputs(
    srcs: Sequence[PathLike], out_dir: PathLike, to: Format = "wav", suffixes: Sequence[str] = INPUT_SUFFIXES
) -> list[tuple[Path, Path]]:
    """Expands files and folders (recursively, files with ``suffixes``) into ``(src, dst)``
    pairs under ``out_dir``, keeping each folder's relative layout.

    Two inputs that would land on one output (``1406470.V3`` next to ``1406470.wav``, or two
    files with one name given from different folders) keep their whole name instead:
    ``1406470.wav`` and ``1406470.wav.wav``."""
    from pathlib import Path

    return [(Path(src), Path(dst)) for src, dst in _plan_outputs(srcs, out_dir, to, suffixes)]


def _plan_outputs(
    srcs: Sequence[PathLike], out_dir: PathLike, to: str, suffixes: Sequence[str] = INPUT_SUFFIXES
) -> list[tuple[str, str]]:
    """:func:`plan_outputs` as strings, for the CLI: pathlib (with the urllib.parse and ipaddress
    it imports) is ~3 ms of a one-hour file's ~60 ms whole `callcore audio transcode`. Folders are
    walked in pathlib's order (``sorted(Path.rglob("*"))``: by path components), into real
    folders only (a link to a folder is not followed, as rglob does not); a link to a file is a
    file."""
    ext = ".mp3" if to == "mp3" else ".wav"
    out = os.fspath(out_dir)
    pairs: list[tuple[str, str]] = []
    taken: set[str] = set()
    sfx = {s.lower() for s in suffixes}

    def add(src: str, name: str, dst: str) -> None:
        if dst in taken:
            dst = os.path.join(os.path.dirname(dst), name + ext)
        taken.add(dst)
        pairs.append((src, dst))

    for given in srcs:
        top = os.fspath(given)
        if not os.path.isdir(top):
            add(top, os.path.basename(top), os.path.join(out, _stem(os.path.basename(top)) + ext))
            continue
        for rel in sorted(_files_under(top)):
            name = rel[-1]
            stem = _stem(name)
            if name[len(stem):].lower() in sfx and not name.startswith("."):
                add(os.path.join(top, *rel), name, os.path.join(out, *rel[:-1], stem + ext))
    return pairs


def _stem(name: str) -> str:
    """pathlib's stem: the name without its last suffix (a dot that starts or ends the name
    starts no suffix)."""
    dot = name.rfind(".")
    return name[:dot] if 0 < dot < len(name) - 1 else name


def _files_under(top: str, rel: tuple[str, ...] = ()) -> Iterable[tuple[str, ...]]:
    """The files under *top* (links to files included), each as its path's components below it."""
    with os.scandir(os.path.join(top, *rel)) as entries:
        for entry in entries:
            here = (*rel, entry.name)
            if entry.is_dir(follow_symlinks=False):
                yield from _files_under(top, here)
            elif entry.is_file():
                yield here
