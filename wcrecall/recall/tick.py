"""One tick of the recall loop, as the order of its effects: sync -> decide -> claim -> send -> mark -> note.

The order of effects for each step is what makes "never twice" hold:
claim the step durably -> hand the message to the mail server -> mark it sent -> post a private order note.
A claim found at start-up (the run died in between) becomes `uncertain` and is never resent.

The effects have their own modules: reading the changed orders in recall/sync.py, the mail server's answers in
recall/deliver.py, the wording and tags of order notes in recall/notes.py; a recall ends through `finish`
(model/records.py).
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import traceback
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from wcrecall import __version__
from wcrecall.config.settings import Settings
from wcrecall.mail.transport import Transport, message_id_for
from wcrecall.model.errors import (
    BadOrder,
    MailAuthError,
    MailRecipientRefused,
    StoreAuthError,
    StoreDeadline,
    StoreError,
    TemplateError,
    WcrecallError,
    hide,
)
from wcrecall.model.order import PAID_STATUSES, Order, mask_email, parse_order
from wcrecall.model.progress import NoProgress, Progress
from wcrecall.model.records import (
    BASELINE,
    CLAIMED,
    ENDED_UNPAID,
    NOT_CONTACTED,
    OPEN,
    RECOVERED,
    RECOVERED_NEW_ORDER,
    RECOVERED_OUTCOMES,
    SENT,
    SUPERSEDED,
    Recall,
    Step,
    finish,
    from_iso,
    iso,
)
from wcrecall.plan.classify import CLASS_LABELS, classify_order
from wcrecall.plan.decide import (
    Policy,
    ending,
    is_newer_paid_order,
    skip,
)
from wcrecall.plan.history import History, recipient_domain
from wcrecall.plan.paylink import host_of, reported_hosts
from wcrecall.plan.planner import End, Plan, Rules, admission, carry, confirm, holds_stock, plan, screen
from wcrecall.plan.planner import other_methods as suggested_methods
from wcrecall.recall import failpoints, notes
from wcrecall.recall.compose import compose
from wcrecall.recall.deliver import REFUSED, Delivery, Mailer, settle
from wcrecall.recall.deliver import UNCERTAIN as UNCERTAIN_DELIVERY
from wcrecall.recall.notes import to_notes
from wcrecall.recall.sync import Sync
from wcrecall.render.renderer import Renderer
from wcrecall.state import privacy
from wcrecall.state.db import RunLock, State
from wcrecall.store.client import Store

log = logging.getLogger(__name__)


def unexpected(exc: Exception, secrets: Iterable[str] = ()) -> str:
    """An unforeseen error as one line for the owner, `secrets` hidden; its traceback is logged (shown with -v)."""
    log.info("%s", hide(traceback.format_exc(), secrets).rstrip())
    text = " ".join(hide(str(exc), secrets).split())[:200]
    return f"unexpected error ({type(exc).__name__}{': ' + text if text else ''})"


@dataclass
class TickReport:
    """What a tick did: printed with -v. An error that stops the tick is raised, not kept here (the CLI's one error
    boundary turns it into a message and an exit code); what the tick did until then stays here."""

    opened: int = 0
    sent: int = 0
    ended: int = 0
    recovered: int = 0
    problems: list[str] = field(default_factory=list)
    lines: list[str] = field(default_factory=list)

    @property
    def exit_code(self) -> int:
        """Of a tick that finished: 1 when an order (or the state file) had a problem, the others processed."""
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
        self.policy = policy_for(settings)
        self.rules = rules_for(settings)
        self.report = TickReport()
        self._secrets = (settings.store.consumer_secret, settings.mail.password)
        self.state: State = State.of(settings, read_only=dry_run)
        self.history = History()  # the buyers' contacts, open recalls and recent failures (plan/history.py)
        self._planned: dict[int, Plan] = {}  # plans made when recalls opened in this tick, for their first send
        self._gateways: list[Any] | None = None
        self._hold_minutes: int | None = None
        self._notes_read: set[int] = set()  # orders whose notes this tick read when their recall opened
        self._reported_hosts: set[str] | None = None
        self._may_write = False  # the key's write permission, checked before the tick's first email
        self._compact = False
        self.progress = progress or NoProgress()
        self.mail = Mailer(
            settings,
            steps=max((len(d) for d in (*self.policy.delays.values(), *self.policy.class_delays.values())), default=1),
            languages=lambda: (r.lang for r in self.state.open_recalls() if r.lang),
            record=None if dry_run else self.state.path.with_name(self.state.path.name + ".templates-checked"),
            renderer=renderer,
            transport_factory=transport_factory,
        )

    # -- reporting ----------------------------------------------------------------------------------------------

    def say(self, order_id: int | str, text: str) -> None:
        self.report.lines.append(f"order {order_id}: {text}")

    def problem(self, order_id: int | str | None, text: str) -> None:
        self.report.problems.append(f"order {order_id}: {text}" if order_id is not None else text)

    def unforeseen(self, exc: Exception) -> str:
        return unexpected(exc, self._secrets)

    # -- the tick -----------------------------------------------------------------------------------------------

    def run(self) -> TickReport:
        """The tick; an error that stops it (lock held, store down, key refused) is raised after the state is saved
        and the lock released, and `self.report` keeps what was done until then."""
        lock = RunLock(self.settings.state_path)
        if not self.dry_run:
            lock.__enter__()
        try:
            self._run_locked()
        finally:
            if not self.dry_run:
                lock.__exit__(None, None, None)
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
                # A sync that stops part-way raises: the watermark stays where it was, so the next tick reads it again.
                self.sync()
                self.post_pending_notes()  # first what the sync ended: a read-only key stops here, before any email
                self.send_due()
                self.post_pending_notes()  # then what the sends ended
                # Dropped recalls must leave the journal too: fold it into the snapshot when any were dropped.
                self._compact = privacy.prune(self.state, self.now, self.settings.state.retention) > 0
        finally:
            self.mail.close()
            self.state.save(compact=self._compact)
            self.state.close()

    # -- sync ---------------------------------------------------------------------------------------------------

    def sync(self) -> None:
        Sync(self).run()

    def _index(self, recall: Recall) -> None:
        self.history.index(recall)

    def _plan(self, recall: Recall, **given: Any) -> Plan:
        return plan(recall, history=self.history, rules=self.rules, now=self.now, **given)

    def _replan(self, mailed: Recall) -> None:
        """An email to this buyer went out: plans made before it for the same buyer or domain are stale (caps,
        throttle)."""
        domain = recipient_domain(mailed)
        for rid in list(self._planned):
            other = self.state.recalls.get(rid)
            if other is None or other.email_hash == mailed.email_hash or recipient_domain(other) == domain:
                del self._planned[rid]

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
                recall.next_due = None  # planned again below: the hold-stock deadline follows the last change
                self.put(recall)
        if order.status in PAID_STATUSES:
            self._recovered_by_new_order(order, email_hash)
        if recall is None and order.status in self.policy.statuses:
            refusal = admission(order, self.rules, self.now, suppressed=privacy.blocked(self.state, order.email))
            if refusal is None:
                self.open(order, email_hash)
            elif refusal.record:
                self.not_contacted(order, email_hash, refusal.reason)

    def _recovered_by_new_order(self, order: Order, email_hash: str) -> None:
        for rid in sorted(self.history.buyer_recalls(email_hash, order.customer_id)):
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
        return draft_recall(order, self.state, email_hash=email_hash, now=self.now, policy=self.policy)

    def not_contacted(self, order: Order, email_hash: str, why: str) -> None:
        recall = self._new_recall(order, email_hash)
        finish(recall, NOT_CONTACTED, why, self.now)
        self.put(recall)
        self.say(order.id, f"not contacted: {why}")

    def open(self, order: Order, email_hash: str) -> None:
        recall = self._new_recall(order, email_hash)
        self.history.failed(recall, order.date_created)
        blocked = screen(order, recall, self.history, self.rules)  # before reading its notes: no request for a bot
        if blocked is not None:
            self._refuse(recall, blocked)
            return
        notes = self.store.get_notes(order.id)
        self._notes_read.add(order.id)
        self._restore_from_notes(recall, notes)
        verdict = classify_order(status=order.status, payment_method=order.payment_method, notes=to_notes(notes))
        recall.reason, recall.reason_rule = verdict.failure_class, verdict.rule
        if recall.outcome != OPEN:
            self.put(recall)
            return
        hold = self.hold_minutes() if holds_stock(order) else 0
        planned = self._plan(recall, order=order, new=True, hold_minutes=hold, rule=verdict.rule, at_send=False)
        if planned.end is not None and planned.end.refused:
            self._refuse(recall, planned.end)  # routing or the country rules
            return
        recall.lang, recall.zone, recall.hold_minutes = planned.lang, planned.zone, planned.hold_minutes
        recall.max_steps, recall.warning, recall.planned = planned.max_steps, planned.warning, planned.total_steps
        sibling = self.history.sibling(recall, self.state.recalls)
        carried, superseded = carry(recall, sibling)
        if sibling is not None:
            if superseded is None:
                # The buyer retried the same cart in a new order: the newest order carries the recall.
                recall.steps, recall.created = carried.steps, carried.created
                self.end(sibling, SUPERSEDED, f"newer order #{order.number} for the same cart", note=False)
                sibling.superseded_by = order.id
                self.put(sibling)
            else:
                finish(recall, SUPERSEDED, superseded.reason, self.now)
                recall.superseded_by = sibling.id
                self.put(recall)
                return
        if self.baseline:
            finish(recall, BASELINE, "adopted by --baseline", self.now)
            self.put(recall)
            self.say(order.id, "adopted without mailing (--baseline)")
            return
        if sibling is None:
            self._planned[recall.id] = planned  # its first send in this tick plans nothing again
        else:
            planned = self._plan(recall)  # the steps the older order sent count
        recall.next_due = iso(planned.at or planned.due)
        self.put(recall)
        self._index(recall)
        self.report.opened += 1
        reason = f", {CLASS_LABELS.get(recall.reason, recall.reason)}" if recall.reason else ""
        self.say(
            order.id,
            f"recall opened ({order.status}{reason}, {recall.planned} reminders in {recall.lang}; next due "
            f"{_short(planned.at or planned.due)})",
        )
        if recall.warning:
            self.say(order.id, recall.warning)

    def _restore_from_notes(self, recall: Recall, raw_notes: Iterable[Any]) -> None:
        notes.restore(recall, raw_notes, self.now)

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
        """End `recall` (model/records.py `finish`), save it and report it. `note`: an end note is written to the order
        when the buyer paid after a reminder (other ends are noted where they happen, or not at all)."""
        note = note and bool(recall.sent_steps) and outcome in RECOVERED_OUTCOMES
        finish(recall, outcome, reason, self.now, paid_at=paid_at, paid_order=paid_order, note=note)
        self.put(recall)
        self.ended(recall)

    def ended(self, recall: Recall) -> None:
        self.report.ended += 1
        if recall.outcome in RECOVERED_OUTCOMES:
            self.report.recovered += 1
        self.say(recall.id, f"recall ended: {recall.outcome.replace('_', ' ')} ({recall.end_reason})")

    # -- sending ------------------------------------------------------------------------------------------------

    def send_due(self) -> None:
        """Plan and send every open recall that may be due. One whose stored next step is still ahead, planned under
        the same rules, is left alone: the caps and quiet hours only ever move a step later, and a change to its
        order clears the stored time. Changed rules (settings or version) re-plan them all once."""
        rules_key = hashlib.sha256(f"{__version__} {self.rules!r}".encode()).hexdigest()[:16]
        same_rules = self.state.meta.get("plan_rules") == rules_key
        for recall in sorted(self.state.open_recalls(), key=lambda r: (r.next_due or "", r.id)):
            if same_rules and recall.id not in self._planned and _ahead(recall.next_due, self.now):
                continue
            try:
                self._advance(recall)
            except (StoreAuthError, StoreDeadline, MailAuthError, TemplateError):
                raise
            except WcrecallError as exc:
                self.problem(recall.id, str(exc))
            except Exception as exc:  # noqa: BLE001  # the safety net: one order never stops the others
                self.problem(recall.id, f"reminder not sent: {unexpected(exc, self._secrets)}")
        if not same_rules and not self.dry_run:
            self.state.set_meta(plan_rules=rules_key)

    def _advance(self, recall: Recall) -> None:
        planned = self._planned.pop(recall.id, None) or self._plan(recall)
        for n, why in planned.skipped:
            skip(recall, n, why, self.now)
            self.say(recall.id, f"reminder {n} skipped: {why}")
        if planned.end is not None:
            self.end(recall, planned.end.outcome, planned.end.reason, note=False)
            return
        if planned.step is None or planned.at is None:
            recall.next_due = None
            if planned.skipped:
                self.put(recall)
            return
        if planned.waits:
            self.say(recall.id, f"waits: {planned.waits}")  # the next tick sends it
            if planned.skipped:
                self.put(recall)
            return
        if not planned.send_now:
            if recall.next_due != iso(planned.at) or planned.skipped:
                recall.next_due = iso(planned.at)
                self.put(recall)
            return
        self.send_step(recall, planned)

    def send_step(self, recall: Recall, planned: Plan) -> None:
        n = planned.step
        assert n is not None
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
        hold = self.hold_minutes() if recall.hold_minutes and order.status == "pending" else 0
        planned = confirm(planned, recall, order, history=self.history, rules=self.rules, now=self.now,
                          hold_minutes=hold, suppressed=privacy.blocked(self.state, order.email))  # fmt: skip
        if planned.end is not None:
            self.end(recall, planned.end.outcome, planned.end.reason, note=False)
            return
        recall.modified = order.date_modified.isoformat()
        recall.lang, recall.hold_minutes = planned.lang, planned.hold_minutes
        if not planned.send_now:  # hold stock cancels the order too soon for this reminder to help
            too_late = planned.skipped[-1][1]
            skip(recall, n, too_late, self.now)
            recall.next_due = iso(planned.following)
            self.put(recall)
            self.say(recall.id, f"reminder {n} skipped: {too_late}")
            return
        renderer = self.renderer  # built and checked at the first email: a broken template stops the tick
        try:
            built = compose(self.settings, renderer, order, planned, n, hosts=self.site_hosts(order.payment_url),
                            payment_methods=self.other_methods(order, recall), now=self.now)  # fmt: skip
        except MailRecipientRefused as exc:
            self.end(recall, NOT_CONTACTED, f"billing email cannot be mailed ({exc})", note=False)
            return
        rendered, message, msgid = built.rendered, built.message, built.msgid
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
        delivery = self.mail.send(message)
        if not delivery.sent:
            self._not_delivered(recall, step, order, delivery)
            return
        failpoints.hit("after_send")
        step.state = SENT
        self.history.mailed(recall, self.now)
        self._replan(recall)
        recall.next_due = iso(planned.following)
        self.put(recall)
        self.report.sent += 1
        self.say(order.id, f"sent reminder {n} of {recall.planned} to {recall.email_masked}")
        failpoints.hit("after_mark_sent")
        self._post_step_note(recall, step)

    def _not_delivered(self, recall: Recall, step: Step, order: Order, delivery: Delivery) -> None:
        """The mail server did not take the message (recall/deliver.py says what that means for the step)."""
        line = settle(recall, step, delivery, email=order.email, state=self.state, now=self.now)
        # Durable: a lost release would leave the step uncertain (never sent); a refusal and its suppression survive.
        self.put(recall, durable=delivery.outcome != UNCERTAIN_DELIVERY)
        if delivery.outcome == REFUSED:
            self.ended(recall)
            failpoints.hit("after_refusal")
        delivery.stop()
        self.problem(order.id, line)

    def _sent_elsewhere(self, recall: Recall, n: int) -> bool:
        """Read the order's notes right before step `n` goes out: another state for this store (a second config)
        may have sent it since this recall opened. If its note shows the step, record it as sent by another state;
        if the notes cannot be read, the step waits for the next tick. True: do not send now.

        A recall opened in this tick had its notes read moments ago, and any step they showed was restored then:
        reading them again would cost a request per new buyer and show nothing newer."""
        if recall.id in self._notes_read:
            return False
        try:
            raw_notes = self.store.get_notes(recall.id)
        except StoreAuthError:
            raise
        except StoreError as exc:
            self.problem(recall.id, f"reminder {n} not sent this tick: its notes could not be read to check ({exc})")
            return True
        when = notes.step_noted(raw_notes, n, self.now)
        if when is None:
            return False
        msgid = message_id_for(store_url=self.settings.store.url, order_id=recall.id, step=n)
        why = "sent by another state for this store (order note)"
        recall.steps.append(Step(n=n, state=SENT, at=when.isoformat(), msgid=msgid, noted=True, why=why))
        self.history.contacts[recall.email_hash].append(when)
        self._replan(recall)
        recall.next_due = iso(self._plan(recall).at)
        self.put(recall)
        self.say(recall.id, f"reminder {n} was already sent by another state for this store; not sent again")
        return True

    # -- who, where, when ---------------------------------------------------------------------------------------

    def _index_history(self) -> None:
        """Per-buyer contact times, per-domain sends of the last hour and recent failures by IP and email, from every
        recall in the state (one pass per tick); the open recalls were indexed by buyer before."""
        since = self.now - self.settings.guard.burst_window * 2 - self.policy.lookback
        self.history.add(self.state.recalls.values(), now=self.now, failures_since=since)

    def _refuse(self, recall: Recall, refusal: End) -> None:
        """A new recall refused as it opens: flagged do-not-contact (guard, routing; a card-testing burst ends the
        buyer's other open recalls too), or not contacted (country rules)."""
        if refusal.burst:
            self._end_burst(recall, refusal.burst, refusal.reason)
        if refusal.flag:
            self.flag(recall, refusal.reason)
            return
        recall.outcome, recall.end_reason, recall.ended = refusal.outcome, refusal.reason, self.now.isoformat()
        self.put(recall)
        self.say(recall.id, f"not contacted: {refusal.reason}")

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
        finish(recall, ENDED_UNPAID if contacted else NOT_CONTACTED, reason, self.now, note=True)
        self.put(recall)
        if not opened:
            self.report.ended += 1
        self.say(recall.id, f"{'no more reminders' if contacted else 'not contacted'} (do not contact): {reason}")

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
                self.problem(order.id, f"payment methods not listed in the email ({exc})")
                self._gateways = []
        return suggested_methods(self._gateways, order.payment_method, recall.reason, self.rules)

    @property
    def renderer(self) -> Renderer:
        """Built and checked at the first email of the tick (recall/deliver.py `Mailer`)."""
        return self.mail.renderer

    # -- notes --------------------------------------------------------------------------------------------------

    def _post_step_note(self, recall: Recall, step: Step) -> None:
        try:
            self.store.add_note(recall.id, notes.step_note(recall, step))
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
            steps, end_due = notes.pending(recall)
            try:
                for step in steps:
                    self._post_step_note(recall, step)
                if end_due:
                    self.store.add_note(recall.id, notes.end_note(recall))
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


def draft_recall(order: Order, state: State, *, email_hash: str, now: datetime, policy: Policy) -> Recall:
    """The recall a new order gets, before the planner decides on it (hashes keyed by the state's key)."""
    group = ""
    if order.cart_hash:
        key = bytes.fromhex(state.meta["hash_key"])
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
        opened=now.isoformat(),
        modified=order.date_modified.isoformat(),
        group=group,
        planned=len(policy.delays.get(order.status, ())),
        ip_hash=state.email_hash(f"ip:{order.customer_ip}") if order.customer_ip else "",
    )


