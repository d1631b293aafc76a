"""REST JSON of the sandbox records, key for key and type for type as the captures in fixtures/woocommerce-7.8.2.

Orders follow `order_single_oauth_http.http` (WC_REST_Orders_V2_Controller::get_formatted_item_data), notes
`order_notes_list_oauth_http.http`, settings `settings_*_oauth_http.http`.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime, tzinfo
from typing import TYPE_CHECKING, Any

from wcrecall.sandbox import catalog

if TYPE_CHECKING:
    from wcrecall.sandbox.records import Note, Order

API = "/wp-json/wc/v3"


def php_json(data: Any) -> bytes:
    """`wp_json_encode()` output: compact, `\\uXXXX` for non-ASCII and `\\/` for slashes, like PHP's json_encode."""
    return json.dumps(data, ensure_ascii=True, separators=(",", ":")).replace("/", "\\/").encode("ascii")


def local_iso(stamp: int, tz: tzinfo) -> str:
    """`wc_rest_prepare_date_response()` of a site-time date: naive ISO 8601 in the store's time zone."""
    return datetime.fromtimestamp(stamp, tz).strftime("%Y-%m-%dT%H:%M:%S")


def gmt_iso(stamp: int) -> str:
    """A `*_gmt` date: naive ISO 8601 in UTC."""
    return datetime.fromtimestamp(stamp, UTC).strftime("%Y-%m-%dT%H:%M:%S")


def money(cents: int, dp: int = 2) -> str:
    """`wc_format_decimal( $value, $dp )`: money as a string with `dp` decimals ("220.50", also for JPY)."""
    if dp == 2:
        sign = "-" if cents < 0 else ""
        return f"{sign}{abs(cents) // 100}.{abs(cents) % 100:02d}"
    value = cents / 100
    return f"{value:.{dp}f}" if dp > 0 else str(round(value))


def links(**rels: str) -> dict[str, list[dict[str, str]]]:
    """A `_links` object: each relation a list of `{"href": ...}`."""
    return {rel: [{"href": href}] for rel, href in rels.items()}


def order_json(
    order: Order,
    *,
    home: str,
    tz: tzinfo,
    dp: int = 2,
    include_meta: Iterable[str] = (),
    exclude_meta: Iterable[str] = (),
    display_meta_only: bool = False,
    email_templates_link: bool = False,
) -> dict[str, Any]:
    """One order as GET /orders/{id} returns it (`email_templates_link`: 9.8+, versions.py)."""
    zero = money(0, dp)
    only, skip = set(include_meta), set(exclude_meta)
    meta = [
        {"id": m.id, "key": m.key, "value": m.value}
        for m in order.meta
        if (not only or m.key in only) and m.key not in skip
    ]
    rel: dict[str, list[dict[str, Any]]] = links(
        self=f"{home}{API}/orders/{order.id}", collection=f"{home}{API}/orders"
    )
    if email_templates_link:
        rel["email_templates"] = [
            {"embeddable": True, "href": f"{home}{API}/orders/{order.id}/actions/email_templates"}
        ]
    if order.customer_id:
        rel.update(links(customer=f"{home}{API}/customers/{order.customer_id}"))
    return {
        "id": order.id,
        "parent_id": order.parent_id,
        "status": order.status,
        "currency": order.currency,
        "version": order.version,
        "prices_include_tax": False,
        "date_created": local_iso(order.created, tz),
        "date_modified": local_iso(order.modified, tz),
        "discount_total": zero,
        "discount_tax": zero,
        "shipping_total": zero,
        "shipping_tax": zero,
        "cart_tax": zero,
        "total": money(order.total, dp),
        "total_tax": zero,
        "customer_id": order.customer_id,
        "order_key": order.order_key,
        "billing": order.billing_dict(),
        "shipping": order.shipping_dict(),
        "payment_method": order.payment_method,
        "payment_method_title": order.payment_method_title,
        "transaction_id": order.transaction_id,
        "customer_ip_address": order.customer_ip,
        "customer_user_agent": order.user_agent,
        "created_via": order.created_via,
        "customer_note": order.customer_note,
        "date_completed": local_iso(order.completed, tz) if order.completed is not None else None,
        "date_paid": local_iso(order.paid, tz) if order.paid is not None else None,
        "cart_hash": order.cart_hash,
        "number": str(order.id),
        "meta_data": meta,
        "line_items": [_line_item(item, dp, display_meta_only) for item in order.items],
        "tax_lines": [],
        "shipping_lines": [],
        "fee_lines": [],
        "coupon_lines": [],
        "refunds": [],
        # WC_Order::get_checkout_payment_url(), present whatever the status.
        "payment_url": f"{home}/checkout/order-pay/{order.id}/?pay_for_order=true&key={order.order_key}",
        "is_editable": order.status in catalog.EDITABLE_STATUSES,
        "needs_payment": order.status in catalog.PAYABLE_STATUSES and order.total > 0,
        "needs_processing": True,  # every catalogue product is physical
        "date_created_gmt": gmt_iso(order.created),
        "date_modified_gmt": gmt_iso(order.modified),
        "date_completed_gmt": gmt_iso(order.completed) if order.completed is not None else None,
        "date_paid_gmt": gmt_iso(order.paid) if order.paid is not None else None,
        "currency_symbol": catalog.CURRENCY_SYMBOLS.get(order.currency, order.currency),
        "_links": rel,
    }


