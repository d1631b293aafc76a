"""The audit's presentation: the answer first (a summary box), then the same sections for the terminal and the HTML
page, in the owner's language and words."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

from wcrecall.i18n import _, fmt_date, fmt_datetime, fmt_money, fmt_number, fmt_percent, n_
from wcrecall.insight import labels
from wcrecall.insight.htmlpage import Section, Summary, Table
from wcrecall.insight.rates import MIN_N, Rate
from wcrecall.insight.recovery import share

MAX_CURRENCIES = 3  # the summary names this many currencies, the busiest first; the tables show them all
MAX_BARS = 15


def pct(value: float | None) -> str:
    return _("n/a") if value is None else fmt_percent(value)


def rate_cell(rate: Rate) -> str:
    """A rate with its 95% Wilson range, e.g. "14.2% (9.0% to 21.5%)"."""
    interval = rate.interval
    if rate.value is None or interval is None:
        return _("n/a")
    return _("{rate} ({low} to {high})").format(
        rate=fmt_percent(rate.value), low=fmt_percent(interval[0]), high=fmt_percent(interval[1])
    )


def amounts(per_currency: Sequence[str]) -> str:
    """Amounts (or ranges) in several currencies: the first `MAX_CURRENCIES` shown, the rest counted."""
    shown = per_currency[0] if per_currency else ""
    for item in per_currency[1:MAX_CURRENCIES]:
        shown = _("{items}, {item}").format(items=shown, item=item)
    rest = len(per_currency) - MAX_CURRENCIES
    if rest <= 0:
        return shown
    return n_("{amounts} and {n} more currency", "{amounts} and {n} more currencies", rest).format(
        amounts=shown, n=rest
    )


def _when(iso: str) -> str:
    return fmt_datetime(datetime.fromisoformat(iso))


def _by_busiest(value: Mapping[str, Mapping[str, Any]]) -> list[str]:
    # The currency most failed orders are in first: comparing totals across currencies would let 7,500 JPY outweigh
    # 200 USD.
    return sorted(value, key=lambda cur: (-int(value[cur].get("orders", 0)), cur))


def summary(data: Mapping[str, Any]) -> Summary:
    """Lost per month, likely won back per month as a range, and what that rests on."""
    unpaid, period, proj = data["unpaid"], data["period"], data["projection"]
    nat = data["natural_recovery"]
    per_month = 30 / max(float(period.get("covered_days", period["days"])), 1e-9)
    currencies = _by_busiest(unpaid["value"])
    box = Summary(_("In short"))
    lost = [fmt_money(Decimal(unpaid["value"][cur]["total"]) * Decimal(str(per_month)), cur) for cur in currencies]
    if lost:
        box.lines.append(
            (
                _("Lost to failed payments"),
                _("about {amount} a month ({orders} orders a month failed or were never paid)").format(
                    amount=amounts(lost), orders=fmt_number(round(unpaid["total"] * per_month, 1))
                ),
            )
        )
    else:
        box.lines.append((_("Lost to failed payments"), _("nothing: no order failed or stayed unpaid")))
    revenue = proj["revenue_per_month"]
    won = [cur for cur in currencies if cur in revenue]
    ranges = [
        _("{low} to {high}").format(low=fmt_money(Decimal(revenue[cur]["low"]), cur),
                                    high=fmt_money(Decimal(revenue[cur]["high"]), cur))
        for cur in won
    ]  # fmt: skip
    if won:
        box.lines.append(
            (
                _("Reminders would likely win back"),
                _("{amounts} a month ({orders_low} to {orders_high} orders)").format(
                    amounts=amounts(ranges),
                    orders_low=fmt_number(proj["orders_per_month"]["low"]),
                    orders_high=fmt_number(proj["orders_per_month"]["high"]),
                ),
            )
        )
    box.basis.append(
        _(
            "Based on this store's own history: {orders} orders created {start} to {end} ({days} days), {unpaid} of "
            "them failed or never paid."
        ).format(
            orders=fmt_number(data["orders"]),
            start=_when(period["start"]),
            end=_when(period["end"]),
            days=fmt_number(period["days"]),
            unpaid=fmt_number(unpaid["total"]),
        )
    )
    covered = float(period.get("covered_days", period["days"]))
    if covered < float(period["days"]):
        box.basis.append(
            _("The orders cover the last {days} days only; the monthly figures are worked out over those.").format(
                days=fmt_number(covered)
            )
        )
    if nat["rate"] is not None:
        box.basis.append(
            _(
                "{rate} of {n} buyers paid later by themselves, with no reminder; the range above leaves them out."
            ).format(rate=pct(nat["rate"]), n=fmt_number(nat["episodes_judged"]))
        )
    if won:
        a = proj["assumptions"]
        box.basis.append(
            _(
                "Reminders assumed to win back {low} to {high} of the rest, the rates of abandoned-cart emails "
                "(SaleCycle 2019): no public figure exists for failed-payment reminders."
            ).format(low=pct(a["reminder_rate_low"]), high=pct(a["reminder_rate_high"]))
        )
    return box


def _weeks(data: Mapping[str, Any]) -> list[dict[str, Any]]:
    """Every week of the period, the empty ones too, so the chart's spacing is real time."""
    found = {w["week"]: w for w in data["by_week"]}
    if not found:
        return []
    day = date.fromisoformat(min(found))
    last = date.fromisoformat(max(found))
    out = []
    while day <= last:
        key = day.isoformat()
        out.append(found.get(key, {"week": key, "orders": 0, "failed": 0, "pending": 0, "classes": {}}))
        day += timedelta(days=7)
    return out


