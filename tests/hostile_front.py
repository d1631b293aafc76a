"""A misbehaving store for tests: an HTTP front on 127.0.0.1 that answers from a sandbox store, except for the
requests a test spoils, which get raw bytes of the test's making (lying headers, huge or compressed bodies, slow
drips, redirects, another order's data).

The sandbox behind it takes the front's address as its home URL, so OAuth signatures made for the front verify.
Every answer closes its connection: a spoiled answer must not leave a half-read body on a kept-alive one.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from email.utils import formatdate
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any, Self
from urllib.parse import urlsplit

from wcrecall.sandbox import SandboxStore
from wcrecall.sandbox.wire import Request, Response

# A spoiler gets the request and the sandbox's genuine answer, and returns the bytes to send (status line and
# headers included), in pieces: the front writes each piece as it comes, so a generator can drip.
Spoiler = Callable[[Request, Response], Iterable[bytes]]


def head(status: int, headers: Iterable[tuple[str, str]]) -> bytes:
    lines = [f"HTTP/1.1 {status} Spoiled"] + [f"{name}: {value}" for name, value in headers]
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")


def raw(status: int, headers: Iterable[tuple[str, str]], body: bytes, *, length: int | None = None) -> bytes:
    """A whole answer; `length` replaces the true Content-Length (a lying header), -1 leaves it out."""
    extra = [] if length == -1 else [("Content-Length", str(len(body) if length is None else length))]
    return head(status, [*headers, *extra, ("Connection", "close")]) + body


@dataclass
class _Rule:
    method: str
    path: re.Pattern[str]
    spoiler: Spoiler
    remaining: int


class HostileFront:
    """`with HostileFront() as front:` then `front.sandbox` is the store's data and `front.url` its address."""

    def __init__(self) -> None:
        self._server = _Server(self)
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}"
        self.sandbox = SandboxStore(home_url=self.url)
        self.stopping = threading.Event()
        self._rules: list[_Rule] = []
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None

    def spoil(self, method: str, path: str, spoiler: Spoiler, *, times: int = 1000) -> None:
        """Answer the next `times` requests whose path fully matches the regex `path` with `spoiler`."""
        with self._lock:
            self._rules.append(_Rule(method, re.compile(path), spoiler, times))

    def clear(self) -> None:
        with self._lock:
            self._rules.clear()

    def _rule_for(self, method: str, path: str) -> Spoiler | None:
        with self._lock:
            for rule in self._rules:
                if rule.method == method and rule.path.fullmatch(path):
                    rule.remaining -= 1
                    if rule.remaining <= 0:
                        self._rules.remove(rule)
                    return rule.spoiler
        return None

    def answer(self, request: Request) -> Iterable[bytes]:
        path = urlsplit(request.target).path
        genuine = self.sandbox.answer(request)
        genuine.headers.append(("Date", formatdate(self.sandbox.clock.timestamp(), usegmt=True)))
        spoiler = self._rule_for(request.method, path)
        if spoiler is not None:
            return spoiler(request, genuine)
        return [raw(genuine.status, genuine.headers, genuine.body)]

    def __enter__(self) -> Self:
        self.sandbox.start()
        self._thread = threading.Thread(target=lambda: self._server.serve_forever(poll_interval=0.05), daemon=True)
        self._thread.start()
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stopping.set()
        self._server.shutdown()
        self._server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)
        self.sandbox.stop()

    def drip(self, data: bytes, every: float) -> Iterator[bytes]:
        """`data` one byte at a time, `every` seconds apart, until done or the front stops."""
        for index in range(len(data)):
            if self.stopping.wait(every):
                return
            yield data[index : index + 1]


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False

    def __init__(self, front: HostileFront) -> None:
        self.front = front
        super().__init__(("127.0.0.1", 0), _Handler)

    def handle_error(self, request: Any, client_address: Any) -> None:
        """Quiet: a client that gave up on a spoiled answer leaves a broken pipe here."""


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: _Server

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def do_GET(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        request = Request(self.command, self.path, {k.lower(): v for k, v in self.headers.items()}, body)
        self.close_connection = True
        try:
            for piece in self.server.front.answer(request):
                self.wfile.write(piece)
                self.wfile.flush()
        except OSError:
            pass

    do_POST = do_PUT = do_GET
