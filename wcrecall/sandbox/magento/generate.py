"""Demo and benchmark Magento stores: orders in the captured JSON shape, buyers in several countries and languages.

`build_order()` makes one order from the shape of captured order 2 (guest, flat-rate shipping, USD base currency,
EUR and JPY at the captured rates); `seed_demo()` lays out a small store around `now` covering each case the
recall loop meets; `generate_orders()` makes any number of them at random (deterministic for a given `seed`).

Gateway comments (`GATEWAY_COMMENTS`) follow what the extensions write into the order history:
- Stripe (`stripe_payments`, StripeIntegration's module): the seeded captures' "Customer was redirected for 3D
  Secure authentication. Payment Intent: pi_..." and "Payment failed: <Stripe's decline message>. (<decline_code>)".
- Adyen (`adyen_cc`, `adyen_hpp`, Adyen/adyen-magento2): its webhook history comment, `Adyen HTTP
  Notification(s):<br />eventCode: AUTHORISATION<br />pspReference: ...<br />paymentMethod: ...<br />success:
  false<br />reason: ...` (Helper/Webhook), and "Adyen Result response:<br />authResult: REFUSED..." after the
  redirect (both as seeded in the captures).
- Mollie (`mollie_methods_*`, mollie/magento2): its cancel comment "The order was canceled, reason: payment
  <status>" (expired, canceled, failed), written by the webhook when the payment ends without success.
- PayPal Express (core Magento_Paypal): `IPN "Denied"...`-style notices and, as seeded, "PayPal: buyer returned
  without approving the payment. Reason: INSTRUMENT_DECLINED. Token: EC-...".
- Braintree (PayPal's Braintree module, `braintree`): a declined sale's processor response "2001 Insufficient
  Funds" / "2000 Do Not Honor" / "2004 Expired Card" (Braintree's processor response codes); the sentence around
  it is modelled, not captured.
"""

from __future__ import annotations

import hashlib
import json
import random
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cache
from typing import Any

from wcrecall.sandbox.magento.store import PRODUCTS, MagentoStore, fixture_data, parse_stamp, stamp

Json = dict[str, Any]
RATES = {"USD": 1.0, "EUR": 0.92, "JPY": 150.0}


@dataclass(frozen=True)
class Buyer:
    firstname: str
    lastname: str
    email: str
    country: str
    city: str
    postcode: str
    street: str
    telephone: str
    currency: str = "USD"


BUYERS = [
    Buyer("Emily", "Carter", "emily.carter@example.com", "US", "Portland", "97201", "1200 SW Main St", "+1 503 555 0142"),
    Buyer("Jürgen", "Müller", "juergen.mueller@example.de", "DE", "Berlin", "10117", "Friedrichstraße 123",
          "+49 30 1234567", "EUR"),
    Buyer("Élodie", "Lefèvre", "elodie.lefevre@example.fr", "FR", "Lyon", "69002", "12 rue de la République",
          "+33 4 72 00 00 00", "EUR"),
    Buyer("太郎", "山田", "taro.yamada@example.jp", "JP", "東京都", "100-0005", "丸の内1-1-1", "+81 3-1234-5678", "JPY"),
    Buyer("伟", "王", "wang.wei@example.cn", "CN", "上海", "200000", "南京东路100号", "+86 21 5555 0100"),
    Buyer("João", "Silva", "joao.silva@example.com.br", "BR", "São Paulo", "01310-100", "Av. Paulista, 1000",
          "+55 11 5555-0100"),
    Buyer("Lucía", "García", "lucia.garcia@example.es", "ES", "Madrid", "28013", "Calle Mayor 5", "+34 91 555 01 00",
          "EUR"),
    Buyer("Sanne", "de Vries", "sanne.devries@example.nl", "NL", "Amsterdam", "1012 AB", "Damrak 1",
          "+31 20 555 0100", "EUR"),
    Buyer("민준", "김", "minjun.kim@example.kr", "KR", "서울", "04524", "세종대로 110", "+82 2-555-0100"),
    Buyer("Oliver", "O'Brien", "oliver.obrien@example.co.uk", "GB", "London", "SW1A 1AA", "10 Downing St",
          "+44 20 7946 0100"),
]  # fmt: skip
METHODS = {
    "stripe_payments": "Pay by Card (Stripe)", "adyen_cc": "Credit Card (Adyen)",
    "adyen_hpp": "Alternative Payment Methods (Adyen)", "mollie_methods_ideal": "iDEAL (Mollie)",
    "paypal_express": "PayPal Express Checkout", "braintree": "Credit Card (Braintree)",
    "checkmo": "Check / Money order", "banktransfer": "Bank Transfer Payment", "cashondelivery": "Cash On Delivery",
}  # fmt: skip
ONLINE = ("stripe_payments", "adyen_cc", "adyen_hpp", "mollie_methods_ideal", "paypal_express", "braintree")
OFFLINE = ("checkmo", "banktransfer", "cashondelivery")


