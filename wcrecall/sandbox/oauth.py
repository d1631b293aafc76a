"""OAuth 1.0a one-legged verification exactly as WooCommerce does it, plus the PHP query parsing it relies on.

Source: `plugins/woocommerce/includes/class-wc-rest-authentication.php` (`get_oauth_parameters`, `parse_header`,
`check_oauth_signature`, `normalize_parameters`, `join_with_equals_sign`, `check_oauth_timestamp_and_nonce`,
`perform_basic_authentication`). Every accepted OAuth capture in fixtures/woocommerce-7.8.2 verifies with
`signature()` below and the rejected ones (bad secret, followed `Link`, `status[]=` syntax) do not.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
import secrets
import threading
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from urllib.parse import quote, unquote, unquote_to_bytes, urlsplit, urlunsplit

# A PHP request parameter: a scalar string or a one-level array (`a[]=x`, `a[k]=x`), kept as an ordered map.
PhpValue = str | dict[str, str]
PhpParams = dict[str, PhpValue]

# The key pairs of the store the fixtures were captured on (fixtures README): their signatures are test vectors.
DEFAULT_CONSUMER_KEY = "ck_17f4553b624db886bad30297dff60137b7674a38"
DEFAULT_CONSUMER_SECRET = "cs_4f2b7377dd36a0ea23cf7c05c0009e178ee1da42"
READONLY_CONSUMER_KEY = "ck_cf12c3e41c9569f3492af951319504a3182f278d"
READONLY_CONSUMER_SECRET = "cs_99c86480b5bde09aeb680a2296ef68ad57b3f40a"

# class-wc-rest-authentication.php: `$valid_window = 15 * 60; // 15 minute window.`
NONCE_WINDOW_SECONDS = 15 * 60
_OAUTH_PARAM_NAMES = (
    "oauth_consumer_key",
    "oauth_timestamp",
    "oauth_nonce",
    "oauth_signature",
    "oauth_signature_method",
)
_HEADER_PARAM_RE = re.compile(r'(oauth_[a-z_-]*)=(:?"([^"]*)"|([^,]*))')


@dataclass(frozen=True)
class ApiKey:
    """A WooCommerce REST API key; permissions `read`, `write` or `read_write` (Settings > Advanced > REST API)."""

    consumer_key: str
    consumer_secret: str
    permissions: str = "read_write"
    user_id: int = 1
    # The WordPress display name of the key's user: the author of notes written with `added_by_user=true`.
    user_display_name: str = "admin"


DEFAULT_KEYS = (
    ApiKey(DEFAULT_CONSUMER_KEY, DEFAULT_CONSUMER_SECRET, "read_write"),
    ApiKey(READONLY_CONSUMER_KEY, READONLY_CONSUMER_SECRET, "read"),
)


class AuthError(Exception):
    """An authentication failure with WooCommerce's error code and message (always HTTP 401)."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


def _auth_error(message: str) -> AuthError:
    return AuthError("woocommerce_rest_authentication_error", message)


# --- PHP semantics --------------------------------------------------------------------------------------------------


def php_urldecode(value: str) -> str:
    """PHP `urldecode`: `+` is a space, `%XX` bytes decoded as UTF-8 (invalid bytes replaced)."""
    return unquote_to_bytes(value.replace("+", " ")).decode("utf-8", "replace")


def php_urlencode(value: str) -> str:
    """PHP `urlencode`: everything but `A-Za-z0-9_.-` escaped, space as `+` (so `~` becomes `%7E`)."""
    return quote(value, safe=" ").replace(" ", "+").replace("~", "%7E")


def rfc3986(value: str) -> str:
    """`wc_rest_urlencode_rfc3986`: PHP `rawurlencode` with `~` kept."""
    return quote(value, safe="-_.~")


def php_parse_str(query: str) -> PhpParams:
    """Parse a query string the way PHP fills `$_GET`.

    `+` is a space, the last of duplicate keys wins (in the first key's position), `a[]=x` appends to an array,
    `a[k]=x` sets a key in it, and `.` or space in a top-level name becomes `_`. One array level is kept, which is
    all WooCommerce's signature code handles.
    """
    params: PhpParams = {}
    for part in query.split("&"):
        if not part:
            continue
        raw_key, _, raw_value = part.partition("=")
        key = php_urldecode(raw_key).lstrip(" ")
        value = php_urldecode(raw_value)
        bracket = key.find("[")
        if bracket > 0 and "]" in key[bracket:]:
            name = _php_top_name(key[:bracket])
            sub = key[bracket + 1 : key.index("]", bracket)]
            current = params.get(name)
            array = current if isinstance(current, dict) else {}
            if sub == "":
                ints = [int(k) for k in array if k.lstrip("-").isdigit()]
                sub = str(max(ints) + 1 if ints else 0)
            array[sub] = value
            params[name] = array
        elif key:
            params[_php_top_name(key)] = value
    return params


