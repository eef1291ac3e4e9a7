"""Whole-process measurements for the benchmarks: wall time, CPU time and peak resident memory
(the child's own high-water mark) of a command, several implementations interleaved round by round
so that each round's ratio compares runs made under the same load.

Peak memory comes from GNU time's ``%M`` when ``/usr/bin/time`` exists: it forks the command from
its own small process, so the figure is the command's VmHWM (or the ~1 MiB of GNU time itself
for a smaller command: ``/usr/bin/time -f %M true`` reports 980 KiB). (``ru_maxrss`` read from this
pytest process would not do: Linux keeps the forking parent's peak in the child across ``exec``.)
CPU time (user + system, the command and GNU time together) comes from ``wait4``: on a machine
shared with other work it moves far less than the wall time does."""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from types import ModuleType

GNU_TIME = "/usr/bin/time" if os.access("/usr/bin/time", os.X_OK) else None


@dataclass
class Runs:
    """The rounds of one implementation: wall seconds and peak RSS (KiB, 0 when unknown)."""

    walls: list[float] = field(default_factory=list)
    peaks_kib: list[int] = field(default_factory=list)
    cpus: list[float] = field(default_factory=list)

    @property
    def median(self) -> float:
        w = sorted(self.walls)
        return w[len(w) // 2]

    @property
    def cpu_median(self) -> float:
        c = sorted(self.cpus)
        return c[len(c) // 2]

    @property
    def peak_kib(self) -> int:
        return max(self.peaks_kib, default=0)


def run_once(cmd: Sequence[str], env: dict[str, str] | None = None) -> tuple[float, int, float]:
    """(wall seconds, peak RSS KiB or 0, CPU seconds) of one run of ``cmd``, which must succeed."""
    full = list(cmd)
    with tempfile.NamedTemporaryFile("r", suffix=".rss") as rss, tempfile.TemporaryFile() as err:
        if GNU_TIME:
            full = [GNU_TIME, "-f", "%M", "-o", rss.name, *full]
        t = time.perf_counter()
        # wait4 rather than subprocess.run: it returns the child's CPU time with its exit status
        child = subprocess.Popen(full, stdout=subprocess.DEVNULL, stderr=err, env=env)
        _, status, usage = os.wait4(child.pid, 0)
        wall = time.perf_counter() - t
        child.returncode = os.waitstatus_to_exitcode(status)
        if child.returncode != 0:
            err.seek(0)
            raise RuntimeError(f"{cmd[0]} failed ({child.returncode}): {err.read().decode(errors='replace')[-2000:]}")
        text = rss.read().strip().splitlines()
        peak = int(text[-1]) if GNU_TIME and text and text[-1].isdigit() else 0
    return wall, peak, usage.ru_utime + usage.ru_stime


def interleaved(cmds: dict[str, Sequence[str]], rounds: int, before: Callable[[str], None] | None = None,
                env: dict[str, str] | None = None) -> dict[str, Runs]:
    """Runs every command once per round, in turn; ``before(name)`` (untimed) runs before each."""
    out = {name: Runs() for name in cmds}
    for _ in range(rounds):
        for name, cmd in cmds.items():
            if before is not None:
                before(name)
            wall, peak, cpu = run_once(cmd, env)
            out[name].walls.append(wall)
            out[name].peaks_kib.append(peak)
            out[name].cpus.append(cpu)
    return out


def ratios(runs: dict[str, Runs], ours: str, peer: str) -> list[float]:
    """peer / ours per round, sorted."""
    return sorted(p / o for p, o in zip(runs[peer].walls, runs[ours].walls))


def describe(name: str, runs: Runs) -> str:
    """One implementation's figures for a benchmark's note: median wall time and its range, median
    CPU time, peak RSS."""
    walls = sorted(runs.walls)
    return (f"{name} {runs.median * 1e3:.0f} ms (range {walls[0] * 1e3:.0f}-{walls[-1] * 1e3:.0f}), "
            f"CPU {runs.cpu_median * 1e3:.0f} ms, peak RSS {runs.peak_kib / 1024:.1f} MiB")


def compile_bytecode(package: ModuleType) -> None:
    """Writes *package*'s bytecode beside its sources, as pip does when it installs the wheel:
    run from a checkout with ``PYTHONDONTWRITEBYTECODE=1`` (set in many CI and container shells),
    every child would otherwise compile callcore's modules again, ~6 ms of a ~60 ms process that
    a user's installation never pays. Files already compiled are left alone."""
    import compileall

    compileall.compile_dir(os.path.dirname(package.__file__ or ""), quiet=2)


def need(binary: str) -> str:
    path = shutil.which(binary)
    if path is None:
        raise RuntimeError(f"{binary} is required for this benchmark")
    return path
