"""Rendering the reminder emails: wording, money, languages, escaping of hostile order data, owner templates."""

from __future__ import annotations

import dataclasses
import html
import os
import re
import shutil
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from html.parser import HTMLParser
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_dir
from babel.messages.mofile import write_mo

from wcrecall.config.settings import BrandSettings
from wcrecall.model.errors import TemplateError
from wcrecall.model.order import LineItem, Order
from wcrecall.render.renderer import (
    MAX_ITEMS,
    RenderedEmail,
    Renderer,
    format_hold_until,
    format_money,
    html_to_text,
)

GOLDEN = Path(__file__).parent / "golden"
REGEN = os.environ.get("WCRECALL_REGEN_GOLDEN") == "1"
PAY_URL = "https://shop.example.com/checkout/order-pay/4711/?pay_for_order=true&key=wc_order_Xy12&utm=a%20b"
HOSTILE_NAME = "<b>Bob</b>\r\nBcc: x@example.org"

BRAND = BrandSettings(
    store_name="Example Shop",
    support_email="help@shop.example.com",
    support_phone="+49 30 1234 567",
    support_url="https://shop.example.com/contact",
    logo_url="https://shop.example.com/logo.png",
    accent_color="#aa3300",
)
PLAIN_BRAND = BrandSettings(store_name="Plain Shop", support_email="care@plain.example")


def make_order(**changes: object) -> Order:
    moment = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)
    order = Order(
        id=4711,
        number="4711",
        status="failed",
        currency="USD",
        total=Decimal("48.50"),
        customer_id=12,
        email="jane@example.com",
        first_name="Jane",
        last_name="Doe",
        country="US",
        state="NY",
        payment_method="stripe",
        payment_method_title="Credit card",
        created_via="checkout",
        cart_hash="abc",
        customer_ip="203.0.113.9",
        date_created=moment,
        date_modified=moment,
        date_paid=None,
        needs_payment=True,
        payment_url=PAY_URL,
        line_items=(LineItem("Blue T-shirt", 2, Decimal("30.00")), LineItem("Mug", 1, Decimal("18.50"))),
    )
    return dataclasses.replace(order, **changes)  # type: ignore[arg-type]


@pytest.fixture(scope="module")
def renderer() -> Renderer:
    return Renderer(brand=BRAND)


def render(renderer: Renderer, order: Order | None = None, **kw: object) -> RenderedEmail:
    args: dict[str, object] = {"step": 1, "total_steps": 3, "kind": "failed", "pay_url": PAY_URL}
    args.update(kw)
    return renderer.render(order=order or make_order(), **args)  # type: ignore[arg-type]


class Page(HTMLParser):
    """What a mail client would show: anchors, images, the root element's attributes, visible text."""

    def __init__(self, source: str) -> None:
        super().__init__(convert_charrefs=True)
        self.links: list[tuple[str, str]] = []
        self.images: list[dict[str, str | None]] = []
        self.root: dict[str, str | None] = {}
        self.tags: list[str] = []
        self.texts: list[str] = []
        self._href: str | None = None
        self._label: list[str] = []
        self._hidden = 0
        self.feed(source)
        self.text = re.sub(r"[ \t\n\r\f]+", " ", " ".join(self.texts)).strip()  # HTML whitespace; NBSP stays

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)
        values = dict(attrs)
        if tag == "html":
            self.root = values
        elif tag == "a":
            self._href, self._label = values.get("href") or "", []
        elif tag == "img":
            self.images.append(values)
        elif tag in ("style", "title"):
            self._hidden += 1

    def handle_endtag(self, tag: str) -> None:
        if tag == "a" and self._href is not None:
            self.links.append((self._href, " ".join("".join(self._label).split())))
            self._href = None
        elif tag in ("style", "title"):
            self._hidden -= 1

    def handle_data(self, data: str) -> None:
        if self._href is not None:
            self._label.append(data)
        if not self._hidden:
            self.texts.append(data)


# --- every step and kind -------------------------------------------------------------------------------------------


