"""The settings as the planner reads them: plain values built from the config (plan/ never imports config/).

`rules_for` builds the planner's rules, `policy_for` the timing and throttle policy, `draft_recall` the record a new
order gets before the planner decides on it. The tick and explain (preview through it) both build them here, so they
cannot disagree.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Container, Iterable
from datetime import datetime, timedelta

from wcrecall import __version__
from wcrecall.config.settings import Settings
from wcrecall.model.order import Order, mask_email
from wcrecall.model.records import Recall, from_iso
from wcrecall.plan.decide import ATTRIBUTION_WINDOW, Policy
from wcrecall.plan.planner import Rules
from wcrecall.recall.holdout import with_holdout
from wcrecall.state.db import State


def policy_for(settings: Settings) -> Policy:
    """The statuses, lookback, delays and throttle the decisions read."""
    return Policy(
        statuses=settings.recall.statuses,
        lookback=settings.recall.lookback,
        delays=settings.recall.delays,
        class_delays=settings.routing.delays,
        min_gap=settings.throttle.min_gap,
        max_per_week=settings.throttle.max_per_week,
    )


def history_horizon(settings: Settings) -> timedelta:
    """How far back a tick needs ended recalls: the buyers' caps (7 days) and gap, the lookback (orders it must not
    open again) and the burst window before it, the window a paid new order ends a recall in; a day to spare. Older
    ones live in the state's archive, which a tick does not read (state/archive.py)."""
    guard = 2 * settings.guard.burst_window + settings.recall.lookback
    return max(timedelta(days=7), ATTRIBUTION_WINDOW, settings.throttle.min_gap, guard) + timedelta(days=1)


def draft_recall(order: Order, state: State, *, email_hash: str, now: datetime, policy: Policy) -> Recall:
    """The recall a new order gets, before the planner decides on it (hashes keyed by the state's key)."""
    group = ""
    if order.cart_hash:
        key = bytes.fromhex(state.meta["hash_key"])
        group = hmac.new(key, f"{order.email_key}|{order.cart_hash}".encode(), "sha256").hexdigest()[:24]
    return Recall(
        id=order.id,
        number=order.number,
        kind=order.status,
        status=order.status,
        email_hash=email_hash,
        email_masked=mask_email(order.email) if order.email else "",
        customer_id=order.customer_id,
        country=order.country,
        currency=order.currency,
        total=str(order.total),
        created=order.date_created.isoformat(),
        opened=now.isoformat(),
        modified=order.date_modified.isoformat(),
        group=group,
        planned=len(policy.delays.get(order.status, ())),
        ip_hash=state.email_hash(f"ip:{order.customer_ip}") if order.customer_ip else "",
    )


def rules_for(settings: Settings) -> Rules:
    """The settings the planner reads, as plain values (with the holdout's key when the holdout is on)."""
    regional, guard, throttle, routing = settings.regional, settings.guard, settings.throttle, settings.routing
    rules = Rules(
        policy=policy_for(settings),
        default_language=regional.default_language,
        store_timezone=regional.store_timezone,
        quiet_hours=regional.quiet_hours,
        countries=regional.countries,
        blocked_domains=guard.blocked_domains,
        burst_window=guard.burst_window,
        burst_failures=guard.burst_failures,
        no_email=routing.no_email,
        suggest_methods=routing.suggest_methods,
        domain_hourly_cap=throttle.domain_hourly_cap,
        domain_caps=throttle.domain_caps,
    )
    return with_holdout(rules, settings)


def rules_key(rules: Rules) -> str:
    """The rules a tick planned under (settings and version): the stored next-step times hold while it is the same."""
    return hashlib.sha256(f"{__version__} {rules!r}".encode()).hexdigest()[:16]


def not_due_yet(recall: Recall, now: datetime) -> bool:
    """True when the recall's stored next step is still ahead: a tick under the same rules need not plan it again.

    The stored time is never later than the real one: the caps and quiet hours only ever move a step later, and a
    change to the order (its status, its last change for hold stock) clears it, so it is planned in that tick."""
    due = from_iso(recall.next_due)
    return due is not None and due > now


def may_be_due(recalls: Iterable[Recall], now: datetime, *, same_rules: bool, planned: Container[int]) -> list[Recall]:
    """The open recalls a tick may send to, in the order it tries them (the stored next step first, then the order
    id): all after a change of the rules, else those planned in this tick or not `not_due_yet`. Only these are sorted:
    of thousands open, most are not due. The tick asks again at each one's turn (a send may drop a plan made in this
    tick); no send makes due a recall left out here, since each send changes only its own recall."""
    due = [r for r in recalls if not same_rules or r.id in planned or not not_due_yet(r, now)]
    return sorted(due, key=lambda r: (r.next_due or "", r.id))


__all__ = ["draft_recall", "may_be_due", "not_due_yet", "policy_for", "rules_for", "rules_key"]
