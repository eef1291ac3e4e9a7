"""What the recording sync needs from the SCCC, 八百呼 and 九五 sandboxes: calls placed at a given
time (recordings inside and outside a period) and the served recording format."""
from __future__ import annotations

import io
from datetime import datetime, timedelta
from pathlib import Path

import httpx
import numpy as np
import pytest
import soundfile

from callcore.platforms.babaihu import BabaihuClient, TaskRecord
from callcore.platforms.hl95 import Hl95Client, ManualTask
from callcore.platforms.sccc import ScccClient
from callcore.sandbox import audio as sbaudio
from callcore.sandbox.babaihu import BabaihuConfig, BabaihuSandbox
from callcore.sandbox.hl95 import Hl95Config, Hl95Sandbox
from callcore.sandbox.sccc import ScccConfig, ScccSandbox

AT = datetime(2026, 3, 1, 12, 0, 0)


@pytest.mark.parametrize("fmt,subtype", [("alaw", "ALAW"), ("pcm16", "PCM_16"), ("ulaw", "ULAW"), ("mp3", "MPEG_LAYER_III")])
def test_served_formats_hold_the_same_samples(fmt, subtype):
    body, media = sbaudio.served("r/1.wav", 2.5, fmt)
    info = soundfile.info(io.BytesIO(body))
    assert (info.samplerate, info.channels, info.frames, info.subtype) == (8000, 1, 20000, subtype)
    assert media == ("audio/mpeg" if fmt == "mp3" else "audio/x-wav")
    got, _ = soundfile.read(io.BytesIO(body), dtype="int16")
    ref = sbaudio.alaw2lin(sbaudio.v3_bytes("r/1.wav", 2.5))
    if fmt in ("alaw", "pcm16"):
        assert np.array_equal(got, ref)
    mixed = {sbaudio.served(f"r/{i}.wav", 0.5, "mixed")[1] for i in range(12)}
    assert mixed == {"audio/mpeg", "audio/x-wav"}
    with pytest.raises(ValueError, match="record format"):
        sbaudio.served("r", 1, "gsm")


def test_sccc_dial_at_a_time_and_record_format(tmp_path: Path):
    with ScccSandbox(tmp_path, config=ScccConfig(record_format="pcm16")) as sb, \
            ScccClient(sb.url, sb.customer, sb.password) as c:
        t = c.create_task("8000", [f"1380000{i:04d}" for i in range(8)])
        sb.dial(t.task_id, 8, at=AT)
        recs = list(c.iter_records())
        assert recs and all(AT - timedelta(seconds=8 * 30) <= datetime.fromtimestamp(r.startTime) < AT for r in recs)
        path = c.download_recording(recs[0].filename, tmp_path)
        assert soundfile.info(str(path)).subtype == "PCM_16"


def test_babaihu_dial_at_a_time_and_record_format(tmp_path: Path):
    with BabaihuSandbox(tmp_path, config=BabaihuConfig(record_format="ulaw")) as sb, \
            BabaihuClient(sb.url, sb.user, sb.password) as c:
        tid = c.add_task("t", [TaskRecord(f"1300000000{i}") for i in range(8)], flow_name=sb.flow_name,
                         send_time=(AT - timedelta(hours=1)).strftime("%Y-%m-%d %H:%M:%S"))
        sb.dial(tid, 8, at=AT)
        _, rows = c.call_records(limit=50)
        starts = [datetime.strptime(r["cdrStartTime"], "%Y-%m-%d %H:%M:%S") for r in rows]
        assert starts and all(AT - timedelta(seconds=8 * 45) <= s < AT for s in starts)
        _, inside = c.call_records(limit=50, start_time=(AT - timedelta(minutes=3)).strftime("%Y-%m-%d %H:%M:%S"),
                                   end_time=AT.strftime("%Y-%m-%d %H:%M:%S"))
        assert 0 < len(inside) < len(rows)
        f = next(r["cdrRecordFile"] for r in rows if r["cdrRecordFile"])
        assert soundfile.info(str(c.download_record(tmp_path, record_file=f))).subtype == "ULAW"


def test_hl95_dial_at_a_time_and_record_format(tmp_path: Path):
    with Hl95Sandbox(tmp_path, config=Hl95Config(record_format="mp3")) as sb, \
            Hl95Client(sb.url, sb.client_id, sb.client_secret) as c:
        c.create_project("JH0001", "p")
        r = c.create_manual_task(ManualTask(outProjectId="PRO_100002_JH0001", taskId="T1", name="t", timeFrom="09:00",
                                            timeTo="18:00", dataObjId="OBJ_100002_1", numbers=[(f"1390000000{i}", "") for i in range(8)]))
        c.start_task(r["outboundInstanceId"])
        sb.dial(r["outboundInstanceId"], 8, at=AT)
        recs = c.recordings(page_size=50, start_from="20260301000000", start_end="20260301235959")["pageData"]
        assert recs and all(AT - timedelta(seconds=8 * 40) <= datetime.strptime(x["cStartTime"], "%Y-%m-%d %H:%M:%S") < AT
                            for x in recs)
        assert c.recordings(page_size=50, start_from="20260302000000")["total"] == 0
        p = c.download_recording(recs[0]["filename"], tmp_path)
        assert p.read_bytes()[:3] == b"ID3" or p.read_bytes()[0] == 0xFF
        assert httpx.get(sb.url + "/record/recordDownload", params={"path": recs[0]["filename"]}).status_code == 401
