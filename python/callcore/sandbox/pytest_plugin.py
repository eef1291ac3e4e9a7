"""pytest fixtures for the sandboxes. Opt-in, so that installing callcore adds nothing to the
test runs of the services that use it: ``pytest -p callcore.sandbox.pytest_plugin`` or
``pytest_plugins = ["callcore.sandbox.pytest_plugin"]`` in a root conftest.py.

``<platform>_sandbox`` for every platform of :mod:`callcore.platforms.registry` that has a sandbox
(``huawei_sandbox``, ``sccc_sandbox``, ``babaihu_sandbox``, ``hl95_sandbox``, and a platform
registered before this plugin loads): a started sandbox with its state in ``tmp_path``. Also
``huawei_client``: a :class:`~callcore.platforms.huawei.HuaweiClient` on ``huawei_sandbox``, VDN 1.
Override the ``sandbox_faults`` fixture to inject faults.
"""
from __future__ import annotations

from typing import Any, Callable, Iterator

import pytest

from callcore import _extras
from callcore.platforms import registry

# at load time (`-p callcore.sandbox.pytest_plugin`), not at the first fixture
_extras.require("sandbox", "the callcore sandbox pytest plugin")


@pytest.fixture
def sandbox_faults() -> str | None:
    """Fault SPEC for the sandbox fixtures (none by default)."""
    return None


def _sandbox_fixture(platform: str, sandbox: str) -> Callable[..., Iterator[Any]]:
    def started_sandbox(tmp_path: Any, sandbox_faults: str | None) -> Iterator[Any]:
        with registry.load(sandbox)(tmp_path / f"{platform}-state", faults=sandbox_faults) as sb:
            yield sb

    started_sandbox.__doc__ = f"A started {registry.get(platform).title} sandbox, its state in tmp_path."
    return pytest.fixture(name=f"{platform}_sandbox")(started_sandbox)


# pytest finds fixtures among the plugin module's attributes: one per platform with a sandbox
for _spec in map(registry.get, registry.names()):
    if _spec.sandbox is not None:
        globals()[f"{_spec.name}_sandbox"] = _sandbox_fixture(_spec.name, _spec.sandbox)

# what a conftest.py gets from ``from callcore.sandbox.pytest_plugin import *`` (the fixtures only)
__all__ = ["sandbox_faults", "huawei_client",
           *(f"{name}_sandbox" for name in registry.names() if registry.get(name).sandbox)]


@pytest.fixture
def huawei_client(huawei_sandbox: Any) -> Iterator[Any]:
    from callcore.platforms.huawei import HuaweiClient

    with HuaweiClient(huawei_sandbox.url, huawei_sandbox.access_key, huawei_sandbox.secret_key, vdn_id=1) as c:
        yield c
