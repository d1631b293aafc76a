"""The sandbox store's records, its simulated clock and the order query: compact, no I/O.

Records are `slots` dataclasses with epoch-second ints and money in cents; the REST JSON is built per request
(views.py), which keeps a store of 100,000 orders near 150 MB.
"""

from __future__ import annotations

import threading
import time
from bisect import bisect_left, bisect_right
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from wcrecall.sandbox import catalog

BILLING_FIELDS = (
    "first_name", "last_name", "company", "address_1", "address_2", "city", "state", "postcode", "country", "email",
    "phone",
)  # fmt: skip
SHIPPING_FIELDS = tuple(f for f in BILLING_FIELDS if f != "email")
# WooCommerce writes system notes with comment_author "WooCommerce" (class-wc-order.php::add_order_note).
SYSTEM_AUTHOR = "WooCommerce"
_MAX = 1 << 62


class SimClock:
    """The store's clock: frozen unless advanced (or `ticking`, which adds real elapsed time). Aware UTC."""

    def __init__(self, start: datetime | None = None, *, ticking: bool = False) -> None:
        self._lock = threading.Lock()
        self._base = to_utc(start) if start is not None else datetime.now(UTC).replace(microsecond=0)
        self._ticking = ticking
        self._anchor = _monotonic()

    def now(self) -> datetime:
        """The simulated current time (aware, UTC, whole seconds)."""
        with self._lock:
            if not self._ticking:
                return self._base
            elapsed = timedelta(seconds=int(_monotonic() - self._anchor))
            return self._base + elapsed

    def timestamp(self) -> int:
        """`now()` as epoch seconds."""
        return int(self.now().timestamp())

    def advance(self, delta: timedelta) -> None:
        """Move the clock forward (or back) by `delta`."""
        with self._lock:
            self._base = self._base + delta

    def set(self, when: datetime) -> None:
        """Jump to `when` (naive values are taken as UTC)."""
        with self._lock:
            self._base = to_utc(when)
            self._anchor = _monotonic()


def _monotonic() -> float:
    return time.monotonic()


def to_utc(when: datetime) -> datetime:
    aware = when if when.tzinfo is not None else when.replace(tzinfo=UTC)
    return aware.astimezone(UTC).replace(microsecond=0)


@dataclass(slots=True)
class Meta:
    id: int
    key: str
    value: Any


@dataclass(slots=True)
class LineItem:
    id: int
    product_id: int
    name: str
    sku: str | None
    quantity: int
    total: int
    meta: list[Meta] = field(default_factory=list)


@dataclass(slots=True)
class Note:
    id: int
    order_id: int
    created: int
    author: str
    text: str
    customer_note: bool


@dataclass(slots=True)
class Order:
    id: int
    status: str
    currency: str
    created: int
    modified: int
    paid: int | None
    completed: int | None
    customer_id: int
    order_key: str
    billing: tuple[str, ...]
    shipping: tuple[str, ...]
    payment_method: str
    payment_method_title: str
    transaction_id: str
    customer_ip: str
    user_agent: str
    created_via: str
    customer_note: str
    cart_hash: str
    items: list[LineItem]
    meta: list[Meta]
    total: int
    stock_reduced: bool = False
    parent_id: int = 0
    version: str = "7.8.2"

    def billing_dict(self) -> dict[str, str]:
        return dict(zip(BILLING_FIELDS, self.billing, strict=True))

    def shipping_dict(self) -> dict[str, str]:
        return dict(zip(SHIPPING_FIELDS, self.shipping, strict=True))


@dataclass(frozen=True)
class OrderQuery:
    """Filters of GET /orders, already parsed: times are epoch seconds, bounds exclusive (WP_Date_Query)."""

    statuses: frozenset[str] | None = None
    customer: int | None = None
    search: str | None = None
    include: tuple[int, ...] = ()
    exclude: tuple[int, ...] = ()
    parent: tuple[int, ...] = ()
    parent_exclude: tuple[int, ...] = ()
    product: int | None = None
    created_after: int | None = None
    created_before: int | None = None
    modified_after: int | None = None
    modified_before: int | None = None
    orderby: str = "date"
    order: str = "desc"


def to_cents(value: Any) -> int:
    """Money given as str/int/float/Decimal, in cents."""
    return int((Decimal(str(value)) * 100).quantize(Decimal(1), rounding=ROUND_HALF_UP))


def select_orders(
    orders: dict[int, Order], by_created: list[tuple[int, int]], by_modified: list[tuple[int, int]], q: OrderQuery
) -> list[int]:
    """The ids of `orders` matching `q`, sorted as asked. The time indexes narrow the scan to the window."""
    if q.include:
        candidates: Iterable[int] = [i for i in dict.fromkeys(q.include) if i in orders]
    elif q.modified_after is not None or q.modified_before is not None:
        candidates = _window(by_modified, q.modified_after, q.modified_before)
    elif q.created_after is not None or q.created_before is not None:
        candidates = _window(by_created, q.created_after, q.created_before)
    else:
        candidates = [oid for _, oid in by_created]
    statuses = q.statuses
    exclude = set(q.exclude)
    needle = q.search.lower() if q.search else None
    found = []
    for oid in candidates:
        o = orders[oid]
        if statuses is None:
            if o.status in catalog.HIDDEN_FROM_ANY:
                continue
        elif o.status not in statuses:
            continue
        if q.customer is not None and o.customer_id != q.customer:
            continue
        if oid in exclude or (q.parent and o.parent_id not in q.parent) or o.parent_id in q.parent_exclude:
            continue
        if q.modified_after is not None and not o.modified > q.modified_after:
            continue
        if q.modified_before is not None and not o.modified < q.modified_before:
            continue
        if q.created_after is not None and not o.created > q.created_after:
            continue
        if q.created_before is not None and not o.created < q.created_before:
            continue
        if q.product is not None and all(i.product_id != q.product for i in o.items):
            continue
        if needle is not None and not _matches(o, needle):
            continue
        found.append(o)
    reverse = q.order == "desc"
    if q.orderby == "include" and q.include:
        rank = {oid: n for n, oid in enumerate(q.include)}
        found.sort(key=lambda o: rank[o.id], reverse=reverse)
    elif q.orderby == "id":
        found.sort(key=lambda o: o.id, reverse=reverse)
    elif q.orderby == "modified":
        found.sort(key=lambda o: (o.modified, o.id), reverse=reverse)
    else:  # date (title and slug of orders follow the date too)
        found.sort(key=lambda o: (o.created, o.id), reverse=reverse)
    return [o.id for o in found]


def _window(index: list[tuple[int, int]], after: int | None, before: int | None) -> list[int]:
    lo = 0 if after is None else bisect_right(index, (after, _MAX))
    hi = len(index) if before is None else bisect_left(index, (before, -1))
    return [oid for _, oid in index[lo:hi]]


def _matches(order: Order, needle: str) -> bool:
    # wc_order_search() (CPT): the billing/shipping address indexes, billing last name and email, item names,
    # or the order id itself.
    if needle.isdigit() and int(needle) == order.id:
        return True
    haystack = " ".join((*order.billing, *order.shipping, *(i.name for i in order.items))).lower()
    return needle in haystack


def epoch(value: Any, default: int | None) -> Any:
    """Epoch seconds of a datetime, number or ISO string (naive = UTC); `default` when None."""
    if value is None:
        return default
    if isinstance(value, datetime):
        return int(to_utc(value).timestamp())
    if isinstance(value, int | float):
        return int(value)
    return int(to_utc(datetime.fromisoformat(str(value))).timestamp())
