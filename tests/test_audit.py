"""Pure parts of `wcrecall audit`: natural recovery episodes, aggregation, projection, charts and the HTML page."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest

from wcrecall.insight import charts
from wcrecall.insight.audit import AuditAggregator, NaturalRecovery, projection, to_html, to_text, week_of
from wcrecall.insight.htmlpage import Section, Table, render_page
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
    svg = charts.bar(
        "Share", x_title="method", y_title="%", labels=["<script>alert(1)</script>", "b&c"], values=[1.5, 2]
    )
    assert svg.startswith("<svg") and "<script" not in svg
    assert not re.search(r"https?:|//[a-z]", svg)
    assert "&lt;script&gt;" in svg and "1.5" in svg


def test_html_page_escapes_store_text_and_is_self_contained() -> None:
    """Table cells and notes from the store are escaped; the page links nothing outside itself."""
    page = render_page("T", "s", [Section("x", notes=["<b>n</b>"], tables=[Table(["h"], [["<img src=x>"]])])])
    assert "<img src=x>" not in page and "&lt;img src=x&gt;" in page and "&lt;b&gt;n&lt;/b&gt;" in page
    assert "<script" not in page and "http" not in page


def test_audit_text_and_html_show_the_same_numbers() -> None:
    """The terminal tables and the HTML page are built from one set of figures."""
    agg = AuditAggregator(start=T0, end=T0 + timedelta(days=30))
    agg.add(_order(1, "failed", 0, total="123.45"))
    data = agg.result({}, rate_low=0.02, rate_high=0.04)
    data["store"] = "shop.example"
    assert "123.45" in to_text(data)
    page = to_html(data)
    assert "123.45" in page and page.count("<svg") == 4
    assert Decimal(data["unpaid"]["value"]["EUR"]["total"]) == Decimal("123.45")
