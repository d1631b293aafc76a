"""Why did a payment fail? Pure classification of WooCommerce order notes into failure classes.

Everything here is a pure function of its arguments: no I/O, no clock, no globals that change. The regular expressions
are compiled once at import and none of them nests a quantifier inside another (tests/test_classify.py checks this),
so a hostile note cannot make matching slow.

How a note is read
------------------
1. `strip_html`: tags removed (inline tags such as WooPayments' `<strong>`/`<code>` and `wc_price()`'s `<span>`/`<bdi>`
   vanish, block tags such as `<br>` become a space), entities decoded (`&#36;`, `&nbsp;`, `&#x1F6AB;`), whitespace
   collapsed.
2. Core appends its status-transition sentence to the gateway's note in the same comment
   (`Order status changed from %1$s to %2$s.`, woocommerce/woocommerce plugins/woocommerce/includes/class-wc-order.php
   `status_transition()`), translated into the site language at the time. It is cut off in English, German, French
   and Spanish before the gateway part is matched, and remembered: a transition *to* Failed with no gateway reason is
   still evidence that an attempt failed (class `unknown`).
3. The gateway part is matched against an ordered rule list; the first rule that matches decides. The order encodes
   how much a signal can be trusted:
   explicit non-failures, then `do_not_contact` (fraud, lost/stolen, risk filters, rate limiter - one such signal must
   never be outvoted), then locale-independent codes (Stripe decline codes, Square error codes, PayPal issue codes,
   Mollie failure reasons, SEPA bank reason codes), then specific English API messages and gateway templates, then their
   German/French/Spanish translations, then generic declines ("Your card was declined.", `card_declined`,
   `GENERIC_DECLINE`, `INSTRUMENT_DECLINED`), then generic "please try again" wrappers, then abandonment templates, and
   last plain "payment failed" markers that prove a failure but give no reason (`unknown`).
   A generic code such as `(card_declined)` therefore loses to a specific message in the same note
   ("Your card has insufficient funds. (card_declined)" is `insufficient_funds`), and PayPal's generic
   "Failed to process the payment..." loses to an `INSTRUMENT_DECLINED` issue code in the same note.

The class `do_not_contact` is for the shop owner only: whoever words the buyer's email must never say that fraud, a
lost or stolen card or a risk check was involved.
"""

from __future__ import annotations

import html
import importlib
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import Any

FAILURE_CLASSES: tuple[str, ...] = (
    "customer_input",
    "authentication",
    "insufficient_funds",
    "expired_or_unsupported",
    "issuer_generic",
    "transient",
    "abandoned",
    "do_not_contact",
    "unknown",
)

# How each class reads to the shop owner (status, notes, explain). Never shown to buyers.
CLASS_LABELS: dict[str, str] = {
    "customer_input": "card details wrong",
    "authentication": "authentication (3-D Secure) failed",
    "insufficient_funds": "insufficient funds",
    "expired_or_unsupported": "card expired or not supported",
    "issuer_generic": "declined by the bank",
    "transient": "temporary payment error",
    "abandoned": "checkout not completed",
    "do_not_contact": "do not contact",
    "unknown": "unknown",
}

# Authors whose notes are WooCommerce's or a gateway's own. The REST API reports notes written without a logged-in
# user as "system" (class-wc-rest-order-notes-controller.php); older stores and direct reads show "WooCommerce".
SYSTEM_AUTHORS = frozenset({"system", "woocommerce"})

# wcrecall's own notes start with this prefix; they are never evidence of why a payment failed.
OWN_NOTE_PREFIX = "wcrecall:"

EVIDENCE_MAX = 200


@dataclass(frozen=True)
class Note:
    """One order note as wcrecall reads it from `GET /orders/{id}/notes`."""

    text: str  # raw HTML as WooCommerce stores it
    author: str = "system"  # "system" for WooCommerce/gateway notes, else the admin's name
    date: datetime | None = None  # aware, UTC


@dataclass(frozen=True)
class Classification:
    """Why an order's payment failed, and which note said so."""

    failure_class: str  # one of FAILURE_CLASSES
    rule: str  # id of the rule that matched, e.g. "stripe.insufficient_funds" or "core.pending_no_attempt"
    evidence: str  # the note text (HTML stripped, at most ~200 chars) that matched; "" if none
    note_index: int | None  # index in the notes list of the note that decided it
    language: str  # "en", "de", "fr", "es", or "code" for a locale-independent token


# --------------------------------------------------------------------------------------------------------------------
# HTML → text

