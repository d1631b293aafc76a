"""What the mail server's answer means for a claimed step (recall/deliver.py): sent, deferred, uncertain, refused,
failed or stopped, and what each leaves on the recall and in the suppression list.

The end-to-end behaviour over a real SMTP server is in test_mail_faults.py; here each answer is raised by a stand-in
transport so every branch of the mapping is checked on its own.
"""

from __future__ import annotations

from datetime import UTC, datetime
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import pytest

from wcrecall.model.errors import (
    MailAuthError,
    MailError,
    MailRecipientRefused,
    MailSenderRefused,
    MailSenderSetupError,
    MailTemporaryError,
    MailUncertain,
)
from wcrecall.model.records import CLAIMED, ENDED_UNPAID, NOT_CONTACTED, OPEN, SENT, SKIPPED, Recall, Step
from wcrecall.model.records import UNCERTAIN as STEP_UNCERTAIN
from wcrecall.recall.deliver import (
    DEFERRED,
    FAILED,
    REFUSED,
    STOPPED,
    UNCERTAIN,
    Delivery,
    deliver,
    settle,
)
from wcrecall.recall.deliver import SENT as DELIVERED
from wcrecall.state.db import State
from wcrecall.state.privacy import blocked

NOW = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)
BUYER = "ana@example.com"


class Answering:
    """A transport whose server answers every message with `error` (or takes it)."""

    def __init__(self, error: Exception | None) -> None:
        self.error = error
        self.sent: list[EmailMessage] = []

    def __enter__(self) -> Answering:
        return self

    def __exit__(self, *exc: object) -> None:
        pass

    def send(self, msg: EmailMessage) -> None:
        if self.error is not None:
            raise self.error
        self.sent.append(msg)


@pytest.mark.parametrize(
    ("error", "outcome"),
    [
        (None, DELIVERED),
        (MailTemporaryError("451 try later"), DEFERRED),
        (MailUncertain("connection lost after DATA"), UNCERTAIN),
        (MailRecipientRefused("550 no such user", reply="550 5.1.1 a***@example.com unknown"), REFUSED),
        (MailSenderRefused("554 sender not verified"), FAILED),
        (MailAuthError("535 login refused"), STOPPED),
        (MailSenderSetupError("sender refused three times"), STOPPED),
    ],
)
def test_each_answer_of_the_mail_server_has_its_name(error: MailError | None, outcome: str) -> None:
    delivery = deliver(Answering(error), EmailMessage())
    assert (delivery.outcome, delivery.error) == (outcome, error)


def test_an_error_that_is_not_the_mail_servers_answer_is_not_named() -> None:
    """A bug in the transport is not a delivery answer: it reaches the tick's safety net instead."""
    with pytest.raises(RuntimeError):
        deliver(Answering(RuntimeError("bug")), EmailMessage())


def claimed(tmp_path: Path, sent_before: int = 0) -> tuple[Recall, Step, State]:
    state = State(tmp_path / "s.json").load()
    steps = [Step(n, SENT, NOW.isoformat()) for n in range(1, sent_before + 1)]
    step = Step(sent_before + 1, CLAIMED, NOW.isoformat(), msgid="<m@shop>")
    recall = Recall(id=7, number="7", kind="failed", status="failed", email_hash="h", email_masked="a***@example.com",
                    customer_id=0, country="DE", currency="EUR", total="10.00", created=NOW.isoformat(),
                    opened=NOW.isoformat(), steps=[*steps, step], next_due=NOW.isoformat())  # fmt: skip
    return recall, step, state


def settled(tmp_path: Path, delivery: Delivery, sent_before: int = 0) -> tuple[Recall, str, State]:
    recall, step, state = claimed(tmp_path, sent_before)
    line = settle(recall, step, delivery, email=BUYER, state=state, now=NOW)
    return recall, line, state


@pytest.mark.parametrize("outcome", [DEFERRED, FAILED, STOPPED])
def test_a_message_not_taken_releases_the_claim(tmp_path: Path, outcome: str) -> None:
    recall, line, state = settled(tmp_path, Delivery(outcome, MailError("4xx or 5xx")))
    assert (recall.steps, recall.outcome, blocked(state, BUYER)) == ([], OPEN, None)
    assert line.startswith("reminder 1 deferred" if outcome == DEFERRED else "reminder 1 not sent")


def test_an_uncertain_message_stays_as_uncertain_and_is_never_resent(tmp_path: Path) -> None:
    recall, line, _ = settled(tmp_path, Delivery(UNCERTAIN, MailUncertain("connection lost after DATA")))
    assert [(s.n, s.state, s.why) for s in recall.steps] == [(1, STEP_UNCERTAIN, "connection lost after DATA")]
    assert recall.outcome == OPEN
    assert "not resent" in line


@pytest.mark.parametrize(("sent_before", "outcome"), [(0, NOT_CONTACTED), (1, ENDED_UNPAID)])
def test_a_refused_address_is_suppressed_and_the_recall_ends(tmp_path: Path, sent_before: int, outcome: str) -> None:
    refusal = MailRecipientRefused("550 no such user", reply="550 5.1.1 a***@example.com unknown")
    recall, line, state = settled(tmp_path, Delivery(REFUSED, refusal), sent_before)
    assert [(s.n, s.state) for s in recall.steps][-1] == (sent_before + 1, SKIPPED)
    assert (recall.outcome, recall.end_reason, recall.next_due) == (
        outcome,
        "the mail server refused the address",
        None,
    )
    assert blocked(state, BUYER) == "suppressed: refused by the mail server on 2026-03-02: 550 5.1.1 a***@example.com " \
                                    "unknown (a***@example.com)"  # fmt: skip
    assert line.startswith("reminder 1" if not sent_before else "reminder 2")


def test_only_the_settings_stop_the_tick() -> None:
    with pytest.raises(MailAuthError):
        Delivery(STOPPED, MailAuthError("535")).stop()
    for outcome in (DELIVERED, DEFERRED, UNCERTAIN, REFUSED, FAILED):
        error: Any = None if outcome == DELIVERED else MailError("x")
        Delivery(outcome, error).stop()  # returns
