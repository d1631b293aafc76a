"""The text parts are encoded by mail/mimetext.py: the stdlib's choice of transfer encoding and its very bytes."""

from __future__ import annotations

import email.contentmanager
import email.quoprimime
import random
import re
from datetime import UTC, datetime
from email.message import EmailMessage, MIMEPart

import pytest

from wcrecall.mail import transport
from wcrecall.mail.mimetext import TEXT_CONTENT, qp_body
from wcrecall.mail.transport import build_message
from wcrecall.mail.wire import POLICY, wire_bytes
from wcrecall.render.renderer import RenderedEmail

# Characters the quoting and the line breaking treat specially: `=` (quoted, and never split from its escape),
# space and tab (quoted at a line's end), CR and LF (line ends), the other line breaks of str.splitlines (\x0b \x0c
# \x1c \x85 \u2028, which must be quoted, never split on), non-ASCII of every UTF-8 length, and plain text.
PIECES = [
    "=", "==", " ", "\t", "\r\n", "\n", "\r", "\x0b", "\x0c", "\x1c", "\x85", "\u2028", "\x00", "\x7f", "é", "€",
    "☕", "中文", "😀", "a", "href=\"x\"", "<p>", "=?utf-8?b?QmNjOg==?=", "Bcc: x@example.org", "x" * 70, "y" * 77,
]  # fmt: skip


def _texts(count: int, seed: int) -> list[str]:
    rng = random.Random(seed)
    texts = ["", "a", "=", " ", "\t\n", "\n", "x" * 75 + " ", "x" * 76 + "\t", "x" * 74 + "=", "x" * 1000]
    for width in range(70, 82):  # every line length around the 76 and 78 limits, ending in each special character
        for end in ("", " ", "\t", "=", "é", "=\n"):
            texts.append("x" * width + end)
            texts.append("=" * width + end)
    for _ in range(count):
        texts.append("".join(rng.choice(PIECES) for _ in range(rng.randint(1, 60))))
    return texts


@pytest.mark.parametrize("maxlinelen", [4, 5, 76, 78])
@pytest.mark.parametrize("eol", ["\n", "\r\n"])
def test_quoted_printable_is_the_stdlibs_character_for_character(maxlinelen: int, eol: str) -> None:
    for text in _texts(400, seed=maxlinelen):
        body = text.encode("utf-8").decode("latin-1")  # how the stdlib calls its encoder
        assert qp_body(body, maxlinelen, eol) == email.quoprimime.body_encode(body, maxlinelen, eol), repr(text)


def _part(text: str, subtype: str, manager: email.contentmanager.ContentManager) -> bytes:
    part = MIMEPart(policy=POLICY)
    part.set_content(text, subtype=subtype, charset="utf-8", content_manager=manager)
    return part.as_bytes(policy=POLICY)


@pytest.mark.parametrize(
    "text",
    [
        "Hello\n",  # short ASCII lines: 7bit
        "x" * 78 + "\n",  # exactly the longest 7bit line
        "x" * 79 + "\n",  # one longer: quoted-printable
        "Grüße\n" * 5,  # non-ASCII, ten lines or fewer: the stdlib's sniff is the body
        "Grüße = 48,50 €\n" * 11,  # eleven lines: the whole body encoded
        "中文的提醒邮件，付款链接在下面。\n" * 12,  # mostly outside ASCII: base64
        "line\r\nother\rthird\x0bnot a break\x85 nor this\u2028\n",
        "",
        "trailing space \nand tab\t\n" * 12,
    ],
)
@pytest.mark.parametrize("subtype", ["plain", "html"])
def test_a_text_part_has_the_stdlibs_encoding_and_bytes(text: str, subtype: str) -> None:
    assert _part(text, subtype, TEXT_CONTENT) == _part(text, subtype, email.contentmanager.raw_data_manager)


def test_random_text_parts_have_the_stdlibs_encoding_and_bytes() -> None:
    rng = random.Random(7)
    for _ in range(300):
        text = "".join(rng.choice(PIECES) for _ in range(rng.randint(1, 200)))
        assert _part(text, "html", TEXT_CONTENT) == _part(text, "html", email.contentmanager.raw_data_manager)


HOSTILE_NAMES = [
    "Ana",
    "Zoë O'Brien-Ñúñez",
    "<b>Bob</b>\r\nBcc: x@example.org",
    "=?utf-8?b?DQpCY2M6IHhAZXhhbXBsZS5vcmc=?=",
    "Ana, attacker@evil.example, " + "root " * 30,
    "张伟",
    "\u202eevil\u202c",
]


def reminder_wire(rendered: RenderedEmail, name: str) -> bytes:
    """A reminder's bytes on the wire as build_message writes them today (fixed date and boundary)."""
    msg = build_message(
        rendered,
        to_addr="buyer@example.com",
        to_name=name,
        from_addr="Shop <shop@example.com>",
        reply_to="help@example.com",
        message_id="<wcrecall.1.1.abc@example.com>",
        date=datetime(2026, 3, 1, 9, 30, tzinfo=UTC),
        unsubscribe="help@example.com",
    )
    msg.set_boundary("BOUNDARY")
    return wire_bytes(msg)


@pytest.mark.parametrize("name", HOSTILE_NAMES)
def test_a_reminder_is_byte_for_byte_the_message_the_stdlib_builds(name: str, monkeypatch: pytest.MonkeyPatch) -> None:
    rendered = RenderedEmail(
        subject=f"Your payment for order #7 didn't go through, {name}",
        preheader="Saved.",
        html=(
            '<!doctype html><html lang="de"><body style="margin:0;padding:0;word-spacing:normal">'
            + f"<p>Grüße {name} – 48,50\xa0€ ☕ = total</p>" * 8
            + '<a href="https://x.example/?a=1&amp;b=2">Pay</a></body></html>\n'
        ),
        text=f"Hallo {name},\n\n.a line starting with a dot\nPay: https://x.example/?a=1&b=2 \n\n48,50\xa0€ ☕\n" * 3,
        lang="de",
        to_name=name,
    )
    fast = reminder_wire(rendered, name)
    monkeypatch.setattr(transport, "TEXT_CONTENT", email.contentmanager.raw_data_manager)
    assert fast == reminder_wire(rendered, name)
    assert re.search(rb"(?m)^Content-Transfer-Encoding: quoted-printable\r$", fast)


def test_an_email_message_keeps_its_mime_version_with_the_fast_text() -> None:
    msg = EmailMessage(policy=POLICY)
    msg.set_content("Hello\n", content_manager=TEXT_CONTENT)
    assert msg["MIME-Version"] == "1.0"
    assert msg.get_content() == "Hello\n"
