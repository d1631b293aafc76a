"""The store client's request path: the route to the store (proxy, CA bundle) is worked out once per tick, and
every request still goes out signed with its own nonce, through the environment's proxy when one is set."""

from __future__ import annotations

import base64
import socket
import time
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

import pytest
from proxies import Proxy

from wcrecall.config.settings import StoreSettings
from wcrecall.model.errors import StoreError
from wcrecall.sandbox import DEFAULT_CONSUMER_KEY, DEFAULT_CONSUMER_SECRET, SandboxStore
from wcrecall.store import connection
from wcrecall.store.client import Store


def _store(url: str) -> Store:
    settings = StoreSettings(url=url, consumer_key=DEFAULT_CONSUMER_KEY, consumer_secret=DEFAULT_CONSUMER_SECRET)
    return Store(settings, max_retry_time=0)


def _order(store: SandboxStore) -> int:
    return int(store.create_order(status="failed", billing={"email": "ana@example.com"})["id"])


def test_a_tick_works_out_the_route_to_the_store_once(monkeypatch: pytest.MonkeyPatch) -> None:
    """The proxy and CA bundle for the store's address are looked up once per session, not once per request (a lookup
    walks the whole environment), and every request of the session goes over one connection."""
    looked_up: list[str] = []
    environ_proxies = connection.get_environ_proxies

    def counted(url: str, *args: Any) -> dict[str, str]:
        looked_up.append(url)
        return environ_proxies(url, *args)

    monkeypatch.setattr(connection, "get_environ_proxies", counted)
    with SandboxStore() as sandbox:
        order_id = _order(sandbox)
        store = _store(sandbox.url)
        with store.session():
            for _ in range(3):
                assert store.get_order(order_id)["id"] == order_id
            store.get_notes(order_id)
            store.add_note(order_id, "wcrecall: test ü")
        assert store.traffic.requests == 5
        assert any(n["note"] == "wcrecall: test ü" for n in store.get_notes(order_id))
        assert sandbox.connections == 2  # the session's one, and the read after it on a connection of its own
    assert len(looked_up) == 2


def test_every_request_is_signed_with_its_own_128_bit_nonce(monkeypatch: pytest.MonkeyPatch) -> None:
    """Each request of a session carries an OAuth signature and a fresh 32-hex-digit nonce; the sandbox, which checks
    signatures and refuses a replayed nonce, answers every one."""
    sent: list[str] = []
    send = connection.StoreSession.send

    def recorded(self: connection.StoreSession, method: str, url: str, *args: Any, **kwargs: Any) -> Any:
        sent.append(url)
        return send(self, method, url, *args, **kwargs)

    monkeypatch.setattr(connection.StoreSession, "send", recorded)
    with SandboxStore() as sandbox:
        order_id = _order(sandbox)
        store = _store(sandbox.url)
        with store.session():
            store.get_order(order_id)
            store.add_note(order_id, "wcrecall: test")
            store.get_notes(order_id)
    queries = [parse_qs(urlsplit(url).query) for url in sent]
    nonces = [q["oauth_nonce"][0] for q in queries]
    assert len(nonces) == 3 and len(set(nonces)) == 3
    assert all(len(n) == 32 and int(n, 16) >= 0 for n in nonces)
    assert all(q["oauth_signature"][0] for q in queries)


