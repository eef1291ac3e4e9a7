"""The option strings and result dicts of :mod:`callcore.audio`, as types (re-exported there).

Their own module so that importing :mod:`callcore.audio`, which every ``callcore audio`` command
does, does not import :mod:`typing`: ``callcore.audio`` imports this module for type checkers and
at run time only when one of these names is first used."""

from __future__ import annotations

from typing import Literal, TypedDict

# the option strings, as types: a typo is a type error, not a ValueError at run time
Codec = Literal["vox", "alaw", "ulaw"]
#: a VOX rule (``spandsp`` is ``dialogic``), or ``auto``: pick it from the audio
Variant = Literal["dialogic", "spandsp", "ffmpeg", "sox", "auto"]
VoxRule = Literal["dialogic", "spandsp", "ffmpeg", "sox"]
Source = Literal["vox6k", "vox8k", "alaw", "ulaw", "auto"]
Format = Literal["wav", "wav-alaw", "wav-ulaw", "mp3"]
WavFormat = Literal["pcm16", "alaw", "ulaw"]
MergeMode = Literal["channels", "mix"]


class _TranscodeOptions(TypedDict):
    """The options of one transcode, merge or batch, handed to the extension in one mapping."""

    source: Source
    to: Format
    variant: Variant
    rate: int | None
    bitrate: int
    quality: int
    dc_block: bool
    overwrite: bool
    auto_vox_rate: int
    mono: bool | None
    hash: bool


class RuleScore(TypedDict):
    """How one VOX rule decodes the data: DC, drift and clipping, and their weighted ``score``."""

    dc: float
    drift: float
    clipped: float
    score: float


class Detection(TypedDict):
    """What :func:`callcore.audio.detect` finds: the container (``wav``, ``mp3``, ``raw``...),
    the raw codec guess, the share of VOX samples on the rails, the best VOX rule and each rule's
    score."""

    container: str
    raw_codec: str
    vox_clipped: float
    variant: str
    scores: dict[str, RuleScore]


# where users find them (``repr``, pickling, the docs): the names callcore.audio re-exports
RuleScore.__module__ = Detection.__module__ = "callcore.audio"
