"""What `wcrecall status` shows: one row per recall and a summary, from the state file alone (no store call).

`status_of` reads the state file; `collect` turns recalls into the rows and summary of `status --json`; `table_rows`
and `summary_line` are what the table shows of them (the CLI only draws it).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any

from wcrecall.config.settings import Settings
from wcrecall.insight.recovery import opened_since, recovered_recalls
from wcrecall.model.records import OPEN, SENT, SKIPPED, UNCERTAIN, Recall
from wcrecall.plan.attribution import outcome_label, recovered_by_recall

TABLE_COLUMNS = ("order", "email", "cc", "total", "status", "reason", "sent", "next due", "outcome")


@dataclass(frozen=True, kw_only=True)
class StatusFilter:
    open_only: bool = False
    recovered_only: bool = False
    since: timedelta | None = None

    def keep(self, recall: Recall, now: datetime) -> bool:
        if self.open_only and recall.outcome != OPEN:
            return False
        if self.recovered_only and not recovered_by_recall(recall):
            return False
        return self.since is None or bool(opened_since([recall], now=now, since=self.since))


def _steps(recall: Recall) -> str:
    sent = sum(1 for s in recall.steps if s.state == SENT)
    text = f"{sent}/{recall.planned}"
    uncertain = [s.n for s in recall.steps if s.state == UNCERTAIN]
    if uncertain:
        text += " uncertain:" + ",".join(map(str, uncertain))
    return text


def row(recall: Recall) -> dict[str, Any]:
    """One recall as `status --json` prints it: no email address, no name, no secret."""
    outcome = recall.outcome
    return {
        "order": recall.id,
        "number": recall.number,
        "email": recall.email_masked,
        "country": recall.country,
        "total": recall.total,
        "currency": recall.currency,
        "order_status": recall.status,
        "kind": recall.kind,
        "reason": recall.reason,
        "steps_sent": sum(1 for s in recall.steps if s.state == SENT),
        "steps_planned": recall.planned,
        "steps": [
            {"n": s.n, "state": s.state, "at": s.at, **({"why": s.why} if s.state in (SKIPPED, UNCERTAIN) else {})}
            for s in recall.steps
        ],
        "steps_text": _steps(recall),
        "next_due": recall.next_due if outcome == OPEN else None,
        "outcome": outcome,
        "outcome_label": outcome_label(recall),
        "recovered_by_recall": recovered_by_recall(recall),
        "end_reason": recall.end_reason,
        "opened": recall.opened,
        "ended": recall.ended,
        "paid_at": recall.paid_at,
        "paid_order": recall.paid_order,
        "language": recall.lang,
        "warning": recall.warning,
    }


def summary(recalls: list[Recall]) -> dict[str, Any]:
    counts: dict[str, int] = defaultdict(int)
    revenue: dict[str, Decimal] = defaultdict(Decimal)
    for recall in recalls:
        counts[outcome_label(recall)] += 1
    won = recovered_recalls(recalls)  # the count `report` shows too (insight/recovery.py)
    for recall in won:
        try:
            revenue[recall.currency or "?"] += Decimal(recall.total)
        except InvalidOperation:
            pass
    uncertain = sum(1 for r in recalls for s in r.steps if s.state == UNCERTAIN)
    return {
        "recalls": len(recalls),
        "open": counts.get(OPEN, 0),
        "recovered": len(won),
        "outcomes": dict(sorted(counts.items())),
        "recovered_revenue": {cur: str(amount) for cur, amount in sorted(revenue.items())},
        "uncertain_steps": uncertain,
    }


def collect(recalls: list[Recall], now: datetime, flt: StatusFilter) -> dict[str, Any]:
    kept = [r for r in recalls if flt.keep(r, now)]
    kept.sort(key=lambda r: (r.opened, r.id), reverse=True)
    return {"summary": summary(kept), "recalls": [row(r) for r in kept]}


def status_of(
    settings: Settings, now: datetime, flt: StatusFilter, *, problem: Callable[[str], None]
) -> dict[str, Any]:
    """The state file's recalls as `status` shows them; each problem met reading the file goes to `problem` first."""
    from wcrecall.state.db import State

    state = State.of(settings, read_only=True).load()
    for text in state.problems:
        problem(text)
    return collect(list(state.recalls.values()), now, flt)


def table_rows(data: dict[str, Any]) -> list[tuple[str, ...]]:
    """The table's cells (`TABLE_COLUMNS`) for each recall of `collect`'s result; store text as it came."""
    from wcrecall.plan.classify import CLASS_LABELS

    rows: list[tuple[str, ...]] = []
    for r in data["recalls"]:
        outcome = r["outcome_label"].replace("_", " ")
        if r["end_reason"] and r["outcome"] not in ("open",):
            outcome += f": {r['end_reason']}"
        if r.get("warning"):
            outcome += f" (warning: {r['warning']})"
        rows.append((
            f"#{r['number']}",
            r["email"],
            r["country"],
            f"{r['total']} {r['currency']}",
            r["order_status"],
            CLASS_LABELS.get(r["reason"], r["reason"]),
            r["steps_text"],
            (r["next_due"] or "")[:16].replace("T", " "),
            outcome,
        ))  # fmt: skip
    return rows


def summary_line(data: dict[str, Any]) -> str:
    """The line under the table: counts by outcome and the revenue won back."""
    s = data["summary"]
    revenue = ", ".join(f"{amount} {cur}" for cur, amount in s["recovered_revenue"].items()) or "0"
    return (
        f"{s['recalls']} recalls: {s['open']} open, {s['recovered']} recovered ({revenue}); "
        + ", ".join(f"{k.replace('_', ' ')} {v}" for k, v in s["outcomes"].items() if k not in ("open",))
        + (f"; {s['uncertain_steps']} uncertain step(s)" if s["uncertain_steps"] else "")
    )
