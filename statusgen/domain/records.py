"""The DNS records a custom domain needs on GitHub Pages or on another static host.

GitHub Pages: a subdomain is a `CNAME` to `<owner>.github.io`; an apex domain has `A`
records to GitHub's four addresses (and `AAAA` to its four IPv6 ones). Another static
host: a `CNAME` to the host's name (`domain.target`), or `A`/`AAAA` records to its
addresses (`domain.addresses`), the only choice at an apex.
"""

from __future__ import annotations

import ipaddress
import os
from collections.abc import Mapping
from dataclasses import dataclass

from statusgen.config import Config

GITHUB_PAGES_A = ("185.199.108.153", "185.199.109.153", "185.199.110.153", "185.199.111.153")
GITHUB_PAGES_AAAA = (
    "2606:50c0:8000::153",
    "2606:50c0:8001::153",
    "2606:50c0:8002::153",
    "2606:50c0:8003::153",
)
GITHUB_SUFFIX = ".github.io"
HOSTS = ("github-pages", "static")


@dataclass(frozen=True, slots=True)
class Record:
    """One record to add at the DNS provider."""

    name: str
    type: str  # CNAME | A | AAAA
    value: str

    def line(self) -> str:
        return f"{self.name}.  {self.type:<5}  {self.value}"


@dataclass(frozen=True, slots=True)
class Expected:
    """What the domain's DNS must say on `host`. `cname` is the exact CNAME target, or
    None with `cname_suffix` when only the suffix is known (`.github.io` without the
    owner); `addresses` the A/AAAA values when the domain points at addresses."""

    domain: str
    host: str
    apex: bool
    cname: str | None
    cname_suffix: str | None
    addresses: tuple[str, ...]
    records: tuple[Record, ...]
    notes: tuple[str, ...] = ()

    @property
    def wants_cname(self) -> bool:
        return self.cname is not None or self.cname_suffix is not None


def is_apex(domain: str, setting: bool | None) -> bool:
    """An apex domain (`acme.com`) cannot be a CNAME; `domain.apex` says so for suffixes
    of more than one label (`acme.co.uk`)."""
    return setting if setting is not None else domain.strip(".").count(".") == 1


def expected(
    config: Config, host: str | None = None, env: Mapping[str, str] | None = None
) -> Expected:
    """The records `page.custom_domain` needs on `host` (default: `domain.host`)."""
    env = os.environ if env is None else env
    settings = config.domain
    domain = (config.page.custom_domain or "").strip(".").lower()
    host = host or settings.host
    apex = is_apex(domain, settings.apex)
    if host == "github-pages":
        return _github_pages(domain, apex, settings.target, env)
    return _static(domain, apex, settings.target, tuple(settings.addresses))


def _github_pages(domain: str, apex: bool, target: str | None, env: Mapping[str, str]) -> Expected:
    owner = env.get("GITHUB_REPOSITORY_OWNER", "").lower()
    cname = _name(target) if target else (f"{owner}{GITHUB_SUFFIX}" if owner else None)
    shown = cname or f"<owner>{GITHUB_SUFFIX}"
    notes = [
        "then Settings → Pages → Custom domain: " + domain + ", and tick Enforce HTTPS "
        "once GitHub has issued the certificate"
    ]
    if not cname:
        notes.insert(
            0,
            "<owner> is the GitHub user or organisation of the page repository "
            "(set domain.target to check the exact name)",
        )
    if apex:
        addresses = GITHUB_PAGES_A + GITHUB_PAGES_AAAA
        records = [Record(domain, _type(a), a) for a in addresses]
        records.append(Record(f"www.{domain}", "CNAME", shown + "."))
        notes.insert(
            0,
            "the AAAA records are optional; the www CNAME makes www." + domain + " redirect to it",
        )
        return Expected(
            domain, "github-pages", True, None, None, addresses, tuple(records), tuple(notes)
        )
    suffix = None if cname else GITHUB_SUFFIX
    records = (Record(domain, "CNAME", shown + "."),)
    return Expected(domain, "github-pages", False, cname, suffix, (), records, tuple(notes))


def _static(domain: str, apex: bool, target: str | None, addresses: tuple[str, ...]) -> Expected:
    if addresses:
        records = tuple(Record(domain, _type(a), a) for a in addresses)
        return Expected(domain, "static", apex, None, None, addresses, records)
    if target and not apex:
        cname = _name(target)
        return Expected(
            domain, "static", False, cname, None, (), (Record(domain, "CNAME", cname + "."),)
        )
    placeholder = (
        Record(domain, "A", "<your host's address>")
        if apex
        else Record(domain, "CNAME", "<your host's name>.")
    )
    notes = (
        "set domain.addresses (A/AAAA) or domain.target (a CNAME; at an apex only if "
        "your DNS provider offers ALIAS or ANAME) to the values your host gives",
    )
    return Expected(domain, "static", apex, None, None, (), (placeholder,), notes)


def _name(target: str) -> str:
    return target.strip().rstrip(".").lower()


def _type(address: str) -> str:
    return "AAAA" if ipaddress.ip_address(address).version == 6 else "A"
