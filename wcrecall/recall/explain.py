"""`wcrecall explain`: why an order gets (or does not get) which reminder when. Reads only; sends and writes nothing.

It asks the planner (plan/planner.py) exactly as `run` does, with the same state (the buyer's history, the recall's
outcome, suppressions) and the same store reads, so it says what `run` will do now: `look` is shared with `preview`.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any

from wcrecall.config.settings import Settings, format_duration
from wcrecall.i18n import _, fmt_datetime, fmt_money, fmt_wall_time
from wcrecall.model.order import Order, mask_email, parse_order
from wcrecall.model.records import Recall, from_iso
from wcrecall.plan import holdout
from wcrecall.plan.classify import Classification, classify_order, explain_note
from wcrecall.plan.decide import steps_for
from wcrecall.plan.history import History
from wcrecall.plan.planner import Plan, Rules, carry, holds_stock, plan, upcoming, zone_of
from wcrecall.recall.notes import to_notes
from wcrecall.recall.rules import draft_recall, rules_for
from wcrecall.recall.storefacts import rules_for_order
from wcrecall.recall.words import class_label, outcome_label, step_label
from wcrecall.state import privacy
from wcrecall.state.db import State
from wcrecall.store.api import StoreApi, open_store


@dataclass
class Explanation:
    order: str
    lines: list[tuple[str, str]] = field(default_factory=list)  # (topic, text)
    schedule: list[tuple[int, str, str, str]] = field(default_factory=list)  # (step, scheduled, sends at, why)
    run_now: str = ""  # what `run` does with this order now: "sends reminder 1 of 3", "ends: ...", "nothing: ..."

    def add(self, topic: str, text: str) -> None:
        self.lines.append((topic, text))


@dataclass(frozen=True)
class Look:
    """An order as `run` sees it now, and the planner's answer."""

    order: Order
    verdict: Classification
    recall: Recall  # the state's recall, or the one run would open (with what opening fixes)
    existing: bool
    plan: Plan
    history: History
    rules: Rules
    now: datetime


def explain_text(text: str, payment_method: str = "") -> Classification:
    """Classify one note given on the command line."""
    return explain_note(text, payment_method)


def describe_verdict(verdict: Classification) -> str:
    """The failure class's evidence for the owner: the rule, the note's language and the note's own words."""
    line = _("{failure_class} (rule {rule}, language {language})").format(
        failure_class=verdict.failure_class, rule=verdict.rule, language=verdict.language
    )
    if verdict.note_index is not None:
        line = _("{what} from note #{index}").format(what=line, index=verdict.note_index)
    if verdict.evidence:
        line = _('{what}: "{evidence}"').format(what=line, evidence=verdict.evidence)
    return line


def _ended(recall: Recall) -> str:
    return _("the recall ended ({outcome}: {reason})").format(
        outcome=outcome_label(recall.outcome), reason=recall.end_reason
    )


def look(settings: Settings, store: StoreApi, order_id: int, now: datetime) -> Look:
    """Read the order, its notes and (for a pending checkout order) the hold-stock time, as a tick would, and plan
    it against the state; nothing is written. Call inside `store.session()`."""
    order = parse_order(store.get_order(order_id))
    notes = store.get_notes(order_id)
    state = State.of(settings, read_only=True).load()
    rules = rules_for_order(rules_for(settings), order, store)  # the store's language, when the order needs it
    since = now - settings.guard.burst_window * 2 - rules.policy.lookback
    history = History.of(state.recalls.values(), now=now, failures_since=since)
    verdict = classify_order(status=order.status, payment_method=order.payment_method, notes=to_notes(notes))
    suppressed = privacy.blocked(state, order.email)
    existing = state.recalls.get(order.id)
    if existing is not None:
        hold = store.hold_stock_minutes() if existing.hold_minutes and order.status == "pending" else 0
        planned = plan(existing, history=history, rules=rules, now=now, order=order, hold_minutes=hold,
                       suppressed=suppressed)  # fmt: skip
        return Look(order, verdict, existing, True, planned, history, rules, now)
    email_hash = state.email_hash(order.email) if order.email else ""
    draft = draft_recall(order, state, email_hash=email_hash, now=now, policy=rules.policy)
    draft.reason, draft.reason_rule = verdict.failure_class, verdict.rule
    history.failed(draft, order.date_created)
    hold = store.hold_stock_minutes() if holds_stock(order) and order.status in rules.policy.statuses else 0
    given: dict[str, Any] = {"order": order, "new": True, "hold_minutes": hold, "suppressed": suppressed,
                             "rule": verdict.rule}  # fmt: skip
    planned = plan(draft, history=history, rules=rules, now=now, **given)
    if planned.end is None or not planned.end.refused:  # as run: a retried cart after the guard and country rules
        sibling = history.sibling(draft, state.recalls)
        carried, superseded = carry(draft, sibling)
        if superseded is not None:
            planned = replace(planned, end=superseded, send_now=False)
        elif sibling is not None:
            draft = carried
            planned = plan(draft, history=history, rules=rules, now=now, **given)
    opened = replace(draft, lang=planned.lang, zone=planned.zone, max_steps=planned.max_steps,
                     hold_minutes=planned.hold_minutes, warning=planned.warning, planned=planned.total_steps)  # fmt: skip
    return Look(order, verdict, opened, False, planned, history, rules, now)


