"""Response-time charts: inline SVG lines with a scale, and their figures as text.

One source for every figure: the 24 h chart states the latest, the average and the 95th
percentile of the raw response times, and its scale runs from 0 to a round number at or
above their peak, so no stated value lies off the scale; the line plots the mean of each
slice of the window. The 90-day chart plots the daily means and p95s; its average is the
mean of the daily means and its peak the highest daily p95, the same rows the line uses.
With few points, each one is drawn as a dot, so a handful of checks is never a stray dash.
The SVG stretches to its box (`preserveAspectRatio=none`): strokes and dots keep their
size through `vector-effect: non-scaling-stroke`, and text lives in the HTML around it.
"""

from __future__ import annotations

import math
from bisect import bisect_left
from collections.abc import Sequence
from datetime import date, datetime, timedelta
from functools import lru_cache
from itertools import accumulate, islice
from operator import lt, sub, truediv
from typing import NamedTuple

from markupsafe import Markup

from statusgen.site.escaped import escaped
from statusgen.site.i18n import Messages
from statusgen.site.latency import Points

FEW_POINTS = 16  # at most this many known slices: each drawn as a dot too


def p95(values: Sequence[float]) -> float | None:
    """The 95th percentile by nearest rank, the rule of the history's daily aggregates."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * 0.95))] if ordered else None


def nice_top(value: float) -> int:
    """The scale's top: the smallest round number (1, 1.5, 2, 2.5, 3, 4, 5, 6 or 8 times a
    power of ten) at or above `value` (at least 1 ms)."""
    if value <= 1:
        return 1
    power = 10 ** math.floor(math.log10(value))
    for step in (1, 1.5, 2, 2.5, 3, 4, 5, 6, 8, 10):
        if step * power >= value:
            return math.ceil(step * power)
    return math.ceil(10 * power)  # pragma: no cover - the loop always returns


def buckets(
    points: Sequence[tuple[datetime, int]], now: datetime, hours: float, count: int
) -> list[float | None]:
    """Mean value per equal slice of the last `hours` (a check at `now` itself is in the
    last slice), None where nothing answered."""
    slot = _slots(now, hours, count)
    sums, counts = [0.0] * count, [0] * count
    for at, value in points:
        index = slot.get(at)
        if index is None:
            index = slot[at] = _slot(at, now, hours, count)
        if index >= 0:
            sums[index] += value
            counts[index] += 1
    return [s / c if c else None for s, c in zip(sums, counts, strict=True)]


def _sorted_buckets(
    times: Sequence[datetime], values: Sequence[int], now: datetime, hours: float, count: int
) -> list[float | None]:
    """`buckets` of points in time order inside the window: where each slice starts found
    by bisection, its sum from running totals (what `buckets` gives, without a Python
    step per point). Slices of a whole number of seconds only (their starts are exact
    moments); others go through `buckets`."""
    width = hours * 3600 / count
    if width != int(width):
        return buckets(list(zip(times, values, strict=True)), now, hours, count)
    bounds, counts, empty = _slices(times, now, hours, count)
    totals = [0, *accumulate(values)]  # ints: exact, as the float sums of `buckets`
    at = list(map(totals.__getitem__, bounds))
    sums = map(sub, islice(at, 1, None), at)
    if empty:
        return [s / c if c else None for s, c in zip(sums, counts, strict=True)]
    return list(map(truediv, sums, counts))


class _Slices(NamedTuple):
    bounds: list[int]  # the index in the times where each slice starts, then their number
    counts: list[int]  # how many times each slice holds
    empty: bool  # whether a slice holds none


_SLICES: dict[tuple, _Slices] = {}


def _slices(times: Sequence[datetime], now: datetime, hours: float, count: int) -> _Slices:
    """Where each slice starts in `times` and how many it holds. Most nodes were checked
    at the same passes (the same few hundred lists of times in a build, each drawn at
    two sizes): worked out once per distinct list, found by its tuple's hash."""
    key = (now, hours, count, tuple(times))
    found = _SLICES.get(key)
    if found is None:
        bounds = [bisect_left(times, at) for at in _starts(now, hours, count)]
        bounds.append(len(times))
        counts = list(map(sub, islice(bounds, 1, None), bounds))
        if len(_SLICES) >= 1024:  # a server keeps them: bounded
            _SLICES.clear()
        found = _SLICES[key] = _Slices(bounds, counts, 0 in counts)
    return found


