"""Recording sync against the sandbox: manifest, resume without refetching, the CLI, the demo."""
from __future__ import annotations

import csv
import hashlib
import json
import os
import subprocess
import sys
from datetime import datetime, timedelta

import pytest

from callcore import audio
from callcore.pipelines.recordings import SyncOptions, sync_recordings


def _seed_calls(sb, n):
    cid = sb.app.state.insert("INSERT INTO campaigns (vdn, name, status, device_type, spec, created) "
                              "VALUES (1, 'rec', 2, 2, '{}', 0)")  # running: only those are dialled
    sb.app.state.many("INSERT INTO calldata (vdn, campaign, session_id, called, state) VALUES (1,?,?,?,'pending')",
                      [(cid, f"s{i}", f"1390000{i:04d}") for i in range(n)])
    sb.dial(1, cid, n)
    return sb.app.state.rows("SELECT * FROM recordings")


def _window():
    now = datetime.now()
    return (now - timedelta(hours=3)).strftime("%Y-%m-%d %H:%M:%S"), (now + timedelta(minutes=1)).strftime("%Y-%m-%d %H:%M:%S")


def test_sync_manifest_and_resume(sandbox_factory, tmp_path):
    sb = sandbox_factory()
    recs = _seed_calls(sb, 40)
    b, e = _window()
    o = SyncOptions(sb.url, sb.access_key, sb.secret_key, begin=b, end=e, out_dir=str(tmp_path / "out"))
    s = sync_recordings(o)
    assert s.complete and s.recordings == len(recs) and s.downloaded_now == len(recs)
    man = list(csv.DictReader(open(tmp_path / "out" / "manifest.csv")))
    by_file = {r["file_name"]: r for r in recs}
    for m in man:
        r = by_file[m["remote_file"]]
        assert (m["call_id"], m["agent"]) == (r["call_id"], r["agent"])
        out = tmp_path / "out" / m["output"]
        assert hashlib.sha256(out.read_bytes()).hexdigest() == m["output_sha256"]
        pcm, rate, ch, codec, _ = audio.read_wav(out.read_bytes())
        assert (rate, ch, codec) == (8000, 1, "pcm16") and len(pcm) == int(round(r["seconds"] * 8000))
        assert m["output"].startswith("Y/1/0/")  # the drive letter of Y:\... became a folder
    assert not (tmp_path / "out" / ".callcore-sync" / "src").exists() or not any(
        p.is_file() for p in (tmp_path / "out" / ".callcore-sync" / "src").rglob("*"))
    s2 = sync_recordings(o)
    assert (s2.downloaded_now, s2.converted_now, s2.converted) == (0, 0, len(recs))
    o.to_format = "mp3"
    with pytest.raises(ValueError, match="holds a wav sync"):
        sync_recordings(o)


def test_cli_sync_mp3_json(sandbox_factory, tmp_path):
    sb = sandbox_factory()
    recs = _seed_calls(sb, 10)
    b, e = _window()
    env = dict(os.environ, CALLCORE_ACCESS_KEY=sb.access_key, CALLCORE_SECRET_KEY=sb.secret_key)
    r = subprocess.run([sys.executable, "-m", "callcore.cli", "recordings", "sync", "--platform", "huawei", "--from", b,
                        "--to", e, "-o", str(tmp_path / "o"), "--to-format", "mp3", "--endpoint", sb.url, "--json"],
                       env=env, capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stderr
    d = json.loads(r.stdout)
    assert d["converted"] == len(recs) and d["complete"]
    mp3s = list((tmp_path / "o").rglob("*.mp3"))
    assert len(mp3s) == len(recs) and all(p.read_bytes()[:3] in (b"ID3",) or p.read_bytes()[0] == 0xFF for p in mp3s)


@pytest.mark.parametrize("sftp", [True, False])
def test_demo_small(tmp_path, sftp):
    """The main job end to end on a small list (the README runs it with a million rows); without
    an SFTP server everything goes by the API and the summary says so."""
    r = subprocess.run([sys.executable, "-m", "callcore.cli", "demo", "--rows", "20000", "--workdir",
                        str(tmp_path / "demo"), "-q"] + ([] if sftp else ["--no-sftp"]),
                       capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stdout[-3000:] + r.stderr[-3000:]
    assert "demo OK" in r.stdout
    d = json.loads((tmp_path / "demo" / "summary.json").read_text())
    imp = d["import"]
    assert imp["adds_up"] and imp["complete"] and imp["input_rows"] == 20000
    if sftp:
        assert imp["routes"].get("file", 0) > 0
    else:
        assert set(imp["routes"]) == {"api"} and "without the file route" in r.stdout
    assert d["recordings"]["complete"] and d["recordings"]["converted"] > 0


@pytest.mark.parametrize("fmt", ["vox6k", "vox8k"])
def test_sync_vox_deployments(sandbox_factory, tmp_path, fmt):
    """Deployments that record 24K/32K VOX (.V3 recordFormat 1/2): the downloads are decoded and
    transcoded like A-law ones."""
    sb = sandbox_factory(recording_format=fmt)
    recs = _seed_calls(sb, 8)
    b, e = _window()
    s = sync_recordings(SyncOptions(sb.url, sb.access_key, sb.secret_key, begin=b, end=e, out_dir=str(tmp_path / "o"),
                                    to_format="mp3"))
    assert s.complete and s.converted == len(recs) and s.failed == 0
    assert len(list((tmp_path / "o").rglob("*.mp3"))) == len(recs)


def test_sync_reads_the_old_column_set_in_any_order(sandbox_factory, tmp_path, monkeypatch):
    """A platform that still writes the 13-column recording index (before the 2022 additions),
    with its columns in another order: read by name, the sync gets the same result."""
    from callcore.platforms.huawei import RECORD_COLUMNS

    sb = sandbox_factory()
    recs = _seed_calls(sb, 12)
    new_csv = sb.app._record_csv
    old_cols = list(reversed(RECORD_COLUMNS[:13]))

    def old_record_csv(calls):
        rows = list(csv.reader(new_csv(calls).decode().splitlines()))
        idx = [rows[0].index(c) for c in old_cols]
        return sb.app._csv(old_cols, [[r[i] for i in idx] for r in rows[1:]])

    monkeypatch.setattr(sb.app, "_record_csv", old_record_csv)
    b, e = _window()
    s = sync_recordings(SyncOptions(sb.url, sb.access_key, sb.secret_key, begin=b, end=e, out_dir=str(tmp_path / "o")))
    assert s.complete and s.converted == len(recs)
    man = {m["remote_file"]: m for m in csv.DictReader(open(tmp_path / "o" / "manifest.csv"))}
    for r in recs:
        assert (man[r["file_name"]]["call_id"], man[r["file_name"]]["agent"]) == (r["call_id"], r["agent"])
