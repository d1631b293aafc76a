"""Never twice: `wcrecall run` killed with SIGKILL at failpoints and at random moments, then the next tick runs.

Each trial advances the simulated clock, adds new failed orders, runs a tick as a real process that is killed (at a
failpoint, or from outside after a random delay while the store answers slowly), checks that the state loads, and runs
the next normal tick. Over the whole run: no (order, step) reaches the SMTP server twice, and every step that was due
is delivered or recorded with a reason (skipped, or uncertain: the run died between the claim and the record).

The fast subset (unmarked) runs in `make test`; the 200-trial run is marked `faults` (`make test-faults`).
"""

from __future__ import annotations

import json
import random
from collections import Counter
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from e2e import NOW, cli, failed_order, write_config
from smtp_server import SmtpServer
from subproc import deliveries, finish, start

from wcrecall.model.records import SENT, SKIPPED, UNCERTAIN, from_iso
from wcrecall.recall.failpoints import POINTS, armed
from wcrecall.sandbox import SandboxStore
from wcrecall.sandbox import server as sandbox_server
from wcrecall.state.db import State

POINT_LIST = sorted(POINTS)


@pytest.fixture
def store(monkeypatch: pytest.MonkeyPatch) -> Iterator[SandboxStore]:
    # A killed client leaves the store's handler thread with a reset socket; socketserver would print that
    # traceback into the captured stderr of the next in-process tick.
    monkeypatch.setattr(sandbox_server._Server, "handle_error", lambda self, request, address: None)
    with SandboxStore() as sandbox:
        sandbox.set_now(NOW)
        yield sandbox


