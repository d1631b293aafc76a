"""The store facts a tick asks at most once: the hold-stock time, the hosts the store reports, its payment methods.

Each is read when first needed (a quiet tick reads none) and kept for the rest of the tick.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from wcrecall.config.settings import Settings
from wcrecall.i18n import _
from wcrecall.model.errors import StoreAuthError, StoreDeadline, StoreError
from wcrecall.model.order import Order
from wcrecall.model.records import Recall
from wcrecall.plan.paylink import host_of, reported_hosts
from wcrecall.plan.planner import Rules
from wcrecall.plan.planner import other_methods as suggested_methods
from wcrecall.store.client import Store


class StoreFacts:
    """What one tick learned of the store; `problem(order_id, text)` reports a fact that could not be read."""

    def __init__(
        self, store: Store, settings: Settings, rules: Rules, problem: Callable[[int | str | None, str], None]
    ) -> None:
        self.store, self.settings, self.rules, self.problem = store, settings, rules, problem
        self._gateways: list[Any] | None = None
        self._hold_minutes: int | None = None
        self._reported_hosts: set[str] | None = None

    def hold_minutes(self) -> int:
        """WooCommerce's hold-stock time if stock management is on, read once per tick; 0 when off."""
        if self._hold_minutes is None:
            self._hold_minutes = self.store.hold_stock_minutes()
        return self._hold_minutes

    def site_hosts(self, link: str) -> set[str]:
        """The store's own hosts to check `link` against: the host of store.url, and the hosts of the home and site
        URLs the store reports (read once per tick, and only when a link points elsewhere)."""
        hosts = {host_of(self.settings.store.url)}
        if host_of(link) not in hosts:
            if self._reported_hosts is None:
                try:
                    self._reported_hosts = reported_hosts(self.store.system_status()[0])
                except StoreError:  # a key that may not read the system status: store.url's host alone decides
                    self._reported_hosts = set()
            hosts |= self._reported_hosts
        return hosts

    def other_methods(self, order: Order, recall: Recall) -> list[str]:
        """Titles of the store's other enabled payment methods (GET /payment_gateways once per tick), for the classes
        where another way to pay helps."""
        if recall.reason not in self.settings.routing.suggest_methods:
            return []
        if self._gateways is None:
            try:
                self._gateways = self.store.payment_gateways()
            except (StoreAuthError, StoreDeadline):
                raise
            except StoreError as exc:
                self.problem(order.id, _("payment methods not listed in the email ({exc})").format(exc=exc))
                self._gateways = []
        return suggested_methods(self._gateways, order.payment_method, recall.reason, self.rules)


__all__ = ["StoreFacts"]
