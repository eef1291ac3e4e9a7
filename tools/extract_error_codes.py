"""Regenerate python/callcore/platforms/data/huawei_codes.json from seed 001.

Run: python tools/extract_error_codes.py /work/shared/seeds/001_1ad515ad7f67849f.txt
Every code carries the seed line it came from. Codes split by stray spaces in the PDF
extraction (``020000 1``) are normalised by removing whitespace (notes/outbound.md §0.1).
"""
from __future__ import annotations

import json
import re
import sys
from pathlib import Path

HEAD = re.compile(r"^(7\.\d+\.\d+) (.+)$")
ROW = re.compile(r"^\d+\t([0-9 ]{6,10})\t(.+)$")
CCFS_ROW = re.compile(r"^\|\s*(\d{3})\s*\|\s*(0|0300\d{3})\s*\|([^|]*)\|([^|]*)\|([^|]*)\|")


def main(seed: str, out: str) -> None:
    lines = Path(seed).read_text(encoding="utf-8").splitlines()
    isales: dict[str, dict] = {}
    section = None
    in_table = False
    for no, line in enumerate(lines, start=1):
        if 21000 < no < 28600:
            m = HEAD.match(line)
            if m:
                section = m.group(1)
                isales[section] = {"title": m.group(2).strip(), "line": no, "codes": {}}
                in_table = False
                continue
            if section and "错误码\t说明" in line:
                in_table = True
                continue
            if section and in_table:
                r = ROW.match(line)
                if r:
                    code = re.sub(r"\s+", "", r.group(1))
                    isales[section]["codes"][code] = {"desc": r.group(2).strip(), "line": no}
                elif line.startswith("报文样例"):
                    in_table = False
    ccfs: dict[str, dict] = {}
    for no, line in enumerate(lines, start=1):
        if 66895 <= no <= 66965:
            r = CCFS_ROW.match(line)
            if r:
                ccfs[r.group(2)] = {
                    "http": int(r.group(1)),
                    "en": re.sub(r"</?b>", "", r.group(3)).strip(),
                    "desc": re.sub(r"</?b>", "", r.group(4)).strip(),
                    "action": re.sub(r"<br>|</?b>", " ", r.group(5)).strip(),
                    "line": no,
                }
    # table 7-295 外呼结果错误原因码 (call outcome failCode), 001:27220-27258; a code with no
    # description inherits its category's text
    fail_codes: dict[str, dict] = {}
    category = ""
    for no, line in enumerate(lines, start=1):
        if 27220 <= no <= 27258:
            parts = line.split("\t")
            if len(parts) >= 2 and re.fullmatch(r"\d{5}", parts[1].strip()):
                if parts[0].strip():
                    category = parts[0].strip()
                code = parts[1].strip()
                desc = parts[2].strip() if len(parts) > 2 else ""
                fail_codes.setdefault(code, {"category": category, "desc": desc or category, "line": no})
    data = {
        "source": "seed 001 (Huawei CEC 2.6.0.0 接口参考); line numbers are 1-based seed lines",
        "isales": {k: v for k, v in isales.items() if v["codes"]},
        "ccfs": ccfs,
        "fail_codes": fail_codes,
    }
    Path(out).write_text(json.dumps(data, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    n = sum(len(v["codes"]) for v in data["isales"].values())
    print(f"isales sections={len(data['isales'])} codes={n} ccfs={len(ccfs)} fail_codes={len(fail_codes)}")


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2] if len(sys.argv) > 2 else
         str(Path(__file__).resolve().parents[1] / "python/callcore/platforms/data/huawei_codes.json"))
