"""What the reminder templates see and the formats they use: the order, the brand and the pay link as cleaned values,
money and times in the buyer's language (Babel/CLDR), gettext the way Jinja's i18n extension calls it, and the
plain-text part made from the HTML blocks. Everything taken from an order is hostile: see render/renderer.py."""

from __future__ import annotations

import gettext
import html
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal, localcontext
from functools import lru_cache
from typing import Any
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

import jinja2
import jinja2.runtime
from babel import Locale, UnknownLocaleError
from babel.dates import format_date, format_time, get_datetime_format
from babel.numbers import format_currency, format_decimal, is_currency
from markupsafe import Markup

from wcrecall.config.settings import BrandSettings
from wcrecall.model.order import LineItem
from wcrecall.render.locales import (
    bdi_as_marks,
    currency_pattern,
    isolated_html,
    isolated_text,
    regional_locale,
)

DEFAULT_ACCENT = "#2f6fde"

# C0 and C1 controls plus the Unicode line and paragraph separators: anything a mail client or header parser could
# take as a line break. Format characters (ZWJ in emoji, RTL marks) are kept: names need them.
_CONTROL_RE = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029]")
_HEX_COLOUR_RE = re.compile(r"#[0-9a-fA-F]{6}")

# --- values the templates see -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ItemView:
    name: str
    quantity: int


@dataclass(frozen=True)
class OrderView:
    """The order as templates see it: cleaned text, money already formatted, at most MAX_ITEMS items."""

    number: str
    first_name: str
    last_name: str
    name: str  # the name the greeting uses, in the language's order (render/names.py); "" for none
    is_guest: bool
    total: str
    items: tuple[ItemView, ...]
    more_items: int  # line items not listed


@dataclass(frozen=True)
class BrandView:
    store_name: str
    support_email: str
    support_phone: str
    support_phone_href: str  # "tel:+4930..." or "" when the number has no digits
    support_url: str  # "" unless http(s)
    logo_url: str  # "" unless http(s)
    accent_color: str
    accent_text_color: str  # black or white, whichever reads better on the accent colour


def clean(value: object) -> str:
    """One line of text: control characters (CR, LF, NUL, NEL, U+2028...) become spaces; ends trimmed."""
    return _CONTROL_RE.sub(" ", str(value)).strip()


def _http_url(value: str) -> str:
    url = clean(value)
    if " " in url:
        return ""
    parts = urlsplit(url)
    return url if parts.scheme in ("http", "https") and parts.netloc else ""


def _text_colour_on(background: str) -> str:
    red, green, blue = (int(background[i : i + 2], 16) / 255 for i in (1, 3, 5))
    luminance = 0.2126 * red + 0.7152 * green + 0.0722 * blue
    return "#1f2328" if luminance > 0.6 else "#ffffff"


def _brand_view(brand: BrandSettings) -> BrandView:
    accent = brand.accent_color if _HEX_COLOUR_RE.fullmatch(brand.accent_color or "") else DEFAULT_ACCENT
    phone = clean(brand.support_phone)
    dial = re.sub(r"[^0-9+]", "", phone)
    return BrandView(
        store_name=clean(brand.store_name),
        support_email=clean(brand.support_email),
        support_phone=phone,
        support_phone_href=f"tel:{dial}" if re.search(r"\d", dial) else "",
        support_url=_http_url(brand.support_url),
        logo_url=_http_url(brand.logo_url),
        accent_color=accent,
        accent_text_color=_text_colour_on(accent),
    )


def _item_view(item: LineItem) -> ItemView:
    # Product titles are stored by WordPress with entities (`Salt &amp; Pepper`): decode, then escape once on output.
    return ItemView(name=clean(html.unescape(item.name)) or "-", quantity=item.quantity)


# --- languages and money ------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Language:
    tag: str  # BCP 47, for lang="..." and Content-Language
    locale: Locale
    rtl: bool


@lru_cache(maxsize=128)
def _language(lang: str) -> _Language:
    raw = (lang or "en").strip().replace("-", "_")
    try:
        locale = Locale.parse(raw)
    except (ValueError, TypeError, UnknownLocaleError):
        locale = Locale.parse("en")
    return _Language(str(locale).replace("_", "-"), locale, locale.character_order == "right-to-left")


# Babel's is_currency builds the set of every currency code on each call; the answer is CLDR's, the same all run.
_is_currency = lru_cache(maxsize=512)(is_currency)


