"""A plain address skips the header parser (model/address.py): it is read exactly as the parser reads it."""

from __future__ import annotations

import random

import pytest

from wcrecall.model import address
from wcrecall.model.address import _parsed_parts, _plain_parts, parse_address

PIECES = [*"abcXYZ019.-_+'!#$%&*/=?^`{|}~@()<>[]:,;\\", "..", "@@", " ", "(x)", '"q"', "ü", "[1.2.3.4]"]  # fmt: skip


def _candidates(seed: int, count: int = 3000) -> list[str]:
    rng = random.Random(seed)
    fixed = ["jane.doe@example.com", "a@b", "a@b.c", ".a@b.c", "a.@b.c", "a@.b.c", "a@b..c", "a@-b.c", "a@b-.c"]
    fixed += ["a@xn--zz.example", "a@xn--mller-kva.example", "A+B@Example.COM", "a@" + "x" * 64 + ".example"]
    host = list("abcXYZ019-.") + ["..", "ü", "xn--", "-", "_"]

    def side(pieces: list[str]) -> str:
        return "".join(rng.choice(pieces) for _ in range(rng.randint(1, 7)))

    shaped = [side(PIECES) + "@" + side(host) for _ in range(count)]  # one @, mostly
    return fixed + shaped + ["".join(rng.choice(PIECES) for _ in range(rng.randint(1, 14))) for _ in range(count)]


def test_a_plain_address_is_read_as_the_parser_reads_it() -> None:
    plain = 0
    for value in _candidates(seed=1):
        parts = _plain_parts(value)
        if parts is None:
            continue
        plain += 1
        assert parts == _parsed_parts(value), value
    assert plain > 100  # the random values did reach the short way


def _outcome(value: str) -> object:
    try:
        return parse_address(value)
    except ValueError as exc:
        return str(exc)


def test_every_address_gets_the_answer_the_parser_alone_gives(monkeypatch: pytest.MonkeyPatch) -> None:
    values = _candidates(seed=2, count=1500)
    quick = [_outcome(v) for v in values]
    address._parse_address.cache_clear()
    monkeypatch.setattr(address, "_plain_parts", lambda value: None)
    try:
        assert [_outcome(v) for v in values] == quick
    finally:
        address._parse_address.cache_clear()
