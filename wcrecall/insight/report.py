"""`wcrecall report`: what recall won back, measured honestly. Pure over recall records plus a natural baseline.

Attribution: a recall counts as recovered by wcrecall when its order (or a newer order of the same buyer) was paid
within the attribution window after a reminder was sent, and after at least one reminder. Payments before the first
reminder or after the window are shown apart and not credited. What reminders add is measured only against the
randomized holdout (`recall.holdout`, insight/recovery.py `uplift`): buyers wcrecall did not mail are not comparable
(most had paid already). Without a holdout the report says so, and puts the natural-recovery rate before wcrecall
(the audit's logic, over the store's orders before the first recall) beside the recovered rate.
"""

from __future__ import annotations

import statistics
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict
from datetime import datetime, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any

from wcrecall.insight.recovery import opened_since, recovered_recalls, uplift
from wcrecall.model.records import (
    BASELINE,
    CLAIMED,
    CLOSED,
    ENDED_UNPAID,
    HELD_OUT,
    NOT_CONTACTED,
    OPEN,
    RECOVERED,
    RECOVERED_NEW_ORDER,
    SUPERSEDED,
    Recall,
    from_iso,
)
from wcrecall.plan.attribution import CONTACTED_STATES, attribute

DELAY_BUCKETS = ((1, "under 1 h"), (6, "1-6 h"), (24, "6-24 h"), (72, "1-3 days"), (None, "over 3 days"))


def _contacted(recall: Recall) -> bool:
    return any(s.state in CONTACTED_STATES for s in recall.steps)


def _within_window(recall: Recall, window: timedelta, now: datetime) -> bool:
    """Whether the recall's last reminder is less than `window` ago (a payment may still be credited to it)."""
    last = max((at for s in recall.steps if s.state in CONTACTED_STATES and (at := from_iso(s.at))), default=None)
    return last is not None and now - last < window


def _amount(recall: Recall) -> Decimal:
    try:
        return Decimal(recall.total)
    except (InvalidOperation, ValueError):
        return Decimal(0)


def _rate(part: int, whole: int) -> float | None:
    return round(part / whole, 4) if whole else None


def _group_rates(rows: Iterable[tuple[str, bool]]) -> list[dict[str, Any]]:
    totals: Counter[str] = Counter()
    won: Counter[str] = Counter()
    for key, credited in rows:
        totals[key] += 1
        won[key] += credited
    return [
        {"key": key, "reminded": n, "recovered": won[key], "rate": _rate(won[key], n)}
        for key, n in sorted(totals.items(), key=lambda kv: (-kv[1], kv[0]))
    ]


def in_period(recalls: Iterable[Recall], *, now: datetime, since: timedelta) -> list[Recall]:
    """Recalls opened within `since` before `now` (insight/recovery.py `opened_since`, as `status --since`)."""
    return opened_since(recalls, now=now, since=since)


