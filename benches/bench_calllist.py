"""Call-list cleaning: callcore vs polars, pandas, phonenumbers and a pure-Python regex
normalizer, all measured in the same run on the same data.

Data: ``CALLCORE_BENCH_ROWS`` rows (default 1,000,000) of realistic dirty data written once to
a temp dir: columns ``id,name,phone,city``; ~20% duplicates (the same number re-typed in
another format), ~5% invalid, mixed formatting (spaces, dashes, +86/0086/86, trunk 0, IP-dial
prefixes, full-width digits, parentheses), mobiles, fixed lines and 400 numbers.

* end to end (read, normalize, dedup keep-first, write clean + rejects):
  callcore ``clean`` (and its single-reader path, ``parallel=False``) vs a polars pipeline (regex strip, prefix strip, filter, unique keep-first,
  write) vs a pandas pipeline (same steps, ``drop_duplicates``).
* phonenumbers, two ways, each on a 20,000-row sample scaled to the full row count (x rows/20,000;
  stated as such in the report): the pipeline end to end (csv module in, parse + is_valid +
  E.164 + national form + kind, keep-first dedup, csv module out for clean and rejects: the
  same job and columns as ``clean``), and its core alone (parse + is_valid + format E.164 +
  dict dedup over an in-memory list), a lower bound for any phonenumbers pipeline.
* the pure-Python regex normalizer (strip, prefix strip, ``1[3-9]\\d{9}|0\\d{9,11}``, int key,
  set dedup) runs on the full column.
* ``normalize`` over an in-memory column: packed (Arrow-layout) buffers, 1 thread and the
  default pool; and a ``list[str]``.

Run: ``make bench`` or ``pytest benches/bench_calllist.py --benchmark-only``. The last test
prints the medians and ratios and writes them to ``.benchmarks/calllist_summary.json``.
"""

from __future__ import annotations

import json
import os
import random
import re
import tempfile
import time
from pathlib import Path

import numpy as np
import pytest

from callcore import calllist as cl
from callcore._core import calllist as _c

ROWS = int(os.environ.get("CALLCORE_BENCH_ROWS", "1000000"))
PN_SAMPLE = 20_000
RESULTS: dict[str, float] = {}
ROOT = Path(__file__).resolve().parents[1]

AREAS = [
    line.split("\t")[:2]
    for line in (ROOT / "rust/calllist/data/cn_area_codes.txt").read_text(encoding="utf-8").splitlines()
    if line and not line.startswith("#")
]
MOBILE_PREFIXES = ["130", "131", "132", "133", "135", "136", "137", "138", "139", "150", "151", "152", "155",
                   "156", "157", "158", "159", "166", "170", "173", "176", "177", "180", "181", "182", "185",
                   "186", "187", "188", "189", "191", "198", "199"]
FULLWIDTH = str.maketrans("0123456789+-() ", "０１２３４５６７８９＋－（）\u3000")
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗"
CITIES = ["北京", "上海", "广州", "深圳", "成都", "杭州", "武汉", "西安", "南京", "重庆"]


def _base(rng: random.Random) -> str:
    r = rng.random()
    if r < 0.80:
        return rng.choice(MOBILE_PREFIXES) + f"{rng.randrange(10**8):08d}"
    if r < 0.96:
        code, lengths = rng.choice(AREAS)
        n = int(lengths.split(",")[-1])
        return "0" + code + str(rng.randrange(2, 9)) + f"{rng.randrange(10 ** (n - 1)):0{n - 1}d}"
    return "400" + f"{rng.randrange(10**7):07d}"


def _dress(rng: random.Random, n: str) -> str:
    mobile = n[0] == "1"
    s = rng.randrange(14)
    if s < 5:
        return n
    if s == 5:
        return f"{n[:3]}-{n[3:7]}-{n[7:]}" if mobile else f"{n[:4]}-{n[4:]}"
    if s == 6:
        return f"{n[:3]} {n[3:7]} {n[7:]}" if mobile else f"({n[:4]}) {n[4:]}"
    if s == 7:
        return ("+86 " + n) if mobile else ("+86 " + n[1:])
    if s == 8:
        return ("0086" + n) if mobile else ("0086" + n[1:])
    if s == 9:
        return ("86" + n) if mobile else n
    if s == 10:
        return ("0" + n) if mobile else n
    if s == 11:
        return ("17951" + n) if mobile else n
    if s == 12:
        return n.translate(FULLWIDTH)
    return f" {n} "


