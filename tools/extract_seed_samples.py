"""Regenerate tests/data/platforms/huawei_seed_samples.json: the request/response samples printed in
seed 001, stitched where a PDF page break split a JSON block, with their seed lines.

Run: python tools/extract_seed_samples.py SEEDS/001_*.txt SEEDS/003_*.txt SEEDS/000_*.txt

With seed 001 it also writes tests/data/platforms/huawei_seed_routes.json: every route of 001 ch. 7
(iSales) and 13.2.1 (CC-FS downloads) with the request and response samples printed for it, found
by the section's own markers (报文样例, 请求消息体举例, ...) rather than by hand-listed lines.

Request samples of 003, 000, 004 (main_requests below): python tools/extract_seed_requests.py SEEDS/003_*.txt
SEEDS/000_*.txt SEEDS/004_*.txt
"""
from __future__ import annotations

import json
import re
import sys
from collections.abc import Callable
from pathlib import Path

# section, method, path (vdnId=1, campaignId filled by the test), request block lines, response block lines
SAMPLES = [
    ("7.1.1", "POST", "/rest/isales/v1/openapi/campaigns/1", [21565, 21582], [21611]),
    ("7.1.8", "PUT", "/rest/isales/v1/openapi/campaigns/1/{cid}/pause", [], [23228]),
    ("7.4.1", "POST", "/rest/isales/v1/openapi/campaigns/1/calldata/{cid}", [25534], [25559, 25568]),
    ("7.4.2", "POST", "/rest/isales/v2/openapi/campaigns/1/calldata/{cid}", [25696, 25710], [25724]),
    ("7.4.3", "POST", "/rest/isales/v1/openapi/campaigns/1/calldata/{cid}/delete", [25829], [25837]),
    ("7.3.1", "POST", "/rest/isales/v1/openapi/campaigns/1/blocklist/add", [24830, 24843], [24850]),
    ("7.3.4", "POST", "/rest/isales/v1/openapi/campaigns/1/blocklist/query", [25124], [25130]),
    ("7.4.7", "GET", "/rest/isales/v2/openapi/campaigns/1/statistics", [], [26281]),
    ("7.4.8", "POST", "/rest/isales/v1/openapi/campaigns/1/calldatafile/uploadFileServer/{cid}", [26454], [26464]),
    ("7.4.9", "POST", "/rest/isales/v1/openapi/campaigns/1/calldatafile/queryDataImportTask/{cid}", [26568],
     [26578, 26585]),
    ("7.5.1", "POST", "/rest/isales/v1/openapi/campaigns/1/callresult/{cid}", [26724], [26734, 26754]),
    ("7.8.1", "POST", "/rest/isales/v1/openapi/campaigns/1/file/addServer", [27493], [27507]),
    ("13.2.1.2", "POST", "/CCFS/resource/ccfs/queryBillData", [65310], []),
]


def block(lines: list[str], start: int) -> list[str]:
    out = []
    i = start - 1
    while i < len(lines) and not lines[i].strip().startswith("```"):
        out.append(lines[i].rstrip())
        i += 1
    return out


def stitch(lines: list[str], starts: list[int]) -> object:
    if not starts:
        return None
    pieces = [block(lines, s) for s in starts]
    text = "\n".join(sum(pieces, []))
    try:
        return json.loads(text)
    except ValueError:
        pass
    # a page break: the first piece was closed early ("}" / "]" lines) or left open
    for drop in range(0, 4):
        first = pieces[0][: len(pieces[0]) - drop] if drop else pieces[0]
        for glue in ("", ","):
            cand = "\n".join(first) + glue + "\n" + "\n".join(sum(pieces[1:], []))
            cand = cand.replace(",\n}", "\n}").replace(",\n]", "\n]")
            try:
                return json.loads(cand)
            except ValueError:
                continue
    return {"_unparsed": text}


