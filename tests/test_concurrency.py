"""Overlap: several `wcrecall run` processes started at once on one state deliver every due step exactly once."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from e2e import NOW, SMTP_PASSWORD, cli, failed_order, write_config
from smtp_server import SmtpServer
from subproc import deliveries, finish, start

from wcrecall.sandbox import SandboxStore


@pytest.fixture
def store() -> Iterator[SandboxStore]:
    with SandboxStore(latency=0.02) as sandbox:  # slow answers keep the first run busy while the others start
        sandbox.set_now(NOW)
        yield sandbox


def test_four_runs_started_at_once_deliver_each_step_exactly_once(tmp_path: Path, store: SandboxStore) -> None:
    """Four simultaneous runs, twice (step 1, then step 2 a day later): one works, the others exit 75; no duplicates."""
    orders = [failed_order(store, f"buyer{i}@example.com", hours_ago=2) for i in range(4)]
    with SmtpServer(username="shop", password=SMTP_PASSWORD) as smtp:
        config = write_config(tmp_path, store.url, smtp_port=smtp.port)
        for hours, step in ((0, 1), (25, 2)):
            moment = NOW + timedelta(hours=hours)
            store.set_now(moment)
            procs = [start(["run"], config=config, now=moment) for _ in range(4)]
            results = [finish(p) for p in procs]
            codes = sorted(r.returncode for r in results)
            assert 0 in codes and set(codes) <= {0, 75}, [r.stderr for r in results]
            for r in results:
                assert "Traceback" not in r.stderr
                if r.returncode == 75:
                    assert "another wcrecall run" in r.stderr
            # Whatever the lock kept out is done by the next ordinary tick.
            assert cli(["run"], config=config, now=moment + timedelta(minutes=10)).exit_code == 0
            assert deliveries(smtp) == {(o, n): 1 for o in orders for n in range(1, step + 1)}
