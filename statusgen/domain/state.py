"""The custom domain's last check, kept in `domain-state.json` next to the notifier's state
(so on the data branch too): whether it is verified, since when, and what is wrong.

A run that cannot check (offline, the resolver silent) keeps the previous result and its
`verified_at`, and says why in `unchecked`. A file that cannot be read is copied to
`corrupt/` and the next check starts afresh.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass, replace
from datetime import datetime

from statusgen.clock import iso, parse_iso
from statusgen.config import Config
from statusgen.files import set_aside, write_atomic

log = logging.getLogger("statusgen.domain")


@dataclass(frozen=True, slots=True)
class Check:
    """One check: `checked` False when it could not be made (then `reason` says why);
    otherwise the domain is verified when there are no `problems`."""

    checked: bool
    problems: tuple[str, ...] = ()
    certificate_expires: datetime | None = None
    reason: str = ""


@dataclass(frozen=True, slots=True)
class DomainStatus:
    """What is known of the domain. `verified` is None before its first check;
    `verified_at` is the last time it was verified (kept while it is not, or cannot be
    checked); `checked_at` the last check that could be made."""

    name: str
    verified: bool | None = None
    verified_at: datetime | None = None
    checked_at: datetime | None = None
    problems: tuple[str, ...] = ()
    certificate_expires: datetime | None = None
    unchecked: str | None = None

    def document(self) -> dict:
        """The `domain` object of api/v1/status.json."""
        return {
            "name": self.name,
            "verified": self.verified,
            "verified_at": _at(self.verified_at),
            "checked_at": _at(self.checked_at),
            "certificate_expires": _at(self.certificate_expires),
            "problems": list(self.problems),
            "unchecked": self.unchecked,
        }

    def summary(self) -> str:
        """One line for `run`, `build` and `check`."""
        head = f"domain {self.name}: "
        if self.verified:
            text = f"verified at {iso(self.verified_at)}" if self.verified_at else "verified"
            if self.certificate_expires:
                text += f" (certificate valid until {self.certificate_expires.date()})"
        elif self.verified is False:
            text = "not verified: " + "; ".join(self.problems)
            if self.verified_at:
                text += f" (last verified at {iso(self.verified_at)})"
        else:
            text = "not checked yet"
        if self.unchecked:
            text = f"could not check ({self.unchecked}); last result: {text}"
        return head + text + ("" if self.verified else "; see statusgen domain")


def merge(previous: DomainStatus | None, name: str, check: Check, now: datetime) -> DomainStatus:
    """The status after `check` at `now`, given the previous one (for another domain:
    none)."""
    if previous is None or previous.name != name:
        previous = DomainStatus(name)
    if not check.checked:
        return replace(previous, unchecked=check.reason or "not checked")
    verified = not check.problems
    return DomainStatus(
        name=name,
        verified=verified,
        verified_at=now if verified else previous.verified_at,
        checked_at=now,
        problems=check.problems,
        certificate_expires=check.certificate_expires,
        unchecked=None,
    )


def load(config: Config) -> DomainStatus | None:
    """The recorded status of `page.custom_domain`, or None (no domain, nothing recorded
    for it yet, or an unreadable file, copied aside with a warning)."""
    name = (config.page.custom_domain or "").strip(".").lower()
    path = config.domain_state_file
    if not name or not path.is_file():
        return None
    data = path.read_bytes()
    try:
        raw = json.loads(data)
        status = DomainStatus(
            name=str(raw["name"]),
            verified=raw["verified"] if raw["verified"] in (True, False) else None,
            verified_at=_time(raw.get("verified_at")),
            checked_at=_time(raw.get("checked_at")),
            problems=tuple(str(p) for p in raw.get("problems", [])),
            certificate_expires=_time(raw.get("certificate_expires")),
            unchecked=str(raw["unchecked"]) if raw.get("unchecked") else None,
        )
    except (ValueError, KeyError, TypeError, AttributeError) as error:
        where = set_aside(path, data)
        log.warning("%s: unreadable (%s); %s; the next check starts afresh", path, error, where)
        return None
    return status if status.name == name else None


def current(config: Config) -> DomainStatus | None:
    """What is known of `page.custom_domain` (None without one; not checked yet: a
    status whose `verified` is None)."""
    name = (config.page.custom_domain or "").strip(".").lower()
    return (load(config) or DomainStatus(name)) if name else None


def save(config: Config, status: DomainStatus) -> None:
    path = config.domain_state_file
    path.parent.mkdir(parents=True, exist_ok=True)
    text = json.dumps(status.document(), indent=1, sort_keys=True) + "\n"
    write_atomic(path, text)


def _at(value: datetime | None) -> str | None:
    return iso(value) if value else None


def _time(value: object) -> datetime | None:
    if value is None:
        return None
    if not isinstance(value, str):
        raise ValueError(f"{value!r} is not a time")
    return parse_iso(value)
