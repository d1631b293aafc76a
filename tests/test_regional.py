"""Where the buyer is and what they read: language choice, time zones, quiet hours, local dates and money."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from wcrecall.plan import regional
from wcrecall.plan.regional import (
    SUPPORTED_LANGUAGES,
    QuietHours,
    buyer_zone,
    choose_language,
    format_local_datetime,
    normalize_language,
    outside_quiet_hours,
    parse_quiet_hours,
)
from wcrecall.render.renderer import format_money

BERLIN = ZoneInfo("Europe/Berlin")
NEW_YORK = ZoneInfo("America/New_York")
NIGHT = parse_quiet_hours("21:00-08:00")


def quiet(text: str) -> QuietHours:
    return parse_quiet_hours(text)


# --- language: order meta ------------------------------------------------------------------------------------------


def test_supported_languages_are_spelled_as_the_renderer_looks_catalogs_up() -> None:
    """Each tag round-trips through Babel unchanged, as render/renderer.py passes str(Locale) to Translations.load."""
    from babel import Locale

    assert SUPPORTED_LANGUAGES[0] == "en" and "zh_Hans" in SUPPORTED_LANGUAGES and "ar" in SUPPORTED_LANGUAGES
    for lang in SUPPORTED_LANGUAGES:
        assert str(Locale.parse(lang)) == lang


@pytest.mark.parametrize("key", ["wpml_language", "lang", "trp_language", "weglot_language"])
def test_each_plugin_meta_key_sets_the_language(key: str) -> None:
    """WPML, Polylang (REST field copied to meta), TranslatePress and Weglot keys are all read."""
    choice = choose_language(meta={key: "de"}, country="US", default="en")
    assert choice.lang == "de" and choice.why == f"order's site language meta {key}=de"


def test_meta_keys_are_tried_in_priority_order() -> None:
    """WPML wins over Polylang, Polylang over TranslatePress, TranslatePress over Weglot."""
    meta = {"weglot_language": "it", "trp_language": "fr_FR", "lang": "es", "wpml_language": "nl"}
    assert choose_language(meta=meta, country="US", default="en").lang == "nl"
    del meta["wpml_language"]
    assert choose_language(meta=meta, country="US", default="en").lang == "es"
    del meta["lang"]
    assert choose_language(meta=meta, country="US", default="en").lang == "fr"


@pytest.mark.parametrize(
    ("value", "lang"),
    [
        ("de", "de"),
        ("DE", "de"),
        ("de_DE", "de"),
        ("de-DE", "de"),
        ("de_DE_formal", "de"),
        (" de-CH ", "de"),
        ("zh-hans", "zh_Hans"),
        ("zh_CN", "zh_Hans"),
        ("zh-Hans-CN", "zh_Hans"),
        ("zh_SG", "zh_Hans"),
        ("zh", "zh_Hans"),
        ("ja_JP", "ja"),
        ("ja", "ja"),
        ("ar", "ar"),
        ("ary", "ar"),
        ("nl_BE", "nl"),
        ("fr_CA", "fr"),
        ("es-419", "es"),
        ("es_MX", "es"),
        ("it_IT", "it"),
        ("en_GB", "en"),
    ],
)
def test_meta_values_are_normalised_to_a_supported_language(value: str, lang: str) -> None:
    """WPML codes, WordPress locales and BCP 47 tags of any case map to the catalog's language."""
    assert choose_language(meta={"wpml_language": value}, country="PL", default="en").lang == lang


@pytest.mark.parametrize(
    ("tag", "normal"),
    [
        ("zh_TW", "zh_Hant"),
        ("zh-HK", "zh_Hant"),
        ("zh-Hant", "zh_Hant"),
        ("zh_Hant_MO", "zh_Hant"),
        ("iw", "he"),
        ("pl_PL", "pl"),
        ("", None),
        ("   ", None),
        ("x", None),
        ("12", None),
        ("de DE", None),
        ("<script>", None),
        ("all", "all"),
        ("a" * 40, None),
    ],
)
def test_normalize_language_keeps_chinese_scripts_apart_and_rejects_garbage(tag: str, normal: str | None) -> None:
    """Traditional Chinese is never folded into Simplified; non-tags are None."""
    assert normalize_language(tag) == normal


@pytest.mark.parametrize("value", ["pl_PL", "ko_KR", "all", "<b>x</b>", "0"])
def test_unsupported_or_garbage_meta_falls_through_to_the_country(value: str) -> None:
    """A language without a catalog (or no language at all) moves on to the billing country and says why."""
    choice = choose_language(meta={"trp_language": value}, country="FR", default="en")
    assert choice.lang == "fr" and choice.why.startswith("billing country FR (order's site language meta trp_language")


