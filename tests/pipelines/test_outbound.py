"""Outbound import against the Huawei sandbox over real HTTP: counts, platform rejections, resume,
reconciliation of unknown outcomes, the pending cap, the file route over a real sshd, the CLI."""
from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from callcore.pipelines.outbound import OutboundImport, import_list
from callcore.platforms.huawei import BlacklistAdd
from callcore.platforms.retry import RetryPolicy

from .conftest import calldata, client_for, make_campaign, write_list
from .options_kit import import_options


def opts(sb, campaigns, **kw):
    base = dict(campaigns=campaigns, endpoint=sb.url, access_key=sb.access_key, secret_key=sb.secret_key,
                min_interval=sb.app.cfg.min_interval, retry=RetryPolicy(attempts=10, base_delay=0.05, flow_delay=0.2,
                                                                         max_delay=0.5))
    base.update(kw)
    return import_options(**base)


def assert_exactly_once(sb, good, campaigns=None):
    rows = calldata(sb)
    called = [r["called"] for r in rows]
    assert sorted(called) == sorted(good), "every clean row on the platform exactly once"
    assert len({r["session_id"] for r in rows}) == len(rows)


def test_api_v1_counts_add_up_and_rows_land_once(sandbox_factory, tmp_path):
    sb = sandbox_factory(min_interval=0.2)
    with client_for(sb) as c:
        cid = make_campaign(c, "v1")
    good = write_list(tmp_path / "l.csv", 70)
    s = import_list(tmp_path / "l.csv", tmp_path / "w", opts(sb, [cid]))
    assert s.complete and s.adds_up
    assert (s.accepted, s.invalid, s.duplicate) == (70, 3, 7)
    assert s.batches == {"accepted": 4}  # 20 + 20 + 20 + 10 (v1: 20 a call)
    assert_exactly_once(sb, good)
    tags = {r["custom_field"] for r in calldata(sb)}
    assert len(tags) == 4 and all(t.startswith("cc") for t in tags)


def test_platform_blacklist_is_reported_with_its_code(sandbox_factory, tmp_path):
    sb = sandbox_factory(min_interval=0.2)
    good = write_list(tmp_path / "l.csv", 30, dirty=False)
    with client_for(sb) as c:
        cid = make_campaign(c, "bl")
        c.blacklist_add(BlacklistAdd(blocklist=[good[3], good[17]]))
    s = import_list(tmp_path / "l.csv", tmp_path / "w", opts(sb, [cid]))
    assert s.adds_up and s.complete
    assert s.platform_rejected == {"0200024": 2}
    assert s.accepted == 28
    assert_exactly_once(sb, [g for g in good if g not in (good[3], good[17])])


def test_local_blacklist_and_rerun_sends_nothing(sandbox_factory, tmp_path):
    sb = sandbox_factory(min_interval=0.2, v2_max=50)
    good = write_list(tmp_path / "l.csv", 60, dirty=False)
    (tmp_path / "bl.txt").write_text(good[0] + "\n" + good[1] + "\n")
    with client_for(sb) as c:
        cid = make_campaign(c, "rerun")
    o = opts(sb, [cid], api="v2", v2_max=50, blacklist=str(tmp_path / "bl.txt"))
    s1 = import_list(tmp_path / "l.csv", tmp_path / "w", o)
    assert s1.blacklisted == 2 and s1.accepted == 58 and s1.adds_up
    s2 = import_list(tmp_path / "l.csv", tmp_path / "w", o)
    assert s2.to_dict() | {"seconds": 0} == s1.to_dict() | {"seconds": 0}
    assert_exactly_once(sb, good[2:])


