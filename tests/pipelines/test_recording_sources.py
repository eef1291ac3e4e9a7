"""The recording-sync adapters without a network: how each platform's listing maps onto the
manifest's fields, paging and period filters, and the pipeline with a custom adapter (local names
that collide, a remote name aiming at the state folder, windows)."""
from __future__ import annotations

import csv
from datetime import datetime, timedelta
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pytest
import soundfile

from callcore.pipelines.recording_sources import BabaihuSource, Hl95Source, RemoteRecording, ScccSource
from callcore.pipelines.recordings import SyncOptions, sync_recordings
from callcore.platforms.errors import ProtocolError
from callcore.platforms.retry import RetryPolicy
from callcore.platforms.sccc import Recording
from callcore.sandbox import audio as sbaudio

OPTS = SimpleNamespace(retry=RetryPolicy(attempts=2, base_delay=0), page_size=2, platform_mp3=False)


def _source(cls, client):
    src = cls.__new__(cls)
    src.o, src.client, src.files = OPTS, client, client
    return src


def test_babaihu_rows_map_by_direction_and_are_filtered_to_the_period():
    rows = [
        {"cdrId": "1", "cdrExtension": "801", "cdrPhoneNum": "13800000001", "cdrPeer": 1, "cdrStartTime": "2026-11-01 10:00:00",
         "cdrHangupTime": "2026-11-01 10:00:09", "cdrTalktime": 7, "cdrRecordFile": "202611/01/a.wav"},
        {"cdrId": "2", "cdrExtension": "802", "cdrPhoneNum": "13800000002", "cdrPeer": 2,
         "cdrStartTime": "2026-11-01 11:00:00.0", "cdrHangupTime": "2026-11-01 11:00:05.0", "cdrTalktime": "5",
         "cdrRecordFile": "202611/01/b.wav"},
        {"cdrId": "3", "cdrPhoneNum": "13800000003", "cdrPeer": 1, "cdrStartTime": "2026-11-01 11:30:00",
         "cdrRecordFile": ""},  # not answered: no recording
        {"cdrId": "4", "cdrPhoneNum": "13800000004", "cdrPeer": 1, "cdrStartTime": "2026-11-02 00:00:01",
         "cdrRecordFile": "202611/02/d.wav"},  # the server filter let it through; ours does not
    ]
    calls = []

    class C:
        def call_records(self, *, start, limit, start_time, end_time):
            calls.append((start, limit, start_time, end_time))
            return len(rows), rows[start:start + limit]

    got = list(_source(BabaihuSource, C()).list_window("2026-11-01 00:00:00", "2026-11-01 23:59:59", lambda *a: None))
    assert calls == [(0, 2, "2026-11-01 00:00:00", "2026-11-01 23:59:59"), (2, 2, "2026-11-01 00:00:00",
                                                                             "2026-11-01 23:59:59")]
    assert [(r.key, r.caller, r.callee, r.agent, r.begin, r.end, r.seconds) for r in got] == [
        ("1", "", "13800000001", "801", "2026-11-01 10:00:00", "2026-11-01 10:00:09", 7.0),
        ("2", "13800000002", "", "802", "2026-11-01 11:00:00", "2026-11-01 11:00:05", 5.0)]


def test_hl95_joins_the_call_id_from_the_history_and_fills_the_end():
    recs = [{"id": 7, "filename": "116/1/20261101/x.wav", "customer": "13900000001", "cStartTime": "2026-11-01 09:00:00",
             "agent": "102111008", "talksec": 30, "callType": 8},
            {"id": 8, "filename": "116/1/20261101/y.wav", "customer": "13900000002", "cStartTime": "2026-11-01 09:10:00",
             "endTime": "2026-11-01 09:11:00", "agent": "102111009", "talksec": 55, "callType": 2}]
    hist = [{"filename": "116/1/20261101/x.wav", "callId": "call-x"}, {"filename": "", "callId": "no-rec"}]
    seen = []

    class C:
        def _page(self, rows, current_page, page_size, start_from, start_end):
            seen.append((current_page, start_from, start_end))
            return {"pageData": rows[(current_page - 1) * page_size: current_page * page_size], "total": len(rows)}

        def call_history(self, **kw):
            return self._page(hist, **kw)

        def recordings(self, **kw):
            return self._page(recs, **kw)

    got = list(_source(Hl95Source, C()).list_window("2026-11-01 00:00:00", "2026-11-01 23:59:59", lambda *a: None))
    assert seen[0] == (1, "20261101000000", "20261101235959")
    assert [(r.key, r.call_id, r.caller, r.callee, r.end, r.seconds) for r in got] == [
        ("7", "call-x", "", "13900000001", "2026-11-01 09:00:30", 30.0),
        ("8", "", "13900000002", "", "2026-11-01 09:11:00", 55.0)]


