"""Pure parts of `wcrecall audit`: natural recovery episodes, aggregation, projection, charts and the HTML page."""

from __future__ import annotations

import html
import re
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest
from svgaxis import value_axis_ticks

from wcrecall.i18n import fmt_date
from wcrecall.insight import charts, labels
from wcrecall.insight.audit import AuditAggregator, NaturalRecovery, projection, to_html, to_text, week_of
from wcrecall.insight.htmlpage import Section, Table, render_page
from wcrecall.insight.rates import Rate
from wcrecall.model.order import parse_order

T0 = datetime(2026, 9, 1, tzinfo=UTC)
H = 3600.0
A, B = (b"a",), (b"b",)


def _order(
    oid: int, status: str, hours: float, *, email: str = "ana@example.com", total: str = "10.00", **extra: Any
) -> Any:
    created = (T0 + timedelta(hours=hours)).replace(tzinfo=None).isoformat()
    raw = {
        "id": oid,
        "status": status,
        "currency": extra.pop("currency", "EUR"),
        "total": total,
        "customer_id": extra.pop("customer_id", 0),
        "billing": {"email": email, "country": extra.pop("country", "DE")},
        "payment_method": extra.pop("payment_method", "stripe"),
        "payment_method_title": extra.pop("payment_method_title", ""),
        "date_created_gmt": created,
        "date_paid_gmt": created if status in ("processing", "completed") else None,
    }
    return parse_order(raw)


@pytest.mark.parametrize(
    ("events", "recovered", "unrecovered"),
    [
        ([("fail", A, 0), ("paid", A, 5)], 1, 0),
        ([("fail", A, 0), ("paid", A, 24 * 8)], 0, 1),
        ([("fail", A, 0), ("paid", B, 5)], 0, 1),
        ([("fail", A, 0), ("fail", A, 1), ("paid", A, 2)], 1, 0),  # a retry joins the episode
        ([("fail", A, 0), ("fail", A, 24 * 8), ("paid", A, 24 * 9)], 1, 1),  # a later failure opens a new one
        ([("paid", A, 0), ("fail", A, 1)], 0, 1),  # paying before the failure does not count
    ],
)
def test_natural_recovery_counts_episodes_paid_within_the_window(
    events: list[Any], recovered: int, unrecovered: int
) -> None:
    """A buyer recovers naturally when a paid order follows the failure within the window; retries are one episode."""
    natural = NaturalRecovery(timedelta(days=7))
    for kind, keys, hours in events:
        (natural.failure if kind == "fail" else natural.paid)(keys, hours * H)
    result = natural.result(end=100 * 24 * H)
    assert (result["recovered"], result["episodes_judged"] - result["recovered"]) == (recovered, unrecovered)


def test_natural_recovery_leaves_out_episodes_too_recent_to_judge() -> None:
    """An unpaid episode younger than the window is reported as too recent, not as unrecovered."""
    natural = NaturalRecovery(timedelta(days=7))
    natural.failure(A, 0)
    result = natural.result(end=2 * 24 * H)
    assert result["episodes_judged"] == 0 and result["too_recent"] == 1 and result["rate"] is None


def test_natural_recovery_matches_a_buyer_by_customer_id_when_the_email_differs() -> None:
    """Same customer id, different email: the paid order still closes the episode."""
    natural = NaturalRecovery(timedelta(days=7))
    natural.failure((b"e1", b"c7"), 0)
    natural.paid((b"e2", b"c7"), 3 * H)
    assert natural.result(end=30 * 24 * H)["median_hours"] == 3


def test_natural_recovery_excludes_contacted_episodes_from_the_rate() -> None:
    """Episodes marked as contacted are counted apart and never in the natural rate."""
    natural = NaturalRecovery(timedelta(days=7))
    natural.failure(A, 0, excluded=True)
    natural.paid(A, H)
    natural.failure(B, 0)
    result = natural.result(end=30 * 24 * H)
    assert result["excluded_contacted"] == 1 and result["episodes_judged"] == 1 and result["rate"] == 0


