"""Bad input gives a clear error or is handled; nothing is dropped silently."""

from __future__ import annotations

from pathlib import Path

import pytest

from callcore import calllist as cl


def clean(tmp_path: Path, src: Path, **kw):
    return cl.clean(src, tmp_path / "clean.csv", tmp_path / "rejects.csv", **kw)


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError, match="nope.csv"):
        clean(tmp_path, tmp_path / "nope.csv")


def test_missing_blacklist_and_unwritable_output(tmp_path: Path) -> None:
    src = tmp_path / "in.csv"
    src.write_text("13800138000\n", encoding="utf-8")
    with pytest.raises(FileNotFoundError, match="bl.txt"):
        clean(tmp_path, src, blacklist=tmp_path / "bl.txt")
    with pytest.raises(OSError, match="no-such-dir"):
        cl.clean(src, tmp_path / "no-such-dir" / "c.csv", tmp_path / "r.csv")


def test_undecodable_encoding(tmp_path: Path) -> None:
    src = tmp_path / "in.csv"
    # bytes that are neither UTF-8 nor GB18030 (0xFF is never a GB18030 lead byte)
    src.write_bytes(b"phone\n13800138000\n\xff\xfe\xff\xfe\n")
    with pytest.raises(UnicodeDecodeError, match="neither UTF-8 nor GB18030"):
        clean(tmp_path, src)


def test_gbk_after_a_long_ascii_prefix_is_still_read(tmp_path: Path) -> None:
    src = tmp_path / "in.csv"
    body = b"phone,name\n" + b"13800138000,abc\n" * 10_000 + "13900139000,张三\n".encode("gbk")
    src.write_bytes(body)
    s = clean(tmp_path, src)
    assert s.rows == 10_001 and s.clean == 2
    assert "张三" in (tmp_path / "clean.csv").read_text(encoding="utf-8")


def test_missing_column(tmp_path: Path) -> None:
    src = tmp_path / "in.csv"
    src.write_text("name,phone\na,13800138000\n", encoding="utf-8")
    with pytest.raises(cl.MissingColumn, match='"mobile".*"name", "phone"'):
        clean(tmp_path, src, column="mobile")
    with pytest.raises(ValueError, match="#5"):
        clean(tmp_path, src, column=5)


def test_ragged_rows_are_kept_and_counted(tmp_path: Path) -> None:
    src = tmp_path / "in.csv"
    src.write_text("name,phone,city\na,13800138000,bj\nb\nc,13900139000\nd,13700137000,sh,extra\n", encoding="utf-8")
    s = clean(tmp_path, src)
    assert (s.rows, s.clean, s.rejected, s.ragged, s.missing_field) == (4, 3, 1, 3, 1)
    assert s.per_reason == {"missing_field": 1}
    lines = (tmp_path / "clean.csv").read_text(encoding="utf-8").splitlines()
    assert lines[2] == "c,13900139000,,+8613900139000,13900139000,mobile,"  # padded to the header
    assert lines[3].startswith("d,13700137000,sh,extra,")  # extra cell kept, not dropped
    assert (tmp_path / "rejects.csv").read_text(encoding="utf-8").splitlines()[1] == "3,,missing_field,"


@pytest.mark.parametrize("content", [b"", b"\n\n  \n", b"\xef\xbb\xbf"])
def test_empty_file(tmp_path: Path, content: bytes) -> None:
    src = tmp_path / "in.csv"
    src.write_bytes(content)
    with pytest.raises(ValueError, match="no data rows"):
        clean(tmp_path, src)


def test_header_only_file(tmp_path: Path) -> None:
    src = tmp_path / "in.csv"
    src.write_text("name,phone\n", encoding="utf-8")
    with pytest.raises(ValueError, match="no data rows"):
        clean(tmp_path, src, has_header=True)


def test_unterminated_quote_is_not_silently_dropped(tmp_path: Path) -> None:
    src = tmp_path / "in.csv"
    src.write_text('name,phone\na,13800138000\n"b,13900139000\nc,13700137000\n', encoding="utf-8")
    s = clean(tmp_path, src)
    # the open quote swallows the rest of the file into one field: that row is one reject
    assert s.rows == s.clean + s.rejected == 2
    assert s.ragged == 1


