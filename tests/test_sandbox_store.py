"""The sandbox store's data model and Python API: clock, orders, notes, transitions, hold stock, seeds, bulk."""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from wcrecall.sandbox import (
    FIXTURE_NOW,
    OrderQuery,
    SandboxStore,
    Store,
    seed_demo,
    seed_fixture_store,
)
from wcrecall.sandbox.params import is_email

NOW = datetime(2026, 11, 26, 12, 0, tzinfo=UTC)


@pytest.fixture
def store() -> Iterator[SandboxStore]:
    with SandboxStore(now=NOW) as running:
        yield running


def test_sandbox_clock_is_frozen_until_advanced(store: SandboxStore) -> None:
    """The simulated clock only moves with advance() and set_now()."""
    assert store.clock.now() == NOW
    store.advance(timedelta(minutes=5))
    assert store.clock.now() == NOW + timedelta(minutes=5)
    store.set_now(datetime(2027, 1, 1, 9, 30, tzinfo=UTC))
    assert store.now() == datetime(2027, 1, 1, 9, 30, tzinfo=UTC)


def test_sandbox_ticking_clock_follows_real_time() -> None:
    """A ticking clock adds real elapsed seconds to its start."""
    ticking = Store(now=NOW, ticking_clock=True)
    time.sleep(1.05)
    assert ticking.now() >= NOW + timedelta(seconds=1)


def test_sandbox_create_order_has_realistic_defaults(store: SandboxStore) -> None:
    """create_order() without arguments gives a guest checkout order with billing, items, key and cart hash."""
    order = store.create_order()
    assert order["status"] == "pending" and order["created_via"] == "checkout" and order["customer_id"] == 0
    assert order["billing"]["email"].endswith("@example.com") and order["billing"]["first_name"]
    assert order["line_items"] and order["total"] == f"{sum(float(i['total']) for i in order['line_items']):.2f}"
    assert order["order_key"].startswith("wc_order_") and len(order["order_key"]) == 22
    assert len(order["cart_hash"]) == 32 and order["date_created_gmt"] == "2026-11-26T12:00:00"
    assert order["date_created"] == "2026-11-26T07:00:00"  # America/New_York
    assert order["payment_url"] == (
        f"{store.url}/checkout/order-pay/{order['id']}/?pay_for_order=true&key={order['order_key']}"
    )
    assert order["needs_payment"] is True and order["is_editable"] is True


def test_sandbox_order_dates_follow_the_configured_time_zone() -> None:
    """Local dates use the store's time zone, `*_gmt` dates UTC."""
    tokyo = Store(now=NOW, timezone="Asia/Tokyo")
    order = tokyo.create_order()
    assert order["date_created"] == "2026-11-26T21:00:00" and order["date_created_gmt"] == "2026-11-26T12:00:00"


def test_sandbox_needs_payment_only_for_pending_or_failed_with_a_total(store: SandboxStore) -> None:
    """needs_payment: status pending/failed and total > 0 (WC_Order::needs_payment)."""
    assert store.create_order(status="failed")["needs_payment"] is True
    assert store.create_order(status="failed", total="0")["needs_payment"] is False
    assert store.create_order(status="on-hold")["needs_payment"] is False


def test_sandbox_add_note_keeps_date_modified(store: SandboxStore) -> None:
    """A note does not save the order: date_modified stays."""
    order = store.create_order(status="failed")
    store.advance(timedelta(minutes=10))
    note = store.add_note(order["id"], "Payment failed: Your card was declined.")
    assert note["author"] == "WooCommerce" and note["customer_note"] is False
    assert store.get_order(order["id"])["date_modified_gmt"] == order["date_modified_gmt"]


def test_sandbox_notes_are_newest_first_with_ties_by_id(store: SandboxStore) -> None:
    """notes(): newest first; notes of the same second in creation order, as the captures show."""
    oid = store.create_order(status="failed")["id"]
    store.add_note(oid, "old", date=NOW - timedelta(hours=1))
    first = store.add_note(oid, "same second A")
    second = store.add_note(oid, "same second B", author="Shop Manager", customer_note=True)
    assert [n["note"] for n in store.notes(oid)] == ["same second A", "same second B", "old"]
    assert [n["id"] for n in store.notes(oid, "customer")] == [second["id"]]
    assert first["id"] not in [n["id"] for n in store.notes(oid, "customer")]
    assert [n["note"] for n in store.notes(oid, "internal")] == ["same second A", "old"]


