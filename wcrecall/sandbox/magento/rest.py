"""The REST routes of the Magento sandbox (`/rest/V1/...` and `/rest/<store code>/V1/...`) and its two pages.

Order of work per request, as in `Magento\\Webapi\\Controller\\Rest`: route match (404 `Request does not match any
route.`), authentication (oauth.py) and the route's ACL resource (401 naming it), then the input (400), then the
entity (404). Error bodies keep Magento's placeholders with `parameters`.
"""

from __future__ import annotations

import json
import re
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from email.utils import formatdate
from functools import cache
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from wcrecall.sandbox.magento.oauth import Integration, OAuthRefusal, request_base_url
from wcrecall.sandbox.magento.search import (
    EXTRA_COLUMNS,
    SearchError,
    filter_fields,
    parse_criteria,
    parse_fields,
    php_query,
    search,
)
from wcrecall.sandbox.magento.store import OFFLINE_METHODS, fixture_data
from wcrecall.sandbox.wire import Request, Response

if TYPE_CHECKING:
    from wcrecall.sandbox.magento.server import MagentoSandbox

JSON_TYPE = "application/json; charset=utf-8"
HTML_TYPE = "text/html; charset=UTF-8"
NOT_FOUND = "The entity that was requested doesn't exist. Verify the entity and try again."
ANONYMOUS = "anonymous"
STATUS_MISMATCH = 'Unable to add comment: The status "%1" is not part of the order\n                 status history.'


def magento_json(data: Any) -> bytes:
    """json_encode() output as Magento sends it: compact, `\\/` for slashes, `\\uXXXX` for non-ASCII."""
    return json.dumps(data, ensure_ascii=True, separators=(",", ":")).replace("/", "\\/").encode("ascii")


def json_response(status: int, data: Any, route: str = "") -> Response:
    headers = [("Cache-Control", "no-store")]
    if status < 400:
        headers.insert(0, ("X-Frame-Options", "SAMEORIGIN"))
    return Response(status, magento_json(data), headers, JSON_TYPE, route)


def error(status: int, message: str, parameters: Any = None, route: str = "") -> Response:
    body: dict[str, Any] = {"message": message}
    if parameters is not None:
        body["parameters"] = parameters
    return json_response(status, body, route)


@dataclass(frozen=True)
class Route:
    method: str
    pattern: re.Pattern[str]
    resource: str  # ACL resource, or ANONYMOUS
    name: str
    handler: Callable[[MagentoSandbox, Request, re.Match[str], dict[str, Any]], Response]


@cache
def order_columns() -> frozenset[str]:
    """The columns of sales_order: the order JSON's scalar fields (in the captured key order) and the ones it omits
    when empty."""
    nested = {"items", "billing_address", "payment", "status_histories", "extension_attributes"}
    return frozenset(k for k in fixture_data()["order_keys"] if k not in nested) | EXTRA_COLUMNS


def _report_id() -> str:
    return "webapi-" + secrets.token_hex(7)[:13]


def _order_id(match: re.Match[str]) -> int:
    return int(match.group(1))


def list_orders(store: MagentoSandbox, request: Request, match: re.Match[str], query: dict[str, Any]) -> Response:
    criteria = parse_criteria(query)
    with store.lock:
        rows = store.all_orders()
        page, total = search(rows, criteria, order_columns(), _report_id)
        items = [store.order_json(int(r["entity_id"])) for r in page]
    return json_response(200, {"items": items, "search_criteria": criteria.echo, "total_count": total})


def get_order(store: MagentoSandbox, request: Request, match: re.Match[str], query: dict[str, Any]) -> Response:
    order = store.order_json(_order_id(match))
    return error(404, NOT_FOUND) if order is None else json_response(200, order)


def order_status(store: MagentoSandbox, request: Request, match: re.Match[str], query: dict[str, Any]) -> Response:
    order = store.order(_order_id(match))
    return error(404, NOT_FOUND) if order is None else json_response(200, order["status"])


def list_comments(store: MagentoSandbox, request: Request, match: re.Match[str], query: dict[str, Any]) -> Response:
    entity_id = _order_id(match)
    echo = {"filter_groups": [{"filters": [{"field": "parent_id", "value": str(entity_id), "condition_type": "eq"}]}]}
    return json_response(200, {"items": store.comments_of(entity_id), "search_criteria": echo,
                               "total_count": len(store.comments_of(entity_id))})  # fmt: skip


def _json_body(request: Request) -> Any:
    try:
        return json.loads(request.body.decode("utf-8")) if request.body.strip() else {}
    except (ValueError, UnicodeDecodeError):
        raise SearchError(400, "Decoding error.") from None