def test_empty_meta_values_are_ignored_silently() -> None:
    """A key with an empty value is as if it were absent."""
    choice = choose_language(meta={"wpml_language": " ", "other": "de"}, country="", default="en")
    assert choice == regional.LanguageChoice("en", "store default")


def test_owner_catalogs_extend_the_available_languages() -> None:
    """With an owner's Polish catalog available, pl_PL from TranslatePress is used, spelled as the owner named it."""
    choice = choose_language(meta={"trp_language": "pl_PL"}, country="DE", default="en", available=("en", "pl"))
    assert choice.lang == "pl"
    choice = choose_language(meta={}, country="BR", default="en", available=("en", "pt_BR"))
    assert choice.lang == "pt_BR"


# --- language: billing country -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("country", "state", "lang"),
    [
        ("DE", "", "de"),
        ("AT", "", "de"),
        ("CH", "", "de"),
        ("CH", "ZH", "de"),
        ("CH", "GE", "fr"),
        ("CH", "VD", "fr"),
        ("CH", "TI", "it"),
        ("BE", "", "nl"),
        ("LU", "", "fr"),
        ("CA", "", "en"),
        ("CA", "ON", "en"),
        ("CA", "QC", "fr"),
        ("CA", "CA-QC", "fr"),
        ("ca", "qc", "fr"),
        ("US", "PR", "es"),
        ("FR", "", "fr"),
        ("ES", "", "es"),
        ("MX", "", "es"),
        ("AR", "", "es"),
        ("IT", "", "it"),
        ("IT", "BZ", "de"),
        ("NL", "", "nl"),
        ("JP", "", "ja"),
        ("CN", "", "zh_Hans"),
        ("SG", "", "en"),
        ("SA", "", "ar"),
        ("EG", "", "ar"),
        ("AE", "", "ar"),
        ("MA", "", "fr"),
        ("SN", "", "fr"),
        ("GB", "", "en"),
        ("US", "", "en"),
        ("IN", "", "en"),
    ],
)
def test_billing_country_and_state_choose_the_main_language(country: str, state: str, lang: str) -> None:
    """Without meta, the country's (or region's) main language with a catalog is chosen."""
    assert choose_language(meta={}, country=country, state=state, default="xx").lang == lang


def test_belgium_falls_back_to_french_when_dutch_has_no_catalog() -> None:
    """BE prefers Dutch (most Belgians), then French."""
    assert choose_language(meta={}, country="BE", default="en", available=("en", "fr", "de")).lang == "fr"


@pytest.mark.parametrize("country", ["PL", "TW", "UA", "IL", "XX", ""])
def test_countries_without_a_catalog_use_the_store_default(country: str) -> None:
    """Polish, Traditional Chinese, Ukrainian, Hebrew or an unknown country: the store's default language."""
    choice = choose_language(meta={}, country=country, default="de", available=("en", "de", "zh_Hans", "ru", "ar"))
    assert choice.lang == "de" and choice.why.startswith("store default")


def test_why_names_the_country_and_state() -> None:
    """`why` is short and says which source decided."""
    assert choose_language(meta={}, country="ca", state="qc", default="en").why == "billing country CA, state QC"
    assert choose_language(meta={}, country="DE", default="en").why == "billing country DE"
    assert (
        choose_language(meta={}, country="PL", default="en").why == "store default (billing country PL has no catalog)"
    )


def test_store_default_is_normalised_when_it_has_a_catalog() -> None:
    """A WordPress locale as default ("de_DE") becomes the catalog's tag; an unknown one is kept as configured."""
    assert choose_language(meta={}, country="", default="de_DE").lang == "de"
    assert choose_language(meta={}, country="", default="pl").lang == "pl"


def test_the_supported_languages_are_the_catalogs_that_ship() -> None:
    """SUPPORTED_LANGUAGES is English plus every compiled catalog in emails/locale, so a catalog added there is used."""
    from importlib import resources

    locale = resources.files("wcrecall.emails").joinpath("locale")
    shipped = {entry.name for entry in locale.iterdir() if entry.joinpath("LC_MESSAGES", "wcrecall.mo").is_file()}
    assert set(SUPPORTED_LANGUAGES) == shipped | {"en"} and len(SUPPORTED_LANGUAGES) == len(set(SUPPORTED_LANGUAGES))


PORTUGUESE_AND_CHINESE = ("en", "pt_BR", "pt_PT", "zh_Hans", "zh_Hant")


