"""Recovery, measured one way for every command: who paid without a reminder, who was won back, and what reminders add.

Natural recovery: who paid within a window after a failed or pending order, with no reminder, and how soon. Measured
per buyer episode (see `insight/audit.py`); used by `audit` for the store's own rate and by `report` for the rate
before wcrecall. Buyers are followed by short hashes, never by their address.

Recovered by wcrecall: `recovered_recalls` over `opened_since`, the one count `status` and `report` show.

Uplift: `uplift` compares reminded buyers with the randomized holdout (plan/holdout.py); without one there is no
uplift figure, because buyers wcrecall did not mail are not comparable (most had paid already).
"""

from __future__ import annotations

import hashlib
import math
import statistics
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from wcrecall.i18n import _
from wcrecall.insight.rates import Z95, wilson
from wcrecall.model.order import Order
from wcrecall.model.records import HELD_OUT, RECOVERED_OUTCOMES, SUPERSEDED, Recall, from_iso
from wcrecall.plan.attribution import CONTACTED_STATES, recovered_by_recall
from wcrecall.plan.decide import ATTRIBUTION_WINDOW
from wcrecall.plan.holdout import PAID_WITHIN

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


# --------------------------------------------------------------------------------------------------------------------
# What recall won back: one count for `status` and `report`, and the uplift the holdout measures.


def opened_since(recalls: Iterable[Recall], *, now: datetime, since: timedelta | None) -> list[Recall]:
    """The recalls opened `since` before `now` or later (all of them when `since` is None). A recall opened after
    `now` (a clock that ran ahead, the demo's simulated days) is kept: `status` and `report` both count it."""
    if since is None:
        return list(recalls)
    start = now - since
    return [r for r in recalls if (opened := from_iso(r.opened)) is not None and opened >= start]


def recovered_recalls(recalls: Iterable[Recall], window: timedelta = ATTRIBUTION_WINDOW) -> list[Recall]:
    """The recalls recovered by wcrecall (plan/attribution.py: paid within `window` after a reminder): what `status`
    and `report` count as recovered, over the same recalls."""
    return [r for r in recalls if recovered_by_recall(r, window)]


MIN_GROUP = 30  # fewer judged orders than this in either group: no uplift figure
UPLIFT_METHOD = "Newcombe hybrid score interval (Wilson score for each group; Newcombe 1998, method 10)"


@dataclass(frozen=True)
class Uplift:
    """Paid within `within_days` of the order: reminded against held-out buyers, and the difference in percentage
    points with its 95% interval (`UPLIFT_METHOD`)."""

    within_days: float
    reminded: int
    reminded_paid: int
    held_out: int
    held_out_paid: int
    reminded_rate: float
    held_out_rate: float
    difference: float  # reminded_rate - held_out_rate, as a fraction
    low: float
    high: float
    method: str = UPLIFT_METHOD


def _interval(k: int, n: int, z: float) -> tuple[float, float]:
    found = wilson(k, n, z)
    if found is None:
        raise ValueError("a proportion of no orders has no interval")
    return found


def newcombe(k1: int, n1: int, k2: int, n2: int, z: float = Z95) -> tuple[float, float, float]:
    """The difference p1 - p2 of two independent proportions and its hybrid score interval (Newcombe 1998)."""
    p1, p2 = k1 / n1, k2 / n2
    l1, u1 = _interval(k1, n1, z)
    l2, u2 = _interval(k2, n2, z)
    d = p1 - p2
    return d, d - math.sqrt((p1 - l1) ** 2 + (u2 - p2) ** 2), d + math.sqrt((u1 - p1) ** 2 + (p2 - l2) ** 2)


