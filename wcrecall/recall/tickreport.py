"""What one tick did, for the owner: counts, a line per order acted on, and the problems (printed with -v)."""

from __future__ import annotations

import logging
import traceback
from collections.abc import Iterable
from dataclasses import dataclass, field

from wcrecall.model.errors import hide

log = logging.getLogger("wcrecall.recall.tick")


@dataclass
class TickReport:
    """What a tick did: printed with -v. An error that stops the tick is raised, not kept here (the CLI's one error
    boundary turns it into a message and an exit code); what the tick did until then stays here."""

    opened: int = 0
    sent: int = 0
    ended: int = 0
    recovered: int = 0
    problems: list[str] = field(default_factory=list)
    lines: list[str] = field(default_factory=list)

    @property
    def exit_code(self) -> int:
        """Of a tick that finished: 1 when an order (or the state file) had a problem, the others processed."""
        return 1 if self.problems else 0


def unexpected(exc: Exception, secrets: Iterable[str] = ()) -> str:
    """An unforeseen error as one line for the owner, `secrets` hidden; its traceback is logged (shown with -v)."""
    log.info("%s", hide(traceback.format_exc(), secrets).rstrip())
    text = " ".join(hide(str(exc), secrets).split())[:200]
    return f"unexpected error ({type(exc).__name__}{': ' + text if text else ''})"


__all__ = ["TickReport", "unexpected"]