@pytest.mark.parametrize("kind", ["failed", "pending"])
@pytest.mark.parametrize("step", [1, 2, 3])
def test_every_step_and_kind_renders_greeting_button_summary_and_support(
    renderer: Renderer, step: int, kind: str
) -> None:
    """Each step x kind has a subject, a preheader, the first-name greeting, one pay button, the items and support."""
    email = render(renderer, step=step, kind=kind)
    page = Page(email.html)
    assert email.subject and email.preheader and email.lang == "en"
    assert "Hi Jane," in page.text and "Hi Jane," in email.text
    assert [href for href, _ in page.links].count(PAY_URL) == 1
    assert "Blue T-shirt" in page.text and "× 2" in page.text and "$48.50" in page.text
    assert "- Blue T-shirt × 2" in email.text and "Total: $48.50" in email.text
    assert "Order #4711" in email.text or "order #4711" in email.text
    assert ("mailto:help@shop.example.com", "help@shop.example.com") in page.links
    assert "help@shop.example.com" in email.text
    assert "because you placed order #4711 at Example Shop" in page.text
    assert "reply to this email or write to help@shop.example.com" in email.text
    assert "fraud" not in (email.html + email.text).lower()


@pytest.mark.parametrize("step", [1, 2, 3])
def test_subjects_are_short_and_calm(renderer: Renderer, step: int) -> None:
    """Subject lines stay short, with no shouting, no '!!!' and no spam words."""
    for kind in ("failed", "pending"):
        subject = render(renderer, step=step, kind=kind).subject
        assert len(subject) <= 60, subject
        assert "!" not in subject and not re.search(r"\b[A-Z]{3,}\b", subject)
        assert not re.search(r"free|urgent|act now|winner|guarantee|\$\$", subject, re.IGNORECASE)


def test_kind_selects_failed_or_pending_wording(renderer: Renderer) -> None:
    """`failed` says the payment didn't go through; `pending` says checkout wasn't finished."""
    failed = render(renderer, kind="failed")
    pending = render(renderer, kind="pending")
    assert "payment didn't go through" in failed.text and "didn't finish checking out" not in failed.text
    assert "didn't finish checking out" in pending.text and "didn't go through" not in pending.text


def test_last_step_says_it_is_the_last_reminder(renderer: Renderer) -> None:
    """Step 3 of 3 promises no more emails; step 3 of 5 does not."""
    last = render(renderer, step=3, total_steps=3)
    assert "This is our last reminder; we won't email you about this order again." in last.text
    assert last.subject.startswith("Last reminder")
    not_last = render(renderer, step=3, total_steps=5)
    assert "last reminder" not in (not_last.subject + not_last.text).lower()
    assert "won't email you" not in not_last.text


def test_first_step_of_one_says_no_more_emails(renderer: Renderer) -> None:
    """With a single configured step, the first email already says no more will follow."""
    assert "We won't email you about this order again." in render(renderer, step=1, total_steps=1).text
    assert "won't email you" not in render(renderer, step=1, total_steps=3).text


def test_steps_without_a_template_use_the_last_one(renderer: Renderer) -> None:
    """Step 5 (of 5) is rendered with step-3.mjml.j2."""
    assert renderer.template_for(5) == "step-3.mjml.j2"
    email = render(renderer, step=5, total_steps=5)
    assert email.subject.startswith("Last reminder")


def test_bad_kind_step_or_pay_url_is_refused(renderer: Renderer) -> None:
    """A programming error in the caller is a ValueError, not a half-rendered email."""
    with pytest.raises(ValueError, match="kind"):
        render(renderer, kind="cancelled")
    with pytest.raises(ValueError, match="step"):
        render(renderer, step=0)
    for url in ("javascript:alert(1)", "https://shop.example.com/pay\r\nBcc: x", "ftp://x/y"):
        with pytest.raises(ValueError, match="pay_url"):
            render(renderer, pay_url=url)


# --- instructions and payment methods ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("reason", "line"),
    [
        ("customer_input", "check the card number, expiry date and security code"),
        ("authentication", "approve the payment in your banking app when asked"),
        ("insufficient_funds", "Please use another card or payment method."),
        ("expired_or_unsupported", "Please use another card or payment method."),
        ("issuer_generic", "contact your bank, or pay another way"),
        ("transient", "It was a problem on our side"),
        (None, "You can try again, or use another card or payment method."),
        ("unknown", "You can try again, or use another card or payment method."),
        ("abandoned", "You can try again, or use another card or payment method."),
        ("something_new", "You can try again, or use another card or payment method."),
    ],
)
def test_reason_selects_the_instruction_line(renderer: Renderer, reason: str | None, line: str) -> None:
    """The failure class picks one instruction line, in both parts."""
    email = render(renderer, reason=reason)
    assert line in email.text and line in Page(email.html).text


