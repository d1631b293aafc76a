"""Building the MIME message and sending it: SMTP against a real local server, a fake sendmail, outbox files."""

from __future__ import annotations

import dataclasses
import email
import email.policy
import os
import re
import stat
from datetime import UTC, datetime, timedelta, timezone
from email.message import EmailMessage
from pathlib import Path
from typing import cast

import pytest
from smtp_server import SmtpServer, free_port

from wcrecall.config.settings import MailSettings
from wcrecall.mail.transport import (
    FileTransport,
    SendmailTransport,
    SmtpTransport,
    Transport,
    build_message,
    message_id_for,
    open_transport,
)
from wcrecall.model.errors import (
    MailAuthError,
    MailError,
    MailRecipientRefused,
    MailTemporaryError,
    MailUncertain,
)
from wcrecall.render.renderer import RenderedEmail

STORE = "https://shop.example.com"
SECRET = "pw-Sekr3t-do-not-show"
WHEN = datetime(2026, 3, 1, 9, 30, 5, tzinfo=UTC)

RENDERED = RenderedEmail(
    subject="Your payment for order #4711 didn't go through",
    preheader="Your order is saved.",
    html='<!doctype html><html lang="de"><body><p>Grüße – 48,50\xa0€ ☕</p><a href="https://x.example/?a=1&amp;b=2">Pay</a></body></html>',
    text="Hallo Zoë,\n\n.a line starting with a dot\nPay: https://x.example/?a=1&b=2\n\n48,50\xa0€ ☕\n",
    lang="de",
)


def message(
    *,
    to_addr: str = "jane@example.com",
    to_name: str = "Jane Doe",
    order_id: int = 4711,
    step: int = 1,
    rendered: RenderedEmail = RENDERED,
) -> EmailMessage:
    return build_message(
        rendered,
        to_addr=to_addr,
        to_name=to_name,
        from_addr="Example Shop <shop@example.com>",
        reply_to="help@shop.example.com",
        message_id=message_id_for(store_url=STORE, order_id=order_id, step=step),
        date=WHEN,
        unsubscribe="help@shop.example.com",
    )


def unix(text: str) -> str:
    """Decoded parts keep the wire's CRLF line ends."""
    return text.replace("\r\n", "\n")


def reparse(msg: EmailMessage) -> tuple[bytes, EmailMessage]:
    raw = msg.as_bytes(policy=email.policy.SMTP)
    return raw, email.message_from_bytes(raw, policy=email.policy.default)


# --- message building ----------------------------------------------------------------------------------------------


def test_message_has_all_headers_and_text_then_html_parts() -> None:
    """Subject/From/To/Reply-To/Date/Message-ID/List-Unsubscribe, multipart/alternative with text first, UTF-8."""
    _, parsed = reparse(message())
    assert parsed["Subject"] == RENDERED.subject
    assert parsed["From"] == "Example Shop <shop@example.com>"
    assert parsed["To"] == "Jane Doe <jane@example.com>"
    assert parsed["Reply-To"] == "help@shop.example.com"
    assert parsed["Date"] == "Sun, 01 Mar 2026 09:30:05 +0000"
    assert parsed["Message-ID"] == message_id_for(store_url=STORE, order_id=4711, step=1)
    assert parsed["List-Unsubscribe"] == "<mailto:help@shop.example.com?subject=unsubscribe>"
    assert parsed["Content-Language"] == "de"
    assert parsed.get_content_type() == "multipart/alternative"
    parts = list(parsed.iter_parts())
    assert [p.get_content_type() for p in parts] == ["text/plain", "text/html"]
    assert all(p.get_content_charset() == "utf-8" for p in parts)
    assert unix(cast(EmailMessage, parts[0]).get_content()) == RENDERED.text
    assert unix(cast(EmailMessage, parts[1]).get_content()) == RENDERED.html + "\n"  # MIME ends a part with a newline


