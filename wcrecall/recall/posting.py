"""Posting the private order notes of one tick: the note of each step sent, and the notes that failed earlier.

A note that cannot be written is retried on the next tick, never by sending the email again; a refused key or the
tick's deadline stops the tick. The wording and tags of the notes are recall/notes.py's.
"""

from __future__ import annotations

from collections.abc import Callable

from wcrecall.i18n import _
from wcrecall.model.errors import StoreAuthError, StoreDeadline, StoreError
from wcrecall.model.records import Recall, Step
from wcrecall.recall import failpoints, notes
from wcrecall.state.db import State
from wcrecall.store.api import StoreApi


class NoteWriter:
    """The tick's note writer: `put` saves a recall, `problem(order_id, text)` reports a note not written."""

    def __init__(
        self,
        store: StoreApi,
        state: State,
        put: Callable[[Recall], None],
        problem: Callable[[int | str | None, str], None],
    ) -> None:
        self.store, self.state, self.put, self.problem = store, state, put, problem
        self._may_write = False  # the key's write permission, checked before the tick's first email

    @property
    def checked(self) -> bool:
        """Whether the key is known to write (checked, or a note written in this tick)."""
        return self._may_write or self.store.wrote

    def check_write(self) -> None:
        """A read-only key would mail the buyer and then fail on the note: find out before the tick's first email,
        without writing anything (StoreReadOnly: exit 2, nothing sent). Quiet ticks never ask, nor ticks whose
        pending notes (written before any email) already showed the key may write."""
        if self.checked:
            return
        failpoints.hit("before_write_probe")
        self.store.check_write()
        failpoints.hit("after_write_probe")
        self._may_write = True

    def post_step_note(self, recall: Recall, step: Step) -> None:
        """The note of a step just sent (or sent earlier, its note not written then)."""
        try:
            self.store.add_note(recall.id, notes.step_note(recall, step))
        except (StoreAuthError, StoreDeadline):
            raise
        except StoreError as exc:
            self.problem(
                recall.id, _("note for reminder {n} not written, retried next tick ({exc})").format(n=step.n, exc=exc)
            )
            return
        failpoints.hit("after_note")
        step.noted = True
        self.put(recall)

    def post_pending(self) -> None:
        """Notes that failed earlier (or ends to record): written now, never by sending the email again."""
        if self.state.read_only:
            return  # a dry run notes nothing (its ends, a held-out or flagged order, are only in memory)
        for recall in list(self.state.recalls.values()):
            steps, end_due = notes.pending(recall)
            try:
                for step in steps:
                    self.post_step_note(recall, step)
                if end_due:
                    self.store.add_note(recall.id, notes.end_note(recall))
                    recall.end_noted = True
                    self.put(recall)
            except (StoreAuthError, StoreDeadline):
                raise
            except StoreError as exc:
                self.problem(recall.id, _("note not written, retried next tick ({exc})").format(exc=exc))


__all__ = ["NoteWriter"]
