"""`wcrecall explain` and `wcrecall preview`: what the loop would do with one order, and the email it would send.
Both send and write nothing."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from wcrecall.cli.boundary import guarded
from wcrecall.cli.context import Context, Verbose, now_utc
from wcrecall.cli.output import out
from wcrecall.i18n import _
from wcrecall.model.errors import ConfigError


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
    verbose: Verbose = False,
) -> None:
    """Render the reminder email for a live order as run would send it now; sends and writes nothing.

    Refuses a step or an order run would never mail, saying why. Example: wcrecall preview 1234 --step 2 --out reminder.html
    """
    from wcrecall.recall.preview import render_preview

    def work(obj: Context) -> None:
        reminder = render_preview(obj.settings(read_store_zone=True), order_id=order_id, step=step, now=now_utc())
        rendered = reminder.rendered
        if eml is not None:
            eml.write_bytes(reminder.message.as_bytes())
            typer.echo(_("wrote {path} ({subject})").format(path=eml, subject=rendered.subject))
        if png is not None:
            from wcrecall.render.browser import screenshot

            typer.echo(_("wrote {path}").format(path=screenshot(rendered.html, png, width=375, height=900)))
        if out is not None:
            out.write_text(rendered.html, encoding="utf-8")
            typer.echo(_("wrote {path} ({subject})").format(path=out, subject=rendered.subject))
        elif eml is None:
            typer.echo(_("Subject: {subject}").format(subject=rendered.subject) + f"\n\n{rendered.text}")

    guarded(ctx, work)


def explain(
    ctx: typer.Context,
    order_id: Annotated[int | None, typer.Argument(help="The order id (as in WP admin).")] = None,
    note: Annotated[
        str | None, typer.Option("--note", help="Classify this order-note text instead of an order.")
    ] = None,
    payment_method: Annotated[str, typer.Option("--payment-method", help="Gateway id for --note, e.g. stripe.")] = "",
    verbose: Verbose = False,
) -> None:
    """Explain an order: why its payment failed (with the evidence), language, time zone, and the reminder plan.

    Sends and writes nothing. Examples: wcrecall explain 1234
    wcrecall explain --note "Payment failed: Your card has insufficient funds." --payment-method stripe
    """
    from wcrecall.recall.explain import describe_verdict, explain_order, explain_text
    from wcrecall.recall.words import class_label

    def work(obj: Context) -> None:
        if note is not None:
            verdict = explain_text(note, payment_method)
            typer.echo(
                _("{label}: {details}").format(
                    label=class_label(verdict.failure_class), details=describe_verdict(verdict)
                )
            )
            return
        if order_id is None:
            raise ConfigError(_("explain: give an ORDER_ID or --note TEXT"))
        result = explain_order(obj.settings(read_store_zone=True), order_id=order_id, now=now_utc())
        out(_("Order {order}").format(order=result.order))
        for topic, text in result.lines:
            out("  " + _("{topic}: {text}").format(topic=topic, text=text))
        out("  " + _("plan:"))
        for n, scheduled, at, why in result.schedule:
            out("    " + _("reminder {n} ({scheduled}): {at}; {why}").format(n=n, scheduled=scheduled, at=at, why=why))
        out("  " + _("run now: {what}").format(what=result.run_now))

    guarded(ctx, work)
