"""Message catalogues (`statusgen/locales/<lang>.json`) and per-locale formatting of dates,
times, percentages and durations. Every string the site shows comes from here.

Times are shown in UTC, the zone of the history, so a page reads the same everywhere and
two builds of the same inputs are byte-identical.
"""

from __future__ import annotations

import json
import math
from datetime import date, datetime, timedelta
from functools import cache, cached_property
from pathlib import Path
from types import SimpleNamespace
from typing import Any

from markupsafe import escape

from statusgen.clock import iso

LOCALE_DIR = Path(__file__).resolve().parent.parent / "locales"


class Messages:
    """One locale's catalogue. Call it with a key (and format fields) for a string."""

    def __init__(self, lang: str, data: dict[str, Any]) -> None:
        self.lang = lang
        self.name: str = data["name"]
        self.strings: dict[str, str] = data["messages"]
        self.formats: dict[str, str] = data["formats"]
        self.months: list[str] = data["months"]
        self.months_short: list[str] = data["months_short"]
        # Formatted uptimes and response times: a build writes the same few thousand
        # values tens of thousands of times (bars, tables, charts' figures).
        self._percents: dict[float | None, str] = {}
        self._ms: dict[float, str] = {}
        self._dates: dict[int, str] = {}  # by ordinal: a few hundred days a build

    def __call__(self, key: str, **fields: object) -> str:
        text = self.strings[key]
        return text.format(**fields) if fields else text

    @cached_property
    def text(self) -> SimpleNamespace:
        """Every message as an attribute (`text.uptime` is `t('uptime')`): templates read
        fixed strings tens of thousands of times a build, and a Jinja attribute lookup costs
        a fraction of a Jinja call."""
        return SimpleNamespace(**self.strings)

    @cached_property
    def html(self) -> dict[str, str]:
        """Every message escaped for HTML, for markup built in Python (what a template's
        `{{ text.uptime }}` writes), escaped once per locale rather than per use."""
        return {key: str(escape(text)) for key, text in self.strings.items()}

    def date(self, value: date | datetime) -> str:
        """A day, e.g. `Nov 23, 2026` / `23 nov. 2026`."""
        day = value.toordinal()
        found = self._dates.get(day)
        if found is None:
            found = self.formats["date"].format(
                d=value.day, b=self.months_short[value.month - 1], Y=value.year
            )
            remember(self._dates, day, found)
        return found

    def month(self, year: int, month: int) -> str:
        """A month heading, e.g. `November 2026`."""
        return self.formats["month"].format(B=self.months[month - 1], Y=year)

    def time(self, value: datetime) -> str:
        # What f"{value:%H:%M}" writes, without strftime (a build writes thousands).
        return f"{value.hour:02d}:{value.minute:02d}"

    def datetime(self, value: datetime) -> str:
        """A moment in UTC, e.g. `Nov 23, 2026, 14:05 UTC`."""
        return self.formats["datetime"].format(date=self.date(value), time=self.time(value))

    def number(self, value: float, digits: int = 0) -> str:
        text = f"{value:.{digits}f}"
        return text.replace(".", self.formats["decimal"])

    def percent(self, ratio: float | None) -> str:
        """An uptime: two decimals, rounded down so 99.999 % never reads as 100 %."""
        found = self._percents.get(ratio)
        if found is None:
            if ratio is None:
                found = self("no_data")
            else:
                value = math.floor(ratio * 10000) / 100
                text = "100" if value >= 100 else self.number(value, 2)
                found = self.formats["percent"].format(value=text)
            remember(self._percents, ratio, found)
        return found

    def ms(self, value: float | None) -> str:
        if not value:  # None, or a zero: -0.0 equals 0 yet reads "-0"
            return self("no_data") if value is None else self("ms", value=self.number(value))
        found = self._ms.get(value)
        if found is None:
            found = self("ms", value=self.number(value))
            remember(self._ms, value, found)
        return found

    def duration(self, span: timedelta) -> str:
        """A human duration, e.g. `2 h 5 min`."""
        minutes = max(0, int(span.total_seconds() // 60))
        days, rest = divmod(minutes, 1440)
        hours, minutes = divmod(rest, 60)
        parts = []
        if days:
            parts.append(self("days_short", n=days))
        if hours:
            parts.append(self("hours_short", n=hours))
        if minutes or not parts:
            parts.append(self("minutes_short", n=minutes))
        return " ".join(parts[:2])

    def iso(self, value: datetime) -> str:
        return iso(value)


def remember(memo: dict, key: object, text: str, limit: int = 10_000) -> str:
    """Keep `text` in `memo` under `key` (a formatted number: equal numbers other than
    zeros format alike, 1 and 1.0 both read "1"), within bounds: a server process keeps
    its catalogues and the modules' memos. Returns `text`."""
    if len(memo) >= limit:
        memo.clear()
    memo[key] = text
    return text


@cache
def messages(lang: str) -> Messages:
    """The catalogue of `lang` (one of config.LOCALES)."""
    path = LOCALE_DIR / f"{lang}.json"
    return Messages(lang, json.loads(path.read_text(encoding="utf-8")))


def available() -> list[str]:
    return sorted(p.stem for p in LOCALE_DIR.glob("*.json"))
