"""`wcrecall status`: the recalls of the state file as a table or JSON; no store call."""

from __future__ import annotations

import json
import os
import sys
from typing import Annotated, Any

import typer

from wcrecall.cli.boundary import guarded
from wcrecall.cli.context import Context, Verbose, now_utc
from wcrecall.cli.output import err


def status(
    ctx: typer.Context,
    open_only: Annotated[
        bool,
        typer.Option(
            "--open", help="Only recalls not yet ended (still sending, or waiting for payment after the last reminder)."
        ),
    ] = False,
    recovered: Annotated[bool, typer.Option("--recovered", help="Only recalls that ended in a payment.")] = False,
    since: Annotated[
        str | None, typer.Option("--since", help="Only recalls opened this recently, e.g. 7d or 24h.")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON instead of a table.")] = False,
    all_stores: Annotated[bool, typer.Option("--all", help="Every *.toml config in the config's folder.")] = False,
    verbose: Verbose = False,
) -> None:
    """Show recalls: order, masked email, country, total, steps sent, next step, outcome; then a summary.

    Example: wcrecall status --open --since 7d
    """
    from wcrecall.cli.multistore import status_all_stores
    from wcrecall.config.settings import parse_duration
    from wcrecall.insight.status import StatusFilter, status_of

    def work(obj: Context) -> None:
        flt = StatusFilter(
            open_only=open_only, recovered_only=recovered, since=parse_duration(since, "--since") if since else None
        )
        if all_stores:
            raise typer.Exit(status_all_stores(obj, flt, as_json=as_json))
        data = status_of(obj.settings(), now_utc(), flt, problem=err)
        if as_json:
            typer.echo(json.dumps(data, indent=2, ensure_ascii=False))
        else:
            print_status(data)

    guarded(ctx, work)


def print_status(data: dict[str, Any]) -> None:
    """`insight/status.py`'s table and summary line, drawn with rich; store text inert, never markup."""
    from rich.console import Console
    from rich.table import Table

    from wcrecall.cli.terminal import text
    from wcrecall.insight.status import column_titles, summary_line, table_rows

    console = Console(no_color=bool(os.environ.get("NO_COLOR")) or None, width=None if sys.stdout.isatty() else 120)
    table = Table(show_lines=False, pad_edge=False, box=None)
    for column in column_titles():
        table.add_column(column, overflow="fold")
    for cells in table_rows(data):
        table.add_row(*(text(cell) for cell in cells))
    if data["recalls"]:
        console.print(table)
    console.print(text(summary_line(data)))
