"""Seed data: the captured store (fixtures/woocommerce-7.8.2), a realistic demo store, and bulk orders.

`seed_fixture_store` rebuilds orders 14-43 and their notes from SEEDED-DATA.txt and the captured orders (keys,
IPs, line item and note ids as captured). Orders 29-32 and 34-43 were never captured in full: their line items are
the catalogue products that add up to the listed totals, and their notes (ids 18-54, which the captures show were
used) are the status and stock notes WooCommerce writes for such orders.
"""

from __future__ import annotations

import hashlib
import random
import string
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

from wcrecall.sandbox.catalog import (
    CURRENCY_ENTITIES,
    DEFAULT_USER_AGENT,
    gateway_title,
)
from wcrecall.sandbox.records import LineItem, Order

if TYPE_CHECKING:
    from wcrecall.sandbox.store import Store

# The moment of the first capture (wp_json_index_wc_v3.request.txt, captured_at).
FIXTURE_NOW = datetime(2026, 11, 26, 12, 47, 9, tzinfo=UTC)
_FAILED = "Order status changed from Pending payment to Failed."


def _person(first: str, last: str, address: str, city: str, state: str, postcode: str, country: str, email: str,
            phone: str, company: str = "") -> dict[str, str]:  # fmt: skip
    return {
        "first_name": first,
        "last_name": last,
        "company": company,
        "address_1": address,
        "address_2": "",
        "city": city,
        "state": state,
        "postcode": postcode,
        "country": country,
        "email": email,
        "phone": phone,
    }


JANE = _person("Jane", "Doe", "742 Evergreen Terrace", "Springfield", "OR", "97477", "US", "jane.doe@example.com",
               "+1 541 555 0100")  # fmt: skip
JUERGEN = _person("Jürgen", "Müller", "Friedrichstraße 123", "Berlin", "", "10117", "DE",
                  "juergen.mueller@example.de", "+49 30 1234567")  # fmt: skip
ELODIE = _person("Élodie", "Lefèvre", "12 Rue de Rivoli", "Paris", "", "75001", "FR", "elodie.lefevre@example.fr",
                 "+33 1 23 45 67 89")  # fmt: skip
TARO = _person("太郎", "山田", "1-1 Chiyoda", "Chiyoda-ku", "JP13", "100-0001", "JP", "taro.yamada@example.jp",
               "+81 3-1234-5678")  # fmt: skip
JOAO = _person("João", "Silva", "Av. Paulista, 1000", "São Paulo", "SP", "01310-100", "BR",
               "joao.silva@example.com.br", "+55 11 91234-5678")  # fmt: skip
WANG = _person("伟", "王", "1 Jianguomenwai Ave", "Beijing", "CN2", "100004", "CN", "wang.wei@example.cn",
               "+86 10 1234 5678")  # fmt: skip
OLIVER = _person("Oliver", "O'Brien", "221B Baker Street", "London", "", "NW1 6XE", "GB",
                 "oliver.obrien@example.co.uk", "+44 20 7946 0958")  # fmt: skip
JOHN_RETRY = _person("John", "Smith", "1600 Amphitheatre Pkwy", "Mountain View", "CA", "94043", "US",
                     "John.Smith+Retry@Example.com", "+1 650 555 0199", "Smith & Sons, LLC")  # fmt: skip
JOHN = {**JOHN_RETRY, "email": "john.smith@example.com"}

