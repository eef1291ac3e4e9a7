from __future__ import annotations

# every fixture of the plugin, one <platform>_sandbox per registered platform with a sandbox
from callcore.sandbox.pytest_plugin import *  # noqa: F403
