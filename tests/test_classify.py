"""Failure-reason classification of WooCommerce order notes (wcrecall.plan.classify).

The table holds notes in the exact formats the gateways write (see docs: domain notes §3; sources are cited next to
each rule in wcrecall/plan/classify.py), with realistic ids, amounts in wc_price() markup and core's status-transition
suffix in the site language.
"""

from __future__ import annotations

import dataclasses
import importlib
import re
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from wcrecall.plan import classify
from wcrecall.plan.classify import (
    FAILURE_CLASSES,
    Classification,
    Note,
    classify_note,
    classify_order,
    describe,
    explain_note,
    strip_html,
)

# --- realistic fragments ---------------------------------------------------------------------------------------------

USD_97 = (
    '<span class="woocommerce-Price-amount amount"><bdi><span class="woocommerce-Price-currencySymbol">&#36;</span>'
    "97.00</bdi></span> USD"
)
EUR_49 = (
    '<span class="woocommerce-Price-amount amount"><bdi>49,00&nbsp;<span class="woocommerce-Price-currencySymbol">'
    "&euro;</span></bdi></span> EUR"
)
PI = "pi_3PbX8kLkdIwHu7ix0Z2fK1aB"
PI_LINK = (
    '<a href="https://shop.example/wp-admin/admin.php?page=wc-admin&#038;path=%2Fpayments%2Ftransactions%2Fdetails'
    f'&#038;id={PI}" target="_blank" rel="noopener noreferrer">{PI}</a>'
)
TR = "tr_WDqYK6vllg"
TR2 = "tr_7UhSN1zuXS"
ORD = "ord_kEn1PlbGa"
PPCP_TRACE = "wp-content/plugins/woocommerce-paypal-payments/modules/ppcp-api-client/src/Endpoint/OrderEndpoint.php:342"
PPCP_422 = (
    "[UNPROCESSABLE_ENTITY] The requested action could not be performed, semantically incorrect, or failed business "
    "validation. https://developer.paypal.com/docs/api/orders/v2/#error-"
)

EN_FAILED = " Order status changed from Pending payment to Failed."
DE_FAILED = " Bestellstatus von Zahlung ausstehend auf Fehlgeschlagen geändert."
FR_FAILED = " Statut de la commande modifié de Attente paiement à Échouée."
ES_FAILED = " El estado del pedido cambió de Pendiente de pago a Fallido."

STRIPE = "stripe"
WCPAY = "woocommerce_payments"
PPCP = "ppcp-gateway"
SQUARE = "square_credit_card"
MOLLIE = "mollie_wc_gateway_creditcard"

