"""The tick's connection to the store: HTTP/1.1 on the standard library's `http.client`, kept alive for the tick.

A tick makes hundreds of small requests to one address. `requests` and `urllib3` redo for each one what never
changes within a tick (parsing and re-encoding the URL, merging settings, building adapters, pool bookkeeping):
about half a millisecond a request, more than everything else wcrecall does for an order. Here the route to the
store is worked out once per address and tick, the way `requests` works it out from the environment (the proxy
from HTTP_PROXY / HTTPS_PROXY / NO_PROXY, the CA bundle from REQUESTS_CA_BUNDLE / CURL_CA_BUNDLE or `certifi`),
and each request is written straight on the open connection.

- TLS is verified as `requests` verifies it (the same CA bundle; `store.ca_bundle` for a private CA;
  `store.verify_tls = false` turns the check off).
- A proxy with the `http://` scheme is used as `requests` uses it: plain http requests go to it in absolute form,
  https ones through a CONNECT tunnel; credentials in the proxy URL become `Proxy-Authorization`. Other proxy
  schemes (socks5://, https://) are refused with an error naming the variable's value's scheme.
- A connection the store closed while idle is noticed before it is reused, and opened again.
- Bodies are decompressed (gzip, deflate) a bounded piece at a time, so the reader's size limit holds for a gzip bomb.
- No redirect is followed (`Redirected`), no cookie is kept or sent back, no credentials are taken from ~/.netrc:
  the only credentials a store gets are the ones in the configuration.

Failures come out as the standard library raises them: `TimeoutError`, `ssl.SSLError`, `OSError` (connection
refused, reset, closed) and `http.client.HTTPException` (a malformed answer); store/client.py words them.
"""

from __future__ import annotations

import base64
import http.client
import os
import select
import socket
import ssl
import zlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import unquote, urlsplit

from requests.utils import DEFAULT_CA_BUNDLE_PATH, get_environ_proxies, select_proxy

from wcrecall.store.wcadapter import Redirected

# What the answer may be compressed with: the decoders below.
ACCEPT_ENCODING = "gzip, deflate"


class ProxyNotSupported(OSError):
    """The environment names a proxy of a kind this connection cannot use."""


class BodyDecodeError(ValueError):
    """The body is not valid data of its Content-Encoding, or in an encoding that was not asked for."""


@dataclass(frozen=True)
class Route:
    """How requests to one store address travel: straight or through an http proxy, with which TLS context."""

    scheme: str
    host: str
    port: int
    context: ssl.SSLContext | None  # https only
    proxy: tuple[str, int] | None = None
    proxy_auth: str | None = None  # the Proxy-Authorization value, from credentials in the proxy's URL


def tls_context(verify: bool | str) -> ssl.SSLContext:
    """`verify` as `requests` reads it: True (the default CA bundle), a CA bundle file or folder, or False."""
    if verify is False:
        context = ssl.create_default_context()
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE
        return context
    where = DEFAULT_CA_BUNDLE_PATH if verify is True else str(verify)
    if os.path.isdir(where):
        return ssl.create_default_context(capath=where)
    return ssl.create_default_context(cafile=where)


def route_for(url: str, verify: bool | str) -> Route:
    """The route to `url`'s address: its proxy and CA bundle taken from the environment as `requests` takes them."""
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    host = parts.hostname or ""
    port = parts.port or (443 if scheme == "https" else 80)
    if verify is True:
        # As requests: the variables name a CA bundle only where the configuration leaves the default.
        verify = os.environ.get("REQUESTS_CA_BUNDLE") or os.environ.get("CURL_CA_BUNDLE") or True
    context = tls_context(verify) if scheme == "https" else None
    proxy_url = select_proxy(url, get_environ_proxies(url))
    if not proxy_url:
        return Route(scheme, host, port, context)
    proxy = urlsplit(proxy_url if "://" in proxy_url else f"http://{proxy_url}")
    if proxy.scheme.lower() != "http" or not proxy.hostname:
        raise ProxyNotSupported(
            f"the proxy for {scheme}:// from the environment uses {proxy.scheme or 'no'}:// (only http:// proxies work)"
        )
    auth = None
    if proxy.username is not None:
        pair = f"{unquote(proxy.username)}:{unquote(proxy.password or '')}"
        auth = "Basic " + base64.b64encode(pair.encode("latin-1")).decode("ascii")
    return Route(scheme, host, port, context, (proxy.hostname, proxy.port or 80), auth)


