"""Ended recalls kept apart from the open ones, so a tick reads only what it acts on.

The snapshot (`<path>`) holds the open recalls and the ended ones a tick still needs (its buyer history: contacts,
recent failures, orders it must not open again); ended recalls older than that horizon, their notes written, move to
the archive `<path>.history`: one JSON line per recall, appended (fsync'ed before the snapshot drops them, so a
crash in between leaves a recall in both places, and the snapshot's copy wins). `status`, `report`, `audit`,
`explain` and the privacy commands load the archive too (`State.load(history=True)`); a tick does not, unless the
retention must drop archived recalls (`Archive.expired`), and then it rewrites it.

A state written before the archive (schema 1, every recall in the snapshot) is migrated by its first tick: the
snapshot is rewritten with the old ended recalls moved out.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable
from datetime import datetime
from pathlib import Path
from typing import Any

from wcrecall.model.records import Recall, from_iso
from wcrecall.state.files import _fsync_dir, atomic_write

ARCHIVE_SCHEMA = 2  # the first snapshot schema whose old ended recalls live in the archive
SCHEMA_VERSION = ARCHIVE_SCHEMA


def checked_meta(meta: Any) -> dict[str, Any]:
    """The state's settings as loaded, or `ValueError` when one has the wrong type (the file is then a lost state)."""
    if not isinstance(meta, dict):
        raise ValueError("meta: expected an object")
    schema = meta.get("schema", SCHEMA_VERSION)
    if not isinstance(schema, int) or isinstance(schema, bool):
        raise ValueError("schema: expected a whole number")
    key = meta.get("hash_key", "0" * 64)
    if not isinstance(key, str) or len(key) < 32 or len(bytes.fromhex(key)) * 2 != len(key):
        raise ValueError("hash_key: expected hex digits")
    watermark = meta.get("watermark")
    if watermark is not None and (not isinstance(watermark, str) or datetime.fromisoformat(watermark).tzinfo is None):
        raise ValueError("watermark: expected an ISO time with a time zone")
    if not isinstance(meta.get("store", ""), str):
        raise ValueError("store: expected the store's address")
    suppressed = meta.get("suppressed", {})
    if not isinstance(suppressed, dict) or not all(
        isinstance(entries, dict) and all(isinstance(v, str) for v in entries.values())
        for entries in suppressed.values()
    ):
        raise ValueError("suppressed: expected lists of reasons")
    return meta


def keeps(recall: Recall, before: datetime | None) -> bool:
    """Whether the snapshot keeps `recall`: open, ended at or after `before`, or a note of it still to write."""
    if before is None or recall.is_open or not recall.end_noted or any(not s.noted for s in recall.sent_steps):
        return True
    ended = from_iso(recall.ended)
    return ended is None or ended >= before


class Archive:
    """The archive file of one state: read (a torn last line ignored), appended, or rewritten whole."""

    def __init__(self, path: Path) -> None:
        self.path = path.with_name(path.name + ".history")

    def read(self) -> tuple[list[Recall], int]:
        """The archived recalls (a recall archived twice: its last line), and how many lines could not be read."""
        if not self.path.exists():
            return [], 0
        lines = self.path.read_bytes().split(b"\n")
        found: dict[int, Recall] = {}
        bad = 0
        for number, line in enumerate(lines):
            if not line.strip():
                continue
            try:
                recall = Recall.from_dict(json.loads(line))
            except (ValueError, TypeError, KeyError, AttributeError):
                bad += number < len(lines) - 2  # a torn last line never counted
                continue
            found[recall.id] = recall
        return list(found.values()), bad

    def append(self, recalls: Iterable[Recall]) -> None:
        data = b"".join(_line(r) for r in recalls)
        if not data:
            return
        new = not self.path.exists()
        fd = os.open(self.path, os.O_RDWR | os.O_APPEND | os.O_CREAT, 0o600)  # read: is its last line whole
        try:
            if not new and os.pread(fd, 1, os.fstat(fd).st_size - 1) not in (b"", b"\n"):
                data = b"\n" + data  # after a torn line: a line of its own
            os.write(fd, data)
            os.fsync(fd)
        finally:
            os.close(fd)
        if new:
            _fsync_dir(self.path.parent)

    def rewrite(self, recalls: Iterable[Recall]) -> None:
        data = b"".join(_line(r) for r in recalls)
        if data:
            atomic_write(self.path, data)
        elif self.path.exists():
            self.path.unlink()
            _fsync_dir(self.path.parent)


def _line(recall: Recall) -> bytes:
    return json.dumps(recall.to_dict(), separators=(",", ":"), ensure_ascii=False).encode("utf-8") + b"\n"