# (note as stored, payment method, expected class, expected language of the deciding rule)
TABLE: list[tuple[str, str, str, str]] = [
    # Stripe for WooCommerce: "Payment failed: %s" with Stripe's English API message, localized map, webhooks.
    ("Payment failed: Your card was declined." + EN_FAILED, STRIPE, "issuer_generic", "en"),
    ("Payment failed: Your card has insufficient funds." + EN_FAILED, STRIPE, "insufficient_funds", "en"),
    ("Payment failed: Your card's security code is incorrect." + EN_FAILED, STRIPE, "customer_input", "en"),
    ("Payment failed: Your card number is incorrect." + EN_FAILED, STRIPE, "customer_input", "en"),
    ("Payment failed: Your card's expiration year is invalid." + EN_FAILED, STRIPE, "customer_input", "en"),
    ("The card's zip code failed validation.", STRIPE, "customer_input", "en"),
    ("Payment failed: Your card has expired." + EN_FAILED, STRIPE, "expired_or_unsupported", "en"),
    (
        "Payment failed: Your card does not support this type of purchase." + EN_FAILED,
        STRIPE,
        "expired_or_unsupported",
        "en",
    ),
    ("Payment failed: Your card is not supported." + EN_FAILED, STRIPE, "expired_or_unsupported", "en"),
    (
        "Payment failed: An error occurred while processing your card. Try again in a little bit." + EN_FAILED,
        STRIPE,
        "transient",
        "en",
    ),
    (
        "Payment failed: We are unable to authenticate your payment method. Please choose a different payment method "
        "and try again." + EN_FAILED,
        STRIPE,
        "authentication",
        "en",
    ),
    (
        "Payment failed: Your card was declined. This transaction requires authentication." + EN_FAILED,
        STRIPE,
        "authentication",
        "en",
    ),
    (
        "UPE payment failed: Your card was declined for making repeated attempts too frequently or exceeding its amount "
        "limit." + EN_FAILED,
        STRIPE,
        "insufficient_funds",
        "en",
    ),
    ("Sorry, we are unable to process your payment at this time. Please retry later.", STRIPE, "transient", "en"),
    ("Payment processing failed. Please retry." + EN_FAILED, STRIPE, "transient", "en"),
    ("Stripe SCA authentication failed." + EN_FAILED, STRIPE, "authentication", "en"),
    (
        "Stripe SCA authentication failed. Reason: Your card has insufficient funds." + EN_FAILED,
        STRIPE,
        "insufficient_funds",
        "en",
    ),
    ("Stripe SCA authentication failed. Reason: Your card was declined." + EN_FAILED, STRIPE, "issuer_generic", "en"),
    ("This payment failed to clear." + EN_FAILED, STRIPE, "unknown", "en"),
    ("Payment not completed in time Order status changed from On hold to Failed.", STRIPE, "abandoned", "en"),
    # The seeded test store's forms (shared fixtures, woocommerce-7.8.2/SEEDED-DATA.txt).
    ("Stripe charge failed: Your card was declined. (card_declined)", STRIPE, "issuer_generic", "code"),
    (
        "Stripe charge failed: Your card was declined. (card_declined) — retry attempt 2",
        STRIPE,
        "issuer_generic",
        "code",
    ),
    (
        "Stripe charge failed: Your card's security code is incorrect. (incorrect_cvc)" + EN_FAILED,
        STRIPE,
        "customer_input",
        "code",
    ),
    (
        "Error processing payment. Reason: Your card has expired. (expired_card)" + EN_FAILED,
        STRIPE,
        "expired_or_unsupported",
        "code",
    ),
    ("Error processing payment. Reason: Insufficient funds" + EN_FAILED, STRIPE, "insufficient_funds", "en"),
    ("3D Secure authentication failed" + EN_FAILED, STRIPE, "authentication", "en"),
    # Stripe decline codes in parentheses.
    ("Stripe charge failed: Your card was declined. (fraudulent)", STRIPE, "do_not_contact", "code"),
    ("Stripe charge failed: Your card was declined. (lost_card)" + EN_FAILED, STRIPE, "do_not_contact", "code"),
    ("Stripe charge failed: Your card was declined. (stolen_card)" + EN_FAILED, STRIPE, "do_not_contact", "code"),
    ("Stripe charge failed: Your card was declined. (pickup_card)", STRIPE, "do_not_contact", "code"),
    ("Stripe charge failed: Your card was declined. (do_not_honor)", STRIPE, "issuer_generic", "code"),
    ("Stripe charge failed: Your card was declined. (processing_error)", STRIPE, "transient", "code"),
    ("Stripe charge failed: Your card was declined. (card_velocity_exceeded)", STRIPE, "insufficient_funds", "code"),
    ("Stripe charge failed: Your card has insufficient funds. (card_declined)", STRIPE, "insufficient_funds", "en"),
    # WooPayments: wc_price() markup, <strong>/<code>, "Error: " prefix, webhook messages, fraud tools.
    (
        (
            f"A payment of {USD_97} <strong>failed</strong> to complete with the following message: "
            "<code>Error: Your card was declined</code>."
        ),
        WCPAY,
        "issuer_generic",
        "en",
    ),
    (
        (
            f"A payment of {USD_97} <strong>failed</strong> to complete with the following message: "
            "<code>Error: Your card has insufficient funds</code>."
        ),
        WCPAY,
        "insufficient_funds",
        "en",
    ),
    (
        (
            f"A payment of {USD_97} <strong>failed</strong> to complete with the following message: "
            "<code>Error: Your card&#039;s security code is incorrect</code>."
        ),
        WCPAY,
        "customer_input",
        "en",
    ),
    (
        (
            f"A payment of {USD_97} <strong>failed</strong> to complete with the following message: "
            "<code>UPE payment failed: Your card has expired</code>."
        ),
        WCPAY,
        "expired_or_unsupported",
        "en",
    ),
    (
        (
            f"A payment of {USD_97} <strong>failed</strong>. We couldn\u2019t verify the postal code in the billing address. "
            "If the issue persists, suggest the customer to reach out to the card issuing bank."
        ),
        WCPAY,
        "customer_input",
        "en",
    ),
    (
        (
            f"A payment of {USD_97} <strong>failed</strong> to complete because of too many failed transactions. A rate "
            "limiter was enabled for the user to prevent more attempts temporarily."
        ),
        WCPAY,
        "do_not_contact",
        "en",
    ),
    (
        (
            f"&#x1F6AB; A payment of {USD_97} was <strong>blocked</strong> by one or more risk filters.<br><br>"
            '<a href="https://shop.example/wp-admin/admin.php?page=wc-admin&#038;path=%2Fpayments%2Ftransactions%2Fdetails'
            '&#038;id=pi_3PbX8kLkdIwHu7ix0Z2fK1aB&#038;status_is=block">View more details</a>.'
        ),
        WCPAY,
        "do_not_contact",
        "en",
    ),
    (
        (
            f"&#x26D4; A payment of {USD_97} was <strong>held for review</strong> by one or more risk filters.<br><br>"
            "<a>View more details</a>."
        ),
        WCPAY,
        "do_not_contact",
        "en",
    ),
    (
        (
            f"A payment of {USD_97} <strong>failed</strong> using WooPayments ({PI_LINK}). The customer's account has "
            "insufficient funds to cover this payment."
        ),
        WCPAY,
        "insufficient_funds",
        "en",
    ),
    (
        (
            f"A payment of {USD_97} <strong>failed</strong> using WooPayments ({PI_LINK}). The customer's bank account has "
            "been closed."
        ),
        WCPAY,
        "expired_or_unsupported",
        "en",
    ),
    (
        (
            f"A payment of {USD_97} <strong>failed</strong> using WooPayments ({PI_LINK}). The customer has notified their "
            "bank that this payment was unauthorized."
        ),
        WCPAY,
        "do_not_contact",
        "en",
    ),
    (
        (
            f"A payment of {USD_97} <strong>failed</strong> using WooPayments ({PI_LINK}). With the following message: "
            "<code>Your card was declined.</code>"
        ),
        WCPAY,
        "issuer_generic",
        "en",
    ),
    (
        f"A capture of {USD_97} <strong>failed</strong> to complete using WooPayments ({PI_LINK}).",
        WCPAY,
        "unknown",
        "en",
    ),
    # WooCommerce PayPal Payments.
    (
        "Instrument declined. The instrument presented was either declined by the processor or bank, or it can't be "
        "used for this payment." + EN_FAILED,
        PPCP,
        "issuer_generic",
        "en",
    ),
    (
        "Payer action required, possibly overcharge. Payer action is required to complete this payment." + EN_FAILED,
        PPCP,
        "authentication",
        "en",
    ),
    (
        "Failed to process the payment. Please try again or contact the shop admin. "
        + PPCP_422
        + "INSTRUMENT_DECLINED "
        + PPCP_TRACE
        + EN_FAILED,
        PPCP,
        "issuer_generic",
        "code",
    ),
    (
        "Failed to process the payment. Please try again or contact the shop admin. " + PPCP_TRACE + EN_FAILED,
        PPCP,
        "transient",
        "en",
    ),
    (PPCP_422 + "PAYER_ACTION_REQUIRED " + PPCP_TRACE + EN_FAILED, PPCP, "authentication", "code"),
    (
        "[UNPROCESSABLE_ENTITY] There was a problem processing this transaction. Please reach out to the store owner. "
        "https://developer.paypal.com/docs/api/orders/v2/#error-PAYER_CANNOT_PAY " + PPCP_TRACE + EN_FAILED,
        PPCP,
        "expired_or_unsupported",
        "code",
    ),
    (
        "Failed to process the payment. Please try again or contact the shop admin. "
        + PPCP_422
        + "COMPLIANCE_VIOLATION "
        + PPCP_TRACE
        + EN_FAILED,
        PPCP,
        "do_not_contact",
        "code",
    ),
    ("Could not capture the payment." + EN_FAILED, PPCP, "transient", "en"),
    ("Could not get the payment authorization." + EN_FAILED, PPCP, "issuer_generic", "en"),
    ("PayPal payment failed", PPCP, "unknown", "en"),
    ("PayPal payment failed. Reason: INSTRUMENT_DECLINED", PPCP, "issuer_generic", "code"),
    # WooCommerce Square and other SkyVerge-framework gateways: "%1$s Payment Failed (%2$s)".
    (
        "Square Payment Failed (Status code GENERIC_DECLINE: Authorization error: 'GENERIC_DECLINE')" + EN_FAILED,
        SQUARE,
        "issuer_generic",
        "code",
    ),
    (
        "Square Payment Failed (Status code CVV_FAILURE: Authorization error: 'CVV_FAILURE')" + EN_FAILED,
        SQUARE,
        "customer_input",
        "code",
    ),
    (
        "Square Payment Failed (Status code ADDRESS_VERIFICATION_FAILURE: Authorization error: "
        "'ADDRESS_VERIFICATION_FAILURE')" + EN_FAILED,
        SQUARE,
        "customer_input",
        "code",
    ),
    (
        "Square Payment Failed (Status code INVALID_EXPIRATION: Authorization error: 'INVALID_EXPIRATION')",
        SQUARE,
        "customer_input",
        "code",
    ),
    (
        "Square Payment Failed (Status code CARD_EXPIRED: Authorization error: 'CARD_EXPIRED')" + EN_FAILED,
        SQUARE,
        "expired_or_unsupported",
        "code",
    ),
    ("Square Payment Failed (Status code: CARD_NOT_SUPPORTED)", SQUARE, "expired_or_unsupported", "code"),
    (
        "Square Payment Failed (Status code INSUFFICIENT_FUNDS: Authorization error: 'INSUFFICIENT_FUNDS') "
        "Transaction ID R2B3Z8WMVt3EAmzYWLZvz7Y69EbZY" + EN_FAILED,
        SQUARE,
        "insufficient_funds",
        "code",
    ),
    (
        "Square Payment Failed (Status code TRANSACTION_LIMIT: Authorization error: 'TRANSACTION_LIMIT')",
        SQUARE,
        "insufficient_funds",
        "code",
    ),
    (
        "Square Payment Failed (Status code CARD_DECLINED_VERIFICATION_REQUIRED: Authorization error: "
        "'CARD_DECLINED_VERIFICATION_REQUIRED')" + EN_FAILED,
        SQUARE,
        "authentication",
        "code",
    ),
    (
        (
            "Square Payment Failed (Status code CARD_DECLINED_CALL_ISSUER: Authorization error: "
            "'CARD_DECLINED_CALL_ISSUER')"
        ),
        SQUARE,
        "issuer_generic",
        "code",
    ),
    (
        "Square Payment Failed (Status code TEMPORARY_ERROR: A temporary internal error occurred. You can safely retry "
        "your call using the same idempotency key.)" + EN_FAILED,
        SQUARE,
        "transient",
        "code",
    ),
    (
        "Square Payment Failed (Status code BLOCKED_BY_BLOCKLIST: Authorization error: 'BLOCKED_BY_BLOCKLIST')",
        SQUARE,
        "do_not_contact",
        "code",
    ),
    (
        "Chase Paymentech Payment Failed (Status code 05: Do Not Honor)" + EN_FAILED,
        "chase_paymentech",
        "issuer_generic",
        "en",
    ),
    # Mollie Payments for WooCommerce: failureReason / bankReasonCode, cancelled and expired payments.
    (
        f"Credit card payment failed via Mollie ({TR}). Because of: (insufficient_funds) Insufficient funds on card."
        + EN_FAILED,
        MOLLIE,
        "insufficient_funds",
        "code",
    ),
    (
        f"Credit card payment failed via Mollie ({TR}). Because of: (invalid_cvv) The CVV is invalid." + EN_FAILED,
        MOLLIE,
        "customer_input",
        "code",
    ),
    (
        f"Credit card payment failed via Mollie ({TR}). Because of: (card_expired) The card has expired." + EN_FAILED,
        MOLLIE,
        "expired_or_unsupported",
        "code",
    ),
    (
        f"Credit card payment failed via Mollie ({TR}). Because of: (possible_fraud) The payment was declined due to "
        "possible fraud." + EN_FAILED,
        MOLLIE,
        "do_not_contact",
        "code",
    ),
    (
        f"Credit card payment failed via Mollie ({TR}). Because of: (authentication_failed) The 3-D Secure "
        "authentication failed." + EN_FAILED,
        MOLLIE,
        "authentication",
        "code",
    ),
    (
        f"Credit card payment failed via Mollie ({TR}). Because of: (refused_by_issuer) The card issuer refused the "
        "payment." + EN_FAILED,
        MOLLIE,
        "issuer_generic",
        "code",
    ),
    (
        f"Credit card payment failed via Mollie ({TR}). Because of: (unknown_reason) The payment failed for an unknown "
        "reason." + EN_FAILED,
        MOLLIE,
        "unknown",
        "code",
    ),
    (
        f"Renewal: SEPA Direct Debit payment failed via Mollie ({TR2}). Because of: (AM04) Insufficient funds."
        + EN_FAILED,
        "mollie_wc_gateway_directdebit",
        "insufficient_funds",
        "code",
    ),
    (f"Credit card payment failed via Mollie ({TR} - test mode)" + EN_FAILED, MOLLIE, "unknown", "en"),
    (f"iDEAL payment ({TR}) cancelled .", "mollie_wc_gateway_ideal", "abandoned", "en"),
    (f"Bancontact payment expired ({TR2}).", "mollie_wc_gateway_bancontact", "abandoned", "en"),
    (f"Klarna Pay later order ({ORD}) expired .", "mollie_wc_gateway_klarnapaylater", "abandoned", "en"),
    # WooCommerce core.
    ("Order status changed from Pending payment to Failed.", STRIPE, "unknown", "en"),
    (
        "Unpaid order cancelled - time limit reached. Order status changed from Pending payment to Cancelled.",
        "cod",
        "abandoned",
        "en",
    ),
    # German.
    ("Bestellstatus von Zahlung ausstehend auf Fehlgeschlagen geändert.", STRIPE, "unknown", "de"),
    ("Bestellstatus geändert von Zahlung ausstehend zu Fehlgeschlagen.", STRIPE, "unknown", "de"),
    (f"Kreditkarte-Bezahlung über Mollie fehlgeschlagen ({TR})." + DE_FAILED, MOLLIE, "unknown", "de"),
    (f"iDEAL-Bezahlvorgang ({TR}) abgebrochen.", "mollie_wc_gateway_ideal", "abandoned", "de"),
    (f"SOFORT-Banking-Zahlung abgelaufen ({TR2}).", "mollie_wc_gateway_sofort", "abandoned", "de"),
    (f"Klarna Pay later-Bestellung ({ORD}) abgelaufen.", "mollie_wc_gateway_klarnapaylater", "abandoned", "de"),
    ("Zahlung fehlgeschlagen: Ihre Karte wurde abgelehnt." + DE_FAILED, STRIPE, "issuer_generic", "de"),
    (
        "Zahlung fehlgeschlagen: Ihre Karte ist nicht ausreichend gedeckt." + DE_FAILED,
        STRIPE,
        "insufficient_funds",
        "de",
    ),
    ("Zahlung fehlgeschlagen: Der Sicherheitscode Ihrer Karte ist falsch." + DE_FAILED, STRIPE, "customer_input", "de"),
    ("Zahlung fehlgeschlagen: Die Kartennummer ist ungültig." + DE_FAILED, STRIPE, "customer_input", "de"),
    ("Zahlung fehlgeschlagen: Ihre Karte ist abgelaufen." + DE_FAILED, STRIPE, "expired_or_unsupported", "de"),
    (
        "Zahlung fehlgeschlagen: Die 3D-Secure-Authentifizierung ist fehlgeschlagen." + DE_FAILED,
        STRIPE,
        "authentication",
        "de",
    ),
    (
        "Bei der Verarbeitung Ihrer Karte ist ein Fehler aufgetreten. Bitte versuchen Sie es später erneut."
        + DE_FAILED,
        STRIPE,
        "transient",
        "de",
    ),
    (
        (
            "Unbezahlte Bestellung storniert \u2013 Zeitlimit erreicht. Bestellstatus von Zahlung ausstehend auf Storniert "
            "geändert."
        ),
        "cod",
        "abandoned",
        "de",
    ),
    (
        f"&#x1F6AB; Eine Zahlung von {EUR_49} wurde von einem oder mehreren Risikofiltern <strong>blockiert</strong>.",
        WCPAY,
        "do_not_contact",
        "de",
    ),
    # French.
    ("Statut de la commande modifié de Attente paiement à Échouée.", STRIPE, "unknown", "fr"),
    ("État de la commande modifié de Attente paiement à Échouée.", STRIPE, "unknown", "fr"),
    (f"Le paiement Carte de crédit a échoué via Mollie ({TR})." + FR_FAILED, MOLLIE, "unknown", "fr"),
    (f"Paiement iDEAL expiré ({TR2}).", "mollie_wc_gateway_ideal", "abandoned", "fr"),
    ("Paiement échoué : Votre carte a été refusée." + FR_FAILED, STRIPE, "issuer_generic", "fr"),
    ("Paiement échoué : Les fonds de votre carte sont insuffisants." + FR_FAILED, STRIPE, "insufficient_funds", "fr"),
    ("Paiement échoué : Le code de sécurité de votre carte est incorrect." + FR_FAILED, STRIPE, "customer_input", "fr"),
    ("Paiement échoué : Votre carte a expiré." + FR_FAILED, STRIPE, "expired_or_unsupported", "fr"),
    ("Paiement échoué : L\u2019authentification 3D Secure a échoué." + FR_FAILED, STRIPE, "authentication", "fr"),
    (
        "Une erreur s'est produite lors du traitement de votre carte. Réessayez dans un moment." + FR_FAILED,
        STRIPE,
        "transient",
        "fr",
    ),
    (
        "Commande impayée annulée - délai dépassé. Statut de la commande modifié de Attente paiement à Annulée.",
        "cod",
        "abandoned",
        "fr",
    ),
    # Spanish.
    ("El estado del pedido cambió de Pendiente de pago a Fallido.", STRIPE, "unknown", "es"),
    (f"Pago Tarjeta de crédito fallido vía Mollie ({TR})." + ES_FAILED, MOLLIE, "unknown", "es"),
    (f"Pago iDEAL ({TR}) cancelado.", "mollie_wc_gateway_ideal", "abandoned", "es"),
    (f"Pago Bancontact caducado ({TR2}).", "mollie_wc_gateway_bancontact", "abandoned", "es"),
    ("Pago fallido: Tu tarjeta ha sido rechazada." + ES_FAILED, STRIPE, "issuer_generic", "es"),
    ("Pago fallido: Tu tarjeta no tiene fondos suficientes." + ES_FAILED, STRIPE, "insufficient_funds", "es"),
    ("Pago fallido: El código de seguridad de tu tarjeta es incorrecto." + ES_FAILED, STRIPE, "customer_input", "es"),
    ("Pago fallido: Tu tarjeta ha caducado." + ES_FAILED, STRIPE, "expired_or_unsupported", "es"),
    ("Pago fallido: La autenticación 3D Secure ha fallado." + ES_FAILED, STRIPE, "authentication", "es"),
    (
        "Se ha producido un error al procesar tu tarjeta. Vuelve a intentarlo más tarde." + ES_FAILED,
        STRIPE,
        "transient",
        "es",
    ),
    ("Pago fallido: El pago ha sido rechazado por sospecha de fraude." + ES_FAILED, STRIPE, "do_not_contact", "es"),
    (
        (
            "Pedido no pagado cancelado - límite de tiempo alcanzado. El estado del pedido cambió de Pendiente de pago a "
            "Cancelado."
        ),
        "cod",
        "abandoned",
        "es",
    ),
]

