"""Pure decisions: eligibility, endings, and which step is due when."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from decimal import Decimal

import pytest

from wcrecall.model.order import Order
from wcrecall.model.records import CLOSED, RECOVERED, SENT, SKIPPED, Recall, Step
from wcrecall.plan.decide import Policy, candidate_problem, ending, is_newer_paid_order, next_due

NOW = datetime(2026, 11, 26, 12, 0, tzinfo=UTC)
H = timedelta(hours=1)
POLICY = Policy(
    statuses=("failed", "pending"),
    lookback=timedelta(days=3),
    delays={"pending": (timedelta(minutes=30), 24 * H, 72 * H), "failed": (H, 24 * H, 72 * H)},
)


def order(**kw: object) -> Order:
    base: dict[str, object] = dict(
        id=20,
        number="20",
        status="failed",
        currency="USD",
        total=Decimal("25.00"),
        customer_id=0,
        email="oliver@example.co.uk",
        first_name="Oliver",
        last_name="O'Brien",
        country="GB",
        state="",
        payment_method="stripe",
        payment_method_title="Card",
        created_via="checkout",
        cart_hash="abc",
        customer_ip="203.0.113.16",
        date_created=NOW - 2 * H,
        date_modified=NOW - H,
        date_paid=None,
        needs_payment=True,
        payment_url="https://shop.example.com/checkout/order-pay/20/?pay_for_order=true&key=k",
    )
    base.update(kw)
    return Order(**base)  # type: ignore[arg-type]


def recall(kind: str = "failed", created: datetime = NOW - 2 * H, steps: list[Step] | None = None) -> Recall:
    return Recall(
        id=20,
        number="20",
        kind=kind,
        status=kind,
        email_hash="h1",
        email_masked="o***@example.co.uk",
        customer_id=0,
        country="GB",
        currency="USD",
        total="25.00",
        created=created.isoformat(),
        opened=created.isoformat(),
        steps=steps or [],
        planned=3,
    )


@pytest.mark.parametrize(
    ("changes", "problem"),
    [
        ({}, None),
        ({"status": "pending"}, None),
        ({"status": "processing"}, "status processing is not recalled"),
        ({"needs_payment": False}, "the store says the order needs no payment"),
        ({"date_created": NOW - timedelta(days=4)}, "created before the lookback window"),
        ({"email": ""}, "no billing email"),
        ({"email": "not-an-address"}, "billing email is not a valid address"),
        ({"email": "a@example.com\r\nBcc: x@example.org"}, "billing email is not a valid address"),
    ],
)
def test_candidate_rules(changes: dict[str, object], problem: str | None) -> None:
    """Failed/pending, payable, recent orders with a valid email get a recall; others say why not."""
    assert candidate_problem(order(**changes), NOW, POLICY) == problem


@pytest.mark.parametrize(
    ("status", "needs_payment", "outcome"),
    [
        ("processing", False, RECOVERED),
        ("completed", False, RECOVERED),
        ("on-hold", False, RECOVERED),
        ("cancelled", False, CLOSED),
        ("refunded", False, CLOSED),
        ("trash", False, CLOSED),
        ("failed", True, None),
        ("pending", True, None),
        ("failed", False, CLOSED),
    ],
)
def test_endings(status: str, needs_payment: bool, outcome: str | None) -> None:
    """Paid statuses recover, closed statuses close, payable orders go on."""
    end = ending(order(status=status, needs_payment=needs_payment))
    assert (end[0] if end else None) == outcome


def test_newer_paid_order_by_same_email_recovers() -> None:
    """A paid order placed after the recalled one, by the same buyer, counts as recovery by a new order."""
    r = recall()
    assert is_newer_paid_order(order(id=30, status="processing", date_created=NOW), r, "h1")
    assert not is_newer_paid_order(order(id=30, status="processing", date_created=NOW - 5 * H), r, "h1")
    assert not is_newer_paid_order(order(id=30, status="processing", date_created=NOW), r, "other")
    assert not is_newer_paid_order(order(id=30, status="failed", date_created=NOW), r, "h1")


def test_same_registered_customer_recovers_even_with_other_email() -> None:
    """A registered customer's new paid order counts even if they typed another email."""
    r = recall()
    r.customer_id = 2
    assert is_newer_paid_order(order(id=30, status="completed", customer_id=2, date_created=NOW), r, "other")


def test_first_steps_follow_the_schedule() -> None:
    """Pending: +30 min; failed: +1 h after creation."""
    created = NOW - 2 * H
    assert next_due(recall("pending", created), POLICY, NOW).at == created + timedelta(minutes=30)
    assert next_due(recall("failed", created), POLICY, NOW).at == created + H
    assert next_due(recall("failed", created), POLICY, NOW).n == 1


def test_late_step_pushes_the_next_one_back() -> None:
    """A step sent late (cron was down) keeps the usual spacing before the next one: no bunching."""
    created = NOW - 30 * H
    sent_late = Step(n=1, state=SENT, at=(NOW - H).isoformat())
    due = next_due(recall("failed", created, [sent_late]), POLICY, NOW)
    assert due.n == 2
    assert due.at == NOW - H + 23 * H


