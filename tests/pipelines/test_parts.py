"""Building blocks: safe local names (hypothesis), the workbook writer read back by the sandbox's
reader, SFTP upload to a real sshd, the bill index read by column name."""
from __future__ import annotations

import hashlib
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from callcore.pipelines.recordings import _windows, parse_time, safe_local_path
from callcore.pipelines.sftp import upload
from callcore.platforms.retry import RetryPolicy
from callcore.pipelines.adapters.huawei_files import write_batch_workbook
from callcore.sandbox.huawei import _read_xlsx, parse_called_cell, read_table


@pytest.mark.parametrize("remote,want", [
    ("Y:\\1\\0\\20261122\\128\\1951481001.V3", "Y/1/0/20261122/128/1951481001.wav"),
    ("/10/1/record/1/20261122/128/1951481001.wav", "10/1/record/1/20261122/128/1951481001.wav"),
    ("../../etc/passwd", "etc/passwd.wav"),
    ("C:/..\\..\\x.V3", "C/x.wav"),
    ("a/./b//c:d.V3", "a/b/c_d.wav"),
    ("", "unnamed.wav"),
    ("....", "unnamed.wav"),
])
def test_safe_local_path_examples(tmp_path, remote, want):
    assert safe_local_path(remote, tmp_path, ".wav") == (tmp_path / want).resolve()


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.sampled_from(list("ab.:/\\C ..*?\x00\u4e2d")), max_size=40))
def test_safe_local_path_never_leaves_the_root(remote):
    root = Path("/tmp/callcore-safe-root").resolve()
    p = safe_local_path(remote, root, ".wav")
    assert root in p.parents
    assert "\\" not in str(p) and "\x00" not in str(p)


def test_batch_workbook_is_read_back_by_the_platform_reader(tmp_path):
    """A file batch's 7.4.8 workbook, written by the Rust core: the template's header (001:26350),
    sessionId = job + clean row, called as ``[{"calledNo":"…"}]``, customField = the batch tag.
    (Before the Python writer was removed, both wrote the same data cells for 302 rows; the
    header is now the seed's labels, which the platform reads by position.)"""
    nums = [f"1380013{i:04d}" for i in range(300)] + ["02112345678", "4008001234*1#"]
    n = write_batch_workbook(tmp_path / "b.xlsx", "job1", 1000, nums, "cc1b7")
    assert n == len(nums)
    header = _read_xlsx(tmp_path / "b.xlsx")[0]
    assert header[:2] == ["sessionId(非必填)", "called必填"] and len(header) == 6
    rows = read_table(tmp_path / "b.xlsx")
    assert [parse_called_cell(r["called"]) for r in rows] == [[x] for x in nums]
    assert [r["sessionId"] for r in rows] == [f"job1{1000 + i}" for i in range(len(nums))]
    assert {r["customField"] for r in rows} == {"cc1b7"}
    assert {r.get("caller", "") for r in rows} == {""}
    assert not list(tmp_path.glob(".part-*"))


def test_batch_workbook_refuses_a_tag_huawei_forbids(tmp_path):
    with pytest.raises(ValueError, match="customField"):
        write_batch_workbook(tmp_path / "x.xlsx", "j", 0, ["13800138000"], "t<1")
    assert not list(tmp_path.iterdir()), "nothing left behind, not even the .part- files"


def test_sftp_upload_to_a_real_sshd(sshd, tmp_path):
    src = tmp_path / "book.xlsx"
    src.write_bytes(b"PK\x03\x04" + bytes(range(256)) * 400)
    path = upload(sshd.target(remote_dir="isales/20261122"), src, "book.xlsx")
    assert path.endswith("isales/20261122/book.xlsx")
    got = sshd.root / "isales" / "20261122" / "book.xlsx"
    assert got.read_bytes() == src.read_bytes()
    assert not list(got.parent.glob("*.part"))


