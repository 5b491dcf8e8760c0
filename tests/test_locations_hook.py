"""The signed web hook with locations: each failing replica's entry says from where
(`reason`, the merged reason), computed from real location records through the merge;
without locations the payload keeps the seeds' shape (tests/test_notify_delivery.py)."""

from __future__ import annotations

import json
from datetime import timedelta

from statusgen.config import load_config
from statusgen.history import open_store
from statusgen.locations import merged_state
from statusgen.notify import notify_pass

from .conftest import T0, write_project
from .locations_support import locations_toml

CONFIG = """
[page]
name = "Acme"
id = "acme"

[health]
quorum = 2

[[notify.hooks]]
label = "ops-hook"
target = "{target}"
secret = "hook-secret-1"

[[services]]
id = "web"
name = "Web"

  [[services.nodes]]
  id = "site"
  label = "Site"
  replicas = [{{ url = "http://10.0.0.1/", label = "edge-1" }}]
""" + locations_toml("fra", "par", "nyc")


def record(at, status: str, reason: str = "") -> dict:
    entry = ["h", 12] if status == "h" else [status, None, reason]
    return {
        "t": at.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "r": {"web/site/edge-1": entry},
        "n": {"web/site": status},
        "s": {"web": status},
        "p": status,
    }


def test_the_hook_says_from_where_a_quorum_or_a_minority_failed(tmp_path, httpserver):
    httpserver.expect_request("/hook", method="POST").respond_with_data("ok")
    text = CONFIG.format(target=httpserver.url_for("/hook"))
    config = load_config(write_project(tmp_path, text), env={})

    def notify(at, votes: dict[str, tuple[str, str]]) -> None:
        for location, (status, reason) in votes.items():
            open_store(config, writer=location).append(record(at, status, reason), at)
        state = merged_state(config, at)
        notify_pass(config, state.evaluation, state.results, at, last_seen=state.last_seen)

    refused = ("d", "connection refused")
    notify(T0, {"fra": ("h", ""), "par": refused, "nyc": refused})  # a quorum: dead
    later = T0 + timedelta(minutes=5)
    notify(later, {"fra": ("h", ""), "par": ("h", ""), "nyc": refused})  # a minority: sick
    payloads = [json.loads(request.get_data()) for request, _ in httpserver.log]
    assert [p["data"]["health"] for p in payloads] == ["dead", "sick"]
    assert payloads[0]["data"]["nodes"] == [
        {
            "label": "Site",
            "replica": "edge-1",
            "reason": "connection refused from Paris and New York (2 of 3 locations)",
        }
    ]
    assert payloads[1]["data"]["nodes"] == [
        {
            "label": "Site",
            "replica": "edge-1",
            "reason": "unreachable from New York (1 of 3 locations): connection refused",
        }
    ]
    assert set(payloads[0]) == {"website_id", "event", "data", "timestamp"}  # the seeds' keys