def crash_campaign(
    tmp_path: Path, store: SandboxStore, smtp: SmtpServer, *, trials: int, seed: int
) -> dict[str, object]:
    """Run `trials` killed ticks, each followed by a normal one; check the invariants; return the tallies."""
    rng = random.Random(seed)
    # Quiet hours off: the campaign's clock jumps through whole days, and a step held for the night is a kill missed.
    config = write_config(tmp_path, store.url, smtp_port=smtp.port, extra='[regional]\nquiet_hours = "off"\n')
    state_path = tmp_path / "shop.state.json"
    kills: Counter[str] = Counter()
    missed: Counter[str] = Counter()
    refused: dict[str, str] = {}  # buyers whose address the mail server refuses (no such user): the suppression path
    smtp.fail_rcpt = refused
    now = NOW
    for trial in range(trials):
        now += timedelta(hours=rng.choice((2, 3, 5)))
        store.set_now(now)
        for n in range(rng.randint(1, 2)):
            buyer = f"buyer{trial}.{rng.randrange(10**6)}@example.com"
            if n == 0 and rng.random() < 0.4:
                buyer = "gone." + buyer
                refused[buyer] = "550 5.1.1 <" + buyer.upper() + ">: Recipient address rejected: User unknown"
            failed_order(store, buyer, hours_ago=rng.uniform(1.2, 3))
        before = len(State(state_path, read_only=True).load().suppressions()["emails"])
        fresh_refusal = any(b.startswith(f"gone.buyer{trial}.") for b in refused)
        if rng.random() < 0.7:
            point = rng.choice(POINT_LIST)
            # The write check happens once per run: only its first hit can kill.
            spec = f"{point}:{1 if 'write_probe' in point else rng.randint(1, 2)}"
            if fresh_refusal and rng.random() < 0.5:
                point, spec = "after_refusal", "after_refusal"  # a refusal is due in this run, often enough
            store.latency = 0.0
            result = finish(start(["run"], config=config, now=now, WCRECALL_FAILPOINTS=spec))
            label = point
        else:
            store.latency = rng.uniform(0.02, 0.05)
            label = "random"
            result = finish(start(["run"], config=config, now=now), kill_after=rng.uniform(0.3, 1.2))
        store.latency = 0.0
        if result.killed:
            kills[label] += 1
        else:
            missed[label] += 1
            assert result.returncode in (0, 1), result.stderr
        assert "Traceback" not in result.stderr
        loaded = State(state_path, read_only=True).load()
        assert loaded.problems == [], loaded.problems  # the state file always loads
        if result.killed and label == "after_refusal":  # killed right after a refusal: it was recorded, suppressed
            assert len(loaded.suppressions()["emails"]) == before + 1
        after = cli(["run"], config=config, now=now + timedelta(minutes=1))
        assert after.exit_code in (0, 1), after.stderr
        assert "Traceback" not in after.stderr
        assert max(deliveries(smtp).values(), default=0) <= 1, f"duplicate after trial {trial} ({label})"

    # Let every schedule run out: the last orders' reminders fall due or are skipped, and every recall ends.
    for hours in (24, 72, 120):
        moment = now + timedelta(hours=hours)
        store.set_now(moment)
        assert cli(["run"], config=config, now=moment).exit_code in (0, 1)

    delivered = deliveries(smtp)
    duplicates = {key: n for key, n in delivered.items() if n > 1}
    assert duplicates == {}
    state = State(state_path, read_only=True).load()
    assert state.problems == []
    suppressed = state.suppressions()["emails"]
    assert all("@example.com" not in why.replace("***@example.com", "") for why in suppressed.values())
    assert all(state.email_hash(b) in suppressed for b in refused if any(r.email_hash == state.email_hash(b)
               and any(s.state == SKIPPED and s.why.startswith("refused by the mail server") for s in r.steps)
                   for r in state.recalls.values()))  # fmt: skip
    uncertain = 0
    for recall in state.recalls.values():
        for step in recall.steps:
            if step.state == SENT:
                assert delivered[(recall.id, step.n)] == 1, (recall.id, step)
            elif step.state in (SKIPPED, UNCERTAIN):
                assert step.why, (recall.id, step)
                uncertain += step.state == UNCERTAIN
            else:
                raise AssertionError(f"order {recall.id}: step {step.n} left {step.state}")
        recorded = {s.n for s in recall.steps}
        for n in range(1, recall.planned + 1):
            # A step with no record at all is only fine when the recall ended (with a reason) before it fell due.
            # Otherwise it is still ahead (an open recall whose next step is not due yet).
            later = recall.is_open and recall.next_due is not None and from_iso(recall.next_due) > moment  # type: ignore[operator]
            assert n in recorded or recall.end_reason or later, (recall.id, n, recall.outcome, recall.next_due)
    for order_id, n in delivered:
        step = state.recalls[order_id].step(n)
        assert step is not None and step.state in (SENT, UNCERTAIN), (order_id, n)
    tallies = {
        "trials": trials,
        "kills": dict(kills),
        "not_reached": dict(missed),
        "delivered": sum(delivered.values()),
        "duplicates": len(duplicates),
        "uncertain": uncertain,
        "refused": len(refused),
        "suppressed": len(suppressed),
        "recalls": len(state.recalls),
    }
    (tmp_path / "crash-tallies.json").write_text(json.dumps(tallies, indent=2))
    print("crash trials:", json.dumps(tallies))
    return tallies


def test_failpoint_spec_names_points_and_hits() -> None:
    """WCRECALL_FAILPOINTS parses to point -> hit number; unknown names are ignored."""
    assert armed("after_send:2, after_claim,nope:3") == {"after_send": 2, "after_claim": 1}
    assert armed("") == {}


def test_killed_runs_never_send_a_step_twice(tmp_path: Path, store: SandboxStore, smtp: SmtpServer) -> None:
    """14 SIGKILLed ticks (failpoints and random moments), each followed by a normal tick: no duplicates."""
    tallies = crash_campaign(tmp_path, store, smtp, trials=14, seed=20261126)
    assert sum(tallies["kills"].values()) >= 7  # type: ignore[union-attr]


@pytest.mark.faults
def test_two_hundred_killed_runs_never_send_a_step_twice(tmp_path: Path, store: SandboxStore, smtp: SmtpServer) -> None:
    """The full run: 200 SIGKILLed ticks with the same invariants."""
    tallies = crash_campaign(tmp_path, store, smtp, trials=200, seed=4)
    assert sum(tallies["kills"].values()) >= 120  # type: ignore[union-attr]


