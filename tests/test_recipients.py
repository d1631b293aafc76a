"""Who a reminder goes to, and what it calls them: buyer text never adds a recipient or a phishing line.

A billing name is hostile input. A long name full of commas once folded into extra addresses in `To:` (CPython
gh-80222), and `sendmail -t` queued the reminder for them; a guest's "first name" was printed verbatim in the greeting.
"""

from __future__ import annotations

import email
import email.policy
from pathlib import Path

import pytest
from e2e import NOW, cli, failed_order, write_config
from smtp_server import SmtpServer

from wcrecall.sandbox import SandboxStore

LONG_LIST_NAME = "Ana, attacker@evil.example, root" + "x" * 60
PHISHING = "Call +1-555-0100 to claim your refund https://evil.example"


def sendmail_config(tmp_path: Path, store: SandboxStore) -> Path:
    """A config whose sendmail records its arguments and the message it was given."""
    script = tmp_path / "sendmail"
    script.write_text(f'#!/bin/sh\nprintf "%s\\n" "$@" > "{tmp_path}/args"\ncat > "{tmp_path}/stdin"\nexit 0\n')
    script.chmod(0o755)
    config = write_config(tmp_path, store.url)
    text = config.read_text().replace('transport = "file"', f'transport = "sendmail"\nsendmail_path = "{script}"')
    config.write_text(text)
    return config


def test_sendmail_gets_the_buyer_as_the_only_argument_whatever_the_name(tmp_path: Path, store: SandboxStore) -> None:
    """`sendmail -i -f FROM -- BUYER`, never `-t`; the To header parses back to the buyer alone."""
    failed_order(store, "ana@example.com", billing={"first_name": LONG_LIST_NAME, "last_name": "Root"})
    config = sendmail_config(tmp_path, store)
    result = cli(["run"], config=config, now=NOW)
    assert result.exit_code == 0, result.stderr
    assert (tmp_path / "args").read_text().split("\n")[:-1] == ["-i", "-f", "shop@example.com", "--", "ana@example.com"]
    parsed = email.message_from_bytes((tmp_path / "stdin").read_bytes(), policy=email.policy.default)
    assert [a.addr_spec for a in parsed["To"].addresses] == ["ana@example.com"]
    assert b"evil.example" not in (tmp_path / "stdin").read_bytes()


def test_smtp_envelope_and_to_header_name_only_the_buyer(tmp_path: Path, store: SandboxStore, smtp: SmtpServer) -> None:
    """Over SMTP: exactly one RCPT TO, the buyer, and a To header that parses back to the buyer alone."""
    failed_order(store, "ana@example.com", billing={"first_name": LONG_LIST_NAME})
    config = write_config(tmp_path, store.url, smtp_port=smtp.port)
    assert cli(["run"], config=config, now=NOW).exit_code == 0
    (received,) = smtp.messages
    assert received.rcpt_tos == ("ana@example.com",)
    assert [a.addr_spec for a in received.message["To"].addresses] == ["ana@example.com"]


def test_a_phishing_first_name_is_not_printed(tmp_path: Path, store: SandboxStore, smtp: SmtpServer) -> None:
    """A guest's "name" with a phone number and a link: the email greets without a name, To has no display name."""
    failed_order(store, "ana@example.com", billing={"first_name": PHISHING, "last_name": ""}, customer_id=0)
    config = write_config(tmp_path, store.url, smtp_port=smtp.port)
    assert cli(["run"], config=config, now=NOW).exit_code == 0
    (received,) = smtp.messages
    message = received.message
    assert str(message["To"]) == "ana@example.com"
    html = message.get_body(("html",)).get_content()  # type: ignore[union-attr]
    text = message.get_body(("plain",)).get_content()  # type: ignore[union-attr]
    for part in (html, text):
        assert "evil.example" not in part and "555-0100" not in part and "refund" not in part
    assert "Hello," in text


@pytest.mark.parametrize("name", ["José", "山田", "Мария", "مريم", "O'Brien-Smith"])
def test_a_real_first_name_is_used_in_the_greeting_and_to(
    tmp_path: Path, store: SandboxStore, smtp: SmtpServer, name: str
) -> None:
    """Names in any script, with apostrophes and hyphens, are kept: greeting and display name."""
    failed_order(store, "ana@example.com", billing={"first_name": name, "last_name": ""})
    config = write_config(tmp_path, store.url, smtp_port=smtp.port, extra='[regional]\ndefault_language = "en"\n')
    assert cli(["run"], config=config, now=NOW).exit_code == 0
    (received,) = smtp.messages
    assert received.message["To"].addresses[0].display_name == name
    assert name in received.message.get_body(("plain",)).get_content()  # type: ignore[union-attr]
