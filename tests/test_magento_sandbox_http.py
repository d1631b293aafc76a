"""The Magento sandbox over HTTP beyond the captures: OAuth rules, searchCriteria semantics, fault injection."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from urllib.parse import quote

import pytest
import requests

from wcrecall.sandbox.magento import (
    FULL_INTEGRATION,
    NOCOMMENT_INTEGRATION,
    Integration,
    MagentoSandbox,
    seed_fixture,
    sign_header,
)

NOW = datetime(2026, 11, 30, 8, 1, 36, tzinfo=UTC)


@pytest.fixture
def store() -> Iterator[MagentoSandbox]:
    wall = [NOW.timestamp()]
    with MagentoSandbox(wall_clock=lambda: wall[0], fault_delay=1.0) as running:
        seed_fixture(running)
        yield running


def criteria(*filters: tuple[str, str, str], sort: tuple[tuple[str, str], ...] = (), size: int = 0, page: int = 0,
             fields: str = "items[entity_id],total_count") -> str:  # fmt: skip
    """A raw `searchCriteria` query: one filter group per filter, sort orders, paging, fields."""
    parts = []
    for g, (field, value, condition) in enumerate(filters):
        prefix = f"searchCriteria[filter_groups][{g}][filters][0]"
        parts += [f"{prefix}[field]={field}", f"{prefix}[value]={quote(value, safe='')}",
                  f"{prefix}[condition_type]={condition}"]  # fmt: skip
    for n, (field, direction) in enumerate(sort):
        parts += [
            f"searchCriteria[sortOrders][{n}][field]={field}",
            f"searchCriteria[sortOrders][{n}][direction]={direction}",
        ]
    if size:
        parts.append(f"searchCriteria[pageSize]={size}")
    if page:
        parts.append(f"searchCriteria[currentPage]={page}")
    if not parts:
        parts.append("searchCriteria=")
    parts.append(f"fields={quote(fields, safe='')}")
    return "&".join(p.replace("[", "%5B").replace("]", "%5D") for p in parts)


def get(
    store: MagentoSandbox, path: str, integration: Integration = FULL_INTEGRATION, **sign: int | str
) -> requests.Response:
    url = f"{store.url}/rest/V1/{path}"
    header = sign_header("GET", url, integration, timestamp=int(sign.get("timestamp", NOW.timestamp())),
                         nonce=str(sign["nonce"]) if "nonce" in sign else None)  # fmt: skip
    return requests.get(url, headers={"Authorization": header}, timeout=10)


def ids(response: requests.Response) -> list[int]:
    assert response.status_code == 200, response.text
    return [item["entity_id"] for item in response.json()["items"] or []]


# --- OAuth -----------------------------------------------------------------------------------------------------------


def test_a_nonce_is_single_use(store: MagentoSandbox) -> None:
    """The same nonce twice: the second request is refused with the consumer's id."""
    assert get(store, "orders/1", nonce="n0nce").status_code == 200
    again = get(store, "orders/1", nonce="n0nce")
    assert again.status_code == 401
    assert again.json() == {
        "message": "The nonce is already being used by the consumer with ID %1",
        "parameters": ["1"],
    }


def test_only_timestamps_over_600_seconds_ahead_are_refused(store: MagentoSandbox) -> None:
    """600 s ahead passes, 601 s ahead does not; a month old passes."""
    now = int(NOW.timestamp())
    assert get(store, "orders/1", timestamp=now + 600).status_code == 200
    assert get(store, "orders/1", timestamp=now - 30 * 86400).status_code == 200
    ahead = get(store, "orders/1", timestamp=now + 601)
    assert (ahead.status_code, ahead.json()["message"]) == (401, "An error occurred validating the nonce")


def test_the_integration_without_comment_permission_reads_but_cannot_comment(store: MagentoSandbox) -> None:
    """GET works; POST comments is 401 naming Magento_Sales::comment, and nothing is written."""
    assert get(store, "orders/2", NOCOMMENT_INTEGRATION).status_code == 200
    url = f"{store.url}/rest/V1/orders/2/comments"
    refused = requests.post(url, json={"statusHistory": {"comment": "x"}}, timeout=10,
                            headers={"Authorization": sign_header("POST", url, NOCOMMENT_INTEGRATION, timestamp=int(NOW.timestamp()))})  # fmt: skip
    assert refused.status_code == 401
    assert refused.json()["parameters"] == {"resources": "Magento_Sales::comment"}
    assert len(store.comments_of(2)) == 1


