"""What the commands print: store text made inert on the way (`cli/terminal.py`), errors and warnings on stderr."""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Any

import typer

from wcrecall.cli.terminal import inert
from wcrecall.i18n import _
from wcrecall.model.errors import WcrecallError


def err(line: str) -> None:
    """A line on stderr, made inert."""
    typer.echo(inert(line), err=True)


def out(line: str) -> None:
    """A line that may carry store text, on stdout (`terminal.inert`)."""
    typer.echo(inert(line))


def out_text(text: str) -> None:
    """Lines that may carry store text, on stdout, each made inert; as given, without a newline added."""
    typer.echo("\n".join(inert(line) for line in text.split("\n")), nl=False)


def colour() -> bool:
    """Colours only for a person at a terminal, and never with NO_COLOR set."""
    return sys.stdout.isatty() and not os.environ.get("NO_COLOR")


def progress_for(as_json: bool) -> Any:
    """A progress bar only for a person watching a terminal; never in JSON output, cron logs or pipes."""
    from wcrecall.model.progress import NoProgress, TerminalProgress

    return TerminalProgress() if sys.stdout.isatty() and not as_json else NoProgress()


def write_html(path: Path, page: str) -> None:
    """Write an `--html` page; an unwritable path is an error naming the option."""
    try:
        path.write_text(page, encoding="utf-8")
    except OSError as exc:
        raise WcrecallError(
            _("--html: cannot write {path}: {strerror}; choose a writable path").format(
                path=path, strerror=exc.strerror
            )
        ) from None