def sections(data: Mapping[str, Any], *, charts: bool) -> list[Section]:
    """Tables, notes and (for HTML) charts of an audit result."""
    from wcrecall.insight import charts as ch

    unpaid = data["unpaid"]
    out: list[Section] = []
    failed = Section(_("Orders that failed at payment"))
    failed.tables.append(
        Table(
            ["", _("orders"), _("share of all orders")],
            [
                [_("all orders"), fmt_number(data["orders"]), fmt_percent(1)],
                [_("failed"), fmt_number(unpaid["failed"]), pct(unpaid["failed_share"])],
                [_("pending (never paid)"), fmt_number(unpaid["pending"]), pct(unpaid["pending_share"])],
                [_("failed + pending"), fmt_number(unpaid["total"]), pct(unpaid["share"])],
                [
                    _("of those, no valid email (cannot be reminded)"),
                    fmt_number(unpaid["unreachable"]),
                    pct(share(unpaid["unreachable"], unpaid["total"])),
                ],
            ],
            numeric=(1, 2),
        )  # fmt: skip
    )
    failed.tables.append(
        Table(
            [_("currency"), _("failed value"), _("pending value"), _("total value")],
            [
                [cur, *(fmt_money(Decimal(v[k]), cur) for k in ("failed", "pending", "total"))]
                for cur, v in unpaid["value"].items()
            ],
            numeric=(1, 2, 3),
        )
    )
    if data.get("skipped_orders"):
        failed.notes.append(
            n_(
                "{n} order could not be read (malformed data) and is not counted.",
                "{n} orders could not be read (malformed data) and are not counted.",
                data["skipped_orders"],
            ).format(n=data["skipped_orders"])
        )
    out.append(failed)

    titles = {m["method"]: m.get("title", "") for m in data["by_payment_method"]}
    methods = Section(_("By payment method"))
    rates = [Rate(labels.gateway(m["method"], titles), m["unpaid"], m["orders"]) for m in data["by_payment_method"]]
    methods.tables.append(
        Table(
            [_("payment method"), _("orders"), _("failed + pending"), _("share (95% range)")],
            [[r.label, fmt_number(r.n), fmt_number(r.won), rate_cell(r)] for r in rates],
            numeric=(1, 2, 3),
            small=[i for i, r in enumerate(rates) if r.small],
        )
    )
    if any(r.small for r in rates):
        methods.notes.append(
            _("Grey rows: fewer than {n} orders, too few for their share to mean much.").format(n=MIN_N)
        )
    chart = charts and ch.rate_bars(
        _("Share of orders that failed or stayed unpaid, by payment method"),
        axis_title=_("payment method"),
        rates=rates[:MAX_BARS],
    )
    if chart:
        methods.charts.append(chart)
    out.append(methods)

    countries = Section(_("By billing country"))
    countries.tables.append(
        Table(
            [_("country"), _("failed"), _("pending"), _("value")],
            [
                [
                    labels.country(c["country"]),
                    fmt_number(c["failed"]),
                    fmt_number(c["pending"]),
                    ", ".join(fmt_money(Decimal(v), cur) for cur, v in c["value"].items()),
                ]
                for c in data["by_country"]
            ],
            numeric=(1, 2),
        )  # fmt: skip
    )
    busiest = _by_busiest(unpaid["value"])
    if charts and busiest:
        primary = busiest[0]
        rows = [c for c in data["by_country"] if primary in c["value"]][:MAX_BARS]
        chart = ch.value_bars(
            _("Value of failed and pending orders by billing country ({currency})").format(currency=primary),
            axis_title=_("billing country"),
            value_title=_("value ({currency})").format(currency=primary),
            labels=[labels.country(c["country"]) for c in rows],
            values=[float(c["value"][primary]) for c in rows],
            money=primary,
        )
        if chart:
            countries.charts.append(chart)
        elif rows:
            countries.notes.append(
                _("All failed and pending orders in {currency} came from {country}: {amount}.").format(
                    currency=primary,
                    country=labels.country(rows[0]["country"]),
                    amount=fmt_money(Decimal(rows[0]["value"][primary]), primary),
                )
            )
    out.append(countries)
    out.extend(_later_sections(data, charts=charts))
    return out


