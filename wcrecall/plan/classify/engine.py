"""The classifier: one note's text, or an order's notes, status and payment method -> a failure class, with the rule
and the note that decided it. Pure: no I/O, no clock, no globals that change.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime

from wcrecall.plan.classify import rules
from wcrecall.plan.classify.text import FAILED_STATUS_RE, PLAIN, split_transitions, strip_html

__all__ = [
    "CLASS_LABELS",
    "EVIDENCE_MAX",
    "FAILURE_CLASSES",
    "OWN_NOTE_PREFIX",
    "SYSTEM_AUTHORS",
    "Classification",
    "Note",
    "classify_note",
    "classify_order",
    "describe",
    "explain_note",
]

FAILURE_CLASSES: tuple[str, ...] = (
    "customer_input",
    "authentication",
    "insufficient_funds",
    "expired_or_unsupported",
    "issuer_generic",
    "transient",
    "abandoned",
    "do_not_contact",
    "unknown",
)

# How each class reads to the shop owner (status, notes, explain). Never shown to buyers.
CLASS_LABELS: dict[str, str] = {
    "customer_input": "card details wrong",
    "authentication": "authentication (3-D Secure) failed",
    "insufficient_funds": "insufficient funds",
    "expired_or_unsupported": "card expired or not supported",
    "issuer_generic": "declined by the bank",
    "transient": "temporary payment error",
    "abandoned": "checkout not completed",
    "do_not_contact": "do not contact",
    "unknown": "unknown",
}

# Authors whose notes are WooCommerce's or a gateway's own. The REST API reports notes written without a logged-in
# user as "system" (class-wc-rest-order-notes-controller.php); older stores and direct reads show "WooCommerce".
SYSTEM_AUTHORS = frozenset({"system", "woocommerce"})

# wcrecall's own notes start with this prefix; they are never evidence of why a payment failed.
OWN_NOTE_PREFIX = "wcrecall:"

EVIDENCE_MAX = 200


@dataclass(frozen=True)
class Note:
    """One order note as wcrecall reads it from `GET /orders/{id}/notes`."""

    text: str  # raw HTML as WooCommerce stores it
    author: str = "system"  # "system" for WooCommerce/gateway notes, else the admin's name
    date: datetime | None = None  # aware, UTC


@dataclass(frozen=True)
class Classification:
    """Why an order's payment failed, and which note said so."""

    failure_class: str  # one of FAILURE_CLASSES
    rule: str  # id of the rule that matched, e.g. "stripe.insufficient_funds" or "core.pending_no_attempt"
    evidence: str  # the note text (HTML stripped, at most ~200 chars) that matched; "" if none
    note_index: int | None  # index in the notes list of the note that decided it
    language: str  # "en", "de", "fr", "es", or "code" for a locale-independent token


_MOLLIE_HINT_RE = re.compile(r"\bMollie\b|\((?:tr|ord)_[A-Za-z0-9]{4}")


def _family_hint(payment_method: str, text: str) -> str:
    """Which gateway wrote the note, from the order's payment method id or, failing that, the note itself."""
    method = payment_method.strip().lower()
    if method.startswith("mollie"):
        return "mollie"
    if method.startswith("woocommerce_payments"):
        return "woopayments"
    if method.startswith("stripe"):
        return "stripe"
    if method.startswith(("ppcp", "paypal")):
        return "paypal"
    if method.startswith("square"):
        return "square"
    if not method and _MOLLIE_HINT_RE.search(text):
        return "mollie"
    return ""