# id, buyer, status, currency, total, gateway, created (UTC), modified (UTC), order key, items, transaction id,
# _reduced_stock meta ids. Keys of orders 14-28 and 33 are the captured ones.
_ORDERS: tuple[tuple[Any, ...], ...] = (
    (14, JANE, "failed", "USD", "220.50", "stripe", "11-06T12:19:04", "11-06T12:27:04", "xuMz15go9wCJm", [(10, 3), (11, 3)], "", []),
    (15, JUERGEN, "failed", "USD", "48.50", "stripe", "11-07T04:04:24", "11-07T04:06:24", "8HBZ1IvHPx5SA", [(11, 1)], "", []),
    (16, ELODIE, "failed", "USD", "110.00", "ppcp-gateway", "11-07T20:27:02", "11-07T20:32:02", "IeoXYBX0xu0we", [(12, 1), (10, 3)], "", []),
    (17, TARO, "failed", "USD", "75.00", "stripe", "11-08T12:29:40", "11-08T12:31:40", "B8tpZgclDY0qF", [(10, 3)], "", []),
    (18, JOAO, "failed", "USD", "97.00", "woocommerce_payments", "11-09T04:18:06", "11-09T04:23:06", "1JHrFALKxwD1S", [(11, 2)], "", []),
    (19, WANG, "failed", "USD", "70.00", "stripe", "11-09T20:11:58", "11-09T20:13:58", "Sx3ZtYioeGp1E", [(12, 2)], "", []),
    (20, OLIVER, "failed", "USD", "25.00", "ppcp-gateway", "11-10T12:02:19", "11-10T12:07:19", "60YyZObnShd2z", [(10, 1)], "", []),
    (21, JOHN_RETRY, "failed", "USD", "48.50", "stripe", "11-11T04:07:29", "11-11T04:09:29", "8CRmHnUII6EfT", [(11, 1)], "", []),
    (22, JANE, "pending", "USD", "105.00", "stripe", "11-11T20:21:13", "11-11T20:23:13", "LlAZLNKIYoTRr", [(12, 3)], "", []),
    (23, JUERGEN, "pending", "USD", "50.00", "cod", "11-12T12:20:59", "11-12T12:25:59", "IF1uTjxiLeuVV", [(10, 2)], "", []),
    (24, ELODIE, "pending", "USD", "215.50", "stripe", "11-13T04:30:12", "11-13T04:32:12", "NXrSMSYDZlUWW", [(11, 3), (12, 2)], "", []),
    (25, TARO, "pending", "USD", "120.00", "ppcp-gateway", "11-13T20:26:19", "11-13T20:28:19", "lIoxvN81SmB9g", [(12, 2), (10, 2)], "", []),
    (26, JOAO, "pending", "USD", "143.49", "woocommerce_payments", "11-14T12:23:57", "11-14T12:25:57", "gpyr0Ml3ezaXt", [(10, 3), (11, 1), (0, 1)], "", []),
    (27, OLIVER, "pending", "USD", "48.50", "stripe", "11-15T04:27:38", "11-15T04:29:38", "IDue8zEPjnNrZ", [(11, 1)], "", []),
    (28, JANE, "processing", "USD", "105.00", "cod", "11-15T20:07:52", "11-15T20:12:52", "JrRA9Iw75au5Q", [(12, 3)], "ch_3O4HlV9q4GoDjUh42dBH4k", [190]),
    (29, JUERGEN, "processing", "EUR", "25.00", "stripe", "11-16T12:34:43", "11-16T12:39:43", "Q7wTzK2mVbN4c", [(10, 1)], "ch_3O5KmA2eZvKYlo2C1qPq7sTx", [206]),
    (30, WANG, "processing", "USD", "215.50", "ppcp-gateway", "11-17T03:57:44", "11-17T04:02:44", "pR3sYh8LdXe1u", [(11, 3), (12, 2)], "5TY05013RG002845M", [222, 223]),
    (31, OLIVER, "processing", "USD", "35.00", "woocommerce_payments", "11-17T20:27:57", "11-17T20:32:57", "Hn6cWq0ZtJr5k", [(12, 1)], "pi_3O6Lq2LkdIwHu7ix0bQd3sWe", [238]),
    (32, ELODIE, "processing", "EUR", "172.00", "stripe", "11-18T12:14:47", "11-18T12:19:47", "dV9mBx4UeKs2a", [(11, 2), (10, 3)], "ch_3O6u8X2eZvKYlo2C0fTm9Qqa", [254, 255]),
    (33, JANE, "completed", "USD", "153.50", "cod", "11-19T04:06:49", "11-19T04:17:49", "OTzc4GHQAnF05", [(11, 1), (12, 3)], "pi_3OGfxt3uv2F4Ffi6VUWUFI", [269, 270]),
    (34, TARO, "completed", "JPY", "105.00", "stripe", "11-19T19:57:32", "11-19T20:05:32", "Ym2fGc7NpRw8e", [(12, 3)], "ch_3O7HdP2eZvKYlo2C1xYz4Nnb", [286]),
    (35, JOAO, "completed", "USD", "147.00", "ppcp-gateway", "11-20T11:54:48", "11-20T12:02:48", "kT5vLs1QaHd9b", [(11, 2), (10, 2)], "9JU48727DE413662F", [302, 303]),
    (36, JUERGEN, "completed", "USD", "48.50", "woocommerce_payments", "11-21T03:58:41", "11-21T04:06:41", "Zc8nRe3WuMf6g", [(11, 1)], "pi_3O8Ab7LkdIwHu7ix1cRf5tUv", [318]),
    (37, OLIVER, "completed", "USD", "35.00", "stripe", "11-21T20:16:03", "11-21T20:24:03", "Bq4hTy9XoLp2s", [(12, 1)], "ch_3O8PqE2eZvKYlo2C0gHs8Kkc", [334]),
    (38, JOHN, "cancelled", "USD", "122.00", "cod", "11-22T12:34:54", "11-22T12:36:54", "Fw1kUi6CzNa7d", [(11, 2), (10, 1)], "", []),
    (39, ELODIE, "cancelled", "USD", "167.00", "stripe", "11-23T04:19:12", "11-23T04:21:12", "Lm7pSd2VbQe4h", [(11, 2), (12, 2)], "", []),
    (40, WANG, "cancelled", "USD", "105.00", "ppcp-gateway", "11-23T19:57:09", "11-23T19:59:09", "Xe3gNo8RkTy1j", [(12, 3)], "", []),
    (41, JOHN, "on-hold", "USD", "195.50", "bacs", "11-24T12:07:57", "11-26T12:43:27", "Uj9bMa5WfHc3n", [(11, 3), (10, 2)], "", [366, 367]),
    (42, JUERGEN, "on-hold", "USD", "132.00", "bacs", "11-25T04:04:33", "11-26T12:43:27", "Gt2yKe7PsLd6q", [(11, 2), (12, 1)], "", [382, 383]),
    (43, JOAO, "on-hold", "USD", "95.00", "bacs", "11-25T20:08:59", "11-26T12:43:27", "Rs6wDf1JmXb8v", [(10, 1), (12, 2)], "", [398, 399]),
)  # fmt: skip
# SEEDED-DATA.txt "Private notes on failed/pending orders" (UTC).
_NOTES: dict[int, list[tuple[str, str]]] = {
    14: [("11-06T12:21:04", "Stripe charge failed: Your card was declined. (card_declined)"),
         ("11-06T12:24:04", _FAILED),
         ("11-06T12:27:04", "Stripe charge failed: Your card was declined. (card_declined) — retry attempt 2")],
    15: [("11-07T04:06:24", f"Error processing payment. Reason: Insufficient funds {_FAILED}")],
    16: [("11-07T20:29:02", "PayPal payment failed"), ("11-07T20:32:02", _FAILED)],
    17: [("11-08T12:31:40", f"3D Secure authentication failed {_FAILED}")],
    18: [("11-09T04:20:06", ("A payment of $97.00 USD failed to complete with the following message: Your card has "
                            "insufficient funds. (insufficient_funds)")),
         ("11-09T04:23:06", _FAILED)],
    19: [("11-09T20:13:58", f"Error processing payment. Reason: Your card has expired. (expired_card) {_FAILED}")],
    20: [("11-10T12:04:19", "PayPal payment failed. Reason: INSTRUMENT_DECLINED"), ("11-10T12:07:19", _FAILED)],
    21: [("11-11T04:09:29",
          f"Stripe charge failed: Your card's security code is incorrect. (incorrect_cvc) {_FAILED}")],
    23: [("11-12T12:22:59", f"Error processing payment. Reason: Insufficient funds {_FAILED}"),
         ("11-12T12:25:59", "Customer returned to pay again. Order status changed from Failed to Pending payment.")],
    25: [("11-13T20:28:19", "Awaiting payment confirmation from PayPal.")],
}  # fmt: skip


