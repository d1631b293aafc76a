"""Every shipped language, read the way its buyers read it: every step, kind and failure class, both parts.

No English sentence left, no ASCII space after a CJK full stop, no ASCII colon in CJK text, every placeholder filled,
Latin runs isolated in right-to-left emails; names in the language's order with its honorific (greeting and `To:`);
money in the buyer's full locale (language and billing country).
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from html.parser import HTMLParser
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from babel.messages.pofile import read_po
from e2e import NOW, cli, failed_order, write_config
from smtp_server import SmtpServer

from wcrecall.config.settings import BrandSettings
from wcrecall.model.errors import TemplateError
from wcrecall.model.order import LineItem, Order
from wcrecall.plan.methods import MethodOffer
from wcrecall.render.formats import HoldUntil
from wcrecall.render.renderer import KINDS, MAX_ITEMS, REASONS, RenderedEmail, Renderer, format_hold_until
from wcrecall.sandbox import SandboxStore

ROOT = Path(__file__).resolve().parent.parent
LOCALE = ROOT / "emails" / "locale"
SHIPPED = sorted(p.name for p in LOCALE.iterdir() if (p / "LC_MESSAGES" / "wcrecall.mo").is_file())
CJK = [lang for lang in SHIPPED if lang.startswith(("zh", "ja", "ko"))]
RTL = ["ar"]
PAY_URL = "https://shop.example.com/checkout/order-pay/4711/?pay_for_order=true&key=wc_order_Xy12"
BRAND = BrandSettings(
    store_name="Example Shop",
    support_email="help@shop.example.com",
    support_phone="+49 30 1234",
    support_url="https://shop.example.com/help",
)
PLACEHOLDER_RE = re.compile(r"%\(\w+\)s|\{\{|\}\}|\{%|%\}")


def make_order(**changes: object) -> Order:
    moment = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)
    values: dict[str, object] = {
        "id": 4711, "number": "4711", "status": "failed", "currency": "EUR", "total": Decimal("48.50"),
        "customer_id": 12, "email": "jane@example.com", "first_name": "Jane", "last_name": "Doe", "country": "DE",
        "state": "", "payment_method": "stripe", "payment_method_title": "Credit card", "created_via": "checkout",
        "cart_hash": "abc", "customer_ip": "203.0.113.9", "date_created": moment, "date_modified": moment,
        "date_paid": None, "needs_payment": True, "payment_url": PAY_URL,
        "line_items": tuple(LineItem(f"Blue T-shirt {i}", 1, Decimal(1)) for i in range(MAX_ITEMS + 3)),
    }  # fmt: skip
    values.update(changes)
    return Order(**values)  # type: ignore[arg-type]


@pytest.fixture(scope="module")
def renderer() -> Renderer:
    return Renderer(brand=BRAND)


# A deadline on the buyer's next day: the hold line names the day and the time (Paris: 12:00, Sao Paulo: 08:00).
HOLD_NOW = datetime(2026, 11, 26, 15, 0, tzinfo=UTC)
HOLD_TOMORROW = datetime(2026, 11, 27, 11, 0, tzinfo=UTC)


def held_tomorrow(lang: str, country: str = "", zone: str = "Europe/Paris") -> HoldUntil:
    return format_hold_until(HOLD_TOMORROW, ZoneInfo(zone), HOLD_NOW, lang, country)


def every_email(renderer: Renderer, lang: str, order: Order | None = None) -> list[tuple[str, RenderedEmail]]:
    """Every step (last or not), kind and failure class, with and without other payment methods and a hold time
    (today's on steps 1 and 2, another day's on step 3)."""
    out = []
    for step in (1, 2, 3):
        for total in sorted({step, 3}):
            for kind in KINDS:
                for reason in (*REASONS, None):
                    where = f"{lang} step {step}/{total} {kind} {reason}"
                    email = renderer.render(
                        order=order or make_order(), step=step, total_steps=total, kind=kind, pay_url=PAY_URL,
                        lang=lang, reason=reason, payment_methods=("PayPal", "Klarna") if reason else (),
                        hold_until=("17:40" if step < 3 else held_tomorrow(lang)) if kind == "pending" else "",
                    )  # fmt: skip
                    out.append((where, email))
    return out


class Page(HTMLParser):
    """The visible text nodes of an email's HTML body, each with whether it is inside <bdi>."""

    def __init__(self, source: str) -> None:
        super().__init__(convert_charrefs=True)
        self.nodes: list[tuple[str, bool]] = []
        self._hidden = 0
        self._bdi = 0
        self.feed(source)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in ("style", "title", "head"):
            self._hidden += 1
        elif tag == "bdi":
            self._bdi += 1

    def handle_endtag(self, tag: str) -> None:
        if tag in ("style", "title", "head"):
            self._hidden -= 1
        elif tag == "bdi":
            self._bdi -= 1

    def handle_data(self, data: str) -> None:
        text = re.sub(r"[ \t\n\r\f]+", " ", data).strip()
        if text and not self._hidden:
            self.nodes.append((text, self._bdi > 0))


