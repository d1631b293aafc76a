"""The shipped translations: complete, compiled, placeholder-safe, and actually used by the renderer."""

from __future__ import annotations

import gettext
import io
import re
import subprocess
import sys
from datetime import UTC, datetime
from decimal import Decimal
from html.parser import HTMLParser
from pathlib import Path

import pytest
from babel import Locale
from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.mofile import write_mo
from babel.messages.plurals import get_plural
from babel.messages.pofile import read_po

from wcrecall.config.settings import BrandSettings
from wcrecall.model.order import LineItem, Order
from wcrecall.plan.regional import SUPPORTED_LANGUAGES, choose_language
from wcrecall.render.renderer import MAX_ITEMS, RenderedEmail, Renderer

ROOT = Path(__file__).resolve().parent.parent
EMAILS = ROOT / "emails"
LOCALE = EMAILS / "locale"
# The shipped catalogs (English has none: the msgids are its text).
TRANSLATED = sorted(p.parent.parent.name for p in LOCALE.glob("*/LC_MESSAGES/wcrecall.po"))
PAY_URL = "https://shop.example.com/checkout/order-pay/4711/?pay_for_order=true&key=wc_order_Xy12"
BRAND = BrandSettings(store_name="Example Shop", support_email="help@shop.example.com", support_phone="+49 30 1234")
PLACEHOLDER_RE = re.compile(r"%\((\w+)\)s")

# Letters that only the language itself writes: an untranslated (English) email has none of them.
SCRIPT = {
    "de": re.compile(r"[äöüß]|Bestellung|Zahlung"),
    "fr": re.compile(r"[éèàç]|commande|paiement"),
    "es": re.compile(r"[ñáéíóú¿]|pedido|pago"),
    "it": re.compile(r"[àèìòù]|ordine|pagamento"),
    "nl": re.compile(r"bestelling|betaling"),
    "pt_BR": re.compile(r"[ãõçáéê]|pedido|pagamento"),
    "pt_PT": re.compile(r"[ãõçáéê]|pedido|pagamento"),
    "ja": re.compile(r"[\u3040-\u30ff]"),  # hiragana and katakana
    "zh_Hans": re.compile(r"[\u4e00-\u9fff]"),
    "zh_Hant": re.compile(r"[\u4e00-\u9fff]"),
    "ar": re.compile(r"[\u0600-\u06ff]"),
}


def po_path(lang: str) -> Path:
    return LOCALE / lang / "LC_MESSAGES" / "wcrecall.po"


def load_po(lang: str) -> Catalog:
    with po_path(lang).open("rb") as handle:
        return read_po(handle, locale=lang)


def template_msgids() -> set[str | tuple[str, ...]]:
    """Every msgid of the templates, extracted the way emails/babel.cfg says (jinja2, i18n extension, trimmed)."""
    with (EMAILS / "babel.cfg").open(encoding="utf-8") as handle:
        method_map, options_map = parse_mapping_cfg(handle)  # type: ignore[no-untyped-call]
    found = extract_from_dir(str(EMAILS), method_map=method_map, options_map=options_map)
    return {message if isinstance(message, str) else tuple(message) for _f, _l, message, _c, _x in found}


def translations(message_string: str | tuple[str, ...] | list[str] | None) -> list[str]:
    if message_string is None:
        return []
    return [message_string] if isinstance(message_string, str) else list(message_string)


def make_order(**changes: object) -> Order:
    moment = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)
    values: dict[str, object] = {
        "id": 4711,
        "number": "4711",
        "status": "failed",
        "currency": "EUR",
        "total": Decimal("48.50"),
        "customer_id": 12,
        "email": "jane@example.com",
        "first_name": "Jane",
        "last_name": "Doe",
        "country": "DE",
        "state": "",
        "payment_method": "stripe",
        "payment_method_title": "Credit card",
        "created_via": "checkout",
        "cart_hash": "abc",
        "customer_ip": "203.0.113.9",
        "date_created": moment,
        "date_modified": moment,
        "date_paid": None,
        "needs_payment": True,
        "payment_url": PAY_URL,
        "line_items": (LineItem("Blue T-shirt", 2, Decimal("30.00")), LineItem("Mug", 1, Decimal("18.50"))),
    }
    values.update(changes)
    return Order(**values)  # type: ignore[arg-type]


