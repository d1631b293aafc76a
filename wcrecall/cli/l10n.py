"""The command line in the owner's language: `--help` (our own texts and Typer/Click's), usage errors, and the
language and time zone chosen once per run.

Typer builds the Click commands from our English help texts when the program starts (and a test runner builds them
before it sets the environment), so the texts are translated when a command line is handled, not when modules are
imported: `OwnerGroup.main` speaks the language of the environment (`WCRECALL_OWNER_LANGUAGE`, else the locale),
then walks the command tree and puts every help text through `_()` (the catalog holds them; tests/test_owner_cli.py
fails when one is missing). Typer's own words (`Options`, `Commands`, `default: ...`) go through stdlib gettext in
`typer.core`: that module's `_` is bound to ours. The Click code vendored in Typer writes its words inline
("Usage: ", "Error: ", "No such option: ..."), so the formatter and `show_usage_error` word them here instead.
"""

from __future__ import annotations

import errno
import inspect
import sys
from collections.abc import Sequence
from datetime import UTC
from typing import IO, Any, TextIO, cast

import typer
import typer.core
from typer import _click
from typer._click.exceptions import BadParameter, ClickException, MissingParameter, NoSuchOption, UsageError
from typer._click.utils import PacifyFlushWrapper

from wcrecall import i18n
from wcrecall.i18n import _

# Typer's own words (Options, Commands, Arguments, default, required, env var, Aborted!) in the owner's language.
typer.core._ = _  # type: ignore[attr-defined]

HELP_OPTION = "Show this message and exit."


def speak(language: str | None = None) -> str:
    """Speak `language` (None: the environment's or the locale's) from now on, times in UTC until a config names the
    owner's zone; returns the language now active."""
    return i18n.activate(language, UTC)


class OwnerFormatter(_click.HelpFormatter):
    """Click's help layout with its own words translated."""

    def write_usage(self, prog: str, args: str = "", prefix: str | None = None) -> None:
        super().write_usage(prog, args, prefix=_("Usage: ") if prefix is None else prefix)

    def write_heading(self, heading: str) -> None:
        self.write(_("{heading}:").format(heading=heading).rjust(len(heading) + 1 + self.current_indent) + "\n")

    def write_dl(self, rows: Sequence[tuple[str, str]], col_max: int = 30, col_spacing: int = 2) -> None:
        shown = [(term, _("Show this message and exit.") if text == HELP_OPTION else text) for term, text in rows]
        super().write_dl(shown, col_max, col_spacing)


class OwnerContext(typer.Context):
    formatter_class = OwnerFormatter


def _translate(text: str | None) -> str | None:
    if not text:
        return text
    return _(inspect.cleandoc(text))


def _short(text: str) -> str:
    """The first sentence of a translated help text, for the command list."""
    first = text.strip().split("\n")[0]
    for stop in ("。", ". "):
        if stop in first:
            return first.split(stop)[0] + stop.strip()
    return first


def localize(command: _click.Command) -> None:
    """Put the help texts of `command` and every command under it into the owner's language (from the English
    originals, kept on first sight, so a second run in another language translates again)."""
    originals: dict[str, str | None] = command.__dict__.setdefault("_wcrecall_english", {})
    for name in ("help", "short_help", "epilog"):
        originals.setdefault(name, getattr(command, name, None))
    command.help = _translate(originals["help"])
    command.short_help = _short(command.help) if command.help and i18n.language() != "en" else originals["short_help"]
    command.epilog = _translate(originals["epilog"])
    command.context_class = OwnerContext
    for param in command.params:
        english: dict[str, str | None] = param.__dict__.setdefault("_wcrecall_english", {})
        english.setdefault("help", getattr(param, "help", None))
        if hasattr(param, "help"):
            param.help = _translate(english["help"])
    for sub in getattr(command, "commands", {}).values():
        localize(sub)


def usage_error_text(exc: ClickException) -> str:
    """Click's error message, worded in the owner's language where Click words it itself."""
    if isinstance(exc, NoSuchOption) and exc.message.startswith("No such option"):
        if exc.possibilities:
            return _("No such option: {option} (Possible options: {options})").format(
                option=exc.option_name, options=_(", ").join(sorted(exc.possibilities))
            )
        return _("No such option: {option}").format(option=exc.option_name)
    if isinstance(exc, MissingParameter) and not exc.message and exc.param is not None:
        hint = exc.param.get_error_hint()
        if exc.param.param_type_name == "argument":
            return _("Missing argument {name}.").format(name=hint)
        return _("Missing option {name}.").format(name=hint)
    if isinstance(exc, BadParameter) and not isinstance(exc, MissingParameter) and exc.param is not None:
        return _("Invalid value for {name}: {problem}").format(name=exc.param.get_error_hint(), problem=exc.message)
    if exc.message.startswith("Got unexpected extra argument"):
        extra = exc.message.partition("(")[2].rstrip(")")
        return _("Got unexpected extra arguments ({arguments})").format(arguments=extra)
    return exc.format_message()


def show_usage_error(exc: ClickException, file: IO[Any] | None = None) -> None:
    """`ClickException.show`, in the owner's language: the usage line and the hint for a usage error, then the error."""
    stream = file or sys.stderr
    ctx = exc.ctx if isinstance(exc, UsageError) else None
    if ctx is not None:
        hint = ""
        if ctx.command.get_help_option(ctx) is not None:
            hint = _("Try '{command} {option}' for help.").format(
                command=ctx.command_path, option=ctx.help_option_names[0]
            )
            hint += "\n"
        typer.echo(f"{ctx.get_usage()}\n{hint}", file=stream, color=ctx.color)
    typer.echo(_("Error: {message}").format(message=usage_error_text(exc)), file=stream)


class OwnerGroup(typer.core.TyperGroup):
    """The app's group: speaks the owner's language before any help or error is worded."""

    context_class = OwnerContext

    def main(self, *args: Any, **kwargs: Any) -> Any:
        speak()
        localize(self)
        if kwargs.get("standalone_mode", True) is False:
            return super().main(*args, **kwargs)
        kwargs["standalone_mode"] = False
        try:
            code = super().main(*args, **kwargs)
        except ClickException as exc:
            show_usage_error(exc)
            sys.exit(exc.exit_code)
        except typer.Abort:
            typer.echo(_("Aborted!"), err=True)
            sys.exit(1)
        except OSError as exc:  # a reader that went away ends the command quietly, as Typer does
            if exc.errno != errno.EPIPE:
                raise
            sys.stdout = cast(TextIO, PacifyFlushWrapper(sys.stdout))
            sys.stderr = cast(TextIO, PacifyFlushWrapper(sys.stderr))
            sys.exit(1)
        sys.exit(code if isinstance(code, int) else 0)