def _evidence(text: str, start: int) -> str:
    """At most ~EVIDENCE_MAX characters of `text`, centred on `start` when the note is longer."""
    if len(text) <= EVIDENCE_MAX:
        return text
    begin = max(0, min(start - EVIDENCE_MAX // 4, len(text) - EVIDENCE_MAX))
    piece = text[begin : begin + EVIDENCE_MAX].strip()
    return ("…" if begin > 0 else "") + piece + ("…" if begin + EVIDENCE_MAX < len(text) else "")


def _classify_plain(plain: str, payment_method: str) -> Classification | None:
    text = plain.translate(PLAIN)
    gateway_part, transitions = split_transitions(text)
    hint = _family_hint(payment_method, gateway_part)
    if gateway_part:
        lower_part = gateway_part.lower()
        for rule in rules.RULES:
            subject = lower_part if rule.lowered else gateway_part
            # The pre-check: a few `in` tests spare most regex searches. Written out here, not as a method: this
            # loop runs ~100 times per note, and a call would double its cost.
            if rule.keys is not None:
                for key in rule.keys:
                    if key in subject:
                        break
                else:
                    continue
            match = rule.pattern.search(subject)
            if match is None:
                continue
            if rule.failure_class is None:
                return None
            in_full = rule.pattern.search(text.lower() if rule.lowered else text)
            start = in_full.start() if in_full is not None else 0
            return Classification(
                failure_class=rule.failure_class,
                rule=rule.rule_id(match, hint),
                evidence=_evidence(plain, start),
                note_index=None,
                language=rule.language or (transitions[-1].language if transitions else "fr"),
            )
    failed = [t for t in transitions if FAILED_STATUS_RE.match(t.target)]
    if failed:
        return Classification(
            failure_class="unknown",
            rule="core.failed_without_reason",
            evidence=_evidence(plain, 0),
            note_index=None,
            language=failed[-1].language,
        )
    return None


def classify_note(text: str, payment_method: str = "") -> Classification | None:
    """Classify one note's raw HTML; None if it says nothing about a failed payment.

    `payment_method` (the order's gateway id, e.g. "stripe", "woocommerce_payments", "ppcp-gateway",
    "square_credit_card", "mollie_wc_gateway_creditcard") only names the gateway in the rule id where several
    gateways share a vocabulary; it never changes the class.
    """
    return _classify_plain(strip_html(text), payment_method)


def explain_note(text: str, payment_method: str = "") -> Classification:
    """For `wcrecall explain --note TEXT [--payment-method ID]`: like `classify_note`, but never None."""
    found = classify_note(text, payment_method)
    if found is not None:
        return found
    return Classification("unknown", "none.no_failure_signal", _evidence(strip_html(text), 0), None, "code")


def describe(classification: Classification) -> str:
    """One line for people: class, rule, language and the evidence (for the CLI and logs; owner-facing only)."""
    line = f"{classification.failure_class} (rule {classification.rule}, language {classification.language})"
    if classification.note_index is not None:
        line += f" from note #{classification.note_index}"
    if classification.evidence:
        line += f": {classification.evidence}"
    return line


def _evidence_text(note: Note) -> str | None:
    """The note's plain text if it can be evidence: WooCommerce's and the gateways' own notes, not admins' or
    wcrecall's."""
    if note.author.strip().lower() not in SYSTEM_AUTHORS:
        return None
    plain = strip_html(note.text)
    if plain.lower().startswith(OWN_NOTE_PREFIX):
        return None
    return plain


def _newest_first(notes: Sequence[Note]) -> list[int]:
    """Indexes of `notes`, newest first: by date when every note has one, else in the given (REST: newest-first) order."""
    order = list(range(len(notes)))
    dates = [note.date for note in notes]
    if not dates or any(date is None for date in dates):
        return order
    keyed = [(date if date.tzinfo is not None else date.replace(tzinfo=UTC)) for date in dates if date]
    # sorted() is stable, also with reverse=True: notes with the same date keep the API's order.
    return sorted(order, key=lambda i: keyed[i], reverse=True)


def classify_order(*, status: str, payment_method: str, notes: Sequence[Note]) -> Classification:
    """Classify a failed or pending order from its notes, payment method and status.

    - Only notes by system authors count; notes starting with "wcrecall:" never do.
    - A `do_not_contact` signal in any note wins over everything: a buyer once flagged for fraud is not mailed even
      if a later attempt failed for lack of funds.
    - Otherwise the newest note with a reason decides (notes are ordered by `date` when all have one, else taken in
      the REST API's newest-first order). A newer note that proves a failure without a reason (core's bare
      "... to Failed." transition, "PayPal payment failed") does not hide an older note's reason from the same
      checkout.
    - No reason anywhere: `unknown` if some note shows a failure, `abandoned` for a pending order with no failure note,
      `unknown` otherwise.
    """
    first_unknown: Classification | None = None
    first_reason: Classification | None = None
    for index in _newest_first(notes):
        plain = _evidence_text(notes[index])
        if plain is None:
            continue
        found = _classify_plain(plain, payment_method)
        if found is None:
            continue
        found = replace(found, note_index=index)
        if found.failure_class == "do_not_contact":
            return found
        if found.failure_class == "unknown":
            if first_unknown is None:
                first_unknown = found
        elif first_reason is None:
            first_reason = found
    if first_reason is not None:
        return first_reason
    if first_unknown is not None:
        return first_unknown
    if status.strip().lower() in {"pending", "wc-pending"}:
        return Classification("abandoned", "core.pending_no_attempt", "", None, "code")
    if status.strip().lower() in {"failed", "wc-failed"}:
        return Classification("unknown", "core.failed_without_note", "", None, "code")
    return Classification("unknown", "core.no_failure_note", "", None, "code")
