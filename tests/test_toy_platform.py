"""A fifth platform added the way the README's "Adding a platform" says: one module (below, written
to a temporary folder) and one registry entry. The sandbox CLI, the pytest plugin, the receivers
CLI, the calllist CLI, the import engine (``callcore outbound import``) and the outcomes
(``callcore outbound results``) see it without a line of theirs changed."""
from __future__ import annotations

import asyncio
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any, Iterator

import httpx
import pytest

from callcore import calllist
from callcore.cli import build_parser
from callcore.platforms import registry

TOY_MODULE = '''
"""The toy platform: its client, sandbox and push receiver, and its registry entry."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from starlette.applications import Starlette
from starlette.responses import JSONResponse
from starlette.routing import Route

from callcore.pipelines.adapters.base import Found, PlatformAdapter, Sent, Unknown
from callcore.pipelines.options import PlatformImportOptions
from callcore.platforms.registry import Credentials, Limits, PlatformSpec
from callcore.sandbox._server import Faults, ServerThread


class ToyClient:
    def __init__(self, base_url: str, user: str, secret: str) -> None:
        self.base_url, self.user, self._secret = base_url, user, secret
        self.targets: dict[int, list[tuple[str, str]]] = {}  # target -> (number, record id)

    def close(self) -> None:
        pass


class AsyncToyClient(ToyClient):
    pass


@dataclass
class ToyConfig:
    v2_max: int = 5  # a field named like a `callcore sandbox` option receives it


@dataclass
class ToyImportOptions(PlatformImportOptions):
    """The toy's own import option (set by ``--toy-prefix`` if it had a CLI option; here by code)."""

    note: str = ""


class ToyAdapter(PlatformAdapter[ToyImportOptions]):
    """The toy's import: a "target" is a list in the client; every record keeps our id, so an
    unknown outcome is looked up row by row."""

    name = "toy"
    options_type = ToyImportOptions
    clean_profile = "hl95"  # the core's dialing rules closest to the toy's (any mobile or landline)
    default_per_call = 7

    def make_client(self) -> Any:
        return ToyClient(self.settings.endpoint, self.settings.access_key, self.settings.secret_key)

    def send(self, target: int, numbers: list[str], rows: list[int], job: str, tag: str) -> Sent:
        self.client().targets.setdefault(target, []).extend(zip(numbers, [job + str(r) for r in rows]))
        return Sent(len(rows), info=self.options.note)

    def find(self, target: int, job: str, batches: list[Unknown]) -> dict[int, Found]:
        ids = {record_id for _, record_id in self.client().targets.get(target, [])}
        return {b.id: Found("toy: by record id", rows={r for r in b.rows if job + str(r) in ids}) for b in batches}


class ToyOutcomes:
    """The toy pushes no results; its client lists every record it holds, each answered."""

    push_kind = None
    shows_session_id = True

    def from_push(self, event: Any) -> Any:
        return None

    def join_key(self, campaign: Any, session_id: str, number: str, *, pushed: bool) -> Any:
        return session_id

    def client_arguments(self, options: Any) -> dict[str, Any]:
        return {}

    def poller(self, client: Any, options: Any) -> Any:
        def fetch(target: int, tag: str) -> list[dict[str, Any]]:
            return [{"key": record_id, "outcome": "answered", "code": "ok", "meaning": "toy answered", "call_time": "",
                     "call_id": record_id, "recording": ""} for _, record_id in client.targets.get(target, [])]
        return fetch


class ToySandbox:
    config_class = ToyConfig

    def __init__(self, state_dir: Any = None, *, port: int = 0, faults: str | Faults | None = None,
                 config: ToyConfig | None = None, host: str = "127.0.0.1") -> None:
        self.config = config or ToyConfig()
        self.state_dir = state_dir

        async def health(request: Any) -> JSONResponse:
            return JSONResponse({"platform": "toy", "v2_max": self.config.v2_max})

        self.server = ServerThread(Starlette(routes=[Route("/_sandbox/health", health)]), host, port)

    @property
    def url(self) -> str:
        return f"http://{self.server.host}:{self.server.port}"

    def __enter__(self) -> "ToySandbox":
        self.server.start()
        return self

    def __exit__(self, *exc: Any) -> None:
        self.server.stop()


PATHS = {"/toy/push": "every toy push"}


def from_environment(store: Any, *, allow: Any, max_body: int, replay_window: float, env: Any) -> Starlette:
    async def push(request: Any) -> JSONResponse:
        return JSONResponse({"ok": True})

    return Starlette(routes=[Route("/toy/push", push, methods=["POST"])])


SPEC = PlatformSpec(
    name="toy", title="Toy platform", profiles=("toy",),
    credentials=Credentials(user_field="user", secret_env="CALLCORE_TOY_SECRET", user_option="--user"),
    client="toy_platform:ToyClient", async_client="toy_platform:AsyncToyClient",
    receiver="toy_platform", sandbox="toy_platform:ToySandbox", import_adapter="toy_platform:ToyAdapter",
    outcome_source="toy_platform:ToyOutcomes",
    # the core has no "toy" profile: a plugin's platform declares its limits
    declared_limits={"toy": Limits(batch_size=50, max_batch=100, max_len=20, pending_cap=None)},
)
'''