def _php_top_name(name: str) -> str:
    # PHP turns `.`, space and an unmatched `[` in variable names into `_` (register_globals heritage).
    return name.replace(".", "_").replace(" ", "_").replace("[", "_")


def _php_empty(value: PhpValue | None) -> bool:
    return value is None or value in ("", "0") or (isinstance(value, dict) and not value)


# --- Signature --------------------------------------------------------------------------------------------------------


def base_string(method: str, base_url: str, params: Mapping[str, PhpValue]) -> str:
    """The string WooCommerce signs: `METHOD&enc(url)&` + the sorted parameters, each `key=value` encoded twice."""
    pairs: list[str] = []
    # uksort( $params, 'strcmp' ) sorts on the raw keys, before they are encoded.
    for key in sorted(k for k in params if k != "oauth_signature"):
        value = params[key]
        enc_key = rfc3986(key)
        if isinstance(value, dict):
            # join_with_equals_sign(): `key%5Binner%5D=value`, then the whole string encoded again.
            pairs.extend(rfc3986(f"{enc_key}%5B{inner}%5D={rfc3986(v)}") for inner, v in value.items())
        else:
            pairs.append(rfc3986(f"{enc_key}={rfc3986(value)}"))
    return f"{method.upper()}&{rfc3986(base_url)}&{'%26'.join(pairs)}"


def signature(method: str, base_url: str, params: Mapping[str, PhpValue], consumer_secret: str) -> str:
    """The base64 HMAC of `base_string()` with key `consumer_secret&`, SHA1 or SHA256 per `oauth_signature_method`."""
    algorithm = hashlib.sha1 if params.get("oauth_signature_method") == "HMAC-SHA1" else hashlib.sha256
    digest = hmac.new(f"{consumer_secret}&".encode(), base_string(method, base_url, params).encode(), algorithm)
    return base64.b64encode(digest.digest()).decode("ascii")


def sign_url(
    method: str,
    url: str,
    consumer_key: str,
    consumer_secret: str,
    *,
    timestamp: int | None = None,
    nonce: str | None = None,
    signature_method: str = "HMAC-SHA256",
) -> str:
    """Return `url` with one-legged OAuth 1.0a parameters appended, signed the way WooCommerce checks them."""
    parts = urlsplit(url)
    params = php_parse_str(parts.query)
    oauth: dict[str, str] = {
        "oauth_consumer_key": consumer_key,
        "oauth_nonce": nonce or secrets.token_hex(16),
        "oauth_signature_method": signature_method,
        "oauth_timestamp": str(int(time.time()) if timestamp is None else timestamp),
    }
    params.update(oauth)
    base_url = urlunsplit((parts.scheme, parts.netloc, parts.path, "", ""))
    oauth["oauth_signature"] = signature(method, base_url, params, consumer_secret)
    extra = "&".join(f"{k}={rfc3986(v)}" for k, v in oauth.items())
    query = f"{parts.query}&{extra}" if parts.query else extra
    return urlunsplit((parts.scheme, parts.netloc, parts.path, query, ""))


def parse_authorization_header(header: str) -> dict[str, str]:
    """`parse_header()`: the `oauth_*` pairs of an `Authorization: OAuth ...` header, URL-decoded."""
    header = header.strip()
    if not header.startswith("OAuth "):
        return {}
    found: dict[str, str] = {}
    for match in _HEADER_PARAM_RE.finditer(header):
        found[match.group(1)] = php_urldecode(match.group(3) or match.group(4) or "")
    return found


# --- Verification -----------------------------------------------------------------------------------------------------