def format_money(amount: Decimal, currency: str, lang: str, country: str = "") -> str:
    """`48.50 EUR` in de -> "48,50 €" (CLDR, with a no-break space); an unknown or garbage code -> "12.34 XYZ".
    With the billing country, in that country's formats: 1190 MXN in es, MX -> "$1,190.00"."""
    locale = regional_locale(_language(lang).locale, clean(country))
    code = clean(currency).upper()[:10]
    if not amount.is_finite():
        return f"{amount} {code}".strip()
    with localcontext() as context:
        context.prec = 60  # Babel rounds in the current context: the default 28 digits fail on 29-digit amounts
        if re.fullmatch(r"[A-Z]{3}", code) and _is_currency(code):
            try:
                pattern = currency_pattern(amount, code, locale)
                return format_currency(amount, code, pattern, locale, currency_digits=pattern is None)
            except (ValueError, ArithmeticError, LookupError):
                pass  # a code CLDR lists but cannot format: fall through to the plain form
        return f"{format_decimal(amount, format='#,##0.00', locale=locale)} {code}".strip()


class HoldUntil(str):
    """Until when hold stock keeps the order, as the buyer reads it: the text is the whole deadline ("17:40", or
    "27.11.2026, 00:45" on another day), `date` and `time` its parts, so a sentence can place each where its language
    puts them ("jusqu’au 27 nov. 2026 à 00:45"). `date` is "" when the deadline is the buyer's today."""

    __slots__ = ("date", "time")
    date: str
    time: str

    def __new__(cls, text: str, *, date: str = "", time: str = "") -> HoldUntil:
        value = super().__new__(cls, text)
        value.date, value.time = date, time or text
        return value


# The date of a deadline on another day, where CLDR's medium date does not read well inside a sentence. Brazilian
# shops write a deadline as 27/11/2026 (CLDR's medium "27 de nov. de 2026" stacks three "de" around "até ... às").
HOLD_DATE_FORMATS: dict[str, str] = {"pt_BR": "short"}


def format_hold_until(
    deadline: datetime, zone: ZoneInfo | None, now: datetime, lang: str, country: str = ""
) -> HoldUntil:
    """Until when hold stock keeps the order, for the buyer: the time in their zone, language and billing country's
    formats ("17:40", "5:40 p.m." in es, MX), with the date when that is not their today ("27.11.2026, 00:45")."""
    locale = regional_locale(_language(lang).locale, clean(country))
    local = deadline.astimezone(zone or UTC)
    time = format_time(local, format="short", locale=locale)
    if local.date() == now.astimezone(zone or UTC).date():
        return HoldUntil(time)
    width = HOLD_DATE_FORMATS.get(str(locale), HOLD_DATE_FORMATS.get(locale.language, "medium"))
    date = format_date(local, format=width, locale=locale)
    pattern = str(get_datetime_format("medium", locale=locale))  # "{1}, {0}": the date, then the time, in de
    return HoldUntil(pattern.replace("{0}", time).replace("{1}", date), date=date, time=time)


def hold_values(hold_until: str) -> dict[str, str]:
    """The templates' hold variables: `hold_until` (the whole deadline, "" when the order is not held), and for a
    deadline on another day `hold_date` and `hold_time` apart (a plain string is a time today)."""
    date, time = (hold_until.date, hold_until.time) if isinstance(hold_until, HoldUntil) else ("", hold_until)
    return {"hold_until": clean(hold_until), "hold_date": clean(date), "hold_time": clean(time)}


# --- gettext, the way jinja2.ext.i18n calls it with newstyle=True --------------------------------------------------


def _gettext_functions(translations: gettext.NullTranslations, *, rtl: bool = False) -> dict[str, Callable[..., str]]:
    """Per-language gettext callables, passed in each render's context (one compiled template serves every language).

    Newstyle semantics: the translated string is markup in an autoescaped template and the variables are escaped
    into it with `%`, exactly as Jinja's own newstyle gettext does. In a right-to-left language the values that need
    it are isolated (<bdi>, or FSI...PDI in text: render/locales.py).
    """

    def finish(ctx: jinja2.runtime.Context, text: str, variables: dict[str, Any]) -> str:
        out: str = Markup(text) if ctx.eval_ctx.autoescape else text
        if rtl:
            isolate = isolated_html if ctx.eval_ctx.autoescape else isolated_text
            variables = {key: isolate(value) for key, value in variables.items()}
        return out % variables

    @jinja2.pass_context
    def gettext_(ctx: jinja2.runtime.Context, message: str, **variables: Any) -> str:
        return finish(ctx, translations.gettext(message), variables)

    @jinja2.pass_context
    def ngettext_(ctx: jinja2.runtime.Context, singular: str, plural: str, num: int, **variables: Any) -> str:
        variables.setdefault("num", num)
        return finish(ctx, translations.ngettext(singular, plural, num), variables)

    @jinja2.pass_context
    def pgettext_(ctx: jinja2.runtime.Context, context: str, message: str, **variables: Any) -> str:
        return finish(ctx, translations.pgettext(context, message), variables)

    @jinja2.pass_context
    def npgettext_(
        ctx: jinja2.runtime.Context, context: str, singular: str, plural: str, num: int, **variables: Any
    ) -> str:
        variables.setdefault("num", num)
        return finish(ctx, translations.npgettext(context, singular, plural, num), variables)

    return {"gettext": gettext_, "_": gettext_, "ngettext": ngettext_, "pgettext": pgettext_, "npgettext": npgettext_}


