"""Static facts of the sandbox store: statuses, currencies, products, gateways and settings definitions.

Labels, descriptions and shapes are copied from the captures in fixtures/woocommerce-7.8.2 (`payment_gateways_*`,
`settings_*`) or from WooCommerce core where no capture exists (file named beside each).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any

# wc_get_order_statuses() (includes/wc-order-functions.php); the labels are used in transition notes.
STATUS_LABELS = {
    "pending": "Pending payment",
    "processing": "Processing",
    "on-hold": "On hold",
    "completed": "Completed",
    "cancelled": "Cancelled",
    "refunded": "Refunded",
    "failed": "Failed",
    "checkout-draft": "Draft",
    "trash": "Trash",
    "auto-draft": "Draft",
}
# The `status` enum of GET /orders, in the order of the captured error message (err_400_bad_status_*).
LIST_STATUS_ENUM = (
    "any", "trash", "auto-draft", "pending", "processing", "on-hold", "completed", "cancelled", "refunded", "failed",
    "checkout-draft",
)  # fmt: skip
# WP_Query `post_status=any` leaves out statuses registered with exclude_from_search.
HIDDEN_FROM_ANY = frozenset({"trash", "auto-draft"})
# `woocommerce_valid_order_statuses_for_payment` (class-wc-order.php::needs_payment).
PAYABLE_STATUSES = frozenset({"pending", "failed"})
# WC_Order::is_editable(): `pending`, `on-hold`, `auto-draft`.
EDITABLE_STATUSES = frozenset({"pending", "on-hold", "auto-draft"})
# wc_maybe_reduce_stock_levels / wc_maybe_increase_stock_levels hooks (includes/wc-stock-functions.php).
STOCK_REDUCING_STATUSES = frozenset({"processing", "completed", "on-hold"})
STOCK_RESTORING_STATUSES = frozenset({"cancelled", "pending"})
# wc_cancel_unpaid_orders(): `checkout` (and `store-api` since 10.6.0, includes/wc-order-functions.php).
AUTO_CANCEL_CREATED_VIA = frozenset({"checkout", "store-api"})

# get_woocommerce_currency_symbol(), html-decoded as the REST `currency_symbol` field is.
CURRENCY_SYMBOLS = {
    "USD": "$", "EUR": "€", "GBP": "£", "JPY": "¥", "BRL": "R$", "CAD": "$", "AUD": "$", "NZD": "$", "MXN": "$",
    "CHF": "CHF", "CNY": "¥", "INR": "₹", "SEK": "kr", "NOK": "kr", "DKK": "kr.", "PLN": "zł", "ZAR": "R",
    "KRW": "₩", "CZK": "Kč", "HUF": "Ft",
}  # fmt: skip

# The same symbols as get_woocommerce_currency_symbol() returns them, HTML entities (system_status settings).
CURRENCY_ENTITIES = {
    "USD": "&#36;", "EUR": "&euro;", "GBP": "&pound;", "JPY": "&yen;", "BRL": "&#082;&#036;", "CAD": "&#36;",
    "AUD": "&#36;", "CHF": "&#67;&#72;&#70;", "INR": "&#8377;",
}  # fmt: skip

DEFAULT_USER_AGENT = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/119.0 Safari/537.36"


@dataclass(slots=True)
class Product:
    """A simple product of the sandbox catalogue; price in minor units (cents) of the store currency."""

    id: int
    name: str
    sku: str
    price: int
    stock: int


def default_products() -> dict[int, Product]:
    """Products 10-12 of the captured store (SEEDED-DATA.txt), and 5-9 for demos (post ids below the orders')."""
    products = [
        Product(10, "Merino Wool Beanie", "BEANIE-MER-01", 2500, 240),
        # 186 in stock when order 15 was paid (order_notes_after_status_change_*: "186&rarr;185").
        Product(11, "Ceramic Pour-Over Set", "POUR-CER-02", 4850, 186),
        Product(12, "Leather Card Wallet", "WALLET-LTH-03", 3500, 95),
        Product(5, "Linen Apron", "APRON-LIN-04", 3200, 60),
        Product(6, 'Cast Iron Skillet 10"', "SKILLET-CI-05", 5900, 40),
        Product(7, "Stoneware Mug Set", "MUG-STN-06", 4200, 75),
        Product(8, "Beeswax Candle Trio", "CANDLE-BW-07", 1450, 120),
        Product(9, "Organic Cotton Tote", "TOTE-ORG-08", 1800, 200),
    ]
    return {product.id: product for product in products}


# payment_gateways_oauth_http.http holds bacs, cheque and cod; the others follow the same shape with the titles the
# gateways register (their plugin's main gateway class).
GATEWAY_TITLES = {
    "bacs": ("Direct bank transfer", "Direct bank transfer"),
    "cheque": ("Check payments", "Check payments"),
    "cod": ("Cash on delivery", "Cash on delivery"),
    "stripe": ("Credit Card (Stripe)", "Stripe"),
    "woocommerce_payments": ("Credit card / debit card", "WooPayments"),
    "ppcp-gateway": ("PayPal", "PayPal"),
    "square_credit_card": ("Credit card (Square)", "Square"),
    "mollie_wc_gateway_ideal": ("iDEAL", "Mollie - iDEAL"),
    "mollie_wc_gateway_creditcard": ("Credit card", "Mollie - Credit card"),
}


def gateway_record(gateway_id: str, *, enabled: bool, title: str | None = None) -> dict[str, Any]:
    """One payment gateway as GET /payment_gateways shows it (without `_links`)."""
    captured = {g["id"]: g for g in _captured_gateways()}
    if gateway_id in captured:
        record: dict[str, Any] = json.loads(json.dumps(captured[gateway_id]))
    else:
        default_title, method_title = GATEWAY_TITLES.get(gateway_id, (gateway_id, gateway_id))
        record = {
            "id": gateway_id,
            "title": default_title,
            "description": "",
            "order": "",
            "enabled": enabled,
            "method_title": method_title,
            "method_description": "",
            "method_supports": ["products", "refunds"],
            "settings": {
                "title": {
                    "id": "title", "label": "Title", "description": "This controls the title which the user sees "
                    "during checkout.", "type": "safe_text", "value": default_title, "default": default_title,
                    "tip": "This controls the title which the user sees during checkout.", "placeholder": "",
                },
            },
            "needs_setup": False,
            "post_install_scripts": [],
            "settings_url": f"%HOME%/wp-admin/admin.php?page=wc-settings&tab=checkout&section={gateway_id}",
            "connection_url": None,
            "setup_help_text": None,
            "required_settings_keys": [],
        }  # fmt: skip
    record["enabled"] = enabled
    if title is not None:
        record["title"] = title
        record["settings"]["title"]["value"] = title
    return record


def gateway_title(gateway_id: str) -> str:
    """The checkout title WooCommerce copies into an order's `payment_method_title`."""
    return GATEWAY_TITLES.get(gateway_id, (gateway_id, gateway_id))[0]


@cache
def _captured_gateways() -> list[dict[str, Any]]:
    bacs_cheque_settings = {
        "instructions": _setting_def("instructions", "Instructions", "Instructions that will be added to the thank "
                                     "you page and emails.", "textarea", ""),
    }  # fmt: skip
    records = []
    for gid, description, method_description in (
        ("bacs", ("Make your payment directly into our bank account. Please use your Order ID as the payment "
         "reference. Your order will not be shipped until the funds have cleared in our account."),
         "Take payments in person via BACS. More commonly known as direct bank/wire transfer."),
        ("cheque", ("Please send a check to Store Name, Store Street, Store Town, Store State / County, Store "
         "Postcode."), ("Take payments in person via checks. This offline gateway can also be useful to test "
         "purchases.")),
        ("cod", "Pay with cash upon delivery.", ("Have your customers pay with cash (or by other means) upon "
         "delivery.")),
    ):  # fmt: skip
        title = GATEWAY_TITLES[gid][0]
        title_tip = (
            "Payment method description that the customer will see on your checkout."
            if gid == "cod"
            else "This controls the title which the user sees during checkout."
        )
        settings: dict[str, Any] = {"title": _setting_def("title", "Title", title_tip, "safe_text", title)}
        if gid == "cod":
            settings["instructions"] = _setting_def(
                "instructions", "Instructions", "Instructions that will be added to the thank you page.",
                "textarea", "Pay with cash upon delivery.",
            )  # fmt: skip
            settings["enable_for_methods"] = dict(
                _setting_def("enable_for_methods", "Enable for shipping methods", "If COD is only available for "
                             "certain methods, set it up here. Leave blank to enable for all methods.",
                             "multiselect", ""),
                options={
                    "Flat rate": {"flat_rate": "Any &quot;Flat rate&quot; method"},
                    "Free shipping": {"free_shipping": "Any &quot;Free shipping&quot; method"},
                    "Local pickup": {"local_pickup": "Any &quot;Local pickup&quot; method"},
                },
            )  # fmt: skip
            enable_virtual = _setting_def("enable_for_virtual", "Accept COD if the order is virtual", "",
                                          "checkbox", "yes")  # fmt: skip
            settings["enable_for_virtual"] = enable_virtual
        else:
            settings.update(bacs_cheque_settings)
        records.append(
            {
                "id": gid, "title": title, "description": description, "order": "", "enabled": True,
                "method_title": title, "method_description": method_description, "method_supports": ["products"],
                "settings": settings, "needs_setup": False, "post_install_scripts": [],
                "settings_url": f"%HOME%/wp-admin/admin.php?page=wc-settings&tab=checkout&section={gid}",
                "connection_url": None, "setup_help_text": None, "required_settings_keys": [],
            }
        )  # fmt: skip
    return records


def _setting_def(sid: str, label: str, description: str, kind: str, value: str) -> dict[str, Any]:
    tip = description
    return {
        "id": sid, "label": label, "description": description, "type": kind, "value": value, "default": value,
        "tip": tip, "placeholder": "",
    }  # fmt: skip


# --- Settings ---------------------------------------------------------------------------------------------------------

_PLACEHOLDERS = (
    "Available placeholders: <code>{site_title}&lt;/code&gt;, &lt;code&gt;{site_address}&lt;/code&gt;, "
    "&lt;code&gt;{site_url}&lt;/code&gt;, &lt;code&gt;{order_date}&lt;/code&gt;, &lt;code&gt;{order_number}</code>"
)


# WC_Email's placeholders as 9.9.5 lists them ({store_email} added), for the groups modelled on 9.9.5.
_PLACEHOLDERS_STORE_EMAIL = _PLACEHOLDERS.replace(
    "&lt;code&gt;{order_date}", "&lt;code&gt;{store_email}&lt;/code&gt;, &lt;code&gt;{order_date}"
)


def _email_group(admin_email: bool, additional: str, placeholders: str = _PLACEHOLDERS) -> list[dict[str, Any]]:
    # settings_email_failed_order_oauth_http.http: enabled, recipient (admin emails only), subject, heading,
    # additional_content, email_type.
    items: list[dict[str, Any]] = [
        {
            "id": "enabled",
            "label": "Enable/Disable",
            "description": "",
            "type": "checkbox",
            "default": "yes",
            "value": "yes",
        },
    ]
    if admin_email:
        recipient = "Enter recipients (comma separated) for this email. Defaults to <code>admin@example.test</code>."
        items.append(
            {"id": "recipient", "label": "Recipient(s)", "description": recipient, "type": "text", "default": "",
             "tip": recipient, "value": ""}
        )  # fmt: skip
    items += [
        {"id": "subject", "label": "Subject", "description": placeholders, "type": "text", "default": "",
         "tip": placeholders, "value": ""},
        {"id": "heading", "label": "Email heading", "description": placeholders, "type": "text", "default": "",
         "tip": placeholders, "value": ""},
        {"id": "additional_content", "label": "Additional content",
         "description": "Text to appear below the main email content. " + placeholders, "type": "textarea",
         "default": additional, "tip": "Text to appear below the main email content. " + placeholders,
         "value": additional},
        {"id": "email_type", "label": "Email type", "description": "Choose which format of email to send.",
         "type": "select", "default": "html",
         "options": {"plain": "Plain text", "html": "HTML", "multipart": "Multipart"},
         "tip": "Choose which format of email to send.", "value": "html"},
    ]  # fmt: skip
    return items


_FAILED_ADDITIONAL = (
    'Hopefully they’ll be back. Read more about <a href="https://docs.woocommerce.com/document/managing-orders/">'
    "troubleshooting failed payments</a>."
)


@cache
def setting_definitions() -> dict[str, list[dict[str, Any]]]:
    """Setting definitions per group (no values): the keys and order of the captured responses."""
    general = json.loads(resources.files(__package__).joinpath("settings_general.json").read_text("utf-8"))
    hold_description = (
        "Hold stock (for unpaid orders) for x minutes. When this limit is reached, the pending order will be "
        "cancelled. Leave blank to disable."
    )
    return {
        "general": general,
        "products": [
            {"id": "woocommerce_manage_stock", "label": "Manage stock", "description": "Enable stock management",
             "type": "checkbox", "default": "yes", "value": "yes"},
            {"id": "woocommerce_hold_stock_minutes", "label": "Hold stock (minutes)", "description": hold_description,
             "type": "number", "default": "60", "value": "60"},
        ],
        "email_failed_order": _email_group(True, _FAILED_ADDITIONAL),
        "email_cancelled_order": _email_group(True, "Thanks for reading."),
        # Groups of later versions (versions.SETTINGS_GROUPS_SINCE). Site visibility's only setting is a React
        # placeholder (type slotfill_placeholder), which the REST controller leaves out: the group lists nothing.
        # email_customer_failed_order as a real 9.9.5 store lists it (the email_improvements feature off, as on the
        # store the real-store tests build): no default additional content.
        "email_customer_failed_order": _email_group(False, "", _PLACEHOLDERS_STORE_EMAIL),
        "site-visibility": [],
    }  # fmt: skip


# settings_groups_oauth_http.http, in the captured order.
SETTING_GROUPS: tuple[tuple[str, str, str, str], ...] = (
    ("wc_admin", "WooCommerce Admin", "Settings for WooCommerce admin reporting.", ""),
    ("general", "General", "", ""),
    ("products", "Products", "", ""),
    ("tax", "Tax", "", ""),
    ("shipping", "Shipping", "", ""),
    ("checkout", "Payments", "", ""),
    ("account", "Accounts &amp; Privacy", "", ""),
    ("email", "Emails", "", ""),
    ("integration", "Integration", "", ""),
    ("site-visibility", "Site visibility", "", ""),
    ("advanced", "Advanced", "", ""),
    ("email_new_order", "New order", "New order emails are sent to chosen recipient(s) when a new order is received.",
     "email"),
    ("email_cancelled_order", "Cancelled order", ("Cancelled order emails are sent to chosen recipient(s) when orders "
     "have been marked cancelled (if they were previously processing or on-hold)."), "email"),
    ("email_failed_order", "Failed order", ("Failed order emails are sent to chosen recipient(s) when orders have been "
     "marked failed (if they were previously pending or on-hold)."), "email"),
    ("email_customer_failed_order", "Failed order", ("Order failed emails are sent to customers when their orders are "
     "marked as failed."), "email"),
    ("email_customer_on_hold_order", "Order on-hold", ("This is an order notification sent to customers containing "
     "order details after an order is placed on-hold from Pending, Cancelled or Failed order status."), "email"),
    ("email_customer_processing_order", "Processing order", ("This is an order notification sent to customers "
     "containing order details after payment."), "email"),
    ("email_customer_completed_order", "Completed order", ("Order complete emails are sent to customers when their "
     "orders are marked completed and usually indicate that their orders have been shipped."), "email"),
    ("email_customer_refunded_order", "Refunded order", ("Order refunded emails are sent to customers when their "
     "orders are refunded."), "email"),
    ("email_customer_invoice", "Customer invoice / Order details", ("Customer invoice emails can be sent to customers "
     "containing their order information and payment links."), "email"),
    ("email_customer_note", "Customer note", "Customer note emails are sent when you add a note to an order.",
     "email"),
    ("email_customer_reset_password", "Reset password", ("Customer \"reset password\" emails are sent when customers "
     "reset their passwords."), "email"),
    ("email_customer_new_account", "New account", ("Customer \"new account\" emails are sent to the customer when a "
     "customer signs up via checkout or account pages."), "email"),
)  # fmt: skip


# The customer invoice email's group from 8.8 (versions.ORDER_DETAILS_EMAIL_TITLE), as 9.9.5 lists it.
ORDER_DETAILS_EMAIL = (
    "Order details",
    "Order detail emails can be sent to customers containing their order information and payment links.",
)


def default_setting_values() -> dict[str, dict[str, Any]]:
    """The values of the captured store (settings_*_oauth_http.http)."""
    return {group: {item["id"]: item["value"] for item in items} for group, items in setting_definitions().items()}


@cache
def wc_v3_index() -> dict[str, Any]:
    """The captured `GET /wp-json/wc/v3` namespace index (wp_json_index_wc_v3.http), `%HOME%` for the site URL."""
    text = resources.files(__package__).joinpath("wc_v3_index.json").read_text("utf-8")
    index: dict[str, Any] = json.loads(text)
    return index


_FIRST = ("Emma", "Liam", "Olivia", "Noah", "Ava", "Lucas", "Mia", "Mateo", "Sofia", "Hugo", "Yuki", "Priya")
_LAST = ("Johnson", "García", "Martin", "Rossi", "Novak", "Tanaka", "Silva", "Kowalski", "Dubois", "Larsen")


def default_buyer(seed_id: int) -> dict[str, str]:
    """A plausible guest buyer for order `seed_id` (example.com addresses only)."""
    first = _FIRST[seed_id % len(_FIRST)]
    last = _LAST[(seed_id // len(_FIRST)) % len(_LAST)]
    local = f"{first}.{last}".lower().replace("í", "i")
    return {
        "first_name": first, "last_name": last, "company": "", "address_1": f"{10 + seed_id % 90} Market Street",
        "address_2": "", "city": "Portland", "state": "OR", "postcode": "97205", "country": "US",
        "email": f"{local}.{seed_id}@example.com", "phone": f"+1 503 555 {seed_id % 10000:04d}",
    }  # fmt: skip
