"""One self-contained HTML page: inline CSS and inline SVG charts, no script, font or stylesheet from elsewhere.

The page must open offline from a file. Every text that can come from the store (payment method ids, countries,
currencies, failure reasons) is escaped here; the SVG comes from `wcrecall.insight.charts`, whose XML writer escapes its own
labels.
"""

from __future__ import annotations

import html
from collections.abc import Sequence
from dataclasses import dataclass, field

_CSS = """
body{font-family:system-ui,-apple-system,'Segoe UI',Roboto,Arial,sans-serif;color:#222;margin:2rem auto;
max-width:1000px;
padding:0 1rem;line-height:1.45}
h1{font-size:1.6rem;margin-bottom:.2rem}h2{font-size:1.2rem;margin-top:2.2rem;border-bottom:1px solid #ddd}
.meta{color:#666;font-size:.9rem}
table{border-collapse:collapse;margin:.6rem 0 1rem;font-size:.92rem}
th,td{padding:.25rem .7rem;text-align:left;border-bottom:1px solid #eee}td.n,th.n{text-align:right}
.note{background:#f6f8fb;border-left:3px solid #2f6fde;padding:.5rem .8rem;margin:.8rem 0;font-size:.92rem}
figure{margin:1rem 0}figure svg{max-width:100%;height:auto}
"""


@dataclass
class Table:
    headers: Sequence[str]
    rows: Sequence[Sequence[object]]
    numeric: Sequence[int] = ()  # column indexes aligned right


@dataclass
class Section:
    title: str
    notes: list[str] = field(default_factory=list)
    tables: list[Table] = field(default_factory=list)
    charts: list[str] = field(default_factory=list)  # SVG markup from wcrecall.insight.charts


def _table(table: Table) -> str:
    head = "".join(
        f"<th{' class=n' if i in table.numeric else ''}>{html.escape(str(h))}</th>" for i, h in enumerate(table.headers)
    )
    body = "".join(
        "<tr>"
        + "".join(
            f"<td{' class=n' if i in table.numeric else ''}>{html.escape(str(c))}</td>" for i, c in enumerate(row)
        )
        + "</tr>"
        for row in table.rows
    )
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def render_page(title: str, subtitle: str, sections: Sequence[Section]) -> str:
    """The whole page as one string."""
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{html.escape(title)}</title><style>{_CSS}</style></head><body>",
        f"<h1>{html.escape(title)}</h1><p class=meta>{html.escape(subtitle)}</p>",
    ]
    for section in sections:
        parts.append(f"<section><h2>{html.escape(section.title)}</h2>")
        parts.extend(f"<p class=note>{html.escape(note)}</p>" for note in section.notes)
        parts.extend(_table(t) for t in section.tables)
        parts.extend(f"<figure>{svg}</figure>" for svg in section.charts)
        parts.append("</section>")
    parts.append("</body></html>\n")
    return "\n".join(parts)


def render_text(title: str, subtitle: str, sections: Sequence[Section]) -> str:
    """The same sections as plain aligned text for the terminal (charts are left out)."""
    out = [title, subtitle, ""]
    for section in sections:
        out.append(f"== {section.title}")
        out.extend(f"  {note}" for note in section.notes)
        for table in section.tables:
            cells = [[str(h) for h in table.headers]] + [[str(c) for c in row] for row in table.rows]
            widths = [max(len(r[i]) for r in cells) for i in range(len(table.headers))]
            for row in cells:
                line = "  ".join(
                    cell.rjust(widths[i]) if i in table.numeric else cell.ljust(widths[i]) for i, cell in enumerate(row)
                )
                out.append("  " + line.rstrip())
            out.append("")
        if not section.tables:
            out.append("")
    return "\n".join(out).rstrip() + "\n"
