"""Hostile spreadsheets (issue 11 item 2): each is read in a child process with a 2 GiB
address-space limit and a timeout, so that an abort, a runaway allocation or an endless loop
fails the test instead of killing or stalling pytest. Each must end in an ordinary
``CalllistError`` naming the file and the limit, quickly and in little memory."""

from __future__ import annotations

import hashlib
import json
import subprocess
import sys
from pathlib import Path

import pytest

from callcore import calllist as cl

from . import hostile

_CHILD = r"""
import json, resource, sys
limit = 2 << 30
resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
from callcore import calllist as cl
src, out, rej = sys.argv[1:4]
try:
    s = cl.clean(src, out, rej)
    res = {"ok": True, "rows": s.rows}
except Exception as e:
    res = {"ok": False, "calllist_error": isinstance(e, cl.CalllistError), "message": str(e)}
# this process's own peak (VmHWM starts afresh at exec; ru_maxrss keeps the forking parent's peak)
res["maxrss_mib"] = next(int(l.split()[1]) for l in open("/proc/self/status") if l.startswith("VmHWM:")) >> 10
print(json.dumps(res))
"""


def read_in_child(path: Path, tmp_path: Path, timeout: float = 60) -> dict:
    try:
        proc = subprocess.run(
            [sys.executable, "-c", _CHILD, str(path), str(tmp_path / "c.csv"), str(tmp_path / "r.csv")],
            capture_output=True, text=True, timeout=timeout,
        )
    except subprocess.TimeoutExpired:
        pytest.fail(f"{path.name}: the reader did not finish within {timeout} s (an endless loop?)")
    assert proc.returncode == 0, f"{path.name}: the child died (code {proc.returncode}): {proc.stderr[-2000:]}"
    return json.loads(proc.stdout.strip().splitlines()[-1])


def assert_refused(res: dict, path: Path, *needles: str) -> None:
    assert res["ok"] is False, res
    assert res["calllist_error"] is True, res
    for n in (path.name, *needles):
        assert n in res["message"], res
    # refused before anything big was allocated (the interpreter and imports take ~60 MiB)
    assert res["maxrss_mib"] < 400, res


def test_cells_at_a1_and_xfd1048576(tmp_path: Path) -> None:
    p = hostile.far_cells_xlsx(tmp_path / "far.xlsx")
    assert p.stat().st_size < 2000
    assert_refused(read_in_child(p, tmp_path), p, "max_cells", "16777216")


def test_gigabytes_of_whitespace_in_a_small_zip(tmp_path: Path) -> None:
    p = hostile.whitespace_xlsx(tmp_path / "ws.xlsx", gib=1.5)
    assert p.stat().st_size < 2 << 20
    assert_refused(read_in_child(p, tmp_path), p, "max_xml_run")


def test_ods_repeat_count_zero(tmp_path: Path) -> None:
    p = hostile.ods(tmp_path / "rep0.ods", hostile.ods_row("phone") +
                    hostile.ods_row("13800138000", ' table:number-rows-repeated="0"') + hostile.ods_row("13900139000"))
    res = read_in_child(p, tmp_path)
    # calamine dropped the row without a word; now the file is refused and says why
    assert res["ok"] is False and "number-rows-repeated" in res["message"] and "at least 1" in res["message"], res


def test_ods_corrupt_closing_tag(tmp_path: Path) -> None:
    p = hostile.ods(tmp_path / "open.ods", hostile.ods_row("phone") + hostile.ods_row("13800138000"),
                    close="</table:tablX>")
    res = read_in_child(p, tmp_path, timeout=30)
    assert res["ok"] is False and "never closed" in res["message"] and "open.ods" in res["message"], res


def test_ods_value_repeated_over_the_grid(tmp_path: Path) -> None:
    p = hostile.ods(tmp_path / "wide.ods", hostile.ods_row("phone") +
                    '<table:table-row table:number-rows-repeated="1048575"><table:table-cell '
                    'table:number-columns-repeated="16384" office:value-type="float" office:value="1"/>'
                    '</table:table-row>')
    assert_refused(read_in_child(p, tmp_path), p, "max_cells")


