"""An aware ``datetime`` becomes the auth-v2 timestamp in the extension itself: the same text as
the UTC arithmetic in Python for any offset and microsecond, and without calling back into the
Python package (the extension imports no Python module of callcore)."""

from __future__ import annotations

import random
from datetime import datetime, timedelta, timezone

import pytest

import callcore.sign as sign
from callcore._core import sign as core


def _reference(when: datetime, millis: bool) -> str:
    utc = when.astimezone(timezone.utc)
    text = utc.strftime("%Y-%m-%dT%H:%M:%S")
    return text + (f".{utc.microsecond // 1000:03d}Z" if millis else "Z")


def test_any_offset_and_microsecond_gives_the_utc_text() -> None:
    rng = random.Random(12)
    for _ in range(2000):
        offset = timedelta(minutes=rng.randint(-23 * 60 - 59, 23 * 60 + 59), seconds=rng.choice([0, 0, 30]))
        when = datetime(1970, 1, 1, tzinfo=timezone.utc) + timedelta(
            seconds=rng.randint(0, 4_000_000_000), microseconds=rng.randint(0, 999_999)
        )
        when = when.astimezone(timezone(offset))
        for millis in (True, False):
            assert sign.format_timestamp(when, millis=millis) == _reference(when, millis)


def test_naive_and_wrong_types_are_refused() -> None:
    with pytest.raises(sign.SignError, match="naive datetime '2024-05-06T07:08:09'"):
        sign.format_timestamp(datetime(2024, 5, 6, 7, 8, 9))
    with pytest.raises(sign.SignError, match="expected str, datetime or None, got int"):
        sign.auth_v2("GET", "/x", headers={"host": "h"}, access_key="a", secret_key="s", timestamp=5)  # type: ignore[arg-type]


def test_signing_with_a_datetime_does_not_call_back_into_the_package(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(*_args: object, **_kwargs: object) -> str:
        raise AssertionError("the extension called callcore.sign.format_timestamp")

    monkeypatch.setattr(sign, "format_timestamp", refuse)
    when = datetime(2021, 8, 31, 17, 38, 50, 872999, tzinfo=timezone(timedelta(hours=8)))
    value = core.auth_v2("GET", "/x", headers={"host": "h"}, access_key="a", secret_key="s", timestamp=when)
    assert value.startswith("auth-v2/a/2021-08-31T09:38:50.872Z/host/")
