"""Pipelines benchmarks, with the Huawei sandbox in a SEPARATE process so that the client's own
cost can be read from this process's CPU time:

* ``import client CPU per row``: clean + plan + journal + v2 add-numbers calls (25,000 records a
  call) of a 100,000-row list (written and campaign created before timing), process CPU time (pytest-benchmark timer = ``time.process_time``);
  the peer is a bare loop that signs and posts the same bodies with httpx (no cleaning, no
  journal, no validation). The sandbox's 1 s pacing costs wall time, not CPU.
* ``workbook per row``: writing a 100,000-row 7.4.8 import workbook (the file route's CPU cost).
* ``dial column per row``: the engine's read of a 1,000,000-row clean CSV's ``dial`` column (packed,
  one Rust call) against the csv module's reading of it into a list.
* ``recording sync per file``: wall time of a full sync of the sandbox's recordings on loopback
  (index, download, transcode to WAV on all cores, manifest); files/s = 1 / median.
* ``SCCC recording sync per file``: the same for SCCC (its sandbox in its own process, ~200
  A-law WAV recordings), against a batch script's way (httpx downloads on 4 threads, one
  ``ffmpeg`` process per file to PCM WAV, or soundfile in process) in the same run, with two
  floors: the listing and downloads alone (the sandbox serving them), and the transcode alone;
  for callcore, the soundfile script and the download floor, the CPU of one more run split
  between the client process and the sandbox process.
"""
from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import time
from datetime import datetime, timedelta
from pathlib import Path

import pytest

ROWS = 100_000
V2 = 25_000


@pytest.fixture(scope="module")
def sandbox(tmp_path_factory):
    state = tmp_path_factory.mktemp("hw")
    p = subprocess.Popen([sys.executable, "-m", "callcore.cli", "sandbox", "huawei", "--port", "0", "--state", str(state),
                          "--v2-max", str(V2)], stderr=subprocess.PIPE, stdout=subprocess.DEVNULL, text=True)
    url = None
    deadline = time.monotonic() + 30
    while url is None and time.monotonic() < deadline:
        line = p.stderr.readline()
        m = re.search(r"(http://127\.0\.0\.1:\d+)", line)
        if m:
            url = m.group(1)
    assert url, "sandbox did not start"
    from callcore.sandbox.huawei import HuaweiConfig

    cfg = HuaweiConfig()
    ak = next(iter(cfg.keys))
    yield url, ak, cfg.keys[ak]
    p.terminate()
    p.wait(10)


def _campaign(url, ak, sk, name):
    from callcore.platforms.huawei import CampaignSpec, HuaweiClient, ScheduleParam

    today = datetime.now()
    with HuaweiClient(url, ak, sk, vdn_id=1) as c:
        return c.create_campaign(CampaignSpec(
            name=name, strBeginTime=today.strftime("%Y-%m-%d 00:00:00"),
            strEndTime=(today + timedelta(days=5)).strftime("%Y-%m-%d 23:00:00"), deviceType=2, callerNo="4008001234",
            maxAlertingTime=30, scheduleParam=ScheduleParam(workdayBeginTime1="00:00", workdayEndTime1="23:59"),
            callbackUrl="http://127.0.0.1:9/cb", skillParam={"skillId": 1, "outBoundType": 2, "predictParam": {"predictMethod": 5, "offhookPredictParam": {"offHookRate": 100}}}))


def _list(path: Path, n: int, seed: int) -> list[str]:
    import random

    rng = random.Random(seed)
    nums = {rng.choice(["138", "139", "186", "150"]) + f"{rng.randrange(10**8):08d}" for _ in range(n * 2)}
    nums_l = sorted(nums)[:n]
    path.write_text("phone\n" + "\n".join(nums_l) + "\n")
    return nums_l


