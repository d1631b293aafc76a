"""The official `woocommerce` Python client (OAuth over http) works against the sandbox."""

from __future__ import annotations

import requests
from woocommerce import API

from wcrecall.sandbox import (
    DEFAULT_CONSUMER_KEY,
    DEFAULT_CONSUMER_SECRET,
    SandboxStore,
    seed_fixture_store,
    sign_url,
)


def test_sandbox_serves_the_woocommerce_python_client() -> None:
    """woocommerce.API(version="wc/v3") lists orders, adds a note and updates a status over OAuth."""
    with SandboxStore() as store:
        seed_fixture_store(store)
        api = API(url=store.url, consumer_key=DEFAULT_CONSUMER_KEY, consumer_secret=DEFAULT_CONSUMER_SECRET,
                  version="wc/v3", timeout=10)  # fmt: skip
        listed = api.get("orders", params={"status": "failed,pending", "per_page": 5, "page": 2})
        assert listed.status_code == 200 and listed.headers["X-WP-Total"] == "14"
        assert [o["id"] for o in listed.json()] == [22, 21, 20, 19, 18]
        note = api.post("orders/14/notes", {"note": "[wcrecall] test"})
        assert note.status_code == 201 and note.json()["note"] == "[wcrecall] test"
        assert api.put("orders/15", {"status": "processing"}).json()["status"] == "processing"


def test_sandbox_accepts_parameters_sent_twice() -> None:
    """woocommerce 3.0.0 signs the query into the URL and sends `params` again: the last value wins, as in PHP."""
    with SandboxStore() as store:
        seed_fixture_store(store)
        signed = sign_url("GET", f"{store.url}/wp-json/wc/v3/orders?status=failed&per_page=2",
                          DEFAULT_CONSUMER_KEY, DEFAULT_CONSUMER_SECRET)  # fmt: skip
        twice = requests.get(f"{signed}&status=failed&per_page=2", timeout=10)
        assert twice.status_code == 200 and len(twice.json()) == 2 and twice.headers["X-WP-Total"] == "8"
