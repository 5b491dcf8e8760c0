"""What `statusgen check` and the build both report about the site's settings, without
Jinja2 (so `check` does not load the renderer)."""

from __future__ import annotations

import os
import re
from pathlib import Path

from statusgen.config import LOCALES, Config
from statusgen.errors import ConfigError
from statusgen.validation import shown

# Top-level names of the output: an extra page's slug must not shadow one of them.
RESERVED = {"api", "assets", "badge", "badges", "history", "incidents", "maintenance", "nodes"}
RESERVED |= {"services", "status", *LOCALES}
# A bare DNS name (what GitHub Pages' CNAME file holds): labels of letters, digits and
# hyphens, no scheme, port, path or spaces.
HOST_NAME = re.compile(
    r"^(?=.{1,253}$)(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+"
    r"[A-Za-z](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?$"
)


def check_site_config(config: Config) -> None:
    """Raise one ConfigError listing `site_problems`."""
    problems = site_problems(config)
    if problems:
        raise ConfigError(problems)


def site_problems(config: Config) -> list[str]:
    """What only the site cares about: slugs that would shadow output folders, a custom
    domain that is not a bare host name, logo files that are not there. For `statusgen
    check` as much as for the build."""
    problems = []
    for index, page in enumerate(config.pages):
        if page.slug in RESERVED:
            problems.append(
                f"{config.path}: pages[{index}].slug: {page.slug!r} is reserved for the site's "
                f"own folders; expected another slug (not one of {', '.join(sorted(RESERVED))})"
            )
    domains = [("page.custom_domain", config.page.custom_domain)]
    domains += [(f"pages[{i}].custom_domain", p.custom_domain) for i, p in enumerate(config.pages)]
    for key, domain in domains:
        if domain is not None and not HOST_NAME.match(domain):
            problems.append(
                f"{config.path}: {key}: expected a bare host name like status.acme.com, "
                f"got {shown(domain)}"
            )
    logos = config.page.logos
    files = [("page.logos.header", logos.header), ("page.logos.footer", logos.footer)]
    files += [("page.logos.banner", logos.banner)]
    files += [(f"pages[{i}].logo", p.logo) for i, p in enumerate(config.pages)]
    for key, value in files:
        if value and not is_url(value):
            problem = asset_problem(config, value)
            if problem:
                problems.append(f"{config.path}: {key}: {problem}")
    return problems


def asset_problem(config: Config, value: str) -> str | None:
    """Why a local asset path cannot be published, or None. It must name a file inside
    the project folder once symlinks are resolved: `../../proc/self/environ` or a link to
    `~/.ssh` would publish what was never meant to be."""
    root = Path(os.path.realpath(config.root))
    real = Path(os.path.realpath(config.resolve(value)))
    if not real.is_relative_to(root):
        return (
            f"{shown(value)} is outside the project folder; expected a file inside "
            f"{str(root)!r} (no '..', no symlink out)"
        )
    if not real.is_file():
        return f"no such file {shown(str(config.resolve(value)))}"
    return None


def is_url(value: str) -> bool:
    return value.startswith(("http://", "https://", "data:", "/"))