def test_hmac_sha1_and_query_string_oauth_are_refused(store: MagentoSandbox) -> None:
    """HMAC-SHA1: 400 before any signature check; correct OAuth in the query string: anonymous, 401."""
    url = f"{store.url}/rest/V1/orders/1"
    stamp = int(NOW.timestamp())
    sha1 = sign_header("GET", url, timestamp=stamp).replace("HMAC-SHA256", "HMAC-SHA1")
    refused = requests.get(url, headers={"Authorization": sha1}, timeout=10)
    assert (refused.status_code, refused.json()["parameters"]) == (400, ["HMAC-SHA1"])
    in_query = sign_header("GET", url, timestamp=stamp).removeprefix("OAuth ").replace('"', "").replace(",", "&")
    anonymous = requests.get(f"{url}?{in_query}", timeout=10)
    assert anonymous.status_code == 401 and anonymous.json()["parameters"] == {
        "resources": "Magento_Sales::actions_view"
    }


def test_without_auth_every_request_is_the_full_integration() -> None:
    """auth=False: unsigned requests read and comment."""
    with MagentoSandbox(auth=False) as store:
        seed_fixture(store)
        assert requests.get(f"{store.url}/rest/V1/orders/1", timeout=10).status_code == 200
        posted = requests.post(f"{store.url}/rest/V1/orders/1/comments", json={"statusHistory": {"comment": "x"}},
                               timeout=10)  # fmt: skip
        assert posted.json() is True


# --- searchCriteria --------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("filters", "expected"),
    [
        ((("customer_email", "%@example.de", "like"),), [2, 9, 17]),
        ((("status", "pending_payment", "neq"), ("entity_id", "6", "lt")), [5]),
        ((("entity_id", "3,5,18", "in"),), [3, 5, 18]),
        ((("base_grand_total", "107", "gt"),), [1, 3, 11, 12, 13]),
        (
            (("updated_at", "2026-11-28T12:43:27+08:00", "lteq"),),
            [1, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18],
        ),
        ((("status", "fraud", "whatever"),), [18]),
    ],
)
def test_filters_select_like_the_database(
    store: MagentoSandbox, filters: tuple[tuple[str, str, str], ...], expected: list[int]
) -> None:
    """like (case-insensitive, %), neq AND lt, in, gt on money, a date with an offset read as UTC, unknown as eq."""
    assert ids(get(store, "orders?" + criteria(*filters, sort=(("entity_id", "ASC"),)))) == expected


def test_unknown_filter_or_sort_field_is_an_internal_error(store: MagentoSandbox) -> None:
    """A field that is not a sales_order column: 500 with a report id, as the SQL error gives."""
    for query in (criteria(("billing_address", "x", "eq")), criteria(sort=(("grand_total_typo", "ASC"),))):
        answer = get(store, "orders?" + query)
        assert answer.status_code == 500 and "Report ID: webapi-" in answer.json()["message"]


def test_paging_past_the_end_and_without_page_size(store: MagentoSandbox) -> None:
    """No pageSize: everything on page 1, nothing on page 2; past the last page: empty items, real total."""
    everything = get(store, "orders?" + criteria(("status", "holded", "eq")))
    assert ids(everything) == [15, 16] and everything.json()["total_count"] == 2
    assert get(store, "orders?" + criteria(("status", "holded", "eq"), page=2)).json() == {"items": None,
                                                                                         "total_count": 2}  # fmt: skip
    full = get(store, "orders?" + criteria(("status", "holded", "eq"), size=5, page=3, fields=""))
    assert full.json()["items"] == [] and full.json()["total_count"] == 2


def test_ties_without_a_tie_breaker_overlap_across_pages_ascending_too(store: MagentoSandbox) -> None:
    """Four orders share updated_at: pages of 2 sorted ASC by updated_at alone miss one and repeat one."""
    ask = ("updated_at", "2026-11-28 12:43:27", "eq")
    pages = [ids(get(store, "orders?" + criteria(ask, sort=(("updated_at", "ASC"),), size=2, page=p))) for p in (1, 2)]
    seen = pages[0] + pages[1]
    assert sorted(set(seen)) != [15, 16, 17, 18]
    stable = [ids(get(store, "orders?" + criteria(ask, sort=(("updated_at", "ASC"), ("entity_id", "ASC")), size=2,
                                                  page=p))) for p in (1, 2)]  # fmt: skip
    assert stable == [[15, 16], [17, 18]]


