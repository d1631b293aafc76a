"""The report's presentation: the answer first (a summary box), then the same sections for the terminal and the HTML
page, in the owner's language and words."""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import datetime
from decimal import Decimal
from typing import Any

from wcrecall.i18n import _, fmt_datetime, fmt_money, fmt_number, n_
from wcrecall.insight import labels
from wcrecall.insight.auditpage import MAX_BARS, amounts, pct, rate_cell
from wcrecall.insight.htmlpage import Section, Summary, Table
from wcrecall.insight.rates import MIN_N, Rate, wilson
from wcrecall.insight.recovery import uplift_notes


def _stages() -> dict[str, str]:
    return {
        "recalls opened": _("orders followed up"),
        "recovered on the same order": _("paid the same order"),
        "recovered by a new order": _("paid with a new order"),
        "paid, not credited (before a reminder or after the window)": _(
            "paid, not counted (before any reminder or after the window)"
        ),
        "ended unpaid": _("ended unpaid"),
        "not contacted": _("not contacted"),
        "held out (no reminder, to measure uplift)": _("held out (no reminder, to measure what reminders add)"),
        "closed in the store": _("cancelled or closed in the store"),
        "merged into a newer order": _("merged into a newer order"),
        "still open": _("still open"),
    }


def _delays() -> dict[str, str]:
    return {
        "under 1 h": _("under 1 hour"),
        "1-6 h": _("1 to 6 hours"),
        "6-24 h": _("6 to 24 hours"),
        "1-3 days": _("1 to 3 days"),
        "over 3 days": _("over 3 days"),
    }


def _not_contacted() -> dict[str, str]:
    # The reasons plan/decide.py records; a reason not listed here is shown as recorded.
    return {
        "no billing email": _("no billing email"),
        "billing email is not a valid address": _("billing email is not a valid address"),
        "do_not_contact": _("buyer asked not to be contacted"),
        "unspecified": _("reason not recorded"),
    }


_REMINDER_RE = re.compile(r"reminder (\d+)(?: sent)?")


def stage(text: str) -> str:
    """A funnel stage or step key of the report's data in the owner's words."""
    found = _REMINDER_RE.fullmatch(text)
    if found:
        number = int(found.group(1))
        if text.endswith("sent"):
            return _("reminder {n} sent").format(n=number)
        return _("reminder {n}").format(n=number)
    return _stages().get(text, text)


def _when(iso: str) -> str:
    return fmt_datetime(datetime.fromisoformat(iso))


def _group_label(key: str, kind: str) -> str:
    if kind == "by_class":
        return labels.failure_class(key)
    if kind == "by_country":
        return labels.country(key)
    if kind == "by_language":
        return labels.language(key)
    return stage(key)


def uplift_lines(data: Mapping[str, Any]) -> list[tuple[str, str]]:
    """What reminders added beyond buyers who pay anyway, as `insight/recovery.py` measures it against the randomized
    holdout; without one the box says it is not measured, and shows the rate before wcrecall instead of a figure."""
    up = data.get("uplift")
    if up:
        return [
            (
                _("What reminders added"),
                _(
                    "{diff} percentage points more buyers paid within {days} days than held-out buyers who got no "
                    "reminder (95% range {low} to {high}; {reminded} reminded, {held} held out)"
                ).format(
                    diff=f"{up['difference'] * 100:+.1f}",
                    days=fmt_number(up["within_days"]),
                    low=f"{up['low'] * 100:+.1f}",
                    high=f"{up['high'] * 100:+.1f}",
                    reminded=fmt_number(up["reminded"]),
                    held=fmt_number(up["held_out"]),
                ),
            )
        ]
    if data.get("held_out"):
        lines = [
            (
                _("What reminders added"),
                _("not measured yet: too few held-out orders ({n})").format(n=fmt_number(data["held_out"])),
            )
        ]
    else:
        lines = [
            (
                _("What reminders added"),
                _("not measured: set recall.holdout (e.g. 0.1) so that a random share of orders gets no reminder"),
            )
        ]
    nat = data.get("natural_recovery")
    if nat and nat.get("rate") is not None:
        lines.append(
            (
                _("Before wcrecall"),
                _("{rate} of {n} buyers with a failed or pending order paid by themselves").format(
                    rate=pct(nat["rate"]), n=fmt_number(nat["episodes_judged"])
                ),
            )
        )
    return lines


