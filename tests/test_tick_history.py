"""The buyer's history (plan/history.py) and the decisions it feeds: contacts per buyer, open recalls per email and
customer, sends per domain, failures per IP and email.

A tick builds the history from every recall in its state once (`History.of`), then adds each new order's failure and
each email as it goes; the planner decides from it. Each test builds the history a tick would find and checks the
decision it feeds, so a contact, send or failure that is lost or miscounted fails it.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import replace
from datetime import datetime, timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from e2e import NOW, cli, failed_order, write_config
from smtp_server import SmtpServer

from wcrecall.config.settings import load_settings
from wcrecall.model.order import Order
from wcrecall.model.records import CLAIMED, NOT_CONTACTED, SENT, SKIPPED, UNCERTAIN, Recall, Step
from wcrecall.plan.history import History
from wcrecall.plan.planner import Plan, Rules, plan, screen
from wcrecall.recall.rules import rules_for
from wcrecall.sandbox import SandboxStore

H = timedelta(hours=1)
M = timedelta(minutes=1)
# No store is contacted: the tick only reads its state here.
STORE_URL = "http://127.0.0.1:9"
MakeRules = Callable[..., Rules]


def recall(order_id: int, *, email_hash: str = "ana", masked: str = "a***@example.com", ip_hash: str = "",
           created: datetime = NOW - 3 * H, steps: tuple[tuple[str, datetime], ...] = ()) -> Recall:  # fmt: skip
    return Recall(
        id=order_id, number=str(order_id), kind="failed", status="failed", email_hash=email_hash,
        email_masked=masked, customer_id=0, country="DE", currency="EUR", total="10.00", created=created.isoformat(),
        opened=created.isoformat(), ip_hash=ip_hash,
        steps=[Step(n=i, state=state, at=at.isoformat()) for i, (state, at) in enumerate(steps, start=1)],
    )  # fmt: skip


def order(order_id: int, email: str, *, created: datetime = NOW) -> Order:
    return Order(
        id=order_id, number=str(order_id), status="failed", currency="EUR", total=Decimal("10.00"), customer_id=0,
        email=email, first_name="", last_name="", country="DE", state="", payment_method="stripe",
        payment_method_title="Card", created_via="checkout", cart_hash="", customer_ip="203.0.113.7",
        date_created=created, date_modified=created, date_paid=None, needs_payment=True, payment_url="",
    )  # fmt: skip


def history_of(recalls: list[Recall]) -> History:
    """The history a tick builds at its start from the recalls in its state (as `Tick._index_history` does)."""
    return History.of(recalls, now=NOW, failures_since=NOW - 2 * H - timedelta(days=3))


@pytest.fixture
def make_rules(tmp_path: Path) -> MakeRules:
    """The planner's rules from a config with quiet hours off plus `extra`."""

    def make(extra: str = "") -> Rules:
        config = write_config(tmp_path, STORE_URL, extra='[regional]\nquiet_hours = "off"\n' + extra)
        return rules_for(load_settings(config))

    return make


def plan_for(recall_: Recall, history: History, rules: Rules) -> Plan:
    return plan(recall_, history=history, rules=rules, now=NOW)


def test_every_contact_of_the_buyer_counts_toward_the_gap_and_the_weekly_cap(make_rules: MakeRules) -> None:
    """Sent, uncertain and claimed steps of all the buyer's recalls are contacts; skipped steps and other buyers'
    emails are not: with three contacts this week, the next waits until the oldest leaves the seven days."""
    history = recall(1, steps=((SENT, NOW - 2 * H), (UNCERTAIN, NOW - 30 * H), (CLAIMED, NOW - 50 * H),
                               (SKIPPED, NOW - H)))  # fmt: skip
    other_buyer = recall(2, email_hash="ben", steps=((SENT, NOW - 10 * M),))
    planned = plan_for(recall(3), history_of([history, other_buyer, recall(3)]), make_rules())
    assert planned.at == NOW - 50 * H + timedelta(days=7) and not planned.send_now


def test_the_last_contact_sets_the_minimum_gap(make_rules: MakeRules) -> None:
    """One email two hours ago, to the same buyer for another order: the next waits for the 16-hour gap."""
    history = history_of([recall(1, steps=((SENT, NOW - 2 * H),)), recall(3)])
    assert plan_for(recall(3), history, make_rules()).at == NOW + 14 * H
    carla = plan_for(recall(3, email_hash="carla"), history, make_rules())
    assert carla.at == NOW and carla.send_now


