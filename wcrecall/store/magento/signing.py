"""OAuth 1.0a (HMAC-SHA256) for a Magento 2 integration, with the base string Magento itself builds.

Magento's base string is not textbook RFC 5849 (fixtures magento-2.4.7-p3, README "How the signature base string is
built"; every capture there reproduces with these rules): the query is split on `&` and a piece is signed only when it
holds exactly one `=` and its name has no `oauth_<letters>` in it; names and values are percent-decoded without
turning `+` into a space; a repeated name keeps its last value; the encoded pairs are sorted in PHP's natural order
(`strnatcmp`: `filters][2]` before `filters][10]`); the host and port are the request's, lower-cased, default ports
dropped. A standard implementation (oauthlib) sorts bytewise and signs the pieces Magento leaves out, so it is
refused for exactly the requests wcrecall's sync sends with ten or more parameters of one kind.

Only the Authorization header counts (the same parameters in the query make the request anonymous), and a nonce is
single-use: `authorization()` makes a fresh nonce and timestamp on every call, so a retry is signed anew.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
import secrets
import time
from urllib.parse import quote, unquote, urlsplit

_OAUTH_NAME = re.compile(r"oauth_[a-zA-Z]")
_DIGITS = re.compile(r"(\d+)")


def enc(text: str) -> str:
    """RFC 3986 percent-encoding: only `A-Z a-z 0-9 - . _ ~` stay as they are."""
    return quote(text, safe="-._~")


def natural_key(text: str) -> list[tuple[int, int | str]]:
    """A sort key in PHP's natural order (`strnatcmp`): runs of digits compare as numbers."""
    return [(0, int(part)) if part.isdigit() else (1, part) for part in _DIGITS.split(text) if part != ""]


def query_params(query: str) -> dict[str, str]:
    """The query parameters Magento signs, decoded (see the module docstring)."""
    params: dict[str, str] = {}
    for piece in query.split("&"):
        if piece.count("=") != 1:
            continue
        name, value = (unquote(part) for part in piece.split("="))
        if _OAUTH_NAME.search(name):
            continue
        params[name] = value
    return params


def base_url(url: str) -> str:
    """`scheme://host[:port]/path` as signed: lower-cased host, the scheme's default port left out, no query."""
    parts = urlsplit(url)
    host = (parts.hostname or "").lower()
    port = parts.port
    if port is not None and (parts.scheme, port) not in (("http", 80), ("https", 443)):
        host = f"{host}:{port}"
    return f"{parts.scheme.lower()}://{host}{parts.path}"


def base_string(method: str, url: str, oauth: dict[str, str]) -> str:
    """The signature base string Magento builds for `url` (as sent, query included) and these `oauth_*` values."""
    params = {k: v for k, v in oauth.items() if k != "oauth_signature"}
    params.update(query_params(urlsplit(url).query))
    pairs = sorted(((enc(k), enc(v)) for k, v in params.items()), key=lambda kv: (natural_key(kv[0]), kv[1]))
    joined = "&".join(f"{k}={v}" for k, v in pairs)
    return f"{method.upper()}&{enc(base_url(url))}&{enc(joined)}"


def signature(base: str, consumer_secret: str, token_secret: str) -> str:
    key = f"{enc(consumer_secret)}&{enc(token_secret)}".encode()
    return base64.b64encode(hmac.new(key, base.encode("utf-8"), hashlib.sha256).digest()).decode("ascii")


class Signer:
    """The four integration credentials; `authorization()` signs one request."""

    def __init__(self, consumer_key: str, consumer_secret: str, token: str, token_secret: str) -> None:
        self._key, self._secret, self._token, self._token_secret = consumer_key, consumer_secret, token, token_secret

    def authorization(self, method: str, url: str, *, timestamp: int | None = None, nonce: str | None = None) -> str:
        """The `Authorization: OAuth ...` header value for one request, with a fresh nonce and the current time."""
        oauth = {
            "oauth_consumer_key": self._key,
            "oauth_nonce": nonce or secrets.token_hex(16),
            "oauth_signature_method": "HMAC-SHA256",
            "oauth_timestamp": str(int(time.time()) if timestamp is None else timestamp),
            "oauth_token": self._token,
            "oauth_version": "1.0",
        }
        oauth["oauth_signature"] = signature(base_string(method, url, oauth), self._secret, self._token_secret)
        return "OAuth " + ",".join(f'{k}="{enc(v)}"' for k, v in oauth.items())
