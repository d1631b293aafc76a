"""Order parsing: hostile and odd values become clean fields or a BadOrder with a reason."""

from __future__ import annotations

from decimal import Decimal

import pytest

from wcrecall.model.errors import BadOrder
from wcrecall.model.order import is_valid_email, mask_email, parse_order

RAW = {
    "id": 15,
    "number": "15",
    "status": "failed",
    "currency": "usd",
    "total": "48.50",
    "customer_id": 0,
    "billing": {"first_name": "Jürgen", "last_name": "Müller", "email": "juergen.mueller@example.de", "country": "de"},
    "payment_method": "stripe",
    "date_created_gmt": "2026-11-07T04:04:24",
    "date_modified_gmt": "2026-11-07T04:06:24",
    "date_paid_gmt": None,
    "needs_payment": True,
    "payment_url": "http://x/checkout/order-pay/15/?pay_for_order=true&key=k",
    "line_items": [{"name": "Ceramic Pour-Over Set", "quantity": 1, "total": "48.50"}],
    "meta_data": [{"id": 1, "key": "wpml_language", "value": "de"}, {"key": "x", "value": {"nested": 1}}],
}


def test_parses_a_real_order() -> None:
    """Fields, money as Decimal, UTC dates, upper-case codes, scalar meta."""
    order = parse_order(RAW)
    assert order.total == Decimal("48.50")
    assert order.currency == "USD" and order.country == "DE"
    assert order.date_created.isoformat() == "2026-11-07T04:04:24+00:00"
    assert order.meta == {"wpml_language": "de"}
    assert order.line_items[0].name == "Ceramic Pour-Over Set"


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        ({"id": None}, "order has no id"),
        ({"total": "abc"}, "total is not a number"),
        ({"total": "NaN"}, "total is not a finite number"),
        ({"date_created_gmt": None}, "date_created_gmt is missing"),
        ({"date_created_gmt": "yesterday"}, "date_created_gmt is not a date"),
    ],
)
def test_unusable_orders_raise_bad_order_with_reason(change: dict[str, object], reason: str) -> None:
    """An unusable order raises BadOrder naming what is wrong."""
    with pytest.raises(BadOrder, match=reason):
        parse_order({**RAW, **change})


def test_nulls_where_objects_are_expected_do_not_crash() -> None:
    """billing, line_items and meta_data may be null or of the wrong type."""
    order = parse_order({**RAW, "billing": None, "line_items": None, "meta_data": "x"})
    assert order.email == "" and order.line_items == () and order.meta == {}


@pytest.mark.parametrize(
    ("email", "valid"),
    [
        ("jane.doe@example.com", True),
        ("John.Smith+Retry@Example.com", True),
        ('"odd local"@example.com', True),
        ("user@bücher.example", True),
        ("", False),
        ("no-at.example.com", False),
        ("a@b", False),
        ("a@example.com\r\nBcc: x@example.org", False),
        ("a@example.com, b@example.com", False),
        ("a b@example.com", False),
    ],
)
def test_email_validity(email: str, valid: bool) -> None:
    """One usable address; no header text, lists or spaces."""
    assert is_valid_email(email) is valid


def test_mask_email() -> None:
    """Masked emails keep the first letter and the domain."""
    assert mask_email("jane.doe@example.com") == "j***@example.com"


@pytest.mark.parametrize(
    "name",
    [
        "Jürgen",
        "José María",
        "O'Brien",
        "Anne-Sophie",
        "D’Angelo",
        "J. R. R.",
        "Nguyễn Thị Minh Khai",
        "山田",
        "김민준",
        "Мария",
        "مريم",
        "עומר",
        "Zoë",
        "ʻIolani",
    ],
)
def test_names_in_any_script_are_kept(name: str) -> None:
    """Letters of any script, spaces, apostrophes, hyphens and initials' dots: a name, kept as written."""
    order = parse_order({**RAW, "billing": {**RAW["billing"], "first_name": name, "last_name": name}})  # type: ignore[dict-item]
    assert (order.first_name, order.last_name) == (name, name)


@pytest.mark.parametrize(
    "text",
    [
        "Call +1-555-0100 to claim your refund",
        "https://evil.example",
        "visit evil.example",
        "t.co",
        "ana@evil.example",
        "Ana 2024",
        "Ana, Bob",
        "Ana <b>",
        'Ana "x"',
        "Ana; Bob",
        "=?utf-8?b?QmNj?=",
        "😀 Ana",
        "Ana\u202e",
        "A" * 61,
        "Your account is locked reply now please",
        "...",
    ],
)
def test_text_that_is_not_a_name_is_dropped(text: str) -> None:
    """URLs, digits, @, list or markup characters, emoji, format characters, long text: no name at all."""
    order = parse_order({**RAW, "billing": {**RAW["billing"], "first_name": text, "last_name": text}})  # type: ignore[dict-item]
    assert (order.first_name, order.last_name) == ("", "")
