"""Visitor UX of the built pages: component descriptions, readable charts, the web app
manifest and the home page's weight."""

from __future__ import annotations

import json
import re
from datetime import UTC, date, datetime, timedelta

import pytest

from statusgen.site import build_site
from statusgen.site.charts import buckets, daily_chart, latency_chart, nice_top
from statusgen.site.i18n import messages

from .conftest import T0
from .site_helpers import make_fixture


@pytest.fixture(scope="module")
def output(tmp_path_factory):
    config = make_fixture(tmp_path_factory.mktemp("ux"))
    build_site(config, T0)
    return config.output_dir


def read(output, rel: str) -> str:
    return (output / rel).read_text(encoding="utf-8")


def test_descriptions_are_help_text_on_the_pages(output):
    home = read(output, "index.html")
    assert '<p class="help">The public website &amp; its docs.</p>' in home
    assert "<p class=help>The JSON API behind &lt;the app&gt;.</p>" in home
    assert "The public website &amp; its docs." in read(output, "services/web.html")
    assert "The JSON API behind &lt;the app&gt;." in read(output, "nodes/api/rest.html")
    # Nodes without a description carry no empty help paragraph.
    assert read(output, "nodes/web/docs.html").count('class="help"') == 0


def test_descriptions_fill_the_statuspage_description_field(output):
    components = json.loads(read(output, "api/v2/components.json"))["components"]
    by_id = {c["id"]: c["description"] for c in components}
    assert by_id["web"] == "The public website & its docs."
    assert by_id["rest"] == "The JSON API behind <the app>."
    assert by_id["docs"] is None


NOW = datetime(2026, 11, 23, 12, tzinfo=UTC)


def figures(html: str) -> str:
    """The chart's caption as a reader sees it."""
    caption = re.search(r"<figcaption[^>]*>(.*?)</figcaption>", html).group(1)
    return re.sub(r"<[^>]+>", "", caption)


def test_the_24h_chart_states_latest_average_and_p95_within_its_scale():
    t = messages("en")
    values = [100] * 18 + [400, 1000]  # 20 checks, one slow spike at the end
    points = [(NOW - timedelta(minutes=5 * (20 - i)), v) for i, v in enumerate(values)]
    html = str(latency_chart(points, NOW, t))
    # Average and p95 come from the same raw checks; the scale's top covers the peak.
    assert figures(html) == "Now 1000 ms · avg 160 ms · p95 1000 ms"
    assert "<div class=plot aria-hidden=true><i class=ax>1000 ms</i>" in html  # 0: CSS
    # The scale's top is a round number at or above the peak.
    tops = [nice_top(v) for v in (1, 7, 101, 230, 260, 543, 999)]
    assert tops == [1, 8, 150, 250, 300, 600, 1000]


def test_the_24h_chart_reads_points_in_any_order_and_only_inside_its_window():
    t = messages("en")
    points = [(NOW - timedelta(minutes=7 * i), 100 + (i * 37) % 90) for i in range(60)]
    ordered = sorted(points)
    html = str(latency_chart(ordered, NOW, t))
    assert str(latency_chart(points, NOW, t)) == html  # newest first
    outside = [(NOW - timedelta(days=2), 5000), *ordered, (NOW + timedelta(minutes=1), 9000)]
    assert str(latency_chart(outside, NOW, t)) == html
    assert figures(html).startswith("Now 100 ms")


def test_a_few_checks_are_dots_not_a_stray_dash():
    t = messages("en")
    points = [(NOW - timedelta(minutes=m), 120 + m) for m in (15, 10, 5, 0)]
    html = str(latency_chart(points, NOW, t, count=96))
    dots = re.search(r'<path class="pts" d="([^"]+)"', html).group(1)
    assert len(re.findall(r"M\d+ \d+h0", dots)) == 4  # one a check
    # A check at `now` itself counts in the last slice.
    assert buckets(points, NOW, 24, 96)[-1] == 127.5
    assert "h4" not in html  # the old lone-point dash
    assert figures(html) == "Now 120 ms · avg 128 ms · p95 135 ms"
    # Many checks: a line without dots.
    many = [(NOW - timedelta(minutes=15 * i), 100 + i) for i in range(90)]
    assert 'class="pts"' not in str(latency_chart(many, NOW, t, count=96))


