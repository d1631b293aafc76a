"""Several stores from one install: `run --all` and `status --all` over every config in the folder."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from e2e import NOW, cli, failed_order, write_config

from wcrecall.multistore import worst_exit
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