def test_a_run_killed_right_after_a_refusal_keeps_the_refusal(
    tmp_path: Path, store: SandboxStore, smtp: SmtpServer
) -> None:
    """SIGKILL right after the server refused the buyer's address: the step is recorded as refused (not uncertain),
    the buyer is suppressed, and the next run sends nothing to them."""
    config = write_config(tmp_path, store.url, smtp_port=smtp.port)
    assert cli(["run"], config=config, now=NOW - timedelta(minutes=10)).exit_code == 0  # the state file exists
    order_id = failed_order(store, "gone@example.com")
    smtp.fail_rcpt = {"gone@example.com": "550 5.1.1 no such user"}
    result = finish(start(["run"], config=config, now=NOW, WCRECALL_FAILPOINTS="after_refusal"))
    assert result.killed, result.stderr
    state = State(tmp_path / "shop.state.json", read_only=True).load()
    step = state.recalls[order_id].step(1)
    assert step is not None and step.state == SKIPPED and "5.1.1" in step.why
    assert state.email_hash("gone@example.com") in state.suppressions()["emails"]
    smtp.fail_rcpt = {}
    assert cli(["run"], config=config, now=NOW + timedelta(minutes=10)).exit_code == 0
    assert smtp.messages == []


@pytest.mark.parametrize("point", ["before_write_probe", "after_write_probe"])
def test_run_killed_around_the_write_check_sends_once_on_the_next_tick(
    tmp_path: Path, store: SandboxStore, smtp: SmtpServer, point: str
) -> None:
    """SIGKILL right before or after the tick's write-permission check: nothing was claimed or sent, so the next
    tick checks again and sends the reminder once (sent, not uncertain)."""
    order_id = failed_order(store, "ana@example.com")
    config = write_config(tmp_path, store.url, smtp_port=smtp.port)
    killed = finish(start(["run"], config=config, now=NOW, WCRECALL_FAILPOINTS=point))
    assert killed.killed and smtp.messages == []
    after = cli(["run"], config=config, now=NOW + timedelta(minutes=1))
    assert after.exit_code == 0, after.stderr
    assert deliveries(smtp) == {(order_id, 1): 1}
    step = State(tmp_path / "shop.state.json", read_only=True).load().recalls[order_id].step(1)
    assert step is not None and step.state == SENT and step.noted


