"""`doctor`'s deliverability section: will mailbox providers trust the reminders sent as `mail.from`?

For the From domain it reads SPF (does the record authorise the configured SMTP host?), DMARC (present, policy,
reports, alignment) and DKIM (the key of `mail.dkim_selector`, or of a common provider selector), and says in one line
whether the domain meets Gmail's and Yahoo's 2024 rules for bulk senders. Each problem comes with the record to add or
change, built from the owner's own domain and host. The records are judged in `setup/mailrecords.py`.

DNS is asked through `setup/dnslookup.py` (dnspython), at `mail.nameserver` or the system's resolver, within one budget for the whole section
(DNS_BUDGET seconds): DNS that is down or slow gives one WARN, never a hang and never a FAIL. A FAIL is kept for records
that are broken as published (two SPF records, +all or ?all, the sending host left out): doctor exits 1 for those, as
it does for any setting that keeps reminders from arriving.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass

from wcrecall.config.sections import MailSettings
from wcrecall.i18n import _
from wcrecall.model.address import parse_mailbox
from wcrecall.setup.checks import FAIL, OK, WARN, Check
from wcrecall.setup.dnslookup import Dns, DnsTrouble
from wcrecall.setup.mailrecords import (
    Dmarc,
    SpfError,
    SpfRun,
    SpfTerm,
    aligned,
    all_qualifier,
    check_host,
    dkim_key,
    dmarc_records,
    parents,
    parse_dmarc,
    parse_spf,
    spf_records,
)

DNS_BUDGET = 2.0  # seconds for every lookup of the section together
TEST_ADDRESS = "192.0.2.1"  # RFC 5737 documentation address: never a real sender
# Selectors big providers sign with, tried when mail.dkim_selector is empty (-> who uses it).
COMMON_SELECTORS = {
    "google": "Google Workspace",
    "selector1": "Microsoft 365",
    "selector2": "Microsoft 365",
    "k1": "Mailchimp, Mailgun",
    "s1": "SendGrid",
    "s2": "SendGrid",
    "default": "cPanel, Plesk",
    "mandrill": "Mandrill",
    "mail": "",
    "dkim": "",
    "zmail": "Zoho",
    "mxvault": "",
}
# Submission hosts of big providers -> the SPF include their outgoing servers are listed in.
PROVIDER_INCLUDES = {
    "gmail.com": "_spf.google.com",
    "google.com": "_spf.google.com",
    "office365.com": "spf.protection.outlook.com",
    "outlook.com": "spf.protection.outlook.com",
    "sendgrid.net": "sendgrid.net",
    "mailgun.org": "mailgun.org",
    "amazonaws.com": "amazonses.com",
    "brevo.com": "spf.brevo.com",
    "zoho.com": "zoho.com",
}


@dataclass
class Findings:
    """What the section learnt, for the alignment and bulk-sender lines."""

    domain: str
    spf_ok: bool = False
    dmarc: Dmarc | None = None
    dkim_domain: str = ""  # where a usable DKIM key was found ("" none)


def deliverability_checks(mail: MailSettings, *, budget: float = DNS_BUDGET) -> list[Check]:
    """The section's lines for `mail.from`'s domain; one WARN instead when DNS does not answer."""
    if mail.transport == "file":
        return [
            Check(_("deliverability"), OK, _("mail.transport is file: nothing leaves this machine, DNS not checked"))
        ]
    domain = parse_mailbox(mail.from_addr).domain.lower()
    try:
        lookup = Dns(mail.nameserver, budget)
        found = Findings(domain)
        checks = [_spf_check(lookup, mail, found), _dmarc_check(lookup, found), *_dkim_checks(lookup, mail, found)]
    except DnsTrouble as exc:
        return [
            Check(
                _("deliverability"),
                WARN,
                _("DNS did not answer for {domain} ({reason}): SPF, DKIM and DMARC were not checked").format(
                    domain=domain, reason=exc
                ),
                _("run doctor again later; if this stays, check this machine's DNS (/etc/resolv.conf) or set "
                  "mail.nameserver"),
            )
        ]  # fmt: skip
    checks.append(_alignment_check(found))
    checks.append(_bulk_sender_check(found))
    return checks


# -- SPF --------------------------------------------------------------------------------------------------------------


def _provider_include(host: str) -> str | None:
    return next((inc for tail, inc in PROVIDER_INCLUDES.items() if host == tail or host.endswith("." + tail)), None)


def _spf_term(host: str, include: str | None) -> str:
    """The SPF term that authorises `host`: its provider's include, its address, its name; `a mx` (this domain's own
    servers) for a relay on this machine or no host (sendmail)."""
    if include:
        return f"include:{include}"
    try:
        address = ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        return f"a:{host}" if host and host != "localhost" else "a mx"
    return f"ip{address.version}:{address}" if address.is_global else "a mx"


def _sender_addresses(lookup: Dns, mail: MailSettings) -> tuple[list[str], bool]:
    """The SMTP host's addresses and whether receivers see them (False: a relay on this machine or the local
    network, or sendmail, whose public address doctor cannot know)."""
    if mail.transport != "smtp" or mail.host.lower() == "localhost":
        return [], False
    try:
        found = [str(ipaddress.ip_address(mail.host.strip("[]")))]
    except ValueError:
        found = lookup.addresses(mail.host)
    public = [a for a in found if ipaddress.ip_address(a).is_global]
    return public, bool(public) or not found


def _with_term(record: str, term: str) -> str:
    """`record` with `term` added before its `all` (or at the end)."""
    words = record.split()
    at = next((i for i, w in enumerate(words) if w.lstrip("+-~?").lower() == "all"), len(words))
    return " ".join([*words[:at], term, *words[at:]])


def _spf_check(lookup: Dns, mail: MailSettings, found: Findings) -> Check:
    domain = found.domain
    host = mail.host.lower() if mail.transport == "smtp" else ""
    include = _provider_include(host)
    mechanism = _spf_term(host, include)
    example = f"v=spf1 {mechanism} ~all"
    records = spf_records(lookup.txt(domain))
    if not records:
        return Check("SPF", WARN, _("{domain} has no SPF record: receivers cannot tell which servers may send its "
                                    "mail").format(domain=domain),
                     _("add a TXT record at {domain}: {example}").format(domain=domain, example=example))  # fmt: skip
    if len(records) > 1:
        merged = " ".join(dict.fromkeys(w for r in records for w in r.split()[1:] if w.lstrip("+-~?") != "all"))
        return Check("SPF", FAIL, _("{domain} has {count} SPF records: receivers treat that as an error and ignore "
                                    "them all").format(domain=domain, count=len(records)),
                     _("merge them into one TXT record at {domain}: {example}").format(
                         domain=domain, example=f"v=spf1 {merged} ~all"))  # fmt: skip
    record = records[0]
    try:
        terms = parse_spf(record)
        qualifier = _effective_all(lookup, terms)
        addresses, visible = _sender_addresses(lookup, mail)
        # No address to judge (a relay, sendmail): one run for a documentation address still finds a broken record.
        results = {a: check_host(a, domain, SpfRun(lookup)) for a in addresses or [TEST_ADDRESS]}
    except SpfError as exc:
        return Check("SPF", FAIL, _("the SPF record of {domain} is broken ({reason}): receivers ignore it").format(
                         domain=domain, reason=exc),
                     _("make it one TXT record at {domain} with at most 10 lookups, like {example}").format(
                         domain=domain, example=example))  # fmt: skip
    if qualifier in ("+", "?", None):
        safer = record.replace(" +all", " ~all").replace(" ?all", " ~all") if qualifier else f"{record} ~all"
        problem = _("the SPF record of {domain} ends in {term}: it does not stop anyone from sending mail as "
                    "{domain}").format(domain=domain, term=f"{qualifier}all")  # fmt: skip
        if qualifier is None:
            problem = _("the SPF record of {domain} has no all at its end: it does not stop anyone from sending mail "
                        "as {domain}").format(domain=domain)  # fmt: skip
        return Check("SPF", FAIL, problem,
                     _("end the TXT record at {domain} with ~all (or -all): {example}").format(
                         domain=domain, example=safer))  # fmt: skip
    if not visible or not host:
        found.spf_ok = True
        where = host or mail.sendmail_path
        return Check("SPF", OK, _("{domain} has one SPF record; mail leaves through {where}, so make sure it lists "
                                  "the public address of that server: {record}").format(
                                      domain=domain, where=where, record=record))  # fmt: skip
    if not addresses:
        return Check("SPF", WARN, _("{host} has no address in DNS: doctor cannot tell whether the SPF record of "
                                    "{domain} authorises it").format(host=host, domain=domain),
                     _("check mail.host"))  # fmt: skip
    missing = [a for a, result in results.items() if result != "pass" and a in addresses]
    listed = include is not None and SpfTerm("+", "include", include) in terms
    if missing and not listed:
        return Check("SPF", FAIL, _("the SPF record of {domain} does not authorise {host} ({addresses}): receivers "
                                    "see the reminders as forged").format(
                                        domain=domain, host=host, addresses=", ".join(missing)),
                     _("add {term} to the TXT record at {domain}: {example}").format(
                         term=mechanism, domain=domain, example=_with_term(record, mechanism)))  # fmt: skip
    found.spf_ok = True
    if qualifier == "~":
        return Check(
            "SPF",
            OK,
            _(
                "the SPF record of {domain} authorises {host}; it ends in ~all: change it to -all "
                "once every server that sends for you is listed"
            ).format(domain=domain, host=host),
        )
    return Check("SPF", OK, _("the SPF record of {domain} authorises {host} and refuses other servers (-all)").format(
        domain=domain, host=host))  # fmt: skip


def _effective_all(lookup: Dns, terms: list[SpfTerm], depth: int = 0) -> str | None:
    """The `all` receivers end with: the record's own, else the one of its redirect= target."""
    own = all_qualifier(terms)
    redirect = next((t.value for t in terms if t.modifier and t.mechanism == "redirect"), None)
    if own is not None or redirect is None or depth > 3:
        return own
    records = spf_records(lookup.txt(redirect))
    return _effective_all(lookup, parse_spf(records[0]), depth + 1) if len(records) == 1 else None


