"""`python -m wcrecall.sandbox --port N [--platform magento]`: run a sandbox store standalone, print its URL and keys."""

from __future__ import annotations

import argparse
import threading
from datetime import UTC, datetime, timedelta

from wcrecall.sandbox.demoseed import seed_demo
from wcrecall.sandbox.oauth import (
    DEFAULT_CONSUMER_KEY,
    DEFAULT_CONSUMER_SECRET,
    READONLY_CONSUMER_KEY,
    READONLY_CONSUMER_SECRET,
)
from wcrecall.sandbox.seed import seed_fixture_store
from wcrecall.sandbox.server import SandboxStore


def main(argv: list[str] | None = None) -> None:
    """Parse the options, start the store, serve until interrupted."""
    parser = argparse.ArgumentParser(prog="python -m wcrecall.sandbox", description=__doc__)
    parser.add_argument("--port", type=int, default=0, help="port on 127.0.0.1 (default: a free one)")
    parser.add_argument("--seed", choices=("demo", "fixture", "none"), default="demo",
                        help="data: the demo orders, the captured fixture store, or none (default: demo)")  # fmt: skip
    parser.add_argument("--orders", type=int, default=0, help="also generate this many orders over the last year")
    parser.add_argument("--latency", type=float, default=0.0, help="seconds to wait before each answer")
    parser.add_argument("--timezone", default="America/New_York", help="the store's time zone")
    parser.add_argument("--no-auth", action="store_true", help="accept every request without API keys")
    parser.add_argument("--close-connections", action="store_true", help="answer `Connection: close` like PHP")
    parser.add_argument("--platform", choices=("woocommerce", "magento"), default="woocommerce",
                        help="which store to play (default: woocommerce)")  # fmt: skip
    args = parser.parse_args(argv)

    now = datetime.now(UTC).replace(microsecond=0)
    if args.platform == "magento":
        from wcrecall.sandbox.magento.standalone import serve

        serve(args, now)
        return
    store = SandboxStore(port=args.port, auth=not args.no_auth, latency=args.latency, timezone=args.timezone,
                         close_connections=args.close_connections, now=now, ticking_clock=True)  # fmt: skip
    with store:
        if args.seed == "demo":
            seed_demo(store, now)
        elif args.seed == "fixture":
            seed_fixture_store(store)
        if args.orders:
            store.generate_orders(args.orders, start=store.now() - timedelta(days=365), end=store.now())
        clock = f"{store.now():%Y-%m-%d %H:%M}Z"
        print(f"WooCommerce sandbox store at {store.url} ({store.count_orders()} orders, clock {clock})")
        print(f"  read/write key: {DEFAULT_CONSUMER_KEY} / {DEFAULT_CONSUMER_SECRET}")
        print(f"  read-only key:  {READONLY_CONSUMER_KEY} / {READONLY_CONSUMER_SECRET}")
        print("  over http only OAuth 1.0a works (as on a real store); Ctrl-C stops it.", flush=True)
        try:
            threading.Event().wait()
        except KeyboardInterrupt:
            print("stopped")


if __name__ == "__main__":
    main()