def test_steps_that_fell_due_before_the_lookback_window_are_skipped() -> None:
    """After a long outage, steps due longer ago than the lookback window are skipped as stale; a later one is sent."""
    created = NOW - 100 * H
    due = next_due(recall("failed", created), POLICY, NOW)
    assert due.skipped == (
        (1, "fell due before the lookback window (wcrecall was not running)"),
        (2, "fell due before the lookback window (wcrecall was not running)"),
    )
    assert due.n == 3 and due.at == created + 72 * H


def test_all_steps_done_means_nothing_due() -> None:
    """After the last step nothing more is due."""
    steps = [Step(n=i, state=SENT if i < 3 else SKIPPED, at=NOW.isoformat()) for i in (1, 2, 3)]
    assert next_due(recall("failed", NOW - 80 * H, steps), POLICY, NOW).n is None


def test_fit_keeps_16_hours_between_emails_to_one_buyer() -> None:
    """A step due soon after another email to the same buyer waits for the gap."""
    from wcrecall.plan.decide import fit
    from wcrecall.plan.regional import QuietHours

    off = QuietHours(time(0, 0), time(0, 0))
    at, why = fit(NOW, contacts=[NOW - 2 * H], policy=POLICY, zone=None, quiet=off, now=NOW)
    assert at == NOW + 14 * H and why == ("at least 16 h after the last email to this buyer",)


def test_fit_caps_emails_per_week() -> None:
    """A fourth email within 7 days waits until the oldest of the three leaves the window."""
    from wcrecall.plan.decide import fit
    from wcrecall.plan.regional import QuietHours

    off = QuietHours(time(0, 0), time(0, 0))
    contacts = [NOW - timedelta(days=5), NOW - timedelta(days=3), NOW - timedelta(days=1)]
    at, why = fit(NOW, contacts=contacts, policy=POLICY, zone=None, quiet=off, now=NOW)
    assert at == NOW + timedelta(days=2)
    assert "at most 3 emails to one buyer in 7 days" in why


def test_fit_waits_for_the_end_of_quiet_hours_in_the_buyers_zone() -> None:
    """22:00 in Berlin moves to 08:00 Berlin the next morning."""
    from zoneinfo import ZoneInfo

    from wcrecall.plan.decide import fit
    from wcrecall.plan.regional import parse_quiet_hours

    late = datetime(2026, 11, 26, 21, 0, tzinfo=UTC)  # 22:00 in Berlin
    berlin = ZoneInfo("Europe/Berlin")
    at, why = fit(late, contacts=[], policy=POLICY, zone=berlin, quiet=parse_quiet_hours("21:00-08:00"), now=late)
    assert at == datetime(2026, 11, 27, 7, 0, tzinfo=UTC)
    assert why == ("waits for the end of quiet hours (21:00-08:00, Europe/Berlin)",)


@pytest.mark.parametrize(
    ("reason", "kind", "hold", "expected"),
    [
        ("insufficient_funds", "failed", 0, (24 * H, 72 * H)),
        ("transient", "failed", 0, (H,)),
        ("unknown", "failed", 0, (H, 24 * H, 72 * H)),
        ("abandoned", "pending", 60, (timedelta(minutes=30), 24 * H, 72 * H)),
        ("abandoned", "pending", 15, (timedelta(minutes=7.5), 24 * H, 72 * H)),
    ],
)
def test_steps_follow_the_failure_class_and_hold_stock(
    reason: str, kind: str, hold: int, expected: tuple[timedelta, ...]
) -> None:
    """Failed orders use their class's delays; pending ones are pulled before the hold-stock cancel."""
    from wcrecall.plan.decide import steps_for

    policy = Policy(
        statuses=POLICY.statuses, lookback=POLICY.lookback, delays=POLICY.delays,
        class_delays={"insufficient_funds": (24 * H, 72 * H), "transient": (H,)},
    )  # fmt: skip
    r = recall(kind)
    r.reason, r.hold_minutes = reason, hold
    assert steps_for(r, policy) == expected


def test_quiet_hours_never_push_a_pending_reminder_past_the_hold_stock_cancel() -> None:
    """06:30 in Seattle is quiet, but waiting until 08:00 would come after the cancel: the reminder goes now."""
    from zoneinfo import ZoneInfo

    from wcrecall.plan.decide import fit
    from wcrecall.plan.regional import parse_quiet_hours

    at = datetime(2026, 11, 26, 14, 30, tzinfo=UTC)  # 06:30 in Seattle
    zone = ZoneInfo("America/Los_Angeles")
    moved, _ = fit(at, contacts=[], policy=POLICY, zone=zone, quiet=parse_quiet_hours("21:00-08:00"), now=at)
    assert moved == datetime(2026, 11, 26, 16, 0, tzinfo=UTC)
    kept, why = fit(
        at,
        contacts=[],
        policy=POLICY,
        zone=zone,
        quiet=parse_quiet_hours("21:00-08:00"),
        now=at,
        deadline=at + timedelta(minutes=30),
    )
    assert kept == at and why == ("sent in quiet hours: hold stock cancels the order before they end",)
