"""Bulk orders for Store.generate_orders: many compact records quickly (benchmarks, state-scale tests)."""

from __future__ import annotations

import hashlib
import random
import string
from datetime import datetime
from typing import TYPE_CHECKING, Any

from wcrecall.sandbox.catalog import DEFAULT_USER_AGENT, gateway_title
from wcrecall.sandbox.records import LineItem, Order
from wcrecall.sandbox.seed import FAILED_TRANSITION

if TYPE_CHECKING:
    from wcrecall.sandbox.store import Store

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
    ("stripe", f"Payment failed: Your card was declined. {FAILED_TRANSITION}"),
    ("stripe", f"Payment failed: Your card has insufficient funds. {FAILED_TRANSITION}"),
    ("woocommerce_payments", ("A payment of <span class=\"woocommerce-Price-amount amount\">$48.50</span> "
     "<strong>failed</strong> to complete with the following message: "
     f"<code>Error: Your card was declined</code>. {FAILED_TRANSITION}")),
    ("ppcp-gateway", ("Instrument declined. The instrument presented was either declined by the processor or bank, "
     f"or it can't be used for this payment. {FAILED_TRANSITION}")),
    ("square_credit_card", f"Square Payment Failed (Status code GENERIC_DECLINE: Card declined.) {FAILED_TRANSITION}"),
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