def build_report(
    recalls: Sequence[Recall], *, now: datetime, since: timedelta, window: timedelta, natural: Mapping[str, Any] | None
) -> dict[str, Any]:
    """The report's figures as plain data (what `--json` prints and the tables and charts show)."""
    kept = in_period(recalls, now=now, since=since)
    real = [r for r in kept if r.outcome != BASELINE]
    attributions = {r.id: attribute(r, window) for r in real}
    contacted = [r for r in real if _contacted(r)]
    credited = recovered_recalls(real, window)  # the count `status` shows too
    max_step = max((s.n for r in real for s in r.steps), default=3)
    steps_sent = {
        n: sum(1 for r in real if any(s.n == n and s.state in CONTACTED_STATES for s in r.steps))
        for n in range(1, max(max_step, 3) + 1)
    }
    not_contacted = Counter(r.end_reason or "unspecified" for r in real if r.outcome == NOT_CONTACTED)
    paid_uncredited = [
        r for r in real if r.outcome in (RECOVERED, RECOVERED_NEW_ORDER) and not attributions[r.id].credited
    ]
    funnel = [
        {"stage": "recalls opened", "count": len(real)},
        *({"stage": f"reminder {n} sent", "count": c} for n, c in steps_sent.items()),
        {"stage": "recovered on the same order", "count": sum(1 for r in credited if r.outcome == RECOVERED)},
        {"stage": "recovered by a new order", "count": sum(1 for r in credited if r.outcome == RECOVERED_NEW_ORDER)},
        {"stage": "paid, not credited (before a reminder or after the window)", "count": len(paid_uncredited)},
        {"stage": "ended unpaid", "count": sum(1 for r in real if r.outcome == ENDED_UNPAID)},
        {"stage": "not contacted", "count": sum(not_contacted.values())},
        {"stage": "held out (no reminder, to measure uplift)", "count": sum(1 for r in real if r.outcome == HELD_OUT)},
        {"stage": "closed in the store", "count": sum(1 for r in real if r.outcome == CLOSED)},
        {"stage": "merged into a newer order", "count": sum(1 for r in real if r.outcome == SUPERSEDED)},
        {"stage": "still open", "count": sum(1 for r in real if r.outcome == OPEN)},
    ]
    revenue: dict[str, Decimal] = defaultdict(Decimal)
    reminded_value: dict[str, Decimal] = defaultdict(Decimal)  # what the reminded orders were worth, per currency
    for r in contacted:
        reminded_value[r.currency or "?"] += _amount(r)
    daily: dict[str, dict[str, Decimal]] = defaultdict(lambda: defaultdict(Decimal))
    for r in credited:
        cur = r.currency or "?"
        revenue[cur] += _amount(r)
        paid = from_iso(r.paid_at) or from_iso(r.ended)
        if paid is not None:
            daily[cur][paid.date().isoformat()] += _amount(r)
    cumulative: dict[str, list[dict[str, str]]] = {}
    for cur, days in sorted(daily.items()):
        running = Decimal(0)
        cumulative[cur] = []
        for day, amount in sorted(days.items()):
            running += amount
            cumulative[cur].append({"date": day, "total": str(running)})
    hours = sorted(h for r in credited if (h := attributions[r.id].hours) is not None)
    buckets = []
    low = 0.0
    for high, label in DELAY_BUCKETS:
        buckets.append({"range": label, "count": sum(1 for h in hours if h >= low and (high is None or h < high))})
        low = float(high or 0)
    step_rows = [
        {
            "key": f"reminder {n}",
            "reminded": sent,
            "recovered": sum(1 for r in credited if attributions[r.id].step == n),
            "rate": _rate(sum(1 for r in credited if attributions[r.id].step == n), sent),
        }
        for n, sent in steps_sent.items()
    ]
    # The rate counts a reminded order once the window after its last reminder has passed, paid or not: until then it
    # is neither recovered nor lost ("0 of 7" right after the first sends), and counting its early payers alone would
    # flatter the rate. Money paid in the window is in the amounts at once.
    judged = [r for r in contacted if not _within_window(r, window, now)]
    judged_recovered = sum(1 for r in judged if attributions[r.id].credited)
    reminded_rate = _rate(judged_recovered, len(judged))
    measured = uplift(kept, now=now)
    return {
        "period": {
            "since": (now - since).isoformat(),
            "until": now.isoformat(),
            "days": round(since.total_seconds() / 86400, 2),
        },
        "attribution_window_days": round(window.total_seconds() / 86400, 2),
        "funnel": funnel,
        "not_contacted_by_reason": dict(not_contacted.most_common()),
        "baseline_adopted": sum(1 for r in kept if r.outcome == BASELINE),
        "reminded": len(contacted),
        "judged": len(judged),
        "judged_recovered": judged_recovered,
        "waiting": len(contacted) - len(judged),
        "recovered": len(credited),
        "recovery_rate": reminded_rate,
        "recovered_revenue": {cur: str(v) for cur, v in sorted(revenue.items())},
        "reminded_value": {cur: str(v) for cur, v in sorted(reminded_value.items())},
        "by_class": _group_rates((r.reason or "unclassified", attributions[r.id].credited) for r in judged),
        "by_country": _group_rates((r.country or "(none)", attributions[r.id].credited) for r in judged),
        # Buyer language is not recorded on every version of the state file.
        "by_language": _group_rates((getattr(r, "lang", "") or "n/a", attributions[r.id].credited) for r in judged),
        "by_step": step_rows,
        "time_to_payment": {"median_hours": round(statistics.median(hours), 2) if hours else None, "buckets": buckets},
        "cumulative_revenue": cumulative,
        "natural_recovery": dict(natural) if natural else None,
        "uplift": asdict(measured) if measured is not None else None,
        "held_out": sum(1 for r in kept if r.outcome == HELD_OUT),
    }