def test_the_domain_cap_counts_the_last_hours_sends_to_that_domain(make_rules: MakeRules) -> None:
    """Sent and uncertain steps of the last hour count for their recipient domain (any case); older ones, and
    other domains, do not."""
    recalls = [
        recall(1, steps=((SENT, NOW - 10 * M),)),
        recall(2, email_hash="ben", masked="b***@Example.COM", steps=((UNCERTAIN, NOW - 50 * M),)),
        recall(3, email_hash="carla", steps=((SENT, NOW - 61 * M),)),
        recall(4, email_hash="dora", masked="d***@other.org", steps=((SENT, NOW - 5 * M),)),
        recall(5, email_hash="emil"),
    ]
    history = history_of(recalls)
    full = plan_for(recalls[4], history, make_rules("[throttle]\ndomain_hourly_cap = 2\n"))
    assert full.waits == "2 emails to example.com in the last hour (throttle)" and not full.send_now
    other = plan_for(
        replace(recalls[4], email_masked="e***@other.org"), history, make_rules("[throttle]\ndomain_hourly_cap = 2\n")
    )
    assert other.send_now and not other.waits
    assert plan_for(recalls[4], history, make_rules("[throttle]\ndomain_hourly_cap = 3\n")).send_now


def test_failures_from_one_ip_in_the_state_and_in_this_tick_make_a_burst(make_rules: MakeRules) -> None:
    """Three recent failed orders from one IP in the state (and an older one), then two new ones in this tick: the
    fifth within the burst window is card testing, and it names the IP, so the tick ends that IP's open recalls."""
    recalls = [recall(i, email_hash=f"buyer{i}", ip_hash="ip1", created=NOW - i * 10 * M) for i in (1, 2, 3)]
    recalls.append(recall(9, email_hash="buyer9", ip_hash="ip1", created=NOW - 2 * H))  # outside the hour
    recalls.append(recall(8, email_hash="buyer8", ip_hash="ip2", created=NOW - 5 * M))  # another IP
    history, rules = history_of(recalls), make_rules()
    fourth = recall(10, email_hash="buyer10", ip_hash="ip1", created=NOW)
    history.failed(fourth, NOW)
    assert screen(order(10, "dan@example.com"), fourth, history, rules) is None
    fifth = recall(11, email_hash="buyer11", ip_hash="ip1", created=NOW)
    history.failed(fifth, NOW)
    refusal = screen(order(11, "eve@example.com"), fifth, history, rules)
    assert refusal is not None and refusal.flag and refusal.burst == "IP address"
    assert refusal.reason == "5 failed orders from one IP address within 1h (card testing?)"
    other_ip = recall(12, email_hash="buyer12", ip_hash="ip2", created=NOW)
    history.failed(other_ip, NOW)
    assert screen(order(12, "fay@example.com"), other_ip, history, rules) is None


def test_failures_of_one_email_across_orders_make_a_burst(make_rules: MakeRules) -> None:
    """Failed orders of one email count whatever their IP: four in the state and a fifth now are a burst."""
    history = history_of([recall(i, created=NOW - i * 5 * M) for i in (1, 2, 3, 4)])
    fifth = recall(5, created=NOW)
    history.failed(fifth, NOW)
    refusal = screen(order(5, "ana@example.com"), fifth, history, make_rules())
    assert refusal is not None and refusal.burst == "email"
    assert refusal.reason == "5 failed orders from one email within 1h (card testing?)"


def test_a_backlog_order_is_judged_against_the_failures_around_it(make_rules: MakeRules) -> None:
    """An order from two days ago (a first run reads the lookback) meets the failures of its own hour in the state."""
    then = NOW - timedelta(days=2)
    history = history_of([recall(i, created=then - i * 5 * M) for i in (1, 2, 3, 4)])
    backlog = recall(5, created=then)
    history.failed(backlog, then)
    refusal = screen(order(5, "ana@example.com", created=then), backlog, history, make_rules())
    assert refusal is not None and refusal.reason.startswith("5 failed orders from one email")


def test_failures_before_the_window_and_contacts_of_skipped_steps_are_not_kept() -> None:
    """The history keeps failures created after `failures_since` only, and no time of a skipped step."""
    old = recall(1, created=NOW - timedelta(days=4), steps=((SKIPPED, NOW - H),))
    history = History.of([old], now=NOW, failures_since=NOW - timedelta(days=3))
    assert history.failures_by_email.get("ana", []) == [] and history.contacts_of("ana") == []


