"""The planner (plan/planner.py), table-driven: an order or a recall, the buyer's history, the rules and `now` in; what
run does out (send now or when, the step and the step count, language, zone, skipped steps, or the end and why)."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from e2e import NOW as E2E_NOW
from e2e import cli, failed_order, write_config
from smtp_server import SmtpServer

from wcrecall.config.settings import CountryRule
from wcrecall.model.order import Order
from wcrecall.model.records import ENDED_UNPAID, NOT_CONTACTED, RECOVERED, SENT, Recall, Step
from wcrecall.plan import planner
from wcrecall.plan.decide import Policy
from wcrecall.plan.history import History
from wcrecall.plan.planner import Plan, Rules, plan, upcoming
from wcrecall.sandbox import SandboxStore

NOW = datetime(2026, 11, 26, 16, 0, tzinfo=UTC)  # 17:00 in Berlin, 11:00 in New York
H, M, D = timedelta(hours=1), timedelta(minutes=1), timedelta(days=1)

RULES = Rules(
    policy=Policy(
        statuses=("failed", "pending"),
        lookback=3 * D,
        delays={"failed": (H, D, 3 * D), "pending": (H, D)},
        class_delays={"insufficient_funds": (D, 3 * D)},
    ),
    quiet_hours="off",
    countries={
        "FR": CountryRule(send=False),
        "IT": CountryRule(consent_meta="marketing_ok"),
        "AT": CountryRule(max_steps=1),
        "JP": CountryRule(quiet_hours="21:00-08:00"),
    },
    domain_caps={"busy.example.com": 1},
)


def order(**changes: Any) -> Order:
    base = Order(
        id=100, number="100", status="failed", currency="EUR", total=Decimal("20.00"), customer_id=0,
        email="ana@example.com", first_name="Ana", last_name="", country="DE", state="", payment_method="stripe",
        payment_method_title="Card", created_via="checkout", cart_hash="", customer_ip="", date_created=NOW - 2 * H,
        date_modified=NOW - 2 * H, date_paid=None, needs_payment=True, payment_url="https://shop.example/pay",
    )  # fmt: skip
    return replace(base, **changes)


def recall(*sent: timedelta, **changes: Any) -> Recall:
    """An open recall of `order()`, with reminders sent `sent` before NOW."""
    base = Recall(
        id=100, number="100", kind="failed", status="failed", email_hash="ana", email_masked="a***@example.com",
        customer_id=0, country="DE", currency="EUR", total="20.00", created=(NOW - 2 * H).isoformat(),
        opened=(NOW - 2 * H).isoformat(), modified=(NOW - 2 * H).isoformat(), lang="de", zone="Europe/Berlin",
        steps=[Step(n=i, state=SENT, at=(NOW - ago).isoformat()) for i, ago in enumerate(sent, start=1)],
    )  # fmt: skip
    return replace(base, **changes)


def history(*contacts: timedelta, buyer: str = "ana", domain: str = "example.com") -> History:
    """Emails to a buyer (and their domain) `contacts` before NOW."""
    found = History()
    for ago in contacts:
        found.mailed(replace(recall(), email_hash=buyer, email_masked=f"x***@{domain}"), NOW - ago)
    return found


NEW: list[tuple[str, dict[str, Any], dict[str, Any], dict[str, Any]]] = [
    # (case, order changes, planner arguments, expected Plan fields); a new order, planned as run opens and sends it
    ("a failed order due: sends reminder 1 of 3 in the buyer's language",
     {}, {}, {"send_now": True, "step": 1, "total_steps": 3, "lang": "de", "zone": "Europe/Berlin", "end": None}),
    ("a status run does not recall: nothing, no row",
     {"status": "on-hold"}, {}, {"end.reason": "status on-hold is not recalled", "end.record": False}),
    ("older than the lookback: nothing, no row",
     {"date_created": NOW - 4 * D}, {}, {"end.reason": "created before the lookback window", "end.record": False}),
    ("no payment needed",
     {"needs_payment": False}, {}, {"end.outcome": NOT_CONTACTED, "end.record": True}),
    ("a suppressed buyer: not contacted",
     {}, {"suppressed": "suppressed: asked"}, {"end.outcome": NOT_CONTACTED, "end.reason": "suppressed: asked"}),
    ("a crawler's address: flagged",
     {"email": "bot@storebotmail.joonix.net"}, {}, {"end.flag": True, "end.reason": "crawler address (storebotmail.joonix.net)"}),
    ("a class the owner reviews: flagged",
     {}, {"reason": "do_not_contact", "rule": "stripe.fraud"}, {"end.flag": True, "send_now": False}),
    ("the class's own schedule: 2 steps, the first a day after the order",
     {}, {"reason": "insufficient_funds"}, {"total_steps": 2, "send_now": False, "at": NOW + 22 * H}),
    ("a country not mailed",
     {"country": "FR"}, {}, {"end.reason": "country rules: orders from FR are not mailed"}),
    ("a country's step cap",
     {"country": "AT"}, {}, {"total_steps": 1, "max_steps": 1, "send_now": True}),
    ("a country's quiet hours in the buyer's zone: waits for 08:00 in Tokyo",
     {"country": "JP", "first_name": "陽翔"}, {}, {"send_now": False, "at": datetime(2026, 11, 26, 23, 0, tzinfo=UTC),
                                                    "lang": "ja"}),
    ("hold stock: the first pending reminder halfway to the cancel, with a warning",
     {"status": "pending", "date_created": NOW - 20 * M, "date_modified": NOW - 20 * M}, {"hold_minutes": 60},
     {"hold_minutes": 60, "at": NOW + 10 * M, "deadline": NOW + 40 * M, "send_now": False, "total_steps": 2}),
    ("hold stock, 10 minutes left: the reminder is skipped",
     {"status": "pending", "date_created": NOW - 50 * M, "date_modified": NOW - 50 * M}, {"hold_minutes": 60},
     {"send_now": False, "skipped.0": 1, "end": None}),
    ("an order created via admin has no hold stock",
     {"status": "pending", "created_via": "admin"}, {"hold_minutes": 60}, {"hold_minutes": 0, "send_now": True}),
    ("a buyer mailed 2 hours ago: waits for the 16-hour gap",
     {}, {"history": history(2 * H)}, {"send_now": False, "at": NOW + 14 * H}),
    ("a domain at its hourly cap: waits for the next tick",
     {"email": "ana@busy.example.com"}, {"history": history(30 * M, buyer="ben", domain="busy.example.com")},
     {"send_now": False, "waits": "1 emails to busy.example.com in the last hour (throttle)"}),
    ("the order's consent meta missing: not contacted at the send",
     {"country": "IT"}, {}, {"end.reason": "country rules: no consent (marketing_ok is not set on the order)"}),
    ("a multilingual plugin's language wins over the country",
     {"meta": {"wpml_language": "fr"}}, {}, {"lang": "fr", "send_now": True}),
]  # fmt: skip


def _field(planned: Plan, name: str) -> Any:
    if name == "skipped.0":
        return planned.skipped[0][0] if planned.skipped else None
    value: Any = planned
    for part in name.split("."):
        value = getattr(value, part)
    return value


@pytest.mark.parametrize(("case", "changes", "given", "expected"), NEW, ids=[row[0] for row in NEW])
def test_a_new_order(case: str, changes: dict[str, Any], given: dict[str, Any], expected: dict[str, Any]) -> None:
    the_order = order(**changes)
    given = dict(given)
    draft = recall(
        reason=given.pop("reason", "issuer_generic"),
        email_masked="a***@" + the_order.email.rpartition("@")[2],
        country=the_order.country,
        kind=the_order.status,
        created=the_order.date_created.isoformat(),
        modified=the_order.date_modified.isoformat(),
        lang="",
        zone="",
    )
    found = given.pop("history", History())
    planned = plan(draft, history=found, rules=RULES, now=NOW, order=the_order, new=True, **given)
    assert {name: _field(planned, name) for name in expected} == expected


OPEN: list[tuple[str, Recall, dict[str, Any], dict[str, Any]]] = [
    # (case, the recall in the state, planner arguments, expected Plan fields)
    ("reminder 1 sent an hour ago: reminder 2 a day after the order",
     recall(H), {}, {"step": 2, "at": NOW + 22 * H, "send_now": False}),
    ("the order was paid: recovered",
     recall(H), {"order": order(status="processing")}, {"end.outcome": RECOVERED}),
    ("an ended recall stays ended",
     recall(H, outcome=ENDED_UNPAID, end_reason="done"), {}, {"end.outcome": ENDED_UNPAID, "end.record": False}),
    ("every reminder sent, within the attribution window: open, nothing to send",
     recall(4 * D, 3 * D, D, created=(NOW - 5 * D).isoformat()), {}, {"step": None, "end": None}),
    ("every reminder sent a week ago: ends unpaid",
     recall(9 * D, 8 * D, 7 * D, created=(NOW - 9 * D).isoformat()), {}, {"end.outcome": ENDED_UNPAID}),
    ("steps that fell due before the lookback are skipped; none left and none sent: not contacted",
     recall(created=(NOW - 7 * D).isoformat()), {}, {"skipped.0": 1, "end.outcome": NOT_CONTACTED}),
    ("suppressed since the last reminder: ended unpaid at the send",
     recall(D + H, created=(NOW - 2 * D).isoformat()), {"order": order(), "suppressed": "suppressed: asked"},
     {"end.outcome": ENDED_UNPAID, "send_now": False}),
    ("three emails this week: the weekly cap",
     recall(), {"history": history(6 * D, 3 * D, D)}, {"send_now": False, "at": NOW + D}),
]  # fmt: skip


@pytest.mark.parametrize(("case", "the_recall", "given", "expected"), OPEN, ids=[row[0] for row in OPEN])
def test_an_open_recall(case: str, the_recall: Recall, given: dict[str, Any], expected: dict[str, Any]) -> None:
    given = dict(given)
    found = given.pop("history", None) or History.of([the_recall], now=NOW, failures_since=NOW - D)
    planned = plan(the_recall, history=found, rules=RULES, now=NOW, **given)
    assert {name: _field(planned, name) for name in expected} == expected


def test_sending_now_plans_the_next_reminder_with_this_email_counted() -> None:
    """After reminder 1 goes now (2 h late), reminder 2 keeps its spacing from it and the 16-hour gap holds."""
    planned = plan(recall(), history=History(), rules=RULES, now=NOW)
    assert planned.send_now and planned.step == 1
    assert planned.following == NOW + 23 * H  # +24 h after the order, moved by the 1 h the first one was late


def test_the_schedule_explain_shows_goes_step_by_step() -> None:
    """The reminders still to come, each after the one before: the first now, then the spacing of the schedule."""
    first = plan(recall(), history=History(), rules=RULES, now=NOW)
    coming = upcoming(recall(), first, history=History(), rules=RULES, now=NOW)
    assert [(c.n, c.at) for c in coming] == [(1, NOW), (2, NOW + 23 * H), (3, NOW + 71 * H)]


def test_quiet_hours_hold_again_once_the_hold_stock_deadline_has_passed() -> None:
    """A pending order still pending a day after its cancel time (the store's cron did not cancel it): reminder 2 is
    not racing the cancel, so it waits for the end of the buyer's quiet hours like any other."""
    rules = replace(RULES, quiet_hours="21:00-08:00")
    now = NOW - 10 * H  # 22:00 in Los Angeles
    created = now - D
    pending = recall(D + 9 * H, kind="pending", status="pending", hold_minutes=60, created=created.isoformat(),
                     modified=created.isoformat(), zone="America/Los_Angeles", country="US")  # fmt: skip
    fresh = order(status="pending", country="US", state="CA", date_created=created, date_modified=created)
    planned = plan(pending, history=History(), rules=rules, now=now, order=fresh, hold_minutes=60)
    assert planned.step == 2 and not planned.send_now
    assert planned.at == NOW  # 08:00 in Los Angeles


def test_a_tick_plans_each_email_once(
    tmp_path: Path, store: SandboxStore, smtp: SmtpServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Two buyers' first reminders go out in one run: the schedule (decide.next_due) is worked out once for each,
    from the recall's opening to the next due time recorded after the send."""
    calls: list[int] = []
    counted = planner.next_due

    def counting(recall_: Recall, policy: Policy, now: datetime) -> Any:
        calls.append(recall_.id)
        return counted(recall_, policy, now)

    monkeypatch.setattr(planner, "next_due", counting)
    first = failed_order(store, "ana@example.com")
    second = failed_order(store, "ben@example.org")
    config = write_config(tmp_path, store.url, smtp_port=smtp.port, extra='[regional]\nquiet_hours = "off"\n')
    assert cli(["run"], config=config, now=E2E_NOW).exit_code == 0
    assert len(smtp.messages) == 2
    assert sorted(calls) == [first, second]


def test_a_retried_cart_carries_the_reminders_sent_for_the_older_order() -> None:
    """The newer order of a cart takes over the older one's sent steps and schedule; the older order of the two is
    superseded by the newer; no sibling, nothing changes."""
    older = recall(H, id=1, number="1", created=(NOW - 3 * H).isoformat())
    newer = recall(id=2, number="2", created=(NOW - H).isoformat())
    carried, end = planner.carry(newer, older)
    assert end is None and [s.n for s in carried.steps] == [1] and carried.created == older.created
    assert plan(carried, history=History(), rules=RULES, now=NOW).step == 2
    kept, superseded = planner.carry(older, newer)
    assert kept == older and superseded is not None and superseded.outcome == "superseded"
    assert superseded.reason == "newer order #2 for the same cart"
    assert planner.carry(newer, None) == (newer, None)
