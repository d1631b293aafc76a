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
from wcrecall.i18n import _, fmt_datetime, fmt_money, fmt_number, n_
from wcrecall.insight.recovery import opened_since, recovered_recalls
from wcrecall.model.records import OPEN, SENT, SKIPPED, UNCERTAIN, Recall, from_iso
from wcrecall.plan.attribution import outcome_label, recovered_by_recall

TABLE_COLUMNS = ("order", "email", "cc", "total", "status", "reason", "sent", "next due", "outcome")


def column_titles() -> tuple[str, ...]:
    """`TABLE_COLUMNS` as the owner reads them."""
    return (_("order"), _("email"), _("cc"), _("total"), _("status"), _("reason"), _("sent"), _("next due"),
            _("outcome"))  # fmt: skip


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
    from wcrecall.recall.words import class_label, outcome_label

    rows: list[tuple[str, ...]] = []
    for r in data["recalls"]:
        outcome = outcome_label(r["outcome_label"])
        if r["end_reason"] and r["outcome"] not in ("open",):
            outcome = _("{outcome}: {reason}").format(outcome=outcome, reason=r["end_reason"])
        if r.get("warning"):
            outcome += " " + _("(warning: {warning})").format(warning=r["warning"])
        due = from_iso(r["next_due"]) if r["next_due"] else None
        rows.append((
            f"#{r['number']}",
            r["email"],
            r["country"],
            _money(r["total"], r["currency"]),
            r["order_status"],
            class_label(r["reason"]),
            _steps_shown(r),
            fmt_datetime(due) if due else "",
            outcome,
        ))  # fmt: skip
    return rows


def _steps_shown(r: dict[str, Any]) -> str:
    """`steps_text` (a machine field of --json) in the owner's words."""
    text = f"{r['steps_sent']}/{r['steps_planned']}"
    uncertain = [str(s["n"]) for s in r["steps"] if s["state"] == UNCERTAIN]
    return text + " " + _("uncertain: {steps}").format(steps=",".join(uncertain)) if uncertain else text


def _money(amount: str, currency: str) -> str:
    try:
        return fmt_money(Decimal(amount), currency) if currency else amount
    except (InvalidOperation, ValueError):
        return f"{amount} {currency}".strip()


def summary_line(data: dict[str, Any]) -> str:
    """The line under the table: counts by outcome and the revenue won back."""
    from wcrecall.recall.words import outcome_label

    s = data["summary"]
    comma, semicolon = _(", "), _("; ")  # the owner's list separators (full-width in Chinese)
    revenue = comma.join(_money(amount, cur) for cur, amount in s["recovered_revenue"].items()) or fmt_number(0)
    line = n_(
        "{n} recall: {open} open, {recovered} recovered ({revenue})",
        "{n} recalls: {open} open, {recovered} recovered ({revenue})",
        s["recalls"],
    ).format(n=s["recalls"], open=s["open"], recovered=s["recovered"], revenue=revenue)
    others = [
        _("{outcome} {count}").format(outcome=outcome_label(k), count=v)
        for k, v in s["outcomes"].items()
        if k not in ("open",)
    ]
    if others:
        line += semicolon + comma.join(others)
    if s["uncertain_steps"]:
        line += semicolon + n_("{n} uncertain step", "{n} uncertain steps", s["uncertain_steps"]).format(
            n=s["uncertain_steps"]
        )
    return line
