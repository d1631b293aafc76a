"""What wcrecall takes from the `woocommerce` package (3.0.0), in one place: imported by the store package only.

The package's OAuth 1.0a signature is the one WooCommerce checks over http, so store/http.py signs every request
with it (`oauth_signature`). The package's request function is not used: it rebuilds and re-encodes the whole URL
for every call and opens a new connection each time; store/http.py builds each request once per store instead, in a
keep-alive session per tick, with a 128-bit nonce where the package draws 8 decimal digits.

The signature relies on the package's internals, so it is used only with the version it was written for: any other
version is an error naming both versions, not a silent misbehaviour.
"""

from __future__ import annotations

import contextvars
from collections import OrderedDict
from collections.abc import Iterable

import requests
import woocommerce
import woocommerce.oauth

from wcrecall.model.errors import WooCommercePackageError

WRITTEN_FOR = "3.0.0"

# The session requests of a tick go through (store/http.py binds it for `Store.session()` and resets it).
session_var: contextvars.ContextVar[requests.Session | None] = contextvars.ContextVar("wcrecall_session", default=None)


class Redirected(Exception):
    """The store answered with a redirect: reported by store/client.py, never followed."""

    def __init__(self, status: int, location: str) -> None:
        super().__init__(status, location)
        self.status = status
        self.location = location


def oauth_signature(method: str, url: str, pairs: Iterable[tuple[str, str]], *, key: str, secret: str) -> str:
    """The package's HMAC-SHA256 signature of a request to `url` (without its query) with `pairs` (the query and the
    oauth_* parameters), as WooCommerce's REST API v3 checks it."""
    signer = woocommerce.oauth.OAuth(url=url, consumer_key=key, consumer_secret=secret, version="wc/v3", method=method)
    return str(signer.generate_oauth_signature(OrderedDict(pairs), url))


def check_version(installed: str) -> None:
    """WooCommercePackageError naming both versions unless `installed` is the version this module was written for."""
    if installed != WRITTEN_FOR:
        raise WooCommercePackageError(
            f"the installed woocommerce package is version {installed}, but wcrecall was written for {WRITTEN_FOR} "
            f"(it signs requests with that version's OAuth code): pip install woocommerce=={WRITTEN_FOR}"
        )


check_version(woocommerce.__version__)
