"""Note text as the rules read it: HTML to plain text, and core's status-transition sentence cut off and read.

1. `strip_html`: tags removed (inline tags such as WooPayments' `<strong>`/`<code>` and `wc_price()`'s `<span>`/`<bdi>`
   vanish, block tags such as `<br>` become a space), entities decoded (`&#36;`, `&nbsp;`, `&#x1F6AB;`), whitespace
   collapsed.
2. `split_transitions`: core appends its status-transition sentence to the gateway's note in the same comment, in the
   site language at the time; it is cut off (English, German, French, Spanish) and returned apart.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass

__all__ = ["FAILED_STATUS_RE", "PLAIN", "SPACE_RE", "TRANSITIONS", "Transition", "split_transitions", "strip_html"]

# Tags that separate words when rendered; every other tag (span, bdi, strong, code, a, em...) is inline and vanishes.
_BLOCK_TAGS = frozenset(
    {"br", "p", "div", "li", "ul", "ol", "tr", "td", "th", "table", "h1", "h2", "h3", "h4", "h5", "h6", "hr", "pre"}
)
# An unclosed comment runs to the end (as in browsers), so a stray "<!--" never makes the scan restart.
COMMENT_RE = re.compile(r"<!--.*?(?:-->|\Z)", re.DOTALL)
# Possessive quantifiers: a "<tag" with no closing ">" fails at once instead of backtracking through its length.
TAG_RE = re.compile(r"</?\s*+([A-Za-z][A-Za-z0-9]*+)[^<>]*+>")
SPACE_RE = re.compile(r"\s+")
# Typographic quotes and dashes as translators and WooPayments ("couldn’t") use them; matched as plain ASCII.
PLAIN = str.maketrans(
    {
        "\u2019": "'",
        "\u2018": "'",
        "\u02bc": "'",
        "\u201c": '"',
        "\u201d": '"',
        "\u00ab": '"',
        "\u00bb": '"',
        "\u2013": "-",
        "\u2014": "-",
        "\u2011": "-",
        "\u00a0": " ",
        "\u202f": " ",
        "\u200b": "",
    }
)


def _tag_replacement(match: re.Match[str]) -> str:
    return " " if match.group(1).lower() in _BLOCK_TAGS else ""


def strip_html(text: str) -> str:
    """Return the visible text of a note: tags removed, entities decoded, whitespace collapsed and trimmed."""
    without_comments = COMMENT_RE.sub(" ", text)
    without_tags = TAG_RE.sub(_tag_replacement, without_comments)
    decoded = html.unescape(without_tags).replace("\u00a0", " ").replace("\u202f", " ").replace("\u200b", "")
    return SPACE_RE.sub(" ", decoded).strip()


# --------------------------------------------------------------------------------------------------------------------
# Core's status-transition suffix (woocommerce/woocommerce plugins/woocommerce/includes/class-wc-order.php,
# `status_transition()`: "Order status changed from %1$s to %2$s."). The status names are translated too.
# German (translate.wordpress.org): "Bestellstatus von X auf Y geändert."; the word order "Bestellstatus geändert von
# X zu Y." is accepted as well. French: "Statut de la commande modifié de X à Y." and the older "État de la commande
# modifié de X à Y." (found in public WooCommerce database dumps). Spanish: "El estado del pedido cambió de X a Y."
# (found in public code that compares note texts).

_S = r"[^.]{1,60}?"  # one status name: no full stop, short
TRANSITIONS: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("en", re.compile(rf"Order status changed from (?P<src>{_S}) to (?P<dst>{_S})\.", re.IGNORECASE)),
    (
        "de",
        re.compile(
            rf"Bestellstatus (?:geändert )?von (?P<src>{_S}) (?:auf|zu|nach|in) (?P<dst>{_S})(?: geändert)?\.",
            re.IGNORECASE,
        ),
    ),
    (
        "fr",
        re.compile(
            rf"(?:Statut|État|Etat) de (?:la )?commande (?:modifié|changé|passé) de (?P<src>{_S}) (?:à|a|en) "
            rf"(?P<dst>{_S})\.",
            re.IGNORECASE,
        ),
    ),
    (
        "es",
        re.compile(rf"El estado del pedido (?:ha )?cambi(?:ó|o|ado) de (?P<src>{_S}) a (?P<dst>{_S})\.", re.IGNORECASE),
    ),
)
# Translations of core's "Failed" status name (wc_get_order_statuses()).
FAILED_STATUS_RE = re.compile(r"^(?:failed|fehlgeschlagen|échouée?|echouée?|fallid[oa])$", re.IGNORECASE)


@dataclass(frozen=True)
class Transition:
    language: str
    source: str
    target: str


def split_transitions(text: str) -> tuple[str, tuple[Transition, ...]]:
    """Cut core's status-transition sentences out of `text`; return the rest and the transitions found."""
    found: list[Transition] = []
    rest = text
    for language, pattern in TRANSITIONS:
        matches = list(pattern.finditer(rest))
        if not matches:
            continue
        found.extend(Transition(language, m.group("src").strip(), m.group("dst").strip()) for m in matches)
        rest = pattern.sub(" ", rest)
    return SPACE_RE.sub(" ", rest).strip(), tuple(found)
