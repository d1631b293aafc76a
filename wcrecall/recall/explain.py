"""`wcrecall explain`: why an order gets (or does not get) which reminder when. Reads only; sends and writes nothing."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta

from wcrecall.config.settings import Settings, format_duration
from wcrecall.model.order import Order, mask_email, parse_order
from wcrecall.model.records import SENT, UNCERTAIN, Recall, from_iso
from wcrecall.plan.classify import CLASS_LABELS, Classification, classify_order, describe, explain_note
from wcrecall.plan.decide import candidate_problem, fit, hold_stock_warning, steps_for
from wcrecall.plan.guard import blocked_domain
from wcrecall.plan.regional import buyer_zone, choose_language, format_local_datetime, parse_quiet_hours
from wcrecall.recall.notes import to_notes
from wcrecall.recall.tick import policy_for
from wcrecall.state.db import State
from wcrecall.store.client import Store


@dataclass
class Explanation:
    order: str
    lines: list[tuple[str, str]] = field(default_factory=list)  # (topic, text)
    schedule: list[tuple[int, str, str, str]] = field(default_factory=list)  # (step, scheduled, sends at, why)

    def add(self, topic: str, text: str) -> None:
        self.lines.append((topic, text))


def explain_text(text: str, payment_method: str = "") -> Classification:
    """Classify one note given on the command line."""
    return explain_note(text, payment_method)


def explain_order(settings: Settings, *, order_id: int, now: datetime) -> Explanation:
    """Classify the order from its notes, choose language and time zone, and plan its reminders as a tick would,
    with the buyer's caps and quiet hours applied. Two GETs (order, notes); nothing is written anywhere."""
    store = Store(settings.store)
    with store.session():
        order = parse_order(store.get_order(order_id))
        notes = store.get_notes(order_id)
        pending_checkout = order.status == "pending" and order.created_via in ("checkout", "store-api")
        hold = store.hold_stock_minutes() if pending_checkout else 0
    state = State.of(settings, read_only=True).load()
    policy = policy_for(settings)
    out = Explanation(
        order=f"#{order.number} ({order.status}, {order.total} {order.currency}, {mask_email(order.email)})"
    )
    problem = candidate_problem(order, now, policy) or blocked_domain(order.email, settings.guard.blocked_domains)
    verdict = classify_order(status=order.status, payment_method=order.payment_method, notes=to_notes(notes))
    out.add("failure class", f"{CLASS_LABELS.get(verdict.failure_class, verdict.failure_class)}: {describe(verdict)}")
    if problem:
        out.add("eligible", f"no: {problem}")
    elif verdict.failure_class in settings.routing.no_email:
        out.add("eligible", "no: flagged do not contact; the owner gets a note instead of the buyer an email")
    else:
        out.add("eligible", "yes")
    regional = settings.regional
    language = choose_language(
        meta=order.meta, country=order.country, state=order.state, default=regional.default_language
    )
    zone = buyer_zone(country=order.country, state=order.state, fallback=regional.store_timezone)
    rule = regional.countries.get(order.country)
    quiet = parse_quiet_hours(rule.quiet_hours if rule and rule.quiet_hours else regional.quiet_hours)
    out.add("language", f"{language.lang} ({language.why})")
    out.add("time zone", f"{zone.zone.key} ({zone.why}); quiet hours {quiet} local")
    if rule is not None:
        out.add(
            "country rules",
            f"{order.country}: send={rule.send}, max_steps={rule.max_steps or 'all'}, consent_meta={rule.consent_meta or '-'}",
        )
    recall = _as_recall(order, verdict, language.lang, zone.zone.key, hold, rule.max_steps if rule else 0, state)
    if hold:
        warning = hold_stock_warning(policy.delays.get("pending", (timedelta(0),))[0], hold)
        out.add("hold stock", warning or f"WooCommerce cancels this unpaid order {hold} min after its last change")
    contacts = sorted(
        t
        for r in state.recalls.values()
        if r.email_hash == recall.email_hash
        for s in r.steps
        if s.state in (SENT, UNCERTAIN) and (t := from_iso(s.at)) is not None
    )
    out.add(
        "buyer's emails so far",
        f"{len(contacts)} (caps: {format_duration(policy.min_gap)} apart, {policy.max_per_week} per 7 days)",
    )
    created = order.date_created
    planned = list(contacts)
    existing = state.recalls.get(order.id)
    done = {step.n: step for step in existing.steps} if existing else {}
    delays = steps_for(recall, policy)
    previous: tuple[datetime, timedelta] | None = None  # (time of the step before, its delay): keeps the spacing
    for n, delay in enumerate(delays, start=1):
        if n in done:
            step = done[n]
            out.schedule.append(
                (
                    n,
                    f"+{format_duration(delay)}",
                    f"{step.state} {step.at[:16].replace('T', ' ')} UTC",
                    step.why or "done",
                )
            )
            sent = from_iso(step.at)
            previous = (sent, delay) if sent else previous
            continue
        base = created + delay
        if previous is not None:
            # As the tick does (decide.next_due): a late step pushes the next one back by the usual spacing.
            base = max(base, previous[0] + delay - previous[1])
        at, why = fit(
            base,
            contacts=planned,
            policy=policy,
            zone=zone.zone,
            quiet=quiet,
            now=now,
            deadline=_deadline(recall, order),
        )
        planned.append(at)
        previous = (at, delay)
        out.schedule.append(
            (
                n,
                f"+{format_duration(delay)}",
                f"{at:%Y-%m-%d %H:%M} UTC ({format_local_datetime(at, zone.zone, language.lang)} local)",
                "; ".join(why) or "on schedule",
            )
        )
    return out


def _deadline(recall: Recall, order: Order) -> datetime | None:
    return order.date_modified + timedelta(minutes=recall.hold_minutes) if recall.hold_minutes else None


def _as_recall(
    order: Order, verdict: Classification, lang: str, zone: str, hold: int, max_steps: int, state: State
) -> Recall:
    existing = state.recalls.get(order.id)
    base = Recall(
        id=order.id, number=order.number, kind=order.status if order.status in ("failed", "pending") else "failed",
        status=order.status, email_hash=state.email_hash(order.email) if order.email else "",
        email_masked=mask_email(order.email), customer_id=order.customer_id, country=order.country,
        currency=order.currency, total=str(order.total), created=order.date_created.isoformat(),
        opened=order.date_created.isoformat(), reason=verdict.failure_class, lang=lang, zone=zone,
        hold_minutes=hold, max_steps=max_steps,
    )  # fmt: skip
    return replace(base, email_hash=existing.email_hash) if existing else base