def test_unknown_batches_are_reconciled_before_resending(sandbox_factory, tmp_path):
    """A batch left 'sending' (killed mid-request) is looked up by its tag: statistics on the first
    look, delete-by-tag when statistics is rate-limited; either way each row lands once."""
    sb = sandbox_factory(min_interval=0.2, v2_max=10)
    good = write_list(tmp_path / "l.csv", 40, dirty=False)
    with client_for(sb) as c:
        cid = make_campaign(c, "unknown")
    o = opts(sb, [cid], api="v2", v2_max=10)
    import_list(tmp_path / "l.csv", tmp_path / "w", o)
    job = OutboundImport(tmp_path / "l.csv", tmp_path / "w", o)
    # batch 1 reached the platform but the answer was lost; batch 2 never reached it
    job.journal.execute("UPDATE batches SET state='sending' WHERE id IN (1, 2)")
    tag2 = job.journal.row("SELECT tag FROM batches WHERE id=2")["tag"]
    sb.app.state.execute("DELETE FROM calldata WHERE custom_field=?", (tag2,))
    job.close()
    s = import_list(tmp_path / "l.csv", tmp_path / "w", o)
    assert s.complete and s.adds_up and s.accepted == 40
    assert s.reconciled == {"statistics: on the platform, not sent again": 1,
                            "statistics: not on the platform, sent again": 1}
    assert_exactly_once(sb, good)
    # again, now that statistics answers 429 for five minutes: delete-by-tag
    job = OutboundImport(tmp_path / "l.csv", tmp_path / "w", o)
    job.journal.execute("UPDATE batches SET state='sending' WHERE id IN (3, 4)")
    job.close()
    s = import_list(tmp_path / "l.csv", tmp_path / "w", o)
    assert s.complete and s.accepted == 40
    assert s.reconciled["delete-by-tag: removed and sent again"] == 2
    assert_exactly_once(sb, good)


def test_pending_cap_spills_into_the_next_campaign(sandbox_factory, tmp_path):
    """The platform answers 0200020 when a campaign would exceed its cap: the rest goes to the
    next campaign given."""
    sb = sandbox_factory(min_interval=0.1, v2_max=10, max_pending=25)
    good = write_list(tmp_path / "l.csv", 45, dirty=False)
    with client_for(sb) as c:
        a, b = make_campaign(c, "capA"), make_campaign(c, "capB")
    s = import_list(tmp_path / "l.csv", tmp_path / "w", opts(sb, [a, b], api="v2", v2_max=10))
    assert s.complete and s.adds_up
    assert s.campaigns == {str(a): 20, str(b): 25}
    assert len(calldata(sb, a)) == 20 and len(calldata(sb, b)) == 25
    assert_exactly_once(sb, good)


def test_planner_respects_the_cap_and_holds_what_does_not_fit(sandbox_factory, tmp_path):
    sb = sandbox_factory(min_interval=0.1, v2_max=10)
    good = write_list(tmp_path / "l.csv", 35, dirty=False)
    with client_for(sb) as c:
        a = make_campaign(c, "hold")
    s = import_list(tmp_path / "l.csv", tmp_path / "w", opts(sb, [a], api="v2", v2_max=10, pending_cap=30))
    assert s.accepted == 30 and s.not_imported == 5 and not s.complete and s.adds_up
    assert s.batches.get("held") == 1
    # a campaign created afterwards and given on the next run takes the held rows
    with client_for(sb) as c:
        b = make_campaign(c, "hold2")
    s = import_list(tmp_path / "l.csv", tmp_path / "w", opts(sb, [a, b], api="v2", v2_max=10, pending_cap=30))
    assert s.complete and s.adds_up and s.campaigns == {str(a): 30, str(b): 5}
    assert len(calldata(sb, b)) == 5
    assert_exactly_once(sb, good)


def _import_in_thread(*a, **kw):
    """import_list in a thread, so that a wait that never ends fails the test instead of hanging it."""
    out: dict = {}

    def go():
        try:
            out["summary"] = import_list(*a, **kw)
        except BaseException as e:  # noqa: BLE001  (handed to the test)
            out["error"] = e

    t = threading.Thread(target=go, daemon=True)
    t.start()
    return t, out


@pytest.mark.parametrize("leave,status", [("paused", 3), ("running", 2)])
def test_wait_for_the_campaign_to_drain(sandbox_factory, tmp_path, leave, status):
    """on_cap=wait: the platform dials only a running campaign (and takes numbers only into one
    that is not running, 001:25436-25437), so the import resumes the full campaign, waits for the
    dialling to make room, pauses it, adds the rest, and leaves it as --leave says."""
    sb = sandbox_factory(min_interval=0.1, v2_max=10, max_pending=20, stats_interval=0.2)
    good = write_list(tmp_path / "l.csv", 30, dirty=False)
    with client_for(sb) as c:
        a = make_campaign(c, "drain")
    stop = threading.Event()
    seen = []

    def dialer():  # the platform's dialler: dials whatever the campaign's status allows
        while not stop.wait(0.1):
            seen.append(sb.app.state.row("SELECT status FROM campaigns WHERE id=?", (a,))["status"])
            sb.dial(1, a, 10)

    d = threading.Thread(target=dialer, daemon=True)
    d.start()
    t, out = _import_in_thread(tmp_path / "l.csv", tmp_path / "w",
                               opts(sb, [a], api="v2", v2_max=10, on_cap="wait", drain_poll=0.2, stats_interval=0.2,
                                    leave=leave))
    t.join(60)  # a bound, not a timing: the job needs ~3 s; before the fix it waited for ever
    stop.set()
    d.join()
    assert not t.is_alive(), "--on-cap wait never ended: the campaign was never resumed, so nothing was dialled"
    assert "error" not in out, out.get("error")
    s = out["summary"]
    assert s.complete and s.accepted == 30
    assert 2 in seen, "the campaign ran while the import waited"
    assert_exactly_once(sb, good)
    assert sb.app.state.row("SELECT status FROM campaigns WHERE id=?", (a,))["status"] == status
    job = OutboundImport(tmp_path / "l.csv", tmp_path / "w", opts(sb, [a]))
    assert job.journal.get(f"campaign:{a}") == ("paused" if leave == "paused" else "running")
    job.close()


