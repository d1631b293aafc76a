"""A real SMTP server for tests: aiosmtpd on 127.0.0.1 and a free port, with misbehaviour on request.

    with SmtpServer(username="shop", password="pw") as server:
        settings = server.mail_settings(username="shop", password="pw")
        ...
        assert server.connections == 1 and len(server.messages) == 2

Misbehaviours are plain attributes, read live by the server thread, so a test may change them between sends:
`fail_mail`, `fail_rcpt` (address or "*" -> reply), `fail_data_command` (reply to DATA instead of 354), `fail_data`
(reply after the final "." instead of 250), `drop_after` (close the connection once, right after the Nth accepted
message), `drop_after_data` (read the whole message, then close without replying), `stall_after_data` (read the whole
message, then say nothing for that many seconds), `refuse_connections` (greet new connections with 421 and close).
Any 421 reply closes the connection, as real servers do.
"""

from __future__ import annotations

import asyncio
import email
import email.policy
import logging
import socket
import threading
import warnings
from collections.abc import Mapping
from dataclasses import dataclass, field
from email.message import EmailMessage
from typing import Any, Self, cast

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, AuthResult, Envelope, LoginPassword, Session

from wcrecall.config.settings import MailSettings

HOST = "127.0.0.1"

# AUTH without TLS is deliberate here (loopback, no certificates in tests): keep aiosmtpd's warnings about it, and its
# per-connection info lines, out of the test output.
logging.getLogger("mail.log").setLevel(logging.ERROR)