# Payment extensions on Magento 2: order comments (and the payment's additional information), in the forms of the
# shared magento-2.4.7-p3 fixtures (SEEDED-DATA.txt) and the extensions' own templates.
ADYEN_NOTIFICATION = (
    "Adyen HTTP Notification(s):<br />eventCode: AUTHORISATION<br />pspReference: 8825B31D9E0F2009<br />"
    "paymentMethod: mc<br />success: false<br />reason: "
)
ADYEN_RESULT = (
    "Adyen Result response:<br />authResult: REFUSED<br />pspReference: 8815A29C2D7E1002<br />refusalReason: "
)
MAGENTO_TABLE = [
    (ADYEN_NOTIFICATION + "Refused", "adyen_cc", "issuer_generic", "code"),
    (ADYEN_NOTIFICATION + "CVC Declined", "adyen_cc", "customer_input", "code"),
    (ADYEN_NOTIFICATION + "3D Not Authenticated", "adyen_cc", "authentication", "code"),
    (ADYEN_NOTIFICATION + "FRAUD", "adyen_cc", "do_not_contact", "code"),
    (ADYEN_NOTIFICATION + "Blocked Card", "adyen_cc", "do_not_contact", "code"),
    (ADYEN_NOTIFICATION + "Issuer Unavailable", "adyen_cc", "transient", "code"),
    (ADYEN_NOTIFICATION + "Withdrawal amount exceeded", "adyen_cc", "insufficient_funds", "code"),
    (ADYEN_RESULT + "Transaction Not Permitted", "adyen_hpp", "expired_or_unsupported", "code"),
    (ADYEN_RESULT + "Shopper Cancelled", "adyen_hpp", "abandoned", "code"),
    ("The order was canceled, reason: payment expired", "mollie_methods_ideal", "abandoned", "en"),
    ('IPN "Failed". Transaction ID: "8MC585209K7463917"', "paypal_express", "issuer_generic", "code"),
    ('IPN "Denied". Transaction ID: "8MC585209K7463917"', "paypal_express", "do_not_contact", "code"),
    ("Credit Card (Braintree) 2010 Card Issuer Declined CVV", "braintree", "customer_input", "code"),
    ("Credit Card (Braintree) 2046 Declined", "braintree", "issuer_generic", "code"),
    ("Credit Card (Braintree) 3000 Processor Network Unavailable - Try Again", "braintree", "transient", "code"),
]
TABLE += MAGENTO_TABLE