class Answer:
    """The store's answer: `status_code`, `headers` (case-insensitive) and the body, read with `read1`."""

    def __init__(
        self, response: http.client.HTTPResponse, connection: http.client.HTTPConnection, *, method: str, url: str
    ) -> None:
        self.method, self.url = method, url  # what was asked (the URL is signed: never shown or logged)
        self.status_code = response.status
        self.headers = response.headers
        self._response = response
        self._connection = connection
        self.encoding = response.headers.get("Content-Encoding", "").strip().lower()
        self._decoder = _decoder(self.encoding)
        self._pending = b""
        self._compressed = False  # some compressed bytes came
        self.content = b""  # the whole body, once store/answers.py `read_body` has read it
        self.close_after = False  # a request outside a tick: its connection goes once the body is read

    def read1(self, size: int) -> bytes:
        """Up to `size` bytes of the decoded body (never more, however well it compresses), b"" at its end;
        `BodyDecodeError` when it is not valid data of its encoding."""
        if self._decoder is None:
            if self.encoding not in ("", "identity"):
                raise BodyDecodeError(f"unsupported Content-Encoding {self.encoding[:40]!r}")
            return self._raw(size)
        try:
            while True:
                data, self._pending = self._pending or self._raw(size), b""
                if not data:
                    if self._compressed and not self._decoder.eof:
                        raise BodyDecodeError("the compressed body ended early")
                    return bytes(self._decoder.flush())
                self._compressed = True
                out = self._decoder.decompress(data, size)
                self._pending = self._decoder.unconsumed_tail
                if out:
                    return bytes(out)
        except zlib.error as exc:
            raise BodyDecodeError(str(exc)) from None

    def _raw(self, size: int) -> bytes:
        """Up to `size` bytes as they came; `http.client.IncompleteRead` when the store closed the connection before
        the length it announced (`read1` alone would just end)."""
        data = self._response.read1(size)
        left = self._response.length
        if not data and left:
            raise http.client.IncompleteRead(b"", left)
        return data

    def finish(self, *, whole: bool) -> None:
        """After the body: read `whole`, the connection is kept for the next request; else it is closed (a body left
        half-read would be taken for the next answer)."""
        self._response.close()  # the socket stays open with the connection: the next request is written on it
        if not whole or self.close_after:
            self._connection.close()


def _decoder(encoding: str) -> Any:
    """A decompressor for the answer's Content-Encoding; None for none (or one that cannot be decoded: `read1`
    says so)."""
    if encoding in ("gzip", "x-gzip"):
        return zlib.decompressobj(16 + zlib.MAX_WBITS)
    if encoding == "deflate":
        return _AutoDeflate()
    return None


class _AutoDeflate:
    """A "deflate" body: zlib-wrapped as the standard says, or raw deflate as some servers send it."""

    def __init__(self) -> None:
        self._inner = zlib.decompressobj(zlib.MAX_WBITS)
        self._first = True

    def decompress(self, data: bytes, max_length: int) -> bytes:
        if self._first:
            self._first = False
            try:
                return self._inner.decompress(data, max_length)
            except zlib.error:
                self._inner = zlib.decompressobj(-zlib.MAX_WBITS)
        return self._inner.decompress(data, max_length)

    @property
    def unconsumed_tail(self) -> bytes:
        return self._inner.unconsumed_tail

    @property
    def unused_data(self) -> bytes:
        return self._inner.unused_data

    @property
    def eof(self) -> bool:
        return self._inner.eof

    def flush(self) -> bytes:
        return self._inner.flush()


