"""One tick of the recall loop, as the order of its effects: sync -> decide -> claim -> send -> mark -> note.

The order of effects for each step is what makes "never twice" hold:
claim the step durably -> hand the message to the mail server -> mark it sent -> post a private order note.
A claim found at start-up (the run died in between) becomes `uncertain` and is never resent.

The effects have their own modules: reading the changed orders in recall/sync.py, the mail server's answers in
recall/deliver.py, the wording and tags of order notes in recall/notes.py; a recall ends through `finish`
(model/records.py).
"""

from __future__ import annotations

import hmac
import logging
import traceback
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from wcrecall.config.settings import Settings, format_duration
from wcrecall.mail.transport import Transport, build_message, message_id_for
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
    SKIPPED,
    SUPERSEDED,
    UNCERTAIN,
    Recall,
    Step,
    finish,
    from_iso,
    iso,
)
from wcrecall.plan.classify import CLASS_LABELS, classify_order
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
from wcrecall.recall import failpoints, notes
from wcrecall.recall.deliver import REFUSED, Delivery, Mailer, settle
from wcrecall.recall.deliver import UNCERTAIN as UNCERTAIN_DELIVERY
from wcrecall.recall.notes import to_notes
from wcrecall.recall.sync import Sync
from wcrecall.render.renderer import Renderer, format_hold_until
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
        self.report = TickReport()
        self._secrets = (settings.store.consumer_secret, settings.mail.password)
        self.state: State = State.of(settings, read_only=dry_run)
        self._by_email: dict[str, set[int]] = defaultdict(set)
        self._by_customer: dict[int, set[int]] = defaultdict(set)
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
        finish(recall, NOT_CONTACTED, why, self.now)
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
            finish(recall, NOT_CONTACTED, refusal, self.now)
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
                finish(recall, SUPERSEDED, f"newer order #{sibling.number} for the same cart", self.now)
                recall.superseded_by = sibling.id
                self.put(recall)
                return
        if self.baseline:
            finish(recall, BASELINE, "adopted by --baseline", self.now)
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
            format_hold_until(deadline, _zone(recall.zone), self.now, lang, order.country)
            if deadline and deadline > self.now
            else ""
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
        delivery = self.mail.send(message)
        if not delivery.sent:
            self._not_delivered(recall, step, order, delivery)
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
        self._contacts[recall.email_hash].append(when)
        following = next_due(recall, self.policy, self.now).at
        recall.next_due = iso(self.fit(recall, following)[0] if following else None)
        self.put(recall)
        self.say(recall.id, f"reminder {n} was already sent by another state for this store; not sent again")
        return True

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
        finish(recall, ENDED_UNPAID if contacted else NOT_CONTACTED, reason, self.now, note=True)
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


def _domain(recall: Recall) -> str:
    return recall.email_masked.rpartition("@")[2].lower()


def _zone(name: str) -> ZoneInfo | None:
    try:
        return ZoneInfo(name) if name else None
    except (ZoneInfoNotFoundError, ValueError):
        return None


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
