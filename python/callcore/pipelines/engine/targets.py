"""The import's hold on its targets: new targets past the pending cap, ``--on-cap wait`` (let a
target dial until it has room), running/paused states journaled before and after each change,
settled on start and left as ``--leave`` says at the end. Only for adapters that can (``can_create``,
``can_pause``); each state change goes through the platform's adapter."""
from __future__ import annotations

import json
import threading
import time
from typing import Any

from callcore.platforms.errors import (AuthenticationError, ClientValidationError, ClockSkewError, NotFoundError,
                                       PlatformError, RateLimitError)

from ..adapters.base import PlatformAdapter
from ..journal import Journal
from ..options import ImportFailed, ImportOptions
from ..retrying import log_wait, retry_call


class StillNot(PlatformError):
    """A target is not yet in the state asked for: look at it again at once."""

    retryable = True


class TargetStates:
    """The target-handling half of :class:`~callcore.pipelines.engine.job.OutboundImport`."""

    settings: ImportOptions
    journal: Journal
    adapter: PlatformAdapter[Any]
    campaigns: list[int]
    job: str
    stop: threading.Event
    _create_lock: threading.Lock
    _campaigns_lock: threading.Lock

    def count_reconcile(self, what: str, db: Any) -> None:
        raise NotImplementedError

    def new_campaign(self) -> int | None:
        """Creates the next campaign, at most ``create_campaigns`` in all, journaled so that a crash
        never creates one twice: the name (unique: job + number) is written BEFORE the create call
        and the id AFTER it; a name without an id (killed, or the answer lost) is looked up on the
        platform (7.1.7) before anything is created again."""
        with self._create_lock:
            made = self.journal.get("created_campaigns", [])
            if made and made[-1]["id"] is None:
                entry = made[-1]
            else:
                if len(made) >= self.settings.create_campaigns:
                    return None
                entry = {"name": f"callcore-{self.job}-{len(made) + 1}", "id": None}
                made.append(entry)
                self.journal.set("created_campaigns", made)  # BEFORE

            def look_up_or_create() -> int:
                found = self.adapter.find_target(entry["name"])
                return found if found is not None else self.adapter.create_target(self.campaigns[0], entry["name"])

            def again(e: BaseException) -> bool:  # outcome unknown or name taken: look it up again
                return isinstance(e, PlatformError) and not isinstance(e, ClientValidationError) and \
                    (e.retryable or self.adapter.name_taken(e))

            try:
                cid = int(retry_call(look_up_or_create, policy=self.settings.retry, retry_on=again,
                                     what=f"creating campaign {entry['name']}"))
            except PlatformError as e:
                raise ImportFailed(f"creating campaign {entry['name']}: {e}") from e
            with self.journal.tx() as db:  # AFTER: the id and its count in one transaction
                self.journal.set("created_campaigns", [*made[:-1], {**entry, "id": cid}], db)
                self.count_reconcile("campaigns created past the pending cap", db)
            entry["id"] = cid  # in memory only once it is durable
            with self._campaigns_lock:
                self.campaigns.append(cid)
            return cid

    def wait_drain(self, cid: int) -> None:
        """--on-cap wait: the platform dials only a running campaign, and numbers can be added only
        to one that is not running (001:25436-25437). So: resume it, wait until it has dialled
        enough for the rest of its batches (or everything), pause it, and let the lane add again.
        Each status change is journaled before and after (:meth:`put`), so a run killed at any
        point leaves a known state that the next run puts right (:meth:`settle_campaigns`)."""
        adapter = self.adapter
        if not adapter.can_pause:
            raise ImportFailed(f"--on-cap wait: {adapter.name} targets cannot be resumed by the import; "
                               "use --on-cap spill with further --campaign targets")
        cap = adapter.pending_cap or 0
        poll = max(self.settings.drain_poll, adapter.poll_interval)  # the platform answers once per interval

        def look_again_after(e: BaseException, attempt: int) -> float:
            if isinstance(e, RateLimitError):
                return adapter.poll_interval  # the platform's interval (Huawei 7.4.7, 001:26271), as configured
            retry_after = getattr(e, "retry_after", None)
            return float(retry_after) if retry_after is not None else self.settings.drain_poll

        self.put(cid, "running")
        while not self.stop.is_set():
            left = retry_call(adapter.uncalled, cid, policy=self.settings.retry, wait=look_again_after,
                              what=f"campaign {cid}: numbers still to call")
            if left is None:
                raise ImportFailed(f"--on-cap wait: {adapter.name} offers no count of numbers still to call; "
                                   "use --on-cap spill with further --campaign targets")
            rest = self.journal.row("SELECT SUM(n) s FROM batches WHERE campaign=? AND route='api' AND state IN "
                                    "('planned','unknown','sending')", (cid,))
            rest_rows = int(rest["s"] or 0) if rest is not None else 0
            # room for all its remaining rows, or for as many as the cap allows (then it is empty)
            if left + min(rest_rows, cap) <= cap:
                break
            log_wait(f"campaign {cid}", poll, f"full: {left:,} numbers still to call, {rest_rows:,} rows to add")
            time.sleep(poll)
        self.put(cid, "paused")

    def put(self, cid: int, want: str) -> None:
        """Brings campaign *cid* to ``running`` or ``paused``: the intent is journaled before the
        call (``campaign:<id>`` = resuming / pausing) and the result after it, so that a kill
        between the two leaves a state the next run recognises. The call is made only when the
        platform's status differs, and a refused or lost answer is judged by reading the status
        again (a pause whose answer was lost must not be taken for a failure)."""
        key = f"campaign:{cid}"
        self.journal.set(key, "resuming" if want == "running" else "pausing")  # BEFORE
        policy = self.settings.retry

        def bring() -> None:
            now = self.adapter.status(cid)
            if now == want:
                return
            if now == "finished":
                raise ImportFailed(f"campaign {cid} is finished: it cannot be {want}")
            (self.adapter.resume if want == "running" else self.adapter.pause)(cid)
            now = self.adapter.status(cid)  # the status after the call says whether it worked
            if now != want:
                raise StillNot(f"campaign {cid}: {now}, asked to be {want}")

        def again(e: BaseException) -> bool:  # anything but a refusal of who we are or what we name
            return isinstance(e, PlatformError) and (
                isinstance(e, ClockSkewError) or not isinstance(e, (AuthenticationError, NotFoundError)))

        try:
            retry_call(bring, policy=policy, retry_on=again, what=f"campaign {cid}: make it {want}")
        except StillNot as e:
            raise ImportFailed(f"campaign {cid}: still not {want} after {policy.attempts} attempts ({e})") from e
        except (AuthenticationError, NotFoundError) as e:
            raise ImportFailed(f"campaign {cid}: {e}") from e
        except PlatformError as e:
            raise ImportFailed(f"campaign {cid}: could not make it {want}: {e}") from e
        self.journal.set(key, want)  # AFTER

    def settle_campaigns(self) -> None:
        """Before anything is added: a campaign a killed run left running, or was resuming or
        pausing, is paused again (numbers cannot be added to a running campaign, 001:25437); so is
        one an earlier run left running at the user's request that has rows to take now."""
        for r in self.journal.rows("SELECT k, v FROM meta WHERE k LIKE 'campaign:%'"):
            cid, state = int(r["k"].split(":", 1)[1]), json.loads(r["v"])
            if state == "paused":
                continue
            if state == "running" and not self.journal.row(
                    "SELECT 1 FROM batches WHERE campaign=? AND state NOT IN ('accepted','done','split','rejected',"
                    "'held')", (cid,)) and self.journal.get("left") == "running":
                continue
            self.put(cid, "paused")

    def leave_campaigns(self) -> None:
        """--leave: every campaign the import put rows into ends ``paused`` or ``running``."""
        if not self.adapter.can_pause:
            return
        want = self.settings.leave
        used = [r["campaign"] for r in self.journal.rows(
            "SELECT DISTINCT campaign FROM batches WHERE campaign IS NOT NULL AND state IN ('accepted','done') "
            "ORDER BY campaign")]
        mine = {int(r["k"].split(":", 1)[1]) for r in self.journal.rows("SELECT k FROM meta WHERE k LIKE 'campaign:%'")}
        for cid in used:
            # paused: only campaigns this import ever ran need it (the others were never started by it)
            if want == "running" or cid in mine:
                self.put(cid, want)
        self.journal.set("left", want)