# Notes that say nothing about why a payment failed: classify_note must return None.
NOT_FAILURES = [
    "Customer returned to pay again. Order status changed from Failed to Pending payment.",
    "Awaiting payment confirmation from PayPal.",
    "Stock levels reduced: Merino Wool Beanie (10) 5&rarr;4",
    "Order status changed from Pending payment to Processing.",
    "Stripe charge complete (Charge ID: ch_3PbX8kLkdIwHu7ix0nGq4Y2m)",
    f"Bank Transfer payment expired ({TR}) but not cancelled because of another pending payment ({TR2}).",
    "wcrecall: sent step=1 class=insufficient_funds msgid=<20261107.1@shop.example>",
    "",
    "<p>&nbsp;</p>",
]

OTHER_METHODS = ["", STRIPE, WCPAY, PPCP, SQUARE, MOLLIE, "cod", "bacs"]


def _row_id(row: tuple[str, str, str, str]) -> str:
    return f"{row[3]}-{row[2]}-{strip_html(row[0])[:40]}"


# --- the table -------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("note", "payment_method", "expected", "language"), TABLE, ids=[_row_id(r) for r in TABLE])
def test_real_note_gets_its_expected_class_and_language(
    note: str, payment_method: str, expected: str, language: str
) -> None:
    """Each real-format note gets the class and language the table gives it."""
    found = classify_note(note, payment_method)
    assert found is not None
    assert (found.failure_class, found.language) == (expected, language), found
    assert found.evidence
    assert len(found.evidence) <= classify.EVIDENCE_MAX + 2
    assert re.fullmatch(r"[a-z]+\.[a-z0-9_]+", found.rule), found.rule