def test_sftp_upload_failure_names_the_target_not_the_key(sshd, tmp_path):
    src = tmp_path / "b.xlsx"
    src.write_bytes(b"x")
    bad = sshd.target()
    bad.key_file = str(tmp_path / "missing-key")
    with pytest.raises(OSError, match="sftp upload") as e:
        upload(bad, src, "b.xlsx", policy=RetryPolicy(attempts=1))
    assert "BEGIN OPENSSH" not in str(e.value)


def test_windows_are_at_most_three_days():
    w = _windows("2026-11-01 00:00:00", "2026-11-08 12:00:00")
    assert w[0] == ("2026-11-01 00:00:00", "2026-11-04 00:00:00")
    assert w[-1][1] == "2026-11-08 12:00:00" and len(w) == 3
    assert parse_time("2026-11-01") == "2026-11-01 00:00:00"
    assert parse_time("2026-11-01T08:30") == "2026-11-01 08:30:00"
    with pytest.raises(ValueError):
        _windows("2026-11-02 00:00:00", "2026-11-01 00:00:00")


def test_a_zip_answer_is_unpacked_safely(tmp_path):
    import zipfile

    from callcore.pipelines.recordings import RecordingSync
    from callcore.platforms.errors import UnsafeArchiveError

    ok = tmp_path / "a.zip"
    with zipfile.ZipFile(ok, "w") as z:
        z.writestr("rec.V3", b"\xd5" * 800)
    got = RecordingSync._unzip_one(ok)
    assert got.read_bytes() == b"\xd5" * 800 and got.parent == tmp_path / "a.zip.unzipped"
    bad = tmp_path / "b.zip"
    with zipfile.ZipFile(bad, "w") as z:
        z.writestr("../../escape.V3", b"x")
    with pytest.raises(UnsafeArchiveError):
        RecordingSync._unzip_one(bad)
    assert not (tmp_path.parent / "escape.V3").exists()


@pytest.mark.parametrize("parallel", [False, True])
def test_huawei_workbook_gets_the_original_values_not_the_defuse_prefix(tmp_path, parallel):
    """Issue 11 item 6: the clean file prefixes formula-like cells with ' (so Excel does not run
    them); the 7.4.8 workbook written from it carries the original value, as a string cell, which
    XLSX never evaluates. A value that itself starts with ' comes back unchanged too."""
    from callcore import calllist
    from callcore.sandbox.huawei import read_table

    notes = ["=1+1", "+86 note", "-x", "@SUM(A1)", "'=kept quote", "'plain", "plain"]
    src = tmp_path / "in.csv"
    with open(src, "w", newline="", encoding="utf-8") as f:
        import csv as _csv

        w = _csv.writer(f)
        w.writerow(["phone", "note"])
        for i, n in enumerate(notes):
            w.writerow([f"1380013{i:04d}", n])
    clean = tmp_path / "clean.csv"
    calllist.clean(src, clean, tmp_path / "rej.csv", platform="huawei-file", parallel=parallel)
    defused = {r["note"] for r in __import__("csv").DictReader(open(clean, encoding="utf-8-sig"))}
    assert "'=1+1" in defused and "''=kept quote" in defused  # the clean file stays safe to open
    out = calllist.write_huawei_workbooks(clean, tmp_path / "wb.xlsx", call_data_column="note")
    rows = read_table(out[0])
    assert sorted(r["callData"] for r in rows) == sorted(notes)
    import zipfile

    sheet = zipfile.ZipFile(out[0]).read("xl/worksheets/sheet1.xml").decode()
    assert "<f>" not in sheet and "<f " not in sheet  # string cells, never formulas


