"""`python -m wcrecall.sandbox --platform magento`: the Magento sandbox standalone, its clock following real time."""

from __future__ import annotations

import argparse
import threading
import time
from datetime import datetime, timedelta

from wcrecall.sandbox.magento.generate import generate_orders, seed_demo
from wcrecall.sandbox.magento.oauth import FULL_INTEGRATION, NOCOMMENT_INTEGRATION
from wcrecall.sandbox.magento.seed import seed_fixture
from wcrecall.sandbox.magento.server import MagentoSandbox

TZ_DEFAULT = "America/New_York"  # the WooCommerce sandbox's default: Magento's own default here is the capture's


def serve(args: argparse.Namespace, now: datetime) -> None:
    """Start the store from the parsed sandbox options; the store clock advances with the wall clock (the hourly
    cleanup cron included) until Ctrl-C."""
    timezone = "Asia/Shanghai" if args.timezone == TZ_DEFAULT else args.timezone
    store = MagentoSandbox(port=args.port, auth=not args.no_auth, latency=args.latency, timezone=timezone,
                           close_connections=args.close_connections, now=now)  # fmt: skip
    with store:
        if args.seed == "demo":
            seed_demo(store, now)
        elif args.seed == "fixture":
            seed_fixture(store, now=None)  # the captured orders, the clock kept at the real time
        if args.orders:
            generate_orders(store, args.orders, start=store.now() - timedelta(days=365), end=store.now())
        print(f"Magento 2.4.7-p3 sandbox store at {store.url}/rest/V1/ ({len(store.orders)} orders, "
              f"clock {store.now():%Y-%m-%d %H:%M}Z, pending payment lifetime {store.lifetime()} min)")  # fmt: skip
        for label, integration in (("orders + comments", FULL_INTEGRATION), ("no comment permission",
                                                                           NOCOMMENT_INTEGRATION)):  # fmt: skip
            print(f"  integration '{integration.name}' ({label}):")
            print(f"    consumer key / secret: {integration.consumer_key} / {integration.consumer_secret}")
            print(f"    access token / secret: {integration.access_token} / {integration.token_secret}")
        print("  OAuth 1.0a HMAC-SHA256 in the Authorization header only (as on a real store); Ctrl-C stops it.",
              flush=True)  # fmt: skip
        stop = threading.Event()
        ticker = threading.Thread(target=_tick, args=(store, stop), daemon=True)
        ticker.start()
        try:
            threading.Event().wait()
        except KeyboardInterrupt:
            print("stopped")
        finally:
            stop.set()


def _tick(store: MagentoSandbox, stop: threading.Event) -> None:
    last = time.monotonic()
    while not stop.wait(1.0):
        current = time.monotonic()
        store.advance(timedelta(seconds=current - last))
        last = current
