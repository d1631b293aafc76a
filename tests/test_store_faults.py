"""Store faults, injected by the sandbox store: transient ones are retried within the time cap and the tick completes;
permanent ones end the tick with a clear message and a non-zero exit. The state stays intact either way, and the next
tick carries on where it should."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from e2e import NOW, SMTP_PASSWORD, cli, failed_order, write_config
from smtp_server import SmtpServer
from subproc import deliveries

from wcrecall.sandbox import SandboxStore
from wcrecall.state.db import State

ORDERS = "/wp-json/wc/v3/orders"
FAST = {"WCRECALL_STORE_MAX_RETRY_TIME": "8", "WCRECALL_STORE_TIMEOUT": "1"}


@pytest.fixture
def store() -> Iterator[SandboxStore]:
    with SandboxStore(fault_delay=3) as sandbox:
        sandbox.set_now(NOW)
        yield sandbox


@pytest.fixture
def smtp() -> Iterator[SmtpServer]:
    with SmtpServer(username="shop", password=SMTP_PASSWORD) as server:
        yield server


def watermark(tmp_path: Path) -> object:
    return State(tmp_path / "shop.state.json", read_only=True).load().meta.get("watermark")


def faults_seen(store: SandboxStore) -> list[str]:
    return [r.fault for r in store.request_log if r.fault]


@pytest.mark.parametrize(
    "fault",
    ["http_429", "http_500", "http_502", "http_503", "http_504", "timeout", "reset", "php_notice", "html_200",
     "truncated_json", "empty_body"],
)  # fmt: skip
def test_transient_store_fault_is_retried_and_the_tick_completes(
    tmp_path: Path, store: SandboxStore, smtp: SmtpServer, fault: str
) -> None:
    """One spoiled answer of the order listing: retried (or its noise skipped), the email goes once, exit 0, silent."""
    order_id = failed_order(store, "ana@example.com")
    config = write_config(tmp_path, store.url, smtp_port=smtp.port)
    store.inject(fault, path=f"{ORDERS}$")
    result = cli(["run"], config=config, now=NOW, env=FAST)
    assert result.exit_code == 0, result.stderr
    assert result.stderr == ""
    if fault != "timeout":  # the held request is logged only when the store gives up holding it
        assert faults_seen(store) == [fault]
    assert deliveries(smtp) == {(order_id, 1): 1}
    assert watermark(tmp_path) is not None


def test_retry_after_of_a_429_is_honoured(tmp_path: Path, store: SandboxStore, smtp: SmtpServer) -> None:
    """A 429 with Retry-After is retried: the store sees the listing twice and the tick completes."""
    failed_order(store, "ana@example.com")
    config = write_config(tmp_path, store.url, smtp_port=smtp.port)
    store.inject("http_429", path=f"{ORDERS}$")
    result = cli(["-v", "run"], config=config, now=NOW, env=FAST)
    assert result.exit_code == 0
    assert faults_seen(store) == ["http_429"] and store.count("GET", ORDERS) == 1  # the retry got the real answer


def test_store_down_beyond_the_retry_cap_ends_the_tick_and_the_next_carries_on(
    tmp_path: Path, store: SandboxStore, smtp: SmtpServer
) -> None:
    """503 on every try: the tick gives up within store.max_retry_time, exit 1 with one clear line; nothing moves."""
    order_id = failed_order(store, "ana@example.com")
    config = write_config(tmp_path, store.url, smtp_port=smtp.port)
    store.inject("http_503", times=1000)
    result = cli(["run"], config=config, now=NOW, env={**FAST, "WCRECALL_STORE_MAX_RETRY_TIME": "1"})
    assert result.exit_code == 1
    assert result.stderr.startswith("Error: GET orders: the store answered HTTP 503; gave up after")
    assert "Traceback" not in result.stderr
    assert watermark(tmp_path) is None and smtp.messages == []
    store.clear_faults()
    later = NOW + timedelta(minutes=10)
    assert cli(["run"], config=config, now=later, env=FAST).exit_code == 0
    assert deliveries(smtp) == {(order_id, 1): 1}


def test_key_revoked_after_the_first_page_exits_2_and_keeps_the_watermark(
    tmp_path: Path, store: SandboxStore, smtp: SmtpServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    """401 on page 2 of the sync: exit 2 with the key hint, nothing sent, the watermark stays; next tick does it all."""
    for i in range(100):  # page 1: paid orders changed earlier; page 2: the failed ones
        store.create_order(status="processing", billing={"email": f"p{i}@example.com"},
                           date_modified=NOW - timedelta(hours=1))  # fmt: skip
    orders = [failed_order(store, f"b{i}@example.com") for i in range(2)]
    config = write_config(tmp_path, store.url, smtp_port=smtp.port)
    listings = {"n": 0}
    original = store._take_fault

    def revoke_after_first_page(path: str) -> str | None:
        if path == ORDERS:
            listings["n"] += 1
            if listings["n"] >= 2:
                return "http_401"
        return original(path)

    monkeypatch.setattr(store, "_take_fault", revoke_after_first_page)
    result = cli(["run"], config=config, now=NOW, env=FAST)
    assert result.exit_code == 2
    assert result.stderr.startswith("Error: the store refused the API key (401")
    assert listings["n"] == 2 and smtp.messages == []
    assert watermark(tmp_path) is None
    monkeypatch.setattr(store, "_take_fault", original)
    assert cli(["run"], config=config, now=NOW + timedelta(minutes=10), env=FAST).exit_code == 0
    assert deliveries(smtp) == {(o, 1): 1 for o in orders}


def test_short_page_is_read_again_at_once(tmp_path: Path, store: SandboxStore, smtp: SmtpServer) -> None:
    """A page shorter than the store announced (cut short once): the listing is read again in the same tick, every
    order is mailed once, exit 0, silent."""
    orders = [failed_order(store, f"b{i}@example.com") for i in range(3)]
    config = write_config(tmp_path, store.url, smtp_port=smtp.port)
    store.inject("short_page", path=f"{ORDERS}$")
    result = cli(["run"], config=config, now=NOW, env=FAST)
    assert (result.exit_code, result.stderr) == (0, "")
    assert faults_seen(store) == ["short_page"] and store.count("GET", ORDERS) == 2
    assert deliveries(smtp) == {(o, 1): 1 for o in orders}
    assert watermark(tmp_path) is not None
    later = NOW + timedelta(minutes=10)
    assert cli(["run"], config=config, now=later, env=FAST).exit_code == 0
    rows = json.loads(cli(["status", "--json"], config=config, now=later).stdout)["recalls"]
    assert len(rows) == 3 and len(smtp.messages) == 3


def test_a_listing_that_differs_from_what_it_announced_twice_keeps_the_watermark(
    tmp_path: Path, store: SandboxStore, smtp: SmtpServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Two readings of the window, each shorter than announced and not the same: a problem line, exit 1, the
    watermark stays; what was listed is handled, and the next tick reads the window again."""
    orders = [failed_order(store, f"b{i}@example.com") for i in range(3)]
    config = write_config(tmp_path, store.url, smtp_port=smtp.port)
    readings = {"n": 0}
    original = store.page_of

    def unsteady(ids: list[int], orderby: str, start: int, count: int) -> list[int]:
        readings["n"] += 1
        if readings["n"] <= 2:
            return [ids[readings["n"] - 1]]  # one order per reading, a different one each time
        return original(ids, orderby, start, count)

    monkeypatch.setattr(store, "page_of", unsteady)
    result = cli(["run"], config=config, now=NOW, env=FAST)
    assert result.exit_code == 1
    assert re.search(r"the store listed 3 changed orders but sent 1; they are read again next tick", result.stderr)
    assert watermark(tmp_path) is None
    later = NOW + timedelta(minutes=10)
    assert cli(["run"], config=config, now=later, env=FAST).exit_code == 0
    assert deliveries(smtp) == {(o, 1): 1 for o in orders}
