"""One self-contained HTML page: inline CSS and inline SVG charts, no script, font or stylesheet from elsewhere.

The answer comes first (a summary box), then the detail; the same page reads at 390 px (a phone: wide tables become
cards, charts use their narrow drawing) and on a screen. The page must open offline from a file. Every text that can
come from the store (payment method titles, countries, currencies, failure reasons) is escaped here; the SVG comes
from `wcrecall.insight.charts`, whose XML writer escapes its own labels.
"""

from __future__ import annotations

import html
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, field

from wcrecall.i18n import language
from wcrecall.insight.charts import Chart

_CSS = """
body{font-family:system-ui,-apple-system,'Segoe UI',Roboto,Arial,sans-serif;color:#222;margin:2rem auto;
max-width:1000px;padding:0 1rem;line-height:1.45}
h1{font-size:1.6rem;margin-bottom:.2rem;overflow-wrap:anywhere}h2{font-size:1.2rem;margin-top:2.2rem;
border-bottom:1px solid #ddd}
.meta{color:#666;font-size:.9rem}
.summary{border:2px solid #2f6fde;border-radius:6px;padding:.6rem 1rem;margin:1.2rem 0 1.6rem;background:#f6f8fb}
.summary h2{margin:.2rem 0 .6rem;border:0}.summary dl{margin:0}.summary dt{font-weight:600;margin-top:.5rem}
.summary dd{margin:0 0 .2rem;font-size:1.05rem}.summary .basis{color:#555;font-size:.88rem;margin:.7rem 0 .2rem}
table{border-collapse:collapse;margin:.6rem 0 1rem;font-size:.92rem;max-width:100%}
th,td{padding:.25rem .7rem;text-align:left;border-bottom:1px solid #eee;overflow-wrap:anywhere}
td.n,th.n{text-align:right}td.small{color:#888}
.note{background:#f6f8fb;border-left:3px solid #2f6fde;padding:.5rem .8rem;margin:.8rem 0;font-size:.92rem;
overflow-wrap:anywhere}
figure{margin:1rem 0}figure svg{width:100%;height:auto;display:block}figcaption{font-weight:600;margin:.4rem 0}
figure .cap{color:#555;font-size:.88rem;margin:.3rem 0}figure .narrow{display:none;max-width:420px}
@media (max-width:640px){
body{margin:1rem auto}figure .wide{display:none}figure .narrow{display:block}
table.stack,table.stack tbody,table.stack tr,table.stack td{display:block;width:auto}
table.stack thead{display:none}table.stack tr{border-bottom:1px solid #ddd;padding:.3rem 0}
table.stack td{border:0;padding:.1rem .3rem;display:flex;justify-content:space-between;gap:1rem;text-align:right}
table.stack td::before{content:attr(data-label);color:#666;text-align:left}
table.stack td:first-child{font-weight:600;display:block;text-align:left}table.stack td:first-child::before{content:none}
}
"""


STACK_ABOVE = 46  # characters in a table row (cells plus padding) that still fit a 390 px phone


@dataclass
class Table:
    headers: Sequence[str]
    rows: Sequence[Sequence[object]]
    numeric: Sequence[int] = ()  # column indexes aligned right
    small: Sequence[int] = ()  # row indexes drawn grey (rates from groups below rates.MIN_N)


@dataclass
class Section:
    title: str
    notes: list[str] = field(default_factory=list)
    tables: list[Table] = field(default_factory=list)
    charts: list[Chart] = field(default_factory=list)


@dataclass
class Summary:
    """The answer, first: a few headline lines (label, sentence) and what they are based on."""

    title: str
    lines: list[tuple[str, str]] = field(default_factory=list)
    basis: list[str] = field(default_factory=list)


