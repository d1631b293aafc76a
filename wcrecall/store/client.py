"""The store's endpoints, paging, retries and deadline: the package's only way to WooCommerce's REST API (wc/v3).

How a request is built, signed (Basic over https, OAuth 1.0a over http, a fresh signature and nonce for every
attempt, retries included: WooCommerce rejects a replayed OAuth nonce, fixtures: err_401_oauth_nonce_replayed_http)
and sent over the tick's one keep-alive connection is in store/http.py; reading and judging the answers in
store/answers.py (re-exported here: `parse_body`, `MAX_JSON_DEPTH`).
"""

from __future__ import annotations

import http.client
import json
import logging
import math
import random
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from urllib.parse import urlsplit

import tenacity

from wcrecall import __version__
from wcrecall.config.settings import StoreSettings
from wcrecall.i18n import _
from wcrecall.model.errors import StoreDeadline, StoreError, StoreNotFound, StoreReadOnly
from wcrecall.model.order import ORDER_FIELDS, format_gmt
from wcrecall.store.answers import (
    _int_header,
    _retry_after,
    _Transient,
    parse_body,
    read_body,
    refusal,
    sending_failed,
)
from wcrecall.store.connection import Answer
from wcrecall.store.http import RequestPath, SessionScope, send_in_session
from wcrecall.store.wcadapter import Redirected

log = logging.getLogger(__name__)

PER_PAGE = 100  # WooCommerce's maximum; above it the store answers 400 rest_invalid_param
# Pages one sync reads per tick (10,000 changed orders); a longer window goes on where it stopped on the next tick.
MAX_SYNC_PAGES = 100


# What the sync needs of every changed order; the full order (items, pay link) is read again right before a send.
SYNC_FIELDS = tuple(f for f in ORDER_FIELDS if f not in ("line_items", "payment_url", "meta_data"))


@dataclass
class Traffic:
    """What the store was asked for during one session: for `-v`, the benchmark and tests."""

    requests: int = 0
    bytes_received: int = 0
    retries: int = 0


class PageCapReached(StoreError):
    """A listing stopped after its page cap; `next_page` is the first page not read."""

    def __init__(self, next_page: int) -> None:
        super().__init__(f"stopped before page {next_page} (page cap)")
        self.next_page = next_page


@dataclass(frozen=True)
class Page:
    orders: list[Any]
    total: int
    total_pages: int
    date: str | None = None  # the store's `Date` header: its own "now"