def run_now(seen: Look) -> str:
    """What `run` does with the order now, in one line."""
    planned, recall = seen.plan, seen.recall
    if planned.end is not None:
        if seen.existing and not recall.is_open:
            return _("nothing: {why}").format(why=_ended(recall))
        if not planned.end.record:
            return _("nothing: {why}").format(why=planned.end.reason)
        outcome = planned.end.outcome
        if planned.end.flag and recall.sent_steps:
            outcome = "ended_unpaid"
        return _("ends: {outcome} ({why})").format(outcome=outcome, why=planned.end.reason)
    if planned.send_now and planned.step is not None:
        return _("sends reminder {n} of {total}").format(n=planned.step, total=planned.total_steps)
    skipped = _("; ").join(_("reminder {n} skipped: {why}").format(n=n, why=why) for n, why in planned.skipped)
    if planned.waits:
        why = _("reminder {n} waits: {why}").format(n=planned.step, why=planned.waits)
    elif planned.step is None:
        why = _("every reminder is done; the recall waits for a late payment")
    else:
        when = planned.at or planned.due
        why = _("reminder {n} at {at}").format(n=planned.step, at=fmt_datetime(when) if when else "-")
    reasons = _("; ").join(filter(None, (skipped, why)))
    if seen.existing:
        return _("nothing sent: {why}").format(why=reasons)
    return _("nothing sent now (the recall opens): {why}").format(why=reasons)


def explain_order(settings: Settings, *, order_id: int, now: datetime) -> Explanation:
    """Classify the order from its notes, choose language and time zone, and plan its reminders as a tick would,
    with the buyer's caps and quiet hours, suppressions, the guard and the recall's outcome applied. Store reads
    only (order, notes, hold stock); nothing is written anywhere."""
    store = open_store(settings)
    with store.session():
        seen = look(settings, store, order_id, now)
    order, recall, planned, verdict = seen.order, seen.recall, seen.plan, seen.verdict
    out = Explanation(order=_("#{number} ({status}, {total}, {email})").format(
        number=order.number, status=order.status, total=_money(order.total, order.currency), email=mask_email(order.email)))  # fmt: skip
    out.add(_("failure class"), _("{label}: {evidence}").format(
        label=class_label(verdict.failure_class), evidence=describe_verdict(verdict)))  # fmt: skip
    if planned.end is None:
        out.add(_("eligible"), _("yes"))
    elif seen.existing and not recall.is_open:
        out.add(_("eligible"), _("no: {why}").format(why=_ended(recall)))
    elif planned.end.flag:
        why = _("flagged do not contact; the owner gets a note instead of the buyer an email: {why}")
        out.add(_("eligible"), _("no: {why}").format(why=why.format(why=planned.end.reason)))
    else:
        out.add(_("eligible"), _("no: {why}").format(why=planned.end.reason))
    if planned.end is None and not recall.sent_steps and holdout.chosen(seen.rules, order.id):
        out.add(_("holdout"), _("when reminder 1 is due: {why}").format(why=holdout.reason(seen.rules.holdout)))
    regional = settings.regional
    lang = planned.lang or recall.lang or regional.default_language
    zone_name = planned.zone or recall.zone or regional.store_timezone
    earlier = _("chosen when the recall opened") if seen.existing else _("store default: no recall opens")
    out.add(_("language"), _("{lang} ({why})").format(lang=lang, why=planned.lang_why or earlier))
    zone_why = planned.zone_why or earlier
    out.add(_("time zone"), _("{zone} ({why}); quiet hours {quiet} local").format(
        zone=zone_name, why=zone_why, quiet=seen.rules.quiet(order.country)))  # fmt: skip
    rule = regional.countries.get(order.country)
    if rule is not None:
        out.add(
            _("country rules"),
            f"{order.country}: send={rule.send}, max_steps={rule.max_steps or 'all'}, consent_meta={rule.consent_meta or '-'}",
        )
    if recall.hold_minutes:
        out.add(_("hold stock"), recall.warning or _("WooCommerce cancels this unpaid order {minutes} min after its "
                "last change").format(minutes=recall.hold_minutes))  # fmt: skip
    policy = seen.rules.policy
    contacts = seen.history.contacts_of(recall.email_hash)
    out.add(_("buyer's emails so far"), _("{n} (caps: {gap} apart, {per_week} per 7 days)").format(
        n=len(contacts), gap=format_duration(policy.min_gap), per_week=policy.max_per_week))  # fmt: skip
    _schedule(out, seen, lang, zone_name)
    out.run_now = run_now(seen)
    return out


def _schedule(out: Explanation, seen: Look, lang: str, zone_name: str) -> None:
    recall, planned = seen.recall, seen.plan
    delays = _delays(seen)
    zone = zone_of(zone_name)
    for step in recall.steps:
        delay = f"+{format_duration(delays[step.n - 1])}" if step.n <= len(delays) else "-"
        when = from_iso(step.at)
        shown = f"{step_label(step.state)} {fmt_datetime(when) if when else step.at}"
        out.schedule.append((step.n, delay, shown, step.why or _("done")))
    for n, why in planned.skipped:
        out.schedule.append((n, f"+{format_duration(delays[n - 1])}", _("skipped now"), why))
    if planned.end is not None:
        return
    plain = replace(recall, lang=lang, zone=zone_name)
    for coming in upcoming(plain, planned, history=seen.history, rules=seen.rules, now=seen.now):
        shown = fmt_datetime(coming.at)
        if zone is not None:
            local = fmt_wall_time(coming.at, zone)
            shown = _("{time} ({local} the buyer's local time)").format(time=shown, local=local)
        delay = f"+{format_duration(delays[coming.n - 1])}"
        out.schedule.append((coming.n, delay, shown, _("; ").join(coming.reasons) or _("on schedule")))


def _money(amount: Decimal | str, currency: str) -> str:
    try:
        return fmt_money(Decimal(amount), currency)
    except (InvalidOperation, ValueError):
        return f"{amount} {currency}"


def _delays(seen: Look) -> tuple[timedelta, ...]:
    return steps_for(seen.recall, seen.rules.policy)