def test_the_wait_never_adds_to_a_running_campaign(sandbox_factory, tmp_path):
    """A campaign a killed run left running (journal: resuming) is paused before anything is added."""
    sb = sandbox_factory(min_interval=0.1, v2_max=10)
    good = write_list(tmp_path / "l.csv", 20, dirty=False)
    with client_for(sb) as c:
        a = make_campaign(c, "left-running")
    job = OutboundImport(tmp_path / "l.csv", tmp_path / "w", opts(sb, [a], api="v2", v2_max=10, on_cap="wait"))
    job.prepare()
    job.journal.set(f"campaign:{a}", "resuming")  # what a kill right after the resume call leaves
    job.close()
    with client_for(sb) as c:
        c.resume_campaign(a)
    s = import_list(tmp_path / "l.csv", tmp_path / "w", opts(sb, [a], api="v2", v2_max=10, on_cap="wait"))
    assert s.complete and s.accepted == 20
    assert_exactly_once(sb, good)
    assert sb.app.state.row("SELECT status FROM campaigns WHERE id=?", (a,))["status"] == 3


def test_the_sandbox_dials_only_running_campaigns_in_their_windows(sandbox_factory):
    from datetime import datetime

    from callcore.platforms.huawei import CallData, CampaignSpec, ScheduleParam

    sb = sandbox_factory(min_interval=0.0)
    day = datetime.now().strftime("%Y-%m-%d")
    with client_for(sb) as c:
        a = c.create_campaign(CampaignSpec(
            name="win", strBeginTime=f"{day} 00:00:00", strEndTime=f"{day} 23:59:59", deviceType=2,
            callerNo="4008001234", maxAlertingTime=30, callbackUrl="http://127.0.0.1:9/cb", skillParam={"skillId": 1, "outBoundType": 2, "predictParam": {"predictMethod": 5, "offhookPredictParam": {"offHookRate": 100}}},
            scheduleParam=ScheduleParam(workdayBeginTime1="08:00", workdayEndTime1="11:30",
                                        workdayBeginTime2="13:00", workdayEndTime2="17:30")))
        c.add_numbers(a, [CallData(called=f"1390000{i:04d}") for i in range(10)])
        at = datetime.strptime(f"{day} 09:00:00", "%Y-%m-%d %H:%M:%S")
        assert sb.dial(1, a, 1, when=at) == 0  # paused (initStatus 1): never dialled
        c.resume_campaign(a)
        assert sb.dial(1, a, 1, when=at) == 1
        assert sb.dial(1, a, 1, when=at.replace(hour=12)) == 0  # between the windows
        assert sb.dial(1, a, 1, when=at.replace(hour=17, minute=30, second=59)) == 1  # the end minute is inside
        assert sb.dial(1, a, 1, when=at.replace(hour=7, minute=59)) == 0
        c.pause_campaign(a)
        assert sb.dial(1, a, 1, when=at) == 0


