"""A tick plans only the recalls that may be due: an open recall whose stored next step lies in the future, under the
same rules, is left alone (with 10,000 open recalls that is most of a tick's local work). A change of the rules
(delays, quiet hours, caps, a new version) re-plans every recall once, so the stored times never hide a sooner step.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from e2e import NOW, cli, failed_order, write_config
from smtp_server import SmtpServer

from wcrecall.recall import tick
from wcrecall.sandbox import SandboxStore

QUIET_OFF = '[regional]\nquiet_hours = "off"\n'


@pytest.fixture
def planned(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[int]]:
    """The order ids the tick plans, in the order it plans them (the planner itself is unchanged)."""
    seen: list[int] = []
    real = tick.plan

    def counting(recall: Any, **given: Any) -> Any:
        seen.append(recall.id)
        return real(recall, **given)

    monkeypatch.setattr(tick, "plan", counting)
    yield seen


def test_a_tick_leaves_recalls_whose_next_step_is_not_due_unplanned(
    tmp_path: Path, store: SandboxStore, smtp: SmtpServer, planned: list[int]
) -> None:
    ids = [failed_order(store, f"buyer{i}@example.com", hours_ago=2) for i in range(3)]
    config = write_config(tmp_path, store.url, smtp_port=smtp.port, extra=QUIET_OFF)
    assert cli(["run"], config=config, now=NOW).exit_code == 0
    assert len(smtp.messages) == 3  # reminder 1 each; reminder 2 is a day later
    planned.clear()

    later = NOW + timedelta(hours=1)
    store.set_now(later)
    result = cli(["run"], config=config, now=later)

    assert result.exit_code == 0, result.stderr
    assert not set(ids) & set(planned), f"planned again though nothing was due: {planned}"
    assert len(smtp.messages) == 3


def test_shorter_delays_in_the_config_re_plan_every_recall(
    tmp_path: Path, store: SandboxStore, smtp: SmtpServer, planned: list[int]
) -> None:
    order_id = failed_order(store, "ana@example.com", hours_ago=2)
    config = write_config(tmp_path, store.url, smtp_port=smtp.port, extra=QUIET_OFF)
    assert cli(["run"], config=config, now=NOW).exit_code == 0
    assert len(smtp.messages) == 1

    sooner = (
        QUIET_OFF + '\n[routing]\ndelays = { issuer_generic = ["1h", "3h", "72h"] }\n\n[throttle]\nmin_gap = "1h"\n'
    )
    config = write_config(tmp_path, store.url, smtp_port=smtp.port, extra=sooner)
    later = NOW + timedelta(hours=2)
    store.set_now(later)
    result = cli(["run"], config=config, now=later)

    assert result.exit_code == 0, result.stderr
    assert order_id in planned
    assert len(smtp.messages) == 2, result.stdout
