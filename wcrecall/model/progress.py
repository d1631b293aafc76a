"""Progress bars for work that can take more than a few seconds (first sync, audit): on a terminal only."""

from __future__ import annotations

from typing import Any, Protocol


class Progress(Protocol):
    """Where the driver reports how far it got; the CLI passes a progress bar on a terminal, else `NoProgress`."""

    def begin(self, label: str, total: int) -> None: ...

    def advance(self, n: int = 1) -> None: ...

    def end(self) -> None: ...


class NoProgress:
    def begin(self, label: str, total: int) -> None:
        pass

    def advance(self, n: int = 1) -> None:
        pass

    def end(self) -> None:
        pass


class TerminalProgress:
    """A rich progress bar, for when stdout is a terminal; it disappears when done."""

    def __init__(self) -> None:
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

        self._bar = Progress(
            TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn(), transient=True
        )
        self._task: Any = None

    def begin(self, label: str, total: int) -> None:
        self._bar.start()
        self._task = self._bar.add_task(label, total=total or None)

    def advance(self, n: int = 1) -> None:
        if self._task is not None:
            self._bar.advance(self._task, n)

    def end(self) -> None:
        if self._task is not None:
            self._bar.remove_task(self._task)
            self._task = None
        self._bar.stop()