def free_port() -> int:
    """A port nothing listens on right now (the OS picks it; loopback only)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((HOST, 0))
        return int(sock.getsockname()[1])


@dataclass(frozen=True)
class Received:
    mail_from: str
    rcpt_tos: tuple[str, ...]
    data: bytes

    @property
    def message(self) -> EmailMessage:
        return email.message_from_bytes(self.data, policy=email.policy.default)


@dataclass
class SmtpServer:
    username: str | None = None
    password: str | None = field(default=None, repr=False)  # a secret: never in a failing test's printout
    fail_mail: str | None = None
    fail_rcpt: Mapping[str, str] = field(default_factory=dict)
    fail_data_command: str | None = None
    fail_data: str | None = None
    drop_after: int | None = None
    drop_after_data: bool = False
    stall_after_data: float = 0.0
    refuse_connections: bool = False

    host: str = field(default=HOST, init=False)
    port: int = field(default=0, init=False)
    messages: list[Received] = field(default_factory=list, init=False)  # answered 250 after DATA
    unanswered: list[Received] = field(default_factory=list, init=False)  # read in full, then dropped or stalled
    connections: int = field(default=0, init=False)  # sessions that said EHLO/HELO
    logins: list[str] = field(default_factory=list, init=False)  # user names that logged in
    failed_logins: int = field(default=0, init=False)

    def __post_init__(self) -> None:
        self._lock = threading.Lock()
        self._dropped = False
        self._controller: _Controller | None = None

    def __enter__(self) -> Self:
        self.port = free_port()
        self._controller = _Controller(self, port=self.port)
        self._controller.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def stop(self) -> None:
        controller, self._controller = self._controller, None
        if controller is not None:
            controller.stop()

    def mail_settings(self, **overrides: Any) -> MailSettings:
        values: dict[str, Any] = {
            "transport": "smtp",
            "host": self.host,
            "port": self.port,
            "security": "none",
            "from_addr": "Shop <shop@example.com>",
            "timeout": 5.0,
        }
        values.update(overrides)
        return MailSettings(**values)

    # --- called from the server thread ---

    def _count_connection(self) -> None:
        with self._lock:
            self.connections += 1

    def _accept(self, received: Received) -> bool:
        """Record an accepted message; True if the connection must be closed after the reply (drop_after)."""
        with self._lock:
            self.messages.append(received)
            if self.drop_after is not None and not self._dropped and len(self.messages) >= self.drop_after:
                self._dropped = True
                return True
        return False

    def _authenticate(
        self, server: SMTP, session: Session, envelope: Envelope, mechanism: str, auth_data: Any
    ) -> AuthResult:
        ok = (
            isinstance(auth_data, LoginPassword)
            and self.username is not None
            and auth_data.login.decode() == self.username
            and auth_data.password.decode() == (self.password or "")
        )
        with self._lock:
            if ok:
                self.logins.append(auth_data.login.decode())
            else:
                self.failed_logins += 1
        return AuthResult(success=ok, handled=False)  # handled=False: aiosmtpd answers 535 itself


class _Handler:
    def __init__(self, owner: SmtpServer) -> None:
        self.owner = owner

    async def handle_MAIL(
        self, server: SMTP, session: Session, envelope: Envelope, address: str, options: list[str]
    ) -> str:
        if self.owner.fail_mail:
            return self.owner.fail_mail
        envelope.mail_from = address
        envelope.mail_options.extend(options)
        return "250 OK"

    async def handle_RCPT(
        self, server: SMTP, session: Session, envelope: Envelope, address: str, options: list[str]
    ) -> str:
        reply = self.owner.fail_rcpt.get(address) or self.owner.fail_rcpt.get("*")
        if reply:
            return reply
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        received = Received(
            mail_from=str(envelope.mail_from),
            rcpt_tos=tuple(envelope.rcpt_tos),
            data=bytes(cast(bytes, envelope.original_content)),
        )
        owner = self.owner
        if owner.drop_after_data or owner.stall_after_data:
            owner.unanswered.append(received)
            if owner.drop_after_data:
                assert server.transport is not None
                server.transport.close()
            await asyncio.sleep(owner.stall_after_data or 30)  # cancelled when the connection goes
            return "451 4.3.0 too late"
        if owner.fail_data:
            return owner.fail_data
        if owner._accept(received):
            cast(_Protocol, server).close_after_reply = True
        return "250 OK: queued"


class _Protocol(SMTP):
    """aiosmtpd's SMTP session plus the misbehaviours that need more than a handler hook."""

    def __init__(self, owner: SmtpServer, handler: _Handler, **kwargs: Any) -> None:
        super().__init__(handler, **kwargs)
        self.owner = owner
        self.close_after_reply = False
        self._greeted = False

    async def _handle_client(self) -> None:
        if self.owner.refuse_connections:
            await self.push("421 4.3.2 Service not available, closing")
            return
        await super()._handle_client()

    async def push(self, status: Any) -> None:
        await super().push(status)
        text = status.decode() if isinstance(status, bytes) else str(status)
        if (text.startswith("421") or self.close_after_reply) and self.transport is not None:
            self.close_after_reply = False
            self.transport.close()

    async def _count(self) -> None:
        if not self._greeted:
            self._greeted = True
            self.owner._count_connection()

    async def smtp_EHLO(self, hostname: str) -> None:
        await self._count()
        await super().smtp_EHLO(hostname)

    async def smtp_HELO(self, hostname: str) -> None:
        await self._count()
        await super().smtp_HELO(hostname)

    async def smtp_DATA(self, arg: str) -> None:
        if self.owner.fail_data_command and self.envelope is not None and self.envelope.rcpt_tos:
            await self.push(self.owner.fail_data_command)
            return
        await super().smtp_DATA(arg)


class _Controller(Controller):
    def __init__(self, owner: SmtpServer, *, port: int) -> None:
        self.owner = owner
        super().__init__(_Handler(owner), hostname=HOST, port=port, ready_timeout=5.0)

    def factory(self) -> SMTP:
        owner = self.owner
        # Built per connection, so credentials set on the server before a connection apply to it.
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", UserWarning)
            return _Protocol(
                owner,
                cast(_Handler, self.handler),
                authenticator=owner._authenticate,
                auth_required=owner.username is not None,
                auth_require_tls=False,  # tests run without TLS on loopback
                hostname="mx.test",
            )