@pytest.mark.parametrize(
    ("country", "lang"),
    [("BR", "pt_BR"), ("PT", "pt_PT"), ("AO", "pt_PT"), ("MZ", "pt_PT"), ("CV", "pt_PT")]
    + [("TW", "zh_Hant"), ("HK", "zh_Hant"), ("MO", "zh_Hant"), ("CN", "zh_Hans"), ("SG", "en")],
)
def test_regional_variants_are_chosen_when_their_catalog_exists(country: str, lang: str) -> None:
    """Brazil gets Brazilian Portuguese, the other Portuguese-speaking countries European; Traditional Chinese regions
    get zh_Hant."""
    assert choose_language(meta={}, country=country, default="en", available=PORTUGUESE_AND_CHINESE).lang == lang


@pytest.mark.parametrize(
    ("value", "lang"),
    [("pt-br", "pt_BR"), ("pt_BR", "pt_BR"), ("pt-pt", "pt_PT"), ("pt_PT_ao90", "pt_PT"), ("pt", "pt_PT")]
    + [("zh-hant", "zh_Hant"), ("zh_TW", "zh_Hant"), ("zh-hans", "zh_Hans")],
)
def test_plugin_codes_for_variants_pick_their_catalog(value: str, lang: str) -> None:
    """WPML's pt-br/pt-pt/zh-hant and TranslatePress's locales keep the variant the buyer chose."""
    choice = choose_language(
        meta={"wpml_language": value}, country="US", default="en", available=PORTUGUESE_AND_CHINESE
    )
    assert choice.lang == lang


@pytest.mark.parametrize(
    ("country", "available", "lang"),
    [
        ("BR", ("en", "pt"), "pt"),
        ("BR", ("en", "pt_PT"), "pt_PT"),
        ("PT", ("en", "pt"), "pt"),
        ("PT", ("en", "pt_BR"), "pt_BR"),
        ("TW", ("en", "zh_Hans"), "de"),
        ("HK", ("en", "zh_Hans"), "en"),
    ],
)
def test_variants_fall_back_within_their_language_but_never_across_chinese_scripts(
    country: str, available: tuple[str, ...], lang: str
) -> None:
    """Portuguese readers get the other variant before the store default; Traditional Chinese readers never get
    Simplified (Taiwan: the store default; Hong Kong: English, its other official language)."""
    assert choose_language(meta={}, country=country, default="de", available=(*available, "de")).lang == lang


def _iso_countries() -> list[str]:
    from importlib import resources

    text = resources.files("tzdata").joinpath("zoneinfo", "iso3166.tab").read_text(encoding="utf-8")
    return [line.split("\t")[0] for line in text.splitlines() if line and not line.startswith("#")]


def _family(lang: str) -> str:
    return lang if lang.startswith("zh") else lang.split("_")[0]


def test_every_iso_country_babel_knows_gets_a_language_we_ship_or_english() -> None:
    """For each ISO 3166 country, the country's own languages (from CLDR) are in catalog form and the choice is one
    of them or, without a catalog, English (the store default)."""
    countries = _iso_countries()
    assert len(countries) >= 245
    with_language = 0
    for country in countries:
        langs = regional.country_languages(country)
        assert all(normalize_language(lang) == lang for lang in langs), country
        choice = choose_language(meta={}, country=country, default="en")
        assert choice.lang in SUPPORTED_LANGUAGES, country
        if choice.why.startswith("billing country"):  # the country's language or its nearest catalog (pt for pt_BR)
            assert _family(choice.lang) in {_family(lang) for lang in langs}, country
        else:
            assert choice.lang == "en", country
        with_language += bool(langs)
    assert with_language >= len(countries) - 5  # Antarctica, Bouvet Island, Heard Island and a few more: no people


@pytest.mark.parametrize("country", sorted(regional.language.LANGUAGE_OVERRIDES))
def test_each_language_override_changes_what_babel_says(country: str) -> None:
    """An override that repeats CLDR is dead weight: each one must differ from Babel's answer and be used."""
    override = regional.language.LANGUAGE_OVERRIDES[country]
    assert override != regional.language.babel_languages(country)
    assert regional.country_languages(country) == override
    assert choose_language(meta={}, country=country, default="en", available=override).lang == override[0]


