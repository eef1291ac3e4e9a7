"""The pure-Python Dialogic VOX decoder a user would write (the peer of benches/bench_audio.py;
checked against callcore before timing)."""

from __future__ import annotations

import array

STEP = [16, 17, 19, 21, 23, 25, 28, 31, 34, 37, 41, 45, 50, 55, 60, 66, 73, 80, 88, 97, 107, 118, 130, 143, 157,
        173, 190, 209, 230, 253, 279, 307, 337, 371, 408, 449, 494, 544, 598, 658, 724, 796, 876, 963, 1060, 1166,
        1282, 1411, 1552]
ADJ = [-1, -1, -1, -1, 2, 4, 6, 8]


def decode(data: bytes) -> array.array:
    out = array.array("h")
    p = i = 0
    for b in data:
        for c in (b >> 4, b & 15):
            ss = STEP[i]
            d = ss >> 3
            if c & 1:
                d += ss >> 2
            if c & 2:
                d += ss >> 1
            if c & 4:
                d += ss
            p = p - d if c & 8 else p + d
            p = 2047 if p > 2047 else -2048 if p < -2048 else p
            out.append(p << 4)
            i += ADJ[c & 7]
            i = 0 if i < 0 else 48 if i > 48 else i
    return out
