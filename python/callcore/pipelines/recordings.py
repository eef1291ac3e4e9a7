"""Resumable recording sync: a period's calls -> downloaded recordings -> WAV/MP3 + manifest.

``sync_recordings(SyncOptions(...))`` (and ``callcore recordings sync --platform P``):

1. split ``[begin, end]`` into the platform's windows and list each window's recordings through
   the platform's adapter (:mod:`callcore.pipelines.recording_sources`: Huawei's bill and
   recording index files read by column name, SCCC getRecordsList, 八百呼 findDialrecord, 九五
   pageSearch4Record), paging through the listing APIs, each call retried;
2. download every recording with bounded concurrency and retries, written atomically;
3. transcode them on all cores (:func:`callcore.audio.transcode_many`, which sniffs what arrived:
   WAV in PCM/A-law/µ-law/OKI ADPCM, MP3, headerless A-law or VOX) while downloads go on;
4. write ``manifest.csv`` (call id, agent, times, duration, remote and local paths, SHA-256,
   state, error); text from the platform is defused for spreadsheets as the call-list files are
   (a cell starting with ``=``, ``+``, ``-``, ``@``, TAB or CR gets a ``'`` prefix).

The per-platform part is a :class:`~callcore.pipelines.recording_sources.RecordingSource`
(list a window, name and download one recording); ``SyncOptions.source`` takes a custom one.

State lives in ``OUT/.callcore-sync/state.sqlite3``: a second run fetches and converts only what is
missing; a window that ended less than ``settle_minutes`` before a run (or ends in the future) is
listed again by the next run, so calls that end later are picked up; a folder holds one platform
and one output format. No partial file is ever left under a final name (temporary files are
renamed into place). Local names come from remote paths through :func:`safe_local_path` (drive
letters and backslashes mapped, ``..`` dropped, components over 255 bytes cut, nothing can land
outside ``OUT``); two remote names that map to one local name get distinct outputs.

Hostile or broken answers cost one recording, never the run: any error while fetching,
unpacking or converting one recording marks it ``failed`` with its reason (in the summary's
``errors`` and the manifest's ``error`` column) and the run goes on; a later run does not fetch
it again. A retryable platform error that outlasts the retries leaves the recording ``listed``
for the next run. A download is recognised as a zip by its content, whatever it is named (a zip
served as ``x.V3`` is unpacked, not decoded as noise), and unpacked with
:func:`callcore.platforms.archive.safe_extract` (names, member count, size and ratio checked).

``recording_format`` (``--recording-format``) is the deployment's encoding of headerless
recordings (Huawei ``.V3``: ``vox6k`` = 24K VOX, ``vox8k`` = 32K VOX, ``alaw`` = 64K A-law,
001:64386), given to the transcoder for every download; a folder keeps the one it started with.

The state folder is held by one process for the whole run
(:func:`callcore.pipelines.folder_lock.hold`): a second sync into the same ``OUT`` gets
:class:`~callcore.pipelines.folder_lock.FolderBusy` naming the holder's PID, or waits
(``wait``). Every state change is one journal transaction; the manifest is written to a
temporary file, fsync'd and renamed into place (a crash point of its own).
"""
from __future__ import annotations

import csv
import hashlib
import io
import json
import os
import queue
import re
import shutil
import time
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import asdict, dataclass, field
from datetime import datetime, timedelta
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING, Any, BinaryIO, Literal, NamedTuple

from callcore import _crashpoint
from callcore.platforms._http import WrittenFile, collect_written_files
from callcore.platforms.archive import is_zip, is_zip_file
from callcore.platforms.errors import PlatformError
from callcore.platforms.retry import RetryPolicy

from . import folder_lock
from .journal import Journal, sweep_partials
from .retrying import retry_call
from .recording_sources import (
    PlatformSyncOptions,
    RecordingFormat,
    RecordingSource,
    RemoteRecording,
    check_platform_options,
    default_recording_format,
    make_source,
    recording_format,
    sync_platforms,
)

if TYPE_CHECKING:
    from callcore.audio import TranscodeResult

