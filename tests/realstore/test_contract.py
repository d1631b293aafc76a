"""The sandbox store against a real WooCommerce 9.9.5 store: wcrecall's own requests, sent to both, get the same
answers, so the sandbox that the rest of the suite trusts stays honest.

Both stores get the same orders through their REST API; then wcrecall's `Store` (the module that talks to
WooCommerce in production) makes each request it makes in a run, in `doctor` and in `explain`, against each store,
and every raw answer is recorded. Each pair must agree on the status, the headers a client reads (pagination,
Location, Allow, Content-Type, the relations in Link), the shape of the body (keys in order, value types) and every
value that depends on neither the clock nor the ids the store handed out.
"""

from __future__ import annotations

import json
import re
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

import pytest
from jsonshape import shape
from wpstore import RealStore

import wcrecall.store.client as store_module
from wcrecall.config.settings import StoreSettings
from wcrecall.insight.audit import AUDIT_FIELDS, order_stream
from wcrecall.model.errors import StoreError
from wcrecall.model.progress import NoProgress
from wcrecall.sandbox import (
    DEFAULT_CONSUMER_KEY,
    DEFAULT_CONSUMER_SECRET,
    READONLY_CONSUMER_KEY,
    READONLY_CONSUMER_SECRET,
    SandboxStore,
)
from wcrecall.sandbox.catalog import Product
from wcrecall.store.client import Store
from wcrecall.store.connection import Answer

# Headers a client reads. `Link` is compared by its relations only: its URL echoes the signed query string.
COMPARED_HEADERS = ("Content-Type", "X-WP-Total", "X-WP-TotalPages", "Location", "Allow", "Cache-Control", "Vary")
ID_KEYS = frozenset({"id", "order_id", "product_id", "customer_id", "parent_id", "variation_id"})
# Parts of a body left out of the comparison (dotted paths, `*` for every key or item), each with the reason.
LEFT_OUT: dict[str, tuple[set[str], str]] = {
    "settings: general": (
        {"*.options"},
        "the lists of countries, states and currencies: WooCommerce's reference data, renewed in most releases",
    ),
    "payment gateways": (
        {"*.method_description", "*.settings.*.options"},
        "what WP admin shows about a gateway: its wording, rewritten between releases, and the shipping methods it "
        "can be limited to, which are the store's (wcrecall reads id, title, enabled)",
    ),
    "system status": (
        {"environment.*", "settings.*"},
        "this machine and how the store was built (paths, PHP limits, WP-Cron, storage); compared: SYSTEM_STATUS",
    ),
}
# What doctor reads of the system status (and the settings it shows), compared in full.
SYSTEM_STATUS = {"environment": ("home_url", "site_url", "version", "wp_version"), "settings": ("currency",)}


@dataclass
class Side:
    """One store as the contract sees it: where it is, its keys, and its registered customer."""

    url: str
    key: tuple[str, str]
    readonly: tuple[str, str]
    customer_id: int

    def store(self, key: tuple[str, str] | None = None) -> Store:
        consumer_key, secret = key or self.key
        return Store(StoreSettings(url=self.url, consumer_key=consumer_key, consumer_secret=secret), max_attempts=1)


@pytest.fixture(scope="module")
def answers(wc99: RealStore) -> Iterator[tuple[dict[str, Answer], dict[str, Answer]]]:
    """Every exchange of the scenario, by name: (real store's, sandbox's)."""
    wc99.restore()
    real = Side(wc99.url, (wc99.rw.key, wc99.rw.secret), (wc99.ro.key, wc99.ro.secret), wc99.customer_id)
    # The sandbox as the real store is built: 9.9.5, Asia/Shanghai, the same product and customer ids; its clock
    # runs, so the orders below get distinct modification times there as here.
    with SandboxStore(wc_version="9.9.5", timezone="Asia/Shanghai", ticking_clock=True) as sandbox:
        product = wc99.product_id
        sandbox.products[product] = Product(product, "Blue mug", "", 2500, 0)
        configure_like_the_real_store(sandbox)
        fake = Side(
            sandbox.url,
            (DEFAULT_CONSUMER_KEY, DEFAULT_CONSUMER_SECRET),
            (READONLY_CONSUMER_KEY, READONLY_CONSUMER_SECRET),
            wc99.customer_id,
        )
        with pytest.MonkeyPatch.context() as patch:
            patch.setattr(store_module, "PER_PAGE", 2)  # three orders: the sync reads two pages
            yield scenario(real, product), scenario(fake, product)
    wc99.restore()


