"""State file: journal durability, atomic snapshot, lock, corrupt files kept aside."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from wcrecall.model.errors import LockHeld, StateError
from wcrecall.model.records import CLAIMED, SENT, UNCERTAIN, Recall, Step
from wcrecall.state.db import RunLock, State, store_identity


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


def test_hash_key_is_on_disk_before_first_use(tmp_path: Path) -> None:
    """The email-hash key is durable from the first load: a run killed before its first save keeps the same key."""
    path = tmp_path / "s.json"
    first = State(path).load()
    key = first.meta["hash_key"]
    first.close()  # killed: no save(), no put()
    assert State(path).load().meta["hash_key"] == key


def _snapshot(tmp_path: Path, recall: dict[str, object] | None = None, **meta: object) -> Path:
    path = tmp_path / "s.json"
    good_meta = {"schema": 1, "hash_key": "ab" * 32, "watermark": "2026-11-26T11:00:00+00:00", **meta}
    rec = {**make(14).to_dict(), **(recall or {})}
    path.write_text(json.dumps({"meta": {"1": good_meta}, "recalls": {"14": rec}}))
    return path


@pytest.mark.parametrize(
    ("recall", "meta"),
    [
        ({"created": "yesterday"}, {}),
        ({"steps": [{"n": 1, "state": SENT, "at": "11 o'clock", "msgid": "<m>"}]}, {}),
        ({"steps": "1,2"}, {}),
        ({"id": "14"}, {}),
        ({"customer_id": None}, {}),
        ({"next_due": 1700000000}, {}),
        ({"created": "2026-11-26T10:00:00"}, {}),  # no time zone: cannot be compared with the clock
        ({}, {"schema": "1"}),
        ({}, {"watermark": "soon"}),
        ({}, {"hash_key": "not hex"}),
        ({}, {"suppressed": ["a@example.com"]}),
    ],
)
def test_valid_json_with_wrong_types_is_a_lost_state(
    tmp_path: Path, recall: dict[str, object], meta: dict[str, object]
) -> None:
    """A snapshot that parses but holds wrong types is kept aside and the state starts empty, to be rebuilt."""
    path = _snapshot(tmp_path, recall, **meta)
    state = State(path).load()
    assert state.rebuilt and state.recalls == {} and state.watermark is None
    assert len(state.problems) == 1 and "kept as" in state.problems[0]
    assert list(tmp_path.glob("s.json.broken-*"))
    state.save()
    again = State(path).load()
    assert again.problems == [] and not again.rebuilt  # said once


def test_good_snapshot_passes_the_type_checks(tmp_path: Path) -> None:
    """The checks accept what wcrecall itself writes (the counterpart of the test above)."""
    path = _snapshot(tmp_path, {"steps": [{"n": 1, "state": SENT, "at": "2026-11-26T11:00:00+00:00"}]})
    state = State(path).load()
    assert state.problems == [] and set(state.recalls) == {14}


def test_journal_line_with_wrong_types_is_not_applied(tmp_path: Path) -> None:
    """A journal event with a bad date counts as an unreadable line; the rest of the journal is kept."""
    path = tmp_path / "s.json"
    state = State(path).load()
    state.put(make(14))
    bad = {**make(15).to_dict(), "opened": "tomorrow"}
    with open(state.journal_path, "ab") as handle:
        handle.write(json.dumps({"op": "put", "rec": bad}).encode() + b"\n")
    state.put(make(16))
    state.close()
    loaded = State(path).load()
    assert set(loaded.recalls) == {14, 16}
    assert loaded.rebuilt and any("unreadable line" in p for p in loaded.problems)


def test_empty_directory_at_the_state_path_is_a_lost_state(tmp_path: Path) -> None:
    """An empty folder where the state file should be is removed; the state starts empty and says so once."""
    path = tmp_path / "s.json"
    path.mkdir()
    state = State(path).load()
    assert state.rebuilt and len(state.problems) == 1 and "folder" in state.problems[0]
    state.put(make())
    state.save()
    assert path.is_file()
    assert State(path).load().problems == []


def test_folder_with_files_at_the_state_path_is_refused(tmp_path: Path) -> None:
    """A folder with files in it is never moved or emptied: a clear error naming state.path (exit 2)."""
    path = tmp_path / "s.json"
    path.mkdir()
    (path / "keep.txt").write_text("mine")
    with pytest.raises(StateError) as info:
        State(path).load()
    assert "state.path" in str(info.value) and info.value.exit_code == 2
    assert (path / "keep.txt").read_text() == "mine"


@pytest.mark.parametrize(
    ("one", "other"),
    [
        ("https://shop.example.com", "http://shop.example.com/"),
        ("https://www.Shop.Example.com", "https://shop.example.com//"),
        ("https://shop.example.com:443/", "http://shop.example.com:80"),
        ("https://example.com/shop/", "https://www.example.com/shop"),
    ],
)
def test_store_identity_ignores_scheme_www_default_port_and_trailing_slash(one: str, other: str) -> None:
    """Spellings of one store's address are one store."""
    assert store_identity(one) == store_identity(other)


