"""Whole-process measurements for the benchmarks: wall time and peak resident memory (the child's
own high-water mark) of a command, several implementations interleaved round by round so that each
round's ratio compares runs made under the same load.

Peak memory comes from GNU time's ``%M`` when ``/usr/bin/time`` exists: it forks the command from
its own small process, so the figure is the command's. (``ru_maxrss`` read from this pytest process
would not do: Linux keeps the forking parent's peak in the child across ``exec``.)"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

GNU_TIME = "/usr/bin/time" if os.access("/usr/bin/time", os.X_OK) else None


@dataclass
class Runs:
    """The rounds of one implementation: wall seconds and peak RSS (KiB, 0 when unknown)."""

    walls: list[float] = field(default_factory=list)
    peaks_kib: list[int] = field(default_factory=list)

    @property
    def median(self) -> float:
        w = sorted(self.walls)
        return w[len(w) // 2]

    @property
    def peak_kib(self) -> int:
        return max(self.peaks_kib, default=0)


def run_once(cmd: Sequence[str], env: dict[str, str] | None = None) -> tuple[float, int]:
    """(wall seconds, peak RSS KiB or 0) of one run of ``cmd``, which must succeed."""
    full = list(cmd)
    with tempfile.NamedTemporaryFile("r", suffix=".rss") as rss:
        if GNU_TIME:
            full = [GNU_TIME, "-f", "%M", "-o", rss.name, *full]
        t = time.perf_counter()
        p = subprocess.run(full, capture_output=True, env=env)
        wall = time.perf_counter() - t
        if p.returncode != 0:
            raise RuntimeError(f"{cmd[0]} failed ({p.returncode}): {p.stderr.decode(errors='replace')[-2000:]}")
        text = rss.read().strip().splitlines()
        peak = int(text[-1]) if GNU_TIME and text and text[-1].isdigit() else 0
    return wall, peak


def interleaved(cmds: dict[str, Sequence[str]], rounds: int, before: Callable[[str], None] | None = None,
                env: dict[str, str] | None = None) -> dict[str, Runs]:
    """Runs every command once per round, in turn; ``before(name)`` (untimed) runs before each."""
    out = {name: Runs() for name in cmds}
    for _ in range(rounds):
        for name, cmd in cmds.items():
            if before is not None:
                before(name)
            wall, peak = run_once(cmd, env)
            out[name].walls.append(wall)
            out[name].peaks_kib.append(peak)
    return out


def ratios(runs: dict[str, Runs], ours: str, peer: str) -> list[float]:
    """peer / ours per round, sorted."""
    return sorted(p / o for p, o in zip(runs[peer].walls, runs[ours].walls))


def need(binary: str) -> str:
    path = shutil.which(binary)
    if path is None:
        raise RuntimeError(f"{binary} is required for this benchmark")
    return path
