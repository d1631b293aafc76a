"""What the simulated WooCommerce version changes: each behaviour the sandbox shows on some versions only, with
the release that brought it.

Two versions are checked against real stores: 7.8.2 (the default: the captures in fixtures/woocommerce-7.8.2, and
the pay page in tests/realstore/test_contract_paypage.py) and 9.9.5 (tests/realstore/test_contract*.py). Versions in
between follow the releases named here.
"""

from __future__ import annotations

# The pay page's 10-minute grace period before a guest must verify the order's email
# (class-wc-shortcode-checkout.php from 8.0.0, src/Internal/Utilities/Users.php from 8.6.0; 7.8.2 always asks).
VERIFY_EMAIL_GRACE = (8, 0)
# WooCommerce > Settings > Site visibility, the `site-visibility` settings group ("Launch Your Store", PR #48244).
SITE_VISIBILITY_SETTINGS = (9, 1)
# The customer "Failed order" email and its `email_customer_failed_order` settings group (PR #51778).
CUSTOMER_FAILED_EMAIL = (9, 5)
# `X-WP-Total` / `X-WP-TotalPages` on GET /payment_gateways (WC_REST_Payment_Gateways_V2_Controller, PR #55978).
GATEWAYS_TOTAL_HEADERS = (9, 8)

# The customer invoice email is titled "Order details" (PR #45395).
ORDER_DETAILS_EMAIL_TITLE = (8, 8)
# `email_templates` among each order's `_links` (GET orders/{id}/actions/email_templates, PR #54597).
ORDER_EMAIL_TEMPLATES_LINK = (9, 8)
# The WordPress the sandbox plays: 6.1.9 under 7.8.2, as the captures; 6.8.3 (what the real-store tests run; 9.9.5
# needs 6.7 or later) from WooCommerce 9.0. WordPress 6.7 adds `targetHints` (the allowed methods) to `self` links.
WORDPRESS_6_8 = (9, 0)

# Settings groups that a store has only from some version on.
SETTINGS_GROUPS_SINCE = {
    "site-visibility": SITE_VISIBILITY_SETTINGS,
    "email_customer_failed_order": CUSTOMER_FAILED_EMAIL,
}


def parse(version: str) -> tuple[int, ...]:
    """The numeric parts of `version`: "9.9.5" is (9, 9, 5); a part that is not a number ends it."""
    parts: list[int] = []
    for part in version.split("."):
        if not part.isdigit():
            break
        parts.append(int(part))
    return tuple(parts)


def at_least(version: str, since: tuple[int, ...]) -> bool:
    """Whether a store of `version` has the behaviour that came with `since`."""
    return parse(version) >= since


def wordpress(wc_version: str) -> str:
    """The WordPress version a sandbox playing WooCommerce `wc_version` reports (see WORDPRESS_6_8)."""
    return "6.8.3" if at_least(wc_version, WORDPRESS_6_8) else "6.1.9"