def summary(data: Mapping[str, Any]) -> Summary:
    """Paid after a reminder (measured), per month as a range, the uplift's place, and what it rests on."""
    period = data["period"]
    days = max(float(period["days"]), 1e-9)
    box = Summary(_("In short"))
    revenue = [fmt_money(Decimal(v), cur) for cur, v in data["recovered_revenue"].items()]
    reminded_value: Mapping[str, str] = data.get("reminded_value", {})
    if not revenue:  # a zero in one of several currencies would be a guess: say it in words
        revenue = [_("nothing yet")]
    if not data["reminded"]:
        box.lines.append((_("Paid after a reminder"), _("no reminder was sent in this period yet")))
    else:
        box.lines.append(
            (
                _("Paid after a reminder"),
                n_("{amount} from {n} order", "{amount} from {n} orders", data["recovered"]).format(
                    amount=amounts(revenue), n=fmt_number(data["recovered"])
                ),
            )
        )
    if data.get("judged"):
        box.lines.append(
            (
                _("Paid within {days} days of a reminder").format(days=fmt_number(data["attribution_window_days"])),
                _("{k} of {judged} reminded orders whose {days} days have passed ({rate})").format(
                    k=fmt_number(data["judged_recovered"]),
                    judged=fmt_number(data["judged"]),
                    days=fmt_number(data["attribution_window_days"]),
                    rate=pct(data["recovery_rate"]),
                ),
            )
        )
    waiting = data.get("waiting", 0)
    if waiting:
        box.lines.append(
            (
                _("Still waiting"),
                n_(
                    "{n} reminded order is still within its {days} days: not counted as paid or unpaid yet",
                    "{n} reminded orders are still within their {days} days: not counted as paid or unpaid yet",
                    waiting,
                ).format(n=fmt_number(waiting), days=fmt_number(data["attribution_window_days"])),
            )
        )
    interval = wilson(data.get("judged_recovered", 0), data.get("judged", 0))
    if interval is not None and reminded_value:
        per_month = Decimal(str(30 / days))
        low, high = Decimal(str(interval[0])), Decimal(str(interval[1]))
        ranges = [
            _("{low} to {high}").format(low=fmt_money(Decimal(v) * per_month * low, cur),
                                        high=fmt_money(Decimal(v) * per_month * high, cur))
            for cur, v in sorted(reminded_value.items(), key=lambda kv: (kv[0] not in data["recovered_revenue"], kv[0]))
        ]  # fmt: skip
        box.lines.append(
            (
                _("Likely paid after a reminder, per month"),
                _("{amounts} (the 95% range of the measured rate, {low} to {high}, at this pace)").format(
                    amounts=amounts(ranges), low=pct(interval[0]), high=pct(interval[1])
                ),
            )
        )
    box.lines.extend(uplift_lines(data))
    box.basis.append(
        _(
            "Based on {n} orders followed up, opened {start} to {end} ({days} days); an order counts when it is paid "
            "within {window} days after a reminder."
        ).format(
            n=fmt_number(next((f["count"] for f in data["funnel"] if f["stage"] == "recalls opened"), 0)),
            start=_when(period["since"]),
            end=_when(period["until"]),
            days=fmt_number(period["days"]),
            window=fmt_number(data["attribution_window_days"]),
        )
    )
    return box


def sections(data: Mapping[str, Any], *, charts: bool) -> list[Section]:
    from wcrecall.insight import charts as ch

    out: list[Section] = []
    days = data["attribution_window_days"]
    headline = Section(_("Recovered, measured honestly"))
    headline.notes.append(
        _(
            "An order counts as recovered when it is paid within {days} days after a reminder. Of the {judged} reminded "
            "orders whose {days} days have passed, {k} were recovered ({rate}); {waiting} are still within them."
        ).format(
            days=fmt_number(days),
            judged=fmt_number(data.get("judged", 0)),
            k=fmt_number(data.get("judged_recovered", 0)),
            rate=pct(data["recovery_rate"]),
            waiting=fmt_number(data.get("waiting", 0)),
        )
    )
    headline.notes.extend(uplift_notes(data))
    headline.tables.append(
        Table(
            [_("currency"), _("recovered revenue")],
            [[cur, fmt_money(Decimal(v), cur)] for cur, v in data["recovered_revenue"].items()],
            numeric=(1,),
        )
    )
    out.append(headline)

    funnel = Section(_("From failed order to payment"))
    funnel.tables.append(
        Table(
            [_("stage"), _("orders")],
            [[stage(f["stage"]), fmt_number(f["count"])] for f in data["funnel"]],
            numeric=(1,),
        )  # fmt: skip
    )
    if data["not_contacted_by_reason"]:
        reasons = _not_contacted()
        funnel.tables.append(
            Table(
                [_("not contacted because"), _("orders")],
                [[reasons.get(k, k), fmt_number(v)] for k, v in data["not_contacted_by_reason"].items()],
                numeric=(1,),
            )
        )
    if data["baseline_adopted"]:
        funnel.notes.append(
            n_(
                "{n} order adopted with --baseline is not counted.",
                "{n} orders adopted with --baseline are not counted.",
                data["baseline_adopted"],
            ).format(n=data["baseline_adopted"])
        )
    chart = charts and ch.value_bars(
        _("From failed order to payment"),
        axis_title=_("stage"),
        value_title=_("orders"),
        labels=[stage(f["stage"]) for f in data["funnel"]],
        values=[f["count"] for f in data["funnel"]],
    )
    if chart:
        funnel.charts.append(chart)
    out.append(funnel)
    out.extend(_rate_sections(data, charts=charts))
    out.extend(_time_sections(data, charts=charts))
    return out