def test_a_proxy_set_in_the_environment_is_used(monkeypatch: pytest.MonkeyPatch) -> None:
    """HTTP_PROXY pointing at a port where nothing listens: the request goes there, and fails, rather than going
    around the proxy to the store."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        dead = probe.getsockname()[1]
    for name in ("NO_PROXY", "no_proxy", "http_proxy"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("HTTP_PROXY", f"http://127.0.0.1:{dead}")
    with SandboxStore() as sandbox:
        order_id = _order(sandbox)
        store = _store(sandbox.url)
        with store.session(), pytest.raises(StoreError, match="connection to 127.0.0.1 failed"):
            store.get_order(order_id)
        assert sandbox.count() == 0


def test_oauth_signing_matches_the_woocommerce_package(monkeypatch: pytest.MonkeyPatch) -> None:
    """The prepared request path signs exactly as the `woocommerce` package's OAuth 1.0a code does (the store checks
    that signature): same URL, same parameter order, same signature, for awkward values too."""
    import woocommerce.oauth

    from wcrecall.store.http import RequestPath

    base = "http://shop.example.com/sub"
    params = {"status": "any", "_fields": "id,status,billing", "search": "Zoë & co+1 ~x", "per_page": 100,
              "include": "3,1,2", "a[b]": "c", "type": "internal"}  # fmt: skip
    monkeypatch.setattr(woocommerce.oauth.OAuth, "generate_nonce", staticmethod(lambda: "f" * 32))
    for method, endpoint in (("GET", "orders"), ("POST", "orders/7/notes")):
        url = f"{base}/wp-json/wc/v3/{endpoint}?{urlencode(params)}"
        expected = woocommerce.oauth.OAuth(
            url=url, consumer_key=DEFAULT_CONSUMER_KEY, consumer_secret=DEFAULT_CONSUMER_SECRET, version="wc/v3",
            method=method, oauth_timestamp=1764000000,
        ).get_oauth_url()  # fmt: skip
        path = RequestPath(base + "/", DEFAULT_CONSUMER_KEY, DEFAULT_CONSUMER_SECRET, user_agent="wcrecall/test")
        assert path.url(method, endpoint, params, timestamp=1764000000, nonce="f" * 32) == expected


def test_oauth_signature_equals_the_packages_for_awkward_parameters() -> None:
    """The signature remembers how each parameter is quoted: for names and values that quote alike, repeat, nest
    or carry percent signs, and for the same parameters signed again, it stays the package's own."""
    from collections import OrderedDict

    import woocommerce.oauth

    from wcrecall.store.wcadapter import oauth_signature

    url = "http://shop.example.com/sub dir/wp-json/wc/v3/orders"
    cases = [
        [("status", "any"), ("a b", "1"), ("a%20b", "2"), ("oauth_nonce", "n1")],
        [("search", "100% Zoë+&=?"), ("x[y]", "z"), ("x", "w"), ("x[a]", "b"), ("oauth_timestamp", "17")],
        [("page", "2"), ("page", "3"), ("", "empty name"), ("~", "~%7E")],
        [("status", "any"), ("a b", "1"), ("a%20b", "2"), ("oauth_nonce", "n2")],  # the first again, new nonce
    ]
    for method in ("GET", "POST"):
        for pairs in cases * 2:
            signer = woocommerce.oauth.OAuth(url=url, consumer_key="ck_x", consumer_secret="cs_y%&", version="wc/v3",
                                             method=method)  # fmt: skip
            expected = signer.generate_oauth_signature(OrderedDict(pairs), url)
            assert oauth_signature(method, url, pairs, key="ck_x", secret="cs_y%&") == expected


def test_a_connection_the_store_closed_while_idle_is_opened_again_without_a_failed_request() -> None:
    """Between two requests the store closes the kept-alive connection (its keep-alive timeout): the next request
    goes out on a new connection at once, not on the dead one (which would fail, and cost a retry and its backoff)."""
    with SandboxStore() as sandbox:
        order_id = _order(sandbox)
        store = _store(sandbox.url)
        with store.session():
            assert store.get_order(order_id)["id"] == order_id
            assert sandbox.close_idle_connections() == 1
            deadline = time.monotonic() + 5
            while sandbox.open_connections and time.monotonic() < deadline:
                time.sleep(0.01)
            assert store.get_order(order_id)["id"] == order_id
        assert store.traffic.retries == 0
        assert sandbox.connections == 2


def test_requests_go_through_an_http_proxy_with_its_credentials(monkeypatch: pytest.MonkeyPatch) -> None:
    """HTTP_PROXY with a user and password: each request goes to the proxy in absolute form with Proxy-Authorization
    (never on to the store), and the store, which checks every OAuth signature, answers them."""
    for name in ("NO_PROXY", "no_proxy", "http_proxy"):
        monkeypatch.delenv(name, raising=False)
    with Proxy() as proxy:
        monkeypatch.setenv("HTTP_PROXY", proxy.url.replace("http://", "http://shop%40cn:p%3Ass@"))
        with SandboxStore() as sandbox:
            order_id = _order(sandbox)
            base = sandbox.url
            store = _store(base)
            with store.session():
                assert store.get_order(order_id)["id"] == order_id
                store.add_note(order_id, "wcrecall: via the proxy")
            assert sandbox.count() == 2
    lines = [line for line, _ in proxy.seen]
    assert [line.split("?")[0] for line in lines] == [
        f"GET {base}/wp-json/wc/v3/orders/{order_id}",
        f"POST {base}/wp-json/wc/v3/orders/{order_id}/notes",
    ]
    expected = "Basic " + base64.b64encode(b"shop@cn:p:ss").decode()
    assert [auth for _, auth in proxy.seen] == [expected, expected]


def test_a_socks_proxy_is_refused_naming_the_scheme(monkeypatch: pytest.MonkeyPatch) -> None:
    """A proxy wcrecall cannot use is an error that says so; the request never goes around it to the store."""
    for name in ("NO_PROXY", "no_proxy", "http_proxy"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("HTTP_PROXY", "socks5://127.0.0.1:1080")
    with SandboxStore() as sandbox:
        order_id = _order(sandbox)
        store = _store(sandbox.url)
        with store.session(), pytest.raises(StoreError, match=r"uses socks5:// \(only http:// proxies work\)"):
            store.get_order(order_id)
        assert sandbox.count() == 0
