"""Message catalogues and per-locale formatting; the bar and chart markup."""

from __future__ import annotations

import json
import re
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest

from statusgen.config import LOCALES
from statusgen.site.charts import buckets, latency_chart
from statusgen.site.i18n import LOCALE_DIR, available, messages
from statusgen.site.markup import NoteIndex, uptime_bar
from statusgen.site.series import Bar, Note
from statusgen.status import Status

ROOT = Path(__file__).resolve().parent.parent


def test_every_configurable_locale_has_a_catalogue():
    assert available() == sorted(LOCALES)


@pytest.mark.parametrize("lang", LOCALES)
def test_catalogues_have_the_same_keys_and_fields(lang):
    english = json.loads((LOCALE_DIR / "en.json").read_text())
    other = json.loads((LOCALE_DIR / f"{lang}.json").read_text())
    assert other.keys() == english.keys()
    assert other["messages"].keys() == english["messages"].keys()
    assert other["formats"].keys() == english["formats"].keys()
    assert len(other["months"]) == len(other["months_short"]) == 12
    for key, text in english["messages"].items():
        fields = set(re.findall(r"\{(\w+)\}", text))
        assert set(re.findall(r"\{(\w+)\}", other["messages"][key])) == fields, (lang, key)


def test_every_string_the_site_uses_is_in_the_catalogue():
    used = set()
    sources = [*(ROOT / "site-templates").glob("*"), *(ROOT / "statusgen" / "site").glob("*.py")]
    for path in sources:
        if path.suffix == ".png":  # the theme's icons
            continue
        text = path.read_text()
        used |= set(re.findall(r"""\bt\(\s*['"]([a-z0-9_]+)['"]""", text))
        used |= set(re.findall(r"""messages\(lang\)\(['"]([a-z0-9_]+)['"]""", text))
        if path.suffix == ".html":  # templates also read fixed strings as `text.key`
            used |= set(re.findall(r"\btext\.([a-z0-9_]+)\b", text))
    known = set(messages("en").strings)
    used = {key for key in used if not key.endswith("_")}  # prefixes, checked below
    assert used and used <= known, used - known
    for prefix, values in {
        "severity_": ["minor", "major", "critical"],
        "incident_": ["investigating", "identified", "monitoring", "resolved"],
        "maintenance_": ["scheduled", "in_progress", "verifying", "completed"],
        "window_": ["24h", "7d", "30d", "90d"],
        "": ["healthy", "sick", "dead", "operational", "under_maintenance", "major_outage"],
    }.items():
        assert {prefix + v for v in values} <= known


@pytest.mark.parametrize(
    ("lang", "day", "moment", "percent"),
    [
        ("en", "Nov 3, 2026", "Nov 3, 2026, 14:05 UTC", "99.95%"),
        ("fr", "3 nov. 2026", "3 nov. 2026 à 14:05 UTC", "99,95\u202f%"),
        ("de", "3. Nov. 2026", "3. Nov. 2026, 14:05 UTC", "99,95\u00a0%"),
        ("es", "3 nov 2026", "3 nov 2026, 14:05 UTC", "99,95\u00a0%"),
    ],
)
def test_dates_and_numbers_per_locale(lang, day, moment, percent):
    t = messages(lang)
    at = datetime(2026, 11, 3, 14, 5, tzinfo=UTC)
    assert t.date(at) == day
    assert t.datetime(at) == moment
    assert t.percent(0.99951) == percent


def test_uptime_is_rounded_down_and_missing_is_no_data():
    t = messages("en")
    assert t.percent(0.99999) == "99.99%"
    assert t.percent(1.0) == "100%"
    assert t.percent(None) == "No data"
    assert t.duration(timedelta(hours=2, minutes=5)) == "2 h 5 min"
    assert t.duration(timedelta(days=3, hours=1, minutes=9)) == "3 d 1 h"


def test_a_bar_is_compact_and_titles_only_notable_days():
    t = messages("en")
    day = date(2026, 11, 20)
    bars = [
        Bar(day, Status.HEALTHY, 1.0, 10),
        Bar(day + timedelta(days=1), Status.DEAD, 0.5, 10, (Note("incident", "x", "A <b>"),)),
        Bar(day + timedelta(days=2), None, None, 0),
        Bar(day + timedelta(days=3), None, None, 0, (Note("maintenance", "m", "Work"),)),
    ]
    html = str(uptime_bar(bars, t, "Site"))
    assert html == (
        '<div class=bar role=img data-end=2026-11-23 aria-label="Site, last 4 days: '
        'outage days: 1, maintenance days: 1, days without data: 1"><p>'
        '<p class=d title="Nov 21, 2026: Outage · 50.00% up · A &lt;b&gt;">'
        '<p class=n title="Nov 22, 2026: No data">'
        '<p class=m title="Nov 23, 2026: Maintenance · Maintenance: Work"></div>'
    )


