from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))

DATA = Path(__file__).parent.parent / "data" / "sign"


@pytest.fixture(scope="session")
def vectors() -> dict:
    return json.loads((DATA / "vectors.json").read_text(encoding="utf-8"))