# The buyer's checkout note, as captured on order 17.
_CUSTOMER_NOTES = {17: "Please gift-wrap / ギフト包装をお願いします"}


def _utc(stamp: str) -> datetime:
    return datetime.fromisoformat(f"2026-{stamp}+00:00")


def seed_fixture_store(store: Store, *, set_clock: bool = True) -> None:
    """Reproduce the captured store: orders 14-43, their notes, stock and id counters (next order 44, note 55)."""
    with store.lock:
        if store.count_orders():
            raise ValueError("seed_fixture_store() needs an empty store")
        # The captured store runs without WP-Cron (system_status: wp_cron false): its pending orders stay pending.
        store.wp_cron = False
        store.next_item_id, store.next_note_id = 1, 2
        # Stock before the seeded sales; order 15's later payment takes product 11 from 186 to 185 (captured).
        for pid, stock in ((10, 250), (11, 200), (12, 120)):
            store.products[pid].stock = stock
        for oid, buyer, status, currency, total, gateway, created, modified, key, items, txn, metas in _ORDERS:
            paid = completed = None
            if status in ("processing", "completed"):
                paid = _utc(created) + timedelta(minutes=2)
                completed = paid if status == "completed" else None
            lines: list[dict[str, Any]] = []
            meta_ids = iter(metas)
            for pid, qty in items:
                line: dict[str, Any] = {"product_id": pid, "quantity": qty}
                if pid == 0:
                    line.update(name="Discontinued Tote Bag", total="19.99", sku=None)
                if metas:
                    line["meta_data"] = [{"id": next(meta_ids), "key": "_reduced_stock", "value": str(qty)}]
                lines.append(line)
            store.create_order(
                id=oid, status=status, currency=currency, total=total, billing=buyer, payment_method=gateway,
                customer_id=2 if buyer is JANE else 0, customer_ip_address=f"203.0.113.{oid - 4}",
                order_key=f"wc_order_{key}", cart_hash="", line_items=lines, transaction_id=txn,
                date_created=_utc(created), date_modified=_utc(modified), date_paid=paid, date_completed=completed,
                customer_note=_CUSTOMER_NOTES.get(oid, ""),
            )  # fmt: skip
            for when, text in _NOTES.get(oid, []):
                store.add_note(oid, text, date=_utc(when))
            _status_notes(store, oid, status, _utc(created), _utc(modified), paid)
        store.next_meta_id = 426  # the `_reduced_stock` meta written when order 15 was paid (captured)
        store.next_order_id = 44  # order_create_failed_oauth_http.http created order 44
    if set_clock:
        store.set_now(FIXTURE_NOW)


