"""doctor's deliverability section against a real DNS server on 127.0.0.1 (tests/dns_server.py): good records pass,
each broken one names its fix, and DNS that is down or silent gives a WARN, never a hang or a FAIL."""

from __future__ import annotations

import socket
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from dns_server import DnsServer, SilentServer, Zone
from e2e import NOW, cli, write_config
from smtp_server import SmtpServer

from wcrecall.config.sections import MailSettings
from wcrecall.model.errors import ConfigError
from wcrecall.sandbox import SandboxStore
from wcrecall.setup.checks import FAIL, OK, WARN, Check
from wcrecall.setup.deliverability import deliverability_checks

HOST = "smtp.mailer.test"
HOST_IP = "93.184.215.10"  # a public address (only ever served by the test DNS server, never contacted)
KEY = "MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEA" + "x" * 560  # a long TXT: over 512 bytes, asked again over TCP

GOOD: dict[str, list[tuple[str, str]]] = {
    "shop.test": [("TXT", "google-site-verification=abc"), ("TXT", "v=spf1 include:_spf.mailer.test -all")],
    "_spf.mailer.test": [("TXT", "v=spf1 ip4:93.184.215.0/24 ~all")],
    HOST: [("A", HOST_IP)],
    "_dmarc.shop.test": [("TXT", "v=DMARC1; p=quarantine; rua=mailto:dmarc@shop.test")],
    "s1._domainkey.shop.test": [("TXT", f"v=DKIM1; k=rsa; p={KEY}")],
}
SECTION = ("SPF", "DMARC", "DKIM", "alignment", "Gmail and Yahoo rules")


def changed(**records: list[tuple[str, str]] | None) -> Zone:
    """GOOD with names replaced (`_` for `.`, `__` for `._`); None removes the name."""
    zone = dict(GOOD)
    for key, value in records.items():
        name = key.replace("__", "._").replace("_", ".").replace(".dmarc", "_dmarc").replace(".domainkey", "_domainkey")
        if value is None:
            zone.pop(name, None)
        else:
            zone[name] = value
    return zone


def mail(server: Any, **overrides: Any) -> MailSettings:
    values: dict[str, Any] = {
        "transport": "smtp",
        "host": HOST,
        "from_addr": "Shop <shop@shop.test>",
        "dkim_selector": "s1",
        "nameserver": server.address,
    }
    values.update(overrides)
    settings = MailSettings(**values)
    settings.check()
    return settings


def run(zone: Zone, **overrides: Any) -> dict[str, Check]:
    with DnsServer(zone) as server:
        checks = deliverability_checks(mail(server, **overrides))
    return {c.name: c for c in checks}


def test_good_records_pass_every_line() -> None:
    """SPF through an include authorises the host, DMARC p=quarantine with reports, the DKIM key (asked over TCP)."""
    with DnsServer(GOOD) as server:
        checks = {c.name: c for c in deliverability_checks(mail(server))}
    assert list(checks) == list(SECTION)
    assert all(c.level == OK for c in checks.values()), checks
    assert "authorises smtp.mailer.test and refuses other servers (-all)" in checks["SPF"].message
    assert "meets Gmail's and Yahoo's 2024 rules" in checks["Gmail and Yahoo rules"].message
    assert ("s1._domainkey.shop.test", "TXT") in server.queries


def test_softfail_all_passes_with_the_advice_to_move_to_minus_all() -> None:
    spf = run(changed(shop_test=[("TXT", "v=spf1 a:smtp.mailer.test ~all")]))["SPF"]
    assert spf.level == OK and "change it to -all once every server that sends for you is listed" in spf.message