def rules_for(settings: Settings) -> Rules:
    """The settings the planner reads, as plain values."""
    regional, guard, throttle, routing = settings.regional, settings.guard, settings.throttle, settings.routing
    return Rules(
        policy=policy_for(settings),
        default_language=regional.default_language,
        store_timezone=regional.store_timezone,
        quiet_hours=regional.quiet_hours,
        countries=regional.countries,
        blocked_domains=guard.blocked_domains,
        burst_window=guard.burst_window,
        burst_failures=guard.burst_failures,
        no_email=routing.no_email,
        suggest_methods=routing.suggest_methods,
        domain_hourly_cap=throttle.domain_hourly_cap,
        domain_caps=throttle.domain_caps,
    )


def _ahead(next_due: str | None, now: datetime) -> bool:
    due = from_iso(next_due)
    return due is not None and due > now


def _short(moment: datetime | None) -> str:
    return moment.strftime("%Y-%m-%d %H:%M UTC") if moment else "never"


def run_tick(settings: Settings, *, now: datetime, report: TickReport | None = None, **options: Any) -> TickReport:
    """Run one tick over one store and return what it did. An error that stops the tick is raised; what it did until
    then is in `report` (pass one in to read it then)."""
    tick = Tick(settings, now=now, **options)
    if report is not None:
        tick.report = report
    return tick.run()


__all__ = ["Tick", "TickReport", "run_tick"]