# --- HTML fragment -> plain text -----------------------------------------------------------------------------------

_COMMENT_RE = re.compile(r"<!--.*?-->", re.DOTALL)
_LINK_RE = re.compile(
    r"""<a\b[^>]*?\bhref\s*=\s*(?:"([^"]*)"|'([^']*)')[^>]*>(.*?)</a\s*>""", re.IGNORECASE | re.DOTALL
)
_BREAK_RE = re.compile(r"<\s*br\b[^>]*>", re.IGNORECASE)
_BLOCK_END_RE = re.compile(r"</\s*(?:p|div|li|tr|h[1-6]|ul|ol|table|mj-text|mj-button|mj-table)\s*>", re.IGNORECASE)
_TAG_RE = re.compile(r"<[^>]*>")
# HTML collapses ASCII whitespace only: a no-break space (CLDR puts one in "48,50 €") is text and stays.
_HTML_SPACE_RE = re.compile(r"[ \t\n\r\f]+")


def _link_as_text(match: re.Match[str]) -> str:
    href = html.unescape(match.group(1) if match.group(1) is not None else match.group(2) or "")
    label = match.group(3)
    shown = html.unescape(_TAG_RE.sub("", label)).strip()
    if href.startswith(("mailto:", "tel:")) or not href or href in shown:
        return label  # the address or number is the label itself; a tel: href is only its digits
    return f"{label} ({html.escape(href)})"


def html_to_text(fragment: str) -> str:
    """An autoescaped HTML fragment -> plain text: paragraphs become blank lines, links show their target.

    Only template markup can be a tag here: values were escaped, so `&lt;script&gt;` from an order comes out as the
    literal text `<script>`, never as a tag that is stripped or kept.
    """
    if "<" not in fragment:  # most blocks are a sentence without a tag: only spaces and entities to handle
        return _tidy_text(html.unescape(_HTML_SPACE_RE.sub(" ", fragment)))
    return _markup_to_text(fragment)


def _markup_to_text(fragment: str) -> str:
    """`html_to_text` of a fragment with tags (or anything: without a tag each step but two changes nothing)."""
    text = _COMMENT_RE.sub("", fragment)
    text = _HTML_SPACE_RE.sub(" ", text)  # source line breaks are not text line breaks
    text = _LINK_RE.sub(_link_as_text, text)
    text = _BREAK_RE.sub("\n", text)
    text = bdi_as_marks(text)
    text = _BLOCK_END_RE.sub("\n\n", text)
    text = html.unescape(_TAG_RE.sub("", text))
    return _tidy_text(text)


_TEXT_SPACE_RE = re.compile(r"[ \t]+")
_LINE_END_SPACE_RE = re.compile(r" ?\n ?")
_BLANK_LINES_RE = re.compile(r"\n{3,}")


def _tidy_text(text: str) -> str:
    """Each line's runs of spaces and tabs become one space and its ends are trimmed; runs of blank lines become
    one; no blank line first or last. CR LF and CR are line ends. Done on the whole text at once: after the runs
    are one space, a line's ends are the spaces beside a line break and the text's own two ends."""
    # Each step only where there is something for it to do: a search for a short string is far cheaper than a regex.
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    if "\t" in text or "  " in text:
        text = _TEXT_SPACE_RE.sub(" ", text)
    if " \n" in text or "\n " in text:
        text = _LINE_END_SPACE_RE.sub("\n", text)
    text = text.strip(" ")
    if "\n\n\n" in text:
        text = _BLANK_LINES_RE.sub("\n\n", text)
    return text.strip("\n")


def _one_line(markup: str) -> str:
    # striptags() also unescapes: values were escaped on the way in, so the subject gets them back as plain text.
    return _HTML_SPACE_RE.sub(" ", clean(Markup(markup).striptags())).strip()
