"""Uplift measured by the randomized holdout, end to end: simulated buyers with a known effect of a reminder, the
product's own ticks over the sandbox store, then `report --json`; and `status` and `report` count recovered orders
the same way on the same state (this simulation's, and the demo's).

The buyer model (the test plays the buyers): a buyer who gets no reminder pays by themselves with probability P0, some
hours to days after the order; a buyer who gets a reminder pays with probability P1, two hours after it. So the true
uplift in "paid within 7 days" is P1 - P0, and the interval `report` gives must hold it.
"""

from __future__ import annotations

import json
import random
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from e2e import cli, failed_order, write_config

from wcrecall.config.settings import load_settings
from wcrecall.recall.holdout import key_path
from wcrecall.recall.tick import run_tick
from wcrecall.sandbox import DEFAULT_CONSUMER_KEY, DEFAULT_CONSUMER_SECRET, SandboxStore, seed_demo
from wcrecall.setup import demo

T0 = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)
P0, P1 = 0.2, 0.5  # paid within 7 days without / with a reminder
ORDERS = 360
KEY = bytes.fromhex("5a" * 32)
SIMULATION = """
[recall]
holdout = {share}
[recall.delays]
failed = ["1h"]
pending = ["30m"]
[routing]
delays = {{}}
[regional]
quiet_hours = "off"
"""


@dataclass
class Simulation:
    config: Path
    store: SandboxStore
    end: datetime
    reminded: set[int]
    orders: list[int]


def _reminded(outbox: Path) -> set[int]:
    return {int(m[1]) for p in outbox.glob("*.eml") if (m := re.search(r"-order(\d+)-step1", p.name))}


def _luck() -> Iterator[float]:
    """The buyers' luck, one after the other: a low-discrepancy sequence (k times the golden ratio, mod 1), so that
    whichever orders the holdout picks (its draw depends on the store's address, and so on the sandbox's port), each
    group pays at its rate to within a buyer or two."""
    k = 0
    while True:
        k += 1
        yield (k * 0.6180339887498949) % 1.0


def simulate(tmp_path: Path, share: float, *, seed: int = 14, orders: int = ORDERS) -> Iterator[Simulation]:
    """Place `orders` failed orders at T0, let the product tick (every 6 h, and right after the first step is due)
    for 9 days while the simulated buyers pay (module docstring)."""
    rng = random.Random(seed)
    with SandboxStore() as store:
        store.set_now(T0)
        config = write_config(tmp_path, store.url, extra=SIMULATION.format(share=share))
        settings = load_settings(config, env={})
        key_path(settings.state_path).parent.mkdir(parents=True, exist_ok=True)
        key_path(settings.state_path).write_text(KEY.hex() + "\n")  # a fixed key: the same draw on every run
        ids = [
            failed_order(
                store, f"buyer{i}@example.com", hours_ago=0, customer_ip_address=f"198.51.{i // 200}.{i % 200}"
            )
            for i in range(orders)
        ]
        natural_delay = {oid: timedelta(hours=rng.uniform(3, 96)) for oid in ids}
        outbox = tmp_path / "outbox"
        with_reminder, without = _luck(), _luck()
        pays: dict[int, datetime] = {}
        reminded: set[int] = set()
        moments = [T0, T0 + timedelta(hours=1, minutes=5)] + [T0 + timedelta(hours=6 * k) for k in range(1, 37)]
        for now in moments:
            for oid in sorted(pays, key=pays.__getitem__):
                if pays[oid] <= now:
                    store.set_now(pays.pop(oid))
                    store.pay(oid)
            store.set_now(now)
            result = cli(["run"], config=config, now=now)
            assert result.exit_code == 0, result.stderr
            for oid in sorted(_reminded(outbox) - reminded):  # a buyer reads the reminder and decides
                reminded.add(oid)
                if next(with_reminder) < P1:
                    pays[oid] = now + timedelta(hours=2)
            if now == moments[1]:  # the first step was due: every order is decided (reminded or held out)
                for oid in ids:
                    if oid not in reminded and next(without) < P0:
                        pays[oid] = T0 + natural_delay[oid]
        yield Simulation(config, store, moments[-1], reminded, ids)


@pytest.fixture(scope="module")
def held_out_run(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Simulation]:
    yield from simulate(tmp_path_factory.mktemp("holdout"), 0.5)


def test_the_reported_uplift_interval_holds_the_true_uplift(held_out_run: Simulation) -> None:
    sim = held_out_run
    result = cli(["report", "--json", "--no-store", "--since", "30d"], config=sim.config, now=sim.end)
    assert result.exit_code == 0, result.stderr
    up = json.loads(result.stdout)["uplift"]
    assert up is not None
    assert up["reminded"] + up["held_out"] == ORDERS and up["reminded"] == len(sim.reminded)
    assert 0.35 < up["held_out"] / ORDERS < 0.65
    assert up["low"] <= P1 - P0 <= up["high"]
    assert up["low"] > 0  # reminders help, and the interval says so
    assert "Newcombe" in up["method"]
    text = cli(["report", "--no-store", "--since", "30d"], config=sim.config, now=sim.end).stdout
    assert "Randomized holdout:" in text and "95% interval" in text


