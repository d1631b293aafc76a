"""The store's front-end pages a recovery email links to: the order-pay page and the order-received page.

Messages and checks follow `includes/shortcodes/class-wc-shortcode-checkout.php::order_pay()` (domain.md §1):
invalid key, registered customer logged out (login form), status that needs no payment, guest email verification
(`templates/checkout/form-verify-email.php`; from 8.0 only after the 10-minute grace period,
`src/Internal/Utilities/Users.php`, see versions.py). Everything taken from the order is HTML-escaped: order fields
are hostile (fixtures README).
"""

from __future__ import annotations

import re
from html import escape
from typing import TYPE_CHECKING

from wcrecall.sandbox import catalog, versions, views
from wcrecall.sandbox.oauth import PhpParams, php_parse_str
from wcrecall.sandbox.wire import Request, Response

if TYPE_CHECKING:
    from wcrecall.sandbox.records import Order
    from wcrecall.sandbox.store import Store

HTML_TYPE = "text/html; charset=UTF-8"
# woocommerce_order_email_verification_grace_period: 10 minutes after the order was created.
VERIFY_GRACE_SECONDS = 10 * 60
_PAY_RE = re.compile(r"^/checkout/order-pay/(\d+)/?$")
_RECEIVED_RE = re.compile(r"^/checkout/order-received/(\d+)/?$")


def handle(store: Store, request: Request, path: str, query: PhpParams) -> Response:
    """Answer a non-REST request: the pay page, the order-received page, or WordPress's 404 page."""
    pay = _PAY_RE.match(path)
    if pay and request.method in ("GET", "HEAD", "POST"):
        form = php_parse_str(request.body.decode("utf-8", "replace")) if request.method == "POST" else {}
        with store.lock:
            store.run_cron()
            return _pay_page(store, request, int(pay.group(1)), query, form)
    received = _RECEIVED_RE.match(path)
    if received and request.method in ("GET", "HEAD"):
        with store.lock:
            return _received_page(store, int(received.group(1)), query)
    if path in ("", "/") and request.method in ("GET", "HEAD"):
        return _page(200, "Sandbox Store", "<p>Welcome to the sandbox store.</p>", "/")
    return _page(404, "Page not found", "<h1>Oops! That page can&rsquo;t be found.</h1>", "(page)")


def _pay_page(store: Store, request: Request, order_id: int, query: PhpParams, form: PhpParams) -> Response:
    route = "/checkout/order-pay/{id}/"
    order = store.order(order_id)
    key = query.get("key")
    if "pay_for_order" not in query or order is None or not isinstance(key, str) or key != order.order_key:
        return _notice(route, "woocommerce-error", "Sorry, this order is invalid and cannot be paid for.")
    verified = query.get("verified") == "1" or form.get("verified") == "1"
    if order.customer_id and not verified:
        # A registered customer's order, visitor logged out: `current_user_can( 'pay_for_order' )` fails.
        action = escape(_pay_url(store, order))
        body = (
            '<div class="woocommerce-info">Please log in to your account below to continue to the payment form.</div>'
            f'<form class="woocommerce-form woocommerce-form-login login" method="post" action="{action}">'
            '<p><label for="username">Username or email address</label>'
            '<input type="text" name="username" id="username"></p>'
            '<p><label for="password">Password</label><input type="password" name="password" id="password"></p>'
            '<p><button type="submit" name="login" value="Log in">Log in</button></p></form>'
        )
        return _page(200, "Pay for order", body, route)
    if order.status not in catalog.PAYABLE_STATUSES or order.total <= 0:
        # needs_payment() is checked before the email (order_pay() in 7.8.2 and 9.9.5 alike).
        label = catalog.STATUS_LABELS.get(order.status, order.status)
        message = (
            f"This order&rsquo;s status is &ldquo;{escape(label)}&rdquo;&mdash;it cannot be paid for. "
            "Please contact us if you need assistance."
        )
        return _notice(route, "woocommerce-error", message)
    emailed = form.get("email")
    if isinstance(emailed, str) and not verified:
        # sanitize_email( $_POST['email'] ) === $order->get_billing_email(): case counts (seen on 7.8.2 and 9.9.5).
        verified = emailed.strip() == order.billing_dict()["email"]
        if not verified:
            message = "We were unable to verify the email address you provided. Please try again."
            return _verify_page(store, order, route, f'<div class="woocommerce-error">{message}</div>')
    if not verified and _must_verify_email(store, order):
        return _verify_page(store, order, route, "")
    if request.method == "POST" and form.get("woocommerce_pay") == "1":
        store.pay(order.id, transaction_id=f"sandbox_{order.order_key[-8:]}")
        location = f"{store.home_url}/checkout/order-received/{order.id}/?key={order.order_key}"
        return Response(302, b"", [("Location", location)], HTML_TYPE, route)
    return _page(200, "Pay for order", _pay_form(store, order), route)


