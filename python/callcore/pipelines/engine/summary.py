"""The import's reconciliation, read from its journal: every input row counted once."""
from __future__ import annotations

from pathlib import Path

from ..journal import Journal
from ..options import ImportSummary


def summarize(journal: Journal, platform: str, workdir: Path, clean_file: Path, rejects_file: Path) -> ImportSummary:
    """Accepted, refused by the platform (per code), invalid, duplicate, blacklisted and not yet
    imported rows; they add up to the input rows."""
    cs = journal.get("clean") or {}
    per = dict(cs.get("per_reason") or {})
    dup, bl, ai = per.pop("duplicate", 0), per.pop("blacklisted", 0), per.pop("already_imported", 0)
    accepted = 0
    rejected: dict[str, int] = {}
    for r in journal.rows("SELECT code, COUNT(*) n FROM rejects GROUP BY code"):
        rejected[str(r["code"])] = r["n"]
    accepted += _sum(journal, "SELECT SUM(accepted) s FROM batches WHERE route='api' AND state='accepted'")
    for r in journal.rows("SELECT code, SUM(failed) n FROM batches WHERE route='api' AND state='accepted' AND failed>0 "
                      "GROUP BY code"):  # refused by count only (SCCC report.error)
        k = str(r["code"] or f"{platform}: refused")
        rejected[k] = rejected.get(k, 0) + int(r["n"])
    for r in journal.rows("SELECT * FROM batches WHERE route!='api' AND state='done'"):
        accepted += r["accepted"]
        if r["platform_dup"]:
            rejected["file-import: duplicate (repeatNum)"] = rejected.get("file-import: duplicate (repeatNum)", 0) + r["platform_dup"]
        if r["failed"]:
            k = f"{r['code'] or 'file-import'}: failed (failNum)"
            rejected[k] = rejected.get(k, 0) + r["failed"]
    clean = int(cs.get("clean", 0))
    not_imported = clean - accepted - sum(rejected.values())
    states = {r["state"]: r["n"] for r in journal.rows("SELECT state, COUNT(*) n FROM batches GROUP BY state")}
    camps = {str(r["campaign"]): int(r["s"] or 0) for r in journal.rows(
        "SELECT campaign, SUM(accepted) s FROM batches WHERE state IN ('accepted','done') GROUP BY campaign")}
    routes = {r["route"]: int(r["s"] or 0) for r in journal.rows(
        "SELECT route, SUM(accepted) s FROM batches WHERE state IN ('accepted','done') GROUP BY route")}
    rec = {r["k"].split(":", 1)[1]: int(r["v"]) for r in journal.rows("SELECT k, v FROM meta WHERE k LIKE 'reconciled:%'")}
    already = _sum(journal, "SELECT SUM(platform_dup) s FROM batches WHERE route='api' AND state='accepted'")
    if already:
        rec["rows already on the platform when sent (SCCC report.repeat), counted as accepted"] = int(already)
    return ImportSummary(
        input_rows=int(cs.get("rows", 0)), clean=clean, invalid=sum(per.values()), duplicate=dup, blacklisted=bl,
        already_imported=ai, accepted=accepted, platform_rejected=rejected, not_imported=not_imported,
        batches=states, campaigns=camps, routes=routes, reconciled=rec, invalid_reasons=per,
        complete=not_imported == 0, workdir=str(workdir), clean_file=str(clean_file),
        rejects_file=str(rejects_file), journal=journal.path,
        created_campaigns=[e["id"] for e in journal.get("created_campaigns", []) if e["id"] is not None])


def _sum(journal: Journal, sql: str) -> int:
    """The ``s`` column of a one-row ``SUM`` query (0 when there is nothing to add up)."""
    row = journal.row(sql)
    return int(row["s"] or 0) if row is not None else 0
