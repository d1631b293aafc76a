"""The order-pay page a recovery email links to (class-wc-shortcode-checkout.php::order_pay())."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
import requests

from wcrecall.sandbox import SandboxStore

NOW = datetime(2026, 11, 26, 12, 0, tzinfo=UTC)


@pytest.fixture
def store() -> Iterator[SandboxStore]:
    with SandboxStore(now=NOW) as running:
        yield running


def test_sandbox_pay_page_within_grace_shows_the_form_and_pays() -> None:
    """9.9.5: a fresh guest order shows "Pay for order"; posting the form pays it and lands on order-received."""
    with SandboxStore(now=NOW, wc_version="9.9.5") as store:
        _pay_fresh_guest_order(store)


def _pay_fresh_guest_order(store: SandboxStore) -> None:
    order = store.create_order(status="failed", billing={"first_name": "<b>Bob</b>"})
    page = requests.get(order["payment_url"], timeout=10)
    assert page.status_code == 200 and "Pay for order" in page.text
    assert "<b>Bob</b>" not in page.text  # order data is escaped
    paid = requests.post(order["payment_url"], data={"woocommerce_pay": "1", "verified": "1"}, timeout=10)
    assert paid.status_code == 200 and "Thank you. Your order has been received." in paid.text
    assert store.get_order(order["id"])["status"] == "processing"
    assert "Order status changed from Failed to Processing." in [n["note"] for n in store.notes(order["id"])]


VERIFY = "To view this page, you must either login or verify the email address associated with the order."


def test_sandbox_pay_page_on_7_8_asks_a_guest_to_verify_even_a_fresh_order(store: SandboxStore) -> None:
    """7.8.2 has no grace period (guest_should_verify_email() in its class-wc-shortcode-checkout.php): a guest order
    asks for its email at once."""
    order = store.create_order(status="failed", billing={"email": "ana@example.com"})
    page = requests.get(order["payment_url"], timeout=10)
    assert VERIFY in page.text and 'id="place_order"' not in page.text


@pytest.mark.parametrize(("seconds", "asks"), [(600, False), (601, True)])
def test_sandbox_pay_page_on_9_9_lets_a_guest_pay_for_10_minutes(seconds: int, asks: bool) -> None:
    """9.9.5 (Users::should_user_verify_order_email): no verification while `time() - created <= 600`."""
    with SandboxStore(now=NOW, wc_version="9.9.5") as store:
        order = store.create_order(status="failed", billing={"email": "ana@example.com"})
        store.advance(timedelta(seconds=seconds))
        page = requests.get(order["payment_url"], timeout=10).text
        assert (VERIFY in page) is asks and ('id="place_order"' in page) is not asks


@pytest.mark.parametrize("version", ["7.8.2", "9.9.5"])
def test_sandbox_pay_page_never_asks_to_verify_an_order_without_email(version: str) -> None:
    """A guest order without a billing email has nothing to verify: the form, however old the order."""
    with SandboxStore(now=NOW, wc_version=version) as store:
        order = store.create_order(status="failed", billing={"email": ""})
        store.advance(timedelta(hours=2))
        page = requests.get(order["payment_url"], timeout=10).text
        assert VERIFY not in page and 'id="place_order"' in page


def test_sandbox_pay_page_says_an_order_needs_no_payment_before_asking_to_verify(store: SandboxStore) -> None:
    """order_pay() checks needs_payment() before the email: an old cancelled guest order gets the status notice."""
    order = store.create_order(status="failed", billing={"email": "ana@example.com"})
    store.advance(timedelta(hours=2))
    store.cancel(order["id"])
    page = requests.get(order["payment_url"], timeout=10).text
    assert "it cannot be paid for" in page and VERIFY not in page


def test_sandbox_pay_page_wrong_key(store: SandboxStore) -> None:
    """A wrong key: "Sorry, this order is invalid and cannot be paid for." (HTTP 200)."""
    order = store.create_order(status="failed")
    page = requests.get(order["payment_url"].replace(order["order_key"], "wc_order_nope"), timeout=10)
    assert page.status_code == 200 and "Sorry, this order is invalid and cannot be paid for." in page.text


def test_sandbox_pay_page_guest_must_verify_email_after_grace(store: SandboxStore) -> None:
    """Past 10 minutes a guest must confirm the order's email; the right address unlocks the form."""
    order = store.create_order(status="failed", billing={"email": "ana@example.com"})
    store.advance(timedelta(minutes=11))
    page = requests.get(order["payment_url"], timeout=10)
    assert VERIFY in page.text
    wrong = requests.post(order["payment_url"], data={"email": "someone@example.com"}, timeout=10)
    assert "We were unable to verify the email address" in wrong.text
    # sanitize_email( $_POST['email'] ) === $order->get_billing_email(): the address exactly as on the order
    other_case = requests.post(order["payment_url"], data={"email": "ANA@example.com"}, timeout=10)
    assert "We were unable to verify the email address" in other_case.text
    right = requests.post(order["payment_url"], data={"email": " ana@example.com "}, timeout=10)
    assert "Pay for order" in right.text and 'id="place_order"' in right.text
    assert 'id="place_order"' in requests.get(order["payment_url"] + "&verified=1", timeout=10).text


def test_sandbox_pay_page_registered_customer_must_log_in(store: SandboxStore) -> None:
    """A registered customer's order asks to log in before the payment form."""
    order = store.create_order(status="failed", customer_id=7)
    page = requests.get(order["payment_url"], timeout=10)
    assert "Please log in to your account below to continue to the payment form." in page.text
    assert 'id="place_order"' not in page.text


def test_sandbox_pay_page_refuses_orders_that_need_no_payment(store: SandboxStore) -> None:
    """A cancelled order: "This order’s status is “Cancelled”—it cannot be paid for."."""
    order = store.create_order(status="failed")
    store.cancel(order["id"])
    page = requests.get(order["payment_url"], timeout=10)
    assert "This order&rsquo;s status is &ldquo;Cancelled&rdquo;&mdash;it cannot be paid for." in page.text
    assert requests.post(order["payment_url"], data={"woocommerce_pay": "1"}, timeout=10).status_code == 200
    assert store.get_order(order["id"])["status"] == "cancelled"
    assert store.count("GET", "/checkout/order-pay/{id}/") == 1