def _later_sections(data: Mapping[str, Any], *, charts: bool) -> list[Section]:
    from wcrecall.insight import charts as ch

    out: list[Section] = []
    weeks = Section(_("By week (weeks start on Monday, UTC)"))
    weeks.tables.append(
        Table(
            [_("week starting"), _("orders"), _("failed"), _("pending")],
            [
                [
                    fmt_date(date.fromisoformat(w["week"])),
                    fmt_number(w["orders"]),
                    fmt_number(w["failed"]),
                    fmt_number(w["pending"]),
                ]
                for w in data["by_week"]
            ],
            numeric=(1, 2, 3),
        )  # fmt: skip
    )
    every = _weeks(data)
    names = sorted({name for w in every for name in w["classes"]})
    series = {labels.failure_class(name): [w["classes"].get(name, 0) for w in every] for name in names}
    series[labels.failure_class("unclassified")] = [
        w["failed"] + w["pending"] - sum(w["classes"].values()) for w in every
    ]
    chart = charts and ch.weekly_bars(
        _("Failed and pending orders per week, by reason"),
        y_title=_("orders"),
        weeks=[date.fromisoformat(w["week"]) for w in every],
        series=series,
    )
    if chart:
        weeks.charts.append(chart)
    out.append(weeks)

    classes = data["classes"]
    why = Section(_("Why payments failed"))
    why.notes.append(
        _("Read from the order notes of the {sampled} most recent failed or pending orders ({read} read).").format(
            sampled=fmt_number(classes["sampled"]), read=fmt_number(classes["classified"])
        )
    )
    why.tables.append(
        Table(
            [_("reason"), _("orders"), _("share of those read")],
            [
                [labels.failure_class(k), fmt_number(v), pct(share(v, classes["classified"]))]
                for k, v in classes["counts"].items()
            ],
            numeric=(1, 2),
        )  # fmt: skip
    )
    out.append(why)

    nat = data["natural_recovery"]
    natural = Section(_("Buyers who paid later by themselves (no reminder)"))
    median = _("n/a") if nat["median_hours"] is None else _("{hours} h").format(hours=fmt_number(nat["median_hours"]))
    natural.notes.append(
        _(
            "Share of buyers with a failed or pending order who placed a paid order (same email or customer id) "
            "within {days} days, without any reminder: {rate} of {n} (median time until they did: {median}). "
            "{recent} more are too recent to judge."
        ).format(
            days=fmt_number(nat["window_days"]),
            rate=pct(nat["rate"]),
            n=fmt_number(nat["episodes_judged"]),
            median=median,
            recent=fmt_number(nat["too_recent"]),
        )
    )
    natural.tables.append(
        Table(
            [_("within hours"), _("share who paid")],
            [[fmt_number(p["hours"]), pct(p["share"])] for p in nat["curve"]],
            numeric=(0, 1),
        )
    )
    chart = (
        charts
        and nat["episodes_judged"]
        and ch.curve(
            _("Buyers who paid by themselves, by hours after the failed order"),
            x_title=_("hours after the failed order"),
            y_title=_("buyers who paid (%)"),
            points=[(float(p["hours"]), round((p["share"] or 0) * 100, 1)) for p in nat["curve"]],
        )
    )
    if chart:
        natural.charts.append(chart)
    out.append(natural)

    proj = data["projection"]
    a = proj["assumptions"]
    projected = Section(_("What reminders could win back per month (a range, not a promise)"))
    projected.notes.append(
        _(
            "Orders per month: {low} to {high}. Assumptions: {reachable} reachable failed or pending orders per 30 "
            "days; the {natural} who pay by themselves are subtracted; reminders win back {rate_low} to {rate_high} "
            "of the rest (SaleCycle 2019, abandoned-cart emails sent after 24 hours and within 20 minutes)."
        ).format(
            low=fmt_number(proj["orders_per_month"]["low"]),
            high=fmt_number(proj["orders_per_month"]["high"]),
            reachable=fmt_number(a["reachable_unpaid_orders_per_month"]),
            natural=pct(a["natural_recovery_rate"]),
            rate_low=pct(a["reminder_rate_low"]),
            rate_high=pct(a["reminder_rate_high"]),
        )
    )
    projected.tables.append(
        Table(
            [_("currency"), _("low"), _("high"), _("average unpaid order")],
            [
                [cur, *(fmt_money(Decimal(r[k]), cur) for k in ("low", "high", "average_order"))]
                for cur, r in proj["revenue_per_month"].items()
            ],
            numeric=(1, 2, 3),
        )  # fmt: skip
    )
    out.append(projected)
    return out


def title(data: Mapping[str, Any]) -> tuple[str, str]:
    period = data["period"]
    store = data.get("store_name") or data.get("store") or _("Your store")
    return (
        _("{store}: what failed payments cost").format(store=store),
        _("Orders created {start} to {end} ({days} days); read-only, nothing was sent.").format(
            start=_when(period["start"]), end=_when(period["end"]), days=fmt_number(period["days"])
        ),
    )


def to_text(data: Mapping[str, Any]) -> str:
    from wcrecall.insight.htmlpage import render_text

    return render_text(*title(data), sections(data, charts=False), summary(data))


def to_html(data: Mapping[str, Any]) -> str:
    from wcrecall.insight.htmlpage import render_page

    return render_page(*title(data), sections(data, charts=True), summary(data))
