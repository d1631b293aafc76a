"""`wcrecall doctor` for a Magento 2 store (store.platform = "magento"): the REST API and the integration's two
resources, the pending-payment lifetime, the payment methods recent orders used and which pay-link kinds fit them,
and the clock.

The comment permission is tested without writing: a comment is posted to an order id no store reaches. Magento
checks the integration's resources before it looks for the order, so an integration without Magento_Sales::comment
gets 401 and one with it 404; no comment is written either way. (Reading a real order's comments proves nothing:
the read-only integration may read them.)
"""

from __future__ import annotations

from collections import Counter
from datetime import datetime, timedelta
from typing import Any

from wcrecall.config.settings import Settings
from wcrecall.i18n import _
from wcrecall.model.durations import format_duration
from wcrecall.model.errors import StoreAuthError, StoreError, StoreNotFound
from wcrecall.plan.decide import MIN_TIME_TO_PAY, first_pending_delay
from wcrecall.setup.checks import FAIL, OK, WARN, Check, check_clock
from wcrecall.store.magento.client import MagentoStore, magento_time, search
from wcrecall.store.magento.shape import OFFLINE_METHODS

# Payment methods by the pay-link kinds that fit them. A redirect or card payment that did not finish can be retried
# through a link the payment extension makes (template) or by ordering again (reorder); `none` (a contact line) fits
# any of them. An offline method's pending order is not reminded at all (store/magento/shape.py `loop_status`).
TEMPLATE_PREFIXES = ("mollie_",)  # Mollie for Magento makes a second-chance payment link per order
RECENT = timedelta(days=30)


def link_kinds(method: str) -> str:
    """The pay-link kinds that fit orders paid (or not) with `method`."""
    if method in OFFLINE_METHODS:
        return _("not reminded (the buyer pays by transfer, cheque or on delivery)")
    if method.startswith(TEMPLATE_PREFIXES):
        return "template, reorder, none"
    return "reorder, none"


def check_lifetime(lifetime: timedelta, first_pending: timedelta | None) -> Check:
    """The pending-payment lifetime against the first pending reminder (as the tick schedules it: halfway to the
    cancel at the latest)."""
    name = "pending lifetime"
    minutes = int(lifetime.total_seconds() // 60)
    source = _("magento.pending_lifetime (REST cannot read the store's own setting)")
    if first_pending is None:
        return Check(name, OK, _("pending orders are not recalled (recall.statuses)"))
    if lifetime <= first_pending:
        return Check(
            name,
            FAIL,
            _("Magento cancels pending_payment orders after {minutes} min, before the first reminder ({first})").format(
                minutes=minutes, first=format_duration(first_pending)
            ),
            _("set recall.delays.pending to start well below {minutes}m").format(minutes=minutes),
        )
    sent_at = first_pending_delay(first_pending, minutes)
    left = int((lifetime - sent_at).total_seconds() // 60)
    message = _(
        "{minutes} min, from {source}; the first reminder goes at {first}, {left} min before Magento cancels the order"
    ).format(minutes=minutes, source=source, first=format_duration(sent_at), left=left)
    fix = _(
        "make magento.pending_lifetime match Stores > Configuration > Sales > Sales > Orders Cron Settings > "
        "Pending Payment Order Lifetime (minutes)"
    )
    if lifetime - sent_at < MIN_TIME_TO_PAY:
        return Check(name, WARN, message, fix)
    return Check(name, OK, message, fix)


def check_methods(methods: Counter[str], pay_link_kind: str) -> Check:
    """Which payment methods recent orders used, which pay-link kinds fit them, and whether magento.pay_link does."""
    name = "pay link"
    if not methods:
        return Check(name, OK, _("no orders in the last 30 days; magento.pay_link = {kind}").format(kind=pay_link_kind))
    listed = _("; ").join(
        _("{method} ({n}): {kinds}").format(method=m, n=n, kinds=link_kinds(m)) for m, n in methods.most_common(8)
    )
    misfits = [m for m in methods if m not in OFFLINE_METHODS and pay_link_kind not in link_kinds(m)]
    message = _("recent orders used: {listed}; magento.pay_link = {kind}").format(listed=listed, kind=pay_link_kind)
    if misfits:
        return Check(
            name,
            WARN,
            message,
            _("set magento.pay_link to a kind that fits {methods} (see the README's Magento section)").format(
                methods=", ".join(sorted(misfits))
            ),
        )
    return Check(name, OK, message)


def magento_store_checks(settings: Settings, now: datetime, store: Any = None) -> list[Check]:
    """The store's part of the doctor report for a Magento store."""
    store = store or MagentoStore(settings.store, settings.magento, max_attempts=2, max_retry_time=10.0)
    url = settings.store.url
    checks: list[Check] = []
    with store.session():
        since = magento_time(now - RECENT)
        params = search([("created_at", "gteq", since)], [("entity_id", "DESC")], 100, 1)
        params["fields"] = "items[entity_id,payment[method]],total_count"
        try:
            page = store.orders_page(params, 1)
        except StoreAuthError as exc:
            checks.append(Check("store reachable", OK, _("{url} answered").format(url=url)))
            checks.append(Check("read orders", FAIL, exc.problem, exc.fix))
            return checks
        except StoreNotFound:
            checks.append(Check(
                "Magento REST", FAIL, _("no Magento REST API at {api}").format(api=url.rstrip("/") + "/rest/V1"),
                _("set store.url to the shop's base URL (the storefront's address)"),
            ))  # fmt: skip
            return checks
        except StoreError as exc:
            checks.append(Check("store reachable", FAIL, str(exc), _("check store.url and that the shop is online")))
            return checks
        checks.append(Check("store reachable", OK, _("{url} answered; Magento REST API found").format(url=url)))
        checks.append(Check("read orders", OK, _("the integration can read orders (Magento_Sales::actions_view)")))
        try:
            writable = store.probe_write()
        except StoreError as exc:
            checks.append(Check("write comments", WARN, _("could not be tested: {error}").format(error=exc)))
        else:
            if writable:
                checks.append(Check("write comments", OK, _(
                    "the integration can add order comments (Magento_Sales::comment; tested without writing)"
                )))  # fmt: skip
            else:
                checks.append(Check(
                    "write comments", FAIL,
                    _("the integration may not add order comments: wcrecall would send no email"),
                    _("give the integration the resource Sales > Operations > Orders > Actions > Comment "
                      "(Magento_Sales::comment) and activate it again"),
                ))  # fmt: skip
        delays = settings.recall.delays.get("pending") if "pending" in settings.recall.statuses else None
        checks.append(check_lifetime(settings.magento.pending_lifetime, delays[0] if delays else None))
        methods = Counter(str(o.get("payment_method") or "") for o in page.orders if isinstance(o, dict))
        methods.pop("", None)
        checks.append(check_methods(methods, settings.magento.pay_link_kind))
        checks.append(check_clock(now, page.date))
    return checks
