"""The Magento store's data and rules, without HTTP: orders, their comments, the clock and the cleanup cron.

Orders are kept as the JSON Magento returns (without `status_histories`, which come from the comments table) and
rendered with the captured key order (`fixture_store.json`: `order_keys`, `item_keys`, ...). The rules are the ones
the captures show (fixtures README):

- A comment never changes the order's `updated_at`; it is stamped with the store clock and takes the order's status.
- `sales_clean_orders` (core cron, hourly at minute 0) cancels every `pending_payment` order whose `updated_at` is
  older than the website's "Pending Payment Order Lifetime" (480 min by default) with the normal cancel (state and
  status `canceled`, the `*_canceled` amounts, `updated_at` = the job's time) and without a comment. `advance()` runs
  it at every full hour it passes, as the real cron would; `clean_orders()` runs it now.
- Paying (`pay()`) invoices the order: status `processing`, the `*_invoiced` / `*_paid` amounts, `total_due` 0, a
  "Captured amount" comment as a gateway writes it, `updated_at` = now.
"""

from __future__ import annotations

import copy
import json
import threading
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime, timedelta
from functools import cache
from importlib import resources
from typing import Any

Json = dict[str, Any]
STAMP = "%Y-%m-%d %H:%M:%S"
DEFAULT_LIFETIME_MINUTES = 480  # sales/orders/delete_pending_after
FIXTURE_NOW = datetime(2026, 11, 30, 8, 1, 36, tzinfo=UTC)  # the first capture of fixtures/magento-2.4.7-p3
COMMENT_KEYS = ["comment", "created_at", "entity_id", "entity_name", "is_customer_notified", "is_visible_on_front",
                "parent_id", "status"]  # fmt: skip
# Status -> state of the captured store (sales_order_status_state); `fraud` can also sit in state `processing`.
STATUS_STATE = {
    "pending": "new", "pending_payment": "pending_payment", "processing": "processing", "holded": "holded",
    "payment_review": "payment_review", "fraud": "payment_review", "canceled": "canceled", "complete": "complete",
    "closed": "closed",
}  # fmt: skip


@cache
def fixture_data() -> Json:
    """fixture_store.json: the captured orders and comments, key orders and store settings (read once)."""
    text = resources.files("wcrecall.sandbox.magento").joinpath("fixture_store.json").read_text(encoding="utf-8")
    data: Json = json.loads(text)
    return data


def stamp(when: datetime) -> str:
    """Magento's UTC `YYYY-MM-DD HH:MM:SS`."""
    return when.astimezone(UTC).strftime(STAMP)


def parse_stamp(text: str) -> datetime:
    return datetime.strptime(text, STAMP).replace(tzinfo=UTC)


def ordered(data: Mapping[str, Any], keys: list[str]) -> Json:
    """`data` with its keys in Magento's order (`keys`), unknown keys last."""
    rank = {k: i for i, k in enumerate(keys)}
    return {k: data[k] for k in sorted(data, key=lambda k: rank.get(k, len(rank)))}


def _amount(value: float) -> float | int:
    """A money value as PHP's json_encode writes a float that is whole: `10500` rather than `10500.0`."""
    rounded = round(value, 4)
    return int(rounded) if rounded == int(rounded) else rounded


