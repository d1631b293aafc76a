"""Build the MIME message and hand it to the mail system: SMTP, sendmail or an outbox folder.

This is the only module that speaks SMTP or runs sendmail. Its error mapping decides "never twice, never lost":

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
import email.policy
import hashlib
import os
import re
import smtplib
import ssl
import subprocess
import tempfile
from datetime import UTC, datetime
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import format_datetime
from pathlib import Path
from typing import TYPE_CHECKING, Protocol, Self
from urllib.parse import quote, urlsplit

from wcrecall.config.settings import MailSettings
from wcrecall.mail import smtpreply
from wcrecall.model.address import parse_address, parse_mailbox
from wcrecall.model.errors import (
    MailAuthError,
    MailError,
    MailRecipientRefused,
    MailSenderRefused,
    MailSenderSetupError,
    MailTemporaryError,
    MailUncertain,
)
from wcrecall.model.order import mask_email

if TYPE_CHECKING:  # config/settings.py checks addresses with this module at load: keep it free of the template engines
    from wcrecall.render.renderer import RenderedEmail

__all__ = [
    "FileTransport",
    "SendmailTransport",
    "SmtpTransport",
    "Transport",
    "build_message",
    "configured_address",
    "message_id_for",
    "open_transport",
]

# Headers are RFC 2047-encoded and bodies quoted-printable or base64 (cte_type 7bit): the bytes on the wire are
# ASCII, so no server needs SMTPUTF8 or 8BITMIME. CRLF line ends, as SMTP and sendmail expect.
POLICY = email.policy.SMTP.clone(cte_type="7bit")

_CONTROL_RE = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029]")
_MESSAGE_ID_RE = re.compile(r"^<[!-;=?-~]+@[!-;=?-~]+>$")  # printable ASCII without < > or spaces
_OUR_ID_RE = re.compile(r"^<wcrecall\.(\d+)\.(\d+)\.[0-9a-f]+@")


class _LoginRefused(MailAuthError):
    """The server refused the credentials: retrying in this run cannot help."""


# This many refusals that are not about the buyer's address, in one run, stop the sending: one may be a message the
# content filter disliked, three in a row are the provider refusing the shop.
SENDER_REFUSALS_STOP = 3


# sendmail exit codes (sysexits.h)
EX_NOUSER, EX_NOHOST, EX_UNAVAILABLE, EX_OSERR, EX_IOERR, EX_TEMPFAIL = 67, 68, 69, 71, 74, 75


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
    if not to.display_name:
        return to
    try:
        folded = POLICY.fold("To", POLICY.header_store_parse("To", to)[1])
        addresses = email.message_from_string(folded + "\r\n", policy=email.policy.default)["To"].addresses
    except Exception:  # noqa: BLE001  # the stdlib's own parser fails on some folded names: then no name at all
        addresses = ()
    if len(addresses) == 1 and addresses[0].addr_spec == to.addr_spec and addresses[0].display_name == to.display_name:
        return to
    return Address(addr_spec=to.addr_spec)


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
    msg.set_content(rendered.text, subtype="plain", charset="utf-8")
    msg.add_alternative(rendered.html, subtype="html", charset="utf-8")
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


def _envelope(msg: EmailMessage) -> tuple[str, str]:
    """(envelope sender, envelope recipient) from the message's From and To."""
    try:
        sender = msg["From"].addresses[0].addr_spec
        recipients = msg["To"].addresses
    except (AttributeError, IndexError, TypeError):
        raise MailError("the message has no From or To address") from None
    if len(recipients) != 1:
        raise MailError("a reminder goes to exactly one recipient")
    return sender, recipients[0].addr_spec


def _wire_bytes(msg: EmailMessage) -> bytes:
    return msg.as_bytes(policy=POLICY)


class Transport(Protocol):
    def __enter__(self) -> Self: ...

    def __exit__(self, *exc: object) -> None: ...

    def send(self, msg: EmailMessage) -> None: ...

    def check(self) -> None: ...


# --- SMTP ----------------------------------------------------------------------------------------------------------


