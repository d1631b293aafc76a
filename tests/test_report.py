"""`wcrecall report` figures, recomputed from a scripted scenario of who was emailed and who paid when."""

from __future__ import annotations

import html
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from wcrecall.insight.rates import wilson
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
    _recall(3, sent=[1, 25, 49], outcome="ended_unpaid", reason="issuer_generic"),  # last reminder 8 days ago
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
    assert data["reminded"] == 4 and data["recovered"] == 2 and (data["judged"], data["waiting"]) == (4, 0)
    assert data["recovery_rate"] == 0.5
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


def _scenario_report() -> dict[str, Any]:
    data = build_report(
        SCENARIO,
        now=NOW,
        since=timedelta(days=30),
        window=WEEK,
        natural={"rate": 0.1, "episodes_judged": 50, "window_days": 7},
    )
    data["store_name"] = "Maple & Pine Goods"
    return data


def test_report_text_and_html_state_the_attribution_and_the_natural_rate() -> None:
    """Both outputs say how recovery is attributed and, without a holdout, show the rate before wcrecall beside it
    and no uplift figure."""
    data = _scenario_report()
    text = to_text(data)
    assert "paid within 7 days after a reminder" in text and "Before wcrecall, 10.0% of buyers" in text
    assert "Uplift cannot be measured without recall.holdout" in text and "percentage points" not in text
    page = to_html(data)
    assert page.count("<figure") == 4 and "http" not in page and "<script" not in page


def test_report_answers_first_what_was_paid_after_a_reminder() -> None:
    """The summary box comes first, titled with the store's name: the measured amount and count, a per-month range
    from the rate's 95% interval, the comparison with unreminded buyers, and what it rests on."""
    data = _scenario_report()
    text = to_text(data)
    assert text.startswith("Maple & Pine Goods: what reminders won back\n")
    box = text[: text.index("== ")]
    assert "€70.00 from 2 orders" in box
    assert "2 of 4 reminded orders whose 7 days have passed (50.0%)" in box
    # 4 reminded orders worth 90.00 EUR in 30 days; the Wilson interval of 2 of 4 is 15.0% to 85.0%.
    assert "€13.50 to €76.50 (the 95% range of the measured rate, 15.0% to 85.0%, at this pace)" in box
    assert "10.0% of 50 buyers" in box and "not measured: set recall.holdout" in box
    assert "Based on 6 orders followed up" in box
    page = to_html(data)
    assert page.index("id=summary") < page.index("<table") and page.index("id=summary") < page.index("<figure")


def test_report_rates_of_small_groups_carry_their_n_and_range() -> None:
    """Every rate shows its n and 95% range; groups under the minimum are grey rows and grey bars."""
    page = html.unescape(to_html(_scenario_report()))
    assert "declined by the buyer's bank (n=1)" in page and "not enough money on the card (n=3)" in page
    assert "Grey rows: fewer than 10 reminded orders" in page and 'class="n small"' in page
    assert "50.0% (15.0% to 85.0%)" in page


def test_recovered_revenue_on_a_single_day_is_a_sentence() -> None:
    """One day of payments draws no line: the page says the amount in words."""
    data = build_report(SCENARIO[:1], now=NOW, since=timedelta(days=30), window=WEEK, natural=None)
    page = to_html(data)
    assert "All recovered revenue in EUR was paid on one day: €50.00." in page
    assert "Recovered revenue so far" not in page


# Newcombe (1998), "Two-sided confidence intervals for the single proportion", Table I, method 3 (Wilson score).
@pytest.mark.parametrize(
    ("won", "n", "low", "high"),
    [(81, 263, 0.2553, 0.3662), (15, 148, 0.0624, 0.1605), (0, 20, 0.0, 0.1611), (1, 29, 0.0061, 0.1718)],
)
def test_wilson_interval_matches_published_values(won: int, n: int, low: float, high: float) -> None:
    """The 95% Wilson score interval equals Newcombe's published values to 4 places."""
    interval = wilson(won, n)
    assert interval is not None
    assert (round(interval[0], 4), round(interval[1], 4)) == (low, high)


def test_wilson_interval_of_nothing_is_none() -> None:
    """No group, no interval (not a division by zero)."""
    assert wilson(0, 0) is None


def test_report_without_reminders_says_so_instead_of_zero_of_zero() -> None:
    """No reminder in the period: the summary says so in words, not "0 of 0 (n/a)"."""
    data = build_report([], now=NOW, since=timedelta(days=30), window=WEEK, natural=None)
    box = to_text(data).split("== ")[0]
    assert "no reminder was sent in this period yet" in box and "of 0 reminded" not in box
    assert box.startswith("Your store: what reminders won back\n")


def test_orders_still_within_their_window_are_not_counted_as_unpaid_yet() -> None:
    """Right after the first reminders, orders whose 7 days have not passed are neither recovered nor lost: the rate
    counts only judged orders, and the summary says how many are still waiting (it read "0 of 7" before)."""
    recalls = [
        _recall(1, sent=[1], outcome="recovered", paid_after=5, days_ago=10),
        _recall(2, sent=[1], outcome="ended_unpaid", days_ago=10),
        _recall(3, sent=[1], days_ago=1),
        _recall(4, sent=[1], days_ago=0.5),
    ]
    data = build_report(recalls, now=NOW, since=timedelta(days=30), window=WEEK, natural=None)
    assert (data["reminded"], data["judged"], data["waiting"], data["recovered"]) == (4, 2, 2, 1)
    assert data["recovery_rate"] == 0.5
    box = to_text(data)[: to_text(data).index("== ")]
    assert "2 reminded orders are still within their 7 days" in box
    fresh = build_report(recalls[2:], now=NOW, since=timedelta(days=30), window=WEEK, natural=None)
    fresh_box = to_text(fresh)[: to_text(fresh).index("== ")]
    assert "nothing yet" in fresh_box and "0.0%" not in fresh_box and "per month" not in fresh_box
