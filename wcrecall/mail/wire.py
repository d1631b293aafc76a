"""The message as it goes out: the email policy every part of wcrecall writes with, and the envelope taken from it.

Headers are RFC 2047-encoded and bodies quoted-printable or base64 (cte_type 7bit): the bytes on the wire are ASCII,
so no server needs SMTPUTF8 or 8BITMIME. CRLF line ends, as SMTP and sendmail expect.

The stdlib's header registry builds a new header class for every header it parses, and every message of a run
parses the same From, Reply-To, MIME-Version and Content-Type again: `_HeaderCache` keeps the classes, and the last
headers built by value (header objects never change once built), so each is parsed once per run.
"""

from __future__ import annotations

import email.headerregistry
import email.policy
from email.message import EmailMessage
from typing import Any

from wcrecall.model.errors import MailError

HEADERS_KEPT = 256  # header values remembered; a run's constant headers are a handful, buyers' ones pass through


class _HeaderCache(email.headerregistry.HeaderRegistry):
    def __init__(self) -> None:
        super().__init__()
        self._classes: dict[str, type[email.headerregistry.BaseHeader]] = {}
        self._headers: dict[tuple[str, ...], Any] = {}

    def __getitem__(self, name: str) -> type[email.headerregistry.BaseHeader]:
        key = name.lower()
        made = self._classes.get(key)
        if made is None:
            made = self._classes[key] = super().__getitem__(name)
        return made

    def __call__(self, name: str, value: Any) -> Any:
        if isinstance(value, email.headerregistry.Address):
            key: tuple[str, ...] = (name, "address", value.display_name, value.username, value.domain)
        elif isinstance(value, str):
            key = (name, value)
        else:
            return super().__call__(name, value)
        header = self._headers.get(key)
        if header is None:
            if len(self._headers) >= HEADERS_KEPT:
                self._headers.clear()
            header = self._headers[key] = super().__call__(name, value)
        return header


POLICY = email.policy.SMTP.clone(cte_type="7bit", header_factory=_HeaderCache())
# For reading a header back as a mail client would (mail/transport.py checks the folded To header with it).
READ_POLICY = email.policy.default.clone(header_factory=_HeaderCache())


def envelope(msg: EmailMessage) -> tuple[str, str]:
    """(envelope sender, envelope recipient) from the message's From and To."""
    try:
        sender = msg["From"].addresses[0].addr_spec
        recipients = msg["To"].addresses
    except (AttributeError, IndexError, TypeError):
        raise MailError("the message has no From or To address") from None
    if len(recipients) != 1:
        raise MailError("a reminder goes to exactly one recipient")
    return sender, recipients[0].addr_spec


def wire_bytes(msg: EmailMessage) -> bytes:
    return msg.as_bytes(policy=POLICY)
