"""The recording-sync adapters without a network: how each platform's listing maps onto the
manifest's fields, paging and period filters, and the pipeline with a custom adapter (local names
that collide, a remote name aiming at the state folder, windows)."""
from __future__ import annotations

import csv
from datetime import datetime, timedelta
from dataclasses import replace
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pytest
import soundfile

from callcore.pipelines.recording_sources import (
    BabaihuSource,
    BabaihuSyncOptions,
    HuaweiSyncOptions,
    Hl95Source,
    RemoteRecording,
    ScccSource,
    ScccSyncOptions,
)
from callcore.pipelines.recordings import SyncOptions, sync_recordings
from callcore.platforms.errors import ProtocolError
from callcore.platforms.retry import RetryPolicy
from callcore.platforms.sccc import Recording
from callcore.sandbox import audio as sbaudio

RETRY = RetryPolicy(attempts=2, base_delay=0)


def _source(cls, client):
    """A source around a stub client: its own options with two rows a page."""
    src = cls.__new__(cls)
    own = cls.options_type()
    if hasattr(own, "page_size"):
        own = replace(own, page_size=2)
    src.options, src.retry, src.client, src.files = own, RETRY, client, client
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
    sync = SyncOptions("http://api.example:8080", "C2", "pw", platform="sccc", retry=RETRY,
                       platform_options=ScccSyncOptions(files_url="http://files.example:8090"))
    src = ScccSource(sync, tmp_path)
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


def test_another_platforms_options_are_refused_by_name(tmp_path: Path):
    """Each source owns its settings: giving SCCC's to a Huawei sync (or 八百呼's to SCCC) fails
    before anything is sent, naming whose settings they are."""
    with pytest.raises(ValueError, match="ScccSyncOptions holds sccc's settings, but the sync's platform is huawei"):
        SyncOptions("http://x", "a", "b", platform_options=ScccSyncOptions(files_url="http://f"))
    with pytest.raises(ValueError, match="BabaihuSyncOptions holds babaihu's settings, but the sync's platform is sccc"):
        SyncOptions("http://x", "a", "b", platform="sccc", platform_options=BabaihuSyncOptions(platform_mp3=True))
    with pytest.raises(ValueError, match="huawei route 'nope'"):
        HuaweiSyncOptions(route="nope")  # type: ignore[arg-type]
    own = ScccSource(SyncOptions("http://x", "a", "b", platform="sccc"), tmp_path)
    try:
        assert own.options == ScccSyncOptions() and own.files is own.client, "no options: the platform's defaults"
    finally:
        own.close()


def test_each_listing_retry_is_logged_with_its_reason_and_wait(caplog):
    """A listing call that fails retryably is logged on callcore.pipelines once per retry, with
    the error and the wait, before the call succeeds."""
    from callcore.platforms.errors import ServerError

    waits = []
    calls = []

    class Flaky:
        def records(self, start):
            calls.append(start)
            if len(calls) < 3:
                raise ServerError("sccc getRecordsList: HTTP 503", platform="sccc")
            return []

    src = _source(ScccSource, Flaky())
    src.retry = RetryPolicy(attempts=5, base_delay=0.5, jitter=0, sleep=waits.append)
    with caplog.at_level("WARNING", logger="callcore.pipelines"):
        assert list(src.list_window("2026-11-01 00:00:00", "2026-11-01 23:59:59", lambda *a: None)) == []
    assert waits == [0.5, 1.0]
    lines = [r.getMessage() for r in caplog.records if r.name == "callcore.pipelines"]
    assert len(lines) == 2, lines
    assert lines[0].startswith("sccc getRecordsList from 0: ServerError: sccc getRecordsList: HTTP 503")
    assert lines[0].endswith("retry 1 of 4 in 0.5 s") and lines[1].endswith("retry 2 of 4 in 1.0 s")