def test_table_is_large_and_multilingual() -> None:
    """The table has at least 70 rows, with at least 10 German, 8 French and 8 Spanish notes."""
    languages = [row[3] for row in TABLE]
    assert len(TABLE) >= 70
    assert languages.count("de") >= 10
    assert languages.count("fr") >= 8
    assert languages.count("es") >= 8
    assert {row[2] for row in TABLE} == set(FAILURE_CLASSES)


def test_notes_expected_unknown_never_get_a_confident_class() -> None:
    """A note the table calls `unknown` stays `unknown` whatever the order's payment method."""
    unknown_rows = [row for row in TABLE if row[2] == "unknown"]
    assert len(unknown_rows) >= 8
    for note, _, _, _ in unknown_rows:
        for method in OTHER_METHODS:
            found = classify_note(note, method)
            assert found is not None and found.failure_class == "unknown", (note, method, found)


def test_payment_method_never_changes_the_class() -> None:
    """The payment method may rename a rule's gateway family but never changes the class."""
    for note, _method, expected, _ in TABLE:
        for other in OTHER_METHODS:
            found = classify_note(note, other)
            assert found is not None and found.failure_class == expected, (note, other, found)


def test_rule_family_follows_the_payment_method_for_shared_codes() -> None:
    """Stripe's code names reused by Mollie are credited to Mollie on Mollie orders, to Stripe otherwise."""
    note = "Stripe charge failed: Your card has insufficient funds. (insufficient_funds)"
    mollie_note = f"Credit card payment failed via Mollie ({TR}). Because of: (insufficient_funds) Insufficient funds."
    assert classify_note(note, STRIPE) == Classification(
        "insufficient_funds", "stripe.insufficient_funds", note, None, "code"
    )
    found = classify_note(mollie_note, MOLLIE)
    assert found is not None and found.rule == "mollie.insufficient_funds"
    found = classify_note(mollie_note)
    assert found is not None and found.rule == "mollie.insufficient_funds"


@pytest.mark.parametrize("note", NOT_FAILURES)
def test_note_without_failure_signal_is_not_classified(note: str) -> None:
    """Notes that report no failed payment (returns, stock, success, other pending payments) give None."""
    assert classify_note(note) is None
    assert classify_note(note, STRIPE) is None