@pytest.mark.parametrize("offset", [timedelta(0), -timedelta(days=10)], ids=["at the end", "clock behind"])
def test_status_and_report_count_the_same_recovered_orders_on_the_simulation(
    held_out_run: Simulation, offset: timedelta
) -> None:
    """The same state read at the end of the simulation, and with a clock behind every recall's opening (a state
    written by simulated days, or by a host whose clock ran ahead): today `report` dropped those recalls."""
    now = held_out_run.end + offset
    status = json.loads(cli(["status", "--json"], config=held_out_run.config, now=now).stdout)
    report = json.loads(cli(["report", "--json", "--no-store"], config=held_out_run.config, now=now).stdout)
    assert status["summary"]["recovered"] == report["recovered"] > 0
    since = json.loads(cli(["status", "--json", "--since", "30d"], config=held_out_run.config, now=now).stdout)
    assert since["summary"]["recovered"] == report["recovered"]


def test_report_without_a_holdout_prints_no_uplift_figure(tmp_path: Path) -> None:
    """No holdout: no uplift at all, a plain sentence, and the rate before wcrecall beside the recovered rate."""
    with SandboxStore() as store:
        store.set_now(T0)
        # Before wcrecall: one buyer paid a new order by themselves the next day, one never did.
        failed_order(store, "early@example.com", hours_ago=24 * 6)
        store.create_order(status="processing", billing={"email": "early@example.com"},
                           date_created=T0 - timedelta(days=5), date_paid=T0 - timedelta(days=5))  # fmt: skip
        failed_order(store, "never@example.com", hours_ago=24 * 10)
        paying = [failed_order(store, f"buyer{i}@example.com", hours_ago=2) for i in range(4)]
        config = write_config(tmp_path, store.url, extra='\n[regional]\nquiet_hours = "off"\n')
        assert cli(["run"], config=config, now=T0).exit_code == 0
        later = T0 + timedelta(hours=3)
        store.set_now(later)
        store.pay(paying[0])
        assert cli(["run"], config=config, now=later).exit_code == 0

        judged = T0 + timedelta(days=8)  # the four reminded orders' 7 days have passed: the rate counts them
        text = cli(["report"], config=config, now=judged)
        data = json.loads(cli(["report", "--json"], config=config, now=judged).stdout)

    assert text.exit_code == 0, text.stderr
    assert data["uplift"] is None and "uplift_points" not in data
    assert "uplift:" not in text.stdout.lower() and "percentage points" not in text.stdout
    assert "Uplift cannot be measured without recall.holdout" in text.stdout
    assert data["natural_recovery"]["episodes_judged"] == 2 and data["natural_recovery"]["recovered"] == 1
    assert "Before wcrecall, 50.0% of buyers" in text.stdout and "25.0% recovered" in text.stdout


def test_status_and_report_count_the_same_recovered_orders_on_the_demo_state(tmp_path: Path) -> None:
    """The demo's loop (setup/demo.py: its seed, config and ticks every 10 minutes) with its state kept."""
    start = T0
    with SandboxStore() as store:
        seed = seed_demo(store, start)
        config = tmp_path / "demo.toml"
        store_section = demo.STORE.format(url=store.url, key=DEFAULT_CONSUMER_KEY, secret=DEFAULT_CONSUMER_SECRET)
        config.write_text(demo.CONFIG.format(store=store_section, outbox=(tmp_path / "out").as_posix(),
                                             state=(tmp_path / "demo.state.json").as_posix()), encoding="utf-8")  # fmt: skip
        config.chmod(0o600)
        settings = load_settings(config, env={})
        pay_at: datetime | None = None
        now = start
        while now <= start + timedelta(days=2):
            store.set_now(now)
            if pay_at is not None and now >= pay_at:
                store.pay(seed.pays_after_first_email)
                pay_at = None
            for line in run_tick(settings, now=now).lines:
                if pay_at is None and line.startswith(f"order {seed.pays_after_first_email}: sent reminder 1"):
                    pay_at = now + timedelta(hours=2)
            now += demo.TICK
        for when in (now, start - timedelta(hours=1)):
            status = json.loads(cli(["status", "--json"], config=config, now=when).stdout)
            report = json.loads(cli(["report", "--json", "--no-store"], config=config, now=when).stdout)
            assert status["summary"]["recovered"] == report["recovered"] == 1