# --- time zones ----------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("country", "state", "zone"),
    [
        ("US", "CA", "America/Los_Angeles"),
        ("US", "NY", "America/New_York"),
        ("US", "TX", "America/Chicago"),
        ("US", "IL", "America/Chicago"),
        ("US", "CO", "America/Denver"),
        ("US", "AZ", "America/Phoenix"),
        ("US", "HI", "Pacific/Honolulu"),
        ("US", "AK", "America/Anchorage"),
        ("US", "IN", "America/Indiana/Indianapolis"),
        ("US", "DC", "America/New_York"),
        ("US", "US-WA", "America/Los_Angeles"),
        ("CA", "BC", "America/Vancouver"),
        ("CA", "AB", "America/Edmonton"),
        ("CA", "SK", "America/Regina"),
        ("CA", "MB", "America/Winnipeg"),
        ("CA", "ON", "America/Toronto"),
        ("CA", "QC", "America/Toronto"),
        ("CA", "NS", "America/Halifax"),
        ("CA", "NL", "America/St_Johns"),
        ("AU", "NSW", "Australia/Sydney"),
        ("AU", "VIC", "Australia/Melbourne"),
        ("AU", "QLD", "Australia/Brisbane"),
        ("AU", "SA", "Australia/Adelaide"),
        ("AU", "WA", "Australia/Perth"),
        ("AU", "NT", "Australia/Darwin"),
        ("AU", "TAS", "Australia/Hobart"),
        ("AU", "ACT", "Australia/Sydney"),
        ("BR", "SP", "America/Sao_Paulo"),
        ("BR", "RJ", "America/Sao_Paulo"),
        ("BR", "AM", "America/Manaus"),
        ("BR", "AC", "America/Rio_Branco"),
        ("BR", "MT", "America/Cuiaba"),
        ("BR", "PE", "America/Recife"),
        ("MX", "DF", "America/Mexico_City"),
        ("MX", "JA", "America/Mexico_City"),
        ("MX", "BC", "America/Tijuana"),
        ("MX", "SO", "America/Hermosillo"),
        ("MX", "QR", "America/Cancun"),
        ("MX", "CH", "America/Chihuahua"),
        ("MX", "NL", "America/Monterrey"),
        ("ID", "JK", "Asia/Jakarta"),
        ("ID", "BA", "Asia/Makassar"),
        ("ID", "PA", "Asia/Jayapura"),
        ("ES", "TF", "Atlantic/Canary"),
        ("ES", "M", "Europe/Madrid"),
        ("CL", "CL-MA", "America/Punta_Arenas"),
        ("CL", "CL-RM", "America/Santiago"),
    ],
)
def test_state_chooses_the_zone_in_multi_zone_countries(country: str, state: str, zone: str) -> None:
    """WooCommerce state codes (and ISO 3166-2 "US-WA" forms) pick the buyer's zone."""
    assert buyer_zone(country=country, state=state, fallback="UTC").zone.key == zone


@pytest.mark.parametrize(
    ("country", "zone"),
    [
        ("DE", "Europe/Berlin"),
        ("FR", "Europe/Paris"),
        ("JP", "Asia/Tokyo"),
        ("GB", "Europe/London"),
        ("IN", "Asia/Kolkata"),
        ("SA", "Asia/Riyadh"),
        ("AR", "America/Argentina/Buenos_Aires"),
        ("KZ", "Asia/Almaty"),
        ("ZA", "Africa/Johannesburg"),
    ],
)
def test_single_zone_countries_get_their_zone(country: str, zone: str) -> None:
    """One zone per country, whatever the state says."""
    choice = buyer_zone(country=country, state="anything", fallback="UTC")
    assert choice.zone.key == zone and choice.why == f"billing country {country}"


@pytest.mark.parametrize(
    ("country", "state", "zone", "why"),
    [
        ("US", "", "America/New_York", "billing country US, no state: most populous zone"),
        ("US", "ZZ", "America/New_York", "billing country US, unknown state ZZ: most populous zone"),
        ("AU", "", "Australia/Sydney", "billing country AU, no state: most populous zone"),
        ("BR", "XX", "America/Sao_Paulo", "billing country BR, unknown state XX: most populous zone"),
        ("MX", "", "America/Mexico_City", "billing country MX, no state: most populous zone"),
        ("CA", "", "America/Toronto", "billing country CA, no state: most populous zone"),
        (
            "RU",
            "Moscow",
            "Europe/Moscow",
            "billing country RU: most populous zone (no state data to tell its zones apart)",
        ),
        ("UA", "", "Europe/Kyiv", "billing country UA: most populous zone (no state data to tell its zones apart)"),
        ("PT", "", "Europe/Lisbon", "billing country PT: most populous zone (no state data to tell its zones apart)"),
    ],
)
def test_unknown_state_gets_the_most_populous_zone_and_says_so(country: str, state: str, zone: str, why: str) -> None:
    """A missing or unknown state, or a country WooCommerce has no regions for, is not silently exact."""
    choice = buyer_zone(country=country, state=state, fallback="UTC")
    assert (choice.zone.key, choice.why) == (zone, why)


def test_unknown_country_uses_the_store_zone() -> None:
    """An unmapped or missing country falls back to the store's zone, and `why` says so."""
    assert buyer_zone(country="QQ", state="", fallback="Europe/Vienna").why == (
        "unknown billing country 'QQ': store zone Europe/Vienna"
    )
    choice = buyer_zone(country="", state="", fallback="Europe/Vienna")
    assert choice.zone.key == "Europe/Vienna" and choice.why == "no billing country: store zone Europe/Vienna"


