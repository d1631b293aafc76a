"""Whose fault is a mail server's refusal: the buyer's address, or the shop's sending setup?

Only a refusal that is specific to the recipient's address and permanent may suppress a buyer. Everything else (the
provider's quota, an unverified or paused sender, relaying denied, a content filter, a full mailbox, a deferral) says
nothing about the address, and one outage at the provider must not suppress every buyer of the day.

The RFC 3463 enhanced status code decides when the server gives one: `5.1.x` is about addresses, and of those only
the recipient's (5.1.1 bad mailbox, 5.1.2 bad domain, 5.1.3 bad syntax, 5.1.6 moved, 5.1.10 null MX) blame the buyer;
5.1.7 and 5.1.8 are the *sender's* address. Without an enhanced code the reply text decides, conservatively: only a
text that plainly says the mailbox does not exist, and says nothing about the sender, relaying, policy or limits,
blames the buyer. Pure functions; `mail/transport.py` maps the verdict to an exception.
"""

from __future__ import annotations

import re

__all__ = ["RECIPIENT", "SENDER", "TEMPORARY", "classify", "enhanced_code"]

RECIPIENT = "recipient"  # permanent, and about the buyer's address: suppress it
SENDER = "sender"  # permanent, but about the shop's sender, account, policy or the message: leave the buyer alone
TEMPORARY = "temporary"  # 4xx: try again later

_ENHANCED_RE = re.compile(r"^\s*(?:\d{3}[ -])?\s*([245])\.(\d{1,3})\.(\d{1,3})\b")
_RECIPIENT_DETAILS = frozenset({1, 2, 3, 6, 10})  # X.1.1, X.1.2, X.1.3, X.1.6, X.1.10 (RFC 3463, RFC 7505)
_NOT_THE_BUYER_RE = re.compile(
    r"sender|from address|mail from|relay|verif|authenticat|\bauth\b|quota|limit|exceed|paused|suspend|"
    r"policy|spam|content|filter|blocked|blacklist|block ?list|reputation|\brate\b|throttl|dmarc|spf|dkim|"
    r"not permitted|not allowed to send",
    re.IGNORECASE,
)
_NO_SUCH_MAILBOX_RE = re.compile(
    r"user unknown|unknown user|no such (?:user|mailbox|recipient|address|account)|"
    r"(?:mailbox|recipient|address|user|account)(?: \S+)? (?:does not|doesn't) exist|"
    r"(?:mailbox|recipient|user) (?:not found|unknown|unavailable)|invalid (?:mailbox|recipient)|"
    r"unrouteable address|unroutable address",
    re.IGNORECASE,
)


def enhanced_code(text: str) -> tuple[int, int, int] | None:
    """The RFC 3463 enhanced status code at the start of a reply text (`5.1.1 no such user`), or None."""
    match = _ENHANCED_RE.match(text)
    return (int(match.group(1)), int(match.group(2)), int(match.group(3))) if match else None


def classify(code: int, text: str) -> str:
    """RECIPIENT, SENDER or TEMPORARY for a non-success reply `code` with reply `text` (to RCPT TO or after DATA)."""
    if 400 <= code < 500:
        return TEMPORARY
    enhanced = enhanced_code(text)
    if enhanced is not None:
        klass, subject, detail = enhanced
        if klass == 4:
            return TEMPORARY
        if subject == 1 and detail in _RECIPIENT_DETAILS and not _NOT_THE_BUYER_RE.search(text):
            return RECIPIENT
        if not (subject == 1 and detail == 0):
            return SENDER
        # X.1.0 "other address status" names no side: the text decides, as for a reply without a code.
    if _NO_SUCH_MAILBOX_RE.search(text) and not _NOT_THE_BUYER_RE.search(text):
        return RECIPIENT
    return SENDER
