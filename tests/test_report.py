"""`wcrecall report` figures, recomputed from a scripted scenario of who was emailed and who paid when."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from wcrecall.insight.report import build_report, to_html, to_text
from wcrecall.model.records import Recall, Step
from wcrecall.plan.attribution import attribute

NOW = datetime(2026, 11, 26, 12, 0, tzinfo=UTC)
WEEK = timedelta(days=7)


def _recall(
    oid: int,
    *,
    sent: list[float],
    outcome: str = "open",
    paid_after: float | None = None,
    reason: str = "insufficient_funds",
    country: str = "DE",
    total: str = "10.00",
    end_reason: str = "",
    days_ago: float = 10,
) -> Recall:
    """A recall opened `days_ago`; reminders sent and payment made the given hours after opening."""
    opened = NOW - timedelta(days=days_ago)
    steps = [Step(n=i + 1, state="sent", at=(opened + timedelta(hours=h)).isoformat()) for i, h in enumerate(sent)]
    paid = (opened + timedelta(hours=paid_after)).isoformat() if paid_after is not None else None
    return Recall(
        id=oid,
        number=str(oid),
        kind="failed",
        status="failed",
        email_hash="h",
        email_masked="a***@example.com",
        customer_id=0,
        country=country,
        currency="EUR",
        total=total,
        created=opened.isoformat(),
        opened=opened.isoformat(),
        reason=reason,
        steps=steps,
        outcome=outcome,
        paid_at=paid,
        end_reason=end_reason,
    )


SCENARIO = [
    _recall(1, sent=[1], outcome="recovered", paid_after=3, total="50.00"),  # paid 2 h after reminder 1
    _recall(2, sent=[1, 25], outcome="recovered_new_order", paid_after=30, country="FR", total="20.00"),  # 5 h after 2
    _recall(3, sent=[1, 25, 97], outcome="ended_unpaid", reason="issuer_generic"),
    _recall(4, sent=[], outcome="recovered", paid_after=0.5),  # paid before any reminder: not credited
    _recall(5, sent=[1], outcome="recovered", paid_after=1 + 24 * 8),  # paid 8 days later: not credited
    _recall(6, sent=[], outcome="not_contacted", end_reason="do_not_contact", reason="do_not_contact"),
    _recall(7, sent=[], outcome="baseline"),
    _recall(8, sent=[1], outcome="recovered", paid_after=2, days_ago=40),  # opened before the period
]


def test_payment_within_the_window_after_a_reminder_is_credited_to_that_reminder() -> None:
    """Credit goes to the last reminder before payment, only within the attribution window."""
    assert attribute(SCENARIO[0], WEEK).credited and attribute(SCENARIO[0], WEEK).step == 1
    assert attribute(SCENARIO[1], WEEK).step == 2 and attribute(SCENARIO[1], WEEK).hours == 5
    assert not attribute(SCENARIO[3], WEEK).credited
    assert not attribute(SCENARIO[4], WEEK).credited


def test_report_funnel_revenue_and_rates_match_the_scripted_scenario() -> None:
    """Funnel, recovered revenue and rates recomputed by hand from who was emailed and who paid when."""
    natural = {"rate": 0.1, "episodes_judged": 50, "window_days": 7}
    data = build_report(SCENARIO, now=NOW, since=timedelta(days=30), window=WEEK, natural=natural)
    funnel = {f["stage"]: f["count"] for f in data["funnel"]}
    assert funnel["recalls opened"] == 6  # 1-6; 7 is baseline, 8 is outside the period
    assert (funnel["reminder 1 sent"], funnel["reminder 2 sent"], funnel["reminder 3 sent"]) == (4, 2, 1)
    assert funnel["recovered on the same order"] == 1 and funnel["recovered by a new order"] == 1
    assert funnel["paid, not credited (before a reminder or after the window)"] == 2
    assert funnel["ended unpaid"] == 1 and funnel["not contacted"] == 1
    assert data["not_contacted_by_reason"] == {"do_not_contact": 1}
    assert data["baseline_adopted"] == 1
    assert data["reminded"] == 4 and data["recovered"] == 2 and data["recovery_rate"] == 0.5
    assert data["recovered_revenue"] == {"EUR": "70.00"}
    assert data["uplift"] is None  # no holdout: no uplift figure (buyers not mailed are no comparison group)
    by_class = {g["key"]: (g["reminded"], g["recovered"]) for g in data["by_class"]}
    assert by_class == {"insufficient_funds": (3, 2), "issuer_generic": (1, 0)}
    assert {g["key"]: g["rate"] for g in data["by_country"]} == {"DE": round(1 / 3, 4), "FR": 1.0}
    assert data["by_language"] == [{"key": "n/a", "reminded": 4, "recovered": 2, "rate": 0.5}]
    assert [(s["key"], s["reminded"], s["recovered"]) for s in data["by_step"]] == [
        ("reminder 1", 4, 1),
        ("reminder 2", 2, 1),
        ("reminder 3", 1, 0),
    ]
    assert data["time_to_payment"]["median_hours"] == 3.5
    assert data["cumulative_revenue"]["EUR"][-1]["total"] == "70.00"


def test_report_shows_language_when_recalls_record_it() -> None:
    """A `lang` attribute on the record, once recorded, splits the rates by language."""
    recall = _recall(1, sent=[1], outcome="recovered", paid_after=2)
    recall.lang = "de"  # type: ignore[attr-defined]
    data = build_report([recall], now=NOW, since=timedelta(days=30), window=WEEK, natural=None)
    assert data["by_language"][0]["key"] == "de"


def test_report_text_and_html_state_the_attribution_and_the_natural_rate() -> None:
    """Both outputs say how recovery is attributed and, without a holdout, show the rate before wcrecall beside it
    and no uplift figure."""
    data = build_report(
        SCENARIO,
        now=NOW,
        since=timedelta(days=30),
        window=WEEK,
        natural={"rate": 0.1, "episodes_judged": 50, "window_days": 7},
    )
    text = to_text(data)
    assert "paid within 7 days after a reminder" in text and "Before wcrecall, 10.0% of buyers" in text
    assert "Uplift cannot be measured without recall.holdout" in text and "percentage points" not in text
    page = to_html(data)
    assert page.count("<svg") == 4 and "http" not in page and "<script" not in page