def test_bad_options(tmp_path: Path) -> None:
    src = tmp_path / "in.csv"
    src.write_text("13800138000\n", encoding="utf-8")
    with pytest.raises(ValueError, match="delimiter"):
        clean(tmp_path, src, delimiter=";;")
    with pytest.raises(ValueError, match="batch_size needs a platform"):
        cl.clean(["13800138000"], batch_size=5)
    with pytest.raises(ValueError, match="unknown"):
        cl.platform_limits("avaya")
    store = tmp_path / "store.bin"
    store.write_bytes(b"not a store")
    with pytest.raises(ValueError, match="import store"):
        clean(tmp_path, src, store=store)


def test_bad_table_file(tmp_path: Path) -> None:
    t = tmp_path / "m.txt"
    t.write_text("130\nabc\n", encoding="utf-8")
    with pytest.raises(ValueError, match=r"m.txt: line 2"):
        cl.normalize(["13800138000"], mobile_prefixes=t)


def test_outputs_must_not_overwrite_the_input(tmp_path: Path) -> None:
    src = tmp_path / "in.csv"
    src.write_text("phone\n13800138000\n", encoding="utf-8")
    with pytest.raises(ValueError, match="must differ"):
        cl.clean(src, src, tmp_path / "r.csv")
    with pytest.raises(ValueError, match="must differ"):
        cl.clean(src, tmp_path / "same.csv", tmp_path / "same.csv")
    assert src.read_text(encoding="utf-8") == "phone\n13800138000\n"


def test_failed_run_leaves_no_partial_outputs(tmp_path: Path) -> None:
    src = tmp_path / "in.csv"
    src.write_bytes(b"phone\n" + b"13800138000\n" * 50_000 + "张三\n".encode("utf-8") + b"\xff\xfe\n")
    with pytest.raises(UnicodeDecodeError):
        cl.clean(src, tmp_path / "c.csv", tmp_path / "r.csv", chunk_rows=1024)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["in.csv"]


def test_devices_are_written_directly(tmp_path: Path) -> None:
    src = tmp_path / "in.csv"
    src.write_text("phone\n13800138000\n", encoding="utf-8")
    s = cl.clean(src, "/dev/null", "/dev/null")
    assert s.clean == 1
    assert Path("/dev/null").is_char_device()


def test_replacing_outputs_leaves_only_the_outputs(tmp_path: Path) -> None:
    """A clean over existing outputs swaps the new files in and removes the old contents (on a
    background thread, waited for here as at exit): nothing else is left in the folder."""
    from callcore._core import calllist as _c

    src = tmp_path / "in.csv"
    src.write_text("phone\n13800138000\n13800138000\nabc\n", encoding="utf-8")
    for _ in range(3):
        cl.clean(src, tmp_path / "clean.csv", tmp_path / "rej.csv")
    _c.wait_for_removals()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["clean.csv", "in.csv", "rej.csv"]
    assert (tmp_path / "clean.csv").read_text(encoding="utf-8").count("\n") == 2


def test_a_panic_in_the_core_is_an_ordinary_exception() -> None:
    """Issue 11: no panic crosses into Python as an abort or as PyO3's BaseException."""
    from callcore._core import calllist as _c

    with pytest.raises(cl.CalllistError, match=r"callcore\.calllist\._panic_probe: internal error .*deliberate panic"):
        _c._panic_probe()


def test_format_national_of_keys_shorter_than_the_country_code() -> None:
    """A keys array from the caller may hold anything: 1 or 86 have no national form (this
    panicked with a slice index out of range before)."""
    import numpy as np

    from callcore._core import calllist as _c

    keys = np.array([1, 8, 86, 8613800138000], dtype=np.uint64)
    for kind in range(6):
        out = _c.format_national(keys, np.full(4, kind, dtype=np.uint8))
        assert out[:3] == [None, None, None]