def test_aggregator_counts_unpaid_orders_by_method_country_week_and_currency() -> None:
    """Failed and pending orders are counted, valued per currency and split by method, country and week."""
    agg = AuditAggregator(start=T0, end=T0 + timedelta(days=30))
    agg.add(_order(1, "failed", 0, total="20.00", country="FR"))
    agg.add(_order(2, "pending", 1, total="5.50", email="not-an-email", currency="USD", payment_method="ppcp-gateway"))
    agg.add(_order(3, "completed", 2, payment_method="ppcp-gateway"))
    agg.add(_order(4, "cancelled", 3))
    data = agg.result({1: "insufficient_funds"}, rate_low=0.02, rate_high=0.04)
    assert data["orders"] == 4
    assert data["unpaid"]["failed"] == 1 and data["unpaid"]["pending"] == 1 and data["unpaid"]["share"] == 0.5
    assert data["unpaid"]["value"] == {
        "EUR": {"failed": "20.00", "pending": "0.00", "total": "20.00", "orders": 1},
        "USD": {"failed": "0.00", "pending": "5.50", "total": "5.50", "orders": 1},
    }
    assert data["unpaid"]["unreachable"] == 1
    methods = {m["method"]: (m["orders"], m["unpaid"]) for m in data["by_payment_method"]}
    assert methods == {"stripe": (2, 1), "ppcp-gateway": (2, 1)}
    assert {c["country"]: c["failed"] + c["pending"] for c in data["by_country"]} == {"FR": 1, "DE": 1}
    assert data["by_week"] == [
        {"week": week_of(T0), "orders": 4, "failed": 1, "pending": 1, "classes": {"insufficient_funds": 1}}
    ]
    assert data["classes"]["counts"] == {"insufficient_funds": 1}


def test_aggregator_keeps_only_the_most_recent_unpaid_orders_for_classification() -> None:
    """`--classify N` bounds how many orders' notes are read: the N most recent unpaid ones."""
    agg = AuditAggregator(start=T0, end=T0 + timedelta(days=30), classify_limit=2)
    for oid in range(1, 6):
        agg.add(_order(oid, "failed", oid, email=f"b{oid}@example.com"))
    assert [item[0] for item in agg.recent] == [4, 5]


def test_projection_is_a_range_on_top_of_natural_recovery_with_its_assumptions() -> None:
    """Reachable unpaid orders per month x (1 - natural rate) x low/high rate, revenue at the average value."""
    result = projection(
        unpaid_orders=110,
        unreachable=10,
        natural_rate=0.2,
        value={"EUR": {"total": "5500.00"}},
        unpaid_by_currency={"EUR": 110},
        days=30,
        rate_low=0.025,
        rate_high=0.05,
    )
    assert result["orders_per_month"] == {"low": 2.0, "high": 4.0}
    # 100 reachable x 0.8 x 2.5% = 2 orders at the 50.00 average unpaid order value.
    assert result["revenue_per_month"]["EUR"] == {"low": "100.00", "high": "200.00", "average_order": "50.00"}
    assert result["assumptions"]["natural_recovery_rate"] == 0.2
    assert "SaleCycle" in result["assumptions"]["source"]


def test_charts_reference_no_external_url_and_escape_labels() -> None:
    """Chart SVG carries no script, no URL and no unescaped markup from store data."""
    chart = charts.value_bars(
        "Share", axis_title="method", value_title="%", labels=["<script>alert(1)</script>", "b&c"], values=[1.5, 2]
    )
    assert chart is not None
    for svg in (chart.wide, chart.narrow):
        assert svg.startswith("<svg") and "<script" not in svg
        assert not re.search(r"https?:|//[a-z]", svg)
        assert "&lt;script&gt;" in svg and "1.5" in svg


def test_html_page_escapes_store_text_and_is_self_contained() -> None:
    """Table cells and notes from the store are escaped; the page links nothing outside itself."""
    page = render_page("T", "s", [Section("x", notes=["<b>n</b>"], tables=[Table(["h"], [["<img src=x>"]])])])
    assert "<img src=x>" not in page and "&lt;img src=x&gt;" in page and "&lt;b&gt;n&lt;/b&gt;" in page
    assert "<script" not in page and "http" not in page


def _audit(*orders: Any, days: int = 30) -> dict[str, Any]:
    agg = AuditAggregator(start=T0, end=T0 + timedelta(days=days))
    for order in orders:
        agg.add(order)
    data = agg.result({1: "issuer_generic"}, rate_low=0.02, rate_high=0.04)
    data["store"], data["store_name"] = "shop.example", "Maple & Pine Goods"
    return data


