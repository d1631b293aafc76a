"""The planner: for one recall (or one order about to get one), what to send when, or why not.

`plan()` is a pure function of plain data with the clock injected: the recall record, the order when it was read,
the buyer's history (plan/history.py), the rules (the settings it needs, as plain values), the store's hold-stock
minutes and `now`. `run` (recall/tick.py), `explain` and `preview` all ask it, so they cannot disagree. It composes
decide.py's small functions; this module holds the order in which they apply:

    admission (status, payment, lookback, address, suppression)        -> not contacted
    guard (crawler, blocked or disposable domain, card-testing burst)  -> do not contact (flagged)
    routing (a class that must not be mailed)                          -> do not contact (flagged)
    country rules (not mailed here, step cap), language, zone, hold stock
    the schedule (decide.next_due): skipped steps, or the recall's end when no step is left
    the buyer's caps and quiet hours (decide.fit); the holdout (plan/holdout.py) when the first step is due; the
    domain throttle
    at send time, with the order read fresh: its end, suppression, consent, language, the hold-stock rule

The tick applies the plan's fields and ends; the other two print or render them.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from wcrecall.i18n import _
from wcrecall.model.durations import format_duration
from wcrecall.model.order import Order
from wcrecall.model.records import ENDED_UNPAID, NOT_CONTACTED, OPEN, SKIPPED, SUPERSEDED, Recall, from_iso
from wcrecall.plan.decide import (
    candidate_problem,
    ending,
    fit,
    hold_deadline,
    hold_stock_warning,
    next_due,
    steps_for,
    too_close_to_cancel,
    unpaid_end,
)
from wcrecall.plan.guard import blocked_domain, burst
from wcrecall.plan.history import History, recipient_domain
from wcrecall.plan.holdout import held_out
from wcrecall.plan.regional import LanguageChoice, buyer_zone
from wcrecall.plan.regional.language import order_language
from wcrecall.plan.rules import DO_NOT_CONTACT as DO_NOT_CONTACT
from wcrecall.plan.rules import CountryRules as CountryRules
from wcrecall.plan.rules import End as End
from wcrecall.plan.rules import Rules as Rules


@dataclass(frozen=True, kw_only=True)
class Plan:
    """What run does with one recall now, and what explain and preview show.

    `step` is the next reminder (None: none left), due at `due` by the schedule and sent at `at` (moved for the caps
    and quiet hours, `reasons` says why); `send_now` when it goes in this tick. `skipped` are the steps given up now,
    with why. `end` is set when the recall ends now (then nothing is sent). `following` is when the step after `step`
    would go if `step` is sent now (the recall's next_due after the send). The rest is what a renderer needs: `lang`,
    `zone`, `failure_class`, `kind`, `total_steps`, the hold-stock `deadline` (pending checkout orders), and the
    recall fields fixed when it opens (`max_steps`, `hold_minutes`, `warning`)."""

    step: int | None = None
    due: datetime | None = None
    at: datetime | None = None
    send_now: bool = False
    reasons: tuple[str, ...] = ()
    skipped: tuple[tuple[int, str], ...] = ()
    end: End | None = None
    waits: str = ""  # why a step due now waits for a later tick (domain throttle)
    following: datetime | None = None
    lang: str = ""
    lang_why: str = ""  # why this language ("billing country DE"), when chosen by this plan
    zone: str = ""
    zone_why: str = ""  # why this zone, when chosen by this plan
    failure_class: str = ""
    kind: str = ""
    total_steps: int = 0
    deadline: datetime | None = None
    max_steps: int = 0
    hold_minutes: int = 0
    warning: str = ""

    @property
    def eligible(self) -> bool:
        """The recall stays open: a reminder is sent now or later (or it waits for a late payment)."""
        return self.end is None


def zone_of(name: str) -> ZoneInfo | None:
    try:
        return ZoneInfo(name) if name else None
    except (ZoneInfoNotFoundError, ValueError):
        return None


def admission(order: Order, rules: Rules, now: datetime, *, suppressed: str | None) -> End | None:
    """Whether an order without a recall gets one: None, or why not (not contacted; no row when it is older than the
    lookback)."""
    problem = candidate_problem(order, now, rules.policy) or suppressed
    if problem is None:
        return None
    recalled = order.status in rules.policy.statuses and order.date_created >= now - rules.policy.lookback
    return End(NOT_CONTACTED, problem, record=recalled, refused=True)


def holds_stock(order: Order) -> bool:
    """A pending checkout order: WooCommerce's hold stock cancels it if it stays unpaid."""
    return order.status == "pending" and order.created_via in ("checkout", "store-api")


def screen(order: Order, recall: Recall, history: History, rules: Rules) -> End | None:
    """The guard for a new recall: a crawler, blocked, reserved or disposable domain, or a card-testing burst (the
    order's own failure must be in `history`). None: the buyer may be mailed."""
    reason = blocked_domain(order.email, rules.blocked_domains)
    if reason:
        return End(NOT_CONTACTED, reason, flag=True, refused=True)
    for label, times in history.failures(recall):
        count = burst(times, order.date_created, rules.burst_window, rules.burst_failures) if times else None
        if count:
            window = format_duration(rules.burst_window)
            return End(
                NOT_CONTACTED,
                _("{count} failed orders from one {label} within {window} (card testing?)").format(
                    count=count,
                    label={"IP address": _("IP address"), "email": _("email")}.get(label, label),
                    window=window,
                ),
                flag=True,
                burst=label,
                refused=True,
            )
    return None


def routing(recall: Recall, rule: str, rules: Rules) -> End | None:
    """A failure class the owner wants reviewed, not mailed."""
    if recall.reason in rules.no_email:
        return End(
            NOT_CONTACTED,
            _("the payment was flagged ({rule}); review the order before contacting the buyer").format(rule=rule),
            flag=True,
            refused=True,
        )
    return None


def carry(recall: Recall, sibling: Recall | None) -> tuple[Recall, End | None]:
    """A retry of the same cart by the same buyer while `sibling`'s recall is open: the newer order carries the
    recall, with the steps already sent (nobody gets reminder 1 twice), and the older one is superseded. Returns the
    recall to plan, and its end when it is the older order."""
    if sibling is None:
        return recall, None
    theirs, mine = from_iso(sibling.created), from_iso(recall.created)
    if theirs is not None and mine is not None and mine > theirs:
        steps = [s for s in sibling.steps if s.state != SKIPPED] + recall.steps
        return replace(recall, steps=steps, created=sibling.created), None
    return recall, End(
        SUPERSEDED, _("newer order #{number} for the same cart").format(number=sibling.number), refused=True
    )


def plan(
    recall: Recall,
    *,
    history: History,
    rules: Rules,
    now: datetime,
    order: Order | None = None,
    new: bool = False,
    hold_minutes: int = 0,
    suppressed: str | None = None,
    rule: str = "",
    at_send: bool = True,
) -> Plan:
    """What to do with `recall` now. `new`: it is about to open for `order` (admission, guard, routing and the
    country rules apply, and its language, zone, step cap and hold stock are chosen). With `order` (read fresh) and
    `at_send`, the send-time checks apply to a step due now (`confirm`). `hold_minutes`: the store's hold-stock time, for pending
    checkout orders; `suppressed`: why the buyer's address is suppressed, if it is; `rule`: the classifier's rule,
    for the routing note."""
    # The plan's fields as they are worked out, made into one Plan at the end (`made`): each `replace` of a frozen
    # dataclass costs as much as building it, and a plan took five.
    base: dict[str, Any] = {
        "lang": recall.lang,
        "zone": recall.zone,
        "failure_class": recall.reason,
        "kind": recall.kind,
    }

    def made(**more: Any) -> Plan:
        return Plan(**{**base, **more})

    if recall.outcome != OPEN:
        return made(end=End(recall.outcome, recall.end_reason or _("ended"), record=False))
    if new:
        if order is None:
            raise ValueError("a new recall is planned from its order")
        refusal = (
            admission(order, rules, now, suppressed=suppressed)
            or screen(order, recall, history, rules)
            or routing(recall, rule, rules)
        )
        if refusal is not None:
            return made(end=refusal)
        opening = opened(recall, order, rules, hold_minutes)
        if opening.refusal:
            return made(end=End(NOT_CONTACTED, opening.refusal, refused=True))
        recall = opening.recall
        base.update(lang=recall.lang, lang_why=opening.lang_why, zone=recall.zone, zone_why=opening.zone_why,
                    max_steps=recall.max_steps, hold_minutes=recall.hold_minutes, warning=recall.warning)  # fmt: skip
    elif order is not None and (gone := ending(order)) is not None:
        return made(end=End(*gone))
    base["total_steps"] = len(steps_for(recall, rules.policy))
    due = next_due(recall, rules.policy, now)
    base.update(skipped=due.skipped, step=due.n, due=due.at)
    if due.n is None or due.at is None:
        if not recall.sent_steps:
            return made(end=End(NOT_CONTACTED, _("no reminder could be sent in the lookback window")))
        if unpaid_end(recall, now, rules.policy):
            return made(end=End(ENDED_UNPAID, _("no payment after the last reminder")))
        return made()  # every step done: open until the attribution window closes
    last_change = order.date_modified if order is not None else from_iso(recall.modified) or from_iso(recall.created)
    deadline = hold_deadline(last_change, recall.hold_minutes)
    contacts = history.contacts_of(recall.email_hash)
    at, reasons = fit(due.at, contacts=contacts, policy=rules.policy, zone=zone_of(recall.zone),
                      quiet=rules.quiet(recall.country), now=now, deadline=deadline)  # fmt: skip
    base.update(at=at, reasons=reasons, deadline=deadline)
    if at > now:
        return made()
    if (held := held_out(recall, rules)) is not None:
        return made(end=held)  # the moment of its first reminder: in the holdout, none is sent
    domain = recipient_domain(recall)
    cap = rules.domain_caps.get(domain, rules.domain_hourly_cap)
    if cap and history.domain_sends_since(domain, now - timedelta(hours=1)) >= cap:
        return made(waits=_("{cap} emails to {domain} in the last hour (throttle)").format(cap=cap, domain=domain))
    sent_now = _at(_following(recall, due.n, now, contacts=[*contacts, now], rules=rules, now=now, deadline=deadline))
    ready = made(send_now=True, following=sent_now)
    if order is None or not at_send:
        return ready
    return confirm(ready, recall, order, history=history, rules=rules, now=now, hold_minutes=hold_minutes,
                   suppressed=suppressed)  # fmt: skip


@dataclass(frozen=True)
class Opening:
    """A recall as it opens (`opened`): with its language, zone, step cap and hold stock, and why; or the refusal."""

    recall: Recall
    refusal: str = ""
    lang_why: str = ""
    zone_why: str = ""


@dataclass(frozen=True)
class SendView:
    """What an email built now from the fresh order uses (`send_view`)."""

    lang: str
    lang_why: str
    hold_minutes: int
    deadline: datetime | None


def opened(recall: Recall, order: Order, rules: Rules, hold_minutes: int) -> Opening:
    """The recall with what is fixed when it opens (language, zone, a country's step cap, hold stock and its
    warning), or why the country rules forbid mailing. The recall given is not changed."""
    rule = rules.countries.get(order.country)
    if rule is not None and not rule.send:
        return Opening(recall, _("country rules: orders from {country} are not mailed").format(country=order.country))
    lang = _language(order, rules)
    zone = buyer_zone(country=order.country, state=order.state, fallback=rules.store_timezone)
    hold, warning = 0, ""
    if holds_stock(order):
        hold = hold_minutes
        warning = hold_stock_warning(rules.policy.delays.get("pending", (timedelta(0),))[0], hold)
    changes: dict[str, Any] = {"lang": lang.lang, "zone": zone.zone.key, "hold_minutes": hold, "warning": warning}
    if rule is not None:
        changes["max_steps"] = rule.max_steps
    return Opening(replace(recall, **changes), lang_why=lang.why, zone_why=zone.why)


def confirm(
    ready: Plan,
    recall: Recall,
    order: Order,
    *,
    history: History,
    rules: Rules,
    now: datetime,
    hold_minutes: int,
    suppressed: str | None,
) -> Plan:
    """The checks right before step `ready.step` goes out, on the order read fresh: its own end, suppression, the
    country's consent, the language its meta records, and the hold-stock rule (no reminder in the last 15 min before
    WooCommerce cancels it: the step is skipped)."""
    n = ready.step
    if not ready.send_now or n is None:
        return ready
    if (gone := ending(order)) is not None:
        return replace(ready, send_now=False, end=End(*gone))
    if suppressed is not None:
        return replace(ready, send_now=False, end=End(ENDED_UNPAID if recall.sent_steps else NOT_CONTACTED, suppressed))
    rule = rules.countries.get(order.country)
    consent = order.meta.get(rule.consent_meta, "") if rule is not None and rule.consent_meta else "yes"
    if consent.strip().lower() in ("", "0", "no", "false"):
        why = _("country rules: no consent ({meta} is not set on the order)").format(
            meta=rule.consent_meta if rule else ""
        )
        return replace(ready, send_now=False, end=End(NOT_CONTACTED, why))
    view = send_view(recall, order, rules, hold_minutes)
    lang, held, deadline = view.lang, view.hold_minutes, view.deadline
    ready = replace(ready, lang_why=view.lang_why)
    contacts = history.contacts_of(recall.email_hash)
    fresh = replace(recall, hold_minutes=held)
    too_late = too_close_to_cancel(deadline, held, now)
    if too_late is None:
        following = _at(_following(fresh, n, now, contacts=[*contacts, now], rules=rules, now=now, deadline=deadline))
        return replace(ready, lang=lang, hold_minutes=held, deadline=deadline, following=following)
    last = recall.last_contact()
    following = _at(_following(fresh, n, last, contacts=contacts, rules=rules, now=now, deadline=deadline))
    return replace(ready, send_now=False, skipped=(*ready.skipped, (n, too_late)), following=following, lang=lang,
                   hold_minutes=held, deadline=deadline)  # fmt: skip


def send_view(recall: Recall, order: Order, rules: Rules, hold_minutes: int) -> SendView:
    """What an email built now from the fresh order uses: the language (a multilingual plugin's meta may have come
    since the recall opened), the hold-stock minutes (the shop's setting now, for a pending order that had hold
    stock), and the hold-stock deadline (pending orders only)."""
    lang = _language(order, rules)
    held = hold_minutes if recall.hold_minutes and order.status == "pending" else recall.hold_minutes
    deadline = hold_deadline(order.date_modified, held) if order.status == "pending" else None
    return SendView(lang.lang, lang.why, held, deadline)


def _language(order: Order, rules: Rules) -> LanguageChoice:
    """The buyer's language, from the strongest signal to the weakest (plan/regional/language.py)."""
    return order_language(order, default=rules.default_language, store=rules.store_language)


def other_methods(gateways: Iterable[Any], payment_method: str, failure_class: str, rules: Rules) -> list[str]:
    """Titles of the store's other enabled payment methods, for the classes where another way to pay helps."""
    if failure_class not in rules.suggest_methods:
        return []
    return [
        str(g.get("title") or "").strip()
        for g in gateways
        if isinstance(g, dict) and g.get("enabled") is True and g.get("id") != payment_method and g.get("title")
    ]


def upcoming(recall: Recall, first: Plan, *, history: History, rules: Rules, now: datetime) -> list[Upcoming]:
    """The reminders still to come if each goes when planned, from `first` on: (step, at, why it moved)."""
    if first.step is None or first.at is None:
        return []
    found = [Upcoming(first.step, first.at, first.reasons)]
    contacts = history.contacts_of(recall.email_hash)
    while True:
        last = found[-1]
        contacts.append(last.at)
        moved = _following(recall, last.n, last.at, contacts=contacts, rules=rules, now=now, deadline=first.deadline)
        if moved is None:
            return found
        found.append(Upcoming(last.n + 1, *moved))


@dataclass(frozen=True)
class Upcoming:
    n: int
    at: datetime
    reasons: tuple[str, ...]


def _following(
    recall: Recall,
    n: int,
    last_contact: datetime | None,
    *,
    contacts: list[datetime],
    rules: Rules,
    now: datetime,
    deadline: datetime | None,
) -> tuple[datetime, tuple[str, ...]] | None:
    """When the step after `n` goes once `n` is done (sent at `last_contact`, or skipped), and why it moved: the
    schedule's spacing kept after a late step (as decide.next_due), then the caps and quiet hours."""
    delays = steps_for(recall, rules.policy)
    created = from_iso(recall.created)
    if created is None or n >= len(delays):
        return None
    at = created + delays[n]
    if last_contact is not None:
        at = max(at, last_contact + delays[n] - delays[n - 1])
    return fit(at, contacts=contacts, policy=rules.policy, zone=zone_of(recall.zone),
               quiet=rules.quiet(recall.country), now=now, deadline=deadline)  # fmt: skip


def _at(moved: tuple[datetime, tuple[str, ...]] | None) -> datetime | None:
    return moved[0] if moved is not None else None
