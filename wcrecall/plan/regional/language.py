"""The language to write to a buyer in, from the strongest signal to the weakest, always one that has a catalog:

1. the order's site language meta: the language a multilingual plugin recorded the order in (LANGUAGE_META_KEYS);
2. the billing country's languages (Babel's CLDR territory data, with named overrides), unless the buyer's name is
   written only in a script that language is not written in: a buyer in the Gulf named "John Smith" most likely
   does not read Arabic (NAME_SCRIPTS);
3. the store's language (WordPress's site language, `GET /system_status` environment.language): the language the
   buyer saw at checkout on a store without a multilingual plugin;
4. the store default (`regional.default_language`).

The buyer's account locale (the WordPress user's `locale`) is not a signal here: WooCommerce keeps it out of the
REST customer (`locale` is one of WC_Customer_Data_Store's internal meta keys, and the customer schema has no such
field), and WordPress's own users route does not take a WooCommerce key.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from types import MappingProxyType

from babel.languages import get_official_languages

from wcrecall.i18n import _
from wcrecall.model.order import Order
from wcrecall.plan.regional.states import STATE_LANGUAGES

__all__ = [
    "LANGUAGE_META_KEYS",
    "LANGUAGE_OVERRIDES",
    "SUPPORTED_LANGUAGES",
    "LanguageChoice",
    "babel_languages",
    "choose_language",
    "country_languages",
    "needs_store_language",
    "order_language",
    "order_needs_store_language",
    "reported_language",
    "normalize_language",
    "state_code",
]


def _shipped_catalogs() -> tuple[str, ...]:
    """English (the msgid text itself, no catalog) and every language emails/locale ships a compiled catalog for."""
    locale = resources.files("wcrecall.emails").joinpath("locale")
    found = sorted(
        entry.name
        for entry in locale.iterdir()
        if entry.is_dir() and entry.joinpath("LC_MESSAGES", "wcrecall.mo").is_file()
    )
    return ("en", *(name for name in found if name != "en"))


# The languages wcrecall ships catalogs for (emails/locale/<lang>/LC_MESSAGES/wcrecall.mo), spelled as the renderer
# looks them up: it passes str(babel.Locale) to Translations.load, so Simplified Chinese is "zh_Hans" and Brazilian
# Portuguese "pt_BR". Read from the folder, so a catalog added there is chosen without another list to update.
SUPPORTED_LANGUAGES: tuple[str, ...] = _shipped_catalogs()

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

# Where CLDR's answer (official and de facto languages, most spoken first) is wrong for a shop's email.
LANGUAGE_OVERRIDES: dict[str, tuple[str, ...]] = {
    # French first where it is the language of online shopping and business mail; Arabic next.
    "DZ": ("fr", "ar"),
    "MA": ("fr", "ar"),
    "TD": ("fr", "ar"),
    "TN": ("fr", "ar"),
    "MR": ("ar", "fr"),  # CLDR lists Arabic only; French is the second written language of business
    "SD": ("ar", "en"),  # CLDR puts English first; Arabic is what most Sudanese read
    "IL": ("he",),  # CLDR adds Arabic; for most buyers the store's default is the better second choice
    "UA": ("uk",),  # CLDR adds Russian as de facto: never a fallback a Ukrainian buyer should get
    "MO": ("zh_Hant", "en"),  # CLDR adds Portuguese, read by few; English is the shops' second language
    "MY": ("ms", "en"),  # CLDR lists Malay only; English is widely used in Malaysian e-commerce
}

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

# Catalogs to try for a language, best first, when only some of its written variants ship. Brazilian and European
# Portuguese read each other's text; Traditional Chinese readers are never given Simplified (English or the store
# default instead, unless a zh_Hant catalog exists).
_FALLBACKS: dict[str, tuple[str, ...]] = {
    "pt_BR": ("pt_BR", "pt", "pt_PT"),
    "pt_PT": ("pt_PT", "pt", "pt_BR"),
    "pt": ("pt", "pt_PT", "pt_BR"),
}


# The scripts a language is written in, as the first word of Unicode character names; every other language is written
# in Latin script. A name with letters but none in these scripts does not fit the language (Japanese names are
# written in kanji or kana; a Japanese buyer who types "Haruto Sato" chose Latin letters on this store).
NAME_SCRIPTS: dict[str, frozenset[str]] = {
    "ar": frozenset({"ARABIC"}),
    "fa": frozenset({"ARABIC"}),
    "ur": frozenset({"ARABIC"}),
    "he": frozenset({"HEBREW"}),
    "ja": frozenset({"CJK", "HIRAGANA", "KATAKANA"}),
    "zh_Hans": frozenset({"CJK"}),
    "zh_Hant": frozenset({"CJK"}),
    "ko": frozenset({"HANGUL", "CJK"}),
    "ru": frozenset({"CYRILLIC"}),
    "uk": frozenset({"CYRILLIC"}),
    "bg": frozenset({"CYRILLIC"}),
    "el": frozenset({"GREEK"}),
    "th": frozenset({"THAI"}),
}
_LATIN = frozenset({"LATIN"})


@dataclass(frozen=True)
class LanguageChoice:
    lang: str  # one of `available`, as spelled there (or the store default as configured)
    why: str  # for the owner: "order's site language meta wpml_language=de", "billing country DE", "store default"


def normalize_language(tag: str) -> str | None:
    """A language tag or WordPress locale -> the language it names, as catalogs are keyed; None if it is not one.

    "de", "de_DE", "de-DE", "de_DE_formal" -> "de"; "pt-br" -> "pt_BR"; "pt_PT", "pt_AO" -> "pt_PT"; "pt" -> "pt";
    "zh-hans", "zh_CN", "zh-SG" -> "zh_Hans"; "zh_TW", "zh-Hant-HK" -> "zh_Hant". Only Chinese keeps its script and
    Portuguese its variant (Brazil or elsewhere): those are written differently, while regional variants of the other
    languages share one catalog.
    """
    return _normalized_language(tag.strip()) if isinstance(tag, str) else None


@lru_cache(maxsize=1024)  # a pure function of the text; a run asks for the same few tags for every order
def _normalized_language(raw: str) -> str | None:
    if not raw or len(raw) > 35 or not _TAG_RE.fullmatch(raw):
        return None
    parts = re.split(r"[-_]", raw)
    lang = parts[0].lower()
    lang = _LANGUAGE_ALIASES.get(lang, lang)
    region = next((p.upper() for p in parts[1:] if len(p) == 2 and p.isalpha()), "")
    if lang == "pt":
        return "pt" if not region else ("pt_BR" if region == "BR" else "pt_PT")
    if lang != "zh":
        return lang
    script = next((p.title() for p in parts[1:] if len(p) == 4 and p.isalpha()), None)
    if script not in ("Hans", "Hant"):
        script = "Hant" if region in _CHINESE_TRADITIONAL_REGIONS else "Hans"
    return f"zh_{script}"


@lru_cache(maxsize=512)
def babel_languages(country: str) -> tuple[str, ...]:
    """CLDR's official and de facto languages of a country, most spoken first, in catalog form; () if unknown.

    A tag without a script or region is read as spoken in that country, so Brazil's "pt" is "pt_BR" and Angola's
    "pt_PT", Singapore's "zh" is "zh_Hans"."""
    found: list[str] = []
    for tag in get_official_languages(country, de_facto=True):
        key = normalize_language(tag if "_" in tag else f"{tag}_{country}")
        if key is not None and key not in found:
            found.append(key)
    return tuple(found)