# Tags that separate words when rendered; every other tag (span, bdi, strong, code, a, em...) is inline and vanishes.
_BLOCK_TAGS = frozenset(
    {"br", "p", "div", "li", "ul", "ol", "tr", "td", "th", "table", "h1", "h2", "h3", "h4", "h5", "h6", "hr", "pre"}
)
# An unclosed comment runs to the end (as in browsers), so a stray "<!--" never makes the scan restart.
_COMMENT_RE = re.compile(r"<!--.*?(?:-->|\Z)", re.DOTALL)
# Possessive quantifiers: a "<tag" with no closing ">" fails at once instead of backtracking through its length.
_TAG_RE = re.compile(r"</?\s*+([A-Za-z][A-Za-z0-9]*+)[^<>]*+>")
_SPACE_RE = re.compile(r"\s+")
# Typographic quotes and dashes as translators and WooPayments ("couldn’t") use them; matched as plain ASCII.
_PLAIN = str.maketrans(
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
    without_comments = _COMMENT_RE.sub(" ", text)
    without_tags = _TAG_RE.sub(_tag_replacement, without_comments)
    decoded = html.unescape(without_tags).replace("\u00a0", " ").replace("\u202f", " ").replace("\u200b", "")
    return _SPACE_RE.sub(" ", decoded).strip()


# --------------------------------------------------------------------------------------------------------------------
# Core's status-transition suffix (woocommerce/woocommerce plugins/woocommerce/includes/class-wc-order.php,
# `status_transition()`: "Order status changed from %1$s to %2$s."). The status names are translated too.
# German (translate.wordpress.org): "Bestellstatus von X auf Y geändert."; the word order "Bestellstatus geändert von
# X zu Y." is accepted as well. French: "Statut de la commande modifié de X à Y." and the older "État de la commande
# modifié de X à Y." (found in public WooCommerce database dumps). Spanish: "El estado del pedido cambió de X a Y."
# (found in public code that compares note texts).

_S = r"[^.]{1,60}?"  # one status name: no full stop, short
_TRANSITIONS: tuple[tuple[str, re.Pattern[str]], ...] = (
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
_FAILED_STATUS_RE = re.compile(r"^(?:failed|fehlgeschlagen|échouée?|echouée?|fallid[oa])$", re.IGNORECASE)


@dataclass(frozen=True)
class _Transition:
    language: str
    source: str
    target: str


def _split_transitions(text: str) -> tuple[str, tuple[_Transition, ...]]:
    """Cut core's status-transition sentences out of `text`; return the rest and the transitions found."""
    found: list[_Transition] = []
    rest = text
    for language, pattern in _TRANSITIONS:
        matches = list(pattern.finditer(rest))
        if not matches:
            continue
        found.extend(_Transition(language, m.group("src").strip(), m.group("dst").strip()) for m in matches)
        rest = pattern.sub(" ", rest)
    return _SPACE_RE.sub(" ", rest).strip(), tuple(found)


# --------------------------------------------------------------------------------------------------------------------
# Rules


@dataclass(frozen=True)
class _Rule:
    family: str  # rule id prefix: the gateway whose vocabulary this is
    name: str  # rule id suffix; "" = the matched code itself (named group "code"), lower-cased
    failure_class: str | None  # None: the note is explicitly not a failure (stop, no class)
    language: str  # "" = ambiguous between languages: the note's own transition sentence decides
    pattern: re.Pattern[str]
    also: tuple[str, ...] = ()  # other families that share this vocabulary (Mollie reuses Stripe's code names)
    lowered: bool = False  # True: the pattern is lower-case and runs on the lower-cased note
    keys: frozenset[str] | None = None  # the pattern cannot match unless one of these occurs; None: always try

    def rule_id(self, match: re.Match[str], family_hint: str) -> str:
        family = family_hint if family_hint in self.also else self.family
        name = self.name or match.group("code").lower()
        return f"{family}.{name}"


# Literal pre-check keys. Each pattern's parse tree (the standard library's own regex parser) yields a set of literal
# strings one of which every match must contain; a note that contains none of them cannot match, and the regex search
# is skipped. This is what keeps classification above 10,000 notes/s with ~120 rules. If the parser module is ever
# unavailable, no keys are derived and every rule is simply searched (slower, same results).
_MIN_KEY = 3


def _regex_parser() -> Any:
    try:
        return importlib.import_module("re._parser")
    except ImportError:  # pragma: no cover - older or future Pythons
        return None


_PARSER = _regex_parser()


def _pick(best: frozenset[str] | None, keys: frozenset[str] | None) -> frozenset[str] | None:
    """The more selective of two key sets (the one whose shortest key is longer)."""
    if not keys or "" in keys:
        return best
    if best is None or min(map(len, keys)) > min(map(len, best)):
        return keys
    return best


def _sequence_keys(items: Iterable[tuple[Any, Any]]) -> frozenset[str] | None:
    best: frozenset[str] | None = None
    run: list[str] = []
    for op, arg in items:
        name = getattr(op, "name", "")
        if name == "LITERAL":
            run.append(chr(arg))
            continue
        if name in {"AT", "ASSERT", "ASSERT_NOT"}:  # zero-width: the literal run goes on
            continue
        best = _pick(best, frozenset({"".join(run)}))
        run = []
        if name == "SUBPATTERN":
            best = _pick(best, _sequence_keys(arg[-1]))
        elif name == "BRANCH":
            best = _pick(best, _branch_keys(arg[1]))
        elif name in {"MAX_REPEAT", "MIN_REPEAT"} and arg[0] >= 1:
            best = _pick(best, _sequence_keys(arg[2]))
    return _pick(best, frozenset({"".join(run)}))


def _branch_keys(branches: Iterable[Iterable[tuple[Any, Any]]]) -> frozenset[str] | None:
    keys: set[str] = set()
    for branch in branches:
        found = _sequence_keys(branch)
        if not found:
            return None
        keys |= found
    return frozenset(keys)


def _keys(pattern: str) -> frozenset[str] | None:
    if _PARSER is None:  # pragma: no cover
        return None
    keys = _sequence_keys(_PARSER.parse(pattern))
    if not keys or min(map(len, keys)) < _MIN_KEY:
        return None
    return keys


def _lowered(pattern: str) -> re.Pattern[str]:
    """Compile a case-insensitive pattern as its lower-case form, to run on lower-cased text.

    Python's IGNORECASE is slow on non-ASCII letters (ü, é, ó) and disables literal-prefix search; lower-casing the
    note once and the patterns at import keeps one note well under 0.1 ms.
    """
    if re.search(r"\\[A-Z]", pattern):
        raise ValueError(f"upper-case escape in a case-insensitive pattern: {pattern!r}")
    return re.compile(pattern.lower())


def _template(family: str, name: str, failure_class: str | None, language: str, pattern: str) -> _Rule:
    compiled = _lowered(pattern)
    return _Rule(family, name, failure_class, language, compiled, lowered=True, keys=_keys(compiled.pattern))


def _codes(family: str, failure_class: str, codes: str, *, also: tuple[str, ...] = ()) -> _Rule:
    """One rule for several case-sensitive code tokens of one class; the rule id names the token that matched."""
    alternation = "|".join(re.escape(code) for code in codes.split())
    pattern = re.compile(rf"(?<![A-Za-z0-9_])(?P<code>{alternation})(?![A-Za-z0-9_])")
    return _Rule(family, "", failure_class, "code", pattern, also, keys=frozenset(codes.split()))


def _bank_codes(failure_class: str, codes: str) -> _Rule:
    """SEPA Direct Debit bank reason codes, only when written as `(CODE)` (Mollie: "Because of: (AM04) ...")."""
    alternation = "|".join(codes.split())
    pattern = re.compile(rf"\(\s?(?P<code>{alternation})\s?\)")
    return _Rule("sepa", "", failure_class, "code", pattern, keys=frozenset(codes.split()))


# Mollie payment ids in notes: "tr_WDqYK6vllg", or "tr_WDqYK6vllg - test mode"; orders API: "ord_kEn1PlbGa".
_MOLLIE_ID = r"\((?:tr|ord)_[A-Za-z0-9]{4,40}[^)]{0,40}\)"
# A short gap inside one sentence; a full stop between digits ("$97.00") does not end it.
_ = r"(?:[^.]|\.(?=\d)){0,40}?"

_IGNORE: tuple[_Rule, ...] = (
    # wcrecall's own notes (classify_order skips them by author too; this keeps `explain` honest).
    _template("wcrecall", "own_note", None, "code", r"^wcrecall:"),
    # Buyer came back to the pay page and the order went back to pending (as written on the seeded test store, see
    # the shared woocommerce-7.8.2 fixtures; not a core string). Not a failure.
    _template("core", "customer_returned", None, "en", r"Customer returned to pay again"),
    # Mollie: an expired payment that did not cancel the order because another payment is still open
    # (mollie/WooCommerce src/Payment/MolliePayment.php, MollieOrder.php; .po files in languages/).
    _template("mollie", "expired_other_pending", None, "en", r"not cancell?ed because of another pending payment"),
    _template("mollie", "expired_other_pending", None, "de", r"wegen einer weiteren offenen Zahlung"),
    _template("mollie", "expired_other_pending", None, "fr", r"en raison d'un autre paiement en attente"),
    _template("mollie", "expired_other_pending", None, "es", r"a causa de otro pago pendiente"),
    _template("mollie", "still_pending", None, "en", rf"payment still pending {_MOLLIE_ID}"),
)

_DO_NOT_CONTACT: tuple[_Rule, ...] = (
    # Stripe decline codes Stripe asks merchants to present as a generic decline (https://docs.stripe.com/declines/codes).
    _codes(
        "stripe",
        "do_not_contact",
        "fraudulent lost_card stolen_card pickup_card restricted_card merchant_blacklist",
        also=("woopayments", "mollie"),
    ),
    _codes("mollie", "do_not_contact", "possible_fraud"),
    _codes("square", "do_not_contact", "BLOCKED_BY_BLOCKLIST FRAUD_REJECTED CARD_DECLINED_FRAUD"),
    _codes("paypal", "do_not_contact", "COMPLIANCE_VIOLATION PAYEE_BLOCKED_TRANSACTION"),
    _codes("woopayments", "do_not_contact", "rate_limiter_enabled"),
    # SEPA: refund requested by the debtor (disputed debit), debtor deceased.
    _bank_codes("do_not_contact", "MD06 MD07"),
    # WooPayments (Automattic/woocommerce-payments includes/class-wc-payment-gateway-wcpay.php `process_payment()`;
    # includes/class-wc-payments-order-service.php fraud notes; includes/class-wc-payments-webhook-processing-service.php
    # `get_failure_message_from_error()` for debit_not_authorized).
    _template("woopayments", "risk_filter_blocked", "do_not_contact", "en", rf"\bblocked\b{_}\brisk filters?\b"),
    _template("woopayments", "risk_filter_review", "do_not_contact", "en", rf"\bheld for review\b{_}\brisk filters?\b"),
    _template(
        "woopayments",
        "rate_limiter",
        "do_not_contact",
        "en",
        r"too many failed transactions|\brate limiter (?:was|is|has been) enabled",
    ),
    _template(
        "woopayments",
        "debit_not_authorized",
        "do_not_contact",
        "en",
        r"notified their bank that this payment was unauthori[sz]ed",
    ),
    _template("stripe", "radar_blocked", "do_not_contact", "en", r"\bblocked by (?:Stripe )?Radar\b"),
    _template(
        "generic",
        "fraud",
        "do_not_contact",
        "en",
        r"\bfraudulent\b|\b(?:suspected|possible|potential|likely) fraud\b|\bfraud (?:suspected|detected|risk)\b"
        r"|\bsuspects? (?:it is |of )?fraud",
    ),
    _template(
        "generic",
        "lost_or_stolen",
        "do_not_contact",
        "en",
        r"\blost or stolen\b|\b(?:lost|stolen) card\b|\bcard (?:was |has been |is )?reported (?:as )?(?:lost|stolen)\b"
        r"|\bpick ?up card\b|\bcard testing\b",
    ),
    _template(
        "generic",
        "fraud",
        "do_not_contact",
        "de",
        r"Betrugsverdacht|betrügerisch|\bBetrug\b|Risikofilter|(?:verloren|gestohlen) gemeldet"
        r"|\b(?:verlorene|gestohlene) Karte",
    ),
    _template(
        "generic",
        "fraud",
        "do_not_contact",
        "fr",
        r"\bfrauduleu(?:x|se)\b|(?:suspicion|soupçon|tentative) de fraude|\bfraude (?:présumée|suspectée|détectée)"
        r"|pour fraude|filtres? de risque|\bcarte (?:perdue|volée)\b|déclarée (?:perdue|volée)",
    ),
    _template(
        "generic",
        "fraud",
        "do_not_contact",
        "es",
        r"\bfraudulent[oa]\b|(?:sospecha|indicios|intento) de fraude|(?:posible|presunto) fraude"
        r"|\bfraude (?:sospechado|detectado)|por fraude|filtros? de riesgo|\btarjeta (?:perdida|robada)\b"
        r"|denunciada como (?:perdida|robada)",
    ),
    # The bare word is both French and Spanish: the note's own status-transition sentence says which.
    _template("generic", "fraud", "do_not_contact", "", r"\bfraude\b"),
)

_MOLLIE: tuple[_Rule, ...] = (
    # Mollie webhook notes with a payment id (mollie/WooCommerce src/Payment/MolliePayment.php, MollieOrder.php,
    # src/Payment/Webhooks/WebhookHandler.php; translations in languages/*.po): a cancelled or expired Mollie payment
    # means the buyer walked away (the order goes back to pending by default).
    _template("mollie", "cancelled", "abandoned", "en", rf"\b(?:payment|order) {_MOLLIE_ID} cancell?ed\b"),
    _template(
        "mollie",
        "expired",
        "abandoned",
        "en",
        rf"\bpayment expired {_MOLLIE_ID}|\border {_MOLLIE_ID} expired\b",
    ),
    _template(
        "mollie",
        "cancelled",
        "abandoned",
        "de",
        rf"(?:Bezahlvorgang|Bestellung|Zahlung) {_MOLLIE_ID} (?:abgebrochen|storniert)",
    ),
    _template(
        "mollie",
        "expired",
        "abandoned",
        "de",
        rf"(?:Zahlung|Bezahlung) abgelaufen {_MOLLIE_ID}|(?:Bestellung|Zahlung) {_MOLLIE_ID} abgelaufen",
    ),
    _template("mollie", "cancelled", "abandoned", "fr", rf"\bPaiement\b{_}{_MOLLIE_ID} annulée?|{_MOLLIE_ID} annulée?"),
    _template("mollie", "expired", "abandoned", "fr", rf"\b(?:expirée?|a expiré) {_MOLLIE_ID}"),
    _template("mollie", "cancelled", "abandoned", "es", rf"{_MOLLIE_ID} cancelad[oa]"),
    _template("mollie", "expired", "abandoned", "es", rf"\bcaducad[oa] {_MOLLIE_ID}|{_MOLLIE_ID} caducad[oa]"),
    # SEPA Direct Debit bank reason codes (Mollie `details.bankReasonCode`, ISO 20022 return reasons).
    _bank_codes("insufficient_funds", "AM04"),
    _bank_codes("customer_input", "AC01 RC01"),
    _bank_codes("expired_or_unsupported", "AC04 AC06 AC13 AG01 MD01"),
    _bank_codes("issuer_generic", "MS03"),
)

# Locale-independent codes. Stripe: https://docs.stripe.com/declines/codes and https://docs.stripe.com/error-codes
# (the Stripe plugin writes the message, not the code, into its notes; codes in parentheses come from other plugins,
# shop customisations and the seeded test store's "Stripe charge failed: %s (%s)" notes).
# Square: https://developer.squareup.com/reference/square/enums/ErrorCode, as `Status code %1$s: %2$s` inside
# `%1$s Payment Failed (%2$s)` (woocommerce/woocommerce-square includes/Framework/PaymentGateway/Payment_Gateway.php).
# PayPal: issue codes of the Orders v2 API, in PayPalApiException messages and their `#error-ISSUE` information links
# (woocommerce/woocommerce-paypal-payments modules/ppcp-api-client/src/Exception/PayPalApiException.php).
# Mollie: `details.failureReason` (https://docs.mollie.com/components/handling-errors) in
# "%1$s payment failed via Mollie (%2$s). Because of: (%3$s) %4$s." (mollie/WooCommerce src/Payment/MollieObject.php).
_STRIPE_ALSO = ("woopayments", "mollie")
_SPECIFIC_CODES: tuple[_Rule, ...] = (
    _codes(
        "stripe",
        "authentication",
        "authentication_required payment_intent_authentication_failure setup_intent_authentication_failure "
        "card_declined_verification_required",
        also=_STRIPE_ALSO,
    ),
    _codes("mollie", "authentication", "authentication_failed authentication_abandoned"),
    _codes("square", "authentication", "CARD_DECLINED_VERIFICATION_REQUIRED"),
    _codes("paypal", "authentication", "PAYER_ACTION_REQUIRED"),
    _codes(
        "stripe",
        "customer_input",
        "incorrect_cvc invalid_cvc incomplete_cvc incorrect_number invalid_number incomplete_number incorrect_zip "
        "postal_code_invalid invalid_expiry_month invalid_expiry_year invalid_expiry_year_past incomplete_expiry "
        "incorrect_pin invalid_pin",
        also=_STRIPE_ALSO,
    ),
    _codes("mollie", "customer_input", "invalid_cvv invalid_card_holder_name invalid_card_number"),
    _codes(
        "square",
        "customer_input",
        "CVV_FAILURE ADDRESS_VERIFICATION_FAILURE INVALID_EXPIRATION INVALID_EXPIRATION_DATE INVALID_EXPIRATION_YEAR "
        "EXPIRATION_FAILURE BAD_EXPIRATION INVALID_CARD INVALID_CARD_DATA PAN_FAILURE INVALID_POSTAL_CODE INVALID_PIN",
    ),
    _codes(
        "stripe",
        "insufficient_funds",
        "insufficient_funds card_velocity_exceeded withdrawal_count_limit_exceeded",
        also=_STRIPE_ALSO,
    ),
    _codes("square", "insufficient_funds", "INSUFFICIENT_FUNDS TRANSACTION_LIMIT PAYMENT_LIMIT_EXCEEDED"),
    _codes(
        "stripe",
        "expired_or_unsupported",
        "expired_card card_not_supported currency_not_supported transaction_not_allowed not_permitted "
        "service_not_allowed invalid_account new_account_information_available account_closed no_account "
        "amount_too_large amount_too_small",
        also=_STRIPE_ALSO,
    ),
    _codes(
        "mollie", "expired_or_unsupported", "card_expired inactive_card invalid_card_type card_number_not_activated"
    ),
    _codes(
        "square",
        "expired_or_unsupported",
        "CARD_EXPIRED CARD_NOT_SUPPORTED UNSUPPORTED_CARD_BRAND CURRENCY_MISMATCH INVALID_ACCOUNT "
        "CARDHOLDER_INSUFFICIENT_PERMISSIONS",
    ),
    _codes(
        "paypal",
        "expired_or_unsupported",
        "PAYER_CANNOT_PAY PAYER_ACCOUNT_LOCKED_OR_CLOSED PAYER_ACCOUNT_RESTRICTED CARD_CLOSED",
    ),
    _codes(
        "stripe",
        "transient",
        "processing_error issuer_not_available try_again_later reenter_transaction approve_with_id rate_limit",
        also=_STRIPE_ALSO,
    ),
    _codes("mollie", "transient", "authentication_unavailable_acs"),
    _codes(
        "square",
        "transient",
        "TEMPORARY_ERROR SERVICE_UNAVAILABLE GATEWAY_TIMEOUT RATE_LIMITED CARD_TOKEN_EXPIRED CARD_TOKEN_USED",
    ),
    _codes("paypal", "transient", "INTERNAL_SERVER_ERROR INTERNAL_SERVICE_ERROR"),
)

_SPECIFIC_EN: tuple[_Rule, ...] = (
    # Stripe English API messages (error.message, passed through by woocommerce/woocommerce-gateway-stripe
    # includes/payment-methods/class-wc-stripe-upe-payment-gateway.php as "Payment failed: %s") and the plugin's own
    # localized map (includes/class-wc-stripe-helper.php `get_localized_messages()`).
    _template(
        "stripe",
        "authentication_required",
        "authentication",
        "en",
        r"unable to authenticate your payment method|transaction requires authentication"
        r"|\b(?:3-?D ?Secure|3DS)\b[^.]{0,25}?\b(?:authentication|verification|challenge) "
        r"(?:failed|failure|required|was not completed|could not be completed|declined)"
        r"|\b3-?D ?Secure\b[^.]{0,25}?\b(?:failed|failure|required)\b",
    ),
    # PayPal Payments retries: "Payer action required, possibly overcharge." (modules/ppcp-wc-gateway/src/Gateway/
    # PayPalGateway.php `process_payment()`).
    _template("paypal", "payer_action_required", "authentication", "en", r"\bPayer action required\b"),
    _template(
        "stripe",
        "incorrect_cvc",
        "customer_input",
        "en",
        rf"\b(?:security code|CVC|CVV|CVV2|CVC2|card verification (?:code|value))\b{_}"
        r"\b(?:incorrect|invalid|wrong|incomplete|did not match|does not match|failed)\b",
    ),
    _template(
        "stripe",
        "incorrect_number",
        "customer_input",
        "en",
        r"\bcard number\b[^.]{0,30}?\b(?:incorrect|invalid|not a valid|incomplete|wrong)\b",
    ),
    _template(
        "stripe",
        "invalid_expiry",
        "customer_input",
        "en",
        r"\b(?:expiration|expiry) (?:date|month|year)\b[^.]{0,30}?\b(?:incorrect|invalid|incomplete|in the past|wrong)\b",
    ),
    _template(
        "stripe",
        "incorrect_zip",
        "customer_input",
        "en",
        r"\b(?:zip|postal) code\b[^.]{0,40}?\b(?:incorrect|invalid|failed|did not match)\b"
        r"|\bcould(?:n't| not) verify the postal code\b|\bInvalid (?:zip|postal) code\b"
        r"|\baddress verification (?:failed|failure)\b|\bAVS (?:check )?(?:failed|failure|mismatch)\b",
    ),
    _template(
        "stripe",
        "insufficient_funds",
        "insufficient_funds",
        "en",
        r"\binsufficient (?:funds|balance)\b|\bnot enough (?:funds|balance|money)\b|\bnot sufficient funds\b"
        r"|\bexceed(?:s|ed|ing)? (?:its|the|their|your) (?:amount|balance|credit) limit\b|\bover (?:the )?credit limit\b",
    ),
    _template(
        "stripe",
        "expired_card",
        "expired_or_unsupported",
        "en",
        r"\bcard (?:has |is )?expired\b|\bexpired card\b",
    ),
    _template(
        "stripe",
        "card_not_supported",
        "expired_or_unsupported",
        "en",
        r"\bdoes not support this (?:type of purchase|currency|type of transaction)\b"
        r"|\bcard (?:type )?(?:is )?not (?:supported|accepted)\b|\bcurrency (?:is )?not supported\b"
        r"|\border total is too (?:high|low) for this payment method\b|\bWe do not accept\b"
        r"|\bbank account (?:has been closed|could not be located)\b",
    ),
    _template(
        "stripe",
        "processing_error",
        "transient",
        "en",
        r"\berror occurred while processing (?:your|the) card\b|\btry again in a little bit\b"
        r"|\bunable to process your payment at this time\b|\bplease retry later\b"
        r"|\bout of service\b|\btemporar(?:y|ily) (?:unavailable|error|problem)\b"
        r"|\berror while processing the payment\b|\bwebhook not received\b|\b(?:connection|gateway) (?:error|timeout)\b"
        r"|\btimed out\b|\bcould not connect\b",
    ),
)

_SPECIFIC_TRANSLATED: tuple[_Rule, ...] = (
    # Stripe's API localizes card error messages by Accept-Language, and the plugin's localized map is translated
    # on translate.wordpress.org; neither wording is fixed, so these match on the key words of each sentence.
    _template(
        "stripe",
        "authentication_required",
        "authentication",
        "de",
        rf"(?:3-?D[- ]?Secure|(?<!SCA-)(?<!SCA )Authentifizierung|Authentisierung){_}fehlgeschlagen"
        rf"|nicht authentifiziert|Authentifizierung (?:ist )?erforderlich",
    ),
    _template(
        "stripe",
        "authentication_required",
        "authentication",
        "fr",
        rf"\bauthentification\b(?! SCA){_}(?:a échoué|échouée?|impossible|requise|nécessaire)"
        r"|impossible d'authentifier"
        r"|pas pu authentifier",
    ),
    _template(
        "stripe",
        "authentication_required",
        "authentication",
        "es",
        rf"\bautenticación\b(?! SCA){_}(?:fallida|ha fallado|falló|requerida|necesaria)"
        r"|no (?:hemos podido|podemos) autenticar",
    ),
    _template(
        "stripe",
        "incorrect_cvc",
        "customer_input",
        "de",
        rf"(?:Sicherheitscode|Prüfnummer|Kartenprüfnummer|CVC|CVV){_}(?:falsch|ungültig|inkorrekt|fehlerhaft)",
    ),
    _template(
        "stripe",
        "incorrect_cvc",
        "customer_input",
        "fr",
        rf"(?:code de sécurité|cryptogramme|\bCVC\b|\bCVV\b){_}(?:incorrect|invalide|erroné)",
    ),
    _template(
        "stripe",
        "incorrect_cvc",
        "customer_input",
        "es",
        rf"(?:código de seguridad|\bCVC\b|\bCVV\b){_}(?:incorrecto|inválido|no es válido|erróneo)",
    ),
    _template(
        "stripe",
        "incorrect_number",
        "customer_input",
        "de",
        r"Kartennummer[^.]{0,30}?(?:falsch|ungültig|inkorrekt|unvollständig)",
    ),
    _template(
        "stripe",
        "incorrect_number",
        "customer_input",
        "fr",
        r"numéro de (?:la )?carte[^.]{0,30}?(?:incorrect|invalide|incomplet)",
    ),
    _template(
        "stripe",
        "incorrect_number",
        "customer_input",
        "es",
        r"número de (?:la )?tarjeta[^.]{0,30}?(?:incorrecto|inválido|no es válido|incompleto)",
    ),
    _template(
        "stripe",
        "invalid_expiry",
        "customer_input",
        "de",
        r"(?:Ablaufdatum|Verfallsdatum|Gültigkeitsdatum)[^.]{0,30}?(?:falsch|ungültig|inkorrekt)",
    ),
    _template(
        "stripe",
        "invalid_expiry",
        "customer_input",
        "fr",
        r"date d'expiration[^.]{0,30}?(?:incorrecte|invalide)",
    ),
    _template(
        "stripe",
        "invalid_expiry",
        "customer_input",
        "es",
        r"fecha de (?:caducidad|vencimiento|expiración)[^.]{0,30}?(?:incorrecta|inválida|no es válida)",
    ),
    _template(
        "stripe",
        "incorrect_zip",
        "customer_input",
        "de",
        r"Postleitzahl[^.]{0,40}?(?:falsch|ungültig|fehlgeschlagen|nicht (?:überprüft|verifiziert|bestätigt))",
    ),
    _template(
        "stripe",
        "incorrect_zip",
        "customer_input",
        "fr",
        r"code postal[^.]{0,40}?(?:incorrect|invalide|échoué|pas pu être vérifié)|pas pu vérifier le code postal",
    ),
    _template(
        "stripe",
        "incorrect_zip",
        "customer_input",
        "es",
        r"código postal[^.]{0,40}?(?:incorrecto|inválido|no es válido|fallado)|no (?:hemos podido|pudimos) verificar"
        r" el código postal",
    ),
    _template(
        "stripe",
        "insufficient_funds",
        "insufficient_funds",
        "de",
        r"\b(?:nicht|kein(?:e|en)?)\b[^.]{0,30}?\b(?:ausreichend|genügend|genug)\w{0,3} (?:gedeckt|Deckung|Guthaben"
        r"|Mittel|Geldmittel|Kontodeckung)|\b(?:unzureichende|ungenügende|mangelnde|fehlende)\w{0,2} "
        r"(?:Deckung|Guthaben|Mittel|Kontodeckung)|Deckung (?:ist )?nicht ausreichend",
    ),
    _template(
        "stripe",
        "insufficient_funds",
        "insufficient_funds",
        "fr",
        r"\b(?:fonds|provision|solde)\b[^.]{0,30}?\binsuffisante?s?\b",
    ),
    _template(
        "stripe",
        "insufficient_funds",
        "insufficient_funds",
        "es",
        r"\b(?:fondos|saldo) insuficientes?\b|\bno tiene (?:suficientes fondos|fondos suficientes|saldo suficiente)\b",
    ),
    _template(
        "stripe",
        "expired_card",
        "expired_or_unsupported",
        "de",
        r"\bKarte (?:ist )?abgelaufen\b|\babgelaufene Karte\b",
    ),
    _template(
        "stripe",
        "expired_card",
        "expired_or_unsupported",
        "fr",
        r"\bcarte (?:a |est )?expirée?\b|\bcarte (?:bancaire )?périmée\b",
    ),
    _template(
        "stripe",
        "expired_card",
        "expired_or_unsupported",
        "es",
        r"\btarjeta (?:ha |está )?(?:caducad[oa]|vencid[oa]|expirad[oa])\b|\btarjeta ha expirado\b",
    ),
    _template(
        "stripe",
        "card_not_supported",
        "expired_or_unsupported",
        "de",
        r"\bKarte\b[^.]{0,40}?\b(?:unterstützt|akzeptiert) (?:diese|keine|nicht)",
    ),
    _template(
        "stripe",
        "card_not_supported",
        "expired_or_unsupported",
        "fr",
        r"\bcarte\b[^.]{0,40}?\bne (?:prend|supporte|permet) pas",
    ),
    _template(
        "stripe",
        "card_not_supported",
        "expired_or_unsupported",
        "es",
        r"\btarjeta\b[^.]{0,40}?\bno (?:admite|acepta|es compatible|permite)",
    ),
    _template(
        "stripe",
        "processing_error",
        "transient",
        "de",
        r"\bFehler (?:bei der|während der) Verarbeitung\b|\bVerarbeitungsfehler\b|\bspäter erneut\b",
    ),
    _template(
        "stripe",
        "processing_error",
        "transient",
        "fr",
        r"\berreur\b[^.]{0,30}?\blors du traitement\b|\bréessayer plus tard\b|\bréessayez (?:plus tard|dans un moment)\b",
    ),
    _template(
        "stripe",
        "processing_error",
        "transient",
        "es",
        r"\berror al procesar\b|\b(?:inténtalo|inténtelo|vuelve a intentarlo|vuelva a intentarlo) (?:de nuevo )?"
        r"más tarde\b",
    ),
)

_GENERIC_DECLINE: tuple[_Rule, ...] = (
    _codes(
        "stripe",
        "issuer_generic",
        "card_declined generic_decline do_not_honor do_not_try_again call_issuer no_action_taken "
        "revocation_of_all_authorizations revocation_of_authorization stop_payment_order security_violation",
        also=_STRIPE_ALSO,
    ),
    _codes("mollie", "issuer_generic", "refused_by_issuer"),
    _codes("square", "issuer_generic", "GENERIC_DECLINE CARD_DECLINED_CALL_ISSUER VOICE_FAILURE CARD_DECLINED"),
    _codes(
        "paypal",
        "issuer_generic",
        "INSTRUMENT_DECLINED TRANSACTION_REFUSED PAYMENT_DENIED REDIRECT_PAYER_FOR_ALTERNATE_FUNDING",
    ),
    _template(
        "stripe",
        "card_declined",
        "issuer_generic",
        "en",
        r"\bcard (?:was |has been )?declined\b|\bdo not honou?r\b|\bdeclined by (?:the )?(?:card )?(?:issuer|bank)\b"
        r"|\brefused by (?:the )?(?:issuer|bank|payment processor)\b|\b(?:payment|transaction) (?:was |has been )?"
        r"(?:declined|refused)\b|\bprovider declined the payment\b",
    ),
    _template("paypal", "instrument_declined", "issuer_generic", "en", r"\bInstrument declined\b"),
    # AuthorizationStatus::DENIED (modules/ppcp-wc-gateway/src/Processor/PaymentsStatusHandlingTrait.php).
    _template("paypal", "authorization_denied", "issuer_generic", "en", r"\bCould not get the payment authorization\b"),
    _template("stripe", "card_declined", "issuer_generic", "de", rf"\b(?:Karte|Zahlung) wurde\b{_}\babgelehnt\b"),
    _template(
        "stripe",
        "card_declined",
        "issuer_generic",
        "fr",
        r"\b(?:carte|paiement) (?:a été |est )?refusée?\b|\b(?:carte|paiement) (?:a été )?déclinée?\b",
    ),
    _template(
        "stripe",
        "card_declined",
        "issuer_generic",
        "es",
        r"\b(?:tarjeta|pago) (?:fue |ha sido )?(?:rechazad[oa]|denegad[oa])\b",
    ),
)

_WEAK: tuple[_Rule, ...] = (
    # Wrappers that only say "try again"; a specific reason elsewhere in the note wins over them.
    # PayPal Payments (modules/ppcp-wc-gateway/src/Gateway/Messages.php, ProcessPaymentTrait.php
    # `handle_payment_failure()`; modules/ppcp-local-alternative-payment-methods/.../LocalAlternativePaymentMethodsModule.php).
    _template(
        "paypal",
        "generic_error",
        "transient",
        "en",
        r"\bFailed to process the payment\. Please try again or contact the shop admin\b"
        r"|\bThe payment can't be processed because of an error\b|\bUnknown error while connecting to PayPal\b",
    ),
    # "Could not capture the payment." is written for a DECLINED capture status
    # (modules/ppcp-wc-gateway/src/Processor/PaymentsStatusHandlingTrait.php) and for any exception while capturing
    # an authorization (modules/ppcp-wc-gateway/src/WCGatewayModule.php); the wording gives no reason, so a retry soon.
    _template("paypal", "capture_failed", "transient", "en", r"\bCould not capture the payment\b"),
    # Stripe: charge status "failed" (includes/abstracts/abstract-wc-stripe-payment-gateway.php `process_response()`)
    # and invalid_request_error in the localized map (includes/class-wc-stripe-helper.php).
    _template(
        "stripe",
        "processing_failed",
        "transient",
        "en",
        r"\bPayment processing failed\. Please retry\b|\bUnable to process this payment, please try again\b",
    ),
    # SkyVerge framework's customer message (woocommerce/woocommerce-square includes/Framework/PaymentGateway/
    # Payment_Gateway.php `mark_order_as_failed()`).
    _template(
        "square",
        "generic_error",
        "transient",
        "en",
        r"\bAn error occurred, please try again or try an alternate form of payment\b",
    ),
    # Stripe writes "Stripe SCA authentication failed. Reason: %s" for every payment_intent.payment_failed webhook
    # (includes/class-wc-stripe-webhook-handler.php), so the reason, when given, decides; alone it means 3DS failed.
    _template("stripe", "sca_failed", "authentication", "en", r"\bSCA authentication failed\b"),
    _template("stripe", "sca_failed", "authentication", "de", r"\bSCA[- ]Authentifizierung\b"),
    _template("stripe", "sca_failed", "authentication", "fr", r"\bauthentification SCA\b"),
    _template("stripe", "sca_failed", "authentication", "es", r"\bautenticación SCA\b"),
)

_ABANDONED: tuple[_Rule, ...] = (
    # Stripe webhook handler: voucher (Boleto/OXXO/Multibanco) not paid, source cancelled
    # (woocommerce/woocommerce-gateway-stripe includes/class-wc-stripe-webhook-handler.php).
    _template("stripe", "voucher_not_paid", "abandoned", "en", r"\bPayment not completed in time\b"),
    _template("stripe", "source_cancelled", "abandoned", "en", r"\bThis payment was cancell?ed\b"),
    # Hold-stock auto-cancel (woocommerce/woocommerce plugins/woocommerce/includes/wc-order-functions.php
    # `wc_cancel_unpaid_orders()`) and Mollie's own expiry (mollie/WooCommerce src/Payment/PaymentModule.php).
    _template("core", "unpaid_cancelled", "abandoned", "en", r"\bUnpaid order cancell?ed\b"),
    _template(
        "core", "unpaid_cancelled", "abandoned", "de", rf"\b(?:unbezahlte|nicht bezahlte) Bestellung\b{_}storniert"
    ),
    _template("core", "unpaid_cancelled", "abandoned", "fr", rf"\bcommande (?:impayée|non payée)\b{_}annulée"),
    _template(
        "core", "unpaid_cancelled", "abandoned", "es", rf"\bpedido (?:no pagado|impagado|sin pagar)\b{_}cancelado"
    ),
    _codes("paypal", "abandoned", "ORDER_NOT_APPROVED"),
)

_FAILED_NO_REASON: tuple[_Rule, ...] = (
    # A failure with no usable reason: the order did fail, but nothing says why.
    # Stripe charge.failed webhook (includes/class-wc-stripe-webhook-handler.php `process_webhook_charge_failed()`)
    # fires for every failed charge - card declines, bank debits that bounce, blocked payments - so it is `unknown`,
    # not `issuer_generic`: a confident class would often be wrong, and a sibling note usually carries the reason.
    _template("stripe", "charge_failed_webhook", "unknown", "en", r"\bThis payment failed to clear\b"),
    _codes("mollie", "unknown", "unknown_reason"),
    _template("mollie", "failed", "unknown", "en", r"\bpayment failed via Mollie\b|\bpayment failed \((?:tr|ord)_"),
    _template("mollie", "failed", "unknown", "de", r"über Mollie fehlgeschlagen|Bezahlung fehlgeschlagen \("),
    _template("mollie", "failed", "unknown", "fr", r"a échoué via Mollie"),
    _template("mollie", "failed", "unknown", "es", r"fallido vía Mollie"),
    _template("paypal", "failed", "unknown", "en", rf"\bPayPal payment failed\b|\bFailed to capture order\b{_}PayPal"),
    _template(
        "generic",
        "payment_failed",
        "unknown",
        "en",
        rf"\b(?:payment|charge|transaction|capture)\b{_}\bfail(?:ed|ure)\b|\bError processing payment\b",
    ),
    _template("generic", "payment_failed", "unknown", "de", rf"\b(?:Zahlung|Bezahlung|Abbuchung)\b{_}fehlgeschlagen"),
    _template("generic", "payment_failed", "unknown", "fr", rf"\bpaiement\b{_}(?:a échoué|échoué)|échec du paiement"),
    _template("generic", "payment_failed", "unknown", "es", rf"\bpago\b{_}(?:fallid[oa]|ha fallado|falló)"),
)

_GATEWAYS = ("stripe", "woopayments", "paypal", "square", "mollie")


def _any_gateway(rules: tuple[_Rule, ...]) -> tuple[_Rule, ...]:
    """Card messages worded like Stripe's appear in every gateway's notes: credit the order's gateway in the rule id."""
    return tuple(replace(rule, also=_GATEWAYS) if rule.lowered and rule.family == "stripe" else rule for rule in rules)


_RULES: tuple[_Rule, ...] = (
    _IGNORE
    + _DO_NOT_CONTACT
    + _MOLLIE
    + _SPECIFIC_CODES
    + _any_gateway(_SPECIFIC_EN)
    + _any_gateway(_SPECIFIC_TRANSLATED)
    + _any_gateway(_GENERIC_DECLINE)
    + _WEAK
    + _ABANDONED
    + _FAILED_NO_REASON
)


def all_patterns() -> tuple[re.Pattern[str], ...]:
    """Every regular expression this module matches notes with (for tests that check they cannot backtrack badly)."""
    return (
        (_COMMENT_RE, _TAG_RE, _SPACE_RE, _FAILED_STATUS_RE)
        + tuple(pattern for _, pattern in _TRANSITIONS)
        + tuple(rule.pattern for rule in _RULES)
    )


# --------------------------------------------------------------------------------------------------------------------
# Classification

_MOLLIE_HINT_RE = re.compile(r"\bMollie\b|\((?:tr|ord)_[A-Za-z0-9]{4}")


def _family_hint(payment_method: str, text: str) -> str:
    """Which gateway wrote the note, from the order's payment method id or, failing that, the note itself."""
    method = payment_method.strip().lower()
    if method.startswith("mollie"):
        return "mollie"
    if method.startswith("woocommerce_payments"):
        return "woopayments"
    if method.startswith("stripe"):
        return "stripe"
    if method.startswith(("ppcp", "paypal")):
        return "paypal"
    if method.startswith("square"):
        return "square"
    if not method and _MOLLIE_HINT_RE.search(text):
        return "mollie"
    return ""


def _evidence(text: str, start: int) -> str:
    """At most ~EVIDENCE_MAX characters of `text`, centred on `start` when the note is longer."""
    if len(text) <= EVIDENCE_MAX:
        return text
    begin = max(0, min(start - EVIDENCE_MAX // 4, len(text) - EVIDENCE_MAX))
    piece = text[begin : begin + EVIDENCE_MAX].strip()
    return ("…" if begin > 0 else "") + piece + ("…" if begin + EVIDENCE_MAX < len(text) else "")


def _classify_plain(plain: str, payment_method: str) -> Classification | None:
    text = plain.translate(_PLAIN)
    gateway_part, transitions = _split_transitions(text)
    hint = _family_hint(payment_method, gateway_part)
    if gateway_part:
        lower_part = gateway_part.lower()
        for rule in _RULES:
            subject = lower_part if rule.lowered else gateway_part
            # The pre-check: a few `in` tests spare most regex searches. Written out here, not as a method: this
            # loop runs ~100 times per note, and a call would double its cost.
            if rule.keys is not None:
                for key in rule.keys:
                    if key in subject:
                        break
                else:
                    continue
            match = rule.pattern.search(subject)
            if match is None:
                continue
            if rule.failure_class is None:
                return None
            in_full = rule.pattern.search(text.lower() if rule.lowered else text)
            start = in_full.start() if in_full is not None else 0
            return Classification(
                failure_class=rule.failure_class,
                rule=rule.rule_id(match, hint),
                evidence=_evidence(plain, start),
                note_index=None,
                language=rule.language or (transitions[-1].language if transitions else "fr"),
            )
    failed = [t for t in transitions if _FAILED_STATUS_RE.match(t.target)]
    if failed:
        return Classification(
            failure_class="unknown",
            rule="core.failed_without_reason",
            evidence=_evidence(plain, 0),
            note_index=None,
            language=failed[-1].language,
        )
    return None


def classify_note(text: str, payment_method: str = "") -> Classification | None:
    """Classify one note's raw HTML; None if it says nothing about a failed payment.

    `payment_method` (the order's gateway id, e.g. "stripe", "woocommerce_payments", "ppcp-gateway",
    "square_credit_card", "mollie_wc_gateway_creditcard") only names the gateway in the rule id where several
    gateways share a vocabulary; it never changes the class.
    """
    return _classify_plain(strip_html(text), payment_method)


def explain_note(text: str, payment_method: str = "") -> Classification:
    """For `wcrecall explain --note TEXT [--payment-method ID]`: like `classify_note`, but never None."""
    found = classify_note(text, payment_method)
    if found is not None:
        return found
    return Classification("unknown", "none.no_failure_signal", _evidence(strip_html(text), 0), None, "code")


def describe(classification: Classification) -> str:
    """One line for people: class, rule, language and the evidence (for the CLI and logs; owner-facing only)."""
    line = f"{classification.failure_class} (rule {classification.rule}, language {classification.language})"
    if classification.note_index is not None:
        line += f" from note #{classification.note_index}"
    if classification.evidence:
        line += f": {classification.evidence}"
    return line


def _evidence_text(note: Note) -> str | None:
    """The note's plain text if it can be evidence: WooCommerce's and the gateways' own notes, not admins' or
    wcrecall's."""
    if note.author.strip().lower() not in SYSTEM_AUTHORS:
        return None
    plain = strip_html(note.text)
    if plain.lower().startswith(OWN_NOTE_PREFIX):
        return None
    return plain


def _newest_first(notes: Sequence[Note]) -> list[int]:
    """Indexes of `notes`, newest first: by date when every note has one, else in the given (REST: newest-first) order."""
    order = list(range(len(notes)))
    dates = [note.date for note in notes]
    if not dates or any(date is None for date in dates):
        return order
    keyed = [(date if date.tzinfo is not None else date.replace(tzinfo=UTC)) for date in dates if date]
    # sorted() is stable, also with reverse=True: notes with the same date keep the API's order.
    return sorted(order, key=lambda i: keyed[i], reverse=True)


def classify_order(*, status: str, payment_method: str, notes: Sequence[Note]) -> Classification:
    """Classify a failed or pending order from its notes, payment method and status.

    - Only notes by system authors count; notes starting with "wcrecall:" never do.
    - A `do_not_contact` signal in any note wins over everything: a buyer once flagged for fraud is not mailed even
      if a later attempt failed for lack of funds.
    - Otherwise the newest note with a reason decides (notes are ordered by `date` when all have one, else taken in
      the REST API's newest-first order). A newer note that proves a failure without a reason (core's bare
      "... to Failed." transition, "PayPal payment failed") does not hide an older note's reason from the same
      checkout.
    - No reason anywhere: `unknown` if some note shows a failure, `abandoned` for a pending order with no failure note,
      `unknown` otherwise.
    """
    first_unknown: Classification | None = None
    first_reason: Classification | None = None
    for index in _newest_first(notes):
        plain = _evidence_text(notes[index])
        if plain is None:
            continue
        found = _classify_plain(plain, payment_method)
        if found is None:
            continue
        found = replace(found, note_index=index)
        if found.failure_class == "do_not_contact":
            return found
        if found.failure_class == "unknown":
            if first_unknown is None:
                first_unknown = found
        elif first_reason is None:
            first_reason = found
    if first_reason is not None:
        return first_reason
    if first_unknown is not None:
        return first_unknown
    if status.strip().lower() in {"pending", "wc-pending"}:
        return Classification("abandoned", "core.pending_no_attempt", "", None, "code")
    if status.strip().lower() in {"failed", "wc-failed"}:
        return Classification("unknown", "core.failed_without_note", "", None, "code")
    return Classification("unknown", "core.no_failure_note", "", None, "code")
