"""The clean pipeline over files and in-memory columns: outputs, blacklist, import store,
scoped dedup, platform profiles, encodings, and the counts-add-up property."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from callcore import calllist as cl

from .corpus import generate


def read_csv(p: Path) -> list[list[str]]:
    with open(p, newline="", encoding="utf-8-sig") as f:
        return list(csv.reader(f))


def run(tmp_path: Path, text: str | bytes, **kw) -> tuple[cl.Summary, list[list[str]], list[list[str]]]:
    src = tmp_path / "in.csv"
    if isinstance(text, str):
        src.write_text(text, encoding="utf-8", newline="")
    else:
        src.write_bytes(text)
    s = cl.clean(src, tmp_path / "clean.csv", tmp_path / "rejects.csv", **kw)
    assert isinstance(s, cl.Summary)
    return s, read_csv(tmp_path / "clean.csv"), read_csv(tmp_path / "rejects.csv")


def test_clean_file_end_to_end(tmp_path: Path) -> None:
    text = (
        "客户,手机号码,备注\n"
        "张三,138-0013-8000,=HYPERLINK(\"x\")\n"
        "李四,+86 138 0013 8000,dup\n"
        '"王, 五","010 1234 5678","line1\nline2"\n'
        "赵六,not a number,\n"
        "钱七,400-123-4567,@sum\n"
    )
    s, clean, rej = run(tmp_path, text)
    assert (s.rows, s.clean, s.rejected, s.duplicates) == (5, 3, 2, 1)
    assert s.columns == ["客户", "手机号码", "备注"] and s.column == 1 and s.header
    assert clean[0] == ["客户", "手机号码", "备注", "e164", "national", "kind", "ext"]
    assert clean[1] == ["张三", "138-0013-8000", "'=HYPERLINK(\"x\")", "+8613800138000", "13800138000", "mobile", ""]
    assert clean[2] == ["王, 五", "010 1234 5678", "line1\nline2", "+861012345678", "01012345678", "fixed", ""]
    assert clean[3][2] == "'@sum" and clean[3][5] == "nongeo"
    # rejects: original line number, input (defused), reason, e164
    assert rej[0] == ["row", "input", "reason", "e164"]
    assert rej[1] == ["3", "'+86 138 0013 8000", "duplicate", "+8613800138000"]
    assert rej[2] == ["6", "not a number", "bad_char", ""]
    assert s.per_kind == {"mobile": 1, "fixed": 1, "nongeo": 1, "short": 0, "foreign": 0}
    assert s.per_reason == {"duplicate": 1, "bad_char": 1}


def test_short_codes_and_emergency_numbers_in_a_file(tmp_path: Path) -> None:
    """Issue 10 item 5: an outbound list never dials a short code unless asked, an emergency
    number never; both end in the rejects file with their reason, on both reader paths."""
    text = "phone\n13800138000\n95588\n110\n+86 120\n10086\n999\n"
    for parallel in (True, False):
        s, clean, rej = run(tmp_path, text, parallel=parallel)
        assert (s.rows, s.clean, s.rejected) == (6, 1, 5)
        assert s.per_reason == {"short_code": 2, "emergency": 3}
        assert [r[1:3] for r in rej[1:]] == [["95588", "short_code"], ["110", "emergency"], ["'+86 120", "emergency"],
                                             ["10086", "short_code"], ["999", "emergency"]]
        s, clean, rej = run(tmp_path, text, parallel=parallel, allow_short_codes=True)
        assert (s.clean, s.per_kind["short"], s.per_reason) == (3, 2, {"emergency": 3})
        assert [r[0] for r in clean[1:]] == ["13800138000", "95588", "10086"]
    values = cl.clean(["95588", "110", "13800138000"])
    assert isinstance(values, cl.CleanResult)
    assert values.result.reason == ["short_code", "emergency", None]
    assert cl.clean(["95588", "110"], allow_short_codes=True).result.reason == [None, "emergency"]


def test_defuse_can_be_turned_off(tmp_path: Path) -> None:
    _, clean, _ = run(tmp_path, "phone,note\n13800138000,=1+1\n", defuse=False)
    assert clean[1][1] == "=1+1"


def test_gbk_excel_export_tab_separated(tmp_path: Path) -> None:
    text = "姓名\t电话\t地址\n张三\t0755-88889999\t深圳市南山区\n李四\t13900139000\t北京市\n"
    s, clean, _ = run(tmp_path, text.encode("gbk"))
    assert (s.encoding, s.delimiter, s.column) == ("gb18030", "\t", 1)
    assert clean[1] == ["张三", "0755-88889999", "深圳市南山区", "+8675588889999", "075588889999", "fixed", ""]
    assert clean[2][2] == "北京市"


def test_utf8_bom_and_one_number_per_line(tmp_path: Path) -> None:
    s, clean, rej = run(tmp_path, "\ufeff13800138000\n139 0013 9000\n\n12\n".encode("utf-8"))
    assert (s.rows, s.clean, s.header, s.delimiter) == (3, 2, False, None)
    assert clean[0][0] == "phone"
    assert clean[1][:2] == ["13800138000", "+8613800138000"]
    assert rej[1] == ["4", "12", "too_short", ""]


def test_column_by_name_and_index(tmp_path: Path) -> None:
    text = "a,b\n13800138000,13900139000\n"
    s, clean, _ = run(tmp_path, text, column="b")
    assert clean[1][2] == "+8613900139000" and s.column == 1
    s, clean, _ = run(tmp_path, text, column=0)
    assert clean[1][2] == "+8613800138000"


def test_blacklist_store_and_window(tmp_path: Path) -> None:
    bl = tmp_path / "blacklist.txt"
    bl.write_text("号码\n+86 139 0013 9000\n010-12345678\ngarbage\n", encoding="utf-8")
    blacklist = cl.load_blacklist(bl)
    assert len(blacklist) == 2 and blacklist.invalid_lines == 1
    store = tmp_path / "imported.bin"
    text = "phone\n13800138000\n13900139000\n01012345678\n13700137000\n"
    s, clean, rej = run(tmp_path, text, blacklist=bl, store=store, record=True)
    assert (s.clean, s.blacklisted) == (2, 2)
    assert {r[2] for r in rej[1:]} == {"blacklisted"}
    # a second import of the same list: everything clean before is now already imported
    s2, clean2, rej2 = run(tmp_path, text, blacklist=blacklist, store=store)
    assert (s2.clean, s2.blacklisted, s2.already_imported) == (0, 2, 2)
    # window: only imports within the last 0 days count -> imported "now" still counts (>= now-0)
    s3, _, _ = run(tmp_path, text, store=store, window_days=30)
    assert s3.already_imported == 2
    # in-memory with a list blacklist
    res = cl.clean(["13800138000", "13900139000", "13800138000"], blacklist=["13900139000"])
    assert isinstance(res, cl.CleanResult)
    assert res.result.reason == [None, "blacklisted", "duplicate"]
    assert res.mask.tolist() == [True, False, False]


def test_scoped_dedup_for_huawei_v2(tmp_path: Path) -> None:
    text = "sessionId,called\ns1,13800138000\ns2,13800138000\ns1,+8613800138000\n"
    s, clean, rej = run(tmp_path, text, scope_column="sessionId", column="called")
    assert (s.clean, s.duplicates) == (2, 1)
    assert rej[1][0] == "4"
    res = cl.clean(["13800138000"] * 3, scopes=["a", "b", "a"])
    assert res.result.reason == [None, None, "duplicate"]


@pytest.mark.parametrize("platform,size", [("huawei", 20), ("huawei-v2", 20), ("sccc", 1000), ("babaihu", 500), ("hl95", 1000)])
def test_platform_batches(tmp_path: Path, platform: str, size: int) -> None:
    nums = [f"138{i:08d}" for i in range(2050)]
    s, clean, _ = run(tmp_path, "phone\n" + "\n".join(nums) + "\n", platform=platform)
    assert clean[0][-2:] == ["dial", "batch"]
    batches = [int(r[-1]) for r in clean[1:]]
    assert s.batches == -(-2050 // size) == max(batches)
    assert all(batches.count(b) <= size for b in set(batches))
    assert clean[1][-2] == nums[0]
    assert cl.platform_limits(platform)["batch_size"] == size


def test_platform_batch_size_limits(tmp_path: Path) -> None:
    s, _, _ = run(tmp_path, "phone\n13800138000\n", platform="huawei-v2", batch_size=2000)
    assert s.batches == 1
    with pytest.raises(ValueError, match="batch_size"):
        run(tmp_path, "phone\n13800138000\n", platform="huawei", batch_size=21)
    with pytest.raises(ValueError, match="platform"):
        run(tmp_path, "phone\n13800138000\n", platform="avaya")


def test_huawei_rejects_numbers_longer_than_24(tmp_path: Path) -> None:
    # a 15-digit foreign number dials as 00 + 15 = 17 characters: fine; the rule is checked
    s, clean, _ = run(tmp_path, "phone\n+1 650 253 0000\n", platform="huawei")
    assert clean[1][-2] == "0016502530000" and s.clean == 1


def test_progress_callback_and_big_chunks(tmp_path: Path) -> None:
    inputs = generate(30_000, seed=7)
    src = tmp_path / "big.csv"
    with open(src, "w", encoding="utf-8", newline="") as f:
        w = csv.writer(f)
        w.writerow(["id", "phone"])
        for i, v in enumerate(inputs):
            w.writerow([i, v])
    calls: list[tuple[int, int, int]] = []
    # progress comes once a chunk: 4096 rows on the single-reader path, a block of 8 pieces of
    # 8 * chunk_rows bytes on the parallel one (1024 -> 64 KiB blocks, ~10 for this 0.66 MB file)
    s = cl.clean(src, tmp_path / "c.csv", tmp_path / "r.csv", chunk_rows=1024, progress=lambda *a: calls.append(a))
    assert s.rows == 30_000 and len(calls) >= 7
    assert calls[-1][0] == calls[-1][1] == src.stat().st_size and calls[-1][2] == 30_000
    # the same answer as the in-memory path, row for row
    mem = cl.clean(inputs)
    clean_rows = read_csv(tmp_path / "c.csv")[1:]
    assert [r[2] for r in clean_rows] == [e for e, ok in zip(mem.result.e164, mem.mask) if ok]
    assert s.per_reason == mem.summary.per_reason


def test_progress_exception_propagates(tmp_path: Path) -> None:
    src = tmp_path / "in.csv"
    src.write_text("phone\n" + "13800138000\n" * 10, encoding="utf-8")

    def boom(*_: int) -> None:
        raise RuntimeError("stop")

    with pytest.raises(RuntimeError, match="stop"):
        cl.clean(src, tmp_path / "c.csv", tmp_path / "r.csv", progress=boom)


# ---------------------------------------------------------------- property: counts add up

rows = st.lists(
    st.one_of(
        st.sampled_from(["13800138000", "+86 138 0013 8000", "010-12345678", "bad", "", "400 123 4567", "95588", "88889999", "13900139000"]),
        st.text(alphabet="0123456789 -+()abc转", max_size=16),
    ),
    min_size=1,
    max_size=60,
)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(rows, st.booleans())
def test_every_row_lands_in_exactly_one_output(tmp_path: Path, values: list[str], with_blacklist: bool) -> None:
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(["id", "phone"])
    for i, v in enumerate(values):
        w.writerow([f"r{i}", v])
    kw = {"blacklist": ["13900139000"]} if with_blacklist else {}
    s, clean, rej = run(tmp_path, buf.getvalue(), column="phone", **kw)
    assert s.rows == len(values) == s.clean + s.rejected
    assert len(clean) - 1 == s.clean and len(rej) - 1 == s.rejected
    assert sum(s.per_reason.values()) == s.rejected and sum(s.per_kind.values()) == s.clean
    ids = sorted([r[0] for r in clean[1:]] + [f"r{int(r[0]) - 2}" for r in rej[1:]], key=lambda x: int(x[1:]))
    assert ids == [f"r{i}" for i in range(len(values))]
    keys = [r[3] for r in clean[1:]]
    assert len(keys) == len(set(keys)), "clean output has no duplicate numbers"


@settings(max_examples=60, deadline=None)
@given(rows)
def test_in_memory_counts_add_up(values: list[str]) -> None:
    res = cl.clean(values)
    s = res.summary
    assert s.rows == len(values) == s.clean + s.rejected == int(res.mask.sum()) + (len(values) - int(res.mask.sum()))
    assert sum(s.per_reason.values()) == s.rejected
    kept = res.result.keys[res.mask]
    assert len(np.unique(kept)) == len(kept)


def test_blacklist_of_millions() -> None:
    base = 8613000000000
    keys = np.arange(base, base + 3_000_000, dtype=np.uint64)  # 13000000000 .. 13002999999
    bl = cl.Blacklist.from_keys(keys)
    assert len(bl) == 3_000_000
    assert bl.contains_key(base + 2_999_999) and not bl.contains_key(base + 3_000_000)
    nums = [f"130{i:08d}" for i in range(2_990_000, 3_010_000)]
    res = cl.clean(nums, blacklist=bl)
    assert isinstance(res, cl.CleanResult)
    assert (res.summary.blacklisted, res.summary.clean) == (10_000, 10_000)
    assert res.mask.tolist() == [False] * 10_000 + [True] * 10_000


def test_normalizer_handle_reuse() -> None:
    n = cl.Normalizer(default_area_code="020")
    assert n.one("8888 9999") == ("+862088889999", "02088889999", "fixed", None, None)
    assert n.one("abc")[3] == "bad_char"
    r1 = cl.normalize(["8888 9999"], normalizer=n)
    assert r1.e164 == ["+862088889999"]


@pytest.mark.parametrize("parallel", [True, False])
def test_crlf_inside_a_quoted_cell_is_kept(tmp_path: Path, parallel: bool) -> None:
    """Issue 11 item 6: a CRLF inside a quoted cell is the user's data and comes out as it went
    in; CRLF record ends still end records, and row numbers stay line numbers."""
    data = b'phone,note\r\n13800138000,"line1\r\nline2"\r\n13900139000,"a\nb"\r\nbad,x\r\n'
    s, clean, rej = run(tmp_path, data, parallel=parallel)
    assert (s.rows, s.clean) == (3, 2)
    raw = (tmp_path / "clean.csv").read_bytes()
    assert b'"line1\r\nline2"' in raw and b'"a\nb"' in raw
    assert clean[1][1] == "line1\r\nline2" and clean[2][1] == "a\nb"
    assert rej[1][:3] == ["6", "bad", "bad_char"]  # lines 2-3 and 4-5 hold the two cells


@pytest.mark.parametrize("parallel", [True, False])
def test_a_header_line_over_64_kib(tmp_path: Path, parallel: bool) -> None:
    """Issue 11 item 6: the header was read from a 64 KiB sample, so a long header line hid the
    phone column and the wrong one was cleaned."""
    header = "note_" + "x" * 70_000 + ",phone\n"
    s, clean, _ = run(tmp_path, header + "hello,13800138000\nworld,13900139000\n", parallel=parallel)
    assert s.header and s.column == 1 and s.columns[1] == "phone"
    assert (s.rows, s.clean) == (2, 2)
    assert clean[1][2] == "+8613800138000"


def test_a_header_line_past_the_limit_is_refused(tmp_path: Path) -> None:
    src = tmp_path / "in.csv"
    src.write_bytes(b"x" * (1 << 20) + b",phone\n13800138000\n")
    with pytest.raises(cl.CalllistError, match=r"in\.csv: the first line is longer than 1048576 bytes \(max_header_bytes\)"):
        cl.clean(src, tmp_path / "c.csv", tmp_path / "r.csv")


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(notes=st.lists(st.text(alphabet="ab,;|\t\n\"x 张", max_size=12), min_size=1, max_size=30),
       header_note=st.text(alphabet="ab\n,", max_size=8))
def test_quoted_newlines_and_delimiters_in_cells_do_not_fool_the_sniffer(tmp_path: Path, notes, header_note):
    """Any CSV the csv module writes (cells quoted when they hold a newline, a quote or a
    delimiter) is read as the csv module reads it, without naming the delimiter: every row kept,
    each number in its row."""
    src = tmp_path / "notes.csv"
    with open(src, "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(["phone", "note " + header_note])
        for i, note in enumerate(notes):
            w.writerow([f"1380013{i:04d}", note])
    s = cl.clean(src, tmp_path / "c.csv", tmp_path / "r.csv")
    assert (s.rows, s.clean) == (len(notes), len(notes))
    with open(tmp_path / "c.csv", newline="", encoding="utf-8-sig") as f:
        back = list(csv.DictReader(f))
    assert [row["e164"] for row in back] == [f"+861380013{i:04d}" for i in range(len(notes))]