def test_an_invalid_store_zone_is_a_clear_error() -> None:
    """A typo in the store's zone is reported, not turned into UTC."""
    with pytest.raises(ValueError, match="not an IANA time zone"):
        buyer_zone(country="", state="", fallback="Europe/Atlantis")


def test_a_zone_missing_from_an_old_tz_database_falls_back_to_the_country(monkeypatch: pytest.MonkeyPatch) -> None:
    """A state zone this machine's tzdata lacks (e.g. one added recently) degrades to the country's zone."""
    monkeypatch.setitem(regional.states.STATE_ZONES["CL"], "AI", "America/Not_Yet_A_Zone")
    choice = buyer_zone(country="CL", state="AI", fallback="UTC")
    assert choice.zone.key == "America/Santiago"


@pytest.mark.parametrize("country", sorted(regional.zones.ZONE_OVERRIDES))
def test_each_zone_override_changes_what_zone_tab_says(country: str) -> None:
    """Each override replaces zone.tab's first zone for its country (or a country zone.tab lacks) and is used."""
    override = regional.zones.ZONE_OVERRIDES[country]
    listed = regional.zones._zone_tab().get(country, ())
    assert not listed or (listed[0] != override and override in listed)
    assert buyer_zone(country=country, state="", fallback="UTC").zone.key == override


def test_every_iso_country_gets_an_existing_zone_of_its_own() -> None:
    """Every ISO country gets a zone that loads here, never the store's, and every state zone exists too."""
    uninhabited = {"BV", "HM"}  # Bouvet Island, Heard and McDonald Islands: no zone in the tz database
    for country in set(_iso_countries()) - uninhabited:
        choice = buyer_zone(country=country, state="", fallback="Europe/Vienna")
        assert "store zone" not in choice.why, country
        ZoneInfo(choice.zone.key)
    for zones in regional.states.STATE_ZONES.values():
        for name in zones.values():
            assert regional.zones.load_zone(name) is not None or name == "America/Coyhaique", name


def test_a_real_brazilian_order_reads_brazilian_portuguese_in_sao_paulo_time() -> None:
    """BR/SP: pt_BR when the catalog exists, America/Sao_Paulo, the date as Brazilians write it."""
    lang = choose_language(meta={}, country="BR", state="SP", default="en", available=PORTUGUESE_AND_CHINESE).lang
    zone = buyer_zone(country="BR", state="SP", fallback="UTC").zone
    assert (lang, zone.key) == ("pt_BR", "America/Sao_Paulo")
    assert format_local_datetime(datetime(2026, 1, 15, 10, 30, tzinfo=UTC), zone, lang) == "15 de jan. de 2026 07:30:00"


# --- quiet hours ---------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "start", "end"),
    [
        ("21:00-08:00", time(21), time(8)),
        (" 9:30 - 17:00 ", time(9, 30), time(17)),
        ("22:15\u201307:45", time(22, 15), time(7, 45)),
        ("00:00-06:00", time(0), time(6)),
    ],
)
def test_parse_quiet_hours_reads_start_and_end(text: str, start: time, end: time) -> None:
    """ "HH:MM-HH:MM", with or without spaces or an en dash."""
    assert parse_quiet_hours(text) == QuietHours(start, end)


@pytest.mark.parametrize("text", ["off", "OFF", "none", "22:00-22:00"])
def test_off_or_equal_times_mean_no_quiet_hours(text: str) -> None:
    """ "off" and start == end disable quiet hours."""
    hours = parse_quiet_hours(text)
    assert not hours.enabled and str(hours) == "off" and not hours.contains(time(3))


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("21-08", "must look like 21:00-08:00"),
        ("21:00", "must look like 21:00-08:00"),
        ("", "must look like 21:00-08:00"),
        ("nine to five", "must look like 21:00-08:00"),
        ("25:00-08:00", "25:00 is not a time of day"),
        ("21:00-08:60", "08:60 is not a time of day"),
        ("24:00-06:00", "24:00 is not a time of day"),
    ],
)
def test_bad_quiet_hours_are_a_clear_error(text: str, message: str) -> None:
    """The ValueError says what format is expected or which time is impossible."""
    with pytest.raises(ValueError, match=message):
        parse_quiet_hours(text)


def local(zone: ZoneInfo, *parts: int) -> datetime:
    year, month, day, hour, minute = parts
    return datetime(year, month, day, hour, minute, tzinfo=zone)


def utc(parts: tuple[int, ...]) -> datetime:
    return local(ZoneInfo("UTC"), *parts).astimezone(UTC)