# --- faults ----------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("fault", "status", "marker"),
    [
        ("http_401", 401, "A consumer having the specified key does not exist"),
        ("http_429", 429, "429 Too Many Requests"),
        ("http_500", 500, "Report ID: webapi-"),
        ("http_502", 502, "502 Bad Gateway"),
        ("http_503", 503, "503 Service Unavailable"),
        ("http_504", 504, "504 Gateway Timeout"),
        ("html_200", 200, "<b>Fatal error</b>"),
    ],
)
def test_status_faults_answer_once_then_the_store_answers(
    store: MagentoSandbox, fault: str, status: int, marker: str
) -> None:
    store.inject(fault, path="/comments")
    assert get(store, "orders/1").status_code == 200  # another path: untouched
    spoiled = get(store, "orders/1/comments")
    assert spoiled.status_code == status and marker in spoiled.text
    assert get(store, "orders/1/comments").status_code == 200


def test_broken_answers_timeout_reset_truncated_empty(store: MagentoSandbox) -> None:
    """timeout: no answer in time; reset: the connection breaks; truncated/empty: not JSON."""
    store.inject("timeout")
    with pytest.raises(requests.Timeout):
        requests.get(f"{store.url}/rest/V1/directory/currency", timeout=0.3)
    store.clear_faults()
    store.inject("reset")
    with pytest.raises(requests.RequestException):
        get(store, "orders/1")
    for fault in ("truncated_json", "empty_body"):
        store.inject(fault)
        with pytest.raises(ValueError):
            get(store, "orders/1").json()


def test_request_log_counts_routes_without_query_or_credentials(store: MagentoSandbox) -> None:
    """count() by route template; the log keeps method, path, route, status, never the query string."""
    store.reset_counters()
    get(store, "orders?" + criteria(("status", "holded", "eq")))
    get(store, "orders/3")
    assert store.count("GET", "/V1/orders") == 1 and store.count(route="/V1/orders/:id") == 1
    assert all("?" not in entry.path and "oauth" not in entry.path for entry in store.request_log)


def test_the_standalone_magento_sandbox_answers_signed_requests_and_keeps_time() -> None:
    """`python -m wcrecall.sandbox --platform magento`: the printed URL answers a request signed now with the
    printed integration, and its clock (the Date header) runs with the wall clock."""
    import subprocess
    import sys
    import time

    proc = subprocess.Popen(
        [sys.executable, "-m", "wcrecall.sandbox", "--platform", "magento", "--seed", "fixture"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert proc.stdout is not None
        rest = proc.stdout.readline().split(" at ", 1)[1].split()[0]
        url = f"{rest}orders/1"
        first = requests.get(url, headers={"Authorization": sign_header("GET", url)}, timeout=10)
        time.sleep(1.2)  # the Date header counts whole seconds
        second = requests.get(url, headers={"Authorization": sign_header("GET", url)}, timeout=10)
    finally:
        proc.terminate()
        proc.communicate(timeout=10)
    assert first.status_code == 200 and first.json()["increment_id"] == "000000001"
    assert second.headers["Date"] != first.headers["Date"]


def test_the_session_cookie_is_set_and_a_client_sending_it_back_is_logged(store: MagentoSandbox) -> None:
    """Like the real store every REST answer but the currency one sets PHPSESSID; the log says who sent it back."""
    url = f"{store.url}/rest/V1/orders/1"
    stamp = int(NOW.timestamp())
    with requests.Session() as session:
        first = session.get(url, headers={"Authorization": sign_header("GET", url, timestamp=stamp)}, timeout=10)
        session.get(url, headers={"Authorization": sign_header("GET", url, timestamp=stamp)}, timeout=10)
    assert first.headers["Set-Cookie"].startswith("PHPSESSID=")
    assert [entry.cookie for entry in store.request_log[-2:]] == [False, True]
    assert "Set-Cookie" not in requests.get(f"{store.url}/rest/V1/directory/currency", timeout=10).headers