@lru_cache(maxsize=8)
def _starts(now: datetime, hours: float, count: int) -> tuple[datetime, ...]:
    """When each slice starts (the first at the window's start)."""
    start, width = now - timedelta(hours=hours), hours * 3600 / count
    return tuple(start + timedelta(seconds=index * width) for index in range(count))


@lru_cache(maxsize=8)
def _slots(now: datetime, hours: float, count: int) -> dict[datetime, int]:
    """The slice of each moment met so far (every node's series shares the pass times,
    so a build works each one out once)."""
    return {}


def _slot(at: datetime, now: datetime, hours: float, count: int) -> int:
    """The slice of `at`, -1 outside the window."""
    start = now - timedelta(hours=hours)
    index = min(int((at - start).total_seconds() // (hours * 3600 / count)), count - 1)
    return index if index >= 0 and at <= now else -1


@lru_cache(maxsize=64)
def _xs(count: int, step: float) -> tuple[int, ...]:
    return tuple(round(index * step) for index in range(count))


def _y(value: float, top: float, height: int) -> int:
    return height - round(value / top * height)


def _known(
    values: Sequence[float | None], top: float, width: int, height: int
) -> tuple[Sequence[int], list[int]]:
    """The x and the y of the known values, spread evenly over the width."""
    xs: Sequence[int] = _xs(len(values), width / max(len(values) - 1, 1))
    if None in values:
        xs = [x for x, v in zip(xs, values, strict=True) if v is not None]
        values = [v for v in values if v is not None]
    return xs, list(map(_scale(top, height).__getitem__, values))


class _Ys(dict[float, int]):
    """The y of each value on one scale (`_y` with a top and a height), made on first
    use: a line's points are then looked up in C (a build draws four thousand lines of
    about a hundred points, over a few thousand distinct values a scale)."""

    def __init__(self, top: float, height: int) -> None:
        super().__init__()
        self.top, self.height = top, height

    def __missing__(self, value: float) -> int:
        if len(self) >= 4096:  # a server keeps them: bounded
            self.clear()
        y = self[value] = _y(value, self.top, self.height)
        return y


_SCALES: dict[tuple[float, int], _Ys] = {}


def _scale(top: float, height: int) -> _Ys:
    """The y of each value on a scale of `top` over `height`: equal values (1 and 1.0,
    0 and -0.0 alike) have the same y."""
    found = _SCALES.get((top, height))
    if found is None:
        if len(_SCALES) >= 64:
            _SCALES.clear()
        found = _SCALES[top, height] = _Ys(top, height)
    return found


class _Steps(dict[tuple[int, int], str]):
    """The text of each relative step (dx, dy), made on first use: a line's steps are
    then looked up without a Python step per point (a build draws four thousand lines
    of about a hundred points, over few distinct steps)."""

    def __missing__(self, step: tuple[int, int]) -> str:
        if len(self) > 50_000:  # steps of dots at any x: bounded all the same
            self.clear()
        dx, dy = step
        text = self[step] = f"{dx}{dy}" if dy < 0 else f"{dx} {dy}"
        return text


_STEPS = _Steps()


def _line(xs: Sequence[int], ys: Sequence[int]) -> str:
    """`M x y` then relative steps (`l dx dy ...`): the shortest path text, since a page
    holds a chart per node. A minus sign needs no separator before it."""
    steps = zip(map(sub, islice(xs, 1, None), xs), map(sub, islice(ys, 1, None), ys), strict=True)
    return f"M{xs[0]} {ys[0]}l" + " ".join(map(_STEPS.__getitem__, steps))


def _path(xs: Sequence[int], ys: Sequence[int], dots: bool, css: str = "") -> str:
    """The line through the known points (a slice without data is skipped, as cron
    schedules leave gaps) and, with `dots`, a dot on each (a zero-length segment with
    round caps)."""
    cls = f" class={css}" if css else ""
    out = ""
    if len(xs) > 1:
        out = f'<path{cls} d="{_line(xs, ys)}"/>'
    if dots and xs:
        marks = "".join([f"M{x} {y}h0" for x, y in zip(xs, ys, strict=True)])
        out += f'<path class="pts{" " + css if css else ""}" d="{marks}"/>'
    return out


def _figures(t: Messages, key: str, **values: float | None) -> Markup:
    """A catalogue line with its values in bold (the line itself escaped)."""
    # str.format over the escaped line, each value escaped into its <b>: what
    # Markup.format gives, without its per-field formatter machinery.
    bold = {name: f"<b>{escaped(t.ms(value))}</b>" for name, value in values.items()}
    return Markup(t.html[key].format_map(bold))


def _figure(svg: str, top: int, t: Messages, figures: Markup, wide: bool = False) -> Markup:
    # The scale's top, then (from style.css, `.ax::after`) its 0; the plot is hidden from
    # assistive technology, which reads the caption's figures.
    scale = f"<i class=ax>{escaped(t.ms(top))}</i>"
    css = '"lat wide"' if wide else "lat"
    return Markup(
        f"<figure class={css}><div class=plot aria-hidden=true>{scale}{svg}</div>"
        f"<figcaption class=figs>{figures}</figcaption></figure>"
    )


def _svg(width: int, height: int, body: str, wide: bool = False) -> str:
    # The line pictures what the caption states in words. The svg's top and bottom
    # borders (style.css) mark the scale's top and its 0.
    css = '"chart wide"' if wide else "chart"
    return f'<svg class={css} viewBox="0 0 {width} {height}" preserveAspectRatio=none>{body}</svg>'


class Window(NamedTuple):
    """A series inside a chart's window, with what every chart of it shows alike: the
    scale's top and the figures."""

    times: Sequence[datetime]
    values: Sequence[int]
    top: int
    figures: Markup


def window(
    points: Sequence[tuple[datetime, int]], now: datetime, t: Messages, hours: float = 24
) -> Window | None:
    """The points inside the last `hours`, in time order, with the scale's top and the
    figures (latest, average, p95); None when there is none."""
    start = now - timedelta(hours=hours)
    if isinstance(points, Points):
        times, values = points.times, points.values
    else:
        times, values = [at for at, _ in points], [v for _, v in points]
    if not (times and start <= times[0] and times[-1] <= now and _ascending(times)):
        inside = sorted((at, v) for at, v in zip(times, values, strict=True) if start <= at <= now)
        times, values = [at for at, _ in inside], [v for _, v in inside]
    # else a node's series: in time order and inside the window already
    if not values:
        return None
    ordered = sorted(values)  # p95's nearest rank, and the peak (one sort)
    high = ordered[min(len(ordered) - 1, int(len(ordered) * 0.95))]
    figures = _figures(t, "chart_figures", now=values[-1], avg=sum(values) / len(values), p95=high)
    return Window(times, values, nice_top(ordered[-1]), figures)


def latency_chart(
    points: Sequence[tuple[datetime, int]],
    now: datetime,
    t: Messages,
    hours: float = 24,
    count: int = 24,
    width: int = 192,
    height: int = 32,
    memo: dict[tuple[int, float], tuple[object, Window | None]] | None = None,
) -> Markup:
    """The last `hours` of response times with its scale and figures (latest, average,
    p95); text alone when there is no data.

    `memo` keeps each series' `window` by points (by id: the caller keeps the points
    alive) for the next chart of the same points, `now` and locale: a node's 24-hour
    series is drawn twice, on its own page and in its row."""
    key = (id(points), hours)
    found = memo.get(key) if memo is not None else None
    if found is not None and found[0] is points:
        shown = found[1]
    else:
        shown = window(points, now, t, hours)
        if memo is not None:
            memo[key] = (points, shown)
    if shown is None:
        return Markup(f'<p class="chart none">{t.html["no_latency"]}</p>')
    times, values, top, figures = shown
    if len(values) <= FEW_POINTS:  # each check a dot at its own time
        start, span = now - timedelta(hours=hours), hours * 3600
        xs = [round((at - start).total_seconds() / span * width) for at in times]
        body = _path(xs, [_y(v, top, height) for v in values], dots=True)
    else:
        xs, ys = _known(_sorted_buckets(times, values, now, hours, count), top, width, height)
        body = _path(xs, ys, dots=len(xs) <= FEW_POINTS)
    return _figure(_svg(width, height, body), top, t, figures)


def _ascending(times: Sequence[datetime]) -> bool:
    """Whether the times strictly increase (as sorting keeps them)."""
    return all(map(lt, times, islice(times, 1, None)))


def daily_chart(
    rows: Sequence[tuple[date, int | None, int | None]],
    t: Messages,
    width: int = 360,
    height: int = 60,
) -> Markup:
    """Daily mean and p95 response times over the bar's days, with a legend and the
    period's average (of the daily means) and peak (the highest daily p95). A rebuild
    draws only the days after the settled ones (`daily_part`, `daily_end`)."""
    if not rows:
        return Markup(f'<p class="chart none">{t.html["no_latency"]}</p>')
    _, means, p95s = zip(*rows, strict=True)
    known_means = [v for v in means if v is not None] if None in means else means
    if not known_means:
        return Markup(f'<p class="chart none">{t.html["no_latency"]}</p>')
    known_p95s = [v for v in p95s if v is not None] if None in p95s else p95s
    peak = max(max(known_means), max(known_p95s, default=known_means[0]))
    top = nice_top(peak)
    dots = len(known_means) <= FEW_POINTS
    body = _path(*_known(p95s, top, width, height), dots, "p95")
    body += _path(*_known(means, top, width, height), dots)
    return _daily_figure(body, top, sum(known_means) / len(known_means), peak, t, width, height)


def _daily_figure(
    body: str, top: int, avg: float, peak: float, t: Messages, width: int, height: int
) -> Markup:
    figures = _figures(t, "daily_chart_figures", avg=avg, peak=peak)
    mean_key, p95_key = t.html["chart_mean"], t.html["chart_p95"]
    legend = f"<span class=key>{mean_key}</span> <span class='key p95'>{p95_key}</span> · "
    caption = Markup(f"{legend}{figures}")  # not legend + figures: Markup's __radd__ escapes
    return _figure(_svg(width, height, body, wide=True), top, t, caption, True)


def daily_part(
    rows: Sequence[tuple[date, int | None, int | None]],
    count: int,
    width: int = 360,
    height: int = 60,
) -> list | None:
    """What `daily_chart` draws of the first `count` rows (on the scale of all of
    `rows`), as JSON
    values: the number of rows, `top`, the sum, number and peak of the known means, the
    peak of the known p95s, then for each line (p95, mean) its path text up to its last
    known point, that point and its number of known points. None when a line has no
    known point there or a value is not an integer (a float sum depends on its order)."""
    if not 0 < count <= len(rows):
        return None
    _, means, p95s = zip(*rows[:count], strict=True)
    known_means = [v for v in means if v is not None] if None in means else means
    known_p95s = [v for v in p95s if v is not None] if None in p95s else p95s
    if not (known_means and known_p95s):
        return None
    if {*map(type, known_means), *map(type, known_p95s)} != {int}:
        return None
    peaks = [max(known_means), max(known_p95s)]
    later = [v for _, mean, high in rows[count:] for v in (mean, high) if v is not None]
    top = nice_top(max(*peaks, *later))
    xs = _xs(len(rows), width / max(len(rows) - 1, 1))[:count]
    ys = _scale(top, height).__getitem__
    lines = []
    for values, known in ((p95s, known_p95s), (means, known_means)):
        kx = (
            xs if known is values else [x for x, v in zip(xs, values, strict=True) if v is not None]
        )
        ky = list(map(ys, known))
        lines.append([_line(kx, ky), kx[-1], ky[-1], len(kx)])
    return [len(rows), top, sum(known_means), len(known_means), *peaks, *lines]


def daily_end(
    rows: Sequence[tuple[date, int | None, int | None]],
    t: Messages,
    width: int,
    height: int,
    count: int,
    part: list,
) -> Markup | None:
    """`daily_chart` of `rows` from the `daily_part` of its first `count` rows, or None
    when the part does not fit (another number of rows or scale, few points)."""
    rows_n, top, total, known, mean_peak, p95_peak, p95_line, mean_line = part
    if rows_n != len(rows) or count >= len(rows):
        return None
    tail = rows[count:]
    _, means, p95s = zip(*tail, strict=True)
    new_means = [v for v in means if v is not None]
    new_p95s = [v for v in p95s if v is not None]
    if known + len(new_means) <= FEW_POINTS:  # drawn with dots
        return None
    if not all(type(v) is int for v in (*new_means, *new_p95s)):
        return None
    peak = max(mean_peak, p95_peak, *new_means, *new_p95s)
    if nice_top(peak) != top:
        return None
    xs = _xs(len(rows), width / max(len(rows) - 1, 1))[count:]
    ys = _scale(top, height)
    body = ""
    lines = ((p95s, p95_line, " class=p95"), (means, mean_line, ""))
    for values, (text, last_x, last_y, drawn), css in lines:
        kx = [last_x, *(x for x, v in zip(xs, values, strict=True) if v is not None)]
        ky = [last_y, *map(ys.__getitem__, (v for v in values if v is not None))]
        if drawn + len(kx) - 1 > 1:
            steps = _line(kx, ky).partition("l")[2]
            gap = " " if drawn > 1 and steps else ""
            body += f'<path{css} d="{text}{gap}{steps}"/>'
    avg = (total + sum(new_means)) / (known + len(new_means))
    return _daily_figure(body, top, avg, peak, t, width, height)
