"""The only module that runs Chromium: screenshots of emails and layout measurements, as buyers' phones show them.

No extra package: Chromium runs headless once per page. Screenshots use `--screenshot`; measurements use
`--dump-dom` on a copy of the email with a small script that, after load, writes what it measured (page width,
every link's box and target, every image's alt) into the DOM as JSON.
"""

from __future__ import annotations

import html
import json
import os
import re
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from wcrecall.model.errors import WcrecallError

CANDIDATES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")
FLAGS = (
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
    "--disable-sync", "--no-first-run", "--hide-scrollbars", "--mute-audio",
)  # fmt: skip
TIMEOUT = 60.0

# Headless Chromium keeps windows at least 500 px wide for --dump-dom, so the email is measured inside an iframe
# of the exact size; a srcdoc iframe has the page's origin, so the script can look inside it.
_MEASURE = """<!doctype html><html><body style="margin:0">
<iframe id="email" style="border:0;display:block;width:%(width)dpx;height:%(height)dpx" srcdoc="%(page)s"></iframe>
<script>
document.getElementById('email').addEventListener('load', function () {
  var w = this.contentWindow, doc = this.contentDocument, d = doc.documentElement;
  var out = {innerWidth: w.innerWidth, innerHeight: w.innerHeight,
    scrollWidth: Math.max(d.scrollWidth, doc.body ? doc.body.scrollWidth : 0), links: [], images: []};
  doc.querySelectorAll('a[href]').forEach(function (a) {
    var r = a.getBoundingClientRect();
    out.links.push({href: a.getAttribute('href'), text: a.textContent.trim().slice(0, 80),
                    top: r.top, bottom: r.bottom, left: r.left, right: r.right, width: r.width, height: r.height});
  });
  doc.querySelectorAll('img').forEach(function (i) {
    out.images.push({src: i.getAttribute('src'), alt: i.getAttribute('alt')});
  });
  var pre = document.createElement('pre'); pre.id = 'wcrecall-measure'; pre.textContent = JSON.stringify(out);
  document.body.appendChild(pre);
});
</script></body></html>"""
_RESULT_RE = re.compile(r'<pre id="wcrecall-measure">(.*?)</pre>', re.DOTALL)


class BrowserError(WcrecallError):
    """Chromium is missing or failed to render a page."""


def find_chromium() -> str | None:
    """The Chromium executable: `WCRECALL_CHROMIUM`, else the first of chromium, chromium-browser, google-chrome."""
    override = os.environ.get("WCRECALL_CHROMIUM")
    if override:
        return shutil.which(override)
    for name in CANDIDATES:
        found = shutil.which(name)
        if found:
            return found
    return None


def _chromium(args: list[str], *, width: int, height: int) -> str:
    binary = find_chromium()
    if binary is None:
        raise BrowserError(
            "Chromium is not installed: install it (Debian: apt-get install chromium) to take screenshots"
        )
    with tempfile.TemporaryDirectory(prefix="wcrecall-chromium-") as profile:
        cmd = [binary, *FLAGS, f"--user-data-dir={profile}", f"--window-size={width},{height}", *args]
        try:
            done = subprocess.run(cmd, capture_output=True, text=True, timeout=TIMEOUT, check=False)
        except subprocess.TimeoutExpired:
            raise BrowserError(f"Chromium did not finish within {TIMEOUT:g} s") from None
    if done.returncode != 0:
        raise BrowserError(f"Chromium failed (exit {done.returncode}): {done.stderr.strip()[-300:]}")
    return done.stdout


def screenshot(page: str, png: Path, *, width: int = 375, height: int = 667) -> Path:
    """Save what a `width` x `height` screen shows of the HTML `page` (no network: images show their alt text)."""
    png = png.absolute()
    png.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="wcrecall-page-") as tmp:
        source = Path(tmp) / "email.html"
        source.write_text(page, encoding="utf-8")
        _chromium([f"--screenshot={png}", source.as_uri()], width=width, height=height)
    if not png.exists():
        raise BrowserError(f"Chromium wrote no screenshot to {png}")
    return png


@dataclass(frozen=True)
class Layout:
    """What the page looked like at one window size."""

    inner_width: int
    inner_height: int
    scroll_width: int
    links: list[dict[str, Any]]
    images: list[dict[str, Any]]

    @property
    def scrolls_sideways(self) -> bool:
        return self.scroll_width > self.inner_width

    def pay_buttons(self, pay_url: str) -> list[dict[str, Any]]:
        """Links to `pay_url` that are drawn as buttons (at least 30 px tall), largest first."""
        found = [link for link in self.links if link["href"] == pay_url and link["height"] >= 30]
        return sorted(found, key=lambda link: -link["width"] * link["height"])

    def visible_without_scrolling(self, box: dict[str, Any]) -> bool:
        return bool(
            box["top"] >= 0
            and box["left"] >= 0
            and box["bottom"] <= self.inner_height
            and box["right"] <= self.inner_width
        )

    @property
    def images_without_alt(self) -> list[str]:
        return [str(i["src"]) for i in self.images if not (i["alt"] or "").strip()]


def measure(page: str, *, width: int, height: int) -> Layout:
    """Load the HTML `page` in a `width` x `height` window and measure it."""
    marked = _MEASURE % {"width": width, "height": height, "page": html.escape(page, quote=True)}
    with tempfile.TemporaryDirectory(prefix="wcrecall-page-") as tmp:
        source = Path(tmp) / "email.html"
        source.write_text(marked, encoding="utf-8")
        window = (max(width + 40, 800), height + 400)
        dom = _chromium(
            ["--virtual-time-budget=3000", "--dump-dom", source.as_uri()], width=window[0], height=window[1]
        )
    match = _RESULT_RE.search(dom)
    if not match:
        raise BrowserError("the measuring script did not run (no result in Chromium's DOM)")
    data = json.loads(html.unescape(match.group(1)))
    return Layout(
        inner_width=int(data["innerWidth"]),
        inner_height=int(data["innerHeight"]),
        scroll_width=int(data["scrollWidth"]),
        links=data["links"],
        images=data["images"],
    )
