"""The sandbox store as a real HTTP server on 127.0.0.1: keep-alive, counters, latency and fault injection.

`SandboxStore` is the data model (`Store`) plus the server. Requests go to the REST routes (`rest.py`) or the
front-end pages (`pages.py`); the server adds the transport headers the PHP server of the captures sends (`Host`
echoed, `Date` from the simulated clock, `Connection`) and a `Content-Length`. The faults it can inject are in
faults.py.
"""

from __future__ import annotations

import logging
import re
import socket
import struct
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from email.utils import formatdate
from http.server import ThreadingHTTPServer
from typing import Any
from urllib.parse import urlsplit

from wcrecall.sandbox import pages, views
from wcrecall.sandbox.faults import FAULTS, PHP_NOTICE, REASONS, SHORT_CIRCUIT, Fault, fault_response
from wcrecall.sandbox.oauth import DEFAULT_KEYS, ApiKey, Authenticator, php_parse_str
from wcrecall.sandbox.rest import Rest
from wcrecall.sandbox.serving import LoopbackServer, Served, TrackedHandler
from wcrecall.sandbox.store import Store
from wcrecall.sandbox.wire import Request, Response

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class LoggedRequest:
    """One request as the log keeps it: never the query string (it may carry credentials)."""

    method: str
    path: str
    route: str
    status: int
    fault: str | None = None


class SandboxStore(Served, Store):
    """A WooCommerce REST v3 store on 127.0.0.1 for tests, demos and benchmarks.

    Use `with SandboxStore() as store:` (or `start()` / `stop()`); `store.url` is the base URL. The Python API
    of `Store` (create_order, add_note, pay, advance, ...) changes the data the server answers with.
    """

    def __init__(
        self,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        keys: Iterable[ApiKey] = DEFAULT_KEYS,
        auth: bool = True,
        verify_timestamps: bool = True,
        verify_nonces: bool = True,
        close_connections: bool = False,
        assume_https: bool = False,
        home_url: str | None = None,
        latency: float = 0.0,
        fault_delay: float = 30.0,
        wall_clock: Callable[[], float] = time.time,
        **store_options: Any,
    ) -> None:
        super().__init__(**store_options)
        self.host, self.port = host, port
        # OAuth timestamps are checked against the real wall clock (`wall_clock`), never the simulated one.
        self.authenticator = Authenticator(
            keys, verify_timestamps=verify_timestamps, verify_nonces=verify_nonces, wall_clock=wall_clock
        )
        self.auth = auth
        self.close_connections = close_connections
        self.assume_https = assume_https
        self._fixed_home = home_url.rstrip("/") if home_url else None
        self.latency = latency
        self.fault_delay = fault_delay
        self._faults: list[Fault] = []
        self._stats_lock = threading.Lock()
        self.request_counts: Counter[tuple[str, str]] = Counter()
        self.request_log: list[LoggedRequest] = []
        self.bytes_sent = 0
        self.connections = 0
        self._open: set[socket.socket] = set()
        self._stopping = threading.Event()

    # --- lifecycle --------------------------------------------------------------------------------------------------

    def _make_server(self) -> ThreadingHTTPServer:
        return _Server((self.host, self.port), _Handler, self)

    def _bound(self) -> None:
        self.home_url = self._fixed_home or self.url

    # --- faults and counters ----------------------------------------------------------------------------------------

    def inject(self, fault: str, *, times: int = 1, path: str | re.Pattern[str] | None = None) -> None:
        """Spoil the next `times` requests whose path matches `path` (substring or regex; None = any) with `fault`."""
        if fault not in FAULTS:
            raise ValueError(f"unknown fault {fault!r}; one of {', '.join(sorted(FAULTS))}")
        with self._stats_lock:
            self._faults.append(Fault(fault, times, path))

    def reset_counters(self) -> None:
        """Zero the request, byte and connection counters and clear the request log."""
        with self._stats_lock:
            self.request_counts.clear()
            self.request_log.clear()
            self.bytes_sent = 0
            self.connections = 0

    def count(self, method: str | None = None, route: str | None = None) -> int:
        """Requests seen, optionally only one method and/or route template (e.g. "/wp-json/wc/v3/orders")."""
        with self._stats_lock:
            return sum(
                n
                for (m, r), n in self.request_counts.items()
                if (method is None or m == method) and (route is None or r == route)
            )

    def _record(self, method: str, path: str, route: str, status: int, fault: str | None, sent: int) -> None:
        with self._stats_lock:
            self.request_counts[(method, route)] += 1
            self.request_log.append(LoggedRequest(method, path, route, status, fault))
            self.bytes_sent += sent

    def _opened(self, sock: socket.socket) -> None:
        with self._stats_lock:
            self.connections += 1
        super()._opened(sock)

    # --- answering --------------------------------------------------------------------------------------------------

    def answer(self, request: Request) -> Response:
        """The response to one request, without transport concerns (usable without a socket)."""
        parts = urlsplit(request.target)
        query = php_parse_str(parts.query)
        rest = Rest(self, self.authenticator if self.auth else None, assume_https=self.assume_https)
        if parts.path.startswith("/wp-json"):
            response = rest.handle(request, parts.path[len("/wp-json") :] or "/", query)
            response.route = "/wp-json" + (response.route or "(no route)")
            return response
        rest_route = query.get("rest_route")
        if parts.path in ("", "/", "/index.php") and isinstance(rest_route, str):
            response = rest.handle(request, rest_route, query)
            response.route = "/?rest_route=" + (response.route or "(no route)")
            return response
        return pages.handle(self, request, parts.path, query)


