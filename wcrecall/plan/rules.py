"""The planner's vocabulary: the rules it reads (the settings it needs, as plain values) and how a recall ends.

Plain data; recall/rules.py `rules_for(settings)` builds the rules from the config.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Protocol

from wcrecall.plan.decide import Policy
from wcrecall.plan.regional import QuietHours, parse_quiet_hours

DO_NOT_CONTACT = "do_not_contact"  # the recall's `reason` when the guard or routing ends it (flagged, with a note)


class CountryRules(Protocol):
    """What the planner reads of a country rule (config's `regional.countries.XX`)."""

    @property
    def send(self) -> bool: ...
    @property
    def max_steps(self) -> int: ...
    @property
    def consent_meta(self) -> str: ...
    @property
    def quiet_hours(self) -> str: ...


@dataclass(frozen=True, kw_only=True)
class Rules:
    """The settings the planner needs, as plain values (recall/rules.py `rules_for(settings)` builds them)."""

    policy: Policy
    default_language: str = "en"
    # WordPress's site language ("en_US"), read from the store only when a buyer's language needs it.
    store_language: str = ""
    store_timezone: str = "UTC"
    quiet_hours: str = "21:00-08:00"
    countries: Mapping[str, CountryRules] = field(default_factory=dict)
    blocked_domains: tuple[str, ...] = ()
    burst_window: timedelta = timedelta(hours=1)
    burst_failures: int = 5
    no_email: tuple[str, ...] = (DO_NOT_CONTACT,)
    suggest_methods: tuple[str, ...] = ()
    domain_hourly_cap: int = 0
    domain_caps: Mapping[str, int] = field(default_factory=dict)
    # The randomized holdout (plan/holdout.py): the share held out, the store it is drawn for, and the install's
    # secret key (kept out of repr, so never in a log line or in `rules_key`).
    holdout: float = 0.0
    holdout_store: str = ""
    holdout_key: bytes = field(default=b"", repr=False, compare=False)

    def quiet(self, country: str) -> QuietHours:
        rule = self.countries.get(country)
        return parse_quiet_hours(rule.quiet_hours if rule is not None and rule.quiet_hours else self.quiet_hours)


@dataclass(frozen=True)
class End:
    """The recall ends now: `outcome` (records.py), `reason` for the owner; `flag` for a do-not-contact end (the tick
    writes a note saying why), `burst` the label ("IP address", "email") when a card-testing burst also ends the
    buyer's other open recalls; `record` False for an order that gets no row (not recalled, or older than the
    lookback); `refused` when the recall is refused as it opens (admission, guard, routing, country rules)."""

    outcome: str
    reason: str
    flag: bool = False
    burst: str = ""
    record: bool = True
    refused: bool = False
