"""Magento 2 orders and comments in the shape the loop reads (the order and note shape of model/order.py and
recall/notes.py), so the planner, state, render and mail parts work unchanged; `parse_order` stays the one check of
what a store sends.

The status map (fixtures magento-2.4.7-p3 README, "Who gets reminders"):
- `pending_payment` (a redirect or asynchronous payment the buyer did not finish) -> `pending`, from checkout: Magento
  cancels it after the pending-payment lifetime, which the loop treats like WooCommerce's hold stock;
- `pending` (authorise-later gateways) -> `pending`, with no deadline; but `pending` with an offline method (bank
  transfer, cheque, cash on delivery, purchase order: OFFLINE_METHODS) -> `on-hold`, never mailed: nothing failed,
  the order awaits the buyer's own transfer or the delivery (WooCommerce puts such orders on hold), and ordering
  again would only make a second order to pay;
- `canceled` -> `failed` only when a comment or the payment's additional information shows a failed payment
  (the classifier's evidence), else `cancelled`: by status alone it cannot be told from the merchant's own cancel;
  an offline method has no payment that could have failed, so its cancel is always `cancelled`;
- `payment_review`, `fraud`, `holded` -> `on-hold` (never mailed); `processing`, `complete` -> paid; `closed` ->
  refunded; anything else keeps its own name (never mailed).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any
from urllib.parse import quote

from wcrecall.config.magento import PAY_LINK_FIELDS, MagentoSettings
from wcrecall.plan.classify import Note, classify_order

STATUS_MAP = {
    "pending_payment": "pending",
    "pending": "pending",
    "payment_review": "on-hold",
    "fraud": "on-hold",
    "holded": "on-hold",
    "processing": "processing",
    "complete": "completed",
    "closed": "refunded",
}
# Payment methods the buyer pays outside the store (transfer, cheque, on delivery, purchase order) or not at all:
# their `pending` orders are never reminded (`loop_status`), and doctor says so (setup/magento_checks.py).
OFFLINE_METHODS = frozenset({"checkmo", "banktransfer", "cashondelivery", "purchaseorder", "free"})

# `created_via` of the loop's order: a checkout order is one the store cancels after a while (plan/planner.py
# `holds_stock`); Magento does that to `pending_payment` only (cron sales_clean_orders).
CREATED_VIA = {"pending_payment": "checkout"}

# What the sync reads of each changed order (`fields=`: 15 KB -> under 1 KB an order); the comments for the
# evidence of a failed payment behind a cancel.
SYNC_FIELDS = (
    "entity_id,increment_id,state,status,order_currency_code,grand_total,customer_id,customer_is_guest,"
    "customer_email,customer_firstname,customer_lastname,billing_address[email,firstname,lastname,country_id,"
    "region_code],payment[method,additional_information],created_at,updated_at,remote_ip,quote_id,"
    "status_histories[comment,created_at]"
)


def gmt(value: Any) -> Any:
    """Magento's UTC `YYYY-MM-DD HH:MM:SS` as the loop's naive ISO form; anything else as it came (parse_order
    judges it)."""
    return value.replace(" ", "T", 1) if isinstance(value, str) else value


def _dict(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _texts(value: Any) -> list[str]:
    return [str(v) for v in value if isinstance(v, (str, int, float))] if isinstance(value, list) else []


def evidence_notes(raw: dict[str, Any]) -> list[Note]:
    """What the payment extensions wrote about the order: its comments (newest first) and the payment's additional
    information, as notes the classifier reads."""
    notes = [
        Note(text=str(c["comment"]), author="system")
        for c in raw.get("status_histories") or []
        if isinstance(c, dict) and isinstance(c.get("comment"), str)
    ]
    extra = _texts(_dict(raw.get("payment")).get("additional_information"))
    if extra:
        notes.append(Note(text=" ".join(extra), author="system"))
    return notes


def loop_status(raw: dict[str, Any]) -> str:
    status = str(raw.get("status") or "")
    method = str(_dict(raw.get("payment")).get("method") or "")
    if method in OFFLINE_METHODS and status in ("pending", "canceled"):
        return "on-hold" if status == "pending" else "cancelled"
    if status == "canceled":
        verdict = classify_order(status="failed", payment_method=method, notes=evidence_notes(raw))
        failed = verdict.note_index is not None and verdict.failure_class != "abandoned"
        return "failed" if failed else "cancelled"
    return STATUS_MAP.get(status, status)


def pay_url(raw: dict[str, Any], store_url: str, magento: MagentoSettings) -> str:
    """The order's pay link by `magento.pay_link`: the template filled in (each value URL-encoded), the storefront's
    page to order again (guests: the order lookup form; customers: their order list), or none."""
    kind = magento.pay_link_kind
    base = store_url.rstrip("/")
    if kind == "template":
        values = {k: quote(str(raw.get(k) or ""), safe="") for k in PAY_LINK_FIELDS}
        return magento.pay_link.removeprefix("template:").format(**values)
    if kind == "reorder":
        guest = raw.get("customer_is_guest") in (1, True, "1") or not raw.get("customer_id")
        return f"{base}/sales/guest/form/" if guest else f"{base}/sales/order/history/"
    return ""


def to_order(raw: Any, *, store_url: str, magento: MagentoSettings) -> Any:
    """One Magento order as the loop's order object; what is not an object is passed on for parse_order to refuse."""
    if not isinstance(raw, dict):
        return raw
    billing = _dict(raw.get("billing_address"))
    payment = _dict(raw.get("payment"))
    extra = _texts(payment.get("additional_information"))
    status = str(raw.get("status") or "")
    mapped = loop_status(raw)
    items = [
        {"name": i.get("name"), "quantity": i.get("qty_ordered"), "total": i.get("row_total", 0)}
        for i in raw.get("items") or []
        if isinstance(i, dict) and not i.get("parent_item_id")
    ]
    shaped: dict[str, Any] = {
        "id": raw.get("entity_id"),
        "number": raw.get("increment_id"),
        "status": mapped,
        "currency": raw.get("order_currency_code"),
        "total": raw.get("grand_total"),
        "customer_id": raw.get("customer_id") or 0,
        "billing": {
            "email": raw.get("customer_email") or billing.get("email"),
            "first_name": billing.get("firstname") or raw.get("customer_firstname"),
            "last_name": billing.get("lastname") or raw.get("customer_lastname"),
            "country": billing.get("country_id"),
            "state": billing.get("region_code"),
        },
        "payment_method": payment.get("method"),
        "payment_method_title": extra[0] if extra else payment.get("method"),
        "created_via": CREATED_VIA.get(status, "magento"),
        "cart_hash": str(raw.get("quote_id") or ""),
        "customer_ip_address": raw.get("remote_ip"),
        "date_created_gmt": gmt(raw.get("created_at")),
        "date_modified_gmt": gmt(raw.get("updated_at")),
        "date_paid_gmt": None,
        # Unpaid: Magento keeps total_due after a cancel, so the status decides (a cancel after a failed payment can
        # still be paid by ordering again or through the payment extension's link).
        "needs_payment": mapped in ("pending", "failed"),
        "payment_url": pay_url(raw, store_url, magento),
        "line_items": items,
        "meta_data": [{"key": "magento_status", "value": status}, {"key": "pay_link", "value": magento.pay_link_kind}],
    }
    return shaped


def to_notes(comments: Iterable[Any]) -> list[dict[str, Any]]:
    """Magento's comments (oldest first) as the loop's notes (newest first). `customer_note` is true for a comment
    that was mailed to the buyer or shown in their account."""
    notes = []
    for c in comments:
        if not isinstance(c, dict) or not isinstance(c.get("comment"), str):
            continue
        shown = bool(c.get("is_customer_notified")) or bool(c.get("is_visible_on_front"))
        notes.append(
            {
                "id": c.get("entity_id"),
                "note": c["comment"],
                "date_created_gmt": gmt(c.get("created_at")),
                "author": "system",
                "customer_note": shown,
            }
        )
    return notes[::-1]
