"""``callcore outbound import`` into SCCC, 八百呼 and 九五 sandboxes over real HTTP: every clean row
lands exactly once, the reconciliation adds up, a rerun sends nothing, unknown outcomes are looked
up (or, on SCCC, resent into a task that keeps one copy), faults (5xx pages, dropped connections,
flow control, latency) change nothing in the outcome."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from typing import Iterator

import pytest

from callcore.pipelines.outbound import OutboundImport, import_list

from .conftest import write_list
from .platform_kit import PLATFORMS, Kit, start


@pytest.fixture
def kit_factory(tmp_path) -> Iterator:
    kits: list[Kit] = []

    def make(platform: str, faults: str | None = None) -> Kit:
        k = start(platform, tmp_path / f"{platform}-{len(kits)}", faults)
        kits.append(k)
        return k

    yield make
    for k in kits:
        k.sb.stop()


def assert_exactly_once(kit: Kit, good: list[str]) -> None:
    assert sorted(kit.landed()) == sorted(good), "every clean row on the platform exactly once"
    ids = kit.ids()
    assert len(set(ids)) == len(ids)


@pytest.mark.parametrize("platform", PLATFORMS)
def test_import_lands_every_row_once_and_adds_up(kit_factory, tmp_path, platform):
    kit = kit_factory(platform)
    good = write_list(tmp_path / "l.csv", 1200, seed=21)
    o = kit.options(batch_size=250)
    s = import_list(tmp_path / "l.csv", tmp_path / "w", o)
    assert s.complete and s.adds_up
    assert (s.accepted, s.invalid, s.duplicate, s.platform_rejected) == (1200, 3, 120, {})
    assert s.batches == {"accepted": 5} and s.campaigns == {str(kit.target): 1200}
    assert_exactly_once(kit, good)
    again = import_list(tmp_path / "l.csv", tmp_path / "w", o)
    assert again.accepted == 1200 and again.reconciled == {}
    assert_exactly_once(kit, good)  # the rerun sent nothing


@pytest.mark.parametrize("platform", ["babaihu", "hl95"])
def test_unknown_outcomes_are_looked_up_by_record_ids(kit_factory, tmp_path, platform):
    """Batches left 'sending' (killed mid-request): one arrived whole, one not at all, one only in
    part; each row ends up on the platform once and the summary says how each was found."""
    kit = kit_factory(platform)
    good = write_list(tmp_path / "l.csv", 400, dirty=False, seed=4)
    o = kit.options(batch_size=100)
    import_list(tmp_path / "l.csv", tmp_path / "w", o)
    job = OutboundImport(tmp_path / "l.csv", tmp_path / "w", o)
    job.journal.execute("UPDATE batches SET state='sending' WHERE id IN (1, 2, 3)")
    code = job.journal.get("job")
    job.close()
    table, col = ("details", "key") if platform == "babaihu" else ("contacts", "des")
    # batch 2 never arrived; half of batch 3 never arrived
    kit.sb.app.state.execute(f"DELETE FROM {table} WHERE {col} IN ({','.join('?' * 100)})",
                       [f"{code}{r}" for r in range(100, 200)])
    kit.sb.app.state.execute(f"DELETE FROM {table} WHERE {col} IN ({','.join('?' * 50)})",
                       [f"{code}{r}" for r in range(250, 300)])
    s = import_list(tmp_path / "l.csv", tmp_path / "w", o)
    assert s.complete and s.adds_up and s.accepted == 400
    name = "findTaskMx" if platform == "babaihu" else "outboundContacts"
    assert s.reconciled == {f"{name}: on the platform, not sent again": 2, f"{name}: not on the platform, sent again": 1}
    assert_exactly_once(kit, good)
    assert s.batches == {"accepted": 4 + 1}  # batch 3's missing half went again as a batch of its own


def test_sccc_unknown_outcomes_are_resent_into_a_task_that_keeps_one_copy(kit_factory, tmp_path):
    kit = kit_factory("sccc")
    good = write_list(tmp_path / "l.csv", 300, dirty=False, seed=5)
    o = kit.options(batch_size=100)
    import_list(tmp_path / "l.csv", tmp_path / "w", o)
    job = OutboundImport(tmp_path / "l.csv", tmp_path / "w", o)
    job.journal.execute("UPDATE batches SET state='sending' WHERE id IN (1, 2)")
    job.close()
    s = import_list(tmp_path / "l.csv", tmp_path / "w", o)
    assert s.complete and s.adds_up and s.accepted == 300
    label = "sccc: no number query; sent again (the task keeps one copy, report.repeat)"
    assert s.reconciled[label] == 2
    assert s.reconciled["rows already on the platform when sent (SCCC report.repeat), counted as accepted"] == 200
    assert_exactly_once(kit, good)


def test_sccc_numbers_the_platform_refuses_are_counted_with_the_report(kit_factory, tmp_path):
    """SCCC reports refused numbers as a count (report.error), not which: they are reported as
    rejected by the platform, and the summary still adds up."""
    kit2 = kit_factory("sccc")
    (tmp_path / "m.csv").write_text("phone\n13800000001\n")
    from callcore.platforms.sccc import ScccClient

    class Refusing(ScccClient):  # the task refuses every number it is given
        def add_numbers(self, task_id, callees, agent):
            from callcore.platforms.sccc import Report

            super().add_numbers(task_id, callees, agent)
            return Report(len(callees), len(callees), 0)

    s = import_list(tmp_path / "m.csv", tmp_path / "w2", kit2.options(
        client_factory=lambda: Refusing(kit2.sb.url, kit2.user, kit2.secret)))
    assert s.adds_up and s.accepted == 0 and s.platform_rejected == {"sccc report.error": 1}


FAULTS = "5xx=0.2,drop=0.15,flow=0.2,latency=0.3:0.02,seed={}"


@pytest.mark.parametrize("platform", PLATFORMS)
def test_import_completes_under_faults(kit_factory, tmp_path, platform):
    kit = kit_factory(platform, faults=FAULTS.format(PLATFORMS.index(platform) + 11))
    good = write_list(tmp_path / "l.csv", 600, dirty=False, seed=8)
    s = import_list(tmp_path / "l.csv", tmp_path / "w", kit.options(batch_size=20))
    assert s.complete and s.adds_up and s.accepted == 600
    assert_exactly_once(kit, good)
    counts = kit.sb.app.faults.counts
    assert counts["5xx"] > 0 and counts["drop"] > 0 and counts["flow"] > 0, counts


def test_cli_json_and_errors(kit_factory, tmp_path):
    kit = kit_factory("hl95")
    good = write_list(tmp_path / "l.csv", 50, seed=2)
    r = subprocess.run(kit.cli(tmp_path / "l.csv", tmp_path / "w", "--json"), env=kit.env(), capture_output=True,
                       text=True, timeout=120)
    assert r.returncode == 0, r.stderr
    d = json.loads(r.stdout)
    assert d["adds_up"] and d["complete"] and d["accepted"] == 50 and d["input_rows"] == 50 + 5 + 3
    assert_exactly_once(kit, good)
    sccc = kit_factory("sccc")
    r = subprocess.run(sccc.cli(tmp_path / "l.csv", tmp_path / "w2", "--json")[:-3] + ["--json"], env=sccc.env(),
                       capture_output=True, text=True, timeout=120)  # without --agent
    assert r.returncode != 0 and "--agent" in r.stderr
    r = subprocess.run(kit.cli(tmp_path / "l.csv", tmp_path / "w", "--json")[:-1] + ["--platform", "sccc", "--agent",
                                                                                    "1", "--json"],
                       env=kit.env(), capture_output=True, text=True, timeout=120)
    assert r.returncode != 0 and "hl95 import" in r.stderr  # the work folder remembers its platform


@pytest.mark.parametrize(("platform", "misplaced", "flag", "owner"), [
    ("hl95", ["--agent", "1001"], "--agent", "sccc"), ("sccc", ["--agent", "1001", "--api", "v2"], "--api", "huawei"),
    ("huawei", ["--flow-name", "f"], "--flow-name", "babaihu")])
def test_an_option_of_another_platform_is_refused(tmp_path, platform, misplaced, flag, owner):
    """Each platform's options belong to its adapter: one given for another platform is an error
    naming both, before anything is read or sent (it used to be ignored without a word)."""
    write_list(tmp_path / "l.csv", 3, seed=1)
    cmd = [sys.executable, "-m", "callcore.cli", "outbound", "import", str(tmp_path / "l.csv"), "--platform", platform,
           "--campaign", "1", "--endpoint", "http://127.0.0.1:9", "--workdir", str(tmp_path / "w"), *misplaced]
    env = dict(os.environ, CALLCORE_ACCESS_KEY="user", CALLCORE_SECRET_KEY="secret-value")
    r = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=60)
    assert r.returncode == 2, r.stderr
    assert f"{flag} belongs to --platform {owner}; it does not apply to --platform {platform}" in r.stderr
    assert not (tmp_path / "w").exists()


@pytest.mark.parametrize("platform", ["babaihu", "hl95"])
def test_a_wrong_target_or_password_fails_before_anything_is_sent(kit_factory, tmp_path, platform):
    from callcore.pipelines.outbound import ImportFailed

    kit = kit_factory(platform)
    write_list(tmp_path / "l.csv", 30, seed=6)
    if platform == "hl95":
        with pytest.raises(ImportFailed, match="instance 999 not found"):
            import_list(tmp_path / "l.csv", tmp_path / "w", kit.options(campaigns=[999]))
        kit.sb.app.state.execute("UPDATE tasks SET status=5 WHERE id=?", (kit.target,))
        with pytest.raises(ImportFailed, match="has ended"):
            import_list(tmp_path / "l.csv", tmp_path / "w3", kit.options())
    with pytest.raises(ImportFailed):
        import_list(tmp_path / "l.csv", tmp_path / "w2", kit.options(secret_key="0" * 32))
    assert kit.landed() == []


def test_babaihu_stops_when_the_flow_id_does_not_list_its_tasks(kit_factory, tmp_path):
    """If --campaign (cflId) does not list the tasks made with --flow-name, unknown outcomes could
    not be looked up: the import stops after the first batch, which is journaled as accepted."""
    from callcore.pipelines.outbound import ImportFailed
    from callcore.platforms.babaihu import BabaihuClient

    kit = kit_factory("babaihu")

    class OtherFlow(BabaihuClient):  # a platform whose flow kit.target holds none of these tasks
        def task_detail(self, flow_id, **kw):
            return (0, []) if kw.get("task_id") is not None else super().task_detail(flow_id, **kw)

    good = write_list(tmp_path / "l.csv", 1000, dirty=False, seed=12)
    o = kit.options(batch_size=250, client_factory=lambda: OtherFlow(kit.sb.url, kit.user, kit.secret))
    with pytest.raises(ImportFailed, match="not listed by findTaskMx"):
        import_list(tmp_path / "l.csv", tmp_path / "w", o)
    assert len(kit.landed()) == 250
    s = import_list(tmp_path / "l.csv", tmp_path / "w", kit.options(batch_size=250))  # the right flow id
    assert s.complete and s.accepted == 1000
    assert_exactly_once(kit, good)


def test_leave_running_is_refused_where_the_import_cannot_start_a_target(kit_factory, tmp_path):
    kit = kit_factory("sccc")
    write_list(tmp_path / "l.csv", 10, dirty=False)
    with pytest.raises(ValueError, match="--leave running: the import cannot start sccc targets"):
        import_list(tmp_path / "l.csv", tmp_path / "w", kit.options(leave="running"))
    with pytest.raises(ValueError, match="--leave: 'stopped'"):
        import_list(tmp_path / "l.csv", tmp_path / "w", kit.options(leave="stopped"))
