"""One Magento 2 store through its REST API, behind the same interface as WooCommerce's `Store` (store/api.py).

It reuses the WooCommerce client's retries (tenacity: 429 and 5xx, timeouts, dropped connections), the tick's
deadline, the tick's one session, the bounded body reading and the refusal of redirects; what differs is here: the
integration's OAuth 1.0a signature in the Authorization header (store/magento/signing.py, a fresh nonce for every
attempt), searchCriteria listings filtered by `updated_at`, listed by id and paged on `total_count`, comments instead of notes, Magento's error bodies
(`message` with placeholders and `parameters`), and the store facts REST cannot read (the pending-payment lifetime
comes from `magento.pending_lifetime`).
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterator, Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

from wcrecall import __version__
from wcrecall.config.magento import MagentoSettings
from wcrecall.config.settings import StoreSettings
from wcrecall.i18n import _
from wcrecall.model.errors import StoreAuthError, StoreError, StoreNotFound, StoreReadOnly
from wcrecall.store.client import MAX_SYNC_PAGES, PER_PAGE, Page, PageCapReached, Store
from wcrecall.store.connection import Answer
from wcrecall.store.http import send_in_session
from wcrecall.store.magento.shape import SYNC_FIELDS, to_notes, to_order
from wcrecall.store.magento.signing import Signer, enc

COMMENT_RESOURCE = "Magento_Sales::comment"
# An order that cannot exist (the largest entity id the column holds; 0 would be refused as "An ID is needed", 400):
# the write probe posts a comment to it (404 with the permission, 401 without).
PROBE_ORDER = 4294967295


def message_of(err: Mapping[str, Any]) -> str:
    """Magento's error message with its placeholders (`%1`, `%resources`) filled from `parameters`."""
    message = str(err.get("message", ""))
    params = err.get("parameters")
    named = params if isinstance(params, dict) else {str(i + 1): v for i, v in enumerate(params or [])}
    for name, value in named.items():
        message = message.replace(f"%{name}", str(value))
    return message


class MagentoPath:
    """The store's REST base, the signer, and one request sent in the tick's session (`RequestPath`'s role)."""

    def __init__(self, settings: StoreSettings, *, user_agent: str) -> None:
        self.base = settings.url.rstrip("/") + "/rest/V1/"
        self.signer = Signer(
            settings.consumer_key, settings.consumer_secret, settings.access_token, settings.access_token_secret
        )
        self.headers = {"user-agent": user_agent, "accept": "application/json"}

    def url(self, endpoint: str, params: Mapping[str, Any] | None = None) -> str:
        """The URL as sent: every name and value RFC 3986-encoded (space as %20, never +), so Magento decodes the
        query to the very text that was signed."""
        query = "&".join(f"{enc(str(k))}={enc(str(v))}" for k, v in (params or {}).items() if v is not None)
        return f"{self.base}{endpoint}?{query}" if query else f"{self.base}{endpoint}"

    def send(
        self, method: str, endpoint: str, *, params: Mapping[str, Any] | None, data: Any, timeout: float, verify: Any
    ) -> Answer:
        url = self.url(endpoint, params)
        headers = dict(self.headers, authorization=self.signer.authorization(method, url))
        body = None
        if data is not None:
            body = json.dumps(data, ensure_ascii=False).encode("utf-8")
            headers["content-type"] = "application/json"
        # Magento sets PHPSESSID on every answer: the connection keeps no cookies, so it is never sent back.
        return send_in_session(method, url, headers, body, timeout=timeout, verify=verify)


def search(
    filters: Sequence[tuple[str, str, str]], sort: Sequence[tuple[str, str]], size: int, page: int
) -> dict[str, Any]:
    """searchCriteria query parameters: each filter its own group (AND-ed), then the sort orders and the page."""
    params: dict[str, Any] = {}
    for g, (field, condition, value) in enumerate(filters):
        prefix = f"searchCriteria[filter_groups][{g}][filters][0]"
        params.update({f"{prefix}[field]": field, f"{prefix}[value]": value, f"{prefix}[condition_type]": condition})
    for n, (field, direction) in enumerate(sort):
        params.update(
            {f"searchCriteria[sortOrders][{n}][field]": field, f"searchCriteria[sortOrders][{n}][direction]": direction}
        )
    params.update({"searchCriteria[pageSize]": size, "searchCriteria[currentPage]": page})
    return params


