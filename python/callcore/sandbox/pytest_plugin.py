"""pytest fixtures for the sandboxes. Opt-in, so that installing callcore adds nothing to the
test runs of the services that use it: ``pytest -p callcore.sandbox.pytest_plugin`` or
``pytest_plugins = ["callcore.sandbox.pytest_plugin"]`` in a root conftest.py.

``huawei_sandbox`` (a started :class:`~callcore.sandbox.huawei.HuaweiSandbox` with its state in
``tmp_path``) and ``huawei_client`` (a :class:`~callcore.platforms.huawei.HuaweiClient` on it,
VDN 1); likewise ``sccc_sandbox``, ``babaihu_sandbox`` and ``hl95_sandbox``. Override the
``sandbox_faults`` fixture to inject faults.
"""
from __future__ import annotations

from typing import Any, Iterator

import pytest

from callcore import _extras

# at load time (`-p callcore.sandbox.pytest_plugin`), not at the first fixture
_extras.require("sandbox", "the callcore sandbox pytest plugin")


@pytest.fixture
def sandbox_faults() -> str | None:
    """Fault SPEC for the sandbox fixtures (none by default)."""
    return None


@pytest.fixture
def huawei_sandbox(tmp_path: Any, sandbox_faults: str | None) -> Iterator[Any]:
    from callcore.sandbox.huawei import HuaweiSandbox

    with HuaweiSandbox(tmp_path / "huawei-state", faults=sandbox_faults) as sb:
        yield sb


@pytest.fixture
def huawei_client(huawei_sandbox: Any) -> Iterator[Any]:
    from callcore.platforms.huawei import HuaweiClient

    with HuaweiClient(huawei_sandbox.url, huawei_sandbox.access_key, huawei_sandbox.secret_key, vdn_id=1) as c:
        yield c


@pytest.fixture
def sccc_sandbox(tmp_path: Any, sandbox_faults: str | None) -> Iterator[Any]:
    from callcore.sandbox.sccc import ScccSandbox

    with ScccSandbox(tmp_path / "sccc-state", faults=sandbox_faults) as sb:
        yield sb


@pytest.fixture
def babaihu_sandbox(tmp_path: Any, sandbox_faults: str | None) -> Iterator[Any]:
    from callcore.sandbox.babaihu import BabaihuSandbox

    with BabaihuSandbox(tmp_path / "babaihu-state", faults=sandbox_faults) as sb:
        yield sb


@pytest.fixture
def hl95_sandbox(tmp_path: Any, sandbox_faults: str | None) -> Iterator[Any]:
    from callcore.sandbox.hl95 import Hl95Sandbox

    with Hl95Sandbox(tmp_path / "hl95-state", faults=sandbox_faults) as sb:
        yield sb
