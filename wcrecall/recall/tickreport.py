"""What one tick did, for the owner: counts, a line per order acted on, and the problems (printed with -v)."""

from __future__ import annotations

import logging
import traceback
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime

from wcrecall.i18n import _, fmt_datetime
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
    reminders: list[tuple[str, int]] = field(default_factory=list)  # (order id, reminder n) sent this tick
    # The lines as said: written out only when read (`lines`), since most runs never show them.
    _said: list[tuple[int | str | None, str, Mapping[str, object] | None]] = field(default_factory=list, repr=False)

    def say(self, order_id: int | str, text: str, fields: Mapping[str, object] | None = None) -> None:
        """A line for -v about one order: `text` (a `_()` template filled with `fields`, when given; a moment in them
        is shown in the owner's time zone and format, None as "never")."""
        self._said.append((order_id, text, fields))

    def note(self, text: str) -> None:
        """A line for -v about the whole tick."""
        self._said.append((None, text, None))

    @property
    def lines(self) -> list[str]:
        """The lines said, in order, for -v."""
        return [_line(order_id, text, fields) for order_id, text, fields in self._said]

    def reminded(self, order_id: int | str, n: int) -> None:
        """Reminder `n` of the order left: counted, and kept for whoever follows the loop (the demo's buyer)."""
        self.sent += 1
        self.reminders.append((str(order_id), n))

    def problem(self, order_id: int | str | None, text: str, fields: Mapping[str, object] | None = None) -> None:
        """A problem, about one order or (`order_id` None) the whole tick; `text` as for `say`."""
        text = text.format(**fields) if fields else text
        self.problems.append(text if order_id is None else _order_line(order_id, text))

    def summary(self) -> str:
        """The counts, for -v."""
        return _("opened {opened}, sent {sent}, ended {ended} ({recovered} recovered)").format(
            opened=self.opened, sent=self.sent, ended=self.ended, recovered=self.recovered
        )

    @property
    def exit_code(self) -> int:
        """Of a tick that finished: 1 when an order (or the state file) had a problem, the others processed."""
        return 1 if self.problems else 0


def _line(order_id: int | str | None, text: str, fields: Mapping[str, object] | None) -> str:
    if fields:
        text = text.format(**{name: _shown(value) for name, value in fields.items()})
    return text if order_id is None else _order_line(order_id, text)


def _shown(value: object) -> object:
    return fmt_datetime(value) if isinstance(value, datetime) else value


def _order_line(order_id: int | str, text: str) -> str:
    return _("order {order_id}: {text}").format(order_id=order_id, text=text)


def unexpected(exc: Exception, secrets: Iterable[str] = ()) -> str:
    """An unforeseen error as one line for the owner, `secrets` hidden; its traceback is logged (shown with -v)."""
    log.info("%s", hide(traceback.format_exc(), secrets).rstrip())
    text = " ".join(hide(str(exc), secrets).split())[:200]
    if not text:
        return _("unexpected error ({kind})").format(kind=type(exc).__name__)
    return _("unexpected error ({kind}: {text})").format(kind=type(exc).__name__, text=text)


__all__ = ["TickReport", "unexpected"]