class SmtpTransport:
    """One connection for all sends of a run: opened at the first send, closed by `__exit__`.

    After a dropped connection the next send reconnects, once per run; a run whose server keeps dropping gives
    MailTemporaryError for the rest of its messages rather than hammering the server.
    """

    def __init__(self, settings: MailSettings) -> None:
        self._settings = settings
        self._conn: smtplib.SMTP | None = None
        self._connected_once = False
        self._reconnects_left = 1
        self._fatal: MailAuthError | None = None
        self._sender_refusals = 0

    def __repr__(self) -> str:
        s = self._settings
        return f"SmtpTransport(host={s.host!r}, port={s.effective_port}, security={s.security!r}, user={s.username!r})"

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        conn, self._conn = self._conn, None
        if conn is None:
            return
        try:
            conn.quit()
        except (smtplib.SMTPException, OSError):
            conn.close()

    def _where(self) -> str:
        s = self._settings
        user = f", user {s.username!r}" if s.username else ", no login"
        return f"mail server {s.host}:{s.effective_port} (security {s.security}{user})"

    def _open(self) -> smtplib.SMTP:
        """Connect, secure and log in; raises MailAuthError (settings wrong) or MailTemporaryError (4xx at connect)."""
        s = self._settings
        port = s.effective_port
        conn: smtplib.SMTP | None = None
        try:
            if s.security == "ssl":
                conn = smtplib.SMTP_SSL(s.host, port, timeout=s.timeout, context=ssl.create_default_context())
            else:
                conn = smtplib.SMTP(s.host, port, timeout=s.timeout)
            code, reply = conn.ehlo()
            if not 200 <= code < 300:
                if code == 421:
                    raise smtplib.SMTPHeloError(code, reply)
                code, reply = conn.helo()  # a server without ESMTP
                if not 200 <= code < 300:
                    raise smtplib.SMTPHeloError(code, reply)
            if s.security == "starttls":
                if not conn.has_extn("starttls"):
                    raise MailAuthError(f"{self._where()}: the server does not offer STARTTLS; set mail.security")
                conn.starttls(context=ssl.create_default_context())
                conn.ehlo()
            if s.username:
                conn.login(s.username, s.password)
            return conn
        except MailAuthError:
            _close_quietly(conn)
            raise
        except smtplib.SMTPAuthenticationError as exc:
            _close_quietly(conn)
            if 400 <= exc.smtp_code < 500:
                raise MailTemporaryError(
                    f"{self._where()}: login deferred ({_reply(exc.smtp_code, exc.smtp_error)})"
                ) from None
            raise _LoginRefused(
                f"{self._where()}: the server refused the login ({_reply(exc.smtp_code, exc.smtp_error)}); "
                "check mail.username and mail.password"
            ) from None
        except smtplib.SMTPNotSupportedError:
            _close_quietly(conn)
            raise MailAuthError(
                f"{self._where()}: the server offers no login (AUTH); clear mail.username or change server"
            ) from None
        except smtplib.SMTPResponseException as exc:
            _close_quietly(conn)
            if 400 <= exc.smtp_code < 500:
                raise MailTemporaryError(f"{self._where()}: {_reply(exc.smtp_code, exc.smtp_error)}") from None
            raise MailAuthError(f"{self._where()}: {_reply(exc.smtp_code, exc.smtp_error)}") from None
        except ssl.SSLError as exc:
            _close_quietly(conn)
            raise MailAuthError(
                f"{self._where()}: TLS failed ({exc.reason or exc}); check mail.security and mail.port"
            ) from None
        except smtplib.SMTPServerDisconnected as exc:
            _close_quietly(conn)
            raise MailAuthError(f"{self._where()}: cannot connect ({_os_reason(exc)})") from None
        except smtplib.SMTPException as exc:  # e.g. no AUTH mechanism in common
            _close_quietly(conn)
            raise MailAuthError(f"{self._where()}: {exc}") from None
        except OSError as exc:
            _close_quietly(conn)
            raise MailAuthError(f"{self._where()}: cannot connect ({_os_reason(exc)})") from None

    def _connection(self) -> smtplib.SMTP:
        if self._fatal is not None:
            raise self._fatal
        if self._conn is not None:
            return self._conn
        if not self._connected_once:
            self._connected_once = True
            try:
                self._conn = self._open()
            except MailAuthError as exc:
                self._fatal = exc  # every later send would fail the same way: fail fast, do not hammer the server
                raise
            return self._conn
        if self._reconnects_left <= 0:
            raise MailTemporaryError(
                f"{self._where()}: the connection was lost earlier in this run; not reconnecting again"
            )
        self._reconnects_left -= 1
        try:
            self._conn = self._open()
        except _LoginRefused as exc:
            self._fatal = exc
            raise
        except MailAuthError as exc:
            raise MailTemporaryError(f"{exc} (reconnecting after a dropped connection)") from None
        return self._conn

    def _drop(self) -> None:
        conn, self._conn = self._conn, None
        _close_quietly(conn)

    def _rset(self) -> None:
        conn = self._conn
        if conn is None:
            return
        try:
            conn.rset()
        except (smtplib.SMTPException, OSError):
            self._drop()

    def _refused(self, stage: str, code: int, reply: bytes | str, recipient: str) -> MailError:
        """Map a non-success reply to MAIL/RCPT/DATA; leaves the connection usable or dropped."""
        text = hide_address(_reply(code, reply), recipient)
        who = mask_email(recipient)
        if code == 421:
            self._drop()  # 421: the server is closing the connection
            return MailTemporaryError(f"{self._where()}: {stage} for {who} deferred, server closing ({text})")
        self._rset()
        verdict = smtpreply.classify(code, text.partition(" ")[2])
        if verdict == smtpreply.TEMPORARY:
            return MailTemporaryError(f"{self._where()}: {stage} for {who} deferred ({text})")
        if stage == "MAIL FROM":
            # The sender is refused: no message can go out with these settings.
            return MailAuthError(f"{self._where()}: the server refused the sender ({text}); check mail.from")
        if verdict == smtpreply.RECIPIENT:
            return MailRecipientRefused(f"{self._where()}: {stage}: the server refused {who} ({text})", reply=text)
        self._sender_refusals += 1
        if self._sender_refusals >= SENDER_REFUSALS_STOP:
            self._fatal = MailSenderSetupError(
                f"{self._where()}: the server refused {self._sender_refusals} messages in this run for reasons of the "
                f"sender or the account, not the buyers' addresses (last: {text}); sending stopped, no buyer was "
                "suppressed and every reminder stays due. Check that mail.from is an address the provider has verified "
                "for this account and that SPF/DKIM cover, that sending is not paused and the quota not used up"
            )
            return self._fatal
        return MailSenderRefused(f"{self._where()}: {stage}: the server refused the message for {who} ({text})")

    def send(self, msg: EmailMessage) -> None:
        sender, recipient = _envelope(msg)
        sender = self._envelope_sender(sender)
        payload = _smtp_data(_wire_bytes(msg))
        conn = self._connection()
        who = mask_email(recipient)
        try:
            code, reply = conn.mail(sender)
            if code != 250:
                raise self._refused("MAIL FROM", code, reply, recipient)
            code, reply = conn.rcpt(recipient)
            if code not in (250, 251):
                raise self._refused("RCPT TO", code, reply, recipient)
            conn.putcmd("data")
            code, reply = conn.getreply()
            if code != 354:
                raise self._refused("DATA", code, reply, recipient)
            conn.send(payload)
        except (smtplib.SMTPException, OSError) as exc:
            # Nothing, or not the final ".", reached the server: it cannot have accepted the message.
            self._drop()
            raise MailTemporaryError(
                f"{self._where()}: connection lost before the message for {who} was sent ({_os_reason(exc)})"
            ) from None
        try:
            code, reply = conn.getreply()
        except (smtplib.SMTPException, OSError) as exc:
            # The whole message, final "." included, was handed over; only the answer is missing.
            self._drop()
            raise MailUncertain(
                f"{self._where()}: connection lost after the message for {who} was handed over ({_os_reason(exc)}); "
                "it may have been delivered, so it is not sent again"
            ) from None
        if code != 250:
            raise self._refused("message data", code, reply, recipient)

    def _envelope_sender(self, header_sender: str) -> str:
        try:
            return configured_address(self._settings.from_addr, what="mail.from").addr_spec
        except ValueError:
            return header_sender

    def check(self) -> None:
        """Connect, secure and log in without sending (for `doctor`)."""
        conn = self._open()
        try:
            conn.quit()
        except (smtplib.SMTPException, OSError):
            conn.close()


