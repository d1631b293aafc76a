"""An http proxy on 127.0.0.1 for tests: plain http requests in absolute form are passed on, https ones tunnelled
(CONNECT); every request line and the Proxy-Authorization it came with are remembered in `seen`."""

from __future__ import annotations

import http.client
import socket
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any, Self
from urllib.parse import urlsplit


class Proxy(ThreadingHTTPServer):
    """`with Proxy() as proxy:` serves on a free port of 127.0.0.1 (`proxy.url`) until the block ends."""

    daemon_threads = True

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.seen: list[tuple[str, str | None]] = []

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"

    def __enter__(self) -> Self:
        threading.Thread(target=lambda: self.serve_forever(poll_interval=0.05), daemon=True).start()
        return self

    def __exit__(self, *exc: type[BaseException] | BaseException | TracebackType | None) -> None:
        self.shutdown()
        self.server_close()


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: Proxy

    def log_message(self, format: str, *args: Any) -> None:
        return None

    def _forward(self) -> None:
        self.server.seen.append((f"{self.command} {self.path}", self.headers.get("Proxy-Authorization")))
        target = urlsplit(self.path)
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        upstream = http.client.HTTPConnection(target.hostname or "", target.port or 80, timeout=10)
        headers = {k: v for k, v in self.headers.items() if k.lower() not in ("proxy-authorization", "connection")}
        upstream.request(self.command, f"{target.path}?{target.query}", body=body or None, headers=headers)
        answer = upstream.getresponse()
        content = answer.read()
        self.send_response(answer.status)
        for name, value in answer.getheaders():
            if name.lower() not in ("connection", "transfer-encoding", "content-length"):
                self.send_header(name, value)
        self.send_header("Content-Length", str(len(content)))
        self.end_headers()
        self.wfile.write(content)
        upstream.close()

    do_GET = do_POST = _forward

    def do_CONNECT(self) -> None:
        self.server.seen.append((f"CONNECT {self.path}", self.headers.get("Proxy-Authorization")))
        host, _, port = self.path.rpartition(":")
        upstream = socket.create_connection((host, int(port)), timeout=10)
        self.send_response_only(200, "Connection established")
        self.end_headers()
        self.wfile.flush()
        pipes = [(self.connection, upstream), (upstream, self.connection)]
        threads = [threading.Thread(target=_pipe, args=pair, daemon=True) for pair in pipes]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=10)
        upstream.close()
        self.close_connection = True


def _pipe(source: socket.socket, target: socket.socket) -> None:
    try:
        while chunk := source.recv(65536):
            target.sendall(chunk)
        target.shutdown(socket.SHUT_WR)
    except OSError:
        pass
