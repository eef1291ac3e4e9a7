"""The wheel's licence metadata is true for what it links: pyproject.toml's PEP 639 expression
equals the one derived from Cargo.lock, the licence texts of every linked crate are up to date in
LICENSES/THIRD-PARTY.txt, and the files PEP 639 puts in the wheel exist."""
from __future__ import annotations

import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def test_licence_expression_matches_the_linked_crates() -> None:
    if shutil.which("cargo") is None:
        pytest.skip("cargo is needed to resolve the linked crates")
    run = subprocess.run([sys.executable, str(ROOT / "tools" / "third_party_licenses.py"), "--check"],
                         capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stdout + run.stderr
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    assert project["license"] == run.stdout.strip()
    for pattern in project["license-files"]:
        assert list(ROOT.glob(pattern)), pattern
    third_party = (ROOT / "LICENSES" / "THIRD-PARTY.txt").read_text(encoding="utf-8")
    # LAME's own licence text (LGPL-2) and symphonia's MPL-2.0 are among them
    assert "GNU LIBRARY GENERAL PUBLIC LICENSE" in third_party and "Mozilla Public License" in third_party
