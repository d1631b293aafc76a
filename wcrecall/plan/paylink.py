"""The pay link of a reminder: the order's own `payment_url`, checked, with campaign parameters added.

The link is store data, so it is checked before it is mailed: http or https, parseable, no spaces or control
characters, and pointing at the store's own site (the host of `store.url` or of the home and site URLs the store
reports, with or without `www.`). A link that fails is refused with the reason; it is never mailed.
"""

from __future__ import annotations

import re
from collections.abc import Collection
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from wcrecall.model.errors import BadOrder
from wcrecall.model.order import ascii_domain

UTM = {"utm_source": "wcrecall", "utm_medium": "email", "utm_campaign": "payment-recovery"}

# C0 and C1 controls, DEL, every Unicode space and line/paragraph separator, and lone surrogates.
_BAD_CHARS = re.compile(r"[\x00-\x20\x7f-\xa0\u1680\u2000-\u200f\u2028-\u202f\u205f-\u206f\u3000\ufeff\ud800-\udfff]")


class BadPayLink(BadOrder):
    """The store's pay link for an order cannot be mailed; the message says why."""


def site_host(host: str) -> str:
    """A host as compared with the store's: lower-case ASCII (IDNA), without a trailing dot or a leading `www.`."""
    return ascii_domain(host).removeprefix("www.")


def host_of(url: str) -> str:
    """The compared host of `url` ("" when it has none or does not parse)."""
    try:
        return site_host(urlsplit(url.strip()).hostname or "")
    except ValueError:
        return ""


def link_problem(url: str, hosts: Collection[str]) -> str | None:
    """Why `url` must not be mailed as the pay link of a store whose own hosts are `hosts`, or None when it may."""
    if not url:
        return "the order has no payment_url"
    if _BAD_CHARS.search(url):
        return "it contains spaces or control characters"
    try:
        parts = urlsplit(url)
        host = parts.hostname or ""
        parts.port  # noqa: B018  # raises ValueError for a port that is not a number
    except ValueError as exc:
        return f"it does not parse ({exc})"
    if parts.scheme.lower() not in ("http", "https"):
        return f"scheme {parts.scheme or 'none'!r} is not http or https"
    if not host:
        return "it has no host"
    if parts.username is not None or parts.password is not None:
        return "it carries a user name before the host"
    if site_host(host) not in {site_host(h) for h in hosts if h}:
        return f"host {host} is not the store's own site"
    return None


def pay_link(payment_url: str, step: int, *, hosts: Collection[str]) -> str:
    """The order's own pay link with campaign parameters added (existing `pay_for_order` and `key` kept); raises
    `BadPayLink` for a link that must not be mailed (`link_problem`)."""
    why = link_problem(payment_url, hosts)
    if why is not None:
        raise BadPayLink(f"the store gave no usable pay link for the order: {why}")
    parts = urlsplit(payment_url)
    query = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if not k.startswith("utm_")]
    query += list(UTM.items()) + [("utm_content", f"step-{step}")]
    return urlunsplit(parts._replace(query=urlencode(query)))


def reported_hosts(system_status: Any) -> set[str]:
    """The hosts of the home and site URLs in the store's `GET /system_status` answer."""
    environment = system_status.get("environment") if isinstance(system_status, dict) else None
    if not isinstance(environment, dict):
        return set()
    return {
        h
        for key in ("home_url", "site_url")
        if isinstance(environment.get(key), str) and (h := host_of(environment[key]))
    }
