"""SMTP: one connection for all sends of a run, and the mapping of the server's replies to "never twice, never lost"
(described in mail/transport.py). The only module that imports smtplib.

The SMTP password never appears in an exception, a log line or a repr.
"""

from __future__ import annotations

import re
import smtplib
import ssl
from email.message import EmailMessage
from typing import Self

from wcrecall.config.settings import MailSettings
from wcrecall.mail import smtpreply
from wcrecall.mail.wire import envelope, wire_bytes
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


class _LoginRefused(MailAuthError):
    """The server refused the credentials: retrying in this run cannot help."""


# This many refusals that are not about the buyer's address, in one run, stop the sending: one may be a message the
# content filter disliked, three in a row are the provider refusing the shop.
SENDER_REFUSALS_STOP = 3


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
        sender, recipient = envelope(msg)
        sender = self._envelope_sender(sender)
        payload = _smtp_data(wire_bytes(msg))
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
        from wcrecall.mail.transport import configured_address  # the module that builds messages (imports this one)

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
    from wcrecall.mail.transport import _ascii_domain  # the module that builds messages (imports this one)

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
