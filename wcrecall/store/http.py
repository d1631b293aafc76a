"""The store's request path: each request built, signed and sent with the work that never changes done once.

WooCommerce's REST API (wc/v3) under `<store.url>/wp-json/wc/v3/`: https uses Basic auth, http uses OAuth 1.0a
one-legged, signed exactly as the `woocommerce` package (3.0.0) signs it, with a fresh 128-bit nonce and the current
time in every request, so a retried request is a new one (WooCommerce refuses a replayed nonce). `RequestPath` works
out the base URL (as `requests` would send it), the Basic auth header and the signing key once per store; a
request then costs one query string and, over http, one HMAC, instead of the package's URL rebuilding and
re-parsing and `requests`' own URL parsing and re-encoding of every call.

One `StoreSession` (store/connection.py) carries every call of a tick (`Store.session()` binds it), so the store
sees one TCP connection; the route to the store (proxy, CA bundle) is worked out once per session. The body is
streamed (store/answers.py reads it, bounded in size and time) and a redirect raises `Redirected`, never followed:
it would lose Basic auth or break the OAuth signature, and could point anywhere.
"""

from __future__ import annotations

import contextvars
import json
import secrets
import time
from collections.abc import Mapping
from functools import lru_cache
from typing import Any
from urllib.parse import urlencode

import requests
from requests.auth import _basic_auth_str

from wcrecall.store.connection import Answer, StoreSession
from wcrecall.store.wcadapter import PLAIN, oauth_signature

# The session requests of a tick go through (`SessionScope` binds it for `Store.session()` and resets it).
session_var: contextvars.ContextVar[StoreSession | None] = contextvars.ContextVar("wcrecall_session", default=None)

API_PREFIX = "wp-json/wc/v3/"


class RequestPath:
    """The store's base URL, authentication and signing, worked out once; `url()` and `send()` per request."""

    def __init__(self, url: str, consumer_key: str, consumer_secret: str, *, user_agent: str) -> None:
        site = url.rstrip("/")
        # What OAuth signs is the address as configured; what goes out is that address as `requests` sends it (host
        # in IDNA, path re-quoted), which is the same text for any ordinary address.
        self._sign_base = f"{site}/{API_PREFIX}"
        prepared = requests.PreparedRequest()
        prepared.prepare_url(self._sign_base, None)
        self._send_base = str(prepared.url)
        self.oauth = not site.startswith("https")  # the package's rule: Basic over https, OAuth otherwise
        self._consumer_key = consumer_key
        self._secret = consumer_secret
        self.headers: dict[str, str] = {"user-agent": user_agent, "accept": "application/json"}
        if not self.oauth:
            self.headers["Authorization"] = _basic_auth_str(consumer_key, consumer_secret)

    def url(
        self,
        method: str,
        endpoint: str,
        params: Mapping[str, Any] | None = None,
        *,
        timestamp: int | None = None,
        nonce: str | None = None,
    ) -> str:
        """The request's full URL: the query, and over http the OAuth parameters and signature after it."""
        params = params or {}
        if not self.oauth:
            query = urlencode([(k, v) for k, v in params.items() if v is not None])
            return f"{self._send_base}{endpoint}?{query}" if query else f"{self._send_base}{endpoint}"
        # As the package does it: the query as text, then parsed back (which drops empty values), then signed.
        pairs = [(str(k), str(v)) for k, v in params.items() if str(v) != ""]
        pairs += [
            ("oauth_consumer_key", self._consumer_key),
            ("oauth_timestamp", str(int(time.time()) if timestamp is None else timestamp)),
            ("oauth_nonce", secrets.token_hex(16) if nonce is None else nonce),
            ("oauth_signature_method", "HMAC-SHA256"),
        ]
        pairs.append(("oauth_signature", self._signature(method, self._sign_base + endpoint, pairs)))
        return f"{self._send_base}{endpoint}?{'&'.join(_encoded_pair(k, v) for k, v in pairs)}"

    def _signature(self, method: str, url: str, pairs: list[tuple[str, str]]) -> str:
        """The OAuth signature, by the `woocommerce` package's own code (store/wcadapter.py)."""
        return oauth_signature(method, url, pairs, key=self._consumer_key, secret=self._secret)

    def send(
        self, method: str, endpoint: str, *, params: Mapping[str, Any] | None, data: Any, timeout: float, verify: Any
    ) -> Answer:
        """Send one request (a fresh signature and nonce) in the tick's session (store/connection.py)."""
        url = self.url(method, endpoint, params)
        headers = self.headers
        body = None
        if data is not None:
            body = json.dumps(data, ensure_ascii=False).encode("utf-8")
            headers = dict(headers, **{"content-type": "application/json;charset=utf-8"})
        return send_in_session(method, url, headers, body, timeout=timeout, verify=verify)


def send_in_session(
    method: str, url: str, headers: Mapping[str, str], body: bytes | None, *, timeout: float, verify: Any
) -> Answer:
    """Send one built request over the tick's connection (`Store.session()`), or over one of its own outside a tick;
    the answer's body is read by store/answers.py `read_body`, which then lets go of the connection."""
    session = session_var.get()
    if session is None:
        # No tick session: the connection is closed once the body has been read (`Answer.finish`).
        alone = StoreSession()
        answer = alone.send(method, url, headers, body, timeout=timeout, verify=verify)
        answer.close_after = True
        return answer
    return session.send(method, url, headers, body, timeout=timeout, verify=verify)


def _encoded_pair(name: str, value: str) -> str:
    """One `name=value` of the query exactly as `urlencode` writes it (unreserved characters stay as they are)."""
    if PLAIN.fullmatch(name) and PLAIN.fullmatch(value):
        return f"{name}={value}"
    return _urlencoded_pair(name, value)


@lru_cache(maxsize=4096)
def _urlencoded_pair(name: str, value: str) -> str:
    """A tick repeats all parameters but the nonce, time, page and signature: each is quoted once."""
    return urlencode([(name, value)])


class SessionScope:
    """Binds a fresh keep-alive session to the current context for the duration of a `with` block."""

    def __enter__(self) -> StoreSession:
        self._http = StoreSession()
        self._token = session_var.set(self._http)
        return self._http

    def __exit__(self, *exc: object) -> None:
        session_var.reset(self._token)
        self._http.close()
