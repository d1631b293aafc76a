"""The `[magento]` settings: what only a Magento 2 store needs (store.platform = "magento")."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import timedelta
from urllib.parse import urlsplit

from wcrecall.model.errors import ConfigError

PAY_LINK_FIELDS = ("increment_id", "entity_id")
# The order's `protect_code` is a secret of the order (it opens the order's pages to whoever holds it): never mailed.
SECRET_FIELDS = ("protect_code",)


@dataclass(frozen=True, kw_only=True)
class MagentoSettings:
    """What only a Magento store needs. Magento core has no page where a buyer pays an existing order, so the pay
    link is a choice: `template:<url>` (a payment extension's link to pay this order, with {increment_id} or
    {entity_id}), `reorder` (the storefront's guest order lookup, or the customer's order list: the buyer orders
    again, which makes a NEW order) or `none` (no link: the email asks the buyer to reply or write to the store's
    contact address). The order's `meta_data` carries the kind as `pay_link`, for the email's wording."""

    pay_link: str = "reorder"
    # Magento's "Pending Payment Order Lifetime" (sales/orders/delete_pending_after): REST cannot read it.
    pending_lifetime: timedelta = timedelta(minutes=480)

    @property
    def pay_link_kind(self) -> str:
        return "template" if self.pay_link.startswith("template:") else self.pay_link

    def check(self) -> None:
        if self.pay_link_kind not in ("template", "reorder", "none"):
            raise ConfigError(
                f'magento.pay_link: expected "reorder", "none" or "template:https://...", got {self.pay_link!r}'
            )
        if self.pay_link_kind == "template":
            url = self.pay_link.removeprefix("template:")
            if urlsplit(url).scheme != "https" or not urlsplit(url).hostname:
                raise ConfigError(f"magento.pay_link: the template must be an https:// address, got {url!r}")
            for name in re.findall(r"\{([^{}]*)\}", url):
                if name in SECRET_FIELDS:
                    raise ConfigError(
                        f"magento.pay_link: {{{name}}} is the order's secret and is never put in an email; "
                        f"use {' or '.join('{' + f + '}' for f in PAY_LINK_FIELDS)}"
                    )
                if name not in PAY_LINK_FIELDS:
                    raise ConfigError(
                        f"magento.pay_link: unknown field {{{name}}} (known: {', '.join(PAY_LINK_FIELDS)})"
                    )
        if self.pending_lifetime < timedelta(minutes=15):
            raise ConfigError("magento.pending_lifetime: must be at least 15m (Magento's default is 480m)")
