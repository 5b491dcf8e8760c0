"""`statusgen check`: everything that can be validated without probing anything."""

from __future__ import annotations

from statusgen.config import Config
from statusgen.content import check_content
from statusgen.errors import StatusgenError
from statusgen.notify.channels import validate_channels
from statusgen.site.build import site_problems


def check_project(config: Config) -> None:
    """Raise one StatusgenError listing every problem in content files, notifier URLs and
    site settings (the config itself was validated when it was loaded)."""
    problems = check_content(config) + validate_channels(config) + site_problems(config)
    if problems:
        raise StatusgenError(problems)
