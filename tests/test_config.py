"""The config: defaults, overrides, ${VAR} secrets and one clear message per problem."""

from __future__ import annotations

import pytest

from statusgen.config import load_config, public_url
from statusgen.errors import ConfigError

from .conftest import MINIMAL_CONFIG


def problems(path, env=None) -> list[str]:
    with pytest.raises(ConfigError) as caught:
        load_config(path, env=env or {})
    assert caught.value.exit_code == 2
    return caught.value.problems


def test_minimal_config_gets_vigil_defaults(project):
    config = load_config(project(), env={})
    node = config.services[0].nodes[0]
    metrics = node.metrics(config.metrics)
    assert (metrics.interval, metrics.retry, metrics.delay_sick, metrics.delay_dead) == (
        120,
        2,
        5,
        10,
    )
    assert node.http.method == "GET"
    assert node.replicas[0].label == "http://127.0.0.1:9/"
    assert config.history_dir == project().parent.parent / "history"


def test_node_overrides_its_mode_defaults(project):
    path = project(MINIMAL_CONFIG + "retry = 0\ndelay_dead = 30\n[metrics.poll]\ndelay_sick = 2\n")
    config = load_config(path, env={})
    metrics = config.services[0].nodes[0].metrics(config.metrics)
    assert (metrics.retry, metrics.delay_sick, metrics.delay_dead) == (0, 2, 30)


BAD = [
    (
        'replicas = ["http://ok/", "tcp://x:1", "ftp://x"]',
        "services[0].nodes[0].replicas[2]: expected an icmp://, tcp://, tls://, http://, "
        "https:// or dns:// URL, got 'ftp://x'",
    ),
    (
        'replicas = ["tcp://db"]',
        "services[0].nodes[0].replicas[0]: expected tcp://host:port with a port, got 'tcp://db'",
    ),
    (
        'replicas = ["http://x/"]\nlable = "x"',
        "services[0].nodes[0].lable: unknown key 'lable'; did you mean 'label'?",
    ),
    (
        'replicas = ["http://x/"]\nretry = 11',
        "services[0].nodes[0].retry: expected less than or equal to 10, got 11",
    ),
    (
        'replicas = ["http://x/"]\nmode = "pull"',
        "services[0].nodes[0].mode: expected 'poll', 'push' or 'local', got 'pull'",
    ),
    (
        'replicas = ["http://x/"]\ncpu_sick_above = 11.0',
        "services[0].nodes[0].cpu_sick_above: expected less than or equal to 10, got 11.0",
    ),
    (
        'replicas = ["http://x/"]\nhttp = { healthy_above = 400, healthy_below = 200 }',
        "services[0].nodes[0].http: healthy_above (400) must be below healthy_below (200)",
    ),
    (
        'replicas = ["http://x/"]\ndelay_sick = 20',
        "services[0].nodes[0]: delay_sick (20) must be below delay_dead (10)",
    ),
    ("replicas = []", "services[0].nodes[0].replicas: a poll node needs at least one replica URL"),
    (
        'mode = "push"\nreplicas = ["http://x/"]',
        "services[0].nodes[0].replicas: push nodes take no replicas (their reporters create them)",
    ),
]


@pytest.mark.parametrize(("node_lines", "message"), BAD)
def test_each_bad_value_gets_one_message_naming_file_and_key(project, node_lines, message):
    text = MINIMAL_CONFIG.replace('replicas = ["http://127.0.0.1:9/"]', node_lines)
    path = project(text)
    assert problems(path) == [f"{path}: {message}"]


def test_all_problems_are_reported_at_once(project):
    path = project('[page]\nnam = "x"\n[probe]\nconcurrency = 0\n')
    assert problems(path) == [
        f"{path}: page.name: required key is missing",
        f"{path}: page.nam: unknown key 'nam'; did you mean 'name'?",
        f"{path}: probe.concurrency: expected greater than or equal to 1, got 0",
    ]


def test_duplicate_ids_are_rejected(project):
    path = project(MINIMAL_CONFIG + '[[services]]\nid = "site"\nname = "Again"\n')
    assert problems(path) == [
        f"{path}: services[1].id: duplicate id 'site' (already used at services[0].nodes[0])"
    ]


def test_unknown_ids_in_pages_and_channels(project):
    path = project(
        MINIMAL_CONFIG
        + '[[pages]]\nslug = "x"\nname = "X"\nservices = ["nope"]\n'
        + '[[pages]]\nslug = "x"\nname = "Y"\n'
    )
    assert problems(path) == [
        f"{path}: pages[0].services[0]: unknown service or node 'nope'",
        f"{path}: pages[1].slug: slug 'x' already taken",
    ]


def test_toml_syntax_error_names_the_file_and_line(project):
    path = project('[page\nname = "x"\n')
    (message,) = problems(path)
    assert message.startswith(f"{path}: not valid TOML:") and "line 1" in message


def test_missing_file_suggests_init(tmp_path):
    (message,) = problems(tmp_path / "nope.toml")
    assert "no such file; run `statusgen init`" in message


def test_env_substitution_and_secrets(project):
    path = project(
        MINIMAL_CONFIG.replace(
            '"http://127.0.0.1:9/"', '{ url = "https://bot:${PASS}@10.1.2.3/h", label = "eu" }'
        )
    )
    config = load_config(path, env={"PASS": "hunter22"})
    replica = config.services[0].nodes[0].replicas[0]
    assert replica.url == "https://bot:hunter22@10.1.2.3/h"
    assert replica.label == "eu" and replica.id == "eu"
    assert "hunter22" in config.secrets
    assert config.redact("oops hunter22 leaked") == "oops *** leaked"


def test_missing_env_variable_is_a_clear_error(project):
    path = project(MINIMAL_CONFIG.replace("Test Status", "${PAGE_NAME}"))
    assert problems(path) == [f"{path}: page.name: environment variable PAGE_NAME is not set"]


@pytest.mark.parametrize(
    ("url", "public"),
    [
        ("https://u:p@example.com/a?token=x#f", "https://example.com/a"),
        ("tcp://db.local:5432", "tcp://db.local:5432"),
        ("icmp://10.0.0.1", "icmp://10.0.0.1"),
        ("http://[::1]:8080/x", "http://[::1]:8080/x"),
    ],
)
def test_public_url_drops_credentials_and_query(url, public):
    assert public_url(url) == public


def test_shipped_example_config_is_valid():
    from pathlib import Path

    config = load_config(Path(__file__).parent.parent / "config" / "statusgen.toml", env={})
    assert [s.id for s in config.sorted_services()] == ["web", "api"]
