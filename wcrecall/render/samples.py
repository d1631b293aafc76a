"""The order every template check renders: hostile where buyers are (a name with markup and a header injection, an
item name with a script), two currencies, guest and registered, more items than an email lists."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

from wcrecall.model.order import LineItem, Order


def sample_order(*, guest: bool, items: int) -> Order:
    moment = datetime(2026, 1, 15, 10, 30, tzinfo=UTC)
    names = ["Blue T-shirt", "Salt &amp; Pepper grinder", '<img src=x onerror="alert(1)">', "Café crème ☕"]
    return Order(
        id=1234,
        number="1234",
        status="failed",
        currency="EUR" if not guest else "JPY",
        total=Decimal("48.50") if not guest else Decimal(3500),
        customer_id=0 if guest else 7,
        email="jane.doe@example.com",
        first_name="Jane" if not guest else "<b>Bob</b>\r\nBcc: x@example.org",
        last_name="Doe",
        country="DE",
        state="",
        payment_method="stripe",
        payment_method_title="Credit card",
        created_via="checkout",
        cart_hash="",
        customer_ip="",
        date_created=moment,
        date_modified=moment,
        date_paid=None,
        needs_payment=True,
        payment_url="https://shop.example.com/checkout/order-pay/1234/?pay_for_order=true&key=wc_order_sample",
        line_items=tuple(LineItem(names[i % len(names)], i % 3 + 1, Decimal("10.00")) for i in range(items)),
    )