class MagentoStore:
    """Orders and comments of one Magento store with a simulated clock; thread-safe."""

    def __init__(self, *, now: datetime | None = None, timezone: str = "Asia/Shanghai") -> None:
        self.lock = threading.RLock()
        self.clock = (now or FIXTURE_NOW).astimezone(UTC)
        self.timezone = timezone
        self.orders: dict[int, Json] = {}
        self.comments: list[Json] = []
        self._by_order: dict[int, list[Json]] = {}
        # Pending Payment Order Lifetime (minutes) per website id (admin: Stores > Configuration > Sales > Orders).
        self.lifetimes: dict[int, int] = {1: DEFAULT_LIFETIME_MINUTES}
        self.cron_enabled = True
        self.cron_runs: list[tuple[datetime, list[int]]] = []
        self._next_comment_id = 1
        self._last_item_id = 0
        self._next_cart_item = 31
        self._next_quote = 19
        self.carts: dict[str, list[Json]] = {}
        self.cart_quotes: dict[str, int] = {}

    # --- clock ------------------------------------------------------------------------------------------------------

    def now(self) -> datetime:
        return self.clock

    def set_now(self, when: datetime) -> None:
        """Set the clock (no cron run: use advance() for time passing as on a real store)."""
        with self.lock:
            self.clock = when.astimezone(UTC)

    def advance(self, delta: timedelta) -> list[int]:
        """Let `delta` pass; `sales_clean_orders` runs at every full hour passed. Returns the orders it cancelled."""
        with self.lock:
            end = self.clock + delta
            cancelled: list[int] = []
            hour = self.clock.replace(minute=0, second=0, microsecond=0) + timedelta(hours=1)
            while self.cron_enabled and hour <= end:
                self.clock = hour
                cancelled += self.clean_orders()
                hour += timedelta(hours=1)
            self.clock = end
            return cancelled

    def lifetime(self, website_id: int = 1) -> int:
        return self.lifetimes.get(website_id, DEFAULT_LIFETIME_MINUTES)

    def set_lifetime(self, minutes: int, website_id: int = 1) -> None:
        with self.lock:
            self.lifetimes[website_id] = minutes

    # --- orders -----------------------------------------------------------------------------------------------------

    def add_order(self, order: Json, *, take: bool = False) -> Json:
        """Insert (or replace) an order given as Magento JSON (`take`: keep that very dict, no copy);
        `status_histories` in it become comments."""
        with self.lock:
            record = order if take else copy.deepcopy(dict(order))
            histories = record.pop("status_histories", None) or []
            self.orders[int(record["entity_id"])] = record
            self._last_item_id = max([self._last_item_id] + [int(i["item_id"]) for i in record.get("items", [])])
            for history in sorted(histories, key=lambda h: h.get("entity_id", 0)):
                self._insert_comment(dict(history))
            return record

    def next_ids(self) -> tuple[int, int]:
        """The entity id and the first item id a new order gets."""
        with self.lock:
            return max(self.orders, default=0) + 1, self._last_item_id + 1

    def order(self, entity_id: int) -> Json | None:
        return self.orders.get(entity_id)

    def need(self, entity_id: int) -> Json:
        order = self.orders.get(entity_id)
        if order is None:
            raise KeyError(f"no order {entity_id} in the Magento sandbox")
        return order

    def order_json(self, entity_id: int) -> Json | None:
        """The order as `GET /V1/orders/{id}` answers: comments newest first in `status_histories`."""
        with self.lock:
            order = self.orders.get(entity_id)
            if order is None:
                return None
            data = fixture_data()
            out = copy.deepcopy(order)
            histories = sorted(self.comments_of(entity_id), key=lambda c: (c["created_at"], c["entity_id"]))
            out["status_histories"] = list(reversed(histories))
            out["items"] = [ordered(i, data["item_keys"]) for i in out["items"]]
            out["payment"] = ordered(out["payment"], data["payment_keys"])
            for assignment in out.get("extension_attributes", {}).get("shipping_assignments", []):
                assignment["items"] = [ordered(i, data["item_keys"]) for i in assignment.get("items", [])]
                shipping = assignment.get("shipping", {})
                if "total" in shipping:
                    shipping["total"] = ordered(shipping["total"], data["shipping_total_keys"])
            return ordered(out, data["order_keys"])

    def all_orders(self) -> list[Json]:
        """Every order record in entity_id order (the table's scan order)."""
        with self.lock:
            return [self.orders[k] for k in sorted(self.orders)]

    def set_status(self, entity_id: int, status: str, state: str | None = None) -> Json:
        """Move an order to `status` (and its state) as an admin or extension would, `updated_at` = now."""
        with self.lock:
            order = self.need(entity_id)
            order["status"], order["state"] = status, state or STATUS_STATE.get(status, status)
            self._touch(order)
            return order

    def update_order(self, entity_id: int, **fields: Any) -> Json:
        """Change top-level fields (hostile names, e-mail...) without touching `updated_at`."""
        with self.lock:
            order = self.need(entity_id)
            order.update(fields)
            return order

    def _touch(self, order: Json) -> None:
        now = stamp(self.clock)
        order["updated_at"] = now
        for item in self._all_items(order):
            item["updated_at"] = now

    @staticmethod
    def _all_items(order: Json) -> Iterable[Json]:
        yield from order.get("items", [])
        for assignment in order.get("extension_attributes", {}).get("shipping_assignments", []):
            yield from assignment.get("items", [])

    def cancel(self, entity_id: int) -> Json:
        """The normal cancel (`Order::cancel()`): state/status `canceled`, the canceled amounts, no comment."""
        with self.lock:
            order = self.need(entity_id)
            order["state"] = order["status"] = "canceled"
            for name in ("discount", "shipping", "subtotal", "tax", "total"):
                base_source = {"total": "base_grand_total"}.get(name, f"base_{name}_amount")
                source = {"total": "grand_total", "subtotal": "subtotal"}.get(name, f"{name}_amount")
                if name == "subtotal":
                    base_source = "base_subtotal"
                order[f"base_{name}_canceled"] = _amount(float(order.get(base_source) or 0))
                order[f"{name}_canceled"] = _amount(float(order.get(source) or 0))
            for item in self._all_items(order):
                item["qty_canceled"] = item.get("qty_ordered", 0)
                item["tax_canceled"] = 0
                item["discount_tax_compensation_canceled"] = 0
            for assignment in order.get("extension_attributes", {}).get("shipping_assignments", []):
                total = assignment.get("shipping", {}).get("total")
                if total is not None:
                    total["base_shipping_canceled"] = order["base_shipping_canceled"]
                    total["shipping_canceled"] = order["shipping_canceled"]
            self._touch(order)
            return order

    def pay(self, entity_id: int, *, transaction_id: str | None = None, comment: bool = True) -> Json:
        """The buyer pays: invoice and capture online, status `processing`, `updated_at` = now."""
        with self.lock:
            order = self.need(entity_id)
            order["state"] = order["status"] = "processing"
            for name in ("discount", "shipping", "subtotal", "tax"):
                source = "subtotal" if name == "subtotal" else f"{name}_amount"
                order[f"base_{name}_invoiced"] = _amount(float(order.get(f"base_{source}") or 0))
                order[f"{name}_invoiced"] = _amount(float(order.get(source) or 0))
            order["base_discount_tax_compensation_invoiced"] = order["discount_tax_compensation_invoiced"] = 0
            order["base_total_invoiced"] = order["base_total_paid"] = order["base_grand_total"]
            order["total_invoiced"] = order["total_paid"] = order["grand_total"]
            order["base_total_invoiced_cost"] = 0
            order["total_due"] = order["base_total_due"] = 0
            for item in self._all_items(order):
                item["qty_invoiced"] = item.get("qty_ordered", 0)
                item["row_invoiced"], item["base_row_invoiced"] = (
                    item.get("row_total", 0),
                    item.get("base_row_total", 0),
                )
                item["tax_invoiced"] = item["base_tax_invoiced"] = 0
                item["discount_invoiced"] = item["base_discount_invoiced"] = 0
                item["discount_tax_compensation_invoiced"] = item["base_discount_tax_compensation_invoiced"] = 0
            payment = order["payment"]
            payment["amount_paid"], payment["base_amount_paid"] = order["grand_total"], order["base_grand_total"]
            payment["shipping_captured"] = payment.get("shipping_amount", 0)
            payment["base_shipping_captured"] = payment.get("base_shipping_amount", 0)
            payment["last_trans_id"] = transaction_id or f"txn_{order['increment_id']}"
            self._touch(order)
            if comment:
                symbol = {"USD": "$", "EUR": "€", "JPY": "¥", "GBP": "£"}.get(order["order_currency_code"], "")
                amount = f"{symbol}{float(order['grand_total']):,.2f}"
                text = f'Captured amount of {amount} online. Transaction ID: "{payment["last_trans_id"]}"'
                self.add_comment(entity_id, text)
            return order

    # --- comments ---------------------------------------------------------------------------------------------------

    def comments_of(self, entity_id: int) -> list[Json]:
        """The order's comments in entity_id order, as `GET /V1/orders/{id}/comments` lists them."""
        with self.lock:
            return [dict(c) for c in self._by_order.get(entity_id, [])]

    def renumber_comments(self) -> None:
        """Continue comment ids after the highest one stored."""
        with self.lock:
            self.reindex_comments()
            self._next_comment_id = max([self._next_comment_id] + [int(c["entity_id"]) + 1 for c in self.comments])

    def _insert_comment(self, row: Json) -> Json:
        if "entity_id" not in row:
            row["entity_id"] = self._next_comment_id
        self._next_comment_id = max(self._next_comment_id, int(row["entity_id"]) + 1)
        row = ordered(row, COMMENT_KEYS)
        self.comments.append(row)
        self._by_order.setdefault(int(row["parent_id"]), []).append(row)
        if len(self.comments) > 1 and self.comments[-2]["entity_id"] > row["entity_id"]:
            self.reindex_comments()
        return row

    def reindex_comments(self) -> None:
        """Sort the comments by id and rebuild the per-order index (after editing `comments` directly)."""
        with self.lock:
            self.comments.sort(key=lambda c: c["entity_id"])
            self._by_order = {}
            for row in self.comments:
                self._by_order.setdefault(int(row["parent_id"]), []).append(row)

    def add_comment(
        self, entity_id: int, comment: str, *, notified: int = 0, visible: int = 0, via_api: bool = False
    ) -> Json:
        """Store a comment as Magento does: raw text, the order's status, `updated_at` unchanged. A comment posted
        through the REST API has no `entity_name` (the captures); one an extension adds in PHP has "order"."""
        with self.lock:
            order = self.need(entity_id)
            row = {
                "comment": comment, "created_at": stamp(self.clock), "is_customer_notified": notified,
                "is_visible_on_front": visible, "parent_id": entity_id, "status": order["status"],
            }  # fmt: skip
            if not via_api:
                row["entity_name"] = "order"
            return dict(self._insert_comment(row))

    # --- cron -------------------------------------------------------------------------------------------------------

    def clean_orders(self) -> list[int]:
        """`sales_clean_orders` now: cancel the expired `pending_payment` orders; returns their entity ids."""
        with self.lock:
            cancelled = []
            for order in self.all_orders():
                if order.get("status") != "pending_payment":
                    continue
                website = self._website_of(int(order.get("store_id") or 1))
                limit = self.clock - timedelta(minutes=self.lifetime(website))
                if parse_stamp(order["updated_at"]) < limit:
                    self.cancel(int(order["entity_id"]))
                    cancelled.append(int(order["entity_id"]))
            self.cron_runs.append((self.clock, cancelled))
            return cancelled

    def _website_of(self, store_id: int) -> int:
        for view in fixture_data()["store_views"]:
            if view["id"] == store_id:
                return int(view["website_id"])
        return 1

    # --- guest carts (enough for the payment-method listing) --------------------------------------------------------

    def create_cart(self, masked_id: str) -> str:
        """A guest cart; its quote id continues the captured store's (19 was the next)."""
        with self.lock:
            self.carts[masked_id] = []
            self.cart_quotes[masked_id] = self._next_quote
            self._next_quote += 1
            return masked_id

    def add_cart_item(self, masked_id: str, sku: str, qty: float) -> Json | None:
        with self.lock:
            cart = self.carts.get(masked_id)
            product = next((p for p in PRODUCTS if p["sku"] == sku), None)
            if cart is None or product is None:
                return None
            item = {"item_id": self._next_cart_item, "sku": sku, "qty": _amount(qty), "name": product["name"],
                    "price": product["price"], "product_type": "simple",
                    "quote_id": str(self.cart_quotes[masked_id])}  # fmt: skip
            self._next_cart_item += 1
            cart.append(item)
            return item


# The captured store's catalog (SEEDED-DATA.txt); TOTE-OLD was deleted after seeding.
PRODUCTS = [
    {"product_id": 1, "sku": "MWB-25", "name": "Merino Wool Beanie", "price": 25},
    {"product_id": 2, "sku": "CPO-48", "name": "Ceramic Pour-Over Set", "price": 48.5},
    {"product_id": 3, "sku": "LCW-35", "name": "Leather Card Wallet", "price": 35},
]
OFFLINE_METHODS = [
    {"code": "checkmo", "title": "Check / Money order"},
    {"code": "banktransfer", "title": "Bank Transfer Payment"},
    {"code": "cashondelivery", "title": "Cash On Delivery"},
]
