"""Replica URLs: the quick look (`plain_url`, one regular expression) that spares most
replicas of a big config the full one (`default_label`: urlsplit, port, DNS question)
must never accept what the full look refuses, change a label or id, or hide a secret
from `config.secrets` (issue 14, loading a 10,000-replica config)."""

from __future__ import annotations

import json
from urllib.parse import urlsplit

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from statusgen.config import load_config
from statusgen.config.services import default_label, plain_url, public_url
from statusgen.errors import ConfigError
from statusgen.secrets import url_credentials

SCHEMES = ["http", "https", "icmp", "tcp", "tls", "dns", "HTTP", "ftp", ""]
USERINFO = ["", "u@", "u:pw@", "@", ":@"]
HOSTS = ["127.0.0.1", "example.com", "Example.com", "a-b.c", "[::1]", "", "h_1", "0", "é.fr"]
PORTS = ["", ":", ":0", ":1", ":80", ":080", ":65535", ":65536", ":99999", ":x", ":-1"]
PATH_CHARS = "/ab-._~!$&'()*+,;=:@%?#[] \t\\"

urls = st.builds(
    lambda scheme, user, host, port, path: f"{scheme}://{user}{host}{port}{path}",
    st.sampled_from(SCHEMES),
    st.sampled_from(USERINFO),
    st.sampled_from(HOSTS) | st.from_regex(r"[a-zA-Z0-9.-]{1,6}", fullmatch=True),
    st.sampled_from(PORTS),
    st.text(alphabet=PATH_CHARS, max_size=8),
)


def full_look(url: str) -> str | None:
    """The label the full look gives, None when it refuses the URL."""
    try:
        return default_label(url)
    except ValueError:
        return None


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(urls)
def test_a_plain_url_is_what_the_full_look_accepts_as_its_own_public_form(url):
    if not plain_url(url):
        return
    assert full_look(url) == url
    parts = urlsplit(url)
    assert (parts.username, parts.password, parts.query, parts.fragment) == (None, None, "", "")
    assert public_url(url) == url
    assert url_credentials(url) == set()  # what the log masking would add for it


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1:9/fast/1",
        "https://example.com",
        "https://example.com/a/b-c_d.e~f;g=h@i",
        "icmp://10.0.0.1",
        "tcp://db.internal:5432",
        "tls://mail.example.com:465/",
    ],
)
def test_common_replica_urls_take_the_quick_look(url):
    assert plain_url(url)


@pytest.mark.parametrize(
    "url",
    [
        "http://Example.com/",  # its public form is lowercase: the URL itself is a secret
        "https://bot:hunter22@10.1.2.3/h",
        "https://example.com/?token=abcd",
        "https://example.com/#part",
        "http://[::1]:8080/",
        "http://h:080/",
        "http://h:0/",
        "http://h:65536/",
        "tcp://db",
        "tcp://db:5432/path",
        "dns://example.com?type=MX",
        "ftp://example.com/",
    ],
)
def test_other_urls_take_the_full_look(url):
    assert not plain_url(url)


def old_labels_and_secrets(replicas: list[str]) -> tuple[list[str], list[str], set[str]]:
    """Labels, ids and URL secrets as the loader worked them out before the quick look
    (one urlsplit per replica, and another for its credentials)."""
    import re

    labels, ids, secrets = [], [], set()
    for url in replicas:
        label = default_label(url)
        labels.append(label)
        ids.append(re.sub(r"[^A-Za-z0-9._:-]+", "-", label).strip("-")[:128] or "replica")
        parts = urlsplit(url)
        secrets.update(x for x in (parts.password, parts.username) if x)
        if parts.query and parts.scheme != "dns":
            secrets.add(parts.query)
        if url != public_url(url):
            secrets.add(url)
    return labels, ids, {s for s in secrets if len(s) >= 4}


def config_with(replicas: list[str]) -> str:
    listed = ", ".join(json.dumps(url) for url in replicas)  # TOML reads JSON's escapes
    return f"""
[page]
name = "T"

[[services]]
id = "web"
name = "Web"

[[services.nodes]]
id = "site"
label = "Site"
replicas = [{listed}]
"""


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(urls, min_size=1, max_size=8))
def test_labels_ids_and_secrets_are_those_of_the_full_look(tmp_path_factory, replicas):
    replicas = list(dict.fromkeys(url for url in replicas if full_look(url) is not None))
    if not replicas:
        return
    path = tmp_path_factory.mktemp("cfg") / "statusgen.toml"
    path.write_text(config_with(replicas), encoding="utf-8")
    labels, ids, secrets = old_labels_and_secrets(replicas)
    try:
        config = load_config(path, env={})
    except ConfigError as error:
        # Two URLs with one public form clash by id, as they always did.
        assert "duplicate replica id" in str(error) and len(set(ids)) < len(ids)
        return
    node = config.services[0].nodes[0]
    assert [r.label for r in node.replicas] == labels
    assert [r.id for r in node.replicas] == ids
    assert config.secrets == frozenset(secrets)


def test_a_bad_url_is_still_named_with_the_full_looks_message(project):
    text = config_with(["http://ok/", "http://h:65536/"])
    with pytest.raises(ConfigError) as caught:
        load_config(project(text), env={})
    assert str(caught.value).endswith(
        "services[0].nodes[0].replicas[1]: bad port in 'http://h:65536/'"
    )
