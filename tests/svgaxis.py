"""Reading pygal's SVG in tests: the tick labels of a chart's value axis."""

from __future__ import annotations

import re


def value_axis_ticks(svg: str) -> list[float]:
    """The numbers on a pygal chart's value axis (y on vertical charts, x on horizontal bars), lowest first."""
    group = re.search(r'<g class="axis (?:x|y) always_show">(.*?)</g></g>(?!<g class="guides">)', svg, re.DOTALL)
    assert group, "no value axis"
    labels = re.findall(r"<text[^>]*>([^<]*)</text>", group.group(1))
    return sorted(float(re.sub(r"[^0-9.\-]", "", t)) for t in labels if re.search(r"\d", t))
