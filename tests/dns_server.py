"""A real DNS server for tests (dnslib), on 127.0.0.1 and one free port for both UDP and TCP.

    with DnsServer({"example.test": [("TXT", "v=spf1 ip4:192.0.2.10 -all")]}) as server:
        settings = MailSettings(..., nameserver=server.address)

Names it does not hold answer NXDOMAIN; a name it holds without the asked type answers NOERROR and no record. Answers
longer than 512 bytes are truncated over UDP (as real servers do), so the client asks again over TCP. `queries` lists
every (name, type) asked. `SilentServer` takes queries and never answers: DNS that hangs.
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Mapping, Sequence
from types import TracebackType
from typing import Any

from dnslib import AAAA, MX, QTYPE, RCODE, RR, TXT, A, DNSRecord
from dnslib.server import BaseResolver, DNSLogger, DNSServer

Zone = Mapping[str, Sequence[tuple[str, str]]]


def _rdata(kind: str, value: str) -> Any:
    if kind == "TXT":
        data = value.encode("utf-8")
        return TXT([data[i : i + 255] for i in range(0, len(data), 255)] or [b""])
    return {"A": A, "AAAA": AAAA, "MX": MX}[kind](value)


class _Resolver(BaseResolver):  # type: ignore[misc]
    def __init__(self, zone: Zone, queries: list[tuple[str, str]], delay: float) -> None:
        self.zone = {name.lower().rstrip("."): list(records) for name, records in zone.items()}
        self.queries = queries
        self.delay = delay

    def resolve(self, request: DNSRecord, handler: Any) -> DNSRecord:
        reply = request.reply()
        name = str(request.q.qname).lower().rstrip(".")
        kind = QTYPE[request.q.qtype]
        self.queries.append((name, kind))
        time.sleep(self.delay)
        if name not in self.zone:
            reply.header.rcode = RCODE.NXDOMAIN
            return reply
        for record_kind, value in self.zone[name]:
            if record_kind == kind:
                reply.add_answer(RR(request.q.qname, getattr(QTYPE, kind), rdata=_rdata(kind, value), ttl=60))
        return reply


def _free_port() -> int:
    """A port free for both UDP and TCP on 127.0.0.1."""
    while True:
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as udp:
            udp.bind(("127.0.0.1", 0))
            port = int(udp.getsockname()[1])
            with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as tcp:
                try:
                    tcp.bind(("127.0.0.1", port))
                except OSError:
                    continue
                return port


class DnsServer:
    def __init__(self, zone: Zone, *, delay: float = 0.0) -> None:
        """`delay`: seconds before each answer (a slow server)."""
        self.queries: list[tuple[str, str]] = []
        self.port = _free_port()
        resolver = _Resolver(zone, self.queries, delay)
        logger = DNSLogger(log="-request,-reply,-truncated,-error,-recv,-send,-data", prefix=False)
        self._servers = [
            DNSServer(resolver, address="127.0.0.1", port=self.port, tcp=tcp, logger=logger) for tcp in (False, True)
        ]

    @property
    def address(self) -> str:
        return f"127.0.0.1:{self.port}"

    def __enter__(self) -> DnsServer:
        self._threads = [
            threading.Thread(target=s.server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True)
            for s in self._servers
        ]
        for thread in self._threads:
            thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        for server, thread in zip(self._servers, self._threads, strict=True):
            server.server.shutdown()
            server.server.server_close()
            thread.join(timeout=5)


class SilentServer:
    """Reads every query over UDP and never answers."""

    def __init__(self) -> None:
        self._socket = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self._socket.bind(("127.0.0.1", 0))
        self.port = int(self._socket.getsockname()[1])
        self._socket.settimeout(0.1)
        self.queries = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._swallow, daemon=True)

    @property
    def address(self) -> str:
        return f"127.0.0.1:{self.port}"

    def _swallow(self) -> None:
        while not self._stop.is_set():
            try:
                self._socket.recv(4096)
            except TimeoutError:
                continue
            except OSError:
                return
            self.queries += 1

    def __enter__(self) -> SilentServer:
        self._thread.start()
        return self

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None) -> None:
        self._stop.set()
        self._thread.join(timeout=5)
        self._socket.close()
