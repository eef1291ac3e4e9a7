"""`callcore demo` runs the whole campaign loop: import, the sandbox dials and pushes (some first
deliveries lost), the receiver stores each result once, every input row gets one outcome, and the
recordings the pushes named are synced; the step counts reconcile."""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path


def test_demo_shows_the_loop_and_its_counts_reconcile(tmp_path: Path) -> None:
    r = subprocess.run([sys.executable, "-m", "callcore.cli", "demo", "--rows", "20000", "--workdir",
                        str(tmp_path / "demo"), "-q", "--no-sftp"], capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stdout[-3000:] + r.stderr[-3000:]
    assert "the campaign loop" in r.stdout and "demo OK" in r.stdout
    loop = json.loads((tmp_path / "demo" / "summary.json").read_text())["loop"]
    assert loop["reconciles"] and loop["drained"] and loop["gave_up_after_6"] == 0
    assert loop["first_deliveries_failed"] > 0 and loop["deliveries"] > loop["pushes"]
    assert loop["events_stored"] == loop["dialled"] == 400
    o = loop["outcomes"]
    assert sum(o["outcomes"].values()) == o["input_rows"] == 20000 and o["outcomes"]["pending"] > 0
    assert o["outcomes"]["answered"] + o["outcomes"]["failed"] == 400
    with open(tmp_path / "demo" / "results.csv", encoding="utf-8") as f:
        assert sum(1 for _ in f) == 20001