def _invalid(rng: random.Random) -> str:
    return rng.choice([
        "", "无", "n/a", "-", "1380013800", "138001380001", "12345", f"{rng.randrange(10**7, 10**8)}",
        "1.38001E+10", "14012345678", "0260-1234567", "abc" + str(rng.randrange(1000)),
    ])


DATA_DIR = Path(tempfile.gettempdir()) / "callcore-bench-calllist"


def _call_list(rows: int) -> Path:
    """``rows`` rows of the dirty call list, written once into DATA_DIR and reused by later runs
    (a cut run leaves only the ``.tmp`` file, so the next one writes it again)."""
    DATA_DIR.mkdir(exist_ok=True)
    path = DATA_DIR / f"list_{rows}.csv"
    if not path.exists():
        rng = random.Random(42)
        seen: list[str] = []
        tmp = path.with_suffix(".tmp")
        with open(tmp, "w", encoding="utf-8", newline="") as f:
            f.write("id,name,phone,city\n")
            for i in range(rows):
                r = rng.random()
                if r < 0.05:
                    phone = _invalid(rng)
                elif r < 0.25 and seen:
                    phone = _dress(rng, rng.choice(seen))
                else:
                    base = _base(rng)
                    seen.append(base)
                    phone = _dress(rng, base)
                name = rng.choice(SURNAMES) + rng.choice("伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚")
                f.write(f'{i},{name},"{phone}",{rng.choice(CITIES)}\n')
        tmp.rename(path)
    return path


@pytest.fixture(scope="session")
def dataset() -> dict[str, object]:
    return {"path": _call_list(ROWS), "out": DATA_DIR}


@pytest.fixture(scope="session")
def phones(dataset) -> list[str]:
    """The phone column as a list (for the in-memory peers)."""
    import polars as pl

    return pl.read_csv(dataset["path"], columns=["phone"], infer_schema=False)["phone"].fill_null("").to_list()


def _median(benchmark) -> float:
    return float(benchmark.stats.stats.median)


# ------------------------------------------------------------------ end to end

def test_e2e_callcore(benchmark, dataset) -> None:
    p, out = dataset["path"], dataset["out"]
    summary = benchmark.pedantic(lambda: cl.clean(p, out / "cc_clean.csv", out / "cc_rejects.csv"), rounds=9, iterations=1,
                                 warmup_rounds=1)
    assert summary.rows == ROWS
    RESULTS["e2e_callcore"] = _median(benchmark)
    RESULTS["callcore_clean_rows"] = summary.clean
    RESULTS["callcore_duplicates"] = summary.duplicates


def test_e2e_callcore_sequential(benchmark, dataset) -> None:
    """The single-reader path (``parallel=False``): the "before" of the parallel pipeline."""
    p, out = dataset["path"], dataset["out"]
    summary = benchmark.pedantic(
        lambda: cl.clean(p, out / "cs_clean.csv", out / "cs_rejects.csv", parallel=False), rounds=5, iterations=1)
    assert summary.rows == ROWS
    RESULTS["e2e_callcore_sequential"] = _median(benchmark)


def test_e2e_callcore_peak_memory(benchmark, dataset) -> None:
    """Peak resident memory of a fresh process that cleans the file (interpreter and imports
    included), against the input's size; the issue's limit is 3x the input."""
    import subprocess
    import sys

    p, out = dataset["path"], dataset["out"]
    # VmHWM, not ru_maxrss: the latter keeps the parent's peak across fork + exec
    hwm = "print([l.split()[1] for l in open('/proc/self/status') if l.startswith('VmHWM')][0])"
    code = ("from callcore import calllist as cl; "
            f"cl.clean({str(p)!r}, {str(out / 'mem_clean.csv')!r}, {str(out / 'mem_rejects.csv')!r}); " + hwm)
    peak_kib = int(benchmark.pedantic(
        lambda: subprocess.run([sys.executable, "-c", code], check=True, capture_output=True, text=True).stdout,
        rounds=1, iterations=1))
    idle = code.split("cl.clean(")[0] + hwm
    base_kib = int(subprocess.run([sys.executable, "-c", idle], check=True, capture_output=True, text=True).stdout)
    RESULTS["peak_rss_mb"] = peak_kib / 1024
    RESULTS["base_rss_mb"] = base_kib / 1024
    RESULTS["input_mb"] = p.stat().st_size / 2**20
    assert peak_kib > 0


