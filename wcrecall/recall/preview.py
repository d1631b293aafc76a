"""`wcrecall preview`: the reminder `run` would send for a live order, without sending or writing anything.

The planner decides as for `run` (explain.look: language, failure class, step count, hold stock), and the email is
built by the tick's own function (recall/compose.py) with the store's other payment methods, so the preview is the
message run sends. A step or an order run would never mail is refused, saying why.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime

from wcrecall.config.settings import Settings
from wcrecall.i18n import _
from wcrecall.model.errors import ConfigError
from wcrecall.model.records import SKIPPED
from wcrecall.plan.methods import offered_methods
from wcrecall.plan.paylink import host_of, reported_hosts
from wcrecall.plan.planner import send_view
from wcrecall.recall.compose import Reminder, compose
from wcrecall.recall.explain import look
from wcrecall.recall.words import outcome_label
from wcrecall.render.renderer import Renderer
from wcrecall.store.api import open_store


def render_preview(settings: Settings, *, order_id: int, step: int, now: datetime) -> Reminder:
    """Reminder `step` for `order_id` as run would send it at `now` (store reads only). ConfigError (exit 2) when run
    would never send it: the order gets no reminder, or the step is past its schedule or given up."""
    store = open_store(settings)
    with store.session():
        seen = look(settings, store, order_id, now)
        planned, recall, order = seen.plan, seen.recall, seen.order
        if planned.end is not None:
            ended = _("the recall ended ({outcome})").format(outcome=outcome_label(recall.outcome))
            why = planned.end.reason if recall.is_open else ended
            raise ConfigError(
                _("preview: run sends order {order_id} no reminder: {why}").format(order_id=order_id, why=why)
            )
        if step > planned.total_steps:
            raise ConfigError(
                _("preview: order {order_id} has {total_steps} reminders; run never sends reminder {step}").format(
                    order_id=order_id, total_steps=planned.total_steps, step=step
                )
            )
        done = recall.step(step)
        given_up = dict(planned.skipped).get(step) or (done.why if done and done.state == SKIPPED else None)
        if given_up is not None:
            raise ConfigError(
                _("preview: run does not send reminder {step} of order {order_id}: {given_up}").format(
                    step=step, order_id=order_id, given_up=given_up
                )
            )
        hold = store.hold_stock_minutes() if recall.hold_minutes and order.status == "pending" else 0
        sending = send_view(recall, order, seen.rules, hold)
        hosts = {host_of(settings.store.url)}
        if host_of(order.payment_url) not in hosts:
            hosts |= reported_hosts(store.system_status()[0])
        suggest = recall.reason in seen.rules.suggest_methods
        methods = offered_methods(store.payment_gateways(), order, recall.reason) if suggest else []
    view = replace(planned, lang=sending.lang, hold_minutes=sending.hold_minutes, deadline=sending.deadline)
    renderer = Renderer(brand=settings.brand, emails_dir=settings.emails_path, strings_dir=settings.strings_path)
    return compose(settings, renderer, order, view, step, hosts=hosts, payment_methods=methods, now=now)
