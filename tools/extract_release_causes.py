"""Extracts the Huawei call release-cause tables 13-128..13-133 (seed 001:66993-67645) into
``python/callcore/platforms/data/huawei_release_causes.json``: ``code -> {"meaning", "line"}``.

The tables are two (code, meaning) pairs a row; PDF column breaks split some codes
(``332<br>2``), which are joined. Codes are kept as printed (table 13-129 prints ``10001`` next
to ``1002``: kept as printed, the seed is the reference).

    python tools/extract_release_causes.py /work/shared/seeds/001_1ad515ad7f67849f.txt
"""
from __future__ import annotations

import json
import re
import sys
from pathlib import Path

FIRST, LAST = 66993, 67645  # 13.2.3.3 up to 13.2.3.4
OUT = Path(__file__).resolve().parent.parent / "python/callcore/platforms/data/huawei_release_causes.json"


def extract(seed: Path) -> dict[str, dict[str, object]]:
    lines = seed.read_text("utf-8").splitlines()
    causes: dict[str, dict[str, object]] = {}
    for no in range(FIRST, LAST + 1):
        text = lines[no - 1]
        if not text.startswith("|"):
            continue
        cells = [c.strip() for c in text.strip().strip("|").split("|")]
        for i in range(0, len(cells) - 1, 2):
            code = re.sub(r"<br>|\s", "", cells[i])
            if not code.isdigit():
                continue
            meaning = re.sub(r"\s*<br>\s*", " ", cells[i + 1]).strip()
            causes.setdefault(code, {"meaning": meaning, "line": no})
    return causes


def main() -> None:
    causes = extract(Path(sys.argv[1]))
    doc = {"source": f"seed 001:{FIRST}-{LAST} (13.2.3.3 呼叫释放原因码, tables 13-128..13-133)", "causes": causes}
    OUT.write_text(json.dumps(doc, ensure_ascii=False, indent=0, sort_keys=True) + "\n", "utf-8")
    print(f"{len(causes)} release causes -> {OUT}")


if __name__ == "__main__":
    main()
