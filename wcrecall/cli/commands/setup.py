"""`wcrecall init`, `doctor`, `cron` and `demo`: setting up, checking the set-up, and trying it on the sandbox."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from wcrecall.cli.boundary import guarded
from wcrecall.cli.context import Context, Verbose, now_utc
from wcrecall.cli.output import colour
from wcrecall.i18n import _
from wcrecall.model.errors import ConfigError, WcrecallError


def init(
    ctx: typer.Context,
    url: Annotated[str | None, typer.Option("--url", help="Shop address.", envvar="WCRECALL_STORE_URL")] = None,
    key: Annotated[
        str | None, typer.Option("--key", help="REST consumer key (ck_...).", envvar="WCRECALL_STORE_CONSUMER_KEY")
    ] = None,
    secret: Annotated[
        str | None,
        typer.Option(
            "--secret", help="REST consumer secret; prefer the env var.", envvar="WCRECALL_STORE_CONSUMER_SECRET"
        ),
    ] = None,
    transport: Annotated[
        str | None, typer.Option("--transport", help="smtp, sendmail or file.", envvar="WCRECALL_MAIL_TRANSPORT")
    ] = None,
    smtp_host: Annotated[str | None, typer.Option("--smtp-host", envvar="WCRECALL_MAIL_HOST")] = None,
    smtp_port: Annotated[str | None, typer.Option("--smtp-port", envvar="WCRECALL_MAIL_PORT")] = None,
    smtp_security: Annotated[
        str | None, typer.Option("--smtp-security", help="starttls, ssl or none.", envvar="WCRECALL_MAIL_SECURITY")
    ] = None,
    smtp_user: Annotated[str | None, typer.Option("--smtp-user", envvar="WCRECALL_MAIL_USERNAME")] = None,
    smtp_password: Annotated[
        str | None, typer.Option("--smtp-password", help="Prefer the env var.", envvar="WCRECALL_MAIL_PASSWORD")
    ] = None,
    outbox: Annotated[
        str | None, typer.Option("--outbox", help="Folder (file transport).", envvar="WCRECALL_MAIL_OUTBOX")
    ] = None,
    from_addr: Annotated[
        str | None, typer.Option("--from", help='Sender, "Shop <shop@example.com>".', envvar="WCRECALL_MAIL_FROM")
    ] = None,
    support_email: Annotated[str | None, typer.Option("--support-email", envvar="WCRECALL_BRAND_SUPPORT_EMAIL")] = None,
    store_name: Annotated[str | None, typer.Option("--store-name", envvar="WCRECALL_BRAND_STORE_NAME")] = None,
    ca_bundle: Annotated[
        str | None,
        typer.Option("--ca-bundle", help="PEM file of the shop's private CA.", envvar="WCRECALL_STORE_CA_BUNDLE"),
    ] = None,
    non_interactive: Annotated[
        bool, typer.Option("--non-interactive", "-y", help="Ask nothing; defaults for the rest.")
    ] = False,
    force: Annotated[bool, typer.Option("--force", help="Replace an existing config.")] = False,
    skip_checks: Annotated[
        bool, typer.Option("--skip-checks", help="Do not test the store and mail login first.")
    ] = False,
    verbose: Verbose = False,
) -> None:
    """Create the config: ask for the store, key, mail and brand; test the connections; write it (chmod 600).

    Example (scripted): WCRECALL_STORE_CONSUMER_SECRET=cs_... wcrecall init -y --url https://shop.example.com --key ck_... --transport smtp ...
    """
    from wcrecall.config.settings import resolve_config_path
    from wcrecall.model.errors import MailError, StoreError
    from wcrecall.setup.init import MAIL_PART, STORE_PART, answers_from, ask, forget, next_steps, summary, write_config

    def work(obj: Context) -> None:
        path = resolve_config_path(obj.config)
        if path.exists() and not force:
            raise ConfigError(
                _("{path} already exists; pass --force to replace it (or --config to write another file)").format(
                    path=path
                )
            )
        answers = answers_from({
            "url": url, "consumer_key": key, "consumer_secret": secret, "transport": transport, "smtp_host": smtp_host,
            "smtp_port": smtp_port, "smtp_security": smtp_security, "smtp_username": smtp_user,
            "smtp_password": smtp_password, "outbox": outbox, "from_addr": from_addr, "support_email": support_email,
            "store_name": store_name, "ca_bundle": ca_bundle,
        })  # fmt: skip
        if not non_interactive:
            answers = ask(answers, typer.prompt, typer.echo)
        while True:
            if not skip_checks:
                typer.echo(_("Testing the store connection and the mail login ..."))
            try:
                settings = write_config(answers, path, force=force, check=not skip_checks)
                break
            except (StoreError, MailError) as exc:
                if non_interactive:
                    raise
                # Ask again only for the part that failed; every other answer is kept.
                store_failed = isinstance(exc, StoreError)
                typer.echo(_("Error: {message}").format(message=exc))
                if store_failed:
                    typer.echo(_("The store check failed: give the store address and REST API key again."))
                else:
                    typer.echo(_("The mail login failed: give the mail settings again."))
                part = STORE_PART if store_failed else MAIL_PART
                answers = ask(forget(answers, part), typer.prompt, typer.echo, earlier=answers)
        if not skip_checks:
            obj.remember_store_zone(settings)
        typer.echo(_("Wrote {path} (readable by you only):").format(path=path))
        for line in summary(settings):
            typer.echo(line)
        typer.echo(next_steps(path))

    guarded(ctx, work)


def doctor(ctx: typer.Context, verbose: Verbose = False) -> None:
    """Check the store, key, hold stock, other senders, mail, templates, state and clock: OK / WARN / FAIL each.

    Exit code 1 when a check fails. Example: wcrecall --config shop.toml doctor
    """
    from wcrecall.setup.doctor import exit_code, format_report, run_checks

    def work(obj: Context) -> None:
        try:
            obj.settings()  # the owner's language and time zone, when the config loads (its errors are a check)
        except WcrecallError:
            pass
        checks = run_checks(obj.config, now=now_utc())
        for line in format_report(checks, width=80, colour=colour()):
            typer.echo(line)
        raise typer.Exit(exit_code(checks))

    guarded(ctx, work)


def cron(
    ctx: typer.Context,
    install: Annotated[bool, typer.Option("--install", help="Add the line to your crontab (once).")] = False,
    all_stores: Annotated[
        bool, typer.Option("--all", help="One line for every config in the folder (run --all).")
    ] = False,
    verbose: Verbose = False,
) -> None:
    """Print the crontab line (absolute paths, lock-safe interval) and the cPanel steps; --install adds it.

    Example: wcrecall --config shop.toml cron --install
    """
    from wcrecall.config.settings import resolve_config_path
    from wcrecall.setup import cron as cronlib

    def work(obj: Context) -> None:
        line = cronlib.cron_line_for(resolve_config_path(obj.config), all_stores=all_stores)
        typer.echo(line)
        typer.echo("")
        for step in cronlib.cpanel_steps(line):
            typer.echo(step)
        if install:
            added = cronlib.install(line)
            typer.echo(
                "\n" + (_("Added to your crontab.") if added else _("Already in your crontab: nothing changed."))
            )

    guarded(ctx, work)


def demo(
    ctx: typer.Context,
    outbox: Annotated[Path, typer.Option("--outbox", help="Where the demo's emails are written.")] = Path(
        "demo-outbox"
    ),
    days: Annotated[int, typer.Option("--days", help="Simulated days to run.", min=1, max=14)] = 4,
    platform: Annotated[
        str, typer.Option("--platform", help="The sandbox's shop software: woocommerce or magento.")
    ] = "woocommerce",
    verbose: Verbose = False,
) -> None:
    """Run the whole loop on the built-in sandbox store over a few simulated days; emails go to files.

    Example: wcrecall demo --outbox demo-outbox --platform magento
    """
    from wcrecall.cli.commands.status import print_status
    from wcrecall.setup.demo import run_demo

    def work(obj: Context) -> None:
        if platform not in ("woocommerce", "magento"):
            raise typer.BadParameter("expected woocommerce or magento", param_hint="--platform")
        data = run_demo(outbox=outbox, days=days, echo=typer.echo, platform=platform)
        typer.echo("\n$ wcrecall status")
        print_status(data)

    guarded(ctx, work)