@pytest.mark.parametrize(
    ("records", "level", "fix"),
    [
        ([], WARN, "add a TXT record at shop.test: v=spf1 a:smtp.mailer.test ~all"),
        (
            [("TXT", "v=spf1 ip4:93.184.215.10 -all"), ("TXT", "v=spf1 include:_spf.mailer.test ~all")],
            FAIL,
            "merge them into one TXT record at shop.test: v=spf1 ip4:93.184.215.10 include:_spf.mailer.test ~all",
        ),
        ([("TXT", "v=spf1 +all")], FAIL, "end the TXT record at shop.test with ~all (or -all): v=spf1 ~all"),
        ([("TXT", "v=spf1 a:smtp.mailer.test ?all")], FAIL, "v=spf1 a:smtp.mailer.test ~all"),
        ([("TXT", "v=spf1 a:smtp.mailer.test")], FAIL, "with ~all (or -all): v=spf1 a:smtp.mailer.test ~all"),
        (
            [("TXT", "v=spf1 ip4:198.51.100.0/24 -all")],
            FAIL,
            "add a:smtp.mailer.test to the TXT record at shop.test: v=spf1 ip4:198.51.100.0/24 a:smtp.mailer.test -all",
        ),
        ([("TXT", "v=spf1 include:nowhere.test -all")], FAIL, "at most 10 lookups"),
    ],
    ids=["no-spf", "two-spf", "plus-all", "neutral-all", "no-all", "host-not-covered", "include-without-record"],
)
def test_each_broken_spf_names_its_fix(records: list[tuple[str, str]], level: str, fix: str) -> None:
    checks = run(changed(shop_test=records))
    assert checks["SPF"].level == level
    assert fix in checks["SPF"].fix
    assert checks["Gmail and Yahoo rules"].level == (OK if level == OK else WARN)


def test_more_than_ten_lookups_is_a_permerror() -> None:
    """RFC 7208's limit counts includes across the whole tree: 11 nested includes fail however they are nested."""
    chain = {f"l{i}.test": [("TXT", f"v=spf1 include:l{i + 1}.test -all")] for i in range(11)}
    chain["l11.test"] = [("TXT", "v=spf1 a:smtp.mailer.test -all")]
    checks = run({**changed(shop_test=[("TXT", "v=spf1 include:l0.test -all")]), **chain})
    assert checks["SPF"].level == FAIL and "more than 10 DNS lookups" in checks["SPF"].message
    ten = run({**changed(shop_test=[("TXT", "v=spf1 include:l3.test -all")]), **chain})  # 9 includes + a: 10, allowed
    assert ten["SPF"].level == OK, ten["SPF"]


def test_redirect_is_followed_for_the_host_and_the_all() -> None:
    checks = run(changed(shop_test=[("TXT", "v=spf1 redirect=_spf.mailer.test")]))
    assert checks["SPF"].level == OK and "~all" in checks["SPF"].message


def test_a_host_given_as_an_address_is_authorised_by_that_address() -> None:
    spf = run(changed(shop_test=[("TXT", "v=spf1 mx -all")]), host="93.184.215.20")["SPF"]
    assert (
        spf.level == FAIL
        and "add ip4:93.184.215.20 to the TXT record at shop.test: v=spf1 mx ip4:93.184.215.20 -all" in spf.fix
    )


def test_a_relay_on_this_machine_is_not_judged_by_its_loopback_address() -> None:
    """mail.host 127.0.0.1: receivers see the relay's public address, which doctor cannot know."""
    for host in ("127.0.0.1", "localhost"):
        spf = run(GOOD, host=host)["SPF"]
        assert spf.level == OK and "make sure it lists the public address of that server" in spf.message, spf
    missing = run(changed(shop_test=[]), host="localhost")["SPF"]
    assert "add a TXT record at shop.test: v=spf1 a mx ~all" in missing.fix


@pytest.mark.parametrize(
    ("dmarc", "level", "text"),
    [
        (None, WARN, "add a TXT record at _dmarc.shop.test: v=DMARC1; p=none; rua=mailto:dmarc-reports@shop.test"),
        ([("TXT", "v=DMARC1; p=none; rua=mailto:d@shop.test")], WARN, "change p=none to p=quarantine"),
        ([("TXT", "v=DMARC1; p=reject")], WARN, "add rua=mailto:dmarc-reports@shop.test to the TXT record"),
        ([("TXT", "v=DMARC1; p=quarantine"), ("TXT", "v=DMARC1; p=none")], FAIL, "keep one TXT record"),
        ([("TXT", "v=DMARC1; rua=mailto:d@shop.test")], FAIL, "v=DMARC1; p=none;"),
    ],
    ids=["no-dmarc", "p-none", "no-rua", "two-dmarc", "no-policy"],
)
def test_each_weak_dmarc_names_its_next_step(dmarc: list[tuple[str, str]] | None, level: str, text: str) -> None:
    checks = run(changed(_dmarc_shop_test=dmarc))
    assert checks["DMARC"].level == level and text in checks["DMARC"].fix, checks["DMARC"]


