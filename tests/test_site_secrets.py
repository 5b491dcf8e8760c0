"""Secrets never reach output/: notifier URLs, replica URL credentials, `${VAR}` values,
private replica hosts and HTTP headers, in any page, document, feed or badge."""

from __future__ import annotations

from statusgen.site import build_site

from .conftest import T0
from .site_helpers import FIXTURE_CONFIG, make_fixture

SECRETS = {
    "SLACK_TOKEN": "xoxb-planted-slack-token-1234",
    "API_PASS": "planted-replica-password-77",
    "API_TOKEN": "planted-bearer-token-99",
    "HOOK_SECRET": "planted-hook-secret-42",
}

SECRET_CONFIG = (
    FIXTURE_CONFIG.replace(
        '{ url = "http://127.0.0.1:9/", label = "eu-2" },',
        '{ url = "http://admin:${API_PASS}@private-host.internal:8443/health?key=planted-query-key",'
        ' label = "eu-2" },',
    ).replace(
        'replicas = [{ url = "http://127.0.0.1:9/api", label = "api-1" }]',
        'replicas = [{ url = "http://127.0.0.1:9/api", label = "api-1" }]\n'
        '  http = { headers = { Authorization = "Bearer ${API_TOKEN}" } }',
    )
    + """
[notify]
channels = [{ name = "ops", url = "slack://${SLACK_TOKEN}/T000/B000/planted-channel" }]
[[notify.hooks]]
label = "ops-hook"
target = "https://hooks.acme.test/planted-hook-path"
secret = "${HOOK_SECRET}"
"""
)

PLANTED = [
    *SECRETS.values(),
    "planted-query-key",
    "private-host.internal",
    "planted-channel",
    "planted-hook-path",
    "hunter22pw",  # the fixture's credentials in the eu-1 replica URL
    "10.0.0.5",  # the private host behind the label eu-1
]


def test_no_secret_reaches_any_file_under_output(tmp_path):
    config = make_fixture(tmp_path, SECRET_CONFIG, env=SECRETS)
    assert set(SECRETS.values()) <= config.secrets  # the config knows they are secrets
    build_site(config, T0)
    files = [p for p in config.output_dir.rglob("*") if p.is_file()]
    assert len(files) > 50
    for path in files:
        data = path.read_bytes()
        for secret in PLANTED:
            assert secret.encode() not in data, f"{secret!r} leaked into {path}"


def test_public_labels_are_shown_instead(tmp_path):
    config = make_fixture(tmp_path, SECRET_CONFIG, env=SECRETS)
    build_site(config, T0)
    node = (config.output_dir / "nodes" / "web" / "site.html").read_text()
    assert "<td>eu-1</td>" in node and "<td>eu-2</td>" in node
