"""REST dispatch of the sandbox: authentication, key permissions, routing, validation and WordPress headers.

The order of checks is WordPress's (wp-includes/rest-api/class-wp-rest-server.php): authentication errors
(`rest_authentication_errors`), key permissions (`rest_pre_dispatch`, WooCommerce `check_user_permissions`), route
match, parameter validation, the route's permission callback, then the handler. Header sets follow the captures:
`Allow` only for a matched route the caller may use, `Expires`/`Cache-Control` for a logged-in caller,
`Vary: Origin` for an anonymous GET.
"""

from __future__ import annotations

import base64
import binascii
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from wcrecall.sandbox import catalog, versions, views
from wcrecall.sandbox.handlers import Call, Route, find_route, route_args
from wcrecall.sandbox.oauth import (
    ApiKey,
    Authenticator,
    AuthError,
    PhpParams,
    parse_authorization_header,
    php_parse_str,
)
from wcrecall.sandbox.params import Params, RestError
from wcrecall.sandbox.wire import JSON_TYPE, Request, Response

if TYPE_CHECKING:
    from wcrecall.sandbox.store import Store

_ADMIN = ApiKey("", "", "read_write")


class Rest:
    """Dispatches REST requests for a store; `auth` None means every request is the admin."""

    def __init__(self, store: Store, auth: Authenticator | None, *, assume_https: bool = False) -> None:
        self.store = store
        self.auth = auth
        self.assume_https = assume_https

    def handle(self, request: Request, route_path: str, query: PhpParams) -> Response:
        """Answer a request for `route_path` (the part after /wp-json, or `?rest_route=`)."""
        path = urlsplit(request.target).path
        # WooCommerce authenticates only requests whose URI contains `wp-json/wc/` (is_request_to_rest_api), so
        # `?rest_route=/wc/v3/...` is never authenticated by API keys.
        authenticate = "wp-json/wc/" in request.target or "wp-json/wc-" in request.target
        user: ApiKey | None = None
        if self.auth is None:
            user = _ADMIN
        elif authenticate:
            try:
                user = self._authenticate(request, path, query)
            except AuthError as error:
                return self._error(RestError(401, error.code, error.message), request, user=None, allow=None)
        if user is not None and not _key_allows(user, request.method):
            return self._error(_permission_error(request.method), request, user=user, allow=None)
        route, match = find_route(route_path)
        method = "GET" if request.method == "HEAD" else request.method
        if route is not None and method == "OPTIONS":
            # WP_REST_Server answers OPTIONS with the route's description from the index.
            data = views.with_home(catalog.wc_v3_index()["routes"].get(route.pattern, {}), self.store.home_url)
            headers = wp_headers(
                self.store.home_url, [], user=user, method=method, allow=", ".join(route.handlers),
                no_store=self._wordpress_6_8,
            )  # fmt: skip
            return Response(200, views.php_json(data), headers, route=route.template)
        if route is None or method not in route.handlers:
            no_route = RestError(404, "rest_no_route", "No route was found matching the URL and request method.")
            return self._error(no_route, request, user=user, allow=None, template=route.template if route else "")
        allow = ", ".join(route.handlers) if (user is not None or not route.protected) else None
        content_type = request.headers.get("content-type", "")
        params = Params(method, query, match, content_type, request.body)
        args = route_args(route.pattern, method)
        params.set_defaults(args)
        call = Call(self.store, request, params, user, match)
        try:
            params.validate(args)
            if route.protected and user is None:
                raise _anonymous_error(route, method, call)
            with self.store.lock:
                self.store.run_cron()
                data = route.handlers[method](call)
        except RestError as error:
            return self._error(error, request, user=user, allow=allow, template=route.template)
        fields = params.get("_fields")
        if isinstance(fields, str) and data is not None:
            links = data.get("_links") if isinstance(data, dict) else None
            data = views.filter_fields(data, fields)
            if links is not None:
                # WP_REST_Server::response_to_data() adds a single item's links after rest_filter_response_fields();
                # in a list they are part of each item and go unless `_fields` names them.
                data["_links"] = links
        if self._wordpress_6_8 and data is not None:
            data = _with_target_hints(data, self.store.home_url)
        body = b"" if request.method == "HEAD" else views.php_json(data)
        headers = wp_headers(
            self.store.home_url, call.extra_headers, user=user, method=request.method, allow=allow,
            no_store=self._wordpress_6_8,
        )  # fmt: skip
        return Response(call.status, body, headers, route=route.template)

    @property
    def _wordpress_6_8(self) -> bool:
        return versions.at_least(self.store.wc_version, versions.WORDPRESS_6_8)

    def _authenticate(self, request: Request, path: str, query: PhpParams) -> ApiKey | None:
        assert self.auth is not None
        home = urlsplit(self.store.home_url)
        if self.assume_https:
            user, password = _basic_credentials(request.headers.get("authorization", ""))
            key = self.auth.basic(query, user, password)
            if key is not None:
                return key
        # get_oauth_parameters(): array_merge( $_GET, $_POST ) plus the Authorization header's oauth_* values.
        params = dict(query)
        if request.method != "GET" and request.headers.get("content-type", "").startswith(
            "application/x-www-form-urlencoded"
        ):
            params.update(php_parse_str(request.body.decode("utf-8", "replace")))
        params.update(parse_authorization_header(request.headers.get("authorization", "")))
        scheme = "https" if self.assume_https else home.scheme
        return self.auth.oauth(request.method, f"{scheme}://{home.netloc}{path}", params)

    def _error(
        self, error: RestError, request: Request, *, user: ApiKey | None, allow: str | None, template: str = ""
    ) -> Response:
        headers = wp_headers(
            self.store.home_url, [], user=user, method=request.method, allow=allow, no_store=self._wordpress_6_8
        )
        body = b"" if request.method == "HEAD" else views.php_json(error.body())
        return Response(error.status, body, headers, route=template)


