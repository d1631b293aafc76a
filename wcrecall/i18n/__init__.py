"""What the owner reads, in the owner's language: `_()` and `n_()` for every sentence the owner sees (terminal,
HTML pages, errors, `--help`, the private order notes), and the owner's number, money and time formats.

Buyer emails are not translated here (render/ and emails/locale/ do that, in the buyer's language).

The rules, for every module that writes owner text:
- Wrap whole sentences with placeholders: `_("Order {number} was paid.").format(number=...)`, never an f-string
  inside `_()` and never a sentence glued from two translated fragments (word order differs by language).
- `n_("{n} order", "{n} orders", n).format(n=...)` where a count decides the wording.
- Never use `_` as a throwaway variable in a module that imports it.
- Machine words stay untranslated: config keys, command names, status slugs, tags parsed back from notes.

Catalogs: every `*.po` file in `wcrecall/i18n/<language>/` is read and merged (one file per part of the product, so
parts are translated independently). English is the source language and needs no catalog. tests/test_owner_language.py
fails when a wrapped message has no translation.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, tzinfo
from decimal import Decimal
from functools import cache
from pathlib import Path

from babel import Locale, dates, numbers
from babel.messages.pofile import read_po

LANGUAGES = ("en", "zh_Hans")
"""The owner languages shipped: English (the source) and Simplified Chinese."""

CATALOG_DIR = Path(__file__).parent

_BABEL_LOCALE = {"en": "en", "zh_Hans": "zh_Hans_CN"}


@dataclass
class _Active:
    language: str = "en"
    timezone: tzinfo = UTC
    messages: Mapping[str | tuple[str, str], str | tuple[str, ...]] = field(default_factory=dict)


_active = _Active()


def normalize(language: str) -> str | None:
    """The shipped owner language a setting or locale name means (`zh`, `zh_CN`, `zh-Hans`, `zh_CN.UTF-8` mean
    zh_Hans; `en_US` means en), or None when it is not one we ship."""
    code = language.split(".")[0].split("@")[0].replace("-", "_").strip()
    lowered = code.lower()
    if lowered in ("zh", "zh_hans", "zh_cn", "zh_sg", "zh_hans_cn", "zh_hans_sg"):
        return "zh_Hans"
    if lowered == "en" or lowered.startswith("en_") or lowered in ("c", "posix"):
        return "en"
    return None


def default_language(environ: Mapping[str, str] | None = None) -> str:
    """The owner language when the config names none: `WCRECALL_OWNER_LANGUAGE`, else the system locale
    (LC_ALL, LC_MESSAGES, LANG), else English."""
    env = os.environ if environ is None else environ
    for name in ("WCRECALL_OWNER_LANGUAGE", "LC_ALL", "LC_MESSAGES", "LANG"):
        value = env.get(name, "")
        if value:
            found = normalize(value)
            if found is not None:
                return found
    return "en"


@cache
def catalog(language: str) -> Mapping[str | tuple[str, str], str | tuple[str, ...]]:
    """Every translated message of `language`, merged from its `*.po` files (empty for English)."""
    merged: dict[str | tuple[str, str], str | tuple[str, ...]] = {}
    folder = CATALOG_DIR / language
    if language == "en" or not folder.is_dir():
        return merged
    for path in sorted(folder.glob("*.po")):
        with path.open("rb") as handle:
            po = read_po(handle, locale=_BABEL_LOCALE.get(language, language))
        for message in po:
            if not message.id or not message.string or message.fuzzy:
                continue
            key = message.id if isinstance(message.id, str) else (message.id[0], message.id[1])
            string = message.string if isinstance(message.string, str) else tuple(message.string)
            if isinstance(string, tuple) and not all(string):
                continue
            merged[key] = string
    return merged


def activate(language: str | None = None, timezone: tzinfo | None = None) -> str:
    """Speak `language` (a shipped owner language; None: the default) from now on, and show times in `timezone`
    (None: keep the current one, UTC at start). Returns the language now active."""
    chosen = default_language() if language is None else (normalize(language) or language)
    if chosen not in LANGUAGES:
        raise ValueError(f"owner.language: {language!r} is not one of {', '.join(LANGUAGES)}")
    _active.language = chosen
    _active.messages = catalog(chosen)
    if timezone is not None:
        _active.timezone = timezone
    return chosen


def language() -> str:
    """The owner language now active."""
    return _active.language


def owner_timezone() -> tzinfo:
    """The time zone owner times are shown in."""
    return _active.timezone


def _(message: str) -> str:
    """`message` in the owner's language (itself in English, or when it has no translation yet)."""
    found = _active.messages.get(message)
    return found if isinstance(found, str) else message


def n_(singular: str, plural: str, n: int) -> str:
    """The singular or plural form for `n`, in the owner's language."""
    found = _active.messages.get((singular, plural))
    if isinstance(found, tuple) and found:
        return found[_plural_index(n, len(found))]
    return singular if n == 1 else plural


def _plural_index(n: int, forms: int) -> int:
    """The form for `n` in the shipped languages: Chinese has one form, English two."""
    return 0 if forms == 1 or n == 1 else 1


def babel_locale() -> Locale:
    """The Babel locale for the owner's number and date formats."""
    return Locale.parse(_BABEL_LOCALE.get(_active.language, "en"))


def fmt_number(value: int | float | Decimal) -> str:
    """A count or amount without currency, grouped the owner's way."""
    return numbers.format_decimal(value, locale=babel_locale())


def fmt_percent(value: float, digits: int = 1) -> str:
    """A share (0.25) as a percentage ("25.0%")."""
    pattern = "#,##0." + "0" * digits + "%" if digits else "#,##0%"
    return numbers.format_percent(value, format=pattern, locale=babel_locale())


def fmt_money(amount: Decimal | float | int, currency: str) -> str:
    """An amount in its currency, with that currency's own decimals (no "7,500.00 JPY")."""
    return numbers.format_currency(amount, currency, locale=babel_locale())


def to_owner_time(moment: datetime) -> datetime:
    """`moment` (aware; naive means UTC) in the owner's time zone."""
    aware = moment if moment.tzinfo else moment.replace(tzinfo=UTC)
    return aware.astimezone(_active.timezone)


def fmt_datetime(moment: datetime) -> str:
    """A moment in the owner's time zone and format, with the zone's abbreviation or offset."""
    local = to_owner_time(moment)
    pattern = "yyyy-MM-dd HH:mm zzz" if _active.language == "en" else "yyyy年M月d日 HH:mm zzz"
    return dates.format_datetime(local, pattern, tzinfo=local.tzinfo, locale=babel_locale())


def fmt_wall_time(moment: datetime, zone: tzinfo) -> str:
    """`moment` as a clock in `zone` shows it (a buyer's local time), in the owner's format, to the minute."""
    pattern = "yyyy-MM-dd HH:mm" if _active.language == "en" else "yyyy年M月d日 HH:mm"
    return dates.format_datetime(moment, pattern, tzinfo=zone, locale=babel_locale())


def fmt_date(day: date | datetime) -> str:
    """A day in the owner's format (a moment is first put in the owner's time zone)."""
    shown = to_owner_time(day).date() if isinstance(day, datetime) else day
    return dates.format_date(shown, "medium", locale=babel_locale())