@pytest.mark.parametrize(
    ("at", "expected"),
    [
        ((2026, 1, 15, 12, 0), None),
        ((2026, 1, 15, 20, 59), None),
        ((2026, 1, 15, 21, 0), (2026, 1, 16, 8, 0)),
        ((2026, 1, 15, 23, 30), (2026, 1, 16, 8, 0)),
        ((2026, 1, 16, 0, 0), (2026, 1, 16, 8, 0)),
        ((2026, 1, 16, 3, 0), (2026, 1, 16, 8, 0)),
        ((2026, 1, 16, 7, 59), (2026, 1, 16, 8, 0)),
        ((2026, 1, 16, 8, 0), None),
        ((2026, 12, 31, 22, 0), (2027, 1, 1, 8, 0)),
    ],
)
def test_steps_inside_the_window_wait_for_its_end_across_midnight(
    at: tuple[int, ...], expected: tuple[int, ...] | None
) -> None:
    """21:00-08:00: evenings wait until the next morning, small hours until the same morning; others go now."""
    moment = local(BERLIN, *at)
    result = outside_quiet_hours(moment, BERLIN, NIGHT)
    if expected is None:
        assert result is moment
    else:
        assert result == local(BERLIN, *expected) and result.tzinfo is UTC


@pytest.mark.parametrize(
    ("at", "expected"),
    [((2026, 1, 15, 11, 59), None), ((2026, 1, 15, 12, 0), (2026, 1, 15, 14, 0)), ((2026, 1, 15, 14, 0), None)],
)
def test_a_window_within_one_day_works_too(at: tuple[int, ...], expected: tuple[int, ...] | None) -> None:
    """12:00-14:00 holds back only lunchtime."""
    moment = local(BERLIN, *at)
    result = outside_quiet_hours(moment, BERLIN, quiet("12:00-14:00"))
    assert result == (moment if expected is None else local(BERLIN, *expected))


def test_no_quiet_hours_never_delay() -> None:
    """With quiet hours off, every moment is returned as is."""
    moment = local(BERLIN, 2026, 1, 16, 3, 0)
    assert outside_quiet_hours(moment, BERLIN, quiet("off")) is moment


def test_naive_datetimes_are_refused() -> None:
    """A naive `at` would silently mean the machine's zone: it is a programming error."""
    with pytest.raises(ValueError, match="aware"):
        outside_quiet_hours(datetime(2026, 1, 16, 3, 0), BERLIN, NIGHT)


def test_quiet_hours_are_the_buyers_local_time() -> None:
    """06:00 UTC is 07:00 in Berlin (quiet) but 01:00 in New York (quiet, ends later) and 15:00 in Tokyo (not)."""
    at = datetime(2026, 1, 15, 6, 0, tzinfo=UTC)
    assert outside_quiet_hours(at, BERLIN, NIGHT) == datetime(2026, 1, 15, 7, 0, tzinfo=UTC)
    assert outside_quiet_hours(at, NEW_YORK, NIGHT) == datetime(2026, 1, 15, 13, 0, tzinfo=UTC)
    assert outside_quiet_hours(at, ZoneInfo("Asia/Tokyo"), NIGHT) is at


@pytest.mark.parametrize(
    ("zone", "at_utc", "end_utc"),
    [
        # Berlin springs forward on 2026-03-29 at 01:00 UTC: 08:00 that morning is CEST, 06:00 UTC (not 07:00).
        (BERLIN, (2026, 3, 28, 22, 0), (2026, 3, 29, 6, 0)),
        # ... and falls back on 2026-10-25 at 01:00 UTC: 08:00 that morning is CET, 07:00 UTC.
        (BERLIN, (2026, 10, 24, 20, 0), (2026, 10, 25, 7, 0)),
        # New York springs forward on 2026-03-08 at 07:00 UTC: 08:00 EDT is 12:00 UTC.
        (NEW_YORK, (2026, 3, 8, 5, 0), (2026, 3, 8, 12, 0)),
        # ... and falls back on 2026-11-01 at 06:00 UTC: 08:00 EST is 13:00 UTC.
        (NEW_YORK, (2026, 11, 1, 4, 30), (2026, 11, 1, 13, 0)),
    ],
)
def test_window_end_follows_daylight_saving_changes(
    zone: ZoneInfo, at_utc: tuple[int, ...], end_utc: tuple[int, ...]
) -> None:
    """On the night the clocks change, the window still ends at 08:00 on the wall clock."""
    assert outside_quiet_hours(utc(at_utc), zone, NIGHT) == utc(end_utc)


