"""Where the buyer is and what they read: email language, the buyer's time zone, and quiet hours.

Pure functions over order data: no I/O of our own and no clock reads (Babel, zoneinfo and tzdata read their bundled
data), so `explain` and the tick get the same answer for the same order, and every decision says why in plain words.

- `choose_language` (language.py): the language a multilingual plugin recorded on the order, else the billing
  country's main language (Babel's CLDR data with named overrides), else the store's default, always one that has a
  catalog (`available`).
- `buyer_zone` (zones.py): the IANA zone of the billing address: from tzdata's zone.tab per country, by
  state/province (states.py) where a country has several.
- `outside_quiet_hours` (quiet.py): when a reminder due at `at` may go out, given the quiet window in the buyer's
  local time.
- `format_local_datetime` (zones.py): a moment as the buyer reads it, for `explain` and the emails.
"""

from wcrecall.plan.regional.language import (
    LANGUAGE_META_KEYS,
    SUPPORTED_LANGUAGES,
    LanguageChoice,
    choose_language,
    country_languages,
    normalize_language,
)
from wcrecall.plan.regional.quiet import QuietHours, outside_quiet_hours, parse_quiet_hours
from wcrecall.plan.regional.zones import ZoneChoice, buyer_zone, format_local_datetime

__all__ = [
    "LANGUAGE_META_KEYS",
    "SUPPORTED_LANGUAGES",
    "LanguageChoice",
    "QuietHours",
    "ZoneChoice",
    "buyer_zone",
    "choose_language",
    "country_languages",
    "format_local_datetime",
    "normalize_language",
    "outside_quiet_hours",
    "parse_quiet_hours",
]
