"""The Magento sandbox's store rules: the cleanup cron and its lifetime, paying, comments, hostile data, the demo
and generated stores. Through HTTP where a client would see the rule, otherwise through the Python API."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import requests

from wcrecall.sandbox.magento import (
    FULL_INTEGRATION,
    MagentoSandbox,
    generate_orders,
    seed_demo,
    seed_fixture,
    sign_header,
)
from wcrecall.sandbox.magento.generate import BUYERS, build_order
from wcrecall.sandbox.magento.store import PRODUCTS, MagentoStore

T0 = datetime(2026, 12, 1, 10, 30, tzinfo=UTC)


@pytest.fixture
def store() -> Iterator[MagentoSandbox]:
    with MagentoSandbox(now=T0) as running:
        yield running


def api(store: MagentoSandbox, method: str, path: str, body: Any = None) -> requests.Response:
    url = f"{store.url}/rest/V1/{path}"
    headers = {"Authorization": sign_header(method, url, FULL_INTEGRATION)}
    return requests.request(method, url, json=body, headers=headers, timeout=10)


def new_order(store: MagentoStore, status: str = "pending_payment", method: str = "stripe_payments") -> int:
    order = build_order(store, BUYERS[1], [(PRODUCTS[0], 2)], method=method, created=store.now(), status=status)
    store.add_order(order)
    return int(order["entity_id"])


def test_cleanup_cron_cancels_pending_payment_after_the_lifetime_at_the_next_full_hour(store: MagentoSandbox) -> None:
    """Updated 10:30, lifetime 480 min: still pending at the 18:00 run, cancelled by the 19:00 run, stamped 19:00."""
    oid = new_order(store)
    store.advance(timedelta(hours=8, minutes=10))  # 18:40: the 18:00 run found it 7.5 h old
    assert store.order(oid)["status"] == "pending_payment"  # type: ignore[index]
    store.advance(timedelta(minutes=30))  # 19:10
    order = api(store, "GET", f"orders/{oid}").json()
    assert (order["state"], order["status"], order["updated_at"]) == ("canceled", "canceled", "2026-12-01 19:00:00")
    assert order["total_canceled"] == order["grand_total"] and order["items"][0]["qty_canceled"] == 2
    assert api(store, "GET", f"orders/{oid}/comments").json()["items"] == []  # the job writes no comment


def test_cleanup_cron_uses_the_website_lifetime_and_leaves_other_statuses(store: MagentoSandbox) -> None:
    """A 60-minute lifetime cancels at the second full hour; `pending` and `payment_review` orders stay."""
    store.set_lifetime(60)
    oid, offline, review = new_order(store), new_order(store, "pending", "checkmo"), new_order(store, "payment_review")
    assert store.advance(timedelta(hours=2)) == [oid]  # 11:00 (30 min old) no, 12:00 (90 min old) yes
    assert [store.order(i)["status"] for i in (offline, review)] == ["pending", "payment_review"]  # type: ignore[index]
    assert [when.hour for when, _ in store.cron_runs] == [11, 12]


def test_a_comment_does_not_change_updated_at_nor_postpone_the_cancel(store: MagentoSandbox) -> None:
    """POSTing a comment leaves updated_at as it was, so the order is still cancelled 8 hours after its update."""
    oid = new_order(store)
    store.advance(timedelta(hours=7))
    assert api(store, "POST", f"orders/{oid}/comments", {"statusHistory": {"comment": "reminder 1"}}).json() is True
    assert api(store, "GET", f"orders/{oid}").json()["updated_at"] == "2026-12-01 10:30:00"
    store.advance(timedelta(hours=2))
    assert store.order(oid)["status"] == "canceled"  # type: ignore[index]


def test_paying_moves_the_order_to_processing_and_changes_updated_at(store: MagentoSandbox) -> None:
    """pay(): status processing, nothing due, amounts paid, a capture comment, updated_at = the payment time."""
    oid = new_order(store)
    store.advance(timedelta(minutes=45))
    store.pay(oid, transaction_id="pi_paid")
    order = api(store, "GET", f"orders/{oid}").json()
    assert (order["state"], order["status"], order["updated_at"]) == ("processing", "processing", "2026-12-01 11:15:00")
    assert order["total_due"] == 0 and order["total_paid"] == order["grand_total"]
    assert order["payment"]["last_trans_id"] == "pi_paid"
    assert order["status_histories"][0]["comment"].startswith("Captured amount of €")
    store.advance(timedelta(hours=10))
    assert store.order(oid)["status"] == "processing"  # type: ignore[index]


def test_hostile_comment_and_name_are_stored_raw_and_come_back_as_sent(store: MagentoSandbox) -> None:
    """HTML, right-to-left override and CRLF survive unchanged (Magento stores comments raw; escaping is ours)."""
    oid = new_order(store)
    hostile = "<script>alert(1)</script> \u202eevil\u202c\r\nBcc: x@example.com & <b>"
    store.update_order(oid, customer_firstname="<img src=x onerror=alert(1)>", customer_lastname="a\r\nb")
    assert api(store, "POST", f"orders/{oid}/comments", {"statusHistory": {"comment": hostile}}).status_code == 200
    order = api(store, "GET", f"orders/{oid}").json()
    assert order["status_histories"][0]["comment"] == hostile
    assert (order["customer_firstname"], order["customer_lastname"]) == ("<img src=x onerror=alert(1)>", "a\r\nb")


def test_comments_list_oldest_first_and_order_histories_newest_first(store: MagentoSandbox) -> None:
    """GET .../comments lists by id; the order's status_histories put the newest first."""
    oid = new_order(store)
    for n in range(3):
        store.advance(timedelta(minutes=1))
        api(store, "POST", f"orders/{oid}/comments", {"statusHistory": {"comment": f"c{n}"}})
    assert [c["comment"] for c in api(store, "GET", f"orders/{oid}/comments").json()["items"]] == ["c0", "c1", "c2"]
    assert [c["comment"] for c in api(store, "GET", f"orders/{oid}").json()["status_histories"]] == ["c2", "c1", "c0"]


