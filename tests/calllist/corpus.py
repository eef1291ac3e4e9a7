"""Deterministic generator of dirty Chinese (and some foreign) phone-number inputs, used by the
agreement test and the benches. Every generated input is a formatting of a number drawn from a
broad space that includes invalid prefixes, wrong lengths and unknown area codes."""

from __future__ import annotations

import random
from pathlib import Path

DATA = Path(__file__).resolve().parents[2] / "rust" / "calllist" / "data"


def area_codes() -> list[str]:
    out = []
    for line in (DATA / "cn_area_codes.txt").read_text(encoding="utf-8").splitlines():
        if line and not line.startswith("#"):
            code, lengths = line.split("\t")[:2]
            out.append((code, [int(x) for x in lengths.split(",")]))
    return out


AREAS = area_codes()
IP_PREFIXES = ["17951", "12593", "17911", "17909", "17901", "12520"]
FULLWIDTH = str.maketrans("0123456789+-() ", "０１２３４５６７８９＋－（）\u3000")


def _mobile(rng: random.Random) -> str:
    if rng.random() < 0.85:
        p = rng.choice(["13", "15", "18", "17", "19", "16", "14"]) + str(rng.randrange(10))
    else:
        p = "1" + str(rng.randrange(10)) + str(rng.randrange(10))
    return p + "".join(str(rng.randrange(10)) for _ in range(8))


def _fixed(rng: random.Random) -> tuple[str, str]:
    if rng.random() < 0.9:
        code, lengths = rng.choice(AREAS)
        n = rng.choice(lengths) if rng.random() < 0.85 else rng.choice([6, 7, 8, 9])
    else:
        code, n = str(rng.randrange(300, 1000)), rng.choice([7, 8])
    first = str(rng.randrange(2, 9)) if rng.random() < 0.9 else str(rng.randrange(10))
    sub = first + "".join(str(rng.randrange(10)) for _ in range(n - 1))
    return code, sub


def _fmt_mobile(rng: random.Random, m: str) -> str:
    style = rng.randrange(12)
    if style == 0:
        return m
    if style == 1:
        return f"{m[:3]}-{m[3:7]}-{m[7:]}"
    if style == 2:
        return f"{m[:3]} {m[3:7]} {m[7:]}"
    if style == 3:
        return "+86" + m
    if style == 4:
        return "+86 " + f"{m[:3]} {m[3:7]} {m[7:]}"
    if style == 5:
        return "0086" + m
    if style == 6:
        return "86" + m
    if style == 7:
        return "0" + m
    if style == 8:
        return rng.choice(IP_PREFIXES) + m
    if style == 9:
        return m.translate(FULLWIDTH)
    if style == 10:
        return f"({m[:3]}){m[3:]}"
    return f"{m[:3]}.{m[3:7]}.{m[7:]}"


def _fmt_fixed(rng: random.Random, code: str, sub: str) -> str:
    style = rng.randrange(9)
    if style == 0:
        return f"0{code}-{sub}"
    if style == 1:
        return f"0{code}{sub}"
    if style == 2:
        return f"(0{code}){sub}"
    if style == 3:
        return f"+86 {code} {sub}"
    if style == 4:
        return f"0086-{code}-{sub}"
    if style == 5:
        return f"+86 (0){code} {sub}"
    if style == 6:
        return f"0{code} {sub[:4]} {sub[4:]}"
    if style == 7:
        return f"86{code}{sub}"
    return f"0{code}-{sub}".translate(FULLWIDTH)


def _invalid(rng: random.Random) -> str:
    style = rng.randrange(6)
    if style == 0:
        return "".join(str(rng.randrange(10)) for _ in range(rng.randrange(3, 15)))
    if style == 1:
        return "".join(str(rng.randrange(10)) for _ in range(8))  # local, no area code
    if style == 2:
        return rng.choice(["abc", "n/a", "无", "-", "", "   ", "13800x", "手机"])
    if style == 3:
        return "1" + "".join(str(rng.randrange(10)) for _ in range(rng.choice([9, 10, 12])))
    if style == 4:
        return "+" + "".join(str(rng.randrange(10)) for _ in range(rng.randrange(4, 17)))
    return "0" + "".join(str(rng.randrange(10)) for _ in range(rng.randrange(8, 13)))


def _other(rng: random.Random) -> str:
    style = rng.randrange(4)
    if style == 0:
        return rng.choice(["400", "800"]) + "".join(str(rng.randrange(10)) for _ in range(7))
    if style == 1:
        n = rng.choice(["400", "800"]) + "".join(str(rng.randrange(10)) for _ in range(7))
        return f"{n[:3]}-{n[3:6]}-{n[6:]}"
    if style == 2:
        return rng.choice(["+1 650 253 0000", "+44 20 7946 0958", "+81 3-1234-5678", "+852 2123 4567",
                           "001 212 555 0123", "+65 6123 4567", "+886 2 2345 6789", "+7 495 123-45-67"])
    return rng.choice(["95588", "10086", "110", "12315", "96100"])


def generate(n: int, seed: int = 20261122) -> list[str]:
    """`n` inputs: ~55% mobiles, ~25% fixed lines, ~12% invalid/local, ~8% 400/800/foreign/short."""
    rng = random.Random(seed)
    out = []
    for _ in range(n):
        r = rng.random()
        if r < 0.55:
            out.append(_fmt_mobile(rng, _mobile(rng)))
        elif r < 0.80:
            out.append(_fmt_fixed(rng, *_fixed(rng)))
        elif r < 0.92:
            out.append(_invalid(rng))
        else:
            out.append(_other(rng))
    return out