def add_comment(store: MagentoSandbox, request: Request, match: re.Match[str], query: dict[str, Any]) -> Response:
    body = _json_body(request)
    history = body.get("statusHistory") if isinstance(body, dict) else None
    if not isinstance(history, dict):
        return error(400, '"%fieldName" is required. Enter and try again.', {"fieldName": "statusHistory"})
    with store.lock:
        order = store.order(_order_id(match))
        if order is None:
            return error(404, NOT_FOUND)
        status = history.get("status")
        if status not in (None, "") and status != order["status"]:
            return error(400, STATUS_MISMATCH, [str(status)])
        store.add_comment(
            int(order["entity_id"]), str(history.get("comment") or ""),
            notified=_flag(history.get("is_customer_notified")), visible=_flag(history.get("is_visible_on_front")),
            via_api=True,
        )  # fmt: skip
    return json_response(200, True)


def _flag(value: Any) -> int:
    return 1 if value in (1, True, "1", "true") else 0


def store_configs(store: MagentoSandbox, request: Request, match: re.Match[str], query: dict[str, Any]) -> Response:
    return json_response(200, store.store_configs())


def store_views(store: MagentoSandbox, request: Request, match: re.Match[str], query: dict[str, Any]) -> Response:
    return json_response(200, fixture_data()["store_views"])


def websites(store: MagentoSandbox, request: Request, match: re.Match[str], query: dict[str, Any]) -> Response:
    return json_response(200, fixture_data()["websites"])


def currency(store: MagentoSandbox, request: Request, match: re.Match[str], query: dict[str, Any]) -> Response:
    return json_response(200, fixture_data()["currency"])


def create_cart(store: MagentoSandbox, request: Request, match: re.Match[str], query: dict[str, Any]) -> Response:
    return json_response(200, store.create_cart(store.new_masked_id()))


def add_cart_item(store: MagentoSandbox, request: Request, match: re.Match[str], query: dict[str, Any]) -> Response:
    body = _json_body(request)
    spec = body.get("cartItem") if isinstance(body, dict) else None
    if not isinstance(spec, dict):
        return error(400, '"%fieldName" is required. Enter and try again.', {"fieldName": "cartItem"})
    item = store.add_cart_item(match.group(1), str(spec.get("sku")), float(spec.get("qty") or 1))
    return error(404, NOT_FOUND) if item is None else json_response(200, item)


def cart_methods(store: MagentoSandbox, request: Request, match: re.Match[str], query: dict[str, Any]) -> Response:
    cart = store.carts.get(match.group(1))
    if cart is None:
        return error(404, "No such entity with %fieldName = %fieldValue",
                     {"fieldName": "cartId", "fieldValue": match.group(1)})  # fmt: skip
    return json_response(200, OFFLINE_METHODS + ([] if cart else [{"code": "free",
                                                                   "title": "No Payment Information Required"}]))  # fmt: skip


def cart_methods_admin(store: MagentoSandbox, request: Request, match: re.Match[str], q: dict[str, Any]) -> Response:
    return error(404, NOT_FOUND)


_ID = r"(\d+)"
ROUTES = [
    Route("GET", re.compile(r"/V1/orders"), "Magento_Sales::actions_view", "/V1/orders", list_orders),
    Route("GET", re.compile(rf"/V1/orders/{_ID}"), "Magento_Sales::actions_view", "/V1/orders/:id", get_order),
    Route("GET", re.compile(rf"/V1/orders/{_ID}/statuses"), "Magento_Sales::actions_view", "/V1/orders/:id/statuses",
          order_status),
    Route("GET", re.compile(rf"/V1/orders/{_ID}/comments"), "Magento_Sales::actions_view", "/V1/orders/:id/comments",
          list_comments),
    Route("POST", re.compile(rf"/V1/orders/{_ID}/comments"), "Magento_Sales::comment", "/V1/orders/:id/comments",
          add_comment),
    Route("GET", re.compile(r"/V1/store/storeConfigs"), "Magento_Backend::store", "/V1/store/storeConfigs",
          store_configs),
    Route("GET", re.compile(r"/V1/store/storeViews"), "Magento_Backend::store", "/V1/store/storeViews", store_views),
    Route("GET", re.compile(r"/V1/store/websites"), "Magento_Backend::store", "/V1/store/websites", websites),
    Route("GET", re.compile(r"/V1/directory/currency"), ANONYMOUS, "/V1/directory/currency", currency),
    Route("POST", re.compile(r"/V1/guest-carts"), ANONYMOUS, "/V1/guest-carts", create_cart),
    Route("POST", re.compile(r"/V1/guest-carts/(\w+)/items"), ANONYMOUS, "/V1/guest-carts/:id/items", add_cart_item),
    Route("GET", re.compile(r"/V1/guest-carts/(\w+)/payment-methods"), ANONYMOUS, "/V1/guest-carts/:id/payment-methods",
          cart_methods),
    Route("GET", re.compile(rf"/V1/carts/{_ID}/payment-methods"), "Magento_Cart::manage", "/V1/carts/:id/payment-methods",
          cart_methods_admin),
]  # fmt: skip
_REST_PATH = re.compile(r"^/rest(?:/(?:default|all))?(/V1/.*?)/?$")