def test_ordinary_spreadsheets_still_read(tmp_path: Path) -> None:
    p = hostile.ods(tmp_path / "ok.ods", hostile.ods_row("phone") + hostile.ods_row("13800138000") +
                    '<table:table-row table:number-rows-repeated="1048574"><table:table-cell '
                    'table:number-columns-repeated="1024"/></table:table-row>')
    s = cl.clean(p, tmp_path / "c.csv", tmp_path / "r.csv")
    assert (s.rows, s.clean) == (1, 1)
    p = hostile.xlsx(tmp_path / "ok.xlsx", '<row r="1"><c r="A1" t="inlineStr"><is><t>phone</t></is></c></row>'
                                          '<row r="2"><c r="A2"><v>13800138000</v></c><c r="XFD2" s="1"/></row>')
    s = cl.clean(p, tmp_path / "c.csv", tmp_path / "r.csv")
    assert (s.rows, s.clean) == (1, 1)
    # a sheet goes through the same hashing writer as a CSV (the import journals the digest)
    s = cl.clean(p, tmp_path / "c.csv", tmp_path / "r.csv", platform="huawei", hash_clean=True)
    written = (tmp_path / "c.csv").read_bytes()
    assert (s.clean_bytes, s.clean_sha256) == (len(written), hashlib.sha256(written).hexdigest())


def _one_sheet(cells, **kw) -> bytes:
    return hostile.xls_stream(cells, **kw)


@pytest.mark.parametrize("name,build,needle", [
    # Number cells at A1 and (65535, 65535): a 4.3-billion-cell grid (calamine asked for 128 GiB)
    ("far.xls", lambda p: hostile.xls(p, _one_sheet([(0, 0, 1.0), (65535, 65535, 13800138000.0)], dims=(0, 1, 0, 1))),
     "max_columns"),
    # a Dimensions record of 1,048,576 x 255 cells: calamine reserved 10 GB from it
    ("dims.xls", lambda p: hostile.xls(p, _one_sheet([(0, 0, 13800138000.0)], dims=(0, 1 << 20, 0, 255))), "max_cells"),
    # a header claiming 2^31 FAT sectors: calamine reserved 8 GB from it
    ("fatlen.xls", lambda p: hostile.xls(p, _one_sheet([(0, 0, 13800138000.0)]), fat_len=0x7FFFFFFF), "FAT sectors"),
    # a directory sector chained to itself: calamine read it forever
    ("loop.xls", lambda p: hostile.xls(p, _one_sheet([(0, 0, 13800138000.0)]), dir_loops=True), "chain loops"),
])
def test_hostile_xls(tmp_path: Path, name: str, build, needle: str) -> None:
    p = build(tmp_path / name)
    res = read_in_child(p, tmp_path)
    assert res["ok"] is False and res["calllist_error"] is True, res
    assert name in res["message"] and needle in res["message"], res
    assert res["maxrss_mib"] < 400, res


def test_ordinary_xls_still_reads(tmp_path: Path) -> None:
    p = hostile.xls(tmp_path / "ok.xls", _one_sheet([(1, 0, 13800138000.0), (2, 0, 13900139000.0)], label=(0, 0, "phone")))
    s = cl.clean(p, tmp_path / "c.csv", tmp_path / "r.csv")
    assert (s.rows, s.clean, s.columns) == (2, 2, ["phone"])


def test_limits_are_data() -> None:
    assert cl.LIMITS == {
        "max_rows": 1_048_576, "max_columns": 16_384, "max_cells": 16_777_216, "max_entries": 10_000,
        "max_entry_bytes": 1 << 30, "max_total_bytes": 2 << 30, "max_binary_entry_bytes": 64 << 20,
        "max_xml_run": 1 << 20, "max_file_bytes": 1 << 30, "max_header_bytes": 1 << 20,
    }


def test_a_panic_inside_calamine_is_a_calllist_error(tmp_path: Path) -> None:
    """Found by fuzzing: calamine's XLS `Lbl` parser indexes a short record and panics. The
    binding turns the panic into a CalllistError naming the call (not an abort, not PyO3's
    BaseException `PanicException`), and the process goes on."""
    data = (Path(__file__).parents[1] / "data/fuzz/calllist_sheet/regression-xls-short-lbl-record-calamine-panics").read_bytes()
    p = tmp_path / "lbl.xls"
    p.write_bytes(data[1:])  # byte 0 is the fuzz target's control byte
    with pytest.raises(cl.CalllistError, match=r"callcore\.calllist\.clean_file: internal error in the Rust core"):
        cl.clean(p, tmp_path / "c.csv", tmp_path / "r.csv")
    assert cl.clean(["13800138000"]).summary.clean == 1