def english_phrases() -> list[str]:
    """The literal runs of three or more words in every English msgid (placeholders cut out)."""
    with (LOCALE / "wcrecall.pot").open("rb") as handle:
        template = read_po(handle)
    phrases = set()
    for message in template:
        for text in [message.id] if isinstance(message.id, str) else list(message.id):
            for run in PLACEHOLDER_RE.split(text):
                run = run.strip(" .,:;?")
                if len(run.split()) >= 3:
                    phrases.add(run)
    return sorted(phrases)


def test_the_new_catalogs_are_shipped() -> None:
    """Brazilian and European Portuguese are separate catalogs, and Traditional Chinese is one."""
    assert {"pt_BR", "pt_PT", "zh_Hant"} <= set(SHIPPED) and "pt" not in SHIPPED


@pytest.mark.parametrize("lang", SHIPPED)
def test_no_english_sentence_is_left_in_any_email(renderer: Renderer, lang: str) -> None:
    phrases = english_phrases()
    assert phrases
    for where, email in every_email(renderer, lang):
        for part, content in (("subject", email.subject), ("preheader", email.preheader), ("text", email.text)):
            left = [p for p in phrases if p in content]
            assert left == [], f"{where} {part}: {left}"
        page = " ".join(text for text, _ in Page(email.html).nodes)
        assert [p for p in phrases if p in page] == [], f"{where} html"


@pytest.mark.parametrize("lang", [*SHIPPED, "en"])
def test_every_placeholder_is_filled(renderer: Renderer, lang: str) -> None:
    for where, email in every_email(renderer, lang):
        for content in (email.subject, email.preheader, email.text, email.html):
            assert not PLACEHOLDER_RE.search(content), where
        assert "4711" in email.subject and PAY_URL in email.text


def translations(lang: str, msgid_has: str) -> list[str]:
    """What `lang` writes for every msgid containing `msgid_has` (English: the msgids themselves)."""
    path = LOCALE / "wcrecall.pot" if lang == "en" else LOCALE / lang / "LC_MESSAGES" / "wcrecall.po"
    with path.open("rb") as handle:
        catalog = read_po(handle)
    found = []
    for message in catalog:
        if message.id and msgid_has in str(message.id):
            string = message.string[0] if isinstance(message.string, tuple) else message.string
            found.append(str(message.id) if lang == "en" else string)
    return found


def sentences(text: str) -> list[str]:
    """A catalog string cut into its sentences, placeholders dropped, so a sentence can be looked for in an email."""
    parts = re.split(r"(?<=[.?!。？！؟])\s*", PLACEHOLDER_RE.sub("", text))
    return [p for p in (part.strip() for part in parts) if len(p) > 8 and "%(" not in p]


@pytest.mark.parametrize("lang", [*SHIPPED, "en"])
def test_the_plain_text_part_never_speaks_of_a_button(renderer: Renderer, lang: str) -> None:
    """The plain-text part has a link, not a button: the sentences that speak of the button below (those the "link
    below" wording does not share) appear in the HTML part only."""
    link = {s for text in translations(lang, "link below") for s in sentences(text)}
    button = {s for text in translations(lang, "button below") for s in sentences(text)} - link
    emails = every_email(renderer, lang)
    assert button and all(any(s in email.html for s in button) for _, email in emails)
    for where, email in emails:
        assert [s for s in button if s in email.text] == [], f"{where}: plain text speaks of a button"
        assert any(s in email.text for s in link), f"{where}: plain text does not point at its link"


@pytest.mark.parametrize("lang", [*SHIPPED, "en"])
def test_a_pending_email_never_asks_to_try_again(renderer: Renderer, lang: str) -> None:
    """A buyer who did not finish checking out never tried to pay: "You can try again" does not fit them."""
    (again,) = translations(lang, "You can try again")
    for where, email in every_email(renderer, lang):
        if " pending " in where:
            assert again not in email.text, where
        elif where.endswith(" None"):
            assert again in email.text, where


