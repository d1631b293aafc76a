"""A step's claim is on disk before its message leaves, though its fsync runs while the email is built; a claim
whose email could not be built is withdrawn, so the next tick sends the step (not `uncertain`)."""

from __future__ import annotations

import os
import threading
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from e2e import NOW, cli, failed_order, write_config
from smtp_server import SmtpServer
from subproc import deliveries

from wcrecall.model.errors import BadOrder
from wcrecall.model.records import CLAIMED, SENT
from wcrecall.recall import tick as tick_module
from wcrecall.sandbox import SandboxStore
from wcrecall.state import files
from wcrecall.state.db import State


def test_the_message_leaves_only_after_an_fsync_that_covers_its_claim(
    tmp_path: Path, store: SandboxStore, smtp: SmtpServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The journal's fsync behind the tick holds on until the tick waits for it (as a slow disk would, however long
    the tick takes meanwhile): the message still leaves only after it."""
    order_id = failed_order(store, "ana@example.com")
    config = write_config(tmp_path, store.url, smtp_port=smtp.port)
    journal = tmp_path / "shop.state.json.journal"
    events: list[tuple[str, bytes]] = []
    waited = threading.Event()
    real_fsync, real_wait, real_send = os.fsync, files.BackgroundSync.wait, tick_module.Mailer.send

    def slow_fsync(fd: int) -> None:
        of_journal = journal.exists() and os.fstat(fd).st_ino == journal.stat().st_ino
        covered = journal.read_bytes() if of_journal else b""  # what this fsync makes durable
        if of_journal and threading.current_thread() is not threading.main_thread():
            waited.wait(timeout=5)
        real_fsync(fd)
        events.append(("synced", covered))

    def wait(self: files.BackgroundSync) -> None:
        waited.set()
        real_wait(self)

    def send(self: Any, message: Any) -> Any:
        events.append(("send", b""))
        return real_send(self, message)

    monkeypatch.setattr(files.os, "fsync", slow_fsync)
    monkeypatch.setattr(files.BackgroundSync, "wait", wait)
    monkeypatch.setattr(tick_module.Mailer, "send", send)
    assert cli(["run"], config=config, now=NOW).exit_code == 0
    assert deliveries(smtp) == {(order_id, 1): 1}
    sent_at = events.index(("send", b""))
    claim = f'"id":{order_id},'.encode()
    assert any(
        kind == "synced" and claim in covered and b'"state":"claimed"' in covered for kind, covered in events[:sent_at]
    ), events


def test_a_claim_whose_email_cannot_be_built_is_withdrawn_and_sent_next_tick(
    tmp_path: Path, store: SandboxStore, smtp: SmtpServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    """After the tick's first email (the key then known to write), a step is claimed before its order is read again;
    when its email cannot be built, the claim is withdrawn on disk."""
    first_id = failed_order(store, "ana@example.com", hours_ago=0.6)  # reminders due in half an hour, this one first
    order_id = failed_order(store, "bob@example.com", hours_ago=0.5)
    config = write_config(tmp_path, store.url, smtp_port=smtp.port)
    assert cli(["run"], config=config, now=NOW).exit_code == 0  # opened; the state file exists from here on
    later = NOW + timedelta(hours=1)
    real_compose = tick_module.compose

    def broken(settings: Any, renderer: Any, order: Any, *args: Any, **kwargs: Any) -> Any:
        if order.id == order_id:
            raise BadOrder("cannot send reminder 1: the email cannot be built from this order (test)")
        return real_compose(settings, renderer, order, *args, **kwargs)

    with monkeypatch.context() as patched:
        patched.setattr(tick_module, "compose", broken)
        first = cli(["run"], config=config, now=later)
    assert "cannot be built" in first.stderr + first.stdout
    assert deliveries(smtp) == {(first_id, 1): 1}
    # As the next run finds it on disk (a claim left there would load as `uncertain`, never sent).
    recall = State(tmp_path / "shop.state.json", read_only=True).load().recalls[order_id]
    assert recall.step(1) is None and not any(s.state == CLAIMED for s in recall.steps)
    assert cli(["run"], config=config, now=later + timedelta(minutes=1)).exit_code == 0
    assert deliveries(smtp) == {(first_id, 1): 1, (order_id, 1): 1}
    step = State(tmp_path / "shop.state.json", read_only=True).load().recalls[order_id].step(1)
    assert step is not None and step.state == SENT
