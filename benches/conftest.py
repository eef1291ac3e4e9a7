"""Shared benchmark plumbing: every benchmark records its median under (group, implementation),
and the terminal summary prints each group's peers side by side with the ratio to callcore."""

from __future__ import annotations

import sys
from collections import defaultdict
from pathlib import Path
from typing import Any

import pytest

sys.path.insert(0, str(Path(__file__).parent))

_MEDIANS: dict[str, dict[str, tuple[float, str]]] = defaultdict(dict)


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


def _fmt(seconds: float) -> str:
    for unit, scale in (("s", 1), ("ms", 1e-3), ("µs", 1e-6), ("ns", 1e-9)):
        if seconds >= scale:
            return f"{seconds / scale:.3g} {unit}"
    return f"{seconds:.3g} s"


def pytest_terminal_summary(terminalreporter: Any) -> None:
    if not _MEDIANS:
        return
    tr = terminalreporter
    tr.section("callcore vs peers (median per item; ratio = peer / callcore)")
    for group, impls in sorted(_MEDIANS.items()):
        ours = impls.get("callcore")
        for impl, (median, unit) in sorted(impls.items(), key=lambda kv: kv[1][0]):
            per_s = f"{1 / median:,.0f} {unit}/s" if median > 0 else "-"
            ratio = f"x{median / ours[0]:.1f}" if ours and impl != "callcore" else ""
            tr.write_line(f"{group:<40} {impl:<22} {_fmt(median):>10}  {per_s:>22}  {ratio}")