def _table(table: Table) -> str:
    headers = [str(h) for h in table.headers]
    head = "".join(
        f"<th{' class=n' if i in table.numeric else ''}>{html.escape(h)}</th>" for i, h in enumerate(headers)
    )
    rows = []
    for r, row in enumerate(table.rows):
        cells = []
        for i, cell in enumerate(row):
            classes = " ".join(c for c in ("n" if i in table.numeric else "", "small" if r in table.small else "") if c)
            attrs = (f' class="{classes}"' if classes else "") + f' data-label="{html.escape(headers[i], quote=True)}"'
            cells.append(f"<td{attrs}>{html.escape(str(cell))}</td>")
        rows.append("<tr>" + "".join(cells) + "</tr>")
    # A table too wide for a phone (about 46 characters a row at 390 px) becomes a stack of small cards there, one
    # "label: value" line per cell; narrower tables stay tables.
    width = sum(max((len(str(c)) for c in [h, *(row[i] for row in table.rows)]), default=0) + 3
                for i, h in enumerate(headers))  # fmt: skip
    stack = " class=stack" if len(headers) >= 3 and width > STACK_ABOVE else ""
    return f"<table{stack}><thead><tr>{head}</tr></thead><tbody>{''.join(rows)}</tbody></table>"


def _figure(chart: Chart) -> str:
    caption = f"<p class=cap>{html.escape(chart.caption)}</p>" if chart.caption else ""
    return (
        f"<figure><figcaption>{html.escape(chart.title)}</figcaption>"
        f"<div class=wide>{chart.wide}</div><div class=narrow>{chart.narrow}</div>{caption}</figure>"
    )


def _summary(summary: Summary) -> str:
    lines = "".join(f"<dt>{html.escape(label)}</dt><dd>{html.escape(text)}</dd>" for label, text in summary.lines)
    basis = "".join(f"<p class=basis>{html.escape(b)}</p>" for b in summary.basis)
    return f"<section class=summary id=summary><h2>{html.escape(summary.title)}</h2><dl>{lines}</dl>{basis}</section>"


def render_page(title: str, subtitle: str, sections: Sequence[Section], summary: Summary | None = None) -> str:
    """The whole page as one string: the title, the summary box, then the sections."""
    lang = language().replace("_", "-")
    parts = [
        "<!DOCTYPE html>",
        f'<html lang="{lang}"><head><meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{html.escape(title)}</title><style>{_CSS}</style></head><body>",
        f"<h1>{html.escape(title)}</h1>",
    ]
    if summary is not None:
        parts.append(_summary(summary))
    parts.append(f"<p class=meta>{html.escape(subtitle)}</p>")
    for section in sections:
        parts.append(f"<section><h2>{html.escape(section.title)}</h2>")
        parts.extend(f"<p class=note>{html.escape(note)}</p>" for note in section.notes)
        parts.extend(_table(t) for t in section.tables)
        parts.extend(_figure(c) for c in section.charts)
        parts.append("</section>")
    parts.append("</body></html>\n")
    return "\n".join(parts)


def render_text(title: str, subtitle: str, sections: Sequence[Section], summary: Summary | None = None) -> str:
    """The same page as plain aligned text for the terminal: the summary box first, charts left out."""
    out = [title, ""]
    if summary is not None:
        rule = "=" * 78
        out.extend([rule, summary.title, ""])
        for label, text in summary.lines:
            out.extend([f"  {label}", f"    {text}"])
        out.append("")
        out.extend(f"  {b}" for b in summary.basis)
        out.extend([rule, ""])
    out.extend([subtitle, ""])
    for section in sections:
        out.append(f"== {section.title}")
        out.extend(f"  {note}" for note in section.notes)
        for table in section.tables:
            cells = [[str(h) for h in table.headers]] + [[str(c) for c in row] for row in table.rows]
            widths = [max(_width(r[i]) for r in cells) for i in range(len(table.headers))]
            for row in cells:
                line = "  ".join(_pad(cell, widths[i], right=i in table.numeric) for i, cell in enumerate(row))
                out.append("  " + line.rstrip())
            out.append("")
        if not section.tables:
            out.append("")
    return "\n".join(out).rstrip() + "\n"


def _width(text: str) -> int:
    # East Asian wide characters take two terminal columns: count them so Chinese tables line up.
    return sum(2 if unicodedata.east_asian_width(ch) in ("W", "F") else 1 for ch in text)


def _pad(text: str, width: int, *, right: bool) -> str:
    gap = " " * max(0, width - _width(text))
    return gap + text if right else text + gap
