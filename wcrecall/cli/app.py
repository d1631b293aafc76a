"""The command line: parse options, build settings, call one library function, map errors to exit codes.

Exit codes (for cron): 0 done; 1 some orders had problems, the others were processed (or the store stayed down, or
an unexpected error: one `Error:` line, the traceback only with -v); 2 configuration or authentication problem;
75 another run holds the lock (nothing done). `guarded` is the one error boundary.
"""

from __future__ import annotations

import json
import logging
import os
import stat
import sys
import traceback
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated, Any, TypeVar

import typer
from typer.exceptions import TyperException

from wcrecall import __version__
from wcrecall.cli.terminal import inert
from wcrecall.config.settings import Settings, load_settings, parse_duration
from wcrecall.model.errors import ConfigError, WcrecallError, hide

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
        self.secrets: list[str] = []  # of the settings loaded: hidden in an unexpected error's message

    def settings(self) -> Settings:
        settings = load_settings(self.config)
        warn_insecure(settings)
        self.secrets += [s for s in (settings.store.consumer_secret, settings.mail.password) if s]
        return settings


def err(line: str) -> None:
    typer.echo(inert(line), err=True)


def out(line: str) -> None:
    """A line that may carry store text, on stdout (`terminal.inert`)."""
    typer.echo(inert(line))


def out_text(text: str) -> None:
    """Lines that may carry store text, on stdout, each made inert; as given, without a newline added."""
    typer.echo("\n".join(inert(line) for line in text.split("\n")), nl=False)


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
            raise ConfigError(
                f"WCRECALL_NOW: expected an ISO time like 2026-11-26T10:00:00Z, got {override!r}"
            ) from None
        return moment if moment.tzinfo else moment.replace(tzinfo=UTC)
    return datetime.now(UTC)


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
    except (typer.Exit, typer.Abort, TyperException):
        raise  # the command line's own exits and usage errors
    except BrokenPipeError:
        raise  # the reader went away (`wcrecall status | head`): Click ends quietly, as for any pipe
    except Exception as exc:  # noqa: BLE001  # anything unforeseen: one line for cron's mail, never a traceback
        if obj.verbose:
            typer.echo(hide(traceback.format_exc(), obj.secrets), err=True, nl=False)
        text = hide(str(exc), obj.secrets)
        err(f"Error: unexpected {type(exc).__name__}: {' '.join(text.split())[:300]} (run with -v for details)")
        raise typer.Exit(1) from None


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
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Print what would be sent; send, note and record nothing.")
    ] = False,
    baseline: Annotated[
        bool, typer.Option("--baseline", help="Record today's failed/pending orders as handled without mailing them.")
    ] = False,
    all_stores: Annotated[
        bool, typer.Option("--all", help="Run every *.toml config in the config's folder, one by one.")
    ] = False,
) -> None:
    """Run one tick: sync changed orders, send due reminders, write order notes. Put it in cron.

    Example (crontab, every 10 minutes): */10 * * * * wcrecall --config ~/.config/wcrecall/config.toml run
    """
    from wcrecall.recall.tick import run_tick

    def work(obj: Context) -> None:
        if all_stores:
            raise typer.Exit(run_all_stores(obj, dry_run=dry_run, baseline=baseline))
        report = run_tick(
            obj.settings(), now=now_utc(), dry_run=dry_run, baseline=baseline, progress=_audit_progress(False)
        )
        if obj.verbose or dry_run:
            for line in report.lines:
                out(line)
        for line in report.problems:
            err(line)
        if report.fatal is not None:
            raise report.fatal
        if obj.verbose:
            typer.echo(
                f"opened {report.opened}, sent {report.sent}, ended {report.ended} ({report.recovered} recovered)"
            )
        if report.exit_code:
            raise typer.Exit(report.exit_code)

    guarded(ctx, work)


