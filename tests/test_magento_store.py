"""The Magento adapter against the real store's captured answers (shared fixtures magento-2.4.7-p3), served by a
small replay server on 127.0.0.1 that also records what the adapter sent."""

from __future__ import annotations

import json
import re
import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import pytest

from wcrecall.config.magento import MagentoSettings
from wcrecall.config.settings import StoreSettings
from wcrecall.model.errors import StoreReadOnly
from wcrecall.model.order import parse_order
from wcrecall.store.magento.client import PROBE_ORDER, MagentoStore
from wcrecall.store.magento.signing import base_string, signature

FIXTURES = Path(__file__).resolve().parents[1].parent / "shared" / "fixtures" / "magento-2.4.7-p3"
KEYS = dict(
    consumer_key="32op7jrlmum0m9btk78j7gj7h5c3lao1",
    consumer_secret="9bli7yxlwbuuf8xbq48r2ekcuciz8six",
    access_token="99jkz9gevwsnzpr307u02fqn5viy9n0a",
    access_token_secret="mpbrd3qw3kbqhliplktsa9yzlul3l1i1",
)


def capture(name: str) -> tuple[int, bytes]:
    raw = (FIXTURES / f"{name}.http").read_bytes()
    head, _, body = raw.partition(b"\r\n\r\n") if b"\r\n\r\n" in raw else raw.partition(b"\n\n")
    return int(head.split()[1]), body.strip()


class Replay:
    """Answers (method, path) with a capture; records every request (method, raw path, headers, body)."""

    def __init__(self) -> None:
        self.routes: dict[tuple[str, str], list[str]] = {}
        self.seen: list[tuple[str, str, dict[str, str], bytes]] = []
        self.unavailable = 0  # answer this many requests with 503 first

    def answer(self, method: str, path: str, *captures: str) -> None:
        self.routes[(method, path)] = list(captures)


