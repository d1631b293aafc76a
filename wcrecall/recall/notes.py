"""The private order notes wcrecall writes and reads back: their wording and their machine tags, in one place.

Every note starts with "wcrecall:" (the classifier ignores such notes) and ends with a tag such as
`[wcrecall step=2 state=sent]` or `[wcrecall end=recovered]`. If the state file is lost, the next sync rebuilds each
recall from these tags (`restore`), and a second state for the same store sees a step already sent (`step_noted`).
Tags are short and free of personal data; the masked email is the only buyer data a note shows.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import Any

from wcrecall.i18n import _, n_
from wcrecall.model.errors import BadOrder
from wcrecall.model.order import parse_gmt
from wcrecall.model.records import (
    ENDED_UNPAID,
    ENDINGS,
    HELD_OUT,
    NOT_CONTACTED,
    RECOVERED_NEW_ORDER,
    RECOVERED_OUTCOMES,
    SENT,
    Recall,
    Step,
    finish,
    from_iso,
)
from wcrecall.plan.classify import OWN_NOTE_PREFIX, Note
from wcrecall.recall.words import class_label

NOTE_MSGID = re.compile(r"\(Message-ID (<[^<>\s()]+>)\)")  # in a step note, as `step_note` writes it
NOTE_TAG = re.compile(r"\[wcrecall ([a-z_]+=[^\s\]]+(?: [a-z_]+=[^\s\]]+)*)\]")
RESTORED = "restored from the order notes"  # the end reason of a recall whose end note was found


def note_tag(**fields: object) -> str:
    return "[wcrecall " + " ".join(f"{k}={v}" for k, v in fields.items()) + "]"


def parse_note_tags(text: str) -> list[dict[str, str]]:
    return [dict(pair.split("=", 1) for pair in m.group(1).split(" ")) for m in NOTE_TAG.finditer(text)]


def humanize(delta: timedelta) -> str:
    minutes = max(0, int(delta.total_seconds() // 60))
    if minutes < 60:
        return _("{n} min").format(n=minutes)
    hours = minutes // 60
    if hours < 48:
        return _("{n} h").format(n=hours)
    return n_("{n} day", "{n} days", hours // 24).format(n=hours // 24)


# -- what wcrecall writes -------------------------------------------------------------------------------------------


def step_note(recall: Recall, step: Step) -> str:
    """The note for a reminder sent: which one, to whom (masked), its Message-ID and the failure class. The words
    are the owner's language; the prefix, the Message-ID and the tag (what `restore` reads) are the same in every
    language."""
    sent = _("payment reminder {n} of {planned} sent to {email}").format(
        n=step.n, planned=recall.planned, email=recall.email_masked
    )
    reason = _("; reason: {reason}").format(reason=class_label(recall.reason)) if recall.reason else ""
    return f"{OWN_NOTE_PREFIX} {sent} (Message-ID {step.msgid}){reason} {note_tag(step=step.n, state=step.state)}"


def end_note(recall: Recall) -> str:
    """The note for an ended recall: paid (and how long after the last reminder), or why no more reminders."""
    if recall.outcome == HELD_OUT:  # why no reminder, as the planner said it (plan/holdout.py)
        return f"{OWN_NOTE_PREFIX} {recall.end_reason} {note_tag(end=HELD_OUT)}"
    sent = recall.sent_steps
    last = sent[-1] if sent else None
    paid_at = from_iso(recall.paid_at)
    last_at = from_iso(last.at) if last is not None else None
    after = ""
    if last and paid_at and last_at:
        after = _("{time} after reminder {n}").format(time=humanize(paid_at - last_at), n=last.n)
    if recall.outcome == RECOVERED_NEW_ORDER:
        if after:
            text = _("the buyer paid new order #{number} {after}; no more reminders for this order")
        else:
            text = _("the buyer paid new order #{number}; no more reminders for this order")
        text = text.format(number=recall.paid_order, after=after)
    elif recall.outcome == NOT_CONTACTED:
        text = _("not contacted, no reminder will be sent: {reason}").format(reason=recall.end_reason)
    elif recall.outcome == ENDED_UNPAID:
        text = _("no more reminders for this order: {reason}").format(reason=recall.end_reason)
    else:
        text = _("paid {after}").format(after=after) if after else _("paid")
    return f"{OWN_NOTE_PREFIX} {text} {note_tag(end=recall.outcome)}"


def wants_end_note(recall: Recall, outcome: str, *, asked: bool) -> bool:
    """Whether ending `recall` as `outcome` writes an end note: when the buyer paid after a reminder (if the caller
    asks for it), and always for an order held out (the owner sees in WP admin why it got no reminder)."""
    return outcome == HELD_OUT or asked and bool(recall.sent_steps) and outcome in RECOVERED_OUTCOMES


def pending(recall: Recall) -> tuple[list[Step], bool]:
    """What is left to note for `recall`: the sent steps without a note, and whether its end note is due."""
    return [s for s in recall.steps if s.state == SENT and not s.noted], not recall.end_noted


# -- what wcrecall reads ------------------------------------------------------------------------------------------


def note_time(raw: dict[str, Any]) -> datetime | None:
    """A note's `date_created_gmt` as aware UTC; None when missing or malformed (notes are store data too)."""
    try:
        return parse_gmt(raw.get("date_created_gmt"), "note date", required=False)
    except BadOrder:
        return None


def to_notes(raw_notes: Iterable[Any]) -> list[Note]:
    """Order notes from the REST API (newest first) as the classifier reads them."""
    return [
        Note(text=raw["note"], author=str(raw.get("author", "")), date=note_time(raw))
        for raw in raw_notes
        if isinstance(raw, dict) and isinstance(raw.get("note"), str)
    ]


def _own(raw_notes: Iterable[Any]) -> Iterable[tuple[dict[str, Any], str]]:
    """wcrecall's own notes among the store's, with their text."""
    for raw in raw_notes:
        if isinstance(raw, dict) and str(raw.get("note", "")).startswith(OWN_NOTE_PREFIX):
            yield raw, str(raw["note"])


def restore(recall: Recall, raw_notes: Iterable[Any], now: datetime) -> None:
    """Rebuild what wcrecall already did for this order from the tags of its own notes (state lost or broken): the
    steps sent (noted, with their Message-ID) and an end. A note without a readable date counts as written `now`."""
    for raw, text in _own(raw_notes):
        when = note_time(raw) or now
        msgid = NOTE_MSGID.search(text)
        for tag in parse_note_tags(text):
            if "step" in tag and recall.step(int(tag["step"])) is None:
                recall.steps.append(
                    Step(
                        n=int(tag["step"]),
                        state=tag.get("state", SENT),
                        at=when.isoformat(),
                        msgid=msgid[1] if msgid else "",
                        noted=True,
                    )
                )
            if tag.get("end") in ENDINGS and recall.is_open:  # an unknown ending is no end
                finish(recall, tag["end"], RESTORED, when)
    recall.steps.sort(key=lambda s: s.n)


def step_noted(raw_notes: Iterable[Any], n: int, now: datetime) -> datetime | None:
    """When wcrecall's note for step `n` was written (`now` if its date is unreadable); None if there is none."""
    for raw, text in _own(raw_notes):
        if any(tag.get("step") == str(n) for tag in parse_note_tags(text)):
            return note_time(raw) or now
    return None


__all__ = [
    "NOTE_MSGID",
    "NOTE_TAG",
    "end_note",
    "humanize",
    "note_tag",
    "note_time",
    "parse_note_tags",
    "pending",
    "restore",
    "step_note",
    "step_noted",
    "to_notes",
    "wants_end_note",
]
