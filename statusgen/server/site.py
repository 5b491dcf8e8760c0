"""The server's view of the site build: rebuild `output/` and keep its API documents.

`build_site` writes the files; `live_documents` renders the same documents in memory
with the same functions (`build_snapshot` + `api_documents`) and the same inputs (config,
history, content, `now`, live statuses), so what the server answers on an API path is
byte for byte what a static host would serve after the same build. Both run under the
server's write lock, so no pass of this server lands in between.
"""

from __future__ import annotations

from datetime import datetime

from statusgen.config import Config
from statusgen.status import Status


def live_documents(config: Config, now: datetime, live: dict[str, Status]) -> dict[str, bytes]:
    """The API documents (output-relative path -> bytes) for this state."""
    from statusgen.content.reader import load_content
    from statusgen.history import HistoryView, open_store
    from statusgen.site import api_documents, build_snapshot

    view = HistoryView.load(open_store(config))
    snapshot = build_snapshot(config, view, load_content(config), now, live=live)
    return api_documents(snapshot)


def build_with_documents(
    config: Config, now: datetime, live: dict[str, Status]
) -> dict[str, bytes]:
    """Rebuild `output/` for this state and return its API documents."""
    from statusgen.site import build_site

    build_site(config, now, live=live)
    return live_documents(config, now, live)
