"""The state of a store (only the state package imports tinydb): recalls, the sync watermark, and the run lock.

Durability works in two layers, so that a send is recorded on disk in about a millisecond however many recalls the
file holds:
- a TinyDB snapshot (`<path>`), written atomically (temp file, fsync, rename) once per tick;
- a journal (`<path>.journal`), one JSON line per change, fsync'ed before the change counts. A step is claimed in the
  journal before its message goes to the mail server.
Loading replays the journal over the snapshot. A torn last line (the process died mid-write) is ignored: the change
it described never counted, and nothing was sent on its strength. A snapshot that cannot be read is kept beside
itself as `<path>.broken-<time>` and the run starts from an empty state, which the next sync rebuilds from
wcrecall's own order notes. So does a file that parses but holds wrong types (model/records.py checks each field), or an
empty folder at the path.

Paths, atomic writes, the TinyDB storage and the run lock are in state/files.py (re-exported here). A state
belongs to one store (`store_identity`, recorded on first load, refused for any other) and is reached by its
real path (symlinks followed), so every spelling of it shares one lock. A state at the older default place is moved
to the current one by the first run that needs it (`State.of`, `_adopt_legacy`).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import os
import secrets
import shutil
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from tinydb import TinyDB
from tinydb.middlewares import CachingMiddleware
from tinydb.table import Document

from wcrecall.model.errors import StateError
from wcrecall.model.order import normalize_email
from wcrecall.model.records import CLAIMED, UNCERTAIN, Recall, Step
from wcrecall.state.archive import ARCHIVE_SCHEMA, SCHEMA_VERSION, Archive, checked_meta, keeps
from wcrecall.state.files import (
    AtomicJSONStorage,
    BackgroundSync,
    RunLock,
    _fsync_dir,
    _last_byte,
    _parses,
    atomic_write,
    cycles_unchecked,
    folder_at_path,
    journal_of,
    real_path,
    set_aside,
    store_identity,
)

if TYPE_CHECKING:
    from wcrecall.config.settings import Settings

__all__ = ["AtomicJSONStorage", "RunLock", "State", "atomic_write", "journal_of", "real_path", "store_identity"]

log = logging.getLogger(__name__)

COMPACT_MIN_BYTES = 256 * 1024  # below this the journal is kept rather than folded into the snapshot


def _unclaimed(path: Path) -> bool:
    """True when the state at `path` names no store: one written before states recorded their store."""
    return State(path, read_only=True).load().meta.get("store") is None


class State:
    """Recalls by order id, the sync watermark and a few settings of the install. Call `load()` first."""

    def __init__(self, path: Path, *, read_only: bool = False, store_url: str = "", legacy: Path | None = None) -> None:
        self.path = real_path(path)
        self.journal_path = journal_of(self.path)
        self.read_only = read_only
        self.store_url = store_url  # "": not checked (tests, tools); else the state must belong to this store
        self.legacy = real_path(legacy) if legacy is not None else None  # an older default place of this state
        self.recalls: dict[int, Recall] = {}  # the open ones and recent ended ones; all with the archive (`load`)
        self.history_loaded = False  # the archive's recalls are in `recalls` too (state/archive.py)
        self.archived: set[int] = set()  # those of them that came from the archive
        self._migrate = False  # a snapshot from before the archive: rewritten at the next save
        self.meta: dict[str, Any] = {}
        self.problems: list[str] = []  # what went wrong while loading, for stderr
        self.rebuilt = False  # True when the state was lost or broken and starts empty
        self._journal: Any = None
        self._syncing = BackgroundSync()  # the fsync of a claim, run while the tick reads the order (`put_soon`)
        self.journal_writes = 0
        self.journal_seconds = 0.0

    @classmethod
    def of(cls, settings: Settings, *, read_only: bool = False) -> State:
        """The state of the store `settings` describe: at `state.path`, checked against `store.url`."""
        return cls(
            settings.state_path,
            read_only=read_only,
            store_url=settings.store.url,
            legacy=settings.legacy_state_path,
        )

    # -- loading ------------------------------------------------------------------------------------------------

    def load(self, *, history: bool = True, prune_before: datetime | None = None, aside: bool = False) -> State:
        """Read the snapshot and replay the journal, and with `history` the archive of old ended recalls (a tick
        does without, unless it holds one that ended before `prune_before`). Writers must hold the RunLock first.
        `aside`: what was loaded is left out of the cycle collector's passes until `close()` (files.py `set_aside`)."""
        self._adopt_legacy()
        with cycles_unchecked():
            self._load_snapshot()
            self._replay_journal()
        self.rebuilt = bool(self.problems)
        oldest = self.meta.get("archive_oldest")
        if history or oldest and prune_before and datetime.fromisoformat(oldest) < prune_before:
            self.load_history()
        fresh: dict[str, Any] = {}
        if self.rebuilt and self.meta.get("watermark"):
            # Lost recalls come back only from a sync over the whole lookback, which reads their notes again.
            fresh["watermark"] = None
        if not self.meta.get("hash_key"):
            fresh["hash_key"] = secrets.token_hex(32)
            fresh["schema"] = SCHEMA_VERSION
        if self.store_url:
            store = store_identity(self.store_url)
            recorded = self.meta.get("store")
            if recorded is None:
                fresh["store"] = store  # a new state, or one from before identities: it adopts this store, once
            elif recorded != store:
                raise StateError(
                    f"state.path: {self.path} is the state of the store {recorded}, but store.url is {store}; a "
                    f"state never serves another store (its buyers would get the wrong reminders). Set state.path "
                    f"to a new file for {store} (it starts empty and rebuilds from the store's notes), or set "
                    f"store.url back to {recorded}"
                )
        self.meta.update(fresh)
        if fresh and not self.read_only:
            # Durable before first use: recalls, throttles and suppressions are keyed by this hash key, so a run
            # killed before its first save must not leave the next run with another one.
            self._append({"op": "meta", "data": fresh}, durable=True)
        if not self.read_only:
            # A claim still open at start belongs to a run that died between the claim and the send's result.
            for recall in self.recalls.values():
                for step in recall.steps:
                    if step.state == CLAIMED:
                        step.state = UNCERTAIN
                        step.why = "the run died while sending; not resent (at most once)"
                        self.put(recall)
        if aside:
            set_aside(True)
        return self

    def _adopt_legacy(self) -> None:
        """Use a state left at an older default place (`<config name>.state.json`, before the default path told
        apart configs of one name in different folders): move it here, under its old lock too, so a run of an
        older wcrecall cannot write it meanwhile. A state that names its store was written by this version for
        some config: it is never taken. Read-only commands read it where it is."""
        old = self.legacy
        if old is None or old == self.path or self.path.exists():
            return
        old_journal = journal_of(old)
        if not old.exists() and not old_journal.exists():
            return
        if self.journal_path.exists() and old_journal.exists():
            return  # both places have changes: nothing to merge safely; this path wins, the old one stays
        if self.read_only:
            if not self.journal_path.exists() and _unclaimed(old):
                self.path, self.journal_path = old, old_journal
            return
        with RunLock(old):
            if not _unclaimed(old):
                return
            self.path.parent.mkdir(parents=True, exist_ok=True)
            # The journal first: a crash in between leaves the journal here and the snapshot there, which the next
            # run completes; the other order could leave a snapshot here and its journal behind, unread.
            if old_journal.exists():
                os.replace(old_journal, self.journal_path)
                _fsync_dir(self.path.parent)
            if old.exists():
                os.replace(old, self.path)
                _fsync_dir(self.path.parent)
            _fsync_dir(old.parent)
        log.warning("state file moved from %s to %s", old, self.path)

    def _keep_broken(self, path: Path, why: str) -> None:
        stamp = datetime.now(UTC).strftime("%Y%m%d-%H%M%S")
        broken = path.with_name(f"{path.name}.broken-{stamp}")
        if self.read_only:  # nothing is moved by a command that only reads: say what the next run will do
            self.problems.append(
                f"state file {path.name} {why}; the next `wcrecall run` keeps it aside and rebuilds from the store's notes"
            )
            return
        self.problems.append(f"state file {path.name} {why}; kept as {broken.name} and rebuilt from the store's notes")
        shutil.copy2(path, broken)
        path.unlink()

    def _load_snapshot(self) -> None:
        if self.path.is_dir():
            self.problems.append(folder_at_path(self.path, read_only=self.read_only))
            return
        if not self.path.exists():
            return
        try:
            # TinyDB's own layout ({table: {doc id: document}}), read without building a Document per recall.
            tables = AtomicJSONStorage(str(self.path)).read() or {}
            meta_docs = list(tables.get("meta", {}).values())
            meta = checked_meta(dict(meta_docs[0]) if meta_docs else {})
            recalls = [Recall.from_dict(doc) for doc in tables.get("recalls", {}).values()]
        except (ValueError, TypeError, KeyError, AttributeError, UnicodeDecodeError) as exc:
            self._keep_broken(self.path, f"could not be read ({type(exc).__name__})")
            return
        except OSError as exc:
            raise StateError(f"state.path: cannot read {self.path} ({exc.strerror or exc})") from None
        self.meta = meta
        schema = self.meta.get("schema", SCHEMA_VERSION)
        if schema > SCHEMA_VERSION:
            raise StateError(
                f"state.path: {self.path.name} was written by a newer wcrecall (schema {schema}); upgrade wcrecall"
            )
        self.recalls = {r.id: r for r in recalls}
        self._upgrade(schema)

    def _upgrade(self, schema: int) -> None:
        """Bring an older snapshot up to SCHEMA_VERSION: one from before the archive is rewritten at the next save,
        its old ended recalls moved to the archive (state/archive.py)."""
        self._migrate = schema < ARCHIVE_SCHEMA
        self.meta["schema"] = SCHEMA_VERSION

    def load_history(self) -> None:
        """Add the archived recalls (the snapshot's and the journal's copies win: they are newer)."""
        with cycles_unchecked():
            recalls, bad = Archive(self.path).read()
        self.archived = {r.id for r in recalls if self.recalls.setdefault(r.id, r) is r}
        self.problems += [f"state archive: {bad} unreadable line(s) skipped"] if bad else []
        self.history_loaded = True

    def _replay_journal(self) -> None:
        if not self.journal_path.exists():
            return
        lines = self.journal_path.read_bytes().split(b"\n")
        if lines[-1].strip() and not self.read_only and not _parses(lines[-1]):
            # A torn last line never counted: cut it off, or the next event appended would be glued to it and lost.
            os.truncate(self.journal_path, self.journal_path.stat().st_size - len(lines[-1]))
        bad = 0
        for number, line in enumerate(lines):
            if not line.strip():
                continue
            try:
                event = json.loads(line)
                self._apply(event)
            except (ValueError, TypeError, KeyError):
                if number >= len(lines) - 2:
                    continue  # a torn last line: the write never completed, so the change never counted
                bad += 1
        if bad:
            self._keep_broken(self.journal_path, f"had {bad} unreadable line(s)")

    def _apply(self, event: dict[str, Any]) -> None:
        op = event["op"]
        if op == "put":
            recall = Recall.from_dict(event["rec"])
            self.recalls[recall.id] = recall
        elif op == "del":
            self.recalls.pop(int(event["id"]), None)
        elif op == "meta":
            self.meta.update(checked_meta(event["data"]))
        else:
            raise KeyError(op)

    # -- changes ------------------------------------------------------------------------------------------------

    def _append(self, event: dict[str, Any], *, durable: bool) -> None:
        if self.read_only:
            return
        started = time.perf_counter()
        if self._journal is None:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            new = not self.journal_path.exists()
            fd = os.open(self.journal_path, os.O_RDWR | os.O_APPEND | os.O_CREAT, 0o600)
            self._journal = os.fdopen(fd, "ab")
            if new:
                _fsync_dir(self.path.parent)
            elif _last_byte(fd) not in (b"", b"\n"):
                self._journal.write(b"\n")  # a whole last event without its newline: keep the next one on its own line
        self._journal.write(json.dumps(event, separators=(",", ":"), ensure_ascii=False).encode("utf-8") + b"\n")
        self._journal.flush()
        if durable:
            # One fsync makes this event and every one appended before it durable, in order.
            os.fsync(self._journal.fileno())
            self.journal_writes += 1
            self.journal_seconds += time.perf_counter() - started

    def put(self, recall: Recall, *, durable: bool = False) -> None:
        """Record `recall` in the journal. `durable` waits for the disk (fsync) and so also secures every change
        recorded before it: the recall loop asks for it when claiming a step, right before the message leaves, and
        when releasing a claim. Other changes reach the disk with the next durable write or the end-of-tick save; a
        crash in between loses only what the next tick re-derives (a sent mark becomes `uncertain`, never a resend)."""
        self.recalls[recall.id] = recall
        self._append({"op": "put", "rec": recall.to_dict()}, durable=durable)

    def put_soon(self, recall: Recall, claim: Step) -> None:
        """Journal `recall` with `claim` added (the recall in memory unchanged), fsync'ed in the background with every
        event before it; `wait_durable()` returns once it is on disk (recall/tick.py: before the message leaves)."""
        record = recall.to_dict()
        self._append({"op": "put", "rec": {**record, "steps": [*record["steps"], dict(vars(claim))]}}, durable=False)
        if self._journal is not None:  # its time is counted while waiting for it (`wait_durable`)
            self._syncing.start(self._journal.fileno())
            self.journal_writes += 1

    def wait_durable(self) -> None:
        """Return once what `put_soon` journalled is on disk; its fsync's error, if it failed, is raised here."""
        started = time.perf_counter()
        self._syncing.wait()
        self.journal_seconds += time.perf_counter() - started

    def delete(self, order_id: int) -> None:
        if self.recalls.pop(order_id, None) is not None:
            self._append({"op": "del", "id": order_id}, durable=False)

    def set_meta(self, **values: Any) -> None:
        self.meta.update(values)
        self._append({"op": "meta", "data": values}, durable=False)

    def save(self, *, compact: bool = False, archive_before: datetime | None = None) -> None:
        """Make the tick's changes durable. The snapshot is rewritten (atomically) only when the journal has grown to
        a quarter of it, or when `compact` asks for it (forgetting a buyer must leave no old line behind): with
        thousands of recalls a full rewrite every tick would cost more than the tick itself. Ended recalls that
        ended before `archive_before` (else the horizon last given) move to the archive then (state/archive.py). A
        broken file is rewritten too: what was read from it must not depend on it any more."""
        if self.read_only:
            return
        self.wait_durable()
        if archive_before is not None and self.meta.get("archive_before") != archive_before.isoformat():
            self.set_meta(archive_before=archive_before.isoformat())
        before = datetime.fromisoformat(self.meta["archive_before"]) if self.meta.get("archive_before") else None
        moved = [r for r in self.recalls.values() if not keeps(r, before)]
        fresh = [r for r in moved if r.id not in self.archived]  # leave the snapshot at its next rewrite, or now:
        compact = compact or self.rebuilt or self._migrate or 4 * len(fresh) > len(self.recalls)
        journal_size = self.journal_path.stat().st_size if self.journal_path.exists() else 0
        snapshot_size = self.path.stat().st_size if self.path.exists() else 0
        if not compact and self.path.exists() and journal_size < max(COMPACT_MIN_BYTES, snapshot_size // 4):
            if self._journal is not None:
                os.fsync(self._journal.fileno())
            return
        # On disk before the snapshot drops them; with the archive loaded, `moved` holds all of it as it is now.
        Archive(self.path).rewrite(moved) if self.history_loaded else Archive(self.path).append(moved)
        known = None if self.history_loaded else self.meta.get("archive_oldest")
        ended = sorted(filter(None, (known, *(r.ended for r in moved))), key=datetime.fromisoformat)
        self.meta["archive_oldest"] = ended[0] if ended else None
        db = TinyDB(str(self.path), storage=CachingMiddleware(AtomicJSONStorage))  # type: ignore[no-untyped-call]
        try:
            meta = db.table("meta")
            meta.truncate()
            meta.insert(dict(self.meta))
            table = db.table("recalls")
            table.truncate()
            kept = (Document(r.to_dict(defaults=False), doc_id=r.id) for r in self.recalls.values() if keeps(r, before))
            table.insert_multiple(kept)
        finally:
            db.close()  # CachingMiddleware flushes once, here
        if self._journal is not None:
            self._journal.close()
            self._journal = None
        if self.journal_path.exists():
            self.journal_path.unlink()
            _fsync_dir(self.path.parent)

    def close(self) -> None:
        self._syncing.stop()  # never close the descriptor under a running fsync
        if self._journal is not None:
            self._journal.close()
            self._journal = None
        set_aside(False)  # what `load(aside=True)` set aside (nothing else in wcrecall does)

    # -- derived ------------------------------------------------------------------------------------------------

    def email_hash(self, email: str) -> str:
        """A keyed hash of the normalised email: groups a buyer's orders without storing the address."""
        key = bytes.fromhex(self.meta["hash_key"])
        return hmac.new(key, normalize_email(email).encode("utf-8"), hashlib.sha256).hexdigest()[:32]

    def open_recalls(self) -> Iterator[Recall]:
        return (r for r in self.recalls.values() if r.is_open)

    def suppressions(self) -> dict[str, dict[str, str]]:
        """The suppression list (state/privacy.py): `{"emails": {keyed hash: reason}, "domains": {domain: reason}}`."""
        data = self.meta.get("suppressed")
        data = data if isinstance(data, dict) else {}
        return {kind: dict(data.get(kind) or {}) for kind in ("emails", "domains")}

    def set_suppressions(self, data: dict[str, dict[str, str]]) -> None:
        """Replace the suppression list, durably."""
        self.set_meta(suppressed=data)

    @property
    def watermark(self) -> datetime | None:
        value = self.meta.get("watermark")
        return datetime.fromisoformat(value) if value else None