# -- DMARC and DKIM ---------------------------------------------------------------------------------------------------


def _dmarc_check(lookup: Dns, found: Findings) -> Check:
    domain = found.domain
    example = f"v=DMARC1; p=none; rua=mailto:dmarc-reports@{domain}"
    for name in parents(domain):
        records = dmarc_records(lookup.txt(f"_dmarc.{name}"))
        if len(records) > 1:
            return Check("DMARC", FAIL, _("_dmarc.{name} has {count} DMARC records: receivers ignore them all").format(
                name=name, count=len(records)),
                _("keep one TXT record at _dmarc.{name}: {example}").format(name=name, example=example))  # fmt: skip
        if records:
            break
    else:
        return Check("DMARC", WARN, _("no DMARC record at _dmarc.{domain}: Gmail and Yahoo require one from bulk "
                                      "senders").format(domain=domain),
                     _("add a TXT record at _dmarc.{domain}: {example}").format(domain=domain, example=example))  # fmt: skip
    dmarc = parse_dmarc(records[0], name)
    policy = dmarc.policy_for(domain)
    if not policy:
        return Check("DMARC", FAIL, _("the DMARC record at _dmarc.{name} has no valid p= policy: receivers ignore "
                                      "it").format(name=name),
                     _("make the TXT record at _dmarc.{name} read like: {example}").format(name=name, example=example))  # fmt: skip
    found.dmarc = dmarc
    reports = f"rua=mailto:dmarc-reports@{name}"
    if policy == "none":
        fix = _(
            "read the reports for a few weeks; once they show only your own servers, change p=none to "
            "p=quarantine in the TXT record at _dmarc.{name}"
        ).format(name=name)
        if not dmarc.rua:
            fix = _(
                "add {reports} to the TXT record at _dmarc.{name}, read the reports for a few weeks, then change "
                "p=none to p=quarantine"
            ).format(reports=reports, name=name)
        return Check("DMARC", WARN, _("the DMARC policy at _dmarc.{name} is p=none: receivers only report forged "
                                      "mail and still deliver it").format(name=name), fix)  # fmt: skip
    if not dmarc.rua:
        return Check("DMARC", WARN, _("the DMARC record at _dmarc.{name} (p={policy}) asks for no reports (rua=): you "
                                      "would not see who sends as {domain}").format(
                                          name=name, policy=policy, domain=domain),
                     _("add {reports} to the TXT record at _dmarc.{name}").format(reports=reports, name=name))  # fmt: skip
    return Check("DMARC", OK, _("_dmarc.{name}: p={policy}, reports to {rua}").format(
        name=name, policy=policy, rua=dmarc.rua))  # fmt: skip


