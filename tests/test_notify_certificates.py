"""The opt-in `certificate` channel event: expiring announced once, renewal once."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest

from statusgen.config import load_config
from statusgen.health import evaluate
from statusgen.notify import load_state, notify_pass
from statusgen.notify.certificates import certificate_events
from statusgen.status import ProbeResult, Status
from tests.conftest import T0, write_project

CONFIG = """
[page]
name = "Acme Status"
[notify]
deadline = 5
{channels}
[[services]]
id = "web"
name = "Web"
[[services.nodes]]
id = "site"
label = "Site"
replicas = [{{url = "https://10.0.0.1/", label = "edge-1"}}]
"""


def result(at, expires_in_days: float | None) -> ProbeResult:
    expires = None if expires_in_days is None else T0 + timedelta(days=expires_in_days)
    return ProbeResult(
        "web", "site", "edge-1", "edge-1", at, True, 0.05, "HTTP 200", 1, Status.HEALTHY, expires
    )


@pytest.fixture
def config(tmp_path):
    return load_config(write_project(tmp_path, CONFIG.format(channels="")))


@pytest.mark.parametrize(
    ("announced", "days", "kinds", "kept"),
    [
        ({}, 30, [], {}),  # far off: nothing
        ({}, 20, ["expiring"], {"web/site/edge-1": "2026-12-13T12:00:00Z"}),
        (
            {"web/site/edge-1": "2026-12-13T12:00:00Z"},
            20,
            [],
            {"web/site/edge-1": "2026-12-13T12:00:00Z"},
        ),
        ({"web/site/edge-1": "2026-12-13T12:00:00Z"}, 90, ["renewed"], {}),
        ({}, None, [], {}),  # no certificate (plain HTTP)
    ],
)
def test_certificate_events(config, announced, days, kinds, kept) -> None:
    events, after = certificate_events(config, [result(T0, days)], announced, T0)
    assert [e.kind for e in events] == kinds
    assert after == kept


def test_expiry_and_renewal_reach_an_opted_in_channel_once_each(tmp_path, httpserver) -> None:
    httpserver.expect_request("/notify", method="POST").respond_with_data("ok")
    url = httpserver.url_for("/notify").replace("http", "json")
    channels = (
        f'[[notify.channels]]\nname = "certs"\nurl = "{url}"\nevents = ["certificate"]\n'
        f'[[notify.channels]]\nname = "ops"\nurl = "{url}"\n'  # default events: not this one
    )
    config = load_config(write_project(tmp_path, CONFIG.format(channels=channels)))
    evaluation = evaluate([("web", "site")], {"web/site/edge-1": Status.HEALTHY})
    for minutes, days in ((0, 20), (2, 20), (4, 90), (6, 90)):
        at = T0 + timedelta(minutes=minutes)
        notify_pass(config, evaluation, [result(at, days)], at)
    messages = [json.loads(request.get_data()) for request, _ in httpserver.log]
    assert [(m["title"], m["message"], m["type"]) for m in messages] == [
        (
            "Acme Status: certificate expiring",
            "Site (edge-1): certificate expires in 20 days (2026-12-13)",
            "warning",
        ),
        (
            "Acme Status: certificate renewed",
            "Site (edge-1): certificate renewed, now expires 2027-02-21",
            "success",
        ),
    ]
    assert load_state(config.resolve(config.notify.state_path)).certificates == {}
