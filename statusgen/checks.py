"""`statusgen check`: everything that can be validated without probing anything.

`config_problems` is the one validation beyond the config's own models that `check`,
`build`, `run` and the server's rebuilds all apply before writing anything, so a config
`check` rejects is rejected everywhere, before a pass is recorded or a message sent.
"""

from __future__ import annotations

import os
from collections.abc import Mapping

from statusgen.config import Config
from statusgen.content import check_content
from statusgen.errors import ConfigError, StatusgenError
from statusgen.site.problems import site_problems


def config_problems(config: Config) -> list[str]:
    """Notifier URLs Apprise cannot read, and site settings (reserved slugs, logo files,
    custom domains): one line per problem, naming the file and key."""
    problems = []
    if config.notify.channels:  # the notifier is not even loaded for a page without any
        from statusgen.notify.channels import validate_channels

        problems += validate_channels(config)
    return problems + site_problems(config)


def check_config(config: Config) -> None:
    """Raise one ConfigError listing `config_problems`; for `build` and `run`, before
    they write anything."""
    problems = config_problems(config)
    if problems:
        raise ConfigError(problems)


def check_project(config: Config) -> None:
    """Raise one StatusgenError listing every problem in content files, notifier URLs and
    site settings (the config itself was validated when it was loaded)."""
    problems = check_content(config) + config_problems(config)
    if problems:
        raise StatusgenError(problems)


def project_warnings(config: Config, env: Mapping[str, str] | None = None) -> list[str]:
    """What is valid but will not work as well as it could: no `page.url` (links that
    leave the page cannot be absolute), and ICMP on a GitHub-hosted runner (it cannot
    ping; self-hosted runners may)."""
    env = os.environ if env is None else env
    warnings = []
    if not config.page.url:
        warnings.append(
            f"{config.path}: page.url is not set; feeds, notifications and the Statuspage v2 "
            "API then carry page-relative links (shortlink: incidents/<id>.html) that readers "
            "elsewhere cannot follow; expected the address the page is published at, e.g. "
            'url = "https://status.example.com/"'
        )
    if env.get("RUNNER_ENVIRONMENT") != "github-hosted":
        return warnings
    return warnings + [
        f"{config.path}: {service.id}/{node.id}: {replica.url}: GitHub-hosted runners cannot "
        "ping (ICMP is not permitted there); use tcp:// or https://, or a self-hosted runner"
        for service, node in config.iter_nodes()
        for replica in node.replicas
        if replica.url.startswith("icmp://")
    ]
