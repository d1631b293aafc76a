"""The handlers of the order and order-note REST v3 routes, and the route table of every route the sandbox serves.

Each handler gets a `Call` (store, parameters, key, URL match) and returns the JSON data; a `RestError` becomes
the error body. Behaviour cites the WooCommerce controller it follows or the capture that shows it. The handlers of
the store-wide routes (gateways, settings, system status, indexes) are in sitehandlers.py.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote

from wcrecall.sandbox import catalog, views
from wcrecall.sandbox.oauth import ApiKey, php_parse_str, php_urlencode
from wcrecall.sandbox.params import (
    Params,
    RestError,
    parse_date,
    parse_list,
    to_bool,
    to_int,
)
from wcrecall.sandbox.records import OrderQuery
from wcrecall.sandbox.sitehandlers import (
    get_gateway,
    get_setting,
    list_gateways,
    list_setting_groups,
    list_settings,
    namespace_index,
    site_index,
    system_status,
    update_setting,
)
from wcrecall.sandbox.wire import Request

if TYPE_CHECKING:
    from wcrecall.sandbox.store import Store


@dataclass
class Call:
    """What a handler gets: the store, the parameters, the authenticated key and the URL match."""

    store: Store
    request: Request
    params: Params
    user: ApiKey | None
    match: dict[str, str]
    extra_headers: list[tuple[str, str]] = field(default_factory=list)
    status: int = 200


Handler = Callable[[Call], Any]


@dataclass(frozen=True)
class Route:
    """A REST route: its pattern in the captured index, a template for counters, handlers per method."""

    pattern: str  # the key of the route in the captured index
    template: str  # for counters and logs
    handlers: dict[str, Handler]
    protected: bool = True

    @property
    def regex(self) -> re.Pattern[str]:
        return re.compile("^" + self.pattern + "$", re.IGNORECASE)


def route_args(pattern: str, method: str) -> dict[str, Any]:
    """The argument schemas of a route's endpoint for `method`, from the captured index (ordered as WordPress)."""
    route = catalog.wc_v3_index()["routes"].get(pattern)
    if route is None:
        return {}
    for endpoint in route["endpoints"]:
        if method in endpoint["methods"]:
            args = endpoint["args"]
            return dict(args) if isinstance(args, dict) else {}
    return {}


# --- handlers ---------------------------------------------------------------------------------------------------------


def _order_query(call: Call) -> OrderQuery:
    p, store = call.params, call.store
    statuses = [str(s) for s in parse_list(p.get("status", "any"))]
    gmt = to_bool(p.get("dates_are_gmt", False))

    def stamp(name: str) -> int | None:
        value = p.get(name)
        if value is None:
            return None
        parsed = parse_date(str(value))
        assert parsed is not None  # validated
        # WP_Date_Query::build_mysql_datetime() turns an aware value into site-local wall time; that string is then
        # compared with the GMT column when dates_are_gmt is true: the window shifts by the UTC offset (as captured
        # in orders_modified_after_Z_dates_are_gmt_true_*).
        wall = parsed.astimezone(store.tz).replace(tzinfo=None) if parsed.tzinfo else parsed
        aware = wall.replace(tzinfo=UTC) if gmt else wall.replace(tzinfo=store.tz)
        return int(aware.timestamp())

    def ints(name: str) -> tuple[int, ...]:
        return tuple(to_int(v) for v in parse_list(p.get(name, [])))

    customer, product = p.get("customer"), p.get("product")
    return OrderQuery(
        statuses=None if "any" in statuses else frozenset(statuses),
        customer=to_int(customer) if customer is not None else None,
        search=str(p.get("search")) if p.get("search") else None,
        include=ints("include"),
        exclude=ints("exclude"),
        parent=ints("parent"),
        parent_exclude=ints("parent_exclude"),
        product=to_int(product) if product is not None else None,
        created_after=stamp("after"),
        created_before=stamp("before"),
        modified_after=stamp("modified_after"),
        modified_before=stamp("modified_before"),
        orderby=str(p.get("orderby", "date")),
        order=str(p.get("order", "desc")),
    )


