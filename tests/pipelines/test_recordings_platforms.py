"""Recording sync of SCCC, 八百呼 and 九五 against their sandboxes over real HTTP: the period's
recordings fetched and converted once each, the manifest, the decoded audio (soundfile), resume
after an interruption, fault injection, 20 SIGKILLs (SCCC), the CLI."""
from __future__ import annotations

import csv
import hashlib
import json
import os
import random
import sqlite3
import subprocess
import sys
from datetime import datetime, timedelta
from pathlib import Path

import numpy as np
import pytest
import soundfile

from callcore.pipelines.recording_sources import BabaihuSyncOptions, Hl95SyncOptions
from callcore.pipelines.recordings import sync_recordings
from callcore.platforms.retry import RetryPolicy
from callcore.sandbox import audio as sbaudio

from . import platform_sync as ps

FMT = ps.FMT
#: what each platform's sandbox serves in the main test: SCCC a mix of A-law/PCM/µ-law WAV and
#: MP3 (the seed does not say), 八百呼 A-law WAV (its MP3 route has its own test), 九五 PCM WAV
FORMATS = {"sccc": "mixed", "babaihu": "alaw", "hl95": "pcm16"}


def _period():
    now = datetime.now().replace(microsecond=0)
    return now, (now - timedelta(hours=3)).strftime(FMT), (now - timedelta(hours=1)).strftime(FMT)


def _three_groups(platform, sb, now, n=12):
    """Calls before, inside and after the period [now-3h, now-1h]."""
    for tag, at in enumerate((now - timedelta(hours=4), now - timedelta(hours=2), now)):
        ps.make_calls(platform, sb, n, at, tag)


def _reference(remote: str, seconds: float) -> np.ndarray:
    return sbaudio.alaw2lin(sbaudio.v3_bytes(remote, seconds))


def _served_format(fmt: str, remote: str) -> str:
    if fmt != "mixed":
        return fmt
    return sbaudio.SERVED_FORMATS[int(hashlib.sha256(remote.encode()).hexdigest(), 16) % 4]


def _check_outputs(out: Path, exp: list[ps.Expected], fmt: str, to: str = "wav") -> list[dict]:
    """The manifest against the sandbox, and every output decoded by libsndfile."""
    man = list(csv.DictReader(open(out / "manifest.csv", encoding="utf-8")))
    assert sorted(m["remote_file"] for m in man) == sorted(e.remote_file for e in exp), "exactly the period's recordings"
    by = {e.remote_file: e for e in exp}
    for m in man:
        e = by[m["remote_file"]]
        assert m["state"] == "converted"
        assert (m["call_id"], m["agent"], m["callee"], m["begin"]) == (e.call_id, e.agent, e.callee, e.begin)
        assert float(m["duration_s"]) == e.seconds and m["remote_original"] == ""
        p = out / m["output"]
        assert p.suffix == "." + to and p.is_file() and ps.sha256(p) == m["output_sha256"]
        assert p.stat().st_size == int(m["output_bytes"])
        assert not Path(m["output"]).is_absolute() and ".." not in Path(m["output"]).parts
        info = soundfile.info(str(p))
        assert (info.samplerate, info.channels) == (8000, 1)
        assert info.frames == int(e.seconds * 8000), (m["output"], info.frames)
        if to == "wav":
            assert info.subtype == "PCM_16"
            got, _ = soundfile.read(str(p), dtype="int16")
            ref = _reference(e.remote_file, e.seconds)
            served = _served_format(fmt, e.remote_file)
            if served in ("alaw", "pcm16"):  # lossless from the sandbox's samples
                assert np.array_equal(got, ref), m["output"]
            else:  # µ-law or MP3 in between: the same signal, a little noise
                err = got.astype(float) - ref
                snr = 10 * np.log10(np.sum(ref.astype(float) ** 2) / max(np.sum(err ** 2), 1.0))
                assert snr > (30 if served == "ulaw" else 10), (m["output"], served, snr)
    return man


def _fetch_counts(out: Path) -> tuple[int, int]:
    db = sqlite3.connect(out / ".callcore-sync" / "state.sqlite3")
    try:
        return db.execute("SELECT MAX(fetches), MAX(converts) FROM recs").fetchone()
    finally:
        db.close()


