"""Where the buyer is and what they read: email language, the buyer's time zone, and quiet hours.

Pure functions over order data: no I/O of our own and no clock reads (Babel and zoneinfo read their bundled data), so
`explain` and the tick get the same answer for the same order, and every decision says why in plain words.

- `choose_language`: the language a multilingual plugin recorded on the order, else the billing country's main
  language, else the store's default, always one that has a catalog (`available`).
- `buyer_zone`: the IANA zone of the billing address: one per country, by state/province where a country has several.
- `outside_quiet_hours`: when a reminder due at `at` may go out, given the quiet window in the buyer's local time.
- `format_local_datetime`: a moment as the buyer reads it, for `explain` and the emails.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from babel import Locale, UnknownLocaleError
from babel.dates import format_datetime

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

# The languages wcrecall ships catalogs for (emails/locale/<lang>/LC_MESSAGES/wcrecall.mo), spelled as the renderer
# looks them up: it passes str(babel.Locale) to Translations.load, so Simplified Chinese is "zh_Hans", not "zh" or
# "zh-CN" (gettext would only try "zh_Hans_CN" and "zh" for those). English is the msgid text itself: no catalog.
SUPPORTED_LANGUAGES: tuple[str, ...] = ("en", "de", "fr", "es", "it", "nl", "pt", "ja", "zh_Hans", "ar")

# Where multilingual plugins record the language an order was placed in, in the order they are trusted. A store runs
# one of them; the order only matters for a store that switched plugins and has both keys on old orders.
#
# - "wpml_language": WooCommerce Multilingual (WPML). `WCML_Orders::KEY_LANGUAGE = 'wpml_language'`, saved at checkout
#   and by its REST support (`update_post_meta( $order_id, 'wpml_language', $data['lang'] )` in
#   inc/rest-api-support/class-wcml-rest-api-support.php, repository wp-premium/woocommerce-multilingual). Values are
#   WPML codes: "de", "pt-br", "zh-hans".
# - "lang": Polylang for WooCommerce keeps the order language in its own data store (the `language` taxonomy), not in
#   order meta; its REST support (`PLLWC_REST_Order extends PLL_REST_Translated_Object`, which calls
#   `register_rest_field( ..., 'lang', ... )`) adds it to `GET /orders` as the top-level field `lang` (a language slug
#   such as "de"). It is not in `meta_data`: the order parser must copy that field into `Order.meta["lang"]`.
#   Checked in polylang-wc include/rest-order.php (vendored in binhchay1/apkafe) and Polylang Pro's
#   PLL_REST_Translated_Object.
# - "trp_language": TranslatePress. `TRP_Woocommerce_Emails::save_language_on_checkout` (and the Store API variant for
#   the checkout block) store the checkout language as order meta 'trp_language' through
#   `trp_woo_hpos_manipulate_post_meta`, so it is there with and without HPOS. Values are WordPress locales:
#   "de_DE", "pt_BR", "zh_CN", "de_DE_formal". Checked in translatepress-multilingual
#   includes/class-woocommerce-emails.php (vendored in openlab-at-city-tech/openlab). For registered customers
#   TranslatePress itself prefers the user's `trp_language` user meta; wcrecall only sees the order's.
# - "weglot_language": Weglot. `WeglotWP\Third\Woocommerce\WC_Mail_Weglot::save_language` adds post meta
#   'weglot_language' on woocommerce_new_order, only when the order was placed in a translated (not the original)
#   language and only when the site enables the `weglot_wooccommerce_translate_following_mail` filter (read in the
#   public code index; the repository it came from was not identified). Weglot's own codes are mostly ISO 639-1;
#   its codes for Brazilian Portuguese and Traditional Chinese could not be verified here and are not special-cased.
LANGUAGE_META_KEYS: tuple[str, ...] = ("wpml_language", "lang", "trp_language", "weglot_language")

# Old or non-standard language codes seen in WordPress locales and plugin settings.
_LANGUAGE_ALIASES = {
    "iw": "he",  # pre-1989 ISO code for Hebrew, still used by some tools
    "in": "id",  # ditto for Indonesian
    "ji": "yi",
    "jp": "ja",  # a country code, often typed for Japanese
    "ary": "ar",  # WordPress's Moroccan Arabic locale: written Arabic is read by its speakers
}
_TAG_RE = re.compile(r"[A-Za-z]{2,3}(?:[-_][A-Za-z0-9]{1,8})*")
_CHINESE_TRADITIONAL_REGIONS = frozenset({"TW", "HK", "MO"})

# The official or main written languages of each ISO 3166 country, in order of preference: the first one that has a
# catalog wins. Started from CLDR's territory data (babel.languages.get_official_languages, de facto included) and
# changed where a reminder email would otherwise go wrong:
# - BE: Dutch first. About 60 % of Belgians live in Flanders; WooCommerce records no Belgian region to tell them apart,
#   and French is the fallback a Flemish reader is most likely to understand.
# - CH: German, then French, then Italian (by share of speakers; Swiss German is spoken, not written, in shops).
#   The canton refines it, see _STATE_LANGUAGES.
# - MA, DZ, TN, TD: French first: it is the language of online shopping and business mail there; Arabic next.
# - CN, SG: Simplified Chinese; TW, HK, MO: Traditional Chinese, never silently swapped for Simplified.
# - UA: Ukrainian only, IL: Hebrew only: the secondary languages CLDR lists would be a bad fallback for most readers,
#   the store's default is better.
# - MY: English after Malay, widely used in Malaysian e-commerce.
# Scripts other than Chinese are dropped (sr, not sr_Latn): catalogs are looked up by language only.
_COUNTRY_LANGUAGES_TEXT: dict[str, str] = {
    "AD": "ca",
    "AE": "ar",
    "AF": "fa ps",
    "AG": "en",
    "AI": "en",
    "AL": "sq",
    "AM": "hy",
    "AO": "pt",
    "AR": "es",
    "AS": "en sm",
    "AT": "de",
    "AU": "en",
    "AW": "nl pap",
    "AX": "sv",
    "AZ": "az",
    "BA": "bs hr sr",
    "BB": "en",
    "BD": "bn",
    "BE": "nl fr de",
    "BF": "fr",
    "BG": "bg",
    "BH": "ar",
    "BI": "rn fr en",
    "BJ": "fr",
    "BL": "fr",
    "BM": "en",
    "BN": "ms",
    "BO": "es qu ay",
    "BQ": "nl",
    "BR": "pt",
    "BS": "en",
    "BT": "dz",
    "BW": "en tn",
    "BY": "ru be",
    "BZ": "en",
    "CA": "en fr",
    "CC": "en",
    "CD": "fr",
    "CF": "sg fr",
    "CG": "fr",
    "CH": "de fr it",
    "CI": "fr",
    "CK": "en",
    "CL": "es",
    "CM": "fr en",
    "CN": "zh_Hans",
    "CO": "es",
    "CR": "es",
    "CU": "es",
    "CV": "pt",
    "CW": "pap nl",
    "CX": "en",
    "CY": "el tr",
    "CZ": "cs",
    "DE": "de",
    "DJ": "fr ar",
    "DK": "da",
    "DM": "en",
    "DO": "es",
    "DZ": "fr ar",
    "EC": "es qu",
    "EE": "et",
    "EG": "ar",
    "EH": "ar",
    "ER": "ti en ar",
    "ES": "es",
    "ET": "am",
    "FI": "fi sv",
    "FJ": "en hif fj",
    "FK": "en",
    "FM": "en",
    "FO": "fo",
    "FR": "fr",
    "GA": "fr",
    "GB": "en",
    "GD": "en",
    "GE": "ka",
    "GF": "fr",
    "GG": "en",
    "GH": "en",
    "GI": "en",
    "GL": "kl",
    "GM": "en",
    "GN": "fr",
    "GP": "fr",
    "GQ": "es fr pt",
    "GR": "el",
    "GS": "en",
    "GT": "es",
    "GU": "en ch",
    "GW": "pt",
    "GY": "en",
    "HK": "zh_Hant en",
    "HN": "es",
    "HR": "hr",
    "HT": "ht fr",
    "HU": "hu",
    "ID": "id",
    "IE": "en ga",
    "IL": "he",
    "IM": "en gv",
    "IN": "hi en",
    "IO": "en",
    "IQ": "ar",
    "IR": "fa",
    "IS": "is",
    "IT": "it",
    "JE": "en",
    "JM": "en",
    "JO": "ar",
    "JP": "ja",
    "KE": "sw en",
    "KG": "ky ru",
    "KH": "km",
    "KI": "en gil",
    "KM": "ar zdj wni fr",
    "KN": "en",
    "KP": "ko",
    "KR": "ko",
    "KW": "ar",
    "KY": "en",
    "KZ": "ru kk",
    "LA": "lo",
    "LB": "ar",
    "LC": "en",
    "LI": "de",
    "LK": "si ta",
    "LR": "en",
    "LS": "st en",
    "LT": "lt",
    "LU": "fr de lb",
    "LV": "lv",
    "LY": "ar",
    "MA": "fr ar",
    "MC": "fr",
    "MD": "ro",
    "ME": "sr",
    "MF": "fr",
    "MG": "mg fr en",
    "MH": "en mh",
    "MK": "mk",
    "ML": "fr",
    "MM": "my",
    "MN": "mn",
    "MO": "zh_Hant",
    "MP": "en",
    "MQ": "fr",
    "MR": "ar fr",
    "MS": "en",
    "MT": "mt en",
    "MU": "fr en",
    "MV": "dv",
    "MW": "ny en",
    "MX": "es",
    "MY": "ms en",
    "MZ": "pt",
    "NA": "en",
    "NC": "fr",
    "NE": "fr",
    "NF": "en",
    "NG": "en yo",
    "NI": "es",
    "NL": "nl",
    "NO": "nb no nn",
    "NP": "ne",
    "NR": "en na",
    "NU": "niu en",
    "NZ": "en mi",
    "OM": "ar",
    "PA": "es",
    "PE": "es qu",
    "PF": "fr ty",
    "PG": "tpi en ho",
    "PH": "en fil",
    "PK": "ur en",
    "PL": "pl",
    "PM": "fr",
    "PN": "en",
    "PR": "es en",
    "PS": "ar",
    "PT": "pt",
    "PW": "pau en",
    "PY": "es gn",
    "QA": "ar",
    "RE": "fr",
    "RO": "ro",
    "RS": "sr",
    "RU": "ru",
    "RW": "rw en fr",
    "SA": "ar",
    "SB": "en",
    "SC": "fr en",
    "SD": "ar en",
    "SE": "sv",
    "SG": "en zh_Hans ms ta",
    "SH": "en",
    "SI": "sl",
    "SJ": "nb",
    "SK": "sk",
    "SL": "en",
    "SM": "it",
    "SN": "wo fr",
    "SO": "so ar",
    "SR": "nl",
    "SS": "en",
    "ST": "pt",
    "SV": "es",
    "SX": "en nl",
    "SY": "ar",
    "SZ": "en ss",
    "TC": "en",
    "TD": "fr ar",
    "TG": "fr",
    "TH": "th",
    "TJ": "tg",
    "TK": "tkl en",
    "TL": "tet pt",
    "TM": "tk",
    "TN": "fr ar",
    "TO": "to en",
    "TR": "tr",
    "TT": "en",
    "TV": "tvl en",
    "TW": "zh_Hant",
    "TZ": "sw en",
    "UA": "uk",
    "UG": "sw en",
    "UM": "en",
    "US": "en",
    "UY": "es",
    "UZ": "uz",
    "VA": "it",
    "VC": "en",
    "VE": "es",
    "VG": "en",
    "VI": "en",
    "VN": "vi",
    "VU": "bi en fr",
    "WF": "fr",
    "WS": "sm en",
    "YE": "ar",
    "YT": "fr",
    "ZA": "en",
    "ZM": "en",
    "ZW": "sn en nd",
    "XK": "sq sr",
}
_COUNTRY_LANGUAGES: dict[str, tuple[str, ...]] = {c: tuple(v.split()) for c, v in _COUNTRY_LANGUAGES_TEXT.items()}

# Regions whose main language differs from the country's, by WooCommerce state code (i18n/states.php).
_STATE_LANGUAGES: dict[tuple[str, str], tuple[str, ...]] = {
    ("CA", "QC"): ("fr", "en"),  # Quebec: French is the official language and that of ~80 % of its people
    **{("CH", canton): ("fr", "de", "it") for canton in ("GE", "VD", "NE", "JU", "FR", "VS")},  # Romandy
    ("CH", "TI"): ("it", "de", "fr"),  # Ticino
    ("IT", "BZ"): ("de", "it"),  # South Tyrol: German-speaking majority
    ("US", "PR"): ("es", "en"),  # Puerto Rico, when a store files it as a US state rather than as country PR
}

# One zone per country: the only one, or for a country with several the zone of its capital / most people
# (from the tz database's zone.tab). Countries with several zones are refined by state in _STATE_ZONES.
_COUNTRY_ZONES: dict[str, str] = {
    "AD": "Europe/Andorra",
    "AE": "Asia/Dubai",
    "AF": "Asia/Kabul",
    "AG": "America/Antigua",
    "AI": "America/Anguilla",
    "AL": "Europe/Tirane",
    "AM": "Asia/Yerevan",
    "AO": "Africa/Luanda",
    "AR": "America/Argentina/Buenos_Aires",
    "AS": "Pacific/Pago_Pago",
    "AT": "Europe/Vienna",
    "AU": "Australia/Sydney",
    "AW": "America/Aruba",
    "AX": "Europe/Mariehamn",
    "AZ": "Asia/Baku",
    "BA": "Europe/Sarajevo",
    "BB": "America/Barbados",
    "BD": "Asia/Dhaka",
    "BE": "Europe/Brussels",
    "BF": "Africa/Ouagadougou",
    "BG": "Europe/Sofia",
    "BH": "Asia/Bahrain",
    "BI": "Africa/Bujumbura",
    "BJ": "Africa/Porto-Novo",
    "BL": "America/St_Barthelemy",
    "BM": "Atlantic/Bermuda",
    "BN": "Asia/Brunei",
    "BO": "America/La_Paz",
    "BQ": "America/Kralendijk",
    "BR": "America/Sao_Paulo",
    "BS": "America/Nassau",
    "BT": "Asia/Thimphu",
    "BW": "Africa/Gaborone",
    "BY": "Europe/Minsk",
    "BZ": "America/Belize",
    "CA": "America/Toronto",
    "CC": "Indian/Cocos",
    "CD": "Africa/Kinshasa",
    "CF": "Africa/Bangui",
    "CG": "Africa/Brazzaville",
    "CH": "Europe/Zurich",
    "CI": "Africa/Abidjan",
    "CK": "Pacific/Rarotonga",
    "CL": "America/Santiago",
    "CM": "Africa/Douala",
    "CN": "Asia/Shanghai",
    "CO": "America/Bogota",
    "CR": "America/Costa_Rica",
    "CU": "America/Havana",
    "CV": "Atlantic/Cape_Verde",
    "CW": "America/Curacao",
    "CX": "Indian/Christmas",
    "CY": "Asia/Nicosia",
    "CZ": "Europe/Prague",
    "DE": "Europe/Berlin",
    "DJ": "Africa/Djibouti",
    "DK": "Europe/Copenhagen",
    "DM": "America/Dominica",
    "DO": "America/Santo_Domingo",
    "DZ": "Africa/Algiers",
    "EC": "America/Guayaquil",
    "EE": "Europe/Tallinn",
    "EG": "Africa/Cairo",
    "EH": "Africa/El_Aaiun",
    "ER": "Africa/Asmara",
    "ES": "Europe/Madrid",
    "ET": "Africa/Addis_Ababa",
    "FI": "Europe/Helsinki",
    "FJ": "Pacific/Fiji",
    "FK": "Atlantic/Stanley",
    "FM": "Pacific/Pohnpei",
    "FO": "Atlantic/Faroe",
    "FR": "Europe/Paris",
    "GA": "Africa/Libreville",
    "GB": "Europe/London",
    "GD": "America/Grenada",
    "GE": "Asia/Tbilisi",
    "GF": "America/Cayenne",
    "GG": "Europe/Guernsey",
    "GH": "Africa/Accra",
    "GI": "Europe/Gibraltar",
    "GL": "America/Nuuk",
    "GM": "Africa/Banjul",
    "GN": "Africa/Conakry",
    "GP": "America/Guadeloupe",
    "GQ": "Africa/Malabo",
    "GR": "Europe/Athens",
    "GS": "Atlantic/South_Georgia",
    "GT": "America/Guatemala",
    "GU": "Pacific/Guam",
    "GW": "Africa/Bissau",
    "GY": "America/Guyana",
    "HK": "Asia/Hong_Kong",
    "HN": "America/Tegucigalpa",
    "HR": "Europe/Zagreb",
    "HT": "America/Port-au-Prince",
    "HU": "Europe/Budapest",
    "ID": "Asia/Jakarta",
    "IE": "Europe/Dublin",
    "IL": "Asia/Jerusalem",
    "IM": "Europe/Isle_of_Man",
    "IN": "Asia/Kolkata",
    "IO": "Indian/Chagos",
    "IQ": "Asia/Baghdad",
    "IR": "Asia/Tehran",
    "IS": "Atlantic/Reykjavik",
    "IT": "Europe/Rome",
    "JE": "Europe/Jersey",
    "JM": "America/Jamaica",
    "JO": "Asia/Amman",
    "JP": "Asia/Tokyo",
    "KE": "Africa/Nairobi",
    "KG": "Asia/Bishkek",
    "KH": "Asia/Phnom_Penh",
    "KI": "Pacific/Tarawa",
    "KM": "Indian/Comoro",
    "KN": "America/St_Kitts",
    "KP": "Asia/Pyongyang",
    "KR": "Asia/Seoul",
    "KW": "Asia/Kuwait",
    "KY": "America/Cayman",
    "KZ": "Asia/Almaty",
    "LA": "Asia/Vientiane",
    "LB": "Asia/Beirut",
    "LC": "America/St_Lucia",
    "LI": "Europe/Vaduz",
    "LK": "Asia/Colombo",
    "LR": "Africa/Monrovia",
    "LS": "Africa/Maseru",
    "LT": "Europe/Vilnius",
    "LU": "Europe/Luxembourg",
    "LV": "Europe/Riga",
    "LY": "Africa/Tripoli",
    "MA": "Africa/Casablanca",
    "MC": "Europe/Monaco",
    "MD": "Europe/Chisinau",
    "ME": "Europe/Podgorica",
    "MF": "America/Marigot",
    "MG": "Indian/Antananarivo",
    "MH": "Pacific/Majuro",
    "MK": "Europe/Skopje",
    "ML": "Africa/Bamako",
    "MM": "Asia/Yangon",
    "MN": "Asia/Ulaanbaatar",
    "MO": "Asia/Macau",
    "MP": "Pacific/Saipan",
    "MQ": "America/Martinique",
    "MR": "Africa/Nouakchott",
    "MS": "America/Montserrat",
    "MT": "Europe/Malta",
    "MU": "Indian/Mauritius",
    "MV": "Indian/Maldives",
    "MW": "Africa/Blantyre",
    "MX": "America/Mexico_City",
    "MY": "Asia/Kuala_Lumpur",
    "MZ": "Africa/Maputo",
    "NA": "Africa/Windhoek",
    "NC": "Pacific/Noumea",
    "NE": "Africa/Niamey",
    "NF": "Pacific/Norfolk",
    "NG": "Africa/Lagos",
    "NI": "America/Managua",
    "NL": "Europe/Amsterdam",
    "NO": "Europe/Oslo",
    "NP": "Asia/Kathmandu",
    "NR": "Pacific/Nauru",
    "NU": "Pacific/Niue",
    "NZ": "Pacific/Auckland",
    "OM": "Asia/Muscat",
    "PA": "America/Panama",
    "PE": "America/Lima",
    "PF": "Pacific/Tahiti",
    "PG": "Pacific/Port_Moresby",
    "PH": "Asia/Manila",
    "PK": "Asia/Karachi",
    "PL": "Europe/Warsaw",
    "PM": "America/Miquelon",
    "PN": "Pacific/Pitcairn",
    "PR": "America/Puerto_Rico",
    "PS": "Asia/Hebron",
    "PT": "Europe/Lisbon",
    "PW": "Pacific/Palau",
    "PY": "America/Asuncion",
    "QA": "Asia/Qatar",
    "RE": "Indian/Reunion",
    "RO": "Europe/Bucharest",
    "RS": "Europe/Belgrade",
    "RU": "Europe/Moscow",
    "RW": "Africa/Kigali",
    "SA": "Asia/Riyadh",
    "SB": "Pacific/Guadalcanal",
    "SC": "Indian/Mahe",
    "SD": "Africa/Khartoum",
    "SE": "Europe/Stockholm",
    "SG": "Asia/Singapore",
    "SH": "Atlantic/St_Helena",
    "SI": "Europe/Ljubljana",
    "SJ": "Arctic/Longyearbyen",
    "SK": "Europe/Bratislava",
    "SL": "Africa/Freetown",
    "SM": "Europe/San_Marino",
    "SN": "Africa/Dakar",
    "SO": "Africa/Mogadishu",
    "SR": "America/Paramaribo",
    "SS": "Africa/Juba",
    "ST": "Africa/Sao_Tome",
    "SV": "America/El_Salvador",
    "SX": "America/Lower_Princes",
    "SY": "Asia/Damascus",
    "SZ": "Africa/Mbabane",
    "TC": "America/Grand_Turk",
    "TD": "Africa/Ndjamena",
    "TF": "Indian/Kerguelen",
    "TG": "Africa/Lome",
    "TH": "Asia/Bangkok",
    "TJ": "Asia/Dushanbe",
    "TK": "Pacific/Fakaofo",
    "TL": "Asia/Dili",
    "TM": "Asia/Ashgabat",
    "TN": "Africa/Tunis",
    "TO": "Pacific/Tongatapu",
    "TR": "Europe/Istanbul",
    "TT": "America/Port_of_Spain",
    "TV": "Pacific/Funafuti",
    "TW": "Asia/Taipei",
    "TZ": "Africa/Dar_es_Salaam",
    "UA": "Europe/Kyiv",
    "UG": "Africa/Kampala",
    "UM": "Pacific/Wake",
    "US": "America/New_York",
    "UY": "America/Montevideo",
    "UZ": "Asia/Tashkent",
    "VA": "Europe/Vatican",
    "VC": "America/St_Vincent",
    "VE": "America/Caracas",
    "VG": "America/Tortola",
    "VI": "America/St_Thomas",
    "VN": "Asia/Ho_Chi_Minh",
    "VU": "Pacific/Efate",
    "WF": "Pacific/Wallis",
    "WS": "Pacific/Apia",
    "YE": "Asia/Aden",
    "YT": "Indian/Mayotte",
    "ZA": "Africa/Johannesburg",
    "ZM": "Africa/Lusaka",
    "ZW": "Africa/Harare",
    "XK": "Europe/Belgrade",
}

# Countries whose people live in more than one zone, by WooCommerce's state codes (i18n/states.php; "CL-MA" is also
# accepted as "MA"). US, CA, AU, BR, MX and ID list every state WooCommerce knows, so a state missing there is unknown
# and gets the country's zone (that of most of its people); CL and ES list only the regions that differ from it.
# Russia, Kazakhstan, DR Congo and others with several zones have no regions in WooCommerce: they get the country's
# zone, and `why` says so. Argentina's provinces all keep Buenos Aires time, so it has no entry.
_US_EASTERN = "America/New_York"
_US_CENTRAL = "America/Chicago"
_US_MOUNTAIN = "America/Denver"
_US_PACIFIC = "America/Los_Angeles"
_STATE_ZONES: dict[str, dict[str, str]] = {
    # A state split between two zones gets the zone of most of its people (FL, IN, KY, MI, TN: Eastern; KS, NE, ND,
    # SD, TX: Central; ID: Mountain; OR: Pacific).
    "US": {
        "AL": _US_CENTRAL,
        "AK": "America/Anchorage",
        "AZ": "America/Phoenix",
        "AR": _US_CENTRAL,
        "CA": _US_PACIFIC,
        "CO": _US_MOUNTAIN,
        "CT": _US_EASTERN,
        "DE": _US_EASTERN,
        "DC": _US_EASTERN,
        "FL": _US_EASTERN,
        "GA": _US_EASTERN,
        "HI": "Pacific/Honolulu",
        "ID": "America/Boise",
        "IL": _US_CENTRAL,
        "IN": "America/Indiana/Indianapolis",
        "IA": _US_CENTRAL,
        "KS": _US_CENTRAL,
        "KY": "America/Kentucky/Louisville",
        "LA": _US_CENTRAL,
        "ME": _US_EASTERN,
        "MD": _US_EASTERN,
        "MA": _US_EASTERN,
        "MI": "America/Detroit",
        "MN": _US_CENTRAL,
        "MS": _US_CENTRAL,
        "MO": _US_CENTRAL,
        "MT": _US_MOUNTAIN,
        "NE": _US_CENTRAL,
        "NV": _US_PACIFIC,
        "NH": _US_EASTERN,
        "NJ": _US_EASTERN,
        "NM": _US_MOUNTAIN,
        "NY": _US_EASTERN,
        "NC": _US_EASTERN,
        "ND": _US_CENTRAL,
        "OH": _US_EASTERN,
        "OK": _US_CENTRAL,
        "OR": _US_PACIFIC,
        "PA": _US_EASTERN,
        "RI": _US_EASTERN,
        "SC": _US_EASTERN,
        "SD": _US_CENTRAL,
        "TN": _US_CENTRAL,
        "TX": _US_CENTRAL,
        "UT": _US_MOUNTAIN,
        "VT": _US_EASTERN,
        "VA": _US_EASTERN,
        "WA": _US_PACIFIC,
        "WV": _US_EASTERN,
        "WI": _US_CENTRAL,
        "WY": _US_MOUNTAIN,
        # Military post: AA (the Americas), AE (Europe and the Middle East: mostly bases in Germany), AP (Pacific:
        # mostly Japan and Korea). A guess at the typical base, better than the store's own zone.
        "AA": _US_EASTERN,
        "AE": "Europe/Berlin",
        "AP": "Asia/Tokyo",
        # Territories, when a store files them as US states (ISO 3166-2:US) rather than as countries.
        "PR": "America/Puerto_Rico",
        "VI": "America/St_Thomas",
        "GU": "Pacific/Guam",
        "AS": "Pacific/Pago_Pago",
        "MP": "Pacific/Saipan",
        "UM": "Pacific/Wake",
    },
    "CA": {
        "AB": "America/Edmonton",
        "BC": "America/Vancouver",
        "MB": "America/Winnipeg",
        "NB": "America/Moncton",
        "NL": "America/St_Johns",
        "NT": "America/Edmonton",
        "NS": "America/Halifax",
        "NU": "America/Iqaluit",
        "ON": "America/Toronto",
        "PE": "America/Halifax",
        "QC": "America/Toronto",
        "SK": "America/Regina",
        "YT": "America/Whitehorse",
    },
    "AU": {
        "ACT": "Australia/Sydney",
        "NSW": "Australia/Sydney",
        "NT": "Australia/Darwin",
        "QLD": "Australia/Brisbane",
        "SA": "Australia/Adelaide",
        "TAS": "Australia/Hobart",
        "VIC": "Australia/Melbourne",
        "WA": "Australia/Perth",
    },
    "BR": {
        "AC": "America/Rio_Branco",
        "AL": "America/Maceio",
        "AP": "America/Belem",
        "AM": "America/Manaus",
        "BA": "America/Bahia",
        "CE": "America/Fortaleza",
        "DF": "America/Sao_Paulo",
        "ES": "America/Sao_Paulo",
        "GO": "America/Sao_Paulo",
        "MA": "America/Fortaleza",
        "MT": "America/Cuiaba",
        "MS": "America/Campo_Grande",
        "MG": "America/Sao_Paulo",
        "PA": "America/Belem",
        "PB": "America/Fortaleza",
        "PR": "America/Sao_Paulo",
        "PE": "America/Recife",
        "PI": "America/Fortaleza",
        "RJ": "America/Sao_Paulo",
        "RN": "America/Fortaleza",
        "RS": "America/Sao_Paulo",
        "RO": "America/Porto_Velho",
        "RR": "America/Boa_Vista",
        "SC": "America/Sao_Paulo",
        "SP": "America/Sao_Paulo",
        "SE": "America/Maceio",
        "TO": "America/Araguaina",
    },
    # Since 2022 most of Mexico keeps standard time all year; the border strip follows US daylight saving time.
    "MX": {
        "BC": "America/Tijuana",
        "BS": "America/Mazatlan",
        "SI": "America/Mazatlan",
        "NA": "America/Mazatlan",
        "SO": "America/Hermosillo",
        "CH": "America/Chihuahua",
        "QR": "America/Cancun",
        "CM": "America/Merida",
        "YU": "America/Merida",
        "CO": "America/Monterrey",
        "NL": "America/Monterrey",
        "TM": "America/Monterrey",
        "DG": "America/Monterrey",
        **dict.fromkeys(
            (
                "DF",
                "JA",
                "AG",
                "CS",
                "CL",
                "GT",
                "GR",
                "HG",
                "MX",
                "MI",
                "MO",
                "OA",
                "PU",
                "QT",
                "SL",
                "TB",
                "TL",
                "VE",
                "ZA",
            ),
            "America/Mexico_City",
        ),
    },
    "ID": {
        **dict.fromkeys(
            ("AC", "SU", "SB", "RI", "KR", "JA", "SS", "BB", "BE", "LA", "JK", "JB", "BT", "JT", "JI", "YO"),
            "Asia/Jakarta",
        ),
        **dict.fromkeys(("KB", "KT"), "Asia/Pontianak"),
        **dict.fromkeys(("BA", "NB", "NT", "KI", "KS", "KU", "SA", "ST", "SG", "SR", "SN", "GO"), "Asia/Makassar"),
        **dict.fromkeys(("MA", "MU", "PA", "PB"), "Asia/Jayapura"),
    },
    # Aysén and Magallanes keep UTC-3 all year (America/Coyhaique is new in tzdata 2025b: an older tzdata falls back
    # to the country's zone, see _load_zone).
    "CL": {"AI": "America/Coyhaique", "MA": "America/Punta_Arenas"},
    "ES": {"GC": "Atlantic/Canary", "TF": "Atlantic/Canary", "CE": "Africa/Ceuta", "ML": "Africa/Ceuta"},
}

_COMPLETE_STATE_ZONES = frozenset({"US", "CA", "AU", "BR", "MX", "ID"})

# Countries whose zones keep different clocks but that have no state map: the country's zone is that of most people,
# not of all. (Kazakhstan's zones all keep UTC+5 since 2024, Uzbekistan's and Argentina's share one offset too.)
_ZONES_WITHOUT_STATES = frozenset({"RU", "CD", "EC", "PT", "MN", "GL", "FM", "KI", "PF", "PG"})


# --- language ------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class LanguageChoice:
    lang: str  # one of `available`, as spelled there (or the store default as configured)
    why: str  # "order meta wpml_language=de", "billing country DE", "store default"


def normalize_language(tag: str) -> str | None:
    """A language tag or WordPress locale -> the language it names, as catalogs are keyed; None if it is not one.

    "de", "de_DE", "de-DE", "de_DE_formal" -> "de"; "pt-br", "pt_PT" -> "pt"; "zh-hans", "zh_CN", "zh-SG" ->
    "zh_Hans"; "zh_TW", "zh-Hant-HK" -> "zh_Hant". Only Chinese keeps its script: the two are different written
    languages, while regional variants of the others share one catalog.
    """
    raw = tag.strip() if isinstance(tag, str) else ""
    if not raw or len(raw) > 35 or not _TAG_RE.fullmatch(raw):
        return None
    parts = re.split(r"[-_]", raw)
    lang = parts[0].lower()
    lang = _LANGUAGE_ALIASES.get(lang, lang)
    if lang != "zh":
        return lang
    script = next((p.title() for p in parts[1:] if len(p) == 4 and p.isalpha()), None)
    if script not in ("Hans", "Hant"):
        region = next((p.upper() for p in parts[1:] if len(p) == 2), "")
        script = "Hant" if region in _CHINESE_TRADITIONAL_REGIONS else "Hans"
    return f"zh_{script}"


def country_languages(country: str, state: str = "") -> tuple[str, ...]:
    """The languages read in a country (or one of its regions), most widely read first; () if unknown."""
    country = country.strip().upper()
    return _STATE_LANGUAGES.get((country, _state_code(country, state))) or _COUNTRY_LANGUAGES.get(country, ())


def choose_language(
    *,
    meta: Mapping[str, str],
    country: str,
    default: str,
    available: Collection[str] = SUPPORTED_LANGUAGES,
    state: str = "",
) -> LanguageChoice:
    """The language to write to this buyer in: order meta, then billing country (and state), then the store default.

    Only languages in `available` are chosen from meta and country; a plugin's "pl" without a Polish catalog moves
    on to the next source, and `why` says it was skipped.
    """
    catalogs: dict[str, str] = {}
    for name in available:
        key = normalize_language(name)
        if key is not None:
            catalogs.setdefault(key, name)
    skipped: list[str] = []
    for meta_key in LANGUAGE_META_KEYS:
        value = meta.get(meta_key)
        if value is None or not str(value).strip():
            continue
        key = normalize_language(str(value))
        if key is None:
            skipped.append(f"order meta {meta_key} is not a language")
        elif key in catalogs:
            return LanguageChoice(catalogs[key], _with_skipped(f"order meta {meta_key}={value.strip()}", skipped))
        else:
            skipped.append(f"order meta {meta_key}={value.strip()} has no catalog")
    code = country.strip().upper()
    region = _state_code(code, state)
    for key in country_languages(code, region):
        if key in catalogs:
            where = f"billing country {code}, state {region}" if (code, region) in _STATE_LANGUAGES else ""
            return LanguageChoice(catalogs[key], _with_skipped(where or f"billing country {code}", skipped))
    if code:
        skipped.append(f"billing country {code} has no catalog")
    key = normalize_language(default)
    return LanguageChoice(catalogs.get(key, default) if key else default, _with_skipped("store default", skipped))


def _with_skipped(why: str, skipped: list[str]) -> str:
    return f"{why} ({'; '.join(skipped)})" if skipped else why


def _state_code(country: str, state: str) -> str:
    # WooCommerce uses "CL-MA" for some countries and "MA" for most; ISO 3166-2 writes "US-CA". Accept both forms.
    code = state.strip().upper()
    prefix = f"{country}-"
    return code[len(prefix) :] if country and code.startswith(prefix) else code


# --- time zone -----------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ZoneChoice:
    zone: ZoneInfo
    why: str  # "billing country US, state CA", "billing country DE", "unknown billing country 'XX': store zone UTC"


def _load_zone(name: str) -> ZoneInfo | None:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return None  # a zone newer than this machine's tz database (or a garbage name)


def buyer_zone(*, country: str, state: str, fallback: str) -> ZoneChoice:
    """The buyer's time zone from the billing address; `fallback` (the store's zone) for an unknown country.

    Raises ValueError if `fallback` is needed and is not an IANA zone name.
    """
    code = country.strip().upper()
    region = _state_code(code, state)
    by_state = _STATE_ZONES.get(code, {})
    country_zone = _load_zone(_COUNTRY_ZONES[code]) if code in _COUNTRY_ZONES else None
    if region and region in by_state:
        zone = _load_zone(by_state[region])
        if zone is not None:
            return ZoneChoice(zone, f"billing country {code}, state {region}")
    if country_zone is not None:
        if code in _COMPLETE_STATE_ZONES:
            detail = f"unknown state {region}" if region else "no state"
            return ZoneChoice(country_zone, f"billing country {code}, {detail}: most populous zone")
        if code in _ZONES_WITHOUT_STATES:
            return ZoneChoice(
                country_zone, f"billing country {code}: most populous zone (no state data to tell its zones apart)"
            )
        return ZoneChoice(country_zone, f"billing country {code}")
    zone = _load_zone(fallback)
    if zone is None:
        raise ValueError(f"the store time zone {fallback!r} is not an IANA time zone name (e.g. Europe/Berlin)")
    where = f"unknown billing country {code!r}" if code else "no billing country"
    return ZoneChoice(zone, f"{where}: store zone {fallback}")


# --- quiet hours ---------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class QuietHours:
    """A daily window of local wall-clock time in which no reminder is sent; it may cross midnight (21:00-08:00).

    `start` is inside the window, `end` is not. `start == end` means no quiet hours at all.
    """

    start: time
    end: time

    @property
    def enabled(self) -> bool:
        return self.start != self.end

    def contains(self, moment: time) -> bool:
        """True if a local wall-clock time falls inside the window."""
        if not self.enabled:
            return False
        if self.start < self.end:
            return self.start <= moment < self.end
        return moment >= self.start or moment < self.end

    def __str__(self) -> str:
        return f"{self.start:%H:%M}-{self.end:%H:%M}" if self.enabled else "off"


_QUIET_RE = re.compile(r"\s*(\d{1,2}):(\d{2})\s*[-\u2013\u2014]\s*(\d{1,2}):(\d{2})\s*")
_QUIET_OFF = frozenset({"off", "none", "no", "false", "0"})


@lru_cache(maxsize=64)  # asked for every open recall on every tick, from a handful of settings
def parse_quiet_hours(text: str) -> QuietHours:
    """ "21:00-08:00" -> QuietHours(21:00, 08:00); "off" -> no quiet hours. Raises ValueError saying what is wrong."""
    if text.strip().lower() in _QUIET_OFF:
        return QuietHours(time(0), time(0))
    match = _QUIET_RE.fullmatch(text)
    if match is None:
        raise ValueError(f"quiet hours must look like 21:00-08:00 (start-end, 24-hour local time) or off, got {text!r}")
    start_h, start_m, end_h, end_m = (int(g) for g in match.groups())
    for hour, minute in ((start_h, start_m), (end_h, end_m)):
        if hour > 23 or minute > 59:
            raise ValueError(
                f"quiet hours {text.strip()!r}: {hour:02d}:{minute:02d} is not a time of day (00:00-23:59)"
            )
    return QuietHours(time(start_h, start_m), time(end_h, end_m))


def outside_quiet_hours(at: datetime, zone: ZoneInfo, quiet: QuietHours) -> datetime:
    """`at` itself if it is outside the quiet window in `zone`, else the moment the window ends there (aware, UTC).

    The window is wall-clock time, so it follows daylight saving time: 08:00 is 08:00 local on the day of a change.
    An end time that does not exist that day (skipped by the clocks going forward) ends the window when the clocks
    jump past it; one that occurs twice (clocks going back) ends it at the first occurrence after `at`.
    """
    if at.tzinfo is None or at.utcoffset() is None:
        raise ValueError("outside_quiet_hours needs an aware datetime, got a naive one")
    wall = at.astimezone(zone).replace(tzinfo=None)
    if not quiet.contains(wall.time()):
        return at
    end_day: date = wall.date()
    if quiet.start > quiet.end and wall.time() >= quiet.start:
        end_day += timedelta(days=1)  # the evening part of a window that crosses midnight ends tomorrow morning
    return _first_instant_at(datetime.combine(end_day, quiet.end), zone, after=at.astimezone(UTC))


def _wall(instant: datetime, zone: ZoneInfo) -> datetime:
    return instant.astimezone(zone).replace(tzinfo=None)


def _first_instant_at(target: datetime, zone: ZoneInfo, *, after: datetime) -> datetime:
    """The first instant after `after` whose wall-clock time in `zone` is `target`, or the first one past it."""
    candidates = sorted({target.replace(tzinfo=zone, fold=fold).astimezone(UTC) for fold in (0, 1)})
    existing = [instant for instant in candidates if _wall(instant, zone) == target]
    later = [instant for instant in existing if instant > after]
    if later:
        return later[0]
    if existing:
        return existing[-1]
    # `target` falls in a gap. fold=1 read it with the offset after the change and fold=0 with the one before, so
    # the change lies between the two: find the first second whose wall time is at or past `target`.
    low, high = int(candidates[0].timestamp()), int(candidates[-1].timestamp())
    while high - low > 1:
        middle = (low + high) // 2
        if _wall(datetime.fromtimestamp(middle, UTC), zone) >= target:
            high = middle
        else:
            low = middle
    return datetime.fromtimestamp(high, UTC)


# --- display -------------------------------------------------------------------------------------------------------


def _babel_locale(lang: str) -> Locale:
    try:
        return Locale.parse((lang or "en").strip().replace("-", "_"))
    except (ValueError, TypeError, UnknownLocaleError):
        return Locale.parse("en")


def format_local_datetime(at: datetime, zone: ZoneInfo, lang: str) -> str:
    """A moment in the buyer's zone and language, CLDR medium format: "15.01.2026, 11:30:00" for de in Berlin."""
    if at.tzinfo is None or at.utcoffset() is None:
        raise ValueError("format_local_datetime needs an aware datetime, got a naive one")
    return format_datetime(at, format="medium", tzinfo=zone, locale=_babel_locale(lang))