@pytest.mark.parametrize("lang", CJK)
def test_cjk_punctuation_is_never_followed_by_an_ascii_space_or_replaced_by_an_ascii_colon(
    renderer: Renderer, lang: str
) -> None:
    """A Latin habit in Chinese or Japanese: "。 我们", or "支付订单:" in the plain-text part."""
    after_stop = re.compile(r"[。！？：，、；] ")
    ascii_colon = re.compile(r"[\u3040-\u30ff\u3400-\u9fff\uac00-\ud7af]\s*:")
    for where, email in every_email(renderer, lang, make_order(first_name="伟", last_name="王")):
        for part, content in (("subject", email.subject), ("preheader", email.preheader), ("text", email.text)):
            assert not after_stop.search(content), f"{where} {part}: {after_stop.search(content)}"
            assert not ascii_colon.search(content), f"{where} {part}: {ascii_colon.search(content)}"
        for text, _ in Page(email.html).nodes:
            assert not after_stop.search(text), f"{where} html: {text}"


@pytest.mark.parametrize("lang", RTL)
def test_right_to_left_emails_isolate_latin_runs(renderer: Renderer, lang: str) -> None:
    """In a sentence written right to left, every Latin run (store, address, number, payment method) is isolated:
    <bdi> in the HTML, FSI…PDI (U+2068, U+2069) in the plain text."""
    arabic = re.compile(r"[\u0600-\u06ff]")
    latin = re.compile(r"[A-Za-z]")
    held = held_tomorrow(lang)
    for where, email in every_email(renderer, lang):
        for text, isolated in Page(email.html).nodes:
            if isolated and text in (held.date, held.time):  # "12:00 م": digits with the day period, kept together
                continue
            if arabic.search(text):  # the preview text (hidden) is text: FSI...PDI there
                bare = re.sub("\u2068[^\u2068\u2069]*\u2069", "", text)
                assert not latin.search(bare) and not isolated, f"{where} html: {text!r}"
        for line in email.text.splitlines():
            if arabic.search(line):
                bare = re.sub("\u2068[^\u2068\u2069]*\u2069", "", line)
                assert not latin.search(bare), f"{where} text: {line!r}"
        assert "\u2068Example Shop\u2069" in email.text
        # Digits with spaces or signs reorder too in right-to-left text ("+49 30 1234" would show as "1234 30 49+"):
        # the phone number and the total are isolated; a bare number (the order number, a count) need not be.
        assert "\u2068+49 30 1234\u2069" in email.text and '<bdi><a href="tel:+49301234"' in email.html
        assert re.search("\u2068[^\u2069]*48.50[^\u2069]*\u2069", email.text)


# --- names ---------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("lang", "first", "last", "greeting"),
    [
        ("ja", "陽翔", "佐藤", "佐藤 陽翔 様"),
        ("ja", "", "佐藤", "佐藤 様"),
        ("ja", "Jane", "Doe", "Jane Doe 様"),
        ("zh_Hans", "伟", "王", "王伟，您好"),
        ("zh_Hant", "偉", "王", "王偉，您好"),
        ("zh_Hans", "伟", "", "您好"),
        ("de", "Jane", "Doe", "Hallo Jane,"),
        ("en", "伟", "王", "Hi 王伟,"),
    ],
)
def test_greeting_writes_the_name_in_the_languages_order_with_its_honorific(
    renderer: Renderer, lang: str, first: str, last: str, greeting: str
) -> None:
    email = renderer.render(
        order=make_order(first_name=first, last_name=last), step=1, total_steps=3, kind="failed", pay_url=PAY_URL,
        lang=lang,
    )  # fmt: skip
    assert email.text.startswith(greeting), email.text.splitlines()[0]
    assert greeting in " ".join(text for text, _ in Page(email.html).nodes)


def test_a_hostile_name_stays_text_in_the_greeting_and_to_name(renderer: Renderer) -> None:
    email = renderer.render(
        order=make_order(first_name="<b>陽翔</b>", last_name="佐藤\r\nBcc: x@example.org"), step=1, total_steps=3,
        kind="failed", pay_url=PAY_URL, lang="ja",
    )  # fmt: skip
    assert "<b>" not in email.html and "&lt;b&gt;" in email.html
    assert "\n" not in email.to_name and "\r" not in email.to_name