def _psp(seed: str) -> str:
    return hashlib.sha1(seed.encode()).hexdigest()[:16].upper()  # noqa: S324 - a made-up reference, not security


# Braintree's processor response codes and texts for the three failure kinds the generator uses.
BRAINTREE_CODE = {"declined": "2000", "funds": "2001", "expired": "2004"}
BRAINTREE_TEXT = {"declined": "Do Not Honor", "funds": "Insufficient Funds", "expired": "Expired Card"}


def gateway_comments(method: str, ref: str, reason: str = "declined") -> list[str]:
    """The history comments a failed payment with `method` leaves (see the module docstring for their sources)."""
    stripe = {"declined": ("Your card was declined.", "card_declined"),
              "funds": ("Your card has insufficient funds.", "insufficient_funds"),
              "expired": ("Your card has expired.", "expired_card")}  # fmt: skip
    adyen = {"declined": "Refused", "funds": "Not enough balance", "expired": "Expired Card"}
    braintree = {k: f"{BRAINTREE_CODE[k]} {v}" for k, v in BRAINTREE_TEXT.items()}
    if method == "stripe_payments":
        text, code = stripe.get(reason, stripe["declined"])
        return [f"Customer was redirected for 3D Secure authentication. Payment Intent: pi_{ref}",
                f"Payment failed: {text} ({code})"]  # fmt: skip
    if method in ("adyen_cc", "adyen_hpp"):
        brand = "mc" if method == "adyen_cc" else "ideal"
        return [f"Adyen HTTP Notification(s):<br />eventCode: AUTHORISATION<br />pspReference: {ref}<br />"
                f"paymentMethod: {brand}<br />success: false<br />reason: {adyen.get(reason, 'Refused')}"]  # fmt: skip
    if method.startswith("mollie_"):
        return [f"The order was canceled, reason: payment {'expired' if reason == 'expired' else 'failed'}"]
    if method == "paypal_express":
        return [f"PayPal: buyer returned without approving the payment. Reason: INSTRUMENT_DECLINED. Token: EC-{ref}"]
    if method == "braintree":
        return [f"Braintree: sale declined by the processor ({braintree.get(reason, '2000 Do Not Honor')}). "
                f"Transaction ID: {ref[:8].lower()}"]  # fmt: skip
    return []


GATEWAY_COMMENTS = {method: gateway_comments(method, "DEMO0000000000") for method in ONLINE}


@cache
def _template_text() -> tuple[str, str]:
    """Captured order 2 (the shape of every built order) and its line, as JSON text: parsing it makes a fresh copy
    several times faster than copy.deepcopy."""
    order = next(o for o in fixture_data()["orders"] if o["entity_id"] == 2)
    return json.dumps(order), json.dumps(order["items"][0])


def _copy_item(item: Json) -> Json:
    return {**item, "extension_attributes": {"itemized_taxes": []}}


def _money(value: float, currency: str) -> float | int:
    rounded = round(value, 0 if currency == "JPY" else 2)
    return int(rounded) if rounded == int(rounded) else rounded