def configure_like_the_real_store(sandbox: SandboxStore) -> None:
    """The settings the real store was built with (wpstore.RealStore._install) where the sandbox's differ: no store
    address, and cash on delivery installed but off."""
    for setting in ("woocommerce_store_address", "woocommerce_store_city", "woocommerce_store_postcode"):
        sandbox.set_setting("general", setting, "")
    sandbox.set_gateways({"bacs": True, "cheque": True, "cod": False})


def scenario(side: Side, product_id: int) -> dict[str, Answer]:
    """The requests wcrecall makes, in the order a first run, doctor and explain make them; every raw answer."""
    since = datetime.now(UTC) - timedelta(hours=1)
    seen: dict[str, Answer] = {}
    store = side.store()
    order = {
        "status": "failed",
        "currency": "USD",
        "payment_method": "bacs",
        "payment_method_title": "Direct bank transfer",
        "billing": {"first_name": "Ana", "last_name": "Silva", "email": "ana@example.com", "country": "PT"},
        "line_items": [{"product_id": product_id, "quantity": 2}],
    }
    ids = []
    for variant in ({}, {"status": "pending"}, {"customer_id": side.customer_id}):
        with recording(store, seen, f"create {len(ids)}"):
            body, _ = store._call("POST", "orders", data={**order, **variant})
        ids.append(int(body["id"]))
        time.sleep(1.1)  # distinct date_modified seconds: orderby=modified has no tie-breaker on a real store
    first = ids[0]
    calls: list[tuple[str, Store, Callable[[], Any]]] = [
        ("sync page 1 and 2", store, lambda: [p.orders for p in store.changed_orders(since)]),
        (
            "doctor: orders",
            store,
            lambda: store.orders_page({"status": "any", "per_page": 1, "_fields": "id,version"}, 1),
        ),
        (
            "audit and report: orders",
            store,
            lambda: list(
                order_stream(store, start=since, end=datetime.now(UTC), fields=AUDIT_FIELDS, progress=NoProgress())
            ),
        ),
        ("order", store, lambda: store.get_order(first)),
        ("notes", store, lambda: store.get_notes(first)),
        (
            "add note",
            store,
            lambda: store.add_note(first, "wcrecall: payment reminder 1 of 3 sent to a***@example.com"),
        ),
        ("notes after the note", store, lambda: store.get_notes(first)),
        ("write probe", store, store.probe_write),
        ("hold stock", store, store.hold_stock_minutes),
        ("customer failed-order email", store, lambda: store.get_setting("email_customer_failed_order", "enabled")),
        ("abandoned-cart email", store, lambda: store.get_setting("email_customer_abandoned_cart_recovery", "enabled")),
        (
            "settings: customer failed-order email",
            store,
            lambda: store._call("GET", "settings/email_customer_failed_order"),
        ),
        ("settings groups", store, lambda: store._call("GET", "settings")),
        ("settings: general", store, lambda: store._call("GET", "settings/general")),
        ("payment gateways", store, store.payment_gateways),
        ("system status", store, store.system_status),
        ("404: order", store, lambda: store.get_order(999999)),
        ("404: notes", store, lambda: store.get_notes(999999)),
        ("400: per_page", store, lambda: store.orders_page({"per_page": 101}, 1)),
        ("400: status", store, lambda: store.orders_page({"status": "bogus"}, 1)),
    ]
    readonly = side.store(side.readonly)
    calls += [
        ("read-only key: write probe", readonly, readonly.probe_write),
        ("read-only key: add note", readonly, lambda: readonly.add_note(first, "wcrecall: never written")),
    ]
    wrong = side.store((side.key[0], "cs_" + "0" * 40))
    calls.append(("401: wrong secret", wrong, lambda: wrong.orders_page({"per_page": 1}, 1)))
    unknown = side.store(("ck_" + "0" * 40, side.key[1]))
    calls.append(("401: unknown key", unknown, lambda: unknown.orders_page({"per_page": 1}, 1)))
    for name, client, call in calls:
        with recording(client, seen, name), suppress(StoreError):
            call()
    return seen


@contextmanager
def recording(store: Store, seen: dict[str, Answer], name: str) -> Iterator[None]:
    """Record the raw answers to what `store` asks inside the block, as `name`, `name #2`, ..."""
    with store.session() as http:
        count = 0

        def keep(answer: Answer) -> None:
            nonlocal count
            count += 1
            seen[name if count == 1 else f"{name} #{count}"] = answer

        http.observers.append(keep)
        yield


