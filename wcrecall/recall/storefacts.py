"""The store facts a tick asks at most once: the hold-stock time, the hosts and the site language the store reports,
its payment methods.

Each is read when first needed (a quiet tick reads none) and kept for the rest of the tick.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from typing import Any

from wcrecall.config.settings import Settings
from wcrecall.i18n import _
from wcrecall.model.errors import StoreAuthError, StoreDeadline, StoreError
from wcrecall.model.order import Order
from wcrecall.model.records import Recall
from wcrecall.plan.methods import MethodOffer, offered_methods
from wcrecall.plan.paylink import host_of, reported_hosts
from wcrecall.plan.planner import Rules
from wcrecall.plan.regional.language import order_needs_store_language, reported_language
from wcrecall.store.api import StoreApi


class StoreFacts:
    """What one tick learned of the store; `problem(order_id, text)` reports a fact that could not be read."""

    def __init__(
        self, store: StoreApi, settings: Settings, rules: Rules, problem: Callable[[int | str | None, str], None]
    ) -> None:
        self.store, self.settings, self.rules, self.problem = store, settings, rules, problem
        self._gateways: list[Any] | None = None
        self._hold_minutes: int | None = None
        self._status: Any = None  # the GET /system_status answer, {} when it cannot be read

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
            hosts |= reported_hosts(self._system_status())
        return hosts

    def rules_for(self, order: Order) -> Rules:
        """The tick's rules, with the store's site language when this order's language needs it (the order meta and
        the billing country do not decide: plan/regional/language.py)."""
        if not order_needs_store_language(order):
            return self.rules
        return replace(self.rules, store_language=reported_language(self._system_status()))

    def _system_status(self) -> Any:
        """GET /system_status, read once per tick and only when needed; {} for a key that may not read it (store.url's
        host alone then decides the links, and the site language is unknown)."""
        if self._status is None:
            try:
                self._status = read_status(self.store)
            except StoreError:
                self._status = {}
        return self._status

    def other_methods(self, order: Order, recall: Recall) -> list[MethodOffer]:
        """The store's other enabled payment methods this buyer can use (GET /payment_gateways once per tick;
        plan/methods.py), for the classes where another way to pay helps."""
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
        return offered_methods(self._gateways, order, recall.reason)


def read_status(store: StoreApi) -> Any:
    """The store's `GET /system_status` answer."""
    return store.system_status()[0]


def rules_for_order(rules: Rules, order: Order, store: StoreApi) -> Rules:
    """`StoreFacts.rules_for` outside a tick (explain, preview): the site language read when the order needs it."""
    if not order_needs_store_language(order):
        return rules
    try:
        return replace(rules, store_language=reported_language(read_status(store)))
    except StoreError:
        return rules


__all__ = ["StoreFacts", "rules_for_order"]
