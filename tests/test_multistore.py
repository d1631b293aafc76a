"""Several stores from one install: `run --all` and `status --all` over every config in the folder."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path

import pytest
from e2e import NOW, cli, failed_order, write_config
from smtp_server import SmtpServer
from subproc import deliveries

from wcrecall.cli.multistore import worst_exit
from wcrecall.sandbox import SandboxStore


@pytest.mark.parametrize(("codes", "worst"), [([0, 0], 0), ([0, 75], 75), ([75, 1], 1), ([1, 2, 75], 2), ([], 0)])
def test_exit_code_is_the_worst_store(codes: list[int], worst: int) -> None:
    """2 beats 1 beats 75 beats 0."""
    assert worst_exit(codes) == worst


def test_run_all_runs_every_store_and_a_failing_one_does_not_stop_the_others(tmp_path: Path) -> None:
    """Two good stores are mailed, a store with a wrong secret is reported by name, exit code 2."""
    folder = tmp_path / "config" / "wcrecall"
    folder.mkdir(parents=True)
    with SandboxStore() as one, SandboxStore() as two:
        for store in (one, two):
            store.set_now(NOW)
        a = failed_order(one, "ana@example.com")
        b = failed_order(two, "ben@example.com")
        write_config(folder, one.url, name="a-shop.toml", outbox=tmp_path / "out-a")
        write_config(folder, two.url, name="c-shop.toml", outbox=tmp_path / "out-c")
        write_config(folder, two.url, name="b-broken.toml", secret="cs_" + "0" * 40)
        env = {"XDG_CONFIG_HOME": str(tmp_path / "config")}
        result = cli(["run", "--all"], config=None, now=NOW, env=env)
        assert result.exit_code == 2
        assert result.stderr.startswith("b-broken.toml: Error: the store refused the API key")
        assert len(list((tmp_path / "out-a").glob("*.eml"))) == 1
        assert len(list((tmp_path / "out-c").glob("*.eml"))) == 1
        assert any(str(n["note"]).startswith("wcrecall:") for n in one.notes(a))
        assert any(str(n["note"]).startswith("wcrecall:") for n in two.notes(b))

        status = cli(["status", "--all", "--json"], config=None, now=NOW, env=env)
    data = json.loads(status.stdout)
    assert sorted(data) == ["a-shop.toml", "b-broken.toml", "c-shop.toml"]
    assert data["a-shop.toml"]["summary"]["recalls"] == 1 and data["b-broken.toml"]["summary"]["recalls"] == 0


def test_status_all_prints_one_section_per_store(tmp_path: Path) -> None:
    """Without --json each store's table comes under its config name."""
    write_config(tmp_path, "http://127.0.0.1:9", name="one.toml")
    write_config(tmp_path, "http://127.0.0.1:9", name="two.toml")
    result = cli(["status", "--all"], config=tmp_path / "one.toml", now=NOW)
    assert result.exit_code == 0, result.stderr
    assert "== one.toml" in result.stdout and "== two.toml" in result.stdout


def test_run_all_with_no_config_is_an_error(tmp_path: Path) -> None:
    """An empty folder: exit 2 and say how to create a config."""
    result = cli(["run", "--all"], config=tmp_path / "x.toml", now=NOW)
    assert result.exit_code == 2 and "wcrecall init" in result.stderr


def test_two_configs_for_one_store_send_each_step_once(tmp_path: Path, store: SandboxStore, smtp: SmtpServer) -> None:
    """`run --all` with two configs (two states) for one store: before each send the order's notes are read, and a
    step another state already sent is recorded, not sent again."""
    folder = tmp_path / "config" / "wcrecall"
    folder.mkdir(parents=True)
    order_id = failed_order(store, "ana@example.com", hours_ago=2)
    for name in ("a-shop.toml", "b-shop.toml"):
        write_config(folder, store.url, smtp_port=smtp.port, name=name)
    env = {"XDG_CONFIG_HOME": str(tmp_path / "config")}
    for hours in (0, 25, 73):
        moment = NOW + timedelta(hours=hours)
        store.set_now(moment)
        result = cli(["run", "--all"], config=None, now=moment, env=env)
        assert result.exit_code == 0, result.stderr
    assert deliveries(smtp) == {(order_id, 1): 1, (order_id, 2): 1, (order_id, 3): 1}
    status = cli(["status", "--all", "--json"], config=None, now=moment, env=env)
    for name in ("a-shop.toml", "b-shop.toml"):
        steps = json.loads(status.stdout)[name]["recalls"][0]["steps"]
        assert [s["n"] for s in steps if s["state"] == "sent"] == [1, 2, 3], (name, steps)


def test_step_is_not_sent_when_the_notes_cannot_be_read(tmp_path: Path, store: SandboxStore, smtp: SmtpServer) -> None:
    """The pre-send notes read fails: that step waits for the next tick (reported), and goes out once then."""
    order_id = failed_order(store, "ana@example.com", hours_ago=2)
    config = write_config(tmp_path, store.url, smtp_port=smtp.port)
    assert cli(["run"], config=config, now=NOW).exit_code == 0
    moment = NOW + timedelta(hours=25)
    store.set_now(moment)
    store.inject("http_500", times=50, path=r"/orders/\d+/notes")
    failed = cli(["run"], config=config, now=moment, env={"WCRECALL_STORE_MAX_RETRY_TIME": "0"})
    store.clear_faults()
    assert failed.exit_code == 1
    assert f"order {order_id}: reminder 2 not sent this tick" in failed.stderr
    assert deliveries(smtp) == {(order_id, 1): 1}
    assert cli(["run"], config=config, now=moment + timedelta(minutes=10)).exit_code == 0
    assert deliveries(smtp) == {(order_id, 1): 1, (order_id, 2): 1}
