"""One tick of the recall loop, as the order of its effects: sync -> decide -> claim -> send -> mark -> note.

The order of effects for each step is what makes "never twice" hold:
claim the step durably -> hand the message to the mail server -> mark it sent -> post a private order note.
A claim found at start-up (the run died in between) becomes `uncertain` and is never resent.

Effects live in recall/: sync (changed orders), opening, deliver (mail answers), posting and notes (order notes, tags),
storefacts (asked once), rules (settings for the planner); a recall ends through `finish` (model/records.py).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from email.message import EmailMessage
from typing import Any

from wcrecall.config.settings import Settings
from wcrecall.i18n import _
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
)
from wcrecall.model.order import Order, parse_order
from wcrecall.model.progress import NoProgress, Progress
from wcrecall.model.records import (
    CLAIMED,
    NOT_CONTACTED,
    RECOVERED,
    RECOVERED_OUTCOMES,
    SENT,
    Recall,
    Step,
    finish,
    iso,
)
from wcrecall.plan.decide import ending, skip
from wcrecall.plan.history import History, recipient_domain
from wcrecall.plan.planner import Plan, confirm, plan
from wcrecall.recall import failpoints, notes, words
from wcrecall.recall.compose import compose
from wcrecall.recall.deliver import REFUSED, Delivery, Mailer, settle
from wcrecall.recall.deliver import UNCERTAIN as UNCERTAIN_DELIVERY
from wcrecall.recall.opening import Opening
from wcrecall.recall.posting import NoteWriter
from wcrecall.recall.rules import history_horizon, may_be_due, not_due_yet, policy_for, rules_for, rules_key
from wcrecall.recall.storefacts import StoreFacts
from wcrecall.recall.sync import Sync
from wcrecall.recall.tickreport import TickReport, unexpected
from wcrecall.render.renderer import Renderer
from wcrecall.state import privacy
from wcrecall.state.db import RunLock, State
from wcrecall.store.api import StoreApi, open_store


class Tick:
    """One run over one store. `run()` never raises for a single order's trouble; it records a problem and goes on."""

    def __init__(
        self,
        settings: Settings,
        *,
        now: datetime,
        dry_run: bool = False,
        baseline: bool = False,
        store: StoreApi | None = None,
        renderer: Renderer | None = None,
        transport_factory: Callable[[], Transport] | None = None,
        progress: Progress | None = None,
    ) -> None:
        self.settings = settings
        self.now = now
        self.dry_run = dry_run
        self.baseline = baseline
        self.store = store or open_store(
            settings, max_retry_time=settings.store.max_retry_time, max_tick_time=settings.store.max_tick_time
        )
        self.policy = policy_for(settings)
        self.rules = rules_for(settings)
        self.report = TickReport()
        self._secrets = (settings.store.consumer_secret, settings.store.access_token_secret, settings.mail.password)
        self.state: State = State.of(settings, read_only=dry_run)
        self.history = History()  # the buyers' contacts, open recalls and recent failures (plan/history.py)
        self._planned: dict[int, Plan] = {}  # plans made when recalls opened in this tick, for their first send
        self._notes_read: set[int] = set()  # orders whose notes this tick read when their recall opened
        self.facts = StoreFacts(self.store, settings, self.rules, self.problem)  # asked once per tick
        self.posting = NoteWriter(self.store, self.state, self.put, self.problem)
        self.opening = Opening(self, planned=self._planned, notes_read=self._notes_read)
        self._compact, self._retention = False, settings.state.retention
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

    def say(self, order_id: int | str, text: str, **fields: object) -> None:
        self.report.say(order_id, text, fields)

    def problem(self, order_id: int | str | None, text: str, **fields: object) -> None:
        self.report.problem(order_id, text, fields)

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
        # The open and recent ended recalls; the archive of older ones only when the retention drops some of it.
        self.state.load(history=False, prune_before=self.now - self._retention, aside=True)
        for text in self.state.problems:
            self.problem(None, text)
        try:
            for recall in self.state.open_recalls():
                self.history.index(recall)
            self._index_history()
            with self.store.session():
                # A sync that stops part-way raises: the watermark stays where it was, so the next tick reads it again.
                self.sync()
                self.posting.post_pending()  # first what the sync ended: a read-only key stops here, before any email
                self.send_due()
                self.posting.post_pending()  # then what the sends ended
                # Dropped recalls must leave the journal too: fold it into the snapshot when any were dropped.
                self._compact = privacy.prune(self.state, self.now, self._retention) > 0
        finally:
            self.mail.close()
            self.state.save(compact=self._compact, archive_before=self.now - history_horizon(self.settings))
            self.state.close()

    # -- sync ---------------------------------------------------------------------------------------------------

    def sync(self) -> None:
        Sync(self).run()

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
        """Apply what the sync learned about one order (recall/opening.py)."""
        self.opening.handle(order)

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
        note = notes.wants_end_note(recall, outcome, asked=note)
        finish(recall, outcome, reason, self.now, paid_at=paid_at, paid_order=paid_order, note=note)
        self.put(recall)
        self.ended(recall)

    def ended(self, recall: Recall) -> None:
        self.report.ended += 1
        if recall.outcome in RECOVERED_OUTCOMES:
            self.report.recovered += 1
        self.say(recall.id, _("recall ended: {outcome} ({reason})"), outcome=words.outcome_label(recall.outcome), reason=recall.end_reason)  # fmt: skip

    # -- sending ------------------------------------------------------------------------------------------------

    def send_due(self) -> None:
        """Plan and send every open recall that may be due (recall/rules.py `not_due_yet` says which may not be)."""
        key = rules_key(self.rules)
        same_rules = self.state.meta.get("plan_rules") == key
        for recall in may_be_due(self.state.open_recalls(), self.now, same_rules=same_rules, planned=self._planned):
            if same_rules and recall.id not in self._planned and not_due_yet(recall, self.now):
                continue
            try:
                self._advance(recall)
            except (StoreAuthError, StoreDeadline, MailAuthError, TemplateError):
                raise
            except WcrecallError as exc:
                self.problem(recall.id, str(exc))
            except Exception as exc:  # noqa: BLE001  # the safety net: one order never stops the others
                self.problem(recall.id, _("reminder not sent: {problem}"), problem=unexpected(exc, self._secrets))
        if not same_rules and not self.dry_run:
            self.state.set_meta(plan_rules=key)

    def _advance(self, recall: Recall) -> None:
        planned = self._planned.pop(recall.id, None) or self._plan(recall)
        for n, why in planned.skipped:
            skip(recall, n, why, self.now)
            self.say(recall.id, _("reminder {n} skipped: {why}"), n=n, why=why)
        if planned.end is not None:
            self.end(recall, planned.end.outcome, planned.end.reason, note=False)
            return
        if planned.step is None or planned.at is None:
            recall.next_due = None
            if planned.skipped:
                self.put(recall)
            return
        if planned.waits:
            self.say(recall.id, _("waits: {waits}"), waits=planned.waits)  # the next tick sends it
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
        # Claimed first once the key is known to write, its fsync running while the order is read again (put_soon).
        claim = self._claim(recall, n) if not self.dry_run and self.posting.checked else None
        ready = None
        try:
            ready = self._prepare(recall, planned, n)
        finally:
            if claim is not None and ready is None:
                self.put(recall, durable=True)
        if ready is None:
            return
        order, planned, message = ready
        claim = claim or self._claim(recall, n)
        recall.steps.append(claim)
        self.put(recall)
        self.state.wait_durable()
        failpoints.hit("after_claim")
        delivery = self.mail.send(message)
        if not delivery.sent:
            self._not_delivered(recall, claim, order, delivery)
            return
        failpoints.hit("after_send")
        claim.state = SENT
        self.history.mailed(recall, self.now)
        self._replan(recall)
        recall.next_due = iso(planned.following)
        self.put(recall)
        self.report.reminded(order.id, n)
        self.say(order.id, _("sent reminder {n} of {planned} to {email}"), n=n, planned=recall.planned, email=recall.email_masked)  # fmt: skip
        failpoints.hit("after_mark_sent")
        self.posting.post_step_note(recall, claim)

    def _prepare(self, recall: Recall, planned: Plan, n: int) -> tuple[Order, Plan, EmailMessage] | None:
        """The order read again, the plan confirmed and the email built; None when step `n` is not sent now."""
        try:
            order = parse_order(self.store.get_order(recall.id))
        except BadOrder as exc:
            raise BadOrder(f"cannot send reminder {n}: {exc}") from None
        end = ending(order)
        if end is not None:
            self.end(recall, end[0], end[1], paid_at=order.date_paid or self.now if end[0] == RECOVERED else None)
            return None
        if self._sent_elsewhere(recall, n):
            return None
        hold = self.facts.hold_minutes() if recall.hold_minutes and order.status == "pending" else 0
        planned = confirm(planned, recall, order, history=self.history, rules=self.facts.rules_for(order), now=self.now,
                          hold_minutes=hold, suppressed=privacy.blocked(self.state, order.email))  # fmt: skip
        if planned.end is not None:
            self.end(recall, planned.end.outcome, planned.end.reason, note=False)
            return None
        recall.modified = order.date_modified.isoformat()
        recall.lang, recall.hold_minutes = planned.lang, planned.hold_minutes
        if not planned.send_now:  # hold stock cancels the order too soon for this reminder to help
            too_late = planned.skipped[-1][1]
            skip(recall, n, too_late, self.now)
            recall.next_due = iso(planned.following)
            self.put(recall)
            self.say(recall.id, _("reminder {n} skipped: {why}"), n=n, why=too_late)
            return None
        renderer = self.renderer  # built and checked at the first email: a broken template stops the tick
        try:
            built = compose(self.settings, renderer, order, planned, n, hosts=self.facts.site_hosts(order.payment_url),
                            payment_methods=self.facts.other_methods(order, recall), now=self.now)  # fmt: skip
        except MailRecipientRefused as exc:
            self.end(recall, NOT_CONTACTED, f"billing email cannot be mailed ({exc})", note=False)
            return None
        if self.dry_run:
            subject = built.rendered.subject
            self.say(order.id, _("would send reminder {n} of {planned} to {email}: {subject!r}"), n=n, planned=recall.planned,
                     email=recall.email_masked, subject=subject)  # fmt: skip
            return None
        self.posting.check_write()  # the tick's first email: before anything is claimed
        return order, planned, built.message

    def _claim(self, recall: Recall, n: int) -> Step:
        """Step `n` claimed in the journal, on disk soon with all before it (`State.put_soon`)."""
        step = Step(n=n, state=CLAIMED, at=self.now.isoformat(),
                    msgid=message_id_for(store_url=self.settings.store.url, order_id=recall.id, step=n))  # fmt: skip
        self.state.put_soon(recall, step)
        return step

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
            self.problem(recall.id, _("reminder {n} not sent this tick: its notes could not be read to check ({problem})"), n=n, problem=exc)  # fmt: skip
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
        self.say(recall.id, _("reminder {n} was already sent by another state for this store; not sent again"), n=n)
        return True

    # -- who, where, when ---------------------------------------------------------------------------------------

    def _index_history(self) -> None:
        """Per-buyer contact times, per-domain sends of the last hour and recent failures by IP and email, from every
        recall in the state (one pass per tick); the open recalls were indexed by buyer before."""
        since = self.now - self.settings.guard.burst_window * 2 - self.policy.lookback
        self.history.add(self.state.recalls.values(), now=self.now, failures_since=since)

    @property
    def renderer(self) -> Renderer:
        """Built and checked at the first email of the tick (recall/deliver.py `Mailer`)."""
        return self.mail.renderer

    # -- saving -------------------------------------------------------------------------------------------------

    def put(self, recall: Recall, *, durable: bool = False) -> None:
        if not self.dry_run:
            self.state.put(recall, durable=durable)
        else:
            self.state.recalls[recall.id] = recall


def run_tick(settings: Settings, *, now: datetime, report: TickReport | None = None, **options: Any) -> TickReport:
    """Run one tick over one store and return what it did. An error that stops the tick is raised; what it did until
    then is in `report` (pass one in to read it then)."""
    tick = Tick(settings, now=now, **options)
    if report is not None:
        tick.report = report
    return tick.run()


__all__ = ["Tick", "TickReport", "run_tick", "unexpected"]
