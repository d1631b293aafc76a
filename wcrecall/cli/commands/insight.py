"""`wcrecall audit` and `wcrecall report`: what failed payments cost the store, and what recall won back."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any

import typer

from wcrecall.cli.boundary import guarded
from wcrecall.cli.context import Context, Verbose, now_utc
from wcrecall.cli.output import err, out_text, progress_for, write_html
from wcrecall.config.settings import parse_duration
from wcrecall.i18n import _
from wcrecall.model.errors import ConfigError

AsJson = Annotated[bool, typer.Option("--json", help="Print JSON instead of tables.")]
HtmlPage = Annotated[
    Path | None, typer.Option("--html", help="Also write a self-contained HTML page with charts here.")
]


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
    as_json: AsJson = False,
    html: HtmlPage = None,
    verbose: Verbose = False,
) -> None:
    """Measure what failed payments cost the store, why, where, and who came back anyway. Read-only: sends nothing.

    Example: wcrecall audit --days 90 --html audit.html
    """
    from wcrecall.insight.audit import AuditOptions, run_audit, to_html, to_text

    def work(obj: Context) -> None:
        if rate_low > rate_high:
            raise ConfigError(_("--rate-low must not be above --rate-high"))
        options = AuditOptions(days=days, classify=classify, window=parse_duration(window, "--window"),
                               rate_low=rate_low, rate_high=rate_high)  # fmt: skip
        if obj.settings().store.platform != "woocommerce":  # the audit reads WooCommerce's order history
            raise ConfigError(
                _("audit reads WooCommerce stores only for now; on Magento use `wcrecall status` and `wcrecall report`")
            )
        data = run_audit(obj.settings(), now=now_utc(), options=options, progress=progress_for(as_json))
        _show(data, as_json=as_json, html=html, page=to_html, text=to_text)

    guarded(ctx, work)


def report(
    ctx: typer.Context,
    since: Annotated[str, typer.Option("--since", help="Recalls opened this recently, e.g. 30d.")] = "30d",
    window: Annotated[
        str, typer.Option("--window", help="Attribution window: a payment this soon after a reminder counts, e.g. 7d.")
    ] = "7d",
    no_store: Annotated[
        bool, typer.Option("--no-store", help="Do not read the store: skip the natural-recovery baseline.")
    ] = False,
    as_json: AsJson = False,
    html: HtmlPage = None,
    verbose: Verbose = False,
) -> None:
    """Show what recall won back: funnel, recovered revenue, rates by class, country, language and step.

    Example: wcrecall report --since 30d --html report.html
    """
    from wcrecall.insight.report import run_report, to_html, to_text

    def work(obj: Context) -> None:
        with_store = not no_store and obj.settings().store.platform == "woocommerce"
        if not no_store and not with_store:  # the baseline reads WooCommerce's order history
            err(
                _("the natural-recovery baseline reads WooCommerce stores only for now: the report is shown without it")
            )
        data, problems = run_report(obj.settings(), now=now_utc(), since=parse_duration(since, "--since"),
                                    window=parse_duration(window, "--window"), progress=progress_for(as_json),
                                    with_store=with_store)  # fmt: skip
        for problem in problems:
            err(problem)
        _show(data, as_json=as_json, html=html, page=to_html, text=to_text)

    guarded(ctx, work)


def _show(
    data: dict[str, Any], *, as_json: bool, html: Path | None, page: Callable[[Any], str], text: Callable[[Any], str]
) -> None:
    """Audit's and report's output: the HTML page if asked, then JSON or the text tables."""
    if html is not None:
        write_html(html, page(data))
    if as_json:
        typer.echo(json.dumps(data, indent=2, ensure_ascii=False))
    else:
        out_text(text(data))
        if html is not None:
            typer.echo(_("wrote {path}").format(path=html))
