"""SCCC, 八百呼 and 九五 for the import tests: a sandbox (in this process, real HTTP on loopback),
a target on it, the ImportOptions / CLI arguments / environment to import into it, and what
landed there."""
from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable

from callcore.pipelines.outbound import ImportOptions

from .options_kit import import_options
from callcore.platforms.retry import RetryPolicy

PLATFORMS = ["sccc", "babaihu", "hl95"]
FAST_RETRY = RetryPolicy(attempts=30, base_delay=0.01, flow_delay=0.05, max_delay=0.1)


@dataclass
class Kit:
    platform: str
    sb: Any
    target: int
    user: str
    secret: str
    extra: dict[str, Any]  # option fields (ImportOptions or the platform's own)
    args: list[str]  # the same as CLI arguments
    landed: Callable[[], list[str]]  # the numbers now in the target (with repeats, if any)
    ids: Callable[[], list[str]]  # the per-record ids now in the target (sessionIds), where the platform keeps them

    def options(self, **kw: Any) -> ImportOptions:
        base: dict[str, Any] = dict(campaigns=[self.target], endpoint=self.sb.url, access_key=self.user,
                                    secret_key=self.secret, platform=self.platform, retry=FAST_RETRY, **self.extra)
        base.update(kw)
        return import_options(**base)

    def cli(self, src: Path, workdir: Path, *more: str) -> list[str]:
        import sys

        return [sys.executable, "-m", "callcore.cli", "outbound", "import", str(src), "--platform", self.platform,
                "--campaign", str(self.target), "--endpoint", self.sb.url, "--workdir", str(workdir), *self.args,
                *more]

    def env(self) -> dict[str, str]:
        return dict(os.environ, CALLCORE_ACCESS_KEY=self.user, CALLCORE_SECRET_KEY=self.secret)


def start(platform: str, state: Path, faults: str | None = None) -> Kit:
    """Starts *platform*'s sandbox with a target ready to take numbers (stop it with ``kit.sb.stop()``)."""
    if platform == "sccc":
        from callcore.sandbox.sccc import ScccSandbox

        sb = ScccSandbox(state, faults=faults).start()
        tid = sb.app.state.insert("INSERT INTO tasks (agent, name, mode, status, user_data, created) VALUES "
                                  "('1001', 'import', 2, 0, NULL, 0)")
        return Kit("sccc", sb, tid, sb.customer, sb.password, {"agent": "1001"}, ["--agent", "1001"],
                   lambda: [r["number"] for r in sb.app.state.rows("SELECT number FROM numbers WHERE task=?", (tid,))],
                   lambda: [])
    if platform == "babaihu":
        from callcore.sandbox.babaihu import BabaihuSandbox

        sb = BabaihuSandbox(state, faults=faults).start()
        return Kit("babaihu", sb, sb.flow_id, sb.user, sb.password, {"flow_name": sb.flow_name},
                   ["--flow-name", sb.flow_name],
                   lambda: [r["phone"] for r in sb.app.state.rows("SELECT phone FROM details")],
                   lambda: [r["key"] for r in sb.app.state.rows("SELECT key FROM details")])
    if platform == "hl95":
        from callcore.sandbox.hl95 import Hl95Sandbox

        sb = Hl95Sandbox(state, faults=faults).start()
        sb.app.state.execute("INSERT INTO projects VALUES ('PRO_100002_imp001', 'import', NULL, '20261122000000')")
        iid = sb.app.state.insert(
            "INSERT INTO tasks (task_id, project, name, status, call_type, ratio, idle_time, time_from, time_to, "
            "created) VALUES ('000000100002imp', 'PRO_100002_imp001', 'import', 2, '0', '1', '8000', '09:00', "
            "'18:00', '20261122000000')")
        return Kit("hl95", sb, iid, sb.client_id, sb.client_secret, {}, [],
                   lambda: [r["mobile"] for r in sb.app.state.rows("SELECT mobile FROM contacts WHERE task=?", (iid,))],
                   lambda: [r["des"] for r in sb.app.state.rows("SELECT des FROM contacts WHERE task=?", (iid,))])
    raise ValueError(platform)