@app.command()
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
) -> None:
    """Show recalls: order, masked email, country, total, steps sent, next step, outcome; then a summary.

    Example: wcrecall status --open --since 7d
    """
    from wcrecall.insight.status import StatusFilter, collect
    from wcrecall.state.db import State

    def work(obj: Context) -> None:
        if all_stores:
            flt_all = StatusFilter(
                open_only=open_only, recovered_only=recovered, since=parse_duration(since, "--since") if since else None
            )
            raise typer.Exit(status_all_stores(obj, flt_all, as_json=as_json))
        settings = obj.settings()
        state = State.of(settings, read_only=True).load()
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

    from wcrecall.cli.terminal import text
    from wcrecall.plan.classify import CLASS_LABELS

    console = Console(no_color=bool(os.environ.get("NO_COLOR")) or None, width=None if sys.stdout.isatty() else 120)
    table = Table(show_lines=False, pad_edge=False, box=None)
    for column in ("order", "email", "cc", "total", "status", "reason", "sent", "next due", "outcome"):
        table.add_column(column, overflow="fold")
    for r in data["recalls"]:
        outcome = r["outcome_label"].replace("_", " ")
        if r["end_reason"] and r["outcome"] not in ("open",):
            outcome += f": {r['end_reason']}"
        if r.get("warning"):
            outcome += f" (warning: {r['warning']})"
        cells = (
            f"#{r['number']}",
            r["email"],
            r["country"],
            f"{r['total']} {r['currency']}",
            r["order_status"],
            CLASS_LABELS.get(r["reason"], r["reason"]),
            r["steps_text"],
            (r["next_due"] or "")[:16].replace("T", " "),
            outcome,
        )
        table.add_row(*(text(cell) for cell in cells))
    if data["recalls"]:
        console.print(table)
    s = data["summary"]
    revenue = ", ".join(f"{amount} {cur}" for cur, amount in s["recovered_revenue"].items()) or "0"
    console.print(
        text(
            f"{s['recalls']} recalls: {s['open']} open, {s['recovered']} recovered ({revenue}); "
            + ", ".join(f"{k.replace('_', ' ')} {v}" for k, v in s["outcomes"].items() if k not in ("open",))
            + (f"; {s['uncertain_steps']} uncertain step(s)" if s["uncertain_steps"] else "")
        )
    )


@app.command()
def preview(
    ctx: typer.Context,
    order_id: Annotated[int, typer.Argument(help="The order id (as in WP admin).")],
    step: Annotated[int, typer.Option("--step", help="Which reminder to render.", min=1)] = 1,
    out: Annotated[
        Path | None, typer.Option("--out", help="Write the HTML here instead of printing the text part.")
    ] = None,
    png: Annotated[
        Path | None, typer.Option("--png", help="Also save a 375 px wide screenshot (needs Chromium).")
    ] = None,
    eml: Annotated[
        Path | None, typer.Option("--eml", help="Write the whole message as run would send it (.eml).")
    ] = None,
) -> None:
    """Render the reminder email for a live order as run would send it now; sends and writes nothing.

    Refuses a step or an order run would never mail, saying why. Example: wcrecall preview 1234 --step 2 --out reminder.html
    """
    from wcrecall.recall.preview import render_preview

    def work(obj: Context) -> None:
        reminder = render_preview(obj.settings(), order_id=order_id, step=step, now=now_utc())
        rendered = reminder.rendered
        if eml is not None:
            eml.write_bytes(reminder.message.as_bytes())
            typer.echo(f"wrote {eml} ({rendered.subject})")
        if png is not None:
            from wcrecall.render.browser import screenshot

            typer.echo(f"wrote {screenshot(rendered.html, png, width=375, height=900)}")
        if out is not None:
            out.write_text(rendered.html, encoding="utf-8")
            typer.echo(f"wrote {out} ({rendered.subject})")
        elif eml is None:
            typer.echo(f"Subject: {rendered.subject}\n\n{rendered.text}")

    guarded(ctx, work)


@app.command()
def demo(
    ctx: typer.Context,
    outbox: Annotated[Path, typer.Option("--outbox", help="Where the demo's emails are written.")] = Path(
        "demo-outbox"
    ),
    days: Annotated[int, typer.Option("--days", help="Simulated days to run.", min=1, max=14)] = 4,
) -> None:
    """Run the whole loop on the built-in sandbox store over a few simulated days; emails go to files.

    Example: wcrecall demo --outbox demo-outbox
    """
    from wcrecall.setup.demo import run_demo

    def work(obj: Context) -> None:
        data = run_demo(outbox=outbox, days=days, echo=typer.echo)
        typer.echo("\n$ wcrecall status")
        print_status(data)

    guarded(ctx, work)


# -- commands: explain (routing) ------------------------------------------------------------------------------------


