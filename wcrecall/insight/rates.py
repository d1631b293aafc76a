"""Rates from groups of orders, honestly: with their size and a 95% interval, and a size below which they are not
compared.

The Wilson score interval (Wilson 1927; Newcombe 1998, method 3) stays inside 0..1 and is sensible for 0 of 5 or 5 of
5, where the textbook "p +/- 1.96 standard errors" gives nonsense. Pure: no I/O.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

Z95 = 1.959963984540054  # the standard normal quantile for a two-sided 95% interval

MIN_N = 10
"""Groups smaller than this are shown greyed, with their n, and never ranked: one payment more or less would move
their rate by ten points or more."""


def wilson(successes: int, n: int, z: float = Z95) -> tuple[float, float] | None:
    """The Wilson score interval for `successes` of `n` as (low, high) fractions; None when `n` is 0."""
    if n <= 0:
        return None
    p = successes / n
    z2 = z * z
    centre = p + z2 / (2 * n)
    spread = z * math.sqrt(p * (1 - p) / n + z2 / (4 * n * n))
    denominator = 1 + z2 / n
    return max(0.0, (centre - spread) / denominator), min(1.0, (centre + spread) / denominator)


@dataclass(frozen=True)
class Rate:
    """`won` of `n` with its interval; `small` when n is below MIN_N."""

    label: str
    won: int
    n: int

    @property
    def value(self) -> float | None:
        return self.won / self.n if self.n else None

    @property
    def interval(self) -> tuple[float, float] | None:
        return wilson(self.won, self.n)

    @property
    def small(self) -> bool:
        return self.n < MIN_N