def _polars_pipeline(path: Path, out: Path) -> int:
    from peers import polars_clean

    return polars_clean.main(str(path), str(out / "pl_clean.csv"), str(out / "pl_rejects.csv"))


def test_e2e_polars(benchmark, dataset) -> None:
    n = benchmark.pedantic(lambda: _polars_pipeline(dataset["path"], dataset["out"]), rounds=5, iterations=1)
    assert n > ROWS // 2
    RESULTS["e2e_polars"] = _median(benchmark)


def _pandas_pipeline(path: Path, out: Path) -> int:
    import pandas as pd
    from peers.polars_clean import STRIP  # the separators the polars peer strips, the same set

    df = pd.read_csv(path, dtype=str, keep_default_na=False)
    s = df["phone"].str.replace(STRIP, "", regex=True)
    s = s.str.replace(r"^(?:\+86|0086|86)(1[3-9]\d{9})$", r"\1", regex=True)
    s = s.str.replace(r"^(?:17951|12593|0)(1[3-9]\d{9})$", r"\1", regex=True)
    df["norm"] = s
    ok = s.str.fullmatch(r"1[3-9]\d{9}|0\d{9,11}|400\d{7}")
    clean = df[ok].drop_duplicates(subset="norm", keep="first")
    clean.to_csv(out / "pd_clean.csv", index=False)
    df[~ok].to_csv(out / "pd_rejects.csv", index=False)
    return len(clean)


def test_e2e_pandas(benchmark, dataset) -> None:
    n = benchmark.pedantic(lambda: _pandas_pipeline(dataset["path"], dataset["out"]), rounds=3, iterations=1)
    assert n > ROWS // 2
    RESULTS["e2e_pandas"] = _median(benchmark)


def _phonenumbers_pipeline(values: list[str]) -> int:
    import phonenumbers

    seen: dict[str, int] = {}
    for i, v in enumerate(values):
        try:
            n = phonenumbers.parse(v, "CN")
        except phonenumbers.NumberParseException:
            continue
        if phonenumbers.is_valid_number(n):
            seen.setdefault(phonenumbers.format_number(n, phonenumbers.PhoneNumberFormat.E164), i)
    return len(seen)


_PN_KINDS = {0: "fixed", 1: "mobile", 2: "mobile", 3: "nongeo", 4: "nongeo", 5: "nongeo"}


def _phonenumbers_e2e(src: Path, out: Path) -> int:
    """The same job as ``clean`` done with phonenumbers and the csv module: read the CSV,
    parse + validate each phone (region CN), keep the first of each E.164, write the clean file
    with the columns callcore adds (e164, national, kind, ext) and the rejects file (row, input,
    reason, e164)."""
    import csv

    import phonenumbers
    from phonenumbers import PhoneNumberFormat

    seen: set[str] = set()
    kept = 0
    with open(src, newline="", encoding="utf-8") as f, \
            open(out / "pn_clean.csv", "w", newline="", encoding="utf-8") as cf, \
            open(out / "pn_rejects.csv", "w", newline="", encoding="utf-8") as rf:
        rows = csv.reader(f)
        header = next(rows)
        col = header.index("phone")
        clean, rej = csv.writer(cf, lineterminator="\n"), csv.writer(rf, lineterminator="\n")
        clean.writerow(header + ["e164", "national", "kind", "ext"])
        rej.writerow(["row", "input", "reason", "e164"])
        for line, row in enumerate(rows, 2):
            v = row[col]
            try:
                n = phonenumbers.parse(v, "CN")
            except phonenumbers.NumberParseException:
                rej.writerow([line, v, "unparsable", ""])
                continue
            if not phonenumbers.is_valid_number(n):
                rej.writerow([line, v, "invalid", ""])
                continue
            e164 = phonenumbers.format_number(n, PhoneNumberFormat.E164)
            if e164 in seen:
                rej.writerow([line, v, "duplicate", e164])
                continue
            seen.add(e164)
            kind = _PN_KINDS.get(phonenumbers.number_type(n), "other")
            nsn = phonenumbers.national_significant_number(n)
            clean.writerow(row + [e164, "0" + nsn if kind == "fixed" else nsn, kind, n.extension or ""])
            kept += 1
    return kept