@pytest.mark.parametrize(
    ("zone", "at_utc", "end_utc"),
    [
        # 02:30 does not exist in Berlin on 2026-03-29: the window ends when the clocks jump to 03:00 CEST (01:00 UTC).
        (BERLIN, (2026, 3, 28, 23, 0), (2026, 3, 29, 1, 0)),
        # Nor in New York on 2026-03-08: the clocks jump from 02:00 EST to 03:00 EDT at 07:00 UTC.
        (NEW_YORK, (2026, 3, 8, 6, 0), (2026, 3, 8, 7, 0)),
    ],
)
def test_a_window_end_skipped_by_the_clocks_ends_at_the_jump(
    zone: ZoneInfo, at_utc: tuple[int, ...], end_utc: tuple[int, ...]
) -> None:
    """A non-existent local end time (22:00-02:30 on spring-forward night) ends the window at the change."""
    assert outside_quiet_hours(utc(at_utc), zone, quiet("22:00-02:30")) == utc(end_utc)


def test_a_window_end_that_happens_twice_ends_at_the_next_occurrence() -> None:
    """02:30 occurs twice in Berlin on 2026-10-25; each pass through 02:00-02:30 ends at its own 02:30."""
    window = quiet("22:00-02:30")
    first = datetime(2026, 10, 25, 0, 10, tzinfo=UTC)  # 02:10 CEST
    second = datetime(2026, 10, 25, 1, 10, tzinfo=UTC)  # 02:10 CET, an hour later
    assert outside_quiet_hours(first, BERLIN, window) == datetime(2026, 10, 25, 0, 30, tzinfo=UTC)
    assert outside_quiet_hours(second, BERLIN, window) == datetime(2026, 10, 25, 1, 30, tzinfo=UTC)


@pytest.mark.parametrize("zone_name", ["Europe/Berlin", "America/New_York", "Australia/Sydney", "America/Sao_Paulo"])
@pytest.mark.parametrize("window", ["21:00-08:00", "22:00-02:30", "01:30-02:30", "12:00-14:00"])
def test_the_result_is_always_the_next_window_end_or_at_itself(zone_name: str, window: str) -> None:
    """Every 10 minutes around the DST changes of 2026: `at` if outside, else the first wall-clock end after it."""
    zone, hours = ZoneInfo(zone_name), quiet(window)
    starts = (datetime(2026, 3, 6, tzinfo=UTC), datetime(2026, 10, 2, tzinfo=UTC), datetime(2026, 10, 30, tzinfo=UTC))
    for start in starts:
        for step in range(3 * 24 * 6):
            at = start + timedelta(minutes=10 * step)
            result = outside_quiet_hours(at, zone, hours)
            if not hours.contains(at.astimezone(zone).time()):
                assert result is at
                continue
            wall = result.astimezone(zone).replace(tzinfo=None)
            before = (result - timedelta(seconds=1)).astimezone(zone).replace(tzinfo=None)
            end = datetime.combine(wall.date(), hours.end)
            assert result > at and not hours.contains(wall.time()), (at, result)
            assert wall == end or before < end < wall, (at, result)  # the end itself, or the jump over a skipped end
            probe = at + timedelta(minutes=5)
            while probe < result:  # no earlier end was passed over
                assert probe.astimezone(zone).time() != hours.end, (at, probe, result)
                probe += timedelta(minutes=5)


def test_a_window_starting_in_the_repeated_hour_still_ends_at_its_end() -> None:
    """New York, 2026-11-01, 01:30-02:30: from 01:30 EDT the step waits for 02:30 EST, not for the 01:00 EST rewind."""
    at = datetime(2026, 11, 1, 5, 30, tzinfo=UTC)  # 01:30 EDT
    assert outside_quiet_hours(at, NEW_YORK, quiet("01:30-02:30")) == datetime(2026, 11, 1, 7, 30, tzinfo=UTC)


# --- local dates and money ------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("lang", "zone", "shown"),
    [
        ("de", "Europe/Berlin", "15.01.2026, 11:30:00"),
        ("fr", "Europe/Paris", "15 janv. 2026, 11:30:00"),
        ("ja", "Asia/Tokyo", "2026/01/15 19:30:00"),
        ("zh_Hans", "Asia/Shanghai", "2026年1月15日 18:30:00"),
        ("en", "America/New_York", "Jan 15, 2026, 5:30:00\u202fAM"),
        ("not a language", "UTC", "Jan 15, 2026, 10:30:00\u202fAM"),
    ],
)
def test_local_datetime_is_in_the_buyers_zone_and_language(lang: str, zone: str, shown: str) -> None:
    """CLDR medium date and time, in the buyer's zone; an unknown language is English."""
    assert format_local_datetime(datetime(2026, 1, 15, 10, 30, tzinfo=UTC), ZoneInfo(zone), lang) == shown


def test_local_datetime_in_arabic_uses_arabic_wording() -> None:
    """Arabic gets the Arabic day-period marker and comma."""
    shown = format_local_datetime(datetime(2026, 1, 15, 10, 30, tzinfo=UTC), ZoneInfo("Asia/Riyadh"), "ar")
    assert "01" in shown and "2026" in shown and "م" in shown and "،" in shown