def test_message_is_7bit_clean_with_short_lines() -> None:
    """Bodies are encoded, so no server needs 8BITMIME or SMTPUTF8, and no line passes SMTP's limit."""
    raw, _ = reparse(message(to_name="Zoë Ünal 山田"))
    assert raw.isascii()
    assert max(len(line) for line in raw.split(b"\r\n")) <= 78


def test_no_auto_submitted_or_auto_response_headers() -> None:
    """A personal reminder is not marked auto-generated (that is what bulk filters and auto-responders key on)."""
    _, parsed = reparse(message())
    assert parsed["Auto-Submitted"] is None and parsed["X-Auto-Response-Suppress"] is None and parsed["Bcc"] is None


@pytest.mark.parametrize("name", ["Zoë Ünal", "山田 太郎", "مريم", 'Renée "the boss", Ltd.', "👩\u200d💻 Dev"])
def test_non_ascii_and_special_display_names_round_trip(name: str) -> None:
    """Display names are RFC 2047-encoded or quoted as needed and parse back to the same name and address."""
    _, parsed = reparse(message(to_name=name))
    address = parsed["To"].addresses
    assert len(address) == 1 and address[0].display_name == name and address[0].addr_spec == "jane@example.com"


@pytest.mark.parametrize(
    "name",
    ["<b>Bob</b>\r\nBcc: someone@example.org", "Bob\nBcc: someone@example.org", "Bob\rTo: x@example.org", "A\x00\x85B"],
)
def test_header_injection_through_the_name_is_impossible(name: str) -> None:
    """CR/LF in a name becomes a space: the message has one recipient and no Bcc header."""
    raw, parsed = reparse(message(to_name=name))
    assert parsed["Bcc"] is None
    assert [a.addr_spec for a in parsed["To"].addresses] == ["jane@example.com"]
    assert not re.search(rb"\r\n(Bcc|To): (someone|x)@", raw)


HOSTILE_PIECES = [
    "Ana, attacker@evil.example, root",
    'Ana" <attacker@evil.example>, "x',
    "Ana; attacker@evil.example; root",
    "<attacker@evil.example>",
    "group: attacker@evil.example;",
    "=?utf-8?q?attacker=40evil.example=2C?= ,",
    '\\"(attacker@evil.example)\\',
    "Zoë, ünal@évil.example, 山田",
]