@pytest.fixture
def sandboxes(tmp_path):
    started = []

    def make(platform, **kw):
        sb = ps.start(platform, tmp_path / f"{platform}-{len(started)}", **kw)
        started.append(sb)
        return sb

    yield make
    for sb in started:
        sb.stop()


@pytest.mark.parametrize("platform", ps.PLATFORMS)
def test_sync_fetches_and_converts_the_period_once(sandboxes, tmp_path, platform):
    fmt = FORMATS[platform]
    sb = sandboxes(platform, record_format=fmt)
    now, b, e = _period()
    _three_groups(platform, sb, now)
    exp = ps.expected(platform, sb, b, e)
    everything = ps.expected(platform, sb, "0000", "9999")
    assert 5 <= len(exp) < len(everything), "recordings inside and outside the period"
    out = tmp_path / "out"
    s = sync_recordings(ps.options(platform, sb, out, b, e))
    assert s.complete and s.failed == 0 and s.errors == []
    assert (s.recordings, s.downloaded_now, s.converted_now, s.converted) == (len(exp),) * 4
    assert s.calls == len(exp)
    _check_outputs(out, exp, fmt)
    assert sorted(sb.counter.served) == sorted(x.remote_file for x in exp), "only the period's files were fetched"
    assert set(sb.counter.served.values()) == {1}
    assert _fetch_counts(out) == (1, 1)
    src = out / ".callcore-sync" / "src"
    assert not src.exists() or not any(p.is_file() for p in src.rglob("*")), "sources removed once converted"
    # a second run: nothing fetched or converted again
    s2 = sync_recordings(ps.options(platform, sb, out, b, e))
    assert (s2.downloaded_now, s2.converted_now, s2.converted, s2.complete) == (0, 0, len(exp), True)
    assert set(sb.counter.served.values()) == {1}
    # one folder, one platform
    o = ps.options(platform, sb, out, b, e)
    o.platform = next(p for p in ps.PLATFORMS if p != platform)
    with pytest.raises(ValueError, match=f"holds a {platform} sync"):
        sync_recordings(o)


def test_babaihu_platform_mp3_route(sandboxes, tmp_path):
    """八百呼's own MP3 (``ismp3=1`` by cdrId) instead of its WAV, transcoded to MP3."""
    sb = sandboxes("babaihu")
    now, b, e = _period()
    _three_groups("babaihu", sb, now, n=8)
    exp = ps.expected("babaihu", sb, b, e)
    out = tmp_path / "out"
    s = sync_recordings(ps.options("babaihu", sb, out, b, e, platform_options=BabaihuSyncOptions(platform_mp3=True),
                                   to_format="mp3"))
    assert s.complete and s.converted == len(exp) > 0
    _check_outputs(out, exp, "mp3", to="mp3")
    assert sorted(sb.counter.served) == sorted("id:" + x.call_id for x in exp)
    assert set(sb.counter.served.values()) == {1}


class _Stop(Exception):
    pass


@pytest.mark.parametrize("platform", ps.PLATFORMS)
def test_resume_after_interruptions_fetches_nothing_twice(sandboxes, tmp_path, platform):
    """Stopped after 4 downloads, then after 3 conversions, then run to the end: every recording
    was served once by the platform and converted once; no partial file is left."""
    sb = sandboxes(platform)
    now, b, e = _period()
    _three_groups(platform, sb, now, n=16)
    exp = ps.expected(platform, sb, b, e)
    out = tmp_path / "out"

    def stop_at(event, n):
        seen = []

        def cb(ev, a, _b):
            if ev == event:
                seen.append(a)
                if len(seen) >= n:
                    raise _Stop(f"stopped after {n} {event}")
        return cb

    o = ps.options(platform, sb, out, b, e, workers=2, chunk=4)
    with pytest.raises(_Stop):
        sync_recordings(o, progress=stop_at("downloaded", 4))
    first = sum(sb.counter.served.values())
    assert 4 <= first < len(exp)
    with pytest.raises(_Stop):
        sync_recordings(o, progress=stop_at("converted", 3))
    s = sync_recordings(o)
    assert s.complete and s.converted == len(exp)
    assert sorted(sb.counter.served) == sorted(x.remote_file for x in exp)
    assert set(sb.counter.served.values()) == {1}, "no recording fetched twice"
    assert _fetch_counts(out) == (1, 1)
    assert [p for p in out.rglob("*") if p.name.startswith(".part") or p.name.endswith(".part")] == []
    _check_outputs(out, exp, "alaw")


