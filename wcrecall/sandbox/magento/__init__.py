"""The built-in sandbox Magento store: a real HTTP server on 127.0.0.1 answering like Magento Open Source 2.4.7-p3.

It answers as the store captured in fixtures/magento-2.4.7-p3 does (tests/test_magento_sandbox_contract.py replays
every capture against it): `GET /rest/V1/orders` with searchCriteria and `fields=`, `GET /rest/V1/orders/{id}` (also
under `/rest/default/V1/`), `/orders/{id}/statuses`, order comments (GET, POST), `store/storeConfigs`,
`store/storeViews`, `store/websites`, `directory/currency`, guest carts' payment methods, and the storefront's guest
order lookup form; integration OAuth 1.0a exactly as the README describes it; Magento's error bodies. It adds a
simulated clock with the `sales_clean_orders` cron, paying, hostile data and fault injection.

Public entry points (stable)::

    from wcrecall.sandbox.magento import (
        FULL_INTEGRATION, NOCOMMENT_INTEGRATION, Integration, MagentoSandbox, seed_fixture, seed_demo, sign_header,
    )

    with MagentoSandbox(now=...) as store:   # empty store; clock = `now` (UTC), default the capture time
        seed_fixture(store)                  # the 18 captured orders and 15 comments (clock: 2026-11-30 08:01:36Z)
        seed_demo(store, now)                # or: a realistic demo store (generate.py); returns the DemoOrders ids
        store.url                            # http://127.0.0.1:PORT (REST under /rest/V1/...)
        FULL_INTEGRATION.consumer_key, .consumer_secret, .access_token, .token_secret   # orders + comments
        NOCOMMENT_INTEGRATION                # same without Magento_Sales::comment: POST comments -> 401

- Data and rules (store.MagentoStore): `order_json(id)`, `comments_of(id)`, `add_comment(id, text, notified=,
  visible=)`, `pay(id)`, `cancel(id)`, `set_status(id, status)`, `update_order(id, **fields)` (hostile names),
  `add_order(json)`, `clean_orders()` (the cron now), `advance(timedelta)` (runs the cron at each full hour passed),
  `set_now(dt)`, `now()`, `set_lifetime(minutes, website_id=1)`, `lifetime()`, `cron_runs`.
- Server (server.MagentoSandbox): `url`, `base_url`, `inject(fault, times=, path=)` (server.FAULTS),
  `clear_faults()`, `count(method, route)`, `request_log`, `reset_counters()`; options `auth=False`, `wall_clock=`
  (OAuth timestamp checks), `verify_nonces=`, `integrations=`, `latency=`, `timezone=`, `close_connections=`.
- `sign_header(method, url, integration)`: a correctly signed `Authorization` value (for tests and tools).
- `python -m wcrecall.sandbox --platform magento` runs it standalone.

Modules: oauth.py (signatures, checks), search.py (searchCriteria, fields=), rest.py (routes, errors, pages),
store.py (orders, comments, clock, cron), server.py (HTTP, faults, counters), seed.py (the captured data,
fixture_store.json), generate.py (demo and bench stores).
"""

from wcrecall.sandbox.magento.generate import GATEWAY_COMMENTS, generate_orders, seed_demo
from wcrecall.sandbox.magento.oauth import (
    DEFAULT_INTEGRATIONS,
    FULL_INTEGRATION,
    NOCOMMENT_INTEGRATION,
    Authenticator,
    Integration,
    OAuthRefusal,
    sign_header,
    signature,
)
from wcrecall.sandbox.magento.seed import seed_fixture
from wcrecall.sandbox.magento.server import FAULTS, LoggedRequest, MagentoSandbox
from wcrecall.sandbox.magento.store import DEFAULT_LIFETIME_MINUTES, FIXTURE_NOW, MagentoStore

__all__ = [
    "DEFAULT_INTEGRATIONS",
    "DEFAULT_LIFETIME_MINUTES",
    "FAULTS",
    "FIXTURE_NOW",
    "FULL_INTEGRATION",
    "GATEWAY_COMMENTS",
    "NOCOMMENT_INTEGRATION",
    "Authenticator",
    "Integration",
    "LoggedRequest",
    "MagentoSandbox",
    "MagentoStore",
    "OAuthRefusal",
    "generate_orders",
    "seed_demo",
    "seed_fixture",
    "sign_header",
    "signature",
]
