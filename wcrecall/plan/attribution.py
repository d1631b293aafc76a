"""What counts as recovered by wcrecall: one rule, used by `status`, the demo's summary and `report`.

A recall is recovered by wcrecall when its order (or a newer order of the same buyer) was paid after at least one
reminder was sent, and within the attribution window after the last reminder before the payment. A buyer who paid
before any reminder went out came back on their own: the payment is shown, but not credited.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from wcrecall.model.records import RECOVERED_OUTCOMES, SENT, UNCERTAIN, Recall, from_iso
from wcrecall.plan.decide import ATTRIBUTION_WINDOW

CONTACTED_STATES = (SENT, UNCERTAIN)  # an uncertain step may have reached the buyer: it counts as sent


@dataclass(frozen=True)
class Attribution:
    """Whether and how a recall's payment is credited to a reminder."""

    credited: bool
    step: int | None = None  # the last reminder sent before the payment
    hours: float | None = None  # from that reminder to the payment


def attribute(recall: Recall, window: timedelta = ATTRIBUTION_WINDOW) -> Attribution:
    """Credit a paid recall to its last reminder before the payment if the payment came within `window` of it."""
    if recall.outcome not in RECOVERED_OUTCOMES:
        return Attribution(False)
    paid = from_iso(recall.paid_at) or from_iso(recall.ended)
    if paid is None:
        return Attribution(False)
    before = [(at, s.n) for s in recall.steps if s.state in CONTACTED_STATES and (at := from_iso(s.at)) and at <= paid]
    if not before:
        return Attribution(False)
    at, step = max(before)
    if paid - at > window:
        return Attribution(False, step)
    return Attribution(True, step, (paid - at).total_seconds() / 3600)


def recovered_by_recall(recall: Recall, window: timedelta = ATTRIBUTION_WINDOW) -> bool:
    """True when the recall's payment is credited to a reminder (see the module docstring)."""
    return attribute(recall, window).credited


PAID_WITHOUT_REMINDER = "paid_without_reminder"  # the label of a paid recall that is not credited


def outcome_label(recall: Recall, window: timedelta = ATTRIBUTION_WINDOW) -> str:
    """The outcome as the owner reads it: a paid recall not credited to a reminder is `paid_without_reminder`."""
    if recall.outcome in RECOVERED_OUTCOMES and not recovered_by_recall(recall, window):
        return PAID_WITHOUT_REMINDER
    return recall.outcome
