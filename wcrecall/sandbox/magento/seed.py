"""The captured store's data: the 18 orders and 15 comments of fixtures/magento-2.4.7-p3/SEEDED-DATA.txt.

The orders are the captured order JSON (fixture_store.json: `orders_incremental_p1`, `order_single` for order 1,
`order_single_deleted_product` for order 5) in their state right after seeding; order 9, never captured whole, is
order 2's shape with its own ids, its Adyen card payment and the normal cancel.
"""

from __future__ import annotations

import copy
from datetime import datetime

from wcrecall.sandbox.magento.store import FIXTURE_NOW, MagentoStore, fixture_data, parse_stamp


def seed_fixture(store: MagentoStore, *, now: datetime | None = FIXTURE_NOW) -> MagentoStore:
    """Load the captured store's orders and comments; the clock is set to `now` (the first capture by default)."""
    data = fixture_data()
    with store.lock:
        for raw in data["orders"]:
            order = copy.deepcopy(raw)
            cancelled = order.pop("_cancel", False)
            store.add_order(order)
            if cancelled:
                store.set_now(parse_stamp(order["updated_at"]))
                store.cancel(int(order["entity_id"]))
        for comment in data["comments"]:
            store.comments.append(copy.deepcopy(comment))
        store.renumber_comments()
        if now is not None:
            store.set_now(now)
    return store
