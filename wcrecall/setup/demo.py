"""`wcrecall demo`: the whole loop on the built-in sandbox store over a few simulated days, emails to files.

Nothing here is staged: the sandbox is a real HTTP server on 127.0.0.1 speaking WooCommerce REST v3 with OAuth, and
every tick is the same `run_tick` that `wcrecall run` calls. Only time is simulated: the store's clock and the tick's
`now` move together, ten minutes per tick, and a few buyers act (one pays after the first reminder).

`--platform magento` runs the same loop on the built-in Magento sandbox (REST with an integration's OAuth
signature, order comments, and the hourly cron that cancels pending-payment orders after their lifetime).
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from babel import dates

from wcrecall.config.settings import load_settings
from wcrecall.i18n import _, babel_locale, n_
from wcrecall.insight.status import StatusFilter, collect
from wcrecall.recall.tick import run_tick
from wcrecall.sandbox import DEFAULT_CONSUMER_KEY, DEFAULT_CONSUMER_SECRET, SandboxStore, seed_demo
from wcrecall.state.db import State

TICK = timedelta(minutes=10)

STORE = """\
[store]
url = "{url}"
consumer_key = "{key}"
consumer_secret = "{secret}"
"""

CONFIG = """\
{store}
[mail]
transport = "file"
outbox = "{outbox}"
from = "Maple & Pine Goods <orders@maple-pine.example>"

[brand]
store_name = "Maple & Pine Goods"
support_email = "help@maple-pine.example"
support_phone = "+1 614 555 0100"
support_url = "https://maple-pine.example/help"
accent_color = "#2f6f4e"

[state]
path = "{state}"
"""

MAGENTO_STORE = """\
[store]
platform = "magento"
url = "{url}"
consumer_key = "{key}"
consumer_secret = "{secret}"
access_token = "{token}"
access_token_secret = "{token_secret}"
"""


@dataclass
class DemoStore:
    """What the demo loop needs of either sandbox: its [store] table, the order that pays after its first reminder,
    how to pay it, and how the store's clock moves (Magento's cron runs at each full hour)."""

    url: str
    store_config: str
    order_count: int
    pays: int
    pay: Callable[[int], Any]
    clock: Callable[[datetime], Any]


@contextmanager
def demo_store(platform: str, start: datetime) -> Iterator[DemoStore]:
    if platform == "magento":
        from wcrecall.sandbox.magento import FULL_INTEGRATION, MagentoSandbox
        from wcrecall.sandbox.magento import seed_demo as seed_magento

        with MagentoSandbox(now=start) as magento:
            kinds = seed_magento(magento, start)
            key = FULL_INTEGRATION
            yield DemoStore(
                magento.url,
                MAGENTO_STORE.format(url=magento.url, key=key.consumer_key, secret=key.consumer_secret,
                                     token=key.access_token, token_secret=key.token_secret),
                sum(len(ids) for ids in kinds.values()),
                kinds["pending_payment"][0],
                magento.pay,
                lambda now: magento.advance(now - magento.now()),
            )  # fmt: skip
        return
    with SandboxStore() as store:
        seed = seed_demo(store, start)
        yield DemoStore(
            store.url,
            STORE.format(url=store.url, key=DEFAULT_CONSUMER_KEY, secret=DEFAULT_CONSUMER_SECRET),
            len(seed.order_ids),
            seed.pays_after_first_email,
            store.pay,
            store.set_now,  # also runs the store's hold-stock auto-cancel
        )


def run_demo(*, outbox: Path, days: int, echo: Callable[[str], None], platform: str = "woocommerce") -> dict[str, Any]:
    """Run `days` simulated days of ticks against a seeded sandbox; return what `status` shows at the end."""
    outbox = outbox.resolve()
    outbox.mkdir(parents=True, exist_ok=True)
    for old in [*outbox.glob("*.eml"), *outbox.glob("*.html")]:
        old.unlink()  # a re-run starts from an empty outbox so the count below is this run's
    start = datetime.now(UTC).replace(second=0, microsecond=0)
    with tempfile.TemporaryDirectory(prefix="wcrecall-demo-") as work, demo_store(platform, start) as store:
        config = Path(work) / "demo.toml"
        config.write_text(
            CONFIG.format(
                store=store.store_config,
                outbox=outbox.as_posix(),
                state=(Path(work) / "demo.state.json").as_posix(),
            ),
            encoding="utf-8",
        )
        config.chmod(0o600)
        settings = load_settings(config, env={})
        echo(_sandbox_line(platform, store.url, store.order_count, days))
        pay_at: datetime | None = None
        now = start
        end = start + timedelta(days=days)
        problems = 0
        while now <= end:
            store.clock(now)
            if pay_at is not None and now >= pay_at:
                store.pay(store.pays)
                echo(
                    f"{_clock(now)}  "
                    + _("buyer of order #{order} pays from the reminder's link").format(order=store.pays)
                )
                pay_at = None
            report = run_tick(settings, now=now)
            problems += len(report.problems)
            for line in report.lines:
                echo(f"{_clock(now)}  {line}")
            if pay_at is None and (str(store.pays), 1) in report.reminders:
                pay_at = now + timedelta(hours=2)  # the buyer pays two hours after the first reminder left
            now += TICK
        state = State.of(settings, read_only=True).load()
        data = collect(list(state.recalls.values()), now, StatusFilter())
    emails = sorted(outbox.glob("*.eml"))
    echo(
        "\n"
        + n_(
            "{n} email written to {outbox} (open the .html files in a browser).",
            "{n} emails written to {outbox} (open the .html files in a browser).",
            len(emails),
        ).format(n=len(emails), outbox=outbox)
    )
    if problems:
        echo(
            n_("{n} problem reported during the demo.", "{n} problems reported during the demo.", problems).format(
                n=problems
            )
        )
    return data


def _sandbox_line(platform: str, url: str, orders: int, days: int) -> str:
    if platform == "magento":
        text = n_(
            "Sandbox Magento store at {url} with {orders} orders; {days} simulated day, a tick every 10 minutes.",
            "Sandbox Magento store at {url} with {orders} orders; {days} simulated days, a tick every 10 minutes.",
            days,
        )
    else:
        text = n_(
            "Sandbox store at {url} with {orders} orders; {days} simulated day, a tick every 10 minutes.",
            "Sandbox store at {url} with {orders} orders; {days} simulated days, a tick every 10 minutes.",
            days,
        )
    return text.format(url=url, orders=orders, days=days)


def _clock(now: datetime) -> str:
    """The simulated time before each line: the weekday in the owner's language, the time in UTC (the sandbox's)."""
    return dates.format_datetime(now, "EEE HH:mm", tzinfo=UTC, locale=babel_locale()) + " UTC"
