"""Pieces of the settled days kept between builds (statusgen/site/fragments.py): a bar or
daily chart joined from a kept piece and the days after it is the bytes of one drawn
whole, and a piece is found again only under everything it shows (the node's settled
part, the calendar, the build's inputs, the locale, the kind of piece)."""

from __future__ import annotations

import random
from datetime import timedelta

import pytest

from statusgen.site.fragments import Fragments
from statusgen.site.i18n import messages
from statusgen.site.nodepage import NodeHelpers
from statusgen.site.series import Bar, Note
from statusgen.status import Status

from .conftest import T0

DAYS, SETTLED = 90, 89
START = T0.date() - timedelta(days=DAYS - 1)
STATUSES = (Status.HEALTHY, Status.HEALTHY, Status.HEALTHY, Status.SICK, Status.DEAD, None)


def daily_rows(rng: random.Random, start=START, gaps=0.1):
    out = []
    for day in range(DAYS):
        mean = None if rng.random() < gaps else rng.randint(20, 300)
        high = None if mean is None or rng.random() < gaps else mean + rng.randint(0, 80)
        out.append((start + timedelta(days=day), mean, high))
    return out


def day_bars(rng: random.Random, title="Outage", start=START):
    out = []
    for day in range(DAYS):
        status = rng.choice(STATUSES)
        notes = ()
        if rng.random() < 0.1:
            kind = rng.choice(("incident", "maintenance"))
            notes = (Note(kind, f"{kind}-{day % 4}", f"{title} {day % 4}"),)
        uptime = None if status is None else rng.choice((1.0, 0.99, 0.5))
        out.append(Bar(start + timedelta(days=day), status, uptime, 10, notes))
    return out


def draw(kept: Fragments | None, lang: str, rows, bars, numbered=()) -> tuple[str, ...]:
    """The daily chart, detailed bar and compact bar of node "n" (after `numbered`
    notes took the page's first note numbers)."""
    helpers = NodeHelpers(messages(lang), T0)
    helpers.fragments = kept
    helpers.notes.refs(numbered)
    return (
        helpers.daily_chart(rows, "n"),
        helpers.bar(bars, "Node", detailed=True, node="n"),
        helpers.bar(bars, "Node", node="n"),
    )


def build(folder, lang, rows, bars, base="b", inputs="i", entry="e", numbered=()):
    """`draw` with the kept pieces of `folder`, as a build does; (what it drew, hits)."""
    kept = Fragments(folder, base, SETTLED, {"n": entry})
    kept.start(inputs)
    drawn = draw(kept, lang, rows, bars, numbered)
    kept.save()
    return drawn, kept.hits


def with_today(rows, mean, high):
    return [*rows[:-1], (rows[-1][0], mean, high)]


@pytest.mark.parametrize("seed", range(6))
def test_kept_pieces_and_the_new_days_give_the_bytes_of_a_whole_draw(tmp_path, seed):
    rng = random.Random(seed)
    rows, bars = daily_rows(rng, gaps=0.05 * seed), day_bars(rng)
    numbered = [Note("incident", "other", "Other")] if seed % 2 else []
    first, hits = build(tmp_path, "en", rows, bars, numbered=numbered)
    assert hits == 0 and first == draw(None, "en", rows, bars, numbered)
    # Today changes: unknown, the same scale, a new peak (another scale), back again.
    for mean, high in ((None, None), (40, None), (90, 120), (5_000, 9_000), (60, 70)):
        today = with_today(rows, mean, high)
        changed = [*bars[:-1], Bar(bars[-1].day, Status.SICK, 0.9, 3, ())]
        drawn, hits = build(tmp_path, "en", today, changed, numbered=numbered)
        assert drawn == draw(None, "en", today, changed, numbered)
        assert hits >= 2  # the two bars' pieces at least


def test_a_chart_with_few_points_is_drawn_whole_with_its_dots(tmp_path):
    rows = daily_rows(random.Random(1), gaps=0.9)
    build(tmp_path, "en", rows, day_bars(random.Random(1)))
    drawn, _ = build(tmp_path, "en", with_today(rows, 50, 60), day_bars(random.Random(1)))
    assert drawn == draw(None, "en", with_today(rows, 50, 60), day_bars(random.Random(1)))
    assert "h0" in drawn[0]  # dots


def test_compact_cells_with_notes_take_the_page_s_note_numbers(tmp_path):
    rng = random.Random(3)
    rows, bars = daily_rows(rng), day_bars(rng)
    build(tmp_path, "en", rows, bars)
    numbered = [Note("maintenance", "maintenance-2", "x"), Note("incident", "other", "Other")]
    drawn, hits = build(tmp_path, "en", rows, bars, numbered=numbered)
    assert hits == 3
    assert drawn == draw(None, "en", rows, bars, numbered)
    assert drawn[2] != draw(None, "en", rows, bars)[2]


def test_another_settled_part_is_drawn_again(tmp_path):
    rng = random.Random(4)
    rows, bars = daily_rows(rng), day_bars(rng)
    build(tmp_path, "en", rows, bars, entry="e1")
    renamed = day_bars(random.Random(4), title="Renamed")  # a note's title changed
    assert renamed != bars
    drawn, hits = build(tmp_path, "en", rows, renamed, entry="e2")
    assert drawn == draw(None, "en", rows, renamed)
    assert "Renamed" in drawn[1]


def test_another_calendar_is_drawn_again(tmp_path):
    # The next day: the same node and notes (the same entry), its days one later.
    rng = random.Random(5)
    rows, bars = daily_rows(rng), day_bars(rng)
    build(tmp_path, "en", rows, bars, base="day1")
    later = T0.date() - timedelta(days=DAYS - 2)
    rows2, bars2 = daily_rows(random.Random(6), later), day_bars(random.Random(6), start=later)
    drawn, hits = build(tmp_path, "en", rows2, bars2, base="day2")
    assert hits == 0
    assert drawn == draw(None, "en", rows2, bars2)


def test_other_build_inputs_read_nothing(tmp_path):
    rng = random.Random(7)
    rows, bars = daily_rows(rng), day_bars(rng)
    build(tmp_path, "en", rows, bars, inputs="config 1")
    assert build(tmp_path, "en", rows, bars, inputs="config 1")[1] == 3
    assert build(tmp_path, "en", rows, bars, inputs="config 2")[1] == 0


def test_each_locale_has_its_own_pieces(tmp_path):
    rng = random.Random(8)
    rows, bars = daily_rows(rng), day_bars(rng)
    build(tmp_path, "en", rows, bars)
    for lang in ("fr", "de", "en"):  # each new locale draws its own, then finds them
        drawn, hits = build(tmp_path, lang, rows, bars)
        assert drawn == draw(None, lang, rows, bars)
        assert hits == 0
        assert build(tmp_path, lang, rows, bars)[1] == 3


def test_a_torn_file_is_drawn_again(tmp_path):
    rng = random.Random(9)
    rows, bars = daily_rows(rng), day_bars(rng)
    build(tmp_path, "en", rows, bars)
    path = tmp_path / "fragments.json"
    path.write_bytes(path.read_bytes()[:-10])
    drawn, hits = build(tmp_path, "en", rows, bars)
    assert hits == 0 and drawn == draw(None, "en", rows, bars)
    assert build(tmp_path, "en", rows, bars)[1] == 3