def test_other_payment_methods_are_listed_when_given(renderer: Renderer) -> None:
    """`payment_methods` becomes "You can also pay with: ..." and is absent when empty."""
    email = render(renderer, payment_methods=["PayPal", "Bank transfer", "PayPal", " "])
    assert "You can also pay with: PayPal and Bank transfer." in email.text
    assert "You can also pay with" not in render(renderer).text


# --- registered or guest, brand, support ---------------------------------------------------------------------------


def test_registered_customer_is_told_they_may_have_to_sign_in(renderer: Renderer) -> None:
    """Orders with a customer account: WooCommerce's pay page asks to log in."""
    email = render(renderer, make_order(customer_id=12))
    assert "sign in to your account" in email.text and "confirm your email address" not in email.text


def test_guest_is_told_they_may_have_to_confirm_their_email(renderer: Renderer) -> None:
    """Guest orders: WooCommerce's pay page asks to verify the order's email address."""
    email = render(renderer, make_order(customer_id=0))
    assert "confirm your email address" in email.text and "sign in" not in email.text


def test_brand_logo_accent_and_full_support_contact(renderer: Renderer) -> None:
    """Logo with the store name as alt text, accent colour on the button, email, phone and URL."""
    email = render(renderer)
    page = Page(email.html)
    assert {"src": "https://shop.example.com/logo.png", "alt": "Example Shop"}.items() <= page.images[0].items()
    assert re.search(r'<a href="https://shop\.example\.com/checkout[^"]*"[^>]*background:#aa3300', email.html)
    assert ("tel:+49301234567", "+49 30 1234 567") in page.links
    assert ("https://shop.example.com/contact", "https://shop.example.com/contact") in page.links
    assert "Phone: +49 30 1234 567" in email.text and "Help and contact: https://shop.example.com/contact" in email.text


def test_without_logo_phone_or_url_the_store_name_and_email_remain() -> None:
    """Optional brand settings leave no empty image, link or label behind."""
    email = render(Renderer(brand=PLAIN_BRAND))
    page = Page(email.html)
    assert page.images == [] and "Plain Shop" in page.text
    assert "Phone" not in email.text and "Help and contact" not in email.text
    assert ("mailto:care@plain.example", "care@plain.example") in page.links
    assert re.search(r'<a href="https://shop\.example\.com/checkout[^"]*"[^>]*background:#2f6fde', email.html)


def test_pay_button_href_is_exactly_the_pay_url(renderer: Renderer) -> None:
    """The button's href, once the HTML is parsed, is the pay_url byte for byte; the text part has it on its own line."""
    email = render(renderer)
    buttons = [(href, label) for href, label in Page(email.html).links if label == "Pay for your order"]
    assert buttons == [(PAY_URL, "Pay for your order")]
    assert f"\n{PAY_URL}\n" in email.text


# --- money and languages -------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("amount", "currency", "lang", "expected"),
    [
        ("48.50", "USD", "en", "$48.50"),
        ("48.50", "EUR", "de", "48,50\xa0€"),
        ("1234.5", "EUR", "fr", "1\u202f234,50\xa0€"),
        ("3500.00", "JPY", "ja", "￥3,500"),
        ("12.34", "XYZ", "en", "12.34 XYZ"),
        ("12.34", "<b>", "en", "12.34 <B>"),
        ("12.34", "", "de", "12,34"),
        ("12.34", "EUR", "not a language", "€12.34"),
    ],
)
def test_format_money_uses_babel_and_falls_back_for_unknown_codes(
    amount: str, currency: str, lang: str, expected: str
) -> None:
    """CLDR formatting per language; an unknown or garbage currency code never raises."""
    assert format_money(Decimal(amount), currency, lang) == expected


@pytest.mark.parametrize(
    ("lang", "currency", "total", "shown"),
    [("en", "EUR", "48.50", "€48.50"), ("de", "EUR", "48.50", "48,50\xa0€"), ("ja", "JPY", "3500.00", "￥3,500")],
)
def test_order_total_is_formatted_for_the_language(
    renderer: Renderer, lang: str, currency: str, total: str, shown: str
) -> None:
    """The total in the email follows the order's currency and the email's language (with the buyer's country, US,
    where CLDR has that pair: en-US; de and ja have none)."""
    email = render(renderer, make_order(currency=currency, total=Decimal(total)), lang=lang)
    assert shown in email.text and shown in Page(email.html).text
    assert email.lang == lang and Page(email.html).root.get("lang") == ("en-US" if lang == "en" else lang)


