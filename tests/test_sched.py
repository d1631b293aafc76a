"""When reminders may go out and what the owner is told about them: quiet hours at the moment of sending, hold stock,
what counts as recovered, and one bad order never stopping the others. End to end through the CLI."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

from e2e import cli, failed_order, write_config
from smtp_server import SmtpServer

from wcrecall.sandbox import SandboxStore


def test_an_overdue_step_waits_while_it_is_night_for_the_buyer(
    tmp_path: Path, store: SandboxStore, smtp: SmtpServer
) -> None:
    """A first run at 00:50 in Mexico City finds reminder 1 overdue (it fell due at 15:50 local): it is not sent in
    the night but when the buyer's quiet hours end at 08:00 local."""
    night = datetime(2026, 11, 26, 6, 50, tzinfo=UTC)  # 00:50 in Mexico City (UTC-6)
    store.set_now(night)
    order_id = failed_order(store, "ana@example.mx", hours_ago=10, billing={"country": "MX", "state": "CMX"})
    config = write_config(tmp_path, store.url, smtp_port=smtp.port)

    first = cli(["run"], config=config, now=night)

    assert first.exit_code == 0, first.stderr
    assert smtp.messages == []
    row = json.loads(cli(["status", "--json"], config=config, now=night).stdout)["recalls"][0]
    assert row["order"] == order_id and row["next_due"].startswith("2026-11-26T14:00")
    morning = datetime(2026, 11, 26, 14, 0, tzinfo=UTC)  # 08:00 in Mexico City
    store.set_now(morning)
    assert cli(["run"], config=config, now=morning).exit_code == 0
    assert [m.rcpt_tos for m in smtp.messages] == [("ana@example.mx",)]
