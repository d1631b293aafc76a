"""Pure decisions: which orders get a recall, when it ends, and which step is due when.

Plain functions of data and `now`; no I/O, no clock. The recall loop (recall/tick.py) calls them in the order of effects.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from wcrecall.i18n import _
from wcrecall.model.order import CLOSED_STATUSES, PAID_STATUSES, PAYABLE_STATUSES, Order
from wcrecall.model.records import CLOSED, RECOVERED, SKIPPED, Recall, Step, from_iso
from wcrecall.plan.regional import QuietHours, outside_quiet_hours

# After the last reminder a recall stays open this long so a late payment is still attributed to it; then it ends
# unpaid. The order's own status changes keep ending it earlier.
ATTRIBUTION_WINDOW = timedelta(days=7)

# A pending reminder is worth sending only if the buyer has at least this long to pay before hold stock cancels the
# order; closer to the cancel it is skipped (with this reason in `status`).
MIN_TIME_TO_PAY = timedelta(minutes=15)


@dataclass(frozen=True, kw_only=True)
class Policy:
    statuses: tuple[str, ...]
    lookback: timedelta
    delays: Mapping[str, tuple[timedelta, ...]]  # by order status
    class_delays: Mapping[str, tuple[timedelta, ...]] = field(default_factory=dict)  # by failure class (failed orders)
    attribution: timedelta = ATTRIBUTION_WINDOW
    min_gap: timedelta = timedelta(hours=16)  # between two emails to one buyer
    max_per_week: int = 3


@dataclass(frozen=True)
class Due:
    """The next step of a recall: `n` is due at `at`; `skipped` lists earlier steps given up, with why."""

    n: int | None
    at: datetime | None
    skipped: tuple[tuple[int, str], ...] = ()


def candidate_problem(order: Order, now: datetime, policy: Policy) -> str | None:
    """None when `order` should get a recall, else the reason it does not (shown in `status` and `-v`)."""
    if order.status not in policy.statuses:
        return _("status {status} is not recalled").format(status=order.status)
    if not order.needs_payment:
        return _("the store says the order needs no payment")
    if order.total <= 0:
        # needs_payment includes "total > 0" on a real store (class-wc-order.php); never trust it against the number.
        return _("nothing to pay (total {total})").format(total=order.total)
    if order.date_created < now - policy.lookback:
        return _("created before the lookback window")
    if not order.email:
        return _("no billing email")
    if not order.valid_email:
        return _("billing email is not a valid address")
    return None


def ending(order: Order) -> tuple[str, str] | None:
    """How a recall ends because of what happened to its own order, or None if it can still be paid."""
    if order.status in PAID_STATUSES:
        return RECOVERED, _("order paid ({status})").format(status=order.status)
    if order.status in CLOSED_STATUSES:
        return CLOSED, _("order {status}").format(status=order.status)
    if order.status in PAYABLE_STATUSES and not order.needs_payment:
        return CLOSED, _("order no longer needs payment")
    if order.status not in PAYABLE_STATUSES:
        return CLOSED, _("order moved to status {status}").format(status=order.status)
    return None


def is_newer_paid_order(order: Order, recall: Recall, email_hash: str) -> bool:
    """True if `order` is a paid order by the same buyer, placed after the recall's order: recovered by a new order."""
    if order.id == recall.id or order.status not in PAID_STATUSES:
        return False
    created = from_iso(recall.created)
    if created is None or order.date_created <= created:
        return False
    same_customer = recall.customer_id > 0 and order.customer_id == recall.customer_id
    return same_customer or email_hash == recall.email_hash


def steps_for(recall: Recall, policy: Policy) -> tuple[timedelta, ...]:
    """The step delays for this recall: by failure class for failed orders, else by status; capped and pulled before
    the hold-stock auto-cancel where the recall says so."""
    if recall.kind == "failed" and recall.reason in policy.class_delays:
        delays = tuple(policy.class_delays[recall.reason])
    else:
        delays = tuple(policy.delays.get(recall.kind, ()))
    if recall.max_steps:
        delays = delays[: recall.max_steps]
    if recall.hold_minutes and delays:
        delays = (first_pending_delay(delays[0], recall.hold_minutes), *delays[1:])
    return delays


def first_pending_delay(configured: timedelta, hold_minutes: float) -> timedelta:
    """When the first pending reminder goes: WooCommerce cancels unpaid pending checkout orders `hold_minutes` after
    their last change (wc_cancel_unpaid_orders, includes/wc-order-functions.php), so it comes halfway at the latest."""
    return min(configured, timedelta(minutes=hold_minutes / 2)) if hold_minutes > 0 else configured


def hold_deadline(last_change: datetime | None, hold_minutes: int) -> datetime | None:
    """When hold stock cancels a pending checkout order: `hold_minutes` after its last change (date_modified), as
    wc_cancel_unpaid_orders selects them; None without hold stock."""
    return last_change + timedelta(minutes=hold_minutes) if hold_minutes > 0 and last_change is not None else None