def test_arabic_is_right_to_left_even_without_a_catalog(renderer: Renderer) -> None:
    """lang=ar sets dir="rtl" on the document and right-aligns the text; English wording stays until a catalog exists."""
    email = render(renderer, lang="ar")
    page = Page(email.html)
    assert page.root.get("lang") == "ar" and page.root.get("dir") == "rtl"
    assert "text-align:right" in email.html
    ltr = Page(render(renderer, lang="de").html)
    assert ltr.root.get("dir") == "ltr"


def test_unknown_language_falls_back_to_english(renderer: Renderer) -> None:
    """A garbage language never reaches the lang attribute."""
    email = render(renderer, lang='"><script>')
    assert email.lang == "en" and Page(email.html).root.get("lang") == "en-US"


def test_translation_catalog_is_used_and_still_escapes_values(tmp_path: Path) -> None:
    """A Babel .mo catalog for de translates the wording; values inside translated strings are still escaped."""
    catalog = Catalog(locale="de", domain="wcrecall")
    catalog.add("Pay for your order", "Jetzt bezahlen")
    catalog.add("Hi %(name)s,", "Hallo %(name)s,")
    catalog.add(
        ("and %(count)s more item", "and %(count)s more items"),
        ("und %(count)s weiterer Artikel", "und %(count)s weitere Artikel"),
    )
    target = tmp_path / "de" / "LC_MESSAGES"
    target.mkdir(parents=True)
    with (target / "wcrecall.mo").open("wb") as handle:
        write_mo(handle, catalog)
    items = tuple(LineItem(f"Item {i}", 1, Decimal(1)) for i in range(MAX_ITEMS + 2))
    order = make_order(first_name="<i>Jörg</i>", line_items=items)
    email = Renderer(brand=BRAND, locale_dirs=[tmp_path]).render(
        order=order, step=1, total_steps=3, kind="failed", pay_url=PAY_URL, lang="de-DE"
    )
    page = Page(email.html)
    assert (PAY_URL, "Jetzt bezahlen") in page.links
    assert "Hallo &lt;i&gt;Jörg&lt;/i&gt;," in email.html and "Hallo <i>Jörg</i>," in email.text
    assert "und 2 weitere Artikel" in email.text
    assert email.lang == "de-DE"


def test_all_wording_is_extractable_and_translated(tmp_path: Path, renderer: Renderer) -> None:
    """pybabel's Jinja extractor (trimmed, as the renderer's policy) finds every sentence the buyer reads."""
    options = {"extensions": "jinja2.ext.i18n", "trimmed": "true"}
    found = extract_from_dir(str(renderer.directory), method_map=[("**.j2", "jinja2")], options_map={"**.j2": options})
    catalog = Catalog(locale="nl", domain="wcrecall")
    for _filename, _lineno, message, _comments, _context in found:
        if isinstance(message, tuple):
            catalog.add(message, tuple(f"⟪{m}⟫" for m in message))
        else:
            catalog.add(message, f"⟪{message}⟫")
    target = tmp_path / "nl" / "LC_MESSAGES"
    target.mkdir(parents=True)
    with (target / "wcrecall.mo").open("wb") as handle:
        write_mo(handle, catalog)
    pseudo = Renderer(brand=BRAND, locale_dirs=[tmp_path])
    items = tuple(LineItem(f"Item {i}", 1, Decimal(1)) for i in range(MAX_ITEMS + 1))
    for step in (1, 2, 3):
        for kind in ("failed", "pending"):
            for guest, reason in ((True, None), (False, "customer_input"), (False, "transient")):
                order = make_order(customer_id=0 if guest else 12, line_items=items)
                email = pseudo.render(
                    order=order,
                    step=step,
                    total_steps=step,
                    kind=kind,
                    pay_url=PAY_URL,
                    lang="nl",
                    reason=reason,
                    payment_methods=["PayPal"],
                )
                assert email.subject.startswith("⟪") and email.preheader.startswith("⟪")
                for line in email.text.splitlines():
                    assert not line or line.startswith("- ") or line in (PAY_URL, "--") or "⟪" in line, line


