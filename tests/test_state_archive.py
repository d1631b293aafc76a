"""Ended recalls kept apart from the open ones (state/archive.py): a tick reads the open and recent ended recalls
only; the commands that show history read the archive too; an older state file is migrated by its first tick."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from e2e import NOW, cli, failed_order, write_config

from wcrecall.model.records import ENDED_UNPAID, SENT, Recall, Step, finish
from wcrecall.sandbox import SandboxStore
from wcrecall.state import archive, privacy
from wcrecall.state.archive import Archive
from wcrecall.state.db import State


@pytest.fixture
def store() -> Iterator[SandboxStore]:
    with SandboxStore() as sandbox:
        sandbox.set_now(NOW)
        yield sandbox


def ended_recall(order_id: int, *, days_ago: float) -> Recall:
    """A recall that sent reminder 1 (noted) and ended unpaid `days_ago` before NOW."""
    at = NOW - timedelta(days=days_ago)
    recall = Recall(
        id=order_id, number=str(order_id), kind="failed", status="failed", email_hash=f"{order_id:032x}",
        email_masked="b***@example.com", customer_id=0, country="US", currency="USD", total="10.00",
        created=(at - timedelta(days=3)).isoformat(), opened=(at - timedelta(days=3)).isoformat(),
        steps=[Step(n=1, state=SENT, at=(at - timedelta(days=2)).isoformat(), msgid="<m@x>", noted=True)], planned=3,
    )  # fmt: skip
    finish(recall, ENDED_UNPAID, "every reminder sent", at)
    return recall


def snapshot_ids(path: Path) -> set[int]:
    return {int(doc["id"]) for doc in json.loads(path.read_text())["recalls"].values()}


def test_an_old_state_file_is_migrated_and_the_tick_no_longer_reads_old_ended_recalls(
    tmp_path: Path, store: SandboxStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    order_id = failed_order(store, "ana@example.com", hours_ago=0.5)  # open, its first reminder not due yet
    config = write_config(tmp_path, store.url)
    assert cli(["run"], config=config, now=NOW).exit_code == 0
    path = tmp_path / "shop.state.json"
    # The file as wcrecall wrote it before the archive: schema 1, every recall in the snapshot.
    data = json.loads(path.read_text())
    for recall in (ended_recall(9001, days_ago=30), ended_recall(9002, days_ago=1)):
        data["recalls"][str(recall.id)] = recall.to_dict()
    (meta,) = data["meta"].values()
    meta["schema"] = 1
    meta.pop("archive_before", None)
    path.write_text(json.dumps(data))
    assert snapshot_ids(path) == {order_id, 9001, 9002}

    assert cli(["run"], config=config, now=NOW + timedelta(minutes=1)).exit_code == 0
    assert snapshot_ids(path) == {order_id, 9002}  # the recall that ended 30 days ago left the snapshot
    assert [r.id for r in Archive(path).read()[0]] == [9001]
    everything = State(path, read_only=True).load()
    assert set(everything.recalls) == {order_id, 9001, 9002} and everything.meta["schema"] == archive.SCHEMA_VERSION
    assert everything.recalls[9001] == ended_recall(9001, days_ago=30)
    assert set(State(path, read_only=True).load(history=False).recalls) == {order_id, 9002}

    def unread(self: Archive) -> object:
        raise AssertionError("a tick read the archive")

    monkeypatch.setattr(Archive, "read", unread)
    assert cli(["run"], config=config, now=NOW + timedelta(minutes=2)).exit_code == 0


def test_the_retention_drops_archived_recalls_too(tmp_path: Path) -> None:
    path = tmp_path / "shop.state.json"
    state = State(path).load()
    for recall in (ended_recall(9001, days_ago=100), ended_recall(9002, days_ago=30)):
        state.put(recall)
    state.save(compact=True, archive_before=NOW - timedelta(days=8))
    state.close()
    assert snapshot_ids(path) == set() and {r.id for r in Archive(path).read()[0]} == {9001, 9002}

    # As a tick loads it: the archive only because one of its recalls is past the retention.
    state = State(path).load(history=False, prune_before=NOW - timedelta(days=90))
    assert privacy.prune(state, NOW, timedelta(days=90)) == 1
    state.save(compact=True, archive_before=NOW - timedelta(days=8))
    state.close()
    assert [r.id for r in Archive(path).read()[0]] == [9002]
    assert set(State(path, read_only=True).load().recalls) == {9002}
    assert set(State(path).load(history=False, prune_before=NOW - timedelta(days=90)).recalls) == set()


def test_a_later_tick_appends_to_an_archive_that_already_exists(tmp_path: Path) -> None:
    """Each tick moves the recalls that aged past the horizon; the second move appends to the archive on disk, after
    checking that its last line is whole."""
    path = tmp_path / "shop.state.json"
    Archive(path).append([ended_recall(9001, days_ago=30)])
    Archive(path).append([ended_recall(9002, days_ago=20)])
    path.with_name(path.name + ".history").write_bytes(
        path.with_name(path.name + ".history").read_bytes() + b'{"id": 90'  # a torn last line
    )
    Archive(path).append([ended_recall(9003, days_ago=10)])
    recalls, _bad = Archive(path).read()
    assert [r.id for r in recalls] == [9001, 9002, 9003]  # the torn line did not swallow the next recall
