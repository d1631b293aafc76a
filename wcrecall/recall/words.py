"""The owner's words for the product's machine names: failure classes and recall outcomes, in the owner's language.

The machine names (`insufficient_funds`, `ended_unpaid`) stay in the state file, JSON output and note tags; these
are only what the owner reads beside them.
"""

from __future__ import annotations

from wcrecall.i18n import _


def class_label(name: str) -> str:
    """A failure class (plan/classify) as the owner reads it; an unknown name as it is."""
    labels = {
        "customer_input": _("card details wrong"),
        "authentication": _("authentication (3-D Secure) failed"),
        "insufficient_funds": _("insufficient funds"),
        "expired_or_unsupported": _("card expired or not supported"),
        "issuer_generic": _("declined by the bank"),
        "transient": _("temporary payment error"),
        "abandoned": _("checkout not completed"),
        "do_not_contact": _("do not contact"),
        "unknown": _("unknown"),
    }
    return labels.get(name, name)


def outcome_label(name: str) -> str:
    """A recall's outcome (model/records.py, plan/attribution.py) as the owner reads it."""
    labels = {
        "open": _("open"),
        "recovered": _("recovered"),
        "recovered_new_order": _("recovered (new order)"),
        "paid_without_reminder": _("paid without reminder"),
        "closed": _("closed"),
        "ended_unpaid": _("ended unpaid"),
        "not_contacted": _("not contacted"),
        "superseded": _("superseded by a newer order"),
        "baseline": _("baseline"),
        "held_out": _("held out"),
    }
    return labels.get(name, name.replace("_", " "))


def step_label(state: str) -> str:
    """A reminder's state (model/records.py) as the owner reads it."""
    labels = {"claimed": _("being sent"), "sent": _("sent"), "uncertain": _("maybe sent"), "skipped": _("skipped")}
    return labels.get(state, state)
