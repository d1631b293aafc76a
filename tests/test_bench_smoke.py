"""The benchmark at tiny scale: its own accounting, not its timings (nothing here asserts on wall-clock time)."""

from __future__ import annotations

import contextlib
import http.server
import io
import json
import socket
import sys
import threading
import time
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
import requests

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench.__main__ import main  # noqa: E402
from bench.naive import NaivePoller  # noqa: E402
from bench.scenarios import FIGURES, TINY  # noqa: E402
from wcrecall.sandbox import DEFAULT_CONSUMER_KEY, DEFAULT_CONSUMER_SECRET, SandboxStore  # noqa: E402

SCENARIOS = ("steady", "busy", "state", "day", "render")
TICK_SCENARIOS = ("steady", "busy", "state", "day")


@pytest.fixture(scope="module")
def run(tmp_path_factory: pytest.TempPathFactory) -> tuple[dict[str, Any], str]:
    path = tmp_path_factory.mktemp("bench") / "bench-results.json"
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        main(["--scale", "tiny", "--json", str(path), "--quiet"])
    return json.loads(path.read_text(encoding="utf-8")), out.getvalue()


@pytest.fixture(scope="module")
def results(run: tuple[dict[str, Any], str]) -> dict[str, Any]:
    return run[0]


def test_json_has_every_figure_for_both_sides_of_every_scenario(results: dict[str, Any]) -> None:
    """Every scenario reports every figure of the issue for wcrecall and the naive poller (null where n/a)."""
    assert set(results["scenarios"]) == set(SCENARIOS)
    for name in SCENARIOS:
        for side in ("wcrecall", "naive"):
            figures = results["scenarios"][name]["sides"][side]
            assert {key for key, _ in FIGURES} <= set(figures), (name, side)
    for name in TICK_SCENARIOS:
        wc = results["scenarios"][name]["sides"]["wcrecall"]
        for key in (
            "requests",
            "bytes_received",
            "connections",
            "wall_s",
            "cpu_s",
            "peak_rss_mb",
            "state_bytes",
        ):
            assert wc[key] is not None, (name, key)
        # Only claims are fsync'ed: a tick that sends nothing makes no durable write at all.
        assert (wc["write_ms"] is None) == (wc["emails_sent"] == 0), name
    assert results["scenarios"]["render"]["sides"]["wcrecall"]["emails_per_s"] > 0


def test_each_clients_request_and_byte_counts_equal_the_sandbox_counters(results: dict[str, Any]) -> None:
    """What each side counted itself is what the sandbox store saw: the bench's figures come from the store."""
    assert results["accounting_problems"] == []
    for name in TICK_SCENARIOS:
        for side in ("wcrecall", "naive"):
            figures = results["scenarios"][name]["sides"][side]
            assert figures["client_requests"] == figures["requests"] > 0, (name, side)
            assert figures["client_bytes"] == figures["bytes_received"] > 0, (name, side)


def test_naive_poller_opens_a_connection_per_request_and_wcrecall_one_per_tick(results: dict[str, Any]) -> None:
    """The naive poller connects anew for every request; a wcrecall tick keeps one connection."""
    for name in TICK_SCENARIOS:
        naive = results["scenarios"][name]["sides"]["naive"]
        assert naive["connections"] == naive["requests"], name
    for name in ("steady", "busy", "state"):
        assert results["scenarios"][name]["sides"]["wcrecall"]["connections"] == 1, name
    assert results["scenarios"]["day"]["sides"]["wcrecall"]["connections"] == TINY.day_ticks


