"""Huawei CC-FS files and callbacks: the downloadBillFile zip (CDR and recording-index CSVs,
13.2.2), the queryBillData callback (CC-FS -> us, auth-v2 signed) and the outbound-result
callback (7.6.1, iSales -> us)."""
from __future__ import annotations

import json
import operator
import os
import zipfile
import zlib
from dataclasses import dataclass
from datetime import date
from pathlib import Path, PurePosixPath
from typing import Any, Callable, Iterator, Mapping, Sequence

from callcore import _core

from ..errors import ClientValidationError, ProtocolError
from .models import PLATFORM, RECORD_COLUMNS, BillIndex, CallResult, RecordRow, as_int

# ----------------------------------------------------------------------------------------------
# zips and index files


def safe_extract(zip_path: str | os.PathLike[str], dest: str | os.PathLike[str]) -> list[Path]:
    """Extracts a zip into *dest* with :func:`callcore.platforms.archive.safe_extract`: refuses
    members that would escape, symlinks, empty/overlong/colliding names, and archives past the
    member and size limits, each with its own error, before writing anything."""
    from ..archive import safe_extract as _safe_extract

    return _safe_extract(zip_path, dest, platform=PLATFORM)


def _rows(data: bytes) -> tuple[list[str], Iterator[list[str]]]:
    """The header (lowercased) and the rows of an index CSV, every cell trimmed. Decoded as UTF-8,
    else GB18030 (the encoding is not specified, notes/recording.md 3.1; GB18030 is the usual
    other), and parsed by the core (``callcore._core.textcsv``), which reads Excel's dialect as
    the ``csv`` module does, with the GIL released."""
    rows = _core.textcsv.read_rows(data)
    if not rows:
        return [], iter(())
    return [h.lower() for h in rows[0]], iter(rows[1:])


def read_bill_index(zip_path: str | os.PathLike[str]) -> BillIndex:
    """Parses a downloadBillFile zip by header name (the column layout grew from 13 to 18 in
    2022; notes/recording.md 3.1): ``*_call_N.csv`` -> CDR rows, ``*_record_N.csv`` -> RecordRow.
    Nothing is extracted to disk."""
    from ..archive import check_limits, member_chunks

    calls: list[dict[str, str]] = []
    records: list[RecordRow] = []
    archive = os.fspath(zip_path)
    try:
        zf = zipfile.ZipFile(zip_path)
    except zipfile.BadZipFile as e:
        raise ProtocolError(f"huawei: bill file {archive} is not a valid zip ({e})", platform=PLATFORM) from None
    with zf:
        # read in memory, so held to the extraction's limits: a bill zip that declares a huge or
        # bomb-like member is refused before it is decompressed, and one that lies is cut off
        check_limits(zf.infolist(), archive, platform=PLATFORM)
        for info in sorted(zf.infolist(), key=lambda i: i.filename):
            base = PurePosixPath(info.filename.replace("\\", "/")).name.lower()
            if not base.endswith(".csv"):
                continue
            try:
                header, rows = _rows(b"".join(member_chunks(zf, info, archive, PLATFORM)))
            except (zipfile.BadZipFile, EOFError, zlib.error) as e:
                raise ProtocolError(f"huawei: {info.filename} in the bill zip is corrupt ({e})",
                                    platform=PLATFORM) from None
            if "_record" in base:
                pos = {h: i for i, h in enumerate(header)}
                if "vdn_id" not in pos and "vdn" in pos:  # the change log's spelling (001:1093)
                    pos["vdn_id"] = pos["vdn"]
                idx = [pos.get(c) for c in RECORD_COLUMNS]
                n = len(header)
                if None not in idx and idx == list(range(len(idx))):
                    # the 18 columns in the documented order (the usual file): cells straight in
                    cells_of: Callable[[list[str]], Any] = operator.itemgetter(*idx)
                else:
                    def cells_of(r: list[str]) -> list[str]:
                        return [r[i] if i is not None else "" for i in idx]
                for r in rows:
                    if len(r) < n:
                        if not any(r):
                            continue
                        r = r + [""] * (n - len(r))
                    records.append(RecordRow(*cells_of(r)))
            elif "_call" in base:
                for r in rows:
                    if any(r):
                        calls.append(dict(zip(header, r)))
    return BillIndex(calls, records)


