"""One email-address rule for the whole product: order parsing, settings, `init` and the mail builder agree."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from wcrecall.config.settings import check_address
from wcrecall.mail.transport import configured_address
from wcrecall.model.address import parse_mailbox
from wcrecall.model.errors import ConfigError
from wcrecall.model.order import is_valid_email
from wcrecall.setup.init import Answers, default_for, validate_email

SAMPLES = [
    "jane.doe@example.com",
    "John.Smith+Retry@Example.com",
    '"odd local"@example.com',
    "user@bücher.example",
    "a..b@example.com",  # two dots in a row: not a dot-atom
    ".a@example.com",
    "a.@example.com",
    "a(comment)@example.com",  # a comment the mail builder would silently drop, sending to a@example.com
    "jürgen@example.de",  # a non-ASCII local part needs SMTPUTF8
    "a@-x.example",
    "a@b",
    "a b@example.com",
    "a@example.com, b@example.com",
    "",
]


def _accepts(check: Callable[[], object]) -> bool:
    try:
        check()
    except (ValueError, ConfigError):
        return False
    return True


@pytest.mark.parametrize("text", SAMPLES)
def test_every_part_of_the_product_judges_an_address_alike(text: str) -> None:
    """An address a buyer typed or an owner configured is valid for order parsing, settings, init and mail alike."""
    verdicts = {
        "order": is_valid_email(text),
        "settings": _accepts(lambda: check_address("brand.support_email", text, bare=True)),
        "init": validate_email(text) == "",
        "mail": _accepts(lambda: configured_address(text, what="recipient", bare=True)),
        "init default": default_for("support_email", Answers(from_addr=f"Shop <{text}>")) != "",
    }
    assert len(set(verdicts.values())) == 1, verdicts


@pytest.mark.parametrize(
    ("text", "valid"),
    [
        ("jane.doe@example.com", True),
        ('"odd local"@example.com', True),
        ("user@bücher.example", True),
        ("a..b@example.com", False),
        ("a(comment)@example.com", False),
        ("jürgen@example.de", False),
        ("a@-x.example", False),
        ("a@example.com\r\nBcc: x@example.org", False),
        ("x" * 250 + "@example.com", False),
        ("jane@", False),
        ("@example.com", False),
        ('"unclosed@example.com', False),
        ("a@[127.0.0.1]", False),
    ],
)
def test_the_rule_accepts_only_addresses_mail_is_sent_to_as_written(text: str, valid: bool) -> None:
    """Dot-atom or quoted local part in ASCII, a host name with a dot, at most 254 characters, nothing dropped."""
    assert is_valid_email(text) is valid


def test_an_accepted_address_is_the_one_the_message_goes_to() -> None:
    """The mail builder keeps the address as typed (the domain in its ASCII form), never a shortened one."""
    assert configured_address("Ana <ana+x@bücher.example>", what="mail.from").addr_spec == "ana+x@xn--bcher-kva.example"
    assert default_for("support_email", Answers(from_addr="Shop <help@shop.example>")) == "help@shop.example"


def test_broken_input_is_a_value_error_never_a_crash() -> None:
    """Random fragments of address syntax are refused with ValueError, whatever the stdlib parser trips over."""
    import random

    pieces = ["a", "@", ".", '"', "\\", "(", ")", "<", ">", ",", ";", ":", "[", "]", " ", "ü", "-", "=?", "x.example"]
    rng = random.Random(12)
    for _ in range(3000):
        text = "".join(rng.choice(pieces) for _ in range(rng.randint(0, 12)))
        try:
            parse_mailbox(text)
        except ValueError:
            pass