def test_sccc_reads_from_key_zero_filters_by_start_time_and_refuses_keys_that_do_not_grow():
    t0 = int(datetime(2026, 11, 1, 12, 0, 0).timestamp())
    pages = {0: [Recording("1", "a", "b", "r/1.wav", "1", "9", t0 - 86400, 5),
                 Recording("2", "a", "c", "r/2.wav", "1", "9", t0, 5)],
             2: [Recording("3", "a", "d", "", "1", "9", t0, 0), Recording("4", "a", "e", "r/4.wav", "0", "9", t0 + 60, 8)],
             4: []}

    class C:
        def records(self, start):
            return pages[start]

    got = list(_source(ScccSource, C()).list_window("2026-11-01 00:00:00", "2026-11-01 23:59:59", lambda *a: None))
    assert [(r.key, r.call_id, r.callee, r.begin, r.end) for r in got] == [
        ("2", "2", "c", "2026-11-01 12:00:00", "2026-11-01 12:00:05"),
        ("4", "4", "e", "2026-11-01 12:01:00", "2026-11-01 12:01:08")]

    class Stuck:
        def records(self, start):
            return [Recording("1", "a", "b", "r/1.wav", "1", "9", t0, 5)]

    with pytest.raises(ProtocolError, match="do not grow"):
        list(_source(ScccSource, Stuck()).list_window("2026-11-01 00:00:00", "2026-11-01 23:59:59", lambda *a: None))


class FakeSource:
    """A custom adapter (``SyncOptions.source``): one-day windows, A-law WAV downloads."""

    platform = "fake"
    max_window = timedelta(days=1)

    def __init__(self, recs):
        self.recs = recs
        self.windows = []
        self.downloads = []

    def list_window(self, begin, end, note):
        self.windows.append((begin, end))
        return [r for r in self.recs if begin <= r.begin <= end]

    def source_name(self, rec):
        return rec.remote_file, None

    def download(self, rec, dest):
        self.downloads.append(rec.key)
        dest.parent.mkdir(parents=True, exist_ok=True)
        dest.write_bytes(sbaudio.alaw_wav(sbaudio.v3_bytes(rec.key, rec.seconds)))
        return dest

    def close(self):
        pass


def test_custom_adapter_windows_collisions_and_the_state_folder(tmp_path: Path):
    def rec(key, name, begin):
        return RemoteRecording(key=key, call_id=key, begin=begin, end=begin, seconds=1.0, remote_file=name)

    recs = [rec("a", "D:\\calls\\1.wav", "2026-11-01 10:00:00"),
            rec("b", "D:/calls/1.wav", "2026-11-02 10:00:00"),  # the same local name as "a"
            rec("c", "/.callcore-sync/state.wav", "2026-11-02 11:00:00"),  # aims at the state folder
            rec("d", "../../../etc/passwd.wav", "2026-11-03 09:00:00")]
    src = FakeSource(recs)
    out = tmp_path / "out"
    s = sync_recordings(SyncOptions("", "", "", begin="2026-11-01 00:00:00", end="2026-11-03 12:00:00",
                                    out_dir=str(out), source=src))
    assert s.complete and s.converted == 4 and s.windows == 3
    assert src.windows == [("2026-11-01 00:00:00", "2026-11-02 00:00:00"), ("2026-11-02 00:00:01", "2026-11-03 00:00:01"),
                           ("2026-11-03 00:00:02", "2026-11-03 12:00:00")]
    man = {m["call_id"]: m["output"] for m in csv.DictReader(open(out / "manifest.csv"))}
    assert man["a"] == "D/calls/1.wav" and man["b"].startswith("D/calls/1.") and man["b"] != man["a"]
    assert man["c"] == "_.callcore-sync/state.wav"
    assert man["d"] == "etc/passwd.wav"
    assert len({(out / p).resolve() for p in man.values()}) == 4
    assert all((out / p).is_file() for p in man.values())
    assert sorted(src.downloads) == ["a", "b", "c", "d"]
    for key, rel in man.items():  # each output holds its own recording's audio
        got, _ = soundfile.read(str(out / rel), dtype="int16")
        assert np.array_equal(got, sbaudio.alaw2lin(sbaudio.v3_bytes(key, 1.0))), key
    s2 = sync_recordings(SyncOptions("", "", "", begin="2026-11-01 00:00:00", end="2026-11-03 12:00:00",
                                     out_dir=str(out), source=src))
    assert (s2.downloaded_now, s2.converted_now) == (0, 0) and len(src.downloads) == 4


