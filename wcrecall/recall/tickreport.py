"""What one tick did, for the owner: counts, a line per order acted on, and the problems (printed with -v)."""

from __future__ import annotations

from dataclasses import dataclass, field


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


__all__ = ["TickReport"]
