"""A service that receives the platforms' pushes and tests itself against the sandboxes: the
receivers' ASGI apps on one event store, and each platform's sandbox with a client on it.
Checked like user_capabilities.py; never run."""
from __future__ import annotations

from pathlib import Path
from typing import Any

from starlette.applications import Starlette
from starlette.routing import Mount

from callcore.platforms.babaihu import BabaihuClient
from callcore.platforms.hl95 import AsyncHl95Client
from callcore.platforms.huawei import HuaweiClient
from callcore.platforms.sccc import ScccClient
from callcore.receivers import Event, EventStore, ScccCredentials, babaihu_app, huawei_app, sccc_app
from callcore.receivers.store import Stored
from callcore.sandbox.babaihu import BabaihuSandbox
from callcore.sandbox.hl95 import Hl95Sandbox
from callcore.sandbox.huawei import HuaweiConfig, HuaweiSandbox
from callcore.sandbox.sccc import ScccConfig, ScccSandbox
from callcore.sign import Verifier


# --- receivers -------------------------------------------------------------------------------
def push_app(folder: Path) -> Starlette:
    store = EventStore(folder)
    huawei: Starlette = huawei_app(store, path_secret="long-random-text",
                                   bill_verifier=Verifier({"ak": "sk"}), replay_window=900.0)
    sccc: Starlette = sccc_app(store, ScccCredentials("C01", "pw", push_customer="push", push_password="pp"))
    babaihu: Starlette = babaihu_app(store, allow=["10.0.0.0/8"], max_upload=32 << 20)
    return Starlette(routes=[Mount("/huawei", app=huawei), Mount("/sccc", app=sccc), Mount("/babaihu", app=babaihu)])


def drain(store: EventStore) -> int:
    stored: Stored = store.put([Event(platform="huawei", kind="result", key="k1", fields={"called": "138"})])
    events: list[dict[str, Any]] = list(store.events(platform="huawei", kind="result"))
    queued: list[dict[str, Any]] = store.queued_recordings("sccc")
    counts: dict[str, int] = store.counts()
    store.close()
    return stored.new + stored.duplicates + len(events) + len(queued) + sum(counts.values())


# --- sandboxes, as a service's own tests use them ------------------------------------------------
def huawei_round_trip(state: Path) -> int:
    config = HuaweiConfig(v1_max=20, min_interval=0.0, push_results=False)
    with HuaweiSandbox(state, port=0, faults="flow=0.1,seed=7", config=config) as sandbox:
        url: str = sandbox.url
        with HuaweiClient(url, sandbox.access_key, sandbox.secret_key, vdn_id=1) as client:
            campaign: int = client.get_campaign(1).id
            dialled: int = sandbox.dial(1, campaign, 5)
            return dialled


def sccc_round_trip(state: Path) -> int:
    sandbox = ScccSandbox(state, config=ScccConfig(record_format="alaw")).start()
    try:
        with ScccClient(sandbox.url, sandbox.customer, sandbox.password) as client:
            task_id: str = client.create_task("1001", ["13800000000"]).task_id
            return sandbox.dial(task_id, 1)
    finally:
        sandbox.stop()


def babaihu_round_trip(state: Path) -> int:
    with BabaihuSandbox(state) as sandbox:
        with BabaihuClient(sandbox.url, sandbox.user, sandbox.password) as client:
            flow_id: str = client.add_task(sandbox.flow_name, [])
            return sandbox.dial(flow_id, 3, by_agent=True)


async def hl95_round_trip(state: Path) -> int:
    with Hl95Sandbox(state) as sandbox:
        async with AsyncHl95Client(sandbox.url, sandbox.client_id, sandbox.client_secret) as client:
            await client.start_task("1")
            return sandbox.dial("1", 2)
