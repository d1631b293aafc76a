"""Seed data of the captured store (fixtures/woocommerce-7.8.2); the demo is in demoseed.py, bulk orders in bulk.py.

`seed_fixture_store` rebuilds orders 14-43 and their notes from SEEDED-DATA.txt and the captured orders (keys,
IPs, line item and note ids as captured). Orders 29-32 and 34-43 were never captured in full: their line items are
the catalogue products that add up to the listed totals, and their notes (ids 18-54, which the captures show were
used) are the status and stock notes WooCommerce writes for such orders.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from wcrecall.sandbox.store import Store

# The moment of the first capture (wp_json_index_wc_v3.request.txt, captured_at).
FIXTURE_NOW = datetime(2026, 11, 26, 12, 47, 9, tzinfo=UTC)
FAILED_TRANSITION = "Order status changed from Pending payment to Failed."


def person(first: str, last: str, address: str, city: str, state: str, postcode: str, country: str, email: str,
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


JANE = person("Jane", "Doe", "742 Evergreen Terrace", "Springfield", "OR", "97477", "US", "jane.doe@example.com",
               "+1 541 555 0100")  # fmt: skip
JUERGEN = person("Jürgen", "Müller", "Friedrichstraße 123", "Berlin", "", "10117", "DE",
                  "juergen.mueller@example.de", "+49 30 1234567")  # fmt: skip
ELODIE = person("Élodie", "Lefèvre", "12 Rue de Rivoli", "Paris", "", "75001", "FR", "elodie.lefevre@example.fr",
                 "+33 1 23 45 67 89")  # fmt: skip
TARO = person("太郎", "山田", "1-1 Chiyoda", "Chiyoda-ku", "JP13", "100-0001", "JP", "taro.yamada@example.jp",
               "+81 3-1234-5678")  # fmt: skip
JOAO = person("João", "Silva", "Av. Paulista, 1000", "São Paulo", "SP", "01310-100", "BR",
               "joao.silva@example.com.br", "+55 11 91234-5678")  # fmt: skip
WANG = person("伟", "王", "1 Jianguomenwai Ave", "Beijing", "CN2", "100004", "CN", "wang.wei@example.cn",
               "+86 10 1234 5678")  # fmt: skip
OLIVER = person("Oliver", "O'Brien", "221B Baker Street", "London", "", "NW1 6XE", "GB",
                 "oliver.obrien@example.co.uk", "+44 20 7946 0958")  # fmt: skip
JOHN_RETRY = person("John", "Smith", "1600 Amphitheatre Pkwy", "Mountain View", "CA", "94043", "US",
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
         ("11-06T12:24:04", FAILED_TRANSITION),
         ("11-06T12:27:04", "Stripe charge failed: Your card was declined. (card_declined) — retry attempt 2")],
    15: [("11-07T04:06:24", f"Error processing payment. Reason: Insufficient funds {FAILED_TRANSITION}")],
    16: [("11-07T20:29:02", "PayPal payment failed"), ("11-07T20:32:02", FAILED_TRANSITION)],
    17: [("11-08T12:31:40", f"3D Secure authentication failed {FAILED_TRANSITION}")],
    18: [("11-09T04:20:06", ("A payment of $97.00 USD failed to complete with the following message: Your card has "
                            "insufficient funds. (insufficient_funds)")),
         ("11-09T04:23:06", FAILED_TRANSITION)],
    19: [("11-09T20:13:58", f"Error processing payment. Reason: Your card has expired. (expired_card) {FAILED_TRANSITION}")],
    20: [("11-10T12:04:19", "PayPal payment failed. Reason: INSTRUMENT_DECLINED"), ("11-10T12:07:19", FAILED_TRANSITION)],
    21: [("11-11T04:09:29",
          f"Stripe charge failed: Your card's security code is incorrect. (incorrect_cvc) {FAILED_TRANSITION}")],
    23: [("11-12T12:22:59", f"Error processing payment. Reason: Insufficient funds {FAILED_TRANSITION}"),
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