def test_cjk_buyers_get_their_name_in_order_in_to_and_greeting_end_to_end(
    tmp_path: Path, store: SandboxStore, smtp: SmtpServer
) -> None:
    """Through `run`: a Japanese buyer is "佐藤 陽翔 様" in To: and the greeting; a Chinese one "王伟" / "王伟，您好"."""
    failed_order(store, "sato@example.jp", billing={"first_name": "陽翔", "last_name": "佐藤", "country": "JP"})
    failed_order(store, "wang@example.cn", billing={"first_name": "伟", "last_name": "王", "country": "CN"})
    config = write_config(tmp_path, store.url, smtp_port=smtp.port, extra='[regional]\nquiet_hours = "off"\n')

    result = cli(["run"], config=config, now=NOW)

    assert result.exit_code == 0, result.stderr
    by_rcpt = {m.rcpt_tos[0]: m.message for m in smtp.messages}
    sato, wang = by_rcpt["sato@example.jp"], by_rcpt["wang@example.cn"]
    assert sato["To"].addresses[0].display_name == "佐藤 陽翔 様"
    assert wang["To"].addresses[0].display_name == "王伟"
    assert sato.get_body(("plain",)).get_content().startswith("佐藤 陽翔 様")  # type: ignore[union-attr]
    assert wang.get_body(("plain",)).get_content().startswith("王伟，您好")  # type: ignore[union-attr]


# --- money and dates in the buyer's full locale ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("lang", "country", "currency", "total"),
    [
        ("es", "MX", "MXN", "$1,190.00"),
        ("es", "ES", "EUR", "1.190,00\xa0€"),
        ("en", "GB", "GBP", "£1,190.00"),
        ("fr", "CA", "CAD", "1\xa0190,00\xa0$"),
        ("pt_BR", "BR", "BRL", "R$\xa01.190,00"),
        ("de", "CH", "CHF", "CHF\xa01'190.00"),
        ("zh_Hans", "SG", "SGD", "$1,190.00"),
        ("de", "JP", "JPY", "1.190\xa0¥"),  # no de_JP in CLDR: the language's own formats
        ("zh_Hant", "TW", "TWD", "NT$1,190"),  # not CLDR's bare "$" (read as US dollars), no cents Taiwan never has
    ],
)
def test_money_follows_language_and_billing_country(
    renderer: Renderer, lang: str, country: str, currency: str, total: str
) -> None:
    order = make_order(country=country, currency=currency, total=Decimal("1190"))
    email = renderer.render(order=order, step=1, total_steps=3, kind="failed", pay_url=PAY_URL, lang=lang)
    assert total in email.text and total in " ".join(text for text, _ in Page(email.html).nodes)


def test_a_taiwan_total_with_cents_keeps_them() -> None:
    """Whole New Taiwan dollars are written without decimals; an amount that has cents is never rounded away."""
    order = make_order(country="TW", currency="TWD", total=Decimal("1190.50"))
    email = Renderer(brand=BRAND).render(
        order=order, step=1, total_steps=3, kind="failed", pay_url=PAY_URL, lang="zh_Hant"
    )
    assert "NT$1,190.50" in email.text


@pytest.mark.parametrize(
    ("methods", "phrase"),
    [
        (("PayPal", "iDEAL"), "PayPal e iDEAL"),
        (("Klarna", "Hipercard"), "Klarna e Hipercard"),
        (("PayPal", "Klarna", "iDEAL"), "PayPal, Klarna e iDEAL"),
        (("iDEAL", "PayPal"), "iDEAL y PayPal"),
        (("PayPal", "Hielo Pay"), "PayPal y Hielo Pay"),  # "hie-" sounds /je/, not /i/: "y" stays
        (("PayPal", "Klarna"), "PayPal y Klarna"),
    ],
)
def test_spanish_joins_a_method_starting_with_an_i_sound_with_e(
    renderer: Renderer, methods: tuple[str, ...], phrase: str
) -> None:
    email = renderer.render(
        order=make_order(country="ES"), step=1, total_steps=3, kind="failed", pay_url=PAY_URL, lang="es",
        reason="customer_input", payment_methods=methods,
    )  # fmt: skip
    assert phrase in email.text and phrase in " ".join(text for text, _ in Page(email.html).nodes)


CARD, ANOTHER_CARD = MethodOffer(key="card"), MethodOffer(key="another_card")
BANK, COD, CHEQUE, SEPA = (MethodOffer(key=k) for k in ("bank_transfer", "cash_on_delivery", "cheque", "sepa_debit"))
PAYPAL, KLARNA, PIX = (MethodOffer(name=n) for n in ("PayPal", "Klarna", "Pix"))


