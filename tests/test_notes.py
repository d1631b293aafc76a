"""The notes wcrecall writes read back: what a lost state is rebuilt from, and how a second state sees a step sent.

Each test writes notes with `step_note` / `end_note` as the tick posts them, hands them back as the REST API lists them
(newest first, with `date_created_gmt`) and checks what `restore` and `step_noted` make of them.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from e2e import NOW as RUN_NOW
from e2e import cli, failed_order, write_config
from smtp_server import SmtpServer

from wcrecall.model.records import (
    ENDED_UNPAID,
    NOT_CONTACTED,
    OPEN,
    RECOVERED,
    RECOVERED_NEW_ORDER,
    SENT,
    UNCERTAIN,
    Recall,
    Step,
    finish,
)
from wcrecall.recall.notes import end_note, note_tag, parse_note_tags, restore, step_note, step_noted
from wcrecall.sandbox import SandboxStore

NOW = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)
H = timedelta(hours=1)


def recall(order_id: int = 7, **fields: Any) -> Recall:
    base: dict[str, Any] = dict(
        id=order_id, number=str(order_id), kind="failed", status="failed", email_hash="h", email_masked="a***@example.com",
        customer_id=0, country="DE", currency="EUR", total="10.00", created=(NOW - 9 * H).isoformat(),
        opened=(NOW - 9 * H).isoformat(), planned=3, reason="insufficient_funds",
    )  # fmt: skip
    return Recall(**(base | fields))


def listed(*texts_and_times: tuple[str, datetime | None]) -> list[dict[str, Any]]:
    """Notes as GET /orders/<id>/notes lists them: newest first."""
    notes = [
        {"id": i, "note": text, "author": "WooCommerce", "date_created_gmt": when.strftime("%Y-%m-%dT%H:%M:%S") if when else None}
        for i, (text, when) in enumerate(texts_and_times, start=1)
    ]  # fmt: skip
    return notes[::-1]


def test_the_steps_and_the_end_written_to_the_notes_rebuild_the_recall() -> None:
    """A lost state: reminders 1 (sent) and 2 (uncertain) and the payment come back from wcrecall's own notes, with
    their Message-IDs and times, noted; the recall is ended as the end note says, nothing left due."""
    before = recall(steps=[Step(1, SENT, (NOW - 8 * H).isoformat(), msgid="<s1@shop>"),
                           Step(2, UNCERTAIN, (NOW - 4 * H).isoformat(), msgid="<s2@shop>")])  # fmt: skip
    finish(before, RECOVERED, "order processing", NOW - H, paid_at=NOW - H, note=True)
    notes = listed(
        (step_note(before, before.steps[0]), NOW - 8 * H),
        (step_note(before, before.steps[1]), NOW - 4 * H),
        (end_note(before), NOW - H),
    )

    after = recall(next_due=NOW.isoformat())
    restore(after, notes, NOW)

    assert [(s.n, s.state, s.msgid, s.noted, s.at) for s in after.steps] == [
        (1, SENT, "<s1@shop>", True, (NOW - 8 * H).isoformat()),
        (2, UNCERTAIN, "<s2@shop>", True, (NOW - 4 * H).isoformat()),
    ]
    assert (after.outcome, after.ended, after.next_due, after.end_noted) == (
        RECOVERED,
        (NOW - H).isoformat(),
        None,
        True,
    )


def test_notes_of_others_and_unreadable_dates() -> None:
    """Only notes starting with "wcrecall:" count (a tag quoted in someone else's note is not a step sent); a note
    whose date cannot be read counts as written now."""
    sent = recall(steps=[Step(1, SENT, NOW.isoformat(), msgid="<s1@shop>")])
    notes = listed(
        ("Customer service: told them about " + note_tag(step=2, state="sent"), NOW - 2 * H),
        (step_note(sent, sent.steps[0]), None),
    )

    after = recall()
    restore(after, notes, NOW)

    assert [(s.n, s.at) for s in after.steps] == [(1, NOW.isoformat())]
    assert after.outcome == OPEN
    assert step_noted(notes, 1, NOW) == NOW
    assert step_noted(notes, 2, NOW) is None


def test_a_step_already_known_is_not_restored_twice() -> None:
    known = recall(steps=[Step(1, SENT, (NOW - 8 * H).isoformat(), msgid="<s1@shop>", noted=True)])
    notes = listed((step_note(known, known.steps[0]), NOW - 8 * H), (step_note(known, known.steps[0]), NOW - 7 * H))
    restore(known, notes, NOW)
    assert [s.n for s in known.steps] == [1]


def test_step_noted_tells_when_another_state_sent_the_step() -> None:
    other = recall(steps=[Step(1, SENT, NOW.isoformat(), msgid="<s1@shop>"), Step(2, SENT, NOW.isoformat())])
    notes = listed((step_note(other, other.steps[0]), NOW - 5 * H), (step_note(other, other.steps[1]), NOW - 2 * H))
    assert step_noted(notes, 2, NOW) == NOW - 2 * H
    assert step_noted(notes, 3, NOW) is None


@pytest.mark.parametrize(
    ("outcome", "paid_order", "expected"),
    [
        (RECOVERED, None, "wcrecall: paid 3 h after reminder 1 [wcrecall end=recovered]"),
        (
            RECOVERED_NEW_ORDER,
            9,
            "wcrecall: the buyer paid new order #9 3 h after reminder 1; no more reminders for "
            "this order [wcrecall end=recovered_new_order]",
        ),  # fmt: skip
        (NOT_CONTACTED, None, "wcrecall: not contacted, no reminder will be sent: why [wcrecall end=not_contacted]"),
        (ENDED_UNPAID, None, "wcrecall: no more reminders for this order: why [wcrecall end=ended_unpaid]"),
    ],
)
def test_the_end_note_says_how_the_recall_ended(outcome: str, paid_order: int | None, expected: str) -> None:
    ended = recall(steps=[Step(1, SENT, (NOW - 4 * H).isoformat())])
    paid = NOW - H if outcome in (RECOVERED, RECOVERED_NEW_ORDER) else None
    finish(ended, outcome, "why", NOW, paid_at=paid, paid_order=paid_order)
    assert end_note(ended) == expected
    assert parse_note_tags(end_note(ended)) == [{"end": outcome}]


def test_the_step_note_carries_the_masked_address_and_a_parsable_tag() -> None:
    sent = recall(steps=[Step(2, SENT, NOW.isoformat(), msgid="<s2@shop>")])
    text = step_note(sent, sent.steps[0])
    assert text.startswith("wcrecall: payment reminder 2 of 3 sent to a***@example.com (Message-ID <s2@shop>)")
    assert parse_note_tags(text) == [{"step": "2", "state": "sent"}]


def test_a_recall_never_finishes_as_open() -> None:
    with pytest.raises(ValueError, match="order 7"):
        finish(recall(), OPEN, "why", NOW)


@pytest.mark.parametrize("end", ["open", "paid_twice"])
def test_an_end_tag_that_is_no_ending_is_ignored(end: str) -> None:
    """A note of wcrecall's form whose end tag names no way a recall ends (typed by hand, or by another version)
    neither ends the recall nor stops the order: the recall stays open and its steps come back."""
    sent = recall(steps=[Step(1, SENT, (NOW - 3 * H).isoformat(), msgid="<s1@shop>")])
    notes = listed((step_note(sent, sent.steps[0]), NOW - 3 * H), (f"wcrecall: done {note_tag(end=end)}", NOW - H))
    after = recall()
    restore(after, notes, NOW)
    assert (after.outcome, after.ended, [s.n for s in after.steps]) == (OPEN, None, [1])


def test_a_recall_finishes_only_as_a_known_ending() -> None:
    with pytest.raises(ValueError, match="order 7"):
        finish(recall(), "paid_twice", "why", NOW)


def test_a_run_mails_the_buyer_of_an_order_whose_notes_end_it_in_no_known_way(
    tmp_path: Path, store: SandboxStore, smtp: SmtpServer
) -> None:
    """Through `run`: a hand-typed note in wcrecall's form ending the order as "paid_twice" leaves it a recall like any
    other; the buyer gets reminder 1 and the order is not reported as broken."""
    order_id = failed_order(store, "ana@example.com", hours_ago=2)
    store.add_note(order_id, f"wcrecall: nothing to do here {note_tag(end='paid_twice')}")
    result = cli(["run"], config=write_config(tmp_path, store.url, smtp_port=smtp.port), now=RUN_NOW)
    assert (result.exit_code, result.stderr) == (0, "")
    assert [m.rcpt_tos[0] for m in smtp.messages] == ["ana@example.com"]