def uplift(recalls: Iterable[Recall], *, now: datetime, within: timedelta = PAID_WITHIN) -> Uplift | None:
    """What reminders add, from the randomized holdout (plan/holdout.py): the share paid within `within` of the order
    among reminded buyers against held-out buyers, with its interval. Only recalls decided since the first held-out
    one count (before it, nobody was held out), and only those whose `within` has passed or that paid. None without
    a holdout, or with fewer than `MIN_GROUP` judged orders in either group: then there is nothing to measure."""
    recalls = list(recalls)
    held = [r for r in recalls if r.outcome == HELD_OUT]
    first = min((t for r in held if (t := from_iso(r.ended)) is not None), default=None)
    if first is None:
        return None
    reminded = [
        r for r in recalls if r.outcome != SUPERSEDED and (t := _first_contact(r)) is not None and t >= first
    ]  # a superseded recall's reminders are carried by the newer order's recall, which counts
    groups = []
    for group in (reminded, held):
        verdicts = [_judged(r, now, within) for r in group]
        judged = [v for v in verdicts if v is not None]
        groups.append((sum(judged), len(judged)))
    (k1, n1), (k2, n2) = groups
    if n1 < MIN_GROUP or n2 < MIN_GROUP:
        return None
    d, low, high = newcombe(k1, n1, k2, n2)
    return Uplift(within.total_seconds() / 86400, n1, k1, n2, k2, round(k1 / n1, 4), round(k2 / n2, 4),
                  round(d, 4), round(low, 4), round(high, 4))  # fmt: skip


def _first_contact(recall: Recall) -> datetime | None:
    times = [t for s in recall.steps if s.state in CONTACTED_STATES and (t := from_iso(s.at)) is not None]
    return min(times, default=None)


def _judged(recall: Recall, now: datetime, within: timedelta) -> bool | None:
    """Whether the order was paid within `within` of its creation; None while that cannot be told yet (no payment,
    and `within` has not passed)."""
    created, paid = from_iso(recall.created), from_iso(recall.paid_at)
    if created is None:
        return None
    counted = recall.outcome == HELD_OUT or recall.outcome in RECOVERED_OUTCOMES
    if counted and paid is not None and paid - created <= within:
        return True
    return False if now >= created + within else None


def uplift_notes(data: Mapping[str, Any]) -> list[str]:
    """What reminders add: the holdout's comparison with its interval, or why there is no figure and the rate
    before wcrecall beside the recovered rate instead."""
    up, nat = data.get("uplift"), data["natural_recovery"]
    if up:
        return [
            _("Randomized holdout: {reminded} of reminded buyers paid within {days:g} days ({rk} of {rn}), against "
              "{held} of held-out buyers who got no reminder ({hk} of {hn}). Reminders add {diff} percentage points "
              "(95% interval {low} to {high}).").format(
                reminded=_percent(up["reminded_rate"]), days=up["within_days"], rk=up["reminded_paid"], rn=up["reminded"],
                held=_percent(up["held_out_rate"]), hk=up["held_out_paid"], hn=up["held_out"],
                diff=f"{up['difference'] * 100:+.1f}", low=f"{up['low'] * 100:+.1f}", high=f"{up['high'] * 100:+.1f}",
            ),
            _("Interval: {method}.").format(method=up["method"]),
        ]  # fmt: skip
    notes = [
        _("Uplift cannot be measured without recall.holdout: set it (e.g. 0.1) so that a random share of orders gets "
          "no reminder to compare with.") if not data.get("held_out") else
        _("Too few held-out orders yet to measure uplift ({n} held out); it is shown once both groups have enough "
          "orders whose week has passed.").format(n=data["held_out"])
    ]  # fmt: skip
    if nat:
        notes.append(
            _("Before wcrecall, {rate} of buyers with a failed or pending order paid by themselves within {days:g} days "
              "(of {n}); reminded buyers now: {recovered} recovered.").format(
                rate=_percent(nat["rate"]), days=nat["window_days"], n=nat["episodes_judged"],
                recovered=_percent(data["recovery_rate"]),
            )
        )  # fmt: skip
    else:
        notes.append(_("Natural recovery was not measured (the store was not read)."))
    return notes


def _percent(value: float | None) -> str:
    return "n/a" if value is None else f"{value * 100:.1f}%"
