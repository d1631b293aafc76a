"""A large state file loads fast without loosening its checks: records of a layout already found valid skip the
per-field type checks (model/records.py `_checked`), but every time is still parsed and must carry a zone, a record
of another layout is checked field by field, and what is built equals what `__init__` builds."""

from __future__ import annotations

import gc
import json
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from e2e import NOW, cli, failed_order, write_config
from smtp_server import SmtpServer

from wcrecall.model.records import SENT, Recall, Step
from wcrecall.recall import tick
from wcrecall.sandbox import SandboxStore
from wcrecall.state.db import State

MANY = 300
QUIET_OFF = '[regional]\nquiet_hours = "off"\n'


def make(order_id: int) -> Recall:
    return Recall(
        id=order_id, number=str(order_id), kind="failed", status="failed", email_hash=f"{order_id:032x}",
        email_masked="b***@example.com", customer_id=0, country="US", currency="USD", total="10.00",
        created="2026-11-26T10:00:00+00:00", opened="2026-11-26T10:05:00+00:00", planned=3,
        next_due="2026-11-27T10:00:00+00:00",
        steps=[Step(n=1, state=SENT, at="2026-11-26T11:00:00+00:00", msgid=f"<{order_id}.1@x>", noted=True)],
    )  # fmt: skip


def write(path: Path, records: list[dict[str, object]]) -> None:
    meta = {"schema": 2, "hash_key": "ab" * 32, "watermark": "2026-11-26T11:00:00+00:00"}
    path.write_text(json.dumps({"meta": {"1": meta}, "recalls": {str(r["id"]): r for r in records}}))


def many(**last: object) -> list[dict[str, object]]:
    """MANY recalls of one layout, the last one changed by `last`."""
    records = [make(100 + i).to_dict() for i in range(MANY)]
    records[-1] = {**records[-1], **last}
    return records


def assert_lost(path: Path) -> None:
    state = State(path).load()
    assert state.rebuilt and state.recalls == {}
    assert len(state.problems) == 1 and "kept as" in state.problems[0]


@pytest.mark.parametrize(
    "last",
    [
        {"created": "2026-11-26T10:00:00"},  # same layout as the rest, but no time zone
        {"next_due": "2026-11-27T10:00"},
        {"opened": "tomorrow"},  # same layout, a time that does not parse
        {"steps": [{"n": 1, "state": SENT, "at": "2026-11-26T11:00:00", "msgid": "<m>", "noted": True, "why": ""}]},
        {"customer_id": "0"},  # another layout: a field of the wrong type
        {"end_noted": 1},
        {"customer_id": True},  # a bool is an int to isinstance, never to the state
        {"steps": [{"n": "1", "state": SENT, "at": "2026-11-26T11:00:00+00:00"}]},
    ],
)
def test_one_bad_record_after_many_good_ones_is_still_refused(tmp_path: Path, last: dict[str, object]) -> None:
    good, bad = tmp_path / "good.json", tmp_path / "s.json"
    write(good, many())
    assert len(State(good).load().recalls) == MANY  # the layout is known valid from here on
    write(bad, many(**last))
    assert_lost(bad)


def test_records_built_without_init_equal_what_init_builds(tmp_path: Path) -> None:
    path = tmp_path / "s.json"
    records = many()
    write(path, records)
    for _ in range(2):  # the second load builds every record from a known layout
        loaded = State(path).load().recalls
        assert [loaded[r.id] for r in map(make, range(100, 100 + MANY))] == list(map(make, range(100, 100 + MANY)))
        assert [loaded[int(str(r["id"]))].to_dict() for r in records] == records  # same fields, same order
        assert all(type(s) is Step for r in loaded.values() for s in r.steps)


def test_a_known_layout_with_missing_and_unknown_keys_gets_the_defaults(tmp_path: Path) -> None:
    """An older or newer file: missing keys take the dataclass's defaults, unknown keys go."""
    rec = make(7).to_dict()
    for key in ("warning", "zone", "outcome"):
        del rec[key]
    rec["from_the_future"] = 1
    step = {"n": 1, "state": SENT, "at": "2026-11-26T11:00:00+00:00"}
    first = Recall.from_dict({**rec, "steps": [step]})
    second = Recall.from_dict({**rec, "id": 8, "steps": [step]})  # a known layout now
    for recall in (first, second):
        assert (recall.warning, recall.zone, recall.outcome) == ("", "", "open")
        assert recall.steps == [Step(n=1, state=SENT, at="2026-11-26T11:00:00+00:00")]
        assert list(recall.to_dict()) == list(make(7).to_dict())
    missing = {k: v for k, v in rec.items() if k != "number"}
    for _ in range(2):
        with pytest.raises(TypeError):  # a required field missing: refused every time, never cached
            Recall.from_dict(missing)


