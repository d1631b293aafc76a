"""Helpers for end-to-end tests: a config for the sandbox store and a CLI runner with the simulated clock."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from typer.testing import CliRunner

from wcrecall.cli.app import app
from wcrecall.sandbox import DEFAULT_CONSUMER_KEY, DEFAULT_CONSUMER_SECRET, SandboxStore

NOW = datetime(2026, 11, 26, 16, 0, tzinfo=UTC)  # daytime for buyers in the Americas and Europe
SMTP_PASSWORD = "smtp-Secret-pw-4c1d"


def write_config(
    tmp_path: Path,
    store_url: str,
    *,
    smtp_port: int | None = None,
    outbox: Path | None = None,
    secret: str = DEFAULT_CONSUMER_SECRET,
    key: str = DEFAULT_CONSUMER_KEY,
    extra: str = "",
    name: str = "shop.toml",
) -> Path:
    """A config file for the sandbox store with SMTP on `smtp_port` (login shop/SMTP_PASSWORD) or the file transport."""
    if smtp_port is not None:
        mail = (
            f'transport = "smtp"\nhost = "127.0.0.1"\nport = {smtp_port}\nsecurity = "none"\n'
            f'username = "shop"\npassword = "{SMTP_PASSWORD}"\n'
        )
    else:
        mail = f'transport = "file"\noutbox = "{(outbox or tmp_path / "outbox").as_posix()}"\n'
    text = (
        f'[store]\nurl = "{store_url}"\nconsumer_key = "{key}"\nconsumer_secret = "{secret}"\ntimeout = 5\n\n'
        f'[mail]\n{mail}from = "Example Shop <shop@example.com>"\n\n'
        '[brand]\nstore_name = "Example Shop"\nsupport_email = "help@example.com"\n\n'
        f'[state]\npath = "{(tmp_path / (Path(name).stem + ".state.json")).as_posix()}"\n' + extra
    )
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    path.chmod(0o600)
    return path


@dataclass
class Result:
    exit_code: int
    stdout: str
    stderr: str


def cli(args: list[str], *, config: Path | None, now: datetime, env: Mapping[str, str] | None = None) -> Result:
    """Run the wcrecall CLI in-process with `now` as its clock."""
    full_env = {"WCRECALL_NOW": now.isoformat(), "NO_COLOR": "1", "COLUMNS": "200"}
    if config is not None:
        full_env["WCRECALL_CONFIG"] = str(config)
    full_env.update(env or {})
    result = CliRunner().invoke(app, args, env=full_env, catch_exceptions=False)
    return Result(result.exit_code, result.stdout, result.stderr)


DECLINED = "Payment failed: Your card was declined. Order status changed from Pending payment to Failed."
NO_FUNDS = "Payment failed: Your card has insufficient funds. Order status changed from Pending payment to Failed."


def failed_order(
    store: SandboxStore,
    email: str,
    *,
    hours_ago: float = 2,
    status: str = "failed",
    note: str = DECLINED,
    **fields: Any,
) -> int:
    """A failed (or pending) checkout order created `hours_ago` before the store's clock, with a Stripe note
    (declined by the bank: reminders at +1 h, +24 h, +72 h).

    It was last modified at the store's "now", as an order that just reached the store's database is."""
    created = store.clock.now() - timedelta(hours=hours_ago)
    billing = {"email": email, **fields.pop("billing", {})}
    data = store.create_order(
        status=status, billing=billing, date_created=created, date_modified=store.clock.now(), **fields
    )
    if status == "failed":
        store.add_note(int(data["id"]), note)
    return int(data["id"])


def ticks(start: datetime, end: datetime, step: timedelta = timedelta(minutes=10)) -> Iterator[datetime]:
    moment = start
    while moment <= end:
        yield moment
        moment += step
