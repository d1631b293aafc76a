"""The only module that imports the chart library: data in, one self-contained SVG string out.

pygal writes SVG with nothing but the standard library's XML tools (pure Python, one small dependency), so it
installs on shared hosting without a compiler and needs no browser to render. Its default output points at a
tooltip script on a CDN, inlines a configuration script and carries comments with the project's web address;
all are removed here so the charts open offline and the page references no external URL. Labels from the store are escaped by pygal's XML writer.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence

import pygal
from pygal.style import Style

# Readable on screen and in print; a system font stack so no web font is ever fetched.
_STYLE = Style(
    font_family="system-ui, -apple-system, 'Segoe UI', Roboto, Arial, sans-serif",
    background="white",
    plot_background="white",
    foreground="#333",
    foreground_strong="#111",
    foreground_subtle="#888",
    colors=(
        "#2f6fde",
        "#e4572e",
        "#17a398",
        "#f3a712",
        "#6c4ab6",
        "#8a8a8a",
        "#c2185b",
        "#3b7d23",
        "#a0522d",
        "#00838f",
    ),
    title_font_size=18,
    label_font_size=12,
    major_label_font_size=12,
    value_font_size=11,
    value_label_font_size=11,
    legend_font_size=12,
)

_COMMENT_RE = re.compile(r"<!--.*?-->", re.DOTALL)
# pygal also inlines its configuration (labels included, unescaped inside a script) for the tooltip script; without
# that script it does nothing, and a page with no script at all is simpler to trust.
_SCRIPT_RE = re.compile(r"<script\b.*?</script>", re.DOTALL | re.IGNORECASE)
# Namespace declarations are URIs, not fetched; inline SVG in HTML5 does not need them, and dropping them keeps the
# page free of anything that looks like an external reference.
_XMLNS_RE = re.compile(r'\s+xmlns(?::\w+)?="[^"]*"')


def _config(title: str, x_title: str, y_title: str, **extra: object) -> dict[str, object]:
    return {
        "title": title,
        "x_title": x_title,
        "y_title": y_title,
        "style": _STYLE,
        "js": [],  # no tooltip script: it would load from a CDN
        "disable_xml_declaration": True,
        "width": 900,
        "height": 420,
        "legend_at_bottom": True,
        "truncate_legend": 40,
        "truncate_label": 24,
        "x_label_rotation": 0,
        "no_data_text": "no data",
        **extra,
    }


def _finish(chart: pygal.graph.graph.Graph) -> str:
    svg = str(chart.render(is_unicode=True))
    svg = _SCRIPT_RE.sub("", _COMMENT_RE.sub("", svg))
    return _XMLNS_RE.sub("", svg)


def bar(
    title: str,
    *,
    x_title: str,
    y_title: str,
    labels: Sequence[str],
    values: Sequence[float],
    series: str = "",
    horizontal: bool = False,
    value_format: str = "{:g}",
) -> str:
    """One series of bars, each labelled with its value (the same number the table shows)."""
    cls = pygal.HorizontalBar if horizontal else pygal.Bar
    chart = cls(
        **_config(
            title,
            x_title,
            y_title,
            print_values=True,
            show_legend=bool(series),
            x_label_rotation=0 if horizontal or len(labels) <= 8 else 30,
        )
    )
    chart.value_formatter = lambda v: value_format.format(v) if v is not None else ""
    if horizontal:
        # pygal draws the first horizontal bar at the bottom; reverse so the chart reads in table order.
        labels, values = list(reversed(labels)), list(reversed(values))
    chart.x_labels = list(labels)
    chart.add(series or y_title, list(values))
    return _finish(chart)


def stacked_bar(
    title: str, *, x_title: str, y_title: str, labels: Sequence[str], series: Mapping[str, Sequence[float]]
) -> str:
    """Several series stacked per label (e.g. failures per week by class)."""
    chart = pygal.StackedBar(**_config(title, x_title, y_title, x_label_rotation=30 if len(labels) > 8 else 0))
    chart.x_labels = list(labels)
    for name, values in series.items():
        chart.add(name, list(values))
    return _finish(chart)


def line(
    title: str,
    *,
    x_title: str,
    y_title: str,
    labels: Sequence[str],
    series: Mapping[str, Sequence[float | None]],
    value_format: str = "{:g}",
) -> str:
    """One or more lines over the same labels (a recovery curve, cumulative revenue)."""
    chart = pygal.Line(
        **_config(
            title,
            x_title,
            y_title,
            show_dots=True,
            fill=False,
            x_label_rotation=30 if len(labels) > 10 else 0,
            show_minor_x_labels=len(labels) <= 16,
            x_labels_major_count=12,
        )
    )
    chart.value_formatter = lambda v: value_format.format(v) if v is not None else ""
    chart.x_labels = list(labels)
    for name, values in series.items():
        chart.add(name, list(values))
    return _finish(chart)