FMT = "%Y-%m-%d %H:%M:%S"
STATE_DIR = ".callcore-sync"
SCHEMA = """
CREATE TABLE IF NOT EXISTS windows (begin TEXT, end TEXT, response_id TEXT, bill_file TEXT, state TEXT,
    calls INTEGER, PRIMARY KEY (begin, end));
CREATE TABLE IF NOT EXISTS recs (key TEXT PRIMARY KEY, call_id TEXT, agent TEXT, caller TEXT, callee TEXT,
    begin TEXT, end TEXT, seconds REAL, file_name TEXT, original TEXT, src TEXT, out TEXT, src_sha TEXT,
    src_bytes INTEGER, out_sha TEXT, out_bytes INTEGER, state TEXT, error TEXT, fetches INTEGER DEFAULT 0,
    converts INTEGER DEFAULT 0);
CREATE INDEX IF NOT EXISTS recs_state ON recs(state);
CREATE INDEX IF NOT EXISTS recs_out ON recs(out);
"""
_UNSAFE = re.compile(r'[\x00-\x1f<>:"|?*\ud800-\udfff]')
#: bytes of one local path component (NAME_MAX of Linux, macOS, NTFS)
NAME_MAX = 255


def _fit(part: str, reserve: int = 0) -> str:
    """A path component cut to fit NAME_MAX bytes (with ``reserve`` bytes left for a suffix to be
    added): the start kept, its extension kept, and a hash of the whole so that two long names
    stay distinct."""
    if len(part.encode()) + reserve <= NAME_MAX:
        return part
    stem, dot, ext = part.rpartition(".")
    if not dot or len(ext.encode()) > 16:
        stem, ext = part, ""
    tag = "~" + hashlib.sha256(part.encode()).hexdigest()[:12]
    room = NAME_MAX - reserve - len(tag.encode()) - (len(ext.encode()) + 1 if ext else 0)
    cut = stem.encode()[:room].decode("utf-8", "ignore")
    return cut + tag + ("." + ext if ext else "")


#: the first characters that make a spreadsheet read a cell as a formula: the rule of the
#: call-list writer (``needs_defuse`` in rust/calllist/io.rs), kept identical
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def defuse(cell: str) -> str:
    """A cell of platform-supplied text for a CSV a spreadsheet may open: prefixed with ``'``
    when it starts with ``=``, ``+``, ``-``, ``@``, TAB or CR after any ``'`` (so the prefix can be
    taken off again), as the clean and rejects files are."""
    return "'" + cell if cell.lstrip("'").startswith(_FORMULA_START) else cell


def _defuse_path(rel: str) -> str:
    """A relative output path for the manifest: ``./`` in front when it starts like a formula,
    so that it stays a path that opens the file (a ``'`` would not)."""
    return "./" + rel if rel.startswith(_FORMULA_START) else rel


def safe_local_path(remote: str, root: str | os.PathLike[str], suffix: str | None = None) -> Path:
    """A path under *root* for a remote path: ``\\`` -> ``/``, a drive letter ``Y:`` becomes a
    folder ``Y``, empty/``.``/``..`` components are dropped, characters Windows forbids become
    ``_``, a component longer than 255 bytes is cut (its extension and a hash of the whole kept);
    the result is checked to stay inside *root*. ``suffix`` replaces the extension."""
    rel = safe_relative_path(remote, suffix)
    base = Path(root).resolve()
    # resolved, so that a symbolic link under root cannot take the file elsewhere
    target = (base / rel).resolve()
    if target != base and base not in target.parents:
        raise ValueError(f"remote path {remote!r} would leave {base}")
    return target


def safe_relative_path(remote: str, suffix: str | None = None) -> PurePosixPath:
    """The relative path :func:`safe_local_path` puts under its root, computed without touching
    the file system (no ``..``, no empty or absolute component can come out of it)."""
    s = remote.replace("\\", "/")
    m = re.match(r"^([A-Za-z]):(.*)$", s)
    if m:
        s = f"{m.group(1)}/{m.group(2)}"
    parts = [_UNSAFE.sub("_", p).strip() for p in s.split("/")]
    parts = [p for p in parts if p not in ("", ".", "..") and not set(p) <= {"."}]
    if not parts:
        parts = ["unnamed"]
    parts = [_fit(p) for p in parts[:-1]] + [_fit(parts[-1], len(suffix.encode()) if suffix else 0)]
    rel = PurePosixPath(*parts)
    if suffix is not None:
        rel = rel.with_suffix(suffix) if rel.suffix else rel.with_name(rel.name + suffix)
    return rel


