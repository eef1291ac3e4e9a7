"""Shared benchmark plumbing: every benchmark records its median under (group, implementation),
and the terminal summary prints each group's peers side by side with the ratio to callcore."""

from __future__ import annotations

import os
import sys
from collections import defaultdict
from pathlib import Path
from typing import Any

import pytest

sys.path.insert(0, str(Path(__file__).parent))

_MEDIANS: dict[str, dict[str, tuple[float, str]]] = defaultdict(dict)
#: figures that are not a timing of one implementation (a floor's parts, a share of the GIL),
#: printed after the table
_NOTES: list[str] = []


@pytest.fixture
def record() -> Any:
    """``record(group, impl, seconds, unit)``: put a figure computed from other measurements (a
    floor) in the table beside the timed ones; ``record.note(text)`` prints a line after it."""

    def put(group: str, impl: str, seconds: float, unit: str = "call") -> None:
        _MEDIANS[group][impl] = (seconds, unit)

    put.note = _NOTES.append  # type: ignore[attr-defined]
    return put


@pytest.fixture
def measure(benchmark: Any) -> Any:
    """``measure(group, impl, fn, *args, per=N, unit="req")``: run fn under pytest-benchmark and
    record its median; ``per`` items per call turn it into a throughput."""

    def run(group: str, impl: str, fn: Any, *args: Any, per: int = 1, unit: str = "call", rounds: int | None = None,
            setup: Any = None, warmup_rounds: int = 1) -> Any:
        benchmark.group = group
        benchmark.name = impl
        if rounds:
            # `setup` (untimed, before each round) e.g. removes the previous round's output file
            result = benchmark.pedantic(fn, args=args, rounds=rounds, iterations=1, warmup_rounds=warmup_rounds, setup=setup)
        else:
            result = benchmark(fn, *args)
        _MEDIANS[group][impl] = (benchmark.stats.stats.median / per, unit)
        return result

    return run


def pytest_addoption(parser: Any) -> None:
    parser.addoption("--big", action="store_true",
                     help="also run the benchmarks on big generated inputs (the 10M-row call list: ~375 MB, "
                          "written once into the temp dir)")


def _fmt(seconds: float) -> str:
    for unit, scale in (("s", 1), ("ms", 1e-3), ("µs", 1e-6), ("ns", 1e-9)):
        if seconds >= scale:
            return f"{seconds / scale:.3g} {unit}"
    return f"{seconds:.3g} s"


def _machine() -> str:
    """The machine and its load, for the tables: CPU model, cores, 1/5/15-minute load average."""
    model = "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
        load = " ".join(Path("/proc/loadavg").read_text().split()[:3])
    except OSError:
        load = "unknown"
    return f"machine: {model}, {os.cpu_count()} cores; load average at the end (1/5/15 min): {load}"


def pytest_terminal_summary(terminalreporter: Any) -> None:
    if not _MEDIANS:
        return
    tr = terminalreporter
    tr.section("callcore vs peers (median per item; ratio = peer / callcore)")
    tr.write_line(_machine())
    for group, impls in sorted(_MEDIANS.items()):
        ours = impls.get("callcore")
        for impl, (median, unit) in sorted(impls.items(), key=lambda kv: kv[1][0]):
            per_s = f"{1 / median:,.0f} {unit}/s" if median > 0 else "-"
            ratio = f"x{median / ours[0]:.1f}" if ours and impl != "callcore" else ""
            tr.write_line(f"{group:<40} {impl:<22} {_fmt(median):>10}  {per_s:>22}  {ratio}")
    for line in _NOTES:
        tr.write_line(line)
