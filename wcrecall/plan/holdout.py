"""The randomized holdout: which eligible orders get no reminder, so that what reminders add can be measured.

With `recall.holdout = 0.1` one eligible order in ten is held out. The choice is a keyed hash, not a random draw: the
HMAC-SHA256 of the store and the order id under the install's secret key (recall/holdout.py keeps it in the state
folder), read as a number in [0, 1). So it is the same on every tick and in `explain`, it cannot be guessed or steered
by a buyer, and whoever holds the key can check it afterwards. An order is held out when its draw is below the share.

The planner decides at the moment the recall would send its first reminder (`held_out`): nothing sent before, so the
buyer is untouched. A recall decided then keeps its outcome whatever the share becomes later: a held-out recall has
ended, a reminded one has a reminder. Plain data, no I/O.
"""

from __future__ import annotations

import hashlib
import hmac
from datetime import timedelta

from wcrecall.i18n import _
from wcrecall.model.records import CLAIMED, HELD_OUT, SENT, UNCERTAIN, Recall
from wcrecall.plan.rules import End, Rules

_SCALE = float(1 << 64)
PAID_WITHIN = timedelta(days=7)  # the holdout's measure: paid within this long after the order (insight/recovery.py)


def draw(key: bytes, store: str, order_id: int) -> float:
    """The order's keyed draw, uniform in [0, 1): the first 64 bits of HMAC-SHA256(key, "<store>|<order id>")."""
    digest = hmac.new(key, f"{store}|{order_id}".encode(), hashlib.sha256).digest()
    return int.from_bytes(digest[:8], "big") / _SCALE


def chosen(rules: Rules, order_id: int) -> bool:
    """True when the holdout is on and this order's draw falls in the held-out share."""
    return (
        rules.holdout > 0
        and bool(rules.holdout_key)
        and draw(rules.holdout_key, rules.holdout_store, order_id) < (rules.holdout)
    )


def reason(share: float) -> str:
    """Why a recall was held out, as its end reason, `explain` and its order note say it."""
    return _("held out (recall.holdout = {share:g}): no reminder, to measure what reminders add").format(share=share)


def held_out(recall: Recall, rules: Rules) -> End | None:
    """The end of a recall about to send its first reminder when its order is in the holdout; None otherwise (the
    holdout is off, the order is not chosen, or the buyer has had a reminder already: then it is no longer a clean
    comparison, and the recall goes on)."""
    if any(s.state in (SENT, UNCERTAIN, CLAIMED) for s in recall.steps) or not chosen(rules, recall.id):
        return None
    return End(HELD_OUT, reason(rules.holdout))


__all__ = ["PAID_WITHIN", "chosen", "draw", "held_out", "reason"]
