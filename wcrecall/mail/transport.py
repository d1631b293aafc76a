"""Build the MIME message and hand it to the mail system: SMTP (mail/smtp.py), sendmail or an outbox folder
(mail/local.py); the wire format and the envelope are in mail/wire.py.

The transports' error mapping decides "never twice, never lost":

- `MailTemporaryError`: the message was certainly not accepted (4xx, or the connection dropped before the message data
  was handed over). Sending it again later is safe.
- `MailRecipientRefused`: a permanent refusal of this recipient's address (5.1.1 no such user..., or an address that
  is not one). Do not mail it again. Which refusals blame the address is decided in `mail/smtpreply.py`.
- `MailSenderRefused`: a permanent refusal for the sender's, the account's or the content's sake (quota, unverified
  sender, relaying denied, spam filter): the buyer is not at fault and the step stays due. After
  `SENDER_REFUSALS_STOP` of them in one run the transport stops with `MailSenderSetupError` (exit 2).
- `MailUncertain`: the connection failed after the whole message was handed over; the server may have accepted it.
  Never resend (at most once).
- `MailAuthError`: the settings are wrong (login refused, no TLS, cannot connect, sendmail missing): stop the run.
- `MailError`: anything else (e.g. sendmail exited with an unexpected code): the message was not accepted.

The SMTP password never appears in an exception, a log line or a repr.
"""

from __future__ import annotations

import email
import hashlib
import re
from datetime import UTC, datetime
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import format_datetime
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Protocol, Self
from urllib.parse import quote, urlsplit

from wcrecall.config.settings import MailSettings
from wcrecall.mail.local import FileTransport, SendmailTransport
from wcrecall.mail.mimetext import TEXT_CONTENT
from wcrecall.mail.smtp import SmtpTransport, hide_address
from wcrecall.mail.wire import POLICY, READ_POLICY
from wcrecall.model.address import parse_address, parse_mailbox
from wcrecall.model.errors import MailAuthError, MailRecipientRefused
from wcrecall.model.order import mask_email

if TYPE_CHECKING:  # only the type: building a message never loads the template engines
    from wcrecall.render.renderer import RenderedEmail

__all__ = [
    "POLICY",
    "FileTransport",
    "SendmailTransport",
    "SmtpTransport",
    "Transport",
    "build_message",
    "configured_address",
    "hide_address",
    "message_id_for",
    "open_transport",
]

_CONTROL_RE = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029]")
_MESSAGE_ID_RE = re.compile(r"^<[!-;=?-~]+@[!-;=?-~]+>$")  # printable ASCII without < > or spaces
# A display name of ASCII letters, digits, apostrophes and hyphens between single spaces: RFC 5322 atoms only, which
# no folding can turn into a second address, so it needs no round trip through the header parser.
_PLAIN_NAME_RE = re.compile(r"[A-Za-z0-9'-]+(?: [A-Za-z0-9'-]+)*")


def _one_line(value: str) -> str:
    """Header text: CR, LF and other control characters become spaces, so no value can start a new header."""
    # "=?" is broken up too: the email package decodes RFC 2047 words found in the text it is given, so a buyer's
    # name like =?utf-8?b?...?= would turn back into CR LF "Bcc: ..." and write a real header (tests/test_hostile.py).
    return " ".join(_CONTROL_RE.sub(" ", value).split()).replace("=?", "= ?")


def _ascii_domain(domain: str) -> str:
    try:
        return domain.encode("idna").decode("ascii") if not domain.isascii() else domain
    except UnicodeError:
        return domain


def _address(addr: str, *, name: str, what: str) -> Address:
    """A bare address (no display name, exactly one address) -> Address; raises ValueError naming `what`."""
    try:
        found = parse_address(addr)
    except ValueError as exc:
        raise ValueError(f"{what}: not a valid email address ({exc})") from None
    return Address(display_name=_one_line(name), username=found.username, domain=found.domain)


def _single_recipient(to: Address) -> Address:
    """`to`, or `to` without its display name when the name, as the header is written on the wire, would read back as
    anything but this one address. Python 3.11 folds a long display name without its quotes (CPython gh-80222), so
    `Ana, attacker@evil.example, root...` came out as three addresses; the check is on the folded bytes, at any
    length, whatever the name holds."""
    if not to.display_name or _PLAIN_NAME_RE.fullmatch(to.display_name):
        return to
    try:
        folded = POLICY.fold("To", POLICY.header_store_parse("To", to)[1])
        addresses = email.message_from_string(folded + "\r\n", policy=READ_POLICY)["To"].addresses
    except Exception:  # noqa: BLE001  # the stdlib's own parser fails on some folded names: then no name at all
        addresses = ()
    if len(addresses) == 1 and addresses[0].addr_spec == to.addr_spec and addresses[0].display_name == to.display_name:
        return to
    return Address(addr_spec=to.addr_spec)