class Authenticator:
    """Checks API keys the way WooCommerce does; thread-safe (the nonce memory has its own lock)."""

    def __init__(
        self,
        keys: Iterable[ApiKey] = DEFAULT_KEYS,
        *,
        verify_timestamps: bool = True,
        verify_nonces: bool = True,
        wall_clock: Callable[[], float] = time.time,
    ) -> None:
        self.keys = {key.consumer_key: key for key in keys}
        self.verify_timestamps = verify_timestamps
        self.verify_nonces = verify_nonces
        # The REAL clock, never the store's simulated one: clients sign with their own wall time.
        self._wall_clock = wall_clock
        self._nonces: dict[str, dict[str, float]] = {}
        self._lock = threading.Lock()

    def oauth(self, method: str, base_url: str, params: Mapping[str, PhpValue]) -> ApiKey | None:
        """`perform_oauth_authentication()`: the key, None when no OAuth parameter is present, or AuthError."""
        present = [name for name in _OAUTH_PARAM_NAMES if not _php_empty(params.get(name))]
        if not present:
            return None
        missing = [name for name in _OAUTH_PARAM_NAMES if name not in present]
        if missing:
            plural = "s" if len(missing) > 1 else ""
            raise AuthError(
                "woocommerce_rest_authentication_missing_parameter",
                f"Missing OAuth parameter{plural} {', '.join(missing)}",
            )
        consumer_key = params["oauth_consumer_key"]
        key = self.keys.get(consumer_key) if isinstance(consumer_key, str) else None
        if key is None:
            raise _auth_error("Consumer key is invalid.")
        self._check_signature(method, base_url, params, key)
        timestamp, nonce = params["oauth_timestamp"], params["oauth_nonce"]
        self._check_timestamp_and_nonce(key, str(timestamp), str(nonce))
        return key

    def basic(self, query: Mapping[str, PhpValue], user: str | None, password: str | None) -> ApiKey | None:
        """`perform_basic_authentication()` (only over https): query `consumer_key`/`consumer_secret`, else Basic."""
        consumer_key, consumer_secret = query.get("consumer_key"), query.get("consumer_secret")
        if _php_empty(consumer_key) or _php_empty(consumer_secret):
            consumer_key, consumer_secret = user, password
        if not isinstance(consumer_key, str) or not isinstance(consumer_secret, str):
            return None
        if not consumer_key or not consumer_secret:
            return None
        key = self.keys.get(consumer_key)
        if key is None:
            # An unknown key is not an error here: WooCommerce falls through to the route's permission check.
            return None
        if not hmac.compare_digest(key.consumer_secret.encode(), consumer_secret.encode()):
            raise _auth_error("Consumer secret is invalid.")
        return key

    def _check_signature(self, method: str, base_url: str, params: Mapping[str, PhpValue], key: ApiKey) -> None:
        provided = params["oauth_signature"]
        if not isinstance(provided, str):
            raise _auth_error("Invalid signature - provided signature does not match.")
        # `rawurldecode( str_replace( ' ', '+', $params['oauth_signature'] ) )`
        consumer_signature = unquote(provided.replace(" ", "+"))
        if params.get("oauth_signature_method") not in ("HMAC-SHA1", "HMAC-SHA256"):
            raise _auth_error("Invalid signature - signature method is invalid.")
        expected = signature(method, base_url, params, key.consumer_secret)
        if not hmac.compare_digest(expected.encode(), consumer_signature.encode()):
            raise _auth_error("Invalid signature - provided signature does not match.")

    def _check_timestamp_and_nonce(self, key: ApiKey, timestamp: str, nonce: str) -> None:
        now = self._wall_clock()
        if self.verify_timestamps:
            try:
                stamp = float(timestamp)
            except ValueError:
                raise _auth_error("Invalid timestamp.") from None
            if stamp < now - NONCE_WINDOW_SECONDS or stamp > now + NONCE_WINDOW_SECONDS:
                raise _auth_error("Invalid timestamp.")
        if not self.verify_nonces:
            return
        with self._lock:
            used = self._nonces.setdefault(key.consumer_key, {})
            # WooCommerce keys its list by timestamp (`$used_nonces[ $timestamp ] = $nonce`), so two requests in the
            # same second can evict each other; here every nonce is remembered for the whole window instead.
            # Insertion order is arrival order: drop expired nonces from the front and stop at the first live one, so
            # a store that has seen many requests does not scan them all on every request.
            expired = []
            for old, seen_at in used.items():
                if seen_at >= now - NONCE_WINDOW_SECONDS:
                    break
                expired.append(old)
            for old in expired:
                del used[old]
            if nonce in used:
                raise _auth_error("Invalid nonce - nonce has already been used.")
            used[nonce] = now
