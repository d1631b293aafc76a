"""The store's request path: each request built, signed and sent with the work that never changes done once.

WooCommerce's REST API (wc/v3) under `<store.url>/wp-json/wc/v3/`: https uses Basic auth, http uses OAuth 1.0a
one-legged, signed exactly as the `woocommerce` package (3.0.0) signs it, with a fresh 128-bit nonce and the current
time in every request, so a retried request is a new one (WooCommerce refuses a replayed nonce). `RequestPath` works
out the base URL (as `requests` would send it), the Basic auth header and the signing key once per store; a
request then costs one query string and, over http, one HMAC, instead of the package's URL rebuilding and
re-parsing and `requests`' own URL parsing and re-encoding of every call.

One `requests.Session` carries every call of a tick (`Store.session()` binds it), so the store sees one TCP
connection. What `requests` takes from the environment for the store's address (proxy, CA bundle, netrc) is worked
out once per session. The body is streamed (store/client.py reads it, bounded in size and time) and a redirect
raises `Redirected`, never followed: it would lose Basic auth or break the OAuth signature, and could point anywhere.
"""

from __future__ import annotations

import json
import secrets
import time
from collections.abc import Mapping
from functools import lru_cache
from typing import Any
from urllib.parse import urlencode, urlsplit

import requests
from requests.auth import HTTPBasicAuth, _basic_auth_str
from requests.structures import CaseInsensitiveDict

from wcrecall.store.wcadapter import Redirected, oauth_signature, session_var

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
    ) -> requests.Response:
        """Send one request (a fresh signature and nonce) in the tick's session, or in a session of its own."""
        url = self.url(method, endpoint, params)
        headers = dict(self.headers)
        body = None
        if data is not None:
            body = json.dumps(data, ensure_ascii=False).encode("utf-8")
            headers["content-type"] = "application/json;charset=utf-8"
        session = session_var.get()
        if session is None:
            with TickSession() as alone:
                return alone.send_built(method, url, headers, body, timeout=timeout, verify=verify)
        assert isinstance(session, TickSession)
        return session.send_built(method, url, headers, body, timeout=timeout, verify=verify)


@lru_cache(maxsize=4096)
def _encoded_pair(name: str, value: str) -> str:
    """One `name=value` of the query exactly as `urlencode` writes it; a tick repeats all but the nonce, time and page."""
    return urlencode([(name, value)])


def _stop_at_redirect(response: requests.Response, *args: Any, **kwargs: Any) -> None:
    """A response hook: runs before `requests` looks at `Location` at all (it would raise on a malformed one)."""
    if 300 <= response.status_code < 400 and "Location" in response.headers:
        response.close()
        raise Redirected(response.status_code, response.headers["Location"])


class TickSession(requests.Session):
    """The tick's keep-alive session. A request built by `RequestPath` goes out as built: prepared directly from the
    signed URL, the session's headers and the environment's settings for the store's address (worked out once per
    address). A store that set a cookie gets `requests`' own path, which sends it back."""

    def __init__(self) -> None:
        super().__init__()
        self._settings: dict[tuple[str, str], tuple[dict[str, Any], Any]] = {}
        self._headers: dict[tuple[Any, ...], CaseInsensitiveDict[str | bytes]] = {}

    def send_built(
        self, method: str, url: str, headers: dict[str, str], body: bytes | None, *, timeout: float, verify: Any
    ) -> requests.Response:
        # The session's hooks after ours (a request's hooks replace the session's in `requests`).
        hooks = {"response": [_stop_at_redirect, *self.hooks.get("response", [])]}
        if len(self.cookies):
            return self.request(
                method, url, data=body, headers=headers, timeout=timeout, verify=verify, stream=True,
                allow_redirects=False, hooks=hooks,
            )  # fmt: skip
        settings, netrc = self._environment(url, verify)
        prepared = requests.PreparedRequest()
        prepared.method = method
        prepared.url = url
        prepared.headers = self._merged(headers)
        prepared.body = body
        if body is not None:
            prepared.headers["Content-Length"] = str(len(body))
        elif method not in ("GET", "HEAD"):
            prepared.headers["Content-Length"] = "0"
        if netrc and "Authorization" not in prepared.headers:
            HTTPBasicAuth(*netrc)(prepared)
        prepared.hooks = hooks
        return self.send(prepared, timeout=timeout, allow_redirects=False, **settings)

    def _merged(self, headers: dict[str, str]) -> CaseInsensitiveDict[str | bytes]:
        """The session's headers with the request's over them (None: left out), as `requests` merges them; worked out
        once for each set of headers, and a copy given to each request (a hook or auth may change it)."""
        key = (tuple(self.headers.items()), tuple(headers.items()))
        merged = self._headers.get(key)
        if merged is None:
            both = CaseInsensitiveDict(self.headers)
            both.update(headers)
            merged = self._headers[key] = CaseInsensitiveDict({k: v for k, v in both.items() if v is not None})
        return merged.copy()

    def _environment(self, url: str, verify: Any) -> tuple[dict[str, Any], Any]:
        """What `requests` takes from the environment for this address (proxies, CA bundle, netrc), once."""
        parts = urlsplit(url)
        key = (f"{parts.scheme}://{parts.netloc}", repr(verify))
        known = self._settings.get(key)
        if known is None:
            settings = self.merge_environment_settings(url, {}, True, verify, None)
            netrc = requests.utils.get_netrc_auth(url) if self.trust_env else None
            known = self._settings[key] = (settings, netrc)
        return known


class SessionScope:
    """Binds a fresh keep-alive session to the current context for the duration of a `with` block."""

    def __enter__(self) -> requests.Session:
        self._http = TickSession()
        self._token = session_var.set(self._http)
        return self._http

    def __exit__(self, *exc: object) -> None:
        session_var.reset(self._token)
        self._http.close()
