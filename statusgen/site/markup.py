"""The two repeated, heavy pieces of markup, built in Python because a page may hold a
thousand of them: the 90-day uptime bar, and the node rows with their charts
(`statusgen.site.charts`).

Both are compact by design (the home page of 50 nodes stays well under 100 KB): a plain
healthy day is a bare `<li>`; only days worth a look carry a class and a `title` (date,
uptime, incidents and maintenance), which site.js turns into a tooltip on hover and focus.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from contextlib import suppress
from datetime import datetime
from operator import add, is_, itemgetter
from typing import TYPE_CHECKING

from markupsafe import Markup, escape

from statusgen.impact import Impact
from statusgen.site.charts import Window, latency_chart
from statusgen.site.escaped import escaped
from statusgen.site.i18n import Messages, remember
from statusgen.site.series import Bar, Note
from statusgen.status import Status

if TYPE_CHECKING:
    from statusgen.site.fragments import Fragments
    from statusgen.site.snapshot import NodeState

WINDOW_KEYS = ("24h", "7d", "30d", "90d")
Cell = tuple[Bar, str, str]  # a day of a bar: the Bar, its class (`bar_class`), its cell
BAR_CLASS = {Status.HEALTHY: "", Status.SICK: "s", Status.DEAD: "d"}


def bar_class(bar: Bar) -> str:
    """CSS class of a day: s(ick), d(ead), m(aintenance), n(o data) or '' (healthy)."""
    if bar.status in (Status.SICK, Status.DEAD):
        return BAR_CLASS[bar.status]
    if bar.maintenance:
        return "m"
    return "n" if bar.status is None else ""


def note_text(note: Note, t: Messages) -> str:
    return note.title if note.kind == "incident" else t("maintenance_note", title=note.title)


PILL_KEYS = (
    "operational",
    "under_maintenance",
    "degraded_performance",
    "partial_outage",
    "major_outage",
    "no_data",
)
STATE_KEYS = {"": "day_ok", "s": "day_sick", "d": "day_dead", "m": "day_maint", "n": "no_data"}


def day_tip(bar: Bar, t: Messages, css: str | None = None) -> str:
    """`Nov 2, 2026: Degraded · 99.31% up · API latency elevated`: the state by name
    (`css`: the day's `bar_class`, when the caller has it)."""
    strings = t.strings
    state = strings[STATE_KEYS[bar_class(bar) if css is None else css]]
    day = t.date(bar.day)
    if bar.uptime is None:
        head = strings["day_tip_short"].format(date=day, state=state)
    else:
        head = strings["day_tip"].format(date=day, state=state, uptime=t.percent(bar.uptime))
    if not bar.notes:
        return head
    return " · ".join([head, *(note_text(note, t) for note in bar.notes)])


SUMMARY_KEYS = {"d": "sum_dead", "s": "sum_sick", "m": "sum_maint", "n": "sum_none"}


def bar_summary(counts: dict[str, int], days: int, t: Messages, name: str) -> str:
    """One text for a whole bar from its count of days of each class (`bar_class`):
    `API, last 90 days: outage days: 2, degraded days: 3`."""
    parts = [t(SUMMARY_KEYS[css], n=n) for css, n in counts.items() if n]
    summary = ", ".join(parts) if parts else t("sum_clear")
    return t("bar_summary", name=name, days=days, summary=summary)


def _attr(value: str) -> str:
    """An attribute value, quoted only when HTML needs it (a page may hold thousands)."""
    if value and not any(c in value for c in " \t\n\"'=<>`\u00a0\u202f&"):
        return value
    return f'"{escaped(value)}"'


class NoteIndex:
    """The notes (incident and maintenance titles) of compact bars, each written once per
    page in a JSON list; a cell names them by position (`data-n="0 3"`)."""

    def __init__(self, t: Messages) -> None:
        self.t = t
        self.positions: dict[tuple[str, str], int] = {}
        self.texts: list[str] = []
        self.cells: dict[int, Cell] = {}  # compact cells by Bar: see uptime_bar

    def refs(self, notes: Sequence[Note]) -> str:
        out = []
        for note in notes:
            key = (note.kind, note.id)
            if key not in self.positions:
                self.positions[key] = len(self.texts)
                self.texts.append(note_text(note, self.t))
            out.append(str(self.positions[key]))
        return " ".join(out)


def uptime_bar(
    bars: Sequence[Bar],
    t: Messages,
    name: str,
    index: NoteIndex | None = None,
    memo: dict[int, Cell] | None = None,
    settled: tuple[int, list] | None = None,
) -> Markup:
    """The 90-day bar, oldest day first: one picture (`role=img`) named by its summary,
    its days `<p>` elements (the shortest tag that closes itself: a page may hold 4,500).

    Detailed (node pages, `index` None): days worth a look carry their full `title`.
    Compact (home and service pages, many bars): such days carry their uptime (`data-u`)
    and note numbers (`data-n`), from which site.js builds the same text.

    Each day's cell is kept by Bar (by id; the entry holds the Bar, so no other object
    takes its id meanwhile): detailed ones in `memo` for the next bars in the same
    locale, compact ones in `index` (their note numbers are its own). Nodes share the
    Bars of days with the same counts, so a bar is mostly cells looked up in C.

    `settled`: the number of first days drawn before and their `bar_part`; only the
    days after them are drawn (cells with notes of a compact bar too: their numbers are
    the page's)."""
    table = index.cells if index is not None else {} if memo is None else memo
    if settled is None:
        cells = _cells(bars, t, index, table)
        classes = list(map(itemgetter(1), cells))
        counts = (classes.count("d"), classes.count("s"), classes.count("m"), classes.count("n"))
        days = "".join(map(itemgetter(2), cells))
    else:
        count, (kept, texts, positions) = settled
        out = [texts[0]]
        for position, text in zip(positions, texts[1:], strict=True):
            bar = bars[position]
            cell = table.get(id(bar))
            if cell is None or cell[0] is not bar:
                cell = _cell(bar, t, index, table)
            out += (cell[2], text)
        cells = _cells(bars[count:], t, index, table)
        classes = list(map(itemgetter(1), cells))
        new = (classes.count("d"), classes.count("s"), classes.count("m"), classes.count("n"))
        counts = tuple(map(add, kept, new))
        days = "".join(out) + "".join(map(itemgetter(2), cells))
    end = bars[-1].day.isoformat() if bars else ""
    label = _SUMMARIES.get((counts, len(bars), name, t.lang))
    if label is None:
        summary = bar_summary(dict(zip("dsmn", counts, strict=True)), len(bars), t, name)
        label = remember(_SUMMARIES, (counts, len(bars), name, t.lang), escaped(summary), 20_000)
    return Markup(f'<div class=bar role=img data-end={end} aria-label="{label}">{days}</div>')


def bar_part(
    bars: Sequence[Bar], t: Messages, index: NoteIndex | None, memo: dict[int, Cell]
) -> list:
    """What `uptime_bar` draws of `bars` (a bar's first days), as JSON values: the count
    of days of each class (d, s, m, n), the cells' text split at each compact cell with
    notes, and those cells' positions."""
    table = index.cells if index is not None else memo
    cells = _cells(bars, t, index, table)
    classes = list(map(itemgetter(1), cells))
    counts = [classes.count("d"), classes.count("s"), classes.count("m"), classes.count("n")]
    if index is None:
        return [counts, ["".join(map(itemgetter(2), cells))], []]
    texts, positions, start = [], [], 0
    for position, bar in enumerate(bars):
        if bar.notes:
            texts.append("".join([cell[2] for cell in cells[start:position]]))
            positions.append(position)
            start = position + 1
    texts.append("".join([cell[2] for cell in cells[start:]]))
    return [counts, texts, positions]


def _cells(
    bars: Sequence[Bar], t: Messages, index: NoteIndex | None, table: dict[int, Cell]
) -> list[Cell]:
    """The cell of each of `bars`: kept ones looked up, the others drawn (in order)."""
    cells = list(map(table.get, map(id, bars)))
    if None in cells:  # days not drawn before (a node's today, mostly): those alone
        with suppress(ValueError):  # no day left to draw
            position = -1
            while True:
                position = cells.index(None, position + 1)
                cells[position] = _cell(bars[position], t, index, table)
    if not all(map(is_, map(itemgetter(0), cells), bars)):  # a kept id taken by another
        cells = [
            cell if cell[0] is bar else _cell(bar, t, index, table)
            for bar, cell in zip(bars, cells, strict=True)
        ]
    return cells


def _fits(part: object, count: int) -> bool:
    """Whether `part` (read from the build cache) is a `bar_part` of `count` days."""
    if type(part) is not list or len(part) != 3:
        return False
    counts, texts, positions = part
    return (
        type(counts) is list
        and len(counts) == 4
        and all(type(n) is int for n in counts)
        and type(texts) is list
        and type(positions) is list
        and len(texts) == len(positions) + 1
        and all(type(text) is str for text in texts)
        and all(type(n) is int and 0 <= n < count for n in positions)
    )


# A bar's escaped summary by its counts, days, name and locale: a node's bar is drawn
# compact (home and service pages) and detailed (its page) with the same counts.
_SUMMARIES: dict[tuple, str] = {}


def _cell(bar: Bar, t: Messages, index: NoteIndex | None, table: dict[int, Cell]) -> Cell:
    """A day's cell (see `uptime_bar`), kept in `table`."""
    if bar.status is Status.HEALTHY and not bar.notes:
        cell: Cell = (bar, "", "<p>")  # most days: nothing to say
    else:
        css = bar_class(bar)
        attrs = f" class={css}" if css else ""
        if index is None:
            attrs += f' title="{escape(day_tip(bar, t, css))}"'
        else:
            # A healthy day's 100 % goes without saying: site.js reads a missing data-u
            # on a class-less cell as 100 %.
            uptime = t.percent(bar.uptime) if bar.uptime is not None else None
            if uptime is not None and (css or uptime != t.percent(1)):
                attrs += f" data-u={_attr(uptime)}"
            if bar.notes:
                attrs += f" data-n={_attr(index.refs(bar.notes))}"
        cell = (bar, css, f"<p{attrs}>")
    table[id(bar)] = cell
    return cell


class Helpers:
    """Small pieces of markup the templates call many times, in Python rather than as
    Jinja macros (a thousand nodes made macro calls the bulk of a build), bound to one
    locale. Everything is cached (the output depends only on the arguments): a node's
    bar, chart and uptimes appear on the home page, its service's page and its own page,
    and a few statuses and moments on every page."""

    def __init__(self, t: Messages, now: datetime) -> None:
        self.t, self.now = t, now
        self._cache: dict[tuple, Markup] = {}
        self._cells: dict[int, Cell] = {}  # detailed cells: see uptime_bar
        self.notes = NoteIndex(t)
        self._compact = False  # the page being rendered has compact bars (data-n refs)
        self._windows: dict[tuple[int, float], tuple[object, Window | None]] = {}  # charts
        self._rows: dict[int, tuple[NodeState, str]] = {}  # see node_rows
        self._data: dict[int, Markup] = {}  # see page_data
        self._whens: dict[datetime, Markup] = {}  # see when
        self._healths: dict[Status | None, Markup] = {}  # see health
        self.fragments: Fragments | None = None  # settled days' pieces (site/fragments.py)

    def pill(self, impact: Impact) -> Markup:
        value = impact.state
        key = ("pill", value)
        if key not in self._cache:
            text = escape(self.t(value))
            self._cache[key] = Markup(f'<span class="pill c-{value}">{text}</span>')
        return self._cache[key]

    def health(self, status: Status | None) -> Markup:
        found = self._healths.get(status)
        if found is None:
            value = status.value if status else "none"
            text = self.t.html[status.value if status else "no_data"]
            found = self._healths[status] = Markup(f'<span class="dot h-{value}">{text}</span>')
        return found

    def when(self, at: datetime) -> Markup:
        # Few distinct moments (the last pass, incident times) appear on many pages.
        found = self._whens.get(at)
        if found is None:
            text = escaped(self.t.datetime(at))
            found = Markup(f'<time datetime="{self.t.iso(at)}">{text}</time>')
            self._whens[at] = found
        return found

    def uptimes(self, uptime: dict[str, float | None]) -> Markup:
        # A node's uptimes show on the home page, its service's page and its own page.
        key = ("uptimes", *(uptime[window] for window in WINDOW_KEYS))
        if key not in self._cache:
            html, percent = self.t.html, self.t.percent
            cells = "".join(
                [
                    f"<div><dt>{html['window_' + window]}</dt>"
                    f"<dd>{escaped(percent(uptime[window]))}</dd></div>"
                    for window in WINDOW_KEYS
                ]
            )
            self._cache[key] = Markup(f"<dl class=up>{cells}</dl>")
        return self._cache[key]

    def node_rows(self, nodes: Sequence[NodeState], base: str) -> Markup:
        """The `<li>` of each node (home and service pages): name and link, status pill,
        replicas when there are several, then bar, uptimes and chart. All but the link
        is kept by node for the next page listing it (home page, service page)."""
        base = escaped(base)
        rows = []
        for node in nodes:
            found = self._rows.get(id(node))
            if found is None or found[0] is not node:
                found = self._rows[id(node)] = (node, self._row(node))
            rows.append(
                f'<li class=node>\n<div class=row><a class=name href="{base}nodes/'
                f'{escaped(node.service)}/{escaped(node.id)}.html">{found[1]}'
            )
        self._compact = self._compact or bool(rows)  # compact bars (see `bar`)
        return Markup("".join(rows))

    def _row(self, node: NodeState) -> str:
        out = [f"{escaped(node.label)}</a>{self.pill(node.impact)}</div>\n"]
        if node.description:
            out.append(f"<p class=help>{escaped(node.description)}</p>\n")
        if node.no_data_note is not None:
            out.append(self.no_data_note(node))
        if len(node.replicas) > 1:
            html = self.t.html
            spans = "".join(
                [
                    f"<span class=h-{r.health.value if r.health else 'none'}>"
                    f"{escaped(r.label)}<span class=vh> "
                    f"({html[r.health.value if r.health else 'no_data']})</span></span>"
                    for r in node.replicas
                ]
            )
            out.append(f"<p class=reps>{spans}</p>\n")
        series = node.series
        out.append(
            f"{self.bar(series.bars, node.label, node=node.key)}\n{self.uptimes(series.uptime)}\n"
            f"{self.chart(series.latency)}\n</li>\n"
        )
        return "".join(out)

    def no_data_note(self, node: NodeState) -> Markup:
        """Why a node shows "No data" (an unset secret, no report yet), when known."""
        if node.no_data_note is None:
            return Markup("")
        key, names = node.no_data_note
        return Markup(f"<p class=help>{escape(self.t(key, names=names))}</p>\n")

    def bar(self, bars: Sequence[Bar], name: str, detailed: bool = False, node: str = "") -> Markup:
        """A bar; `detailed` (a node's or service's own page) carries each day's text.
        `node`: the node's key, whose settled days' cells may be kept (`fragments`)."""
        key = ("bar", id(bars), name, detailed)
        self._compact = self._compact or not detailed
        if key not in self._cache:
            index = None if detailed else self.notes
            settled = self._bar_part(bars, node, index) if node else None
            self._cache[key] = uptime_bar(bars, self.t, name, index, self._cells, settled)
        return self._cache[key]

    def _bar_part(
        self, bars: Sequence[Bar], node: str, index: NoteIndex | None
    ) -> tuple[int, list] | None:
        """The number of settled days of `bars` and their `bar_part`, kept or drawn."""
        kept = self.fragments
        key = kept.key(node, self.t.lang, "bar" if index is None else "row") if kept else None
        if kept is None or key is None or not 0 < kept.count < len(bars):
            return None
        part = kept.get(key)
        if not _fits(part, kept.count):
            part = bar_part(bars[: kept.count], self.t, index, self._cells)
            kept.put(key, part)
        return kept.count, part

    def page_data(self) -> Markup:
        """The strings site.js needs to name days of compact bars, and their notes (on
        pages with compact bars only: a page's bytes depend on its own content, which
        keeps pages without bars unchanged from one pass to the next). Called last on
        each page."""
        t = self.t
        notes, self._compact = (self.notes.texts if self._compact else []), False
        # The notes only grow: their number says which they are.
        found = self._data.get(len(notes))
        if found is not None:
            return found
        data = {
            "states": {css: t(key) for css, key in STATE_KEYS.items()},
            "tip": t("day_tip"),
            "short": t("day_tip_short"),
            "full": t.percent(1),
            "days": t("days_button"),
            "notes": notes,
            "desc": {k: v for k, v in t.strings.items() if k.startswith("desc_")},
            "pills": {key: t(key) for key in PILL_KEYS},
            "stale": t("stale_notice"),
            "refreshed": t("refreshed"),
            "changed": t("content_changed"),
            "reload": t("reload"),
        }
        text = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
        # Inside <script>, only "</" could end the element early.
        text = text.replace("</", "<\\/")
        found = Markup(f'<script type="application/json" id="sg-data">{text}</script>')
        self._data[len(notes)] = found
        return found

    def chart(self, points: Sequence[tuple[datetime, int]], *size: int) -> Markup:
        key = ("chart", id(points), size)
        if key not in self._cache:
            self._cache[key] = latency_chart(
                points, self.now, self.t, 24, *size, memo=self._windows
            )
        return self._cache[key]
