"""Message text, routing to channels and the web hook payload."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest

from statusgen.config import Channel, load_config
from statusgen.health import evaluate
from statusgen.notify.channels import channel_names
from statusgen.notify.hooks import encode, sign, verify
from statusgen.notify.messages import (
    Details,
    affected_nodes,
    compose,
    format_duration,
    health_payload,
    node_link,
    wants,
)
from statusgen.notify.redact import mask, redacted_url, url_secrets
from statusgen.notify.transitions import Transition
from statusgen.status import ProbeResult, Status
from tests.conftest import T0, write_project

H, S, D = Status.HEALTHY, Status.SICK, Status.DEAD

CONFIG = """
[page]
name = "Acme Status"
id = "acme"
url = "https://status.acme.test/"

[[services]]
id = "web"
name = "Web"

[[services.nodes]]
id = "site"
label = "Site"
replicas = [{url = "http://10.0.0.1/", label = "edge-1"}, {url = "http://10.0.0.2/"}]

[[services]]
id = "api"
name = "API"

[[services.nodes]]
id = "gw"
label = "Gateway"
replicas = ["tcp://10.0.1.1:443"]
"""


@pytest.fixture
def details(tmp_path):
    config = load_config(write_project(tmp_path, CONFIG))
    tree = [("web", "site"), ("api", "gw")]
    evaluation = evaluate(
        tree, {"web/site/edge-1": D, "web/site/10.0.0.2": D, "api/gw/10.0.1.1": H}
    )
    results = [
        ProbeResult("web", "site", "edge-1", "edge-1", T0, False, None, "connection refused"),
        ProbeResult("web", "site", "10.0.0.2", "http://10.0.0.2/", T0, False, None, "HTTP 503"),
    ]
    return Details(config, evaluation, results)


def dead(key: str = "web/site") -> Transition:
    return Transition(key, "dead", D, H, T0, T0, D)


def recovered(key: str = "api/gw", worst: Status = D) -> Transition:
    since = T0 + timedelta(minutes=74)
    return Transition(key, "recovered", H, worst, since, T0, worst, duration=74 * 60)


@pytest.mark.parametrize(
    ("seconds", "text"),
    [(0, "0 s"), (45, "45 s"), (60, "1 min"), (14 * 60 + 20, "14 min"), (3600, "1 h"),
     (3720, "1 h 2 min"), (86400, "1 d"), (90000, "1 d 1 h")],
)  # fmt: skip
def test_format_duration(seconds, text):
    assert format_duration(seconds) == text


@pytest.mark.parametrize(
    ("base", "link"),
    [
        ("https://status.acme.test/", "https://status.acme.test/nodes/web/site.html"),
        ("https://acme.test/status", "https://acme.test/status/nodes/web/site.html"),
        (None, None),
    ],
)
def test_node_link_follows_the_site_path_scheme(base, link):
    assert node_link(base, "web", "site") == link


@pytest.mark.parametrize(
    ("services", "events", "transition", "heard"),
    [
        ([], ["dead", "recovered"], dead(), True),
        (["web"], ["dead", "recovered"], dead(), True),  # by service id
        (["site"], ["dead", "recovered"], dead(), True),  # by node id
        (["api"], ["dead", "recovered"], dead(), False),
        ([], ["recovered"], dead(), False),
        ([], ["dead"], Transition("web/site", "reminder", D, D, T0), True),
        ([], ["dead", "recovered"], Transition("web/site", "sick", S, H, T0), False),
        ([], ["sick"], Transition("web/site", "sick", S, H, T0), True),
        ([], ["dead", "recovered"], recovered(worst=D), True),
        # a recovery from an outage that never went past sick is sick news
        ([], ["dead", "recovered"], recovered(worst=S), False),
        ([], ["sick", "recovered"], recovered(worst=S), True),
        (["site"], ["dead"], dead("web/site/edge-1"), True),  # a replica routes by its node
    ],
)
def test_routing_by_service_and_event(services, events, transition, heard):
    channel = Channel(url="json://localhost", services=services, events=events)
    assert wants(channel, transition) is heard


def test_message_names_dead_and_recovered_nodes_with_reasons_since_and_links(details):
    message = compose(Channel(url="json://x"), [dead(), recovered()], details)
    assert message is not None
    assert message.title == "Acme Status: 1 dead, 1 recovered"
    assert message.level == "failure"
    assert message.body.splitlines() == [
        "DEAD: Web / Site since 2026-11-23 12:00 UTC",
        "  edge-1: connection refused",
        "  http://10.0.0.2/: HTTP 503",
        "  https://status.acme.test/nodes/web/site.html",
        "RECOVERED: API / Gateway at 2026-11-23 13:14 UTC, after 1 h 14 min down"
        " (since 2026-11-23 12:00 UTC)",
        "  https://status.acme.test/nodes/api/gw.html",
    ]


def test_single_transition_title_and_slack_mention(details):
    channel = Channel(url="slack://T/B/C", mention_channel=True)
    message = compose(channel, [recovered()], details)
    assert message is not None
    assert message.title == "Acme Status: API / Gateway recovered"
    assert message.body.startswith("<!channel>\n")
    assert message.level == "success"


def test_nothing_for_a_channel_that_hears_none_of_it(details):
    assert compose(Channel(url="json://x", services=["api"]), [dead()], details) is None


def test_reminder_and_replica_subjects(details):
    reminder = Transition("web/site", "reminder", D, D, T0, T0, D, duration=3600, reminder=2)
    replica = Transition("web/site/edge-1", "dead", D, H, T0, T0, D)
    message = compose(Channel(url="json://x"), [reminder, replica], details)
    assert message is not None
    lines = message.body.splitlines()
    assert lines[0] == "STILL DEAD: Web / Site for 1 h (since 2026-11-23 12:00 UTC), reminder 2"
    assert "DEAD: Web / Site / edge-1 since 2026-11-23 12:00 UTC" in lines
    assert lines.count("  edge-1: connection refused") == 2


def test_health_payload_is_the_seeds_shape(details):
    nodes = affected_nodes(["web/site"], details)
    assert nodes == [
        {"label": "Site", "replica": "edge-1"},
        {"label": "Site", "replica": "http://10.0.0.2/"},
    ]
    payload = health_payload("acme", D, nodes, T0)
    assert payload == {
        "website_id": "acme",
        "event": "status:health:changed",
        "data": {"website_id": "acme", "health": "dead", "nodes": nodes},
        "timestamp": int(T0.timestamp() * 1000),
    }
    assert health_payload("acme", H, nodes, T0)["data"]["nodes"] == []  # type: ignore[index]


def test_signature_verifies_only_the_exact_body():
    body = encode(health_payload("acme", H, [], T0)).encode()
    signature = sign(body, "s3cret")
    assert signature.startswith("sha256=") and len(signature) == 7 + 64
    assert verify(body, "s3cret", signature)
    assert not verify(body + b" ", "s3cret", signature)
    assert not verify(body, "other", signature)
    assert json.loads(body)["event"] == "status:health:changed"


def test_channel_names_are_unique_and_never_the_url():
    channels = [
        Channel(url="mailtos://user:pw@mail.test?to=a@b.test", name="ops"),
        Channel(url="pover://userkey@apptoken"),
        Channel(url="json://127.0.0.1/x", name="ops"),
    ]
    assert channel_names(channels) == ["ops", "pover-2", "ops-3"]


@pytest.mark.parametrize(
    ("url", "hidden"),
    [
        ("mailtos://me:hunter22@mail.test?to=ops@acme.test", ["hunter22", "ops@acme.test"]),
        ("https://hooks.slack.com/services/T0000/B0000/XXXXSECRET", ["XXXXSECRET", "T0000"]),
        ("slack://TOKENA/TOKENB/TOKENC/#ops", ["TOKENA", "TOKENB", "TOKENC"]),
        ("pover://userkey1@apptoken1", ["userkey1", "apptoken1"]),
        ("ntfy://ntfy.sh/my-private-topic", ["my-private-topic"]),
    ],
)
def test_url_secrets_mask_every_credential_part(url, hidden):
    masked = mask(f"failed to send to {url} ({' '.join(hidden)})", url_secrets(url))
    for part in hidden:
        assert part not in masked
    assert redacted_url(url).endswith("://***")
