"""Who is mailed when: the buyers' region (language, time zone, quiet hours, per-country rules), the throttle per
buyer and domain, and the card-testing guard. Sections of the config (`config/sections.py` gathers them)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import timedelta

from wcrecall.i18n import _
from wcrecall.model.errors import ConfigError


@dataclass(frozen=True, kw_only=True)
class CountryRule:
    send: bool = True
    max_steps: int = 0  # 0: no limit
    consent_meta: str = ""  # only mail orders carrying this meta key with a truthy value
    quiet_hours: str = ""  # e.g. "20:00-09:00"; empty: regional.quiet_hours


@dataclass(frozen=True, kw_only=True)
class RegionalSettings:
    default_language: str = "en"  # for buyers whose language nothing else tells
    store_timezone: str = "UTC"  # for buyers whose time zone nothing else tells
    quiet_hours: str = "21:00-08:00"  # buyer's local time; "off" to send at any hour
    countries: Mapping[str, CountryRule] = field(default_factory=dict)

    def check(self) -> None:
        from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

        from wcrecall.plan.regional import SUPPORTED_LANGUAGES, parse_quiet_hours
        from wcrecall.plan.regional.language import shipped_catalog

        if shipped_catalog(self.default_language) is None:
            raise ConfigError(
                _("regional.default_language: expected one of {choices}").format(choices=", ".join(SUPPORTED_LANGUAGES))
            )
        try:
            ZoneInfo(self.store_timezone)
        except (ZoneInfoNotFoundError, ValueError):
            raise ConfigError(
                _("regional.store_timezone: unknown time zone {store_timezone!r}, e.g. Europe/Berlin").format(
                    store_timezone=self.store_timezone
                )
            ) from None
        for key, text in [("regional.quiet_hours", self.quiet_hours)] + [
            (f"countries.{cc}.quiet_hours", r.quiet_hours) for cc, r in self.countries.items() if r.quiet_hours
        ]:
            try:
                parse_quiet_hours(text)
            except ValueError as exc:
                raise ConfigError(_("{key}: {exc}").format(key=key, exc=exc)) from None


@dataclass(frozen=True, kw_only=True)
class ThrottleSettings:
    min_gap: timedelta = timedelta(hours=16)  # between two emails to one buyer, across all their orders
    max_per_week: int = 3  # emails to one buyer in any 7 days
    domain_hourly_cap: int = 0  # emails per recipient domain per hour; 0: no cap
    domain_caps: Mapping[str, int] = field(default_factory=dict)  # per-domain overrides, e.g. { "gmail.com" = 200 }

    def check(self) -> None:
        if self.max_per_week < 1:
            raise ConfigError(_("throttle.max_per_week: must be at least 1"))


@dataclass(frozen=True, kw_only=True)
class GuardSettings:
    burst_window: timedelta = timedelta(hours=1)
    burst_failures: int = 5  # this many failed orders from one IP or one email within the window: card testing
    blocked_domains: tuple[str, ...] = ()  # never mailed, on top of the built-in crawler and disposable domains

    def check(self) -> None:
        if self.burst_failures < 2:
            raise ConfigError(_("guard.burst_failures: must be at least 2"))


__all__ = ["CountryRule", "GuardSettings", "RegionalSettings", "ThrottleSettings"]
