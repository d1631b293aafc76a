"""The audit's presentation: the same sections for the terminal and the HTML page."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from wcrecall.insight.recovery import share


def _pct(value: float | None) -> str:
    return "n/a" if value is None else f"{value * 100:.1f}%"


def _primary_currency(data: Mapping[str, Any]) -> str:
    value = data["unpaid"]["value"]
    # The currency most failed orders are in: comparing totals across currencies would let 7,500 JPY outweigh
    # 200 USD.
    return max(value, key=lambda cur: (value[cur].get("orders", 0), cur)) if value else ""


def sections(data: Mapping[str, Any], *, charts: bool) -> list[Any]:
    """Tables, notes and (for HTML) charts of an audit result."""
    from wcrecall.insight import charts as ch
    from wcrecall.insight.htmlpage import Section, Table

    unpaid = data["unpaid"]
    out: list[Section] = []
    summary = Section("Orders that failed at payment")
    summary.tables.append(
        Table(
            ["", "orders", "share of all orders"],
            [
                ["all orders", data["orders"], "100%"],
                ["failed", unpaid["failed"], _pct(unpaid["failed_share"])],
                ["pending (never paid)", unpaid["pending"], _pct(unpaid["pending_share"])],
                ["failed + pending", unpaid["total"], _pct(unpaid["share"])],
                [
                    "failed + pending without a valid email (unreachable)",
                    unpaid["unreachable"],
                    _pct(share(unpaid["unreachable"], unpaid["total"])),
                ],
            ],
            numeric=(1, 2),
        )
    )
    summary.tables.append(
        Table(
            ["currency", "failed value", "pending value", "total value"],
            [[cur, v["failed"], v["pending"], v["total"]] for cur, v in unpaid["value"].items()],
            numeric=(1, 2, 3),
        )
    )
    if data.get("skipped_orders"):
        summary.notes.append(
            f"{data['skipped_orders']} order(s) could not be read (malformed data) and are not counted."
        )
    out.append(summary)

    methods = Section("By payment method")
    methods.tables.append(
        Table(
            ["payment method", "orders", "failed + pending", "share"],
            [[m["method"], m["orders"], m["unpaid"], _pct(m["share"])] for m in data["by_payment_method"]],
            numeric=(1, 2, 3),
        )
    )
    if charts:
        rows = data["by_payment_method"][:15]
        methods.charts.append(
            ch.bar(
                "Share of orders that failed or stayed pending, by payment method",
                x_title="payment method",
                y_title="share of the method's orders (%)",
                labels=[m["method"] for m in rows],
                values=[round((m["share"] or 0) * 100, 1) for m in rows],
                value_format="{:.1f}%",
            )
        )
    out.append(methods)

    countries = Section("By billing country")
    countries.tables.append(
        Table(
            ["country", "failed", "pending", "value"],
            [
                [c["country"], c["failed"], c["pending"], ", ".join(f"{v} {cur}" for cur, v in c["value"].items())]
                for c in data["by_country"]
            ],
            numeric=(1, 2),
        )
    )
    primary = _primary_currency(data)
    if charts and primary:
        rows = [c for c in data["by_country"] if primary in c["value"]][:15]
        countries.charts.append(
            ch.bar(
                f"Value of failed and pending orders by billing country ({primary})",
                x_title="billing country",
                y_title=f"value ({primary})",
                labels=[c["country"] for c in rows],
                values=[float(c["value"][primary]) for c in rows],
                value_format="{:,.2f}",
            )
        )
    out.append(countries)

    weeks = Section("By week (weeks start on Monday, UTC)")
    weeks.tables.append(
        Table(
            ["week", "orders", "failed", "pending"],
            [[w["week"], w["orders"], w["failed"], w["pending"]] for w in data["by_week"]],
            numeric=(1, 2, 3),
        )
    )
    classes = data["classes"]
    if charts:
        names = sorted({name for w in data["by_week"] for name in w["classes"]})
        series = {name: [w["classes"].get(name, 0) for w in data["by_week"]] for name in names}
        series["not classified"] = [w["failed"] + w["pending"] - sum(w["classes"].values()) for w in data["by_week"]]
        weeks.charts.append(
            ch.stacked_bar(
                "Failed and pending orders per week, by failure class",
                x_title="week starting",
                y_title="orders",
                labels=[w["week"] for w in data["by_week"]],
                series=series,
            )
        )
    out.append(weeks)

    why = Section("Why payments failed")
    why.notes.append(
        f"Classified from the order notes of the {classes['sampled']} most recent failed/pending orders "
        f"({classes['classified']} read)."
    )
    why.tables.append(
        Table(
            ["failure class", "orders", "share of classified"],
            [[k, v, _pct(share(v, classes["classified"]))] for k, v in classes["counts"].items()],
            numeric=(1, 2),
        )
    )
    out.append(why)

    nat = data["natural_recovery"]
    natural = Section("Natural recovery (no reminder sent)")
    median = "n/a" if nat["median_hours"] is None else f"{nat['median_hours']:g} h"
    natural.notes.append(
        f"Share of buyers with a failed or pending order who placed a paid order (same email or customer id) within "
        f"{nat['window_days']:g} days, without any reminder: {_pct(nat['rate'])} of {nat['episodes_judged']} "
        f"(median time until they did: {median}). "
        f"{nat['too_recent']} more are too recent to judge."
    )
    natural.tables.append(
        Table(
            ["within hours", "share recovered"], [[p["hours"], _pct(p["share"])] for p in nat["curve"]], numeric=(0, 1)
        )
    )
    if charts:
        natural.charts.append(
            ch.line(
                "Natural recovery: share of unpaid buyers who paid by themselves",
                x_title="hours after the failed order",
                y_title="buyers who paid (%)",
                labels=[str(p["hours"]) for p in nat["curve"]],
                series={"recovered": [round((p["share"] or 0) * 100, 1) for p in nat["curve"]]},
                value_format="{:.1f}%",
            )
        )
    out.append(natural)

    proj = data["projection"]
    a = proj["assumptions"]
    projected = Section("What reminders could win back per month (a range, not a promise)")
    projected.notes.append(
        f"Orders per month: {proj['orders_per_month']['low']:g} to {proj['orders_per_month']['high']:g}. "
        f"Assumptions: {a['reachable_unpaid_orders_per_month']:g} reachable failed/pending orders per 30 days; natural "
        f"recovery {_pct(a['natural_recovery_rate'])} subtracted; reminder rate {_pct(a['reminder_rate_low'])} to "
        f"{_pct(a['reminder_rate_high'])} ({a['source']})."
    )
    projected.tables.append(
        Table(
            ["currency", "revenue low", "revenue high", "average unpaid order"],
            [[cur, r["low"], r["high"], r["average_order"]] for cur, r in proj["revenue_per_month"].items()],
            numeric=(1, 2, 3),
        )
    )
    out.append(projected)
    return out


def title(data: Mapping[str, Any]) -> tuple[str, str]:
    period = data["period"]
    return (
        f"Payment failure audit: {data.get('store', 'store')}",
        f"Orders created {period['start']} to {period['end']} UTC ({period['days']:g} days); "
        "read-only, nothing was sent.",
    )


def to_text(data: Mapping[str, Any]) -> str:
    from wcrecall.insight.htmlpage import render_text

    return render_text(*title(data), sections(data, charts=False))


def to_html(data: Mapping[str, Any]) -> str:
    from wcrecall.insight.htmlpage import render_page

    return render_page(*title(data), sections(data, charts=True))
