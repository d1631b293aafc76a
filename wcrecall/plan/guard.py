"""Who must not be mailed, whatever the failure: crawlers, disposable inboxes, card-testing bursts.

Pure functions. Card testing shows up as many failed orders from one IP address or one email within minutes
(BrianHenryIE/bh-wc-checkout-rate-limiter#26 saw 1,674 an hour); mailing those addresses harms the shop's sender
reputation and helps nobody. Google's shopping crawler checks out with `storebotmail.joonix.net` addresses
(Jaal-Yantra-Textiles/v2#1333).
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
from datetime import datetime, timedelta
from functools import lru_cache

from wcrecall.i18n import _

CRAWLER_DOMAINS = frozenset({"storebotmail.joonix.net", "joonix.net"})

# Reserved for documentation and testing (RFC 2606 / RFC 6761): never a real inbox, but the sandbox and tests use
# example.* on purpose, so only the reserved TLDs that cannot be registered are listed.
RESERVED_TLDS = frozenset({"test", "invalid", "localhost", "example"})


@lru_cache(maxsize=1)
def _disposable() -> frozenset[str]:
    # The community-maintained list (disposable-email-domains on PyPI), imported only when an order is judged.
    from disposable_email_domains import blocklist

    return frozenset(blocklist)


def domain_of(email: str) -> str:
    return email.strip().rpartition("@")[2].lower().rstrip(".")


def blocked_domain(email: str, extra: Collection[str] = ()) -> str | None:
    """Why this address's domain must not be mailed, or None."""
    domain = domain_of(email)
    labels = domain.split(".")
    parents = {".".join(labels[i:]) for i in range(len(labels))}
    if parents & CRAWLER_DOMAINS:
        return _("crawler address ({domain})").format(domain=domain)
    if parents & {d.lower() for d in extra}:
        return _("domain {domain} is blocked by guard.blocked_domains").format(domain=domain)
    if labels[-1] in RESERVED_TLDS:
        return _("reserved domain {domain} cannot receive mail").format(domain=domain)
    if parents & _disposable():
        return _("disposable email domain ({domain})").format(domain=domain)
    return None


def burst(times: Iterable[datetime], at: datetime, window: timedelta, limit: int) -> int | None:
    """The number of failures within `window` around `at`, if it reaches `limit` (a card-testing burst), else None."""
    near = sum(1 for t in times if abs(t - at) <= window)
    return near if near >= limit else None