@pytest.fixture(scope="module")
def renderer() -> Renderer:
    return Renderer(brand=BRAND)


def render(renderer: Renderer, lang: str, order: Order | None = None, **kw: object) -> RenderedEmail:
    args: dict[str, object] = {"step": 1, "total_steps": 3, "kind": "failed", "pay_url": PAY_URL, "lang": lang}
    args.update(kw)
    return renderer.render(order=order or make_order(), **args)  # type: ignore[arg-type]


class Root(HTMLParser):
    """The <html> element's attributes and the visible text of an email."""

    def __init__(self, source: str) -> None:
        super().__init__(convert_charrefs=True)
        self.attrs: dict[str, str | None] = {}
        self.texts: list[str] = []
        self._hidden = 0
        self.feed(source)
        self.text = re.sub(r"[ \t\n\r\f]+", " ", " ".join(self.texts)).strip()  # HTML whitespace; NBSP stays

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "html":
            self.attrs = dict(attrs)
        elif tag in ("style", "title"):
            self._hidden += 1

    def handle_endtag(self, tag: str) -> None:
        if tag in ("style", "title"):
            self._hidden -= 1

    def handle_data(self, data: str) -> None:
        if not self._hidden:
            self.texts.append(data)


# --- the catalogs --------------------------------------------------------------------------------------------------


def test_every_catalog_folder_has_its_po_and_mo() -> None:
    """One .po and one .mo per translated language, in the folder the renderer searches, and nothing else."""
    shipped = sorted(p.name for p in LOCALE.iterdir() if p.is_dir())
    assert shipped == TRANSLATED
    for lang in TRANSLATED:
        assert po_path(lang).is_file() and po_path(lang).with_suffix(".mo").is_file()


@pytest.mark.parametrize("lang", [lang for lang in SUPPORTED_LANGUAGES if lang != "en"])
def test_every_language_the_choice_can_pick_renders_translated(renderer: Renderer, lang: str) -> None:
    """Whatever choose_language may answer ("pt" included, which is European Portuguese), the renderer finds a
    catalog for it: nothing the choice picks falls back to English."""
    assert render(renderer, lang).subject != render(renderer, "en").subject


@pytest.mark.parametrize(("lang", "catalog"), [("pt", "pt_PT"), ("pt-PT", "pt_PT"), ("pt-BR", "pt_BR"),
                                               ("zh-Hant", "zh_Hant"), ("zh_TW", "zh_Hant"), ("zh-HK", "zh_Hant"),
                                               ("zh", "zh_Hans"), ("pt_AO", "pt_PT"), ("es-MX", "es")])  # fmt: skip
def test_regional_codes_find_their_catalog(renderer: Renderer, lang: str, catalog: str) -> None:
    """A language code with a region or script renders with the catalog written for it."""
    assert render(renderer, lang).subject == render(renderer, catalog).subject


@pytest.mark.parametrize("lang", TRANSLATED)
def test_every_catalog_compiles_without_errors(lang: str) -> None:
    """Babel's checks (python-format placeholders, plural count) pass and the catalog compiles to a .mo."""
    catalog = load_po(lang)
    problems = [(message.id, [str(e) for e in errors]) for message, errors in catalog.check()]
    assert problems == []
    buffer = io.BytesIO()
    write_mo(buffer, catalog)
    compiled = gettext.GNUTranslations(io.BytesIO(buffer.getvalue()))
    entry = catalog.get("Pay for your order")
    assert entry is not None and compiled.gettext("Pay for your order") == entry.string


@pytest.mark.parametrize("lang", TRANSLATED)
def test_shipped_mo_is_compiled_from_the_current_po(lang: str) -> None:
    """The .mo the renderer loads says exactly what the .po says (run `python tools/i18n.py compile` after edits)."""
    buffer = io.BytesIO()
    write_mo(buffer, load_po(lang))
    fresh = gettext.GNUTranslations(io.BytesIO(buffer.getvalue()))
    with po_path(lang).with_suffix(".mo").open("rb") as handle:
        shipped = gettext.GNUTranslations(handle)
    fresh_messages = {k: v for k, v in fresh._catalog.items() if k != ""}  # type: ignore[attr-defined]
    shipped_messages = {k: v for k, v in shipped._catalog.items() if k != ""}  # type: ignore[attr-defined]
    assert shipped_messages == fresh_messages


