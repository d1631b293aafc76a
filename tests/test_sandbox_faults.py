"""Latency and fault injection: every fault kind, how often it fires, which paths it hits."""

from __future__ import annotations

import json
import re
import time
from collections.abc import Iterator

import pytest
import requests

from wcrecall.sandbox import FAULTS, SandboxStore

ORDERS = "/wp-json/wc/v3/orders"


@pytest.fixture
def store() -> Iterator[SandboxStore]:
    with SandboxStore(auth=False, fault_delay=1.0) as running:
        for _ in range(6):
            running.create_order(status="failed")
        yield running


def get(store: SandboxStore, path: str = ORDERS, **params: str) -> requests.Response:
    return requests.get(store.url + path, params=params, timeout=10)


def test_sandbox_latency_delays_each_answer(store: SandboxStore) -> None:
    """store.latency sleeps before every answer."""
    store.latency = 0.2
    started = time.perf_counter()
    assert get(store).status_code == 200
    assert time.perf_counter() - started >= 0.2


@pytest.mark.parametrize(
    ("fault", "status", "marker"),
    [
        ("http_429", 429, "429 Too Many Requests"),
        ("http_500", 500, "critical error"),
        ("http_502", 502, "502 Bad Gateway"),
        ("http_503", 503, "503 Service Temporarily Unavailable"),
        ("http_504", 504, "504 Gateway Time-out"),
        ("html_200", 200, "<title>WordPress &rsaquo; Error</title>"),
        ("http_401", 401, "Consumer key is invalid."),
    ],
)
def test_sandbox_status_faults_answer_once_then_recover(
    store: SandboxStore, fault: str, status: int, marker: str
) -> None:
    """A status fault answers instead of the store once (times=1), then the store answers normally."""
    store.inject(fault)
    spoiled = get(store)
    assert spoiled.status_code == status and marker in spoiled.text
    if fault == "http_429":
        assert spoiled.headers["Retry-After"] == "1"
    assert get(store).status_code == 200 and store.pending_faults() == 0


def test_sandbox_fault_times_and_path(store: SandboxStore) -> None:
    """`times` counts matching requests; `path` (substring or regex) limits which requests are hit."""
    store.inject("http_503", times=2, path="/notes")
    assert get(store).status_code == 200  # not a notes path: untouched
    oid = get(store).json()[0]["id"]
    notes = f"{ORDERS}/{oid}/notes"
    assert [get(store, notes).status_code for _ in range(3)] == [503, 503, 200]
    store.inject("http_502", path=re.compile(r"/orders/\d+$"))
    assert get(store, f"{ORDERS}/{oid}").status_code == 502
    assert [e.fault for e in store.request_log[-2:]] == [None, "http_502"]


def test_sandbox_php_notice_prefixes_the_json(store: SandboxStore) -> None:
    """php_notice: PHP's notice HTML before a valid JSON body."""
    store.inject("php_notice")
    text = get(store).text
    assert text.startswith("<br />\n<b>Notice</b>:  Undefined index")
    assert json.loads(text[text.index("[") :])[0]["status"] == "failed"


def test_sandbox_truncated_and_empty_bodies(store: SandboxStore) -> None:
    """truncated_json: 200 with half a JSON document; empty_body: 200 with nothing."""
    store.inject("truncated_json")
    cut = get(store)
    assert cut.status_code == 200 and cut.text.startswith("[{")
    with pytest.raises(ValueError):
        cut.json()
    store.inject("empty_body")
    empty = get(store)
    assert empty.status_code == 200 and empty.content == b""


def test_sandbox_short_page_returns_fewer_orders_than_promised(store: SandboxStore) -> None:
    """short_page: the headers promise full pages, the body holds fewer orders."""
    store.inject("short_page")
    page = get(store, per_page="4")
    assert page.headers["X-WP-TotalPages"] == "2" and len(page.json()) == 2
    assert len(get(store, per_page="4").json()) == 4


def test_sandbox_reset_cuts_the_connection_mid_body(store: SandboxStore) -> None:
    """reset: headers and half the body, then the connection is reset."""
    store.inject("reset")
    with pytest.raises(requests.exceptions.RequestException):
        get(store).json()
    assert get(store).status_code == 200


def test_sandbox_timeout_holds_the_answer(store: SandboxStore) -> None:
    """timeout: the answer comes only after fault_delay; a client with a shorter timeout gives up."""
    store.inject("timeout")
    with pytest.raises(requests.exceptions.Timeout):
        requests.get(store.url + ORDERS, timeout=0.3)
    time.sleep(1.0)
    assert get(store).status_code == 200


def test_sandbox_timeout_is_released_by_stop() -> None:
    """stop() does not wait for a held answer."""
    held = SandboxStore(auth=False, fault_delay=30).start()
    held.inject("timeout")
    import threading

    worker = threading.Thread(target=lambda: _swallow(held.url), daemon=True)
    worker.start()
    time.sleep(0.2)
    # The held answer takes 30 s: a stop() that waited for it would still be running after the 10 s hang guard.
    stopping = threading.Thread(target=held.stop, daemon=True)
    stopping.start()
    stopping.join(timeout=10)
    worker.join(timeout=10)
    assert not stopping.is_alive() and not worker.is_alive()


def _swallow(url: str) -> None:
    try:
        requests.get(url + ORDERS, timeout=10)
    except requests.exceptions.RequestException:
        pass


def test_sandbox_rejects_unknown_faults(store: SandboxStore) -> None:
    """inject() names the faults it knows."""
    with pytest.raises(ValueError, match="unknown fault"):
        store.inject("http_418")
    assert {"http_429", "timeout", "reset", "short_page"} <= FAULTS