def magento_time(moment: datetime) -> str:
    """UTC `YYYY-MM-DD HH:MM:SS`, the form Magento compares (an offset would be ignored, store-local time is wrong)."""
    return moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S")


class MagentoStore(Store):
    """One Magento 2 store. Orders and comments come back in the loop's shape (store/magento/shape.py)."""

    platform = "magento"

    def __init__(self, settings: StoreSettings, magento: MagentoSettings | None = None, **options: Any) -> None:
        super().__init__(settings, **options)
        self.magento = magento or MagentoSettings()
        self.path = MagentoPath(settings, user_agent=f"wcrecall/{__version__}")  # type: ignore[assignment]

    def _refusal(self, status: int, err: dict[str, Any], what: str) -> StoreError:
        # Magento's own message, its placeholders filled from the answer: store text, shown without control characters.
        message = "".join(c for c in message_of(err) if c.isprintable())[:200]
        if status == 401 and COMMENT_RESOURCE in message:
            return StoreReadOnly(
                _(
                    "the store refused the integration ({status}): it may read orders but not add comments "
                    "({resource}), so wcrecall could not write its order comments and sends no email; give the "
                    "integration the resource Sales > Operations > Orders > Actions > Comment and activate it again"
                ).format(status=status, resource=COMMENT_RESOURCE)
            )
        if status in (401, 403):
            check = _(
                "check store.consumer_key, store.consumer_secret, store.access_token and store.access_token_secret, "
                "and that the integration has the resources Magento_Sales::actions_view and Magento_Sales::comment "
                "(the store said: {message})"
            ).format(message=message)
            return StoreAuthError(
                _(
                    "the store refused the integration ({status}): {message}; check store.consumer_key, "
                    "store.consumer_secret, store.access_token and store.access_token_secret, and that the "
                    "integration has the resources Magento_Sales::actions_view and Magento_Sales::comment"
                ).format(status=status, message=message),
                problem=_("the store refused the integration ({status})").format(status=status),
                fix=check,
            )
        if status == 404:
            return StoreNotFound(f"{what}: not found ({status})")
        return StoreError(f"{what}: the store answered HTTP {status}: {message}")

    def _shape(self, raw: Any) -> Any:
        return to_order(raw, store_url=self.settings.url, magento=self.magento)

    # -- orders ---------------------------------------------------------------------------------------------------

    def orders_page(self, params: Mapping[str, Any], page: int) -> Page:
        """One page of `GET /orders` with searchCriteria (`params` holds everything but the page number)."""
        query = dict(params, **{"searchCriteria[currentPage]": page})
        body, response = self._call("GET", "orders", params=query)
        if not isinstance(body, dict):
            raise StoreError(f"GET orders page {page}: expected a search result, got {type(body).__name__}")
        items = body.get("items") or []  # null past the last page when `fields=` is used
        total = body.get("total_count")
        total = total if type(total) is int and total >= 0 else 0
        size = int(params.get("searchCriteria[pageSize]", PER_PAGE)) or PER_PAGE
        orders = [self._shape(o) for o in items] if isinstance(items, list) else []
        return Page(orders=orders, total=total, total_pages=math.ceil(total / size), date=response.headers.get("Date"))

    def iter_pages(self, params: Mapping[str, Any], *, first: int = 1, max_pages: int | None = None) -> Iterator[Page]:
        """Pages from `first` until `total_count` is reached or a page comes back empty (Magento answers a page past
        the last with no items and the real total)."""
        number = first
        while True:
            if max_pages is not None and number - first >= max_pages:
                raise PageCapReached(number)
            page = self.orders_page(params, number)
            yield page
            if not page.orders or number >= page.total_pages:
                return
            number += 1

    def changed_orders(self, since: datetime, *, fields: Sequence[str] = (), first_page: int = 1) -> Iterator[Page]:
        """Orders of any status updated at or after `since` (`gteq` sees the boundary again: the sync skips what it
        saw), in entity_id order, 100 a page.

        Filtered by `updated_at` but listed by id, as the WooCommerce sync does: listed by `updated_at` (even with
        entity_id as the tie-breaker) an order updated while the sync pages jumps to the end, and the order after
        it slides into the page already read and is missed; ids never move, and an order updated meanwhile still
        matches the filter."""
        params = search([("updated_at", "gteq", magento_time(since))], [("entity_id", "ASC")], PER_PAGE, first_page)
        params["fields"] = f"items[{SYNC_FIELDS}],total_count"
        return self.iter_pages(params, first=first_page, max_pages=MAX_SYNC_PAGES)

    def orders_by_id(self, ids: Sequence[int], *, fields: Sequence[str] = ()) -> list[Any]:
        found: list[Any] = []
        wanted = sorted({int(i) for i in ids})
        for start in range(0, len(wanted), PER_PAGE):
            chunk = ",".join(str(i) for i in wanted[start : start + PER_PAGE])
            params = search([("entity_id", "in", chunk)], [("entity_id", "ASC")], PER_PAGE, 1)
            params["fields"] = f"items[{SYNC_FIELDS}],total_count"
            found += self.orders_page(params, 1).orders
        return found

    def get_order(self, order_id: int) -> Any:
        body, _ = self._call("GET", f"orders/{int(order_id)}")
        if not isinstance(body, dict):
            raise StoreError(f"GET order {order_id}: expected an order object")
        answered = body.get("entity_id")
        if type(answered) is not int or answered != int(order_id):
            shown = "".join(c for c in str(answered) if c.isprintable())[:24]
            raise StoreError(f"GET order {order_id}: the store answered with another order (id {shown}); not used")
        return self._shape(body)

    # -- comments ---------------------------------------------------------------------------------------------------

    def get_notes(self, order_id: int) -> list[Any]:
        """The order's comments as notes, newest first (Magento lists them oldest first)."""
        body, _ = self._call("GET", f"orders/{int(order_id)}/comments")
        items = body.get("items") if isinstance(body, dict) else None
        if not isinstance(items, list):
            raise StoreError(f"GET comments of order {order_id}: expected a list of comments")
        return to_notes(items)

    def add_note(self, order_id: int, text: str) -> None:
        """Add a PRIVATE comment: both flags 0 (1 would mail it to the buyer or show it in their account) and no
        `status` (a status other than the order's is refused, and the order's own would be a race)."""
        history = {"comment": text, "is_customer_notified": 0, "is_visible_on_front": 0}
        self._call("POST", f"orders/{int(order_id)}/comments", data={"statusHistory": history})
        self.wrote = True

    def check_write(self) -> None:
        """Make sure the integration may add comments, without adding one: a comment for an order id no store
        reaches (`PROBE_ORDER`). Magento checks the resource before it looks for the order: without
        Magento_Sales::comment 401 (`StoreReadOnly`), with it 404."""
        history = {"comment": "wcrecall: permission check (this order does not exist)", "is_customer_notified": 0,
                   "is_visible_on_front": 0}  # fmt: skip
        try:
            self._call("POST", f"orders/{PROBE_ORDER}/comments", data={"statusHistory": history})
        except StoreNotFound:
            return
        raise StoreError(
            f"POST orders/{PROBE_ORDER}/comments: the store accepted a comment for an order that cannot exist"
        )

    # -- store facts ------------------------------------------------------------------------------------------------

    def hold_stock_minutes(self) -> int:
        """Magento's pending-payment lifetime (`magento.pending_lifetime`: REST cannot read the store's setting)."""
        return int(self.magento.pending_lifetime.total_seconds() // 60)

    def payment_gateways(self) -> list[Any]:
        """Core REST has no store-wide list of payment methods: none suggested."""
        return []

    def system_status(self) -> tuple[dict[str, Any], str | None]:
        return {}, None

    def get_setting(self, group: str, setting_id: str) -> Any:
        return None
