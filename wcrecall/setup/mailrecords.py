"""The sender's mail-authentication records, judged without doing any I/O: SPF (RFC 7208), DMARC (RFC 7489) and DKIM
keys (RFC 6376).

`setup/deliverability.py` asks DNS and words the verdicts for the owner; the lookups reach this module through the
small `Lookup` protocol, so the SPF evaluation (includes, redirects, the limit of 10 lookups) is one rule here.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass, field
from typing import Protocol

from wcrecall.i18n import _

SPF_LOOKUP_LIMIT = 10  # RFC 7208 4.6.4: include, a, mx, ptr, exists and redirect count
SPF_MX_LIMIT = 10  # RFC 7208 4.6.4: at most 10 MX names looked up per mx mechanism
MECHANISMS = ("all", "include", "a", "mx", "ptr", "ip4", "ip6", "exists")
_COUNTED = ("include", "a", "mx", "ptr", "exists")
_RESULTS = {"+": "pass", "-": "fail", "~": "softfail", "?": "neutral"}


class Lookup(Protocol):
    """The three DNS questions SPF needs; names that do not exist answer an empty list."""

    def txt(self, name: str) -> list[str]: ...

    def addresses(self, name: str) -> list[str]: ...

    def mx(self, name: str) -> list[str]: ...


class SpfError(ValueError):
    """A record receivers treat as a permanent error (RFC 7208 permerror): the message says why."""


@dataclass(frozen=True)
class SpfTerm:
    qualifier: str  # + - ~ ?
    mechanism: str  # one of MECHANISMS, or a modifier name ("redirect", "exp", ...)
    value: str = ""
    modifier: bool = False


def spf_records(txts: list[str]) -> list[str]:
    """The SPF records among a name's TXT strings (`v=spf1` followed by a space or nothing)."""
    return [t.strip() for t in txts if t.strip().lower() == "v=spf1" or t.strip().lower().startswith("v=spf1 ")]


def parse_spf(record: str) -> list[SpfTerm]:
    """The terms of one SPF record; SpfError for what receivers reject."""
    terms: list[SpfTerm] = []
    for word in record.split()[1:]:
        if "=" in word.split(":", 1)[0]:
            name, _eq, value = word.partition("=")
            terms.append(SpfTerm("+", name.lower(), value, modifier=True))
            continue
        qualifier = word[0] if word[0] in _RESULTS else "+"
        body = word[1:] if word[0] in _RESULTS else word
        name, _sep, value = body.partition(":")
        if "/" in name:
            name, _slash, cidr = name.partition("/")
            value = value or f"/{cidr}"
        name = name.lower()
        if name not in MECHANISMS:
            raise SpfError(_("unknown term {word}").format(word=word))
        if name in ("include", "exists", "ip4", "ip6") and not value:
            raise SpfError(_("{name} needs a value, like {name}:...").format(name=name))
        terms.append(SpfTerm(qualifier, name, value))
    if sum(t.modifier and t.mechanism == "redirect" for t in terms) > 1:
        raise SpfError(_("more than one redirect="))
    return terms


def all_qualifier(terms: list[SpfTerm]) -> str | None:
    """The qualifier of the record's own `all` (+ - ~ ?), None when it has none."""
    return next((t.qualifier for t in terms if not t.modifier and t.mechanism == "all"), None)


@dataclass
class SpfRun:
    """One evaluation of check_host() for one address: lookups counted across includes and redirects."""

    lookup: Lookup
    lookups: int = 0
    macros: bool = False  # a term used macros (%{...}): it was skipped, the verdict may be wrong
    seen: list[str] = field(default_factory=list)

    def count(self) -> None:
        self.lookups += 1
        if self.lookups > SPF_LOOKUP_LIMIT:
            raise SpfError(
                _("more than {limit} DNS lookups (include, a, mx, ptr, exists, redirect)").format(
                    limit=SPF_LOOKUP_LIMIT
                )
            )


def _split_cidr(value: str, domain: str) -> tuple[str, int | None, int | None]:
    """`host/24//64`, `/24`, `host` -> (host or the domain, ip4 prefix, ip6 prefix)."""
    target, _s, cidrs = value.partition("/")
    four, _d, six = cidrs.partition("/") if not cidrs.startswith("/") else ("", "/", cidrs[1:])
    try:
        return target or domain, int(four) if four else None, int(six.lstrip("/")) if six else None
    except ValueError:
        raise SpfError(_("bad prefix length in {value}").format(value=value)) from None


def _in(ip: ipaddress.IPv4Address | ipaddress.IPv6Address, address: str, four: int | None, six: int | None) -> bool:
    try:
        other = ipaddress.ip_address(address)
    except ValueError:
        return False
    if other.version != ip.version:
        return False
    prefix = (four if ip.version == 4 else six) or other.max_prefixlen
    return ip in ipaddress.ip_network(f"{other}/{prefix}", strict=False)


def _network_match(ip: ipaddress.IPv4Address | ipaddress.IPv6Address, value: str) -> bool:
    try:
        network = ipaddress.ip_network(value, strict=False)
    except ValueError:
        raise SpfError(_("{value} is not an address or network").format(value=value)) from None
    return network.version == ip.version and ip in network