@pytest.mark.parametrize("lang", TRANSLATED)
def test_catalogs_have_no_fuzzy_or_empty_translations(lang: str) -> None:
    """Every entry is translated and reviewed: pybabel compile would silently drop fuzzy ones."""
    catalog = load_po(lang)
    assert not catalog.fuzzy
    for message in catalog:
        if not message.id:
            continue
        assert not message.fuzzy, message.id
        assert all(text.strip() for text in translations(message.string)), message.id


@pytest.mark.parametrize("lang", TRANSLATED)
def test_catalog_header_names_the_language_and_babels_plural_forms(lang: str) -> None:
    """Language and Plural-Forms are what Babel derives from CLDR for that language."""
    catalog = load_po(lang)
    assert str(catalog.locale) == lang
    plural = get_plural(Locale.parse(lang))
    assert catalog.num_plurals == plural.num_plurals and catalog.plural_expr == plural.plural_expr
    for message in catalog:
        if message.id and message.pluralizable:
            assert len(translations(message.string)) == plural.num_plurals, message.id


@pytest.mark.parametrize("lang", TRANSLATED)
def test_placeholders_are_preserved_in_every_translation(lang: str) -> None:
    """Each %(name)s of the msgid is in the translation, none is invented, and no stray % breaks formatting.

    Plural forms other than the last may leave out %(count)s (Arabic says "one more item" in words); the last,
    general form keeps it.
    """
    for message in load_po(lang):
        if not message.id:
            continue
        ids = translations(message.id)
        wanted = set(PLACEHOLDER_RE.findall(ids[-1]))
        forms = translations(message.string)
        for index, text in enumerate(forms):
            found = set(PLACEHOLDER_RE.findall(text))
            may_drop = {"count"} if message.pluralizable and index < len(forms) - 1 else set()
            assert found <= wanted, (message.id, text)
            assert wanted - found <= may_drop, (message.id, text)
            assert PLACEHOLDER_RE.sub("", text).count("%") == 0, (message.id, text)
            assert text % dict.fromkeys(wanted, "X")  # what the renderer does with every translated string


@pytest.mark.parametrize("lang", TRANSLATED)
def test_translations_carry_no_markup(lang: str) -> None:
    """Translations are inserted into the HTML as markup: they must not bring tags or entities of their own."""
    for message in load_po(lang):
        for text in translations(message.string) if message.id else []:
            assert not re.search(r"[<>&]", text), (message.id, text)


@pytest.mark.parametrize("lang", TRANSLATED)
def test_every_template_msgid_is_in_every_catalog(lang: str) -> None:
    """The catalogs match the templates exactly: nothing missing, nothing obsolete."""
    ids = {message.id if isinstance(message.id, str) else tuple(message.id) for message in load_po(lang) if message.id}
    assert ids == template_msgids()


def test_template_pot_matches_the_templates() -> None:
    """emails/locale/wcrecall.pot is current (run `python tools/i18n.py extract` after changing wording)."""
    with (LOCALE / "wcrecall.pot").open("rb") as handle:
        template = read_po(handle)
    assert {m.id if isinstance(m.id, str) else tuple(m.id) for m in template if m.id} == template_msgids()


