"""The benchmark suite runs from its documented command (`make bench` = `pytest benches
--benchmark-only`): every ``benches/bench_*.py`` must be collected and yield benchmarks. Without
``python_files`` in pyproject.toml pytest collected nothing from the folder and exited 5."""
from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_every_bench_file_is_collected() -> None:
    files = sorted(p.name for p in (ROOT / "benches").glob("bench_*.py"))
    assert files, "benches/ holds no bench_*.py"
    run = subprocess.run([sys.executable, "-m", "pytest", "benches", "--collect-only", "-q", "-p", "no:cacheprovider"],
                         cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-3000:]
    collected: dict[str, int] = {}
    for line in run.stdout.splitlines():
        m = re.match(r"benches/(bench_\w+\.py)::", line)
        if m:
            collected[m.group(1)] = collected.get(m.group(1), 0) + 1
    missing = [f for f in files if not collected.get(f)]
    assert not missing, f"bench files that collect no benchmark: {missing}\n{run.stdout[-2000:]}"