@pytest.mark.parametrize("piece", HOSTILE_PIECES)
def test_no_display_name_adds_a_recipient_at_any_length(piece: str) -> None:
    """Names of 1 to 300 characters made of commas, quotes, angle brackets, semicolons and encoded words: the To
    header on the wire parses back (stdlib) to exactly one address, the buyer's (CPython gh-80222 folding)."""
    for length in [*range(1, 120), *range(120, 301, 4), 300]:
        name = (piece * (length // len(piece) + 1))[:length]
        raw, parsed = reparse(message(to_name=name))
        assert [a.addr_spec for a in parsed["To"].addresses] == ["jane@example.com"], (length, raw[:400])
        assert len(parsed.get_all("To") or []) == 1


def test_plain_names_keep_their_name_and_stay_one_address_at_any_length() -> None:
    """Names of ASCII letters, digits, apostrophes and hyphens skip the read-back check (the common case, built once
    per email): at every length, folded or not, the To header still parses back to this one name and address."""
    import random

    rng = random.Random(12)
    alphabet = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789'-"
    for length in [*range(1, 90), *range(90, 301, 7)]:
        words, size = [], 0
        while size < length:
            word = "".join(rng.choice(alphabet) for _ in range(rng.randint(1, 24)))
            words.append(word)
            size += len(word) + 1
        name = " ".join(words)
        raw, parsed = reparse(message(to_name=name))
        addresses = parsed["To"].addresses
        assert len(addresses) == 1 and addresses[0].addr_spec == "jane@example.com", (name, raw[:400])
        assert addresses[0].display_name == name, (name, raw[:400])


def test_smtp_envelope_has_only_the_buyer_whatever_the_name(smtp_server: SmtpServer) -> None:
    """Over a real SMTP server, for hostile names of several lengths: one RCPT TO, the buyer, and a To header that
    the receiving side parses to the buyer alone."""
    names = [(piece * 40)[:length] for piece in HOSTILE_PIECES for length in (1, 40, 77, 78, 120, 300)]
    with open_transport(smtp_server.mail_settings()) as transport:
        for name in names:
            transport.send(message(to_name=name))
    assert len(smtp_server.messages) == len(names)
    for received in smtp_server.messages:
        assert received.rcpt_tos == ("jane@example.com",)
        assert [a.addr_spec for a in received.message["To"].addresses] == ["jane@example.com"]


def test_header_injection_through_the_subject_is_impossible() -> None:
    """A subject carrying CR/LF stays one Subject header."""
    rendered = dataclasses.replace(RENDERED, subject="Hi\r\nBcc: someone@example.org\nX-Evil: 1")
    _, parsed = reparse(message(rendered=rendered))
    assert parsed["Bcc"] is None and parsed["X-Evil"] is None
    assert parsed["Subject"] == "Hi Bcc: someone@example.org X-Evil: 1"


@pytest.mark.parametrize(
    "addr",
    [
        "",
        "not-an-address",
        "jane@example.com, eve@example.org",
        "jane@example.com\r\nBcc: eve@example.org",
        "Jane <jane@example.com>",
        "jäne@example.com",
        "jane@localhost",
    ],
)
def test_invalid_recipient_is_refused_before_any_network_io(addr: str) -> None:
    """A bad buyer address raises MailRecipientRefused while building the message; nothing is sent anywhere."""
    with pytest.raises(MailRecipientRefused):
        message(to_addr=addr)


def test_international_domain_is_sent_as_punycode() -> None:
    """An IDN domain works without SMTPUTF8."""
    _, parsed = reparse(message(to_addr="jane@bücher.example"))
    assert parsed["To"].addresses[0].addr_spec == "jane@xn--bcher-kva.example"


def test_bad_sender_setting_is_a_settings_error() -> None:
    """An invalid mail.from is MailAuthError (exit 2: fix the settings), not a refused recipient."""
    with pytest.raises(MailAuthError, match="mail.from"):
        build_message(
            RENDERED,
            to_addr="jane@example.com",
            to_name="",
            from_addr="shop at example",
            reply_to="help@x.example",
            message_id="<a@b>",
            date=WHEN,
            unsubscribe="help@x.example",
        )


def test_message_id_is_deterministic_per_store_order_and_step() -> None:
    """Same store, order and step: same Message-ID; any of them different: a different one."""
    first = message_id_for(store_url=STORE, order_id=4711, step=2)
    assert first == message_id_for(store_url=STORE + "/", order_id=4711, step=2)
    assert re.fullmatch(r"<wcrecall\.4711\.2\.[0-9a-f]{12}@shop\.example\.com>", first)
    others = {
        message_id_for(store_url=STORE, order_id=4712, step=2),
        message_id_for(store_url=STORE, order_id=4711, step=3),
        message_id_for(store_url="https://other.example.com", order_id=4711, step=2),
    }
    assert first not in others and len(others) == 3


def test_naive_date_is_taken_as_utc_and_offsets_are_kept() -> None:
    """Date is RFC 5322 formatted; an aware datetime keeps its offset."""
    _, parsed = reparse(
        build_message(
            RENDERED,
            to_addr="jane@example.com",
            to_name="",
            from_addr="shop@example.com",
            reply_to="help@x.example",
            message_id="<a@b>",
            date=datetime(2026, 3, 1, 10, 0, tzinfo=timezone(timedelta(hours=1))),
            unsubscribe="help@x.example",
        )
    )
    assert parsed["Date"] == "Sun, 01 Mar 2026 10:00:00 +0100"


# --- SMTP ----------------------------------------------------------------------------------------------------------


def send_all(transport: Transport, messages: list[EmailMessage]) -> list[str]:
    """Send each message; return "ok" or the exception class name per message."""
    outcome: list[str] = []
    for msg in messages:
        try:
            transport.send(msg)
            outcome.append("ok")
        except MailError as exc:
            outcome.append(type(exc).__name__)
    return outcome


def batch(count: int) -> list[EmailMessage]:
    return [message(to_addr=f"buyer{i}@example.com", order_id=100 + i) for i in range(count)]


def test_smtp_sends_several_messages_over_one_connection(smtp_server: SmtpServer) -> None:
    """One connection per run: three messages, one SMTP session, each with the right envelope."""
    with open_transport(smtp_server.mail_settings()) as transport:
        assert send_all(transport, batch(3)) == ["ok", "ok", "ok"]
    assert smtp_server.connections == 1
    assert [m.rcpt_tos for m in smtp_server.messages] == [(f"buyer{i}@example.com",) for i in range(3)]
    assert {m.mail_from for m in smtp_server.messages} == {"shop@example.com"}
    received = smtp_server.messages[0].message
    assert received["Subject"] == RENDERED.subject
    text = received.get_body(preferencelist=("plain",))
    assert text is not None and unix(text.get_content()) == RENDERED.text  # the leading dot survived dot-stuffing


def test_smtp_connects_lazily(smtp_server: SmtpServer) -> None:
    """Opening the transport costs nothing: no connection until the first send."""
    with open_transport(smtp_server.mail_settings()):
        pass
    assert smtp_server.connections == 0


def test_smtp_login_with_right_credentials_delivers() -> None:
    """AUTH with the configured user and password, then delivery."""
    with SmtpServer(username="shop", password=SECRET) as server:
        with open_transport(server.mail_settings(username="shop", password=SECRET)) as transport:
            assert send_all(transport, batch(2)) == ["ok", "ok"]
        assert server.logins == ["shop"] and len(server.messages) == 2 and server.connections == 1


def test_smtp_login_failure_is_auth_error_without_the_password() -> None:
    """A 535 is MailAuthError naming host, port, security and user, never the password; no second login attempt."""
    with SmtpServer(username="shop", password="the-right-one") as server:
        transport = open_transport(server.mail_settings(username="shop", password=SECRET))
        with transport, pytest.raises(MailAuthError) as caught:
            transport.send(message())
        text = f"{caught.value} {caught.value!r} {transport!r}"
        assert SECRET not in text
        assert f"127.0.0.1:{server.port}" in text and "security none" in text and "'shop'" in text and "535" in text
        attempts = server.failed_logins  # smtplib tries each offered mechanism (PLAIN, LOGIN) once
        with pytest.raises(MailAuthError):
            transport.send(message())
        assert server.failed_logins == attempts and server.connections == 1 and server.messages == []


def test_smtp_starttls_required_but_not_offered_is_auth_error(smtp_server: SmtpServer) -> None:
    """security=starttls never falls back to plain text."""
    with (
        open_transport(smtp_server.mail_settings(security="starttls")) as transport,
        pytest.raises(MailAuthError, match="STARTTLS"),
    ):
        transport.send(message())
    assert smtp_server.messages == []


def test_smtp_ssl_against_a_plain_server_is_auth_error(smtp_server: SmtpServer) -> None:
    """security=ssl on a port that does not speak TLS is a settings error."""
    with (
        open_transport(smtp_server.mail_settings(security="ssl")) as transport,
        pytest.raises(MailAuthError, match="TLS"),
    ):
        transport.send(message())


def test_smtp_connection_refused_is_auth_error() -> None:
    """Nothing listening on the configured port: MailAuthError naming host and port."""
    port = free_port()
    settings = MailSettings(host="127.0.0.1", port=port, security="none", from_addr="shop@example.com", timeout=2)
    with open_transport(settings) as transport, pytest.raises(MailAuthError, match=f"127.0.0.1:{port}"):
        transport.send(message())


@pytest.mark.parametrize("reply", ["421 4.3.2 Shutting down", "451 4.3.0 Try again later"])
def test_smtp_4xx_to_mail_from_is_temporary(smtp_server: SmtpServer, reply: str) -> None:
    """421 or 451 to MAIL FROM: MailTemporaryError; the next send still goes out (421 reconnects once)."""
    with open_transport(smtp_server.mail_settings()) as transport:
        smtp_server.fail_mail = reply
        assert send_all(transport, batch(1)) == ["MailTemporaryError"]
        smtp_server.fail_mail = None
        assert send_all(transport, batch(1)) == ["ok"]
    assert smtp_server.connections == (2 if reply.startswith("421") else 1)


@pytest.mark.parametrize("reply", ["421 4.7.0 Too many connections", "451 4.1.1 Mailbox busy", "452 4.2.2 Over quota"])
def test_smtp_4xx_to_rcpt_is_temporary(smtp_server: SmtpServer, reply: str) -> None:
    """A deferred recipient is MailTemporaryError and the message is not delivered."""
    smtp_server.fail_rcpt = {"buyer0@example.com": reply}
    with open_transport(smtp_server.mail_settings()) as transport:
        assert send_all(transport, batch(2)) == ["MailTemporaryError", "ok"]
    assert [m.rcpt_tos for m in smtp_server.messages] == [("buyer1@example.com",)]


@pytest.mark.parametrize("where", ["command", "after data"])
@pytest.mark.parametrize("reply", ["421 4.3.2 Closing", "451 4.3.0 Local error"])
def test_smtp_4xx_to_data_is_temporary(smtp_server: SmtpServer, where: str, reply: str) -> None:
    """4xx to DATA, or after the final dot, means not accepted: MailTemporaryError (safe to send again later)."""
    if where == "command":
        smtp_server.fail_data_command = reply
    else:
        smtp_server.fail_data = reply
    with open_transport(smtp_server.mail_settings()) as transport:
        assert send_all(transport, batch(1)) == ["MailTemporaryError"]
    assert smtp_server.messages == []


@pytest.mark.parametrize(
    "reply", ["550 5.1.1 <buyer0@example.com>: user unknown", "553 5.1.3 Bad recipient address syntax"]
)
def test_smtp_5xx_to_rcpt_refuses_that_recipient_only(smtp_server: SmtpServer, reply: str) -> None:
    """550/553 to RCPT is MailRecipientRefused (address masked); the next recipient on the same connection is fine."""
    smtp_server.fail_rcpt = {"buyer0@example.com": reply}
    with open_transport(smtp_server.mail_settings()) as transport:
        with pytest.raises(MailRecipientRefused) as caught:
            transport.send(batch(1)[0])
        assert "buyer0@example.com" not in str(caught.value) and "b***@example.com" in str(caught.value)
        assert send_all(transport, batch(2)[1:]) == ["ok"]
    assert smtp_server.connections == 1 and len(smtp_server.messages) == 1


def test_smtp_5xx_after_data_blames_the_address_only_for_an_address_code(smtp_server: SmtpServer) -> None:
    """After DATA, 5.1.1 refuses the recipient; a policy or content refusal (5.7.1) is the sender's, not the buyer's."""
    smtp_server.fail_data = "550 5.1.1 mailbox does not exist"
    with open_transport(smtp_server.mail_settings()) as transport:
        assert send_all(transport, batch(1)) == ["MailRecipientRefused"]
    smtp_server.fail_data = "554 5.7.1 Message rejected"
    with open_transport(smtp_server.mail_settings()) as transport:
        assert send_all(transport, batch(1)) == ["MailSenderRefused"]


def test_smtp_third_sender_refusal_in_a_run_stops_the_transport(smtp_server: SmtpServer) -> None:
    """Two refusals that are not about the address are per message; the third is a setup error for every later send."""
    smtp_server.fail_rcpt = {"*": "554 5.7.1 Relay access denied"}
    with open_transport(smtp_server.mail_settings()) as transport:
        assert send_all(transport, batch(4)) == [
            "MailSenderRefused",
            "MailSenderRefused",
            "MailSenderSetupError",
            "MailSenderSetupError",
        ]


def test_smtp_5xx_to_mail_from_is_a_settings_error(smtp_server: SmtpServer) -> None:
    """A refused sender would refuse every message: MailAuthError (check mail.from), not a refused buyer."""
    smtp_server.fail_mail = "553 5.7.1 Sender address rejected: not owned by user"
    with open_transport(smtp_server.mail_settings()) as transport, pytest.raises(MailAuthError, match="mail.from"):
        transport.send(message())


def test_smtp_drop_mid_batch_delivers_the_first_and_defers_the_next(smtp_server: SmtpServer) -> None:
    """The server closes after two messages: those are delivered, the third is MailTemporaryError, the fourth
    reconnects (once) and is delivered."""
    smtp_server.drop_after = 2
    with open_transport(smtp_server.mail_settings()) as transport:
        assert send_all(transport, batch(4)) == ["ok", "ok", "MailTemporaryError", "ok"]
    assert [m.rcpt_tos[0] for m in smtp_server.messages] == [
        "buyer0@example.com",
        "buyer1@example.com",
        "buyer3@example.com",
    ]
    assert smtp_server.connections == 2


def test_smtp_reconnects_only_once_per_run(smtp_server: SmtpServer) -> None:
    """If the reconnect fails too, every later send is MailTemporaryError without hammering the server."""
    smtp_server.drop_after = 1
    with open_transport(smtp_server.mail_settings()) as transport:
        assert send_all(transport, batch(1)) == ["ok"]
        smtp_server.refuse_connections = True
        assert send_all(transport, batch(4)) == ["MailTemporaryError"] * 4
    assert smtp_server.connections == 1 and len(smtp_server.messages) == 1


def test_smtp_drop_after_data_is_uncertain_and_not_resent(smtp_server: SmtpServer) -> None:
    """The whole message was handed over and the connection died before the reply: MailUncertain."""
    smtp_server.drop_after_data = True
    with open_transport(smtp_server.mail_settings()) as transport, pytest.raises(MailUncertain, match="not sent again"):
        transport.send(message())
    assert len(smtp_server.unanswered) == 1 and smtp_server.messages == []


def test_smtp_timeout_after_data_is_uncertain(smtp_server: SmtpServer) -> None:
    """No reply to the final dot within mail.timeout: MailUncertain, not MailTemporaryError."""
    smtp_server.stall_after_data = 5  # it would answer 250 after 5 s: MailUncertain means the timeout ended the wait
    with open_transport(smtp_server.mail_settings(timeout=0.5)) as transport, pytest.raises(MailUncertain):
        transport.send(message())


def test_smtp_check_logs_in_without_sending() -> None:
    """check() (for `doctor`) connects and logs in, and sends nothing."""
    with SmtpServer(username="shop", password=SECRET) as server:
        open_transport(server.mail_settings(username="shop", password=SECRET)).check()
        assert server.logins == ["shop"] and server.messages == []
        with pytest.raises(MailAuthError) as caught:
            open_transport(server.mail_settings(username="shop", password="wrong-" + SECRET)).check()
        assert SECRET not in str(caught.value)


def test_transport_reprs_never_show_the_password() -> None:
    """Secrets stay out of reprs (which end up in logs and tracebacks)."""
    settings = MailSettings(host="mail.example.com", username="shop", password=SECRET, from_addr="shop@example.com")
    transport = open_transport(settings)
    assert isinstance(transport, SmtpTransport) and SECRET not in repr(transport) and SECRET not in repr(settings)


# --- sendmail ------------------------------------------------------------------------------------------------------


def fake_sendmail(tmp_path: Path, *, code: int = 0, stderr: str = "", sleep: float = 0) -> Path:
    """A stand-in for /usr/sbin/sendmail that records its arguments and stdin, then exits with `code`."""
    script = tmp_path / "sendmail"
    wait = f"exec sleep {sleep}\n" if sleep else ""
    script.write_text(
        "#!/bin/sh\n"
        f'printf "%s\\n" "$@" > "{tmp_path}/args"\n'
        f'cat > "{tmp_path}/stdin"\n'
        f'printf "%s\\n" "{stderr}" >&2\n'
        f"{wait}"
        f"exit {code}\n"
    )
    script.chmod(script.stat().st_mode | stat.S_IXUSR)
    return script


def sendmail_settings(path: Path, timeout: float = 5.0) -> MailSettings:
    return MailSettings(
        transport="sendmail", sendmail_path=str(path), from_addr="Shop <shop@example.com>", timeout=timeout
    )


def test_sendmail_gets_the_message_on_stdin(tmp_path: Path) -> None:
    """`sendmail -i -f <from> -- <buyer>` receives the whole message, CRLF and all, and exit 0 is success."""
    transport = open_transport(sendmail_settings(fake_sendmail(tmp_path)))
    assert isinstance(transport, SendmailTransport)
    transport.check()
    with transport:
        transport.send(message())
    assert (tmp_path / "args").read_text().split() == ["-i", "-f", "shop@example.com", "--", "jane@example.com"]
    parsed = email.message_from_bytes((tmp_path / "stdin").read_bytes(), policy=email.policy.default)
    assert parsed["To"] == "Jane Doe <jane@example.com>" and parsed["Subject"] == RENDERED.subject


@pytest.mark.parametrize(
    ("code", "error"),
    [
        (75, MailTemporaryError),
        (69, MailTemporaryError),
        (71, MailTemporaryError),
        (74, MailTemporaryError),
        (67, MailRecipientRefused),
        (68, MailRecipientRefused),
        (1, MailError),
        (78, MailError),
    ],
)
def test_sendmail_exit_codes_map_to_errors(tmp_path: Path, code: int, error: type[MailError]) -> None:
    """sysexits: TEMPFAIL and friends are temporary, NOUSER/NOHOST refuse the recipient, others are MailError."""
    transport = open_transport(sendmail_settings(fake_sendmail(tmp_path, code=code, stderr="first line\nsecond line")))
    with pytest.raises(error) as caught:
        transport.send(message())
    assert type(caught.value) is error
    assert f"exited with {code}" in str(caught.value) and "first line" in str(caught.value)
    assert "second line" not in str(caught.value) and "jane@example.com" not in str(caught.value)


def test_sendmail_missing_binary_is_a_settings_error(tmp_path: Path) -> None:
    """A wrong mail.sendmail_path fails check() and send() with MailAuthError naming the key."""
    transport = open_transport(sendmail_settings(tmp_path / "no-sendmail"))
    with pytest.raises(MailAuthError, match="mail.sendmail_path"):
        transport.check()
    with pytest.raises(MailAuthError, match="mail.sendmail_path"):
        transport.send(message())


def test_sendmail_timeout_is_uncertain(tmp_path: Path) -> None:
    """sendmail that read the message but did not exit in time may have queued it: MailUncertain."""
    # the fake exits 0 after 10 s: MailUncertain means the timeout ended the wait, not sendmail's answer
    transport = open_transport(sendmail_settings(fake_sendmail(tmp_path, sleep=10), timeout=0.5))
    with pytest.raises(MailUncertain):
        transport.send(message())


# --- outbox files --------------------------------------------------------------------------------------------------


def test_file_transport_writes_eml_and_viewable_html(tmp_path: Path) -> None:
    """One .eml (the whole message) and one .html (the HTML part alone) per message, named by date, order, step."""
    settings = MailSettings(transport="file", outbox="outbox", from_addr="shop@example.com")
    transport = open_transport(settings, base_dir=tmp_path)
    assert isinstance(transport, FileTransport) and transport.outbox == tmp_path / "outbox"
    transport.check()
    with transport:
        transport.send(message(order_id=4711, step=2))
    files = sorted(p.name for p in (tmp_path / "outbox").iterdir())
    assert files == ["20260301-093005-order4711-step2.eml", "20260301-093005-order4711-step2.html"]
    parsed = email.message_from_bytes((tmp_path / "outbox" / files[0]).read_bytes(), policy=email.policy.default)
    assert parsed["Message-ID"] == message_id_for(store_url=STORE, order_id=4711, step=2)
    assert unix((tmp_path / "outbox" / files[1]).read_text(encoding="utf-8")).rstrip("\n") == RENDERED.html


def test_file_transport_never_overwrites_so_duplicates_are_visible(tmp_path: Path) -> None:
    """Sending the same step twice leaves two pairs of files, not one overwritten pair."""
    transport = open_transport(MailSettings(transport="file", outbox=str(tmp_path), from_addr="shop@example.com"))
    transport.send(message())
    transport.send(message())
    names = sorted(p.name for p in tmp_path.iterdir())
    assert len(names) == 4 and not any(name.startswith(".") for name in names)
    assert "20260301-093005-order4711-step1-2.eml" in names


def test_file_transport_check_reports_an_unusable_outbox(tmp_path: Path) -> None:
    """An outbox path that is a file cannot be created: MailAuthError naming mail.outbox."""
    (tmp_path / "taken").write_text("not a folder")
    transport = open_transport(
        MailSettings(transport="file", outbox=str(tmp_path / "taken" / "outbox"), from_addr="s@x.example")
    )
    with pytest.raises(MailAuthError, match="mail.outbox"):
        transport.check()


# --- golden file ---------------------------------------------------------------------------------------------------


def test_message_headers_match_golden_file() -> None:
    """Every header of the message and its parts, as sent, is reviewed in tests/golden/message-headers.txt."""
    raw, _ = reparse(message(to_name="Zoë <b>Bob</b>\r\nBcc: someone@example.org"))
    raw = re.sub(rb"={15}\d+==", b"===BOUNDARY===", raw)
    headers = [block.split(b"\r\n\r\n", 1)[0] for block in raw.split(b"--===BOUNDARY===")]
    actual = "\n\n".join(h.decode("ascii").replace("\r\n", "\n").strip() for h in headers if h.strip(b"-\r\n")) + "\n"
    path = Path(__file__).parent / "golden" / "message-headers.txt"
    if os.environ.get("WCRECALL_REGEN_GOLDEN") == "1":
        path.write_text(actual, encoding="utf-8")
    assert actual == path.read_text(encoding="utf-8"), (
        "message-headers.txt changed: review, then WCRECALL_REGEN_GOLDEN=1"
    )


def test_headers_the_same_in_every_message_are_parsed_once(monkeypatch: pytest.MonkeyPatch) -> None:
    """From, Reply-To, MIME-Version and the parts' Content-Type are the same in every reminder of a run: the mail
    builder parses each once, not once per message (the stdlib builds a header class per header it sets)."""
    import email.headerregistry

    built: list[str] = []
    getitem = email.headerregistry.HeaderRegistry.__getitem__

    def counted(self: email.headerregistry.HeaderRegistry, name: str) -> type[email.headerregistry.BaseHeader]:
        built.append(name.lower())
        return getitem(self, name)

    monkeypatch.setattr(email.headerregistry.HeaderRegistry, "__getitem__", counted)
    messages = [message(to_addr=f"buyer{n}@example.com", to_name=f"Buyer {n}", order_id=n) for n in range(1, 6)]
    assert len({m["To"].addresses[0].addr_spec for m in messages}) == 5
    assert all(str(m["From"]) == "Example Shop <shop@example.com>" for m in messages)
    # At most once: an earlier message of this process may have parsed them already.
    assert [built.count(name) <= 1 for name in ("from", "reply-to", "mime-version")] == [True, True, True]