def test_audit_text_and_html_show_the_same_numbers() -> None:
    """The terminal tables and the HTML page are built from one set of figures, amounts in the currency's format."""
    data = _audit(_order(1, "failed", 0, total="1123.45"), _order(2, "completed", 1, email="b@example.com"))
    assert "€1,123.45" in to_text(data)
    page = to_html(data)
    assert "€1,123.45" in page and page.count("<figure") == 1  # one week, one buyer: only the method chart
    assert Decimal(data["unpaid"]["value"]["EUR"]["total"]) == Decimal("1123.45")


def test_audit_answers_first_lost_and_likely_won_back_per_month() -> None:
    """The summary box comes before any table, titled with the store's name: lost per month in each currency's own
    decimals, the won-back range per month, and the n and period it rests on."""
    data = _audit(
        _order(1, "failed", 0, total="7500", currency="JPY"),
        _order(2, "failed", 1, total="200.00", currency="USD", email="u@example.com"),
        _order(3, "failed", 2, total="100.00", currency="USD", email="v@example.com"),
        _order(4, "completed", 3, email="w@example.com"),
    )
    text = to_text(data)
    assert text.startswith("Maple & Pine Goods: what failed payments cost\n")
    box = text[: text.index("== ")]
    assert "In short" in box and "Lost to failed payments" in box and "Reminders would likely win back" in box
    assert "about $300.00, ¥7,500 a month" in box  # the busiest currency first; no "7500.00 JPY"
    assert "$6.00 to $12.00" in box and "¥150 to ¥300" in box  # 2% and 4% of the unpaid value
    assert "4 orders created" in box and "(30 days)" in box
    page = to_html(data)
    assert "<title>Maple &amp; Pine Goods: what failed payments cost</title>" in page
    assert page.index("id=summary") < page.index("<table")
    assert "7500.00" not in page and "7,500.00" not in page


def test_audit_names_gateways_reasons_and_countries_in_the_owners_words() -> None:
    """The store's own gateway titles, reason labels and country names replace ids, slugs and codes."""
    data = _audit(
        _order(1, "failed", 0, payment_method="ppcp-gateway", payment_method_title="PayPal", country="JP"),
        _order(2, "completed", 1, payment_method="ppcp-gateway", payment_method_title="PayPal", email="b@example.com"),
    )
    for output in (to_text(data), html.unescape(to_html(data))):
        assert "PayPal" in output and "ppcp-gateway" not in output
        assert "declined by the buyer's bank" in output and "issuer_generic" not in output
        assert "Japan" in output


def test_two_gateways_with_one_title_are_told_apart_by_id() -> None:
    """Where two gateways share a checkout title, the id is added so the rows differ."""
    titles = {"stripe": "Credit card", "square_credit_card": "Credit card", "cod": "Cash on delivery"}
    assert labels.gateway("stripe", titles) == "Credit card (stripe)"
    assert labels.gateway("cod", titles) == "Cash on delivery"
    assert labels.gateway("mystery", titles) == "mystery"


def test_every_chart_starts_its_value_axis_at_zero() -> None:
    """Bars, stacked weeks, the recovery curve and running totals: the value axis begins at 0, not at the data."""
    rates = [Rate("A", 40, 100), Rate("B", 45, 100)]
    made = [
        charts.rate_bars("r", axis_title="g", rates=rates),
        charts.value_bars("v", axis_title="c", value_title="n", labels=["a", "b"], values=[50, 55]),
        charts.weekly_bars(
            "w", y_title="n", weeks=[T0.date(), (T0 + timedelta(days=7)).date()], series={"x": [30, 32]}
        ),  # fmt: skip
        charts.curve("c", x_title="h", y_title="%", points=[(24, 40.0), (48, 45.0)]),
        charts.over_time("t", y_title="v", points=[(T0, 100.0), (T0 + timedelta(days=3), 120.0)]),
    ]
    for chart in made:
        assert chart is not None
        for svg in (chart.wide, chart.narrow):
            ticks = value_axis_ticks(svg)
            assert ticks and ticks[0] == 0, (chart.title, ticks)


