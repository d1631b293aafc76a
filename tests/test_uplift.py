"""What reminders add (insight/recovery.py `uplift`): reminded against held-out buyers, paid within 7 days of the
order, with Newcombe's hybrid score interval; and the one recovered count `status` and `report` share."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import pytest
from test_report import NOW, _recall

from wcrecall.insight.recovery import MIN_GROUP, newcombe, opened_since, recovered_recalls, uplift
from wcrecall.insight.status import StatusFilter, collect
from wcrecall.model.records import HELD_OUT, Recall


@pytest.mark.parametrize(
    ("counts", "published"),
    [
        ((56, 70, 48, 80), (0.0524, 0.3339)),
        ((9, 10, 3, 10), (0.1705, 0.8090)),
        ((6, 7, 2, 7), (0.0582, 0.8062)),
        ((5, 56, 0, 29), (-0.0381, 0.1926)),
    ],
)
def test_the_interval_matches_newcombes_published_examples(
    counts: tuple[int, int, int, int], published: tuple[float, float]
) -> None:
    """Newcombe (1998), Statistics in Medicine 17:873-890, table II, method 10."""
    _, low, high = newcombe(*counts)
    assert (round(low, 4), round(high, 4)) == published


def held(oid: int, *, paid_after: float | None, days_ago: float = 10) -> Recall:
    """Held out 1 h after the order; paid `paid_after` hours after the order (or not)."""
    recall = _recall(oid, sent=[], outcome=HELD_OUT, paid_after=paid_after, days_ago=days_ago)
    ended = NOW - timedelta(days=days_ago) + timedelta(hours=1)
    return replace(recall, ended=ended.isoformat())


def reminded(oid: int, *, paid_after: float | None, days_ago: float = 10) -> Recall:
    outcome = "recovered" if paid_after is not None else "ended_unpaid"
    return _recall(oid, sent=[1], outcome=outcome, paid_after=paid_after, days_ago=days_ago)


def test_uplift_compares_paid_within_7_days_of_reminded_and_held_out_buyers() -> None:
    recalls = [
        *(reminded(i, paid_after=5 if i < 24 else None) for i in range(40)),  # 24 of 40 paid
        *(held(100 + i, paid_after=30 if i < 8 else None) for i in range(40)),  # 8 of 40 paid
        held(200, paid_after=24 * 8),  # paid after 7 days: judged, not paid within
        reminded(300, paid_after=None, days_ago=2),  # its week has not passed: not judged yet
        held(301, paid_after=None, days_ago=2),
        reminded(302, paid_after=5, days_ago=2),  # paid: judged already
        _recall(400, sent=[1], outcome="recovered", paid_after=5, days_ago=20),  # reminded before any holdout
    ]
    up = uplift(recalls, now=NOW)
    assert up is not None
    assert (up.reminded, up.reminded_paid, up.held_out, up.held_out_paid) == (41, 25, 41, 8)
    assert (up.reminded_rate, up.held_out_rate) == (round(25 / 41, 4), round(8 / 41, 4))
    assert up.difference == round(17 / 41, 4) and up.low < up.difference < up.high
    assert up.within_days == 7


def test_no_uplift_without_a_holdout_or_with_too_few_held_out() -> None:
    reminded_only = [reminded(i, paid_after=5) for i in range(100)]
    assert uplift(reminded_only, now=NOW) is None
    few = reminded_only + [held(100 + i, paid_after=None) for i in range(MIN_GROUP - 1)]
    assert uplift(few, now=NOW) is None
    assert uplift([*few, held(200, paid_after=None)], now=NOW) is not None


def test_status_and_report_count_recovered_over_the_same_recalls() -> None:
    """A recall opened after the clock (simulated days, a clock behind) is counted by both, and --since alike."""
    recalls = [
        _recall(1, sent=[1], outcome="recovered", paid_after=3),
        _recall(2, sent=[1], outcome="recovered", paid_after=3, days_ago=-1),  # opened after NOW
        _recall(3, sent=[1], outcome="recovered", paid_after=3, days_ago=40),
        _recall(4, sent=[], outcome="recovered", paid_after=0.5),  # paid before a reminder: not recovered by recall
    ]
    month = timedelta(days=30)
    assert [r.id for r in opened_since(recalls, now=NOW, since=month)] == [1, 2, 4]
    assert [r.id for r in recovered_recalls(opened_since(recalls, now=NOW, since=month))] == [1, 2]
    assert collect(recalls, NOW, StatusFilter(since=month))["summary"]["recovered"] == 2
    assert collect(recalls, NOW, StatusFilter())["summary"]["recovered"] == 3