def test_file_route_over_a_real_sshd(sandbox_factory, sshd, tmp_path):
    """Workbooks written, uploaded over SFTP to a real OpenSSH server, imported server-side (the
    sandbox reads the uploaded files from the SFTP root), results polled; the tail goes by API."""
    sb = sandbox_factory(min_interval=0.1, sftp_root=sshd.root)
    good = write_list(tmp_path / "l.csv", 103, dirty=False)
    with client_for(sb) as c:
        cid = make_campaign(c, "file")
        sid = c.add_file_server("127.0.0.1", sshd.port, "/", sshd.user, "password-1234")
    o = opts(sb, [cid], sftp=sshd.target(server_id=sid), rows_per_file=50, file_overhead=0.15)
    s = import_list(tmp_path / "l.csv", tmp_path / "w", o)
    assert s.complete and s.adds_up
    assert s.routes == {"file": 100, "api": 3}
    books = sorted(p.name for p in sshd.root.glob("*.xlsx"))
    assert len(books) == 2 and not list(sshd.root.glob("*.part"))
    assert_exactly_once(sb, good)
    tasks = sb.app.state.rows("SELECT * FROM import_tasks")
    assert [(t["status"], t["succ"]) for t in tasks] == [("2", 50), ("2", 50)]


def test_file_route_reimport_is_reconciled(sandbox_factory, sshd, tmp_path):
    sb = sandbox_factory(min_interval=0.1, sftp_root=sshd.root)
    good = write_list(tmp_path / "l.csv", 40, dirty=False)
    with client_for(sb) as c:
        cid = make_campaign(c, "file2")
        sid = c.add_file_server("127.0.0.1", sshd.port, "/", sshd.user, "password-1234")
    o = opts(sb, [cid], route="file", sftp=sshd.target(server_id=sid), rows_per_file=20)
    import_list(tmp_path / "l.csv", tmp_path / "w", o)
    job = OutboundImport(tmp_path / "l.csv", tmp_path / "w", o)
    job.journal.execute("UPDATE batches SET state='importing', task_id=NULL WHERE id=1")  # killed during the import call
    job.close()
    s = import_list(tmp_path / "l.csv", tmp_path / "w", o)
    assert s.complete and s.accepted == 40
    assert_exactly_once(sb, good)


def test_cli_json_summary_and_credentials_from_env(sandbox_factory, tmp_path):
    sb = sandbox_factory(min_interval=0.2)
    write_list(tmp_path / "l.csv", 25)
    with client_for(sb) as c:
        cid = make_campaign(c, "cli")
    env = dict(os.environ, CALLCORE_ACCESS_KEY=sb.access_key, CALLCORE_SECRET_KEY=sb.secret_key)
    cmd = [sys.executable, "-m", "callcore.cli", "outbound", "import", str(tmp_path / "l.csv"), "--platform", "huawei",
           "--campaign", str(cid), "--endpoint", sb.url, "--workdir", str(tmp_path / "w"), "--json"]
    r = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stderr
    d = json.loads(r.stdout)
    assert d["adds_up"] and d["accepted"] == 25 and d["input_rows"] == 30
    assert sb.secret_key not in r.stdout + r.stderr
    env.pop("CALLCORE_SECRET_KEY")
    r = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=60)
    assert r.returncode == 2 and "CALLCORE_SECRET_KEY" in r.stderr


def test_changed_list_is_refused(sandbox_factory, tmp_path):
    sb = sandbox_factory(min_interval=0.1)
    write_list(tmp_path / "l.csv", 5, dirty=False)
    with client_for(sb) as c:
        cid = make_campaign(c, "changed")
    import_list(tmp_path / "l.csv", tmp_path / "w", opts(sb, [cid]))
    time.sleep(0.01)
    with open(tmp_path / "l.csv", "a") as f:
        f.write("13912345678,new\n")
    with pytest.raises(ValueError, match="changed since this job started"):
        import_list(tmp_path / "l.csv", tmp_path / "w", opts(sb, [cid]))