def bill_file_name(response_id: str, day: date | None = None) -> str:
    """``yyyyMMdd_{responseId}.zip`` with hyphens removed (001:65290)."""
    day = day or date.today()
    return f"{day:%Y%m%d}_{response_id.replace('-', '')}.zip"


# ----------------------------------------------------------------------------------------------
# the queryBillData callback (CC-FS -> us), signed with auth-v2


@dataclass
class BillCallback:
    responseId: str
    billFileName: str
    accountId: str | None = None


def parse_bill_callback(method: str, path: str | bytes, headers: Mapping[str, str] | Sequence[tuple[str, str]],
                        body: bytes, verifier: Any | None = None) -> BillCallback:
    """Verifies (when *verifier*, a :class:`callcore.sign.Verifier`, is given) and parses the
    queryBillData callback body (001:65345-65367).

    ``path`` is the request target as it arrived (raw path and query, e.g. ASGI ``raw_path`` +
    ``query_string``), not a decoded path: CC-FS signs what it sends. ``headers`` are all the
    received pairs (a mapping, or pairs when a name repeats, which is refused)."""
    if verifier is not None:
        from callcore.sign import AuthError

        pairs = list(headers.items()) if isinstance(headers, Mapping) else list(headers)
        try:
            verifier.verify_target(method, path, headers=pairs, body=body)
        except AuthError as e:
            raise ClientValidationError(f"huawei bill callback: signature rejected: {e}", platform=PLATFORM) from None
    try:
        doc = json.loads(body.decode("utf-8"))
        msg = doc["msgBody"]
        return BillCallback(str(msg.get("responseId") or msg.get("responseld")), str(msg["billFileName"]),
                            msg.get("accountId"))
    except (ValueError, KeyError, TypeError, AttributeError) as e:
        raise ProtocolError(f"huawei bill callback: unexpected body ({e})", platform=PLATFORM) from None


# ----------------------------------------------------------------------------------------------
# the outbound-result callback (7.6.1, iSales -> us): a bare JSON array, no auth header


#: what the receiver must answer with HTTP 200 (001:27193-27212)
RESULT_CALLBACK_REPLY = {"retCode": "0", "retMsg": "success"}


def fail_code_meaning(code: str) -> str:
    """Category and meaning of a call outcome ``failCode`` (table 7-295, 001:27220-27250)."""
    from ..codes import huawei_table

    e = huawei_table()["fail_codes"].get(str(code).strip())
    if e is None:
        return "其他 (undocumented failCode)"
    return e["category"] if e["desc"] == e["category"] else f"{e['category']}: {e['desc']}"


def parse_result_callback(body: bytes) -> list[CallResult]:
    """The 7.6.1 callback body: a JSON list of results (the seed's ``callResultList`` is only a
    name, "response直接返回List", 001:27176)."""
    try:
        doc = json.loads(body.decode("utf-8"))
    except (ValueError, UnicodeDecodeError) as e:
        raise ProtocolError(f"huawei result callback: not JSON ({e})", platform=PLATFORM) from None
    if isinstance(doc, dict):
        doc = doc.get("callResultList", doc.get("data"))
    if not isinstance(doc, list):
        raise ProtocolError("huawei result callback: expected a JSON list", platform=PLATFORM)
    out = []
    for d in doc:
        if not isinstance(d, dict) or "called" not in d:
            raise ProtocolError(f"huawei result callback: bad item {str(d)[:80]}", platform=PLATFORM)
        known: dict[str, Any] = {k: d.get(k) for k in CallResult.__dataclass_fields__}
        known["campaignId"] = str(known["campaignId"])
        known["callStatus"] = as_int(known["callStatus"])
        out.append(CallResult(**known))
    return out