@pytest.mark.parametrize("enabled", [True, False])
def test_loading_leaves_the_cycle_collector_as_it_was(tmp_path: Path, enabled: bool) -> None:
    path = tmp_path / "s.json"
    write(path, many())
    (gc.enable if enabled else gc.disable)()
    try:
        State(path).load()
        assert gc.isenabled() is enabled
        path.write_text("{not json")
        assert State(path).load().rebuilt
        assert gc.isenabled() is enabled
    finally:
        gc.enable()


def test_a_tick_over_many_open_recalls_sends_what_is_due_longest_waiting_first(
    tmp_path: Path, store: SandboxStore, smtp: SmtpServer
) -> None:
    """Six batches of four buyers, each batch mailed its first reminder half an hour after the one before: a tick
    24 h 10 min after the first batch sends reminder 2 (due 23 h after a late reminder 1) to exactly the first three
    batches,
    the longest waiting first (an order id breaks a tie), and leaves the others open and unplanned for later."""
    config = write_config(tmp_path, store.url, smtp_port=smtp.port, extra=QUIET_OFF)
    batches: list[list[int]] = []
    for k in range(6):
        at = NOW + timedelta(minutes=30 * k)
        store.set_now(at)
        batches.append([failed_order(store, f"buyer{k}.{j}@example.com", hours_ago=1.5) for j in range(4)])
        assert cli(["run"], config=config, now=at).exit_code == 0
    assert len(smtp.messages) == 24
    del smtp.messages[:]

    later = NOW + timedelta(hours=24, minutes=10)
    store.set_now(later)
    result = cli(["run"], config=config, now=later)

    assert result.exit_code == 0, result.stderr
    sent = [f"buyer{k}.{j}@example.com" for k in range(3) for j in range(4)]  # due at +23 h, +23.5 h, +24 h
    assert [m.rcpt_tos[0] for m in smtp.messages] == sent
    bodies = [m.message.get_body(("html",)) for m in smtp.messages]
    assert all(body is not None and "utm_content=step-2" in body.get_content() for body in bodies)
    state = State(tmp_path / "shop.state.json", read_only=True).load()
    waiting = sorted(r.id for r in state.recalls.values() if r.is_open and len(r.sent_steps) == 1)
    assert waiting == sorted(i for batch in batches[3:] for i in batch)


def test_the_snapshot_leaves_out_defaults_and_reads_back_the_same(tmp_path: Path) -> None:
    """Fields that hold their default are not written to the snapshot (a quarter of a typical open recall); the
    loader, and an older one building records by `__init__`, fills them in."""
    path = tmp_path / "s.json"
    state = State(path).load()
    recalls = [make(100 + i) for i in range(MANY)]
    recalls[0].end_noted, recalls[0].max_steps, recalls[0].steps[0].noted = False, 2, False
    for recall in recalls:
        state.put(recall)
    state.save(compact=True)
    state.close()
    written = json.loads(path.read_text())["recalls"]
    assert "warning" not in written["101"] and "why" not in written["101"]["steps"][0]
    assert written["101"]["steps"][0]["noted"] is True and "end_noted" not in written["101"]
    assert written["100"]["end_noted"] is False and written["100"]["max_steps"] == 2
    assert "noted" not in written["100"]["steps"][0]
    assert len(path.read_bytes()) < 0.8 * sum(len(json.dumps(r.to_dict())) for r in recalls)
    for _ in range(2):
        assert sorted(State(path).load().recalls.values(), key=lambda r: r.id) == recalls
    older = [Recall(**{**rec, "steps": [Step(**s) for s in rec["steps"]]}) for rec in written.values()]
    assert sorted(older, key=lambda r: r.id) == recalls


def test_a_tick_sets_its_loaded_state_aside_from_the_cycle_collector_and_takes_it_back(
    tmp_path: Path, store: SandboxStore, smtp: SmtpServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    """While a tick runs, the state it loaded is out of the cycle collector's full passes (gc.freeze); when it ends,
    whether it worked or stopped on a refused key, nothing is left frozen."""
    seen: list[int] = []
    real = tick.may_be_due

    def watching(*args: Any, **kwargs: Any) -> list[Recall]:
        seen.append(gc.get_freeze_count())
        return real(*args, **kwargs)

    monkeypatch.setattr(tick, "may_be_due", watching)
    failed_order(store, "ana@example.com", hours_ago=2)
    config = write_config(tmp_path, store.url, smtp_port=smtp.port, extra=QUIET_OFF)
    assert cli(["run"], config=config, now=NOW).exit_code == 0
    assert len(smtp.messages) == 1 and seen and seen[0] > 0
    assert gc.get_freeze_count() == 0

    refused = write_config(tmp_path, store.url, smtp_port=smtp.port, secret="cs_wrong", name="refused.toml")
    assert cli(["run"], config=refused, now=NOW).exit_code != 0
    assert gc.get_freeze_count() == 0