class Store:
    """One WooCommerce store. Use `with store.session():` around a tick so all calls share a connection."""

    def __init__(
        self,
        settings: StoreSettings,
        *,
        max_retry_time: float = 60.0,
        max_attempts: int = 6,
        max_tick_time: float | None = None,
        sleep: Callable[[float], None] | None = None,
    ) -> None:
        self.settings = settings
        self.path = RequestPath(
            settings.url, settings.consumer_key, settings.consumer_secret, user_agent=f"wcrecall/{__version__}"
        )
        self._verify = (settings.ca_bundle or True) if settings.verify_tls else False
        self.traffic = Traffic()
        self.max_retry_time = max_retry_time
        self.max_attempts = max_attempts
        # The tick's deadline: armed by `session()`, respected by every call, its retries and its reads.
        self.max_tick_time = max_tick_time
        self._deadline: float | None = None
        self._sleep = sleep
        self.host = urlsplit(settings.url).hostname or "store"
        self.wrote = False  # a note was posted: the key may write

    # -- connection -------------------------------------------------------------------------------------------

    def session(self) -> SessionScope:
        if self.max_tick_time is not None:
            self._deadline = time.monotonic() + self.max_tick_time
        return SessionScope()

    def _time_left(self) -> float:
        return math.inf if self._deadline is None else self._deadline - time.monotonic()

    def _check_deadline(self, what: str) -> None:
        if self._time_left() <= 0:
            raise StoreDeadline(
                f"{what}: this run reached store.max_tick_time ({self.max_tick_time:g} s) and stops here; "
                "the next run carries on"
            )

    # -- one request, with retries ------------------------------------------------------------------------------

    def _retry_left(self, state: tenacity.RetryCallState) -> float:
        """Seconds this request may still spend retrying: its own budget, and what is left of the tick's."""
        return min(self.max_retry_time - (state.seconds_since_start or 0.0), self._time_left())

    def _stop(self, state: tenacity.RetryCallState) -> bool:
        if state.attempt_number >= self.max_attempts:
            return True
        left = self._retry_left(state)
        exc = state.outcome.exception() if state.outcome else None
        if isinstance(exc, _Transient) and exc.retry_after is not None and exc.retry_after > left:
            exc.wait_too_long = True  # waiting as asked would overrun the budget: give up now, not after a sleep
            return True
        return left <= 0

    def _wait(self, state: tenacity.RetryCallState) -> float:
        left = max(0.0, self._retry_left(state))
        exc = state.outcome.exception() if state.outcome else None
        if isinstance(exc, _Transient) and exc.retry_after is not None:
            return min(exc.retry_after, left)
        # Exponential backoff with full jitter: 0.5 s, 1 s, 2 s ... capped at 20 s.
        return min(random.uniform(0, min(20.0, 0.5 * 2 ** (state.attempt_number - 1))), left)

    def _call(
        self, method: str, endpoint: str, *, params: Mapping[str, Any] | None = None, data: Any = None
    ) -> tuple[Any, Answer]:
        what = f"{method} {endpoint.split('?')[0]}"
        self._check_deadline(what)
        retrying = tenacity.Retrying(
            retry=tenacity.retry_if_exception_type(_Transient),
            stop=self._stop,
            wait=self._wait,
            sleep=self._sleep or tenacity.nap.sleep,
            reraise=True,
            before_sleep=self._before_sleep,
        )
        attempts = 0
        try:
            for attempt in retrying:
                with attempt:
                    attempts += 1
                    return self._once(method, endpoint, params=params, data=data, what=what)
        except _Transient as exc:
            self._check_deadline(what)
            if exc.wait_too_long:
                raise StoreError(
                    f"{exc}; it asked to retry after {exc.retry_after:g} s, more than the retry budget left "
                    f"(store.max_retry_time = {self.max_retry_time:g} s); gave up after {attempts} attempt(s)"
                ) from None
            raise StoreError(_("{problem}; gave up after {attempts} attempt(s)").format(problem=exc, attempts=attempts)) from None  # fmt: skip
        raise AssertionError("unreachable")  # pragma: no cover

    def _before_sleep(self, state: tenacity.RetryCallState) -> None:
        self.traffic.retries += 1
        exc = state.outcome.exception() if state.outcome else None
        log.info("store: %s; retrying (attempt %d)", exc, state.attempt_number + 1)

    def _once(
        self, method: str, endpoint: str, *, params: Mapping[str, Any] | None, data: Any, what: str
    ) -> tuple[Any, Answer]:
        self._check_deadline(what)
        self.traffic.requests += 1
        # No single wait on the socket may outlast the tick.
        timeout = min(self.settings.timeout, max(0.1, self._time_left()))
        started = time.monotonic()
        try:
            response = self.path.send(method, endpoint, params=params, data=data, timeout=timeout, verify=self._verify)
        except (OSError, http.client.HTTPException, Redirected) as exc:
            raise sending_failed(exc, what, host=self.host, timeout=self.settings.timeout) from None
        body = read_body(
            response, what, started=started, timeout=self.settings.timeout, host=self.host, check=self._check_deadline
        )
        self.traffic.bytes_received += len(body)
        status = response.status_code
        if status == 429 or status >= 500:
            raise _Transient(_("{what}: the store answered HTTP {status}").format(what=what, status=status), _retry_after(response) if status == 429 else None)  # fmt: skip
        text = body.decode("utf-8", errors="replace")
        if status >= 400:
            try:
                err = parse_body(text, what=what)
            except _Transient:
                err = {}
            raise self._refusal(status, err if isinstance(err, dict) else {}, what)
        return parse_body(text, what=what), response

    def _refusal(self, status: int, err: dict[str, Any], what: str) -> StoreError:
        """The error for a 4xx answer whose body (a JSON object, or {}) is `err` (the Magento adapter has its own)."""
        return refusal(self.settings, status, err, what)

    # -- orders ---------------------------------------------------------------------------------------------------

    def orders_page(self, params: Mapping[str, Any], page: int) -> Page:
        """One page of `GET /orders`, with the totals the store announced."""
        query = dict(params, page=page)
        body, response = self._call("GET", "orders", params=query)
        if not isinstance(body, list):
            raise StoreError(f"GET orders page {page}: expected a list of orders, got {type(body).__name__}")
        total = _int_header(response, "X-WP-Total")
        pages = _int_header(response, "X-WP-TotalPages")
        return Page(orders=body, total=total, total_pages=pages, date=response.headers.get("Date"))

    def iter_pages(self, params: Mapping[str, Any], *, first: int = 1, max_pages: int | None = None) -> Iterator[Page]:
        """The pages of an order listing from page `first`, built as `page=N` (never by following `Link`, which fails
        under OAuth and echoes the credentials).

        The listing ends at an empty page, or at a page shorter than `per_page` unless the headers announce more.
        X-WP-Total / X-WP-TotalPages never end it early (proxies strip or cache them) and never keep it going past
        an empty page (a huge X-WP-TotalPages would never end). After `max_pages` pages `PageCapReached` says where
        to go on; a store that answers every page with the same orders (it ignores `page`) is an error.
        """
        per_page = int(params.get("per_page", 10))
        previous: list[Any] | None = None
        number = first
        while True:
            if max_pages is not None and number - first >= max_pages:
                raise PageCapReached(number)
            page = self.orders_page(params, number)
            ids = [o.get("id") if isinstance(o, dict) else None for o in page.orders]
            if ids and ids == previous:
                raise StoreError(
                    f"GET orders page {number}: the same orders as page {number - 1}; the store or a proxy in front "
                    "of it ignores the page parameter"
                )
            yield page
            if not page.orders or len(page.orders) < per_page and page.total_pages <= number:
                return
            previous = ids
            number += 1

    def changed_orders(
        self, since: datetime, *, fields: Sequence[str] = SYNC_FIELDS, first_page: int = 1
    ) -> Iterator[Page]:
        """Orders of any status modified after `since`, in id order: the incremental sync.

        Ordered by id, not by `modified`: WooCommerce adds no tie-breaker to `orderby=modified`, so orders saved in
        the same second (a bulk edit, an import, a burst of checkouts) come in a different order on each page and
        some are listed twice and others never, the same ones on every retry. Ids are unique, and an order changed
        while the sync pages keeps its place. At most `MAX_SYNC_PAGES` pages per call (`PageCapReached`).
        """
        params = {
            "status": "any",
            # Naive UTC: a value ending in Z together with dates_are_gmt shifts the window by the store's UTC offset.
            "modified_after": format_gmt(since),
            # Without dates_are_gmt the store reads the date in its own time zone (fixtures README, Dates).
            "dates_are_gmt": "true",
            "orderby": "id",
            "order": "asc",
            "per_page": PER_PAGE,
            "_fields": ",".join(fields),
        }
        return self.iter_pages(params, first=first_page, max_pages=MAX_SYNC_PAGES)

    def orders_by_id(self, ids: Sequence[int], *, fields: Sequence[str] = SYNC_FIELDS) -> list[Any]:
        """The orders with these ids that still exist (any status but trash), one request per 100."""
        found: list[Any] = []
        wanted = sorted({int(i) for i in ids})
        for start in range(0, len(wanted), PER_PAGE):
            chunk = wanted[start : start + PER_PAGE]
            params = {
                "status": "any",
                "include": ",".join(str(i) for i in chunk),
                "orderby": "id",
                "order": "asc",
                "per_page": PER_PAGE,
                "_fields": ",".join(fields),
            }
            found += self.orders_page(params, 1).orders
        return found

    def get_order(self, order_id: int) -> Any:
        body, _ = self._call("GET", f"orders/{int(order_id)}", params={"_fields": ",".join(ORDER_FIELDS)})
        if not isinstance(body, dict):
            raise StoreError(f"GET order {order_id}: expected an order object")
        answered = body.get("id")
        if type(answered) is not int or answered != int(order_id):
            # Its buyer must not get this order's reminder, nor this order a note about someone else's email.
            shown = "".join(c for c in str(answered) if c.isprintable())[:24]
            raise StoreError(f"GET order {order_id}: the store answered with another order (id {shown}); not used")
        return body

    def get_notes(self, order_id: int) -> list[Any]:
        """The order's notes, newest first (GET /orders/{id}/notes)."""
        body, _ = self._call("GET", f"orders/{int(order_id)}/notes", params={"type": "internal"})
        if not isinstance(body, list):
            raise StoreError(f"GET notes of order {order_id}: expected a list of notes")
        return body

    def add_note(self, order_id: int, text: str) -> None:
        """Post a PRIVATE note. `customer_note` stays false: true would make WooCommerce email the buyer."""
        self._call("POST", f"orders/{int(order_id)}/notes", data={"note": text, "customer_note": False})
        self.wrote = True  # the key has write permission: no separate check needed before this session's emails

    def get_setting(self, group: str, setting_id: str) -> Any:
        body, _ = self._call("GET", f"settings/{group}/{setting_id}")
        return body.get("value") if isinstance(body, dict) else None

    def hold_stock_minutes(self) -> int:
        """Minutes after which WooCommerce cancels an unpaid pending order, 0 when it never does.

        wc_cancel_unpaid_orders() (includes/wc-order-functions.php) only runs when stock management is on and the
        hold time is at least 1; the setting's value "" means off."""
        if str(self.get_setting("products", "woocommerce_manage_stock") or "") != "yes":
            return 0
        held = str(self.get_setting("products", "woocommerce_hold_stock_minutes") or "")
        return int(held) if held.isdigit() else 0

    def payment_gateways(self) -> list[Any]:
        body, _ = self._call("GET", "payment_gateways")
        return body if isinstance(body, list) else []

    def site_timezone(self) -> str:
        """The site's time zone from WordPress's public REST index (GET /wp-json/): its `timezone_string`
        ("America/New_York"), else its `gmt_offset` ("+05:30"; "+00:00" when the index says neither)."""
        root = f"{self.settings.url.rstrip('/')}/wp-json/"
        try:
            index = self._site_index(root)
        except (OSError, http.client.HTTPException, StoreError, _Transient, ValueError):
            raise StoreError(_("GET /wp-json/: the site's time zone could not be read from {host}").format(host=self.host)) from None  # fmt: skip
        name, offset = (index.get("timezone_string"), index.get("gmt_offset")) if isinstance(index, dict) else (0, 0)
        if isinstance(name, str) and name:
            return name
        minutes = round(float(offset) * 60) if isinstance(offset, int | float) else 0
        return f"{'-' if minutes < 0 else '+'}{abs(minutes) // 60:02d}:{abs(minutes) % 60:02d}"

    def _site_index(self, root: str) -> Any:
        """WordPress's REST index, or {} when the site answers with anything but 200 (a redirect included)."""
        try:
            answer = send_in_session(
                "GET", root, {"accept": "application/json"}, None, timeout=self.settings.timeout, verify=self._verify
            )
        except Redirected:
            return {}
        started = time.monotonic()
        body = read_body(answer, "GET /wp-json/", started=started, timeout=self.settings.timeout, host=self.host,
                         check=lambda what: None)  # fmt: skip
        return json.loads(body) if answer.status_code == 200 else {}

    def system_status(self) -> tuple[dict[str, Any], str | None]:
        """`GET /system_status` (environment and settings) and the store's `Date` header: for `doctor`."""
        body, response = self._call("GET", "system_status", params={"_fields": "environment,settings"})
        return (body if isinstance(body, dict) else {}), response.headers.get("Date")

    def check_write(self) -> None:
        """Make sure the key may write, without writing anything; `StoreReadOnly` (exit 2) if it may not.

        POSTs a note to order 0, which cannot exist (WordPress ids start at 1). WooCommerce checks the key's
        permission for any non-GET method before routing (WC_REST_Authentication::check_user_permissions on
        rest_pre_dispatch): a read-only key gets 401 "does not have write permissions"
        (fixtures: err_401_readonly_key_post_note_https), a Read/Write key goes on to the route and gets
        404 woocommerce_rest_order_invalid_id (err_404_post_note_missing_order_oauth_http). Other refusals raise.
        """
        note = {"note": "wcrecall: write permission check (order 0 does not exist)", "customer_note": False}
        try:
            self._call("POST", "orders/0/notes", data=note)
        except StoreNotFound:
            return
        raise StoreError("POST orders/0/notes: the store accepted a note for order 0, which should not exist")

    def probe_write(self) -> bool:
        """Whether the key may write (for `doctor`): `check_write` as a yes or no."""
        try:
            self.check_write()
        except StoreReadOnly:
            return False
        return True
