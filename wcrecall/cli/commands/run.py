"""`wcrecall run`: one tick of the recall loop, for one store or every store in the config's folder."""

from __future__ import annotations

from typing import Annotated, Any

import typer

from wcrecall.cli.boundary import guarded
from wcrecall.cli.context import Context, Verbose, now_utc
from wcrecall.cli.output import err, out, progress_for
from wcrecall.config.settings import Settings


def run(
    ctx: typer.Context,
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Print what would be sent; send, note and record nothing.")
    ] = False,
    baseline: Annotated[
        bool, typer.Option("--baseline", help="Record today's failed/pending orders as handled without mailing them.")
    ] = False,
    all_stores: Annotated[
        bool, typer.Option("--all", help="Run every *.toml config in the config's folder, one by one.")
    ] = False,
    verbose: Verbose = False,
) -> None:
    """Run one tick: sync changed orders, send due reminders, write order notes. Put it in cron.

    Example (crontab, every 10 minutes): */10 * * * * wcrecall --config ~/.config/wcrecall/config.toml run
    """
    from wcrecall.cli.multistore import run_all_stores

    def work(obj: Context) -> None:
        if all_stores:
            raise typer.Exit(run_all_stores(obj, dry_run=dry_run, baseline=baseline))
        code = tick_and_show(obj, obj.settings(), dry_run=dry_run, baseline=baseline, progress=progress_for(False))
        raise typer.Exit(code)

    guarded(ctx, work)


def tick_and_show(obj: Context, settings: Settings, *, prefix: str = "", dry_run: bool, **options: Any) -> int:
    """Run one tick; print what it did (with -v or --dry-run) and its problems, each line after `prefix`, also when
    an error stopped it (the error then goes on to the boundary); return the exit code of a tick that finished."""
    from wcrecall.cli.context import speak_as_configured
    from wcrecall.recall.tick import TickReport, run_tick

    speak_as_configured(settings)  # the store's zone as last read (doctor, explain, init): a tick opens one connection
    report = TickReport()
    try:
        run_tick(settings, now=now_utc(), dry_run=dry_run, report=report, **options)
    finally:
        if obj.verbose or dry_run:
            for line in report.lines:
                out(f"{prefix}{line}")
        for line in report.problems:
            err(f"{prefix}{line}")
    if obj.verbose:
        typer.echo(f"{prefix}{report.summary()}")
    return report.exit_code
