"""Where the state lives on disk: its real path and journal path, which store it belongs to, atomic writes (temp file,
fsync, rename), the TinyDB storage that never writes in place, and the run lock. Used by state/db.py."""

from __future__ import annotations

import fcntl
import gc
import json
import os
import tempfile
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TextIO
from urllib.parse import urlsplit

from tinydb.storages import Storage

from wcrecall.model.errors import LockHeld, StateError
from wcrecall.plan.paylink import site_host


def _last_byte(fd: int) -> bytes:
    size = os.fstat(fd).st_size
    return os.pread(fd, 1, size - 1) if size else b""


def _fsync_dir(path: Path) -> None:
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def real_path(path: Path) -> Path:
    """The state file's own path, symlinks followed: a state reached through a link shares its lock, journal and
    snapshot with the real file (and the atomic save replaces the file, never the link)."""
    return path.expanduser().resolve()


def journal_of(path: Path) -> Path:
    return path.with_name(path.name + ".journal")


def store_identity(url: str) -> str:
    """Which store a state belongs to: the store's address without scheme, `www.`, default port (80, 443), trailing
    slash, query or credentials. `https://www.Shop.example.com/` and `http://shop.example.com` are one store;
    another host, port or path (a WordPress multisite sub-site) is another."""
    parts = urlsplit(url.strip())
    host = site_host(parts.hostname or "")
    if ":" in host:
        host = f"[{host}]"  # IPv6
    try:
        port = parts.port
    except ValueError:
        port = None
    return (host if port in (None, 80, 443) else f"{host}:{port}") + parts.path.rstrip("/")


def folder_at_path(path: Path, *, read_only: bool) -> str:
    """A folder where the state file belongs (a `mkdir` or a container mount of a missing file): an empty one is a
    lost state (removed unless `read_only`; the problem line is returned); one with files in it is the owner's,
    never touched (StateError)."""
    if any(path.iterdir()):
        raise StateError(
            f"state.path: {path} is a folder with files in it; set state.path to a file, e.g. {path / 'shop.state.json'}"
        )
    if not read_only:
        path.rmdir()
    return f"state file {path.name} was an empty folder; removed, and rebuilt from the store's notes"


@contextmanager
def cycles_unchecked() -> Iterator[None]:
    """Python's cycle collector paused while a state is read, then left as it was. Reading builds tens of thousands
    of dicts, lists and records, none of them in a reference cycle, and the collector would walk the growing heap
    of them again and again while they are made (a sixth of the load of 10,000 recalls). Memory is freed as
    usual meanwhile: objects without cycles go when their last reference does."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def set_aside(objects: bool) -> None:
    """With `objects`, every object now alive is left out of the cycle collector's passes (`gc.freeze`) until called
    again without (`gc.unfreeze`). A tick sets its freshly loaded state aside: tens of thousands of new long-lived
    objects would otherwise start a full collection that walks them all, for nothing (they hold no cycles)."""
    if objects:
        gc.freeze()
    else:
        gc.unfreeze()


def atomic_write(path: Path, data: bytes) -> None:
    """Replace `path` with `data` so that a crash leaves either the old or the new file, never a mix."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(tmp, 0o600)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    _fsync_dir(path.parent)


def _parses(line: bytes) -> bool:
    try:
        json.loads(line)
    except ValueError:
        return False
    return True


class AtomicJSONStorage(Storage):
    """TinyDB storage that never writes in place (TinyDB's JSONStorage truncates and rewrites the open file)."""

    def __init__(self, path: str) -> None:
        self.path = Path(path)

    def read(self) -> dict[str, dict[str, Any]] | None:
        try:
            raw = self.path.read_bytes()
        except FileNotFoundError:
            return None
        if not raw.strip():
            raise ValueError("the state file is empty")
        data = json.loads(raw)
        if not isinstance(data, dict):
            raise ValueError("the state file does not hold a JSON object")
        return data

    def write(self, data: dict[str, dict[str, Any]]) -> None:
        atomic_write(self.path, json.dumps(data, separators=(",", ":"), ensure_ascii=False).encode("utf-8"))

    def close(self) -> None:
        pass


class RunLock:
    """An exclusive, non-blocking lock beside the state file: a second `run` exits 75 at once."""

    def __init__(self, state_path: Path) -> None:
        state_path = real_path(state_path)
        self.path = state_path.with_name(state_path.name + ".lock")
        self._handle: TextIO | None = None

    def __enter__(self) -> RunLock:
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self._handle = open(self.path, "a+", encoding="utf-8")  # noqa: SIM115 - held for the whole run
        except OSError as exc:
            raise StateError(f"state.path: cannot create the lock file {self.path} ({exc.strerror})") from None
        try:
            fcntl.flock(self._handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            self._handle.close()
            self._handle = None
            raise LockHeld("another wcrecall run is still working on this store; nothing was done") from None
        return self

    def __exit__(self, *exc: object) -> None:
        if self._handle:
            fcntl.flock(self._handle.fileno(), fcntl.LOCK_UN)
            self._handle.close()
            self._handle = None


class BackgroundSync:
    """fsync of a journal behind the caller: `start(fd)` asks for one and returns at once, `wait()` returns when
    every fsync asked for is done (raising the OSError of one that failed), `stop()` ends the worker thread. The one
    worker is made at the first request; it runs while the caller waits on the network, where the GIL is free."""

    def __init__(self) -> None:
        self._cv = threading.Condition()
        self._asked = self._done = 0
        self._fd = -1
        self._error: OSError | None = None
        self._stopping = False
        self._thread: threading.Thread | None = None

    def start(self, fd: int) -> None:
        with self._cv:
            self._asked += 1
            self._fd = fd
            if self._thread is None:
                self._thread = threading.Thread(target=self._run, name="wcrecall-journal-fsync", daemon=True)
                self._thread.start()
            self._cv.notify_all()

    def _run(self) -> None:
        while True:
            with self._cv:
                while self._done >= self._asked and not self._stopping:
                    self._cv.wait()
                if self._done >= self._asked:
                    return
                target, fd = self._asked, self._fd
            error = None
            try:
                os.fsync(fd)
            except OSError as exc:
                error = exc
            with self._cv:
                self._done = target
                self._error = error or self._error
                self._cv.notify_all()

    def wait(self) -> None:
        with self._cv:
            while self._done < self._asked:
                self._cv.wait()
            error, self._error = self._error, None
        if error is not None:
            raise error

    def stop(self) -> None:
        """Wait for the fsyncs asked for (the descriptor must stay open until then), then end the worker."""
        with self._cv:
            while self._done < self._asked:
                self._cv.wait()
            self._stopping = True
            self._cv.notify_all()
        if self._thread is not None:
            self._thread.join()
            self._thread = None
        self._stopping = False
