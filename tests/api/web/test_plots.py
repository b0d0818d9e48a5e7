"""The trend plot's SVG, its coordinates worked by hand: the plot area is x 40..620 and
y 10..210 (score 100 at y 10, score 0 at y 210: y = 10 + (100 - score) * 2)."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from datetime import date

from api.store.queries.aggregates import TrendPoint
from api.web.plots import trend_svg

SVG = "{http://www.w3.org/2000/svg}"
MONDAYS = [date(2026, 3, 2), date(2026, 3, 9), date(2026, 3, 16)]


def point(week: date, mean: float | None, low: float | None = None,
          high: float | None = None) -> TrendPoint:
    return TrendPoint(week=week, n=3, scored=3 if mean is not None else 0, mean=mean,
                      ci_low=low, ci_high=high)


def shapes(svg: str, tag: str) -> list[str]:
    root = ET.fromstring(svg)  # well-formed XML, or this fails
    return [e.get("points") or "" for e in root.iter(f"{SVG}{tag}")
            if e.get("class") in ("band", "mean")]


def test_three_weeks_band_and_line_by_hand() -> None:
    svg = str(trend_svg([point(MONDAYS[0], 80, 70, 90), point(MONDAYS[1], 70, 60, 80),
                         point(MONDAYS[2], 90, 85, 95)], "Weekly mean"))
    # upper edge left to right (90, 80, 95), then the lower edge back (85, 60, 70)
    assert shapes(svg, "polygon") == [
        "40.0,30.0 330.0,50.0 620.0,20.0 620.0,40.0 330.0,90.0 40.0,70.0"]
    assert shapes(svg, "polyline") == ["40.0,50.0 330.0,70.0 620.0,30.0"]
    assert re.findall(r'<circle class="point" cx="([\d.]+)" cy="([\d.]+)"', svg) == [
        ("40.0", "50.0"), ("330.0", "70.0"), ("620.0", "30.0")]
    weeks = re.findall(r'<text class="week" x="([\d.]+)"[^>]*>([^<]+)</text>', svg)
    assert weeks == [("40.0", "2026-03-02"), ("330.0", "2026-03-09"), ("620.0", "2026-03-16")]
    ticks = re.findall(r'<text class="tick" x="34" y="([\d.]+)"[^>]*>(\d+)</text>', svg)
    assert ticks == [("214.0", "0"), ("164.0", "25"), ("114.0", "50"), ("64.0", "75"),
                     ("14.0", "100")]
    assert 'aria-label="Weekly mean"' in svg and "<title>Weekly mean</title>" in svg


def test_a_week_without_data_is_a_gap() -> None:
    """The missing middle week keeps its place on the axis; nothing joins across it."""
    svg = str(trend_svg([point(MONDAYS[0], 80, 70, 90), point(MONDAYS[2], 90, 85, 95)], "t"))
    assert shapes(svg, "polygon") == []
    assert shapes(svg, "polyline") == ["40.0,30.0 40.0,70.0", "620.0,20.0 620.0,40.0"]
    assert len(re.findall(r'<circle class="point"', svg)) == 2
    assert ">2026-03-09</text>" in svg


def test_a_week_without_a_score_is_a_gap() -> None:
    svg = str(trend_svg([point(MONDAYS[0], 80, 70, 90), point(MONDAYS[1], None),
                         point(MONDAYS[2], 90, 85, 95)], "t"))
    assert shapes(svg, "polygon") == [] and len(shapes(svg, "polyline")) == 2


def test_one_week() -> None:
    svg = str(trend_svg([point(MONDAYS[1], 50, 40, 60)], "t",
                        week_label=lambda d: f"{d.day}.{d.month:02d}"))
    assert shapes(svg, "polyline") == ["330.0,90.0 330.0,130.0"]  # the whisker
    assert re.findall(r'<circle class="point" cx="([\d.]+)" cy="([\d.]+)"', svg) == [
        ("330.0", "110.0")]
    assert re.findall(r'<text class="week" x="([\d.]+)"[^>]*>([^<]+)</text>', svg) == [
        ("330.0", "9.03")]


def test_one_score_has_no_band_and_no_weeks_no_data() -> None:
    lone = str(trend_svg([point(MONDAYS[0], 75)], "t"))
    assert shapes(lone, "polygon") == [] and shapes(lone, "polyline") == []
    assert 'cy="60.0"' in lone
    empty = str(trend_svg([], "<no data> & more"))
    assert "<circle" not in empty and "&lt;no data&gt; &amp; more" in empty
    ET.fromstring(empty)


def test_labels_are_thinned_to_eight() -> None:
    weeks = [date.fromordinal(MONDAYS[0].toordinal() + 7 * i) for i in range(20)]
    svg = str(trend_svg([point(w, 60, 50, 70) for w in weeks], "t"))
    assert len(re.findall(r'<text class="week"', svg)) == 7  # every third of 20
    assert len(shapes(svg, "polygon")) == 1