@pytest.mark.parametrize("damage", ["deleted", "truncated", "garbage", "binary", "wrong_shape"])
def test_lost_or_broken_state_is_rebuilt_from_notes_without_resending(
    tmp_path: Path, store: SandboxStore, smtp: SmtpServer, damage: str
) -> None:
    """State deleted or broken between ticks: rebuilt from the notes, nothing resent, broken copy kept."""
    order_id = failed_order(store, "ana@example.com", hours_ago=2)
    config = write_config(tmp_path, store.url, smtp_port=smtp.port)
    assert cli(["run"], config=config, now=NOW).exit_code == 0
    assert len(smtp.messages) == 1
    state_path = tmp_path / "shop.state.json"
    original = state_path.read_bytes()
    if damage == "deleted":
        state_path.unlink()
    elif damage == "truncated":
        state_path.write_bytes(original[: len(original) // 2])
    elif damage == "garbage":
        state_path.write_text("<?php echo 'not json'; ?>\n")
    elif damage == "binary":
        state_path.write_bytes(b"\xff\xfe\x00garbage\x80" * 10)
    else:
        state_path.write_text('{"recalls": [1, 2, 3], "meta": "x"}')

    for hours in (1, 25):  # the same day (step 1 must not go again), then when step 2 is due
        moment = NOW + timedelta(hours=hours)
        store.set_now(moment)
        result = cli(["run"], config=config, now=moment)
        assert result.exit_code in (0, 1), result.stderr
        assert "Traceback" not in result.stderr
    assert sorted(deliveries(smtp)) == [(order_id, 1), (order_id, 2)]
    assert max(deliveries(smtp).values()) == 1
    broken = list(tmp_path.glob("shop.state.json.broken-*"))
    assert len(broken) == (0 if damage == "deleted" else 1)
    status = cli(["status", "--json"], config=config, now=NOW + timedelta(hours=25))
    assert status.exit_code == 0
    row = json.loads(status.stdout)["recalls"][0]
    assert [s["n"] for s in row["steps"] if s["state"] == "sent"] == [1, 2]


def test_broken_state_is_reported_in_one_line_without_traceback(
    tmp_path: Path, store: SandboxStore, smtp: SmtpServer
) -> None:
    """A garbage state file gives one stderr line naming the kept copy, not a traceback."""
    config = write_config(tmp_path, store.url, smtp_port=smtp.port)
    (tmp_path / "shop.state.json").write_text("garbage")
    result = cli(["run"], config=config, now=NOW)
    assert result.exit_code == 1
    assert "kept as shop.state.json.broken-" in result.stderr and "Traceback" not in result.stderr


def test_event_after_a_torn_journal_line_is_not_lost(tmp_path: Path) -> None:
    """A torn last journal line is cut off, so the next run's first event survives a second crash."""
    from wcrecall.model.records import Recall

    path = tmp_path / "s.json"

    def recall(order_id: int) -> Recall:
        return Recall(id=order_id, number=str(order_id), kind="failed", status="failed", email_hash="h",
                      email_masked="a***@example.com", customer_id=0, country="DE", currency="EUR", total="1",
                      created=NOW.isoformat(), opened=NOW.isoformat())  # fmt: skip

    first = State(path).load()
    first.put(recall(1))
    first.close()  # died before save(): only the journal holds order 1
    with open(first.journal_path, "ab") as journal:
        journal.write(b'{"op":"put","rec":{"id":2,"numb')  # and died in the middle of the next line
    second = State(path).load()
    assert set(second.recalls) == {1}
    second.put(recall(3))
    second.close()  # died again before save()
    third = State(path).load()
    assert set(third.recalls) == {1, 3}
    assert third.problems == []


def test_hash_key_survives_a_first_tick_killed_before_it_saved(
    tmp_path: Path, store: SandboxStore, smtp: SmtpServer
) -> None:
    """The very first tick dies after the send: the next commands still know the buyer (same email-hash key)."""
    failed_order(store, "ana@example.com", hours_ago=2)
    config = write_config(tmp_path, store.url, smtp_port=smtp.port)
    result = finish(start(["run"], config=config, now=NOW, WCRECALL_FAILPOINTS="after_mark_sent"))
    assert result.killed and len(smtp.messages) == 1
    forgot = cli(["forget", "ana@example.com"], config=config, now=NOW + timedelta(minutes=5))
    assert forgot.exit_code == 0, forgot.stderr
    assert "1 recall(s) removed" in forgot.stdout


@pytest.mark.parametrize(
    "damage",
    ["bad_date", "naive_date", "schema_text", "watermark_text", "steps_text", "empty_folder"],
)
def test_state_with_wrong_types_is_rebuilt_once_without_resending(
    tmp_path: Path, store: SandboxStore, smtp: SmtpServer, damage: str
) -> None:
    """Valid JSON with wrong types (or an empty folder at the path) is a lost state: said once, rebuilt from notes."""
    order_id = failed_order(store, "ana@example.com", hours_ago=2)
    config = write_config(tmp_path, store.url, smtp_port=smtp.port)
    assert cli(["run"], config=config, now=NOW).exit_code == 0
    state_path = tmp_path / "shop.state.json"
    data = json.loads(state_path.read_text())
    meta, recall = data["meta"]["1"], data["recalls"][str(order_id)]
    if damage == "bad_date":
        recall["steps"][0]["at"] = "yesterday"
    elif damage == "naive_date":
        recall["created"] = "2026-11-26T14:00:00"
    elif damage == "schema_text":
        meta["schema"] = "1"
    elif damage == "watermark_text":
        meta["watermark"] = "soon"
    elif damage == "steps_text":
        recall["steps"] = "1"
    state_path.write_text(json.dumps(data))
    if damage == "empty_folder":
        state_path.unlink()
        (tmp_path / "shop.state.json.journal").unlink(missing_ok=True)
        state_path.mkdir()

    results = []
    for hours in (1, 2, 25):  # the same day twice (step 1 must not go again), then when step 2 is due
        moment = NOW + timedelta(hours=hours)
        store.set_now(moment)
        results.append(cli(["run"], config=config, now=moment))
    assert [r.exit_code for r in results] == [1, 0, 0], [r.stderr for r in results]
    assert "rebuilt from the store's notes" in results[0].stderr and "Traceback" not in results[0].stderr
    assert results[1].stderr == results[2].stderr == ""
    assert deliveries(smtp) == {(order_id, 1): 1, (order_id, 2): 1}
