"""One reminder as the buyer gets it: rendered in the plan's language and class wording, and built as the message
the mail server receives. `run` sends what this builds; `preview` shows or saves the very same thing."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import datetime
from email.message import EmailMessage

from wcrecall.config.settings import Settings
from wcrecall.mail.transport import build_message, message_id_for
from wcrecall.model.errors import BadOrder, TemplateError
from wcrecall.model.order import Order
from wcrecall.plan.methods import MethodOffer
from wcrecall.plan.paylink import BadPayLink, pay_link
from wcrecall.plan.planner import Plan, zone_of
from wcrecall.render.renderer import RenderedEmail, Renderer, format_hold_until

# The pay-link kinds a Magento order carries in its meta (store/magento/shape.py): `template` (the payment
# extension's link pays this order), `reorder` (the link opens the order, where the buyer orders again: a NEW order)
# and `none` (no link: the email asks the buyer to reply or write). A WooCommerce order's own pay page has no kind
# ("", the usual wording): its meta is the store's data, so it never chooses one.
LINK_KINDS = ("template", "reorder", "none")


def link_kind(settings: Settings, order: Order) -> str:
    """How the reminder for `order` links to payment: one of LINK_KINDS on a Magento store, else ""."""
    kind = order.meta.get("pay_link", "") if settings.store.platform == "magento" else ""
    return kind if kind in LINK_KINDS else ""


@dataclass(frozen=True)
class Reminder:
    rendered: RenderedEmail
    message: EmailMessage
    msgid: str


def compose(
    settings: Settings,
    renderer: Renderer,
    order: Order,
    planned: Plan,
    n: int,
    *,
    hosts: Collection[str],
    payment_methods: Sequence[str | MethodOffer],
    now: datetime,
) -> Reminder:
    """Reminder `n` of `planned` for `order`, dated `now`. BadOrder when this order's data cannot make an email (its
    pay link, or a template on its data); MailRecipientRefused when its billing address cannot be mailed."""
    lang = planned.lang or settings.regional.default_language
    deadline = planned.deadline
    held = (
        format_hold_until(deadline, zone_of(planned.zone), now, lang, order.country)
        if deadline and deadline > now
        else ""
    )
    kind = link_kind(settings, order)
    try:
        link = "" if kind == "none" else pay_link(order.payment_url, n, hosts=hosts)
    except BadPayLink as exc:
        raise BadOrder(f"cannot send reminder {n}: {exc}") from None
    try:
        rendered = renderer.render(
            order=order,
            step=n,
            total_steps=planned.total_steps,
            kind=planned.kind,
            pay_url=link,
            link_kind=kind,
            lang=lang,
            reason=planned.failure_class or None,
            payment_methods=payment_methods,
            hold_until=held,
        )
    except TemplateError as exc:  # the templates passed the check: it is this order's data
        raise BadOrder(f"cannot send reminder {n}: the email cannot be built from this order ({exc})") from None
    msgid = message_id_for(store_url=settings.store.url, order_id=order.id, step=n)
    message = build_message(
        rendered,
        to_addr=order.email,
        to_name=f"{order.first_name} {order.last_name}".strip(),
        from_addr=settings.mail.from_addr,
        reply_to=settings.reply_to,
        message_id=msgid,
        date=now,
        unsubscribe=settings.brand.support_email,
    )
    return Reminder(rendered, message, msgid)
