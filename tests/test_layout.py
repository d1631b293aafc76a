"""The layout's size rule: no product module over 400 lines, so each can be read in one sitting.

Data tables are exempt (named below); nothing else is.
"""

from __future__ import annotations

from pathlib import Path

import wcrecall

MAX_LINES = 400
PACKAGE = Path(wcrecall.__file__).parent

# Rule and data tables: long because they list things, not because they do many things.
DATA_TABLES: frozenset[str] = frozenset({"plan/classify/rules.py"})  # the failure-class rules, one entry each


def module_lengths() -> dict[str, int]:
    return {
        path.relative_to(PACKAGE).as_posix(): len(path.read_text(encoding="utf-8").splitlines())
        for path in sorted(PACKAGE.rglob("*.py"))
    }


def test_no_product_module_is_over_400_lines() -> None:
    too_long = {
        name: lines for name, lines in module_lengths().items() if lines > MAX_LINES and name not in DATA_TABLES
    }
    assert too_long == {}, f"split these along a real seam (at most {MAX_LINES} lines a module): {too_long}"


def test_every_exempt_module_exists() -> None:
    """An exemption for a module that was renamed or removed would silently exempt nothing: drop it."""
    assert sorted((DATA_TABLES) - set(module_lengths())) == []
