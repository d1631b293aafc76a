"""Issue 13's "done means" for the owner's terminal: with `WCRECALL_OWNER_LANGUAGE=zh_Hans`, `status`, `doctor`,
`explain` and a failing run (the store down; a config error) print no English sentence.

The scan removes what stays as it is in every language (URLs, addresses, paths, config keys, commands and options,
statuses and outcomes, tags, currency codes, product names), then fails on any English word left."""

from __future__ import annotations

import re
import socket
from collections.abc import Iterator
from dataclasses import fields
from datetime import UTC
from pathlib import Path

import pytest
from e2e import NOW, cli, failed_order, write_config

from wcrecall import i18n
from wcrecall.config.settings import SECTIONS
from wcrecall.sandbox import SandboxStore

ZH = {"WCRECALL_OWNER_LANGUAGE": "zh_Hans"}
HAN = re.compile(r"[\u4e00-\u9fff]")

# Machine words and names: what the owner types or reads in WP admin, the same in every language.
ALLOWED = {
    # product, protocol and platform names
    "wcrecall",
    "woocommerce",
    "wordpress",
    "wp",
    "rest",
    "api",
    "smtp",
    "https",
    "http",
    "oauth",
    "tls",
    "ntp",
    "toml",
    "json",
    "html",
    "pem",
    "ca",
    "cpanel",
    "cron",
    "crontab",
    "php",
    "utc",
    "cst",
    "gmt",
    "chromium",
    "eml",
    "id",
    "ck",
    "cs",
    "date",
    "message",
    "reply",
    "to",
    "from",
    "sandbox",
    "store",
    # commands, options and their metavars
    "run",
    "status",
    "doctor",
    "explain",
    "preview",
    "init",
    "audit",
    "report",
    "demo",
    "forget",
    "suppress",
    "help",
    "options",
    "command",
    "args",
    "dry",
    "baseline",
    "order_id",
    # check levels, order statuses, outcomes, failure classes and transports
    "ok",
    "warn",
    "fail",
    "failed",
    "pending",
    "processing",
    "open",
    "recovered",
    "not_contacted",
    "ended_unpaid",
    "insufficient_funds",
    "issuer_generic",
    "customer_input",
    "file",
    "sendmail",
    "starttls",
    "ssl",
    "none",
    "en",
    "zh_hans",
    "eur",
    "usd",
    "cny",
    "jpy",
}
ALLOWED |= {f.name for section in SECTIONS.values() for f in fields(section)}  # config keys, as errors list them
MACHINE = [
    re.compile(r"\b[A-Z][a-z]+/[A-Za-z_]+\b"),  # time zone names (America/Los_Angeles)
    re.compile(r'"[^"]*"|“[^”]*”'),  # quoted store text (a gateway's note as evidence)
    re.compile(r"https?://\S+"),  # URLs
    re.compile(r"[\w.*+-]+@[\w.-]+"),  # addresses (masked too)
    re.compile(r"/[\w./~-]+"),  # paths
    re.compile(r"\b[a-z_]+(?:\.[a-z_]+)+\b"),  # config keys (store.url), file names (shop.toml)
    re.compile(r"\bWCRECALL_[A-Z_]+\b"),  # environment variables
    re.compile(r"--?[a-z][\w-]*"),  # options
    re.compile(r"\[wcrecall [^\]]*\]"),  # note tags
    re.compile(r"<[^<>\s]+>"),  # Message-IDs
    re.compile(r"\b\d+[a-z]{0,2}\b"),  # numbers and durations (24h)
    re.compile(r"\b(?:GET|POST|PUT) [\w/{}]+"),  # the request an error names (GET orders)
    re.compile(r"\b[A-Z]{2}\b"),  # country codes (US, and US$ in amounts)
    re.compile(r"\b[A-Z]\w+Error\b"),  # the kind of a connection failure, as Python names it
    re.compile(r"Example Shop"),  # the shop's own name (brand.store_name, the sender's display name)
]


def english_words(text: str) -> list[str]:
    for pattern in MACHINE:
        text = pattern.sub(" ", text)
    return [w for w in re.findall(r"[A-Za-z][A-Za-z_]+", text) if w.lower() not in ALLOWED]


@pytest.fixture(autouse=True)
def english_afterwards() -> Iterator[None]:
    yield
    i18n.activate("en", UTC)


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_the_scan_finds_english_sentences() -> None:
    assert english_words("错误：store.url 无效 (run wcrecall init)") == []
    assert english_words("订单 12: the store did not answer") == ["the", "did", "not", "answer"]


def test_status_doctor_and_explain_print_no_english_sentence(tmp_path: Path, store: SandboxStore) -> None:
    order_id = failed_order(store, "ana@example.com")
    waiting = failed_order(store, "ben@example.org", hours_ago=0.2)
    config = write_config(tmp_path, store.url)
    assert cli(["run"], config=config, now=NOW, env=ZH).exit_code == 0
    outputs = {
        "status": cli(["status"], config=config, now=NOW, env=ZH),
        "doctor": cli(["doctor"], config=config, now=NOW, env=ZH),
        "explain": cli(["explain", str(order_id)], config=config, now=NOW, env=ZH),
        "explain waiting": cli(["explain", str(waiting)], config=config, now=NOW, env=ZH),
        "run -v": cli(["run", "-v"], config=config, now=NOW, env=ZH),
    }
    for name, result in outputs.items():
        shown = (result.stdout + result.stderr).replace("\n      ", "")  # doctor's wrapped lines (a path cut in two)
        assert HAN.search(shown), (name, shown)
        assert english_words(shown) == [], (name, shown)


def test_a_failing_run_prints_no_english_sentence(tmp_path: Path) -> None:
    down = write_config(tmp_path, f"http://127.0.0.1:{closed_port()}", name="down.toml")
    unreachable = cli(["run"], config=down, now=NOW, env=ZH | {"WCRECALL_STORE_MAX_RETRY_TIME": "0.5"})
    broken = write_config(tmp_path, "http://127.0.0.1:9", name="broken.toml", extra="[recall]\ncolour = 1\n")
    misconfigured = cli(["run"], config=broken, now=NOW, env=ZH)
    assert unreachable.exit_code == 1 and misconfigured.exit_code == 2
    for result in (unreachable, misconfigured):
        shown = result.stdout + result.stderr
        assert HAN.search(shown), shown
        assert english_words(shown) == [], shown
