"""The sandbox store over HTTP: listing filters, pagination, `_fields`, notes, errors, auth, counters, lifecycle."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from typing import Any
from urllib.parse import quote, urlencode

import pytest
import requests

from wcrecall.sandbox import (
    DEFAULT_CONSUMER_KEY,
    DEFAULT_CONSUMER_SECRET,
    READONLY_CONSUMER_KEY,
    READONLY_CONSUMER_SECRET,
    SandboxStore,
    seed_fixture_store,
    sign_url,
)


@pytest.fixture
def store() -> Iterator[SandboxStore]:
    with SandboxStore() as running:
        seed_fixture_store(running)
        yield running


def call(
    store: SandboxStore,
    method: str,
    path: str,
    params: dict[str, Any] | None = None,
    *,
    json: Any = None,
    session: requests.Session | None = None,
    key: tuple[str, str] = (DEFAULT_CONSUMER_KEY, DEFAULT_CONSUMER_SECRET),
) -> requests.Response:
    """An OAuth-signed request to /wp-json/wc/v3/<path>."""
    url = f"{store.url}/wp-json/wc/v3/{path}" + (f"?{urlencode(params)}" if params else "")
    signed = sign_url(method, url, *key)
    return (session or requests).request(method, signed, json=json, timeout=10)


def ids(response: requests.Response) -> list[int]:
    return [order["id"] for order in response.json()]


def test_sandbox_paginates_with_wp_total_headers(store: SandboxStore) -> None:
    """X-WP-Total / X-WP-TotalPages; a page past the last is 200 []; no match gives "0" and "0"."""
    first = call(store, "GET", "orders", {"status": "failed,pending", "per_page": 5})
    assert (first.headers["X-WP-Total"], first.headers["X-WP-TotalPages"]) == ("14", "3")
    assert ids(first) == [27, 26, 25, 24, 23]  # date_created desc by default
    assert ids(call(store, "GET", "orders", {"status": "failed,pending", "per_page": 5, "page": 3})) == [17, 16, 15, 14]
    beyond = call(store, "GET", "orders", {"status": "failed,pending", "per_page": 5, "page": 4})
    assert beyond.status_code == 200 and beyond.json() == []
    none = call(store, "GET", "orders", {"status": "refunded"})
    assert none.json() == [] and (none.headers["X-WP-Total"], none.headers["X-WP-TotalPages"]) == ("0", "0")
    assert len(ids(call(store, "GET", "orders"))) == 10  # per_page defaults to 10


def test_sandbox_orders_by_modified_ascending(store: SandboxStore) -> None:
    """orderby=modified&order=asc lists the oldest change first; orderby=id and include work too."""
    response = call(store, "GET", "orders", {"status": "any", "orderby": "modified", "order": "asc", "per_page": 100})
    modified = [o["date_modified_gmt"] for o in response.json()]
    assert modified == sorted(modified) and response.headers["X-WP-Total"] == "30"
    assert ids(call(store, "GET", "orders", {"orderby": "id", "order": "asc", "per_page": 3})) == [14, 15, 16]
    chosen = call(store, "GET", "orders", {"include": "30,14,22", "orderby": "include", "order": "asc"})
    assert ids(chosen) == [30, 14, 22]


@pytest.mark.parametrize(
    ("value", "gmt", "expected"),
    [
        ("2026-11-12T14:25:59", "true", 4),  # naive UTC
        ("2026-11-12T14:25:59", None, 4),  # naive site time (New York): later in UTC, still 4 here
        ("2026-11-12T07:25:59", None, 4),  # site time 12:25:59 UTC: order 23, modified then, is not after it
        ("2026-11-12T07:25:58", None, 5),  # one second earlier: order 23 is in
        ("2026-11-12T14:25:59Z", None, 4),  # aware, correct
        ("2026-11-12T14:25:59Z", "true", 5),  # aware with dates_are_gmt: shifted by the UTC offset (bug kept)
        ("2026-11-12T14:25:59+00:00", None, 4),
    ],
)
def test_sandbox_modified_after_follows_dates_are_gmt(
    store: SandboxStore, value: str, gmt: str | None, expected: int
) -> None:
    """modified_after is exclusive; naive values are site time unless dates_are_gmt; Z + dates_are_gmt shifts."""
    params = {"status": "failed,pending", "per_page": 100, "modified_after": value}
    if gmt:
        params["dates_are_gmt"] = gmt
    assert call(store, "GET", "orders", params).headers["X-WP-Total"] == str(expected)


def test_sandbox_rejects_bad_dates_and_a_raw_plus(store: SandboxStore) -> None:
    """`yesterday` and a `+` that arrived as a space are 400 rest_invalid_param / rest_invalid_date."""
    for raw in ("modified_after=yesterday", "modified_after=2026-11-12T14:25:59+00:00"):
        url = sign_url("GET", f"{store.url}/wp-json/wc/v3/orders?{raw}", DEFAULT_CONSUMER_KEY, DEFAULT_CONSUMER_SECRET)
        response = requests.get(url, timeout=10)
        assert response.status_code == 400
        assert response.json()["data"]["details"]["modified_after"]["code"] == "rest_invalid_date"


def test_sandbox_validates_collection_params_like_wordpress(store: SandboxStore) -> None:
    """per_page > 100, an unknown status and a non-boolean dates_are_gmt are all reported at once."""
    response = call(store, "GET", "orders", {"per_page": 101, "status": "failed,bogus", "dates_are_gmt": "maybe"})
    body = response.json()
    assert response.status_code == 400 and body["code"] == "rest_invalid_param"
    assert body["message"] == "Invalid parameter(s): per_page, dates_are_gmt, status"
    assert body["data"]["params"]["status"].startswith("status[1] is not one of any, trash,")
    assert body["data"]["details"]["dates_are_gmt"]["code"] == "rest_invalid_type"
    assert body["data"]["params"]["per_page"] == "per_page must be between 1 (inclusive) and 100 (inclusive)"


def test_sandbox_fields_trims_nested_payload(store: SandboxStore) -> None:
    """_fields keeps only the named fields, dotted names reach into objects, `_links` goes unless asked."""
    response = call(store, "GET", "orders", {"per_page": 2, "_fields": "id,billing.email,payment_url"})
    first = response.json()[0]
    assert list(first) == ["id", "billing", "payment_url"] and list(first["billing"]) == ["email"]
    single = call(store, "GET", "orders/14", {"_fields": "id,_links"}).json()
    assert list(single) == ["id", "_links"]


def test_sandbox_search_and_customer_filters(store: SandboxStore) -> None:
    """search matches billing email/name substrings (case-insensitive); customer filters by user id."""
    assert ids(call(store, "GET", "orders", {"search": "jane.doe@example.com"})) == [33, 28, 22, 14]
    assert ids(call(store, "GET", "orders", {"search": "o'brien", "status": "failed"})) == [20]
    assert ids(call(store, "GET", "orders", {"search": "retry@example"})) == [21]
    assert ids(call(store, "GET", "orders", {"customer": 2})) == [33, 28, 22, 14]


def test_sandbox_link_header_echoes_auth_and_fails_when_followed(store: SandboxStore) -> None:
    """The next link carries every query parameter, the OAuth signature included; following it is a 401."""
    first = call(store, "GET", "orders", {"status": "failed", "per_page": 2})
    link = first.links["next"]["url"]
    assert "oauth_signature=" in link and "status%5B0%5D=failed" in link and "page=2" in link
    followed = requests.get(link, timeout=10)
    assert followed.status_code == 401
    assert followed.json()["message"] == "Invalid signature - provided signature does not match."


def test_sandbox_notes_round_trip(store: SandboxStore) -> None:
    """POST a note: 201 + Location, author WooCommerce (or the key's user), listed first; order not modified."""
    before = call(store, "GET", "orders/14").json()["date_modified_gmt"]
    created = call(store, "POST", "orders/14/notes", json={"note": "[wcrecall] sent step=1", "customer_note": False})
    assert created.status_code == 201
    assert created.headers["Location"].endswith(f"/wp-json/wc/v3/orders/14/notes/{created.json()['id']}")
    assert created.json()["author"] == "WooCommerce"
    by_user = call(store, "POST", "orders/14/notes", json={"note": "by hand", "added_by_user": True})
    assert by_user.json()["author"] == "admin"
    listed = call(store, "GET", "orders/14/notes").json()
    assert [n["note"] for n in listed[:2]] == ["[wcrecall] sent step=1", "by hand"]
    assert call(store, "GET", "orders/14/notes", {"type": "customer"}).json() == []
    assert call(store, "GET", "orders/14").json()["date_modified_gmt"] == before


def test_sandbox_note_errors_match_woocommerce(store: SandboxStore) -> None:
    """Missing note 400, bad JSON 400, unknown order 404 with the GET and POST codes that differ."""
    missing = call(store, "POST", "orders/14/notes", json={})
    assert missing.json()["code"] == "rest_missing_callback_param" and missing.json()["data"]["params"] == ["note"]
    url = sign_url("POST", f"{store.url}/wp-json/wc/v3/orders/14/notes", DEFAULT_CONSUMER_KEY, DEFAULT_CONSUMER_SECRET)
    bad = requests.post(url, data=b'{"note": ', headers={"Content-Type": "application/json"}, timeout=10)
    assert bad.status_code == 400 and bad.json()["data"]["json_error_message"] == "Syntax error"
    assert call(store, "GET", "orders/999/notes").json()["code"] == "woocommerce_rest_shop_order_invalid_id"
    posted = call(store, "POST", "orders/999/notes", json={"note": "x"})
    assert posted.status_code == 404 and posted.json()["code"] == "woocommerce_rest_order_invalid_id"
    assert call(store, "GET", "orders/999").json() == {
        "code": "woocommerce_rest_shop_order_invalid_id", "message": "Invalid ID.", "data": {"status": 404}
    }  # fmt: skip
    assert call(store, "GET", "order").json()["code"] == "rest_no_route"


def test_sandbox_put_status_bumps_modified_and_writes_the_transition_note(store: SandboxStore) -> None:
    """PUT {"status": "processing"}: date_modified and date_paid now, "Failed to Processing" note."""
    from datetime import timedelta

    store.advance(timedelta(minutes=5))
    updated = call(store, "PUT", "orders/15", json={"status": "processing"}).json()
    assert updated["status"] == "processing" and updated["date_modified_gmt"] == "2026-11-26T12:52:09"
    assert updated["date_paid_gmt"] == "2026-11-26T12:52:09"
    notes = call(store, "GET", "orders/15/notes").json()
    assert notes[1]["note"] == "Order status changed from Failed to Processing."
    invalid = call(store, "PUT", "orders/15", json={"status": "paid"})
    assert invalid.status_code == 400 and "status is not one of" in invalid.json()["message"] + str(invalid.json())


def test_sandbox_create_order_over_rest(store: SandboxStore) -> None:
    """POST /orders: 201, created_via rest-api, next id, totals from the catalogue."""
    body = {
        "status": "failed",
        "billing": {"email": "ana.silva@example.com.br"},
        "line_items": [{"product_id": 10, "quantity": 2}],
    }
    created = call(store, "POST", "orders", json=body)
    assert created.status_code == 201 and created.json()["id"] == 44
    assert created.json()["created_via"] == "rest-api" and created.json()["total"] == "50.00"


def test_sandbox_settings_and_gateways(store: SandboxStore) -> None:
    """Hold stock, manage stock, currency and gateways read back what the store is set to."""
    store.set_setting("products", "woocommerce_hold_stock_minutes", "")
    hold = call(store, "GET", "settings/products/woocommerce_hold_stock_minutes").json()
    assert hold["value"] == "" and hold["group_id"] == "products"
    assert call(store, "GET", "settings/products/woocommerce_manage_stock").json()["value"] == "yes"
    general = {s["id"]: s["value"] for s in call(store, "GET", "settings/general").json()}
    assert general["woocommerce_currency"] == "USD" and general["woocommerce_default_country"] == "US:NY"
    assert call(store, "GET", "settings/email_failed_order").json()[0]["value"] == "yes"
    assert call(store, "GET", "settings/email_customer_failed_order").status_code == 404  # not in 7.8.2
    store.set_gateways({"stripe": True, "cod": False})
    gateways = call(store, "GET", "payment_gateways").json()
    assert [(g["id"], g["enabled"], g["title"]) for g in gateways] == [
        ("stripe", True, "Credit Card (Stripe)"), ("cod", False, "Cash on delivery")
    ]  # fmt: skip
    status = call(store, "GET", "system_status", {"_fields": "environment"}).json()
    assert status["environment"]["version"] == "7.8.2" and list(status) == ["environment"]


def test_sandbox_customer_failed_email_settings_exist_from_wc_9_5() -> None:
    """A store simulating WooCommerce 9.5+ has the customer "Failed order" email settings group."""
    with SandboxStore(wc_version="9.5.1") as newer:
        response = call(newer, "GET", "settings/email_customer_failed_order")
        assert response.status_code == 200 and response.json()[0]["id"] == "enabled"
        # as a real 9.9.5 store lists it: on, no additional content (get_default_additional_content() is ''),
        # placeholders including {store_email}
        settings = {s["id"]: s for s in response.json()}
        assert settings["enabled"]["value"] == "yes" and settings["additional_content"]["value"] == ""
        assert "{store_email}" in settings["subject"]["description"]
        assert call(newer, "GET", "system_status").json()["environment"]["version"] == "9.5.1"
    with SandboxStore() as older:
        older.set_setting("email_customer_failed_order", "enabled", "no")  # set explicitly: it exists
        assert call(older, "GET", "settings/email_customer_failed_order").json()[0]["value"] == "no"


def test_sandbox_9_9_lists_its_new_settings_groups_and_counts_its_gateways() -> None:
    """9.9.5: settings gain `site-visibility` and `email_customer_failed_order` (under `email`), GET
    /payment_gateways sends X-WP-Total and X-WP-TotalPages. 7.8.2 (the default) has none of them."""
    with SandboxStore(wc_version="9.9.5") as newer, SandboxStore() as older:
        for store, present in ((newer, True), (older, False)):
            groups = {g["id"]: g for g in call(store, "GET", "settings").json()}
            assert ("site-visibility" in groups) is present
            assert ("email_customer_failed_order" in groups["email"]["sub_groups"]) is present
            assert (call(store, "GET", "settings/site-visibility").status_code == 200) is present
            gateways = call(store, "GET", "payment_gateways")
            totals = (gateways.headers.get("X-WP-Total"), gateways.headers.get("X-WP-TotalPages"))
            assert totals == (("3", "1") if present else (None, None))


def test_sandbox_order_created_through_rest_gets_its_status_note() -> None:
    """REST saves a new order as pending, then sets the status asked for: the transition writes its note (seen on a
    real 9.9.5 store; WC_REST_Orders_Controller::save_object() does the same in 7.8.2)."""
    for version in ("7.8.2", "9.9.5"):
        with SandboxStore(wc_version=version) as store:
            failed = call(store, "POST", "orders", json={"status": "failed", "billing": {"email": "a@example.com"}})
            notes = call(store, "GET", f"orders/{failed.json()['id']}/notes").json()
            assert [n["note"] for n in notes] == ["Order status changed from Pending payment to Failed."], version
            pending = call(store, "POST", "orders", json={"billing": {"email": "a@example.com"}})
            assert call(store, "GET", f"orders/{pending.json()['id']}/notes").json() == [], version


def test_sandbox_single_item_keeps_its_links_under_fields(store: SandboxStore) -> None:
    """`_fields` trims a single item's data but WordPress adds its `_links` afterwards; list items lose them."""
    single = call(store, "GET", "orders/14", {"_fields": "id,status"}).json()
    assert list(single) == ["id", "status", "_links"]
    assert list(call(store, "GET", "orders", {"_fields": "id,status"}).json()[0]) == ["id", "status"]


def test_sandbox_9_9_links_and_labels_as_a_real_9_9_store() -> None:
    """9.9.5 on WordPress 6.8.3: `self` links carry targetHints, orders link their email templates, the invoice
    email is "Order details", system status reports WordPress 6.8.3, no-cache headers add no-store. 7.8.2 (the
    captures) has none of it."""
    with SandboxStore(wc_version="9.9.5") as newer, SandboxStore() as older:
        for store, new in ((newer, True), (older, False)):
            order = call(store, "POST", "orders", json={"status": "failed"}).json()
            links = order["_links"]
            assert ("targetHints" in links["self"][0]) is new
            assert ("email_templates" in links) is new
            note = call(store, "GET", f"orders/{order['id']}/notes").json()[0]["_links"]["self"][0]
            assert note.get("targetHints") == ({"allow": ["GET", "DELETE"]} if new else None)
            groups = {g["id"]: g["label"] for g in call(store, "GET", "settings").json()}
            assert groups["email_customer_invoice"] == ("Order details" if new else "Customer invoice / Order details")
            status = call(store, "GET", "system_status")
            assert status.json()["environment"]["wp_version"] == ("6.8.3" if new else "6.1.9")
            no_store = ", no-store, private" if new else ""  # wp_get_nocache_headers(), WordPress 6.8
            assert status.headers["Cache-Control"] == "no-cache, must-revalidate, max-age=0" + no_store
        assert links["self"][0] == {"href": f"{older.url}/wp-json/wc/v3/orders/{order['id']}"}
        newest = call(newer, "GET", "orders").json()[0]["_links"]
        assert newest["self"][0]["targetHints"] == {"allow": ["GET", "POST", "PUT", "PATCH", "DELETE"]}
        assert newest["email_templates"] == [
            {"embeddable": True, "href": f"{newer.url}/wp-json/wc/v3/orders/{newest['self'][0]['href'].split('/')[-1]}"
             "/actions/email_templates"}
        ]  # fmt: skip


def test_sandbox_index_routes(store: SandboxStore) -> None:
    """/wp-json/ and /wp-json/wc/v3 answer without keys; unknown paths are rest_no_route."""
    root = requests.get(f"{store.url}/wp-json/", timeout=10)
    assert root.status_code == 200 and "wc/v3" in root.json()["namespaces"]
    namespace = requests.get(f"{store.url}/wp-json/wc/v3", timeout=10)
    assert namespace.json()["namespace"] == "wc/v3" and namespace.headers["Allow"] == "GET"
    assert requests.get(f"{store.url}/wp-json/wc/v3/nope", timeout=10).json()["code"] == "rest_no_route"
    options = requests.options(f"{store.url}/wp-json/wc/v3/orders", timeout=10)
    assert options.status_code == 200 and options.json()["methods"] == ["GET", "POST"]


def test_sandbox_auth_like_woocommerce_over_http(store: SandboxStore) -> None:
    """Only OAuth works over http; Basic and query keys are ignored (generic 401); bad key/secret named."""
    url = f"{store.url}/wp-json/wc/v3/orders"
    assert requests.get(url, timeout=10).json()["code"] == "woocommerce_rest_cannot_view"
    basic = requests.get(url, auth=(DEFAULT_CONSUMER_KEY, DEFAULT_CONSUMER_SECRET), timeout=10)
    assert basic.status_code == 401 and basic.json()["code"] == "woocommerce_rest_cannot_view"
    query = requests.get(
        url, params={"consumer_key": DEFAULT_CONSUMER_KEY, "consumer_secret": DEFAULT_CONSUMER_SECRET}, timeout=10
    )
    assert query.json()["code"] == "woocommerce_rest_cannot_view"
    assert call(store, "GET", "orders", key=("ck_unknown", "cs_x")).json()["message"] == "Consumer key is invalid."
    bad_secret = call(store, "GET", "orders", key=(DEFAULT_CONSUMER_KEY, "cs_wrong")).json()
    assert bad_secret["message"] == "Invalid signature - provided signature does not match."
    rest_route = sign_url(
        "GET", f"{store.url}/?rest_route=/wc/v3/orders", DEFAULT_CONSUMER_KEY, DEFAULT_CONSUMER_SECRET
    )
    assert requests.get(rest_route, timeout=10).json()["code"] == "woocommerce_rest_cannot_view"


def test_sandbox_oauth_header_nonce_and_timestamp(store: SandboxStore) -> None:
    """Authorization: OAuth works; a nonce is single-use; a timestamp off by > 15 min (real clock) is refused."""
    from wcrecall.sandbox.oauth import php_parse_str

    signed = sign_url(
        "GET", f"{store.url}/wp-json/wc/v3/orders?per_page=1", DEFAULT_CONSUMER_KEY, DEFAULT_CONSUMER_SECRET
    )
    base, _, query = signed.partition("?")
    oauth = {k: v for k, v in php_parse_str(query).items() if k.startswith("oauth_")}
    header = "OAuth " + ", ".join(f'{k}="{quote(str(v), safe="")}"' for k, v in oauth.items())
    assert requests.get(f"{base}?per_page=1", headers={"Authorization": header}, timeout=10).status_code == 200
    assert requests.get(signed, timeout=10).json()["message"] == "Invalid nonce - nonce has already been used."
    stale = sign_url("GET", f"{store.url}/wp-json/wc/v3/orders", DEFAULT_CONSUMER_KEY, DEFAULT_CONSUMER_SECRET,
                     timestamp=int(time.time()) - 16 * 60)  # fmt: skip
    assert requests.get(stale, timeout=10).json()["message"] == "Invalid timestamp."


def test_sandbox_read_only_key_cannot_write(store: SandboxStore) -> None:
    """A read-only key lists orders but a note gets 401 "does not have write permissions"."""
    readonly = (READONLY_CONSUMER_KEY, READONLY_CONSUMER_SECRET)
    assert call(store, "GET", "orders", key=readonly).status_code == 200
    refused = call(store, "POST", "orders/14/notes", json={"note": "x"}, key=readonly)
    assert refused.status_code == 401
    assert refused.json()["message"] == "The API key provided does not have write permissions."


def test_sandbox_auth_can_be_switched_off() -> None:
    """auth=False serves every request as the admin (benchmarks)."""
    with SandboxStore(auth=False) as open_store:
        open_store.create_order(status="failed")
        assert requests.get(f"{open_store.url}/wp-json/wc/v3/orders", timeout=10).json()[0]["status"] == "failed"


def test_sandbox_keep_alive_session_uses_one_connection(store: SandboxStore) -> None:
    """A requests.Session does a whole run on one TCP connection; counters and the request log record it."""
    store.reset_counters()
    with requests.Session() as session:
        for page in (1, 2, 3):
            call(store, "GET", "orders", {"status": "failed,pending", "per_page": 5, "page": page}, session=session)
        call(store, "POST", "orders/14/notes", json={"note": "x"}, session=session)
    assert store.connections == 1
    assert store.count("GET", "/wp-json/wc/v3/orders") == 3 and store.count("POST") == 1
    assert store.request_log[-1].route == "/wp-json/wc/v3/orders/{id}/notes"
    assert all("?" not in entry.path and "oauth" not in entry.path for entry in store.request_log)
    assert store.bytes_sent > 10_000


def test_sandbox_close_connections_like_php() -> None:
    """close_connections=True answers `Connection: close`: each request a new connection."""
    with SandboxStore(close_connections=True, auth=False) as closing, requests.Session() as session:
        for _ in range(3):
            assert session.get(f"{closing.url}/wp-json/wc/v3/orders", timeout=10).headers["Connection"] == "close"
        assert closing.connections == 3


def test_sandbox_date_header_uses_the_simulated_clock(store: SandboxStore) -> None:
    """The HTTP Date header is the store clock, not the real one."""
    assert call(store, "GET", "orders/14").headers["Date"] == "Thu, 26 Nov 2026 12:47:09 GMT"


def test_sandbox_stop_closes_the_socket_and_keepalive_connections() -> None:
    """stop() ends open keep-alive connections and frees the port."""
    running = SandboxStore(auth=False).start()
    port = int(running.url.rsplit(":", 1)[1])
    session = requests.Session()
    session.get(f"{running.url}/wp-json/wc/v3/orders", timeout=10)
    stopping = threading.Thread(target=running.stop, daemon=True)
    stopping.start()
    stopping.join(timeout=30)  # a hang guard, not a speed target: stop() must not wait for the idle connection
    assert not stopping.is_alive()
    with pytest.raises(OSError):
        socket.create_connection(("127.0.0.1", port), timeout=1).close()
    session.close()


def test_the_standalone_sandbox_keeps_time_with_the_wall_clock() -> None:
    """`python -m wcrecall.sandbox` for trying wcrecall by hand: its clock runs, so `doctor`'s clock check and OAuth
    (15 minutes) keep working however long the owner tries it."""
    import subprocess
    import sys

    proc = subprocess.Popen(
        [sys.executable, "-m", "wcrecall.sandbox", "--seed", "none", "--no-auth"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert proc.stdout is not None
        url = proc.stdout.readline().split(" at ", 1)[1].split()[0]
        first = requests.get(f"{url}/wp-json/wc/v3/orders", timeout=10).headers["Date"]
        time.sleep(1.2)  # the Date header counts whole seconds
        second = requests.get(f"{url}/wp-json/wc/v3/orders", timeout=10).headers["Date"]
    finally:
        proc.terminate()
        proc.communicate(timeout=10)
    assert second != first