@pytest.fixture
def toy(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[registry.PlatformSpec]:
    (tmp_path / "toy_platform.py").write_text(TOY_MODULE)
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.delitem(sys.modules, "toy_platform", raising=False)
    import toy_platform  # type: ignore[import-not-found]

    spec = registry.register(toy_platform.SPEC)
    try:
        yield spec
    finally:
        registry.unregister("toy")
        sys.modules.pop("toy_platform", None)


def _choices(capability: str, argv: list[str], option: str) -> Any:
    """The choices of *option* of the subcommand *argv* in a fresh ``callcore`` parser."""
    sub: Any = build_parser(capability)
    for word in argv:  # walk down to the subcommand's parser
        actions = [a for a in sub._actions if a.choices and isinstance(a.choices, dict) and word in a.choices]
        sub = actions[0].choices[word]
    return next(a.choices for a in sub._actions if option in (a.option_strings or [a.dest]))


def test_the_registry_has_it_with_its_limits(toy: registry.PlatformSpec) -> None:
    assert registry.names()[-1] == "toy" and registry.get("TOY") is toy
    assert registry.limits("toy") == toy.limits() == registry.Limits(50, 100, 20, None)
    assert calllist.platform_limits("toy") == {"batch_size": 50, "max_batch": 100, "max_len": 20, "pending_cap": None}
    assert registry.load(toy.async_client).__name__ == "AsyncToyClient"


def test_the_sandbox_cli_offers_and_builds_it(toy: registry.PlatformSpec, tmp_path: Path) -> None:
    from callcore.sandbox import cli as sandbox_cli

    assert "toy" in _choices("sandbox", ["sandbox"], "platform")
    assert build_parser("sandbox").parse_args(["sandbox", "toy", "--port", "0"]).platform == "toy"
    with sandbox_cli.make("toy", tmp_path, port=0, host="127.0.0.1", faults=None, v2_max=7) as sb:
        assert httpx.get(sb.url + "/_sandbox/health").json() == {"platform": "toy", "v2_max": 7}


def test_the_receivers_cli_serves_it(toy: registry.PlatformSpec, tmp_path: Path) -> None:
    from callcore.receivers import cli as receivers_cli

    assert "toy" in _choices("receivers", ["receive", "serve"], "--platform")
    assert "toy" in _choices("receivers", ["receive", "list"], "--platform")
    assert "/toy/push" in receivers_cli._paths_text()
    app = receivers_cli.build_app("toy", None, allow=[], max_body=1024, replay_window=300.0, env={})

    async def push() -> Any:
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://toy") as client:
            return (await client.post("/toy/push")).json()

    assert asyncio.run(push()) == {"ok": True}


def test_the_calllist_cli_offers_its_profile(toy: registry.PlatformSpec) -> None:
    assert "toy" in _choices("calllist", ["calllist", "clean"], "--platform")


def test_the_import_engine_imports_into_it(toy: registry.PlatformSpec, tmp_path: Path) -> None:
    """``callcore outbound import`` offers it, and the generic engine plans by its adapter's
    capacity (7 a call), journals, sends and sums up through it."""
    import toy_platform  # type: ignore[import-not-found]

    from callcore.pipelines.outbound import ImportOptions, import_list

    assert "toy" in _choices("pipelines", ["outbound", "import"], "--platform")
    numbers = [f"1390000{i:04d}" for i in range(30)]
    (tmp_path / "list.csv").write_text("phone\n" + "\n".join(numbers + numbers[:3] + ["12"]) + "\n")
    client = toy_platform.ToyClient("toy://", "user", "secret")
    summary = import_list(tmp_path / "list.csv", tmp_path / "work", ImportOptions(
        campaigns=[5], endpoint="toy://", access_key="user", secret_key="secret", platform="toy",
        platform_options=toy_platform.ToyImportOptions(note="by the toy"), client_factory=lambda: client))
    assert summary.complete and summary.adds_up
    assert (summary.input_rows, summary.accepted, summary.duplicate, summary.invalid) == (34, 30, 3, 1)
    assert summary.batches == {"accepted": 5}  # 30 rows, 7 a call
    assert [number for number, _ in client.targets[5]] == numbers
    # `callcore outbound results` joins every input row to its outcome through the toy's source
    from collections import Counter

    from callcore.pipelines.outcomes import PollOptions, outcome_source, outcomes

    result = outcomes(tmp_path / "work", poll=outcome_source("toy").poller(client, PollOptions()))
    assert Counter(r["outcome"] for r in result.rows) == {"answered": 30, "not_imported": 4}
    assert {r["meaning"] for r in result.rows if r["outcome"] == "answered"} == {"toy answered"}


def test_the_pytest_plugin_gives_its_fixture(tmp_path: Path) -> None:
    project = tmp_path / "project"
    project.mkdir()
    (project / "toy_platform.py").write_text(TOY_MODULE)
    # the plugin makes its fixtures when it loads: the entry is registered before it
    (project / "conftest.py").write_text(textwrap.dedent('''
        from callcore.platforms import registry
        from toy_platform import SPEC

        registry.register(SPEC)
        pytest_plugins = ["callcore.sandbox.pytest_plugin"]
    '''))
    (project / "test_user.py").write_text(textwrap.dedent('''
        import httpx

        def test_uses_the_toy_sandbox(toy_sandbox, sccc_sandbox):
            assert httpx.get(toy_sandbox.url + "/_sandbox/health").json()["platform"] == "toy"
            assert sccc_sandbox.url.startswith("http://127.0.0.1:")
    '''))
    run = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", str(project)],
                         cwd=project, capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stdout[-2000:] + run.stderr[-2000:]
    assert "1 passed" in run.stdout
