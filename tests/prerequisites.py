"""Tests that need something beside the repository: the real-store archives, the WooCommerce captures, Chromium.

Without it they are skipped with the reason, and the run's summary repeats it in capitals (tests/conftest.py), so a
skip is never silent; with `CI` set a missing prerequisite is a failure, never a skip.
"""

from __future__ import annotations

import os

import pytest

# What was skipped -> why (the first reason given), for the summary at the end of the run.
SKIPPED: dict[str, str] = {}


def require(what: str, missing: str | None) -> None:
    """Go on when `missing` is None; otherwise fail (CI set) or skip the current test, saying `what` and why."""
    if missing is None:
        return
    if os.environ.get("CI"):
        pytest.fail(f"CI is set but the {what} cannot run: {missing}")
    SKIPPED.setdefault(what, missing)
    pytest.skip(f"{what} skipped: {missing}")
