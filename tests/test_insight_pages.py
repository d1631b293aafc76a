"""`audit --html` and `report --html` as an owner sees them, in headless Chromium at 390 px (a phone) and 1280 px.

The pages come from the CLI against the sandbox store (a history of orders, failed orders reminded by `run`, two of
them paid). At each width: the summary box is the first block after the title and above every table and chart, no
element is wider than the window, chart text is readable, rates of small groups carry their n, and every value axis
starts at zero. Screenshots go to test-artifacts/screenshots/ (audit-390px.png, ...), for reviewers to read.
Skipped (with the reason shown) only where Chromium is missing and CI is not set.
"""

from __future__ import annotations

import html
import json
import re
import subprocess
import tempfile
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from e2e import NOW, cli, failed_order, write_config
from prerequisites import require
from svgaxis import value_axis_ticks

from wcrecall.render import browser
from wcrecall.sandbox import SandboxStore

SHOTS = Path(__file__).resolve().parent.parent / "test-artifacts" / "screenshots"
WIDTHS = {390: 844, 1280: 900}
MIN_TEXT_PX = 10  # the drawn height of the smallest chart text (about a 9 px font)

# The page is measured inside an iframe of the exact width (headless Chromium keeps windows at least 500 px wide);
# the script writes what it found into the outer DOM, which --dump-dom prints.
_MEASURE = """<!doctype html><html><body style="margin:0">
<iframe id="page" style="border:0;display:block;width:%(width)dpx;height:%(height)dpx" srcdoc="%(page)s"></iframe>
<script>
document.getElementById('page').addEventListener('load', function () {
  var w = this.contentWindow, doc = this.contentDocument, d = doc.documentElement;
  var box = function (e) {
    if (!e) return null;
    var r = e.getBoundingClientRect(); return {top: r.top, bottom: r.bottom, width: r.width};
  };
  var out = {innerWidth: w.innerWidth, scrollWidth: Math.max(d.scrollWidth, doc.body.scrollWidth), wide: [],
    blocks: Array.from(doc.body.children).map(function (e) { return e.tagName + (e.id ? '#' + e.id : ''); }),
    summary: box(doc.getElementById('summary')), tables: [], figures: [], charts: []};
  doc.querySelectorAll('table').forEach(function (t) { out.tables.push(box(t)); });
  doc.querySelectorAll('figure').forEach(function (f) { out.figures.push(box(f)); });
  doc.querySelectorAll('body *').forEach(function (e) {
    var r = e.getBoundingClientRect();
    if (r.width > 0 && r.right > w.innerWidth + 0.5) out.wide.push(e.tagName + ' ' + e.getAttribute('class') + ' ' + r.right);
  });
  doc.querySelectorAll('figure svg').forEach(function (svg) {
    if (svg.getBoundingClientRect().width === 0) return;  // the other size's drawing, hidden at this width
    var texts = Array.from(svg.querySelectorAll('text')).filter(function (t) { return t.textContent.trim(); });
    out.charts.push({caption: svg.closest('figure').querySelector('figcaption').textContent,
      width: svg.getBoundingClientRect().width,
      minText: Math.min.apply(null, texts.map(function (t) { return t.getBoundingClientRect().height; })),
      labels: texts.map(function (t) { return t.textContent; })});
  });
  var pre = document.createElement('pre'); pre.id = 'measured'; pre.textContent = JSON.stringify(out);
  document.body.appendChild(pre);
});
</script></body></html>"""
_RESULT_RE = re.compile(r'<pre id="measured">(.*?)</pre>', re.DOTALL)


