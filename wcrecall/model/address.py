"""The one email-address rule: what a buyer's billing email, `mail.from`, `mail.reply_to` and the support address
must look like, for order parsing, settings, `init` and the mail builder alike.

The rule is the mail builder's own parser (`email.headerregistry`, through the policy the messages are written
with): an address is valid when that parser reads it as exactly one address, without a defect, and gives back the
same text, so what is accepted is what the message is sent to (a comment such as `a(x)@example.com`, which the parser
silently drops, is refused). On top of that, what a mail server needs: an ASCII local part (non-ASCII needs SMTPUTF8,
which wcrecall does not use), a host name with a dot whose labels are IDNA-encodable letters, digits and hyphens, and
at most 254 characters.
"""

from __future__ import annotations

import email.policy
import re
from email.headerregistry import Address
from functools import lru_cache

__all__ = ["MAX_LENGTH", "is_valid_address", "parse_address", "parse_mailbox"]

MAX_LENGTH = 254  # RFC 5321's limit on a forward path, less the angle brackets
_CONTROL_RE = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029]")
_LABEL_RE = re.compile(r"^[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?$")
_HEADER = email.policy.default.header_factory


def _ascii_host(domain: str) -> str | None:
    """`domain` in its ASCII (IDNA) form if it is a host name mail can be sent to, else None."""
    try:
        ascii_domain = domain.encode("idna").decode("ascii")
        shown = ascii_domain.encode("ascii").decode("idna")
    except UnicodeError:
        return None
    labels = ascii_domain.split(".")
    if len(labels) < 2:
        return None
    for label, unicode_label in zip(labels, shown.split("."), strict=False):
        if not _LABEL_RE.match(label) or unicode_label.startswith("-") or unicode_label.endswith("-"):
            return None
    return ascii_domain


def parse_address(text: str) -> Address:
    """A bare address (`shop@example.com`) -> Address, the domain in ASCII form; ValueError saying what is wrong."""
    return _parse_address(text.strip() if isinstance(text, str) else "")


@lru_cache(maxsize=4096)  # a tick judges each buyer's address several times; the header parser is slow
def _parse_address(value: str) -> Address:
    if not value:
        raise ValueError("no address")
    if len(value) > MAX_LENGTH:
        raise ValueError(f"longer than {MAX_LENGTH} characters")
    if _CONTROL_RE.search(value):
        raise ValueError("control characters in the address")
    if "@" not in value or "<" in value or ">" in value:
        raise ValueError("not a single address like name@example.com")
    username, domain = _plain_parts(value) or _parsed_parts(value)
    if not username.isascii():
        raise ValueError("non-ASCII characters before the @ need SMTPUTF8 (not supported)")
    host = _ascii_host(domain)
    if host is None:
        raise ValueError(f"{domain!r} is not a host name with a dot, like example.com")
    return Address(username=username, domain=host)


# An address the header parser certainly reads back as itself, without a defect: a dot-atom of atext, @, and a
# dot-atom of letters, digits and hyphens. Most buyers' addresses are this; they skip the parser (tests/test_address.py
# holds both ways to the same answer).
_PLAIN_RE = re.compile(
    r"([A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(?:\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*)@([A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*)"
)


def _plain_parts(value: str) -> tuple[str, str] | None:
    match = _PLAIN_RE.fullmatch(value)
    return (match.group(1), match.group(2)) if match else None


def _parsed_parts(value: str) -> tuple[str, str]:
    """(local part, domain) as the header parser reads `value`; ValueError unless exactly one bare address, without
    a defect, that reads back as `value`."""
    try:
        header = _HEADER("To", value)
    except Exception:  # noqa: BLE001  # the stdlib parser raises IndexError and others on some broken input ("a@")
        raise ValueError("not a single address like name@example.com") from None
    if header.defects or len(header.addresses) != 1:
        raise ValueError("not a single address like name@example.com")
    found = header.addresses[0]
    if found.display_name or found.addr_spec != value:
        raise ValueError("not a single address like name@example.com")
    return found.username, found.domain


def is_valid_address(text: str) -> bool:
    """True if `text` is one usable address by the rule above."""
    try:
        parse_address(text)
    except ValueError:
        return False
    return True


def parse_mailbox(text: str, *, bare: bool = False) -> Address:
    """`Shop <shop@example.com>` or a bare address -> Address (`bare`: no display name allowed); ValueError saying
    what is wrong. A value without `<` is always one bare address, never a list to pick one address from."""
    value = " ".join(text.split()) if isinstance(text, str) else ""
    if "<" not in value:
        return parse_address(value)
    if bare:
        raise ValueError("give the address alone, like help@example.com")
    name, _, rest = value.partition("<")
    addr, close, tail = rest.partition(">")
    if not close or tail.strip() or "<" in addr:
        raise ValueError('expected a name and one address, like "Shop <shop@example.com>"')
    found = parse_address(addr)
    display = name.strip()
    if len(display) >= 2 and display[0] == display[-1] == '"':
        display = display[1:-1].replace('\\"', '"').replace("\\\\", "\\")
    return Address(display_name=display, username=found.username, domain=found.domain)