EXCHANGES = [
    "create 0", "create 1", "create 2", "sync page 1 and 2", "sync page 1 and 2 #2", "doctor: orders",
    "audit and report: orders", "audit and report: orders #2", "order", "notes", "add note", "notes after the note",
    "write probe", "hold stock", "hold stock #2", "customer failed-order email", "abandoned-cart email",
    "settings: customer failed-order email", "settings groups", "settings: general", "payment gateways",
    "system status", "404: order", "404: notes", "400: per_page", "400: status", "read-only key: write probe",
    "read-only key: add note", "401: wrong secret", "401: unknown key",
]  # fmt: skip


def test_the_scenario_makes_every_request_on_both_stores(answers: tuple[dict[str, Any], dict[str, Any]]) -> None:
    """Both stores got the same requests (the sync paged twice: the paging is part of the contract)."""
    real, fake = answers
    assert list(real) == EXCHANGES
    assert list(fake) == EXCHANGES


@pytest.mark.parametrize("name", EXCHANGES)
def test_the_sandbox_answers_like_a_real_woocommerce_9_9(
    name: str, answers: tuple[dict[str, Answer], dict[str, Answer]]
) -> None:
    """Status, the headers a client reads, the body's shape and its clock- and id-free values are equal."""
    real, fake = answers[0][name], answers[1][name]
    assert fake.method == real.method and _path(fake) == _path(real)
    assert fake.status_code == real.status_code, fake.content[:300]
    for header in COMPARED_HEADERS:
        assert _header(fake, header) == _header(real, header), header
    assert _link_relations(fake) == _link_relations(real)
    mine, theirs = _normal(fake), _normal(real)
    if name == "system status":
        assert _system_status(mine) == _system_status(theirs)
    left_out = LEFT_OUT.get(name, (set(), ""))[0]
    mine, theirs = _without(mine, left_out), _without(theirs, left_out)
    assert shape(mine) == shape(theirs)
    assert mine == theirs


def _system_status(body: Any) -> dict[str, dict[str, Any]]:
    return {part: {key: body[part].get(key) for key in keys} for part, keys in SYSTEM_STATUS.items()}


def _without(data: Any, paths: set[str]) -> Any:
    """`data` without the dotted `paths`; `*` stands for every key of an object or every item of a list."""
    if not paths:
        return data
    heads: dict[str, set[str]] = {}
    for path in paths:
        head, _, rest = path.partition(".")
        heads.setdefault(head, set()).add(rest)
    if isinstance(data, list):
        inner = heads.get("*", set())
        return [_without(item, inner) if "" not in inner else None for item in data]
    if not isinstance(data, dict):
        return data
    out = {}
    for key, value in data.items():
        rests = heads.get(key, set()) | heads.get("*", set())
        if "" in rests:
            continue  # the path ends here: left out
        out[key] = _without(value, rests)
    return out


def _path(response: Answer) -> str:
    """The request's path with the ids masked (each store hands out its own)."""
    return re.sub(r"/\d+(?=/|$)", "/<id>", urlsplit(response.url).path)


def _header(response: Answer, name: str) -> str | None:
    value = response.headers.get(name)
    if value is None:
        return None
    home = f"{urlsplit(response.url).scheme}://{urlsplit(response.url).netloc}"
    return re.sub(r"/\d+(?=/|$)", "/<id>", value.replace(home, "<home>"))


def _link_relations(response: Answer) -> list[str]:
    return re.findall(r'rel="([^"]+)"', response.headers.get("Link", ""))


def _normal(response: Answer) -> Any:
    """The body with what depends on the clock, the ids or the address masked."""
    home = f"{urlsplit(response.url).scheme}://{urlsplit(response.url).netloc}"
    return _mask(json.loads(response.content), home, "")


def _mask(value: Any, home: str, key: str) -> Any:
    if isinstance(value, dict):
        return {k: _mask(v, home, k) for k, v in value.items()}
    if isinstance(value, list):
        return [_mask(v, home, key) for v in value]
    if key in ID_KEYS and isinstance(value, int) and value > 0:
        return "<id>"
    if isinstance(value, str):
        if key.startswith("date_") and value:
            return "<date>"
        if key in ("number",) and value.isdigit():
            return "<id>"
        if key == "order_key" or value.startswith("wc_order_"):
            return "<key>"
        value = value.replace(home, "<home>")
        value = re.sub(r"/\d+(?=[/?]|$)", "/<id>", value)
        return re.sub(r"key=wc_order_\w+", "key=<key>", value)
    return value