def too_close_to_cancel(deadline: datetime | None, hold_minutes: int, now: datetime) -> str | None:
    """Why a pending reminder must not go out now because hold stock is about to cancel the order, or None.

    Closer than MIN_TIME_TO_PAY to the cancel, the reminder is skipped. Past the cancel time the order is still
    pending only until WooCommerce's cancel job runs next, which it does every `hold_minutes`; an order still pending
    after that is not being cancelled (the store's cron does not run) and is reminded as usual."""
    if deadline is None or now < deadline - MIN_TIME_TO_PAY or now >= deadline + timedelta(minutes=hold_minutes):
        return None
    left = max(0, int((deadline - now).total_seconds() // 60))
    return _(
        "only {left} min before WooCommerce cancels the order (hold stock); a reminder needs at least {least} min to be useful"
    ).format(left=left, least=int(MIN_TIME_TO_PAY.total_seconds() // 60))


def hold_stock_warning(configured_first: timedelta, hold_minutes: int) -> str:
    """What `run -v` and `status` say when hold stock moves the first pending reminder earlier than configured."""
    configured = int(configured_first.total_seconds() // 60)
    if not hold_minutes or configured <= hold_minutes / 2:
        return ""
    later = " " + _("(the configured time comes after the cancel)") if configured >= hold_minutes else ""
    return _(
        "first reminder moved to {moved} min instead of {configured} min: WooCommerce cancels unpaid orders {hold_minutes} min after their last change (hold stock){later}"
    ).format(moved=hold_minutes // 2, configured=configured, hold_minutes=hold_minutes, later=later)


def fit(
    at: datetime,
    *,
    contacts: Sequence[datetime],
    policy: Policy,
    zone: ZoneInfo | None,
    quiet: QuietHours,
    now: datetime,
    deadline: datetime | None = None,
) -> tuple[datetime, tuple[str, ...]]:
    """Move `at` later until it respects the buyer's caps (gap since the last email, emails per 7 days) and the quiet
    hours in the buyer's zone; return the time and the reasons it moved.

    The rules are about the moment of sending: a step that is already overdue (a first run, a backlog, an outage)
    goes out no earlier than `now`, so it is `now` that must be outside the buyer's quiet hours.

    `deadline` is when hold stock will cancel a pending order: quiet hours never push a reminder from before it to
    past it (the buyer was at the checkout minutes ago, and after the cancel the link no longer works). Once it has
    passed, the order was not cancelled after all and quiet hours apply as for any other."""
    why: list[str] = []
    at = max(at, now)
    ordered = sorted(contacts)
    for _round in range(8):  # each rule only moves later; a few rounds settle every combination
        moved = at
        if ordered and at < ordered[-1] + policy.min_gap:
            at = ordered[-1] + policy.min_gap
            _add(why, _("at least {hours} after the last email to this buyer").format(hours=_hours(policy.min_gap)))
        week_before = at - timedelta(days=7)
        recent = [t for t in ordered if week_before < t <= at]
        if len(recent) >= policy.max_per_week:
            at = recent[len(recent) - policy.max_per_week] + timedelta(days=7)
            _add(
                why, _("at most {max_per_week} emails to one buyer in 7 days").format(max_per_week=policy.max_per_week)
            )
        if zone is not None and quiet.enabled:
            shifted = outside_quiet_hours(at, zone, quiet)
            if shifted != at and deadline is not None and at < deadline <= shifted:
                _add(why, _("sent in quiet hours: hold stock cancels the order before they end"))
            elif shifted != at:
                at = shifted
                _add(why, _("waits for the end of quiet hours ({quiet}, {zone})").format(quiet=quiet, zone=zone.key))
        if at == moved:
            break
    return at, tuple(why)


def _add(items: list[str], text: str) -> None:
    if text not in items:
        items.append(text)


def _hours(delta: timedelta) -> str:
    hours = delta.total_seconds() / 3600
    return _("{hours:g} h").format(hours=hours)


def next_due(recall: Recall, policy: Policy, now: datetime) -> Due:
    """The next step to send and when, given the steps already done.

    Steps are anchored to the order's creation. A step that fell due while wcrecall was not running is sent once,
    late, and the following steps keep their usual spacing after it, so two reminders are never bunched together. A
    step that fell due before the lookback window (wcrecall was down for longer than that) is skipped: it is stale.
    """
    delays = steps_for(recall, policy)
    created = from_iso(recall.created)
    if created is None:
        return Due(None, None)
    done = {s.n for s in recall.steps}
    last_contact = recall.last_contact()
    last_done = max(done, default=0)
    skipped: list[tuple[int, str]] = []
    for n in range(last_done + 1, len(delays) + 1):
        at = created + delays[n - 1]
        if last_contact is not None and 1 <= last_done <= len(delays):
            at = max(at, last_contact + delays[n - 1] - delays[last_done - 1])
        if at < now - policy.lookback:
            skipped.append((n, _("fell due before the lookback window (wcrecall was not running)")))
            continue
        return Due(n, at, tuple(skipped))
    return Due(None, None, tuple(skipped))


def unpaid_end(recall: Recall, now: datetime, policy: Policy) -> bool:
    """True when a recall with no step left has waited the attribution window without a payment."""
    last = recall.last_contact() or from_iso(recall.opened)
    if last is None:
        return True
    return now >= last + policy.attribution


def skip(recall: Recall, n: int, why: str, now: datetime) -> None:
    recall.steps.append(Step(n=n, state=SKIPPED, at=now.isoformat(), why=why))
