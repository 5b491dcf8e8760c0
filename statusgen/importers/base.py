"""What an importer hands back, and the helpers every format shares."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any
from urllib.parse import quote

import httpx
import yaml

from statusgen import USER_AGENT
from statusgen.config import Config
from statusgen.content.writer import slugify
from statusgen.errors import StatusgenError
from statusgen.notify.channels import load_plugin

KINDS = ("incidents", "maintenance", "announcements")


class ImportError_(StatusgenError):  # noqa: N801 - ImportError is Python's own
    """A source that cannot be imported (missing, unreadable, not the format)."""


@dataclass
class Imported:
    """A statusgen config (`config`, TOML data; None when the format only carries
    content), content files `(kind, file name, text)`, past days' history aggregates
    (`days`, date -> key -> row as in docs/history.md), and what did not carry over."""

    config: dict[str, Any] | None = None
    files: list[tuple[str, str, str]] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    days: dict[str, dict[str, list]] = field(default_factory=dict)  # sealed-day aggregates

    def skip(self, where: str, why: str) -> None:
        self.skipped.append(f"{where}: {why}")

    def add(self, kind: str, name: str, text: str) -> None:
        taken = {n for k, n, _ in self.files if k == kind}
        stem, n = name.removesuffix(".md"), 2
        while f"{stem}.md" in taken:
            stem, n = f"{name.removesuffix('.md')}-{n}", n + 1
        self.files.append((kind, f"{stem}.md", text))


class Ids:
    """Unique statusgen ids made from names (`My API` -> `my-api`, `my-api-2`)."""

    def __init__(self) -> None:
        self.taken: set[str] = set()

    def make(self, name: str) -> str:
        base = slugify(str(name), 60) or "item"
        base = base if re.match(r"^[a-z0-9]", base) else f"x{base}"
        ident, n = base, 2
        while ident in self.taken:
            ident, n = f"{base}-{n}", n + 1
        self.taken.add(ident)
        return ident


class Matcher:
    """Names of affected components or systems -> the page's service and node ids (by
    id, name or label); a name with no match is listed, not guessed."""

    def __init__(self, config: Config | None) -> None:
        self.known: dict[str, str] = {}
        for service in config.services if config else []:
            for key in (service.id, service.name):
                self.known.setdefault(slugify(key), service.id)
            for node in service.nodes:
                for key in (node.id, node.label):
                    self.known.setdefault(slugify(key), node.id)

    def __call__(self, imported: Imported, where: str, names: list[Any]) -> list[str]:
        ids: list[str] = []
        for name in map(str, names or []):
            ident = self.known.get(slugify(name))
            if ident is None:
                imported.skip(where, f"{name!r} matches no service or node")
            elif ident not in ids:
                ids.append(ident)
        return ids


def file_name(at: datetime, title: str) -> str:
    return f"{at:%Y-%m-%d}-{slugify(title, 50)}.md"


def read_text(source: str | Path) -> str:
    """A local file, or an http(s) URL read with httpx (statuspage pages)."""
    text = str(source)
    if text.startswith(("http://", "https://")):
        try:
            response = httpx.get(
                text, timeout=30, follow_redirects=True, headers={"User-Agent": USER_AGENT}
            )
            response.raise_for_status()
        except httpx.HTTPError as exc:
            raise ImportError_(f"{text}: cannot read it ({type(exc).__name__})") from None
        return response.text
    try:
        return Path(text).read_text(encoding="utf-8")
    except OSError as exc:
        raise ImportError_(
            f"{text}: cannot read it ({(exc.strerror or 'error').lower()})"
        ) from None


def read_yaml(source: str | Path) -> Any:
    text = read_text(source)
    try:
        return yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise ImportError_(f"{source}: not valid YAML: {exc}") from None


def unsupported(imported: Imported, where: str, data: dict[str, Any], known: set[str]) -> None:
    """List every key of `data` that the importer does not carry over."""
    for key in data:
        if key not in known:
            imported.skip(f"{where}.{key}" if where else str(key), "not supported by statusgen")


_DURATION = re.compile(r"(\d+(?:\.\d+)?)(ms|s|m|h|d)")
_UNIT = {"ms": 0.001, "s": 1, "m": 60, "h": 3600, "d": 86400}


def seconds(value: Any) -> float | None:
    """`5m`, `1h30m`, `90s` or a number of seconds; None if it is neither."""
    if isinstance(value, int | float) and not isinstance(value, bool):
        return float(value)
    text, pos, total = str(value).strip(), 0, 0.0
    for match in _DURATION.finditer(text):
        if match.start() != pos:
            return None
        total += float(match.group(1)) * _UNIT[match.group(2)]
        pos = match.end()
    return total if text and pos == len(text) else None


def email_url(
    host: str, port: Any, user: Any, password: Any, sender: Any, to: Any, secure: bool = True
) -> str:
    """An Apprise mail URL (`mailtos://user:pass@host:port?from=...&to=...`)."""
    auth = f"{quote(str(user or ''))}:{quote(str(password or ''))}@" if user or password else ""
    scheme = "mailtos" if secure else "mailto"
    at = f"{host}:{port}" if port else str(host)
    query = f"from={quote(str(sender or ''))}&to={quote(str(to or ''), safe='@,')}"
    return f"{scheme}://{auth}{at}?{query}"


def channel(imported: Imported, where: str, name: str, url: str) -> dict[str, Any] | None:
    """A notify channel, or None (listed) when Apprise cannot read its URL. A URL made of
    `${VARIABLES}` is checked where the page runs."""
    if "${" not in url and load_plugin(url) is None:
        imported.skip(where, "not a URL Apprise understands")
        return None
    return {"name": name, "url": url}
