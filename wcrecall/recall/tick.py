"""One tick of the recall loop: sync changed orders, decide, email due steps, record, note.

The order of effects for each step is what makes "never twice" hold:
claim the step durably -> hand the message to the mail server -> mark it sent -> post a private order note.
A claim found at start-up (the run died in between) becomes `uncertain` and is never resent.
"""

from __future__ import annotations

import hmac
import logging
import re
import traceback
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from email.utils import parsedate_to_datetime
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from wcrecall.config.settings import Settings, format_duration
from wcrecall.mail.transport import Transport, build_message, message_id_for, open_transport
from wcrecall.model.errors import (
    BadOrder,
    MailAuthError,
    MailError,
    MailRecipientRefused,
    MailTemporaryError,
    MailUncertain,
    StoreAuthError,
    StoreDeadline,
    StoreError,
    TemplateError,
    WcrecallError,
    hide,
)
from wcrecall.model.order import PAID_STATUSES, Order, mask_email, parse_gmt, parse_order
from wcrecall.model.progress import NoProgress, Progress
from wcrecall.model.records import (
    BASELINE,
    CLAIMED,
    ENDED_UNPAID,
    NOT_CONTACTED,
    OPEN,
    RECOVERED,
    RECOVERED_NEW_ORDER,
    SENT,
    SKIPPED,
    SUPERSEDED,
    UNCERTAIN,
    Recall,
    Step,
    from_iso,
    iso,
)
from wcrecall.plan.classify import CLASS_LABELS, Note, classify_order
from wcrecall.plan.decide import (
    Policy,
    candidate_problem,
    ending,
    fit,
    hold_deadline,
    hold_stock_warning,
    is_newer_paid_order,
    next_due,
    skip,
    steps_for,
    too_close_to_cancel,
    unpaid_end,
)
from wcrecall.plan.guard import blocked_domain, burst
from wcrecall.plan.paylink import BadPayLink, host_of, pay_link, reported_hosts
from wcrecall.plan.regional import QuietHours, buyer_zone, choose_language, parse_quiet_hours
from wcrecall.recall import failpoints
from wcrecall.render.renderer import Renderer, format_hold_until
from wcrecall.state import privacy
from wcrecall.state.db import RunLock, State
from wcrecall.store.client import MAX_SYNC_PAGES, PER_PAGE, Page, PageCapReached, Store
from wcrecall.store.syncpoint import Resume, RetryList, trusted

log = logging.getLogger(__name__)

# The machine-readable tail of every note wcrecall writes: if the state file is lost, the next sync rebuilds the
# recall from these (state/db.py). Kept short and free of personal data.
NOTE_MSGID = re.compile(r"\(Message-ID (<[^<>\s()]+>)\)")  # in a step note, as `step_note` writes it
NOTE_TAG = re.compile(r"\[wcrecall ([a-z_]+=[^\s\]]+(?: [a-z_]+=[^\s\]]+)*)\]")


def note_tag(**fields: object) -> str:
    return "[wcrecall " + " ".join(f"{k}={v}" for k, v in fields.items()) + "]"


def parse_note_tags(text: str) -> list[dict[str, str]]:
    return [dict(pair.split("=", 1) for pair in m.group(1).split(" ")) for m in NOTE_TAG.finditer(text)]


def unexpected(exc: Exception, secrets: Iterable[str] = ()) -> str:
    """An unforeseen error as one line for the owner, `secrets` hidden; its traceback is logged (shown with -v)."""
    log.info("%s", hide(traceback.format_exc(), secrets).rstrip())
    text = " ".join(hide(str(exc), secrets).split())[:200]
    return f"unexpected error ({type(exc).__name__}{': ' + text if text else ''})"