def test_local_datetime_refuses_naive_datetimes() -> None:
    """A naive datetime has no moment to show."""
    with pytest.raises(ValueError, match="aware"):
        format_local_datetime(datetime(2026, 1, 15, 10, 30), BERLIN, "de")


@pytest.mark.parametrize(
    ("country", "amount", "currency", "shown"),
    [
        ("DE", "48.50", "EUR", {"48,50\xa0€"}),
        ("AT", "48.50", "EUR", {"48,50\xa0€"}),
        ("JP", "3500", "JPY", {"￥3,500", "¥3,500"}),
        ("FR", "1234.5", "EUR", {"1\u202f234,50\xa0€"}),
        ("SA", "48.50", "EUR", {"\u200f48.50\xa0€"}),
        ("SA", "48.50", "SAR", {"\u200f48.50\xa0ر.س.\u200f"}),
        ("BR", "10", "BRL", {"R$\xa010,00"}),
        ("CN", "99", "CNY", {"¥99.00"}),
        ("US", "48.50", "USD", {"$48.50"}),
    ],
)
def test_money_is_formatted_for_the_chosen_language(country: str, amount: str, currency: str, shown: set[str]) -> None:
    """The language chosen for a country formats the total the way its readers write money (Babel/CLDR)."""
    lang = choose_language(meta={}, country=country, default="en").lang
    assert format_money(Decimal(amount), currency, lang) in shown


def test_traditional_chinese_meta_picks_its_own_catalog_now_that_one_ships() -> None:
    """zh_TW from a multilingual plugin reads Traditional Chinese, never Simplified nor the billing country's."""
    choice = choose_language(meta={"trp_language": "zh_TW"}, country="FR", default="en")
    assert choice.lang == "zh_Hant"


# --- language: the store's language before a billing country the buyer's name does not fit ------------------------


def test_a_gulf_buyer_with_a_latin_name_on_an_english_store_gets_english() -> None:
    choice = choose_language(meta={}, country="SA", default="de", name="John Smith", store="en_US")
    assert choice.lang == "en"
    assert choice.why == "store language en_US (billing country SA: the name is not written in Arabic script)"


def test_a_gulf_buyer_with_an_arabic_name_gets_arabic_whatever_the_store() -> None:
    assert choose_language(meta={}, country="AE", default="en", name="فاطمة الزهراء", store="en_US").lang == "ar"


@pytest.mark.parametrize(
    ("country", "name", "lang"),
    [("DE", "Lukas Müller", "de"), ("JP", "佐藤 陽翔", "ja"), ("JP", "さとう", "ja"), ("CN", "王伟", "zh_Hans"),
     ("JP", "Haruto Sato", "fr"), ("CN", "Wang Wei", "fr"), ("BR", "", "pt_BR"), ("IL", "Dana", "fr"),
     ("MA", "فاطمة", "ar"), ("MA", "Fatima", "fr")],
)  # fmt: skip
def test_the_country_decides_when_the_name_fits_its_script_or_is_unknown(country: str, name: str, lang: str) -> None:
    assert choose_language(meta={}, country=country, default="en", name=name, store="fr_FR").lang == lang


def test_the_order_meta_beats_the_store_language() -> None:
    choice = choose_language(meta={"wpml_language": "de"}, country="SA", default="en", name="John", store="en_US")
    assert choice == regional.LanguageChoice("de", "order's site language meta wpml_language=de")


def test_the_store_language_comes_before_the_store_default_for_a_country_without_a_catalog() -> None:
    choice = choose_language(meta={}, country="PL", default="en", name="Anna", store="de_DE")
    assert choice == regional.LanguageChoice("de", "store language de_DE (billing country PL has no catalog)")
    assert choose_language(meta={}, country="PL", default="en", store="pl_PL").why.startswith("store default")


def test_the_store_language_is_needed_only_where_the_country_does_not_decide() -> None:
    from wcrecall.plan.regional.language import needs_store_language

    assert needs_store_language(meta={}, country="SA", name="John Smith")
    assert needs_store_language(meta={}, country="PL", name="Anna")
    assert not needs_store_language(meta={}, country="SA", name="فاطمة")
    assert not needs_store_language(meta={}, country="DE", name="John Smith")
    assert not needs_store_language(meta={"wpml_language": "de"}, country="SA", name="John")


def test_why_is_written_in_the_owners_language() -> None:
    from datetime import UTC

    from wcrecall import i18n

    i18n.activate("zh_Hans", UTC)
    try:
        choice = choose_language(meta={}, country="SA", default="en", name="John Smith", store="en_US")
    finally:
        i18n.activate("en", UTC)
    assert choice.why == "商店语言 en_US（账单国家/地区 SA：买家姓名不是用阿拉伯文书写的）"