def _status_notes(store: Store, oid: int, status: str, created: datetime, modified: datetime,
                  paid: datetime | None) -> None:  # fmt: skip
    order = store.order(oid)
    assert order is not None
    if status in ("processing", "completed", "on-hold"):
        when = paid or created + timedelta(minutes=2)
        changes = []
        for item in order.items:
            product = store.products[item.product_id]
            changes.append(f"{item.name} ({product.sku}) {product.stock}&rarr;{product.stock - item.quantity}")
            product.stock -= item.quantity
        store.add_note(oid, "Stock levels reduced: " + ", ".join(changes), date=when)
        if status == "on-hold":
            store.add_note(
                oid, "Awaiting BACS payment Order status changed from Pending payment to On hold.", date=when
            )
            store.add_note(oid, "Order details manually sent to customer.", date=modified)
        else:
            store.add_note(oid, "Order status changed from Pending payment to Processing.", date=when)
        if status == "completed":
            store.add_note(oid, "Order status changed from Processing to Completed.", date=when)
    elif status == "cancelled":
        store.add_note(oid, "Order cancelled by customer. Order status changed from Pending payment to Cancelled.",
                       date=modified)  # fmt: skip


# --- demo -------------------------------------------------------------------------------------------------------------

# Rough rates for catalogue prices (USD) in the demo's other currencies.
_RATES = {"USD": 1.0, "EUR": 0.92, "GBP": 0.79, "JPY": 150.0, "BRL": 5.0, "CAD": 1.36, "AUD": 1.52}


@dataclass(frozen=True)
class DemoSeed:
    """What `seed_demo` created, for the demo script to point at."""

    now: datetime
    order_ids: tuple[int, ...]
    pays_after_first_email: int  # a failed order whose buyer pays once reminded
    paid_later_same_email: int  # a failed order whose buyer already paid a newer order: must not be mailed
    retry_group: tuple[int, ...]  # same email and cart_hash: one reminder for both
    invalid_email: int
    registered_customer: int  # customer_id > 0: the pay link asks to log in
    pending_to_be_cancelled: tuple[int, ...]  # checkout orders hold-stock will cancel within the hour