def test_phonenumbers_e2e_sample_scaled(benchmark, dataset) -> None:
    """The phonenumbers pipeline end to end (the issue's peer) on the file's first 20,000 rows,
    scaled to the full row count."""
    src = dataset["out"] / f"sample_{PN_SAMPLE}.csv"
    if not src.exists():
        with open(dataset["path"], encoding="utf-8") as f, open(src, "w", encoding="utf-8") as o:
            for _ in range(PN_SAMPLE + 1):
                o.write(f.readline())
    n = benchmark.pedantic(lambda: _phonenumbers_e2e(src, dataset["out"]), rounds=3, iterations=1)
    assert n > 0
    RESULTS["phonenumbers_e2e_sample"] = _median(benchmark)
    RESULTS["phonenumbers_e2e_scaled"] = _median(benchmark) * ROWS / PN_SAMPLE


def test_phonenumbers_sample_scaled(benchmark, phones) -> None:
    """phonenumbers' core alone (parse + is_valid + format E.164 + dict dedup over an in-memory
    list; no CSV, no national form or kind): a lower bound for any phonenumbers pipeline."""
    sample = phones[:PN_SAMPLE]
    n = benchmark.pedantic(lambda: _phonenumbers_pipeline(sample), rounds=3, iterations=1)
    assert n > 0
    RESULTS["phonenumbers_sample"] = _median(benchmark)
    RESULTS["phonenumbers_scaled"] = _median(benchmark) * ROWS / PN_SAMPLE


_STRIP = re.compile(r"[\s\-\.\(\)（）－\u3000]")
_PREFIX = re.compile(r"^(?:\+86|0086|86|17951|12593|0)(?=1[3-9]\d{9}$)")
_VALID = re.compile(r"1[3-9]\d{9}|0\d{9,11}|400\d{7}")


def _regex_pipeline(values: list[str]) -> int:
    seen: set[int] = set()
    keep = 0
    for v in values:
        d = _PREFIX.sub("", _STRIP.sub("", v))
        if _VALID.fullmatch(d):
            k = int(d)
            if k not in seen:
                seen.add(k)
                keep += 1
    return keep


def test_pure_python_regex(benchmark, phones) -> None:
    n = benchmark.pedantic(lambda: _regex_pipeline(phones), rounds=3, iterations=1)
    assert n > 0
    RESULTS["regex_python"] = _median(benchmark)


# ------------------------------------------------------------------ normalize over a column

@pytest.fixture(scope="session")
def packed(phones) -> tuple[np.ndarray, np.ndarray]:
    enc = [p.encode() for p in phones]
    lens = np.fromiter((len(b) for b in enc), dtype=np.int64, count=len(enc))
    offsets = np.zeros(len(enc) + 1, dtype=np.int64)
    np.cumsum(lens, out=offsets[1:])
    return np.frombuffer(b"".join(enc), dtype=np.uint8), offsets


def test_normalize_packed_one_thread(benchmark, packed) -> None:
    norm = cl.Normalizer()
    data, offsets = packed
    benchmark.pedantic(lambda: _c.normalize_packed(norm, data, offsets, threads=1), rounds=7, iterations=1, warmup_rounds=1)
    RESULTS["normalize_packed_1t"] = _median(benchmark)


def test_normalize_packed_pool(benchmark, packed) -> None:
    norm = cl.Normalizer()
    data, offsets = packed
    benchmark.pedantic(lambda: _c.normalize_packed(norm, data, offsets), rounds=7, iterations=1, warmup_rounds=1)
    RESULTS["normalize_packed_pool"] = _median(benchmark)


