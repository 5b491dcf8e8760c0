"""The public site: one Snapshot of the page state, rendered to HTML pages, the static JSON
API, badges and feeds.

`build_snapshot` computes the state once; `api_documents` and the HTML pages render from
it, so the site, the API and the live server (which serves the same documents) never
disagree. `build_site` writes everything into `output/` atomically.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from statusgen.site.build import BuildReport, build_site
    from statusgen.site.documents import api_documents
    from statusgen.site.snapshot import NodeState, PageInfo, ServiceState, Snapshot, build_snapshot

# name -> the module it lives in, imported on first use so that importing one module of
# this package does not load them all (`statusgen --help` and `check` stay light).
_EXPORTS = {
    "BuildReport": "build",
    "build_site": "build",
    "api_documents": "documents",
    "NodeState": "snapshot",
    "PageInfo": "snapshot",
    "ServiceState": "snapshot",
    "Snapshot": "snapshot",
    "build_snapshot": "snapshot",
}

__all__ = [
    "BuildReport",
    "NodeState",
    "PageInfo",
    "ServiceState",
    "Snapshot",
    "api_documents",
    "build_site",
    "build_snapshot",
]


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(importlib.import_module(f"{__name__}.{module}"), name)