def wp_headers(
    home: str,
    extra: list[tuple[str, str]],
    *,
    user: ApiKey | None,
    method: str,
    allow: str | None,
    no_store: bool = False,
) -> list[tuple[str, str]]:
    """The headers WordPress sends, in the captured order (after Host, Date and Connection); `no_store`: WordPress
    6.8's wp_get_nocache_headers() adds `no-store, private` to Cache-Control."""
    headers = [
        ("X-Powered-By", "PHP/8.2.36"),
        ("Content-Type", JSON_TYPE),
        ("X-Robots-Tag", "noindex"),
        ("Link", f'<{home}/wp-json/>; rel="https://api.w.org/"'),
        ("X-Content-Type-Options", "nosniff"),
        ("Access-Control-Expose-Headers", "X-WP-Total, X-WP-TotalPages, Link"),
        ("Access-Control-Allow-Headers", "Authorization, X-WP-Nonce, Content-Disposition, Content-MD5, Content-Type"),
    ]
    if any(name == "Link" for name, _ in extra):
        # PHP's header() replaces the discovery Link when the response sets its own (orders_failed_pending_p1_*).
        headers = [h for h in headers if h[0] != "Link"]
    headers += extra
    if allow:
        headers.append(("Allow", allow))
    if method in ("GET", "HEAD") and user is None:
        headers.append(("Vary", "Origin"))  # rest_send_cors_headers() for anonymous GETs
    if user is not None:
        headers += [
            ("Expires", "Wed, 11 Jan 1984 05:00:00 GMT"),
            ("Cache-Control", "no-cache, must-revalidate, max-age=0" + (", no-store, private" if no_store else "")),
        ]
    return headers


def _with_target_hints(data: Any, home: str) -> Any:
    """WordPress 6.7+ (WP_REST_Server::get_target_hints_for_link()): each `self` link gets `targetHints.allow`, the
    methods of the route it points to (all of them: the key's user is an administrator)."""
    if isinstance(data, list):
        return [_with_target_hints(item, home) for item in data]
    if not isinstance(data, dict):
        return data
    links = data.get("_links")
    if isinstance(links, dict) and isinstance(links.get("self"), list):
        prefix = f"{home}/wp-json"
        for link in links["self"]:
            href = str(link.get("href", ""))
            route, _ = find_route(href[len(prefix) :].split("?")[0]) if href.startswith(prefix) else (None, {})
            methods = catalog.wc_v3_index()["routes"].get(route.pattern, {}).get("methods") if route else None
            if methods:
                link["targetHints"] = {"allow": list(methods)}
    return data


def _basic_credentials(header: str) -> tuple[str | None, str | None]:
    if not header.lower().startswith("basic "):
        return None, None
    try:
        decoded = base64.b64decode(header[6:].strip(), validate=True).decode("utf-8", "replace")
    except (binascii.Error, ValueError):
        return None, None
    user, sep, password = decoded.partition(":")
    return (user, password) if sep else (None, None)


def _key_allows(key: ApiKey, method: str) -> bool:
    if method in ("GET", "HEAD"):
        return key.permissions in ("read", "read_write")
    if method in ("POST", "PUT", "PATCH", "DELETE"):
        return key.permissions in ("write", "read_write")
    return True


def _permission_error(method: str) -> RestError:
    # WC_REST_Authentication::check_permissions(): 401, not 403 (err_401_readonly_key_post_note_https).
    kind = "read" if method in ("GET", "HEAD") else "write"
    message = f"The API key provided does not have {kind} permissions."
    return RestError(401, "woocommerce_rest_authentication_error", message)


def _anonymous_error(route: Route, method: str, call: Call) -> RestError:
    single = route.template.endswith("{id}")
    # The item permission checks refuse only an existing order: a missing one goes on to the handler's error
    # (404 for GET/DELETE, 400 for an update: WC_REST_CRUD_Controller).
    if route.template == "/wc/v3/orders/{id}" and call.store.order(int(call.match["id"])) is None:
        return RestError(404 if method in ("GET", "DELETE") else 400, "woocommerce_rest_shop_order_invalid_id",
                         "Invalid ID.")  # fmt: skip
    if method == "GET":
        what = "view this resource" if single and "settings" not in route.template else "list resources"
        return RestError(401, "woocommerce_rest_cannot_view", f"Sorry, you cannot {what}.")
    if method == "DELETE":
        return RestError(401, "woocommerce_rest_cannot_delete", "Sorry, you are not allowed to delete this resource.")
    if single or "settings" in route.template or "payment_gateways/" in route.template:
        return RestError(401, "woocommerce_rest_cannot_edit", "Sorry, you are not allowed to edit this resource.")
    return RestError(401, "woocommerce_rest_cannot_create", "Sorry, you are not allowed to create resources.")
