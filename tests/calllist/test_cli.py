"""`callcore calllist ...` through the real console script and through main()."""

from __future__ import annotations

import csv
import subprocess
import sys
from pathlib import Path

from callcore.cli import main


def test_clean_cli_end_to_end(tmp_path: Path) -> None:
    src = tmp_path / "list.csv"
    src.write_bytes("客户,电话\n张三,138 0013 8000\n李四,+8613800138000\n王五,12\n赵六,6666 8888\n".encode("gbk"))
    bl = tmp_path / "bl.txt"
    bl.write_text("075566668888\n", encoding="utf-8")
    out, rej = tmp_path / "clean.csv", tmp_path / "rejects.csv"
    proc = subprocess.run(
        [sys.executable, "-m", "callcore.cli", "calllist", "clean", str(src), "-o", str(out), "--rejects", str(rej),
         "--blacklist", str(bl), "--platform", "huawei", "--default-area-code", "0755", "--column", "电话"],
        capture_output=True, text=True, timeout=120,
    )
    assert proc.returncode == 0, proc.stderr
    assert "4 rows" in proc.stdout and "duplicate" in proc.stdout and "blacklisted" in proc.stdout
    rows = list(csv.reader(out.open(encoding="utf-8")))
    assert rows[0] == ["客户", "电话", "e164", "national", "kind", "ext", "dial", "batch"]
    assert rows[1] == ["张三", "138 0013 8000", "+8613800138000", "13800138000", "mobile", "", "13800138000", "1"]
    rejects = list(csv.reader(rej.open(encoding="utf-8")))
    assert [r[2] for r in rejects[1:]] == ["duplicate", "too_short", "blacklisted"]


def test_clean_cli_errors_are_one_line(tmp_path: Path, capsys) -> None:
    code = main(["calllist", "clean", str(tmp_path / "missing.csv"), "-o", str(tmp_path / "o.csv"), "--rejects", str(tmp_path / "r.csv"), "-q"])
    assert code == 2
    assert "missing.csv" in capsys.readouterr().err
    src = tmp_path / "in.csv"
    src.write_text("a,b\n1,2\n", encoding="utf-8")
    code = main(["calllist", "clean", str(src), "-o", str(tmp_path / "o.csv"), "--rejects", str(tmp_path / "r.csv"), "--column", "phone", "-q"])
    assert code == 2
    assert "no column" in capsys.readouterr().err


def test_normalize_cli(capsys) -> None:
    assert main(["calllist", "normalize", "138-0013-8000", "abc", "010-12345678转8"]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0].split("\t")[1:] == ["+8613800138000", "13800138000", "mobile"]
    assert out[1].endswith("reject:bad_char")
    assert out[2].endswith("ext=8")


def test_normalize_cli_short_codes(capsys) -> None:
    assert main(["calllist", "normalize", "95588", "110"]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0].endswith("reject:short_code") and out[1].endswith("reject:emergency")
    assert main(["calllist", "normalize", "--allow-short-codes", "95588", "110"]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0].split("\t")[1:] == ["+8695588", "95588", "short"]
    assert out[1].endswith("reject:emergency")


def test_clean_cli_allow_short_codes(tmp_path: Path) -> None:
    src = tmp_path / "list.csv"
    src.write_text("phone\n95588\n119\n", encoding="utf-8")
    out, rej = tmp_path / "c.csv", tmp_path / "r.csv"
    for extra, reasons in (([], ["short_code", "emergency"]), (["--allow-short-codes"], ["emergency"])):
        assert main(["calllist", "clean", str(src), "-o", str(out), "--rejects", str(rej), "-q", *extra]) == 0
        assert [r[2] for r in list(csv.reader(rej.open(encoding="utf-8")))[1:]] == reasons


def test_clean_cli_huawei_workbook_and_store(tmp_path: Path) -> None:
    src = tmp_path / "list.csv"
    src.write_text("sessionId,phone\nA1,13800138000\nA2,13900139000\nA3,12\n", encoding="utf-8")
    out, rej, store, wb = tmp_path / "c.csv", tmp_path / "r.csv", tmp_path / "store.bin", tmp_path / "import.xlsx"
    args = ["calllist", "clean", str(src), "-o", str(out), "--rejects", str(rej), "-q", "--platform", "huawei-file",
            "--scope-column", "sessionId", "--huawei-workbook", str(wb), "--custom-field", "batch-1",
            "--store", str(store), "--record"]
    assert main(args) == 0
    assert wb.exists() and store.exists()
    # the workbook reads back through the engine: 2 rows, called as JSON, customField set
    from callcore import calllist as cl
    s = cl.clean(wb, tmp_path / "wc.csv", tmp_path / "wr.csv", column="sessionId(非必填)")
    assert s.rows == 2
    rows = list(csv.reader((tmp_path / "wr.csv").open(encoding="utf-8")))
    assert [r[1] for r in rows[1:]] == ["A1", "A2"]  # session ids are not numbers: rejects
    # a second run: both numbers were recorded as imported
    assert main(args[:-3] + ["--store", str(store)]) == 0
    rejects = list(csv.reader(rej.open(encoding="utf-8")))
    assert sorted(r[2] for r in rejects[1:]) == ["already_imported", "already_imported", "too_short"]