@pytest.mark.parametrize("platform,seed", [("sccc", 11), ("babaihu", 12), ("hl95", 13)])
def test_sync_completes_under_faults(sandboxes, tmp_path, platform, seed):
    """5xx pages, dropped connections (a declared length and a short body), the platform's
    flow-control answer and latency, on listing and download alike."""
    sb = sandboxes(platform)
    now, b, e = _period()
    _three_groups(platform, sb, now, n=16)
    ps.set_faults(sb, f"5xx=0.2,drop=0.15,flow=0.15,latency=0.2:0.02,seed={seed}")
    exp = ps.expected(platform, sb, b, e)
    out = tmp_path / "out"
    # small listing pages where the platform pages by size (SCCC pages by key, 500 at most)
    paged = {"babaihu": BabaihuSyncOptions(page_size=5), "hl95": Hl95SyncOptions(page_size=5)}.get(platform)
    s = sync_recordings(ps.options(platform, sb, out, b, e, platform_options=paged, retry=RetryPolicy(
        attempts=30, base_delay=0.01, flow_delay=0.02, max_delay=0.1)))
    assert s.complete and s.failed == 0 and s.converted == len(exp)
    _check_outputs(out, exp, "alaw")
    counts = sb.app.faults.counts
    assert counts["5xx"] and counts["drop"] and counts["flow"], counts
    assert _fetch_counts(out) == (1, 1)
    assert set(sb.counter.served) == {x.remote_file for x in exp}


