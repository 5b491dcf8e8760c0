"""`[[locations]]` and `[health] quorum / stale_after`: defaults and one clear message per
problem."""

from __future__ import annotations

import pytest

from statusgen.config import load_config
from statusgen.errors import ConfigError

from .conftest import MINIMAL_CONFIG

THREE = """
[[locations]]
id = "fra"
name = "Frankfurt"
runner = "self-hosted"
runs_on = ["self-hosted", "fra"]
source_address = "127.0.0.2"

[[locations]]
id = "gh"
name = "GitHub runner"

[[locations]]
id = "box"
name = "Paris"
runner = "external"
"""


def problems(path) -> list[str]:
    with pytest.raises(ConfigError) as caught:
        load_config(path, env={})
    assert caught.value.exit_code == 2
    return caught.value.problems


def test_no_locations_by_default(project):
    config = load_config(project(), env={})
    assert config.locations == []
    assert config.health.stale_after == 1800
    text = MINIMAL_CONFIG + '[[notify.channels]]\nurl = "json://x"\n'
    channel = load_config(project(text), env={})
    assert channel.notify.channels[0].events == ["dead", "recovered", "location"]


def test_three_locations_and_their_defaults(project):
    config = load_config(project(MINIMAL_CONFIG + THREE), env={})
    assert [loc.id for loc in config.locations] == ["fra", "gh", "box"]
    assert config.quorum == 2  # a majority of 3
    assert config.locations[0].labels == ["self-hosted", "fra"]
    assert config.locations[1].labels == ["ubuntu-latest"]
    assert config.locations[2].labels == []
    assert config.location("fra").source_address == "127.0.0.2"


@pytest.mark.parametrize(("count", "quorum"), [(2, 2), (3, 2), (4, 3), (5, 3), (6, 4)])
def test_default_quorum_is_a_majority_of_at_least_two(project, count, quorum):
    text = "".join(f'[[locations]]\nid = "l{i}"\nname = "L{i}"\n' for i in range(count))
    assert load_config(project(MINIMAL_CONFIG + text), env={}).quorum == quorum


def test_explicit_quorum(project):
    text = MINIMAL_CONFIG.replace("[[services]]", "[health]\nquorum = 3\n\n[[services]]")
    assert load_config(project(text + THREE), env={}).quorum == 3


BAD = [
    (THREE.replace('id = "gh"', 'id = "fra"'), "locations[1].id: duplicate location id 'fra'"),
    (THREE.replace('"GitHub runner"', '"frankfurt"'), "locations[1].name: duplicate location"),
    (THREE.replace('id = "gh"', 'id = "main"'), "locations[1].id: 'main' is reserved"),
    (THREE.replace('"127.0.0.2"', '"fra.example"'), "locations[0].source_address: expected an"),
    (
        THREE.replace('runs_on = ["self-hosted", "fra"]\n', ""),
        "locations[0]: a self-hosted location needs runs_on",
    ),
    (
        THREE.replace('runner = "external"', 'runner = "external"\nruns_on = ["x"]'),
        "locations[2]: an external location runs on its own cron host",
    ),
    (THREE.replace('runner = "external"', 'runner = "cron"'), "locations[2].runner: "),
    ('[[locations]]\nid = "fra"\nname = "Frankfurt"\n', "locations: a vote needs at least 2"),
    (THREE + "\n[health]\nquorum = 4\n", "health.quorum: 4 is more than the 3 configured"),
    ("\n[health]\nquorum = 2\n", "health.quorum: expected [[locations]] to vote"),
    (THREE + "\n[health]\nstale_after = 0\n", "health.stale_after: "),
]


@pytest.mark.parametrize(("extra", "message"), BAD)
def test_each_bad_location_gets_one_clear_message(project, extra, message):
    path = project(MINIMAL_CONFIG + extra)
    found = problems(path)
    assert len(found) == 1, found
    assert found[0].startswith(f"{path}: {message}"), found