def _rate_sections(data: Mapping[str, Any], *, charts: bool) -> list[Section]:
    from wcrecall.insight import charts as ch

    out = []
    for key, heading, column in (
        ("by_class", _("Recovery rate by reason"), _("reason")),
        ("by_country", _("Recovery rate by country"), _("country")),
        ("by_language", _("Recovery rate by the buyer's language"), _("language")),
        ("by_step", _("Recovery rate by reminder"), _("reminder")),
    ):
        section = Section(heading)
        rates = [Rate(_group_label(g["key"], key), g["recovered"], g["reminded"]) for g in data[key]]
        section.tables.append(
            Table(
                [column, _("reminded"), _("recovered"), _("rate (95% range)")],
                [[r.label, fmt_number(r.n), fmt_number(r.won), rate_cell(r)] for r in rates],
                numeric=(1, 2, 3),
                small=[i for i, r in enumerate(rates) if r.small],
            )
        )
        if any(r.small for r in rates):
            section.notes.append(
                _("Grey rows: fewer than {n} reminded orders, too few for their rate to mean much.").format(n=MIN_N)
            )
        chart = charts and key != "by_step" and ch.rate_bars(heading, axis_title=column, rates=rates[:MAX_BARS])
        if chart:
            section.charts.append(chart)
        out.append(section)
    return out


def _time_sections(data: Mapping[str, Any], *, charts: bool) -> list[Section]:
    from wcrecall.insight import charts as ch

    out = []
    timing = Section(_("Time from reminder to payment"))
    t = data["time_to_payment"]
    if t["median_hours"] is not None:
        timing.notes.append(
            _("Median: {hours} hours from the last reminder before payment.").format(
                hours=fmt_number(t["median_hours"])
            )
        )
    delays = _delays()
    timing.tables.append(
        Table(
            [_("time"), _("orders paid")],
            [[delays.get(b["range"], b["range"]), fmt_number(b["count"])] for b in t["buckets"]],
            numeric=(1,),
        )  # fmt: skip
    )
    out.append(timing)

    if charts:
        revenue = Section(_("Recovered revenue over time"))
        for cur, points in data["cumulative_revenue"].items():
            chart = ch.over_time(
                _("Recovered revenue so far ({currency})").format(currency=cur),
                y_title=_("revenue ({currency})").format(currency=cur),
                points=[(datetime.fromisoformat(p["date"]), float(p["total"])) for p in points],
            )
            if chart:
                revenue.charts.append(chart)
            elif points:
                revenue.notes.append(
                    _("All recovered revenue in {currency} was paid on one day: {amount}.").format(
                        currency=cur, amount=fmt_money(Decimal(points[-1]["total"]), cur)
                    )
                )
        if not data["cumulative_revenue"]:
            revenue.notes.append(_("No recovered revenue in this period yet."))
        out.append(revenue)
    return out


def title(data: Mapping[str, Any]) -> tuple[str, str]:
    period = data["period"]
    store = data.get("store_name") or _("Your store")
    return (
        _("{store}: what reminders won back").format(store=store),
        _("Orders followed up from {start} to {end} ({days} days).").format(
            start=_when(period["since"]), end=_when(period["until"]), days=fmt_number(period["days"])
        ),
    )


def to_text(data: Mapping[str, Any]) -> str:
    from wcrecall.insight.htmlpage import render_text

    return render_text(*title(data), sections(data, charts=False), summary(data))


def to_html(data: Mapping[str, Any]) -> str:
    from wcrecall.insight.htmlpage import render_page

    return render_page(*title(data), sections(data, charts=True), summary(data))
