"""The only module that imports the chart library: data in, self-contained SVG out, drawn so it cannot mislead.

pygal writes SVG with nothing but the standard library's XML tools (pure Python, one small dependency), so it
installs on shared hosting without a compiler and needs no browser to render. Its default output points at a
tooltip script on a CDN, inlines a configuration script and carries comments with the project's web address;
all are removed here so the charts open offline and the page references no external URL. Labels from the store are
escaped by pygal's XML writer.

The rules every chart here follows:
- value axes start at zero (a bar of 11% must not look twice one of 10%);
- a rate carries its group size n and a 95% Wilson interval, and groups below `rates.MIN_N` are drawn grey;
- time runs on a real time axis: every week is present (empty weeks too), hours and dates are numbers on an axis,
  not evenly spaced categories;
- a series of fewer than two points is no chart (the functions return None and the page says it in a sentence);
- each chart is drawn twice, wide for a screen and narrow for a phone (390 px), so its text stays readable on both.
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

import pygal
from pygal.style import Style

from wcrecall.i18n import _, fmt_date, fmt_number
from wcrecall.insight.rates import MIN_N, Rate

GREY = "#b8b8b8"
_COLORS = ("#2f6fde", "#e4572e", "#17a398", "#f3a712", "#6c4ab6", "#8a8a8a", "#c2185b", "#3b7d23", "#a0522d")


def _style(font: int) -> Style:
    # Readable on screen and in print; a system font stack so no web font is ever fetched.
    return Style(
        font_family="system-ui, -apple-system, 'Segoe UI', Roboto, Arial, sans-serif",
        background="white",
        plot_background="white",
        foreground="#333",
        foreground_strong="#111",
        foreground_subtle="#888",
        colors=_COLORS,
        title_font_size=font + 4,
        label_font_size=font,
        major_label_font_size=font,
        value_font_size=font - 1,
        value_label_font_size=font - 1,
        legend_font_size=font,
        tooltip_font_size=font,
    )


# Wide: a 1000 px page column. Narrow: a phone's 358 px column, so pygal's units are almost screen pixels there.
_SIZES = {"wide": {"width": 900, "height": 420, "font": 13}, "narrow": {"width": 380, "height": 440, "font": 12}}

_COMMENT_RE = re.compile(r"<!--.*?-->", re.DOTALL)
# pygal also inlines its configuration (labels included, unescaped inside a script) for the tooltip script; without
# that script it does nothing, and a page with no script at all is simpler to trust.
_SCRIPT_RE = re.compile(r"<script\b.*?</script>", re.DOTALL | re.IGNORECASE)
# Namespace declarations are URIs, not fetched; inline SVG in HTML5 does not need them, and dropping them keeps the
# page free of anything that looks like an external reference.
_XMLNS_RE = re.compile(r'\s+xmlns(?::\w+)?="[^"]*"')


@dataclass(frozen=True)
class Chart:
    """One chart drawn for a screen (`wide`) and for a phone (`narrow`), with a caption saying how to read it."""

    title: str
    wide: str
    narrow: str
    caption: str = ""


def _config(size: str, x_title: str, y_title: str, **extra: object) -> dict[str, object]:
    dims = _SIZES[size]
    narrow = size == "narrow"
    return {
        "title": None,  # the page's caption above the chart carries the title
        "x_title": x_title,
        "y_title": y_title,
        "style": _style(int(dims["font"])),
        "js": [],  # no tooltip script: it would load from a CDN
        "disable_xml_declaration": True,
        "width": dims["width"],
        "height": dims["height"],
        "legend_at_bottom": True,
        "truncate_legend": 18 if narrow else 40,
        "legend_at_bottom_columns": 2 if narrow else None,  # a phone has room for two legend entries side by side
        "truncate_label": 18 if narrow else 24,
        "x_label_rotation": 0,
        "include_x_axis": True,  # the value axis always starts at zero
        "no_data_text": _("no data"),
        **extra,
    }


def _finish(chart: Any, title: str) -> str:
    svg = str(chart.render(is_unicode=True))
    svg = _SCRIPT_RE.sub("", _COMMENT_RE.sub("", svg))
    # Without a drawn title pygal names the SVG after itself, which a browser shows on hover.
    svg = svg.replace("<title>Pygal</title>", f"<title>{html.escape(title)}</title>", 1)
    return _XMLNS_RE.sub("", svg)


def _both(title: str, draw: Callable[[str], Any], caption: str = "") -> Chart:
    return Chart(title=title, wide=_finish(draw("wide"), title), narrow=_finish(draw("narrow"), title), caption=caption)


def _short(label: str, size: str) -> str:
    """A label cut to fit beside a horizontal bar (pygal does not cut those, and a long one leaves no room for the
    bars). The table above each chart has the full text."""
    limit = 14 if size == "narrow" else 32
    return label if len(label) <= limit else label[: limit - 1].rstrip() + "\u2026"


def _percent(value: float | None) -> str:
    return "" if value is None else f"{value:.1f}%"


def rate_bars(title: str, *, axis_title: str, rates: Sequence[Rate]) -> Chart | None:
    """Rates as horizontal bars in %, each labelled with its n and whiskered with its Wilson interval; small groups
    grey. Horizontal, so a label and its n stay readable on a phone."""
    shown = [r for r in rates if r.n]
    if len(shown) < 2:
        return None
    values: list[dict[str, Any]] = []
    for rate in shown:
        low, high = rate.interval or (0.0, 0.0)
        point: dict[str, Any] = {
            "value": round((rate.value or 0) * 100, 1),
            "ci": {"low": round(low * 100, 1), "high": round(high * 100, 1)},
        }
        if rate.small:
            point["color"] = GREY
        values.append(point)
    value_title = _("share (%), with its 95% range")

    def draw(size: str) -> Any:
        chart = pygal.HorizontalBar(
            **_config(size, value_title, axis_title if size == "wide" else "", print_values=True,
                      show_legend=False, range=(0, 100), y_labels=[0, 25, 50, 75, 100])
        )  # fmt: skip
        chart.value_formatter = _percent
        # pygal draws the first horizontal bar at the bottom; reverse so the chart reads in table order.
        chart.x_labels = [
            _("{label} (n={n})").format(label=_short(r.label, size), n=fmt_number(r.n)) for r in reversed(shown)
        ]
        chart.add(value_title, list(reversed(values)))
        return chart

    caption = ""
    if any(r.small for r in shown):
        caption = _("Grey bars: fewer than {n} orders, too few for the rate to mean much.").format(n=MIN_N)
    return _both(title, draw, caption)


def value_bars(
    title: str, *, axis_title: str, value_title: str, labels: Sequence[str], values: Sequence[float], money: str = ""
) -> Chart | None:
    """Amounts or counts as horizontal bars in table order, each with its value printed."""
    if len(labels) < 2:
        return None

    def fmt(value: float | None) -> str:
        return "" if value is None else fmt_number(round(value, 2) if money else int(value))

    def draw(size: str) -> Any:
        chart = pygal.HorizontalBar(
            **_config(size, value_title, axis_title if size == "wide" else "", print_values=True,
                      show_legend=False)
        )  # fmt: skip
        chart.value_formatter = fmt
        chart.x_labels = [_short(label, size) for label in reversed(labels)]
        chart.add(value_title, list(reversed(values)))
        return chart

    return _both(title, draw)


def weekly_bars(
    title: str, *, y_title: str, weeks: Sequence[date], series: Mapping[str, Sequence[int]]
) -> Chart | None:
    """Counts per week stacked by series; `weeks` must be every week of the period (empty ones too)."""
    if len(weeks) < 2:
        return None
    x_title = _("week starting")

    def draw(size: str) -> Any:
        every = -(-len(weeks) // (3 if size == "narrow" else 8))  # at most 3 dates on a phone, 8 on a screen
        chart = pygal.StackedBar(
            **_config(size, x_title, y_title, x_labels_major_every=every, show_minor_x_labels=False)
        )
        chart.value_formatter = lambda v: "" if v is None else fmt_number(int(v))
        chart.x_labels = [fmt_date(week) for week in weeks]
        for name, counts in series.items():
            if any(counts):
                chart.add(name, list(counts))
        return chart

    return _both(title, draw)


def curve(
    title: str, *, x_title: str, y_title: str, points: Sequence[tuple[float, float]], percent: bool = True
) -> Chart | None:
    """A line over a numeric x axis (hours), both axes from zero."""
    if len(points) < 2:
        return None
    end = max(x for x, _y in points)

    def draw(size: str) -> Any:
        chart = pygal.XY(**_config(size, x_title, y_title, show_legend=False, xrange=(0, end), dots_size=3))
        chart.value_formatter = _percent if percent else (lambda v: "" if v is None else fmt_number(v))
        chart.add(y_title, [(0, 0), *points] if points[0][0] > 0 else list(points))
        return chart

    return _both(title, draw)


def over_time(title: str, *, y_title: str, points: Sequence[tuple[datetime, float]]) -> Chart | None:
    """A line over real dates (a running total), the value axis from zero."""
    if len(points) < 2:
        return None

    def draw(size: str) -> Any:
        chart = pygal.DateTimeLine(
            **_config(size, _("date of payment"), y_title, show_legend=False, x_label_rotation=30)
        )
        chart.x_value_formatter = lambda moment: fmt_date(moment)
        chart.value_formatter = lambda v: "" if v is None else fmt_number(round(v, 2))
        chart.add(y_title, list(points))
        return chart

    return _both(title, draw)
