"""The sandbox store's data: orders, notes, settings, gateways and the simulated clock, behind one lock.

Orders are indexed by creation and modification time, which makes `modified_after` a bisect instead of a scan;
the records themselves are in records.py and their REST JSON is built per request by views.py.
"""

from __future__ import annotations

import hashlib
import random
import string
import threading
from bisect import bisect_left, insort
from collections import OrderedDict
from collections.abc import Iterable, Mapping
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from wcrecall.sandbox import catalog, versions, views
from wcrecall.sandbox.catalog import STATUS_LABELS, Product
from wcrecall.sandbox.records import (
    BILLING_FIELDS,
    SHIPPING_FIELDS,
    SYSTEM_AUTHOR,
    LineItem,
    Meta,
    Note,
    Order,
    OrderQuery,
    SimClock,
    epoch,
    select_orders,
    to_cents,
)

__all__ = ["SYSTEM_AUTHOR", "OrderQuery", "SimClock", "Store", "to_cents"]


class Store:
    """The in-memory store. Public methods are thread-safe and return the same JSON the REST API would."""

    def __init__(
        self,
        *,
        timezone: str = "America/New_York",
        now: datetime | None = None,
        ticking_clock: bool = False,
        home_url: str = "http://127.0.0.1",
        wc_version: str = "7.8.2",
        currency: str = "USD",
        seed: int = 0,
    ) -> None:
        self.clock = SimClock(now, ticking=ticking_clock)
        self.tz = ZoneInfo(timezone)
        self.home_url = home_url.rstrip("/")
        self.wc_version = wc_version
        self.currency = currency
        # environment.wp_cron of system_status; when False nothing runs on schedule (no hold-stock auto-cancel),
        # as on the captured store, whose pending orders stayed pending for days.
        self.wp_cron = True
        self.products: dict[int, Product] = catalog.default_products()
        self.rng = random.Random(seed)
        self.lock = threading.RLock()
        self._orders: dict[int, Order] = {}
        self._notes: dict[int, list[Note]] = {}
        self._by_created: list[tuple[int, int]] = []
        self._by_modified: list[tuple[int, int]] = []
        self._pending: set[int] = set()
        self._settings = catalog.default_setting_values()
        self._set_groups: set[str] = set()
        self._settings["general"]["woocommerce_currency"] = currency
        self._gateways = [catalog.gateway_record(g, enabled=True) for g in ("bacs", "cheque", "cod")]
        self._version = 0
        self._query_cache: OrderedDict[tuple[int, OrderQuery], list[int]] = OrderedDict()
        self._cron_seen = -1
        # What a proxy in front of the store leaves of X-WP-Total / X-WP-TotalPages on order listings: None = the
        # store's own values; a mapping replaces both ({} strips them, {"X-WP-TotalPages": "1e9"} lies).
        self.paging_headers: dict[str, str] | None = None
        self.next_order_id = 100
        self.next_item_id = 1
        self.next_note_id = 2  # comment 1 is WordPress's sample comment
        self.next_meta_id = 100

    # --- clock ------------------------------------------------------------------------------------------------------

    def now(self) -> datetime:
        """The simulated time."""
        return self.clock.now()

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
            self._insert(order)
            return self._json(order)

    def _build_order(self, fields: Mapping[str, Any]) -> Order:
        unknown = set(fields) - _CREATE_FIELDS
        if unknown:
            raise TypeError(f"create_order() got unknown fields: {', '.join(sorted(unknown))}")
        oid = int(fields.get("id") or self.next_order_id)
        if oid in self._orders:
            raise ValueError(f"order {oid} already exists")
        self.next_order_id = max(self.next_order_id, oid + 1)
        now = self.clock.timestamp()
        created = epoch(fields.get("date_created"), now)
        status = str(fields.get("status", "pending"))
        identity = catalog.default_buyer(oid)
        billing_map = {**identity, **dict(fields.get("billing") or {})}
        billing = tuple(str(billing_map.get(f, "")) for f in BILLING_FIELDS)
        shipping_src = fields.get("shipping")
        shipping_map = billing_map if shipping_src is None else {**dict.fromkeys(SHIPPING_FIELDS, ""), **shipping_src}
        shipping = tuple(str(shipping_map.get(f, "")) for f in SHIPPING_FIELDS)
        currency = str(fields.get("currency") or self.currency)
        items = self._build_items(fields.get("line_items"), fields.get("total"), oid)
        total = to_cents(fields["total"]) if fields.get("total") is not None else sum(i.total for i in items)
        method = str(fields.get("payment_method", "stripe"))
        paid = epoch(fields.get("date_paid"), None)
        if paid is None and status in ("processing", "completed"):
            paid = created
        completed = epoch(fields.get("date_completed"), None)
        if completed is None and status == "completed":
            completed = paid
        cart_hash = fields.get("cart_hash")
        if cart_hash is None:
            cart = ",".join(f"{i.product_id}x{i.quantity}:{i.total}" for i in items)
            cart_hash = hashlib.md5(f"{cart}|{total}".encode()).hexdigest()
        order = Order(
            id=oid,
            status=status,
            currency=currency,
            created=created,
            modified=epoch(fields.get("date_modified"), created),
            paid=paid,
            completed=completed,
            customer_id=int(fields.get("customer_id", 0)),
            order_key=str(fields.get("order_key") or self.new_order_key()),
            billing=billing,
            shipping=shipping,
            payment_method=method,
            payment_method_title=str(fields.get("payment_method_title", catalog.gateway_title(method))),
            transaction_id=str(fields.get("transaction_id", "")),
            customer_ip=str(fields.get("customer_ip_address", f"203.0.113.{oid % 250 + 1}")),
            user_agent=str(fields.get("customer_user_agent", catalog.DEFAULT_USER_AGENT)),
            created_via=str(fields.get("created_via", "checkout")),
            customer_note=str(fields.get("customer_note", "")),
            cart_hash=str(cart_hash),
            items=items,
            meta=[self._meta(m) for m in fields.get("meta_data") or ()],
            total=total,
            parent_id=int(fields.get("parent_id", 0)),
            version=self.wc_version,
        )
        if status in catalog.STOCK_REDUCING_STATUSES:
            # Paid orders have had their stock reduced; seeds may give the `_reduced_stock` meta themselves.
            if any(m.key == "_reduced_stock" for i in order.items for m in i.meta):
                order.stock_reduced = True
            else:
                self._reduce_stock(order, note=False)
        return order

    def _build_items(self, specs: Iterable[Mapping[str, Any]] | None, total: Any, oid: int) -> list[LineItem]:
        if specs is None:
            pick = self.products[sorted(self.products)[oid % len(self.products)]]
            if total is None:
                specs = [{"product_id": pick.id, "quantity": 1 + oid % 2}]
            else:
                specs = [{"product_id": pick.id, "quantity": 1, "total": total}]
        items = []
        for spec in specs:
            pid = int(float(spec.get("product_id") or 0))
            product = self.products.get(pid)
            quantity = int(float(spec.get("quantity", 1)))
            price = product.price if product else 0
            line_total = to_cents(spec["total"]) if spec.get("total") is not None else price * quantity
            name = str(spec.get("name") or (product.name if product else "Product"))
            sku = spec.get("sku", product.sku if product else None)
            meta = [self._meta(m) for m in spec.get("meta_data") or ()]
            items.append(LineItem(self._item_id(), pid, name, sku, quantity, line_total, meta))
        return items

    def new_order_key(self) -> str:
        """`wc_generate_order_key()`: `wc_order_` + 13 random letters and digits."""
        return "wc_order_" + "".join(self.rng.choices(string.ascii_letters + string.digits, k=13))

    def _item_id(self) -> int:
        self.next_item_id += 1
        return self.next_item_id - 1

    def _meta(self, spec: Mapping[str, Any]) -> Meta:
        # An explicit id (seeds reproducing a capture) is kept; otherwise the next meta id.
        meta_id = int(spec["id"]) if spec.get("id") else self._meta_id()
        return Meta(meta_id, str(spec["key"]), spec.get("value", ""))

    def _meta_id(self) -> int:
        self.next_meta_id += 1
        return self.next_meta_id - 1

    def _insert(self, order: Order) -> None:
        self._orders[order.id] = order
        insort(self._by_created, (order.created, order.id))
        insort(self._by_modified, (order.modified, order.id))
        if order.status == "pending":
            self._pending.add(order.id)
        self._changed()

    def _changed(self) -> None:
        self._version += 1

    def _touch(self, order: Order, when: int | None = None) -> None:
        """Save the order: its modification time becomes now (or `when`)."""
        stamp = self.clock.timestamp() if when is None else when
        old = (order.modified, order.id)
        pos = bisect_left(self._by_modified, old)
        if pos < len(self._by_modified) and self._by_modified[pos] == old:
            del self._by_modified[pos]
        order.modified = stamp
        insort(self._by_modified, (order.modified, order.id))
        if order.status == "pending":
            self._pending.add(order.id)
        else:
            self._pending.discard(order.id)
        self._changed()

    def order(self, order_id: int) -> Order | None:
        """The raw record (callers hold `lock` while they use it)."""
        return self._orders.get(order_id)

    def get_order(self, order_id: int) -> dict[str, Any] | None:
        """The order's REST JSON, or None."""
        with self.lock:
            self.run_cron()
            order = self._orders.get(order_id)
            return self._json(order) if order else None

    def _json(self, order: Order) -> dict[str, Any]:
        return views.order_json(order, home=self.home_url, tz=self.tz, email_templates_link=self.email_templates_link)

    @property
    def email_templates_link(self) -> bool:
        """Whether orders list `email_templates` among their `_links` (versions.ORDER_EMAIL_TEMPLATES_LINK)."""
        return versions.at_least(self.wc_version, versions.ORDER_EMAIL_TEMPLATES_LINK)

    def _need(self, order_id: int) -> Order:
        order = self._orders.get(order_id)
        if order is None:
            raise KeyError(f"no order {order_id}")
        return order

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

    # --- notes ------------------------------------------------------------------------------------------------------

    def add_note(
        self,
        order_id: int,
        text: str,
        author: str = "system",
        customer_note: bool = False,
        *,
        date: datetime | None = None,
    ) -> dict[str, Any]:
        """Add an order note; `author="system"` is a gateway/core note. Does not change date_modified."""
        with self.lock:
            self._need(order_id)
            stamp = epoch(date, self.clock.timestamp())
            note = self._add_note(order_id, text, SYSTEM_AUTHOR if author == "system" else author, customer_note, stamp)
            return views.note_json(note, home=self.home_url, tz=self.tz)

    def _add_note(self, order_id: int, text: str, author: str, customer: bool, when: int | None = None) -> Note:
        stamp = self.clock.timestamp() if when is None else when
        note = Note(self.next_note_id, order_id, stamp, author, text, customer)
        self.next_note_id += 1
        self._notes.setdefault(order_id, []).append(note)
        return note

    def note_records(self, order_id: int, kind: str = "any") -> list[Note]:
        """Notes newest first (ties: lower id first, as MySQL returned them in the captures)."""
        with self.lock:
            notes = self._notes.get(order_id, [])
            if kind == "customer":
                notes = [n for n in notes if n.customer_note]
            elif kind == "internal":
                notes = [n for n in notes if not n.customer_note]
            return sorted(notes, key=lambda n: (-n.created, n.id))

    def notes(self, order_id: int, kind: str = "any") -> list[dict[str, Any]]:
        """The order's notes as GET /orders/{id}/notes returns them."""
        return [views.note_json(n, home=self.home_url, tz=self.tz) for n in self.note_records(order_id, kind)]

    def delete_note(self, order_id: int, note_id: int) -> Note | None:
        """Remove a note; the removed record or None."""
        with self.lock:
            notes = self._notes.get(order_id, [])
            found = next((n for n in notes if n.id == note_id), None)
            if found:
                notes.remove(found)
            return found

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

    # --- listing ----------------------------------------------------------------------------------------------------
    def find_orders(self, query: OrderQuery) -> list[int]:
        """Ids of the orders matching `query`, sorted as asked. Cached until the next change to any order."""
        with self.lock:
            self.run_cron()
            key = (self._version, query)
            cached = self._query_cache.get(key)
            if cached is not None:
                self._query_cache.move_to_end(key)
                return cached
            result = select_orders(self._orders, self._by_created, self._by_modified, query)
            self._query_cache[key] = result
            while len(self._query_cache) > 16:
                self._query_cache.popitem(last=False)
            return result

    def page_of(self, ids: list[int], orderby: str, start: int, count: int) -> list[int]:
        """The rows of `ids` (sorted as `find_orders` sorts them) that MySQL returns for `LIMIT start, count`.

        WooCommerce adds no tie-breaker to `orderby=modified` (`ORDER BY post_modified`, or `date_updated_gmt` with
        HPOS), and MySQL's sort with a LIMIT gives rows of equal value in an order that depends on the LIMIT. Rows
        sharing one modified second that straddle a page boundary are therefore listed twice or never, the same
        ones for the same query (seen on real 7.8.2 and 9.9.5 stores: of 120 orders saved in one second, 1 to 5 were
        never listed). Here the tie order is a hash of the id and `start + count`. Other orders (id, date with its
        id tie-breaker) page stably.
        """
        end = start + count
        if orderby != "modified" or start >= len(ids):
            return ids[start:end]
        with self.lock:
            modified = {oid: self._orders[oid].modified for oid in ids if oid in self._orders}

        def stamp(index: int) -> int:
            return modified.get(ids[index], 0)

        lo, hi = start, min(end, len(ids))
        while lo > 0 and stamp(lo - 1) == stamp(start):
            lo -= 1
        while hi < len(ids) and stamp(hi) == stamp(hi - 1):
            hi += 1
        span = ids[lo:hi]
        descending = len(span) > 1 and stamp(lo) > stamp(hi - 1)
        span.sort(
            key=lambda oid: (
                -modified.get(oid, 0) if descending else modified.get(oid, 0),
                hashlib.blake2b(f"{oid}:{end}".encode(), digest_size=8).digest(),
            )
        )
        return span[start - lo : end - lo]

    def count_orders(self) -> int:
        """How many orders the store holds."""
        with self.lock:
            return len(self._orders)

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
        from wcrecall.sandbox import seed as seeds

        with self.lock:
            first = self.next_order_id
            batch = seeds.generated_orders(self, n, start=start, end=end, failed_share=failed_share,
                                           pending_share=pending_share, seed=seed)  # fmt: skip
            for order, note in batch:
                self._orders[order.id] = order
                if order.status == "pending":
                    self._pending.add(order.id)
                if note:
                    self._add_note(order.id, note, SYSTEM_AUTHOR, False, order.modified)
            self._by_created = sorted(self._by_created + [(o.created, o.id) for o, _ in batch])
            self._by_modified = sorted(self._by_modified + [(o.modified, o.id) for o, _ in batch])
            self._changed()
            return range(first, self.next_order_id)


_CREATE_FIELDS = frozenset(
    {
        "id", "status", "currency", "billing", "shipping", "line_items", "total", "payment_method",
        "payment_method_title", "transaction_id", "customer_id", "customer_ip_address", "customer_user_agent",
        "created_via", "customer_note", "cart_hash", "meta_data", "order_key", "date_created", "date_modified",
        "date_paid", "date_completed", "parent_id",
    }
)  # fmt: skip