def seed_demo(store: Store, now: datetime) -> DemoSeed:
    """About 20 realistic orders from the 2 days before `now` (the clock is set to `now`)."""
    store.set_now(now)
    store.set_gateways(
        {
            "stripe": True,
            "woocommerce_payments": True,
            "ppcp-gateway": True,
            "square_credit_card": True,
            "mollie_wc_gateway_ideal": True,
            "bacs": True,
            "cod": False,
        }
    )
    made: dict[str, int] = {}

    # `note` is the gateway's text; set_status() appends core's " Order status changed from A to B." to it.
    def order(tag: str, buyer: dict[str, str], currency: str, gateway: str, hours: float, status: str,
              items: list[tuple[int, int]], *, note: str = "", customer_id: int = 0, cart: str | None = None,
              via: str = "checkout") -> int:  # fmt: skip
        created = now - timedelta(hours=hours)
        rate = _RATES[currency]
        lines = [
            {"product_id": pid, "quantity": qty,
             "total": round(store.products[pid].price * qty * rate / 100, 0 if currency == "JPY" else 2)}
            for pid, qty in items
        ]  # fmt: skip
        # A gateway fails within minutes; hold stock cancels an hour after the last change.
        minutes = {"pending": 1, "cancelled": 61}.get(status, 2)
        data = store.create_order(
            status="pending", currency=currency, billing=buyer, payment_method=gateway, line_items=lines,
            customer_id=customer_id, cart_hash=cart, created_via=via, date_created=created,
            date_modified=created + timedelta(minutes=minutes if status == "pending" else 0),
        )  # fmt: skip
        oid = int(data["id"])
        made[tag] = oid
        # wc_price() markup of the order total, as WooPayments puts it in its failure note.
        symbol = CURRENCY_ENTITIES.get(currency, currency)
        price = (
            '<span class="woocommerce-Price-amount amount"><bdi>'
            f'<span class="woocommerce-Price-currencySymbol">{symbol}</span>{data["total"]}</bdi></span>'
        )
        note = note.replace("{amount}", price)
        if status != "pending":
            _at(store, created + timedelta(minutes=minutes), lambda: store.set_status(oid, status, note))
        return oid

    emily = _person("Emily", "Carter", "1208 Maple Avenue", "Columbus", "OH", "43215", "US",
                    "emily.carter@example.com", "+1 614 555 0142")  # fmt: skip
    lukas = _person("Lukas", "Becker", "Schillerstraße 45", "München", "", "80336", "DE", "lukas.becker@example.de",
                    "+49 89 2345678")  # fmt: skip
    charlotte = _person("Charlotte", "Evans", "14 Albion Road", "Manchester", "", "M14 5LN", "GB",
                        "charlotte.evans@example.co.uk", "+44 161 496 0321")  # fmt: skip
    haruto = _person("陽翔", "佐藤", "2-3-4 Umeda, Kita-ku", "Osaka", "JP27", "530-0001", "JP",
                     "haruto.sato@example.jp", "+81 6-6345-6789")  # fmt: skip
    daan = _person("Daan", "de Vries", "Prinsengracht 263", "Amsterdam", "", "1016 GV", "NL", "daan.devries@example.nl",
                   "+31 20 555 0199")  # fmt: skip
    lucas = _person("Lucas", "Oliveira", "Rua Oscar Freire, 379", "São Paulo", "SP", "01426-001", "BR",
                    "lucas.oliveira@example.com.br", "+55 11 95555-0123")  # fmt: skip
    michael = _person("Michael", "Brown", "88 Peachtree Street NE", "Atlanta", "GA", "30303", "US",
                      "michael.brown@example.com", "+1 404 555 0188")  # fmt: skip
    sophie = _person("Sophie", "Martin", "8 Place Bellecour", "Lyon", "", "69002", "FR", "sophie.martin@example.fr",
                     "+33 4 72 55 01 23")  # fmt: skip
    noah = _person("Noah", "Tremblay", "350 Rue Sainte-Catherine O", "Montréal", "QC", "H3B 1A7", "CA",
                   "noah.tremblay@example.ca", "+1 514 555 0107")  # fmt: skip
    carlos = _person("Carlos", "Ruiz", "Calle de Alcalá 42", "Madrid", "", "28014", "ES", "carlos.ruiz@example",
                     "+34 91 555 0144")  # fmt: skip
    grace = _person("Grace", "Kim", "500 Pine Street", "Seattle", "WA", "98101", "US", "grace.kim@example.com",
                    "+1 206 555 0175")  # fmt: skip
    amelia = _person("Amelia", "Hughes", "27 Victoria Road", "Bristol", "", "BS1 6AX", "GB",
                     "amelia.hughes@example.co.uk", "+44 117 496 0654")  # fmt: skip
    jack = _person("Jack", "Wilson", "120 George Street", "Sydney", "NSW", "2000", "AU", "jack.wilson@example.com.au",
                   "+61 2 5550 1234")  # fmt: skip
    ines = _person("Inês", "Costa", "Rua Augusta 210", "Lisboa", "", "1100-053", "PT", "ines.costa@example.pt",
                   "+351 21 555 0166")  # fmt: skip

    stripe_funds = "Payment failed: Your card has insufficient funds."
    order("pays_after_first_email", emily, "USD", "stripe", 26, "failed", [(11, 1), (10, 1)], note=stripe_funds)
    order("woopayments_declined", lukas, "EUR", "woocommerce_payments", 20, "failed", [(11, 1), (12, 1)],
          note="A payment of {amount} <strong>failed</strong> to complete with the following message: "
               "<code>Error: Your card was declined</code>.")  # fmt: skip
    order("paypal_instrument_declined", charlotte, "GBP", "ppcp-gateway", 30, "failed", [(12, 2)],
          note="Instrument declined. The instrument presented was either declined by the processor or bank, or it "
               "can't be used for this payment.")  # fmt: skip
    order("square_generic_decline", haruto, "JPY", "square_credit_card", 10, "failed", [(10, 2)],
          note="Square Payment Failed (Status code GENERIC_DECLINE: Card declined.)")  # fmt: skip
    order("mollie_ideal_failed", daan, "EUR", "mollie_wc_gateway_ideal", 8, "failed", [(5, 1), (8, 1)],
          note="iDEAL payment failed via Mollie (tr_WDqYK6vllg).")  # fmt: skip
    order("stripe_declined", lucas, "BRL", "stripe", 14, "failed", [(11, 1)],
          note="Payment failed: Your card was declined.")  # fmt: skip
    order("registered_customer", michael, "USD", "stripe", 18, "failed", [(6, 1)], customer_id=7,
          note="Payment failed: Your card has expired.")  # fmt: skip
    retry_cart = hashlib.md5(b"demo-retry-cart").hexdigest()
    cvc = "Payment failed: Your card's security code is incorrect."
    order("retry_first", sophie, "EUR", "stripe", 40, "failed", [(7, 1), (9, 2)], note=cvc, cart=retry_cart)
    order("retry_second", sophie, "EUR", "stripe", 39.5, "failed", [(7, 1), (9, 2)], note=cvc, cart=retry_cart)
    order("paid_later_failed", noah, "CAD", "stripe", 36, "failed", [(12, 1)], note=stripe_funds)
    order("paid_later_paid", noah, "CAD", "ppcp-gateway", 34, "processing", [(12, 1)])
    order("invalid_email", carlos, "EUR", "woocommerce_payments", 12, "failed", [(10, 1)],
          note="A payment of {amount} <strong>failed</strong> to complete with the "
               "following message: <code>Error: Your card was declined</code>.")  # fmt: skip
    order("pending_3ds", grace, "USD", "stripe", 25 / 60, "pending", [(11, 2)])
    order("pending_paypal", amelia, "GBP", "ppcp-gateway", 45 / 60, "pending", [(10, 1), (12, 1)])
    order("pending_invoice", jack, "AUD", "bacs", 20, "pending", [(6, 1)], via="admin")
    order("completed_1", ines, "EUR", "stripe", 44, "completed", [(7, 2)])
    order("completed_2", grace, "USD", "stripe", 42, "completed", [(10, 1)])
    order("processing_1", amelia, "GBP", "woocommerce_payments", 6, "processing", [(9, 3)])
    order("on_hold_bacs", jack, "AUD", "bacs", 4, "on-hold", [(5, 1)],
          note="Awaiting BACS payment")  # fmt: skip
    order("hold_stock_cancelled", ines, "EUR", "ppcp-gateway", 30, "cancelled", [(8, 1)],
          note="Unpaid order cancelled - time limit reached.")  # fmt: skip
    return DemoSeed(
        now=now,
        order_ids=tuple(made.values()),
        pays_after_first_email=made["pays_after_first_email"],
        paid_later_same_email=made["paid_later_failed"],
        retry_group=(made["retry_first"], made["retry_second"]),
        invalid_email=made["invalid_email"],
        registered_customer=made["registered_customer"],
        pending_to_be_cancelled=(made["pending_3ds"], made["pending_paypal"]),
    )