def test_specific_reason_beats_generic_wrapper_in_the_same_note() -> None:
    """A specific reason wins over a generic decline code or a "please try again" wrapper in the same note."""
    cases = {
        "Your card has insufficient funds. (card_declined)": "insufficient_funds",
        "Your card was declined. (incorrect_cvc)": "customer_input",
        "Payment processing failed. Please retry. (expired_card)": "expired_or_unsupported",
        "Failed to process the payment. Please try again or contact the shop admin. "
        + PPCP_422
        + "INSTRUMENT_DECLINED": "issuer_generic",
        "Your card was declined. (insufficient_funds) (stolen_card)": "do_not_contact",
    }
    for note, expected in cases.items():
        found = classify_note(note)
        assert found is not None and found.failure_class == expected, (note, found)


# --- HTML ------------------------------------------------------------------------------------------------------------


def test_strip_html_removes_tags_and_decodes_entities() -> None:
    """wc_price() markup, <strong>/<code>, <br> and entities become plain, single-spaced text."""
    note = (
        f"&#x1F6AB; A payment of {USD_97} <strong>failed</strong> to complete with the following message:<br>"
        "<code>Error: Your card&#039;s security code is incorrect</code>.&nbsp; "
    )
    assert strip_html(note) == (
        "\U0001f6ab A payment of $97.00 USD failed to complete with the following message: "
        "Error: Your card's security code is incorrect."
    )
    assert strip_html(EUR_49) == "49,00 € EUR"
    assert strip_html("a<!-- hidden --> b <!-- never closed") == "a b"
    assert strip_html("3 < 5 and 7 > 2") == "3 < 5 and 7 > 2"
    assert strip_html("&lt;code&gt;kept&lt;/code&gt;") == "<code>kept</code>"


def test_evidence_is_stripped_and_trimmed_around_the_match() -> None:
    """Evidence is the note's plain text, at most ~200 characters, and shows the part that matched."""
    long_note = "Failed to process the payment. " + "x" * 400 + " #error-INSTRUMENT_DECLINED " + "y" * 400
    found = classify_note(long_note, PPCP)
    assert found is not None
    assert found.failure_class == "issuer_generic"
    assert "INSTRUMENT_DECLINED" in found.evidence
    assert len(found.evidence) <= classify.EVIDENCE_MAX + 2
    short = classify_note(f"A payment of {USD_97} <strong>failed</strong> using WooPayments ({PI_LINK}).", WCPAY)
    assert short is not None and short.evidence == f"A payment of $97.00 USD failed using WooPayments ({PI})."


# --- orders ----------------------------------------------------------------------------------------------------------

T0 = datetime(2026, 11, 6, 12, 0, tzinfo=UTC)


def _notes(*texts: str, author: str = "system") -> list[Note]:
    """Notes as the REST API returns them: newest first, one minute apart."""
    return [Note(text, author, T0 - timedelta(minutes=i)) for i, text in enumerate(texts)]


def test_do_not_contact_anywhere_wins_over_newer_reasons() -> None:
    """A fraud flag on an older attempt wins over a newer insufficient-funds failure."""
    notes = _notes(
        "Payment failed: Your card has insufficient funds." + EN_FAILED,
        "Customer returned to pay again. Order status changed from Failed to Pending payment.",
        "Stripe charge failed: Your card was declined. (fraudulent)" + EN_FAILED,
    )
    found = classify_order(status="failed", payment_method=STRIPE, notes=notes)
    assert (found.failure_class, found.rule, found.note_index) == ("do_not_contact", "stripe.fraudulent", 2)


def test_pending_order_without_failure_note_is_abandoned() -> None:
    """A pending order with no notes, or only non-failure notes, is `abandoned`."""
    assert classify_order(status="pending", payment_method=STRIPE, notes=[]) == Classification(
        "abandoned", "core.pending_no_attempt", "", None, "code"
    )
    found = classify_order(
        status="pending", payment_method=PPCP, notes=_notes("Awaiting payment confirmation from PayPal.")
    )
    assert (found.failure_class, found.rule, found.note_index) == ("abandoned", "core.pending_no_attempt", None)


def test_failed_order_without_any_note_is_unknown() -> None:
    """A failed order with no usable note is `unknown`, not a guess."""
    found = classify_order(status="failed", payment_method=STRIPE, notes=[])
    assert (found.failure_class, found.rule, found.evidence) == ("unknown", "core.failed_without_note", "")


def test_failed_order_with_only_core_transition_is_unknown() -> None:
    """Only core's "Order status changed from Pending payment to Failed." gives `unknown` with that note as evidence."""
    found = classify_order(
        status="failed", payment_method=STRIPE, notes=_notes("Order status changed from Pending payment to Failed.")
    )
    assert found == Classification(
        "unknown",
        "core.failed_without_reason",
        "Order status changed from Pending payment to Failed.",
        0,
        "en",
    )


def test_admin_and_wcrecall_notes_are_ignored() -> None:
    """Notes by admins and wcrecall's own notes are never evidence, whatever they say."""
    notes = [
        Note("wcrecall: sent step=1 class=insufficient_funds", "system", T0),
        Note("Customer says the card was stolen (stolen_card), suspected fraud.", "shop-manager", T0 - timedelta(1)),
        Note("<p>wcrecall: classified as do_not_contact (fraudulent)</p>", "api-user", T0 - timedelta(2)),
        Note("Payment failed: Your card has expired." + EN_FAILED, "WooCommerce", T0 - timedelta(3)),
    ]
    found = classify_order(status="failed", payment_method=STRIPE, notes=notes)
    assert (found.failure_class, found.note_index) == ("expired_or_unsupported", 3)
    only_admin = classify_order(status="pending", payment_method=STRIPE, notes=notes[1:3])
    assert only_admin.failure_class == "abandoned"


def test_newest_failure_evidence_decides() -> None:
    """The newest note with a reason decides, by date when notes have dates, else by the API's newest-first order."""
    newest_first = _notes(
        "Payment failed: An error occurred while processing your card. Try again in a little bit." + EN_FAILED,
        "Payment failed: Your card has insufficient funds." + EN_FAILED,
    )
    found = classify_order(status="failed", payment_method=STRIPE, notes=newest_first)
    assert (found.failure_class, found.note_index) == ("transient", 0)
    oldest_first = list(reversed(newest_first))
    found = classify_order(status="failed", payment_method=STRIPE, notes=oldest_first)
    assert (found.failure_class, found.note_index) == ("transient", 1)
    undated = [Note(n.text) for n in oldest_first]
    found = classify_order(status="failed", payment_method=STRIPE, notes=undated)
    assert (found.failure_class, found.note_index) == ("insufficient_funds", 0)