def handle(store: MagentoSandbox, request: Request) -> Response:
    """Answer one REST request (the path starts with `/rest/`)."""
    parts = urlsplit(request.target)
    found = _REST_PATH.match(parts.path)
    path = found.group(1) if found else ""
    route = next((r for r in ROUTES if r.method == request.method and r.pattern.fullmatch(path)), None)
    if route is None:
        return error(404, "Request does not match any route.", route="(no route)")
    match = route.pattern.fullmatch(path)
    assert match is not None
    try:
        caller = _authenticate(store, request, parts.path, parts.query)
        if route.resource != ANONYMOUS and (caller is None or not caller.allows(route.resource)):
            response = error(401, "The consumer isn't authorized to access %resources.", {"resources": route.resource})
        else:
            response = route.handler(store, request, match, php_query(parts.query))
    except OAuthRefusal as refusal:
        response = error(refusal.status, refusal.message, refusal.parameters)
    except SearchError as refused:
        response = error(refused.status, refused.message, refused.parameters)
    if response.status < 400 and "fields" in (query := php_query(parts.query)) and isinstance(query["fields"], str):
        response.body = magento_json(filter_fields(json.loads(response.body), parse_fields(query["fields"])))
    if route.name != "/V1/directory/currency":  # the one captured answer that starts no PHP session
        response.headers[:0] = session_headers(store, request)
    response.route = route.name
    return response


def session_headers(store: MagentoSandbox, request: Request) -> list[tuple[str, str]]:
    """The PHP session cookie almost every captured answer sets (a client must not send it back), and PHP's
    no-cache headers that come with it."""
    domain = (request.headers.get("host") or store.host).rsplit(":", 1)[0]
    expires = formatdate(store.now().timestamp() + 3600, usegmt=True)
    sid = "".join(secrets.choice("abcdefghijklmnopqrstuvwxyz0123456789") for _ in range(26))
    cookie = f"PHPSESSID={sid}; expires={expires}; Max-Age=3600; path=/; domain={domain}; HttpOnly; SameSite=Lax"
    return [("Set-Cookie", cookie), ("Expires", "Thu, 19 Nov 1981 08:52:00 GMT"), ("Pragma", "no-cache")]


def _authenticate(store: MagentoSandbox, request: Request, path: str, raw_query: str) -> Integration | None:
    if store.authenticator is None:
        return store.authenticator_bypass
    host = request.headers.get("host") or f"{store.host}:{store.port_number}"
    base_url = request_base_url(host, path, https=store.assume_https)
    return store.authenticator.authenticate(request.method, base_url, raw_query, request.headers.get("authorization"))


GUEST_FORM = """<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><title>Orders and Returns</title></head>
<body>
<h1 class="page-title"><span class="base" data-ui-id="page-title-wrapper">Orders and Returns</span></h1>
<form class="form form-orders-search" id="oar-widget-orders-and-returns-form" action="{base}sales/guest/view/"
      method="post" name="guest_post">
<fieldset class="fieldset"><legend class="legend"><span>Order Information</span></legend>
<label for="oar-order-id">Order ID</label><input type="text" id="oar-order-id" name="oar_order_id">
<label for="oar-billing-lastname">Billing Last Name</label>
<input type="text" id="oar-billing-lastname" name="oar_billing_lastname">
<label for="quick-search-type-id">Find Order By</label>
<select name="oar_type" id="quick-search-type-id"><option value="email">Email</option>
<option value="zip">ZIP Code</option></select>
<label for="oar_email">Email</label><input type="email" id="oar_email" name="oar_email">
<label for="oar_zip">Billing ZIP Code</label><input type="text" id="oar_zip" name="oar_zip">
</fieldset>
<button type="submit" title="Continue" class="action submit primary"><span>Continue</span></button>
</form>
</body>
</html>
"""
NOT_FOUND_PAGE = """<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><title>404 Not Found</title></head>
<body><h1 class="page-title"><span class="base">Whoops, our bad...</span></h1>
<p>The page you requested was not found, and we have a fine guess why.</p></body>
</html>
"""


def page(store: MagentoSandbox, request: Request) -> Response:
    """The storefront pages a pay link may point at: the guest order lookup form; everything else is a 404 page."""
    path = urlsplit(request.target).path.rstrip("/")
    headers = [("Cache-Control", "max-age=0, must-revalidate, no-cache, no-store"), ("X-Frame-Options", "SAMEORIGIN")]
    if request.method == "GET" and path == "/sales/guest/form":
        body = GUEST_FORM.replace("{base}", store.base_url + "/")
        return Response(200, body.encode(), headers, HTML_TYPE, "/sales/guest/form")
    return Response(404, NOT_FOUND_PAGE.encode(), headers, HTML_TYPE, "(page)")