@pytest.mark.benchmark(timer=time.process_time)
def test_import_client_cpu_per_row(measure, sandbox, tmp_path):
    from callcore.pipelines.outbound import HuaweiImportOptions, ImportOptions, import_list

    url, ak, sk = sandbox
    rounds = iter(range(100))
    camps = {i: _campaign(url, ak, sk, f"bench{i}") for i in range(5)}
    for i in range(5):
        _list(tmp_path / f"l{i}.csv", ROWS, i)

    def ours():
        i = next(rounds)
        src = tmp_path / f"l{i}.csv"
        cid = camps[i]
        s = import_list(src, tmp_path / f"w{i}", ImportOptions(
            campaigns=[cid], endpoint=url, access_key=ak, secret_key=sk,
            platform_options=HuaweiImportOptions(api="v2", v2_max=V2)))
        assert s.complete and s.accepted == ROWS

    measure("pipelines: import client CPU per row", "callcore", ours, per=ROWS, unit="row", rounds=3)


@pytest.mark.benchmark(timer=time.process_time)
def test_import_bare_httpx_cpu_per_row(measure, sandbox, tmp_path):
    import httpx

    from callcore.sign.httpx_auth import AuthV2

    url, ak, sk = sandbox
    rounds = iter(range(100, 200))
    camps = {i: _campaign(url, ak, sk, f"peer{i}") for i in range(100, 105)}
    lists = {i: _list(tmp_path / f"p{i}.csv", ROWS, i) for i in range(100, 105)}

    def peer():
        i = next(rounds)
        nums = lists[i]
        cid = camps[i]
        with httpx.Client(auth=AuthV2(ak, sk)) as c:
            last = 0.0
            for k in range(0, ROWS, V2):
                body = {"callDataList": [{"called": [{"calledNo": n}], "sessionId": f"p{k + j}", "customField": "peer"}
                                         for j, n in enumerate(nums[k:k + V2])]}
                time.sleep(max(0.0, last + 1.0 - time.monotonic()))
                r = c.post(f"{url}/rest/isales/v2/openapi/campaigns/1/calldata/{cid}",
                           content=json.dumps(body).encode(), headers={"Content-Type": "application/json; charset=UTF-8"})
                last = time.monotonic()
                assert r.json()["returnCode"] == "0200000"

    measure("pipelines: import client CPU per row", "bare httpx loop", peer, per=ROWS, unit="row", rounds=3)


@pytest.mark.benchmark(timer=time.process_time)
def test_workbook_cpu_per_row(measure, tmp_path):
    from callcore.pipelines.adapters.huawei_files import write_batch_workbook

    n = 100_000
    nums = [f"138{i:08d}" for i in range(n)]
    measure("pipelines: workbook CPU per row", "callcore",
            lambda: write_batch_workbook(tmp_path / "b.xlsx", "j", 0, nums, "cc1b1"),
            per=n, unit="row", rounds=3)


def test_recording_sync_per_file(measure, sandbox, tmp_path):
    import httpx

    from callcore.pipelines.recordings import SyncOptions, sync_recordings
    from callcore.platforms.huawei import CallDataV2, CalledNo, HuaweiClient

    url, ak, sk = sandbox
    cid = _campaign(url, ak, sk, "rec-bench")
    nums = _list(tmp_path / "r.csv", 200, 99)
    with HuaweiClient(url, ak, sk, vdn_id=1, v2_max_per_call=V2) as c:
        c.add_numbers_v2(cid, [CallDataV2(called=[CalledNo(n)], sessionId=f"r{i}") for i, n in enumerate(nums)])
    with HuaweiClient(url, ak, sk, vdn_id=1) as c:
        c.resume_campaign(cid)  # only a running campaign is dialled
    httpx.post(f"{url}/_sandbox/dial/1/{cid}?n=200").raise_for_status()
    now = datetime.now()
    rounds = iter(range(100))
    n_files = []

    def ours():
        i = next(rounds)
        s = sync_recordings(SyncOptions(url, ak, sk, begin=(now - timedelta(hours=4)).strftime("%Y-%m-%d %H:%M:%S"),
                                        end=(now + timedelta(minutes=5)).strftime("%Y-%m-%d %H:%M:%S"),
                                        out_dir=str(tmp_path / f"o{i}")))
        assert s.complete
        n_files.append(s.recordings)

    ours()  # count the files once
    measure("pipelines: recording sync per file (wav)", "callcore", ours, per=n_files[0], unit="file", rounds=3)