def _must_verify_email(store: Store, order: Order) -> bool:
    """Whether a visitor not known to be the buyer must confirm a guest order's billing email first.

    Never for an order without one; from 8.0 not within VERIFY_GRACE_SECONDS of the order's creation (`<=`, as
    Users::should_user_verify_order_email()); 7.8.2 always asks (its guest_should_verify_email())."""
    if order.customer_id or not order.billing_dict()["email"]:
        return False
    if not versions.at_least(store.wc_version, versions.VERIFY_EMAIL_GRACE):
        return True
    return store.clock.timestamp() - order.created > VERIFY_GRACE_SECONDS


def _pay_url(store: Store, order: Order) -> str:
    return f"{store.home_url}/checkout/order-pay/{order.id}/?pay_for_order=true&key={order.order_key}"


def _verify_page(store: Store, order: Order, route: str, error: str) -> Response:
    body = (
        f'{error}<form name="checkout" method="post" action="{escape(_pay_url(store, order))}">'
        "<p>To view this page, you must either login or verify the email address associated with the order.</p>"
        '<p><label for="email">Email address</label><input type="email" name="email" id="email" required></p>'
        '<p><button type="submit" name="verify" value="1">Verify</button></p></form>'
    )
    return _page(200, "Pay for order", body, route)


def _pay_form(store: Store, order: Order) -> str:
    symbol = escape(catalog.CURRENCY_SYMBOLS.get(order.currency, order.currency))
    rows = "".join(
        f"<tr><td>{escape(item.name)} <strong>&times;&nbsp;{item.quantity}</strong></td>"
        f"<td>{symbol}{views.money(item.total)}</td></tr>"
        for item in order.items
    )
    gateways = [g for g in store.gateways() if g["enabled"]]
    methods = "".join(
        f'<li><input type="radio" name="payment_method" value="{escape(g["id"])}"'
        f"{' checked' if g['id'] == order.payment_method else ''}> {escape(g['title'])}</li>"
        for g in gateways
    )
    return (
        f'<form id="order_review" method="post" action="{escape(_pay_url(store, order))}">'
        f'<table class="shop_table"><thead><tr><th>Product</th><th>Total</th></tr></thead><tbody>{rows}</tbody>'
        f"<tfoot><tr><th>Order total:</th><td>{symbol}{views.money(order.total)}</td></tr></tfoot></table>"
        f'<ul class="wc_payment_methods">{methods}</ul><input type="hidden" name="woocommerce_pay" value="1">'
        '<input type="hidden" name="verified" value="1">'
        '<button type="submit" class="button alt" id="place_order" value="Pay for order" '
        'data-value="Pay for order">Pay for order</button></form>'
    )


def _received_page(store: Store, order_id: int, query: PhpParams) -> Response:
    route = "/checkout/order-received/{id}/"
    order = store.order(order_id)
    if order is None or query.get("key") != order.order_key:
        return _notice(route, "woocommerce-error", "Sorry, this order is invalid and cannot be paid for.")
    symbol = escape(catalog.CURRENCY_SYMBOLS.get(order.currency, order.currency))
    body = (
        '<p class="woocommerce-notice woocommerce-notice--success">Thank you. Your order has been received.</p>'
        f"<ul><li>Order number: <strong>{order.id}</strong></li>"
        f"<li>Total: <strong>{symbol}{views.money(order.total)}</strong></li>"
        f"<li>Payment method: <strong>{escape(order.payment_method_title)}</strong></li></ul>"
    )
    return _page(200, "Order received", body, route)


def _notice(route: str, css: str, message: str) -> Response:
    return _page(200, "Pay for order", f'<div class="{css}" role="alert">{message}</div>', route)


def _page(status: int, title: str, content: str, route: str) -> Response:
    html = (
        '<!DOCTYPE html>\n<html lang="en-US">\n<head>\n<meta charset="UTF-8">\n'
        f"<title>{escape(title)} &#8211; Sandbox Store</title>\n</head>\n"
        f'<body class="woocommerce-page">\n<main id="main"><h1 class="entry-title">{escape(title)}</h1>\n'
        f'<div class="woocommerce">{content}</div></main>\n</body>\n</html>\n'
    )
    headers = [("X-Powered-By", "PHP/8.2.36"), ("Content-Type", HTML_TYPE)]
    return Response(status, html.encode("utf-8"), headers, HTML_TYPE, route)
