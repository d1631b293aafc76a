"""What wcrecall takes from the `woocommerce` package (3.0.0), in one place: imported by the store package only.

The package's OAuth 1.0a signature is the one WooCommerce checks over http, so store/http.py signs every request
with it (`oauth_signature`). The package's request function is not used: it rebuilds and re-encodes the whole URL
for every call and opens a new connection each time; store/http.py builds each request once per store instead, in a
keep-alive session per tick, with a 128-bit nonce where the package draws 8 decimal digits.

The signature relies on the package's internals, so it is used only with the version it was written for: any other
version is an error naming both versions, not a silent misbehaviour.
"""

from __future__ import annotations

import re
from base64 import b64encode
from collections import OrderedDict
from collections.abc import Iterable
from functools import lru_cache
from hashlib import sha256
from hmac import HMAC
from urllib.parse import quote

import woocommerce
import woocommerce.oauth

from wcrecall.model.errors import WooCommercePackageError

WRITTEN_FOR = "3.0.0"


class Redirected(Exception):
    """The store answered with a redirect: reported by store/client.py, never followed."""

    def __init__(self, status: int, location: str) -> None:
        super().__init__(status, location)
        self.status = status
        self.location = location


def oauth_signature(method: str, url: str, pairs: Iterable[tuple[str, str]], *, key: str, secret: str) -> str:
    """The package's HMAC-SHA256 signature of a request to `url` (without its query) with `pairs` (the query and the
    oauth_* parameters), as WooCommerce's REST API v3 checks it.

    The package's `generate_oauth_signature` step by step, with its own ordering (`sorted_params`) and quoting
    (`normalize_parameters`), except that the quoting of a parameter and of the URL is remembered: a tick signs
    hundreds of requests whose parameters are the same but for the nonce, time and page."""
    params = OrderedDict(pairs)
    normalized: dict[str, str] = {}
    for name in _package_order(tuple(params)):
        value = params[name]
        quoted_name, quoted_value = _normalized(name, value)
        normalized[quoted_name] = quoted_value  # two names that quote alike are one parameter, as in the package
    query = "%26".join(f"{name}%3D{value}" for name, value in normalized.items())
    text = f"{method}&{_quoted_url(url)}&{query}"
    return b64encode(HMAC(f"{secret}&".encode(), text.encode(), sha256).digest()).decode("utf-8")


@lru_cache(maxsize=256)
def _package_order(names: tuple[str, ...]) -> tuple[str, ...]:
    """The order the package's `sorted_params` puts these parameter names in (it depends on the names only, and a
    tick's requests have a few sets of names)."""
    return tuple(woocommerce.oauth.OAuth.sorted_params(OrderedDict.fromkeys(names, "")))


def _quoted_url(url: str) -> str:
    """`quote(url, "")`, which quotes character by character: the store's part once, an endpoint of plain path
    segments (`orders/123/notes`, new for each order) by replacing its slashes."""
    base, sep, endpoint = url.rpartition("/wp-json/")
    if sep and PLAIN_PATH.fullmatch(endpoint):
        return _quoted(base + sep) + endpoint.replace("/", "%2F")
    return _quoted(url)


@lru_cache(maxsize=256)
def _quoted(text: str) -> str:
    return quote(text, "")


# Unreserved characters: unquoting and quoting leave them as they are. Every request's nonce (hex) and time (digits)
# are made of them, and are new each time: no cache would help, and the package's quoting would be wasted work.
PLAIN = re.compile(r"[A-Za-z0-9_.~-]*")
PLAIN_PATH = re.compile(r"[A-Za-z0-9_.~/-]*")


def _normalized(name: str, value: str) -> tuple[str, str]:
    if PLAIN.fullmatch(name) and PLAIN.fullmatch(value):
        return name, value
    return _quoted_pair(name, value)


@lru_cache(maxsize=4096)
def _quoted_pair(name: str, value: str) -> tuple[str, str]:
    ((quoted_name, quoted_value),) = woocommerce.oauth.OAuth.normalize_parameters(OrderedDict([(name, value)])).items()
    return str(quoted_name), str(quoted_value)


def check_version(installed: str) -> None:
    """WooCommercePackageError naming both versions unless `installed` is the version this module was written for."""
    if installed != WRITTEN_FOR:
        raise WooCommercePackageError(
            f"the installed woocommerce package is version {installed}, but wcrecall was written for {WRITTEN_FOR} "
            f"(it signs requests with that version's OAuth code): pip install woocommerce=={WRITTEN_FOR}"
        )


check_version(woocommerce.__version__)