def test_fixture_store_has_the_seeded_orders_and_cancels_all_four_pending_payment_ones() -> None:
    """seed_fixture: the 18 orders of SEEDED-DATA.txt; the job at the capture's end cancels orders 1-4 (capture-notes)."""
    store = seed_fixture(MagentoStore())
    assert sorted(store.orders) == list(range(1, 19)) and len(store.comments) == 15
    assert store.order(9)["status"] == "canceled"  # type: ignore[index]
    store.set_now(datetime(2026, 11, 30, 8, 1, 48, tzinfo=UTC))
    assert store.clean_orders() == [1, 2, 3, 4]


def test_demo_store_covers_every_case_and_ends_at_now(store: MagentoSandbox) -> None:
    """seed_demo: each kind present, failed-then-cancelled orders carry gateway evidence, a merchant cancel does not."""
    kinds = seed_demo(store, T0)
    assert set(kinds) == {"pending_payment", "pending", "failed_canceled", "merchant_canceled", "paid", "reorder",
                          "never", "hostile"}  # fmt: skip
    assert store.now() == T0
    for oid in kinds["failed_canceled"]:
        assert store.order(oid)["status"] == "canceled" and store.comments_of(oid)  # type: ignore[index]
    merchant = store.comments_of(kinds["merchant_canceled"][0])
    assert len(merchant) == 1 and "phone" in merchant[0]["comment"]
    first, second = (store.order(i) for i in kinds["reorder"])
    assert first["customer_email"] == second["customer_email"]  # type: ignore[index]
    assert (first["status"], second["status"]) == ("canceled", "processing")  # type: ignore[index]
    methods = {store.order(i)["payment"]["method"] for ids in kinds.values() for i in ids}  # type: ignore[index]
    assert {
        "stripe_payments",
        "adyen_cc",
        "adyen_hpp",
        "mollie_methods_ideal",
        "paypal_express",
        "braintree",
    } <= methods
    assert len({store.order(i)["billing_address"]["country_id"] for i in store.orders}) >= 6  # type: ignore[index]


def test_generated_store_is_deterministic_and_expires_like_the_cron() -> None:
    """generate_orders: same seed, same orders; no pending_payment order older than the lifetime survives."""
    end = datetime(2026, 12, 1, tzinfo=UTC)
    first, second = MagentoStore(now=end), MagentoStore(now=end)
    generate_orders(first, 150, start=end - timedelta(days=2), end=end, seed=7)
    generate_orders(second, 150, start=end - timedelta(days=2), end=end, seed=7)
    assert [first.order_json(i) for i in first.orders] == [second.order_json(i) for i in second.orders]
    assert first.now() == end
    statuses = {o["status"] for o in first.orders.values()}
    assert {"pending_payment", "pending", "canceled", "processing"} <= statuses
    for order in first.orders.values():
        if order["status"] == "pending_payment":
            updated = datetime.fromisoformat(order["updated_at"]).replace(tzinfo=UTC)
            assert end - updated < timedelta(minutes=first.lifetime() + 60)
