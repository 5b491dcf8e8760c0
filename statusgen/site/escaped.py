"""Text escaped for HTML as a plain `str`, each distinct text once.

The pieces of markup built in Python (bars, rows, charts, node pages) write the same
labels, names and formatted numbers many times a build: a node's label on the home page,
its service's page and its own; a few hundred distinct response times and uptimes in
thousands of figures. `markupsafe.escape` makes a `Markup` object each time (a Python
call and a hasattr); here a text is escaped by it once and then looked up.
"""

from __future__ import annotations

from markupsafe import escape

from statusgen.site.i18n import remember

_SEEN: dict[str, str] = {}
LIMIT = 50_000  # a server keeps the module: bounded


def escaped(value: str) -> str:
    """`str(escape(value))` for plain text. Every value is taken as text: a Markup equal
    to a plain text shares its entry, so it is escaped too (pass plain text only)."""
    found = _SEEN.get(value)
    if found is None:
        found = remember(_SEEN, value, str(escape(str(value))), LIMIT)
    return found