def test_i18n_tool_check_finds_the_catalogs_up_to_date() -> None:
    """`python tools/i18n.py check` (pybabel update --check) agrees that no catalog needs updating."""
    result = subprocess.run(
        [sys.executable, str(ROOT / "tools" / "i18n.py"), "check"],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr


# --- the renderer uses them ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("lang", TRANSLATED)
def test_every_step_and_kind_is_translated_in_every_language(renderer: Renderer, lang: str) -> None:
    """Subject, preheader and body differ from English and are written in the language's own words or script."""
    items = tuple(LineItem(f"Item {i}", 1, Decimal(1)) for i in range(MAX_ITEMS + 2))
    for step in (1, 2, 3):
        for kind in ("failed", "pending"):
            english = render(renderer, "en", make_order(line_items=items), step=step, kind=kind)
            email = render(renderer, lang, make_order(line_items=items), step=step, kind=kind)
            assert email.subject != english.subject and email.preheader != english.preheader
            assert SCRIPT[lang].search(email.subject) and SCRIPT[lang].search(email.text)
            assert "4711" in email.subject and PAY_URL in email.text
            assert "Example Shop" in email.text and "help@shop.example.com" in email.text
            assert len(email.subject) <= 70 and "!" not in email.subject


def test_german_step_one_is_german_with_euro_formatting(renderer: Renderer) -> None:
    """A German buyer reads German wording ("Sie"), a German greeting and "48,50 €"."""
    email = render(renderer, "de")
    page = Root(email.html)
    assert email.lang == "de" and page.attrs.get("lang") == "de-DE" and page.attrs.get("dir") == "ltr"
    assert email.subject == "Ihre Zahlung für Bestellung Nr. 4711 ist fehlgeschlagen"
    assert (
        "Hallo Jane," in email.text and "vielen Dank für Ihre Bestellung Nr. 4711 bei Example Shop." in email.text
    )  # lower case after "Hallo Jane,"
    assert "geklappt" not in email.text and "Leider konnte Ihre Zahlung nicht abgeschlossen werden" in email.text
    assert "Bestellung bezahlen" in page.text
    assert "Gesamtsumme: 48,50\xa0€" in email.text and "48,50\xa0€" in page.text


def test_arabic_render_is_right_to_left_and_arabic(renderer: Renderer) -> None:
    """An Arabic email has dir="rtl", right-aligned text and Arabic wording, in both parts."""
    email = render(renderer, "ar", make_order(currency="SAR"))
    page = Root(email.html)
    assert page.attrs.get("lang") == "ar" and page.attrs.get("dir") == "rtl"
    assert "text-align:right" in email.html
    assert "مرحبًا \u2068Jane\u2069،" in email.text and "إتمام الدفع" in page.text
    assert SCRIPT["ar"].search(email.subject) and "48.50" in email.text


def test_japanese_render_is_japanese(renderer: Renderer) -> None:
    """A Japanese email greets with 様, uses polite wording and yen without decimals."""
    email = render(renderer, "ja", make_order(currency="JPY", total=Decimal(3500)))
    assert email.lang == "ja" and "Jane Doe 様" in email.text
    assert "ご注文番号 4711" in email.subject and "お支払いに進む" in email.text
    assert "3,500" in email.text and ("￥3,500" in email.text or "¥3,500" in email.text)


def test_simplified_chinese_is_found_under_the_tag_choose_language_returns(renderer: Renderer) -> None:
    """choose_language says "zh_Hans" for a zh_CN order; the renderer finds the zh_Hans catalog with that tag."""
    lang = choose_language(meta={"trp_language": "zh_CN"}, country="CN", default="en").lang
    email = render(renderer, lang, make_order(currency="CNY"))
    assert email.lang == "zh-Hans" and SCRIPT["zh_Hans"].search(email.text) and "¥48.50" in email.text


@pytest.mark.parametrize(
    ("count", "phrase"),
    [(1, "ومنتج واحد آخر"), (2, "ومنتجان آخران"), (5, "و5 منتجات أخرى"), (11, "و11 منتجًا آخر"), (100, "و100 منتج آخر")],
)
def test_arabic_plural_forms_follow_the_count(renderer: Renderer, count: int, phrase: str) -> None:
    """Arabic has six plural forms; the "more items" line uses the right one."""
    items = tuple(LineItem(f"Item {i}", 1, Decimal(1)) for i in range(MAX_ITEMS + count))
    assert phrase in render(renderer, "ar", make_order(line_items=items)).text


def test_owner_catalog_overrides_a_shipped_translation(tmp_path: Path) -> None:
    """An owner's catalog in locale_dirs wins for the strings it has; the shipped one fills in the rest."""
    catalog = Catalog(locale="de", domain="wcrecall")
    catalog.add("Pay for your order", "Jetzt sicher bezahlen")
    target = tmp_path / "de" / "LC_MESSAGES"
    target.mkdir(parents=True)
    with (target / "wcrecall.mo").open("wb") as handle:
        write_mo(handle, catalog)
    email = render(Renderer(brand=BRAND, locale_dirs=[tmp_path]), "de")
    assert "Jetzt sicher bezahlen" in email.text and "Hallo Jane," in email.text


def test_english_has_no_catalog_and_stays_the_msgid_text(renderer: Renderer) -> None:
    """The English wording is the templates' own; the golden files in test_render guard it."""
    assert not (LOCALE / "en").exists()
    assert render(renderer, "en").subject == "Your payment for order #4711 didn't go through"