def _no_network():
    """A real Huawei client whose ``send_prepared`` answers at once without a network: what is left
    is the pipeline's own work per row (the body is still built by ``prepare_add_numbers``)."""
    from callcore.platforms.huawei import HuaweiClient

    class NoNetwork(HuaweiClient):
        def send_prepared(self, prepared):
            assert prepared.content and prepared.records
            return 0

    return NoNetwork("http://stub", "a", "s", vdn_id=1, v2_max_per_call=V2)


@pytest.mark.benchmark(timer=time.process_time)
@pytest.mark.benchmark(timer=time.process_time)
@pytest.mark.parametrize("impl", ["callcore", "csv module"])
def test_dial_column_cpu_per_row(measure, tmp_path_factory, impl):
    import csv

    from callcore import calllist
    from callcore.pipelines.dial_column import read_dial_column

    n = 1_000_000
    d = tmp_path_factory.mktemp("dial")
    with open(d / "l.csv", "w", encoding="utf-8") as f:
        f.write("name,phone\n")
        f.writelines(f"客户{i},138{i:08d}\n" for i in range(n))
    calllist.clean(d / "l.csv", d / "c.csv", d / "r.csv", platform="huawei")

    def csv_module() -> list[str]:
        with open(d / "c.csv", newline="", encoding="utf-8-sig") as f:
            r = csv.reader(f)
            i = next(r).index("dial")
            return [row[i] for row in r]

    # the same column before timing (callcore's call also hashes the file: a resumed import checks it)
    assert read_dial_column(d / "c.csv")[0][:] == csv_module()
    fn = (lambda: read_dial_column(d / "c.csv")) if impl == "callcore" else csv_module
    measure("pipelines: dial column CPU per row", impl, fn, per=n, unit="row", rounds=5)


def test_import_own_cpu_per_row(measure, tmp_path):
    """Clean + plan + journal + bodies + JSON, the HTTP calls stubbed out."""
    from callcore.pipelines.outbound import HuaweiImportOptions, ImportOptions, import_list

    for i in range(5):
        _list(tmp_path / f"s{i}.csv", ROWS, 300 + i)
    rounds = iter(range(5))

    def own():
        i = next(rounds)
        s = import_list(tmp_path / f"s{i}.csv", tmp_path / f"sw{i}", ImportOptions(
            campaigns=[1], endpoint="http://unused", access_key="a", secret_key="s",
            platform_options=HuaweiImportOptions(api="v2", v2_max=V2), min_interval=0.0, client_factory=_no_network,
            preflight=False))
        assert s.complete and s.accepted == ROWS

    measure("pipelines: import client own CPU per row (calls stubbed)", "callcore", own, per=ROWS, unit="row",
            rounds=3)


# ------------------------------------------------------------------ recording sync of a new platform (SCCC)
@pytest.fixture(scope="module")
def sccc_proc(tmp_path_factory):
    """The SCCC sandbox in its own process, with ~200 recorded calls (A-law WAV, 2-8 s)."""
    import httpx

    from callcore.platforms.sccc import ScccClient
    from callcore.sandbox.sccc import ScccConfig

    state = tmp_path_factory.mktemp("sccc")
    p = subprocess.Popen([sys.executable, "-m", "callcore.cli", "sandbox", "sccc", "--port", "0", "--state", str(state)],
                         stderr=subprocess.PIPE, stdout=subprocess.DEVNULL, text=True)
    url = None
    deadline = time.monotonic() + 30
    while url is None and time.monotonic() < deadline:
        m = re.search(r"(http://127\.0\.0\.1:\d+)", p.stderr.readline())
        if m:
            url = m.group(1)
    assert url, "sandbox did not start"
    cfg = ScccConfig()
    customer = next(iter(cfg.customers))
    with ScccClient(url, customer, cfg.customers[customer]) as c:
        t = c.create_task("8000", [f"1390000{i:04d}" for i in range(270)])
    httpx.post(f"{url}/_sandbox/dial/{t.task_id}?n=270").raise_for_status()
    _SCCC_SANDBOX_PID[0] = p.pid
    yield url, customer, cfg.customers[customer]
    p.terminate()
    p.wait(10)


_SCCC_SANDBOX_PID = [0]


