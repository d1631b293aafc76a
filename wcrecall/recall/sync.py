"""The sync: read every order changed since the watermark, hand each one to the tick, then retry the ones that failed.

The watermark moves only when the window was read to its end (store/syncpoint.py says where it moves to); an order
that failed is retried by id and does not hold it back. A listing that brings fewer orders than the store announced is
read twice; a sync cut short by the page cap or a failing store resumes after the last page read to its end.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from email.utils import parsedate_to_datetime
from typing import Any, Protocol

from wcrecall.config.settings import Settings
from wcrecall.i18n import _
from wcrecall.model.errors import BadOrder, MailAuthError, StoreAuthError, StoreDeadline, StoreError, WcrecallError
from wcrecall.model.order import Order, parse_order
from wcrecall.model.progress import Progress
from wcrecall.model.records import NOT_CONTACTED, Recall, finish, iso
from wcrecall.plan.decide import Policy
from wcrecall.recall import failpoints
from wcrecall.state.db import State
from wcrecall.store.api import StoreApi
from wcrecall.store.client import MAX_SYNC_PAGES, PER_PAGE, Page, PageCapReached
from wcrecall.store.syncpoint import Resume, RetryList, trusted


class Lines(Protocol):
    def note(self, text: str) -> None: ...


class Host(Protocol):
    """What the sync needs from the tick: its store, state, clock and settings, where to report, and `handle`, which
    applies one order read (and may raise: the sync reports the order once and retries it by id next tick)."""

    settings: Settings
    now: datetime
    dry_run: bool
    policy: Policy
    progress: Progress

    @property
    def store(self) -> StoreApi: ...

    @property
    def state(self) -> State: ...

    @property
    def report(self) -> Lines: ...

    def handle(self, order: Order) -> None: ...

    def say(self, order_id: int | str, text: str) -> None: ...

    def problem(self, order_id: int | str | None, text: str) -> None: ...

    def put(self, recall: Recall, *, durable: bool = False) -> None: ...

    def unforeseen(self, exc: Exception) -> str: ...


class Sync:
    """One sync of one tick: `Sync(tick).run()`."""

    def __init__(self, host: Host) -> None:
        self.host = host
        self.store, self.state, self.now, self.dry_run = host.store, host.state, host.now, host.dry_run
        self.policy, self.overlap, self.progress = host.policy, host.settings.recall.overlap, host.progress

    def run(self) -> None:
        """Read every order changed since the watermark (less the overlap) and handle it; then the orders to retry.

        The watermark moves only when the window was read to its end (store/syncpoint.py says where it moves to); an order
        that failed is retried by id and does not hold it back."""
        watermark = trusted(self.state.watermark, self.now)  # an earlier run may have trusted a time from the future
        resume = Resume.load(self.state.meta)
        retry = RetryList(self.state.meta)
        if resume is not None:
            since, until, first = resume.since, resume.until, resume.page
        else:
            since = watermark - self.overlap if watermark else self.now - self.policy.lookback
            until, first = None, 1
        try:
            self._sync_window(watermark, resume, since, until, first, retry)
        finally:
            # Also when the listing broke off: an order already reported is not reported again next tick.
            if retry.changed and not self.dry_run:
                self.state.set_meta(sync_retry=retry.entries)

    def _sync_window(
        self,
        watermark: datetime | None,
        resume: Resume | None,
        since: datetime,
        until: datetime | None,
        first: int,
        retry: RetryList,
    ) -> None:
        seen: set[int] = set()
        window = _Window()
        try:
            try:
                self._read_window(window, since, first, retry, seen, progress=True)
            except (StoreAuthError, PageCapReached):
                raise
            except StoreError:
                # The store failed part-way (down past the retry budget, or the tick's time is up): the next tick goes
                # on after the last page read to its end, so a slow store still gets through a long window.
                if window.next_page > first and not self.dry_run:
                    self.state.set_meta(sync_resume=Resume(since, until or window.date, window.next_page).dump())
                raise
            if window.listed < window.promised:
                # Fewer orders than the store announced: a page cut short, an order deleted while paging, or a total
                # that a proxy cached or a plugin miscounts. Read once more; what two readings agree on is the window.
                again = _Window()
                self._read_window(again, since, first, retry, seen, progress=False)
                if again.listed < again.promised and again.rows != window.rows:
                    self._retry_by_id(retry, seen)
                    self.host.problem(
                        None,
                        _(
                            "the store listed {promised} changed orders but sent {listed}; they are read again next tick"
                        ).format(promised=window.promised, listed=window.listed),
                    )
                    if resume is not None and not self.dry_run:
                        self.state.set_meta(sync_resume=None)
                    return
                if again.listed < again.promised:
                    self.host.report.note(
                        _(
                            "the store announces {promised} changed orders but lists {listed}, twice the same ones: its X-WP-Total is ignored"
                        ).format(promised=again.promised, listed=again.listed)
                    )
                window.newest = max(filter(None, (window.newest, again.newest)), default=None)
        except PageCapReached as cap:
            self.host.report.note(
                _("read {pages} pages of changed orders; the rest next tick").format(pages=cap.next_page - first)
            )
            self._retry_by_id(retry, seen)
            if not self.dry_run:
                self.state.set_meta(sync_resume=Resume(since, until or window.date, cap.next_page).dump())
            return
        self._retry_by_id(retry, seen)
        mark = (until if resume is not None else window.date) or trusted(window.newest, self.now)
        if watermark is not None:
            mark = max(mark, watermark) if mark else watermark
        if not self.dry_run and (mark != self.state.watermark or resume is not None):
            self.state.set_meta(watermark=iso(mark), sync_resume=None)

    def _read_window(
        self, window: _Window, since: datetime, first: int, retry: RetryList, seen: set[int], *, progress: bool
    ) -> None:
        """One reading of the changed orders from page `first` on, recorded in `window` (also when it stops at the
        page cap); each order not yet in `seen` is handled."""
        try:
            for number, page in enumerate(self.store.changed_orders(since, first_page=first), start=first):
                if number == first:
                    window.promised = _promised(page, first)
                    window.date = trusted(_header_date(page.date), self.now)
                    if progress and window.promised and page.total_pages - first > 1:  # worth a bar on a terminal
                        self.progress.begin("Reading changed orders", window.promised)
                if progress:
                    self.progress.advance(len(page.orders))
                window.listed += len(page.orders)
                for raw in page.orders:
                    order_id = raw.get("id") if isinstance(raw, dict) else None
                    window.rows.add(order_id)
                    if order_id in seen:
                        continue
                    order = self._take(raw, order_id, retry)
                    if order is None:
                        continue
                    seen.add(order.id)
                    window.newest = max(window.newest, order.date_modified) if window.newest else order.date_modified
                window.next_page = number + 1
        finally:
            if progress:
                self.progress.end()

    def _take(self, raw: Any, order_id: Any, retry: RetryList) -> Order | None:
        """Parse and handle one order the store sent; one that cannot be parsed is reported once, retried by id."""
        try:
            order = parse_order(raw)
        except BadOrder as exc:
            self._bad_order(raw, order_id, str(exc), retry)
            return None
        self._handle_listed(order, retry)
        return order

    def _handle_listed(self, order: Order, retry: RetryList) -> None:
        """Handle one listed (or re-read) order; a failure is reported once and the order retried by id later."""
        try:
            self.host.handle(order)
            failpoints.hit("mid_sync")
        except (StoreAuthError, StoreDeadline, MailAuthError):
            raise
        except WcrecallError as exc:
            if retry.add(order.id, str(exc), self.now):
                self.host.problem(order.id, _("{exc}; retried next tick").format(exc=exc))
            else:
                self.host.say(order.id, _("{exc}; retried next tick").format(exc=exc))
            return
        except Exception as exc:  # noqa: BLE001  # the safety net: one order never stops the others
            self._bad_order({"status": order.status}, order.id, self.host.unforeseen(exc), retry)
            return
        retry.done(order.id)

    def _retry_by_id(self, retry: RetryList, seen: set[int]) -> None:
        """Read again, by id, the orders earlier ticks could not handle (and that this sync did not list)."""
        for order_id, why in retry.expire(self.now - self.policy.lookback):
            self.host.say(order_id, _("no longer retried (older than the lookback): {why}").format(why=why))
        wanted = [i for i in retry.ids() if i not in seen]
        if wanted:
            try:
                found = self.store.orders_by_id(wanted)
            except StoreAuthError:
                raise
            except StoreError as exc:
                self.host.report.note(_("orders to retry not read, retried next tick ({exc})").format(exc=exc))
                found = None
            if found is not None:
                listed = {raw.get("id"): raw for raw in found if isinstance(raw, dict)}
                # Only a store that honoured `include` tells that a missing order is gone.
                honoured = set(listed) <= set(wanted)
                for order_id in wanted:
                    raw = listed.get(order_id)
                    if raw is None:
                        if honoured:
                            retry.done(order_id)  # deleted or trashed since: nothing left to do
                        continue
                    self._take(raw, order_id, retry)

    def _bad_order(self, raw: Any, order_id: Any, reason: str, retry: RetryList) -> None:
        """An order whose data cannot be used: reported once (then retried by id, silently), with a `status` row
        when its status is one wcrecall mails."""
        status = raw.get("status") if isinstance(raw, dict) else None
        known = isinstance(order_id, int) and order_id > 0
        if known and not retry.add(order_id, f"skipped: {reason}", self.now):
            self.host.say(order_id, _("skipped: {reason}").format(reason=reason))
            return
        self.host.problem(order_id, _("skipped: {reason}").format(reason=reason))
        if status in self.policy.statuses and known and order_id not in self.state.recalls:
            # A row in `status` too, so the owner sees why this order got no email (the data to fix is in WP admin).
            when = self.now.isoformat()
            recall = Recall(id=order_id, number=str(order_id), kind=str(status), status=str(status), email_hash="",
                            email_masked="", customer_id=0, country="", currency="", total="", created=when,
                            opened=when)  # fmt: skip
            finish(recall, NOT_CONTACTED, f"skipped: {reason}", self.now)
            self.host.put(recall)


@dataclass
class _Window:
    """What one reading of the changed orders brought."""

    rows: set[Any] = field(default_factory=set)  # the ids listed (None for rows without one)
    listed: int = 0
    promised: int = 0  # what the first page's headers announced, when plausible
    date: datetime | None = None  # the store's "now" at the first page (trusted)
    newest: datetime | None = None  # the newest date_modified listed
    next_page: int = 0  # the page after the last one read to its end


def _promised(page: Page, first: int) -> int:
    """How many orders the listing from page `first` on should bring, if the first page's headers are plausible
    (consistent with each other and within the page cap); 0 when they are missing or cannot be right."""
    if page.total_pages != -(-page.total // PER_PAGE) or page.total_pages - first >= MAX_SYNC_PAGES:
        return 0
    return max(0, page.total - (first - 1) * PER_PAGE)


def _header_date(value: str | None) -> datetime | None:
    if not value:
        return None
    try:
        return parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
