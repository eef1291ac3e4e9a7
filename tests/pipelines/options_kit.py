"""The tests' one way to build import options from one flat set of keywords: each keyword goes
to :class:`ImportOptions` when it is a generic option, else to the chosen platform's own options
(``HuaweiImportOptions`` ...); a keyword neither takes is an error, as it is for users."""
from __future__ import annotations

import dataclasses
from typing import Any

from callcore.pipelines.adapters import adapter_class
from callcore.pipelines.outbound import ImportOptions


def import_options(**flat: Any) -> ImportOptions:
    platform = flat.get("platform", "huawei")
    own_type = adapter_class(platform).options_type
    generic = {f.name for f in dataclasses.fields(ImportOptions)}
    own_fields = {f.name for f in dataclasses.fields(own_type)}
    own = {k: flat.pop(k) for k in list(flat) if k not in generic}
    unknown = set(own) - own_fields
    if unknown:
        raise TypeError(f"neither ImportOptions nor {own_type.__name__} takes {sorted(unknown)}")
    return ImportOptions(**flat, platform_options=own_type(**own))