@pytest.mark.parametrize(("platform", "flags", "message"), [
    ("huawei", ["--files-url", "http://files.example"], "--files-url is an option of sccc, not of --platform huawei"),
    ("sccc", ["--vdn", "2"], "--vdn is an option of huawei, not of --platform sccc"),
    ("hl95", ["--platform-mp3"], "--platform-mp3 is an option of babaihu, not of --platform hl95"),
    ("huawei", ["--page-size", "50"], "--page-size is an option of babaihu and hl95, not of --platform huawei"),
])
def test_cli_refuses_another_platforms_flag(tmp_path: Path, capsys, monkeypatch, platform, flags, message):
    """A flag of another platform is a usage error before anything is sent (it used to be
    ignored without a word)."""
    from callcore.cli import main

    monkeypatch.setenv("CALLCORE_ACCESS_KEY", "ak")
    monkeypatch.setenv("CALLCORE_SECRET_KEY", "sk")
    code = main(["recordings", "sync", "--platform", platform, "--from", "2026-11-01", "--to", "2026-11-02",
                 "-o", str(tmp_path / "o"), "--endpoint", "http://127.0.0.1:9", *flags])
    assert code == 2
    assert message in capsys.readouterr().err
    assert not (tmp_path / "o").exists(), "refused before the sync starts"


def test_cli_builds_the_platforms_own_options(monkeypatch):
    """The same flags as before, gathered into the platform's options class."""
    from callcore.pipelines.cli import _sync_platform_options
    from callcore.pipelines.recording_sources import Hl95SyncOptions

    def args(platform: str, **given):
        names = ("vdn", "callback_url", "huawei_route", "customer", "api_version", "files_url", "sa_user",
                 "platform_mp3", "client_id", "scope", "page_size")
        return SimpleNamespace(platform=platform, **{n: given.get(n) for n in names})

    assert _sync_platform_options(args("huawei", vdn=3, huawei_route="call")) == HuaweiSyncOptions(vdn_id=3, route="call")
    assert _sync_platform_options(args("sccc", api_version="V2.1")) == ScccSyncOptions(api_version="V2.1")
    assert _sync_platform_options(args("babaihu", platform_mp3=True, page_size=7)) == BabaihuSyncOptions(
        platform_mp3=True, page_size=7)
    assert _sync_platform_options(args("hl95", scope="all")) == Hl95SyncOptions(scope="all")


def test_huawei_bill_file_wait_uses_the_policy_and_logs_each_wait(tmp_path: Path, caplog):
    """The wait for a bill file the platform has not generated yet: each wait comes from the
    sync's RetryPolicy (its sleep, its delays, capped by bill_wait) and is logged with the reason."""
    from callcore.pipelines.recording_sources import HuaweiSource
    from callcore.platforms.errors import ServerError

    waits = []
    tries = []

    class NotYet:
        def download_bill_file(self, name, dest):
            tries.append(name)
            if len(tries) < 3:
                raise ServerError("huawei downloadBillFile: the file is not generated yet", platform="huawei")
            dest.write_bytes(b"zip")
            return dest

    src = HuaweiSource.__new__(HuaweiSource)
    src.options, src.client = HuaweiSyncOptions(bill_wait=60.0), NotYet()
    src.retry = RetryPolicy(attempts=1, base_delay=0.5, jitter=0, sleep=waits.append)
    with caplog.at_level("INFO", logger="callcore.pipelines"):
        got = src._bill_file("b.zip", tmp_path)
    assert got == tmp_path / "b.zip" and got.read_bytes() == b"zip"
    assert waits == [0.5, 1.0], "the policy's growing delays"
    lines = [r.getMessage() for r in caplog.records if r.name == "callcore.pipelines"]
    assert len(lines) == 2 and all("bill file b.zip not ready (ServerError: huawei downloadBillFile" in m
                                   for m in lines), lines
    assert "waiting 0.5 s more" in lines[0] and "waiting 1.0 s more" in lines[1]

    gone = HuaweiSource.__new__(HuaweiSource)
    gone.options, gone.client, gone.retry = HuaweiSyncOptions(bill_wait=0.0), NotYet(), src.retry
    tries.clear()
    with pytest.raises(ServerError):  # past bill_wait the platform's error is raised, not waited on
        gone._bill_file("b.zip", tmp_path)
    assert len(tries) == 1
