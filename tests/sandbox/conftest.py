from __future__ import annotations

try:  # TEMPORARY until callcore.sign lands on main: see tests/_sign_standin.py
    import callcore.sign  # noqa: F401
    import callcore.sign.httpx_auth  # noqa: F401
except ImportError:
    import sys
    from pathlib import Path

    sys.path.insert(0, str(Path(__file__).parents[1]))
    import _sign_standin

    _sign_standin.install()

from callcore.sandbox.pytest_plugin import (babaihu_sandbox, hl95_sandbox, huawei_client,  # noqa: E402,F401
                                            huawei_sandbox, sandbox_faults, sccc_sandbox)