def _dkim_checks(lookup: Dns, mail: MailSettings, found: Findings) -> list[Check]:
    domain = found.domain
    where = [domain] + ([found.dmarc.domain] if found.dmarc and found.dmarc.domain != domain else [])
    if mail.dkim_selector:
        selector = mail.dkim_selector
        for name in where:
            key = dkim_key(lookup.txt(f"{selector}._domainkey.{name}"))
            if key:
                found.dkim_domain = name
                return [Check("DKIM", OK, _("a DKIM key is published at {record}").format(
                    record=f"{selector}._domainkey.{name}"))]  # fmt: skip
            if key == "":
                return [Check("DKIM", WARN, _("the DKIM key at {record} is revoked (empty p=): signatures with "
                                              "selector {selector} fail").format(
                                                  record=f"{selector}._domainkey.{name}", selector=selector),
                              _("publish the current key from your mail provider at {record}, or set "
                                "mail.dkim_selector to the selector it signs with now").format(
                                    record=f"{selector}._domainkey.{name}"))]  # fmt: skip
        record = f"{selector}._domainkey.{domain}"
        return [Check("DKIM", WARN, _("no DKIM key at {record}: receivers cannot check the signatures made with "
                                      "selector {selector}").format(record=record, selector=selector),
                      _("publish the DKIM record your mail provider gives you as a TXT record at {record}, or "
                        "correct mail.dkim_selector").format(record=record))]  # fmt: skip
    lookup.prefetch_txt([f"{selector}._domainkey.{name}" for name in where for selector in COMMON_SELECTORS])
    for name in where:
        for selector, provider in COMMON_SELECTORS.items():
            if dkim_key(lookup.txt(f"{selector}._domainkey.{name}")):
                found.dkim_domain = name
                record = f"{selector}._domainkey.{name}"
                return [Check("DKIM", OK, _("a DKIM key is published at {record} ({provider}); set "
                                            "mail.dkim_selector = \"{selector}\" to be sure it is the one your "
                                            "provider signs with").format(
                                                record=record, provider=provider or selector, selector=selector))]  # fmt: skip
    return [Check("DKIM", WARN, _("no DKIM key found for {domain} under the common selectors ({selectors})").format(
                      domain=domain, selectors=", ".join(COMMON_SELECTORS)),
                  _("turn on DKIM signing for {domain} at your mail provider, publish the TXT record it gives you, "
                    "and put its selector in mail.dkim_selector").format(domain=domain))]  # fmt: skip