@pytest.mark.parametrize("lang", ["en", "de", "fr", "es", "it", "nl", "pt", "ja", "zh_Hans", "ar"])
def test_shipped_templates_pass_check_in_every_supported_language(renderer: Renderer, lang: str) -> None:
    """check() renders every step x kind for the languages catalogs are planned for."""
    renderer.check(steps=3, languages=[lang])


# --- hostile values ------------------------------------------------------------------------------------------------


def test_hostile_values_are_escaped_in_html_and_plain_in_text(renderer: Renderer) -> None:
    """<script>, <mj-button> and header text from an order never become markup or a line of their own."""
    order = make_order(
        first_name=HOSTILE_NAME,
        number="<script>alert(1)</script>",
        line_items=(
            LineItem('<mj-button href="https://evil.example/">Pay here</mj-button>', 1, Decimal(1)),
            LineItem("<img src=x onerror=alert(1)>", 1, Decimal(1)),
            LineItem("<script>alert(2)</script>", 1, Decimal(1)),
        ),
    )
    email = render(renderer, order, payment_methods=["<b>PayPal</b>"])
    page = Page(email.html)
    assert "script" not in page.tags and "b" not in page.tags
    assert all("onerror" not in image for image in page.images)
    assert all("evil" not in href for href, _ in page.links)
    assert [href for href, _ in page.links].count(PAY_URL) == 1
    assert "&lt;mj-button href=&#34;https://evil.example/&#34;&gt;" in email.html
    assert "&lt;script&gt;alert(2)&lt;/script&gt;" in email.html
    assert "&lt;b&gt;Bob&lt;/b&gt;" in email.html
    assert '<mj-button href="https://evil.example/">Pay here</mj-button>' in email.text
    assert "<img src=x onerror=alert(1)>" in email.text and "<b>PayPal</b>" in email.text
    assert "Hi <b>Bob</b> Bcc: x@example.org," in email.text
    assert not any(line.startswith("Bcc:") for line in email.text.splitlines())
    for value in (email.subject, email.preheader):
        assert "\r" not in value and "\n" not in value
    assert email.subject == "Your payment for order #<script>alert(1)</script> didn't go through"


def test_control_characters_in_any_value_become_spaces(renderer: Renderer) -> None:
    """NUL, NEL, U+2028 and friends in names, numbers and items cannot break lines in subject, preheader or text."""
    nasty = "A\x00B\x85C\u2028D\tE"
    order = make_order(first_name=nasty, number=f"47{nasty}", line_items=(LineItem(nasty, 1, Decimal(1)),))
    email = render(renderer, order, step=2)
    assert re.search(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u2028\u2029]", email.subject + email.preheader + email.text) is None
    assert "Hi A B C D E," in email.text and "- A B C D E × 1" in email.text


def test_hostile_brand_values_are_escaped_too() -> None:
    """The store name is escaped in the logo's alt text and in the wording."""
    brand = dataclasses.replace(BRAND, store_name='Tom & "Jerry" <Shop>')
    email = render(Renderer(brand=brand))
    assert Page(email.html).images[0]["alt"] == 'Tom & "Jerry" <Shop>'
    assert "Tom &amp; &#34;Jerry&#34; &lt;Shop&gt;" in email.html
    assert 'at Tom & "Jerry" <Shop>.' in email.text


def test_emoji_rtl_and_combining_characters_survive(renderer: Renderer) -> None:
    """Names keep ZWJ emoji sequences, Arabic script and combining accents exactly."""
    name = "Zoe\u0301 👩\u200d💻 مريم"
    item = "Te\u0301 verde 🍵 \u05e9\u05dc\u05d5\u05dd"
    email = render(renderer, make_order(first_name=name, line_items=(LineItem(item, 1, Decimal(1)),)))
    assert f"Hi {name}," in email.text and f"- {item} × 1" in email.text
    assert name in email.html and item in email.html


def test_product_names_with_entities_are_decoded_once(renderer: Renderer) -> None:
    """WordPress stores `Salt &amp; Pepper`: the buyer reads "Salt & Pepper", in both parts."""
    email = render(renderer, make_order(line_items=(LineItem("Salt &amp; Pepper", 1, Decimal(1)),)))
    assert "- Salt & Pepper × 1" in email.text and "Salt &amp; Pepper" in email.html and "&amp;amp;" not in email.html