def contacted_order_ids(recalls: Iterable[Recall]) -> set[int]:
    """Orders whose buyer got (or may have got) a reminder: left out of the natural baseline."""
    return {r.id for r in recalls if any(s.state in (*CONTACTED_STATES, CLAIMED) for s in r.steps)}


def natural_baseline(orders: Iterable[Any], *, contacted: set[int], window: timedelta, end: datetime) -> dict[str, Any]:
    """The audit's natural-recovery measure over `orders` (oldest first), leaving out buyers who got a reminder."""
    from wcrecall.insight.audit import UNPAID_STATUSES, NaturalRecovery, buyer_keys

    natural = NaturalRecovery(window)
    for order in orders:
        at = order.date_created.timestamp()
        if order.status in UNPAID_STATUSES:
            natural.failure(buyer_keys(order), at, excluded=order.id in contacted)
        elif order.is_paid:
            natural.paid(buyer_keys(order), at)
    return natural.result(end.timestamp())


# --------------------------------------------------------------------------------------------------------------------
# Driver: state file + store.


def run_report(
    settings: Any, *, now: datetime, since: timedelta, window: timedelta, progress: Any = None, with_store: bool = True
) -> tuple[dict[str, Any], list[str]]:
    """Load the recalls, measure the natural baseline on the store's orders of the same period, build the report."""
    from wcrecall.insight.audit import AUDIT_FIELDS, order_stream
    from wcrecall.model.errors import BadOrder
    from wcrecall.model.order import parse_order
    from wcrecall.model.progress import NoProgress
    from wcrecall.state.db import State
    from wcrecall.store.client import Store

    state = State.of(settings, read_only=True).load()
    recalls = list(state.recalls.values())
    natural = None
    if with_store:
        store = Store(settings.store)
        # Natural recovery before wcrecall: the same length of history, up to the first recall (the install).
        end = min((t for r in recalls if (t := from_iso(r.opened)) is not None), default=now)
        end = min(end, now)
        start = end - since

        def orders() -> Iterable[Any]:
            for raw in order_stream(
                store, start=start, end=end, fields=AUDIT_FIELDS, progress=progress or NoProgress()
            ):
                try:
                    yield parse_order(raw)
                except BadOrder:
                    continue

        with store.session():
            natural = natural_baseline(orders(), contacted=contacted_order_ids(recalls), window=window, end=end)
    data = build_report(recalls, now=now, since=since, window=window, natural=natural)
    data["store_name"] = settings.brand.store_name
    return data, list(state.problems)


# --------------------------------------------------------------------------------------------------------------------
# Presentation: insight/reportpage.py (the summary box first, then the sections).


def to_text(data: Mapping[str, Any]) -> str:
    from wcrecall.insight.reportpage import to_text as text

    return text(data)


def to_html(data: Mapping[str, Any]) -> str:
    from wcrecall.insight.reportpage import to_html as page

    return page(data)