def test_normalize_list(benchmark, phones) -> None:
    benchmark.pedantic(lambda: cl.normalize(phones), rounds=5, iterations=1)
    RESULTS["normalize_list"] = _median(benchmark)


def test_e2e_whole_process(benchmark, dataset, record) -> None:
    """``callcore calllist clean`` as a whole process (interpreter, imports, exit included) against
    the polars script as a process (benches/peers/polars_clean.py) and the I/O floor (``cat`` of the
    input to a new file: reading and writing the bytes once), 5 interleaved rounds; peak RSS of
    each child (GNU time)."""
    import sys

    import callcore
    from wholeprocess import compile_bytecode, describe, interleaved, need, ratios

    compile_bytecode(callcore)
    p, out = dataset["path"], dataset["out"]
    cli = [sys.executable, "-m", "callcore.cli", "calllist", "clean", str(p), "-o", str(out / "wp_clean.csv"),
           "--rejects", str(out / "wp_rejects.csv")]
    polars_script = [sys.executable, str(Path(__file__).parent / "peers" / "polars_clean.py"), str(p),
                     str(out / "wp_pl_clean.csv"), str(out / "wp_pl_rejects.csv")]
    floor = ["sh", "-c", f'{need("cat")} "$1" > "$2"', "cat", str(p), str(out / "wp_copy.csv")]
    cmds = {"callcore CLI": cli, "polars script": polars_script, "floor: cat (read + write once)": floor}
    runs = benchmark.pedantic(lambda: interleaved(cmds, rounds=5), rounds=1, iterations=1)
    group = f"calllist clean {ROWS:,} rows, whole process"
    for name, r in runs.items():
        record(group, "callcore" if name == "callcore CLI" else name, r.median / ROWS, "row")
    pl_r = ratios(runs, "callcore CLI", "polars script")
    mb = p.stat().st_size / 2**20
    record.note(f"{group}: polars script / callcore per round {pl_r[len(pl_r) // 2]:.2f}x (range {pl_r[0]:.2f}-{pl_r[-1]:.2f}); "
                + "; ".join(f"{describe(name, r)} ({r.peak_kib / 1024 / mb:.2f}x the {mb:.0f} MiB input)"
                            for name, r in runs.items()))
    RESULTS["e2e_whole_process_callcore"] = runs["callcore CLI"].median
    RESULTS["e2e_whole_process_polars"] = runs["polars script"].median


def _lines(path: Path) -> int:
    with open(path, "rb") as f:
        return sum(block.count(b"\n") for block in iter(lambda: f.read(1 << 20), b""))


BIG_ROWS = 10_000_000
#: bytes per row of the generated list (37.5 on average), for the free-space check before writing it
BIG_ROW_BYTES = 40


