"""Failpoints: a test hook that kills the running process at a named point, to prove the crash-safety design.

`hit(name)` does nothing unless the environment variable `WCRECALL_FAILPOINTS` names that point. Its value is a
comma-separated list of `point:N` (kill at the Nth hit of `point`; `point` alone means the 1st), for example
`WCRECALL_FAILPOINTS=after_send:2`. The kill is SIGKILL to this very process: no `finally:`, no flush, no atexit, as
when the machine loses power or cron's host kills the job, which is the case the state design has to survive.

Points (called in `recall/tick.py` and the modules it runs, in the order of effects of one step):

- `mid_sync`: after an order of the sync was handled, before the watermark moves;
- `before_write_probe`, `after_write_probe`: around the tick's one check of the key's write permission, made right
  before its first email (nothing of that step is claimed yet);
- `after_claim`: the step's claim is on disk, nothing was handed to the mail server yet;
- `after_send`: the mail server accepted the message, the step is not yet marked sent;
- `after_mark_sent`: the step is marked sent, its order note is not yet posted;
- `after_note`: the note was posted, the step is not yet marked as noted;
- `after_refusal`: the mail server refused the buyer's address; the refusal and the suppression are on disk.

Not for production use: nothing in wcrecall sets the variable.
"""

from __future__ import annotations

import os
import signal
from collections import Counter

ENV = "WCRECALL_FAILPOINTS"
POINTS = frozenset(
    {
        "mid_sync",
        "before_write_probe",
        "after_write_probe",
        "after_claim",
        "after_send",
        "after_mark_sent",
        "after_note",
        "after_refusal",
    }
)

_hits: Counter[str] = Counter()


def armed(spec: str | None = None) -> dict[str, int]:
    """The points named in `spec` (default: the environment) and the hit each one kills at."""
    text = os.environ.get(ENV, "") if spec is None else spec
    points: dict[str, int] = {}
    for item in text.split(","):
        name, _, count = item.strip().partition(":")
        if name in POINTS:
            points[name] = int(count) if count.strip().isdigit() and int(count) > 0 else 1
    return points


def hit(name: str) -> None:
    """Count a pass through point `name`; SIGKILL this process if `WCRECALL_FAILPOINTS` says this is the one."""
    if ENV not in os.environ:  # the production path: one dictionary lookup
        return
    _hits[name] += 1
    if armed().get(name) == _hits[name]:
        os.kill(os.getpid(), signal.SIGKILL)


def reset() -> None:
    """Forget the hit counts (for in-process tests)."""
    _hits.clear()
