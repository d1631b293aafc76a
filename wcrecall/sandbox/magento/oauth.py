"""Magento 2.4.7-p3 integration OAuth 1.0a (one-legged, HMAC-SHA256 only, header only), as the captures show it.

The base string follows fixtures/magento-2.4.7-p3/README.md ("How the signature base string is built"), which
differs from RFC 5849: query pieces without exactly one `=` and names containing `oauth_<letters>` are left out,
`+` is not a space, a repeated name keeps its last value, and the pairs are sorted in PHP's natural order. The
checks run in the order of `Magento\\Framework\\Oauth\\Oauth`: version, required parameters, signature method,
consumer key (length, existence), nonce and timestamp (the nonce is spent even when the signature is wrong), token,
signature. Every refusal is an `OAuthRefusal` carrying the status and Magento's error body.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
import threading
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote, unquote

# Resources of the captured integrations (README table); the first has the comment permission, the second not.
FULL_RESOURCES = frozenset(
    {
        "Magento_Sales::sales", "Magento_Sales::sales_operation", "Magento_Sales::sales_order", "Magento_Sales::actions",
        "Magento_Sales::actions_view", "Magento_Sales::comment", "Magento_Backend::stores",
        "Magento_Backend::stores_settings", "Magento_Backend::store",
    }
)  # fmt: skip
NO_COMMENT_RESOURCES = FULL_RESOURCES - {"Magento_Sales::comment"}
FUTURE_LIMIT_SECONDS = 600  # Magento\Integration\Model\Oauth\Nonce\Generator: TIME_DEVIATION
_HEADER_PARAM_RE = re.compile(r'(\w+)="([^"]*)"')
_OAUTH_NAME_RE = re.compile(r"oauth_[a-z]")


@dataclass(frozen=True)
class Integration:
    """One integration (System > Extensions > Integrations): its four credentials and ACL resources."""

    integration_id: int
    name: str
    consumer_key: str
    consumer_secret: str
    access_token: str
    token_secret: str
    resources: frozenset[str] = FULL_RESOURCES

    def allows(self, resource: str) -> bool:
        return resource in self.resources


# The throwaway credentials of the captured store (fixtures README): their signatures are test vectors.
FULL_INTEGRATION = Integration(
    1, "wcrecall", "32op7jrlmum0m9btk78j7gj7h5c3lao1", "9bli7yxlwbuuf8xbq48r2ekcuciz8six",
    "99jkz9gevwsnzpr307u02fqn5viy9n0a", "mpbrd3qw3kbqhliplktsa9yzlul3l1i1", FULL_RESOURCES,
)  # fmt: skip
NOCOMMENT_INTEGRATION = Integration(
    2, "wcrecall-readonly", "d9h2py61sj7y6m4ob2l0ci7ow2dcen6p", "p2k7tpy5hf5np183d2yqndzew9pgp8n8",
    "4hldnt7the8zyunv08gi7kk3igs9if06", "ltzcclwk0f2a76w5obvmygngtdhyo0mo", NO_COMMENT_RESOURCES,
)  # fmt: skip
DEFAULT_INTEGRATIONS = (FULL_INTEGRATION, NOCOMMENT_INTEGRATION)


@dataclass
class OAuthRefusal(Exception):
    """A refused request: HTTP status and Magento's `{"message", "parameters"}` body."""

    status: int
    message: str
    parameters: list[Any] | dict[str, Any] | None = None

    def body(self) -> dict[str, Any]:
        out: dict[str, Any] = {"message": self.message}
        if self.parameters is not None:
            out["parameters"] = self.parameters
        return out


def encode(value: str) -> str:
    """RFC 3986 percent-encoding: only `A-Z a-z 0-9 - . _ ~` stay as they are."""
    return quote(value, safe="~")


def natural_key(text: str) -> list[tuple[int, int]]:
    """A sort key giving PHP's `strnatcmp` order: runs of digits compare as numbers, other characters as bytes."""
    key: list[tuple[int, int]] = []
    for run in re.findall(r"\d+|\D", text):
        key.append((ord("0"), int(run)) if run.isdigit() else (ord(run), 0))
    return key


def signed_query_params(raw_query: str) -> dict[str, str]:
    """The query parameters Magento puts in the base string (README rule 1), last value of a name winning."""
    params: dict[str, str] = {}
    for piece in raw_query.split("&") if raw_query else []:
        if piece.count("=") != 1:
            continue
        name, value = piece.split("=")
        name, value = unquote(name), unquote(value)
        if _OAUTH_NAME_RE.search(name):
            continue
        params.pop(name, None)
        params[name] = value
    return params


def base_string(method: str, base_url: str, params: Mapping[str, str]) -> str:
    """`METHOD&enc(url)&enc(sorted name=value pairs)` with the pairs in natural order of the encoded names."""
    pairs = sorted(((encode(k), encode(v)) for k, v in params.items()), key=lambda kv: natural_key(kv[0]))
    joined = "&".join(f"{k}={v}" for k, v in pairs)
    return "&".join((method.upper(), encode(base_url), encode(joined)))


def signature(method: str, base_url: str, params: Mapping[str, str], consumer_secret: str, token_secret: str) -> str:
    """base64(HMAC-SHA256(enc(consumer_secret)&enc(token_secret), base string)); `oauth_signature` is ignored."""
    signed = {k: v for k, v in params.items() if k != "oauth_signature"}
    key = f"{encode(consumer_secret)}&{encode(token_secret)}".encode()
    digest = hmac.new(key, base_string(method, base_url, signed).encode(), hashlib.sha256).digest()
    return base64.b64encode(digest).decode()