def test_dial_column_is_read_packed_and_agrees_with_the_csv_module(tmp_path):
    """The engine's dial column comes from one Rust call over clean.csv (quoted input cells with
    commas, quotes and newlines included) and gives the csv module's strings."""
    import csv as _csv

    from callcore import calllist
    from callcore.pipelines.dial_column import DialColumn, read_dial_column

    src = tmp_path / "in.csv"
    with open(src, "w", newline="", encoding="utf-8") as f:
        w = _csv.writer(f)
        w.writerow(["name", "phone"])
        for i in range(3000):
            w.writerow([f'客户 "{i}",\n第二行', f"138{i:08d}" if i % 7 else f"021-{i + 60000000:08d}"])
    clean = tmp_path / "clean.csv"
    s = calllist.clean(src, clean, tmp_path / "rej.csv", platform="huawei", bom=True, column="phone",
                   delimiter=",")
    with open(clean, newline="", encoding="utf-8-sig") as f:
        r = _csv.reader(f)
        i = next(r).index("dial")
        want = [row[i] for row in r]
    col, digest = read_dial_column(clean)
    # the bytes it read, hashed on the way: the file's size and SHA-256 as hashlib gives them
    assert digest == {"bytes": clean.stat().st_size, "sha256": hashlib.sha256(clean.read_bytes()).hexdigest()}
    assert isinstance(col, DialColumn) and len(col) == len(want) == s.clean > 2990
    assert col[:] == want and col[10:20] == want[10:20] and col[::500] == want[::500]
    assert col[0] == want[0] and col[-1] == want[-1] and col[5:5] == []
    assert col.take([3, 4, 9, len(want) - 1]) == [want[3], want[4], want[9], want[-1]] and col.take([]) == []
    assert col.lines(len(want) - 2, 10) == (want[-2] + "\n" + want[-1] + "\n").encode()
    part = col.view(100, 50)
    assert len(part) == 50 and part[:] == want[100:150] and part[-1] == want[149]
    assert part.lines(0, 2) == (want[100] + "\n" + want[101] + "\n").encode()
    assert len(col.view(len(want) - 3, 10)) == 3 and len(col.view(len(want) + 5, 3)) == 0
    with pytest.raises(IndexError):
        col[len(want)]
    with pytest.raises(ValueError, match="dial"):
        read_dial_column(src)  # not a clean CSV of a platform


@pytest.mark.parametrize("parallel", [True, False])
def test_the_clean_hands_over_the_dial_column_it_wrote(tmp_path, parallel):
    """The engine's fresh run takes its numbers from the clean itself (``on_dial_column``), the
    same column a resumed run reads back from clean.csv."""
    from callcore import calllist
    from callcore.pipelines.dial_column import DialColumn, read_dial_column

    src = tmp_path / "in.csv"
    src.write_text("name,phone\n" + "".join(f'"客户,{i}",138{i:08d}\n' for i in range(5000)) + "x,abc\n",
                   encoding="utf-8")
    handed: list[DialColumn] = []
    s = calllist.clean(src, tmp_path / "c.csv", tmp_path / "r.csv", platform="sccc", parallel=parallel, chunk_rows=300,
                       on_dial_column=lambda lines, offsets: handed.append(DialColumn(lines, offsets)), hash_clean=True)
    [col] = handed
    assert len(col) == s.clean == 5000
    read, digest = read_dial_column(tmp_path / "c.csv")
    assert col[:] == read[:]
    # hashed while written: the same size and SHA-256 hashlib gives the finished file
    written = (tmp_path / "c.csv").read_bytes()
    assert (s.clean_bytes, s.clean_sha256) == (len(written), hashlib.sha256(written).hexdigest())
    assert digest == {"bytes": s.clean_bytes, "sha256": s.clean_sha256}
    assert calllist.clean(src, tmp_path / "c3.csv", tmp_path / "r3.csv").clean_sha256 is None  # not asked for
    with pytest.raises(ValueError, match="platform"):
        calllist.clean(src, tmp_path / "c2.csv", tmp_path / "r2.csv", on_dial_column=lambda lines, offsets: None)
    with pytest.raises(ValueError, match="hash_clean needs a file source"):
        calllist.clean(["13800138000"], hash_clean=True)  # type: ignore[call-overload]