def _smtp_data(raw: bytes) -> bytes:
    """The DATA payload as smtplib.SMTP.data() would send it: CRLF line ends, leading dots doubled, final "."."""
    data = re.sub(rb"\r\n|\n|\r", b"\r\n", raw)
    data = re.sub(rb"(?m)^\.", b"..", data)
    if not data.endswith(b"\r\n"):
        data += b"\r\n"
    return data + b".\r\n"


def hide_address(text: str, address: str) -> str:
    """`text` with `address` masked, in whatever case a server echoes it and with its domain in ASCII or Unicode."""
    local, _, domain = address.rpartition("@")
    if not local:
        return text
    forms = {address, f"{local}@{_ascii_domain(domain)}", f"{local}@{_unicode_domain(domain)}"}
    pattern = "|".join(re.escape(form) for form in sorted(forms, key=len, reverse=True))
    return re.sub(pattern, mask_email(address), text, flags=re.IGNORECASE)


def _unicode_domain(domain: str) -> str:
    try:
        return domain.encode("ascii").decode("idna") if "xn--" in domain.lower() else domain
    except UnicodeError:
        return domain


def _reply(code: int, reply: bytes | str) -> str:
    text = reply.decode("utf-8", "replace") if isinstance(reply, bytes) else str(reply)
    return f"{code} {' '.join(text.split())}"[:300]


