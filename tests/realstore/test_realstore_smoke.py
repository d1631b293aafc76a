"""The real store itself: built from the archives, answering REST over http and through the TLS front, its mail
captured, and restored between tests. Then one wcrecall tick against it, as cron runs it."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import requests
from shop import backdate, create_order, run, sent_per_order, wcrecall_notes, write_config
from smtp_server import SmtpServer
from wpstore import RealStore


def test_store_is_the_flavour_asked_for_and_restores(real_store: RealStore) -> None:
    index = requests.get(f"{real_store.url}/wp-json/wc/v3/system_status", auth=None, timeout=30,
                         params={"consumer_key": real_store.rw.key, "consumer_secret": real_store.rw.secret})  # fmt: skip
    assert index.status_code == 401  # query-string keys are refused over http: only OAuth works there
    status = real_store.api().get("system_status").json()
    assert status["environment"]["version"] == real_store.flavour.woocommerce
    assert status["settings"]["currency"] == "USD"
    tz = real_store.wp("echo wp_timezone_string();")
    assert tz == real_store.flavour.timezone

    # https through the front: Basic auth, the certificate signed by the store's private CA
    answer = requests.get(f"{real_store.https_url}/wp-json/wc/v3/orders", auth=(real_store.rw.key, real_store.rw.secret),
                          verify=str(real_store.ca_bundle), timeout=30)  # fmt: skip
    assert answer.status_code == 200 and answer.json() == []

    order_id = create_order(real_store, "restore.me@example.com")
    real_store.wp("wp_mail('someone@example.com', 'captured', 'body');")
    assert [m["subject"] for m in real_store.mails()][-1] == "captured"
    real_store.restore()
    assert real_store.api().get("orders").json() == []
    assert real_store.api().get(f"orders/{order_id}").status_code == 404
    assert real_store.mails() == []


def test_one_tick_mails_a_failed_order_once(real_store: RealStore, smtp: SmtpServer, tmp_path: Path) -> None:
    order_id = create_order(real_store, "first.buyer@example.com")
    backdate(real_store, [order_id], timedelta(hours=2))
    config = write_config(tmp_path, real_store, smtp)

    first = run(config, "run")
    assert first.exit_code == 0, first.stderr
    second = run(config, "run")
    assert second.exit_code == 0, second.stderr

    assert sent_per_order(smtp) == {order_id: 1}
    assert len(wcrecall_notes(real_store, order_id)) == 1