@app.command()
def explain(
    ctx: typer.Context,
    order_id: Annotated[int | None, typer.Argument(help="The order id (as in WP admin).")] = None,
    note: Annotated[
        str | None, typer.Option("--note", help="Classify this order-note text instead of an order.")
    ] = None,
    payment_method: Annotated[str, typer.Option("--payment-method", help="Gateway id for --note, e.g. stripe.")] = "",
) -> None:
    """Explain an order: why its payment failed (with the evidence), language, time zone, and the reminder plan.

    Sends and writes nothing. Examples: wcrecall explain 1234
    wcrecall explain --note "Payment failed: Your card has insufficient funds." --payment-method stripe
    """
    from wcrecall.plan.classify import CLASS_LABELS, describe
    from wcrecall.recall.explain import explain_order, explain_text

    def work(obj: Context) -> None:
        if note is not None:
            verdict = explain_text(note, payment_method)
            typer.echo(f"{CLASS_LABELS.get(verdict.failure_class, verdict.failure_class)}: {describe(verdict)}")
            return
        if order_id is None:
            raise ConfigError("explain: give an ORDER_ID or --note TEXT")
        result = explain_order(obj.settings(), order_id=order_id, now=now_utc())
        out(f"Order {result.order}")
        for topic, text in result.lines:
            out(f"  {topic}: {text}")
        out("  plan:")
        for n, scheduled, at, why in result.schedule:
            out(f"    reminder {n} ({scheduled}): {at}; {why}")
        out(f"  run now: {result.run_now}")

    guarded(ctx, work)


# -- commands: forget, suppress (privacy) ----------------------------------------------------------------------------


@app.command()
def forget(
    ctx: typer.Context,
    email: Annotated[str, typer.Argument(help="The buyer's billing email.")],
) -> None:
    """Remove every local trace of a buyer and never mail them again (their address stays suppressed, as a hash).

    Example: wcrecall forget jane@example.com
    """
    from wcrecall.state.privacy import forget_buyer

    guarded(ctx, lambda obj: typer.echo(forget_buyer(obj.settings(), email, now=now_utc())))


suppress_app = typer.Typer(help="Addresses and whole domains that are never mailed.", no_args_is_help=True)
app.add_typer(suppress_app, name="suppress")


@suppress_app.command("add")
def suppress_add(
    ctx: typer.Context, target: Annotated[str, typer.Argument(help="An address (jane@example.com) or a domain.")]
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
) -> None:
    """Take an address or a domain off the suppression list (also by the id or masked address `suppress list` shows).

    Example: wcrecall suppress remove j***@example.com
    """
    from wcrecall.state.privacy import change_suppression

    guarded(ctx, lambda obj: typer.echo(change_suppression(obj.settings(), "remove", target, now=now_utc())))


@suppress_app.command("list")
def suppress_list(ctx: typer.Context) -> None:
    """List suppressed domains and addresses: kind, id, why and when (addresses are kept only as a hash, shown masked).

    Example: wcrecall suppress list
    """
    from wcrecall.state.privacy import list_suppressions

    def work(obj: Context) -> None:
        for entry in list_suppressions(obj.settings()):
            typer.echo(f"{entry.kind}\t{entry.id}\t{entry.reason}")

    guarded(ctx, work)


# -- commands: audit, report ----------------------------------------------------------------------------------------


def _audit_progress(as_json: bool) -> Any:
    """A progress bar only for a person watching a terminal; never in JSON output, cron logs or pipes."""
    from wcrecall.model.progress import NoProgress, TerminalProgress

    return TerminalProgress() if sys.stdout.isatty() and not as_json else NoProgress()


def _write_html(path: Path, page: str) -> None:
    try:
        path.write_text(page, encoding="utf-8")
    except OSError as exc:
        raise WcrecallError(f"--html: cannot write {path}: {exc.strerror}; choose a writable path") from None