def test_sandbox_pay_writes_core_transition_and_stock_notes(store: SandboxStore) -> None:
    """pay(): date_paid, stock reduced, "Order status changed from Failed to Processing."."""
    oid = store.create_order(status="failed", line_items=[{"product_id": 11, "quantity": 2}])["id"]
    stock = store.products[11].stock
    store.advance(timedelta(minutes=3))
    paid = store.pay(oid)
    assert paid["status"] == "processing" and paid["date_paid_gmt"] == "2026-11-26T12:03:00"
    assert paid["date_modified_gmt"] == "2026-11-26T12:03:00" and paid["needs_payment"] is False
    notes = [n["note"] for n in store.notes(oid)]
    assert notes == [
        f"Stock levels reduced: Ceramic Pour-Over Set (POUR-CER-02) {stock}&rarr;{stock - 2}",
        "Order status changed from Failed to Processing.",
    ]
    assert paid["line_items"][0]["meta_data"][0]["key"] == "_reduced_stock"


def test_sandbox_cancel_and_set_status_use_status_labels(store: SandboxStore) -> None:
    """Transition notes name statuses by label ("Pending payment", "On hold") and carry the given note first."""
    oid = store.create_order()["id"]
    store.set_status(oid, "on-hold", "Awaiting BACS payment")
    store.cancel(oid, "Order cancelled by customer.")
    notes = [n["note"] for n in store.notes(oid)]
    assert "Order cancelled by customer. Order status changed from On hold to Cancelled." in notes
    assert "Awaiting BACS payment Order status changed from Pending payment to On hold." in notes
    assert any(n.startswith("Stock levels increased:") for n in notes)


def test_sandbox_hold_stock_cancels_unpaid_checkout_orders_on_advance(store: SandboxStore) -> None:
    """Advancing past the hold time cancels pending checkout/store-api orders, with WooCommerce's note."""
    checkout = store.create_order()["id"]
    store_api = store.create_order(created_via="store-api")["id"]
    by_rest = store.create_order(created_via="rest-api")["id"]
    failed = store.create_order(status="failed")["id"]
    store.advance(timedelta(minutes=60))
    assert store.get_order(checkout)["status"] == "pending"  # not older than the hold yet
    store.advance(timedelta(seconds=1))
    assert store.get_order(checkout)["status"] == "cancelled"
    assert store.get_order(store_api)["status"] == "cancelled"
    assert store.get_order(by_rest)["status"] == "pending" and store.get_order(failed)["status"] == "failed"
    assert store.notes(checkout)[0]["note"] == (
        "Unpaid order cancelled - time limit reached. Order status changed from Pending payment to Cancelled."
    )
    assert store.get_order(checkout)["date_modified_gmt"] == "2026-11-26T13:00:01"


def test_sandbox_hold_stock_respects_settings_and_updates(store: SandboxStore) -> None:
    """No auto-cancel with manage stock off or hold stock blank; a PUT-style update restarts the hold."""
    store.set_setting("products", "woocommerce_hold_stock_minutes", "")
    oid = store.create_order()["id"]
    store.advance(timedelta(hours=3))
    assert store.get_order(oid)["status"] == "pending"
    store.set_setting("products", "woocommerce_manage_stock", "no")
    store.set_setting("products", "woocommerce_hold_stock_minutes", 30)
    store.advance(timedelta(hours=1))
    assert store.get_order(oid)["status"] == "pending"
    store.set_setting("products", "woocommerce_manage_stock", "yes")
    assert store.get_order(oid)["status"] == "cancelled"
    other = store.create_order()["id"]
    store.advance(timedelta(minutes=20))
    store.update_order(other, meta_data=[{"key": "_wcrecall", "value": "sent"}])
    store.advance(timedelta(minutes=20))
    assert store.get_order(other)["status"] == "pending"  # modified 20 minutes ago, hold is 30