def parse_authorization(header: str | None) -> dict[str, str] | None:
    """The oauth_* parameters of an `Authorization: OAuth ...` header (scheme case-insensitive), else None."""
    if not header or not header.strip().lower().startswith("oauth "):
        return None
    return {name: unquote(value) for name, value in _HEADER_PARAM_RE.findall(header) if name.startswith("oauth_")}


def request_base_url(host_header: str, path: str, *, https: bool = False) -> str:
    """`scheme://host[:port]/path` as Magento signs it: the Host header lower-cased, default ports dropped."""
    host = host_header.strip().lower()
    if (https and host.endswith(":443")) or (not https and host.endswith(":80")):
        host = host.rsplit(":", 1)[0]
    return f"{'https' if https else 'http'}://{host}{path}"


def sign_header(
    method: str,
    url: str,
    integration: Integration = FULL_INTEGRATION,
    *,
    timestamp: int | None = None,
    nonce: str | None = None,
) -> str:
    """An `Authorization: OAuth ...` header value for `url` (full URL with its query), signed the Magento way."""
    from urllib.parse import urlsplit

    parts = urlsplit(url)
    oauth = {
        "oauth_consumer_key": integration.consumer_key,
        "oauth_nonce": nonce or hashlib.md5(f"{time.time_ns()}{url}".encode()).hexdigest(),  # noqa: S324
        "oauth_signature_method": "HMAC-SHA256",
        "oauth_timestamp": str(int(time.time()) if timestamp is None else timestamp),
        "oauth_token": integration.access_token,
        "oauth_version": "1.0",
    }
    params = {**signed_query_params(parts.query), **oauth}
    base = f"{parts.scheme}://{parts.netloc.lower()}{parts.path}"
    oauth["oauth_signature"] = signature(method, base, params, integration.consumer_secret, integration.token_secret)
    return "OAuth " + ",".join(f'{k}="{encode(v)}"' for k, v in oauth.items())


@dataclass
class Authenticator:
    """Checks one request's OAuth header and returns its integration (None: anonymous), or raises OAuthRefusal."""

    integrations: Iterable[Integration] = DEFAULT_INTEGRATIONS
    wall_clock: Callable[[], float] = time.time
    verify_nonces: bool = True
    _used: set[tuple[str, str]] = field(default_factory=set)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def __post_init__(self) -> None:
        self.integrations = tuple(self.integrations)

    def authenticate(self, method: str, base_url: str, raw_query: str, authorization: str | None) -> Integration | None:
        oauth = parse_authorization(authorization)
        if oauth is None:
            return None  # a bearer token, query-string OAuth or nothing: anonymous (README)
        if "oauth_version" in oauth and oauth["oauth_version"] != "1.0":
            raise OAuthRefusal(400, 'The "%1" Oauth version isn\'t supported.', [oauth["oauth_version"]])
        for name in ("oauth_consumer_key", "oauth_signature", "oauth_signature_method", "oauth_nonce",
                     "oauth_timestamp", "oauth_token"):  # fmt: skip
            if not oauth.get(name):
                raise OAuthRefusal(400, '"%fieldName" is required. Enter and try again.', {"fieldName": name})
        if len(oauth["oauth_token"]) != 32:
            raise OAuthRefusal(400, "The token length is invalid. Check the length and try again.")
        if oauth["oauth_signature_method"] != "HMAC-SHA256":
            raise OAuthRefusal(400, "Signature method %1 is not supported", [oauth["oauth_signature_method"]])
        key = oauth["oauth_consumer_key"]
        if len(key) != 32:
            raise OAuthRefusal(401, "Consumer key is not the correct length")
        consumer = next((i for i in self.integrations if i.consumer_key == key), None)
        if consumer is None:
            raise OAuthRefusal(401, "A consumer having the specified key does not exist")
        self._check_nonce(consumer, oauth["oauth_nonce"], oauth["oauth_timestamp"])
        token_owner = next((i for i in self.integrations if i.access_token == oauth["oauth_token"]), None)
        if token_owner is None:
            raise OAuthRefusal(401, "Specified token does not exist")
        if token_owner is not consumer:
            raise OAuthRefusal(401, "Token is not associated with the specified consumer")
        params = {**signed_query_params(raw_query), **oauth}
        expected = signature(method, base_url, params, consumer.consumer_secret, consumer.token_secret)
        if not hmac.compare_digest(expected, oauth["oauth_signature"]):
            raise OAuthRefusal(401, "The signature is invalid. Verify and try again.")
        return consumer

    def _check_nonce(self, consumer: Integration, nonce: str, timestamp: str) -> None:
        try:
            stamp = int(timestamp)
        except ValueError:
            stamp = -1
        if stamp <= 0 or stamp > self.wall_clock() + FUTURE_LIMIT_SECONDS:
            raise OAuthRefusal(401, "An error occurred validating the nonce")
        if not self.verify_nonces:
            return
        with self._lock:
            if (consumer.consumer_key, nonce) in self._used:
                raise OAuthRefusal(
                    401, "The nonce is already being used by the consumer with ID %1", [str(consumer.integration_id)]
                )
            self._used.add((consumer.consumer_key, nonce))