# --- size and speed ------------------------------------------------------------------------------------------------


def test_thousand_line_items_show_the_first_twenty_and_a_count(renderer: Renderer) -> None:
    """A 1,000-line order renders into a short email: 20 items and "and 980 more items" (speed: `make bench`)."""
    items = tuple(LineItem(f"Screw M{i}", i, Decimal(1)) for i in range(1000))
    email = render(renderer, make_order(line_items=items))
    assert "- Screw M19 × 19" in email.text and "Screw M20" not in email.text
    assert "and 980 more items" in email.text and "and 980 more items" in Page(email.html).text
    assert len(email.html) < 60_000


# --- owner templates -----------------------------------------------------------------------------------------------


@pytest.fixture
def owner_dir(tmp_path: Path, renderer: Renderer) -> Path:
    """A copy of the shipped templates, as an owner would start from."""
    target = tmp_path / "my-emails"
    shutil.copytree(renderer.directory, target, ignore=shutil.ignore_patterns("__init__.py", "__pycache__"))
    return target


def test_owner_templates_are_used_from_emails_dir(owner_dir: Path) -> None:
    """An edited copy in emails_dir changes the email."""
    step = owner_dir / "step-1.mjml.j2"
    step.write_text(step.read_text().replace("Your order is saved.", "We kept your basket."))
    email = render(Renderer(brand=BRAND, emails_dir=owner_dir))
    assert "We kept your basket." in email.text


def test_syntax_error_in_owner_template_names_the_file(owner_dir: Path) -> None:
    """A Jinja syntax error is reported when the templates are loaded, naming file and line."""
    (owner_dir / "step-2.mjml.j2").write_text(
        '{% extends "layout.mjml.j2" %}\n{% block body %}{% if %}{% endblock %}\n'
    )
    with pytest.raises(TemplateError, match=r"step-2\.mjml\.j2, line 2"):
        Renderer(brand=BRAND, emails_dir=owner_dir)


def test_undefined_variable_in_owner_template_fails_check_naming_the_file(owner_dir: Path) -> None:
    """StrictUndefined: a misspelt variable is an error at check(), naming the template and the variable."""
    step = owner_dir / "step-2.mjml.j2"
    step.write_text(step.read_text().replace("order.number", "order.numbr", 1))
    renderer = Renderer(brand=BRAND, emails_dir=owner_dir)
    with pytest.raises(TemplateError, match=r"step-2\.mjml\.j2, line \d+: .*numbr"):
        renderer.check()


def test_invalid_mjml_in_owner_template_fails_check(owner_dir: Path) -> None:
    """A template that renders but is not MJML is reported by check(), naming the step template."""
    (owner_dir / "step-3.mjml.j2").write_text(
        '{% extends "layout.mjml.j2" %}{% block subject %}Hi{% endblock %}{% block preheader %}{% endblock %}'
        "{% block body %}<mj-text>unclosed{% endblock %}"
    )
    renderer = Renderer(brand=BRAND, emails_dir=owner_dir)
    with pytest.raises(TemplateError, match=r"step-3\.mjml\.j2: not valid MJML"):
        renderer.check()


def test_owner_template_without_pay_link_fails_check(owner_dir: Path) -> None:
    """An email without the pay link is useless: check() says so."""
    layout = owner_dir / "layout.mjml.j2"
    layout.write_text(layout.read_text().replace('href="{{ pay_url }}"', 'href="https://shop.example.com/"'))
    with pytest.raises(TemplateError, match="no pay link"):
        Renderer(brand=BRAND, emails_dir=owner_dir).check()


def test_missing_emails_dir_or_templates_are_reported(tmp_path: Path) -> None:
    """A wrong emails_dir, or one without step templates, is a TemplateError naming the folder."""
    with pytest.raises(TemplateError, match="does not exist"):
        Renderer(brand=BRAND, emails_dir=tmp_path / "nope")
    with pytest.raises(TemplateError, match="no step template"):
        Renderer(brand=BRAND, emails_dir=tmp_path)


def test_html_to_text_keeps_paragraphs_and_link_targets() -> None:
    """Template markup becomes paragraphs and "label (url)"; escaped values come out as the literal text."""
    text = html_to_text(
        '<mj-text>Hello &lt;b&gt;\n  there</mj-text><mj-text>See <a href="https://x.example/?a=1&amp;b=2">'
        'the shop</a><br/>or <a href="mailto:a@x.example">a@x.example</a>.</mj-text>'
    )
    assert text == "Hello <b> there\n\nSee the shop (https://x.example/?a=1&b=2)\nor a@x.example."


