"""Opening a recall: what the sync learned about one order becomes a new recall (or the end of open ones).

A new failed order is screened (guard, blocked domains) before its notes are read, classified from its notes, planned
(routing, country rules, quiet hours) and carried over from an older order for the same cart; or it is recorded as
not contacted, or flagged do-not-contact with a private note. A paid order ends its buyer's older open recalls.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any, Protocol

from wcrecall.i18n import _
from wcrecall.model.order import PAID_STATUSES, Order
from wcrecall.model.records import (
    BASELINE,
    ENDED_UNPAID,
    NOT_CONTACTED,
    OPEN,
    RECOVERED,
    RECOVERED_NEW_ORDER,
    SUPERSEDED,
    Recall,
    finish,
    iso,
)
from wcrecall.plan.classify import classify_order
from wcrecall.plan.decide import Policy, ending, is_newer_paid_order
from wcrecall.plan.history import History
from wcrecall.plan.planner import End, Plan, Rules, admission, carry, holds_stock, plan, screen
from wcrecall.recall.holdout import record_payment
from wcrecall.recall.notes import restore, to_notes
from wcrecall.recall.rules import draft_recall
from wcrecall.recall.storefacts import StoreFacts
from wcrecall.recall.words import class_label
from wcrecall.state import privacy
from wcrecall.state.db import State
from wcrecall.store.api import StoreApi


class Counts(Protocol):
    opened: int
    ended: int


class Host(Protocol):
    """What opening needs from the tick: its store, state, clock, rules and history, where to report, and how to save
    and end a recall."""

    now: datetime
    baseline: bool
    policy: Policy
    rules: Rules
    history: History
    facts: StoreFacts

    @property
    def store(self) -> StoreApi: ...

    @property
    def state(self) -> State: ...

    @property
    def report(self) -> Counts: ...

    def say(self, order_id: int | str, text: str, **fields: object) -> None: ...

    def put(self, recall: Recall, *, durable: bool = False) -> None: ...

    def end(
        self,
        recall: Recall,
        outcome: str,
        reason: str,
        *,
        paid_at: datetime | None = None,
        paid_order: int | None = None,
        note: bool = True,
    ) -> None: ...


class Opening:
    """The tick's opening of recalls. `planned` (the plans made here, for the first send in the same tick) and
    `notes_read` (the orders whose notes were read here) are shared with the tick, which sends."""

    def __init__(self, host: Host, *, planned: dict[int, Plan], notes_read: set[int]) -> None:
        self.host, self.planned, self.notes_read = host, planned, notes_read
        self.now, self.rules, self.history = host.now, host.rules, host.history

    def _plan(self, recall: Recall, **given: Any) -> Plan:
        return plan(recall, history=self.history, rules=given.pop("rules", self.rules), now=self.now, **given)

    def handle(self, order: Order) -> None:
        """Apply what the sync learned about one order."""
        email_hash = self.host.state.email_hash(order.email) if order.email else ""
        recall = self.host.state.recalls.get(order.id)
        if recall is not None and record_payment(recall, order, self.now):
            self.host.put(recall)  # held out: paid without a reminder, counted for the uplift
        if recall is not None and recall.is_open:
            end = ending(order)
            if end is not None:
                self.host.end(
                    recall, end[0], end[1], paid_at=order.date_paid or self.now if end[0] == RECOVERED else None
                )
            elif recall.status != order.status or recall.modified != order.date_modified.isoformat():
                recall.status, recall.modified = order.status, order.date_modified.isoformat()
                recall.next_due = None  # planned again below: the hold-stock deadline follows the last change
                self.host.put(recall)
        if order.status in PAID_STATUSES:
            self._recovered_by_new_order(order, email_hash)
        if recall is None and order.status in self.host.policy.statuses:
            refusal = admission(order, self.rules, self.now, suppressed=privacy.blocked(self.host.state, order.email))
            if refusal is None:
                self.open(order, email_hash)
            elif refusal.record:
                self.not_contacted(order, email_hash, refusal.reason)

    def _recovered_by_new_order(self, order: Order, email_hash: str) -> None:
        for rid in sorted(self.history.buyer_recalls(email_hash, order.customer_id)):
            other = self.host.state.recalls.get(rid)
            if other is None or not is_newer_paid_order(order, other, email_hash):
                continue
            if record_payment(other, order, self.now):
                self.host.put(other)  # held out: the buyer paid a newer order without a reminder
            elif other.is_open:
                self.host.end(
                    other,
                    RECOVERED_NEW_ORDER,
                    _("buyer paid new order #{number}").format(number=order.number),
                    paid_at=order.date_paid or order.date_created,
                    paid_order=order.id,
                )

    def _new_recall(self, order: Order, email_hash: str) -> Recall:
        return draft_recall(order, self.host.state, email_hash=email_hash, now=self.now, policy=self.host.policy)

    def not_contacted(self, order: Order, email_hash: str, why: str) -> None:
        recall = self._new_recall(order, email_hash)
        finish(recall, NOT_CONTACTED, why, self.now)
        self.host.put(recall)
        self.host.say(order.id, _("not contacted: {why}").format(why=why))

    def open(self, order: Order, email_hash: str) -> None:
        recall = self._new_recall(order, email_hash)
        self.history.failed(recall, order.date_created)
        blocked = screen(order, recall, self.history, self.rules)  # before reading its notes: no request for a bot
        if blocked is not None:
            self._refuse(recall, blocked)
            return
        notes = self.host.store.get_notes(order.id)
        self.notes_read.add(order.id)
        self._restore_from_notes(recall, notes)
        verdict = classify_order(status=order.status, payment_method=order.payment_method, notes=to_notes(notes))
        recall.reason, recall.reason_rule = verdict.failure_class, verdict.rule
        if recall.outcome != OPEN:
            self.host.put(recall)
            return
        hold = self.host.facts.hold_minutes() if holds_stock(order) else 0
        rules = self.host.facts.rules_for(order)  # with the store's language when the buyer's needs it
        planned = self._plan(
            recall, order=order, new=True, hold_minutes=hold, rule=verdict.rule, at_send=False, rules=rules
        )
        if planned.end is not None and planned.end.refused:
            self._refuse(recall, planned.end)  # routing or the country rules
            return
        recall.lang, recall.zone, recall.hold_minutes = planned.lang, planned.zone, planned.hold_minutes
        recall.max_steps, recall.warning, recall.planned = planned.max_steps, planned.warning, planned.total_steps
        sibling = self.history.sibling(recall, self.host.state.recalls)
        carried, superseded = carry(recall, sibling)
        if sibling is not None:
            if superseded is None:
                # The buyer retried the same cart in a new order: the newest order carries the recall.
                recall.steps, recall.created = carried.steps, carried.created
                self.host.end(
                    sibling,
                    SUPERSEDED,
                    _("newer order #{number} for the same cart").format(number=order.number),
                    note=False,
                )
                sibling.superseded_by = order.id
                self.host.put(sibling)
            else:
                finish(recall, SUPERSEDED, superseded.reason, self.now)
                recall.superseded_by = sibling.id
                self.host.put(recall)
                return
        if self.host.baseline:
            finish(recall, BASELINE, _("adopted by --baseline"), self.now)
            self.host.put(recall)
            self.host.say(order.id, _("adopted without mailing (--baseline)"))
            return
        if sibling is None:
            self.planned[recall.id] = planned  # its first send in this tick plans nothing again
        else:
            planned = self._plan(recall)  # the steps the older order sent count
        recall.next_due = iso(planned.at or planned.due)
        self.host.put(recall)
        self.history.index(recall)
        self.host.report.opened += 1
        opened = (
            _("recall opened ({status}, {reason}, {planned} reminders in {lang}; next due {short})")
            if recall.reason
            else _("recall opened ({status}, {planned} reminders in {lang}; next due {short})")
        )
        self.host.say(
            order.id,
            opened,
            status=order.status,
            reason=class_label(recall.reason),
            planned=recall.planned,
            lang=recall.lang,
            short=planned.at or planned.due or _("never"),  # a moment is written out only if the line is shown
        )
        if recall.warning:
            self.host.say(order.id, recall.warning)

    def _restore_from_notes(self, recall: Recall, raw_notes: Iterable[Any]) -> None:
        restore(recall, raw_notes, self.now)

    def _refuse(self, recall: Recall, refusal: End) -> None:
        """A new recall refused as it opens: flagged do-not-contact (guard, routing; a card-testing burst ends the
        buyer's other open recalls too), or not contacted (country rules)."""
        if refusal.burst:
            self._end_burst(recall, refusal.burst, refusal.reason)
        if refusal.flag:
            self.flag(recall, refusal.reason)
            return
        recall.outcome, recall.end_reason, recall.ended = refusal.outcome, refusal.reason, self.now.isoformat()
        self.host.put(recall)
        self.host.say(recall.id, _("not contacted: {reason}").format(reason=refusal.reason))

    def _end_burst(self, recall: Recall, label: str, reason: str) -> None:
        """Open recalls that belong to the same burst stop too: they were card tests, not buyers."""
        for other in list(self.host.state.open_recalls()):
            same = other.ip_hash == recall.ip_hash if label == "IP address" else other.email_hash == recall.email_hash
            if same and other.id != recall.id:
                self.flag(other, reason, opened=False)

    def flag(self, recall: Recall, reason: str, *, opened: bool = True) -> None:
        """End as `do_not_contact`, with a private note so the owner sees why in WP admin: not contacted, or, for a
        buyer already reminded, ended unpaid (they were contacted)."""
        contacted = bool(recall.sent_steps)
        recall.reason = "do_not_contact"
        finish(recall, ENDED_UNPAID if contacted else NOT_CONTACTED, reason, self.now, note=True)
        self.host.put(recall)
        if not opened:
            self.host.report.ended += 1
        self.host.say(
            recall.id,
            (
                _("no more reminders (do not contact): {reason}")
                if contacted
                else _("not contacted (do not contact): {reason}")
            ).format(reason=reason),
        )


__all__ = ["Host", "Opening"]
