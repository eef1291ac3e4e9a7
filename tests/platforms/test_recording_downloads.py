"""Download answers the recording sync must be able to retry: SCCC's flow-control answer to a
recording GET, 九五's token endpoint failing with a 5xx."""
from __future__ import annotations

from pathlib import Path

import pytest

from callcore.platforms import errors as E
from callcore.platforms.hl95 import Hl95Client
from callcore.platforms.sccc import ScccClient
from callcore.sandbox._server import Faults
from callcore.sandbox.hl95 import Hl95Sandbox
from callcore.sandbox.sccc import ScccSandbox


def test_sccc_flow_control_on_a_recording_is_retryable(tmp_path: Path, sccc_sandbox: ScccSandbox) -> None:
    with ScccClient(sccc_sandbox.url, sccc_sandbox.customer, sccc_sandbox.password) as c:
        t = c.create_task("8000", ["13800000001", "13800000002", "13800000003"])
        sccc_sandbox.dial(t.task_id, 3)
        name = next(r.filename for r in c.iter_records())
        sccc_sandbox.app.faults.faults = Faults.parse("flow=1")
        with pytest.raises(E.FlowControlError) as ei:
            c.download_recording(name, tmp_path / "r.wav")
        assert ei.value.retryable and not (tmp_path / "r.wav").exists()
        sccc_sandbox.app.faults.faults = Faults.parse(None)
        assert c.download_recording(name, tmp_path / "r.wav").stat().st_size > 44


def test_hl95_token_endpoint_5xx_is_retryable_bad_secret_is_not(tmp_path: Path) -> None:
    with Hl95Sandbox(tmp_path, faults="5xx=1") as sb:
        with Hl95Client(sb.url, sb.client_id, sb.client_secret) as c:
            with pytest.raises(E.PlatformError) as ei:
                c.recordings()
            assert ei.value.retryable
            sb.app.faults.faults = Faults.parse(None)
            assert c.recordings()["total"] == 0
        with Hl95Client(sb.url, sb.client_id, "wrong") as bad:
            with pytest.raises(E.AuthenticationError) as ei:
                bad.recordings()
            assert not ei.value.retryable