def build_order(
    store: MagentoStore,
    buyer: Buyer,
    lines: Sequence[tuple[Json, int]],
    *,
    method: str,
    created: datetime,
    status: str = "pending_payment",
    customer_id: int | None = None,
) -> Json:
    """A new order (not yet added) in the captured JSON shape; amounts in base USD and the buyer's currency."""
    order_text, item_text = _template_text()
    order: Json = json.loads(order_text)
    oid, item_id = store.next_ids()
    currency, rate = buyer.currency, RATES[buyer.currency]
    when = stamp(created)
    items = []
    for n, (product, qty) in enumerate(lines):
        item: Json = json.loads(item_text)
        base_price = float(product["price"])
        price = _money(base_price * rate, currency)
        item.update(item_id=item_id + n, quote_item_id=item_id + n, order_id=oid, name=product["name"],
                    sku=product["sku"], product_id=product["product_id"], qty_ordered=qty, created_at=when,
                    updated_at=when, base_original_price=base_price, base_price=base_price, base_price_incl_tax=base_price,
                    original_price=price, price=price, price_incl_tax=price, row_weight=qty,
                    base_row_total=_money(base_price * qty, "USD"), base_row_total_incl_tax=_money(base_price * qty, "USD"),
                    row_total=_money(float(price) * qty, currency), row_total_incl_tax=_money(float(price) * qty, currency))  # fmt: skip
        items.append(item)
    qty_total = sum(q for _, q in lines)
    base_sub = sum(float(i["base_row_total"]) for i in items)
    sub = sum(float(i["row_total"]) for i in items)
    base_ship, ship = 5.0 * qty_total, _money(5.0 * qty_total * rate, currency)
    base_total, total = _money(base_sub + base_ship, "USD"), _money(sub + float(ship), currency)
    order.update(
        entity_id=oid, increment_id=f"{oid:09d}", quote_id=oid, billing_address_id=2 * oid, created_at=when,
        updated_at=when, customer_email=buyer.email, customer_firstname=buyer.firstname,
        customer_lastname=buyer.lastname, order_currency_code=currency, base_to_order_rate=rate if rate != 1 else 1,
        base_subtotal=_money(base_sub, "USD"), base_subtotal_incl_tax=_money(base_sub, "USD"),
        subtotal=_money(sub, currency), subtotal_incl_tax=_money(sub, currency),
        base_shipping_amount=_money(base_ship, "USD"), base_shipping_incl_tax=_money(base_ship, "USD"),
        shipping_amount=ship, shipping_incl_tax=ship, base_grand_total=base_total, base_total_due=base_total,
        grand_total=total, total_due=total, total_item_count=len(items), total_qty_ordered=qty_total, weight=qty_total,
        protect_code=hashlib.md5(f"{oid}{when}".encode()).hexdigest(),  # noqa: S324 - Magento's own format
        remote_ip=f"198.51.100.{oid % 250 + 1}", items=items, status=status,
        state={"pending": "new", "fraud": "payment_review"}.get(status, status),
    )  # fmt: skip
    if customer_id is not None:
        order.update(customer_id=customer_id, customer_is_guest=0, customer_group_id=1)
    address = {"city": buyer.city, "country_id": buyer.country, "email": buyer.email, "firstname": buyer.firstname,
               "lastname": buyer.lastname, "parent_id": oid, "postcode": buyer.postcode, "street": [buyer.street],
               "telephone": buyer.telephone}  # fmt: skip
    for key in ("region", "region_code", "region_id"):
        order["billing_address"].pop(key, None)
    order["billing_address"].update(address, entity_id=2 * oid)
    assignment = order["extension_attributes"]["shipping_assignments"][0]
    shipping = assignment["shipping"]
    for key in ("region", "region_code", "region_id"):
        shipping["address"].pop(key, None)
    shipping["address"].update(address, entity_id=2 * oid - 1)
    shipping["total"].update(base_shipping_amount=_money(base_ship, "USD"), base_shipping_incl_tax=_money(base_ship, "USD"),
                             shipping_amount=ship, shipping_incl_tax=ship)  # fmt: skip
    assignment["items"] = [_copy_item(item) for item in items]
    ref = f"{oid:06d}{created:%H%M%S}"
    info = [METHODS[method]] + (
        [f"pi_{ref}"] if method == "stripe_payments" else [_psp(ref)] if method in ONLINE else []
    )
    order["payment"] = {"account_status": None, "additional_information": info, "amount_ordered": total,
                        "base_amount_ordered": base_total, "base_shipping_amount": _money(base_ship, "USD"),
                        "cc_last4": "4242" if method in ("stripe_payments", "adyen_cc", "braintree") else None,
                        "entity_id": oid, "method": method, "parent_id": oid, "shipping_amount": ship}  # fmt: skip
    order["extension_attributes"]["payment_additional_info"] = [{"key": "method_title", "value": METHODS[method]}]
    return order


