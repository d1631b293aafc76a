"""`MagentoSandbox`: the Magento store (store.py) served over HTTP on 127.0.0.1, with counters and injected faults.

The server adds the transport headers of the captured PHP server (`Host` echoed, `Date` from the store clock,
`Connection`, `X-Powered-By`) and a `Content-Length`; `rest.py` makes the answers. Faults (`inject()`), in the
style of the WooCommerce sandbox: `http_401` (a revoked integration), `http_429`, `http_500` (Magento's report
body), `http_502` / `http_503` / `http_504` (a proxy's HTML), `html_200` (a PHP fatal error page answered 200),
`timeout` (no answer for `fault_delay` s), `reset` (half the body, then a TCP reset), `truncated_json`,
`empty_body`.
"""

from __future__ import annotations

import logging
import secrets
import socket
import struct
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime
from email.utils import formatdate
from http.server import ThreadingHTTPServer
from typing import Any
from urllib.parse import urlsplit

from wcrecall.sandbox.faults import Fault
from wcrecall.sandbox.magento import rest
from wcrecall.sandbox.magento.oauth import DEFAULT_INTEGRATIONS, FULL_INTEGRATION, Authenticator, Integration
from wcrecall.sandbox.magento.store import MagentoStore, fixture_data
from wcrecall.sandbox.serving import LoopbackServer, Served, TrackedHandler
from wcrecall.sandbox.wire import Request, Response

log = logging.getLogger(__name__)
FAULTS = frozenset(
    {"http_401", "http_429", "http_500", "http_502", "http_503", "http_504", "html_200", "timeout", "reset",
     "truncated_json", "empty_body"}
)  # fmt: skip
_SHORT_CIRCUIT = frozenset({"http_401", "http_429", "http_500", "http_502", "http_503", "http_504", "html_200"})
_REASONS = {429: "Too Many Requests", 502: "Bad Gateway", 503: "Service Unavailable", 504: "Gateway Timeout"}
PHP_FATAL = (
    "<br />\n<b>Fatal error</b>:  Allowed memory size of 792723456 bytes exhausted (tried to allocate 20480 bytes) "
    "in <b>vendor/magento/framework/DB/Statement/Pdo/Mysql.php</b> on line <b>91</b><br />\n"
)


@dataclass(frozen=True)
class LoggedRequest:
    """One request as the log keeps it: never the query string or the Authorization header. `cookie`: the request
    sent a Cookie header (a client should not send Magento's session cookie back)."""

    method: str
    path: str
    route: str
    status: int
    fault: str | None = None
    cookie: bool = False


def fault_response(kind: str) -> Response:
    """The answer of a fault that never reaches the store."""
    if kind == "http_401":
        return rest.error(401, "A consumer having the specified key does not exist", route="(fault)")
    if kind == "http_500":
        report = "webapi-" + secrets.token_hex(7)[:13]
        return rest.error(500, f"Internal Error. Details are available in Magento log file. Report ID: {report}")
    if kind == "html_200":
        return Response(200, PHP_FATAL.encode(), [], "text/html; charset=UTF-8", "(fault)")
    status = int(kind.removeprefix("http_"))
    html = f"<html>\r\n<head><title>{status} {_REASONS[status]}</title></head>\r\n<body>\r\n<center><h1>{status} "
    html += f"{_REASONS[status]}</h1></center>\r\n<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n"
    headers = [("Server", "nginx")] + ([("Retry-After", "1")] if status == 429 else [])
    return Response(status, html.encode(), headers, "text/html", "(fault)")


