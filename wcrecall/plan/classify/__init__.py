"""Why did a payment fail? Pure classification of WooCommerce order notes into failure classes.

- text.py: a note as the rules read it (HTML stripped, core's status-transition sentence cut off and remembered: a
  transition *to* Failed with no gateway reason is still evidence that an attempt failed, class `unknown`).
- rules.py: the rule tables, tried in order of trust; the first rule that matches decides. A generic code such as
  `(card_declined)` therefore loses to a specific message in the same note ("Your card has insufficient funds.
  (card_declined)" is `insufficient_funds`).
- literals.py: the literal keys that let most rules be skipped without running their regex.
- engine.py: the classifier (`classify_note`, `classify_order`, `explain_note`, `describe`).

The class `do_not_contact` is for the shop owner only: whoever words the buyer's email must never say that fraud, a
lost or stolen card or a risk check was involved.
"""

from wcrecall.plan.classify.engine import (
    CLASS_LABELS,
    EVIDENCE_MAX,
    FAILURE_CLASSES,
    OWN_NOTE_PREFIX,
    SYSTEM_AUTHORS,
    Classification,
    Note,
    classify_note,
    classify_order,
    describe,
    explain_note,
)
from wcrecall.plan.classify.text import strip_html

__all__ = [
    "CLASS_LABELS",
    "EVIDENCE_MAX",
    "FAILURE_CLASSES",
    "OWN_NOTE_PREFIX",
    "SYSTEM_AUTHORS",
    "Classification",
    "Note",
    "classify_note",
    "classify_order",
    "describe",
    "explain_note",
    "strip_html",
]
