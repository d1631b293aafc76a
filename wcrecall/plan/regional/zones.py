"""The buyer's time zone from the billing address, and a moment as the buyer reads it.

Country -> zone comes from the tz database's own table (tzdata's zone.tab: per country, its zones with the most
populous first), read once from the installed `tzdata` package; the state tables (states.py) refine it where a
country's people live in several zones, and a few named overrides fix the countries where zone.tab's first zone is
not where most people live.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from functools import lru_cache
from importlib import resources
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from babel import Locale, UnknownLocaleError
from babel.dates import format_datetime

from wcrecall.i18n import _
from wcrecall.plan.regional.language import state_code
from wcrecall.plan.regional.states import COMPLETE_STATE_ZONES, STATE_ZONES

__all__ = ["ZONE_OVERRIDES", "ZoneChoice", "buyer_zone", "country_zones", "format_local_datetime", "load_zone"]

# zone.tab lists a country's zones in geographic order "where that does not contradict" most-populous-first; where
# its first zone is not that of most people, or the country is missing, the zone to use instead.
ZONE_OVERRIDES: dict[str, str] = {
    "AU": "Australia/Sydney",  # zone.tab starts with Lord Howe Island (~400 people)
    "BR": "America/Sao_Paulo",  # ... with Fernando de Noronha; most Brazilians keep Brasília time
    "CA": "America/Toronto",  # ... with Newfoundland; Ontario and Quebec are most Canadians
    "RU": "Europe/Moscow",  # ... with Kaliningrad; most Russians keep Moscow time
    "UA": "Europe/Kyiv",  # ... with Simferopol, which keeps Moscow time: not the time of most Ukrainians
    "FM": "Pacific/Pohnpei",  # ... with Chuuk; Pohnpei holds the capital (the two differ by an hour)
    "XK": "Europe/Belgrade",  # Kosovo has no ISO code in zone.tab; it keeps Central European Time
}

# Two fixed moments, winter and summer, to tell whether a country's zones keep different clocks (no clock is read).
_PROBES = (datetime(2025, 1, 15, 12, tzinfo=UTC), datetime(2025, 7, 15, 12, tzinfo=UTC))


@dataclass(frozen=True)
class ZoneChoice:
    zone: ZoneInfo
    why: str  # "billing country US, state CA", "billing country DE", "unknown billing country 'XX': store zone UTC"


def load_zone(name: str) -> ZoneInfo | None:
    """The zone called `name`, or None if this machine's tz database lacks it (newer than it) or it is garbage."""
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return None


@lru_cache(maxsize=1)
def _zone_tab() -> dict[str, tuple[str, ...]]:
    """tzdata's zone.tab: country code -> its zone names, in the file's order."""
    text = resources.files("tzdata").joinpath("zoneinfo", "zone.tab").read_text(encoding="utf-8")
    zones: dict[str, list[str]] = {}
    for line in text.splitlines():
        if line.startswith("#") or not line.strip():
            continue
        country, _coordinates, name, *_ = line.split("\t")
        zones.setdefault(country, []).append(name)
    return {country: tuple(names) for country, names in zones.items()}


def country_zones(country: str) -> tuple[str, ...]:
    """The zones of a country, the one most of its people keep first; () for a code the tz database does not know."""
    listed = _zone_tab().get(country, ())
    override = ZONE_OVERRIDES.get(country)
    if override is None:
        return listed
    return (override, *(name for name in listed if name != override))


@lru_cache(maxsize=512)
def _country_zone(country: str) -> tuple[ZoneInfo | None, bool]:
    """The zone of most of a country's people (the first that loads), and whether its zones keep different clocks."""
    zones = [zone for zone in map(load_zone, country_zones(country)) if zone is not None]
    if not zones:
        return None, False
    clocks = {tuple(probe.astimezone(zone).utcoffset() for probe in _PROBES) for zone in zones}
    return zones[0], len(clocks) > 1


def buyer_zone(*, country: str, state: str, fallback: str) -> ZoneChoice:
    """The buyer's time zone from the billing address; `fallback` (the store's zone) for an unknown country.

    Raises ValueError if `fallback` is needed and is not an IANA zone name.
    """
    code = country.strip().upper()
    region = state_code(code, state)
    by_state = STATE_ZONES.get(code, {})
    country_zone, several_clocks = _country_zone(code) if len(code) == 2 and code.isalpha() else (None, False)
    if region and region in by_state:
        zone = load_zone(by_state[region])
        if zone is not None:
            return ZoneChoice(zone, _("billing country {code}, state {region}").format(code=code, region=region))
    if country_zone is not None:
        if code in COMPLETE_STATE_ZONES:
            detail = _("unknown state {region}").format(region=region) if region else _("no state")
            return ZoneChoice(
                country_zone, _("billing country {code}, {detail}: most populous zone").format(code=code, detail=detail)
            )
        if several_clocks and code not in STATE_ZONES:
            return ZoneChoice(
                country_zone,
                _("billing country {code}: most populous zone (no state data to tell its zones apart)").format(
                    code=code
                ),
            )
        return ZoneChoice(country_zone, _("billing country {code}").format(code=code))
    zone = load_zone(fallback)
    if zone is None:
        raise ValueError(f"the store time zone {fallback!r} is not an IANA time zone name (e.g. Europe/Berlin)")
    where = _("unknown billing country {code!r}").format(code=code) if code else _("no billing country")
    return ZoneChoice(zone, _("{where}: store zone {fallback}").format(where=where, fallback=fallback))


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