def country_languages(country: str, state: str = "") -> tuple[str, ...]:
    """The languages read in a country (or one of its regions), most widely read first; () if unknown."""
    country = country.strip().upper()
    if not re.fullmatch(r"[A-Z]{2}", country):
        return ()
    regional = STATE_LANGUAGES.get((country, state_code(country, state)))
    return regional or LANGUAGE_OVERRIDES.get(country) or babel_languages(country)


def _catalog(key: str, catalogs: Mapping[str, str]) -> str | None:
    return next((catalogs[k] for k in _FALLBACKS.get(key, (key,)) if k in catalogs), None)


def shipped_catalog(tag: str, available: Collection[str] = SUPPORTED_LANGUAGES) -> str | None:
    """The catalog that writes language `tag` ("pt" -> "pt_PT", "de_DE" -> "de"), or None when none ships."""
    key = normalize_language(tag)
    return None if key is None else _catalog(key, {name: name for name in available})


def _catalogs(available: Collection[str]) -> Mapping[str, str]:
    """Each available catalog by the language it names (the first name wins); worked out once per set of names,
    which is the same for every order of a run."""
    return _catalogs_of(tuple(available))


@lru_cache(maxsize=32)
def _catalogs_of(available: tuple[str, ...]) -> Mapping[str, str]:
    catalogs: dict[str, str] = {}
    for name in available:
        key = normalize_language(name)
        if key is not None:
            catalogs.setdefault(key, name)
    return MappingProxyType(catalogs)


def name_fits(name: str, lang: str) -> bool:
    """Whether `name` may be written in language `lang`: it has no letters, or a letter in a script `lang` uses."""
    scripts = NAME_SCRIPTS.get(normalize_language(lang) or lang, _LATIN)
    letters = [unicodedata.name(char, "").split(" ")[0] for char in name if char.isalpha()]
    return not letters or any(script in scripts for script in letters)


def _script_of(lang: str) -> str:
    """The script `lang` writes names in, for the owner ("Arabic", "Japanese")."""
    labels = {
        "ja": _("Japanese"),
        "ko": _("Korean"),
        "zh_Hans": _("Chinese"),
        "zh_Hant": _("Chinese"),
        "he": _("Hebrew"),
        "el": _("Greek"),
        "th": _("Thai"),
    }
    scripts = NAME_SCRIPTS.get(lang, _LATIN)
    return labels.get(lang) or (
        _("Arabic") if "ARABIC" in scripts else _("Cyrillic") if "CYRILLIC" in scripts else _("Latin")
    )


