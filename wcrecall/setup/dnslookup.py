"""DNS for doctor's deliverability check (dnspython): TXT, address and MX lookups that share one deadline, at
`mail.nameserver` or the system's resolver. A name that does not exist answers []; DNS that does not answer in time
raises DnsTrouble, never hangs."""

from __future__ import annotations

import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

import dns.exception
import dns.resolver

from wcrecall.i18n import _
from wcrecall.model.nameserver import parse_nameserver


class DnsTrouble(Exception):
    """DNS did not answer in time, or not at all."""


class Dns:
    """The lookups of one deliverability check, sharing one deadline; a name that does not exist answers []."""

    def __init__(self, nameserver: str, budget: float, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._budget = budget
        self._deadline = clock() + budget
        server = parse_nameserver(nameserver)
        try:
            self._resolver = dns.resolver.Resolver(configure=server is None)
        except dns.exception.DNSException as exc:
            raise DnsTrouble(str(exc) or type(exc).__name__) from None
        if server is not None:
            self._resolver.nameservers = [server[0]]
            self._resolver.port = server[1]
        self._cache: dict[tuple[str, str], list[str]] = {}

    def _ask(self, name: str, rdtype: str) -> list[str]:
        key = (name.lower().rstrip("."), rdtype)
        if key in self._cache:
            return self._cache[key]
        left = self._deadline - self._clock()
        if left <= 0:
            raise DnsTrouble(_("no answer within {seconds:g} s").format(seconds=self._budget))
        try:
            answer = self._resolver.resolve(key[0] + ".", rdtype, lifetime=left, search=False, raise_on_no_answer=False)
            found = [_text(rdata, rdtype) for rdata in answer]
        except (dns.resolver.NXDOMAIN, dns.resolver.NoAnswer):
            found = []
        except dns.exception.Timeout:
            raise DnsTrouble(_("no answer within {seconds:g} s").format(seconds=self._budget)) from None
        except dns.exception.DNSException as exc:
            raise DnsTrouble(str(exc) or type(exc).__name__) from None
        self._cache[key] = found
        return found

    def txt(self, name: str) -> list[str]:
        return self._ask(name, "TXT")

    def prefetch_txt(self, names: list[str]) -> None:
        """Ask for many TXT records at once, within the same deadline; the answers wait in the cache."""
        with ThreadPoolExecutor(max_workers=max(1, min(16, len(names)))) as pool:
            for _answer in pool.map(self.txt, names):
                pass

    def addresses(self, name: str) -> list[str]:
        return self._ask(name, "A") + self._ask(name, "AAAA")

    def mx(self, name: str) -> list[str]:
        return self._ask(name, "MX")


def _text(rdata: object, rdtype: str) -> str:
    """An answer as text; a TXT record is the domain's own text, so control characters in it are made inert."""
    if rdtype == "TXT":
        text = b"".join(getattr(rdata, "strings", ())).decode("utf-8", "replace")
        return "".join(ch if ch.isprintable() else "?" for ch in text)
    if rdtype == "MX":
        return str(getattr(rdata, "exchange", "")).rstrip(".")
    return str(getattr(rdata, "address", rdata))
