"""`wcrecall forget` and `wcrecall suppress`: a buyer's right to be forgotten, and who is never mailed
(`state/privacy.py` does the work)."""

from __future__ import annotations

from typing import Annotated

import typer

from wcrecall.cli.boundary import guarded
from wcrecall.cli.context import Context, Verbose, now_utc

suppress_app = typer.Typer(help="Addresses and whole domains that are never mailed.", no_args_is_help=True)


def forget(
    ctx: typer.Context,
    email: Annotated[str, typer.Argument(help="The buyer's billing email.")],
    verbose: Verbose = False,
) -> None:
    """Remove every local trace of a buyer and never mail them again (their address stays suppressed, as a hash).

    Example: wcrecall forget jane@example.com
    """
    from wcrecall.state.privacy import forget_buyer

    guarded(ctx, lambda obj: typer.echo(forget_buyer(obj.settings(), email, now=now_utc())))


@suppress_app.command("add")
def suppress_add(
    ctx: typer.Context,
    target: Annotated[str, typer.Argument(help="An address (jane@example.com) or a domain.")],
    verbose: Verbose = False,
) -> None:
    """Never mail this address, or any address at this domain.

    Example: wcrecall suppress add example.org
    """
    from wcrecall.state.privacy import change_suppression

    guarded(ctx, lambda obj: typer.echo(change_suppression(obj.settings(), "add", target, now=now_utc())))


@suppress_app.command("remove")
def suppress_remove(
    ctx: typer.Context,
    target: Annotated[str, typer.Argument(help="An address, a domain, or an entry's id or masked address as listed.")],
    verbose: Verbose = False,
) -> None:
    """Take an address or a domain off the suppression list (also by the id or masked address `suppress list` shows).

    Example: wcrecall suppress remove j***@example.com
    """
    from wcrecall.state.privacy import change_suppression

    guarded(ctx, lambda obj: typer.echo(change_suppression(obj.settings(), "remove", target, now=now_utc())))


@suppress_app.command("list")
def suppress_list(ctx: typer.Context, verbose: Verbose = False) -> None:
    """List suppressed domains and addresses: kind, id, why and when (addresses are kept only as a hash, shown masked).

    Example: wcrecall suppress list
    """
    from wcrecall.state.privacy import kind_label, list_suppressions, shown_reason

    def work(obj: Context) -> None:
        for entry in list_suppressions(obj.settings()):
            typer.echo(f"{kind_label(entry.kind)}\t{entry.id}\t{shown_reason(entry.reason)}")

    guarded(ctx, work)