def test_busy_tick_sends_the_designed_reminders_on_both_sides(results: dict[str, Any]) -> None:
    """The busy tick's changes are as designed, and both sides send the reminders that are due, no more."""
    busy = results["scenarios"]["busy"]
    bound = busy["lower_bound"]
    assert (bound["changed"], bound["new_candidates"], bound["designed_due"]) == (
        TINY.changed,
        TINY.new_candidates,
        TINY.due,
    )
    assert busy["sides"]["wcrecall"]["emails_sent"] == busy["sides"]["naive"]["emails_sent"] == TINY.due
    assert bound["requests"] == -(-TINY.changed // 100) + TINY.new_candidates + 2 * TINY.due
    assert results["scenarios"]["state"]["sides"]["wcrecall"]["emails_sent"] == TINY.due


def test_steady_tick_costs_one_list_request_on_both_sides(results: dict[str, Any]) -> None:
    """Nothing changed: wcrecall reads one empty page; the naive poller lists the (empty) window."""
    steady = results["scenarios"]["steady"]["sides"]
    assert steady["wcrecall"]["requests"] == 1
    assert steady["wcrecall"]["emails_sent"] == steady["naive"]["emails_sent"] == 0


def test_table_gives_a_verdict_for_every_target(run: tuple[dict[str, Any], str]) -> None:
    """Each target of the issue appears in the JSON with a verdict and in the printed table as PASS or FAIL."""
    results, printed = run
    counts = {name: len(results["scenarios"][name]["targets"]) for name in SCENARIOS}
    assert counts == {"steady": 2, "busy": 2, "state": 3, "day": 1, "render": 1}
    verdicts = sum(line.rstrip().endswith(("PASS", "FAIL")) for line in printed.splitlines())
    assert verdicts == sum(counts.values())
    assert "targets PASS" in printed


def test_naive_poller_remembers_through_its_notes_and_connects_per_request(tmp_path: Path) -> None:
    """One due failed order: one reminder, then nothing on the next tick; every request on its own connection."""
    with SandboxStore() as store:
        now = store.clock.now()
        order = store.create_order(
            status="failed", billing={"email": "ana@example.com"}, date_created=now - timedelta(hours=2)
        )
        poller = NaivePoller(store.url, DEFAULT_CONSUMER_KEY, DEFAULT_CONSUMER_SECRET, outbox=tmp_path)
        first = poller.tick(now)
        second = poller.tick(now + timedelta(minutes=10))
        assert (first.sent, second.sent) == (1, 0)
        assert first.requests == 4  # list, notes, re-read, note
        assert second.requests == 2  # list, notes
        deadline = time.monotonic() + 5
        while store.count() < first.requests + second.requests and time.monotonic() < deadline:
            time.sleep(0.01)  # the server counts a request just after answering it
        assert store.count() == store.connections == first.requests + second.requests
        notes = [str(n["note"]) for n in store.notes(int(order["id"]))]
        assert notes == ["naive-poller: reminder 1 sent"]
        assert len(list(tmp_path.glob("*.eml"))) == 1


def test_busy_tick_profile_top_five_is_in_the_json_and_printed(run: tuple[dict[str, Any], str]) -> None:
    """The busy tick is profiled (on a replay): five functions with their calls and own time, printed under the
    table, so the next look at the figures starts from where the time goes."""
    results, printed = run
    rows = results["scenarios"]["busy"]["profile"]
    assert len(rows) == 5
    assert all(calls >= 1 and cumulative >= own >= 0 and where for calls, own, cumulative, where in rows)
    assert [row[1] for row in rows] == sorted((row[1] for row in rows), reverse=True)
    assert "busy: wcrecall's tick under cProfile at 0 ms, top 5 by own time" in printed
    assert not any("recv_into" in row[3] or "sendall" in row[3] for row in rows)


class _LateBody(http.server.BaseHTTPRequestHandler):
    """Answers with its headers at once and its body a moment later, as a store sending a large page does."""

    def do_GET(self) -> None:  # noqa: N802  # the http.server name
        body = b'{"late": true}'
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.flush()
        time.sleep(0.2)
        self.wfile.write(body)

    def log_message(self, *args: Any) -> None:
        return None


@pytest.mark.parametrize("stream", [False, True], ids=["body read inside send", "body read after send"])
def test_store_wait_counts_the_body_alike_wherever_the_client_reads_it(
    stream: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Both sides' store wait is measured at the socket: waiting for a body that arrives after the headers is store
    wait whether `requests` reads it inside `Session.send` (the naive poller) or after it returns (wcrecall's
    streamed read). A clock that advances one unit per reading counts the socket calls that waited."""
    import bench.child as child

    ticks = iter(range(1_000_000))
    monkeypatch.setattr(child, "_clock", lambda: float(next(ticks)))
    for name, method in child.measured_socket_methods().items():
        monkeypatch.setattr(socket.socket, name, method)
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _LateBody)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        child._WAIT[0] = 0.0
        with requests.Session() as session:
            response = session.get(f"http://127.0.0.1:{server.server_address[1]}/", stream=stream, timeout=5)
            assert response.json() == {"late": True}
        # connect, request, headers, body: each a socket call that waited (one unit each under this clock)
        assert child._WAIT[0] >= 4
    finally:
        server.shutdown()
        server.server_close()