@pytest.mark.parametrize(
    ("lang", "country", "methods", "line"),
    [
        ("ja", "JP", (CARD, BANK, COD, CHEQUE), "クレジットカード、銀行振込、代金引換、小切手でもお支払いいただけます。"),
        ("zh_Hant", "TW", (ANOTHER_CARD, PAYPAL, BANK, COD, CHEQUE),
         "您也可以使用以下方式付款：其他信用卡或金融卡、PayPal、銀行轉帳、貨到付款和支票。"),
        ("pt_BR", "BR", (PAYPAL, PIX, BANK, COD),
         "Você também pode pagar com PayPal, Pix, transferência bancária e dinheiro na entrega."),
        ("pt_PT", "PT", (PAYPAL, KLARNA, SEPA, BANK, COD),
         "Outros métodos de pagamento disponíveis: PayPal, Klarna, débito direto SEPA, transferência bancária e "
         "pagamento contra reembolso."),
        # cash on delivery alone (cards and COD is a common shop in PT, ES and MX): a label, not "pagar com/con ..."
        ("pt_PT", "PT", (COD,), "Outros métodos de pagamento disponíveis: pagamento contra reembolso."),
        ("es", "ES", (PAYPAL, KLARNA, SEPA, BANK, COD),
         "Otros métodos de pago disponibles: PayPal, Klarna, adeudo directo SEPA, transferencia bancaria y pago contra "
         "entrega."),
        ("es", "MX", (COD,), "Otros métodos de pago disponibles: pago contra entrega."),
        ("es", "MX", (PAYPAL, BANK, COD), "Otros métodos de pago disponibles: PayPal, transferencia bancaria y pago contra entrega."),
        ("ar", "SA", (CARD, BANK, COD, CHEQUE), "يمكنك أيضًا الدفع عبر البطاقة والتحويل البنكي والدفع عند الاستلام والشيك."),
        ("fr", "FR", (CARD, KLARNA, SEPA, BANK, COD, CHEQUE),
         "Autres moyens de paiement acceptés\u00a0: carte bancaire, Klarna, prélèvement SEPA, virement bancaire, "
         "paiement à la livraison et chèque."),
        ("fr", "FR", (ANOTHER_CARD, PAYPAL), "Autres moyens de paiement acceptés\u00a0: une autre carte et PayPal."),
        ("it", "IT", (ANOTHER_CARD, PAYPAL, BANK), "Puoi pagare anche con un’altra carta, PayPal e bonifico bancario."),
        ("nl", "NL", (PAYPAL, BANK, COD), "Je kunt ook betalen met PayPal, bankoverschrijving en rembours."),
    ],
)  # fmt: skip
def test_the_method_line_reads_as_the_native_reviewers_wrote_it(
    renderer: Renderer, lang: str, country: str, methods: tuple[MethodOffer, ...], line: str
) -> None:
    """Each method's name stands in a list: no bare "カード", no "pagar com pagamento na entrega", no "وشيك"
    ("imminent") for و + cheque, and French lists plain nouns after a label."""
    email = renderer.render(
        order=make_order(country=country), step=1, total_steps=3, kind="failed", pay_url=PAY_URL, lang=lang,
        reason="insufficient_funds", payment_methods=methods,
    )  # fmt: skip
    marks = re.compile("[\u2066-\u2069]")  # right-to-left isolation of the Latin runs
    assert line in marks.sub("", email.text)
    assert line in re.sub(r"</?bdi>", "", email.html)


@pytest.mark.parametrize(
    ("lang", "country", "tag"),
    [("es", "MX", "es-MX"), ("pt_BR", "BR", "pt-BR"), ("zh_Hant", "TW", "zh-Hant-TW"), ("de", "", "de")],
)
def test_the_html_is_tagged_with_the_buyers_full_locale(renderer: Renderer, lang: str, country: str, tag: str) -> None:
    """Screen readers pick voice and pronunciation by the html lang attribute: es-MX, not just es."""
    email = renderer.render(
        order=make_order(country=country), step=1, total_steps=3, kind="failed", pay_url=PAY_URL, lang=lang
    )
    assert f'<html lang="{tag}"' in email.html


def test_hold_time_follows_language_and_billing_country() -> None:
    """es_MX writes 12-hour times ("5:40 p.m."), es (Spain) 24-hour ("17:40")."""
    now = datetime(2026, 11, 26, 16, 0, tzinfo=UTC)
    deadline = now + timedelta(minutes=100)
    zone = ZoneInfo("UTC")
    assert format_hold_until(deadline, zone, now, "es", country="ES") == "17:40"
    assert format_hold_until(deadline, zone, now, "es", country="MX").startswith("5:40")


