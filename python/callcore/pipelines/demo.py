"""``callcore demo``: the whole story on embedded defaults.

Starts the Huawei sandbox in process (real HTTP on loopback, its real rate rules: 20 numbers per
v1 call, one call a second per campaign, 200,000 pending per campaign, statistics once per five
minutes), and a throwaway OpenSSH server on loopback as the registered SFTP file server when
``/usr/sbin/sshd`` exists. Then: make a dirty list, clean it, import it (SFTP workbooks for the
bulk, the API for the tail), let the sandbox dial some of it and push the results to a receiver on
loopback through a lossy network (the 7.6.1 schedule on a compressed clock), give every input row
its outcome, sync and transcode the recordings the pushes named, and print what happened at each
step and where everything is.
"""
from __future__ import annotations

import json
import math
import os
import shutil
import time
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import numpy as np

#: mobile prefixes allocated for years (so the prefix table accepts them)
_PREFIXES = np.array([130, 131, 132, 133, 134, 135, 136, 137, 138, 139, 150, 151, 152, 155, 156, 157, 158, 159,
                      180, 181, 182, 183, 185, 186, 187, 188, 189], dtype=np.int64)


def make_dirty_list(path: Path, rows: int, *, tail: int = 150, seed: int = 2026) -> dict[str, Any]:
    """Writes a dirty call list of *rows* rows (``phone,name`` CSV) and a local blacklist beside
    it. About 80 % unique valid mobiles in assorted spellings (+86, spaces, dashes, brackets), 12 %
    duplicates of them, 6 % invalid, 2 % blacklisted. The unique count is chosen so that the clean
    list fills whole 200,000-row campaigns plus a short *tail* (the API's share)."""
    rng = np.random.default_rng(seed)
    unique = max(1, (int(rows * 0.8) // 200_000) * 200_000 + tail) if rows >= 250_000 else max(1, int(rows * 0.8))
    unique = min(unique, rows)
    black = min(int(rows * 0.02), rows - unique)
    dups = min(int(rows * 0.12), rows - unique - black)
    invalid = rows - unique - black - dups
    # unique numbers: prefix + 8 random digits, distinct
    need = unique + black
    nums = np.empty(0, dtype=np.int64)
    while len(nums) < need:
        more = _PREFIXES[rng.integers(0, len(_PREFIXES), need * 2)] * 100_000_000 + rng.integers(0, 100_000_000, need * 2)
        nums = np.unique(np.concatenate([nums, more]))
    nums = rng.permutation(nums)[:need]
    good, bl = nums[:unique], nums[unique:]
    dup_src = good[rng.integers(0, unique, dups)] if dups else np.empty(0, dtype=np.int64)
    styles = rng.integers(0, 6, unique + dups + black)

    def spell(n: int, st: int) -> str:
        s = str(n)
        if st == 0:
            return s
        if st == 1:
            return "+86 " + s[:3] + " " + s[3:7] + " " + s[7:]
        if st == 2:
            return s[:3] + "-" + s[3:7] + "-" + s[7:]
        if st == 3:
            return "86" + s
        if st == 4:
            return "(+86)" + s
        return " " + s + " "

    bad_pool = ["", "abc", "1380013800", "138001380001234567890123x", "n/a", "0", "+86 138", "1390000000a"]
    lines: list[str] = []
    k = 0
    for arr in (good, dup_src, bl):
        for n in arr.tolist():
            lines.append(f'"{spell(n, int(styles[k]))}",c{k}')
            k += 1
    for i in range(invalid):
        lines.append(f'"{bad_pool[i % len(bad_pool)]}",x{i}')
    order = rng.permutation(len(lines))
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", encoding="utf-8") as f:
        f.write("phone,name\n")
        f.write("\n".join(lines[i] for i in order.tolist()))
        f.write("\n")
    blpath = path.with_name("blacklist.txt")
    blpath.write_text("\n".join(str(n) for n in bl.tolist()) + "\n")
    return {"rows": rows, "unique": unique, "duplicates": dups, "invalid": invalid, "blacklisted": black,
            "blacklist": str(blpath)}


#: the fallback without an SFTP server: the platform's isales.api.calldata.max (records per v2
#: call, a server setting, 001:25586) raised so that the API alone can carry the list
FALLBACK_V2_MAX = 5000


def run_demo(workdir: str | Path = "callcore-demo", rows: int = 1_000_000, quiet: bool = False,
             sftp: bool = True) -> int:
    from rich.console import Console
    from rich.table import Table

    from callcore.platforms.huawei import BlacklistAdd, CampaignSpec, HuaweiClient, ScheduleParam
    from callcore.sandbox.huawei import HuaweiConfig, HuaweiSandbox

    from .cli_common import _Bars, import_table
    from .adapters.huawei import PENDING_CAP, HuaweiImportOptions
    from .outbound import ImportOptions, OutboundImport
    from .recordings import SyncOptions, sync_recordings
    from .sftp import LoopbackSshd
    from callcore.receivers import EventStore, huawei_app
    from callcore.sandbox import pushes
    from callcore.sandbox._server import ServerThread

    from .outcomes import write_outcomes
    from .push_recordings import use_pushes

    t_start = time.monotonic()
    console = Console()
    err = Console(stderr=True)
    wd = Path(workdir).resolve()
    for sub in ("sandbox", "sftp", "import", "recordings", "list", "pushes"):
        shutil.rmtree(wd / sub, ignore_errors=True)
    wd.mkdir(parents=True, exist_ok=True)
    timings: dict[str, float] = {}
    notes: list[str] = []

    sshd = None
    sftp_root = wd / "sftp"
    if not sftp:
        notes.append("--no-sftp: no SFTP file server")
    elif LoopbackSshd.available():
        try:
            sshd = LoopbackSshd(sftp_root).start()
        except (OSError, RuntimeError) as e:
            notes.append(f"sshd could not start ({e}); every row goes by the API")
            sshd = None
    else:
        notes.append("/usr/sbin/sshd not found: no SFTP file server")
    if sshd is None:
        notes.append(f"without the file route every row goes by the API: the sandbox's isales.api.calldata.max is "
                     f"raised to {FALLBACK_V2_MAX} and the v2 add-numbers API is used (at the default 20 a call, "
                     "one call a second per campaign, a million rows would take hours)")
    cfg = HuaweiConfig(sftp_root=sftp_root if sshd else None, v2_max=20 if sshd else FALLBACK_V2_MAX)
    sb = HuaweiSandbox(wd / "sandbox", config=cfg).start()
    # the customer's side of the loop: a receiver for the campaigns' 7.6.1 result pushes
    store = EventStore(wd / "pushes")
    receiver = ServerThread(huawei_app(store))
    receiver.start()
    callback_url = f"http://127.0.0.1:{receiver.port}/huawei/results"
    # the platform pushes as Huawei does (at once, again at once, then every 10 minutes, 6 at most;
    # 10 minutes pass in 0.1 s here) over a network that loses some deliveries and some answers
    pusher = pushes.attach(sb.app, pushes.Pusher(speed=6000, lose=0.25, lose_answer=0.05, seed=2026))
    try:
        hw = HuaweiClient(sb.url, sb.access_key, sb.secret_key, vdn_id=1)
        err.print(f"[bold]Huawei sandbox[/] on {sb.url} (state {wd / 'sandbox'})"
                  + (f"; [bold]sshd[/] on 127.0.0.1:{sshd.port} (SFTP root {sftp_root})" if sshd else ""))

        t = time.monotonic()
        with err.status(f"making a dirty list of {rows:,} rows"):
            made = make_dirty_list(wd / "list" / "dirty-list.csv", rows)
        timings["make list"] = time.monotonic() - t

        # the platform side: file server, campaigns, a few numbers on the platform's own blacklist
        sftp_target = None
        if sshd:
            server_id = hw.add_file_server("127.0.0.1", sshd.port, "/", sshd.user, "demo-" + sshd.dir.name[-12:])
            sftp_target = sshd.target(server_id=server_id)
        n_campaigns = max(1, math.ceil((made["unique"] + 1) / PENDING_CAP))
        today = datetime.now()
        campaigns = []
        for i in range(n_campaigns):
            spec = CampaignSpec(name=f"demo-{i + 1}", strBeginTime=today.strftime("%Y-%m-%d 00:00:00"),
                                strEndTime=(today + timedelta(days=30)).strftime("%Y-%m-%d 23:00:00"), deviceType=2,
                                callerNo="4008001234", maxAlertingTime=30,
                                scheduleParam=ScheduleParam(workdayBeginTime1="00:00", workdayEndTime1="23:59"),
                                callbackUrl=callback_url, skillParam={"skillId": 1, "outBoundType": 2, "predictParam": {"predictMethod": 5, "offhookPredictParam": {"offHookRate": 100}}})
            campaigns.append(hw.create_campaign(spec))

        # the last campaign's tail goes by API: put two of its numbers on the platform's blacklist
        import_dir = wd / "import"
        t = time.monotonic()
        with _Bars(quiet) as bars:
            huawei = HuaweiImportOptions(route="auto", api="v1" if sshd else "v2",
                                         v2_max=20 if sshd else FALLBACK_V2_MAX, sftp=sftp_target,
                                         rows_per_file=100_000)
            opts = ImportOptions(campaigns=campaigns, endpoint=sb.url, access_key=sb.access_key,
                                 secret_key=sb.secret_key, platform_options=huawei, blacklist=made["blacklist"],
                                 workers=4)
            job = OutboundImport(wd / "list" / "dirty-list.csv", import_dir, opts, progress=bars.import_cb)
            try:
                job.prepare()
                tail = job.journal.rows("SELECT start, n FROM batches WHERE route='api' ORDER BY start LIMIT 1")
                if tail:
                    picks = [job.dial[tail[0]["start"] + 3], job.dial[tail[0]["start"] + tail[0]["n"] // 2]]
                    hw.blacklist_add(BlacklistAdd(blocklist=sorted(set(picks))))
                    notes.append(f"{len(set(picks))} numbers sent by the API are on the platform's own blacklist "
                                 "(the sandbox refuses them with 0200024)")
                s = job.run()
            finally:
                job.close()
        timings["clean + import"] = time.monotonic() - t

        # the platform dials some numbers (calls, CDRs, recordings) and pushes each dial's results
        t = time.monotonic()
        hw.resume_campaign(campaigns[0])  # the platform dials only a running campaign (001:22758)
        dialled = sum(sb.dial(1, campaigns[0], 20, push=True) for _ in range(20))
        hw.pause_campaign(campaigns[0])
        drained = pusher.drain(120)
        timings["dial + pushes"] = time.monotonic() - t

        # every input row's outcome, from the pushed results
        t = time.monotonic()
        results_csv = wd / "results.csv"
        outcome = write_outcomes(import_dir, results_csv, store=wd / "pushes")
        timings["outcomes"] = time.monotonic() - t

        # the recordings the pushes named, fetched and transcoded
        t = time.monotonic()
        now = datetime.now()
        rec_dir = wd / "recordings"
        queued = len(store.queued_recordings("huawei"))
        with _Bars(quiet) as bars:
            ss = sync_recordings(use_pushes(SyncOptions(
                sb.url, sb.access_key, sb.secret_key, begin=(now - timedelta(hours=12)).strftime("%Y-%m-%d %H:%M:%S"),
                end=(now + timedelta(minutes=1)).strftime("%Y-%m-%d %H:%M:%S"), out_dir=str(rec_dir), to_format="mp3",
                workers=4), wd / "pushes"), progress=bars.sync_cb)
        timings["recording sync"] = time.monotonic() - t
        hw.close()
    finally:
        pusher.close()
        receiver.stop()
        sb.stop()
        if sshd:
            sshd.close()
    counts = store.counts()
    store.close()
    log = pusher.log
    acked = {e["push"] for e in log if e["ok"]}
    loop = {"dialled": dialled, "pushes": len({e["push"] for e in log}), "deliveries": len(log),
            "first_deliveries_failed": sum(1 for e in log if e["delivery"] == 1 and not e["ok"]),
            "redelivered_after_10_min": sum(1 for e in log if e["delivery"] >= 3), "acknowledged": len(acked),
            "gave_up_after_6": len({e["push"] for e in log} - acked), "drained": drained,
            "events_stored": counts["events"], "re_pushes_not_stored_again": counts["duplicates"],
            "recordings_queued": queued, "outcomes": outcome}
    o = outcome["outcomes"]
    loop["reconciles"] = (counts["events"] == dialled and o["answered"] + o["failed"] == dialled
                          and outcome["reconciles"] and ss.recordings == queued)

    total = time.monotonic() - t_start
    console.print(import_table(s))
    routes = ", ".join(f"{'SFTP workbooks' if r == 'file' else 'API'} {n:,}" for r, n in sorted(s.routes.items()))
    console.print(f"campaigns {', '.join(map(str, campaigns))} (at most {PENDING_CAP:,} pending each); "
                  f"accepted by route: {routes}")
    lt = Table(title="the campaign loop: dial -> push -> receiver -> outcome of every row", title_justify="left")
    lt.add_column("")
    lt.add_column("", justify="right")
    lt.add_row("calls dialled by the sandbox", f"{dialled:,}")
    lt.add_row("result pushes (deliveries; first deliveries lost or refused; re-pushed after 10 min)",
               f"{loop['pushes']:,} ({len(log):,}; "
               f"{loop['first_deliveries_failed']:,}; {loop['redelivered_after_10_min']:,})")
    lt.add_row("results stored by the receiver (re-pushes acknowledged, not stored again)",
               f"{counts['events']:,} ({counts['duplicates']:,})")
    for k in ("answered", "failed", "pending", "refused", "not_imported", "not_sent"):
        lt.add_row(f"  outcome {k}", f"{o[k]:,}")
    lt.add_row("  total (= input rows)", f"{sum(o.values()):,} ({'=' if outcome['reconciles'] else '!='} "
                                          f"{outcome['input_rows']:,})")
    lt.add_row("reconciles (stored = dialled = answered + failed; rows = input; recordings synced = named)",
               "yes" if loop["reconciles"] else "NO")
    console.print(lt)
    rt = Table(title="recordings named by pushes", title_justify="left")
    rt.add_column("")
    rt.add_column("", justify="right")
    rt.add_row("recordings named by the pushes", f"{queued:,}")
    rt.add_row("downloaded + transcoded to MP3", f"{ss.converted:,} ({ss.bytes_in / 1e6:.1f} MB A-law -> {ss.bytes_out / 1e6:.1f} MB MP3)")
    rt.add_row("failed", f"{ss.failed:,}")
    console.print(rt)
    tt = Table(title="where things are", title_justify="left", show_header=False)
    tt.add_column(no_wrap=True)
    tt.add_column(overflow="fold")
    def show(p: object) -> str:
        """Paths under the current folder are shown relative to it (shorter, copy-pasteable)."""
        s_ = str(p)
        try:
            rel = os.path.relpath(s_)
        except ValueError:
            return s_
        return s_ if rel.startswith("..") else rel

    for k, v in (("dirty list", wd / "list" / "dirty-list.csv"), ("clean list", s.clean_file),
                 ("rejects (row, input, reason)", s.rejects_file), ("import journal (SQLite)", s.journal),
                 ("outcome of every row", results_csv), ("pushes received (SQLite)", wd / "pushes"),
                 ("workbooks on the SFTP server", sftp_root if sshd else "(no SFTP server)"),
                 ("recordings (MP3)", rec_dir), ("manifest", ss.manifest),
                 ("sandbox state", wd / "sandbox"), ("summary (JSON)", wd / "summary.json")):
        tt.add_row(k, show(v))
    console.print(tt)
    for n in notes:
        console.print(f"note: {n}")
    console.print("time: " + ", ".join(f"{k} {v:.1f} s" for k, v in timings.items()) + f"; total {total:.1f} s")
    (wd / "summary.json").write_text(json.dumps({"import": s.to_dict(), "recordings": ss.to_dict(), "list": made,
                                                 "loop": loop,
                                                 "campaigns": campaigns, "timings": timings, "seconds": total,
                                                 "notes": notes}, ensure_ascii=False, indent=2))
    ok = s.complete and s.adds_up and ss.complete and loop["reconciles"]
    console.print("[green]demo OK[/]" if ok else "[red]demo incomplete[/]")
    return 0 if ok else 1
