"""callcore: signing, call-list cleaning and telephony audio for Chinese contact-center platforms.

Capabilities (each a subpackage over the Rust extension ``callcore._core``):

* :mod:`callcore.sign`: Huawei CEC ``auth-v2`` signing and verification, SCCC digests, 八百呼
  credentials, Huawei callback signatures, token providers and ``httpx`` auth objects.
"""

from __future__ import annotations

from callcore._core import __version__

__all__ = ["__version__"]