@pytest.mark.parametrize("damage", ["one digit", "truncated", "row dropped", "missing"])
def test_a_clean_file_changed_after_the_clean_is_refused(sandbox_factory, tmp_path, damage):
    """A resumed import sends clean.csv's rows by position: a file edited, cut or removed since the
    clean is refused with its name, before anything is sent, and the work folder keeps its state."""
    sb = sandbox_factory(min_interval=0.1)
    good = write_list(tmp_path / "l.csv", 12, dirty=False)
    with client_for(sb) as c:
        cid = make_campaign(c, "edited")
    first = import_list(tmp_path / "l.csv", tmp_path / "w", opts(sb, [cid]))
    assert first.complete
    clean = tmp_path / "w" / "clean.csv"
    text = clean.read_bytes()
    if damage == "one digit":  # same size, other content
        at = text.index(good[3].encode()) + len(good[3]) - 1
        clean.write_bytes(text[:at] + (b"1" if text[at:at + 1] != b"1" else b"2") + text[at + 1:])
    elif damage == "truncated":
        clean.write_bytes(text[: len(text) // 2])
    elif damage == "row dropped":
        lines = text.splitlines(keepends=True)
        clean.write_bytes(b"".join(lines[:2] + lines[3:]))
    else:
        clean.unlink()
    sent = len(calldata(sb))
    with pytest.raises(ValueError, match=r"clean\.csv: (changed since the clean|missing)"):
        import_list(tmp_path / "l.csv", tmp_path / "w", opts(sb, [cid]))
    assert len(calldata(sb)) == sent


def test_preflight_refuses_running_and_missing_campaigns_before_sending(sandbox_factory, tmp_path):
    from callcore.pipelines.outbound import ImportFailed

    sb = sandbox_factory(min_interval=0.1)
    write_list(tmp_path / "l.csv", 10, dirty=False)
    with client_for(sb) as c:
        cid = make_campaign(c, "running")
        c.resume_campaign(cid)
    with pytest.raises(ImportFailed, match="is running"):
        import_list(tmp_path / "l.csv", tmp_path / "w", opts(sb, [cid]))
    with pytest.raises(ImportFailed, match="not found"):
        import_list(tmp_path / "l.csv", tmp_path / "w2", opts(sb, [cid + 100]))
    assert calldata(sb) == []
    with client_for(sb) as c:
        c.pause_campaign(cid)
    s = import_list(tmp_path / "l.csv", tmp_path / "w", opts(sb, [cid]))
    assert s.complete and s.accepted == 10


def test_cli_over_tls_with_a_private_ca(tmp_path):
    from callcore.sandbox.huawei import HuaweiSandbox

    key, cert = tmp_path / "k.pem", tmp_path / "c.pem"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", str(key), "-out",
                    str(cert), "-days", "1", "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1"],
                   check=True, capture_output=True)
    write_list(tmp_path / "l.csv", 15, dirty=False)
    with HuaweiSandbox(tmp_path / "st", ssl_certfile=str(cert), ssl_keyfile=str(key)) as sb:
        sb.app.cfg.min_interval = 0.1
        cid = sb.app.state.insert("INSERT INTO campaigns (vdn, name, status, device_type, spec, created) "
                                  "VALUES (1, 'tls', 3, 2, '{}', 0)")
        env = dict(os.environ, CALLCORE_ACCESS_KEY=sb.access_key, CALLCORE_SECRET_KEY=sb.secret_key)
        cmd = [sys.executable, "-m", "callcore.cli", "outbound", "import", str(tmp_path / "l.csv"), "--campaign",
               str(cid), "--endpoint", sb.url, "--workdir", str(tmp_path / "w"), "--json"]
        r = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=120)
        assert r.returncode == 2 and "--ca-file" in r.stderr
        r = subprocess.run(cmd + ["--ca-file", str(cert)], env=env, capture_output=True, text=True, timeout=120)
        assert r.returncode == 0, r.stderr
        assert json.loads(r.stdout)["accepted"] == 15


def test_pending_cap_creates_the_next_campaigns(sandbox_factory, tmp_path):
    """--create-campaigns: when the only campaign is full, new ones (copies of it, paused) take
    the rest; each row lands once."""
    sb = sandbox_factory(min_interval=0.1, v2_max=10, max_pending=25)
    good = write_list(tmp_path / "l.csv", 60, dirty=False)
    with client_for(sb) as c:
        a = make_campaign(c, "auto")
    s = import_list(tmp_path / "l.csv", tmp_path / "w", opts(sb, [a], api="v2", v2_max=10, create_campaigns=3))
    assert s.complete and s.adds_up and s.accepted == 60
    assert len(s.created_campaigns) == 2 and s.campaigns == {str(a): 20, **{str(c): 20 for c in s.created_campaigns}}
    names = {r["id"]: r["name"] for r in sb.app.state.rows("SELECT id, name, status FROM campaigns")}
    assert all(names[c].startswith("callcore-") for c in s.created_campaigns)
    assert {r["status"] for r in sb.app.state.rows("SELECT status FROM campaigns")} == {3}  # created paused
    assert_exactly_once(sb, good)


