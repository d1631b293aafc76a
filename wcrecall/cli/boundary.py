"""The one error boundary: how an error becomes a message and an exit code, for every command and every store.

A `WcrecallError` says what went wrong and how to fix it: `Error: <message>`, and its own exit code (2 config or
authentication, 75 another run holds the lock, 1 otherwise). Anything unforeseen is one line for cron's mail,
`Error: unexpected <type>: <text>`, exit 1. Secrets are hidden in both; -v adds the traceback. A single order's
trouble never comes here: the tick lists it as a problem and goes on with the others.
"""

from __future__ import annotations

import traceback
from collections.abc import Callable, Iterable
from typing import TypeVar

import typer
from typer.exceptions import TyperException

from wcrecall.cli.context import Context
from wcrecall.cli.output import err
from wcrecall.i18n import _
from wcrecall.model.errors import WcrecallError, hide

T = TypeVar("T")

# Not errors: the command line's own exits and usage errors, and a reader that went away (`wcrecall status | head`),
# which Click ends quietly, as for any pipe.
PASS_THROUGH: tuple[type[BaseException], ...] = (typer.Exit, typer.Abort, TyperException, BrokenPipeError)


def fail(exc: Exception, *, secrets: Iterable[str] = (), verbose: bool = False, prefix: str = "") -> int:
    """Print `exc` as one `Error:` line on stderr (after `prefix`, e.g. a store's config name; with `verbose`, its
    traceback first) and return the exit code it stands for."""
    secrets = list(secrets)
    if verbose:
        typer.echo(hide("".join(traceback.format_exception(exc)), secrets), err=True, nl=False)
    if isinstance(exc, WcrecallError):
        err(prefix + _("Error: {message}").format(message=hide(str(exc), secrets)))
        return exc.exit_code
    text = " ".join(hide(str(exc), secrets).split())[:300]
    err(
        prefix
        + _("Error: unexpected {kind}: {text} (run with -v for details)").format(kind=type(exc).__name__, text=text)
    )
    return 1


def guarded(ctx: typer.Context, work: Callable[[Context], T]) -> T:
    """Run a command's work; an error ends the command through `fail` with its exit code."""
    obj: Context = ctx.obj
    obj.be_verbose(bool(ctx.params.get("verbose")))
    try:
        return work(obj)
    except PASS_THROUGH:
        raise
    except Exception as exc:  # noqa: BLE001  # every error, foreseen or not, leaves through the one rule
        raise typer.Exit(fail(exc, secrets=obj.secrets, verbose=obj.verbose)) from None