def _os_reason(exc: BaseException) -> str:
    if isinstance(exc, TimeoutError):
        return "timed out"
    if isinstance(exc, OSError) and exc.strerror:
        return exc.strerror
    return str(exc) or type(exc).__name__


def _close_quietly(conn: smtplib.SMTP | None) -> None:
    if conn is not None:
        try:
            conn.close()
        except OSError:
            pass


# --- sendmail ------------------------------------------------------------------------------------------------------


class SendmailTransport:
    """`sendmail -i -f <from> -- <buyer>` with the message on stdin: common on shared hosting; exit 0 means queued."""

    def __init__(self, settings: MailSettings) -> None:
        self._settings = settings

    def __repr__(self) -> str:
        return f"SendmailTransport(path={self._settings.sendmail_path!r})"

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        return None

    def check(self) -> None:
        path = self._settings.sendmail_path
        if not (os.path.isfile(path) and os.access(path, os.X_OK)):
            raise MailAuthError(f"mail.sendmail_path: {path} not found or not executable")

    def send(self, msg: EmailMessage) -> None:
        sender, recipient = _envelope(msg)
        path = self._settings.sendmail_path
        who = mask_email(recipient)
        # The recipient is an argument, never read from the headers (no -t): buyer text in To: must not be able to
        # add one. -i: a line with a lone "." does not end the message; -f: the envelope sender, so bounces go to the
        # shop and SPF checks the shop's domain rather than the hosting account's; --: no address is read as an option.
        command = [path, "-i", "-f", sender, "--", recipient]
        try:
            result = subprocess.run(
                command, input=_wire_bytes(msg), capture_output=True, timeout=self._settings.timeout, check=False
            )
        except FileNotFoundError:
            raise MailAuthError(f"mail.sendmail_path: {path} not found") from None
        except PermissionError:
            raise MailAuthError(f"mail.sendmail_path: {path} is not executable") from None
        except subprocess.TimeoutExpired:
            raise MailUncertain(
                f"sendmail did not finish within {self._settings.timeout:g}s for {who}; it may have queued the message, "
                "so it is not sent again"
            ) from None
        except OSError as exc:
            raise MailAuthError(f"mail.sendmail_path: {path} cannot be run ({exc.strerror or exc})") from None
        code = result.returncode
        if code == 0:
            return
        detail = next(
            (line.strip() for line in result.stderr.decode("utf-8", "replace").splitlines() if line.strip()), ""
        )
        detail = hide_address(detail, recipient)[:300]
        text = f"sendmail exited with {code} for {who}" + (f": {detail}" if detail else "")
        if code in (EX_TEMPFAIL, EX_UNAVAILABLE, EX_OSERR, EX_IOERR):
            raise MailTemporaryError(text)
        if code in (EX_NOUSER, EX_NOHOST):
            raise MailRecipientRefused(text)
        raise MailError(text)


