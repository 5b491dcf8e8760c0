"""`statusgen check`: everything that can be validated without probing anything."""

from __future__ import annotations

from statusgen.config import Config
from statusgen.content import check_content
from statusgen.errors import StatusgenError
from statusgen.notify.channels import validate_channels


def check_project(config: Config) -> None:
    """Raise one StatusgenError listing every problem in content files and notifier URLs
    (the config itself was validated when it was loaded)."""
    problems = check_content(config) + validate_channels(config)
    if problems:
        raise StatusgenError(problems)
