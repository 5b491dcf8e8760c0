"""`[[locations]]`: the places a page is probed from, and the quorum that merges them.

A location is a writer of the history (its own raw files, named by its id), so its id
can never be `main` (the single-host writer). Its `name` is public ("Frankfurt"); how it
runs (`runner`, `runs_on`) and `source_address` are not published.
"""

import ipaddress
from typing import Literal, Self

from pydantic import Field, field_validator, model_validator

from statusgen.config.base import Id, Strict, new_list
from statusgen.validation import shown

# The writer name of `statusgen run` on a single host: no location may take it.
MAIN_WRITER = "main"
Runner = Literal["github", "self-hosted", "external"]


class Location(Strict):
    """One vantage point: a GitHub-hosted runner, a self-hosted runner (its `runs_on`
    labels) or an external cron host running `statusgen probe --location ID`."""

    id: Id
    name: str = Field(min_length=1, max_length=64, description="public name, e.g. Frankfurt")
    runner: Runner = Field("github", description="github | self-hosted | external")
    runs_on: list[str] = Field(
        default_factory=new_list, description="the workflow job's runs-on labels"
    )
    source_address: str | None = Field(None, description="probe from this local IP address")

    @field_validator("id")
    @classmethod
    def _not_main(cls, value: str) -> str:
        if value == MAIN_WRITER:
            raise ValueError(f"{MAIN_WRITER!r} is reserved (the single-host writer); pick another")
        return value

    @field_validator("source_address")
    @classmethod
    def _address(cls, value: str | None) -> str | None:
        if value is None:
            return None
        try:
            return str(ipaddress.ip_address(value))
        except ValueError:
            raise ValueError(
                f"expected an IPv4 or IPv6 address of this host, got {shown(value)}"
            ) from None

    @model_validator(mode="after")
    def _runs_on(self) -> Self:
        if any(not label.strip() for label in self.runs_on):
            raise ValueError("runs_on: labels must not be empty")
        if self.runner == "self-hosted" and not self.runs_on:
            raise ValueError(
                "a self-hosted location needs runs_on, its runner's labels, e.g. "
                '["self-hosted", "fra"]'
            )
        if self.runner == "external" and self.runs_on:
            raise ValueError(
                "an external location runs on its own cron host: runs_on is for "
                "github and self-hosted runners"
            )
        return self

    @property
    def labels(self) -> list[str]:
        """The workflow job's `runs-on` (GitHub-hosted: ubuntu-latest by default)."""
        if self.runs_on:
            return list(self.runs_on)
        return ["ubuntu-latest"] if self.runner == "github" else []


def default_quorum(count: int) -> int:
    """A majority of `count` configured locations, at least 2."""
    return max(2, count // 2 + 1)


def check_locations(locations: list[Location], quorum: int | None) -> list[str]:
    """Cross-field rules: unique ids and names, enough locations for a vote, a quorum
    that can be reached."""
    problems: list[str] = []
    ids: dict[str, int] = {}
    names: dict[str, int] = {}
    for index, location in enumerate(locations):
        if location.id in ids:
            problems.append(
                f"locations[{index}].id: duplicate location id {location.id!r} "
                f"(already used at locations[{ids[location.id]}])"
            )
        ids.setdefault(location.id, index)
        folded = location.name.casefold()
        if folded in names:
            problems.append(
                f"locations[{index}].name: duplicate location name {location.name!r} "
                f"(already used at locations[{names[folded]}])"
            )
        names.setdefault(folded, index)
    if len(locations) == 1:
        problems.append(
            "locations: a vote needs at least 2 locations; with one vantage point, leave "
            "[[locations]] out"
        )
    if quorum is not None:
        if not locations:
            problems.append("health.quorum: expected [[locations]] to vote; none are configured")
        elif quorum > len(locations):
            problems.append(
                f"health.quorum: {quorum} is more than the {len(locations)} configured "
                f"locations; expected 1 to {len(locations)}"
            )
    return problems
