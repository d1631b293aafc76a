"""What the recall loop needs of a store, whatever shop software it runs: the `StoreApi` protocol, and `open_store`,
which picks the adapter for `store.platform` (WooCommerce's `Store`, or Magento's `MagentoStore`).

Orders and notes cross this interface in one shape, the one `model.order.parse_order` and `recall.notes` read (the
WooCommerce REST v3 order and note objects): an adapter for another platform translates its answers into it, so the
planner, state, render and mail parts do not know which store they serve.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Any, Protocol

from wcrecall.store.client import Page, Store
from wcrecall.store.http import SessionScope

if TYPE_CHECKING:
    from wcrecall.config.settings import Settings


class StoreApi(Protocol):
    """One store during one tick (`with store.session():`). Every method may raise `StoreError` (its subclasses:
    `StoreAuthError`, `StoreReadOnly`, `StoreNotFound`, `StoreDeadline`)."""

    host: str
    wrote: bool  # a note was written this session: the key may write

    def session(self) -> SessionScope: ...

    def changed_orders(self, since: datetime, *, first_page: int = 1) -> Iterator[Page]:
        """Orders of any status changed at or after `since`, in a stable order, paged (`PageCapReached` at the
        cap)."""
        ...

    def orders_by_id(self, ids: Sequence[int]) -> list[Any]: ...

    def get_order(self, order_id: int) -> Any:
        """The full order (line items, pay link) read fresh, right before a send."""
        ...

    def get_notes(self, order_id: int) -> list[Any]:
        """The order's notes, newest first."""
        ...

    def add_note(self, order_id: int, text: str) -> None:
        """Write a PRIVATE note (never one the buyer is mailed or shown)."""
        ...

    def check_write(self) -> None:
        """`StoreReadOnly` unless the key may write notes; writes nothing."""
        ...

    def probe_write(self) -> bool: ...

    def hold_stock_minutes(self) -> int:
        """Minutes after its last change at which the store cancels an unpaid checkout order; 0: never."""
        ...

    def payment_gateways(self) -> list[Any]:
        """The store's enabled payment methods (objects with `title`, `enabled`), [] when it cannot tell."""
        ...

    def system_status(self) -> tuple[dict[str, Any], str | None]: ...


def open_store(settings: Settings, **options: Any) -> StoreApi:
    """The adapter for `settings.store.platform`; `options` as `Store` takes them (retries, deadline, sleep)."""
    if settings.store.platform == "magento":
        from wcrecall.store.magento.client import MagentoStore

        return MagentoStore(settings.store, settings.magento, **options)
    return Store(settings.store, **options)


__all__ = ["StoreApi", "open_store"]
