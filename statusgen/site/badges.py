"""Status and uptime badges: flat SVGs in shields.io's look, and shields.io endpoint JSON
(https://shields.io/badges/endpoint-badge) for those who prefer shields' own renderer.

Text widths are estimated from Verdana 11 px character widths, so badges render without
fonts or network and two builds give the same bytes.
"""

from __future__ import annotations

from functools import lru_cache
from json.encoder import encode_basestring as _json  # as json.dumps, ensure_ascii off

from markupsafe import escape

from statusgen.impact import ComponentStatus

COLORS = {
    "brightgreen": "#4c1",
    "green": "#97ca00",
    "yellow": "#dfb317",
    "orange": "#fe7d37",
    "red": "#e05d44",
    "blue": "#007ec6",
    "lightgrey": "#9f9f9f",
}
STATUS_COLOR = {
    ComponentStatus.OPERATIONAL: "brightgreen",
    ComponentStatus.UNDER_MAINTENANCE: "blue",
    ComponentStatus.DEGRADED_PERFORMANCE: "yellow",
    ComponentStatus.PARTIAL_OUTAGE: "orange",
    ComponentStatus.MAJOR_OUTAGE: "red",
    "no_data": "lightgrey",
}
STATUS_TEXT = {
    ComponentStatus.OPERATIONAL: "operational",
    ComponentStatus.UNDER_MAINTENANCE: "maintenance",
    ComponentStatus.DEGRADED_PERFORMANCE: "degraded",
    ComponentStatus.PARTIAL_OUTAGE: "partial outage",
    ComponentStatus.MAJOR_OUTAGE: "major outage",
    "no_data": "no data",
}
UPTIME_COLORS = ((0.999, "brightgreen"), (0.99, "green"), (0.95, "yellow"), (0.9, "orange"))
# Approximate advance widths of Verdana at 11 px, the font shields.io measures with.
_NARROW = dict.fromkeys("ijl.,:;'|!", 3.5) | dict.fromkeys("frt()[] -/", 4.5)
_WIDE = dict.fromkeys("mwMW%", 10.5) | dict.fromkeys("ABCDGHKNOQRUVXY&", 8.0)


def text_width(text: str) -> int:
    return round(_width(text))


def _width(text: str) -> float:
    """The advance of `text` before rounding (halves add up exactly, in any order)."""
    widths = _CHARS
    try:
        return sum([widths[char] for char in text])
    except KeyError:
        for char in text:
            if char not in widths:
                widths[char] = _char_width(char)
        return sum([widths[char] for char in text])


def _char_width(char: str) -> float:
    if char in _NARROW:
        return _NARROW[char]
    if char in _WIDE:
        return _WIDE[char]
    return 7.0 if char.isdigit() or char.isupper() else 6.5


_CHARS: dict[str, float] = {}  # every character met so far, with its width


def uptime_color(ratio: float | None) -> str:
    if ratio is None:
        return "lightgrey"
    for floor, color in (
        (0.999, "brightgreen"),
        (0.99, "green"),
        (0.95, "yellow"),
        (0.9, "orange"),
    ):
        if ratio >= floor:
            return color
    return "red"


def uptime_text(ratio: float | None) -> str:
    if ratio is None:
        return "no data"
    value = int(ratio * 10000) / 100
    return "100%" if value >= 100 else f"{value:.2f}%"


def svg(label: str, message: str, color: str) -> str:
    """A flat badge: grey label on the left, coloured message on the right."""
    fill = COLORS.get(color, color)
    message_e, width = _message(message)
    left, right = text_width(label) + 10, width + 10
    total = left + right
    label_e = escape(label)
    title = f"{label_e}: {message_e}"  # escaping works character by character
    lx, mx = left * 5, left * 10 + right * 5  # centres, in the 10x scaled text space
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{total}" height="20" role="img" '
        f'aria-label="{title}"><title>{title}</title>'
        '<linearGradient id="s" x2="0" y2="100%"><stop offset="0" stop-color="#bbb" '
        'stop-opacity=".1"/><stop offset="1" stop-opacity=".1"/></linearGradient>'
        f'<clipPath id="r"><rect width="{total}" height="20" rx="3" fill="#fff"/></clipPath>'
        f'<g clip-path="url(#r)"><rect width="{left}" height="20" fill="#555"/>'
        f'<rect x="{left}" width="{right}" height="20" fill="{fill}"/>'
        f'<rect width="{total}" height="20" fill="url(#s)"/></g>'
        '<g fill="#fff" text-anchor="middle" font-family="Verdana,Geneva,DejaVu Sans,'
        'sans-serif" font-size="110" transform="scale(.1)">'
        f'<text x="{lx}" y="150" fill="#010101" fill-opacity=".3">{label_e}</text>'
        f'<text x="{lx}" y="140">{label_e}</text>'
        f'<text x="{mx}" y="150" fill="#010101" fill-opacity=".3">{message_e}</text>'
        f'<text x="{mx}" y="140">{message_e}</text></g></svg>\n'
    )


