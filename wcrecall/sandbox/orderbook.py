"""The sandbox store's records: orders and their notes, the indexes over them, and the id counters.

Bookkeeping with no WooCommerce rules in it: `Store` (store.py) adds those (the clock's scheduled work, status
transitions and stock, updates, settings and gateways). Orders are indexed by creation and modification time, which
makes `modified_after` a bisect instead of a scan; the records themselves are in records.py and their REST JSON is
built per request by views.py.
"""

from __future__ import annotations

import hashlib
import random
import string
import threading
from bisect import bisect_left, insort
from collections import OrderedDict
from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from wcrecall.sandbox import catalog, versions, views
from wcrecall.sandbox.catalog import Product
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


class OrderBook:
    """Orders, notes and indexes behind one lock. Public methods are thread-safe and return REST JSON."""

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
        self.products: dict[int, Product] = catalog.default_products()
        self.rng = random.Random(seed)
        self.lock = threading.RLock()
        self._orders: dict[int, Order] = {}
        self._notes: dict[int, list[Note]] = {}
        self._by_created: list[tuple[int, int]] = []
        self._by_modified: list[tuple[int, int]] = []
        self._pending: set[int] = set()
        self._version = 0
        self._query_cache: OrderedDict[tuple[int, OrderQuery], list[int]] = OrderedDict()
        # What a proxy in front of the store leaves of X-WP-Total / X-WP-TotalPages on order listings: None = the
        # store's own values; a mapping replaces both ({} strips them, {"X-WP-TotalPages": "1e9"} lies).
        self.paging_headers: dict[str, str] | None = None
        self.next_order_id = 100
        self.next_item_id = 1
        self.next_note_id = 2  # comment 1 is WordPress's sample comment
        self.next_meta_id = 100

    def now(self) -> datetime:
        """The simulated time."""
        return self.clock.now()

    def run_cron(self) -> None:
        """Scheduled work due at the simulated time, run before every read and write; `Store` has WooCommerce's."""

    # --- orders -----------------------------------------------------------------------------------------------------

    def _build_order(self, fields: Mapping[str, Any]) -> Order:
        """A new record from `create_order` fields (see `Store.create_order`); not yet stored, stock untouched."""
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

    def _insert_many(self, batch: list[tuple[Order, str | None]]) -> None:
        """Store records built in bulk, each with an optional system note dated at its modification."""
        for order, note in batch:
            self._orders[order.id] = order
            if order.status == "pending":
                self._pending.add(order.id)
            if note:
                self._add_note(order.id, note, SYSTEM_AUTHOR, False, order.modified)
        self._by_created = sorted(self._by_created + [(o.created, o.id) for o, _ in batch])
        self._by_modified = sorted(self._by_modified + [(o.modified, o.id) for o, _ in batch])
        self._changed()


_CREATE_FIELDS = frozenset(
    {
        "id", "status", "currency", "billing", "shipping", "line_items", "total", "payment_method",
        "payment_method_title", "transaction_id", "customer_id", "customer_ip_address", "customer_user_agent",
        "created_via", "customer_note", "cart_hash", "meta_data", "order_key", "date_created", "date_modified",
        "date_paid", "date_completed", "parent_id",
    }
)  # fmt: skip