def test_naive_and_aware_dates_are_compared_as_utc() -> None:
    """A naive date is taken as UTC, so mixing naive and aware dates does not fail."""
    notes = [
        Note("Payment failed: Your card has expired.", date=datetime(2026, 11, 6, 11, 0)),
        Note("Payment failed: Your card was declined.", date=datetime(2026, 11, 6, 12, 0, tzinfo=UTC)),
    ]
    found = classify_order(status="failed", payment_method=STRIPE, notes=notes)
    assert (found.failure_class, found.note_index) == ("issuer_generic", 1)


def test_reasonless_newer_failure_does_not_hide_an_older_reason() -> None:
    """A newer bare "failed" note (core transition, "PayPal payment failed") leaves the older reason in charge."""
    notes = _notes(
        "Order status changed from Pending payment to Failed.",
        "PayPal payment failed",
        "PayPal payment failed. Reason: INSTRUMENT_DECLINED",
    )
    found = classify_order(status="failed", payment_method=PPCP, notes=notes)
    assert (found.failure_class, found.rule, found.note_index) == ("issuer_generic", "paypal.instrument_declined", 2)
    only_bare = classify_order(status="failed", payment_method=PPCP, notes=notes[:2])
    assert (only_bare.failure_class, only_bare.rule, only_bare.note_index) == (
        "unknown",
        "core.failed_without_reason",
        0,
    )


def test_customer_returned_note_is_not_a_reason_but_older_failure_is() -> None:
    """Seeded order 23: pending after "Customer returned to pay again", classified by the older failure note."""
    notes = _notes(
        "Customer returned to pay again. Order status changed from Failed to Pending payment.",
        "Error processing payment. Reason: Insufficient funds Order status changed from Pending payment to Failed.",
    )
    found = classify_order(status="pending", payment_method="cod", notes=notes)
    assert found == Classification(
        "insufficient_funds",
        "stripe.insufficient_funds",
        "Error processing payment. Reason: Insufficient funds Order status changed from Pending payment to Failed.",
        1,
        "en",
    )


def test_mollie_cancelled_payment_makes_a_pending_order_abandoned() -> None:
    """Mollie's "payment (tr_...) cancelled" note on a pending order is `abandoned` with the note as evidence."""
    found = classify_order(
        status="pending", payment_method="mollie_wc_gateway_ideal", notes=_notes(f"iDEAL payment ({TR}) cancelled .")
    )
    assert (found.failure_class, found.rule, found.note_index) == ("abandoned", "mollie.cancelled", 0)
    assert found.evidence == f"iDEAL payment ({TR}) cancelled ."


def test_classification_fields_are_filled_for_a_decided_order() -> None:
    """The deciding note's index, rule id, language and stripped evidence are all set."""
    notes = _notes(
        "Stock levels reduced: Ceramic Pour-Over Set (11) 3&rarr;2",
        f"A payment of {USD_97} <strong>failed</strong> using WooPayments ({PI_LINK}). The customer's account has "
        "insufficient funds to cover this payment.",
    )
    found = classify_order(status="failed", payment_method=WCPAY, notes=notes)
    assert found.failure_class == "insufficient_funds"
    assert found.rule == "woopayments.insufficient_funds"
    assert found.note_index == 1
    assert found.language == "en"
    assert found.evidence.startswith("A payment of $97.00 USD failed using WooPayments (pi_3PbX8kLkdIwHu7ix0Z2fK1aB)")
    assert "<" not in found.evidence


# --- API -------------------------------------------------------------------------------------------------------------


def test_note_and_classification_are_frozen() -> None:
    """Note and Classification are immutable values."""
    note = Note("x")
    found = explain_note("x")
    with pytest.raises(dataclasses.FrozenInstanceError):
        note.text = "y"  # type: ignore[misc]
    with pytest.raises(dataclasses.FrozenInstanceError):
        found.failure_class = "customer_input"  # type: ignore[misc]


def test_explain_note_always_answers_for_the_cli() -> None:
    """explain_note never returns None and describe() gives one readable line with class, rule and evidence."""
    silent = explain_note("Stock levels reduced: Merino Wool Beanie (10) 5&rarr;4")
    assert (silent.failure_class, silent.rule) == ("unknown", "none.no_failure_signal")
    loud = explain_note("Square Payment Failed (Status code CVV_FAILURE: Authorization error: 'CVV_FAILURE')", SQUARE)
    line = describe(loud)
    assert line.startswith("customer_input (rule square.cvv_failure, language code): Square Payment Failed")
    assert "\n" not in line


# --- robustness: bounded regexes, no timing ----------------------------------------------------------------------------


def _parser() -> Any:
    return importlib.import_module("re._parser")


def _repeats(items: Any, depth: int, found: list[tuple[int, int, int]]) -> None:
    """Collect (nesting depth, min, max) of every repeat in a parsed pattern."""
    for op, arg in items:
        name = getattr(op, "name", "")
        if name in {"MAX_REPEAT", "MIN_REPEAT", "POSSESSIVE_REPEAT"}:
            found.append((depth, arg[0], arg[1]))
            _repeats(arg[2], depth + 1, found)
        elif name == "SUBPATTERN":
            _repeats(arg[-1], depth, found)
        elif name == "BRANCH":
            for branch in arg[1]:
                _repeats(branch, depth, found)
        elif name in {"ASSERT", "ASSERT_NOT"}:
            _repeats(arg[1], depth, found)
        elif name == "ATOMIC_GROUP":
            _repeats(arg, depth, found)