def test_big_list_whole_process(benchmark, record, request) -> None:  # type: ignore[no-untyped-def]
    """The 10M-row list (~375 MB, generated once into the temp dir, ~2 min) cleaned by
    ``callcore calllist clean`` as a whole process, next to the polars script, 3 interleaved
    rounds: wall and CPU time, and peak RSS against the input's size (the issue's limit: under
    1x the input). Runs with ``--big`` (``make bench`` passes it); skipped when the temp dir has
    no room for the input, both outputs of both implementations and a margin."""
    import shutil
    import sys

    import callcore
    from wholeprocess import compile_bytecode, describe, interleaved, ratios

    if not request.config.getoption("--big"):
        pytest.skip("the 10M-row list runs with --big (make bench passes it)")
    path = DATA_DIR / f"list_{BIG_ROWS}.csv"
    size = path.stat().st_size if path.exists() else BIG_ROWS * BIG_ROW_BYTES
    DATA_DIR.mkdir(exist_ok=True)
    free = shutil.disk_usage(DATA_DIR).free
    # the input (unless already written), clean + rejects of two implementations (each at most the
    # input's size), and 1 GB to spare for whatever else runs on the machine
    needed = (0 if path.exists() else size) + 2 * size + 10**9
    if free < needed:
        pytest.skip(f"the 10M-row list needs {needed / 1e9:.1f} GB free in {DATA_DIR}, {free / 1e9:.1f} GB are")
    path = _call_list(BIG_ROWS)
    compile_bytecode(callcore)
    out = DATA_DIR / "big_out"
    out.mkdir(exist_ok=True)
    cmds = {
        "callcore CLI": [sys.executable, "-m", "callcore.cli", "calllist", "clean", str(path), "-o", str(out / "cc_clean.csv"),
                         "--rejects", str(out / "cc_rejects.csv")],
        "polars script": [sys.executable, str(Path(__file__).parent / "peers" / "polars_clean.py"), str(path),
                          str(out / "pl_clean.csv"), str(out / "pl_rejects.csv")],
    }
    try:
        runs = benchmark.pedantic(lambda: interleaved(cmds, rounds=3), rounds=1, iterations=1)
        # both did the job: the same bounds as the 1M-row tests (the polars script keeps fewer
        # rows: it does not read full-width digits, so its ratio understates ours)
        ours, theirs = _lines(out / "cc_clean.csv") - 1, _lines(out / "pl_clean.csv") - 1
        assert ours > BIG_ROWS * 0.7 and theirs > BIG_ROWS // 2, (ours, theirs)
    finally:
        shutil.rmtree(out, ignore_errors=True)  # ~700 MB of outputs
    group = f"calllist clean {BIG_ROWS:,} rows, whole process"
    for name, r in runs.items():
        record(group, "callcore" if name == "callcore CLI" else name, r.median / BIG_ROWS, "row")
    mib = size / 2**20
    pl_r = ratios(runs, "callcore CLI", "polars script")
    record.note(f"{group}: polars script / callcore per round median {pl_r[1]:.2f}x (range {pl_r[0]:.2f}-{pl_r[-1]:.2f}); "
                + "; ".join(f"{describe(name, r)} = {r.peak_kib / 1024 / mib:.2f}x the {mib:.0f} MiB input"
                            for name, r in runs.items()))
    peak = runs["callcore CLI"].peak_kib / 1024
    assert 0 < peak < mib, f"peak RSS {peak:.0f} MiB is not under the {mib:.0f} MiB input"


def test_interleaved_ratios(benchmark, dataset) -> None:
    """callcore, the phonenumbers pipeline (20k sample, scaled) and polars, one after the other
    in each of 7 rounds: a ratio per round compares runs made under the same load (this VM's
    neighbours move single medians by tens of percent)."""
    p, out = dataset["path"], dataset["out"]
    sample = out / f"sample_{PN_SAMPLE}.csv"
    if not sample.exists():
        with open(p, encoding="utf-8") as f, open(sample, "w", encoding="utf-8") as o:
            for _ in range(PN_SAMPLE + 1):
                o.write(f.readline())
    pn, pl_ = [], []

    def rounds() -> None:
        for _ in range(7):
            t = time.perf_counter()
            cl.clean(p, out / "cc_clean.csv", out / "cc_rejects.csv")
            ours = time.perf_counter() - t
            t = time.perf_counter()
            _phonenumbers_e2e(sample, out)
            pn.append((time.perf_counter() - t) * ROWS / PN_SAMPLE / ours)
            t = time.perf_counter()
            _polars_pipeline(p, out)
            pl_.append((time.perf_counter() - t) / ours)

    benchmark.pedantic(rounds, rounds=1, iterations=1)
    RESULTS["interleaved_pn_ratios"] = sorted(pn)
    RESULTS["interleaved_polars_ratios"] = sorted(pl_)
    assert len(pn) == 7


def test_normalize_polars_series(benchmark, phones) -> None:
    """A polars Series, read in place through the Arrow stream interface (no list made)."""
    import polars as pl

    s = pl.Series(phones)
    benchmark.pedantic(lambda: cl.normalize(s), rounds=5, iterations=1)
    RESULTS["normalize_polars"] = _median(benchmark)