def test_a_campaign_creation_cut_short_is_found_not_repeated(sandbox_factory, tmp_path):
    """The run that wrote the new campaign's name to the journal was killed after the platform
    created it but before its id was journaled: the next run finds it by name (7.1.7) and uses it;
    no second campaign is created."""
    sb = sandbox_factory(min_interval=0.1, v2_max=10, max_pending=25)
    good = write_list(tmp_path / "l.csv", 40, dirty=False)
    with client_for(sb) as c:
        a = make_campaign(c, "cut")
    s1 = import_list(tmp_path / "l.csv", tmp_path / "w", opts(sb, [a], api="v2", v2_max=10))
    assert s1.accepted == 20 and s1.not_imported == 20  # held: no room anywhere
    job = OutboundImport(tmp_path / "l.csv", tmp_path / "w", opts(sb, [a]))
    name = f"callcore-{job.journal.get('job')}-1"
    job.journal.set("created_campaigns", [{"name": name, "id": None}])
    job.close()
    with client_for(sb) as c:
        made = make_campaign(c, name)  # what the killed run had created
    s2 = import_list(tmp_path / "l.csv", tmp_path / "w", opts(sb, [a], api="v2", v2_max=10, create_campaigns=1))
    assert s2.complete and s2.accepted == 40 and s2.created_campaigns == [made]
    assert sb.app.state.row("SELECT COUNT(*) n FROM campaigns")["n"] == 2
    assert_exactly_once(sb, good)


def _cli(sb, tmp_path, cid, *more):
    env = dict(os.environ, CALLCORE_ACCESS_KEY=sb.access_key, CALLCORE_SECRET_KEY=sb.secret_key)
    cmd = [sys.executable, "-m", "callcore.cli", "outbound", "import", str(tmp_path / "l.csv"), "--campaign", str(cid),
           "--endpoint", sb.url, "--workdir", str(tmp_path / "w"), "--api", "v2", "--v2-max", "10", "--min-interval",
           "0.3", "--json", *more]
    return subprocess.Popen(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def _holds(folder: Path, pid: int) -> bool:
    p = folder / ".callcore.lock"
    return p.exists() and p.read_text().startswith(f"PID {pid} ")


@pytest.mark.parametrize("stagger", [False, True])
def test_two_imports_on_one_folder_never_send_a_batch_twice(sandbox_factory, tmp_path, stagger):
    """Issue 11 item 4: a second import on the same work folder, started together with the first
    or once the first is under way, is refused with the holder's PID; every row lands once."""
    sb = sandbox_factory(min_interval=0.3, v2_max=10)
    good = write_list(tmp_path / "l.csv", 100, dirty=False)  # 10 paced calls: ~3 s
    with client_for(sb) as c:
        cid = make_campaign(c, "lock")
    first = _cli(sb, tmp_path, cid)
    if stagger:  # the first has taken the folder (and may be sending) before the second starts
        while not _holds(tmp_path / "w", first.pid) and first.poll() is None:
            time.sleep(0.05)
        while not calldata(sb, cid) and first.poll() is None:
            time.sleep(0.05)
    second = _cli(sb, tmp_path, cid)
    out = {p.pid: (p.communicate(timeout=120), p.returncode) for p in (first, second)}
    codes = sorted(rc for _, rc in out.values())
    assert codes == [0, 3], {pid: (rc, io[1][-500:]) for pid, (io, rc) in out.items()}
    (_, err), _ = next(v for v in out.values() if v[1] == 3)
    (winner_out, _), _ = next(v for v in out.values() if v[1] == 0)
    winner = next(pid for pid, v in out.items() if v[1] == 0)
    assert f"in use by PID {winner} (callcore outbound import)" in err and "--wait" in err
    assert json.loads(winner_out)["accepted"] == 100
    assert_exactly_once(sb, good)


def test_a_second_import_with_wait_resumes_after_the_first(sandbox_factory, tmp_path):
    sb = sandbox_factory(min_interval=0.3, v2_max=10)
    good = write_list(tmp_path / "l.csv", 60, dirty=False)
    with client_for(sb) as c:
        cid = make_campaign(c, "lock-wait")
    first = _cli(sb, tmp_path, cid)
    while not _holds(tmp_path / "w", first.pid) and first.poll() is None:
        time.sleep(0.05)
    second = _cli(sb, tmp_path, cid, "--wait")
    (o1, e1), (o2, e2) = first.communicate(timeout=120), second.communicate(timeout=120)
    assert (first.returncode, second.returncode) == (0, 0), (e1[-500:], e2[-500:])
    assert json.loads(o1)["accepted"] == json.loads(o2)["accepted"] == 60  # the second found it all done
    assert_exactly_once(sb, good)