@app.command()
def audit(
    ctx: typer.Context,
    days: Annotated[int, typer.Option("--days", help="How many days of order history to read.", min=1, max=3660)] = 90,
    classify: Annotated[
        int,
        typer.Option(
            "--classify",
            help="Read the notes of at most this many recent failed/pending orders to find why they failed.",
            min=0,
        ),
    ] = 300,
    window: Annotated[
        str, typer.Option("--window", help="Natural recovery counts a paid order within this time, e.g. 7d.")
    ] = "7d",
    rate_low: Annotated[
        float,
        typer.Option(
            "--rate-low",
            min=0.0,
            max=1.0,
            help="Low reminder conversion rate for the projection (default 0.026: "
            "SaleCycle 2019, abandoned-cart emails sent after 24 h).",
        ),
    ] = 0.026,
    rate_high: Annotated[
        float,
        typer.Option(
            "--rate-high",
            min=0.0,
            max=1.0,
            help="High reminder conversion rate for the projection (default 0.052: "
            "SaleCycle 2019, abandoned-cart emails sent within 20 minutes).",
        ),
    ] = 0.052,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON instead of tables.")] = False,
    html: Annotated[
        Path | None, typer.Option("--html", help="Also write a self-contained HTML page with charts here.")
    ] = None,
) -> None:
    """Measure what failed payments cost the store, why, where, and who came back anyway. Read-only: sends nothing.

    Example: wcrecall audit --days 90 --html audit.html
    """
    from wcrecall.insight.audit import AuditOptions, run_audit, to_html, to_text

    def work(obj: Context) -> None:
        if rate_low > rate_high:
            raise ConfigError("--rate-low must not be above --rate-high")
        options = AuditOptions(days=days, classify=classify, window=parse_duration(window, "--window"),
                               rate_low=rate_low, rate_high=rate_high)  # fmt: skip
        data = run_audit(obj.settings(), now=now_utc(), options=options, progress=_audit_progress(as_json))
        if html is not None:
            _write_html(html, to_html(data))
        if as_json:
            typer.echo(json.dumps(data, indent=2, ensure_ascii=False))
        else:
            out_text(to_text(data))
            if html is not None:
                typer.echo(f"wrote {html}")

    guarded(ctx, work)


@app.command()
def report(
    ctx: typer.Context,
    since: Annotated[str, typer.Option("--since", help="Recalls opened this recently, e.g. 30d.")] = "30d",
    window: Annotated[
        str, typer.Option("--window", help="Attribution window: a payment this soon after a reminder counts, e.g. 7d.")
    ] = "7d",
    no_store: Annotated[
        bool, typer.Option("--no-store", help="Do not read the store: skip the natural-recovery baseline.")
    ] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON instead of tables.")] = False,
    html: Annotated[
        Path | None, typer.Option("--html", help="Also write a self-contained HTML page with charts here.")
    ] = None,
) -> None:
    """Show what recall won back: funnel, recovered revenue, rates by class, country, language and step.

    Example: wcrecall report --since 30d --html report.html
    """
    from wcrecall.insight.report import run_report, to_html, to_text

    def work(obj: Context) -> None:
        data, problems = run_report(obj.settings(), now=now_utc(), since=parse_duration(since, "--since"),
                                    window=parse_duration(window, "--window"), progress=_audit_progress(as_json),
                                    with_store=not no_store)  # fmt: skip
        for problem in problems:
            err(problem)
        if html is not None:
            _write_html(html, to_html(data))
        if as_json:
            typer.echo(json.dumps(data, indent=2, ensure_ascii=False))
        else:
            out_text(to_text(data))
            if html is not None:
                typer.echo(f"wrote {html}")

    guarded(ctx, work)


# -- commands: init, doctor, cron -------------------------------------------------------------------------------------


def _store_dir(obj: Context) -> Path:
    """The folder `--all` works on: the one holding the config (`--config`, WCRECALL_CONFIG or the default)."""
    from wcrecall.config.settings import resolve_config_path

    return resolve_config_path(obj.config).parent


def run_all_stores(obj: Context, *, dry_run: bool, baseline: bool) -> int:
    """`run --all`: one tick per store config, each with its own state and lock; the worst exit code."""
    from wcrecall.cli.multistore import for_each_store
    from wcrecall.config.settings import Settings as _Settings
    from wcrecall.recall.tick import run_tick

    def one(settings: _Settings, name: str) -> int:
        warn_insecure(settings)
        report = run_tick(settings, now=now_utc(), dry_run=dry_run, baseline=baseline)
        if obj.verbose or dry_run:
            for line in report.lines:
                out(f"{name}: {line}")
        for line in report.problems:
            err(f"{name}: {line}")
        if report.fatal is not None:
            raise report.fatal
        if obj.verbose:
            typer.echo(
                f"{name}: opened {report.opened}, sent {report.sent}, ended {report.ended} ({report.recovered} recovered)"
            )
        return report.exit_code

    return for_each_store(_store_dir(obj), one, err)


def status_all_stores(obj: Context, flt: Any, *, as_json: bool) -> int:
    """`status --all`: each store's recalls under its config name."""
    from wcrecall.cli.multistore import for_each_store
    from wcrecall.insight.status import collect
    from wcrecall.state.db import State

    everything: dict[str, Any] = {}

    def one(settings: Settings, name: str) -> int:
        state = State.of(settings, read_only=True).load()
        for problem in state.problems:
            err(f"{name}: {problem}")
        data = collect(list(state.recalls.values()), now_utc(), flt)
        if as_json:
            everything[name] = data
        else:
            typer.echo(f"== {name}")
            print_status(data)
        return 0

    code = for_each_store(_store_dir(obj), one, err)
    if as_json:
        typer.echo(json.dumps(everything, indent=2, ensure_ascii=False))
    return code


