"""The sections of a node page's per-pass part (`_node_pass.html`), built in Python.

A build renders that part for every node on every pass (a thousand nodes, a thousand
parts), and as a template it was some forty Jinja expressions a node, each escaped and
wrapped as Markup: its heading, replica table, uptime, response times, notable days and
status changes are now one helper call each, with the catalogue's fixed strings escaped
once per locale. The template keeps the order of the sections and the locations table
(shown only with `[[locations]]`), so a theme may still move, drop or replace any of them.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from contextlib import suppress
from datetime import date, datetime
from operator import attrgetter
from typing import TYPE_CHECKING

from markupsafe import Markup

from statusgen.site.charts import daily_chart, daily_end, daily_part
from statusgen.site.escaped import escaped
from statusgen.site.i18n import Messages
from statusgen.site.markup import Helpers, note_text
from statusgen.site.series import Bar, ReplicaState
from statusgen.status import Status

if TYPE_CHECKING:
    from statusgen.site.snapshot import NodeState


def notable(bars: Iterable[Bar]) -> list[Bar]:
    """Days worth a row on a node page: not plainly healthy, or with notes; newest first."""
    # Identity, not `status.rank > 0`: a property call on each of a thousand nodes' 90 days.
    sick, dead = Status.SICK, Status.DEAD
    picked = [b for b in bars if b.notes or b.status is sick or b.status is dead]
    return sorted(picked, key=attrgetter("day"), reverse=True)


class NodeHelpers(Helpers):
    """`Helpers` with the pieces of a node page: its sections (`node_head`,
    `replica_card`, `uptime_card`, `latency_card`, `notable_card`, `changes_card`) and
    the rows they hold (`replica_rows`, `day_rows`, `change_items`, `daily_chart`)."""

    def __init__(self, t: Messages, now: datetime) -> None:
        super().__init__(t, now)
        self._pieces: dict[str, str] = {}
        self._days: dict[tuple[int, str], tuple[Bar, str]] = {}  # see day_rows

    def _fixed(self, key: str, make: str) -> str:
        """A fixed piece of markup of this locale, built once: `make` is a format string
        over the escaped catalogue (`{replicas}` for the catalogue's `replicas`)."""
        found = self._pieces.get(key)
        if found is None:
            found = self._pieces[key] = make.format_map(self.t.html)
        return found

    def node_head(self, node: NodeState) -> Markup:
        """The heading with the status pill, why there is no data, the description, when
        the node was last checked and whether it is in maintenance."""
        out = f"<h1>{escaped(node.label)} {self.pill(node.impact)}</h1>\n{self.no_data_note(node)}"
        if node.description:
            out += f'<p class="help">{escaped(node.description)}</p>\n'
        if node.checked_at:
            when = self.when(node.checked_at)
            out += f'<p class="meta">{self.t.html["last_checked"]} {when}</p>\n'
        if node.impact.maintenance:
            out += self._fixed("maint", '<p class="card maint">{node_in_maintenance}</p>\n')
        return Markup(out)

    def replica_card(self, node: NodeState) -> Markup:
        """The replicas' table: label, health, response time and, when any replica has a
        certificate, when it expires."""
        certificates = any(r.certificate_expires for r in node.replicas)
        head = self._fixed(
            f"replicas{certificates}",
            '<section class="card">\n<h2>{replicas}</h2>\n<table>\n<thead><tr>'
            '<th scope="col">{replica}</th><th scope="col">{status}</th>'
            '<th scope="col">{response_time}</th>'
            + ('<th scope="col">{certificate_expires}</th>' if certificates else "")
            + "</tr></thead>\n<tbody>\n",
        )
        rows = self.replica_rows(node.replicas, certificates)
        return Markup(f"{head}{rows}</tbody>\n</table>\n</section>\n")

    def uptime_card(self, node: NodeState) -> Markup:
        """The 90-day bar with each day's text, and the uptime of each window."""
        series = node.series
        head = self._fixed("uptime", '<section class="card">\n<h2>{uptime}</h2>\n')
        bar = self.bar(series.bars, node.label, detailed=True, node=node.key)
        return Markup(f"{head}{bar}\n{self.uptimes(series.uptime)}\n</section>\n")

    def latency_card(self, node: NodeState) -> Markup:
        """The 24-hour chart (96 slices) and the 90-day daily chart."""
        series = node.series
        head = self._fixed(
            "latency",
            '<section class="card">\n<h2>{response_time}</h2>\n<h3>{last_24h}</h3>\n',
        )
        middle = self._fixed("daily", "\n<h3>{daily_90d}</h3>\n")
        chart = self.chart(series.latency, 96, 384, 64)
        daily = self.daily_chart(series.daily_latency, node.key)
        return Markup(f"{head}{chart}{middle}{daily}\n</section>\n")

    def notable_card(self, node: NodeState, base: str) -> Markup:
        """The days worth a look (`notable`), newest first, with their linked notes."""
        head = self._fixed("notable", '<section class="card">\n<h2>{notable_days}</h2>\n')
        shown = notable(node.series.bars)
        if not shown:
            return Markup(head + self._fixed("none", "<p>{no_notable_days}</p>\n</section>\n"))
        table = self._fixed(
            "days",
            '<table>\n<thead><tr><th scope="col">{day}</th><th scope="col">{status}</th>'
            '<th scope="col">{uptime}</th><th scope="col">{notes}</th></tr></thead>\n<tbody>\n',
        )
        rows = self.day_rows(shown, base)
        return Markup(f"{head}{table}{rows}</tbody>\n</table>\n</section>\n")

    def changes_card(self, node: NodeState) -> Markup:
        """The latest status changes; nothing when there were none."""
        changes = node.series.changes
        if not changes:
            return Markup("")
        head = self._fixed(
            "changes",
            '<section class="card">\n<h2>{status_changes}</h2>\n<ul class="changes">\n',
        )
        return Markup(f"{head}{self.change_items(changes)}</ul>\n</section>\n")

    def replica_rows(self, replicas: Sequence[ReplicaState], certificates: bool) -> Markup:
        """The rows of a node page's replica table: label, health, response time and,
        with `certificates`, when the certificate expires."""
        t, rows = self.t, []
        for replica in replicas:
            cells = (
                f"<tr><td>{escaped(replica.label)}</td><td>{self.health(replica.health)}</td>"
                f"<td>{escaped(t.ms(replica.latency_ms))}</td>"
            )
            if certificates:
                expires = replica.certificate_expires
                cells += f"<td>{self.when(expires) if expires else ''}</td>"
            rows.append(cells + "</tr>\n")
        if not rows:
            rows.append(f'<tr><td colspan="3">{t.html["no_replicas"]}</td></tr>\n')
        return Markup("".join(rows))

    def change_items(self, changes: Sequence[tuple[datetime, Status]]) -> Markup:
        """The `<li>` of each status change: when, then the status it changed to."""
        when, health = self.when, self.health
        return Markup(
            "".join([f"<li>{when(at)} {health(status)}</li>\n" for at, status in changes])
        )

    def day_rows(self, bars: Sequence[Bar], base: str) -> Markup:
        """The rows of a node page's notable days: day, status, uptime and linked notes.
        Each row is kept by Bar (by id: the snapshot keeps the Bars alive) and `base`:
        nodes share the Bars of days with the same counts."""
        memo = self._days
        rows = []
        for bar in bars:
            key = (id(bar), base)
            found = memo.get(key)
            if found is None or found[0] is not bar:
                found = memo[key] = (bar, self._day_row(bar, escaped(base)))
            rows.append(found[1])
        return Markup("".join(rows))

    def _day_row(self, bar: Bar, base: str) -> str:
        t = self.t
        links = ", ".join(
            f'<a href="{base}{"incidents" if note.kind == "incident" else "maintenance"}/'
            f'{escaped(note.id)}.html">{escaped(note_text(note, t))}</a>'
            for note in bar.notes
        )
        return (
            f"<tr><td>{escaped(t.date(bar.day))}</td><td>{self.health(bar.status)}</td>"
            f"<td>{escaped(t.percent(bar.uptime))}</td><td>{links}</td></tr>\n"
        )

    def daily_chart(
        self, rows: Sequence[tuple[date, int | None, int | None]], node: str = ""
    ) -> Markup:
        """The 90-day daily chart; of node `node`, its settled days' part may be kept
        (`fragments`): then only the days after them are drawn."""
        kept = self.fragments
        key = kept.key(node, self.t.lang, "daily") if kept is not None and node else None
        if kept is None or key is None or not 0 < kept.count < len(rows):
            return daily_chart(rows, self.t)
        part = kept.get(key)
        if part is not None:
            with suppress(ValueError, TypeError):
                drawn = daily_end(rows, self.t, 360, 60, kept.count, part)
                if drawn is not None:
                    return drawn
        part = daily_part(rows, kept.count)
        if part is not None:
            kept.put(key, part)
            drawn = daily_end(rows, self.t, 360, 60, kept.count, part)
            if drawn is not None:
                return drawn
        return daily_chart(rows, self.t)
