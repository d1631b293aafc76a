"""The holdout's side of the loop: the install's secret key, and the payments of held-out orders.

The key that draws the holdout (plan/holdout.py) is created once, beside the state file (`<state>.holdout-key`, mode
0600), and never printed: whoever could read it could tell which orders are held out, nothing more. It is made only
when `recall.holdout` is on.

A held-out recall has ended, but its order still counts for "paid within N days" (insight/recovery.py): the sync
records when the buyer paid it, or paid a newer order instead, as it does for an open recall, without ending anything.
"""

from __future__ import annotations

import os
import secrets
import tempfile
from dataclasses import replace
from datetime import datetime
from pathlib import Path

from wcrecall.config.settings import Settings
from wcrecall.i18n import _
from wcrecall.model.errors import StateError
from wcrecall.model.order import PAID_STATUSES, Order
from wcrecall.model.records import HELD_OUT, Recall
from wcrecall.plan.rules import Rules
from wcrecall.state.files import real_path, store_identity

KEY_BYTES = 32


def key_path(state_path: Path) -> Path:
    path = real_path(state_path)
    return path.with_name(path.name + ".holdout-key")


def holdout_key(state_path: Path) -> bytes:
    """The install's holdout key: read from beside the state file, or created there once. Two runs creating it at
    the same moment agree: the first file linked into place wins, the other reads it."""
    path = key_path(state_path)
    try:
        return _read(path)
    except FileNotFoundError:
        pass
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="ascii") as handle:
            handle.write(secrets.token_hex(KEY_BYTES) + "\n")
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(tmp, 0o600)
        try:
            os.link(tmp, path)
        except FileExistsError:
            pass
    finally:
        Path(tmp).unlink(missing_ok=True)
    return _read(path)


def _read(path: Path) -> bytes:
    text = path.read_text(encoding="ascii", errors="replace").strip()
    try:
        key = bytes.fromhex(text)
    except ValueError:
        key = b""
    if len(key) != KEY_BYTES:
        raise StateError(
            _("{path}: the holdout key is damaged; restore it from a backup (or delete it: a new key draws other "
              "orders for the holdout from then on)").format(path=path)
        )  # fmt: skip
    return key


def with_holdout(rules: Rules, settings: Settings) -> Rules:
    """The rules with the holdout's share, store and key (the key only read or made when the holdout is on)."""
    share = settings.recall.holdout
    if share <= 0:
        return rules
    store = store_identity(settings.store.url)
    return replace(rules, holdout=share, holdout_store=store, holdout_key=holdout_key(settings.state_path))


def record_payment(recall: Recall, order: Order, now: datetime) -> bool:
    """A held-out recall whose order (or a newer order of the buyer, `order`) is paid: record when, once. True when
    the recall changed (the caller saves it)."""
    if recall.outcome != HELD_OUT or recall.paid_at or order.status not in PAID_STATUSES:
        return False
    recall.paid_at = (order.date_paid or (now if order.id == recall.id else order.date_created)).isoformat()
    recall.paid_order = order.id
    return True


__all__ = ["holdout_key", "key_path", "record_payment", "with_holdout"]