def test_rate_bars_carry_their_n_and_interval_and_grey_small_groups() -> None:
    """Each bar is labelled with its n, whiskered with its Wilson range, and grey below the minimum n."""
    chart = charts.rate_bars("r", axis_title="g", rates=[Rate("big", 20, 200), Rate("tiny", 1, 2)])
    assert chart is not None and "fewer than 10" in chart.caption
    for svg in (chart.wide, chart.narrow):
        assert "big (n=200)" in svg and "tiny (n=2)" in svg
        assert svg.count('class="ci"') >= 2 or svg.count("ci") >= 2
        assert charts.GREY in svg


def test_a_single_point_is_a_sentence_not_a_chart() -> None:
    """One group, one hour or one day: no chart (the page says it in words)."""
    assert charts.rate_bars("r", axis_title="g", rates=[Rate("only", 1, 5)]) is None
    assert charts.curve("c", x_title="h", y_title="%", points=[(24, 10.0)]) is None
    assert charts.over_time("t", y_title="v", points=[(T0, 1.0)]) is None
    assert charts.value_bars("v", axis_title="c", value_title="n", labels=["US"], values=[3.0]) is None
    data = _audit(_order(1, "failed", 0, country="US", currency="USD"))
    page = to_html(data)
    assert "All failed and pending orders in USD came from United States: $10.00." in page


def test_weekly_chart_has_every_week_of_the_period_so_time_is_evenly_spaced() -> None:
    """A week with no order still gets its place on the chart: four weeks apart look four weeks apart."""
    data = _audit(
        _order(1, "failed", 0),
        _order(2, "failed", 24 * 21, email="late@example.com"),
        _order(3, "completed", 24 * 22, email="late@example.com"),
    )
    page = to_html(data)
    figure = page[page.index("per week") :]
    figure = figure[: figure.index("</figure>")]
    mondays = [date.fromisoformat(week_of(T0 + timedelta(days=day))) for day in (0, 7, 14, 21)]
    for monday in mondays:
        assert fmt_date(monday) in figure, monday
    assert fmt_date(mondays[1]) not in page[: page.index("per week")]  # an empty week: not in the table


def test_recovery_curve_puts_hours_on_a_real_time_axis() -> None:
    """Hour 48 lies twice as far from 0 as hour 24 (not one evenly spaced category further)."""
    chart = charts.curve("c", x_title="h", y_title="%", points=[(12, 1.0), (24, 2.0), (48, 3.0)])
    assert chart is not None
    xs = [float(x) for x in re.findall(r'<circle cx="([0-9.]+)"', chart.wide)]
    origin, at12, at24, at48 = xs[:4]
    assert abs((at48 - origin) - 2 * (at24 - origin)) < 1 and abs((at24 - origin) - 2 * (at12 - origin)) < 1


def test_wide_tables_stack_on_a_phone() -> None:
    """A table too wide for a phone carries the class and labels that turn each row into a card at 390 px; a narrow
    one stays a table."""
    wide = Table(
        ["payment method", "orders", "share"], [["Credit card / debit card (Stripe)", 95, "11.6% (6.6% to 19.6%)"]]
    )
    narrow = Table(["week", "orders", "failed"], [["Sep 14, 2026", 33, 2]])
    page = render_page("T", "s", [Section("x", tables=[wide, narrow])])
    assert page.count("<table class=stack>") == 1 and 'data-label="share"' in page
    assert "@media (max-width:640px)" in page


def test_the_monthly_figures_use_the_days_the_orders_cover_not_the_period_asked() -> None:
    """Two weeks of orders read with --days 365 are not a year's worth: the loss per month is the same as when read
    with --days 30 (it was a twelfth of it before)."""
    orders = [_order(i, "failed" if i % 2 else "completed", 24 * i, email=f"b{i}@example.com") for i in range(1, 14)]
    end = T0 + timedelta(days=14)
    figures = []
    for days in (30, 365):
        agg = AuditAggregator(start=end - timedelta(days=days), end=end)
        for order in orders:
            agg.add(order)
        data = agg.result({}, rate_low=0.02, rate_high=0.04)
        data["store"], data["store_name"] = "shop.example", "Maple & Pine Goods"
        box = to_text(data)[: to_text(data).index("== ")]
        figures.append((data["projection"]["orders_per_month"], re.search(r"about (\S+) a month", box).group(1)))
    # 7 failed orders of €10 from the first order (day 1) to the end (day 14): €70 x 30 / 13 days.
    assert figures[0] == figures[1] and figures[0][1] == "€161.54"
