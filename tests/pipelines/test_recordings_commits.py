"""The recording sync's durable commits grow with the number of chunks, not of files: downloads are
recorded a chunk at a time (each commit is an fsync, and the workers used to wait behind the
journal's lock for every finished download), and what a killed run left uncommitted is taken up by
the next run (tests/pipelines/test_recordings_crashpoints.py kills it after every commit)."""
from __future__ import annotations

from callcore import _crashpoint
from callcore.pipelines.recordings import SyncOptions, sync_recordings

from .test_recordings import _seed_calls, _window


def test_downloads_are_committed_a_chunk_at_a_time(sandbox_factory, tmp_path, monkeypatch):
    sb = sandbox_factory()
    recs = _seed_calls(sb, 40)
    b, e = _window()
    log = tmp_path / "commits.log"
    monkeypatch.setenv(_crashpoint.COUNT_FILE_ENV, str(log))
    o = SyncOptions(sb.url, sb.access_key, sb.secret_key, begin=b, end=e, out_dir=str(tmp_path / "out"), chunk=32,
                    workers=4)
    s = sync_recordings(o)
    assert s.complete and s.recordings == len(recs) == 40
    commits = _crashpoint.counted(log)["commit"]
    # folder identity, window listing (2), 2 chunks of downloads, 2 of conversions, the manifest,
    # and room for a window listed twice: a commit per finished download would be ~40 more
    assert commits <= 12, f"{commits} durable commits for 40 recordings"