# The file-import result answer 7.4.9 prints (and 7.3.6 again), rebuilt by hand below.
_IMPORT_RESULT_ANSWER = {"result": [{"succNum": 0, "failNum": 0, "errMsg": "", "id": "164698362894300182038011895728",
                                     "beginTime": "2022-03-11T07:27:09.000+00:00",
                                     "endTime": "2022-03-11T07:27:09.000+00:00", "repeatNum": 0, "status": "2"}],
                         "returnCode": "0200000", "resultCode": "0200000", "resultDesc": "success",
                         "returnDesc": "success"}

# Samples a PDF page break mangled beyond mechanical stitching, rebuilt by hand from the seed text
# (the same values, one JSON document).
REPAIRED = {
    ("7.4.2", "request"): {"callDataList": [
        {"sessionId": "00750", "called": [{"calledNo": "88880088", "delayTime": "0", "type": "ST"},
                                          {"calledNo": "88880089", "delayTime": "1", "type": "SA"}]},
        {"sessionId": "00850", "called": [{"calledNo": "88880080", "delayTime": "0", "type": "ST"}]}]},
    ("7.4.9", "response"): _IMPORT_RESULT_ANSWER,
    # 7.3.6 prints the same answer as 7.4.9, broken the same way (001:25392-25415)
    ("7.3.6", "response"): _IMPORT_RESULT_ANSWER,
    ("7.5.1", "response"): {"resultCode": "0200000", "resultDesc": "Query Success!", "returnCode": "0200000",
                            "returnDesc": "Query Success!", "totalCount": 2, "data": [
                                {"campaignId": "3", "sessionId": "1202_test013", "called": "60584",
                                 "callTimeStr": "2020-08-30 20:00:00", "callStatus": 6, "failCode": "0",
                                 "resultCode": "OB99999", "vdnId": 11, "callId": "0023-134864174",
                                 "recordPath": "Y:/1/11/20200830/3408/0949218.V3"},
                                {"campaignId": "3", "sessionId": "1202_test013", "called": "60584",
                                 "callTimeStr": "2020-08-30 20:05:00", "callStatus": 6, "failCode": "0",
                                 "resultCode": "OB99999", "vdnId": 11, "callId": "0023-134864893",
                                 "recordPath": "Y:/1/11/20200830/3408/0942113.V3"}]},
}


