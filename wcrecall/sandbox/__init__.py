"""The built-in sandbox WooCommerce store: a real HTTP server on 127.0.0.1 speaking the REST v3 subset wcrecall uses.

It answers like the WooCommerce 7.8.2 store captured in fixtures/woocommerce-7.8.2 (shapes, headers, pagination,
OAuth 1.0a, error bodies), or with `wc_version="9.9.5"` like a real 9.9.5 store (versions.py lists what changes;
tests/realstore/test_contract*.py hold it to that), and adds a simulated clock, hold-stock auto-cancel, a pay page,
counters, latency and fault injection for tests, the demo and benchmarks::

    with SandboxStore() as store:
        seed_fixture_store(store)
        store.url, DEFAULT_CONSUMER_KEY, DEFAULT_CONSUMER_SECRET

Where things are: server.py (the HTTP server, counters) and faults.py (injected faults); rest.py (auth, dispatch,
WordPress headers), handlers.py (orders, notes, the route table) and sitehandlers.py (gateways, settings, system
status, indexes), params.py (request parameters), views.py (REST JSON), pages.py (order-pay and order-received);
store.py (WooCommerce's rules) over orderbook.py (orders, notes, indexes) and records.py; catalog.py and versions.py
(what the captured stores hold and how versions differ); oauth.py; seed.py (the captured store), demoseed.py (the
demo), bulk.py (generated orders).
"""

from wcrecall.sandbox.demoseed import DemoSeed, seed_demo
from wcrecall.sandbox.faults import FAULTS
from wcrecall.sandbox.oauth import (
    DEFAULT_CONSUMER_KEY,
    DEFAULT_CONSUMER_SECRET,
    DEFAULT_KEYS,
    READONLY_CONSUMER_KEY,
    READONLY_CONSUMER_SECRET,
    ApiKey,
    Authenticator,
    AuthError,
    sign_url,
)
from wcrecall.sandbox.seed import FIXTURE_NOW, seed_fixture_store
from wcrecall.sandbox.server import LoggedRequest, SandboxStore
from wcrecall.sandbox.store import OrderQuery, SimClock, Store

__all__ = [
    "DEFAULT_CONSUMER_KEY",
    "DEFAULT_CONSUMER_SECRET",
    "DEFAULT_KEYS",
    "FAULTS",
    "FIXTURE_NOW",
    "READONLY_CONSUMER_KEY",
    "READONLY_CONSUMER_SECRET",
    "ApiKey",
    "AuthError",
    "Authenticator",
    "DemoSeed",
    "LoggedRequest",
    "OrderQuery",
    "SandboxStore",
    "SimClock",
    "Store",
    "seed_demo",
    "seed_fixture_store",
    "sign_url",
]
