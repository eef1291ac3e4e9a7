"""Validation helpers shared by the request models. Every failure is a
:class:`~callcore.platforms.errors.ClientValidationError` naming the field, the limit and the seed line."""
from __future__ import annotations

import re
from datetime import datetime
from typing import Any, Iterable

from .errors import ClientValidationError

DIAL_CHARS = re.compile(r"^[0-9*#]+$")
DIGITS = re.compile(r"^[0-9]+$")
# customField forbidden characters, 001:25476 / 001:25627 (full-width forms included; see
# notes/outbound.md 2.1.2): letters, digits, CJK, '-' and '_' remain allowed.
CUSTOM_FIELD_FORBIDDEN = set("`~!@#$%^&*()+={} '\";<>/?.[]!¥…—【】‘’:“”,\\？。、！（）；：，|")
TYPE_FORBIDDEN = CUSTOM_FIELD_FORBIDDEN - {"-"}


def fail(platform: str, field: str, problem: str, line: str = "") -> ClientValidationError:
    where = f" [seed {line}]" if line else ""
    return ClientValidationError(f"{platform}: {field}: {problem}{where}", platform=platform, endpoint=field,
                                 seed_line=line)


def check_len(platform: str, field: str, value: str | None, max_len: int, *, min_len: int = 0,
              required: bool = False, line: str = "") -> None:
    if value is None or value == "":
        if required:
            raise fail(platform, field, "is required", line)
        return
    if not isinstance(value, str):
        raise fail(platform, field, f"must be a string, got {type(value).__name__}", line)
    if len(value) > max_len:
        raise fail(platform, field, f"is {len(value)} characters, at most {max_len} allowed", line)
    if len(value) < min_len:
        raise fail(platform, field, f"is {len(value)} characters, at least {min_len} required", line)


def check_dial(platform: str, field: str, value: str | None, *, max_len: int = 24, required: bool = True,
               digits_only: bool = False, line: str = "") -> None:
    check_len(platform, field, value, max_len, required=required, line=line)
    if value:
        pat = DIGITS if digits_only else DIAL_CHARS
        if not pat.match(value):
            allowed = "0-9" if digits_only else "0-9, * and #"
            raise fail(platform, field, f"{value!r} has characters outside {allowed}", line)


def check_no_chars(platform: str, field: str, value: str | None, forbidden: set[str], line: str = "") -> None:
    if value:
        bad = sorted({c for c in value if c in forbidden})
        if bad:
            raise fail(platform, field, f"contains forbidden characters {''.join(bad)!r}", line)


def check_range(platform: str, field: str, value: Any, lo: int, hi: int, *, required: bool = False,
                line: str = "") -> None:
    if value is None or value == "":
        if required:
            raise fail(platform, field, "is required", line)
        return
    try:
        n = int(value)
    except (TypeError, ValueError):
        raise fail(platform, field, f"{value!r} is not an integer", line) from None
    if not lo <= n <= hi:
        raise fail(platform, field, f"{n} is outside {lo}..{hi}", line)


def check_time(platform: str, field: str, value: str | None, fmt: str = "%Y-%m-%d %H:%M:%S", *,
               required: bool = False, line: str = "") -> None:
    if not value:
        if required:
            raise fail(platform, field, "is required", line)
        return
    try:
        datetime.strptime(value, fmt)
    except ValueError:
        raise fail(platform, field, f"{value!r} does not match {fmt}", line) from None


def check_unique(platform: str, field: str, values: Iterable[str], line: str = "") -> None:
    seen: set[str] = set()
    for v in values:
        if v in seen:
            raise fail(platform, field, f"duplicate number {v!r} in one request", line)
        seen.add(v)


def drop_none(d: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in d.items() if v is not None}