def test_zz_report(benchmark, dataset) -> None:
    """Prints medians and ratios (the figures the README quotes) and saves them. (A benchmark
    only so that ``--benchmark-only`` runs it; it times nothing of interest.)"""
    benchmark.pedantic(lambda: None, rounds=1, iterations=1)
    r = RESULTS
    need = ["e2e_callcore", "e2e_polars"]
    if any(k not in r for k in need):
        pytest.skip("run the file with --benchmark-only (at least the e2e tests) to get the report")
    rows = ROWS
    lines = [
        f"rows: {rows:,} ({dataset['path'].stat().st_size / 1e6:.1f} MB); cores: {os.cpu_count()}",
        f"end to end  callcore      {r['e2e_callcore'] * 1e3:9.1f} ms  ({rows / r['e2e_callcore'] / 1e6:.2f} M rows/s)",
        f"end to end  callcore, parallel=False {r['e2e_callcore_sequential'] * 1e3:9.1f} ms"
        if "e2e_callcore_sequential" in r else "",
        f"end to end  polars        {r['e2e_polars'] * 1e3:9.1f} ms  -> callcore {r['e2e_polars'] / r['e2e_callcore']:.1f}x faster",
        f"end to end  pandas        {r['e2e_pandas'] * 1e3:9.1f} ms  -> callcore {r['e2e_pandas'] / r['e2e_callcore']:.1f}x faster"
        if "e2e_pandas" in r else "pandas: not run",
        f"phonenumbers pipeline, end to end (20k sample {r['phonenumbers_e2e_sample'] * 1e3:.0f} ms, scaled "
        f"x{rows / PN_SAMPLE:.0f}) {r['phonenumbers_e2e_scaled']:9.1f} s  -> callcore "
        f"{r['phonenumbers_e2e_scaled'] / r['e2e_callcore']:.0f}x faster"
        if "phonenumbers_e2e_scaled" in r else "",
        f"phonenumbers core only, in memory (20k sample {r['phonenumbers_sample'] * 1e3:.0f} ms, scaled "
        f"x{rows / PN_SAMPLE:.0f}) {r['phonenumbers_scaled']:9.1f} s  -> callcore "
        f"{r['phonenumbers_scaled'] / r['e2e_callcore']:.0f}x faster"
        if "phonenumbers_scaled" in r else "",
        f"pure-Python regex         {r['regex_python'] * 1e3:9.1f} ms  -> callcore {r['regex_python'] / r['e2e_callcore']:.1f}x faster"
        if "regex_python" in r else "",
        (lambda a, b: f"interleaved, 7 rounds, ratio per round: phonenumbers pipeline / callcore median "
                      f"{a[3]:.0f}x (range {a[0]:.0f}-{a[-1]:.0f}x); polars / callcore median {b[3]:.1f}x "
                      f"(range {b[0]:.1f}-{b[-1]:.1f}x)")(r["interleaved_pn_ratios"], r["interleaved_polars_ratios"])
        if "interleaved_pn_ratios" in r else "",
        f"peak memory of a process cleaning the file {r['peak_rss_mb']:.0f} MiB = "
        f"{r['peak_rss_mb'] / r['input_mb']:.2f}x the input ({r['input_mb']:.0f} MiB); the same process "
        f"without the clean {r['base_rss_mb']:.0f} MiB"
        if "peak_rss_mb" in r else "",
        f"normalize packed, 1 thread {rows / r['normalize_packed_1t'] / 1e6:8.1f} M numbers/s"
        if "normalize_packed_1t" in r else "",
        f"normalize packed, pool     {rows / r['normalize_packed_pool'] / 1e6:8.1f} M numbers/s"
        if "normalize_packed_pool" in r else "",
        f"normalize list[str]        {rows / r['normalize_list'] / 1e6:8.1f} M numbers/s"
        if "normalize_list" in r else "",
        f"normalize polars Series    {rows / r['normalize_polars'] / 1e6:8.1f} M numbers/s (Arrow, in place)"
        if "normalize_polars" in r else "",
    ]
    text = "\n".join(x for x in lines if x)
    print("\n" + text)
    out = ROOT / ".benchmarks"
    out.mkdir(exist_ok=True)
    (out / "calllist_summary.json").write_text(json.dumps({"rows": rows, "medians_s": r, "report": text, "at": time.time()}, indent=2))
    assert r["e2e_callcore"] > 0