def test_no_regex_nests_a_quantifier_inside_another() -> None:
    """No pattern has a repeat inside a repeat, the shape that backtracks exponentially."""
    parser = _parser()
    text = classify.text
    patterns = [text.COMMENT_RE, text.TAG_RE, text.SPACE_RE, text.FAILED_STATUS_RE]
    patterns += [pattern for _, pattern in text.TRANSITIONS] + [rule.pattern for rule in classify.rules.RULES]
    assert len(patterns) > 100
    for pattern in patterns:
        found: list[tuple[int, int, int]] = []
        _repeats(parser.parse(pattern.pattern, pattern.flags), 0, found)
        assert all(depth == 0 for depth, _, _ in found), pattern.pattern


def test_note_rules_only_use_bounded_repeats() -> None:
    """Every note rule and transition pattern repeats at most 100 times, so one attempt costs a bounded amount."""
    parser = _parser()
    rule_patterns = [rule.pattern for rule in classify.rules.RULES] + [p for _, p in classify.text.TRANSITIONS]
    for pattern in rule_patterns:
        found: list[tuple[int, int, int]] = []
        _repeats(parser.parse(pattern.pattern, pattern.flags), 0, found)
        assert all(high <= 100 for _, _, high in found), pattern.pattern


def test_literal_precheck_never_hides_a_match(monkeypatch: pytest.MonkeyPatch) -> None:
    """Classification with the rules' substring pre-check equals classification with every rule searched, for every
    table note (as written, upper- and lower-cased) and payment method."""
    subjects = [variant for note, _, _, _ in TABLE for variant in (note, note.upper(), note.lower())]
    methods = ["", STRIPE, MOLLIE]
    with_precheck = [classify_note(subject, method) for subject in subjects for method in methods]
    assert sum(found is not None for found in with_precheck) >= len(TABLE)
    monkeypatch.setattr(
        classify.rules, "RULES", tuple(dataclasses.replace(rule, keys=None) for rule in classify.rules.RULES)
    )
    assert [classify_note(subject, method) for subject in subjects for method in methods] == with_precheck


def test_every_rule_that_matches_a_table_note_finds_one_of_its_keys_in_it() -> None:
    """Per rule, not just per note: wherever a rule's regex matches a table note (as written, upper- or lower-cased),
    one of its literal keys occurs there, so the pre-check can never skip a rule that would have matched."""
    plains = [
        strip_html(note).translate(classify.text.PLAIN)
        for note, _, _, _ in TABLE + [(n, "", "", "") for n in NOT_FAILURES]
    ]
    subjects = [variant for plain in plains for variant in (plain, plain.upper(), plain.lower())]
    keyed = [rule for rule in classify.rules.RULES if rule.keys is not None]
    assert len(keyed) >= len(classify.rules.RULES) - 5
    matched_rules = 0
    for rule in keyed:
        hits = [s for s in subjects if rule.pattern.search(s.lower() if rule.lowered else s)]
        matched_rules += bool(hits)
        for subject in hits:
            text = subject.lower() if rule.lowered else subject
            assert any(key in text for key in rule.keys), (rule.pattern.pattern, subject)
    assert matched_rules >= 60


@pytest.mark.parametrize(
    ("pattern", "matches"),
    [
        (r"cancell?ed", ["canceled", "cancelled"]),
        (r"\bpay(?:ment)? failed\b", ["pay failed", "payment failed"]),
        (r"ab(?:cdefgh)?ij", ["abij", "abcdefghij"]),
        (r"ab(?:cdefgh)*ij", ["abij"]),
        (r"(?:cdefgh){0,2}ij", ["ij"]),
        (r"abc(?!defghij)", ["abc"]),
        (r"abc(?<!xxxxxxx)", ["abc"]),
        (r"x{0,2}yyyy", ["yyyy", "xxyyyy"]),
        (r"(?:declined|refused) by (?:the )?bank", ["declined by bank", "refused by the bank"]),
        (r"(?P<code>card_declined|do_not_honor)", ["card_declined", "do_not_honor"]),
        (r"[]a]bcd[^)]{0,4}", ["]bcd", "abcd)"]),
        (r"a\.b\.c\.d", ["a.b.c.d"]),
        (r"(?<![a-z])(?:zzz)+ note", ["zzzzzz note"]),
        (r"(?:aa|bbb)ccc(?=dddd)", ["aacccdddd", "bbbcccdddd"]),
        (r"foo|b", ["foo", "b"]),
        (r"(?:x|yyyy)zz", ["xzz", "yyyyzz"]),
        (r"\x41bcd", ["Abcd"]),
        (r"(?i)abcd", ["ABCD"]),
        (r"abc+d", ["abccd"]),
    ],
)
def test_literal_keys_are_always_in_a_match(pattern: str, matches: list[str]) -> None:
    """Optional characters and groups, alternations, classes, look-arounds and repeats: each listed match of the
    pattern contains one of its keys (or the pattern has none and is always searched)."""
    keys = classify.literals.literal_keys(pattern)
    for text in matches:
        assert re.fullmatch(pattern, text) or re.search(pattern, text), (pattern, text)
        assert keys is None or any(key in text for key in keys), (pattern, text, keys)


def test_literal_keys_are_found_where_the_syntax_allows() -> None:
    """The scanner is not vacuous: plain words, required groups and alternations give keys."""
    assert classify.literals.literal_keys(r"cancell?ed") == frozenset({"cancel"})
    assert classify.literals.literal_keys(r"(?:declined|refused) by (?:the )?bank") == frozenset(
        {"declined", "refused"}
    )
    assert classify.literals.literal_keys(r"\bcard was declined\b") == frozenset({"card was declined"})
    assert classify.literals.literal_keys(r"foo|b") is None


def test_ten_thousand_notes_and_hostile_inputs_classify_to_valid_results() -> None:
    """10,000 table-derived notes and long hostile inputs all return valid classifications (no time is measured)."""
    notes = [row[0] for row in TABLE]
    count = 0
    while count < 10_000:
        for note in notes:
            found = classify_note(f"{note} #{count}")
            assert found is None or found.failure_class in FAILURE_CLASSES
            count += 1
    hostile = [
        "<a" * 20_000,
        "<a" + "b" * 100_000,
        "<!--" * 20_000,
        "(tr_" + "a" * 100_000,
        "card " * 20_000,
        "Order status changed from " * 5_000,
        "payment " * 10_000 + "failed",
        "&#" * 20_000,
    ]
    for text in hostile:
        found = classify_note(text)
        assert found is None or found.failure_class in FAILURE_CLASSES
