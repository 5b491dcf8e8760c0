"""The server's view of the site build: rebuild `output/` and keep its API documents.

`build_site` writes the files and returns the API documents it wrote; `live_documents`
renders the same documents in memory from the same state (`snapshot_at`: config, the
history as of `now`, content, live statuses), so what the server answers on an API path
is byte for byte what a static host would serve after the same build. Both run under the
server's write lock, so no pass of this server lands in between.
"""

from __future__ import annotations

from datetime import datetime

from statusgen.config import Config
from statusgen.status import Status


def live_documents(config: Config, now: datetime, live: dict[str, Status]) -> dict[str, bytes]:
    """The API documents (output-relative path -> bytes) for this state, without writing."""
    from statusgen.site import api_documents
    from statusgen.site.build import snapshot_at

    return api_documents(snapshot_at(config, now, live)[0])


def build_with_documents(
    config: Config, now: datetime, live: dict[str, Status]
) -> dict[str, bytes]:
    """Rebuild `output/` for this state and return its API documents."""
    from statusgen.site import build_site

    return build_site(config, now, live=live).documents