def _order_view(call: Call, order: Any) -> dict[str, Any]:
    p = call.params
    return views.order_json(
        order,
        home=call.store.home_url,
        tz=call.store.tz,
        dp=to_int(p.get("dp", 2)),
        include_meta=[str(k) for k in parse_list(p.get("include_meta", []))],
        exclude_meta=[str(k) for k in parse_list(p.get("exclude_meta", []))],
        display_meta_only=to_bool(p.get("order_item_display_meta", False)),
        email_templates_link=call.store.email_templates_link,
    )


def list_orders(call: Call) -> list[dict[str, Any]]:
    """GET /orders: filters, X-WP-Total / X-WP-TotalPages and the `Link` header of WC_REST_CRUD_Controller."""
    p, store = call.params, call.store
    ids = store.find_orders(_order_query(call))
    per_page, page = to_int(p.get("per_page", 10)), to_int(p.get("page", 1))
    offset = p.get("offset")
    start = to_int(offset) if offset is not None else (page - 1) * per_page
    chosen = store.page_of(ids, str(p.get("orderby", "date")), start, per_page)
    total, pages = len(ids), math.ceil(len(ids) / per_page)
    data = [_order_view(call, store.order(oid)) for oid in chosen]
    totals = {"X-WP-Total": str(total), "X-WP-TotalPages": str(pages)}
    call.extra_headers += (totals if store.paging_headers is None else store.paging_headers).items()
    link = pagination_link(call, page, pages, prepared=bool(chosen))
    if link:
        call.extra_headers.append(("Link", link))
    if call.request.short_page and data:
        data = data[: len(data) // 2]  # fault injection: fewer orders than the headers promise
    return data


def pagination_link(call: Call, page: int, pages: int, *, prepared: bool) -> str:
    """The `Link` header of WC_REST_CRUD_Controller::get_items(), quirks included.

    The base is `add_query_arg( $request->get_query_params(), rest_url(...) )`: every query parameter, auth
    included, with `status` moved to the end as an array (the v3 controller unsets and re-sets it) and `dp` and
    `context` added once an order has been prepared. add_query_arg() is applied twice (base, then `page`), which
    strips `=` before `&` (base64 padding) and re-encodes with urlencode() (`+` stays, `/` becomes `%2F`).
    """
    p = call.params
    query: dict[str, Any] = {}
    for key, value in p.query.items():
        if key in ("per_page", "page") and isinstance(value, str):
            value = str(to_int(value))
        elif key == "dates_are_gmt" and isinstance(value, str):
            value = "1" if to_bool(value) else "0"
        query[key] = value
    statuses = parse_list(p.get("status", "any"))
    query.pop("status", None)
    query["status"] = {str(i): str(s) for i, s in enumerate(statuses)}
    if prepared:
        query["dp"] = str(to_int(p.get("dp", 2)))
        query["context"] = str(p.get("context") or "view")
    base = _add_query_arg(query, f"{call.store.home_url}/wp-json/wc/v3/orders")
    links = []
    if page > 1:
        links.append(f'<{_add_query_arg({"page": str(min(page - 1, pages))}, base)}>; rel="prev"')
    if pages > page:
        links.append(f'<{_add_query_arg({"page": str(page + 1)}, base)}>; rel="next"')
    return ", ".join(links)


def _add_query_arg(args: dict[str, Any], url: str) -> str:
    """WordPress add_query_arg(): existing query re-parsed and urlencode()d, `args` merged raw, `=&` stripped."""
    base, _, query = url.partition("?")
    merged: dict[str, Any] = {}
    for key, value in php_parse_str(query).items():
        merged[key] = (
            {k: php_urlencode(v) for k, v in value.items()} if isinstance(value, dict) else php_urlencode(value)
        )
    merged.update(args)
    parts = []
    for key, value in merged.items():
        if isinstance(value, dict):
            parts += [f"{key}%5B{inner}%5D={v}" for inner, v in value.items()]
        else:
            parts.append(f"{key}={value}")
    built = re.sub(r"=(&|$)", r"\1", "&".join(parts))
    return f"{base}?{built}" if built else base


def create_order(call: Call) -> dict[str, Any]:
    """POST /orders: `created_via` rest-api, no IP or user agent, 201 with Location."""
    body = _body_fields(call)
    given_billing: dict[str, Any] = body["billing"] if isinstance(body.get("billing"), dict) else {}
    given_shipping: dict[str, Any] = body["shipping"] if isinstance(body.get("shipping"), dict) else {}
    billing = {**dict.fromkeys(("first_name", "last_name", "company", "address_1", "address_2", "city", "state",
                                "postcode", "country", "email", "phone"), ""), **given_billing}  # fmt: skip
    lines = [dict(i) for i in body.get("line_items") or [] if isinstance(i, dict)]
    for line in lines:
        # WC_REST_Orders_V2_Controller::prepare_line_items(): an unknown product is refused.
        if not line.get("name") and to_int(line.get("product_id") or 0) not in call.store.products:
            raise RestError(400, "woocommerce_rest_invalid_product_id", "Product ID provided is invalid.")
    fields: dict[str, Any] = {
        "status": "pending",
        "billing": billing,
        "shipping": given_shipping,
        "created_via": "rest-api",
        "customer_ip_address": "",
        "customer_user_agent": "",
        "cart_hash": "",
        "line_items": lines,
        "meta_data": [m for m in body.get("meta_data") or [] if isinstance(m, dict) and "key" in m],
    }
    for key in ("currency", "payment_method", "payment_method_title", "transaction_id", "customer_note"):
        if body.get(key) is not None:
            fields[key] = body[key]
    if body.get("customer_id") is not None:
        fields["customer_id"] = to_int(body["customer_id"])
    if "payment_method" in fields and "payment_method_title" not in fields:
        fields["payment_method_title"] = ""
    store = call.store
    created = store.create_order(**fields)
    order = store.order(created["id"])
    assert order is not None
    status = str(body.get("status") or "pending")
    if status != "pending":
        # The order is saved as pending, then set to the requested status and saved again
        # (WC_REST_Orders_Controller::save_object()): the transition writes its note, e.g. Pending payment to Failed.
        store.set_status(order.id, status)
    if to_bool(body.get("set_paid", False)):
        store.pay(order.id)
    call.status = 201
    call.extra_headers.append(("Location", f"{store.home_url}/wp-json/wc/v3/orders/{order.id}"))
    return _order_view(call, order)


def _body_fields(call: Call) -> dict[str, Any]:
    p = call.params
    names = ("status", "currency", "customer_id", "customer_note", "billing", "shipping", "payment_method",
             "payment_method_title", "transaction_id", "meta_data", "line_items", "set_paid", "parent_id")  # fmt: skip
    return {name: p.get(name) for name in names if p.given(name)}


def get_order(call: Call) -> dict[str, Any]:
    """GET /orders/{id}."""
    order = call.store.order(int(call.match["id"]))
    if order is None:
        raise RestError(404, "woocommerce_rest_shop_order_invalid_id", "Invalid ID.")
    return _order_view(call, order)


def update_order(call: Call) -> dict[str, Any]:
    """PUT/POST/PATCH /orders/{id}: fields changed, status transition note, date_modified bumped."""
    order = call.store.order(int(call.match["id"]))
    if order is None:
        raise RestError(400, "woocommerce_rest_shop_order_invalid_id", "Invalid ID.")
    body = _body_fields(call)
    if "set_paid" in body:
        body["set_paid"] = to_bool(body["set_paid"])
    call.store.apply_update(order, body)
    return _order_view(call, order)


def delete_order(call: Call) -> dict[str, Any]:
    """DELETE /orders/{id}: to the trash, or deleted with force=true."""
    oid = int(call.match["id"])
    if call.store.order(oid) is None:
        raise RestError(404, "woocommerce_rest_shop_order_invalid_id", "Invalid ID.")
    return call.store.delete_order(oid, force=to_bool(call.params.get("force", False)))


def list_notes(call: Call) -> list[dict[str, Any]]:
    """GET /orders/{id}/notes: newest first, `type` any/customer/internal."""
    oid = int(call.match["order_id"])
    if call.store.order(oid) is None:
        raise RestError(404, "woocommerce_rest_shop_order_invalid_id", "Invalid order ID.")
    return call.store.notes(oid, str(call.params.get("type", "any")))


def create_note(call: Call) -> dict[str, Any]:
    """POST /orders/{id}/notes: 201 with Location; the order's date_modified does not change."""
    oid = int(call.match["order_id"])
    if call.store.order(oid) is None:
        # Not the `shop_order` code of GET: Version3/class-wc-rest-order-notes-controller.php::create_item().
        raise RestError(404, "woocommerce_rest_order_invalid_id", "Invalid order ID.")
    p = call.params
    by_user = to_bool(p.get("added_by_user", False))
    author = call.user.user_display_name if (by_user and call.user) else "system"
    note = call.store.add_note(oid, str(p.get("note")), author, to_bool(p.get("customer_note", False)))
    call.status = 201
    call.extra_headers.append(("Location", f"{call.store.home_url}/wp-json/wc/v3/orders/{oid}/notes/{note['id']}"))
    return note


def get_note(call: Call) -> dict[str, Any]:
    """GET /orders/{id}/notes/{note} (Version1/class-wc-rest-order-notes-v1-controller.php::get_item)."""
    oid = int(call.match["order_id"])
    if call.store.order(oid) is None:
        raise RestError(404, "woocommerce_rest_order_invalid_id", "Invalid order ID.")
    for note in call.store.notes(oid):
        if note["id"] == int(call.match["id"]):
            return note
    raise RestError(404, "woocommerce_rest_invalid_id", "Invalid resource ID.")


def delete_note(call: Call) -> dict[str, Any]:
    """DELETE /orders/{id}/notes/{note}?force=true; without force, WooCommerce's copy-pasted webhook message."""
    if not to_bool(call.params.get("force", False)):
        raise RestError(501, "woocommerce_rest_trash_not_supported", "Webhooks do not support trashing.")
    note = get_note(call)
    call.store.delete_note(int(call.match["order_id"]), note["id"])
    return note


ROUTES = (
    Route("/wc/v3", "/wc/v3", {"GET": namespace_index}, protected=False),
    Route("/wc/v3/orders/(?P<order_id>[\\d]+)/notes", "/wc/v3/orders/{id}/notes",
          {"GET": list_notes, "POST": create_note}),
    Route("/wc/v3/orders/(?P<order_id>[\\d]+)/notes/(?P<id>[\\d]+)", "/wc/v3/orders/{id}/notes/{id}",
          {"GET": get_note, "DELETE": delete_note}),
    Route("/wc/v3/orders", "/wc/v3/orders", {"GET": list_orders, "POST": create_order}),
    Route("/wc/v3/orders/(?P<id>[\\d]+)", "/wc/v3/orders/{id}",
          {"GET": get_order, "POST": update_order, "PUT": update_order, "PATCH": update_order,
           "DELETE": delete_order}),
    Route("/wc/v3/settings", "/wc/v3/settings", {"GET": list_setting_groups}),
    Route("/wc/v3/settings/(?P<group_id>[\\w-]+)", "/wc/v3/settings/{group}", {"GET": list_settings}),
    Route("/wc/v3/settings/(?P<group_id>[\\w-]+)/(?P<id>[\\w-]+)", "/wc/v3/settings/{group}/{id}",
          {"GET": get_setting, "POST": update_setting, "PUT": update_setting, "PATCH": update_setting}),
    Route("/wc/v3/system_status", "/wc/v3/system_status", {"GET": system_status}),
    Route("/wc/v3/payment_gateways", "/wc/v3/payment_gateways", {"GET": list_gateways}),
    Route("/wc/v3/payment_gateways/(?P<id>[\\w-]+)", "/wc/v3/payment_gateways/{id}", {"GET": get_gateway}),
    Route("/", "/", {"GET": site_index}, protected=False),
)  # fmt: skip
_COMPILED = [(route, route.regex) for route in ROUTES]


def find_route(path: str) -> tuple[Route | None, dict[str, str]]:
    """The route matching `path` (case-insensitive, trailing slash ignored, as WordPress) and its URL params."""
    path = unquote(path).rstrip("/") or "/"
    for route, regex in _COMPILED:
        m = regex.match(path)
        if m:
            return route, {k: v for k, v in m.groupdict().items() if v is not None}
    return None, {}
