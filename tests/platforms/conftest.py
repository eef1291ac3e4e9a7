from __future__ import annotations

import pytest

from callcore.sandbox.pytest_plugin import (babaihu_sandbox, hl95_sandbox, huawei_client,  # noqa: F401
                                            huawei_sandbox, sandbox_faults, sccc_sandbox)


@pytest.fixture
def anyio_backend() -> str:
    """The async clients' tests run on asyncio (the event loop httpx and the sandboxes use)."""
    return "asyncio"