def humanize(delta: timedelta) -> str:
    minutes = max(0, int(delta.total_seconds() // 60))
    if minutes < 60:
        return f"{minutes} min"
    hours = minutes // 60
    if hours < 48:
        return f"{hours} h"
    return f"{hours // 24} days"


@dataclass
class TickReport:
    """What a tick did: printed with -v, and the source of the exit code."""

    opened: int = 0
    sent: int = 0
    ended: int = 0
    recovered: int = 0
    problems: list[str] = field(default_factory=list)
    lines: list[str] = field(default_factory=list)
    fatal: WcrecallError | None = None

    @property
    def exit_code(self) -> int:
        if self.fatal is not None:
            return self.fatal.exit_code
        return 1 if self.problems else 0


class Tick:
    """One run over one store. `run()` never raises for a single order's trouble; it records a problem and goes on."""

    def __init__(
        self,
        settings: Settings,
        *,
        now: datetime,
        dry_run: bool = False,
        baseline: bool = False,
        store: Store | None = None,
        renderer: Renderer | None = None,
        transport_factory: Callable[[], Transport] | None = None,
        progress: Progress | None = None,
    ) -> None:
        self.settings = settings
        self.now = now
        self.dry_run = dry_run
        self.baseline = baseline
        self.store = store or Store(
            settings.store, max_retry_time=settings.store.max_retry_time, max_tick_time=settings.store.max_tick_time
        )
        self._renderer = renderer
        self._transport_factory = transport_factory or (
            lambda: open_transport(settings.mail, base_dir=settings.base_dir)
        )
        self.policy = policy_for(settings)
        self.report = TickReport()
        self._secrets = (settings.store.consumer_secret, settings.mail.password)
        self.state: State = State.of(settings, read_only=dry_run)
        self._by_email: dict[str, set[int]] = defaultdict(set)
        self._by_customer: dict[int, set[int]] = defaultdict(set)
        self._transport: Transport | None = None
        self._contacts: dict[str, list[datetime]] = defaultdict(list)  # email hash -> times mailed, all recalls
        self._domain_sends: dict[str, list[datetime]] = defaultdict(list)  # recipient domain -> times, last hour
        self._failures_by_ip: dict[str, list[datetime]] = defaultdict(list)
        self._failures_by_email: dict[str, list[datetime]] = defaultdict(list)
        self._gateways: list[Any] | None = None
        self._hold_minutes: int | None = None
        self._notes_read: set[int] = set()  # orders whose notes this tick read when their recall opened
        self._reported_hosts: set[str] | None = None
        self._may_write = False  # the key's write permission, checked before the tick's first email
        self._compact = False
        self.progress = progress or NoProgress()

    # -- reporting ----------------------------------------------------------------------------------------------

    def say(self, order_id: int | str, text: str) -> None:
        self.report.lines.append(f"order {order_id}: {text}")

    def problem(self, order_id: int | str | None, text: str) -> None:
        self.report.problems.append(f"order {order_id}: {text}" if order_id is not None else text)

    # -- the tick -----------------------------------------------------------------------------------------------

    def run(self) -> TickReport:
        lock = RunLock(self.settings.state_path)
        try:
            if not self.dry_run:
                lock.__enter__()
            try:
                self._run_locked()
            finally:
                if not self.dry_run:
                    lock.__exit__(None, None, None)
        except WcrecallError as exc:
            self.report.fatal = exc
        return self.report

    def _run_locked(self) -> None:
        self.state.load()
        for text in self.state.problems:
            self.problem(None, text)
        try:
            for recall in self.state.open_recalls():
                self._index(recall)
            self._index_history()
            with self.store.session():
                try:
                    self.sync()
                except StoreAuthError:
                    raise
                except StoreError as exc:
                    # The sync stopped part-way: the watermark stays where it was, so the next tick reads it all again.
                    self.report.fatal = exc
                    return
                self.post_pending_notes()  # first what the sync ended: a read-only key stops here, before any email
                self.send_due()
                self.post_pending_notes()  # then what the sends ended
                # Dropped recalls must leave the journal too: fold it into the snapshot when any were dropped.
                self._compact = privacy.prune(self.state, self.now, self.settings.state.retention) > 0
        finally:
            if self._transport is not None:
                self._transport.__exit__(None, None, None)
            self.state.save(compact=self._compact)
            self.state.close()

    # -- sync ---------------------------------------------------------------------------------------------------

    def sync(self) -> None:
        """Read every order changed since the watermark (less the overlap) and handle it; then the orders to retry.

        The watermark moves only when the window was read to its end (store/syncpoint.py says where it moves to); an order
        that failed is retried by id and does not hold it back."""
        watermark = trusted(self.state.watermark, self.now)  # an earlier run may have trusted a time from the future
        resume = Resume.load(self.state.meta)
        retry = RetryList(self.state.meta)
        if resume is not None:
            since, until, first = resume.since, resume.until, resume.page
        else:
            since = watermark - self.settings.recall.overlap if watermark else self.now - self.policy.lookback
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
                    self.problem(
                        None,
                        f"the store listed {window.promised} changed orders but sent {window.listed}; "
                        "they are read again next tick",
                    )
                    if resume is not None and not self.dry_run:
                        self.state.set_meta(sync_resume=None)
                    return
                if again.listed < again.promised:
                    self.report.lines.append(
                        f"the store announces {again.promised} changed orders but lists {again.listed}, twice the "
                        "same ones: its X-WP-Total is ignored"
                    )
                window.newest = max(filter(None, (window.newest, again.newest)), default=None)
        except PageCapReached as cap:
            self.report.lines.append(f"read {cap.next_page - first} pages of changed orders; the rest next tick")
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
            self.handle(order)
            failpoints.hit("mid_sync")
        except (StoreAuthError, StoreDeadline, MailAuthError):
            raise
        except WcrecallError as exc:
            if retry.add(order.id, str(exc), self.now):
                self.problem(order.id, f"{exc}; retried next tick")
            else:
                self.say(order.id, f"{exc}; retried next tick")
            return
        except Exception as exc:  # noqa: BLE001  # the safety net: one order never stops the others
            self._bad_order({"status": order.status}, order.id, unexpected(exc, self._secrets), retry)
            return
        retry.done(order.id)

    def _retry_by_id(self, retry: RetryList, seen: set[int]) -> None:
        """Read again, by id, the orders earlier ticks could not handle (and that this sync did not list)."""
        for order_id, why in retry.expire(self.now - self.policy.lookback):
            self.say(order_id, f"no longer retried (older than the lookback): {why}")
        wanted = [i for i in retry.ids() if i not in seen]
        if wanted:
            try:
                found = self.store.orders_by_id(wanted)
            except StoreAuthError:
                raise
            except StoreError as exc:
                self.report.lines.append(f"orders to retry not read, retried next tick ({exc})")
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
            self.say(order_id, f"skipped: {reason}")
            return
        self.problem(order_id, f"skipped: {reason}")
        if status in self.policy.statuses and known and order_id not in self.state.recalls:
            # A row in `status` too, so the owner sees why this order got no email (the data to fix is in WP admin).
            when = self.now.isoformat()
            self.put(Recall(id=order_id, number=str(order_id), kind=str(status), status=str(status), email_hash="",
                            email_masked="", customer_id=0, country="", currency="", total="", created=when,
                            opened=when, outcome=NOT_CONTACTED, end_reason=f"skipped: {reason}",
                            ended=when))  # fmt: skip

    def _index(self, recall: Recall) -> None:
        self._by_email[recall.email_hash].add(recall.id)
        if recall.customer_id > 0:
            self._by_customer[recall.customer_id].add(recall.id)

    def handle(self, order: Order) -> None:
        """Apply what the sync learned about one order."""
        email_hash = self.state.email_hash(order.email) if order.email else ""
        recall = self.state.recalls.get(order.id)
        if recall is not None and recall.is_open:
            end = ending(order)
            if end is not None:
                self.end(recall, end[0], end[1], paid_at=order.date_paid or self.now if end[0] == RECOVERED else None)
            elif recall.status != order.status or recall.modified != order.date_modified.isoformat():
                recall.status, recall.modified = order.status, order.date_modified.isoformat()
                self.put(recall)
        if order.status in PAID_STATUSES:
            self._recovered_by_new_order(order, email_hash)
        if recall is None and order.status in self.policy.statuses:
            problem = candidate_problem(order, self.now, self.policy) or privacy.blocked(self.state, order.email)
            if problem is None:
                self.open(order, email_hash)
            elif order.date_created >= self.now - self.policy.lookback:
                self.not_contacted(order, email_hash, problem)

    def _recovered_by_new_order(self, order: Order, email_hash: str) -> None:
        ids = set(self._by_email.get(email_hash, ())) if email_hash else set()
        if order.customer_id > 0:
            ids |= self._by_customer.get(order.customer_id, set())
        for rid in sorted(ids):
            other = self.state.recalls.get(rid)
            if other is not None and other.is_open and is_newer_paid_order(order, other, email_hash):
                self.end(
                    other,
                    RECOVERED_NEW_ORDER,
                    f"buyer paid new order #{order.number}",
                    paid_at=order.date_paid or order.date_created,
                    paid_order=order.id,
                )

    def _new_recall(self, order: Order, email_hash: str) -> Recall:
        group = ""
        if order.cart_hash:
            key = bytes.fromhex(self.state.meta["hash_key"])
            group = hmac.new(key, f"{order.email_key}|{order.cart_hash}".encode(), "sha256").hexdigest()[:24]
        return Recall(
            id=order.id,
            number=order.number,
            kind=order.status,
            status=order.status,
            email_hash=email_hash,
            email_masked=mask_email(order.email) if order.email else "",
            customer_id=order.customer_id,
            country=order.country,
            currency=order.currency,
            total=str(order.total),
            created=order.date_created.isoformat(),
            opened=self.now.isoformat(),
            modified=order.date_modified.isoformat(),
            group=group,
            planned=len(self.policy.delays.get(order.status, ())),
            ip_hash=self.state.email_hash(f"ip:{order.customer_ip}") if order.customer_ip else "",
        )

    def not_contacted(self, order: Order, email_hash: str, why: str) -> None:
        recall = self._new_recall(order, email_hash)
        recall.outcome, recall.end_reason, recall.ended = NOT_CONTACTED, why, self.now.isoformat()
        self.put(recall)
        self.say(order.id, f"not contacted: {why}")

    def open(self, order: Order, email_hash: str) -> None:
        recall = self._new_recall(order, email_hash)
        blocked = self._guard(order, recall)
        if blocked:
            self.flag(recall, blocked)
            return
        notes = self.store.get_notes(order.id)
        self._notes_read.add(order.id)
        self._restore_from_notes(recall, notes)
        verdict = classify_order(status=order.status, payment_method=order.payment_method, notes=to_notes(notes))
        recall.reason, recall.reason_rule = verdict.failure_class, verdict.rule
        if recall.outcome != OPEN:
            self.put(recall)
            return
        if recall.reason in self.settings.routing.no_email:
            self.flag(recall, f"the payment was flagged ({verdict.rule}); review the order before contacting the buyer")
            return
        refusal = self._regional(order, recall)
        if refusal:
            recall.outcome, recall.end_reason, recall.ended = NOT_CONTACTED, refusal, self.now.isoformat()
            self.put(recall)
            self.say(order.id, f"not contacted: {refusal}")
            return
        recall.planned = len(steps_for(recall, self.policy))
        sibling = next(
            (
                self.state.recalls[rid]
                for rid in self._by_email.get(email_hash, ())
                if recall.group and self.state.recalls[rid].group == recall.group and self.state.recalls[rid].is_open
            ),
            None,
        )
        if sibling is not None:
            if from_iso(sibling.created) and order.date_created > from_iso(sibling.created):  # type: ignore[operator]
                # The buyer retried the same cart in a new order: the newest order carries the recall, with the
                # steps already sent, so nobody gets reminder 1 twice.
                recall.steps = [s for s in sibling.steps if s.state != SKIPPED] + recall.steps
                recall.created = sibling.created
                self.end(sibling, SUPERSEDED, f"newer order #{order.number} for the same cart", note=False)
                sibling.superseded_by = order.id
                self.put(sibling)
            else:
                recall.outcome, recall.end_reason = SUPERSEDED, f"newer order #{sibling.number} for the same cart"
                recall.superseded_by, recall.ended = sibling.id, self.now.isoformat()
                self.put(recall)
                return
        if self.baseline:
            recall.outcome, recall.end_reason, recall.ended = BASELINE, "adopted by --baseline", self.now.isoformat()
            self.put(recall)
            self.say(order.id, "adopted without mailing (--baseline)")
            return
        due = next_due(recall, self.policy, self.now)
        recall.next_due = iso(due.at)
        self.put(recall)
        self._index(recall)
        self.report.opened += 1
        reason = f", {CLASS_LABELS.get(recall.reason, recall.reason)}" if recall.reason else ""
        self.say(
            order.id,
            f"recall opened ({order.status}{reason}, {recall.planned} reminders in {recall.lang}; next due {_short(due.at)})",
        )
        if recall.warning:
            self.say(order.id, recall.warning)

    def _restore_from_notes(self, recall: Recall, notes: Iterable[Any]) -> None:
        """Rebuild what wcrecall already did for this order from the tags of its own notes (state lost or broken)."""
        for note in notes:
            if not isinstance(note, dict):
                continue
            text = str(note.get("note", ""))
            if not text.startswith("wcrecall:"):
                continue
            when_iso = (_note_time(note) or self.now).isoformat()
            msgid = NOTE_MSGID.search(text)
            for tag in parse_note_tags(text):
                if "step" in tag and recall.step(int(tag["step"])) is None:
                    state = tag.get("state", SENT)
                    recall.steps.append(
                        Step(n=int(tag["step"]), state=state, at=when_iso, msgid=msgid[1] if msgid else "", noted=True)
                    )
                if "end" in tag and recall.is_open:
                    recall.outcome, recall.end_reason, recall.ended = (
                        tag["end"],
                        "restored from the order notes",
                        when_iso,
                    )
        recall.steps.sort(key=lambda s: s.n)

    # -- ending -------------------------------------------------------------------------------------------------

    def end(
        self,
        recall: Recall,
        outcome: str,
        reason: str,
        *,
        paid_at: datetime | None = None,
        paid_order: int | None = None,
        note: bool = True,
    ) -> None:
        recall.outcome, recall.end_reason, recall.ended = outcome, reason, self.now.isoformat()
        recall.next_due = None
        recall.paid_at, recall.paid_order = iso(paid_at), paid_order
        recall.end_noted = not (note and recall.sent_steps and outcome in (RECOVERED, RECOVERED_NEW_ORDER))
        self.put(recall)
        self.report.ended += 1
        if outcome in (RECOVERED, RECOVERED_NEW_ORDER):
            self.report.recovered += 1
        self.say(recall.id, f"recall ended: {outcome.replace('_', ' ')} ({reason})")

    def end_note(self, recall: Recall) -> str:
        sent = recall.sent_steps
        last = sent[-1] if sent else None
        paid_at = from_iso(recall.paid_at)
        after = ""
        if last is not None and paid_at is not None:
            after = f" {humanize(paid_at - from_iso(last.at))} after reminder {last.n}"  # type: ignore[operator]
        if recall.outcome == RECOVERED_NEW_ORDER:
            text = f"wcrecall: the buyer paid new order #{recall.paid_order}{after}; no more reminders for this order"
        elif recall.outcome == NOT_CONTACTED:
            text = f"wcrecall: not contacted, no reminder will be sent: {recall.end_reason}"
        elif recall.outcome == ENDED_UNPAID:
            text = f"wcrecall: no more reminders for this order: {recall.end_reason}"
        else:
            text = f"wcrecall: paid{after}"
        return f"{text} {note_tag(end=recall.outcome)}"

    # -- sending ------------------------------------------------------------------------------------------------

    def send_due(self) -> None:
        for recall in sorted(self.state.open_recalls(), key=lambda r: (r.next_due or "", r.id)):
            try:
                self._advance(recall)
            except (StoreAuthError, StoreDeadline, MailAuthError, TemplateError):
                raise
            except WcrecallError as exc:
                self.problem(recall.id, str(exc))
            except Exception as exc:  # noqa: BLE001  # the safety net: one order never stops the others
                self.problem(recall.id, f"reminder not sent: {unexpected(exc, self._secrets)}")

    def _advance(self, recall: Recall) -> None:
        due = next_due(recall, self.policy, self.now)
        for n, why in due.skipped:
            skip(recall, n, why, self.now)
            self.say(recall.id, f"reminder {n} skipped: {why}")
        if due.n is None or due.at is None:
            recall.next_due = None
            if not recall.sent_steps:
                self.end(recall, NOT_CONTACTED, "no reminder could be sent in the lookback window", note=False)
            elif unpaid_end(recall, self.now, self.policy):
                self.end(recall, ENDED_UNPAID, "no payment after the last reminder", note=False)
            elif due.skipped:
                self.put(recall)
            return
        at, _why = self.fit(recall, due.at)
        if at > self.now:
            if recall.next_due != iso(at) or due.skipped:
                recall.next_due = iso(at)
                self.put(recall)
            return
        if self._domain_full(recall):
            return  # over the hourly cap for this mailbox provider: the next tick sends it
        self.send_step(recall, due.n)

    def send_step(self, recall: Recall, n: int) -> None:
        try:
            order = parse_order(self.store.get_order(recall.id))
        except BadOrder as exc:
            raise BadOrder(f"cannot send reminder {n}: {exc}") from None
        end = ending(order)
        if end is not None:
            self.end(recall, end[0], end[1], paid_at=order.date_paid or self.now if end[0] == RECOVERED else None)
            return
        if self._sent_elsewhere(recall, n):
            return
        if (why := privacy.blocked(self.state, order.email)) is not None:
            self.end(recall, ENDED_UNPAID if recall.sent_steps else NOT_CONTACTED, why, note=False)
            return
        refusal = self.consent_and_language(order, recall)
        if refusal:
            self.end(recall, NOT_CONTACTED, refusal, note=False)
            return
        recall.modified = order.date_modified.isoformat()
        if recall.hold_minutes and order.status == "pending":
            recall.hold_minutes = self.hold_minutes()  # the shop's setting now, not when the recall opened
        deadline = hold_deadline(order.date_modified, recall.hold_minutes) if order.status == "pending" else None
        if (too_late := too_close_to_cancel(deadline, recall.hold_minutes, self.now)) is not None:
            skip(recall, n, too_late, self.now)
            following = next_due(recall, self.policy, self.now).at
            recall.next_due = iso(self.fit(recall, following)[0] if following else None)
            self.put(recall)
            self.say(recall.id, f"reminder {n} skipped: {too_late}")
            return
        lang = recall.lang or self.settings.regional.default_language
        held = (
            format_hold_until(deadline, _zone(recall.zone), self.now, lang) if deadline and deadline > self.now else ""
        )
        try:
            link = pay_link(order.payment_url, n, hosts=self.site_hosts(order.payment_url))
        except BadPayLink as exc:
            raise BadOrder(f"cannot send reminder {n}: {exc}") from None
        renderer = self.renderer  # built and checked at the first email: a broken template stops the tick
        try:
            rendered = renderer.render(
                order=order,
                step=n,
                total_steps=recall.planned,
                kind=recall.kind,
                pay_url=link,
                lang=lang,
                reason=recall.reason or None,
                payment_methods=self.other_methods(order, recall),
                hold_until=held,
            )
        except TemplateError as exc:  # the templates passed the check: it is this order's data
            raise BadOrder(f"cannot send reminder {n}: the email cannot be built from this order ({exc})") from None
        msgid = message_id_for(store_url=self.settings.store.url, order_id=order.id, step=n)
        try:
            message = build_message(
                rendered,
                to_addr=order.email,
                to_name=f"{order.first_name} {order.last_name}".strip(),
                from_addr=self.settings.mail.from_addr,
                reply_to=self.settings.reply_to,
                message_id=msgid,
                date=self.now,
                unsubscribe=self.settings.brand.support_email,
            )
        except MailRecipientRefused as exc:
            self.end(recall, NOT_CONTACTED, f"billing email cannot be mailed ({exc})", note=False)
            return
        if self.dry_run:
            self.say(
                order.id, f"would send reminder {n} of {recall.planned} to {recall.email_masked}: {rendered.subject!r}"
            )
            return
        if not self._may_write and not self.store.wrote:
            # A read-only key would mail the buyer and then fail on the note: find out before the tick's first email,
            # without writing anything (StoreReadOnly: exit 2, nothing sent). Quiet ticks never ask, nor ticks whose
            # pending notes (written before any email) already showed the key may write.
            failpoints.hit("before_write_probe")
            self.store.check_write()
            failpoints.hit("after_write_probe")
            self._may_write = True
        step = Step(n=n, state=CLAIMED, at=self.now.isoformat(), msgid=msgid)
        recall.steps.append(step)
        self.put(recall, durable=True)  # the claim (and all before it) is on disk before the message leaves
        failpoints.hit("after_claim")
        try:
            self.transport.send(message)
        except MailTemporaryError as exc:
            recall.steps.remove(step)
            self.put(recall, durable=True)  # a lost release would leave the step uncertain: never sent
            self.problem(order.id, f"reminder {n} deferred by the mail server, retried next tick ({exc})")
            return
        except MailUncertain as exc:
            step.state, step.why = UNCERTAIN, str(exc)
            self.put(recall)
            self.problem(order.id, f"reminder {n} may or may not have been delivered; it is not resent ({exc})")
            return
        except MailRecipientRefused as exc:
            step.state, step.why = SKIPPED, f"refused by the mail server: {exc}"
            privacy.suppress_refused(self.state, order.email, exc.reply or str(exc), now=self.now)
            outcome = ENDED_UNPAID if recall.sent_steps else NOT_CONTACTED
            self.end(recall, outcome, "the mail server refused the address", note=False)
            self.put(recall, durable=True)  # the refusal and the suppression (recorded before it) survive a crash
            failpoints.hit("after_refusal")
            self.problem(order.id, f"reminder {n} refused by the mail server; no more reminders ({exc})")
            return
        except MailAuthError:
            recall.steps.remove(step)
            self.put(recall, durable=True)
            raise
        except MailError as exc:
            recall.steps.remove(step)
            self.put(recall, durable=True)
            self.problem(order.id, f"reminder {n} not sent: {exc}")
            return
        failpoints.hit("after_send")
        step.state = SENT
        self._contacts[recall.email_hash].append(self.now)
        self._domain_sends[_domain(recall)].append(self.now)
        following = next_due(recall, self.policy, self.now).at
        recall.next_due = iso(self.fit(recall, following)[0] if following else None)
        self.put(recall)
        self.report.sent += 1
        self.say(order.id, f"sent reminder {n} of {recall.planned} to {recall.email_masked}")
        failpoints.hit("after_mark_sent")
        self._post_step_note(recall, step)

    def _sent_elsewhere(self, recall: Recall, n: int) -> bool:
        """Read the order's notes right before step `n` goes out: another state for this store (a second config)
        may have sent it since this recall opened. If its note shows the step, record it as sent by another state;
        if the notes cannot be read, the step waits for the next tick. True: do not send now.

        A recall opened in this tick had its notes read moments ago, and any step they showed was restored then:
        reading them again would cost a request per new buyer and show nothing newer."""
        if recall.id in self._notes_read:
            return False
        try:
            notes = self.store.get_notes(recall.id)
        except StoreAuthError:
            raise
        except StoreError as exc:
            self.problem(recall.id, f"reminder {n} not sent this tick: its notes could not be read to check ({exc})")
            return True
        for note in notes:
            text = str(note.get("note", "")) if isinstance(note, dict) else ""
            if text.startswith("wcrecall:") and any(tag.get("step") == str(n) for tag in parse_note_tags(text)):
                when = _note_time(note) or self.now
                msgid = message_id_for(store_url=self.settings.store.url, order_id=recall.id, step=n)
                why = "sent by another state for this store (order note)"
                recall.steps.append(Step(n=n, state=SENT, at=when.isoformat(), msgid=msgid, noted=True, why=why))
                self._contacts[recall.email_hash].append(when)
                following = next_due(recall, self.policy, self.now).at
                recall.next_due = iso(self.fit(recall, following)[0] if following else None)
                self.put(recall)
                self.say(recall.id, f"reminder {n} was already sent by another state for this store; not sent again")
                return True
        return False

    # -- who, where, when ---------------------------------------------------------------------------------------

    def _index_history(self) -> None:
        """Per-buyer contact times, per-domain sends of the last hour and recent failures by IP and email, from every
        recall in the state (one pass per tick)."""
        hour_ago = self.now - timedelta(hours=1)
        window = self.now - self.settings.guard.burst_window * 2 - self.policy.lookback
        for recall in self.state.recalls.values():
            for step in recall.steps:
                if step.state in (SENT, UNCERTAIN, CLAIMED):
                    when = from_iso(step.at)
                    if when is None:
                        continue
                    self._contacts[recall.email_hash].append(when)
                    if when > hour_ago:
                        self._domain_sends[_domain(recall)].append(when)
            created = from_iso(recall.created)
            if created is not None and created > window:
                if recall.ip_hash:
                    self._failures_by_ip[recall.ip_hash].append(created)
                if recall.email_hash:
                    self._failures_by_email[recall.email_hash].append(created)

    def _guard(self, order: Order, recall: Recall) -> str:
        """Why this buyer must not be mailed at all (crawler, disposable or blocked domain, card-testing burst)."""
        guard = self.settings.guard
        if recall.ip_hash:
            self._failures_by_ip[recall.ip_hash].append(order.date_created)
        self._failures_by_email[recall.email_hash].append(order.date_created)
        domain_reason = blocked_domain(order.email, guard.blocked_domains)
        if domain_reason:
            return domain_reason
        for label, times in (
            ("IP address", self._failures_by_ip.get(recall.ip_hash, [])),
            ("email", self._failures_by_email[recall.email_hash]),
        ):
            if not times or label == "IP address" and not recall.ip_hash:
                continue
            count = burst(times, order.date_created, guard.burst_window, guard.burst_failures)
            if count:
                reason = f"{count} failed orders from one {label} within {format_duration(guard.burst_window)} (card testing?)"
                self._end_burst(recall, label, reason)
                return reason
        return ""

    def _end_burst(self, recall: Recall, label: str, reason: str) -> None:
        """Open recalls that belong to the same burst stop too: they were card tests, not buyers."""
        for other in list(self.state.open_recalls()):
            same = other.ip_hash == recall.ip_hash if label == "IP address" else other.email_hash == recall.email_hash
            if same and other.id != recall.id:
                self.flag(other, reason, opened=False)

    def flag(self, recall: Recall, reason: str, *, opened: bool = True) -> None:
        """End as `do_not_contact`, with a private note so the owner sees why in WP admin: not contacted, or, for a
        buyer already reminded, ended unpaid (they were contacted)."""
        contacted = bool(recall.sent_steps)
        recall.reason = "do_not_contact"
        recall.outcome = ENDED_UNPAID if contacted else NOT_CONTACTED
        recall.end_reason, recall.ended = reason, self.now.isoformat()
        recall.next_due, recall.end_noted = None, False
        self.put(recall)
        if not opened:
            self.report.ended += 1
        self.say(recall.id, f"{'no more reminders' if contacted else 'not contacted'} (do not contact): {reason}")

    def _regional(self, order: Order, recall: Recall) -> str:
        """Language, time zone, country rules and hold stock for a new recall; a reason if the country rules forbid
        mailing."""
        regional = self.settings.regional
        rule = regional.countries.get(order.country)
        if rule is not None:
            if not rule.send:
                return f"country rules: orders from {order.country} are not mailed"
            recall.max_steps = rule.max_steps
        recall.lang = choose_language(
            meta=order.meta, country=order.country, state=order.state, default=regional.default_language
        ).lang
        recall.zone = buyer_zone(country=order.country, state=order.state, fallback=regional.store_timezone).zone.key
        if order.status == "pending" and order.created_via in ("checkout", "store-api"):
            recall.hold_minutes = self.hold_minutes()
            first = self.policy.delays.get("pending", (timedelta(0),))[0]
            recall.warning = hold_stock_warning(first, recall.hold_minutes)
        return ""

    def consent_and_language(self, order: Order, recall: Recall) -> str:
        """Checks that need the full order (its meta is not part of the sync's fields): the country's consent rule,
        and the language a multilingual plugin recorded. Returns a reason not to send, or ""."""
        rule = self.settings.regional.countries.get(order.country)
        consent = order.meta.get(rule.consent_meta, "") if rule is not None and rule.consent_meta else "yes"
        if consent.strip().lower() in ("", "0", "no", "false"):
            return f"country rules: no consent ({rule.consent_meta if rule else ''} is not set on the order)"
        recall.lang = choose_language(
            meta=order.meta, country=order.country, state=order.state, default=self.settings.regional.default_language
        ).lang
        return ""

    def hold_minutes(self) -> int:
        """WooCommerce's hold-stock time if stock management is on, read once per tick; 0 when off."""
        if self._hold_minutes is None:
            self._hold_minutes = self.store.hold_stock_minutes()
        return self._hold_minutes

    def fit(self, recall: Recall, at: datetime) -> tuple[datetime, tuple[str, ...]]:
        """`at` moved for the buyer's caps and quiet hours (contacts of this recall included)."""
        zone = _zone(recall.zone)
        deadline = hold_deadline(from_iso(recall.modified) or from_iso(recall.created), recall.hold_minutes)
        return fit(
            at,
            contacts=self._contacts.get(recall.email_hash, []),
            policy=self.policy,
            zone=zone,
            quiet=self.quiet(recall),
            now=self.now,
            deadline=deadline,
        )

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

    def quiet(self, recall: Recall) -> QuietHours:
        rule = self.settings.regional.countries.get(recall.country)
        return parse_quiet_hours(rule.quiet_hours if rule and rule.quiet_hours else self.settings.regional.quiet_hours)

    def _domain_full(self, recall: Recall) -> bool:
        throttle = self.settings.throttle
        domain = _domain(recall)
        cap = throttle.domain_caps.get(domain, throttle.domain_hourly_cap)
        if not cap:
            return False
        hour_ago = self.now - timedelta(hours=1)
        sent = [t for t in self._domain_sends.get(domain, []) if t > hour_ago]
        if len(sent) >= cap:
            self.say(recall.id, f"waits: {cap} emails to {domain} in the last hour (throttle)")
            return True
        return False

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
                self.problem(order.id, f"payment methods not listed in the email ({exc})")
                self._gateways = []
        return [
            str(g.get("title") or "").strip()
            for g in self._gateways
            if isinstance(g, dict)
            and g.get("enabled") is True
            and g.get("id") != order.payment_method
            and g.get("title")
        ]

    @property
    def renderer(self) -> Renderer:
        """Built and checked at the first email of the tick: a broken template stops the tick before any send,
        and a tick with nothing to send costs no template work."""
        if self._renderer is None:
            # Shared by the states of one folder: each compiled template is checked against its source's checksum.
            compiled = None if self.dry_run else self.state.path.parent / "wcrecall-compiled-templates"
            renderer = Renderer(brand=self.settings.brand, emails_dir=self.settings.emails_path, compiled_dir=compiled)
            steps = max((len(d) for d in (*self.policy.delays.values(), *self.policy.class_delays.values())), default=1)
            languages = sorted(
                {r.lang for r in self.state.open_recalls() if r.lang} | {self.settings.regional.default_language}
            )
            record = None if self.dry_run else self.state.path.with_name(self.state.path.name + ".templates-checked")
            renderer.check_once(steps=steps, languages=languages, record=record)
            self._renderer = renderer
        return self._renderer

    @property
    def transport(self) -> Transport:
        if self._transport is None:
            self._transport = self._transport_factory().__enter__()
        return self._transport

    # -- notes --------------------------------------------------------------------------------------------------

    def step_note(self, recall: Recall, step: Step) -> str:
        reason = f"; reason: {CLASS_LABELS.get(recall.reason, recall.reason)}" if recall.reason else ""
        return (
            f"wcrecall: payment reminder {step.n} of {recall.planned} sent to {recall.email_masked} "
            f"(Message-ID {step.msgid}){reason} {note_tag(step=step.n, state=step.state)}"
        )

    def _post_step_note(self, recall: Recall, step: Step) -> None:
        try:
            self.store.add_note(recall.id, self.step_note(recall, step))
        except (StoreAuthError, StoreDeadline):
            raise
        except StoreError as exc:
            self.problem(recall.id, f"note for reminder {step.n} not written, retried next tick ({exc})")
            return
        failpoints.hit("after_note")
        step.noted = True
        self.put(recall)

    def post_pending_notes(self) -> None:
        """Notes that failed earlier (or ends to record): written now, never by sending the email again."""
        for recall in list(self.state.recalls.values()):
            try:
                for step in recall.steps:
                    if step.state == SENT and not step.noted:
                        self._post_step_note(recall, step)
                if not recall.end_noted:
                    self.store.add_note(recall.id, self.end_note(recall))
                    recall.end_noted = True
                    self.put(recall)
            except (StoreAuthError, StoreDeadline):
                raise
            except StoreError as exc:
                self.problem(recall.id, f"note not written, retried next tick ({exc})")

    def put(self, recall: Recall, *, durable: bool = False) -> None:
        if not self.dry_run:
            self.state.put(recall, durable=durable)
        else:
            self.state.recalls[recall.id] = recall


def policy_for(settings: Settings) -> Policy:
    return Policy(
        statuses=settings.recall.statuses,
        lookback=settings.recall.lookback,
        delays=settings.recall.delays,
        class_delays=settings.routing.delays,
        min_gap=settings.throttle.min_gap,
        max_per_week=settings.throttle.max_per_week,
    )


def _domain(recall: Recall) -> str:
    return recall.email_masked.rpartition("@")[2].lower()


def _zone(name: str) -> ZoneInfo | None:
    try:
        return ZoneInfo(name) if name else None
    except (ZoneInfoNotFoundError, ValueError):
        return None


def _note_time(raw: dict[str, Any]) -> datetime | None:
    """A note's `date_created_gmt` as aware UTC; None when missing or malformed (notes are store data too)."""
    try:
        return parse_gmt(raw.get("date_created_gmt"), "note date", required=False)
    except BadOrder:
        return None


def to_notes(raw_notes: Iterable[Any]) -> list[Note]:
    """Order notes from the REST API (newest first) as the classifier reads them."""
    return [
        Note(text=raw["note"], author=str(raw.get("author", "")), date=_note_time(raw))
        for raw in raw_notes
        if isinstance(raw, dict) and isinstance(raw.get("note"), str)
    ]


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


def _short(moment: datetime | None) -> str:
    return moment.strftime("%Y-%m-%d %H:%M UTC") if moment else "never"


def run_tick(settings: Settings, *, now: datetime, **options: Any) -> TickReport:
    """Run one tick over one store and return what it did."""
    return Tick(settings, now=now, **options).run()


__all__ = ["Tick", "TickReport", "run_tick"]
