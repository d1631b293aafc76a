"""The message as it goes out: the email policy every part of wcrecall writes with, and the envelope taken from it.

Headers are RFC 2047-encoded and bodies quoted-printable or base64 (cte_type 7bit): the bytes on the wire are ASCII,
so no server needs SMTPUTF8 or 8BITMIME. CRLF line ends, as SMTP and sendmail expect.

The stdlib's header registry builds a new header class for every header it parses, and every message of a run
parses the same From, Reply-To, MIME-Version and Content-Type again: `_HeaderCache` keeps the classes, and the last
headers built by value (header objects never change once built), so each is parsed once per run.

Every header keeps its folded text for the policy it was last folded with (`_FoldKept`).

The headers that differ in every message (Subject, To, Message-ID) skip the parser when their value is plain: ASCII
words with single spaces, an address of atoms, a Message-ID of dot-atoms. Such a value, when its line fits, is folded
by the stdlib as itself: `Subject: value` CRLF is written without the parse tree, which is built only for a value
that is not plain or a line that is too long (tests/test_wire.py holds the two ways to the same bytes).
"""

from __future__ import annotations

import email.headerregistry
import email.policy
import re
import sys
from email.message import EmailMessage
from typing import Any

from wcrecall.model.errors import MailError

HEADERS_KEPT = 256  # header values remembered; a run's constant headers are a handful, buyers' ones pass through


_ATOM = r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+"
_PLAIN_TEXT_RE = re.compile(r"[!-~]+(?: [!-~]+)*")  # printable ASCII words between single spaces
_PLAIN_MESSAGE_ID_RE = re.compile(rf"<{_ATOM}(?:\.{_ATOM})*@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*>")
_PLAIN_NAME_RE = re.compile(r"[A-Za-z0-9'-]+(?: [A-Za-z0-9'-]+)*")  # atoms that need no quotes
_PLAIN_USER_RE = re.compile(rf"{_ATOM}(?:\.{_ATOM})*")
_PLAIN_DOMAIN_RE = re.compile(r"[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*")


def _plain_address(value: object) -> bool:
    return (
        isinstance(value, email.headerregistry.Address)
        and (not value.display_name or _PLAIN_NAME_RE.fullmatch(value.display_name) is not None)
        and _PLAIN_USER_RE.fullmatch(value.username) is not None
        and _PLAIN_DOMAIN_RE.fullmatch(value.domain) is not None
    )


class _Plain(email.headerregistry.BaseHeader):
    """A header built without its parse tree (a plain value): folded as `Name: value` when that line fits, else
    parsed then, and folded by the stdlib."""

    def fold(self, *, policy: Any) -> str:
        if self._parse_tree is None:  # type: ignore[has-type]
            line = f"{self.name}: {self}"
            if len(line) <= (policy.max_line_length or sys.maxsize):
                return line + str(policy.linesep)
            self._parse_tree = self.value_parser(str(self))  # type: ignore[attr-defined]
        return super().fold(policy=policy)


# The registry itself joins each of these classes with BaseHeader (the stubs type the two apart: hence the ignores).
class _PlainSubject(email.headerregistry.UniqueUnstructuredHeader, _Plain):  # type: ignore[misc]
    @classmethod
    def parse(cls, value: str, kwds: dict[str, Any]) -> None:
        if isinstance(value, str) and "=?" not in value and _PLAIN_TEXT_RE.fullmatch(value):
            kwds["parse_tree"], kwds["decoded"] = None, value
        else:
            super().parse(value, kwds)


class _PlainMessageID(email.headerregistry.MessageIDHeader, _Plain):  # type: ignore[misc]
    @classmethod
    def parse(cls, value: str, kwds: dict[str, Any]) -> None:
        if isinstance(value, str) and _PLAIN_MESSAGE_ID_RE.fullmatch(value):
            kwds["parse_tree"], kwds["decoded"] = None, value
        else:
            super().parse(value, kwds)


class _PlainAddress(email.headerregistry.UniqueAddressHeader, _Plain):  # type: ignore[misc]
    @classmethod
    def parse(cls, value: str, kwds: dict[str, Any]) -> None:
        if _plain_address(value):
            kwds["parse_tree"] = None  # the stdlib's parse keeps a given tree: it builds the groups only
        super().parse(value, kwds)


class _FoldKept(email.headerregistry.BaseHeader):
    """A header keeps its folded text for the last policy it was folded with: a header never changes once built,
    and the stdlib takes milliseconds to fold a name outside ASCII into encoded words, which a message's To needs
    twice (the one-recipient check in mail/transport.py, then writing the message)."""

    def fold(self, *, policy: Any) -> str:
        kept: tuple[Any, str] | None = self.__dict__.get("_folded")
        if kept is not None and kept[0] is policy:
            return kept[1]
        folded = super().fold(policy=policy)
        self.__dict__["_folded"] = (policy, folded)
        return folded


class _HeaderCache(email.headerregistry.HeaderRegistry):
    def __init__(self) -> None:
        super().__init__()
        self.map_to_type("subject", _PlainSubject)
        self.map_to_type("message-id", _PlainMessageID)
        for name in ("to", "from", "reply-to"):
            self.map_to_type(name, _PlainAddress)
        self._classes: dict[str, type[email.headerregistry.BaseHeader]] = {}
        self._headers: dict[tuple[str, ...], Any] = {}

    def __getitem__(self, name: str) -> type[email.headerregistry.BaseHeader]:
        key = name.lower()
        made = self._classes.get(key)
        if made is None:
            made = self._classes[key] = type(f"_Kept{name}", (_FoldKept, super().__getitem__(name)), {})
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