def _process_cpu(pid: int) -> float:
    """CPU seconds (user + system) a live process has used, from /proc."""
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _cpu_split(record, name: str, run, n_files: int) -> None:
    """Where one more run's time goes, per file: its wall time, this process's CPU (the sync or
    the script, every thread) and the sandbox process's CPU (serving the listing and downloads)."""
    sandbox_cpu, own_cpu, wall = _process_cpu(_SCCC_SANDBOX_PID[0]), time.process_time(), time.perf_counter()
    run()
    wall, own_cpu = time.perf_counter() - wall, time.process_time() - own_cpu
    sandbox_cpu = _process_cpu(_SCCC_SANDBOX_PID[0]) - sandbox_cpu
    record.note(f"SCCC recording sync, {name}, one more run of {n_files} files: wall {wall / n_files * 1e3:.2f} ms a file, "
                f"its own CPU {own_cpu / n_files * 1e3:.2f} ms, the sandbox's CPU {sandbox_cpu / n_files * 1e3:.2f} ms")


def _sccc_window():
    now = datetime.now()
    return (now - timedelta(hours=4)).strftime("%Y-%m-%d %H:%M:%S"), (now + timedelta(minutes=5)).strftime("%Y-%m-%d %H:%M:%S")


def _sccc_recordings(sccc_proc) -> list:
    """The sandbox's recorded calls in the sync's window, as a script lists them (getRecordsList)."""
    from callcore.platforms.sccc import ScccClient

    url, customer, password = sccc_proc
    lo, hi = (datetime.strptime(x, "%Y-%m-%d %H:%M:%S").timestamp() for x in _sccc_window())
    with ScccClient(url, customer, password) as c:
        return [r for r in c.iter_records() if r.filename and lo <= r.startTime <= hi]


def test_sccc_recording_sync_per_file(measure, record, sccc_proc, tmp_path):
    """``sync_recordings(platform="sccc")``: list (getRecordsList from key 0), download with 4
    workers, transcode to PCM WAV on all cores, manifest; wall time per file."""
    from callcore.pipelines.recordings import SyncOptions, sync_recordings

    url, customer, password = sccc_proc
    b, e = _sccc_window()
    rounds = iter(range(100))
    n_files = []

    def ours():
        s = sync_recordings(SyncOptions(url, customer, password, begin=b, end=e, out_dir=str(tmp_path / f"o{next(rounds)}"),
                                        platform="sccc"))
        assert s.complete
        n_files.append(s.recordings)

    ours()  # count the files once
    measure("pipelines: SCCC recording sync per file (wav)", "callcore", ours, per=n_files[0], unit="file", rounds=3)
    _cpu_split(record, "callcore", ours, n_files[0])


def _sccc_script_peer(measure, sccc_proc, tmp_path, name: str, convert, record=None) -> None:
    """What a batch script does without callcore: page getRecordsList with the SCCC client,
    download each file with httpx on 4 threads, ``convert(src, dst)`` each to PCM WAV (no state,
    no manifest, no checksums); measured per file as ``name``."""
    from concurrent.futures import ThreadPoolExecutor

    import httpx

    url = sccc_proc[0]
    rounds = iter(range(100))
    n_files = []

    def peer():
        out = tmp_path / f"{name.split()[-1]}{next(rounds)}"
        out.mkdir()
        recs = _sccc_recordings(sccc_proc)
        with httpx.Client() as h:
            def one(i_r):
                i, r = i_r
                resp = h.get(f"{url}/{r.filename}")
                resp.raise_for_status()
                src = out / f"{i}.src.wav"
                src.write_bytes(resp.content)
                convert(src, out / f"{i}.wav")
                src.unlink()

            with ThreadPoolExecutor(4) as pool:
                list(pool.map(one, enumerate(recs)))
        n_files.append(len(recs))

    peer()
    measure("pipelines: SCCC recording sync per file (wav)", name, peer, per=n_files[0], unit="file", rounds=3)
    if record is not None:
        _cpu_split(record, name, peer, n_files[0])