def test_the_24h_chart_slices_points_in_time_order_as_it_slices_any_points():
    import random

    from statusgen.site.charts import _line, _sorted_buckets
    from statusgen.site.latency import Points

    rng = random.Random(14)
    start = NOW - timedelta(hours=24)
    t = messages("en")
    for count in (24, 96, 7):  # 7: slices of 3.43 hours, not whole seconds
        width = timedelta(hours=24) / count
        edges = [start + width * i for i in range(count)] + [NOW]
        for _ in range(20):
            moments = {start + timedelta(seconds=rng.uniform(0, 86400)) for _ in range(300)}
            moments |= set(rng.sample(edges, 5))  # on slice edges, at the start, at now
            moments |= {e - timedelta(microseconds=1) for e in rng.sample(edges[1:], 3)}
            times = sorted(moments)
            values = [rng.randint(1, 900) for _ in times]
            pairs = list(zip(times, values, strict=True))
            expected = buckets(pairs, NOW, 24, count)
            assert _sorted_buckets(times, values, NOW, 24, count) == expected
            # Fewer points (gaps): empty slices are None in both.
            kept = pairs[::9]
            fewer = _sorted_buckets([a for a, _ in kept], [v for _, v in kept], NOW, 24, count)
            assert fewer == buckets(kept, NOW, 24, count)
            html = str(latency_chart(pairs, NOW, t, count=count))
            assert str(latency_chart(Points(times, values), NOW, t, count=count)) == html
    # The path's relative steps: a minus sign stands for the space before it.
    for _ in range(50):  # (the same step twice: its text is kept)
        xs = sorted(rng.randint(0, 40) for _ in range(rng.randint(2, 30)))
        known = [(x, rng.randint(0, 64)) for x in xs]
        steps = [
            f"{x2 - x1}{y2 - y1}" if y2 < y1 else f"{x2 - x1} {y2 - y1}"
            for (x1, y1), (x2, y2) in zip(known, known[1:], strict=False)
        ]
        line = _line([x for x, _ in known], [y for _, y in known])
        assert line == f"M{known[0][0]} {known[0][1]}l" + " ".join(steps)


def test_the_daily_chart_has_a_legend_a_scale_and_its_figures_in_every_locale():
    rows = [(date(2026, 11, d), 100 + d, 180 + 2 * d) for d in range(1, 21)]
    rows[3] = (rows[3][0], None, None)
    for lang in ("en", "fr", "de", "es"):
        t = messages(lang)
        html = str(daily_chart(rows, t))
        avg = round(sum(r[1] for r in rows if r[1]) / 19)
        assert t.ms(avg) in figures(html) and t.ms(220) in figures(html)
        assert f"<span class=key>{t('chart_mean')}</span>" in html and t("chart_p95") in html
        assert f"<i class=ax>{t.ms(250)}</i>" in html
    # The peak is the highest known value, a mean where no p95 is known.
    t = messages("en")
    means_only = [(day, mean, None) for day, mean, _ in rows]
    assert "peak 120 ms" in figures(str(daily_chart(means_only, t)))
    higher_mean = [*rows, (date(2026, 11, 21), 400, None)]
    assert "peak 400 ms" in figures(str(daily_chart(higher_mean, t)))
    for nothing in ([], [(date(2026, 11, 1), None, None)]):
        assert str(daily_chart(nothing, t)) == f'<p class="chart none">{t("no_latency")}</p>'


def test_node_pages_and_the_home_page_show_chart_figures(output):
    home = read(output, "index.html")
    assert home.count("<figcaption class=figs>Now <b>") >= 3
    node = read(output, "nodes/web/site.html")
    assert "avg <b>" in node and "daily mean" in node
