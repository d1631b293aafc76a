"""doctor's Magento checks: the pending-payment lifetime against the first reminder, and the pay-link fit."""

from __future__ import annotations

from collections import Counter
from datetime import timedelta

import pytest

from wcrecall.setup.checks import FAIL, OK, WARN
from wcrecall.setup.magento_checks import check_lifetime, check_methods, link_kinds


@pytest.mark.parametrize(
    ("lifetime", "first", "level"),
    [
        (480, 30, OK),  # Magento's default and wcrecall's: the first reminder goes at 30 min
        (20, 30, FAIL),  # cancelled before the first reminder
        (30, 30, FAIL),
        (40, 30, OK),  # sent halfway instead (20 min), leaving 20 min to pay
        (24, 20, WARN),  # sent halfway (12 min), leaving 12 min: less than the 15 a reminder needs
    ],
)
def test_lifetime(lifetime: int, first: int, level: str) -> None:
    check = check_lifetime(timedelta(minutes=lifetime), timedelta(minutes=first))
    assert check.level == level
    assert str(lifetime) in check.message


def test_lifetime_names_where_it_came_from() -> None:
    check = check_lifetime(timedelta(minutes=480), timedelta(minutes=30))
    assert "magento.pending_lifetime" in check.message
    assert "Pending Payment Order Lifetime" in check.fix


@pytest.mark.parametrize(
    ("method", "kinds"),
    [
        ("checkmo", "not reminded (the buyer pays by transfer, cheque or on delivery)"),
        ("stripe_payments", "reorder, none"),
        ("mollie_methods_ideal", "template, reorder, none"),
    ],
)
def test_link_kinds(method: str, kinds: str) -> None:
    assert link_kinds(method) == kinds


def test_pay_link_that_fits_no_recent_method_warns() -> None:
    check = check_methods(Counter({"mollie_methods_ideal": 3, "checkmo": 1}), "reorder")
    assert check.level == OK
    check = check_methods(Counter({"stripe_payments": 2}), "template")
    assert check.level == WARN
    assert "stripe_payments (2): reorder" in check.message
    assert "stripe_payments" in check.fix
    assert check_methods(Counter({"stripe_payments": 2}), "none").level == OK  # the contact line fits any method