def _line_item(item: Any, dp: int, display_meta_only: bool) -> dict[str, Any]:
    zero = money(0, dp)
    per_unit = item.total / 100 / item.quantity if item.quantity else 0
    price: int | float = int(per_unit) if float(per_unit).is_integer() else per_unit
    return {
        "id": item.id,
        "name": item.name,
        "product_id": item.product_id,
        "variation_id": 0,
        "quantity": item.quantity,
        "tax_class": "",
        "subtotal": money(item.total, dp),
        "subtotal_tax": zero,
        "total": money(item.total, dp),
        "total_tax": zero,
        "taxes": [],
        "meta_data": [
            {"id": m.id, "key": m.key, "value": m.value, "display_key": m.key, "display_value": m.value}
            for m in item.meta
            if not (display_meta_only and m.key.startswith("_"))
        ],
        "sku": item.sku,
        "price": price,
        # A product without an image has id "" (get_image_id()); a deleted one 0 (orders_failed_pending_* #26).
        "image": {"id": "" if item.product_id else 0, "src": ""},
        "parent_name": None,
    }


def note_json(note: Note, *, home: str, tz: tzinfo) -> dict[str, Any]:
    """One note as GET /orders/{id}/notes returns it.

    `author` is the comment author as stored: Version3/class-wc-rest-order-notes-controller.php maps only the
    lowercase 'woocommerce' to 'system', so WooCommerce's own notes come out as "WooCommerce" (as captured).
    """
    base = f"{home}{API}/orders/{note.order_id}"
    return {
        "id": note.id,
        "author": note.author,
        "date_created": local_iso(note.created, tz),
        "date_created_gmt": gmt_iso(note.created),
        "note": note.text,
        "customer_note": note.customer_note,
        "_links": links(self=f"{base}/notes/{note.id}", collection=f"{base}/notes", up=base),
    }


def with_home(data: Any, home: str) -> Any:
    """Replace the `%HOME%` placeholder of catalogue data with the site URL."""
    if isinstance(data, str):
        return data.replace("%HOME%", home)
    if isinstance(data, list):
        return [with_home(item, home) for item in data]
    if isinstance(data, dict):
        return {key: with_home(value, home) for key, value in data.items()}
    return data


def setting_json(definition: Mapping[str, Any], value: Any, group: str, home: str, *, single: bool) -> dict[str, Any]:
    """A setting; the single-setting route adds `group_id` after `value` (settings_manage_stock_*)."""
    data = dict(definition)
    data["value"] = value
    if single:
        data["group_id"] = group
    base = f"{home}{API}/settings/{group}"
    data["_links"] = links(self=f"{base}/{definition['id']}", collection=base)
    return data


def gateway_json(record: Mapping[str, Any], home: str) -> dict[str, Any]:
    """A payment gateway as GET /payment_gateways lists it."""
    data: dict[str, Any] = with_home(dict(record), home)
    data["_links"] = links(
        self=f"{home}{API}/payment_gateways/{record['id']}", collection=f"{home}{API}/payment_gateways"
    )
    return data


def filter_fields(data: Any, fields_param: str) -> Any:
    """`rest_filter_response_fields()`: keep the `_fields` (nested with dots), in the data's own key order."""
    fields = [f.strip() for f in fields_param.replace(" ", ",").split(",") if f.strip()]
    if not fields:
        return data
    tree: dict[str, Any] = {}
    for name in fields:
        parts = name.split(".")
        node = tree
        for part in parts[:-1]:
            if node.get(part) is True:
                break
            child = node.setdefault(part, {})
            if child is True:
                break
            node = child
        else:
            node[parts[-1]] = True
    if isinstance(data, list):
        return [_intersect(item, tree) for item in data]
    return _intersect(data, tree)


def _intersect(data: Any, tree: Mapping[str, Any]) -> Any:
    if not isinstance(data, dict):
        return data
    out = {}
    for key, value in data.items():
        if key not in tree:
            continue
        wanted = tree[key]
        if wanted is True:
            out[key] = value
        elif isinstance(value, list):
            # _rest_array_intersect_key_recursive() intersects a list's integer keys with the field names.
            out[key] = [item for index, item in enumerate(value) if str(index) in wanted]
        else:
            out[key] = _intersect(value, wanted)
    return out