@pytest.mark.parametrize(("lang", "country"), [("es", "MX"), ("en", "US"), ("es", "ES"), ("pt_BR", "BR")])
def test_a_hold_time_ending_in_a_dot_makes_no_double_full_stop(renderer: Renderer, lang: str, country: str) -> None:
    """Mexican times end in "p.m.": the sentence around the time must not add a second full stop."""
    now = datetime(2026, 11, 26, 16, 0, tzinfo=UTC)
    held = format_hold_until(now + timedelta(minutes=100), ZoneInfo("UTC"), now, lang, country=country)
    email = renderer.render(
        order=make_order(country=country), step=1, total_steps=3, kind="pending", pay_url=PAY_URL, lang=lang,
        hold_until=held,
    )  # fmt: skip
    assert held in email.text and ".." not in email.text.replace(PAY_URL, "")


def visible(email: RenderedEmail) -> tuple[str, str]:
    """The plain text and the HTML's visible text, each with its runs of spaces (no-break ones too) made one space."""
    page = " ".join(text for text, _ in Page(email.html).nodes)
    return " ".join(email.text.split()), " ".join(page.split())


@pytest.mark.parametrize(
    ("lang", "country", "zone", "phrase"),
    [
        ("fr", "FR", "Europe/Paris", "jusqu’au 27 nov. 2026 à 12:00."),
        ("nl", "NL", "Europe/Amsterdam", "tot 27 nov 2026 om 12:00."),
        ("it", "IT", "Europe/Rome", "fino al giorno 27 nov 2026 alle ore 12:00."),
        ("de", "DE", "Europe/Berlin", "bis zum 27.11.2026 um 12:00 Uhr"),
        ("pt_BR", "BR", "America/Sao_Paulo", "até 27/11/2026 às 08:00"),
        ("en", "GB", "Europe/London", "until 11:00 on 27 Nov 2026."),
        ("en", "US", "America/New_York", "until 6:00 AM on Nov 27, 2026."),
    ],
)
def test_a_deadline_on_another_day_names_the_day_and_then_the_time_as_the_language_does(
    renderer: Renderer, lang: str, country: str, zone: str, phrase: str
) -> None:
    """Not one timestamp in the sentence ("jusqu’à 27 nov. 2026, 12:00" is wrong French): the day and the time
    each where the language puts them, in both parts."""
    held = format_hold_until(HOLD_TOMORROW, ZoneInfo(zone), HOLD_NOW, lang, country)
    email = renderer.render(
        order=make_order(country=country), step=1, total_steps=3, kind="pending", pay_url=PAY_URL, lang=lang,
        hold_until=held,
    )  # fmt: skip
    text, page = visible(email)
    assert phrase in text and phrase in page


@pytest.mark.parametrize(
    ("lang", "country", "zone", "date", "time"),
    [
        ("pt_BR", "BR", "America/Sao_Paulo", "27/11/2026", "08:00"),  # how Brazilian shops write a deadline
        ("de", "DE", "Europe/Berlin", "27.11.2026", "12:00"),
        ("es", "MX", "America/Mexico_City", "27 nov 2026", "5:00 a.m."),
        ("zh_Hant", "TW", "Asia/Taipei", "2026年11月27日", "晚上7:00"),
    ],
)
def test_the_hold_deadline_gives_the_day_and_the_time_apart_in_the_buyers_locale(
    lang: str, country: str, zone: str, date: str, time: str
) -> None:
    held = format_hold_until(HOLD_TOMORROW, ZoneInfo(zone), HOLD_NOW, lang, country)
    assert (" ".join(held.date.split()), " ".join(held.time.split())) == (date, time)
    today = format_hold_until(HOLD_NOW + timedelta(minutes=40), ZoneInfo(zone), HOLD_NOW, lang, country)
    assert today.date == "" and today == today.time


@pytest.mark.parametrize("lang", SHIPPED)
def test_every_language_words_a_deadline_on_another_day_as_its_own_sentence(renderer: Renderer, lang: str) -> None:
    """The other day's message is translated everywhere (no English), with the day and the time both in it."""
    held = held_tomorrow(lang)
    email = renderer.render(
        order=make_order(), step=2, total_steps=3, kind="pending", pay_url=PAY_URL, lang=lang, hold_until=held
    )
    text, page = visible(email)
    for content in (text, page):
        assert "holding your order" not in content
        assert " ".join(held.date.split()) in content and " ".join(held.time.split()) in content