def main(seed: str) -> None:
    lines = Path(seed).read_text(encoding="utf-8").splitlines()
    out = []
    for sec, method, path, req, resp in SAMPLES:
        item = {"section": sec, "method": method, "path": path, "request_lines": req, "response_lines": resp,
                "request": stitch(lines, req), "response": stitch(lines, resp)}
        for k in ("request", "response"):
            if (sec, k) in REPAIRED:
                item[k] = REPAIRED[(sec, k)]
                item[k + "_repaired"] = True
        out.append(item)
    dest = Path(__file__).resolve().parents[1] / "tests/data/platforms/huawei_seed_samples.json"
    dest.write_text(json.dumps(out, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    for s in out:
        bad = [k for k in ("request", "response") if isinstance(s[k], dict) and "_unparsed" in s[k]]
        print(s["section"], "unparsed:" if bad else "ok", bad)


if __name__ == "__main__":
    main(sys.argv[1])


def _json_samples(seed: str, name: str, starts: tuple[tuple[str, int], ...], skip: str,
                  repair: Callable[[str], str]) -> None:
    """tests/data/platforms/<name>_seed_samples.json: the JSON response printed from each
    ``(api, line)`` of *starts*: the shortest run of lines from there that parses once lines
    starting with *skip* are dropped and *repair* has mended the seed's punctuation."""
    lines = Path(seed).read_text(encoding="utf-8").splitlines()

    def grab(start: int) -> tuple[int, object]:
        for end in range(start + 1, start + 200):
            text = repair("\n".join(x for x in lines[start - 1:end] if not x.strip().startswith(skip)))
            try:
                return end, json.loads(text)
            except ValueError:
                continue
        raise ValueError(f"no JSON at {start}")

    out = []
    for api, start in starts:
        end, doc = grab(start)
        out.append({"api": api, "response_lines": [start, end], "response": doc})
    dest = Path(__file__).resolve().parents[1] / f"tests/data/platforms/{name}_seed_samples.json"
    dest.write_text(json.dumps(out, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    print(name, [o["api"] for o in out])


def sccc_samples(seed: str) -> None:
    """The SCCC response samples that are JSON (getRecordsList 003:2725, getCdrList 003:3228 with
    its '....' elision line dropped)."""
    _json_samples(seed, "sccc", (("getRecordsList", 2725), ("getCdrList", 3228)), "....",
                  lambda text: re.sub(r"\},\s*\]", "}\n]", text))


if __name__ == "__main__" and len(sys.argv) > 2:
    sccc_samples(sys.argv[2])


def hl95_samples(seed: str) -> None:
    """九五 response samples (trailing commas, which the seed's examples carry, removed)."""
    _json_samples(seed, "hl95", (("/artificialOutTask/insert", 1243), ("/outboundContacts/pageSearch", 2265),
                                 ("/callHistory/pageSearchCallHistory", 2530), ("/record/pageSearch4Record", 2861)),
                  "```", lambda text: re.sub(r",\s*([}\]])", r"\1", text))


if __name__ == "__main__" and len(sys.argv) > 3:
    hl95_samples(sys.argv[3])


# --- every iSales (ch. 7) and CC-FS download (13.2.1) route of seed 001, with its printed samples ---

_HW_HEAD = re.compile(r"^(?:#+\s*)?(7\.\d+\.\d+|13\.2\.1\.\d+)\s+(\S.*)$")
_HW_CHAPTERS = ((21361, 28595), (65057, 66990))  # 7 外呼 up to 8 调查问卷; 13.2.1 up to 13.2.2
_HW_REQ = re.compile(r"请求消息体举例|请求参数\s*$|请求消息举例|请求示例|请求消息示例|请求体示例")
_HW_RESP = re.compile(r"响应消息体举例|响应头|响应参数|响应示例|响应消息举例|响应消息示例")


def _hw_blocks(lines: list[str], lo: int, hi: int) -> list[tuple[int, int]]:
    """(first, last) 1-based line numbers of the ``` code blocks' contents in lines[lo:hi]."""
    out, start = [], None
    for i in range(lo, hi):
        if lines[i].strip().lstrip("- ").startswith("```"):
            if start is None:
                start = i + 2
            else:
                out.append((start, i))
                start = None
    return out


def _hw_json(lines: list[str], blocks: list[tuple[int, int]]) -> object:
    if not blocks:
        return None
    return stitch(lines, [b[0] for b in blocks])


def huawei_routes(seed: str) -> list[dict]:
    """Every section of 001 ch. 7 and 13.2.1 with its method, URI template and the request and
    response samples as printed (None when the seed prints 无 or nothing), each with its lines."""
    lines = Path(seed).read_text(encoding="utf-8").splitlines()
    heads = []
    for lo, hi in _HW_CHAPTERS:
        for i in range(lo - 1, hi - 1):
            m = _HW_HEAD.match(lines[i])
            if m:
                heads.append((m.group(1), m.group(2).strip(), i, hi - 1))
    out = []
    for k, (sec, title, a, chapter_end) in enumerate(heads):
        b = heads[k + 1][2] if k + 1 < len(heads) and heads[k + 1][2] > a else chapter_end
        method = uri = None
        for j in range(a, b):
            text = lines[j]
            mm = re.search(r"仅支持\s*(POST|GET|PUT|DELETE)", text) or re.fullmatch(r"\s*(POST|GET|PUT|DELETE)\s*", text)
            if mm and method is None:
                method = mm.group(1)
            mu = re.search(r"(/(?:rest|CCFS)/[^\s>)`。]*)", text)
            if mu and uri is None and re.search(r"URI|URL", " ".join(lines[max(a, j - 4):j])):
                uri = mu.group(1)
                if uri.endswith("/") and j + 1 < b and re.fullmatch(r"[A-Za-z]\S*", lines[j + 1].strip()):
                    uri += lines[j + 1].strip()  # a URI the PDF broke over two lines
        req_at = next((j for j in range(a, b) if _HW_REQ.search(lines[j])), None)
        resp_at = next((j for j in range(req_at or a, b) if _HW_RESP.search(lines[j])), b) if req_at else None
        item = {"section": sec, "title": title, "line": a + 1, "method": method, "uri": uri,
                "request_lines": [], "request": None, "response_lines": [], "response": None}
        if req_at is not None:
            rb = _hw_blocks(lines, req_at, resp_at)
            item["request_lines"] = [list(x) for x in rb]
            item["request"] = _hw_json(lines, rb)
            blocks = _hw_blocks(lines, resp_at, b)
            sb, doc = blocks[:1], _hw_json(lines, blocks[:1])
            if isinstance(doc, dict) and "_unparsed" in doc and len(blocks) > 1:
                whole = _hw_json(lines, blocks)  # an answer a page break split into several blocks
                if not (isinstance(whole, dict) and "_unparsed" in whole):
                    sb, doc = blocks, whole
            item["response_lines"] = [list(x) for x in sb]
            item["response"] = doc
        for k in ("request", "response"):
            if (sec, k) in REPAIRED:  # a page break the stitcher cannot mend (rebuilt by hand above)
                item[k] = REPAIRED[(sec, k)]
                item[k + "_repaired"] = True
        out.append(item)
    return out


def write_huawei_routes(seed: str) -> None:
    routes = huawei_routes(seed)
    dest = Path(__file__).resolve().parents[1] / "tests/data/platforms/huawei_seed_routes.json"
    dest.write_text(json.dumps(routes, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    for r in routes:
        req = r["request"]
        state = ("none" if req is None else "unparsed" if isinstance(req, dict) and "_unparsed" in req else "json")
        print(r["section"], r["method"], r["uri"], "request:", state, r["request_lines"])


if __name__ == "__main__" and len(sys.argv) > 1 and Path(sys.argv[1]).name.startswith("001_"):
    write_huawei_routes(sys.argv[1])

# --- request samples of seeds 003 (SCCC), 000 (九五), 004 (八百呼) ------------------------------
# Each sample is kept as printed (its lines, with the PDF's page artefacts - running URL headers,
# page numbers, code fences - dropped) plus what a mechanical reading gives; the replay tests in
# tests/sandbox/test_seed_requests.py decide what each should get.

def _merge_samples(dest: Path, requests: list[dict]) -> None:
    """Keeps the file's response samples, replaces its request samples."""
    old = json.loads(dest.read_text(encoding="utf-8")) if dest.exists() else []
    kept = [s for s in old if "request" not in s]
    dest.write_text(json.dumps(kept + requests, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")


def sccc_requests(seed: str) -> list[dict]:
    """Every "消息格式" JSON block of a request from the customer to SCCC (the push formats, which
    SCCC sends, are left out), its API from the URL line above it."""
    lines = Path(seed).read_text(encoding="utf-8").splitlines()
    out = []
    for i, line in enumerate(lines):
        if not re.match(r"^\d+\.\s*消息格式", line.strip()):
            continue
        api = None
        for back in range(i - 1, max(i - 12, 0), -1):
            m = re.search(r"openapi/V2\.0\.x/(\w+)", lines[back])
            if m:
                api = m.group(1)
                break
            if "由用户提供" in lines[back]:
                break
        if api is None:  # a push SCCC sends: not a request into the sandbox
            continue
        body = []
        for j in range(i + 1, len(lines)):
            t = lines[j].strip()
            if re.match(r"^\d+\.\s*(参数说明|消息说明)", t):
                break
            if not t or re.fullmatch(r"\d{1,3}", t) or re.fullmatch(r"https?://ip:port/openapi/\S+", t):
                continue  # blank lines, page numbers, the running URL header of a page
            body.append(t)
        out.append({"api": api, "request_lines": [i + 2, j], "request": "\n".join(body)})
    return out


def hl95_requests(seed: str) -> list[dict]:
    """Every 请求示例 block: method, path, query, headers, multipart fields and body, as printed."""
    lines = Path(seed).read_text(encoding="utf-8").splitlines()
    out = []
    for i, line in enumerate(lines):
        if not line.strip().startswith("请求示例"):
            continue
        block = []
        for j in range(i + 1, len(lines)):
            t = lines[j].rstrip()
            if re.match(r"^\d+(\.\d+)+\.?\s", t.strip()) or t.strip().startswith("响应"):
                break
            if t.strip().startswith("```") or not t.strip():
                continue
            block.append(t.strip())
        text = "\n".join(block)
        m = re.match(r"^(GET|POST|PUT|DELETE)\s+(\S+)", text)
        if not m:
            continue
        method, target = m.group(1), m.group(2)
        path, _, query = target.partition("?")
        rest = [x for x in block[1:] if x.replace("\t", "").strip() != "HTTP/1.1"]
        headers: dict[str, str] = {}
        fields: list[list[str]] = []
        body: list[str] = []
        k = 0
        while k < len(rest):
            x = rest[k]
            mm = re.match(r'^Content-Disposition:\s*form-data;\s*name="([^"]+)"', x)
            if mm:
                value = ""
                if k + 1 < len(rest) and not rest[k + 1].startswith(("Content-Disposition", "-----")):
                    value = rest[k + 1]
                    k += 1
                fields.append([mm.group(1), value])
            elif re.match(r"^[A-Za-z-]+:\s", x) and not body and not x.startswith("{"):
                name, _, value = x.partition(":")
                headers[name.strip()] = value.strip()
            elif not x.startswith("-----") or body:
                body.append(x)
            k += 1
        out.append({"api": path, "method": method, "request_lines": [i + 1, j], "request": text, "query": query,
                    "headers": headers, "fields": fields, "body": "\n".join(body)})
    return out


def babaihu_requests(seed: str) -> list[dict]:
    """The request URLs printed in 004 (the API's and the recording downloads') and the addTask
    data example (004:1086). The push URL of 2.10.4 (004:1127) is one 八百呼 sends, left out."""
    lines = Path(seed).read_text(encoding="utf-8").splitlines()
    out = []
    for i, line in enumerate(lines):
        t = line.strip()
        for url in re.findall(r"https?://[^\s<>)\]]+(?:[^\n<>)\]]*)", t) if "voip" in t else []:
            url = url.rstrip(">")
            if "[" in url:  # the endpoint template "http://[域名 IP]:[端口]/..." of 1.1.1
                continue
            if "api/voip.json" in url or url.endswith("jsondata.html") and "?" not in url:
                continue  # the push, and the bare endpoint of 1.1.1
            out.append({"api": re.sub(r"^https?://[^/]+", "", url).split("?")[0], "request_lines": [i + 1, i + 1],
                        "request": url})
        if t.startswith("示例: <pre>["):
            out.append({"api": "addTask.data", "request_lines": [i + 1, i + 1],
                        "request": t.split("<pre>", 1)[1].split("</pre>", 1)[0]})
    seen, unique = set(), []
    for s in out:
        if s["request"] not in seen:
            seen.add(s["request"])
            unique.append(s)
    return unique


def main_requests(seed003: str, seed000: str, seed004: str) -> None:
    data = Path(__file__).resolve().parents[1] / "tests/data/platforms"
    for name, fn, seed in (("sccc", sccc_requests, seed003), ("hl95", hl95_requests, seed000),
                           ("babaihu", babaihu_requests, seed004)):
        reqs = fn(seed)
        _merge_samples(data / f"{name}_seed_samples.json", reqs)
        print(name, len(reqs), "request samples:", ", ".join(s["api"] for s in reqs))

