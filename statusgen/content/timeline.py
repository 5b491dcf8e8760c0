"""The update timeline in the body of an incident or maintenance file.

Each update is a level-two heading with its time and status, then its message::

    ## 2026-11-23T14:05:00Z — monitoring

    A fix is deployed; we are watching error rates.

The separator may be an em dash, an en dash, a middle dot, a pipe or a hyphen surrounded by
spaces; the time is ISO 8601 (a trailing ``UTC`` is read as ``Z``, naive times are UTC);
a status may be written with spaces (``in progress``). Headings inside fenced code blocks
and deeper headings (``###``) belong to the message. Updates are written newest first; a
file in another order is read in time order all the same.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass
from datetime import datetime

from statusgen.clock import iso
from statusgen.content.schema import TIME_EXAMPLE, to_utc

HEADING = re.compile(r"^##(?!#)(?:\s+(?P<rest>.*?))?\s*#*\s*$")
PARTS = re.compile(r"^(?P<at>.+?)\s+(?:—|–|·|\||--?)\s+(?P<status>[A-Za-z][A-Za-z _-]*?)$")
FENCE = re.compile(r"^ {0,3}(```|~~~)")
SPACES = re.compile(r"[\s-]+")
SEPARATOR = "—"


@dataclass(frozen=True, slots=True)
class RawUpdate:
    """One update as read from the body: its time, status word, Markdown and line."""

    at: datetime
    status: str
    message: str
    line: int


@dataclass(frozen=True, slots=True)
class Timeline:
    """A body split into the text before the first heading (`lead`) and its updates,
    newest first."""

    lead: str
    lead_line: int
    updates: tuple[RawUpdate, ...]
    headings: int = 0  # update headings found, readable or not


def normalise_newlines(text: str) -> str:
    """`\r\n` and a bare `\r` as `\n`: the one line break content files are read and
    written with, so a `\r` can neither hide nor forge an update heading."""
    return text.replace("\r\n", "\n").replace("\r", "\n")


def heading(at: datetime, status: str) -> str:
    """The heading statusgen writes for an update."""
    return f"## {iso(at)} {SEPARATOR} {status}"


def normalise_status(word: str) -> str:
    return SPACES.sub("_", word.strip().lower())


def parse_timeline(
    body: str, first_line: int, statuses: tuple[str, ...], source: str
) -> tuple[Timeline, list[str]]:
    """Split `body` (whose first line is line `first_line` of `source`) into its lead text
    and updates. Returns the timeline and one `source:line: problem` per bad heading."""
    problems: list[str] = []
    # (line, heading text, what follows `##`, message lines)
    sections: list[tuple[int, str, str, list[str]]] = []
    lead: list[str] = []
    in_fence = False
    # Only \n breaks lines (as in the line numbers); read_source has normalised \r.
    for offset, text in enumerate(body.split("\n")):
        if text[:3] in ("```", "~~~") or (text[:1] == " " and FENCE.match(text)):
            in_fence = not in_fence
        match = None if in_fence or text[:2] != "##" else HEADING.match(text)
        if match:
            sections.append((first_line + offset, text.strip(), match["rest"] or "", []))
        elif sections:
            sections[-1][3].append(text)
        else:
            lead.append(text)
    updates = []
    for line, text, rest, message in sections:
        update = _read_heading(text, rest, line, "\n".join(message).strip(), statuses, source)
        if isinstance(update, str):
            problems.append(update)
        else:
            updates.append(update)
    # Newest first; equal times keep the file's order (the upper one is newer).
    ordered = sorted(updates, key=lambda u: u.at, reverse=True)
    lead_line = first_line + next((i for i, t in enumerate(lead) if t.strip()), 0)
    timeline = Timeline("\n".join(lead).strip(), lead_line, tuple(ordered), len(sections))
    return timeline, problems


def _read_heading(
    text: str, rest: str, line: int, message: str, statuses: tuple[str, ...], source: str
) -> RawUpdate | str:
    """The update of heading `text` (`rest`: what follows its `##`), or its problem."""
    where = f"{source}:{line}"
    match = PARTS.match(rest)
    if not match:
        example = f"## {TIME_EXAMPLE} {SEPARATOR} {statuses[len(statuses) // 2]}"
        return f"{where}: cannot read update heading {text!r}; expected {example!r}"
    try:
        at = to_utc(match["at"])
    except ValueError:
        return (
            f"{where}: cannot read the time {match['at']!r} in update heading {text!r}; "
            f"expected ISO 8601 like {TIME_EXAMPLE!r}"
        )
    status = normalise_status(match["status"])
    if status not in statuses:
        hint = difflib.get_close_matches(status, statuses, n=1, cutoff=0.5)
        suggestion = f"did you mean {hint[0]!r}? " if hint else ""
        return (
            f"{where}: unknown update status {match['status']!r} in {text!r}; "
            f"{suggestion}expected one of: {', '.join(statuses)}"
        )
    if not message:
        return f"{where}: update {text!r} has no message; expected text under the heading"
    return RawUpdate(at, status, message, line)


def render_timeline(updates: list[tuple[datetime, str, str]]) -> str:
    """The body for `(at, status, message)` updates, newest first."""
    ordered = sorted(updates, key=lambda u: u[0], reverse=True)
    return "\n\n".join(
        f"{heading(at, status)}\n\n{message.strip()}" for at, status, message in ordered
    )
