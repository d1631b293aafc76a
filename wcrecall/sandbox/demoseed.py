"""Seed data of the demo store: about 20 realistic orders of the 2 days before now, one of each case the demo shows."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from wcrecall.sandbox.catalog import CURRENCY_ENTITIES
from wcrecall.sandbox.seed import person

if TYPE_CHECKING:
    from wcrecall.sandbox.store import Store

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

    emily = person("Emily", "Carter", "1208 Maple Avenue", "Columbus", "OH", "43215", "US",
                    "emily.carter@example.com", "+1 614 555 0142")  # fmt: skip
    lukas = person("Lukas", "Becker", "Schillerstraße 45", "München", "", "80336", "DE", "lukas.becker@example.de",
                    "+49 89 2345678")  # fmt: skip
    charlotte = person("Charlotte", "Evans", "14 Albion Road", "Manchester", "", "M14 5LN", "GB",
                        "charlotte.evans@example.co.uk", "+44 161 496 0321")  # fmt: skip
    haruto = person("陽翔", "佐藤", "2-3-4 Umeda, Kita-ku", "Osaka", "JP27", "530-0001", "JP",
                     "haruto.sato@example.jp", "+81 6-6345-6789")  # fmt: skip
    daan = person("Daan", "de Vries", "Prinsengracht 263", "Amsterdam", "", "1016 GV", "NL", "daan.devries@example.nl",
                   "+31 20 555 0199")  # fmt: skip
    lucas = person("Lucas", "Oliveira", "Rua Oscar Freire, 379", "São Paulo", "SP", "01426-001", "BR",
                    "lucas.oliveira@example.com.br", "+55 11 95555-0123")  # fmt: skip
    michael = person("Michael", "Brown", "88 Peachtree Street NE", "Atlanta", "GA", "30303", "US",
                      "michael.brown@example.com", "+1 404 555 0188")  # fmt: skip
    sophie = person("Sophie", "Martin", "8 Place Bellecour", "Lyon", "", "69002", "FR", "sophie.martin@example.fr",
                     "+33 4 72 55 01 23")  # fmt: skip
    noah = person("Noah", "Tremblay", "350 Rue Sainte-Catherine O", "Montréal", "QC", "H3B 1A7", "CA",
                   "noah.tremblay@example.ca", "+1 514 555 0107")  # fmt: skip
    carlos = person("Carlos", "Ruiz", "Calle de Alcalá 42", "Madrid", "", "28014", "ES", "carlos.ruiz@example",
                     "+34 91 555 0144")  # fmt: skip
    grace = person("Grace", "Kim", "500 Pine Street", "Seattle", "WA", "98101", "US", "grace.kim@example.com",
                    "+1 206 555 0175")  # fmt: skip
    amelia = person("Amelia", "Hughes", "27 Victoria Road", "Bristol", "", "BS1 6AX", "GB",
                     "amelia.hughes@example.co.uk", "+44 117 496 0654")  # fmt: skip
    jack = person("Jack", "Wilson", "120 George Street", "Sydney", "NSW", "2000", "AU", "jack.wilson@example.com.au",
                   "+61 2 5550 1234")  # fmt: skip
    ines = person("Inês", "Costa", "Rua Augusta 210", "Lisboa", "", "1100-053", "PT", "ines.costa@example.pt",
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
