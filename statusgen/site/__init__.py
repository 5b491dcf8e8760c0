"""The public site: one Snapshot of the page state, rendered to HTML pages, the static JSON
API, badges and feeds.

`build_snapshot` computes the state once; `api_documents` and the HTML pages render from
it, so the site, the API and the live server (which serves the same documents) never
disagree. `build_site` writes everything into `output/` atomically.
"""

from statusgen.site.build import BuildReport, build_site
from statusgen.site.documents import api_documents
from statusgen.site.snapshot import NodeState, PageInfo, ServiceState, Snapshot, build_snapshot

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
