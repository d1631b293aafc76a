"""The paging rule of `Store.iter_pages` and the sync position functions (store/syncpoint.py), without a store: pages come
from a fake `orders_page`, so any header the store (or a proxy) might send can be played."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from wcrecall.config.settings import StoreSettings
from wcrecall.model.errors import StoreError
from wcrecall.store.client import MAX_SYNC_PAGES, Page, PageCapReached, Store
from wcrecall.store.syncpoint import CLOCK_SKEW, Resume, RetryList, trusted

NOW = datetime(2026, 11, 26, 16, 0, tzinfo=UTC)


def fake_store(
    monkeypatch: pytest.MonkeyPatch, rows: int, *, total: int | None = None, pages: int | None = None
) -> tuple[Store, list[int]]:
    """A store whose listing has `rows` orders (ids 1..rows, 100 a page) and announces `total`/`pages` (None: the
    true values). Returns the store and the list of pages asked for."""
    asked: list[int] = []

    def orders_page(self: Store, params: dict[str, object], page: int) -> Page:
        asked.append(page)
        per_page = int(str(params["per_page"]))
        ids = list(range(1, rows + 1))[(page - 1) * per_page : page * per_page]
        true_pages = -(-rows // per_page)
        return Page(
            orders=[{"id": i} for i in ids],
            total=rows if total is None else total,
            total_pages=true_pages if pages is None else pages,
        )

    monkeypatch.setattr(Store, "orders_page", orders_page)
    return Store(StoreSettings(url="http://127.0.0.1:9", consumer_key="ck_x", consumer_secret="cs_x")), asked


def read(store: Store, **kwargs: object) -> list[int]:
    return [o["id"] for page in store.changed_orders(NOW, **kwargs) for o in page.orders]  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("total", "pages", "asked"),
    [
        (None, None, [1, 2, 3]),  # true headers
        (0, 0, [1, 2, 3]),  # stripped
        (100, 1, [1, 2, 3]),  # stale: page 2 and 3 are read all the same
        (250, 10**9, [1, 2, 3, 4]),  # huge: the empty page after the short one ends it
    ],
)
def test_the_listing_ends_at_a_short_or_empty_page_not_at_the_headers(
    monkeypatch: pytest.MonkeyPatch, total: int | None, pages: int | None, asked: list[int]
) -> None:
    store, seen = fake_store(monkeypatch, 250, total=total, pages=pages)
    assert read(store) == list(range(1, 251))
    assert seen == asked


def test_a_full_last_page_costs_one_empty_page_more(monkeypatch: pytest.MonkeyPatch) -> None:
    store, seen = fake_store(monkeypatch, 200, total=0, pages=0)
    assert len(read(store)) == 200 and seen == [1, 2, 3]


def test_an_empty_store_costs_one_request(monkeypatch: pytest.MonkeyPatch) -> None:
    store, seen = fake_store(monkeypatch, 0, total=250, pages=3)
    assert read(store) == [] and seen == [1]


def test_the_page_cap_says_where_to_go_on(monkeypatch: pytest.MonkeyPatch) -> None:
    rows = (MAX_SYNC_PAGES + 5) * 100
    store, seen = fake_store(monkeypatch, rows)
    with pytest.raises(PageCapReached) as stopped:
        read(store)
    assert stopped.value.next_page == MAX_SYNC_PAGES + 1 and len(seen) == MAX_SYNC_PAGES
    assert read(store, first_page=stopped.value.next_page)[-1] == rows


def test_a_store_that_ignores_the_page_parameter_is_an_error(monkeypatch: pytest.MonkeyPatch) -> None:
    def same_page(self: Store, params: dict[str, object], page: int) -> Page:
        return Page(orders=[{"id": i} for i in range(1, 101)], total=0, total_pages=0)

    monkeypatch.setattr(Store, "orders_page", same_page)
    store = Store(StoreSettings(url="http://127.0.0.1:9", consumer_key="ck_x", consumer_secret="cs_x"))
    with pytest.raises(StoreError, match="the same orders as page 1"):
        read(store)


@pytest.mark.parametrize(
    ("moment", "expected"),
    [
        (NOW - timedelta(hours=1), NOW - timedelta(hours=1)),
        (NOW + timedelta(minutes=2), NOW + timedelta(minutes=2)),
        (NOW + timedelta(days=365), NOW + CLOCK_SKEW),
        (None, None),
    ],
)
def test_no_time_from_the_store_beyond_the_local_clock_and_a_small_skew(
    moment: datetime | None, expected: datetime | None
) -> None:
    assert trusted(moment, NOW) == expected


def test_the_retry_list_reports_each_order_once_and_forgets_after_the_lookback() -> None:
    meta: dict[str, object] = {}
    retry = RetryList(meta)
    assert retry.add(7, "notes unreadable", NOW) is True
    assert retry.add(7, "notes unreadable again", NOW + timedelta(minutes=10)) is False
    assert retry.add(9, "skipped: date_created_gmt is missing", NOW + timedelta(days=2)) is True
    assert retry.ids() == [7, 9]
    again = RetryList({"sync_retry": retry.entries})
    assert again.expire(NOW + timedelta(hours=1)) == [(7, "notes unreadable")]
    assert again.ids() == [9] and again.changed
    again.done(9)
    assert again.ids() == []


@pytest.mark.parametrize(
    "raw",
    [None, "x", {"since": "not a date", "page": 3}, {"since": NOW.isoformat(), "page": 1}, {"page": 4}],
)
def test_a_damaged_resume_point_is_ignored(raw: object) -> None:
    assert Resume.load({"sync_resume": raw}) is None


def test_a_resume_point_round_trips() -> None:
    point = Resume(NOW - timedelta(days=3), NOW, 101)
    assert Resume.load({"sync_resume": point.dump()}) == point
