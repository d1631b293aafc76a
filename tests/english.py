"""The English-word scan behind the owner-language tests: with the owner language zh_Hans, what the owner reads may
keep machine words (URLs, addresses, paths, config keys, commands and options, statuses and outcomes, tags, codes,
product names) in Latin letters, and nothing else. `english_words(text)` removes those and returns what is left."""

from __future__ import annotations

import re
from dataclasses import fields

from wcrecall.config.settings import SECTIONS

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
    "dns",
    "spf",
    "dkim",
    "dmarc",
    "magento",
    "gmail",
    "yahoo",
    "salecycle",  # the source of the industry rates audit assumes
    "secure",  # 3-D Secure, the name of the card check
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
    "add",  # suppress add / list / remove
    "list",
    "remove",
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
    "cancelled",
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
    re.compile(r"\b[0-9a-f]{12}\b"),  # a suppressed address's id (its hash's first characters)
    re.compile(r"\b\d+[a-z]{0,2}\b"),  # numbers and durations (24h)
    re.compile(r"\b(?:GET|POST|PUT) [\w/{}]+"),  # the request an error names (GET orders)
    re.compile(r"\b[A-Z]{2}\b"),  # country codes (US, and US$ in amounts)
    re.compile(r"\b[A-Z]\w+Error\b"),  # the kind of a connection failure, as Python names it
    re.compile(r"Example Shop"),  # the shop's own name (brand.store_name, the sender's display name)
]


def english_words(text: str, extra: set[str] | frozenset[str] = frozenset()) -> list[str]:
    """The English words left in `text` once machine words, and the lower-cased words in `extra`, are removed."""
    for pattern in MACHINE:
        text = pattern.sub(" ", text)
    return [w for w in re.findall(r"[A-Za-z][A-Za-z_]+", text) if w.lower() not in ALLOWED | extra]


def store_words(*texts: str) -> set[str]:
    """The words of the store's own text (its name, its gateway titles), and their prefixes: a chart may cut them."""
    words = {w.lower() for text in texts for w in re.findall(r"[A-Za-z]+", text)}
    return {word[:end] for word in words for end in range(2, len(word) + 1)}