@pytest.mark.parametrize(
    ("lang", "country", "zone"),
    [("zh_Hans", "SG", "Asia/Singapore"), ("zh_Hant", "TW", "Asia/Taipei"), ("zh_Hant", "HK", "Asia/Hong_Kong")],
)
def test_no_ascii_space_splits_chinese_text_around_the_hold_time(
    renderer: Renderer, lang: str, country: str, zone: str
) -> None:
    """Taiwan, Hong Kong and Singapore times start with a day period (晚上11:40, 下午12:00): "至 晚上11:40" is a typo."""
    han_space_han = re.compile(r"[\u3400-\u9fff] [\u3400-\u9fff]")
    for deadline in (HOLD_NOW + timedelta(minutes=40), HOLD_TOMORROW):
        held = format_hold_until(deadline, ZoneInfo(zone), HOLD_NOW, lang, country)
        email = renderer.render(
            order=make_order(country=country), step=1, total_steps=3, kind="pending", pay_url=PAY_URL, lang=lang,
            hold_until=held,
        )  # fmt: skip
        for content in (email.text, *(text for text, _ in Page(email.html).nodes)):
            assert not han_space_han.search(content), han_space_han.search(content)


def test_a_mexican_buyer_reads_the_hold_time_and_total_the_mexican_way_end_to_end(
    tmp_path: Path, store: SandboxStore, smtp: SmtpServer
) -> None:
    """Through `run`: a pending order from Mexico City, held until 16:40 UTC, says "10:40 a.m." (not Spain's
    "10:40") and "$1,190.00" (not "1.190,00 MXN")."""
    store.set_setting("products", "woocommerce_manage_stock", "yes")
    store.set_setting("products", "woocommerce_hold_stock_minutes", "60")
    store.wp_cron = True
    now = store.clock.now()
    store.create_order(
        status="pending", currency="MXN", total="1190.00",
        billing={"email": "lupita@example.mx", "first_name": "Guadalupe", "country": "MX", "state": "CMX"},
        date_created=now - timedelta(minutes=50), date_modified=now - timedelta(minutes=20),
    )  # fmt: skip
    config = write_config(tmp_path, store.url, smtp_port=smtp.port)

    result = cli(["run"], config=config, now=NOW)

    assert result.exit_code == 0, result.stderr
    assert len(smtp.messages) == 1
    text = " ".join(smtp.messages[0].message.get_body(("plain",)).get_content().split())  # type: ignore[union-attr]
    # split() also splits at the narrow no-break space
    assert "antes de la hora límite (10:40 a.m.), se cancelará" in text
    assert "Total: $1,190.00" in text


def test_a_french_buyer_held_until_tomorrow_reads_the_day_and_then_the_time_end_to_end(
    tmp_path: Path, store: SandboxStore, smtp: SmtpServer
) -> None:
    """Through `run`: hold stock keeps a French pending order for a day, so the deadline (15:40 UTC tomorrow) falls on
    the buyer's next day: "jusqu’au 27 nov. 2026 à 16:40", not "jusqu’à 27 nov. 2026, 16:40"."""
    store.set_setting("products", "woocommerce_manage_stock", "yes")
    store.set_setting("products", "woocommerce_hold_stock_minutes", "1440")
    store.wp_cron = True
    now = store.clock.now()
    store.create_order(
        status="pending", currency="EUR", total="48.50",
        billing={"email": "camille@example.fr", "first_name": "Camille", "country": "FR"},
        date_created=now - timedelta(minutes=50), date_modified=now - timedelta(minutes=20),
    )  # fmt: skip
    config = write_config(tmp_path, store.url, smtp_port=smtp.port)

    result = cli(["run"], config=config, now=NOW)

    assert result.exit_code == 0, result.stderr
    assert len(smtp.messages) == 1
    text = " ".join(smtp.messages[0].message.get_body(("plain",)).get_content().split())  # type: ignore[union-attr]
    assert "Nous conservons votre commande jusqu’au 27 nov. 2026 à 16:40. Passé ce délai" in text


# --- the language from the strongest signal ------------------------------------------------------------------------


def test_a_gulf_buyer_with_a_latin_name_on_an_english_store_gets_english_end_to_end(
    tmp_path: Path, store: SandboxStore, smtp: SmtpServer
) -> None:
    """The store reports en_US (as the captured store does): buyers in Saudi Arabia named "John Smith" and "Emma
    Brown" get English, read from the store once in the tick; "فاطمة" gets Arabic; explain names the signal."""
    john = failed_order(store, "john@example.sa", billing={"first_name": "John", "last_name": "Smith", "country": "SA"})
    failed_order(store, "emma@example.ae", billing={"first_name": "Emma", "last_name": "Brown", "country": "AE"})
    failed_order(store, "fatima@example.sa", billing={"first_name": "فاطمة", "country": "SA"})
    config = write_config(tmp_path, store.url, smtp_port=smtp.port, extra='[regional]\nquiet_hours = "off"\n')

    shown = cli(["explain", str(john)], config=config, now=NOW).stdout
    assert "language: en (store language en_US (billing country SA: the name is not written in Arabic script))" in shown
    asked = store.count("GET", "/wp-json/wc/v3/system_status")

    assert cli(["run"], config=config, now=NOW).exit_code == 0

    by_rcpt = {m.rcpt_tos[0]: m.message.get_body(("plain",)).get_content() for m in smtp.messages}  # type: ignore[union-attr]
    assert by_rcpt["john@example.sa"].startswith("Hi John,")
    assert by_rcpt["emma@example.ae"].startswith("Hi Emma,")
    assert by_rcpt["fatima@example.sa"].startswith("مرحبًا")
    assert store.count("GET", "/wp-json/wc/v3/system_status") == asked + 1  # once in the tick, for both orders