@dataclass
class SyncOptions:
    """A recording sync: the settings every platform shares. Secrets are never printed.

    ``access_key``/``secret_key`` are the platform's credentials: Huawei AK/SK, SCCC customer and
    password, 八百呼 ``sa_user`` and password, 九五 OAuth ``client_id`` and ``client_secret``.
    ``platform_options``: the platform's own settings, one options class per recording source
    (:class:`~callcore.pipelines.recording_sources.HuaweiSyncOptions`, ``ScccSyncOptions``,
    ``BabaihuSyncOptions``, ``Hl95SyncOptions``); None takes that platform's defaults, another
    platform's class is a ``ValueError``. ``source``: a custom
    :class:`~callcore.pipelines.recording_sources.RecordingSource` instead of ``platform``'s.
    ``recording_format``: the deployment's recording encoding, for downloads without a header
    (Huawei ``.V3``): ``vox6k`` (24K VOX), ``vox8k`` (32K VOX), ``alaw`` (64K A-law), ``ulaw`` or
    ``auto``; None takes the platform's default (``RecordingSource.recording_format``). It is
    passed to the transcoder for every download, whatever the route (a WAV or MP3 header, when
    there is one, still says what the file is). ``wait``: when another process holds the folder,
    wait for it (True, or at most that many seconds) instead of raising
    :class:`~callcore.pipelines.folder_lock.FolderBusy`."""

    endpoint: str
    access_key: str
    secret_key: str = field(repr=False)
    begin: str = ""
    end: str = ""
    out_dir: str = "recordings"
    platform: str = "huawei"  # huawei | sccc | babaihu | hl95
    platform_options: PlatformSyncOptions | None = None
    to_format: Literal["wav", "mp3"] = "wav"
    workers: int = 4
    transcode_jobs: int = 0  # 0 = all cores
    chunk: int = 32
    keep_sources: bool = False
    retry: RetryPolicy = field(default_factory=lambda: RetryPolicy(attempts=8, max_delay=10.0))
    http_options: Any = None
    settle_minutes: float = 15.0  # a window ending later than this before the run is listed again next run
    source: RecordingSource | None = field(default=None, repr=False)
    recording_format: RecordingFormat | None = None
    wait: bool | float = False

    def __post_init__(self) -> None:
        # a bad name or another platform's options fail here, before anything is sent
        check_platform_options(self.platform, self.platform_options)
        if self.recording_format is not None:
            self.recording_format = recording_format(self.recording_format)


@dataclass
class SyncSummary:
    windows: int
    calls: int
    recordings: int
    downloaded_now: int
    converted_now: int
    converted: int
    failed: int
    bytes_in: int
    bytes_out: int
    out_dir: str
    manifest: str
    complete: bool
    errors: list[str]
    seconds: float = 0.0

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def _windows(begin: str, end: str, size: timedelta | None = timedelta(days=3)) -> list[tuple[str, str]]:
    """``[begin, end]`` cut into inclusive windows of at most *size* (None: one window)."""
    start, stop = datetime.strptime(begin, FMT), datetime.strptime(end, FMT)
    if start > stop:
        raise ValueError(f"--from {begin} is after --to {end}")
    if size is None:
        return [(begin, end)]
    windows = []
    while True:
        window_end = min(stop, start + size)
        windows.append((start.strftime(FMT), window_end.strftime(FMT)))
        if window_end >= stop:
            return windows
        start = window_end + timedelta(seconds=1)


def stream_sha256(f: BinaryIO) -> tuple[str, int]:
    """(SHA-256 hex, byte count) of a binary stream, read 1 MiB at a time."""
    h = hashlib.sha256()
    n = 0
    for c in iter(lambda: f.read(1 << 20), b""):
        h.update(c)
        n += len(c)
    return h.hexdigest(), n


def file_sha256(path: str | os.PathLike[str]) -> tuple[str, int]:
    """(SHA-256 hex, byte count) of a local file."""
    with open(path, "rb") as f:
        return stream_sha256(f)


def parse_time(s: str) -> str:
    """Accepts ``YYYY-MM-DD``, ``YYYY-MM-DD HH:MM[:SS]``, ISO ``T`` forms or ``now``; returns
    ``YYYY-MM-DD HH:MM:SS``."""
    if s.strip().lower() == "now":
        return datetime.now().strftime(FMT)
    s = s.strip().replace("T", " ")
    for fmt in (FMT, "%Y-%m-%d %H:%M", "%Y-%m-%d"):
        try:
            return datetime.strptime(s, fmt).strftime(FMT)
        except ValueError:
            pass
    raise ValueError(f"time {s!r}: expected YYYY-MM-DD[ HH:MM[:SS]]")


def _journal_recording(row: Any) -> RemoteRecording:
    """A ``recs`` row of the journal as the source listed it."""
    return RemoteRecording(key=row["key"], call_id=row["call_id"] or "", agent=row["agent"] or "",
                           caller=row["caller"] or "", callee=row["callee"] or "", begin=row["begin"] or "",
                           end=row["end"] or "", seconds=row["seconds"], remote_file=row["file_name"] or "",
                           remote_original=row["original"] or "")


