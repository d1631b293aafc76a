"""What wcrecall changes in the `woocommerce` package (3.0.0), in one place: imported by store/client.py, never elsewhere.

Two module-level names of the package are replaced when this module is imported, for every `woocommerce.API`:

- `woocommerce.api.request`: the package calls the module-level `requests.request` for every call, which opens a
  new connection each time. Routed through `session_var`, each tick gets its own keep-alive session; the body is
  streamed (store/client.py reads it, bounded) and a redirect raises `Redirected` instead of being followed.
- `OAuth.generate_nonce`: the package draws 8 decimal digits, so a tick of a few hundred requests has a real chance
  of repeating a nonce within WooCommerce's 15-minute window, which the store refuses as a replay (401).

Both rely on the package's internals, so they are applied only to the version they were written for: any other
version is an error naming both versions, not a silent misbehaviour.
"""

from __future__ import annotations

import contextvars
import secrets
from collections.abc import Mapping
from typing import Any

import requests
import woocommerce
import woocommerce.api
import woocommerce.oauth

from wcrecall.model.errors import WooCommercePackageError

WRITTEN_FOR = "3.0.0"

# The session used by `woocommerce.API` calls made inside `Store.session()` (store/client.py binds and resets it).
session_var: contextvars.ContextVar[requests.Session | None] = contextvars.ContextVar("wcrecall_session", default=None)


class Redirected(Exception):
    """The store answered with a redirect: reported by store/client.py, never followed."""

    def __init__(self, status: int, location: str) -> None:
        super().__init__(status, location)
        self.status = status
        self.location = location


def _request_via_session(
    method: str, url: str, params: Mapping[str, Any] | None = None, **kwargs: Any
) -> requests.Response:
    session = session_var.get()
    # The body is read by `Store._read_body`, bounded in size and time; a redirect is reported, never followed (it
    # would lose Basic auth or break the OAuth signature, and could point anywhere).
    # A request's hooks replace the session's in `requests`: keep the session's after ours.
    hooks = [_stop_at_redirect, *(session.hooks.get("response", []) if session is not None else [])]
    kwargs.update(stream=True, allow_redirects=False, hooks={"response": hooks})
    if "oauth_signature=" in url:
        # woocommerce 3.0.0 signs the query into the URL and then passes the same parameters again; PHP keeps the
        # last of duplicate keys so it works, but the URL doubles. The signed URL alone is the request.
        params = None
    if session is None:
        return requests.request(method, url, params=params, **kwargs)
    return session.request(method, url, params=params, **kwargs)


def _stop_at_redirect(response: requests.Response, *args: Any, **kwargs: Any) -> None:
    """A response hook: runs before requests looks at `Location` at all (it would raise on a malformed one)."""
    if 300 <= response.status_code < 400 and "Location" in response.headers:
        response.close()
        raise Redirected(response.status_code, response.headers["Location"])


def _nonce() -> str:
    """128 random bits, where woocommerce 3.0.0 draws 8 decimal digits."""
    return secrets.token_hex(16)


def adapt(installed: str) -> None:
    """Replace the package's request function and nonce generator, if `installed` is the version they were written
    for; otherwise raise WooCommercePackageError naming both versions."""
    if installed != WRITTEN_FOR:
        raise WooCommercePackageError(
            f"the installed woocommerce package is version {installed}, but wcrecall was written for {WRITTEN_FOR} "
            f"(it adapts that version's request and OAuth nonce code): pip install woocommerce=={WRITTEN_FOR}"
        )
    woocommerce.api.request = _request_via_session
    woocommerce.oauth.OAuth.generate_nonce = staticmethod(_nonce)


adapt(woocommerce.__version__)