@pytest.mark.parametrize(
    ("one", "other"),
    [
        ("https://shop.example.com", "https://staging.shop.example.com"),
        ("https://shop.example.com", "https://shop.example.org"),
        ("http://127.0.0.1:8001", "http://127.0.0.1:8002"),
        ("https://example.com/shop-a", "https://example.com/shop-b"),
    ],
)
def test_store_identity_tells_stores_apart(one: str, other: str) -> None:
    """Another host, port or sub-site path is another store."""
    assert store_identity(one) != store_identity(other)


def test_state_reached_through_a_symlink_shares_the_lock_and_the_file(tmp_path: Path) -> None:
    """A link to the state file takes the real file's lock, and saving through it keeps the link a link."""
    real = tmp_path / "data" / "s.json"
    real.parent.mkdir()
    link = tmp_path / "s.json"
    link.symlink_to(real)
    with RunLock(real), pytest.raises(LockHeld):
        RunLock(link).__enter__()
    state = State(link).load()
    state.put(make(14))
    state.save()
    assert link.is_symlink() and real.is_file()
    assert set(State(real).load().recalls) == {14}


def test_state_of_another_store_is_refused(tmp_path: Path) -> None:
    """A state records its store on first load and refuses another one, naming both (exit 2)."""
    path = tmp_path / "s.json"
    State(path, store_url="https://staging.example.com").load().close()
    assert State(path, store_url="http://www.staging.example.com/").load().meta["store"] == "staging.example.com"
    with pytest.raises(StateError) as info:
        State(path, store_url="https://shop.example.com").load()
    message = str(info.value)
    assert "staging.example.com" in message and "shop.example.com" in message and "state.path" in message
    assert info.value.exit_code == 2


def test_rebuilt_state_reads_the_lookback_again_even_if_the_run_dies(tmp_path: Path) -> None:
    """A broken snapshot with a journal beside it: the journal's watermark is dropped, durably, so the next sync
    reads the whole lookback and rebuilds the lost recalls from their notes."""
    path = tmp_path / "s.json"
    state = State(path).load()
    state.put(make(14))
    state.save()
    state.set_meta(watermark="2026-11-26T11:00:00+00:00")
    state.put(make(15))
    state.close()
    path.write_text("<?php garbage")
    rebuilt = State(path).load()
    assert rebuilt.rebuilt and rebuilt.watermark is None and set(rebuilt.recalls) == {15}
    rebuilt.close()  # killed before its save
    assert State(path).load().watermark is None


def test_move_from_the_old_default_place_completes_after_a_crash(tmp_path: Path) -> None:
    """Killed after the journal moved but before the snapshot did: the next load moves the snapshot and keeps both."""
    old, new = tmp_path / "shop.state.json", tmp_path / "shop-1234abcd.state.json"
    legacy = State(old).load()
    legacy.put(make(14))
    legacy.save()
    legacy.put(make(15))  # in the journal only
    legacy.close()
    (tmp_path / "shop.state.json.journal").rename(tmp_path / "shop-1234abcd.state.json.journal")
    state = State(new, legacy=old, store_url="https://shop.example.com").load()
    assert set(state.recalls) == {14, 15} and not old.exists() and new.exists()


def test_state_at_the_old_place_that_names_a_store_is_not_taken(tmp_path: Path) -> None:
    """A file at the old default place written by this version (it names its store) belongs to another config."""
    old, new = tmp_path / "shop.state.json", tmp_path / "shop-1234abcd.state.json"
    other = State(old, store_url="https://shop.example.com").load()
    other.put(make(14))
    other.save()
    state = State(new, legacy=old, store_url="https://shop.example.com").load()
    assert state.recalls == {} and old.exists()


def test_a_command_that_only_reads_a_damaged_state_moves_nothing_and_says_so(tmp_path: Path) -> None:
    """`status` or `--dry-run` on a damaged state file: no `.broken-*` copy is claimed or made; the next run does it."""
    path = tmp_path / "shop.state.json"
    path.write_text("{ not json", encoding="utf-8")
    state = State(path, read_only=True).load()
    assert len(state.problems) == 1 and "kept as" not in state.problems[0]
    assert "the next `wcrecall run` keeps it aside" in state.problems[0]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["shop.state.json"]
