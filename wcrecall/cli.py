"""The command line: parse options, build settings, call one library function, map errors to exit codes.

Exit codes (for cron): 0 done; 1 some orders had problems, the others were processed; 2 configuration or
authentication problem; 75 another run holds the lock (nothing done).
"""

from __future__ import annotations

import json
import logging
import os
import stat
import sys
import traceback
from collections.abc import Callable
from datetime import datetime, timezone
from pathlib import Path
from typing import Annotated, Any, TypeVar

import typer

from wcrecall import __version__
from wcrecall.config import Settings, load_settings, parse_duration
from wcrecall.errors import ConfigError, WcrecallError

app = typer.Typer(
    name="wcrecall",
    help="Win back WooCommerce orders whose payment failed: timely reminders with a fresh pay link.",
    no_args_is_help=True,
    add_completion=True,
    rich_markup_mode=None,
    pretty_exceptions_enable=False,
)

T = TypeVar("T")


class Context:
    def __init__(self, config: str | None, verbose: bool) -> None:
        self.config = config
        self.verbose = verbose

    def settings(self) -> Settings:
        settings = load_settings(self.config)
        warn_insecure(settings)
        return settings


def err(line: str) -> None:
    typer.echo(line, err=True)


def warn_insecure(settings: Settings) -> None:
    """Warnings that must show on every run until fixed (they never stop the run)."""
    if not settings.store.verify_tls:
        err("Warning: store.verify_tls is false: the store's TLS certificate is not checked")
    path = settings.config_path
    if path is not None and path.exists() and path.stat().st_mode & (stat.S_IRWXG | stat.S_IRWXO):
        err(f"Warning: {path.name} can be read by other users; run: chmod 600 {path}")


def now_utc() -> datetime:
    """The current time; `WCRECALL_NOW` (ISO 8601) pretends another time, for the demo and tests."""
    override = os.environ.get("WCRECALL_NOW")
    if override:
        try:
            moment = datetime.fromisoformat(override)
        except ValueError:
            raise ConfigError(f"WCRECALL_NOW: expected an ISO time like 2026-11-26T10:00:00Z, got {override!r}") from None
        return moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)
    return datetime.now(timezone.utc)


def guarded(ctx: typer.Context, work: Callable[[Context], T]) -> T:
    """The one error boundary: `Error: <message>` on stderr and the error's exit code; -v adds the traceback."""
    obj: Context = ctx.obj
    try:
        return work(obj)
    except WcrecallError as exc:
        if obj.verbose:
            traceback.print_exc()
        err(f"Error: {exc}")
        raise typer.Exit(exc.exit_code) from None


def version_callback(value: bool) -> None:
    if value:
        typer.echo(f"wcrecall {__version__}")
        raise typer.Exit()


@app.callback()
def main_options(
    ctx: typer.Context,
    config: Annotated[
        str | None,
        typer.Option("--config", "-c", help="Config file (default: the user's config dir; env WCRECALL_CONFIG).", envvar="WCRECALL_CONFIG"),
    ] = None,
    verbose: Annotated[bool, typer.Option("--verbose", "-v", help="Say what happened to each order.")] = False,
    version: Annotated[
        bool, typer.Option("--version", callback=version_callback, is_eager=True, help="Print the version and exit.")
    ] = False,
) -> None:
    """Win back WooCommerce orders whose payment failed.

    Example: wcrecall --config shop.toml run
    """
    ctx.obj = Context(config, verbose)
    logging.basicConfig(level=logging.INFO if verbose else logging.WARNING, format="%(message)s", stream=sys.stderr)
    # requests/urllib3 would log full URLs (OAuth signatures) at debug level; keep them quiet at any verbosity.
    for noisy in ("urllib3", "requests"):
        logging.getLogger(noisy).setLevel(logging.WARNING)


@app.command()
def run(
    ctx: typer.Context,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Print what would be sent; send, note and record nothing.")] = False,
    baseline: Annotated[
        bool, typer.Option("--baseline", help="Record today's failed/pending orders as handled without mailing them.")
    ] = False,
) -> None:
    """Run one tick: sync changed orders, send due reminders, write order notes. Put it in cron.

    Example (crontab, every 10 minutes): */10 * * * * wcrecall --config ~/.config/wcrecall/config.toml run
    """
    from wcrecall.recall import run_tick

    def work(obj: Context) -> None:
        report = run_tick(obj.settings(), now=now_utc(), dry_run=dry_run, baseline=baseline)
        if obj.verbose or dry_run:
            for line in report.lines:
                typer.echo(line)
        for line in report.problems:
            err(line)
        if report.fatal is not None:
            raise report.fatal
        if obj.verbose:
            typer.echo(f"opened {report.opened}, sent {report.sent}, ended {report.ended} ({report.recovered} recovered)")
        if report.exit_code:
            raise typer.Exit(report.exit_code)

    guarded(ctx, work)


