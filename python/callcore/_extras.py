"""Optional dependencies, one extra per seam (``pyproject.toml``):

* ``callcore[cli]``: rich, for the ``callcore`` command line's tables and progress bars;
* ``callcore[sandbox]``: starlette, uvicorn, python-multipart, for the local platform sandboxes
  and their pytest plugin;
* ``callcore[sftp]``: paramiko, for uploading call lists to a platform's SFTP server;
* ``callcore[receivers]``: starlette, uvicorn, python-multipart, for the push receivers
  (``callcore receive``);
* ``callcore[all]``: all of the above.

The core install (signing, call lists, audio, the platform clients) needs none of them. Using a
feature whose extra is missing raises :class:`MissingExtra`, an :class:`ImportError` whose message
names the ``pip install`` command, instead of a bare ``No module named 'starlette'`` from deep
inside the package.
"""
from __future__ import annotations

import sys
from types import ModuleType

#: the module each extra provides (top-level names), checked without importing it (a sandbox import must not pay
#: for loading uvicorn just to learn it is there)
EXTRAS: dict[str, tuple[str, ...]] = {
    "cli": ("rich",),
    "sandbox": ("starlette", "uvicorn", "multipart"),
    "sftp": ("paramiko",),
    "receivers": ("starlette", "uvicorn", "multipart"),
}


class MissingExtra(ImportError):
    """An optional dependency of callcore is not installed; ``.extra`` is what to install."""

    def __init__(self, module: str, extra: str, feature: str) -> None:
        self.extra = extra
        super().__init__(
            f"{feature} needs the '{module}' package, which is not installed: "
            f"pip install 'callcore[{extra}]'",
            name=module,
        )


def _present(module: str) -> bool:
    """Whether the top-level *module* can be imported, asked of the import system's finders as
    ``importlib.util.find_spec`` does for a top-level name (importing importlib.util, with
    contextlib, is ~1 ms of every `callcore` command's start)."""
    if module in sys.modules:
        return sys.modules[module] is not None  # None: left there by a failed import
    try:
        for finder in sys.meta_path:
            find_spec = getattr(finder, "find_spec", None)
            if find_spec is not None and find_spec(module, None) is not None:
                return True
    except (ImportError, ValueError):  # a finder that refuses the name
        return False
    return False


def require(extra: str, feature: str | None = None) -> None:
    """Raises :class:`MissingExtra` unless every module of *extra* can be imported."""
    for module in EXTRAS[extra]:
        if not _present(module):
            raise MissingExtra(module, extra, feature or f"callcore[{extra}]")


def numpy() -> ModuleType:
    """numpy, a core dependency: imported here, in Python, before the Rust core is asked for an
    array, because the core's numpy bridge panics (``pyo3_runtime.PanicException``, a
    BaseException) when it cannot import numpy itself."""
    try:
        import numpy as np
    except ImportError as e:
        raise ImportError(
            f"callcore needs numpy (a core dependency) for arrays, and importing it failed ({e}): "
            "pip install 'numpy>=1.24'",
            name="numpy",
        ) from e
    return np
