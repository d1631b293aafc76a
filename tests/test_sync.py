"""The sync end to end through the CLI: every changed order is read however the store pages, whatever its headers
say and whatever time it claims; an order that could not be handled is retried by id on a later tick; a bad order
is reported once and never holds the sync position back."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from e2e import NOW, SMTP_PASSWORD, cli, failed_order, write_config
from smtp_server import SmtpServer
from subproc import deliveries

from wcrecall.sandbox import SandboxStore
from wcrecall.sandbox.wire import Request, Response
from wcrecall.state.db import State

ORDERS = "/wp-json/wc/v3/orders"
FAST = {"WCRECALL_STORE_MAX_RETRY_TIME": "1", "WCRECALL_STORE_TIMEOUT": "1"}
YEAR = timedelta(days=365)


@pytest.fixture
def smtp() -> Iterator[SmtpServer]:
    with SmtpServer(username="shop", password=SMTP_PASSWORD) as server:
        yield server


def meta(tmp_path: Path) -> dict[str, Any]:
    return State(tmp_path / "shop.state.json", read_only=True).load().meta


def spoil(store: SandboxStore, order_id: int, *drop: str) -> None:
    """Every answer of the store that carries order `order_id` lacks the fields `drop` (a broken plugin or import)."""
    answer = store.answer

    def spoiled(request: Request) -> Response:
        response = answer(request)
        if request.method == "GET" and "/orders" in request.target and "/notes" not in request.target:
            body = json.loads(response.body)
            for order in body if isinstance(body, list) else [body]:
                if isinstance(order, dict) and order.get("id") == order_id:
                    for name in drop:
                        order.pop(name, None)
            response.body = json.dumps(body).encode()
        return response

    store.answer = spoiled  # type: ignore[method-assign]


def test_a_burst_of_orders_in_one_second_is_mailed_exactly_once(
    tmp_path: Path, store: SandboxStore, smtp: SmtpServer
) -> None:
    """120 failed orders saved in the same second: the store pages them unstably by `modified`; every one is mailed,
    once, over three ticks."""
    orders = [failed_order(store, f"b{i}@example.com") for i in range(120)]
    assert len({store.get_order(o)["date_modified_gmt"] for o in orders}) == 1  # type: ignore[index]
    config = write_config(tmp_path, store.url, smtp_port=smtp.port)
    for minutes in (0, 10, 20):
        moment = NOW + timedelta(minutes=minutes)
        store.set_now(moment)
        result = cli(["run"], config=config, now=moment)
        assert result.exit_code == 0, result.stderr
    assert deliveries(smtp) == {(o, 1): 1 for o in orders}


@pytest.mark.parametrize(
    ("headers", "requests"),
    [
        ({}, 3),
        ({"X-WP-Total": "100", "X-WP-TotalPages": "1"}, 3),
        ({"X-WP-Total": "250", "X-WP-TotalPages": "1e9"}, 3),
        ({"X-WP-Total": "250", "X-WP-TotalPages": "1000000000"}, 4),  # the empty page after the short one ends it
    ],
    ids=["missing", "stale", "huge-float", "huge"],
)
def test_paging_reads_to_the_last_short_page_whatever_the_headers(
    tmp_path: Path, store: SandboxStore, smtp: SmtpServer, headers: dict[str, str], requests: int
) -> None:
    """250 changed orders behind a proxy that strips or fakes X-WP-Total/X-WP-TotalPages: the sync reads pages until
    one is short or empty, every failed order is mailed, and the tick ends."""
    for i in range(240):
        store.create_order(status="processing", date_modified=NOW - timedelta(minutes=50, seconds=-i))
    orders = [failed_order(store, f"b{i}@example.com") for i in range(10)]
    store.paging_headers = headers
    config = write_config(tmp_path, store.url, smtp_port=smtp.port)
    store.reset_counters()
    result = cli(["run"], config=config, now=NOW)
    assert result.exit_code == 0, result.stderr
    assert store.count("GET", ORDERS) == requests
    assert deliveries(smtp) == {(o, 1): 1 for o in orders}
    later = NOW + timedelta(minutes=10)
    store.set_now(later)
    assert cli(["run"], config=config, now=later).exit_code == 0
    assert len(smtp.messages) == 10


def test_unchanged_store_costs_one_request(tmp_path: Path, store: SandboxStore, smtp: SmtpServer) -> None:
    """A tick with nothing new asks the store once (the bench's "steady" target is at most two)."""
    failed_order(store, "ana@example.com")
    config = write_config(tmp_path, store.url, smtp_port=smtp.port)
    assert cli(["run"], config=config, now=NOW).exit_code == 0
    later = NOW + timedelta(minutes=30)
    store.set_now(later)
    store.reset_counters()
    assert cli(["run"], config=config, now=later).exit_code == 0
    assert store.count() == 1


@pytest.mark.parametrize("where", ["date-header", "date-modified", "old-state"])
def test_a_time_from_the_future_does_not_stop_the_sync(
    tmp_path: Path, store: SandboxStore, smtp: SmtpServer, where: str
) -> None:
    """A store clock, an order's date_modified or a stored position a year ahead: the sync position stays within a
    small skew of this machine's clock, so the next change is still read and mailed."""
    config = write_config(tmp_path, store.url, smtp_port=smtp.port)
    first = failed_order(store, "ana@example.com")
    if where == "date-header":
        store.set_now(NOW + YEAR)  # the server's clock is wrong; its Date header says so
    elif where == "date-modified":
        store.create_order(status="completed", date_modified=NOW + YEAR)
    assert cli(["run"], config=config, now=NOW).exit_code == 0
    if where == "old-state":  # a position recorded by an earlier run, a year ahead
        state = State(tmp_path / "shop.state.json").load()
        state.set_meta(watermark=(NOW + YEAR).isoformat())
        state.close()
    later = NOW + timedelta(minutes=10)
    store.set_now(later)
    second = failed_order(store, "ben@example.com")
    result = cli(["run"], config=config, now=later)
    assert result.exit_code == 0, result.stderr
    assert deliveries(smtp) == {(first, 1): 1, (second, 1): 1}


def test_z_suffix_is_not_sent_so_a_store_east_of_utc_misses_nothing(tmp_path: Path, smtp: SmtpServer) -> None:
    """In a UTC+8 store, `modified_after` ending in Z with dates_are_gmt would start the window 8 hours late; naive
    UTC does not, so an order changed after the last tick is read."""
    with SandboxStore(timezone="Asia/Shanghai") as store:
        store.set_now(NOW)
        config = write_config(tmp_path, store.url, smtp_port=smtp.port)
        assert cli(["run"], config=config, now=NOW).exit_code == 0
        later = NOW + timedelta(minutes=10)
        store.set_now(later)
        order = failed_order(store, "ana@example.com")
        assert cli(["run"], config=config, now=later).exit_code == 0
    assert deliveries(smtp) == {(order, 1): 1}


@pytest.mark.parametrize("status", ["completed", "failed"])
def test_a_malformed_order_is_reported_once_and_does_not_hold_the_sync_back(
    tmp_path: Path, store: SandboxStore, smtp: SmtpServer, status: str
) -> None:
    """An order without date_created_gmt: one problem line on the tick that first meets it (exit 1), then silence
    and exit 0 on the following ticks while the sync moves on and mails what comes next; a failed one has a row in
    `status` saying why it got no email."""
    bad = int(store.create_order(status=status, billing={"email": "bad@example.com"})["id"])
    spoil(store, bad, "date_created_gmt")
    config = write_config(tmp_path, store.url, smtp_port=smtp.port)
    first = cli(["run"], config=config, now=NOW)
    assert first.exit_code == 1
    assert first.stderr.count(f"order {bad}: skipped: date_created_gmt is missing") == 1
    assert first.stderr.count("\n") == 1, first.stderr
    mailed = []
    for minutes in (10, 20, 30):
        moment = NOW + timedelta(minutes=minutes)
        store.set_now(moment)
        mailed.append(failed_order(store, f"n{minutes}@example.com"))
        store.update_order(bad, customer_note=f"edited at {minutes}")  # changed again: listed again
        result = cli(["run"], config=config, now=moment)
        assert (result.exit_code, result.stderr) == (0, ""), minutes
    assert deliveries(smtp) == {(o, 1): 1 for o in mailed}
    assert meta(tmp_path)["watermark"] >= (NOW + timedelta(minutes=30)).isoformat()
    rows = json.loads(cli(["status", "--json"], config=config, now=NOW).stdout)["recalls"]
    skipped = [r for r in rows if r["order"] == bad]
    if status == "failed":
        assert len(skipped) == 1 and "date_created_gmt is missing" in skipped[0]["end_reason"]
    else:
        assert skipped == []


def test_notes_read_failing_past_the_retry_budget_is_retried_by_id_later(
    tmp_path: Path, store: SandboxStore, smtp: SmtpServer
) -> None:
    """The notes of a new failed order cannot be read (503 past store.max_retry_time) for three ticks, the last one
    after the order has left the re-read overlap: reported once, retried by id, then mailed once."""
    order = failed_order(store, "ana@example.com")
    config = write_config(tmp_path, store.url, smtp_port=smtp.port)
    store.inject("http_503", times=10_000, path=f"{ORDERS}/{order}/notes")
    first = cli(["run"], config=config, now=NOW, env=FAST)
    assert first.exit_code == 1
    assert first.stderr.startswith(f"order {order}: GET orders/{order}/notes: the store answered HTTP 503")
    assert "retried next tick" in first.stderr
    for minutes in (10, 20):  # listed again in the overlap, then read by id: failing again is not news
        moment = NOW + timedelta(minutes=minutes)
        store.set_now(moment)
        again = cli(["run"], config=config, now=moment, env=FAST)
        assert (again.exit_code, again.stderr) == (0, "")
    assert smtp.messages == []
    store.clear_faults()
    for minutes in (30, 40):
        moment = NOW + timedelta(minutes=minutes)
        store.set_now(moment)
        result = cli(["run"], config=config, now=moment, env=FAST)
        assert (result.exit_code, result.stderr) == (0, "")
    assert deliveries(smtp) == {(order, 1): 1}
    assert not meta(tmp_path).get("sync_retry")


def test_a_window_longer_than_the_page_cap_goes_on_next_tick(
    tmp_path: Path, store: SandboxStore, smtp: SmtpServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    """With a cap of 2 pages, 250 changed orders take two ticks: the first reads 2 pages and keeps the watermark,
    the second reads page 3 only and then moves it; every failed order is mailed once."""
    import wcrecall.store.client

    monkeypatch.setattr(wcrecall.store.client, "MAX_SYNC_PAGES", 2)
    early = [failed_order(store, f"a{i}@example.com") for i in range(5)]
    for _ in range(240):
        store.create_order(status="processing", date_modified=NOW - timedelta(minutes=50))
    late = [failed_order(store, f"z{i}@example.com") for i in range(5)]
    config = write_config(tmp_path, store.url, smtp_port=smtp.port)
    first = cli(["-v", "run"], config=config, now=NOW)
    assert first.exit_code == 0, first.stderr
    assert "read 2 pages of changed orders; the rest next tick" in first.stdout
    assert "watermark" not in meta(tmp_path) and deliveries(smtp) == {(o, 1): 1 for o in early}
    later = NOW + timedelta(minutes=10)
    store.set_now(later)
    store.reset_counters()
    assert cli(["run"], config=config, now=later).exit_code == 0
    assert [r.path for r in store.request_log if r.path == ORDERS] == [ORDERS]  # page 3 only
    assert deliveries(smtp) == {(o, 1): 1 for o in early + late}
    assert meta(tmp_path)["watermark"] == NOW.isoformat() and not meta(tmp_path).get("sync_resume")


def test_a_store_failing_part_way_through_a_window_is_resumed_after_the_last_page_read(
    tmp_path: Path, store: SandboxStore, smtp: SmtpServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Page 3 of 3 fails past the retry budget: the tick ends (exit 1) with the watermark unmoved, and the next tick
    reads page 3 only; every failed order is mailed once."""
    early = [failed_order(store, f"a{i}@example.com") for i in range(5)]
    for _ in range(240):
        store.create_order(status="processing", date_modified=NOW - timedelta(minutes=50))
    late = [failed_order(store, f"z{i}@example.com") for i in range(5)]
    config = write_config(tmp_path, store.url, smtp_port=smtp.port)
    listings = {"n": 0}
    original = store._take_fault

    def down_after_two_pages(path: str) -> str | None:
        if path == ORDERS:
            listings["n"] += 1
            if listings["n"] > 2:
                return "http_503"
        return original(path)

    monkeypatch.setattr(store, "_take_fault", down_after_two_pages)
    first = cli(["run"], config=config, now=NOW, env=FAST)
    assert first.exit_code == 1 and "HTTP 503" in first.stderr
    assert "watermark" not in meta(tmp_path)
    monkeypatch.setattr(store, "_take_fault", original)
    later = NOW + timedelta(minutes=10)
    store.set_now(later)
    store.reset_counters()
    assert cli(["run"], config=config, now=later, env=FAST).exit_code == 0
    assert store.count("GET", ORDERS) == 1  # page 3 only
    assert deliveries(smtp) == {(o, 1): 1 for o in early + late}
    assert meta(tmp_path)["watermark"] == NOW.isoformat()


def test_an_order_to_retry_that_was_deleted_is_forgotten(tmp_path: Path, store: SandboxStore, smtp: SmtpServer) -> None:
    """The notes of a failed order cannot be read; the order is then deleted: the retry by id finds it gone and
    forgets it, silently."""
    order = failed_order(store, "ana@example.com")
    config = write_config(tmp_path, store.url, smtp_port=smtp.port)
    store.inject("http_503", times=10_000, path=f"{ORDERS}/{order}/notes")
    assert cli(["run"], config=config, now=NOW, env=FAST).exit_code == 1
    assert list(meta(tmp_path)["sync_retry"]) == [str(order)]
    store.clear_faults()
    store.delete_order(order, force=True)
    moment = NOW + timedelta(minutes=30)
    store.set_now(moment)
    result = cli(["run"], config=config, now=moment, env=FAST)
    assert (result.exit_code, result.stderr) == (0, "")
    assert meta(tmp_path)["sync_retry"] == {} and smtp.messages == []