@lru_cache(maxsize=256)
def _message(message: str) -> tuple[str, int]:
    """A message escaped, and its width: messages are few (the states, the uptimes
    shown), so each is escaped and measured once."""
    return escape(message), text_width(message)


def endpoint(label: str, message: str, color: str) -> str:
    """shields.io endpoint JSON for the same badge (what `json.dumps` with sorted keys
    writes, the strings encoded by its own encoder)."""
    return (
        f'{{"color": {_json(color)}, "label": {_json(label)}, '
        f'"message": {_json(message)}, "schemaVersion": 1}}\n'
    )


def badge_pair(
    base: str, label: str, status: str, uptime: float | None, window: str
) -> dict[str, str]:
    """`<base>status.svg|json` and `<base>uptime.svg|json`."""
    status_text, status_color = STATUS_TEXT[status], STATUS_COLOR[status]
    up_label = f"{label} uptime {window}" if label != "status" else f"uptime {window}"
    up_text, up_color = uptime_text(uptime), uptime_color(uptime)
    return {
        f"{base}status.svg": svg(label, status_text, status_color),
        f"{base}status.json": endpoint(label, status_text, status_color),
        f"{base}uptime.svg": svg(up_label, up_text, up_color),
        f"{base}uptime.json": endpoint(up_label, up_text, up_color),
    }


# --- Vigil's /badge/<kind>: a 20 px square in the page's health colour ------------------

VIGIL_KINDS = ("color", "icon")
HEALTH_FILL = {"healthy": COLORS["brightgreen"], "sick": COLORS["orange"], "dead": COLORS["red"]}
# A glyph per health for the `icon` kind, so the state is not told by colour alone.
HEALTH_GLYPH = {
    "healthy": '<path d="M5 10.5l3.5 3.5 6.5-7.5" fill="none" stroke="#fff" stroke-width="2.4"/>',
    "sick": '<rect x="8.8" y="4" width="2.4" height="8" fill="#fff"/>'
    '<circle cx="10" cy="15" r="1.5" fill="#fff"/>',
    "dead": '<path d="M6 6l8 8M14 6l-8 8" fill="none" stroke="#fff" stroke-width="2.4"/>',
}


def vigil_badge(kind: str, health: str) -> str:
    """Vigil's badge of `kind` (`color`: a plain square; `icon`: a rounded square with a
    check, an exclamation mark or a cross) for the page's health."""
    title = escape(f"status: {health}")
    rounded = ' rx="2"' if kind == "icon" else ""
    glyph = HEALTH_GLYPH[health] if kind == "icon" else ""
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="20" height="20" viewBox="0 0 20 20" '
        f'role="img" aria-label="{title}"><title>{title}</title>'
        f'<rect width="20" height="20"{rounded} fill="{HEALTH_FILL[health]}"/>{glyph}</svg>\n'
    )


def vigil_badges(prefix: str, health: str) -> dict[str, str]:
    """`<prefix>badge/<kind>.svg` for every kind Vigil serves at `/badge/<kind>`."""
    return {f"{prefix}badge/{kind}.svg": vigil_badge(kind, health) for kind in VIGIL_KINDS}


def vigil_badge_path(path: str) -> str | None:
    """The document behind an extension-less Vigil badge URL (`badge/icon` ->
    `badge/icon.svg`, also under a page's prefix), or None for any other path."""
    folder, _, name = path.rpartition("/")
    if name in VIGIL_KINDS and (folder == "badge" or folder.endswith("/badge")):
        return f"{path}.svg"
    return None