def test_the_organisational_domains_dmarc_applies_to_a_subdomain_and_strict_dkim_is_misaligned() -> None:
    """From mail.shop.test; the DKIM key and DMARC (adkim=s) at shop.test: the signature's domain does not align."""
    zone = changed(_dmarc_shop_test=[("TXT", "v=DMARC1; p=reject; adkim=s; rua=mailto:d@shop.test")])
    checks = run(zone, from_addr="Shop <shop@mail.shop.test>")
    assert checks["DMARC"].level == OK and "_dmarc.shop.test" in checks["DMARC"].message
    assert checks["DKIM"].level == OK
    assert checks["alignment"].level == WARN
    assert "change adkim=s to adkim=r in the TXT record at _dmarc.shop.test" in checks["alignment"].fix
    assert "alignment" in checks["Gmail and Yahoo rules"].message
    relaxed = run(changed(_dmarc_shop_test=[("TXT", "v=DMARC1; p=reject; rua=mailto:d@shop.test")]),
                  from_addr="Shop <shop@mail.shop.test>")  # fmt: skip
    assert relaxed["alignment"].level == OK


@pytest.mark.parametrize(
    ("key", "text"),
    [(None, "publish the DKIM record your mail provider gives you as a TXT record at s1._domainkey.shop.test"),
     ([("TXT", "v=DKIM1; k=rsa; p=")], "publish the current key from your mail provider at s1._domainkey.shop.test")],
    ids=["missing", "revoked"],
)  # fmt: skip
def test_a_missing_or_revoked_dkim_key_names_its_record(key: list[tuple[str, str]] | None, text: str) -> None:
    checks = run(changed(s1__domainkey_shop_test=key))
    assert checks["DKIM"].level == WARN and text in checks["DKIM"].fix
    assert checks["Gmail and Yahoo rules"].level == WARN and "DKIM" in checks["Gmail and Yahoo rules"].message


def test_without_a_selector_common_ones_are_tried_and_naming_it_is_advised() -> None:
    zone = changed(s1__domainkey_shop_test=None, google__domainkey_shop_test=[("TXT", "v=DKIM1; p=" + KEY)])
    dkim = run(zone, dkim_selector="")["DKIM"]
    assert dkim.level == OK and 'set mail.dkim_selector = "google"' in dkim.message
    none = run(changed(s1__domainkey_shop_test=None), dkim_selector="")["DKIM"]
    assert none.level == WARN and "put its selector in mail.dkim_selector" in none.fix


def _dead_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def test_dns_that_never_answers_or_is_down_is_one_warning() -> None:
    with SilentServer() as silent:
        checks = deliverability_checks(mail(silent), budget=0.5)
    assert silent.queries >= 1
    assert [(c.name, c.level) for c in checks] == [("deliverability", WARN)]
    assert "mail.nameserver" in checks[0].fix
    down = deliverability_checks(mail(type("Down", (), {"address": f"127.0.0.1:{_dead_port()}"})()), budget=0.5)
    assert [(c.name, c.level) for c in down] == [("deliverability", WARN)]


def test_the_budget_is_for_the_whole_section_not_for_each_lookup() -> None:
    """A server that answers every query, slowly: each lookup alone is quick enough, all of them together are not."""
    with DnsServer(GOOD, delay=0.15) as slow:
        checks = deliverability_checks(mail(slow, dkim_selector=""), budget=0.6)
    assert [(c.name, c.level) for c in checks] == [("deliverability", WARN)]
    assert 1 <= len(slow.queries) <= 6


def test_the_common_selectors_are_asked_together_within_the_budget() -> None:
    """Without mail.dkim_selector a dozen names are tried: asked one after another from a slow server they would
    outlast the budget, asked together they do not."""
    with DnsServer(changed(s1__domainkey_shop_test=None), delay=0.1) as slow:
        checks = {c.name: c for c in deliverability_checks(mail(slow, dkim_selector=""), budget=1.2)}
    assert checks["DKIM"].level == WARN and "common selectors" in checks["DKIM"].message, checks