@app.command()
def status(
    ctx: typer.Context,
    open_only: Annotated[bool, typer.Option("--open", help="Only recalls that may still send.")] = False,
    recovered: Annotated[bool, typer.Option("--recovered", help="Only recalls that ended in a payment.")] = False,
    since: Annotated[str | None, typer.Option("--since", help="Only recalls opened this recently, e.g. 7d or 24h.")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON instead of a table.")] = False,
) -> None:
    """Show recalls: order, masked email, country, total, steps sent, next step, outcome; then a summary.

    Example: wcrecall status --open --since 7d
    """
    from wcrecall.state import State
    from wcrecall.status import StatusFilter, collect

    def work(obj: Context) -> None:
        settings = obj.settings()
        state = State(settings.state_path, read_only=True).load()
        for problem in state.problems:
            err(problem)
        flt = StatusFilter(
            open_only=open_only, recovered_only=recovered, since=parse_duration(since, "--since") if since else None
        )
        data = collect(list(state.recalls.values()), now_utc(), flt)
        if as_json:
            typer.echo(json.dumps(data, indent=2, ensure_ascii=False))
        else:
            print_status(data)

    guarded(ctx, work)


def print_status(data: dict[str, Any]) -> None:
    from rich.console import Console
    from rich.table import Table

    console = Console(no_color=bool(os.environ.get("NO_COLOR")) or None, width=None if sys.stdout.isatty() else 120)
    table = Table(show_lines=False, pad_edge=False, box=None)
    for column in ("order", "email", "cc", "total", "status", "reason", "sent", "next due", "outcome"):
        table.add_column(column, overflow="fold")
    for r in data["recalls"]:
        outcome = r["outcome"].replace("_", " ")
        if r["end_reason"] and r["outcome"] not in ("open",):
            outcome += f": {r['end_reason']}"
        table.add_row(
            f"#{r['number']}",
            r["email"],
            r["country"],
            f"{r['total']} {r['currency']}",
            r["order_status"],
            r["reason"].replace("_", " "),
            r["steps_text"],
            (r["next_due"] or "")[:16].replace("T", " "),
            outcome,
        )
    if data["recalls"]:
        console.print(table)
    s = data["summary"]
    revenue = ", ".join(f"{amount} {cur}" for cur, amount in s["recovered_revenue"].items()) or "0"
    console.print(
        f"{s['recalls']} recalls: {s['open']} open, {s['recovered']} recovered ({revenue}); "
        + ", ".join(f"{k.replace('_', ' ')} {v}" for k, v in s["outcomes"].items() if k not in ("open",))
        + (f"; {s['uncertain_steps']} uncertain step(s)" if s["uncertain_steps"] else "")
    )


@app.command()
def preview(
    ctx: typer.Context,
    order_id: Annotated[int, typer.Argument(help="The order id (as in WP admin).")],
    step: Annotated[int, typer.Option("--step", help="Which reminder to render.", min=1)] = 1,
    out: Annotated[Path | None, typer.Option("--out", help="Write the HTML here instead of printing the text part.")] = None,
) -> None:
    """Render the reminder email for a live order; sends and writes nothing.

    Example: wcrecall preview 1234 --step 2 --out reminder.html
    """
    from wcrecall.preview import render_preview

    def work(obj: Context) -> None:
        rendered = render_preview(obj.settings(), order_id=order_id, step=step)
        if out is not None:
            out.write_text(rendered.html, encoding="utf-8")
            typer.echo(f"wrote {out} ({rendered.subject})")
        else:
            typer.echo(f"Subject: {rendered.subject}\n\n{rendered.text}")

    guarded(ctx, work)


@app.command()
def demo(
    ctx: typer.Context,
    outbox: Annotated[Path, typer.Option("--outbox", help="Where the demo's emails are written.")] = Path("demo-outbox"),
    days: Annotated[int, typer.Option("--days", help="Simulated days to run.", min=1, max=14)] = 4,
) -> None:
    """Run the whole loop on the built-in sandbox store over a few simulated days; emails go to files.

    Example: wcrecall demo --outbox demo-outbox
    """
    from wcrecall.demo import run_demo

    def work(obj: Context) -> None:
        data = run_demo(outbox=outbox, days=days, echo=typer.echo)
        typer.echo("\n$ wcrecall status")
        print_status(data)

    guarded(ctx, work)


# -- commands: explain (routing) ------------------------------------------------------------------------------------

# -- commands: forget, suppress (privacy) ----------------------------------------------------------------------------

# -- commands: audit, report ----------------------------------------------------------------------------------------

# -- commands: init, doctor, cron -------------------------------------------------------------------------------------


def main() -> None:
    app()
