"""Which catalog a language code reads, the buyer's full locale for formats, and keeping text direction right.

- `catalog_names`: the catalogs to try for a Babel locale, most specific first ("zh_Hant_TW" -> zh_Hant; "pt" and
  "pt_AO" -> pt_PT, European Portuguese, the catalog that was "pt" before Brazil had its own).
- `regional_locale`: the language with the buyer's billing country, for money, dates and numbers (es + MX -> es_MX,
  "$1,190.00" rather than Spain's "1.190,00 MXN"), or the language alone where CLDR has no such pair (de + JP).
- Right-to-left text: a value with left-to-right letters or with digits among other characters (a Latin store name,
  an address, "+49 30 1234") is isolated, as <bdi> in HTML and FSI...PDI in plain text, so the bidi algorithm never
  reorders it or the words and punctuation around it.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from decimal import Decimal
from functools import lru_cache

from babel import Locale, UnknownLocaleError
from babel.core import get_global
from babel.lists import format_list
from babel.numbers import NumberPattern, get_currency_symbol, parse_pattern
from markupsafe import Markup

__all__ = [
    "FSI",
    "PDI",
    "bdi_as_marks",
    "catalog_names",
    "currency_pattern",
    "isolated_html",
    "method_list",
    "regional_locale",
]

FSI, PDI = "\u2068", "\u2069"  # FIRST STRONG ISOLATE ... POP DIRECTIONAL ISOLATE: <bdi> in plain text
# The catalog a language without its own regional one is written in.
DEFAULT_VARIANT = {"pt": "pt_PT", "zh": "zh_Hans"}

# Currencies whose home locale writes them with a bare "$", which a buyer of an international shop reads as US dollars,
# while the country's own shops write the symbol every other locale uses: "NT$" (CLDR zh_Hant gives "$" for TWD).
LETTERED_DOLLAR = frozenset({"TWD"})
# Spanish "y" (and) is "e" before a word that starts with the sound /i/: "e iDEAL", "e Hipercard"; not before
# "hi" or "i" opening a diphthong, which sounds /j/: "y hielo".
_SPANISH_I_SOUND = re.compile(r"h?[iíIÍ](?![aeiouáéíóúAEIOUÁÉÍÓÚ])", re.IGNORECASE)

_ISOLATE = Markup("<bdi>%s</bdi>")
_ISOLATED_RE = re.compile(r"<bdi>.*?</bdi>", re.DOTALL)
_TAG_RE = re.compile(r"<[^>]*>")
_BDI_RE = re.compile(r"<\s*(/?)\s*bdi\s*>", re.IGNORECASE)


def catalog_names(locale: Locale) -> list[str]:
    """The catalogs to look for, most specific first: "pt_BR"; "zh_Hant_TW", "zh_Hant"; "pt_AO", "pt_PT".
    (gettext itself also tries the language alone: "pt_BR" -> "pt", but never "zh_Hant_TW" -> "zh_Hant".)"""
    names = [str(locale)]
    if locale.script and locale.territory:
        names.append(f"{locale.language}_{locale.script}")
    if not locale.script and locale.language in DEFAULT_VARIANT:
        names.append(DEFAULT_VARIANT[locale.language])
    return names


@lru_cache(maxsize=512)
def regional_locale(locale: Locale, country: str) -> Locale:
    """`locale` with the billing country as its region, when CLDR knows that pair; else `locale` itself."""
    region = country.strip().upper()
    if not re.fullmatch(r"[A-Z]{2}", region) or locale.territory == region:
        return locale
    try:
        return Locale(locale.language, territory=region, script=locale.script)
    except (ValueError, UnknownLocaleError):
        return locale


def needs_isolation(value: object) -> bool:
    """Whether a value needs isolating in right-to-left text: it has left-to-right letters (Latin, CJK...) or digits
    among other characters ("+49 30 1234" would show as "1234 30 49+"), not isolated yet. A bare number ("4711", a
    count) reads right as it is; markup counts by its text."""
    text = str(value)
    if isinstance(value, Markup):
        text = _TAG_RE.sub("", _ISOLATED_RE.sub("", text))
    if text.isdigit():
        return False
    return any(unicodedata.bidirectional(char) in ("L", "EN", "AN") for char in text)


def isolated_html(value: object) -> object:
    """`value` in <bdi> (escaped) when it needs isolating, else unchanged."""
    return _ISOLATE % value if needs_isolation(value) else value


def isolated_text(value: object) -> object:
    """`value` between FSI and PDI when it needs isolating, else unchanged."""
    return f"{FSI}{value}{PDI}" if needs_isolation(value) else value


def currency_pattern(amount: Decimal, code: str, locale: Locale) -> NumberPattern | None:
    """The locale's currency pattern where CLDR's default misleads in an email, for `format_currency(format=...)`
    with `currency_digits=False`; None where the default is right.
    - A whole amount in a currency whose cash has no minor unit (CLDR cashDigits 0: TWD, CZK, SEK...) has no
      decimals: "NT$1,190", as shops there write it; an amount with cents keeps them ("NT$1,190.50").
    - A LETTERED_DOLLAR currency is written with the symbol CLDR gives it in English ("NT$"), not a bare "$"."""
    fractions = get_global("currency_fractions")
    digits, _, cash_digits, _ = fractions.get(code, fractions["DEFAULT"])
    drop_decimals = cash_digits == 0 < digits and amount == amount.to_integral_value()
    symbol = get_currency_symbol(code, "en") if code in LETTERED_DOLLAR else ""
    relabel = bool(symbol) and get_currency_symbol(code, locale) == "$" and symbol != "$"
    if not (drop_decimals or relabel):
        return None
    pattern = parse_pattern(locale.currency_formats["standard"].pattern)
    if drop_decimals:
        pattern.frac_prec = (0, 0)
    else:
        pattern.frac_prec = (digits, digits)
    if relabel:
        positive, negative = pattern.prefix
        pattern.prefix = (positive.replace("¤", symbol), negative.replace("¤", symbol))
        positive, negative = pattern.suffix
        pattern.suffix = (positive.replace("¤", symbol), negative.replace("¤", symbol))
    return pattern


def method_list(methods: Sequence[str], locale: Locale, *, rtl: bool) -> str:
    """Payment methods as one phrase ("PayPal and Klarna"); in a right-to-left language each name is isolated on its
    own, so the words and commas between them stay in the sentence's direction. Spanish says "PayPal e iDEAL"."""
    if not methods:
        return ""
    if not rtl:
        joined = format_list(list(methods), locale=locale)
        last = methods[-1]
        if locale.language == "es" and _SPANISH_I_SOUND.match(last) and joined.endswith(f" y {last}"):
            return f"{joined[: -len(last) - 3]} e {last}"
        return joined
    return Markup(format_list([str(isolated_html(method)) for method in methods], locale=locale))


def bdi_as_marks(text: str) -> str:
    """HTML -> plain text: <bdi> and </bdi> become FSI and PDI."""
    return _BDI_RE.sub(lambda match: PDI if match.group(1) else FSI, text)