@pytest.fixture
def replay() -> Iterator[tuple[Replay, str]]:
    state = Replay()

    class Handler(BaseHTTPRequestHandler):
        def _serve(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length else b""
            state.seen.append((self.command, self.path, {k.lower(): v for k, v in self.headers.items()}, body))
            names = state.routes.get((self.command, urlsplit(self.path).path), [])
            if state.unavailable:
                state.unavailable -= 1
                status, payload = 503, b"<html>busy</html>"
            elif not names:
                status, payload = 404, b'{"message":"no capture"}'
            else:
                query = dict(parse_qsl(urlsplit(self.path).query))
                page = int(query.get("searchCriteria[currentPage]", "1"))
                status, payload = capture(names[min(page, len(names)) - 1])
            self.send_response(status)
            self.send_header("Content-Type", "application/json; charset=utf-8")
            self.send_header("Set-Cookie", "PHPSESSID=abc; path=/")
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

        do_GET = do_POST = _serve

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield state, f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def store_for(url: str, **magento: Any) -> MagentoStore:
    settings = StoreSettings(url=url, platform="magento", **KEYS)
    return MagentoStore(settings, MagentoSettings(**magento), max_attempts=1)


def test_comment_is_private_and_has_no_status(replay: tuple[Replay, str]) -> None:
    server, url = replay
    server.answer("POST", "/rest/V1/orders/2/comments", "order_comment_create_oauth")
    store = store_for(url)
    with store.session():
        store.add_note(2, "wcrecall: reminder 1 sent <b>")
    method, path, headers, body = server.seen[-1]
    assert (method, path) == ("POST", "/rest/V1/orders/2/comments")
    assert body == (
        b'{"statusHistory": {"comment": "wcrecall: reminder 1 sent <b>", "is_customer_notified": 0, '
        b'"is_visible_on_front": 0}}'
    )
    assert "cookie" not in headers


def test_requests_carry_a_signature_magento_accepts(replay: tuple[Replay, str]) -> None:
    server, url = replay
    server.answer("GET", "/rest/V1/orders", "orders_since_1128_pagesize3_p1_oauth")
    store = store_for(url)
    with store.session():
        list(store.changed_orders(datetime(2026, 11, 28, tzinfo=UTC)))
    method, path, headers, _ = server.seen[0]
    oauth = dict(
        (k, v.strip('"').replace("%3D", "=").replace("%2F", "/").replace("%2B", "+"))
        for k, v in (p.split("=", 1) for p in headers["authorization"].removeprefix("OAuth ").split(","))
    )
    base = base_string(method, url + path, oauth)
    assert signature(base, KEYS["consumer_secret"], KEYS["access_token_secret"]) == oauth["oauth_signature"]
    assert "2026-11-28%2000%3A00%3A00" in path  # UTC, space as %20, never +
    assert "+" not in path


def test_listing_ends_at_total_count(replay: tuple[Replay, str]) -> None:
    server, url = replay
    pages = [f"orders_since_1128_pagesize3_p{n}_oauth" for n in (1, 2, 3)]
    server.answer("GET", "/rest/V1/orders", *pages)
    store = store_for(url)
    with store.session():
        listed = [o["id"] for page in store.changed_orders(datetime(2026, 11, 28, tzinfo=UTC)) for o in page.orders]
    assert len(server.seen) == 1  # 7 orders in one page of 100: total_count reached, no second request
    query = dict(parse_qsl(urlsplit(server.seen[0][1]).query))
    assert query["searchCriteria[sortOrders][0][field]"] == "entity_id"  # ids never move while the sync pages
    assert query["searchCriteria[filter_groups][0][filters][0][field]"] == "updated_at"
    assert query["searchCriteria[filter_groups][0][filters][0][condition_type]"] == "gteq"
    assert listed == [15, 16, 17]


def test_status_map_and_evidence_for_a_cancel(replay: tuple[Replay, str]) -> None:
    server, url = replay
    server.answer("GET", "/rest/V1/orders", "orders_incremental_p1_oauth")
    store = store_for(url)
    with store.session():
        page = next(store.changed_orders(datetime(2026, 11, 20, tzinfo=UTC)))
    status = {o["id"]: o["status"] for o in page.orders}
    needs_payment = {o["id"]: o["needs_payment"] for o in page.orders}
    assert needs_payment[10] is True and needs_payment[11] is False and needs_payment[12] is False
    assert status[10] == "failed"  # canceled after "Payment failed: Your card has expired."
    assert status[11] == "cancelled"  # canceled by the merchant: never mailed
    assert status[2] == "pending"  # pending_payment: a redirect payment the buyer did not finish
    assert status[6] == status[7] == status[8] == "on-hold"  # pending, paid by transfer, on delivery, by cheque
    assert {status[15], status[16], status[17], status[18]} == {"on-hold"}
    assert status[12] == "processing"


def test_pending_payment_order_becomes_a_checkout_order_with_the_lifetime(replay: tuple[Replay, str]) -> None:
    server, url = replay
    server.answer("GET", "/rest/V1/orders/1", "order_single_oauth")
    store = store_for(url, pending_lifetime=timedelta(minutes=240))
    with store.session():
        order = parse_order(store.get_order(1))
    assert (order.id, order.number, order.status, order.created_via) == (1, "000000001", "pending", "checkout")
    assert order.date_modified == datetime(2026, 11, 16, 12, 27, 4, tzinfo=UTC)
    assert order.email == "jane.doe@example.com" and order.country == "US"
    assert str(order.total) == "250.5" and order.payment_method == "stripe_payments"
    assert order.payment_url == f"{url}/sales/order/history/"  # a registered customer reorders from the account
    assert store.hold_stock_minutes() == 240


def test_pay_link_template_is_filled_and_encoded(replay: tuple[Replay, str]) -> None:
    server, url = replay
    server.answer("GET", "/rest/V1/orders/1", "order_single_oauth")
    store = store_for(url, pay_link="template:https://shop.example.com/pay/{increment_id}?id={entity_id}")
    with store.session():
        order = parse_order(store.get_order(1))
    assert order.payment_url == "https://shop.example.com/pay/000000001?id=1"


def test_comments_come_newest_first(replay: tuple[Replay, str]) -> None:
    server, url = replay
    server.answer("GET", "/rest/V1/orders/9/comments", "order_comments_list_oauth")
    store = store_for(url)
    with store.session():
        notes = store.get_notes(9)
    assert [n["id"] for n in notes] == [6, 5]
    assert notes[0]["date_created_gmt"] == "2026-11-17T04:06:24"


def test_key_without_comment_permission_is_read_only(replay: tuple[Replay, str]) -> None:
    server, url = replay
    server.answer("POST", "/rest/V1/orders/2/comments", "err_401_comment_no_permission_oauth")
    server.answer("POST", f"/rest/V1/orders/{PROBE_ORDER}/comments", "err_401_comment_no_permission_oauth")
    store = store_for(url)
    with store.session():
        with pytest.raises(StoreReadOnly, match="Magento_Sales::comment"):
            store.add_note(2, "wcrecall: x")
        assert store.probe_write() is False


def test_write_probe_with_permission(replay: tuple[Replay, str]) -> None:
    server, url = replay
    server.answer("POST", f"/rest/V1/orders/{PROBE_ORDER}/comments", "err_404_comment_missing_order_oauth")
    store = store_for(url)
    with store.session():
        assert store.probe_write() is True
    assert json.loads(server.seen[-1][3])["statusHistory"]["is_customer_notified"] == 0


def test_a_retry_is_signed_anew(replay: tuple[Replay, str]) -> None:
    """Magento refuses a nonce it has seen: the retry after a 503 carries a fresh nonce and signature."""
    server, url = replay
    server.answer("GET", "/rest/V1/orders/1", "order_single_oauth")
    server.unavailable = 1
    settings = StoreSettings(url=url, platform="magento", **KEYS)
    store = MagentoStore(settings, MagentoSettings(), max_attempts=3, sleep=lambda _: None)
    with store.session():
        assert store.get_order(1)["id"] == 1
    nonces = [re.search(r'oauth_nonce="(\w+)"', headers["authorization"]) for _, _, headers, _ in server.seen]
    assert len(nonces) == 2 and all(nonces)
    assert nonces[0][1] != nonces[1][1]  # type: ignore[index]
    assert store.traffic.retries == 1