# --- outbox folder -------------------------------------------------------------------------------------------------


class FileTransport:
    """Writes `<stamp>-order<id>-step<n>.eml` and the HTML part beside it as `.html`, for trying templates out.

    A file is never overwritten: sending the same step twice leaves two pairs of files, so a duplicate is visible.
    """

    def __init__(self, settings: MailSettings, *, base_dir: Path | None = None) -> None:
        outbox = Path(settings.outbox).expanduser()
        self.outbox = outbox if outbox.is_absolute() else (base_dir or Path.cwd()) / outbox

    def __repr__(self) -> str:
        return f"FileTransport(outbox={str(self.outbox)!r})"

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        return None

    def check(self) -> None:
        try:
            self.outbox.mkdir(parents=True, exist_ok=True)
            with tempfile.NamedTemporaryFile(dir=self.outbox, prefix=".check-"):
                pass
        except OSError as exc:
            raise MailAuthError(f"mail.outbox: {self.outbox} is not writable ({exc.strerror or exc})") from None

    def _stem(self, msg: EmailMessage) -> str:
        try:
            moment = msg["Date"].datetime
        except AttributeError:
            moment = None
        stamp = (moment or datetime.now(UTC)).strftime("%Y%m%d-%H%M%S")
        message_id = str(msg.get("Message-ID", ""))
        match = _OUR_ID_RE.match(message_id)
        if match:
            return f"{stamp}-order{match.group(1)}-step{match.group(2)}"
        safe = re.sub(r"[^A-Za-z0-9.-]+", "_", message_id).strip("_.")[:80] or "message"
        return f"{stamp}-{safe}"

    def send(self, msg: EmailMessage) -> None:
        _envelope(msg)
        html_part = msg.get_body(preferencelist=("html",))
        html_text = html_part.get_content() if html_part is not None else ""
        try:
            self.outbox.mkdir(parents=True, exist_ok=True)
            stem = self._stem(msg)
            for n in range(1, 1000):
                name = stem if n == 1 else f"{stem}-{n}"
                eml, page = self.outbox / f"{name}.eml", self.outbox / f"{name}.html"
                if eml.exists() or page.exists():
                    continue
                _write_new(page, html_text.encode("utf-8"))
                if _write_new(eml, _wire_bytes(msg)):
                    return
            raise MailError(f"mail.outbox: {self.outbox} has 999 files for {stem}")
        except PermissionError as exc:
            raise MailAuthError(f"mail.outbox: {self.outbox} is not writable ({exc.strerror})") from None
        except OSError as exc:
            raise MailTemporaryError(f"mail.outbox: cannot write to {self.outbox} ({exc.strerror or exc})") from None


def _write_new(path: Path, data: bytes) -> bool:
    """Write atomically and never over an existing file (temp file + hard link); False if `path` already exists."""
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        try:
            os.link(tmp, path)
        except FileExistsError:
            return False
        return True
    finally:
        os.unlink(tmp)


def open_transport(settings: MailSettings, *, base_dir: Path | None = None) -> Transport:
    """The transport named by `mail.transport`; `base_dir` resolves a relative `mail.outbox`."""
    if settings.transport == "smtp":
        return SmtpTransport(settings)
    if settings.transport == "sendmail":
        return SendmailTransport(settings)
    if settings.transport == "file":
        return FileTransport(settings, base_dir=base_dir)
    raise MailAuthError(f"mail.transport: expected smtp, sendmail or file, got {settings.transport!r}")