def _failed(store: MagentoStore, order: Json, reason: str, *, cancel: bool, after: timedelta) -> None:
    """Record a failed online payment: the gateway's comments, then (`cancel`) the extension's cancel."""
    oid = int(order["entity_id"])
    base = store.now()
    store.set_now(base + after)
    method = order["payment"]["method"]
    if method not in ONLINE or (method.startswith("mollie_") and not cancel):
        store.set_now(base)  # Mollie writes nothing while its payment is still open
        return
    info = order["payment"]["additional_information"]
    reference = str(info[1]).removeprefix("pi_") if len(info) > 1 else f"{oid:06d}"
    for text in gateway_comments(method, reference, reason):
        store.add_comment(oid, text)
    # What the extension keeps of the gateway's answer (captured order 2: Adyen's resultCode "Refused").
    result = {"adyen_cc": ("resultCode", "Refused"), "adyen_hpp": ("resultCode", "Refused"),
              "braintree": ("processorResponseText", BRAINTREE_TEXT.get(reason, "Do Not Honor")),
              "mollie_methods_ideal": ("status", "expired" if reason == "expired" else "failed")}.get(method)  # fmt: skip
    if result is not None:
        store.orders[oid]["payment"]["additional_information"].append(result[1])
        store.orders[oid]["extension_attributes"]["payment_additional_info"].append(
            {"key": result[0], "value": result[1]}
        )
    if cancel:
        store.cancel(oid)
    else:
        store.orders[oid]["updated_at"] = stamp(store.now())  # the gateway's answer updated the order
    store.set_now(base)


def add(store: MagentoStore, order: Json) -> int:
    store.add_order(order, take=True)
    return int(order["entity_id"])


def seed_demo(store: MagentoStore, now: datetime) -> dict[str, list[int]]:
    """A demo store around `now`: the ids of its orders by kind (`pending_payment`, `pending`, `failed_canceled`,
    `merchant_canceled`, `paid`, `reorder`, `never` (review, fraud, on hold), `hostile`). The clock ends at `now`."""
    kinds: dict[str, list[int]] = {}
    beanie, pourover, wallet = PRODUCTS

    def place(kind: str, buyer: int, lines: list[tuple[Json, int]], method: str, age: timedelta, status: str,
              reason: str = "declined", customer_id: int | None = None) -> Json:  # fmt: skip
        store.set_now(now - age)
        order = build_order(store, BUYERS[buyer], lines, method=method, created=now - age, status=status,
                            customer_id=customer_id)  # fmt: skip
        oid = add(store, order)
        if kind == "failed_canceled":
            _failed(store, order, reason, cancel=True, after=timedelta(minutes=20))
        elif status == "pending_payment" and method in ONLINE:
            _failed(store, order, reason, cancel=False, after=timedelta(minutes=2))
        kinds.setdefault(kind, []).append(oid)
        return order

    place("pending_payment", 0, [(pourover, 1)], "stripe_payments", timedelta(minutes=40), "pending_payment", "funds")
    place("pending_payment", 1, [(beanie, 2)], "adyen_hpp", timedelta(hours=2), "pending_payment")
    place("pending_payment", 3, [(wallet, 1), (beanie, 1)], "stripe_payments", timedelta(hours=5), "pending_payment")
    place("pending_payment", 7, [(pourover, 2)], "mollie_methods_ideal", timedelta(hours=7, minutes=30),
          "pending_payment", "expired")  # fmt: skip
    place("pending_payment", 2, [(wallet, 1)], "paypal_express", timedelta(hours=3), "pending_payment")
    place("pending", 5, [(beanie, 1), (wallet, 1)], "checkmo", timedelta(days=2), "pending")
    place("pending", 4, [(wallet, 2)], "banktransfer", timedelta(hours=20), "pending")
    place("pending", 9, [(beanie, 1)], "cashondelivery", timedelta(days=4), "pending")
    place("failed_canceled", 6, [(pourover, 1)], "adyen_cc", timedelta(days=1), "pending_payment", "funds")
    place("failed_canceled", 8, [(beanie, 3)], "braintree", timedelta(hours=30), "pending_payment", "expired")
    place("failed_canceled", 7, [(wallet, 1)], "mollie_methods_ideal", timedelta(days=3), "pending_payment", "expired")
    merchant = place("merchant_canceled", 9, [(wallet, 1)], "checkmo", timedelta(days=5), "pending")
    store.set_now(now - timedelta(days=5) + timedelta(hours=1))
    store.add_comment(int(merchant["entity_id"]), "Customer asked by phone to cancel; duplicate order.")
    store.cancel(int(merchant["entity_id"]))
    first = place("reorder", 0, [(wallet, 1)], "stripe_payments", timedelta(days=6), "pending_payment", "declined")
    store.set_now(now - timedelta(days=6) + timedelta(hours=9))
    store.cancel(int(first["entity_id"]))  # the cleanup cron
    second = place("reorder", 0, [(wallet, 1)], "paypal_express", timedelta(days=5, hours=20), "pending_payment")
    store.set_now(now - timedelta(days=5, hours=19))
    store.pay(int(second["entity_id"]), transaction_id="5TY05013RGDEMO001")
    for buyer, method in ((2, "paypal_express"), (3, "stripe_payments"), (1, "adyen_cc")):
        paid = place("paid", buyer, [(pourover, 1)], method, timedelta(days=2, hours=buyer), "pending_payment")
        store.set_now(now - timedelta(days=2, hours=buyer) + timedelta(minutes=3))
        store.pay(int(paid["entity_id"]))
    place("never", 1, [(beanie, 1)], "paypal_express", timedelta(days=1), "payment_review")
    place("never", 4, [(pourover, 1)], "adyen_cc", timedelta(hours=12), "fraud")
    place("never", 9, [(wallet, 1)], "banktransfer", timedelta(days=3), "holded")
    hostile = place("hostile", 0, [(beanie, 1)], "stripe_payments", timedelta(hours=1), "pending_payment")
    hid = int(hostile["entity_id"])
    store.update_order(hid, customer_firstname='<img src=x onerror="alert(1)">\u202eNOSAJ',
                       customer_lastname="Evil\r\nBcc: victim@example.com")  # fmt: skip
    store.set_now(now - timedelta(minutes=50))
    store.add_comment(hid, "<script>alert('x')</script> \u05d4\u05d6\u05de\u05e0\u05d4\r\nX-Injected: 1")
    store.set_now(now)
    return kinds


