"""What `statusgen check` and the build both report about the site's settings, without
Jinja2 (so `check` does not load the renderer)."""

from __future__ import annotations

from statusgen.config import LOCALES, Config
from statusgen.errors import ConfigError

# Top-level names of the output: an extra page's slug must not shadow one of them.
RESERVED = {"api", "assets", "badges", "history", "incidents", "maintenance", "nodes"}
RESERVED |= {"services", "status", *LOCALES}


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
        if domain and any(c in domain for c in "/:@ "):
            problems.append(
                f"{config.path}: {key}: expected a bare host name like status.acme.com, "
                f"got {domain!r}"
            )
    logos = config.page.logos
    files = [("page.logos.header", logos.header), ("page.logos.footer", logos.footer)]
    files += [("page.logos.banner", logos.banner)]
    files += [(f"pages[{i}].logo", p.logo) for i, p in enumerate(config.pages)]
    for key, value in files:
        if value and not is_url(value) and not config.resolve(value).is_file():
            problems.append(f"{config.path}: {key}: no such file {str(config.resolve(value))!r}")
    return problems


def is_url(value: str) -> bool:
    return value.startswith(("http://", "https://", "data:", "/"))