class MagentoSandbox(Served, MagentoStore):
    """A Magento 2.4.7-p3 REST store on 127.0.0.1: `with MagentoSandbox() as store: store.url ...`.

    `auth=False` accepts every request as `FULL_INTEGRATION`; OAuth timestamps are checked against `wall_clock`
    (the real time by default), never the simulated store clock.
    """

    def __init__(
        self,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        integrations: Iterable[Integration] = DEFAULT_INTEGRATIONS,
        auth: bool = True,
        verify_nonces: bool = True,
        wall_clock: Callable[[], float] = time.time,
        close_connections: bool = True,
        assume_https: bool = False,
        base_url: str | None = None,
        latency: float = 0.0,
        fault_delay: float = 30.0,
        now: datetime | None = None,
        timezone: str = "Asia/Shanghai",
    ) -> None:
        super().__init__(now=now, timezone=timezone)
        self.host, self.port = host, port
        self.authenticator = (
            Authenticator(integrations, wall_clock=wall_clock, verify_nonces=verify_nonces) if auth else None
        )
        self.authenticator_bypass: Integration | None = FULL_INTEGRATION
        self.close_connections, self.assume_https = close_connections, assume_https
        self._fixed_base = base_url.rstrip("/") if base_url else None
        self.base_url = self._fixed_base or f"http://{host}:{port}"
        self.latency, self.fault_delay = latency, fault_delay
        self.masked_ids: Iterator[str] | None = None
        self._faults: list[Fault] = []
        self._stats_lock = threading.Lock()
        self.request_counts: Counter[tuple[str, str]] = Counter()
        self.request_log: list[LoggedRequest] = []
        self._open: set[socket.socket] = set()
        self._stopping = threading.Event()

    # --- lifecycle --------------------------------------------------------------------------------------------------

    @property
    def port_number(self) -> int:
        return self._httpd.server_address[1] if self._httpd else self.port

    _name = "Magento sandbox"

    def _make_server(self) -> ThreadingHTTPServer:
        return _Server((self.host, self.port), _Handler, self)

    def _bound(self) -> None:
        self.base_url = self._fixed_base or self.url

    # --- store settings the API shows -------------------------------------------------------------------------------

    def store_configs(self) -> list[dict[str, Any]]:
        """`store/storeConfigs` with this server's base URLs and the store's time zone."""
        base = self.base_url + "/"
        configs = []
        for config in fixture_data()["store_configs"]:
            entry = dict(config)
            entry["timezone"] = self.timezone
            for key in ("base_url", "base_link_url", "secure_base_url", "secure_base_link_url"):
                entry[key] = base
            for key in ("base_static_url", "secure_base_static_url"):
                entry[key] = base + "static/version1796025545/"
            for key in ("base_media_url", "secure_base_media_url"):
                entry[key] = base + "media/"
            configs.append(entry)
        return configs

    def new_masked_id(self) -> str:
        """A guest cart's masked id (32 letters and digits); `masked_ids` can supply them."""
        if self.masked_ids is not None:
            return next(self.masked_ids)
        return secrets.token_urlsafe(24).replace("-", "x").replace("_", "y")[:32]

    # --- faults and counters ----------------------------------------------------------------------------------------

    def inject(self, fault: str, *, times: int = 1, path: str | None = None) -> None:
        """Spoil the next `times` requests whose path contains (or matches the regex) `path` with `fault`."""
        if fault not in FAULTS:
            raise ValueError(f"unknown fault {fault!r}; one of {', '.join(sorted(FAULTS))}")
        with self._stats_lock:
            self._faults.append(Fault(fault, times, path))

    def count(self, method: str | None = None, route: str | None = None) -> int:
        """Requests seen, optionally of one method and/or route template ("/V1/orders/:id/comments")."""
        with self._stats_lock:
            return sum(n for (m, r), n in self.request_counts.items()
                       if (method is None or m == method) and (route is None or r == route))  # fmt: skip

    def reset_counters(self) -> None:
        with self._stats_lock:
            self.request_counts.clear()
            self.request_log.clear()

    def _record(self, request: Request, path: str, response: Response, fault: str | None) -> None:
        with self._stats_lock:
            self.request_counts[(request.method, response.route)] += 1
            entry = LoggedRequest(
                request.method, path, response.route, response.status, fault, "cookie" in request.headers
            )
            self.request_log.append(entry)

    # --- answering --------------------------------------------------------------------------------------------------

    def answer(self, request: Request) -> Response:
        """The response to one request, without transport concerns (usable without a socket)."""
        if urlsplit(request.target).path.startswith("/rest/"):
            return rest.handle(self, request)
        return rest.page(self, request)


class _Server(LoopbackServer):
    sandbox: MagentoSandbox


class _Handler(TrackedHandler):
    server: _Server

    def do_GET(self) -> None:
        self._serve()

    do_POST = do_PUT = do_DELETE = do_HEAD = do_GET

    def _serve(self) -> None:
        store = self.server.sandbox
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length > 0 else b""
        request = Request(self.command, self.path, {k.lower(): v for k, v in self.headers.items()}, body)
        path = urlsplit(self.path).path
        if store.latency > 0:
            store._stopping.wait(store.latency)
        fault = store._take_fault(path)
        try:
            response = fault_response(fault) if fault in _SHORT_CIRCUIT else store.answer(request)
        except Exception:  # a sandbox bug must not look like a hung server
            log.exception("Magento sandbox failed on %s %s", self.command, path)
            response = rest.error(500, "Internal Error. Details are available in Magento log file.", route="(bug)")
        if fault == "timeout" and store._stopping.wait(store.fault_delay):
            self.close_connection = True
            return
        payload = response.body
        if fault == "truncated_json":
            payload = payload[: max(1, len(payload) // 2)]
        elif fault == "empty_body":
            payload = b""
        store._record(request, path, response, fault)
        self._write(response, payload, reset=fault == "reset")

    def _write(self, response: Response, payload: bytes, *, reset: bool) -> None:
        store = self.server.sandbox
        close = store.close_connections or self.close_connection or reset
        self.send_response_only(response.status)
        if self.headers.get("Host"):
            self.send_header("Host", self.headers["Host"])
        self.send_header("Date", formatdate(store.now().timestamp(), usegmt=True))
        self.send_header("Connection", "close" if close else "keep-alive")
        self.send_header("X-Powered-By", "PHP/8.2.36")
        for name, value in response.headers:
            self.send_header(name, value)
        self.send_header("Content-Type", response.content_type)
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.close_connection = close
        if self.command == "HEAD":
            return
        try:
            if reset:
                self.wfile.write(payload[: len(payload) // 2])
                self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
                self.connection.close()
                return
            self.wfile.write(payload)
        except OSError:
            self.close_connection = True
