"""Emails as buyers see them: every step, a long order and a long name, in headless Chromium.

At 375 px (a small phone) and 640 px: no sideways scrolling; on the phone the pay button is on the first screen;
the button links to the pay link; every image has alt text. Every step in English, German, Traditional Chinese,
Brazilian Portuguese and Mexican Spanish at both widths; the first step in Simplified Chinese, Japanese and Arabic on
the phone. Screenshots go to test-artifacts/screenshots/ (step-N-<language>-<width>px.png), for reviewers to read.
Runs in `make test`; skipped (with the reason shown) only where Chromium is missing and CI is not set.
"""

from __future__ import annotations

import shutil
import subprocess
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

import pytest
from prerequisites import require

from wcrecall.config.settings import BrandSettings
from wcrecall.model.order import LineItem, Order
from wcrecall.plan.paylink import pay_link
from wcrecall.render import browser
from wcrecall.render.renderer import RenderedEmail, Renderer

SHOTS = Path(__file__).resolve().parent.parent / "test-artifacts" / "screenshots"
WIDTHS = {375: 667, 640: 900}
STEPS = (1, 2, 3)


@dataclass(frozen=True)
class Buyer:
    label: str  # in the screenshot's name
    lang: str  # what the language choice hands the renderer
    tag: str  # the buyer's full locale the email must be tagged with (lang="...")
    country: str
    currency: str
    first_name: str
    last_name: str
    widths: tuple[int, ...] = (375, 640)
    steps: tuple[int, ...] = STEPS


BUYERS = (
    Buyer("en", "en", "en-DE", "DE", "EUR", "Maximiliane-Konstanze Friederike", "von Hohenberg-Schwarzenfels"),
    Buyer("de", "de", "de-DE", "DE", "EUR", "Maximiliane-Konstanze Friederike", "von Hohenberg-Schwarzenfels"),
    Buyer("zh_Hant", "zh_Hant", "zh-Hant-TW", "TW", "TWD", "怡君", "陳"),
    Buyer("pt_BR", "pt_BR", "pt-BR", "BR", "BRL", "Maria Eduarda", "dos Santos Oliveira"),
    Buyer("es_MX", "es", "es-MX", "MX", "MXN", "María Guadalupe", "Hernández Villaseñor"),
    Buyer("zh_Hans", "zh_Hans", "zh-Hans-CN", "CN", "CNY", "伟", "王", widths=(375,), steps=(1,)),
    Buyer("ja", "ja", "ja-JP", "JP", "JPY", "陽翔", "佐藤", widths=(375,), steps=(1,)),
    Buyer("ar", "ar", "ar-SA", "SA", "SAR", "فاطمة", "العتيبي", widths=(375,), steps=(1,)),
)


# Without a font for a script Chromium draws empty boxes: the layout is not the buyer's and the screenshots are not
# readable. fontconfig's language tags; Debian: apt-get install fonts-wqy-microhei fonts-ipafont-gothic.
FONT_LANGUAGES = ("zh-cn", "zh-tw", "ja", "ar")


def missing_fonts() -> list[str]:
    if shutil.which("fc-list") is None:
        return list(FONT_LANGUAGES)
    found = (subprocess.run(["fc-list", f":lang={lang}", "family"], capture_output=True, text=True, check=False)
             for lang in FONT_LANGUAGES)  # fmt: skip
    return [lang for lang, result in zip(FONT_LANGUAGES, found, strict=True) if not result.stdout.strip()]


@pytest.fixture(scope="module", autouse=True)
def chromium() -> None:
    missing = None if browser.find_chromium() else "Chromium is not installed (Debian: apt-get install chromium)"
    require("email layout tests", missing)
    fonts = missing_fonts()
    require("email layout tests", f"no font for {', '.join(fonts)} (Debian: apt-get install fonts-wqy-microhei "
            "fonts-ipafont-gothic)" if fonts else None)  # fmt: skip


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


def emails() -> list[tuple[Buyer, int, str, RenderedEmail]]:
    brand = BrandSettings(store_name="Example Shop", support_email="help@example.com",
                          logo_url="https://shop.example.com/logo.png")  # fmt: skip
    renderer = Renderer(brand=brand)
    out = []
    for buyer in BUYERS:
        order = replace(long_order(), country=buyer.country, currency=buyer.currency, first_name=buyer.first_name,
                        last_name=buyer.last_name)  # fmt: skip
        for step in buyer.steps:
            url = pay_link(order.payment_url, step, hosts={"shop.example.com"})
            email = renderer.render(order=replace(order, payment_url=url), step=step, total_steps=len(STEPS),
                                    kind="failed", pay_url=url, lang=buyer.lang, reason="card_declined")  # fmt: skip
            assert f'<html lang="{buyer.tag}"' in email.html, f"{buyer.label}: not tagged {buyer.tag}"
            out.append((buyer, step, url, email))
    return out


def test_every_step_fits_phones_and_shows_the_pay_button_first() -> None:
    """No sideways scroll at 375/640 px, pay button on the phone's first screen, right link, images with alt."""
    jobs = [(buyer.label, step, url, email, width) for buyer, step, url, email in emails() for width in buyer.widths]

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
    for label in ("pt_BR", "es_MX", "zh_Hans", "zh_Hant", "ja", "ar"):
        assert (SHOTS / f"step-1-{label}-375px.png").is_file(), label


def test_each_buyer_reads_their_own_language_and_formats() -> None:
    """The emails the layout test looks at are the buyers' own: Traditional Chinese and Brazilian Portuguese wording,
    Mexican money, names in their order."""
    by_label = {buyer.label: email for buyer, step, _url, email in emails() if step == 1}
    english = by_label["en"]
    for label, email in by_label.items():
        assert label == "en" or email.subject != english.subject, label
    assert "前往付款" in by_label["zh_Hant"].text and "陳怡君，您好" in by_label["zh_Hant"].text
    assert "Seu pedido nº 4321" in by_label["pt_BR"].text and "O seu" not in by_label["pt_BR"].text
    assert "$1,234.56" in by_label["es_MX"].text  # not "1234,56 MXN"
    assert by_label["ja"].text.startswith("佐藤 陽翔 様")


def test_measuring_catches_a_page_that_scrolls_sideways() -> None:
    """The checker itself: a 900 px wide table at 375 px is reported, and a missing alt is found."""
    page = '<html><body><table width="900"><tr><td>x</td></tr></table><img src="a.png"></body></html>'
    layout = browser.measure(page, width=375, height=667)
    assert layout.scrolls_sideways
    assert layout.images_without_alt == ["a.png"]
