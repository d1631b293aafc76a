"""The command line: the Typer app and its global options. Each command (cli/commands/) parses its options, calls
one function of the layer below and prints.

Exit codes (for cron): 0 done; 1 some orders had problems, the others were processed (or the store stayed down, or
an unexpected error: one `Error:` line, the traceback only with -v); 2 configuration or authentication problem;
75 another run holds the lock (nothing done). `cli/boundary.py` is the one error boundary.
"""

from __future__ import annotations

from typing import Annotated

import typer

from wcrecall import __version__
from wcrecall.cli.boundary import fail
from wcrecall.cli.commands import insight, orders, privacy, run, setup, status
from wcrecall.cli.context import Context, Verbose
from wcrecall.cli.l10n import OwnerGroup
from wcrecall.model.errors import WcrecallError

app = typer.Typer(
    name="wcrecall",
    cls=OwnerGroup,
    help="Win back WooCommerce orders whose payment failed: timely reminders with a fresh pay link.",
    no_args_is_help=True,
    add_completion=True,
    rich_markup_mode=None,
    pretty_exceptions_enable=False,
)


def version_callback(value: bool) -> None:
    if value:
        typer.echo(f"wcrecall {__version__}")
        raise typer.Exit()


@app.callback()
def main_options(
    ctx: typer.Context,
    config: Annotated[
        str | None,
        typer.Option(
            "--config",
            "-c",
            help="Config file (default: the user's config dir; env WCRECALL_CONFIG).",
            envvar="WCRECALL_CONFIG",
        ),
    ] = None,
    verbose: Verbose = False,
    version: Annotated[
        bool, typer.Option("--version", callback=version_callback, is_eager=True, help="Print the version and exit.")
    ] = False,
) -> None:
    """Win back WooCommerce orders whose payment failed.

    Example: wcrecall --config shop.toml run
    """
    ctx.obj = Context(config, verbose)
    ctx.obj.be_verbose(verbose)


# In the order `wcrecall --help` lists them.
app.command()(run.run)
app.command()(status.status)
app.command()(orders.preview)
app.command()(setup.demo)
app.command()(orders.explain)
app.command()(privacy.forget)
app.add_typer(privacy.suppress_app, name="suppress")
app.command()(insight.audit)
app.command()(insight.report)
app.command()(setup.init)
app.command()(setup.doctor)
app.command()(setup.cron)


def main() -> None:
    try:
        app()
    except WcrecallError as exc:
        # Raised before a command is reached: importing the store checks the installed woocommerce package.
        raise SystemExit(fail(exc)) from None
