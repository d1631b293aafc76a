"""Emails as buyers see them: every step, two languages, a long order and a long name, in headless Chromium.

At 375 px (a small phone) and 640 px: no sideways scrolling; on the phone the pay button is on the first screen;
the button links to the pay link; every image has alt text. Screenshots go to test-artifacts/screenshots/.
Runs in `make test`; skipped (with the reason shown) only where Chromium is missing and CI is not set.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

import pytest
from prerequisites import require

from wcrecall.config.settings import BrandSettings
from wcrecall.model.order import LineItem, Order
from wcrecall.recall.tick import pay_link
from wcrecall.render import browser
from wcrecall.render.renderer import RenderedEmail, Renderer

SHOTS = Path(__file__).resolve().parent.parent / "test-artifacts" / "screenshots"
WIDTHS = {375: 667, 640: 900}
LANGUAGES = ("en", "de")
STEPS = (1, 2, 3)


@pytest.fixture(scope="module", autouse=True)
def chromium() -> None:
    missing = None if browser.find_chromium() else "Chromium is not installed (Debian: apt-get install chromium)"
    require("email layout tests", missing)


def long_order() -> Order:
    moment = datetime(2026, 11, 26, 10, 0, tzinfo=UTC)
    names = ["Hand-thrown stoneware breakfast bowl, glazed in midnight blue, set of four", "Tea towel",
             "Oberbekleidungsherstellungsgesellschaftsmitgliedsausweishülle", "Café crème ☕ beans 1 kg"]  # fmt: skip
    return Order(
        id=4321, number="4321", status="failed", currency="EUR", total=Decimal("1234.56"), customer_id=0,
        email="maximiliane.von.hohenberg-schwarzenfels@example.com",
        first_name="Maximiliane-Konstanze Friederike", last_name="von Hohenberg-Schwarzenfels", country="DE",
        state="", payment_method="stripe", payment_method_title="Credit card", created_via="checkout",
        cart_hash="", customer_ip="", date_created=moment, date_modified=moment, date_paid=None, needs_payment=True,
        payment_url="https://shop.example.com/checkout/order-pay/4321/?pay_for_order=true&key=wc_order_Ab12Cd34",
        line_items=tuple(LineItem(names[i % len(names)], i % 3 + 1, Decimal("19.90")) for i in range(25)),
    )  # fmt: skip


def emails() -> list[tuple[str, int, str, RenderedEmail]]:
    brand = BrandSettings(store_name="Example Shop", support_email="help@example.com",
                          logo_url="https://shop.example.com/logo.png")  # fmt: skip
    renderer = Renderer(brand=brand)
    order = long_order()
    out = []
    for lang in LANGUAGES:
        for step in STEPS:
            url = pay_link(order.payment_url, step, hosts={"shop.example.com"})
            email = renderer.render(order=replace(order, payment_url=url), step=step, total_steps=len(STEPS),
                                    kind="failed", pay_url=url, lang=lang, reason="card_declined")  # fmt: skip
            out.append((lang, step, url, email))
    return out


def test_every_step_fits_phones_and_shows_the_pay_button_first() -> None:
    """No sideways scroll at 375/640 px, pay button on the phone's first screen, right link, images with alt."""
    jobs = [(lang, step, url, email, width) for lang, step, url, email in emails() for width in WIDTHS]

    def check(job: tuple[str, int, str, RenderedEmail, int]) -> list[str]:
        lang, step, url, email, width = job
        where = f"step {step} ({lang}) at {width} px"
        browser.screenshot(email.html, SHOTS / f"step-{step}-{lang}-{width}px.png", width=width, height=WIDTHS[width])
        layout = browser.measure(email.html, width=width, height=WIDTHS[width])
        problems = []
        if layout.inner_width != width:
            problems.append(f"{where}: the window was {layout.inner_width} px wide")
        if layout.scrolls_sideways:
            problems.append(f"{where}: scrolls sideways ({layout.scroll_width} px content)")
        buttons = layout.pay_buttons(url)
        if not buttons:
            problems.append(f"{where}: no button links to the pay link")
        elif width == 375 and not layout.visible_without_scrolling(buttons[0]):
            problems.append(f"{where}: the pay button is below the first screen (bottom {buttons[0]['bottom']:.0f} px)")
        if layout.images_without_alt:
            problems.append(f"{where}: images without alt text: {layout.images_without_alt}")
        return problems

    with ThreadPoolExecutor(max_workers=4) as pool:
        problems = [p for found in pool.map(check, jobs) for p in found]
    assert problems == []
    assert len(list(SHOTS.glob("step-*px.png"))) >= len(jobs)


def test_measuring_catches_a_page_that_scrolls_sideways() -> None:
    """The checker itself: a 900 px wide table at 375 px is reported, and a missing alt is found."""
    page = '<html><body><table width="900"><tr><td>x</td></tr></table><img src="a.png"></body></html>'
    layout = browser.measure(page, width=375, height=667)
    assert layout.scrolls_sideways
    assert layout.images_without_alt == ["a.png"]
