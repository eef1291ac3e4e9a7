from __future__ import annotations

from callcore.sandbox.pytest_plugin import (babaihu_sandbox, hl95_sandbox, huawei_client,  # noqa: F401
                                            huawei_sandbox, sandbox_faults, sccc_sandbox)