class StoreSession:
    """The keep-alive connections of one tick, one per store address (in practice one), and the routes to them."""

    def __init__(self) -> None:
        # Called with each answer before its body is read (the real-store contract test records them).
        self.observers: list[Callable[[Answer], None]] = []
        self._routes: dict[tuple[str, str, str], Route] = {}
        self._connections: dict[Route, http.client.HTTPConnection] = {}

    def __enter__(self) -> StoreSession:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        for connection in self._connections.values():
            connection.close()
        self._connections.clear()

    def route(self, url: str, verify: bool | str) -> tuple[Route, str]:
        """The route to `url`'s address (worked out once per address) and the request target to write."""
        scheme, rest = url.split("://", 1)
        netloc, slash, path = rest.partition("/")
        key = (scheme, netloc, repr(verify))
        route = self._routes.get(key)
        if route is None:
            route = self._routes[key] = route_for(url, verify)
        target = slash + path or "/"
        if route.proxy and route.scheme == "http":
            target = url  # a plain-http request to a proxy names the whole URL
        return route, target

    def send(
        self,
        method: str,
        url: str,
        headers: Mapping[str, str],
        body: bytes | None,
        *,
        timeout: float,
        verify: bool | str,
    ) -> Answer:
        """Write one request and read the answer's status and headers; the caller reads the body (`read1`) and
        then calls `finish`. A redirect raises `Redirected`, never followed."""
        route, target = self.route(url, verify)
        connection = self._connection(route, timeout)
        try:
            connection.putrequest(method, target, skip_accept_encoding=True)
            for name, value in headers.items():
                connection.putheader(name, value)
            connection.putheader("Accept-Encoding", ACCEPT_ENCODING)
            if route.proxy_auth and route.scheme == "http":
                connection.putheader("Proxy-Authorization", route.proxy_auth)
            if body is not None or method not in ("GET", "HEAD"):
                connection.putheader("Content-Length", str(len(body or b"")))
            connection.endheaders(body)
            response = connection.getresponse()
        except BaseException:
            connection.close()
            raise
        answer = Answer(response, connection, method=method, url=url)
        for observe in self.observers:
            observe(answer)
        location = response.headers.get("Location")
        if 300 <= response.status < 400 and location is not None:
            answer.finish(whole=False)
            raise Redirected(response.status, location)
        return answer

    def _connection(self, route: Route, timeout: float) -> http.client.HTTPConnection:
        connection = self._connections.get(route)
        if connection is not None and connection.sock is not None and _dropped(connection.sock):
            connection.close()  # the store closed it while idle (keep-alive timeout): open a new one
        if connection is None:
            host, port = route.proxy or (route.host, route.port)
            if route.context is not None:
                connection = http.client.HTTPSConnection(host, port, timeout=timeout, context=route.context)
                if route.proxy:
                    auth = {"Proxy-Authorization": route.proxy_auth} if route.proxy_auth else None
                    connection.set_tunnel(route.host, route.port, headers=auth)
            else:
                connection = http.client.HTTPConnection(host, port, timeout=timeout)
            self._connections[route] = connection
        connection.timeout = timeout
        if connection.sock is not None:
            connection.sock.settimeout(timeout)
        return connection


def _dropped(sock: socket.socket) -> bool:
    """Whether an idle kept-alive socket has something to read: the store's close (EOF) or stray bytes; either way it
    cannot carry the next request."""
    try:
        if hasattr(select, "poll"):
            poller = select.poll()
            poller.register(sock, select.POLLIN)
            return bool(poller.poll(0))
        readable, _, _ = select.select([sock], [], [], 0)
        return bool(readable)
    except (OSError, ValueError):
        return True
