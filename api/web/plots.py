"""The weekly trend plot as inline SVG, drawn on the server (no chart library, no script): the
mean score per ISO week as points joined by a line, its 95% confidence band as a polygon
(a lone week with an interval: a whisker), a 0-100 scale and week labels. Weeks without a
score (none in the series, or no scored conversation) are gaps: line and band break there."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import date, timedelta
from html import escape
from typing import Protocol, TypeVar

from markupsafe import Markup

WIDTH, HEIGHT = 640, 250
LEFT, RIGHT, TOP, BOTTOM = 40, 20, 10, 40
PLOT_W, PLOT_H = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM  # 580 x 200
SCALE = (0, 25, 50, 75, 100)
MAX_LABELS = 8
T = TypeVar("T")


class WeekPoint(Protocol):
    """What the plot reads of a trend point (the store's TrendPoint, the API's TrendPointOut)."""

    @property
    def week(self) -> date: ...
    @property
    def mean(self) -> float | None: ...
    @property
    def ci_low(self) -> float | None: ...
    @property
    def ci_high(self) -> float | None: ...


def y_of(value: float) -> float:
    """The SVG y of a score (0 at the bottom of the plot, 100 at its top)."""
    return TOP + (100 - value) / 100 * PLOT_H


def weeks_between(first: date, last: date) -> list[date]:
    return [first + timedelta(weeks=i) for i in range((last - first).days // 7 + 1)]


def x_positions(count: int) -> list[float]:
    """Evenly spread over the plot's width; one week in the middle."""
    if count == 1:
        return [LEFT + PLOT_W / 2]
    return [LEFT + i * PLOT_W / (count - 1) for i in range(count)]


def runs(values: Sequence[T | None]) -> list[list[tuple[int, T]]]:
    """Each run of consecutive present values, as (index, value) pairs."""
    found: list[list[tuple[int, T]]] = []
    current: list[tuple[int, T]] = []
    for index, value in enumerate(values):
        if value is not None:
            current.append((index, value))
        elif current:
            found.append(current)
            current = []
    if current:
        found.append(current)
    return found


def _xy(x: float, y: float) -> str:
    return f"{x:.1f},{y:.1f}"


def trend_svg(points: Sequence[WeekPoint], title: str,
              week_label: Callable[[date], str] = date.isoformat) -> Markup:
    """The plot of `points` (one per week that had conversations, oldest first); `title`
    names it for screen readers; `week_label` writes a week (its Monday) on the axis."""
    parts = [f'<svg class="trend" viewBox="0 0 {WIDTH} {HEIGHT}" width="{WIDTH}" '
             f'height="{HEIGHT}" role="img" aria-label="{escape(title)}" '
             f'xmlns="http://www.w3.org/2000/svg"><title>{escape(title)}</title>']
    for value in SCALE:
        y = y_of(value)
        parts.append(f'<line class="grid" x1="{LEFT}" y1="{y:.1f}" x2="{LEFT + PLOT_W}" '
                     f'y2="{y:.1f}"/><text class="tick" x="{LEFT - 6}" y="{y + 4:.1f}" '
                     f'text-anchor="end">{value}</text>')
    if points:
        by_week = {p.week: p for p in points}
        weeks = weeks_between(min(by_week), max(by_week))
        xs = x_positions(len(weeks))
        shown = [by_week.get(w) for w in weeks]
        parts.extend(_band(xs, shown))
        parts.extend(_line(xs, weeks, shown))
        step = -(-len(weeks) // MAX_LABELS)  # ceiling: at most MAX_LABELS labels
        for index in range(0, len(weeks), step):
            parts.append(f'<text class="week" x="{xs[index]:.1f}" y="{TOP + PLOT_H + 18}" '
                         f'text-anchor="middle">{escape(week_label(weeks[index]))}</text>')
    parts.append(f'<line class="axis" x1="{LEFT}" y1="{TOP}" x2="{LEFT}" '
                 f'y2="{TOP + PLOT_H}"/><line class="axis" x1="{LEFT}" y1="{TOP + PLOT_H}" '
                 f'x2="{LEFT + PLOT_W}" y2="{TOP + PLOT_H}"/></svg>')
    return Markup("".join(parts))


def _band(xs: list[float], shown: list[WeekPoint | None]) -> list[str]:
    """A polygon per run of weeks with an interval (upper edge left to right, lower edge
    back); a run of one week: a whisker."""
    parts = []
    edges = [(p.ci_low, p.ci_high) if p is not None and p.ci_low is not None
             and p.ci_high is not None else None for p in shown]
    for run in runs(edges):
        upper = [_xy(xs[i], y_of(high)) for i, (_, high) in run]
        lower = [_xy(xs[i], y_of(low)) for i, (low, _) in reversed(run)]
        if len(run) == 1:
            parts.append(f'<polyline class="band" points="{upper[0]} {lower[0]}"/>')
        else:
            parts.append(f'<polygon class="band" points="{" ".join(upper + lower)}"/>')
    return parts


def _line(xs: list[float], weeks: list[date], shown: list[WeekPoint | None]) -> list[str]:
    """A polyline per run of weeks with a mean, and a point per such week."""
    parts = []
    means = [p.mean if p is not None else None for p in shown]
    for run in runs(means):
        if len(run) > 1:
            line = " ".join(_xy(xs[i], y_of(mean)) for i, mean in run)
            parts.append(f'<polyline class="mean" points="{line}"/>')
        for i, mean in run:
            parts.append(f'<circle class="point" cx="{xs[i]:.1f}" cy="{y_of(mean):.1f}" '
                         f'r="3.5"><title>{weeks[i].isoformat()}: {mean}</title>'
                         '</circle>')
    return parts
