"""The tick's buyer bookkeeping: contacts per buyer, recalls per email and customer, sends per domain, failures
per IP and email.

`Tick._index_history` reads them from every recall in the state once per tick; `_guard` adds each new order's
failure as the tick goes; `fit` and `_domain_full` decide from them. Each test builds the state a tick would find and
checks the decision the bookkeeping feeds, so a contact, send or failure that is lost or miscounted fails it.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from dataclasses import replace
from datetime import datetime, timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from e2e import NOW, cli, failed_order, write_config
from smtp_server import SmtpServer

from wcrecall.config.settings import load_settings
from wcrecall.model.order import Order
from wcrecall.model.records import CLAIMED, NOT_CONTACTED, OPEN, SENT, SKIPPED, UNCERTAIN, Recall, Step
from wcrecall.recall.tick import Tick
from wcrecall.sandbox import SandboxStore

H = timedelta(hours=1)
M = timedelta(minutes=1)
# No store is contacted: the tick only reads its state here.
STORE_URL = "http://127.0.0.1:9"
MakeTick = Callable[..., Tick]


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


@pytest.fixture
def make_tick(tmp_path: Path) -> Iterator[MakeTick]:
    """A tick over a state holding the given recalls, its history indexed as at the start of a run."""
    ticks: list[Tick] = []

    def make(recalls: list[Recall], extra: str = "") -> Tick:
        config = write_config(tmp_path, STORE_URL, extra='[regional]\nquiet_hours = "off"\n' + extra,
                              name=f"shop{len(ticks)}.toml")  # fmt: skip
        settings = load_settings(config)
        tick = Tick(settings, now=NOW)
        tick.state.load()
        for r in recalls:
            tick.state.put(r)
        tick._index_history()
        ticks.append(tick)
        return tick

    yield make
    for tick in ticks:
        tick.state.close()


def test_every_contact_of_the_buyer_counts_toward_the_gap_and_the_weekly_cap(make_tick: MakeTick) -> None:
    """Sent, uncertain and claimed steps of all the buyer's recalls are contacts; skipped steps and other buyers'
    emails are not: with three contacts this week, the next waits until the oldest leaves the seven days."""
    history = recall(1, steps=((SENT, NOW - 2 * H), (UNCERTAIN, NOW - 30 * H), (CLAIMED, NOW - 50 * H),
                               (SKIPPED, NOW - H)))  # fmt: skip
    other_buyer = recall(2, email_hash="ben", steps=((SENT, NOW - 10 * M),))
    tick = make_tick([history, other_buyer, recall(3)])
    at, _ = tick.fit(tick.state.recalls[3], NOW)
    assert at == NOW - 50 * H + timedelta(days=7)


def test_the_last_contact_sets_the_minimum_gap(make_tick: MakeTick) -> None:
    """One email two hours ago, to the same buyer for another order: the next waits for the 16-hour gap."""
    tick = make_tick([recall(1, steps=((SENT, NOW - 2 * H),)), recall(3)])
    assert tick.fit(tick.state.recalls[3], NOW)[0] == NOW + 14 * H
    assert tick.fit(replace(tick.state.recalls[3], email_hash="carla"), NOW)[0] == NOW


def test_the_domain_cap_counts_the_last_hours_sends_to_that_domain(make_tick: MakeTick) -> None:
    """Sent and uncertain steps of the last hour count for their recipient domain (any case); older ones, and
    other domains, do not."""
    recalls = [
        recall(1, steps=((SENT, NOW - 10 * M),)),
        recall(2, email_hash="ben", masked="b***@Example.COM", steps=((UNCERTAIN, NOW - 50 * M),)),
        recall(3, email_hash="carla", steps=((SENT, NOW - 61 * M),)),
        recall(4, email_hash="dora", masked="d***@other.org", steps=((SENT, NOW - 5 * M),)),
        recall(5, email_hash="emil"),
    ]
    full = make_tick(recalls, "[throttle]\ndomain_hourly_cap = 2\n")
    assert full._domain_full(full.state.recalls[5])
    assert not full._domain_full(replace(full.state.recalls[5], email_masked="e***@other.org"))
    roomy = make_tick(recalls, "[throttle]\ndomain_hourly_cap = 3\n")
    assert not roomy._domain_full(roomy.state.recalls[5])


def test_failures_from_one_ip_in_the_state_and_in_this_tick_make_a_burst(make_tick: MakeTick) -> None:
    """Three recent failed orders from one IP in the state (and an older one), then two new ones in this tick: the
    fifth within the burst window is card testing, and the open recalls of that IP end with it; another IP's do not."""
    recalls = [recall(i, email_hash=f"buyer{i}", ip_hash="ip1", created=NOW - i * 10 * M) for i in (1, 2, 3)]
    recalls.append(recall(9, email_hash="buyer9", ip_hash="ip1", created=NOW - 2 * H))  # outside the hour
    recalls.append(recall(8, email_hash="buyer8", ip_hash="ip2", created=NOW - 5 * M))  # another IP
    tick = make_tick(recalls)
    assert tick._guard(order(10, "dan@example.com"), recall(10, email_hash="buyer10", ip_hash="ip1", created=NOW)) == ""
    reason = tick._guard(order(11, "eve@example.com"), recall(11, email_hash="buyer11", ip_hash="ip1", created=NOW))
    assert reason == "5 failed orders from one IP address within 1h (card testing?)"
    assert [tick.state.recalls[i].outcome for i in (1, 2, 3)] == [NOT_CONTACTED] * 3
    assert tick.state.recalls[8].outcome == OPEN


def test_failures_of_one_email_across_orders_make_a_burst(make_tick: MakeTick) -> None:
    """Failed orders of one email count whatever their IP: four in the state and a fifth now are a burst."""
    tick = make_tick([recall(i, created=NOW - i * 5 * M) for i in (1, 2, 3, 4)])
    reason = tick._guard(order(5, "ana@example.com"), replace(tick.state.recalls[1], id=5, ip_hash=""))
    assert reason == "5 failed orders from one email within 1h (card testing?)"


def test_a_backlog_order_is_judged_against_the_failures_around_it(make_tick: MakeTick) -> None:
    """An order from two days ago (a first run reads the lookback) meets the failures of its own hour in the state."""
    then = NOW - timedelta(days=2)
    tick = make_tick([recall(i, created=then - i * 5 * M) for i in (1, 2, 3, 4)])
    backlog = recall(5, created=then)
    assert tick._guard(order(5, "ana@example.com", created=then), backlog).startswith("5 failed orders from one email")


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


def test_a_country_rule_gives_its_buyers_their_own_quiet_hours(make_tick: MakeTick) -> None:
    """countries.<CC>.quiet_hours (any case in the file) replaces regional.quiet_hours for buyers from that country."""
    tick = make_tick([], '[regional.countries.de]\nquiet_hours = "20:00-09:00"\n')
    assert str(tick.quiet(recall(1))) == "20:00-09:00"
    assert str(tick.quiet(replace(recall(1), country="FR"))) == "off"
