"""`wcrecall preview`: render a reminder from a live order without sending or writing anything."""

from __future__ import annotations

from wcrecall.config.settings import Settings
from wcrecall.model.order import PAYABLE_STATUSES, parse_order
from wcrecall.plan.paylink import host_of, pay_link, reported_hosts
from wcrecall.render.renderer import RenderedEmail, Renderer
from wcrecall.store.client import Store


def render_preview(settings: Settings, *, order_id: int, step: int) -> RenderedEmail:
    """The email reminder `step` would be for `order_id` if it were sent now (one GET of the order)."""
    store = Store(settings.store)
    with store.session():
        order = parse_order(store.get_order(order_id))
        hosts = {host_of(settings.store.url)}
        if host_of(order.payment_url) not in hosts:
            hosts |= reported_hosts(store.system_status()[0])
    kind = order.status if order.status in PAYABLE_STATUSES else "failed"
    planned = len(settings.recall.delays.get(kind, ()))
    renderer = Renderer(brand=settings.brand, emails_dir=settings.emails_path)
    return renderer.render(
        order=order,
        step=step,
        total_steps=max(planned, step),
        kind=kind,
        pay_url=pay_link(order.payment_url, step, hosts=hosts),
    )
