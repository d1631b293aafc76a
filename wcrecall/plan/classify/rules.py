"""The rule tables: which note text means which failure class, in the order they are tried (the first match decides).

The order encodes how much a signal can be trusted: explicit non-failures, then `do_not_contact` (fraud, lost/stolen,
risk filters, rate limiter - one such signal must never be outvoted), then locale-independent codes (Stripe decline
codes, Square error codes, PayPal issue codes, Mollie failure reasons, SEPA bank reason codes), then specific English
API messages and gateway templates, then their German/French/Spanish translations, then generic declines, then
generic "please try again" wrappers, then abandonment templates, and last plain "payment failed" markers that prove a
failure but give no reason (`unknown`). Sources are cited next to each rule. Data, mostly: long by nature.

None of the patterns nests a quantifier inside another (tests/test_classify.py checks this), so a hostile note
cannot make matching slow.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace

from wcrecall.plan.classify.literals import literal_keys

__all__ = ["RULES", "Rule"]


@dataclass(frozen=True)
class Rule:
    family: str  # rule id prefix: the gateway whose vocabulary this is
    name: str  # rule id suffix; "" = the matched code itself (named group "code"), lower-cased
    failure_class: str | None  # None: the note is explicitly not a failure (stop, no class)
    language: str  # "" = ambiguous between languages: the note's own transition sentence decides
    pattern: re.Pattern[str]
    also: tuple[str, ...] = ()  # other families that share this vocabulary (Mollie reuses Stripe's code names)
    lowered: bool = False  # True: the pattern is lower-case and runs on the lower-cased note
    keys: frozenset[str] | None = (
        None  # the pattern cannot match unless one of these occurs (literals.py); None: always try
    )

    def rule_id(self, match: re.Match[str], family_hint: str) -> str:
        family = family_hint if family_hint in self.also else self.family
        name = self.name or match.group("code").lower()
        return f"{family}.{name}"


def _lowered(pattern: str) -> re.Pattern[str]:
    """Compile a case-insensitive pattern as its lower-case form, to run on lower-cased text.

    Python's IGNORECASE is slow on non-ASCII letters (ü, é, ó) and disables literal-prefix search; lower-casing the
    note once and the patterns at import keeps one note well under 0.1 ms.
    """
    if re.search(r"\\[A-Z]", pattern):
        raise ValueError(f"upper-case escape in a case-insensitive pattern: {pattern!r}")
    return re.compile(pattern.lower())


def _template(family: str, name: str, failure_class: str | None, language: str, pattern: str) -> Rule:
    compiled = _lowered(pattern)
    return Rule(family, name, failure_class, language, compiled, lowered=True, keys=literal_keys(compiled.pattern))


def _codes(family: str, failure_class: str, codes: str, *, also: tuple[str, ...] = ()) -> Rule:
    """One rule for several case-sensitive code tokens of one class; the rule id names the token that matched."""
    alternation = "|".join(re.escape(code) for code in codes.split())
    pattern = re.compile(rf"(?<![A-Za-z0-9_])(?P<code>{alternation})(?![A-Za-z0-9_])")
    return Rule(family, "", failure_class, "code", pattern, also, keys=frozenset(codes.split()))


def _bank_codes(failure_class: str, codes: str) -> Rule:
    """SEPA Direct Debit bank reason codes, only when written as `(CODE)` (Mollie: "Because of: (AM04) ...")."""
    alternation = "|".join(codes.split())
    pattern = re.compile(rf"\(\s?(?P<code>{alternation})\s?\)")
    return Rule("sepa", "", failure_class, "code", pattern, keys=frozenset(codes.split()))


# Mollie payment ids in notes: "tr_WDqYK6vllg", or "tr_WDqYK6vllg - test mode"; orders API: "ord_kEn1PlbGa".
_MOLLIE_ID = r"\((?:tr|ord)_[A-Za-z0-9]{4,40}[^)]{0,40}\)"
# A short gap inside one sentence; a full stop between digits ("$97.00") does not end it.
_ = r"(?:[^.]|\.(?=\d)){0,40}?"

_IGNORE: tuple[Rule, ...] = (
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

_DO_NOT_CONTACT: tuple[Rule, ...] = (
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

# Payment extensions on Magento 2 (order comments; shared fixtures magento-2.4.7-p3/SEEDED-DATA.txt for the forms).
# Adyen (Adyen_Payment: "Adyen HTTP Notification(s):<br />... success: false<br />reason: <refusal reason>", and
# "Adyen Result response:<br />authResult: REFUSED<br />... refusalReason: <refusal reason>"); the refusal reasons are
# Adyen's fixed English list (docs.adyen.com, "Refusal reasons"): locale-independent.
_ADYEN_REASON = r"\b(?:refusal)?reason: "
_MAGENTO: tuple[Rule, ...] = (
    _template("adyen", "fraud", "do_not_contact", "code", rf"{_ADYEN_REASON}(?:fraud|acquirer fraud|blocked card)\b"),
    _template(
        "adyen",
        "customer_input",
        "customer_input",
        "code",
        rf"{_ADYEN_REASON}(?:cvc declined|invalid card number|invalid pin|avs declined)\b",
    ),
    _template(
        "adyen",
        "authentication",
        "authentication",
        "code",
        rf"{_ADYEN_REASON}(?:3d not authenticated|authentication required|3ds authentication error)\b",
    ),
    _template(
        "adyen",
        "insufficient_funds",
        "insufficient_funds",
        "code",
        rf"{_ADYEN_REASON}(?:not enough balance|withdrawal (?:amount|count) exceeded)\b",
    ),
    _template(
        "adyen",
        "unsupported",
        "expired_or_unsupported",
        "code",
        rf"{_ADYEN_REASON}(?:expired card|not supported|transaction not permitted)\b",
    ),
    _template(
        "adyen", "issuer_unavailable", "transient", "code", rf"{_ADYEN_REASON}(?:issuer unavailable|acquirer error)\b"
    ),
    _template("adyen", "shopper_cancelled", "abandoned", "code", rf"{_ADYEN_REASON}shopper cancell?ed\b"),
    _template(
        "adyen",
        "refused",
        "issuer_generic",
        "code",
        rf"{_ADYEN_REASON}(?:refused|declined non generic|referral|revocation of auth|restricted card)\b",
    ),
    # Mollie for Magento (Mollie_Payment): "The order was canceled, reason: payment expired" (or canceled).
    _template(
        "mollie", "cancelled", "abandoned", "en", r"\bthe order was canceled, reason: payment (?:expired|canceled)\b"
    ),
    # Magento's own PayPal module (Magento_Paypal Model/Ipn.php): 'IPN "Failed"' (the funding source failed),
    # 'IPN "Denied"' (the merchant or PayPal denied it: never mailed), 'IPN "Expired"' (the authorisation lapsed).
    _template("paypal", "ipn_failed", "issuer_generic", "code", r'\bipn "failed"'),
    _template("paypal", "ipn_denied", "do_not_contact", "code", r'\bipn "denied"'),
    _template("paypal", "ipn_expired", "abandoned", "code", r'\bipn "expired"'),
    # Braintree for Magento (PayPal_Braintree): the processor response code and text, kept in the payment's
    # additional information (Braintree "Processor responses" list).
    _template(
        "braintree",
        "cvv",
        "customer_input",
        "code",
        r"\b20(?:10|05) (?:card issuer declined cvv|invalid credit card number)\b",
    ),
    _template("braintree", "not_allowed", "expired_or_unsupported", "code", r"\b2015 transaction not allowed\b"),
    _template("braintree", "declined", "issuer_generic", "code", r"\b20(?:38|44|46) (?:processor )?declined\b"),
    _template("braintree", "network", "transient", "code", r"\b3000 processor network unavailable\b"),
)

_MOLLIE: tuple[Rule, ...] = (
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
_SPECIFIC_CODES: tuple[Rule, ...] = (
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

_SPECIFIC_EN: tuple[Rule, ...] = (
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

_SPECIFIC_TRANSLATED: tuple[Rule, ...] = (
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

_GENERIC_DECLINE: tuple[Rule, ...] = (
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

_WEAK: tuple[Rule, ...] = (
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

_ABANDONED: tuple[Rule, ...] = (
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

_FAILED_NO_REASON: tuple[Rule, ...] = (
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


def _any_gateway(rules: tuple[Rule, ...]) -> tuple[Rule, ...]:
    """Card messages worded like Stripe's appear in every gateway's notes: credit the order's gateway in the rule id."""
    return tuple(replace(rule, also=_GATEWAYS) if rule.lowered and rule.family == "stripe" else rule for rule in rules)


RULES: tuple[Rule, ...] = (
    _IGNORE
    + _DO_NOT_CONTACT
    + _MAGENTO
    + _MOLLIE
    + _SPECIFIC_CODES
    + _any_gateway(_SPECIFIC_EN)
    + _any_gateway(_SPECIFIC_TRANSLATED)
    + _any_gateway(_GENERIC_DECLINE)
    + _WEAK
    + _ABANDONED
    + _FAILED_NO_REASON
)