def check_host(ip: str, domain: str, run: SpfRun) -> str:
    """RFC 7208 check_host() for `ip` sending as `domain`: pass, fail, softfail, neutral or none; SpfError for a
    permerror (no record behind an include or redirect, two records, a syntax error, too many lookups)."""
    records = spf_records(run.lookup.txt(domain))
    if not records:
        return "none"
    if len(records) > 1:
        raise SpfError(
            _("{domain} has {count} SPF records (one only is allowed)").format(domain=domain, count=len(records))
        )
    run.seen.append(domain)
    address = ipaddress.ip_address(ip)
    terms = parse_spf(records[0])
    for term in terms:
        if term.modifier:
            continue
        if term.mechanism in _COUNTED:
            run.count()
        if "%" in term.value:
            run.macros = True
            continue
        if _matches(term, address, domain, run):
            return _RESULTS[term.qualifier]
    redirect = next((t.value for t in terms if t.modifier and t.mechanism == "redirect"), None)
    if redirect is not None and all_qualifier(terms) is None:
        run.count()
        result = check_host(ip, redirect, run)
        if result == "none":
            raise SpfError(_("redirect={target}: {target} has no SPF record").format(target=redirect))
        return result
    return "neutral"


def _matches(term: SpfTerm, ip: ipaddress.IPv4Address | ipaddress.IPv6Address, domain: str, run: SpfRun) -> bool:
    kind = term.mechanism
    if kind == "all":
        return True
    if kind in ("ip4", "ip6"):
        return _network_match(ip, term.value)
    if kind == "include":
        result = check_host(str(ip), term.value, run)
        if result == "none":
            raise SpfError(_("include:{target}: {target} has no SPF record").format(target=term.value))
        return result == "pass"
    if kind == "a":
        target, four, six = _split_cidr(term.value, domain)
        return any(_in(ip, a, four, six) for a in run.lookup.addresses(target))
    if kind == "mx":
        target, four, six = _split_cidr(term.value, domain)
        names = run.lookup.mx(target)[:SPF_MX_LIMIT]
        return any(_in(ip, a, four, six) for name in names for a in run.lookup.addresses(name))
    if kind == "exists":
        return bool(run.lookup.addresses(term.value))
    return False  # ptr: deprecated (RFC 7208 5.5), receivers may skip it; never counted on here


# -- DMARC and DKIM ---------------------------------------------------------------------------------------------------


def tags(record: str) -> dict[str, str]:
    """`k=v; k=v` -> {k: v}, keys lower-cased, spaces around values dropped."""
    found: dict[str, str] = {}
    for part in record.split(";"):
        key, eq, value = part.partition("=")
        if eq and key.strip():
            found.setdefault(key.strip().lower(), "".join(value.split()))
    return found


@dataclass(frozen=True)
class Dmarc:
    domain: str  # where the record was found: the From domain or its organisational domain
    policy: str  # none, quarantine, reject; "" when the record has no valid p=
    subdomain_policy: str
    rua: str
    adkim: str  # r or s
    aspf: str

    def policy_for(self, from_domain: str) -> str:
        return self.subdomain_policy if from_domain != self.domain and self.subdomain_policy else self.policy


def dmarc_records(txts: list[str]) -> list[str]:
    return [t.strip() for t in txts if t.strip().replace(" ", "").lower().startswith("v=dmarc1;") or t == "v=DMARC1"]


def parse_dmarc(record: str, domain: str) -> Dmarc:
    found = tags(record)
    policy = found.get("p", "").lower()
    sub = found.get("sp", "").lower()
    return Dmarc(
        domain=domain,
        policy=policy if policy in ("none", "quarantine", "reject") else "",
        subdomain_policy=sub if sub in ("none", "quarantine", "reject") else "",
        rua=found.get("rua", ""),
        adkim="s" if found.get("adkim", "r").lower() == "s" else "r",
        aspf="s" if found.get("aspf", "r").lower() == "s" else "r",
    )


def parents(domain: str) -> list[str]:
    """`a.b.example.com` -> [a.b.example.com, b.example.com, example.com]: where a DMARC record may apply from (the
    tree walk of DMARCbis, which needs no public suffix list)."""
    labels = domain.split(".")
    return [".".join(labels[i:]) for i in range(max(len(labels) - 1, 1))]


def aligned(from_domain: str, other: str, mode: str, organisational: str) -> bool:
    """DMARC identifier alignment: `s` the same domain; `r` the same organisational domain (the DMARC record's)."""
    if mode == "s":
        return from_domain == other

    def org(name: str) -> str:
        return organisational if name == organisational or name.endswith("." + organisational) else name

    return org(from_domain) == org(other)


def dkim_key(txts: list[str]) -> str | None:
    """The key (`p=`) of a DKIM key record: "" when revoked (empty p=), None when no DKIM record is among `txts`."""
    for txt in txts:
        found = tags(txt)
        if "p" in found and found.get("v", "DKIM1").upper() == "DKIM1":
            return found["p"]
    return None
