"""Which of the store's other payment methods a reminder offers the buyer ("You can also pay with ...").

Pure and table-driven. From the store's `GET /payment_gateways` answer it keeps only what this buyer can use:

- a method with known country or currency limits (METHOD_LIMITS: iDEAL is Dutch and euro-only, Pix Brazilian...)
  only for a buyer whose billing country and order currency fit;
- every card gateway (Stripe, WooPayments, Square, Braintree, "Credit card / debit card"...) as ONE offer, "another
  card" after a card failed (the failed gateway itself never counts) or "card" after another method failed; but none
  after a card was declined (CARD_DECLINED: the email already asks for another card, and another gateway would take
  the same cards), except a gateway for one card network of its own (CARD_NETWORKS: UnionPay, JCB...);
- the core WooCommerce methods (bacs, cheque, cod) as keys the email names in the buyer's language;
- any other method by its own title, with processor names ("(Stripe)", "Mollie - ") taken out: a buyer pays with
  PayPal or Klarna, not with a processor.

The method that just failed is never offered again, under whatever gateway provides it.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from wcrecall.model.order import Order

__all__ = [
    "CARD_DECLINED",
    "CARD_GATEWAYS",
    "CARD_NETWORKS",
    "CORE_METHODS",
    "METHOD_LIMITS",
    "MethodLimit",
    "MethodOffer",
    "offered_methods",
]


@dataclass(frozen=True)
class MethodOffer:
    """One entry of the method line: `key` names a method the email words in the buyer's language ("another_card",
    "card", "bank_transfer", "cheque", "cash_on_delivery", "sepa_debit", "alipay", "wechat_pay"); else `name` is the
    method's own name."""

    key: str = ""
    name: str = ""


@dataclass(frozen=True)
class MethodLimit:
    name: str  # the method's own (brand) name, shown as it is
    pattern: str  # a word in the gateway id or title that names the method (lower case, regular expression)
    countries: frozenset[str] | None = None  # billing countries it serves; None: any
    currencies: frozenset[str] | None = None  # order currencies it takes; None: any
    key: str = ""  # set when the email words the method in the buyer's language instead of `name`


def _codes(codes: str) -> frozenset[str]:
    return frozenset(codes.split())


# The SEPA area (EU members plus the EEA, Switzerland, the UK and the microstates), European Payments Council,
# "List of SEPA scheme countries" (EPC409-09).
_SEPA = _codes(
    "AT BE BG HR CY CZ DK EE FI FR DE GR HU IE IT LV LT LU MT NL PL PT RO SK SI ES SE IS LI NO CH GB MC SM VA AD"
)
_EUR = frozenset({"EUR"})
_CHINA = frozenset({"CN", "HK", "MO"})

# Local methods and where they work: buyer's billing country and the order currency. Sources: Stripe's payment method
# pages (docs.stripe.com/payments/<method>: "Customer locations" and "Presentment currencies") for iDEAL, Bancontact,
# Pix, Boleto, Alipay, WeChat Pay, Klarna, SEPA Direct Debit, Przelewy24, BLIK, EPS, giropay, Sofort and Multibanco;
# Mollie's method list (docs.mollie.com/payments/methods) agrees for the European ones. Alipay and WeChat Pay take
# several currencies but their wallets are held by buyers in mainland China, Hong Kong and Macau. giropay (ended
# 2024) and Sofort (moved into Klarna) still appear on stores with old plugin versions.
METHOD_LIMITS: tuple[MethodLimit, ...] = (
    MethodLimit("iDEAL", r"ideal", frozenset({"NL"}), _EUR),
    MethodLimit("Bancontact", r"bancontact|mistercash", frozenset({"BE"}), _EUR),
    MethodLimit("Pix", r"pix", frozenset({"BR"}), frozenset({"BRL"})),
    MethodLimit("Boleto", r"boleto", frozenset({"BR"}), frozenset({"BRL"})),
    MethodLimit("Alipay", r"alipay", _CHINA, key="alipay"),  # 支付宝 to its Chinese users: worded by language
    MethodLimit("WeChat Pay", r"wechat(?:[ _-]?pay)?", _CHINA, key="wechat_pay"),
    MethodLimit(
        "Klarna",
        r"klarna",
        _codes("AT BE CH CZ DE DK ES FI FR GB GR IE IT NL NO PL PT RO SE US CA AU NZ"),
    ),
    MethodLimit("SEPA", r"sepa(?:[ _-]?(?:direct[ _-]?)?debit)?|directdebit", _SEPA, _EUR, key="sepa_debit"),
    MethodLimit("Przelewy24", r"p24|przelewy24", frozenset({"PL"}), frozenset({"EUR", "PLN"})),
    MethodLimit("BLIK", r"blik", frozenset({"PL"}), frozenset({"PLN"})),
    MethodLimit("EPS", r"eps", frozenset({"AT"}), _EUR),
    MethodLimit("giropay", r"giropay", frozenset({"DE"}), _EUR),
    MethodLimit("Sofort", r"sofort", frozenset({"AT", "BE", "DE", "ES", "IT", "NL"}), _EUR),
    MethodLimit("Multibanco", r"multibanco", frozenset({"PT"}), _EUR),
)

# Classes where the bank declined the card (plan/classify): the email's instruction already asks for another card or
# method, so the line lists the other methods, not the same cards through another gateway.
CARD_DECLINED = frozenset({"insufficient_funds", "expired_or_unsupported", "issuer_generic"})

# Gateways for one card network: a card of another network than the declined one, offered by the network's name.
CARD_NETWORKS: tuple[tuple[str, str], ...] = (
    ("American Express", r"amex|american express"),
    ("UnionPay", r"union ?pay"),
    ("JCB", r"jcb"),
    ("Diners Club", r"diners(?: club)?"),
    ("Discover", r"discover"),
    ("Elo", r"elo"),
    ("Hipercard", r"hipercard"),
    ("Cartes Bancaires", r"cartes? bancaires?|cb"),
    ("RuPay", r"rupay"),
)

