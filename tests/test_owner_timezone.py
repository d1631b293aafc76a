"""Owner times in the owner's time zone: `owner.timezone`, else the store's own (read from WordPress's REST index
once and kept beside the state), else UTC with a doctor warning."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from e2e import NOW, cli, failed_order, write_config

from wcrecall import i18n
from wcrecall.sandbox import SandboxStore


@pytest.fixture(autouse=True)
def english_afterwards() -> Iterator[None]:
    yield
    i18n.activate("en", UTC)


@pytest.fixture
def shanghai() -> Iterator[SandboxStore]:
    with SandboxStore(timezone="Asia/Shanghai") as sandbox:
        sandbox.set_now(NOW)
        yield sandbox


def next_due(config: Path) -> datetime:
    data = json.loads(cli(["status", "--json"], config=config, now=NOW).stdout)
    return datetime.fromisoformat(data["recalls"][0]["next_due"])


def test_status_shows_times_in_the_stores_time_zone(tmp_path: Path, shanghai: SandboxStore) -> None:
    failed_order(shanghai, "ana@example.com")
    config = write_config(tmp_path, shanghai.url)
    assert cli(["run"], config=config, now=NOW).exit_code == 0
    assert "UTC" in cli(["status"], config=config, now=NOW).stdout  # a run alone does not ask the store's zone
    assert cli(["doctor"], config=config, now=NOW).exit_code == 0  # doctor reads it and keeps it (as init does)
    due = next_due(config)
    table = cli(["status"], config=config, now=NOW).stdout
    assert due.astimezone(ZoneInfo("Asia/Shanghai")).strftime("%Y-%m-%d %H:%M") in table
    assert due.astimezone(UTC).strftime("%Y-%m-%d %H:%M") not in table
    assert (tmp_path / "shop.state.json.store-zone").read_text(encoding="utf-8") == "Asia/Shanghai"


def test_owner_timezone_wins_over_the_stores(tmp_path: Path, shanghai: SandboxStore) -> None:
    failed_order(shanghai, "ana@example.com")
    config = write_config(tmp_path, shanghai.url, extra='\n[owner]\ntimezone = "Europe/Berlin"\n')
    assert cli(["run"], config=config, now=NOW).exit_code == 0
    table = cli(["status"], config=config, now=NOW).stdout
    assert next_due(config).astimezone(ZoneInfo("Europe/Berlin")).strftime("%Y-%m-%d %H:%M") in table
    doctor = " ".join(cli(["doctor"], config=config, now=NOW).stdout.split())
    assert "owner time zone: Europe/Berlin (owner.timezone)" in doctor


def test_doctor_names_the_stores_time_zone(tmp_path: Path, shanghai: SandboxStore) -> None:
    doctor = " ".join(cli(["doctor"], config=write_config(tmp_path, shanghai.url), now=NOW).stdout.split())
    assert "owner time zone: Asia/Shanghai (the store's time zone, read from WordPress)" in doctor


def test_an_unknown_owner_timezone_is_a_config_error_naming_the_key(tmp_path: Path, shanghai: SandboxStore) -> None:
    config = write_config(tmp_path, shanghai.url, extra='\n[owner]\ntimezone = "Mars/Olympus"\n')
    result = cli(["status"], config=config, now=NOW)
    assert result.exit_code == 2 and "owner.timezone" in result.stderr
