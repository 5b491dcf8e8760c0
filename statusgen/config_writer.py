"""Write `[[pages]]` back into the config file, keeping everything else as the person wrote it.

The file is edited as a tomlkit document (comments, blank lines, key order and quoting
survive), written to a temporary file next to it, validated there with `load_config`
(the same checks as `statusgen check`), and only then renamed over the original. A
change that would make the config invalid raises ConfigError and leaves the file as it
was. Callers serialise writers (the management API holds the server's write lock).
"""

from __future__ import annotations

import stat
from collections.abc import Callable
from pathlib import Path
from typing import Any

import tomlkit
from tomlkit.exceptions import TOMLKitError
from tomlkit.items import AoT, Array, InlineTable, Table, Whitespace
from tomlkit.toml_document import TOMLDocument

from statusgen.config import Config, load_config
from statusgen.errors import ConfigError
from statusgen.files import write_atomic

PageTable = Table | InlineTable


def add_page(path: Path, fields: dict[str, Any]) -> Config:
    """Append a `[[pages]]` table with `fields` (None values left out); returns the
    validated config as written."""

    def change(doc: TOMLDocument) -> None:
        values = {k: v for k, v in fields.items() if v is not None}
        pages = doc.get("pages")
        if isinstance(pages, Array):
            item = tomlkit.inline_table()
            item.update(values)
            pages.append(item)
            return
        table = tomlkit.table()
        for key, value in values.items():
            table[key] = value
        table.add(tomlkit.nl())
        if isinstance(pages, AoT):
            if len(pages) and not _ends_blank(pages[-1]):
                pages[-1].add(tomlkit.nl())
            pages.append(table)
        else:
            aot = tomlkit.aot()
            aot.append(table)
            doc["pages"] = aot

    return rewrite(path, change)


def update_page(path: Path, slug: str, changes: dict[str, Any]) -> Config:
    """Set keys of the page `slug`; a None value removes the key (back to its default)."""

    def change(doc: TOMLDocument) -> None:
        table = _page(doc, path, slug)
        for key, value in changes.items():
            if value is None:
                if key in table:
                    del table[key]
            else:
                table[key] = value

    return rewrite(path, change)


def remove_page(path: Path, slug: str) -> Config:
    """Delete the page `slug`; the `pages` key goes too when it was the last one."""

    def change(doc: TOMLDocument) -> None:
        pages = doc["pages"]
        table = _page(doc, path, slug)
        index = next(i for i, t in enumerate(pages) if t is table)
        del pages[index]
        if not len(pages):
            del doc["pages"]

    return rewrite(path, change)


def rewrite(path: Path, change: Callable[[TOMLDocument], None]) -> Config:
    """Apply `change` to the parsed file, validate the result, then replace the file
    atomically. Returns the config loaded from the new file."""
    try:
        doc = tomlkit.parse(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigError(f"{path}: no such file") from None
    except (TOMLKitError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path}: not valid TOML: {exc}") from None
    change(doc)
    text = tomlkit.dumps(doc)

    def check(tmp: Path) -> None:
        try:
            load_config(tmp, allow_missing_secrets=True)
        except ConfigError as exc:
            # Problems name the temporary file; the person knows the real one.
            raise ConfigError(
                [line.replace(str(tmp), str(path)) for line in exc.problems]
            ) from None

    write_atomic(path, text, mode=stat.S_IMODE(path.stat().st_mode), check=check)
    # The server follows the per-key rule for missing secrets, as the command that
    # started it did: a channel whose secret is not set never blocks a page edit.
    return load_config(path, allow_missing_secrets=True)


def _page(doc: TOMLDocument, path: Path, slug: str) -> PageTable:
    pages = doc.get("pages")
    for table in pages if isinstance(pages, AoT | Array) else []:
        if isinstance(table, Table | InlineTable) and str(table.get("slug")) == slug:
            return table
    raise ConfigError(f"{path}: pages: no page with slug {slug!r}")


def _ends_blank(table: Table) -> bool:
    body = table.value.body
    return bool(body) and isinstance(body[-1][1], Whitespace)