def _alignment_check(found: Findings) -> Check:
    name = _("alignment")
    dmarc, domain = found.dmarc, found.domain
    if dmarc is None:
        return Check(name, WARN, _("without a DMARC record no receiver checks that SPF or DKIM match {domain}").format(
            domain=domain), _("add the DMARC record above"))  # fmt: skip
    # wcrecall sends with the From address as the envelope sender, so SPF is checked for the From domain itself.
    spf_aligned = found.spf_ok and aligned(domain, domain, dmarc.aspf, dmarc.domain)
    dkim_aligned = bool(found.dkim_domain) and aligned(domain, found.dkim_domain, dmarc.adkim, dmarc.domain)
    if found.dkim_domain and not dkim_aligned:
        return Check(name, WARN, _("the DKIM key is published for {dkim}, but the DMARC record at _dmarc.{org} asks "
                                   "for strict DKIM alignment (adkim=s) with {domain}").format(
                                       dkim=found.dkim_domain, org=dmarc.domain, domain=domain),
                     _("change adkim=s to adkim=r in the TXT record at _dmarc.{org}, or have your mail provider sign "
                       "with d={domain}").format(org=dmarc.domain, domain=domain))  # fmt: skip
    if not spf_aligned and not dkim_aligned:
        return Check(name, WARN, _("neither SPF nor DKIM passes for {domain} itself: DMARC fails for the "
                                   "reminders").format(domain=domain),
                     _("follow the SPF and DKIM lines above"))  # fmt: skip
    return Check(name, OK, _("the reminders pass DMARC for {domain} ({how})").format(
        domain=domain, how=" + ".join(k for k, ok in (("SPF", spf_aligned), ("DKIM", dkim_aligned)) if ok)))  # fmt: skip


def _bulk_sender_check(found: Findings) -> Check:
    name = _("Gmail and Yahoo rules")
    dmarc = found.dmarc
    dkim_aligned = bool(found.dkim_domain) and dmarc is not None and aligned(
        found.domain, found.dkim_domain, dmarc.adkim, dmarc.domain)  # fmt: skip
    missing = [
        word
        for word, ok in (
            ("SPF", found.spf_ok),
            ("DKIM", bool(found.dkim_domain)),
            ("DMARC", dmarc is not None),
            (_("alignment"), dmarc is not None and (found.spf_ok or dkim_aligned)),
        )
        if not ok
    ]
    if missing:
        return Check(name, WARN, _("{domain} does not meet Gmail's and Yahoo's 2024 rules for bulk senders: {missing} "
                                   "missing").format(domain=found.domain, missing=", ".join(missing)),
                     _("follow the lines above; until then reminders may go to spam or be refused"))  # fmt: skip
    return Check(name, OK, _("{domain} meets Gmail's and Yahoo's 2024 rules for bulk senders (SPF, DKIM, DMARC, "
                             "alignment)").format(domain=found.domain))  # fmt: skip
