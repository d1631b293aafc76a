"""State file: journal durability, atomic snapshot, lock, corrupt files kept aside."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from wcrecall.errors import LockHeld
from wcrecall.records import CLAIMED, SENT, UNCERTAIN, Recall, Step
from wcrecall.state import RunLock, State


def make(order_id: int = 14) -> Recall:
    return Recall(
        id=order_id,
        number=str(order_id),
        kind="failed",
        status="failed",
        email_hash="h",
        email_masked="j***@example.com",
        customer_id=0,
        country="US",
        currency="USD",
        total="10.00",
        created="2026-11-26T10:00:00+00:00",
        opened="2026-11-26T10:05:00+00:00",
        planned=3,
    )


def test_changes_survive_without_save(tmp_path: Path) -> None:
    """A put() is durable at once (journal), even if the process never saves the snapshot."""
    path = tmp_path / "s.json"
    state = State(path).load()
    r = make()
    r.steps.append(Step(n=1, state=SENT, at="2026-11-26T11:00:00+00:00", msgid="<m>"))
    state.put(r)
    state.set_meta(watermark="2026-11-26T11:00:00+00:00")
    again = State(path).load()
    assert again.recalls[14].steps[0].state == SENT
    assert again.watermark is not None


def test_save_compacts_journal_into_snapshot(tmp_path: Path) -> None:
    """save() writes the TinyDB snapshot and removes the journal."""
    path = tmp_path / "s.json"
    state = State(path).load()
    state.put(make(14))
    state.put(make(15))
    state.save()
    assert path.exists() and not state.journal_path.exists()
    data = json.loads(path.read_text())
    assert set(data["recalls"]) == {"14", "15"}
    assert set(State(path).load().recalls) == {14, 15}


def test_claim_left_by_a_dead_run_becomes_uncertain(tmp_path: Path) -> None:
    """A claimed step found at load time is marked uncertain, never resent."""
    path = tmp_path / "s.json"
    state = State(path).load()
    r = make()
    r.steps.append(Step(n=1, state=CLAIMED, at="2026-11-26T11:00:00+00:00", msgid="<m>"))
    state.put(r)
    assert State(path).load().recalls[14].steps[0].state == UNCERTAIN


def test_torn_last_journal_line_is_ignored(tmp_path: Path) -> None:
    """A half-written last line (crash mid-write) does not break loading."""
    path = tmp_path / "s.json"
    state = State(path).load()
    state.put(make(14))
    with open(state.journal_path, "ab") as handle:
        handle.write(b'{"op":"put","rec":{"id":15,"num')
    loaded = State(path).load()
    assert set(loaded.recalls) == {14}
    assert not loaded.problems


@pytest.mark.parametrize("content", [b"", b"\x00\x01garbage", b'{"recalls": [1, 2', b"[]"])
def test_broken_snapshot_is_kept_aside_and_state_starts_empty(tmp_path: Path, content: bytes) -> None:
    """A truncated or garbage state file never crashes: it is kept as .broken-* and the state starts empty."""
    path = tmp_path / "s.json"
    path.write_bytes(content)
    state = State(path).load()
    assert state.recalls == {}
    assert state.rebuilt
    assert any("kept as" in p for p in state.problems)
    assert list(tmp_path.glob("s.json.broken-*"))


def test_second_lock_is_refused(tmp_path: Path) -> None:
    """A second run on the same state gets LockHeld (exit 75) at once."""
    path = tmp_path / "s.json"
    with RunLock(path):
        with pytest.raises(LockHeld) as info:
            RunLock(path).__enter__()
        assert info.value.exit_code == 75
    with RunLock(path):
        pass


def test_email_hash_is_keyed_and_normalised(tmp_path: Path) -> None:
    """Email hashes ignore case and spaces and depend on the install's key."""
    a = State(tmp_path / "a.json").load()
    b = State(tmp_path / "b.json").load()
    assert a.email_hash(" John.Smith@Example.com") == a.email_hash("john.smith@example.com")
    assert a.email_hash("x@example.com") != b.email_hash("x@example.com")


def test_state_file_is_private(tmp_path: Path) -> None:
    """The snapshot and journal are created mode 600."""
    path = tmp_path / "s.json"
    state = State(path).load()
    state.put(make())
    assert state.journal_path.stat().st_mode & 0o077 == 0
    state.save()
    assert path.stat().st_mode & 0o077 == 0
