"""What the store answered, read with suspicion: JSON that PHP may have prefixed with noise, bounded in depth; a
`Retry-After`; a redirect target or an auth refusal worded for the owner (never echoing credentials)."""

from __future__ import annotations

import http.client
import json
import logging
import math
import re
import ssl
import time
from collections.abc import Callable
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any
from urllib.parse import urlsplit

from wcrecall.config.settings import StoreSettings
from wcrecall.i18n import _
from wcrecall.model.errors import StoreAuthError, StoreError, StoreNotFound, StoreReadOnly
from wcrecall.store.connection import Answer, BodyDecodeError, ProxyNotSupported
from wcrecall.store.wcadapter import Redirected

log = logging.getLogger("wcrecall.store.client")

# Bounds on what one answer may cost, whatever the store sends: the body after decompression (a page of 100 orders
# is well under 1 MiB; a gzip bomb would be gigabytes), and how deeply its JSON may nest (an order nests 4 levels;
# a plugin's meta value a few more).
MAX_BODY_BYTES = 32 * 1024 * 1024
MAX_JSON_DEPTH = 64
_READ_SIZE = 64 * 1024


class _Transient(Exception):
    """A failure worth retrying: 429, 5xx, timeout, dropped connection, or a body that is not JSON."""

    def __init__(self, message: str, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.retry_after = retry_after
        self.wait_too_long = False  # the store asked to wait longer than the retry budget has left


_OPENING = re.compile(r"[\[{]")
_SPACE = re.compile(r"\s*")


def parse_body(text: str, *, what: str) -> Any:
    """Parse a JSON body that PHP may have prefixed with notices or HTML; raise `_Transient` if no intact JSON.

    Linear in the body: the salvage tries positions of `[` and `{` in turn, and stops once the decoder has gone
    through about twice the body's length in failed tries (or after 200 tries)."""
    stripped = text.strip()
    if not stripped:
        raise _Transient(f"{what}: the store sent an empty body")
    try:
        return _bounded_depth(json.loads(stripped), what)
    except RecursionError:
        raise _too_deep(what) from None
    except ValueError:
        pass
    decoder = json.JSONDecoder()
    # A plugin's PHP warning or an HTML fragment printed before the JSON: take the first position from which the
    # rest of the body is one intact JSON value.
    budget = 2 * len(stripped) + 4096
    for tried, opening in enumerate(_OPENING.finditer(stripped)):
        if tried >= 200 or budget <= 0:
            break
        index = opening.start()
        try:
            value, end = decoder.raw_decode(stripped, index)
        except json.JSONDecodeError as exc:
            budget -= exc.pos - index + 1
            continue
        except RecursionError:
            raise _too_deep(what) from None
        budget -= end - index
        if _SPACE.match(stripped, end).end() == len(stripped):  # type: ignore[union-attr]
            log.debug("%s: ignored %d characters of noise before the JSON", what, index)
            return _bounded_depth(value, what)
    snippet = " ".join(stripped[:200].split())
    raise _Transient(f"{what}: the store's answer is not JSON: {snippet!r}")


def _too_deep(what: str) -> StoreError:
    return StoreError(f"{what}: the store's answer nests deeper than {MAX_JSON_DEPTH} levels; it is not used")


def _bounded_depth(value: Any, what: str) -> Any:
    """`value` if no list or object in it is nested deeper than MAX_JSON_DEPTH, else StoreError."""
    if not isinstance(value, (list, dict)):
        return value
    stack: list[tuple[Any, int]] = [(value, 1)]
    while stack:
        node, depth = stack.pop()
        if depth > MAX_JSON_DEPTH:
            raise _too_deep(what)
        for child in node.values() if isinstance(node, dict) else node:
            if isinstance(child, (list, dict)):
                stack.append((child, depth + 1))
    return value


def _retry_after(response: Answer) -> float | None:
    """`Retry-After` in seconds (a number, or an HTTP date counted from the store's own `Date`); None if unusable."""
    value = response.headers.get("Retry-After", "").strip()
    if not value:
        return None
    try:
        seconds = float(value)
    except ValueError:
        try:
            when = parsedate_to_datetime(value)
        except (TypeError, ValueError):
            return None
        try:
            now = parsedate_to_datetime(response.headers.get("Date", ""))
        except (TypeError, ValueError):
            now = datetime.now(UTC)
        if when.tzinfo is None or now.tzinfo is None:
            return None
        seconds = (when - now).total_seconds()
    return max(0.0, seconds) if math.isfinite(seconds) else None


def _redirect_target(location: str) -> str:
    """Where a redirect points, for an error line: scheme, host and path only (a query may echo credentials)."""
    try:
        parts = urlsplit(location.strip())
        host = parts.hostname
        port = parts.port
    except ValueError:
        return "a malformed address"
    if parts.scheme not in ("http", "https") or not host:
        return "a non-web address" if parts.scheme else "a malformed address"
    shown = f"{parts.scheme}://{host}{f':{port}' if port else ''}{parts.path}"
    return "".join(c for c in shown if c.isprintable())[:120]


def _read_only(code: str, message: str) -> bool:
    return (
        "write permission" in message.lower() or code == "woocommerce_rest_authentication_error" and "write" in message
    )


def _auth_hint(settings: StoreSettings, code: str, message: str) -> str:
    if _read_only(code, message):
        return _(
            "the REST API key has no write permission (it is read-only), so wcrecall could not write its order "
            "notes and sends no email; create a key with Read/Write permission under "
            "WooCommerce > Settings > Advanced > REST API"
        )
    hint = _(
        "check store.consumer_key and store.consumer_secret, and that the key has Read/Write permission "
        "(WooCommerce > Settings > Advanced > REST API)"
    )
    if settings.url.startswith("http://"):
        hint += _("; over plain http only OAuth works, and the server's clock must be within 15 minutes of this one")
    return hint


def refusal(settings: StoreSettings, status: int, err: dict[str, Any], what: str) -> StoreError:
    """The error for a WooCommerce 4xx answer whose body (a JSON object, or {}) is `err`."""
    code = str(err.get("code", ""))
    message = str(err.get("message", ""))
    if status in (401, 403):
        refused = StoreReadOnly if _read_only(code, message) else StoreAuthError
        hint = _auth_hint(settings, code, message)
        return refused(
            _("the store refused the API key ({status} {code}): {hint}").format(status=status, code=code, hint=hint),
            problem=_("the store refused the API key ({status} {code})").format(status=status, code=code),
            fix=hint,
        )
    if status == 404:
        return StoreNotFound(_("{what}: not found ({code})").format(what=what, code=code or status))
    return StoreError(
        _("{what}: the store answered HTTP {status} {code}: {message}").format(
            what=what, status=status, code=code, message=message[:200]
        )
    )


def sending_failed(exc: BaseException, what: str, *, host: str, timeout: float) -> Exception:
    """The error for a request that got no usable answer (store/connection.py's failures, a redirect): transient where
    trying again may help. Never the exception's own text: it may hold the signed URL."""
    if isinstance(exc, Redirected):
        return StoreError(
            f"{what}: the store answered HTTP {exc.status}, a redirect to {_redirect_target(exc.location)}; "
            "wcrecall does not follow redirects: set store.url to the shop's address as it answers"
        )
    if isinstance(exc, TimeoutError):
        return _Transient(_("{what}: the store did not answer within {seconds:g} s").format(what=what, seconds=timeout))
    if isinstance(exc, ssl.SSLError):
        return StoreError(
            f"{what}: TLS certificate check failed for {host} ({type(exc).__name__}); if the shop's "
            "certificate comes from a private CA, set store.ca_bundle to that CA's PEM file; otherwise fix the "
            "certificate or, only if you trust the network, set store.verify_tls = false"
        )
    if isinstance(exc, ProxyNotSupported):
        return StoreError(f"{what}: {exc}; set HTTP_PROXY / HTTPS_PROXY to an http:// proxy, or unset them")
    return _Transient(_("{what}: connection to {host} failed ({kind})").format(what=what, host=host, kind=type(exc).__name__))  # fmt: skip


def _int_header(response: Answer, name: str) -> int:
    try:
        return max(0, int(response.headers.get(name, "0")))
    except ValueError:
        return 0


def read_body(
    response: Answer, what: str, *, started: float, timeout: float, host: str, check: Callable[[str], None]
) -> bytes:
    """The decoded body, at most MAX_BODY_BYTES, read within store.timeout of the request and the tick's deadline (`check`).

    Read piece by piece as it arrives, so a body dripped byte by byte is cut off in time and a gzip bomb is
    stopped after MAX_BODY_BYTES of output (store/connection.py decompresses at most what is asked for)."""
    limit = f"{MAX_BODY_BYTES // (1024 * 1024)} MiB"
    declared = (response.headers.get("Content-Length") or "").strip()
    if declared.isdigit() and int(declared) > MAX_BODY_BYTES:
        response.finish(whole=False)
        raise StoreError(f"{what}: the store's answer is larger than {limit} ({int(declared)} bytes announced)")
    parts: list[bytes] = []
    size = 0
    done = False
    try:
        while True:
            chunk = response.read1(_READ_SIZE)
            if not chunk:
                break
            size += len(chunk)
            if size > MAX_BODY_BYTES:
                raise StoreError(f"{what}: the store's answer is larger than {limit}; it is not used")
            parts.append(chunk)
            if time.monotonic() - started > timeout:
                raise _Transient(f"{what}: the store's answer took longer than {timeout:g} s")
            check(what)
        done = True
    except BodyDecodeError:
        encoding = "".join(c for c in response.encoding if c.isprintable())[:40]
        raise _Transient(f"{what}: the store's answer is not valid {encoding or 'compressed data'}") from None
    except TimeoutError:
        raise _Transient(f"{what}: the store did not answer within {timeout:g} s") from None
    except (http.client.HTTPException, OSError) as exc:
        raise _Transient(f"{what}: the answer from {host} was cut off ({type(exc).__name__})") from None
    finally:
        response.finish(whole=done)  # read to the end: the connection is kept for the next call
    body = b"".join(parts)
    response.content = body
    return body
