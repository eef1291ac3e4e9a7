"""The polars script a user would write for the call-list clean, run as its own process by
benches/bench_calllist.py: read, strip, normalize +86/0086/86 and trunk 0 / IP-dial prefixes,
validate, dedup keep-first, write clean and rejects. bench_calllist.py also calls ``main`` in
process, so the in-process and the whole-process peer do the same work.

Usage: python polars_clean.py INPUT CLEAN REJECTS"""

import sys

import polars as pl

STRIP = r"[\s\-\.\(\)（）－\u3000]"


def main(src: str, clean_path: str, rejects_path: str) -> int:
    """Runs the pipeline; returns the number of clean rows."""
    df = pl.read_csv(src, infer_schema=False)
    digits = (
        pl.col("phone").fill_null("")
        .str.replace_all(STRIP, "")
        .str.replace(r"^(\+86|0086|86)(1[3-9]\d{9})$", "$2")
        .str.replace(r"^(\+86|0086)([1-9]\d{8,10})$", "0$2")
        .str.replace(r"^(17951|12593|0)(1[3-9]\d{9})$", "$2")
    )
    df = df.with_columns(digits.alias("norm"))
    ok = pl.col("norm").str.contains(r"^(1[3-9]\d{9}|0\d{9,11}|400\d{7})$")
    clean = df.filter(ok).unique(subset="norm", keep="first", maintain_order=True)
    clean.write_csv(clean_path)
    df.filter(~ok).write_csv(rejects_path)
    return clean.height


if __name__ == "__main__":
    main(*sys.argv[1:4])