def test_a_window_that_is_not_over_is_listed_again(tmp_path: Path):
    """A period reaching into the present: the next run lists it again and picks up the calls
    that came since, fetching nothing twice; once the period has settled it is not listed again."""
    now = datetime.now().replace(microsecond=0)
    b, e = (now - timedelta(hours=1)).strftime("%Y-%m-%d %H:%M:%S"), (now + timedelta(hours=1)).strftime("%Y-%m-%d %H:%M:%S")
    at = (now - timedelta(minutes=30)).strftime("%Y-%m-%d %H:%M:%S")
    src = FakeSource([RemoteRecording(key="1", call_id="1", begin=at, seconds=1.0, remote_file="r/1.wav")])
    o = SyncOptions("", "", "", begin=b, end=e, out_dir=str(tmp_path / "o"), source=src)
    assert sync_recordings(o).converted == 1
    src.recs.append(RemoteRecording(key="2", call_id="2", begin=at, seconds=1.0, remote_file="r/2.wav"))
    s = sync_recordings(o)
    assert (s.recordings, s.downloaded_now, s.converted) == (2, 1, 2) and src.downloads == ["1", "2"]
    assert len(src.windows) == 2
    o.settle_minutes = -120.0  # as if the run came two hours later: the window is over
    sync_recordings(o)
    assert len(src.windows) == 3
    sync_recordings(o)
    assert len(src.windows) == 3, "a settled window is not listed again"


def test_now_is_a_time():
    from callcore.pipelines.recordings import parse_time

    got = datetime.strptime(parse_time("now"), "%Y-%m-%d %H:%M:%S")
    assert abs((datetime.now() - got).total_seconds()) < 5


def test_unknown_platform_is_refused(tmp_path: Path):
    with pytest.raises(ValueError, match="platform 'nope'"):
        sync_recordings(SyncOptions("http://x", "a", "b", begin="2026-11-01", end="2026-11-01 01:00:00",
                                    out_dir=str(tmp_path), platform="nope"))


def test_sccc_files_url_downloads_from_the_file_server(tmp_path: Path):
    o = SimpleNamespace(sccc_version="V2.0.4", http_options=None, files_url="http://files.example:8090",
                        endpoint="http://api.example:8080", access_key="C2", secret_key="pw", retry=OPTS.retry)
    src = ScccSource(o, tmp_path)
    try:
        assert src.client.base_url == "http://api.example:8080" and src.files.base_url == "http://files.example:8090"
        request = src.files.requests.download_recording("rec/a b.wav", tmp_path)
        assert src.files._transport.url(request) == "http://files.example:8090/rec/a%20b.wav"
        calls = []
        src.files.download_recording = lambda name, dest: calls.append((name, dest)) or dest
        rec = RemoteRecording(key="1", remote_file="rec/a b.wav")
        assert src.download(rec, tmp_path / "x.wav") == tmp_path / "x.wav" and calls == [("rec/a b.wav", tmp_path / "x.wav")]
    finally:
        src.close()