@lru_cache(maxsize=64)  # the same few settings for every message of a run
def configured_address(value: str, *, what: str, bare: bool = False) -> Address:
    """A configured address as the mail builder uses it: `Shop <shop@example.com>` or a bare address (`bare`: no
    display name). Raises ValueError naming `what` and the value. The rule is model/address.py's, the one every part
    of the product uses (settings check mail.from, mail.reply_to and brand.support_email with it at load).
    """
    try:
        found = parse_mailbox(_one_line(value), bare=bare)
    except ValueError as exc:
        raise ValueError(
            f"{what}: not a valid email address ({exc}; got {value!r}; an address needs a full domain, like "
            "shop@example.com)"
        ) from None
    return Address(display_name=_one_line(found.display_name), username=found.username, domain=found.domain)


def _unsubscribe_header(unsubscribe: str) -> str:
    target = _one_line(unsubscribe)
    if target.startswith(("mailto:", "https://", "http://")):
        return f"<{quote(target, safe=':/?=&@.+-_%~#')}>"
    return f"<mailto:{quote(target, safe='@.+-_')}?subject=unsubscribe>"


def build_message(
    rendered: RenderedEmail,
    *,
    to_addr: str,
    to_name: str,
    from_addr: str,
    reply_to: str,
    message_id: str,
    date: datetime,
    unsubscribe: str,
) -> EmailMessage:
    """multipart/alternative (text, then HTML), UTF-8, with every header a reminder needs.

    An invalid `to_addr` raises MailRecipientRefused before any network I/O; an invalid `from_addr` or `reply_to`
    raises MailAuthError (the settings are wrong). CR/LF in names or the subject are removed, never passed on.
    No Auto-Submitted / X-Auto-Response-Suppress: this is a personal reminder, and "auto-generated" mail is what
    auto-responders and some filters treat as bulk.
    """
    try:
        to = _single_recipient(_address(to_addr, name=rendered.to_name or to_name, what="recipient"))  # never a list
    except ValueError as exc:
        raise MailRecipientRefused(f"{mask_email(_one_line(to_addr))}: {exc}") from None
    try:
        sender = configured_address(from_addr, what="mail.from")
        reply = configured_address(reply_to, what="mail.reply_to (or brand.support_email)")
    except ValueError as exc:
        raise MailAuthError(str(exc)) from None
    message_id = message_id.strip()
    if not _MESSAGE_ID_RE.match(message_id):
        raise ValueError(f"message_id must look like <id@host>, got {message_id!r}")
    if date.tzinfo is None:
        date = date.replace(tzinfo=UTC)

    msg = EmailMessage(policy=POLICY)
    msg["Subject"] = _one_line(rendered.subject)
    msg["From"] = sender
    msg["To"] = to
    msg["Reply-To"] = reply
    msg["Date"] = format_datetime(date)
    msg["Message-ID"] = message_id
    msg["List-Unsubscribe"] = _unsubscribe_header(unsubscribe)
    # The stdlib's choice of transfer encoding and its bytes, made without its slow quoted-printable (mail/mimetext.py)
    msg.set_content(rendered.text, subtype="plain", charset="utf-8", content_manager=TEXT_CONTENT)
    msg.add_alternative(rendered.html, subtype="html", charset="utf-8", content_manager=TEXT_CONTENT)
    for part in msg.iter_parts():
        del part["MIME-Version"]  # belongs on the message only; add_alternative() puts one on its part too
    # After the parts exist: making the message multipart moves every Content-* header into the first part.
    if re.fullmatch(r"[A-Za-z]{2,8}(-[A-Za-z0-9]{1,8})*", rendered.lang):
        msg["Content-Language"] = rendered.lang
    return msg


def message_id_for(*, store_url: str, order_id: int, step: int) -> str:
    """`<wcrecall.{order_id}.{step}.{sha256(store_url)[:12]}@{store host}>`: the same store, order and step always
    give the same Message-ID, so a duplicate send is visible (and threaded) as one message by mail clients.

    The store URL is hashed with surrounding spaces and trailing slashes removed, so `https://shop/` and
    `https://shop` are the same store.
    """
    url = store_url.strip().rstrip("/")
    host = urlsplit(url).hostname
    if not host:
        raise ValueError(f"store_url has no host: {store_url!r}")
    digest = hashlib.sha256(url.encode("utf-8")).hexdigest()[:12]
    return f"<wcrecall.{int(order_id)}.{int(step)}.{digest}@{_ascii_domain(host)}>"


class Transport(Protocol):
    def __enter__(self) -> Self: ...

    def __exit__(self, *exc: object) -> None: ...

    def send(self, msg: EmailMessage) -> None: ...

    def check(self) -> None: ...


def open_transport(settings: MailSettings, *, base_dir: Path | None = None) -> Transport:
    """The transport named by `mail.transport`; `base_dir` resolves a relative `mail.outbox`."""
    if settings.transport == "smtp":
        return SmtpTransport(settings)
    if settings.transport == "sendmail":
        return SendmailTransport(settings)
    if settings.transport == "file":
        return FileTransport(settings, base_dir=base_dir)
    raise MailAuthError(f"mail.transport: expected smtp, sendmail or file, got {settings.transport!r}")