def test_a_compact_bar_numbers_its_notes_and_names_each_state_once_per_page():
    t = messages("en")
    day = date(2026, 11, 20)
    note = Note("incident", "x", "A <b>")
    bars = [
        Bar(day, Status.HEALTHY, 1.0, 10),
        Bar(day + timedelta(days=1), Status.SICK, 0.9931, 10, (note,)),
        Bar(day + timedelta(days=2), Status.DEAD, 0.5, 10, (note,)),
    ]
    index = NoteIndex(t)
    html = str(uptime_bar(bars, t, "Site", index))
    assert "title=" not in html
    assert "<p class=s data-u=99.31% data-n=0><p class=d data-u=50.00% data-n=0>" in html
    assert index.texts == ["A <b>"]  # escaped once, in the page's JSON


def test_bars_sharing_days_give_each_bar_its_own_cells_and_note_numbers():
    t = messages("en")
    day = date(2026, 11, 20)
    one, two = Note("incident", "x", "One"), Note("incident", "y", "Two")
    sick = Bar(day, Status.SICK, 0.9931, 10)  # a day two nodes share
    first = [sick, Bar(day + timedelta(days=1), Status.DEAD, 0.5, 10, (one,))]
    second = [sick, Bar(day + timedelta(days=1), Status.DEAD, 0.5, 10, (two, one))]
    for compact in (False, True):
        memo: dict = {}
        kept = NoteIndex(t) if compact else None
        for bars in (first, second, first):
            fresh = None  # no cells kept, the notes numbered as far as `kept`
            if kept is not None:
                fresh = NoteIndex(t)
                fresh.positions, fresh.texts = dict(kept.positions), list(kept.texts)
            alone = str(uptime_bar(bars, t, "Site", fresh))
            assert str(uptime_bar(bars, t, "Site", kept, memo)) == alone
        assert kept.cells if kept is not None else memo  # the shared day was kept
        if kept is not None:  # the second bar's notes numbered on the page: "Two" is 1, "One" 0
            assert 'data-n="1 0"' in str(uptime_bar(second, t, "Site", kept, memo))
    # A Bar that took a kept one's id is drawn afresh.
    memo = {id(sick): (Bar(day, Status.DEAD, 0.1, 10), "d", "<p class=d>")}
    assert "<p class=s title=" in str(uptime_bar([sick], t, "Site", None, memo))


def test_every_day_state_has_a_name_and_a_shape():
    css = (ROOT / "site-templates" / "style.css").read_text()
    for state in ("s", "d", "m", "n"):
        rule = re.search(r"\.bar \." + state + r"\{([^}]*)\}", css)
        assert rule, state
        assert "height:" in rule.group(1) or "gradient" in rule.group(1), state


def test_latency_chart_buckets_and_falls_back_to_text():
    t = messages("en")
    now = datetime(2026, 11, 23, 12, tzinfo=UTC)
    points = [(now - timedelta(hours=h), 100 + h) for h in range(24)]
    values = buckets(points, now, 24, 24)
    assert values[0] is None and values[-1] == 100.5  # the check at `now` counts too
    svg = str(latency_chart(points, now, t))
    assert "<svg class=chart" in svg and 'd="M' in svg and "Now <b>100 ms</b>" in svg
    assert "No response times" in str(latency_chart([], now, t))


def test_locale_picker_builds_every_locale_with_a_picker(tmp_path):
    from statusgen.site import build_site

    from .conftest import T0
    from .site_helpers import FIXTURE_CONFIG, make_fixture

    text = FIXTURE_CONFIG.replace('custom_domain = "status.acme.test"', "locale_picker = true")
    config = make_fixture(tmp_path, text)
    report = build_site(config, T0)
    assert report.locales == ["en", "fr", "de", "es"]
    out = config.output_dir
    for lang in LOCALES:
        for rel in ("index.html", "history.html", "nodes/web/site.html", "api-only/index.html"):
            rel = rel.replace("api-only/", f"api-only/{lang}/") if "api-only" in rel else rel
            path = out / (rel if rel.startswith("api-only") else f"{lang}/{rel}")
            assert f'<html lang="{lang}"' in path.read_text(), path
    french = (out / "fr" / "nodes" / "web" / "site.html").read_text()
    assert "Disponibilité" in french and "23 nov. 2026 à 12:00 UTC" in french
    assert 'href="../../../de/nodes/web/site.html" hreflang="de"' in french
    assert 'href="../../../nodes/web/site.html" hreflang="en"' in french  # default at the root
    home = (out / "index.html").read_text()
    assert '<nav class="langs"' in home and 'href="es/index.html"' in home
    assert '<nav class="langs"' not in (out / "404.html").read_text()
