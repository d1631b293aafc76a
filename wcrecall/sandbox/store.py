"""The sandbox store: its records (orderbook.py) plus what WooCommerce does with them.

The simulated clock and its scheduled work (hold-stock auto-cancel), status transitions with their notes and stock
changes, payments and updates as the REST API applies them, settings and payment gateways.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any

from wcrecall.sandbox import bulk, catalog, versions
from wcrecall.sandbox.catalog import STATUS_LABELS
from wcrecall.sandbox.orderbook import OrderBook
from wcrecall.sandbox.records import (
    BILLING_FIELDS,
    SHIPPING_FIELDS,
    SYSTEM_AUTHOR,
    Meta,
    Order,
    OrderQuery,
    SimClock,
    to_cents,
)

__all__ = ["SYSTEM_AUTHOR", "OrderQuery", "SimClock", "Store", "to_cents"]


class Store(OrderBook):
    """The in-memory store. Public methods are thread-safe and return the same JSON the REST API would."""

    def __init__(self, **options: Any) -> None:
        """`OrderBook`'s options (timezone, now, ticking_clock, home_url, wc_version, currency, seed)."""
        super().__init__(**options)
        # environment.wp_cron of system_status; when False nothing runs on schedule (no hold-stock auto-cancel),
        # as on the captured store, whose pending orders stayed pending for days.
        self.wp_cron = True
        self._settings = catalog.default_setting_values()
        self._set_groups: set[str] = set()
        self._settings["general"]["woocommerce_currency"] = self.currency
        self._gateways = [catalog.gateway_record(g, enabled=True) for g in ("bacs", "cheque", "cod")]
        self._cron_seen = -1

    # --- clock ------------------------------------------------------------------------------------------------------

    def advance(self, delta: timedelta) -> None:
        """Advance the simulated clock; due scheduled work (hold-stock auto-cancel) runs."""
        self.clock.advance(delta)
        self.run_cron()

    def set_now(self, when: datetime) -> None:
        """Set the simulated clock; due scheduled work runs."""
        self.clock.set(when)
        self.run_cron()

    def run_cron(self) -> None:
        """`wc_cancel_unpaid_orders()` (includes/wc-order-functions.php), if the clock moved since the last run.

        Cancels `pending` orders created via checkout/store-api whose last modification is older than
        `woocommerce_hold_stock_minutes`, when `woocommerce_manage_stock` is "yes" and the hold is >= 1 minute.
        Failed orders are never auto-cancelled. It runs whenever the clock is seen to move, not on WP-Cron's
        interval, so the cancellation time is the first observation after the limit.
        """
        with self.lock:
            now = self.clock.timestamp()
            if now == self._cron_seen:
                return
            self._cron_seen = now
            if not self.wp_cron or self._settings["products"]["woocommerce_manage_stock"] != "yes":
                return
            held = str(self._settings["products"]["woocommerce_hold_stock_minutes"]).strip()
            minutes = int(held) if held.isdigit() else 0
            if minutes < 1:
                return
            cutoff = now - minutes * 60
            due = [
                order
                for oid in self._pending
                if (order := self._orders[oid]).modified < cutoff
                and order.created_via in catalog.AUTO_CANCEL_CREATED_VIA
            ]
            for order in sorted(due, key=lambda o: o.id):
                self._transition(order, "cancelled", "Unpaid order cancelled - time limit reached.")

    # --- orders -----------------------------------------------------------------------------------------------------

    def create_order(self, **fields: Any) -> dict[str, Any]:
        """Create an order with realistic defaults and return its REST JSON. No notes are written.

        Fields (all optional): id, status ("pending"), currency, billing / shipping (partial mappings merged over a
        generated identity; shipping defaults to billing), line_items ([{product_id, quantity, name?, total?,
        sku?, meta_data?}]), total (one item at that price when no line_items), payment_method ("stripe"),
        payment_method_title, transaction_id, customer_id (0 = guest), customer_ip_address,
        customer_user_agent, created_via ("checkout"), customer_note, cart_hash (md5 of the cart by default),
        meta_data ([{key, value}]), order_key, date_created / date_modified / date_paid / date_completed
        (aware datetimes; created defaults to now), parent_id.
        """
        with self.lock:
            self.run_cron()
            order = self._build_order(fields)
            if order.status in catalog.STOCK_REDUCING_STATUSES:
                # Paid orders have had their stock reduced; seeds may give the `_reduced_stock` meta themselves.
                if any(m.key == "_reduced_stock" for i in order.items for m in i.meta):
                    order.stock_reduced = True
                else:
                    self._reduce_stock(order, note=False)
            self._insert(order)
            return self._json(order)

    def set_status(self, order_id: int, status: str, note: str = "") -> dict[str, Any]:
        """`$order->update_status( $status, $note )`: one note `<note> Order status changed from A to B.`."""
        with self.lock:
            self.run_cron()
            order = self._need(order_id)
            if status not in STATUS_LABELS:
                raise ValueError(f"unknown status {status!r}")
            self._transition(order, status, note)
            return self._json(order)

    def pay(self, order_id: int, status: str = "processing", *, transaction_id: str | None = None) -> dict[str, Any]:
        """The order is paid: date_paid set, stock reduced, transition note (e.g. Failed to Processing)."""
        with self.lock:
            self.run_cron()
            order = self._need(order_id)
            if transaction_id is not None:
                order.transaction_id = transaction_id
            self._transition(order, status, "")
            if order.paid is None:
                order.paid = self.clock.timestamp()
            return self._json(order)

    def cancel(self, order_id: int, note: str = "") -> dict[str, Any]:
        """Cancel the order (transition note, stock restored if it was reduced)."""
        return self.set_status(order_id, "cancelled", note)

    def update_order(self, order_id: int, **fields: Any) -> dict[str, Any]:
        """Change fields like PUT /orders/{id} does (billing, shipping merge; meta_data upsert by key; status)."""
        with self.lock:
            self.run_cron()
            order = self._need(order_id)
            self.apply_update(order, fields)
            return self._json(order)

    def apply_update(self, order: Order, fields: Mapping[str, Any]) -> None:
        """Apply REST update fields to `order` and save it (bumps date_modified). Caller holds the lock.

        A status change writes a system note, also through REST (order_notes_after_status_change_*: "WooCommerce").
        """
        simple = {
            "currency": "currency", "customer_note": "customer_note", "payment_method": "payment_method",
            "payment_method_title": "payment_method_title", "transaction_id": "transaction_id",
            "customer_id": "customer_id", "parent_id": "parent_id", "cart_hash": "cart_hash",
            "created_via": "created_via",
        }  # fmt: skip
        for key, attr in simple.items():
            if key in fields and fields[key] is not None:
                current = getattr(order, attr)
                setattr(order, attr, type(current)(fields[key]))
        if isinstance(fields.get("billing"), Mapping):
            merged = {**order.billing_dict(), **{k: str(v) for k, v in fields["billing"].items() if v is not None}}
            order.billing = tuple(merged.get(f, "") for f in BILLING_FIELDS)
        if isinstance(fields.get("shipping"), Mapping):
            merged = {**order.shipping_dict(), **{k: str(v) for k, v in fields["shipping"].items() if v is not None}}
            order.shipping = tuple(merged.get(f, "") for f in SHIPPING_FIELDS)
        for entry in fields.get("meta_data") or ():
            if isinstance(entry, Mapping) and "key" in entry:
                found = next((m for m in order.meta if m.key == entry["key"]), None)
                if found:
                    found.value = entry.get("value", "")
                else:
                    order.meta.append(Meta(self._meta_id(), str(entry["key"]), entry.get("value", "")))
        status = fields.get("status")
        if fields.get("set_paid") is True:
            status = "processing"
        if status and status != order.status:
            self._transition(order, str(status), "")
        if fields.get("set_paid") is True and order.paid is None:
            order.paid = self.clock.timestamp()
        self._touch(order)

    def _transition(self, order: Order, new: str, note: str) -> None:
        """WC_Order::status_transition(): `to` hooks (stock), then one note with the transition text appended."""
        old = order.status
        if old == new:
            if note:
                self._add_note(order.id, note, SYSTEM_AUTHOR, False)
            return
        order.status = new
        now = self.clock.timestamp()
        if new in ("processing", "completed") and order.paid is None:
            order.paid = now  # maybe_set_date_paid()
        if new == "completed" and order.completed is None:
            order.completed = now  # maybe_set_date_completed()
        if new in catalog.STOCK_REDUCING_STATUSES and not order.stock_reduced:
            self._reduce_stock(order, note=True)
        elif new in catalog.STOCK_RESTORING_STATUSES and order.stock_reduced:
            self._restore_stock(order)
        text = f"Order status changed from {STATUS_LABELS.get(old, old)} to {STATUS_LABELS.get(new, new)}."
        self._add_note(order.id, f"{note} {text}".strip(), SYSTEM_AUTHOR, False)
        self._touch(order)

    def _reduce_stock(self, order: Order, *, note: bool) -> None:
        # wc_reduce_stock_levels(): one note for all lines, `_reduced_stock` meta per line item.
        changes = []
        for item in order.items:
            product = self.products.get(item.product_id)
            if product is None:
                continue
            before, product.stock = product.stock, product.stock - item.quantity
            item.meta.append(Meta(self._meta_id(), "_reduced_stock", str(item.quantity)))
            changes.append(f"{item.name} ({product.sku}) {before}&rarr;{product.stock}")
        order.stock_reduced = True
        if note and changes:
            self._add_note(order.id, "Stock levels reduced: " + ", ".join(changes), SYSTEM_AUTHOR, False)

    def _restore_stock(self, order: Order) -> None:
        # wc_increase_stock_levels(): puts back what `_reduced_stock` recorded and deletes the meta.
        changes = []
        for item in order.items:
            product = self.products.get(item.product_id)
            reduced = next((m for m in item.meta if m.key == "_reduced_stock"), None)
            if product is None or reduced is None:
                continue
            before, product.stock = product.stock, product.stock + int(reduced.value)
            item.meta.remove(reduced)
            changes.append(f"{item.name} ({product.sku}) {before}&rarr;{product.stock}")
        order.stock_reduced = False
        if changes:
            self._add_note(order.id, "Stock levels increased: " + ", ".join(changes), SYSTEM_AUTHOR, False)

    def delete_order(self, order_id: int, *, force: bool = False) -> dict[str, Any]:
        """DELETE /orders/{id}: to the trash, or gone with force."""
        with self.lock:
            order = self._need(order_id)
            data = self._json(order)
            if not force:
                self._transition(order, "trash", "")
                return self._json(order)
            del self._orders[order_id]
            self._by_created.remove((order.created, order.id))
            self._by_modified.remove((order.modified, order.id))
            self._pending.discard(order_id)
            self._notes.pop(order_id, None)
            self._changed()
            return data

    # --- settings and gateways --------------------------------------------------------------------------------------

    def setting(self, group: str, setting_id: str) -> Any:
        """A setting's current value (KeyError if unknown)."""
        with self.lock:
            return self._settings[group][setting_id]

    def settings_group(self, group: str) -> dict[str, Any] | None:
        """Current values of a group, or None if the store has no such group."""
        with self.lock:
            since = versions.SETTINGS_GROUPS_SINCE.get(group)
            hidden = since is not None and not versions.at_least(self.wc_version, since)
            if hidden and group not in self._set_groups:
                return None
            values = self._settings.get(group)
            return dict(values) if values is not None else None

    def set_setting(self, group: str, setting_id: str, value: Any) -> None:
        """Set a setting value, e.g. ("products", "woocommerce_hold_stock_minutes", "30"); "" disables hold stock."""
        with self.lock:
            self._settings.setdefault(group, {})[setting_id] = value if not isinstance(value, int) else str(value)
            self._set_groups.add(group)  # a group set explicitly exists, whatever the simulated version
            self._cron_seen = -1
        self.run_cron()

    def gateways(self) -> list[dict[str, Any]]:
        """Installed payment gateways (without `_links`), as GET /payment_gateways lists them."""
        with self.lock:
            return [dict(g) for g in self._gateways]

    def set_gateways(self, enabled: Mapping[str, bool], titles: Mapping[str, str] | None = None) -> None:
        """Replace the installed gateways: id -> enabled, in order; titles default to each gateway's own."""
        with self.lock:
            titles = titles or {}
            self._gateways = [catalog.gateway_record(g, enabled=on, title=titles.get(g)) for g, on in enabled.items()]

    # --- bulk -------------------------------------------------------------------------------------------------------

    def generate_orders(
        self,
        n: int,
        *,
        start: datetime,
        end: datetime,
        failed_share: float = 0.1,
        pending_share: float = 0.02,
        seed: int = 0,
    ) -> range:
        """Create `n` orders created between `start` and `end` (ids ascending with time); return their ids.

        Failed orders get one gateway failure note; the rest are processing/completed with a few cancelled and
        refunded. Records are compact: 100,000 orders take about 150 MB and two or three seconds.
        """
        with self.lock:
            first = self.next_order_id
            batch = bulk.generated_orders(self, n, start=start, end=end, failed_share=failed_share,
                                          pending_share=pending_share, seed=seed)  # fmt: skip
            self._insert_many(batch)
            return range(first, self.next_order_id)
