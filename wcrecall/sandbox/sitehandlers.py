"""The handlers of the store-wide REST routes: payment gateways, settings, system status and the two indexes.

Like the order handlers (handlers.py, which holds the route table), each gets a `Call` and returns the JSON data.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

from wcrecall.sandbox import catalog, versions, views
from wcrecall.sandbox.params import RestError

if TYPE_CHECKING:
    from wcrecall.sandbox.handlers import Call


def list_gateways(call: Call) -> list[dict[str, Any]]:
    """GET /payment_gateways; from 9.8 with X-WP-Total and X-WP-TotalPages (1, or 0 when there are none)."""
    gateways = [views.gateway_json(g, call.store.home_url) for g in call.store.gateways()]
    if versions.at_least(call.store.wc_version, versions.GATEWAYS_TOTAL_HEADERS):
        call.extra_headers += [("X-WP-Total", str(len(gateways))), ("X-WP-TotalPages", "1" if gateways else "0")]
    return gateways


def get_gateway(call: Call) -> dict[str, Any]:
    """GET /payment_gateways/{id}."""
    for gateway in list_gateways(call):
        if gateway["id"] == call.match["id"]:
            return gateway
    raise RestError(404, "woocommerce_rest_payment_gateway_invalid", "Invalid payment gateway.")


def list_setting_groups(call: Call) -> list[dict[str, Any]]:
    """GET /settings: the groups of settings_groups_oauth_http.http."""
    home, store = call.store.home_url, call.store
    groups = []
    absent = {gid for gid in versions.SETTINGS_GROUPS_SINCE if store.settings_group(gid) is None}
    renamed = versions.at_least(store.wc_version, versions.ORDER_DETAILS_EMAIL_TITLE)
    for gid, label, description, parent in catalog.SETTING_GROUPS:
        if gid in absent:
            continue
        if renamed and gid == "email_customer_invoice":
            label, description = catalog.ORDER_DETAILS_EMAIL
        subs = [g[0] for g in catalog.SETTING_GROUPS if g[3] == gid and g[0] not in absent]
        groups.append(
            {
                "id": gid,
                "label": label,
                "description": description,
                "parent_id": parent,
                "sub_groups": subs,
                "_links": {"options": [{"href": f"{home}/wp-json/wc/v3/settings/{gid}"}]},
            }
        )
    return groups


def _group(call: Call) -> tuple[str, dict[str, Any], list[dict[str, Any]]]:
    group = call.match["group_id"]
    values = call.store.settings_group(group)
    definitions = catalog.setting_definitions().get(group)
    if values is None or definitions is None:
        raise RestError(404, "rest_setting_setting_group_invalid", "Invalid setting group.")
    return group, values, definitions


def list_settings(call: Call) -> list[dict[str, Any]]:
    """GET /settings/{group}."""
    group, values, definitions = _group(call)
    home = call.store.home_url
    return [views.setting_json(d, values.get(d["id"]), group, home, single=False) for d in definitions]


def get_setting(call: Call) -> dict[str, Any]:
    """GET /settings/{group}/{id}."""
    group, values, definitions = _group(call)
    for definition in definitions:
        if definition["id"] == call.match["id"]:
            return views.setting_json(definition, values.get(definition["id"]), group, call.store.home_url, single=True)
    raise RestError(404, "rest_setting_setting_invalid", "Invalid setting.")


def update_setting(call: Call) -> dict[str, Any]:
    """PUT /settings/{group}/{id} with `value`."""
    get_setting(call)
    value = call.params.get("value")
    call.store.set_setting(call.match["group_id"], call.match["id"], "" if value is None else value)
    return get_setting(call)


def system_status(call: Call) -> dict[str, Any]:
    """GET /system_status: the captured environment and settings sections (system_status_oauth_http.http)."""
    store = call.store
    home = store.home_url
    environment = {
        "home_url": home, "site_url": home, "version": store.wc_version,
        "log_directory": "/var/www/html/wp-content/uploads/wc-logs/", "log_directory_writable": True,
        "wp_version": versions.wordpress(store.wc_version), "wp_multisite": False, "wp_memory_limit": 536870912,
        "wp_debug_mode": False, "wp_cron": store.wp_cron, "language": "en_US", "external_object_cache": None,
        "server_info": "PHP 8.2.36 Development Server", "php_version": "8.2.36", "php_post_max_size": 8388608,
        "php_max_execution_time": 120, "php_max_input_vars": 1000, "curl_version": "7.88.1, OpenSSL/3.0.19",
        "suhosin_installed": False, "max_upload_size": 2097152, "mysql_version": "10.11.19",
        "mysql_version_string": "10.11.19-MariaDB-0+deb12u1", "default_timezone": "UTC",
        "fsockopen_or_curl_enabled": True, "soapclient_enabled": False, "domdocument_enabled": True,
        "gzip_enabled": True, "mbstring_enabled": True, "remote_post_successful": False, "remote_post_response": "",
        "remote_get_successful": False, "remote_get_response": "",
    }  # fmt: skip
    currency = store.setting("general", "woocommerce_currency")
    settings = {
        "api_enabled": False, "force_ssl": False, "currency": currency,
        "currency_symbol": catalog.CURRENCY_ENTITIES.get(currency, currency), "currency_position": "left",
        "thousand_separator": ",", "decimal_separator": ".", "number_of_decimals": 2, "geolocation_enabled": False,
        "taxonomies": {"external": "external", "grouped": "grouped", "simple": "simple", "variable": "variable"},
        "product_visibility_terms": {term: term for term in (
            "exclude-from-catalog", "exclude-from-search", "featured", "outofstock", "rated-1", "rated-2", "rated-3",
            "rated-4", "rated-5")},
        "woocommerce_com_connected": "no", "enforce_approved_download_dirs": True,
        "order_datastore": "WC_Order_Data_Store_CPT", "HPOS_feature_screen_enabled": False, "HPOS_enabled": False,
        "HPOS_sync_enabled": False,
    }  # fmt: skip
    plugin = {"plugin": "woocommerce/woocommerce.php", "name": "WooCommerce", "version": store.wc_version,
              "version_latest": store.wc_version, "url": "https://woocommerce.com/", "author_name": "Automattic",
              "author_url": "https://woocommerce.com", "network_activated": False}  # fmt: skip
    return {"environment": environment, "database": {"wc_database_version": store.wc_version},
            "active_plugins": [plugin], "inactive_plugins": [], "settings": settings,
            "security": {"secure_connection": home.startswith("https"), "hide_errors": True}, "pages": []}  # fmt: skip


def namespace_index(call: Call) -> dict[str, Any]:
    """GET /wp-json/wc/v3 (wp_json_index_wc_v3.http)."""
    index: dict[str, Any] = views.with_home(catalog.wc_v3_index(), call.store.home_url)
    return index


def site_index(call: Call) -> dict[str, Any]:
    """GET /wp-json/: the site description, namespaces and (the wc/v3) routes."""
    store = call.store
    offset = datetime.now(store.tz).utcoffset()
    index = namespace_index(call)
    return {
        "name": "Sandbox Store", "description": "Just another WordPress site", "url": store.home_url,
        "home": store.home_url, "gmt_offset": int(offset.total_seconds() // 3600) if offset else 0,
        "timezone_string": str(store.tz), "namespaces": ["oembed/1.0", "wc/v1", "wc/v2", "wc/v3", "wp/v2"],
        "authentication": [], "routes": index["routes"],
        "_links": {"help": [{"href": "https://developer.wordpress.org/rest-api/"}]},
    }  # fmt: skip