def test_a_deadline_on_another_day_is_its_own_sentence_and_a_time_today_keeps_the_short_one(
    renderer: Renderer,
) -> None:
    """One timestamp ("until 27 Nov 2026, 11:00") reads badly: a deadline on another day names the time, then the day, in
    both parts; a deadline today stays "until 15:40"."""
    now, london = datetime(2026, 11, 26, 15, 0, tzinfo=UTC), ZoneInfo("Europe/London")
    order = make_order(country="GB")
    for deadline, words in (
        (datetime(2026, 11, 27, 11, 0, tzinfo=UTC), "your order for you until 11:00 on 27 Nov 2026. After that,"),
        (now + timedelta(minutes=40), "your order for you until 15:40. After that,"),
    ):
        held = format_hold_until(deadline, london, now, "en", "GB")
        email = render(renderer, order, kind="pending", hold_until=held)
        assert words in " ".join(email.text.split()) and words in Page(email.html).text


# --- golden files --------------------------------------------------------------------------------------------------


def _golden_cases() -> Iterator[tuple[str, int, str]]:
    for step in (1, 2, 3):
        for kind in ("failed", "pending"):
            yield f"step-{step}-{kind}", step, kind


def check_golden(name: str, actual: str) -> None:
    path = GOLDEN / name
    if REGEN:
        path.parent.mkdir(exist_ok=True)
        path.write_text(actual, encoding="utf-8")
    assert path.exists(), f"{path.name} is missing: run with WCRECALL_REGEN_GOLDEN=1 and review the diff"
    assert actual == path.read_text(encoding="utf-8"), f"{path.name} changed: review, then WCRECALL_REGEN_GOLDEN=1"


@pytest.mark.parametrize(("name", "step", "kind"), list(_golden_cases()))
def test_text_part_matches_golden_file(renderer: Renderer, name: str, step: int, kind: str) -> None:
    """Subject, preheader and plain text of each step x kind are reviewed in tests/golden/*.txt."""
    order = make_order(customer_id=0 if kind == "pending" else 12)
    held = "17:40" if (step, kind) == (1, "pending") else ""  # the first pending reminder, before hold stock cancels
    email = render(
        renderer, order, step=step, kind=kind, reason="customer_input" if kind == "failed" else None, hold_until=held
    )
    check_golden(f"{name}.txt", f"Subject: {email.subject}\nPreheader: {email.preheader}\n\n{email.text}")


def test_html_part_matches_golden_file(renderer: Renderer) -> None:
    """The compiled HTML of step 1 (failed) is reviewed in tests/golden/step-1-failed.html."""
    check_golden("step-1-failed.html", render(renderer, payment_methods=["PayPal"]).html)


def test_a_link_that_does_not_pay_this_order_promises_no_payment_in_a_few_steps(renderer: Renderer) -> None:
    """A Magento `reorder` link opens the order to order again and `none` has no link: step 1's preheader must not
    say the payment can be completed in a few steps."""
    for kind, url in (("reorder", "https://shop.example.com/sales/guest/form/"), ("none", "")):
        email = render(renderer, link_kind=kind, pay_url=url)
        assert "in a few steps" not in email.preheader, kind
        assert email.preheader == "Your order #4711 at Example Shop is still waiting for payment.", kind
    assert "in a few steps" in render(renderer).preheader


@pytest.mark.parametrize(("lang", "country"), [("fr", "FR"), ("ar", "SA")])
def test_the_emails_accessible_name_keeps_its_characters_not_escapes(
    renderer: Renderer, lang: str, country: str
) -> None:
    """The HTML's aria-label (MJML copies the subject: "n°\u00a04711" in French, isolated runs in Arabic) carries the
    characters as references a screen reader reads as spaces and marks, never mjml-python's `\\u{a0}` escapes."""
    email = render(renderer, make_order(country=country), lang=lang)
    label = re.search(r'aria-label="([^"]*)"', email.html)
    assert label is not None and "\\u{" not in label.group(1)
    title = re.search(r"<title>([^<]*)</title>", email.html)
    assert title is not None and html.unescape(label.group(1)) == html.unescape(title.group(1))
