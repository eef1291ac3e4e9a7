"""The peer of the receiver benchmark: the minimal Starlette handler a user would write for
Huawei 7.6.1 pushes, storing the same row (platform, kind, key, time, fields) in SQLite with the
same durability (WAL, synchronous=FULL, one commit per push before the answer), and nothing else:
no size limit, no validation, no idempotency beyond a UNIQUE key, no commit off the event loop.

    python receiver_peer.py STORE_DIR   (prints "port N" once listening)
"""
from __future__ import annotations

import json
import os
import socket
import sqlite3
import sys
import time

import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

store = sys.argv[1]
os.makedirs(store, exist_ok=True)
db = sqlite3.connect(os.path.join(store, "peer.sqlite3"), isolation_level=None, check_same_thread=False)
db.execute("PRAGMA journal_mode=WAL")
db.execute("PRAGMA synchronous=FULL")
db.execute("CREATE TABLE IF NOT EXISTS events (id INTEGER PRIMARY KEY, platform TEXT, kind TEXT, event_key TEXT UNIQUE, "
           "received REAL, fields TEXT)")


async def results(request: Request) -> JSONResponse:
    items = json.loads(await request.body())
    db.execute("BEGIN")
    for d in items:
        db.execute("INSERT OR IGNORE INTO events (platform, kind, event_key, received, fields) VALUES (?,?,?,?,?)",
                   ("huawei", "result", f"{d['campaignId']}/{d['sessionId']}/{d['callId']}", time.time(),
                    json.dumps(d, ensure_ascii=False, sort_keys=True)))
    db.execute("COMMIT")
    return JSONResponse({"retCode": "0", "retMsg": "success"})


app = Starlette(routes=[Route("/huawei/results", results, methods=["POST"])])
sock = socket.socket()
sock.bind(("127.0.0.1", 0))
print(f"port {sock.getsockname()[1]}", flush=True)
uvicorn.Server(uvicorn.Config(app, log_level="warning", access_log=False, lifespan="off")).run(sockets=[sock])