def generate_orders(store: MagentoStore, count: int, *, start: datetime, end: datetime, seed: int = 0) -> list[int]:
    """`count` random orders created between `start` and `end` (a bench or load store); the clock is kept."""
    rng = random.Random(seed)
    keep = store.now()
    ids = []
    span = max(1.0, (end - start).total_seconds())
    for _ in range(count):
        created = start + timedelta(seconds=rng.uniform(0, span))
        buyer = BUYERS[rng.randrange(len(BUYERS))]
        lines = [(p, rng.randint(1, 3)) for p in rng.sample(PRODUCTS, rng.randint(1, 2))]
        roll = rng.random()
        method = rng.choice(OFFLINE if roll < 0.2 else ONLINE)
        status = "pending" if method in OFFLINE else "pending_payment"
        store.set_now(created)
        order = build_order(store, buyer, lines, method=method, created=created, status=status)
        oid = add(store, order)
        ids.append(oid)
        if method in OFFLINE:
            continue
        outcome = rng.random()
        reason = rng.choice(("declined", "funds", "expired"))
        if outcome < 0.55:
            store.set_now(created + timedelta(minutes=rng.randint(1, 10)))
            store.pay(oid)
        elif outcome < 0.8:
            _failed(store, order, reason, cancel=True, after=timedelta(minutes=rng.randint(5, 60)))
        elif outcome < 0.95:
            _failed(store, order, reason, cancel=False, after=timedelta(minutes=rng.randint(1, 5)))
        else:
            store.set_status(oid, rng.choice(("payment_review", "fraud", "holded")))
    _expire(store, keep)
    store.set_now(keep)
    return ids


def _expire(store: MagentoStore, until: datetime) -> None:
    """Cancel the `pending_payment` orders the hourly cleanup would have cancelled before `until`."""
    for order in store.all_orders():
        if order["status"] != "pending_payment":
            continue
        expiry = parse_stamp(order["updated_at"]) + timedelta(minutes=store.lifetime())
        job = expiry.replace(minute=0, second=0, microsecond=0) + timedelta(hours=1)
        if job <= until:
            store.set_now(job)
            store.cancel(int(order["entity_id"]))