class _Fetched(NamedTuple):
    """One recording's download, as a worker hands it to the main thread. ``final`` tells a
    failure a later run may fix (False: a retryable platform error that outlasted the retries)
    from a bad answer (True: a hostile or broken archive, a name that cannot be stored...)."""

    key: str
    path: Path | None  # the downloaded recording, None when it failed
    error: str | None
    fetched_now: bool  # False: a killed run had renamed it into place already
    digest: tuple[str, int] | None  # (SHA-256 hex, bytes) of ``path``
    final: bool


def output_digest(result: TranscodeResult, dst: str | os.PathLike[str]) -> tuple[str, int]:
    """(SHA-256 hex, bytes) of a transcoded output: the transcoder's, computed while it wrote;
    the file is read back only when this call wrote nothing (``skipped``: an output a killed
    run had renamed into place)."""
    if result.sha256 is not None:
        return result.sha256, result.bytes_written
    return file_sha256(dst)


class RecordingSync:
    def __init__(self, options: SyncOptions, progress: Callable[[str, int, int], object] | None = None) -> None:
        self.options = options
        self.out = Path(options.out_dir).resolve()
        self.state_dir = self.out / STATE_DIR
        self.journal = Journal(self.state_dir / "state.sqlite3", SCHEMA)
        self.progress = progress or (lambda *a: None)
        self._source: RecordingSource | None = None
        self._recording_format: RecordingFormat | None = None
        self.errors: list[str] = []
        # the names in the source folder when transfer() started (downloads a killed run left)
        self._sources_on_disk: frozenset[str] = frozenset()
        self._folders_inside: set[Path] = set()  # output folders found to stay inside OUT

    def source(self) -> RecordingSource:
        """The platform adapter (made on first use)."""
        if self._source is None:
            self._source = make_source(self.options, self.state_dir)
        return self._source

    def client(self) -> Any:
        """The adapter's platform client."""
        return getattr(self.source(), "client", None)

    def recording_format(self) -> RecordingFormat:
        """The deployment's recording encoding: the option, else the platform's default."""
        if self._recording_format is None:
            # the registry owns each platform's default; a custom source may carry its own
            source = self.options.source
            platform = source.platform if source is not None else self.options.platform
            default = getattr(source, "recording_format", None) or default_recording_format(platform)
            self._recording_format = recording_format(self.options.recording_format, default)
        return self._recording_format

    def _check_folder(self) -> None:
        platform = self.options.source.platform if self.options.source is not None else self.options.platform
        if self.options.source is None and platform not in sync_platforms():
            raise ValueError(f"platform {platform!r}: expected one of {', '.join(sync_platforms())}")
        rec_fmt = self.recording_format()
        with self.journal.tx() as db:  # the folder's identity is written whole or not at all
            row = db.execute("SELECT v FROM meta WHERE k='format'").fetchone()
            fmt = None if row is None else json.loads(row[0])
            if fmt is None:
                self.journal.set("format", self.options.to_format, db)
            elif fmt != self.options.to_format:
                raise ValueError(f"{self.out}: this folder holds a {fmt} sync; use another -o folder for "
                                 f"{self.options.to_format}")
            row = db.execute("SELECT v FROM meta WHERE k='platform'").fetchone()
            have = None if row is None else json.loads(row[0])
            if have is None:
                # folders made before adapters hold Huawei recordings
                have = "huawei" if db.execute("SELECT 1 FROM recs LIMIT 1").fetchone() else platform
                self.journal.set("platform", have, db)
            if have != platform:
                raise ValueError(f"{self.out}: this folder holds a {have} sync; use another -o folder for {platform}")
            # one deployment records in one format (001:64386); converting part of a folder's
            # recordings with another would mix decodings
            row = db.execute("SELECT v FROM meta WHERE k='recording_format'").fetchone()
            was = None if row is None else json.loads(row[0])
            if was is None:
                self.journal.set("recording_format", rec_fmt, db)
            elif was != rec_fmt:
                raise ValueError(f"{self.out}: this folder's recordings were converted as --recording-format {was}; "
                                 f"use another -o folder for {rec_fmt}")

    def _out_path(self, db: Any, rec: RemoteRecording, ext: str) -> str:
        """The output path (relative to OUT) of a listed recording: from its remote name, kept
        out of the state folder, and distinct from every other recording's."""
        rel = Path(safe_relative_path(rec.name, ext))
        if rel.parts[0] == STATE_DIR:
            rel = Path("_" + STATE_DIR, *rel.parts[1:])
        self._check_stays_inside(rec.name, rel.parent)
        taken = db.execute("SELECT 1 FROM recs WHERE out=? AND key!=?", (str(rel), rec.key)).fetchone()
        if taken:
            tag = hashlib.sha256(rec.key.encode()).hexdigest()[:10]
            rel = rel.with_name(f"{rel.stem}.{tag}{rel.suffix}")
        return str(rel)

    def _check_stays_inside(self, remote: str, folder: Path) -> None:
        """Raises as :func:`safe_local_path` does when an output folder (relative to OUT) would
        lead outside OUT through a symbolic link. Each folder is resolved once per run, not each
        recording's path (resolving costs a ``lstat`` per component); the file itself is renamed
        into place, which replaces a link of its name rather than writing through it."""
        if folder in self._folders_inside:
            return
        target = (self.out / folder).resolve()
        if target != self.out and self.out not in target.parents:
            raise ValueError(f"remote path {remote!r} would leave {self.out}")
        self._folders_inside.add(folder)

    # -------------------------------------------------------------- index
    def index(self) -> None:
        self._check_folder()
        source = self.source()
        ext = ".mp3" if self.options.to_format == "mp3" else ".wav"
        # a window that is not over (or only just) can still gain calls: it stays 'open' and is
        # listed again by the next run; what was listed before is kept, not fetched again
        settled = (datetime.now() - timedelta(minutes=self.options.settle_minutes)).strftime(FMT)
        for begin, end in _windows(self.options.begin, self.options.end, source.max_window):
            window = self.journal.row("SELECT * FROM windows WHERE begin=? AND end=?", (begin, end))
            if window is not None and window["state"] == "indexed":
                continue

            def note(response_id: str, bill_file: str, begin: str = begin, end: str = end) -> None:
                self.journal.execute("INSERT OR REPLACE INTO windows VALUES (?,?,?,?,?,?)",
                               (begin, end, response_id, bill_file, "queried", None))

            listed = list(source.list_window(begin, end, note))
            calls = getattr(source, "calls", None)  # Huawei: the CDR's calls of the window
            if not isinstance(calls, int):
                calls = len({rec.call_id or rec.key for rec in listed})
            with self.journal.tx() as db:
                db.execute("INSERT OR IGNORE INTO windows VALUES (?,?,?,?,?,?)",
                           (begin, end, None, None, "listed", None))
                for rec in listed:
                    if db.execute("SELECT 1 FROM recs WHERE key=?", (rec.key,)).fetchone():
                        continue
                    db.execute("INSERT INTO recs (key, call_id, agent, caller, callee, begin, end, seconds, "
                               "file_name, original, out, state) VALUES (?,?,?,?,?,?,?,?,?,?,?,?)",
                               (rec.key, rec.call_id, rec.agent, rec.caller, rec.callee, rec.begin, rec.end,
                                rec.seconds, rec.remote_file, rec.remote_original, self._out_path(db, rec, ext),
                                "listed"))
                db.execute("UPDATE windows SET state=?, calls=? WHERE begin=? AND end=?",
                           ("indexed" if end < settled else "open", calls, begin, end))

    # -------------------------------------------------------------- download + transcode
    def _download_once(self, source: RecordingSource, rec: RemoteRecording, dest: Path) -> tuple[Path, WrittenFile | None]:
        """Downloads *rec* to *dest* (retried, each retry logged) and returns the written path with
        what the transport saw while writing it (SHA-256, size, first bytes), or None when the
        source wrote the file some other way (a custom source, a copied box upload)."""
        with collect_written_files() as written:
            path = Path(retry_call(source.download, rec, dest, policy=self.options.retry,
                                     what=f"download of recording {rec.key}"))
        # the last write to the returned path is the one that stayed (a retried download
        # writes it again)
        seen = next((w for w in reversed(written) if w.path == path), None)
        return path, seen

    def _fetch(self, key: str, row: Any = None) -> _Fetched:
        """Downloads one recording; runs on a worker. Any error is this recording's alone (see
        :class:`_Fetched`). ``row`` is the recording's journal row when the caller has it (read
        here otherwise): a worker that reads the journal waits for the lock the main thread holds
        through each commit's fsync."""
        if row is None:
            row = self.journal.row("SELECT * FROM recs WHERE key=?", (key,))
        path: Path | None = None
        try:
            source = self.source()
            rec = _journal_recording(row)
            src_root = self.state_dir / "src"
            name, suffix = source.source_name(rec)
            # the key's hash in the name: two remote names that map to one local name
            # (``a\\b.wav``, ``a/b.wav``) must never share a download
            leaf = safe_relative_path(name or rec.key, suffix).name
            dest = src_root / f"{hashlib.sha256(rec.key.encode()).hexdigest()[:16]}-{leaf}"
            # else renamed into place by a run stopped before recording it (the folder is listed
            # once per run, not stat'ed once per recording)
            fetched_now = dest.name not in self._sources_on_disk
            path = dest
            seen: WrittenFile | None = None
            if fetched_now:
                path, seen = self._download_once(source, rec, dest)
            # an archive is told by its content, not its name: a zip served as ``x.V3`` would
            # otherwise be "converted" as headerless audio, i.e. noise; the transport's first
            # bytes say it without opening the file again
            if is_zip(seen.head) if seen is not None else is_zip_file(path):
                want = PurePosixPath((rec.remote_original or rec.remote_file or "").replace("\\", "/")).name
                path = self._unzip_one(path, want)
                seen = None
            # hashed while it was written; read back only when it was not (a download a killed
            # run left, a zip's member, a custom source's file)
            digest = (seen.sha256, seen.size) if seen is not None else file_sha256(path)
            return _Fetched(key, path, None, fetched_now, digest, False)
        except PlatformError as e:
            if not e.retryable:
                self._discard(path)
            return _Fetched(key, None, str(e), False, None, not e.retryable)
        except Exception as e:  # noqa: BLE001 - one recording's failure must not end the sync
            self._discard(path)
            return _Fetched(key, None, f"{type(e).__name__}: {e}", False, None, True)

    def _discard(self, path: Path | None) -> None:
        """Removes a download that failed for good (a bad answer is not kept, nor fed to a later
        run), unless ``keep_sources`` asks to keep what arrived."""
        if path is None or self.options.keep_sources:
            return
        try:
            path.unlink()
        except OSError:
            pass

    @staticmethod
    def _unzip_one(path: Path, want: str = "") -> Path:
        """Unpacks a downloaded zip with :func:`callcore.platforms.archive.safe_extract` (names,
        sizes and member count checked first) and returns its recording: its only file, or, when
        it holds a call's several recordings, the one named *want* (the recording's remote name)."""
        from callcore.platforms.archive import safe_extract

        dest = path.with_name(path.name + ".unzipped")
        if dest.exists():  # left by a run killed while extracting: extract again from the zip
            shutil.rmtree(dest) if dest.is_dir() else dest.unlink()
        files = [p for p in safe_extract(path, dest) if p.is_file()]
        if len(files) > 1 and want:
            files = [p for p in files if p.name.lower() == want.lower()] or files
        if len(files) != 1:
            shutil.rmtree(dest, ignore_errors=True)
            raise PlatformError(f"{path.name}: expected one recording in the zip, got {len(files)}")
        if is_zip_file(files[0]):
            shutil.rmtree(dest, ignore_errors=True)
            raise PlatformError(f"{path.name}: the zip holds another archive ({files[0].name}), not a recording")
        path.unlink()
        return files[0]

    def transfer(self) -> tuple[int, int]:
        """Downloads every listed recording and converts every downloaded one; returns (fetched
        now, converted now)."""
        from callcore import audio

        src_root = self.state_dir / "src"
        self._sources_on_disk = frozenset(os.listdir(src_root)) if src_root.is_dir() else frozenset()
        # the rows are read here, once: the workers then never touch the journal
        todo = self.journal.rows("SELECT * FROM recs WHERE state='listed' ORDER BY key")
        ready = [(row["key"], row["src"])
                 for row in self.journal.rows("SELECT key, src FROM recs WHERE state='downloaded' ORDER BY key")]
        self.progress("total", self._count("SELECT COUNT(*) FROM recs"),
                      self._count("SELECT COUNT(*) FROM recs WHERE state='converted'"))
        fetched = converted = 0
        pending_conv: list[tuple[str, str]] = list(ready)
        rec_fmt = self.recording_format()
        to: Literal["wav", "mp3"] = "mp3" if self.options.to_format == "mp3" else "wav"

        def convert(items: list[tuple[str, str]]) -> int:
            outs = {row["key"]: row["out"] for row in self.journal.rows(
                f"SELECT key, out FROM recs WHERE key IN ({','.join('?' * len(items))})", [k for k, _ in items])}
            pairs = [(self.state_dir / src, self.out / outs[key]) for key, src in items]
            try:
                # hash=True: the output's SHA-256 is taken while it is written, never read back
                results: list[Any] = audio.transcode_many(pairs, to=to, source=rec_fmt,
                                                          jobs=self.options.transcode_jobs, hash=True)
            except Exception:  # noqa: BLE001 - the batch call failed as a whole: one file at a time,
                # so that only the file at fault is failed
                results = []
                for src_path, dst in pairs:
                    try:
                        results.append(audio.transcode(src_path, dst, to=to, source=rec_fmt, hash=True))
                    except Exception as e:  # noqa: BLE001
                        results.append(e)
            done, failed = [], []
            for (key, _), (src_path, dst), result in zip(items, pairs, results):
                if isinstance(result, Exception):
                    failed.append((key, f"transcode: {type(result).__name__}: {result}"))
                elif result.ok:
                    done.append((key, src_path, *output_digest(result, dst), 1 if result.status == "done" else 0))
                else:
                    failed.append((key, f"transcode: {result.error}"))
            with self.journal.tx() as db:  # one durable commit per chunk; sources are removed only after it
                # a conversion a killed run renamed into place before its commit ("skipped" now)
                # was made once, by that run
                db.executemany("UPDATE recs SET state='converted', out_sha=?1, out_bytes=?2, error=NULL, "
                               "converts=CASE WHEN ?3=1 THEN converts+1 ELSE MAX(converts,1) END WHERE key=?4",
                               [(sha, size, made_now, key) for key, _, sha, size, made_now in done])
                db.executemany("UPDATE recs SET state='failed', error=? WHERE key=?", [(e, k) for k, e in failed])
            self.errors += [f"{k}: {e}" for k, e in failed]
            for key, src_path, *_ in done:
                if not self.options.keep_sources:
                    try:
                        src_path.unlink()
                        if src_path.parent != src_root:  # the folder a zip was unpacked into
                            shutil.rmtree(src_root / src_path.relative_to(src_root).parts[0])
                    except OSError:
                        pass
                self.progress("converted", 1, 0)
            return len(done)

        # finished downloads not yet committed: recorded a chunk at a time in one durable commit
        # (a commit per finished download cost an fsync each, and stalled the workers behind the
        # journal's lock); a download a run killed before its commit is on disk under its final
        # name, and the next run takes it from there without fetching it again
        staged: list[_Fetched] = []

        def commit_downloads() -> None:
            nonlocal fetched, staged
            got = []
            retry_later: list[tuple[str, str]] = []  # (error, key)
            failed_for_good: list[tuple[str, str]] = []
            for item in staged:
                if item.path is None or item.digest is None:
                    (failed_for_good if item.final else retry_later).append((f"download: {item.error}", item.key))
                else:
                    got.append((item.key, str(item.path.relative_to(self.state_dir)), *item.digest,
                                int(item.fetched_now)))
            staged = []
            with self.journal.tx() as db:  # the downloads of a chunk, in one durable commit
                db.executemany("UPDATE recs SET error=? WHERE key=?", retry_later)
                db.executemany("UPDATE recs SET state='failed', error=? WHERE key=?", failed_for_good)
                # a download a killed run renamed into place before its commit was fetched once
                db.executemany("UPDATE recs SET state='downloaded', src=?1, src_sha=?2, src_bytes=?3, error=NULL, "
                               "fetches=CASE WHEN ?4=1 THEN fetches+1 ELSE MAX(fetches,1) END WHERE key=?5",
                               [(rel, sha, size, now, key) for key, rel, sha, size, now in got])
            self.errors += [f"{key}: {err}" for err, key in retry_later + failed_for_good]
            for key, rel, _sha, _size, now in got:
                fetched += now
                pending_conv.append((key, rel))
                self.progress("downloaded", 1, 0)

        with ThreadPoolExecutor(max_workers=max(1, self.options.workers)) as pool:
            # finished downloads arrive on a queue, each future put there as it completes: one
            # wake-up per download, where concurrent.futures.wait set up a waiter on every
            # download in flight for each one that finished
            finished: queue.SimpleQueue[Future[_Fetched]] = queue.SimpleQueue()
            in_flight = 0
            rows = iter(todo)
            exhausted = False
            while True:
                # a full chunk is committed before more downloads start: a run stopped at that
                # commit has at most a chunk plus the downloads in flight on disk, uncommitted
                if staged and (len(staged) >= self.options.chunk or not in_flight):
                    commit_downloads()
                    continue
                while not exhausted and in_flight < self.options.workers * 2:
                    row = next(rows, None)
                    if row is None:
                        exhausted = True
                        break
                    pool.submit(self._fetch, row["key"], row).add_done_callback(finished.put)
                    in_flight += 1
                if len(pending_conv) >= self.options.chunk or (not in_flight and pending_conv):
                    converted += convert(pending_conv)
                    pending_conv = []
                    continue
                if not in_flight:
                    break
                done = [finished.get()]
                while not finished.empty():
                    done.append(finished.get_nowait())
                in_flight -= len(done)
                staged += [f.result() for f in done]
        self._prune_sources(src_root)
        return fetched, converted

    def _prune_sources(self, src_root: Path) -> None:
        """Removes what a killed run left in the source folder (a download renamed into place, a
        source converted and committed but not yet removed, a half-unpacked zip): everything but
        the sources of recordings still waiting for conversion."""
        if self.options.keep_sources or not src_root.is_dir():
            return
        keep = {(self.state_dir / r["src"]).resolve() for r in self.journal.rows("SELECT src FROM recs WHERE state='downloaded'")}
        keep_tops = {p.relative_to(src_root.resolve()).parts[0] for p in keep if src_root.resolve() in p.parents}
        for entry in src_root.iterdir():
            if entry.name in keep_tops:
                continue
            try:
                shutil.rmtree(entry) if entry.is_dir() else entry.unlink()
            except OSError:
                pass

    def manifest(self) -> Path:
        path = self.out / "manifest.csv"
        buf = io.StringIO()
        writer = csv.writer(buf, lineterminator="\n")
        writer.writerow(["call_id", "agent", "caller", "callee", "begin", "end", "duration_s", "remote_file",
                         "remote_original", "output", "output_sha256", "output_bytes", "source_sha256", "state", "error"])
        for row in self.journal.rows("SELECT * FROM recs ORDER BY begin, key"):
            # every text that came from the platform is defused: the manifest is opened in
            # spreadsheets like the clean and rejects files (the output path, made from the
            # remote name, gets ./ instead, so that it still names the file)
            writer.writerow([defuse(row["call_id"] or ""), defuse(row["agent"] or ""), defuse(row["caller"] or ""),
                             defuse(row["callee"] or ""), defuse(row["begin"] or ""), defuse(row["end"] or ""),
                             "" if row["seconds"] is None else f"{row['seconds']:g}", defuse(row["file_name"] or ""),
                             defuse(row["original"] or ""), _defuse_path(row["out"] or ""), row["out_sha"] or "",
                             row["out_bytes"] or "", row["src_sha"] or "", row["state"], defuse(row["error"] or "")])
        tmp = path.with_name(".manifest.csv.part")
        with open(tmp, "w", encoding="utf-8", newline="") as f:
            f.write(buf.getvalue())
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
        _crashpoint.reached("commit")
        return path

    def run(self) -> SyncSummary:
        started = time.monotonic()
        sweep_partials(self.out)
        try:
            self.index()
            fetched, converted_now = self.transfer()
        finally:
            if self._source is not None:
                if self.options.source is None:
                    self._source.close()
                self._source = None
        manifest = self.manifest()
        by_state = {row["state"]: row["n"]
                    for row in self.journal.rows("SELECT state, COUNT(*) n FROM recs GROUP BY state")}
        (totals,) = self.journal.rows(
            "SELECT COUNT(DISTINCT CASE WHEN call_id='' OR call_id IS NULL THEN key ELSE call_id END) calls, "
            "COUNT(*) n, SUM(src_bytes) bytes_in, SUM(out_bytes) bytes_out FROM recs")
        windows = self._count("SELECT COUNT(*) FROM windows")
        total = totals["n"] or 0
        return SyncSummary(windows=windows, calls=totals["calls"] or 0, recordings=total, downloaded_now=fetched,
                           converted_now=converted_now, converted=by_state.get("converted", 0),
                           failed=by_state.get("failed", 0), bytes_in=int(totals["bytes_in"] or 0),
                           bytes_out=int(totals["bytes_out"] or 0), out_dir=str(self.out), manifest=str(manifest),
                           complete=by_state.get("converted", 0) == total, errors=self.errors[:20],
                           seconds=time.monotonic() - started)

    def _count(self, sql: str) -> int:
        """The single number a ``SELECT COUNT(*)`` gives."""
        (row,) = self.journal.rows(sql)
        return int(row[0])

    def close(self) -> None:
        self.journal.close()


def sync_recordings(options: SyncOptions, progress: Callable[[str, int, int], object] | None = None) -> SyncSummary:
    """Runs (or resumes) a recording sync; see the module docs. The state folder
    (``OUT/.callcore-sync``) is held for the whole run (:func:`callcore.pipelines.folder_lock.hold`):
    a second process on the same folder gets :class:`~callcore.pipelines.folder_lock.FolderBusy`
    naming the holder's PID, or waits with ``options.wait``."""
    state_dir = Path(options.out_dir).resolve() / STATE_DIR
    with folder_lock.hold(state_dir, wait=options.wait, what="callcore recordings sync"):
        job = RecordingSync(options, progress)
        try:
            return job.run()
        finally:
            job.close()