def test_record_text_reaches_the_terminal_without_control_characters() -> None:
    """A TXT record is the domain's text, not ours: an escape sequence in it is shown inert."""
    spf = run(changed(shop_test=[("TXT", "v=spf1 ip4:93.184.215.10 \x1b[2J -all")]), host="127.0.0.1")["SPF"]
    assert "\x1b" not in spf.message + spf.fix


def test_the_file_transport_sends_nothing_and_asks_no_dns() -> None:
    with DnsServer(GOOD) as server:
        checks = deliverability_checks(mail(server, transport="file"))
    assert [(c.name, c.level) for c in checks] == [("deliverability", OK)] and server.queries == []


@pytest.mark.parametrize("value", ["localhost", "127.0.0.1:0", "127.0.0.1:99999", "1.2.3.4:x"])
def test_a_bad_nameserver_setting_is_refused_by_name(value: str) -> None:
    with pytest.raises(ConfigError, match="mail.nameserver"):
        MailSettings(from_addr="shop@shop.test", nameserver=value).check()


# -- through the CLI --------------------------------------------------------------------------------------------------


def _config(tmp_path: Path, store: SandboxStore, smtp: SmtpServer, nameserver: str) -> Path:
    """The sandbox store, the test SMTP server (a relay on 127.0.0.1) and mail.from at shop.test; the in-process
    runs pass the nameserver in WCRECALL_MAIL_NAMESERVER too, which wins over the file (tests/conftest.py sets it)."""
    config = write_config(tmp_path, store.url, smtp_port=smtp.port, extra="")
    text = config.read_text(encoding="utf-8").replace("shop@example.com", "shop@shop.test")
    text = text.replace(
        'security = "none"\n', f'security = "none"\ndkim_selector = "s1"\nnameserver = "{nameserver}"\n'
    )
    config.write_text(text, encoding="utf-8")
    return config


def test_doctor_shows_the_deliverability_section_and_exits_1_for_a_broken_spf(
    tmp_path: Path, store: SandboxStore, smtp: SmtpServer
) -> None:
    """Good records: every deliverability line OK, exit 0; two SPF records: a FAIL with its fix, exit 1."""
    relay = {**GOOD, "shop.test": [("TXT", "v=spf1 ip4:93.184.215.10 -all")]}  # the test relay is 127.0.0.1
    with DnsServer(relay) as server:
        config = _config(tmp_path, store, smtp, server.address)
        result = cli(["doctor"], config=config, now=NOW, env={"WCRECALL_MAIL_NAMESERVER": server.address})
    assert result.exit_code == 0, result.stdout
    lines = result.stdout.splitlines()
    for name in SECTION:
        assert any(line.startswith("OK") and f"  {name}:" in line for line in lines), result.stdout
    broken = {**GOOD, "shop.test": [("TXT", "v=spf1 a -all"), ("TXT", "v=spf1 mx -all")]}
    with DnsServer(broken) as server:
        result = cli(["doctor"], config=config, now=NOW, env={"WCRECALL_MAIL_NAMESERVER": server.address})
    assert result.exit_code == 1
    assert "FAIL  SPF: shop.test has 2 SPF records" in result.stdout
    assert "merge them into one TXT record at shop.test" in " ".join(result.stdout.split())


def test_doctor_finishes_with_a_warning_when_dns_never_answers(
    tmp_path: Path, store: SandboxStore, smtp: SmtpServer
) -> None:
    """A real process with a timeout of its own: doctor must end, exit 0, and say DNS did not answer."""
    with SilentServer() as silent:
        config = _config(tmp_path, store, smtp, silent.address)
        env = {"PATH": "", "WCRECALL_CONFIG": str(config), "WCRECALL_NOW": NOW.isoformat(), "NO_COLOR": "1",
               "COLUMNS": "200", "HOME": str(tmp_path)}  # fmt: skip
        done = subprocess.run([sys.executable, "-m", "wcrecall", "doctor"], env=env, capture_output=True, text=True,
                              timeout=30, check=False)  # fmt: skip
    assert done.returncode == 0, done.stdout + done.stderr
    assert "WARN  deliverability: DNS did not answer for shop.test" in done.stdout
