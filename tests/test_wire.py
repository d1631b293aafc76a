"""The policy's headers (mail/wire.py): plain Subject, To and Message-ID values skip the parser and are written as
the stdlib writes them; anything else goes the stdlib's way."""

from __future__ import annotations

import email.headerregistry
import email.policy
import random
from datetime import UTC, datetime
from email.headerregistry import Address
from typing import Any

import pytest
from test_mimetext import reminder_wire

from wcrecall.mail import transport, wire
from wcrecall.mail.transport import build_message
from wcrecall.mail.wire import POLICY, READ_POLICY
from wcrecall.render.renderer import RenderedEmail

STDLIB = email.headerregistry.HeaderRegistry()
POLICIES = [
    POLICY,
    email.policy.default,
    email.policy.SMTP.clone(max_line_length=None),
    email.policy.SMTP.clone(max_line_length=40),
]

WORDS = [
    "Your", "payment", "for", "order", "#4711", "didn't", "go", "through", "(x)", '"q"', "a,b", "<b>", "=", "=?",
    "?=", "=?utf-8?q?x?=", "Zoë", "中文", "\\", ";", ":", "@", "x" * 40, "y" * 80, "", " ", "\t",
]  # fmt: skip


def _texts(seed: int, count: int = 500) -> list[str]:
    rng = random.Random(seed)
    texts = ["", "a", " a", "a ", "a  b", "x" * 69, "x" * 70, "x" * 71, "w " * 35, "w " * 40]
    texts += [" ".join(rng.choice(WORDS) for _ in range(rng.randint(1, 14))) for _ in range(count)]
    return texts


def _same(name: str, value: Any) -> None:
    try:
        plain = STDLIB(name, value)
    except Exception as exc:  # noqa: BLE001  # the stdlib's parser fails on some values: then so does this
        with pytest.raises(type(exc)):
            POLICY.header_factory(name, value)
        return
    quick = POLICY.header_factory(name, value)
    assert str(quick) == str(plain), (name, value)
    assert [type(d) for d in quick.defects] == [type(d) for d in plain.defects], (name, value)
    for policy in POLICIES:
        assert quick.fold(policy=policy) == plain.fold(policy=policy), (name, value, policy)
    if hasattr(plain, "addresses"):
        assert quick.addresses == plain.addresses  # type: ignore[attr-defined]


def test_subjects_are_written_as_the_stdlib_writes_them() -> None:
    for text in _texts(seed=1):
        _same("Subject", text)


def test_message_ids_are_written_as_the_stdlib_writes_them() -> None:
    rng = random.Random(2)
    ids = ["<wcrecall.4711.1.0123456789ab@shop.example.com>", "<a@b>", "<a..b@c>", "<.a@b>", "<a(b)c@d>", "<a@b.>"]
    ids += ["<wcrecall.1.1.abc@" + "h" * n + ".example>" for n in range(40, 70)]
    pieces = ["a", "1", ".", "-", "(", ")", '"', ",", "@", "<", ">", " ", "é", "!", "~"]
    ids += ["<" + "".join(rng.choice(pieces) for _ in range(rng.randint(1, 20))) + ">" for _ in range(300)]
    for value in ids:
        _same("Message-ID", value)


def test_addresses_are_written_as_the_stdlib_writes_them() -> None:
    rng = random.Random(3)
    names = [
        "",
        "Ana",
        "Doe, Jane",
        "J. Doe",
        "Ana  Bo",
        " Ana",
        "Zoë Müller",
        "O'Brien-Smith Jr",
        "Ana, attacker@evil.example",
        'a "b" c',
        "(c)",
        "x" * 70,
    ]
    names += [" ".join(rng.choice(WORDS) for _ in range(rng.randint(1, 6))) for _ in range(60)]
    users = ["jane", "jane.doe", "j+tag", "o'brien", "a_b-c"]
    domains = ["example.com", "xn--mller-kva.example", "h" * 60 + ".example"]
    for name in names:
        for user in users:
            for domain in domains:
                _same("To", Address(display_name=name, username=user, domain=domain))


def test_a_plain_value_is_not_parsed_and_a_long_or_other_one_is() -> None:
    assert POLICY.header_factory("Subject", "Your payment didn't go through")._parse_tree is None  # type: ignore[attr-defined]
    assert POLICY.header_factory("Subject", "Grüße")._parse_tree is not None  # type: ignore[attr-defined]
    long = POLICY.header_factory("Subject", "word " * 30 + "end")
    assert long.fold(policy=POLICY) == STDLIB("Subject", "word " * 30 + "end").fold(policy=POLICY)
    assert "\r\n " in long.fold(policy=POLICY)  # folded, by the stdlib


@pytest.mark.parametrize(
    "name",
    ["Jane Doe", "Zoë O'Brien", "<b>Bob</b>\r\nBcc: x@example.org", "Ana, attacker@evil.example, " + "root " * 30],
)
@pytest.mark.parametrize("subject", ["Your payment for order #7 didn't go through", "x " * 60, "Pago =?utf-8?q?x?="])
def test_a_reminder_has_the_bytes_the_stdlib_policy_gives(
    name: str, subject: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    rendered = RenderedEmail(subject=subject, preheader="", html="<p>Hi</p>\n", text="Hi\n", lang="en", to_name=name)

    quick = reminder_wire(rendered, name)
    stdlib = email.policy.SMTP.clone(cte_type="7bit")
    monkeypatch.setattr(transport, "POLICY", stdlib)
    monkeypatch.setattr(wire, "POLICY", stdlib)
    monkeypatch.setattr(transport, "READ_POLICY", email.policy.default)
    assert quick == reminder_wire(rendered, name)
    assert READ_POLICY is not email.policy.default


def test_a_name_outside_ascii_is_folded_once_per_message(monkeypatch: pytest.MonkeyPatch) -> None:
    folded: list[str] = []
    stdlib_fold = email.headerregistry.BaseHeader.fold

    def counted(self: email.headerregistry.BaseHeader, *, policy: Any) -> str:
        folded.append(self.name)
        return stdlib_fold(self, policy=policy)

    monkeypatch.setattr(email.headerregistry.BaseHeader, "fold", counted)
    rendered = RenderedEmail(
        subject="Hi", preheader="", html="<p>Hi</p>\n", text="Hi\n", lang="de", to_name="Zoë Ñúñez"
    )
    msg = build_message(
        rendered,
        to_addr="zoe@example.com",
        to_name="Zoë Ñúñez",
        from_addr="Example Shop <shop@example.com>",
        reply_to="help@example.com",
        message_id="<wcrecall.8.1.0123456789ab@shop.example.com>",
        date=datetime(2026, 3, 1, 9, 30, tzinfo=UTC),
        unsubscribe="help@example.com",
    )
    written = wire.wire_bytes(msg)
    assert b"To: =?utf-8?b?Wm/DqyDDkcO6w7Fleg==?= <zoe@example.com>\r\n" in written
    assert folded.count("To") == 1  # the one-recipient check's fold is the one written
    other = msg["To"].fold(policy=email.policy.default)  # another policy: folded for that policy, not the kept text
    assert other == STDLIB("To", msg["To"].addresses[0]).fold(policy=email.policy.default)
    assert other.endswith(">\n")