# WooCommerce's own offline methods (woocommerce/includes/gateways/{bacs,cheque,cod}), worded in the buyer's language.
CORE_METHODS: dict[str, str] = {"bacs": "bank_transfer", "cheque": "cheque", "cod": "cash_on_delivery"}

# Gateway ids that take cards: Stripe (legacy and UPE), WooPayments, Square, Braintree, Mollie, PayPal's card fields,
# Authorize.Net, Checkout.com and Adyen. A gateway not listed is still a card
# gateway when its title says so (_CARD_TITLE).
CARD_GATEWAYS = frozenset(
    {
        "stripe",
        "stripe_cc",
        "stripe_card",
        "woocommerce_payments",
        "square_credit_card",
        "braintree_credit_card",
        "mollie_wc_gateway_creditcard",
        "ppcp-credit-card-gateway",
        "ppcp-card-button-gateway",
        "authorize_net_cim_credit_card",
        "wc_checkout_com_cards",
        "adyen_card",
    }
)
_CARD_TITLE = re.compile(
    r"\b(?:credit|debit)[ -]?cards?\b|\bcards?\b(?! ?gift)|kreditkarte|\bcarte\b|\btarjeta\b|\bcart[aã]o\b", re.I
)
_GIFT = re.compile(r"\bgift\b|\bvoucher\b|gutschein", re.I)
# Processors: who moves the money, not a way to pay. Taken out of titles ("Credit card (Square)", "Mollie - iDEAL").
_PROCESSORS = r"stripe|square|braintree|mollie|woopayments|woocommerce payments|adyen|authorize\.net|checkout\.com"
_PROCESSOR_PART = re.compile(
    rf"\s*[(\[]\s*(?:via |by |powered by )?(?:{_PROCESSORS})\s*[)\]]|^\s*(?:{_PROCESSORS})\s*[-–:|]\s*", re.I
)
_ONLY_PROCESSOR = re.compile(rf"^\s*(?:{_PROCESSORS})?\s*$", re.I)


def _words(text: str) -> str:
    """Gateway id or title with separators as spaces, lower case: "stripe_ideal" -> "stripe ideal"."""
    return re.sub(r"[_\-/]+", " ", text.lower())


def _limit_of(gateway_id: str, title: str) -> MethodLimit | None:
    for limit in METHOD_LIMITS:
        pattern = re.compile(rf"(?<![a-z0-9])(?:{limit.pattern})(?![a-z0-9])")
        if pattern.search(_words(gateway_id)) or pattern.search(_words(title)):
            return limit
    return None


def _network_of(gateway_id: str, title: str) -> str:
    for name, pattern in CARD_NETWORKS:
        found = re.compile(rf"(?<![a-z0-9])(?:{pattern})(?![a-z0-9])")
        if found.search(_words(gateway_id)) or found.search(_words(title)):
            return name
    return ""


def _is_card(gateway_id: str, title: str) -> bool:
    if gateway_id in CARD_GATEWAYS:
        return True
    return _limit_of(gateway_id, title) is None and bool(_CARD_TITLE.search(title)) and not _GIFT.search(title)


def _shown_title(title: str) -> str:
    """A gateway title without processor names; "" when nothing else is left."""
    shown = _PROCESSOR_PART.sub("", title).strip()
    return "" if _ONLY_PROCESSOR.fullmatch(shown) else shown


def _identity(gateway_id: str, title: str) -> str:
    """What the buyer pays with through this gateway: "card", a core method id, a limited method's name, or the
    shown title (lower case)."""
    if gateway_id in CORE_METHODS:
        return gateway_id
    network = _network_of(gateway_id, title)
    if network:
        return network
    limit = _limit_of(gateway_id, title)
    if limit is not None:
        return limit.name
    if _is_card(gateway_id, title):
        return "card"
    return _shown_title(title).lower() or gateway_id


def offered_methods(gateways: Iterable[Any], order: Order, failure_class: str = "") -> list[MethodOffer]:
    """The other ways to pay this buyer can use after a `failure_class` failure, in the store's order, each once
    (see the module docstring)."""
    failed_id = order.payment_method.strip()
    failed = _identity(failed_id, order.payment_method_title.strip()) if failed_id else ""
    declined = failed == "card" and failure_class in CARD_DECLINED
    country, currency = order.country.strip().upper(), order.currency.strip().upper()
    offers: list[MethodOffer] = []
    for gateway in gateways:
        if not isinstance(gateway, dict) or gateway.get("enabled") is not True:
            continue
        gid = str(gateway.get("id") or "").strip()
        title = str(gateway.get("title") or "").strip()
        if not gid or gid == failed_id:
            continue
        identity = _identity(gid, title)
        if identity == "card":
            if declined:
                continue
            offer = MethodOffer(key="another_card" if failed == "card" else "card")
        elif identity == failed:
            continue
        elif identity in {name for name, _pattern in CARD_NETWORKS}:
            offer = MethodOffer(name=identity)
        elif gid in CORE_METHODS:
            offer = MethodOffer(key=CORE_METHODS[gid])
        elif (limit := _limit_of(gid, title)) is not None:
            if (limit.countries is not None and country not in limit.countries) or (
                limit.currencies is not None and currency not in limit.currencies
            ):
                continue
            offer = MethodOffer(key=limit.key) if limit.key else MethodOffer(name=limit.name)
        else:
            name = _shown_title(title)
            if not name:
                continue
            offer = MethodOffer(name=name)
        if offer not in offers:
            offers.append(offer)
    return offers