class _Server(LoopbackServer):
    sandbox: SandboxStore


class _Handler(TrackedHandler):
    server: _Server

    def do_GET(self) -> None:
        self._serve()

    do_POST = do_PUT = do_PATCH = do_DELETE = do_HEAD = do_OPTIONS = do_GET

    def _read_body(self) -> bytes:
        if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
            chunks: list[bytes] = []
            while True:
                size = int(self.rfile.readline().split(b";")[0].strip() or b"0", 16)
                if size == 0:
                    self.rfile.readline()
                    return b"".join(chunks)
                chunks.append(self.rfile.read(size))
                self.rfile.readline()
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length > 0 else b""

    def _serve(self) -> None:
        store = self.server.sandbox
        body = self._read_body()
        request = Request(self.command, self.path, {k.lower(): v for k, v in self.headers.items()}, body)
        path = urlsplit(self.path).path
        if store.latency > 0:
            store._stopping.wait(store.latency)
        fault = store._take_fault(path)
        request.short_page = fault == "short_page"
        try:
            if fault in SHORT_CIRCUIT:
                response = fault_response(store.home_url, fault, self.command)
                response.route = "(fault)"
            else:
                response = store.answer(request)
        except Exception:  # a sandbox bug must not look like a hung server
            log.exception("sandbox store failed on %s %s", self.command, path)
            body500 = {"code": "internal_server_error", "message": "Sandbox error.", "data": {"status": 500}}
            response = Response(500, views.php_json(body500), [("Content-Type", "application/json; charset=UTF-8")])
        if fault == "timeout" and store._stopping.wait(store.fault_delay):
            self.close_connection = True
            return
        payload = response.body
        if fault == "php_notice":
            payload = PHP_NOTICE.encode() + payload
        elif fault == "truncated_json":
            payload = payload[: max(1, len(payload) // 2)]
        elif fault == "empty_body":
            payload = b""
        # Logged before the answer goes out, so a client that has its answer also finds it in the log.
        body_bytes = 0 if self.command == "HEAD" else len(payload) // 2 if fault == "reset" else len(payload)
        store._record(self.command, path, response.route, response.status, fault, body_bytes)
        self._write(response, payload, reset=fault == "reset")

    def _write(self, response: Response, payload: bytes, *, reset: bool) -> None:
        store = self.server.sandbox
        close = store.close_connections or self.close_connection or reset
        self.send_response_only(response.status, REASONS.get(response.status))
        host = self.headers.get("Host")
        if host:
            self.send_header("Host", host)
        self.send_header("Date", formatdate(store.clock.timestamp(), usegmt=True))
        self.send_header("Connection", "close" if close else "keep-alive")
        for name, value in response.headers:
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.close_connection = close
        if self.command == "HEAD":
            return
        if reset:
            try:
                self.wfile.write(payload[: len(payload) // 2])
                # SO_LINGER 0: close() sends a TCP RST instead of a FIN, as a crashed upstream does.
                self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
                self.connection.close()
            except OSError:
                pass
            return
        try:
            self.wfile.write(payload)
        except OSError:
            self.close_connection = True
