"""Agreement with `phonenumbers` (region CN) on 20,000 generated dirty inputs.

Rule: where phonenumbers calls an input valid, we return the same E.164; where it calls it
invalid (or cannot parse it), we reject it. Deliberate, documented differences (README
"Calllist" section) are counted apart and excluded from the agreement figure:

* ``short``: with ``allow_short_codes=True`` service short codes (10086, 95588) are accepted as
  kind ``short``; phonenumbers keeps them in a separate ShortNumberInfo API and calls them
  invalid. By default (and for emergency numbers always) we reject them too, so the default run
  below agrees with phonenumbers on them; the ``short`` count is 0 and kept for the opt-in.
* ``foreign``: numbers of other countries are checked structurally only (assigned country code,
  7 to 15 digits); phonenumbers validates them against each country's ranges.
* ``subscriber_0``: fixed-line subscriber numbers starting with ``0`` are rejected (0 is the
  trunk prefix and is not assigned to subscribers); phonenumbers' patterns allow it.
"""

from __future__ import annotations

import collections

import phonenumbers
import pytest

from callcore import calllist as cl

from .corpus import generate

N = 20_000


def _pn(s: str) -> tuple[str | None, phonenumbers.PhoneNumber | None]:
    try:
        n = phonenumbers.parse(s, "CN")
    except phonenumbers.NumberParseException:
        return None, None
    if not phonenumbers.is_valid_number(n):
        return None, n
    return phonenumbers.format_number(n, phonenumbers.PhoneNumberFormat.E164), n


def _subscriber_starts_with_0(n: phonenumbers.PhoneNumber) -> bool:
    if n.country_code != 86:
        return False
    nsn = str(n.national_number)
    area = nsn[:2] if nsn[0] in "12" else nsn[:3]
    sub = nsn[len(area):]
    return phonenumbers.number_type(n) == phonenumbers.PhoneNumberType.FIXED_LINE and sub.startswith("0")


@pytest.fixture(scope="module")
def comparison() -> dict[str, object]:
    inputs = generate(N)
    ours = cl.normalize(inputs)
    same = 0
    deliberate: collections.Counter[str] = collections.Counter()
    disagree: list[tuple[str, str | None, str | None, str | None]] = []
    pn_valid = 0
    for s, e, kind, why in zip(inputs, ours.e164, ours.kind, ours.reason):
        theirs, parsed = _pn(s)
        pn_valid += theirs is not None
        if theirs == e:
            same += 1
        elif theirs is None and kind == "short":
            deliberate["short"] += 1
        elif theirs is None and kind == "foreign":
            deliberate["foreign"] += 1
        elif e is None and why == "bad_subscriber" and parsed is not None and _subscriber_starts_with_0(parsed):
            deliberate["subscriber_0"] += 1
        else:
            disagree.append((s, theirs, e, why))
    compared = N - sum(deliberate.values())
    return {
        "inputs": inputs,
        "same": same,
        "compared": compared,
        "deliberate": deliberate,
        "disagree": disagree,
        "pn_valid": pn_valid,
    }


def test_agreement_with_phonenumbers(comparison: dict, capsys: pytest.CaptureFixture[str]) -> None:
    same, compared = comparison["same"], comparison["compared"]
    rate = same / compared
    raw = same / N
    with capsys.disabled():
        print(
            f"\n[calllist] phonenumbers agreement: {same}/{compared} = {rate:.4%} "
            f"(raw {raw:.2%} of {N}; phonenumbers-valid inputs {comparison['pn_valid']}; "
            f"deliberate differences {dict(comparison['deliberate'])}; "
            f"other disagreements {len(comparison['disagree'])}, first: {comparison['disagree'][:5]})"
        )
    assert N >= 10_000
    assert comparison["pn_valid"] > N // 2, "the corpus must be mostly valid numbers to mean something"
    assert rate >= 0.995


def test_every_valid_mobile_agrees_exactly(comparison: dict) -> None:
    """No disagreement at all on inputs phonenumbers calls valid mobiles."""
    bad = []
    for s, theirs, ours, why in comparison["disagree"]:
        n = phonenumbers.parse(s, "CN") if theirs else None
        if n is not None and phonenumbers.number_type(n) == phonenumbers.PhoneNumberType.MOBILE:
            bad.append((s, theirs, ours, why))
    assert bad == []


def test_historic_metadata_bugs_are_mobiles() -> None:
    r = cl.normalize(["19147005807", "19945009001", "19212345678", "16212345678"])
    assert r.e164 == ["+8619147005807", "+8619945009001", "+8619212345678", "+8616212345678"]
    assert r.kind == ["mobile"] * 4
