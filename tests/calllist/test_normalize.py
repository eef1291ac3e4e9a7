"""Known answers, input column types, tables and properties of `callcore.calllist.normalize`."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from callcore import calllist as cl

KNOWN = [
    # input, e164, kind, national
    ("13800138000", "+8613800138000", "mobile", "13800138000"),
    ("+86 138 0013 8000", "+8613800138000", "mobile", "13800138000"),
    ("008613800138000", "+8613800138000", "mobile", "13800138000"),
    ("8613800138000", "+8613800138000", "mobile", "13800138000"),
    ("013800138000", "+8613800138000", "mobile", "13800138000"),
    ("1795113800138000", "+8613800138000", "mobile", "13800138000"),
    ("12593 13800138000", "+8613800138000", "mobile", "13800138000"),
    ("10193 13800138000", "+8613800138000", "mobile", "13800138000"),
    ("１３８－００１３－８０００", "+8613800138000", "mobile", "13800138000"),
    ("（１３８）００１３８０００", "+8613800138000", "mobile", "13800138000"),
    ('="13800138000"', "+8613800138000", "mobile", "13800138000"),
    ("13800138000.0", "+8613800138000", "mobile", "13800138000"),
    ("010-12345678", "+861012345678", "fixed", "01012345678"),
    ("+86 (0)10 12345678", "+861012345678", "fixed", "01012345678"),
    ("0755-8888 9999", "+8675588889999", "fixed", "075588889999"),
    ("(0310)2345678", "+863102345678", "fixed", "03102345678"),
    ("17951 0755 88889999", "+8675588889999", "fixed", "075588889999"),
    ("400-123-4567", "+864001234567", "nongeo", "4001234567"),
    ("800 123 4567", "+868001234567", "nongeo", "8001234567"),
    ("+1 650-253-0000", "+16502530000", "foreign", "0016502530000"),
    ("00852 2123 4567", "+85221234567", "foreign", "0085221234567"),
]

REJECTS = [
    ("", "empty"),
    ("  - ", "empty"),
    ("n/a", "bad_char"),
    ("1.38001E+10", "excel_scientific"),
    ("12", "too_short"),
    ("14012345678", "bad_mobile_prefix"),
    ("12012345678", "bad_mobile_prefix"),
    ("0260-1234567", "bad_area_code"),
    ("0755-8888999", "bad_subscriber"),
    ("88889999", "local_no_area_code"),
    ("+999 12345678", "bad_country_code"),
    ("1234567890123456789012345", "too_long"),
    ("010-12345678转12345678901", "bad_extension"),
    # service short codes are refused by default (issue 10 item 5): an outbound list never dials them
    ("95588", "short_code"),
    ("10086", "short_code"),
    ("+86 95588", "short_code"),
    ("114", "short_code"),
    # emergency numbers are refused always
    ("110", "emergency"),
    ("+86 120", "emergency"),
]

#: service short codes accepted with allow_short_codes=True: input, e164, national
SHORT = [
    ("95588", "+8695588", "95588"),
    ("10086", "+8610086", "10086"),
    ("114", "+86114", "114"),
    ("+86 95533", "+8695533", "95533"),
]

#: emergency numbers in several dresses; rejected whatever the options
EMERGENCY = ["110", "112", "119", "120", "122", "999", "+86 110", "0086-119", "+86 999", "１２０",
             "120转1", "(110)", "12110", "12119", "12395"]


@pytest.mark.parametrize("inp,e164,kind,national", KNOWN)
def test_known_answers(inp: str, e164: str, kind: str, national: str) -> None:
    r = cl.normalize([inp])
    assert (r.e164[0], r.kind[0], r.national[0], r.reason[0]) == (e164, kind, national, None)
    assert int(r.keys[0]) == int(e164[1:])


@pytest.mark.parametrize("inp,reason", REJECTS)
def test_reject_reasons(inp: str, reason: str) -> None:
    r = cl.normalize([inp])
    assert (r.e164[0], r.reason[0], r.kind[0], int(r.keys[0])) == (None, reason, "invalid", 0)


def test_extensions_kept_apart() -> None:
    r = cl.normalize(["010-12345678转0123", "0755 8888 9999 ext. 7", "010-12345678,8", "13800138000"])
    assert r.e164[:3] == ["+861012345678", "+8675588889999", "+861012345678"]
    assert r.ext == ["0123", "7", "8", None]
    # the extension does not change the dedup key
    assert r.keys[0] == r.keys[2]


def test_default_area_code() -> None:
    r = cl.normalize(["88889999", "8888999", "2345678"], default_area_code="0755")
    assert r.e164 == ["+8675588889999", None, None]
    assert r.reason[1:] == ["bad_subscriber", "bad_subscriber"]
    r = cl.normalize(["2345678"], default_area_code="310")
    assert r.e164 == ["+863102345678"]
    with pytest.raises(ValueError, match="default_area_code"):
        cl.normalize(["1"], default_area_code="0260")


@pytest.mark.parametrize("inp,e164,national", SHORT)
def test_short_codes_only_when_allowed(inp: str, e164: str, national: str) -> None:
    r = cl.normalize([inp], allow_short_codes=True)
    assert (r.e164[0], r.kind[0], r.national[0], r.reason[0]) == (e164, "short", national, None)
    r = cl.normalize([inp])
    assert (r.e164[0], r.kind[0], r.reason[0], int(r.keys[0])) == (None, "invalid", "short_code", 0)


@pytest.mark.parametrize("allow", [False, True])
@pytest.mark.parametrize("inp", EMERGENCY)
def test_emergency_numbers_rejected_whatever_the_options(inp: str, allow: bool) -> None:
    for kw in ({}, {"default_area_code": "0755"}, {"structural_only": True}):
        r = cl.normalize([inp], allow_short_codes=allow, **kw)
        assert (r.e164[0], r.reason[0], int(r.keys[0])) == (None, "emergency", 0), (inp, kw)
    norm = cl.Normalizer(allow_short_codes=allow)
    assert norm.one(inp)[3] == "emergency"


def test_foreign_policy() -> None:
    assert cl.normalize(["+44 20 7946 0958"], foreign="reject").reason == ["foreign"]
    assert cl.normalize(["+44 20 7946 0958"]).kind == ["foreign"]
    with pytest.raises(ValueError, match="foreign"):
        cl.normalize(["1"], foreign="maybe")  # type: ignore[arg-type]


def test_structural_mode_and_updated_prefix_table(tmp_path) -> None:
    assert cl.normalize(["14012345678"]).reason == ["bad_mobile_prefix"]
    assert cl.normalize(["14012345678"], structural_only=True).e164 == ["+8614012345678"]
    assert cl.normalize(["12012345678"], structural_only=True).reason == ["bad_mobile_prefix"]
    table = tmp_path / "prefixes.txt"
    table.write_text("# only 140 and 1380\n140\n1380\n", encoding="utf-8")
    r = cl.normalize(["14012345678", "13800138000", "13900139000"], mobile_prefixes=table)
    assert r.reason == [None, None, "bad_mobile_prefix"]
    bad = tmp_path / "bad.txt"
    bad.write_text("23\n", encoding="utf-8")
    with pytest.raises(ValueError, match="line 1"):
        cl.normalize(["1"], mobile_prefixes=bad)


def test_area_code_table_is_real() -> None:
    n = cl.Normalizer()
    assert "北京" in n.area_city(10)
    assert "深圳" in n.area_city(755)
    assert n.area_city(260) is None


def test_column_types_agree() -> None:
    values = ["13800138000", "010-12345678", "abc", "", "４００１２３４５６７", "0755 8888 9999"]
    ref = cl.normalize(values)
    for col in (
        tuple(values),
        np.array(values),  # U
        np.array([v.encode() for v in values], dtype="S"),
        np.array(values, dtype=object),
        (v for v in values),
        [v.encode() for v in values],
    ):
        r = cl.normalize(col)
        assert r.e164 == ref.e164
        assert r.reason == ref.reason
    big_endian = np.array(values, dtype=">U16")
    assert cl.normalize(big_endian).e164 == ref.e164
    assert cl.normalize(np.array([], dtype="U5")).e164 == []
    ints = cl.normalize(np.array([13800138000, 8613800138000, 0, -1], dtype=np.int64))
    assert ints.e164 == ["+8613800138000", "+8613800138000", None, None]
    mixed = cl.normalize([13800138000, None, 13800138000.0, float("nan")])
    assert mixed.e164 == ["+8613800138000", None, "+8613800138000", None]
    with pytest.raises(TypeError, match=r"numbers\[1\]"):
        cl.normalize(["1", object()])
    with pytest.raises(TypeError):
        cl.normalize("13800138000")  # type: ignore[arg-type]


def test_polars_column() -> None:
    pl = pytest.importorskip("polars")
    s = pl.Series("phone", ["13800138000", None, "010-12345678"])
    assert cl.normalize(s).e164 == ["+8613800138000", None, "+861012345678"]


def test_dedup_first_keeps_first() -> None:
    r = cl.normalize(["13800138000", "+8613800138000", "bad", "bad", "010-12345678", "01012345678"])
    assert cl.dedup_first(r.keys).tolist() == [True, False, True, True, True, False]


# ---------------------------------------------------------------- properties

digits = st.text(alphabet="0123456789", min_size=0, max_size=16)
noise = st.sampled_from([" ", "-", ".", "(", ")", "+", "０", "１", "８", "６", "\u3000", "－", "转", "x", "#", "a", "E", ","])
dirty = st.lists(st.one_of(digits, noise), max_size=8).map("".join)


@settings(max_examples=400, deadline=None)
@given(st.lists(dirty, max_size=30))
def test_idempotent_on_its_output(values: list[str]) -> None:
    """Normalizing an output (E.164 or national form) gives the same key and kind back."""
    r = cl.normalize(values)
    ok = [i for i, e in enumerate(r.e164) if e is not None]
    again = cl.normalize([r.e164[i] for i in ok])
    nat = cl.normalize([r.national[i] for i in ok])
    assert again.keys.tolist() == [int(r.keys[i]) for i in ok]
    assert nat.keys.tolist() == [int(r.keys[i]) for i in ok]
    assert again.kind == [r.kind[i] for i in ok]


@settings(max_examples=300, deadline=None)
@given(st.lists(dirty, max_size=30))
def test_every_input_is_accepted_xor_has_a_reason(values: list[str]) -> None:
    r = cl.normalize(values)
    assert len(r) == len(values)
    for e, why, k, key in zip(r.e164, r.reason, r.kind, r.keys.tolist()):
        assert (e is None) == (why is not None) == (k == "invalid") == (key == 0)


@settings(max_examples=200, deadline=None)
@given(st.from_regex(r"1[3-9][0-9]{9}", fullmatch=True), st.sampled_from(["{}", "+86{}", "0086 {}", "0{}", "17951{}", "{0}"]))
def test_formatting_does_not_change_the_key(mobile: str, fmt: str) -> None:
    r = cl.normalize([mobile, fmt.format(mobile)], structural_only=True)
    assert r.keys[0] == r.keys[1] == int("86" + mobile)
