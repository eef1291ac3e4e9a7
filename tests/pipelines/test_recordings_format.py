"""The deployment's recording format (issue 10 item 4): headerless recordings (Huawei ``.V3``:
recordFormat 1/2/3 = 24K VOX / 32K VOX / 64K A-law, 001:64386) cannot be sniffed, so
``recordings sync`` takes ``--recording-format`` / ``SyncOptions.recording_format`` and hands it
to the transcoder on every route. For each format and each download route, every output lasts as
long as the sandbox's record of that recording says, within one frame."""
from __future__ import annotations

import csv
import json
import os
import subprocess
import sys
from datetime import datetime, timedelta
from pathlib import Path

import pytest
import soundfile

from callcore.pipelines.recording_sources import HuaweiSyncOptions
from callcore.pipelines.recordings import SyncOptions, sync_recordings

from . import platform_sync as ps
from .test_recordings import _seed_calls, _window

FMT = ps.FMT
FORMATS = ("vox6k", "vox8k", "alaw")
ROUTES = ("huawei-file", "huawei-original", "huawei-call", "sccc", "babaihu", "hl95")


def _check_durations(out: Path, seconds_of: dict[str, float], n: int) -> None:
    man = list(csv.DictReader(open(out / "manifest.csv", encoding="utf-8")))
    assert len(man) == n > 0
    for m in man:
        assert m["state"] == "converted", (m["remote_file"], m["error"])
        want = seconds_of[m["remote_original"] or m["remote_file"]]
        info = soundfile.info(str(out / m["output"]))
        got = info.frames / info.samplerate
        assert abs(got - want) <= 1.0 / info.samplerate + 1e-9, (m["output"], got, want, info.samplerate)


def _huawei_seconds(recs) -> dict[str, float]:
    """Each recording's length in the sandbox's record, by its original_file_name as the index
    writes it (backslashes)."""
    return {r["original_file_name"].replace("/", "\\"): float(r["seconds"]) for r in recs}


@pytest.mark.parametrize("route", ROUTES)
@pytest.mark.parametrize("fmt", FORMATS)
def test_output_duration_equals_the_cdr(sandbox_factory, tmp_path, fmt, route):
    out = tmp_path / "out"
    if route.startswith("huawei"):
        sb = sandbox_factory(recording_format=fmt)
        recs = _seed_calls(sb, 10)
        if route == "huawei-call":
            assert len({r["call_id"] for r in recs}) < len(recs), "a call with two recordings (a zip)"
        b, e = _window()
        s = sync_recordings(SyncOptions(sb.url, sb.access_key, sb.secret_key, begin=b, end=e, out_dir=str(out),
                                        recording_format=fmt,
                                        platform_options=HuaweiSyncOptions(route=route.split("-")[1])))
        seconds_of = _huawei_seconds(recs)
        n = len(recs)
    else:
        sb = ps.start(route, tmp_path / route, record_format=f"raw-{fmt}")
        try:
            now = datetime.now().replace(microsecond=0)
            ps.make_calls(route, sb, 8, now, 0)
            b, e = (now - timedelta(hours=1)).strftime(FMT), now.strftime(FMT)
            exp = ps.expected(route, sb, b, e)
            s = sync_recordings(ps.options(route, sb, out, b, e, recording_format=fmt))
        finally:
            sb.stop()
        seconds_of = {x.remote_file: x.seconds for x in exp}
        n = len(exp)
    assert s.complete and s.failed == 0 and s.converted == n, s.errors
    _check_durations(out, seconds_of, n)
    if route.startswith("huawei"):
        _check_calls_against_the_cdr(out, sb)


def _check_calls_against_the_cdr(out: Path, sb) -> None:
    """Huawei: a call's recordings together last as long as the call in its CDR (begin to end),
    within one frame per recording."""
    from collections import defaultdict

    total: dict[str, float] = defaultdict(float)
    frames: dict[str, float] = defaultdict(float)
    for m in csv.DictReader(open(out / "manifest.csv", encoding="utf-8")):
        info = soundfile.info(str(out / m["output"]))
        total[m["call_id"]] += info.frames / info.samplerate
        frames[m["call_id"]] += 1.0 / info.samplerate
    for c in sb.app.state.rows("SELECT * FROM calls WHERE status=6"):
        cdr = (datetime.strptime(c["end_time"], FMT) - datetime.strptime(c["begin_time"], FMT)).total_seconds()
        assert abs(total[c["call_id"]] - cdr) <= frames[c["call_id"]] + 1e-9, (c["call_id"], total[c["call_id"]], cdr)


def test_cli_recording_format_alias_and_folder_identity(sandbox_factory, tmp_path):
    """``--recording-format vox24k`` (the seed's label) on Huawei's raw route through the CLI;
    the folder then refuses another format (one deployment, one encoding)."""
    sb = sandbox_factory(recording_format="vox6k")
    recs = _seed_calls(sb, 6)
    b, e = _window()
    env = dict(os.environ, CALLCORE_ACCESS_KEY=sb.access_key, CALLCORE_SECRET_KEY=sb.secret_key)
    cmd = [sys.executable, "-m", "callcore.cli", "recordings", "sync", "--platform", "huawei", "--from", b, "--to", e,
           "-o", str(tmp_path / "o"), "--endpoint", sb.url, "--huawei-route", "original", "--json", "-q"]
    r = subprocess.run(cmd + ["--recording-format", "vox24k"], env=env, capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stderr[-2000:]
    assert json.loads(r.stdout)["converted"] == len(recs)
    _check_durations(tmp_path / "o", _huawei_seconds(recs), len(recs))
    r = subprocess.run(cmd + ["--recording-format", "alaw"], env=env, capture_output=True, text=True, timeout=120)
    assert r.returncode != 0 and "converted as --recording-format vox6k" in r.stderr
    r = subprocess.run(cmd + ["--recording-format", "vox12k"], env=env, capture_output=True, text=True, timeout=120)
    assert r.returncode != 0 and "recording format 'vox12k'" in r.stderr