def _at(store: Store, when: datetime, action: Any) -> None:
    """Run `action` with the clock at `when`, then put it back (no scheduled work in between)."""
    with store.lock:
        saved, cron = store.clock.now(), store.wp_cron
        store.wp_cron = False
        store.clock.set(when)
        try:
            action()
        finally:
            store.clock.set(saved)
            store.wp_cron = cron


# --- bulk -------------------------------------------------------------------------------------------------------------

_BULK_FIRST = (
    "James",
    "Mary",
    "Robert",
    "Patricia",
    "John",
    "Jennifer",
    "Michael",
    "Linda",
    "David",
    "Elizabeth",
    "William",
    "Barbara",
    "Richard",
    "Susan",
    "Joseph",
    "Jessica",
    "Thomas",
    "Sarah",
    "Carlos",
    "Yuki",
)
_BULK_LAST = (
    "Smith",
    "Johnson",
    "Williams",
    "Brown",
    "Jones",
    "Garcia",
    "Miller",
    "Davis",
    "Rodriguez",
    "Martinez",
    "Hernandez",
    "Lopez",
    "Gonzalez",
    "Wilson",
    "Anderson",
    "Thomas",
    "Taylor",
    "Moore",
    "Jackson",
    "Lee",
)
_BULK_PLACES = (("Austin", "TX", "78701"), ("Denver", "CO", "80202"), ("Boston", "MA", "02108"),
                ("Chicago", "IL", "60601"), ("Phoenix", "AZ", "85004"), ("Portland", "OR", "97205"))  # fmt: skip