def _before_store(
    meta: Mapping[str, str], country: str, state: str, name: str, catalogs: Mapping[str, str], skipped: list[str]
) -> LanguageChoice | None:
    """The choice of the order meta or the billing country, or None when neither decides (reasons in `skipped`)."""
    for meta_key in LANGUAGE_META_KEYS:
        value = meta.get(meta_key)
        if value is None or not str(value).strip():
            continue
        key = normalize_language(str(value))
        found = _catalog(key, catalogs) if key is not None else None
        if key is None:
            skipped.append(_("order's site language meta {key} is not a language").format(key=meta_key))
        elif found is not None:
            why = _("order's site language meta {key}={value}").format(key=meta_key, value=value.strip())
            return LanguageChoice(found, _with_skipped(why, skipped))
        else:
            skipped.append(
                _("order's site language meta {key}={value} has no catalog").format(key=meta_key, value=value.strip())
            )
    code = country.strip().upper()
    region = state_code(code, state)
    candidates = [found for key in country_languages(code, region) if (found := _catalog(key, catalogs)) is not None]
    fitting = next((found for found in candidates if name_fits(name, found)), None)
    if fitting is not None:
        if (code, region) in STATE_LANGUAGES:
            where = _("billing country {code}, state {region}").format(code=code, region=region)
        else:
            where = _("billing country {code}").format(code=code)
        return LanguageChoice(fitting, _with_skipped(where, skipped))
    if candidates:
        why = _("billing country {code}: the name is not written in {script} script")
        skipped.append(why.format(code=code, script=_script_of(candidates[0])))
        return None
    if code:
        skipped.append(_("billing country {code} has no catalog").format(code=code))
    return None


def needs_store_language(
    *,
    meta: Mapping[str, str],
    country: str,
    state: str = "",
    name: str = "",
    available: Collection[str] = SUPPORTED_LANGUAGES,
) -> bool:
    """Whether the store's language takes part in `choose_language` for this order (the meta and the billing country
    do not decide), so a caller reads it from the store only then."""
    return _before_store(meta, country, state, name, _catalogs(available), []) is None


def choose_language(
    *,
    meta: Mapping[str, str],
    country: str,
    default: str,
    available: Collection[str] = SUPPORTED_LANGUAGES,
    state: str = "",
    name: str = "",
    store: str = "",
) -> LanguageChoice:
    """The language to write to this buyer in (the module docstring gives the order). `name`: the buyer's billing
    name; `store`: the store's language as WordPress reports it ("en_US"), "" when unknown.

    Only languages in `available` are chosen; a plugin's "pl" without a Polish catalog moves on to the next source,
    and `why` says it was skipped.
    """
    catalogs = _catalogs(available)
    skipped: list[str] = []
    decided = _before_store(meta, country, state, name, catalogs, skipped)
    if decided is not None:
        return decided
    key = normalize_language(store) if store else None
    found = _catalog(key, catalogs) if key else None
    if found is not None:
        return LanguageChoice(found, _with_skipped(_("store language {tag}").format(tag=store.strip()), skipped))
    key = normalize_language(default)
    found = _catalog(key, catalogs) if key else None
    return LanguageChoice(found or default, _with_skipped(_("store default"), skipped))


def order_language(order: Order, *, default: str, store: str = "") -> LanguageChoice:
    """`choose_language` for an order: its meta, billing country and state, and the buyer's billing name."""
    return choose_language(
        meta=order.meta, country=order.country, state=order.state, default=default, name=_name(order), store=store
    )


def order_needs_store_language(order: Order) -> bool:
    """`needs_store_language` for an order."""
    return needs_store_language(meta=order.meta, country=order.country, state=order.state, name=_name(order))


def reported_language(system_status: object) -> str:
    """WordPress's site language from a `GET /system_status` answer (environment.language, e.g. "en_US"); "" when
    it is missing or not a language tag."""
    environment = system_status.get("environment") if isinstance(system_status, dict) else None
    value = environment.get("language") if isinstance(environment, dict) else None
    return value.strip() if isinstance(value, str) and normalize_language(value) is not None else ""


def _name(order: Order) -> str:
    return f"{order.first_name} {order.last_name}".strip()


def _with_skipped(why: str, skipped: list[str]) -> str:
    return _("{why} ({skipped})").format(why=why, skipped="; ".join(skipped)) if skipped else why


def state_code(country: str, state: str) -> str:
    """A billing state as WooCommerce's state tables key it: "CL-MA" (ISO 3166-2, some countries) and "MA" alike."""
    code = state.strip().upper()
    prefix = f"{country}-"
    return code[len(prefix) :] if country and code.startswith(prefix) else code