def test_open_recalls_are_found_by_email_and_by_customer_account() -> None:
    """Open recalls are indexed by email hash and by customer id; ended ones are not."""
    mine = replace(recall(1), customer_id=7)
    ended = replace(recall(2), outcome=NOT_CONTACTED)
    history = History.of([mine, ended, recall(3, email_hash="ben")], now=NOW, failures_since=NOW - H)
    assert history.buyer_recalls("ana", 0) == {1}
    assert history.buyer_recalls("carla", 7) == {1}
    assert history.buyer_recalls("", 0) == set()


def test_an_email_sent_counts_for_the_buyer_and_the_domain() -> None:
    """`mailed` adds the time to the buyer's contacts and to the domain's sends of the hour."""
    history = History()
    history.mailed(recall(1, masked="a***@Example.COM"), NOW)
    assert history.contacts_of("ana") == [NOW]
    assert history.domain_sends_since("example.com", NOW - H) == 1
    assert history.domain_sends_since("example.com", NOW) == 0


def test_an_email_sent_in_this_run_counts_toward_the_domain_cap(
    tmp_path: Path, store: SandboxStore, smtp: SmtpServer
) -> None:
    """With one email per hour to a domain, two buyers there due in the same run: one is mailed, the other waits."""
    failed_order(store, "ana@example.com")
    failed_order(store, "ben@example.com")
    extra = '[regional]\nquiet_hours = "off"\n[throttle]\ndomain_hourly_cap = 1\n'
    config = write_config(tmp_path, store.url, smtp_port=smtp.port, extra=extra)
    result = cli(["--verbose", "run"], config=config, now=NOW)
    assert result.exit_code == 0, result.stderr
    assert len(smtp.messages) == 1
    assert "waits: 1 emails to example.com in the last hour (throttle)" in result.stdout
    later = NOW + H + M
    store.set_now(later)
    assert cli(["run"], config=config, now=later).exit_code == 0
    assert len(smtp.messages) == 2


def test_a_newer_paid_order_of_the_same_customer_account_ends_the_recall(
    tmp_path: Path, store: SandboxStore, smtp: SmtpServer
) -> None:
    """Recalls are indexed by customer account as well as email: a logged-in buyer who pays a new order under
    another address ends the recall as recovered by the new order, in a later run."""
    order_id = failed_order(store, "ana@example.com", hours_ago=3, customer_id=7)
    config = write_config(tmp_path, store.url, smtp_port=smtp.port, extra='[regional]\nquiet_hours = "off"\n')
    assert cli(["run"], config=config, now=NOW).exit_code == 0
    store.advance(2 * H)
    store.create_order(status="processing", customer_id=7, billing={"email": "ana.work@example.org"},
                       date_paid=store.clock.now())  # fmt: skip
    later = NOW + 2 * H + 10 * M
    assert cli(["run"], config=config, now=later).exit_code == 0
    status = json.loads(cli(["status", "--json"], config=config, now=later).stdout)
    assert {r["order"]: r["outcome"] for r in status["recalls"]}[order_id] == "recovered_new_order"


def test_a_country_rule_gives_its_buyers_their_own_quiet_hours(make_rules: MakeRules) -> None:
    """countries.<CC>.quiet_hours (any case in the file) replaces regional.quiet_hours for buyers from that country."""
    rules = make_rules('[regional.countries.de]\nquiet_hours = "20:00-09:00"\n')
    assert str(rules.quiet("DE")) == "20:00-09:00"
    assert str(rules.quiet("FR")) == "off"


def test_a_retried_cart_finds_the_buyers_open_recall_of_that_cart() -> None:
    """Same buyer and cart group, still open: the sibling; another cart, an ended one or no group: none."""
    first = replace(recall(1), group="cart-a")
    other_cart = replace(recall(2), group="cart-b")
    ended = replace(recall(3), group="cart-c", outcome=NOT_CONTACTED)
    history = history_of([first, other_cart, ended])
    recalls = {r.id: r for r in (first, other_cart, ended)}
    assert history.sibling(replace(recall(9), group="cart-a"), recalls) == first
    assert history.sibling(replace(recall(9), group="cart-c"), recalls) is None
    assert history.sibling(recall(9), recalls) is None