def measure(page: str, width: int, height: int) -> dict[str, Any]:
    chromium = browser.find_chromium()
    assert chromium is not None
    marked = _MEASURE % {"width": width, "height": height, "page": html.escape(page, quote=True)}
    with tempfile.TemporaryDirectory(prefix="wcrecall-page-") as tmp:
        source = Path(tmp) / "page.html"
        source.write_text(marked, encoding="utf-8")
        done = subprocess.run(
            [chromium, *browser.FLAGS, f"--user-data-dir={tmp}/profile", f"--window-size={max(width + 40, 800)},"
             f"{height + 400}", "--virtual-time-budget=3000", "--dump-dom", source.as_uri()],
            capture_output=True, text=True, timeout=browser.TIMEOUT, check=False,
        )  # fmt: skip
    found = _RESULT_RE.search(done.stdout)
    assert found, f"the measuring script did not run: {done.stderr[-300:]}"
    return dict(json.loads(html.unescape(found.group(1))))


@pytest.fixture(scope="module")
def pages() -> Iterator[dict[str, str]]:
    """The audit and report pages of a store with a history and a few reminded buyers in three countries."""
    require("report page layout tests", None if browser.find_chromium() else "Chromium is not installed")
    with tempfile.TemporaryDirectory() as tmp, SandboxStore() as store:
        store.set_now(NOW)
        store.generate_orders(300, start=NOW - timedelta(days=89), end=NOW - timedelta(days=4), seed=3)
        buyers = [
            failed_order(store, f"buyer{i}@example.com", total="40.00", billing={"country": country})
            for i, country in enumerate(["US"] * 8 + ["DE"] * 3 + ["FR"] * 2)
        ]
        config = write_config(Path(tmp), store.url)
        assert cli(["run"], config=config, now=NOW).exit_code == 0
        later = NOW + timedelta(hours=3)
        store.set_now(later)
        for order_id in (buyers[0], buyers[9]):
            store.pay(order_id)
        assert cli(["run"], config=config, now=later).exit_code == 0
        out = {}
        for command in ("audit", "report"):
            path = Path(tmp) / f"{command}.html"
            # The report a week on: the reminded orders' window has passed, so their rates are judged.
            when = later if command == "audit" else NOW + timedelta(days=8)
            done = cli([command, "--html", str(path)], config=config, now=when)
            assert done.exit_code == 0, done.stderr
            out[command] = path.read_text(encoding="utf-8")
        yield out


@pytest.mark.parametrize("width", sorted(WIDTHS))
@pytest.mark.parametrize("command", ["audit", "report"])
def test_page_answers_first_and_fits_the_screen(pages: dict[str, str], command: str, width: int) -> None:
    """Summary box first (DOM order and drawn above every table and chart), nothing wider than the window, chart
    text readable, small-n rates labelled with their n; a screenshot for the record."""
    page = pages[command]
    browser.screenshot(page, SHOTS / f"{command}-{width}px.png", width=width, height=WIDTHS[width])
    found = measure(page, width, WIDTHS[width])
    assert found["innerWidth"] == width
    assert found["blocks"][:2] == ["H1", "SECTION#summary"] and found["summary"], found["blocks"][:4]
    assert all(found["summary"]["bottom"] <= t["top"] for t in found["tables"] + found["figures"])
    assert found["scrollWidth"] <= width and found["wide"] == [], found["wide"][:5]
    assert found["charts"], "no chart is drawn"
    for chart in found["charts"]:
        assert chart["width"] <= width and chart["minText"] >= MIN_TEXT_PX, (chart["caption"], chart["minText"])
    rates = [c for c in found["charts"] if "rate" in c["caption"].lower() or "share" in c["caption"].lower()]
    assert rates, [c["caption"] for c in found["charts"]]
    for chart in rates:
        bars = [label for label in chart["labels"] if "(n=" in label]
        assert len(bars) >= 2, (chart["caption"], chart["labels"])


@pytest.mark.parametrize("command", ["audit", "report"])
def test_every_chart_on_the_page_starts_its_value_axis_at_zero(pages: dict[str, str], command: str) -> None:
    """The wide and the narrow drawing of every chart the CLI wrote: the lowest value-axis tick is 0."""
    svgs = re.findall(r"<svg\b.*?</svg>", pages[command], re.DOTALL)
    assert len(svgs) >= 2
    for svg in svgs:
        assert value_axis_ticks(svg)[0] == 0