def test_sandbox_fixture_seed_reproduces_the_captured_store() -> None:
    """seed_fixture_store: orders 14-43 with the captured keys, statuses and notes; next ids 44 and 55."""
    seeded = Store()
    seed_fixture_store(seeded)
    assert seeded.now() == FIXTURE_NOW and seeded.count_orders() == 30
    assert seeded.next_order_id == 44 and seeded.next_note_id == 55 and seeded.next_item_id == 46
    assert seeded.get_order(14)["order_key"] == "wc_order_xuMz15go9wCJm"
    assert seeded.get_order(26)["line_items"][2]["product_id"] == 0
    assert [n["id"] for n in seeded.notes(14)] == [4, 3, 2]
    statuses = [seeded.get_order(i)["status"] for i in range(14, 44)]
    assert statuses.count("failed") == 8 and statuses.count("pending") == 6 and statuses.count("on-hold") == 3
    assert {seeded.get_order(i)["currency"] for i in (29, 32, 34)} == {"EUR", "JPY"}
    seeded.advance(timedelta(days=1))  # the captured store has WP-Cron off: nothing is cancelled
    assert seeded.get_order(27)["status"] == "pending"


def test_sandbox_demo_seed_has_the_cases_the_demo_needs() -> None:
    """seed_demo: ~20 recent orders in several currencies, failures with gateway notes and the named cases."""
    demo = Store()
    info = seed_demo(demo, NOW)
    orders = [demo.get_order(i) for i in info.order_ids]
    assert 18 <= len(orders) <= 24
    assert {o["currency"] for o in orders} >= {"USD", "EUR", "GBP", "JPY", "BRL"}
    assert all(NOW - timedelta(days=2) <= datetime.fromisoformat(o["date_created_gmt"] + "+00:00") <= NOW
               for o in orders)  # fmt: skip
    notes = " ".join(n["note"] for o in orders for n in demo.notes(o["id"]))
    for marker in ("Payment failed: Your card has insufficient funds.", "<strong>failed</strong>",
                   "Instrument declined.", "GENERIC_DECLINE", "via Mollie",
                   " Order status changed from Pending payment to Failed."):  # fmt: skip
        assert marker in notes
    assert all(n["note"].count("Order status changed") <= 1 for o in orders for n in demo.notes(o["id"]))
    assert demo.get_order(info.pays_after_first_email)["status"] == "failed"
    assert demo.get_order(info.registered_customer)["customer_id"] > 0
    assert not is_email(demo.get_order(info.invalid_email)["billing"]["email"])
    first, second = (demo.get_order(i) for i in info.retry_group)
    assert first["cart_hash"] == second["cart_hash"] and first["billing"]["email"] == second["billing"]["email"]
    paid_later = demo.get_order(info.paid_later_same_email)
    newer = [
        o for o in orders if o["billing"]["email"] == paid_later["billing"]["email"] and o["id"] != paid_later["id"]
    ]
    assert newer and newer[0]["status"] == "processing"
    demo.advance(timedelta(hours=1))
    assert all(demo.get_order(i)["status"] == "cancelled" for i in info.pending_to_be_cancelled)


def test_sandbox_generate_orders_is_queryable() -> None:
    """generate_orders(): ids ascending with date, failed share respected, modified index used by queries."""
    bulk = Store(now=NOW)
    ids = bulk.generate_orders(5000, start=NOW - timedelta(days=30), end=NOW, failed_share=0.2, seed=3)
    assert len(ids) == 5000 and bulk.count_orders() == 5000
    failed = bulk.find_orders(OrderQuery(statuses=frozenset({"failed"})))
    assert 800 < len(failed) < 1200
    assert bulk.notes(failed[0])[0]["note"].endswith("Order status changed from Pending payment to Failed.")
    created = [bulk.get_order(i)["date_created_gmt"] for i in (ids[0], ids[-1])]
    assert created[0] <= created[1]
    recent = bulk.find_orders(OrderQuery(modified_after=int((NOW - timedelta(days=1)).timestamp()), orderby="modified"))
    assert recent and all(bulk.get_order(i)["date_modified_gmt"] > "2026-11-25T12:00:00" for i in recent)


@pytest.mark.slow
def test_sandbox_generates_100k_orders_in_little_memory() -> None:
    """100,000 orders in well under a few hundred MB of resident memory."""
    statm = Path("/proc/self/statm")
    if not statm.exists():
        pytest.skip("resident memory is read from /proc/self/statm (Linux)")
    page = os.sysconf("SC_PAGE_SIZE")
    before = int(statm.read_text().split()[1]) * page
    bulk = Store(now=NOW)
    bulk.generate_orders(100_000, start=NOW - timedelta(days=365), end=NOW, seed=1)
    grown = int(statm.read_text().split()[1]) * page - before
    assert grown < 300 * 1024 * 1024