@pytest.mark.parametrize("platform", ps.PLATFORMS)
def test_cli_sync_mp3_json(sandboxes, tmp_path, platform):
    sb = sandboxes(platform)
    now = datetime.now().replace(microsecond=0)
    ps.make_calls(platform, sb, 8, now, 0)
    b, e = (now - timedelta(hours=1)).strftime(FMT), now.strftime(FMT)
    exp = ps.expected(platform, sb, b, e)
    env, opts = ps.cli_env(platform, sb, dict(os.environ))
    r = subprocess.run([sys.executable, "-m", "callcore.cli", "recordings", "sync", *opts, "--from", b, "--to", e,
                        "-o", str(tmp_path / "o"), "--to-format", "mp3", "--json"],
                       env=env, capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stderr[-2000:]
    d = json.loads(r.stdout)
    assert d["complete"] and d["converted"] == d["recordings"] == len(exp) > 0
    _check_outputs(tmp_path / "o", exp, "alaw", to="mp3")
    # without the secret in the environment: a clear message, nothing sent
    env.pop(next(k for k in env if k.startswith("CALLCORE_")))
    r = subprocess.run([sys.executable, "-m", "callcore.cli", "recordings", "sync", *opts, "--from", b, "--to", e,
                        "-o", str(tmp_path / "o2")], env=env, capture_output=True, text=True, timeout=60)
    assert r.returncode != 0 and "never taken from the command line" in r.stderr


def test_sccc_sync_survives_20_kills(sandboxes, tmp_path):
    """``callcore recordings sync --platform sccc`` killed with SIGKILL at 20 random points and
    resumed each time: every recording of the period ends converted once, no completed download
    repeated, no partial file; the platform served each file at most once more than needed for
    each kill that cut a download short (2 workers)."""
    from .conftest import KILLS, kill_cycles

    # 100 ms on every request keeps the job longer than 20 kill cycles on a fast machine too
    sb = sandboxes("sccc")
    now = datetime.now().replace(microsecond=0)
    for tag in range(2):
        ps.make_calls("sccc", sb, 260, now - timedelta(hours=3 * tag), tag)
    ps.set_faults(sb, "latency=1:0.1")
    b, e = (now - timedelta(hours=8)).strftime(FMT), now.strftime(FMT)
    exp = ps.expected("sccc", sb, b, e)
    assert len(exp) >= 300
    out = tmp_path / "out"
    env, opts = ps.cli_env("sccc", sb, dict(os.environ))
    cmd = [sys.executable, "-m", "callcore.cli", "recordings", "sync", *opts, "--from", b, "--to", e, "-o", str(out),
           "--to-format", "mp3", "--workers", "2", "--json"]
    kills, r = kill_cycles(cmd, env, random.Random(17), 0.45, 1.0)
    assert r.returncode == 0, r.stderr[-2000:]
    assert kills >= KILLS, f"only {kills} runs were killed mid-way"
    man = _check_outputs(out, exp, "alaw", to="mp3")
    assert len(man) == len(exp)
    assert _fetch_counts(out) == (1, 1), "nothing fetched or converted twice"
    assert set(sb.counter.served) == {x.remote_file for x in exp}
    assert sum(sb.counter.served.values()) <= len(exp) + 2 * kills
    leftovers = [p for p in out.rglob("*") if p.name.endswith(".part") or p.name.startswith(".part-")]
    assert leftovers == []


@pytest.mark.parametrize("platform", ps.PLATFORMS)
def test_downloads_are_hashed_while_written_not_read_back(sandboxes, tmp_path, platform, monkeypatch):
    """The manifest's source_sha256 comes from the chunks the transport wrote and its
    output_sha256 from the transcoder (TranscodeResult.sha256): no download or output is opened
    again to hash it or to tell a zip by its first bytes (issue 15), and each digest is the one
    of the bytes on disk."""
    from callcore.pipelines import recordings

    sb = sandboxes(platform, record_format=FORMATS[platform])
    now, b, e = _period()
    _three_groups(platform, sb, now, n=6)
    exp = ps.expected(platform, sb, b, e)
    reads = []
    real_hash, real_is_zip = recordings.file_sha256, recordings.is_zip_file
    monkeypatch.setattr(recordings, "file_sha256", lambda p: reads.append(Path(p)) or real_hash(p))
    monkeypatch.setattr(recordings, "is_zip_file", lambda p: reads.append(Path(p)) or real_is_zip(p))
    out = tmp_path / "out"
    s = sync_recordings(ps.options(platform, sb, out, b, e, keep_sources=True))
    assert s.complete and s.converted == len(exp) > 0
    assert reads == [], "a download or an output was read back"
    db = sqlite3.connect(out / ".callcore-sync" / "state.sqlite3")
    try:
        kept = db.execute("SELECT src, src_sha, src_bytes, out, out_sha, out_bytes FROM recs").fetchall()
    finally:
        db.close()
    assert len(kept) == len(exp)
    for src_rel, src_sha, src_bytes, out_rel, out_sha, out_bytes in kept:
        source, output = out / ".callcore-sync" / src_rel, out / out_rel
        assert (ps.sha256(source), source.stat().st_size) == (src_sha, src_bytes), src_rel
        assert (ps.sha256(output), output.stat().st_size) == (out_sha, out_bytes), out_rel


def test_an_output_folder_linked_outside_out_is_refused(sandboxes, tmp_path):
    """Output paths come from remote names, and a folder of them that is a symbolic link leading
    outside OUT is refused before anything is fetched: nothing is written through it."""
    sb = sandboxes("sccc")
    now, b, e = _period()
    _three_groups("sccc", sb, now, n=4)
    exp = ps.expected("sccc", sb, b, e)
    folder = Path(exp[0].remote_file).parent  # recordings/<day>: SCCC's remote names (003:2816)
    out, outside = tmp_path / "out", tmp_path / "outside"
    outside.mkdir()
    (out / folder.parent).mkdir(parents=True)
    (out / folder).symlink_to(outside, target_is_directory=True)
    with pytest.raises(ValueError, match="would leave"):
        sync_recordings(ps.options("sccc", sb, out, b, e))
    assert list(outside.iterdir()) == [] and not sb.counter.served
