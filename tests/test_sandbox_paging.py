"""The sandbox's order listing pages like a real store: `orderby=modified` has no tie-breaker, so orders sharing one
`date_modified` second come in an order that depends on the page (some listed twice, others never, the same ones on
every retry), while `orderby=id` lists every order once. A proxy in front of the store may strip or cache the
X-WP-Total / X-WP-TotalPages headers."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from datetime import timedelta
from typing import Any
from urllib.parse import urlencode

import pytest
import requests
from e2e import NOW

from wcrecall.sandbox import DEFAULT_CONSUMER_KEY, DEFAULT_CONSUMER_SECRET, SandboxStore, sign_url


@pytest.fixture
def store() -> Iterator[SandboxStore]:
    with SandboxStore() as running:
        running.set_now(NOW)
        yield running


def listing(store: SandboxStore, **params: Any) -> requests.Response:
    url = f"{store.url}/wp-json/wc/v3/orders?{urlencode(params)}"
    return requests.get(sign_url("GET", url, DEFAULT_CONSUMER_KEY, DEFAULT_CONSUMER_SECRET), timeout=10)


def all_pages(store: SandboxStore, orderby: str) -> list[int]:
    listed: list[int] = []
    for page in (1, 2):
        body = listing(store, status="any", orderby=orderby, order="asc", per_page=100, page=page, _fields="id").json()
        listed += [o["id"] for o in body]
    return listed


def burst(store: SandboxStore, n: int) -> set[int]:
    """`n` orders all saved in one second (a bulk edit, an import, a burst of checkouts)."""
    return {int(store.create_order(status="failed", date_modified=NOW)["id"]) for _ in range(n)}


def test_ties_in_modified_page_unstably_and_deterministically(store: SandboxStore) -> None:
    """120 orders in one second: by `modified`, some come twice and some never, the same ones every time."""
    made = burst(store, 120)
    listed = all_pages(store, "modified")
    assert len(listed) == 120 and set(listed) <= made
    twice = {oid for oid, n in Counter(listed).items() if n > 1}
    never = made - set(listed)
    assert twice and never and len(twice) == len(never)
    assert all_pages(store, "modified") == listed  # a retry meets the same pages


def test_ordering_by_id_lists_every_order_once(store: SandboxStore) -> None:
    made = burst(store, 120)
    assert sorted(all_pages(store, "id")) == sorted(made)


def test_distinct_modified_times_page_stably(store: SandboxStore) -> None:
    """Without ties the order is the documented one: oldest change first, every order once."""
    made = [int(store.create_order(date_modified=NOW - timedelta(seconds=s))["id"]) for s in range(150)]
    assert all_pages(store, "modified") == list(reversed(made))


@pytest.mark.parametrize(
    "headers",
    [{}, {"X-WP-Total": "100", "X-WP-TotalPages": "1"}, {"X-WP-Total": "250", "X-WP-TotalPages": "1e9"}],
    ids=["stripped", "stale", "huge"],
)
def test_a_proxy_may_strip_or_cache_the_total_headers(store: SandboxStore, headers: dict[str, str]) -> None:
    burst(store, 3)
    store.paging_headers = headers
    response = listing(store, status="any", per_page=100)
    assert len(response.json()) == 3
    for name in ("X-WP-Total", "X-WP-TotalPages"):
        assert response.headers.get(name) == headers.get(name)
