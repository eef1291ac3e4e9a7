"""The user documentation builds with warnings as errors (``mkdocs build --strict``): the API
reference is generated from the docstrings, so a renamed function, a broken cross-reference or a
page missing from the nav fails here."""
from __future__ import annotations

import importlib.util
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def _mkdocs() -> list[str]:
    if importlib.util.find_spec("mkdocs") is not None and importlib.util.find_spec("mkdocstrings") is not None:
        return [sys.executable, "-m", "mkdocs"]
    exe = os.environ.get("CALLCORE_MKDOCS") or shutil.which("mkdocs")
    if exe is None:
        pytest.skip("mkdocs is not installed: pip install '.[test]' (make setup) brings it")
    return [exe]


def _build(project: Path, site: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*_mkdocs(), "build", "--strict", "-q", "-f", str(project / "mkdocs.yml"), "-d", str(site)],
                          cwd=project, capture_output=True, text=True, timeout=600)


def test_docs_build_strict(tmp_path: Path) -> None:
    run = _build(ROOT, tmp_path / "site")
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-3000:]
    sign = (tmp_path / "site" / "api" / "sign" / "index.html").read_text(encoding="utf-8")
    assert "auth_v2" in sign and "Verifier" in sign
    platforms = (tmp_path / "site" / "api" / "platforms" / "index.html").read_text(encoding="utf-8")
    assert "add_numbers" in platforms and "AsyncScccClient" in platforms
    for page in ("quickstart", "platform-versions", "changelog", "licences"):
        assert (tmp_path / "site" / page / "index.html").exists(), page


def test_a_broken_reference_fails_the_build(tmp_path: Path) -> None:
    # the same project with one reference to a function that does not exist
    project = tmp_path / "project"
    shutil.copytree(ROOT / "docs", project / "docs", symlinks=False)
    shutil.copy(ROOT / "mkdocs.yml", project / "mkdocs.yml")
    (project / "python").symlink_to(ROOT / "python")
    with open(project / "docs" / "api" / "sign.md", "a", encoding="utf-8") as f:
        f.write("\n::: callcore.sign.no_such_function\n")
    run = _build(project, tmp_path / "site")
    assert run.returncode != 0 and "no_such_function" in run.stdout + run.stderr, run.stdout + run.stderr
