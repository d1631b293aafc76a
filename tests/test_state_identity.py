"""A state belongs to one store and one config: it refuses another store, and an older default place is adopted."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from e2e import NOW, cli, failed_order, write_config

from wcrecall.sandbox import SandboxStore
from wcrecall.state import privacy
from wcrecall.state.db import State, store_identity


def _outbox_count(folder: Path) -> int:
    return len(list(folder.glob("*.eml")))


def test_switching_store_url_refuses_the_old_state(tmp_path: Path, store: SandboxStore) -> None:
    """store.url changed from staging to production with the same state: exit 2 naming both stores, nothing sent;
    status refuses too, and doctor shows it as a FAIL."""
    failed_order(store, "ana@example.com")
    config = write_config(tmp_path, store.url, outbox=tmp_path / "out")
    assert cli(["run"], config=config, now=NOW).exit_code == 0
    with SandboxStore() as production:
        production.set_now(NOW)
        failed_order(production, "ben@example.com", hours_ago=26)  # reminder 2 would be due for a known order id
        config = write_config(tmp_path, production.url, outbox=tmp_path / "out")
        result = cli(["run"], config=config, now=NOW)
        status = cli(["status"], config=config, now=NOW)
        doctor = cli(["doctor"], config=config, now=NOW)
        assert store_identity(store.url) in result.stderr and store_identity(production.url) in result.stderr
    assert result.exit_code == 2
    assert "state.path" in result.stderr
    assert status.exit_code == 2
    assert doctor.exit_code == 1 and "FAIL  state file: state.path:" in doctor.stdout
    assert _outbox_count(tmp_path / "out") == 1


def test_state_without_a_store_adopts_the_first_one_it_meets(tmp_path: Path, store: SandboxStore) -> None:
    """A state from before identities adopts the current store once, and refuses another one afterwards."""
    failed_order(store, "ana@example.com")
    old = State(tmp_path / "shop.state.json").load()
    old.set_meta(watermark=NOW.isoformat())
    old.save()
    old.close()
    assert "store" not in json.loads((tmp_path / "shop.state.json").read_text())["meta"]["1"]
    config = write_config(tmp_path, store.url, outbox=tmp_path / "out")
    assert cli(["run"], config=config, now=NOW).exit_code == 0
    config = write_config(tmp_path, "http://127.0.0.1:9", outbox=tmp_path / "out")
    assert cli(["run", "--dry-run"], config=config, now=NOW).exit_code == 2


def _config_without_state_path(folder: Path, url: str, outbox: Path) -> Path:
    config = write_config(folder, url, outbox=outbox)
    text = config.read_text().split("[state]")[0]
    config.write_text(text)
    return config


def test_state_at_the_old_default_place_is_moved_not_replaced(
    tmp_path: Path, store: SandboxStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An owner's state at `<data dir>/shop.state.json` (older default) is used and moved: a buyer suppressed there
    stays suppressed, and its recalls are still shown."""
    data = tmp_path / "data"
    monkeypatch.setenv("XDG_DATA_HOME", str(data))
    env = {"XDG_DATA_HOME": str(data)}
    (tmp_path / "conf").mkdir()
    config = _config_without_state_path(tmp_path / "conf", store.url, tmp_path / "out")
    old_path = data / "wcrecall" / "shop.state.json"
    old = State(old_path).load()
    privacy.suppress_email(old, "ana@example.com", "asked us by phone")
    old.save()
    old.close()
    failed_order(store, "ana@example.com")

    listed = cli(["suppress", "list"], config=config, now=NOW, env=env)
    assert listed.exit_code == 0 and "asked us by phone" in listed.stdout  # read where it is
    assert old_path.exists()
    assert cli(["run"], config=config, now=NOW, env=env).exit_code == 0
    assert _outbox_count(tmp_path / "out") == 0  # the suppression came along
    assert not old_path.exists()
    moved = list((data / "wcrecall").glob("shop-*.state.json"))
    assert len(moved) == 1
    assert "asked us by phone" in cli(["suppress", "list"], config=config, now=NOW, env=env).stdout


def test_relative_state_path_is_one_state_for_cron_and_a_manual_run(
    tmp_path: Path, store: SandboxStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A relative state.path is beside the config, whatever the current directory of the run."""
    (tmp_path / "conf").mkdir()
    (tmp_path / "elsewhere").mkdir()
    config = _config_without_state_path(tmp_path / "conf", store.url, tmp_path / "out")
    config.write_text(config.read_text() + '[state]\npath = "shop.state.json"\n')
    failed_order(store, "ana@example.com")
    monkeypatch.chdir(tmp_path / "elsewhere")
    assert cli(["run"], config=config, now=NOW).exit_code == 0
    assert (tmp_path / "conf" / "shop.state.json").exists()
    assert not (tmp_path / "elsewhere" / "shop.state.json").exists()
