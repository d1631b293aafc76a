"""Serving a sandbox store on 127.0.0.1: the lifecycle both sandboxes (WooCommerce and Magento) share."""

from __future__ import annotations

import socket
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any, Self

from wcrecall.sandbox.faults import Fault


class Served:
    """A store served by a `ThreadingHTTPServer` in a daemon thread: `url`, `start()`, `stop()` and `with`.

    The class that mixes this in sets `host`, `port`, `_open` (the open client sockets, under `_stats_lock`) and
    `_stopping` in its `__init__`, and says how its server is made (`_make_server`) and what it does once bound
    (`_bound`)."""

    host: str
    port: int
    _open: set[socket.socket]
    _stats_lock: threading.Lock
    _stopping: threading.Event
    _faults: list[Fault]  # injected faults still to spoil requests, under `_stats_lock`
    _httpd: ThreadingHTTPServer | None = None
    _thread: threading.Thread | None = None
    _name = "sandbox store"

    def _make_server(self) -> ThreadingHTTPServer:
        raise NotImplementedError

    def _bound(self) -> None:
        """Called once the server is bound (its port known), before it serves."""

    def clear_faults(self) -> None:
        """Drop every pending fault."""
        with self._stats_lock:
            self._faults.clear()

    def pending_faults(self) -> int:
        """How many injected fault uses are left."""
        with self._stats_lock:
            return sum(f.remaining for f in self._faults)

    def _take_fault(self, path: str) -> str | None:
        """The kind of the first pending fault that spoils a request for `path` (one use of it taken), or None."""
        with self._stats_lock:
            for fault in self._faults:
                if fault.matches(path):
                    fault.remaining -= 1
                    if fault.remaining <= 0:
                        self._faults.remove(fault)
                    return fault.kind
        return None

    def _opened(self, sock: socket.socket) -> None:
        with self._stats_lock:
            self._open.add(sock)

    def _closed(self, sock: socket.socket) -> None:
        with self._stats_lock:
            self._open.discard(sock)

    def close_idle_connections(self) -> int:
        """Close the kept-alive client connections, as a web server does when its keep-alive timeout passes between
        two requests; the number closed (each handler then ends)."""
        with self._stats_lock:
            open_sockets = list(self._open)
        for sock in open_sockets:
            try:
                sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
        return len(open_sockets)

    @property
    def open_connections(self) -> int:
        """Client connections open now."""
        with self._stats_lock:
            return len(self._open)

    @property
    def url(self) -> str:
        """`http://127.0.0.1:PORT` (no trailing slash); the server must be started."""
        if self._httpd is None:
            raise RuntimeError(f"the {self._name} is not running: call start() or use it as a context manager")
        return f"http://{self.host}:{self._httpd.server_address[1]}"

    def start(self) -> Self:
        """Bind (port 0 = a free port) and serve in a daemon thread."""
        if self._httpd is not None:
            return self
        self._stopping.clear()
        self._httpd = httpd = self._make_server()
        self._bound()
        # A short poll interval keeps stop() fast (shutdown() waits for the serve loop to notice).
        self._thread = threading.Thread(
            target=lambda: httpd.serve_forever(poll_interval=0.05), name=self._name, daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving, end held requests and open keep-alive connections, close the socket."""
        httpd = self._httpd
        if httpd is None:
            return
        self._stopping.set()
        httpd.shutdown()
        httpd.server_close()
        self.close_idle_connections()
        if self._thread is not None:
            self._thread.join(timeout=5)
        self._httpd = self._thread = None

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()


class LoopbackServer(ThreadingHTTPServer):
    """The HTTP server of a sandbox store: a thread a connection, never waited for on close."""

    daemon_threads = True
    block_on_close = False
    request_queue_size = 128

    def __init__(self, address: tuple[str, int], handler: type[BaseHTTPRequestHandler], sandbox: Served) -> None:
        self.sandbox = sandbox
        super().__init__(address, handler)


class TrackedHandler(BaseHTTPRequestHandler):
    """HTTP/1.1 with keep-alive; every open connection known to the store, so `stop()` can end it; no log lines (each
    store keeps its own request log, without query strings or credentials)."""

    protocol_version = "HTTP/1.1"
    # Without TCP_NODELAY each answer on a kept-alive connection waits ~40 ms for the client's delayed ACK.
    disable_nagle_algorithm = True
    server: LoopbackServer

    def setup(self) -> None:
        super().setup()
        self.server.sandbox._opened(self.connection)

    def finish(self) -> None:
        try:
            super().finish()
        except OSError:
            pass
        self.server.sandbox._closed(self.connection)

    def log_message(self, format: str, *args: Any) -> None:
        """Silent."""
