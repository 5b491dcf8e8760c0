"""What the render keeps within a build (texts escaped once, the slices of a list of
times) gives what a fresh computation gives."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from markupsafe import Markup, escape

from statusgen.site.charts import _sorted_buckets, buckets
from statusgen.site.escaped import escaped

NOW = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)


def test_escaped_text_is_what_markupsafe_writes_each_time():
    for text in ["Node 1", "R&D <api>", "\"quoted\" 'single'", "", "café\u202f%", "a&amp;b"]:
        assert escaped(text) == str(escape(text))
        assert escaped(text) == str(escape(text))  # kept: the same again
        assert type(escaped(text)) is str
    # A Markup equal to a kept text is taken as text, like the text it equals.
    assert escaped(Markup("a&amp;b")) == "a&amp;amp;b"


def test_lists_of_times_alike_at_both_ends_are_sliced_each_on_its_own():
    start = NOW - timedelta(hours=24)
    every = [start + timedelta(minutes=5 * i) for i in range(1, 289)]
    # Same length, first and last time: a node missed a pass early, another late.
    early = [*every[:10], *every[11:], NOW]
    late = [*every[:250], *every[251:], NOW]
    assert len(early) == len(late) and early[0] == late[0] and early[-1] == late[-1]
    for count in (96, 24):
        for times in (early, late, early):
            values = [100 + i % 37 for i in range(len(times))]
            expected = buckets(list(zip(times, values, strict=True)), NOW, 24, count)
            assert _sorted_buckets(times, values, NOW, 24, count) == expected
    # The same times at another moment: other slices.
    later = NOW + timedelta(minutes=5)
    values = [100 + i % 37 for i in range(len(late))]
    expected = buckets(list(zip(late, values, strict=True)), later, 24, 96)
    assert _sorted_buckets(late, values, later, 24, 96) == expected
    # The same times over a shorter window: slices of another width.
    recent = late[-100:]
    values = values[-100:]
    for hours in (12, 24):
        expected = buckets(list(zip(recent, values, strict=True)), NOW, hours, 96)
        assert _sorted_buckets(recent, values, NOW, hours, 96) == expected


def test_dates_and_times_read_as_strftime_writes_them_in_every_locale():
    from datetime import date

    from statusgen.site.i18n import messages

    for lang in ("en", "fr", "de", "es"):
        t = messages(lang)
        for step in range(0, 60 * 24 * 40, 97):  # minutes over 40 days: every hour, month
            at = NOW + timedelta(minutes=step)
            assert t.time(at) == f"{at:%H:%M}"
            # A day reads the same as a date and as a moment, kept or not.
            expected = t.formats["date"].format(d=at.day, b=t.months_short[at.month - 1], Y=at.year)
            assert t.date(at) == t.date(at.date()) == expected
        assert t.date(date(334, 1, 2)) != t.date(date(2026, 1, 2))
