"""Natural recovery: who paid within a window after a failed or pending order, with no reminder, and how soon.

Measured per buyer episode (see `insight/audit.py`); used by `audit` for the store's own rate and by `report` for
the baseline that reminders are compared with. Buyers are followed by short hashes, never by their address.
"""

from __future__ import annotations

import hashlib
import statistics
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from wcrecall.model.order import Order

CURVE_HOURS = (1, 6, 12, 24, 48, 72, 96, 120, 144, 168)


def buyer_keys(order: Order) -> tuple[bytes, ...]:
    """Short hashes that identify the buyer: of the email, and of the customer id when the buyer has an account."""
    keys = []
    if order.email_key:
        keys.append(hashlib.blake2b(b"e:" + order.email_key.encode(), digest_size=8).digest())
    if order.customer_id > 0:
        keys.append(hashlib.blake2b(b"c:%d" % order.customer_id, digest_size=8).digest())
    return tuple(keys)


@dataclass(slots=True)
class _Episode:
    start: float
    keys: tuple[bytes, ...]
    excluded: bool = False


@dataclass
class NaturalRecovery:
    """Buyer episodes after a failed/pending order: who paid within `window` with no reminder, and how soon.

    Feed orders oldest first with `failure()` and `paid()`; `excluded=True` marks an episode that must not count
    (the buyer got a reminder, for `report`'s baseline).
    """

    window: timedelta = timedelta(days=7)
    recovered_seconds: list[float] = field(default_factory=list)
    unrecovered: int = 0
    excluded: int = 0
    unlinkable: int = 0  # unpaid orders with neither email nor customer id: the buyer cannot be followed
    _open: dict[bytes, _Episode] = field(default_factory=dict)
    _seen: int = 0

    def failure(self, keys: tuple[bytes, ...], at: float, *, excluded: bool = False) -> None:
        if not keys:
            self.unlinkable += 1
            return
        self._sweep(at)
        episode = next((self._open[k] for k in keys if k in self._open), None)
        if episode is not None and at - episode.start > self.window.total_seconds():
            self._close(episode, recovered_after=None)
            episode = None
        if episode is None:
            episode = _Episode(at, keys)
        elif set(keys) - set(episode.keys):
            episode.keys = tuple(dict.fromkeys(episode.keys + keys))
        episode.excluded = episode.excluded or excluded
        for key in episode.keys:
            self._open[key] = episode

    def paid(self, keys: tuple[bytes, ...], at: float) -> None:
        episode = next((self._open[k] for k in keys if k in self._open), None)
        if episode is None:
            return
        delay = at - episode.start
        self._close(episode, recovered_after=delay if 0 <= delay <= self.window.total_seconds() else None)

    def _close(self, episode: _Episode, *, recovered_after: float | None) -> None:
        for key in episode.keys:
            if self._open.get(key) is episode:
                del self._open[key]
        if episode.excluded:
            self.excluded += 1
        elif recovered_after is None:
            self.unrecovered += 1
        else:
            self.recovered_seconds.append(recovered_after)

    def _sweep(self, now: float) -> None:
        # Every few thousand calls, close episodes whose window has passed, so the index holds at most one window
        # of unpaid buyers instead of every buyer who ever failed.
        self._seen += 1
        if self._seen % 5000:
            return
        self._expire(now)

    def _expire(self, now: float) -> None:
        limit = now - self.window.total_seconds()
        for episode in {id(e): e for e in self._open.values() if e.start < limit}.values():
            self._close(episode, recovered_after=None)

    def result(self, end: float) -> dict[str, Any]:
        """Close what can be judged at `end` and summarise; still-open recent episodes are reported as pending."""
        self._expire(end)
        too_recent = len({id(e) for e in self._open.values() if not e.excluded})
        recovered = len(self.recovered_seconds)
        judged = recovered + self.unrecovered
        hours = sorted(s / 3600 for s in self.recovered_seconds)
        return {
            "window_days": self.window.total_seconds() / 86400,
            "episodes_judged": judged,
            "recovered": recovered,
            "rate": share(recovered, judged),
            "median_hours": round(statistics.median(hours), 2) if hours else None,
            "too_recent": too_recent,
            "excluded_contacted": self.excluded,
            "unlinkable_orders": self.unlinkable,
            "curve": [
                {"hours": h, "share": round(sum(1 for x in hours if x <= h) / judged, 4) if judged else None}
                for h in CURVE_HOURS
                if h <= self.window.total_seconds() / 3600
            ],
        }


def share(part: int, whole: int) -> float | None:
    """`part` of `whole` as a fraction rounded to 4 places; None when there is nothing to divide."""
    return round(part / whole, 4) if whole else None