def test_the_orders_site_language_meta_decides_first_and_explain_says_so(
    tmp_path: Path, store: SandboxStore, smtp: SmtpServer
) -> None:
    """A WPML order placed in German by a buyer in the US gets German, and the store is not asked its language."""
    order_id = failed_order(
        store, "lena@example.com", billing={"first_name": "Lena", "country": "US"},
        meta_data=[{"key": "wpml_language", "value": "de"}],
    )  # fmt: skip
    config = write_config(tmp_path, store.url, smtp_port=smtp.port, extra='[regional]\nquiet_hours = "off"\n')
    shown = cli(["explain", str(order_id)], config=config, now=NOW).stdout
    assert "language: de (order's site language meta wpml_language=de)" in shown
    assert cli(["run"], config=config, now=NOW).exit_code == 0
    assert smtp.messages[0].message.get_body(("plain",)).get_content().startswith("Hallo Lena")  # type: ignore[union-attr]
    assert store.count("GET", "/wp-json/wc/v3/system_status") == 0


# --- a store's own wording: recall.strings_dir --------------------------------------------------------------------

OVERRIDE_PO = """msgid ""
msgstr ""
"Content-Type: text/plain; charset=UTF-8\\n"

msgid "Hi %(name)s,"
msgstr "Servus %(name)s,"
"""


def test_a_po_file_in_the_strings_folder_replaces_one_sentence_and_keeps_the_rest(tmp_path: Path) -> None:
    (tmp_path / "de.po").write_text(OVERRIDE_PO, encoding="utf-8")
    (tmp_path / "en.po").write_text(OVERRIDE_PO.replace("Servus", "Hello there"), encoding="utf-8")
    renderer = Renderer(brand=BRAND, strings_dir=tmp_path)
    german = renderer.render(order=make_order(), step=1, total_steps=3, kind="failed", pay_url=PAY_URL, lang="de")
    assert german.text.startswith("Servus Jane,")
    assert "Bestellung Nr. 4711" in german.subject  # the shipped German for everything else
    english = renderer.render(order=make_order(), step=1, total_steps=3, kind="failed", pay_url=PAY_URL, lang="en")
    assert english.text.startswith("Hello there Jane,")
    assert renderer.render(
        order=make_order(), step=1, total_steps=3, kind="failed", pay_url=PAY_URL, lang="fr"
    ).text.startswith("Bonjour")


@pytest.mark.parametrize(
    ("content", "problem"),
    [
        (OVERRIDE_PO.replace("Servus %(name)s,", "Servus %(nom)s,"), "placeholder"),
        ("this is not a .po file\n", "cannot be read"),
    ],
)
def test_a_broken_strings_file_is_a_template_error_naming_it(tmp_path: Path, content: str, problem: str) -> None:
    (tmp_path / "de.po").write_text(content, encoding="utf-8")
    with pytest.raises(TemplateError, match=rf"de\.po.*{problem}"):
        Renderer(brand=BRAND, strings_dir=tmp_path)


def test_the_strings_folder_changes_the_email_end_to_end(tmp_path: Path, store: SandboxStore, smtp: SmtpServer) -> None:
    """`recall.strings_dir` (relative to the config file) changes the German greeting; doctor checks it too."""
    (tmp_path / "strings").mkdir()
    (tmp_path / "strings" / "de.po").write_text(OVERRIDE_PO, encoding="utf-8")
    failed_order(store, "lena@example.de", billing={"first_name": "Lena", "country": "DE"})
    extra = '[regional]\nquiet_hours = "off"\n[recall]\nstrings_dir = "strings"\n'
    config = write_config(tmp_path, store.url, smtp_port=smtp.port, extra=extra)
    assert cli(["run"], config=config, now=NOW).exit_code == 0
    assert smtp.messages[0].message.get_body(("plain",)).get_content().startswith("Servus Lena,")  # type: ignore[union-attr]
