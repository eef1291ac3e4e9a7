"""Sandbox plumbing: the CLI, fault SPEC parsing, the fixtures, A-law recordings, file-import cells."""
from __future__ import annotations

import re
import subprocess
import sys
import time
from pathlib import Path

import httpx
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from callcore.platforms.codes import normalise_code
from callcore.sandbox import cli as sandbox_cli
from callcore.sandbox._server import Faults
from callcore.sandbox.audio import alaw2lin, alaw_wav, lin2alaw, v3_bytes
from callcore.sandbox.huawei import HuaweiSandbox, parse_called_cell, read_table


def test_fault_spec() -> None:
    f = Faults.parse("latency=0.5:0.2, 5xx=0.1, drop=0.05,flow=1,skew=1:-600,seed=7")
    assert f.rates == {"latency": 0.5, "5xx": 0.1, "drop": 0.05, "flow": 1.0, "skew": 1.0}
    assert f.params == {"latency": 0.2, "5xx": 503, "skew": -600.0} and f.seed == 7
    assert Faults.parse(None).rates == {} and str(Faults.parse("")) == "none"
    for bad in ("latency", "nope=0.1", "5xx=2", "drop=x"):
        with pytest.raises(ValueError):
            Faults.parse(bad)


def test_alaw_matches_audioop_on_every_sample() -> None:
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        import audioop as ref  # the reference G.711 codec of Python 3.11 (deprecated, removed in 3.13)

    x = np.arange(-32768, 32768, dtype=np.int16)
    assert lin2alaw(x) == ref.lin2alaw(x.tobytes(), 2)
    every = bytes(range(256))
    assert alaw2lin(every).tobytes() == ref.alaw2lin(every, 2)


@given(st.lists(st.integers(-32768, 32767), min_size=1, max_size=400))
@settings(max_examples=200, deadline=None)
def test_alaw_roundtrip_is_idempotent(samples: list[int]) -> None:
    once = lin2alaw(np.array(samples, dtype=np.int16))
    assert lin2alaw(alaw2lin(once)) == once  # decoding then re-encoding is exact


def test_v3_and_wav_files(tmp_path: Path) -> None:
    v3 = v3_bytes("Y:/1/0/20240101/100/1000000.V3", 2.5)
    assert len(v3) == 20000 and v3 == v3_bytes("Y:/1/0/20240101/100/1000000.V3", 2.5)
    wav = tmp_path / "a.wav"
    wav.write_bytes(alaw_wav(v3))
    out = subprocess.run(["sox", "--i", str(wav)], capture_output=True, text=True, check=True).stdout
    assert "8000" in out and "A-law" in out and re.search(r"Channels\s*:\s*1", out)
    pcm = tmp_path / "a.raw"
    subprocess.run(["sox", str(wav), "-t", "raw", "-e", "signed", "-b", "16", str(pcm)], check=True)
    assert np.array_equal(np.fromfile(pcm, dtype="<i2"), alaw2lin(v3))


@given(st.text(alphabet="0123456789 \t", min_size=1, max_size=12))
def test_code_normalisation(code: str) -> None:
    assert normalise_code(code) == "".join(code.split())


def test_called_cells_and_tables(tmp_path: Path) -> None:
    assert parse_called_cell("[[{'calledNo':1234566}]]") == ["1234566"]  # the template's literal (001:26351)
    assert parse_called_cell('[{"calledNo":"1"},{"calledNo":"2"}]') == ["1", "2"]
    assert parse_called_cell("13800000000") == ["13800000000"]
    assert parse_called_cell("[broken") == [] and parse_called_cell("") == []
    # a minimal .xlsx (shared strings + numbers), as the 7.4.8 template is an Excel workbook
    import zipfile

    p = tmp_path / "t.xlsx"
    ns = 'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"'
    with zipfile.ZipFile(p, "w") as z:
        z.writestr("xl/sharedStrings.xml", f'<sst {ns}><si><t>sessionId</t></si><si><t>called</t></si>'
                                           f'<si><t>s1</t></si></sst>')
        z.writestr("xl/worksheets/sheet1.xml",
                   f'<worksheet {ns}><sheetData><row r="1"><c r="A1" t="s"><v>0</v></c><c r="B1" t="s"><v>1</v></c>'
                   f'</row><row r="2"><c r="A2" t="s"><v>2</v></c><c r="B2"><v>13800000000</v></c></row>'
                   f'</sheetData></worksheet>')
    assert read_table(p) == [{"sessionId": "s1", "called": "13800000000"}]


def test_context_manager_and_control_endpoint(tmp_path: Path) -> None:
    with HuaweiSandbox(tmp_path) as sb:
        assert httpx.get(sb.url + "/_sandbox/health").json() == {"ok": True}
        r = httpx.get(sb.url + "/rest/isales/v1/openapi/campaigns/1/1")  # unsigned
        assert r.status_code == 401 and r.json()["error"] == "Unauthorized"
        assert r.headers["date"].endswith("GMT")
    with pytest.raises(httpx.ConnectError):
        httpx.get(sb.url + "/_sandbox/health")


def test_fixture_gives_a_running_sandbox(huawei_sandbox: HuaweiSandbox) -> None:
    assert httpx.get(huawei_sandbox.url + "/_sandbox/health").status_code == 200


@pytest.mark.parametrize("platform", sandbox_cli.platforms())
def test_cli_starts_each_sandbox(tmp_path: Path, platform: str) -> None:
    proc = subprocess.Popen([sys.executable, "-m", "callcore.cli", "sandbox", platform, "--port", "0", "--state",
                             str(tmp_path), "--faults", "latency=0.1:0.01"], stderr=subprocess.PIPE, text=True,
                            env={"COLUMNS": "200", "PATH": "/usr/bin:/bin", "NO_COLOR": "1"})
    try:
        url = None
        deadline = time.monotonic() + 30
        lines = []
        while url is None and time.monotonic() < deadline:
            line = proc.stderr.readline()
            if not line:
                break
            lines.append(line)
            m = re.search(r"(http://127\.0\.0\.1:\d+)", line)
            if m:
                url = m.group(1)
        assert url, "".join(lines)
        r = httpx.get(url + "/does-not-exist")
        assert r.status_code in (401, 404, 405)
    finally:
        proc.terminate()
        proc.wait(timeout=10)
    assert list(tmp_path.glob("*.sqlite3"))


@pytest.mark.parametrize("fmt", ["alaw", "vox8k", "vox6k"])
def test_v3_formats_decode_with_the_engine_and_sox(fmt: str, tmp_path: Path) -> None:
    """Each deployment encoding is a real .V3 that sox decodes to what the engine decodes."""
    from callcore.sandbox.audio import V3_FORMATS, v3_pcm

    v3 = v3_bytes("Y:/1/0/20240101/100/1000001.V3", 1.0, fmt)
    pcm, rate = v3_pcm(v3, fmt)
    assert rate == V3_FORMATS[fmt] and len(pcm) == rate
    src = tmp_path / "a.v3"
    src.write_bytes(v3)
    kind = ["-t", "al"] if fmt == "alaw" else ["-t", "vox"]
    raw = subprocess.run(["sox", *kind, "-r", str(rate), "-c", "1", str(src), "-t", "raw", "-e", "signed", "-b", "16", "-"], capture_output=True, check=True).stdout
    ref = np.frombuffer(raw, dtype="<i2")
    if fmt == "alaw":
        assert np.array_equal(ref, pcm)
    else:  # sox's own VOX rule; the engine's default is the Dialogic note: same signal, small drift
        assert len(ref) == len(pcm) and np.corrcoef(ref, pcm)[0, 1] > 0.95