def _colour() -> bool:
    return sys.stdout.isatty() and not os.environ.get("NO_COLOR")


@app.command()
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
) -> None:
    """Create the config: ask for the store, key, mail and brand; test the connections; write it (chmod 600).

    Example (scripted): WCRECALL_STORE_CONSUMER_SECRET=cs_... wcrecall init -y --url https://shop.example.com --key ck_... --transport smtp ...
    """
    from wcrecall.config.settings import resolve_config_path
    from wcrecall.setup.cron import cron_line
    from wcrecall.setup.init import answers_from, ask, summary, write_config

    def work(obj: Context) -> None:
        path = resolve_config_path(obj.config)
        if path.exists() and not force:
            raise ConfigError(f"{path} already exists; pass --force to replace it (or --config to write another file)")
        answers = answers_from({
            "url": url, "consumer_key": key, "consumer_secret": secret, "transport": transport, "smtp_host": smtp_host,
            "smtp_port": smtp_port, "smtp_security": smtp_security, "smtp_username": smtp_user,
            "smtp_password": smtp_password, "outbox": outbox, "from_addr": from_addr, "support_email": support_email,
            "store_name": store_name, "ca_bundle": ca_bundle,
        })  # fmt: skip
        if not non_interactive:
            answers = ask(answers, typer.prompt, typer.echo)
        if not skip_checks:
            typer.echo("Testing the store connection and the mail login ...")
        settings = write_config(answers, path, force=force, check=not skip_checks)
        typer.echo(f"Wrote {path} (readable by you only):")
        for line in summary(settings):
            typer.echo(line)
        prefix = f"wcrecall --config {path}"
        typer.echo(
            "\nNext steps:\n"
            f"  1. Check everything:          {prefix} doctor\n"
            f"  2. See what would be sent:    {prefix} run --dry-run\n"
            f"  3. Run it every 10 minutes:   {prefix} cron --install\n"
            f"     (or add this crontab line: {cron_line(path)})"
        )

    guarded(ctx, work)


@app.command()
def doctor(ctx: typer.Context) -> None:
    """Check the store, key, hold stock, other senders, mail, templates, state and clock: OK / WARN / FAIL each.

    Exit code 1 when a check fails. Example: wcrecall --config shop.toml doctor
    """
    from wcrecall.setup.doctor import exit_code, format_report, run_checks

    def work(obj: Context) -> None:
        checks = run_checks(obj.config, now=now_utc())
        for line in format_report(checks, width=80, colour=_colour()):
            typer.echo(line)
        raise typer.Exit(exit_code(checks))

    guarded(ctx, work)


@app.command()
def cron(
    ctx: typer.Context,
    install: Annotated[bool, typer.Option("--install", help="Add the line to your crontab (once).")] = False,
    all_stores: Annotated[
        bool, typer.Option("--all", help="One line for every config in the folder (run --all).")
    ] = False,
) -> None:
    """Print the crontab line (absolute paths, lock-safe interval) and the cPanel steps; --install adds it.

    Example: wcrecall --config shop.toml cron --install
    """
    from wcrecall.config.settings import resolve_config_path
    from wcrecall.setup import cron as cronlib

    def work(obj: Context) -> None:
        path = resolve_config_path(obj.config)
        if not all_stores and not path.exists():
            raise ConfigError(f"{path}: config file not found (create it with `wcrecall init`)")
        delays = [d[0] for d in load_settings(path).recall.delays.values() if d] if path.exists() else []
        line = cronlib.cron_line(path, interval=cronlib.choose_interval(delays), all_stores=all_stores)
        typer.echo(line)
        typer.echo("")
        for step in cronlib.cpanel_steps(line):
            typer.echo(step)
        if install:
            added = cronlib.install(line)
            typer.echo("\nAdded to your crontab." if added else "\nAlready in your crontab: nothing changed.")

    guarded(ctx, work)


def main() -> None:
    try:
        app()
    except WcrecallError as exc:
        # Raised before a command reaches `guarded`: importing the store checks the installed woocommerce package.
        err(f"Error: {exc}")
        raise SystemExit(exc.exit_code) from None