def test_sccc_recording_script_per_file(measure, sccc_proc, tmp_path):
    """The peer: the batch script converting each file with an ``ffmpeg`` process."""
    import shutil

    ffmpeg = shutil.which("ffmpeg")
    assert ffmpeg, "ffmpeg is needed for the peer (CI installs it)"

    def convert(src, dst):
        subprocess.run([ffmpeg, "-nostdin", "-loglevel", "error", "-y", "-i", str(src), "-c:a", "pcm_s16le",
                        str(dst)], check=True)

    _sccc_script_peer(measure, sccc_proc, tmp_path, "script: httpx + ffmpeg", convert)


def test_sccc_recording_soundfile_script_per_file(measure, record, sccc_proc, tmp_path):
    """A lighter peer: the same script converting in process with soundfile (libsndfile) instead
    of one ffmpeg process per file (4 threads; libsndfile calls run without the GIL)."""
    import soundfile

    def convert(src, dst):
        data, rate = soundfile.read(str(src), dtype="int16")
        soundfile.write(str(dst), data, rate, subtype="PCM_16")

    _sccc_script_peer(measure, sccc_proc, tmp_path, "script: httpx + soundfile", convert, record)


def test_sccc_recording_download_floor_per_file(measure, record, sccc_proc, tmp_path):
    """The floor of both rows above on this sandbox: the same listing and httpx downloads on 4
    threads, each written to a file, and nothing else (no conversion, no state). The sandbox is
    one Python process serving every download; it keeps the recordings it made (as a platform
    serves stored files), so after the first round a download costs it ~0.3 ms of CPU and the
    client's HTTP stack is most of this row (the CPU split below says which)."""

    def convert(src, dst):
        pass

    _sccc_script_peer(measure, sccc_proc, tmp_path, "floor: list + download only", convert, record)


def test_sccc_recording_transcode_floor_per_file(measure, sccc_proc, tmp_path):
    """The floor of the sync's own work (issue 15): the same recordings, downloaded before
    timing, transcoded to PCM WAV on all cores by one ``audio.transcode_many`` call (each output
    hashed while written), and nothing else: no listing, no download, no journal, no manifest."""
    from concurrent.futures import ThreadPoolExecutor

    import httpx

    from callcore import audio

    url = sccc_proc[0]
    src = tmp_path / "src"
    src.mkdir()
    recs = _sccc_recordings(sccc_proc)
    with httpx.Client() as h:
        def fetch(i_r):
            i, r = i_r
            resp = h.get(f"{url}/{r.filename}")
            resp.raise_for_status()
            (src / f"{i}.src.wav").write_bytes(resp.content)

        with ThreadPoolExecutor(4) as pool:
            list(pool.map(fetch, enumerate(recs)))
    pairs = [(src / f"{i}.src.wav", tmp_path / "out" / f"{i}.wav") for i in range(len(recs))]

    def transcode():
        results = audio.transcode_many(pairs, to="wav", overwrite=True)
        assert all(r.ok for r in results)

    measure("pipelines: SCCC recording sync per file (wav)", "floor: transcode alone", transcode, per=len(pairs),
            unit="file", rounds=5)


@pytest.mark.benchmark(timer=time.process_time)
@pytest.mark.parametrize("stack", ["httpx", "http.client"])
def test_sccc_recording_get_cpu_per_file(measure, sccc_proc, stack: str):
    """What one recording download costs the client's HTTP stack, on one thread: the CPU of a
    keep-alive GET of each listed recording, body read into memory, through httpx (the transport
    every callcore client uses, and the script's) and through the standard library's
    http.client (the least a Python client does). The sync's download workers pay the first."""
    import http.client

    import httpx

    url = sccc_proc[0]
    names = [r.filename for r in _sccc_recordings(sccc_proc)]
    if stack == "httpx":
        client = httpx.Client()

        def get_all():
            for name in names:
                client.get(f"{url}/{name}").raise_for_status()
    else:
        host, port = url.removeprefix("http://").split(":")
        conn = http.client.HTTPConnection(host, int(port))

        def get_all():
            for name in names:
                conn.request("GET", f"/{name}")
                response = conn.getresponse()
                response.read()
                assert response.status == 200

    get_all()
    measure("pipelines: SCCC recording GET, client CPU per file (one thread)", stack, get_all, per=len(names),
            unit="file", rounds=5)