_HOLD_CANCELLED = "Unpaid order cancelled - time limit reached. Order status changed from Pending payment to Cancelled."
_BULK_FAILURES = (
    ("stripe", f"Payment failed: Your card was declined. {_FAILED}"),
    ("stripe", f"Payment failed: Your card has insufficient funds. {_FAILED}"),
    ("woocommerce_payments", ("A payment of <span class=\"woocommerce-Price-amount amount\">$48.50</span> "
     "<strong>failed</strong> to complete with the following message: "
     f"<code>Error: Your card was declined</code>. {_FAILED}")),
    ("ppcp-gateway", ("Instrument declined. The instrument presented was either declined by the processor or bank, "
     f"or it can't be used for this payment. {_FAILED}")),
    ("square_credit_card", f"Square Payment Failed (Status code GENERIC_DECLINE: Card declined.) {_FAILED}"),
)  # fmt: skip


def generated_orders(store: Store, n: int, *, start: datetime, end: datetime, failed_share: float,
                     pending_share: float, seed: int) -> list[tuple[Order, str | None]]:  # fmt: skip
    """`n` compact order records between `start` and `end` for Store.generate_orders (caller holds the lock).

    Built for speed (100,000 in a couple of seconds): carts come from a precomputed list, keys from random bytes,
    buyers (a third of `n`, so many order more than once) and their addresses are shared between their orders.
    """
    rng = random.Random(seed)
    draw = rng.random
    t0, t1 = int(start.timestamp()), int(end.timestamp())
    stamps = sorted(t0 + int(draw() * (t1 - t0 + 1)) for _ in range(n))
    catalogue = [store.products[pid] for pid in (10, 11, 12)]
    carts = _bulk_carts(catalogue)
    alphabet = string.ascii_letters + string.digits
    key_table = bytes(ord(alphabet[i % len(alphabet)]) for i in range(256))
    buyers = max(1, n // 3)
    people: dict[int, tuple[tuple[str, ...], tuple[str, ...], str]] = {}
    paid_gateways = ("stripe", "woocommerce_payments", "ppcp-gateway", "cod")
    titles = {gid: gateway_title(gid) for gid in (*paid_gateways, "square_credit_card")}
    held = str(store.setting("products", "woocommerce_hold_stock_minutes"))
    hold = int(held) * 60 if held.isdigit() and int(held) > 0 else 1 << 40
    out: list[tuple[Order, str | None]] = []
    for created in stamps:
        oid = store.next_order_id
        store.next_order_id += 1
        who = int(draw() * buyers)
        known = people.get(who)
        if known is None:
            known = people[who] = _bulk_buyer(who)
        billing, shipping, ip = known
        roll = draw()
        note = None
        if roll < failed_share:
            status = "failed"
            gateway, note = _BULK_FAILURES[int(draw() * len(_BULK_FAILURES))]
        elif roll < failed_share + pending_share:
            status, gateway = "pending", "stripe"
            if created < t1 - hold:
                # Hold stock would have cancelled it long ago (wc_cancel_unpaid_orders).
                status, note = "cancelled", _HOLD_CANCELLED
        else:
            share = draw()
            status = ("processing" if share < 0.35 else "completed" if share < 0.9
                      else "cancelled" if share < 0.97 else "refunded")  # fmt: skip
            gateway = paid_gateways[int(draw() * len(paid_gateways))]
        chosen, total, cart_hash = carts[int(draw() * len(carts))]
        first_item = store.next_item_id
        store.next_item_id += len(chosen)
        lines = [LineItem(first_item + i, p.id, p.name, p.sku, qty, p.price * qty) for i, (p, qty) in enumerate(chosen)]
        modified = min(t1, created + (hold + 60 if note == _HOLD_CANCELLED else 60 + int(draw() * 540)))
        paid = created + 60 if status in ("processing", "completed", "refunded") else None
        order = Order(
            id=oid, status=status, currency=store.currency, created=created, modified=modified, paid=paid,
            completed=modified if status == "completed" else None, customer_id=0,
            order_key="wc_order_" + rng.randbytes(13).translate(key_table).decode(), billing=billing,
            shipping=shipping, payment_method=gateway, payment_method_title=titles[gateway],
            transaction_id="", customer_ip=ip, user_agent=DEFAULT_USER_AGENT,
            created_via="checkout", customer_note="", cart_hash=cart_hash, items=lines, meta=[], total=total,
            stock_reduced=paid is not None, version=store.wc_version,
        )  # fmt: skip
        out.append((order, note))
    return out


def _bulk_carts(catalogue: list[Any]) -> list[tuple[tuple[tuple[Any, int], ...], int, str]]:
    """Every cart of one or two catalogue products, 1-3 of each: (lines, total, cart hash)."""
    carts = []
    for a in range(len(catalogue)):
        for b in range(a, len(catalogue)):
            for qa in (1, 2, 3):
                for qb in (1, 2, 3) if b != a else (0,):
                    lines = ((catalogue[a], qa),) + (((catalogue[b], qb),) if qb else ())
                    total = sum(p.price * q for p, q in lines)
                    key = repr([(p.id, q) for p, q in lines]).encode()
                    carts.append((lines, total, hashlib.md5(key).hexdigest()))
    return carts


def _bulk_buyer(who: int) -> tuple[tuple[str, ...], tuple[str, ...], str]:
    first, last = _BULK_FIRST[who % 20], _BULK_LAST[(who // 20) % 20]
    city, state, postcode = _BULK_PLACES[who % len(_BULK_PLACES)]
    billing = (first, last, "", f"{100 + who % 900} Main Street", "", city, state, postcode, "US",
               f"{first.lower()}.{last.lower()}.{who}@example.com", f"+1 555 01{who % 100:02d}")  # fmt: skip
    return billing, billing[:9] + billing[10:], f"198.51.100.{who % 254 + 1}"
